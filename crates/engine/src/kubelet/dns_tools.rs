//! The DNS tools inside containers: `nslookup` (busybox's two formats and bind's), `dig` and
//! `host`. Each sends its questions through [`crate::network::dns`] from the pod's own
//! `/etc/resolv.conf`, and prints what the real tool prints for the answers.
//!
//! Which tool an image has is decided by the catalogue ([`super::program::has_command`]);
//! which *format* it prints depends on the image: busybox up to 1.28 resolves with
//! getaddrinfo (search list, reverse names after each address), busybox 1.29 and later sends
//! its own A and AAAA queries (a dotless name under each search domain, a dotted name only as
//! is) and reports every reply; bind's tools (dnsutils images) follow the search list and
//! `ndots` like the C library.

use super::images::{Base, ImageRef};
use crate::api::Pod;
use crate::cluster::Cluster;
use crate::network::dns::{
    exchange, search_candidates, Exchange, QType, RData, Rcode, Record, ResolvConf, Response,
};
use crate::network::request::Origin;
use crate::ObjectKey;
use std::net::Ipv4Addr;

/// What a tool printed, its exit status and how long it took (timeouts take simulated time).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ToolOutput {
    pub stdout: String,
    pub stderr: String,
    pub status: i32,
    pub elapsed_ms: u64,
}

/// Which implementation of the tools an image carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// busybox ≤ 1.28: the small nslookup on top of getaddrinfo.
    BusyBoxLegacy,
    /// busybox ≥ 1.29 (and Alpine): the nslookup with its own resolver.
    BusyBox,
    /// ISC bind's dig, host and nslookup (`dnsutils` images).
    Bind,
}

/// The flavour of the tools in a container image.
///
/// Worked example: `busybox:1.28` → legacy busybox, `busybox` (1.37) → busybox,
/// `registry.k8s.io/e2e-test-images/jessie-dnsutils:1.3` → bind.
pub fn flavor_of(image: &str) -> Flavor {
    let Ok(r) = ImageRef::parse(image) else {
        return Flavor::BusyBox;
    };
    let Ok(resolved) = super::images::resolve(&r) else {
        return Flavor::BusyBox;
    };
    match resolved.base {
        Base::BusyBox => {
            let mut parts = r.tag.split(['.', '-']).map(|p| p.parse::<u32>().ok());
            match (parts.next().flatten(), parts.next().flatten()) {
                (Some(1), Some(minor)) if minor <= 28 => Flavor::BusyBoxLegacy,
                _ => Flavor::BusyBox,
            }
        }
        Base::Alpine if !r.path.contains("dns") => Flavor::BusyBox,
        _ => Flavor::Bind,
    }
}

/// Runs `argv` (`nslookup ...`, `dig ...`, `host ...`) in a container of `pod`; `None` when
/// `argv[0]` is not one of these tools.
pub fn run(
    cluster: &Cluster,
    pod: &ObjectKey,
    container: &str,
    argv: &[String],
) -> Option<ToolOutput> {
    let name = argv.first()?.rsplit('/').next()?.to_string();
    if !matches!(name.as_str(), "nslookup" | "dig" | "host") {
        return None;
    }
    let image = cluster
        .api_ref()
        .store()
        .get(pod)
        .and_then(|o| o.as_::<Pod>())
        .and_then(|p| p.spec.as_ref())
        .and_then(|s| s.containers.iter().find(|c| c.name == container))
        .and_then(|c| c.image.clone())
        .unwrap_or_default();
    let flavor = flavor_of(&image);
    let origin = Origin::Pod(pod.clone());
    let conf = crate::network::dns::client_resolv_conf(cluster, &origin);
    let args = &argv[1..];
    Some(match (name.as_str(), flavor) {
        ("nslookup", Flavor::BusyBoxLegacy) => nslookup_busybox_legacy(cluster, &conf, args),
        ("nslookup", Flavor::BusyBox) => nslookup_busybox(cluster, &conf, args),
        ("nslookup", Flavor::Bind) => nslookup_bind(cluster, &conf, args),
        ("dig", _) => dig(cluster, &conf, args),
        _ => host(cluster, &conf, args),
    })
}

