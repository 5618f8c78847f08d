//! Defaulting and the mutating admission the API server applies before validation:
//! what `kubectl get -o yaml` shows that the manifest did not say.

use super::{quantity, Object, Pod};
use crate::sim::Rng;
use k8s_openapi::api::core::v1::{
    ConfigMapProjection, DownwardAPIProjection, DownwardAPIVolumeFile, KeyToPath,
    ObjectFieldSelector, PodSecurityContext, PodSpec, ProjectedVolumeSource, ResourceRequirements,
    ServiceAccountTokenProjection, Toleration, Volume, VolumeMount, VolumeProjection,
};
use std::collections::BTreeMap;

/// Applies defaults to a newly created object.
pub fn default_on_create(obj: &mut Object, rng: &mut Rng) {
    super::ingress::default_ingress_kinds(obj);
    match obj {
        Object::Pod(p) => default_pod(p, rng),
        Object::ReplicationController(_)
        | Object::ReplicaSet(_)
        | Object::Deployment(_)
        | Object::DaemonSet(_)
        | Object::StatefulSet(_) => super::workloads::default_workload(obj),
        Object::Job(_) | Object::CronJob(_) => super::batch::default_batch(obj),
        Object::Service(_) | Object::Endpoints(_) => super::service::default_service_kinds(obj),
        Object::PersistentVolume(_)
        | Object::PersistentVolumeClaim(_)
        | Object::StorageClass(_) => super::persistent_volume::default_persistent_volume_kinds(obj),
        Object::Namespace(ns) => {
            let name = ns.metadata.name.clone().unwrap_or_default();
            ns.metadata
                .labels
                .get_or_insert_with(BTreeMap::new)
                .insert("kubernetes.io/metadata.name".into(), name);
            let spec = ns.spec.get_or_insert_with(Default::default);
            spec.finalizers
                .get_or_insert_with(|| vec!["kubernetes".into()]);
            let status = ns.status.get_or_insert_with(Default::default);
            status.phase.get_or_insert_with(|| "Active".into());
        }
        Object::Secret(s) => {
            s.type_.get_or_insert_with(|| "Opaque".into());
            if let Some(sd) = s.string_data.take() {
                let data = s.data.get_or_insert_with(BTreeMap::new);
                for (k, v) in sd {
                    data.insert(k, k8s_openapi::ByteString(v.into_bytes()));
                }
            }
        }
        _ => {}
    }
}

/// `imagePullPolicy` by tag: `Always` for `:latest` or no tag, else `IfNotPresent`.
pub fn default_pull_policy(image: &str) -> &'static str {
    let without_digest = image.split('@').next().unwrap_or(image);
    if image.contains('@') {
        return "IfNotPresent";
    }
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    match last.split_once(':') {
        None => "Always",
        Some((_, "latest")) => "Always",
        Some(_) => "IfNotPresent",
    }
}

/// `SetDefaults_PodSpec` and the container defaults: what a pod template in a Deployment,
/// ReplicaSet, Job, … shows after creation. Pods get these plus the admission defaults of
/// [`default_pod`].
pub fn default_pod_spec(spec: &mut PodSpec) {
    spec.restart_policy.get_or_insert_with(|| "Always".into());
    spec.dns_policy.get_or_insert_with(|| "ClusterFirst".into());
    spec.termination_grace_period_seconds.get_or_insert(30);
    spec.scheduler_name
        .get_or_insert_with(|| "default-scheduler".into());
    spec.security_context
        .get_or_insert_with(PodSecurityContext::default);
    for c in spec
        .init_containers
        .iter_mut()
        .flatten()
        .chain(spec.containers.iter_mut())
    {
        if c.image_pull_policy.is_none() {
            c.image_pull_policy =
                Some(default_pull_policy(c.image.as_deref().unwrap_or("")).into());
        }
        c.termination_message_path
            .get_or_insert_with(|| "/dev/termination-log".into());
        c.termination_message_policy
            .get_or_insert_with(|| "File".into());
        let res = c
            .resources
            .get_or_insert_with(ResourceRequirements::default);
        // Requests default to limits when only limits are given.
        if let Some(limits) = res.limits.clone() {
            let req = res.requests.get_or_insert_with(BTreeMap::new);
            for (k, v) in limits {
                req.entry(k).or_insert(v);
            }
        }
        for port in c.ports.iter_mut().flatten() {
            port.protocol.get_or_insert_with(|| "TCP".into());
        }
    }
}

fn default_pod(p: &mut Pod, rng: &mut Rng) {
    // The kubelet's mirror of a static pod: the ServiceAccount admission leaves its spec alone.
    let mirror = p
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key("kubernetes.io/config.mirror"));
    let Some(spec) = p.spec.as_mut() else { return };
    default_pod_spec(spec);
    spec.enable_service_links.get_or_insert(true);
    spec.preemption_policy
        .get_or_insert_with(|| "PreemptLowerPriority".into());
    // Priority admission: the two built-in classes; no global default class.
    let priority = match spec.priority_class_name.as_deref() {
        Some("system-node-critical") => 2_000_001_000,
        Some("system-cluster-critical") => 2_000_000_000,
        _ => 0,
    };
    spec.priority.get_or_insert(priority);
    // ServiceAccount admission; it leaves mirror pods as the kubelet wrote them.
    if !mirror {
        service_account_admission(spec, rng);
    }
    // DefaultTolerationSeconds admission.
    let tolerations = spec.tolerations.get_or_insert_with(Vec::new);
    for key in [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ] {
        let has = tolerations.iter().any(|t| {
            t.key.as_deref() == Some(key)
                || (t.key.is_none() && t.operator.as_deref() == Some("Exists"))
        });
        if !has {
            tolerations.push(Toleration {
                effect: Some("NoExecute".into()),
                key: Some(key.into()),
                operator: Some("Exists".into()),
                toleration_seconds: Some(300),
                ..Default::default()
            });
        }
    }
    let qos = qos_class(p);
    let status = p.status.get_or_insert_with(Default::default);
    status.phase.get_or_insert_with(|| "Pending".into());
    status.qos_class = Some(qos.into());
}

