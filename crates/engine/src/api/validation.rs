//! Validation of objects with the API server's field errors and messages.

use super::{quantity, Object, Pod};
use std::collections::BTreeSet;

/// The type of a field error, as in `k8s.io/apimachinery/pkg/util/validation/field`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldErrorType {
    Required,
    Invalid,
    Duplicate,
    NotSupported(Vec<String>),
    Forbidden,
    TooLong,
    NotFound,
}

/// One field error: path, type, the offending value as Go prints it, and the detail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub kind: FieldErrorType,
    /// The value as `%#v`-ish text (strings quoted), empty when not shown.
    pub value: String,
    pub detail: String,
}

impl FieldError {
    pub fn required(field: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            kind: FieldErrorType::Required,
            value: String::new(),
            detail: detail.into(),
        }
    }
    pub fn invalid(
        field: impl Into<String>,
        value: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        FieldError {
            field: field.into(),
            kind: FieldErrorType::Invalid,
            value: value.into(),
            detail: detail.into(),
        }
    }
    pub fn invalid_str(field: impl Into<String>, value: &str, detail: impl Into<String>) -> Self {
        Self::invalid(field, format!("{value:?}"), detail)
    }
    pub fn duplicate(field: impl Into<String>, value: &str) -> Self {
        FieldError {
            field: field.into(),
            kind: FieldErrorType::Duplicate,
            value: format!("{value:?}"),
            detail: String::new(),
        }
    }
    pub fn not_supported(field: impl Into<String>, value: &str, supported: &[&str]) -> Self {
        FieldError {
            field: field.into(),
            kind: FieldErrorType::NotSupported(supported.iter().map(|s| s.to_string()).collect()),
            value: format!("{value:?}"),
            detail: String::new(),
        }
    }
    pub fn forbidden(field: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            kind: FieldErrorType::Forbidden,
            value: String::new(),
            detail: detail.into(),
        }
    }
    /// The cause `reason` of a Status (`FieldValueRequired`, ...).
    pub fn reason(&self) -> &'static str {
        match self.kind {
            FieldErrorType::Required => "FieldValueRequired",
            FieldErrorType::Invalid => "FieldValueInvalid",
            FieldErrorType::Duplicate => "FieldValueDuplicate",
            FieldErrorType::NotSupported(_) => "FieldValueNotSupported",
            FieldErrorType::Forbidden => "FieldValueForbidden",
            FieldErrorType::TooLong => "FieldValueTooLong",
            FieldErrorType::NotFound => "FieldValueNotFound",
        }
    }
    /// The message without the field path, e.g. `Invalid value: "Web": a lowercase ...`.
    pub fn message(&self) -> String {
        match &self.kind {
            FieldErrorType::Required => {
                if self.detail.is_empty() {
                    "Required value".into()
                } else {
                    format!("Required value: {}", self.detail)
                }
            }
            FieldErrorType::Invalid => {
                if self.detail.is_empty() {
                    format!("Invalid value: {}", self.value)
                } else {
                    format!("Invalid value: {}: {}", self.value, self.detail)
                }
            }
            FieldErrorType::Duplicate => format!("Duplicate value: {}", self.value),
            FieldErrorType::NotSupported(vals) => format!(
                "Unsupported value: {}: supported values: {}",
                self.value,
                vals.iter()
                    .map(|v| format!("{v:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            FieldErrorType::Forbidden => format!("Forbidden: {}", self.detail),
            FieldErrorType::TooLong => format!("Too long: {}", self.detail),
            FieldErrorType::NotFound => format!("Not found: {}", self.value),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message())
    }
}

const DNS1123_LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const QUALIFIED_NAME_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// RFC 1123 label (namespace names, container names, port names): problems as messages.
pub fn dns1123_label(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push("must be no more than 63 characters".to_string());
    }
    if !is_dns1123_label(s) {
        errs.push(DNS1123_LABEL_MSG.to_string());
    }
    errs
}

/// RFC 1123 subdomain (most object names): problems as messages.
pub fn dns1123_subdomain(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 253 {
        errs.push("must be no more than 253 characters".to_string());
    }
    if s.is_empty() || !s.split('.').all(is_dns1123_label) {
        errs.push(DNS1123_SUBDOMAIN_MSG.to_string());
    }
    errs
}

fn is_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// A label or annotation key (`prefix/name`); `Err` holds the message.
pub fn validate_label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        if p.is_empty() {
            return Err("prefix part must be non-empty".into());
        }
        if let Some(m) = dns1123_subdomain(p).into_iter().next() {
            return Err(format!("prefix part {m}"));
        }
    }
    if name.is_empty() {
        return Err("name part must be non-empty".into());
    }
    if name.len() > 63 {
        return Err("name part must be no more than 63 characters".into());
    }
    if !is_qualified_name_part(name) {
        return Err(QUALIFIED_NAME_MSG.into());
    }
    Ok(())
}

