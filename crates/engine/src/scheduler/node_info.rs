//! The scheduler's cache: one [`NodeInfo`] per node, kept up to date incrementally from watch
//! events (Kubernetes' `pkg/scheduler/backend/cache` and `framework.NodeInfo`).
//!
//! A `NodeInfo` holds what the plugins read: allocatable resources, the sum of the requests of
//! the pods bound to the node (plus the "non-zero" sum scoring uses), host ports in use, labels,
//! taints, `spec.unschedulable` and the images the node has. Pods enter and leave the sums one
//! at a time, so scheduling a pod never rescans the cluster.

use crate::api::quantity::parse_milli;
use crate::api::{Node, ObjectKey, Pod};
use k8s_openapi::api::core::v1::{Container, PodSpec, Taint};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use std::collections::BTreeMap;

/// CPU the scorers assume for a container that requests none: 100m
/// (`DefaultMilliCPURequest` in `pkg/scheduler/util`).
pub const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
/// Memory the scorers assume for a container that requests none: 200Mi
/// (`DefaultMemoryRequest`).
pub const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;

/// A set of compute resources, in the units the scheduler compares: millicores for cpu, bytes
/// for memory and ephemeral storage, a count for pods and for extended (scalar) resources.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resource {
    pub milli_cpu: i64,
    pub memory: i64,
    pub ephemeral_storage: i64,
    /// `pods` (only meaningful for allocatable).
    pub allowed_pod_number: i64,
    /// Extended resources (`nvidia.com/gpu`, `hugepages-2Mi`, ...), by name.
    pub scalar: BTreeMap<String, i64>,
}

/// A quantity in thousandths, saturated to `i64`.
fn milli_of(q: &Quantity) -> i64 {
    parse_milli(&q.0).map_or(0, |v| v.clamp(i64::MIN as i128, i64::MAX as i128) as i64)
}

/// A quantity's `Value()`: whole units, rounded up like `resource.Quantity.Value` does.
///
/// Worked example: `"1.5"` → 1500 milli → 2; `"128Mi"` → 134217728.
fn value_of(q: &Quantity) -> i64 {
    parse_milli(&q.0).map_or(0, |v| {
        let whole = v.div_euclid(1000) + i128::from(v.rem_euclid(1000) != 0);
        whole.clamp(i64::MIN as i128, i64::MAX as i128) as i64
    })
}

/// Extended resources the scheduler accounts for (`schedutil.IsScalarResourceName`):
/// domain-prefixed names outside `kubernetes.io/`, hugepages and attachable volumes.
pub fn is_scalar_resource_name(name: &str) -> bool {
    name.starts_with("hugepages-")
        || name.starts_with("attachable-volumes-")
        || (name.contains('/')
            && !name.starts_with("kubernetes.io/")
            && !name.starts_with("requests."))
}

