//! Cluster DNS: what CoreDNS answers (kubeadm's Corefile: the `kubernetes cluster.local
//! in-addr.arpa ip6.arpa { pods insecure; fallthrough in-addr.arpa ip6.arpa; ttl 30 }` plugin,
//! then `forward . /etc/resolv.conf`), computed from the store on every query, and the stub
//! resolver of a client (a pod's `/etc/resolv.conf` search list and `ndots`, or a node's
//! `/etc/hosts` and upstream resolver).
//!
//! Records served from the store:
//! - `<svc>.<ns>.svc.cluster.local` A: the ClusterIP; for a headless Service one A record per
//!   ready endpoint address of its EndpointSlices; ExternalName: a CNAME to `externalName`
//!   (chased through the upstream, as CoreDNS does).
//! - `<hostname>.<svc>.<ns>.svc.cluster.local` A: an endpoint with that `hostname` (StatefulSet
//!   pods: `sf-nginx-0.sf-nginx-service.default.svc.cluster.local`), or `<a-b-c-d>.<svc>...`.
//! - `_<port>._<proto>.<svc>.<ns>.svc.cluster.local` SRV for named ports.
//! - `<a-b-c-d>.<ns>.pod.cluster.local` A (`pods insecure`: any well-formed address answers).
//! - `d.c.b.a.in-addr.arpa` PTR for ClusterIPs and endpoint addresses.
//!
//! Names outside `cluster.local` go to the node's upstream resolver, which knows the small
//! table [`EXTERNAL_HOSTS`] and answers NXDOMAIN for anything else.

use crate::api::{EndpointSlice, Kind, Namespace, ObjectKey, Pod, Service};
use crate::cluster::Cluster;
use crate::network::request::Origin;
use crate::store::Store;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

/// The cluster domain (`--cluster-domain` of the kubelet, `kubernetes cluster.local` of the
/// Corefile).
pub const CLUSTER_DOMAIN: &str = "cluster.local";
/// The kube-dns Service's ClusterIP: the kubelet's `clusterDNS`.
pub const CLUSTER_DNS: Ipv4Addr = Ipv4Addr::new(10, 96, 0, 10);
/// TTL of records the kubernetes plugin serves (`ttl 30`).
const CLUSTER_TTL: u32 = 30;
/// Public resolvers a `dnsConfig` may name; they answer like the node's upstream.
const PUBLIC_RESOLVERS: &[&str] = &["8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9"];

/// Names the simulated Internet knows: `(name, canonical name or "", addresses)`.
/// `google.com` is the ExternalName target of seed 004; `raw.githubusercontent.com` is what
/// its `wget` of the ingress-nginx manifest resolves.
pub const EXTERNAL_HOSTS: &[(&str, &str, &[&str])] = &[
    ("google.com", "", &["142.250.207.46"]),
    ("www.google.com", "", &["142.250.206.228"]),
    ("kubernetes.io", "", &["147.75.40.148"]),
    ("www.kubernetes.io", "kubernetes.io", &[]),
    ("github.com", "", &["20.200.245.247"]),
    (
        "raw.githubusercontent.com",
        "",
        &[
            "185.199.108.133",
            "185.199.109.133",
            "185.199.110.133",
            "185.199.111.133",
        ],
    ),
    ("registry.k8s.io", "", &["34.96.108.209"]),
    ("example.com", "", &["23.192.228.80"]),
    ("www.example.com", "example.com", &[]),
];

/// A DNS query type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum QType {
    A,
    Aaaa,
    Cname,
    Srv,
    Ptr,
    Soa,
    Ns,
    Mx,
    Txt,
    Any,
}

impl QType {
    /// Parses a type name as dig and nslookup take it (`a`, `SRV`, ...).
    pub fn parse(s: &str) -> Option<QType> {
        Some(match s.to_ascii_uppercase().as_str() {
            "A" => QType::A,
            "AAAA" => QType::Aaaa,
            "CNAME" => QType::Cname,
            "SRV" => QType::Srv,
            "PTR" => QType::Ptr,
            "SOA" => QType::Soa,
            "NS" => QType::Ns,
            "MX" => QType::Mx,
            "TXT" => QType::Txt,
            "ANY" => QType::Any,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            QType::A => "A",
            QType::Aaaa => "AAAA",
            QType::Cname => "CNAME",
            QType::Srv => "SRV",
            QType::Ptr => "PTR",
            QType::Soa => "SOA",
            QType::Ns => "NS",
            QType::Mx => "MX",
            QType::Txt => "TXT",
            QType::Any => "ANY",
        }
    }
}

/// The data of a resource record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RData {
    A(Ipv4Addr),
    Cname(String),
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        target: String,
    },
    Ptr(String),
    Soa {
        mname: String,
        rname: String,
        serial: u32,
        refresh: u32,
        retry: u32,
        expire: u32,
        minimum: u32,
    },
}

/// A resource record; names are absolute and end with a dot (`web.default.svc.cluster.local.`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub name: String,
    pub ttl: u32,
    pub data: RData,
}

impl Record {
    /// The record type as dig prints it.
    pub fn type_name(&self) -> &'static str {
        match self.data {
            RData::A(_) => "A",
            RData::Cname(_) => "CNAME",
            RData::Srv { .. } => "SRV",
            RData::Ptr(_) => "PTR",
            RData::Soa { .. } => "SOA",
        }
    }

    /// The record data in presentation format (`10.96.0.1`, `0 100 80 web.default...`).
    pub fn rdata_text(&self) -> String {
        match &self.data {
            RData::A(ip) => ip.to_string(),
            RData::Cname(t) | RData::Ptr(t) => t.clone(),
            RData::Srv {
                priority,
                weight,
                port,
                target,
            } => format!("{priority} {weight} {port} {target}"),
            RData::Soa {
                mname,
                rname,
                serial,
                refresh,
                retry,
                expire,
                minimum,
            } => format!("{mname} {rname} {serial} {refresh} {retry} {expire} {minimum}"),
        }
    }
}

/// A response code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rcode {
    NoError,
    ServFail,
    NxDomain,
}

