//! Service address allocation, as kube-apiserver's service registry does it: a ClusterIP from
//! the service network (`--service-cluster-ip-range`, 10.96.0.0/12) and node ports from
//! `--service-node-port-range` (30000–32767), held while the Service exists and released when
//! it goes or stops needing them.
//!
//! Both allocators are bitmaps with a *static subrange* (`ServiceIPStaticSubrange`,
//! `ServiceNodePortStaticSubrange`): the low band is left to explicitly requested values, and
//! random allocation draws from the band above it first. Worked example for 10.96.0.0/12:
//! 2^20 addresses minus network and broadcast = 1,048,574 usable; the band is
//! min(max(16, 1,048,574 / 16), 256) = 256 addresses, 10.96.0.1–10.96.1.0 (kubernetes at .1,
//! kube-dns at .10), so random ClusterIPs land in 10.96.1.1–10.111.255.254, like the seeds'
//! 10.104.203.161. For node ports: 2,768 ports, band min(max(16, 2,768 / 32), 128) = 86, so
//! random node ports are 30086–32767 and 30000–30085 stay for explicit requests.
//!
//! The allocation step runs before validation (the registry's `BeginCreate`), so an address
//! that is taken fails a create even when the name already exists, as on a real cluster.

use crate::api::service::{
    is_headless, json_string_list, needs_cluster_ip, needs_health_check, needs_node_ports,
};
use crate::api::validation::FieldError;
use crate::api::{Kind, Object, Service};
use crate::apiserver::{ApiError, ApiServer};
use crate::network::ipam::Cidr;
use crate::preset::LoadBalancerSource;
use crate::sim::Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

/// The default `--service-node-port-range`.
pub const NODE_PORT_RANGE: (u16, u16) = (30000, 32767);

/// The ClusterIP and node-port allocators of one API server.
#[derive(Clone, Debug)]
pub struct ServiceAllocator {
    cidr: Cidr,
    /// Allocated ClusterIPs.
    ips: BTreeSet<u32>,
    node_port_range: (u16, u16),
    /// Allocated node ports (all protocols share one range, as in kube-apiserver).
    node_ports: BTreeSet<u16>,
    /// The cluster's load-balancer implementation (read by the LoadBalancer controller).
    load_balancer: Option<LoadBalancerSource>,
}

impl Default for ServiceAllocator {
    fn default() -> Self {
        ServiceAllocator::new(Cidr {
            base: 0x0A60_0000,
            prefix: 12,
        })
    }
}

impl ServiceAllocator {
    /// Allocators for a service network and the default node-port range.
    pub fn new(cidr: Cidr) -> ServiceAllocator {
        ServiceAllocator {
            cidr,
            ips: BTreeSet::new(),
            node_port_range: NODE_PORT_RANGE,
            node_ports: BTreeSet::new(),
            load_balancer: None,
        }
    }

    /// The same allocators with a load-balancer implementation.
    pub fn with_load_balancer(mut self, lb: Option<LoadBalancerSource>) -> ServiceAllocator {
        self.load_balancer = lb;
        self
    }

    /// Where LoadBalancer Services get external addresses (`None`: they stay pending).
    pub fn load_balancer(&self) -> Option<&LoadBalancerSource> {
        self.load_balancer.as_ref()
    }

    /// The service network (`--service-cluster-ip-range`).
    pub fn service_cidr(&self) -> Cidr {
        self.cidr
    }

    /// The node-port range, inclusive.
    pub fn node_port_range(&self) -> (u16, u16) {
        self.node_port_range
    }

    /// Usable addresses: the network's without its network and broadcast address.
    fn ip_count(&self) -> u32 {
        (self.cidr.size().saturating_sub(2)).min(u32::MAX as u64) as u32
    }

    /// Whether `ip` may be handed out: inside the network, not its network or broadcast
    /// address.
    pub fn ip_in_range(&self, ip: Ipv4Addr) -> bool {
        let n = u32::from(ip);
        self.cidr.contains(ip) && n > self.cidr.base && n <= self.cidr.base + self.ip_count()
    }

