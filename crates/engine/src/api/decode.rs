//! Strict decoding of manifests, the way the API server decodes with
//! `fieldValidation=Strict` (kubectl's default): unknown fields and wrong types are errors.

use super::{Kind, Object};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Why a document could not be turned into an object.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The document is not a mapping.
    #[error("the document is not an object")]
    NotAnObject,
    /// `kind` is missing or empty.
    #[error("Object 'Kind' is missing")]
    MissingKind,
    /// `apiVersion` is missing or empty.
    #[error("Object 'apiVersion' is missing")]
    MissingApiVersion,
    /// No served kind has this apiVersion and kind.
    #[error("no matches for kind {kind:?} in version {api_version:?}")]
    NoKindMatch { kind: String, api_version: String },
    /// Fields Kubernetes does not have, as dotted paths (`spec.containers[0].imagee`).
    #[error("strict decoding error: {}", .0.iter().map(|p| format!("unknown field {p:?}")).collect::<Vec<_>>().join(", "))]
    UnknownFields(Vec<String>),
    /// A value of the wrong type, worded as Go's encoding/json words it.
    #[error("{0}")]
    WrongType(String),
}

/// Decodes any served kind from a JSON/YAML document.
pub fn decode_object(value: Value) -> Result<Object, DecodeError> {
    let map = value.as_object().ok_or(DecodeError::NotAnObject)?;
    let kind = map.get("kind").and_then(Value::as_str).unwrap_or("");
    if kind.is_empty() {
        return Err(DecodeError::MissingKind);
    }
    let api_version = map.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    if api_version.is_empty() {
        return Err(DecodeError::MissingApiVersion);
    }
    let k =
        Kind::from_api_version_kind(api_version, kind).ok_or_else(|| DecodeError::NoKindMatch {
            kind: kind.to_string(),
            api_version: api_version.to_string(),
        })?;
    Object::from_value_strict(k, value)
}

/// Decodes one typed value, rejecting unknown fields and reporting type errors with paths.
///
/// Unknown fields are found by encoding the decoded value again and comparing: a field of the
/// document that the typed value does not carry is one the type does not have (null values,
/// which Go's decoder accepts for any field, are skipped). This costs a re-encoding per
/// decoded manifest, but no second copy of the decoding code in the page's wasm (a
/// field-tracking deserializer wrapper doubled it).
pub fn strict<T: DeserializeOwned + Serialize>(value: Value) -> Result<T, DecodeError> {
    match T::deserialize(&value) {
        Err(e) => {
            let message = e.to_string();
            let path = offending_path(&value, &message).unwrap_or_default();
            Err(DecodeError::WrongType(go_type_error(&path, &message)))
        }
        Ok(v) => {
            let decoded = serde_json::to_value(&v).unwrap_or(Value::Null);
            let mut unknown = Vec::new();
            unknown_fields(&value, &decoded, &mut String::new(), &mut unknown);
            if unknown.is_empty() {
                Ok(v)
            } else {
                unknown.sort();
                unknown.dedup();
                Err(DecodeError::UnknownFields(unknown))
            }
        }
    }
}

/// Paths (`spec.containers[0].imagee`) present in `input` but not in `decoded`.
fn unknown_fields(input: &Value, decoded: &Value, path: &mut String, out: &mut Vec<String>) {
    match (input, decoded) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                if v.is_null() {
                    continue;
                }
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                match b.get(k) {
                    None => out.push(path.clone()),
                    Some(w) => unknown_fields(v, w, path, out),
                }
                path.truncate(len);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (v, w)) in a.iter().zip(b.iter()).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                unknown_fields(v, w, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// Finds where the value a type error complains about sits in the document.
///
/// serde reports `invalid type: string "80", expected i32` without a path; a path-tracking
/// deserializer would double the decoding code in the page's wasm, so instead the document is
/// searched for the first value of that kind and text (in document order), which is the one
/// the decoder stopped at in practice.
fn offending_path(doc: &Value, message: &str) -> Option<String> {
    let got = message
        .strip_prefix("invalid type: ")?
        .split(", expected ")
        .next()?;
    let matches = |v: &Value| -> bool {
        match v {
            Value::String(s) => got == format!("string {s:?}") || got == format!("string \"{s}\""),
            Value::Bool(b) => got == format!("boolean `{b}`"),
            Value::Number(n) => {
                got == format!("integer `{n}`")
                    || got == format!("floating point `{n}`")
                    || (n.is_f64() && got.starts_with("floating point"))
            }
            Value::Array(_) => got == "sequence",
            Value::Object(_) => got == "map",
            Value::Null => got == "null",
        }
    };
    fn walk(
        v: &Value,
        path: &mut Vec<String>,
        matches: &dyn Fn(&Value) -> bool,
        depth: usize,
    ) -> Option<String> {
        if depth > 0 && matches(v) {
            return Some(path.join("."));
        }
        if depth > 64 {
            return None;
        }
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    if depth == 0 && (k == "apiVersion" || k == "kind") {
                        continue;
                    }
                    path.push(k.clone());
                    let found = walk(child, path, matches, depth + 1);
                    path.pop();
                    if found.is_some() {
                        return found;
                    }
                }
                None
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    if let Some(last) = path.last_mut() {
                        let saved = last.clone();
                        last.push_str(&format!("[{i}]"));
                        let found = walk(child, path, matches, depth + 1);
                        if let Some(l) = path.last_mut() {
                            *l = saved;
                        }
                        if found.is_some() {
                            return found;
                        }
                    }
                }
                None
            }
            _ => None,
        }
    }
    walk(doc, &mut Vec::new(), &matches, 0)
}

