//! The persistentvolume-controller (`pkg/controller/volume/persistentvolume/pv_controller.go`,
//! kube-controller-manager's `persistent-volume-binder`): binds PersistentVolumeClaims to
//! PersistentVolumes and reclaims volumes whose claim is gone.
//!
//! The binding is the bi-directional pointer `pvc.spec.volumeName` ↔ `pv.spec.claimRef`,
//! written in the real controller's order: the volume's `claimRef` (and
//! `pv.kubernetes.io/bound-by-controller: "yes"` when the controller chose it), the volume's
//! phase `Bound`, the claim's `volumeName` with `pv.kubernetes.io/bind-completed` (and
//! `bound-by-controller` when it chose the volume), then the claim's status (`Bound`, the
//! volume's access modes and capacity).
//!
//! Worked example: a claim asks for 3Gi `ReadWriteOnce` of class `manual`; volumes `a` (5Gi,
//! RWO, manual), `b` (10Gi, RWO, manual) and `c` (2Gi, RWO, manual) are Available. `c` is too
//! small, `a` and `b` fit, and the smallest that fits wins: the claim binds `a` and shows
//! CAPACITY 5Gi, the size of the volume, not of the request.
//!
//! A claim nothing matches stays `Pending`, with `FailedBinding` (no class) or, for a class,
//! the provisioning events; like the real controller's 15-second resync, pending claims are
//! looked at again every 15 s, so a volume created later is found within 15 s and the event
//! count grows. When a bound claim is deleted its volume turns `Released` and its reclaim
//! policy applies: `Retain` keeps it (with its `claimRef`), `Delete` asks the volume plugin
//! to delete the storage — the hostPath deleter only removes paths under `/tmp/`, any other
//! path leaves the volume `Failed` with a `VolumeFailedDelete` event.
//!
//! The pvc- and pv-protection controllers live here too (they write no events): a deleted
//! claim keeps its `kubernetes.io/pvc-protection` finalizer (and shows `Terminating`) while a
//! scheduled, unfinished pod uses it; a deleted volume keeps `kubernetes.io/pv-protection`
//! while it is `Bound`.

use super::{Action, Controller};
use crate::api::persistent_volume::{
    claim_class, claim_volume_name, volume_class, ANN_BETA_CLASS, PVC_PROTECTION_FINALIZER,
    PV_PROTECTION_FINALIZER,
};
use crate::api::{quantity, StorageClass};
use crate::api::{Kind, Object, ObjectKey, PersistentVolume, PersistentVolumeClaim, Pod};
use crate::apiserver::{ApiServer, DeleteOptions};
use crate::store::{WatchEvent, WatchEventType};
use k8s_openapi::api::core::v1::ObjectReference;
use std::collections::BTreeMap;

/// The claim annotation saying the binding finished once (`AnnBindCompleted`).
pub const ANN_BIND_COMPLETED: &str = "pv.kubernetes.io/bind-completed";
/// On a volume or claim: the controller, not the user, made this side of the binding
/// (`AnnBoundByController`).
pub const ANN_BOUND_BY_CONTROLLER: &str = "pv.kubernetes.io/bound-by-controller";
/// The provisioner asked to create a volume for a claim (`AnnStorageProvisioner` and its
/// beta twin, both set).
pub const ANN_STORAGE_PROVISIONER: &str = "volume.kubernetes.io/storage-provisioner";
pub const ANN_BETA_STORAGE_PROVISIONER: &str = "volume.beta.kubernetes.io/storage-provisioner";
/// The provisioner that created a volume (`AnnDynamicallyProvisioned`).
pub const ANN_DYNAMICALLY_PROVISIONED: &str = "pv.kubernetes.io/provisioned-by";
/// The node the scheduler chose for a claim of a `WaitForFirstConsumer` class.
pub const ANN_SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";
/// A StorageClass marked as the cluster's default.
const ANN_DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";

/// kube-controller-manager's `--pvclaimbinder-sync-period` default: how often every claim
/// and volume is synced again.
pub const RESYNC_MS: u64 = 15_000;

const COMPONENT: &str = "persistentvolume-controller";

/// The controller; it keeps no state of its own (the store is its cache).
#[derive(Default)]
pub struct PersistentVolumeController;

