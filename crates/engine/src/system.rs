//! What kubeadm and the CNI install: node objects, kube-system's and kube-public's
//! ConfigMaps and ServiceAccounts, the control plane's static pods, CoreDNS, kube-proxy and
//! the CNI's workloads.

pub mod addons;
pub mod config_maps;
pub mod static_pods;

use crate::api::{Node, Object, ObjectMeta, ServiceAccount};
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
    // What the cloud-controller-manager's node controller adds on the cloud presets.
    if let Some(vm) = &spec.instance {
        node["spec"]["providerID"] = json!(vm.provider_id);
        let labels = &mut node["metadata"]["labels"];
        for key in [
            "node.kubernetes.io/instance-type",
            "beta.kubernetes.io/instance-type",
        ] {
            labels[key] = json!(vm.instance_type);
        }
        for key in [
            "topology.kubernetes.io/region",
            "failure-domain.beta.kubernetes.io/region",
        ] {
            labels[key] = json!(vm.region);
        }
        for key in [
            "topology.kubernetes.io/zone",
            "failure-domain.beta.kubernetes.io/zone",
        ] {
            labels[key] = json!(vm.zone);
        }
    }
    // One decoder for every typed object keeps a single copy of the Deserialize code in wasm.
    crate::api::decode::strict(node).unwrap_or_default()
}

/// The ServiceAccounts of kube-system besides `default`: one per controller of
/// kube-controller-manager (kubeadm runs it with `--use-service-account-credentials`, so each
/// controller gets its own on first start), and the addons' and the CNI's.
const CONTROLLER_SERVICE_ACCOUNTS: &[&str] = &[
    "attachdetach-controller",
    "bootstrap-signer",
    "certificate-controller",
    "clusterrole-aggregation-controller",
    "cronjob-controller",
    "daemon-set-controller",
    "deployment-controller",
    "disruption-controller",
    "endpoint-controller",
    "endpointslice-controller",
    "endpointslicemirroring-controller",
    "ephemeral-volume-controller",
    "expand-controller",
    "generic-garbage-collector",
    "horizontal-pod-autoscaler",
    "job-controller",
    "legacy-service-account-token-cleaner",
    "namespace-controller",
    "node-controller",
    "persistent-volume-binder",
    "pod-garbage-collector",
    "pv-protection-controller",
    "pvc-protection-controller",
    "replicaset-controller",
    "replication-controller",
    "resourcequota-controller",
    "root-ca-cert-publisher",
    "service-account-controller",
    "service-cidrs-controller",
    "statefulset-controller",
    "token-cleaner",
    "ttl-after-finished-controller",
    "ttl-controller",
    "validatingadmissionpolicy-status-controller",
];

/// The kube-system ServiceAccounts of a preset, sorted by name.
pub fn service_accounts(preset: &Preset) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = CONTROLLER_SERVICE_ACCOUNTS.to_vec();
    names.extend(["coredns", "kube-proxy"]);
    match preset.cni {
        Cni::Calico => names.extend([
            "calico-cni-plugin",
            "calico-kube-controllers",
            "calico-node",
        ]),
        Cni::WeaveNet => names.push("weave-net"),
    }
    crate::sort::sort(&mut names);
    names
}

/// Sets up kube-system and kube-public as `kubeadm init`, its addons and the CNI manifest
/// leave them, once the nodes are registered: the ConfigMaps and ServiceAccounts first (pods
/// mount and run as them), then the control plane's mirror pods, then the kube-proxy and CNI
/// DaemonSets and the CoreDNS (and calico-kube-controllers) Deployments with their pods.
pub fn install(preset: &Preset, api: &mut ApiServer) {
    let since = serde_json::to_value(api.now().to_k8s_time())
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let token = config_maps::BootstrapToken::draw(api.rng());
    for (ns, cm) in config_maps::config_maps(preset, &since, &token) {
        let _ = api.create(cm, ns, false);
    }
    for name in service_accounts(preset) {
        let sa = ServiceAccount {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some("kube-system".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let _ = api.create(Object::from(sa), "kube-system", false);
    }
    static_pods::create(preset, api);
    addons::create_all(preset, api);
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
