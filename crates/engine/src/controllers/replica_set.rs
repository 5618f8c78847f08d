//! The ReplicaSet and ReplicationController controllers (`pkg/controller/replicaset`; the
//! ReplicationController is the same code behind an adapter, with an equality selector).
//!
//! A sync claims the pods (adoption and release), counts the active ones and creates or
//! deletes the difference, then writes the status counters. Which pods go first when scaling
//! down follows [`deletion_order`].

use super::owner::{self, is_pod_active, is_pod_ready, ready_since_ms, PodFacts, PodIndex};
use super::pod_control;
use super::{Action, Controller};
use crate::api::selector::Selector;
use crate::api::{Kind, Object, ObjectKey, Pod};
use crate::apiserver::ApiServer;
use crate::store::WatchEvent;
use k8s_openapi::api::core::v1::PodTemplateSpec;
use std::collections::BTreeMap;

/// How many pods one sync creates or deletes at most (`burstReplicas`).
pub const BURST_REPLICAS: usize = 500;

/// The size of the first batch of creates in a sync (`SlowStartInitialBatchSize`); each
/// next batch doubles.
pub const SLOW_START_INITIAL_BATCH: usize = 1;

/// The annotation that orders pods for scale-down (lower cost goes first).
pub const POD_DELETION_COST: &str = "controller.kubernetes.io/pod-deletion-cost";

/// The controller, for ReplicaSets or for ReplicationControllers.
pub struct ReplicaSetController {
    kind: Kind,
    name: &'static str,
    /// Consecutive failed syncs per object, for the work queue's exponential back-off.
    failures: BTreeMap<ObjectKey, u32>,
    /// The pods by controller, so a sync reads its own pods only.
    pods: PodIndex,
}

/// The work queue's per-item back-off after a failed sync (`DefaultControllerRateLimiter`:
/// 5 ms doubling up to 1000 s).
///
/// Worked example: the 1st retry waits 5 ms, the 4th 40 ms, the 12th 10.24 s.
pub fn failure_backoff_ms(failures: u32) -> u64 {
    let doubled = 5u64.saturating_mul(1u64 << failures.saturating_sub(1).min(40));
    doubled.min(1_000_000)
}

impl ReplicaSetController {
    pub fn replica_set() -> Self {
        ReplicaSetController {
            kind: Kind::ReplicaSet,
            name: "replicaset-controller",
            failures: BTreeMap::new(),
            pods: PodIndex::default(),
        }
    }
    pub fn replication_controller() -> Self {
        ReplicaSetController {
            kind: Kind::ReplicationController,
            name: "replication-controller",
            failures: BTreeMap::new(),
            pods: PodIndex::default(),
        }
    }
}

/// The parts of a ReplicaSet or ReplicationController the sync needs.
struct Spec<'a> {
    selector: Selector,
    replicas: i32,
    min_ready_seconds: i32,
    template: Option<&'a PodTemplateSpec>,
    generation: Option<i64>,
}

/// The selector of a ReplicaSet (`matchLabels` + `matchExpressions`) or ReplicationController
/// (an equality map). `None` when the object has none or it does not parse.
pub fn selector_of(obj: &Object) -> Option<Selector> {
    match obj {
        Object::ReplicaSet(rs) => Selector::from_label_selector(&rs.spec.selector).ok(),
        Object::ReplicationController(rc) => {
            Some(Selector::from_map(rc.spec.as_ref()?.selector.as_ref()?))
        }
        _ => None,
    }
}

fn spec_of(obj: &Object) -> Option<Spec<'_>> {
    let selector = selector_of(obj)?;
    let generation = obj.metadata().generation;
    match obj {
        Object::ReplicaSet(rs) => {
            let s = &rs.spec;
            Some(Spec {
                selector,
                replicas: s.replicas.unwrap_or(1),
                min_ready_seconds: s.min_ready_seconds.unwrap_or(0),
                template: s.template.as_ref(),
                generation,
            })
        }
        Object::ReplicationController(rc) => {
            let s = rc.spec.as_ref()?;
            Some(Spec {
                selector,
                replicas: s.replicas.unwrap_or(1),
                min_ready_seconds: s.min_ready_seconds.unwrap_or(0),
                template: s.template.as_ref(),
                generation,
            })
        }
        _ => None,
    }
}

