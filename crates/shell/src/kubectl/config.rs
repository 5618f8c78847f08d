//! `kubectl config` and the kubeconfig file it edits.
//!
//! The kubeconfig lives where kubeadm leaves it on a control-plane node, `/root/.kube/config`
//! in the learner's virtual filesystem (or `--kubeconfig`, or the first path of
//! `$KUBECONFIG`). Every kubectl command reads its current context's namespace from there, so
//! `kubectl config set-context --current --namespace=kube-system` changes what `kubectl get
//! pods` lists, exactly as on a real machine.

use super::flags::{self, boolean, value, FlagSpec, Parsed};
use super::get::usage_error;
use super::Ctx;
use crate::bash::{Bash, Vfs};
use crate::printers;
use kubarium_engine::Cluster;
use serde_json::{json, Map, Value};

/// Where kubeadm writes the admin kubeconfig for root.
pub const DEFAULT_PATH: &str = "/root/.kube/config";
/// What `config view` shows instead of certificate and key bytes.
const DATA_OMITTED: &str = "DATA+OMITTED";
/// What `config view` shows instead of tokens and passwords.
const REDACTED: &str = "REDACTED";

const FLAGS: &[FlagSpec] = &[
    value("output", Some('o')),
    boolean("minify", None),
    boolean("raw", None),
    boolean("flatten", None),
    value("merge", None),
    boolean("current", None),
    boolean("no-headers", None),
    value("template", None),
    boolean("allow-missing-template-keys", None),
    boolean("show-managed-fields", None),
    value("certificate-authority", None),
    boolean("embed-certs", None),
    value("tls-server-name", None),
    value("proxy-url", None),
    value("token", None),
    value("username", None),
    value("password", None),
    value("client-certificate", None),
    value("client-key", None),
    value("auth-provider", None),
    value("exec-command", None),
    boolean("set-raw-bytes", None),
];

use super::generators::base64;

