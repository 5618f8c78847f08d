//! The Job controller (`pkg/controller/job/job_controller.go`) and the TTL-after-finished
//! controller (`pkg/controller/ttlafterfinished`), which deletes finished Jobs.
//!
//! A sync claims the Job's pods, counts the ones that finished since the last sync (pods carry
//! the `batch.kubernetes.io/job-tracking` finalizer until they are counted), decides whether
//! the Job has succeeded or failed, and otherwise keeps `min(parallelism, completions -
//! succeeded)` pods active:
//!
//! - success: `succeeded` reaches `completions` (or, without completions, one pod succeeded
//!   and none is left running) → `SuccessCriteriaMet`, then `Complete` once no pod is
//!   terminating, `completionTime`, event `Completed`;
//! - failure: more failed pods than `backoffLimit` (restartPolicy Never), as many container
//!   restarts as `backoffLimit` (OnFailure: containers restart in place and their restarts
//!   count), or longer active than `activeDeadlineSeconds` → `FailureTarget`, active pods
//!   deleted, then `Failed` with reason `BackoffLimitExceeded` / `DeadlineExceeded`;
//! - a failed pod is replaced after a back-off of 10 s doubled per failure since the last
//!   success, at most 10 minutes (`DefaultJobPodFailureBackOff`, `MaxJobPodFailureBackOff`):
//!   10 s, 20 s, 40 s, 80 s, 160 s, 320 s, 600 s, 600 s…;
//! - `suspend: true` deletes the active pods and sets `Suspended`; resuming starts the clock
//!   (`startTime`) again.

use super::owner::{self, is_pod_ready};
use super::pod_control;
use super::{Action, Controller};
use crate::api::batch::CONTROLLER_UID_LABEL;
use crate::api::selector::Selector;
use crate::api::{Job, Kind, Object, ObjectKey, Pod};
use crate::apiserver::{ApiServer, DeleteOptions};
use crate::store::WatchEvent;
use k8s_openapi::api::batch::v1::{JobCondition, JobSpec, JobStatus, UncountedTerminatedPods};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The finalizer that keeps a Job's pod until the controller counted it.
pub const JOB_TRACKING_FINALIZER: &str = "batch.kubernetes.io/job-tracking";
/// First back-off before a failed pod is replaced.
pub const DEFAULT_POD_FAILURE_BACKOFF_MS: u64 = 10_000;
/// The longest back-off.
pub const MAX_POD_FAILURE_BACKOFF_MS: u64 = 600_000;

const COMPLETIONS_REACHED: &str = "CompletionsReached";
const COMPLETIONS_REACHED_MSG: &str = "Reached expected number of succeeded pods";
const BACKOFF_LIMIT_EXCEEDED: &str = "BackoffLimitExceeded";
const BACKOFF_LIMIT_EXCEEDED_MSG: &str = "Job has reached the specified backoff limit";
const DEADLINE_EXCEEDED: &str = "DeadlineExceeded";
const DEADLINE_EXCEEDED_MSG: &str = "Job was active longer than specified deadline";

/// Failures since the last success and when the last one happened, per Job uid (the
/// controller's in-memory `backoffRecord`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct BackoffRecord {
    failures_after_last_success: u32,
    last_failure_ms: i64,
}

/// The Job controller.
#[derive(Default)]
pub struct JobController {
    backoff: BTreeMap<String, BackoffRecord>,
}

const NAME: &str = "job-controller";

/// The selector of a Job.
pub fn selector_of(obj: &Object) -> Option<Selector> {
    let Object::Job(j) = obj else { return None };
    Selector::from_label_selector(j.spec.as_ref()?.selector.as_ref()?).ok()
}

/// The back-off before the next pod after `failures` failures since the last success:
/// 10 s · 2^(failures−1), at most 10 minutes; none before the first failure.
///
/// Worked example: the third failure waits 10 s · 2² = 40 s; the eighth would wait 1,280 s
/// and is capped at 600 s.
pub fn pod_failure_backoff_ms(failures: u32) -> u64 {
    if failures == 0 {
        return 0;
    }
    let shift = (failures - 1).min(16);
    (DEFAULT_POD_FAILURE_BACKOFF_MS << shift).min(MAX_POD_FAILURE_BACKOFF_MS)
}

