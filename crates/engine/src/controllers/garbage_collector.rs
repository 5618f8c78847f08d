//! The garbage collector (`pkg/controller/garbagecollector`): deletes objects whose owners are
//! gone, and carries out the `orphan` and `foregroundDeletion` finalizers that
//! [`PropagationPolicy`] puts on deleted owners.
//!
//! Kubernetes keeps a graph of every object's owner references (`GraphBuilder`) and runs two
//! queues: *attemptToDelete* (a dependent whose owners may be gone, or an owner waiting for
//! its dependents) and *attemptToOrphan* (an owner whose dependents must let go of it). Here
//! the graph is an index from owner uid to dependent keys kept up to date from watch events,
//! and one reconcile per key does what either queue would:
//!
//! - an owner being deleted with `orphan`: remove its uid from every dependent's
//!   `ownerReferences`, then drop the finalizer (the object then goes);
//! - an owner being deleted with `foregroundDeletion`: delete its dependents (foreground
//!   again for dependents that have dependents themselves, so a Deployment → ReplicaSet → Pod
//!   chain unwinds from the bottom), and drop the finalizer once no dependent with
//!   `blockOwnerDeletion: true` is left;
//! - a dependent: when none of its owners exists any more (or only ones waiting for their
//!   dependents), delete it; when some still exist, remove the references to the others
//!   (an owner is looked up by kind, namespace and name, and counts only if its uid matches);
//! - an object being deleted whose finalizers all went (an update emptied them): remove it,
//!   as the API server does when the last finalizer of a deleted object is taken off.

use super::{Action, Controller};
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{
    ApiServer, DeleteOptions, PropagationPolicy, FINALIZER_DELETE_DEPENDENTS, FINALIZER_ORPHAN,
};
use crate::store::{WatchEvent, WatchEventType};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The owner → dependents index (`uidToNode` of the real graph builder, reduced to what the
/// reconcile needs).
#[derive(Default)]
struct Graph {
    /// Owner uid → keys of objects whose `ownerReferences` name it.
    dependents: BTreeMap<String, BTreeSet<ObjectKey>>,
    /// Dependent key → the owner uids it was indexed under.
    owners: BTreeMap<ObjectKey, Vec<String>>,
}

impl Graph {
    /// Indexes `obj`'s references; true when they differ from what was indexed before.
    fn set(&mut self, key: &ObjectKey, refs: Vec<String>) -> bool {
        let old = self.owners.remove(key).unwrap_or_default();
        if old == refs {
            if !refs.is_empty() {
                self.owners.insert(key.clone(), refs);
            }
            return false;
        }
        for uid in &old {
            if let Some(set) = self.dependents.get_mut(uid) {
                set.remove(key);
                if set.is_empty() {
                    self.dependents.remove(uid);
                }
            }
        }
        for uid in &refs {
            self.dependents
                .entry(uid.clone())
                .or_default()
                .insert(key.clone());
        }
        if !refs.is_empty() {
            self.owners.insert(key.clone(), refs);
        }
        true
    }

    /// Whether `obj`'s references are the ones indexed for `key` (no change to index).
    fn indexed_as(&self, key: &ObjectKey, obj: &Object) -> bool {
        let uids = obj
            .metadata()
            .owner_references
            .iter()
            .flatten()
            .map(|r| &r.uid);
        match self.owners.get(key) {
            Some(old) => old.iter().eq(uids),
            None => uids.count() == 0,
        }
    }

    fn dependents_of(&self, uid: &str) -> Vec<ObjectKey> {
        self.dependents
            .get(uid)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }
}

fn owner_uids(obj: &Object) -> Vec<String> {
    obj.metadata()
        .owner_references
        .iter()
        .flatten()
        .map(|r| r.uid.clone())
        .collect()
}

/// The store key an owner reference points at: same namespace as the dependent for
/// namespaced kinds, none for cluster-scoped ones. `None` for kinds this cluster does not
/// serve (the real collector cannot resolve them either and leaves the dependent alone).
pub fn owner_key(dependent: &Object, r: &OwnerReference) -> Option<ObjectKey> {
    let kind = Kind::from_api_version_kind(&r.api_version, &r.kind)?;
    let ns = if kind.info().namespaced {
        dependent.namespace()
    } else {
        ""
    };
    Some(ObjectKey::new(kind, ns, &r.name))
}

fn has_finalizer(obj: &Object, f: &str) -> bool {
    obj.metadata().finalizers.iter().flatten().any(|x| x == f)
}

fn is_deleting(obj: &Object) -> bool {
    obj.metadata().deletion_timestamp.is_some()
}

/// What an owner reference of a dependent points at now (`classifyReferences`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OwnerState {
    /// The owner exists and is not waiting for its dependents.
    Solid,
    /// No object with that uid exists: the reference dangles.
    Absent,
    /// The owner is being deleted in the foreground and waits for its dependents.
    WaitingForDependents,
    /// The owner's kind is not served: nothing can be said.
    Unknown,
}

