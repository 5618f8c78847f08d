//! Benchmark: 1,000 pods on a 20-node cluster, from create to all Running.
//!
//! `cargo bench -p kubarium-engine --bench pods`. Wall-clock time is read here, in the
//! benchmark only; the engine itself never reads it.

use kubarium_engine::api::{ObjectMeta, Pod};
use kubarium_engine::{Cluster, Kind, Object, Preset};
use std::time::Instant;

/// The allocator of the native `kubarium` binary (see crates/shell/Cargo.toml).
#[cfg(not(target_family = "wasm"))]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn pod(i: usize) -> Object {
    let v = serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("web-{i:05}"), "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.27", "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}
    });
    let p: Pod = serde_json::from_value(v).unwrap_or_else(|_| Pod {
        metadata: ObjectMeta::default(),
        ..Default::default()
    });
    Object::from(p)
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn running(c: &Cluster) -> usize {
    c.api_ref()
        .store()
        .list(Kind::Pod, Some("default"))
        .filter(|o| {
            o.as_::<Pod>()
                .and_then(|p| p.status.as_ref())
                .and_then(|s| s.phase.as_deref())
                == Some("Running")
        })
        .count()
}

fn main() {
    // PODS and NODES scale the benchmark (default 1,000 pods on 20 nodes).
    let (n_pods, n_nodes) = (env_or("PODS", 1000), env_or("NODES", 20));
    let runs = env_or("RUNS", 5) as u64;
    let mut create_ms = Vec::new();
    let mut total_ms = Vec::new();
    for seed in 0..runs {
        let mut c = Cluster::new(Preset::synthetic(n_nodes, 8, 32768), seed);
        let pods: Vec<Object> = (0..n_pods).map(pod).collect();
        let t0 = Instant::now();
        for p in pods {
            let _ = c.api().create(p, "default", false);
        }
        c.settle();
        let t1 = Instant::now();
        let mut simulated = 0;
        while running(&c) < n_pods && simulated < 600_000 {
            c.advance(1000);
            simulated += 1000;
        }
        let t2 = Instant::now();
        assert_eq!(running(&c), n_pods, "all pods must be Running");
        create_ms.push((t1 - t0).as_secs_f64() * 1e3);
        total_ms.push((t2 - t0).as_secs_f64() * 1e3);
        if seed == 0 {
            println!(
                "all {n_pods} pods Running after {} s of simulated time; {} writes to the store",
                simulated / 1000,
                c.api_ref().store().revision()
            );
        }
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    println!(
        "create + schedule {n_pods} pods on {n_nodes} nodes: median {:.2} ms",
        med(&mut create_ms)
    );
    println!(
        "create -> all {n_pods} Running:              median {:.2} ms",
        med(&mut total_ms)
    );
}
