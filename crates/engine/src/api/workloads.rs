//! Defaults and validation of the workload kinds that carry a pod template: ReplicationController,
//! ReplicaSet, Deployment, DaemonSet and StatefulSet (`pkg/apis/apps/v1/defaults.go`,
//! `pkg/apis/apps/validation`). Jobs and CronJobs live in [`super::batch`].

use super::defaults::default_pod_spec;
use super::selector::Selector;
use super::validation::{validate_label_key, validate_label_value, FieldError};
use super::{Object, Pod};
use k8s_openapi::api::apps::v1::{
    DaemonSetUpdateStrategy, DeploymentStrategy, RollingUpdateDaemonSet, RollingUpdateDeployment,
    RollingUpdateStatefulSetStrategy, StatefulSetPersistentVolumeClaimRetentionPolicy,
    StatefulSetUpdateStrategy,
};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

/// Applies the API server's defaults to a workload object.
pub fn default_workload(obj: &mut Object) {
    match obj {
        Object::ReplicationController(rc) => {
            let spec = rc.spec.get_or_insert_with(Default::default);
            spec.replicas.get_or_insert(1);
            let template_labels = spec
                .template
                .as_ref()
                .and_then(|t| t.metadata.as_ref())
                .and_then(|m| m.labels.clone());
            // An RC without a selector selects its template's labels; without labels of its
            // own it carries them too (`SetDefaults_ReplicationController`).
            if let Some(labels) = template_labels.filter(|l| !l.is_empty()) {
                if spec.selector.as_ref().is_none_or(|s| s.is_empty()) {
                    spec.selector = Some(labels.clone());
                }
                if rc.metadata.labels.as_ref().is_none_or(|l| l.is_empty()) {
                    rc.metadata.labels = Some(labels);
                }
            }
            if let Some(t) = spec.template.as_mut() {
                default_template(t);
            }
        }
        Object::ReplicaSet(rs) => {
            rs.spec.replicas.get_or_insert(1);
            if let Some(t) = rs.spec.template.as_mut() {
                default_template(t);
            }
        }
        Object::Deployment(d) => {
            let spec = &mut d.spec;
            spec.replicas.get_or_insert(1);
            let strategy = spec
                .strategy
                .get_or_insert_with(DeploymentStrategy::default);
            let ty = strategy
                .type_
                .get_or_insert_with(|| "RollingUpdate".into())
                .clone();
            if ty == "RollingUpdate" {
                let ru = strategy
                    .rolling_update
                    .get_or_insert_with(RollingUpdateDeployment::default);
                ru.max_surge
                    .get_or_insert_with(|| IntOrString::String("25%".into()));
                ru.max_unavailable
                    .get_or_insert_with(|| IntOrString::String("25%".into()));
            }
            spec.revision_history_limit.get_or_insert(10);
            spec.progress_deadline_seconds.get_or_insert(600);
            default_template(&mut spec.template);
        }
        Object::DaemonSet(ds) => {
            // `PrepareForCreate`: the first template generation.
            ds.metadata
                .annotations
                .get_or_insert_with(BTreeMap::new)
                .insert(DAEMON_SET_TEMPLATE_GENERATION.into(), "1".into());
            let spec = &mut ds.spec;
            let strategy = spec
                .update_strategy
                .get_or_insert_with(DaemonSetUpdateStrategy::default);
            let ty = strategy
                .type_
                .get_or_insert_with(|| "RollingUpdate".into())
                .clone();
            if ty == "RollingUpdate" {
                let ru = strategy
                    .rolling_update
                    .get_or_insert_with(RollingUpdateDaemonSet::default);
                ru.max_unavailable.get_or_insert(IntOrString::Int(1));
                ru.max_surge.get_or_insert(IntOrString::Int(0));
            }
            spec.revision_history_limit.get_or_insert(10);
            default_template(&mut spec.template);
        }
        Object::StatefulSet(sts) => {
            let spec = &mut sts.spec;
            spec.replicas.get_or_insert(1);
            spec.pod_management_policy
                .get_or_insert_with(|| "OrderedReady".into());
            let strategy = spec
                .update_strategy
                .get_or_insert_with(StatefulSetUpdateStrategy::default);
            let ty = strategy
                .type_
                .get_or_insert_with(|| "RollingUpdate".into())
                .clone();
            if ty == "RollingUpdate" {
                let ru = strategy
                    .rolling_update
                    .get_or_insert_with(RollingUpdateStatefulSetStrategy::default);
                ru.partition.get_or_insert(0);
            }
            spec.revision_history_limit.get_or_insert(10);
            let policy = spec
                .persistent_volume_claim_retention_policy
                .get_or_insert_with(StatefulSetPersistentVolumeClaimRetentionPolicy::default);
            policy.when_deleted.get_or_insert_with(|| "Retain".into());
            policy.when_scaled.get_or_insert_with(|| "Retain".into());
            for pvc in spec.volume_claim_templates.iter_mut().flatten() {
                let ps = pvc.spec.get_or_insert_with(Default::default);
                ps.volume_mode.get_or_insert_with(|| "Filesystem".into());
                pvc.status
                    .get_or_insert_with(Default::default)
                    .phase
                    .get_or_insert_with(|| "Pending".into());
            }
            default_template(&mut spec.template);
        }
        _ => {}
    }
}

