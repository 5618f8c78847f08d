//! The namespace controller (`pkg/controller/namespace`): empties a namespace that is being
//! deleted and then lets it go.
//!
//! `kubectl delete ns x` only marks the namespace (deletion timestamp, phase `Terminating`);
//! its `kubernetes` finalizer in `spec.finalizers` keeps it. The controller then, pass after
//! pass (`namespacedResourcesDeleter.Delete`):
//!
//! 1. deletes every pod first and waits for them to be gone (ordered namespace deletion,
//!    GA since 1.34), then every other namespaced object (background propagation);
//! 2. writes the five deletion conditions (`NamespaceContentRemaining: Some resources are
//!    remaining: pods. has 2 resource instances`, …);
//! 3. when nothing is left, removes its finalizer from `spec.finalizers` and the namespace
//!    goes.
//!
//! Timing follows the real work queue: a namespace event is processed 5 s after it arrives
//! (`namespaceDeletionGracePeriod`), and a pass that leaves content behind looks again after
//! the estimate (the longest pod grace period not yet elapsed, 15 s for finalizers) — or 5 s
//! after its own status write, whichever comes first.
//!
//! Worked example: delete `x` at t=0 holding two nginx pods (grace 30 s). t=5: pods deleted
//! gracefully, conditions written (`pods. has 2 resource instances`), next pass at t=10
//! (status write) rather than t=35 (estimate). The kubelets stop nginx within a second, so at
//! t=10 the pods are gone: the other content is deleted, conditions say all content removed,
//! the finalizer goes and with it the namespace.

use super::{Action, Controller};
use crate::api::{Kind, Namespace, Object, ObjectKey, Pod};
use crate::apiserver::{ApiServer, DeleteOptions, PropagationPolicy};
use crate::sim::SimTime;
use crate::store::{WatchEvent, WatchEventType};
use k8s_openapi::api::core::v1::NamespaceCondition;
use std::collections::BTreeMap;

/// The finalizer the namespace controller owns in `spec.finalizers`.
pub const FINALIZER_KUBERNETES: &str = "kubernetes";

/// How long a namespace event waits before it is processed (`namespaceDeletionGracePeriod`).
const EVENT_DELAY_MS: u64 = 5_000;

/// The estimate for content held by finalizers (`finalizerEstimateSeconds`).
const FINALIZER_ESTIMATE_SECS: i64 = 15;

/// The deletion conditions in the order the controller keeps them, with their reason and
/// message when all is well (`okReasons`, `okMessages`).
const CONDITIONS: &[(&str, &str, &str)] = &[
    (
        "NamespaceDeletionDiscoveryFailure",
        "ResourcesDiscovered",
        "All resources successfully discovered",
    ),
    (
        "NamespaceDeletionGroupVersionParsingFailure",
        "ParsedGroupVersions",
        "All legacy kube types successfully parsed",
    ),
    (
        "NamespaceDeletionContentFailure",
        "ContentDeleted",
        "All content successfully deleted, may be waiting on finalization",
    ),
    (
        "NamespaceContentRemaining",
        "ContentRemoved",
        "All content successfully removed",
    ),
    (
        "NamespaceFinalizersRemaining",
        "ContentRemoved",
        "All content successfully removed",
    ),
];

/// The namespace controller.
#[derive(Default)]
pub struct NamespaceController {
    /// Per namespace, when the next pass may run (the work queue's `AddAfter`).
    next_pass: BTreeMap<String, SimTime>,
}

/// What a pass found left in the namespace.
#[derive(Default)]
struct Remaining {
    /// `<resource>.<group>` → count, e.g. `pods.` → 2.
    by_resource: BTreeMap<String, usize>,
    /// Finalizer → objects holding it.
    by_finalizer: BTreeMap<String, usize>,
    /// Seconds until the content should be gone.
    estimate_secs: i64,
}

impl Remaining {
    fn is_empty(&self) -> bool {
        self.by_resource.is_empty()
    }
}

/// The namespaced kinds the controller empties, pods first.
fn content_kinds() -> impl Iterator<Item = Kind> {
    std::iter::once(Kind::Pod).chain(
        Kind::ALL
            .iter()
            .copied()
            .filter(|k| k.info().namespaced && *k != Kind::Pod),
    )
}

