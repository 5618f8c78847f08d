//! The kubelet through the whole cluster: pods bound to a node run, fail, restart and go away
//! the way they do on a real v1.37 node.

use k8s_openapi::api::core::v1::{Event, Pod};
use kubarium_engine::{Cluster, DeleteOptions, Kind, Object, ObjectKey};
use serde_json::json;

fn cluster() -> Cluster {
    Cluster::from_preset("vagrant", 1).expect("preset")
}

/// Creates a pod bound to w1-k8s (the scheduler binds pods in real runs).
fn create(c: &mut Cluster, name: &str, spec: serde_json::Value) -> ObjectKey {
    let mut spec = spec;
    spec["nodeName"] = json!("w1-k8s");
    let pod: Pod = serde_json::from_value(
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}),
    )
    .expect("pod json");
    c.api()
        .create(Object::from(pod), "default", false)
        .expect("create");
    ObjectKey::new(Kind::Pod, "default", name)
}

fn pod(c: &Cluster, name: &str) -> Option<Pod> {
    c.api_ref()
        .get(&ObjectKey::new(Kind::Pod, "default", name))
        .ok()
        .and_then(|o| o.as_::<Pod>().cloned())
}

fn phase(c: &Cluster, name: &str) -> String {
    pod(c, name)
        .and_then(|p| p.status?.phase)
        .unwrap_or_default()
}

fn cstatus(c: &Cluster, name: &str) -> k8s_openapi::api::core::v1::ContainerStatus {
    pod(c, name)
        .and_then(|p| p.status?.container_statuses?.into_iter().next())
        .expect("container status")
}

fn waiting_reason(c: &Cluster, name: &str) -> Option<String> {
    cstatus(c, name).state?.waiting?.reason
}

fn events(c: &Cluster, name: &str) -> Vec<(String, String)> {
    let mut evs: Vec<Event> = c
        .api_ref()
        .list(Kind::Event, Some("default"))
        .iter()
        .filter_map(|o| o.as_::<Event>().cloned())
        .filter(|e| e.involved_object.name.as_deref() == Some(name))
        .collect();
    evs.sort_by(|a, b| {
        (
            a.first_timestamp.as_ref().map(|t| t.0),
            a.metadata.name.clone(),
        )
            .cmp(&(
                b.first_timestamp.as_ref().map(|t| t.0),
                b.metadata.name.clone(),
            ))
    });
    evs.into_iter()
        .map(|e| (e.reason.unwrap_or_default(), e.message.unwrap_or_default()))
        .collect()
}

fn event_count(c: &Cluster, name: &str, reason: &str) -> i32 {
    c.api_ref()
        .list(Kind::Event, Some("default"))
        .iter()
        .filter_map(|o| o.as_::<Event>().cloned())
        .filter(|e| {
            e.involved_object.name.as_deref() == Some(name) && e.reason.as_deref() == Some(reason)
        })
        .map(|e| e.count.unwrap_or(1))
        .sum()
}

