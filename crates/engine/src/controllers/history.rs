//! ControllerRevisions: the history of a DaemonSet's or StatefulSet's pod template
//! (`pkg/controller/history`, and the DaemonSet's `constructHistory` in `update.go`).
//!
//! A revision is named `<owner>-<hash>`, carries the owner's template labels plus
//! `controller-revision-hash`, the owner's annotations, a controller reference, a revision
//! number, and as `data` the patch that restores the template:
//! `{"spec":{"template":{…,"$patch":"replace"}}}`. Rolling back (`kubectl rollout undo`) applies
//! that patch to the owner; the controller then finds the old revision equal to the owner's
//! template again and gives it the next revision number instead of creating a new one.
//!
//! Worked example (revisionHistoryLimit 10): a DaemonSet created with nginx:1.14 gets revision
//! 1 (`ds-<h1>`); editing the image to 1.15 creates revision 2 (`ds-<h2>`); `rollout undo`
//! puts 1.14 back, so `ds-<h1>` is the current revision again and is renumbered 3. `rollout
//! history` then lists revisions 2 and 3.

pub use super::deployment::hash::compute_hash;
use super::deployment::hash::safe_encode;
use super::owner::{controller_ref, new_controller_ref};
use crate::api::selector::Selector;
use crate::api::{ControllerRevision, Kind, Object, ObjectMeta};
use crate::apiserver::{ApiError, ApiServer, DeleteOptions, StatusReason};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::runtime::RawExtension;
use serde_json::{json, Value};
use std::sync::Arc;

/// The label naming the revision a pod (and a revision) was made from.
pub const CONTROLLER_REVISION_HASH: &str = "controller-revision-hash";

/// 32-bit FNV-1 (`hash/fnv.New32`).
fn fnv32(data: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in data {
        h = h.wrapping_mul(0x0100_0193);
        h ^= u32::from(b);
    }
    h
}

/// `history.HashControllerRevision`: FNV-1 over the revision's raw data, then the collision
/// count in decimal when there is one (a StatefulSet always passes one, starting at 0).
pub fn hash_controller_revision(data: &Value, probe: Option<i32>) -> String {
    let mut bytes = data.to_string().into_bytes();
    if let Some(p) = probe {
        bytes.extend_from_slice(p.to_string().as_bytes());
    }
    safe_encode(&fnv32(&bytes).to_string())
}

/// `ControllerRevisionName`: `<prefix>-<hash>`, the prefix cut to 223 characters so the name
/// stays a valid DNS subdomain.
pub fn revision_name(prefix: &str, hash: &str) -> String {
    let prefix = if prefix.len() > 223 {
        &prefix[..223]
    } else {
        prefix
    };
    format!("{prefix}-{hash}")
}

/// The template as the API returns it inside a revision: Go always writes
/// `metadata.creationTimestamp` (as `null`) for an embedded object meta.
fn template_value(template: &PodTemplateSpec) -> Value {
    let mut v = serde_json::to_value(template).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        let meta = obj.entry("metadata").or_insert_with(|| json!({}));
        if let Some(m) = meta.as_object_mut() {
            m.entry("creationTimestamp").or_insert(Value::Null);
        }
    }
    v
}

/// The revision data of a template (`getPatch`): a strategic merge patch that replaces the
/// owner's template.
pub fn template_patch(template: &PodTemplateSpec) -> Value {
    let mut t = template_value(template);
    if let Some(obj) = t.as_object_mut() {
        obj.insert("$patch".into(), Value::String("replace".into()));
    }
    json!({ "spec": { "template": t } })
}