impl Resource {
    /// Reads a `ResourceList` (requests, allocatable, overhead).
    pub fn from_list(list: Option<&BTreeMap<String, Quantity>>) -> Resource {
        let mut r = Resource::default();
        for (name, q) in list.into_iter().flatten() {
            match name.as_str() {
                "cpu" => r.milli_cpu += milli_of(q),
                "memory" => r.memory += value_of(q),
                "pods" => r.allowed_pod_number += value_of(q),
                "ephemeral-storage" => r.ephemeral_storage += value_of(q),
                other if is_scalar_resource_name(other) => {
                    *r.scalar.entry(other.to_string()).or_insert(0) += value_of(q)
                }
                _ => {}
            }
        }
        r
    }
    /// Adds `o` to `self`.
    pub fn add(&mut self, o: &Resource) {
        self.milli_cpu += o.milli_cpu;
        self.memory += o.memory;
        self.ephemeral_storage += o.ephemeral_storage;
        self.allowed_pod_number += o.allowed_pod_number;
        for (k, v) in &o.scalar {
            *self.scalar.entry(k.clone()).or_insert(0) += v;
        }
    }
    /// Subtracts `o` from `self` (a pod leaving a node).
    pub fn sub(&mut self, o: &Resource) {
        self.milli_cpu -= o.milli_cpu;
        self.memory -= o.memory;
        self.ephemeral_storage -= o.ephemeral_storage;
        self.allowed_pod_number -= o.allowed_pod_number;
        for (k, v) in &o.scalar {
            let e = self.scalar.entry(k.clone()).or_insert(0);
            *e -= v;
            if *e == 0 {
                self.scalar.remove(k);
            }
        }
    }
    /// Takes the per-resource maximum of `self` and `o`.
    pub fn set_max(&mut self, o: &Resource) {
        self.milli_cpu = self.milli_cpu.max(o.milli_cpu);
        self.memory = self.memory.max(o.memory);
        self.ephemeral_storage = self.ephemeral_storage.max(o.ephemeral_storage);
        for (k, v) in &o.scalar {
            let e = self.scalar.entry(k.clone()).or_insert(0);
            *e = (*e).max(*v);
        }
    }
    /// True when nothing is requested (a BestEffort pod's requests).
    pub fn is_zero(&self) -> bool {
        self.milli_cpu == 0
            && self.memory == 0
            && self.ephemeral_storage == 0
            && self.scalar.values().all(|v| *v == 0)
    }
}

/// What a pod asks of its node, computed once per pod version.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodResources {
    /// The effective requests (`resourcehelper.PodRequests`).
    pub requests: Resource,
    /// cpu with 100m assumed for each container that requests none (scoring only).
    pub non_zero_milli_cpu: i64,
    /// memory with 200Mi assumed for each container that requests none (scoring only).
    pub non_zero_memory: i64,
}

/// The requests of one container, optionally with the scoring defaults filled in.
fn container_requests(c: &Container, non_zero: bool) -> Resource {
    let list = c.resources.as_ref().and_then(|r| r.requests.as_ref());
    let mut r = Resource::from_list(list);
    if non_zero {
        let has = |k: &str| list.is_some_and(|l| l.contains_key(k));
        if !has("cpu") {
            r.milli_cpu = DEFAULT_MILLI_CPU_REQUEST;
        }
        if !has("memory") {
            r.memory = DEFAULT_MEMORY_REQUEST;
        }
    }
    r
}

/// The pod's effective requests, as `resourcehelper.PodRequests` computes them: the sum of the
/// app containers (and sidecars, i.e. init containers with `restartPolicy: Always`), or the
/// largest init container plus the sidecars started before it if that is more, plus the
/// pod's `overhead`; pod-level `spec.resources.requests` replace cpu/memory when set.
///
/// Worked example: containers 100m + 200m, init container 500m → max(300m, 500m) = 500m;
/// with `overhead: {cpu: 50m}` → 550m.
fn pod_requests(spec: &PodSpec, non_zero: bool) -> Resource {
    let mut reqs = Resource::default();
    for c in &spec.containers {
        reqs.add(&container_requests(c, non_zero));
    }
    let mut sidecars = Resource::default();
    let mut init_max = Resource::default();
    for c in spec.init_containers.iter().flatten() {
        let mut cr = container_requests(c, non_zero);
        if c.restart_policy.as_deref() == Some("Always") {
            reqs.add(&cr);
            sidecars.add(&cr);
            cr = sidecars.clone();
        } else {
            cr.add(&sidecars);
        }
        init_max.set_max(&cr);
    }
    reqs.set_max(&init_max);
    if let Some(pod_level) = spec.resources.as_ref().and_then(|r| r.requests.as_ref()) {
        let pl = Resource::from_list(Some(pod_level));
        if pod_level.contains_key("cpu") {
            reqs.milli_cpu = pl.milli_cpu;
        }
        if pod_level.contains_key("memory") {
            reqs.memory = pl.memory;
        }
    }
    if let Some(overhead) = &spec.overhead {
        reqs.add(&Resource::from_list(Some(overhead)));
    }
    reqs
}

