//! The CronJob controller (`pkg/controller/cronjob/cronjob_controllerv2.go`, `utils.go`).
//!
//! A sync looks at the Jobs the CronJob controls (forgetting finished ones from `active`,
//! recording `lastSuccessfulTime`), finds the most recent schedule time that has passed and
//! not been run, and starts a Job for it — unless it is too late (`startingDeadlineSeconds`),
//! already done, or forbidden by `concurrencyPolicy` — then deletes finished Jobs beyond the
//! history limits and asks to be woken 100 ms after the next schedule time. Schedules run on
//! the simulated clock, in the CronJob's `timeZone` (UTC by default).
//!
//! Job names are `<cronjob>-<scheduled time in minutes since the epoch>`, so a schedule time
//! can never start two Jobs. Worked example: `hello` scheduled at 2026-11-24T05:00:00Z
//! (1,795,496,400 s since the epoch) starts `hello-29924940`.

use super::owner;
use super::{Action, Controller};
use crate::api::batch::schedule::Schedule;
use crate::api::batch::{time_zone, CRONJOB_SCHEDULED_TIMESTAMP};
use crate::api::{CronJob, Job, Kind, Object, ObjectKey, ObjectMeta};
use crate::apiserver::{ApiServer, DeleteOptions};
use crate::store::WatchEvent;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use std::sync::Arc;

const NAME: &str = "cronjob-controller";
/// Slack after a schedule time before the controller looks (`nextScheduleDelta`).
const NEXT_SCHEDULE_DELTA_MS: i64 = 100;

/// The CronJob controller.
#[derive(Default)]
pub struct CronJobController;

/// How many schedule times were missed since the last one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Missed {
    None,
    Few,
    Many,
}

/// The name of the Job a CronJob starts for `scheduled` (`getJobName`).
pub fn job_name(cron_job: &str, scheduled: Timestamp) -> String {
    format!("{cron_job}-{}", scheduled.as_second().div_euclid(60))
}

/// `scheduled` as Go's RFC 3339 in `tz` (`Z` for a zero offset).
pub fn rfc3339_in(scheduled: Timestamp, tz: &TimeZone) -> String {
    let z = scheduled.to_zoned(tz.clone());
    let offset = z.offset().seconds();
    if offset == 0 {
        z.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
    }
}

fn to_ts(t: &Time) -> Timestamp {
    t.0
}

/// `mostRecentScheduleTime`: the earliest time to look from (last schedule time or creation,
/// moved up to `now - startingDeadlineSeconds` when asked), the most recent schedule time in
/// `(earliest, now]` if any, and how many were missed.
fn most_recent_schedule_time(
    cj: &CronJob,
    now: Timestamp,
    sched: &Schedule,
    tz: &TimeZone,
    include_starting_deadline: bool,
) -> Result<(Timestamp, Option<Timestamp>, Missed), String> {
    let mut earliest = cj
        .status
        .as_ref()
        .and_then(|s| s.last_schedule_time.as_ref())
        .or(cj.metadata.creation_timestamp.as_ref())
        .map(to_ts)
        .unwrap_or(now);
    if include_starting_deadline {
        if let Some(sds) = cj.spec.starting_deadline_seconds {
            let deadline = Timestamp::from_second(now.as_second() - sds).unwrap_or(now);
            if deadline > earliest {
                earliest = deadline;
            }
        }
    }
    let Some(t1) = sched.next(earliest, tz) else {
        return Err("time difference between two schedules is less than 1 second".into());
    };
    if now < t1 {
        return Ok((earliest, None, Missed::None));
    }
    let Some(t2) = sched.next(t1, tz) else {
        return Err("time difference between two schedules is less than 1 second".into());
    };
    if now < t2 {
        return Ok((earliest, Some(t1), Missed::None));
    }
    let between = t2.as_second() - t1.as_second();
    if between < 1 {
        return Err("time difference between two schedules is less than 1 second".into());
    }
    let elapsed = now.as_second() - t1.as_second();
    let missed = elapsed / between + 1;
    let potential_earliest =
        Timestamp::from_second(t1.as_second() + (missed - 2) * between).unwrap_or(t1);
    let mut most_recent = None;
    let mut t = sched.next(potential_earliest, tz);
    while let Some(x) = t.filter(|x| *x <= now) {
        most_recent = Some(x);
        t = sched.next(x, tz);
    }
    let missed = if missed > 100 {
        Missed::Many
    } else {
        Missed::Few
    };
    Ok((earliest, most_recent, missed))
}