impl Controller for ReplicaSetController {
    fn name(&self) -> &'static str {
        self.name
    }

    fn watches(&self) -> Option<&'static [Kind]> {
        Some(if self.kind == Kind::ReplicaSet {
            &[Kind::ReplicaSet, Kind::Pod]
        } else {
            &[Kind::ReplicationController, Kind::Pod]
        })
    }

    fn keys_for(&self, api: &ApiServer, ev: &WatchEvent, out: &mut Vec<ObjectKey>) {
        if ev.key.kind == self.kind && super::spec_or_lifecycle_changed(ev) {
            out.push(ev.key.clone());
        }
        owner::keys_for_dependent(api, ev, Kind::Pod, self.kind, selector_of, out);
    }

    fn observe(&mut self, ev: &WatchEvent) {
        self.pods.observe(ev);
    }

    fn reconcile(&mut self, api: &mut ApiServer, key: &ObjectKey) -> Action {
        let Some(obj) = api.store().get(key).cloned() else {
            self.failures.remove(key);
            return Action::Done;
        };
        let Some(spec) = spec_of(&obj) else {
            return Action::Done;
        };
        let deleting = obj.metadata().deletion_timestamp.is_some();
        self.pods.ensure(api.store(), &key.namespace);
        // After the claim the index lists exactly the claimed pods under the owner's uid,
        // but for any whose release failed.
        let unreleased = self.claim_pods(api, &obj, &spec.selector);
        let uid = obj.metadata().uid.clone().unwrap_or_default();
        let mut failure = None;
        if !deleting {
            let active = if unreleased.is_empty() {
                let tallies = self.pods.tallies(&key.namespace, &uid);
                tallies.iter().map(|(_, t)| t.active as usize).sum()
            } else {
                self.pods
                    .owned(&key.namespace, &uid)
                    .filter(|(name, f)| f.active && !unreleased.contains(name))
                    .count()
            };
            failure = self.manage_replicas(api, &obj, &spec, active, &unreleased);
        }
        // The counts describe the pods after this sync's creates and deletes (the index
        // follows this controller's own writes).
        let now_ms = api.now().unix_ms() as i64;
        let (ns, ix) = (key.namespace.as_str(), &self.pods);
        let status = compute_status(&spec, ix, ns, &uid, now_ms, failure.as_deref());
        let next = next_availability_check(&spec, ix, ns, &uid, now_ms);
        write_status(api, &obj, status);
        if failure.is_some() {
            // A failed sync is retried with back-off (the real controller returns the error
            // to its rate-limited queue); the condition keeps its first message meanwhile.
            let n = self.failures.entry(key.clone()).or_default();
            *n += 1;
            return Action::RequeueAfter(failure_backoff_ms(*n));
        }
        self.failures.remove(key);
        next
    }
}

impl ReplicaSetController {
    /// [`owner::claim_pods`] on the index: the same releases and adoptions in the same
    /// order. Afterwards the index lists the claimed pods under the owner's uid; the pods
    /// it still lists there without claiming them (a release that failed) are returned.
    fn claim_pods(
        &mut self,
        api: &mut ApiServer,
        owner: &Object,
        selector: &Selector,
    ) -> Vec<String> {
        let uid = owner.metadata().uid.clone().unwrap_or_default();
        let ns = owner.namespace().to_string();
        let owner_deleting = owner.metadata().deletion_timestamp.is_some();
        // Whether a label set matches, asked once per distinct set (a ReplicaSet's pods
        // mostly share one).
        let mut memo: Vec<(u32, bool)> = Vec::new();
        let mut matches = |ix: &PodIndex, id: u32| match memo.iter().find(|(i, _)| *i == id) {
            Some((_, m)) => *m,
            None => {
                let m = !selector.is_empty() && selector.matches(Some(ix.labels(id)));
                memo.push((id, m));
                m
            }
        };
        // (name, adopt?) of the pods to release or adopt, merged in name order.
        let mut writes: Vec<(String, bool)> = Vec::new();
        if !owner_deleting {
            // Only the label sets that stopped matching have pods to release.
            let stale: Vec<u32> = (self.pods.tallies(&ns, &uid).iter())
                .map(|(id, _)| *id)
                .filter(|id| !matches(&self.pods, *id))
                .collect();
            if !stale.is_empty() {
                for (name, f) in self.pods.owned(&ns, &uid) {
                    if stale.contains(&f.labels) {
                        writes.push((name.clone(), false));
                    }
                }
            }
        }
        if !owner_deleting {
            for (name, f) in self.pods.orphans(&ns) {
                if !f.deleting && matches(&self.pods, f.labels) {
                    writes.push((name.clone(), true));
                }
            }
        }
        let mut unreleased = Vec::new();
        if writes.is_empty() {
            return unreleased;
        }
        writes.sort();
        for (name, adopt) in writes {
            let key = ObjectKey::new(Kind::Pod, &ns, &name);
            let current = self.pods.is_current(api.store());
            if adopt {
                let reference = owner::new_controller_ref(owner);
                let adopted = api.modify(&key, |o| {
                    o.metadata_mut()
                        .owner_references
                        .get_or_insert_with(Vec::new)
                        .push(reference);
                });
                self.pods.refresh(api.store(), &key, current);
                if adopted.is_ok() {
                    api.trace("controller", format!("adopted {key}"));
                }
            } else {
                if api
                    .modify(&key, |o| owner::remove_owner_ref(o, &uid))
                    .is_err()
                {
                    unreleased.push(name);
                }
                self.pods.refresh(api.store(), &key, current);
                api.trace("controller", format!("released {key}"));
            }
        }
        unreleased
    }