fn time_ms(t: &Time) -> i64 {
    t.0.as_millisecond()
}

fn has_condition(status: &JobStatus, type_: &str) -> bool {
    status
        .conditions
        .iter()
        .flatten()
        .any(|c| c.type_ == type_ && c.status == "True")
}

fn condition<'a>(status: &'a JobStatus, type_: &str) -> Option<&'a JobCondition> {
    status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == type_ && c.status == "True")
}

/// Whether the Job has finished (`Complete` or `Failed` is True), and when.
pub fn finished_at(job: &Job) -> Option<(&'static str, i64)> {
    let status = job.status.as_ref()?;
    for t in ["Complete", "Failed"] {
        if let Some(c) = condition(status, t) {
            let at = c.last_transition_time.as_ref().map(time_ms).unwrap_or(0);
            return Some((
                if t == "Complete" {
                    "Complete"
                } else {
                    "Failed"
                },
                at,
            ));
        }
    }
    None
}

/// Sets (or updates) a condition, keeping its transition time when the status does not change.
fn set_condition(
    conditions: &mut Vec<JobCondition>,
    type_: &str,
    status: &str,
    reason: &str,
    message: &str,
    now: &Time,
) -> bool {
    if let Some(c) = conditions.iter_mut().find(|c| c.type_ == type_) {
        if c.status == status && c.reason.as_deref() == Some(reason) {
            return false;
        }
        c.status = status.into();
        c.reason = Some(reason.into());
        c.message = Some(message.into());
        c.last_probe_time = Some(now.clone());
        c.last_transition_time = Some(now.clone());
        return true;
    }
    conditions.push(JobCondition {
        type_: type_.into(),
        status: status.into(),
        reason: Some(reason.into()),
        message: Some(message.into()),
        last_probe_time: Some(now.clone()),
        last_transition_time: Some(now.clone()),
    });
    true
}

fn phase(p: &Pod) -> &str {
    p.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

fn has_tracking_finalizer(p: &Pod) -> bool {
    p.metadata
        .finalizers
        .iter()
        .flatten()
        .any(|f| f == JOB_TRACKING_FINALIZER)
}

/// A pod the Job counts as failed: phase Failed, or being deleted before it succeeded
/// (`isPodFailed` with podReplacementPolicy TerminatingOrFailed).
fn is_failed(p: &Pod, replace_failed_only: bool) -> bool {
    if phase(p) == "Failed" {
        return true;
    }
    !replace_failed_only && p.metadata.deletion_timestamp.is_some() && phase(p) != "Succeeded"
}

/// When a pod stopped: its latest container's `finishedAt`, else `now_ms`.
fn finish_ms(p: &Pod, now_ms: i64) -> i64 {
    p.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|c| c.state.as_ref()?.terminated.as_ref()?.finished_at.as_ref())
        .map(time_ms)
        .max()
        .unwrap_or(now_ms)
}

/// Container restarts of pods still running (`pastBackoffLimitOnFailure`).
fn restarts(pods: &[&Pod]) -> i32 {
    pods.iter()
        .filter(|p| matches!(phase(p), "Running" | "Pending"))
        .filter_map(|p| p.status.as_ref())
        .flat_map(|s| {
            s.init_container_statuses
                .iter()
                .flatten()
                .chain(s.container_statuses.iter().flatten())
        })
        .map(|c| c.restart_count)
        .sum()
}

impl Controller for JobController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn watches(&self) -> Option<&'static [Kind]> {
        Some(&[Kind::Job, Kind::Pod])
    }

    fn keys_for(&self, api: &ApiServer, ev: &WatchEvent, out: &mut Vec<ObjectKey>) {
        super::own_key(ev, Kind::Job, out);
        owner::keys_for_dependent(api, ev, Kind::Pod, Kind::Job, selector_of, out);
    }

    fn reconcile(&mut self, api: &mut ApiServer, key: &ObjectKey) -> Action {
        let Some(obj) = api.store().get(key).cloned() else {
            release_orphans(api, key, None);
            return Action::Done;
        };
        let Object::Job(job) = obj.as_ref() else {
            return Action::Done;
        };
        let uid = job.metadata.uid.clone().unwrap_or_default();
        release_orphans(api, key, Some(&uid));
        if job.metadata.deletion_timestamp.is_some() {
            self.backoff.remove(&uid);
            release_finalizers(api, &obj, &uid);
            return Action::Done;
        }
        if let Some((_, at)) = finished_at(job) {
            self.backoff.remove(&uid);
            release_finalizers(api, &obj, &uid);
            return expire_after_finished(api, &obj, at);
        }
        self.sync(api, &obj)
    }
}

