//! Cascading deletion through a whole cluster: the garbage collector with background,
//! foreground and orphan propagation, owner chains, finalizers, and namespace deletion.

use kubarium_engine::api::{Namespace, Pod};
use kubarium_engine::apiserver::PropagationPolicy;
use kubarium_engine::{Cluster, DeleteOptions, Kind, ObjectKey};
use serde_json::{json, Value};

fn vagrant() -> Cluster {
    Cluster::from_preset("vagrant", 7).expect("vagrant preset")
}

fn create(c: &mut Cluster, ns: &str, manifest: Value) {
    let obj = kubarium_engine::api::decode::decode_object(manifest).expect("decodes");
    c.api().create(obj, ns, false).expect("create");
    c.settle();
}

fn rs(name: &str, replicas: i32) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.14"}]}}}})
}

fn pods(c: &Cluster, ns: &str) -> Vec<Pod> {
    c.api_ref()
        .list(Kind::Pod, Some(ns))
        .iter()
        .filter_map(|o| o.as_::<Pod>().cloned())
        .collect()
}

fn delete(c: &mut Cluster, key: &ObjectKey, policy: PropagationPolicy) {
    let opts = DeleteOptions {
        grace_period_seconds: None,
        propagation_policy: Some(policy),
    };
    c.api().delete(key, &opts, false).expect("delete");
    c.settle();
}

fn key(kind: Kind, name: &str) -> ObjectKey {
    ObjectKey::new(kind, "default", name)
}

mod garbage_collector {
    use super::*;

    #[test]
    fn background_deletes_pods_after_their_replica_set() {
        let mut c = vagrant();
        create(&mut c, "default", rs("web", 3));
        c.advance(20_000);
        assert_eq!(pods(&c, "default").len(), 3);
        delete(
            &mut c,
            &key(Kind::ReplicaSet, "web"),
            PropagationPolicy::Background,
        );
        assert!(c.api_ref().get(&key(Kind::ReplicaSet, "web")).is_err());
        let terminating = pods(&c, "default");
        assert_eq!(terminating.len(), 3);
        assert!(terminating
            .iter()
            .all(|p| p.metadata.deletion_timestamp.is_some()));
        c.advance(35_000);
        assert!(pods(&c, "default").is_empty());
    }

    #[test]
    fn orphan_keeps_pods_without_owner_references() {
        let mut c = vagrant();
        create(&mut c, "default", rs("web", 2));
        c.advance(20_000);
        delete(
            &mut c,
            &key(Kind::ReplicaSet, "web"),
            PropagationPolicy::Orphan,
        );
        assert!(c.api_ref().get(&key(Kind::ReplicaSet, "web")).is_err());
        let left = pods(&c, "default");
        assert_eq!(left.len(), 2);
        assert!(left
            .iter()
            .all(|p| p.metadata.owner_references.is_none()
                && p.metadata.deletion_timestamp.is_none()));
        // A new ReplicaSet with the same selector adopts them instead of creating pods.
        create(&mut c, "default", rs("web", 2));
        let adopted = pods(&c, "default");
        assert_eq!(adopted.len(), 2);
        assert!(adopted
            .iter()
            .all(|p| p.metadata.owner_references.is_some()));
    }

    #[test]
    fn foreground_keeps_the_owner_until_its_pods_are_gone() {
        let mut c = vagrant();
        create(&mut c, "default", rs("web", 2));
        c.advance(20_000);
        delete(
            &mut c,
            &key(Kind::ReplicaSet, "web"),
            PropagationPolicy::Foreground,
        );
        let owner = c
            .api_ref()
            .get(&key(Kind::ReplicaSet, "web"))
            .expect("still there");
        assert!(owner.metadata().deletion_timestamp.is_some());
        assert_eq!(
            owner.metadata().finalizers.as_deref(),
            Some(&["foregroundDeletion".to_string()][..])
        );
        assert!(pods(&c, "default")
            .iter()
            .all(|p| p.metadata.deletion_timestamp.is_some()));
        c.advance(35_000);
        assert!(pods(&c, "default").is_empty());
        assert!(c.api_ref().get(&key(Kind::ReplicaSet, "web")).is_err());
    }