    /// Whether `ip` is held by a Service.
    pub fn ip_allocated(&self, ip: Ipv4Addr) -> bool {
        self.ips.contains(&u32::from(ip))
    }

    /// Whether `port` is held by a Service.
    pub fn node_port_allocated(&self, port: u16) -> bool {
        self.node_ports.contains(&port)
    }

    /// A free ClusterIP, drawn at random from above the static band; `None` when the
    /// network is full.
    pub fn next_ip(&self, rng: &mut Rng) -> Option<Ipv4Addr> {
        let count = self.ip_count();
        let band = static_band(count, 16, 16, 256);
        let taken = |offset: u32| self.ips.contains(&(self.cidr.base + 1 + offset));
        random_free(count, band, rng, "service-cluster-ip", taken)
            .map(|o| Ipv4Addr::from(self.cidr.base + 1 + o))
    }

    /// A free node port, drawn at random from above the static band, skipping `also_taken`
    /// (ports this request already chose); `None` when the range is full.
    pub fn next_node_port(&self, rng: &mut Rng, also_taken: &BTreeSet<u16>) -> Option<u16> {
        let (lo, hi) = self.node_port_range;
        let count = u32::from(hi - lo) + 1;
        let band = static_band(count, 32, 16, 128);
        let taken = |offset: u32| {
            let p = lo + offset as u16;
            self.node_ports.contains(&p) || also_taken.contains(&p)
        };
        random_free(count, band, rng, "service-node-port", taken).map(|o| lo + o as u16)
    }

    /// Takes the addresses `new` holds and gives back those `old` held and `new` does not.
    pub fn commit(&mut self, old: Option<&Service>, new: Option<&Service>) {
        let before = old.map(holdings).unwrap_or_default();
        let after = new.map(holdings).unwrap_or_default();
        for ip in before.ips.difference(&after.ips) {
            self.ips.remove(&u32::from(*ip));
        }
        for p in before.node_ports.difference(&after.node_ports) {
            self.node_ports.remove(p);
        }
        for ip in &after.ips {
            self.ips.insert(u32::from(*ip));
        }
        for p in &after.node_ports {
            self.node_ports.insert(*p);
        }
    }

