//! The iptables rules kube-proxy installs on a node, as data, and the two ways `iptables`
//! prints them: `-S` (iptables-save syntax) and `-L` (the table view, `-n` for numbers).
//!
//! In iptables mode the nat table holds the whole Service machinery:
//!
//! ```text
//! PREROUTING/OUTPUT → KUBE-SERVICES ─ -d CLUSTER-IP --dport P → KUBE-SVC-X ─ 1/n → KUBE-SEP-A (DNAT)
//!                                   └ dst-type LOCAL → KUBE-NODEPORTS ─ --dport NP → KUBE-EXT-X → KUBE-SVC-X
//! ```
//!
//! Service ports without endpoints get no nat chains at all, only a filter-table `REJECT`
//! (`"default/web has no endpoints"`), which is why curl says "Couldn't connect to server"
//! at once instead of timing out. In IPVS mode the nat table only marks traffic for
//! masquerading through ipsets; the balancing happens in IPVS (see [`super::ipvs`]).

use super::{Mode, ServiceMap, ServicePort};
use std::fmt::Write as _;

/// kube-proxy's (and kubelet's) masquerade mark bit.
pub const MASQ_MARK: u32 = 0x4000;

/// The probability a `statistic` rule stores for "1 in `n`", in 1/2^31 units: kube-proxy
/// writes `%0.10f` of 1/n and iptables rounds `value * 2^31` to the nearest integer.
///
/// Worked example: n = 3 → "0.3333333333" → 0.3333333333 × 2147483648 = 715827882.6 →
/// 715827883, which iptables prints back as 715827883 / 2^31 = `0.33333333349`.
pub fn probability_fixed(n: usize) -> u32 {
    let text = format!("{:.10}", 1.0 / n.max(1) as f64);
    let value: f64 = text.parse().unwrap_or(1.0);
    (value * 2147483648.0).round().min(u32::MAX as f64) as u32
}

/// How iptables prints a stored probability (`%.11f`).
pub fn probability_text(fixed: u32) -> String {
    format!("{:.11}", fixed as f64 / 2147483648.0)
}

/// A match extension of a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Match {
    Comment(String),
    /// `-m tcp|udp|sctp [--dport N]`.
    Port {
        proto: String,
        dport: Option<u16>,
    },
    /// `-m statistic --mode random --probability P` (P in 1/2^31 units).
    Statistic(u32),
    /// `-m recent --rcheck --seconds S --reap --name LIST`.
    RecentCheck {
        name: String,
        seconds: u32,
    },
    /// `-m recent --set --name LIST`.
    RecentSet {
        name: String,
    },
    /// `-m addrtype --src-type|--dst-type LOCAL`.
    AddrType {
        src: bool,
    },
    /// `-m mark [!] --mark M/M`.
    Mark {
        negate: bool,
        mark: u32,
    },
    /// `-m conntrack [!] --ctstate STATES`.
    Conntrack {
        negate: bool,
        states: &'static str,
    },
    /// `-m set --match-set NAME FLAGS`.
    Set {
        name: &'static str,
        flags: &'static str,
    },
}

/// What a rule does when it matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Jump(String),
    Dnat(String),
    /// `MARK --set-xmark MARK/MASK` (`--or-mark M` is M/M, `--xor-mark M` is M/0).
    Mark {
        mark: u32,
        mask: u32,
    },
    Masquerade,
    Reject,
    Return,
    Drop,
    Accept,
}

/// One rule of a chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub chain: String,
    /// `(negated, address)` with the address as `IP/LEN`.
    pub src: Option<(bool, String)>,
    pub dst: Option<(bool, String)>,
    pub proto: Option<String>,
    pub matches: Vec<Match>,
    pub target: Target,
}

impl Rule {
    fn new(chain: &str, target: Target) -> Rule {
        Rule {
            chain: chain.to_string(),
            src: None,
            dst: None,
            proto: None,
            matches: Vec::new(),
            target,
        }
    }
    fn comment(mut self, c: impl Into<String>) -> Rule {
        self.matches.push(Match::Comment(c.into()));
        self
    }
    fn with(mut self, m: Match) -> Rule {
        self.matches.push(m);
        self
    }
    fn src(mut self, negate: bool, a: impl Into<String>) -> Rule {
        self.src = Some((negate, a.into()));
        self
    }
    fn dst(mut self, a: impl Into<String>) -> Rule {
        self.dst = Some((false, a.into()));
        self
    }
    fn port(mut self, proto: &str, dport: Option<u16>) -> Rule {
        self.proto = Some(proto.to_string());
        self.matches.push(Match::Port {
            proto: proto.to_string(),
            dport,
        });
        self
    }
}

