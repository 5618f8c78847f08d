//! `arp` (net-tools 2.10, Ubuntu 24.04) on a node: the neighbour cache of the simulated
//! network, in the default (Linux, `-e`) column layout or the BSD layout of `-a`.
//!
//! The cache holds what a kubeadm node talks to: the default gateway (`_gateway`, the name
//! systemd-resolved gives it), every other node on the node network (the CNI's peer mesh:
//! Calico's BGP sessions, weave's connections; the kubelets' API server connections), and
//! each pod with its own network namespace on this node (on its `cali…` veth for Calico, on
//! the `weave` bridge for weave-net). MAC addresses are the ones `ip link` shows on the
//! other machines; a pod's `eth0` MAC is derived from its UID.

use crate::bash::CommandIo;
use kubarium_engine::network::interfaces::{calico_veth_name, local_pods};
use kubarium_engine::network::kube_proxy::chain_name::sha256;
use kubarium_engine::preset::Cni;
use kubarium_engine::Cluster;
use std::net::Ipv4Addr;

/// One entry of the neighbour cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Neighbour {
    pub ip: Ipv4Addr,
    pub mac: String,
    pub dev: String,
}

/// The MAC of `link/ether MAC brd …`.
fn link_mac(link: &str) -> Option<String> {
    link.strip_prefix("link/ether ")?
        .split_whitespace()
        .next()
        .map(str::to_string)
}