    /// Creates or deletes pods so that `replicas` are active. Returns the creation error for
    /// the `ReplicaFailure` condition, if any.
    fn manage_replicas(
        &mut self,
        api: &mut ApiServer,
        obj: &Object,
        spec: &Spec,
        have: usize,
        unreleased: &[String],
    ) -> Option<String> {
        let want = spec.replicas.max(0) as usize;
        if have < want {
            let template = spec.template?;
            let prefix = pod_control::pods_prefix(obj.name());
            let n = (want - have).min(BURST_REPLICAS);
            api.trace(
                self.name,
                format!("{}: too few replicas, need {want}, creating {n}", obj.key()),
            );
            // Slow start (`slowStartBatch`): batches of 1, 2, 4, … creates; every create of
            // a batch is tried, and a batch with a failure ends the sync, its first error
            // reported (a template the API server refuses costs one attempt, not `n`).
            for batch in slow_start_batches(n) {
                let mut first_error = None;
                for _ in 0..batch {
                    let pod = pod_control::pod_from_template(template, obj, &prefix, None);
                    let current = self.pods.is_current(api.store());
                    match pod_control::create_pod(api, obj, pod, self.name) {
                        Ok(created) => self.pods.refresh(api.store(), &created.key(), current),
                        Err(e) => {
                            first_error.get_or_insert(e.message);
                        }
                    }
                }
                if first_error.is_some() {
                    return first_error;
                }
            }
        } else if have > want {
            let n = (have - want).min(BURST_REPLICAS);
            api.trace(
                self.name,
                format!(
                    "{}: too many replicas, need {want}, deleting {n}",
                    obj.key()
                ),
            );
            let victims = self.victims(api, obj, unreleased, n);
            for key in victims {
                let current = self.pods.is_current(api.store());
                pod_control::delete_pod(api, obj, &key, self.name);
                self.pods.refresh(api.store(), &key, current);
            }
        }
        None
    }

