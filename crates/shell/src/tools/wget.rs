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