/// The resolver with the nameserver replaced by `server` when the command names one.
fn with_server(conf: &ResolvConf, server: Option<&String>) -> ResolvConf {
    let mut c = conf.clone();
    if let Some(s) = server {
        c.nameservers = vec![s.clone()];
    }
    c
}

/// `d.c.b.a.in-addr.arpa` for an address literal.
fn reverse_name(ip: Ipv4Addr) -> String {
    let o = ip.octets();
    format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
}

fn strip_dot(s: &str) -> &str {
    s.strip_suffix('.').unwrap_or(s)
}

/// Time a resolver waits before it gives up on a silent server (5 s, 2 tries for busybox and
/// bind's nslookup; dig and host: 3 tries of 5 s).
const TIMEOUT_MS: u64 = 10_000;

// ---------------------------------------------------------------- busybox

const BUSYBOX_USAGE: &str = "BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n\nUsage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n\nQuery DNS about HOST\n\nQUERY_TYPE: soa,ns,a,aaaa,cname,mx,txt,ptr,srv,any\n";

/// busybox 1.29+: one query per type (A and AAAA unless `-type=`), a dotless name under each
/// search domain, every reply reported in the order sent.
fn nslookup_busybox(cluster: &Cluster, conf: &ResolvConf, args: &[String]) -> ToolOutput {
    let mut types = Vec::new();
    let mut rest = Vec::new();
    for a in args {
        if let Some(opt) = a.strip_prefix('-') {
            let (k, v) = opt.split_once('=').unwrap_or((opt, ""));
            match k {
                "type" | "querytype" | "q" => match QType::parse(v) {
                    Some(t) => types.push(t),
                    None => {
                        return ToolOutput {
                            stderr: format!("nslookup: invalid query type \"{v}\"\n"),
                            status: 1,
                            ..Default::default()
                        }
                    }
                },
                "debug" | "port" | "retry" | "t" | "timeout" => {}
                _ => return usage(BUSYBOX_USAGE),
            }
        } else {
            rest.push(a.clone());
        }
    }
    let (Some(name), true) = (rest.first(), rest.len() <= 2) else {
        return usage(BUSYBOX_USAGE);
    };
    let conf = with_server(conf, rest.get(1));
    let mut queries: Vec<(String, QType)> = Vec::new();
    let add = |queries: &mut Vec<(String, QType)>, t: QType| {
        if t == QType::Ptr || conf.search.is_empty() || name.contains('.') {
            queries.push((name.clone(), t));
        } else {
            for d in &conf.search {
                queries.push((format!("{name}.{d}"), t));
            }
        }
    };
    if types.is_empty() {
        match name.parse::<Ipv4Addr>() {
            Ok(ip) => queries.push((reverse_name(ip), QType::Ptr)),
            Err(_) => {
                add(&mut queries, QType::A);
                add(&mut queries, QType::Aaaa);
            }
        }
    } else {
        for t in types {
            add(&mut queries, t);
        }
    }
    let server = conf
        .nameservers
        .first()
        .cloned()
        .unwrap_or_else(|| "127.0.0.1".into());
    let mut out = ToolOutput::default();
    let mut printed_server = false;
    for (q, t) in &queries {
        let ex = exchange(cluster, &conf, q, *t);
        let Some(resp) = ex.response else {
            return ToolOutput {
                stdout: ";; connection timed out; no servers could be reached\n\n".into(),
                status: 1,
                elapsed_ms: 5_000,
                ..Default::default()
            };
        };
        if !printed_server {
            out.stdout
                .push_str(&format!("Server:\t\t{server}\nAddress:\t{server}:53\n\n"));
            printed_server = true;
        }
        if resp.rcode != Rcode::NoError {
            out.stdout.push_str(&format!(
                "** server can't find {q}: {}\n",
                resp.rcode.name()
            ));
            out.status = 1;
        } else {
            if !resp.authoritative {
                out.stdout.push_str("Non-authoritative answer:\n");
            }
            let mut shown = 0;
            for r in &resp.answers {
                if let Some(line) = busybox_record(r) {
                    out.stdout.push_str(&line);
                    shown += 1;
                }
            }
            if shown == 0 {
                out.stdout
                    .push_str(&format!("*** Can't find {q}: No answer\n"));
            }
        }
        out.stdout.push('\n');
    }
    out
}

