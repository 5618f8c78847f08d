//! TaintToleration: a node's `NoSchedule`/`NoExecute` taints keep out pods that do not
//! tolerate them; `PreferNoSchedule` taints only lower the node's score.

use crate::scheduler::framework::{
    default_normalize_score, FilterPlugin, PodInfo, ScoreContext, ScorePlugin, Status,
    MAX_NODE_SCORE,
};
use crate::scheduler::node_info::NodeInfo;
use k8s_openapi::api::core::v1::{Taint, Toleration};

/// Whether a toleration tolerates a taint (`Toleration.ToleratesTaint`): the effect matches
/// (or the toleration names none), the key matches (or is empty with `Exists`), and with
/// `Equal` (the default operator) the values are equal.
pub fn tolerates(t: &Toleration, taint: &Taint) -> bool {
    if let Some(e) = t.effect.as_deref().filter(|e| !e.is_empty()) {
        if e != taint.effect {
            return false;
        }
    }
    if let Some(k) = t.key.as_deref().filter(|k| !k.is_empty()) {
        if k != taint.key {
            return false;
        }
    }
    match t.operator.as_deref().unwrap_or("") {
        "" | "Equal" => t.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or(""),
        "Exists" => true,
        _ => false,
    }
}

/// The first taint with a filtered effect that no toleration tolerates
/// (`FindMatchingUntoleratedTaint`).
pub fn find_untolerated_taint<'t>(
    taints: &'t [Taint],
    tolerations: &[Toleration],
    effect: impl Fn(&str) -> bool,
) -> Option<&'t Taint> {
    taints
        .iter()
        .filter(|t| effect(&t.effect))
        .find(|taint| !tolerations.iter().any(|t| tolerates(t, taint)))
}

/// The FailedScheduling reason for a taint: `node(s) had untolerated taint {key: value}`.
pub fn untolerated_taint_reason(taint: &Taint) -> String {
    format!(
        "node(s) had untolerated taint {{{}: {}}}",
        taint.key,
        taint.value.as_deref().unwrap_or("")
    )
}

/// The TaintToleration plugin.
pub struct TaintToleration;

impl FilterPlugin for TaintToleration {
    fn name(&self) -> &'static str {
        "TaintToleration"
    }
    fn filter(&self, pod: &PodInfo, node: &NodeInfo) -> Status {
        let tolerations = pod.spec().tolerations.as_deref().unwrap_or(&[]);
        match find_untolerated_taint(&node.taints, tolerations, |e| {
            e == "NoSchedule" || e == "NoExecute"
        }) {
            None => Status::success(),
            Some(taint) => Status::unresolvable(&untolerated_taint_reason(taint)),
        }
    }
}

impl ScorePlugin for TaintToleration {
    fn name(&self) -> &'static str {
        "TaintToleration"
    }
    fn weight(&self) -> i64 {
        3
    }
    /// The number of `PreferNoSchedule` taints the pod does not tolerate (fewer is better).
    fn score(&self, pod: &PodInfo, node: &NodeInfo, _ctx: &ScoreContext) -> i64 {
        let prefer: Vec<&Toleration> = pod
            .spec()
            .tolerations
            .iter()
            .flatten()
            .filter(|t| {
                matches!(
                    t.effect.as_deref(),
                    None | Some("") | Some("PreferNoSchedule")
                )
            })
            .collect();
        node.taints
            .iter()
            .filter(|taint| {
                taint.effect == "PreferNoSchedule" && !prefer.iter().any(|t| tolerates(t, taint))
            })
            .count() as i64
    }
    /// Worked example: untolerated counts [0, 1, 2] → [100, 50, 0].
    fn normalize(&self, scores: &mut [i64]) {
        default_normalize_score(MAX_NODE_SCORE, true, scores);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testing::{node, pod};
    use serde_json::json;
    use std::collections::BTreeMap;

    fn cp() -> NodeInfo {
        node(
            "m",
            json!({}),
            json!({"taints": [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]}),
            json!({}),
        )
    }

    #[test]
    fn control_plane_taint_message_names_key_and_empty_value() {
        let p = pod(json!({"containers": [{"name": "a"}]}));
        let s = TaintToleration.filter(&PodInfo::new(&p), &cp());
        assert_eq!(
            s.reasons,
            vec!["node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"]
        );
        assert_eq!(
            s.code,
            crate::scheduler::framework::Code::UnschedulableAndUnresolvable
        );
    }

    #[test]
    fn tolerations_match_by_key_effect_value() {
        let ok = pod(
            json!({"containers": [{"name": "a"}], "tolerations": [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]}),
        );
        assert!(TaintToleration
            .filter(&PodInfo::new(&ok), &cp())
            .is_success());
        let all =
            pod(json!({"containers": [{"name": "a"}], "tolerations": [{"operator": "Exists"}]}));
        assert!(TaintToleration
            .filter(&PodInfo::new(&all), &cp())
            .is_success());
        let wrong_effect = pod(
            json!({"containers": [{"name": "a"}], "tolerations": [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoExecute"}]}),
        );
        assert!(!TaintToleration
            .filter(&PodInfo::new(&wrong_effect), &cp())
            .is_success());
        let taint = Taint {
            key: "gpu".into(),
            value: Some("a100".into()),
            effect: "NoSchedule".into(),
            ..Default::default()
        };
        let t = |v: &str| Toleration {
            key: Some("gpu".into()),
            value: Some(v.into()),
            operator: Some("Equal".into()),
            ..Default::default()
        };
        assert!(tolerates(&t("a100"), &taint));
        assert!(!tolerates(&t("h100"), &taint));
        assert_eq!(
            untolerated_taint_reason(&taint),
            "node(s) had untolerated taint {gpu: a100}"
        );
    }

    #[test]
    fn prefer_no_schedule_lowers_the_score() {
        let p = pod(json!({"containers": [{"name": "a"}]}));
        let pi = PodInfo::new(&p);
        let soft = node(
            "a",
            json!({}),
            json!({"taints": [{"key": "x", "effect": "PreferNoSchedule"}]}),
            json!({}),
        );
        let clean = node("b", json!({}), json!({}), json!({}));
        let images = BTreeMap::new();
        let ctx = ScoreContext {
            total_nodes: 2,
            image_nodes: &images,
        };
        let mut scores = [
            TaintToleration.score(&pi, &soft, &ctx),
            TaintToleration.score(&pi, &clean, &ctx),
        ];
        assert_eq!(scores, [1, 0]);
        TaintToleration.normalize(&mut scores);
        assert_eq!(scores, [0, 100]);
    }
}