    /// Fills in what a Service needs and lacks (a ClusterIP, node ports, the health-check
    /// node port) and checks what it asked for. `old` is the stored Service on an update:
    /// what it already holds is its own.
    pub fn allocate(
        &self,
        svc: &mut Service,
        old: Option<&Service>,
        rng: &mut Rng,
    ) -> Result<(), Vec<FieldError>> {
        let own = old.map(holdings).unwrap_or_default();
        let mut errs = Vec::new();
        let Some(spec) = svc.spec.as_mut() else {
            return Ok(());
        };
        if needs_cluster_ip(spec) {
            init_ip_families(spec);
            if !spec.cluster_ip.as_deref().is_some_and(|ip| !ip.is_empty()) {
                match self.next_ip(rng) {
                    Some(ip) => {
                        spec.cluster_ip = Some(ip.to_string());
                        spec.cluster_ips = Some(vec![ip.to_string()]);
                    }
                    None => errs.push(FieldError::invalid(
                        "spec.clusterIPs",
                        "[]string(nil)",
                        "failed to allocate a serviceIP: range is full",
                    )),
                }
            } else if let Some(requested) = spec.cluster_ip.clone().filter(|ip| ip != "None") {
                // An address that does not parse is left to validation.
                if let Ok(ip) = requested.parse::<Ipv4Addr>() {
                    // The error names the Service's `spec.clusterIPs`, which normalizing
                    // has set to the requested address when only `clusterIP` was given.
                    let ips = spec
                        .cluster_ips
                        .clone()
                        .filter(|ips| !ips.is_empty())
                        .unwrap_or_else(|| vec![requested.clone()]);
                    let value = json_string_list(&ips);
                    if !self.ip_in_range(ip) {
                        errs.push(FieldError::invalid(
                            "spec.clusterIPs",
                            value,
                            format!(
                                "failed to allocate IP {ip}: the provided IP ({ip}) is not in the valid range. The range of valid IPs is {}",
                                self.cidr
                            ),
                        ));
                    } else if self.ip_allocated(ip) && !own.ips.contains(&ip) {
                        errs.push(FieldError::invalid(
                            "spec.clusterIPs",
                            value,
                            format!("failed to allocate IP {ip}: provided IP is already allocated"),
                        ));
                    }
                }
            }
        }
        if needs_node_ports(spec) {
            let mut chosen: BTreeSet<u16> = BTreeSet::new();
            // Ports sharing a port number (53/TCP and 53/UDP) share a node port.
            let mut by_port: BTreeMap<i32, u16> = BTreeMap::new();
            for (i, p) in spec.ports.iter_mut().flatten().enumerate() {
                match p.node_port.filter(|n| *n != 0) {
                    Some(n) => {
                        let field = format!("spec.ports[{i}].nodePort");
                        let (lo, hi) = self.node_port_range;
                        if n < i32::from(lo) || n > i32::from(hi) {
                            errs.push(FieldError::invalid(
                                field,
                                n.to_string(),
                                format!("provided port is not in the valid range. The range of valid ports is {lo}-{hi}"),
                            ));
                            continue;
                        }
                        let n16 = n as u16;
                        if self.node_port_allocated(n16) && !own.node_ports.contains(&n16) {
                            errs.push(FieldError::invalid(
                                field,
                                n.to_string(),
                                "provided port is already allocated",
                            ));
                            continue;
                        }
                        chosen.insert(n16);
                        by_port.entry(p.port).or_insert(n16);
                    }
                    None => {
                        if let Some(n) = by_port.get(&p.port) {
                            p.node_port = Some(i32::from(*n));
                            continue;
                        }
                        match self.next_node_port(rng, &chosen) {
                            Some(n) => {
                                p.node_port = Some(i32::from(n));
                                chosen.insert(n);
                                by_port.insert(p.port, n);
                            }
                            None => errs.push(FieldError::invalid(
                                format!("spec.ports[{i}].nodePort"),
                                "0",
                                "failed to allocate a nodePort: range is full",
                            )),
                        }
                    }
                }
            }
            if needs_health_check(spec) && spec.health_check_node_port.unwrap_or(0) == 0 {
                if let Some(n) = self.next_node_port(rng, &chosen) {
                    spec.health_check_node_port = Some(i32::from(n));
                }
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs)
        }
    }
}

/// Sets the IP family fields of a Service that gets a ClusterIP (or is headless): this
/// cluster is single-stack IPv4. Headless Services without a selector default to
/// `RequireDualStack` (their endpoints may come in any family), everything else to
/// `SingleStack`.
fn init_ip_families(spec: &mut k8s_openapi::api::core::v1::ServiceSpec) {
    let headless = spec.cluster_ip.as_deref() == Some("None");
    if spec.ip_family_policy.is_none() {
        let no_selector = spec.selector.as_ref().is_none_or(|s| s.is_empty());
        spec.ip_family_policy = Some(
            if headless && no_selector {
                "RequireDualStack"
            } else {
                "SingleStack"
            }
            .into(),
        );
    }
    if spec.ip_families.as_ref().is_none_or(|f| f.is_empty()) {
        spec.ip_families = Some(vec!["IPv4".into()]);
    }
}

/// The static band of an allocator of `count` values: `count / divisor` clamped to
/// `[min, max]`, and never more than `count`.
fn static_band(count: u32, divisor: u32, min: u32, max: u32) -> u32 {
    (count / divisor).clamp(min, max).min(count)
}

/// A random free offset in `0..count`: first a random start in the dynamic band
/// `band..count` scanning upward (wrapping inside the band), then the static band from its
/// bottom.
fn random_free(
    count: u32,
    band: u32,
    rng: &mut Rng,
    stream: &'static str,
    taken: impl Fn(u32) -> bool,
) -> Option<u32> {
    if count == 0 {
        return None;
    }
    let dynamic = count.saturating_sub(band);
    if dynamic > 0 {
        let start = rng.below(stream, u64::from(dynamic)) as u32;
        for i in 0..dynamic {
            let offset = band + (start + i) % dynamic;
            if !taken(offset) {
                return Some(offset);
            }
        }
    }
    (0..band.min(count)).find(|o| !taken(*o))
}

