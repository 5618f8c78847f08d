//! The sync of one Deployment (`syncDeployment` in `deployment_controller.go` and the
//! shared steps of `sync.go`): claiming ReplicaSets, finding or creating the new one with its
//! revision, scaling (also proportionally, when replicas change mid-rollout), history
//! cleanup and the status without progress estimation.

use super::hash::{self, POD_TEMPLATE_HASH};
use super::progress::{self, PROGRESSING};
use super::rolling::max_surge;
use super::*;
use crate::api::ObjectMeta;
use crate::apiserver::DeleteOptions;
use k8s_openapi::api::apps::v1::{DeploymentStatus, ReplicaSetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use std::collections::BTreeMap;

/// Longest `revision-history` annotation kept, in characters (`maxRevHistoryLengthInChars`);
/// the oldest entries go first.
const MAX_REV_HISTORY_CHARS: usize = 2000;

/// Hash collisions tolerated before the controller stops trying new names.
const MAX_COLLISIONS: i32 = 16;

/// The state of one sync: the API server and the Deployment as last written.
pub(super) struct DeploymentSync<'a> {
    pub(super) api: &'a mut ApiServer,
    pub(super) d: Shared<Deployment>,
    /// Look again after this many ms (a progress deadline that may pass).
    pub(super) requeue_ms: Option<u64>,
}

/// Syncs the Deployment named by `key`: one level-based step toward its spec.
pub fn sync_deployment(api: &mut ApiServer, key: &ObjectKey) -> Action {
    let Some(d) = api.store().get(key).cloned().and_then(Shared::new) else {
        return Action::Done;
    };
    let mut s = DeploymentSync {
        api,
        d,
        requeue_ms: None,
    };
    s.run();
    match s.requeue_ms {
        Some(ms) => Action::RequeueAfter(ms),
        None => Action::Done,
    }
}

