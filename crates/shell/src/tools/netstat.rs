//! `netstat` (net-tools 2.10, Ubuntu 24.04) on a node: the sockets of a kubeadm node, in
//! net-tools' column layout (`-t`, `-u`, `-x`, `-l`, `-a`, `-n`, `-p`, `-W`).
//!
//! What listens follows what runs on the node: the kubelet (`127.0.0.1:10248`, `:::10250`)
//! while its service is up, containerd's CRI stream server, systemd-resolved's stubs, sshd
//! (socket-activated on Ubuntu 24.04, so PID 1 holds the socket), kube-proxy
//! (`127.0.0.1:10249`, `:::10256`; no NodePort sockets — kube-proxy stopped holding them in
//! v1.24), the CNI's agents (Calico's BIRD on 179 and felix's health port 9099; weave's
//! 6781–6784) and, on the control plane, the static pods (etcd 2379/2380/2381, the API server
//! on `:::6443`, the controller manager 10257, the scheduler 10259) while their pods run.
//! Go programs listening on every address hold one dual-stack socket, shown as `tcp6`.
//!
//! Established connections (`-a`) are the long-lived ones of the cluster: every kubelet and
//! kube-proxy to the API server, the CNI agents to the `kubernetes` Service, the API server to
//! etcd, BGP or weave peerings between the nodes; the API server's side of each connection
//! made to it. PIDs are fixed per program (the kubelet's is its service's); ephemeral ports
//! are derived from the connection, so the same cluster prints the same table.

use crate::bash::CommandIo;
use kubarium_engine::api::{Kind, Pod};
use kubarium_engine::network::kube_proxy::chain_name::sha256;
use kubarium_engine::preset::Cni;
use kubarium_engine::Cluster;

/// One socket of the node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Socket {
    /// `tcp`, `tcp6`, `udp` or `udp6`.
    pub proto: &'static str,
    pub local: String,
    pub local_port: u16,
    /// Remote address and port; `None` for a listening (or unconnected UDP) socket.
    pub remote: Option<(String, u16)>,
    pub pid: u32,
    pub program: &'static str,
}

/// One UNIX domain socket of the node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnixSocket {
    pub listening: bool,
    pub path: Option<&'static str>,
    pub pid: u32,
    pub program: &'static str,
}

const INIT: u32 = 1;
const RESOLVED: u32 = 552;
const NETWORKD: u32 = 531;
const CONTAINERD: u32 = 611;

/// The fixed PID of a program running in a pod on the host network.
fn pod_pid(program: &str) -> u32 {
    match program {
        "etcd" => 1876,
        "kube-apiserver" => 1893,
        "kube-controller-manager" => 1904,
        "kube-scheduler" => 1917,
        "kube-proxy" => 2268,
        "weave-npc" => 2580,
        "weaver" => 2671,
        "calico-node" => 2790,
        "bird" => 2905,
        _ => 3001,
    }
}

/// The TCP sockets each host-network program listens on: (program, proto, address, port);
/// `NODE` stands for the node's own address.
const POD_LISTENERS: &[(&str, &str, &str, u16)] = &[
    ("kube-proxy", "tcp", "127.0.0.1", 10249),
    ("kube-proxy", "tcp6", "::", 10256),
    ("bird", "tcp", "0.0.0.0", 179),
    ("calico-node", "tcp", "127.0.0.1", 9099),
    ("weaver", "tcp6", "::", 6783),
    ("weaver", "tcp", "127.0.0.1", 6784),
    ("weaver", "tcp6", "::", 6782),
    ("weave-npc", "tcp6", "::", 6781),
    ("etcd", "tcp", "127.0.0.1", 2379),
    ("etcd", "tcp", "NODE", 2379),
    ("etcd", "tcp", "NODE", 2380),
    ("etcd", "tcp", "127.0.0.1", 2381),
    ("kube-apiserver", "tcp6", "::", 6443),
    ("kube-controller-manager", "tcp", "127.0.0.1", 10257),
    ("kube-scheduler", "tcp", "127.0.0.1", 10259),
];

/// An ephemeral port (32768–60999, Linux's default range) for a connection.
fn ephemeral(label: &str) -> u16 {
    let h = sha256(label.as_bytes());
    32768 + (u16::from_be_bytes([h[0], h[1]]) % 28232)
}

