//! Node lifecycle (kube-controller-manager's `node-lifecycle-controller`, source
//! `node-controller`): the node monitor and the taints that mirror node state.
//!
//! - **Node monitor**: a kubelet renews its node lease every 10 s. When no renewal has been
//!   seen for `--node-monitor-grace-period` (50 s since v1.32), the monitor — which looks every
//!   `--node-monitor-period` (5 s) — sets the node's MemoryPressure, DiskPressure, PIDPressure
//!   and Ready conditions to `Unknown` (`NodeStatusUnknown`, "Kubelet stopped posting node
//!   status."), records `NodeNotReady` on the node and marks the node's pods not ready
//!   (`NodeNotReady` "Node is not ready" on each pod).
//! - **Taints** (TaintNodesByCondition and the NoExecute tainting pass): a cordoned node carries
//!   `node.kubernetes.io/unschedulable:NoSchedule`; Ready `Unknown` gives
//!   `node.kubernetes.io/unreachable` and Ready `False` gives `node.kubernetes.io/not-ready`,
//!   each with `NoExecute` and `NoSchedule`. They go when the condition does. The NoExecute
//!   taints make the taint-eviction controller evict pods (see `taint_eviction.rs`).
//!
//! Kubarium keeps no Lease objects: the cluster tells the monitor when a kubelet's last
//! renewal was ([`monitor_due`]) and calls [`mark_unknown`] at that instant.

use crate::api::{Kind, Node, Object, ObjectKey, Pod};
use crate::apiserver::ApiServer;
use crate::sim::SimTime;
use k8s_openapi::api::core::v1::Taint;

/// The taint kube-controller-manager keeps on cordoned nodes.
pub const UNSCHEDULABLE_TAINT: &str = "node.kubernetes.io/unschedulable";
/// The taint of a node whose Ready condition is `Unknown`.
pub const UNREACHABLE_TAINT: &str = "node.kubernetes.io/unreachable";
/// The taint of a node whose Ready condition is `False`.
pub const NOT_READY_TAINT: &str = "node.kubernetes.io/not-ready";

/// `--node-monitor-grace-period` (v1.32 raised the default from 40 s to 50 s).
pub const NODE_MONITOR_GRACE_MS: u64 = 50_000;
/// `--node-monitor-period`.
pub const NODE_MONITOR_PERIOD_MS: u64 = 5_000;

const UNKNOWN_MESSAGE: &str = "Kubelet stopped posting node status.";

/// When the monitor marks a node whose lease was last renewed at `last_renew`: at its first
/// look (every [`NODE_MONITOR_PERIOD_MS`]) strictly after the grace period ran out.
///
/// Worked example: renewed at 602 s → the grace period ends at 652 s → the monitor looks at
/// 650 s (too early) and 655 s, and marks the node then.
pub fn monitor_due(last_renew: SimTime) -> SimTime {
    let expires = last_renew.ms() + NODE_MONITOR_GRACE_MS;
    SimTime((expires / NODE_MONITOR_PERIOD_MS + 1) * NODE_MONITOR_PERIOD_MS)
}

/// The node monitor's verdict on a node whose kubelet stopped posting: the kubelet-owned
/// conditions turn `Unknown` (the heartbeat stays that of the last status the kubelet
/// posted), `NodeNotReady` is recorded on the node, and its pods are marked not ready.
pub fn mark_unknown(api: &mut ApiServer, node_name: &str) {
    let key = ObjectKey::new(Kind::Node, "", node_name);
    let Some(node) = api.store().get(&key).and_then(|o| o.as_::<Node>().cloned()) else {
        return;
    };
    let now = api.now().to_k8s_time();
    let was_ready = ready_status(&node) == Some("True");
    let mut node = node;
    let mut changed = false;
    if let Some(conditions) = node.status.as_mut().and_then(|s| s.conditions.as_mut()) {
        for c in conditions.iter_mut().filter(|c| {
            matches!(
                c.type_.as_str(),
                "MemoryPressure" | "DiskPressure" | "PIDPressure" | "Ready"
            )
        }) {
            if c.status == "Unknown" {
                continue;
            }
            c.status = "Unknown".into();
            c.reason = Some("NodeStatusUnknown".into());
            c.message = Some(UNKNOWN_MESSAGE.into());
            c.last_transition_time = Some(now.clone());
            changed = true;
        }
    }
    if !changed {
        return;
    }
    let Ok(written) = api.update_status(Object::from(node)) else {
        return;
    };
    if was_ready {
        let msg = format!("Node {node_name} status is now: NodeNotReady");
        api.record_event(
            &written,
            "Normal",
            "NodeNotReady",
            &msg,
            "node-controller",
            None,
        );
        mark_pods_not_ready(api, node_name);
    }
}