/// A PEM block of `label` with deterministic filler bytes (the simulated cluster has no real
/// PKI; the bytes only need to look like a certificate and stay the same for a seed).
fn fake_pem(label: &str, seed: u64, len: usize) -> String {
    let mut x = seed | 1;
    let bytes: Vec<u8> = (0..len)
        .map(|_| {
            // xorshift64: small, portable, deterministic.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let body = base64(&bytes);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

/// The admin kubeconfig kubeadm writes on the control-plane node: cluster `kubernetes`,
/// user `kubernetes-admin`, context `kubernetes-admin@kubernetes`, the API server on the
/// control-plane IP at port 6443, certificates embedded as base64.
pub fn initial_kubeconfig(cluster: &Cluster) -> String {
    let ip = cluster.preset().control_plane().ip.clone();
    let seed = ip.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let config = json!({
        "apiVersion": "v1",
        "clusters": [{
            "cluster": {
                "certificate-authority-data": base64(fake_pem("CERTIFICATE", seed, 780).as_bytes()),
                "server": format!("https://{ip}:6443"),
            },
            "name": "kubernetes",
        }],
        "contexts": [{
            "context": {"cluster": "kubernetes", "user": "kubernetes-admin"},
            "name": "kubernetes-admin@kubernetes",
        }],
        "current-context": "kubernetes-admin@kubernetes",
        "kind": "Config",
        "preferences": {},
        "users": [{
            "name": "kubernetes-admin",
            "user": {
                "client-certificate-data": base64(fake_pem("CERTIFICATE", seed ^ 0x5555, 800).as_bytes()),
                "client-key-data": base64(fake_pem("RSA PRIVATE KEY", seed ^ 0xaaaa, 1190).as_bytes()),
            },
        }],
    });
    printers::yaml::to_yaml(&config)
}

/// Writes the admin kubeconfig into a fresh shell's filesystem (dated at cluster creation,
/// when `kubeadm init` wrote it) and hands the shell back.
pub fn with_kubeconfig(mut bash: Bash, cluster: &Cluster) -> Bash {
    let created_ms = cluster.now_unix_ms().saturating_sub(cluster.now().ms());
    let vfs = bash.vfs_mut();
    let before = vfs.now_ms();
    vfs.set_clock(created_ms);
    let _ = vfs.mkdir("/root/.kube", true);
    let _ = vfs.write(DEFAULT_PATH, &initial_kubeconfig(cluster));
    vfs.set_clock(before);
    bash
}

/// The kubeconfig path kubectl uses: `--kubeconfig`, else the first of `$KUBECONFIG`, else
/// `/root/.kube/config`.
fn config_path(ctx: &Ctx, p: &Parsed) -> String {
    if let Some(k) = p.get("kubeconfig").filter(|k| !k.is_empty()) {
        return ctx.io.vfs.resolve(ctx.io.cwd, k);
    }
    if let Some(k) = ctx
        .io
        .env
        .get("KUBECONFIG")
        .and_then(|k| k.split(':').find(|s| !s.is_empty()))
    {
        return ctx.io.vfs.resolve(ctx.io.cwd, k);
    }
    DEFAULT_PATH.to_string()
}

/// A kubeconfig as JSON (`clusters`, `contexts`, `users` lists of named entries).
#[derive(Clone, Debug, PartialEq)]
pub struct Kubeconfig {
    pub doc: Value,
}

impl Kubeconfig {
    /// Parses the file; a missing or empty file is an empty config.
    pub fn parse(text: &str) -> Result<Kubeconfig, String> {
        if text.trim().is_empty() {
            return Ok(Kubeconfig::empty());
        }
        let doc: Value =
            serde_yaml::from_str(text).map_err(|e| format!("error loading config file: {e}"))?;
        if !doc.is_object() {
            return Err(
                "error loading config file: couldn't get version/kind; json parse error"
                    .to_string(),
            );
        }
        Ok(Kubeconfig { doc })
    }

    /// The config kubectl starts from when there is no file.
    pub fn empty() -> Kubeconfig {
        Kubeconfig {
            doc: json!({"apiVersion": "v1", "kind": "Config", "preferences": {}}),
        }
    }

    fn list(&self, key: &str) -> Vec<Value> {
        self.doc
            .get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    }

    fn named(&self, key: &str, name: &str) -> Option<Value> {
        self.list(key)
            .into_iter()
            .find(|e| e.get("name").and_then(Value::as_str) == Some(name))
    }

    /// Names of the entries of `clusters`, `contexts` or `users`, sorted.
    pub fn names(&self, key: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .list(key)
            .iter()
            .filter_map(|e| e.get("name").and_then(Value::as_str).map(str::to_string))
            .collect();
        v.sort();
        v
    }

    /// `current-context` (empty when unset).
    pub fn current_context(&self) -> String {
        self.doc
            .get("current-context")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    }

    /// A field of a named context (`cluster`, `user`, `namespace`).
    pub fn context_field(&self, name: &str, field: &str) -> String {
        self.named("contexts", name)
            .and_then(|c| {
                c.get("context")
                    .and_then(|c| c.get(field))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default()
    }

    /// Replaces (or appends) the entry `name` of a list, with `body` under `inner`.
    fn upsert(&mut self, key: &str, inner: &str, name: &str, body: Value) {
        let mut list = self.list(key);
        let entry = json!({"name": name, inner: body});
        match list
            .iter_mut()
            .find(|e| e.get("name").and_then(Value::as_str) == Some(name))
        {
            Some(e) => *e = entry,
            None => list.push(entry),
        }
        self.set(key, Value::Array(list));
    }

    fn remove(&mut self, key: &str, name: &str) -> bool {
        let mut list = self.list(key);
        let before = list.len();
        list.retain(|e| e.get("name").and_then(Value::as_str) != Some(name));
        let removed = list.len() != before;
        self.set(key, Value::Array(list));
        removed
    }

    fn set(&mut self, key: &str, v: Value) {
        if let Some(m) = self.doc.as_object_mut() {
            m.insert(key.to_string(), v);
        }
    }

    /// The file as kubectl writes it back (keys sorted, empty lists as `null`).
    pub fn to_yaml(&self) -> String {
        printers::yaml::to_yaml(&self.normalized())
    }

    /// The shape `config view` prints: every top-level field present, lists sorted by name.
    fn normalized(&self) -> Value {
        let mut m = Map::new();
        m.insert("apiVersion".into(), json!("v1"));
        m.insert("kind".into(), json!("Config"));
        m.insert(
            "preferences".into(),
            self.doc.get("preferences").cloned().unwrap_or(json!({})),
        );
        m.insert("current-context".into(), json!(self.current_context()));
        for key in ["clusters", "contexts", "users"] {
            let mut list = self.list(key);
            kubarium_engine::sort::sort_by(&mut list, |a, b| {
                a.get("name")
                    .and_then(Value::as_str)
                    .cmp(&b.get("name").and_then(Value::as_str))
            });
            m.insert(
                key.into(),
                if list.is_empty() {
                    Value::Null
                } else {
                    Value::Array(list)
                },
            );
        }
        if let Some(ext) = self.doc.get("extensions") {
            m.insert("extensions".into(), ext.clone());
        }
        Value::Object(m)
    }

    /// `MinifyConfig`: only the current context, its cluster and its user.
    fn minify(&mut self, context: &str) -> Result<(), String> {
        if context.is_empty() {
            return Err("current-context must exist in order to minify".to_string());
        }
        let Some(ctx) = self.named("contexts", context) else {
            return Err(format!("cannot locate context {context}"));
        };
        let cluster = self.context_field(context, "cluster");
        let user = self.context_field(context, "user");
        let keep = |list: Vec<Value>, name: &str| -> Value {
            let v: Vec<Value> = list
                .into_iter()
                .filter(|e| e.get("name").and_then(Value::as_str) == Some(name))
                .collect();
            Value::Array(v)
        };
        let clusters = keep(self.list("clusters"), &cluster);
        let users = keep(self.list("users"), &user);
        self.set("clusters", clusters);
        self.set("users", users);
        self.set("contexts", Value::Array(vec![ctx]));
        self.set("current-context", json!(context));
        Ok(())
    }

    /// `RedactSecrets` + `ShortenConfig`: certificate and key bytes become `DATA+OMITTED`,
    /// tokens and passwords `REDACTED`.
    fn redact(&mut self) {
        for (key, inner, fields) in [
            ("clusters", "cluster", &["certificate-authority-data"][..]),
            (
                "users",
                "user",
                &["client-certificate-data", "client-key-data"][..],
            ),
        ] {
            let mut list = self.list(key);
            for e in &mut list {
                if let Some(body) = e.get_mut(inner).and_then(Value::as_object_mut) {
                    for f in fields {
                        if body
                            .get(*f)
                            .and_then(Value::as_str)
                            .is_some_and(|s| !s.is_empty())
                        {
                            body.insert((*f).to_string(), json!(DATA_OMITTED));
                        }
                    }
                    for f in ["token", "password"] {
                        if body
                            .get(f)
                            .and_then(Value::as_str)
                            .is_some_and(|s| !s.is_empty())
                        {
                            body.insert(f.to_string(), json!(REDACTED));
                        }
                    }
                }
            }
            if self.doc.get(key).is_some() {
                self.set(key, Value::Array(list));
            }
        }
    }
}

/// Reads the kubeconfig from the virtual filesystem (missing file: empty config).
fn load(vfs: &Vfs, path: &str) -> Result<Kubeconfig, String> {
    match vfs.read(path) {
        Ok(text) => Kubeconfig::parse(&text),
        Err(_) => Ok(Kubeconfig::empty()),
    }
}

/// The namespace of the current context of `/root/.kube/config`, if it sets one.
pub fn current_namespace(vfs: &Vfs) -> Option<String> {
    let cfg = load(vfs, DEFAULT_PATH).ok()?;
    let ns = cfg.context_field(&cfg.current_context(), "namespace");
    (!ns.is_empty()).then_some(ns)
}

/// Writes the kubeconfig back.
fn save(ctx: &mut Ctx, path: &str, cfg: &Kubeconfig) -> Result<(), String> {
    if let Some(dir) = path
        .rsplit_once('/')
        .map(|(d, _)| d)
        .filter(|d| !d.is_empty())
    {
        let _ = ctx.io.vfs.mkdir(dir, true);
    }
    ctx.io
        .vfs
        .write(path, &cfg.to_yaml())
        .map_err(|e| format!("open {path}: {e}"))
}

const HELP: &str = r#"Modify kubeconfig files using subcommands like "kubectl config set current-context my-context".

 The loading order follows these rules:

  1.  If the --kubeconfig flag is set, then only that file is loaded. The flag may only be set once and no merging takes
place.
  2.  If $KUBECONFIG environment variable is set, then it is used as a list of paths (normal path delimiting rules for
your system). These paths are merged. When a value is modified, it is modified in the file that defines the stanza. When
a value is created, it is created in the first file that exists. If no files in the chain exist, then it creates the
last file in the list.
  3.  Otherwise, ${HOME}/.kube/config is used and no merging takes place.

Available Commands:
  current-context   Display the current-context
  delete-cluster    Delete the specified cluster from the kubeconfig
  delete-context    Delete the specified context from the kubeconfig
  delete-user       Delete the specified user from the kubeconfig
  get-clusters      Display clusters defined in the kubeconfig
  get-contexts      Describe one or many contexts
  get-users         Display users defined in the kubeconfig
  rename-context    Rename a context from the kubeconfig file
  set               Set an individual value in a kubeconfig file
  set-cluster       Set a cluster entry in kubeconfig
  set-context       Set a context entry in kubeconfig
  set-credentials   Set a user entry in kubeconfig
  unset             Unset an individual value in a kubeconfig file
  use-context       Set the current-context in a kubeconfig file
  view              Display merged kubeconfig settings or a specified kubeconfig file

Usage:
  kubectl config SUBCOMMAND [options]

Use "kubectl config <command> --help" for more information about a given command.
Use "kubectl options" for a list of global command-line options (applies to all commands).
"#;

/// `kubectl config SUBCOMMAND`.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let Some(sub) = argv.first().filter(|a| !a.starts_with('-')) else {
        ctx.out(HELP);
        return 0;
    };
    let sub = sub.clone();
    let p = match flags::parse(&argv[1..], FLAGS) {
        Ok(p) => p,
        Err(e) => return usage_error(ctx, &format!("config {sub}"), &e),
    };
    let path = config_path(ctx, &p);
    let mut cfg = match load(ctx.io.vfs, &path) {
        Ok(c) => c,
        Err(e) => {
            ctx.err(format!("error: {e}\n"));
            return 1;
        }
    };
    let result = match sub.as_str() {
        "view" => view(ctx, &p, cfg),
        "current-context" => {
            let c = cfg.current_context();
            if c.is_empty() {
                Err("current-context is not set".to_string())
            } else {
                ctx.out(format!("{c}\n"));
                Ok(())
            }
        }
        "get-contexts" => get_contexts(ctx, &p, &cfg),
        "get-clusters" => {
            let mut s = "NAME\n".to_string();
            for n in cfg.names("clusters") {
                s.push_str(&format!("{n}\n"));
            }
            ctx.out(s);
            Ok(())
        }
        "get-users" => {
            let mut s = "NAME\n".to_string();
            for n in cfg.names("users") {
                s.push_str(&format!("{n}\n"));
            }
            ctx.out(s);
            Ok(())
        }
        "use-context" | "use" => match p.args.first() {
            None => Err("Unexpected args: []".to_string()),
            Some(name) if name.is_empty() => Err("empty context names are not allowed".to_string()),
            Some(name) if !cfg.names("contexts").contains(name) => {
                Err(format!("no context exists with the name: {name:?}"))
            }
            Some(name) => {
                let name = name.clone();
                cfg.set("current-context", json!(name));
                save(ctx, &path, &cfg).map(|_| ctx.out(format!("Switched to context {name:?}.\n")))
            }
        },
        "set-context" => set_context(ctx, &p, &path, cfg),
        "set-cluster" => match p.args.first() {
            None => Err("Unexpected args: []".to_string()),
            Some(name) => {
                let name = name.clone();
                let mut body = cfg
                    .named("clusters", &name)
                    .and_then(|c| c.get("cluster").cloned())
                    .unwrap_or(json!({}));
                if let Some(s) = p.get("server") {
                    body["server"] = json!(s);
                }
                if let Some(ca) = p.get("certificate-authority") {
                    body["certificate-authority"] = json!(ca);
                }
                if p.has("insecure-skip-tls-verify") {
                    body["insecure-skip-tls-verify"] = json!(p.is_set("insecure-skip-tls-verify"));
                }
                if let Some(t) = p.get("tls-server-name") {
                    body["tls-server-name"] = json!(t);
                }
                cfg.upsert("clusters", "cluster", &name, body);
                save(ctx, &path, &cfg).map(|_| ctx.out(format!("Cluster {name:?} set.\n")))
            }
        },
        "set-credentials" => match p.args.first() {
            None => Err("unexpected args: []".to_string()),
            Some(name) => {
                let name = name.clone();
                let mut body = cfg
                    .named("users", &name)
                    .and_then(|c| c.get("user").cloned())
                    .unwrap_or(json!({}));
                for (flag, field) in [
                    ("token", "token"),
                    ("username", "username"),
                    ("password", "password"),
                    ("client-certificate", "client-certificate"),
                    ("client-key", "client-key"),
                ] {
                    if let Some(v) = p.get(flag) {
                        body[field] = json!(v);
                    }
                }
                cfg.upsert("users", "user", &name, body);
                save(ctx, &path, &cfg).map(|_| ctx.out(format!("User {name:?} set.\n")))
            }
        },
        "delete-context" | "delete-cluster" | "delete-user" => {
            let (key, what) = match sub.as_str() {
                "delete-context" => ("contexts", "context"),
                "delete-cluster" => ("clusters", "cluster"),
                _ => ("users", "user"),
            };
            match p.args.first() {
                None => Err(format!("unexpected args: {:?}", p.args)),
                Some(name) => {
                    let name = name.clone();
                    if !cfg.remove(key, &name) {
                        Err(format!("cannot delete {what} {name}, not in {path}"))
                    } else {
                        if what == "context" && cfg.current_context() == name {
                            ctx.err("warning: this removed your active context, use \"kubectl config use-context\" to select a different one\n");
                        }
                        save(ctx, &path, &cfg)
                            .map(|_| ctx.out(format!("deleted {what} {name} from {path}\n")))
                    }
                }
            }
        }
        "rename-context" => match (p.args.first(), p.args.get(1)) {
            (Some(old), Some(new)) => {
                let (old, new) = (old.clone(), new.clone());
                let names = cfg.names("contexts");
                if !names.contains(&old) {
                    Err(format!(
                        "cannot rename the context {old:?}, it's not in {path}"
                    ))
                } else if names.contains(&new) {
                    Err(format!("cannot rename the context {old:?}, the context {new:?} already exists in {path}"))
                } else {
                    let mut list = cfg.list("contexts");
                    for e in &mut list {
                        if e.get("name").and_then(Value::as_str) == Some(old.as_str()) {
                            e["name"] = json!(new);
                        }
                    }
                    cfg.set("contexts", Value::Array(list));
                    if cfg.current_context() == old {
                        cfg.set("current-context", json!(new));
                    }
                    save(ctx, &path, &cfg)
                        .map(|_| ctx.out(format!("Context {old:?} renamed to {new:?}.\n")))
                }
            }
            _ => Err(format!("Unexpected args: {:?}", p.args)),
        },
        other => {
            ctx.err(format!("error: unknown command {other:?} for \"kubectl config\"\nRun 'kubectl config --help' for usage.\n"));
            return 1;
        }
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            ctx.err(format!("error: {e}\n"));
            1
        }
    }
}

/// `config view`.
fn view(ctx: &mut Ctx, p: &Parsed, mut cfg: Kubeconfig) -> Result<(), String> {
    if !p.args.is_empty() {
        return Err(format!(
            "unexpected arguments: [{}]\nSee 'kubectl config view -h' for help and examples",
            p.args.join(" ")
        ));
    }
    if p.is_set("minify") {
        let context = p
            .get("context")
            .map(str::to_string)
            .unwrap_or_else(|| cfg.current_context());
        cfg.minify(&context)?;
    }
    if !p.is_set("raw") && !p.is_set("flatten") {
        cfg.redact();
    }
    let doc = cfg.normalized();
    let text = match p.get("output").unwrap_or("yaml") {
        "yaml" | "" => printers::yaml::to_yaml(&doc),
        "json" => printers::json::to_json(&doc),
        "name" => "config/\n".to_string(),
        o => {
            let (name, arg) = o
                .split_once('=')
                .map_or((o, p.get("template").map(str::to_string)), |(n, a)| {
                    (n, Some(a.to_string()))
                });
            match name {
                "jsonpath" | "jsonpath-as-json" => {
                    let template = arg.filter(|a| !a.is_empty()).ok_or("template format specified but no template given")?;
                    let t = printers::jsonpath::parse(&template).map_err(|e| e.to_string())?;
                    let opts = printers::jsonpath::ExecuteOptions { allow_missing_keys: true, output_json: name == "jsonpath-as-json" };
                    printers::jsonpath::execute_with(&t, &doc, opts).map_err(|e| e.to_string())?
                }
                _ => {
                    return Err(format!(
                        "unable to match a printer suitable for the output format {o:?}, allowed formats are: {}",
                        super::get::ALLOWED_FORMATS.replace(",wide", "")
                    ))
                }
            }
        }
    };
    ctx.out(text);
    Ok(())
}

/// `config get-contexts`: `CURRENT NAME CLUSTER AUTHINFO NAMESPACE`, `*` on the current one.
fn get_contexts(ctx: &mut Ctx, p: &Parsed, cfg: &Kubeconfig) -> Result<(), String> {
    let output = p.get("output").unwrap_or("");
    if !output.is_empty() && output != "name" {
        return Err(format!("--output {output} is not available in kubectl config get-contexts; resetting to default output format"));
    }
    let name_only = output == "name";
    let all = cfg.names("contexts");
    let mut errs = Vec::new();
    let mut to_print: Vec<String> = if p.args.is_empty() {
        all.clone()
    } else {
        p.args
            .iter()
            .filter(|n| {
                let ok = all.contains(n);
                if !ok {
                    errs.push(format!("context {n} not found"));
                }
                ok
            })
            .cloned()
            .collect()
    };
    to_print.sort();
    let mut text = String::new();
    if !p.is_set("no-headers") && !name_only {
        text.push_str("CURRENT\tNAME\tCLUSTER\tAUTHINFO\tNAMESPACE\n");
    }
    let current = cfg.current_context();
    for n in &to_print {
        if name_only {
            text.push_str(&format!("{n}\n"));
            continue;
        }
        text.push_str(&format!(
            "{}\t{n}\t{}\t{}\t{}\n",
            if *n == current { "*" } else { " " },
            cfg.context_field(n, "cluster"),
            cfg.context_field(n, "user"),
            cfg.context_field(n, "namespace")
        ));
    }
    ctx.out(printers::tabwriter::align(&text));
    if errs.is_empty() {
        Ok(())
    } else if errs.len() == 1 {
        Err(errs.remove(0))
    } else {
        Err(format!("[{}]", errs.join(", ")))
    }
}

/// `config set-context [NAME | --current] [--cluster] [--user] [--namespace]`.
fn set_context(ctx: &mut Ctx, p: &Parsed, path: &str, mut cfg: Kubeconfig) -> Result<(), String> {
    if p.args.len() > 1 {
        return Err(format!("Unexpected args: [{}]", p.args.join(" ")));
    }
    let current = p.is_set("current");
    let name = p.args.first().cloned().unwrap_or_default();
    if name.is_empty() && !current {
        return Err("you must specify a non-empty context name or --current".to_string());
    }
    if !name.is_empty() && current {
        return Err("you cannot specify both a context name and --current".to_string());
    }
    let name = if current {
        let c = cfg.current_context();
        if c.is_empty() {
            return Err("no current context is set".to_string());
        }
        c
    } else {
        name
    };
    let existing = cfg.named("contexts", &name);
    let exists = existing.is_some();
    let mut body = existing
        .and_then(|c| c.get("context").cloned())
        .unwrap_or(json!({}));
    for (flag, field) in [
        ("cluster", "cluster"),
        ("user", "user"),
        ("namespace", "namespace"),
    ] {
        if let Some(v) = p.get(flag) {
            match body.as_object_mut() {
                Some(m) if v.is_empty() => {
                    m.remove(field);
                }
                Some(m) => {
                    m.insert(field.to_string(), json!(v));
                }
                None => {}
            }
        }
    }
    cfg.upsert("contexts", "context", &name, body);
    save(ctx, path, &cfg)?;
    ctx.out(format!(
        "Context {name:?} {}.\n",
        if exists { "modified" } else { "created" }
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn kubeconfig_reads_namespace_and_redacts() {
        let text = "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: QUJD\n    server: https://192.168.1.10:6443\n  name: kubernetes\ncontexts:\n- context:\n    cluster: kubernetes\n    namespace: kube-system\n    user: kubernetes-admin\n  name: kubernetes-admin@kubernetes\ncurrent-context: kubernetes-admin@kubernetes\nkind: Config\npreferences: {}\nusers:\n- name: kubernetes-admin\n  user:\n    client-certificate-data: QUJD\n    client-key-data: QUJD\n";
        let mut cfg = Kubeconfig::parse(text).unwrap();
        assert_eq!(
            cfg.context_field("kubernetes-admin@kubernetes", "namespace"),
            "kube-system"
        );
        assert_eq!(cfg.to_yaml(), text);
        cfg.redact();
        let v = cfg.to_yaml();
        assert!(v.contains("certificate-authority-data: DATA+OMITTED\n"));
        assert!(v.contains("client-key-data: DATA+OMITTED\n"));
    }

    #[test]
    fn empty_config_views_like_kubectl() {
        assert_eq!(
            Kubeconfig::empty().to_yaml(),
            "apiVersion: v1\nclusters: null\ncontexts: null\ncurrent-context: \"\"\nkind: Config\npreferences: {}\nusers: null\n"
        );
    }
}
