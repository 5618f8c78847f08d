//! The workloads of kube-system: kubeadm's addons (the kube-proxy DaemonSet, the CoreDNS
//! Deployment) and the CNI's (Calico's calico-node DaemonSet and calico-kube-controllers
//! Deployment, or weave-net's DaemonSet), with the manifests kubeadm v1.37, calico.yaml v3.30
//! and weave 2.8.1 apply.
//!
//! They are created through the API server like any workload. Their pods are made the way
//! the controllers make them (the DaemonSet's template with the daemon tolerations, the
//! revision hash and a node pin; the ReplicaSet that the Deployment controller creates, and
//! its template) but named from the `pod-name` stream the presets always used, so the pod
//! names a lesson shows for a seed stay the same; the controllers then find every pod in
//! place and only keep the status.
//!
//! Left out of the templates: the liveness and readiness probes (each probe period would
//! wake the simulation for the cluster's whole life) and calico-node's and weave-net's init
//! containers (their programs are not modelled).

use crate::api::workloads::DAEMON_SET_TEMPLATE_GENERATION;
use crate::api::{DaemonSet, Kind, Object, ReplicaSet};
use crate::apiserver::ApiServer;
use crate::controllers::daemon_set::{self, pin_to_node};
use crate::controllers::deployment::DeploymentController;
use crate::controllers::history;
use crate::controllers::{owner, pod_control, Controller};
use crate::preset::{Cni, Preset, KUBERNETES_VERSION};
use serde_json::{json, Value};
use std::sync::Arc;

/// The `replicaset-controller`, source of its pods' `SuccessfulCreate` events.
const REPLICA_SET_COMPONENT: &str = "replicaset-controller";

/// The CoreDNS image of this Kubernetes version.
pub const COREDNS_IMAGE: &str = "registry.k8s.io/coredns/coredns:v1.12.1";
/// Calico's release in the vagrant and cka presets.
pub const CALICO_VERSION: &str = "v3.30.3";
/// weave-net's release in the academy preset.
pub const WEAVE_VERSION: &str = "2.8.1";

fn host_path(name: &str, path: &str, type_: Option<&str>) -> Value {
    let mut hp = json!({"path": path});
    if let Some(t) = type_ {
        hp["type"] = json!(t);
    }
    json!({"name": name, "hostPath": hp})
}

fn node_name_env(name: &str) -> Value {
    json!({"name": name, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}})
}

/// kubeadm's kube-proxy DaemonSet.
pub fn kube_proxy_daemon_set() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "kube-proxy", "namespace": "kube-system", "labels": {"k8s-app": "kube-proxy"}},
        "spec": {
            "selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
            "updateStrategy": {"type": "RollingUpdate"},
            "template": {
                "metadata": {"labels": {"k8s-app": "kube-proxy"}},
                "spec": {
                    "priorityClassName": "system-node-critical",
                    "containers": [{
                        "name": "kube-proxy",
                        "image": format!("registry.k8s.io/kube-proxy:{KUBERNETES_VERSION}"),
                        "imagePullPolicy": "IfNotPresent",
                        "command": [
                            "/usr/local/bin/kube-proxy",
                            "--config=/var/lib/kube-proxy/config.conf",
                            "--hostname-override=$(NODE_NAME)"
                        ],
                        "securityContext": {"capabilities": {"add": ["NET_ADMIN", "SYS_MODULE"]}},
                        "volumeMounts": [
                            {"mountPath": "/var/lib/kube-proxy", "name": "kube-proxy"},
                            {"mountPath": "/run/xtables.lock", "name": "xtables-lock"},
                            {"mountPath": "/lib/modules", "name": "lib-modules", "readOnly": true}
                        ],
                        "env": [node_name_env("NODE_NAME")]
                    }],
                    "hostNetwork": true,
                    "serviceAccountName": "kube-proxy",
                    "volumes": [
                        {"name": "kube-proxy", "configMap": {"name": "kube-proxy"}},
                        host_path("xtables-lock", "/run/xtables.lock", Some("FileOrCreate")),
                        host_path("lib-modules", "/lib/modules", None)
                    ],
                    "tolerations": [
                        {"key": "CriticalAddonsOnly", "operator": "Exists"},
                        {"operator": "Exists"}
                    ],
                    "nodeSelector": {"kubernetes.io/os": "linux"}
                }
            }
        }
    })
}