/// The template stored in a revision's data (`ApplyRevision` for a template-only patch).
pub fn template_of(rev: &ControllerRevision) -> Option<PodTemplateSpec> {
    let mut t = rev.data.0.get("spec")?.get("template")?.clone();
    if let Some(obj) = t.as_object_mut() {
        obj.remove("$patch");
        if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            if m.get("creationTimestamp") == Some(&Value::Null) {
                m.remove("creationTimestamp");
            }
        }
    }
    // By reference: the deserializer instantiation strict decoding already compiles.
    <PodTemplateSpec as serde::Deserialize>::deserialize(&t).ok()
}

/// A revision of `owner` (not yet created): template labels plus the hash label, the owner's
/// annotations, a controller reference.
pub fn new_revision(
    owner: &Object,
    template: &PodTemplateSpec,
    name: String,
    hash: &str,
    revision: i64,
) -> ControllerRevision {
    let mut labels = template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    labels.insert(CONTROLLER_REVISION_HASH.into(), hash.to_string());
    ControllerRevision {
        metadata: ObjectMeta {
            name: Some(name),
            namespace: Some(owner.namespace().to_string()),
            labels: Some(labels),
            annotations: owner.metadata().annotations.clone(),
            owner_references: Some(vec![new_controller_ref(owner)]),
            ..Default::default()
        },
        data: RawExtension(template_patch(template)),
        revision: Some(revision),
    }
}

/// Sorts revisions oldest first: by revision number, then creation time, then name
/// (`SortControllerRevisions`).
pub fn sort_revisions(revs: &mut [Arc<Object>]) {
    crate::sort::sort_by(revs, |a, b| {
        let key = |o: &Object| {
            (
                revision_number(o),
                o.metadata()
                    .creation_timestamp
                    .as_ref()
                    .map(|t| t.0.as_millisecond()),
            )
        };
        key(a).cmp(&key(b)).then_with(|| a.name().cmp(b.name()))
    });
}

/// A revision object's number (0 for anything else).
pub fn revision_number(o: &Object) -> i64 {
    o.as_::<ControllerRevision>()
        .and_then(|r| r.revision)
        .unwrap_or(0)
}

/// The largest revision number (0 when there is none).
pub fn max_revision(revs: &[Arc<Object>]) -> i64 {
    revs.iter().map(|r| revision_number(r)).max().unwrap_or(0)
}

/// Whether a revision restores exactly this template (`EqualRevision` / DaemonSet `Match`).
pub fn matches_template(rev: &Object, template: &PodTemplateSpec) -> bool {
    rev.as_::<ControllerRevision>()
        .is_some_and(|r| r.data.0 == template_patch(template))
}

/// The revisions `owner` controls, after adopting orphans its selector matches and releasing
/// owned ones it no longer matches (`ClaimControllerRevisions`), oldest first.
pub fn claim_revisions(
    api: &mut ApiServer,
    owner: &Object,
    selector: &Selector,
) -> Vec<Arc<Object>> {
    let uid = owner.metadata().uid.clone().unwrap_or_default();
    let mut claimed = Vec::new();
    for rev in api.list(Kind::ControllerRevision, Some(owner.namespace())) {
        let meta = rev.metadata();
        let matches = !selector.is_empty() && selector.matches(meta.labels.as_ref());
        match controller_ref(meta) {
            Some(r) if r.uid == uid => {
                if matches {
                    claimed.push(rev);
                } else if owner.metadata().deletion_timestamp.is_none() {
                    let _ = api.modify(&rev.key(), |o| {
                        let refs = o.metadata_mut().owner_references.take();
                        let kept: Vec<_> = refs
                            .into_iter()
                            .flatten()
                            .filter(|r| r.uid != uid)
                            .collect();
                        o.metadata_mut().owner_references = (!kept.is_empty()).then_some(kept);
                    });
                }
            }
            Some(_) => {}
            None if matches && owner.metadata().deletion_timestamp.is_none() => {
                let reference = new_controller_ref(owner);
                if let Ok(adopted) = api.modify(&rev.key(), |o| {
                    o.metadata_mut()
                        .owner_references
                        .get_or_insert_with(Vec::new)
                        .push(reference);
                }) {
                    claimed.push(adopted);
                }
            }
            None => {}
        }
    }
    sort_revisions(&mut claimed);
    claimed
}

