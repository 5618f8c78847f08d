//! `kubectl describe rs` and `kubectl describe rc` (`describeReplicaSet`,
//! `describeReplicationController`): identity, selector, replica counts, the phases of the
//! pods the controller owns, the pod template, conditions and events.

use super::pod_template::{describe_pod_template, format_label_selector};
use super::{annotations_multiline, describe_events, labels_multiline, PrefixWriter};
use crate::kubectl::columns::{format_labels, RowContext};
use k8s_openapi::api::core::v1::{Event, PodTemplateSpec};
use kubarium_engine::api::selector::Selector;
use kubarium_engine::api::Pod;
use kubarium_engine::{Kind, Object};

/// Pod phases of a controller's pods: running, waiting (pending), succeeded, failed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PodPhases {
    pub running: usize,
    pub waiting: usize,
    pub succeeded: usize,
    pub failed: usize,
}

/// `getPodStatusForController`: the pods that match the selector *and* are controlled by the
/// object with `uid`, counted by phase.
pub(crate) fn pod_phases<'a>(
    pods: impl Iterator<Item = &'a Pod>,
    selector: &Selector,
    uid: &str,
) -> PodPhases {
    let mut p = PodPhases::default();
    for pod in pods {
        if !selector.matches(pod.metadata.labels.as_ref()) {
            continue;
        }
        let controlled = pod
            .metadata
            .owner_references
            .iter()
            .flatten()
            .any(|r| r.controller == Some(true) && r.uid == uid);
        if !controlled {
            continue;
        }
        match pod.status.as_ref().and_then(|s| s.phase.as_deref()) {
            Some("Running") => p.running += 1,
            Some("Pending") => p.waiting += 1,
            Some("Succeeded") => p.succeeded += 1,
            Some("Failed") => p.failed += 1,
            _ => {}
        }
    }
    p
}

/// What the two describers share, read from either kind.
struct Replicas<'a> {
    selector: String,
    current: i32,
    desired: i32,
    template: Option<&'a PodTemplateSpec>,
    /// `(type, status, reason)` of each condition.
    conditions: Vec<(String, String, String)>,
}

fn replicas_of(obj: &Object) -> Option<Replicas<'_>> {
    match obj {
        Object::ReplicaSet(rs) => Some(Replicas {
            selector: format_label_selector(Some(&rs.spec.selector)),
            current: rs.status.as_ref().map_or(0, |s| s.replicas),
            desired: rs.spec.replicas.unwrap_or(1),
            template: rs.spec.template.as_ref(),
            conditions: rs
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .into_iter()
                .flatten()
                .map(|c| {
                    (
                        c.type_.clone().unwrap_or_default(),
                        c.status.clone().unwrap_or_default(),
                        c.reason.clone().unwrap_or_default(),
                    )
                })
                .collect(),
        }),
        Object::ReplicationController(rc) => {
            let spec = rc.spec.as_ref();
            Some(Replicas {
                selector: format_labels(spec.and_then(|s| s.selector.as_ref())),
                current: rc.status.as_ref().map_or(0, |s| s.replicas),
                desired: spec.and_then(|s| s.replicas).unwrap_or(1),
                template: spec.and_then(|s| s.template.as_ref()),
                conditions: rc
                    .status
                    .as_ref()
                    .and_then(|s| s.conditions.as_ref())
                    .into_iter()
                    .flatten()
                    .map(|c| {
                        (
                            c.type_.clone(),
                            c.status.clone(),
                            c.reason.clone().unwrap_or_default(),
                        )
                    })
                    .collect(),
            })
        }
        _ => None,
    }
}