/// One answer record as busybox's `parse_reply` prints it.
fn busybox_record(r: &Record) -> Option<String> {
    let name = strip_dot(&r.name);
    Some(match &r.data {
        RData::A(ip) => format!("Name:\t{name}\nAddress: {ip}\n"),
        RData::Cname(t) => format!("{name}\tcanonical name = {}\n", strip_dot(t)),
        RData::Ptr(t) => format!("{name}\tname = {}\n", strip_dot(t)),
        RData::Srv {
            priority,
            weight,
            port,
            target,
        } => format!(
            "{name}\tservice = {priority} {weight} {port} {}\n",
            strip_dot(target)
        ),
        RData::Soa { .. } => return None,
    })
}

fn usage(text: &str) -> ToolOutput {
    ToolOutput {
        stderr: text.to_string(),
        status: 1,
        ..Default::default()
    }
}

/// A getaddrinfo-style lookup through the search list: the first candidate with addresses.
fn getaddrinfo(
    cluster: &Cluster,
    conf: &ResolvConf,
    name: &str,
) -> Result<(String, Vec<Ipv4Addr>), Option<Rcode>> {
    if let Ok(ip) = name.parse::<Ipv4Addr>() {
        return Ok((name.to_string(), vec![ip]));
    }
    let mut last = Rcode::NxDomain;
    for candidate in search_candidates(name, conf) {
        let ex = exchange(cluster, conf, &candidate, QType::A);
        let Some(resp) = ex.response else {
            return Err(None);
        };
        if !resp.addresses().is_empty() {
            return Ok((candidate, resp.addresses()));
        }
        last = resp.rcode;
    }
    Err(Some(last))
}

/// The PTR name of an address, if the server has one.
fn ptr_of(cluster: &Cluster, conf: &ResolvConf, ip: Ipv4Addr) -> Option<String> {
    let ex = exchange(cluster, conf, &reverse_name(ip), QType::Ptr);
    ex.response?.answers.iter().find_map(|r| match &r.data {
        RData::Ptr(t) => Some(strip_dot(t).to_string()),
        _ => None,
    })
}

/// busybox ≤ 1.28: `Server:`/`Name:` padded to ten columns, `Address N: IP NAME`.
fn nslookup_busybox_legacy(cluster: &Cluster, conf: &ResolvConf, args: &[String]) -> ToolOutput {
    let (Some(name), true) = (
        args.first(),
        args.len() <= 2 && !args.iter().any(|a| a.starts_with('-')),
    ) else {
        return usage("BusyBox v1.28.4 (2018-05-22 17:00:17 UTC) multi-call binary.\n\nUsage: nslookup [HOST] [SERVER]\n\nQuery the nameserver for the IP address of the given HOST\noptionally using a specified DNS server\n");
    };
    let conf = with_server(conf, args.get(1));
    let server = conf
        .nameservers
        .first()
        .cloned()
        .unwrap_or_else(|| "127.0.0.1".into());
    let mut out = ToolOutput::default();
    let address_line = |n: usize, ip: Ipv4Addr| match ptr_of(cluster, &conf, ip) {
        Some(p) => format!("Address {n}: {ip} {p}\n"),
        None => format!("Address {n}: {ip}\n"),
    };
    out.stdout
        .push_str(&format!("{:<10} {server}\n", "Server:"));
    if let Ok(ip) = server.parse::<Ipv4Addr>() {
        if crate::network::dns::server_at(cluster, &server).is_none() {
            out.stdout.push_str(&format!("Address 1: {ip}\n\n"));
            out.stderr
                .push_str(&format!("nslookup: can't resolve '{name}'\n"));
            out.status = 1;
            out.elapsed_ms = TIMEOUT_MS;
            return out;
        }
        out.stdout.push_str(&address_line(1, ip));
    }
    out.stdout.push('\n');
    match getaddrinfo(cluster, &conf, name) {
        Ok((_, addrs)) => {
            out.stdout.push_str(&format!("{:<10} {name}\n", "Name:"));
            for (i, ip) in addrs.iter().enumerate() {
                out.stdout.push_str(&address_line(i + 1, *ip));
            }
        }
        Err(_) => {
            out.stderr
                .push_str(&format!("nslookup: can't resolve '{name}'\n"));
            out.status = 1;
        }
    }
    out
}