/// `nextScheduleTimeDuration`: milliseconds until 100 ms after the next schedule time.
fn next_schedule_delay(cj: &CronJob, now: Timestamp, sched: &Schedule, tz: &TimeZone) -> Action {
    let from = match most_recent_schedule_time(cj, now, sched, tz, false) {
        Err(_) => now,
        Ok((_, Some(t), _)) => t,
        Ok((earliest, None, Missed::None)) => earliest,
        Ok((_, None, _)) => now,
    };
    match sched.next(from, tz) {
        Some(next) => {
            let ms = next.as_millisecond() + NEXT_SCHEDULE_DELTA_MS - now.as_millisecond();
            Action::RequeueAfter(ms.max(1) as u64)
        }
        None => Action::Done,
    }
}

/// Whether a Job finished, and how (`Complete` or `Failed`).
fn finished_condition(job: &Job) -> Option<&'static str> {
    super::job::finished_at(job).map(|(c, _)| c)
}

fn job_ref(job: &Object) -> ObjectReference {
    ObjectReference {
        api_version: Some("batch/v1".into()),
        kind: Some("Job".into()),
        name: Some(job.name().to_string()),
        namespace: Some(job.namespace().to_string()),
        uid: job.metadata().uid.clone(),
        resource_version: job.metadata().resource_version.clone(),
        ..Default::default()
    }
}

impl Controller for CronJobController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn watches(&self) -> Option<&'static [Kind]> {
        Some(&[Kind::CronJob, Kind::Job])
    }

    fn keys_for(&self, _api: &ApiServer, ev: &WatchEvent, out: &mut Vec<ObjectKey>) {
        super::own_key(ev, Kind::CronJob, out);
        if ev.key.kind == Kind::Job {
            if let Some(k) = owner::controller_key(&ev.object, Kind::CronJob) {
                out.push(k);
            }
        }
    }

    fn reconcile(&mut self, api: &mut ApiServer, key: &ObjectKey) -> Action {
        let Some(obj) = api.store().get(key).cloned() else {
            return Action::Done;
        };
        let Object::CronJob(cj) = obj.as_ref() else {
            return Action::Done;
        };
        let uid = cj.metadata.uid.clone().unwrap_or_default();
        let jobs: Vec<Arc<Object>> = api
            .store()
            .list(Kind::Job, Some(key.namespace.as_str()))
            .filter(|j| owner::is_controlled_by(j, &uid))
            .cloned()
            .collect();
        let mut cj = cj.clone();
        let old_status = cj.status.clone();
        let action = sync(api, &obj, &mut cj, &jobs);
        cleanup_finished_jobs(api, &obj, &mut cj, &jobs);
        // An empty active list is left out, as Go's omitempty does.
        if let Some(s) = cj.status.as_mut() {
            if s.active.as_ref().is_some_and(|a| a.is_empty()) {
                s.active = None;
            }
        }
        if cj.status != old_status {
            let _ = api.update_status(Object::CronJob(cj));
        }
        action
    }
}

