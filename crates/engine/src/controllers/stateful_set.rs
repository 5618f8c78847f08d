//! The StatefulSet controller (`pkg/controller/statefulset`): pods with stable names
//! `<set>-<ordinal>`, stable storage (one PersistentVolumeClaim per volumeClaimTemplate and
//! ordinal, `<claim>-<set>-<ordinal>`, kept when the pod goes) and ordered changes.
//!
//! A sync reads the revisions (the update revision is the one equal to the current template;
//! the current revision is the one `status.currentRevision` names), then walks the ordinals
//! ([`plan`]):
//!
//! - with `podManagementPolicy: OrderedReady` (monotonic) it creates the lowest missing pod and
//!   stops; it goes no further while a pod is terminating or not Running and Ready; scaling down
//!   deletes the highest ordinal first, one at a time, and only when every lower pod is healthy;
//! - with `Parallel` it creates and deletes all at once;
//! - then, for `RollingUpdate`, it deletes the highest pod at or above `partition` that is not
//!   at the update revision, one at a time, waiting for the replacement to become healthy;
//!   with `OnDelete` only pods the user deletes come back at the update revision.
//!
//! Worked example (3 replicas, OrderedReady, image changed): `web-2` is deleted and recreated
//! at the new revision; once it is Running and Ready `web-1` goes, then `web-0`; when all
//! three run the new revision, `currentRevision` becomes the update revision.

use super::history::{self, CONTROLLER_REVISION_HASH};
use super::owner::{self, is_pod_available, is_pod_ready, ready_since_ms};
use super::pod_control;
use super::{Action, Controller};
use crate::api::selector::Selector;
use crate::api::{Kind, Object, ObjectKey, PersistentVolumeClaim, Pod, StatefulSet};
use crate::apiserver::{ApiServer, DeleteOptions, StatusReason};
use crate::store::WatchEvent;
use k8s_openapi::api::apps::v1::StatefulSetStatus;
use k8s_openapi::api::core::v1::{PersistentVolumeClaimVolumeSource, PodTemplateSpec, Volume};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The controller's name, the `source` of its events.
pub const COMPONENT: &str = "statefulset-controller";
/// The pod label holding the pod's own name (for a per-pod Service selector).
pub const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
/// The pod label holding the pod's ordinal.
pub const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";

/// The StatefulSet controller.
#[derive(Default)]
pub struct StatefulSetController;

/// `<set>-<ordinal>`.
pub fn pod_name(set: &str, ordinal: i32) -> String {
    format!("{set}-{ordinal}")
}

/// `<claim template>-<set>-<ordinal>`.
pub fn claim_name(template: &str, set: &str, ordinal: i32) -> String {
    format!("{template}-{set}-{ordinal}")
}

/// The parent name and ordinal of a pod name (`getParentNameAndOrdinal`): the ordinal is the
/// number after the last dash.
pub fn parent_and_ordinal(name: &str) -> Option<(&str, i32)> {
    let (parent, ord) = name.rsplit_once('-')?;
    if ord.is_empty() || !ord.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((parent, ord.parse().ok()?))
}

/// What [`plan`] knows about one pod of the set.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SetPod {
    pub ordinal: i32,
    /// The revision name in its `controller-revision-hash` label.
    pub revision: String,
    /// Has a phase (it exists in the API).
    pub created: bool,
    pub terminating: bool,
    /// Running and Ready.
    pub running_ready: bool,
    /// Running and available for `minReadySeconds`.
    pub available: bool,
    /// Failed or Succeeded: replaced.
    pub finished: bool,
}

impl SetPod {
    fn healthy(&self) -> bool {
        self.running_ready && !self.terminating
    }
}

/// One step of a StatefulSet sync.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Create the pod of this ordinal at the current (`false`) or update (`true`) revision.
    Create { ordinal: i32, update: bool },
    /// Delete the pod of this ordinal; `failed` when it is replaced because it failed.
    Delete { ordinal: i32, failed: bool },
}

/// The parts of the spec the plan depends on.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub replicas: i32,
    pub start: i32,
    /// OrderedReady.
    pub monotonic: bool,
    /// RollingUpdate (else OnDelete).
    pub rolling: bool,
    pub partition: i32,
}

