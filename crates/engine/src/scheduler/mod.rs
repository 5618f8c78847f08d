//! The default-scheduler: watches pods and nodes, keeps a [`Cache`] of per-node usage, and
//! binds each pending pod to the best node its filters allow (`pkg/scheduler`).
//!
//! One scheduling cycle per pod: filter every node ([`framework::FILTER_PLUGINS`]); if none
//! fits, run PostFilter ([`preemption`]) and write `PodScheduled=False` plus a
//! `FailedScheduling` event; otherwise score the feasible nodes
//! ([`framework::SCORE_PLUGINS`]), take the best (ties broken by the seeded `scheduler`
//! stream), assume the pod into the cache and bind it.

pub mod framework;
pub mod node_info;
pub mod plugins;
pub mod preemption;
pub mod queue;

use crate::api::{Kind, Node, Object, ObjectKey, Pod};
use crate::apiserver::{ApiServer, DeleteOptions};
use crate::sim::SimTime;
use crate::store::{WatchEvent, WatchEventType};
use framework::{
    fit_error_message, run_filters, run_scores, truncate_message, PodInfo, ScoreContext, Status,
};
use k8s_openapi::api::core::v1::{PodCondition, PodStatus};
use node_info::{AssignedPod, Cache, NodeChange, NodeInfo};
use preemption::PostFilterResult;
use queue::SchedulingQueue;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The scheduler's name, as pods ask for it in `spec.schedulerName` and as events show it.
pub const DEFAULT_SCHEDULER_NAME: &str = "default-scheduler";
/// `ErrNoNodesAvailable`.
pub const ERR_NO_NODES_AVAILABLE: &str = "no nodes available to schedule pods";

/// The default-scheduler.
#[derive(Default)]
pub struct Scheduler {
    cache: Cache,
    queue: SchedulingQueue,
    /// Pods with a deletion timestamp that still hold their node (preemption must wait).
    terminating: BTreeSet<ObjectKey>,
    /// The node and `metadata.generation` each accounted pod was last accounted with: status
    /// writes (most pod events) change neither, so the pod's requests are not recomputed.
    accounted: BTreeMap<ObjectKey, (i64, String)>,
    /// The agenda woke us for the periodic flush of unschedulable pods.
    flush_due: bool,
    /// The flush wake-up already on the agenda.
    flush_scheduled: Option<SimTime>,
}

/// Whether this scheduler should place the pod: ours by `schedulerName`, not bound, not being
/// deleted, not finished.
pub fn should_schedule(pod: &Pod) -> bool {
    let Some(spec) = &pod.spec else { return false };
    let ours = spec
        .scheduler_name
        .as_deref()
        .unwrap_or(DEFAULT_SCHEDULER_NAME)
        == DEFAULT_SCHEDULER_NAME;
    let bound = spec.node_name.as_deref().is_some_and(|n| !n.is_empty());
    ours && !bound && pod.metadata.deletion_timestamp.is_none() && !is_terminal(pod)
}

/// `Succeeded` or `Failed`: the pod no longer uses its node's resources.
pub fn is_terminal(pod: &Pod) -> bool {
    matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded" | "Failed")
    )
}

/// `UpdatePodCondition`: sets a condition, keeping `lastTransitionTime` when the status did
/// not change; true when anything changed.
pub fn update_pod_condition(
    status: &mut PodStatus,
    mut condition: PodCondition,
    now: SimTime,
) -> bool {
    condition.last_transition_time = Some(now.to_k8s_time());
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    match conditions.iter_mut().find(|c| c.type_ == condition.type_) {
        None => {
            conditions.push(condition);
            true
        }
        Some(old) => {
            if old.status == condition.status {
                condition.last_transition_time = old.last_transition_time.clone();
            }
            let changed = *old != condition;
            *old = condition;
            changed
        }
    }
}