/// Describes a ReplicaSet or ReplicationController; `pods` are the pods of its namespace.
pub(crate) fn describe_replicas(
    obj: &Object,
    pods: &[Pod],
    events: Option<&[Event]>,
    rc: &RowContext,
) -> String {
    let mut w = PrefixWriter::default();
    let Some(r) = replicas_of(obj) else {
        return String::new();
    };
    let m = obj.metadata();
    w.write(0, &format!("Name:\t{}\n", obj.name()));
    w.write(0, &format!("Namespace:\t{}\n", obj.namespace()));
    w.write(0, &format!("Selector:\t{}\n", r.selector));
    labels_multiline(&mut w, "Labels", m.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", m.annotations.as_ref());
    if obj.kind() == Kind::ReplicaSet {
        if let Some(owner) = m
            .owner_references
            .iter()
            .flatten()
            .find(|o| o.controller == Some(true))
        {
            w.write(
                0,
                &format!("Controlled By:\t{}/{}\n", owner.kind, owner.name),
            );
        }
    }
    w.write(
        0,
        &format!("Replicas:\t{} current / {} desired\n", r.current, r.desired),
    );
    let selector = match obj {
        Object::ReplicaSet(rs) => Selector::from_label_selector(&rs.spec.selector).ok(),
        Object::ReplicationController(c) => c
            .spec
            .as_ref()
            .and_then(|s| s.selector.as_ref())
            .map(Selector::from_map),
        _ => None,
    }
    .unwrap_or_default();
    let uid = m.uid.clone().unwrap_or_default();
    let p = pod_phases(pods.iter(), &selector, &uid);
    w.write(
        0,
        &format!(
            "Pods Status:\t{} Running / {} Waiting / {} Succeeded / {} Failed\n",
            p.running, p.waiting, p.succeeded, p.failed
        ),
    );
    match r.template {
        Some(t) => describe_pod_template(&mut w, t),
        None => w.write(0, "Pod Template:\n  <unset>"),
    }
    if !r.conditions.is_empty() {
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n");
        w.write(1, "----\t------\t------\n");
        for (t, s, reason) in &r.conditions {
            w.write(1, &format!("{t} \t{s}\t{reason}\n"));
        }
    }
    if let Some(events) = events {
        describe_events(&mut w, events, rc);
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn seed_rc_nginx_layout() {
        let rc: k8s_openapi::api::core::v1::ReplicationController = serde_json::from_value(json!({
            "metadata": {"name": "rc-nginx", "namespace": "default", "uid": "u1"},
            "spec": {"replicas": 3, "selector": {"app": "web"},
                "template": {"metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "nginx-container", "image": "nginx:1.14"}]}}},
            "status": {"replicas": 3}
        }))
        .unwrap();
        let pod = |name: &str, phase: &str, owner: &str| -> Pod {
            serde_json::from_value(json!({
                "metadata": {"name": name, "labels": {"app": "web"},
                    "ownerReferences": [{"apiVersion": "v1", "kind": "ReplicationController",
                        "name": "rc-nginx", "uid": owner, "controller": true}]},
                "status": {"phase": phase}
            }))
            .unwrap()
        };
        let pods = vec![
            pod("a", "Running", "u1"),
            pod("b", "Running", "u1"),
            pod("c", "Pending", "u1"),
            pod("d", "Running", "someone-else"),
        ];
        let out = describe_replicas(
            &Object::from(rc),
            &pods,
            Some(&[]),
            &RowContext { now_unix_ms: 0 },
        );
        assert_eq!(
            out,
            "Name:         rc-nginx\n\
             Namespace:    default\n\
             Selector:     app=web\n\
             Labels:       <none>\n\
             Annotations:  <none>\n\
             Replicas:     3 current / 3 desired\n\
             Pods Status:  2 Running / 1 Waiting / 0 Succeeded / 0 Failed\n\
             Pod Template:\n  \
             Labels:  app=web\n  \
             Containers:\n   \
             nginx-container:\n    \
             Image:         nginx:1.14\n    \
             Port:          <none>\n    \
             Host Port:     <none>\n    \
             Environment:   <none>\n    \
             Mounts:        <none>\n  \
             Volumes:         <none>\n  \
             Node-Selectors:  <none>\n  \
             Tolerations:     <none>\n\
             Events:            <none>\n"
        );
    }
}
