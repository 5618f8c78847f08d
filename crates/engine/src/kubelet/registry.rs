//! Private registries of the simulated network and how a node's containerd reaches them.
//!
//! Seed 003 pulls `msa.harbor.com/discovery-service` from a Harbor that serves plain HTTP
//! (port 80 only) and is in no DNS. What a pull does, step by step, is what containerd 2.1
//! does ([`check_pull`]):
//!
//! 1. The registry hosts for the image's host come from `config_path` of
//!    `[plugins.'io.containerd.cri.v1.images'.registry]` in `/etc/containerd/config.toml`, as
//!    loaded when containerd last started: `<config_path>/<host>/hosts.toml` (read at every
//!    pull, so edits there need no restart), else the default `https://<host>/v2`. The CRI
//!    pulls through the transfer service, which takes `config_path` as one directory, so the
//!    colon list `/etc/containerd/certs.d:/etc/docker/certs.d` finds nothing (containerd
//!    issues 12636, 12808); `use_local_image_pull = true` or legacy `registry.mirrors`
//!    switch to the client pull, which splits the list and honours mirrors when `config_path`
//!    is empty. `registry.configs."<host>".tls` (`insecure_skip_verify`) no longer exists in
//!    2.x and is ignored.
//! 2. Each host name is looked up in the node's `/etc/hosts` (read at every pull), then DNS,
//!    which does not know the registry: `dial tcp: lookup msa.harbor.com on 127.0.0.53:53:
//!    no such host`.
//! 3. HTTPS goes to port 443, where nothing listens: `connect: connection refused`; HTTPS to
//!    an explicit `:80` gets `http: server gave HTTP response to HTTPS client`. A host
//!    configured as `http://` with `skip_verify` tries HTTPS first and falls back to HTTP on
//!    those two errors (`docker.NewHTTPFallback`).

use super::containerd_toml::{self, Document, ParseError};
use super::images::{ImageRef, PullError};
use crate::preset::Preset;
use crate::sim::SimTime;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// The node's hosts file.
pub const HOSTS_FILE: &str = "/etc/hosts";
/// containerd's configuration file.
pub const CONFIG_TOML: &str = "/etc/containerd/config.toml";

/// True for the node files the container runtime reads: `/etc/hosts`, everything under
/// `/etc/containerd/` and Docker's `/etc/docker/certs.d/`.
pub fn is_runtime_file(path: &str) -> bool {
    path == HOSTS_FILE
        || path.starts_with("/etc/containerd/")
        || path.starts_with("/etc/docker/certs.d/")
}

/// A registry outside the cluster that answers plain HTTP on one port and nothing else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivateRegistry {
    pub host: &'static str,
    pub ip: Ipv4Addr,
    pub http_port: u16,
}

/// The private registries next to a preset's machines: seed 003's Harbor (`msa.harbor.com`)
/// at `.50` of the control plane's /24 (vagrant: 192.168.1.50).
pub fn private_registries(preset: &Preset) -> Vec<PrivateRegistry> {
    let Ok(cp) = preset.control_plane().ip.parse::<Ipv4Addr>() else {
        return Vec::new();
    };
    let [a, b, c, _] = cp.octets();
    vec![PrivateRegistry {
        host: "msa.harbor.com",
        ip: Ipv4Addr::new(a, b, c, 50),
        http_port: 80,
    }]
}

/// containerd's registry settings as loaded at start.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegistryConfig {
    /// `registry.config_path` as written (may be a colon list).
    pub config_path: String,
    /// `use_local_image_pull`: pull with the client instead of the transfer service.
    pub use_local_image_pull: bool,
    /// Legacy `registry.mirrors."<host>".endpoint`.
    pub mirrors: BTreeMap<String, Vec<String>>,
    /// Legacy `registry.configs."<host>"` tables are present (2.1 then falls back to the
    /// client pull, `CheckLocalImagePullConfigs`; their 1.x `tls` key is ignored).
    pub configs: bool,
}

impl RegistryConfig {
    /// The CRI pulls with the client (not the transfer service) when asked to, or when
    /// legacy mirrors are configured (the transfer service does not support them).
    fn local_pull(&self) -> bool {
        self.use_local_image_pull || !self.mirrors.is_empty() || self.configs
    }
}

