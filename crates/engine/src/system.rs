//! What kubeadm and the CNI install: node objects, control-plane static pods, CoreDNS,
//! kube-proxy and the CNI's per-node pods.

use crate::api::{Node, Pod};
use crate::apiserver::ApiServer;
use crate::preset::{Cni, NodeSpec, Preset, KUBERNETES_VERSION};
use crate::sim::Rng;
use serde_json::{json, Value};

/// The Node object a kubelet registers for `spec`. The machine's identity (`/etc/machine-id`,
/// the DMI product UUID, the kernel's boot ID) is drawn from the cluster's seeded streams.
pub fn node_object(preset: &Preset, spec: &NodeSpec, pod_cidr: &str, rng: &mut Rng) -> Node {
    // systemd writes /etc/machine-id as a v4 UUID without dashes; the kernel's DMI
    // product_uuid (lower case since SMBIOS 2.6) and random/boot_id are UUIDs.
    let machine_id = rng.uuid_in("machine-id").replace('-', "");
    let system_uuid = rng.uuid_in("system-uuid");
    let boot_id = rng.uuid_in("boot-id");
    let mut labels = json!({
        "beta.kubernetes.io/arch": spec.arch,
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": spec.arch,
        "kubernetes.io/hostname": spec.name,
        "kubernetes.io/os": "linux",
    });
    let mut taints = Value::Null;
    if spec.control_plane {
        labels["node-role.kubernetes.io/control-plane"] = json!("");
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = json!("");
        taints = json!([{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]);
    }
    // What the guest kernel reports: the VM's memory less what firmware and kernel keep.
    // Worked example: 3072 MiB → 3145728 Ki − 78643 − 1236 = 3065849Ki.
    let mem_ki = spec.memory_mib * 1024 - spec.memory_mib * 1024 / 40 - 1236;
    // kubeadm's default eviction threshold, memory.available<100Mi.
    let alloc_mem_ki = mem_ki - 100 * 1024;
    let mut annotations = json!({
        "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///var/run/containerd/containerd.sock",
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
    });
    if preset.cni == Cni::Calico {
        annotations["projectcalico.org/IPv4Address"] = json!(format!("{}/24", spec.ip));
    }
    let mut node = json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": spec.name, "labels": labels, "annotations": annotations},
        "spec": {"podCIDR": pod_cidr, "podCIDRs": [pod_cidr]},
        "status": {
            "addresses": [{"address": spec.ip, "type": "InternalIP"}, {"address": spec.name, "type": "Hostname"}],
            "allocatable": {
                "cpu": spec.cpus.to_string(), "ephemeral-storage": "59763732382", "hugepages-1Gi": "0",
                "hugepages-2Mi": "0", "memory": format!("{alloc_mem_ki}Ki"), "pods": "110"
            },
            "capacity": {
                "cpu": spec.cpus.to_string(), "ephemeral-storage": "64847840Ki", "hugepages-1Gi": "0",
                "hugepages-2Mi": "0", "memory": format!("{mem_ki}Ki"), "pods": "110"
            },
            "conditions": node_conditions(preset),
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": spec.arch, "bootID": boot_id, "containerRuntimeVersion": preset.container_runtime,
                "kernelVersion": preset.kernel_version, "kubeProxyVersion": "", "kubeletVersion": KUBERNETES_VERSION,
                "machineID": machine_id, "operatingSystem": "linux", "osImage": preset.os_image, "systemUUID": system_uuid
            }
        }
    });
    if !taints.is_null() {
        node["spec"]["taints"] = taints;
    }
    // One decoder for every typed object keeps a single copy of the Deserialize code in wasm.
    crate::api::decode::strict(node).unwrap_or_default()
}