impl Rcode {
    pub fn name(self) -> &'static str {
        match self {
            Rcode::NoError => "NOERROR",
            Rcode::ServFail => "SERVFAIL",
            Rcode::NxDomain => "NXDOMAIN",
        }
    }
}

/// A DNS server's answer to one question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub rcode: Rcode,
    /// The `aa` flag: CoreDNS is authoritative for `cluster.local`; forwarded answers are not.
    pub authoritative: bool,
    pub answers: Vec<Record>,
    /// The SOA of the zone for negative answers (NXDOMAIN, or NOERROR without answers).
    pub authority: Vec<Record>,
}

impl Response {
    /// The IPv4 addresses among the answers (after any CNAME chain).
    pub fn addresses(&self) -> Vec<Ipv4Addr> {
        self.answers
            .iter()
            .filter_map(|r| match r.data {
                RData::A(ip) => Some(ip),
                _ => None,
            })
            .collect()
    }
}

/// Which resolver answers at a nameserver address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Server {
    /// CoreDNS behind the kube-dns Service.
    ClusterDns,
    /// The node's upstream resolver or a public one: Internet names only.
    Upstream,
}

/// Why a name did not resolve.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    /// Every candidate name got NXDOMAIN (or no address).
    #[error("Name or service not known: {0}")]
    NotFound(String),
    /// The server failed (SERVFAIL).
    #[error("Temporary failure in name resolution: {0}")]
    ServFail(String),
    /// No nameserver answered (kube-dns without ready endpoints, an address nobody serves).
    #[error("connection timed out; no servers could be reached")]
    Timeout(String),
}

// ---------------------------------------------------------------- resolv.conf

/// A stub resolver's configuration: `/etc/resolv.conf`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResolvConf {
    pub nameservers: Vec<String>,
    pub search: Vec<String>,
    /// `options` in file order (`ndots:5`, `edns0`, ...).
    pub options: Vec<String>,
}

impl ResolvConf {
    /// Parses resolv.conf text; the last `search` (or `domain`) line wins, as in glibc.
    pub fn parse(text: &str) -> ResolvConf {
        let mut conf = ResolvConf::default();
        for line in text.lines() {
            let mut words = line.split_whitespace();
            match words.next() {
                Some("nameserver") => conf.nameservers.extend(words.next().map(str::to_string)),
                Some("search") | Some("domain") => {
                    conf.search = words.filter(|w| *w != ".").map(str::to_string).collect()
                }
                Some("options") => conf.options.extend(words.map(str::to_string)),
                _ => {}
            }
        }
        conf
    }

    /// `options ndots:N` (1 when absent, glibc's default).
    pub fn ndots(&self) -> usize {
        self.options
            .iter()
            .rev()
            .find_map(|o| o.strip_prefix("ndots:").and_then(|n| n.parse().ok()))
            .unwrap_or(1)
            .min(15)
    }

    /// The file as containerd writes it for a pod: search, nameservers, options.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if !self.search.is_empty() {
            out.push_str(&format!("search {}\n", self.search.join(" ")));
        }
        for ns in &self.nameservers {
            out.push_str(&format!("nameserver {ns}\n"));
        }
        if !self.options.is_empty() {
            out.push_str(&format!("options {}\n", self.options.join(" ")));
        }
        out
    }
}

/// The names a stub resolver (glibc, musl) tries for `name`, in order.
///
/// Worked example with `search default.svc.cluster.local svc.cluster.local cluster.local` and
/// `ndots:5`: `web` has 0 dots (< 5), so the search list comes first and the bare name last:
/// `web.default.svc.cluster.local`, `web.svc.cluster.local`, `web.cluster.local`, `web`.
/// `google.com.` ends with a dot: only `google.com`. With `ndots:1`, `google.com` (1 dot) is
/// tried as is first, then with each search domain.
pub fn search_candidates(name: &str, conf: &ResolvConf) -> Vec<String> {
    if let Some(abs) = name.strip_suffix('.') {
        return vec![abs.to_string()];
    }
    let searched = conf.search.iter().map(|d| format!("{name}.{d}"));
    let dots = name.matches('.').count();
    if dots >= conf.ndots() {
        std::iter::once(name.to_string()).chain(searched).collect()
    } else {
        searched.chain(std::iter::once(name.to_string())).collect()
    }
}

/// The node's own DNS set-up per preset: its upstream nameservers and search domains (what
/// `/run/systemd/resolve/resolv.conf` lists and the kubelet hands to `dnsPolicy: Default`
/// pods and appends to the cluster search list).
pub fn node_resolv_conf(preset_name: &str) -> ResolvConf {
    let (ns, search): (&str, &[&str]) = match preset_name {
        // VirtualBox NAT's DNS proxy.
        "vagrant" => ("10.0.2.3", &[]),
        // The AWS VPC resolver (VPC base + 2) and the region's internal domain (seed 004).
        "academy" | "aws" => ("10.0.0.2", &["ap-northeast-2.compute.internal"]),
        // The GCE metadata server's resolver and the instance's zonal and project domains.
        "gcp" => (
            "169.254.169.254",
            &[
                "asia-northeast3-a.c.kubarium-lab.internal",
                "c.kubarium-lab.internal",
                "google.internal",
            ],
        ),
        _ => ("8.8.8.8", &[]),
    };
    ResolvConf {
        nameservers: vec![ns.to_string()],
        search: search.iter().map(|s| s.to_string()).collect(),
        options: Vec::new(),
    }
}