/// Reads the registry settings of a `config.toml` (`None`: no file, the built-in defaults).
///
/// Version 3 keeps them under `plugins.'io.containerd.cri.v1.images'`; a version 2 file
/// (containerd 1.x) under `plugins."io.containerd.grpc.v1.cri"`, which containerd 2.x
/// migrates on load; a file without `version` is version 1 (`plugins.cri`).
pub fn load_config(text: Option<&str>) -> Result<RegistryConfig, ParseError> {
    let Some(text) = text else {
        return Ok(RegistryConfig::default());
    };
    let doc = containerd_toml::parse(text)?;
    let version = match doc.get(&["version"]) {
        Some(containerd_toml::Value::Number(n)) => n.clone(),
        _ => "1".to_string(),
    };
    let plugin = match version.as_str() {
        "3" => "io.containerd.cri.v1.images",
        "2" => "io.containerd.grpc.v1.cri",
        _ => "cri",
    };
    let reg = ["plugins", plugin, "registry"];
    let config_path = doc
        .get(&[reg[0], reg[1], reg[2], "config_path"])
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string();
    let use_local_image_pull = version == "3"
        && doc
            .get(&["plugins", plugin, "use_local_image_pull"])
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
    let mut mirrors = BTreeMap::new();
    for host in doc.children(&[reg[0], reg[1], reg[2], "mirrors"]) {
        let endpoints = doc
            .get(&[reg[0], reg[1], reg[2], "mirrors", &host, "endpoint"])
            .map(|v| v.strings())
            .unwrap_or_default();
        mirrors.insert(host, endpoints);
    }
    // In a version 3 file the CRI gRPC plugin's `registry` is not the images plugin's: it
    // is ignored (see `containerd_log`).
    let configs = !doc
        .children(&[reg[0], reg[1], reg[2], "configs"])
        .is_empty();
    Ok(RegistryConfig {
        config_path,
        use_local_image_pull,
        mirrors,
        configs,
    })
}

/// containerd on one node: the runtime files the learner left there, the registry settings
/// it loaded, and whether it runs.
#[derive(Clone, Debug)]
pub struct NodeRuntime {
    registries: Vec<PrivateRegistry>,
    /// The cluster's machines (they refuse connections to ports they do not serve).
    node_ips: Vec<Ipv4Addr>,
    /// The node's runtime files (see [`is_runtime_file`]) once the learner's shell reported
    /// them; `None` while they are as installed.
    files: Option<BTreeMap<String, String>>,
    loaded: RegistryConfig,
    /// False after a start that failed on a config.toml that is not TOML, and while stopped.
    running: bool,
    /// True while stopped with `systemctl stop containerd` (not a failed start).
    stopped: bool,
    started_at: SimTime,
    /// When it last stopped (or its start failed).
    stopped_at: SimTime,
    pid: u32,
}

impl NodeRuntime {
    pub fn new(preset: &Preset) -> NodeRuntime {
        NodeRuntime {
            registries: private_registries(preset),
            node_ips: preset
                .nodes
                .iter()
                .filter_map(|n| n.ip.parse().ok())
                .collect(),
            files: None,
            loaded: RegistryConfig::default(),
            running: true,
            stopped: false,
            started_at: SimTime::ZERO,
            stopped_at: SimTime::ZERO,
            pid: 611,
        }
    }

    fn file(&self, path: &str) -> Option<&str> {
        self.files.as_ref()?.get(path).map(String::as_str)
    }

    /// (Re)starts containerd: it reads config.toml again.
    pub(super) fn start(&mut self, now: SimTime) -> Result<(), ParseError> {
        self.started_at = now;
        self.stopped = false;
        self.pid += 1_000 + (now.ms() % 997) as u32;
        match load_config(self.file(CONFIG_TOML)) {
            Ok(cfg) => {
                self.loaded = cfg;
                self.running = true;
                Ok(())
            }
            Err(e) => {
                self.running = false;
                self.stopped_at = now;
                Err(e)
            }
        }
    }