fn mac_text(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A pod's `eth0` MAC: locally administered, from its UID.
pub fn pod_mac(uid: &str) -> String {
    let h = sha256(format!("eth0/{uid}").as_bytes());
    mac_text(&[(h[0] & 0xfe) | 0x02, h[1], h[2], h[3], h[4], h[5]])
}

/// The neighbour cache of `node`, ordered by interface, then address.
pub fn neighbours(cluster: &mut Cluster, node: &str) -> Vec<Neighbour> {
    let Some(interfaces) = cluster.node_interfaces(node) else {
        return Vec::new();
    };
    let preset = cluster.preset().clone();
    let mut out: Vec<(u32, Neighbour)> = Vec::new();
    let nics: Vec<_> = interfaces
        .iter()
        .filter(|i| i.name.starts_with("enp") || i.name.starts_with("eth"))
        .collect();
    for (n, nic) in nics.iter().enumerate() {
        for a in &nic.addrs {
            let mask = u32::MAX << (32 - u32::from(a.prefix));
            let net = u32::from(a.ip) & mask;
            if n == 0 {
                // The default gateway: VirtualBox NAT's router, or the subnet's first address.
                let (gw, mac) = if a.dynamic {
                    (Ipv4Addr::new(10, 0, 2, 2), "52:54:00:12:35:02".to_string())
                } else {
                    let h = sha256(format!("{}/gateway", preset.name).as_bytes());
                    (
                        Ipv4Addr::from(net | 1),
                        mac_text(&[0x02, h[0], h[1], h[2], h[3], h[4]]),
                    )
                };
                out.push((
                    nic.index,
                    Neighbour {
                        ip: gw,
                        mac,
                        dev: nic.name.clone(),
                    },
                ));
            }
            for other in preset.nodes.iter().filter(|o| o.name != node) {
                let Ok(ip) = other.ip.parse::<Ipv4Addr>() else {
                    continue;
                };
                if u32::from(ip) & mask != net {
                    continue;
                }
                let mac = cluster
                    .node_interfaces(&other.name)
                    .unwrap_or_default()
                    .into_iter()
                    .find(|i| i.addrs.iter().any(|x| x.ip == ip))
                    .and_then(|i| link_mac(&i.link));
                if let Some(mac) = mac {
                    out.push((
                        nic.index,
                        Neighbour {
                            ip,
                            mac,
                            dev: nic.name.clone(),
                        },
                    ));
                }
            }
        }
    }
    let bridge_index = interfaces
        .iter()
        .find(|i| i.name == "weave")
        .map(|i| i.index);
    let own: Vec<Ipv4Addr> = interfaces
        .iter()
        .flat_map(|i| i.addrs.iter().map(|a| a.ip))
        .collect();
    for (ns, name, uid, ip) in local_pods(cluster, node) {
        // The kernel keeps no neighbour entry for one of its own addresses.
        if own.contains(&ip) {
            continue;
        }
        let (index, dev) = match preset.cni {
            Cni::Calico => {
                let veth = calico_veth_name(&ns, &name);
                match interfaces.iter().find(|i| i.name == veth) {
                    Some(i) => (i.index, veth),
                    None => continue,
                }
            }
            Cni::WeaveNet => match bridge_index {
                Some(i) => (i, "weave".to_string()),
                None => continue,
            },
        };
        out.push((
            index,
            Neighbour {
                ip,
                mac: pod_mac(&uid),
                dev,
            },
        ));
    }
    kubarium_engine::sort::sort_by(&mut out, |a, b| {
        (a.0, u32::from(a.1.ip)).cmp(&(b.0, u32::from(b.1.ip)))
    });
    out.into_iter().map(|(_, n)| n).collect()
}

/// The first name `/etc/hosts` gives `ip`.
fn hosts_name(hosts: &str, ip: Ipv4Addr) -> Option<String> {
    let ip = ip.to_string();
    hosts.lines().find_map(|line| {
        let line = line.split('#').next().unwrap_or("");
        let mut words = line.split_whitespace();
        (words.next()? == ip).then(|| words.next().map(str::to_string))?
    })
}

const USAGE: &str = "Usage:\n  arp [-vn]  [<HW>] [-i <if>] [-a] [<hostname>]             <-Display ARP cache\n  arp [-v]          [-i <if>] -d  <host> [pub]               <-Delete ARP entry\n  arp [-vnD] [<HW>] [-i <if>] -f  [<filename>]            <-Add entry from file\n  arp [-v]   [<HW>] [-i <if>] -s  <host> <hwaddr> [temp]            <-Add entry\n  arp [-v]   [<HW>] [-i <if>] -Ds <host> <if> [netmask <nm>] pub          <-''-\n\n        -a                       display (all) hosts in alternative (BSD) style\n        -e                       display (all) hosts in default (Linux) style\n        -s, --set                set a new ARP entry\n        -d, --delete             delete a specified entry\n        -v, --verbose            be verbose\n        -n, --numeric            don't resolve names\n        -i, --device             specify network interface (e.g. eth0)\n        -D, --use-device         read <hwaddr> from given device\n        -A, -p, --protocol       specify protocol family\n        -f, --file               read new entries from file or from /etc/ethers\n\n  <HW>=Use '-H <hw>' to specify hardware address type. Default: ether\n  List of possible hardware types (which support ARP):\n    ash (Ash) ether (Ethernet) ax25 (AMPR AX.25) \n    netrom (AMPR NET/ROM) rose (AMPR ROSE) arcnet (ARCnet) \n    dlci (Frame Relay DLCI) fddi (Fiber Distributed Data Interface) hippi (HIPPI) \n    irda (IrLAP) x25 (generic X.25) eui64 (Generic EUI-64) \n";

/// Runs `arp ARGS…` on `node`.
pub fn run(cluster: &mut Cluster, node: &str, args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let (mut bsd, mut numeric, mut verbose) = (false, false, false);
    let mut device: Option<String> = None;
    let mut host: Option<String> = None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "--all" => bsd = true,
            "--numeric" => numeric = true,
            "--verbose" => verbose = true,
            "--help" => {
                io.out.stdout(USAGE);
                return 0;
            }
            "--device" => {
                i += 1;
                device = args.get(i).cloned();
            }
            "--delete" | "--set" | "--file" => {
                io.out.stderr(
                    "Kubarium: arp only displays the neighbour cache here (arp -a, arp -n).\n",
                );
                return 1;
            }
            _ if a.starts_with("--") => {
                io.out
                    .stderr(format!("arp: unrecognized option '{a}'\n{USAGE}"));
                return 3;
            }
            _ if a.starts_with('-') && a.len() > 1 => {
                let flags: Vec<char> = a[1..].chars().collect();
                for (k, f) in flags.iter().enumerate() {
                    match f {
                        'a' => bsd = true,
                        'e' => bsd = false,
                        'n' => numeric = true,
                        'v' => verbose = true,
                        'h' => {
                            io.out.stdout(USAGE);
                            return 0;
                        }
                        'i' => {
                            let rest: String = flags[k + 1..].iter().collect();
                            device = if rest.is_empty() {
                                i += 1;
                                args.get(i).cloned()
                            } else {
                                Some(rest)
                            };
                            break;
                        }
                        'd' | 's' | 'f' | 'D' => {
                            io.out.stderr("Kubarium: arp only displays the neighbour cache here (arp -a, arp -n).\n");
                            return 1;
                        }
                        other => {
                            io.out
                                .stderr(format!("arp: invalid option -- '{other}'\n{USAGE}"));
                            return 3;
                        }
                    }
                }
            }
            _ => host = Some(a.to_string()),
        }
        i += 1;
    }
    let hosts = io.vfs.read("/etc/hosts").unwrap_or_default();
    // A host operand names one address: numeric, or a name from /etc/hosts.
    let wanted: Option<Ipv4Addr> = match &host {
        None => None,
        Some(h) => match h.parse::<Ipv4Addr>() {
            Ok(ip) => Some(ip),
            Err(_) => {
                let found = hosts.lines().find_map(|line| {
                    let line = line.split('#').next().unwrap_or("");
                    let mut words = line.split_whitespace();
                    let ip = words.next()?.parse::<Ipv4Addr>().ok()?;
                    words.any(|w| w == h).then_some(ip)
                });
                match found {
                    Some(ip) => Some(ip),
                    None => {
                        io.out.stderr(format!("{h}: Unknown host\n"));
                        return 255;
                    }
                }
            }
        },
    };
    let all = neighbours(cluster, node);
    let mut shown = 0;
    let mut title = false;
    for n in &all {
        if wanted.is_some_and(|w| w != n.ip) || device.as_ref().is_some_and(|d| d != &n.dev) {
            continue;
        }
        shown += 1;
        let name = if numeric {
            None
        } else if all.first() == Some(n) {
            // systemd-resolved answers the default gateway's reverse lookup.
            Some("_gateway".to_string())
        } else {
            hosts_name(&hosts, n.ip)
        };
        if bsd {
            io.out.stdout(format!(
                "{} ({}) at {} [ether] on {}\n",
                name.as_deref().unwrap_or("?"),
                n.ip,
                n.mac,
                n.dev
            ));
        } else {
            if !title {
                io.out.stdout(
                    "Address                  HWtype  HWaddress           Flags Mask            Iface\n",
                );
                title = true;
            }
            let shown_name = name.unwrap_or_else(|| n.ip.to_string());
            let shown_name: String = shown_name.chars().take(23).collect();
            io.out.stdout(format!(
                "{shown_name:<23}  {:<8}{:<20}{:<6}{:<15} {}\n",
                "ether", n.mac, "C", "", n.dev
            ));
        }
    }
    if verbose {
        io.out.stdout(format!(
            "Entries: {}\tSkipped: {}\tFound: {}\n",
            all.len(),
            all.len() - shown,
            shown
        ));
    }
    if shown == 0 {
        if let (Some(h), Some(ip), false) = (&host, wanted, bsd) {
            io.out.stdout(format!("{h} ({ip}) -- no entry\n"));
        } else if host.is_some() || device.is_some() {
            io.out
                .stdout(format!("arp: in {} entries no match found.\n", all.len()));
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubarium_engine::api::{Kind, Pod};

    fn arp(cluster: &mut Cluster, node: &str, args: &[&str]) -> (String, i32) {
        crate::tools::run_on_node(run, cluster, node, args)
    }

    #[test]
    fn bsd_style_names_the_gateway_and_the_other_nodes() {
        let mut c = Cluster::from_preset("vagrant", 1).expect("preset");
        let (text, status) = arp(&mut c, "m-k8s", &["-a"]);
        assert_eq!(status, 0);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "_gateway (10.0.2.2) at 52:54:00:12:35:02 [ether] on enp0s3"
        );
        assert!(
            lines[1].starts_with("w1-k8s (192.168.1.101) at 08:00:27:")
                && lines[1].ends_with(" [ether] on enp0s8"),
            "{text}"
        );
        // The MAC is the one `ip link` shows on w1-k8s.
        let w1 = c.node_interfaces("w1-k8s").unwrap_or_default();
        let enp0s8 = w1
            .iter()
            .find(|i| i.name == "enp0s8")
            .map(|i| i.link.clone());
        let mac = lines[1].split(' ').nth(3).unwrap_or_default();
        assert!(enp0s8.is_some_and(|l| l.contains(mac)), "{text}");
    }

    #[test]
    fn numeric_linux_style_has_net_tools_columns() {
        let mut c = Cluster::from_preset("cka", 1).expect("preset");
        let (text, _) = arp(&mut c, "controlplane", &["-n"]);
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some(
                "Address                  HWtype  HWaddress           Flags Mask            Iface"
            )
        );
        let first = lines.next().unwrap_or_default();
        assert!(
            first.starts_with("192.168.100.1            ether   "),
            "{text}"
        );
        assert!(
            first.ends_with("   C                     eth0"),
            "{first:?}"
        );
        assert_eq!(
            first.len(),
            "192.168.100.1            ether   02:00:00:00:00:00   C                     eth0".len()
        );
    }

    #[test]
    fn pods_on_the_node_sit_on_their_veth() {
        let mut c = Cluster::from_preset("vagrant", 1).expect("preset");
        let pods: Vec<(String, String)> = c
            .api_ref()
            .store()
            .list(Kind::Pod, Some("kube-system"))
            .filter_map(|o| {
                let p = o.as_::<Pod>()?;
                let node = p.spec.as_ref()?.node_name.clone()?;
                p.status.as_ref()?.pod_ip.as_ref()?;
                (!p.spec.as_ref()?.host_network.unwrap_or(false))
                    .then(|| (node, o.name().to_string()))
            })
            .collect();
        let Some((node, pod)) = pods.first().cloned() else {
            return;
        };
        let (text, _) = arp(&mut c, &node, &["-an"]);
        let veth = calico_veth_name("kube-system", &pod);
        assert!(text.contains(&format!("[ether] on {veth}\n")), "{text}");
        assert!(text.lines().all(|l| l.starts_with("? (")), "{text}");
    }

    #[test]
    fn unknown_host_and_no_entry() {
        let mut c = Cluster::from_preset("vagrant", 1).expect("preset");
        let (text, status) = arp(&mut c, "m-k8s", &["192.168.1.77"]);
        assert_eq!(status, 0);
        assert_eq!(text, "192.168.1.77 (192.168.1.77) -- no entry\n");
    }
}