/// kubeadm's CoreDNS Deployment (two replicas).
pub fn coredns_deployment() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "coredns", "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
        "spec": {
            "replicas": 2,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
            "selector": {"matchLabels": {"k8s-app": "kube-dns"}},
            "template": {
                "metadata": {"labels": {"k8s-app": "kube-dns"}},
                "spec": {
                    "priorityClassName": "system-cluster-critical",
                    "serviceAccountName": "coredns",
                    "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
                        "weight": 100,
                        "podAffinityTerm": {
                            "labelSelector": {"matchExpressions": [{"key": "k8s-app", "operator": "In", "values": ["kube-dns"]}]},
                            "topologyKey": "kubernetes.io/hostname"
                        }
                    }]}},
                    "tolerations": [
                        {"key": "CriticalAddonsOnly", "operator": "Exists"},
                        {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
                    ],
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                    "containers": [{
                        "name": "coredns",
                        "image": COREDNS_IMAGE,
                        "imagePullPolicy": "IfNotPresent",
                        "resources": {"limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}},
                        "args": ["-conf", "/etc/coredns/Corefile"],
                        "volumeMounts": [{"name": "config-volume", "mountPath": "/etc/coredns", "readOnly": true}],
                        "ports": [
                            {"containerPort": 53, "name": "dns", "protocol": "UDP"},
                            {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                            {"containerPort": 9153, "name": "metrics", "protocol": "TCP"},
                            {"containerPort": 8080, "name": "liveness-probe", "protocol": "TCP"},
                            {"containerPort": 8181, "name": "readiness-probe", "protocol": "TCP"}
                        ],
                        "securityContext": {
                            "allowPrivilegeEscalation": false,
                            "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
                            "readOnlyRootFilesystem": true
                        }
                    }],
                    "dnsPolicy": "Default",
                    "volumes": [{"name": "config-volume", "configMap": {"name": "coredns", "items": [{"key": "Corefile", "path": "Corefile"}]}}]
                }
            }
        }
    })
}

