//! Jobs (`printJob`): `NAME STATUS COMPLETIONS DURATION AGE`, with `-o wide` also
//! `CONTAINERS IMAGES SELECTOR`.
//!
//! STATUS is the first of: `Complete`, `Failed`, `Terminating` (being deleted), `Suspended`,
//! `FailureTarget`, else `Running`. COMPLETIONS is `succeeded/completions`; a Job without
//! completions shows `succeeded/1`, or `succeeded/1 of parallelism` when more than one pod
//! runs at a time. DURATION runs from `startTime` to `completionTime` (or now); empty before
//! the Job started.

use super::replica_set::container_cells;
use super::{col, human_duration_ms, wide, Column, RowContext};
use crate::kubectl::describe::pod_template::format_label_selector;
use kubarium_engine::api::Job;
use kubarium_engine::Object;

pub const COLUMNS: &[Column] = &[
    col("Name"),
    col("Status"),
    col("Completions"),
    col("Duration"),
    col("Age"),
    wide("Containers"),
    wide("Images"),
    wide("Selector"),
];

pub fn row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    match obj {
        Object::Job(job) => job_row(job, ctx),
        _ => Vec::new(),
    }
}

/// Whether the Job has a condition of this type with status True (`hasJobCondition`).
fn has_condition(job: &Job, type_: &str) -> bool {
    job.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == type_ && c.status == "True"))
}

/// The STATUS cell.
pub fn job_status(job: &Job) -> &'static str {
    if has_condition(job, "Complete") {
        "Complete"
    } else if has_condition(job, "Failed") {
        "Failed"
    } else if job.metadata.deletion_timestamp.is_some() {
        "Terminating"
    } else if has_condition(job, "Suspended") {
        "Suspended"
    } else if has_condition(job, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    }
}

/// The COMPLETIONS cell.
pub fn completions(job: &Job) -> String {
    let spec = job.spec.clone().unwrap_or_default();
    let succeeded = job.status.as_ref().and_then(|s| s.succeeded).unwrap_or(0);
    match spec.completions {
        Some(c) => format!("{succeeded}/{c}"),
        None => match spec.parallelism.unwrap_or(0) {
            p if p > 1 => format!("{succeeded}/1 of {p}"),
            _ => format!("{succeeded}/1"),
        },
    }
}

/// The DURATION cell.
pub fn duration(job: &Job, ctx: &RowContext) -> String {
    let status = job.status.clone().unwrap_or_default();
    match (status.start_time, status.completion_time) {
        (None, _) => String::new(),
        (Some(s), None) => ctx.since(Some(&s)),
        (Some(s), Some(c)) => human_duration_ms(c.0.as_millisecond() - s.0.as_millisecond()),
    }
}

pub fn job_row(job: &Job, ctx: &RowContext) -> Vec<String> {
    let spec = job.spec.clone().unwrap_or_default();
    let (names, images) = container_cells(Some(&spec.template));
    vec![
        job.metadata.name.clone().unwrap_or_default(),
        job_status(job).to_string(),
        completions(job),
        duration(job, ctx),
        ctx.since(job.metadata.creation_timestamp.as_ref()),
        names,
        images,
        format_label_selector(spec.selector.as_ref()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> RowContext {
        RowContext {
            now_unix_ms: 1_795_424_400_000 + 120_000,
        }
    }

    #[test]
    fn running_job_of_the_seed() {
        let job: Job = serde_json::from_value(json!({
            "metadata": {"name": "job-example", "creationTimestamp": "2026-11-23T09:00:00Z"},
            "spec": {"completions": 5, "parallelism": 1,
                "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}},
                "template": {"spec": {"containers": [{"name": "centos-container", "image": "centos:7"}]}}},
            "status": {"startTime": "2026-11-23T09:00:01Z", "succeeded": 2, "active": 1}
        }))
        .unwrap();
        assert_eq!(
            job_row(&job, &ctx()),
            [
                "job-example",
                "Running",
                "2/5",
                "119s",
                "2m",
                "centos-container",
                "centos:7",
                "batch.kubernetes.io/controller-uid=u1"
            ]
        );
    }

    #[test]
    fn complete_failed_and_work_queue_jobs() {
        let mut job: Job = serde_json::from_value(json!({
            "metadata": {"name": "pi", "creationTimestamp": "2026-11-23T09:00:00Z"},
            "spec": {"parallelism": 3, "template": {}},
            "status": {"startTime": "2026-11-23T09:00:00Z", "completionTime": "2026-11-23T09:00:37Z",
                "succeeded": 1,
                "conditions": [{"type": "Complete", "status": "True"}]}
        }))
        .unwrap();
        let r = job_row(&job, &ctx());
        assert_eq!(&r[1..4], ["Complete", "1/1 of 3", "37s"]);
        job.status.as_mut().unwrap().conditions = Some(vec![serde_json::from_value(
            json!({"type": "Failed", "status": "True"}),
        )
        .unwrap()]);
        assert_eq!(job_row(&job, &ctx())[1], "Failed");
        job.status = None;
        assert_eq!(&job_row(&job, &ctx())[1..4], ["Running", "0/1 of 3", ""]);
    }
}
