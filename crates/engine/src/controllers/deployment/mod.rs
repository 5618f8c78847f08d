//! The Deployment controller (`pkg/controller/deployment`).
//!
//! A Deployment owns ReplicaSets named `<deployment>-<pod-template-hash>`, one per pod
//! template it has had; the one whose template equals the Deployment's is the *new*
//! ReplicaSet, all others are *old*. A sync ([`sync::sync_deployment`]) claims the
//! ReplicaSets (adoption and release), then either only scales ([`sync`], paused or a
//! replica change) or moves one step of the rollout by its strategy ([`rolling`],
//! [`recreate`]), cleans up history beyond `revisionHistoryLimit` and writes the status and
//! the Progressing/Available conditions ([`progress`]). Rollback is done by kubectl on the
//! client side; [`rollback`] holds the lookups it needs. [`hash`] names templates.
//!
//! The ReplicaSet controller does the pod work: this controller only ever changes
//! ReplicaSets' `spec.replicas` and annotations, and reads their status counters.

pub mod hash;
pub mod progress;
pub mod recreate;
pub mod rollback;
pub mod rolling;
pub mod sync;

use super::owner;
use super::{Action, Controller};
use crate::api::selector::Selector;
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::ApiServer;
use crate::store::{WatchEvent, WatchEventType};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use std::borrow::Borrow;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

/// The revision a ReplicaSet stands for (and, on the Deployment, the current one).
pub const REVISION: &str = "deployment.kubernetes.io/revision";
/// Revisions a reused ReplicaSet had before (a rollback to it), comma-separated.
pub const REVISION_HISTORY: &str = "deployment.kubernetes.io/revision-history";
/// The Deployment's `spec.replicas` when the ReplicaSet was last scaled.
pub const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
/// `spec.replicas + maxSurge` when the ReplicaSet was last scaled (proportional scaling).
pub const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";
/// What caused a revision (`kubectl --record`, or set by hand); copied to the ReplicaSet.
pub const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";
/// kubectl's record of the last applied manifest; never copied to ReplicaSets.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// The annotation of the old extensions/v1beta1 rollback request; never copied.
pub const DEPRECATED_ROLLBACK_TO: &str = "deprecated.deployment.rollback.to";
/// The source of this controller's events.
pub const COMPONENT: &str = "deployment-controller";

/// Deployment annotations that stay on the Deployment: every other one is copied to its new
/// ReplicaSet (`skipCopyAnnotation`), and kubectl copies a ReplicaSet's others back on
/// rollback.
pub fn is_skipped_annotation(key: &str) -> bool {
    matches!(
        key,
        LAST_APPLIED
            | REVISION
            | REVISION_HISTORY
            | DESIRED_REPLICAS
            | MAX_REPLICAS
            | DEPRECATED_ROLLBACK_TO
    )
}

/// A stored object of kind `T`, shared with the store: reading it costs nothing, and a
/// sync copies only what it changes (a ReplicaSet's whole pod template is never copied to
/// read its counters). Dereferences to `T`.
pub struct Shared<T> {
    obj: Arc<Object>,
    _kind: PhantomData<fn() -> T>,
}

/// A ReplicaSet shared with the store.
pub type SharedRs = Shared<ReplicaSet>;

impl<T> Shared<T>
where
    for<'a> &'a T: TryFrom<&'a Object>,
{
    /// `obj` as a `T`; `None` when it is of another kind.
    pub fn new(obj: Arc<Object>) -> Option<Shared<T>> {
        obj.as_::<T>()?;
        Some(Shared {
            obj,
            _kind: PhantomData,
        })
    }

    /// `obj` (a `T`) wrapped up: for an object built here rather than read from the store.
    pub fn from_object(obj: Object) -> Option<Shared<T>> {
        Shared::new(Arc::new(obj))
    }

    /// The object as stored.
    pub fn object(&self) -> &Object {
        &self.obj
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared {
            obj: self.obj.clone(),
            _kind: PhantomData,
        }
    }
}

impl<T> Deref for Shared<T>
where
    for<'a> &'a T: TryFrom<&'a Object>,
{
    type Target = T;
    fn deref(&self) -> &T {
        match <&T>::try_from(&self.obj) {
            Ok(t) => t,
            // `new` checked the kind and the object is never replaced.
            Err(_) => unreachable!("Shared holds an object of its own kind"),
        }
    }
}

impl<T> Borrow<T> for Shared<T>
where
    for<'a> &'a T: TryFrom<&'a Object>,
{
    fn borrow(&self) -> &T {
        self
    }
}

/// The controller.
#[derive(Default)]
pub struct DeploymentController;

