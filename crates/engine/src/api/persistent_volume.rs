//! Defaults and validation of PersistentVolumes and PersistentVolumeClaims
//! (`pkg/apis/core/v1/defaults.go` `SetDefaults_PersistentVolume(Claim)`,
//! `pkg/apis/core/validation` `ValidatePersistentVolumeSpec` / `ValidatePersistentVolumeClaimSpec`).
//! Binding them to each other is the persistentvolume-controller's work
//! (`controllers/pv_binder.rs`).

use super::validation::{FieldError, FieldErrorType};
use super::workloads::go_json_string;
use super::{quantity, Object};
use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};

/// The beta class annotation, which wins over `storageClassName`.
pub const ANN_BETA_CLASS: &str = "volume.beta.kubernetes.io/storage-class";

/// A volume's or claim's class: the beta annotation, else `storageClassName`, else "".
fn class_of(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    storage_class_name: Option<&String>,
) -> String {
    meta.annotations
        .as_ref()
        .and_then(|a| a.get(ANN_BETA_CLASS))
        .or(storage_class_name)
        .cloned()
        .unwrap_or_default()
}

/// `GetPersistentVolumeClaimClass`.
pub fn claim_class(pvc: &PersistentVolumeClaim) -> String {
    class_of(
        &pvc.metadata,
        pvc.spec
            .as_ref()
            .and_then(|s| s.storage_class_name.as_ref()),
    )
}

/// The volume a claim is bound to or asks for (`spec.volumeName`; "" for none).
pub fn claim_volume_name(pvc: &PersistentVolumeClaim) -> &str {
    pvc.spec
        .as_ref()
        .and_then(|s| s.volume_name.as_deref())
        .unwrap_or("")
}

/// `GetPersistentVolumeClass`.
pub fn volume_class(pv: &PersistentVolume) -> String {
    class_of(
        &pv.metadata,
        pv.spec.as_ref().and_then(|s| s.storage_class_name.as_ref()),
    )
}

/// `namespace/name` of the claim a volume points at ("" for none), as kubectl prints CLAIM.
pub fn claim_ref_name(pv: &PersistentVolume) -> String {
    pv.spec
        .as_ref()
        .and_then(|s| s.claim_ref.as_ref())
        .map(|r| {
            format!(
                "{}/{}",
                r.namespace.as_deref().unwrap_or(""),
                r.name.as_deref().unwrap_or("")
            )
        })
        .unwrap_or_default()
}

/// The access modes a volume or claim may ask for (`supportedAccessModes`, sorted).
const ACCESS_MODES: [&str; 4] = [
    "ReadOnlyMany",
    "ReadWriteMany",
    "ReadWriteOnce",
    "ReadWriteOncePod",
];

/// The reclaim policies (`supportedReclaimPolicy`, sorted).
const RECLAIM_POLICIES: [&str; 3] = ["Delete", "Recycle", "Retain"];

/// `SetDefaults_PersistentVolume` / `SetDefaults_PersistentVolumeClaim`: a volume starts
/// `Pending` with the `Retain` policy and `Filesystem` mode, a hostPath volume's `type` is
/// the empty string (`HostPathUnset`); a claim starts `Pending` in `Filesystem` mode; a
/// StorageClass reclaims with `Delete` and binds `Immediate`. The controller moves a new
/// volume to `Available` at once.
pub fn default_persistent_volume_kinds(obj: &mut Object) {
    match obj {
        Object::PersistentVolume(pv) => default_volume(pv),
        Object::PersistentVolumeClaim(pvc) => default_claim(pvc),
        // `SetDefaults_StorageClass`.
        Object::StorageClass(sc) => {
            sc.reclaim_policy.get_or_insert_with(|| "Delete".into());
            sc.volume_binding_mode
                .get_or_insert_with(|| "Immediate".into());
        }
        _ => {}
    }
}

/// The `StorageObjectInUseProtection` admission plugin's finalizers: a claim a pod uses,
/// and a bound volume, stay until the pvc- and pv-protection controllers let them go.
pub const PVC_PROTECTION_FINALIZER: &str = "kubernetes.io/pvc-protection";
pub const PV_PROTECTION_FINALIZER: &str = "kubernetes.io/pv-protection";

