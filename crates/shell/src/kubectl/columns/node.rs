//! Nodes: `NAME STATUS ROLES AGE VERSION` (+ `INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION
//! CONTAINER-RUNTIME`).
//!
//! STATUS is the Ready condition (`Ready`, `NotReady`, or `Unknown` when the kubelet never
//! reported one), followed by `,SchedulingDisabled` for a cordoned node.

use super::{col, wide, Column, RowContext};
use k8s_openapi::api::core::v1::Node;
use kubarium_engine::Object;

pub const COLUMNS: &[Column] = &[
    col("Name"),
    col("Status"),
    col("Roles"),
    col("Age"),
    col("Version"),
    wide("Internal-IP"),
    wide("External-IP"),
    wide("OS-Image"),
    wide("Kernel-Version"),
    wide("Container-Runtime"),
];

/// Label prefix that gives a node a role (`node-role.kubernetes.io/control-plane`).
const LABEL_NODE_ROLE_PREFIX: &str = "node-role.kubernetes.io/";
/// The older role label (`kubernetes.io/role=master`).
const NODE_LABEL_ROLE: &str = "kubernetes.io/role";

pub fn row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    match obj.as_::<Node>() {
        Some(n) => node_row(n, ctx),
        None => Vec::new(),
    }
}

/// `findNodeRoles`: the roles of a node from its labels, sorted and deduplicated.
pub fn node_roles(node: &Node) -> Vec<String> {
    let mut roles = std::collections::BTreeSet::new();
    for (k, v) in node.metadata.labels.iter().flatten() {
        if let Some(role) = k.strip_prefix(LABEL_NODE_ROLE_PREFIX) {
            if !role.is_empty() {
                roles.insert(role.to_string());
            }
        } else if k == NODE_LABEL_ROLE && !v.is_empty() {
            roles.insert(v.clone());
        }
    }
    roles.into_iter().collect()
}

/// The STATUS cell: `Ready`, `NotReady`, `Unknown`, each with `,SchedulingDisabled` when cordoned.
pub fn node_status(node: &Node) -> String {
    let mut status = Vec::new();
    let conditions = node.status.as_ref().and_then(|s| s.conditions.as_ref());
    if let Some(c) = conditions
        .into_iter()
        .flatten()
        .find(|c| c.type_ == "Ready")
    {
        status.push(if c.status == "True" {
            "Ready".to_string()
        } else {
            "NotReady".to_string()
        });
    }
    if status.is_empty() {
        status.push("Unknown".to_string());
    }
    if node.spec.as_ref().and_then(|s| s.unschedulable) == Some(true) {
        status.push("SchedulingDisabled".to_string());
    }
    status.join(",")
}

fn address(node: &Node, type_: &str) -> String {
    node.status
        .as_ref()
        .and_then(|s| s.addresses.as_ref())
        .and_then(|a| a.iter().find(|a| a.type_ == type_))
        .map(|a| a.address.clone())
        .unwrap_or_else(|| "<none>".to_string())
}

/// The cells of kubectl's `printNode`.
pub fn node_row(node: &Node, ctx: &RowContext) -> Vec<String> {
    let roles = node_roles(node);
    let info = node
        .status
        .as_ref()
        .and_then(|s| s.node_info.clone())
        .unwrap_or_default();
    let or_unknown = |s: String| {
        if s.is_empty() {
            "<unknown>".to_string()
        } else {
            s
        }
    };
    vec![
        node.metadata.name.clone().unwrap_or_default(),
        node_status(node),
        if roles.is_empty() {
            "<none>".to_string()
        } else {
            roles.join(",")
        },
        ctx.since(node.metadata.creation_timestamp.as_ref()),
        info.kubelet_version.clone(),
        address(node, "InternalIP"),
        address(node, "ExternalIP"),
        or_unknown(info.os_image),
        or_unknown(info.kernel_version),
        or_unknown(info.container_runtime_version),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn control_plane_ready_and_cordoned_worker() {
        let ctx = RowContext {
            now_unix_ms: 1_795_424_400_000 + 600_000,
        };
        let n: Node = serde_json::from_value(json!({
            "metadata": {"name": "m-k8s", "creationTimestamp": "2026-11-23T09:00:00Z",
                "labels": {"node-role.kubernetes.io/control-plane": "", "kubernetes.io/hostname": "m-k8s"}},
            "status": {"conditions": [{"type": "Ready", "status": "True"}],
                "addresses": [{"type": "InternalIP", "address": "192.168.1.10"}, {"type": "Hostname", "address": "m-k8s"}],
                "nodeInfo": {"architecture": "amd64", "bootID": "", "containerRuntimeVersion": "containerd://2.1.4",
                    "kernelVersion": "6.8.0-85-generic", "kubeProxyVersion": "", "kubeletVersion": "v1.37.0",
                    "machineID": "", "operatingSystem": "linux", "osImage": "Ubuntu 24.04.3 LTS", "systemUUID": ""}}
        }))
        .unwrap();
        assert_eq!(
            node_row(&n, &ctx),
            [
                "m-k8s",
                "Ready",
                "control-plane",
                "10m",
                "v1.37.0",
                "192.168.1.10",
                "<none>",
                "Ubuntu 24.04.3 LTS",
                "6.8.0-85-generic",
                "containerd://2.1.4"
            ]
        );
        let w: Node = serde_json::from_value(json!({
            "metadata": {"name": "w1-k8s"},
            "spec": {"unschedulable": true},
            "status": {"conditions": [{"type": "Ready", "status": "False"}]}
        }))
        .unwrap();
        let r = node_row(&w, &ctx);
        assert_eq!(&r[..3], ["w1-k8s", "NotReady,SchedulingDisabled", "<none>"]);
        let u: Node = serde_json::from_value(
            json!({"metadata": {"name": "x", "labels": {"kubernetes.io/role": "master"}}}),
        )
        .unwrap();
        assert_eq!(&node_row(&u, &ctx)[1..3], ["Unknown", "master"]);
    }
}