/// calico.yaml's calico-node DaemonSet, with the preset's pod network as the IPv4 pool.
pub fn calico_node_daemon_set(pod_network: &str) -> Value {
    let from_config = |name: &str, key: &str| json!({"name": name, "valueFrom": {"configMapKeyRef": {"name": "calico-config", "key": key}}});
    let value = |name: &str, v: &str| json!({"name": name, "value": v});
    json!({
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "calico-node", "namespace": "kube-system", "labels": {"k8s-app": "calico-node"}},
        "spec": {
            "selector": {"matchLabels": {"k8s-app": "calico-node"}},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
            "template": {
                "metadata": {"labels": {"k8s-app": "calico-node"}},
                "spec": {
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                    "hostNetwork": true,
                    "tolerations": [
                        {"effect": "NoSchedule", "operator": "Exists"},
                        {"key": "CriticalAddonsOnly", "operator": "Exists"},
                        {"effect": "NoExecute", "operator": "Exists"}
                    ],
                    "serviceAccountName": "calico-node",
                    "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                    "terminationGracePeriodSeconds": 0,
                    "priorityClassName": "system-node-critical",
                    "containers": [{
                        "name": "calico-node",
                        "image": format!("docker.io/calico/node:{CALICO_VERSION}"),
                        "imagePullPolicy": "IfNotPresent",
                        "env": [
                            value("DATASTORE_TYPE", "kubernetes"),
                            value("WAIT_FOR_DATASTORE", "true"),
                            node_name_env("NODENAME"),
                            from_config("CALICO_NETWORKING_BACKEND", "calico_backend"),
                            value("CLUSTER_TYPE", "k8s,bgp"),
                            value("IP", "autodetect"),
                            value("CALICO_IPV4POOL_IPIP", "Always"),
                            value("CALICO_IPV4POOL_VXLAN", "Never"),
                            value("CALICO_IPV6POOL_VXLAN", "Never"),
                            from_config("FELIX_IPINIPMTU", "veth_mtu"),
                            from_config("FELIX_VXLANMTU", "veth_mtu"),
                            from_config("FELIX_WIREGUARDMTU", "veth_mtu"),
                            value("CALICO_IPV4POOL_CIDR", pod_network),
                            value("CALICO_DISABLE_FILE_LOGGING", "true"),
                            value("FELIX_DEFAULTENDPOINTTOHOSTACTION", "ACCEPT"),
                            value("FELIX_IPV6SUPPORT", "false"),
                            value("FELIX_HEALTHENABLED", "true")
                        ],
                        "securityContext": {"privileged": true},
                        "resources": {"requests": {"cpu": "250m"}},
                        "lifecycle": {"preStop": {"exec": {"command": ["/bin/calico-node", "-shutdown"]}}},
                        "volumeMounts": [
                            {"mountPath": "/host/etc/cni/net.d", "name": "cni-net-dir"},
                            {"mountPath": "/lib/modules", "name": "lib-modules", "readOnly": true},
                            {"mountPath": "/run/xtables.lock", "name": "xtables-lock"},
                            {"mountPath": "/var/run/calico", "name": "var-run-calico"},
                            {"mountPath": "/var/lib/calico", "name": "var-lib-calico"},
                            {"mountPath": "/var/run/nodeagent", "name": "policysync"},
                            {"mountPath": "/sys/fs/bpf", "name": "bpffs"},
                            {"mountPath": "/var/log/calico/cni", "name": "cni-log-dir", "readOnly": true}
                        ]
                    }],
                    "volumes": [
                        host_path("lib-modules", "/lib/modules", None),
                        host_path("var-run-calico", "/var/run/calico", Some("DirectoryOrCreate")),
                        host_path("var-lib-calico", "/var/lib/calico", Some("DirectoryOrCreate")),
                        host_path("xtables-lock", "/run/xtables.lock", Some("FileOrCreate")),
                        host_path("sys-fs", "/sys/fs/", Some("DirectoryOrCreate")),
                        host_path("bpffs", "/sys/fs/bpf", Some("Directory")),
                        host_path("nodeproc", "/proc", None),
                        host_path("cni-bin-dir", "/opt/cni/bin", Some("DirectoryOrCreate")),
                        host_path("cni-net-dir", "/etc/cni/net.d", None),
                        host_path("cni-log-dir", "/var/log/calico/cni", None),
                        host_path("host-local-net-dir", "/var/lib/cni/networks", None),
                        host_path("policysync", "/var/run/nodeagent", Some("DirectoryOrCreate"))
                    ]
                }
            }
        }
    })
}

/// calico.yaml's calico-kube-controllers Deployment.
pub fn calico_kube_controllers_deployment() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "calico-kube-controllers", "namespace": "kube-system", "labels": {"k8s-app": "calico-kube-controllers"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"k8s-app": "calico-kube-controllers"}},
            "strategy": {"type": "Recreate"},
            "template": {
                "metadata": {
                    "name": "calico-kube-controllers",
                    "namespace": "kube-system",
                    "labels": {"k8s-app": "calico-kube-controllers"}
                },
                "spec": {
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                    "tolerations": [
                        {"key": "CriticalAddonsOnly", "operator": "Exists"},
                        {"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"},
                        {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
                    ],
                    "serviceAccountName": "calico-kube-controllers",
                    "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                    "priorityClassName": "system-cluster-critical",
                    "containers": [{
                        "name": "calico-kube-controllers",
                        "image": format!("docker.io/calico/kube-controllers:{CALICO_VERSION}"),
                        "imagePullPolicy": "IfNotPresent",
                        "env": [
                            {"name": "ENABLED_CONTROLLERS", "value": "node,loadbalancer"},
                            {"name": "DATASTORE_TYPE", "value": "kubernetes"}
                        ],
                        "securityContext": {"runAsNonRoot": true}
                    }]
                }
            }
        }
    })
}