/// The `/etc/resolv.conf` the kubelet gives a pod (pkg/kubelet/network/dns):
/// `ClusterFirst` (and `ClusterFirstWithHostNet`): the cluster search list plus the node's,
/// nameserver `10.96.0.10`, `ndots:5`; `ClusterFirst` with `hostNetwork` and `Default`: the
/// node's; `None`: only `dnsConfig`. `dnsConfig` adds nameservers and searches (duplicates
/// dropped) and options (a later option of the same name replaces the earlier one).
pub fn pod_resolv_conf(pod: &Pod, node: &ResolvConf) -> ResolvConf {
    let spec = pod.spec.as_ref();
    let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    let host_network = spec.and_then(|s| s.host_network).unwrap_or(false);
    let policy = spec
        .and_then(|s| s.dns_policy.as_deref())
        .unwrap_or("ClusterFirst");
    let cluster = || ResolvConf {
        nameservers: vec![CLUSTER_DNS.to_string()],
        search: [
            format!("{ns}.svc.{CLUSTER_DOMAIN}"),
            format!("svc.{CLUSTER_DOMAIN}"),
            CLUSTER_DOMAIN.to_string(),
        ]
        .into_iter()
        .chain(node.search.iter().cloned())
        .collect(),
        options: vec!["ndots:5".to_string()],
    };
    let mut conf = match policy {
        "None" => ResolvConf::default(),
        "Default" => node.clone(),
        "ClusterFirstWithHostNet" => cluster(),
        _ if host_network => node.clone(),
        _ => cluster(),
    };
    if let Some(dc) = spec.and_then(|s| s.dns_config.as_ref()) {
        for s in dc.nameservers.iter().flatten() {
            if !conf.nameservers.contains(s) {
                conf.nameservers.push(s.clone());
            }
        }
        for s in dc.searches.iter().flatten() {
            if !conf.search.contains(s) {
                conf.search.push(s.clone());
            }
        }
        for o in dc.options.iter().flatten() {
            let name = o.name.clone().unwrap_or_default();
            let text = match &o.value {
                Some(v) => format!("{name}:{v}"),
                None => name.clone(),
            };
            let key = |s: &str| s.split(':').next().unwrap_or("").to_string();
            conf.options.retain(|e| key(e) != name);
            conf.options.push(text);
        }
    }
    conf
}

// ---------------------------------------------------------------- servers

fn fqdn(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.'))
}

fn cluster_soa(now_unix: i64) -> Record {
    Record {
        name: fqdn(CLUSTER_DOMAIN),
        ttl: CLUSTER_TTL,
        data: RData::Soa {
            mname: format!("ns.dns.{CLUSTER_DOMAIN}."),
            rname: format!("hostmaster.{CLUSTER_DOMAIN}."),
            serial: now_unix.max(0) as u32,
            refresh: 7200,
            retry: 1800,
            expire: 86400,
            minimum: CLUSTER_TTL,
        },
    }
}

fn root_soa() -> Record {
    Record {
        name: ".".into(),
        ttl: 86400,
        data: RData::Soa {
            mname: "a.root-servers.net.".into(),
            rname: "nstld.verisign-grs.com.".into(),
            serial: 2026112300,
            refresh: 1800,
            retry: 900,
            expire: 604800,
            minimum: 86400,
        },
    }
}

/// Which server answers at `ip` for a client, or `None` when nothing answers there (the
/// query times out): the kube-dns ClusterIP needs a ready CoreDNS endpoint; the node's
/// upstream and public resolvers always answer.
pub fn server_at(cluster: &Cluster, ip: &str) -> Option<Server> {
    let store = cluster.api_ref().store();
    let dns_key = ObjectKey::new(Kind::Service, "kube-system", "kube-dns");
    match store
        .get(&dns_key)
        .and_then(|o| o.as_::<Service>().cloned())
    {
        Some(svc) if cluster_ip(&svc).as_deref() == Some(ip) => {
            let slices = slices_of(store, "kube-system", "kube-dns");
            let ready = if slices.is_empty() {
                coredns_ready(store)
            } else {
                !ready_endpoints(&slices, false).is_empty()
            };
            return ready.then_some(Server::ClusterDns);
        }
        // Until a kube-dns Service exists, its well-known address reaches CoreDNS directly.
        None if ip == CLUSTER_DNS.to_string() => {
            return coredns_ready(store).then_some(Server::ClusterDns);
        }
        _ => {}
    }
    let node = node_resolv_conf(cluster.preset().name);
    (node.nameservers.iter().any(|n| n == ip) || PUBLIC_RESOLVERS.contains(&ip))
        .then_some(Server::Upstream)
}

fn coredns_ready(store: &Store) -> bool {
    store.list(Kind::Pod, Some("kube-system")).any(|o| {
        let Some(p) = o.as_::<Pod>() else {
            return false;
        };
        let labelled = p
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get("k8s-app"))
            .is_some_and(|v| v == "kube-dns");
        let ready = p
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
        labelled && ready && p.metadata.deletion_timestamp.is_none()
    })
}

/// Answers one question as `server` would.
pub fn answer(store: &Store, server: Server, name: &str, qtype: QType, now_unix: i64) -> Response {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if server == Server::ClusterDns {
        if let Some(r) = cluster_answer(store, &name, qtype, now_unix) {
            return r;
        }
    }
    // Public DNS knows the cloud's load balancers (an ELB's name → its addresses).
    if let Some(addrs) = crate::network::cloud::resolve_elb(store, &name) {
        return Response {
            rcode: Rcode::NoError,
            authoritative: false,
            answers: if matches!(qtype, QType::A | QType::Any) {
                addrs
                    .iter()
                    .map(|ip| Record {
                        name: fqdn(&name),
                        ttl: 60,
                        data: RData::A(*ip),
                    })
                    .collect()
            } else {
                Vec::new()
            },
            authority: Vec::new(),
        };
    }
    external_answer(&name, qtype)
}

/// What the upstream (the simulated Internet) says about `name`.
fn external_answer(name: &str, qtype: QType) -> Response {
    let mut answers = Vec::new();
    let mut current = name.to_string();
    for _ in 0..8 {
        let Some((_, cname, addrs)) = EXTERNAL_HOSTS.iter().find(|(n, _, _)| *n == current) else {
            break;
        };
        if !cname.is_empty() {
            answers.push(Record {
                name: fqdn(&current),
                ttl: 30,
                data: RData::Cname(fqdn(cname)),
            });
            if qtype == QType::Cname {
                break;
            }
            current = cname.to_string();
            continue;
        }
        if matches!(qtype, QType::A | QType::Any) {
            answers.extend(
                addrs
                    .iter()
                    .filter_map(|a| a.parse().ok())
                    .map(|ip| Record {
                        name: fqdn(&current),
                        ttl: 30,
                        data: RData::A(ip),
                    }),
            );
        }
        return Response {
            rcode: Rcode::NoError,
            authoritative: false,
            authority: if answers.is_empty() {
                vec![root_soa()]
            } else {
                Vec::new()
            },
            answers,
        };
    }
    if !answers.is_empty() {
        return Response {
            rcode: Rcode::NoError,
            authoritative: false,
            answers,
            authority: Vec::new(),
        };
    }
    Response {
        rcode: Rcode::NxDomain,
        authoritative: false,
        answers: Vec::new(),
        authority: vec![root_soa()],
    }
}