// ---------------------------------------------------------------- bind

/// Looks `name` up through the search list as bind's tools do; returns the exchange that
/// answered (or the last one) and whether any server replied.
fn bind_lookup(cluster: &Cluster, conf: &ResolvConf, name: &str, qtype: QType) -> Option<Exchange> {
    let mut last = None;
    for candidate in search_candidates(name, conf) {
        let ex = exchange(cluster, conf, &candidate, qtype);
        let resp = ex.response.as_ref()?;
        if resp.rcode == Rcode::NoError && !resp.answers.is_empty() {
            return Some(ex);
        }
        last = Some(ex);
    }
    last
}

const TIMED_OUT: &str = ";; connection timed out; no servers could be reached\n";

/// bind's `nslookup [-type=T] NAME [SERVER]`.
fn nslookup_bind(cluster: &Cluster, conf: &ResolvConf, args: &[String]) -> ToolOutput {
    let mut qtype = None;
    let mut rest = Vec::new();
    for a in args {
        if let Some(opt) = a.strip_prefix('-') {
            let (k, v) = opt.split_once('=').unwrap_or((opt, ""));
            if matches!(k, "type" | "querytype" | "q" | "query" | "ty") {
                qtype = QType::parse(v);
            }
        } else {
            rest.push(a.clone());
        }
    }
    let Some(name) = rest.first() else {
        // Interactive mode needs a terminal; with none it reads EOF and exits.
        return ToolOutput::default();
    };
    let conf = with_server(conf, rest.get(1));
    let server = conf
        .nameservers
        .first()
        .cloned()
        .unwrap_or_else(|| "127.0.0.1".into());
    let (qname, qtype) = match name.parse::<Ipv4Addr>() {
        Ok(ip) => (reverse_name(ip), QType::Ptr),
        Err(_) => (name.clone(), qtype.unwrap_or(QType::A)),
    };
    let ex = if qtype == QType::Ptr {
        Some(exchange(cluster, &conf, &qname, qtype)).filter(|e| e.response.is_some())
    } else {
        bind_lookup(cluster, &conf, &qname, qtype)
    };
    let Some(ex) = ex else {
        return ToolOutput {
            stdout: format!("{TIMED_OUT}\n"),
            status: 1,
            elapsed_ms: TIMEOUT_MS,
            ..Default::default()
        };
    };
    let resp = ex.response.unwrap_or_else(|| unreachable_response());
    let mut out = ToolOutput {
        stdout: format!("Server:\t\t{server}\nAddress:\t{server}#53\n\n"),
        ..Default::default()
    };
    if resp.rcode != Rcode::NoError {
        out.stdout.push_str(&format!(
            "** server can't find {}: {}\n\n",
            strip_dot(name),
            resp.rcode.name()
        ));
        out.status = 1;
        return out;
    }
    if resp.answers.is_empty() {
        out.stdout
            .push_str(&format!("*** Can't find {}: No answer\n\n", ex.name));
        return out;
    }
    if !resp.authoritative {
        out.stdout.push_str("Non-authoritative answer:\n");
    }
    for r in &resp.answers {
        let name = strip_dot(&r.name);
        out.stdout.push_str(&match &r.data {
            RData::A(ip) => format!("Name:\t{name}\nAddress: {ip}\n"),
            RData::Cname(t) => format!("{name}\tcanonical name = {t}\n"),
            RData::Ptr(t) => format!("{}\tname = {t}\n", r.name.trim_end_matches('.')),
            RData::Srv {
                priority,
                weight,
                port,
                target,
            } => format!("{name}\tservice = {priority} {weight} {port} {target}\n"),
            RData::Soa { .. } => String::new(),
        });
    }
    out.stdout.push('\n');
    out
}

