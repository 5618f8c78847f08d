//! `kubectl describe cronjob` (`describeCronJob`): the schedule and its policies, the Job
//! template (`describeJobTemplate`), the last schedule time, the active Jobs and events.

use super::pod_template::{describe_pod_template, format_label_selector};
use super::{annotations_multiline, describe_events, labels_multiline, rfc1123z, PrefixWriter};
use crate::kubectl::columns::RowContext;
use k8s_openapi::api::core::v1::Event;
use kubarium_engine::api::CronJob;

/// `printBoolPtr`.
fn bool_ptr(b: Option<bool>) -> &'static str {
    match b {
        None => "<unset>",
        Some(true) => "True",
        Some(false) => "False",
    }
}

fn or_unset(v: Option<impl std::fmt::Display>, suffix: &str) -> String {
    match v {
        Some(v) => format!("{v}{suffix}"),
        None => "<unset>".into(),
    }
}

pub(crate) fn describe_cron_job(cj: &CronJob, events: Option<&[Event]>, rc: &RowContext) -> String {
    let mut w = PrefixWriter::default();
    let spec = &cj.spec;
    let status = cj.status.clone().unwrap_or_default();
    w.write(
        0,
        &format!("Name:\t{}\n", cj.metadata.name.as_deref().unwrap_or("")),
    );
    w.write(
        0,
        &format!(
            "Namespace:\t{}\n",
            cj.metadata.namespace.as_deref().unwrap_or("")
        ),
    );
    labels_multiline(&mut w, "Labels", cj.metadata.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", cj.metadata.annotations.as_ref());
    w.write(0, &format!("Schedule:\t{}\n", spec.schedule));
    w.write(
        0,
        &format!(
            "Concurrency Policy:\t{}\n",
            spec.concurrency_policy.as_deref().unwrap_or("")
        ),
    );
    w.write(0, &format!("Suspend:\t{}\n", bool_ptr(spec.suspend)));
    w.write(
        0,
        &format!(
            "Successful Job History Limit:\t{}\n",
            or_unset(spec.successful_jobs_history_limit, "")
        ),
    );
    w.write(
        0,
        &format!(
            "Failed Job History Limit:\t{}\n",
            or_unset(spec.failed_jobs_history_limit, "")
        ),
    );
    w.write(
        0,
        &format!(
            "Starting Deadline Seconds:\t{}\n",
            or_unset(spec.starting_deadline_seconds, "s")
        ),
    );
    // describeJobTemplate
    let js = spec.job_template.spec.clone().unwrap_or_default();
    match js.selector.as_ref() {
        Some(s) => w.write(
            0,
            &format!("Selector:\t{}\n", format_label_selector(Some(s))),
        ),
        None => w.write(0, "Selector:\t<unset>\n"),
    }
    w.write(
        0,
        &format!("Parallelism:\t{}\n", or_unset(js.parallelism, "")),
    );
    w.write(
        0,
        &format!("Completions:\t{}\n", or_unset(js.completions, "")),
    );
    if let Some(a) = js.active_deadline_seconds {
        w.write(0, &format!("Active Deadline Seconds:\t{a}s\n"));
    }
    describe_pod_template(&mut w, &js.template);
    match status.last_schedule_time.as_ref() {
        Some(t) => w.write(0, &format!("Last Schedule Time:\t{}\n", rfc1123z(Some(t)))),
        None => w.write(0, "Last Schedule Time:\t<unset>\n"),
    }
    let active: Vec<&str> = status
        .active
        .iter()
        .flatten()
        .map(|r| r.name.as_deref().unwrap_or(""))
        .collect();
    if active.is_empty() {
        w.write(0, "Active Jobs:\t<none>\n");
    } else {
        w.write(0, &format!("Active Jobs:\t{}\n", active.join(", ")));
    }
    if let Some(events) = events {
        describe_events(&mut w, events, rc);
    }
    w.finish()
}