impl PodResources {
    /// Computes the requests of a pod spec.
    pub fn of(spec: &PodSpec) -> PodResources {
        let requests = pod_requests(spec, false);
        let nz = pod_requests(spec, true);
        PodResources {
            requests,
            non_zero_milli_cpu: nz.milli_cpu,
            non_zero_memory: nz.memory,
        }
    }
}

/// One host port a pod binds: `hostIP` (empty means all addresses), protocol, port.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct HostPort {
    pub ip: String,
    pub protocol: String,
    pub port: i32,
}

/// The address Kubernetes binds when `hostIP` is empty.
pub const DEFAULT_BIND_ALL_HOST_IP: &str = "0.0.0.0";

impl HostPort {
    fn new(ip: Option<&str>, protocol: Option<&str>, port: i32) -> HostPort {
        let ip = ip
            .filter(|s| !s.is_empty())
            .unwrap_or(DEFAULT_BIND_ALL_HOST_IP)
            .to_string();
        let protocol = protocol
            .filter(|s| !s.is_empty())
            .unwrap_or("TCP")
            .to_string();
        HostPort { ip, protocol, port }
    }
}

/// The host ports of a pod (`schedutil.GetHostPorts`): app containers and sidecars. With
/// `hostNetwork`, a container port is a host port (the API defaults `hostPort` to it).
pub fn host_ports(spec: &PodSpec) -> Vec<HostPort> {
    let host_network = spec.host_network.unwrap_or(false);
    let sidecars = spec
        .init_containers
        .iter()
        .flatten()
        .filter(|c| c.restart_policy.as_deref() == Some("Always"));
    let mut out = Vec::new();
    for c in spec.containers.iter().chain(sidecars) {
        for p in c.ports.iter().flatten() {
            let hp = p.host_port.filter(|hp| *hp > 0).or(if host_network {
                Some(p.container_port)
            } else {
                None
            });
            if let Some(port) = hp.filter(|hp| *hp > 0) {
                out.push(HostPort::new(
                    p.host_ip.as_deref(),
                    p.protocol.as_deref(),
                    port,
                ));
            }
        }
    }
    out
}

/// A pod bound to a node, as the cache accounts for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssignedPod {
    pub resources: PodResources,
    pub host_ports: Vec<HostPort>,
    /// `spec.priority` (preemption considers lower-priority pods as victims).
    pub priority: i32,
}

impl AssignedPod {
    /// The accounting record of a pod.
    pub fn of(pod: &Pod) -> AssignedPod {
        match &pod.spec {
            Some(spec) => AssignedPod {
                resources: PodResources::of(spec),
                host_ports: host_ports(spec),
                priority: spec.priority.unwrap_or(0),
            },
            None => AssignedPod {
                resources: PodResources::default(),
                host_ports: Vec::new(),
                priority: 0,
            },
        }
    }
}

/// Aggregated information about one node: the node object's scheduling-relevant fields and
/// the sums over the pods bound to it.
#[derive(Clone, Debug, Default)]
pub struct NodeInfo {
    pub name: String,
    /// False while pods reference a node the cache has not seen (or that was deleted).
    pub has_node: bool,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    /// `spec.unschedulable` (`kubectl cordon`).
    pub unschedulable: bool,
    /// `status.allocatable`.
    pub allocatable: Resource,
    /// Normalized image name → size in bytes, from `status.images`.
    pub images: BTreeMap<String, i64>,
    /// Sum of the requests of the bound pods.
    pub requested: Resource,
    /// Sum of the requests with the 100m / 200Mi defaults (LeastAllocated scoring).
    pub non_zero_milli_cpu: i64,
    pub non_zero_memory: i64,
    /// Bound pods, by key.
    pub pods: BTreeMap<ObjectKey, AssignedPod>,
    /// Host ports in use, with the number of pods using each.
    pub used_ports: BTreeMap<HostPort, u32>,
}

