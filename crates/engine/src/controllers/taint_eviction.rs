//! The taint-eviction controller (`taint-eviction-controller`, the former NoExecute taint
//! manager): pods on a node with `NoExecute` taints they do not tolerate are deleted at once;
//! pods that tolerate them for `tolerationSeconds` are deleted that long after the controller
//! saw the taint (the DefaultTolerationSeconds admission gives every pod 300 s for
//! `node.kubernetes.io/not-ready` and `node.kubernetes.io/unreachable`); pods that tolerate
//! them without a limit stay.
//!
//! A deletion is announced with `TaintManagerEviction` "Marking for deletion Pod ns/name", and
//! the pod gets the `DisruptionTarget` condition (`DeletionByTaintManager`) before it is
//! deleted. When the taints go before the time is up (the node is back), the scheduled
//! deletion is cancelled with "Cancelling deletion of Pod ns/name".
//!
//! Worked example: w1-k8s turns unreachable at 655 s; an nginx pod of a ReplicaSet tolerates
//! `unreachable:NoExecute` for 300 s, so it is marked for deletion at 955 s. It stays
//! `Terminating` (its kubelet is gone), and its ReplicaSet creates a replacement elsewhere.

use super::{Action, Controller};
use crate::api::{Kind, Node, Object, ObjectKey, Pod};
use crate::apiserver::{ApiServer, DeleteOptions};
use crate::scheduler::plugins::taint_toleration::tolerates;
use crate::sim::SimTime;
use crate::store::{WatchEvent, WatchEventType};
use k8s_openapi::api::core::v1::{
    Event, EventSource, ObjectReference, PodCondition, Taint, Toleration,
};
use std::collections::{BTreeMap, BTreeSet};

const NAME: &str = "taint-eviction-controller";

/// A deletion waiting for its time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Scheduled {
    created_at: SimTime,
    fire_at: SimTime,
}

/// The taint-eviction controller.
#[derive(Default)]
pub struct TaintEvictionController {
    /// The NoExecute taints of each tainted node, as last seen.
    tainted: BTreeMap<String, Vec<Taint>>,
    /// Scheduled deletions by pod.
    scheduled: BTreeMap<ObjectKey, Scheduled>,
    /// Pods (by UID) already deleted by this controller.
    fired: BTreeSet<String>,
}

/// What a pod's tolerations say about a node's NoExecute taints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Some taint is not tolerated: delete now.
    EvictNow,
    /// All tolerated, the shortest for this many milliseconds.
    EvictAfter(u64),
    /// All tolerated forever.
    Stay,
}

/// `GetMatchingTolerations` + `getMinTolerationTime`: every taint needs a toleration; the
/// first matching toleration of each counts, and the shortest `tolerationSeconds` among them
/// (≤ 0 meaning at once) decides when the pod goes.
pub fn verdict(taints: &[Taint], tolerations: &[Toleration]) -> Verdict {
    let mut min: Option<i64> = None;
    for taint in taints {
        let Some(t) = tolerations.iter().find(|t| tolerates(t, taint)) else {
            return Verdict::EvictNow;
        };
        if let Some(secs) = t.toleration_seconds {
            min = Some(min.map_or(secs, |m: i64| m.min(secs)));
        }
    }
    match min {
        _ if taints.is_empty() => Verdict::Stay,
        Some(s) if s <= 0 => Verdict::EvictNow,
        Some(s) => Verdict::EvictAfter(s as u64 * 1000),
        None => Verdict::Stay,
    }
}

