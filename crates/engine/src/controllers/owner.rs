//! Ownership: `metadata.ownerReferences` with `controller: true`, and the claim step every
//! workload controller runs before counting its pods (`controller_ref_manager.go`): adopt
//! orphans whose labels match the selector, release owned pods whose labels stopped matching.

use crate::api::selector::Selector;
use crate::api::{Kind, Object, ObjectKey, ObjectMeta, Pod};
use crate::apiserver::ApiServer;
use crate::store::{Store, WatchEvent, WatchEventType};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use std::collections::{BTreeMap, BTreeSet};
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
                    let _ = api.modify(&pod.key(), |o| remove_owner_ref(o, &uid));
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

/// Drops the references to the owner with this uid (a release).
pub fn remove_owner_ref(obj: &mut Object, owner_uid: &str) {
    let meta = obj.metadata_mut();
    if let Some(refs) = meta.owner_references.as_mut() {
        refs.retain(|r| r.uid != owner_uid);
        if refs.is_empty() {
            meta.owner_references = None;
        }
    }
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

/// What a pod controller's sync reads of one pod, kept in a [`PodIndex`] without holding
/// the pod itself (holding it would make every kubelet status write copy the pod).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PodFacts {
    /// The pod's labels, interned in the index ([`PodIndex::labels`]).
    pub labels: u32,
    /// [`is_pod_active`].
    pub active: bool,
    /// A deletion timestamp is set.
    pub deleting: bool,
    /// [`is_pod_ready`].
    pub ready: bool,
    /// [`ready_since_ms`].
    pub ready_since: Option<i64>,
    /// The node the pod is bound to, interned in the index ([`PodIndex::node_name`]; the
    /// empty name for a pod not scheduled yet).
    pub node: u32,
    /// Of the pod's phase, what the scale-down ranking reads
    /// ([`super::replica_set::phase_ordinal`]).
    pub phase: u8,
    /// The `controller.kubernetes.io/pod-deletion-cost` annotation (0 when absent).
    pub deletion_cost: i32,
    /// The highest restart count of the pod's containers.
    pub restarts: i32,
    /// `metadata.creationTimestamp` in milliseconds since the epoch.
    pub created_ms: Option<i64>,
    /// [`uid_prefix`] of the pod's UID.
    pub uid_prefix: u128,
}

/// The first 16 bytes of a UID as a number, zero-padded: wherever two of these differ, the
/// UIDs compare as strings the same way (a shorter UID that is a prefix of the other pads
/// with zeros and stays lower).
pub fn uid_prefix(uid: &str) -> u128 {
    let mut b = [0u8; 16];
    let n = uid.len().min(16);
    b[..n].copy_from_slice(&uid.as_bytes()[..n]);
    u128::from_be_bytes(b)
}

impl PodFacts {
    /// [`is_pod_available`] of the pod these facts describe.
    pub fn available(&self, min_ready_seconds: i32, now_ms: i64) -> bool {
        self.ready
            && (min_ready_seconds <= 0
                || self
                    .ready_since
                    .is_some_and(|t| t + i64::from(min_ready_seconds) * 1000 <= now_ms))
    }
}

/// How many of one controller's pods with one label set are active, and active and ready:
/// a sync reads its status counters from these instead of visiting every pod.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Pods counted, active or not.
    pub pods: u32,
    /// [`PodFacts::active`] pods.
    pub active: u32,
    /// Active pods that are ready.
    pub active_ready: u32,
}

impl Tally {
    fn add(&mut self, f: &PodFacts, sign: i32) {
        let step = |n: &mut u32, yes: bool| {
            if yes {
                *n = n.wrapping_add_signed(sign);
            }
        };
        step(&mut self.pods, true);
        step(&mut self.active, f.active);
        step(&mut self.active_ready, f.active && f.ready);
    }
}

/// The pods of one controller, by name, and their tallies by interned label set.
#[derive(Clone, Debug, Default)]
struct OwnedPods {
    pods: BTreeMap<String, PodFacts>,
    /// One entry per label set with pods (few: a ReplicaSet's pods share their template's).
    tallies: Vec<(u32, Tally)>,
}

impl OwnedPods {
    fn count(&mut self, f: &PodFacts, sign: i32) {
        let i = match self.tallies.iter().position(|(id, _)| *id == f.labels) {
            Some(i) => i,
            None => {
                self.tallies.push((f.labels, Tally::default()));
                self.tallies.len() - 1
            }
        };
        self.tallies[i].1.add(f, sign);
        if self.tallies[i].1.pods == 0 {
            self.tallies.swap_remove(i);
        }
    }
}