/// What a Service holds: its ClusterIP and its node ports (incl. the health-check port).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Holdings {
    pub ips: BTreeSet<Ipv4Addr>,
    pub node_ports: BTreeSet<u16>,
}

/// The addresses a stored Service holds.
pub fn holdings(svc: &Service) -> Holdings {
    let mut h = Holdings::default();
    let Some(spec) = svc.spec.as_ref() else {
        return h;
    };
    if needs_cluster_ip(spec) && !is_headless(spec) {
        for ip in spec.cluster_ips.iter().flatten() {
            if let Ok(ip) = ip.parse() {
                h.ips.insert(ip);
            }
        }
    }
    if needs_node_ports(spec) {
        for p in spec.ports.iter().flatten() {
            if let Some(n) = p.node_port.filter(|n| (1..=65535).contains(n)) {
                h.node_ports.insert(n as u16);
            }
        }
    }
    if let Some(n) = spec
        .health_check_node_port
        .filter(|n| (1..=65535).contains(n))
    {
        if needs_health_check(spec) {
            h.node_ports.insert(n as u16);
        }
    }
    h
}

impl ApiServer {
    /// The Service registry's admission step: on an update, fields the request left out are
    /// carried from the stored Service and fields its new type does not use are dropped;
    /// then missing addresses are allocated and requested ones checked. Other kinds pass.
    pub(crate) fn admit_service(
        &mut self,
        obj: &mut Object,
        old: Option<&Object>,
    ) -> Result<(), ApiError> {
        let Object::Service(svc) = obj else {
            return Ok(());
        };
        let old = old.and_then(|o| o.as_::<Service>());
        if let Some(old) = old {
            crate::api::service::prepare_service_update(svc, old);
            let errs = crate::api::service::validate_service_update(svc, old);
            if !errs.is_empty() {
                return Err(ApiError::invalid(Kind::Service, obj_name(svc), errs));
            }
        }
        let name = obj_name(svc).to_string();
        self.service_allocator
            .allocate(svc, old, &mut self.rng)
            .map_err(|errs| ApiError::invalid(Kind::Service, &name, errs))
    }

    /// Takes and releases Service addresses after a committed create, update or removal.
    pub(crate) fn commit_service(&mut self, old: Option<&Object>, new: Option<&Object>) {
        let old = old.and_then(|o| o.as_::<Service>());
        let new = new.and_then(|o| o.as_::<Service>());
        if old.is_some() || new.is_some() {
            self.service_allocator.commit(old, new);
        }
    }

    /// The Service address allocators (for the cluster's own Services and for tests).
    pub fn service_allocator(&self) -> &ServiceAllocator {
        &self.service_allocator
    }

    /// Replaces the allocators (the cluster sets its preset's service network at start).
    pub(crate) fn set_service_allocator(&mut self, alloc: ServiceAllocator) {
        self.service_allocator = alloc;
    }
}

