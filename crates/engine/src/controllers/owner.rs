//! Ownership: `metadata.ownerReferences` with `controller: true`, and the claim step every
//! workload controller runs before counting its pods (`controller_ref_manager.go`): adopt
//! orphans whose labels match the selector, release owned pods whose labels stopped matching.

use crate::api::selector::Selector;
use crate::api::{Kind, Object, ObjectKey, ObjectMeta, Pod};
use crate::apiserver::ApiServer;
use crate::store::WatchEvent;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use std::sync::Arc;

/// The owner reference with `controller: true`, if any.
pub fn controller_ref(meta: &ObjectMeta) -> Option<&OwnerReference> {
    meta.owner_references
        .iter()
        .flatten()
        .find(|r| r.controller == Some(true))
}

/// A controller reference to `owner`, as controllers set it on what they create
/// (`blockOwnerDeletion` too, so foreground deletion waits for the dependent).
pub fn new_controller_ref(owner: &Object) -> OwnerReference {
    let info = owner.kind().info();
    OwnerReference {
        api_version: info.api_version.to_string(),
        kind: info.kind.to_string(),
        name: owner.name().to_string(),
        uid: owner.metadata().uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// The store key of the object's controller, when its controller is of `kind`.
pub fn controller_key(obj: &Object, kind: Kind) -> Option<ObjectKey> {
    let r = controller_ref(obj.metadata())?;
    (r.kind == kind.info().kind).then(|| ObjectKey::new(kind, obj.namespace(), &r.name))
}

/// Whether `obj` is controlled by the object with this uid.
pub fn is_controlled_by(obj: &Object, owner_uid: &str) -> bool {
    controller_ref(obj.metadata()).is_some_and(|r| r.uid == owner_uid)
}

/// For controllers of pods (or of any `dependent` kind): the keys of `owner_kind` objects a
/// change to a dependent concerns. An owned dependent names its controller; an orphan may be
/// adopted by any owner in its namespace whose selector matches it, so all of those are
/// looked at (`getPodReplicaSets` and friends).
pub fn keys_for_dependent(
    api: &ApiServer,
    ev: &WatchEvent,
    dependent: Kind,
    owner_kind: Kind,
    selector_of: impl Fn(&Object) -> Option<Selector>,
    out: &mut Vec<ObjectKey>,
) {
    if ev.key.kind != dependent {
        return;
    }
    match controller_key(&ev.object, owner_kind) {
        Some(k) => out.push(k),
        None if controller_ref(ev.object.metadata()).is_none() => {
            let labels = ev.object.metadata().labels.as_ref();
            for owner in api.store().list(owner_kind, Some(ev.object.namespace())) {
                if selector_of(owner).is_some_and(|s| !s.is_empty() && s.matches(labels)) {
                    out.push(owner.key());
                }
            }
        }
        None => {}
    }
}

/// Pods in the owner's namespace that the owner controls after adoption and release, in
/// store (name) order. `selector` is the owner's selector; an empty one adopts nothing.
///
/// - a pod controlled by the owner whose labels no longer match is released (its owner
///   reference removed) — unless the owner is being deleted;
/// - an orphan whose labels match is adopted (an owner reference added), unless it or the
///   owner is being deleted;
/// - a pod controlled by someone else is never touched.
pub fn claim_pods(api: &mut ApiServer, owner: &Object, selector: &Selector) -> Vec<Arc<Object>> {
    let uid = owner.metadata().uid.clone().unwrap_or_default();
    let owner_deleting = owner.metadata().deletion_timestamp.is_some();
    // One pass over the namespace's pods (a range of the store, cheaper than look-ups by an
    // index when the pods are mostly this owner's); pods controlled by others are skipped.
    let pods: Vec<Arc<Object>> = api
        .store()
        .list(Kind::Pod, Some(owner.namespace()))
        .filter(|p| controller_ref(p.metadata()).is_none_or(|r| r.uid == uid))
        .cloned()
        .collect();
    let mut claimed = Vec::new();
    for pod in pods {
        let meta = pod.metadata();
        let matches = !selector.is_empty() && selector.matches(meta.labels.as_ref());
        match controller_ref(meta) {
            Some(r) if r.uid == uid => {
                if matches || owner_deleting {
                    claimed.push(pod);
                } else {
                    let _ = api.modify(&pod.key(), |o| {
                        if let Some(refs) = o.metadata_mut().owner_references.as_mut() {
                            refs.retain(|r| r.uid != uid);
                        }
                        if o.metadata()
                            .owner_references
                            .as_ref()
                            .is_some_and(|r| r.is_empty())
                        {
                            o.metadata_mut().owner_references = None;
                        }
                    });
                    api.trace("controller", format!("released {}", pod.key()));
                }
            }
            Some(_) => {}
            None => {
                if matches && !owner_deleting && meta.deletion_timestamp.is_none() {
                    let reference = new_controller_ref(owner);
                    if let Ok(adopted) = api.modify(&pod.key(), |o| {
                        o.metadata_mut()
                            .owner_references
                            .get_or_insert_with(Vec::new)
                            .push(reference);
                    }) {
                        api.trace("controller", format!("adopted {}", pod.key()));
                        claimed.push(adopted);
                    }
                }
            }
        }
    }
    claimed
}

/// The pods in `namespace` the object with this uid controls, in name order (no adoption or
/// release).
pub fn owned_pods(api: &ApiServer, namespace: &str, owner_uid: &str) -> Vec<Arc<Object>> {
    api.store()
        .list(Kind::Pod, Some(namespace))
        .filter(|p| is_controlled_by(p, owner_uid))
        .cloned()
        .collect()
}

/// Whether a pod counts as active for its controller: not finished and not being deleted
/// (`controller.IsPodActive`).
pub fn is_pod_active(pod: &Pod) -> bool {
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    !matches!(phase, Some("Succeeded" | "Failed")) && pod.metadata.deletion_timestamp.is_none()
}

/// Whether a pod's Ready condition is True.
pub fn is_pod_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// When the pod's Ready condition last became True, in simulated milliseconds since the
/// epoch (`None` when not ready).
pub fn ready_since_ms(pod: &Pod) -> Option<i64> {
    let c = pod
        .status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "Ready" && c.status == "True")?;
    Some(c.last_transition_time.as_ref()?.0.as_millisecond())
}

/// Whether the pod has been ready for at least `min_ready_seconds` at `now_ms`
/// (`podutil.IsPodAvailable`).
pub fn is_pod_available(pod: &Pod, min_ready_seconds: i32, now_ms: i64) -> bool {
    if !is_pod_ready(pod) {
        return false;
    }
    if min_ready_seconds <= 0 {
        return true;
    }
    ready_since_ms(pod).is_some_and(|t| t + i64::from(min_ready_seconds) * 1000 <= now_ms)
}