/// `syncCronJob`: everything but the history clean-up.
fn sync(api: &mut ApiServer, obj: &Object, cj: &mut CronJob, jobs: &[Arc<Object>]) -> Action {
    let now_ts =
        Timestamp::from_millisecond(api.now().unix_ms() as i64).unwrap_or(Timestamp::UNIX_EPOCH);
    let status = cj.status.get_or_insert_with(Default::default);
    for j in jobs {
        let Some(job) = j.as_::<Job>() else { continue };
        let juid = job.metadata.uid.clone();
        let active = status.active.get_or_insert_with(Vec::new);
        let found = active.iter().any(|r| r.uid == juid);
        match finished_condition(job) {
            None if !found => {
                let msg = format!(
                    "Saw a job that the controller did not create or forgot: {}",
                    j.name()
                );
                api.record_event(obj, "Warning", "UnexpectedJob", &msg, NAME, None);
            }
            None => {}
            Some(cond) => {
                if found {
                    active.retain(|r| r.uid != juid);
                    let msg = format!("Saw completed job: {}, condition: {cond}", j.name());
                    api.record_event(obj, "Normal", "SawCompletedJob", &msg, NAME, None);
                }
                if cond == "Complete" {
                    let done = job.status.as_ref().and_then(|s| s.completion_time.clone());
                    if let Some(done) = done {
                        let later = status
                            .last_successful_time
                            .as_ref()
                            .is_none_or(|t| done.0 > t.0);
                        if later {
                            status.last_successful_time = Some(done);
                        }
                    }
                }
            }
        }
    }
    // Active Jobs that are gone.
    let missing: Vec<ObjectReference> = status
        .active
        .iter()
        .flatten()
        .filter(|r| !jobs.iter().any(|j| j.metadata().uid == r.uid))
        .cloned()
        .collect();
    for r in missing {
        let name = r.name.clone().unwrap_or_default();
        let msg = format!("Active job went missing: {name}");
        api.record_event(obj, "Normal", "MissingJob", &msg, NAME, None);
        if let Some(a) = status.active.as_mut() {
            a.retain(|x| x.uid != r.uid);
        }
    }
    if cj.metadata.deletion_timestamp.is_some() {
        return Action::Done;
    }
    let tz = match cj.spec.time_zone.as_deref() {
        None => TimeZone::UTC,
        Some(name) => match time_zone(name) {
            Some(tz) => tz,
            None => {
                let msg = format!("invalid timeZone: {name:?}: unknown time zone {name}");
                api.record_event(obj, "Warning", "UnknownTimeZone", &msg, NAME, None);
                return Action::Done;
            }
        },
    };
    if cj.spec.suspend == Some(true) {
        return Action::Done;
    }
    let sched = match Schedule::parse(&cj.spec.schedule) {
        Ok(s) => s,
        Err(e) => {
            let msg = format!("unparseable schedule: {:?} : {e}", cj.spec.schedule);
            api.record_event(obj, "Warning", "UnparseableSchedule", &msg, NAME, None);
            return Action::Done;
        }
    };
    let scheduled = match most_recent_schedule_time(cj, now_ts, &sched, &tz, true) {
        Err(e) => {
            let msg = format!("invalid schedule: {} : {e}", cj.spec.schedule);
            api.record_event(obj, "Warning", "InvalidSchedule", &msg, NAME, None);
            return Action::Done;
        }
        Ok((_, None, _)) => return next_schedule_delay(cj, now_ts, &sched, &tz),
        Ok((_, Some(t), missed)) => {
            if missed == Missed::Many {
                api.record_event(
                    obj,
                    "Warning",
                    "TooManyMissedTimes",
                    "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew",
                    NAME,
                    None,
                );
            }
            t
        }
    };
    if let Some(sds) = cj.spec.starting_deadline_seconds {
        if scheduled.as_second() + sds < now_ts.as_second() {
            let when = scheduled
                .to_zoned(TimeZone::UTC)
                .strftime("%a, %d %b %Y %H:%M:%S +0000")
                .to_string();
            let msg = format!("Missed scheduled time to start a job: {when}");
            api.record_event(obj, "Warning", "MissSchedule", &msg, NAME, None);
            return next_schedule_delay(cj, now_ts, &sched, &tz);
        }
    }
    let name = job_name(obj.name(), scheduled);
    let status = cj.status.get_or_insert_with(Default::default);
    let already = status
        .active
        .iter()
        .flatten()
        .any(|r| r.name.as_deref() == Some(name.as_str()))
        || status
            .last_schedule_time
            .as_ref()
            .is_some_and(|t| t.0 == scheduled);
    if already {
        return next_schedule_delay(cj, now_ts, &sched, &tz);
    }
    let active_count = status.active.as_ref().map_or(0, Vec::len);
    match cj.spec.concurrency_policy.as_deref() {
        Some("Forbid") if active_count > 0 => {
            api.record_event(
                obj,
                "Normal",
                "JobAlreadyActive",
                "Not starting job because prior execution is running and concurrency policy is Forbid",
                NAME,
                None,
            );
            return next_schedule_delay(cj, now_ts, &sched, &tz);
        }
        Some("Replace") => {
            let active: Vec<ObjectReference> = status.active.clone().unwrap_or_default();
            for r in active {
                let jkey =
                    ObjectKey::new(Kind::Job, obj.namespace(), r.name.as_deref().unwrap_or(""));
                delete_job(api, obj, cj, &jkey, r.uid.as_deref());
            }
        }
        _ => {}
    }
    let job = job_from_template(cj, obj, &name, scheduled, &tz);
    let created = match api.create(Object::from(job), obj.namespace(), false) {
        Ok(created) => {
            let msg = format!("Created job {}", created.name());
            api.record_event(obj, "Normal", "SuccessfulCreate", &msg, NAME, None);
            created
        }
        Err(e) if e.reason == crate::apiserver::StatusReason::AlreadyExists => {
            let Some(existing) = api
                .store()
                .get(&ObjectKey::new(Kind::Job, obj.namespace(), &name))
                .cloned()
            else {
                return Action::Done;
            };
            let ours = cj
                .metadata
                .uid
                .as_deref()
                .is_some_and(|u| owner::is_controlled_by(&existing, u));
            let listed = cj
                .status
                .iter()
                .flat_map(|s| s.active.iter().flatten())
                .any(|r| r.uid == existing.metadata().uid);
            if !ours || listed {
                return Action::Done;
            }
            existing
        }
        Err(e) => {
            let msg = format!("Error creating job: {}", e.message);
            api.record_event(obj, "Warning", "FailedCreate", &msg, NAME, None);
            return Action::Done;
        }
    };
    let status = cj.status.get_or_insert_with(Default::default);
    status
        .active
        .get_or_insert_with(Vec::new)
        .push(job_ref(&created));
    status.last_schedule_time = Some(Time(scheduled));
    next_schedule_delay(cj, now_ts, &sched, &tz)
}