/// The steps of one sync, in order (`updateStatefulSet`), for pods keyed by ordinal.
/// `current` and `update` are the revision names. See the module doc for the rules.
pub fn plan(
    policy: &Policy,
    pods: &BTreeMap<i32, SetPod>,
    current: &str,
    update: &str,
) -> Vec<Step> {
    let _ = current;
    let mut steps = Vec::new();
    let end = policy.start + policy.replicas.max(0);
    let in_range = |o: i32| o >= policy.start && o < end;
    let condemned: Vec<&SetPod> = pods.values().filter(|p| !in_range(p.ordinal)).collect();
    // The first unhealthy pod, by ordinal, among replicas and condemned alike.
    let first_unhealthy = (policy.start..end)
        .filter_map(|o| match pods.get(&o) {
            None => Some(o),
            Some(p) if !p.healthy() || p.finished => Some(o),
            _ => None,
        })
        .chain(condemned.iter().filter(|p| !p.healthy()).map(|p| p.ordinal))
        .min();
    // The revision a newly created pod gets: the current one below the partition.
    let create_update = |o: i32| !(policy.rolling && o < policy.start + policy.partition);
    for o in policy.start..end {
        let pod = pods.get(&o);
        let mut recreated = false;
        if let Some(p) = pod.filter(|p| p.finished && !p.terminating) {
            steps.push(Step::Delete {
                ordinal: p.ordinal,
                failed: true,
            });
            recreated = true;
        }
        match pod {
            None => {
                steps.push(Step::Create {
                    ordinal: o,
                    update: create_update(o),
                });
                if policy.monotonic {
                    return steps;
                }
                continue;
            }
            Some(_) if recreated => {
                // The replacement is created once the failed pod is gone.
                if policy.monotonic {
                    return steps;
                }
                continue;
            }
            Some(p) if !p.created => {
                steps.push(Step::Create {
                    ordinal: o,
                    update: create_update(o),
                });
                if policy.monotonic {
                    return steps;
                }
                continue;
            }
            Some(p) => {
                if p.terminating && policy.monotonic {
                    return steps;
                }
                if !p.available && policy.monotonic {
                    return steps;
                }
            }
        }
    }
    // Scale down, highest ordinal first.
    for p in condemned.iter().rev() {
        if p.terminating {
            if policy.monotonic {
                return steps;
            }
            continue;
        }
        if !p.running_ready && policy.monotonic && first_unhealthy != Some(p.ordinal) {
            return steps;
        }
        steps.push(Step::Delete {
            ordinal: p.ordinal,
            failed: false,
        });
        if policy.monotonic {
            return steps;
        }
    }
    if !policy.rolling {
        return steps;
    }
    // Rolling update: the highest pod not at the update revision goes first.
    let update_min = policy.start + policy.partition.max(0);
    for o in (update_min..end).rev() {
        let Some(p) = pods.get(&o) else { return steps };
        if p.revision != update && !p.terminating {
            steps.push(Step::Delete {
                ordinal: o,
                failed: false,
            });
            return steps;
        }
        if !p.healthy() {
            return steps;
        }
    }
    steps
}

fn selector_of(obj: &Object) -> Option<Selector> {
    Selector::from_label_selector(&obj.as_::<StatefulSet>()?.spec.selector).ok()
}

