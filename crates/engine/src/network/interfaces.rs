//! A node's network interfaces and routes, as `ip addr`, `ip link` and `ip route` show them:
//! the loopback, the VM's NICs, the CNI's devices (Calico's `tunl0` IPIP tunnel and one
//! `cali…` veth per pod; weave-net's `weave` bridge, `datapath`, `vxlan-6784` and one
//! `vethwepl…` per pod) and, in IPVS mode, kube-proxy's `kube-ipvs0` dummy holding every
//! Service address.
//!
//! Routes follow the CNI: Calico's BIRD installs each other node's block `via NODE-IP dev
//! tunl0 proto bird onlink`, a `blackhole` for the node's own block and a `/32` per local pod;
//! weave puts the whole pod network on its bridge.

use crate::api::{Kind, Pod};
use crate::cluster::Cluster;
use crate::network::kube_proxy::{ipvs, Mode};
use crate::preset::Cni;
use std::net::Ipv4Addr;

/// One IPv4 address of an interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    pub ip: Ipv4Addr,
    pub prefix: u8,
    /// The broadcast address when the kernel shows one.
    pub brd: Option<Ipv4Addr>,
    /// DHCP-assigned (`metric 100 … dynamic`, with a lease lifetime).
    pub dynamic: bool,
    /// `scope host` for the loopback, `scope global` otherwise.
    pub host_scope: bool,
}

/// One network interface of a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    pub index: u32,
    pub name: String,
    /// What follows `@` in the listing: the peer (`if4`, `vethwe-bridge`) or `NONE`.
    pub peer: Option<String>,
    pub flags: &'static str,
    pub mtu: u32,
    pub qdisc: &'static str,
    pub master: Option<&'static str>,
    pub state: &'static str,
    pub qlen: bool,
    /// `link/ether MAC brd ff:ff:ff:ff:ff:ff`, `link/loopback …`, `link/ipip 0.0.0.0 …`.
    pub link: String,
    /// The network namespace of a veth's peer (`cni-…`).
    pub netns: Option<String>,
    pub addrs: Vec<Address>,
    /// The IPv6 link-local address, if the interface has one.
    pub inet6: Option<String>,
}

/// The NIC layout of a preset's machines: (name, address, prefix, DHCP) per NIC; the first
/// carries the default route.
fn nics(cluster: &Cluster, node_ip: Ipv4Addr) -> Vec<(&'static str, Ipv4Addr, u8, bool)> {
    match cluster.preset().name {
        // Vagrant with VirtualBox: NAT on the first NIC, the private network on the second.
        "vagrant" => vec![
            ("enp0s3", Ipv4Addr::new(10, 0, 2, 15), 24, true),
            ("enp0s8", node_ip, 24, false),
        ],
        "academy" => vec![("enp0s3", node_ip, 24, false)],
        _ => vec![("eth0", node_ip, 24, false)],
    }
}

fn mac(prefix: [u8; 3], seed: &str) -> [u8; 6] {
    let h = crate::network::kube_proxy::chain_name::sha256(seed.as_bytes());
    [prefix[0], prefix[1], prefix[2], h[0], h[1], h[2]]
}

fn mac_text(m: [u8; 6]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The EUI-64 link-local address of a MAC (`fe80::a00:27ff:fe8d:c04d`).
fn link_local(m: [u8; 6]) -> String {
    let words = [
        u16::from_be_bytes([m[0] ^ 0x02, m[1]]),
        u16::from_be_bytes([m[2], 0xff]),
        u16::from_be_bytes([0xfe, m[3]]),
        u16::from_be_bytes([m[4], m[5]]),
    ];
    format!(
        "fe80::{:x}:{:x}:{:x}:{:x}/64",
        words[0], words[1], words[2], words[3]
    )
}

/// Calico's host-side veth name: `cali` and 11 hex digits of SHA-1 of `NAMESPACE.POD`.
pub fn calico_veth_name(namespace: &str, pod: &str) -> String {
    let digest = sha1(format!("{namespace}.{pod}").as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("cali{}", &hex[..11])
}

/// SHA-1 (FIPS 180-4), for Calico's interface names only.
fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A827999),
                20..=39 => (b ^ c ^ d, 0x6ED9EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
                _ => (b ^ c ^ d, 0xCA62C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, v) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(v);
        }
    }
    let mut out = [0u8; 20];
    for (i, v) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&v.to_be_bytes());
    }
    out
}