/// Filters interested in a node change (which unschedulable pods it may help).
fn plugins_helped_by(change: &NodeChange) -> Option<BTreeSet<&'static str>> {
    if change.added {
        return None; // every plugin
    }
    let mut s = BTreeSet::new();
    if change.labels {
        s.insert("NodeAffinity");
    }
    if change.taints || change.unschedulable {
        s.insert("TaintToleration");
        s.insert("NodeUnschedulable");
    }
    if change.allocatable {
        s.insert("NodeResourcesFit");
    }
    Some(s)
}

/// Filters interested in a pod releasing its node's resources.
const PLUGINS_HELPED_BY_POD_RELEASE: [&str; 2] = ["NodeResourcesFit", "NodePorts"];

impl Scheduler {
    pub fn new() -> Scheduler {
        Scheduler::default()
    }

    /// The cache (for tests and the UI).
    pub fn cache(&self) -> &Cache {
        &self.cache
    }
    /// The queue (for tests and the UI).
    pub fn queue(&self) -> &SchedulingQueue {
        &self.queue
    }

    /// Sees every change to the store, in order; pods and nodes update the cache and the queue.
    pub fn observe(&mut self, ev: &WatchEvent) {
        match ev.key.kind {
            Kind::Node => self.observe_node(ev),
            Kind::Pod => self.observe_pod(ev),
            // VolumeBinding's events: a claim, volume or class change may bind a pod's claims.
            Kind::PersistentVolumeClaim | Kind::PersistentVolume | Kind::StorageClass => {
                self.queue
                    .move_to_active_if(|rejected| rejected.contains("VolumeBinding"));
            }
            _ => {}
        }
    }

    fn observe_node(&mut self, ev: &WatchEvent) {
        if ev.event_type == WatchEventType::Deleted {
            self.cache.remove_node(&ev.key.name);
            return;
        }
        let Some(node) = ev.object.as_::<Node>() else {
            return;
        };
        let change = self.cache.set_node(node);
        if change.any() {
            match plugins_helped_by(&change) {
                None => self.queue.move_to_active_if(|_| true),
                Some(helped) => self
                    .queue
                    .move_to_active_if(|rejected| rejected.iter().any(|p| helped.contains(p))),
            };
        }
    }

