//! What an update may change in a Job (`ValidateJobSpecUpdate` in
//! `pkg/apis/batch/validation`, with the options `pkg/registry/batch/job/strategy.go` picks).
//!
//! Immutable once created: `spec.selector`, `spec.completionMode`, `spec.podFailurePolicy`,
//! `spec.backoffLimitPerIndex`, `spec.managedBy`, `spec.successPolicy`; `spec.completions`
//! too, except that an Indexed Job may scale it together with `spec.parallelism` (elastic
//! Indexed Jobs, GA since v1.31). `spec.template` is immutable as well, with one exception:
//! a Job that is suspended and never started (`status.startTime` unset) may change its
//! template's scheduling directives — node affinity, `nodeSelector`, `tolerations`,
//! `schedulingGates` — and the template's labels and annotations, so that a queueing
//! controller can place it before letting it run.

use crate::api::validation::FieldError;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Affinity, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde_json::Value;

const IMMUTABLE: &str = "field is immutable";

/// The update errors of a Job, in `ValidateJobSpecUpdate`'s order.
pub fn validate_job_update(new: &Job, old: &Job, errs: &mut Vec<FieldError>) {
    let (Some(n), Some(o)) = (new.spec.as_ref(), old.spec.as_ref()) else {
        return;
    };
    if n.completions != o.completions {
        let indexed = n.completion_mode.as_deref() == Some("Indexed");
        match n.completions {
            None if indexed => {} // validateJobSpec already requires it.
            Some(c) if indexed => {
                if Some(c) != n.parallelism {
                    errs.push(FieldError::invalid(
                        "spec.completions",
                        c.to_string(),
                        "can only be modified in tandem with spec.parallelism",
                    ));
                }
            }
            c => errs.push(FieldError::invalid(
                "spec.completions",
                c.map_or("null".to_string(), |c| c.to_string()),
                IMMUTABLE,
            )),
        }
    }
    if n.selector != o.selector {
        let value = n
            .selector
            .as_ref()
            .map_or("null".to_string(), json_label_selector);
        errs.push(FieldError::invalid("spec.selector", value, IMMUTABLE));
    }
    let suspended = o.suspend == Some(true);
    let not_started = old.status.as_ref().is_none_or(|s| s.start_time.is_none());
    let allowed = allow_scheduling_directives(&n.template, &o.template, suspended && not_started);
    if n.template != allowed {
        errs.push(FieldError::invalid(
            "spec.template",
            go_pod_template(&n.template),
            IMMUTABLE,
        ));
    }
    if n.completion_mode != o.completion_mode {
        let value = n
            .completion_mode
            .as_deref()
            .map_or("null".to_string(), |m| format!("{m:?}"));
        errs.push(FieldError::invalid("spec.completionMode", value, IMMUTABLE));
    }
    let immutable_struct = |field: &str, n: Option<Value>, o: Option<Value>| {
        (n != o).then(|| {
            let value = n
                .as_ref()
                .map_or("null".to_string(), |v| go_value(field, v));
            FieldError::invalid(format!("spec.{field}"), value, IMMUTABLE)
        })
    };
    errs.extend(immutable_struct(
        "podFailurePolicy",
        json(&n.pod_failure_policy),
        json(&o.pod_failure_policy),
    ));
    if n.backoff_limit_per_index != o.backoff_limit_per_index {
        let value = n
            .backoff_limit_per_index
            .map_or("null".to_string(), |b| b.to_string());
        errs.push(FieldError::invalid(
            "spec.backoffLimitPerIndex",
            value,
            IMMUTABLE,
        ));
    }
    if n.managed_by != o.managed_by {
        let value = n
            .managed_by
            .as_deref()
            .map_or("null".to_string(), |m| format!("{m:?}"));
        errs.push(FieldError::invalid("spec.managedBy", value, IMMUTABLE));
    }
    errs.extend(immutable_struct(
        "successPolicy",
        json(&n.success_policy),
        json(&o.success_policy),
    ));
}

/// A `metav1.LabelSelector` as the API server (1.34+) writes an invalid value: JSON, fields in
/// Go's order (`matchLabels`, then `matchExpressions`), empty ones left out.
fn json_label_selector(s: &LabelSelector) -> String {
    let mut fields = Vec::new();
    if let Some(m) = s.match_labels.as_ref().filter(|m| !m.is_empty()) {
        fields.push(format!(
            "\"matchLabels\":{}",
            serde_json::to_string(m).unwrap_or_default()
        ));
    }
    if let Some(e) = s.match_expressions.as_ref().filter(|e| !e.is_empty()) {
        fields.push(format!(
            "\"matchExpressions\":{}",
            serde_json::to_string(e).unwrap_or_default()
        ));
    }
    format!("{{{}}}", fields.join(","))
}

