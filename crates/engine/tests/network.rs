//! Requests through Services as kube-proxy routes them: from a node, from the learner's machine
//! outside the cluster, with the hops the topology view animates.

use kubarium_engine::api::{Pod, Service};
use kubarium_engine::network::request::{HttpRequest, Origin, PingReply, RequestError};
use kubarium_engine::{Cluster, Kind, Object};

fn apply(c: &mut Cluster, yaml: &str) {
    for doc in yaml.split("\n---\n") {
        let v: serde_json::Value = serde_yaml::from_str(doc).expect("yaml");
        let obj = match v["kind"].as_str() {
            Some("Pod") => Object::from(serde_json::from_value::<Pod>(v).expect("pod")),
            Some("Service") => Object::from(serde_json::from_value::<Service>(v).expect("service")),
            other => panic!("kind {other:?}"),
        };
        c.api().create(obj, "default", false).expect("create");
    }
    c.settle();
}

fn get(host: &str, port: u16) -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        host: host.into(),
        port,
        path: "/".into(),
        user_agent: "curl/8.5.0".into(),
        ..Default::default()
    }
}

/// Two appjs pods (one per worker) behind a NodePort Service, on the academy preset.
fn cluster() -> (Cluster, String, u16) {
    let mut c = Cluster::from_preset("academy", 1).expect("preset");
    let pod = |name: &str, node: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, labels: {{app: appjs}}}}\nspec:\n  nodeName: {node}\n  containers:\n  - name: appjs\n    image: smlinux/appjs\n    ports: [{{containerPort: 8080}}]\n"
        )
    };
    apply(&mut c, &pod("a", "node1.example.com"));
    apply(&mut c, &pod("b", "node2.example.com"));
    apply(
        &mut c,
        "apiVersion: v1\nkind: Service\nmetadata: {name: appjs}\nspec:\n  type: NodePort\n  selector: {app: appjs}\n  ports: [{port: 80, targetPort: 8080, nodePort: 30123}]\n",
    );
    c.advance(30_000);
    let svc = c
        .api_ref()
        .store()
        .get(&kubarium_engine::ObjectKey::new(
            Kind::Service,
            "default",
            "appjs",
        ))
        .and_then(|o| o.as_::<Service>()?.spec.as_ref()?.cluster_ip.clone())
        .expect("cluster ip");
    (c, svc, 30123)
}

#[test]
fn cluster_ip_works_inside_and_times_out_from_outside() {
    let (mut c, ip, _) = cluster();
    let inside = Origin::Node("master.example.com".into());
    let (resp, hops) = c.http_request(&inside, &get(&ip, 80));
    let resp = resp.expect("answer from inside");
    assert!(
        resp.body.starts_with("Container Hostname: "),
        "{}",
        resp.body
    );
    assert_eq!(hops.len(), 2, "{hops:?}");
    assert!(hops[0].to == "svc/default/appjs", "{hops:?}");
    assert!(hops[0].note.contains("KUBE-SVC-"), "{hops:?}");
    assert!(
        hops[1].to.starts_with("pod/") && hops[1].note.starts_with("DNAT "),
        "{hops:?}"
    );
    // The hops are in the cluster's trace for the topology view.
    let traced: Vec<&str> = c
        .trace()
        .filter(|e| e.component == "network/hop")
        .map(|e| e.what.as_str())
        .collect();
    assert!(
        traced
            .iter()
            .any(|w| w.starts_with("node/master.example.com -> svc/default/appjs | ")),
        "{traced:?}"
    );
    let (resp, _) = c.http_request_external(&get(&ip, 80));
    assert!(
        matches!(resp, Err(RequestError::Timeout { .. })),
        "a ClusterIP is not routed from outside: {resp:?}"
    );
    // Nor are pod IPs.
    let (resp, _) = c.http_request_external(&get("10.36.0.0", 8080));
    assert!(
        matches!(resp, Err(RequestError::Timeout { .. })),
        "{resp:?}"
    );
}

