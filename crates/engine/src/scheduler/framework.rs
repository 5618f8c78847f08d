//! The scheduling framework: Filter and Score plugins, the `Status` they return, the default
//! profile's plugin table, and the `FitError` message that ends up in FailedScheduling.
//!
//! Shaped like `pkg/scheduler/framework`: each plugin is a small named value; the profile is
//! data ([`FILTER_PLUGINS`], [`SCORE_PLUGINS`]); filters run in table order and a node's first
//! failing filter decides its reasons; scores are normalized per plugin, weighted and summed.

use super::node_info::{AssignedPod, HostPort, NodeInfo, PodResources};
use super::plugins;
use crate::api::Pod;
use std::collections::BTreeMap;

/// The highest score a plugin gives a node (`framework.MaxNodeScore`).
pub const MAX_NODE_SCORE: i64 = 100;

/// How a plugin judged a pod (`framework.Code`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    Success,
    /// The node does not fit now, but removing pods from it (preemption) might help.
    Unschedulable,
    /// The node does not fit and preemption cannot change that.
    UnschedulableAndUnresolvable,
}

/// A plugin's verdict: a code and the reasons shown to the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub code: Code,
    pub reasons: Vec<String>,
    /// The plugin that returned it.
    pub plugin: &'static str,
}

impl Status {
    /// The node fits.
    pub fn success() -> Status {
        Status {
            code: Code::Success,
            reasons: Vec::new(),
            plugin: "",
        }
    }
    /// A rejection with reasons.
    pub fn new(code: Code, reasons: Vec<String>) -> Status {
        Status {
            code,
            reasons,
            plugin: "",
        }
    }
    /// `Unschedulable` with one reason.
    pub fn unschedulable(reason: &str) -> Status {
        Status::new(Code::Unschedulable, vec![reason.to_string()])
    }
    /// `UnschedulableAndUnresolvable` with one reason.
    pub fn unresolvable(reason: &str) -> Status {
        Status::new(Code::UnschedulableAndUnresolvable, vec![reason.to_string()])
    }
    pub fn is_success(&self) -> bool {
        self.code == Code::Success
    }
    /// The reasons joined as `Status.Message()` does.
    pub fn message(&self) -> String {
        self.reasons.join(", ")
    }
}

/// The pod being scheduled, with what the plugins need computed once.
#[derive(Clone, Debug)]
pub struct PodInfo<'a> {
    pub pod: &'a Pod,
    pub resources: PodResources,
    pub host_ports: Vec<HostPort>,
    pub priority: i32,
    /// Normalized images of the init and app containers (ImageLocality).
    pub images: Vec<String>,
}

impl<'a> PodInfo<'a> {
    /// Precomputes requests, host ports and priority.
    pub fn new(pod: &'a Pod) -> PodInfo<'a> {
        let (resources, host_ports, priority) = match pod.spec.as_ref() {
            Some(s) => (
                PodResources::of(s),
                super::node_info::host_ports(s),
                s.priority.unwrap_or(0),
            ),
            None => (PodResources::default(), Vec::new(), 0),
        };
        let images = pod
            .spec
            .iter()
            .flat_map(|s| {
                s.init_containers
                    .iter()
                    .flatten()
                    .chain(s.containers.iter())
            })
            .map(|c| super::node_info::normalized_image_name(c.image.as_deref().unwrap_or("")))
            .collect();
        PodInfo {
            pod,
            resources,
            host_ports,
            priority,
            images,
        }
    }
    /// The node cache's record of the pod once bound (what [`AssignedPod::of`] computes,
    /// taken from what this cycle computed already).
    pub fn assigned(&self) -> AssignedPod {
        AssignedPod {
            resources: self.resources.clone(),
            host_ports: self.host_ports.clone(),
            priority: self.priority,
        }
    }
    /// The pod's spec (empty when missing).
    pub fn spec(&self) -> &k8s_openapi::api::core::v1::PodSpec {
        static EMPTY: std::sync::OnceLock<k8s_openapi::api::core::v1::PodSpec> =
            std::sync::OnceLock::new();
        self.pod
            .spec
            .as_ref()
            .unwrap_or_else(|| EMPTY.get_or_init(Default::default))
    }
}

/// Cluster-wide facts score plugins may read.
#[derive(Clone, Copy, Debug)]
pub struct ScoreContext<'a> {
    /// Number of nodes in the cluster.
    pub total_nodes: usize,
    /// Normalized image name → number of nodes that have it.
    pub image_nodes: &'a BTreeMap<String, usize>,
}