/// The pods with their own network namespace and an address on the node, oldest first:
/// (namespace, name, uid, IP).
pub fn local_pods(cluster: &Cluster, node: &str) -> Vec<(String, String, String, Ipv4Addr)> {
    let mut pods: Vec<(String, String, String, String, Ipv4Addr)> = cluster
        .api_ref()
        .store()
        .list(Kind::Pod, None)
        .filter_map(|o| {
            let p = o.as_::<Pod>()?;
            let spec = p.spec.as_ref()?;
            if spec.node_name.as_deref() != Some(node) || spec.host_network.unwrap_or(false) {
                return None;
            }
            let ip = p.status.as_ref()?.pod_ip.as_deref()?.parse().ok()?;
            let created = p
                .metadata
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.to_string())
                .unwrap_or_default();
            Some((
                created,
                o.namespace().to_string(),
                o.name().to_string(),
                p.metadata.uid.clone().unwrap_or_default(),
                ip,
            ))
        })
        .collect();
    crate::sort::sort(&mut pods);
    pods.into_iter()
        .map(|(_, ns, name, uid, ip)| (ns, name, uid, ip))
        .collect()
}

/// The `cni-…` network namespace name of a pod (a UUID; derived from the pod's UID here).
fn netns_name(uid: &str) -> String {
    let h = crate::network::kube_proxy::chain_name::sha256(uid.as_bytes());
    let x: String = h[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "cni-{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

impl Cluster {
    /// The interfaces of `node`, in index order; `None` for an unknown node.
    pub fn node_interfaces(&mut self, node: &str) -> Option<Vec<Interface>> {
        let spec = self.preset().nodes.iter().find(|n| n.name == node)?.clone();
        let node_ip: Ipv4Addr = spec.ip.parse().ok()?;
        let mut out = Vec::new();
        let mut push = |mut i: Interface| {
            i.index = out.len() as u32 + 1;
            out.push(i);
        };
        push(Interface {
            index: 0,
            name: "lo".into(),
            peer: None,
            flags: "LOOPBACK,UP,LOWER_UP",
            mtu: 65536,
            qdisc: "noqueue",
            master: None,
            state: "UNKNOWN",
            qlen: true,
            link: "link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00".into(),
            netns: None,
            addrs: vec![Address {
                ip: Ipv4Addr::LOCALHOST,
                prefix: 8,
                brd: None,
                dynamic: false,
                host_scope: true,
            }],
            inet6: Some("::1/128".into()),
        });
        for (name, ip, prefix, dynamic) in nics(self, node_ip) {
            let m = mac([0x08, 0x00, 0x27], &format!("{node}/{name}"));
            let mask = u32::MAX << (32 - prefix as u32);
            push(Interface {
                index: 0,
                name: name.into(),
                peer: None,
                flags: "BROADCAST,MULTICAST,UP,LOWER_UP",
                mtu: 1500,
                qdisc: "fq_codel",
                master: None,
                state: "UP",
                qlen: true,
                link: format!("link/ether {} brd ff:ff:ff:ff:ff:ff", mac_text(m)),
                netns: None,
                addrs: vec![Address {
                    ip,
                    prefix,
                    brd: Some(Ipv4Addr::from(u32::from(ip) | !mask)),
                    dynamic,
                    host_scope: false,
                }],
                inet6: Some(link_local(m)),
            });
        }
        let tunnel = self.node_tunnel_ip(node);
        let pods = local_pods(self, node);
        match self.preset().cni {
            Cni::Calico => {
                push(Interface {
                    index: 0,
                    name: "tunl0".into(),
                    peer: Some("NONE".into()),
                    flags: "NOARP,UP,LOWER_UP",
                    mtu: 1480,
                    qdisc: "noqueue",
                    master: None,
                    state: "UNKNOWN",
                    qlen: true,
                    link: "link/ipip 0.0.0.0 brd 0.0.0.0".into(),
                    netns: None,
                    addrs: tunnel
                        .map(|ip| Address {
                            ip,
                            prefix: 32,
                            brd: None,
                            dynamic: false,
                            host_scope: false,
                        })
                        .into_iter()
                        .collect(),
                    inet6: None,
                });
                for (ns, name, uid, _) in &pods {
                    push(Interface {
                        index: 0,
                        name: calico_veth_name(ns, name),
                        peer: Some("if4".into()),
                        flags: "BROADCAST,MULTICAST,UP,LOWER_UP",
                        mtu: 1480,
                        qdisc: "noqueue",
                        master: None,
                        state: "UP",
                        qlen: true,
                        link: "link/ether ee:ee:ee:ee:ee:ee brd ff:ff:ff:ff:ff:ff".into(),
                        netns: Some(netns_name(uid)),
                        addrs: Vec::new(),
                        inet6: Some("fe80::ecee:eeff:feee:eeee/64".into()),
                    });
                }
            }
            Cni::WeaveNet => {
                let dp = mac([0x1e, 0x2b, 0x3c], &format!("{node}/datapath"));
                let wv = mac([0x6a, 0x4e, 0x1d], &format!("{node}/weave"));
                let simple =
                    |name: &str, peer: Option<&str>, master, mtu, state, qlen, m: [u8; 6]| {
                        Interface {
                            index: 0,
                            name: name.into(),
                            peer: peer.map(str::to_string),
                            flags: "BROADCAST,MULTICAST,UP,LOWER_UP",
                            mtu,
                            qdisc: "noqueue",
                            master,
                            state,
                            qlen,
                            link: format!("link/ether {} brd ff:ff:ff:ff:ff:ff", mac_text(m)),
                            netns: None,
                            addrs: Vec::new(),
                            inet6: Some(link_local(m)),
                        }
                    };
                push(simple("datapath", None, None, 1376, "UNKNOWN", true, dp));
                let mut bridge = simple("weave", None, None, 1376, "UP", true, wv);
                bridge.addrs = tunnel
                    .map(|ip| Address {
                        ip,
                        prefix: 12,
                        brd: Some(Ipv4Addr::new(10, 47, 255, 255)),
                        dynamic: false,
                        host_scope: false,
                    })
                    .into_iter()
                    .collect();
                push(bridge);
                push(simple(
                    "vethwe-datapath",
                    Some("vethwe-bridge"),
                    Some("datapath"),
                    1376,
                    "UP",
                    false,
                    mac([0x3a, 0x1f, 0x80], &format!("{node}/vethwe-datapath")),
                ));
                push(simple(
                    "vethwe-bridge",
                    Some("vethwe-datapath"),
                    Some("weave"),
                    1376,
                    "UP",
                    false,
                    mac([0x9e, 0x51, 0x0c], &format!("{node}/vethwe-bridge")),
                ));
                push(simple(
                    "vxlan-6784",
                    None,
                    Some("datapath"),
                    65535,
                    "UNKNOWN",
                    true,
                    mac([0x52, 0xd4, 0x07], &format!("{node}/vxlan")),
                ));
                for (_, _, uid, _) in &pods {
                    let hex: String =
                        crate::network::kube_proxy::chain_name::sha256(uid.as_bytes())[..4]
                            .iter()
                            .map(|b| format!("{b:02x}"))
                            .collect();
                    let m = mac([0x4a, 0x7c, 0x12], uid);
                    let mut v = simple(
                        &format!("vethwepl{}", &hex[..7]),
                        Some("if16"),
                        Some("weave"),
                        1376,
                        "UP",
                        false,
                        m,
                    );
                    v.netns = Some(netns_name(uid));
                    push(v);
                }
            }
        }
        if self.kube_proxy_mode(node) == Mode::Ipvs {
            let map = self.kube_proxy_map();
            let m = mac([0x5a, 0x3e, 0x91], &format!("{node}/kube-ipvs0"));
            push(Interface {
                index: 0,
                name: "kube-ipvs0".into(),
                peer: None,
                flags: "BROADCAST,NOARP",
                mtu: 1500,
                qdisc: "noop",
                master: None,
                state: "DOWN",
                qlen: false,
                link: format!("link/ether {} brd ff:ff:ff:ff:ff:ff", mac_text(m)),
                netns: None,
                addrs: ipvs::dummy_addresses(&map)
                    .into_iter()
                    .map(|ip| Address {
                        ip,
                        prefix: 32,
                        brd: None,
                        dynamic: false,
                        host_scope: false,
                    })
                    .collect(),
                inet6: None,
            });
        }
        Some(out)
    }

    /// The node's own addresses kube-proxy's IPVS mode opens NodePorts on (every interface
    /// address but the loopback and kube-ipvs0).
    pub fn node_local_addresses(&mut self, node: &str) -> Vec<Ipv4Addr> {
        let mut ips: Vec<Ipv4Addr> = self
            .node_interfaces(node)
            .unwrap_or_default()
            .into_iter()
            .filter(|i| i.name != "lo" && i.name != "kube-ipvs0")
            .flat_map(|i| i.addrs.into_iter().map(|a| a.ip))
            .collect();
        crate::sort::sort_by_key(&mut ips, |ip| u32::from(*ip));
        ips
    }

    /// `ip route` on `node`: the main routing table, ordered by destination.
    pub fn node_routes(&mut self, node: &str) -> Option<Vec<String>> {
        let interfaces = self.node_interfaces(node)?;
        let mut routes: Vec<(u32, u8, String)> = Vec::new();
        let nic_names: Vec<&Interface> = interfaces
            .iter()
            .filter(|i| i.name.starts_with("enp") || i.name.starts_with("eth"))
            .collect();
        for (n, nic) in nic_names.iter().enumerate() {
            for a in &nic.addrs {
                let mask = u32::MAX << (32 - a.prefix as u32);
                let net = Ipv4Addr::from(u32::from(a.ip) & mask);
                if n == 0 {
                    let gw = if a.dynamic {
                        Ipv4Addr::new(10, 0, 2, 2)
                    } else {
                        Ipv4Addr::from((u32::from(a.ip) & mask) | 1)
                    };
                    let line = if a.dynamic {
                        format!(
                            "default via {gw} dev {} proto dhcp src {} metric 100 ",
                            nic.name, a.ip
                        )
                    } else {
                        format!("default via {gw} dev {} proto static ", nic.name)
                    };
                    routes.push((0, 0, line));
                }
                let line = if a.dynamic {
                    format!(
                        "{net}/{} dev {} proto kernel scope link src {} metric 100 ",
                        a.prefix, nic.name, a.ip
                    )
                } else {
                    format!(
                        "{net}/{} dev {} proto kernel scope link src {} ",
                        a.prefix, nic.name, a.ip
                    )
                };
                routes.push((u32::from(net), a.prefix, line));
                if a.dynamic {
                    let gw = Ipv4Addr::new(10, 0, 2, 2);
                    routes.push((
                        u32::from(gw),
                        32,
                        format!(
                            "{gw} dev {} proto dhcp scope link src {} metric 100 ",
                            nic.name, a.ip
                        ),
                    ));
                }
            }
        }
        match self.preset().cni {
            Cni::Calico => {
                let nodes: Vec<(String, String)> = self
                    .preset()
                    .nodes
                    .iter()
                    .map(|n| (n.name.clone(), n.ip.clone()))
                    .collect();
                for (name, ip) in nodes {
                    let Some(block) = self.node_pod_cidr(&name) else {
                        continue;
                    };
                    let line = if name == node {
                        format!("blackhole {block} proto bird ")
                    } else {
                        format!("{block} via {ip} dev tunl0 proto bird onlink ")
                    };
                    routes.push((block.base, block.prefix, line));
                }
                for i in interfaces.iter().filter(|i| i.name.starts_with("cali")) {
                    let pod_ip =
                        local_pods(self, node)
                            .into_iter()
                            .find_map(|(ns, name, _, ip)| {
                                (calico_veth_name(&ns, &name) == i.name).then_some(ip)
                            });
                    if let Some(ip) = pod_ip {
                        routes.push((
                            u32::from(ip),
                            32,
                            format!("{ip} dev {} scope link ", i.name),
                        ));
                    }
                }
            }
            Cni::WeaveNet => {
                if let Some(ip) = self.node_tunnel_ip(node) {
                    let net = crate::network::ipam::Cidr::parse(self.preset().pod_network);
                    if let Some(net) = net {
                        routes.push((
                            net.base,
                            net.prefix,
                            format!("{net} dev weave proto kernel scope link src {ip} "),
                        ));
                    }
                }
            }
        }
        crate::sort::sort_by(&mut routes, |a, b| {
            (a.0, a.1).cmp(&(b.0, b.1)).then(a.2.cmp(&b.2))
        });
        Some(routes.into_iter().map(|(_, _, l)| l).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_known_vector() {
        let hex: String = sha1(b"abc").iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
    }

    #[test]
    fn calico_names_veths_after_namespace_and_pod() {
        let n = calico_veth_name("default", "web");
        assert!(n.starts_with("cali") && n.len() == 15, "{n}");
        assert_ne!(n, calico_veth_name("kube-system", "web"));
    }

    #[test]
    fn link_local_from_a_virtualbox_mac() {
        assert_eq!(
            link_local([0x08, 0x00, 0x27, 0x8d, 0xc0, 0x4d]),
            "fe80::a00:27ff:fe8d:c04d/64"
        );
    }
}
