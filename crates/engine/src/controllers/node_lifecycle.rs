//! Node lifecycle: taints that mirror node state (TaintNodesByCondition).
//!
//! A cordoned node (`spec.unschedulable: true`) carries the
//! `node.kubernetes.io/unschedulable:NoSchedule` taint; uncordoning removes it.

use crate::api::{Node, Object, ObjectKey};
use crate::apiserver::ApiServer;
use k8s_openapi::api::core::v1::Taint;

/// The taint kube-controller-manager keeps on cordoned nodes.
pub const UNSCHEDULABLE_TAINT: &str = "node.kubernetes.io/unschedulable";

/// Brings the node's taints in line with its `spec.unschedulable`.
pub fn reconcile(api: &mut ApiServer, key: &ObjectKey) {
    let Ok(obj) = api.get(key) else { return };
    let Some(node) = obj.as_::<Node>() else {
        return;
    };
    let spec = node.spec.clone().unwrap_or_default();
    let cordoned = spec.unschedulable.unwrap_or(false);
    let has = spec
        .taints
        .iter()
        .flatten()
        .any(|t| t.key == UNSCHEDULABLE_TAINT && t.effect == "NoSchedule");
    if cordoned == has {
        return;
    }
    let mut node = node.clone();
    let spec = node.spec.get_or_insert_with(Default::default);
    let taints = spec.taints.get_or_insert_with(Vec::new);
    if cordoned {
        let now = api.now().to_k8s_time();
        taints.push(Taint {
            key: UNSCHEDULABLE_TAINT.into(),
            effect: "NoSchedule".into(),
            time_added: Some(now),
            value: None,
        });
    } else {
        taints.retain(|t| !(t.key == UNSCHEDULABLE_TAINT && t.effect == "NoSchedule"));
    }
    if taints.is_empty() {
        spec.taints = None;
    }
    let _ = api.update_status(Object::Node(node));
}
