//! ConfigMaps: `NAME DATA AGE`, DATA counting `data` and `binaryData` keys together.

use super::{col, Column, RowContext};
use k8s_openapi::api::core::v1::ConfigMap;
use kubarium_engine::Object;

pub const COLUMNS: &[Column] = &[col("Name"), col("Data"), col("Age")];

pub fn row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    match obj.as_::<ConfigMap>() {
        Some(cm) => config_map_row(cm, ctx),
        None => Vec::new(),
    }
}

/// The cells of kubectl's `printConfigMap`.
pub fn config_map_row(cm: &ConfigMap, ctx: &RowContext) -> Vec<String> {
    let data =
        cm.data.as_ref().map_or(0, |d| d.len()) + cm.binary_data.as_ref().map_or(0, |d| d.len());
    vec![
        cm.metadata.name.clone().unwrap_or_default(),
        data.to_string(),
        ctx.since(cm.metadata.creation_timestamp.as_ref()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn counts_both_maps() {
        let cm: ConfigMap = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "kube-root-ca.crt", "creationTimestamp": "2026-11-23T09:00:00Z"},
            "data": {"ca.crt": "x", "b": "y"}, "binaryData": {"bin": "AAE="}
        }))
        .unwrap();
        let ctx = RowContext {
            now_unix_ms: 1_795_424_400_000 + 90_000,
        };
        assert_eq!(config_map_row(&cm, &ctx), ["kube-root-ca.crt", "3", "90s"]);
    }
}
