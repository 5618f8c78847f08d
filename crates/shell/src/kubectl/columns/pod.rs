//! Pods: `NAME READY STATUS RESTARTS AGE` (+ `IP NODE NOMINATED NODE READINESS GATES`).
//!
//! STATUS is not `status.phase`: kubectl walks the init containers, then the containers from
//! last to first, and the last reason it finds wins. Worked example: a pod in phase `Running`
//! whose only container waits with reason `CrashLoopBackOff` prints `CrashLoopBackOff`; once
//! it has a deletion timestamp it prints `Terminating` whatever the containers say.

use super::{col, wide, Column, RowContext};
use k8s_openapi::api::core::v1::{Container, Pod, PodStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kubarium_engine::Object;

pub const COLUMNS: &[Column] = &[
    col("Name"),
    col("Ready"),
    col("Status"),
    col("Restarts"),
    col("Age"),
    wide("IP"),
    wide("Node"),
    wide("Nominated Node"),
    wide("Readiness Gates"),
];

/// The reason a pod on an unreachable node gets (`node.NodeUnreachablePodReason`).
const NODE_UNREACHABLE_POD_REASON: &str = "NodeLost";

pub fn row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    match obj.as_::<Pod>() {
        Some(p) => pod_row(p, ctx),
        None => Vec::new(),
    }
}

/// A sidecar: an init container with `restartPolicy: Always`.
fn is_restartable_init_container(c: Option<&Container>) -> bool {
    c.and_then(|c| c.restart_policy.as_deref()) == Some("Always")
}

fn condition_true(status: &PodStatus, type_: &str) -> bool {
    status
        .conditions
        .iter()
        .flatten()
        .any(|c| c.type_ == type_ && c.status == "True")
}

fn later(a: Option<Time>, b: Option<&Time>) -> Option<Time> {
    match (a, b) {
        (None, Some(b)) => Some(b.clone()),
        (Some(a), Some(b)) if a.0 < b.0 => Some(b.clone()),
        (a, _) => a,
    }
}