struct SystemPod {
    name: String,
    node: Option<String>,
    labels: Value,
    image: &'static str,
    cpu: Option<&'static str>,
    memory: Option<&'static str>,
    memory_limit: Option<&'static str>,
    /// A second container (weave-net's weave-npc): name, image, cpu and memory requests.
    sidecar: Option<(&'static str, &'static str, &'static str, &'static str)>,
    host_network: bool,
    owner: Option<(&'static str, String)>,
    priority_class: &'static str,
    control_plane_toleration: bool,
    command: Vec<String>,
}

/// The pods of kube-system: static control-plane pods, CoreDNS, kube-proxy and the CNI.
pub fn system_pods(preset: &Preset, api: &mut ApiServer) -> Vec<Pod> {
    let cp = preset.control_plane().name.clone();
    let mut pods = Vec::new();
    let stat = |component: &str,
                image: &'static str,
                cpu: &'static str,
                memory: Option<&'static str>| SystemPod {
        name: format!("{component}-{cp}"),
        node: Some(cp.clone()),
        labels: json!({"component": component, "tier": "control-plane"}),
        image,
        cpu: Some(cpu),
        memory,
        host_network: true,
        owner: Some(("Node", cp.clone())),
        priority_class: "system-node-critical",
        control_plane_toleration: false,
        command: vec![component.to_string()],
        memory_limit: None,
        sidecar: None,
    };
    pods.push(stat(
        "etcd",
        "registry.k8s.io/etcd:3.6.5-0",
        "100m",
        Some("100Mi"),
    ));
    pods.push(stat(
        "kube-apiserver",
        "registry.k8s.io/kube-apiserver:v1.37.0",
        "250m",
        None,
    ));
    pods.push(stat(
        "kube-controller-manager",
        "registry.k8s.io/kube-controller-manager:v1.37.0",
        "200m",
        None,
    ));
    pods.push(stat(
        "kube-scheduler",
        "registry.k8s.io/kube-scheduler:v1.37.0",
        "100m",
        None,
    ));
    let rs_hash = api.rng().suffix("system-hash", 10);
    for _ in 0..2 {
        pods.push(SystemPod {
            name: format!("coredns-{rs_hash}-{}", api.rng().suffix("pod-name", 5)),
            node: None,
            labels: json!({"k8s-app": "kube-dns", "pod-template-hash": rs_hash}),
            image: "registry.k8s.io/coredns/coredns:v1.12.1",
            cpu: Some("100m"),
            memory: Some("70Mi"),
            memory_limit: Some("170Mi"),
            sidecar: None,
            host_network: false,
            owner: Some(("ReplicaSet", format!("coredns-{rs_hash}"))),
            priority_class: "system-cluster-critical",
            control_plane_toleration: true,
            command: vec![],
        });
    }
    let (cni_name, cni_image, cni_cpu, cni_memory, cni_sidecar) = match preset.cni {
        Cni::Calico => (
            "calico-node",
            "docker.io/calico/node:v3.30.3",
            "250m",
            None,
            None,
        ),
        Cni::WeaveNet => (
            "weave-net",
            "ghcr.io/weaveworks/launcher/weave-kube:2.8.1",
            "50m",
            Some("100Mi"),
            Some((
                "weave-npc",
                "ghcr.io/weaveworks/launcher/weave-npc:2.8.1",
                "50m",
                "100Mi",
            )),
        ),
    };
    let ds_hash = api.rng().suffix("system-hash", 10);
    for n in &preset.nodes {
        for (ds, image, cpu, memory, sidecar, labels) in [
            (
                "kube-proxy",
                "registry.k8s.io/kube-proxy:v1.37.0",
                None,
                None,
                None,
                json!({"k8s-app": "kube-proxy", "controller-revision-hash": ds_hash, "pod-template-generation": "1"}),
            ),
            (
                cni_name,
                cni_image,
                Some(cni_cpu),
                cni_memory,
                cni_sidecar,
                json!({"k8s-app": cni_name, "name": cni_name, "controller-revision-hash": ds_hash, "pod-template-generation": "1"}),
            ),
        ] {
            pods.push(SystemPod {
                name: format!("{ds}-{}", api.rng().suffix("pod-name", 5)),
                node: Some(n.name.clone()),
                labels,
                image,
                cpu,
                memory,
                memory_limit: None,
                sidecar,
                host_network: true,
                owner: Some(("DaemonSet", ds.to_string())),
                priority_class: "system-node-critical",
                control_plane_toleration: true,
                command: vec![],
            });
        }
    }
    if preset.cni == Cni::Calico {
        pods.push(SystemPod {
            name: format!(
                "calico-kube-controllers-{}-{}",
                api.rng().suffix("system-hash", 10),
                api.rng().suffix("pod-name", 5)
            ),
            node: None,
            labels: json!({"k8s-app": "calico-kube-controllers"}),
            image: "docker.io/calico/kube-controllers:v3.30.3",
            cpu: None,
            memory: None,
            memory_limit: None,
            sidecar: None,
            host_network: false,
            owner: Some(("ReplicaSet", "calico-kube-controllers".to_string())),
            priority_class: "system-cluster-critical",
            control_plane_toleration: true,
            command: vec![],
        });
    }
    pods.into_iter()
        .filter_map(|p| system_pod(p, api))
        .collect()
}