/// Deletes the content of `ns` (pods first, the rest once no pod is left) and reports what
/// remains afterwards. `deleted_at` is the namespace's deletion timestamp.
fn delete_all_content(api: &mut ApiServer, ns: &str, deleted_at: SimTime) -> Remaining {
    let opts = DeleteOptions {
        grace_period_seconds: None,
        propagation_policy: Some(PropagationPolicy::Background),
    };
    let mut remaining = Remaining::default();
    let elapsed_secs = (api.now().ms().saturating_sub(deleted_at.ms()) / 1000) as i64;
    for kind in content_kinds() {
        if kind != Kind::Pod && remaining.by_resource.contains_key("pods.") {
            // Ordered deletion: nothing else goes while pods remain.
            break;
        }
        let mut estimate = 0;
        if kind == Kind::Pod {
            for p in api.store().list(Kind::Pod, Some(ns)) {
                let Some(pod) = p.as_::<Pod>() else { continue };
                let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
                if matches!(phase, Some("Succeeded" | "Failed")) {
                    continue;
                }
                let grace = pod
                    .spec
                    .as_ref()
                    .and_then(|s| s.termination_grace_period_seconds)
                    .unwrap_or(30);
                estimate = estimate.max(grace);
            }
            if elapsed_secs >= estimate {
                estimate = 0;
            }
        }
        let keys: Vec<ObjectKey> = api.store().list(kind, Some(ns)).map(|o| o.key()).collect();
        for k in &keys {
            if api
                .store()
                .get(k)
                .is_some_and(|o| o.metadata().deletion_timestamp.is_none())
            {
                let _ = api.delete(k, &opts, false);
            }
        }
        let left: Vec<&std::sync::Arc<Object>> = api.store().list(kind, Some(ns)).collect();
        if left.is_empty() {
            continue;
        }
        let info = kind.info();
        remaining
            .by_resource
            .insert(format!("{}.{}", info.plural, info.group), left.len());
        let mut with_finalizers = false;
        for o in &left {
            for f in o.metadata().finalizers.iter().flatten() {
                *remaining.by_finalizer.entry(f.clone()).or_default() += 1;
                with_finalizers = true;
            }
        }
        if estimate == 0 && with_finalizers {
            estimate = FINALIZER_ESTIMATE_SECS;
        }
        remaining.estimate_secs = remaining.estimate_secs.max(estimate);
    }
    remaining
}

