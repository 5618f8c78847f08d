//! `curl`: HTTP requests across the simulated network, printed as curl 8.5 (Ubuntu 24.04)
//! prints them, with its exit codes (6 could not resolve, 7 could not connect, 28 timeout).

use crate::output::Output;
use kubarium_engine::network::request::{HttpRequest, Origin, RequestError};
use kubarium_engine::Cluster;

/// The version string curl sends as its User-Agent.
pub const USER_AGENT: &str = "curl/8.5.0";

/// How long the kernel keeps retrying a SYN before giving up (about 2 minutes 10 seconds).
const KERNEL_CONNECT_TIMEOUT_MS: u64 = 130_000;

struct Opts {
    silent: bool,
    show_error: bool,
    verbose: bool,
    include: bool,
    head: bool,
    method: Option<String>,
    output: Option<String>,
    write_out: Option<String>,
    connect_timeout_ms: Option<u64>,
    url: Option<String>,
}

/// Runs `curl ARGS…` from `origin`; returns the exit status. `write_file` stores `-o` output.
pub fn run(
    cluster: &mut Cluster,
    origin: &Origin,
    args: &[String],
    out: &mut Output,
    write_file: &mut dyn FnMut(&str, &str) -> Result<(), String>,
) -> i32 {
    let opts = match parse(args) {
        Ok(o) => o,
        Err((code, msg)) => {
            out.stderr(format!("curl: ({code}) {msg}\n"));
            return code;
        }
    };
    let Some(url) = opts.url.clone() else {
        out.stderr("curl: try 'curl --help' or 'curl --manual' for more information\n");
        return 2;
    };
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r.to_string()),
        None => ("http".to_string(), url.clone()),
    };
    if scheme != "http" && scheme != "https" {
        out.stderr(format!("curl: (1) Protocol \"{scheme}\" not supported\n"));
        return 1;
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => (rest[..i].to_string(), rest[i..].to_string()),
        None => (rest.clone(), "/".to_string()),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => match p.parse::<u16>() {
            Ok(p) => (h.to_string(), p),
            Err(_) => {
                out.stderr("curl: (3) URL rejected: Port number was not a decimal number between 0 and 65535\n");
                return 3;
            }
        },
        None => (authority.clone(), if scheme == "https" { 443 } else { 80 }),
    };
    if host.is_empty() {
        out.stderr("curl: (3) URL rejected: No host part in the URL\n");
        return 3;
    }
    let method = opts.method.clone().unwrap_or_else(|| {
        if opts.head {
            "HEAD".into()
        } else {
            "GET".into()
        }
    });
    let req = HttpRequest {
        method: method.clone(),
        host: host.clone(),
        port,
        path: path.clone(),
        user_agent: USER_AGENT.into(),
    };
    let ip_text = cluster.resolve_host(origin, &host).map(|ip| ip.to_string());
    if opts.verbose {
        if let Some(ip) = &ip_text {
            out.stderr(format!("*   Trying {ip}:{port}...\n"));
        }
    }
    let (result, _hops) = cluster.http_request(origin, &req);
    let fail = |out: &mut Output, code: i32, msg: String| {
        if !opts.silent || opts.show_error {
            out.stderr(format!("curl: ({code}) {msg}\n"));
        }
        code
    };
    let resp = match result {
        Ok(r) => r,
        Err(RequestError::CouldNotResolve(h)) => {
            return fail(out, 6, format!("Could not resolve host: {h}"))
        }
        Err(RequestError::Refused { ip, port }) => {
            return fail(
                out,
                7,
                format!(
                    "Failed to connect to {ip} port {port} after 0 ms: Couldn't connect to server"
                ),
            )
        }
        Err(RequestError::Timeout { ip, port }) => {
            return match opts.connect_timeout_ms {
                Some(ms) => {
                    cluster.advance(ms);
                    fail(out, 28, format!("Failed to connect to {ip} port {port} after {ms} ms: Timeout was reached"))
                }
                None => {
                    cluster.advance(KERNEL_CONNECT_TIMEOUT_MS);
                    fail(out, 28, format!("Failed to connect to {ip} port {port} after {KERNEL_CONNECT_TIMEOUT_MS} ms: Couldn't connect to server"))
                }
            };
        }
    };
    let ip = ip_text.unwrap_or_default();
    let status_line = format!("HTTP/1.1 {} {}", resp.status, resp.reason);
    if opts.verbose {
        out.stderr(format!("* Connected to {host} ({ip}) port {port}\n> {method} {path} HTTP/1.1\n> Host: {authority}\n> User-Agent: {USER_AGENT}\n> Accept: */*\n> \n< {status_line}\r\n"));
        for (k, v) in &resp.headers {
            out.stderr(format!("< {k}: {v}\r\n"));
        }
        out.stderr("< \r\n");
    }
    let mut text = String::new();
    if opts.include || opts.head {
        text.push_str(&format!("{status_line}\r\n"));
        for (k, v) in &resp.headers {
            text.push_str(&format!("{k}: {v}\r\n"));
        }
        text.push_str("\r\n");
    }
    if method != "HEAD" {
        text.push_str(&resp.body);
    }
    match &opts.output {
        Some(file) if file != "-" => {
            if let Err(e) = write_file(file, &text) {
                return fail(
                    out,
                    23,
                    format!("Failure writing output to destination: {e}"),
                );
            }
        }
        _ => out.stdout(&text),
    }
    if opts.verbose {
        out.stderr(format!("* Connection #0 to host {host} left intact\n"));
    }
    if let Some(w) = &opts.write_out {
        out.stdout(
            w.replace("%{http_code}", &format!("{:03}", resp.status))
                .replace("\\n", "\n"),
        );
    }
    0
}

fn parse(args: &[String]) -> Result<Opts, (i32, String)> {
    let mut o = Opts {
        silent: false,
        show_error: false,
        verbose: false,
        include: false,
        head: false,
        method: None,
        output: None,
        write_out: None,
        connect_timeout_ms: None,
        url: None,
    };
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
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
            "-k" | "--insecure" | "-L" | "--location" | "-f" | "--fail" | "-4" | "-N" => {}
            "-X" | "--request" => o.method = Some(value(&mut i)?),
            "-o" | "--output" => o.output = Some(value(&mut i)?),
            "-w" | "--write-out" => o.write_out = Some(value(&mut i)?),
            "-H" | "--header" | "-A" | "--user-agent" | "-d" | "--data" | "-u" | "--user"
            | "-e" => {
                value(&mut i)?;
            }
            "--connect-timeout" | "-m" | "--max-time" => {
                let v = value(&mut i)?;
                let secs: f64 = v.parse().map_err(|_| {
                    (
                        2,
                        format!("option {a}: expected a proper numerical parameter"),
                    )
                })?;
                o.connect_timeout_ms = Some((secs * 1000.0) as u64);
            }
            s if s.starts_with('-')
                && s.len() > 1
                && !s.starts_with("--")
                && s[1..].chars().all(|c| "sSviIkLf".contains(c)) =>
            {
                for c in s[1..].chars() {
                    match c {
                        's' => o.silent = true,
                        'S' => o.show_error = true,
                        'v' => o.verbose = true,
                        'i' => o.include = true,
                        'I' => o.head = true,
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