/// weave-net's DaemonSet (weave and weave-npc containers).
pub fn weave_net_daemon_set() -> Value {
    let image = |c: &str| format!("ghcr.io/weaveworks/launcher/{c}:{WEAVE_VERSION}");
    let requests = json!({"requests": {"cpu": "50m", "memory": "100Mi"}});
    json!({
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "weave-net", "namespace": "kube-system", "labels": {"name": "weave-net"}},
        "spec": {
            "minReadySeconds": 5,
            "selector": {"matchLabels": {"name": "weave-net"}},
            "updateStrategy": {"type": "RollingUpdate"},
            "template": {
                "metadata": {"labels": {"name": "weave-net"}},
                "spec": {
                    "containers": [
                        {
                            "name": "weave",
                            "command": ["/home/weave/launch.sh"],
                            "env": [node_name_env("HOSTNAME"), {"name": "INIT_CONTAINER", "value": "true"}],
                            "image": image("weave-kube"),
                            "imagePullPolicy": "IfNotPresent",
                            "resources": requests,
                            "securityContext": {"privileged": true},
                            "volumeMounts": [
                                {"name": "weavedb", "mountPath": "/weavedb"},
                                {"name": "dbus", "mountPath": "/host/var/lib/dbus", "readOnly": true},
                                {"name": "cni-machine-id", "mountPath": "/host/etc/machine-id", "readOnly": true},
                                {"name": "xtables-lock", "mountPath": "/run/xtables.lock"}
                            ]
                        },
                        {
                            "name": "weave-npc",
                            "env": [node_name_env("HOSTNAME")],
                            "image": image("weave-npc"),
                            "imagePullPolicy": "IfNotPresent",
                            "resources": requests,
                            "securityContext": {"privileged": true},
                            "volumeMounts": [{"name": "xtables-lock", "mountPath": "/run/xtables.lock"}]
                        }
                    ],
                    "dnsPolicy": "ClusterFirstWithHostNet",
                    "hostNetwork": true,
                    "hostPID": false,
                    "priorityClassName": "system-node-critical",
                    "restartPolicy": "Always",
                    "securityContext": {"seLinuxOptions": {}},
                    "serviceAccountName": "weave-net",
                    "tolerations": [
                        {"effect": "NoSchedule", "operator": "Exists"},
                        {"effect": "NoExecute", "operator": "Exists"}
                    ],
                    "volumes": [
                        host_path("weavedb", "/var/lib/weave", None),
                        host_path("cni-bin", "/opt", None),
                        host_path("cni-bin2", "/home", None),
                        host_path("cni-conf", "/etc", None),
                        host_path("cni-machine-id", "/etc/machine-id", None),
                        host_path("dbus", "/var/lib/dbus", None),
                        host_path("lib-modules", "/lib/modules", None),
                        host_path("xtables-lock", "/run/xtables.lock", Some("FileOrCreate"))
                    ]
                }
            }
        }
    })
}

/// Creates a workload from its manifest; `None` (and a trace line) if the API server refuses.
fn create(api: &mut ApiServer, manifest: Value) -> Option<Arc<Object>> {
    let obj = match crate::api::decode::decode_object(manifest) {
        Ok(o) => o,
        Err(e) => {
            api.trace("kubeadm", format!("addon manifest: {e}"));
            return None;
        }
    };
    match api.create(obj, "kube-system", false) {
        Ok(o) => Some(o),
        Err(e) => {
            api.trace("kubeadm", format!("addon: {}", e.message));
            None
        }
    }
}

