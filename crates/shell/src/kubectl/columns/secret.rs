//! Secrets: `NAME TYPE DATA AGE`.

use super::{col, Column, RowContext};
use k8s_openapi::api::core::v1::Secret;
use kubarium_engine::Object;

pub const COLUMNS: &[Column] = &[col("Name"), col("Type"), col("Data"), col("Age")];

pub fn row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    match obj.as_::<Secret>() {
        Some(s) => secret_row(s, ctx),
        None => Vec::new(),
    }
}

/// The cells of kubectl's `printSecret`.
pub fn secret_row(s: &Secret, ctx: &RowContext) -> Vec<String> {
    vec![
        s.metadata.name.clone().unwrap_or_default(),
        s.type_.clone().unwrap_or_default(),
        s.data.as_ref().map_or(0, |d| d.len()).to_string(),
        ctx.since(s.metadata.creation_timestamp.as_ref()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn opaque_secret() {
        let s: Secret = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "db", "creationTimestamp": "2026-11-23T09:00:00Z"},
            "type": "Opaque", "data": {"password": "cGFzcw==", "user": "cm9vdA=="}
        }))
        .unwrap();
        let ctx = RowContext {
            now_unix_ms: 1_795_424_400_000 + 150_000,
        };
        assert_eq!(secret_row(&s, &ctx), ["db", "Opaque", "2", "2m30s"]);
    }
}
