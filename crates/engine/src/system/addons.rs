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
use serde_json::Value;
use std::sync::Arc;

/// The `replicaset-controller`, source of its pods' `SuccessfulCreate` events.
const REPLICA_SET_COMPONENT: &str = "replicaset-controller";

/// The CoreDNS image of this Kubernetes version.
pub const COREDNS_IMAGE: &str = "registry.k8s.io/coredns/coredns:v1.12.1";
/// Calico's release in the vagrant and cka presets.
pub const CALICO_VERSION: &str = "v3.30.3";
/// weave-net's release in the academy preset.
pub const WEAVE_VERSION: &str = "2.8.1";

/// A manifest of `addons/` with its `$NAME` placeholders filled in. The manifests are kept
/// as JSON text: built with `json!` they compiled to some 60 KB of the page's wasm.
fn manifest(text: &str, vars: &[(&str, &str)]) -> Value {
    let mut text = text.to_string();
    for (name, value) in vars {
        text = text.replace(name, value);
    }
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// kubeadm's kube-proxy DaemonSet.
pub fn kube_proxy_daemon_set() -> Value {
    manifest(
        include_str!("addons/kube-proxy.json"),
        &[("$KUBERNETES_VERSION", KUBERNETES_VERSION)],
    )
}

/// kubeadm's CoreDNS Deployment (two replicas).
pub fn coredns_deployment() -> Value {
    manifest(
        include_str!("addons/coredns.json"),
        &[("$COREDNS_IMAGE", COREDNS_IMAGE)],
    )
}

/// calico.yaml's calico-node DaemonSet, with the preset's pod network as the IPv4 pool.
pub fn calico_node_daemon_set(pod_network: &str) -> Value {
    manifest(
        include_str!("addons/calico-node.json"),
        &[
            ("$CALICO_VERSION", CALICO_VERSION),
            ("$POD_NETWORK", pod_network),
        ],
    )
}

/// calico.yaml's calico-kube-controllers Deployment.
pub fn calico_kube_controllers_deployment() -> Value {
    manifest(
        include_str!("addons/calico-kube-controllers.json"),
        &[("$CALICO_VERSION", CALICO_VERSION)],
    )
}

/// weave-net's DaemonSet (weave and weave-npc containers).
pub fn weave_net_daemon_set() -> Value {
    manifest(
        include_str!("addons/weave-net.json"),
        &[("$WEAVE_VERSION", WEAVE_VERSION)],
    )
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
