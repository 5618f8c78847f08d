//! `curl`: HTTP requests across the simulated network, printed as the machine's curl prints
//! them, with its exit codes (6 could not resolve, 7 could not connect, 22 HTTP error with
//! `-f`, 28 timeout).
//!
//! Which curl runs depends on where: the nodes' Ubuntu 24.04 ships curl 8.5.0; inside a
//! container it is the image's: Debian 12 images (nginx, httpd) have 7.88.1, CentOS 7 has
//! 7.29.0 (the version seed 004's `curl -v` shows, with its older wording: `* About to
//! connect() ...`, `Failed connect to IP:PORT; Connection refused`).

use crate::output::Output;
use kubarium_engine::api::Pod;
use kubarium_engine::network::request::{HttpRequest, HttpResponse, Origin, RequestError};
use kubarium_engine::Cluster;
use std::net::Ipv4Addr;

/// The version string curl 8.5 (the nodes' curl) sends as its User-Agent.
pub const USER_AGENT: &str = "curl/8.5.0";

/// How long the kernel keeps retrying a SYN before giving up (tcp_syn_retries = 6: 1 + 2 +
/// 4 + … + 64 s, about 127 s, plus the last wait).
const KERNEL_CONNECT_TIMEOUT_MS: u64 = 130_000;

/// A curl release, for the wording that changed between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// CentOS 7.
    V7_29,
    /// Debian 12.
    V7_88,
    /// Ubuntu 24.04 and the curl images.
    V8_5,
}

impl Version {
    fn number(self) -> &'static str {
        match self {
            Version::V7_29 => "7.29.0",
            Version::V7_88 => "7.88.1",
            Version::V8_5 => "8.5.0",
        }
    }
    /// The curl that runs for `origin`.
    pub fn of(cluster: &Cluster, origin: &Origin) -> Version {
        match origin {
            Origin::Node(_) => {
                if cluster.preset().os_image.starts_with("CentOS") {
                    Version::V7_29
                } else {
                    Version::V8_5
                }
            }
            Origin::Pod(key) => {
                let container = cluster
                    .api_ref()
                    .store()
                    .get(key)
                    .and_then(|o| o.as_::<Pod>().cloned())
                    .and_then(|p| p.spec)
                    .and_then(|s| s.containers.first().map(|c| c.name.clone()))
                    .unwrap_or_default();
                match crate::kubectl::kubelet_api::image_base(cluster, key, &container).as_deref() {
                    Some("centos") => Version::V7_29,
                    Some("debian") => Version::V7_88,
                    _ => Version::V8_5,
                }
            }
        }
    }
}

struct Opts {
    silent: bool,
    show_error: bool,
    verbose: bool,
    include: bool,
    head: bool,
    fail: bool,
    location: bool,
    insecure: bool,
    method: Option<String>,
    output: Option<String>,
    write_out: Option<String>,
    connect_timeout_ms: Option<u64>,
    max_time_ms: Option<u64>,
    headers: Vec<(String, String)>,
    user_agent: Option<String>,
    resolve: Vec<(String, u16, Ipv4Addr)>,
    data: bool,
    url: Option<String>,
}

/// The parts of a URL curl uses.
struct Url {
    https: bool,
    host: String,
    port: u16,
    path: String,
    /// `host[:port]` as written.
    authority: String,
}

fn parse_url(url: &str) -> Result<Url, (i32, String)> {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r.to_string()),
        None => ("http".to_string(), url.to_string()),
    };
    if scheme != "http" && scheme != "https" {
        return Err((1, format!("Protocol \"{scheme}\" not supported")));
    }
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('/') => (rest[..i].to_string(), rest[i..].to_string()),
        Some(i) => (rest[..i].to_string(), format!("/{}", &rest[i..])),
        None => (rest.clone(), "/".to_string()),
    };
    let https = scheme == "https";
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => match p.parse::<u16>() {
            Ok(p) => (h.to_string(), p),
            Err(_) => {
                return Err((
                    3,
                    "URL rejected: Port number was not a decimal number between 0 and 65535".into(),
                ))
            }
        },
        None => (authority.clone(), if https { 443 } else { 80 }),
    };
    if host.is_empty() {
        return Err((3, "URL rejected: No host part in the URL".into()));
    }
    Ok(Url {
        https,
        host,
        port,
        path,
        authority,
    })
}