/// The programs of the host-network pods running on `node` (component names and CNI agents).
fn running_programs(cluster: &Cluster, node: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    for o in cluster
        .api_ref()
        .store()
        .list(Kind::Pod, Some("kube-system"))
    {
        let Some(p) = o.as_::<Pod>() else { continue };
        let Some(spec) = p.spec.as_ref() else {
            continue;
        };
        if spec.node_name.as_deref() != Some(node) || !spec.host_network.unwrap_or(false) {
            continue;
        }
        if p.status.as_ref().and_then(|s| s.phase.as_deref()) != Some("Running") {
            continue;
        }
        let labels = p.metadata.labels.clone().unwrap_or_default();
        let label = |k: &str| labels.get(k).map(String::as_str);
        let programs: &[&'static str] = match (label("component"), label("k8s-app"), label("name"))
        {
            (Some("etcd"), _, _) => &["etcd"],
            (Some("kube-apiserver"), _, _) => &["kube-apiserver"],
            (Some("kube-controller-manager"), _, _) => &["kube-controller-manager"],
            (Some("kube-scheduler"), _, _) => &["kube-scheduler"],
            (_, Some("kube-proxy"), _) => &["kube-proxy"],
            (_, Some("calico-node"), _) => &["calico-node", "bird"],
            (_, _, Some("weave-net")) => &["weaver", "weave-npc"],
            _ => &[],
        };
        out.extend(programs.iter().copied());
    }
    out
}

/// The internet sockets of `node`: listening ones first, then connections.
pub fn sockets(cluster: &Cluster, node: &str) -> Vec<Socket> {
    let preset = cluster.preset().clone();
    let Some(me) = preset.nodes.iter().find(|n| n.name == node).cloned() else {
        return Vec::new();
    };
    let kubelet = cluster
        .node_service(node)
        .filter(|s| s.is_running())
        .map(|s| s.pid);
    let programs = running_programs(cluster, node);
    let runs = |p: &str| programs.contains(&p);
    let mut out = Vec::new();
    let listen = |proto, local: &str, port, pid, program| Socket {
        proto,
        local: local.to_string(),
        local_port: port,
        remote: None,
        pid,
        program,
    };
    out.push(listen("tcp", "0.0.0.0", 22, INIT, "init"));
    out.push(listen("tcp6", "::", 22, INIT, "init"));
    out.push(listen(
        "tcp",
        "127.0.0.53",
        53,
        RESOLVED,
        "systemd-resolved",
    ));
    out.push(listen(
        "tcp",
        "127.0.0.54",
        53,
        RESOLVED,
        "systemd-resolved",
    ));
    out.push(listen(
        "tcp",
        "127.0.0.1",
        ephemeral(&format!("{node}/containerd-stream")),
        CONTAINERD,
        "containerd",
    ));
    if let Some(pid) = kubelet {
        out.push(listen("tcp", "127.0.0.1", 10248, pid, "kubelet"));
        out.push(listen("tcp6", "::", 10250, pid, "kubelet"));
    }
    for (program, proto, addr, port) in POD_LISTENERS {
        if runs(program) {
            let addr = if *addr == "NODE" {
                me.ip.as_str()
            } else {
                addr
            };
            out.push(listen(*proto, addr, *port, pod_pid(program), *program));
        }
    }
    // UDP: the resolver's stubs, the DHCP client on a NAT NIC, weave's data ports.
    out.push(listen(
        "udp",
        "127.0.0.53",
        53,
        RESOLVED,
        "systemd-resolved",
    ));
    out.push(listen(
        "udp",
        "127.0.0.54",
        53,
        RESOLVED,
        "systemd-resolved",
    ));
    if preset.name == "vagrant" {
        out.push(listen("udp", "10.0.2.15", 68, NETWORKD, "systemd-networkd"));
    }
    if runs("weaver") {
        // weave's sleeve port, and the kernel's VXLAN socket of its fast datapath (no
        // process owns that one).
        out.push(listen("udp", "0.0.0.0", 6783, pod_pid("weaver"), "weaver"));
        out.push(listen("udp", "0.0.0.0", 6784, 0, ""));
    }
    out.extend(connections(cluster, node));
    out
}

/// A connection from `from` (node or pod address) by `program` to `to`:`port`.
struct Conn {
    from_node: String,
    from_ip: String,
    program: &'static str,
    pid: u32,
    to: String,
    port: u16,
    n: usize,
}

impl Conn {
    fn sport(&self) -> u16 {
        ephemeral(&format!(
            "{}/{}/{}/{}:{}/{}",
            self.from_node, self.from_ip, self.program, self.to, self.port, self.n
        ))
    }
}

/// Every long-lived connection in the cluster (both ends are derived from it).
fn all_connections(cluster: &Cluster) -> Vec<Conn> {
    let preset = cluster.preset();
    let cp = preset.control_plane().clone();
    let svc = crate::node_files::kubernetes_service_ip(cluster);
    let mut out = Vec::new();
    for n in &preset.nodes {
        let powered = cluster
            .node_service(&n.name)
            .is_some_and(|s| s.is_powered());
        if !powered {
            continue;
        }
        let conn = |program, pid, to: &str, port, k| Conn {
            from_node: n.name.clone(),
            from_ip: n.ip.clone(),
            program,
            pid,
            to: to.to_string(),
            port,
            n: k,
        };
        if let Some(s) = cluster.node_service(&n.name).filter(|s| s.is_running()) {
            out.push(conn("kubelet", s.pid, &cp.ip, 6443, 0));
        }
        let programs = running_programs(cluster, &n.name);
        for p in programs {
            match p {
                "kube-proxy" => out.push(conn(p, pod_pid(p), &cp.ip, 6443, 0)),
                "kube-controller-manager" | "kube-scheduler" => {
                    out.push(conn(p, pod_pid(p), &cp.ip, 6443, 0))
                }
                "kube-apiserver" => {
                    for k in 0..2 {
                        out.push(Conn {
                            from_ip: "127.0.0.1".into(),
                            ..conn(p, pod_pid(p), "127.0.0.1", 2379, k)
                        });
                    }
                }
                "calico-node" | "weaver" | "weave-npc" => {
                    out.push(conn(p, pod_pid(p), &svc, 443, 0))
                }
                "bird" | _ => {}
            }
        }
        // Peerings: the node with the lower address dials the other's port.
        let peer_port = match preset.cni {
            Cni::Calico => (179, "bird"),
            Cni::WeaveNet => (6783, "weaver"),
        };
        if running_programs(cluster, &n.name).contains(&peer_port.1) {
            for other in preset.nodes.iter().filter(|o| o.name != n.name) {
                let up = cluster
                    .node_service(&other.name)
                    .is_some_and(|s| s.is_powered())
                    && running_programs(cluster, &other.name).contains(&peer_port.1);
                let lower = ip_key(&n.ip) < ip_key(&other.ip);
                if up && lower {
                    out.push(conn(
                        peer_port.1,
                        pod_pid(peer_port.1),
                        &other.ip,
                        peer_port.0,
                        0,
                    ));
                }
            }
        }
    }
    out
}

fn ip_key(ip: &str) -> u32 {
    ip.parse::<std::net::Ipv4Addr>().map(u32::from).unwrap_or(0)
}

/// The connections of `node`: those it made and, for its listeners, those made to it.
fn connections(cluster: &Cluster, node: &str) -> Vec<Socket> {
    let preset = cluster.preset().clone();
    let Some(me) = preset.nodes.iter().find(|n| n.name == node).cloned() else {
        return Vec::new();
    };
    let cp = preset.control_plane().clone();
    let svc = crate::node_files::kubernetes_service_ip(cluster);
    let programs = running_programs(cluster, node);
    let mut out = Vec::new();
    for c in all_connections(cluster) {
        let sport = c.sport();
        if c.from_node == node {
            // Go clients hold IPv4 sockets for IPv4 destinations.
            out.push(Socket {
                proto: "tcp",
                local: c.from_ip.clone(),
                local_port: sport,
                remote: Some((c.to.clone(), c.port)),
                pid: c.pid,
                program: c.program,
            });
        }
        // The accepting side: a connection to this node's address (or through the
        // `kubernetes` Service, which leads to the API server on the control plane).
        let to_me = (c.to == me.ip || (c.to == svc && node == cp.name))
            || (c.to == "127.0.0.1" && c.from_node == node);
        if !to_me {
            continue;
        }
        let (port, program) = match c.port {
            443 | 6443 => (6443, "kube-apiserver"),
            2379 => (2379, "etcd"),
            179 => (179, "bird"),
            6783 => (6783, "weaver"),
            _ => continue,
        };
        if !programs.contains(&program) {
            continue;
        }
        let local = if c.to == svc {
            cp.ip.clone()
        } else {
            c.to.clone()
        };
        // The API server and weave listen dual-stack: IPv4 peers appear IPv4-mapped.
        let (proto, local, remote) = if matches!(program, "kube-apiserver" | "weaver") {
            (
                "tcp6",
                format!("::ffff:{local}"),
                format!("::ffff:{}", c.from_ip),
            )
        } else {
            ("tcp", local, c.from_ip.clone())
        };
        out.push(Socket {
            proto,
            local,
            local_port: port,
            remote: Some((remote, sport)),
            pid: pod_pid(program),
            program,
        });
    }
    // Pods that talk to the API server (CoreDNS, calico-kube-controllers) reach it through
    // the `kubernetes` Service from their own addresses.
    if programs.contains(&"kube-apiserver") {
        for o in cluster
            .api_ref()
            .store()
            .list(Kind::Pod, Some("kube-system"))
        {
            let Some(p) = o.as_::<Pod>() else { continue };
            let app = p
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("k8s-app"))
                .map(String::as_str);
            if !matches!(app, Some("kube-dns") | Some("calico-kube-controllers")) {
                continue;
            }
            let running = p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running");
            let Some(ip) = p.status.as_ref().and_then(|s| s.pod_ip.clone()) else {
                continue;
            };
            if !running {
                continue;
            }
            out.push(Socket {
                proto: "tcp6",
                local: format!("::ffff:{}", cp.ip),
                local_port: 6443,
                remote: Some((
                    format!("::ffff:{ip}"),
                    ephemeral(&format!("pod/{}", o.name())),
                )),
                pid: pod_pid("kube-apiserver"),
                program: "kube-apiserver",
            });
        }
    }
    out
}