/// Removes the tracking finalizer from every pod of the Job that still has it (a finished or
/// deleted Job counts nothing more).
fn release_finalizers(api: &mut ApiServer, obj: &Object, uid: &str) {
    let pods: Vec<ObjectKey> = api
        .store()
        .list(Kind::Pod, Some(obj.namespace()))
        .filter(|p| owner::is_controlled_by(p, uid))
        .filter(|p| p.as_::<Pod>().is_some_and(has_tracking_finalizer))
        .map(|p| p.key())
        .collect();
    for key in pods {
        remove_finalizer(api, &key);
    }
}

/// `syncOrphanPod`: pods whose Job is gone (or was replaced by a Job of the same name) keep
/// the tracking finalizer until this removes it, so they can go.
fn release_orphans(api: &mut ApiServer, job: &ObjectKey, current_uid: Option<&str>) {
    let orphans: Vec<ObjectKey> = api
        .store()
        .list(Kind::Pod, Some(job.namespace.as_str()))
        .filter(|p| p.as_::<Pod>().is_some_and(has_tracking_finalizer))
        .filter(|p| {
            owner::controller_ref(p.metadata()).is_some_and(|r| {
                r.kind == "Job" && r.name == job.name && Some(r.uid.as_str()) != current_uid
            })
        })
        .map(|p| p.key())
        .collect();
    for key in orphans {
        remove_finalizer(api, &key);
    }
}

fn remove_finalizer(api: &mut ApiServer, key: &ObjectKey) {
    let _ = api.modify(key, |o| {
        let m = o.metadata_mut();
        if let Some(f) = m.finalizers.as_mut() {
            f.retain(|f| f != JOB_TRACKING_FINALIZER);
            if f.is_empty() {
                m.finalizers = None;
            }
        }
    });
}

/// The TTL-after-finished controller: a finished Job with `ttlSecondsAfterFinished` is
/// deleted (with its pods, in the foreground) that many seconds after it finished.
fn expire_after_finished(api: &mut ApiServer, obj: &Object, finished_ms: i64) -> Action {
    let Object::Job(job) = obj else {
        return Action::Done;
    };
    let Some(ttl) = job.spec.as_ref().and_then(|s| s.ttl_seconds_after_finished) else {
        return Action::Done;
    };
    let expire_ms = finished_ms + i64::from(ttl) * 1000;
    let now_ms = api.now().unix_ms() as i64;
    if now_ms < expire_ms {
        return Action::RequeueAfter((expire_ms - now_ms) as u64);
    }
    api.trace(
        "ttl-after-finished-controller",
        format!("{}: finished Job expired, deleting it", obj.key()),
    );
    let opts = DeleteOptions {
        propagation_policy: Some(crate::apiserver::PropagationPolicy::Foreground),
        ..Default::default()
    };
    let _ = api.delete(&obj.key(), &opts, false);
    Action::Done
}

/// What the pods of a Job say after this sync's counting.
struct PodCounts<'a> {
    active: Vec<&'a Arc<Object>>,
    terminating: i32,
    ready: i32,
}