fn cluster_ip(svc: &Service) -> Option<String> {
    svc.spec
        .as_ref()?
        .cluster_ip
        .clone()
        .filter(|ip| !ip.is_empty())
}

fn service_type(svc: &Service) -> &str {
    svc.spec
        .as_ref()
        .and_then(|s| s.type_.as_deref())
        .unwrap_or("ClusterIP")
}

fn is_headless(svc: &Service) -> bool {
    cluster_ip(svc).as_deref() == Some("None")
}

/// The EndpointSlices of a Service (label `kubernetes.io/service-name`).
fn slices_of<'a>(store: &'a Store, ns: &'a str, svc: &str) -> Vec<&'a EndpointSlice> {
    store
        .list(Kind::EndpointSlice, Some(ns))
        .filter_map(|o| o.as_::<EndpointSlice>())
        .filter(|s| {
            s.metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("kubernetes.io/service-name"))
                .is_some_and(|n| n == svc)
        })
        .collect()
}

/// An endpoint as DNS sees it: its address and its DNS label (hostname or dashed address).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct DnsEndpoint {
    ip: Ipv4Addr,
    label: String,
    hostname: bool,
}

/// Ready endpoint addresses (`ready` unset counts as ready), deduplicated, in address order;
/// `publish_not_ready` includes the others too.
fn ready_endpoints(slices: &[&EndpointSlice], publish_not_ready: bool) -> Vec<DnsEndpoint> {
    let mut out = BTreeSet::new();
    for s in slices {
        if s.address_type != "IPv4" {
            continue;
        }
        for ep in s.endpoints.iter().flatten() {
            let ready = ep.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true);
            if !ready && !publish_not_ready {
                continue;
            }
            for a in &ep.addresses {
                let Ok(ip) = a.parse::<Ipv4Addr>() else {
                    continue;
                };
                let (label, hostname) = match &ep.hostname {
                    Some(h) if !h.is_empty() => (h.clone(), true),
                    _ => (a.replace('.', "-"), false),
                };
                out.insert(DnsEndpoint {
                    ip,
                    label,
                    hostname,
                });
            }
        }
    }
    out.into_iter().collect()
}

fn namespace_exists(store: &Store, ns: &str) -> bool {
    store
        .get(&ObjectKey::new(Kind::Namespace, "", ns))
        .and_then(|o| o.as_::<Namespace>())
        .is_some()
}

/// The kubernetes plugin: `Some` for names it owns (cluster.local and the reverse zones it
/// knows), `None` to fall through to the forwarder.
fn cluster_answer(store: &Store, name: &str, qtype: QType, now_unix: i64) -> Option<Response> {
    let soa = cluster_soa(now_unix);
    let nx = || Response {
        rcode: Rcode::NxDomain,
        authoritative: true,
        answers: Vec::new(),
        authority: vec![cluster_soa(now_unix)],
    };
    let records = |answers: Vec<Record>| {
        let authority = if answers.is_empty() {
            vec![soa.clone()]
        } else {
            Vec::new()
        };
        Response {
            rcode: Rcode::NoError,
            authoritative: true,
            answers,
            authority,
        }
    };
    if let Some(rev) = name.strip_suffix(".in-addr.arpa") {
        let octets: Vec<&str> = rev.split('.').rev().collect();
        let ip: Ipv4Addr = octets.join(".").parse().ok()?;
        let target = reverse_name(store, ip)?;
        let ptr = Record {
            name: fqdn(name),
            ttl: CLUSTER_TTL,
            data: RData::Ptr(target),
        };
        return Some(records(if matches!(qtype, QType::Ptr | QType::Any) {
            vec![ptr]
        } else {
            Vec::new()
        }));
    }
    let rest = if name == CLUSTER_DOMAIN {
        ""
    } else {
        name.strip_suffix(&format!(".{CLUSTER_DOMAIN}"))?
    };
    let labels: Vec<&str> = if rest.is_empty() {
        Vec::new()
    } else {
        rest.split('.').collect()
    };
    match labels.as_slice() {
        // The zone apex and the `svc`/`pod` sub-zones exist but hold no address.
        [] | ["svc"] | ["pod"] => Some(records(Vec::new())),
        [ns, "svc"] | [ns, "pod"] => Some(if namespace_exists(store, ns) {
            records(Vec::new())
        } else {
            nx()
        }),
        [ip, ns, "pod"] => {
            let addr: Ipv4Addr = ip.replace('-', ".").parse().ok()?;
            if !namespace_exists(store, ns) || ip.matches('-').count() != 3 {
                return Some(nx());
            }
            Some(records(if matches!(qtype, QType::A | QType::Any) {
                vec![Record {
                    name: fqdn(name),
                    ttl: CLUSTER_TTL,
                    data: RData::A(addr),
                }]
            } else {
                Vec::new()
            }))
        }
        [svc, ns, "svc"] => Some(service_records(store, name, ns, svc, qtype, now_unix)),
        [port, proto, svc, ns, "svc"] if port.starts_with('_') && proto.starts_with('_') => {
            let Some(service) = get_service(store, ns, svc) else {
                return Some(nx());
            };
            let wanted_port = &port[1..];
            let wanted_proto = proto[1..].to_ascii_uppercase();
            let ports: Vec<(u16, String)> = service_ports(store, &service, ns, svc)
                .into_iter()
                .filter(|(n, pr, _)| n == wanted_port && *pr == wanted_proto)
                .map(|(_, _, p)| (p, String::new()))
                .collect();
            if ports.is_empty() {
                return Some(nx());
            }
            let targets = srv_targets(store, &service, ns, svc);
            let answers = if matches!(qtype, QType::Srv | QType::Any) {
                srv_records(name, &ports, &targets)
            } else {
                Vec::new()
            };
            Some(records(answers))
        }
        [host, svc, ns, "svc"] => {
            let Some(service) = get_service(store, ns, svc) else {
                return Some(nx());
            };
            let publish = service
                .spec
                .as_ref()
                .and_then(|s| s.publish_not_ready_addresses)
                .unwrap_or(false);
            let eps = ready_endpoints(&slices_of(store, ns, svc), publish);
            let hits: Vec<Record> = eps
                .iter()
                .filter(|e| e.label == *host)
                .map(|e| Record {
                    name: fqdn(name),
                    ttl: CLUSTER_TTL,
                    data: RData::A(e.ip),
                })
                .collect();
            if hits.is_empty() {
                return Some(nx());
            }
            Some(records(if matches!(qtype, QType::A | QType::Any) {
                hits
            } else {
                Vec::new()
            }))
        }
        _ => Some(nx()),
    }
}