    /// `systemctl stop containerd`: the daemon exits (and removes its socket); the shims
    /// and the containers they hold keep running.
    pub(super) fn stop(&mut self, now: SimTime) {
        self.running = false;
        self.stopped = true;
        self.stopped_at = now;
    }

    /// True while stopped with `systemctl stop` (false for a failed start).
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// When it last stopped or failed to start.
    pub fn stopped_at(&self) -> SimTime {
        self.stopped_at
    }

    /// The config.toml it would read at its next start (`None`: as installed).
    pub fn config_toml(&self) -> Option<&str> {
        self.file(CONFIG_TOML)
    }

    pub fn is_running(&self) -> bool {
        self.running
    }

    pub fn started_at(&self) -> SimTime {
        self.started_at
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn loaded(&self) -> &RegistryConfig {
        &self.loaded
    }
}

impl super::Kubelet {
    /// The node's runtime files as the learner last left them (`None`: as installed).
    pub fn runtime_files(&self) -> Option<&BTreeMap<String, String>> {
        self.runtime.files.as_ref()
    }

    /// Records the node's runtime files (every path for which [`is_runtime_file`] holds).
    /// `/etc/hosts` and `hosts.toml` count at the next pull; config.toml at the next start.
    pub fn set_runtime_files(&mut self, files: BTreeMap<String, String>) {
        self.runtime.files = Some(files);
    }

    /// containerd of this node, started again if the machine booted since it last started.
    pub fn containerd(&mut self) -> &NodeRuntime {
        self.containerd_follow_boot();
        &self.runtime
    }

    pub(super) fn containerd_follow_boot(&mut self) {
        let booted = self.service.booted_at;
        if booted > self.runtime.started_at {
            self.runtime_booted(booted, true);
        }
    }

    /// Whether containerd on this node can reach the registry of `r` (only private
    /// registries are checked; the catalogue's public registries always answer).
    pub(super) fn registry_access(&mut self, r: &ImageRef) -> Result<(), PullError> {
        self.containerd_follow_boot();
        if !self.runtime.running {
            return Err(PullError::Cri(
                super::runtime_state::CRI_UNAVAILABLE.to_string(),
            ));
        }
        let Some(reg) = self
            .runtime
            .registries
            .iter()
            .find(|g| g.host == r.registry)
        else {
            return Ok(());
        };
        let rt = &self.runtime;
        let empty = BTreeMap::new();
        let files = rt.files.as_ref().unwrap_or(&empty);
        check_pull(reg, r, &rt.loaded, files, rt.file(HOSTS_FILE), &rt.node_ips)
            .map_err(PullError::Cri)
    }
}

/// One registry host a pull may use (containerd's `RegistryHost`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Endpoint {
    scheme: String,
    /// `host` or `host:port`.
    host: String,
    path: String,
    resolve: bool,
    skip_verify: Option<bool>,
}

fn endpoint(url: &str, resolve: bool, skip_verify: Option<bool>) -> Endpoint {
    let url = if url.starts_with("http") {
        url.to_string()
    } else {
        format!("https://{url}")
    };
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url.as_str()));
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
        None => (rest, ""),
    };
    let path = if path.is_empty() {
        "/v2".to_string()
    } else if path.ends_with("/v2") {
        path.to_string()
    } else {
        format!("{path}/v2")
    };
    Endpoint {
        scheme: scheme.to_string(),
        host: host.to_string(),
        path,
        resolve,
        skip_verify,
    }
}

/// `registry.example:5000` → `registry.example_5000_` (certs.d directory names).
fn host_directory(host: &str) -> String {
    match host.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() => format!("{h}_{p}_"),
        _ => host.to_string(),
    }
}

