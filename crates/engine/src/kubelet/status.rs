//! The pod status the kubelet reports: phase, conditions, IPs and container statuses, as a
//! v1.37 kubelet writes them.

use super::images::Base;
use super::runtime::{ContainerRecord, Phase, PodRecord};
use crate::sim::SimTime;
use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStatus, ContainerUser, HostIP, LinuxContainerUser, Pod,
    PodCondition, PodIP, PodStatus, ResourceRequirements, VolumeMountStatus,
};

/// The pod phase from its containers, as kubelet's `getPhase` decides it.
///
/// Worked example: restartPolicy Always with one container in CrashLoopBackOff (waiting,
/// but it ran before) counts as stopped-and-restarting, so the pod is `Running`; with
/// restartPolicy Never and one container exited 3, it is `Failed`.
pub fn phase(rec: &PodRecord, restart_policy: &str) -> &'static str {
    let inits: Vec<&ContainerRecord> = rec.containers.iter().filter(|c| c.init).collect();
    if let Some(failed) = inits
        .iter()
        .find(|c| c.phase == Phase::Done && !c.succeeded())
    {
        let _ = failed;
        return "Failed";
    }
    if inits.iter().any(|c| !c.succeeded()) {
        return "Pending";
    }
    let (mut running, mut waiting, mut stopped, mut succeeded) = (0, 0, 0, 0);
    for c in rec.containers.iter().filter(|c| !c.init) {
        if c.state.running.is_some() {
            running += 1;
        } else if let Some(t) = &c.state.terminated {
            stopped += 1;
            if t.exit_code == 0 {
                succeeded += 1;
            }
        } else if c.last_state.is_some() {
            stopped += 1;
        } else {
            waiting += 1;
        }
    }
    if waiting > 0 {
        return "Pending";
    }
    if running > 0 {
        return "Running";
    }
    if stopped > 0 {
        if restart_policy == "Always" {
            return "Running";
        }
        if stopped == succeeded {
            return "Succeeded";
        }
        if restart_policy == "Never" {
            return "Failed";
        }
        // OnFailure: failed containers will be restarted.
        let all_done = rec
            .containers
            .iter()
            .filter(|c| !c.init)
            .all(|c| c.phase == Phase::Done);
        return if all_done { "Succeeded" } else { "Running" };
    }
    "Pending"
}

fn user(base: Base) -> ContainerUser {
    let groups = match base {
        Base::BusyBox => vec![0, 10],
        Base::Alpine => vec![0, 1, 2, 3, 4, 6, 10, 11, 20, 26, 27],
        _ => vec![0],
    };
    ContainerUser {
        linux: Some(LinuxContainerUser {
            gid: 0,
            uid: 0,
            supplemental_groups: Some(groups),
        }),
    }
}

fn container_status(c: &ContainerRecord, spec: &Container) -> ContainerStatus {
    let created = c.container_id.is_some();
    let image = match (&c.image, created) {
        (Some(i), true) => i.reference.full(),
        _ => spec.image.clone().unwrap_or_default(),
    };
    let resources = spec
        .resources
        .clone()
        .map(|r| ResourceRequirements { claims: None, ..r })
        .unwrap_or_default();
    let allocated = resources.requests.clone().filter(|r| !r.is_empty());
    let volume_mounts = spec.volume_mounts.as_ref().map(|vms| {
        vms.iter()
            .map(|vm| VolumeMountStatus {
                mount_path: vm.mount_path.clone(),
                name: vm.name.clone(),
                read_only: vm.read_only.filter(|r| *r),
                recursive_read_only: vm.read_only.filter(|r| *r).map(|_| "Disabled".to_string()),
                volume_status: None,
            })
            .collect()
    });
    ContainerStatus {
        allocated_resources: allocated,
        container_id: c.container_id.clone(),
        image,
        image_id: if created {
            c.image
                .as_ref()
                .map(|i| i.image_id.clone())
                .unwrap_or_default()
        } else {
            String::new()
        },
        last_state: Some(ContainerState {
            terminated: c.last_state.clone(),
            ..Default::default()
        }),
        name: c.name.clone(),
        ready: c.ready,
        resources: Some(resources),
        restart_count: c.restart_count,
        started: Some(c.started && c.state.running.is_some()),
        state: Some(c.state.clone()),
        user: if created {
            c.image.as_ref().map(|i| user(i.base))
        } else {
            None
        },
        volume_mounts,
        ..Default::default()
    }
}