/// The UNIX domain sockets of `node` (the ones of the programs Kubarium models).
pub fn unix_sockets(cluster: &Cluster, node: &str) -> Vec<UnixSocket> {
    let kubelet = cluster
        .node_service(node)
        .filter(|s| s.is_running())
        .map(|s| s.pid);
    let programs = running_programs(cluster, node);
    let l = |path, pid, program| UnixSocket {
        listening: true,
        path: Some(path),
        pid,
        program,
    };
    let mut out = vec![
        l("/run/systemd/private", INIT, "init"),
        l("/run/systemd/journal/stdout", INIT, "init"),
        l("/run/dbus/system_bus_socket", INIT, "init"),
        l(
            "/run/containerd/containerd.sock.ttrpc",
            CONTAINERD,
            "containerd",
        ),
        l("/run/containerd/containerd.sock", CONTAINERD, "containerd"),
    ];
    if let Some(pid) = kubelet {
        out.push(l(
            "/var/lib/kubelet/pod-resources/kubelet.sock",
            pid,
            "kubelet",
        ));
        out.push(l(
            "/var/lib/kubelet/device-plugins/kubelet.sock",
            pid,
            "kubelet",
        ));
        // The kubelet's CRI connection to containerd.
        out.push(UnixSocket {
            listening: false,
            path: None,
            pid,
            program: "kubelet",
        });
        out.push(UnixSocket {
            listening: false,
            path: Some("/run/containerd/containerd.sock"),
            pid: CONTAINERD,
            program: "containerd",
        });
    }
    if programs.contains(&"bird") {
        out.push(l("/var/run/calico/bird.ctl", pod_pid("bird"), "bird"));
    }
    out
}