    fn observe_pod(&mut self, ev: &WatchEvent) {
        let key = &ev.key;
        let Some(pod) = ev.object.as_::<Pod>() else {
            return;
        };
        let node = pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.as_deref())
            .filter(|n| !n.is_empty());
        let gone = ev.event_type == WatchEventType::Deleted || is_terminal(pod);
        if pod.metadata.deletion_timestamp.is_some() && !gone {
            self.terminating.insert(key.clone());
        } else if !self.terminating.is_empty() {
            self.terminating.remove(key);
        }
        let released = match (node, gone) {
            (Some(n), false) => {
                let generation = pod.metadata.generation.unwrap_or(0);
                let same = self
                    .accounted
                    .get(key)
                    .is_some_and(|(g, on)| *g == generation && on == n);
                if same {
                    false
                } else {
                    self.accounted
                        .insert(key.clone(), (generation, n.to_string()));
                    self.cache.set_pod(key.clone(), n, AssignedPod::of(pod))
                }
            }
            _ => {
                self.accounted.remove(key);
                self.cache.remove_pod(key)
            }
        };
        if released {
            self.queue.move_to_active_if(|rejected| {
                PLUGINS_HELPED_BY_POD_RELEASE
                    .iter()
                    .any(|p| rejected.contains(p))
            });
        }
        if !gone && should_schedule(pod) {
            self.queue.add_or_update(key.clone(), ev.object.clone());
        } else {
            self.queue.remove(key);
        }
    }

    /// True when pods wait in the active queue (or a periodic retry is due).
    pub fn has_work(&self) -> bool {
        self.queue.has_active() || self.flush_due
    }

    /// Schedules every pod in the active queue; asks to be woken at `retry_at` for the
    /// periodic retry of unschedulable pods.
    pub fn run(&mut self, api: &mut ApiServer, retry_at: &mut Option<SimTime>) {
        if self.flush_due {
            self.flush_due = false;
            self.flush_scheduled = None;
            self.queue.flush_unschedulable_leftover(api.now());
        }
        while let Some((key, queued)) = self.queue.pop() {
            // The queue's copy goes first, so the binding changes the stored pod in place.
            drop(queued);
            self.schedule_one(api, &key);
        }
        if let Some(next) = self.queue.next_flush() {
            if self.flush_scheduled.is_none_or(|s| next < s) {
                self.flush_scheduled = Some(next);
                *retry_at = Some(next);
            }
        }
    }

    /// Moves unschedulable pods that waited long enough back to the active queue (the agenda's
    /// periodic wake-up; the move happens in the next [`Scheduler::run`], which knows the time).
    pub fn retry_unschedulable(&mut self) {
        self.flush_due = true;
    }

    /// One scheduling cycle for one pod.
    fn schedule_one(&mut self, api: &mut ApiServer, key: &ObjectKey) {
        // Always work on the stored version: status writes must not undo newer changes.
        let Ok(obj) = api.get(key) else { return };
        let Some(pod) = obj.as_::<Pod>() else { return };
        if !should_schedule(pod) {
            return;
        }
        let pi = PodInfo::new(pod);
        let nodes: Vec<&NodeInfo> = self.cache.nodes().collect();
        if let Some(reason) = plugins::volume_binding::pre_filter(api, pod) {
            let message = plugins::volume_binding::pre_filter_message(nodes.len(), &reason);
            self.record_failure(api, &obj, &message, None);
            let rejected = BTreeSet::from(["VolumeBinding"]);
            self.queue
                .add_unschedulable(key.clone(), obj.clone(), api.now(), rejected);
            return;
        }
        if nodes.is_empty() {
            self.record_failure(api, &obj, ERR_NO_NODES_AVAILABLE, None);
            self.queue
                .add_unschedulable(key.clone(), obj.clone(), api.now(), BTreeSet::new());
            return;
        }
        let mut statuses: BTreeMap<String, Status> = BTreeMap::new();
        let mut feasible: Vec<&NodeInfo> = Vec::new();
        for n in &nodes {
            let s = run_filters(&pi, n);
            if s.is_success() {
                feasible.push(n);
            } else {
                statuses.insert(n.name.clone(), s);
            }
        }
        if feasible.is_empty() {
            let terminating = &self.terminating;
            let outcome =
                preemption::post_filter(&pi, &nodes, &statuses, &|k| terminating.contains(k));
            let rejected: BTreeSet<&'static str> = statuses.values().map(|s| s.plugin).collect();
            let num_nodes = nodes.len();
            let (message, nominate) = match outcome {
                PostFilterResult::Unschedulable { message } => (
                    fit_error_message(num_nodes, statuses.values(), None, &message),
                    None,
                ),
                PostFilterResult::Preempt { node, victims } => {
                    self.preempt(api, pod, &node, &victims);
                    (
                        fit_error_message(num_nodes, statuses.values(), None, ""),
                        Some(node),
                    )
                }
            };
            self.record_failure(api, &obj, &message, nominate.as_deref());
            let latest = api.get(key).unwrap_or(obj);
            self.queue
                .add_unschedulable(key.clone(), latest, api.now(), rejected);
            return;
        }
        let chosen = if feasible.len() == 1 {
            feasible[0].name.clone()
        } else {
            let ctx = ScoreContext {
                total_nodes: nodes.len(),
                image_nodes: self.cache.image_nodes(),
            };
            let scores = run_scores(&pi, &feasible, &ctx);
            let best = scores.iter().copied().max().unwrap_or(0);
            let ties: Vec<usize> = (0..feasible.len()).filter(|i| scores[*i] == best).collect();
            let pick = if ties.len() == 1 {
                ties[0]
            } else {
                ties[api.rng().below("scheduler", ties.len() as u64) as usize]
            };
            feasible[pick].name.clone()
        };
        let assigned = pi.assigned();
        self.bind(api, obj, &chosen, assigned);
    }

    /// Assumes the pod onto `node` and writes the binding (`spec.nodeName`, `PodScheduled=True`)
    /// and the `Scheduled` event.
    fn bind(&mut self, api: &mut ApiServer, obj: Arc<Object>, node: &str, assigned: AssignedPod) {
        let Some(pod) = obj.as_::<Pod>() else { return };
        let key = obj.key();
        let generation = pod.metadata.generation;
        self.cache.set_pod(key.clone(), node, assigned);
        // The binding changes neither the spec nor the generation: when its watch event
        // arrives, the assumed pod is already accounted as it will be.
        self.accounted
            .insert(key.clone(), (generation.unwrap_or(0), node.to_string()));
        // Let go of our copy so the store binds the pod in place instead of copying it.
        drop(obj);
        let now = api.now();
        let write = api.modify_status(&key, |o| {
            if let Object::Pod(pod) = o {
                if let Some(spec) = pod.spec.as_mut() {
                    spec.node_name = Some(node.to_string());
                }
                let status = pod.status.get_or_insert_with(Default::default);
                status.nominated_node_name = None;
                let cond = PodCondition {
                    type_: "PodScheduled".into(),
                    status: "True".into(),
                    observed_generation: generation,
                    ..Default::default()
                };
                update_pod_condition(status, cond, now);
            }
        });
        match write {
            Ok(bound) => {
                let msg = [
                    "Successfully assigned ",
                    key.namespace.as_str(),
                    "/",
                    key.name.as_str(),
                    " to ",
                    node.as_ref(),
                ]
                .concat();
                api.record_event(
                    &bound,
                    "Normal",
                    "Scheduled",
                    &msg,
                    DEFAULT_SCHEDULER_NAME,
                    None,
                );
            }
            Err(_) => {
                self.accounted.remove(&key);
                self.cache.remove_pod(&key);
            }
        }
    }

    /// Writes `PodScheduled=False` (reason Unschedulable) and the `FailedScheduling` event.
    fn record_failure(
        &mut self,
        api: &mut ApiServer,
        obj: &Arc<Object>,
        message: &str,
        nominated: Option<&str>,
    ) {
        let Some(mut pod) = obj.as_::<Pod>().cloned() else {
            return;
        };
        let generation = pod.metadata.generation;
        let status = pod.status.get_or_insert_with(Default::default);
        if let Some(n) = nominated {
            status.nominated_node_name = Some(n.to_string());
        }
        let cond = PodCondition {
            type_: "PodScheduled".into(),
            status: "False".into(),
            reason: Some("Unschedulable".into()),
            message: Some(message.to_string()),
            observed_generation: generation,
            ..Default::default()
        };
        update_pod_condition(status, cond, api.now());
        let written = api
            .update_status(Object::from(pod))
            .unwrap_or_else(|_| obj.clone());
        api.record_event(
            &written,
            "Warning",
            "FailedScheduling",
            &truncate_message(message),
            DEFAULT_SCHEDULER_NAME,
            None,
        );
    }

    /// Evicts preemption victims: a `DisruptionTarget` condition, a graceful delete and a
    /// `Preempted` event on each.
    fn preempt(&mut self, api: &mut ApiServer, preemptor: &Pod, node: &str, victims: &[ObjectKey]) {
        let uid = preemptor.metadata.uid.clone().unwrap_or_default();
        for v in victims {
            let Ok(obj) = api.get(v) else { continue };
            let Some(mut victim) = obj.as_::<Pod>().cloned() else {
                continue;
            };
            let generation = victim.metadata.generation;
            let cond = PodCondition {
                type_: "DisruptionTarget".into(),
                status: "True".into(),
                reason: Some("PreemptionByScheduler".into()),
                message: Some(format!(
                    "{DEFAULT_SCHEDULER_NAME}: preempting to accommodate a higher priority pod"
                )),
                observed_generation: generation,
                ..Default::default()
            };
            update_pod_condition(
                victim.status.get_or_insert_with(Default::default),
                cond,
                api.now(),
            );
            let written = api.update_status(Object::from(victim)).unwrap_or(obj);
            let _ = api.delete(v, &DeleteOptions::default(), false);
            api.record_event(
                &written,
                "Normal",
                "Preempted",
                &format!("Preempted by pod {uid} on node {node}"),
                DEFAULT_SCHEDULER_NAME,
                None,
            );
        }
    }
}
