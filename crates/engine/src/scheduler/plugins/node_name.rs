//! NodeName: a pod that names its node (`spec.nodeName`) fits only there.

use crate::scheduler::framework::{FilterPlugin, PodInfo, Status};
use crate::scheduler::node_info::NodeInfo;

/// `ErrReason`.
pub const ERR_REASON: &str = "node(s) didn't match the requested node name";

/// The NodeName plugin.
pub struct NodeName;

impl FilterPlugin for NodeName {
    fn name(&self) -> &'static str {
        "NodeName"
    }
    fn filter(&self, pod: &PodInfo, node: &NodeInfo) -> Status {
        match pod.spec().node_name.as_deref() {
            None | Some("") => Status::success(),
            Some(n) if n == node.name => Status::success(),
            Some(_) => Status::unresolvable(ERR_REASON),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testing::{node, pod};
    use serde_json::json;

    #[test]
    fn only_the_named_node_fits() {
        let p = pod(json!({"containers": [{"name": "a"}], "nodeName": "w2"}));
        let pi = PodInfo::new(&p);
        assert!(NodeName
            .filter(&pi, &node("w2", json!({}), json!({}), json!({})))
            .is_success());
        assert_eq!(
            NodeName
                .filter(&pi, &node("w1", json!({}), json!({}), json!({})))
                .reasons,
            vec![ERR_REASON]
        );
    }
}