/// `MarkPodsNotReady`: the Ready condition of every pod on the node turns False, and each pod
/// gets a `NodeNotReady` warning.
fn mark_pods_not_ready(api: &mut ApiServer, node_name: &str) {
    let pods = api.store().pods_on_node(node_name);
    let now = api.now().to_k8s_time();
    for key in pods {
        let ready_true = api
            .store()
            .get(&key)
            .and_then(|o| o.as_::<Pod>().cloned())
            .and_then(|p| p.status)
            .and_then(|s| s.conditions)
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
        if !ready_true {
            continue;
        }
        let t = now.clone();
        let Ok(written) = api.modify_status(&key, move |o| {
            if let Object::Pod(p) = o {
                for c in p
                    .status
                    .as_mut()
                    .and_then(|s| s.conditions.as_mut())
                    .into_iter()
                    .flatten()
                {
                    if c.type_ == "Ready" {
                        c.status = "False".into();
                        c.last_transition_time = Some(t.clone());
                    }
                }
            }
        }) else {
            continue;
        };
        api.record_event(
            &written,
            "Warning",
            "NodeNotReady",
            "Node is not ready",
            "node-controller",
            None,
        );
    }
}

fn ready_status(node: &Node) -> Option<&str> {
    node.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "Ready")
        .map(|c| c.status.as_str())
}

/// The controller-managed taints a node should carry, as (key, effect), in the order they are
/// added: the unschedulable taint for a cordoned node, and NoExecute before NoSchedule for
/// an unreachable or not-ready one.
pub fn desired_taints(
    unschedulable: bool,
    ready: Option<&str>,
) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    if unschedulable {
        out.push((UNSCHEDULABLE_TAINT, "NoSchedule"));
    }
    let condition_taint = match ready {
        Some("Unknown") => Some(UNREACHABLE_TAINT),
        Some("False") => Some(NOT_READY_TAINT),
        _ => None,
    };
    if let Some(key) = condition_taint {
        out.push((key, "NoExecute"));
        out.push((key, "NoSchedule"));
    }
    out
}

/// Brings the node's controller-managed taints in line with its `spec.unschedulable` and its
/// Ready condition.
pub fn reconcile(api: &mut ApiServer, key: &ObjectKey) {
    let Ok(obj) = api.get(key) else { return };
    let Some(node) = obj.as_::<Node>() else {
        return;
    };
    let spec = node.spec.clone().unwrap_or_default();
    let want = desired_taints(spec.unschedulable.unwrap_or(false), ready_status(node));
    let managed = |t: &Taint| {
        matches!(
            (t.key.as_str(), t.effect.as_str()),
            (UNSCHEDULABLE_TAINT, "NoSchedule")
                | (UNREACHABLE_TAINT, "NoSchedule" | "NoExecute")
                | (NOT_READY_TAINT, "NoSchedule" | "NoExecute")
        )
    };
    let current = spec.taints.clone().unwrap_or_default();
    let has = |k: &str, e: &str| current.iter().any(|t| t.key == k && t.effect == e);
    let missing: Vec<(&str, &str)> = want.iter().copied().filter(|(k, e)| !has(k, e)).collect();
    let stale = current
        .iter()
        .any(|t| managed(t) && !want.contains(&(t.key.as_str(), t.effect.as_str())));
    if missing.is_empty() && !stale {
        return;
    }
    let now = api.now().to_k8s_time();
    let mut taints: Vec<Taint> = current
        .into_iter()
        .filter(|t| !managed(t) || want.contains(&(t.key.as_str(), t.effect.as_str())))
        .collect();
    for (k, e) in missing {
        taints.push(Taint {
            key: k.into(),
            effect: e.into(),
            time_added: Some(now.clone()),
            value: None,
        });
    }
    let mut node = node.clone();
    node.spec.get_or_insert_with(Default::default).taints = (!taints.is_empty()).then_some(taints);
    let _ = api.update_status(Object::from(node));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_monitor_marks_a_node_at_its_first_look_after_the_grace_period() {
        assert_eq!(
            monitor_due(SimTime::from_secs(602)),
            SimTime::from_secs(655)
        );
        // Exactly at a look is not "after": the next one marks it.
        assert_eq!(
            monitor_due(SimTime::from_secs(600)),
            SimTime::from_secs(655)
        );
        assert_eq!(monitor_due(SimTime(604_999)), SimTime::from_secs(655));
        assert_eq!(monitor_due(SimTime(605_000)), SimTime::from_secs(660));
    }

    #[test]
    fn taints_follow_the_ready_condition() {
        assert!(desired_taints(false, Some("True")).is_empty());
        assert_eq!(
            desired_taints(false, Some("Unknown")),
            vec![
                (UNREACHABLE_TAINT, "NoExecute"),
                (UNREACHABLE_TAINT, "NoSchedule")
            ]
        );
        assert_eq!(
            desired_taints(true, Some("False")),
            vec![
                (UNSCHEDULABLE_TAINT, "NoSchedule"),
                (NOT_READY_TAINT, "NoExecute"),
                (NOT_READY_TAINT, "NoSchedule")
            ]
        );
    }
}
