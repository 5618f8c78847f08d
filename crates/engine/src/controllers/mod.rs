//! Controllers of kube-controller-manager. Each is level-based: it reads the committed store,
//! writes through the API server, and is never told why it runs, so it must be idempotent.
//!
//! The worker loop is the same for every controller (as in `pkg/controller/*`): a watch event
//! is mapped to the keys of the objects it concerns ([`Controller::keys_for`]), the keys wait
//! in a de-duplicating queue, and [`Controller::reconcile`] syncs one key and answers with an
//! [`Action`]: done until something changes, or look again after a simulated delay (a
//! back-off, `minReadySeconds`, a CronJob's next schedule). Unlike client-go there is no
//! informer cache and no expectations: a controller reads the store, which always holds its
//! own writes.

pub mod cron_job;
pub mod daemon_set;
pub mod deployment;
pub mod endpoint_slice;
pub mod endpoints;
pub mod garbage_collector;
pub mod history;
pub mod job;
pub mod namespace;
pub mod node_lifecycle;
pub mod owner;
pub mod pod_control;
pub mod pv_binder;
pub mod replica_set;
pub mod root_ca_publisher;
pub mod service_account;
pub mod service_lb;
pub mod stateful_set;
pub mod taint_eviction;

use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::ApiServer;
use crate::sim::SimTime;
use crate::store::WatchEvent;
use std::collections::{BTreeMap, BTreeSet};

/// What a reconcile asks for next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Nothing more until a watched object changes.
    Done,
    /// Reconcile this key again after this many simulated milliseconds (sooner if something
    /// changes meanwhile).
    RequeueAfter(u64),
}

/// One controller of kube-controller-manager.
pub trait Controller {
    /// The controller's name as kube-controller-manager logs it and as the `source` of its
    /// events (`replicaset-controller`, `deployment-controller`, …).
    fn name(&self) -> &'static str;

    /// The kinds whose watch events the controller looks at (its informers); `None` for
    /// every kind. Events of other kinds reach neither [`Controller::observe`] nor
    /// [`Controller::keys_for`], so the list must name every kind either of them acts on.
    fn watches(&self) -> Option<&'static [Kind]> {
        None
    }

    /// The keys this watch event asks the controller to look at (an owner of a changed pod,
    /// the changed object itself, every selector that may adopt an orphan, …).
    fn keys_for(&self, api: &ApiServer, ev: &WatchEvent, out: &mut Vec<ObjectKey>);

    /// Sees every watch event, in order, before [`Controller::keys_for`]: for a controller
    /// that keeps an index of what it watches (see [`owner::PodIndex`]).
    fn observe(&mut self, _ev: &WatchEvent) {}

    /// Moves the object named by `key` one step toward its spec. The object may be gone.
    fn reconcile(&mut self, api: &mut ApiServer, key: &ObjectKey) -> Action;
}

/// The controllers and their work queues.
pub struct ControllerManager {
    controllers: Vec<Box<dyn Controller>>,
    /// Per controller, keys waiting for a reconcile; ordered, so runs are deterministic.
    queues: Vec<BTreeSet<ObjectKey>>,
    /// Per controller, keys woken by changes to *other* objects (an owner by its pods),
    /// waiting for the end of the current batch window, with the instant they fall due.
    batched: Vec<BTreeMap<ObjectKey, SimTime>>,
    /// Batch wake-ups the cluster must put on its agenda.
    wakes: Vec<(usize, ObjectKey, SimTime)>,
    /// Per kind, the controllers that watch it (see [`Controller::watches`]), in order;
    /// filled as kinds are first seen.
    watchers: BTreeMap<Kind, Vec<usize>>,
}

/// Length of the window in which changes to dependents are batched into one sync of their
/// owner, in simulated milliseconds.
///
/// A real controller's work queue folds the events that arrive while a key waits into one
/// sync; in simulated time every pod changes at its own instant, so without a window a
/// ReplicaSet of 1,000 pods would recount its pods thousands of times. Status counters lag
/// at most this long (kubectl shows seconds).
pub const DEPENDENT_BATCH_MS: u64 = 100;

impl Default for ControllerManager {
    fn default() -> Self {
        ControllerManager::new(vec![
            Box::new(replica_set::ReplicaSetController::replica_set()),
            Box::new(replica_set::ReplicaSetController::replication_controller()),
            Box::new(job::JobController::default()),
            Box::new(cron_job::CronJobController),
            Box::new(deployment::DeploymentController),
            Box::new(garbage_collector::GarbageCollector::default()),
            Box::new(namespace::NamespaceController::default()),
            Box::new(service_account::ServiceAccountController),
            Box::new(daemon_set::DaemonSetController::default()),
            Box::new(stateful_set::StatefulSetController),
            Box::new(taint_eviction::TaintEvictionController::new()),
            Box::new(endpoints::EndpointsController::default()),
            Box::new(endpoint_slice::EndpointSliceController::default()),
            Box::new(service_lb::ServiceLoadBalancerController::default()),
            Box::new(pv_binder::PersistentVolumeController),
            Box::new(crate::network::ingress::controller::IngressNginxController::default()),
            Box::new(crate::network::ingress::controller::WebhookCertgen),
        ])
    }
}

