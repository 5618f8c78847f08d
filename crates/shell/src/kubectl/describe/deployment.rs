//! `kubectl describe deployment` (`describeDeployment`): identity, selector, the replica
//! counters in one line, the strategy, the pod template, the conditions, the old and new
//! ReplicaSets and the events.

use super::pod_template::{describe_pod_template, format_label_selector};
use super::{annotations_multiline, describe_events, labels_multiline, rfc1123z, PrefixWriter};
use crate::kubectl::columns::RowContext;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Event;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// `IntOrString.String()`: `1` or `25%`.
fn int_or_string(v: Option<&IntOrString>) -> String {
    match v {
        Some(IntOrString::Int(n)) => n.to_string(),
        Some(IntOrString::String(s)) => s.clone(),
        None => "0".to_string(),
    }
}

/// `printReplicaSetsByLabels`: `name (created/desired replicas created)`, comma-separated,
/// `<none>` when there are none.
fn replica_sets_line(rss: &[ReplicaSet]) -> String {
    let list: Vec<String> = rss
        .iter()
        .map(|rs| {
            format!(
                "{} ({}/{} replicas created)",
                rs.metadata.name.as_deref().unwrap_or(""),
                rs.status.as_ref().map_or(0, |s| s.replicas),
                rs.spec.replicas.unwrap_or(0)
            )
        })
        .collect();
    if list.is_empty() {
        "<none>".to_string()
    } else {
        list.join(", ")
    }
}

/// The describe text of a Deployment given its ReplicaSets (new and old as the controller
/// sees them) and, unless `--show-events=false`, its events.
pub fn describe_deployment(
    d: &Deployment,
    new: Option<&ReplicaSet>,
    old: &[ReplicaSet],
    events: Option<&[Event]>,
    rc: &RowContext,
) -> String {
    let mut w = PrefixWriter::default();
    let m = &d.metadata;
    let s = d.status.clone().unwrap_or_default();
    let n = |v: Option<i32>| v.unwrap_or(0);
    w.write(0, &format!("Name:\t{}\n", m.name.as_deref().unwrap_or("")));
    w.write(
        0,
        &format!("Namespace:\t{}\n", m.namespace.as_deref().unwrap_or("")),
    );
    w.write(
        0,
        &format!(
            "CreationTimestamp:\t{}\n",
            rfc1123z(m.creation_timestamp.as_ref())
        ),
    );
    labels_multiline(&mut w, "Labels", m.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", m.annotations.as_ref());
    w.write(
        0,
        &format!(
            "Selector:\t{}\n",
            format_label_selector(Some(&d.spec.selector))
        ),
    );
    let mut replicas = format!(
        "Replicas:\t{} desired | {} updated | {} total | {} available | {} unavailable",
        d.spec.replicas.unwrap_or(0),
        n(s.updated_replicas),
        n(s.replicas),
        n(s.available_replicas),
        n(s.unavailable_replicas)
    );
    if let Some(t) = s.terminating_replicas {
        replicas.push_str(&format!(" | {t} terminating"));
    }
    w.write(0, &format!("{replicas}\n"));
    let strategy = d.spec.strategy.clone().unwrap_or_default();
    w.write(
        0,
        &format!(
            "StrategyType:\t{}\n",
            strategy.type_.as_deref().unwrap_or("")
        ),
    );
    w.write(
        0,
        &format!(
            "MinReadySeconds:\t{}\n",
            d.spec.min_ready_seconds.unwrap_or(0)
        ),
    );
    if let Some(ru) = &strategy.rolling_update {
        w.write(
            0,
            &format!(
                "RollingUpdateStrategy:\t{} max unavailable, {} max surge\n",
                int_or_string(ru.max_unavailable.as_ref()),
                int_or_string(ru.max_surge.as_ref())
            ),
        );
    }
    describe_pod_template(&mut w, &d.spec.template);
    let conditions = s.conditions.clone().unwrap_or_default();
    if !conditions.is_empty() {
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n");
        w.write(1, "----\t------\t------\n");
        for c in &conditions {
            w.write(
                1,
                &format!(
                    "{} \t{}\t{}\n",
                    c.type_.as_deref().unwrap_or(""),
                    c.status.as_deref().unwrap_or(""),
                    c.reason.as_deref().unwrap_or("")
                ),
            );
        }
    }
    if !old.is_empty() || new.is_some() {
        w.write(0, &format!("OldReplicaSets:\t{}\n", replica_sets_line(old)));
        let new: Vec<ReplicaSet> = new.into_iter().cloned().collect();
        w.write(0, &format!("NewReplicaSet:\t{}\n", replica_sets_line(&new)));
    }
    if let Some(events) = events {
        describe_events(&mut w, events, rc);
    }
    w.finish()
}
