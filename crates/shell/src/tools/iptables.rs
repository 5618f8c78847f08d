//! `iptables` and `iptables-save` on a node: the rules kube-proxy (and kubelet) keep there,
//! printed as iptables v1.8.10 (nf_tables) prints them: `-S [CHAIN]`, `-L [CHAIN]` with `-n`,
//! `-v` and `--line-numbers`, `-t nat|filter`. The rules are read-only here: kube-proxy
//! rewrites them on its next sync anyway.

use crate::output::Output;
use kubarium_engine::network::kube_proxy::iptables::{
    filter_table, has_chain, nat_table, render_iptables_save, render_list, render_save,
    ListOptions, NodeContext, Table,
};
use kubarium_engine::Cluster;

const VERSION: &str = "iptables v1.8.10 (nf_tables)";

/// The tables of `node` as kube-proxy has programmed them.
fn table(cluster: &mut Cluster, node: &str, name: &str) -> Option<Table> {
    let map = cluster.kube_proxy_map();
    let ctx = NodeContext {
        mode: cluster.kube_proxy_mode(node),
        cluster_cidr: cluster.preset().pod_network.to_string(),
    };
    match name {
        "nat" => Some(nat_table(&map, &ctx)),
        "filter" => Some(filter_table(&map, &ctx)),
        _ => None,
    }
}

/// Runs `iptables ARGS…` on `node`.
pub fn run(cluster: &mut Cluster, node: &str, args: &[String], out: &mut Output) -> i32 {
    let mut table_name = "filter".to_string();
    let mut command: Option<char> = None;
    let mut chain: Option<String> = None;
    let mut opts = ListOptions::default();
    let mut verbose = false;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "-t" | "--table" => {
                i += 1;
                let Some(t) = args.get(i) else {
                    out.stderr(format!("{VERSION}: option \"{a}\" requires an argument\nTry `iptables -h' or 'iptables --help' for more information.\n"));
                    return 2;
                };
                table_name = t.clone();
            }
            "-S" | "--list-rules" | "-L" | "--list" => {
                command = Some(if a == "-S" || a == "--list-rules" {
                    'S'
                } else {
                    'L'
                });
                if let Some(c) = args.get(i + 1).filter(|c| !c.starts_with('-')) {
                    chain = Some(c.clone());
                    i += 1;
                }
            }
            "-n" | "--numeric" => opts.numeric = true,
            "-v" | "--verbose" => verbose = true,
            "--line-numbers" => opts.line_numbers = true,
            "-w" | "--wait" => {}
            "-A" | "-I" | "-D" | "-N" | "-X" | "-F" | "-P" | "-R" | "-Z" | "-E" => {
                out.stderr(format!(
                    "Kubarium: the rules are kube-proxy's and kubelet's; `iptables {a}` is not simulated (kube-proxy would restore its rules at its next sync).\n"
                ));
                return 1;
            }
            s if s.starts_with('-') && !s.starts_with("--") && s.len() > 2 => {
                // Combined short options: -nL, -nvL, -tnat.
                if let Some(t) = s.strip_prefix("-t") {
                    table_name = t.to_string();
                } else {
                    for c in s[1..].chars() {
                        match c {
                            'n' => opts.numeric = true,
                            'v' => verbose = true,
                            'L' | 'S' => command = Some(c),
                            _ => {
                                out.stderr(format!("{VERSION}: unknown option \"{s}\"\nTry `iptables -h' or 'iptables --help' for more information.\n"));
                                return 2;
                            }
                        }
                    }
                    if matches!(command, Some('L') | Some('S')) && chain.is_none() {
                        if let Some(c) = args.get(i + 1).filter(|c| !c.starts_with('-')) {
                            chain = Some(c.clone());
                            i += 1;
                        }
                    }
                }
            }
            s => {
                out.stderr(format!("Bad argument `{s}'\nTry `iptables -h' or 'iptables --help' for more information.\n"));
                return 2;
            }
        }
        i += 1;
    }
    let Some(command) = command else {
        out.stderr(format!("{VERSION}: no command specified\nTry `iptables -h' or 'iptables --help' for more information.\n"));
        return 2;
    };
    let Some(t) = table(cluster, node, &table_name) else {
        out.stderr(format!("{VERSION}: can't initialize iptables table `{table_name}': Table does not exist (do you need to insmod?)\nPerhaps iptables or your kernel needs to be upgraded.\n"));
        return 3;
    };
    if let Some(c) = &chain {
        if !has_chain(&t, c) {
            out.stderr("iptables: No chain/target/match by that name.\n");
            return 1;
        }
    }
    let text = match command {
        'S' => {
            let mut s = render_save(&t, chain.as_deref());
            if verbose {
                s = s
                    .lines()
                    .map(|l| {
                        if l.starts_with("-P ") || l.starts_with("-A ") {
                            format!("{l} -c 0 0\n")
                        } else {
                            format!("{l}\n")
                        }
                    })
                    .collect();
            }
            s
        }
        _ => {
            let s = render_list(&t, chain.as_deref(), opts);
            if verbose {
                verbose_list(&s, opts.line_numbers)
            } else {
                s
            }
        }
    };
    out.stdout(text);
    0
}

