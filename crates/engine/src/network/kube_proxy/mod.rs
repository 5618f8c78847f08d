//! kube-proxy: the Service virtual IPs of every node, computed from Services and
//! EndpointSlices the way kube-proxy's `ServicePortMap` and `EndpointsMap` are, and the backend
//! choice each proxy mode makes for a new connection.
//!
//! - **iptables** (kubeadm's default, and every preset's): `KUBE-SVC-…` jumps to the first
//!   endpoint with probability 1/n, the second with 1/(n-1) of the rest, …, the last always,
//!   which is uniform; with `sessionAffinity: ClientIP` an `-m recent` list per endpoint chain
//!   sends a client back to the endpoint it used within `timeoutSeconds`.
//! - **ipvs**: one virtual server per ClusterIP/NodePort/external address with the `rr`
//!   scheduler (the next destination each time), `persistent TIMEOUT` for ClientIP affinity.
//! - **nftables**: `numgen random mod n` over the endpoints.
//!
//! The userspace mode was removed in Kubernetes 1.26: kube-proxy v1.37 rejects
//! `mode: userspace` and keeps no such proxier (see [`parse_mode`]).
//!
//! Each node's mode is read from the `kube-proxy` ConfigMap (`config.conf`, `mode:`) when that
//! node's kube-proxy pod starts, as the real one reads its config file once at start-up: edit
//! the ConfigMap, then delete (or roll) the kube-proxy pods to switch a node to IPVS.

pub mod chain_name;
pub mod iptables;
pub mod ipvs;

use crate::api::{ConfigMap, EndpointSlice, Kind, ObjectKey, Pod, Service};
use crate::preset::ProxyMode;
use crate::sim::Rng;
use crate::store::{Store, WatchEvent, WatchEventType};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

/// The proxy modes kube-proxy v1.37 has on Linux.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mode {
    Iptables,
    Ipvs,
    Nftables,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Iptables => "iptables",
            Mode::Ipvs => "ipvs",
            Mode::Nftables => "nftables",
        }
    }
    /// A preset's mode. Presets name `Userspace` only as a historical option; v1.37 has no
    /// userspace proxier, so such a preset runs the default, iptables.
    pub fn from_preset(m: ProxyMode) -> Mode {
        match m {
            ProxyMode::Iptables | ProxyMode::Userspace => Mode::Iptables,
            ProxyMode::Ipvs => Mode::Ipvs,
        }
    }
}

/// The `mode:` of a KubeProxyConfiguration (`config.conf` of the `kube-proxy` ConfigMap):
/// `Ok(None)` when unset or empty (the platform default, iptables), `Err` with kube-proxy's
/// validation message for a mode v1.37 does not have (`userspace`, typos).
pub fn parse_mode(config: &str) -> Result<Option<Mode>, String> {
    for line in config.lines() {
        let Some(rest) = line.strip_prefix("mode:") else {
            continue;
        };
        let v = rest.trim().trim_matches(|c| c == '"' || c == '\'');
        return match v {
            "" => Ok(None),
            "iptables" => Ok(Some(Mode::Iptables)),
            "ipvs" => Ok(Some(Mode::Ipvs)),
            "nftables" => Ok(Some(Mode::Nftables)),
            other => Err(format!(
                "KubeProxyConfiguration.Mode: Unsupported value: \"{other}\": supported values: \"iptables\", \"ipvs\", \"nftables\""
            )),
        };
    }
    Ok(None)
}

/// One endpoint of a service port: a ready (or, when none is ready, serving and terminating)
/// address from an EndpointSlice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub ip: Ipv4Addr,
    pub port: u16,
    pub node: Option<String>,
    /// The pod behind the address (`targetRef`).
    pub pod: Option<ObjectKey>,
}

impl Endpoint {
    /// `IP:PORT`, as rules and `describe` print it.
    pub fn addr(&self) -> String {
        format!("{}:{}", self.ip, self.port)
    }
}

