//! `kubectl describe ds` (`describeDaemonSet`): identity, selectors, the scheduling counters
//! (written without a tab, so they are not aligned), the phases of the daemon's pods, the pod
//! template and events.

use super::pod_template::{describe_pod_template, format_label_selector};
use super::replicas::pod_phases;
use super::{annotations_multiline, describe_events, labels_multiline, PrefixWriter};
use crate::kubectl::columns::{format_labels, RowContext};
use k8s_openapi::api::core::v1::Event;
use kubarium_engine::api::selector::Selector;
use kubarium_engine::api::{DaemonSet, Pod};

/// Describes a DaemonSet; `pods` are the pods of its namespace.
pub(crate) fn describe_daemon_set(
    ds: &DaemonSet,
    pods: &[Pod],
    events: Option<&[Event]>,
    rc: &RowContext,
) -> String {
    let mut w = PrefixWriter::default();
    let m = &ds.metadata;
    let status = ds.status.clone().unwrap_or_default();
    w.write(0, &format!("Name:\t{}\n", m.name.as_deref().unwrap_or("")));
    w.write(
        0,
        &format!("Namespace:\t{}\n", m.namespace.as_deref().unwrap_or("")),
    );
    w.write(
        0,
        &format!(
            "Selector:\t{}\n",
            format_label_selector(Some(&ds.spec.selector))
        ),
    );
    let node_selector = ds
        .spec
        .template
        .spec
        .as_ref()
        .and_then(|s| s.node_selector.as_ref());
    w.write(
        0,
        &format!("Node-Selector:\t{}\n", format_labels(node_selector)),
    );
    labels_multiline(&mut w, "Labels", m.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", m.annotations.as_ref());
    w.write(
        0,
        &format!(
            "Desired Number of Nodes Scheduled: {}\n",
            status.desired_number_scheduled
        ),
    );
    w.write(
        0,
        &format!(
            "Current Number of Nodes Scheduled: {}\n",
            status.current_number_scheduled
        ),
    );
    w.write(
        0,
        &format!(
            "Number of Nodes Scheduled with Up-to-date Pods: {}\n",
            status.updated_number_scheduled.unwrap_or(0)
        ),
    );
    w.write(
        0,
        &format!(
            "Number of Nodes Scheduled with Available Pods: {}\n",
            status.number_available.unwrap_or(0)
        ),
    );
    w.write(
        0,
        &format!(
            "Number of Nodes Misscheduled: {}\n",
            status.number_misscheduled
        ),
    );
    let selector = Selector::from_label_selector(&ds.spec.selector).unwrap_or_default();
    let p = pod_phases(pods.iter(), &selector, m.uid.as_deref().unwrap_or(""));
    w.write(
        0,
        &format!(
            "Pods Status:\t{} Running / {} Waiting / {} Succeeded / {} Failed\n",
            p.running, p.waiting, p.succeeded, p.failed
        ),
    );
    describe_pod_template(&mut w, &ds.spec.template);
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
    fn counters_are_not_aligned_with_the_tabbed_fields() {
        let ds: DaemonSet = serde_json::from_value(json!({
            "metadata": {"name": "fluentd", "namespace": "default", "uid": "u1",
                "annotations": {"deprecated.daemonset.template.generation": "1"}},
            "spec": {"selector": {"matchLabels": {"name": "fluentd"}},
                "template": {"metadata": {"labels": {"name": "fluentd"}},
                    "spec": {"containers": [{"name": "fluentd-container", "image": "fluentd"}]}}},
            "status": {"desiredNumberScheduled": 2, "currentNumberScheduled": 2, "numberReady": 2,
                "numberMisscheduled": 0, "updatedNumberScheduled": 2, "numberAvailable": 2}
        }))
        .unwrap();
        let out = describe_daemon_set(&ds, &[], None, &RowContext { now_unix_ms: 0 });
        assert!(
            out.starts_with(
                "Name:           fluentd\n\
             Namespace:      default\n\
             Selector:       name=fluentd\n\
             Node-Selector:  <none>\n\
             Labels:         <none>\n\
             Annotations:    deprecated.daemonset.template.generation: 1\n\
             Desired Number of Nodes Scheduled: 2\n\
             Current Number of Nodes Scheduled: 2\n\
             Number of Nodes Scheduled with Up-to-date Pods: 2\n\
             Number of Nodes Scheduled with Available Pods: 2\n\
             Number of Nodes Misscheduled: 0\n\
             Pods Status:  0 Running / 0 Waiting / 0 Succeeded / 0 Failed\n\
             Pod Template:\n"
            ),
            "{out}"
        );
    }
}