/// Adds `-v`'s counters and interface columns to a `-L` listing (all counters are zero:
/// packets are not simulated one by one).
fn verbose_list(plain: &str, line_numbers: bool) -> String {
    let mut out = String::new();
    for line in plain.lines() {
        if let Some(rest) = line.strip_prefix("Chain ") {
            let text = rest.replace("(policy ACCEPT)", "(policy ACCEPT 0 packets, 0 bytes)");
            out.push_str(&format!("Chain {text}\n"));
        } else if line.is_empty() {
            out.push('\n');
        } else {
            let (num, rest) = if line_numbers {
                line.split_at(5.min(line.len()))
            } else {
                ("", line)
            };
            if rest.starts_with("target ") {
                out.push_str(&format!(
                    "{num} pkts bytes target     prot opt in     out     source               destination         \n"
                ));
            } else {
                // `target prot opt ` is 9 + 2 + 5 + 3 columns; in/out go after `opt`.
                let split = rest
                    .char_indices()
                    .scan(0, |seen, (i, c)| {
                        if c == '-' && rest[i..].starts_with("-- ") {
                            *seen += 1;
                        }
                        Some((i, *seen))
                    })
                    .find(|(_, s)| *s == 1)
                    .map(|(i, _)| i + 3)
                    .unwrap_or(rest.len());
                let (head, tail) = rest.split_at(split.min(rest.len()));
                // `in` and `out`: an inversion mark and `%-6s ` each.
                out.push_str(&format!("{num}    0     0 {head} *      *      {tail}\n"));
            }
        }
    }
    out
}

/// Runs `iptables-save [-t TABLE]` on `node`.
pub fn run_save(cluster: &mut Cluster, node: &str, args: &[String], out: &mut Output) -> i32 {
    let mut tables = vec!["filter".to_string(), "nat".to_string()];
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-t" | "--table" => {
                i += 1;
                if let Some(t) = args.get(i) {
                    tables = vec![t.clone()];
                }
            }
            "-c" | "--counters" => {}
            s => {
                out.stderr(format!(
                    "iptables-save v1.8.10 (nf_tables): unknown option \"{s}\"\n"
                ));
                return 1;
            }
        }
        i += 1;
    }
    let mut text = String::from("# Generated by iptables-save v1.8.10 (nf_tables)\n");
    for name in &tables {
        let Some(t) = table(cluster, node, name) else {
            out.stderr("iptables-save v1.8.10 (nf_tables): Cannot initialize: Table does not exist (do you need to insmod?)\n");
            return 1;
        };
        text.push_str(&render_iptables_save(&t));
        text.push_str("# Completed\n");
    }
    out.stdout(text);
    0
}

/// Runs `ipvsadm ARGS…` on `node`: `-L|-l [-n] [-t|-u VIP:PORT]`, the default listing.
pub fn run_ipvsadm(cluster: &mut Cluster, node: &str, args: &[String], out: &mut Output) -> i32 {
    let mut numeric = false;
    let mut service: Option<(String, String)> = None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "-L" | "-l" | "--list" => {}
            "-n" | "--numeric" => numeric = true,
            "-t" | "--tcp-service" | "-u" | "--udp-service" => {
                i += 1;
                let proto = if a.starts_with("-t") || a == "--tcp-service" {
                    "TCP"
                } else {
                    "UDP"
                };
                service = args.get(i).map(|s| (proto.to_string(), s.clone()));
            }
            s if s.starts_with('-') && s.chars().skip(1).all(|c| "Lln".contains(c)) => {
                numeric |= s.contains('n');
            }
            s => {
                out.stderr(format!("ipvsadm: invalid option -- '{}'\nTry `ipvsadm -h' or 'ipvsadm --help' for more information.\n", s.trim_start_matches('-')));
                return 2;
            }
        }
        i += 1;
    }
    let map = cluster.kube_proxy_map();
    let servers =
        if cluster.kube_proxy_mode(node) == kubarium_engine::network::kube_proxy::Mode::Ipvs {
            let addrs = cluster.node_local_addresses(node);
            kubarium_engine::network::kube_proxy::ipvs::virtual_servers(&map, &addrs)
        } else {
            Vec::new()
        };
    let servers: Vec<_> = match &service {
        Some((proto, addr)) => {
            let found: Vec<_> = servers
                .into_iter()
                .filter(|v| &v.protocol == proto && format!("{}:{}", v.addr, v.port) == *addr)
                .collect();
            if found.is_empty() {
                out.stderr("Memory allocation problem\n");
                return 1;
            }
            found
        }
        None => servers,
    };
    let mut text = kubarium_engine::network::kube_proxy::ipvs::render_list(&servers);
    if service.is_some() {
        // A single service is listed without the version line.
        text = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
    }
    if !numeric {
        text = name_ports(cluster, &text);
    }
    out.stdout(text);
    0
}

/// `ipvsadm -L` without `-n`: node addresses by host name and well-known ports by service
/// name (ClusterIPs have no reverse record and stay numeric).
fn name_ports(cluster: &Cluster, text: &str) -> String {
    let nodes: Vec<(String, String)> = cluster
        .preset()
        .nodes
        .iter()
        .map(|n| (n.ip.clone(), n.name.clone()))
        .collect();
    let rename = |addr: &str| -> String {
        let Some((ip, port)) = addr.rsplit_once(':') else {
            return addr.to_string();
        };
        let host = nodes
            .iter()
            .find(|(i, _)| i == ip)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| ip.to_string());
        let port = match port {
            "443" => "https",
            "80" => "http",
            "53" => "domain",
            p => p,
        };
        format!("{host}:{port}")
    };
    text.lines()
        .map(|l| {
            if let Some(rest) = l.strip_prefix("  -> ") {
                if !rest.starts_with("RemoteAddress") {
                    let (addr, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                    return format!("  -> {:<28} {}\n", rename(addr), tail.trim_start());
                }
            } else if let Some((proto, rest)) = l.split_once("  ") {
                if matches!(proto, "TCP" | "UDP" | "SCTP") {
                    let (addr, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                    return format!("{proto}  {} {tail}\n", rename(addr));
                }
            }
            format!("{l}\n")
        })
        .collect()
}
