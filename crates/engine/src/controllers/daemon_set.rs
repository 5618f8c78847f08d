//! The DaemonSet controller (`pkg/controller/daemon`): one pod per eligible node.
//!
//! A sync reads the history (the current ControllerRevision and the old ones), claims the
//! pods, then [`manage`]s: a node that should run the daemon and has no pod gets one, a pod on
//! a node that may no longer run it goes, failed pods are replaced (with a back-off), and a
//! node with several pods keeps the oldest. With the RollingUpdate strategy
//! [`plan_rolling_update`] then replaces pods of old revisions within `maxUnavailable` (or
//! `maxSurge`); with OnDelete only a deleted pod comes back at the new revision. Last, old
//! revisions beyond `revisionHistoryLimit` are deleted and the status counters written.
//!
//! Pods are created with `generateName: <ds>-` and a required node affinity
//! `matchFields metadata.name In [<node>]`, so the default scheduler binds each to its node;
//! they carry the DaemonSet tolerations ([`add_daemon_tolerations`]), the
//! `controller-revision-hash` label and the deprecated `pod-template-generation` label.

use super::history::{self, CONTROLLER_REVISION_HASH};
use super::owner::{self, is_pod_available, is_pod_ready, ready_since_ms};
use super::pod_control;
use super::{Action, Controller};
use crate::api::selector::Selector;
use crate::api::{ControllerRevision, DaemonSet, Kind, Node, Object, ObjectKey, Pod};
use crate::apiserver::ApiServer;
use crate::scheduler::plugins::node_affinity::spec_matches_node;
use crate::scheduler::plugins::taint_toleration::find_untolerated_taint;
use crate::store::{WatchEvent, WatchEventType};
use k8s_openapi::api::core::v1::{
    Affinity, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, PodSpec,
    PodTemplateSpec, Toleration,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The controller's name, the `source` of its events.
pub const COMPONENT: &str = "daemonset-controller";
/// The pod label holding the template generation it was made from.
pub const POD_TEMPLATE_GENERATION: &str = "pod-template-generation";
/// Failed daemon pods are deleted with a back-off from 1 s doubling up to 15 min.
const FAILED_POD_BACKOFF_MS: (u64, u64) = (1_000, 900_000);

/// The DaemonSet controller. It keeps the failed-pod back-off per DaemonSet and node.
#[derive(Default)]
pub struct DaemonSetController {
    /// (DaemonSet uid, node) → (current delay, when it was last raised), in ms.
    failed_pod_backoff: BTreeMap<(String, String), (u64, u64)>,
    /// Per node, its labels and taints as last seen (`keys_for` only sees the new object):
    /// other node updates, such as kubelet heartbeats, do not concern daemons
    /// (`shouldIgnoreNodeUpdate`).
    node_placement: RefCell<BTreeMap<String, NodePlacement>>,
}

/// What of a node decides where daemons run.
type NodePlacement = (
    Option<BTreeMap<String, String>>,
    Option<Vec<k8s_openapi::api::core::v1::Taint>>,
);

/// Adds the tolerations every daemon pod gets (`AddOrUpdateDaemonPodTolerations`), so node
/// problems and cordoning do not keep or drive daemons off their nodes. A toleration the
/// template already has for the same key, operator and effect is replaced in place.
pub fn add_daemon_tolerations(spec: &mut PodSpec) {
    let mut add = |key: &str, effect: &str| {
        let t = Toleration {
            key: Some(key.into()),
            operator: Some("Exists".into()),
            effect: Some(effect.into()),
            ..Default::default()
        };
        let list = spec.tolerations.get_or_insert_with(Vec::new);
        match list.iter_mut().find(|x| {
            x.key == t.key
                && x.operator.as_deref().unwrap_or("Equal") == "Exists"
                && x.effect == t.effect
        }) {
            Some(existing) => *existing = t,
            None => list.push(t),
        }
    };
    add("node.kubernetes.io/not-ready", "NoExecute");
    add("node.kubernetes.io/unreachable", "NoExecute");
    add("node.kubernetes.io/disk-pressure", "NoSchedule");
    add("node.kubernetes.io/memory-pressure", "NoSchedule");
    add("node.kubernetes.io/pid-pressure", "NoSchedule");
    add("node.kubernetes.io/unschedulable", "NoSchedule");
    if spec.host_network == Some(true) {
        add("node.kubernetes.io/network-unavailable", "NoSchedule");
    }
}

/// Whether a node should run the daemon pod and whether a pod already there may stay
/// (`NodeShouldRunDaemonPod`): the template's `nodeName` (if any), `nodeSelector` and required
/// node affinity must match the node, and its tolerations (with the DaemonSet defaults) must
/// tolerate the node's `NoSchedule`/`NoExecute` taints. A node with an untolerated
/// `NoSchedule` taint only keeps pods it already runs; an untolerated `NoExecute` one does not.
///
/// Example: the control-plane node's `node-role.kubernetes.io/control-plane:NoSchedule` taint
/// gives `(false, true)` for a template without a matching toleration: no new pod there.
pub fn node_should_run(template: &PodTemplateSpec, node: &Node) -> (bool, bool) {
    Placement::of(template).node(node)
}

/// What places a daemon pod: the template's node name, selector, affinity and tolerations
/// with the DaemonSet defaults added. Built once per sync and asked about every node.
pub struct Placement {
    spec: PodSpec,
}

impl Placement {
    pub fn of(template: &PodTemplateSpec) -> Placement {
        // Only what places a pod (not its containers).
        let full = template.spec.as_ref();
        let mut spec = PodSpec {
            node_name: full.and_then(|s| s.node_name.clone()),
            node_selector: full.and_then(|s| s.node_selector.clone()),
            affinity: full.and_then(|s| s.affinity.clone()),
            tolerations: full.and_then(|s| s.tolerations.clone()),
            host_network: full.and_then(|s| s.host_network),
            ..Default::default()
        };
        add_daemon_tolerations(&mut spec);
        Placement { spec }
    }

    /// `(should_run, should_continue)` on `node` (see [`node_should_run`]).
    pub fn node(&self, node: &Node) -> (bool, bool) {
        let spec = &self.spec;
        let name = node.metadata.name.as_deref().unwrap_or("");
        if spec
            .node_name
            .as_deref()
            .is_some_and(|n| !n.is_empty() && n != name)
        {
            return (false, false);
        }
        let empty = BTreeMap::new();
        let labels = node.metadata.labels.as_ref().unwrap_or(&empty);
        if !spec_matches_node(spec, name, labels) {
            return (false, false);
        }
        let taints = node
            .spec
            .as_ref()
            .and_then(|s| s.taints.as_deref())
            .unwrap_or(&[]);
        let tolerations = spec.tolerations.as_deref().unwrap_or(&[]);
        let blocking = |e: &str| e == "NoSchedule" || e == "NoExecute";
        if find_untolerated_taint(taints, tolerations, blocking).is_none() {
            return (true, true);
        }
        let evicting = find_untolerated_taint(taints, tolerations, |e| e == "NoExecute");
        (false, evicting.is_none())
    }
}

/// The node a daemon pod is for: its `nodeName` once bound, before that the single value of
/// its `matchFields metadata.name In [...]` affinity term (`GetTargetNodeName`).
pub fn target_node(pod: &Pod) -> Option<String> {
    let spec = pod.spec.as_ref()?;
    if let Some(n) = spec.node_name.as_ref().filter(|n| !n.is_empty()) {
        return Some(n.clone());
    }
    let terms = &spec
        .affinity
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required_during_scheduling_ignored_during_execution
        .as_ref()?
        .node_selector_terms;
    terms.iter().find_map(|t| {
        t.match_fields.iter().flatten().find_map(|r| {
            let values = r.values.as_deref().unwrap_or(&[]);
            (r.key == "metadata.name" && r.operator == "In" && values.len() == 1)
                .then(|| values[0].clone())
        })
    })
}

/// Replaces the template's required node affinity by one that selects `node` only
/// (`ReplaceDaemonSetPodNodeNameNodeAffinity`); preferred terms are kept.
pub fn pin_to_node(spec: &mut PodSpec, node: &str) {
    let selector = NodeSelector {
        node_selector_terms: vec![NodeSelectorTerm {
            match_fields: Some(vec![NodeSelectorRequirement {
                key: "metadata.name".into(),
                operator: "In".into(),
                values: Some(vec![node.to_string()]),
            }]),
            ..Default::default()
        }],
    };
    let affinity = spec.affinity.get_or_insert_with(Affinity::default);
    let na = affinity
        .node_affinity
        .get_or_insert_with(NodeAffinity::default);
    na.required_during_scheduling_ignored_during_execution = Some(selector);
}

/// What the planning functions need to know about one daemon pod.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DaemonPod {
    pub name: String,
    pub node: String,
    /// Bound to a node (`spec.nodeName` set).
    pub scheduled: bool,
    pub deleting: bool,
    pub phase: String,
    pub created_ms: i64,
    pub ready: bool,
    pub available: bool,
    /// Made from the current revision.
    pub updated: bool,
}