impl DeploymentSync<'_> {
    fn run(&mut self) {
        if self.d.spec.selector == LabelSelector::default() {
            self.event(
                "Warning",
                "SelectingAll",
                "This deployment is selecting all pods. A non-empty selector is required.",
            );
            let generation = self.d.metadata.generation;
            let status = self.d.status.clone().unwrap_or_default();
            if status.observed_generation < generation {
                self.write_status(DeploymentStatus {
                    observed_generation: generation,
                    ..status
                });
            }
            return;
        }
        let Ok(selector) = Selector::from_label_selector(&self.d.spec.selector) else {
            return;
        };
        let mut rs_list = self.claim_replica_sets(&selector);
        if self.d.metadata.deletion_timestamp.is_some() {
            let (new, old) = self.get_all_replica_sets_and_sync_revision(&mut rs_list, false);
            self.sync_deployment_status(&all_of(&old, new.as_ref()), new.as_ref());
            return;
        }
        self.check_paused_conditions();
        if self.d.spec.paused == Some(true) {
            self.sync(rs_list);
            return;
        }
        if self.is_scaling_event(&mut rs_list) {
            self.sync(rs_list);
            return;
        }
        if strategy_type(&self.d) == "Recreate" {
            self.rollout_recreate(rs_list);
        } else {
            self.rollout_rolling(rs_list);
        }
    }

    /// Records an event on the Deployment.
    pub(super) fn event(&mut self, type_: &str, reason: &str, message: &str) {
        self.api
            .record_event(self.d.object(), type_, reason, message, COMPONENT, None);
    }

    /// Writes the Deployment's status (and any annotation change made to `self.d`).
    pub(super) fn write_status(&mut self, status: DeploymentStatus) {
        let mut d = Deployment::clone(&self.d);
        d.status = Some(status);
        self.write_deployment(d);
    }

    /// Writes the Deployment through the status path: metadata annotations and status.
    pub(super) fn write_deployment(&mut self, d: Deployment) {
        if let Some(written) = self
            .api
            .update_status(Object::from(d))
            .ok()
            .and_then(Shared::new)
        {
            self.d = written;
        }
    }

    /// The ReplicaSets this Deployment controls after adoption and release
    /// (`ClaimReplicaSets`): an orphan whose labels match is adopted, an owned one whose
    /// labels stopped matching is released; one owned by someone else is left alone.
    fn claim_replica_sets(&mut self, selector: &Selector) -> Vec<SharedRs> {
        let uid = self.d.metadata.uid.clone().unwrap_or_default();
        let deleting = self.d.metadata.deletion_timestamp.is_some();
        let ns = self.d.metadata.namespace.clone().unwrap_or_default();
        let owner = self.d.clone();
        let mut claimed = Vec::new();
        for obj in self.api.list(Kind::ReplicaSet, Some(&ns)) {
            let Some(rs) = obj.as_::<ReplicaSet>() else {
                continue;
            };
            let matches = selector.matches(rs.metadata.labels.as_ref());
            match owner::controller_ref(&rs.metadata) {
                Some(r) if r.uid == uid => {
                    if matches || deleting {
                        claimed.extend(SharedRs::new(obj.clone()));
                    } else {
                        let _ = self.api.modify(&obj.key(), |o| {
                            let m = o.metadata_mut();
                            if let Some(refs) = m.owner_references.as_mut() {
                                refs.retain(|r| r.uid != uid);
                            }
                            if m.owner_references.as_ref().is_some_and(|r| r.is_empty()) {
                                m.owner_references = None;
                            }
                        });
                    }
                }
                Some(_) => {}
                None => {
                    if matches && !deleting && rs.metadata.deletion_timestamp.is_none() {
                        let reference = owner::new_controller_ref(owner.object());
                        if let Ok(adopted) = self.api.modify(&obj.key(), |o| {
                            o.metadata_mut()
                                .owner_references
                                .get_or_insert_with(Vec::new)
                                .push(reference);
                        }) {
                            claimed.extend(SharedRs::new(adopted));
                        }
                    }
                }
            }
        }
        claimed
    }

    /// The new ReplicaSet (created when `create` and missing) and the old ones, with the
    /// new one's revision brought up to date (`getAllReplicaSetsAndSyncRevision`). `rs_list`
    /// is kept in step with what was written.
    pub(super) fn get_all_replica_sets_and_sync_revision(
        &mut self,
        rs_list: &mut Vec<SharedRs>,
        create: bool,
    ) -> (Option<SharedRs>, Vec<SharedRs>) {
        sort_by_creation(rs_list);
        let (existing, old) = split_new_and_old(&self.d, rs_list.clone());
        let new = self.get_new_replica_set(existing, &old, create);
        if let Some(n) = &new {
            replace_or_push(rs_list, n);
        }
        (new, old)
    }

    /// `getNewReplicaSet`: syncs the existing new ReplicaSet's annotations and the
    /// Deployment's revision, or creates the new ReplicaSet.
    fn get_new_replica_set(
        &mut self,
        existing: Option<SharedRs>,
        old: &[SharedRs],
        create: bool,
    ) -> Option<SharedRs> {
        let new_revision = (max_revision(old) + 1).to_string();
        if let Some(rs) = existing {
            // Only the annotations are edited, so only they are copied. When nothing is
            // written the stored ReplicaSet stands for the edited copy: the annotations
            // copied from the Deployment are none that a sync reads.
            let mut ann = rs.metadata.annotations.clone();
            let annotations_updated =
                set_new_replica_set_annotations(&self.d, &mut ann, &new_revision, true);
            let mrs = self.d.spec.min_ready_seconds;
            let min_ready_needs_update = rs.spec.min_ready_seconds != mrs;
            if annotations_updated || min_ready_needs_update {
                let key = ObjectKey::new(
                    Kind::ReplicaSet,
                    self.ns(),
                    rs.metadata.name.as_deref().unwrap_or(""),
                );
                return match self.api.modify(&key, |o| {
                    if let Object::ReplicaSet(r) = o {
                        r.metadata.annotations = ann;
                        r.spec.min_ready_seconds = mrs;
                    }
                }) {
                    Ok(o) => SharedRs::new(o),
                    Err(_) => Some(rs),
                };
            }
            let rs_revision = ann
                .as_ref()
                .and_then(|a| a.get(REVISION))
                .map(String::as_str)
                .unwrap_or_default();
            // The Deployment is copied only when its revision or Progressing condition
            // changes.
            let revision_stale = self
                .d
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(REVISION))
                .map(String::as_str)
                != Some(rs_revision);
            let condition_missing = has_progress_deadline(&self.d)
                && self
                    .d
                    .status
                    .as_ref()
                    .is_none_or(|s| progress::get_condition(s, PROGRESSING).is_none());
            if !revision_stale && !condition_missing {
                return Some(rs);
            }
            let mut d = Deployment::clone(&self.d);
            let mut update = set_deployment_revision(&mut d, rs_revision);
            let status = d.status.get_or_insert_with(Default::default);
            if condition_missing {
                let msg = format!(
                    "Found new replica set {:?}",
                    rs.metadata.name.as_deref().unwrap_or("")
                );
                let c = progress::new_condition(
                    PROGRESSING,
                    "True",
                    progress::FOUND_NEW_RS,
                    &msg,
                    self.api.now(),
                );
                progress::set_condition(status, c);
                update = true;
            }
            if update {
                self.write_deployment(d);
            }
            return Some(rs);
        }
        if !create {
            return None;
        }
        // A new ReplicaSet: the Deployment's template with the hash label, a selector that
        // includes it, and as many replicas as the strategy allows right now.
        let collision_count = self.d.status.as_ref().and_then(|s| s.collision_count);
        let hash = hash::compute_hash(&self.d.spec.template, collision_count);
        let mut template = self.d.spec.template.clone();
        let mut labels = template
            .metadata
            .as_ref()
            .and_then(|m| m.labels.clone())
            .unwrap_or_default();
        labels.insert(POD_TEMPLATE_HASH.to_string(), hash.clone());
        template
            .metadata
            .get_or_insert_with(Default::default)
            .labels = Some(labels.clone());
        let mut selector = self.d.spec.selector.clone();
        selector
            .match_labels
            .get_or_insert_with(BTreeMap::new)
            .insert(POD_TEMPLATE_HASH.to_string(), hash.clone());
        let name = format!("{}-{}", self.d.metadata.name.as_deref().unwrap_or(""), hash);
        let mut new_rs = ReplicaSet {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: self.d.metadata.namespace.clone(),
                owner_references: Some(vec![owner::new_controller_ref(self.d.object())]),
                labels: Some(labels),
                ..Default::default()
            },
            spec: ReplicaSetSpec {
                replicas: Some(0),
                min_ready_seconds: self.d.spec.min_ready_seconds,
                selector,
                template: Some(template),
            },
            status: None,
        };
        let mut all: Vec<&ReplicaSet> = old.iter().map(|rs| &**rs).collect();
        all.push(&new_rs);
        let new_replicas = super::rolling::new_rs_new_replicas(&self.d, &all, &new_rs);
        new_rs.spec.replicas = Some(new_replicas);
        set_new_replica_set_annotations(
            &self.d,
            &mut new_rs.metadata.annotations,
            &new_revision,
            false,
        );
        let ns = self.ns().to_string();
        let (created, already_existed) = match self.api.create(Object::from(new_rs), &ns, false) {
            Ok(o) => (SharedRs::new(o)?, false),
            Err(e) if e.reason == crate::apiserver::StatusReason::AlreadyExists => {
                let key = ObjectKey::new(Kind::ReplicaSet, &ns, &name);
                let found = self.api.store().get(&key).cloned().and_then(SharedRs::new);
                let uid = self.d.metadata.uid.clone().unwrap_or_default();
                match found {
                    Some(rs)
                        if owner::controller_ref(&rs.metadata).is_some_and(|r| r.uid == uid)
                            && rs.spec.template.as_ref().is_some_and(|t| {
                                hash::equal_ignore_hash(t, &self.d.spec.template)
                            }) =>
                    {
                        (rs, true)
                    }
                    _ => {
                        // A hash collision with a ReplicaSet that is not ours: count it so
                        // the next sync hashes differently. (Bounded: a template that
                        // never compares equal to its own ReplicaSet's would spin.)
                        if collision_count.unwrap_or(0) >= MAX_COLLISIONS {
                            self.api.trace(
                                COMPONENT,
                                format!("{name}: giving up after {MAX_COLLISIONS} hash collisions"),
                            );
                            return None;
                        }
                        let mut status = self.d.status.clone().unwrap_or_default();
                        status.collision_count = Some(status.collision_count.unwrap_or(0) + 1);
                        self.write_status(status);
                        return None;
                    }
                }
            }
            Err(e) => {
                let msg = format!("Failed to create new replica set {name:?}: {}", e.message);
                if has_progress_deadline(&self.d) {
                    let mut status = self.d.status.clone().unwrap_or_default();
                    let c = progress::new_condition(
                        PROGRESSING,
                        "False",
                        progress::FAILED_RS_CREATE,
                        &msg,
                        self.api.now(),
                    );
                    progress::set_condition(&mut status, c);
                    self.write_status(status);
                }
                self.event("Warning", progress::FAILED_RS_CREATE, &msg);
                return None;
            }
        };
        if !already_existed && new_replicas > 0 {
            self.event(
                "Normal",
                "ScalingReplicaSet",
                &format!("Scaled up replica set {name} from 0 to {new_replicas}"),
            );
        }
        let mut d = Deployment::clone(&self.d);
        let mut update = set_deployment_revision(&mut d, &new_revision);
        if !already_existed && has_progress_deadline(&self.d) {
            let msg = format!("Created new replica set {name:?}");
            let c = progress::new_condition(
                PROGRESSING,
                "True",
                progress::NEW_RS_CREATED,
                &msg,
                self.api.now(),
            );
            progress::set_condition(d.status.get_or_insert_with(Default::default), c);
            update = true;
        }
        if update {
            self.write_deployment(d);
        }
        Some(created)
    }

    pub(super) fn ns(&self) -> &str {
        self.d.metadata.namespace.as_deref().unwrap_or("")
    }

    /// Sets a ReplicaSet's replicas (and its desired/max-replicas annotations) and records
    /// `ScalingReplicaSet`; returns whether the size changed and the ReplicaSet as written.
    pub(super) fn scale_replica_set(&mut self, rs: &SharedRs, new_scale: i32) -> (bool, SharedRs) {
        let size_needs_update = rs_replicas(rs) != new_scale;
        let desired = deployment_replicas(&self.d);
        let max = desired + max_surge(&self.d);
        let annotations_need_update = replicas_annotations_need_update(rs, desired, max);
        if !size_needs_update && !annotations_need_update {
            return (false, rs.clone());
        }
        let name = rs.metadata.name.clone().unwrap_or_default();
        let key = ObjectKey::new(Kind::ReplicaSet, self.ns(), &name);
        let written = self.api.modify(&key, |o| {
            if let Object::ReplicaSet(r) = o {
                r.spec.replicas = Some(new_scale);
                set_replicas_annotations(&mut r.metadata.annotations, desired, max);
            }
        });
        match written.ok().and_then(SharedRs::new) {
            Some(updated) => {
                if size_needs_update {
                    let old = rs_replicas(rs);
                    let op = if old < new_scale { "up" } else { "down" };
                    self.event(
                        "Normal",
                        "ScalingReplicaSet",
                        &format!("Scaled {op} replica set {name} from {old} to {new_scale}"),
                    );
                }
                (size_needs_update, updated)
            }
            None => (false, rs.clone()),
        }
    }

    /// `sync`: for a paused Deployment or a change of replicas — scale, clean up history
    /// when paused, write the status.
    fn sync(&mut self, mut rs_list: Vec<SharedRs>) {
        let (new, mut old) = self.get_all_replica_sets_and_sync_revision(&mut rs_list, false);
        let new = self.scale(new, &mut old);
        if self.d.spec.paused == Some(true) {
            self.cleanup_deployment(&old);
        }
        self.sync_deployment_status(&all_of(&old, new.as_ref()), new.as_ref());
    }

    /// Whether the Deployment's replicas differ from what its active ReplicaSets were last
    /// scaled for (`isScalingEvent`).
    fn is_scaling_event(&mut self, rs_list: &mut Vec<SharedRs>) -> bool {
        let (new, old) = self.get_all_replica_sets_and_sync_revision(rs_list, false);
        let desired = deployment_replicas(&self.d);
        all_of(&old, new.as_ref())
            .iter()
            .filter(|rs| rs_replicas(rs) > 0)
            .filter_map(|rs| annotation_i32(rs, DESIRED_REPLICAS))
            .any(|v| v != desired)
    }

    /// `scale`: brings the ReplicaSets to the Deployment's replicas. With one active
    /// ReplicaSet that one takes all; mid-rollout the difference is shared in proportion to
    /// each ReplicaSet's size (`max-replicas` annotations), leftovers to the largest.
    ///
    /// Worked example: 10 replicas, maxSurge 3, mid-rollout old=8 new=5 (max-replicas 13);
    /// scaling to 20 allows 23: +10 to share; new gets round(5·23/13)−5 = 4, old gets
    /// round(8·23/13)−8 = 6; sizes become 14 and 9.
    fn scale(&mut self, new: Option<SharedRs>, old: &mut [SharedRs]) -> Option<SharedRs> {
        let desired = deployment_replicas(&self.d);
        if let Some(target) = find_active_or_latest(new.as_ref(), old) {
            if rs_replicas(&target) == desired {
                return new;
            }
            let (_, updated) = self.scale_replica_set(&target, desired);
            return self.refresh(new, old, updated);
        }
        if is_saturated(&self.d, new.as_ref()) {
            for i in 0..old.len() {
                if rs_replicas(&old[i]) > 0 {
                    let (_, updated) = self.scale_replica_set(&old[i].clone(), 0);
                    old[i] = updated;
                }
            }
            return new;
        }
        if strategy_type(&self.d) != "RollingUpdate" {
            return new;
        }
        let mut active: Vec<SharedRs> = all_of(old, new.as_ref())
            .into_iter()
            .filter(|rs| rs_replicas(rs) > 0)
            .collect();
        let current: i32 = active.iter().map(|rs| rs_replicas(rs)).sum();
        let allowed = if desired > 0 {
            desired + max_surge(&self.d)
        } else {
            0
        };
        let to_add = allowed - current;
        // Larger first; ties: newer first when growing, older first when shrinking.
        crate::sort::sort_by(&mut active, |a, b| {
            let t = |rs: &ReplicaSet| {
                rs.metadata
                    .creation_timestamp
                    .as_ref()
                    .map(|t| t.0.as_millisecond())
            };
            let by_time = if to_add > 0 {
                t(b).cmp(&t(a))
            } else {
                t(a).cmp(&t(b))
            };
            rs_replicas(b)
                .cmp(&rs_replicas(a))
                .then(by_time)
                .then_with(|| a.metadata.name.cmp(&b.metadata.name))
        });
        let mut sizes: Vec<i32> = Vec::with_capacity(active.len());
        let mut added = 0;
        for rs in &active {
            if to_add != 0 {
                let p = proportion(&self.d, rs, to_add, added);
                sizes.push(rs_replicas(rs) + p);
                added += p;
            } else {
                sizes.push(rs_replicas(rs));
            }
        }
        if to_add != added && !sizes.is_empty() {
            sizes[0] = (sizes[0] + to_add - added).max(0);
        }
        let mut new = new;
        for (rs, size) in active.iter().zip(sizes) {
            let (_, updated) = self.scale_replica_set(rs, size);
            new = self.refresh(new, old, updated);
        }
        new
    }

    /// Puts a written ReplicaSet back into the new/old copies.
    fn refresh(
        &self,
        new: Option<SharedRs>,
        old: &mut [SharedRs],
        updated: SharedRs,
    ) -> Option<SharedRs> {
        if new
            .as_ref()
            .is_some_and(|n| n.metadata.name == updated.metadata.name)
        {
            return Some(updated);
        }
        if let Some(o) = old
            .iter_mut()
            .find(|o| o.metadata.name == updated.metadata.name)
        {
            *o = updated;
        }
        new
    }

    /// Deletes the oldest old ReplicaSets beyond `revisionHistoryLimit`, only those scaled
    /// to zero and fully observed (`cleanupDeployment`).
    pub(super) fn cleanup_deployment(&mut self, old: &[SharedRs]) {
        let Some(limit) = self.d.spec.revision_history_limit else {
            return;
        };
        let mut cleanable: Vec<&ReplicaSet> = old
            .iter()
            .map(|rs| &**rs)
            .filter(|rs| rs.metadata.deletion_timestamp.is_none())
            .collect();
        let diff = cleanable.len() as i64 - i64::from(limit);
        if diff <= 0 {
            return;
        }
        crate::sort::sort_by(&mut cleanable, |a, b| {
            revision_of(&a.metadata)
                .cmp(&revision_of(&b.metadata))
                .then_with(|| {
                    let t = |rs: &ReplicaSet| {
                        rs.metadata
                            .creation_timestamp
                            .as_ref()
                            .map(|t| t.0.as_millisecond())
                    };
                    t(a).cmp(&t(b))
                })
                .then_with(|| a.metadata.name.cmp(&b.metadata.name))
        });
        for rs in cleanable.into_iter().take(diff as usize) {
            let observed = rs
                .status
                .as_ref()
                .and_then(|s| s.observed_generation)
                .unwrap_or(0);
            if rs_actual(rs) != 0
                || rs_replicas(rs) != 0
                || rs.metadata.generation.unwrap_or(0) > observed
            {
                continue;
            }
            let key = ObjectKey::new(
                Kind::ReplicaSet,
                self.ns(),
                rs.metadata.name.as_deref().unwrap_or(""),
            );
            let _ = self.api.delete(&key, &DeleteOptions::default(), false);
            self.api.trace(
                COMPONENT,
                format!("cleaned up {key} (revisionHistoryLimit {limit})"),
            );
        }
    }

    /// Writes the status computed from the ReplicaSets, without progress estimation
    /// (`syncDeploymentStatus`).
    pub(super) fn sync_deployment_status(&mut self, all: &[SharedRs], new: Option<&SharedRs>) {
        let status = progress::calculate_status(&self.d, all, new.map(|n| &**n), self.api.now());
        if Some(&status) != self.d.status.as_ref() {
            self.write_status(status);
        }
    }

    /// Adds or replaces the Progressing condition when the Deployment is paused or resumed,
    /// so a resumed rollout is not reported as stuck for the time it spent paused.
    fn check_paused_conditions(&mut self) {
        if self.d.spec.progress_deadline_seconds.is_none() {
            return;
        }
        let mut status = self.d.status.clone().unwrap_or_default();
        let cond = progress::get_condition(&status, PROGRESSING);
        if cond.is_some_and(|c| c.reason.as_deref() == Some(progress::TIMED_OUT)) {
            return;
        }
        let paused_cond = cond.is_some_and(|c| c.reason.as_deref() == Some(progress::PAUSED));
        let paused = self.d.spec.paused == Some(true);
        let now = self.api.now();
        let c = if paused && !paused_cond {
            progress::new_condition(
                PROGRESSING,
                "Unknown",
                progress::PAUSED,
                "Deployment is paused",
                now,
            )
        } else if !paused && paused_cond {
            progress::new_condition(
                PROGRESSING,
                "Unknown",
                progress::RESUMED,
                "Deployment is resumed",
                now,
            )
        } else {
            return;
        };
        progress::set_condition(&mut status, c);
        self.write_status(status);
    }
}