fn condition(
    rec: &mut PodRecord,
    generation: Option<i64>,
    now: SimTime,
    type_: &str,
    ok: bool,
    reason: Option<&str>,
    message: Option<String>,
) -> PodCondition {
    let status = if ok { "True" } else { "False" };
    let entry = match rec.condition_times.get_mut(type_) {
        Some(e) => e,
        None => rec
            .condition_times
            .entry(type_.to_string())
            .or_insert_with(|| (status.to_string(), now)),
    };
    if entry.0 != status {
        *entry = (status.to_string(), now);
    }
    PodCondition {
        last_probe_time: None,
        last_transition_time: Some(entry.1.to_k8s_time()),
        message,
        observed_generation: generation,
        reason: reason.map(str::to_string),
        status: status.to_string(),
        type_: type_.to_string(),
    }
}

/// Builds the status to report for `pod` from the kubelet's record.
/// A pod being deleted whose containers have all stopped gets a terminal phase before it is
/// removed, whatever its restart policy (kubelet `getPhase` with `podIsTerminal`, v1.27+):
/// `Succeeded` when every container exited 0 (nginx on SIGQUIT), else `Failed`; `kubectl
/// get -w` shows `Completed` or `Error` instead of `Terminating` at the end. Static pods keep
/// their phase.
fn terminal_when_deleted(rec: &PodRecord, pod: &Pod, phase: &'static str) -> &'static str {
    let mirror = pod
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key("kubernetes.io/config.mirror"));
    if pod.metadata.deletion_timestamp.is_none()
        || mirror
        || matches!(phase, "Succeeded" | "Failed")
    {
        return phase;
    }
    let mut app = rec.containers.iter().filter(|c| !c.init).peekable();
    if app.peek().is_none() || !rec.containers.iter().all(|c| !c.is_running()) {
        return phase;
    }
    let mut all_zero = true;
    for c in app {
        match c.terminated() {
            Some(t) => all_zero &= t.exit_code == 0,
            None => return phase,
        }
    }
    if all_zero {
        "Succeeded"
    } else {
        "Failed"
    }
}