/// Adds the protection finalizer unless the object is being deleted (then removing it is
/// the protection controller's release, which must stick). The admission plugin adds it on
/// create; on update the protection controllers add it back if a write dropped it.
fn protect(meta: &mut k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta, finalizer: &str) {
    if meta.deletion_timestamp.is_some() {
        return;
    }
    let list = meta.finalizers.get_or_insert_with(Vec::new);
    if !list.iter().any(|f| f == finalizer) {
        list.push(finalizer.to_string());
    }
}

fn default_volume(pv: &mut PersistentVolume) {
    protect(&mut pv.metadata, PV_PROTECTION_FINALIZER);
    let spec = pv.spec.get_or_insert_with(Default::default);
    spec.persistent_volume_reclaim_policy
        .get_or_insert_with(|| "Retain".into());
    spec.volume_mode.get_or_insert_with(|| "Filesystem".into());
    if let Some(hp) = spec.host_path.as_mut() {
        hp.type_.get_or_insert_with(String::new);
    }
    let status = pv.status.get_or_insert_with(Default::default);
    status.phase.get_or_insert_with(|| "Pending".into());
}

fn default_claim(pvc: &mut PersistentVolumeClaim) {
    protect(&mut pvc.metadata, PVC_PROTECTION_FINALIZER);
    let spec = pvc.spec.get_or_insert_with(Default::default);
    spec.volume_mode.get_or_insert_with(|| "Filesystem".into());
    let status = pvc.status.get_or_insert_with(Default::default);
    status.phase.get_or_insert_with(|| "Pending".into());
}

/// The checks a learner's manifest most often fails, with the API server's wording:
/// a volume needs access modes, a capacity and one volume source; a claim needs access
/// modes and a storage request.
pub fn validate_persistent_volume_kinds(obj: &Object, errs: &mut Vec<FieldError>) {
    match obj {
        Object::PersistentVolume(pv) => validate_volume(pv, errs),
        Object::PersistentVolumeClaim(pvc) => validate_claim(pvc, errs),
        _ => {}
    }
}

fn check_access_modes(modes: &[String], required_detail: &str, errs: &mut Vec<FieldError>) {
    if modes.is_empty() {
        errs.push(FieldError::required("spec.accessModes", required_detail));
    }
    for m in modes {
        if !ACCESS_MODES.contains(&m.as_str()) {
            errs.push(FieldError::not_supported(
                "spec.accessModes",
                m,
                &ACCESS_MODES,
            ));
        }
    }
}

/// `ValidatePersistentVolumeSpec`, in its order: access modes, capacity, reclaim policy,
/// then the volume source (exactly one).
fn validate_volume(pv: &PersistentVolume, errs: &mut Vec<FieldError>) {
    let spec = pv.spec.clone().unwrap_or_default();
    check_access_modes(spec.access_modes.as_deref().unwrap_or(&[]), "", errs);
    let capacity = spec.capacity.clone().unwrap_or_default();
    if capacity.is_empty() {
        errs.push(FieldError::required("spec.capacity", ""));
    }
    if !capacity.contains_key("storage") || capacity.len() > 1 {
        // The ResourceList as JSON (v1.34+ field errors), `null` when absent.
        let value = match spec.capacity.as_ref() {
            None => "null".to_string(),
            Some(m) => {
                let pairs: Vec<String> = m
                    .iter()
                    .map(|(k, q)| format!("{}:{}", go_json_string(k), go_json_string(&q.0)))
                    .collect();
                format!("{{{}}}", pairs.join(","))
            }
        };
        errs.push(FieldError {
            field: "spec.capacity".into(),
            kind: FieldErrorType::NotSupported(vec!["storage".into()]),
            value,
            detail: String::new(),
        });
    }
    if let Some(q) = capacity.get("storage") {
        if quantity::parse_milli(&q.0).is_some_and(|m| m <= 0) {
            errs.push(FieldError::invalid(
                "spec.capacity[storage]",
                format!("{:?}", q.0),
                "must be greater than zero",
            ));
        }
    }
    if let Some(p) = spec.persistent_volume_reclaim_policy.as_deref() {
        if !RECLAIM_POLICIES.contains(&p) {
            errs.push(FieldError::not_supported(
                "spec.persistentVolumeReclaimPolicy",
                p,
                &RECLAIM_POLICIES,
            ));
        }
    }
    let sources = [
        spec.host_path.is_some(),
        spec.nfs.is_some(),
        spec.local.is_some(),
        spec.csi.is_some(),
        spec.iscsi.is_some(),
        spec.fc.is_some(),
        spec.rbd.is_some(),
        spec.cephfs.is_some(),
        spec.glusterfs.is_some(),
        spec.azure_file.is_some(),
        spec.azure_disk.is_some(),
        spec.aws_elastic_block_store.is_some(),
        spec.gce_persistent_disk.is_some(),
        spec.vsphere_volume.is_some(),
        spec.portworx_volume.is_some(),
        spec.scale_io.is_some(),
        spec.storageos.is_some(),
        spec.photon_persistent_disk.is_some(),
        spec.quobyte.is_some(),
        spec.flex_volume.is_some(),
        spec.flocker.is_some(),
        spec.cinder.is_some(),
    ]
    .iter()
    .filter(|s| **s)
    .count();
    if sources == 0 {
        errs.push(FieldError::required("spec", "must specify a volume type"));
    } else if sources > 1 {
        errs.push(FieldError::forbidden(
            "spec",
            "may not specify more than 1 volume type",
        ));
    }
    if let Some(hp) = spec.host_path.as_ref() {
        if hp.path.is_empty() {
            errs.push(FieldError::required("spec.hostPath.path", ""));
        }
    }
}

