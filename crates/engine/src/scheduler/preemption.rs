//! PostFilter: what runs when no node fits. The default profile has two PostFilter plugins,
//! DynamicResources (it would free a ResourceClaim; a pod without claims gets "no new claims
//! to deallocate") and DefaultPreemption (it looks for lower-priority pods whose eviction
//! would make room). Their messages, joined with ", ", end the FailedScheduling message.

use super::framework::{fit_error_message, run_filters, Code, PodInfo, Status};
use super::node_info::NodeInfo;
use crate::api::ObjectKey;
use std::collections::BTreeMap;

/// DynamicResources' PostFilter message for a pod that references no ResourceClaim.
pub const NO_NEW_CLAIMS_TO_DEALLOCATE: &str = "no new claims to deallocate";
/// Reason given to nodes the dry run did not consider (their filter failure was unresolvable).
pub const PREEMPTION_NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";
/// Reason for a node without lower-priority pods.
pub const NO_PREEMPTION_VICTIMS: &str = "No preemption victims found for incoming pod";
/// `PodEligibleToPreemptOthers` for `preemptionPolicy: Never`.
pub const NOT_ELIGIBLE_POLICY_NEVER: &str = "not eligible due to preemptionPolicy=Never.";
/// `PodEligibleToPreemptOthers` while victims on the nominated node are still terminating.
pub const NOT_ELIGIBLE_TERMINATING: &str =
    "not eligible due to terminating pod on the nominated node.";

/// What PostFilter decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PostFilterResult {
    /// No help possible; the message to append after the filter reasons.
    Unschedulable { message: String },
    /// Evicting `victims` from `node` makes room; the pod is nominated there.
    Preempt {
        node: String,
        victims: Vec<ObjectKey>,
    },
}

/// Runs the PostFilter plugins for a pod no node accepted.
///
/// `statuses` holds each node's filter status; `terminating` lists pods (by key) that already
/// have a deletion timestamp, `nominated` is the pod's `status.nominatedNodeName`.
pub fn post_filter(
    pod: &PodInfo,
    nodes: &[&NodeInfo],
    statuses: &BTreeMap<String, Status>,
    terminating: &dyn Fn(&ObjectKey) -> bool,
) -> PostFilterResult {
    let mut reasons = vec![NO_NEW_CLAIMS_TO_DEALLOCATE.to_string()];
    match default_preemption(pod, nodes, statuses, terminating) {
        Ok((node, victims)) => return PostFilterResult::Preempt { node, victims },
        Err(msg) => reasons.push(format!("preemption: {msg}")),
    }
    PostFilterResult::Unschedulable {
        message: reasons.join(", "),
    }
}

/// DefaultPreemption's `Preempt`: a candidate node with its victims, or the reason why not
/// (without the `preemption: ` prefix).
fn default_preemption(
    pod: &PodInfo,
    nodes: &[&NodeInfo],
    statuses: &BTreeMap<String, Status>,
    terminating: &dyn Fn(&ObjectKey) -> bool,
) -> Result<(String, Vec<ObjectKey>), String> {
    let spec = pod.spec();
    if spec.preemption_policy.as_deref() == Some("Never") {
        return Err(NOT_ELIGIBLE_POLICY_NEVER.to_string());
    }
    let nominated = pod
        .pod
        .status
        .as_ref()
        .and_then(|s| s.nominated_node_name.as_deref())
        .filter(|n| !n.is_empty());
    if let Some(nom) = nominated {
        let resolvable = statuses
            .get(nom)
            .is_none_or(|s| s.code != Code::UnschedulableAndUnresolvable);
        if let Some(n) = nodes.iter().find(|n| n.name == nom).filter(|_| resolvable) {
            if n.pods
                .iter()
                .any(|(k, p)| p.priority < pod.priority && terminating(k))
            {
                return Err(NOT_ELIGIBLE_TERMINATING.to_string());
            }
        }
    }
    // Dry run on every node whose failure preemption might fix.
    let mut dry_run: BTreeMap<&str, Status> = BTreeMap::new();
    let mut candidates: Vec<(&str, Vec<(ObjectKey, i32)>)> = Vec::new();
    for n in nodes {
        if statuses
            .get(&n.name)
            .is_none_or(|s| s.code != Code::Unschedulable)
        {
            continue;
        }
        match select_victims_on_node(pod, n) {
            Ok(victims) => candidates.push((&n.name, victims)),
            Err(s) => {
                dry_run.insert(&n.name, s);
            }
        }
    }
    if candidates.is_empty() {
        let absent = nodes.len() - dry_run.len();
        return Err(fit_error_message(
            nodes.len(),
            dry_run.values(),
            Some((PREEMPTION_NOT_HELPFUL, absent)),
            "",
        ));
    }
    // pickOneNodeForPreemption: lowest highest-victim priority, then lowest priority sum,
    // then fewest victims, then node name.
    candidates.sort_by_key(|(name, v)| {
        let highest = v.iter().map(|(_, p)| *p).max().unwrap_or(i32::MIN);
        let sum: i64 = v
            .iter()
            .map(|(_, p)| i64::from(*p) + i64::from(i32::MAX) + 1)
            .sum();
        (highest, sum, v.len(), name.to_string())
    });
    let (node, victims) = candidates.swap_remove(0);
    Ok((
        node.to_string(),
        victims.into_iter().map(|(k, _)| k).collect(),
    ))
}