/// Classifies one owner reference by a live lookup of the owner: no object of that kind and
/// name, or one with another uid (deleted and re-created), means the reference dangles.
fn owner_state(api: &ApiServer, dependent: &Object, r: &OwnerReference) -> OwnerState {
    let Some(key) = owner_key(dependent, r) else {
        return OwnerState::Unknown;
    };
    match api.store().get(&key) {
        Some(o) if o.metadata().uid.as_deref() == Some(r.uid.as_str()) => {
            if is_deleting(o) && has_finalizer(o, FINALIZER_DELETE_DEPENDENTS) {
                OwnerState::WaitingForDependents
            } else {
                OwnerState::Solid
            }
        }
        _ => OwnerState::Absent,
    }
}

/// The garbage collector controller.
#[derive(Default)]
pub struct GarbageCollector {
    /// Built from a full scan on first use, then kept current by watch events (`keys_for` is
    /// the only place that sees every event, hence the cell).
    graph: RefCell<Option<Graph>>,
}

impl GarbageCollector {
    fn with_graph<R>(&self, api: &ApiServer, f: impl FnOnce(&mut Graph) -> R) -> R {
        let mut cell = self.graph.borrow_mut();
        let graph = cell.get_or_insert_with(|| {
            let mut g = Graph::default();
            for kind in Kind::ALL {
                for obj in api.store().list(*kind, None) {
                    let refs = owner_uids(obj);
                    if !refs.is_empty() {
                        g.set(&obj.key(), refs);
                    }
                }
            }
            g
        });
        f(graph)
    }

    /// The live dependents of the owner with this uid, in key order.
    fn dependents(&self, api: &ApiServer, uid: &str) -> Vec<Arc<Object>> {
        let keys = self.with_graph(api, |g| g.dependents_of(uid));
        keys.iter()
            .filter_map(|k| api.store().get(k).cloned())
            .filter(|d| owner_uids(d).iter().any(|u| u == uid))
            .collect()
    }

    /// `orphanDependents` then `removeFinalizer(orphan)`.
    fn orphan(&self, api: &mut ApiServer, owner: &Object, uid: &str) {
        for d in self.dependents(api, uid) {
            let _ = api.modify(&d.key(), |o| {
                let m = o.metadata_mut();
                if let Some(refs) = m.owner_references.as_mut() {
                    refs.retain(|r| r.uid != uid);
                    if refs.is_empty() {
                        m.owner_references = None;
                    }
                }
            });
            api.trace("garbage-collector", format!("orphaned {}", d.key()));
        }
        remove_finalizer(api, &owner.key(), FINALIZER_ORPHAN);
    }

    /// Deletes the dependents of an owner waiting for them; takes `foregroundDeletion` off
    /// once no blocking dependent is left.
    fn delete_dependents(&self, api: &mut ApiServer, owner: &Object, uid: &str) {
        let mut blocking = false;
        for d in self.dependents(api, uid) {
            let blocks = d
                .metadata()
                .owner_references
                .iter()
                .flatten()
                .any(|r| r.uid == uid && r.block_owner_deletion == Some(true));
            blocking |= blocks;
            if is_deleting(&d) {
                continue;
            }
            // A dependent with a solid owner besides this one stays (its reference to this
            // owner is dropped when it is attempted as a dependent).
            self.attempt_to_delete_dependent(api, &d);
        }
        if !blocking {
            remove_finalizer(api, &owner.key(), FINALIZER_DELETE_DEPENDENTS);
        }
    }

    /// `attemptToDeleteItem` for an object with owner references that is not being deleted.
    fn attempt_to_delete_dependent(&self, api: &mut ApiServer, d: &Object) {
        let refs: Vec<OwnerReference> = d.metadata().owner_references.clone().unwrap_or_default();
        if refs.is_empty() {
            return;
        }
        let states: Vec<OwnerState> = refs.iter().map(|r| owner_state(api, d, r)).collect();
        if states.contains(&OwnerState::Unknown) {
            return;
        }
        let solid = states.contains(&OwnerState::Solid);
        let waiting = states.contains(&OwnerState::WaitingForDependents);
        let dangling = states.contains(&OwnerState::Absent);
        if solid {
            if !dangling && !waiting {
                return;
            }
            // Some owners remain: let go of the others only.
            let gone: BTreeSet<String> = refs
                .iter()
                .zip(&states)
                .filter(|(_, s)| **s != OwnerState::Solid)
                .map(|(r, _)| r.uid.clone())
                .collect();
            let _ = api.modify(&d.key(), |o| {
                if let Some(rs) = o.metadata_mut().owner_references.as_mut() {
                    rs.retain(|r| !gone.contains(&r.uid));
                }
            });
            return;
        }
        let uid = d.metadata().uid.clone().unwrap_or_default();
        let policy = if waiting && !self.dependents(api, &uid).is_empty() {
            PropagationPolicy::Foreground
        } else if has_finalizer(d, FINALIZER_ORPHAN) {
            PropagationPolicy::Orphan
        } else if has_finalizer(d, FINALIZER_DELETE_DEPENDENTS) {
            PropagationPolicy::Foreground
        } else {
            PropagationPolicy::Background
        };
        let opts = DeleteOptions {
            grace_period_seconds: None,
            propagation_policy: Some(policy),
        };
        api.trace(
            "garbage-collector",
            format!("delete {} ({policy:?}): owners gone", d.key()),
        );
        let _ = api.delete(&d.key(), &opts, false);
    }
}