impl Controller for DeploymentController {
    fn name(&self) -> &'static str {
        COMPONENT
    }

    fn watches(&self) -> Option<&'static [Kind]> {
        Some(&[Kind::Deployment, Kind::ReplicaSet, Kind::Pod])
    }

    fn keys_for(&self, api: &ApiServer, ev: &WatchEvent, out: &mut Vec<ObjectKey>) {
        super::own_key(ev, Kind::Deployment, out);
        owner::keys_for_dependent(
            api,
            ev,
            Kind::ReplicaSet,
            Kind::Deployment,
            selector_of,
            out,
        );
        // A Recreate rollout waits for every old pod to be gone; only the pod's removal
        // tells it so (the ReplicaSet's counters drop when the pod starts terminating).
        if ev.key.kind == Kind::Pod && ev.event_type == WatchEventType::Deleted {
            if let Some(rs_key) = owner::controller_key(&ev.object, Kind::ReplicaSet) {
                if let Some(rs) = api.store().get(&rs_key) {
                    if let Some(d_key) = owner::controller_key(rs, Kind::Deployment) {
                        let recreate = api.store().get(&d_key).is_some_and(|d| {
                            d.as_::<Deployment>()
                                .is_some_and(|d| strategy_type(d) == "Recreate")
                        });
                        if recreate {
                            out.push(d_key);
                        }
                    }
                }
            }
        }
    }

    fn reconcile(&mut self, api: &mut ApiServer, key: &ObjectKey) -> Action {
        sync::sync_deployment(api, key)
    }
}

/// The selector of a Deployment; `None` when it does not parse.
pub fn selector_of(obj: &Object) -> Option<Selector> {
    match obj {
        Object::Deployment(d) => Selector::from_label_selector(&d.spec.selector).ok(),
        _ => None,
    }
}

/// `spec.strategy.type`, `RollingUpdate` when unset.
pub fn strategy_type(d: &Deployment) -> &str {
    d.spec
        .strategy
        .as_ref()
        .and_then(|s| s.type_.as_deref())
        .unwrap_or("RollingUpdate")
}

/// The Deployment's `spec.replicas` (1 when unset, as defaulting makes it).
pub fn deployment_replicas(d: &Deployment) -> i32 {
    d.spec.replicas.unwrap_or(1)
}

/// A ReplicaSet's `spec.replicas`.
pub fn rs_replicas(rs: &ReplicaSet) -> i32 {
    rs.spec.replicas.unwrap_or(1)
}

/// A ReplicaSet's `status.replicas` (pods it has, ready or not, not terminating).
pub fn rs_actual(rs: &ReplicaSet) -> i32 {
    rs.status.as_ref().map_or(0, |s| s.replicas)
}

/// A ReplicaSet's `status.availableReplicas`.
pub fn rs_available(rs: &ReplicaSet) -> i32 {
    rs.status
        .as_ref()
        .and_then(|s| s.available_replicas)
        .unwrap_or(0)
}

/// A ReplicaSet's `status.readyReplicas`.
pub fn rs_ready(rs: &ReplicaSet) -> i32 {
    rs.status
        .as_ref()
        .and_then(|s| s.ready_replicas)
        .unwrap_or(0)
}

/// The revision annotation of an object as a number; 0 when absent or not a number
/// (`deploymentutil.Revision`).
pub fn revision_of(meta: &crate::api::ObjectMeta) -> i64 {
    meta.annotations
        .as_ref()
        .and_then(|a| a.get(REVISION))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The highest revision among ReplicaSets (`MaxRevision`).
pub fn max_revision<R: Borrow<ReplicaSet>>(rss: &[R]) -> i64 {
    rss.iter()
        .map(|rs| revision_of(&rs.borrow().metadata))
        .max()
        .unwrap_or(0)
}

/// Orders ReplicaSets oldest first, ties by name (`ReplicaSetsByCreationTimestamp`).
pub fn sort_by_creation<R: Borrow<ReplicaSet>>(rss: &mut [R]) {
    crate::sort::sort_by(rss, |a, b| {
        let (a, b) = (a.borrow(), b.borrow());
        let t = |rs: &ReplicaSet| {
            rs.metadata
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.as_millisecond())
        };
        t(a).cmp(&t(b))
            .then_with(|| a.metadata.name.cmp(&b.metadata.name))
    });
}

/// The Deployment's ReplicaSets from the store, split into the new one (whose template is
/// the Deployment's, the oldest if several) and the old ones, without claiming anything.
/// For kubectl (`rollout history`, `rollout undo`, `describe`).
pub fn replica_sets_of(api: &ApiServer, d: &Deployment) -> (Option<ReplicaSet>, Vec<ReplicaSet>) {
    let uid = d.metadata.uid.clone().unwrap_or_default();
    let ns = d.metadata.namespace.as_deref().unwrap_or("");
    let mut all: Vec<ReplicaSet> = api
        .store()
        .list(Kind::ReplicaSet, Some(ns))
        .filter(|o| owner::is_controlled_by(o, &uid))
        .filter_map(|o| o.as_::<ReplicaSet>().cloned())
        .collect();
    sort_by_creation(&mut all);
    split_new_and_old(d, all)
}

/// Splits ReplicaSets (sorted oldest first) into the new one and the old ones
/// (`FindNewReplicaSet`, `FindOldReplicaSets`).
pub fn split_new_and_old<R: Borrow<ReplicaSet>>(
    d: &Deployment,
    all: Vec<R>,
) -> (Option<R>, Vec<R>) {
    let mut new = None;
    let mut old = Vec::new();
    for rs in all {
        let same = new.is_none()
            && rs
                .borrow()
                .spec
                .template
                .as_ref()
                .is_some_and(|t| hash::equal_ignore_hash(t, &d.spec.template));
        if same {
            new = Some(rs);
        } else {
            old.push(rs);
        }
    }
    (new, old)
}