impl Controller for PersistentVolumeController {
    fn name(&self) -> &'static str {
        COMPONENT
    }

    fn watches(&self) -> Option<&'static [Kind]> {
        Some(&[
            Kind::PersistentVolume,
            Kind::PersistentVolumeClaim,
            Kind::Pod,
        ])
    }

    fn keys_for(&self, api: &ApiServer, ev: &WatchEvent, out: &mut Vec<ObjectKey>) {
        if ev.key.kind == Kind::Pod {
            // A pod that finished or went away may release a claim being deleted.
            if let Some(p) = ev.object.as_::<Pod>() {
                let done = ev.event_type == WatchEventType::Deleted
                    || p.metadata.deletion_timestamp.is_some()
                    || matches!(
                        p.status.as_ref().and_then(|s| s.phase.as_deref()),
                        Some("Succeeded" | "Failed")
                    );
                if done {
                    for v in p.spec.iter().flat_map(|s| s.volumes.iter().flatten()) {
                        if let Some(c) = v.persistent_volume_claim.as_ref() {
                            out.push(ObjectKey::new(
                                Kind::PersistentVolumeClaim,
                                &ev.key.namespace,
                                &c.claim_name,
                            ));
                        }
                    }
                }
            }
            return;
        }
        if !matches!(
            ev.key.kind,
            Kind::PersistentVolume | Kind::PersistentVolumeClaim
        ) {
            return;
        }
        out.push(ev.key.clone());
        match ev.object.as_ref() {
            // A volume pointing at a claim: the claim's sync finishes the binding.
            Object::PersistentVolume(pv) => {
                if let Some(r) = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref()) {
                    out.push(ObjectKey::new(
                        Kind::PersistentVolumeClaim,
                        r.namespace.as_deref().unwrap_or(""),
                        r.name.as_deref().unwrap_or(""),
                    ));
                }
            }
            // A deleted claim releases the volumes pointing at it.
            Object::PersistentVolumeClaim(_) if ev.event_type == WatchEventType::Deleted => {
                for o in api.store().list(Kind::PersistentVolume, None) {
                    if let Some(pv) = o.as_::<PersistentVolume>() {
                        let r = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref());
                        if r.is_some_and(|r| {
                            r.name.as_deref() == Some(ev.key.name.as_str())
                                && r.namespace.as_deref() == Some(ev.key.namespace.as_str())
                        }) {
                            out.push(o.key());
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn reconcile(&mut self, api: &mut ApiServer, key: &ObjectKey) -> Action {
        match key.kind {
            Kind::PersistentVolumeClaim => sync_claim(api, key),
            Kind::PersistentVolume => sync_volume(api, key),
            _ => Action::Done,
        }
    }
}

fn has_annotation(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    a: &str,
) -> bool {
    meta.annotations.as_ref().is_some_and(|m| m.contains_key(a))
}

fn storage_milli(q: Option<&k8s_openapi::apimachinery::pkg::api::resource::Quantity>) -> i128 {
    q.and_then(|q| quantity::parse_milli(&q.0)).unwrap_or(0)
}

fn requested(pvc: &PersistentVolumeClaim) -> i128 {
    storage_milli(
        pvc.spec
            .as_ref()
            .and_then(|s| s.resources.as_ref())
            .and_then(|r| r.requests.as_ref())
            .and_then(|r| r.get("storage")),
    )
}

fn capacity(pv: &PersistentVolume) -> i128 {
    storage_milli(
        pv.spec
            .as_ref()
            .and_then(|s| s.capacity.as_ref())
            .and_then(|c| c.get("storage")),
    )
}

fn volume_mode_of(mode: Option<&String>) -> &str {
    mode.map(String::as_str).unwrap_or("Filesystem")
}

fn modes_mismatch(pvc: &PersistentVolumeClaim, pv: &PersistentVolume) -> bool {
    volume_mode_of(pvc.spec.as_ref().and_then(|s| s.volume_mode.as_ref()))
        != volume_mode_of(pv.spec.as_ref().and_then(|s| s.volume_mode.as_ref()))
}

fn access_modes(modes: Option<&Vec<String>>) -> Vec<String> {
    modes.cloned().unwrap_or_default()
}

/// `CheckAccessModes`: the volume offers every mode the claim asks for.
fn access_modes_fit(pvc: &PersistentVolumeClaim, pv: &PersistentVolume) -> bool {
    let offered = access_modes(pv.spec.as_ref().and_then(|s| s.access_modes.as_ref()));
    access_modes(pvc.spec.as_ref().and_then(|s| s.access_modes.as_ref()))
        .iter()
        .all(|m| offered.contains(m))
}

/// `IsVolumeBoundToClaim`: the volume's `claimRef` names this claim (and its uid, if set).
fn is_bound_to_claim(pv: &PersistentVolume, pvc: &PersistentVolumeClaim) -> bool {
    let Some(r) = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref()) else {
        return false;
    };
    if r.name != pvc.metadata.name || r.namespace != pvc.metadata.namespace {
        return false;
    }
    let uid = r.uid.as_deref().unwrap_or("");
    uid.is_empty() || Some(uid) == pvc.metadata.uid.as_deref()
}

fn volume_phase(pv: &PersistentVolume) -> &str {
    pv.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

fn claim_phase(pvc: &PersistentVolumeClaim) -> &str {
    pvc.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

/// `findBestMatchForClaim`: a volume pre-bound to the claim (large enough) wins; else the
/// smallest Available, unclaimed volume of the claim's class, selector and volume mode that
/// offers the claim's access modes and its requested size. The real index tries groups of
/// volumes by their access-mode sets, fewest modes first; among equal sizes the first in
/// name order is taken here (the real list order is a cache's).
pub fn find_best_match(
    pvc: &PersistentVolumeClaim,
    volumes: &[&PersistentVolume],
    delay_binding: bool,
) -> Option<String> {
    let want = requested(pvc);
    let class = claim_class(pvc);
    let selector = pvc
        .spec
        .as_ref()
        .and_then(|s| s.selector.as_ref())
        .map(crate::api::selector::Selector::from_label_selector);
    // Candidates by the size of their access-mode set (the index's groups).
    let mut best: Option<(usize, i128, &str)> = None;
    for pv in volumes {
        if !access_modes_fit(pvc, pv) || modes_mismatch(pvc, pv) {
            continue;
        }
        if pv.metadata.deletion_timestamp.is_some() {
            continue;
        }
        let size = capacity(pv);
        let name = pv.metadata.name.as_deref().unwrap_or("");
        if is_bound_to_claim(pv, pvc) {
            if size < want {
                continue;
            }
            return Some(name.to_string());
        }
        if delay_binding {
            continue;
        }
        if volume_phase(pv) != "Available"
            || pv.spec.as_ref().is_some_and(|s| s.claim_ref.is_some())
        {
            continue;
        }
        match &selector {
            Some(Ok(sel)) if !sel.matches(pv.metadata.labels.as_ref()) => continue,
            Some(Err(_)) => continue,
            _ => {}
        }
        if volume_class(pv) != class || size < want {
            continue;
        }
        let group = access_modes(pv.spec.as_ref().and_then(|s| s.access_modes.as_ref())).len();
        let candidate = (group, size, name);
        if best.is_none_or(|b| candidate < b) {
            best = Some(candidate);
        }
    }
    best.map(|(_, _, n)| n.to_string())
}

/// `checkVolumeSatisfyClaim`: why a volume the claim names cannot serve it.
fn check_volume_satisfies_claim(
    pv: &PersistentVolume,
    pvc: &PersistentVolumeClaim,
) -> Result<(), String> {
    let name = pv.metadata.name.as_deref().unwrap_or("");
    if pv.metadata.deletion_timestamp.is_some() {
        return Err(format!("the volume is marked for deletion {name:?}"));
    }
    if capacity(pv) < requested(pvc) {
        return Err("requested PV is too small".into());
    }
    if volume_class(pv) != claim_class(pvc) {
        return Err("storageClassName does not match".into());
    }
    if modes_mismatch(pvc, pv) {
        return Err("incompatible volumeMode".into());
    }
    if !access_modes_fit(pvc, pv) {
        return Err("incompatible accessMode".into());
    }
    Ok(())
}

fn storage_class(api: &ApiServer, name: &str) -> Option<StorageClass> {
    api.store()
        .get(&ObjectKey::new(Kind::StorageClass, "", name))
        .and_then(|o| o.as_::<StorageClass>().cloned())
}

/// `IsDelayBindingMode`: the claim's class binds `WaitForFirstConsumer`.
fn is_delay_binding(api: &ApiServer, pvc: &PersistentVolumeClaim) -> bool {
    let class = claim_class(pvc);
    !class.is_empty()
        && storage_class(api, &class)
            .and_then(|c| c.volume_binding_mode)
            .is_some_and(|m| m == "WaitForFirstConsumer")
}

fn event(api: &mut ApiServer, key: &ObjectKey, type_: &str, reason: &str, message: &str) {
    if let Some(obj) = api.store().get(key).cloned() {
        api.record_event(&obj, type_, reason, message, COMPONENT, None);
    }
}

/// `syncClaim`: a claim without `bind-completed` is still being bound; with it, it is kept
/// bound.
fn sync_claim(api: &mut ApiServer, key: &ObjectKey) -> Action {
    let Some(pvc) = get_claim(api, key) else {
        return Action::Done;
    };
    if pvc.metadata.deletion_timestamp.is_some() {
        release_claim(api, key, &pvc);
        return Action::Done;
    }
    if has_annotation(&pvc.metadata, ANN_BIND_COMPLETED) {
        sync_bound_claim(api, key, &pvc)
    } else {
        sync_unbound_claim(api, key, &pvc)
    }
}

fn volumes(api: &ApiServer) -> Vec<PersistentVolume> {
    api.store()
        .list(Kind::PersistentVolume, None)
        .filter_map(|o| o.as_::<PersistentVolume>().cloned())
        .collect()
}

fn get_claim(api: &ApiServer, key: &ObjectKey) -> Option<PersistentVolumeClaim> {
    api.store()
        .get(key)
        .and_then(|o| o.as_::<PersistentVolumeClaim>().cloned())
}

fn get_volume(api: &ApiServer, name: &str) -> Option<PersistentVolume> {
    api.store()
        .get(&ObjectKey::new(Kind::PersistentVolume, "", name))
        .and_then(|o| o.as_::<PersistentVolume>().cloned())
}

fn sync_unbound_claim(api: &mut ApiServer, key: &ObjectKey, pvc: &PersistentVolumeClaim) -> Action {
    let wanted = claim_volume_name(pvc);
    if wanted.is_empty() {
        // The user did not care which volume they get.
        let delay = is_delay_binding(api, pvc);
        let all = volumes(api);
        let refs: Vec<&PersistentVolume> = all.iter().collect();
        if let Some(name) = find_best_match(pvc, &refs, delay) {
            if let Some(pv) = all
                .into_iter()
                .find(|v| v.metadata.name.as_deref() == Some(&name))
            {
                bind(api, key, &pv, pvc);
            }
            return Action::Done;
        }
        // Nothing matches: a default class may be assigned (retroactively), or provisioned.
        if assign_default_storage_class(api, key, pvc) {
            return Action::Done;
        }
        let class = claim_class(pvc);
        let selected = has_annotation(&pvc.metadata, ANN_SELECTED_NODE);
        if delay && !selected {
            emit_wait_for_first_consumer(api, key, pvc);
        } else if !class.is_empty() {
            provision_claim(api, key, pvc, &class);
            return Action::RequeueAfter(RESYNC_MS);
        } else {
            event(
                api,
                key,
                "Normal",
                "FailedBinding",
                "no persistent volumes available for this claim and no storage class is set",
            );
        }
        update_claim_status(api, key, "Pending", None);
        return Action::RequeueAfter(RESYNC_MS);
    }
    // The user asked for a specific volume.
    let Some(pv) = get_volume(api, &wanted) else {
        update_claim_status(api, key, "Pending", None);
        return Action::RequeueAfter(RESYNC_MS);
    };
    let claimed = pv
        .spec
        .as_ref()
        .and_then(|s| s.claim_ref.as_ref())
        .is_some();
    if !claimed {
        if let Err(why) = check_volume_satisfies_claim(&pv, pvc) {
            event(
                api,
                key,
                "Warning",
                "VolumeMismatch",
                &format!("Cannot bind to requested volume {wanted:?}: {why}"),
            );
            update_claim_status(api, key, "Pending", None);
            return Action::RequeueAfter(RESYNC_MS);
        }
        bind(api, key, &pv, pvc);
        return Action::Done;
    }
    if is_bound_to_claim(&pv, pvc) {
        bind(api, key, &pv, pvc);
        return Action::Done;
    }
    // The volume is someone else's.
    event(
        api,
        key,
        "Warning",
        "FailedBinding",
        &format!("volume {wanted:?} already bound to a different claim."),
    );
    if !has_annotation(&pvc.metadata, ANN_BOUND_BY_CONTROLLER) {
        update_claim_status(api, key, "Pending", None);
    }
    Action::RequeueAfter(RESYNC_MS)
}

fn sync_bound_claim(api: &mut ApiServer, key: &ObjectKey, pvc: &PersistentVolumeClaim) -> Action {
    let wanted = claim_volume_name(pvc);
    if wanted.is_empty() {
        claim_lost(
            api,
            key,
            pvc,
            "ClaimLost",
            "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!",
        );
        return Action::Done;
    }
    let Some(pv) = get_volume(api, &wanted) else {
        claim_lost(
            api,
            key,
            pvc,
            "ClaimLost",
            "Bound claim has lost its PersistentVolume. Data on the volume is lost!",
        );
        return Action::Done;
    };
    let claim_ref_uid = pv
        .spec
        .as_ref()
        .and_then(|s| s.claim_ref.as_ref())
        .map(|r| r.uid.clone().unwrap_or_default());
    match claim_ref_uid {
        // Unbound volume (or not yet seen bound), or all is well: bind is idempotent.
        None => bind(api, key, &pv, pvc),
        Some(uid) if Some(uid.as_str()) == pvc.metadata.uid.as_deref() => bind(api, key, &pv, pvc),
        Some(_) => claim_lost(
            api,
            key,
            pvc,
            "ClaimMisbound",
            "Two claims are bound to the same volume, this one is bound incorrectly",
        ),
    }
    Action::Done
}

/// `updateClaimStatusWithEvent(Lost)`: the event only when the phase changes.
fn claim_lost(
    api: &mut ApiServer,
    key: &ObjectKey,
    pvc: &PersistentVolumeClaim,
    reason: &str,
    message: &str,
) {
    if claim_phase(pvc) == "Lost" {
        return;
    }
    update_claim_status(api, key, "Lost", None);
    event(api, key, "Warning", reason, message);
}

/// `assignDefaultStorageClass`: a claim without any class gets the default class, if the
/// cluster has one (the newest of several, as `GetDefaultClass` picks).
fn assign_default_storage_class(
    api: &mut ApiServer,
    key: &ObjectKey,
    pvc: &PersistentVolumeClaim,
) -> bool {
    let has_class = has_annotation(&pvc.metadata, ANN_BETA_CLASS)
        || pvc
            .spec
            .as_ref()
            .is_some_and(|s| s.storage_class_name.is_some());
    if has_class {
        return false;
    }
    let mut defaults: Vec<(String, String)> = api
        .store()
        .list(Kind::StorageClass, None)
        .filter_map(|o| o.as_::<StorageClass>())
        .filter(|c| {
            c.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(ANN_DEFAULT_CLASS))
                .is_some_and(|v| v == "true")
        })
        .map(|c| {
            let created = c
                .metadata
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.to_string())
                .unwrap_or_default();
            (created, c.metadata.name.clone().unwrap_or_default())
        })
        .collect();
    // Newest first; ties by name.
    defaults.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let Some((_, class)) = defaults.into_iter().next() else {
        return false;
    };
    api.modify(key, |o| {
        if let Object::PersistentVolumeClaim(c) = o {
            c.spec
                .get_or_insert_with(Default::default)
                .storage_class_name = Some(class);
        }
    })
    .is_ok()
}

/// `emitEventForUnboundDelayBindingClaim`: the claim waits for a pod to be scheduled.
fn emit_wait_for_first_consumer(api: &mut ApiServer, key: &ObjectKey, pvc: &PersistentVolumeClaim) {
    let name = pvc.metadata.name.as_deref().unwrap_or("");
    let mut pods: Vec<String> = api
        .store()
        .list(Kind::Pod, Some(&key.namespace))
        .filter_map(|o| o.as_::<Pod>())
        .filter(|p| {
            let phase = p.status.as_ref().and_then(|s| s.phase.as_deref());
            !matches!(phase, Some("Succeeded" | "Failed"))
                && p.spec.as_ref().is_some_and(|s| {
                    s.node_name.as_deref().unwrap_or("").is_empty()
                        && s.volumes.iter().flatten().any(|v| {
                            v.persistent_volume_claim
                                .as_ref()
                                .is_some_and(|c| c.claim_name == name)
                        })
                })
        })
        .filter_map(|p| p.metadata.name.clone())
        .collect();
    pods.sort();
    let (reason, message) = match pods.len() {
        0 => (
            "WaitForFirstConsumer",
            "waiting for first consumer to be created before binding".to_string(),
        ),
        1 => (
            "WaitForPodScheduled",
            format!("waiting for pod {} to be scheduled", pods[0]),
        ),
        _ => (
            "WaitForPodScheduled",
            format!("waiting for pods {} to be scheduled", pods.join(",")),
        ),
    };
    event(api, key, "Normal", reason, &message);
}

/// `provisionClaim`: the class's provisioner is asked for a volume. kube-controller-manager
/// has no in-tree provisioner left, so a `kubernetes.io/...` provisioner fails and any other
/// is external: the claim is annotated for it and waits (`ExternalProvisioning`, repeated
/// at every resync until a volume appears).
fn provision_claim(api: &mut ApiServer, key: &ObjectKey, pvc: &PersistentVolumeClaim, class: &str) {
    let Some(sc) = storage_class(api, class) else {
        event(
            api,
            key,
            "Warning",
            "ProvisioningFailed",
            &format!("storageclass.storage.k8s.io {class:?} not found"),
        );
        return;
    };
    let provisioner = sc.provisioner.clone();
    if provisioner.starts_with("kubernetes.io/") {
        event(
            api,
            key,
            "Warning",
            "ProvisioningFailed",
            &format!("no volume plugin matched name: {provisioner}"),
        );
        return;
    }
    let annotated = pvc.metadata.annotations.as_ref().is_some_and(|a| {
        a.get(ANN_STORAGE_PROVISIONER) == Some(&provisioner)
            && a.get(ANN_BETA_STORAGE_PROVISIONER) == Some(&provisioner)
    });
    if !annotated {
        let p = provisioner.clone();
        let _ = api.modify(key, |o| {
            let a = o
                .metadata_mut()
                .annotations
                .get_or_insert_with(BTreeMap::new);
            a.insert(ANN_BETA_STORAGE_PROVISIONER.into(), p.clone());
            a.insert(ANN_STORAGE_PROVISIONER.into(), p);
        });
    }
    event(
        api,
        key,
        "Normal",
        "ExternalProvisioning",
        &format!("Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."),
    );
}

/// `updateClaimStatus`: the phase; with a volume, its access modes and (when the claim is
/// becoming Bound) its capacity; without, neither.
fn update_claim_status(
    api: &mut ApiServer,
    key: &ObjectKey,
    phase: &str,
    volume: Option<&PersistentVolume>,
) {
    let Some(pvc) = get_claim(api, key) else {
        return;
    };
    let mut status = pvc.status.clone().unwrap_or_default();
    let becoming = status.phase.as_deref() != Some(phase);
    status.phase = Some(phase.to_string());
    match volume {
        None => {
            status.access_modes = None;
            status.capacity = None;
        }
        Some(pv) => {
            let spec = pv.spec.clone().unwrap_or_default();
            status.access_modes = spec.access_modes.clone();
            if becoming {
                status.capacity = spec.capacity.clone();
            }
        }
    }
    if pvc.status.as_ref() == Some(&status) {
        return;
    }
    let _ = api.modify_status(key, |o| {
        if let Object::PersistentVolumeClaim(c) = o {
            c.status = Some(status);
        }
    });
}

/// `updateVolumePhase`: the phase (and message), with the API server's
/// `lastPhaseTransitionTime`; nothing when the phase is already set.
fn update_volume_phase(
    api: &mut ApiServer,
    name: &str,
    phase: &str,
    message: Option<&str>,
) -> bool {
    let key = ObjectKey::new(Kind::PersistentVolume, "", name);
    let Some(pv) = get_volume(api, name) else {
        return false;
    };
    if volume_phase(&pv) == phase {
        return false;
    }
    let now = api.now().to_k8s_time();
    api.modify_status(&key, |o| {
        if let Object::PersistentVolume(v) = o {
            let s = v.status.get_or_insert_with(Default::default);
            s.phase = Some(phase.to_string());
            s.message = message.map(str::to_string);
            s.last_phase_transition_time = Some(now);
        }
    })
    .is_ok()
}

/// `bind`: the volume first (claimRef, then phase), then the claim (volumeName and
/// annotations, then status).
fn bind(
    api: &mut ApiServer,
    claim_key: &ObjectKey,
    pv: &PersistentVolume,
    pvc: &PersistentVolumeClaim,
) {
    let pv_name = pv.metadata.name.clone().unwrap_or_default();
    let pv_key = ObjectKey::new(Kind::PersistentVolume, "", &pv_name);
    // bindVolumeToClaim (GetBindVolumeToClaim).
    let by_controller = !is_bound_to_claim(pv, pvc);
    let r = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref());
    let needs_ref = r.is_none_or(|r| {
        r.name != pvc.metadata.name
            || r.namespace != pvc.metadata.namespace
            || r.uid != pvc.metadata.uid
    });
    let needs_ann = by_controller && !has_annotation(&pv.metadata, ANN_BOUND_BY_CONTROLLER);
    if needs_ref || needs_ann {
        let claim_ref = ObjectReference {
            api_version: Some("v1".into()),
            kind: Some("PersistentVolumeClaim".into()),
            name: pvc.metadata.name.clone(),
            namespace: pvc.metadata.namespace.clone(),
            resource_version: pvc.metadata.resource_version.clone(),
            uid: pvc.metadata.uid.clone(),
            field_path: None,
        };
        let res = api.modify(&pv_key, |o| {
            if let Object::PersistentVolume(v) = o {
                if needs_ref {
                    v.spec.get_or_insert_with(Default::default).claim_ref = Some(claim_ref);
                }
                if needs_ann {
                    v.metadata
                        .annotations
                        .get_or_insert_with(BTreeMap::new)
                        .insert(ANN_BOUND_BY_CONTROLLER.into(), "yes".into());
                }
            }
        });
        if res.is_err() {
            return;
        }
    }
    update_volume_phase(api, &pv_name, "Bound", None);
    // bindClaimToVolume.
    let Some(current) = get_claim(api, claim_key) else {
        return;
    };
    let should_bind =
        current.spec.as_ref().and_then(|s| s.volume_name.as_deref()) != Some(&pv_name);
    let needs_completed = !has_annotation(&current.metadata, ANN_BIND_COMPLETED);
    if should_bind || needs_completed {
        let name = pv_name.clone();
        let res = api.modify(claim_key, |o| {
            if let Object::PersistentVolumeClaim(c) = o {
                let a = c.metadata.annotations.get_or_insert_with(BTreeMap::new);
                if should_bind {
                    a.entry(ANN_BOUND_BY_CONTROLLER.into())
                        .or_insert_with(|| "yes".into());
                }
                a.entry(ANN_BIND_COMPLETED.into())
                    .or_insert_with(|| "yes".into());
                if should_bind {
                    c.spec.get_or_insert_with(Default::default).volume_name = Some(name);
                }
            }
        });
        if res.is_err() {
            return;
        }
    }
    let Some(volume) = get_volume(api, &pv_name) else {
        return;
    };
    update_claim_status(api, claim_key, "Bound", Some(&volume));
}

/// The pvc-protection controller: a claim being deleted loses its finalizer once no
/// scheduled pod that has not finished uses it (`podUsesPVC`).
fn release_claim(api: &mut ApiServer, key: &ObjectKey, pvc: &PersistentVolumeClaim) {
    let protected = pvc
        .metadata
        .finalizers
        .iter()
        .flatten()
        .any(|f| f == PVC_PROTECTION_FINALIZER);
    if !protected {
        return;
    }
    let in_use = api
        .store()
        .list(Kind::Pod, Some(&key.namespace))
        .filter_map(|o| o.as_::<Pod>())
        .any(|p| {
            let finished = matches!(
                p.status.as_ref().and_then(|s| s.phase.as_deref()),
                Some("Succeeded" | "Failed")
            );
            !finished
                && p.spec.as_ref().is_some_and(|s| {
                    !s.node_name.as_deref().unwrap_or("").is_empty()
                        && s.volumes.iter().flatten().any(|v| {
                            v.persistent_volume_claim
                                .as_ref()
                                .is_some_and(|c| c.claim_name == key.name)
                        })
                })
        });
    if !in_use {
        remove_finalizer(api, key, PVC_PROTECTION_FINALIZER);
    }
}

fn remove_finalizer(api: &mut ApiServer, key: &ObjectKey, finalizer: &str) {
    let _ = api.modify(key, |o| {
        let m = o.metadata_mut();
        if let Some(list) = m.finalizers.as_mut() {
            list.retain(|f| f != finalizer);
            if list.is_empty() {
                m.finalizers = None;
            }
        }
    });
}

/// `syncVolume`, after the pv-protection controller's check: a volume being deleted loses
/// its finalizer once it is not `Bound`.
fn sync_volume(api: &mut ApiServer, key: &ObjectKey) -> Action {
    let Some(pv) = get_volume(api, &key.name) else {
        return Action::Done;
    };
    if pv.metadata.deletion_timestamp.is_some()
        && volume_phase(&pv) != "Bound"
        && pv
            .metadata
            .finalizers
            .iter()
            .flatten()
            .any(|f| f == PV_PROTECTION_FINALIZER)
    {
        remove_finalizer(api, key, PV_PROTECTION_FINALIZER);
        return Action::Done;
    }
    let Some(r) = pv.spec.as_ref().and_then(|s| s.claim_ref.clone()) else {
        // Unused.
        update_volume_phase(api, &key.name, "Available", None);
        return Action::Done;
    };
    if r.uid.as_deref().unwrap_or("").is_empty() {
        // Pre-bound by the user to a claim that has not bound yet.
        update_volume_phase(api, &key.name, "Available", None);
        return Action::Done;
    }
    let claim_key = ObjectKey::new(
        Kind::PersistentVolumeClaim,
        r.namespace.as_deref().unwrap_or(""),
        r.name.as_deref().unwrap_or(""),
    );
    let claim = get_claim(api, &claim_key).filter(|c| c.metadata.uid == r.uid);
    let Some(claim) = claim else {
        // The claim is gone: release and reclaim.
        let phase = volume_phase(&pv).to_string();
        if phase != "Released" && phase != "Failed" {
            update_volume_phase(api, &key.name, "Released", None);
        }
        reclaim_volume(api, key);
        return Action::Done;
    };
    let claim_volume = claim_volume_name(&claim);
    if claim_volume.is_empty() {
        if modes_mismatch(&claim, &pv) {
            let claim_name = claim.metadata.name.clone().unwrap_or_default();
            event(
                api,
                key,
                "Warning",
                "VolumeMismatch",
                &format!("Cannot bind PersistentVolume to requested PersistentVolumeClaim {claim_name:?} due to incompatible volumeMode."),
            );
            event(
                api,
                &claim_key,
                "Warning",
                "VolumeMismatch",
                &format!("Cannot bind PersistentVolume {:?} to requested PersistentVolumeClaim due to incompatible volumeMode.", key.name),
            );
        }
        // The claim's sync (queued by this volume's event) finishes the binding.
        return Action::Done;
    }
    if claim_volume == key.name {
        update_volume_phase(api, &key.name, "Bound", None);
        return Action::Done;
    }
    // The claim is bound to another volume.
    let provisioned = has_annotation(&pv.metadata, ANN_DYNAMICALLY_PROVISIONED);
    let policy = pv
        .spec
        .as_ref()
        .and_then(|s| s.persistent_volume_reclaim_policy.clone())
        .unwrap_or_default();
    if provisioned && policy == "Delete" {
        let phase = volume_phase(&pv).to_string();
        if phase != "Released" && phase != "Failed" {
            update_volume_phase(api, &key.name, "Released", None);
        }
        reclaim_volume(api, key);
        return Action::Done;
    }
    unbind_volume(api, key, &pv);
    Action::Done
}

/// `unbindVolume`: a binding the controller made is removed; a user's pre-binding keeps its
/// name and loses only the uid. The volume is Available again.
fn unbind_volume(api: &mut ApiServer, key: &ObjectKey, pv: &PersistentVolume) {
    let by_controller = has_annotation(&pv.metadata, ANN_BOUND_BY_CONTROLLER);
    let res = api.modify(key, |o| {
        if let Object::PersistentVolume(v) = o {
            let spec = v.spec.get_or_insert_with(Default::default);
            if by_controller {
                spec.claim_ref = None;
                if let Some(a) = v.metadata.annotations.as_mut() {
                    a.remove(ANN_BOUND_BY_CONTROLLER);
                    if a.is_empty() {
                        v.metadata.annotations = None;
                    }
                }
            } else if let Some(r) = spec.claim_ref.as_mut() {
                r.uid = None;
            }
        }
    });
    if res.is_ok() {
        update_volume_phase(api, &key.name, "Available", None);
    }
}

/// `reclaimVolume`: what the reclaim policy does with a released volume.
fn reclaim_volume(api: &mut ApiServer, key: &ObjectKey) {
    let Some(pv) = get_volume(api, &key.name) else {
        return;
    };
    let spec = pv.spec.clone().unwrap_or_default();
    match spec
        .persistent_volume_reclaim_policy
        .as_deref()
        .unwrap_or("Retain")
    {
        "Retain" => {}
        "Recycle" => recycle_volume(api, key, &pv),
        "Delete" => delete_volume(api, key, &pv),
        _ => {
            if update_volume_phase(
                api,
                &key.name,
                "Failed",
                Some("Volume has unrecognized PersistentVolumeReclaimPolicy"),
            ) {
                event(
                    api,
                    key,
                    "Warning",
                    "VolumeUnknownReclaimPolicy",
                    "Volume has unrecognized PersistentVolumeReclaimPolicy",
                );
            }
        }
    }
}

/// `updateVolumePhaseWithEvent(Failed)`: the event only when the phase changes.
fn volume_failed(api: &mut ApiServer, key: &ObjectKey, reason: &str, message: &str) {
    if update_volume_phase(api, &key.name, "Failed", Some(message)) {
        event(api, key, "Warning", reason, message);
    }
}

/// `deleteVolumeOperation`: the volume plugin deletes the storage, then the controller the
/// PersistentVolume. A volume made by an external provisioner, or a CSI volume, waits for
/// its external deleter. Of the in-tree plugins only hostPath deletes, and only under /tmp.
fn delete_volume(api: &mut ApiServer, key: &ObjectKey, pv: &PersistentVolume) {
    let spec = pv.spec.clone().unwrap_or_default();
    let provisioned_by = pv
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(ANN_DYNAMICALLY_PROVISIONED))
        .cloned()
        .unwrap_or_default();
    if (!provisioned_by.is_empty() && !provisioned_by.starts_with("kubernetes.io/"))
        || spec.csi.is_some()
    {
        return;
    }
    match spec.host_path.as_ref() {
        Some(hp) => {
            // The deleter's `regexp.MustCompile("/tmp/.+")`, unanchored.
            let under_tmp = hp.path.find("/tmp/").is_some_and(|i| hp.path.len() > i + 5);
            if !under_tmp {
                volume_failed(
                    api,
                    key,
                    "VolumeFailedDelete",
                    &format!(
                        "host_path deleter only supports /tmp/.+ but received provided {}",
                        hp.path
                    ),
                );
                return;
            }
            let _ = api.delete(key, &DeleteOptions::default(), false);
        }
        None => volume_failed(
            api,
            key,
            "VolumeFailedDelete",
            &format!(
                "error getting deleter volume plugin for volume {:?}: no deletable volume plugin matched",
                key.name
            ),
        ),
    }
}