/// Oldest first, bound pods before unbound ones (`podByCreationTimestampAndPhase`).
fn sort_oldest_first(pods: &mut [&DaemonPod]) {
    pods.sort_by(|a, b| {
        b.scheduled
            .cmp(&a.scheduled)
            .then(a.created_ms.cmp(&b.created_ms))
            .then_with(|| a.name.cmp(&b.name))
    });
}

/// One node as [`manage`] sees it.
#[derive(Clone, Debug)]
pub struct NodePlan<'a> {
    pub node: &'a str,
    pub should_run: bool,
    pub should_continue: bool,
    pub pods: Vec<&'a DaemonPod>,
}

/// What a sync does to pods.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// Nodes that get a new pod.
    pub create_on: Vec<String>,
    /// Pods to delete.
    pub delete: Vec<String>,
    /// Failed pods among `delete` (each gets a `FailedDaemonPod` event): (pod, node).
    pub failed: Vec<(String, String)>,
}

/// The core loop (`podsShouldBeOnNode` for every node): create where a pod should run and
/// none is there (a terminating pod counts as there, so a replacement waits for it to go);
/// delete failed and finished pods; keep the oldest of several running pods (with surge, an
/// old and a new pod may share a node until the new one is available); delete every pod of a
/// node that may no longer run the daemon.
pub fn manage(nodes: &[NodePlan], surge: bool, min_ready_ok: impl Fn(&DaemonPod) -> bool) -> Plan {
    let mut plan = Plan::default();
    for n in nodes {
        let exists = !n.pods.is_empty();
        if n.should_run && !exists {
            plan.create_on.push(n.node.to_string());
        } else if n.should_continue {
            let mut running: Vec<&DaemonPod> = Vec::new();
            for p in n.pods.iter().copied().filter(|p| !p.deleting) {
                match p.phase.as_str() {
                    "Failed" => {
                        plan.delete.push(p.name.clone());
                        plan.failed.push((p.name.clone(), n.node.to_string()));
                    }
                    "Succeeded" => plan.delete.push(p.name.clone()),
                    _ => running.push(p),
                }
            }
            sort_oldest_first(&mut running);
            if !surge {
                plan.delete
                    .extend(running.iter().skip(1).map(|p| p.name.clone()));
                continue;
            }
            if running.is_empty() {
                if n.should_run {
                    plan.create_on.push(n.node.to_string());
                }
                continue;
            }
            // With surge: at most the oldest new and the oldest old pod stay; the old one goes
            // once it is not ready or the new one is available.
            let (mut oldest_new, mut oldest_old) = (None, None);
            for p in running {
                let slot = if p.updated {
                    &mut oldest_new
                } else {
                    &mut oldest_old
                };
                if slot.is_none() {
                    *slot = Some(p);
                } else {
                    plan.delete.push(p.name.clone());
                }
            }
            if let (Some(new), Some(old)) = (oldest_new, oldest_old) {
                if !old.ready || min_ready_ok(new) {
                    plan.delete.push(old.name.clone());
                }
            }
        } else if exists {
            plan.delete.extend(
                n.pods
                    .iter()
                    .filter(|p| !p.deleting)
                    .map(|p| p.name.clone()),
            );
        }
    }
    plan
}