/// One table of one node: its built-in chains (with ACCEPT policies), its user chains and
/// its rules in order.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub name: &'static str,
    pub builtin: Vec<&'static str>,
    pub chains: Vec<String>,
    pub rules: Vec<Rule>,
}

/// What a node's rules depend on besides the services.
#[derive(Clone, Debug)]
pub struct NodeContext {
    pub mode: Mode,
    /// The cluster's pod network (kube-proxy's `clusterCIDR`), e.g. `172.16.0.0/16`.
    pub cluster_cidr: String,
}

fn svc_rule_port(mut r: Rule, sp: &ServicePort, port: u16) -> Rule {
    let proto = sp.proto();
    r = r.port(&proto, Some(port));
    r
}

/// The nat table of a node.
pub fn nat_table(map: &ServiceMap, ctx: &NodeContext) -> Table {
    let mut t = Table {
        name: "nat",
        builtin: vec!["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
        ..Default::default()
    };
    let portal = "kubernetes service portals";
    t.rules
        .push(Rule::new("PREROUTING", Target::Jump("KUBE-SERVICES".into())).comment(portal));
    t.rules
        .push(Rule::new("OUTPUT", Target::Jump("KUBE-SERVICES".into())).comment(portal));
    t.rules.push(
        Rule::new("POSTROUTING", Target::Jump("KUBE-POSTROUTING".into()))
            .comment("kubernetes postrouting rules"),
    );
    for c in [
        "KUBE-KUBELET-CANARY",
        "KUBE-MARK-MASQ",
        "KUBE-NODEPORTS",
        "KUBE-POSTROUTING",
        "KUBE-PROXY-CANARY",
        "KUBE-SERVICES",
    ] {
        t.chains.push(c.into());
    }
    t.rules.push(Rule::new(
        "KUBE-MARK-MASQ",
        Target::Mark {
            mark: MASQ_MARK,
            mask: MASQ_MARK,
        },
    ));
    t.rules.push(
        Rule::new("KUBE-POSTROUTING", Target::Return).with(Match::Mark {
            negate: true,
            mark: MASQ_MARK,
        }),
    );
    t.rules.push(Rule::new(
        "KUBE-POSTROUTING",
        Target::Mark {
            mark: MASQ_MARK,
            mask: 0,
        },
    ));
    t.rules.push(
        Rule::new("KUBE-POSTROUTING", Target::Masquerade)
            .comment("kubernetes service traffic requiring SNAT"),
    );
    match ctx.mode {
        Mode::Iptables => iptables_mode_nat(map, ctx, &mut t),
        Mode::Ipvs => ipvs_mode_nat(map, ctx, &mut t),
        // The nftables proxier writes no iptables rules (only kubelet's canary chain stays).
        Mode::Nftables => {
            t.rules.retain(|r| r.chain == "KUBE-KUBELET-CANARY");
            t.chains = vec!["KUBE-KUBELET-CANARY".into()];
        }
    }
    t.chains.sort();
    t.chains.dedup();
    t
}

fn iptables_mode_nat(map: &ServiceMap, ctx: &NodeContext, t: &mut Table) {
    let mut nodeports = Vec::new();
    for sp in &map.ports {
        if sp.endpoints.is_empty() {
            continue;
        }
        let (svc, ext) = (sp.svc_chain(), sp.ext_chain());
        let cip = format!("{}/32", sp.cluster_ip);
        if !sp.internal_local {
            t.rules.push(svc_rule_port(
                Rule::new("KUBE-SERVICES", Target::Jump(svc.clone()))
                    .dst(&cip)
                    .comment(format!("{} cluster IP", sp.name)),
                sp,
                sp.port,
            ));
        }
        for ip in &sp.external_ips {
            t.rules.push(svc_rule_port(
                Rule::new("KUBE-SERVICES", Target::Jump(ext.clone()))
                    .dst(format!("{ip}/32"))
                    .comment(format!("{} external IP", sp.name)),
                sp,
                sp.port,
            ));
        }
        for ip in &sp.load_balancer_ips {
            t.rules.push(svc_rule_port(
                Rule::new("KUBE-SERVICES", Target::Jump(ext.clone()))
                    .dst(format!("{ip}/32"))
                    .comment(format!("{} loadbalancer IP", sp.name)),
                sp,
                sp.port,
            ));
        }
        if let Some(np) = sp.node_port {
            nodeports.push(svc_rule_port(
                Rule::new("KUBE-NODEPORTS", Target::Jump(ext.clone())).comment(sp.name.clone()),
                sp,
                np,
            ));
        }
        // The service chain: masquerade off-cluster sources, then the endpoints.
        t.chains.push(svc.clone());
        t.rules.push(svc_rule_port(
            Rule::new(&svc, Target::Jump("KUBE-MARK-MASQ".into()))
                .src(true, &ctx.cluster_cidr)
                .dst(&cip)
                .comment(format!("{} cluster IP", sp.name)),
            sp,
            sp.port,
        ));
        if let Some(secs) = sp.affinity_seconds {
            for ep in &sp.endpoints {
                let sep = sp.sep_chain(ep);
                t.rules.push(
                    Rule::new(&svc, Target::Jump(sep.clone()))
                        .comment(format!("{} -> {}", sp.name, ep.addr()))
                        .with(Match::RecentCheck {
                            name: sep,
                            seconds: secs,
                        }),
                );
            }
        }
        let n = sp.endpoints.len();
        for (i, ep) in sp.endpoints.iter().enumerate() {
            let mut r = Rule::new(&svc, Target::Jump(sp.sep_chain(ep))).comment(format!(
                "{} -> {}",
                sp.name,
                ep.addr()
            ));
            if i + 1 < n {
                r = r.with(Match::Statistic(probability_fixed(n - i)));
            }
            t.rules.push(r);
        }
        if sp.externally_accessible() {
            t.chains.push(ext.clone());
            t.rules.push(
                Rule::new(&ext, Target::Jump("KUBE-MARK-MASQ".into())).comment(format!(
                    "masquerade traffic for {} external destinations",
                    sp.name
                )),
            );
            t.rules.push(Rule::new(&ext, Target::Jump(svc.clone())));
        }
        for ep in &sp.endpoints {
            let sep = sp.sep_chain(ep);
            t.chains.push(sep.clone());
            t.rules.push(
                Rule::new(&sep, Target::Jump("KUBE-MARK-MASQ".into()))
                    .src(false, format!("{}/32", ep.ip))
                    .comment(sp.name.clone()),
            );
            let mut r = Rule::new(&sep, Target::Dnat(ep.addr())).comment(sp.name.clone());
            if sp.affinity_seconds.is_some() {
                r = r.with(Match::RecentSet { name: sep.clone() });
            }
            t.rules.push(r.port(&sp.proto(), None));
        }
    }
    t.rules.extend(nodeports);
    t.rules.push(
        Rule::new("KUBE-SERVICES", Target::Jump("KUBE-NODEPORTS".into()))
            .comment("kubernetes service nodeports; NOTE: this must be the last rule in this chain")
            .with(Match::AddrType { src: false }),
    );
}

fn ipvs_mode_nat(map: &ServiceMap, ctx: &NodeContext, t: &mut Table) {
    for c in ["KUBE-LOAD-BALANCER", "KUBE-NODE-PORT"] {
        t.chains.push(c.into());
    }
    t.chains.retain(|c| c != "KUBE-NODEPORTS");
    t.rules.push(
        Rule::new("KUBE-SERVICES", Target::Jump("KUBE-MARK-MASQ".into()))
            .src(true, &ctx.cluster_cidr)
            .comment("Kubernetes service cluster ip + port for masquerade purpose")
            .with(Match::Set {
                name: "KUBE-CLUSTER-IP",
                flags: "dst,dst",
            }),
    );
    if map.ports.iter().any(|p| !p.load_balancer_ips.is_empty()) {
        t.rules.push(
            Rule::new("KUBE-SERVICES", Target::Jump("KUBE-LOAD-BALANCER".into()))
                .comment("Kubernetes service lb portal")
                .with(Match::Set {
                    name: "KUBE-LOAD-BALANCER",
                    flags: "dst,dst",
                }),
        );
        t.rules.push(Rule::new(
            "KUBE-LOAD-BALANCER",
            Target::Jump("KUBE-MARK-MASQ".into()),
        ));
    }
    if map.ports.iter().any(|p| !p.external_ips.is_empty()) {
        t.rules.push(
            Rule::new("KUBE-SERVICES", Target::Jump("KUBE-MARK-MASQ".into()))
                .comment("Kubernetes service external ip + port for masquerade and filter purpose")
                .with(Match::Set {
                    name: "KUBE-EXTERNAL-IP",
                    flags: "dst,dst",
                }),
        );
    }
    t.rules.push(
        Rule::new("KUBE-SERVICES", Target::Jump("KUBE-NODE-PORT".into()))
            .with(Match::AddrType { src: false }),
    );
    t.rules
        .push(Rule::new("KUBE-SERVICES", Target::Accept).with(Match::Set {
            name: "KUBE-CLUSTER-IP",
            flags: "dst,dst",
        }));
    if map.ports.iter().any(|p| p.node_port.is_some()) {
        t.rules.push(
            Rule::new("KUBE-NODE-PORT", Target::Jump("KUBE-MARK-MASQ".into()))
                .comment("Kubernetes nodeport TCP port for masquerade purpose")
                .with(Match::Set {
                    name: "KUBE-NODE-PORT-TCP",
                    flags: "dst",
                })
                .port_proto_only("tcp"),
        );
    }
}

impl Rule {
    fn port_proto_only(mut self, proto: &str) -> Rule {
        self.proto = Some(proto.to_string());
        self
    }
}

/// The filter table of a node: kubelet's and kube-proxy's jump rules, `REJECT` for service
/// ports without endpoints, and the forwarding rules.
pub fn filter_table(map: &ServiceMap, ctx: &NodeContext) -> Table {
    let mut t = Table {
        name: "filter",
        builtin: vec!["INPUT", "FORWARD", "OUTPUT"],
        ..Default::default()
    };
    let new = || Match::Conntrack {
        negate: false,
        states: "NEW",
    };
    let lbfw = "kubernetes load balancer firewall";
    let ext = "kubernetes externally-visible service portals";
    let portals = "kubernetes service portals";
    let r = |chain: &str, target: &str| Rule::new(chain, Target::Jump(target.into()));
    if ctx.mode != Mode::Nftables {
        t.rules
            .push(r("INPUT", "KUBE-PROXY-FIREWALL").with(new()).comment(lbfw));
        t.rules
            .push(r("INPUT", "KUBE-NODEPORTS").comment("kubernetes health check service ports"));
        t.rules.push(
            r("INPUT", "KUBE-EXTERNAL-SERVICES")
                .with(new())
                .comment(ext),
        );
    }
    t.rules.push(r("INPUT", "KUBE-FIREWALL"));
    if ctx.mode != Mode::Nftables {
        t.rules.push(
            r("FORWARD", "KUBE-PROXY-FIREWALL")
                .with(new())
                .comment(lbfw),
        );
        t.rules
            .push(r("FORWARD", "KUBE-FORWARD").comment("kubernetes forwarding rules"));
        t.rules
            .push(r("FORWARD", "KUBE-SERVICES").with(new()).comment(portals));
        t.rules.push(
            r("FORWARD", "KUBE-EXTERNAL-SERVICES")
                .with(new())
                .comment(ext),
        );
        t.rules
            .push(r("OUTPUT", "KUBE-PROXY-FIREWALL").with(new()).comment(lbfw));
        t.rules
            .push(r("OUTPUT", "KUBE-SERVICES").with(new()).comment(portals));
    }
    t.rules.push(r("OUTPUT", "KUBE-FIREWALL"));
    t.chains.push("KUBE-FIREWALL".into());
    t.chains.push("KUBE-KUBELET-CANARY".into());
    t.rules.push(
        Rule::new("KUBE-FIREWALL", Target::Drop)
            .src(true, "127.0.0.0/8")
            .dst("127.0.0.0/8")
            .comment("block incoming localnet connections")
            .with(Match::Conntrack {
                negate: true,
                states: "RELATED,ESTABLISHED,DNAT",
            }),
    );
    if ctx.mode == Mode::Nftables {
        t.chains.sort();
        return t;
    }
    for c in [
        "KUBE-EXTERNAL-SERVICES",
        "KUBE-FORWARD",
        "KUBE-NODEPORTS",
        "KUBE-PROXY-CANARY",
        "KUBE-PROXY-FIREWALL",
        "KUBE-SERVICES",
    ] {
        t.chains.push(c.into());
    }
    if ctx.mode == Mode::Iptables {
        for sp in map.ports.iter().filter(|p| p.endpoints.is_empty()) {
            let comment = format!("{} has no endpoints", sp.name);
            t.rules.push(svc_rule_port(
                Rule::new("KUBE-SERVICES", Target::Reject)
                    .dst(format!("{}/32", sp.cluster_ip))
                    .comment(comment.clone()),
                sp,
                sp.port,
            ));
            for ip in sp.external_ips.iter().chain(&sp.load_balancer_ips) {
                t.rules.push(svc_rule_port(
                    Rule::new("KUBE-EXTERNAL-SERVICES", Target::Reject)
                        .dst(format!("{ip}/32"))
                        .comment(comment.clone()),
                    sp,
                    sp.port,
                ));
            }
            if let Some(np) = sp.node_port {
                let mut rule = Rule::new("KUBE-EXTERNAL-SERVICES", Target::Reject)
                    .comment(comment.clone())
                    .with(Match::AddrType { src: false });
                rule = svc_rule_port(rule, sp, np);
                t.rules.push(rule);
            }
        }
    }
    t.rules.push(
        Rule::new("KUBE-FORWARD", Target::Drop).with(Match::Conntrack {
            negate: false,
            states: "INVALID",
        }),
    );
    t.rules.push(
        Rule::new("KUBE-FORWARD", Target::Accept)
            .comment("kubernetes forwarding rules")
            .with(Match::Mark {
                negate: false,
                mark: MASQ_MARK,
            }),
    );
    t.rules.push(
        Rule::new("KUBE-FORWARD", Target::Accept)
            .comment("kubernetes forwarding conntrack rule")
            .with(Match::Conntrack {
                negate: false,
                states: "RELATED,ESTABLISHED",
            }),
    );
    t.chains.sort();
    t
}

/// True when the table has a chain (built-in or user-defined) of this name.
pub fn has_chain(t: &Table, chain: &str) -> bool {
    t.builtin.contains(&chain) || t.chains.iter().any(|c| c == chain)
}

/// The chains in the order iptables lists them: built-ins, then user chains by name.
fn chain_order(t: &Table) -> Vec<String> {
    t.builtin
        .iter()
        .map(|c| c.to_string())
        .chain(t.chains.iter().cloned())
        .collect()
}

/// `iptables -t TABLE -S [CHAIN]`: the rules in iptables-save syntax.
pub fn render_save(t: &Table, chain: Option<&str>) -> String {
    let mut out = String::new();
    let chains: Vec<String> = match chain {
        Some(c) => vec![c.to_string()],
        None => chain_order(t),
    };
    for c in &chains {
        if t.builtin.contains(&c.as_str()) {
            let _ = writeln!(out, "-P {c} ACCEPT");
        } else {
            let _ = writeln!(out, "-N {c}");
        }
    }
    let by_chain = rules_by_chain(t);
    for c in &chains {
        for r in by_chain.get(c.as_str()).into_iter().flatten() {
            out.push_str(&save_rule(r));
            out.push('\n');
        }
    }
    out
}

/// The rules of each chain, in order (one pass, so listing a table stays linear).
fn rules_by_chain(t: &Table) -> std::collections::BTreeMap<&str, Vec<&Rule>> {
    let mut m: std::collections::BTreeMap<&str, Vec<&Rule>> = std::collections::BTreeMap::new();
    for r in &t.rules {
        m.entry(r.chain.as_str()).or_default().push(r);
    }
    m
}

/// `iptables-save` for one table (`*nat` … `COMMIT`).
pub fn render_iptables_save(t: &Table) -> String {
    let mut out = format!("*{}\n", t.name);
    for c in chain_order(t) {
        let policy = if t.builtin.contains(&c.as_str()) {
            "ACCEPT"
        } else {
            "-"
        };
        let _ = writeln!(out, ":{c} {policy} [0:0]");
    }
    let by_chain = rules_by_chain(t);
    for c in chain_order(t) {
        for r in by_chain.get(c.as_str()).into_iter().flatten() {
            out.push_str(&save_rule(r));
            out.push('\n');
        }
    }
    out.push_str("COMMIT\n");
    out
}

fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn save_rule(r: &Rule) -> String {
    let mut s = format!("-A {}", r.chain);
    if let Some((neg, a)) = &r.src {
        let _ = write!(s, "{} -s {a}", if *neg { " !" } else { "" });
    }
    if let Some((neg, a)) = &r.dst {
        let _ = write!(s, "{} -d {a}", if *neg { " !" } else { "" });
    }
    if let Some(p) = &r.proto {
        let _ = write!(s, " -p {p}");
    }
    for m in &r.matches {
        match m {
            Match::Comment(c) => {
                let _ = write!(s, " -m comment --comment {}", quote(c));
            }
            Match::Port { proto, dport } => {
                let _ = write!(s, " -m {proto}");
                if let Some(p) = dport {
                    let _ = write!(s, " --dport {p}");
                }
            }
            Match::Statistic(p) => {
                let _ = write!(
                    s,
                    " -m statistic --mode random --probability {}",
                    probability_text(*p)
                );
            }
            Match::RecentCheck { name, seconds } => {
                let _ = write!(s, " -m recent --rcheck --seconds {seconds} --reap --name {name} --mask 255.255.255.255 --rsource");
            }
            Match::RecentSet { name } => {
                let _ = write!(
                    s,
                    " -m recent --set --name {name} --mask 255.255.255.255 --rsource"
                );
            }
            Match::AddrType { src } => {
                let _ = write!(
                    s,
                    " -m addrtype --{}-type LOCAL",
                    if *src { "src" } else { "dst" }
                );
            }
            Match::Mark { negate, mark } => {
                let _ = write!(
                    s,
                    " -m mark{} --mark 0x{mark:x}/0x{mark:x}",
                    if *negate { " !" } else { "" }
                );
            }
            Match::Conntrack { negate, states } => {
                let _ = write!(
                    s,
                    " -m conntrack{} --ctstate {states}",
                    if *negate { " !" } else { "" }
                );
            }
            Match::Set { name, flags } => {
                let _ = write!(s, " -m set --match-set {name} {flags}");
            }
        }
    }
    match &r.target {
        Target::Jump(c) => {
            let _ = write!(s, " -j {c}");
        }
        Target::Dnat(to) => {
            let _ = write!(s, " -j DNAT --to-destination {to}");
        }
        Target::Mark { mark, mask } => {
            let _ = write!(s, " -j MARK --set-xmark 0x{mark:x}/0x{mask:x}");
        }
        Target::Masquerade => s.push_str(" -j MASQUERADE --random-fully"),
        Target::Reject => s.push_str(" -j REJECT --reject-with icmp-port-unreachable"),
        Target::Return => s.push_str(" -j RETURN"),
        Target::Drop => s.push_str(" -j DROP"),
        Target::Accept => s.push_str(" -j ACCEPT"),
    }
    s
}

/// Options of `iptables -L`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ListOptions {
    /// `-n`: addresses and ports as numbers.
    pub numeric: bool,
    /// `--line-numbers`.
    pub line_numbers: bool,
}