#[test]
fn nginx_pod_runs_with_an_ip_from_its_nodes_block() {
    let mut c = cluster();
    let key = create(
        &mut c,
        "web",
        json!({"containers": [{"name": "web", "image": "nginx"}]}),
    );
    c.advance(1_000);
    assert_eq!(phase(&c, "web"), "Pending");
    assert_eq!(
        waiting_reason(&c, "web").as_deref(),
        Some("ContainerCreating")
    );
    c.advance(15_000);
    let p = pod(&c, "web").expect("pod");
    let st = p.status.clone().expect("status");
    assert_eq!(st.phase.as_deref(), Some("Running"));
    assert_eq!(st.host_ip.as_deref(), Some("192.168.1.101"));
    let ip = st.pod_ip.clone().expect("pod ip");
    let block = c.kubelet("w1-k8s").map(|_| ()).and(Some("172.16.221."));
    assert!(ip.starts_with(block.unwrap_or("")), "{ip}");
    let types: Vec<(String, String)> = st
        .conditions
        .iter()
        .flatten()
        .map(|c| (c.type_.clone(), c.status.clone()))
        .collect();
    assert_eq!(
        types,
        vec![
            ("PodReadyToStartContainers".into(), "True".into()),
            ("Initialized".into(), "True".into()),
            ("Ready".into(), "True".into()),
            ("ContainersReady".into(), "True".into()),
            ("PodScheduled".into(), "True".into()),
        ]
    );
    let cs = cstatus(&c, "web");
    assert!(cs.ready);
    assert_eq!(cs.image, "docker.io/library/nginx:latest");
    assert!(cs.image_id.starts_with("docker.io/library/nginx@sha256:"));
    assert!(cs
        .container_id
        .as_deref()
        .is_some_and(|id| id.starts_with("containerd://") && id.len() == 13 + 64));
    let evs = events(&c, "web");
    let reasons: Vec<&str> = evs.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(reasons, vec!["Pulling", "Pulled", "Created", "Started"]);
    assert_eq!(evs[0].1, "Pulling image \"nginx\"");
    assert!(
        evs[1]
            .1
            .starts_with("Successfully pulled image \"nginx\" in "),
        "{}",
        evs[1].1
    );
    assert!(
        evs[1].1.ends_with("Image size: 68420129 bytes.") || evs[1].1.contains("Image size: "),
        "{}",
        evs[1].1
    );
    let (kubelet, _) = c.kubelet_for_pod(&key).expect("kubelet");
    let logs = kubelet.logs(&key, "web", false).expect("logs");
    assert!(logs.starts_with("/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration\n"), "{logs}");
    assert!(logs.contains("[notice] 1#1: start worker processes"));
    let fs = kubelet.container_fs(&key, "web").expect("fs");
    assert!(fs
        .read("/usr/share/nginx/html/index.html")
        .expect("index")
        .contains("<title>Welcome to nginx!</title>"));
    assert_eq!(fs.read("/etc/hostname").expect("hostname"), "web\n");
    assert!(fs.read("/etc/resolv.conf").expect("resolv").starts_with(
        "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\n"
    ));
    assert!(kubelet.image_has_command(&key, "web", "bash"));
    assert!(!kubelet.image_has_command(&key, "web", "ping"));
    let env = kubelet.container_env(&key, "web").expect("env");
    assert_eq!(
        env.get("KUBERNETES_SERVICE_HOST").map(String::as_str),
        Some("10.96.0.1")
    );
    assert!(env.contains_key("NGINX_VERSION"));

    // A second pod with the same image: IfNotPresent finds it on the node.
    create(
        &mut c,
        "web2",
        json!({"containers": [{"name": "web", "image": "nginx:latest", "imagePullPolicy": "IfNotPresent"}]}),
    );
    c.advance(5_000);
    assert_eq!(phase(&c, "web2"), "Running");
    assert_eq!(events(&c, "web2")[0].1, "Container image \"nginx:latest\" already present on machine and can be accessed by the pod");
}

#[test]
fn busybox_sleep_runs_and_bare_busybox_crash_loops() {
    let mut c = cluster();
    create(
        &mut c,
        "sleeper",
        json!({"containers": [{"name": "b", "image": "busybox", "args": ["sleep", "3600"]}]}),
    );
    create(
        &mut c,
        "b",
        json!({"containers": [{"name": "b", "image": "busybox"}]}),
    );
    c.advance(10_000);
    assert_eq!(phase(&c, "sleeper"), "Running");
    assert!(cstatus(&c, "sleeper").ready);
    // A bare busybox runs `sh`, which exits at once: restarted, then back-off.
    c.advance(30_000);
    let cs = cstatus(&c, "b");
    assert!(cs.restart_count >= 2, "{}", cs.restart_count);
    assert_eq!(phase(&c, "b"), "Running");
    let last = cs
        .last_state
        .and_then(|s| s.terminated)
        .expect("last state");
    assert_eq!(
        (last.reason.as_deref(), last.exit_code),
        (Some("Completed"), 0)
    );
    c.advance(60_000);
    let msgs: Vec<String> = events(&c, "b")
        .into_iter()
        .filter(|(r, _)| r == "BackOff")
        .map(|(_, m)| m)
        .collect();
    assert!(
        msgs.iter()
            .all(|m| m.starts_with("Back-off restarting failed container b in pod b_default(")),
        "{msgs:?}"
    );
    let w = cstatus(&c, "b").state.and_then(|s| s.waiting);
    if let Some(w) = w {
        assert_eq!(w.reason.as_deref(), Some("CrashLoopBackOff"));
        assert!(w.message.unwrap_or_default().starts_with("back-off "));
    }
}