/// Which scheduling-relevant parts of a node changed (for requeueing unschedulable pods).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeChange {
    pub added: bool,
    pub labels: bool,
    pub taints: bool,
    pub unschedulable: bool,
    pub allocatable: bool,
    pub images: bool,
}

impl NodeChange {
    /// True when anything relevant changed.
    pub fn any(&self) -> bool {
        self.added
            || self.labels
            || self.taints
            || self.unschedulable
            || self.allocatable
            || self.images
    }
}

/// `ImageLocality`'s normalization: an image without a tag means `:latest`.
pub fn normalized_image_name(name: &str) -> String {
    let last_colon = name.rfind(':');
    let last_slash = name.rfind('/');
    if name.contains('@') || last_colon.is_some_and(|c| last_slash.is_none_or(|s| c > s)) {
        name.to_string()
    } else {
        format!("{name}:latest")
    }
}

impl NodeInfo {
    /// An empty NodeInfo for a node that exists, built by hand (tests) or from an object.
    pub fn new(name: &str) -> NodeInfo {
        NodeInfo {
            name: name.to_string(),
            has_node: true,
            ..Default::default()
        }
    }

    /// Takes the node object's fields; returns what changed.
    pub fn set_node(&mut self, node: &Node) -> NodeChange {
        let labels = node.metadata.labels.clone().unwrap_or_default();
        let spec = node.spec.as_ref();
        let taints = spec.and_then(|s| s.taints.clone()).unwrap_or_default();
        let unschedulable = spec.and_then(|s| s.unschedulable).unwrap_or(false);
        let status = node.status.as_ref();
        let allocatable = Resource::from_list(status.and_then(|s| s.allocatable.as_ref()));
        let mut images = BTreeMap::new();
        for img in status.and_then(|s| s.images.as_ref()).into_iter().flatten() {
            for n in img.names.iter().flatten() {
                images.insert(normalized_image_name(n), img.size_bytes.unwrap_or(0));
            }
        }
        let change = NodeChange {
            added: !self.has_node,
            labels: labels != self.labels,
            taints: taints != self.taints,
            unschedulable: unschedulable != self.unschedulable,
            allocatable: allocatable != self.allocatable,
            images: images != self.images,
        };
        self.has_node = true;
        self.labels = labels;
        self.taints = taints;
        self.unschedulable = unschedulable;
        self.allocatable = allocatable;
        self.images = images;
        change
    }

    /// Accounts for a pod bound to this node (replacing an earlier record of it).
    pub fn add_pod(&mut self, key: ObjectKey, pod: AssignedPod) {
        self.remove_pod(&key);
        self.requested.add(&pod.resources.requests);
        self.non_zero_milli_cpu += pod.resources.non_zero_milli_cpu;
        self.non_zero_memory += pod.resources.non_zero_memory;
        for hp in &pod.host_ports {
            *self.used_ports.entry(hp.clone()).or_insert(0) += 1;
        }
        self.pods.insert(key, pod);
    }

    /// Releases a pod's resources; returns its record if it was here.
    pub fn remove_pod(&mut self, key: &ObjectKey) -> Option<AssignedPod> {
        let pod = self.pods.remove(key)?;
        self.requested.sub(&pod.resources.requests);
        self.non_zero_milli_cpu -= pod.resources.non_zero_milli_cpu;
        self.non_zero_memory -= pod.resources.non_zero_memory;
        for hp in &pod.host_ports {
            if let Some(n) = self.used_ports.get_mut(hp) {
                *n -= 1;
                if *n == 0 {
                    self.used_ports.remove(hp);
                }
            }
        }
        Some(pod)
    }

