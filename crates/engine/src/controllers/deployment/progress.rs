//! Status and progress (`progress.go`, `calculateStatus` in `sync.go`): the counters summed
//! over the ReplicaSets, the `Available` condition, and the `Progressing` condition whose
//! reason tells a rollout's story — `NewReplicaSetCreated` / `FoundNewReplicaSet` →
//! `ReplicaSetUpdated` (each time progress is seen) → `NewReplicaSetAvailable`; or
//! `ProgressDeadlineExceeded` when no progress was seen for `progressDeadlineSeconds`;
//! `DeploymentPaused` / `DeploymentResumed` around a pause.

use super::rolling::max_unavailable;
use super::sync::{has_progress_deadline, DeploymentSync};
use super::*;
use crate::sim::clock::SimTime;
use k8s_openapi::api::apps::v1::{DeploymentCondition, DeploymentStatus};

/// Condition types.
pub const PROGRESSING: &str = "Progressing";
pub const AVAILABLE: &str = "Available";
pub const REPLICA_FAILURE: &str = "ReplicaFailure";

/// Condition reasons, as `deploymentutil` names them.
pub const NEW_RS_CREATED: &str = "NewReplicaSetCreated";
pub const FOUND_NEW_RS: &str = "FoundNewReplicaSet";
pub const RS_UPDATED: &str = "ReplicaSetUpdated";
pub const NEW_RS_AVAILABLE: &str = "NewReplicaSetAvailable";
pub const TIMED_OUT: &str = "ProgressDeadlineExceeded";
pub const FAILED_RS_CREATE: &str = "ReplicaSetCreateError";
pub const PAUSED: &str = "DeploymentPaused";
pub const RESUMED: &str = "DeploymentResumed";
pub const MIN_AVAILABLE: &str = "MinimumReplicasAvailable";
pub const MIN_UNAVAILABLE: &str = "MinimumReplicasUnavailable";

/// A condition observed now (both times set to now).
pub fn new_condition(
    type_: &str,
    status: &str,
    reason: &str,
    message: &str,
    now: SimTime,
) -> DeploymentCondition {
    let t = now.to_k8s_time();
    DeploymentCondition {
        type_: Some(type_.to_string()),
        status: Some(status.to_string()),
        reason: Some(reason.to_string()),
        message: Some(message.to_string()),
        last_update_time: Some(t.clone()),
        last_transition_time: Some(t),
    }
}

/// The condition of this type, if any.
pub fn get_condition<'a>(
    status: &'a DeploymentStatus,
    type_: &str,
) -> Option<&'a DeploymentCondition> {
    status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_.as_deref() == Some(type_))
}

/// `SetDeploymentCondition`: nothing when a condition of that type with the same status and
/// reason exists; otherwise replaces it (keeping its transition time if the status is the
/// same) and appends — so the most recently changed condition is listed last.
pub fn set_condition(status: &mut DeploymentStatus, mut c: DeploymentCondition) {
    if let Some(cur) = get_condition(status, c.type_.as_deref().unwrap_or("")) {
        if cur.status == c.status && cur.reason == c.reason {
            return;
        }
        if cur.status == c.status {
            c.last_transition_time = cur.last_transition_time.clone();
        }
    }
    remove_condition(status, c.type_.as_deref().unwrap_or(""));
    status.conditions.get_or_insert_with(Vec::new).push(c);
}

/// Removes the condition of this type.
pub fn remove_condition(status: &mut DeploymentStatus, type_: &str) {
    if let Some(cs) = status.conditions.as_mut() {
        cs.retain(|c| c.type_.as_deref() != Some(type_));
    }
}

