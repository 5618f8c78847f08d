//! kube-system as `kubeadm init` and the CNI leave it: every system pod belongs to an object
//! that exists (a DaemonSet, a ReplicaSet of a Deployment, or for mirror pods the Node), the
//! controllers find everything in place and keep it, and the pods behave like a real
//! cluster's on a failed node.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kubarium_engine::apiserver::DeleteOptions;
use kubarium_engine::{Cluster, Kind, Object, ObjectKey};
use std::collections::BTreeSet;
use std::sync::Arc;

fn pods(c: &Cluster) -> Vec<Arc<Object>> {
    c.api_ref().list(Kind::Pod, Some("kube-system"))
}

fn names(c: &Cluster) -> BTreeSet<String> {
    pods(c).iter().map(|p| p.name().to_string()).collect()
}

#[test]
fn every_system_pod_is_controlled_by_an_existing_owner() {
    for preset in ["vagrant", "academy", "cka"] {
        let c = Cluster::from_preset(preset, 3).expect("preset");
        for p in pods(&c) {
            let refs = p.metadata().owner_references.clone().unwrap_or_default();
            assert_eq!(refs.len(), 1, "{}", p.name());
            let r = &refs[0];
            assert_eq!(r.controller, Some(true));
            let kind = Kind::from_api_version_kind(&r.api_version, &r.kind).expect("served kind");
            let ns = if kind == Kind::Node {
                ""
            } else {
                "kube-system"
            };
            let owner = c
                .api_ref()
                .get(&ObjectKey::new(kind, ns, &r.name))
                .unwrap_or_else(|_| panic!("{preset}: owner of {} missing", p.name()));
            assert_eq!(owner.metadata().uid.as_deref(), Some(r.uid.as_str()));
            let phase = p
                .as_::<Pod>()
                .and_then(|p| p.status.as_ref())
                .and_then(|s| s.phase.clone());
            assert_eq!(phase.as_deref(), Some("Running"), "{}", p.name());
        }
    }
}

#[test]
fn daemon_sets_and_deployments_are_complete_and_stay_so() {
    let mut c = Cluster::from_preset("vagrant", 1).expect("preset");
    let before = names(&c);
    assert_eq!(before.len(), 15);
    for ds in ["kube-proxy", "calico-node"] {
        let o = c
            .api_ref()
            .get(&ObjectKey::new(Kind::DaemonSet, "kube-system", ds))
            .expect("ds");
        let s = o
            .as_::<DaemonSet>()
            .and_then(|d| d.status.clone())
            .expect("status");
        assert_eq!(
            (
                s.desired_number_scheduled,
                s.current_number_scheduled,
                s.number_ready,
                s.updated_number_scheduled,
                s.number_available
            ),
            (4, 4, 4, Some(4), Some(4)),
            "{ds}"
        );
    }
    for (d, n) in [("coredns", 2), ("calico-kube-controllers", 1)] {
        let o = c
            .api_ref()
            .get(&ObjectKey::new(Kind::Deployment, "kube-system", d))
            .expect("deployment");
        let s = o
            .as_::<Deployment>()
            .and_then(|d| d.status.clone())
            .expect("status");
        assert_eq!(
            (s.ready_replicas, s.available_replicas),
            (Some(n), Some(n)),
            "{d}"
        );
    }
    // One revision per DaemonSet, one ReplicaSet per Deployment; nothing more appears later.
    c.advance(3_600_000);
    assert_eq!(names(&c), before);
    assert_eq!(
        c.api_ref()
            .list(Kind::ControllerRevision, Some("kube-system"))
            .len(),
        2
    );
    assert_eq!(
        c.api_ref()
            .list(Kind::ReplicaSet, Some("kube-system"))
            .len(),
        2
    );
}