/// `iptables -t TABLE -L [CHAIN] [-n] [--line-numbers]`.
pub fn render_list(t: &Table, chain: Option<&str>, opts: ListOptions) -> String {
    let chains: Vec<String> = match chain {
        Some(c) => vec![c.to_string()],
        None => chain_order(t),
    };
    let mut out = String::new();
    let by_chain = rules_by_chain(t);
    let mut references: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for r in &t.rules {
        if let Target::Jump(c) = &r.target {
            *references.entry(c.as_str()).or_default() += 1;
        }
    }
    for (i, c) in chains.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if t.builtin.contains(&c.as_str()) {
            let _ = writeln!(out, "Chain {c} (policy ACCEPT)");
        } else {
            let refs = references.get(c.as_str()).copied().unwrap_or(0);
            let _ = writeln!(
                out,
                "Chain {c} ({refs} reference{})",
                if refs == 1 { "" } else { "s" }
            );
        }
        if opts.line_numbers {
            out.push_str("num  ");
        }
        out.push_str("target     prot opt source               destination         \n");
        for (n, r) in by_chain.get(c.as_str()).into_iter().flatten().enumerate() {
            if opts.line_numbers {
                let _ = write!(out, "{:<4} ", n + 1);
            }
            out.push_str(&list_rule(r, opts.numeric));
            out.push('\n');
        }
    }
    out
}