fn obj_name(svc: &Service) -> &str {
    svc.metadata.name.as_deref().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{ServicePort, ServiceSpec};

    fn svc(type_: &str, cluster_ip: Option<&str>, node_ports: &[i32]) -> Service {
        Service {
            metadata: crate::api::ObjectMeta {
                name: Some("web".into()),
                ..Default::default()
            },
            spec: Some(ServiceSpec {
                type_: Some(type_.into()),
                cluster_ip: cluster_ip.map(str::to_string),
                cluster_ips: cluster_ip.map(|c| vec![c.to_string()]),
                ports: Some(
                    node_ports
                        .iter()
                        .enumerate()
                        .map(|(i, n)| ServicePort {
                            name: Some(format!("p{i}")),
                            port: 80 + i as i32,
                            node_port: (*n != 0).then_some(*n),
                            protocol: Some("TCP".into()),
                            ..Default::default()
                        })
                        .collect(),
                ),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn random_cluster_ips_come_from_above_the_static_band() {
        let alloc = ServiceAllocator::default();
        let mut rng = Rng::new(7);
        let low = u32::from(Ipv4Addr::new(10, 96, 1, 0));
        for _ in 0..200 {
            let ip = alloc.next_ip(&mut rng).unwrap();
            assert!(alloc.ip_in_range(ip));
            assert!(u32::from(ip) > low, "{ip} is in the static band");
        }
    }

    #[test]
    fn explicit_ip_out_of_range_and_taken() {
        let mut alloc = ServiceAllocator::default();
        let mut rng = Rng::new(1);
        let mut s = svc("ClusterIP", Some("10.100.100.100"), &[0]);
        alloc.allocate(&mut s, None, &mut rng).unwrap();
        alloc.commit(None, Some(&s));
        let mut again = svc("ClusterIP", Some("10.100.100.100"), &[0]);
        let errs = alloc.allocate(&mut again, None, &mut rng).unwrap_err();
        assert_eq!(
            errs[0].to_string(),
            "spec.clusterIPs: Invalid value: [\"10.100.100.100\"]: failed to allocate IP 10.100.100.100: provided IP is already allocated"
        );
        // Its own address is no conflict on an update.
        let mut same = svc("ClusterIP", Some("10.100.100.100"), &[0]);
        assert!(alloc.allocate(&mut same, Some(&s), &mut rng).is_ok());
        let mut outside = svc("ClusterIP", Some("10.200.0.1"), &[0]);
        let errs = alloc.allocate(&mut outside, None, &mut rng).unwrap_err();
        assert_eq!(
            errs[0].to_string(),
            "spec.clusterIPs: Invalid value: [\"10.200.0.1\"]: failed to allocate IP 10.200.0.1: the provided IP (10.200.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12"
        );
        // Released on delete.
        alloc.commit(Some(&s), None);
        assert!(!alloc.ip_allocated("10.100.100.100".parse().unwrap()));
    }

    #[test]
    fn node_ports_random_explicit_and_errors() {
        let mut alloc = ServiceAllocator::default();
        let mut rng = Rng::new(3);
        let mut a = svc("NodePort", None, &[30007, 0]);
        alloc.allocate(&mut a, None, &mut rng).unwrap();
        let ports: Vec<i32> = a
            .spec
            .as_ref()
            .unwrap()
            .ports
            .iter()
            .flatten()
            .map(|p| p.node_port.unwrap())
            .collect();
        assert_eq!(ports[0], 30007);
        assert!((30086..=32767).contains(&ports[1]), "{}", ports[1]);
        alloc.commit(None, Some(&a));
        let mut b = svc("NodePort", None, &[30007]);
        let errs = alloc.allocate(&mut b, None, &mut rng).unwrap_err();
        assert_eq!(
            errs[0].to_string(),
            "spec.ports[0].nodePort: Invalid value: 30007: provided port is already allocated"
        );
        let mut c = svc("NodePort", None, &[40000]);
        let errs = alloc.allocate(&mut c, None, &mut rng).unwrap_err();
        assert_eq!(
            errs[0].to_string(),
            "spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767"
        );
        // Type change to ClusterIP releases the node ports.
        let mut cip = a.clone();
        cip.spec.as_mut().unwrap().type_ = Some("ClusterIP".into());
        alloc.commit(Some(&a), Some(&cip));
        assert!(!alloc.node_port_allocated(30007));
    }

    #[test]
    fn the_range_fills_up() {
        let alloc = ServiceAllocator::new(Cidr::parse("10.0.0.0/29").unwrap());
        let mut rng = Rng::new(1);
        let mut alloc = alloc;
        let mut seen = BTreeSet::new();
        while let Some(ip) = alloc.next_ip(&mut rng) {
            assert!(seen.insert(ip));
            alloc.ips.insert(u32::from(ip));
        }
        // 8 addresses minus network and broadcast.
        assert_eq!(seen.len(), 6);
    }
}