    #[test]
    fn dependents_of_a_deleted_owner_are_collected_across_kinds() {
        let mut c = vagrant();
        create(
            &mut c,
            "default",
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner"}}),
        );
        let uid = c
            .api_ref()
            .get(&key(Kind::ConfigMap, "owner"))
            .expect("owner")
            .metadata()
            .uid
            .clone()
            .expect("uid");
        create(
            &mut c,
            "default",
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "dependent",
                "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner",
                    "uid": uid}]}}),
        );
        // A reference to an owner that does not exist dangles from the start: the live
        // lookup finds nothing, so the dependent goes at once.
        create(
            &mut c,
            "default",
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "unknown-owner",
                "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": "ghost",
                    "uid": "00000000-0000-0000-0000-000000000000"}]}}),
        );
        assert!(c
            .api_ref()
            .get(&key(Kind::Secret, "unknown-owner"))
            .is_err());
        // An owner of a kind this cluster does not serve cannot be looked up: left alone.
        create(
            &mut c,
            "default",
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "unserved-owner",
                "ownerReferences": [{"apiVersion": "example.com/v1", "kind": "Widget", "name": "w",
                    "uid": "00000000-0000-0000-0000-000000000001"}]}}),
        );
        assert!(c
            .api_ref()
            .get(&key(Kind::Secret, "unserved-owner"))
            .is_ok());
        assert!(c.api_ref().get(&key(Kind::Secret, "dependent")).is_ok());
        delete(
            &mut c,
            &key(Kind::ConfigMap, "owner"),
            PropagationPolicy::Background,
        );
        assert!(c.api_ref().get(&key(Kind::Secret, "dependent")).is_err());
    }

    #[test]
    fn system_pods_survive_the_collector() {
        let mut c = vagrant();
        let before = pods(&c, "kube-system").len();
        assert!(before > 0);
        c.advance(60_000);
        assert_eq!(pods(&c, "kube-system").len(), before);
    }

    #[test]
    fn a_custom_finalizer_holds_the_object_until_removed() {
        let mut c = vagrant();
        create(
            &mut c,
            "default",
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "held", "finalizers": ["example.com/hold"]}}),
        );
        let k = key(Kind::ConfigMap, "held");
        delete(&mut c, &k, PropagationPolicy::Background);
        let held = c.api_ref().get(&k).expect("held by its finalizer");
        assert!(held.metadata().deletion_timestamp.is_some());
        c.api()
            .modify(&k, |o| o.metadata_mut().finalizers = None)
            .expect("update");
        c.settle();
        assert!(c.api_ref().get(&k).is_err());
    }

    #[test]
    fn namespace_deletion_empties_then_removes_the_namespace() {
        let mut c = vagrant();
        create(
            &mut c,
            "",
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}),
        );
        create(&mut c, "x", rs("web", 2));
        c.advance(20_000);
        let ns = ObjectKey::new(Kind::Namespace, "", "x");
        delete(&mut c, &ns, PropagationPolicy::Background);
        let terminating = c.api_ref().get(&ns).expect("terminating");
        let phase = terminating
            .as_::<Namespace>()
            .and_then(|n| n.status.as_ref())
            .and_then(|s| s.phase.clone());
        assert_eq!(phase.as_deref(), Some("Terminating"));
        // Processed 5 s after the event: pods first.
        c.advance(5_000);
        assert!(pods(&c, "x")
            .iter()
            .all(|p| p.metadata.deletion_timestamp.is_some()));
        c.advance(10_000);
        assert!(c.api_ref().get(&ns).is_err());
        assert!(pods(&c, "x").is_empty());
        assert!(c.api_ref().list(Kind::ReplicaSet, Some("x")).is_empty());
        assert!(c.api_ref().list(Kind::ConfigMap, Some("x")).is_empty());
    }
}