/// `PID/program` as netstat prints it: at most 19 characters.
fn pid_program(pid: u32, program: &str) -> String {
    if pid == 0 {
        return "-".into();
    }
    let s = format!("{pid}/{program}");
    s.chars().take(19).collect()
}

/// `ADDR:PORT`, shortened the way net-tools does without `-W` (at most 22 characters, the
/// address cut before the port).
fn addr_port(addr: &str, port: &str, wide: bool) -> String {
    if !wide && addr.len() + port.len() > 22 {
        let port_len = port.len().min(18);
        let addr_len = 22 - port_len;
        format!(
            "{}:{}",
            &addr[..addr_len.min(addr.len())],
            &port[..port_len]
        )
    } else {
        format!("{addr}:{port}")
    }
}

/// Host and port names for the non-numeric form.
struct Names {
    hosts: String,
}

impl Names {
    fn host(&self, addr: &str, numeric: bool, v6: bool) -> String {
        if numeric {
            return addr.to_string();
        }
        if addr == "::" {
            return "[::]".into();
        }
        if addr == "0.0.0.0" {
            return addr.into();
        }
        let plain = addr.strip_prefix("::ffff:").unwrap_or(addr);
        match plain {
            "127.0.0.53" => return "_localdnsstub".into(),
            "127.0.0.54" => return "_localdnsproxy".into(),
            _ => {}
        }
        let found = self.hosts.lines().find_map(|line| {
            let line = line.split('#').next().unwrap_or("");
            let mut words = line.split_whitespace();
            (words.next()? == plain).then(|| words.next().map(str::to_string))?
        });
        match found {
            Some(name) => name,
            None if v6 => addr.to_string(),
            None => addr.to_string(),
        }
    }