/// One port of one Service, with its endpoints: kube-proxy's `servicePortInfo`.
#[derive(Clone, Debug)]
pub struct ServicePort {
    pub namespace: String,
    pub service: String,
    /// `spec.ports[].name` (empty for an unnamed single port).
    pub port_name: String,
    /// `NAMESPACE/NAME` or `NAMESPACE/NAME:PORTNAME`, as the rules' comments show it.
    pub name: String,
    /// `TCP`, `UDP` or `SCTP`.
    pub protocol: String,
    pub cluster_ip: Ipv4Addr,
    pub port: u16,
    pub node_port: Option<u16>,
    pub external_ips: Vec<Ipv4Addr>,
    pub load_balancer_ips: Vec<Ipv4Addr>,
    /// `timeoutSeconds` when `sessionAffinity: ClientIP`.
    pub affinity_seconds: Option<u32>,
    /// `externalTrafficPolicy: Local`.
    pub external_local: bool,
    /// `internalTrafficPolicy: Local`.
    pub internal_local: bool,
    /// Usable endpoints, ordered by `IP:PORT` as kube-proxy orders them.
    pub endpoints: Vec<Endpoint>,
}

impl ServicePort {
    /// The lower-case protocol hashed into chain names and used in `-m tcp -p tcp`.
    pub fn proto(&self) -> String {
        self.protocol.to_ascii_lowercase()
    }
    pub fn svc_chain(&self) -> String {
        chain_name::service_chain(&self.name, &self.proto())
    }
    pub fn ext_chain(&self) -> String {
        chain_name::external_chain(&self.name, &self.proto())
    }
    pub fn sep_chain(&self, ep: &Endpoint) -> String {
        chain_name::endpoint_chain(&self.name, &self.proto(), &ep.addr())
    }
    /// True when NodePorts, externalIPs or load-balancer IPs reach this port from outside.
    pub fn externally_accessible(&self) -> bool {
        self.node_port.is_some()
            || !self.external_ips.is_empty()
            || !self.load_balancer_ips.is_empty()
    }
}

/// Where a connection entered a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    ClusterIp,
    NodePort,
    ExternalIp,
    LoadBalancer,
}

/// Every proxied service port, indexed by the addresses that reach it.
#[derive(Clone, Debug, Default)]
pub struct ServiceMap {
    pub ports: Vec<ServicePort>,
    by_vip: BTreeMap<(u32, u16, String), (usize, Entry)>,
    by_node_port: BTreeMap<(u16, String), usize>,
    cluster_ips: BTreeMap<u32, usize>,
}

