//! Defaults, validation and warnings of Ingress and IngressClass
//! (`pkg/apis/networking/v1/defaults.go`, `pkg/apis/networking/validation/validation.go`,
//! `pkg/api/ingress/util.go`).
//!
//! Only `networking.k8s.io/v1` is served: `extensions/v1beta1` and `networking.k8s.io/v1beta1`
//! Ingresses were removed in Kubernetes 1.22, and kubectl refuses them before they reach the
//! server ("no matches for kind \"Ingress\" in version ...").

use super::validation::{dns1123_subdomain, FieldError, FieldErrorType};
use super::Object;
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, Ingress, IngressBackend, IngressClass, IngressClassParametersReference,
    IngressSpec,
};

/// The annotation that named an Ingress's class before `spec.ingressClassName` (deprecated).
pub const ANNOTATION_INGRESS_CLASS: &str = "kubernetes.io/ingress.class";

/// The annotation that makes an IngressClass the cluster's default.
pub const ANNOTATION_IS_DEFAULT_CLASS: &str = "ingressclass.kubernetes.io/is-default-class";

/// The path types of `networking.k8s.io/v1`, sorted as the API server lists them.
pub const PATH_TYPES: &[&str] = &["Exact", "ImplementationSpecific", "Prefix"];

const INVALID_PATH_SEQUENCES: &[&str] = &["//", "/./", "/../", "%2f", "%2F"];
const INVALID_PATH_SUFFIXES: &[&str] = &["/..", "/."];

const WILDCARD_DNS1123_MSG: &str = "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_LABEL_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/// `SetDefaults_IngressClass`: a parameters reference without a scope is cluster-scoped.
/// Ingresses have no defaults in `networking.k8s.io/v1` (pathType must be given).
pub fn default_ingress_kinds(obj: &mut Object) {
    if let Object::IngressClass(ic) = obj {
        if let Some(p) = ic.spec.as_mut().and_then(|s| s.parameters.as_mut()) {
            p.scope.get_or_insert_with(|| "Cluster".into());
        }
    }
}

/// The DefaultIngressClass admission plugin (`plugin/pkg/admission/network/
/// defaultingressclass`), run on create only, after defaulting and before validation: an
/// Ingress with neither `spec.ingressClassName` nor the deprecated `kubernetes.io/ingress.class`
/// annotation gets the class annotated `ingressclass.kubernetes.io/is-default-class: "true"`.
/// Since Kubernetes 1.25 several defaults are no longer an error: the newest wins, and of
/// classes created in the same second the lowest name (`a` created at 10:00:05 beats `b`
/// created at 10:00:01; `a` and `b` both at 10:00:05 give `a`).
pub fn admit_default_ingress_class<'a>(
    obj: &mut Object,
    classes: impl Iterator<Item = &'a std::sync::Arc<Object>>,
) {
    let Object::Ingress(ing) = obj else { return };
    if ing
        .spec
        .as_ref()
        .is_some_and(|s| s.ingress_class_name.is_some())
        || ing
            .metadata
            .annotations
            .as_ref()
            .is_some_and(|a| a.contains_key(ANNOTATION_INGRESS_CLASS))
    {
        return;
    }
    let is_default = |o: &Object| {
        o.metadata()
            .annotations
            .as_ref()
            .and_then(|a| a.get(ANNOTATION_IS_DEFAULT_CLASS))
            .is_some_and(|v| v == "true")
    };
    let newest = classes
        .filter(|o| matches!(o.as_ref(), Object::IngressClass(_)) && is_default(o))
        .max_by(|a, b| {
            let created = |o: &Object| o.metadata().creation_timestamp.clone();
            created(a)
                .cmp(&created(b))
                .then_with(|| b.name().cmp(a.name()))
        });
    if let Some(class) = newest {
        ing.spec
            .get_or_insert_with(Default::default)
            .ingress_class_name = Some(class.name().to_string());
    }
}