/// Creates a revision, moving to the next hash on a name clash with a revision holding other
/// data (`CreateControllerRevision`): `hash_of(collision_count)` names each attempt, and
/// `collision_count` is raised for every clash. An existing revision with the same data is
/// returned as it is.
pub fn create_revision(
    api: &mut ApiServer,
    owner: &Object,
    mut rev: ControllerRevision,
    collision_count: &mut i32,
    hash_of: impl Fn(i32) -> String,
) -> Result<Arc<Object>, ApiError> {
    for _ in 0..100 {
        let hash = hash_of(*collision_count);
        let name = revision_name(owner.name(), &hash);
        rev.metadata.name = Some(name.clone());
        let key = crate::api::ObjectKey::new(Kind::ControllerRevision, owner.namespace(), &name);
        if let Some(existing) = api.store().get(&key).cloned() {
            let same = existing
                .as_::<ControllerRevision>()
                .is_some_and(|e| e.data == rev.data);
            if same {
                return Ok(existing);
            }
            *collision_count += 1;
            continue;
        }
        return api.create(Object::from(rev), owner.namespace(), false);
    }
    Err(ApiError::new(
        StatusReason::Conflict,
        format!(
            "too many hash collisions creating revisions of {}",
            owner.name()
        ),
    ))
}

/// Gives a revision a new number (a rollback to it, or a stale number).
pub fn renumber(api: &mut ApiServer, rev: &Object, revision: i64) -> Option<Arc<Object>> {
    api.modify(&rev.key(), |o| {
        if let Object::ControllerRevision(r) = o {
            r.revision = Some(revision);
        }
    })
    .ok()
}

/// Deletes the oldest of `history` (revisions that no pod and no status field uses, oldest
/// first) until at most `limit` remain (`cleanupHistory` / `truncateHistory`).
pub fn truncate(api: &mut ApiServer, history: &[Arc<Object>], limit: i32) {
    let limit = limit.max(0) as usize;
    if history.len() <= limit {
        return;
    }
    for rev in &history[..history.len() - limit] {
        let _ = api.delete(&rev.key(), &DeleteOptions::default(), false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1_matches_go() {
        // Go's hash/fnv.New32 of "a".
        assert_eq!(fnv32(b"a"), 0x050c_5d7e);
    }

    #[test]
    fn revision_names_are_owner_and_hash() {
        assert_eq!(revision_name("web", "5d8b"), "web-5d8b");
        assert_eq!(revision_name(&"x".repeat(300), "h").len(), 225);
    }

    #[test]
    fn patch_round_trips_the_template() {
        let t: PodTemplateSpec = serde_json::from_value(json!({
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.14"}]}
        }))
        .unwrap();
        let patch = template_patch(&t);
        assert_eq!(patch["spec"]["template"]["$patch"], "replace");
        assert_eq!(
            patch["spec"]["template"]["metadata"]["creationTimestamp"],
            Value::Null
        );
        let rev = ControllerRevision {
            data: RawExtension(patch),
            ..Default::default()
        };
        assert_eq!(template_of(&rev), Some(t.clone()));
        // Different templates, different hashes; a collision count changes the hash.
        let mut t2 = t.clone();
        t2.spec.as_mut().unwrap().containers[0].image = Some("nginx:1.15".into());
        assert_ne!(compute_hash(&t, None), compute_hash(&t2, None));
        assert_ne!(compute_hash(&t, None), compute_hash(&t, Some(1)));
        assert_eq!(compute_hash(&t, Some(0)), compute_hash(&t.clone(), Some(0)));
        let h = hash_controller_revision(&template_patch(&t), Some(0));
        assert!(h.chars().all(|c| "456789bcdf".contains(c)), "{h}");
    }
}