fn get_service(store: &Store, ns: &str, name: &str) -> Option<Service> {
    store
        .get(&ObjectKey::new(Kind::Service, ns, name))
        .and_then(|o| o.as_::<Service>())
        .cloned()
}

/// `(name, protocol, port)` of a Service's named ports: the Service's own port numbers for a
/// ClusterIP Service, the endpoint ports for a headless one (as CoreDNS serves them).
fn service_ports(store: &Store, svc: &Service, ns: &str, name: &str) -> Vec<(String, String, u16)> {
    let mut out = Vec::new();
    if is_headless(svc) {
        for s in slices_of(store, ns, name) {
            for p in s.ports.iter().flatten() {
                if let (Some(n), Some(port)) = (&p.name, p.port) {
                    out.push((
                        n.clone(),
                        p.protocol.clone().unwrap_or_else(|| "TCP".into()),
                        port as u16,
                    ));
                }
            }
        }
    } else {
        for p in svc.spec.iter().flat_map(|s| s.ports.iter().flatten()) {
            if let Some(n) = &p.name {
                out.push((
                    n.clone(),
                    p.protocol.clone().unwrap_or_else(|| "TCP".into()),
                    p.port as u16,
                ));
            }
        }
    }
    crate::sort::sort(&mut out);
    out.dedup();
    out
}

/// SRV targets: the Service name itself, or each endpoint's name for a headless Service.
fn srv_targets(store: &Store, svc: &Service, ns: &str, name: &str) -> Vec<String> {
    if is_headless(svc) {
        ready_endpoints(&slices_of(store, ns, name), false)
            .into_iter()
            .map(|e| format!("{}.{name}.{ns}.svc.{CLUSTER_DOMAIN}.", e.label))
            .collect()
    } else {
        vec![format!("{name}.{ns}.svc.{CLUSTER_DOMAIN}.")]
    }
}

/// SRV records, priority 0 and the weight split evenly (CoreDNS: 100 / number of records).
fn srv_records(qname: &str, ports: &[(u16, String)], targets: &[String]) -> Vec<Record> {
    let count = (ports.len() * targets.len()).max(1) as u16;
    let weight = 100 / count;
    let mut out = Vec::new();
    for (port, _) in ports {
        for t in targets {
            out.push(Record {
                name: fqdn(qname),
                ttl: CLUSTER_TTL,
                data: RData::Srv {
                    priority: 0,
                    weight,
                    port: *port,
                    target: t.clone(),
                },
            });
        }
    }
    out
}

fn service_records(
    store: &Store,
    qname: &str,
    ns: &str,
    name: &str,
    qtype: QType,
    now_unix: i64,
) -> Response {
    let soa = cluster_soa(now_unix);
    let Some(svc) = get_service(store, ns, name) else {
        return Response {
            rcode: Rcode::NxDomain,
            authoritative: true,
            answers: Vec::new(),
            authority: vec![soa],
        };
    };
    let rr = |data: RData| Record {
        name: fqdn(qname),
        ttl: CLUSTER_TTL,
        data,
    };
    let mut answers = Vec::new();
    if service_type(&svc) == "ExternalName" {
        let target = svc
            .spec
            .as_ref()
            .and_then(|s| s.external_name.clone())
            .unwrap_or_default();
        answers.push(rr(RData::Cname(fqdn(&target))));
        if matches!(qtype, QType::A | QType::Any) {
            // CoreDNS looks the target up itself (through its own server block) and appends
            // what it finds.
            let chased = answer(store, Server::ClusterDns, &target, QType::A, now_unix);
            answers.extend(chased.answers);
        }
    } else if is_headless(&svc) {
        let publish = svc
            .spec
            .as_ref()
            .and_then(|s| s.publish_not_ready_addresses)
            .unwrap_or(false);
        let eps = ready_endpoints(&slices_of(store, ns, name), publish);
        if eps.is_empty() {
            // No ready endpoint: the name does not exist (CoreDNS' errNoItems).
            return Response {
                rcode: Rcode::NxDomain,
                authoritative: true,
                answers: Vec::new(),
                authority: vec![soa],
            };
        }
        if matches!(qtype, QType::A | QType::Any) {
            answers.extend(eps.iter().map(|e| rr(RData::A(e.ip))));
        }
    } else if let Some(ip) = cluster_ip(&svc).and_then(|ip| ip.parse::<Ipv4Addr>().ok()) {
        if matches!(qtype, QType::A | QType::Any) {
            answers.push(rr(RData::A(ip)));
        }
    }
    if qtype == QType::Srv && service_type(&svc) != "ExternalName" {
        let ports: Vec<(u16, String)> = service_ports(store, &svc, ns, name)
            .into_iter()
            .map(|(n, _, p)| (p, n))
            .collect();
        answers = srv_records(qname, &ports, &srv_targets(store, &svc, ns, name));
    }
    let authority = if answers.is_empty() {
        vec![soa]
    } else {
        Vec::new()
    };
    Response {
        rcode: Rcode::NoError,
        authoritative: true,
        answers,
        authority,
    }
}

