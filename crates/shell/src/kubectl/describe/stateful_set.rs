//! `kubectl describe sts` (`describeStatefulSet`): identity, replicas, update strategy (with
//! the partition), the phases of the set's pods, the pod template, the volume claim templates
//! and events.

use super::pod_template::{describe_pod_template, format_label_selector};
use super::replicas::pod_phases;
use super::{annotations_multiline, describe_events, labels_multiline, rfc1123z, PrefixWriter};
use crate::kubectl::columns::persistent_volume::claim_class;
use crate::kubectl::columns::RowContext;
use k8s_openapi::api::core::v1::Event;
use kubarium_engine::api::selector::Selector;
use kubarium_engine::api::{Pod, StatefulSet};

/// Describes a StatefulSet; `pods` are the pods of its namespace.
pub(crate) fn describe_stateful_set(
    sts: &StatefulSet,
    pods: &[Pod],
    events: Option<&[Event]>,
    rc: &RowContext,
) -> String {
    let mut w = PrefixWriter::default();
    let m = &sts.metadata;
    let status = sts.status.clone().unwrap_or_default();
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
    w.write(
        0,
        &format!(
            "Selector:\t{}\n",
            format_label_selector(Some(&sts.spec.selector))
        ),
    );
    labels_multiline(&mut w, "Labels", m.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", m.annotations.as_ref());
    w.write(
        0,
        &format!(
            "Replicas:\t{} desired | {} total\n",
            sts.spec.replicas.unwrap_or(1),
            status.replicas
        ),
    );
    let strategy = sts.spec.update_strategy.clone().unwrap_or_default();
    w.write(
        0,
        &format!(
            "Update Strategy:\t{}\n",
            strategy.type_.as_deref().unwrap_or("")
        ),
    );
    if let Some(partition) = strategy.rolling_update.as_ref().and_then(|r| r.partition) {
        w.write(1, &format!("Partition:\t{partition}\n"));
        if let Some(mu) = strategy
            .rolling_update
            .as_ref()
            .and_then(|r| r.max_unavailable.as_ref())
        {
            let v = match mu {
                k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n) => n.to_string(),
                k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => s.clone(),
            };
            w.write(1, &format!("MaxUnavailable:\t{v}\n"));
        }
    }
    let selector = Selector::from_label_selector(&sts.spec.selector).unwrap_or_default();
    let p = pod_phases(pods.iter(), &selector, m.uid.as_deref().unwrap_or(""));
    w.write(
        0,
        &format!(
            "Pods Status:\t{} Running / {} Waiting / {} Succeeded / {} Failed\n",
            p.running, p.waiting, p.succeeded, p.failed
        ),
    );
    describe_pod_template(&mut w, &sts.spec.template);
    let templates = sts.spec.volume_claim_templates.clone().unwrap_or_default();
    if templates.is_empty() {
        w.write(0, "Volume Claims:\t<none>\n");
    } else {
        w.write(0, "Volume Claims:\n");
        for pvc in &templates {
            w.write(
                1,
                &format!("Name:\t{}\n", pvc.metadata.name.as_deref().unwrap_or("")),
            );
            w.write(1, &format!("StorageClass:\t{}\n", claim_class(pvc)));
            labels_multiline(&mut w, "  Labels", pvc.metadata.labels.as_ref());
            labels_multiline(&mut w, "  Annotations", pvc.metadata.annotations.as_ref());
            let capacity = pvc
                .spec
                .as_ref()
                .and_then(|s| s.resources.as_ref())
                .and_then(|r| r.requests.as_ref())
                .and_then(|r| r.get("storage"))
                .map_or_else(|| "<default>".to_string(), |q| q.0.clone());
            w.write(1, &format!("Capacity:\t{capacity}\n"));
            let modes = pvc
                .spec
                .as_ref()
                .and_then(|s| s.access_modes.clone())
                .unwrap_or_default();
            w.write(1, &format!("Access Modes:\t[{}]\n", modes.join(" ")));
        }
    }
    if let Some(events) = events {
        describe_events(&mut w, events, rc);
    }
    w.finish()
}