    /// Whether binding `port` would clash with a port in use (`HostPortInfo.CheckConflict`):
    /// `0.0.0.0` clashes with the same protocol/port on any address, and a specific address
    /// clashes with itself and with `0.0.0.0`.
    pub fn port_conflicts(&self, port: &HostPort) -> bool {
        if port.ip == DEFAULT_BIND_ALL_HOST_IP {
            self.used_ports
                .keys()
                .any(|u| u.protocol == port.protocol && u.port == port.port)
        } else {
            self.used_ports.keys().any(|u| {
                u.protocol == port.protocol
                    && u.port == port.port
                    && (u.ip == port.ip || u.ip == DEFAULT_BIND_ALL_HOST_IP)
            })
        }
    }
}

/// All NodeInfos, plus where each bound pod is accounted and how many nodes have each image.
#[derive(Clone, Debug, Default)]
pub struct Cache {
    nodes: BTreeMap<String, NodeInfo>,
    pod_nodes: BTreeMap<ObjectKey, String>,
    /// Normalized image → number of nodes that have it (ImageLocality's spread factor).
    image_nodes: BTreeMap<String, usize>,
}

impl Cache {
    /// The NodeInfos of existing nodes, in name order.
    pub fn nodes(&self) -> impl Iterator<Item = &NodeInfo> {
        self.nodes.values().filter(|n| n.has_node)
    }
    /// Number of existing nodes.
    pub fn num_nodes(&self) -> usize {
        self.nodes().count()
    }
    /// One NodeInfo.
    pub fn node(&self, name: &str) -> Option<&NodeInfo> {
        self.nodes.get(name)
    }
    /// How many nodes have an image.
    pub fn image_nodes(&self) -> &BTreeMap<String, usize> {
        &self.image_nodes
    }
    /// The node a pod is accounted on.
    pub fn pod_node(&self, key: &ObjectKey) -> Option<&str> {
        self.pod_nodes.get(key).map(String::as_str)
    }

