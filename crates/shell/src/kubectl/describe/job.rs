//! `kubectl describe job` (`describeJob`): identity, selector, the Job's spec, its start and
//! completion, the counts of its pods, the pod template and events.

use super::pod_template::{describe_pod_template, format_label_selector};
use super::{annotations_multiline, describe_events, labels_multiline, rfc1123z, PrefixWriter};
use crate::kubectl::columns::{human_duration_ms, RowContext};
use k8s_openapi::api::core::v1::Event;
use kubarium_engine::api::Job;

/// `printController`: `Kind/name` of the object's controller, if any.
pub(crate) fn controlled_by(meta: &kubarium_engine::api::ObjectMeta) -> Option<String> {
    meta.owner_references
        .iter()
        .flatten()
        .find(|r| r.controller == Some(true))
        .map(|r| format!("{}/{}", r.kind, r.name))
}

pub(crate) fn describe_job(job: &Job, events: Option<&[Event]>, rc: &RowContext) -> String {
    let mut w = PrefixWriter::default();
    let spec = job.spec.clone().unwrap_or_default();
    let status = job.status.clone().unwrap_or_default();
    w.write(
        0,
        &format!("Name:\t{}\n", job.metadata.name.as_deref().unwrap_or("")),
    );
    w.write(
        0,
        &format!(
            "Namespace:\t{}\n",
            job.metadata.namespace.as_deref().unwrap_or("")
        ),
    );
    w.write(
        0,
        &format!(
            "Selector:\t{}\n",
            format_label_selector(spec.selector.as_ref())
        ),
    );
    labels_multiline(&mut w, "Labels", job.metadata.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", job.metadata.annotations.as_ref());
    if let Some(c) = controlled_by(&job.metadata) {
        w.write(0, &format!("Controlled By:\t{c}\n"));
    }
    if let Some(p) = spec.parallelism {
        w.write(0, &format!("Parallelism:\t{p}\n"));
    }
    match spec.completions {
        Some(c) => w.write(0, &format!("Completions:\t{c}\n")),
        None => w.write(0, "Completions:\t<unset>\n"),
    }
    if let Some(m) = spec.completion_mode.as_deref() {
        w.write(0, &format!("Completion Mode:\t{m}\n"));
    }
    if let Some(s) = spec.suspend {
        w.write(0, &format!("Suspend:\t{s}\n"));
    }
    if let Some(b) = spec.backoff_limit {
        w.write(0, &format!("Backoff Limit:\t{b}\n"));
    }
    if let Some(t) = spec.ttl_seconds_after_finished {
        w.write(0, &format!("TTL Seconds After Finished:\t{t}\n"));
    }
    if let Some(t) = status.start_time.as_ref() {
        w.write(0, &format!("Start Time:\t{}\n", rfc1123z(Some(t))));
    }
    if let Some(t) = status.completion_time.as_ref() {
        w.write(0, &format!("Completed At:\t{}\n", rfc1123z(Some(t))));
    }
    if let (Some(s), Some(c)) = (status.start_time.as_ref(), status.completion_time.as_ref()) {
        let d = human_duration_ms(c.0.as_millisecond() - s.0.as_millisecond());
        w.write(0, &format!("Duration:\t{d}\n"));
    }
    if let Some(a) = spec.active_deadline_seconds {
        w.write(0, &format!("Active Deadline Seconds:\t{a}s\n"));
    }
    let (active, succeeded, failed) = (
        status.active.unwrap_or(0),
        status.succeeded.unwrap_or(0),
        status.failed.unwrap_or(0),
    );
    match status.ready {
        None => w.write(
            0,
            &format!("Pods Statuses:\t{active} Active / {succeeded} Succeeded / {failed} Failed\n"),
        ),
        Some(ready) => w.write(
            0,
            &format!(
                "Pods Statuses:\t{active} Active ({ready} Ready) / {succeeded} Succeeded / {failed} Failed\n"
            ),
        ),
    }
    if spec.completion_mode.as_deref() == Some("Indexed") {
        let idx = status
            .completed_indexes
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "<none>".into());
        w.write(0, &format!("Completed Indexes:\t{idx}\n"));
    }
    describe_pod_template(&mut w, &spec.template);
    if let Some(events) = events {
        describe_events(&mut w, events, rc);
    }
    w.finish()
}
