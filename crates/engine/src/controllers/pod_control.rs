//! Creating and deleting pods on behalf of a controller, with the events kube-controller-manager
//! records for it (`RealPodControl` in `controller_utils.go`).

use super::owner::new_controller_ref;
use crate::api::{Object, ObjectKey, ObjectMeta, Pod};
use crate::apiserver::{ApiError, ApiServer, DeleteOptions};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use std::sync::Arc;

/// The pod a controller creates from its template: the template's labels, annotations and
/// spec, a controller reference to `owner`, and either a fixed `name` (StatefulSet ordinals)
/// or `generateName` `<prefix>` completed by the API server with five random characters.
pub fn pod_from_template(
    template: &PodTemplateSpec,
    owner: &Object,
    generate_name: &str,
    name: Option<&str>,
) -> Pod {
    let tm = template.metadata.clone().unwrap_or_default();
    Pod {
        metadata: ObjectMeta {
            name: name.map(str::to_string),
            generate_name: name.is_none().then(|| generate_name.to_string()),
            namespace: Some(owner.namespace().to_string()),
            labels: tm.labels,
            annotations: tm.annotations,
            finalizers: tm.finalizers,
            owner_references: Some(vec![new_controller_ref(owner)]),
            ..Default::default()
        },
        spec: template.spec.clone(),
        status: None,
    }
}

/// The `generateName` prefix of pods a controller names after itself: `<name>-`, or the bare
/// name when that would make the pod name too long (`getPodsPrefix`).
pub fn pods_prefix(controller_name: &str) -> String {
    let prefix = format!("{controller_name}-");
    if prefix.len() + 5 > 253 {
        controller_name.to_string()
    } else {
        prefix
    }
}

/// Creates `pod` for `owner` and records `SuccessfulCreate` (or `FailedCreate`) on the owner.
pub fn create_pod(
    api: &mut ApiServer,
    owner: &Object,
    pod: Pod,
    component: &str,
) -> Result<Arc<Object>, ApiError> {
    match api.create(Object::from(pod), owner.namespace(), false) {
        Ok(created) => {
            let msg = format!("Created pod: {}", created.name());
            api.record_event(owner, "Normal", "SuccessfulCreate", &msg, component, None);
            Ok(created)
        }
        Err(e) => {
            let msg = format!("Error creating: {}", e.message);
            api.record_event(owner, "Warning", "FailedCreate", &msg, component, None);
            Err(e)
        }
    }
}

/// Deletes a pod of `owner` and records `SuccessfulDelete` (or `FailedDelete`).
pub fn delete_pod(api: &mut ApiServer, owner: &Object, pod: &ObjectKey, component: &str) {
    match api.delete(pod, &DeleteOptions::default(), false) {
        Ok(_) => {
            let msg = format!("Deleted pod: {}", pod.name);
            api.record_event(owner, "Normal", "SuccessfulDelete", &msg, component, None);
        }
        Err(e) => {
            let msg = format!("Error deleting: {}", e.message);
            api.record_event(owner, "Warning", "FailedDelete", &msg, component, None);
        }
    }
}