/// The annotation in which the API server keeps a DaemonSet's template generation (the
/// internal `spec.templateGeneration`): 1 on create, one more on every update that changes
/// the template. The DaemonSet controller copies it into the `pod-template-generation` label.
pub const DAEMON_SET_TEMPLATE_GENERATION: &str = "deprecated.daemonset.template.generation";

/// What the API server changes on an update of a workload before validation
/// (`daemonSetStrategy.PrepareForUpdate`): a DaemonSet whose template changed gets the next
/// template generation; otherwise it keeps the stored one, whatever the request said.
pub fn prepare_workload_update(new: &mut Object, old: &Object) {
    if let (Object::DaemonSet(n), Object::DaemonSet(o)) = (new, old) {
        let stored = o
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(DAEMON_SET_TEMPLATE_GENERATION))
            .and_then(|g| g.parse::<i64>().ok());
        let Some(stored) = stored else { return };
        let generation = if n.spec.template != o.spec.template {
            stored + 1
        } else {
            stored
        };
        n.metadata
            .annotations
            .get_or_insert_with(BTreeMap::new)
            .insert(
                DAEMON_SET_TEMPLATE_GENERATION.into(),
                generation.to_string(),
            );
    }
}

/// Defaults of a pod template: the pod-spec defaults, not the pod admission ones (no
/// service-account token volume, no default tolerations, no priority).
pub fn default_template(t: &mut PodTemplateSpec) {
    if let Some(spec) = t.spec.as_mut() {
        default_pod_spec(spec);
    }
}

