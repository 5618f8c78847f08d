//! Namespaces: `NAME STATUS AGE`.

use super::{col, Column, RowContext};
use k8s_openapi::api::core::v1::Namespace;
use kubarium_engine::Object;

pub const COLUMNS: &[Column] = &[col("Name"), col("Status"), col("Age")];

pub fn row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    match obj.as_::<Namespace>() {
        Some(ns) => namespace_row(ns, ctx),
        None => Vec::new(),
    }
}

/// The cells of kubectl's `printNamespace`: the phase as stored (`Active`, `Terminating`).
pub fn namespace_row(ns: &Namespace, ctx: &RowContext) -> Vec<String> {
    vec![
        ns.metadata.name.clone().unwrap_or_default(),
        ns.status
            .as_ref()
            .and_then(|s| s.phase.clone())
            .unwrap_or_default(),
        ctx.since(ns.metadata.creation_timestamp.as_ref()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn active_namespace() {
        let ns: Namespace = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "kube-system", "creationTimestamp": "2026-11-23T09:00:00Z"},
            "status": {"phase": "Active"}
        }))
        .unwrap();
        let ctx = RowContext {
            now_unix_ms: 1_795_424_400_000 + 3 * 3600 * 1000,
        };
        assert_eq!(namespace_row(&ns, &ctx), ["kube-system", "Active", "3h"]);
    }
}