    /// The `n` active claimed pods a scale-down deletes, in [`deletion_order`], ranked
    /// against the pods of the owner and of its siblings (ReplicaSets with the same
    /// controller, i.e. the same Deployment) per node.
    ///
    /// The index knows every tier of the order and the UIDs' first 16 bytes, so it orders
    /// the pods without reading them; only pods that tie on all of that are read from the
    /// store for their whole UIDs.
    fn victims(
        &self,
        api: &ApiServer,
        obj: &Object,
        unreleased: &[String],
        n: usize,
    ) -> Vec<ObjectKey> {
        let ns = obj.namespace();
        let uid = obj.metadata().uid.as_deref().unwrap_or_default();
        let mut owners = vec![uid];
        if let Some(parent) = owner::controller_ref(obj.metadata()) {
            for rs in api.store().list(obj.kind(), Some(ns)) {
                let sibling = rs.metadata().uid.as_deref().unwrap_or_default();
                if owner::is_controlled_by(rs, &parent.uid) && !owners.contains(&sibling) {
                    owners.push(sibling);
                }
            }
        }
        let ix = &self.pods;
        let mut on_node = vec![0i32; ix.node_count()];
        for o in &owners {
            for (_, f) in ix.owned(ns, o).filter(|(_, f)| f.active) {
                on_node[f.node as usize] += 1;
            }
        }
        let now_ms = api.now().unix_ms() as i64;
        // (tiers, UID prefix) and the name of each candidate.
        let mut keyed: Vec<((DeletionTiers, u128), &String)> = ix
            .owned(ns, uid)
            .filter(|(name, f)| f.active && !unreleased.contains(name))
            .map(|(name, f)| {
                let rank = on_node[f.node as usize];
                let scheduled = !ix.node_name(f.node).is_empty();
                let tiers = deletion_tiers_of(f, scheduled, rank, now_ms);
                ((tiers, f.uid_prefix), name)
            })
            .collect();
        let n = n.min(keyed.len());
        if n == 0 {
            return Vec::new();
        }
        // Every pod below the n-th lowest key goes; the pods that share it are told apart by
        // their whole UIDs.
        keyed.select_nth_unstable_by(n - 1, |a, b| a.0.cmp(&b.0));
        let bound = keyed[n - 1].0;
        keyed.retain(|k| k.0 <= bound);
        keyed.sort_unstable();
        let uid_of = |name: &str| {
            let pod = api.store().get(&ObjectKey::new(Kind::Pod, ns, name));
            pod.and_then(|p| p.metadata().uid.clone())
                .unwrap_or_default()
        };
        let mut start = 0;
        while start < keyed.len() {
            let end = start + keyed[start..].partition_point(|k| k.0 == keyed[start].0);
            if end - start > 1 {
                // Stable: equal UIDs stay in name order, as the full key has it.
                keyed[start..end].sort_by_cached_key(|k| uid_of(k.1));
            }
            start = end;
        }
        let victims: Vec<ObjectKey> = (keyed.iter().take(n))
            .map(|(_, name)| ObjectKey::new(Kind::Pod, ns, name))
            .collect();
        // Debug builds rank the store's pods as well: the same pods in the same order.
        #[cfg(debug_assertions)]
        {
            let (active, related) = self.active_and_related_pods(api, obj, unreleased);
            let expected: Vec<ObjectKey> = deletion_order(&active, &related, now_ms, n)
                .into_iter()
                .map(Object::key)
                .collect();
            assert_eq!(victims, expected, "scale-down victims from the pod index");
        }
        victims
    }

    /// The owner's active claimed pods, and the pods of it and of its siblings (ReplicaSets
    /// with the same controller, i.e. the same Deployment) for ranking pods by how crowded
    /// their node is (debug builds check [`ReplicaSetController::victims`] against it).
    #[cfg(debug_assertions)]
    fn active_and_related_pods<'a>(
        &self,
        api: &'a ApiServer,
        obj: &'a Object,
        unreleased: &[String],
    ) -> (Vec<&'a Object>, Vec<&'a Object>) {
        let ns = obj.namespace();
        let uid = obj.metadata().uid.as_deref().unwrap_or_default();
        let mut owners = vec![uid];
        if let Some(parent) = owner::controller_ref(obj.metadata()) {
            for rs in api.store().list(obj.kind(), Some(ns)) {
                if owner::is_controlled_by(rs, &parent.uid) {
                    owners.push(rs.metadata().uid.as_deref().unwrap_or_default());
                }
            }
        }
        let (mut active, mut related) = (Vec::new(), Vec::new());
        for p in api.store().list(Kind::Pod, Some(ns)) {
            let Some(r) = owner::controller_ref(p.metadata()) else {
                continue;
            };
            if !owners.contains(&r.uid.as_str()) {
                continue;
            }
            related.push(&**p);
            if r.uid == uid
                && p.as_::<Pod>().is_some_and(is_pod_active)
                && !unreleased.iter().any(|n| n == p.name())
            {
                active.push(&**p);
            }
        }
        (active, related)
    }
}

/// The batch sizes in which a sync creates `n` pods (`slowStartBatch`): 1, 2, 4, … and
/// what is left.
///
/// Worked example: 10 pods are created as 1 + 2 + 4 + 3.
pub fn slow_start_batches(n: usize) -> impl Iterator<Item = usize> {
    let mut remaining = n;
    let mut batch = n.min(SLOW_START_INITIAL_BATCH);
    std::iter::from_fn(move || {
        if batch == 0 {
            return None;
        }
        let this = batch;
        remaining -= this;
        batch = (2 * this).min(remaining);
        Some(this)
    })
}

/// The status counters of a sync.
#[derive(Clone, Debug, Default, PartialEq)]
struct Counters {
    replicas: i32,
    fully_labeled: i32,
    ready: i32,
    available: i32,
    observed_generation: Option<i64>,
    failure: Option<String>,
}