/// `intstr.GetScaledValueFromIntOrPercent` rounding up, as both DaemonSet limits do:
/// `25%` of 3 nodes is 1, of 5 nodes 2.
pub fn scaled_up(v: Option<&IntOrString>, total: i32) -> i32 {
    match v {
        None => 0,
        Some(IntOrString::Int(n)) => *n,
        Some(IntOrString::String(s)) => {
            let pct: i64 = s.trim_end_matches('%').parse().unwrap_or(0);
            ((pct * i64::from(total) + 99) / 100) as i32
        }
    }
}

/// The rolling update step (`rollingUpdate` in `update.go`). `nodes` lists every node that
/// should run the daemon or has pods, with its pods that are not being deleted... and those
/// that are (a terminating pod makes its node count as unavailable).
///
/// Without surge: old pods are deleted while fewer than `max_unavailable` nodes lack an
/// available up-to-date pod; the core loop then creates their replacements. An old pod that
/// is not available anyway is replaced at once. Worked example, 3 nodes, maxUnavailable 1:
/// the first sync deletes the old pod of one node; its new pod is created when the old one is
/// gone, and only once that new pod is available is the next old pod deleted.
///
/// With surge: a new pod is created next to an old one on up to `max_surge` nodes at a time,
/// and the old pod is deleted once the new one is available.
pub fn plan_rolling_update(
    nodes: &[(String, bool, Vec<&DaemonPod>)],
    max_surge: i32,
    max_unavailable: i32,
) -> Plan {
    let mut plan = Plan::default();
    if max_surge == 0 {
        let mut unavailable = 0;
        let mut replace = Vec::new();
        let mut candidates = Vec::new();
        for (_, _, pods) in nodes {
            let Some((new, old)) = split_pods(pods) else {
                unavailable += 1;
                continue;
            };
            match (new, old) {
                (None, None) | (Some(_), Some(_)) => unavailable += 1,
                (Some(new), None) => {
                    if !new.available {
                        unavailable += 1;
                    }
                }
                (None, Some(old)) => {
                    if !old.available {
                        replace.push(old.name.clone());
                        unavailable += 1;
                    } else if unavailable < max_unavailable {
                        candidates.push(old.name.clone());
                    }
                }
            }
        }
        let room = (max_unavailable - unavailable).max(0) as usize;
        plan.delete = replace;
        plan.delete.extend(candidates.into_iter().take(room));
        return plan;
    }
    let mut surging = 0;
    let mut allowed = Vec::new();
    let mut candidates = Vec::new();
    for (node, should_run, pods) in nodes {
        let Some((new, old)) = split_pods(pods) else {
            surging += 1;
            continue;
        };
        match (new, old) {
            (_, None) => {}
            (None, Some(old)) => {
                if !old.available {
                    if *should_run {
                        allowed.push(node.clone());
                    } else {
                        plan.delete.push(old.name.clone());
                    }
                } else if *should_run && surging < max_surge {
                    candidates.push(node.clone());
                }
            }
            (Some(new), Some(old)) => {
                if new.available {
                    plan.delete.push(old.name.clone());
                } else {
                    surging += 1;
                }
            }
        }
    }
    let room = (max_surge - surging).max(0) as usize;
    plan.create_on = allowed;
    plan.create_on.extend(candidates.into_iter().take(room));
    plan
}

/// The up-to-date and the old pod of a node, ignoring terminating ones; `None` when there
/// are several of either (`findUpdatedPodsOnNode`).
fn split_pods<'a>(
    pods: &[&'a DaemonPod],
) -> Option<(Option<&'a DaemonPod>, Option<&'a DaemonPod>)> {
    let (mut new, mut old) = (None, None);
    for p in pods.iter().copied().filter(|p| !p.deleting) {
        let slot = if p.updated { &mut new } else { &mut old };
        if slot.is_some() {
            return None;
        }
        *slot = Some(p);
    }
    Some((new, old))
}