impl JobController {
    fn sync(&mut self, api: &mut ApiServer, obj: &Object) -> Action {
        let Object::Job(job) = obj else {
            return Action::Done;
        };
        let Some(spec) = job.spec.clone() else {
            return Action::Done;
        };
        let uid = job.metadata.uid.clone().unwrap_or_default();
        let now = api.now().to_k8s_time();
        let now_ms = api.now().unix_ms() as i64;
        let old = job.status.clone().unwrap_or_default();
        let mut status = old.clone();
        let Some(selector) = selector_of(obj) else {
            return Action::Done;
        };
        let pods = owner::claim_pods(api, obj, &selector);
        let replace_failed_only = spec.pod_replacement_policy.as_deref() == Some("Failed");

        // Count pods that finished since the last sync, then let them go.
        let mut record = self.backoff.get(&uid).copied().unwrap_or_default();
        let (mut new_succeeded, mut new_failed) = (0, 0);
        for p in pods.iter().filter_map(|p| p.as_::<Pod>()) {
            if !has_tracking_finalizer(p) {
                continue;
            }
            if phase(p) == "Succeeded" {
                new_succeeded += 1;
                record = BackoffRecord::default();
            } else if is_failed(p, replace_failed_only) {
                new_failed += 1;
                record.failures_after_last_success += 1;
                record.last_failure_ms = record.last_failure_ms.max(finish_ms(p, now_ms));
            } else {
                continue;
            }
            if let Some(name) = p.metadata.name.as_deref() {
                remove_finalizer(api, &ObjectKey::new(Kind::Pod, obj.namespace(), name));
            }
        }
        self.backoff.insert(uid.clone(), record);
        let succeeded = old.succeeded.unwrap_or(0) + new_succeeded;
        let failed = old.failed.unwrap_or(0) + new_failed;
        status.succeeded = (succeeded > 0).then_some(succeeded);
        status.failed = (failed > 0).then_some(failed);
        status.uncounted_terminated_pods = Some(UncountedTerminatedPods::default());

        let counts = count_pods(&pods);
        let active_pods: Vec<&Pod> = counts
            .active
            .iter()
            .filter_map(|p| p.as_::<Pod>())
            .collect();
        let mut conditions = status.conditions.clone().unwrap_or_default();
        let suspended = spec.suspend == Some(true);
        let mut requeue: Option<u64> = None;
        let mut to_delete: Vec<ObjectKey> = Vec::new();

        // Suspend and resume.
        let was_suspended = has_condition(&old, "Suspended");
        if suspended {
            if set_condition(
                &mut conditions,
                "Suspended",
                "True",
                "JobSuspended",
                "Job suspended",
                &now,
            ) {
                api.record_event(obj, "Normal", "Suspended", "Job suspended", NAME, None);
            }
            status.start_time = None;
            to_delete.extend(counts.active.iter().map(|p| p.key()));
        } else {
            if was_suspended {
                set_condition(
                    &mut conditions,
                    "Suspended",
                    "False",
                    "JobResumed",
                    "Job resumed",
                    &now,
                );
                api.record_event(obj, "Normal", "Resumed", "Job resumed", NAME, None);
                status.start_time = Some(now.clone());
            }
            status.start_time.get_or_insert_with(|| now.clone());
        }

        // Success or failure.
        let mut finishing = None;
        if !suspended {
            finishing = success_or_failure(&spec, &status, &active_pods, succeeded, failed, now_ms);
            if finishing.is_none() {
                if let (Some(ads), Some(start)) = (spec.active_deadline_seconds, &status.start_time)
                {
                    let deadline = time_ms(start) + ads * 1000;
                    requeue = Some((deadline - now_ms).max(0) as u64);
                }
            }
        }
        if let Some((type_, reason, message)) = finishing {
            set_condition(&mut conditions, type_, "True", reason, message, &now);
            // Whatever still runs is stopped (a Job that met its completions without a count
            // has nothing left to run either).
            to_delete.extend(counts.active.iter().map(|p| p.key()));
        }

        // Create or delete pods toward the wanted number.
        if !suspended && finishing.is_none() {
            let want = wanted_active(&spec, succeeded, active_pods.len() as i32);
            let have = active_pods.len() as i32;
            if have > want {
                let active: Vec<&Object> = counts.active.iter().map(|p| &***p).collect();
                let order = super::replica_set::deletion_order(
                    &active,
                    &[],
                    now_ms,
                    (have - want) as usize,
                );
                to_delete.extend(order.into_iter().map(Object::key));
            } else if have < want {
                let wait = record
                    .last_failure_ms
                    .saturating_add(
                        pod_failure_backoff_ms(record.failures_after_last_success) as i64
                    )
                    - now_ms;
                if record.failures_after_last_success > 0 && wait > 0 {
                    requeue = Some(requeue.map_or(wait as u64, |r| r.min(wait as u64)));
                } else {
                    let n = (want - have).min(super::replica_set::BURST_REPLICAS as i32);
                    create_pods(api, obj, &spec, n);
                }
            }
        }
        let deleted = to_delete.len() as i32;
        for key in &to_delete {
            pod_control::delete_pod(api, obj, key, NAME);
        }

        // Re-read the pods: this sync's creates and deletes change the counts.
        let pods: Vec<Arc<Object>> = api
            .store()
            .list(Kind::Pod, Some(obj.namespace()))
            .filter(|p| owner::is_controlled_by(p, &uid))
            .cloned()
            .collect();
        let counts = count_pods(&pods);
        status.active = Some(counts.active.len() as i32).filter(|n| *n > 0);
        status.ready = Some(counts.ready);
        status.terminating = Some(counts.terminating);
        let _ = deleted;

        // The finished condition follows its target once no pod is terminating.
        if counts.terminating == 0 && counts.active.is_empty() {
            if let Some(c) = condition(
                &JobStatus {
                    conditions: Some(conditions.clone()),
                    ..Default::default()
                },
                "FailureTarget",
            )
            .cloned()
            {
                let reason = c.reason.clone().unwrap_or_default();
                let message = c.message.clone().unwrap_or_default();
                if set_condition(&mut conditions, "Failed", "True", &reason, &message, &now) {
                    api.record_event(obj, "Warning", &reason, &message, NAME, None);
                }
            } else if has_condition(
                &JobStatus {
                    conditions: Some(conditions.clone()),
                    ..Default::default()
                },
                "SuccessCriteriaMet",
            ) && set_condition(
                &mut conditions,
                "Complete",
                "True",
                COMPLETIONS_REACHED,
                COMPLETIONS_REACHED_MSG,
                &now,
            ) {
                status.completion_time = Some(now.clone());
                api.record_event(obj, "Normal", "Completed", "Job completed", NAME, None);
            }
        }
        status.conditions = (!conditions.is_empty()).then_some(conditions);
        if status != old || job.status.is_none() {
            let mut updated = obj.clone();
            if let Object::Job(j) = &mut updated {
                j.status = Some(status.clone());
            }
            let _ = api.update_status(updated);
        }
        if finished_at_status(&status).is_some() {
            // The TTL check runs on the next sync (the status write wakes it).
            return Action::Done;
        }
        match requeue {
            Some(ms) => Action::RequeueAfter(ms.max(1)),
            None => Action::Done,
        }
    }
}

