//! PersistentVolumeClaims (`printPersistentVolumeClaim`): `NAME STATUS VOLUME CAPACITY ACCESS
//! MODES STORAGECLASS VOLUMEATTRIBUTESCLASS AGE`, and PersistentVolumes
//! (`printPersistentVolume`): `NAME CAPACITY ACCESS MODES RECLAIM POLICY STATUS CLAIM
//! STORAGECLASS VOLUMEATTRIBUTESCLASS REASON AGE`; both add `VOLUMEMODE` with `-o wide`.

use super::{col, wide, Column, RowContext};
use kubarium_engine::api::{PersistentVolume, PersistentVolumeClaim};
use kubarium_engine::Object;

pub const CLAIM_COLUMNS: &[Column] = &[
    col("Name"),
    col("Status"),
    col("Volume"),
    col("Capacity"),
    col("Access Modes"),
    col("StorageClass"),
    col("VolumeAttributesClass"),
    col("Age"),
    wide("VolumeMode"),
];

pub const VOLUME_COLUMNS: &[Column] = &[
    col("Name"),
    col("Capacity"),
    col("Access Modes"),
    col("Reclaim Policy"),
    col("Status"),
    col("Claim"),
    col("StorageClass"),
    col("VolumeAttributesClass"),
    col("Reason"),
    col("Age"),
    wide("VolumeMode"),
];

/// `GetAccessModesAsString`: `RWO,ROX,RWX,RWOP`, in that order, for the modes present.
pub fn access_modes(modes: Option<&Vec<String>>) -> String {
    let modes = modes.map(Vec::as_slice).unwrap_or(&[]);
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(m, _)| modes.iter().any(|x| x == m))
    .map(|(_, s)| *s)
    .collect::<Vec<_>>()
    .join(",")
}

/// The storage class of a claim or volume: the beta annotation wins over
/// `storageClassName` (`GetPersistentVolumeClaimClass`, `GetPersistentVolumeClass`).
pub use kubarium_engine::api::persistent_volume::{claim_class, claim_ref_name, volume_class};

/// Capacity and access modes of a claim as printed: from its status once it names a volume,
/// empty before.
pub fn bound_capacity_and_modes(pvc: &PersistentVolumeClaim) -> (String, String) {
    let bound = pvc
        .spec
        .as_ref()
        .and_then(|s| s.volume_name.as_deref())
        .is_some_and(|v| !v.is_empty());
    let status = pvc.status.clone().unwrap_or_default();
    if !bound {
        return (String::new(), String::new());
    }
    (
        status
            .capacity
            .as_ref()
            .and_then(|c| c.get("storage"))
            .map(|q| q.0.clone())
            .unwrap_or_default(),
        access_modes(status.access_modes.as_ref()),
    )
}

fn unset(v: Option<&String>) -> String {
    v.filter(|s| !s.is_empty())
        .cloned()
        .unwrap_or_else(|| "<unset>".into())
}

pub fn claim_row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    let Some(pvc) = obj.as_::<PersistentVolumeClaim>() else {
        return Vec::new();
    };
    let spec = pvc.spec.clone().unwrap_or_default();
    let status = pvc.status.clone().unwrap_or_default();
    let phase = if pvc.metadata.deletion_timestamp.is_some() {
        "Terminating".to_string()
    } else {
        status.phase.clone().unwrap_or_default()
    };
    let volume = spec.volume_name.clone().unwrap_or_default();
    let (capacity, modes) = bound_capacity_and_modes(pvc);
    vec![
        pvc.metadata.name.clone().unwrap_or_default(),
        phase,
        volume,
        capacity,
        modes,
        claim_class(pvc),
        unset(spec.volume_attributes_class_name.as_ref()),
        ctx.since(pvc.metadata.creation_timestamp.as_ref()),
        unset(spec.volume_mode.as_ref()),
    ]
}

pub fn volume_row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    let Some(pv) = obj.as_::<PersistentVolume>() else {
        return Vec::new();
    };
    let spec = pv.spec.clone().unwrap_or_default();
    let status = pv.status.clone().unwrap_or_default();
    let claim = claim_ref_name(pv);
    let phase = if pv.metadata.deletion_timestamp.is_some() {
        "Terminating".to_string()
    } else {
        status.phase.clone().unwrap_or_default()
    };
    vec![
        pv.metadata.name.clone().unwrap_or_default(),
        spec.capacity
            .as_ref()
            .and_then(|c| c.get("storage"))
            .map(|q| q.0.clone())
            .unwrap_or_default(),
        access_modes(spec.access_modes.as_ref()),
        spec.persistent_volume_reclaim_policy
            .clone()
            .unwrap_or_default(),
        phase,
        claim,
        volume_class(pv),
        unset(spec.volume_attributes_class_name.as_ref()),
        status.reason.clone().unwrap_or_default(),
        ctx.since(pv.metadata.creation_timestamp.as_ref()),
        unset(spec.volume_mode.as_ref()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> RowContext {
        RowContext {
            now_unix_ms: 1_795_424_400_000 + 7_000,
        }
    }

    #[test]
    fn pending_claim_shows_no_volume_or_capacity() {
        let pvc: PersistentVolumeClaim = serde_json::from_value(json!({
            "metadata": {"name": "www-web-0", "creationTimestamp": "2026-11-23T09:00:00Z"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                "volumeMode": "Filesystem"},
            "status": {"phase": "Pending"}
        }))
        .unwrap();
        assert_eq!(
            claim_row(&Object::from(pvc), &ctx()),
            [
                "www-web-0",
                "Pending",
                "",
                "",
                "",
                "",
                "<unset>",
                "7s",
                "Filesystem"
            ]
        );
    }

    #[test]
    fn bound_volume_names_its_claim() {
        let pv: PersistentVolume = serde_json::from_value(json!({
            "metadata": {"name": "pv-1", "creationTimestamp": "2026-11-23T09:00:00Z"},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
                "persistentVolumeReclaimPolicy": "Retain",
                "claimRef": {"namespace": "default", "name": "www-web-0"}},
            "status": {"phase": "Bound"}
        }))
        .unwrap();
        assert_eq!(
            volume_row(&Object::from(pv), &ctx()),
            [
                "pv-1",
                "1Gi",
                "RWO,RWX",
                "Retain",
                "Bound",
                "default/www-web-0",
                "",
                "<unset>",
                "",
                "7s",
                "<unset>"
            ]
        );
    }
}
