//! The scheduling queue: an active queue ordered like PrioritySort (higher `spec.priority`
//! first, then first come first served) and an unschedulable set.
//!
//! A pod that fails goes to the unschedulable set, remembering which plugins rejected it.
//! Cluster events move it back to the active queue only when they could change one of those
//! plugins' verdicts (a lightweight version of Kubernetes' queueing hints); after
//! [`POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION_MS`] it is retried regardless.

use crate::api::{Object, ObjectKey, Pod};
use crate::sim::SimTime;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// `podMaxInUnschedulablePodsDuration`: 5 minutes.
pub const POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION_MS: u64 = 5 * 60 * 1000;

/// Where a queued pod waits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueueState {
    Active,
    /// Failed at `since`; `plugins` are the filters that rejected it on some node.
    Unschedulable {
        since: SimTime,
        plugins: BTreeSet<&'static str>,
    },
}

#[derive(Clone, Debug)]
struct Entry {
    pod: Arc<Object>,
    priority: i32,
    seq: u64,
    state: QueueState,
}

/// The active queue plus the unschedulable pods.
#[derive(Clone, Debug, Default)]
pub struct SchedulingQueue {
    active: BTreeSet<(Reverse<i32>, u64, ObjectKey)>,
    entries: BTreeMap<ObjectKey, Entry>,
    seq: u64,
}

fn priority_of(obj: &Object) -> i32 {
    obj.as_::<Pod>()
        .and_then(|p| p.spec.as_ref())
        .and_then(|s| s.priority)
        .unwrap_or(0)
}

/// What of a pod can change whether it fits: its spec and labels (not its status, which
/// the scheduler itself writes).
fn scheduling_inputs_changed(old: &Object, new: &Object) -> bool {
    let (Some(a), Some(b)) = (old.as_::<Pod>(), new.as_::<Pod>()) else {
        return true;
    };
    a.spec != b.spec || a.metadata.labels != b.metadata.labels
}

impl SchedulingQueue {
    /// True when pods wait in the active queue.
    pub fn has_active(&self) -> bool {
        !self.active.is_empty()
    }
    /// Number of pods in the active queue.
    pub fn active_len(&self) -> usize {
        self.active.len()
    }
    /// Number of unschedulable pods.
    pub fn unschedulable_len(&self) -> usize {
        self.entries.len() - self.active.len()
    }
    /// The state of a queued pod.
    pub fn state(&self, key: &ObjectKey) -> Option<&QueueState> {
        self.entries.get(key).map(|e| &e.state)
    }

    fn push_active(&mut self, key: ObjectKey, pod: Arc<Object>) {
        self.seq += 1;
        let priority = priority_of(&pod);
        self.active
            .insert((Reverse(priority), self.seq, key.clone()));
        self.entries.insert(
            key,
            Entry {
                pod,
                priority,
                seq: self.seq,
                state: QueueState::Active,
            },
        );
    }

    /// A pod to schedule appeared or changed. New pods join the active queue; an
    /// unschedulable pod whose spec or labels changed is retried.
    pub fn add_or_update(&mut self, key: ObjectKey, pod: Arc<Object>) {
        match self.entries.get_mut(&key) {
            None => self.push_active(key, pod),
            Some(e) => {
                let changed = scheduling_inputs_changed(&e.pod, &pod);
                e.pod = pod;
                if changed && e.state != QueueState::Active {
                    let pod = e.pod.clone();
                    self.entries.remove(&key);
                    self.push_active(key, pod);
                }
            }
        }
    }

    /// Forgets a pod (bound, deleted, or no longer ours).
    pub fn remove(&mut self, key: &ObjectKey) {
        if let Some(e) = self.entries.remove(key) {
            self.active
                .remove(&(Reverse(e.priority), e.seq, key.clone()));
        }
    }

    /// Takes the next pod to schedule off the active queue.
    pub fn pop(&mut self) -> Option<(ObjectKey, Arc<Object>)> {
        let (_, _, key) = self.active.pop_first()?;
        let e = self.entries.remove(&key)?;
        Some((key, e.pod))
    }

    /// Parks a pod that did not fit.
    pub fn add_unschedulable(
        &mut self,
        key: ObjectKey,
        pod: Arc<Object>,
        now: SimTime,
        plugins: BTreeSet<&'static str>,
    ) {
        self.remove(&key);
        self.seq += 1;
        let priority = priority_of(&pod);
        self.entries.insert(
            key,
            Entry {
                pod,
                priority,
                seq: self.seq,
                state: QueueState::Unschedulable {
                    since: now,
                    plugins,
                },
            },
        );
    }