/// A label value; `Err` holds the message.
pub fn validate_label_value(v: &str) -> Result<(), String> {
    if v.len() > 63 {
        return Err("must be no more than 63 characters".into());
    }
    if !v.is_empty() && !is_qualified_name_part(v) {
        return Err(LABEL_VALUE_MSG.into());
    }
    Ok(())
}

/// Validates an object as the API server does on create and update.
pub fn validate(obj: &Object) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let meta = obj.metadata();
    let name = meta.name.as_deref().unwrap_or("");
    if name.is_empty() && meta.generate_name.as_deref().unwrap_or("").is_empty() {
        errs.push(FieldError::required(
            "metadata.name",
            "name or generateName is required",
        ));
    } else if !name.is_empty() {
        let msgs = match obj {
            Object::Namespace(_) => dns1123_label(name),
            _ => dns1123_subdomain(name),
        };
        for m in msgs {
            errs.push(FieldError::invalid_str("metadata.name", name, m));
        }
    }
    for (k, v) in meta.labels.iter().flatten() {
        if let Err(m) = validate_label_key(k) {
            errs.push(FieldError::invalid_str("metadata.labels", k, m));
        }
        if let Err(m) = validate_label_value(v) {
            errs.push(FieldError::invalid_str("metadata.labels", v, m));
        }
    }
    for k in meta.annotations.iter().flatten().map(|(k, _)| k) {
        if let Err(m) = validate_label_key(k) {
            errs.push(FieldError::invalid_str("metadata.annotations", k, m));
        }
    }
    let total: usize = meta
        .annotations
        .iter()
        .flatten()
        .map(|(k, v)| k.len() + v.len())
        .sum();
    if total > 256 * 1024 {
        errs.push(FieldError {
            field: "metadata.annotations".into(),
            kind: FieldErrorType::TooLong,
            value: String::new(),
            detail: "must have at most 262144 bytes".into(),
        });
    }
    if let Object::Pod(p) = obj {
        validate_pod(p, &mut errs);
    }
    super::workloads::validate_workload(obj, &mut errs);
    super::batch::validate_batch(obj, &mut errs);
    super::service::validate_service_kinds(obj, &mut errs);
    super::ingress::validate_ingress_kinds(obj, &mut errs);
    super::persistent_volume::validate_persistent_volume_kinds(obj, &mut errs);
    if let Object::ConfigMap(cm) = obj {
        for k in cm
            .data
            .iter()
            .flatten()
            .map(|(k, _)| k)
            .chain(cm.binary_data.iter().flatten().map(|(k, _)| k))
        {
            if !is_config_key(k) {
                errs.push(FieldError::invalid_str(format!("data[{k}]"), k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
            }
        }
    }
    if let Object::Secret(s) = obj {
        for k in s
            .data
            .iter()
            .flatten()
            .map(|(k, _)| k)
            .chain(s.string_data.iter().flatten().map(|(k, _)| k))
        {
            if !is_config_key(k) {
                errs.push(FieldError::invalid_str(format!("data[{k}]"), k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
            }
        }
    }
    errs
}

/// The checks only an update has (immutable fields: a Deployment's `spec.selector`, a Job's
/// template, an immutable ConfigMap's data);
/// the API server's update path runs them after [`validate`], on users' writes.
pub fn validate_update(new: &Object, old: &Object) -> Vec<FieldError> {
    let mut errs = Vec::new();
    super::workloads::validate_workload_update(new, old, &mut errs);
    match (new, old) {
        (Object::Job(n), Object::Job(o)) => {
            super::batch::job_update::validate_job_update(n, o, &mut errs)
        }
        (Object::ConfigMap(n), Object::ConfigMap(o)) => {
            super::config::validate_config_map_update(n, o, &mut errs)
        }
        (Object::Secret(n), Object::Secret(o)) => {
            super::config::validate_secret_update(n, o, &mut errs)
        }
        _ => {}
    }
    errs
}

fn is_config_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 253
        && k.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && k != "."
        && k != ".."
}

/// The errors of a pod's spec alone (templates are validated with it, under their own path).
pub fn validate_pod_errors(p: &Pod) -> Vec<FieldError> {
    let mut errs = Vec::new();
    validate_pod(p, &mut errs);
    errs
}

fn validate_pod(p: &Pod, errs: &mut Vec<FieldError>) {
    let Some(spec) = p.spec.as_ref() else {
        errs.push(FieldError::required("spec.containers", ""));
        return;
    };
    if spec.containers.is_empty() {
        errs.push(FieldError::required("spec.containers", ""));
    }
    let mut names = BTreeSet::new();
    let mut volume_names = BTreeSet::new();
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        let f = format!("spec.volumes[{i}].name");
        if v.name.is_empty() {
            errs.push(FieldError::required(f, ""));
        } else if !volume_names.insert(v.name.clone()) {
            errs.push(FieldError::duplicate(f, &v.name));
        }
    }
    let groups = [
        (
            "initContainers",
            spec.init_containers.as_deref().unwrap_or(&[]),
        ),
        ("containers", &spec.containers[..]),
    ];
    for (group, containers) in groups {
        for (i, c) in containers.iter().enumerate() {
            let base = format!("spec.{group}[{i}]");
            if c.name.is_empty() {
                errs.push(FieldError::required(format!("{base}.name"), ""));
            } else {
                for m in dns1123_label(&c.name) {
                    errs.push(FieldError::invalid_str(format!("{base}.name"), &c.name, m));
                }
                if !names.insert(c.name.clone()) {
                    errs.push(FieldError::duplicate(format!("{base}.name"), &c.name));
                }
            }
            if c.image.as_deref().unwrap_or("").trim().is_empty() {
                errs.push(FieldError::required(format!("{base}.image"), ""));
            }
            let mut port_names = BTreeSet::new();
            for (j, port) in c.ports.iter().flatten().enumerate() {
                let pf = format!("{base}.ports[{j}]");
                // `validateContainerPorts`: 0 is a missing port, not an out-of-range one.
                if port.container_port == 0 {
                    errs.push(FieldError::required(format!("{pf}.containerPort"), ""));
                } else if !(1..=65535).contains(&port.container_port) {
                    errs.push(FieldError::invalid(
                        format!("{pf}.containerPort"),
                        port.container_port.to_string(),
                        "must be between 1 and 65535, inclusive",
                    ));
                }
                if let Some(hp) = port.host_port {
                    if !(0..=65535).contains(&hp) {
                        errs.push(FieldError::invalid(
                            format!("{pf}.hostPort"),
                            hp.to_string(),
                            "must be between 1 and 65535, inclusive",
                        ));
                    }
                }
                if let Some(n) = &port.name {
                    if n.len() > 15
                        || !is_dns1123_label(n)
                        || !n.chars().any(|c| c.is_ascii_lowercase())
                    {
                        errs.push(FieldError::invalid_str(format!("{pf}.name"), n, "must be no more than 15 characters, contain only lowercase alphanumeric characters or '-', contain at least one letter, not start or end with a hyphen"));
                    } else if !port_names.insert(n.clone()) {
                        errs.push(FieldError::duplicate(format!("{pf}.name"), n));
                    }
                }
                if let Some(proto) = &port.protocol {
                    if !["TCP", "UDP", "SCTP"].contains(&proto.as_str()) {
                        errs.push(FieldError::not_supported(
                            format!("{pf}.protocol"),
                            proto,
                            &["SCTP", "TCP", "UDP"],
                        ));
                    }
                }
            }
            if let Some(res) = &c.resources {
                for (which, list) in [("limits", &res.limits), ("requests", &res.requests)] {
                    for (rname, q) in list.iter().flatten() {
                        match quantity::parse_milli(&q.0) {
                            None => errs.push(FieldError::invalid(format!("{base}.resources.{which}[{rname}]"), format!("{:?}", q.0), "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")),
                            Some(v) if v < 0 => errs.push(FieldError::invalid(format!("{base}.resources.{which}[{rname}]"), format!("{:?}", q.0), "must be greater than or equal to 0")),
                            _ => {}
                        }
                    }
                }
                for (rname, req) in res.requests.iter().flatten() {
                    let lim = res.limits.as_ref().and_then(|l| l.get(rname));
                    if let (Some(r), Some(l)) = (
                        quantity::parse_milli(&req.0),
                        lim.and_then(|l| quantity::parse_milli(&l.0)),
                    ) {
                        if r > l {
                            errs.push(FieldError::invalid(
                                format!("{base}.resources.requests"),
                                format!("{:?}", req.0),
                                format!(
                                    "must be less than or equal to {rname} limit of {}",
                                    lim.map(|l| l.0.as_str()).unwrap_or("")
                                ),
                            ));
                        }
                    }
                }
            }
            for (j, m) in c.volume_mounts.iter().flatten().enumerate() {
                if !volume_names.contains(&m.name) {
                    errs.push(FieldError::not_found_volume(
                        format!("{base}.volumeMounts[{j}].name"),
                        &m.name,
                    ));
                }
            }
        }
    }
    if let Some(rp) = &spec.restart_policy {
        if !["Always", "OnFailure", "Never"].contains(&rp.as_str()) {
            errs.push(FieldError::not_supported(
                "spec.restartPolicy",
                rp,
                &["Always", "OnFailure", "Never"],
            ));
        }
    }
    if let Some(dp) = &spec.dns_policy {
        if !["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"].contains(&dp.as_str()) {
            errs.push(FieldError::not_supported(
                "spec.dnsPolicy",
                dp,
                &["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"],
            ));
        }
    }
    if let Some(g) = spec.termination_grace_period_seconds {
        if g < 0 {
            errs.push(FieldError::invalid(
                "spec.terminationGracePeriodSeconds",
                g.to_string(),
                "must be greater than or equal to 0",
            ));
        }
    }
    if let Some(d) = spec.active_deadline_seconds {
        if d <= 0 {
            errs.push(FieldError::invalid(
                "spec.activeDeadlineSeconds",
                d.to_string(),
                "must be between 1 and 2147483647, inclusive",
            ));
        }
    }
    for (k, v) in spec.node_selector.iter().flatten() {
        if let Err(m) = validate_label_key(k) {
            errs.push(FieldError::invalid_str("spec.nodeSelector", k, m));
        }
        if let Err(m) = validate_label_value(v) {
            errs.push(FieldError::invalid_str("spec.nodeSelector", v, m));
        }
    }
}

impl FieldError {
    fn not_found_volume(field: String, name: &str) -> FieldError {
        FieldError {
            field,
            kind: FieldErrorType::NotFound,
            value: format!("{name:?}"),
            detail: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn names() {
        assert!(dns1123_subdomain("web-1.a").is_empty());
        assert_eq!(dns1123_subdomain("Web").len(), 1);
        assert!(dns1123_label("a.b").len() == 1);
        assert!(validate_label_key("app.kubernetes.io/name").is_ok());
        assert!(validate_label_key("-bad").is_err());
        assert!(validate_label_value("").is_ok());
        assert!(validate_label_value("bad value").is_err());
    }
}