impl ServiceMap {
    /// Builds the map from Services and EndpointSlices (any order). Headless and ExternalName
    /// Services and Services without an allocated ClusterIP are not proxied, as in kube-proxy.
    pub fn build<'a>(
        services: impl Iterator<Item = &'a Service>,
        slices: impl Iterator<Item = &'a EndpointSlice>,
    ) -> ServiceMap {
        // (namespace, service) → slices
        let mut by_service: BTreeMap<(String, String), Vec<&EndpointSlice>> = BTreeMap::new();
        for s in slices {
            if s.address_type != "IPv4" {
                continue;
            }
            let labels = s.metadata.labels.as_ref();
            let Some(svc) = labels.and_then(|l| l.get("kubernetes.io/service-name")) else {
                continue;
            };
            let ns = s.metadata.namespace.clone().unwrap_or_default();
            by_service.entry((ns, svc.clone())).or_default().push(s);
        }
        let mut ports = Vec::new();
        for svc in services {
            let Some(spec) = &svc.spec else { continue };
            if spec.type_.as_deref() == Some("ExternalName") {
                continue;
            }
            let proxy_name = svc
                .metadata
                .labels
                .as_ref()
                .is_some_and(|l| l.contains_key("service.kubernetes.io/service-proxy-name"));
            if proxy_name {
                continue;
            }
            let Some(cluster_ip) = spec
                .cluster_ip
                .as_deref()
                .and_then(|ip| ip.parse::<Ipv4Addr>().ok())
            else {
                continue;
            };
            let ns = svc.metadata.namespace.clone().unwrap_or_default();
            let name = svc.metadata.name.clone().unwrap_or_default();
            let slices = by_service
                .get(&(ns.clone(), name.clone()))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let affinity_seconds =
                (spec.session_affinity.as_deref() == Some("ClientIP")).then(|| {
                    spec.session_affinity_config
                        .as_ref()
                        .and_then(|c| c.client_ip.as_ref())
                        .and_then(|c| c.timeout_seconds)
                        .map(|s| s.max(0) as u32)
                        .unwrap_or(10_800)
                });
            let ips = |v: &Option<Vec<String>>| -> Vec<Ipv4Addr> {
                v.iter().flatten().filter_map(|s| s.parse().ok()).collect()
            };
            let load_balancer_ips: Vec<Ipv4Addr> = svc
                .status
                .as_ref()
                .and_then(|s| s.load_balancer.as_ref())
                .and_then(|lb| lb.ingress.as_ref())
                .into_iter()
                .flatten()
                .filter(|i| i.ip_mode.as_deref() != Some("Proxy"))
                .filter_map(|i| i.ip.as_deref().and_then(|ip| ip.parse().ok()))
                .collect();
            let lb = spec.type_.as_deref() == Some("LoadBalancer");
            for sp in spec.ports.iter().flatten() {
                let port_name = sp.name.clone().unwrap_or_default();
                let protocol = sp.protocol.clone().unwrap_or_else(|| "TCP".into());
                let full = if port_name.is_empty() {
                    format!("{ns}/{name}")
                } else {
                    format!("{ns}/{name}:{port_name}")
                };
                let node_port = sp
                    .node_port
                    .filter(|p| {
                        *p > 0
                            && matches!(
                                spec.type_.as_deref(),
                                Some("NodePort") | Some("LoadBalancer")
                            )
                    })
                    .map(|p| p as u16);
                ports.push(ServicePort {
                    namespace: ns.clone(),
                    service: name.clone(),
                    endpoints: endpoints_for(slices, &port_name, &protocol),
                    port_name,
                    name: full,
                    protocol,
                    cluster_ip,
                    port: sp.port as u16,
                    node_port,
                    external_ips: ips(&spec.external_ips),
                    load_balancer_ips: if lb {
                        load_balancer_ips.clone()
                    } else {
                        Vec::new()
                    },
                    affinity_seconds,
                    external_local: spec.external_traffic_policy.as_deref() == Some("Local")
                        && (node_port.is_some() || lb),
                    internal_local: spec.internal_traffic_policy.as_deref() == Some("Local"),
                });
            }
        }
        crate::sort::sort_by(&mut ports, |a, b| {
            (&a.name, &a.protocol).cmp(&(&b.name, &b.protocol))
        });
        let mut map = ServiceMap {
            ports,
            ..Default::default()
        };
        for (i, p) in map.ports.iter().enumerate() {
            let proto = p.protocol.clone();
            map.cluster_ips.entry(u32::from(p.cluster_ip)).or_insert(i);
            map.by_vip
                .entry((u32::from(p.cluster_ip), p.port, proto.clone()))
                .or_insert((i, Entry::ClusterIp));
            for ip in &p.external_ips {
                map.by_vip
                    .entry((u32::from(*ip), p.port, proto.clone()))
                    .or_insert((i, Entry::ExternalIp));
            }
            for ip in &p.load_balancer_ips {
                map.by_vip
                    .entry((u32::from(*ip), p.port, proto.clone()))
                    .or_insert((i, Entry::LoadBalancer));
            }
            if let Some(np) = p.node_port {
                map.by_node_port.entry((np, proto)).or_insert(i);
            }
        }
        map
    }

    /// Builds the map from the store's Services and EndpointSlices.
    pub fn from_store(store: &Store) -> ServiceMap {
        ServiceMap::build(
            store
                .list(Kind::Service, None)
                .filter_map(|o| o.as_::<Service>()),
            store
                .list(Kind::EndpointSlice, None)
                .filter_map(|o| o.as_::<EndpointSlice>()),
        )
    }

    /// The service port a ClusterIP, external IP or load-balancer IP and port lead to.
    pub fn by_vip(&self, ip: Ipv4Addr, port: u16, protocol: &str) -> Option<(usize, Entry)> {
        self.by_vip
            .get(&(u32::from(ip), port, protocol.to_string()))
            .copied()
    }

    /// The service port a NodePort leads to.
    pub fn by_node_port(&self, port: u16, protocol: &str) -> Option<usize> {
        self.by_node_port
            .get(&(port, protocol.to_string()))
            .copied()
    }

    /// True when `ip` is some Service's ClusterIP.
    pub fn is_cluster_ip(&self, ip: Ipv4Addr) -> bool {
        self.cluster_ips.contains_key(&u32::from(ip))
    }
}

