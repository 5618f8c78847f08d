//! ImageLocality: prefers nodes that already have the pod's images, weighted by image size
//! and by how few nodes have them (so one node does not attract every pod of an image).

use crate::scheduler::framework::{PodInfo, ScoreContext, ScorePlugin, MAX_NODE_SCORE};
use crate::scheduler::node_info::NodeInfo;

const MB: i64 = 1024 * 1024;
/// Below this the score is 0 (`minThreshold`).
pub const MIN_THRESHOLD: i64 = 23 * MB;
/// Per container, above this the score is 100 (`maxContainerThreshold`).
pub const MAX_CONTAINER_THRESHOLD: i64 = 1000 * MB;

/// `calculatePriority`: maps the summed image score onto 0..=100 between the thresholds.
///
/// Worked example: one container, a 500Mi image on 1 of 4 nodes → 125Mi →
/// 100 × (125 − 23) / (1000 − 23) = 10.
pub fn calculate_priority(sum_scores: i64, num_containers: usize) -> i64 {
    let max_threshold = MAX_CONTAINER_THRESHOLD * num_containers.max(1) as i64;
    let s = sum_scores.clamp(MIN_THRESHOLD, max_threshold);
    MAX_NODE_SCORE * (s - MIN_THRESHOLD) / (max_threshold - MIN_THRESHOLD)
}

/// The ImageLocality plugin.
pub struct ImageLocality;

impl ScorePlugin for ImageLocality {
    fn name(&self) -> &'static str {
        "ImageLocality"
    }
    fn weight(&self) -> i64 {
        1
    }
    /// Σ over the pod's images present on the node of `size × nodes having it / all nodes`,
    /// mapped through [`calculate_priority`].
    fn score(&self, pod: &PodInfo, node: &NodeInfo, ctx: &ScoreContext) -> i64 {
        let mut sum = 0i64;
        for name in &pod.images {
            if let Some(size) = node.images.get(name) {
                let spread = ctx.image_nodes.get(name).copied().unwrap_or(0) as f64
                    / ctx.total_nodes.max(1) as f64;
                sum += (*size as f64 * spread) as i64;
            }
        }
        calculate_priority(sum, pod.images.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds() {
        assert_eq!(calculate_priority(500 * MB / 4, 1), 10);
        assert_eq!(calculate_priority(0, 1), 0);
        assert_eq!(calculate_priority(5000 * MB, 1), 100);
    }
}