/// The status counters of the active pods controlled by `uid`, from the index's tallies
/// (one visit per label set; per pod only with `minReadySeconds`, where availability depends
/// on how long each pod has been ready).
fn compute_status(
    spec: &Spec,
    index: &PodIndex,
    ns: &str,
    uid: &str,
    now_ms: i64,
    failure: Option<&str>,
) -> Counters {
    let template_labels = spec
        .template
        .and_then(|t| t.metadata.as_ref())
        .and_then(|m| m.labels.as_ref());
    let mut c = Counters {
        observed_generation: spec.generation,
        failure: failure.map(str::to_string),
        ..Default::default()
    };
    for (id, t) in index.tallies(ns, uid) {
        let labels = index.labels(*id);
        let fully_labeled = template_labels
            .into_iter()
            .flatten()
            .all(|(k, v)| labels.get(k) == Some(v));
        c.replicas += t.active as i32;
        if fully_labeled {
            c.fully_labeled += t.active as i32;
        }
        c.ready += t.active_ready as i32;
    }
    c.available = if spec.min_ready_seconds <= 0 {
        c.ready
    } else {
        let available = index
            .owned(ns, uid)
            .filter(|(_, f)| f.active && f.available(spec.min_ready_seconds, now_ms));
        available.count() as i32
    };
    c
}

/// Writes the counters when they differ from the stored status (a write that changes nothing
/// would wake this controller again).
fn write_status(api: &mut ApiServer, obj: &Object, c: Counters) {
    let opt = |n: i32| (n != 0).then_some(n);
    let now = api.now().to_k8s_time();
    // The object is copied only when its status changes.
    let updated = match obj {
        Object::ReplicaSet(rs) => {
            let old = rs.status.clone().unwrap_or_default();
            let mut conditions = old.conditions.clone().unwrap_or_default();
            set_failure_condition(&mut conditions, c.failure.as_deref(), &now);
            let status = k8s_openapi::api::apps::v1::ReplicaSetStatus {
                replicas: c.replicas,
                fully_labeled_replicas: opt(c.fully_labeled),
                ready_replicas: opt(c.ready),
                available_replicas: opt(c.available),
                observed_generation: c.observed_generation,
                conditions: (!conditions.is_empty()).then_some(conditions),
                ..old.clone()
            };
            if status == old && rs.status.is_some() {
                return;
            }
            let mut rs = rs.clone();
            rs.status = Some(status);
            Object::ReplicaSet(rs)
        }
        Object::ReplicationController(rc) => {
            let old = rc.status.clone().unwrap_or_default();
            let mut conditions: Vec<k8s_openapi::api::apps::v1::ReplicaSetCondition> = old
                .conditions
                .iter()
                .flatten()
                .map(|c| k8s_openapi::api::apps::v1::ReplicaSetCondition {
                    type_: Some(c.type_.clone()),
                    status: Some(c.status.clone()),
                    reason: c.reason.clone(),
                    message: c.message.clone(),
                    last_transition_time: c.last_transition_time.clone(),
                })
                .collect();
            set_failure_condition(&mut conditions, c.failure.as_deref(), &now);
            let conditions: Vec<k8s_openapi::api::core::v1::ReplicationControllerCondition> =
                conditions
                    .into_iter()
                    .map(
                        |c| k8s_openapi::api::core::v1::ReplicationControllerCondition {
                            type_: c.type_.unwrap_or_default(),
                            status: c.status.unwrap_or_default(),
                            reason: c.reason,
                            message: c.message,
                            last_transition_time: c.last_transition_time,
                        },
                    )
                    .collect();
            let status = k8s_openapi::api::core::v1::ReplicationControllerStatus {
                replicas: c.replicas,
                fully_labeled_replicas: opt(c.fully_labeled),
                ready_replicas: opt(c.ready),
                available_replicas: opt(c.available),
                observed_generation: c.observed_generation,
                conditions: (!conditions.is_empty()).then_some(conditions),
            };
            if status == old && rc.status.is_some() {
                return;
            }
            let mut rc = rc.clone();
            rc.status = Some(status);
            Object::ReplicationController(rc)
        }
        _ => return,
    };
    let _ = api.update_status(updated);
}

