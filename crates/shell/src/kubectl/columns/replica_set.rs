//! ReplicaSets and ReplicationControllers (`printReplicaSet`, `printReplicationController`):
//! `NAME DESIRED CURRENT READY AGE`, with `-o wide` also `CONTAINERS IMAGES SELECTOR`.

use super::{col, format_labels, wide, Column, RowContext};
use crate::kubectl::describe::pod_template::format_label_selector;
use k8s_openapi::api::core::v1::PodTemplateSpec;
use kubarium_engine::api::{ReplicaSet, ReplicationController};
use kubarium_engine::Object;

pub const COLUMNS: &[Column] = &[
    col("Name"),
    col("Desired"),
    col("Current"),
    col("Ready"),
    col("Age"),
    wide("Containers"),
    wide("Images"),
    wide("Selector"),
];

pub fn row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    match obj {
        Object::ReplicaSet(rs) => replica_set_row(rs, ctx),
        Object::ReplicationController(rc) => replication_controller_row(rc, ctx),
        _ => Vec::new(),
    }
}

/// `layoutContainerCells`: container names and images, each comma-joined.
pub fn container_cells(template: Option<&PodTemplateSpec>) -> (String, String) {
    let containers = template
        .and_then(|t| t.spec.as_ref())
        .map(|s| s.containers.as_slice())
        .unwrap_or(&[]);
    let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
    let images: Vec<&str> = containers
        .iter()
        .map(|c| c.image.as_deref().unwrap_or(""))
        .collect();
    (names.join(","), images.join(","))
}

pub fn replica_set_row(rs: &ReplicaSet, ctx: &RowContext) -> Vec<String> {
    let status = rs.status.clone().unwrap_or_default();
    let (names, images) = container_cells(rs.spec.template.as_ref());
    vec![
        rs.metadata.name.clone().unwrap_or_default(),
        rs.spec.replicas.unwrap_or(1).to_string(),
        status.replicas.to_string(),
        status.ready_replicas.unwrap_or(0).to_string(),
        ctx.since(rs.metadata.creation_timestamp.as_ref()),
        names,
        images,
        format_label_selector(Some(&rs.spec.selector)),
    ]
}

pub fn replication_controller_row(rc: &ReplicationController, ctx: &RowContext) -> Vec<String> {
    let spec = rc.spec.clone().unwrap_or_default();
    let status = rc.status.clone().unwrap_or_default();
    let (names, images) = container_cells(spec.template.as_ref());
    vec![
        rc.metadata.name.clone().unwrap_or_default(),
        spec.replicas.unwrap_or(1).to_string(),
        status.replicas.to_string(),
        status.ready_replicas.unwrap_or(0).to_string(),
        ctx.since(rc.metadata.creation_timestamp.as_ref()),
        names,
        images,
        format_labels(spec.selector.as_ref()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> RowContext {
        RowContext {
            now_unix_ms: 1_795_424_400_000 + 20_000,
        }
    }

    #[test]
    fn replica_set_with_set_based_selector() {
        let rs: ReplicaSet = serde_json::from_value(json!({
            "metadata": {"name": "rs-nginx", "creationTimestamp": "2026-11-23T09:00:00Z"},
            "spec": {"replicas": 3,
                "selector": {"matchLabels": {"app": "web"},
                    "matchExpressions": [{"key": "version", "operator": "In", "values": ["1.15", "1.14"]}]},
                "template": {"spec": {"containers": [{"name": "nginx-container", "image": "nginx:1.14"}]}}},
            "status": {"replicas": 3, "readyReplicas": 2}
        }))
        .unwrap();
        assert_eq!(
            replica_set_row(&rs, &ctx()),
            [
                "rs-nginx",
                "3",
                "3",
                "2",
                "20s",
                "nginx-container",
                "nginx:1.14",
                "app=web,version in (1.14,1.15)"
            ]
        );
    }

    #[test]
    fn replication_controller_before_its_first_sync() {
        let rc: ReplicationController = serde_json::from_value(json!({
            "metadata": {"name": "rc-nginx", "creationTimestamp": "2026-11-23T09:00:00Z"},
            "spec": {"replicas": 3, "selector": {"app": "web"},
                "template": {"spec": {"containers": [
                    {"name": "a", "image": "nginx:1.14"}, {"name": "b", "image": "redis"}]}}}
        }))
        .unwrap();
        assert_eq!(
            replication_controller_row(&rc, &ctx()),
            [
                "rc-nginx",
                "3",
                "0",
                "0",
                "20s",
                "a,b",
                "nginx:1.14,redis",
                "app=web"
            ]
        );
    }
}
