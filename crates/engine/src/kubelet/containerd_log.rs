//! What containerd 2.1.4 writes to the journal when it starts, stops and fails a pull.
//!
//! The start is the interesting part: containerd decodes each plugin's table of
//! `/etc/containerd/config.toml` strictly and logs every table or key the plugin does not
//! know, then carries on without it (`Ignoring unknown key in TOML for plugin`, from
//! `cmd/containerd/server/config/config.go`). go-toml re-encodes the plugin's table first, so
//! every nested table of an unknown key is reported on its own, depth first, in sorted order.
//! The 1.x fix of seed 003,
//! `[plugins."io.containerd.grpc.v1.cri".registry.configs."msa.harbor.com".tls]` appended to
//! a version 3 file, lands in the CRI gRPC plugin, which has no `registry` at all in 2.x:
//!
//! ```text
//! level=warning msg="Ignoring unknown key in TOML for plugin" error="strict mode: …" key=registry plugin=io.containerd.grpc.v1.cri
//! level=warning msg="Ignoring unknown key in TOML for plugin" error="strict mode: …" key="registry configs" plugin=io.containerd.grpc.v1.cri
//! … key="registry configs msa.harbor.com" …, key="registry configs msa.harbor.com tls" …
//! ```
//!
//! In a version 2 file the same table is migrated to `io.containerd.cri.v1.images`, whose
//! `registry.configs."<host>"` only knows `auth`: one warning for `tls`, then the images
//! plugin's own deprecation warning and its fall-back to the client pull
//! (`internal/cri/config/config.go`: `ValidateImageConfig`, `CheckLocalImagePullConfigs`).
//!
//! The plugin list is the one a 2.1.4 daemon on Ubuntu 24.04 (ext4, no btrfs/zfs/erofs,
//! tracing off) loads, without the `starting cri plugin` line and its config dump.

use super::containerd_toml::{self, Document};

/// `containerd --version`: the tag and its commit.
pub const VERSION: &str = "v2.1.4";
pub const REVISION: &str = "75cb2b7193e4e490e9fbdc236c0e811ccaba3376";

const STRICT_ERROR: &str = "strict mode: fields in the document are missing in the target struct";

/// One logrus record: level, message and fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub level: &'static str,
    pub msg: String,
    pub fields: Vec<(&'static str, String)>,
}

fn info(msg: impl Into<String>) -> Record {
    Record {
        level: "info",
        msg: msg.into(),
        fields: Vec::new(),
    }
}