/// The status counters of a DaemonSet (`updateDaemonSetStatus`): per node that should run the
/// daemon, its oldest pod decides ready / available / up to date.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counters {
    pub desired: i32,
    pub current: i32,
    pub misscheduled: i32,
    pub ready: i32,
    pub updated: i32,
    pub available: i32,
}

pub fn count(nodes: &[NodePlan]) -> Counters {
    let mut c = Counters::default();
    for n in nodes {
        let mut pods: Vec<&DaemonPod> = n
            .pods
            .iter()
            .copied()
            .filter(|p| !(p.deleting && matches!(p.phase.as_str(), "Failed" | "Succeeded")))
            .collect();
        if !n.should_run {
            if !pods.is_empty() {
                c.misscheduled += 1;
            }
            continue;
        }
        c.desired += 1;
        sort_oldest_first(&mut pods);
        let Some(first) = pods.first() else { continue };
        c.current += 1;
        if first.ready {
            c.ready += 1;
            if first.available {
                c.available += 1;
            }
        }
        if first.updated {
            c.updated += 1;
        }
    }
    c
}

/// The DaemonSet's selector (`None` when it does not parse).
fn selector_of(obj: &Object) -> Option<Selector> {
    Selector::from_label_selector(&obj.as_::<DaemonSet>()?.spec.selector).ok()
}

/// The template generation the API server recorded on the DaemonSet.
fn template_generation(ds: &DaemonSet) -> Option<String> {
    ds.metadata
        .annotations
        .as_ref()?
        .get(crate::api::workloads::DAEMON_SET_TEMPLATE_GENERATION)
        .filter(|g| g.parse::<i64>().is_ok())
        .cloned()
}

impl Controller for DaemonSetController {
    fn name(&self) -> &'static str {
        COMPONENT
    }

    fn watches(&self) -> Option<&'static [Kind]> {
        Some(&[
            Kind::DaemonSet,
            Kind::Pod,
            Kind::Node,
            Kind::ControllerRevision,
        ])
    }

    fn keys_for(&self, api: &ApiServer, ev: &WatchEvent, out: &mut Vec<ObjectKey>) {
        if ev.key.kind == Kind::DaemonSet && super::spec_or_lifecycle_changed(ev) {
            out.push(ev.key.clone());
        }
        owner::keys_for_dependent(api, ev, Kind::Pod, Kind::DaemonSet, selector_of, out);
        match ev.key.kind {
            // A node added or removed, or whose labels or taints changed, may change where
            // daemons belong.
            Kind::Node => {
                let mut seen = self.node_placement.borrow_mut();
                if ev.event_type == WatchEventType::Deleted {
                    seen.remove(&ev.key.name);
                } else {
                    let Some(node) = ev.object.as_::<Node>() else {
                        return;
                    };
                    let (labels, taints) = (
                        node.metadata.labels.as_ref(),
                        node.spec.as_ref().and_then(|s| s.taints.as_ref()),
                    );
                    // Compared before anything is copied: most node writes are heartbeats.
                    if ev.event_type == WatchEventType::Modified
                        && seen
                            .get(&ev.key.name)
                            .is_some_and(|(l, t)| l.as_ref() == labels && t.as_ref() == taints)
                    {
                        return;
                    }
                    seen.insert(ev.key.name.clone(), (labels.cloned(), taints.cloned()));
                }
                out.extend(api.store().list(Kind::DaemonSet, None).map(|d| d.key()));
            }
            Kind::ControllerRevision => {
                if let Some(k) = owner::controller_key(&ev.object, Kind::DaemonSet) {
                    out.push(k);
                }
            }
            _ => {}
        }
    }

    fn reconcile(&mut self, api: &mut ApiServer, key: &ObjectKey) -> Action {
        let Some(obj) = api.store().get(key).cloned() else {
            return Action::Done;
        };
        let Some(ds) = obj.as_::<DaemonSet>().cloned() else {
            return Action::Done;
        };
        let Some(selector) = selector_of(&obj) else {
            return Action::Done;
        };
        if selector.is_empty() {
            api.record_event(
                &obj,
                "Warning",
                "SelectingAll",
                "This daemon set is selecting all pods. A non-empty selector is required.",
                COMPONENT,
                None,
            );
            return Action::Done;
        }
        if ds.metadata.deletion_timestamp.is_some() {
            return Action::Done;
        }
        let Some((hash, old)) = construct_history(api, &obj, &ds, &selector) else {
            return Action::Done;
        };
        let generation = template_generation(&ds);
        let now_ms = api.now().unix_ms() as i64;
        let mut wake = None;

        // Core loop.
        let placement = Placement::of(&ds.spec.template);
        owner::claim_pods(api, &obj, &selector);
        let (pods, nodes) = self.view(api, &obj, &ds, &hash, generation.as_deref(), now_ms);
        let surge = allows_surge(&ds);
        let plans = node_plans(&placement, &nodes, &pods);
        let min_ready = ds.spec.min_ready_seconds.unwrap_or(0);
        let mut plan = manage(&plans, surge, |p| p.available);
        let uid = ds.metadata.uid.clone().unwrap_or_default();
        let now = api.now().ms();
        let mut held = Vec::new();
        for (pod, node) in &plan.failed {
            let k = (uid.clone(), node.clone());
            let (delay, last) = self.failed_pod_backoff.get(&k).copied().unwrap_or((0, 0));
            if delay > 0 && now < last + delay {
                // Still backing off: look again when the back-off ends.
                wake = Some(wake.unwrap_or(u64::MAX).min(last + delay - now));
                held.push(pod.clone());
                continue;
            }
            let next = if delay == 0 {
                FAILED_POD_BACKOFF_MS.0
            } else {
                (delay * 2).min(FAILED_POD_BACKOFF_MS.1)
            };
            self.failed_pod_backoff.insert(k, (next, now));
        }
        plan.delete.retain(|p| !held.contains(p));
        plan.failed.retain(|(p, _)| !held.contains(p));
        for (pod, node) in plan.failed.clone() {
            let msg = format!(
                "Found failed daemon pod {}/{pod} on node {node}, will try to kill it",
                ds.metadata.namespace.as_deref().unwrap_or("")
            );
            api.record_event(&obj, "Warning", "FailedDaemonPod", &msg, COMPONENT, None);
        }
        // Pods for nodes that no longer exist never get scheduled: delete them.
        for p in &pods {
            if !p.scheduled && !p.deleting && !nodes.iter().any(|n| n.name() == p.node.as_str()) {
                plan.delete.push(p.name.clone());
            }
        }
        sync_nodes(api, &obj, &ds, &plan, &hash, generation.as_deref());

        // Rolling update.
        let rolling = ds
            .spec
            .update_strategy
            .as_ref()
            .and_then(|s| s.type_.as_deref())
            .unwrap_or("RollingUpdate")
            == "RollingUpdate";
        if rolling {
            let (pods, nodes) = self.view(api, &obj, &ds, &hash, generation.as_deref(), now_ms);
            let plans = node_plans(&placement, &nodes, &pods);
            let desired = plans.iter().filter(|n| n.should_run).count() as i32;
            let ru = ds
                .spec
                .update_strategy
                .as_ref()
                .and_then(|s| s.rolling_update.as_ref());
            let mut max_surge = scaled_up(ru.and_then(|r| r.max_surge.as_ref()), desired);
            let mut max_unavailable =
                scaled_up(ru.and_then(|r| r.max_unavailable.as_ref()), desired);
            if desired > 0 && max_surge == 0 && max_unavailable == 0 {
                max_unavailable = 1;
            }
            if !surge {
                max_surge = 0;
            }
            let rows: Vec<(String, bool, Vec<&DaemonPod>)> = plans
                .iter()
                .filter(|n| n.should_run || !n.pods.is_empty())
                .map(|n| (n.node.to_string(), n.should_run, n.pods.clone()))
                .collect();
            let step = plan_rolling_update(&rows, max_surge, max_unavailable);
            sync_nodes(api, &obj, &ds, &step, &hash, generation.as_deref());
        }

        cleanup_history(api, &obj, &ds, old);

        // Status, from the pods after this sync's writes.
        let (pods, nodes) = self.view(api, &obj, &ds, &hash, generation.as_deref(), now_ms);
        let plans = node_plans(&placement, &nodes, &pods);
        let c = count(&plans);
        write_status(api, &obj, &c);
        if min_ready > 0 && c.ready != c.available {
            let next = pods
                .iter()
                .filter(|p| p.ready && !p.available)
                .filter_map(|p| {
                    let pod =
                        api.store()
                            .get(&ObjectKey::new(Kind::Pod, obj.namespace(), &p.name))?;
                    ready_since_ms(pod.as_::<Pod>()?)
                })
                .map(|t| (t + i64::from(min_ready) * 1000 - now_ms).max(0) as u64)
                .min();
            if let Some(ms) = next {
                wake = Some(wake.unwrap_or(u64::MAX).min(ms));
            }
        }
        match wake {
            Some(ms) => Action::RequeueAfter(ms),
            None => Action::Done,
        }
    }
}

