//! Rollback. In apps/v1 the controller no longer rolls back (`spec.rollbackTo` is gone):
//! `kubectl rollout undo` finds the ReplicaSet of the wanted revision, copies its template
//! (without the `pod-template-hash` label) and its annotations (the change-cause among them)
//! into the Deployment, and the controller then sees an ordinary template change whose
//! template matches that old ReplicaSet — which it reuses under the next revision number,
//! noting the old number in `revision-history`. These are the lookups kubectl does
//! (`polymorphichelpers/rollback.go`, `history.go`), kept next to the controller that
//! writes the annotations they read.

use super::hash;
use super::*;
use k8s_openapi::api::core::v1::PodTemplateSpec;
use std::collections::BTreeMap;

/// Why there is nothing to roll back to; `Display` is kubectl's text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RollbackError {
    #[error("unable to find specified revision {0} in history")]
    RevisionNotFound(i64),
    #[error("no rollout history found for deployment {0:?}")]
    NoHistory(String),
}

/// The ReplicaSet to roll back to: revision `to_revision`, or with 0 the one before the
/// latest (`deploymentRevision`).
pub fn revision_replica_set(
    d: &Deployment,
    new: Option<&ReplicaSet>,
    old: &[ReplicaSet],
    to_revision: i64,
) -> Result<ReplicaSet, RollbackError> {
    let all = super::sync::all_of(old, new);
    let (mut latest, mut latest_rev): (Option<&ReplicaSet>, i64) = (None, -1);
    let (mut previous, mut previous_rev): (Option<&ReplicaSet>, i64) = (None, -1);
    for rs in &all {
        let Some(v) = parsed_revision(rs) else {
            continue;
        };
        if to_revision == 0 {
            if latest_rev < v {
                previous_rev = latest_rev;
                previous = latest;
                latest_rev = v;
                latest = Some(rs);
            } else if previous_rev < v {
                previous_rev = v;
                previous = Some(rs);
            }
        } else if to_revision == v {
            return Ok(rs.clone());
        }
    }
    if to_revision > 0 {
        return Err(RollbackError::RevisionNotFound(to_revision));
    }
    previous
        .cloned()
        .ok_or_else(|| RollbackError::NoHistory(d.metadata.name.clone().unwrap_or_default()))
}

/// The revision annotation as a number; absent counts as 0, unparsable is skipped.
fn parsed_revision(rs: &ReplicaSet) -> Option<i64> {
    match rs
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(REVISION))
    {
        None => Some(0),
        Some(v) => v.parse().ok(),
    }
}

/// The template to put back: the ReplicaSet's, without the `pod-template-hash` label.
pub fn rollback_template(rs: &ReplicaSet) -> PodTemplateSpec {
    let t = rs.spec.template.clone().unwrap_or_default();
    let mut t = hash::without_hash(&t);
    if t.metadata
        .as_ref()
        .and_then(|m| m.labels.as_ref())
        .is_some_and(|l| l.is_empty())
    {
        if let Some(m) = t.metadata.as_mut() {
            m.labels = None;
        }
    }
    t
}

/// The Deployment's annotations after a rollback: its own skipped ones (revision,
/// last-applied, …) kept, every other one taken from the ReplicaSet.
pub fn rollback_annotations(d: &Deployment, rs: &ReplicaSet) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (k, v) in d.metadata.annotations.iter().flatten() {
        if is_skipped_annotation(k) {
            out.insert(k.clone(), v.clone());
        }
    }
    for (k, v) in rs.metadata.annotations.iter().flatten() {
        if !is_skipped_annotation(k) {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

/// One revision of `rollout history`: the template and its change-cause.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryEntry {
    pub template: PodTemplateSpec,
    pub change_cause: Option<String>,
}

/// Every revision of the Deployment's ReplicaSets, by number (`ViewHistory`): a later
/// ReplicaSet with the same number replaces an earlier one; revisions that do not parse are
/// left out.
pub fn history(new: Option<&ReplicaSet>, old: &[ReplicaSet]) -> BTreeMap<i64, HistoryEntry> {
    let mut out = BTreeMap::new();
    for rs in super::sync::all_of(old, new) {
        let Some(v) = parsed_revision(&rs) else {
            continue;
        };
        let change_cause = rs
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(CHANGE_CAUSE))
            .filter(|c| !c.is_empty())
            .cloned();
        let mut template = rs.spec.template.clone().unwrap_or_default();
        if let Some(c) = &change_cause {
            template
                .metadata
                .get_or_insert_with(Default::default)
                .annotations
                .get_or_insert_with(BTreeMap::new)
                .insert(CHANGE_CAUSE.to_string(), c.clone());
        }
        out.insert(
            v,
            HistoryEntry {
                template,
                change_cause,
            },
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs(name: &str, revision: &str, image: &str) -> ReplicaSet {
        let mut r = ReplicaSet::default();
        r.metadata.name = Some(name.into());
        r.metadata.annotations = Some([(REVISION.to_string(), revision.to_string())].into());
        r.spec.template = Some(PodTemplateSpec {
            spec: Some(k8s_openapi::api::core::v1::PodSpec {
                containers: vec![k8s_openapi::api::core::v1::Container {
                    name: "c".into(),
                    image: Some(image.into()),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            ..Default::default()
        });
        r
    }

    #[test]
    fn undo_picks_the_previous_revision_or_the_asked_one() {
        let d = Deployment::default();
        let old = vec![
            rs("a", "1", "nginx:1.14"),
            rs("b", "3", "nginx:1.16"),
            rs("c", "2", "nginx:1.15"),
        ];
        let new = rs("d", "4", "nginx:1.17");
        let prev = revision_replica_set(&d, Some(&new), &old, 0).unwrap();
        assert_eq!(prev.metadata.name.as_deref(), Some("b"));
        let two = revision_replica_set(&d, Some(&new), &old, 2).unwrap();
        assert_eq!(two.metadata.name.as_deref(), Some("c"));
        assert_eq!(
            revision_replica_set(&d, Some(&new), &old, 9)
                .unwrap_err()
                .to_string(),
            "unable to find specified revision 9 in history"
        );
        let mut d = Deployment::default();
        d.metadata.name = Some("web".into());
        assert_eq!(
            revision_replica_set(&d, Some(&new), &[], 0)
                .unwrap_err()
                .to_string(),
            "no rollout history found for deployment \"web\""
        );
    }
}
