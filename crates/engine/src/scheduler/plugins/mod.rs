//! The default profile's plugins, one per file, named as in `pkg/scheduler/framework/plugins`.
//! They are registered in [`super::framework::FILTER_PLUGINS`] and
//! [`super::framework::SCORE_PLUGINS`].

pub mod balanced_allocation;
pub mod image_locality;
pub mod node_affinity;
pub mod node_name;
pub mod node_ports;
pub mod node_resources_fit;
pub mod node_unschedulable;
pub mod taint_toleration;
pub mod volume_binding;

#[cfg(test)]
pub(crate) mod testing {
    //! Builders for unit tests: pods and nodes from JSON, no cluster.
    use crate::api::Pod;
    use crate::scheduler::node_info::{AssignedPod, NodeInfo};
    use serde_json::{json, Value};

    /// A pod from a JSON spec.
    pub fn pod(spec: Value) -> Pod {
        serde_json::from_value(
            json!({"metadata": {"name": "p", "namespace": "default"}, "spec": spec}),
        )
        .unwrap()
    }

    /// A node from JSON (name, labels, spec, allocatable).
    pub fn node(name: &str, labels: Value, spec: Value, allocatable: Value) -> NodeInfo {
        let n: crate::api::Node = serde_json::from_value(json!({
            "metadata": {"name": name, "labels": labels},
            "spec": spec,
            "status": {"allocatable": allocatable}
        }))
        .unwrap();
        let mut info = NodeInfo::new(name);
        info.set_node(&n);
        info
    }

    /// Binds a pod (given by its spec) to a node's accounting.
    pub fn bind(node: &mut NodeInfo, name: &str, spec: Value) {
        let p = pod(spec);
        let key = crate::api::ObjectKey::new(crate::api::Kind::Pod, "default", name);
        node.add_pod(key, AssignedPod::of(&p));
    }
}