fn no_execute_taints(node: &Node) -> Vec<Taint> {
    node.spec
        .as_ref()
        .and_then(|s| s.taints.as_ref())
        .map(|ts| {
            ts.iter()
                .filter(|t| t.effect == "NoExecute")
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

fn node_of(pod: &Pod) -> Option<&str> {
    pod.spec.as_ref()?.node_name.as_deref()
}

impl TaintEvictionController {
    pub fn new() -> TaintEvictionController {
        TaintEvictionController::default()
    }

    fn event(&self, api: &mut ApiServer, pod: &ObjectKey, message: String) {
        let now = api.now().to_k8s_time();
        api.emit_event(Event {
            involved_object: ObjectReference {
                api_version: Some("v1".into()),
                kind: Some("Pod".into()),
                name: Some(pod.name.clone()),
                namespace: Some(pod.namespace.clone()),
                ..Default::default()
            },
            reason: Some("TaintManagerEviction".into()),
            message: Some(message),
            source: Some(EventSource {
                component: Some(NAME.into()),
                host: None,
            }),
            first_timestamp: Some(now.clone()),
            last_timestamp: Some(now),
            count: Some(1),
            type_: Some("Normal".into()),
            reporting_component: Some(NAME.into()),
            reporting_instance: Some(String::new()),
            ..Default::default()
        });
    }

    fn cancel(&mut self, api: &mut ApiServer, pod: &ObjectKey) {
        if self.scheduled.remove(pod).is_some() {
            let msg = format!("Cancelling deletion of Pod {}/{}", pod.namespace, pod.name);
            self.event(api, pod, msg);
        }
    }

    /// `processPodOnNode`: (re)schedules the pod's deletion for the node's taints.
    fn process(&mut self, api: &mut ApiServer, key: &ObjectKey, pod: &Pod, taints: &[Taint]) {
        let now = api.now();
        if taints.is_empty() {
            self.cancel(api, key);
            return;
        }
        let tolerations = pod
            .spec
            .as_ref()
            .and_then(|s| s.tolerations.clone())
            .unwrap_or_default();
        match verdict(taints, &tolerations) {
            Verdict::EvictNow => {
                self.cancel(api, key);
                self.scheduled.insert(
                    key.clone(),
                    Scheduled {
                        created_at: now,
                        fire_at: now,
                    },
                );
            }
            Verdict::Stay => self.cancel(api, key),
            Verdict::EvictAfter(ms) => {
                let trigger = now.plus_ms(ms);
                let mut created_at = now;
                if let Some(s) = self.scheduled.get(key).copied() {
                    created_at = s.created_at;
                    if s.created_at.plus_ms(ms) <= trigger {
                        // Keep the earlier deadline, reckoned from when it was first seen.
                        if s.fire_at != s.created_at.plus_ms(ms) {
                            self.cancel(api, key);
                            self.scheduled.insert(
                                key.clone(),
                                Scheduled {
                                    created_at,
                                    fire_at: created_at.plus_ms(ms),
                                },
                            );
                        }
                        return;
                    }
                    self.cancel(api, key);
                }
                self.scheduled.insert(
                    key.clone(),
                    Scheduled {
                        created_at,
                        fire_at: created_at.plus_ms(ms),
                    },
                );
            }
        }
    }

    /// Deletes the pod if its time has come; returns the milliseconds still to wait.
    fn fire_if_due(&mut self, api: &mut ApiServer, key: &ObjectKey) -> Option<u64> {
        let s = self.scheduled.get(key).copied()?;
        let now = api.now();
        if s.fire_at > now {
            return Some(s.fire_at.ms() - now.ms());
        }
        self.scheduled.remove(key);
        let Some(pod) = api.store().get(key).and_then(|o| o.as_::<Pod>().cloned()) else {
            return None;
        };
        let uid = pod.metadata.uid.clone().unwrap_or_default();
        if !self.fired.insert(uid) {
            return None;
        }
        let msg = format!("Marking for deletion Pod {}/{}", key.namespace, key.name);
        self.event(api, key, msg);
        let t = now.to_k8s_time();
        let _ = api.modify_status(key, move |o| {
            if let Object::Pod(p) = o {
                let status = p.status.get_or_insert_with(Default::default);
                let conditions = status.conditions.get_or_insert_with(Vec::new);
                if !conditions
                    .iter()
                    .any(|c| c.type_ == "DisruptionTarget" && c.status == "True")
                {
                    conditions.retain(|c| c.type_ != "DisruptionTarget");
                    conditions.push(PodCondition {
                        type_: "DisruptionTarget".into(),
                        status: "True".into(),
                        reason: Some("DeletionByTaintManager".into()),
                        message: Some("Taint manager: deleting due to NoExecute taint".into()),
                        last_transition_time: Some(t),
                        ..Default::default()
                    });
                }
            }
        });
        api.trace(NAME, format!("delete {key}"));
        let _ = api.delete(key, &DeleteOptions::default(), false);
        None
    }

    fn sync_node(&mut self, api: &mut ApiServer, key: &ObjectKey) -> Action {
        let taints = api
            .store()
            .get(key)
            .and_then(|o| o.as_::<Node>().map(no_execute_taints))
            .unwrap_or_default();
        if taints.is_empty() {
            self.tainted.remove(&key.name);
        } else {
            self.tainted.insert(key.name.clone(), taints.clone());
        }
        let pods: Vec<(ObjectKey, Pod)> = api
            .list(Kind::Pod, None)
            .iter()
            .filter_map(|o| {
                let p = o.as_::<Pod>()?;
                (node_of(p) == Some(key.name.as_str())).then(|| (o.key(), p.clone()))
            })
            .collect();
        let mut next: Option<u64> = None;
        for (pk, pod) in pods {
            if pod
                .metadata
                .uid
                .as_ref()
                .is_some_and(|u| self.fired.contains(u))
            {
                continue;
            }
            self.process(api, &pk, &pod, &taints);
            if let Some(ms) = self.fire_if_due(api, &pk) {
                next = Some(next.map_or(ms, |n| n.min(ms)));
            }
        }
        next.map_or(Action::Done, Action::RequeueAfter)
    }

    fn sync_pod(&mut self, api: &mut ApiServer, key: &ObjectKey) -> Action {
        let Some(pod) = api.store().get(key).and_then(|o| o.as_::<Pod>().cloned()) else {
            self.cancel(api, key);
            return Action::Done;
        };
        let uid = pod.metadata.uid.clone().unwrap_or_default();
        if self.fired.contains(&uid) {
            return Action::Done;
        }
        let Some(taints) = node_of(&pod).and_then(|n| self.tainted.get(n)).cloned() else {
            return Action::Done;
        };
        if !self.scheduled.contains_key(key) {
            self.process(api, key, &pod, &taints);
        }
        match self.fire_if_due(api, key) {
            Some(ms) => Action::RequeueAfter(ms),
            None => Action::Done,
        }
    }
}

impl Controller for TaintEvictionController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn watches(&self) -> Option<&'static [Kind]> {
        Some(&[Kind::Node, Kind::Pod])
    }

    fn keys_for(&self, _api: &ApiServer, ev: &WatchEvent, out: &mut Vec<ObjectKey>) {
        match ev.key.kind {
            Kind::Node => {
                let now = ev
                    .object
                    .as_::<Node>()
                    .filter(|_| ev.event_type != WatchEventType::Deleted)
                    .map(no_execute_taints)
                    .unwrap_or_default();
                let before = self.tainted.get(&ev.key.name).cloned().unwrap_or_default();
                if now != before {
                    out.push(ev.key.clone());
                }
            }
            Kind::Pod => {
                let Some(pod) = ev.object.as_::<Pod>() else {
                    return;
                };
                let on_tainted = node_of(pod).is_some_and(|n| self.tainted.contains_key(n));
                if on_tainted || self.scheduled.contains_key(&ev.key) {
                    out.push(ev.key.clone());
                }
            }
            _ => {}
        }
    }

    fn reconcile(&mut self, api: &mut ApiServer, key: &ObjectKey) -> Action {
        match key.kind {
            Kind::Node => self.sync_node(api, key),
            Kind::Pod => self.sync_pod(api, key),
            _ => Action::Done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taint(key: &str) -> Taint {
        Taint {
            key: key.into(),
            effect: "NoExecute".into(),
            ..Default::default()
        }
    }

    fn toleration(key: &str, secs: Option<i64>) -> Toleration {
        Toleration {
            key: Some(key.into()),
            operator: Some("Exists".into()),
            effect: Some("NoExecute".into()),
            toleration_seconds: secs,
            ..Default::default()
        }
    }

    #[test]
    fn default_tolerations_give_a_pod_five_minutes_on_an_unreachable_node() {
        let tol = vec![
            toleration("node.kubernetes.io/not-ready", Some(300)),
            toleration("node.kubernetes.io/unreachable", Some(300)),
        ];
        assert_eq!(
            verdict(&[taint("node.kubernetes.io/unreachable")], &tol),
            Verdict::EvictAfter(300_000)
        );
    }

    #[test]
    fn an_untolerated_taint_evicts_at_once_and_an_unlimited_toleration_never() {
        let t = [taint("node.kubernetes.io/unreachable")];
        assert_eq!(verdict(&t, &[]), Verdict::EvictNow);
        assert_eq!(
            verdict(&t, &[toleration("node.kubernetes.io/unreachable", None)]),
            Verdict::Stay
        );
        assert_eq!(
            verdict(&t, &[toleration("node.kubernetes.io/unreachable", Some(0))]),
            Verdict::EvictNow
        );
        // The shortest of the used tolerations wins.
        let two = [taint("a"), taint("b")];
        assert_eq!(
            verdict(
                &two,
                &[toleration("a", Some(60)), toleration("b", Some(30))]
            ),
            Verdict::EvictAfter(30_000)
        );
    }
}