/// `validatePodTemplateUpdate`: the old template with the new one's scheduling directives,
/// labels and annotations when `allowed`, else the old template unchanged. The new template
/// must equal it.
fn allow_scheduling_directives(
    new: &PodTemplateSpec,
    old: &PodTemplateSpec,
    allowed: bool,
) -> PodTemplateSpec {
    let mut t = old.clone();
    if !allowed {
        return t;
    }
    let (Some(ns), Some(os)) = (new.spec.as_ref(), t.spec.as_mut()) else {
        return t;
    };
    os.affinity = match (ns.affinity.as_ref(), os.affinity.take()) {
        // Cleared: allowed when the old affinity had nothing but node affinity.
        (None, Some(mut a)) => {
            a.node_affinity = None;
            (a != Affinity::default()).then_some(a)
        }
        // Added: node affinity is free to appear.
        (Some(n), None) => Some(Affinity {
            node_affinity: n.node_affinity.clone(),
            ..Default::default()
        }),
        (Some(n), Some(mut a)) => {
            a.node_affinity = n.node_affinity.clone();
            Some(a)
        }
        (None, None) => None,
    };
    os.node_selector = ns.node_selector.clone();
    os.tolerations = ns.tolerations.clone();
    os.scheduling_gates = ns.scheduling_gates.clone();
    let nm = new.metadata.clone().unwrap_or_default();
    let om = t.metadata.get_or_insert_with(Default::default);
    om.labels = nm.labels;
    om.annotations = nm.annotations;
    if t.metadata
        .as_ref()
        .is_some_and(|m| *m == Default::default())
        && new.metadata.is_none()
    {
        t.metadata = None;
    }
    t
}

/// An optional struct as JSON, to compare and print it.
fn json<T: serde::Serialize>(v: &Option<T>) -> Option<Value> {
    v.as_ref().and_then(|v| serde_json::to_value(v).ok())
}

/// Go's `%#v` of the internal `core.PodTemplateSpec`, the value a rejected template update
/// names: `core.PodTemplateSpec{ObjectMeta:v1.ObjectMeta{Labels:map[string]string{...}},
/// Spec:core.PodSpec{Containers:[]core.Container{core.Container{Name:"pi", ...}}, ...}}`.
/// Abbreviated: the API server prints every field of every struct, unset ones as `""`, `0`,
/// `(nil)` and pointers as addresses such as `(*int64)(0xc00a1b2c38)`; this prints the
/// fields that are set, pointers by their value.
pub fn go_pod_template(t: &PodTemplateSpec) -> String {
    let v = serde_json::to_value(t).unwrap_or(Value::Null);
    let mut parts = Vec::new();
    if let Some(m) = v.get("metadata") {
        parts.push(format!("ObjectMeta:{}", go_struct("v1.ObjectMeta", m)));
    }
    if let Some(s) = v.get("spec") {
        parts.push(format!("Spec:{}", go_struct("core.PodSpec", s)));
    }
    format!("core.PodTemplateSpec{{{}}}", parts.join(", "))
}

/// Go's `%#v` of a struct whose JSON is `v`: `Type{Field:value, ...}`.
fn go_struct(type_name: &str, v: &Value) -> String {
    let Value::Object(m) = v else {
        return go_value("", v);
    };
    let fields: Vec<String> = m
        .iter()
        .map(|(k, v)| {
            let value = match (type_name, k.as_str(), v) {
                ("core.PodSpec", "securityContext", Value::Object(_)) => {
                    go_struct("core.PodSecurityContext", v)
                }
                (_, "resources", Value::Object(_)) => go_struct("core.ResourceRequirements", v),
                _ => go_value(k, v),
            };
            format!("{}:{value}", go_field_name(k))
        })
        .collect();
    format!("{type_name}{{{}}}", fields.join(", "))
}