/// Validates Ingresses and IngressClasses (metadata is validated by the caller).
pub fn validate_ingress_kinds(obj: &Object, errs: &mut Vec<FieldError>) {
    match obj {
        Object::Ingress(ing) => validate_ingress(ing, errs),
        Object::IngressClass(ic) => validate_ingress_class(ic, errs),
        _ => {}
    }
}

/// The warnings the API server sends with a created or updated Ingress (kubectl prints them
/// as `Warning: ...` on stderr).
pub fn warnings(obj: &Object) -> Vec<String> {
    let Object::Ingress(ing) = obj else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if ing
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key(ANNOTATION_INGRESS_CLASS))
    {
        out.push(format!(
            "annotation {ANNOTATION_INGRESS_CLASS:?} is deprecated, please use 'spec.ingressClassName' instead"
        ));
    }
    out
}

fn validate_ingress(ing: &Ingress, errs: &mut Vec<FieldError>) {
    let empty = IngressSpec::default();
    let spec = ing.spec.as_ref().unwrap_or(&empty);
    let rules = spec.rules.as_deref().unwrap_or(&[]);
    if rules.is_empty() && spec.default_backend.is_none() {
        // `spec.Rules` as JSON (v1.34+): absent is a nil slice, `null`; `rules: []` is `[]`.
        let value = if spec.rules.is_some() { "[]" } else { "null" };
        errs.push(FieldError::invalid(
            "spec",
            value,
            "either `defaultBackend` or `rules` must be specified",
        ));
    }
    if let Some(b) = &spec.default_backend {
        validate_backend(b, "spec.defaultBackend", errs);
    }
    for (i, rule) in rules.iter().enumerate() {
        let host = rule.host.as_deref().unwrap_or("");
        let field = format!("spec.rules[{i}].host");
        if !host.is_empty() {
            if host.parse::<std::net::IpAddr>().is_ok() {
                errs.push(FieldError::invalid_str(
                    &field,
                    host,
                    "must be a DNS name, not an IP address",
                ));
            }
            let msgs = if host.contains('*') {
                wildcard_dns1123_subdomain(host)
            } else {
                dns1123_subdomain(host)
            };
            for m in msgs {
                errs.push(FieldError::invalid_str(&field, host, m));
            }
        }
        if let Some(http) = &rule.http {
            let base = format!("spec.rules[{i}].http");
            if http.paths.is_empty() {
                errs.push(FieldError::required(format!("{base}.paths"), ""));
            }
            for (j, path) in http.paths.iter().enumerate() {
                validate_path(path, &format!("{base}.paths[{j}]"), errs);
            }
        }
    }
    for (i, tls) in spec.tls.iter().flatten().enumerate() {
        for (j, host) in tls.hosts.iter().flatten().enumerate() {
            let msgs = if host.contains('*') {
                wildcard_dns1123_subdomain(host)
            } else {
                dns1123_subdomain(host)
            };
            for m in msgs {
                errs.push(FieldError::invalid_str(
                    format!("spec.tls[{i}].hosts[{j}]"),
                    host,
                    m,
                ));
            }
        }
        let secret = tls.secret_name.as_deref().unwrap_or("");
        if !secret.is_empty() {
            for m in dns1123_subdomain(secret) {
                errs.push(FieldError::invalid_str(
                    format!("spec.tls[{i}].secretName"),
                    secret,
                    m,
                ));
            }
        }
    }
    if let Some(class) = &spec.ingress_class_name {
        for m in dns1123_subdomain(class) {
            errs.push(FieldError::invalid_str("spec.ingressClassName", class, m));
        }
    }
    // `ValidateIngressCreate`: the old annotation and the field must agree.
    let annotation = ing
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(ANNOTATION_INGRESS_CLASS));
    if let (Some(a), Some(class)) = (annotation, &spec.ingress_class_name) {
        if a != class {
            errs.push(FieldError::invalid_str(
                format!("annotations.{ANNOTATION_INGRESS_CLASS}"),
                a,
                "must match `ingressClassName` when both are specified",
            ));
        }
    }
}

