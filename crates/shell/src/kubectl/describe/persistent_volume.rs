//! `kubectl describe pvc` (`describePersistentVolumeClaim`): class, phase, volume, labels,
//! annotations, finalizers, capacity and access modes once bound, the pods using the claim,
//! and events; `kubectl describe pv` (`describePersistentVolume`): labels, annotations,
//! finalizers, class, phase, claim, reclaim policy, access modes, capacity, node affinity,
//! the controller's message, the volume source, and events.

use super::{
    annotations_multiline, describe_events, labels_multiline, print_host_path_volume_source,
    print_nfs_volume_source, PrefixWriter,
};
use crate::kubectl::columns::persistent_volume::{
    access_modes, bound_capacity_and_modes, claim_class, claim_ref_name, volume_class,
};
use crate::kubectl::columns::RowContext;
use k8s_openapi::api::core::v1::Event;
use kubarium_engine::api::{ObjectMeta, PersistentVolume, PersistentVolumeClaim, Pod};

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
    write_status(&mut w, m, status.phase.as_deref(), rc);
    let volume = spec.volume_name.clone().unwrap_or_default();
    w.write(0, &format!("Volume:\t{volume}\n"));
    labels_multiline(&mut w, "Labels", m.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", m.annotations.as_ref());
    write_finalizers(&mut w, m);
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

/// Describes a volume.
pub(crate) fn describe_persistent_volume(
    pv: &PersistentVolume,
    events: Option<&[Event]>,
    rc: &RowContext,
) -> String {
    let mut w = PrefixWriter::default();
    let m = &pv.metadata;
    let spec = pv.spec.clone().unwrap_or_default();
    let status = pv.status.clone().unwrap_or_default();
    w.write(0, &format!("Name:\t{}\n", m.name.as_deref().unwrap_or("")));
    labels_multiline(&mut w, "Labels", m.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", m.annotations.as_ref());
    write_finalizers(&mut w, m);
    w.write(0, &format!("StorageClass:\t{}\n", volume_class(pv)));
    write_status(&mut w, m, status.phase.as_deref(), rc);
    w.write(0, &format!("Claim:\t{}\n", claim_ref_name(pv)));
    w.write(
        0,
        &format!(
            "Reclaim Policy:\t{}\n",
            spec.persistent_volume_reclaim_policy
                .as_deref()
                .unwrap_or("")
        ),
    );
    w.write(
        0,
        &format!(
            "Access Modes:\t{}\n",
            access_modes(spec.access_modes.as_ref())
        ),
    );
    if let Some(mode) = spec.volume_mode.as_ref() {
        w.write(0, &format!("VolumeMode:\t{mode}\n"));
    }
    let storage = spec
        .capacity
        .as_ref()
        .and_then(|c| c.get("storage"))
        .map(|q| q.0.clone())
        .unwrap_or_else(|| "0".into());
    w.write(0, &format!("Capacity:\t{storage}\n"));
    write_node_affinity(&mut w, &spec);
    w.write(
        0,
        &format!("Message:\t{}\n", status.message.as_deref().unwrap_or("")),
    );
    w.write(0, "Source:\n");
    if let Some(h) = &spec.host_path {
        print_host_path_volume_source(&mut w, h);
    } else if let Some(n) = &spec.nfs {
        print_nfs_volume_source(&mut w, n);
    } else if let Some(l) = &spec.local {
        w.write(
            2,
            "Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n",
        );
        w.write(2, &format!("Path:\t{}\n", l.path));
    } else if let Some(c) = &spec.csi {
        w.write(
            2,
            "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n",
        );
        w.write(2, &format!("Driver:\t{}\n", c.driver));
        w.write(
            2,
            &format!("FSType:\t{}\n", c.fs_type.as_deref().unwrap_or("")),
        );
        w.write(2, &format!("VolumeHandle:\t{}\n", c.volume_handle));
        w.write(2, &format!("ReadOnly:\t{}\n", c.read_only.unwrap_or(false)));
        let attrs = c.volume_attributes.clone().unwrap_or_default();
        w.write(2, "VolumeAttributes:\t");
        if attrs.is_empty() {
            w.write(0, "<none>\n");
        } else {
            for (i, (k, v)) in attrs.iter().enumerate() {
                if i > 0 {
                    w.write(0, "\t\t\t");
                }
                w.write(0, &format!("{k}={v}\n"));
            }
        }
    } else {
        w.write(1, "<unknown>\n");
    }
    if let Some(events) = events {
        describe_events(&mut w, events, rc);
    }
    w.finish()
}

/// `printVolumeNodeAffinity`: `<none>`, or the required terms' expressions.
fn write_node_affinity(
    w: &mut PrefixWriter,
    spec: &k8s_openapi::api::core::v1::PersistentVolumeSpec,
) {
    let Some(required) = spec
        .node_affinity
        .as_ref()
        .and_then(|a| a.required.as_ref())
    else {
        w.write(0, "Node Affinity:\t<none>\n");
        return;
    };
    w.write(0, "Node Affinity:\t\n");
    if required.node_selector_terms.is_empty() {
        w.write(1, "Required Terms:\t<none>\n");
        return;
    }
    w.write(1, "Required Terms:\t\n");
    for (i, term) in required.node_selector_terms.iter().enumerate() {
        let exprs = term.match_expressions.clone().unwrap_or_default();
        w.write(2, &format!("Term {i}:\t"));
        if exprs.is_empty() {
            w.write(0, "<none>\n");
            continue;
        }
        for (j, e) in exprs.iter().enumerate() {
            if j > 0 {
                w.write(2, "\t");
            }
            let values = e.values.clone().unwrap_or_default();
            let mut text = format!("{} {}", e.key, e.operator.to_lowercase());
            if !values.is_empty() {
                text.push_str(&format!(" [{}]", values.join(", ")));
            }
            w.write(0, &format!("{text}\n"));
        }
    }
}

/// `Status:` of a claim or a volume: `Terminating (lasts AGE)` once deleted, else its phase.
fn write_status(w: &mut PrefixWriter, m: &ObjectMeta, phase: Option<&str>, rc: &RowContext) {
    match m.deletion_timestamp.as_ref() {
        Some(t) => w.write(
            0,
            &format!("Status:\tTerminating (lasts {})\n", rc.since(Some(t))),
        ),
        None => w.write(0, &format!("Status:\t{}\n", phase.unwrap_or(""))),
    }
}

/// `Finalizers:` as kubectl prints the list (`[a b]`, `[]` when none).
fn write_finalizers(w: &mut PrefixWriter, m: &ObjectMeta) {
    let finalizers = m.finalizers.as_deref().unwrap_or_default().join(" ");
    w.write(0, &format!("Finalizers:\t[{finalizers}]\n"));
}