/// An address column of `iptables -L`: the inversion mark, then `%-19s `.
fn list_addr(a: &Option<(bool, String)>, numeric: bool) -> String {
    let (neg, text) = match a {
        None if numeric => (false, "0.0.0.0/0".to_string()),
        None => (false, "anywhere".to_string()),
        Some((neg, a)) => (*neg, a.strip_suffix("/32").unwrap_or(a).to_string()),
    };
    format!("{}{text:<19} ", if neg { '!' } else { ' ' })
}

/// The service name `/etc/services` gives a port, as `iptables -L` without `-n` prints it.
fn port_name(port: u16, proto: &str) -> String {
    match (port, proto) {
        (80, "tcp") => "http".into(),
        (443, "tcp") => "https".into(),
        (53, _) => "domain".into(),
        (22, "tcp") => "ssh".into(),
        (6379, "tcp") => "redis".into(),
        (3306, "tcp") => "mysql".into(),
        (5432, "tcp") => "postgresql".into(),
        (8080, "tcp") => "http-alt".into(),
        _ => port.to_string(),
    }
}

fn list_rule(r: &Rule, numeric: bool) -> String {
    let target = match &r.target {
        Target::Jump(c) => c.clone(),
        Target::Dnat(_) => "DNAT".into(),
        Target::Mark { .. } => "MARK".into(),
        Target::Masquerade => "MASQUERADE".into(),
        Target::Reject => "REJECT".into(),
        Target::Return => "RETURN".into(),
        Target::Drop => "DROP".into(),
        Target::Accept => "ACCEPT".into(),
    };
    let proto = r.proto.clone().unwrap_or_else(|| "all".into());
    // `%-9s `, the protocol's inversion mark, `%-5s`, the fragment flags `-- `, then the
    // source and destination columns.
    let mut s = format!(
        "{target:<9}  {proto:<5}-- {}{}",
        list_addr(&r.src, numeric),
        list_addr(&r.dst, numeric)
    );
    let mut tail = String::new();
    for m in &r.matches {
        match m {
            Match::Comment(c) => {
                let _ = write!(tail, " /* {c} */");
            }
            Match::Port { proto, dport } => {
                let _ = write!(tail, " {proto}");
                if let Some(p) = dport {
                    let p = if numeric {
                        p.to_string()
                    } else {
                        port_name(*p, proto)
                    };
                    let _ = write!(tail, " dpt:{p}");
                }
            }
            Match::Statistic(p) => {
                let _ = write!(
                    tail,
                    " statistic mode random probability {}",
                    probability_text(*p)
                );
            }
            Match::RecentCheck { name, seconds } => {
                let _ = write!(tail, " recent: CHECK seconds: {seconds} reap name: {name} side: source mask: 255.255.255.255");
            }
            Match::RecentSet { name } => {
                let _ = write!(
                    tail,
                    " recent: SET name: {name} side: source mask: 255.255.255.255"
                );
            }
            Match::AddrType { src } => {
                let _ = write!(
                    tail,
                    " ADDRTYPE match {}-type LOCAL",
                    if *src { "src" } else { "dst" }
                );
            }
            Match::Mark { negate, mark } => {
                let _ = write!(
                    tail,
                    " mark match {}0x{mark:x}/0x{mark:x}",
                    if *negate { "! " } else { "" }
                );
            }
            Match::Conntrack { negate, states } => {
                let _ = write!(tail, " {}ctstate {states}", if *negate { "! " } else { "" });
            }
            Match::Set { name, flags } => {
                let _ = write!(tail, " match-set {name} {flags}");
            }
        }
    }
    match &r.target {
        Target::Dnat(to) => {
            let _ = write!(tail, " to:{to}");
        }
        Target::Mark { mark, mask } => {
            if mark == mask {
                let _ = write!(tail, " MARK or 0x{mark:x}");
            } else if *mask == 0 {
                let _ = write!(tail, " MARK xor 0x{mark:x}");
            } else {
                let _ = write!(tail, " MARK xset 0x{mark:x}/0x{mask:x}");
            }
        }
        Target::Masquerade => tail.push_str(" random-fully"),
        Target::Reject => tail.push_str(" reject-with icmp-port-unreachable"),
        _ => {}
    }
    s.push_str(&tail);
    s
}