    /// Moves the unschedulable pods for which `interested(rejecting plugins)` holds back to
    /// the active queue, oldest first; returns how many moved.
    pub fn move_to_active_if(
        &mut self,
        interested: impl Fn(&BTreeSet<&'static str>) -> bool,
    ) -> usize {
        self.move_where(|state| matches!(state, QueueState::Unschedulable { plugins, .. } if interested(plugins)))
    }

    /// `flushUnschedulablePodsLeftover`: retries pods unschedulable for 5 minutes or more.
    pub fn flush_unschedulable_leftover(&mut self, now: SimTime) -> usize {
        self.move_where(|state| matches!(state, QueueState::Unschedulable { since, .. } if since.plus_ms(POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION_MS) <= now))
    }

    fn move_where(&mut self, pred: impl Fn(&QueueState) -> bool) -> usize {
        let mut moving: Vec<(u64, ObjectKey)> = self
            .entries
            .iter()
            .filter(|(_, e)| pred(&e.state))
            .map(|(k, e)| (e.seq, k.clone()))
            .collect();
        moving.sort();
        for (_, key) in &moving {
            if let Some(e) = self.entries.remove(key) {
                self.push_active(key.clone(), e.pod);
            }
        }
        moving.len()
    }

    /// When the next unschedulable pod is due for the periodic retry.
    pub fn next_flush(&self) -> Option<SimTime> {
        self.entries
            .values()
            .filter_map(|e| match e.state {
                QueueState::Unschedulable { since, .. } => {
                    Some(since.plus_ms(POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION_MS))
                }
                QueueState::Active => None,
            })
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Kind;
    use serde_json::json;

    fn pod(name: &str, priority: i32, node_selector: Option<&str>) -> (ObjectKey, Arc<Object>) {
        let mut spec = json!({"containers": [{"name": "a"}], "priority": priority});
        if let Some(s) = node_selector {
            spec["nodeSelector"] = json!({"disk": s});
        }
        let p: Pod = serde_json::from_value(
            json!({"metadata": {"name": name, "namespace": "default"}, "spec": spec}),
        )
        .unwrap();
        (
            ObjectKey::new(Kind::Pod, "default", name),
            Arc::new(Object::from(p)),
        )
    }

    #[test]
    fn priority_then_arrival_order() {
        let mut q = SchedulingQueue::default();
        for (name, prio) in [("a", 0), ("b", 10), ("c", 0)] {
            let (k, p) = pod(name, prio, None);
            q.add_or_update(k, p);
        }
        let order: Vec<String> = std::iter::from_fn(|| q.pop().map(|(k, _)| k.name)).collect();
        assert_eq!(order, ["b", "a", "c"]);
    }

    #[test]
    fn unschedulable_pods_move_on_interesting_events_changes_and_flush() {
        let mut q = SchedulingQueue::default();
        let (k, p) = pod("a", 0, Some("ssd"));
        q.add_unschedulable(
            k.clone(),
            p.clone(),
            SimTime(1000),
            ["NodeAffinity"].into_iter().collect(),
        );
        assert_eq!(q.move_to_active_if(|pl| pl.contains("NodeResourcesFit")), 0);
        // A status-only update (the scheduler's own condition) does not retry.
        q.add_or_update(k.clone(), p.clone());
        assert!(!q.has_active());
        assert_eq!(q.next_flush(), Some(SimTime(301_000)));
        assert_eq!(q.flush_unschedulable_leftover(SimTime(300_999)), 0);
        assert_eq!(q.flush_unschedulable_leftover(SimTime(301_000)), 1);
        q.pop();
        q.add_unschedulable(
            k.clone(),
            p,
            SimTime(2000),
            ["NodeAffinity"].into_iter().collect(),
        );
        assert_eq!(q.move_to_active_if(|pl| pl.contains("NodeAffinity")), 1);
        q.pop();
        let (_, p2) = pod("a", 0, Some("hdd"));
        q.add_unschedulable(k.clone(), p2, SimTime(3000), BTreeSet::new());
        let (_, p3) = pod("a", 0, Some("nvme"));
        q.add_or_update(k, p3);
        assert_eq!(q.active_len(), 1);
        assert_eq!(q.unschedulable_len(), 0);
    }
}