impl Controller for StatefulSetController {
    fn name(&self) -> &'static str {
        COMPONENT
    }

    fn watches(&self) -> Option<&'static [Kind]> {
        Some(&[Kind::StatefulSet, Kind::Pod, Kind::ControllerRevision])
    }

    fn keys_for(&self, api: &ApiServer, ev: &WatchEvent, out: &mut Vec<ObjectKey>) {
        super::own_key(ev, Kind::StatefulSet, out);
        owner::keys_for_dependent(api, ev, Kind::Pod, Kind::StatefulSet, selector_of, out);
        if ev.key.kind == Kind::ControllerRevision {
            if let Some(k) = owner::controller_key(&ev.object, Kind::StatefulSet) {
                out.push(k);
            }
        }
    }

    fn reconcile(&mut self, api: &mut ApiServer, key: &ObjectKey) -> Action {
        let Some(obj) = api.store().get(key).cloned() else {
            return Action::Done;
        };
        let Some(set) = obj.as_::<StatefulSet>().cloned() else {
            return Action::Done;
        };
        let Some(selector) = selector_of(&obj) else {
            return Action::Done;
        };
        let revisions = history::claim_revisions(api, &obj, &selector);
        owner::claim_pods(api, &obj, &selector);
        let Some((current, update, collisions)) = revisions_of(api, &obj, &set, &revisions) else {
            return Action::Done;
        };
        let current_template =
            history::template_of(&current).unwrap_or_else(|| set.spec.template.clone());
        let update_template =
            history::template_of(&update).unwrap_or_else(|| set.spec.template.clone());
        let (current_name, update_name) = (
            current.metadata.name.clone().unwrap_or_default(),
            update.metadata.name.clone().unwrap_or_default(),
        );
        let now_ms = api.now().unix_ms() as i64;
        let min_ready = set.spec.min_ready_seconds.unwrap_or(0);

        if set.metadata.deletion_timestamp.is_none() {
            let pods = set_pods(api, &obj, &set, now_ms);
            let policy = policy_of(&set);
            for step in plan(&policy, &pods, &current_name, &update_name) {
                match step {
                    Step::Create { ordinal, update } => {
                        let (template, revision) = if update {
                            (&update_template, &update_name)
                        } else {
                            (&current_template, &current_name)
                        };
                        create_pod(api, &obj, &set, template, revision, ordinal);
                    }
                    Step::Delete { ordinal, failed } => {
                        let name = pod_name(obj.name(), ordinal);
                        if failed {
                            let msg = format!(
                                "StatefulSet {}/{} is recreating failed Pod {name}",
                                obj.namespace(),
                                obj.name()
                            );
                            api.record_event(
                                &obj,
                                "Warning",
                                "RecreatingFailedPod",
                                &msg,
                                COMPONENT,
                                None,
                            );
                        }
                        delete_pod(api, &obj, &name);
                    }
                }
            }
            for ordinal in pods.keys() {
                fix_identity(api, &obj, &set, *ordinal);
            }
        }

        let pods = set_pods(api, &obj, &set, now_ms);
        let mut status = StatefulSetStatus {
            observed_generation: set.metadata.generation,
            current_revision: Some(current_name.clone()),
            update_revision: Some(update_name.clone()),
            collision_count: Some(collisions),
            ..Default::default()
        };
        let (mut ready, mut available, mut cur, mut upd) = (0, 0, 0, 0);
        for p in pods.values() {
            status.replicas += 1;
            if p.running_ready {
                ready += 1;
            }
            if p.available {
                available += 1;
            }
            if p.created && !p.terminating {
                if p.revision == current_name {
                    cur += 1;
                }
                if p.revision == update_name {
                    upd += 1;
                }
            }
        }
        // A finished rolling update makes the update revision current.
        if policy_of(&set).rolling && upd == status.replicas && ready == status.replicas {
            cur = upd;
            status.current_revision = Some(update_name.clone());
        }
        let opt = |n: i32| (n != 0).then_some(n);
        status.ready_replicas = opt(ready);
        status.available_replicas = Some(available);
        status.current_replicas = opt(cur);
        status.updated_replicas = opt(upd);
        write_status(api, &obj, status.clone());

        // Old revisions beyond the limit go, unless a pod or the status still uses them.
        let live: Vec<&str> = pods.values().map(|p| p.revision.as_str()).collect();
        let revisions = history::claim_revisions(api, &obj, &selector);
        let old: Vec<Arc<Object>> = revisions
            .into_iter()
            .filter(|r| {
                let n = r.name();
                n != current_name
                    && n != update_name
                    && Some(n) != status.current_revision.as_deref()
                    && !live.contains(&n)
            })
            .collect();
        history::truncate(api, &old, set.spec.revision_history_limit.unwrap_or(10));

        if min_ready > 0 && ready != available {
            let wait = pods
                .keys()
                .filter_map(|o| {
                    api.store().get(&ObjectKey::new(
                        Kind::Pod,
                        obj.namespace(),
                        &pod_name(obj.name(), *o),
                    ))
                })
                .filter_map(|p| p.as_::<Pod>().and_then(ready_since_ms))
                .map(|t| t + i64::from(min_ready) * 1000 - now_ms)
                .filter(|ms| *ms > 0)
                .min();
            if let Some(ms) = wait {
                return Action::RequeueAfter(ms as u64);
            }
        }
        Action::Done
    }
}