/// The endpoints of one service port: addresses whose slice port matches by name and protocol;
/// ready ones, or (when none is ready) serving and terminating ones; sorted and de-duplicated.
fn endpoints_for(slices: &[&EndpointSlice], port_name: &str, protocol: &str) -> Vec<Endpoint> {
    let mut ready = Vec::new();
    let mut terminating = Vec::new();
    for s in slices {
        let port = s.ports.iter().flatten().find(|p| {
            p.name.as_deref().unwrap_or("") == port_name
                && p.protocol.as_deref().unwrap_or("TCP") == protocol
        });
        let Some(port) = port.and_then(|p| p.port) else {
            continue;
        };
        for ep in s.endpoints.iter().flatten() {
            let Some(ip) = ep.addresses.first().and_then(|a| a.parse().ok()) else {
                continue;
            };
            let c = ep.conditions.as_ref();
            let is_ready = c.and_then(|c| c.ready).unwrap_or(true);
            let serving = c.and_then(|c| c.serving).unwrap_or(is_ready);
            let term = c.and_then(|c| c.terminating).unwrap_or(false);
            let e = Endpoint {
                ip,
                port: port as u16,
                node: ep.node_name.clone(),
                pod: ep
                    .target_ref
                    .as_ref()
                    .filter(|r| r.kind.as_deref() == Some("Pod"))
                    .map(|r| {
                        ObjectKey::new(
                            Kind::Pod,
                            r.namespace.as_deref().unwrap_or(""),
                            r.name.as_deref().unwrap_or(""),
                        )
                    }),
            };
            if is_ready {
                ready.push(e);
            } else if serving && term {
                terminating.push(e);
            }
        }
    }
    let mut eps = if ready.is_empty() { terminating } else { ready };
    crate::sort::sort_by_key(&mut eps, |e| e.addr());
    eps.dedup_by(|a, b| a.ip == b.ip && a.port == b.port);
    eps
}

/// kube-proxy on one node: the mode it started in and the pod it runs as.
#[derive(Clone, Debug)]
pub struct NodeProxy {
    pub mode: Mode,
    /// `UID/RESTARTS` of the kube-proxy container that read the configuration.
    started: Option<String>,
    /// Why the last start failed to read the configuration (an unsupported mode).
    pub config_error: Option<String>,
}

/// The result of a backend choice: the endpoint and the rules that led there, for the trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub endpoint: Endpoint,
    /// E.g. `["KUBE-SERVICES", "KUBE-SVC-…", "KUBE-SEP-…"]` or `["IPVS 10.96.0.10:53 rr"]`.
    pub path: Vec<String>,
}

/// kube-proxy on every node, and the connection state its rules keep (`recent` lists, IPVS
/// scheduler positions and persistence templates).
#[derive(Clone, Debug)]
pub struct KubeProxy {
    default_mode: Mode,
    map: Arc<ServiceMap>,
    dirty: bool,
    nodes: BTreeMap<String, NodeProxy>,
    /// iptables `-m recent` lists: (node, list name = KUBE-SEP chain) → client → last seen ms.
    recent: BTreeMap<(String, String), BTreeMap<Ipv4Addr, u64>>,
    /// IPVS rr position: (node, virtual service) → index of the last destination used.
    rr: BTreeMap<(String, String), usize>,
    /// IPVS persistence templates: (node, virtual service, client) → (endpoint, last use ms).
    persistence: BTreeMap<(String, String, Ipv4Addr), (String, u64)>,
}