/// Takes one finalizer off; removes the object when it was the last one and the object is
/// being deleted (namespaces wait for their own controller).
fn remove_finalizer(api: &mut ApiServer, key: &ObjectKey, finalizer: &str) {
    let updated = api.modify(key, |o| {
        let m = o.metadata_mut();
        if let Some(fs) = m.finalizers.as_mut() {
            fs.retain(|f| f != finalizer);
            if fs.is_empty() {
                m.finalizers = None;
            }
        }
    });
    if let Ok(obj) = updated {
        remove_if_finalized(api, &obj);
    }
}

/// The API server's rule for deleted objects: once no finalizer is left (and no grace period
/// runs), the object goes.
fn remove_if_finalized(api: &mut ApiServer, obj: &Object) {
    let m = obj.metadata();
    let finalized = m.finalizers.as_ref().is_none_or(|f| f.is_empty());
    if is_deleting(obj)
        && finalized
        && m.deletion_grace_period_seconds.unwrap_or(0) == 0
        && obj.kind() != Kind::Namespace
    {
        api.trace("garbage-collector", format!("{} finalized", obj.key()));
        api.remove(&obj.key());
    }
}

impl Controller for GarbageCollector {
    fn name(&self) -> &'static str {
        "garbage-collector-controller"
    }

    fn keys_for(&self, api: &ApiServer, ev: &WatchEvent, out: &mut Vec<ObjectKey>) {
        if ev.key.kind == Kind::Event {
            return;
        }
        let obj = &ev.object;
        let uid = obj.metadata().uid.as_deref().unwrap_or_default();
        if ev.event_type == WatchEventType::Deleted {
            let dependents = self.with_graph(api, |g| {
                g.set(&ev.key, Vec::new());
                g.dependents_of(&uid)
            });
            // Its dependents may have lost their last owner.
            out.extend(dependents);
            // An owner waiting for its dependents may be done.
            for r in obj.metadata().owner_references.iter().flatten() {
                if let Some(k) = owner_key(obj, r) {
                    if api.store().get(&k).is_some_and(|o| is_deleting(o)) {
                        out.push(k);
                    }
                }
            }
            return;
        }
        // Most events (status writes) leave the references as indexed: no copy of them.
        let changed = self.with_graph(api, |g| {
            !g.indexed_as(&ev.key, obj) && g.set(&ev.key, owner_uids(obj))
        });
        let added = ev.event_type == WatchEventType::Added;
        let has_refs = obj
            .metadata()
            .owner_references
            .as_ref()
            .is_some_and(|r| !r.is_empty());
        if is_deleting(obj) {
            out.push(ev.key.clone());
            if has_finalizer(obj, FINALIZER_DELETE_DEPENDENTS) {
                out.extend(self.with_graph(api, |g| g.dependents_of(uid)));
            }
        } else if has_refs && (changed || added) {
            out.push(ev.key.clone());
        }
    }

    fn reconcile(&mut self, api: &mut ApiServer, key: &ObjectKey) -> Action {
        let Some(obj) = api.store().get(key).cloned() else {
            return Action::Done;
        };
        let uid = obj.metadata().uid.clone().unwrap_or_default();
        if is_deleting(&obj) {
            if has_finalizer(&obj, FINALIZER_ORPHAN) {
                self.orphan(api, &obj, &uid);
            } else if has_finalizer(&obj, FINALIZER_DELETE_DEPENDENTS) {
                self.delete_dependents(api, &obj, &uid);
            } else {
                remove_if_finalized(api, &obj);
            }
            return Action::Done;
        }
        self.attempt_to_delete_dependent(api, &obj);
        Action::Done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> ObjectKey {
        ObjectKey::new(Kind::Pod, "default", name)
    }

    #[test]
    fn graph_tracks_reference_changes() {
        let mut g = Graph::default();
        assert!(g.set(&key("a"), vec!["rs1".into()]));
        assert!(!g.set(&key("a"), vec!["rs1".into()]));
        assert!(g.set(&key("b"), vec!["rs1".into(), "rs2".into()]));
        assert_eq!(g.dependents_of("rs1"), vec![key("a"), key("b")]);
        // Orphaned: the reference goes, and so does the index entry.
        assert!(g.set(&key("a"), vec![]));
        assert_eq!(g.dependents_of("rs1"), vec![key("b")]);
        assert!(g.set(&key("b"), vec![]));
        assert!(g.dependents.is_empty() && g.owners.is_empty());
    }
}
