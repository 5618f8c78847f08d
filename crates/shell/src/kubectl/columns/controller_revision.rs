//! ControllerRevisions (`printControllerRevision`): `NAME CONTROLLER REVISION AGE`, the
//! controller written `<kind>.<group>/<name>` in lower case (`daemonset.apps/fluentd`).

use super::{col, Column, RowContext};
use kubarium_engine::api::ControllerRevision;
use kubarium_engine::Object;

pub const COLUMNS: &[Column] = &[col("Name"), col("Controller"), col("Revision"), col("Age")];

pub fn row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    let Some(rev) = obj.as_::<ControllerRevision>() else {
        return Vec::new();
    };
    let controller = rev
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|r| r.controller == Some(true))
        .map_or_else(
            || "<none>".to_string(),
            |r| {
                let group = r.api_version.rsplit_once('/').map_or("", |(g, _)| g);
                let kind = if group.is_empty() {
                    r.kind.clone()
                } else {
                    format!("{}.{group}", r.kind)
                };
                format!("{}/{}", kind.to_lowercase(), r.name)
            },
        );
    vec![
        rev.metadata.name.clone().unwrap_or_default(),
        controller,
        rev.revision.unwrap_or(0).to_string(),
        ctx.since(rev.metadata.creation_timestamp.as_ref()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn controller_is_kind_dot_group_slash_name() {
        let rev: ControllerRevision = serde_json::from_value(json!({
            "metadata": {"name": "fluentd-79f6b56679", "creationTimestamp": "2026-11-23T09:00:00Z",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "fluentd",
                    "uid": "u", "controller": true}]},
            "data": {}, "revision": 2
        }))
        .unwrap();
        let ctx = RowContext {
            now_unix_ms: 1_795_424_400_000 + 5_000,
        };
        assert_eq!(
            row(&Object::from(rev), &ctx),
            ["fluentd-79f6b56679", "daemonset.apps/fluentd", "2", "5s"]
        );
    }
}