fn validate_path(path: &HTTPIngressPath, base: &str, errs: &mut Vec<FieldError>) {
    // k8s-openapi decodes a missing `pathType` as "": the field is required in v1.
    if path.path_type.is_empty() {
        errs.push(FieldError::required(
            format!("{base}.pathType"),
            "pathType must be specified",
        ));
        return;
    }
    let p = path.path.as_deref().unwrap_or("");
    let field = format!("{base}.path");
    match path.path_type.as_str() {
        "Exact" | "Prefix" => {
            if !p.starts_with('/') {
                errs.push(FieldError::invalid_str(
                    &field,
                    p,
                    "must be an absolute path",
                ));
            }
            if !p.is_empty() {
                for seq in INVALID_PATH_SEQUENCES {
                    if p.contains(seq) {
                        errs.push(FieldError::invalid_str(
                            &field,
                            p,
                            format!("must not contain '{seq}'"),
                        ));
                    }
                }
                for suffix in INVALID_PATH_SUFFIXES {
                    if p.ends_with(suffix) {
                        errs.push(FieldError::invalid_str(
                            &field,
                            p,
                            format!("cannot end with '{suffix}'"),
                        ));
                    }
                }
            }
        }
        "ImplementationSpecific" => {
            if !p.is_empty() && !p.starts_with('/') {
                errs.push(FieldError::invalid_str(
                    &field,
                    p,
                    "must be an absolute path",
                ));
            }
        }
        other => errs.push(FieldError::not_supported(
            format!("{base}.pathType"),
            other,
            PATH_TYPES,
        )),
    }
    validate_backend(&path.backend, &format!("{base}.backend"), errs);
}

fn validate_backend(b: &IngressBackend, base: &str, errs: &mut Vec<FieldError>) {
    match (&b.resource, &b.service) {
        (Some(_), Some(_)) => errs.push(FieldError::invalid(
            base,
            "\"\"",
            "cannot set both resource and service backends",
        )),
        (Some(r), None) => {
            let f = format!("{base}.resource");
            if let Some(g) = &r.api_group {
                for m in dns1123_subdomain(g) {
                    errs.push(FieldError::invalid_str(format!("{f}.apiGroup"), g, m));
                }
            }
            path_segment(&r.kind, &format!("{f}.kind"), errs);
            path_segment(&r.name, &format!("{f}.name"), errs);
        }
        (None, Some(svc)) => {
            if svc.name.is_empty() {
                errs.push(FieldError::required(format!("{base}.service.name"), ""));
            } else {
                for m in dns1035_label(&svc.name) {
                    errs.push(FieldError::invalid_str(
                        format!("{base}.service.name"),
                        &svc.name,
                        m,
                    ));
                }
            }
            let port = svc.port.clone().unwrap_or_default();
            let name = port.name.as_deref().unwrap_or("");
            let number = port.number.unwrap_or(0);
            if !name.is_empty() && number != 0 {
                errs.push(FieldError::invalid(
                    base,
                    "\"\"",
                    "cannot set both port name & port number",
                ));
            } else if !name.is_empty() {
                for m in port_name_errors(name) {
                    errs.push(FieldError::invalid_str(
                        format!("{base}.service.port.name"),
                        name,
                        m,
                    ));
                }
            } else if number != 0 {
                if !(1..=65535).contains(&number) {
                    errs.push(FieldError::invalid(
                        format!("{base}.service.port.number"),
                        number.to_string(),
                        "must be between 1 and 65535, inclusive",
                    ));
                }
            } else {
                errs.push(FieldError::required(
                    base,
                    "port name or number is required",
                ));
            }
        }
        (None, None) => errs.push(FieldError::invalid(
            base,
            "\"\"",
            "resource or service backend is required",
        )),
    }
}

