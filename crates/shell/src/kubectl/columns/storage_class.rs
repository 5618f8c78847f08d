//! StorageClasses (`printStorageClass`): `NAME PROVISIONER RECLAIMPOLICY VOLUMEBINDINGMODE
//! ALLOWVOLUMEEXPANSION AGE`; the default class's name carries ` (default)`.

use super::{col, Column, RowContext};
use kubarium_engine::api::StorageClass;
use kubarium_engine::Object;

pub const COLUMNS: &[Column] = &[
    col("Name"),
    col("Provisioner"),
    col("ReclaimPolicy"),
    col("VolumeBindingMode"),
    col("AllowVolumeExpansion"),
    col("Age"),
];

/// `IsDefaultAnnotation`: the GA or the beta default-class annotation says `"true"`.
pub fn is_default(sc: &StorageClass) -> bool {
    sc.metadata.annotations.as_ref().is_some_and(|a| {
        a.get("storageclass.kubernetes.io/is-default-class")
            .or_else(|| a.get("storageclass.beta.kubernetes.io/is-default-class"))
            .is_some_and(|v| v == "true")
    })
}

pub fn row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    let Some(sc) = obj.as_::<StorageClass>() else {
        return Vec::new();
    };
    let mut name = sc.metadata.name.clone().unwrap_or_default();
    if is_default(sc) {
        name.push_str(" (default)");
    }
    vec![
        name,
        sc.provisioner.clone(),
        sc.reclaim_policy.clone().unwrap_or_else(|| "Delete".into()),
        sc.volume_binding_mode
            .clone()
            .unwrap_or_else(|| "Immediate".into()),
        sc.allow_volume_expansion.unwrap_or(false).to_string(),
        ctx.since(sc.metadata.creation_timestamp.as_ref()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_class_is_marked_and_unset_fields_print_their_defaults() {
        let sc: StorageClass = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "local-path", "creationTimestamp": "2026-11-23T09:00:00Z",
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "rancher.io/local-path"
        }))
        .unwrap();
        let ctx = RowContext {
            now_unix_ms: 1_795_424_400_000 + 60_000,
        };
        assert_eq!(
            row(&Object::from(sc), &ctx),
            [
                "local-path (default)",
                "rancher.io/local-path",
                "Delete",
                "Immediate",
                "false",
                "60s"
            ]
        );
    }
}
