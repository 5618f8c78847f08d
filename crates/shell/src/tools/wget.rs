//! BusyBox `wget` (busybox and alpine images): `wget [-q] [-O FILE|-] [-T SECS] [--spider]
//! URL`, over the same simulated network as curl, with BusyBox's messages.

use crate::output::Output;
use kubarium_engine::network::request::{HttpRequest, Origin, RequestError};
use kubarium_engine::Cluster;

/// Runs `wget ARGS…` from `origin`; `write_file` saves the document.
pub fn run(
    cluster: &mut Cluster,
    origin: &Origin,
    args: &[String],
    out: &mut Output,
    write_file: &mut dyn FnMut(&str, &str) -> Result<(), String>,
) -> i32 {
    let mut quiet = false;
    let mut output: Option<String> = None;
    let mut spider = false;
    let mut timeout_ms: Option<u64> = None;
    let mut url: Option<String> = None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "-q" => quiet = true,
            "-O" => {
                i += 1;
                output = args.get(i).cloned();
            }
            "-qO-" | "-qO" => {
                quiet = true;
                if a == "-qO" {
                    i += 1;
                    output = args.get(i).cloned();
                } else {
                    output = Some("-".into());
                }
            }
            "-O-" => output = Some("-".into()),
            "--spider" | "-s" => spider = true,
            "-T" => {
                i += 1;
                timeout_ms = args
                    .get(i)
                    .and_then(|v| v.parse::<u64>().ok())
                    .map(|s| s * 1000);
            }
            s if s.starts_with("-O") => output = Some(s[2..].to_string()),
            s if s.starts_with('-') => {
                out.stderr(format!("wget: unrecognized option '{s}'\nBusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[-P DIR] [-U AGENT] [-T SEC] URL...\n"));
                return 1;
            }
            s => url = Some(s.to_string()),
        }
        i += 1;
    }
    let Some(url) = url else {
        out.stderr("BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[-P DIR] [-U AGENT] [-T SEC] URL...\n");
        return 1;
    };
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or(&url);
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p.parse().unwrap_or(80)),
        None => (authority.to_string(), 80),
    };
    let Some(ip) = cluster.resolve_host(origin, &host) else {
        out.stderr(format!("wget: bad address '{host}'\n"));
        return 1;
    };
    if !quiet {
        out.stderr(format!("Connecting to {authority} ({ip}:{port})\n"));
    }
    let req = HttpRequest {
        method: if spider { "HEAD".into() } else { "GET".into() },
        host: host.clone(),
        port,
        path: path.clone(),
        user_agent: "Wget".into(),
        ..Default::default()
    };
    let (result, _) = cluster.http_request_at(origin, ip, &req);
    let resp = match result {
        Ok(r) => r,
        Err(RequestError::Refused { .. }) => {
            out.stderr(format!(
                "wget: can't connect to remote host ({ip}): Connection refused\n"
            ));
            return 1;
        }
        Err(RequestError::Timeout { .. }) => {
            match timeout_ms {
                Some(ms) => {
                    cluster.advance(ms);
                    out.stderr("wget: download timed out\n");
                }
                None => {
                    cluster.advance(130_000);
                    out.stderr(format!(
                        "wget: can't connect to remote host ({ip}): Connection timed out\n"
                    ));
                }
            }
            return 1;
        }
        Err(RequestError::TlsWrongVersion { .. }) => {
            out.stderr("wget: error getting response: Connection reset by peer\n");
            return 1;
        }
        Err(RequestError::CertificateUntrusted { .. }) => {
            // BusyBox wget does not verify certificates; a request never asks it to.
            out.stderr("wget: TLS error from peer (alert code 48): unknown CA\n");
            return 1;
        }
        Err(RequestError::EmptyReply { .. }) => {
            out.stderr("wget: error getting response: Connection reset by peer\n");
            return 1;
        }
        Err(RequestError::CouldNotResolve(h)) => {
            out.stderr(format!("wget: bad address '{h}'\n"));
            return 1;
        }
    };
    if resp.status >= 400 {
        out.stderr(format!(
            "wget: server returned error: HTTP/1.1 {} {}\n",
            resp.status, resp.reason
        ));
        return 1;
    }
    if spider {
        if !quiet {
            out.stderr("remote file exists\n");
        }
        return 0;
    }
    let file = output.unwrap_or_else(|| {
        let name = path.rsplit('/').next().unwrap_or("");
        if name.is_empty() {
            "index.html".into()
        } else {
            name.to_string()
        }
    });
    if file == "-" {
        if !quiet {
            out.stderr("writing to stdout\n");
        }
        out.stdout(&resp.body);
        if !quiet {
            out.stderr("-                    100% |********************************|   615  0:00:00 ETA\nwritten to stdout\n".replace("  615", &format!("{:>5}", resp.body.len())));
        }
        return 0;
    }
    if let Err(e) = write_file(&file, &resp.body) {
        out.stderr(format!("wget: can't open '{file}': {e}\n"));
        return 1;
    }
    if !quiet {
        out.stderr(format!(
            "saving to '{file}'\n{file:<20} 100% |********************************| {:>5}  0:00:00 ETA\n'{file}' saved\n",
            resp.body.len()
        ));
    }
    0
}