/// `ValidatePersistentVolumeClaimSpec`: access modes, then the storage request.
fn validate_claim(pvc: &PersistentVolumeClaim, errs: &mut Vec<FieldError>) {
    let spec = pvc.spec.clone().unwrap_or_default();
    check_access_modes(
        spec.access_modes.as_deref().unwrap_or(&[]),
        "at least 1 access mode is required",
        errs,
    );
    let storage = spec
        .resources
        .as_ref()
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get("storage"));
    match storage {
        None => errs.push(FieldError::required("spec.resources[storage]", "")),
        Some(q) => {
            if quantity::parse_milli(&q.0).is_some_and(|m| m <= 0) {
                errs.push(FieldError::invalid(
                    "spec.resources[storage]",
                    format!("{:?}", q.0),
                    "must be greater than zero",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(yaml: &str) -> Vec<String> {
        let value: serde_json::Value = serde_yaml::from_str(yaml).unwrap();
        let obj = crate::api::decode::decode_object(value).unwrap();
        let mut errs = Vec::new();
        validate_persistent_volume_kinds(&obj, &mut errs);
        errs.iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn a_claim_needs_access_modes_and_a_storage_request() {
        assert_eq!(
            errors("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec: {}\n"),
            [
                "spec.accessModes: Required value: at least 1 access mode is required",
                "spec.resources[storage]: Required value"
            ]
        );
    }

    #[test]
    fn a_volume_needs_modes_capacity_and_one_source() {
        assert_eq!(
            errors("apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: v}\nspec: {}\n"),
            [
                "spec.accessModes: Required value",
                "spec.capacity: Required value",
                "spec.capacity: Unsupported value: null: supported values: \"storage\"",
                "spec: Required value: must specify a volume type"
            ]
        );
        assert!(errors(
            "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: v}\nspec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], hostPath: {path: /mnt/data}}\n"
        )
        .is_empty());
    }

    #[test]
    fn defaults_match_the_api_server() {
        let value: serde_json::Value = serde_yaml::from_str(
            "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: v}\nspec: {hostPath: {path: /mnt/data}}\n",
        )
        .unwrap();
        let mut obj = crate::api::decode::decode_object(value).unwrap();
        default_persistent_volume_kinds(&mut obj);
        let Object::PersistentVolume(pv) = obj else {
            panic!()
        };
        let spec = pv.spec.unwrap();
        assert_eq!(
            spec.persistent_volume_reclaim_policy.as_deref(),
            Some("Retain")
        );
        assert_eq!(spec.volume_mode.as_deref(), Some("Filesystem"));
        assert_eq!(spec.host_path.unwrap().type_.as_deref(), Some(""));
        assert_eq!(pv.status.unwrap().phase.as_deref(), Some("Pending"));
        assert_eq!(
            pv.metadata.finalizers.unwrap(),
            [PV_PROTECTION_FINALIZER.to_string()]
        );
    }
}