impl DaemonSetController {
    /// The DaemonSet's pods (as [`DaemonPod`]s) and the cluster's nodes, read from the store.
    fn view(
        &self,
        api: &ApiServer,
        obj: &Object,
        ds: &DaemonSet,
        hash: &str,
        generation: Option<&str>,
        now_ms: i64,
    ) -> (Vec<DaemonPod>, Vec<Arc<Object>>) {
        let uid = ds.metadata.uid.clone().unwrap_or_default();
        let min_ready = ds.spec.min_ready_seconds.unwrap_or(0);
        let pods = api
            .store()
            .list(Kind::Pod, Some(obj.namespace()))
            .filter(|p| owner::is_controlled_by(p, &uid))
            .filter_map(|p| p.as_::<Pod>())
            .filter_map(|p| {
                let node = target_node(p)?;
                let labels = p.metadata.labels.as_ref();
                let label = |k: &str| labels.and_then(|l| l.get(k)).map(String::as_str);
                let updated = label(CONTROLLER_REVISION_HASH) == Some(hash)
                    || (generation.is_some() && label(POD_TEMPLATE_GENERATION) == generation);
                Some(DaemonPod {
                    name: p.metadata.name.clone().unwrap_or_default(),
                    node,
                    scheduled: p.spec.as_ref().is_some_and(|s| s.node_name.is_some()),
                    deleting: p.metadata.deletion_timestamp.is_some(),
                    phase: p
                        .status
                        .as_ref()
                        .and_then(|s| s.phase.clone())
                        .unwrap_or_default(),
                    created_ms: p
                        .metadata
                        .creation_timestamp
                        .as_ref()
                        .map_or(0, |t| t.0.as_millisecond()),
                    ready: is_pod_ready(p),
                    available: is_pod_available(p, min_ready, now_ms),
                    updated,
                })
            })
            .collect();
        // The store's nodes, shared rather than copied (this runs several times per sync).
        let nodes = api
            .store()
            .list(Kind::Node, None)
            .filter(|n| n.as_::<Node>().is_some())
            .cloned()
            .collect();
        (pods, nodes)
    }
}