fn unreachable_response() -> Response {
    Response {
        rcode: Rcode::ServFail,
        authoritative: false,
        answers: Vec::new(),
        authority: Vec::new(),
    }
}

/// Appends `field` to `line` after moving to column `col` the way bind's text renderer does:
/// tabs up to the column, or one space when the line is already past it.
fn field_at(line: &mut String, col: usize, field: &str) {
    let mut len = line.chars().map(|c| if c == '\t' { 0 } else { 1 }).count();
    // Columns as the terminal sees them: a tab moves to the next multiple of eight.
    let mut visual = 0;
    for c in line.chars() {
        visual = if c == '\t' {
            (visual / 8 + 1) * 8
        } else {
            visual + 1
        };
    }
    len = len.max(visual);
    if len >= col {
        line.push(' ');
    } else {
        while len < col {
            line.push('\t');
            len = (len / 8 + 1) * 8;
        }
    }
    line.push_str(field);
}

/// A record in dig's zone-file layout: `name. TTL IN TYPE data`.
fn dig_record(r: &Record) -> String {
    let mut line = r.name.clone();
    field_at(&mut line, 24, &r.ttl.to_string());
    field_at(&mut line, 32, "IN");
    field_at(&mut line, 40, r.type_name());
    field_at(&mut line, 48, &r.rdata_text());
    line
}

/// The length of a name on the wire.
fn wire_len(name: &str) -> usize {
    let n = name.trim_end_matches('.');
    if n.is_empty() {
        1
    } else {
        n.len() + 2
    }
}

/// An estimate of the reply's size: header, question, answers and authority (names after
/// the question compressed), the OPT record.
fn msg_size(qname: &str, resp: &Response) -> usize {
    let rdata = |r: &Record| match &r.data {
        RData::A(_) => 4,
        RData::Cname(t) | RData::Ptr(t) => wire_len(t),
        RData::Srv { target, .. } => 6 + wire_len(target),
        RData::Soa { mname, rname, .. } => wire_len(mname) + wire_len(rname) + 20,
    };
    12 + wire_len(qname)
        + 4
        + resp
            .answers
            .iter()
            .chain(resp.authority.iter())
            .map(|r| 12 + rdata(r))
            .sum::<usize>()
        + 11
}

/// A query id as dig prints it, stable for a name and instant.
fn query_id(name: &str, now_ms: u64) -> u16 {
    let mut h: u32 = 2166136261;
    for b in name.bytes().chain(now_ms.to_le_bytes()) {
        h ^= u32::from(b);
        h = h.wrapping_mul(16777619);
    }
    (h >> 16) as u16
}

const DIG_VERSION: &str = "9.18.39-0ubuntu0.24.04.2-Ubuntu";