#[test]
fn node_port_answers_on_every_node_from_outside() {
    let (mut c, _, np) = cluster();
    for node in ["10.0.0.10", "10.0.0.11", "node2.example.com"] {
        let (resp, hops) = c.http_request_external(&get(node, np));
        let resp = resp.unwrap_or_else(|e| panic!("{node}: {e:?}"));
        assert!(resp.body.starts_with("Container Hostname: "));
        assert_eq!(hops[0].from, "external");
        assert!(hops[0].to.starts_with("node/"), "{hops:?}");
        assert!(hops[1].note.contains("KUBE-NODEPORTS"), "{hops:?}");
    }
    // A port nothing listens on is refused by the node.
    let (resp, _) = c.http_request_external(&get("10.0.0.11", 30999));
    assert!(
        matches!(resp, Err(RequestError::Refused { .. })),
        "{resp:?}"
    );
}

#[test]
fn a_service_without_endpoints_refuses_and_local_policy_drops() {
    let (mut c, ip, np) = cluster();
    apply(
        &mut c,
        "apiVersion: v1\nkind: Service\nmetadata: {name: empty}\nspec:\n  selector: {app: none}\n  ports: [{port: 80}]\n",
    );
    let empty_ip = c
        .api_ref()
        .store()
        .get(&kubarium_engine::ObjectKey::new(
            Kind::Service,
            "default",
            "empty",
        ))
        .and_then(|o| o.as_::<Service>()?.spec.as_ref()?.cluster_ip.clone())
        .expect("cluster ip");
    let inside = Origin::Node("master.example.com".into());
    let (resp, _) = c.http_request(&inside, &get(&empty_ip, 80));
    assert!(
        matches!(resp, Err(RequestError::Refused { .. })),
        "{resp:?}"
    );
    // externalTrafficPolicy: Local: the master has no appjs pod, so outside traffic to its
    // NodePort is dropped, while node1 (which has one) answers with its own pod.
    let key = kubarium_engine::ObjectKey::new(Kind::Service, "default", "appjs");
    let mut svc = c
        .api_ref()
        .store()
        .get(&key)
        .and_then(|o| o.as_::<Service>().cloned())
        .expect("svc");
    svc.spec.as_mut().expect("spec").external_traffic_policy = Some("Local".into());
    c.api().update(Object::from(svc), false).expect("update");
    c.settle();
    let (resp, _) = c.http_request_external(&get("10.0.0.10", np));
    assert!(
        matches!(resp, Err(RequestError::Timeout { .. })),
        "{resp:?}"
    );
    for _ in 0..5 {
        let (resp, _) = c.http_request_external(&get("10.0.0.11", np));
        assert_eq!(resp.expect("answer").body, "Container Hostname: a\n");
    }
    // ClusterIP traffic is not affected by the external policy.
    assert!(c.http_request(&inside, &get(&ip, 80)).0.is_ok());
}

#[test]
fn ping_follows_the_network() {
    let (mut c, ip, _) = cluster();
    let master = Origin::Node("master.example.com".into());
    assert_eq!(
        c.ping(&master, "10.0.0.11".parse().expect("ip")),
        PingReply::Reply { ttl: 64, hops: 1 }
    );
    // In iptables mode a ClusterIP is only a DNAT rule for its ports.
    assert_eq!(c.ping(&master, ip.parse().expect("ip")), PingReply::Lost);
    let a_ip = c
        .api_ref()
        .store()
        .get(&kubarium_engine::ObjectKey::new(Kind::Pod, "default", "a"))
        .and_then(|o| o.as_::<Pod>()?.status.as_ref()?.pod_ip.clone())
        .expect("pod ip");
    let from_b = Origin::Pod(kubarium_engine::ObjectKey::new(Kind::Pod, "default", "b"));
    assert_eq!(
        c.ping(&from_b, a_ip.parse().expect("ip")),
        PingReply::Reply { ttl: 62, hops: 3 }
    );
}

#[test]
fn same_seed_same_choices() {
    let run = || {
        let (mut c, ip, _) = cluster();
        let o = Origin::Node("master.example.com".into());
        (0..20)
            .map(|_| c.http_request(&o, &get(&ip, 80)).0.expect("answer").body)
            .collect::<Vec<_>>()
    };
    let (a, b) = (run(), run());
    assert_eq!(a, b);
    assert!(a.iter().any(|x| x.ends_with("a\n")) && a.iter().any(|x| x.ends_with("b\n")));
}