/// The PTR target of a cluster address: a Service's name for its ClusterIP, an endpoint's
/// name for an endpoint address.
fn reverse_name(store: &Store, ip: Ipv4Addr) -> Option<String> {
    let ip_s = ip.to_string();
    for o in store.list(Kind::Service, None) {
        let Some(svc) = o.as_::<Service>() else {
            continue;
        };
        if cluster_ip(svc).as_deref() == Some(ip_s.as_str()) {
            return Some(format!(
                "{}.{}.svc.{CLUSTER_DOMAIN}.",
                o.name(),
                o.namespace()
            ));
        }
    }
    for o in store.list(Kind::EndpointSlice, None) {
        let Some(s) = o.as_::<EndpointSlice>() else {
            continue;
        };
        let Some(svc) = s
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get("kubernetes.io/service-name"))
        else {
            continue;
        };
        for e in ready_endpoints(&[s], true) {
            if e.ip == ip {
                return Some(format!(
                    "{}.{svc}.{}.svc.{CLUSTER_DOMAIN}.",
                    e.label,
                    o.namespace()
                ));
            }
        }
    }
    None
}

// ---------------------------------------------------------------- the client side

/// The resolver configuration of a client: a pod's `/etc/resolv.conf` (as written in its
/// first container, so an edit takes effect) or the node's upstream set-up.
pub fn client_resolv_conf(cluster: &Cluster, origin: &Origin) -> ResolvConf {
    match origin {
        Origin::Node(_) => node_resolv_conf(cluster.preset().name),
        Origin::Pod(key) => {
            if let Some(text) = pod_file(cluster, key, "/etc/resolv.conf") {
                return ResolvConf::parse(&text);
            }
            let node = node_resolv_conf(cluster.preset().name);
            cluster
                .api_ref()
                .store()
                .get(key)
                .and_then(|o| o.as_::<Pod>())
                .map(|p| pod_resolv_conf(p, &node))
                .unwrap_or(node)
        }
    }
}

/// A file of a pod's first container.
fn pod_file(cluster: &Cluster, key: &ObjectKey, path: &str) -> Option<String> {
    let obj = cluster.api_ref().store().get(key)?;
    let pod = obj.as_::<Pod>()?;
    let spec = pod.spec.as_ref()?;
    let node = spec.node_name.as_deref()?;
    let container = spec.containers.first()?;
    cluster
        .kubelet(node)?
        .container_fs(key, &container.name)?
        .read(path)
        .ok()
        .map(str::to_string)
}

/// Looks `name` up in a hosts file (`/etc/hosts`): the first IPv4 line naming it.
pub fn hosts_lookup(hosts: &str, name: &str) -> Option<Ipv4Addr> {
    let name = name.trim_end_matches('.');
    hosts.lines().find_map(|line| {
        let line = line.split('#').next().unwrap_or("");
        let mut words = line.split_whitespace();
        let ip: Ipv4Addr = words.next()?.parse().ok()?;
        words.any(|w| w.eq_ignore_ascii_case(name)).then_some(ip)
    })
}

/// The hosts file a client consults before DNS: the pod's `/etc/hosts`, or the node's
/// (localhost and every node of the cluster, as the seeds' Vagrant set-up writes it).
pub fn client_hosts(cluster: &Cluster, origin: &Origin) -> String {
    match origin {
        Origin::Pod(key) => pod_file(cluster, key, "/etc/hosts").unwrap_or_default(),
        Origin::Node(_) => {
            let mut out = String::from("127.0.0.1 localhost\n");
            for n in &cluster.preset().nodes {
                let short = n.name.split('.').next().unwrap_or(&n.name);
                if short == n.name {
                    out.push_str(&format!("{} {}\n", n.ip, n.name));
                } else {
                    out.push_str(&format!("{} {} {short}\n", n.ip, n.name));
                }
            }
            out
        }
    }
}

/// One query a stub resolver sent and what came back (`None`: no server answered).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    pub name: String,
    pub server: String,
    pub response: Option<Response>,
}

/// Sends one question to the first nameserver of `conf` that answers.
pub fn exchange(cluster: &Cluster, conf: &ResolvConf, name: &str, qtype: QType) -> Exchange {
    let store = cluster.api_ref().store();
    let now = cluster.now().unix_secs();
    for ns in &conf.nameservers {
        if let Some(server) = server_at(cluster, ns) {
            return Exchange {
                name: name.to_string(),
                server: ns.clone(),
                response: Some(answer(store, server, name, qtype, now)),
            };
        }
    }
    Exchange {
        name: name.to_string(),
        server: conf.nameservers.first().cloned().unwrap_or_default(),
        response: None,
    }
}