/// Runs `curl ARGS…` from `origin`; returns the exit status. `write_file` stores `-o` output.
pub fn run(
    cluster: &mut Cluster,
    origin: &Origin,
    args: &[String],
    out: &mut Output,
    write_file: &mut dyn FnMut(&str, &str) -> Result<(), String>,
) -> i32 {
    let version = Version::of(cluster, origin);
    let opts = match parse(args) {
        Ok(o) => o,
        Err((code, msg)) => {
            out.stderr(format!("curl: ({code}) {msg}\n"));
            return code;
        }
    };
    let Some(first_url) = opts.url.clone() else {
        if !args.is_empty() {
            out.stderr("curl: (2) no URL specified\n");
        }
        out.stderr("curl: try 'curl --help' or 'curl --manual' for more information\n");
        return 2;
    };
    let fail = |out: &mut Output, code: i32, msg: String| {
        if !opts.silent || opts.show_error {
            out.stderr(format!("curl: ({code}) {msg}\n"));
        }
        code
    };
    let mut url_text = first_url;
    let mut redirects = 0;
    let mut collected = String::new();
    loop {
        let url = match parse_url(&url_text) {
            Ok(u) => u,
            Err((code, msg)) => return fail(out, code, msg),
        };
        let method = opts.method.clone().unwrap_or_else(|| {
            if opts.head {
                "HEAD".into()
            } else if opts.data {
                "POST".into()
            } else {
                "GET".into()
            }
        });
        let user_agent = opts
            .user_agent
            .clone()
            .unwrap_or_else(|| format!("curl/{}", version.number()));
        let req = HttpRequest {
            method: method.clone(),
            host: url.host.clone(),
            port: url.port,
            path: url.path.clone(),
            user_agent: user_agent.clone(),
            headers: opts.headers.clone(),
            https: url.https,
            insecure: opts.insecure,
        };
        let pinned = opts
            .resolve
            .iter()
            .find(|(h, p, _)| h.eq_ignore_ascii_case(&url.host) && *p == url.port)
            .map(|(_, _, ip)| *ip);
        let ip = pinned.or_else(|| cluster.resolve_host(origin, &url.host));
        if opts.verbose {
            if let Some(ip) = ip {
                if pinned.is_some() {
                    out.stderr(format!(
                        "* Added {}:{}:{ip} to DNS cache\n* Hostname {} was found in DNS cache\n",
                        url.host, url.port, url.host
                    ));
                }
                match version {
                    Version::V7_29 => out.stderr(format!(
                        "* About to connect() to {} port {} (#0)\n*   Trying {ip}...\n",
                        url.host, url.port
                    )),
                    _ => out.stderr(format!("*   Trying {ip}:{}...\n", url.port)),
                }
            }
        }
        let (result, hops) = match ip {
            Some(ip) => cluster.http_request_at(origin, ip, &req),
            None => (
                Err(RequestError::CouldNotResolve(url.host.clone())),
                Vec::new(),
            ),
        };
        if hops.iter().any(|h| h.to == "kubectl port-forward") {
            // kubectl, running in the background of this terminal, reports the connection
            // (on the terminal, not into curl's output).
            out.stderr(format!("Handling connection for {}\n", url.port));
            if hops.iter().any(|h| h.note == "lost connection to pod") {
                out.stderr("error: lost connection to pod\n");
            }
        }
        let resp = match result {
            Ok(r) => r,
            Err(e) => return connect_error(cluster, &opts, version, &url, e, out),
        };
        let ip = ip.map(|i| i.to_string()).unwrap_or_default();
        let status_line = format!("HTTP/1.1 {} {}", resp.status, resp.reason);
        if opts.verbose {
            verbose_exchange(
                out,
                version,
                &url,
                &ip,
                &method,
                &user_agent,
                &opts,
                &status_line,
                &resp,
            );
        }
        let mut text = String::new();
        if opts.include || opts.head {
            text.push_str(&format!("{status_line}\r\n"));
            for (k, v) in &resp.headers {
                text.push_str(&format!("{k}: {v}\r\n"));
            }
            text.push_str("\r\n");
        }
        let location = resp
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("Location"))
            .map(|(_, v)| v.clone());
        if opts.location && matches!(resp.status, 301 | 302 | 303 | 307 | 308) {
            if let Some(loc) = location {
                if opts.include || opts.head {
                    collected.push_str(&text);
                }
                if opts.verbose {
                    out.stderr(format!(
                        "* Connection #0 to host {} left intact\n* Issue another request to this URL: '{}'\n",
                        url.host,
                        absolute(&url, &loc)
                    ));
                }
                redirects += 1;
                if redirects > 50 {
                    return fail(out, 47, "Maximum (50) redirects followed".into());
                }
                url_text = absolute(&url, &loc);
                continue;
            }
        }
        if opts.fail && resp.status >= 400 {
            return fail(
                out,
                22,
                format!("The requested URL returned error: {}", resp.status),
            );
        }
        if method != "HEAD" {
            text.push_str(&resp.body);
        }
        collected.push_str(&text);
        match &opts.output {
            Some(file) if file != "-" => {
                if let Err(e) = write_file(file, &collected) {
                    return fail(
                        out,
                        23,
                        format!("Failure writing output to destination: {e}"),
                    );
                }
                if !opts.silent && !opts.verbose {
                    out.stderr(progress_meter(collected.len()));
                }
            }
            _ => out.stdout(&collected),
        }
        if opts.verbose {
            match version {
                Version::V7_29 => out.stderr(format!(
                    "* Connection #0 to host {} left intact\n",
                    url.host
                )),
                _ => out.stderr(format!(
                    "* Connection #0 to host {} left intact\n",
                    url.host
                )),
            }
        }
        if let Some(w) = &opts.write_out {
            out.stdout(write_out(w, &resp, &url_text, &ip));
        }
        return 0;
    }
}