/// The status the ReplicaSets add up to (`calculateStatus`), conditions carried over and
/// `Available` set: available when at least `replicas − maxUnavailable` pods are.
pub fn calculate_status<R: Borrow<ReplicaSet>>(
    d: &Deployment,
    all: &[R],
    new: Option<&ReplicaSet>,
    now: SimTime,
) -> DeploymentStatus {
    let opt = |n: i32| (n != 0).then_some(n);
    let all = || all.iter().map(|rs| rs.borrow());
    let available: i32 = all().map(rs_available).sum();
    let total: i32 = all().map(rs_replicas).sum();
    let unavailable = (total - available).max(0);
    let terminating = all()
        .map(|rs| rs.status.as_ref().and_then(|s| s.terminating_replicas))
        .try_fold(0, |acc, t| t.map(|t| acc + t));
    let old = d.status.clone().unwrap_or_default();
    let mut status = DeploymentStatus {
        observed_generation: d.metadata.generation,
        replicas: opt(all().map(rs_actual).sum()),
        updated_replicas: opt(new.map_or(0, rs_actual)),
        ready_replicas: opt(all().map(rs_ready).sum()),
        available_replicas: opt(available),
        unavailable_replicas: opt(unavailable),
        collision_count: old.collision_count,
        terminating_replicas: if all().next().is_none() {
            None
        } else {
            terminating
        },
        conditions: old.conditions.clone(),
    };
    let c = if available >= deployment_replicas(d) - max_unavailable(d) {
        new_condition(
            AVAILABLE,
            "True",
            MIN_AVAILABLE,
            "Deployment has minimum availability.",
            now,
        )
    } else {
        new_condition(
            AVAILABLE,
            "False",
            MIN_UNAVAILABLE,
            "Deployment does not have minimum availability.",
            now,
        )
    };
    set_condition(&mut status, c);
    status
}

fn n(v: Option<i32>) -> i32 {
    v.unwrap_or(0)
}

/// Every replica updated, existing and available, and the spec observed.
pub fn deployment_complete(d: &Deployment, s: &DeploymentStatus) -> bool {
    let desired = deployment_replicas(d);
    n(s.updated_replicas) == desired
        && n(s.replicas) == desired
        && n(s.available_replicas) == desired
        && s.observed_generation.unwrap_or(0) >= d.metadata.generation.unwrap_or(0)
}

/// Whether `new` shows progress over the stored status: more updated, ready or available
/// replicas, or fewer old ones.
pub fn deployment_progressing(d: &Deployment, new: &DeploymentStatus) -> bool {
    let old = d.status.clone().unwrap_or_default();
    let old_old = n(old.replicas) - n(old.updated_replicas);
    let new_old = n(new.replicas) - n(new.updated_replicas);
    n(new.updated_replicas) > n(old.updated_replicas)
        || new_old < old_old
        || n(new.ready_replicas) > n(old.ready_replicas)
        || n(new.available_replicas) > n(old.available_replicas)
}

/// Milliseconds since the Progressing condition was last updated, against the deadline:
/// `Some(remaining)` while not timed out (0 or less means it has).
fn deadline_remaining_ms(d: &Deployment, status: &DeploymentStatus, now: SimTime) -> Option<i64> {
    let c = get_condition(status, PROGRESSING)?;
    let from = c.last_update_time.as_ref()?.0.as_millisecond();
    let deadline = i64::from(d.spec.progress_deadline_seconds?) * 1000;
    Some(from + deadline - now.unix_ms() as i64)
}

/// `DeploymentTimedOut`: no progress for longer than the deadline since the Progressing
/// condition was last updated.
pub fn deployment_timed_out(d: &Deployment, s: &DeploymentStatus, now: SimTime) -> bool {
    if !has_progress_deadline(d) {
        return false;
    }
    let Some(c) = get_condition(s, PROGRESSING) else {
        return false;
    };
    match c.reason.as_deref() {
        Some(NEW_RS_AVAILABLE) => false,
        Some(TIMED_OUT) => true,
        _ => deadline_remaining_ms(d, s, now).is_some_and(|r| r < 0),
    }
}