/// `dig [@SERVER] NAME [TYPE] [-x ADDR] [+short] [+search] [+noall +answer]`.
fn dig(cluster: &Cluster, conf: &ResolvConf, args: &[String]) -> ToolOutput {
    let mut server = None;
    let mut name = None;
    let mut qtype = None;
    let mut short = false;
    let mut search = false;
    let mut sections = [true; 4]; // comments, question, answer, stats
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if let Some(s) = a.strip_prefix('@') {
            server = Some(s.to_string());
        } else if a == "-x" {
            if let Some(ip) = it.next().and_then(|v| v.parse::<Ipv4Addr>().ok()) {
                name = Some(reverse_name(ip));
                qtype = Some(QType::Ptr);
            }
        } else if a == "-t" {
            qtype = it.next().and_then(|v| QType::parse(v));
        } else if let Some(opt) = a.strip_prefix('+') {
            match opt {
                "short" => short = true,
                "search" => search = true,
                "nosearch" => search = false,
                "noall" => sections = [false; 4],
                "answer" => sections[2] = true,
                "question" => sections[1] = true,
                "stats" => sections[3] = true,
                "comments" => sections[0] = true,
                _ => {}
            }
        } else if a.starts_with('-') {
        } else if name.is_some() && qtype.is_none() && QType::parse(a).is_some() {
            qtype = QType::parse(a);
        } else if name.is_none() {
            name = Some(a.clone());
        } else if QType::parse(a).is_some() {
            qtype = QType::parse(a);
        }
    }
    let name = name.unwrap_or_else(|| ".".into());
    let qtype = qtype.unwrap_or(if name == "." { QType::Ns } else { QType::A });
    let conf = with_server(conf, server.as_ref());
    let ns = conf
        .nameservers
        .first()
        .cloned()
        .unwrap_or_else(|| "127.0.0.1".into());
    let header = format!(
        "\n; <<>> DiG {DIG_VERSION} <<>> {}\n;; global options: +cmd\n",
        args.join(" ")
    );
    let ex = if search {
        bind_lookup(cluster, &conf, &name, qtype)
    } else {
        let ex = exchange(cluster, &conf, name.trim_end_matches('.'), qtype);
        ex.response.is_some().then_some(ex)
    };
    let Some(ex) = ex else {
        let mut out = ToolOutput {
            status: 9,
            elapsed_ms: 15_000,
            ..Default::default()
        };
        for _ in 0..3 {
            out.stdout
                .push_str(&format!(";; communications error to {ns}#53: timed out\n"));
        }
        if !short {
            out.stdout.push_str(&header);
        }
        out.stdout.push_str(";; no servers could be reached\n");
        return out;
    };
    let resp = ex.response.clone().unwrap_or_else(unreachable_response);
    if short {
        let mut out = ToolOutput::default();
        for r in &resp.answers {
            out.stdout.push_str(&format!("{}\n", r.rdata_text()));
        }
        return out;
    }
    let qname = format!("{}.", ex.name.trim_end_matches('.'));
    let now = cluster.now();
    let mut s = header;
    if sections[0] {
        let mut flags = String::from("qr");
        if resp.authoritative {
            flags.push_str(" aa");
        }
        flags.push_str(" rd");
        if !resp.authoritative {
            flags.push_str(" ra");
        }
        s.push_str(&format!(
            ";; Got answer:\n;; ->>HEADER<<- opcode: QUERY, status: {}, id: {}\n;; flags: {flags}; QUERY: 1, ANSWER: {}, AUTHORITY: {}, ADDITIONAL: 1\n",
            resp.rcode.name(),
            query_id(&qname, now.unix_ms()),
            resp.answers.len(),
            resp.authority.len()
        ));
        if resp.authoritative {
            s.push_str(";; WARNING: recursion requested but not available\n");
        }
        s.push_str("\n;; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags:; udp: 1232\n");
    }
    if sections[1] {
        if sections[0] {
            s.push_str(";; QUESTION SECTION:\n");
        }
        let mut q = format!(";{qname}");
        field_at(&mut q, 32, "IN");
        field_at(&mut q, 40, qtype.name());
        s.push_str(&q);
        s.push_str("\n\n");
    }
    if sections[2] && !resp.answers.is_empty() {
        if sections[0] {
            s.push_str(";; ANSWER SECTION:\n");
        }
        for r in &resp.answers {
            s.push_str(&dig_record(r));
            s.push('\n');
        }
        s.push('\n');
    }
    if sections[0] && !resp.authority.is_empty() {
        s.push_str(";; AUTHORITY SECTION:\n");
        for r in &resp.authority {
            s.push_str(&dig_record(r));
            s.push('\n');
        }
        s.push('\n');
    }
    if sections[3] {
        let ms = if resp.authoritative { 0 } else { 4 };
        s.push_str(&format!(
            ";; Query time: {ms} msec\n;; SERVER: {ns}#53({ns}) (UDP)\n;; WHEN: {}\n;; MSG SIZE  rcvd: {}\n\n",
            super::program::format_date(now, "%a %b %d %H:%M:%S UTC %Y"),
            msg_size(&qname, &resp)
        ));
    }
    ToolOutput {
        stdout: s,
        ..Default::default()
    }
}

