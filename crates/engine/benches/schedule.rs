//! Scheduling 1,000 pods onto 20 nodes.
//!
//! Three numbers: the whole cluster path (watch events, scheduling cycles, binding writes and
//! events through the API server), the scheduling algorithm alone (filters, scores and the
//! cache update, no API writes), and the API-server writes alone (the same binding updates
//! and events without a scheduler), which is most of the first. Wall-clock time is allowed
//! here and only here.
//!
//! Run: `cargo bench -p kubarium-engine --bench schedule`.

use kubarium_engine::api::{Node, Pod};
use kubarium_engine::scheduler::framework::{run_filters, run_scores, PodInfo, ScoreContext};
use kubarium_engine::scheduler::node_info::{AssignedPod, Cache};
use kubarium_engine::{Cluster, Kind, Object, ObjectKey, Preset};
use serde_json::json;
use std::time::{Duration, Instant};

/// The allocator of the native `kubarium` binary (see crates/shell/Cargo.toml).
#[cfg(not(target_family = "wasm"))]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PODS: usize = 1000;

fn pod(i: usize) -> Pod {
    let requests = if i.is_multiple_of(2) {
        json!({"cpu": "100m", "memory": "128Mi"})
    } else {
        json!({})
    };
    serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("web-{i:04}"), "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27", "resources": {"requests": requests}}]}
    }))
    .unwrap_or_default()
}

fn cluster_path() -> (Duration, usize) {
    let mut c = Cluster::new(Preset::synthetic(20, 8, 32768), 1);
    for i in 0..PODS {
        let _ = c.api().create(Object::from(pod(i)), "default", false);
    }
    let start = Instant::now();
    c.settle();
    let took = start.elapsed();
    let bound = (0..PODS)
        .filter(|i| {
            let key = ObjectKey::new(Kind::Pod, "default", &format!("web-{i:04}"));
            c.api_ref()
                .get(&key)
                .ok()
                .and_then(|o| {
                    o.as_::<Pod>()
                        .and_then(|p| p.spec.as_ref()?.node_name.clone())
                })
                .is_some()
        })
        .count();
    (took, bound)
}

/// The API-server share of the cluster path: the same binding writes and `Scheduled` events,
/// made directly for pods no scheduler owns, then dispatched to the components.
fn api_writes_only() -> Duration {
    let mut c = Cluster::new(Preset::synthetic(20, 8, 32768), 1);
    for i in 0..PODS {
        let mut p = pod(i);
        if let Some(s) = p.spec.as_mut() {
            s.scheduler_name = Some("none".into());
        }
        let _ = c.api().create(Object::from(p), "default", false);
    }
    c.settle();
    let start = Instant::now();
    for i in 0..PODS {
        let key = ObjectKey::new(Kind::Pod, "default", &format!("web-{i:04}"));
        let Some(mut p) = c
            .api_ref()
            .get(&key)
            .ok()
            .and_then(|o| o.as_::<Pod>().cloned())
        else {
            continue;
        };
        let node = format!("node{:02}", i % 20 + 1);
        if let Some(s) = p.spec.as_mut() {
            s.node_name = Some(node.clone());
        }
        let status = p.status.get_or_insert_with(Default::default);
        status.conditions.get_or_insert_with(Vec::new).push(
            k8s_openapi::api::core::v1::PodCondition {
                type_: "PodScheduled".into(),
                status: "True".into(),
                ..Default::default()
            },
        );
        if let Ok(bound) = c.api().update_status(Object::from(p)) {
            c.api().record_event(
                &bound,
                "Normal",
                "Scheduled",
                &format!("Successfully assigned default/{} to {node}", key.name),
                "default-scheduler",
                None,
            );
        }
    }
    c.settle();
    start.elapsed()
}

fn algorithm_only() -> Duration {
    let c = Cluster::new(Preset::synthetic(20, 8, 32768), 1);
    let mut cache = Cache::default();
    for n in c.api_ref().list(Kind::Node, None) {
        if let Some(node) = n.as_::<Node>() {
            cache.set_node(node);
        }
    }
    let pods: Vec<Pod> = (0..PODS).map(pod).collect();
    let start = Instant::now();
    for (i, p) in pods.iter().enumerate() {
        let pi = PodInfo::new(p);
        let feasible: Vec<_> = cache
            .nodes()
            .filter(|n| run_filters(&pi, n).is_success())
            .collect();
        let ctx = ScoreContext {
            total_nodes: cache.num_nodes(),
            image_nodes: cache.image_nodes(),
        };
        let scores = run_scores(&pi, &feasible, &ctx);
        let best = (0..feasible.len())
            .max_by_key(|i| (scores[*i], std::cmp::Reverse(*i)))
            .map(|i| feasible[i].name.clone());
        if let Some(node) = best {
            cache.set_pod(
                ObjectKey::new(Kind::Pod, "default", &format!("web-{i:04}")),
                &node,
                AssignedPod::of(p),
            );
        }
    }
    start.elapsed()
}

fn main() {
    const RUNS: usize = 5;
    let mut cluster: Vec<Duration> = Vec::new();
    let mut algo: Vec<Duration> = Vec::new();
    let mut writes: Vec<Duration> = Vec::new();
    let mut bound = 0;
    for _ in 0..RUNS {
        let (t, b) = cluster_path();
        cluster.push(t);
        bound = b;
        algo.push(algorithm_only());
        writes.push(api_writes_only());
    }
    cluster.sort();
    algo.sort();
    writes.sort();
    println!("schedule {PODS} pods onto 20 nodes ({bound} bound), median of {RUNS}:");
    println!(
        "  cluster path (watch + schedule + bind + events): {:?}",
        cluster[RUNS / 2]
    );
    println!(
        "  algorithm only (filter + score + assume):        {:?}",
        algo[RUNS / 2]
    );
    println!(
        "  API-server writes alone (bind + event, no scheduler): {:?}",
        writes[RUNS / 2]
    );
}
