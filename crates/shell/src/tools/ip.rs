//! `ip` (iproute2 6.1, Ubuntu 24.04) on a node: `ip addr`, `ip link` and `ip route`, with
//! `show [dev] NAME` and `-4`/`-6`. The interfaces follow the pods on the node (one veth
//! each), the CNI and kube-proxy's mode (see `kubarium_engine::network::interfaces`).

use crate::output::Output;
use kubarium_engine::network::interfaces::Interface;
use kubarium_engine::Cluster;

/// Runs `ip ARGS…` on `node`.
pub fn run(cluster: &mut Cluster, node: &str, args: &[String], out: &mut Output) -> i32 {
    let mut family: Option<u8> = None;
    let mut brief = false;
    let mut rest: Vec<&str> = Vec::new();
    for a in args {
        match a.as_str() {
            "-4" => family = Some(4),
            "-6" => family = Some(6),
            "-br" | "-brief" | "--brief" => brief = true,
            "-c" | "-color" | "--color" | "-d" | "-details" => {}
            s => rest.push(s),
        }
    }
    let object = rest.first().copied().unwrap_or("");
    let verb_and_dev = &rest[rest.len().min(1)..];
    let dev = match verb_and_dev {
        [] | ["show"] | ["list"] | ["ls"] => None,
        ["show" | "list" | "ls", "dev", d] | ["show" | "list" | "ls", d] | ["dev", d] => {
            Some(d.to_string())
        }
        [d] if !d.starts_with('-') && !matches!(object, "route" | "r" | "ro") => {
            Some(d.to_string())
        }
        other => {
            if matches!(object, "route" | "r" | "ro" | "rou") {
                None
            } else {
                out.stderr(format!(
                    "Command \"{}\" is unknown, try \"ip {} help\".\n",
                    other.first().unwrap_or(&""),
                    object
                ));
                return 255;
            }
        }
    };
    match object {
        "" => {
            out.stderr("Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n       ip [ -force ] -batch filename\nwhere  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp | link |\n                   macsec | maddress | monitor | mptcp | mroute | mrule |\n                   neighbor | neighbour | netconf | netns | nexthop | ntable |\n                   ntbl | route | rule | sr | stats | tap | tcpmetrics |\n                   token | tunnel | tuntap | vrf | xfrm }\n       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |\n                    -h[uman-readable] | -iec | -j[son] | -p[retty] |\n                    -f[amily] { inet | inet6 | mpls | bridge | link } |\n                    -4 | -6 | -M | -B | -0 |\n                    -l[oops] { maximum-addr-flush-attempts } | -br[ief] |\n                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |\n                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |\n                    -c[olor]}\n");
            255
        }
        "a" | "ad" | "add" | "addr" | "addre" | "addres" | "address" => {
            show(cluster, node, dev.as_deref(), family, brief, true, out)
        }
        "l" | "li" | "lin" | "link" => {
            show(cluster, node, dev.as_deref(), family, brief, false, out)
        }
        "r" | "ro" | "rou" | "rout" | "route" => {
            if family == Some(6) {
                // IPv6 routes of the link-local networks only.
                return 0;
            }
            let routes = cluster.node_routes(node).unwrap_or_default();
            let filter = rest
                .iter()
                .position(|w| *w == "dev")
                .and_then(|i| rest.get(i + 1));
            let default_only = rest.contains(&"default");
            for r in routes {
                if default_only && !r.starts_with("default ") {
                    continue;
                }
                if let Some(d) = filter {
                    if !r.contains(&format!(" dev {d} ")) {
                        continue;
                    }
                    out.stdout(format!("{}\n", r.replace(&format!(" dev {d}"), "")));
                    continue;
                }
                out.stdout(format!("{r}\n"));
            }
            0
        }
        other => {
            out.stderr(format!("Object \"{other}\" is unknown, try \"ip help\".\n"));
            1
        }
    }
}

fn show(
    cluster: &mut Cluster,
    node: &str,
    dev: Option<&str>,
    family: Option<u8>,
    brief: bool,
    addresses: bool,
    out: &mut Output,
) -> i32 {
    let Some(ifaces) = cluster.node_interfaces(node) else {
        return 1;
    };
    let list: Vec<&Interface> = ifaces
        .iter()
        .filter(|i| dev.is_none_or(|d| i.name == d))
        .collect();
    if let (Some(d), true) = (dev, list.is_empty()) {
        out.stderr(format!("Device \"{d}\" does not exist.\n"));
        return 1;
    }
    let lease = 86_400 - (cluster.now().ms() / 1000) % 3_600;
    for i in list {
        if brief {
            out.stdout(brief_line(i, addresses));
            continue;
        }
        if addresses && family == Some(4) && i.addrs.is_empty() {
            continue;
        }
        if addresses && family == Some(6) && i.inet6.is_none() {
            continue;
        }
        let name = match &i.peer {
            Some(p) => format!("{}@{p}", i.name),
            None => i.name.clone(),
        };
        let master = i.master.map(|m| format!(" master {m}")).unwrap_or_default();
        let mode = if addresses { "" } else { " mode DEFAULT" };
        let qlen = if i.qlen { " qlen 1000" } else { " " };
        let mut text = format!(
            "{}: {name}: <{}> mtu {} qdisc {}{master} state {}{mode} group default{qlen}\n",
            i.index, i.flags, i.mtu, i.qdisc, i.state
        );
        if family.is_none() || !addresses {
            text.push_str(&format!("    {}", i.link));
            if let Some(ns) = &i.netns {
                text.push_str(&format!(" link-netns {ns}"));
            }
            text.push('\n');
        }
        if addresses {
            if family != Some(6) {
                for a in &i.addrs {
                    let metric = if a.dynamic { " metric 100" } else { "" };
                    let brd = a.brd.map(|b| format!(" brd {b}")).unwrap_or_default();
                    let scope = if a.host_scope { "host" } else { "global" };
                    let dynamic = if a.dynamic { " dynamic" } else { "" };
                    text.push_str(&format!(
                        "    inet {}/{}{metric}{brd} scope {scope}{dynamic} {}\n",
                        a.ip, a.prefix, i.name
                    ));
                    if a.dynamic {
                        text.push_str(&format!(
                            "       valid_lft {lease}sec preferred_lft {lease}sec\n"
                        ));
                    } else {
                        text.push_str("       valid_lft forever preferred_lft forever\n");
                    }
                }
            }
            if family != Some(4) {
                if let Some(v6) = &i.inet6 {
                    let (scope, extra) = if v6 == "::1/128" {
                        ("host", " noprefixroute")
                    } else {
                        ("link", "")
                    };
                    text.push_str(&format!(
                        "    inet6 {v6} scope {scope}{extra} \n       valid_lft forever preferred_lft forever\n"
                    ));
                }
            }
        }
        out.stdout(text);
    }
    0
}

/// One line of `ip -br addr` / `ip -br link`.
fn brief_line(i: &Interface, addresses: bool) -> String {
    let name = match &i.peer {
        Some(p) => format!("{}@{p}", i.name),
        None => i.name.clone(),
    };
    if addresses {
        let mut addrs: Vec<String> = i
            .addrs
            .iter()
            .map(|a| format!("{}/{}", a.ip, a.prefix))
            .collect();
        if let Some(v6) = &i.inet6 {
            addrs.push(v6.clone());
        }
        format!("{name:<16} {:<14} {} \n", i.state, addrs.join(" "))
    } else {
        let mac = i.link.split_whitespace().nth(1).unwrap_or("").to_string();
        format!("{name:<16} {:<14} {mac} <{}> \n", i.state, i.flags)
    }
}
