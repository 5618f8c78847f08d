//! Liveness, readiness and startup probes (exec, httpGet, tcpSocket, grpc) against the
//! program model, with `initialDelaySeconds`, `periodSeconds`, `failureThreshold` and
//! `successThreshold`.

use super::fs::ContainerFs;
use super::program::{self, Context, Process, Server};
use crate::sim::SimTime;
use k8s_openapi::api::core::v1::{Container, Probe};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

/// Which probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeKind {
    Startup,
    Liveness,
    Readiness,
}

impl ProbeKind {
    /// `Liveness`, as in `Liveness probe failed: ...`.
    pub fn title(self) -> &'static str {
        match self {
            ProbeKind::Startup => "Startup",
            ProbeKind::Liveness => "Liveness",
            ProbeKind::Readiness => "Readiness",
        }
    }
    /// `liveness`, as in `failed liveness probe, will be restarted`.
    pub fn lower(self) -> &'static str {
        match self {
            ProbeKind::Startup => "startup",
            ProbeKind::Liveness => "liveness",
            ProbeKind::Readiness => "readiness",
        }
    }
}

/// The running state of one probe.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProbeState {
    pub next_at: Option<SimTime>,
    pub failures: i32,
    pub successes: i32,
    /// The probe's verdict so far (`None`: not yet decided).
    pub ok: Option<bool>,
}

/// The probes of one container instance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProbeSet {
    pub startup: ProbeState,
    pub liveness: ProbeState,
    pub readiness: ProbeState,
}

impl ProbeSet {
    /// Arms the probes of a container that started at `at`.
    pub fn arm(c: &Container, at: SimTime) -> ProbeSet {
        let first = |p: &Option<Probe>| {
            p.as_ref()
                .map(|p| at.plus_ms(p.initial_delay_seconds.unwrap_or(0).max(0) as u64 * 1000))
        };
        let mut s = ProbeSet::default();
        s.startup.next_at = first(&c.startup_probe);
        if c.startup_probe.is_none() {
            s.liveness.next_at = first(&c.liveness_probe);
            s.readiness.next_at = first(&c.readiness_probe);
        }
        s
    }
    pub fn state_mut(&mut self, k: ProbeKind) -> &mut ProbeState {
        match k {
            ProbeKind::Startup => &mut self.startup,
            ProbeKind::Liveness => &mut self.liveness,
            ProbeKind::Readiness => &mut self.readiness,
        }
    }
    /// The earliest probe due.
    pub fn next_due(&self) -> Option<SimTime> {
        [
            self.startup.next_at,
            self.liveness.next_at,
            self.readiness.next_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

/// The probe of a kind from the container spec.
pub fn spec_probe(c: &Container, k: ProbeKind) -> Option<&Probe> {
    match k {
        ProbeKind::Startup => c.startup_probe.as_ref(),
        ProbeKind::Liveness => c.liveness_probe.as_ref(),
        ProbeKind::Readiness => c.readiness_probe.as_ref(),
    }
}

fn resolve_port(c: &Container, p: &IntOrString) -> Option<u16> {
    match p {
        IntOrString::Int(i) => u16::try_from(*i).ok(),
        IntOrString::String(name) => c
            .ports
            .iter()
            .flatten()
            .find(|cp| cp.name.as_deref() == Some(name.as_str()))
            .and_then(|cp| u16::try_from(cp.container_port).ok()),
    }
}

/// The HTTP status a server answers for `path` (`None`: nothing listens on the port).
pub fn http_status(
    proc: &Process,
    fs: &ContainerFs,
    port: u16,
    path: &str,
    now: SimTime,
) -> Option<u16> {
    let server = proc.server.as_ref()?;
    if now < proc.ready_at || !server.ports().contains(&port) || proc.exit_code().is_some() {
        return None;
    }
    let path = path.split('?').next().unwrap_or("/");
    Some(match server {
        Server::Nginx { .. } | Server::Httpd => {
            let root = if matches!(server, Server::Httpd) {
                "/usr/local/apache2/htdocs"
            } else {
                "/usr/share/nginx/html"
            };
            let file = if path.ends_with('/') {
                format!("{root}{path}index.html")
            } else {
                format!("{root}{path}")
            };
            if fs.is_file(&file) || fs.is_file(&format!("{file}/index.html")) {
                200
            } else {
                404
            }
        }
        // agnhost liveness answers 200 for ten seconds, then 500.
        Server::Agnhost(sub)
            if sub == "liveness"
                && path == "/healthz"
                && now.ms().saturating_sub(proc.started_at.ms()) >= 10_000 =>
        {
            500
        }
        Server::Redis
        | Server::Mysql
        | Server::Postgres
        | Server::Mongo
        | Server::Memcached
        | Server::Fluentd => return None,
        _ => 200,
    })
}

/// Runs a probe once: `Ok(())` or the failure message kubelet reports.
#[allow(clippy::too_many_arguments)]
pub fn run(
    probe: &Probe,
    c: &Container,
    proc: &Process,
    fs: &mut ContainerFs,
    ctx: &Context,
    env: &std::sync::Arc<BTreeMap<String, String>>,
    pod_ip: &str,
    now: SimTime,
) -> Result<(), String> {
    if let Some(exec) = &probe.exec {
        let argv = exec.command.clone().unwrap_or_default();
        let (code, out) = program::run_once(&argv, ctx, env, fs, now);
        return if code == 0 {
            Ok(())
        } else {
            Err(out.trim_end_matches('\n').to_string())
        };
    }
    if let Some(h) = &probe.http_get {
        let port = resolve_port(c, &h.port).unwrap_or(0);
        let path = h.path.clone().unwrap_or_else(|| "/".into());
        let scheme = h.scheme.as_deref().unwrap_or("HTTP").to_ascii_lowercase();
        let host = h.host.clone().unwrap_or_else(|| pod_ip.to_string());
        return match http_status(proc, fs, port, &path, now) {
            Some(code) if (200..400).contains(&code) => Ok(()),
            Some(code) => Err(format!("HTTP probe failed with statuscode: {code}")),
            None => Err(format!("Get \"{scheme}://{host}:{port}{path}\": dial tcp {host}:{port}: connect: connection refused")),
        };
    }
    let port = probe
        .tcp_socket
        .as_ref()
        .and_then(|t| resolve_port(c, &t.port))
        .or_else(|| probe.grpc.as_ref().and_then(|g| u16::try_from(g.port).ok()))
        .unwrap_or(0);
    let listening = proc.exit_code().is_none()
        && now >= proc.ready_at
        && proc
            .server
            .as_ref()
            .is_some_and(|s| s.ports().contains(&port));
    if listening {
        Ok(())
    } else if probe.grpc.is_some() {
        Err(format!("timeout: failed to connect service \"{pod_ip}:{port}\" within 1s: context deadline exceeded"))
    } else {
        Err(format!(
            "dial tcp {pod_ip}:{port}: connect: connection refused"
        ))
    }
}