#[test]
fn script_with_never_fails_with_its_exit_code_and_logs() {
    let mut c = cluster();
    let key = create(
        &mut c,
        "job",
        json!({"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox", "command": ["sh", "-c", "echo hi; exit 3"]}]}),
    );
    c.advance(20_000);
    assert_eq!(phase(&c, "job"), "Failed");
    let t = cstatus(&c, "job")
        .state
        .and_then(|s| s.terminated)
        .expect("terminated");
    assert_eq!((t.exit_code, t.reason.as_deref()), (3, Some("Error")));
    let (k, _) = c.kubelet_for_pod(&key).expect("kubelet");
    assert_eq!(k.logs(&key, "main", false).expect("logs"), "hi\n");
    assert_eq!(
        k.logs(&key, "main", true).unwrap_err().to_string(),
        "previous terminated container \"main\" in pod \"job\" not found"
    );
    let ready = pod(&c, "job")
        .and_then(|p| p.status?.conditions)
        .expect("conds");
    assert!(ready.iter().any(|c| c.type_ == "Ready"
        && c.status == "False"
        && c.reason.as_deref() == Some("ContainersNotReady")));

    let _ = create(
        &mut c,
        "ok",
        json!({"restartPolicy": "OnFailure", "containers": [{"name": "main", "image": "busybox", "command": ["sh", "-c", "date; echo Hello"]}]}),
    );
    c.advance(20_000);
    assert_eq!(phase(&c, "ok"), "Succeeded");
    let conds = pod(&c, "ok")
        .and_then(|p| p.status?.conditions)
        .expect("conds");
    assert!(conds
        .iter()
        .any(|c| c.type_ == "Ready" && c.reason.as_deref() == Some("PodCompleted")));
}

#[test]
fn unknown_tag_gives_err_image_pull_then_growing_back_off() {
    let mut c = cluster();
    let key = create(
        &mut c,
        "bad",
        json!({"containers": [{"name": "web", "image": "nginx:1.99"}]}),
    );
    for _ in 0..30 {
        c.advance(100);
        if waiting_reason(&c, "bad").as_deref() == Some("ErrImagePull") {
            break;
        }
    }
    let cs = cstatus(&c, "bad");
    let w = cs.state.and_then(|s| s.waiting).expect("waiting");
    assert_eq!(w.reason.as_deref(), Some("ErrImagePull"));
    assert_eq!(
        w.message.as_deref(),
        Some("rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/nginx:1.99\": failed to resolve image: docker.io/library/nginx:1.99: not found")
    );
    c.advance(2_000);
    assert_eq!(
        waiting_reason(&c, "bad").as_deref(),
        Some("ImagePullBackOff")
    );
    let evs = events(&c, "bad");
    assert!(evs.contains(&("Failed".into(), "Failed to pull image \"nginx:1.99\": rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/nginx:1.99\": failed to resolve image: docker.io/library/nginx:1.99: not found".into())));
    assert!(evs.contains(&("Failed".into(), "Error: ErrImagePull".into())));
    assert!(evs.contains(&(
        "BackOff".into(),
        "Back-off pulling image \"nginx:1.99\"".into()
    )));
    // Pull attempts at ~0, ~10, ~30, ~70 s: back-off doubles.
    c.advance(75_000);
    let pulls = event_count(&c, "bad", "Pulling");
    assert_eq!(pulls, 4, "{:?}", events(&c, "bad"));
    let (k, _) = c.kubelet_for_pod(&key).expect("kubelet");
    assert_eq!(
        k.logs(&key, "web", false).unwrap_err().to_string(),
        "container \"web\" in pod \"bad\" is waiting to start: ImagePullBackOff"
    );

    create(
        &mut c,
        "nope",
        json!({"containers": [{"name": "x", "image": "nginxs"}]}),
    );
    c.advance(4_000);
    let msg = cstatus(&c, "nope")
        .state
        .and_then(|s| s.waiting)
        .and_then(|w| w.message)
        .unwrap_or_default();
    assert!(
        msg.contains("pull access denied, repository does not exist or may require authorization"),
        "{msg}"
    );
}

/// Every node resolves seed 003's http-only Harbor (`/etc/hosts`) and pulls from it over
/// http (`certs.d/msa.harbor.com/hosts.toml` under `config_path`), containerd restarted.
fn reach_harbor_over_http(c: &mut kubarium_engine::Cluster) {
    use kubarium_engine::kubelet::registry::{private_registries, CONFIG_TOML, HOSTS_FILE};
    let ip = private_registries(c.preset())[0].ip;
    let nodes: Vec<String> = c.preset().nodes.iter().map(|n| n.name.clone()).collect();
    let now = c.now();
    for n in nodes {
        let files = [
            (HOSTS_FILE, format!("127.0.0.1 localhost\n{ip} msa.harbor.com\n")),
            (
                CONFIG_TOML,
                "version = 3\n[plugins.'io.containerd.cri.v1.images'.registry]\n  config_path = '/etc/containerd/certs.d'\n".to_string(),
            ),
            (
                "/etc/containerd/certs.d/msa.harbor.com/hosts.toml",
                "server = \"http://msa.harbor.com\"\n".to_string(),
            ),
        ];
        let k = c.kubelet_mut(&n).expect("kubelet");
        k.set_runtime_files(files.into_iter().map(|(p, t)| (p.to_string(), t)).collect());
        k.restart_containerd(now).expect("config.toml is TOML");
    }
}