/// Whether the rolling update may surge (a non-zero `maxSurge`).
fn allows_surge(ds: &DaemonSet) -> bool {
    let ru = ds
        .spec
        .update_strategy
        .as_ref()
        .filter(|s| s.type_.as_deref().unwrap_or("RollingUpdate") == "RollingUpdate")
        .and_then(|s| s.rolling_update.as_ref());
    scaled_up(ru.and_then(|r| r.max_surge.as_ref()), 1) > 0
}

/// Every node with its eligibility and its daemon pods, in node-name order (Kubernetes
/// walks a map here; Kubarium's order is deterministic).
fn node_plans<'a>(
    placement: &Placement,
    nodes: &'a [Arc<Object>],
    pods: &'a [DaemonPod],
) -> Vec<NodePlan<'a>> {
    nodes
        .iter()
        .filter_map(|o| o.as_::<Node>())
        .map(|n| {
            let name = n.metadata.name.as_deref().unwrap_or("");
            let (should_run, should_continue) = placement.node(n);
            NodePlan {
                node: name,
                should_run,
                should_continue,
                pods: pods.iter().filter(|p| p.node == name).collect(),
            }
        })
        .collect()
}

/// The template a daemon pod is made from (`CreatePodTemplate`): the DaemonSet's, with the
/// daemon tolerations, the template generation and the revision hash as labels.
pub fn daemon_pod_template(
    ds: &DaemonSet,
    hash: &str,
    generation: Option<&str>,
) -> PodTemplateSpec {
    let mut template = ds.spec.template.clone();
    add_daemon_tolerations(template.spec.get_or_insert_with(Default::default));
    let labels = template
        .metadata
        .get_or_insert_with(Default::default)
        .labels
        .get_or_insert_with(Default::default);
    if let Some(g) = generation {
        labels.insert(POD_TEMPLATE_GENERATION.into(), g.to_string());
    }
    labels.insert(CONTROLLER_REVISION_HASH.into(), hash.to_string());
    template
}

/// Deletes and creates what the plan says (`syncNodes`), with the controller's events.
fn sync_nodes(
    api: &mut ApiServer,
    obj: &Object,
    ds: &DaemonSet,
    plan: &Plan,
    hash: &str,
    generation: Option<&str>,
) {
    if !plan.create_on.is_empty() {
        let template = daemon_pod_template(ds, hash, generation);
        let prefix = pod_control::pods_prefix(obj.name());
        for node in plan
            .create_on
            .iter()
            .take(super::replica_set::BURST_REPLICAS)
        {
            let mut pod = pod_control::pod_from_template(&template, obj, &prefix, None);
            pin_to_node(pod.spec.get_or_insert_with(Default::default), node);
            if pod_control::create_pod(api, obj, pod, COMPONENT).is_err() {
                break;
            }
        }
    }
    for name in plan.delete.iter().take(super::replica_set::BURST_REPLICAS) {
        let key = ObjectKey::new(Kind::Pod, obj.namespace(), name);
        pod_control::delete_pod(api, obj, &key, COMPONENT);
    }
}

/// The current revision's hash and the old revisions (`constructHistory`): the revision whose
/// data equals the template is current (created if missing, renumbered to the top if an older
/// one matches: a rollback); the rest are history.
fn construct_history(
    api: &mut ApiServer,
    obj: &Object,
    ds: &DaemonSet,
    selector: &Selector,
) -> Option<(String, Vec<Arc<Object>>)> {
    let revisions = history::claim_revisions(api, obj, selector);
    let template = &ds.spec.template;
    let (current, old): (Vec<Arc<Object>>, Vec<Arc<Object>>) = revisions
        .into_iter()
        .partition(|r| history::matches_template(r, template));
    let next = history::max_revision(&old) + 1;
    let cur = match current.last() {
        None => {
            let mut collisions = ds
                .status
                .as_ref()
                .and_then(|s| s.collision_count)
                .unwrap_or(0);
            let start = collisions;
            let hash = history::compute_hash(template, Some(collisions).filter(|c| *c != 0));
            let rev = history::new_revision(obj, template, String::new(), &hash, next);
            let created = history::create_revision(api, obj, rev, &mut collisions, |c| {
                history::compute_hash(template, Some(c).filter(|c| *c != 0))
            });
            if collisions != start {
                let _ = api.modify_status(&obj.key(), |o| {
                    if let Object::DaemonSet(d) = o {
                        d.status
                            .get_or_insert_with(Default::default)
                            .collision_count = Some(collisions);
                    }
                });
            }
            let created = created.ok()?;
            // A revision found under the new name with another hash label keeps its label.
            if created
                .as_::<ControllerRevision>()
                .is_some_and(|r| r.revision != Some(next))
            {
                history::renumber(api, &created, next)?
            } else {
                created
            }
        }
        Some(last) => {
            // Duplicates of the current revision (possible after a hash collision): keep the
            // newest.
            for dup in &current[..current.len() - 1] {
                let _ = api.delete(&dup.key(), &Default::default(), false);
            }
            if history::revision_number(last) < next {
                history::renumber(api, last, next)?
            } else {
                last.clone()
            }
        }
    };
    let hash = cur
        .metadata()
        .labels
        .as_ref()
        .and_then(|l| l.get(CONTROLLER_REVISION_HASH))
        .cloned()
        .unwrap_or_else(|| cur.name().to_string());
    Some((hash, old))
}

