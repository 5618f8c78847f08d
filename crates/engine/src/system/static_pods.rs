//! The control plane's static pods (`/etc/kubernetes/manifests` on the control-plane node,
//! written by `kubeadm init`) and the mirror pods the kubelet posts for them.
//!
//! A mirror pod is the API's view of a static pod: the kubelet creates it with the
//! `kubernetes.io/config.mirror` annotation (the manifest's hash) and a controller reference to
//! its Node, so it goes away with the node and `kubectl drain` skips it. The API server's
//! ServiceAccount admission leaves mirror pods alone, and their only toleration (`NoExecute`,
//! any key) keeps them on a failed node.

use crate::api::{Kind, ObjectKey};
use crate::apiserver::ApiServer;
use crate::preset::{NodeSpec, Preset, KUBERNETES_VERSION};
use serde_json::{json, Value};

/// The etcd image kubeadm v1.37 deploys.
pub const ETCD_IMAGE: &str = "registry.k8s.io/etcd:3.6.5-0";

/// One control-plane component: its name, the requests kubeadm gives it, its flags and the
/// host paths it mounts (volume name, host path, mount path, hostPath type, read-only).
struct Component {
    name: &'static str,
    image: String,
    cpu: &'static str,
    memory: Option<&'static str>,
    args: Vec<String>,
    mounts: Vec<(&'static str, &'static str, &'static str, &'static str, bool)>,
    annotations: Vec<(&'static str, String)>,
}

/// The CA trust stores every component except etcd mounts (Debian/Ubuntu paths).
const CA_MOUNTS: [(&str, &str, &str, &str, bool); 4] = [
    (
        "ca-certs",
        "/etc/ssl/certs",
        "/etc/ssl/certs",
        "DirectoryOrCreate",
        true,
    ),
    (
        "etc-ca-certificates",
        "/etc/ca-certificates",
        "/etc/ca-certificates",
        "DirectoryOrCreate",
        true,
    ),
    (
        "usr-local-share-ca-certificates",
        "/usr/local/share/ca-certificates",
        "/usr/local/share/ca-certificates",
        "DirectoryOrCreate",
        true,
    ),
    (
        "usr-share-ca-certificates",
        "/usr/share/ca-certificates",
        "/usr/share/ca-certificates",
        "DirectoryOrCreate",
        true,
    ),
];

fn components(preset: &Preset, cp: &NodeSpec) -> Vec<Component> {
    let ip = &cp.ip;
    let name = &cp.name;
    let image = |c: &str| format!("registry.k8s.io/{c}:{KUBERNETES_VERSION}");
    let flags = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut etcd = flags(&["etcd"]);
    etcd.extend([
        format!("--advertise-client-urls=https://{ip}:2379"),
        "--cert-file=/etc/kubernetes/pki/etcd/server.crt".into(),
        "--client-cert-auth=true".into(),
        "--data-dir=/var/lib/etcd".into(),
        "--feature-gates=InitialCorruptCheck=true".into(),
        format!("--initial-advertise-peer-urls=https://{ip}:2380"),
        format!("--initial-cluster={name}=https://{ip}:2380"),
        "--key-file=/etc/kubernetes/pki/etcd/server.key".into(),
        format!("--listen-client-urls=https://127.0.0.1:2379,https://{ip}:2379"),
        "--listen-metrics-urls=http://127.0.0.1:2381".into(),
        format!("--listen-peer-urls=https://{ip}:2380"),
        format!("--name={name}"),
        "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt".into(),
        "--peer-client-cert-auth=true".into(),
        "--peer-key-file=/etc/kubernetes/pki/etcd/peer.key".into(),
        "--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt".into(),
        "--snapshot-count=10000".into(),
        "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt".into(),
        "--watch-progress-notify-interval=5s".into(),
    ]);
    let mut apiserver = flags(&["kube-apiserver"]);
    apiserver.extend([
        format!("--advertise-address={ip}"),
        "--allow-privileged=true".into(),
        "--authorization-mode=Node,RBAC".into(),
        "--client-ca-file=/etc/kubernetes/pki/ca.crt".into(),
        "--enable-admission-plugins=NodeRestriction".into(),
        "--enable-bootstrap-token-auth=true".into(),
        "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt".into(),
        "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt".into(),
        "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key".into(),
        "--etcd-servers=https://127.0.0.1:2379".into(),
        "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt".into(),
        "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key".into(),
        "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname".into(),
        "--proxy-client-cert-file=/etc/kubernetes/pki/front-proxy-client.crt".into(),
        "--proxy-client-key-file=/etc/kubernetes/pki/front-proxy-client.key".into(),
        "--requestheader-allowed-names=front-proxy-client".into(),
        "--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt".into(),
        "--requestheader-extra-headers-prefix=X-Remote-Extra-".into(),
        "--requestheader-group-headers=X-Remote-Group".into(),
        "--requestheader-username-headers=X-Remote-User".into(),
        "--secure-port=6443".into(),
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local".into(),
        "--service-account-key-file=/etc/kubernetes/pki/sa.pub".into(),
        "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key".into(),
        format!("--service-cluster-ip-range={}", preset.service_network),
        "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt".into(),
        "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key".into(),
    ]);
    let mut controller_manager = flags(&[
        "kube-controller-manager",
        "--allocate-node-cidrs=true",
        "--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf",
        "--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf",
        "--bind-address=127.0.0.1",
        "--client-ca-file=/etc/kubernetes/pki/ca.crt",
    ]);
    controller_manager.extend([
        format!("--cluster-cidr={}", preset.pod_network),
        "--cluster-name=kubernetes".into(),
        "--cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt".into(),
        "--cluster-signing-key-file=/etc/kubernetes/pki/ca.key".into(),
        "--controllers=*,bootstrapsigner,tokencleaner".into(),
        "--kubeconfig=/etc/kubernetes/controller-manager.conf".into(),
        "--leader-elect=true".into(),
        "--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt".into(),
        "--root-ca-file=/etc/kubernetes/pki/ca.crt".into(),
        "--service-account-private-key-file=/etc/kubernetes/pki/sa.key".into(),
        format!("--service-cluster-ip-range={}", preset.service_network),
        "--use-service-account-credentials=true".into(),
    ]);
    let scheduler = flags(&[
        "kube-scheduler",
        "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
        "--authorization-kubeconfig=/etc/kubernetes/scheduler.conf",
        "--bind-address=127.0.0.1",
        "--kubeconfig=/etc/kubernetes/scheduler.conf",
        "--leader-elect=true",
    ]);
    let mut cm_mounts = CA_MOUNTS.to_vec();
    cm_mounts.extend([
        (
            "flexvolume-dir",
            "/usr/libexec/kubernetes/kubelet-plugins/volume/exec",
            "/usr/libexec/kubernetes/kubelet-plugins/volume/exec",
            "DirectoryOrCreate",
            false,
        ),
        (
            "k8s-certs",
            "/etc/kubernetes/pki",
            "/etc/kubernetes/pki",
            "DirectoryOrCreate",
            true,
        ),
        (
            "kubeconfig",
            "/etc/kubernetes/controller-manager.conf",
            "/etc/kubernetes/controller-manager.conf",
            "FileOrCreate",
            true,
        ),
    ]);
    let mut api_mounts = CA_MOUNTS.to_vec();
    api_mounts.push((
        "k8s-certs",
        "/etc/kubernetes/pki",
        "/etc/kubernetes/pki",
        "DirectoryOrCreate",
        true,
    ));
    vec![
        Component {
            name: "etcd",
            image: ETCD_IMAGE.into(),
            cpu: "100m",
            memory: Some("100Mi"),
            args: etcd,
            mounts: vec![
                (
                    "etcd-certs",
                    "/etc/kubernetes/pki/etcd",
                    "/etc/kubernetes/pki/etcd",
                    "DirectoryOrCreate",
                    false,
                ),
                (
                    "etcd-data",
                    "/var/lib/etcd",
                    "/var/lib/etcd",
                    "DirectoryOrCreate",
                    false,
                ),
            ],
            annotations: vec![(
                "kubeadm.kubernetes.io/etcd.advertise-client-urls",
                format!("https://{ip}:2379"),
            )],
        },
        Component {
            name: "kube-apiserver",
            image: image("kube-apiserver"),
            cpu: "250m",
            memory: None,
            args: apiserver,
            mounts: api_mounts,
            annotations: vec![(
                "kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint",
                format!("{ip}:6443"),
            )],
        },
        Component {
            name: "kube-controller-manager",
            image: image("kube-controller-manager"),
            cpu: "200m",
            memory: None,
            args: controller_manager,
            mounts: cm_mounts,
            annotations: Vec::new(),
        },
        Component {
            name: "kube-scheduler",
            image: image("kube-scheduler"),
            cpu: "100m",
            memory: None,
            args: scheduler,
            mounts: vec![(
                "kubeconfig",
                "/etc/kubernetes/scheduler.conf",
                "/etc/kubernetes/scheduler.conf",
                "FileOrCreate",
                true,
            )],
            annotations: Vec::new(),
        },
    ]
}

/// The mirror pod of one component, as the kubelet posts it: the manifest's hash in
/// `config.hash`/`config.mirror`, when the kubelet first saw the file in `config.seen`.
fn mirror_pod(c: &Component, node: &str, node_uid: &str, hash: &str, seen: &str) -> Value {
    let mut annotations = serde_json::Map::new();
    for (k, v) in &c.annotations {
        annotations.insert((*k).into(), json!(v));
    }
    annotations.insert("kubernetes.io/config.hash".into(), json!(hash));
    annotations.insert("kubernetes.io/config.mirror".into(), json!(hash));
    annotations.insert("kubernetes.io/config.seen".into(), json!(seen));
    annotations.insert("kubernetes.io/config.source".into(), json!("file"));
    let mut requests = json!({"cpu": c.cpu});
    if let Some(m) = c.memory {
        requests["memory"] = json!(m);
    }
    let mut mounts: Vec<&(&str, &str, &str, &str, bool)> = c.mounts.iter().collect();
    crate::sort::sort_by_key(&mut mounts, |m| m.0);
    let volume_mounts: Vec<Value> = mounts
        .iter()
        .map(|(name, _, path, _, ro)| {
            let mut m = json!({"mountPath": path, "name": name});
            if *ro {
                m["readOnly"] = json!(true);
            }
            m
        })
        .collect();
    let volumes: Vec<Value> = mounts
        .iter()
        .map(|(name, host, _, type_, _)| {
            json!({"hostPath": {"path": host, "type": type_}, "name": name})
        })
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": format!("{}-{node}", c.name),
            "namespace": "kube-system",
            "labels": {"component": c.name, "tier": "control-plane"},
            "annotations": annotations,
            "ownerReferences": [{"apiVersion": "v1", "controller": true, "kind": "Node", "name": node, "uid": node_uid}],
        },
        "spec": {
            "containers": [{
                "name": c.name,
                "image": c.image,
                "imagePullPolicy": "IfNotPresent",
                "command": c.args,
                "resources": {"requests": requests},
                "volumeMounts": volume_mounts,
            }],
            "hostNetwork": true,
            "nodeName": node,
            "priorityClassName": "system-node-critical",
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "tolerations": [{"effect": "NoExecute", "operator": "Exists"}],
            "volumes": volumes,
        }
    })
}