/// The `-o FILE` progress meter (to stderr), for a transfer that finished at once.
fn progress_meter(bytes: usize) -> String {
    let speed = format!("{}k", (bytes * 1000 / 1024).max(1));
    format!(
        "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n100 {bytes:>5}  100 {bytes:>5}    0     0 {speed:>6}      0 --:--:-- --:--:-- --:--:-- {speed:>5}\n"
    )
}

/// `-w` variables.
fn write_out(w: &str, resp: &HttpResponse, url: &str, ip: &str) -> String {
    w.replace("%{http_code}", &format!("{:03}", resp.status))
        .replace("%{response_code}", &format!("{:03}", resp.status))
        .replace("%{size_download}", &resp.body.len().to_string())
        .replace("%{remote_ip}", ip)
        .replace("%{url_effective}", url)
        .replace("\\n", "\n")
}

/// A redirect target made absolute against the URL that answered.
fn absolute(base: &Url, location: &str) -> String {
    if location.contains("://") {
        location.to_string()
    } else {
        let scheme = if base.https { "https" } else { "http" };
        let path = if location.starts_with('/') {
            location.to_string()
        } else {
            format!("/{location}")
        };
        format!("{scheme}://{}{path}", base.authority)
    }
}

#[allow(clippy::too_many_arguments)]
fn verbose_exchange(
    out: &mut Output,
    version: Version,
    url: &Url,
    ip: &str,
    method: &str,
    user_agent: &str,
    opts: &Opts,
    status_line: &str,
    resp: &HttpResponse,
) {
    let host = opts
        .headers
        .iter()
        .rev()
        .find(|(k, _)| k.eq_ignore_ascii_case("Host"))
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| url.authority.clone());
    let extra: String = opts
        .headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("Host"))
        .map(|(k, v)| format!("> {k}: {v}\n"))
        .collect();
    let text = match version {
        Version::V7_29 => format!(
            "* Connected to {} ({ip}) port {} (#0)\n> {method} {} HTTP/1.1\n> User-Agent: {user_agent}\n> Host: {host}\n> Accept: */*\n{extra}> \n",
            url.host, url.port, url.path
        ),
        Version::V7_88 => format!(
            "* Connected to {} ({ip}) port {} (#0)\n> {method} {} HTTP/1.1\n> Host: {host}\n> User-Agent: {user_agent}\n> Accept: */*\n{extra}> \n",
            url.host, url.port, url.path
        ),
        Version::V8_5 => format!(
            "* Connected to {} ({ip}) port {}\n> {method} {} HTTP/1.1\n> Host: {host}\n> User-Agent: {user_agent}\n> Accept: */*\n{extra}> \n",
            url.host, url.port, url.path
        ),
    };
    out.stderr(text);
    out.stderr(format!("< {status_line}\r\n"));
    for (k, v) in &resp.headers {
        out.stderr(format!("< {k}: {v}\r\n"));
    }
    out.stderr("< \r\n");
    if matches!(version, Version::V8_5) && opts.output.as_deref().is_some_and(|o| o != "-") {
        out.stderr(format!("{{ [{} bytes data]\n", resp.body.len()));
    }
}