/// Old and new ReplicaSets in one list (new last).
pub(super) fn all_of<R: Clone>(old: &[R], new: Option<&R>) -> Vec<R> {
    let mut all = old.to_vec();
    if let Some(n) = new {
        all.push(n.clone());
    }
    all
}

fn replace_or_push(list: &mut Vec<SharedRs>, rs: &SharedRs) {
    match list
        .iter_mut()
        .find(|r| r.metadata.name == rs.metadata.name)
    {
        Some(r) => *r = rs.clone(),
        None => list.push(rs.clone()),
    }
}

/// Whether a progress deadline is set (and not "never").
pub fn has_progress_deadline(d: &Deployment) -> bool {
    d.spec
        .progress_deadline_seconds
        .is_some_and(|s| s != i32::MAX)
}

fn annotation_i32(rs: &ReplicaSet, key: &str) -> Option<i32> {
    rs.metadata.annotations.as_ref()?.get(key)?.parse().ok()
}

fn replicas_annotations_need_update(rs: &ReplicaSet, desired: i32, max: i32) -> bool {
    let a = rs.metadata.annotations.as_ref();
    let get = |k: &str| a.and_then(|a| a.get(k)).map(String::as_str);
    get(DESIRED_REPLICAS) != Some(desired.to_string().as_str())
        || get(MAX_REPLICAS) != Some(max.to_string().as_str())
}