/// The hosts of a `hosts.toml`: every `[host."…"]` in file order, then `server` (or the
/// default `https://<host>`). `None` when the file is not TOML or names an unknown
/// capability (containerd logs it and falls back to the directory's certificate files).
fn parse_hosts_toml(text: &str, registry: &str) -> Option<Vec<Endpoint>> {
    let doc: Document = containerd_toml::parse(text).ok()?;
    let caps = |prefix: &[&str]| -> Option<bool> {
        let mut path: Vec<&str> = prefix.to_vec();
        path.push("capabilities");
        match doc.get(&path) {
            None => Some(true),
            Some(v) => {
                let list = v.strings();
                for c in &list {
                    if !matches!(c.to_ascii_lowercase().as_str(), "pull" | "resolve" | "push") {
                        return None;
                    }
                }
                Some(list.iter().any(|c| c.eq_ignore_ascii_case("resolve")))
            }
        }
    };
    let skip = |prefix: &[&str]| -> Option<bool> {
        let mut path: Vec<&str> = prefix.to_vec();
        path.push("skip_verify");
        doc.get(&path).and_then(|v| v.as_bool())
    };
    let mut out = Vec::new();
    for h in doc.children(&["host"]) {
        let prefix = ["host", h.as_str()];
        out.push(endpoint(&h, caps(&prefix)?, skip(&prefix)));
    }
    let server = doc
        .get(&["server"])
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string();
    let server = if server.is_empty() {
        format!("https://{registry}")
    } else {
        server
    };
    out.push(endpoint(&server, caps(&[])?, skip(&[])));
    Some(out)
}

/// The hosts a pull from `registry` tries, in order.
fn endpoints(
    registry: &str,
    cfg: &RegistryConfig,
    files: &BTreeMap<String, String>,
) -> Vec<Endpoint> {
    let default = || vec![endpoint(&format!("https://{registry}"), true, None)];
    if cfg.config_path.is_empty() {
        if !cfg.local_pull() {
            return default();
        }
        // Legacy mirrors (client pull only): the mirror's endpoints, then the registry.
        let mut list: Vec<String> = cfg
            .mirrors
            .get(registry)
            .or_else(|| cfg.mirrors.get("*"))
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|e| {
                if e.contains("://") {
                    e
                } else {
                    format!("https://{e}")
                }
            })
            .collect();
        if !list
            .iter()
            .any(|e| endpoint(e, true, None).host == registry)
        {
            list.push(format!("https://{registry}"));
        }
        return list.iter().map(|e| endpoint(e, true, None)).collect();
    }
    let roots: Vec<&str> = if cfg.local_pull() {
        cfg.config_path
            .split(':')
            .filter(|p| !p.is_empty())
            .collect()
    } else {
        vec![cfg.config_path.as_str()]
    };
    let dir_name = host_directory(registry);
    for root in roots {
        let dir = format!("{}/{dir_name}", root.trim_end_matches('/'));
        let prefix = format!("{dir}/");
        if !files.keys().any(|p| p.starts_with(&prefix)) {
            continue;
        }
        return files
            .get(&format!("{dir}/hosts.toml"))
            .and_then(|t| parse_hosts_toml(t, registry))
            .unwrap_or_else(default);
    }
    default()
}