#[test]
fn the_http_only_harbor_is_reached_once_the_node_is_configured() {
    let mut c = cluster();
    create(
        &mut c,
        "disc",
        json!({"containers": [{"name": "discovery-service", "image": "msa.harbor.com/discovery-service"}]}),
    );
    c.advance(5_000);
    let waiting = cstatus(&c, "disc")
        .state
        .and_then(|s| s.waiting)
        .expect("waiting");
    assert_eq!(waiting.reason.as_deref(), Some("ImagePullBackOff"));
    assert!(
        waiting.message.unwrap_or_default().ends_with(
            "failed to resolve image: failed to do request: Head \"https://msa.harbor.com/v2/discovery-service/manifests/latest\": dial tcp: lookup msa.harbor.com on 127.0.0.53:53: no such host"
        )
    );
    reach_harbor_over_http(&mut c);
    c.advance(40_000);
    assert!(cstatus(&c, "disc").restart_count >= 1, "pulled and ran");
}

#[test]
fn arm64_only_image_crash_loops_with_exec_format_error() {
    let mut c = cluster();
    reach_harbor_over_http(&mut c);
    let key = create(
        &mut c,
        "disc",
        json!({"containers": [{"name": "discovery-service", "image": "msa.harbor.com/discovery-service"}]}),
    );
    c.advance(40_000);
    let cs = cstatus(&c, "disc");
    assert!(cs.restart_count >= 1);
    let last = cs.last_state.and_then(|s| s.terminated).expect("last");
    assert_eq!(last.exit_code, 255);
    let (k, _) = c.kubelet_for_pod(&key).expect("kubelet");
    assert_eq!(
        k.logs(&key, "discovery-service", false).expect("logs"),
        "exec /usr/local/openjdk-17/bin/java: exec format error\n"
    );
    c.advance(20_000);
    assert_eq!(
        waiting_reason(&c, "disc").as_deref(),
        Some("CrashLoopBackOff")
    );
}

#[test]
fn memory_hog_over_its_limit_is_oom_killed() {
    let mut c = cluster();
    create(
        &mut c,
        "memory-demo-2",
        json!({"containers": [{"name": "memory-demo-2-ctr", "image": "polinux/stress", "resources": {"requests": {"memory": "50Mi"}, "limits": {"memory": "100Mi"}}, "command": ["stress"], "args": ["--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"]}]}),
    );
    c.advance(10_000);
    let cs = cstatus(&c, "memory-demo-2");
    let t = cs
        .state
        .clone()
        .and_then(|s| s.terminated)
        .or(cs.last_state.clone().and_then(|s| s.terminated))
        .expect("terminated");
    assert_eq!((t.reason.as_deref(), t.exit_code), (Some("OOMKilled"), 137));
    create(
        &mut c,
        "memory-demo",
        json!({"containers": [{"name": "c", "image": "polinux/stress", "resources": {"limits": {"memory": "200Mi"}}, "command": ["stress"], "args": ["--vm", "1", "--vm-bytes", "150M", "--vm-hang", "1"]}]}),
    );
    c.advance(10_000);
    assert_eq!(phase(&c, "memory-demo"), "Running");
}

#[test]
fn unknown_executable_is_a_start_error() {
    let mut c = cluster();
    create(
        &mut c,
        "typo",
        json!({"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox", "command": ["slep", "10"]}]}),
    );
    c.advance(10_000);
    let t = cstatus(&c, "typo")
        .state
        .and_then(|s| s.terminated)
        .expect("terminated");
    assert_eq!(
        (t.reason.as_deref(), t.exit_code),
        (Some("StartError"), 128)
    );
    assert!(t
        .message
        .unwrap_or_default()
        .contains("exec: \"slep\": executable file not found in $PATH"));
}

