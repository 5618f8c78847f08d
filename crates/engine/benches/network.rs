//! Benchmark: 1,000 Services with 10 endpoints each, one full kube-proxy sync, the iptables
//! nat table of a node rendered, and 10,000 HTTP requests to ClusterIPs (each through
//! kube-proxy's statistic rules to an appjs pod).
//!
//! `cargo bench -p kubarium-engine --bench network`. Wall-clock time is read here, in the
//! benchmark only; the engine itself never reads it. SERVICES, ENDPOINTS, PODS and REQUESTS
//! scale it.

use kubarium_engine::api::{EndpointSlice, Pod, Service};
use kubarium_engine::network::kube_proxy::iptables::{nat_table, render_save, NodeContext};
use kubarium_engine::network::kube_proxy::Mode;
use kubarium_engine::network::request::{HttpRequest, Origin};
use kubarium_engine::{Cluster, Kind, Object, Preset};
use std::time::Instant;

/// The allocator of the native `kubarium` binary (see crates/shell/Cargo.toml).
#[cfg(not(target_family = "wasm"))]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let n_services = env_or("SERVICES", 1000);
    let n_endpoints = env_or("ENDPOINTS", 10);
    let n_pods = env_or("PODS", 100);
    let n_requests = env_or("REQUESTS", 10_000);
    let mut c = Cluster::new(Preset::synthetic(10, 8, 32768), 1);
    for i in 0..n_pods {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("appjs-{i:04}"), "labels": {"app": "appjs"}},
            "spec": {"containers": [{"name": "appjs", "image": "smlinux/appjs",
                "ports": [{"containerPort": 8080}],
                "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}
        }))
        .expect("pod");
        let _ = c.api().create(Object::from(pod), "default", false);
    }
    c.advance(60_000);
    let ips: Vec<String> = c
        .api_ref()
        .store()
        .list(Kind::Pod, Some("default"))
        .filter_map(|o| o.as_::<Pod>()?.status.as_ref()?.pod_ip.clone())
        .collect();
    assert!(
        ips.len() == n_pods,
        "{} of {n_pods} pods have an IP",
        ips.len()
    );
    // Services without selectors and hand-written EndpointSlices: exactly n endpoints each.
    let t0 = Instant::now();
    for s in 0..n_services {
        let svc: Service = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": format!("svc-{s:04}")},
            "spec": {"ports": [{"port": 80, "targetPort": 8080}]}
        }))
        .expect("service");
        let _ = c.api().create(Object::from(svc), "default", false);
        let endpoints: Vec<serde_json::Value> = (0..n_endpoints)
            .map(|e| {
                serde_json::json!({
                    "addresses": [ips[(s * 7 + e * 13) % ips.len()]],
                    "conditions": {"ready": true}
                })
            })
            .collect();
        let slice: EndpointSlice = serde_json::from_value(serde_json::json!({
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": format!("svc-{s:04}-manual"),
                "labels": {"kubernetes.io/service-name": format!("svc-{s:04}")}},
            "addressType": "IPv4",
            "ports": [{"name": "", "port": 8080, "protocol": "TCP"}],
            "endpoints": endpoints
        }))
        .expect("slice");
        let _ = c.api().create(Object::from(slice), "default", false);
    }
    c.settle();
    let create_ms = t0.elapsed().as_secs_f64() * 1000.0;

    let t1 = Instant::now();
    c.kube_proxy_full_sync();
    let sync_ms = t1.elapsed().as_secs_f64() * 1000.0;

    let map = c.kube_proxy_map();
    let vips: Vec<String> = map
        .ports
        .iter()
        .filter(|p| p.service.starts_with("svc-"))
        .map(|p| p.cluster_ip.to_string())
        .collect();
    assert_eq!(vips.len(), n_services);

    let t2 = Instant::now();
    let ctx = NodeContext {
        mode: Mode::Iptables,
        cluster_cidr: c.preset().pod_network.to_string(),
    };
    let rules = render_save(&nat_table(&map, &ctx), None);
    let render_ms = t2.elapsed().as_secs_f64() * 1000.0;

    let origin = Origin::Node(c.preset().nodes[1].name.clone());
    let t3 = Instant::now();
    let mut ok = 0;
    for r in 0..n_requests {
        let req = HttpRequest {
            method: "GET".into(),
            host: vips[r % vips.len()].clone(),
            port: 80,
            path: "/".into(),
            user_agent: "curl/8.5.0".into(),
            ..Default::default()
        };
        let (resp, _) = c.http_request(&origin, &req);
        if resp.is_ok_and(|r| r.status == 200) {
            ok += 1;
        }
    }
    let request_ms = t3.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(ok, n_requests, "every request reaches a pod");
    println!(
        "network: {n_services} services x {n_endpoints} endpoints ({n_pods} pods): create+settle {create_ms:.1} ms, kube-proxy full sync {sync_ms:.1} ms, iptables-save nat ({} rules) {render_ms:.1} ms, {n_requests} requests {request_ms:.1} ms ({:.1} us/request)",
        rules.lines().filter(|l| l.starts_with("-A")).count(),
        request_ms * 1000.0 / n_requests as f64
    );
}