/// Turns a serde type error into Go's encoding/json wording, which is what the API server
/// reports: `json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32`.
fn go_type_error(path: &str, serde_message: &str) -> String {
    // serde_path_to_error paths look like `spec.containers[0].ports[0].containerPort`.
    let fields: Vec<&str> = path
        .split('.')
        .map(|seg| seg.split('[').next().unwrap_or(seg))
        .filter(|s| !s.is_empty() && *s != "?")
        .collect();
    let (got, want) = match serde_message
        .strip_prefix("invalid type: ")
        .and_then(|m| m.split_once(", expected "))
    {
        Some((got, want)) => (go_json_kind(got), go_type_name(want)),
        None => return format!("json: {serde_message}"),
    };
    if fields.is_empty() {
        return format!("json: cannot unmarshal {got} into Go value of type {want}");
    }
    let parent = if fields.len() >= 2 {
        go_struct_of(fields[fields.len() - 2])
    } else {
        "Object".to_string()
    };
    format!(
        "json: cannot unmarshal {got} into Go struct field {parent}.{} of type {want}",
        fields.join(".")
    )
}

fn go_json_kind(serde_unexpected: &str) -> &'static str {
    let s = serde_unexpected;
    if s.starts_with("string") || s.starts_with("character") {
        "string"
    } else if s.starts_with("integer") || s.starts_with("floating") {
        "number"
    } else if s.starts_with("boolean") {
        "bool"
    } else if s.starts_with("map") {
        "object"
    } else if s.starts_with("sequence") {
        "array"
    } else {
        "value"
    }
}

fn go_type_name(serde_expected: &str) -> String {
    let e = serde_expected.trim();
    match e {
        "i32" => "int32".into(),
        "i64" => "int64".into(),
        "u32" | "u64" | "u16" => "int64".into(),
        "f64" => "float64".into(),
        "a boolean" | "bool" => "bool".into(),
        "a string" | "string" | "Quantity" => "string".into(),
        "a sequence" => "[]interface {}".into(),
        "a map" => "map[string]string".into(),
        _ if e.starts_with("struct ") => format!("v1.{}", &e[7..]),
        _ => e.to_string(),
    }
}

fn go_struct_of(field: &str) -> String {
    let known = [
        ("spec", "PodSpec"),
        ("metadata", "ObjectMeta"),
        ("containers", "Container"),
        ("initContainers", "Container"),
        ("ports", "ContainerPort"),
        ("env", "EnvVar"),
        ("resources", "ResourceRequirements"),
        ("volumes", "Volume"),
        ("volumeMounts", "VolumeMount"),
        ("livenessProbe", "Probe"),
        ("readinessProbe", "Probe"),
        ("startupProbe", "Probe"),
        ("httpGet", "HTTPGetAction"),
        ("securityContext", "SecurityContext"),
        ("status", "PodStatus"),
        ("tolerations", "Toleration"),
    ];
    known
        .iter()
        .find(|(k, _)| *k == field)
        .map(|(_, v)| v.to_string())
        .unwrap_or_else(|| {
            let mut c = field.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_field_is_named_with_its_path() {
        let v = json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},
            "spec":{"containers":[{"name":"c","imagee":"nginx"}]}});
        let e = decode_object(v).unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"strict decoding error: unknown field "spec.containers[0].imagee""#
        );
    }

    #[test]
    fn wrong_type_is_worded_like_go() {
        let v = json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},
            "spec":{"containers":[{"name":"c","image":"nginx","ports":[{"containerPort":"80"}]}]}});
        let e = decode_object(v).unwrap_err();
        assert_eq!(
            e.to_string(),
            "json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32"
        );
    }

    #[test]
    fn valid_pod_decodes_and_keeps_unsimulated_fields() {
        let v = json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},
            "spec":{"hostname":"h","containers":[{"name":"c","image":"nginx","stdin":true}]}});
        let o = decode_object(v).unwrap();
        assert_eq!(o.to_value()["spec"]["containers"][0]["stdin"], json!(true));
        assert_eq!(o.to_value()["spec"]["hostname"], json!("h"));
    }

    #[test]
    fn unknown_kind_and_missing_kind() {
        assert_eq!(
            decode_object(json!({"apiVersion":"v1","kind":"Foo"})).unwrap_err(),
            DecodeError::NoKindMatch {
                kind: "Foo".into(),
                api_version: "v1".into()
            }
        );
        assert_eq!(
            decode_object(json!({"apiVersion":"v1"})).unwrap_err(),
            DecodeError::MissingKind
        );
    }
}