/// Deletes the oldest old revisions beyond `revisionHistoryLimit`, skipping any that pods
/// still run (`cleanupHistory`).
fn cleanup_history(api: &mut ApiServer, obj: &Object, ds: &DaemonSet, old: Vec<Arc<Object>>) {
    let limit = ds.spec.revision_history_limit.unwrap_or(10).max(0) as usize;
    let mut to_kill = old.len().saturating_sub(limit);
    if to_kill == 0 {
        return;
    }
    let uid = ds.metadata.uid.clone().unwrap_or_default();
    let live: Vec<String> = api
        .store()
        .list(Kind::Pod, Some(obj.namespace()))
        .filter(|p| owner::is_controlled_by(p, &uid))
        .filter_map(|p| {
            p.metadata()
                .labels
                .as_ref()?
                .get(CONTROLLER_REVISION_HASH)
                .cloned()
        })
        .collect();
    for rev in old {
        if to_kill == 0 {
            break;
        }
        let hash = rev
            .metadata()
            .labels
            .as_ref()
            .and_then(|l| l.get(CONTROLLER_REVISION_HASH));
        if hash.is_some_and(|h| live.contains(h)) {
            continue;
        }
        let _ = api.delete(&rev.key(), &Default::default(), false);
        to_kill -= 1;
    }
}