#[test]
fn graceful_delete_removes_the_pod_after_its_containers_stop() {
    let mut c = cluster();
    let key = create(
        &mut c,
        "web",
        json!({"containers": [{"name": "web", "image": "nginx"}]}),
    );
    create(
        &mut c,
        "sleeper",
        json!({"terminationGracePeriodSeconds": 5, "containers": [{"name": "s", "image": "busybox", "command": ["sleep", "3600"]}]}),
    );
    c.advance(20_000);
    let watch = c.api_ref().store().open_watch();
    c.api()
        .delete(&key, &DeleteOptions::default(), false)
        .expect("delete");
    c.api()
        .delete(
            &ObjectKey::new(Kind::Pod, "default", "sleeper"),
            &DeleteOptions::default(),
            false,
        )
        .expect("delete");
    c.advance(200);
    assert!(pod(&c, "web").is_some(), "still terminating");
    c.advance(1_000);
    assert!(pod(&c, "web").is_none(), "nginx stops at once");
    assert!(events(&c, "web").contains(&("Killing".into(), "Stopping container web".into())));
    assert!(pod(&c, "sleeper").is_some(), "sleep ignores SIGTERM");
    c.advance(5_000);
    assert!(pod(&c, "sleeper").is_none());
    // Before it goes, each pod gets a terminal phase (a v1.27+ kubelet): nginx exits 0 on
    // SIGQUIT (Succeeded, `Completed`), sleep is killed at the end of its grace period
    // (Failed, exit code 137), whatever the restart policy (Always here).
    let seen = c.api_ref().store().take_watch_events(watch);
    c.api_ref().store().close_watch(watch);
    let last_phase = |name: &str| {
        seen.iter()
            .filter(|e| e.key.kind == Kind::Pod && e.key.name == name)
            .filter_map(|e| e.object.as_::<Pod>()?.status.as_ref()?.phase.clone())
            .last()
    };
    assert_eq!(last_phase("web").as_deref(), Some("Succeeded"));
    assert_eq!(last_phase("sleeper").as_deref(), Some("Failed"));
}