impl DeploymentSync<'_> {
    /// Writes the status with progress estimated (`syncRolloutStatus`), and asks to look
    /// again when the deadline may pass without anything else changing.
    pub(super) fn sync_rollout_status(&mut self, all: &[SharedRs], new: Option<&SharedRs>) {
        let now = self.api.now();
        let new = new.map(|n| &**n);
        let mut status = calculate_status(&self.d, all, new, now);
        if !has_progress_deadline(&self.d) {
            remove_condition(&mut status, PROGRESSING);
        }
        let old = self.d.status.clone().unwrap_or_default();
        let current = get_condition(&old, PROGRESSING).cloned();
        let complete_before = n(status.replicas) == n(status.updated_replicas)
            && current
                .as_ref()
                .is_some_and(|c| c.reason.as_deref() == Some(NEW_RS_AVAILABLE));
        let rs_name = new.and_then(|rs| rs.metadata.name.clone());
        let subject = match &rs_name {
            Some(name) => format!("ReplicaSet {name:?}"),
            None => format!(
                "Deployment {:?}",
                self.d.metadata.name.as_deref().unwrap_or("")
            ),
        };
        if has_progress_deadline(&self.d) && !complete_before {
            if deployment_complete(&self.d, &status) {
                let msg = format!("{subject} has successfully progressed.");
                set_condition(
                    &mut status,
                    new_condition(PROGRESSING, "True", NEW_RS_AVAILABLE, &msg, now),
                );
            } else if deployment_progressing(&self.d, &status) {
                let msg = format!("{subject} is progressing.");
                let mut c = new_condition(PROGRESSING, "True", RS_UPDATED, &msg, now);
                if let Some(cur) = &current {
                    if cur.status.as_deref() == Some("True") {
                        c.last_transition_time = cur.last_transition_time.clone();
                    }
                    remove_condition(&mut status, PROGRESSING);
                }
                set_condition(&mut status, c);
            } else if deployment_timed_out(&self.d, &status, now) {
                let msg = format!("{subject} has timed out progressing.");
                set_condition(
                    &mut status,
                    new_condition(PROGRESSING, "False", TIMED_OUT, &msg, now),
                );
            }
        }
        match replica_failure(all, new) {
            Some(c) => set_condition(&mut status, c),
            None => remove_condition(&mut status, REPLICA_FAILURE),
        }
        if status.conditions.as_ref().is_some_and(|c| c.is_empty()) {
            status.conditions = None;
        }
        if Some(&status) == self.d.status.as_ref() {
            self.requeue_stuck_deployment(&status);
            return;
        }
        if get_condition(&status, PROGRESSING).and_then(|c| c.reason.as_deref()) == Some(TIMED_OUT)
            && current.as_ref().and_then(|c| c.reason.as_deref()) != Some(TIMED_OUT)
        {
            self.api.trace(
                COMPONENT,
                format!(
                    "{}: progress deadline exceeded",
                    self.d.metadata.name.as_deref().unwrap_or("")
                ),
            );
        }
        self.write_status(status);
    }

    /// With a rollout in flight and no sign of progress, the deadline passes without any
    /// watch event: look again one second after it (`requeueStuckDeployment`).
    fn requeue_stuck_deployment(&mut self, new: &DeploymentStatus) {
        let old = self.d.status.clone().unwrap_or_default();
        let Some(cur) = get_condition(&old, PROGRESSING) else {
            return;
        };
        if !has_progress_deadline(&self.d)
            || deployment_complete(&self.d, new)
            || cur.reason.as_deref() == Some(TIMED_OUT)
        {
            return;
        }
        if let Some(remaining) = deadline_remaining_ms(&self.d, &old, self.api.now()) {
            self.requeue_ms = Some(if remaining < 1000 {
                1000
            } else {
                remaining as u64 + 1000
            });
        }
    }
}

/// The ReplicaFailure condition of the new ReplicaSet, else of any old one.
fn replica_failure(all: &[SharedRs], new: Option<&ReplicaSet>) -> Option<DeploymentCondition> {
    let from = |rs: &ReplicaSet| {
        rs.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .and_then(|cs| {
                cs.iter()
                    .find(|c| c.type_.as_deref() == Some(REPLICA_FAILURE))
            })
            .map(|c| DeploymentCondition {
                type_: c.type_.clone(),
                status: c.status.clone(),
                reason: c.reason.clone(),
                message: c.message.clone(),
                last_update_time: c.last_transition_time.clone(),
                last_transition_time: c.last_transition_time.clone(),
            })
    };
    new.and_then(from)
        .or_else(|| all.iter().map(|rs| &**rs).find_map(from))
}
