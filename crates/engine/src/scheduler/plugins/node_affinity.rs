//! NodeAffinity: `spec.nodeSelector` and required node affinity decide which nodes may run
//! the pod; preferred node affinity terms add their weights to a node's score.

use crate::scheduler::framework::{
    default_normalize_score, FilterPlugin, PodInfo, ScoreContext, ScorePlugin, Status,
    MAX_NODE_SCORE,
};
use crate::scheduler::node_info::NodeInfo;
use k8s_openapi::api::core::v1::{NodeSelectorRequirement, NodeSelectorTerm};
use std::collections::BTreeMap;

/// `ErrReasonPod`.
pub const ERR_REASON_POD: &str = "node(s) didn't match Pod's node affinity/selector";

/// Whether one label requirement holds. `Gt`/`Lt` compare integers; a missing label satisfies
/// only `NotIn` and `DoesNotExist`.
pub fn requirement_matches(r: &NodeSelectorRequirement, value: Option<&str>) -> bool {
    let values = r.values.as_deref().unwrap_or(&[]);
    match r.operator.as_str() {
        "In" => value.is_some_and(|v| values.iter().any(|x| x == v)),
        "NotIn" => value.is_none_or(|v| !values.iter().any(|x| x == v)),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        op @ ("Gt" | "Lt") => {
            let (Some(v), [bound]) = (value, values) else {
                return false;
            };
            match (v.parse::<i64>(), bound.parse::<i64>()) {
                (Ok(v), Ok(b)) => {
                    if op == "Gt" {
                        v > b
                    } else {
                        v < b
                    }
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// Whether a node selector term matches: every `matchExpressions` entry against the labels and
/// every `matchFields` entry (only `metadata.name` exists) against the node name. An empty
/// term matches nothing.
pub fn term_matches(
    term: &NodeSelectorTerm,
    node_name: &str,
    labels: &BTreeMap<String, String>,
) -> bool {
    let exprs = term.match_expressions.as_deref().unwrap_or(&[]);
    let fields = term.match_fields.as_deref().unwrap_or(&[]);
    if exprs.is_empty() && fields.is_empty() {
        return false;
    }
    exprs
        .iter()
        .all(|r| requirement_matches(r, labels.get(&r.key).map(String::as_str)))
        && fields.iter().all(|r| {
            r.key == "metadata.name"
                && matches!(r.operator.as_str(), "In" | "NotIn")
                && requirement_matches(r, Some(node_name))
        })
}

/// Whether the node satisfies the pod's `nodeSelector` and required node affinity
/// (`GetRequiredNodeAffinity(pod).Match(node)`): the selector's pairs all hold, and at least
/// one of the required terms matches.
pub fn required_node_affinity_matches(pod: &PodInfo, node: &NodeInfo) -> bool {
    spec_matches_node(pod.spec(), &node.name, &node.labels)
}

/// [`required_node_affinity_matches`] for a pod spec and a node's name and labels (the
/// DaemonSet controller asks it of nodes before any pod exists).
pub fn spec_matches_node(
    spec: &k8s_openapi::api::core::v1::PodSpec,
    node_name: &str,
    labels: &BTreeMap<String, String>,
) -> bool {
    if let Some(sel) = &spec.node_selector {
        if !sel.iter().all(|(k, v)| labels.get(k) == Some(v)) {
            return false;
        }
    }
    let required = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|na| {
            na.required_during_scheduling_ignored_during_execution
                .as_ref()
        });
    match required {
        None => true,
        Some(ns) => ns
            .node_selector_terms
            .iter()
            .any(|t| term_matches(t, node_name, labels)),
    }
}

/// The NodeAffinity plugin.
pub struct NodeAffinity;

impl FilterPlugin for NodeAffinity {
    fn name(&self) -> &'static str {
        "NodeAffinity"
    }
    fn filter(&self, pod: &PodInfo, node: &NodeInfo) -> Status {
        if required_node_affinity_matches(pod, node) {
            Status::success()
        } else {
            Status::unresolvable(ERR_REASON_POD)
        }
    }
}

impl ScorePlugin for NodeAffinity {
    fn name(&self) -> &'static str {
        "NodeAffinity"
    }
    fn weight(&self) -> i64 {
        2
    }
    fn skip(&self, pod: &PodInfo) -> bool {
        pod.spec()
            .affinity
            .as_ref()
            .and_then(|a| a.node_affinity.as_ref())
            .and_then(|na| {
                na.preferred_during_scheduling_ignored_during_execution
                    .as_ref()
            })
            .is_none_or(|p| p.is_empty())
    }
    /// The sum of the weights of the preferred terms the node matches.
    fn score(&self, pod: &PodInfo, node: &NodeInfo, _ctx: &ScoreContext) -> i64 {
        let preferred = pod
            .spec()
            .affinity
            .as_ref()
            .and_then(|a| a.node_affinity.as_ref())
            .and_then(|na| {
                na.preferred_during_scheduling_ignored_during_execution
                    .as_ref()
            });
        preferred
            .into_iter()
            .flatten()
            .filter(|t| t.weight != 0 && term_matches(&t.preference, &node.name, &node.labels))
            .map(|t| i64::from(t.weight))
            .sum()
    }
    /// Worked example: weights matched [80, 20, 0] → [100, 25, 0].
    fn normalize(&self, scores: &mut [i64]) {
        default_normalize_score(MAX_NODE_SCORE, false, scores);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testing::{node, pod};
    use serde_json::json;

    fn w(labels: serde_json::Value) -> NodeInfo {
        node("w1", labels, json!({}), json!({}))
    }

    #[test]
    fn node_selector_must_match_all_pairs() {
        let p = pod(
            json!({"containers": [{"name": "a"}], "nodeSelector": {"disk": "ssd", "zone": "a"}}),
        );
        let pi = PodInfo::new(&p);
        assert!(NodeAffinity
            .filter(&pi, &w(json!({"disk": "ssd", "zone": "a", "x": "y"})))
            .is_success());
        assert_eq!(
            NodeAffinity.filter(&pi, &w(json!({"disk": "ssd"}))).reasons,
            vec![ERR_REASON_POD]
        );
    }

    #[test]
    fn required_terms_are_ored_expressions_anded() {
        let p = pod(
            json!({"containers": [{"name": "a"}], "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}, {"key": "cores", "operator": "Gt", "values": ["4"]}]},
                {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["w9"]}]}
            ]}}}}),
        );
        let pi = PodInfo::new(&p);
        assert!(NodeAffinity
            .filter(&pi, &w(json!({"disk": "ssd", "cores": "8"})))
            .is_success());
        assert!(!NodeAffinity
            .filter(&pi, &w(json!({"disk": "ssd", "cores": "4"})))
            .is_success());
        assert!(!NodeAffinity
            .filter(&pi, &w(json!({"disk": "ssd", "cores": "many"})))
            .is_success());
        assert!(NodeAffinity
            .filter(&pi, &node("w9", json!({}), json!({}), json!({})))
            .is_success());
    }

    #[test]
    fn operators() {
        let r = |op: &str, values: &[&str]| NodeSelectorRequirement {
            key: "k".into(),
            operator: op.into(),
            values: Some(values.iter().map(|s| s.to_string()).collect()),
        };
        assert!(requirement_matches(&r("NotIn", &["a"]), None));
        assert!(!requirement_matches(&r("NotIn", &["a"]), Some("a")));
        assert!(requirement_matches(&r("Exists", &[]), Some("")));
        assert!(requirement_matches(&r("DoesNotExist", &[]), None));
        assert!(requirement_matches(&r("Lt", &["10"]), Some("9")));
        assert!(!requirement_matches(&r("Lt", &["10"]), None));
        assert!(!term_matches(
            &NodeSelectorTerm::default(),
            "n",
            &BTreeMap::new()
        ));
    }

    #[test]
    fn preferred_terms_sum_weights() {
        let p = pod(
            json!({"containers": [{"name": "a"}], "affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 80, "preference": {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}},
                {"weight": 20, "preference": {"matchExpressions": [{"key": "zone", "operator": "Exists"}]}}
            ]}}}),
        );
        let pi = PodInfo::new(&p);
        let images = BTreeMap::new();
        let ctx = ScoreContext {
            total_nodes: 3,
            image_nodes: &images,
        };
        let mut s = [
            NodeAffinity.score(&pi, &w(json!({"disk": "ssd", "zone": "a"})), &ctx),
            NodeAffinity.score(&pi, &w(json!({"zone": "a"})), &ctx),
            NodeAffinity.score(&pi, &w(json!({})), &ctx),
        ];
        assert_eq!(s, [100, 20, 0]);
        NodeAffinity.normalize(&mut s);
        assert_eq!(s, [100, 20, 0]);
        assert!(!NodeAffinity.skip(&pi));
    }
}