fn validate_ingress_class(ic: &IngressClass, errs: &mut Vec<FieldError>) {
    let spec = ic.spec.clone().unwrap_or_default();
    let controller = spec.controller.as_deref().unwrap_or("");
    if controller.is_empty() {
        errs.push(FieldError::required("spec.controller", ""));
    } else {
        if controller.len() > 250 {
            errs.push(FieldError {
                field: "spec.controller".into(),
                kind: FieldErrorType::TooLong,
                value: String::new(),
                detail: "may not be more than 250 bytes".into(),
            });
        }
        domain_prefixed_path("spec.controller", controller, errs);
    }
    if let Some(p) = &spec.parameters {
        validate_parameters(p, errs);
    }
}

fn validate_parameters(p: &IngressClassParametersReference, errs: &mut Vec<FieldError>) {
    let f = "spec.parameters";
    if let Some(g) = &p.api_group {
        for m in dns1123_subdomain(g) {
            errs.push(FieldError::invalid_str(format!("{f}.apiGroup"), g, m));
        }
    }
    path_segment(&p.kind, &format!("{f}.kind"), errs);
    path_segment(&p.name, &format!("{f}.name"), errs);
    match p.scope.as_deref() {
        None => errs.push(FieldError::required(format!("{f}.scope"), "")),
        Some("Namespace") => match &p.namespace {
            None => errs.push(FieldError::required(
                format!("{f}.namespace"),
                "`parameters.scope` is set to 'Namespace'",
            )),
            Some(ns) => {
                for m in super::validation::dns1123_label(ns) {
                    errs.push(FieldError::invalid_str(format!("{f}.namespace"), ns, m));
                }
            }
        },
        Some("Cluster") => {
            if p.namespace.is_some() {
                errs.push(FieldError::forbidden(
                    format!("{f}.namespace"),
                    "`parameters.scope` is set to 'Cluster'",
                ));
            }
        }
        Some(other) => errs.push(FieldError::not_supported(
            format!("{f}.scope"),
            other,
            &["Cluster", "Namespace"],
        )),
    }
}

/// `IsDomainPrefixedPath`: `example.com/controller`.
fn domain_prefixed_path(field: &str, value: &str, errs: &mut Vec<FieldError>) {
    let Some((host, path)) = value
        .split_once('/')
        .filter(|(h, p)| !h.is_empty() && !p.is_empty())
    else {
        errs.push(FieldError::invalid_str(
            field,
            value,
            "must be a domain-prefixed path (such as \"acme.io/foo\")",
        ));
        return;
    };
    for m in dns1123_subdomain(host) {
        errs.push(FieldError::invalid_str(field, host, m));
    }
    let path_ok = path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/-._~%!$&'()*+,;=:".contains(c));
    if !path_ok {
        errs.push(FieldError::invalid_str(
            field,
            path,
            "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')",
        ));
    }
}

/// `IsPathSegmentName`: a kind or name that can be one segment of a URL path.
fn path_segment(value: &str, field: &str, errs: &mut Vec<FieldError>) {
    if value.is_empty() {
        errs.push(FieldError::required(field, ""));
        return;
    }
    if value == "." || value == ".." {
        errs.push(FieldError::invalid_str(
            field,
            value,
            format!("may not be '{value}'"),
        ));
    }
    for bad in ["/", "%"] {
        if value.contains(bad) {
            errs.push(FieldError::invalid_str(
                field,
                value,
                format!("may not contain '{bad}'"),
            ));
        }
    }
}

/// `IsWildcardDNS1123Subdomain`: `*.example.com`.
pub fn wildcard_dns1123_subdomain(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 253 {
        errs.push("must be no more than 253 characters".to_string());
    }
    let ok = s
        .strip_prefix("*.")
        .is_some_and(|rest| dns1123_subdomain(rest).is_empty());
    if !ok {
        errs.push(WILDCARD_DNS1123_MSG.to_string());
    }
    errs
}