/// True when `ip` answers ICMP echo on a node in this mode: only IPVS binds ClusterIPs to a
/// local interface (kube-ipvs0); iptables and nftables ClusterIPs exist only as DNAT rules.
pub fn cluster_ip_pingable(mode: Mode) -> bool {
    mode == Mode::Ipvs
}

#[cfg(test)]
mod tests {
    use super::super::tests::appjs;
    use super::*;

    #[test]
    fn probabilities_print_as_iptables_stores_them() {
        assert_eq!(probability_text(probability_fixed(2)), "0.50000000000");
        assert_eq!(probability_text(probability_fixed(3)), "0.33333333349");
        assert_eq!(probability_text(probability_fixed(4)), "0.25000000000");
        assert_eq!(probability_text(probability_fixed(5)), "0.20000000019");
        assert_eq!(probability_text(probability_fixed(10)), "0.10000000009");
    }

    fn ctx() -> NodeContext {
        NodeContext {
            mode: Mode::Iptables,
            cluster_cidr: "10.32.0.0/12".into(),
        }
    }

    #[test]
    fn nat_rules_for_a_nodeport_service() {
        let (svc, sl) = appjs();
        let map = ServiceMap::build([&svc].into_iter(), [&sl].into_iter());
        let t = nat_table(&map, &ctx());
        let s = render_save(&t, None);
        let svc_chain = map.ports[0].svc_chain();
        let ext = map.ports[0].ext_chain();
        assert!(
            s.starts_with(
                "-P PREROUTING ACCEPT\n-P INPUT ACCEPT\n-P OUTPUT ACCEPT\n-P POSTROUTING ACCEPT\n"
            ),
            "{s}"
        );
        assert!(s.contains(&format!("-A KUBE-SERVICES -d 10.108.183.25/32 -p tcp -m comment --comment \"default/appjs-service cluster IP\" -m tcp --dport 80 -j {svc_chain}\n")), "{s}");
        assert!(s.contains(&format!("-A KUBE-NODEPORTS -p tcp -m comment --comment \"default/appjs-service\" -m tcp --dport 30123 -j {ext}\n")), "{s}");
        assert!(s.contains(&format!("-A {svc_chain} ! -s 10.32.0.0/12 -d 10.108.183.25/32 -p tcp -m comment --comment \"default/appjs-service cluster IP\" -m tcp --dport 80 -j KUBE-MARK-MASQ\n")), "{s}");
        assert!(s.contains("-m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-"));
        assert!(s.contains("-m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-"));
        assert!(s.contains("-j DNAT --to-destination 10.44.0.1:8080\n"));
        assert!(s.contains("-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\n"));
        assert!(s.contains("-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n"));
        // The NodePort jump is the last rule of KUBE-SERVICES.
        let last = s
            .lines()
            .filter(|l| l.starts_with("-A KUBE-SERVICES"))
            .last()
            .unwrap();
        assert_eq!(last, "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS");
        // The last endpoint rule has no probability.
        let svc_rules: Vec<&str> = s
            .lines()
            .filter(|l| l.starts_with(&format!("-A {svc_chain} -m comment")))
            .collect();
        assert_eq!(svc_rules.len(), 3);
        assert!(!svc_rules[2].contains("statistic"));
    }