fn set_replicas_annotations(
    annotations: &mut Option<BTreeMap<String, String>>,
    desired: i32,
    max: i32,
) -> bool {
    let a = annotations.get_or_insert_with(BTreeMap::new);
    let mut changed = false;
    for (k, v) in [(DESIRED_REPLICAS, desired), (MAX_REPLICAS, max)] {
        let v = v.to_string();
        if a.get(k) != Some(&v) {
            a.insert(k.to_string(), v);
            changed = true;
        }
    }
    changed
}

/// Sets the Deployment's revision annotation; true when it changed.
fn set_deployment_revision(d: &mut Deployment, revision: &str) -> bool {
    let a = d.metadata.annotations.get_or_insert_with(BTreeMap::new);
    if a.get(REVISION).map(String::as_str) == Some(revision) {
        return false;
    }
    a.insert(REVISION.to_string(), revision.to_string());
    true
}

/// `SetNewReplicaSetAnnotations`: copies the Deployment's annotations (but the skipped
/// ones), raises the revision to `new_revision` when it is higher — remembering the old
/// one in `revision-history`, as a rollback reuses a ReplicaSet — and, for a ReplicaSet
/// about to be created, sets the replica annotations. True when anything changed.
/// `annotations` are the ReplicaSet's.
fn set_new_replica_set_annotations(
    d: &Deployment,
    annotations: &mut Option<BTreeMap<String, String>>,
    new_revision: &str,
    exists: bool,
) -> bool {
    let mut changed = false;
    let a = annotations.get_or_insert_with(BTreeMap::new);
    for (k, v) in d.metadata.annotations.iter().flatten() {
        if is_skipped_annotation(k) || a.get(k) == Some(v) {
            continue;
        }
        a.insert(k.clone(), v.clone());
        changed = true;
    }
    let old_revision = a.get(REVISION).cloned();
    let old_int = match old_revision.as_deref() {
        None | Some("") => 0,
        Some(v) => match v.parse::<i64>() {
            Ok(n) => n,
            Err(_) => return false,
        },
    };
    let new_int: i64 = new_revision.parse().unwrap_or(0);
    if old_int < new_int {
        a.insert(REVISION.to_string(), new_revision.to_string());
        changed = true;
        if let Some(old) = old_revision.filter(|o| !o.is_empty()) {
            let history = a.get(REVISION_HISTORY).cloned().unwrap_or_default();
            let value = if history.is_empty() {
                old
            } else {
                let mut parts: Vec<&str> = history.split(',').collect();
                let mut total = history.len() + old.len() + 1;
                while total > MAX_REV_HISTORY_CHARS && !parts.is_empty() {
                    total -= parts[0].len() + 1;
                    parts.remove(0);
                }
                parts.push(&old);
                parts.join(",")
            };
            a.insert(REVISION_HISTORY.to_string(), value);
        }
    }
    if !exists {
        let desired = deployment_replicas(d);
        if set_replicas_annotations(annotations, desired, desired + max_surge(d)) {
            changed = true;
        }
    }
    changed
}