/// Decides a pull from a private registry; `Err` carries the CRI error text.
///
/// `hosts` is the node's `/etc/hosts` (`None`: as installed, without the registry);
/// `files` the node's runtime files.
pub fn check_pull(
    reg: &PrivateRegistry,
    r: &ImageRef,
    cfg: &RegistryConfig,
    files: &BTreeMap<String, String>,
    hosts: Option<&str>,
    node_ips: &[Ipv4Addr],
) -> Result<(), String> {
    let mut first_err: Option<String> = None;
    for ep in endpoints(&r.registry, cfg, files) {
        if !ep.resolve {
            continue;
        }
        match request(reg, &ep, r, hosts, node_ips) {
            Ok(()) => return Ok(()),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    let detail =
        first_err.unwrap_or_else(|| format!("{}/{}:{}: not found", r.registry, r.path, r.tag));
    let full = r.full();
    let stage = if cfg.local_pull() {
        format!("failed to resolve reference \"{full}\"")
    } else {
        "failed to resolve image".to_string()
    };
    Err(format!(
        "rpc error: code = Unknown desc = failed to pull and unpack image \"{full}\": {stage}: {detail}"
    ))
}

/// The manifest HEAD request to one host, with containerd's HTTP fallback.
fn request(
    reg: &PrivateRegistry,
    ep: &Endpoint,
    r: &ImageRef,
    hosts: Option<&str>,
    node_ips: &[Ipv4Addr],
) -> Result<(), String> {
    let (name, port) = match ep.host.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().ok()),
        None => (ep.host.as_str(), None),
    };
    let url = |scheme: &str| {
        format!(
            "{scheme}://{}{}/{}/manifests/{}",
            ep.host, ep.path, r.path, r.tag
        )
    };
    let fallback = ep.scheme == "http" && ep.skip_verify.is_some() && port != Some(80);
    let first_scheme = if fallback {
        "https"
    } else {
        ep.scheme.as_str()
    };
    let ip = match name.parse::<Ipv4Addr>() {
        Ok(ip) => ip,
        Err(_) => match hosts.and_then(|h| crate::network::dns::hosts_lookup(h, name)) {
            Some(ip) => ip,
            None => {
                return Err(format!(
                    "failed to do request: Head \"{}\": dial tcp: lookup {name} on 127.0.0.53:53: no such host",
                    url(first_scheme)
                ))
            }
        },
    };
    let connect = |scheme: &str| -> Result<(), (String, bool)> {
        let port = port.unwrap_or(if scheme == "https" { 443 } else { 80 });
        if ip != reg.ip {
            let why = if node_ips.contains(&ip) {
                "connect: connection refused"
            } else {
                "connect: no route to host"
            };
            return Err((format!("dial tcp {ip}:{port}: {why}"), false));
        }
        if port != reg.http_port {
            return Err((
                format!("dial tcp {ip}:{port}: connect: connection refused"),
                true,
            ));
        }
        if scheme == "https" {
            return Err((
                "http: server gave HTTP response to HTTPS client".to_string(),
                true,
            ));
        }
        Ok(())
    };
    match connect(first_scheme) {
        Ok(()) => Ok(()),
        Err((_, true)) if fallback => connect("http")
            .map_err(|(e, _)| format!("failed to do request: Head \"{}\": {e}", url("http"))),
        Err((e, _)) => Err(format!(
            "failed to do request: Head \"{}\": {e}",
            url(first_scheme)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn harbor() -> PrivateRegistry {
        PrivateRegistry {
            host: "msa.harbor.com",
            ip: Ipv4Addr::new(192, 168, 1, 50),
            http_port: 80,
        }
    }

    fn pull(
        cfg: &RegistryConfig,
        files: &[(&str, &str)],
        hosts: Option<&str>,
    ) -> Result<(), String> {
        let files: BTreeMap<String, String> = files
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        let r = ImageRef::parse("msa.harbor.com/discovery-service").unwrap();
        check_pull(&harbor(), &r, cfg, &files, hosts, &[])
    }

    const HOSTS: &str = "127.0.0.1 localhost\n192.168.1.50 msa.harbor.com\n";
    const HTTP_HOSTS_TOML: &str = "server = \"http://msa.harbor.com\"\n\n[host.\"http://msa.harbor.com\"]\n  capabilities = [\"pull\", \"resolve\"]\n  skip_verify = true\n";

    #[test]
    fn unknown_name_then_https_refused_then_http_over_hosts_toml() {
        let cfg = RegistryConfig::default();
        let err = pull(&cfg, &[], None).unwrap_err();
        assert_eq!(err, "rpc error: code = Unknown desc = failed to pull and unpack image \"msa.harbor.com/discovery-service:latest\": failed to resolve image: failed to do request: Head \"https://msa.harbor.com/v2/discovery-service/manifests/latest\": dial tcp: lookup msa.harbor.com on 127.0.0.53:53: no such host");
        let err = pull(&cfg, &[], Some(HOSTS)).unwrap_err();
        assert!(err.ends_with("Head \"https://msa.harbor.com/v2/discovery-service/manifests/latest\": dial tcp 192.168.1.50:443: connect: connection refused"), "{err}");
        // hosts.toml is only looked for under config_path.
        let toml = [(
            "/etc/containerd/certs.d/msa.harbor.com/hosts.toml",
            HTTP_HOSTS_TOML,
        )];
        assert!(pull(&cfg, &toml, Some(HOSTS)).is_err());
        let cfg = RegistryConfig {
            config_path: "/etc/containerd/certs.d".into(),
            ..Default::default()
        };
        assert_eq!(pull(&cfg, &toml, Some(HOSTS)), Ok(()));
        // ... but only with a name the node can resolve.
        assert!(pull(&cfg, &toml, None)
            .unwrap_err()
            .contains("no such host"));
    }

    #[test]
    fn the_transfer_service_takes_a_colon_list_as_one_directory() {
        let toml = [(
            "/etc/containerd/certs.d/msa.harbor.com/hosts.toml",
            HTTP_HOSTS_TOML,
        )];
        let mut cfg = RegistryConfig {
            config_path: "/etc/containerd/certs.d:/etc/docker/certs.d".into(),
            ..Default::default()
        };
        assert!(pull(&cfg, &toml, Some(HOSTS)).is_err());
        cfg.use_local_image_pull = true;
        assert_eq!(pull(&cfg, &toml, Some(HOSTS)), Ok(()));
    }

    #[test]
    fn https_host_with_skip_verify_gets_no_fallback_and_explicit_port_80_tells_http() {
        let cfg = RegistryConfig {
            config_path: "/etc/containerd/certs.d".into(),
            ..Default::default()
        };
        let https = [(
            "/etc/containerd/certs.d/msa.harbor.com/hosts.toml",
            "[host.\"https://msa.harbor.com\"]\n  skip_verify = true\n",
        )];
        assert!(pull(&cfg, &https, Some(HOSTS))
            .unwrap_err()
            .contains("443: connect: connection refused"));
        let port80 = [(
            "/etc/containerd/certs.d/msa.harbor.com/hosts.toml",
            "server = \"https://msa.harbor.com:80\"\n",
        )];
        assert!(pull(&cfg, &port80, Some(HOSTS))
            .unwrap_err()
            .ends_with("Head \"https://msa.harbor.com:80/v2/discovery-service/manifests/latest\": http: server gave HTTP response to HTTPS client"));
        let typo = [(
            "/etc/containerd/certs.d/msa.harbor.com/hosts.toml",
            "server = \"htp://msa.harbor.com\"\n",
        )];
        assert!(pull(&cfg, &typo, Some(HOSTS)).is_err());
    }

    #[test]
    fn legacy_settings_of_containerd_1x() {
        // The seed's insecure_skip_verify: the field is gone in 2.x, nothing changes.
        let seed = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"msa.harbor.com\".tls]\n  insecure_skip_verify = true\n";
        let cfg = load_config(Some(seed)).unwrap();
        assert!(cfg.configs && cfg.config_path.is_empty() && cfg.mirrors.is_empty());
        // The `configs` table switches 2.1 to the client pull (CheckLocalImagePullConfigs).
        let err = pull(&cfg, &[], Some(HOSTS)).unwrap_err();
        assert!(err.contains("failed to resolve reference \"msa.harbor.com/discovery-service:latest\": failed to do request: Head \"https://msa.harbor.com/v2/discovery-service/manifests/latest\": dial tcp 192.168.1.50:443: connect: connection refused"), "{err}");
        // In a version 3 file the same table belongs to the CRI gRPC plugin: ignored.
        let v3 = seed.replace("version = 2", "version = 3");
        assert_eq!(load_config(Some(&v3)).unwrap(), RegistryConfig::default());
        // Mirrors with an http endpoint work through the client pull when config_path is empty.
        let mirrors = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"msa.harbor.com\"]\n  endpoint = [\"http://msa.harbor.com\"]\n";
        let cfg = load_config(Some(mirrors)).unwrap();
        assert_eq!(pull(&cfg, &[], Some(HOSTS)), Ok(()));
        let err = pull(&cfg, &[], None).unwrap_err();
        assert!(err.contains("failed to resolve reference \"msa.harbor.com/discovery-service:latest\": failed to do request: Head \"http://msa.harbor.com/v2/"), "{err}");
        assert!(load_config(Some("version = 3\n[plugins\n")).is_err());
    }
}