fn policy_of(set: &StatefulSet) -> Policy {
    let strategy = set.spec.update_strategy.as_ref();
    Policy {
        replicas: set.spec.replicas.unwrap_or(1),
        start: set
            .spec
            .ordinals
            .as_ref()
            .and_then(|o| o.start)
            .unwrap_or(0),
        monotonic: set.spec.pod_management_policy.as_deref() != Some("Parallel"),
        rolling: strategy
            .and_then(|s| s.type_.as_deref())
            .unwrap_or("RollingUpdate")
            == "RollingUpdate",
        partition: strategy
            .and_then(|s| s.rolling_update.as_ref())
            .and_then(|r| r.partition)
            .unwrap_or(0),
    }
}

/// The set's member pods by ordinal (controlled by it and named `<set>-<ordinal>`).
fn set_pods(
    api: &ApiServer,
    obj: &Object,
    set: &StatefulSet,
    now_ms: i64,
) -> BTreeMap<i32, SetPod> {
    let uid = set.metadata.uid.clone().unwrap_or_default();
    let min_ready = set.spec.min_ready_seconds.unwrap_or(0);
    let mut out = BTreeMap::new();
    for p in api.store().list(Kind::Pod, Some(obj.namespace())) {
        if !owner::is_controlled_by(p, &uid) {
            continue;
        }
        let Some(pod) = p.as_::<Pod>() else { continue };
        let Some((parent, ordinal)) = parent_and_ordinal(p.name()) else {
            continue;
        };
        if parent != obj.name() {
            continue;
        }
        let phase = pod
            .status
            .as_ref()
            .and_then(|s| s.phase.as_deref())
            .unwrap_or("");
        let running_ready = phase == "Running" && is_pod_ready(pod);
        out.insert(
            ordinal,
            SetPod {
                ordinal,
                revision: pod
                    .metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(CONTROLLER_REVISION_HASH))
                    .cloned()
                    .unwrap_or_default(),
                created: !phase.is_empty(),
                terminating: pod.metadata.deletion_timestamp.is_some(),
                running_ready,
                available: running_ready && is_pod_available(pod, min_ready, now_ms),
                finished: matches!(phase, "Failed" | "Succeeded"),
            },
        );
    }
    out
}

/// The current and update revisions and the collision count (`getStatefulSetRevisions`):
/// the update revision is an existing one equal to the template (renumbered to the top when
/// it is not the newest: a rollback) or a new one; the current one is what the status names,
/// or the update revision for a new set.
fn revisions_of(
    api: &mut ApiServer,
    obj: &Object,
    set: &StatefulSet,
    revisions: &[Arc<Object>],
) -> Option<(
    crate::api::ControllerRevision,
    crate::api::ControllerRevision,
    i32,
)> {
    let mut collisions = set
        .status
        .as_ref()
        .and_then(|s| s.collision_count)
        .unwrap_or(0);
    let template = &set.spec.template;
    let next = history::max_revision(revisions) + 1;
    let equal: Vec<&Arc<Object>> = revisions
        .iter()
        .filter(|r| history::matches_template(r, template))
        .collect();
    let update = match equal.last() {
        Some(e) if revisions.last().is_some_and(|l| l.name() == e.name()) => (*e).clone(),
        Some(e) => history::renumber(api, e, next)?,
        None => {
            let patch = history::template_patch(template);
            let hash = history::hash_controller_revision(&patch, Some(collisions));
            let name = history::revision_name(obj.name(), &hash);
            let mut rev = history::new_revision(obj, template, name, &hash, next);
            // A StatefulSet's revisions carry the set's annotations on top of the template's.
            rev.metadata.annotations = set.metadata.annotations.clone().filter(|a| !a.is_empty());
            history::create_revision(api, obj, rev, &mut collisions, |c| {
                history::hash_controller_revision(&patch, Some(c))
            })
            .ok()?
        }
    };
    let update = update.as_::<crate::api::ControllerRevision>()?.clone();
    let current_name = set.status.as_ref().and_then(|s| s.current_revision.clone());
    let current = revisions
        .iter()
        .find(|r| Some(r.name()) == current_name.as_deref())
        .and_then(|r| r.as_::<crate::api::ControllerRevision>().cloned())
        .unwrap_or_else(|| update.clone());
    Some((current, update, collisions))
}