/// The one active ReplicaSet, or the newest when none is active; `None` with several
/// active (`FindActiveOrLatest`).
fn find_active_or_latest(new: Option<&SharedRs>, old: &[SharedRs]) -> Option<SharedRs> {
    if new.is_none() && old.is_empty() {
        return None;
    }
    let mut old_sorted = old.to_vec();
    sort_by_creation(&mut old_sorted);
    old_sorted.reverse();
    let active: Vec<SharedRs> = all_of(&old_sorted, new)
        .into_iter()
        .filter(|rs| rs_replicas(rs) > 0)
        .collect();
    match active.len() {
        0 => new.cloned().or_else(|| old_sorted.first().cloned()),
        1 => active.into_iter().next(),
        _ => None,
    }
}

/// The new ReplicaSet runs every replica, available, and was scaled for this size.
fn is_saturated(d: &Deployment, new: Option<&SharedRs>) -> bool {
    let Some(rs) = new else { return false };
    let desired = deployment_replicas(d);
    rs_replicas(rs) == desired
        && annotation_i32(rs, DESIRED_REPLICAS) == Some(desired)
        && rs_available(rs) == desired
}

/// How many replicas `rs` gains (or loses) of `to_add`, `added` being already handed out
/// (`GetProportion`).
fn proportion(d: &Deployment, rs: &ReplicaSet, to_add: i32, added: i32) -> i32 {
    if rs_replicas(rs) == 0 || to_add == 0 || to_add == added {
        return 0;
    }
    let fraction = replica_set_fraction(d, rs);
    let allowed = to_add - added;
    if to_add > 0 {
        fraction.min(allowed)
    } else {
        fraction.max(allowed)
    }
}

fn replica_set_fraction(d: &Deployment, rs: &ReplicaSet) -> i32 {
    let desired = deployment_replicas(d);
    if desired == 0 {
        return -rs_replicas(rs);
    }
    let deployment_max = desired + max_surge(d);
    let annotated = annotation_i32(rs, MAX_REPLICAS)
        .unwrap_or_else(|| d.status.as_ref().and_then(|s| s.replicas).unwrap_or(0));
    if annotated == 0 {
        return 0;
    }
    let size = f64::from(rs_replicas(rs)) * f64::from(deployment_max) / f64::from(annotated);
    size.round() as i32 - rs_replicas(rs)
}
