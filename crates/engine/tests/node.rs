//! Nodes as a real kubeadm node shows them: machine identity, kubelet heartbeats, the
//! start-up events, and the API server's event TTL.

use k8s_openapi::api::core::v1::{Event, Node, Pod};
use kubarium_engine::network::request::{HttpRequest, Origin};
use kubarium_engine::{Cluster, Kind, Object, ObjectKey, SimTime};
use serde_json::json;

fn cluster() -> Cluster {
    Cluster::from_preset("vagrant", 1).expect("preset")
}

fn node(c: &Cluster, name: &str) -> Node {
    c.api_ref()
        .get(&ObjectKey::new(Kind::Node, "", name))
        .ok()
        .and_then(|o| o.as_::<Node>().cloned())
        .expect("node")
}

/// Milliseconds since the cluster's creation of each condition's lastHeartbeatTime.
fn heartbeats(c: &Cluster, name: &str) -> Vec<(String, u64)> {
    let n = node(c, name);
    n.status
        .and_then(|s| s.conditions)
        .unwrap_or_default()
        .iter()
        .map(|c| {
            (
                c.type_.clone(),
                c.last_heartbeat_time
                    .as_ref()
                    .map_or(0, |t| SimTime::from_k8s_time(t).ms()),
            )
        })
        .collect()
}

fn node_events(c: &Cluster, name: &str) -> Vec<Event> {
    c.api_ref()
        .list(Kind::Event, Some("default"))
        .iter()
        .filter_map(|o| o.as_::<Event>().cloned())
        .filter(|e| {
            e.involved_object.kind.as_deref() == Some("Node")
                && e.involved_object.name.as_deref() == Some(name)
        })
        .collect()
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts.iter().all(|p| {
            p.chars()
                .all(|ch| ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase())
        })
}

#[test]
fn nodes_have_a_stable_well_formed_machine_identity() {
    let c = cluster();
    let mut seen = Vec::new();
    for name in ["m-k8s", "w1-k8s", "w2-k8s", "w3-k8s"] {
        let info = node(&c, name)
            .status
            .and_then(|s| s.node_info)
            .expect("nodeInfo");
        assert_eq!(info.machine_id.len(), 32, "{}", info.machine_id);
        assert!(
            info.machine_id
                .chars()
                .all(|ch| ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase()),
            "{}",
            info.machine_id
        );
        assert!(is_uuid(&info.system_uuid), "{}", info.system_uuid);
        assert!(is_uuid(&info.boot_id), "{}", info.boot_id);
        seen.extend([info.machine_id, info.system_uuid, info.boot_id]);
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len());
    let again = cluster();
    assert_eq!(
        node(&again, "w1-k8s").status.and_then(|s| s.node_info),
        node(&c, "w1-k8s").status.and_then(|s| s.node_info)
    );
    let other = Cluster::from_preset("vagrant", 2).expect("preset");
    assert_ne!(
        node(&other, "w1-k8s").status.and_then(|s| s.node_info),
        node(&c, "w1-k8s").status.and_then(|s| s.node_info)
    );
}

#[test]
fn kubelet_heartbeats_come_every_five_minutes() {
    let mut c = cluster();
    // The cluster is 10 minutes old: the kubelet reported a little over 5 minutes after
    // registering, and its next report is still a few seconds away.
    for (t, ms) in heartbeats(&c, "w1-k8s") {
        if t == "NetworkUnavailable" {
            assert_eq!(ms, 0, "the CNI's condition keeps its heartbeat");
        } else {
            assert!((300_000..=311_000).contains(&ms), "{t} {ms}");
        }
    }
    c.advance(3_600_000);
    let now = c.now().ms();
    for (t, ms) in heartbeats(&c, "w2-k8s") {
        if t != "NetworkUnavailable" {
            assert!(now - ms <= 311_000, "{t} heartbeat {ms} at {now}");
        }
    }
    // Heartbeats are housekeeping: an otherwise idle cluster is idle.
    assert_eq!(c.run_until_idle(3_600_000), 0);
}

#[test]
fn nodes_show_their_start_up_events() {
    let c = cluster();
    let evs = node_events(&c, "w1-k8s");
    let got: Vec<(String, String, String)> = evs
        .iter()
        .map(|e| {
            let from = e
                .source
                .as_ref()
                .and_then(|s| s.component.clone())
                .filter(|c| !c.is_empty())
                .or_else(|| e.reporting_component.clone())
                .unwrap_or_default();
            (
                e.reason.clone().unwrap_or_default(),
                from,
                e.message.clone().unwrap_or_default(),
            )
        })
        .collect();
    let want = [
        ("Starting", "kubelet", "Starting kubelet."),
        (
            "NodeHasSufficientMemory",
            "kubelet",
            "Node w1-k8s status is now: NodeHasSufficientMemory",
        ),
        (
            "NodeHasNoDiskPressure",
            "kubelet",
            "Node w1-k8s status is now: NodeHasNoDiskPressure",
        ),
        (
            "NodeHasSufficientPID",
            "kubelet",
            "Node w1-k8s status is now: NodeHasSufficientPID",
        ),
        (
            "NodeAllocatableEnforced",
            "kubelet",
            "Updated Node Allocatable limit across pods",
        ),
        (
            "RegisteredNode",
            "node-controller",
            "Node w1-k8s event: Registered Node w1-k8s in Controller",
        ),
        ("Starting", "kube-proxy", ""),
        (
            "NodeReady",
            "kubelet",
            "Node w1-k8s status is now: NodeReady",
        ),
    ];
    assert_eq!(
        got,
        want.map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );
    // The node-controller names the node by its UID, the kubelet and kube-proxy by its name.
    let uid = node(&c, "w1-k8s").metadata.uid;
    assert_eq!(evs[5].involved_object.uid, uid);
    assert_eq!(evs[0].involved_object.uid.as_deref(), Some("w1-k8s"));
    assert!(
        evs[6].event_time.is_some()
            && evs[6].first_timestamp.is_none()
            && evs[6].action.as_deref() == Some("StartKubeProxy")
    );
}