/// Writes the counters when they changed (`storeDaemonSetStatus`).
fn write_status(api: &mut ApiServer, obj: &Object, c: &Counters) {
    let Some(ds) = api
        .store()
        .get(&obj.key())
        .and_then(|o| o.as_::<DaemonSet>().cloned())
    else {
        return;
    };
    let old = ds.status.clone().unwrap_or_default();
    let opt = |n: i32| (n != 0).then_some(n);
    let status = k8s_openapi::api::apps::v1::DaemonSetStatus {
        desired_number_scheduled: c.desired,
        current_number_scheduled: c.current,
        number_misscheduled: c.misscheduled,
        number_ready: c.ready,
        updated_number_scheduled: opt(c.updated),
        number_available: opt(c.available),
        number_unavailable: opt(c.desired - c.available),
        observed_generation: ds.metadata.generation,
        ..old.clone()
    };
    if ds.status.is_some() && status == old {
        return;
    }
    let mut updated = ds;
    updated.status = Some(status);
    let _ = api.update_status(Object::from(updated));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(name: &str, labels: serde_json::Value, taints: serde_json::Value) -> Node {
        serde_json::from_value(json!({
            "metadata": {"name": name, "labels": labels},
            "spec": {"taints": taints}
        }))
        .unwrap()
    }

    fn template(spec: serde_json::Value) -> PodTemplateSpec {
        serde_json::from_value(json!({"metadata": {"labels": {"name": "fluentd"}}, "spec": spec}))
            .unwrap()
    }

    #[test]
    fn control_plane_taint_keeps_new_daemons_off_unless_tolerated() {
        let cp = node(
            "m-k8s",
            json!({}),
            json!([{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]),
        );
        let plain = template(json!({"containers": [{"name": "f"}]}));
        assert_eq!(node_should_run(&plain, &cp), (false, true));
        assert_eq!(
            node_should_run(&plain, &node("w1", json!({}), json!([]))),
            (true, true)
        );
        let tolerant = template(json!({"containers": [{"name": "f"}], "tolerations": [
            {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}
        ]}));
        assert_eq!(node_should_run(&tolerant, &cp), (true, true));
    }

    #[test]
    fn node_selector_and_no_execute_taints() {
        let t =
            template(json!({"containers": [{"name": "f"}], "nodeSelector": {"disktype": "ssd"}}));
        assert_eq!(
            node_should_run(&t, &node("w1", json!({}), json!([]))),
            (false, false)
        );
        assert_eq!(
            node_should_run(&t, &node("w1", json!({"disktype": "ssd"}), json!([]))),
            (true, true)
        );
        let evict = node(
            "w2",
            json!({"disktype": "ssd"}),
            json!([{"key": "x", "effect": "NoExecute"}]),
        );
        assert_eq!(node_should_run(&t, &evict), (false, false));
        // Cordoned and not-ready nodes are tolerated by the DaemonSet defaults.
        let cordoned = node(
            "w3",
            json!({"disktype": "ssd"}),
            json!([
                {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"},
                {"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"}
            ]),
        );
        assert_eq!(node_should_run(&t, &cordoned), (true, true));
    }

    #[test]
    fn default_tolerations_in_kubernetes_order() {
        let mut spec = PodSpec {
            host_network: Some(true),
            ..Default::default()
        };
        add_daemon_tolerations(&mut spec);
        let keys: Vec<_> = spec
            .tolerations
            .unwrap()
            .into_iter()
            .map(|t| format!("{}:{}", t.key.unwrap(), t.effect.unwrap()))
            .collect();
        assert_eq!(
            keys,
            [
                "node.kubernetes.io/not-ready:NoExecute",
                "node.kubernetes.io/unreachable:NoExecute",
                "node.kubernetes.io/disk-pressure:NoSchedule",
                "node.kubernetes.io/memory-pressure:NoSchedule",
                "node.kubernetes.io/pid-pressure:NoSchedule",
                "node.kubernetes.io/unschedulable:NoSchedule",
                "node.kubernetes.io/network-unavailable:NoSchedule",
            ]
        );
    }

    #[test]
    fn pinned_pods_name_their_target_node() {
        let mut spec = PodSpec::default();
        pin_to_node(&mut spec, "w2-k8s");
        let pod = Pod {
            spec: Some(spec),
            ..Default::default()
        };
        assert_eq!(target_node(&pod).as_deref(), Some("w2-k8s"));
    }

    fn dp(name: &str, node: &str, updated: bool, available: bool) -> DaemonPod {
        DaemonPod {
            name: name.into(),
            node: node.into(),
            scheduled: true,
            phase: "Running".into(),
            ready: available,
            available,
            updated,
            ..Default::default()
        }
    }

    #[test]
    fn manage_creates_missing_and_removes_extra_pods() {
        let a = dp("a", "w1", true, true);
        let mut b = dp("b", "w2", true, true);
        b.created_ms = 5;
        let c = dp("c", "w2", true, true);
        let d = dp("d", "w3", true, true);
        let nodes = vec![
            NodePlan {
                node: "w1",
                should_run: true,
                should_continue: true,
                pods: vec![&a],
            },
            NodePlan {
                node: "w2",
                should_run: true,
                should_continue: true,
                pods: vec![&b, &c],
            },
            NodePlan {
                node: "w3",
                should_run: false,
                should_continue: false,
                pods: vec![&d],
            },
            NodePlan {
                node: "w4",
                should_run: true,
                should_continue: true,
                pods: vec![],
            },
        ];
        let plan = manage(&nodes, false, |_| true);
        assert_eq!(plan.create_on, ["w4"]);
        // On w2 the older pod (c, created at 0) stays.
        assert_eq!(plan.delete, ["b", "d"]);
    }

    #[test]
    fn rolling_update_respects_max_unavailable() {
        let old1 = dp("o1", "w1", false, true);
        let old2 = dp("o2", "w2", false, true);
        let old3 = dp("o3", "w3", false, true);
        let rows = vec![
            ("w1".to_string(), true, vec![&old1]),
            ("w2".to_string(), true, vec![&old2]),
            ("w3".to_string(), true, vec![&old3]),
        ];
        assert_eq!(plan_rolling_update(&rows, 0, 1).delete, ["o1"]);
        // w1's old pod is terminating: the node counts as unavailable, nothing else goes.
        let mut gone = old1.clone();
        gone.deleting = true;
        let rows2 = vec![
            ("w1".to_string(), true, vec![&gone]),
            ("w2".to_string(), true, vec![&old2]),
            ("w3".to_string(), true, vec![&old3]),
        ];
        assert!(plan_rolling_update(&rows2, 0, 1).delete.is_empty());
        // The new pod on w1 is available: the next old pod goes.
        let new1 = dp("n1", "w1", true, true);
        let rows3 = vec![
            ("w1".to_string(), true, vec![&new1]),
            ("w2".to_string(), true, vec![&old2]),
            ("w3".to_string(), true, vec![&old3]),
        ];
        assert_eq!(plan_rolling_update(&rows3, 0, 1).delete, ["o2"]);
        assert_eq!(plan_rolling_update(&rows3, 0, 2).delete, ["o2", "o3"]);
    }

    #[test]
    fn rolling_update_with_surge_creates_before_deleting() {
        let old1 = dp("o1", "w1", false, true);
        let old2 = dp("o2", "w2", false, true);
        let rows = vec![
            ("w1".to_string(), true, vec![&old1]),
            ("w2".to_string(), true, vec![&old2]),
        ];
        let plan = plan_rolling_update(&rows, 1, 0);
        assert_eq!(plan.create_on, ["w1"]);
        assert!(plan.delete.is_empty());
        let new1 = dp("n1", "w1", true, true);
        let rows = vec![
            ("w1".to_string(), true, vec![&old1, &new1]),
            ("w2".to_string(), true, vec![&old2]),
        ];
        let plan = plan_rolling_update(&rows, 1, 0);
        assert_eq!(plan.delete, ["o1"]);
        assert_eq!(plan.create_on, ["w2"]);
    }

    #[test]
    fn percentages_round_up() {
        let p = IntOrString::String("25%".into());
        assert_eq!(scaled_up(Some(&p), 3), 1);
        assert_eq!(scaled_up(Some(&p), 5), 2);
        assert_eq!(scaled_up(Some(&IntOrString::Int(2)), 5), 2);
    }

    #[test]
    fn counters_use_the_oldest_pod_per_node() {
        let a = dp("a", "w1", true, true);
        let b = dp("b", "w2", false, false);
        let m = dp("m", "cp", true, true);
        let nodes = vec![
            NodePlan {
                node: "w1",
                should_run: true,
                should_continue: true,
                pods: vec![&a],
            },
            NodePlan {
                node: "w2",
                should_run: true,
                should_continue: true,
                pods: vec![&b],
            },
            NodePlan {
                node: "w3",
                should_run: true,
                should_continue: true,
                pods: vec![],
            },
            NodePlan {
                node: "cp",
                should_run: false,
                should_continue: true,
                pods: vec![&m],
            },
        ];
        assert_eq!(
            count(&nodes),
            Counters {
                desired: 3,
                current: 2,
                misscheduled: 1,
                ready: 1,
                updated: 1,
                available: 1
            }
        );
    }
}