#[test]
fn liveness_probe_failure_restarts_the_container() {
    let mut c = cluster();
    create(
        &mut c,
        "liveness-exec",
        json!({"containers": [{"name": "liveness", "image": "registry.k8s.io/busybox", "args": ["/bin/sh", "-c", "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"],
            "livenessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}, "initialDelaySeconds": 5, "periodSeconds": 5}}]}),
    );
    c.advance(30_000);
    assert_eq!(cstatus(&c, "liveness-exec").restart_count, 0);
    c.advance(60_000);
    let evs = events(&c, "liveness-exec");
    assert!(
        evs.contains(&(
            "Unhealthy".into(),
            "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory"
                .into()
        )),
        "{evs:?}"
    );
    assert!(evs.contains(&(
        "Killing".into(),
        "Container liveness failed liveness probe, will be restarted".into()
    )));
    let cs = cstatus(&c, "liveness-exec");
    assert!(cs.restart_count >= 1);
    // sh ignores SIGTERM: killed at the end of the grace period.
    let last = cs
        .last_state
        .and_then(|s| s.terminated)
        .expect("lastState.terminated");
    assert_eq!(
        (last.exit_code, last.reason.as_deref()),
        (137, Some("Error"))
    );
}

#[test]
fn system_pods_are_running_after_cluster_creation() {
    let c = cluster();
    let pods = c.api_ref().list(Kind::Pod, Some("kube-system"));
    let bound: Vec<Pod> = pods
        .iter()
        .filter_map(|o| o.as_::<Pod>().cloned())
        .filter(|p| p.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_some())
        .collect();
    assert!(!bound.is_empty());
    for p in bound {
        let phase = p
            .status
            .as_ref()
            .and_then(|s| s.phase.clone())
            .unwrap_or_default();
        assert_eq!(phase, "Running", "{:?}", p.metadata.name);
        let host_network = p
            .spec
            .as_ref()
            .and_then(|s| s.host_network)
            .unwrap_or(false);
        if host_network {
            assert_eq!(
                p.status.as_ref().and_then(|s| s.pod_ip.clone()),
                p.status.as_ref().and_then(|s| s.host_ip.clone())
            );
        }
    }
}

#[test]
fn same_seed_gives_the_same_trace() {
    let run = || {
        let mut c = cluster();
        create(
            &mut c,
            "web",
            json!({"containers": [{"name": "web", "image": "nginx:1.14"}]}),
        );
        create(
            &mut c,
            "bad",
            json!({"containers": [{"name": "web", "image": "nginx:1.99"}]}),
        );
        create(
            &mut c,
            "b",
            json!({"containers": [{"name": "b", "image": "busybox"}]}),
        );
        c.advance(120_000);
        c.trace()
            .map(|e| format!("{} {} {}", e.at.ms(), e.component, e.what))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

#[test]
fn a_thousand_pods_on_twenty_nodes_all_start() {
    let preset = kubarium_engine::Preset::synthetic(20, 4, 8192);
    let mut c = Cluster::new(preset, 7);
    let nodes: Vec<String> = (1..=20).map(|i| format!("node{i:02}")).collect();
    for i in 0..1000 {
        let pod: Pod = serde_json::from_value(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": format!("p{i}")}, "spec": {"nodeName": nodes[i % 20], "containers": [{"name": "web", "image": "nginx:1.14"}]}})).expect("pod");
        c.api()
            .create(Object::from(pod), "default", false)
            .expect("create");
    }
    // How fast is the benchmark's business (crates/engine/benches/pods.rs); this checks the outcome.
    c.advance(60_000);
    let running = c
        .api_ref()
        .list(Kind::Pod, Some("default"))
        .iter()
        .filter(|o| {
            o.as_::<Pod>()
                .and_then(|p| p.status.as_ref()?.phase.as_deref())
                == Some("Running")
        })
        .count();
    assert_eq!(running, 1000);
}

fn ms(t: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time) -> i64 {
    t.0.as_millisecond()
}

fn event_times(c: &Cluster, name: &str, reason: &str) -> Vec<(i64, String)> {
    let mut evs: Vec<Event> = c
        .api_ref()
        .list(Kind::Event, Some("default"))
        .iter()
        .filter_map(|o| o.as_::<Event>().cloned())
        .filter(|e| {
            e.involved_object.name.as_deref() == Some(name) && e.reason.as_deref() == Some(reason)
        })
        .collect();
    evs.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    evs.into_iter()
        .map(|e| {
            (
                e.first_timestamp.as_ref().map_or(0, ms),
                e.message.unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn image_change_restart_keeps_the_killed_instance_as_last_state() {
    let mut c = cluster();
    let key = create(
        &mut c,
        "webserver",
        json!({"containers": [{"name": "web", "image": "nginx:1.14"}]}),
    );
    c.advance(15_000);
    let before = cstatus(&c, "webserver");
    assert_eq!(before.restart_count, 0);
    let first_id = before.container_id.clone().expect("id");
    let first_start = before
        .state
        .clone()
        .and_then(|s| s.running)
        .and_then(|r| r.started_at)
        .expect("running");
    assert!(before
        .last_state
        .clone()
        .and_then(|s| s.terminated)
        .is_none());

    // `kubectl set image pod/webserver web=nginx:1.15`
    let mut p = pod(&c, "webserver").expect("pod");
    p.spec.as_mut().expect("spec").containers[0].image = Some("nginx:1.15".into());
    c.api().update(Object::from(p), false).expect("update");
    let changed_at = ms(&c.now().to_k8s_time());
    c.advance(20_000);
    let evs = events(&c, "webserver");
    assert!(
        evs.contains(&(
            "Killing".into(),
            "Container web definition changed, will be restarted".into()
        )),
        "{evs:?}"
    );
    let cs = cstatus(&c, "webserver");
    assert_eq!(cs.restart_count, 1);
    assert_eq!(cs.image, "docker.io/library/nginx:1.15");
    assert!(cs.state.clone().and_then(|s| s.running).is_some());
    assert_ne!(cs.container_id.as_deref(), Some(first_id.as_str()));
    let last = cs
        .last_state
        .and_then(|s| s.terminated)
        .expect("lastState.terminated");
    assert_eq!(last.exit_code, 0);
    assert_eq!(last.reason.as_deref(), Some("Completed"));
    assert_eq!(last.container_id.as_deref(), Some(first_id.as_str()));
    assert_eq!(last.started_at.as_ref().map(ms), Some(ms(&first_start)));
    let finished = last.finished_at.as_ref().map(ms).expect("finishedAt");
    assert!(
        finished >= changed_at && finished < changed_at + 2_000,
        "{finished} vs {changed_at}"
    );
    assert!(last.signal.is_none() && last.message.is_none());
    let (k, _) = c.kubelet_for_pod(&key).expect("kubelet");
    assert!(
        k.logs(&key, "web", true).is_ok(),
        "the killed instance's log is the --previous log"
    );
}

#[test]
fn first_crash_restart_with_pull_policy_always_sets_last_state() {
    let mut c = cluster();
    // busybox (`:latest`, pull policy Always) exits 2 at once: restarted once immediately.
    create(
        &mut c,
        "crash",
        json!({"containers": [{"name": "c", "image": "busybox", "command": ["sh", "-c", "echo boom; exit 2"]}]}),
    );
    let mut first_id = None;
    let mut seen_restart = None;
    for _ in 0..300 {
        c.advance(100);
        let cs = cstatus(&c, "crash");
        if cs.restart_count == 0 {
            if let Some(t) = cs.state.as_ref().and_then(|s| s.terminated.as_ref()) {
                // While the image is pulled again the ended instance stays the state.
                assert_eq!((t.exit_code, t.reason.as_deref()), (2, Some("Error")));
                first_id = t.container_id.clone();
            }
        } else {
            seen_restart = Some(cs);
            break;
        }
    }
    let cs = seen_restart.expect("restarted");
    assert_eq!(cs.restart_count, 1);
    let last = cs
        .last_state
        .and_then(|s| s.terminated)
        .expect("lastState.terminated after the first restart");
    assert_eq!((last.exit_code, last.reason.as_deref()), (2, Some("Error")));
    assert!(first_id.is_some());
    assert_eq!(last.container_id, first_id);
    assert!(last.started_at.is_some() && last.finished_at.is_some());
}

#[test]
fn oom_killed_restart_reports_oomkilled_last_state() {
    let mut c = cluster();
    create(
        &mut c,
        "hog",
        json!({"containers": [{"name": "h", "image": "polinux/stress", "resources": {"limits": {"memory": "100Mi"}}, "command": ["stress"], "args": ["--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"]}]}),
    );
    for _ in 0..200 {
        c.advance(100);
        if cstatus(&c, "hog").restart_count >= 1 {
            break;
        }
    }
    let last = cstatus(&c, "hog")
        .last_state
        .and_then(|s| s.terminated)
        .expect("last");
    assert_eq!(
        (last.exit_code, last.reason.as_deref()),
        (137, Some("OOMKilled"))
    );
}

#[test]
fn containers_of_a_pod_are_pulled_and_started_one_after_another() {
    let mut c = cluster();
    create(
        &mut c,
        "multiple-pod",
        json!({"containers": [{"name": "nginx", "image": "nginx:1.14"}, {"name": "centos", "image": "centos:7", "command": ["sleep", "3600"]}]}),
    );
    let mut saw_half = false;
    for _ in 0..600 {
        c.advance(100);
        let p = pod(&c, "multiple-pod").expect("pod");
        let st = p.status.clone().unwrap_or_default();
        let css = st.container_statuses.clone().unwrap_or_default();
        if css.len() == 2
            && css[0].state.as_ref().is_some_and(|s| s.running.is_some())
            && css[1].state.as_ref().is_some_and(|s| s.running.is_none())
        {
            // nginx runs while centos:7 is still pulled.
            assert_eq!(
                css[1]
                    .state
                    .clone()
                    .and_then(|s| s.waiting)
                    .and_then(|w| w.reason)
                    .as_deref(),
                Some("ContainerCreating")
            );
            assert_eq!(st.phase.as_deref(), Some("Pending"));
            saw_half = true;
        }
        if css.len() == 2 && css.iter().all(|s| s.ready) {
            break;
        }
    }
    // The kubelet pulls and starts them in one SyncPod, which blocks in each pull: nginx runs
    // while centos:7 is pulled (the events below), but the API status is not written until
    // the sync ends, so it never shows that half-started state.
    assert!(
        !saw_half,
        "the first SyncPod writes no status while it still pulls centos:7"
    );
    let evs: Vec<(String, String)> = events(&c, "multiple-pod")
        .into_iter()
        .filter(|(r, _)| r != "Scheduled")
        .collect();
    let shape: Vec<String> = evs
        .iter()
        .map(|(r, m)| match r.as_str() {
            "Pulling" | "Pulled" => format!("{r} {}", m.split('"').nth(1).unwrap_or("")),
            _ => r.clone(),
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            "Pulling nginx:1.14",
            "Pulled nginx:1.14",
            "Created",
            "Started",
            "Pulling centos:7",
            "Pulled centos:7",
            "Created",
            "Started"
        ],
        "{evs:?}"
    );
    let pulling = event_times(&c, "multiple-pod", "Pulling");
    let started = event_times(&c, "multiple-pod", "Started");
    let pulled = event_times(&c, "multiple-pod", "Pulled");
    // centos:7 is pulled only once nginx has started; it did not wait for another pull.
    assert!(pulling[1].0 >= started[0].0, "{pulling:?} {started:?}");
    assert!(pulling[1].0 > pulling[0].0 + 3_000, "{pulling:?}");
    let m = &pulled[1].1;
    let took = m
        .split(" in ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .expect("duration");
    assert!(
        m.contains(&format!("in {took} ({took} including waiting)")),
        "{m}"
    );
}

#[test]
fn init_containers_still_run_before_app_containers_in_order() {
    let mut c = cluster();
    create(
        &mut c,
        "init-pod",
        json!({"initContainers": [{"name": "i1", "image": "busybox", "command": ["sh", "-c", "sleep 1"]}, {"name": "i2", "image": "alpine", "command": ["sh", "-c", "true"]}],
               "containers": [{"name": "a", "image": "nginx:1.14"}, {"name": "b", "image": "redis"}]}),
    );
    c.advance(60_000);
    assert_eq!(phase(&c, "init-pod"), "Running");
    let shape: Vec<String> = events(&c, "init-pod")
        .into_iter()
        .filter(|(r, _)| r == "Pulling")
        .map(|(_, m)| m)
        .collect();
    assert_eq!(
        shape,
        vec![
            "Pulling image \"busybox\"",
            "Pulling image \"alpine\"",
            "Pulling image \"nginx:1.14\"",
            "Pulling image \"redis\""
        ]
    );
    let pulling = event_times(&c, "init-pod", "Pulling");
    assert!(pulling.windows(2).all(|w| w[0].0 < w[1].0), "{pulling:?}");
}

#[test]
fn tensorflow_jupyter_tags_serve_a_notebook_and_plain_tags_run_bash() {
    let mut c = cluster();
    let key = create(
        &mut c,
        "tensorflow-gpu",
        json!({"containers": [{"name": "tensorflow", "image": "tensorflow/tensorflow:nightly-jupyter"}]}),
    );
    create(
        &mut c,
        "tf",
        json!({"containers": [{"name": "tf", "image": "tensorflow/tensorflow:latest"}]}),
    );
    c.advance(200_000);
    assert_eq!(phase(&c, "tensorflow-gpu"), "Running");
    let cs = cstatus(&c, "tensorflow-gpu");
    assert!(cs.ready);
    assert_eq!(cs.restart_count, 0);
    let (k, _) = c.kubelet_for_pod(&key).expect("kubelet");
    let logs = k.logs(&key, "tensorflow", false).expect("logs");
    assert!(
        logs.contains("ServerApp] Serving notebooks from local directory: /tf"),
        "{logs}"
    );
    assert!(
        logs.contains("http://tensorflow-gpu:8888/tree?token="),
        "{logs}"
    );
    assert_eq!(
        k.container_server(&key, "tensorflow").map(|s| s.ports()),
        Some(vec![8888])
    );
    assert!(
        cstatus(&c, "tf").restart_count >= 1,
        "plain tags run bash, which exits"
    );
}

#[test]
fn rebuilt_amd64_discoveryservice_runs_where_the_arm64_image_fails() {
    use kubarium_engine::kubelet::images::{resolve, ImageRef};
    let fixed = resolve(&ImageRef::parse("kimtaeheon/discoveryservice:1.0").unwrap()).unwrap();
    assert_eq!(fixed.entry.archs, &["amd64"]);
    let broken = resolve(&ImageRef::parse("msa.harbor.com/discovery-service").unwrap()).unwrap();
    assert_eq!(broken.entry.archs, &["arm64"]);

    let mut c = cluster();
    let key = create(
        &mut c,
        "discovery",
        json!({"containers": [{"name": "discovery-service", "image": "kimtaeheon/discoveryservice:1.0", "ports": [{"containerPort": 8761}]}]}),
    );
    c.advance(30_000);
    assert_eq!(phase(&c, "discovery"), "Running");
    let cs = cstatus(&c, "discovery");
    assert!(cs.ready);
    assert_eq!(cs.restart_count, 0);
    assert_eq!(cs.image, "docker.io/kimtaeheon/discoveryservice:1.0");
    assert!(cs
        .image_id
        .starts_with("docker.io/kimtaeheon/discoveryservice@sha256:"));
    let (k, _) = c.kubelet_for_pod(&key).expect("kubelet");
    let logs = k.logs(&key, "discovery-service", false).expect("logs");
    assert!(!logs.contains("exec format error"), "{logs}");
    assert!(
        logs.contains("Tomcat started on port 8761 (http)"),
        "{logs}"
    );
    assert_eq!(
        k.container_server(&key, "discovery-service")
            .map(|s| s.ports()),
        Some(vec![8761])
    );
}
