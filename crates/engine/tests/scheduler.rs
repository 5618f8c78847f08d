//! The default-scheduler through a whole cluster: the `vagrant` preset (m-k8s tainted, three
//! 1-CPU workers already running calico-node at 250m each).

use kubarium_engine::api::{Event, Pod};
use kubarium_engine::{Cluster, Kind, Object, ObjectKey};
use serde_json::{json, Value};

fn vagrant() -> Cluster {
    Cluster::from_preset("vagrant", 7).expect("vagrant preset")
}

fn create_pod(c: &mut Cluster, name: &str, spec: Value) {
    let pod: Pod = serde_json::from_value(
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}),
    )
    .expect("pod json");
    c.api()
        .create(Object::from(pod), "default", false)
        .expect("create pod");
}

fn pod(c: &Cluster, name: &str) -> Pod {
    let obj = c
        .api_ref()
        .get(&ObjectKey::new(Kind::Pod, "default", name))
        .expect("pod exists");
    obj.as_::<Pod>().cloned().expect("a pod")
}

fn node_of(c: &Cluster, name: &str) -> Option<String> {
    pod(c, name).spec.and_then(|s| s.node_name)
}

fn scheduled_condition(c: &Cluster, name: &str) -> (String, Option<String>, Option<String>) {
    let p = pod(c, name);
    let cond = p
        .status
        .and_then(|s| s.conditions)
        .into_iter()
        .flatten()
        .find(|c| c.type_ == "PodScheduled")
        .expect("PodScheduled condition");
    (cond.status, cond.reason, cond.message)
}

fn events_for(c: &Cluster, name: &str, reason: &str) -> Vec<Event> {
    c.api_ref()
        .list(Kind::Event, Some("default"))
        .iter()
        .filter_map(|o| o.as_::<Event>().cloned())
        .filter(|e| {
            e.involved_object.name.as_deref() == Some(name) && e.reason.as_deref() == Some(reason)
        })
        .collect()
}

/// Named `scheduler::…` so `cargo test -p kubarium-engine scheduler` runs them.
mod scheduler {
    use super::*;

    const TAINT: &str = "1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }";

    #[test]
    fn too_big_pod_stays_pending_with_failed_scheduling() {
        let mut c = vagrant();
        create_pod(
            &mut c,
            "big",
            json!({"containers": [{"name": "app", "image": "nginx", "resources": {"requests": {"cpu": "2"}}}]}),
        );
        c.advance(1000);
        assert_eq!(node_of(&c, "big"), None);
        let want = format!(
            "0/4 nodes are available: {TAINT}, 3 Insufficient cpu. no new claims to deallocate, preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod."
        );
        let (status, reason, message) = scheduled_condition(&c, "big");
        assert_eq!(
            (status.as_str(), reason.as_deref(), message.as_deref()),
            ("False", Some("Unschedulable"), Some(want.as_str()))
        );
        let events = events_for(&c, "big", "FailedScheduling");
        assert_eq!(events.len(), 1);
        let e = &events[0];
        assert_eq!(e.type_.as_deref(), Some("Warning"));
        assert_eq!(e.message.as_deref(), Some(want.as_str()));
        assert_eq!(
            e.source.as_ref().and_then(|s| s.component.as_deref()),
            Some("default-scheduler")
        );
        // Nothing changes, so nothing is retried until the 5-minute flush, which fails again.
        c.advance(60_000);
        assert_eq!(events_for(&c, "big", "FailedScheduling")[0].count, Some(1));
        c.advance(300_000);
        assert_eq!(events_for(&c, "big", "FailedScheduling")[0].count, Some(2));
        assert_eq!(node_of(&c, "big"), None);
    }

