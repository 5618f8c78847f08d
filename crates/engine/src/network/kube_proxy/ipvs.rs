//! IPVS mode: the virtual servers kube-proxy keeps in a node's kernel and `ipvsadm -Ln`.
//!
//! Every ClusterIP, external IP and load-balancer IP of a service port is a virtual server
//! (and an address of the `kube-ipvs0` dummy interface, so the node answers for it); a
//! NodePort is a virtual server on each of the node's own addresses. Destinations are the
//! endpoints, scheduler `rr`, forwarding `Masq`, weight 1; `sessionAffinity: ClientIP` adds
//! `persistent TIMEOUT`.

use super::ServiceMap;
use std::fmt::Write as _;
use std::net::Ipv4Addr;

/// One IPVS virtual server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VirtualServer {
    /// `TCP`, `UDP` or `SCTP`.
    pub protocol: String,
    pub addr: Ipv4Addr,
    pub port: u16,
    pub scheduler: &'static str,
    pub persistent: Option<u32>,
    /// `(address, port)` of each real server.
    pub dests: Vec<(Ipv4Addr, u16)>,
}

fn proto_number(p: &str) -> u8 {
    match p {
        "TCP" => 6,
        "UDP" => 17,
        _ => 132,
    }
}

/// The virtual servers of a node whose own addresses (for NodePorts) are `node_addrs`.
pub fn virtual_servers(map: &ServiceMap, node_addrs: &[Ipv4Addr]) -> Vec<VirtualServer> {
    let mut out = Vec::new();
    for sp in &map.ports {
        let dests: Vec<(Ipv4Addr, u16)> = sp.endpoints.iter().map(|e| (e.ip, e.port)).collect();
        let vs = |addr: Ipv4Addr, port: u16| VirtualServer {
            protocol: sp.protocol.clone(),
            addr,
            port,
            scheduler: "rr",
            persistent: sp.affinity_seconds,
            dests: dests.clone(),
        };
        out.push(vs(sp.cluster_ip, sp.port));
        for ip in sp.external_ips.iter().chain(&sp.load_balancer_ips) {
            out.push(vs(*ip, sp.port));
        }
        if let Some(np) = sp.node_port {
            for ip in node_addrs {
                out.push(vs(*ip, np));
            }
        }
    }
    // ipvsadm sorts services by protocol, address, port and destinations by address, port.
    crate::sort::sort_by_key(&mut out, |v| {
        (proto_number(&v.protocol), u32::from(v.addr), v.port)
    });
    out.dedup_by(|a, b| a.protocol == b.protocol && a.addr == b.addr && a.port == b.port);
    for v in &mut out {
        crate::sort::sort_by_key(&mut v.dests, |(ip, port)| (u32::from(*ip), *port));
    }
    out
}

/// The addresses kube-proxy binds to `kube-ipvs0`: every ClusterIP, external IP and
/// load-balancer IP, in ascending order.
pub fn dummy_addresses(map: &ServiceMap) -> Vec<Ipv4Addr> {
    let mut ips: Vec<Ipv4Addr> = map
        .ports
        .iter()
        .flat_map(|p| {
            std::iter::once(p.cluster_ip)
                .chain(p.external_ips.iter().copied())
                .chain(p.load_balancer_ips.iter().copied())
        })
        .collect();
    crate::sort::sort_by_key(&mut ips, |ip| u32::from(*ip));
    ips.dedup();
    ips
}

/// `ipvsadm -Ln` (IP Virtual Server version 1.2.1 with the default 4096-entry table).
pub fn render_list(servers: &[VirtualServer]) -> String {
    let mut out = String::from(
        "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n",
    );
    for v in servers {
        let _ = write!(out, "{}  {}:{} {}", v.protocol, v.addr, v.port, v.scheduler);
        if let Some(t) = v.persistent {
            let _ = write!(out, " persistent {t}");
        }
        out.push('\n');
        for (ip, port) in &v.dests {
            let _ = writeln!(
                out,
                "  -> {:<28} {:<7} {:<6} {:<10} {:<10}",
                format!("{ip}:{port}"),
                "Masq",
                1,
                0,
                0
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::appjs;
    use super::*;

    #[test]
    fn ipvsadm_lists_cluster_ip_and_node_ports() {
        let (svc, sl) = appjs();
        let map = ServiceMap::build([&svc].into_iter(), [&sl].into_iter());
        let vs = virtual_servers(&map, &["10.0.0.11".parse().unwrap()]);
        let text = render_list(&vs);
        let dest = |a: &str| format!("  -> {a:<28} Masq    1      0          0         \n");
        let dests = dest("10.36.0.1:8080") + &dest("10.36.0.2:8080") + &dest("10.44.0.1:8080");
        assert_eq!(
            text,
            format!(
                "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  10.0.0.11:30123 rr\n{dests}TCP  10.108.183.25:80 rr\n{dests}"
            )
        );
        assert_eq!(
            dummy_addresses(&map),
            ["10.108.183.25".parse::<Ipv4Addr>().unwrap()]
        );
    }
}