fn system_pod(p: SystemPod, api: &mut ApiServer) -> Option<Pod> {
    let mut container = json!({"name": p.name.split('-').take_while(|s| s.len() != 5 && s.len() != 10).collect::<Vec<_>>().join("-"), "image": p.image});
    if container["name"].as_str().unwrap_or("").is_empty() {
        container["name"] = json!("main");
    }
    if let Some(component) = p.labels.get("component").and_then(Value::as_str) {
        container["name"] = json!(component);
        container["command"] = json!(p.command);
    }
    if let Some(app) = p.labels.get("k8s-app").and_then(Value::as_str) {
        container["name"] = json!(match app {
            "kube-dns" => "coredns",
            other => other,
        });
    }
    let mut requests = serde_json::Map::new();
    if let Some(c) = p.cpu {
        requests.insert("cpu".into(), json!(c));
    }
    if let Some(m) = p.memory {
        requests.insert("memory".into(), json!(m));
    }
    if !requests.is_empty() {
        container["resources"] = json!({"requests": requests});
    }
    if let Some(limit) = p.memory_limit {
        container["resources"]["limits"] = json!({"memory": limit});
    }
    let mut containers = vec![container];
    if let Some((name, image, cpu, memory)) = p.sidecar {
        containers.push(json!({"name": name, "image": image, "resources": {"requests": {"cpu": cpu, "memory": memory}}}));
    }
    let mut spec = json!({
        "containers": containers,
        "priorityClassName": p.priority_class,
        "priority": if p.priority_class == "system-node-critical" { 2000001000 } else { 2000000000 },
    });
    if p.host_network {
        spec["hostNetwork"] = json!(true);
    }
    if let Some(n) = &p.node {
        spec["nodeName"] = json!(n);
    }
    if p.control_plane_toleration {
        spec["tolerations"] = json!([
            {"key": "CriticalAddonsOnly", "operator": "Exists"},
            {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"},
        ]);
    }
    let mut meta = json!({"name": p.name, "namespace": "kube-system", "labels": p.labels});
    if let Some((kind, name)) = &p.owner {
        let api_version = if *kind == "Node" { "v1" } else { "apps/v1" };
        meta["ownerReferences"] = json!([{"apiVersion": api_version, "kind": kind, "name": name, "uid": api.rng().uuid(), "controller": true, "blockOwnerDeletion": *kind != "Node"}]);
    }
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec});
    crate::api::decode::strict(pod).ok()
}

/// The conditions a healthy kubelet reports (and the CNI's NetworkUnavailable for Calico).
fn node_conditions(preset: &Preset) -> Value {
    let t = crate::sim::SimTime::ZERO.to_k8s_time();
    let t = serde_json::to_value(&t).unwrap_or(Value::Null);
    let cond = |type_: &str, status: &str, reason: &str, message: &str| {
        json!({"type": type_, "status": status, "reason": reason, "message": message,
               "lastHeartbeatTime": t, "lastTransitionTime": t})
    };
    let mut conditions = Vec::new();
    if preset.cni == Cni::Calico {
        conditions.push(cond(
            "NetworkUnavailable",
            "False",
            "CalicoIsUp",
            "Calico is running on this node",
        ));
    } else {
        conditions.push(cond(
            "NetworkUnavailable",
            "False",
            "WeaveIsUp",
            "Weave pod has set this",
        ));
    }
    conditions.push(cond(
        "MemoryPressure",
        "False",
        "KubeletHasSufficientMemory",
        "kubelet has sufficient memory available",
    ));
    conditions.push(cond(
        "DiskPressure",
        "False",
        "KubeletHasNoDiskPressure",
        "kubelet has no disk pressure",
    ));
    conditions.push(cond(
        "PIDPressure",
        "False",
        "KubeletHasSufficientPID",
        "kubelet has sufficient PID available",
    ));
    conditions.push(cond(
        "Ready",
        "True",
        "KubeletReady",
        "kubelet is posting ready status",
    ));
    Value::Array(conditions)
}