pub fn build(rec: &mut PodRecord, pod: &Pod, host_ip: &str, now: SimTime) -> PodStatus {
    let empty = k8s_openapi::api::core::v1::PodSpec::default();
    let spec = pod.spec.as_ref().unwrap_or(&empty);
    let restart_policy = spec.restart_policy.as_deref().unwrap_or("Always");
    let generation = pod.metadata.generation;
    // What other writers own is carried over; what the kubelet rebuilds below is not copied.
    // (Destructured in full so a new PodStatus field has to be placed on one side.)
    let old = pod.status.as_ref();
    let mut status = match old {
        None => PodStatus::default(),
        Some(PodStatus {
            allocated_resources,
            conditions: _,
            container_statuses: _,
            ephemeral_container_statuses,
            extended_resource_claim_status,
            host_ip: _,
            host_ips: _,
            init_container_statuses: _,
            message,
            node_allocatable_resource_claim_statuses,
            nominated_node_name,
            observed_generation: _,
            phase: _,
            pod_ip,
            pod_ips,
            qos_class,
            reason,
            resize,
            resource_claim_statuses,
            resources,
            start_time: _,
            volume_health,
        }) => PodStatus {
            allocated_resources: allocated_resources.clone(),
            ephemeral_container_statuses: ephemeral_container_statuses.clone(),
            extended_resource_claim_status: extended_resource_claim_status.clone(),
            message: message.clone(),
            node_allocatable_resource_claim_statuses: node_allocatable_resource_claim_statuses
                .clone(),
            nominated_node_name: nominated_node_name.clone(),
            pod_ip: pod_ip.clone(),
            pod_ips: pod_ips.clone(),
            qos_class: qos_class.clone(),
            reason: reason.clone(),
            resize: resize.clone(),
            resource_claim_statuses: resource_claim_statuses.clone(),
            resources: resources.clone(),
            volume_health: volume_health.clone(),
            ..Default::default()
        },
    };
    let old_conditions = old.and_then(|o| o.conditions.as_deref()).unwrap_or(&[]);
    let phase = terminal_when_deleted(rec, pod, phase(rec, restart_policy));
    let sandbox_ready = now >= rec.sandbox_ready_at && !rec.sandbox_gone;
    let terminal = phase == "Succeeded" || phase == "Failed";

    let unready: Vec<String> = rec
        .containers
        .iter()
        .filter(|c| !c.init && !c.ready)
        .map(|c| c.name.clone())
        .collect();
    let uninit: Vec<String> = rec
        .containers
        .iter()
        .filter(|c| c.init && !c.succeeded())
        .map(|c| c.name.clone())
        .collect();
    let mut conditions = Vec::new();
    conditions.push(condition(
        rec,
        generation,
        now,
        "PodReadyToStartContainers",
        sandbox_ready && !terminal,
        None,
        None,
    ));
    if phase == "Succeeded" {
        conditions.push(condition(
            rec,
            generation,
            now,
            "Initialized",
            true,
            Some("PodCompleted"),
            None,
        ));
        conditions.push(condition(
            rec,
            generation,
            now,
            "Ready",
            false,
            Some("PodCompleted"),
            None,
        ));
        conditions.push(condition(
            rec,
            generation,
            now,
            "ContainersReady",
            false,
            Some("PodCompleted"),
            None,
        ));
    } else {
        if uninit.is_empty() {
            conditions.push(condition(
                rec,
                generation,
                now,
                "Initialized",
                true,
                None,
                None,
            ));
        } else {
            let msg = format!("containers with incomplete status: [{}]", uninit.join(" "));
            conditions.push(condition(
                rec,
                generation,
                now,
                "Initialized",
                false,
                Some("ContainersNotInitialized"),
                Some(msg),
            ));
        }
        if unready.is_empty() {
            conditions.push(condition(rec, generation, now, "Ready", true, None, None));
            conditions.push(condition(
                rec,
                generation,
                now,
                "ContainersReady",
                true,
                None,
                None,
            ));
        } else {
            let msg = format!("containers with unready status: [{}]", unready.join(" "));
            conditions.push(condition(
                rec,
                generation,
                now,
                "Ready",
                false,
                Some("ContainersNotReady"),
                Some(msg.clone()),
            ));
            conditions.push(condition(
                rec,
                generation,
                now,
                "ContainersReady",
                false,
                Some("ContainersNotReady"),
                Some(msg),
            ));
        }
    }
    let scheduled = old_conditions
        .iter()
        .find(|c| c.type_ == "PodScheduled")
        .cloned();
    conditions.push(
        scheduled
            .map(|mut c| {
                c.observed_generation = c.observed_generation.or(generation);
                c
            })
            .unwrap_or_else(|| condition(rec, generation, now, "PodScheduled", true, None, None)),
    );
    // Conditions other writers own (DisruptionTarget, readiness gates) stay.
    for c in old_conditions {
        if !conditions.iter().any(|k| k.type_ == c.type_) {
            conditions.push(c.clone());
        }
    }
    status.conditions = Some(conditions);

    let find = |name: &str, init: bool| {
        rec.containers
            .iter()
            .find(|c| c.name == name && c.init == init)
    };
    let statuses: Vec<ContainerStatus> = spec
        .containers
        .iter()
        .filter_map(|sc| find(&sc.name, false).map(|c| container_status(c, sc)))
        .collect();
    status.container_statuses = Some(statuses);
    let inits: Vec<ContainerStatus> = spec
        .init_containers
        .iter()
        .flatten()
        .filter_map(|sc| find(&sc.name, true).map(|c| container_status(c, sc)))
        .collect();
    status.init_container_statuses = if inits.is_empty() { None } else { Some(inits) };

    status.host_ip = Some(host_ip.to_string());
    status.host_ips = Some(vec![HostIP {
        ip: host_ip.to_string(),
    }]);
    if now >= rec.sandbox_ready_at {
        if let Some(ip) = rec.ip {
            let ip = crate::network::ip_string(ip);
            status.pod_ips = Some(vec![PodIP { ip: ip.clone() }]);
            status.pod_ip = Some(ip);
        }
    }
    status.start_time = Some(rec.start_time.to_k8s_time());
    status.phase = Some(phase.to_string());
    status.observed_generation = generation;
    if status.resources.is_none() {
        status.resources = Some(ResourceRequirements::default());
    }
    status
}
