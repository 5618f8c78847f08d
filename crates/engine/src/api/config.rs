//! Update rules of ConfigMaps and Secrets (`ValidateConfigMapUpdate`, `ValidateSecretUpdate`
//! in `pkg/apis/core/validation`): once `immutable: true` is stored, `immutable` cannot be
//! unset and the data cannot change (`field is immutable when `immutable` is set`); delete
//! and re-create the object instead. A Secret's `type` never changes. Metadata (labels,
//! annotations) stays editable either way.

use super::validation::FieldError;
use super::{ConfigMap, Secret};

const IMMUTABLE_WHEN_SET: &str = "field is immutable when `immutable` is set";

/// The update errors of a ConfigMap: `immutable`, `data`, `binaryData`.
pub fn validate_config_map_update(new: &ConfigMap, old: &ConfigMap, errs: &mut Vec<FieldError>) {
    if old.immutable == Some(true) {
        let changed = [
            ("data", new.data != old.data),
            ("binaryData", new.binary_data != old.binary_data),
        ];
        keep_when_immutable(new.immutable, &changed, errs);
    }
}

/// The update errors of a Secret: `type`, then `immutable` and `data` (`stringData` is
/// already merged into `data` by then).
pub fn validate_secret_update(new: &Secret, old: &Secret, errs: &mut Vec<FieldError>) {
    if new.type_ != old.type_ {
        let value = new
            .type_
            .as_deref()
            .map_or("null".to_string(), |t| format!("{t:?}"));
        errs.push(FieldError::invalid("type", value, "field is immutable"));
    }
    if old.immutable == Some(true) {
        keep_when_immutable(new.immutable, &[("data", new.data != old.data)], errs);
    }
}

/// An object stored with `immutable: true`: the flag must stay set and no data field change.
fn keep_when_immutable(
    new_immutable: Option<bool>,
    changed: &[(&str, bool)],
    errs: &mut Vec<FieldError>,
) {
    if new_immutable != Some(true) {
        errs.push(FieldError::forbidden("immutable", IMMUTABLE_WHEN_SET));
    }
    for (field, _) in changed.iter().filter(|(_, c)| *c) {
        errs.push(FieldError::forbidden(*field, IMMUTABLE_WHEN_SET));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::validation::validate_update;
    use crate::api::Object;
    use std::collections::BTreeMap;

    fn cm(immutable: Option<bool>, v: &str) -> ConfigMap {
        ConfigMap {
            immutable,
            data: Some(BTreeMap::from([("k".to_string(), v.to_string())])),
            ..Default::default()
        }
    }

    fn errors(new: Object, old: Object) -> Vec<String> {
        validate_update(&new, &old)
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn mutable_config_map_changes_freely() {
        let none: Vec<String> = Vec::new();
        assert_eq!(
            errors(Object::from(cm(None, "b")), Object::from(cm(None, "a"))),
            none
        );
        // Setting immutable is an ordinary change.
        assert_eq!(
            errors(
                Object::from(cm(Some(true), "a")),
                Object::from(cm(Some(false), "a"))
            ),
            none
        );
    }

    #[test]
    fn immutable_config_map_keeps_data_and_flag() {
        assert_eq!(
            errors(
                Object::from(cm(Some(true), "b")),
                Object::from(cm(Some(true), "a"))
            ),
            ["data: Forbidden: field is immutable when `immutable` is set"]
        );
        assert_eq!(
            errors(
                Object::from(cm(None, "b")),
                Object::from(cm(Some(true), "a"))
            ),
            [
                "immutable: Forbidden: field is immutable when `immutable` is set",
                "data: Forbidden: field is immutable when `immutable` is set"
            ]
        );
        let mut labelled = cm(Some(true), "a");
        labelled.metadata.labels = Some(BTreeMap::from([("x".into(), "y".into())]));
        assert!(errors(Object::from(labelled), Object::from(cm(Some(true), "a"))).is_empty());
    }

    #[test]
    fn secret_type_never_changes_and_immutable_data_stays() {
        let secret = |t: &str, immutable: Option<bool>, v: &[u8]| Secret {
            type_: Some(t.into()),
            immutable,
            data: Some(BTreeMap::from([(
                "k".to_string(),
                k8s_openapi::ByteString(v.to_vec()),
            )])),
            ..Default::default()
        };
        assert_eq!(
            errors(
                Object::from(secret("kubernetes.io/tls", None, b"a")),
                Object::from(secret("Opaque", None, b"a"))
            ),
            ["type: Invalid value: \"kubernetes.io/tls\": field is immutable"]
        );
        assert_eq!(
            errors(
                Object::from(secret("Opaque", Some(true), b"b")),
                Object::from(secret("Opaque", Some(true), b"a"))
            ),
            ["data: Forbidden: field is immutable when `immutable` is set"]
        );
    }
}