/// The pods of one namespace by controller.
#[derive(Clone, Debug, Default)]
struct NamespacePods {
    /// Pods with a controller reference, by the controller's uid.
    owned: BTreeMap<String, OwnedPods>,
    /// Pods without one, by name.
    orphans: BTreeMap<String, PodFacts>,
}

/// The pods of the store grouped by namespace and controller uid, for a controller that
/// counts its pods on every sync (the informer index `controller-uid` of client-go's pod
/// informer, in effect): a sync reads its own pods instead of every pod of the namespace.
///
/// The index follows the watch events ([`PodIndex::observe`]) and its owner's own writes
/// ([`PodIndex::refresh`]). It is exact whenever the store's last pod write is the last one
/// it saw; [`PodIndex::ensure`] rebuilds it from the store otherwise (a pod written by
/// another component whose event has not been dispatched yet), so a sync never reads
/// anything but the store's current pods.
#[derive(Clone, Debug, Default)]
pub struct PodIndex {
    /// The pod revision (`Store::kind_revision(Pod)`) the index reflects.
    revision: u64,
    /// The namespaces indexed: those an owner was synced in. Pods elsewhere (a namespace
    /// without ReplicaSets) cost a set look-up per event, not an index update; an index no
    /// sync has used (none) costs nothing per event.
    indexed: BTreeSet<String>,
    namespaces: BTreeMap<String, NamespacePods>,
    /// Each indexed pod's controller uid (`None`: orphan), to move it when that changes.
    placed: BTreeMap<ObjectKey, Option<String>>,
    /// Interned label sets.
    label_sets: Vec<BTreeMap<String, String>>,
    /// Interned label sets by a hash of their text (FNV-1a), each hash listing the sets that
    /// have it: finding a pod's set hashes it once instead of comparing whole maps.
    label_ids: BTreeMap<u64, Vec<u32>>,
    /// Interned node names ([`PodFacts::node`]).
    node_names: Vec<String>,
    node_ids: BTreeMap<String, u32>,
}

impl PodIndex {
    /// Makes the index reflect the store's pods now, `namespace` included.
    pub fn ensure(&mut self, store: &Store, namespace: &str) {
        let current = self.is_current(store);
        if !self.indexed.contains(namespace) {
            self.indexed.insert(namespace.to_string());
            if current {
                for pod in store.list(Kind::Pod, Some(namespace)) {
                    self.place(&pod.key(), pod);
                }
            }
        }
        if !current {
            self.rebuild(store);
        }
        #[cfg(debug_assertions)]
        self.assert_matches(store);
    }

    /// Whether the index reflects the store's pods now (before a write of the index's
    /// owner, see [`PodIndex::refresh`]).
    pub fn is_current(&self, store: &Store) -> bool {
        !self.indexed.is_empty() && self.revision == store.kind_revision(Kind::Pod)
    }

    /// Follows one watch event.
    pub fn observe(&mut self, ev: &WatchEvent) {
        if self.indexed.is_empty() || ev.key.kind != Kind::Pod || ev.revision <= self.revision {
            return;
        }
        self.revision = ev.revision;
        if !self.indexed.contains(ev.key.namespace.as_str()) {
            return;
        }
        match ev.event_type {
            WatchEventType::Deleted => self.unplace(&ev.key),
            _ => self.place(&ev.key, &ev.object),
        }
    }

    /// Takes the stored state of the pod `key` after the index's owner wrote it. `was_current`
    /// is [`PodIndex::is_current`] just before the write: a write through the API server
    /// changes that one pod only, so an index current before it is current after it.
    pub fn refresh(&mut self, store: &Store, key: &ObjectKey, was_current: bool) {
        if self.indexed.contains(key.namespace.as_str()) {
            match store.get(key) {
                Some(obj) => self.place(key, obj),
                None => self.unplace(key),
            }
        }
        if was_current {
            self.revision = store.kind_revision(Kind::Pod);
        }
    }