/// A Filter plugin: can the pod run on this node?
pub trait FilterPlugin: Sync {
    /// The plugin's Kubernetes name.
    fn name(&self) -> &'static str;
    /// Success, or why not.
    fn filter(&self, pod: &PodInfo, node: &NodeInfo) -> Status;
}

/// A Score plugin: how good is this (feasible) node for the pod, 0..=100 after normalizing.
pub trait ScorePlugin: Sync {
    /// The plugin's Kubernetes name.
    fn name(&self) -> &'static str;
    /// The default profile's weight.
    fn weight(&self) -> i64;
    /// PreScore's `Skip`: true when the plugin has nothing to say about this pod.
    fn skip(&self, _pod: &PodInfo) -> bool {
        false
    }
    /// The raw score of one node.
    fn score(&self, pod: &PodInfo, node: &NodeInfo, ctx: &ScoreContext) -> i64;
    /// NormalizeScore over all feasible nodes (default: none).
    fn normalize(&self, _scores: &mut [i64]) {}
}

/// The default profile's Filter plugins, in the order the scheduler runs them.
pub static FILTER_PLUGINS: &[&dyn FilterPlugin] = &[
    &plugins::node_unschedulable::NodeUnschedulable,
    &plugins::node_name::NodeName,
    &plugins::taint_toleration::TaintToleration,
    &plugins::node_affinity::NodeAffinity,
    &plugins::node_ports::NodePorts,
    &plugins::node_resources_fit::NodeResourcesFit,
];

/// The default profile's Score plugins with their weights (TaintToleration 3, NodeAffinity 2,
/// NodeResourcesFit 1, NodeResourcesBalancedAllocation 1, ImageLocality 1).
pub static SCORE_PLUGINS: &[&dyn ScorePlugin] = &[
    &plugins::taint_toleration::TaintToleration,
    &plugins::node_affinity::NodeAffinity,
    &plugins::node_resources_fit::NodeResourcesFit,
    &plugins::balanced_allocation::NodeResourcesBalancedAllocation,
    &plugins::image_locality::ImageLocality,
];

/// Runs the filters on one node; the first rejection wins (`RunFilterPlugins`).
pub fn run_filters(pod: &PodInfo, node: &NodeInfo) -> Status {
    for p in FILTER_PLUGINS {
        let mut s = p.filter(pod, node);
        if !s.is_success() {
            s.plugin = p.name();
            return s;
        }
    }
    Status::success()
}

/// Total weighted score of each feasible node, in the order given (`RunScorePlugins`).
pub fn run_scores(pod: &PodInfo, nodes: &[&NodeInfo], ctx: &ScoreContext) -> Vec<i64> {
    let mut totals = vec![0i64; nodes.len()];
    let mut scores = vec![0i64; nodes.len()];
    for p in SCORE_PLUGINS {
        if p.skip(pod) {
            continue;
        }
        for (s, n) in scores.iter_mut().zip(nodes) {
            *s = p.score(pod, n, ctx);
        }
        p.normalize(&mut scores);
        for (t, s) in totals.iter_mut().zip(&scores) {
            *t += s.clamp(&0, &MAX_NODE_SCORE) * p.weight();
        }
    }
    totals
}

/// `DefaultNormalizeScore`: scales scores so the best is 100; with `reverse`, the best
/// becomes 0 and the worst 100 (for "fewer is better" counts).
///
/// Worked example: counts [0, 1, 2] reversed → [100, 50, 0]; all zero reversed → all 100.
pub fn default_normalize_score(max_priority: i64, reverse: bool, scores: &mut [i64]) {
    let max = scores.iter().copied().max().unwrap_or(0);
    if max == 0 {
        if reverse {
            scores.iter_mut().for_each(|s| *s = max_priority);
        }
        return;
    }
    for s in scores.iter_mut() {
        *s = max_priority * *s / max;
        if reverse {
            *s = max_priority - *s;
        }
    }
}

/// `0/%v nodes are available` (`framework.NoNodeAvailableMsg`).
pub fn no_node_available_msg(num_all_nodes: usize) -> String {
    format!("0/{num_all_nodes} nodes are available")
}