/// `SelectVictimsOnNode`: removes every lower-priority pod; if the pod then fits, puts back
/// (reprieves) as many as possible, most important first. Returns the victims, or the status
/// explaining why preemption cannot help on this node.
pub fn select_victims_on_node(
    pod: &PodInfo,
    node: &NodeInfo,
) -> Result<Vec<(ObjectKey, i32)>, Status> {
    let mut potential: Vec<(ObjectKey, i32)> = node
        .pods
        .iter()
        .filter(|(_, p)| p.priority < pod.priority)
        .map(|(k, p)| (k.clone(), p.priority))
        .collect();
    if potential.is_empty() {
        return Err(Status::unresolvable(NO_PREEMPTION_VICTIMS));
    }
    let mut trial = node.clone();
    for (k, _) in &potential {
        trial.remove_pod(k);
    }
    let s = run_filters(pod, &trial);
    if !s.is_success() {
        return Err(s);
    }
    // Most important first: higher priority, then name.
    potential.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut victims = Vec::new();
    for (k, prio) in potential {
        if let Some(p) = node.pods.get(&k) {
            trial.add_pod(k.clone(), p.clone());
            if !run_filters(pod, &trial).is_success() {
                trial.remove_pod(&k);
                victims.push((k, prio));
            }
        }
    }
    Ok(victims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testing::{bind, node, pod};
    use serde_json::json;

    fn statuses(nodes: &[&NodeInfo], p: &PodInfo) -> BTreeMap<String, Status> {
        nodes
            .iter()
            .map(|n| (n.name.clone(), run_filters(p, n)))
            .collect()
    }

    #[test]
    fn no_victims_and_not_helpful() {
        let cp = node(
            "m",
            json!({}),
            json!({"taints": [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]}),
            json!({"cpu": "2", "pods": "110"}),
        );
        let mut w = node(
            "w1",
            json!({}),
            json!({}),
            json!({"cpu": "1", "pods": "110"}),
        );
        bind(
            &mut w,
            "sys",
            json!({"priority": 2000001000, "containers": [{"name": "c", "resources": {"requests": {"cpu": "250m"}}}]}),
        );
        let p =
            pod(json!({"containers": [{"name": "a", "resources": {"requests": {"cpu": "2"}}}]}));
        let pi = PodInfo::new(&p);
        let nodes = [&cp, &w];
        let r = post_filter(&pi, &nodes, &statuses(&nodes, &pi), &|_| false);
        assert_eq!(
            r,
            PostFilterResult::Unschedulable {
                message: "no new claims to deallocate, preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.".into()
            }
        );
    }

    #[test]
    fn policy_never() {
        let w = node(
            "w1",
            json!({}),
            json!({}),
            json!({"cpu": "1", "pods": "110"}),
        );
        let p = pod(
            json!({"preemptionPolicy": "Never", "containers": [{"name": "a", "resources": {"requests": {"cpu": "2"}}}]}),
        );
        let pi = PodInfo::new(&p);
        let r = post_filter(&pi, &[&w], &statuses(&[&w], &pi), &|_| false);
        assert_eq!(r, PostFilterResult::Unschedulable { message: "no new claims to deallocate, preemption: not eligible due to preemptionPolicy=Never.".into() });
    }

    #[test]
    fn lower_priority_pods_are_preempted_minimally() {
        let mut w = node(
            "w1",
            json!({}),
            json!({}),
            json!({"cpu": "1", "pods": "110"}),
        );
        bind(
            &mut w,
            "a",
            json!({"priority": 0, "containers": [{"name": "c", "resources": {"requests": {"cpu": "400m"}}}]}),
        );
        bind(
            &mut w,
            "b",
            json!({"priority": 10, "containers": [{"name": "c", "resources": {"requests": {"cpu": "400m"}}}]}),
        );
        let p = pod(
            json!({"priority": 100, "containers": [{"name": "x", "resources": {"requests": {"cpu": "500m"}}}]}),
        );
        let pi = PodInfo::new(&p);
        match post_filter(&pi, &[&w], &statuses(&[&w], &pi), &|_| false) {
            PostFilterResult::Preempt { node, victims } => {
                assert_eq!(node, "w1");
                // b (more important) is reprieved; evicting a alone frees enough.
                assert_eq!(
                    victims.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(),
                    vec!["a"]
                );
            }
            other => panic!("{other:?}"),
        }
        // Still too big even with every lower-priority pod gone: the filter reason is reported.
        let huge = pod(
            json!({"priority": 100, "containers": [{"name": "x", "resources": {"requests": {"cpu": "3"}}}]}),
        );
        let hi = PodInfo::new(&huge);
        let r = post_filter(&hi, &[&w], &statuses(&[&w], &hi), &|_| false);
        assert_eq!(r, PostFilterResult::Unschedulable { message: "no new claims to deallocate, preemption: 0/1 nodes are available: 1 Insufficient cpu.".into() });
    }
}