/// The `ReplicaFailure` condition: set while creating pods fails, removed once it works.
fn set_failure_condition(
    conditions: &mut Vec<k8s_openapi::api::apps::v1::ReplicaSetCondition>,
    failure: Option<&str>,
    now: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time,
) {
    match failure {
        Some(msg) => {
            // Set once: a standing ReplicaFailure keeps its first message (`calculateStatus`).
            if !conditions
                .iter()
                .any(|c| c.type_.as_deref() == Some("ReplicaFailure"))
            {
                conditions.push(k8s_openapi::api::apps::v1::ReplicaSetCondition {
                    type_: Some("ReplicaFailure".into()),
                    status: Some("True".into()),
                    reason: Some("FailedCreate".into()),
                    message: Some(msg.to_string()),
                    last_transition_time: Some(now.clone()),
                });
            }
        }
        None => conditions.retain(|c| c.type_.as_deref() != Some("ReplicaFailure")),
    }
}

/// With `minReadySeconds`, a ready pod becomes available later without any change to watch:
/// look again when the first one does.
fn next_availability_check(
    spec: &Spec,
    index: &PodIndex,
    ns: &str,
    uid: &str,
    now_ms: i64,
) -> Action {
    if spec.min_ready_seconds <= 0 {
        return Action::Done;
    }
    let wait = index
        .owned(ns, uid)
        .map(|(_, p)| p)
        .filter(|p| p.active && p.ready && !p.available(spec.min_ready_seconds, now_ms))
        .filter_map(|p| p.ready_since)
        .map(|t| t + i64::from(spec.min_ready_seconds) * 1000 - now_ms)
        .min();
    match wait {
        Some(ms) => Action::RequeueAfter(ms.max(0) as u64),
        None => Action::Done,
    }
}

/// The first `n` of `pods` a scaling-down controller deletes, in the order it deletes them
/// (`ActivePodsWithRanks` in `controller_utils.go`; `related` are the pods counted per node):
///
/// 1. not yet scheduled before scheduled;
/// 2. Pending before Unknown before Running;
/// 3. not ready before ready;
/// 4. lower `controller.kubernetes.io/pod-deletion-cost` first;
/// 5. pods on nodes crowded with related pods first (rank = related active pods on the node);
/// 6. ready for a shorter time first — compared on a log₂ scale of nanoseconds
///    (LogarithmicScaleDown);
/// 7. more container restarts first;
/// 8. newer first, again on the log₂ scale; then UID.
///
/// Go compares pairs and, within one ready-time bucket, goes straight to the UID; a pairwise
/// rule like that is not a total order, so here every pod gets one key and pods in the same
/// ready bucket are told apart by restarts and age before the UID.
///
/// Worked example: three Running, ready pods of one ReplicaSet, two on `w1-k8s` and one on
/// `w2-k8s`, all equally old: the two on `w1-k8s` have rank 2 and go before the one on
/// `w2-k8s` (rank 1), so scaling 3 → 2 leaves one pod on each node.
pub fn deletion_order<'a>(
    pods: &[&'a Object],
    related: &[&Object],
    now_ms: i64,
    n: usize,
) -> Vec<&'a Object> {
    let mut on_node: BTreeMap<&str, i32> = BTreeMap::new();
    for p in related.iter().filter_map(|p| p.as_::<Pod>()) {
        if is_pod_active(p) {
            *on_node.entry(node_of(p)).or_default() += 1;
        }
    }
    // Each pod gets a sort key: Go compares pairs (`ActivePodsWithRanks.Less`), which is not
    // a total order once log-scale buckets and UID tie-breaks mix; Rust's sort needs one.
    let mut keyed: Vec<(DeletionKey, &'a Object)> = pods
        .iter()
        .filter_map(|&p| {
            let pod = p.as_::<Pod>()?;
            let rank = on_node.get(node_of(pod)).copied().unwrap_or(0);
            Some((deletion_key(pod, rank, now_ms), p))
        })
        .collect();
    // The keys end in the UID and name, so they are distinct: picking the `n` smallest
    // first and sorting only those gives the same pods in the same order as sorting all
    // (a scale-down by a few of a thousand pods sorts a few).
    if n == 0 {
        return Vec::new();
    }
    if n < keyed.len() {
        keyed.select_nth_unstable_by(n - 1, |(a, _), (b, _)| a.cmp(b));
        keyed.truncate(n);
    }
    keyed.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
    keyed.into_iter().map(|(_, p)| p).collect()
}

