//! NodeResourcesFit: the pod's requests must fit in what the node has left
//! (`allocatable − Σ requests of its pods`), and the node may not exceed its `pods` count.
//! Scoring uses the LeastAllocated strategy, which spreads pods onto emptier nodes.

use crate::scheduler::framework::{
    Code, FilterPlugin, PodInfo, ScoreContext, ScorePlugin, Status, MAX_NODE_SCORE,
};
use crate::scheduler::node_info::{NodeInfo, Resource};

/// The reasons a node cannot hold `request` (`fitsRequest`), in Kubernetes' order: pods, cpu,
/// memory, ephemeral-storage, then extended resources by name. Resources the pod does not
/// request never fail, even on an overcommitted node.
///
/// Worked example: allocatable cpu 1000m, requested 850m, pod asks 200m → 200 > 150 →
/// `Insufficient cpu`.
pub fn insufficient_resources(request: &Resource, node: &NodeInfo) -> Vec<String> {
    let mut out = Vec::new();
    if node.pods.len() as i64 + 1 > node.allocatable.allowed_pod_number {
        out.push("Too many pods".to_string());
    }
    if request.is_zero() && request.scalar.is_empty() {
        return out;
    }
    let (a, r) = (&node.allocatable, &node.requested);
    if request.milli_cpu > 0 && request.milli_cpu > a.milli_cpu - r.milli_cpu {
        out.push("Insufficient cpu".to_string());
    }
    if request.memory > 0 && request.memory > a.memory - r.memory {
        out.push("Insufficient memory".to_string());
    }
    if request.ephemeral_storage > 0
        && request.ephemeral_storage > a.ephemeral_storage - r.ephemeral_storage
    {
        out.push("Insufficient ephemeral-storage".to_string());
    }
    for (name, q) in &request.scalar {
        if *q == 0 {
            continue;
        }
        let free =
            a.scalar.get(name).copied().unwrap_or(0) - r.scalar.get(name).copied().unwrap_or(0);
        if *q > free {
            out.push(format!("Insufficient {name}"));
        }
    }
    out
}

/// `leastRequestedScore`: the free fraction after placing the pod, on a 0..=100 scale.
///
/// Worked example: capacity 1000m, requested (with the pod) 350m → (1000 − 350) × 100 / 1000 = 65.
pub fn least_requested_score(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    (capacity - requested) * MAX_NODE_SCORE / capacity
}

/// The NodeResourcesFit plugin.
pub struct NodeResourcesFit;

impl FilterPlugin for NodeResourcesFit {
    fn name(&self) -> &'static str {
        "NodeResourcesFit"
    }
    fn filter(&self, pod: &PodInfo, node: &NodeInfo) -> Status {
        let reasons = insufficient_resources(&pod.resources.requests, node);
        if reasons.is_empty() {
            Status::success()
        } else {
            Status::new(Code::Unschedulable, reasons)
        }
    }
}

impl ScorePlugin for NodeResourcesFit {
    fn name(&self) -> &'static str {
        "NodeResourcesFit"
    }
    fn weight(&self) -> i64 {
        1
    }
    /// LeastAllocated over cpu and memory, weight 1 each, using the non-zero requests (100m /
    /// 200Mi per container that requests nothing), so empty pods still spread.
    ///
    /// Worked example: a 1-CPU, 2Gi node with 350m / 400Mi non-zero requested, and a
    /// BestEffort pod (100m / 200Mi): cpu (1000 − 450) × 100 / 1000 = 55, memory
    /// (2048Mi − 600Mi) × 100 / 2048Mi = 70 (truncated) → (55 + 70) / 2 = 62.
    fn score(&self, pod: &PodInfo, node: &NodeInfo, _ctx: &ScoreContext) -> i64 {
        let mut sum = 0;
        let mut weights = 0;
        for (requested, capacity) in [
            (
                node.non_zero_milli_cpu + pod.resources.non_zero_milli_cpu,
                node.allocatable.milli_cpu,
            ),
            (
                node.non_zero_memory + pod.resources.non_zero_memory,
                node.allocatable.memory,
            ),
        ] {
            if capacity == 0 {
                continue;
            }
            sum += least_requested_score(requested, capacity);
            weights += 1;
        }
        if weights == 0 {
            0
        } else {
            sum / weights
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testing::{bind, node, pod};
    use serde_json::json;
    use std::collections::BTreeMap;

    fn worker() -> NodeInfo {
        let mut n = node(
            "w1",
            json!({}),
            json!({}),
            json!({"cpu": "1", "memory": "2Gi", "pods": "110"}),
        );
        bind(
            &mut n,
            "calico",
            json!({"containers": [{"name": "c", "resources": {"requests": {"cpu": "250m"}}}]}),
        );
        bind(&mut n, "proxy", json!({"containers": [{"name": "p"}]}));
        n
    }

    #[test]
    fn insufficient_cpu_and_memory() {
        let n = worker();
        let big = pod(
            json!({"containers": [{"name": "a", "resources": {"requests": {"cpu": "2", "memory": "3Gi"}}}]}),
        );
        let s = NodeResourcesFit.filter(&PodInfo::new(&big), &n);
        assert_eq!(s.code, Code::Unschedulable);
        assert_eq!(s.reasons, vec!["Insufficient cpu", "Insufficient memory"]);
        let fits =
            pod(json!({"containers": [{"name": "a", "resources": {"requests": {"cpu": "750m"}}}]}));
        assert!(NodeResourcesFit
            .filter(&PodInfo::new(&fits), &n)
            .is_success());
        let over =
            pod(json!({"containers": [{"name": "a", "resources": {"requests": {"cpu": "751m"}}}]}));
        assert!(!NodeResourcesFit
            .filter(&PodInfo::new(&over), &n)
            .is_success());
    }

    #[test]
    fn too_many_pods_and_extended_resources() {
        let mut n = node("w1", json!({}), json!({}), json!({"cpu": "1", "pods": "1"}));
        bind(&mut n, "x", json!({"containers": [{"name": "c"}]}));
        let gpu = pod(
            json!({"containers": [{"name": "a", "resources": {"requests": {"nvidia.com/gpu": "1"}}}]}),
        );
        assert_eq!(
            NodeResourcesFit.filter(&PodInfo::new(&gpu), &n).reasons,
            vec!["Too many pods", "Insufficient nvidia.com/gpu"]
        );
    }

    #[test]
    fn least_allocated_worked_example() {
        assert_eq!(least_requested_score(350, 1000), 65);
        assert_eq!(least_requested_score(1001, 1000), 0);
        let n = worker();
        // non-zero requested: calico 250m + 200Mi, proxy 100m + 200Mi.
        assert_eq!(n.non_zero_milli_cpu, 350);
        let p = pod(json!({"containers": [{"name": "a"}]}));
        let images = BTreeMap::new();
        let ctx = ScoreContext {
            total_nodes: 1,
            image_nodes: &images,
        };
        // cpu: (1000-450)*100/1000 = 55; memory: 2Gi - 600Mi → (2048-600)*100/2048 = 70 → (55+70)/2 = 62.
        assert_eq!(NodeResourcesFit.score(&PodInfo::new(&p), &n, &ctx), 62);
    }
}
