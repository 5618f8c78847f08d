//! NodePorts: two pods cannot bind the same host port (and protocol) on one node.

use crate::scheduler::framework::{FilterPlugin, PodInfo, Status};
use crate::scheduler::node_info::NodeInfo;

/// `ErrReason`.
pub const ERR_REASON: &str = "node(s) didn't have free ports for the requested pod ports";

/// The NodePorts plugin.
pub struct NodePorts;

impl FilterPlugin for NodePorts {
    fn name(&self) -> &'static str {
        "NodePorts"
    }
    fn filter(&self, pod: &PodInfo, node: &NodeInfo) -> Status {
        if pod.host_ports.iter().any(|p| node.port_conflicts(p)) {
            // Unschedulable, not unresolvable: evicting the pod holding the port would help.
            Status::unschedulable(ERR_REASON)
        } else {
            Status::success()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testing::{bind, node, pod};
    use serde_json::json;

    #[test]
    fn host_port_conflicts() {
        let mut n = node("w1", json!({}), json!({}), json!({"pods": "110"}));
        bind(
            &mut n,
            "old",
            json!({"containers": [{"name": "a", "ports": [{"containerPort": 80, "hostPort": 8080, "protocol": "TCP"}]}]}),
        );
        let same = pod(
            json!({"containers": [{"name": "a", "ports": [{"containerPort": 81, "hostPort": 8080}]}]}),
        );
        assert_eq!(
            NodePorts.filter(&PodInfo::new(&same), &n),
            Status::unschedulable(ERR_REASON)
        );
        let udp = pod(
            json!({"containers": [{"name": "a", "ports": [{"containerPort": 81, "hostPort": 8080, "protocol": "UDP"}]}]}),
        );
        assert!(NodePorts.filter(&PodInfo::new(&udp), &n).is_success());
        let no_host =
            pod(json!({"containers": [{"name": "a", "ports": [{"containerPort": 8080}]}]}));
        assert!(NodePorts.filter(&PodInfo::new(&no_host), &n).is_success());
    }
}
