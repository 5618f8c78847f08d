//! VolumeBinding's PreFilter: a pod whose PersistentVolumeClaims do not exist, are being
//! deleted, or are unbound with immediate binding cannot be scheduled on any node; the
//! FailedScheduling message then carries the PreFilter's reason instead of a per-node
//! histogram. Claims of a `WaitForFirstConsumer` class are bound after scheduling, so they
//! do not stop the pod here.

use crate::api::{Kind, ObjectKey, PersistentVolumeClaim, Pod, StorageClass};
use crate::apiserver::ApiServer;

/// `ErrReasonBindConflict`'s sibling for unbound immediate claims.
pub const ERR_REASON_UNBOUND_IMMEDIATE: &str = "pod has unbound immediate PersistentVolumeClaims";

/// The reason the pod's claims keep it from every node, if any (`VolumeBinding.PreFilter`).
pub fn pre_filter(api: &ApiServer, pod: &Pod) -> Option<String> {
    let ns = pod.metadata.namespace.as_deref().unwrap_or("");
    let claims = pod
        .spec
        .as_ref()?
        .volumes
        .iter()
        .flatten()
        .filter_map(|v| v.persistent_volume_claim.as_ref());
    let mut unbound_immediate = false;
    for c in claims {
        let key = ObjectKey::new(Kind::PersistentVolumeClaim, ns, &c.claim_name);
        let Some(obj) = api.store().get(&key) else {
            return Some(format!(
                "persistentvolumeclaim {:?} not found",
                c.claim_name
            ));
        };
        if obj.metadata().deletion_timestamp.is_some() {
            return Some(format!(
                "persistentvolumeclaim {:?} is being deleted",
                c.claim_name
            ));
        }
        let Some(pvc) = obj.as_::<PersistentVolumeClaim>() else {
            continue;
        };
        let spec = pvc.spec.clone().unwrap_or_default();
        if spec.volume_name.as_deref().is_some_and(|v| !v.is_empty()) {
            continue;
        }
        let class = pvc
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("volume.beta.kubernetes.io/storage-class"))
            .cloned()
            .or(spec.storage_class_name)
            .unwrap_or_default();
        let delayed = !class.is_empty()
            && api
                .store()
                .get(&ObjectKey::new(Kind::StorageClass, "", &class))
                .and_then(|o| {
                    o.as_::<StorageClass>()
                        .and_then(|s| s.volume_binding_mode.clone())
                })
                .is_some_and(|m| m == "WaitForFirstConsumer");
        if !delayed {
            unbound_immediate = true;
        }
    }
    unbound_immediate.then(|| ERR_REASON_UNBOUND_IMMEDIATE.to_string())
}

/// The FailedScheduling message of a PreFilter rejection (`FitError.Error` with a
/// `PreFilterMsg`): the reason, then what preemption found — nothing, since no node passed
/// PreFilter.
pub fn pre_filter_message(num_nodes: usize, reason: &str) -> String {
    format!(
        "0/{num_nodes} nodes are available: {reason}. preemption: 0/{num_nodes} nodes are available: {num_nodes} Preemption is not helpful for scheduling."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_has_the_pre_filter_reason_and_preemption() {
        assert_eq!(
            pre_filter_message(4, ERR_REASON_UNBOUND_IMMEDIATE),
            "0/4 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling."
        );
    }
}