#[test]
fn a_deleted_daemon_pod_is_replaced_on_its_node() {
    let mut c = Cluster::from_preset("vagrant", 1).expect("preset");
    let victim = pods(&c)
        .into_iter()
        .find(|p| p.name().starts_with("kube-proxy-"))
        .expect("kube-proxy pod");
    let node = victim
        .as_::<Pod>()
        .and_then(|p| p.spec.as_ref())
        .and_then(|s| s.node_name.clone())
        .expect("bound");
    c.api()
        .delete(&victim.key(), &DeleteOptions::default(), false)
        .expect("delete");
    c.advance(60_000);
    let on_node: Vec<String> = pods(&c)
        .iter()
        .filter(|p| p.name().starts_with("kube-proxy-"))
        .filter(|p| {
            p.as_::<Pod>()
                .and_then(|p| p.spec.as_ref())
                .and_then(|s| s.node_name.as_deref())
                == Some(node.as_str())
        })
        .map(|p| p.name().to_string())
        .collect();
    assert_eq!(on_node.len(), 1, "{on_node:?}");
    assert_ne!(on_node[0], victim.name());
    assert_eq!(names(&c).len(), 15);
}

#[test]
fn daemon_and_mirror_pods_stay_on_a_failed_node_and_coredns_goes() {
    let mut c = Cluster::from_preset("vagrant", 1).expect("preset");
    let on = |c: &Cluster, node: &str| -> BTreeSet<String> {
        pods(c)
            .iter()
            .filter(|p| {
                p.as_::<Pod>()
                    .and_then(|p| p.spec.as_ref())
                    .and_then(|s| s.node_name.as_deref())
                    == Some(node)
                    && p.metadata().deletion_timestamp.is_none()
            })
            .map(|p| p.name().to_string())
            .collect()
    };
    let before = on(&c, "w3-k8s");
    assert!(
        before.iter().any(|n| n.starts_with("coredns-")),
        "{before:?}"
    );
    c.stop_kubelet("w3-k8s").expect("stop");
    // NotReady after the 50 s grace period, then 300 s of toleration for coredns.
    c.advance(420_000);
    let after = on(&c, "w3-k8s");
    let daemons: BTreeSet<String> = before
        .iter()
        .filter(|n| !n.starts_with("coredns-"))
        .cloned()
        .collect();
    assert_eq!(after, daemons);
}

#[test]
fn every_namespace_has_a_default_service_account() {
    let mut c = Cluster::from_preset("academy", 1).expect("preset");
    for ns in ["default", "kube-node-lease", "kube-public", "kube-system"] {
        assert!(c
            .api_ref()
            .get(&ObjectKey::new(Kind::ServiceAccount, ns, "default"))
            .is_ok());
    }
    for sa in [
        "kube-proxy",
        "coredns",
        "weave-net",
        "replicaset-controller",
    ] {
        assert!(c
            .api_ref()
            .get(&ObjectKey::new(Kind::ServiceAccount, "kube-system", sa))
            .is_ok());
    }
    let ns = kubarium_engine::api::decode::decode_object(
        serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"}}),
    )
    .expect("decodes");
    c.api().create(ns, "", false).expect("create");
    c.settle();
    let key = ObjectKey::new(Kind::ServiceAccount, "dev", "default");
    assert!(c.api_ref().get(&key).is_ok());
    c.api()
        .delete(&key, &DeleteOptions::default(), false)
        .expect("delete");
    c.settle();
    assert!(c.api_ref().get(&key).is_ok(), "default comes back");
}

#[test]
fn kube_proxy_config_names_the_presets_mode() {
    let c = Cluster::from_preset("cka", 1).expect("preset");
    let cm = c
        .api_ref()
        .get(&ObjectKey::new(
            Kind::ConfigMap,
            "kube-system",
            "kube-proxy",
        ))
        .expect("kube-proxy ConfigMap");
    let conf = cm
        .as_::<ConfigMap>()
        .and_then(|c| c.data.as_ref())
        .and_then(|d| d.get("config.conf").cloned())
        .expect("config.conf");
    assert!(conf.contains("\nkind: KubeProxyConfiguration\n"));
    assert!(conf.contains("\nmode: \"\"\n"));
    assert!(conf.contains("\nclusterCIDR: 192.168.0.0/16\n"));
}