fn warn(msg: impl Into<String>, fields: Vec<(&'static str, String)>) -> Record {
    Record {
        level: "warning",
        msg: msg.into(),
        fields,
    }
}

fn loading(id: &str) -> Record {
    let ty = id.rsplit_once('.').map_or(id, |(t, _)| t);
    Record {
        level: "info",
        msg: "loading plugin".into(),
        fields: vec![("id", id.to_string()), ("type", ty.to_string())],
    }
}

fn skip(id: &str, why: &str) -> Record {
    skip_with(id, format!("{why}: skip plugin"))
}

/// `skip loading plugin` with the plugin's error as it is.
fn skip_with(id: &str, error: String) -> Record {
    let ty = id.rsplit_once('.').map_or(id, |(t, _)| t);
    Record {
        level: "info",
        msg: "skip loading plugin".into(),
        fields: vec![
            ("error", error),
            ("id", id.to_string()),
            ("type", ty.to_string()),
        ],
    }
}

/// The keys of the CRI gRPC plugin's config in 2.x (`ServerConfig`); the table
/// `x509_key_pair_streaming` has `tls_cert_file` and `tls_key_file`.
const CRI_SERVER_KEYS: &[&str] = &[
    "disable_tcp_service",
    "stream_server_address",
    "stream_server_port",
    "stream_idle_timeout",
    "enable_tls_streaming",
    "x509_key_pair_streaming",
];

/// Whether the plugin config type knows the key path `rel` (relative to the plugin table).
fn known(plugin: &str, rel: &[String]) -> bool {
    match plugin {
        "io.containerd.grpc.v1.cri" => match rel {
            [k] => CRI_SERVER_KEYS.contains(&k.as_str()),
            [t, k] if t == "x509_key_pair_streaming" => {
                matches!(k.as_str(), "tls_cert_file" | "tls_key_file")
            }
            _ => false,
        },
        // `registry.configs."<host>"` is a `RegistryConfig`, which has only `auth`.
        "io.containerd.cri.v1.images" => match rel {
            [r, c, _host, k, ..] if r == "registry" && c == "configs" => k == "auth",
            _ => true,
        },
        _ => true,
    }
}

/// A plugin's table as go-toml re-encodes it: every sub-table (declared, or implied by a
/// dotted key) and every key, relative to the plugin.
struct PluginTable {
    tables: Vec<Vec<String>>,
    keys: Vec<Vec<String>>,
}

fn plugin_table(doc: &Document, prefix: &[String]) -> PluginTable {
    let under = |p: &Vec<String>| -> Option<Vec<String>> {
        (p.len() > prefix.len() && p[..prefix.len()] == *prefix).then(|| p[prefix.len()..].to_vec())
    };
    let mut tables: Vec<Vec<String>> = Vec::new();
    let mut keys: Vec<Vec<String>> = Vec::new();
    for t in doc.tables.iter().filter_map(under) {
        for n in 1..=t.len() {
            let p = t[..n].to_vec();
            if !tables.contains(&p) {
                tables.push(p);
            }
        }
    }
    for (p, _) in &doc.leaves {
        let Some(rel) = under(p) else { continue };
        for n in 1..rel.len() {
            let t = rel[..n].to_vec();
            if !tables.contains(&t) {
                tables.push(t);
            }
        }
        keys.push(rel);
    }
    tables.sort();
    keys.sort();
    PluginTable { tables, keys }
}

/// The unknown keys of one plugin's table, in the order go-toml reports them: a table's own
/// keys, then its sub-tables depth first, sorted; a table that is unknown is reported once
/// and its keys are skipped (each sub-table header is reported again).
fn unknown_keys(doc: &Document, prefix: &[String], plugin: &str) -> Vec<String> {
    let pt = plugin_table(doc, prefix);
    let mut out = Vec::new();
    let visit = |table: &[String], out: &mut Vec<String>| {
        let table_known = table.is_empty() || known(plugin, table);
        if !table.is_empty() && !table_known {
            out.push(table.join(" "));
            return;
        }
        for k in pt
            .keys
            .iter()
            .filter(|k| k.len() == table.len() + 1 && k.starts_with(table))
        {
            if !known(plugin, k) {
                out.push(k.join(" "));
            }
        }
    };
    visit(&[], &mut out);
    for t in &pt.tables {
        visit(t, &mut out);
    }
    out
}

fn strict_warnings(doc: &Document, prefix: &[String], plugin: &str) -> Vec<Record> {
    unknown_keys(doc, prefix, plugin)
        .into_iter()
        .map(|key| {
            warn(
                "Ignoring unknown key in TOML for plugin",
                vec![
                    ("error", STRICT_ERROR.to_string()),
                    ("key", key),
                    ("plugin", plugin.to_string()),
                ],
            )
        })
        .collect()
}

/// What containerd logs while it starts with `config` (`None`: no config.toml, the
/// built-in defaults). A config that is not TOML stops it before anything else is logged;
/// that is the `Err` (the line it prints on stderr).
pub fn startup(config: Option<&str>, booted_in_us: u64) -> Result<Vec<Record>, String> {
    let doc = match config.map(containerd_toml::parse) {
        None => Document::default(),
        Some(Ok(doc)) => doc,
        Some(Err(e)) => {
            return Err(format!(
                "containerd: failed to unmarshal TOML at row {} column 1: toml: {}",
                e.line, e.message
            ))
        }
    };
    let version = match doc.get(&["version"]) {
        Some(containerd_toml::Value::Number(n)) => n.parse::<u32>().unwrap_or(1),
        _ if config.is_none() => 3,
        _ => 1,
    };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    // Where each plugin's table is after migration to version 3.
    let (cri_table, images_table) = match version {
        3.. => (
            s(&["plugins", "io.containerd.grpc.v1.cri"]),
            s(&["plugins", "io.containerd.cri.v1.images"]),
        ),
        2 => (Vec::new(), s(&["plugins", "io.containerd.grpc.v1.cri"])),
        _ => (Vec::new(), s(&["plugins", "cri"])),
    };
    let mut images_warnings = if images_table.is_empty() {
        Vec::new()
    } else {
        strict_warnings(&doc, &images_table, "io.containerd.cri.v1.images")
    };
    let mut reg = images_table.clone();
    reg.push("registry".into());
    let has = |key: &str| {
        let mut p = reg.clone();
        p.push(key.into());
        let p: Vec<&str> = p.iter().map(String::as_str).collect();
        !doc.children(&p).is_empty()
    };
    let mirrors = has("mirrors");
    let configs = has("configs");
    if mirrors {
        images_warnings.push(warn(
            "`mirrors` is deprecated, please use `config_path` instead",
            vec![],
        ));
    }
    if configs {
        images_warnings.push(warn(
            "`configs` is deprecated, please use `config_path` instead",
            vec![],
        ));
    }
    let local_pull = [("Registry.Mirrors", mirrors), ("Registry.Configs", configs)]
        .into_iter()
        .find(|(_, on)| *on);
    if let Some((name, _)) = local_pull {
        images_warnings.push(warn(
            format!("Found '{name}' in CRI config which is incompatible with transfer service (not supported with transfer service (also deprecated)). Falling back to local image pull mode."),
            vec![],
        ));
    }
    let cri_warnings = if cri_table.is_empty() {
        Vec::new()
    } else {
        strict_warnings(&doc, &cri_table, "io.containerd.grpc.v1.cri")
    };

    let mut out = vec![Record {
        level: "info",
        msg: "starting containerd".into(),
        fields: vec![("revision", REVISION.into()), ("version", VERSION.into())],
    }];
    if version < 3 {
        out.push(warn(
            format!("Configuration migrated from version {version}, use `containerd config migrate` to avoid migration"),
            vec![("t", format!("{}.{}µs", 8 + booted_in_us % 9, booted_in_us % 997))],
        ));
    }
    let root = "/var/lib/containerd";
    for id in [
        "io.containerd.content.v1.content",
        "io.containerd.image-verifier.v1.bindir",
        "io.containerd.internal.v1.opt",
        "io.containerd.warning.v1.deprecations",
    ] {
        out.push(loading(id));
    }
    let skipped = [
        ("io.containerd.snapshotter.v1.blockfile", "no scratch file generator".to_string()),
        ("io.containerd.snapshotter.v1.btrfs", format!("path {root}/io.containerd.snapshotter.v1.btrfs (ext4) must be a btrfs filesystem to be used with the btrfs snapshotter")),
        ("io.containerd.snapshotter.v1.devmapper", "devmapper not configured".to_string()),
        ("io.containerd.snapshotter.v1.erofs", "EROFS unsupported, please `modprobe erofs`".to_string()),
    ];
    for (id, why) in &skipped {
        out.push(loading(id));
        out.push(skip(id, why));
    }
    out.push(loading("io.containerd.snapshotter.v1.native"));
    out.push(loading("io.containerd.snapshotter.v1.overlayfs"));
    out.push(loading("io.containerd.snapshotter.v1.zfs"));
    out.push(skip(
        "io.containerd.snapshotter.v1.zfs",
        &format!("lstat {root}/io.containerd.snapshotter.v1.zfs: no such file or directory"),
    ));
    out.push(loading("io.containerd.event.v1.exchange"));
    out.push(loading("io.containerd.monitor.task.v1.cgroups"));
    out.push(loading("io.containerd.metadata.v1.bolt"));
    out.push(Record {
        level: "info",
        msg: "metadata content store policy set".into(),
        fields: vec![("policy", "shared".into())],
    });
    out.push(loading("io.containerd.gc.v1.scheduler"));
    out.push(loading("io.containerd.nri.v1.nri"));
    out.push(info("runtime interface created"));
    out.push(info("created NRI interface"));
    out.push(loading("io.containerd.differ.v1.erofs"));
    out.push(skip(
        "io.containerd.differ.v1.erofs",
        "could not find mkfs.erofs: exec: \"mkfs.erofs\": executable file not found in $PATH",
    ));
    for id in [
        "io.containerd.differ.v1.walking",
        "io.containerd.lease.v1.manager",
        "io.containerd.service.v1.containers-service",
        "io.containerd.service.v1.content-service",
        "io.containerd.service.v1.diff-service",
        "io.containerd.service.v1.images-service",
        "io.containerd.service.v1.introspection-service",
        "io.containerd.service.v1.namespaces-service",
        "io.containerd.service.v1.snapshots-service",
        "io.containerd.shim.v1.manager",
        "io.containerd.runtime.v2.task",
        "io.containerd.service.v1.tasks-service",
        "io.containerd.grpc.v1.containers",
        "io.containerd.grpc.v1.content",
        "io.containerd.grpc.v1.diff",
        "io.containerd.grpc.v1.events",
        "io.containerd.grpc.v1.images",
        "io.containerd.grpc.v1.introspection",
        "io.containerd.grpc.v1.leases",
        "io.containerd.grpc.v1.namespaces",
        "io.containerd.sandbox.store.v1.local",
        "io.containerd.transfer.v1.local",
        "io.containerd.cri.v1.images",
    ] {
        out.push(loading(id));
    }
    out.extend(images_warnings);
    out.push(info(format!(
        "Get image filesystem path \"{root}/io.containerd.snapshotter.v1.overlayfs\" for snapshotter \"overlayfs\""
    )));
    out.push(info("Start snapshots syncer"));
    for id in [
        "io.containerd.cri.v1.runtime",
        "io.containerd.podsandbox.controller.v1.podsandbox",
        "io.containerd.sandbox.controller.v1.shim",
        "io.containerd.grpc.v1.sandbox-controllers",
        "io.containerd.grpc.v1.sandboxes",
        "io.containerd.grpc.v1.snapshots",
        "io.containerd.streaming.v1.manager",
        "io.containerd.grpc.v1.streaming",
        "io.containerd.grpc.v1.tasks",
        "io.containerd.grpc.v1.transfer",
        "io.containerd.grpc.v1.version",
        "io.containerd.monitor.container.v1.restart",
    ] {
        out.push(loading(id));
    }
    for id in [
        "io.containerd.tracing.processor.v1.otlp",
        "io.containerd.internal.v1.tracing",
    ] {
        out.push(loading(id));
        out.push(skip_with(
            id,
            "skip plugin: tracing endpoint not configured".into(),
        ));
    }
    out.push(loading("io.containerd.ttrpc.v1.otelttrpc"));
    out.push(loading("io.containerd.grpc.v1.healthcheck"));
    out.push(loading("io.containerd.grpc.v1.cri"));
    out.extend(cri_warnings);
    out.push(info("Connect containerd service"));
    out.push(info(
        "using experimental NRI integration - disable nri plugin to prevent this",
    ));
    for address in [
        "/run/containerd/containerd.sock.ttrpc",
        "/run/containerd/containerd.sock",
    ] {
        out.push(Record {
            level: "info",
            msg: "serving...".into(),
            fields: vec![("address", address.into())],
        });
    }
    out.push(info("Start subscribing containerd event"));
    out.push(info("Start recovering state"));
    out.push(info("Start event monitor"));
    out.push(info("Start cni network conf syncer for default"));
    out.push(info("Start streaming server"));
    out.push(info(format!(
        "containerd successfully booted in {}.{:06}s",
        booted_in_us / 1_000_000,
        booted_in_us % 1_000_000
    )));
    Ok(out)
}

/// What containerd logs on SIGTERM (the CRI service closes; the shims keep running).
pub fn shutdown() -> Vec<Record> {
    vec![
        info("Stop CRI service"),
        info("Event monitor stopped"),
        info("Stream server stopped"),
    ]
}

/// What the CRI logs for a pull that fails (`instrumented_service.go` and the docker
/// resolver's last host): `error` is the error without the gRPC status prefix.
pub fn pull_failed(
    image: &str,
    host: &str,
    resolve_error: Option<&str>,
    error: &str,
) -> Vec<Record> {
    let mut out = vec![info(format!("PullImage \"{image}\""))];
    if let Some(e) = resolve_error {
        out.push(Record {
            level: "info",
            msg: "fetch failed".into(),
            fields: vec![("error", e.to_string()), ("host", host.to_string())],
        });
    }
    out.push(Record {
        level: "error",
        msg: format!("PullImage \"{image}\" failed"),
        fields: vec![("error", error.to_string())],
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warnings(config: &str) -> Vec<String> {
        startup(Some(config), 45_000)
            .unwrap()
            .into_iter()
            .filter(|r| r.level == "warning")
            .map(|r| {
                let key = r
                    .fields
                    .iter()
                    .find(|(k, _)| *k == "key")
                    .map(|(_, v)| v.clone());
                let plugin = r
                    .fields
                    .iter()
                    .find(|(k, _)| *k == "plugin")
                    .map(|(_, v)| v.clone());
                match (key, plugin) {
                    (Some(k), Some(p)) => format!("{p}: {k}"),
                    _ => r.msg,
                }
            })
            .collect()
    }

    const SEED_TLS: &str = "[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"msa.harbor.com\".tls]\n  insecure_skip_verify = true\n";

    #[test]
    fn the_seeds_1x_tls_table_in_a_version_3_file_is_ignored_by_the_cri_grpc_plugin() {
        let config = format!("version = 3\n[plugins.'io.containerd.grpc.v1.cri']\n  disable_tcp_service = true\n  stream_server_port = '0'\n  [plugins.'io.containerd.grpc.v1.cri'.x509_key_pair_streaming]\n    tls_cert_file = ''\n{SEED_TLS}");
        assert_eq!(
            warnings(&config),
            [
                "io.containerd.grpc.v1.cri: registry",
                "io.containerd.grpc.v1.cri: registry configs",
                "io.containerd.grpc.v1.cri: registry configs msa.harbor.com",
                "io.containerd.grpc.v1.cri: registry configs msa.harbor.com tls",
            ]
        );
        // A v1 runtime option in a version 3 file: the plugin knows no `containerd`.
        let config = "version = 3\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n";
        assert_eq!(
            warnings(config),
            [
                "io.containerd.grpc.v1.cri: containerd",
                "io.containerd.grpc.v1.cri: containerd runtimes",
                "io.containerd.grpc.v1.cri: containerd runtimes runc",
                "io.containerd.grpc.v1.cri: containerd runtimes runc options",
            ]
        );
    }

    #[test]
    fn in_a_version_2_file_the_table_migrates_to_the_images_plugin() {
        let config = format!("version = 2\n{SEED_TLS}");
        assert_eq!(
            warnings(&config),
            [
                "Configuration migrated from version 2, use `containerd config migrate` to avoid migration",
                "io.containerd.cri.v1.images: registry configs msa.harbor.com tls",
                "`configs` is deprecated, please use `config_path` instead",
                "Found 'Registry.Configs' in CRI config which is incompatible with transfer service (not supported with transfer service (also deprecated)). Falling back to local image pull mode.",
            ]
        );
    }

    #[test]
    fn a_clean_start_warns_about_nothing_and_a_broken_file_stops_it() {
        let recs = startup(None, 45_123).unwrap();
        assert!(recs.iter().all(|r| r.level == "info"));
        assert_eq!(recs[0].msg, "starting containerd");
        assert_eq!(
            recs.last().unwrap().msg,
            "containerd successfully booted in 0.045123s"
        );
        assert!(startup(Some("version = 3\n[plugins\n"), 1).is_err());
    }
}