/// Creates the mirror pods of the control-plane node's static pods.
pub fn create(preset: &Preset, api: &mut ApiServer) {
    let cp = preset.control_plane().clone();
    let node_uid = api
        .get(&ObjectKey::new(Kind::Node, "", &cp.name))
        .ok()
        .and_then(|n| n.metadata().uid.clone())
        .unwrap_or_default();
    let seen = crate::sim::SimTime::ZERO.to_k8s_time();
    let seen = serde_json::to_value(&seen)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('Z', ".000000000Z")))
        .unwrap_or_default();
    for c in components(preset, &cp) {
        let hash = api.rng().hex("static-pod-hash", 32);
        let manifest = mirror_pod(&c, &cp.name, &node_uid, &hash, &seen);
        match crate::api::decode::decode_object(manifest) {
            Ok(pod) => {
                let _ = api.create(pod, "kube-system", false);
            }
            Err(e) => api.trace("kubelet", format!("static pod {}: {e}", c.name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirror_pods_decode_strictly() {
        let preset = Preset::by_name("vagrant").unwrap_or_else(|| unreachable!());
        for c in components(&preset, preset.control_plane()) {
            let v = mirror_pod(&c, "m-k8s", "u", "h", "s");
            assert!(crate::api::decode::decode_object(v).is_ok(), "{}", c.name);
        }
    }
}