/// `getJobFromTemplate2`: the Job for one schedule time.
fn job_from_template(
    cj: &CronJob,
    owner_obj: &Object,
    name: &str,
    scheduled: Timestamp,
    tz: &TimeZone,
) -> Job {
    let tm = cj.spec.job_template.metadata.clone().unwrap_or_default();
    let mut annotations = tm.annotations.unwrap_or_default();
    annotations.insert(
        CRONJOB_SCHEDULED_TIMESTAMP.into(),
        rfc3339_in(scheduled, tz),
    );
    Job {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            namespace: Some(owner_obj.namespace().to_string()),
            labels: tm.labels,
            annotations: Some(annotations),
            owner_references: Some(vec![owner::new_controller_ref(owner_obj)]),
            ..Default::default()
        },
        spec: cj.spec.job_template.spec.clone(),
        status: None,
    }
}

/// Deletes a Job of the CronJob (with its pods, in the background) and forgets it.
fn delete_job(
    api: &mut ApiServer,
    obj: &Object,
    cj: &mut CronJob,
    key: &ObjectKey,
    uid: Option<&str>,
) -> bool {
    match api.delete(key, &DeleteOptions::default(), false) {
        Ok(_) => {
            if let Some(a) = cj.status.as_mut().and_then(|s| s.active.as_mut()) {
                a.retain(|r| r.uid.as_deref() != uid);
            }
            let msg = format!("Deleted job {}", key.name);
            api.record_event(obj, "Normal", "SuccessfulDelete", &msg, NAME, None);
            true
        }
        Err(e) => {
            let msg = format!("Deleted job: {}", e.message);
            api.record_event(obj, "Warning", "FailedDelete", &msg, NAME, None);
            false
        }
    }
}

