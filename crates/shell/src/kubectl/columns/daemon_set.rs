//! DaemonSets (`printDaemonSet`): `NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE
//! SELECTOR AGE`, with `-o wide` also `CONTAINERS IMAGES SELECTOR`.

use super::replica_set::container_cells;
use super::{col, format_labels, wide, Column, RowContext};
use crate::kubectl::describe::pod_template::format_label_selector;
use kubarium_engine::api::DaemonSet;
use kubarium_engine::Object;

pub const COLUMNS: &[Column] = &[
    col("Name"),
    col("Desired"),
    col("Current"),
    col("Ready"),
    col("Up-to-date"),
    col("Available"),
    col("Node Selector"),
    col("Age"),
    wide("Containers"),
    wide("Images"),
    wide("Selector"),
];

pub fn row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    let Some(ds) = obj.as_::<DaemonSet>() else {
        return Vec::new();
    };
    let status = ds.status.clone().unwrap_or_default();
    let (names, images) = container_cells(Some(&ds.spec.template));
    let node_selector = ds
        .spec
        .template
        .spec
        .as_ref()
        .and_then(|s| s.node_selector.as_ref());
    vec![
        ds.metadata.name.clone().unwrap_or_default(),
        status.desired_number_scheduled.to_string(),
        status.current_number_scheduled.to_string(),
        status.number_ready.to_string(),
        status.updated_number_scheduled.unwrap_or(0).to_string(),
        status.number_available.unwrap_or(0).to_string(),
        format_labels(node_selector),
        ctx.since(ds.metadata.creation_timestamp.as_ref()),
        names,
        images,
        format_label_selector(Some(&ds.spec.selector)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn daemon_set_row() {
        let ds: DaemonSet = serde_json::from_value(json!({
            "metadata": {"name": "ds-mainui", "creationTimestamp": "2026-11-23T09:00:00Z"},
            "spec": {"selector": {"matchLabels": {"app": "web"}},
                "template": {"spec": {"nodeSelector": {"disktype": "ssd"},
                    "containers": [{"name": "web-container", "image": "httpd:2.2"}]}}},
            "status": {"desiredNumberScheduled": 2, "currentNumberScheduled": 2, "numberReady": 1,
                "numberMisscheduled": 0, "updatedNumberScheduled": 2, "numberAvailable": 1}
        }))
        .unwrap();
        let ctx = RowContext {
            now_unix_ms: 1_795_424_400_000 + 65_000,
        };
        assert_eq!(
            row(&Object::from(ds), &ctx),
            [
                "ds-mainui",
                "2",
                "2",
                "1",
                "2",
                "1",
                "disktype=ssd",
                "65s",
                "web-container",
                "httpd:2.2",
                "app=web"
            ]
        );
    }
}