    #[test]
    fn list_view_matches_iptables_columns() {
        let (svc, sl) = appjs();
        let map = ServiceMap::build([&svc].into_iter(), [&sl].into_iter());
        let t = nat_table(&map, &ctx());
        let l = render_list(
            &t,
            Some("KUBE-SERVICES"),
            ListOptions {
                numeric: true,
                line_numbers: false,
            },
        );
        let svc_chain = map.ports[0].svc_chain();
        assert_eq!(
            l,
            format!("Chain KUBE-SERVICES (2 references)\ntarget     prot opt source               destination         \n{svc_chain}  tcp  --  0.0.0.0/0            10.108.183.25        /* default/appjs-service cluster IP */ tcp dpt:80\nKUBE-NODEPORTS  all  --  0.0.0.0/0            0.0.0.0/0            /* kubernetes service nodeports; NOTE: this must be the last rule in this chain */ ADDRTYPE match dst-type LOCAL\n")
        );
        let l = render_list(
            &t,
            Some("KUBE-MARK-MASQ"),
            ListOptions {
                numeric: true,
                line_numbers: true,
            },
        );
        assert!(l.contains("num  target     prot opt source               destination         \n1    MARK       all  --  0.0.0.0/0            0.0.0.0/0            MARK or 0x4000\n"), "{l}");
    }

    #[test]
    fn services_without_endpoints_are_rejected_in_filter() {
        let (svc, mut sl) = appjs();
        sl.endpoints = Some(Vec::new());
        let map = ServiceMap::build([&svc].into_iter(), [&sl].into_iter());
        let nat = render_save(&nat_table(&map, &ctx()), None);
        assert!(!nat.contains("KUBE-SVC-"), "{nat}");
        let filter = render_save(&filter_table(&map, &ctx()), None);
        assert!(filter.contains("-A KUBE-SERVICES -d 10.108.183.25/32 -p tcp -m comment --comment \"default/appjs-service has no endpoints\" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable"), "{filter}");
        assert!(filter.contains("-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment \"default/appjs-service has no endpoints\" -m addrtype --dst-type LOCAL -m tcp --dport 30123 -j REJECT --reject-with icmp-port-unreachable"), "{filter}");
    }
}