/// `recycleVolumeOperation` (the deprecated `Recycle` policy): hostPath and NFS volumes are
/// scrubbed (`rm -rf` by a recycler pod) and made Available again; other kinds cannot be.
fn recycle_volume(api: &mut ApiServer, key: &ObjectKey, pv: &PersistentVolume) {
    let spec = pv.spec.clone().unwrap_or_default();
    if spec.host_path.is_none() && spec.nfs.is_none() {
        volume_failed(
            api,
            key,
            "VolumeFailedRecycle",
            "No recycler plugin found for the volume!",
        );
        return;
    }
    event(api, key, "Normal", "VolumeRecycled", "Volume recycled");
    let Some(current) = get_volume(api, &key.name) else {
        return;
    };
    unbind_volume(api, key, &current);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pv(name: &str, size: &str, modes: &[&str], class: &str) -> PersistentVolume {
        let mut v: PersistentVolume = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name},
            "spec": {"capacity": {"storage": size}, "accessModes": modes,
                     "storageClassName": class, "hostPath": {"path": "/mnt/data"}},
            "status": {"phase": "Available"}
        }))
        .unwrap();
        if class.is_empty() {
            v.spec.as_mut().unwrap().storage_class_name = None;
        }
        v
    }

    fn pvc(size: &str, modes: &[&str], class: Option<&str>) -> PersistentVolumeClaim {
        let mut c: PersistentVolumeClaim = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "claim", "namespace": "default", "uid": "u1"},
            "spec": {"accessModes": modes, "resources": {"requests": {"storage": size}}}
        }))
        .unwrap();
        c.spec.as_mut().unwrap().storage_class_name = class.map(str::to_string);
        c
    }

    /// The worked example of the module doc.
    #[test]
    fn the_smallest_volume_that_fits_wins() {
        let vols = [
            pv("a", "5Gi", &["ReadWriteOnce"], "manual"),
            pv("b", "10Gi", &["ReadWriteOnce"], "manual"),
            pv("c", "2Gi", &["ReadWriteOnce"], "manual"),
        ];
        let refs: Vec<&PersistentVolume> = vols.iter().collect();
        let claim = pvc("3Gi", &["ReadWriteOnce"], Some("manual"));
        assert_eq!(find_best_match(&claim, &refs, false).as_deref(), Some("a"));
        // Another class, or a mode no volume offers: nothing.
        assert_eq!(
            find_best_match(&pvc("3Gi", &["ReadWriteOnce"], None), &refs, false),
            None
        );
        assert_eq!(
            find_best_match(
                &pvc("3Gi", &["ReadWriteMany"], Some("manual")),
                &refs,
                false
            ),
            None
        );
        // WaitForFirstConsumer: the controller leaves unbound volumes to the scheduler.
        assert_eq!(find_best_match(&claim, &refs, true), None);
    }

    #[test]
    fn fewer_access_modes_win_over_size() {
        let vols = [
            pv("many", "1Gi", &["ReadWriteOnce", "ReadOnlyMany"], ""),
            pv("once", "5Gi", &["ReadWriteOnce"], ""),
        ];
        let refs: Vec<&PersistentVolume> = vols.iter().collect();
        assert_eq!(
            find_best_match(&pvc("1Gi", &["ReadWriteOnce"], None), &refs, false).as_deref(),
            Some("once")
        );
    }

    #[test]
    fn a_volume_pre_bound_to_the_claim_is_taken_even_if_not_available() {
        let mut v = pv("mine", "1Gi", &["ReadWriteOnce"], "other");
        v.spec.as_mut().unwrap().claim_ref = Some(ObjectReference {
            name: Some("claim".into()),
            namespace: Some("default".into()),
            ..Default::default()
        });
        v.status = None;
        let vols = [v, pv("free", "1Gi", &["ReadWriteOnce"], "")];
        let refs: Vec<&PersistentVolume> = vols.iter().collect();
        assert_eq!(
            find_best_match(&pvc("1Gi", &["ReadWriteOnce"], None), &refs, false).as_deref(),
            Some("mine")
        );
    }
}