/// Addresses `raw.githubusercontent.com` resolves to (GitHub's four), in the seed's order.
const GITHUB_RAW_IPS: &[&str] = &[
    "185.199.109.133",
    "185.199.111.133",
    "185.199.110.133",
    "185.199.108.133",
];

/// GNU Wget 1.14 (CentOS 7) on the learner's machine, once `yum install wget` put it there:
/// `wget [-q] [-O FILE|-] URL`. The addon manifests Kubarium bundles are served from
/// [`crate::addons`] (the page works offline); other hosts go over the simulated network
/// from the machine, as curl does. Messages go to standard error, as wget's log does.
pub fn run_gnu(cluster: &mut Cluster, args: &[String], io: &mut crate::bash::CommandIo<'_>) -> i32 {
    let mut quiet = false;
    let mut output: Option<String> = None;
    let mut urls: Vec<String> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "-q" | "--quiet" => quiet = true,
            "-O" | "--output-document" => {
                i += 1;
                output = args.get(i).cloned();
            }
            "-qO" => {
                quiet = true;
                i += 1;
                output = args.get(i).cloned();
            }
            "-qO-" => {
                quiet = true;
                output = Some("-".into());
            }
            s if s.starts_with("--output-document=") => {
                output = Some(s["--output-document=".len()..].to_string())
            }
            s if s.starts_with("-O") && s.len() > 2 => output = Some(s[2..].to_string()),
            s if s.starts_with('-') && s.len() > 1 => {
                let what = match s.strip_prefix("--") {
                    Some(long) => format!("unrecognized option '--{long}'"),
                    None => format!("invalid option -- '{}'", &s[1..2]),
                };
                io.out.stderr(format!(
                    "wget: {what}\nUsage: wget [OPTION]... [URL]...\n\nTry `wget --help' for more options.\n"
                ));
                return 2;
            }
            s => urls.push(s.to_string()),
        }
        i += 1;
    }
    let Some(url) = urls.first().cloned() else {
        io.out.stderr("wget: missing URL\nUsage: wget [OPTION]... [URL]...\n\nTry `wget --help' for more options.\n");
        return 1;
    };
    let url = if url.contains("://") {
        url
    } else {
        format!("http://{url}")
    };
    let https = url.starts_with("https://");
    let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p.parse().unwrap_or(80)),
        None => (authority.to_string(), if https { 443 } else { 80 }),
    };
    let now = |cluster: &Cluster| {
        crate::bash::builtins::sys::format_date(
            (cluster.now_unix_ms() / 1000) as i64,
            "%Y-%m-%d %H:%M:%S",
        )
    };
    let mut log = String::new();
    log += &format!("--{}--  {url}\n", now(cluster));
    // Resolve: GitHub's raw host is served from the bundle; the rest through the cluster's
    // view from this machine (node names from /etc/hosts, addresses as they are).
    let literal = host.parse::<std::net::Ipv4Addr>().ok();
    let ips: Vec<std::net::Ipv4Addr> = if host == "raw.githubusercontent.com" {
        GITHUB_RAW_IPS
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect()
    } else if let Some(ip) = literal {
        vec![ip]
    } else {
        let origin = Origin::Node(cluster.client_hostname().to_string());
        cluster.resolve_host(&origin, &host).into_iter().collect()
    };
    let finish = |io: &mut crate::bash::CommandIo<'_>, log: &str, status: i32| {
        if !quiet {
            io.out.stderr(log.to_string());
        }
        status
    };
    if ips.is_empty() {
        log += &format!(
            "Resolving {host} ({host})... failed: Name or service not known.\nwget: unable to resolve host address ‘{host}’\n"
        );
        return finish(io, &log, 4);
    }
    let ip = ips[0];
    if literal.is_none() {
        let shown: Vec<String> = ips.iter().take(3).map(|ip| ip.to_string()).collect();
        let more = if ips.len() > 3 { ", ..." } else { "" };
        log += &format!("Resolving {host} ({host})... {}{more}\n", shown.join(", "));
        log += &format!("Connecting to {host} ({host})|{ip}|:{port}... ");
    } else {
        log += &format!("Connecting to {ip}:{port}... ");
    }
    let (status, reason, body, mime) = if host == "raw.githubusercontent.com" {
        log += "connected.\n";
        match crate::addons::lookup(&url) {
            Some(text) => (200, "OK", text.to_string(), "text/plain"),
            None => (404, "Not Found", String::new(), "text/plain"),
        }
    } else {
        let req = HttpRequest {
            method: "GET".into(),
            host: host.clone(),
            port,
            path: path.clone(),
            user_agent: "Wget/1.14 (linux-gnu)".into(),
            ..Default::default()
        };
        let origin = Origin::Node(cluster.client_hostname().to_string());
        match cluster.http_request_at(&origin, ip, &req).0 {
            Ok(r) => {
                log += "connected.\n";
                let mime = r
                    .headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                    .map(|(_, v)| v.split(';').next().unwrap_or("").trim().to_string())
                    .unwrap_or_else(|| "text/html".into());
                let mime: &'static str = if mime == "text/plain" {
                    "text/plain"
                } else {
                    "text/html"
                };
                (r.status, r.reason, r.body, mime)
            }
            Err(RequestError::Refused { .. }) => {
                log += "failed: Connection refused.\n";
                return finish(io, &log, 4);
            }
            Err(RequestError::Timeout { .. }) => {
                // wget's read timeout is 900 s, then it retries (20 tries); one try is shown.
                cluster.advance(127_000);
                log += "failed: Connection timed out. Retrying.\n";
                return finish(io, &log, 4);
            }
            Err(RequestError::CouldNotResolve(h)) => {
                log += &format!("failed: Name or service not known.\nwget: unable to resolve host address ‘{h}’\n");
                return finish(io, &log, 4);
            }
            Err(_) => {
                log += "connected.\nHTTP request sent, awaiting response... Read error (Connection reset by peer) in headers.\nRetrying.\n";
                return finish(io, &log, 4);
            }
        }
    };
    log += &format!("HTTP request sent, awaiting response... {status} {reason}\n");
    if status >= 400 {
        log += &format!("{} ERROR {status}: {reason}.\n\n", now(cluster));
        return finish(io, &log, 8);
    }
    let len = body.len();
    log += &format!("Length: {len} ({}) [{mime}]\n", human_size(len));
    // The file: -O names it; otherwise the URL's last part, with `.1`, `.2`… when taken.
    let to_stdout = output.as_deref() == Some("-");
    let file = match &output {
        Some(f) => f.clone(),
        None => {
            let base = path.rsplit('/').next().unwrap_or("");
            let base = if base.is_empty() { "index.html" } else { base };
            let taken = |n: &str| io.vfs.exists(&io.vfs.resolve(io.cwd, n));
            let mut name = base.to_string();
            let mut k = 1;
            while taken(&name) {
                name = format!("{base}.{k}");
                k += 1;
            }
            name
        }
    };
    let shown = if to_stdout {
        "STDOUT".to_string()
    } else {
        format!("‘{file}’")
    };
    if to_stdout {
        log += "Saving to: ‘STDOUT’\n\n";
        io.out.stdout(&body);
    } else {
        let abs = io.vfs.resolve(io.cwd, &file);
        if let Err(e) = io.vfs.write(&abs, &body) {
            log += &format!("{file}: {e}\n");
            return finish(io, &log, 3);
        }
        log += &format!("Saving to: {shown}\n\n");
    }
    // One millisecond on the simulated network; the rate follows from it.
    let secs = 0.001;
    let rate = len as f64 / secs;
    if io.out.to_terminal {
        log += &format!(
            "100%[{}>] {:<11} --.-K/s   in {secs}s  \n\n",
            "=".repeat(38),
            with_commas(len)
        );
    } else {
        log += &dots(len, rate, secs);
    }
    let (r, unit) = scale_rate(rate);
    log += &format!(
        "{} ({r} {unit}) - {} saved [{len}/{len}]\n\n",
        now(cluster),
        if to_stdout {
            "written to stdout".to_string()
        } else {
            shown
        }
    )
    .replace(" - written to stdout saved", " - written to stdout");
    finish(io, &log, 0)
}

