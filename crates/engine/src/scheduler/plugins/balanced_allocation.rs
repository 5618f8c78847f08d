//! NodeResourcesBalancedAllocation: prefers nodes where cpu and memory would be used in
//! similar proportions after placing the pod.

use crate::scheduler::framework::{PodInfo, ScoreContext, ScorePlugin, MAX_NODE_SCORE};
use crate::scheduler::node_info::NodeInfo;

/// `balancedResourceScorer`: `(1 − std) × 100` over the used fractions (each capped at 1).
/// With two resources the standard deviation is `|f₁ − f₂| / 2`.
///
/// Worked example: cpu 600m of 1000m (0.6), memory 512Mi of 2Gi (0.25) → std 0.175 →
/// (1 − 0.175) × 100 = 82.5 → 82.
pub fn balanced_resource_score(requested: &[i64], allocatable: &[i64]) -> i64 {
    let fractions: Vec<f64> = requested
        .iter()
        .zip(allocatable)
        .filter(|(_, a)| **a != 0)
        .map(|(r, a)| (*r as f64 / *a as f64).min(1.0))
        .collect();
    let std = match fractions.len() {
        2 => ((fractions[0] - fractions[1]) / 2.0).abs(),
        n if n > 2 => {
            let mean = fractions.iter().sum::<f64>() / n as f64;
            (fractions
                .iter()
                .map(|f| (f - mean) * (f - mean))
                .sum::<f64>()
                / n as f64)
                .sqrt()
        }
        _ => 0.0,
    };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

/// The NodeResourcesBalancedAllocation plugin.
pub struct NodeResourcesBalancedAllocation;

impl ScorePlugin for NodeResourcesBalancedAllocation {
    fn name(&self) -> &'static str {
        "NodeResourcesBalancedAllocation"
    }
    fn weight(&self) -> i64 {
        1
    }
    /// BestEffort pods are not scored (kubernetes#129138): otherwise they would all pile onto
    /// the node whose balance they disturb least.
    fn skip(&self, pod: &PodInfo) -> bool {
        pod.resources.requests.milli_cpu == 0 && pod.resources.requests.memory == 0
    }
    /// Uses the actual requests (no 100m / 200Mi defaults), pod included.
    fn score(&self, pod: &PodInfo, node: &NodeInfo, _ctx: &ScoreContext) -> i64 {
        let r = &pod.resources.requests;
        balanced_resource_score(
            &[
                node.requested.milli_cpu + r.milli_cpu,
                node.requested.memory + r.memory,
            ],
            &[node.allocatable.milli_cpu, node.allocatable.memory],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testing::pod;
    use serde_json::json;

    #[test]
    fn worked_example() {
        assert_eq!(balanced_resource_score(&[600, 512], &[1000, 2048]), 82);
        assert_eq!(balanced_resource_score(&[500, 1024], &[1000, 2048]), 100);
        assert_eq!(balanced_resource_score(&[5000, 0], &[1000, 2048]), 50);
    }

    #[test]
    fn best_effort_pods_are_skipped() {
        let p = pod(json!({"containers": [{"name": "a"}]}));
        assert!(NodeResourcesBalancedAllocation.skip(&PodInfo::new(&p)));
        let q =
            pod(json!({"containers": [{"name": "a", "resources": {"requests": {"cpu": "1m"}}}]}));
        assert!(!NodeResourcesBalancedAllocation.skip(&PodInfo::new(&q)));
    }
}