/// The pod of `ordinal` (`newStatefulSetPod`): the template with the identity labels, the
/// revision label, hostname and subdomain, and a volume per claim template.
pub fn new_pod(
    obj: &Object,
    set: &StatefulSet,
    template: &PodTemplateSpec,
    revision: &str,
    ordinal: i32,
) -> Pod {
    let name = pod_name(obj.name(), ordinal);
    let mut pod = pod_control::pod_from_template(template, obj, "", Some(&name));
    let labels = pod.metadata.labels.get_or_insert_with(Default::default);
    labels.insert(POD_NAME_LABEL.into(), name.clone());
    labels.insert(POD_INDEX_LABEL.into(), ordinal.to_string());
    labels.insert(CONTROLLER_REVISION_HASH.into(), revision.to_string());
    let spec = pod.spec.get_or_insert_with(Default::default);
    spec.hostname = Some(name.clone());
    spec.subdomain = set.spec.service_name.clone().filter(|s| !s.is_empty());
    let claims: Vec<Volume> = set
        .spec
        .volume_claim_templates
        .iter()
        .flatten()
        .map(|c| {
            let t = c.metadata.name.clone().unwrap_or_default();
            Volume {
                name: t.clone(),
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name: claim_name(&t, obj.name(), ordinal),
                    read_only: None,
                }),
                ..Default::default()
            }
        })
        .collect();
    if !claims.is_empty() {
        let rest: Vec<Volume> = spec
            .volumes
            .take()
            .into_iter()
            .flatten()
            .filter(|v| !claims.iter().any(|c| c.name == v.name))
            .collect();
        spec.volumes = Some(claims.into_iter().chain(rest).collect());
    }
    pod
}

