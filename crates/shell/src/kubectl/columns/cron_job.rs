//! CronJobs (`printCronJob`): `NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE`,
//! with `-o wide` also `CONTAINERS IMAGES SELECTOR` (of the Job template).

use super::replica_set::container_cells;
use super::{col, wide, Column, RowContext};
use crate::kubectl::describe::pod_template::format_label_selector;
use kubarium_engine::api::CronJob;
use kubarium_engine::Object;

pub const COLUMNS: &[Column] = &[
    col("Name"),
    col("Schedule"),
    col("Timezone"),
    col("Suspend"),
    col("Active"),
    col("Last Schedule"),
    col("Age"),
    wide("Containers"),
    wide("Images"),
    wide("Selector"),
];

pub fn row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    match obj {
        Object::CronJob(cj) => cron_job_row(cj, ctx),
        _ => Vec::new(),
    }
}

/// `printBoolPtr`: `<unset>` for nil, else `True`/`False`.
fn bool_ptr(b: Option<bool>) -> String {
    match b {
        None => "<unset>".into(),
        Some(true) => "True".into(),
        Some(false) => "False".into(),
    }
}

pub fn cron_job_row(cj: &CronJob, ctx: &RowContext) -> Vec<String> {
    let status = cj.status.clone().unwrap_or_default();
    let last = match status.last_schedule_time.as_ref() {
        Some(t) => ctx.since(Some(t)),
        None => "<none>".into(),
    };
    let job_spec = cj.spec.job_template.spec.as_ref();
    let (names, images) = container_cells(job_spec.map(|s| &s.template));
    vec![
        cj.metadata.name.clone().unwrap_or_default(),
        cj.spec.schedule.clone(),
        cj.spec.time_zone.clone().unwrap_or_else(|| "<none>".into()),
        bool_ptr(cj.spec.suspend),
        status.active.map_or(0, |a| a.len()).to_string(),
        last,
        ctx.since(cj.metadata.creation_timestamp.as_ref()),
        names,
        images,
        format_label_selector(job_spec.and_then(|s| s.selector.as_ref())),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cron_job_row_before_and_after_a_run() {
        let ctx = RowContext {
            now_unix_ms: 1_795_424_400_000 + 150_000,
        };
        let mut cj: CronJob = serde_json::from_value(json!({
            "metadata": {"name": "hello", "creationTimestamp": "2026-11-23T09:00:00Z"},
            "spec": {"schedule": "*/1 * * * *", "suspend": false,
                "jobTemplate": {"spec": {"template": {"spec": {"containers": [
                    {"name": "hello", "image": "busybox"}]}}}}}
        }))
        .unwrap();
        assert_eq!(
            cron_job_row(&cj, &ctx),
            [
                "hello",
                "*/1 * * * *",
                "<none>",
                "False",
                "0",
                "<none>",
                "2m30s",
                "hello",
                "busybox",
                "<none>"
            ]
        );
        cj.spec.time_zone = Some("Asia/Seoul".into());
        cj.status = Some(
            serde_json::from_value(json!({
            "active": [{"kind": "Job", "name": "hello-29923742"}],
            "lastScheduleTime": "2026-11-23T09:02:00Z"}))
            .unwrap(),
        );
        assert_eq!(
            &cron_job_row(&cj, &ctx)[2..6],
            ["Asia/Seoul", "False", "1", "30s"]
        );
    }
}