/// Prints (unless `-s`) and returns curl's status for a request that got no response.
fn connect_error(
    cluster: &mut Cluster,
    opts: &Opts,
    version: Version,
    url: &Url,
    e: RequestError,
    out: &mut Output,
) -> i32 {
    let show = !opts.silent || opts.show_error;
    let host = url.host.clone();
    let (code, msg, verbose): (i32, String, String) = match e {
        RequestError::CouldNotResolve(h) => {
            let msg = match version {
                Version::V7_29 => format!("Could not resolve host: {h}; Unknown error"),
                _ => format!("Could not resolve host: {h}"),
            };
            let v = match version {
                Version::V7_29 => format!(
                    "* Could not resolve host: {h}; Unknown error\n* Closing connection 0\n"
                ),
                Version::V7_88 => {
                    format!("* Could not resolve host: {h}\n* Closing connection 0\n")
                }
                Version::V8_5 => format!("* Could not resolve host: {h}\n* Closing connection\n"),
            };
            (6, msg, v)
        }
        RequestError::Refused { ip, port } => {
            let src = cluster.api().rng().below("curl-port", 28_232) + 32_768;
            match version {
                Version::V7_29 => (
                    7,
                    format!("Failed connect to {host}:{port}; Connection refused"),
                    format!("* Connection refused\n* Failed connect to {host}:{port}; Connection refused\n* Closing connection 0\n"),
                ),
                _ => {
                    let m = format!(
                        "Failed to connect to {host} port {port} after 0 ms: Couldn't connect to server"
                    );
                    let close = if version == Version::V8_5 {
                        "* Closing connection\n"
                    } else {
                        "* Closing connection 0\n"
                    };
                    (
                        7,
                        m.clone(),
                        format!("* connect to {ip} port {port} from {} port {src} failed: Connection refused\n* {m}\n{close}", source_ip(cluster)),
                    )
                }
            }
        }
        RequestError::TlsWrongVersion { .. } => {
            let msg = match version {
                Version::V7_29 => {
                    "SSL received a record that exceeded the maximum permissible length.".into()
                }
                Version::V7_88 => "error:0A00010B:SSL routines::wrong version number".into(),
                Version::V8_5 => {
                    "OpenSSL/3.0.13: error:0A00010B:SSL routines::wrong version number".into()
                }
            };
            (35, msg, String::new())
        }
        RequestError::CertificateUntrusted { .. } => {
            let msg = match version {
                Version::V7_29 => "Peer's Certificate issuer is not recognized.\nMore details here: http://curl.haxx.se/docs/sslcerts.html\n\ncurl performs SSL certificate verification by default, using a \"bundle\"\n of Certificate Authority (CA) public keys (CA certs). If the default\n bundle file isn't adequate, you can specify an alternate file\n using the --cacert option.\nIf this HTTPS server uses a certificate signed by a CA represented in\n the bundle, the certificate verification probably failed due to a\n problem with the certificate (it might be expired, or the name might\n not match the domain name in the URL).\nIf you'd like to turn off curl's verification of the certificate, use\n the -k (or --insecure) option.".to_string(),
                _ => "SSL certificate problem: self-signed certificate\nMore details here: https://curl.se/docs/sslcerts.html\n\ncurl failed to verify the legitimacy of the server and therefore could not\nestablish a secure connection to it. To learn more about this situation and\nhow to fix it, please visit the web page mentioned above.".to_string(),
            };
            (60, msg, String::new())
        }
        RequestError::EmptyReply { .. } => (
            52,
            "Empty reply from server".to_string(),
            "* Empty reply from server\n* Closing connection\n".to_string(),
        ),
        RequestError::Timeout { ip, port } => {
            let limit = match (opts.connect_timeout_ms, opts.max_time_ms) {
                (Some(c), Some(m)) => Some(c.min(m)),
                (c, m) => c.or(m),
            };
            match limit {
                Some(ms) if ms < KERNEL_CONNECT_TIMEOUT_MS => {
                    let spent = ms + 1 + cluster.api().rng().below("curl-timing", 5);
                    cluster.advance(spent);
                    let by_max_time = opts.max_time_ms == Some(ms)
                        && opts.connect_timeout_ms.is_none_or(|c| c > ms);
                    let msg = match version {
                        Version::V7_29 => format!("Connection timed out after {spent} milliseconds"),
                        _ if by_max_time => format!("Connection timed out after {spent} milliseconds"),
                        _ => format!(
                            "Failed to connect to {host} port {port} after {spent} ms: Timeout was reached"
                        ),
                    };
                    let close = match version {
                        Version::V8_5 => "* Closing connection\n",
                        _ => "* Closing connection 0\n",
                    };
                    (28, msg.clone(), format!("* {msg}\n{close}"))
                }
                _ => {
                    let spent =
                        KERNEL_CONNECT_TIMEOUT_MS + cluster.api().rng().below("curl-timing", 3_000);
                    cluster.advance(spent);
                    match version {
                        Version::V7_29 => (
                            7,
                            format!("Failed connect to {host}:{port}; Connection timed out"),
                            format!("* Connection timed out\n* Failed connect to {host}:{port}; Connection timed out\n* Closing connection 0\n"),
                        ),
                        _ => {
                            let m = format!(
                                "Failed to connect to {host} port {port} after {spent} ms: Couldn't connect to server"
                            );
                            (
                                7,
                                m.clone(),
                                format!("* connect to {ip} port {port} from {} port {} failed: Connection timed out\n* {m}\n* Closing connection\n", source_ip(cluster), 40_000 + spent % 20_000),
                            )
                        }
                    }
                }
            }
        }
    };
    if opts.verbose {
        out.stderr(verbose);
    }
    if show {
        out.stderr(format!("curl: ({code}) {msg}\n"));
    }
    code
}