#[test]
fn events_expire_an_hour_after_their_last_write() {
    let mut c = cluster();
    let pod: Pod = serde_json::from_value(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": {"nodeName": "w1-k8s", "containers": [{"name": "web", "image": "nginx"}]}})).expect("pod");
    c.api()
        .create(Object::from(pod), "default", false)
        .expect("create");
    c.advance(30_000);
    let pod_events = |c: &Cluster| {
        c.api_ref()
            .list(Kind::Event, Some("default"))
            .iter()
            .filter_map(|o| o.as_::<Event>().cloned())
            .filter(|e| e.involved_object.name.as_deref() == Some("web"))
            .count()
    };
    assert!(pod_events(&c) > 0);
    // Node events were written at 0 s: the lease (1 h + 1 min of reuse margin) ends at 3660 s.
    c.advance(3_659_000 - c.now().ms());
    assert_eq!(node_events(&c, "w1-k8s").len(), 8);
    c.advance(2_000);
    assert!(node_events(&c, "w1-k8s").is_empty());
    assert!(pod_events(&c) > 0, "the pod's events are younger");
    c.advance(3_700_000);
    assert_eq!(pod_events(&c), 0);
    assert!(c
        .trace()
        .any(|t| t.what.contains("expired (--event-ttl=1h0m0s)")));
}

#[test]
fn httpd_writes_a_common_log_line_per_request() {
    let mut c = Cluster::from_preset("academy", 1).expect("preset");
    let pod: Pod = serde_json::from_value(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "apache"}, "spec": {"nodeName": "node1.example.com", "containers": [{"name": "apache", "image": "httpd"}]}})).expect("pod");
    c.api()
        .create(Object::from(pod), "default", false)
        .expect("create");
    c.advance(30_000);
    let key = ObjectKey::new(Kind::Pod, "default", "apache");
    let ip = c
        .api_ref()
        .get(&key)
        .ok()
        .and_then(|o| o.as_::<Pod>()?.status.as_ref()?.pod_ip.clone())
        .expect("pod ip");
    let req = HttpRequest {
        method: "GET".into(),
        host: ip.clone(),
        port: 80,
        path: "/".into(),
        user_agent: "curl/8.5.0".into(),
        ..Default::default()
    };
    let (resp, _) = c.http_request(&Origin::Node("master.example.com".into()), &req);
    assert_eq!(resp.expect("response").status, 200);
    let logs = c
        .kubelet("node1.example.com")
        .expect("kubelet")
        .logs(&key, "apache", false)
        .expect("logs");
    let last = logs.lines().last().unwrap_or("");
    assert_eq!(
        last, "10.32.0.0 - - [23/Nov/2026:09:10:30 +0000] \"GET / HTTP/1.1\" 200 45",
        "{logs}"
    );
    let head = HttpRequest {
        method: "HEAD".into(),
        ..req
    };
    let _ = c.http_request(&Origin::Node("master.example.com".into()), &head);
    let logs = c
        .kubelet("node1.example.com")
        .expect("kubelet")
        .logs(&key, "apache", false)
        .expect("logs");
    assert!(logs.ends_with("\"HEAD / HTTP/1.1\" 200 -\n"), "{logs}");
}

#[test]
fn nginx_shutdown_notices_depend_on_the_image_version() {
    use kubarium_engine::kubelet::program::nginx_stop_lines;
    let t = SimTime::from_secs(60);
    assert!(
        nginx_stop_lines(t, "1.14.2").is_empty(),
        "error_log warn before 1.19"
    );
    let term = nginx_stop_lines(t, "1.19.2");
    assert_eq!(
        term[0],
        "2026/11/23 09:01:00 [notice] 1#1: signal 15 (SIGTERM) received, exiting"
    );
    assert!(!term.iter().any(|l| l.contains("gracefully")));
    let quit = nginx_stop_lines(t, "1.29.3");
    assert_eq!(
        quit[0],
        "2026/11/23 09:01:00 [notice] 1#1: signal 3 (SIGQUIT) received, shutting down"
    );
    assert_eq!(
        quit.last().map(String::as_str),
        Some("2026/11/23 09:01:00 [notice] 1#1: exit")
    );
}