/// `18,950`.
fn with_commas(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// wget's `Length:` size in parentheses: `19K`, `4.9K`, `1.2M`.
fn human_size(n: usize) -> String {
    let mut v = n as f64;
    for unit in ['K', 'M', 'G'] {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        if v < 1024.0 {
            return if v < 10.0 {
                format!("{v:.1}{unit}")
            } else {
                format!("{v:.0}{unit}")
            };
        }
    }
    n.to_string()
}

/// The closing line's rate: `18.1 MB/s` (1024-based, as wget 1.14 prints it).
fn scale_rate(bytes_per_sec: f64) -> (String, &'static str) {
    let mut v = bytes_per_sec;
    let mut unit = "B/s";
    for u in ["KB/s", "MB/s", "GB/s"] {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    let digits = if v >= 99.95 {
        0
    } else if v >= 9.995 {
        1
    } else {
        2
    };
    (format!("{v:.digits$}"), unit)
}

/// The progress of wget's default `dot` style, used when standard error is not a terminal:
/// a dot per KiB, ten to a group, fifty to a row, and the last row's percentage, rate and
/// time.
fn dots(len: usize, rate: f64, secs: f64) -> String {
    let full = len / 1024;
    let mut out = String::new();
    let rows = full / 50;
    for row in 0..=rows {
        out += &format!("{:>6}K", row * 50);
        let in_row = if row == rows { full % 50 } else { 50 };
        for d in 0..50 {
            if d % 10 == 0 {
                out.push(' ');
            }
            out.push(if d < in_row { '.' } else { ' ' });
        }
        if row < rows {
            let pct = (row + 1) * 50 * 1024 * 100 / len.max(1);
            out += &format!(" {pct:>2}% {} 0s\n", short_rate(rate));
        } else {
            out += &format!("100% {}={secs}s\n\n", short_rate(rate));
        }
    }
    out
}

/// A row's rate in the dot style: `18.1M`.
fn short_rate(bytes_per_sec: f64) -> String {
    let (v, unit) = scale_rate(bytes_per_sec);
    format!("{v}{}", &unit[..1].replace('B', ""))
}