    fn port(port: u16, numeric: bool) -> String {
        if numeric {
            return port.to_string();
        }
        match port {
            22 => "ssh",
            53 => "domain",
            68 => "bootpc",
            179 => "bgp",
            443 => "https",
            _ => return port.to_string(),
        }
        .to_string()
    }
}

const USAGE: &str = "usage: netstat [-vWeenNcCF] [<Af>] -r         netstat {-V|--version|-h|--help}\n       netstat [-vWnNcaeol] [<Socket> ...]\n       netstat { [-vWeenNac] -i | [-cnNe] -M | -s [-6tuw] }\n\n        -r, --route              display routing table\n        -i, --interfaces         display interface table\n        -g, --groups             display multicast group memberships\n        -s, --statistics         display networking statistics (like SNMP)\n        -M, --masquerade         display masqueraded connections\n\n        -v, --verbose            be verbose\n        -W, --wide               don't truncate IP addresses\n        -n, --numeric            don't resolve names\n        --numeric-hosts          don't resolve host names\n        --numeric-ports          don't resolve port names\n        --numeric-users          don't resolve user names\n        -N, --symbolic           resolve hardware names\n        -e, --extend             display other/more information\n        -p, --programs           display PID/Program name for sockets\n        -o, --timers             display timers\n        -c, --continuous         continuous listing\n\n        -l, --listening          display listening server sockets\n        -a, --all                display all sockets (default: connected)\n        -F, --fib                display Forwarding Information Base (default)\n        -C, --cache              display routing cache instead of FIB\n        -Z, --context            display SELinux security context for sockets\n\n  <Socket>={-t|--tcp} {-u|--udp} {-U|--udplite} {-S|--sctp} {-w|--raw}\n           {-x|--unix} --ax25 --ipx --netrom\n  <AF>=Use '-6|-4' or '-A <af>' or '--<af>'; default: inet\n  List of possible address families (which support routing):\n    inet (DARPA Internet) inet6 (IPv6) ax25 (AMPR AX.25) \n    netrom (AMPR NET/ROM) rose (AMPR ROSE) ipx (Novell IPX) \n    ddp (Appletalk DDP) x25 (CCITT X.25) \n";