    fn count_images(&mut self, images: &BTreeMap<String, i64>, add: bool) {
        for name in images.keys() {
            let n = self.image_nodes.entry(name.clone()).or_insert(0);
            if add {
                *n += 1;
            } else {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.image_nodes.remove(name);
                }
            }
        }
    }

    /// A node was added or changed.
    pub fn set_node(&mut self, node: &Node) -> NodeChange {
        let name = node.metadata.name.clone().unwrap_or_default();
        let old_images = self
            .nodes
            .get(&name)
            .filter(|n| n.has_node)
            .map(|n| n.images.clone())
            .unwrap_or_default();
        let info = self.nodes.entry(name.clone()).or_insert_with(|| NodeInfo {
            name: name.clone(),
            ..Default::default()
        });
        let change = info.set_node(node);
        if change.images || change.added {
            let new_images = info.images.clone();
            self.count_images(&old_images, false);
            self.count_images(&new_images, true);
        }
        change
    }

    /// A node was deleted; its pods stay accounted until they go.
    pub fn remove_node(&mut self, name: &str) {
        let Some(info) = self.nodes.get_mut(name) else {
            return;
        };
        let images = std::mem::take(&mut info.images);
        info.has_node = false;
        info.labels.clear();
        info.taints.clear();
        info.allocatable = Resource::default();
        let empty = info.pods.is_empty();
        self.count_images(&images, false);
        if empty {
            self.nodes.remove(name);
        }
    }

    /// Accounts a pod on `node` (a bound pod seen in a watch event, or one just assumed).
    /// Returns true if resources were released on some node (the pod moved or shrank).
    pub fn set_pod(&mut self, key: ObjectKey, node: &str, pod: AssignedPod) -> bool {
        let mut released = false;
        if let Some(old_node) = self.pod_nodes.get(&key).cloned() {
            if old_node != node {
                released = self.remove_pod(&key);
            } else if let Some(old) = self.nodes.get(node).and_then(|n| n.pods.get(&key)) {
                if *old == pod {
                    return false;
                }
                released = true;
            }
        }
        let info = self
            .nodes
            .entry(node.to_string())
            .or_insert_with(|| NodeInfo {
                name: node.to_string(),
                ..Default::default()
            });
        info.add_pod(key.clone(), pod);
        self.pod_nodes.insert(key, node.to_string());
        released
    }

    /// Releases a pod; true if it was accounted.
    pub fn remove_pod(&mut self, key: &ObjectKey) -> bool {
        let Some(node) = self.pod_nodes.remove(key) else {
            return false;
        };
        let mut drop_node = false;
        if let Some(info) = self.nodes.get_mut(&node) {
            info.remove_pod(key);
            drop_node = !info.has_node && info.pods.is_empty();
        }
        if drop_node {
            self.nodes.remove(&node);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(v: serde_json::Value) -> PodSpec {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn requests_take_the_larger_of_containers_and_init_containers_plus_overhead() {
        let s = spec(json!({
            "containers": [
                {"name": "a", "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}},
                {"name": "b", "resources": {"requests": {"cpu": "200m"}}}
            ],
            "initContainers": [{"name": "i", "resources": {"requests": {"cpu": "500m", "memory": "32Mi"}}}],
            "overhead": {"cpu": "50m"}
        }));
        let r = PodResources::of(&s);
        assert_eq!(r.requests.milli_cpu, 550);
        assert_eq!(r.requests.memory, 64 * 1024 * 1024);
        // Non-zero: b gets 200Mi memory assumed; a has 64Mi → 264Mi; the init container's 32Mi is less.
        assert_eq!(r.non_zero_memory, 264 * 1024 * 1024);
        assert_eq!(r.non_zero_milli_cpu, 550);
    }

    #[test]
    fn best_effort_pods_count_defaults_only_for_scoring() {
        let r = PodResources::of(&spec(json!({"containers": [{"name": "a"}, {"name": "b"}]})));
        assert!(r.requests.is_zero());
        assert_eq!(r.non_zero_milli_cpu, 200);
        assert_eq!(r.non_zero_memory, 400 * 1024 * 1024);
    }

    #[test]
    fn sidecars_add_to_the_sum() {
        let s = spec(json!({
            "containers": [{"name": "a", "resources": {"requests": {"cpu": "100m"}}}],
            "initContainers": [
                {"name": "side", "restartPolicy": "Always", "resources": {"requests": {"cpu": "50m"}}},
                {"name": "i", "resources": {"requests": {"cpu": "120m"}}}
            ]
        }));
        // sum = 100 + 50 = 150; init i runs beside the sidecar: 120 + 50 = 170 → 170.
        assert_eq!(PodResources::of(&s).requests.milli_cpu, 170);
    }

    #[test]
    fn ports_and_release() {
        let mut n = NodeInfo::new("w1");
        let s = spec(
            json!({"containers": [{"name": "a", "ports": [{"containerPort": 80, "hostPort": 8080}]}]}),
        );
        let pod = AssignedPod {
            resources: PodResources::of(&s),
            host_ports: host_ports(&s),
            priority: 0,
        };
        let key = ObjectKey::new(crate::api::Kind::Pod, "default", "a");
        n.add_pod(key.clone(), pod);
        assert!(n.port_conflicts(&HostPort::new(Some("10.0.0.1"), None, 8080)));
        assert!(!n.port_conflicts(&HostPort::new(None, Some("UDP"), 8080)));
        assert_eq!(n.non_zero_milli_cpu, 100);
        n.remove_pod(&key);
        assert!(n.used_ports.is_empty());
        assert_eq!(n.non_zero_milli_cpu, 0);
        assert!(n.requested.is_zero());
    }

    #[test]
    fn image_names_get_latest() {
        assert_eq!(normalized_image_name("nginx"), "nginx:latest");
        assert_eq!(
            normalized_image_name("localhost:5000/app"),
            "localhost:5000/app:latest"
        );
        assert_eq!(normalized_image_name("nginx:1.27"), "nginx:1.27");
    }
}