/// A JSON field's Go name: `imagePullPolicy` -> `ImagePullPolicy`, initialisms upper-case
/// (`dnsPolicy` -> `DNSPolicy`, `hostPID` -> `HostPID`).
fn go_field_name(json: &str) -> String {
    if let Some(rest) = json.strip_prefix("dns") {
        return format!("DNS{rest}");
    }
    let mut c = json.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// Go's `%#v` of the value of JSON field `key`, typed by the field's name: string maps
/// (`labels`, `annotations`, `nodeSelector`, `matchLabels`), resource lists, lists of
/// strings or structs, nested structs (`core.<Field>`), and scalars.
fn go_value(key: &str, v: &Value) -> String {
    match v {
        Value::Null => "nil".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Object(m) => match key {
            "labels" | "annotations" | "nodeSelector" | "matchLabels" => {
                let pairs: Vec<String> = m
                    .iter()
                    .map(|(k, v)| format!("{k:?}:{}", go_value("", v)))
                    .collect();
                format!("map[string]string{{{}}}", pairs.join(", "))
            }
            "limits" | "requests" => {
                let pairs: Vec<String> = m
                    .iter()
                    .map(|(k, v)| format!("{k:?}:{}", go_value("", v)))
                    .collect();
                format!("core.ResourceList{{{}}}", pairs.join(", "))
            }
            _ => go_struct(&format!("core.{}", go_field_name(key)), v),
        },
        Value::Array(items) => {
            if items.iter().all(|i| !i.is_object()) {
                let elems: Vec<String> = items.iter().map(|i| go_value("", i)).collect();
                return format!("[]string{{{}}}", elems.join(", "));
            }
            let elem = format!("core.{}", go_field_name(singular(key)));
            let elems: Vec<String> = items.iter().map(|i| go_struct(&elem, i)).collect();
            format!("[]{elem}{{{}}}", elems.join(", "))
        }
    }
}

/// The element type's name of a list field: `containers` -> `container`,
/// `tolerations` -> `toleration`.
fn singular(key: &str) -> &str {
    match key {
        "env" => "envVar",
        "envFrom" => "envFromSource",
        "ports" => "containerPort",
        "volumeMounts" => "volumeMount",
        "initContainers" => "container",
        _ => key.strip_suffix('s').unwrap_or(key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::validation::validate_update;
    use crate::api::Object;

    fn job(suspend: bool) -> Job {
        serde_yaml::from_str(&format!(
            r#"
apiVersion: batch/v1
kind: Job
metadata: {{name: pi}}
spec:
  suspend: {suspend}
  completions: 3
  selector: {{matchLabels: {{batch.kubernetes.io/controller-uid: u1}}}}
  template:
    metadata: {{labels: {{batch.kubernetes.io/controller-uid: u1}}}}
    spec:
      restartPolicy: Never
      containers: [{{name: pi, image: perl, command: [perl, -e, print]}}]
"#
        ))
        .unwrap()
    }

    fn errors(new: &Job, old: &Job) -> Vec<String> {
        validate_update(&Object::from(new.clone()), &Object::from(old.clone()))
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn image_of_a_running_job_is_immutable() {
        let old = job(false);
        let mut new = old.clone();
        new.spec
            .as_mut()
            .unwrap()
            .template
            .spec
            .as_mut()
            .unwrap()
            .containers[0]
            .image = Some("perl:5.34".into());
        assert_eq!(
            errors(&new, &old),
            ["spec.template: Invalid value: core.PodTemplateSpec{ObjectMeta:v1.ObjectMeta{Labels:map[string]string{\"batch.kubernetes.io/controller-uid\":\"u1\"}}, Spec:core.PodSpec{Containers:[]core.Container{core.Container{Command:[]string{\"perl\", \"-e\", \"print\"}, Image:\"perl:5.34\", Name:\"pi\"}}, RestartPolicy:\"Never\"}}: field is immutable"]
        );
    }

    #[test]
    fn parallelism_and_suspend_may_change_completions_may_not() {
        let old = job(false);
        let mut new = old.clone();
        let s = new.spec.as_mut().unwrap();
        s.parallelism = Some(5);
        s.suspend = Some(true);
        s.active_deadline_seconds = Some(60);
        assert!(errors(&new, &old).is_empty());
        new.spec.as_mut().unwrap().completions = Some(4);
        assert_eq!(
            errors(&new, &old),
            ["spec.completions: Invalid value: 4: field is immutable"]
        );
    }

    #[test]
    fn indexed_completions_change_with_parallelism() {
        let mut old = job(false);
        old.spec.as_mut().unwrap().completion_mode = Some("Indexed".into());
        let mut new = old.clone();
        new.spec.as_mut().unwrap().completions = Some(5);
        assert_eq!(
            errors(&new, &old),
            ["spec.completions: Invalid value: 5: can only be modified in tandem with spec.parallelism"]
        );
        new.spec.as_mut().unwrap().parallelism = Some(5);
        assert!(errors(&new, &old).is_empty());
    }

    #[test]
    fn selector_is_immutable() {
        let old = job(false);
        let mut new = old.clone();
        new.spec.as_mut().unwrap().selector = None;
        assert_eq!(
            errors(&new, &old),
            ["spec.selector: Invalid value: null: field is immutable"]
        );
    }

    #[test]
    fn suspended_job_that_never_started_may_move_its_pods() {
        let old = job(true);
        let mut new = old.clone();
        let t = &mut new.spec.as_mut().unwrap().template;
        t.spec.as_mut().unwrap().node_selector =
            Some([("disk".to_string(), "ssd".to_string())].into());
        t.metadata
            .as_mut()
            .unwrap()
            .labels
            .as_mut()
            .unwrap()
            .insert("queue".into(), "a".into());
        assert!(errors(&new, &old).is_empty());
        // Not the image, though.
        new.spec
            .as_mut()
            .unwrap()
            .template
            .spec
            .as_mut()
            .unwrap()
            .containers[0]
            .image = Some("perl:5.34".into());
        assert_eq!(errors(&new, &old).len(), 1);
        // And not once it ran.
        let mut started = job(true);
        started.status = Some(k8s_openapi::api::batch::v1::JobStatus {
            start_time: Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                Default::default(),
            )),
            ..Default::default()
        });
        let mut moved = started.clone();
        moved
            .spec
            .as_mut()
            .unwrap()
            .template
            .spec
            .as_mut()
            .unwrap()
            .node_selector = Some([("disk".to_string(), "ssd".to_string())].into());
        assert_eq!(errors(&moved, &started).len(), 1);
    }
}