/// The conditions a pass leaves on the namespace (`namespaceConditionUpdater`); true when
/// they changed. A condition's transition time moves only when its status flips.
fn update_conditions(ns: &mut Namespace, remaining: &Remaining, now: SimTime) -> bool {
    let status = ns.status.get_or_insert_with(Default::default);
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    let mut changed = false;
    for (type_, ok_reason, ok_message) in CONDITIONS {
        let (st, reason, message) = match *type_ {
            "NamespaceContentRemaining" if !remaining.by_resource.is_empty() => (
                "True",
                "SomeResourcesRemain".to_string(),
                format!(
                    "Some resources are remaining: {}",
                    remaining
                        .by_resource
                        .iter()
                        .map(|(r, n)| format!("{r} has {n} resource instances"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            "NamespaceFinalizersRemaining" if !remaining.by_finalizer.is_empty() => (
                "True",
                "SomeFinalizerRemain".to_string(),
                format!(
                    "Some finalizers are remaining: {}",
                    remaining
                        .by_finalizer
                        .iter()
                        .map(|(f, n)| format!("{f} in {n} resource instances"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            _ => ("False", ok_reason.to_string(), ok_message.to_string()),
        };
        match conditions.iter_mut().find(|c| c.type_ == *type_) {
            None => {
                conditions.push(NamespaceCondition {
                    type_: type_.to_string(),
                    status: st.to_string(),
                    reason: Some(reason),
                    message: Some(message),
                    last_transition_time: Some(now.to_k8s_time()),
                });
                changed = true;
            }
            Some(c) => {
                if c.status != st
                    || c.reason.as_deref() != Some(&reason)
                    || c.message.as_deref() != Some(&message)
                {
                    if c.status != st {
                        c.last_transition_time = Some(now.to_k8s_time());
                    }
                    c.status = st.to_string();
                    c.reason = Some(reason);
                    c.message = Some(message);
                    changed = true;
                }
            }
        }
    }
    changed
}

impl Controller for NamespaceController {
    fn name(&self) -> &'static str {
        "namespace-controller"
    }

    fn watches(&self) -> Option<&'static [Kind]> {
        Some(&[Kind::Namespace])
    }

    fn keys_for(&self, _api: &ApiServer, ev: &WatchEvent, out: &mut Vec<ObjectKey>) {
        if ev.key.kind == Kind::Namespace
            && ev.event_type != WatchEventType::Deleted
            && ev.object.metadata().deletion_timestamp.is_some()
        {
            out.push(ev.key.clone());
        }
    }

    fn reconcile(&mut self, api: &mut ApiServer, key: &ObjectKey) -> Action {
        let now = api.now();
        let Some(obj) = api.store().get(key).cloned() else {
            self.next_pass.remove(&key.name);
            return Action::Done;
        };
        let Some(ns) = obj.as_::<Namespace>() else {
            return Action::Done;
        };
        let Some(deleted_at) = ns.metadata.deletion_timestamp.as_ref() else {
            self.next_pass.remove(&key.name);
            return Action::Done;
        };
        // A namespace event is processed 5 s after it arrived; our own status writes are
        // events too, and they arrive while a later pass is already planned.
        let due = *self
            .next_pass
            .entry(key.name.clone())
            .or_insert_with(|| now.plus_ms(EVENT_DELAY_MS));
        if now < due {
            return Action::RequeueAfter(due.ms() - now.ms());
        }
        let deleted_at = SimTime::from_k8s_time(deleted_at);
        let mut updated = ns.clone();
        if updated.status.as_ref().and_then(|s| s.phase.as_deref()) != Some("Terminating") {
            updated.status.get_or_insert_with(Default::default).phase = Some("Terminating".into());
        }
        let remaining = delete_all_content(api, &key.name, deleted_at);
        let changed = update_conditions(&mut updated, &remaining, now);
        if changed {
            api.trace(
                "namespace-controller",
                format!("{key}: deletion conditions"),
            );
            let _ = api.update_status(Object::from(updated));
        }
        if !remaining.is_empty() {
            let wait_ms = if changed {
                EVENT_DELAY_MS
            } else {
                remaining.estimate_secs.max(1) as u64 * 1000
            };
            self.next_pass
                .insert(key.name.clone(), now.plus_ms(wait_ms));
            return Action::RequeueAfter(wait_ms);
        }
        // Finalize: take our token off spec.finalizers; with none left the namespace goes.
        self.next_pass.remove(&key.name);
        let finalized = api.modify(key, |o| {
            if let Object::Namespace(n) = o {
                if let Some(spec) = n.spec.as_mut() {
                    if let Some(fs) = spec.finalizers.as_mut() {
                        fs.retain(|f| f != FINALIZER_KUBERNETES);
                    }
                }
            }
        });
        if let Ok(n) = finalized {
            let spec_done = n
                .as_::<Namespace>()
                .and_then(|n| n.spec.as_ref())
                .and_then(|s| s.finalizers.as_ref())
                .is_none_or(|f| f.is_empty());
            if spec_done {
                api.trace(
                    "namespace-controller",
                    format!("{key}: finalized, removing"),
                );
                api.remove(key);
            }
        }
        Action::Done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_report_remaining_pods_then_all_clear() {
        let mut ns = Namespace::default();
        let mut remaining = Remaining::default();
        remaining.by_resource.insert("pods.".into(), 2);
        let t0 = SimTime::from_secs(5);
        assert!(update_conditions(&mut ns, &remaining, t0));
        let conds = ns.status.as_ref().unwrap().conditions.clone().unwrap();
        assert_eq!(conds.len(), 5);
        let c = conds
            .iter()
            .find(|c| c.type_ == "NamespaceContentRemaining")
            .unwrap();
        assert_eq!(c.status, "True");
        assert_eq!(
            c.message.as_deref(),
            Some("Some resources are remaining: pods. has 2 resource instances")
        );
        // The same result again changes nothing.
        assert!(!update_conditions(
            &mut ns,
            &remaining,
            SimTime::from_secs(9)
        ));
        assert!(update_conditions(
            &mut ns,
            &Remaining::default(),
            SimTime::from_secs(10)
        ));
        let conds = ns.status.as_ref().unwrap().conditions.clone().unwrap();
        let c = conds
            .iter()
            .find(|c| c.type_ == "NamespaceContentRemaining")
            .unwrap();
        assert_eq!(
            (c.status.as_str(), c.reason.as_deref()),
            ("False", Some("ContentRemoved"))
        );
        assert_eq!(
            c.last_transition_time,
            Some(SimTime::from_secs(10).to_k8s_time())
        );
        let d = conds
            .iter()
            .find(|c| c.type_ == "NamespaceDeletionDiscoveryFailure")
            .unwrap();
        assert_eq!(d.last_transition_time, Some(t0.to_k8s_time()));
    }
}
