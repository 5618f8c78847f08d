//! `kubectl describe pvc` (`describePersistentVolumeClaim`): class, phase, volume, labels,
//! annotations, finalizers, capacity and access modes once bound, the pods using the claim,
//! and events.

use super::{annotations_multiline, describe_events, labels_multiline, PrefixWriter};
use crate::kubectl::columns::persistent_volume::{bound_capacity_and_modes, claim_class};
use crate::kubectl::columns::RowContext;
use k8s_openapi::api::core::v1::Event;
use kubarium_engine::api::{PersistentVolumeClaim, Pod};

/// Describes a claim; `pods` are the pods of its namespace (for `Used By`).
pub(crate) fn describe_persistent_volume_claim(
    pvc: &PersistentVolumeClaim,
    pods: &[Pod],
    events: Option<&[Event]>,
    rc: &RowContext,
) -> String {
    let mut w = PrefixWriter::default();
    let m = &pvc.metadata;
    let spec = pvc.spec.clone().unwrap_or_default();
    let status = pvc.status.clone().unwrap_or_default();
    let name = m.name.as_deref().unwrap_or("");
    w.write(0, &format!("Name:\t{name}\n"));
    w.write(
        0,
        &format!("Namespace:\t{}\n", m.namespace.as_deref().unwrap_or("")),
    );
    w.write(0, &format!("StorageClass:\t{}\n", claim_class(pvc)));
    match m.deletion_timestamp.as_ref() {
        Some(t) => w.write(
            0,
            &format!("Status:\tTerminating (lasts {})\n", rc.since(Some(t))),
        ),
        None => w.write(
            0,
            &format!("Status:\t{}\n", status.phase.as_deref().unwrap_or("")),
        ),
    }
    let volume = spec.volume_name.clone().unwrap_or_default();
    w.write(0, &format!("Volume:\t{volume}\n"));
    labels_multiline(&mut w, "Labels", m.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", m.annotations.as_ref());
    w.write(
        0,
        &format!(
            "Finalizers:\t[{}]\n",
            m.finalizers.clone().unwrap_or_default().join(" ")
        ),
    );
    let (capacity, modes) = bound_capacity_and_modes(pvc);
    w.write(0, &format!("Capacity:\t{capacity}\n"));
    w.write(0, &format!("Access Modes:\t{modes}\n"));
    if let Some(mode) = spec.volume_mode.as_ref() {
        w.write(0, &format!("VolumeMode:\t{mode}\n"));
    }
    let users: Vec<&str> = pods
        .iter()
        .filter(|p| {
            p.spec.as_ref().is_some_and(|s| {
                s.volumes.iter().flatten().any(|v| {
                    v.persistent_volume_claim
                        .as_ref()
                        .is_some_and(|c| c.claim_name == name)
                })
            })
        })
        .filter_map(|p| p.metadata.name.as_deref())
        .collect();
    w.write(0, "Used By:\t");
    if users.is_empty() {
        w.write(0, "<none>\n");
    } else {
        for (i, u) in users.iter().enumerate() {
            if i > 0 {
                w.write(0, "\t");
            }
            w.write(0, &format!("{u}\n"));
        }
    }
    if let Some(events) = events {
        describe_events(&mut w, events, rc);
    }
    w.finish()
}