/// The reason histogram: each reason counted over nodes, written `"<count> <reason>"` and
/// sorted as strings (Go's `sort.Strings`), so the count takes part in the order.
///
/// Worked example: 1 node tainted, 3 short of cpu → `1 node(s) had untolerated taint {…}`,
/// `3 Insufficient cpu` (`'1' < '3'`); 10 of one and 2 of another sort `10 …` before `2 …`.
pub fn reasons_histogram<'s>(
    statuses: impl IntoIterator<Item = &'s Status>,
    absent: Option<(&str, usize)>,
) -> Vec<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for s in statuses {
        for r in &s.reasons {
            *counts.entry(r.as_str()).or_insert(0) += 1;
        }
    }
    if let Some((reason, n)) = absent.filter(|(_, n)| *n > 0) {
        *counts.entry(reason).or_insert(0) += n;
    }
    let mut out: Vec<String> = counts
        .into_iter()
        .map(|(r, n)| format!("{n} {r}"))
        .collect();
    out.sort();
    out
}

/// `FitError.Error()`: `0/N nodes are available: <histogram>.` followed by the PostFilter
/// message when there is one.
///
/// Worked example: `0/4 nodes are available: 1 node(s) had untolerated taint
/// {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu. preemption: …`.
pub fn fit_error_message<'s>(
    num_all_nodes: usize,
    statuses: impl IntoIterator<Item = &'s Status>,
    absent: Option<(&str, usize)>,
    post_filter_msg: &str,
) -> String {
    let mut msg = format!("{}:", no_node_available_msg(num_all_nodes));
    let hist = reasons_histogram(statuses, absent);
    if !hist.is_empty() {
        msg.push_str(&format!(" {}.", hist.join(", ")));
    }
    if !post_filter_msg.is_empty() {
        msg.push(' ');
        msg.push_str(post_filter_msg);
    }
    msg
}

/// Event messages longer than this are cut (`truncateMessage` in `schedule_one.go`).
pub const NOTE_LENGTH_LIMIT: usize = 1024;

/// Cuts an event message to [`NOTE_LENGTH_LIMIT`] bytes, ending it with ` ...`.
pub fn truncate_message(msg: &str) -> String {
    if msg.len() <= NOTE_LENGTH_LIMIT {
        return msg.to_string();
    }
    let suffix = " ...";
    let mut end = NOTE_LENGTH_LIMIT - suffix.len();
    while !msg.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{suffix}", &msg[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_sorts_whole_strings_count_included() {
        let taint = Status::unresolvable(
            "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }",
        );
        let cpu = Status::unschedulable("Insufficient cpu");
        let statuses = [taint, cpu.clone(), cpu.clone(), cpu];
        let msg = fit_error_message(4, &statuses, None, "");
        assert_eq!(msg, "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu.");
        let mut many = vec![Status::unschedulable("Insufficient memory"); 10];
        many.push(Status::unschedulable("Too many pods"));
        many.push(Status::unschedulable("Too many pods"));
        assert_eq!(
            reasons_histogram(&many, None),
            vec!["10 Insufficient memory", "2 Too many pods"]
        );
    }

    #[test]
    fn multiple_reasons_of_one_node_each_count() {
        let s = Status::new(
            Code::Unschedulable,
            vec!["Insufficient cpu".into(), "Insufficient memory".into()],
        );
        assert_eq!(
            fit_error_message(1, [&s], None, "x"),
            "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. x"
        );
    }

    #[test]
    fn absent_nodes_get_the_default_reason() {
        let s = Status::unresolvable("No preemption victims found for incoming pod");
        let msg = fit_error_message(
            4,
            [&s, &s, &s],
            Some(("Preemption is not helpful for scheduling", 1)),
            "",
        );
        assert_eq!(msg, "0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.");
    }

    #[test]
    fn normalize_reverse_and_forward() {
        let mut s = [0, 1, 2];
        default_normalize_score(100, true, &mut s);
        assert_eq!(s, [100, 50, 0]);
        let mut z = [0, 0];
        default_normalize_score(100, true, &mut z);
        assert_eq!(z, [100, 100]);
        let mut f = [3, 6, 0];
        default_normalize_score(100, false, &mut f);
        assert_eq!(f, [50, 100, 0]);
    }

    #[test]
    fn long_messages_are_truncated() {
        let long = "x".repeat(2000);
        let t = truncate_message(&long);
        assert_eq!(t.len(), 1024);
        assert!(t.ends_with(" ..."));
    }
}
