//! Deployments: `NAME READY UP-TO-DATE AVAILABLE AGE`, with `-o wide` also `CONTAINERS
//! IMAGES SELECTOR` (`printDeployment`). READY is ready pods over `spec.replicas`.

use super::{col, wide, Column, RowContext};
use crate::kubectl::describe::pod_template::format_label_selector;
use k8s_openapi::api::apps::v1::Deployment;
use kubarium_engine::Object;

pub const COLUMNS: &[Column] = &[
    col("Name"),
    col("Ready"),
    col("Up-to-date"),
    col("Available"),
    col("Age"),
    wide("Containers"),
    wide("Images"),
    wide("Selector"),
];

pub fn row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    match obj.as_::<Deployment>() {
        Some(d) => deployment_row(d, ctx),
        None => Vec::new(),
    }
}

/// The cells of kubectl's `printDeployment`.
pub fn deployment_row(d: &Deployment, ctx: &RowContext) -> Vec<String> {
    let status = d.status.clone().unwrap_or_default();
    let containers = d
        .spec
        .template
        .spec
        .as_ref()
        .map(|s| s.containers.as_slice())
        .unwrap_or_default();
    let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
    let images: Vec<&str> = containers
        .iter()
        .map(|c| c.image.as_deref().unwrap_or(""))
        .collect();
    let selector = format_label_selector(Some(&d.spec.selector));
    vec![
        d.metadata.name.clone().unwrap_or_default(),
        format!(
            "{}/{}",
            status.ready_replicas.unwrap_or(0),
            d.spec.replicas.unwrap_or(0)
        ),
        status.updated_replicas.unwrap_or(0).to_string(),
        status.available_replicas.unwrap_or(0).to_string(),
        ctx.since(d.metadata.creation_timestamp.as_ref()),
        names.join(","),
        images.join(","),
        if selector == "<none>" {
            String::new()
        } else {
            selector
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_over_desired_and_wide_cells() {
        let d: Deployment = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "deploy-nginx", "creationTimestamp": "2026-11-23T09:00:00Z"},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "web"},
                    "matchExpressions": [{"key": "version", "operator": "In", "values": ["1.15", "1.14"]}]},
                "template": {"metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "nginx-container", "image": "nginx:1.14"},
                                            {"name": "sidecar", "image": "busybox"}]}}
            },
            "status": {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 2, "availableReplicas": 2}
        }))
        .unwrap();
        let ctx = RowContext {
            now_unix_ms: 1_795_424_400_000 + 28_000,
        };
        assert_eq!(
            deployment_row(&d, &ctx),
            [
                "deploy-nginx",
                "2/3",
                "3",
                "2",
                "28s",
                "nginx-container,sidecar",
                "nginx:1.14,busybox",
                "app=web,version in (1.14,1.15)"
            ]
        );
    }
}