/// The claims of `ordinal` (`getPersistentVolumeClaims`): each template named
/// `<claim>-<set>-<ordinal>`, labelled with the template's labels and the selector's
/// `matchLabels`, Pending until the volume controller binds it.
pub fn claims_for(obj: &Object, set: &StatefulSet, ordinal: i32) -> Vec<PersistentVolumeClaim> {
    set.spec
        .volume_claim_templates
        .iter()
        .flatten()
        .map(|t| {
            let mut c = t.clone();
            let base = t.metadata.name.clone().unwrap_or_default();
            c.metadata = crate::api::ObjectMeta {
                name: Some(claim_name(&base, obj.name(), ordinal)),
                namespace: Some(obj.namespace().to_string()),
                labels: t.metadata.labels.clone(),
                annotations: t.metadata.annotations.clone(),
                ..Default::default()
            };
            if let Some(ml) = set.spec.selector.match_labels.as_ref() {
                c.metadata
                    .labels
                    .get_or_insert_with(Default::default)
                    .extend(ml.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            c.status = Some(k8s_openapi::api::core::v1::PersistentVolumeClaimStatus {
                phase: Some("Pending".into()),
                ..Default::default()
            });
            c
        })
        .collect()
}

/// Creates the pod's missing claims, then the pod (`CreateStatefulPod`), with the
/// controller's events.
fn create_pod(
    api: &mut ApiServer,
    obj: &Object,
    set: &StatefulSet,
    template: &PodTemplateSpec,
    revision: &str,
    ordinal: i32,
) {
    let pod = new_pod(obj, set, template, revision, ordinal);
    let name = pod.metadata.name.clone().unwrap_or_default();
    let mut failure = None;
    for claim in claims_for(obj, set, ordinal) {
        let cname = claim.metadata.name.clone().unwrap_or_default();
        let key = ObjectKey::new(Kind::PersistentVolumeClaim, obj.namespace(), &cname);
        match api.store().get(&key) {
            Some(existing) => {
                if existing.metadata().deletion_timestamp.is_some() {
                    failure = Some(format!("pvc {cname} is being deleted"));
                }
            }
            None => match api.create(Object::from(claim), obj.namespace(), false) {
                Ok(_) => {
                    let msg = format!(
                        "create Claim {cname} Pod {name} in StatefulSet {} success",
                        obj.name()
                    );
                    api.record_event(obj, "Normal", "SuccessfulCreate", &msg, COMPONENT, None);
                }
                Err(e) => {
                    let msg = format!(
                        "create Claim {cname} for Pod {name} in StatefulSet {} failed error: {}",
                        obj.name(),
                        e.message
                    );
                    api.record_event(obj, "Warning", "FailedCreate", &msg, COMPONENT, None);
                    failure = Some(format!("failed to create PVC {cname}: {}", e.message));
                }
            },
        }
    }
    let result = match failure {
        Some(f) => Err(f),
        None => match api.create(Object::from(pod), obj.namespace(), false) {
            Ok(_) => Ok(()),
            Err(e) if e.reason == StatusReason::AlreadyExists => return,
            Err(e) => Err(e.message),
        },
    };
    record_pod_event(api, obj, "create", &name, result.err());
}

fn delete_pod(api: &mut ApiServer, obj: &Object, name: &str) {
    let key = ObjectKey::new(Kind::Pod, obj.namespace(), name);
    let result = api
        .delete(&key, &DeleteOptions::default(), false)
        .err()
        .map(|e| e.message);
    record_pod_event(api, obj, "delete", name, result);
}

/// `recordPodEvent`: `SuccessfulCreate` "create Pod web-0 in StatefulSet web successful", or
/// `FailedCreate` with the error.
fn record_pod_event(api: &mut ApiServer, obj: &Object, verb: &str, pod: &str, err: Option<String>) {
    let title = format!("{}{}", verb[..1].to_uppercase(), &verb[1..]);
    match err {
        None => {
            let msg = format!("{verb} Pod {pod} in StatefulSet {} successful", obj.name());
            api.record_event(
                obj,
                "Normal",
                &format!("Successful{title}"),
                &msg,
                COMPONENT,
                None,
            );
        }
        Some(e) => {
            let msg = format!(
                "{verb} Pod {pod} in StatefulSet {} failed error: {e}",
                obj.name()
            );
            api.record_event(
                obj,
                "Warning",
                &format!("Failed{title}"),
                &msg,
                COMPONENT,
                None,
            );
        }
    }
}

/// Puts back the identity labels of a pod that lost them (`UpdateStatefulPod`).
fn fix_identity(api: &mut ApiServer, obj: &Object, set: &StatefulSet, ordinal: i32) {
    let name = pod_name(obj.name(), ordinal);
    let key = ObjectKey::new(Kind::Pod, obj.namespace(), &name);
    let Some(pod) = api.store().get(&key) else {
        return;
    };
    if pod.metadata().deletion_timestamp.is_some()
        || !owner::is_controlled_by(pod, set.metadata.uid.as_deref().unwrap_or(""))
    {
        return;
    }
    let labels = pod.metadata().labels.clone().unwrap_or_default();
    let index = ordinal.to_string();
    if labels.get(POD_NAME_LABEL) == Some(&name) && labels.get(POD_INDEX_LABEL) == Some(&index) {
        return;
    }
    let result = api
        .modify(&key, |o| {
            let l = o.metadata_mut().labels.get_or_insert_with(Default::default);
            l.insert(POD_NAME_LABEL.into(), name.clone());
            l.insert(POD_INDEX_LABEL.into(), index.clone());
        })
        .err()
        .map(|e| e.message);
    record_pod_event(api, obj, "update", &name, result);
}

/// Writes the status when it changed.
fn write_status(api: &mut ApiServer, obj: &Object, status: StatefulSetStatus) {
    let Some(set) = api
        .store()
        .get(&obj.key())
        .and_then(|o| o.as_::<StatefulSet>().cloned())
    else {
        return;
    };
    let old = set.status.clone().unwrap_or_default();
    let status = StatefulSetStatus {
        conditions: old.conditions.clone(),
        ..status
    };
    if set.status.is_some() && status == old {
        return;
    }
    let mut updated = set;
    updated.status = Some(status);
    let _ = api.update_status(Object::from(updated));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(ordinal: i32, rev: &str, ready: bool) -> SetPod {
        SetPod {
            ordinal,
            revision: rev.into(),
            created: true,
            running_ready: ready,
            available: ready,
            ..Default::default()
        }
    }

    fn policy(replicas: i32, monotonic: bool) -> Policy {
        Policy {
            replicas,
            start: 0,
            monotonic,
            rolling: true,
            partition: 0,
        }
    }

    fn pods(list: Vec<SetPod>) -> BTreeMap<i32, SetPod> {
        list.into_iter().map(|p| (p.ordinal, p)).collect()
    }

    #[test]
    fn ordinals_parse_from_the_last_dash() {
        assert_eq!(parent_and_ordinal("sf-nginx-12"), Some(("sf-nginx", 12)));
        assert_eq!(parent_and_ordinal("sf-nginx"), None);
        assert_eq!(claim_name("www", "web", 0), "www-web-0");
    }

    #[test]
    fn ordered_ready_creates_one_at_a_time_after_the_previous_is_ready() {
        let p = policy(3, true);
        assert_eq!(
            plan(&p, &pods(vec![]), "r1", "r1"),
            [Step::Create {
                ordinal: 0,
                update: true
            }]
        );
        let not_ready = pods(vec![pod(0, "r1", false)]);
        assert!(plan(&p, &not_ready, "r1", "r1").is_empty());
        let ready = pods(vec![pod(0, "r1", true)]);
        assert_eq!(
            plan(&p, &ready, "r1", "r1"),
            [Step::Create {
                ordinal: 1,
                update: true
            }]
        );
        // Parallel creates every missing pod at once.
        assert_eq!(
            plan(&policy(3, false), &not_ready, "r1", "r1"),
            [
                Step::Create {
                    ordinal: 1,
                    update: true
                },
                Step::Create {
                    ordinal: 2,
                    update: true
                }
            ]
        );
    }

    #[test]
    fn scale_down_deletes_from_the_highest_ordinal() {
        let all = pods((0..4).map(|o| pod(o, "r1", true)).collect());
        assert_eq!(
            plan(&policy(2, true), &all, "r1", "r1"),
            [Step::Delete {
                ordinal: 3,
                failed: false
            }]
        );
        let mut terminating = all.clone();
        terminating.get_mut(&3).unwrap().terminating = true;
        assert!(plan(&policy(2, true), &terminating, "r1", "r1").is_empty());
        assert_eq!(
            plan(&policy(2, false), &all, "r1", "r1"),
            [
                Step::Delete {
                    ordinal: 3,
                    failed: false
                },
                Step::Delete {
                    ordinal: 2,
                    failed: false
                }
            ]
        );
    }

    #[test]
    fn a_missing_pod_comes_back_with_its_ordinal() {
        let gap = pods(vec![pod(0, "r1", true), pod(2, "r1", true)]);
        assert_eq!(
            plan(&policy(3, true), &gap, "r1", "r1"),
            [Step::Create {
                ordinal: 1,
                update: true
            }]
        );
    }

    #[test]
    fn rolling_update_goes_from_the_highest_ordinal_down_to_the_partition() {
        let all = pods((0..3).map(|o| pod(o, "r1", true)).collect());
        assert_eq!(
            plan(&policy(3, true), &all, "r1", "r2"),
            [Step::Delete {
                ordinal: 2,
                failed: false
            }]
        );
        let mut mid = all.clone();
        mid.insert(2, pod(2, "r2", false));
        assert!(
            plan(&policy(3, true), &mid, "r1", "r2").is_empty(),
            "waits for web-2"
        );
        mid.insert(2, pod(2, "r2", true));
        assert_eq!(
            plan(&policy(3, true), &mid, "r1", "r2"),
            [Step::Delete {
                ordinal: 1,
                failed: false
            }]
        );
        let partitioned = Policy {
            partition: 2,
            ..policy(3, true)
        };
        assert!(
            plan(&partitioned, &mid, "r1", "r2").is_empty(),
            "ordinals below 2 keep r1"
        );
        // A pod below the partition that is recreated gets the current revision.
        let gap = pods(vec![pod(0, "r1", true), pod(2, "r2", true)]);
        assert_eq!(
            plan(&partitioned, &gap, "r1", "r2"),
            [Step::Create {
                ordinal: 1,
                update: false
            }]
        );
    }

    #[test]
    fn failed_pods_are_replaced() {
        let mut failed = pod(0, "r1", false);
        failed.finished = true;
        assert_eq!(
            plan(&policy(1, true), &pods(vec![failed]), "r1", "r1"),
            [Step::Delete {
                ordinal: 0,
                failed: true
            }]
        );
    }
}