impl KubeProxy {
    /// kube-proxy for the given nodes, all in `mode` until their pods read the ConfigMap.
    pub fn new<'a>(mode: Mode, nodes: impl Iterator<Item = &'a str>) -> KubeProxy {
        KubeProxy {
            default_mode: mode,
            map: Arc::new(ServiceMap::default()),
            dirty: true,
            nodes: nodes
                .map(|n| {
                    (
                        n.to_string(),
                        NodeProxy {
                            mode,
                            started: None,
                            config_error: None,
                        },
                    )
                })
                .collect(),
            recent: BTreeMap::new(),
            rr: BTreeMap::new(),
            persistence: BTreeMap::new(),
        }
    }

    /// Watches the store's changes: Services and EndpointSlices make the next use re-sync the
    /// rules; a kube-proxy pod that (re)started reads the `kube-proxy` ConfigMap's mode.
    pub fn observe(&mut self, store: &Store, ev: &WatchEvent) {
        match ev.key.kind {
            Kind::Service | Kind::EndpointSlice => self.dirty = true,
            Kind::Pod if ev.key.namespace == "kube-system" => {
                if ev.event_type == WatchEventType::Deleted {
                    return;
                }
                let Some(pod) = ev.object.as_::<Pod>() else {
                    return;
                };
                let is_proxy = pod
                    .metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get("k8s-app"))
                    .is_some_and(|v| v == "kube-proxy");
                if !is_proxy {
                    return;
                }
                let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.clone()) else {
                    return;
                };
                let Some(cs) = pod
                    .status
                    .as_ref()
                    .and_then(|s| s.container_statuses.as_ref())
                    .and_then(|c| c.first())
                else {
                    return;
                };
                if cs.state.as_ref().and_then(|s| s.running.as_ref()).is_none() {
                    return;
                }
                let started = format!(
                    "{}/{}",
                    pod.metadata.uid.as_deref().unwrap_or(""),
                    cs.restart_count
                );
                let default_mode = self.default_mode;
                let entry = self.nodes.entry(node).or_insert(NodeProxy {
                    mode: default_mode,
                    started: None,
                    config_error: None,
                });
                if entry.started.as_deref() == Some(started.as_str()) {
                    return;
                }
                entry.started = Some(started);
                match configured_mode(store) {
                    Ok(m) => {
                        entry.mode = m.unwrap_or(Mode::Iptables);
                        entry.config_error = None;
                    }
                    Err(e) => entry.config_error = Some(e),
                }
                self.dirty = true;
            }
            _ => {}
        }
    }

    /// Brings the service map up to date with the store (kube-proxy's `syncProxyRules`).
    pub fn sync(&mut self, store: &Store) {
        if self.dirty {
            self.map = Arc::new(ServiceMap::from_store(store));
            self.dirty = false;
        }
    }

    /// Rebuilds the service map now, changed or not (benchmarks: the cost of a full sync).
    pub fn full_sync(&mut self, store: &Store) {
        self.dirty = true;
        self.sync(store);
    }

    /// The synced service map (call [`KubeProxy::sync`] first).
    pub fn map(&self) -> &Arc<ServiceMap> {
        &self.map
    }

    /// The mode kube-proxy runs in on `node`.
    pub fn mode(&self, node: &str) -> Mode {
        self.nodes
            .get(node)
            .map(|n| n.mode)
            .unwrap_or(self.default_mode)
    }

    /// kube-proxy's state on `node`.
    pub fn node(&self, node: &str) -> Option<&NodeProxy> {
        self.nodes.get(node)
    }

    /// Chooses the endpoint of service port `index` for a new connection from `client`
    /// arriving at `node`, as that node's proxy mode does. `endpoints` are the candidates
    /// (all, or the node-local ones under a Local traffic policy); `None` when empty.
    pub fn choose(
        &mut self,
        node: &str,
        index: usize,
        endpoints: &[Endpoint],
        client: Ipv4Addr,
        now_ms: u64,
        rng: &mut Rng,
    ) -> Option<Choice> {
        if endpoints.is_empty() {
            return None;
        }
        let map = self.map.clone();
        let sp = map.ports.get(index)?;
        match self.mode(node) {
            Mode::Iptables => Some(self.choose_iptables(node, sp, endpoints, client, now_ms, rng)),
            Mode::Ipvs => Some(self.choose_ipvs(node, sp, endpoints, client, now_ms)),
            Mode::Nftables => {
                let i = rng.below("kube-proxy-numgen", endpoints.len() as u64) as usize;
                Some(Choice {
                    endpoint: endpoints[i].clone(),
                    path: vec![
                        "services".into(),
                        format!("service-{}", sp.name.replace(['/', ':'], "/")),
                        format!("endpoint {}", endpoints[i].addr()),
                    ],
                })
            }
        }
    }

    /// Walks `KUBE-SVC-…` as netfilter would: the affinity `--rcheck` rules first, then the
    /// `statistic` rules, each drawing `random() & 0x7fffffff` against its stored probability.
    fn choose_iptables(
        &mut self,
        node: &str,
        sp: &ServicePort,
        endpoints: &[Endpoint],
        client: Ipv4Addr,
        now_ms: u64,
        rng: &mut Rng,
    ) -> Choice {
        let svc_chain = sp.svc_chain();
        let mut chosen = None;
        if let Some(secs) = sp.affinity_seconds {
            for (i, ep) in endpoints.iter().enumerate() {
                let list = (node.to_string(), sp.sep_chain(ep));
                let seen = self.recent.get(&list).and_then(|l| l.get(&client)).copied();
                if seen.is_some_and(|t| now_ms.saturating_sub(t) <= secs as u64 * 1000) {
                    chosen = Some(i);
                    break;
                }
            }
        }
        let n = endpoints.len();
        let i = chosen.unwrap_or_else(|| {
            (0..n)
                .find(|&i| {
                    i + 1 == n
                        || (rng.below("kube-proxy-statistic", 1 << 31) as u32)
                            < iptables::probability_fixed(n - i)
                })
                .unwrap_or(n - 1)
        });
        let ep = endpoints[i].clone();
        let sep = sp.sep_chain(&ep);
        if sp.affinity_seconds.is_some() {
            // The endpoint chain's `-m recent --set` records the client.
            self.recent
                .entry((node.to_string(), sep.clone()))
                .or_default()
                .insert(client, now_ms);
        }
        Choice {
            endpoint: ep,
            path: vec!["KUBE-SERVICES".into(), svc_chain, sep],
        }
    }

    /// IPVS: a persistence template wins while fresh; otherwise round robin continues after
    /// the destination used last.
    fn choose_ipvs(
        &mut self,
        node: &str,
        sp: &ServicePort,
        endpoints: &[Endpoint],
        client: Ipv4Addr,
        now_ms: u64,
    ) -> Choice {
        let vs = format!("{}:{}/{}", sp.cluster_ip, sp.port, sp.protocol);
        let label = format!("IPVS {} {}:{} rr", sp.protocol, sp.cluster_ip, sp.port);
        if let Some(secs) = sp.affinity_seconds {
            let key = (node.to_string(), vs.clone(), client);
            if let Some((addr, t)) = self.persistence.get(&key).cloned() {
                if now_ms.saturating_sub(t) <= secs as u64 * 1000 {
                    if let Some(ep) = endpoints.iter().find(|e| e.addr() == addr) {
                        self.persistence.insert(key, (addr, now_ms));
                        return Choice {
                            endpoint: ep.clone(),
                            path: vec![format!("{label} persistent {secs}")],
                        };
                    }
                }
            }
        }
        let slot = self
            .rr
            .entry((node.to_string(), vs.clone()))
            .or_insert(usize::MAX);
        let next = slot.wrapping_add(1) % endpoints.len();
        *slot = next;
        let ep = endpoints[next].clone();
        if sp.affinity_seconds.is_some() {
            self.persistence
                .insert((node.to_string(), vs, client), (ep.addr(), now_ms));
        }
        Choice {
            endpoint: ep,
            path: vec![label],
        }
    }
}