    #[test]
    fn pods_without_requests_spread_over_the_workers() {
        let mut c = vagrant();
        for i in 0..6 {
            create_pod(
                &mut c,
                &format!("web-{i}"),
                json!({"containers": [{"name": "app", "image": "nginx"}]}),
            );
        }
        c.advance(1000);
        let mut per_node = std::collections::BTreeMap::new();
        for i in 0..6 {
            let name = format!("web-{i}");
            let node = node_of(&c, &name).expect("bound");
            let (status, _, _) = scheduled_condition(&c, &name);
            assert_eq!(status, "True");
            let ev = events_for(&c, &name, "Scheduled");
            assert_eq!(
                ev[0].message.as_deref(),
                Some(format!("Successfully assigned default/{name} to {node}").as_str())
            );
            *per_node.entry(node).or_insert(0) += 1;
        }
        assert!(!per_node.contains_key("m-k8s"), "{per_node:?}");
        assert_eq!(per_node.len(), 3, "{per_node:?}");
        assert!(per_node.values().all(|n| *n == 2), "{per_node:?}");
    }

    #[test]
    fn node_selector_waits_for_a_label() {
        let mut c = vagrant();
        create_pod(
            &mut c,
            "ssd",
            json!({"nodeSelector": {"disktype": "ssd"}, "containers": [{"name": "app", "image": "nginx"}]}),
        );
        c.advance(1000);
        assert_eq!(node_of(&c, "ssd"), None);
        let (_, _, message) = scheduled_condition(&c, "ssd");
        assert_eq!(
            message.as_deref(),
            Some(format!("0/4 nodes are available: {TAINT}, 3 node(s) didn't match Pod's node affinity/selector. no new claims to deallocate, preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.").as_str())
        );
        let node_key = ObjectKey::new(Kind::Node, "", "w2-k8s");
        c.api()
            .modify(&node_key, |o| {
                if let Object::Node(n) = o {
                    n.metadata
                        .labels
                        .get_or_insert_with(Default::default)
                        .insert("disktype".into(), "ssd".into());
                }
            })
            .expect("label node");
        c.advance(1000);
        assert_eq!(node_of(&c, "ssd").as_deref(), Some("w2-k8s"));
        assert_eq!(scheduled_condition(&c, "ssd").0, "True");
    }

    #[test]
    fn cordoned_and_full_nodes_requeue_when_they_change() {
        let mut c = vagrant();
        for w in ["w1-k8s", "w2-k8s", "w3-k8s"] {
            c.api()
                .modify(&ObjectKey::new(Kind::Node, "", w), |o| {
                    if let Object::Node(n) = o {
                        n.spec.get_or_insert_with(Default::default).unschedulable = Some(true);
                    }
                })
                .expect("cordon");
        }
        create_pod(
            &mut c,
            "p",
            json!({"containers": [{"name": "app", "image": "nginx"}]}),
        );
        c.advance(1000);
        let (_, _, message) = scheduled_condition(&c, "p");
        assert_eq!(
            message.as_deref(),
            Some(format!("0/4 nodes are available: {TAINT}, 3 node(s) were unschedulable. no new claims to deallocate, preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.").as_str())
        );
        c.api()
            .modify(&ObjectKey::new(Kind::Node, "", "w3-k8s"), |o| {
                if let Object::Node(n) = o {
                    n.spec.get_or_insert_with(Default::default).unschedulable = None;
                }
            })
            .expect("uncordon");
        c.advance(1000);
        assert_eq!(node_of(&c, "p").as_deref(), Some("w3-k8s"));
    }

    #[test]
    fn same_seed_same_placement() {
        let place = || {
            let mut c = vagrant();
            for i in 0..9 {
                create_pod(
                    &mut c,
                    &format!("p{i}"),
                    json!({"containers": [{"name": "a", "image": "nginx", "resources": {"requests": {"cpu": "50m"}}}]}),
                );
            }
            c.advance(1000);
            (0..9)
                .map(|i| node_of(&c, &format!("p{i}")))
                .collect::<Vec<_>>()
        };
        assert_eq!(place(), place());
    }
}