/// The cells of kubectl's `printPod`.
pub fn pod_row(pod: &Pod, ctx: &RowContext) -> Vec<String> {
    let default_spec = Default::default();
    let default_status = Default::default();
    let spec: &k8s_openapi::api::core::v1::PodSpec = pod.spec.as_ref().unwrap_or(&default_spec);
    let status: &PodStatus = pod.status.as_ref().unwrap_or(&default_status);
    let init_specs: Vec<&Container> = spec.init_containers.iter().flatten().collect();
    let init_spec = |name: &str| init_specs.iter().copied().find(|c| c.name == name);

    let mut restarts: i64 = 0;
    let mut restartable_init_restarts: i64 = 0;
    let mut total_containers = spec.containers.len();
    let mut ready_containers = 0;
    let mut last_restart: Option<Time> = None;
    let mut last_restartable_init_restart: Option<Time> = None;

    let phase = status.phase.clone().unwrap_or_default();
    let mut reason = phase.clone();
    if let Some(r) = status.reason.as_deref().filter(|r| !r.is_empty()) {
        reason = r.to_string();
    }
    for c in status.conditions.iter().flatten() {
        if c.type_ == "PodScheduled" && c.reason.as_deref() == Some("SchedulingGated") {
            reason = "SchedulingGated".to_string();
        }
    }
    total_containers += init_specs
        .iter()
        .filter(|c| is_restartable_init_container(Some(c)))
        .count();

    let mut initializing = false;
    let init_statuses: Vec<_> = status.init_container_statuses.iter().flatten().collect();
    for (i, cs) in init_statuses.iter().enumerate() {
        restarts += i64::from(cs.restart_count);
        let last_terminated = cs.last_state.as_ref().and_then(|s| s.terminated.as_ref());
        if let Some(t) = last_terminated {
            last_restart = later(last_restart, t.finished_at.as_ref());
        }
        let sidecar = is_restartable_init_container(init_spec(&cs.name));
        if sidecar {
            restartable_init_restarts += i64::from(cs.restart_count);
            if let Some(t) = last_terminated {
                last_restartable_init_restart =
                    later(last_restartable_init_restart, t.finished_at.as_ref());
            }
        }
        let state = cs.state.clone().unwrap_or_default();
        if state.terminated.as_ref().is_some_and(|t| t.exit_code == 0) {
            continue;
        }
        if sidecar && cs.started == Some(true) {
            if cs.ready {
                ready_containers += 1;
            }
            continue;
        }
        if let Some(t) = &state.terminated {
            reason = match t.reason.as_deref().filter(|r| !r.is_empty()) {
                Some(r) => format!("Init:{r}"),
                None => match t.signal.filter(|s| *s != 0) {
                    Some(sig) => format!("Init:Signal:{sig}"),
                    None => format!("Init:ExitCode:{}", t.exit_code),
                },
            };
        } else if let Some(r) = state
            .waiting
            .as_ref()
            .and_then(|w| w.reason.as_deref())
            .filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            reason = format!("Init:{r}");
        } else {
            reason = format!("Init:{i}/{}", init_specs.len());
        }
        initializing = true;
        break;
    }

    if !initializing || condition_true(status, "Initialized") {
        restarts = restartable_init_restarts;
        last_restart = last_restartable_init_restart;
        let mut has_running = false;
        for cs in status.container_statuses.iter().flatten().rev() {
            restarts += i64::from(cs.restart_count);
            if let Some(t) = cs.last_state.as_ref().and_then(|s| s.terminated.as_ref()) {
                last_restart = later(last_restart, t.finished_at.as_ref());
            }
            let state = cs.state.clone().unwrap_or_default();
            let waiting_reason = state
                .waiting
                .as_ref()
                .and_then(|w| w.reason.clone())
                .filter(|r| !r.is_empty());
            if let Some(r) = waiting_reason {
                reason = r;
            } else if let Some(t) = &state.terminated {
                reason = match t.reason.as_deref().filter(|r| !r.is_empty()) {
                    Some(r) => r.to_string(),
                    None => match t.signal.filter(|s| *s != 0) {
                        Some(sig) => format!("Signal:{sig}"),
                        None => format!("ExitCode:{}", t.exit_code),
                    },
                };
            } else if cs.ready && state.running.is_some() {
                has_running = true;
                ready_containers += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if condition_true(status, "Ready") {
                "Running".into()
            } else {
                "NotReady".into()
            };
        }
    }

    let deleting = pod.metadata.deletion_timestamp.is_some();
    if deleting && status.reason.as_deref() == Some(NODE_UNREACHABLE_POD_REASON) {
        reason = "Unknown".to_string();
    } else if deleting && phase != "Succeeded" && phase != "Failed" {
        reason = "Terminating".to_string();
    }

    let restarts_str = match &last_restart {
        Some(t) if restarts != 0 => format!("{restarts} ({} ago)", ctx.since(Some(t))),
        _ => restarts.to_string(),
    };

    let pod_ip = status
        .pod_ips
        .as_ref()
        .and_then(|ips| ips.first())
        .map(|ip| ip.ip.clone())
        .filter(|ip| !ip.is_empty())
        .unwrap_or_else(|| "<none>".to_string());
    let node = spec
        .node_name
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "<none>".to_string());
    let nominated = status
        .nominated_node_name
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "<none>".to_string());
    let readiness_gates = match spec.readiness_gates.as_deref() {
        Some(gates) if !gates.is_empty() => {
            let true_conditions = gates
                .iter()
                .filter(|g| {
                    status
                        .conditions
                        .iter()
                        .flatten()
                        .find(|c| c.type_ == g.condition_type)
                        .is_some_and(|c| c.status == "True")
                })
                .count();
            format!("{true_conditions}/{}", gates.len())
        }
        _ => "<none>".to_string(),
    };

    vec![
        pod.metadata.name.clone().unwrap_or_default(),
        format!("{ready_containers}/{total_containers}"),
        reason,
        restarts_str,
        ctx.since(pod.metadata.creation_timestamp.as_ref()),
        pod_ip,
        node,
        nominated,
        readiness_gates,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_795_424_400_000 + 600_000; // 10 minutes after the epoch

    fn pod(v: serde_json::Value) -> Pod {
        serde_json::from_value(v).unwrap()
    }
    fn ctx() -> RowContext {
        RowContext { now_unix_ms: NOW }
    }

    #[test]
    fn pending_pod_without_node() {
        let p = pod(json!({
            "metadata": {"name": "web", "creationTimestamp": "2026-11-23T09:09:15Z"},
            "spec": {"containers": [{"name": "web", "image": "nginx"}]},
            "status": {"phase": "Pending"}
        }));
        assert_eq!(
            pod_row(&p, &ctx()),
            ["web", "0/1", "Pending", "0", "45s", "<none>", "<none>", "<none>", "<none>"]
        );
    }

    #[test]
    fn running_pod() {
        let p = pod(json!({
            "metadata": {"name": "web", "creationTimestamp": "2026-11-23T09:00:00Z"},
            "spec": {"nodeName": "w1-k8s", "containers": [{"name": "web", "image": "nginx"}]},
            "status": {"phase": "Running", "podIP": "172.16.221.129", "podIPs": [{"ip": "172.16.221.129"}],
                "conditions": [{"type": "Ready", "status": "True"}],
                "containerStatuses": [{"name": "web", "image": "nginx", "imageID": "", "ready": true, "restartCount": 0,
                    "state": {"running": {"startedAt": "2026-11-23T09:00:05Z"}}}]}
        }));
        assert_eq!(
            pod_row(&p, &ctx()),
            [
                "web",
                "1/1",
                "Running",
                "0",
                "10m",
                "172.16.221.129",
                "w1-k8s",
                "<none>",
                "<none>"
            ]
        );
    }

    #[test]
    fn crash_loop_with_restart_age() {
        let p = pod(json!({
            "metadata": {"name": "bad", "creationTimestamp": "2026-11-23T09:05:00Z"},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]},
            "status": {"phase": "Running",
                "containerStatuses": [{"name": "c", "image": "busybox", "imageID": "", "ready": false, "restartCount": 3,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2026-11-23T09:09:15Z"}}}]}
        }));
        let r = pod_row(&p, &ctx());
        assert_eq!(&r[1..5], ["0/1", "CrashLoopBackOff", "3 (45s ago)", "5m"]);
    }

    #[test]
    fn completed_error_and_oom() {
        for (reason, code, expect) in [
            ("Completed", 0, "Completed"),
            ("Error", 1, "Error"),
            ("OOMKilled", 137, "OOMKilled"),
        ] {
            let p = pod(json!({
                "metadata": {"name": "j", "creationTimestamp": "2026-11-23T09:05:00Z"},
                "spec": {"containers": [{"name": "c", "image": "busybox"}]},
                "status": {"phase": if code == 0 { "Succeeded" } else { "Failed" },
                    "containerStatuses": [{"name": "c", "image": "busybox", "imageID": "", "ready": false, "restartCount": 0,
                        "state": {"terminated": {"exitCode": code, "reason": reason}}}]}
            }));
            assert_eq!(pod_row(&p, &ctx())[2], expect);
        }
        let p = pod(json!({
            "metadata": {"name": "j"},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]},
            "status": {"phase": "Failed",
                "containerStatuses": [{"name": "c", "image": "busybox", "imageID": "", "ready": false, "restartCount": 0,
                    "state": {"terminated": {"exitCode": 2}}}]}
        }));
        assert_eq!(pod_row(&p, &ctx())[2], "ExitCode:2");
        assert_eq!(pod_row(&p, &ctx())[4], "<unknown>");
    }

    #[test]
    fn image_pull_and_container_creating() {
        for reason in ["ErrImagePull", "ImagePullBackOff", "ContainerCreating"] {
            let p = pod(json!({
                "metadata": {"name": "p"},
                "spec": {"nodeName": "w2-k8s", "containers": [{"name": "c", "image": "nginx:nope"}]},
                "status": {"phase": "Pending",
                    "containerStatuses": [{"name": "c", "image": "nginx:nope", "imageID": "", "ready": false, "restartCount": 0,
                        "state": {"waiting": {"reason": reason}}}]}
            }));
            assert_eq!(pod_row(&p, &ctx())[2], reason);
        }
    }

    #[test]
    fn init_containers_and_terminating() {
        let p = pod(json!({
            "metadata": {"name": "p"},
            "spec": {"initContainers": [{"name": "a", "image": "busybox"}, {"name": "b", "image": "busybox"}],
                     "containers": [{"name": "c", "image": "nginx"}]},
            "status": {"phase": "Pending",
                "initContainerStatuses": [
                    {"name": "a", "image": "busybox", "imageID": "", "ready": true, "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                    {"name": "b", "image": "busybox", "imageID": "", "ready": false, "restartCount": 0, "state": {"running": {}}}]}
        }));
        assert_eq!(&pod_row(&p, &ctx())[1..3], ["0/1", "Init:1/2"]);

        let p = pod(json!({
            "metadata": {"name": "p", "deletionTimestamp": "2026-11-23T09:10:30Z"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            "status": {"phase": "Running",
                "containerStatuses": [{"name": "c", "image": "nginx", "imageID": "", "ready": true, "restartCount": 0, "state": {"running": {}}}]}
        }));
        assert_eq!(&pod_row(&p, &ctx())[1..3], ["1/1", "Terminating"]);
    }
}