/// The events a node's start leaves (`kubectl describe node` shows them for the hour
/// kube-apiserver keeps events), in the order they are written: the kubelet's birth cry, the
/// pressure conditions its first status sets, its cgroup set-up, the node-controller noticing
/// the node, kube-proxy starting (an events.k8s.io event, hence no `source` and no count) and
/// the kubelet reporting Ready.
pub fn node_startup_events(api: &mut ApiServer, node: &str) {
    use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
    let now = api.now();
    // The kubelet and kube-proxy name their node by name only, with the name as UID.
    let by_name = ObjectReference {
        kind: Some("Node".into()),
        name: Some(node.into()),
        uid: Some(node.into()),
        ..Default::default()
    };
    let kubelet = |reason: &str, message: String| Event {
        involved_object: by_name.clone(),
        reason: Some(reason.into()),
        message: Some(message),
        source: Some(EventSource {
            component: Some("kubelet".into()),
            host: Some(node.into()),
        }),
        first_timestamp: Some(now.to_k8s_time()),
        last_timestamp: Some(now.to_k8s_time()),
        count: Some(1),
        type_: Some("Normal".into()),
        reporting_component: Some("kubelet".into()),
        reporting_instance: Some(node.into()),
        ..Default::default()
    };
    let status = |s: &str| format!("Node {node} status is now: {s}");
    api.emit_event(kubelet("Starting", "Starting kubelet.".into()));
    for s in [
        "NodeHasSufficientMemory",
        "NodeHasNoDiskPressure",
        "NodeHasSufficientPID",
    ] {
        api.emit_event(kubelet(s, status(s)));
    }
    api.emit_event(kubelet(
        "NodeAllocatableEnforced",
        "Updated Node Allocatable limit across pods".into(),
    ));
    let uid = api
        .get(&crate::api::ObjectKey::new(
            crate::api::Kind::Node,
            "",
            node,
        ))
        .ok()
        .and_then(|o| o.metadata().uid.clone());
    api.emit_event(Event {
        involved_object: ObjectReference {
            api_version: Some("v1".into()),
            kind: Some("Node".into()),
            name: Some(node.into()),
            uid,
            ..Default::default()
        },
        reason: Some("RegisteredNode".into()),
        message: Some(format!(
            "Node {node} event: Registered Node {node} in Controller"
        )),
        source: Some(EventSource {
            component: Some("node-controller".into()),
            host: None,
        }),
        first_timestamp: Some(now.to_k8s_time()),
        last_timestamp: Some(now.to_k8s_time()),
        count: Some(1),
        type_: Some("Normal".into()),
        reporting_component: Some("node-controller".into()),
        reporting_instance: Some(String::new()),
        ..Default::default()
    });
    let micro = k8s_openapi::jiff::Timestamp::from_millisecond(now.unix_ms() as i64)
        .unwrap_or(k8s_openapi::jiff::Timestamp::UNIX_EPOCH);
    api.emit_event(Event {
        involved_object: by_name.clone(),
        reason: Some("Starting".into()),
        // The note is empty; its `message` is left out like any empty string field.
        message: None,
        source: Some(EventSource::default()),
        event_time: Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime(
            micro,
        )),
        type_: Some("Normal".into()),
        action: Some("StartKubeProxy".into()),
        reporting_component: Some("kube-proxy".into()),
        reporting_instance: Some(format!("kube-proxy-{node}")),
        ..Default::default()
    });
    api.emit_event(kubelet("NodeReady", status("NodeReady")));
}