/// `cleanupFinishedJobs`: keeps the newest `successfulJobsHistoryLimit` complete and
/// `failedJobsHistoryLimit` failed Jobs, oldest start time deleted first (name breaks ties).
fn cleanup_finished_jobs(
    api: &mut ApiServer,
    obj: &Object,
    cj: &mut CronJob,
    jobs: &[Arc<Object>],
) {
    let limits = [
        ("Complete", cj.spec.successful_jobs_history_limit),
        ("Failed", cj.spec.failed_jobs_history_limit),
    ];
    for (cond, limit) in limits {
        let Some(limit) = limit else { continue };
        let mut finished: Vec<&Arc<Object>> = jobs
            .iter()
            .filter(|j| j.as_::<Job>().and_then(finished_condition) == Some(cond))
            .collect();
        let excess = finished.len() as i64 - i64::from(limit);
        if excess <= 0 {
            continue;
        }
        let start = |j: &Arc<Object>| {
            j.as_::<Job>()
                .and_then(|j| j.status.as_ref()?.start_time.as_ref().map(|t| t.0))
        };
        crate::sort::sort_by(&mut finished, |a, b| match (start(a), start(b)) {
            (Some(x), Some(y)) if x != y => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            _ => a.name().cmp(b.name()),
        });
        for j in finished.into_iter().take(excess as usize) {
            let uid = j.metadata().uid.clone();
            delete_job(api, obj, cj, &j.key(), uid.as_deref());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn cron(schedule: &str, created: &str, last: Option<&str>, sds: Option<i64>) -> CronJob {
        let mut cj = CronJob::default();
        cj.spec.schedule = schedule.into();
        cj.spec.starting_deadline_seconds = sds;
        cj.metadata.creation_timestamp = Some(Time(ts(created)));
        cj.status = Some(k8s_openapi::api::batch::v1::CronJobStatus {
            last_schedule_time: last.map(|l| Time(ts(l))),
            ..Default::default()
        });
        cj
    }

    #[test]
    fn job_names_count_minutes_since_the_epoch() {
        assert_eq!(
            job_name("hello", ts("2026-11-24T05:00:00Z")),
            "hello-29924940"
        );
        let seoul = time_zone("Asia/Seoul").unwrap();
        assert_eq!(
            rfc3339_in(ts("2026-11-23T20:00:00Z"), &seoul),
            "2026-11-24T05:00:00+09:00"
        );
        assert_eq!(
            rfc3339_in(ts("2026-11-24T05:00:00Z"), &TimeZone::UTC),
            "2026-11-24T05:00:00Z"
        );
    }

    #[test]
    fn most_recent_unmet_schedule_time() {
        let s = Schedule::parse("*/1 * * * *").unwrap();
        let cj = cron("*/1 * * * *", "2026-11-23T09:00:05Z", None, None);
        let utc = TimeZone::UTC;
        // Not yet due.
        let r = most_recent_schedule_time(&cj, ts("2026-11-23T09:00:30Z"), &s, &utc, true).unwrap();
        assert_eq!(r.1, None);
        // One due.
        let r =
            most_recent_schedule_time(&cj, ts("2026-11-23T09:01:00.1Z"), &s, &utc, true).unwrap();
        assert_eq!(r.1, Some(ts("2026-11-23T09:01:00Z")));
        // Three hours missed: the most recent one, and "many" (more than 100).
        let r = most_recent_schedule_time(&cj, ts("2026-11-23T12:00:30Z"), &s, &utc, true).unwrap();
        assert_eq!((r.1, r.2), (Some(ts("2026-11-23T12:00:00Z")), Missed::Many));
        // startingDeadlineSeconds moves the window up: nothing older than now - 200 s counts.
        let cj = cron("0 5 * * *", "2026-11-23T09:00:00Z", None, Some(200));
        let s = Schedule::parse("0 5 * * *").unwrap();
        let r = most_recent_schedule_time(&cj, ts("2026-11-24T05:10:00Z"), &s, &utc, true).unwrap();
        assert_eq!(r.1, None);
        let r =
            most_recent_schedule_time(&cj, ts("2026-11-24T05:10:00Z"), &s, &utc, false).unwrap();
        assert_eq!(r.1, Some(ts("2026-11-24T05:00:00Z")));
    }
}