/// Creates the DaemonSet and, on each node (in preset order), the pod its controller would
/// create there, named `names[i]`.
fn daemon_set(api: &mut ApiServer, manifest: Value, names: &[(String, String)]) {
    let Some(obj) = create(api, manifest) else {
        return;
    };
    let Some(ds) = obj.as_::<DaemonSet>().cloned() else {
        return;
    };
    // The revision the controller will record for this template (no collisions yet).
    let hash = history::compute_hash(&ds.spec.template, None);
    let generation = ds
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(DAEMON_SET_TEMPLATE_GENERATION))
        .cloned();
    let template = daemon_set::daemon_pod_template(&ds, &hash, generation.as_deref());
    for (node, name) in names {
        let mut pod = pod_control::pod_from_template(&template, &obj, "", Some(name));
        pin_to_node(pod.spec.get_or_insert_with(Default::default), node);
        let _ = pod_control::create_pod(api, &obj, pod, daemon_set::COMPONENT);
    }
}

/// Creates the Deployment, lets the Deployment controller create its first ReplicaSet, and
/// creates that ReplicaSet's pods with the given name suffixes.
fn deployment(api: &mut ApiServer, manifest: Value, suffixes: &[String]) {
    let Some(obj) = create(api, manifest) else {
        return;
    };
    DeploymentController.reconcile(api, &obj.key());
    let uid = obj.metadata().uid.clone().unwrap_or_default();
    let Some(rs_obj) = api
        .list(Kind::ReplicaSet, Some("kube-system"))
        .into_iter()
        .find(|r| owner::is_controlled_by(r, &uid))
    else {
        return;
    };
    let Some(template) = rs_obj
        .as_::<ReplicaSet>()
        .and_then(|rs| rs.spec.template.clone())
    else {
        return;
    };
    for suffix in suffixes {
        let name = format!("{}-{suffix}", rs_obj.name());
        let pod = pod_control::pod_from_template(&template, &rs_obj, "", Some(&name));
        let _ = pod_control::create_pod(api, &rs_obj, pod, REPLICA_SET_COMPONENT);
    }
}

/// Creates kube-proxy, the CNI and CoreDNS with their pods.
pub fn create_all(preset: &Preset, api: &mut ApiServer) {
    // Name suffixes in the order the presets have always drawn them.
    let coredns: Vec<String> = (0..2).map(|_| api.rng().suffix("pod-name", 5)).collect();
    let mut proxy = Vec::new();
    let mut cni = Vec::new();
    for n in &preset.nodes {
        let p = api.rng().suffix("pod-name", 5);
        proxy.push((n.name.clone(), format!("kube-proxy-{p}")));
        let c = api.rng().suffix("pod-name", 5);
        cni.push((n.name.clone(), c));
    }
    let (cni_name, cni_manifest) = match preset.cni {
        Cni::Calico => ("calico-node", calico_node_daemon_set(preset.pod_network)),
        Cni::WeaveNet => ("weave-net", weave_net_daemon_set()),
    };
    let cni: Vec<(String, String)> = cni
        .into_iter()
        .map(|(node, s)| (node, format!("{cni_name}-{s}")))
        .collect();
    daemon_set(api, kube_proxy_daemon_set(), &proxy);
    daemon_set(api, cni_manifest, &cni);
    deployment(api, coredns_deployment(), &coredns);
    if preset.cni == Cni::Calico {
        let suffix = api.rng().suffix("pod-name", 5);
        deployment(api, calico_kube_controllers_deployment(), &[suffix]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_decode_strictly() {
        for m in [
            kube_proxy_daemon_set(),
            coredns_deployment(),
            calico_node_daemon_set("172.16.0.0/16"),
            calico_kube_controllers_deployment(),
            weave_net_daemon_set(),
        ] {
            let name = m["metadata"]["name"].clone();
            assert!(
                crate::api::decode::decode_object(m).is_ok(),
                "{name} does not decode"
            );
        }
    }
}