/// Where a pod sorts for deletion; smaller goes first. The tiers of [`deletion_order`], as
/// one tuple: [`DeletionTiers`], then the UID and the name.
type DeletionKey<'a> = (DeletionTiers, &'a str, &'a str);

/// The tiers of [`deletion_order`] before the UID tie-break: (scheduled, phase, ready, cost,
/// −rank, ready bucket, −restarts, age bucket).
pub type DeletionTiers = (bool, u8, bool, i32, i32, i64, i32, i64);

fn deletion_key(p: &Pod, rank: i32, now_ms: i64) -> DeletionKey<'_> {
    let created = p
        .metadata
        .creation_timestamp
        .as_ref()
        .map(|t| t.0.as_millisecond());
    let tiers = deletion_tiers(
        !node_of(p).is_empty(),
        phase_ordinal(p),
        is_pod_ready(p).then(|| ready_since_ms(p)),
        deletion_cost(p),
        rank,
        max_restarts(p),
        created,
        now_ms,
    );
    (
        tiers,
        uid(p),
        p.metadata.name.as_deref().unwrap_or_default(),
    )
}

/// [`DeletionTiers`] of what [`PodIndex`] knows of a pod.
fn deletion_tiers_of(f: &PodFacts, scheduled: bool, rank: i32, now_ms: i64) -> DeletionTiers {
    deletion_tiers(
        scheduled,
        f.phase,
        f.ready.then_some(f.ready_since),
        f.deletion_cost,
        rank,
        f.restarts,
        f.created_ms,
        now_ms,
    )
}

/// `ready` is `None` for a pod that is not ready, else when it became ready (if known).
#[allow(clippy::too_many_arguments)]
fn deletion_tiers(
    scheduled: bool,
    phase: u8,
    ready: Option<Option<i64>>,
    cost: i32,
    rank: i32,
    restarts: i32,
    created_ms: Option<i64>,
    now_ms: i64,
) -> DeletionTiers {
    // Not ready, or ready with no known time: "empty time" sorts before any bucket.
    let ready_bucket = match ready {
        Some(since) => since.map_or(i64::MIN, |t| log_rank(t, now_ms)),
        None => 0,
    };
    let created_bucket = created_ms.map_or(i64::MIN, |t| log_rank(t, now_ms));
    (
        scheduled,
        phase,
        ready.is_some(),
        cost,
        -rank,
        ready_bucket,
        -restarts,
        created_bucket,
    )
}

pub(super) fn node_of(p: &Pod) -> &str {
    p.spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .unwrap_or("")
}

pub(super) fn phase_ordinal(p: &Pod) -> u8 {
    match p.status.as_ref().and_then(|s| s.phase.as_deref()) {
        Some("Unknown") => 1,
        Some("Running") => 2,
        _ => 0,
    }
}

pub(super) fn deletion_cost(p: &Pod) -> i32 {
    p.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(POD_DELETION_COST))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

pub(super) fn max_restarts(p: &Pod) -> i32 {
    p.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .map(|cs| cs.iter().map(|c| c.restart_count).max().unwrap_or(0))
        .unwrap_or(0)
}

/// `int(log2(now - t))` in nanoseconds, -1 for a time not in the past.
fn log_rank(t_ms: i64, now_ms: i64) -> i64 {
    let d_ns = (now_ms - t_ms) as f64 * 1e6;
    if d_ns > 0.0 {
        d_ns.log2() as i64
    } else {
        -1
    }
}