/// Runs `netstat ARGS…` on `node`.
pub fn run(cluster: &mut Cluster, node: &str, args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let (mut all, mut listening, mut numeric, mut programs, mut wide) =
        (false, false, false, false, false);
    let (mut tcp, mut udp, mut unix) = (false, false, false);
    for a in args {
        let long = |name: &str| a == name;
        if long("--all") {
            all = true;
        } else if long("--listening") {
            listening = true;
        } else if long("--numeric") || long("--numeric-hosts") || long("--numeric-ports") {
            numeric = true;
        } else if long("--programs") {
            programs = true;
        } else if long("--wide") {
            wide = true;
        } else if long("--tcp") {
            tcp = true;
        } else if long("--udp") {
            udp = true;
        } else if long("--unix") {
            unix = true;
        } else if long("--help") {
            io.out.stdout(USAGE);
            return 0;
        } else if a.starts_with("--") {
            io.out
                .stderr(format!("netstat: unrecognized option '{a}'\n{USAGE}"));
            return 3;
        } else if let Some(flags) = a.strip_prefix('-') {
            for f in flags.chars() {
                match f {
                    'a' => all = true,
                    'l' => listening = true,
                    'n' => numeric = true,
                    'p' => programs = true,
                    'W' | 'T' => wide = true,
                    't' => tcp = true,
                    'u' => udp = true,
                    'x' => unix = true,
                    'e' | 'v' | '4' => {}
                    'h' => {
                        io.out.stdout(USAGE);
                        return 0;
                    }
                    'r' | 'i' | 's' | 'g' | 'M' | 'c' | 'o' | 'Z' | '6' | 'U' | 'S' | 'w' => {
                        io.out.stderr(format!(
                            "Kubarium: netstat -{f} is not simulated; the socket listings are (netstat -nplt, netstat -anp).\n"
                        ));
                        return 1;
                    }
                    other => {
                        io.out
                            .stderr(format!("netstat: invalid option -- '{other}'\n{USAGE}"));
                        return 3;
                    }
                }
            }
        } else {
            io.out.stderr(USAGE);
            return 3;
        }
    }
    let names = Names {
        hosts: io.vfs.read("/etc/hosts").unwrap_or_default(),
    };
    let any_kind = tcp || udp || unix;
    let inet = !any_kind || tcp || udp;
    let wanted = |s: &Socket| {
        let kind_ok =
            !any_kind || (tcp && s.proto.starts_with("tcp")) || (udp && s.proto.starts_with("udp"));
        let state_ok = all || (listening == s.remote.is_none());
        kind_ok && state_ok
    };
    let mode = if all {
        "(servers and established)"
    } else if listening {
        "(only servers)"
    } else {
        "(w/o servers)"
    };
    if inet {
        io.out.stdout(format!(
            "Active Internet connections {mode}\nProto Recv-Q Send-Q Local Address           Foreign Address         State      {}\n",
            if programs { " PID/Program name    " } else { "" }
        ));
        let list = sockets(cluster, node);
        for proto in ["tcp", "tcp6", "udp", "udp6"] {
            for s in list.iter().filter(|s| s.proto == proto && wanted(s)) {
                let v6 = proto.ends_with('6');
                let local = addr_port(
                    &names.host(&s.local, numeric, v6),
                    &Names::port(s.local_port, numeric),
                    wide,
                );
                let any = if v6 {
                    if numeric {
                        "::"
                    } else {
                        "[::]"
                    }
                } else {
                    "0.0.0.0"
                };
                let remote = match &s.remote {
                    Some((a, p)) => {
                        addr_port(&names.host(a, numeric, v6), &Names::port(*p, numeric), wide)
                    }
                    None => format!("{any}:*"),
                };
                let is_tcp = proto.starts_with("tcp");
                let state = match (&s.remote, is_tcp) {
                    (None, true) => "LISTEN",
                    (Some(_), _) => "ESTABLISHED",
                    (None, false) => "",
                };
                let mut line = if is_tcp {
                    format!(
                        "{proto:<4}  {:>6} {:>6} {local:<23} {remote:<23} {state:<11}",
                        0, 0
                    )
                } else {
                    format!(
                        "{proto:<5} {:>6} {:>6} {local:<23} {remote:<23} {state:<11}",
                        0, 0
                    )
                };
                if programs {
                    line.push_str(&format!(" {:<20}", pid_program(s.pid, s.program)));
                }
                line.push('\n');
                io.out.stdout(line);
            }
        }
    }
    if !any_kind || unix {
        io.out.stdout(format!(
            "Active UNIX domain sockets {mode}\nProto RefCnt Flags       Type       State         I-Node  {} Path\n",
            if programs { " PID/Program name    " } else { "" }
        ));
        for u in unix_sockets(cluster, node) {
            if !(all || listening == u.listening) {
                continue;
            }
            let inode = 10_000
                + u32::from(u16::from_be_bytes({
                    let h = sha256(format!("{node}/{:?}/{}", u.path, u.program).as_bytes());
                    [h[0], h[1]]
                })) % 90_000;
            let (refcnt, flags, state) = if u.listening {
                (2, "[ ACC ]", "LISTENING")
            } else {
                (3, "[ ]", "CONNECTED")
            };
            let mut line = format!(
                "{:<5} {:<6} {:<11} {:<10} {:<13} {:<8}",
                "unix", refcnt, flags, "STREAM", state, inode
            );
            if programs {
                line.push_str(&format!(" {:<20}", pid_program(u.pid, u.program)));
            }
            line.push_str(&format!(" {}\n", u.path.unwrap_or("")));
            io.out.stdout(line);
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn netstat(cluster: &mut Cluster, node: &str, args: &[&str]) -> String {
        let (text, status) = crate::tools::run_on_node(run, cluster, node, args);
        assert_eq!(status, 0);
        text
    }

    #[test]
    fn listening_tcp_sockets_of_a_control_plane() {
        let mut c = Cluster::from_preset("vagrant", 1).expect("preset");
        let text = netstat(&mut c, "m-k8s", &["-nplt"]);
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("Active Internet connections (only servers)")
        );
        assert_eq!(
            lines.next(),
            Some("Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name    ")
        );
        assert!(text.contains("tcp6       0      0 :::6443                 :::*                    LISTEN      1893/kube-apiserver \n"), "{text}");
        assert!(text.contains("tcp        0      0 192.168.1.10:2380       0.0.0.0:*               LISTEN      1876/etcd           \n"), "{text}");
        assert!(
            text.contains("LISTEN      1904/kube-controlle \n"),
            "{text}"
        );
        assert!(text.contains("0.0.0.0:179 "), "{text}");
        assert!(
            !text.contains("ESTABLISHED") && !text.contains("udp"),
            "{text}"
        );
        assert!(!text.contains("UNIX"), "{text}");
    }

    #[test]
    fn a_worker_has_no_control_plane_ports_and_connects_to_the_api_server() {
        let mut c = Cluster::from_preset("vagrant", 1).expect("preset");
        let text = netstat(&mut c, "w1-k8s", &["-ant"]);
        assert!(
            !text.contains(":6443 ") || text.contains("192.168.1.10:6443"),
            "{text}"
        );
        assert!(!text.contains(":2379"), "{text}");
        assert!(
            text.contains(" 192.168.1.10:6443       ESTABLISHED"),
            "{text}"
        );
    }

    #[test]
    fn both_ends_of_a_connection_agree() {
        let mut c = Cluster::from_preset("cka", 1).expect("preset");
        let worker = netstat(&mut c, "node01", &["-antp"]);
        let line = worker
            .lines()
            .find(|l| l.contains("kubelet") && l.contains("ESTABLISHED"))
            .unwrap_or_default()
            .to_string();
        let local = line
            .split_whitespace()
            .nth(3)
            .unwrap_or_default()
            .to_string();
        let port = local.rsplit(':').next().unwrap_or_default();
        let cp = netstat(&mut c, "controlplane", &["-antpW"]);
        assert!(
            cp.contains(&format!("::ffff:192.168.100.11:{port}")),
            "{line}\n{cp}"
        );
    }

    #[test]
    fn long_mapped_addresses_are_cut_without_w() {
        assert_eq!(
            addr_port("::ffff:192.168.100.10", "6443", false),
            "::ffff:192.168.100:6443"
        );
        assert_eq!(
            addr_port("::ffff:192.168.100.10", "6443", true),
            "::ffff:192.168.100.10:6443"
        );
        assert_eq!(
            pid_program(1904, "kube-controller-manager"),
            "1904/kube-controlle"
        );
    }

    #[test]
    fn stopping_the_kubelet_closes_its_ports() {
        let mut c = Cluster::from_preset("vagrant", 1).expect("preset");
        assert!(netstat(&mut c, "w2-k8s", &["-nlt"]).contains(":::10250"));
        let _ = c.stop_kubelet("w2-k8s");
        assert!(!netstat(&mut c, "w2-k8s", &["-nlt"]).contains(":::10250"));
    }
}