/// A string as Go's `encoding/json` writes it: serde_json's escapes plus Go's HTML-safe ones
/// (`<` `>` `&` as `\u003c` `\u003e` `\u0026`) and the JavaScript line separators.
pub fn go_json_string(s: &str) -> String {
    let quoted = serde_json::Value::String(s.to_string()).to_string();
    let mut out = String::with_capacity(quoted.len());
    for c in quoted.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// A label map as field errors print it since v1.34 (`field.Error` renders a non-scalar bad
/// value with `json.Marshal`): `{"app":"x","tier":"web"}`, keys sorted; a nil map is `null`.
pub fn json_string_map(m: Option<&BTreeMap<String, String>>) -> String {
    let Some(m) = m else {
        return "null".into();
    };
    let pairs: Vec<String> = m
        .iter()
        .map(|(k, v)| format!("{}:{}", go_json_string(k), go_json_string(v)))
        .collect();
    format!("{{{}}}", pairs.join(","))
}

/// Validates a workload object (see the module doc).
pub fn validate_workload(obj: &Object, errs: &mut Vec<FieldError>) {
    match obj {
        Object::ReplicationController(rc) => {
            let Some(spec) = rc.spec.as_ref() else { return };
            check_replicas(spec.replicas, errs);
            let selector = spec.selector.clone().unwrap_or_default();
            if selector.is_empty() {
                errs.push(FieldError::required("spec.selector", ""));
            }
            match spec.template.as_ref() {
                None => errs.push(FieldError::required("spec.template", "")),
                Some(t) => {
                    let sel = Selector::from_map(&selector);
                    check_template(t, Some(&sel), errs);
                }
            }
        }
        Object::ReplicaSet(rs) => {
            check_replicas(rs.spec.replicas, errs);
            let sel = check_selector(&rs.spec.selector, errs);
            match rs.spec.template.as_ref() {
                None => errs.push(FieldError::required("spec.template", "")),
                Some(t) => check_template(t, sel.as_ref(), errs),
            }
        }
        Object::Deployment(d) => {
            check_replicas(d.spec.replicas, errs);
            let sel = check_selector(&d.spec.selector, errs);
            check_template(&d.spec.template, sel.as_ref(), errs);
            if let Some(ru) = d
                .spec
                .strategy
                .as_ref()
                .and_then(|s| s.rolling_update.as_ref())
            {
                let surge = ru.max_surge.as_ref();
                let unavailable = ru.max_unavailable.as_ref();
                check_int_or_percent(surge, "spec.strategy.rollingUpdate.maxSurge", errs);
                check_int_or_percent(
                    unavailable,
                    "spec.strategy.rollingUpdate.maxUnavailable",
                    errs,
                );
                if is_zero(surge) && is_zero(unavailable) {
                    errs.push(FieldError::invalid(
                        "spec.strategy.rollingUpdate.maxUnavailable",
                        int_or_string_go(unavailable),
                        "may not be 0 when `maxSurge` is 0",
                    ));
                }
            }
            if d.spec.strategy.as_ref().and_then(|s| s.type_.as_deref()) == Some("Recreate")
                && d.spec
                    .strategy
                    .as_ref()
                    .is_some_and(|s| s.rolling_update.is_some())
            {
                errs.push(FieldError::forbidden(
                    "spec.strategy.rollingUpdate",
                    "may not be specified when strategy `type` is 'Recreate'",
                ));
            }
        }
        Object::DaemonSet(ds) => {
            let sel = check_selector(&ds.spec.selector, errs);
            check_template(&ds.spec.template, sel.as_ref(), errs);
        }
        Object::StatefulSet(sts) => {
            check_replicas(sts.spec.replicas, errs);
            let sel = check_selector(&sts.spec.selector, errs);
            // The pods get a volume per claim template, so mounts may name them.
            let mut template = sts.spec.template.clone();
            if let Some(spec) = template.spec.as_mut() {
                for c in sts.spec.volume_claim_templates.iter().flatten() {
                    let name = c.metadata.name.clone().unwrap_or_default();
                    let volumes = spec.volumes.get_or_insert_with(Vec::new);
                    if !volumes.iter().any(|v| v.name == name) {
                        volumes.push(k8s_openapi::api::core::v1::Volume {
                            name: name.clone(),
                            persistent_volume_claim: Some(
                                k8s_openapi::api::core::v1::PersistentVolumeClaimVolumeSource {
                                    claim_name: name,
                                    read_only: None,
                                },
                            ),
                            ..Default::default()
                        });
                    }
                }
            }
            check_template(&template, sel.as_ref(), errs);
        }
        _ => {}
    }
}

fn check_replicas(replicas: Option<i32>, errs: &mut Vec<FieldError>) {
    if let Some(r) = replicas.filter(|r| *r < 0) {
        errs.push(FieldError::invalid(
            "spec.replicas",
            r.to_string(),
            "must be greater than or equal to 0",
        ));
    }
}

/// A `metav1.LabelSelector` that must be present and non-empty.
fn check_selector(s: &LabelSelector, errs: &mut Vec<FieldError>) -> Option<Selector> {
    let empty = s.match_labels.as_ref().is_none_or(|m| m.is_empty())
        && s.match_expressions.as_ref().is_none_or(|e| e.is_empty());
    if empty {
        errs.push(FieldError::required("spec.selector", ""));
        return None;
    }
    for (k, v) in s.match_labels.iter().flatten() {
        if let Err(m) = validate_label_key(k) {
            errs.push(FieldError::invalid_str("spec.selector.matchLabels", k, m));
        }
        if let Err(m) = validate_label_value(v) {
            errs.push(FieldError::invalid_str("spec.selector.matchLabels", v, m));
        }
    }
    for (i, e) in s.match_expressions.iter().flatten().enumerate() {
        let f = format!("spec.selector.matchExpressions[{i}]");
        match e.operator.as_str() {
            "In" | "NotIn" => {
                if e.values.as_ref().is_none_or(|v| v.is_empty()) {
                    errs.push(FieldError::required(
                        format!("{f}.values"),
                        "must be specified when `operator` is 'In' or 'NotIn'",
                    ));
                }
            }
            "Exists" | "DoesNotExist" => {
                if e.values.as_ref().is_some_and(|v| !v.is_empty()) {
                    errs.push(FieldError::forbidden(
                        format!("{f}.values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    ));
                }
            }
            other => errs.push(FieldError::invalid_str(
                format!("{f}.operator"),
                other,
                "not a valid selector operator",
            )),
        }
    }
    Selector::from_label_selector(s).ok()
}

/// The template's labels must satisfy the selector; its spec is validated like a pod's, under
/// `spec.template.spec`, and workload pods must restart `Always`.
fn check_template(t: &PodTemplateSpec, selector: Option<&Selector>, errs: &mut Vec<FieldError>) {
    let template_labels = t.metadata.as_ref().and_then(|m| m.labels.as_ref());
    let labels = template_labels.cloned().unwrap_or_default();
    if let Some(sel) = selector {
        if !sel.matches(Some(&labels)) {
            errs.push(FieldError::invalid(
                "spec.template.metadata.labels",
                json_string_map(template_labels),
                "`selector` does not match template `labels`",
            ));
        }
    }
    for (k, v) in &labels {
        if let Err(m) = validate_label_key(k) {
            errs.push(FieldError::invalid_str(
                "spec.template.metadata.labels",
                k,
                m,
            ));
        }
        if let Err(m) = validate_label_value(v) {
            errs.push(FieldError::invalid_str(
                "spec.template.metadata.labels",
                v,
                m,
            ));
        }
    }
    let pod = Pod {
        spec: t.spec.clone(),
        ..Default::default()
    };
    for mut e in super::validation::validate_pod_errors(&pod) {
        if let Some(rest) = e.field.strip_prefix("spec.") {
            e.field = format!("spec.template.spec.{rest}");
        } else if e.field == "spec" {
            e.field = "spec.template.spec".into();
        }
        errs.push(e);
    }
    if let Some(policy) = t.spec.as_ref().and_then(|s| s.restart_policy.as_deref()) {
        if policy != "Always" {
            errs.push(FieldError::not_supported(
                "spec.template.spec.restartPolicy",
                policy,
                &["Always"],
            ));
        }
    }
}

fn is_zero(v: Option<&IntOrString>) -> bool {
    match v {
        None => false,
        Some(IntOrString::Int(n)) => *n == 0,
        Some(IntOrString::String(s)) => s.trim_end_matches('%').parse::<i32>() == Ok(0),
    }
}

fn int_or_string_go(v: Option<&IntOrString>) -> String {
    match v {
        Some(IntOrString::Int(n)) => n.to_string(),
        Some(IntOrString::String(s)) => format!("{s:?}"),
        None => "0".into(),
    }
}

fn check_int_or_percent(v: Option<&IntOrString>, field: &str, errs: &mut Vec<FieldError>) {
    match v {
        Some(IntOrString::Int(n)) if *n < 0 => errs.push(FieldError::invalid(
            field,
            n.to_string(),
            "must be greater than or equal to 0",
        )),
        Some(IntOrString::String(s)) => {
            let pct = s.strip_suffix('%').and_then(|n| n.parse::<i32>().ok());
            match pct {
                None => errs.push(FieldError::invalid(
                    field,
                    format!("{s:?}"),
                    "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
                )),
                Some(p) if p > 100 => errs.push(FieldError::invalid(
                    field,
                    format!("{s:?}"),
                    "must not be greater than 100%",
                )),
                _ => {}
            }
        }
        _ => {}
    }
}

/// A `metav1.LabelSelector` as field errors print it since v1.34 (`json.Marshal`, fields in
/// Go's order, empty ones omitted): `{"matchLabels":{"app":"web"}}`,
/// `{"matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]}]}`, `{}`.
pub fn json_label_selector(s: &LabelSelector) -> String {
    let mut fields = Vec::new();
    if let Some(m) = s.match_labels.as_ref().filter(|m| !m.is_empty()) {
        fields.push(format!("\"matchLabels\":{}", json_string_map(Some(m))));
    }
    if let Some(list) = s.match_expressions.as_ref().filter(|l| !l.is_empty()) {
        let items: Vec<String> = list
            .iter()
            .map(|e| {
                let mut item = format!(
                    "{{\"key\":{},\"operator\":{}",
                    go_json_string(&e.key),
                    go_json_string(&e.operator)
                );
                if let Some(values) = e.values.as_ref().filter(|v| !v.is_empty()) {
                    let values: Vec<String> = values.iter().map(|v| go_json_string(v)).collect();
                    item.push_str(&format!(",\"values\":[{}]", values.join(",")));
                }
                item.push('}');
                item
            })
            .collect();
        fields.push(format!("\"matchExpressions\":[{}]", items.join(",")));
    }
    format!("{{{}}}", fields.join(","))
}

/// The checks only an update has (`ValidateXUpdate` and the apps/v1 strategies):
/// `spec.selector` of a ReplicaSet, Deployment, DaemonSet or StatefulSet may not change
/// (`spec.selector: Invalid value: {"matchLabels":{...}}: field is immutable`), and a
/// StatefulSet may change only replicas, ordinals, template, updateStrategy,
/// revisionHistoryLimit, persistentVolumeClaimRetentionPolicy and minReadySeconds.
/// A ReplicationController's selector may change (core/v1 allows it).
pub fn validate_workload_update(new: &Object, old: &Object, errs: &mut Vec<FieldError>) {
    let immutable_selector = |n: &LabelSelector, o: &LabelSelector, errs: &mut Vec<FieldError>| {
        if n != o {
            errs.push(FieldError::invalid(
                "spec.selector",
                json_label_selector(n),
                "field is immutable",
            ));
        }
    };
    match (new, old) {
        (Object::ReplicaSet(n), Object::ReplicaSet(o)) => {
            immutable_selector(&n.spec.selector, &o.spec.selector, errs)
        }
        (Object::Deployment(n), Object::Deployment(o)) => {
            immutable_selector(&n.spec.selector, &o.spec.selector, errs)
        }
        (Object::DaemonSet(n), Object::DaemonSet(o)) => {
            immutable_selector(&n.spec.selector, &o.spec.selector, errs)
        }
        (Object::StatefulSet(n), Object::StatefulSet(o)) => {
            // Everything but the mutable fields must be as stored.
            let mut clone = n.spec.clone();
            clone.replicas = o.spec.replicas;
            clone.template = o.spec.template.clone();
            clone.update_strategy = o.spec.update_strategy.clone();
            clone.min_ready_seconds = o.spec.min_ready_seconds;
            clone.ordinals = o.spec.ordinals.clone();
            clone.revision_history_limit = o.spec.revision_history_limit;
            clone.persistent_volume_claim_retention_policy =
                o.spec.persistent_volume_claim_retention_policy.clone();
            if clone != o.spec {
                errs.push(FieldError::forbidden(
                    "spec",
                    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
                ));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod update_tests {
    use super::*;
    use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    fn selector(app: &str) -> LabelSelector {
        LabelSelector {
            match_labels: Some(BTreeMap::from([("app".to_string(), app.to_string())])),
            match_expressions: None,
        }
    }

    #[test]
    fn deployment_selector_is_immutable() {
        let mut old = Deployment::default();
        old.spec.selector = selector("web");
        let mut new = old.clone();
        let mut errs = Vec::new();
        new.spec.replicas = Some(5);
        validate_workload_update(
            &Object::from(new.clone()),
            &Object::from(old.clone()),
            &mut errs,
        );
        assert!(errs.is_empty());
        new.spec.selector = selector("web2");
        validate_workload_update(&Object::from(new), &Object::from(old), &mut errs);
        assert_eq!(
            errs[0].to_string(),
            "spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"web2\"}}: field is immutable"
        );
        let s = LabelSelector {
            match_labels: None,
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: "tier".into(),
                operator: "In".into(),
                values: Some(vec!["a".into(), "b".into()]),
            }]),
        };
        assert_eq!(
            json_label_selector(&s),
            r#"{"matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]}]}"#
        );
        assert_eq!(json_label_selector(&LabelSelector::default()), "{}");
    }

    /// Since v1.34 a bad label map prints as JSON; a template without labels prints `null`.
    #[test]
    fn template_labels_print_as_json() {
        let mut errs = Vec::new();
        let mut d = Deployment::default();
        d.spec.selector = selector("web");
        d.spec.template.metadata = Some(Default::default());
        validate_workload(&Object::from(d.clone()), &mut errs);
        assert_eq!(
            errs[0].to_string(),
            "spec.template.metadata.labels: Invalid value: null: `selector` does not match template `labels`"
        );
        errs.clear();
        d.spec.template.metadata =
            Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                labels: Some(BTreeMap::from([
                    ("tier".to_string(), "a&b".to_string()),
                    ("app".to_string(), "nginx".to_string()),
                ])),
                ..Default::default()
            });
        validate_workload(&Object::from(d), &mut errs);
        assert_eq!(
            errs[0].to_string(),
            r#"spec.template.metadata.labels: Invalid value: {"app":"nginx","tier":"a\u0026b"}: `selector` does not match template `labels`"#
        );
    }

    #[test]
    fn statefulset_allows_only_its_mutable_fields() {
        let mut old = StatefulSet::default();
        old.spec.service_name = Some("web".into());
        let mut new = old.clone();
        new.spec.replicas = Some(4);
        new.spec.min_ready_seconds = Some(3);
        let mut errs = Vec::new();
        validate_workload_update(
            &Object::from(new.clone()),
            &Object::from(old.clone()),
            &mut errs,
        );
        assert!(errs.is_empty());
        new.spec.service_name = Some("other".into());
        validate_workload_update(&Object::from(new), &Object::from(old), &mut errs);
        assert_eq!(
            errs[0].to_string(),
            "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
        );
    }
}