fn finished_at_status(status: &JobStatus) -> Option<()> {
    (has_condition(status, "Complete") || has_condition(status, "Failed")).then_some(())
}

/// Active, terminating and ready pods of a Job.
fn count_pods(pods: &[Arc<Object>]) -> PodCounts<'_> {
    let mut c = PodCounts {
        active: Vec::new(),
        terminating: 0,
        ready: 0,
    };
    for o in pods {
        let Some(p) = o.as_::<Pod>() else { continue };
        let terminal = matches!(phase(p), "Succeeded" | "Failed");
        if p.metadata.deletion_timestamp.is_some() {
            if !terminal {
                c.terminating += 1;
            }
        } else if !terminal {
            c.active.push(o);
            if is_pod_ready(p) {
                c.ready += 1;
            }
        }
    }
    c
}

/// The condition a Job is heading for, if any: `SuccessCriteriaMet`, or `FailureTarget` with
/// its reason (a target set earlier stays).
fn success_or_failure(
    spec: &JobSpec,
    status: &JobStatus,
    active: &[&Pod],
    succeeded: i32,
    failed: i32,
    now_ms: i64,
) -> Option<(&'static str, &'static str, &'static str)> {
    if let Some(c) = condition(status, "FailureTarget") {
        return Some(match c.reason.as_deref() {
            Some(DEADLINE_EXCEEDED) => ("FailureTarget", DEADLINE_EXCEEDED, DEADLINE_EXCEEDED_MSG),
            _ => (
                "FailureTarget",
                BACKOFF_LIMIT_EXCEEDED,
                BACKOFF_LIMIT_EXCEEDED_MSG,
            ),
        });
    }
    if has_condition(status, "SuccessCriteriaMet") {
        return Some((
            "SuccessCriteriaMet",
            COMPLETIONS_REACHED,
            COMPLETIONS_REACHED_MSG,
        ));
    }
    let backoff_limit = spec.backoff_limit.unwrap_or(6);
    let on_failure = spec
        .template
        .spec
        .as_ref()
        .and_then(|s| s.restart_policy.as_deref())
        == Some("OnFailure");
    let restarts = if on_failure { restarts(active) } else { 0 };
    let past_restarts = on_failure
        && if backoff_limit == 0 {
            restarts > 0
        } else {
            restarts >= backoff_limit
        };
    if failed > backoff_limit || past_restarts {
        return Some((
            "FailureTarget",
            BACKOFF_LIMIT_EXCEEDED,
            BACKOFF_LIMIT_EXCEEDED_MSG,
        ));
    }
    if let (Some(ads), Some(start)) = (spec.active_deadline_seconds, status.start_time.as_ref()) {
        if now_ms >= time_ms(start) + ads * 1000 {
            return Some(("FailureTarget", DEADLINE_EXCEEDED, DEADLINE_EXCEEDED_MSG));
        }
    }
    let complete = match spec.completions {
        Some(c) => succeeded >= c,
        None => succeeded > 0 && active.is_empty(),
    };
    complete.then_some((
        "SuccessCriteriaMet",
        COMPLETIONS_REACHED,
        COMPLETIONS_REACHED_MSG,
    ))
}