/// `host [-t TYPE] NAME [SERVER]`.
fn host(cluster: &Cluster, conf: &ResolvConf, args: &[String]) -> ToolOutput {
    let mut qtype = None;
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "-t" {
            qtype = it.next().and_then(|v| QType::parse(v));
        } else if !a.starts_with('-') {
            rest.push(a.clone());
        }
    }
    let Some(name) = rest.first() else {
        return usage("Usage: host [-aCdilrTvVw] [-c class] [-N ndots] [-t type] [-W time]\n            [-R number] [-m flag] [-p port] hostname [server]\n");
    };
    let conf = with_server(conf, rest.get(1));
    let (qname, qtype) = match name.parse::<Ipv4Addr>() {
        Ok(ip) => (reverse_name(ip), QType::Ptr),
        Err(_) => (name.clone(), qtype.unwrap_or(QType::A)),
    };
    let ex = if qtype == QType::Ptr {
        Some(exchange(cluster, &conf, &qname, qtype)).filter(|e| e.response.is_some())
    } else {
        bind_lookup(cluster, &conf, &qname, qtype)
    };
    let Some(ex) = ex else {
        return ToolOutput {
            stdout: TIMED_OUT.to_string(),
            status: 1,
            elapsed_ms: 15_000,
            ..Default::default()
        };
    };
    let resp = ex.response.unwrap_or_else(unreachable_response);
    let mut out = ToolOutput::default();
    if let Some(s) = rest.get(1) {
        out.stdout.push_str(&format!(
            "Using domain server:\nName: {s}\nAddress: {s}#53\nAliases: \n\n"
        ));
    }
    if resp.rcode != Rcode::NoError {
        let code = if resp.rcode == Rcode::NxDomain { 3 } else { 2 };
        out.stdout.push_str(&format!(
            "Host {} not found: {code}({})\n",
            strip_dot(name),
            resp.rcode.name()
        ));
        out.status = 1;
        return out;
    }
    for r in &resp.answers {
        let n = strip_dot(&r.name);
        out.stdout.push_str(&match &r.data {
            RData::A(ip) => format!("{n} has address {ip}\n"),
            RData::Cname(t) => format!("{n} is an alias for {t}\n"),
            RData::Ptr(t) => format!("{n} domain name pointer {t}\n"),
            RData::Srv { .. } => format!("{n} has SRV record {}\n", r.rdata_text()),
            RData::Soa { .. } => format!("{n} has SOA record {}\n", r.rdata_text()),
        });
    }
    if resp.answers.is_empty() && qtype != QType::A {
        out.stdout.push_str(&format!(
            "{} has no {} record\n",
            strip_dot(&ex.name),
            qtype.name()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flavors_follow_the_image() {
        assert_eq!(flavor_of("busybox:1.28"), Flavor::BusyBoxLegacy);
        assert_eq!(flavor_of("busybox"), Flavor::BusyBox);
        assert_eq!(flavor_of("busybox:1.36"), Flavor::BusyBox);
        assert_eq!(
            flavor_of("registry.k8s.io/e2e-test-images/jessie-dnsutils:1.3"),
            Flavor::Bind
        );
    }

    #[test]
    fn dig_columns_like_bind() {
        let r = Record {
            name: "kubernetes.default.svc.cluster.local.".into(),
            ttl: 30,
            data: RData::A("10.96.0.1".parse().unwrap()),
        };
        assert_eq!(
            dig_record(&r),
            "kubernetes.default.svc.cluster.local. 30 IN A\t10.96.0.1"
        );
        let g = Record {
            name: "google.com.".into(),
            ttl: 30,
            data: RData::A("142.250.207.46".parse().unwrap()),
        };
        assert_eq!(dig_record(&g), "google.com.\t\t30\tIN\tA\t142.250.207.46");
    }
}
