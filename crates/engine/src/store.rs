//! The store: an etcd-like versioned map of objects with a log of changes.
//!
//! Every write bumps the global revision, which becomes the object's `resourceVersion`.
//! The map is persistent (structure-shared), so a snapshot is O(1).

use crate::api::{Kind, Object, ObjectKey};
use imbl::OrdMap;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What happened to an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchEventType {
    Added,
    Modified,
    Deleted,
}

/// One change, as a watch would deliver it.
#[derive(Clone, Debug)]
pub struct WatchEvent {
    pub revision: u64,
    pub event_type: WatchEventType,
    pub key: ObjectKey,
    /// The object after the change (before it, for `Deleted`).
    pub object: Arc<Object>,
}

/// An immutable view of the store at one revision.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub revision: u64,
    pub objects: OrdMap<ObjectKey, Arc<Object>>,
}

impl Snapshot {
    /// The object with this key.
    pub fn get(&self, key: &ObjectKey) -> Option<&Arc<Object>> {
        self.objects.get(key)
    }
    /// Objects of one kind, in one namespace or (`None`) in all, ordered by namespace and name.
    pub fn list<'a>(
        &'a self,
        kind: Kind,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Arc<Object>> + 'a {
        let start = ObjectKey {
            kind,
            namespace: namespace.unwrap_or("").to_string(),
            name: String::new(),
        };
        self.objects
            .range(start..)
            .take_while(move |(k, _)| {
                k.kind == kind && namespace.is_none_or(|ns| k.namespace == ns)
            })
            .map(|(_, v)| v)
    }
}

/// The versioned object map and its change log.
#[derive(Clone, Debug, Default)]
pub struct Store {
    data: Snapshot,
    log: Vec<WatchEvent>,
    /// Open client watches (`kubectl get -w`): each keeps the changes logged since it was
    /// opened until its reader takes them. The components drain [`Store::log`] as the cluster
    /// settles, so a client that reads later needs its own copy. Opening one is a read (a
    /// watch request), hence the cell.
    watches: RefCell<BTreeMap<u64, Vec<WatchEvent>>>,
    next_watch: Cell<u64>,
    /// The revision of the last change to any object of a kind: lets a component keep
    /// something derived from a whole kind (the Service environment variables) until that
    /// kind changes.
    kind_revisions: BTreeMap<Kind, u64>,
    /// How many objects of each kind are stored: listing a kind with none is free.
    kind_counts: BTreeMap<Kind, usize>,
    /// How many objects of each kind each namespace holds (namespaced kinds): listing a
    /// namespace's objects of a kind it has none of is free too. Controllers ask that of
    /// every pod event (owners of an orphan pod in its namespace).
    namespace_counts: BTreeMap<Kind, BTreeMap<String, usize>>,
}

/// A client watch opened with [`Store::open_watch`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct WatchId(u64);