impl ControllerManager {
    /// A manager running these controllers, in this order.
    pub fn new(controllers: Vec<Box<dyn Controller>>) -> ControllerManager {
        let queues = controllers.iter().map(|_| BTreeSet::new()).collect();
        let batched = controllers.iter().map(|_| BTreeMap::new()).collect();
        ControllerManager {
            controllers,
            queues,
            batched,
            wakes: Vec::new(),
            watchers: BTreeMap::new(),
        }
    }

    /// Queues the keys a watch event concerns: at once when the event is about an object of
    /// the key's own kind, at the end of the batch window when it is about another kind
    /// (see [`DEPENDENT_BATCH_MS`]). Only the controllers that watch the event's kind see it.
    pub fn observe(&mut self, api: &ApiServer, ev: &WatchEvent) {
        let mut keys = Vec::new();
        let now = api.now();
        let window_end = SimTime((now.ms() / DEPENDENT_BATCH_MS + 1) * DEPENDENT_BATCH_MS);
        let controllers = &self.controllers;
        let watchers = self.watchers.entry(ev.key.kind).or_insert_with(|| {
            let kind = ev.key.kind;
            (0..controllers.len())
                .filter(|&i| controllers[i].watches().is_none_or(|k| k.contains(&kind)))
                .collect()
        });
        for &i in watchers.iter() {
            let c = &mut self.controllers[i];
            c.observe(ev);
            keys.clear();
            c.keys_for(api, ev, &mut keys);
            for key in keys.drain(..) {
                if key.kind == ev.key.kind {
                    self.queues[i].insert(key);
                } else if !self.batched[i].contains_key(&key) {
                    self.batched[i].insert(key.clone(), window_end);
                    self.wakes.push((i, key, window_end));
                }
            }
        }
        // A controller that acts on a kind it does not declare would miss those events.
        #[cfg(debug_assertions)]
        for (i, c) in self.controllers.iter().enumerate() {
            if !watchers.contains(&i) {
                keys.clear();
                c.keys_for(api, ev, &mut keys);
                debug_assert!(
                    keys.is_empty(),
                    "{} asks for {keys:?} on a {:?} event but does not watch the kind",
                    c.name(),
                    ev.key.kind
                );
            }
        }
    }

    /// Queues every key still waiting for its batch window now; true if there were any.
    /// (Their agenda wake-ups stay and find nothing new: a reconcile is idempotent.)
    pub fn flush_batched(&mut self) -> bool {
        let mut any = false;
        for (batched, queue) in self.batched.iter_mut().zip(&mut self.queues) {
            any |= !batched.is_empty();
            queue.extend(std::mem::take(batched).into_keys());
        }
        any
    }

    /// Batch wake-ups to put on the agenda (see [`ControllerManager::observe`]).
    pub fn take_wakes(&mut self) -> Vec<(usize, ObjectKey, SimTime)> {
        std::mem::take(&mut self.wakes)
    }

    /// Queues `key` for controller `index` (a requeue or a batch window falling due).
    pub fn enqueue(&mut self, index: usize, key: ObjectKey) {
        if let Some(q) = self.queues.get_mut(index) {
            self.batched[index].remove(&key);
            q.insert(key);
        }
    }

    /// Whether any key waits.
    pub fn has_work(&self) -> bool {
        self.queues.iter().any(|q| !q.is_empty())
    }

    /// Reconciles every queued key once. Requeues are returned as `(controller index, key,
    /// delay ms)` for the cluster's agenda.
    pub fn run(&mut self, api: &mut ApiServer, requeue: &mut Vec<(usize, ObjectKey, u64)>) {
        for (i, c) in self.controllers.iter_mut().enumerate() {
            let keys = std::mem::take(&mut self.queues[i]);
            for key in keys {
                if let Action::RequeueAfter(ms) = c.reconcile(api, &key) {
                    requeue.push((i, key, ms));
                }
            }
        }
    }
}

/// Whether a change to a ReplicaSet, ReplicationController or DaemonSet itself can change
/// what its sync does: it appeared or went, its spec changed (`generation` ahead of
/// `status.observedGeneration`), or it is being deleted. Its own status writes and label or
/// annotation edits (a Deployment's revision annotations) cannot: the sync they would start
/// finds nothing to do, so skipping them saves a sync per status write.
pub fn spec_or_lifecycle_changed(ev: &WatchEvent) -> bool {
    if ev.event_type != crate::store::WatchEventType::Modified {
        return true;
    }
    let meta = ev.object.metadata();
    if meta.deletion_timestamp.is_some() {
        return true;
    }
    let observed = match ev.object.as_ref() {
        Object::ReplicaSet(rs) => rs.status.as_ref().and_then(|s| s.observed_generation),
        Object::ReplicationController(rc) => rc.status.as_ref().and_then(|s| s.observed_generation),
        Object::DaemonSet(ds) => ds.status.as_ref().and_then(|s| s.observed_generation),
        _ => return true,
    };
    observed != meta.generation
}

/// Keys of objects of `kind` in the event's namespace, for controllers that watch their own
/// kind: a change to one of them is a reason to sync it.
pub fn own_key(ev: &WatchEvent, kind: Kind, out: &mut Vec<ObjectKey>) {
    if ev.key.kind == kind {
        out.push(ev.key.clone());
    }
}