/// The ServiceAccount admission plugin: `serviceAccountName` (default `default`) and, unless
/// `automountServiceAccountToken: false`, the `kube-api-access-*` projected token volume
/// mounted into every container.
fn service_account_admission(spec: &mut PodSpec, rng: &mut Rng) {
    let sa = spec
        .service_account_name
        .clone()
        .or_else(|| spec.service_account.clone())
        .unwrap_or_else(|| "default".into());
    spec.service_account_name = Some(sa.clone());
    spec.service_account = Some(sa);
    let automount = spec.automount_service_account_token.unwrap_or(true);
    let mut token_volume = None;
    if automount
        && !spec
            .volumes
            .iter()
            .flatten()
            .any(|v| v.name.starts_with("kube-api-access-"))
    {
        let name = format!("kube-api-access-{}", rng.suffix("pod-volume", 5));
        spec.volumes
            .get_or_insert_with(Vec::new)
            .push(kube_api_access_volume(&name));
        token_volume = Some(name);
    }
    for c in spec
        .init_containers
        .iter_mut()
        .flatten()
        .chain(spec.containers.iter_mut())
    {
        if let Some(name) = &token_volume {
            c.volume_mounts
                .get_or_insert_with(Vec::new)
                .push(VolumeMount {
                    name: name.clone(),
                    mount_path: "/var/run/secrets/kubernetes.io/serviceaccount".into(),
                    read_only: Some(true),
                    ..Default::default()
                });
        }
    }
}

fn kube_api_access_volume(name: &str) -> Volume {
    Volume {
        name: name.into(),
        projected: Some(ProjectedVolumeSource {
            default_mode: Some(420),
            sources: Some(vec![
                VolumeProjection {
                    service_account_token: Some(ServiceAccountTokenProjection {
                        expiration_seconds: Some(3607),
                        path: "token".into(),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                VolumeProjection {
                    config_map: Some(ConfigMapProjection {
                        items: Some(vec![KeyToPath {
                            key: "ca.crt".into(),
                            path: "ca.crt".into(),
                            ..Default::default()
                        }]),
                        name: "kube-root-ca.crt".into(),
                        optional: None,
                    }),
                    ..Default::default()
                },
                VolumeProjection {
                    downward_api: Some(DownwardAPIProjection {
                        items: Some(vec![DownwardAPIVolumeFile {
                            field_ref: Some(ObjectFieldSelector {
                                api_version: Some("v1".into()),
                                field_path: "metadata.namespace".into(),
                            }),
                            path: "namespace".into(),
                            ..Default::default()
                        }]),
                    }),
                    ..Default::default()
                },
            ]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The pod's QoS class: Guaranteed when every container has equal cpu and memory requests and
/// limits, BestEffort when none has any, Burstable otherwise.
pub fn qos_class(p: &Pod) -> &'static str {
    let Some(spec) = &p.spec else {
        return "BestEffort";
    };
    let containers: Vec<_> = spec
        .init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter())
        .collect();
    let mut any = false;
    let mut guaranteed = true;
    for c in &containers {
        let req = c
            .resources
            .as_ref()
            .and_then(|r| r.requests.clone())
            .unwrap_or_default();
        let lim = c
            .resources
            .as_ref()
            .and_then(|r| r.limits.clone())
            .unwrap_or_default();
        let relevant =
            |m: &BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>,
             k: &str| {
                m.get(k)
                    .and_then(|q| quantity::parse_milli(&q.0))
                    .filter(|v| *v != 0)
            };
        for r in ["cpu", "memory"] {
            let (rq, lm) = (relevant(&req, r), relevant(&lim, r));
            if rq.is_some() || lm.is_some() {
                any = true;
            }
            match (rq, lm) {
                (_, None) => guaranteed = false,
                (Some(a), Some(b)) if a != b => guaranteed = false,
                _ => {}
            }
        }
    }
    if !any {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

#[cfg(test)]
mod service_account_tests {
    use super::*;

    fn pod(annotations: serde_json::Value) -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p", "annotations": annotations},
            "spec": {"containers": [{"name": "c", "image": "etcd"}]}
        }))
        .unwrap()
    }

    #[test]
    fn mirror_pods_get_no_service_account_or_token_volume() {
        let mut rng = Rng::new(1);
        let mut mirror = pod(serde_json::json!({"kubernetes.io/config.mirror": "abc"}));
        default_pod(&mut mirror, &mut rng);
        let spec = mirror.spec.unwrap();
        assert_eq!(spec.service_account_name, None);
        assert!(spec.volumes.is_none());
        assert!(spec.containers[0].volume_mounts.is_none());
        assert_eq!(spec.priority, Some(0));

        let mut plain = pod(serde_json::json!({}));
        default_pod(&mut plain, &mut rng);
        let spec = plain.spec.unwrap();
        assert_eq!(spec.service_account_name.as_deref(), Some("default"));
        assert!(spec.volumes.unwrap()[0]
            .name
            .starts_with("kube-api-access-"));
    }
}