/// `NameIsDNS1035Label` (Service names).
fn dns1035_label(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push("must be no more than 63 characters".to_string());
    }
    let b = s.as_bytes();
    let ok = !b.is_empty()
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[b.len() - 1] != b'-';
    if !ok {
        errs.push(DNS1035_LABEL_MSG.to_string());
    }
    errs
}

/// `IsValidPortName` (IANA_SVC_NAME).
fn port_name_errors(port: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if port.len() > 15 {
        errs.push("must be no more than 15 characters".to_string());
    }
    if !port
        .bytes()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
    {
        errs.push(
            "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".to_string(),
        );
    }
    if !port.bytes().any(|c| c.is_ascii_lowercase()) {
        errs.push("must contain at least one letter (a-z)".to_string());
    }
    if port.contains("--") {
        errs.push("must not contain consecutive hyphens".to_string());
    }
    if port.starts_with('-') || port.ends_with('-') {
        errs.push("must not begin or end with a hyphen".to_string());
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(spec: serde_json::Value) -> Vec<String> {
        let ing: Ingress = serde_json::from_value(json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "x"}, "spec": spec
        }))
        .unwrap();
        let mut errs = Vec::new();
        validate_ingress(&ing, &mut errs);
        errs.iter().map(ToString::to_string).collect()
    }

    fn rule(path: serde_json::Value) -> serde_json::Value {
        json!({"rules": [{"http": {"paths": [path]}}]})
    }

    #[test]
    fn path_type_is_required_in_v1() {
        let e = errors(rule(
            json!({"path": "/", "backend": {"service": {"name": "web", "port": {"number": 80}}}}),
        ));
        assert_eq!(
            e,
            vec![
                "spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"
            ]
        );
    }

    #[test]
    fn prefix_paths_must_be_absolute_and_clean() {
        let e = errors(rule(
            json!({"path": "app//x/.", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}),
        ));
        assert_eq!(
            e,
            vec![
                "spec.rules[0].http.paths[0].path: Invalid value: \"app//x/.\": must be an absolute path",
                "spec.rules[0].http.paths[0].path: Invalid value: \"app//x/.\": must not contain '//'",
                "spec.rules[0].http.paths[0].path: Invalid value: \"app//x/.\": cannot end with '/.'",
            ]
        );
        let e = errors(rule(
            json!({"path": "/(.*)", "pathType": "Regex", "backend": {"service": {"name": "web", "port": {"number": 80}}}}),
        ));
        assert_eq!(e, vec!["spec.rules[0].http.paths[0].pathType: Unsupported value: \"Regex\": supported values: \"Exact\", \"ImplementationSpecific\", \"Prefix\""]);
    }

    #[test]
    fn backends_need_a_service_name_and_one_port() {
        let e = errors(rule(
            json!({"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "Web"}}}),
        ));
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].starts_with("spec.rules[0].http.paths[0].backend.service.name: Invalid value: \"Web\": a DNS-1035 label"));
        assert_eq!(
            e[1],
            "spec.rules[0].http.paths[0].backend: Required value: port name or number is required"
        );
        let e = errors(
            json!({"defaultBackend": {"service": {"name": "web", "port": {"name": "http", "number": 80}}}}),
        );
        assert_eq!(
            e,
            vec![
                "spec.defaultBackend: Invalid value: \"\": cannot set both port name & port number"
            ]
        );
        let e = errors(json!({}));
        assert_eq!(
            e,
            vec!["spec: Invalid value: null: either `defaultBackend` or `rules` must be specified"]
        );
    }

    #[test]
    fn hosts_may_be_wildcards_but_not_ips() {
        let ok = json!({"host": "*.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}});
        assert!(errors(json!({"rules": [ok]})).is_empty());
        let e = errors(json!({"rules": [{"host": "10.0.0.1"}, {"host": "foo.*.com"}]}));
        assert_eq!(
            e[0],
            "spec.rules[0].host: Invalid value: \"10.0.0.1\": must be a DNS name, not an IP address"
        );
        assert!(e[1].starts_with(
            "spec.rules[1].host: Invalid value: \"foo.*.com\": a wildcard DNS-1123 subdomain"
        ));
    }

    #[test]
    fn class_annotation_warns_and_must_match_the_field() {
        let ing: Ingress = serde_json::from_value(json!({
            "metadata": {"name": "x", "annotations": {"kubernetes.io/ingress.class": "nginx"}},
            "spec": {"ingressClassName": "traefik", "defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}}
        }))
        .unwrap();
        let mut errs = Vec::new();
        validate_ingress(&ing, &mut errs);
        assert_eq!(errs[0].to_string(), "annotations.kubernetes.io/ingress.class: Invalid value: \"nginx\": must match `ingressClassName` when both are specified");
        assert_eq!(
            warnings(&Object::from(ing)),
            vec!["annotation \"kubernetes.io/ingress.class\" is deprecated, please use 'spec.ingressClassName' instead"]
        );
    }

    #[test]
    fn ingress_class_controller_is_a_domain_prefixed_path() {
        let ic: IngressClass = serde_json::from_value(
            json!({"metadata": {"name": "nginx"}, "spec": {"controller": "nginx"}}),
        )
        .unwrap();
        let mut errs = Vec::new();
        validate_ingress_class(&ic, &mut errs);
        assert_eq!(
            errs[0].to_string(),
            "spec.controller: Invalid value: \"nginx\": must be a domain-prefixed path (such as \"acme.io/foo\")"
        );
    }

    fn class(name: &str, default: &str, created: &str) -> std::sync::Arc<Object> {
        let v = json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
            "metadata": {"name": name, "creationTimestamp": created,
                "annotations": {ANNOTATION_IS_DEFAULT_CLASS: default}},
            "spec": {"controller": "k8s.io/ingress-nginx"}
        });
        std::sync::Arc::new(Object::IngressClass(serde_json::from_value(v).unwrap()))
    }

    fn admitted(ingress: serde_json::Value, classes: &[std::sync::Arc<Object>]) -> Option<String> {
        let mut obj = Object::Ingress(serde_json::from_value(ingress).unwrap());
        admit_default_ingress_class(&mut obj, classes.iter());
        let Object::Ingress(ing) = obj else {
            unreachable!()
        };
        ing.spec.and_then(|s| s.ingress_class_name)
    }

    #[test]
    fn default_ingress_class_is_set_when_none_is_named() {
        let bare = json!({"metadata": {"name": "x"}, "spec": {}});
        let classes = [
            class("nginx", "true", "2025-01-01T10:00:00Z"),
            class("other", "false", "2025-01-01T11:00:00Z"),
        ];
        assert_eq!(admitted(bare.clone(), &classes).as_deref(), Some("nginx"));
        // An explicit class or the deprecated annotation is left alone.
        let named = json!({"metadata": {"name": "x"}, "spec": {"ingressClassName": "other"}});
        assert_eq!(admitted(named, &classes).as_deref(), Some("other"));
        let annotated = json!({"metadata": {"name": "x",
            "annotations": {ANNOTATION_INGRESS_CLASS: "other"}}});
        assert_eq!(admitted(annotated, &classes), None);
        // No default class: nothing is set.
        assert_eq!(admitted(bare, &classes[1..]), None);
    }

    #[test]
    fn of_several_default_classes_the_newest_wins_then_the_lowest_name() {
        let bare = json!({"metadata": {"name": "x"}});
        let classes = [
            class("b", "true", "2025-01-01T10:00:05Z"),
            class("a", "true", "2025-01-01T10:00:01Z"),
        ];
        assert_eq!(admitted(bare.clone(), &classes).as_deref(), Some("b"));
        let classes = [
            class("b", "true", "2025-01-01T10:00:05Z"),
            class("a", "true", "2025-01-01T10:00:05Z"),
        ];
        assert_eq!(admitted(bare, &classes).as_deref(), Some("a"));
    }
}