    /// The pods in `namespace` controlled by the object with this uid, by name.
    pub fn owned<'a>(
        &'a self,
        namespace: &str,
        owner_uid: &str,
    ) -> impl Iterator<Item = (&'a String, &'a PodFacts)> + 'a {
        self.namespaces
            .get(namespace)
            .and_then(|n| n.owned.get(owner_uid))
            .into_iter()
            .flat_map(|o| &o.pods)
    }

    /// The tallies of the pods in `namespace` controlled by the object with this uid, one
    /// per label set (in no particular order).
    pub fn tallies(&self, namespace: &str, owner_uid: &str) -> &[(u32, Tally)] {
        self.namespaces
            .get(namespace)
            .and_then(|n| n.owned.get(owner_uid))
            .map_or(&[], |o| &o.tallies)
    }

    /// The facts of one pod in `namespace` controlled by the object with this uid.
    pub fn get(&self, namespace: &str, owner_uid: &str, name: &str) -> Option<&PodFacts> {
        self.namespaces
            .get(namespace)?
            .owned
            .get(owner_uid)?
            .pods
            .get(name)
    }

    /// The pods in `namespace` without a controller, by name.
    pub fn orphans<'a>(
        &'a self,
        namespace: &str,
    ) -> impl Iterator<Item = (&'a String, &'a PodFacts)> + 'a {
        self.namespaces
            .get(namespace)
            .map(|n| &n.orphans)
            .into_iter()
            .flatten()
    }

    /// An interned label set.
    pub fn labels(&self, id: u32) -> &BTreeMap<String, String> {
        &self.label_sets[id as usize]
    }

    /// An interned node name ([`PodFacts::node`]).
    pub fn node_name(&self, id: u32) -> &str {
        &self.node_names[id as usize]
    }

    /// How many node names are interned: every [`PodFacts::node`] is below it.
    pub fn node_count(&self) -> usize {
        self.node_names.len()
    }

    fn intern_node(&mut self, name: &str) -> u32 {
        if let Some(id) = self.node_ids.get(name) {
            return *id;
        }
        let id = self.node_names.len() as u32;
        self.node_names.push(name.to_string());
        self.node_ids.insert(name.to_string(), id);
        id
    }

    fn rebuild(&mut self, store: &Store) {
        self.namespaces.clear();
        self.placed.clear();
        let indexed = std::mem::take(&mut self.indexed);
        for ns in &indexed {
            for pod in store.list(Kind::Pod, Some(ns)) {
                self.place(&pod.key(), pod);
            }
        }
        self.indexed = indexed;
        self.revision = store.kind_revision(Kind::Pod);
    }

    fn intern(&mut self, labels: Option<&BTreeMap<String, String>>) -> u32 {
        static EMPTY: BTreeMap<String, String> = BTreeMap::new();
        let labels = labels.unwrap_or(&EMPTY);
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for (k, v) in labels {
            for b in k.bytes().chain([0xfe]).chain(v.bytes()).chain([0xff]) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x100_0000_01b3);
            }
        }
        let ids = self.label_ids.entry(h).or_default();
        if let Some(id) = ids
            .iter()
            .find(|&&id| self.label_sets[id as usize] == *labels)
        {
            return *id;
        }
        let id = self.label_sets.len() as u32;
        self.label_sets.push(labels.clone());
        ids.push(id);
        id
    }

    fn facts(&mut self, obj: &Object) -> Option<PodFacts> {
        use super::replica_set::{deletion_cost, max_restarts, node_of, phase_ordinal};
        let pod = obj.as_::<Pod>()?;
        Some(PodFacts {
            labels: self.intern(pod.metadata.labels.as_ref()),
            active: is_pod_active(pod),
            deleting: pod.metadata.deletion_timestamp.is_some(),
            ready: is_pod_ready(pod),
            ready_since: ready_since_ms(pod),
            node: self.intern_node(node_of(pod)),
            phase: phase_ordinal(pod),
            deletion_cost: deletion_cost(pod),
            restarts: max_restarts(pod),
            created_ms: pod
                .metadata
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.as_millisecond()),
            uid_prefix: uid_prefix(pod.metadata.uid.as_deref().unwrap_or_default()),
        })
    }

    fn place(&mut self, key: &ObjectKey, obj: &Object) {
        let Some(facts) = self.facts(obj) else {
            return;
        };
        let owner = controller_ref(obj.metadata()).map(|r| r.uid.as_str());
        // Most events are status writes of a pod already indexed under the same controller:
        // found where it belongs, it is updated there (a pod is indexed in one place only).
        if let Some(ns) = self.namespaces.get_mut(key.namespace.as_str()) {
            let name = key.name.as_str();
            match owner {
                None => {
                    if let Some(f) = ns.orphans.get_mut(name) {
                        *f = facts;
                        return;
                    }
                }
                Some(uid) => {
                    if let Some(owned) = ns.owned.get_mut(uid) {
                        if let Some(f) = owned.pods.get_mut(name) {
                            let old = std::mem::replace(f, facts);
                            owned.count(&facts, 1);
                            owned.count(&old, -1);
                            return;
                        }
                    }
                }
            }
        }
        match self.placed.get(key) {
            Some(old) if old.as_deref() == owner => {}
            Some(_) => {
                self.unplace(key);
                self.placed.insert(key.clone(), owner.map(str::to_string));
            }
            None => {
                self.placed.insert(key.clone(), owner.map(str::to_string));
            }
        }
        let ns = match self.namespaces.get_mut(key.namespace.as_str()) {
            Some(ns) => ns,
            None => self.namespaces.entry(key.namespace.clone()).or_default(),
        };
        match owner {
            None => match ns.orphans.get_mut(key.name.as_str()) {
                Some(f) => *f = facts,
                None => {
                    ns.orphans.insert(key.name.clone(), facts);
                }
            },
            Some(uid) => {
                let owned = match ns.owned.get_mut(uid) {
                    Some(owned) => owned,
                    None => ns.owned.entry(uid.to_string()).or_default(),
                };
                owned.count(&facts, 1);
                match owned.pods.get_mut(key.name.as_str()) {
                    Some(f) => {
                        let old = std::mem::replace(f, facts);
                        owned.count(&old, -1);
                    }
                    None => {
                        owned.pods.insert(key.name.clone(), facts);
                    }
                }
            }
        }
    }

    fn unplace(&mut self, key: &ObjectKey) {
        let Some(owner) = self.placed.remove(key) else {
            return;
        };
        let Some(ns) = self.namespaces.get_mut(key.namespace.as_str()) else {
            return;
        };
        match owner {
            None => {
                ns.orphans.remove(key.name.as_str());
            }
            Some(uid) => {
                if let Some(owned) = ns.owned.get_mut(&uid) {
                    if let Some(f) = owned.pods.remove(key.name.as_str()) {
                        owned.count(&f, -1);
                    }
                    if owned.pods.is_empty() {
                        ns.owned.remove(&uid);
                    }
                }
            }
        }
    }

    /// Debug builds check on every use that the index equals one built from the store.
    #[cfg(debug_assertions)]
    fn assert_matches(&self, store: &Store) {
        type Entry<'a> = (
            &'a str,
            Option<&'a str>,
            &'a str,
            &'a BTreeMap<String, String>,
            (bool, bool, bool, Option<i64>),
            (&'a str, u8, i32, i32, Option<i64>, u128),
        );
        fn entries(ix: &PodIndex) -> Vec<Entry<'_>> {
            let mut out = Vec::new();
            for (ns, pods) in &ix.namespaces {
                let all = pods
                    .owned
                    .iter()
                    .flat_map(|(uid, m)| m.pods.iter().map(move |e| (Some(uid.as_str()), e)))
                    .chain(pods.orphans.iter().map(|e| (None, e)));
                for (uid, (name, f)) in all {
                    let flags = (f.active, f.deleting, f.ready, f.ready_since);
                    let rank = (
                        ix.node_name(f.node),
                        f.phase,
                        f.deletion_cost,
                        f.restarts,
                        f.created_ms,
                        f.uid_prefix,
                    );
                    let labels = ix.labels(f.labels);
                    out.push((ns.as_str(), uid, name.as_str(), labels, flags, rank));
                }
            }
            out.sort();
            out
        }
        // The tallies count the pods they stand for.
        for owned in self.namespaces.values().flat_map(|n| n.owned.values()) {
            let mut recount = OwnedPods::default();
            for f in owned.pods.values() {
                recount.count(f, 1);
            }
            let (mut a, mut b) = (owned.tallies.clone(), recount.tallies);
            a.sort_by_key(|(id, _)| *id);
            b.sort_by_key(|(id, _)| *id);
            assert_eq!(a, b, "the pod index's tallies differ from its pods");
        }
        let mut fresh = PodIndex {
            indexed: self.indexed.clone(),
            ..PodIndex::default()
        };
        fresh.rebuild(store);
        assert!(
            entries(self) == entries(&fresh) && self.placed == fresh.placed,
            "the pod index differs from the store"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::uid_prefix;

    #[test]
    fn uid_prefixes_order_as_the_uids_wherever_they_differ() {
        let uids = [
            "",
            "0",
            "0a",
            "0a1b2c3d-0000-4000-8000-000000000000",
            "0a1b2c3d-0000-4000-8000-000000000001",
            "0a1b2c3d-0000-4001-8000-000000000000",
            "9",
            "f0000000-0000-4000-8000-000000000000",
        ];
        for a in uids {
            for b in uids {
                let (pa, pb) = (uid_prefix(a), uid_prefix(b));
                if pa != pb {
                    assert_eq!(pa.cmp(&pb), a.cmp(b), "{a:?} vs {b:?}");
                }
            }
        }
        // UIDs that differ after their 16th byte tie: the store breaks those ties.
        assert_eq!(
            uid_prefix("0a1b2c3d-0000-4000-8000-000000000000"),
            uid_prefix("0a1b2c3d-0000-4000-8000-000000000001")
        );
    }
}