impl Store {
    /// The current revision (the last `resourceVersion` handed out).
    pub fn revision(&self) -> u64 {
        self.data.revision
    }
    /// Reserves the next revision.
    pub(crate) fn next_revision(&mut self) -> u64 {
        self.data.revision += 1;
        self.data.revision
    }
    pub fn get(&self, key: &ObjectKey) -> Option<&Arc<Object>> {
        self.data.get(key)
    }
    pub fn list<'a>(
        &'a self,
        kind: Kind,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Arc<Object>> + 'a {
        // Controllers list the kinds they own for every change they see; most kinds have no
        // objects at all on a given cluster.
        let any = match namespace {
            Some(ns) => self.count_in(kind, ns) > 0,
            None => self.count(kind) > 0,
        };
        any.then(|| self.data.list(kind, namespace))
            .into_iter()
            .flatten()
    }
    /// The revision of the last change to an object of `kind` (0: none since the start).
    pub fn kind_revision(&self, kind: Kind) -> u64 {
        self.kind_revisions.get(&kind).copied().unwrap_or(0)
    }
    /// Number of stored objects of a kind.
    pub fn count(&self, kind: Kind) -> usize {
        self.kind_counts.get(&kind).copied().unwrap_or(0)
    }
    /// The keys of the pods bound to `node` (`spec.nodeName`), in store order: what a
    /// kubelet's pod informer lists, and what the node controller marks when the node fails.
    pub fn pods_on_node(&self, node: &str) -> Vec<ObjectKey> {
        self.list(Kind::Pod, None)
            .filter(|o| {
                o.as_::<crate::api::Pod>()
                    .and_then(|p| p.spec.as_ref())
                    .and_then(|s| s.node_name.as_deref())
                    == Some(node)
            })
            .map(|o| o.key())
            .collect()
    }
    /// Number of stored objects of a kind in one namespace (`""`: the cluster-scoped ones).
    pub fn count_in(&self, kind: Kind, namespace: &str) -> usize {
        self.namespace_counts
            .get(&kind)
            .and_then(|m| m.get(namespace))
            .copied()
            .unwrap_or(0)
    }
    fn count_namespace(&mut self, key: &ObjectKey, added: bool) {
        let per_ns = self.namespace_counts.entry(key.kind).or_default();
        match per_ns.get_mut(key.namespace.as_str()) {
            Some(n) if added => *n += 1,
            Some(n) => {
                *n -= 1;
                if *n == 0 {
                    per_ns.remove(key.namespace.as_str());
                }
            }
            None if added => {
                per_ns.insert(key.namespace.clone(), 1);
            }
            None => debug_assert!(false, "removed {key} was not counted"),
        }
    }
    /// Stores an object (already stamped with `revision`) and logs the change.
    pub(crate) fn put(&mut self, revision: u64, obj: Object) -> Arc<Object> {
        let key = obj.key();
        self.put_keyed(revision, key, obj)
    }
    /// [`Store::put`] with the object's key already at hand (`key` must be `obj.key()`).
    pub(crate) fn put_keyed(&mut self, revision: u64, key: ObjectKey, obj: Object) -> Arc<Object> {
        debug_assert_eq!(key, obj.key());
        self.kind_revisions.insert(key.kind, revision);
        let obj = Arc::new(obj);
        let event_type = if self.data.objects.insert(key.clone(), obj.clone()).is_some() {
            WatchEventType::Modified
        } else {
            *self.kind_counts.entry(key.kind).or_insert(0) += 1;
            self.count_namespace(&key, true);
            WatchEventType::Added
        };
        self.log.push(WatchEvent {
            revision,
            event_type,
            key,
            object: obj.clone(),
        });
        self.record_for_watches();
        obj
    }
    /// Changes a stored object in place and logs the change. The object is copied only when
    /// someone else still holds it (a snapshot, an undelivered watch event); otherwise the
    /// write costs no copy at all.
    pub(crate) fn modify_in_place(
        &mut self,
        revision: u64,
        key: &ObjectKey,
        f: impl FnOnce(&mut Object),
    ) -> Option<Arc<Object>> {
        let slot = self.data.objects.get_mut(key)?;
        f(Arc::make_mut(slot));
        self.kind_revisions.insert(key.kind, revision);
        let obj = slot.clone();
        self.log.push(WatchEvent {
            revision,
            event_type: WatchEventType::Modified,
            key: key.clone(),
            object: obj.clone(),
        });
        self.record_for_watches();
        Some(obj)
    }

    /// Removes an object and logs the deletion.
    pub(crate) fn remove(&mut self, revision: u64, key: &ObjectKey) -> Option<Arc<Object>> {
        let old = self.data.objects.remove(key)?;
        self.kind_revisions.insert(key.kind, revision);
        if let Some(n) = self.kind_counts.get_mut(&key.kind) {
            *n = n.saturating_sub(1);
        }
        self.count_namespace(key, false);
        self.log.push(WatchEvent {
            revision,
            event_type: WatchEventType::Deleted,
            key: key.clone(),
            object: old.clone(),
        });
        self.record_for_watches();
        Some(old)
    }
    /// Takes the changes logged since the last call.
    pub(crate) fn drain_log(&mut self) -> Vec<WatchEvent> {
        std::mem::take(&mut self.log)
    }
    /// True when changes are waiting to be dispatched.
    pub(crate) fn has_pending(&self) -> bool {
        !self.log.is_empty()
    }
    /// An O(1) immutable snapshot of every object.
    pub fn snapshot(&self) -> Snapshot {
        self.data.clone()
    }

    /// Copies the change just logged to every open client watch (nothing when none is open).
    fn record_for_watches(&mut self) {
        let watches = self.watches.get_mut();
        if watches.is_empty() {
            return;
        }
        if let Some(ev) = self.log.last() {
            for pending in watches.values_mut() {
                pending.push(ev.clone());
            }
        }
    }

    /// Opens a client watch at the current revision, as a watch request with the
    /// `resourceVersion` of a list just read: every change after it is kept for
    /// [`Store::take_watch_events`] until [`Store::close_watch`]. While a watch holds an
    /// object, changing that object copies it (see [`Store::modify_in_place`]), so readers take
    /// their events promptly and close the watch when done.
    pub fn open_watch(&self) -> WatchId {
        let id = self.next_watch.get();
        self.next_watch.set(id + 1);
        self.watches.borrow_mut().insert(id, Vec::new());
        WatchId(id)
    }

    /// The changes logged since the watch was opened or last read, oldest first (none once it
    /// is closed).
    pub fn take_watch_events(&self, id: WatchId) -> Vec<WatchEvent> {
        self.watches
            .borrow_mut()
            .get_mut(&id.0)
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Closes a client watch; its undelivered changes are dropped.
    pub fn close_watch(&self, id: WatchId) {
        self.watches.borrow_mut().remove(&id.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{ConfigMap, ObjectMeta};

    fn config_map(name: &str) -> Object {
        Object::from(ConfigMap {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some("default".into()),
                ..Default::default()
            },
            ..Default::default()
        })
    }

    #[test]
    fn a_client_watch_sees_changes_after_it_opened_even_once_the_log_is_drained() {
        let mut s = Store::default();
        let r = s.next_revision();
        s.put(r, config_map("before"));
        let w = s.open_watch();
        let r = s.next_revision();
        let key = s.put(r, config_map("a")).key();
        let r = s.next_revision();
        s.modify_in_place(r, &key, |_| {});
        s.drain_log();
        let r = s.next_revision();
        s.remove(r, &key);
        let seen: Vec<(WatchEventType, String)> = s
            .take_watch_events(w)
            .iter()
            .map(|e| (e.event_type, e.key.name.clone()))
            .collect();
        assert_eq!(
            seen,
            vec![
                (WatchEventType::Added, "a".to_string()),
                (WatchEventType::Modified, "a".to_string()),
                (WatchEventType::Deleted, "a".to_string()),
            ]
        );
        assert!(
            s.take_watch_events(w).is_empty(),
            "events are handed out once"
        );
        s.close_watch(w);
        let r = s.next_revision();
        s.put(r, config_map("after"));
        assert!(
            s.take_watch_events(w).is_empty(),
            "a closed watch collects nothing"
        );
    }
}