/// How many pods should be active: `min(parallelism, completions − succeeded)`; without
/// completions, `parallelism` until one pod succeeded, then no new ones.
fn wanted_active(spec: &JobSpec, succeeded: i32, active: i32) -> i32 {
    let parallelism = spec.parallelism.unwrap_or(1).max(0);
    match spec.completions {
        Some(c) => (c - succeeded).clamp(0, parallelism),
        None if succeeded > 0 => active.min(parallelism),
        None => parallelism,
    }
}

/// Creates `n` pods from the Job's template, each with the tracking finalizer.
fn create_pods(api: &mut ApiServer, obj: &Object, spec: &JobSpec, n: i32) {
    let prefix = pod_control::pods_prefix(obj.name());
    api.trace(NAME, format!("{}: creating {n} pod(s)", obj.key()));
    for _ in 0..n {
        let mut pod = pod_control::pod_from_template(&spec.template, obj, &prefix, None);
        pod.metadata
            .finalizers
            .get_or_insert_with(Vec::new)
            .push(JOB_TRACKING_FINALIZER.into());
        if pod_control::create_pod(api, obj, pod, NAME).is_err() {
            return;
        }
    }
}

/// The uid a Job's pods are labelled with (for callers that look pods up by label).
pub fn controller_uid(job: &Job) -> Option<&str> {
    job.spec
        .as_ref()?
        .selector
        .as_ref()?
        .match_labels
        .as_ref()?
        .get(CONTROLLER_UID_LABEL)
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_ten_seconds_up_to_ten_minutes() {
        let got: Vec<u64> = (0..9).map(|n| pod_failure_backoff_ms(n) / 1000).collect();
        assert_eq!(got, [0, 10, 20, 40, 80, 160, 320, 600, 600]);
    }

    #[test]
    fn wanted_pods_follow_parallelism_and_completions() {
        let spec = |c: Option<i32>, p: i32| JobSpec {
            completions: c,
            parallelism: Some(p),
            ..Default::default()
        };
        // The seed lab: completions 5, parallelism 4.
        assert_eq!(wanted_active(&spec(Some(5), 4), 0, 0), 4);
        assert_eq!(wanted_active(&spec(Some(5), 4), 3, 2), 2);
        assert_eq!(wanted_active(&spec(Some(5), 4), 5, 0), 0);
        // A work queue: parallelism pods until one succeeds, then no new ones.
        assert_eq!(wanted_active(&spec(None, 3), 0, 0), 3);
        assert_eq!(wanted_active(&spec(None, 3), 1, 2), 2);
    }
}