/// The mode the `kube-proxy` ConfigMap in kube-system configures (`Ok(None)`: no ConfigMap,
/// or `mode: ""`).
fn configured_mode(store: &Store) -> Result<Option<Mode>, String> {
    let key = ObjectKey::new(Kind::ConfigMap, "kube-system", "kube-proxy");
    let Some(cm) = store.get(&key).and_then(|o| o.as_::<ConfigMap>().cloned()) else {
        return Ok(None);
    };
    match cm.data.as_ref().and_then(|d| d.get("config.conf")) {
        Some(conf) => parse_mode(conf),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn service(yaml: &str) -> Service {
        serde_yaml::from_str(yaml).expect("service yaml")
    }
    pub(crate) fn slice(yaml: &str) -> EndpointSlice {
        serde_yaml::from_str(yaml).expect("slice yaml")
    }

    pub(crate) fn appjs() -> (Service, EndpointSlice) {
        let svc = service(
            "metadata: {name: appjs-service, namespace: default}\nspec:\n  type: NodePort\n  clusterIP: 10.108.183.25\n  ports: [{port: 80, targetPort: 8080, nodePort: 30123, protocol: TCP}]\n  selector: {app: appjs}\n",
        );
        let sl = slice(
            "metadata: {name: appjs-service-abcde, namespace: default, labels: {kubernetes.io/service-name: appjs-service}}\naddressType: IPv4\nports: [{name: '', port: 8080, protocol: TCP}]\nendpoints:\n- addresses: [10.36.0.1]\n  conditions: {ready: true}\n  nodeName: node1.example.com\n- addresses: [10.44.0.1]\n  conditions: {ready: true}\n  nodeName: node2.example.com\n- addresses: [10.36.0.2]\n  conditions: {ready: true}\n  nodeName: node1.example.com\n- addresses: [10.44.0.9]\n  conditions: {ready: false}\n  nodeName: node2.example.com\n",
        );
        (svc, sl)
    }

    #[test]
    fn service_map_indexes_addresses_and_orders_endpoints() {
        let (svc, sl) = appjs();
        let map = ServiceMap::build([&svc].into_iter(), [&sl].into_iter());
        assert_eq!(map.ports.len(), 1);
        let sp = &map.ports[0];
        assert_eq!(sp.name, "default/appjs-service");
        let addrs: Vec<String> = sp.endpoints.iter().map(Endpoint::addr).collect();
        assert_eq!(
            addrs,
            ["10.36.0.1:8080", "10.36.0.2:8080", "10.44.0.1:8080"]
        );
        assert_eq!(
            map.by_vip("10.108.183.25".parse().unwrap(), 80, "TCP"),
            Some((0, Entry::ClusterIp))
        );
        assert_eq!(
            map.by_vip("10.108.183.25".parse().unwrap(), 8080, "TCP"),
            None
        );
        assert_eq!(map.by_node_port(30123, "TCP"), Some(0));
        assert_eq!(map.by_node_port(30123, "UDP"), None);
    }

    #[test]
    fn headless_and_external_name_services_are_not_proxied() {
        let headless = service("metadata: {name: h, namespace: default}\nspec: {clusterIP: None, ports: [{port: 80}]}\n");
        let ext = service("metadata: {name: e, namespace: default}\nspec: {type: ExternalName, externalName: google.com}\n");
        let map = ServiceMap::build([&headless, &ext].into_iter(), std::iter::empty());
        assert!(map.ports.is_empty());
    }

    #[test]
    fn mode_parsing_follows_kube_proxy_v1_37() {
        assert_eq!(
            parse_mode("kind: KubeProxyConfiguration\nmode: \"\"\n"),
            Ok(None)
        );
        assert_eq!(parse_mode("mode: ipvs\n"), Ok(Some(Mode::Ipvs)));
        assert_eq!(parse_mode("mode: \"iptables\"\n"), Ok(Some(Mode::Iptables)));
        assert!(parse_mode("mode: userspace\n")
            .unwrap_err()
            .contains("Unsupported value: \"userspace\""));
        // Nested `mode:` keys (e.g. under `winkernel:`) are not the proxy mode.
        assert_eq!(parse_mode("winkernel:\n  mode: x\n"), Ok(None));
    }

    fn proxy(mode: Mode, svc: &Service, sl: &EndpointSlice) -> KubeProxy {
        let mut kp = KubeProxy::new(mode, ["node1.example.com"].into_iter());
        kp.map = Arc::new(ServiceMap::build([svc].into_iter(), [sl].into_iter()));
        kp.dirty = false;
        kp
    }

    #[test]
    fn iptables_choice_is_uniform_random_and_seeded() {
        let (svc, sl) = appjs();
        let mut kp = proxy(Mode::Iptables, &svc, &sl);
        let eps = kp.map.ports[0].endpoints.clone();
        let mut rng = Rng::new(7);
        let client: Ipv4Addr = "10.32.0.1".parse().unwrap();
        let mut counts = BTreeMap::new();
        for t in 0..3000 {
            let c = kp
                .choose("node1.example.com", 0, &eps, client, t, &mut rng)
                .unwrap();
            assert_eq!(c.path[1], kp.map.ports[0].svc_chain());
            *counts.entry(c.endpoint.addr()).or_insert(0) += 1;
        }
        assert_eq!(counts.len(), 3);
        for n in counts.values() {
            assert!((850..1150).contains(n), "{counts:?}");
        }
        // The same seed gives the same sequence.
        let mut a = proxy(Mode::Iptables, &svc, &sl);
        let mut b = proxy(Mode::Iptables, &svc, &sl);
        let (mut ra, mut rb) = (Rng::new(3), Rng::new(3));
        for t in 0..20 {
            assert_eq!(
                a.choose("n", 0, &eps, client, t, &mut ra),
                b.choose("n", 0, &eps, client, t, &mut rb)
            );
        }
    }

    #[test]
    fn ipvs_round_robin_visits_each_destination_in_turn() {
        let (svc, sl) = appjs();
        let mut kp = proxy(Mode::Ipvs, &svc, &sl);
        kp.nodes.get_mut("node1.example.com").unwrap().mode = Mode::Ipvs;
        let eps = kp.map.ports[0].endpoints.clone();
        let mut rng = Rng::new(1);
        let picks: Vec<String> = (0..6)
            .map(|t| {
                kp.choose(
                    "node1.example.com",
                    0,
                    &eps,
                    "10.0.0.10".parse().unwrap(),
                    t,
                    &mut rng,
                )
                .unwrap()
                .endpoint
                .addr()
            })
            .collect();
        assert_eq!(
            picks,
            [
                "10.36.0.1:8080",
                "10.36.0.2:8080",
                "10.44.0.1:8080",
                "10.36.0.1:8080",
                "10.36.0.2:8080",
                "10.44.0.1:8080"
            ]
        );
    }

    #[test]
    fn client_ip_affinity_sticks_until_timeout() {
        let (mut svc, sl) = appjs();
        let spec = svc.spec.as_mut().unwrap();
        spec.session_affinity = Some("ClientIP".into());
        spec.session_affinity_config =
            Some(serde_yaml::from_str("clientIP: {timeoutSeconds: 10}").unwrap());
        for mode in [Mode::Iptables, Mode::Ipvs] {
            let mut kp = proxy(mode, &svc, &sl);
            kp.nodes.get_mut("node1.example.com").unwrap().mode = mode;
            assert_eq!(kp.map.ports[0].affinity_seconds, Some(10));
            let eps = kp.map.ports[0].endpoints.clone();
            let mut rng = Rng::new(11);
            let client: Ipv4Addr = "10.32.0.1".parse().unwrap();
            let first = kp
                .choose("node1.example.com", 0, &eps, client, 0, &mut rng)
                .unwrap();
            for t in 1..10 {
                let c = kp
                    .choose("node1.example.com", 0, &eps, client, t * 1000, &mut rng)
                    .unwrap();
                assert_eq!(c.endpoint, first.endpoint, "{mode:?} at {t}s");
            }
            // Idle longer than timeoutSeconds: a fresh choice (which may differ).
            let mut other = false;
            for k in 0..20u64 {
                let t = 100_000 + k * 20_000;
                let c = kp
                    .choose("node1.example.com", 0, &eps, client, t, &mut rng)
                    .unwrap();
                other |= c.endpoint != first.endpoint;
            }
            assert!(
                other,
                "{mode:?}: affinity expired, other pods get chosen again"
            );
        }
    }
}
