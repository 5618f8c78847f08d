//! Benchmark: a 1,000-replica Deployment on a 20-node cluster — from apply to every pod
//! Running and available, then its full rolling update (a new image) until the rollout is
//! complete and the old pods are gone.
//!
//! `cargo bench -p kubarium-engine --bench deployment` (REPLICAS and NODES scale it).
//! Wall-clock time is read here, in the benchmark only; the engine never reads it.

use k8s_openapi::api::apps::v1::Deployment;
use kubarium_engine::api::Pod;
use kubarium_engine::{Cluster, Kind, Object, ObjectKey, Preset};
use std::time::Instant;

/// The allocator of the native `kubarium` binary (see crates/shell/Cargo.toml), as the other
/// native benchmarks use.
#[cfg(not(target_family = "wasm"))]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn deployment(replicas: usize, image: &str) -> Object {
    let v = serde_json::json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": image,
                    "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}
            }
        }
    });
    Object::Deployment(serde_json::from_value(v).unwrap_or_default())
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Whether the Deployment's rollout is complete (what `kubectl rollout status` waits for)
/// and no pod of an older template is left.
fn rolled_out(c: &Cluster, replicas: usize) -> bool {
    let key = ObjectKey::new(Kind::Deployment, "default", "web");
    let Some(d) = c.api_ref().store().get(&key) else {
        return false;
    };
    let Some(d) = d.as_::<Deployment>() else {
        return false;
    };
    let s = d.status.clone().unwrap_or_default();
    let r = replicas as i32;
    let complete = s.updated_replicas.unwrap_or(0) == r
        && s.replicas.unwrap_or(0) == r
        && s.available_replicas.unwrap_or(0) == r
        && s.observed_generation >= d.metadata.generation;
    let pods = c.api_ref().store().list(Kind::Pod, Some("default")).count();
    complete && pods == replicas
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

/// Advances simulated time a second at a time until `done`; returns the simulated seconds.
fn run_until(c: &mut Cluster, done: impl Fn(&Cluster) -> bool) -> u64 {
    let mut simulated = 0;
    while !done(c) && simulated < 3_600_000 {
        c.advance(1000);
        simulated += 1000;
    }
    simulated / 1000
}

/// Phase one: the Deployment applied, run until every replica is Running and available.
/// Not inlined, so a profiler can count this phase alone
/// (`valgrind --tool=callgrind --toggle-collect='*apply_phase*'`).
#[inline(never)]
fn apply_phase(c: &mut Cluster, replicas: usize) -> u64 {
    let _ = c
        .api()
        .create(deployment(replicas, "nginx:1.14"), "default", false);
    c.settle();
    run_until(c, |c| rolled_out(c, replicas) && running(c) == replicas)
}

/// Phase two: a new image, run until the rollout is complete and the old pods are gone
/// (`--toggle-collect='*rollout_phase*'` counts it alone).
#[inline(never)]
fn rollout_phase(c: &mut Cluster, replicas: usize) -> u64 {
    let key = ObjectKey::new(Kind::Deployment, "default", "web");
    let _ = c.api().modify(&key, |o| {
        if let Object::Deployment(d) = o {
            if let Some(spec) = d.spec.template.spec.as_mut() {
                spec.containers[0].image = Some("nginx:1.15".into());
            }
        }
    });
    c.settle();
    run_until(c, |c| rolled_out(c, replicas))
}

fn main() {
    let (replicas, nodes) = (env_or("REPLICAS", 1000), env_or("NODES", 20));
    let runs = env_or("RUNS", 5) as u64;
    let (mut apply_ms, mut update_ms) = (Vec::new(), Vec::new());
    for seed in 0..runs {
        let mut c = Cluster::new(Preset::synthetic(nodes, 8, 32768), seed);
        let t0 = Instant::now();
        let up_s = apply_phase(&mut c, replicas);
        let t1 = Instant::now();
        assert!(rolled_out(&c, replicas), "all replicas must be available");
        let t2 = Instant::now();
        let update_s = rollout_phase(&mut c, replicas);
        let t3 = Instant::now();
        assert!(rolled_out(&c, replicas), "the rolling update must complete");
        apply_ms.push((t1 - t0).as_secs_f64() * 1e3);
        update_ms.push((t3 - t2).as_secs_f64() * 1e3);
        if seed == 0 {
            let rs = c
                .api_ref()
                .store()
                .list(Kind::ReplicaSet, Some("default"))
                .count();
            println!(
                "{replicas} replicas available after {up_s} s simulated; rolling update done after {update_s} s; {rs} ReplicaSets; {} writes to the store",
                c.api_ref().store().revision()
            );
        }
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    println!(
        "apply -> all {replicas} Running on {nodes} nodes:  median {:.2} ms",
        med(&mut apply_ms)
    );
    println!(
        "full rolling update of {replicas} replicas:      median {:.2} ms",
        med(&mut update_ms)
    );
}
