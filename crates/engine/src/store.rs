//! The store: an etcd-like versioned map of objects with a log of changes.
//!
//! Every write bumps the global revision, which becomes the object's `resourceVersion`.
//! The map is persistent (structure-shared), so a snapshot is O(1).

use crate::api::{Kind, Object, ObjectKey};
use imbl::OrdMap;
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
}

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
        self.data.list(kind, namespace)
    }
    /// Number of stored objects of a kind.
    pub fn count(&self, kind: Kind) -> usize {
        self.data.list(kind, None).count()
    }
    /// Stores an object (already stamped with `revision`) and logs the change.
    pub(crate) fn put(&mut self, revision: u64, obj: Object) -> Arc<Object> {
        let key = obj.key();
        let obj = Arc::new(obj);
        let event_type = if self.data.objects.insert(key.clone(), obj.clone()).is_some() {
            WatchEventType::Modified
        } else {
            WatchEventType::Added
        };
        self.log.push(WatchEvent {
            revision,
            event_type,
            key,
            object: obj.clone(),
        });
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
        let obj = slot.clone();
        self.log.push(WatchEvent {
            revision,
            event_type: WatchEventType::Modified,
            key: key.clone(),
            object: obj.clone(),
        });
        Some(obj)
    }

    /// Removes an object and logs the deletion.
    pub(crate) fn remove(&mut self, revision: u64, key: &ObjectKey) -> Option<Arc<Object>> {
        let old = self.data.objects.remove(key)?;
        self.log.push(WatchEvent {
            revision,
            event_type: WatchEventType::Deleted,
            key: key.clone(),
            object: old.clone(),
        });
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
}