/// The source address curl's verbose output names (the learner's node address).
fn source_ip(cluster: &Cluster) -> String {
    cluster.preset().control_plane().ip.clone()
}

fn parse(args: &[String]) -> Result<Opts, (i32, String)> {
    let mut o = Opts {
        silent: false,
        show_error: false,
        verbose: false,
        include: false,
        head: false,
        fail: false,
        location: false,
        insecure: false,
        method: None,
        output: None,
        write_out: None,
        connect_timeout_ms: None,
        max_time_ms: None,
        headers: Vec::new(),
        user_agent: None,
        resolve: Vec::new(),
        data: false,
        url: None,
    };
    let seconds = |a: &str, v: &str| -> Result<u64, (i32, String)> {
        let secs: f64 = v.parse().map_err(|_| {
            (
                2,
                format!("option {a}: expected a proper numerical parameter"),
            )
        })?;
        Ok((secs * 1000.0) as u64)
    };
    let mut i = 0;
    while i < args.len() {
        let a = args[i].clone();
        // `--opt=value` is not curl syntax; curl takes the value as the next word.
        let value = |i: &mut usize| -> Result<String, (i32, String)> {
            *i += 1;
            args.get(*i)
                .cloned()
                .ok_or((2, format!("option {a}: requires parameter")))
        };
        match a.as_str() {
            "-s" | "--silent" => o.silent = true,
            "-S" | "--show-error" => o.show_error = true,
            "-v" | "--verbose" => o.verbose = true,
            "-i" | "--include" => o.include = true,
            "-I" | "--head" => o.head = true,
            "-f" | "--fail" => o.fail = true,
            "-L" | "--location" => o.location = true,
            "-k" | "--insecure" => o.insecure = true,
            "-4" | "--ipv4" | "-N" | "--no-buffer" | "--compressed" | "-#" => {}
            "-X" | "--request" => o.method = Some(value(&mut i)?),
            "-o" | "--output" => o.output = Some(value(&mut i)?),
            "-w" | "--write-out" => o.write_out = Some(value(&mut i)?),
            "-A" | "--user-agent" => o.user_agent = Some(value(&mut i)?),
            "-H" | "--header" => {
                let h = value(&mut i)?;
                if let Some((k, v)) = h.split_once(':') {
                    o.headers.push((k.trim().to_string(), v.trim().to_string()));
                }
            }
            "-d" | "--data" | "--data-raw" | "--data-binary" => {
                value(&mut i)?;
                o.data = true;
            }
            "-u" | "--user" | "-e" | "--referer" | "-b" | "--cookie" | "-c" | "--cookie-jar" => {
                let v = value(&mut i)?;
                if a == "-b" || a == "--cookie" {
                    o.headers.push(("Cookie".into(), v));
                }
            }
            "--resolve" => {
                let v = value(&mut i)?;
                let parts: Vec<&str> = v.splitn(3, ':').collect();
                match parts.as_slice() {
                    [h, p, ip] => {
                        let (Ok(p), Ok(ip)) = (p.parse::<u16>(), ip.parse::<Ipv4Addr>()) else {
                            return Err((49, "Couldn't parse CURLOPT_RESOLVE entry".into()));
                        };
                        o.resolve.push((h.to_string(), p, ip));
                    }
                    _ => return Err((49, "Couldn't parse CURLOPT_RESOLVE entry".into())),
                }
            }
            "--connect-timeout" => {
                let v = value(&mut i)?;
                o.connect_timeout_ms = Some(seconds(&a, &v)?);
            }
            "-m" | "--max-time" => {
                let v = value(&mut i)?;
                o.max_time_ms = Some(seconds(&a, &v)?);
            }
            s if s.starts_with('-')
                && s.len() > 1
                && !s.starts_with("--")
                && s[1..].chars().all(|c| "sSviIkLf4".contains(c)) =>
            {
                for c in s[1..].chars() {
                    match c {
                        's' => o.silent = true,
                        'S' => o.show_error = true,
                        'v' => o.verbose = true,
                        'i' => o.include = true,
                        'I' => o.head = true,
                        'k' => o.insecure = true,
                        'L' => o.location = true,
                        'f' => o.fail = true,
                        _ => {}
                    }
                }
            }
            s if s.starts_with('-') && s.len() > 1 => {
                return Err((2, format!("option {s}: is unknown")))
            }
            url => o.url = Some(url.to_string()),
        }
        i += 1;
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_like_curl() {
        let u = parse_url("http://10.96.0.10").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("10.96.0.10", 80, "/")
        );
        let u = parse_url("node1.example.com:30100/app?x=1").unwrap();
        assert_eq!((u.port, u.path.as_str()), (30100, "/app?x=1"));
        let u = parse_url("https://foo.bar").unwrap();
        assert!(u.https && u.port == 443);
        assert_eq!(parse_url("ftp://x").err().unwrap().0, 1);
        assert_eq!(parse_url("x:99999").err().unwrap().0, 3);
    }

    #[test]
    fn redirects_resolve_against_the_answering_url() {
        let u = parse_url("http://10.0.0.11:30100/app").unwrap();
        assert_eq!(absolute(&u, "/tree?"), "http://10.0.0.11:30100/tree?");
        assert_eq!(absolute(&u, "https://x/"), "https://x/");
    }
}