fn uid(p: &Pod) -> &str {
    p.metadata.uid.as_deref().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_start_slow_and_double() {
        let sizes = |n| slow_start_batches(n).collect::<Vec<_>>();
        assert_eq!(sizes(0), Vec::<usize>::new());
        assert_eq!(sizes(1), [1]);
        assert_eq!(sizes(10), [1, 2, 4, 3]);
        assert_eq!(sizes(BURST_REPLICAS), [1, 2, 4, 8, 16, 32, 64, 128, 245]);
    }

    #[test]
    fn failed_syncs_back_off_exponentially() {
        assert_eq!(failure_backoff_ms(1), 5);
        assert_eq!(failure_backoff_ms(4), 40);
        assert_eq!(failure_backoff_ms(12), 10_240);
        assert_eq!(failure_backoff_ms(60), 1_000_000);
    }
    use k8s_openapi::api::core::v1::{PodCondition, PodSpec, PodStatus};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
    use std::sync::Arc;

    const NOW: i64 = 1_800_000_000_000;

    fn time(ms: i64) -> Time {
        Time(k8s_openapi::jiff::Timestamp::from_millisecond(ms).unwrap())
    }

    fn pod(
        name: &str,
        node: &str,
        phase: &str,
        ready_ago_s: Option<i64>,
        created_ago_s: i64,
    ) -> Arc<Object> {
        let conditions = ready_ago_s.map(|s| {
            vec![PodCondition {
                type_: "Ready".into(),
                status: "True".into(),
                last_transition_time: Some(time(NOW - s * 1000)),
                ..Default::default()
            }]
        });
        Arc::new(Object::from(Pod {
            metadata: crate::api::ObjectMeta {
                name: Some(name.into()),
                uid: Some(format!("uid-{name}")),
                creation_timestamp: Some(time(NOW - created_ago_s * 1000)),
                ..Default::default()
            },
            spec: Some(PodSpec {
                node_name: (!node.is_empty()).then(|| node.to_string()),
                ..Default::default()
            }),
            status: Some(PodStatus {
                phase: Some(phase.into()),
                conditions,
                ..Default::default()
            }),
        }))
    }

    fn names(v: &[&Object]) -> Vec<String> {
        v.iter().map(|o| o.name().to_string()).collect()
    }

    /// Every pod, first to go first.
    fn order(pods: &[Arc<Object>]) -> Vec<String> {
        let pods: Vec<&Object> = pods.iter().map(|p| &**p).collect();
        names(&deletion_order(&pods, &pods, NOW, pods.len()))
    }

    #[test]
    fn unscheduled_pending_and_unready_pods_go_first() {
        let pods = vec![
            pod("running", "w1", "Running", Some(100), 200),
            pod("unscheduled", "", "Pending", None, 200),
            pod("pending", "w1", "Pending", None, 200),
            pod("unready", "w1", "Running", None, 200),
        ];
        assert_eq!(
            order(&pods),
            ["unscheduled", "pending", "unready", "running"]
        );
    }

    #[test]
    fn crowded_nodes_lose_pods_first() {
        let pods = vec![
            pod("a", "w1", "Running", Some(100), 200),
            pod("b", "w2", "Running", Some(100), 200),
            pod("c", "w2", "Running", Some(100), 200),
        ];
        assert_eq!(
            order(&pods)[2],
            "a",
            "the pod alone on its node stays longest"
        );
    }

    #[test]
    fn newer_ready_pods_go_first_on_a_log_scale() {
        // Ready 10 s vs 1,000 s: different log2 buckets, the younger goes first.
        let pods = vec![
            pod("old", "w1", "Running", Some(1000), 2000),
            pod("young", "w2", "Running", Some(10), 2000),
        ];
        assert_eq!(order(&pods), ["young", "old"]);
        // 100 s vs 101 s fall in the same bucket (2^46 ns ≈ 70 s .. 2^47 ≈ 141 s): UID order.
        let pods = vec![
            pod("b", "w1", "Running", Some(101), 2000),
            pod("a", "w2", "Running", Some(100), 2000),
        ];
        assert_eq!(order(&pods), ["a", "b"]);
    }

    #[test]
    fn a_scale_down_by_n_deletes_the_first_n_of_the_full_order() {
        let nodes = ["w1", "w2", "w3"];
        let pods: Vec<Arc<Object>> = (0..40)
            .map(|i| {
                let ready = (i % 4 != 0).then_some(10 + (i * 37) % 500);
                let phase = if i % 7 == 0 { "Pending" } else { "Running" };
                pod(
                    &format!("p{i:02}"),
                    nodes[i as usize % 3],
                    phase,
                    ready,
                    600,
                )
            })
            .collect();
        let refs: Vec<&Object> = pods.iter().map(|p| &**p).collect();
        let full = order(&pods);
        for n in 0..=refs.len() {
            assert_eq!(
                names(&deletion_order(&refs, &refs, NOW, n)),
                full[..n],
                "scale-down by {n}"
            );
        }
    }

    #[test]
    fn deletion_cost_overrides_age() {
        let mut cheap = (*pod("cheap", "w1", "Running", Some(1000), 2000)).clone();
        cheap
            .metadata_mut()
            .annotations
            .get_or_insert_with(Default::default)
            .insert(POD_DELETION_COST.into(), "-10".into());
        let pods = vec![pod("young", "w2", "Running", Some(10), 20), Arc::new(cheap)];
        assert_eq!(order(&pods), ["cheap", "young"]);
    }
}