/// Resolves a host name to IPv4 addresses the way a program in `origin` does (getaddrinfo):
/// an address literal as is, then the hosts file, then DNS through the search list with
/// `ndots`. This is what `curl NAME`, `wget` and `ping` use.
///
/// From a pod in `default`, `resolve(c, &pod, "web")` asks `web.default.svc.cluster.local`
/// first and returns the Service's ClusterIP. From a node shell only `/etc/hosts` and the
/// node's upstream resolver answer, so cluster names do not resolve there (as on a real node).
pub fn resolve(cluster: &Cluster, origin: &Origin, name: &str) -> Result<Vec<Ipv4Addr>, DnsError> {
    if let Ok(ip) = name.parse::<Ipv4Addr>() {
        return Ok(vec![ip]);
    }
    if name.eq_ignore_ascii_case("localhost") {
        return Ok(vec![Ipv4Addr::LOCALHOST]);
    }
    if let Some(ip) = hosts_lookup(&client_hosts(cluster, origin), name) {
        return Ok(vec![ip]);
    }
    let conf = client_resolv_conf(cluster, origin);
    let mut servfail = false;
    for candidate in search_candidates(name, &conf) {
        let ex = exchange(cluster, &conf, &candidate, QType::A);
        let Some(resp) = ex.response else {
            return Err(DnsError::Timeout(name.to_string()));
        };
        match resp.rcode {
            Rcode::NoError if !resp.addresses().is_empty() => return Ok(resp.addresses()),
            Rcode::ServFail => servfail = true,
            _ => {}
        }
    }
    if servfail {
        Err(DnsError::ServFail(name.to_string()))
    } else {
        Err(DnsError::NotFound(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn conf(search: &[&str], ndots: u32) -> ResolvConf {
        ResolvConf {
            nameservers: vec!["10.96.0.10".into()],
            search: search.iter().map(|s| s.to_string()).collect(),
            options: vec![format!("ndots:{ndots}")],
        }
    }

    const CLUSTER_SEARCH: &[&str] = &[
        "default.svc.cluster.local",
        "svc.cluster.local",
        "cluster.local",
    ];

    #[test]
    fn search_list_first_below_ndots() {
        let c = conf(CLUSTER_SEARCH, 5);
        assert_eq!(
            search_candidates("web", &c),
            [
                "web.default.svc.cluster.local",
                "web.svc.cluster.local",
                "web.cluster.local",
                "web"
            ]
        );
        // 4 dots < 5: still searched first.
        assert_eq!(
            search_candidates("web.default.svc.cluster.local", &c)[0],
            "web.default.svc.cluster.local.default.svc.cluster.local"
        );
        assert_eq!(search_candidates("google.com.", &c), ["google.com"]);
    }

    #[test]
    fn name_first_at_or_above_ndots() {
        let c = conf(CLUSTER_SEARCH, 1);
        assert_eq!(search_candidates("google.com", &c)[0], "google.com");
        assert_eq!(
            search_candidates("web", &c)[0],
            "web.default.svc.cluster.local"
        );
        let none = ResolvConf::parse("nameserver 10.0.2.3\n");
        assert_eq!(none.ndots(), 1);
        assert_eq!(search_candidates("web", &none), ["web"]);
    }

    #[test]
    fn resolv_conf_round_trip() {
        let text = "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n";
        let c = ResolvConf::parse(text);
        assert_eq!(c.ndots(), 5);
        assert_eq!(c.render(), text);
    }

    fn pod(spec: serde_json::Value) -> Pod {
        serde_json::from_value(json!({"metadata": {"name": "p", "namespace": "dev"}, "spec": spec}))
            .expect("pod")
    }

    #[test]
    fn pod_resolv_conf_per_dns_policy() {
        let node = node_resolv_conf("academy");
        let c = pod_resolv_conf(&pod(json!({"containers": []})), &node);
        assert_eq!(
            c.render(),
            "search dev.svc.cluster.local svc.cluster.local cluster.local ap-northeast-2.compute.internal\nnameserver 10.96.0.10\noptions ndots:5\n"
        );
        let host = pod_resolv_conf(&pod(json!({"containers": [], "hostNetwork": true})), &node);
        assert_eq!(
            host.render(),
            "search ap-northeast-2.compute.internal\nnameserver 10.0.0.2\n"
        );
        let host_cf = pod_resolv_conf(
            &pod(
                json!({"containers": [], "hostNetwork": true, "dnsPolicy": "ClusterFirstWithHostNet"}),
            ),
            &node,
        );
        assert_eq!(host_cf.nameservers, ["10.96.0.10"]);
        let default = pod_resolv_conf(
            &pod(json!({"containers": [], "dnsPolicy": "Default"})),
            &node,
        );
        assert_eq!(default, node);
        let none = pod_resolv_conf(
            &pod(json!({"containers": [], "dnsPolicy": "None", "dnsConfig": {
                "nameservers": ["1.2.3.4"], "searches": ["ns1.svc.cluster-domain.example", "my.dns.search.suffix"],
                "options": [{"name": "ndots", "value": "2"}, {"name": "edns0"}]}})),
            &node,
        );
        assert_eq!(
            none.render(),
            "search ns1.svc.cluster-domain.example my.dns.search.suffix\nnameserver 1.2.3.4\noptions ndots:2 edns0\n"
        );
        let merged = pod_resolv_conf(
            &pod(
                json!({"containers": [], "dnsConfig": {"options": [{"name": "ndots", "value": "1"}]}}),
            ),
            &node,
        );
        assert_eq!(merged.options, ["ndots:1"]);
    }

    fn store_with(objects: Vec<serde_json::Value>) -> Cluster {
        let mut c = Cluster::from_preset("vagrant", 1).expect("preset");
        for v in objects {
            let obj = crate::api::decode::decode_object(v).expect("object");
            c.api().create(obj, "default", false).expect("create");
        }
        c
    }

    fn svc(name: &str, spec: serde_json::Value) -> serde_json::Value {
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"}, "spec": spec})
    }

    fn slice(svc: &str, eps: serde_json::Value, ports: serde_json::Value) -> serde_json::Value {
        json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": format!("{svc}-abcde"), "namespace": "default",
                "labels": {"kubernetes.io/service-name": svc}},
            "addressType": "IPv4", "endpoints": eps, "ports": ports})
    }

    fn sample() -> Cluster {
        store_with(vec![
            svc(
                "web",
                json!({"clusterIP": "10.96.100.200", "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}),
            ),
            svc(
                "sf-nginx-service",
                json!({"clusterIP": "None", "ports": [{"name": "web", "port": 80}]}),
            ),
            slice(
                "sf-nginx-service",
                json!([
                    {"addresses": ["172.16.1.5"], "hostname": "sf-nginx-0", "conditions": {"ready": true}},
                    {"addresses": ["172.16.2.7"], "hostname": "sf-nginx-1", "conditions": {"ready": true}},
                    {"addresses": ["172.16.3.9"], "hostname": "sf-nginx-2", "conditions": {"ready": false}}
                ]),
                json!([{"name": "web", "port": 80, "protocol": "TCP"}]),
            ),
            svc(
                "svc-external",
                json!({"type": "ExternalName", "externalName": "google.com"}),
            ),
        ])
    }

    fn ask(c: &Cluster, name: &str, q: QType) -> Response {
        answer(c.api_ref().store(), Server::ClusterDns, name, q, 0)
    }

    #[test]
    fn service_a_records() {
        let c = sample();
        let r = ask(&c, "web.default.svc.cluster.local", QType::A);
        assert_eq!(r.rcode, Rcode::NoError);
        assert!(r.authoritative);
        assert_eq!(
            r.addresses(),
            ["10.96.100.200".parse::<Ipv4Addr>().unwrap()]
        );
        assert_eq!(r.answers[0].name, "web.default.svc.cluster.local.");
        assert_eq!(r.answers[0].ttl, 30);
        // AAAA: the name exists but has no IPv6 address (NODATA with the zone's SOA).
        let aaaa = ask(&c, "web.default.svc.cluster.local", QType::Aaaa);
        assert_eq!(
            (aaaa.rcode, aaaa.answers.len(), aaaa.authority.len()),
            (Rcode::NoError, 0, 1)
        );
        assert_eq!(
            ask(&c, "nope.default.svc.cluster.local", QType::A).rcode,
            Rcode::NxDomain
        );
        assert_eq!(
            ask(&c, "web.nons.svc.cluster.local", QType::A).rcode,
            Rcode::NxDomain
        );
        assert_eq!(
            ask(&c, "web.svc.cluster.local", QType::A).rcode,
            Rcode::NxDomain
        );
    }

    #[test]
    fn headless_and_statefulset_names() {
        let c = sample();
        let r = ask(&c, "sf-nginx-service.default.svc.cluster.local", QType::A);
        assert_eq!(
            r.addresses(),
            [
                "172.16.1.5".parse::<Ipv4Addr>().unwrap(),
                "172.16.2.7".parse().unwrap()
            ]
        );
        let one = ask(
            &c,
            "sf-nginx-0.sf-nginx-service.default.svc.cluster.local",
            QType::A,
        );
        assert_eq!(one.addresses(), ["172.16.1.5".parse::<Ipv4Addr>().unwrap()]);
        // Not ready: not published.
        let nr = ask(
            &c,
            "sf-nginx-2.sf-nginx-service.default.svc.cluster.local",
            QType::A,
        );
        assert_eq!(nr.rcode, Rcode::NxDomain);
        let srv = ask(
            &c,
            "_web._tcp.sf-nginx-service.default.svc.cluster.local",
            QType::Srv,
        );
        let texts: Vec<String> = srv.answers.iter().map(Record::rdata_text).collect();
        assert_eq!(
            texts,
            [
                "0 50 80 sf-nginx-0.sf-nginx-service.default.svc.cluster.local.",
                "0 50 80 sf-nginx-1.sf-nginx-service.default.svc.cluster.local."
            ]
        );
        let ptr = ask(&c, "5.1.16.172.in-addr.arpa", QType::Ptr);
        assert_eq!(
            ptr.answers[0].rdata_text(),
            "sf-nginx-0.sf-nginx-service.default.svc.cluster.local."
        );
    }

    #[test]
    fn srv_for_named_port_and_ptr_of_cluster_ip() {
        let c = sample();
        let srv = ask(&c, "_http._tcp.web.default.svc.cluster.local", QType::Srv);
        assert_eq!(
            srv.answers[0].rdata_text(),
            "0 100 80 web.default.svc.cluster.local."
        );
        assert_eq!(
            ask(&c, "_nope._tcp.web.default.svc.cluster.local", QType::Srv).rcode,
            Rcode::NxDomain
        );
        let ptr = ask(&c, "200.100.96.10.in-addr.arpa", QType::Ptr);
        assert_eq!(
            ptr.answers[0].rdata_text(),
            "web.default.svc.cluster.local."
        );
    }

    #[test]
    fn external_name_is_a_cname_chased_upstream() {
        let c = sample();
        let r = ask(&c, "svc-external.default.svc.cluster.local", QType::A);
        assert_eq!(r.answers[0].type_name(), "CNAME");
        assert_eq!(r.answers[0].rdata_text(), "google.com.");
        assert_eq!(
            r.addresses(),
            ["142.250.207.46".parse::<Ipv4Addr>().unwrap()]
        );
    }

    #[test]
    fn pod_records_and_forwarding() {
        let c = sample();
        let r = ask(&c, "172-16-1-5.default.pod.cluster.local", QType::A);
        assert_eq!(r.addresses(), ["172.16.1.5".parse::<Ipv4Addr>().unwrap()]);
        let g = ask(&c, "www.google.com", QType::A);
        assert!(!g.authoritative);
        assert_eq!(g.addresses().len(), 1);
        assert_eq!(
            ask(&c, "no-such-host.example", QType::A).rcode,
            Rcode::NxDomain
        );
        let up = answer(
            c.api_ref().store(),
            Server::Upstream,
            "web.default.svc.cluster.local",
            QType::A,
            0,
        );
        assert_eq!(up.rcode, Rcode::NxDomain);
    }

    #[test]
    fn hosts_file_lookup() {
        let hosts = "127.0.0.1\tlocalhost\n# x\n172.16.1.5\tweb-0\n192.168.1.10 m-k8s\n";
        assert_eq!(
            hosts_lookup(hosts, "web-0"),
            Some("172.16.1.5".parse().unwrap())
        );
        assert_eq!(
            hosts_lookup(hosts, "M-K8S"),
            Some("192.168.1.10".parse().unwrap())
        );
        assert_eq!(hosts_lookup(hosts, "x"), None);
    }

    #[test]
    fn node_resolves_only_hosts_and_internet() {
        let mut c = sample();
        c.run_until_idle(120_000);
        let node = Origin::Node("m-k8s".into());
        assert_eq!(
            resolve(&c, &node, "w1-k8s"),
            Ok(vec!["192.168.1.101".parse().unwrap()])
        );
        assert_eq!(
            resolve(&c, &node, "google.com"),
            Ok(vec!["142.250.207.46".parse().unwrap()])
        );
        assert_eq!(
            resolve(&c, &node, "web.default.svc.cluster.local"),
            Err(DnsError::NotFound("web.default.svc.cluster.local".into()))
        );
    }
}
