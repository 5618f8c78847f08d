//! `kubectl create`: from files (`-f`), and the generators `namespace`, `configmap` and
//! `secret generic|tls|docker-registry`.

use super::errors::{api_error_text, api_error_with_source};
use super::flags::{self, boolean, value, FlagSpec, Parsed};
use super::generators::{self, GoValue};
use super::manifest::{self, Manifest};
use super::print_flags::{self as pf, DryRun, Output};
use super::record::Recorder;
use super::Ctx;
use kubarium_engine::api::decode::decode_object;
use kubarium_engine::{Kind, Object};
use std::collections::BTreeMap;

const FLAGS: &[FlagSpec] = &[
    value("filename", Some('f')),
    boolean("recursive", Some('R')),
    value("output", Some('o')),
    value("dry-run", None),
    boolean("save-config", None),
    boolean("edit", None),
    value("validate", None),
    value("field-manager", None),
    boolean("show-managed-fields", None),
    boolean("windows-line-endings", None),
    value("selector", Some('l')),
    value("raw", None),
    boolean("allow-missing-template-keys", None),
    value("template", None),
    // configmap and secret generators
    value("from-literal", None),
    value("from-file", None),
    value("from-env-file", None),
    boolean("append-hash", None),
    value("type", None),
    value("cert", None),
    value("key", None),
    value("docker-server", None),
    value("docker-username", None),
    value("docker-password", None),
    value("docker-email", None),
    // job and cronjob generators
    value("schedule", None),
    value("restart", None),
    value("from", None),
    // deployment generator
    value("image", None),
    value("port", None),
    value("replicas", Some('r')),
    // service generators
    value("tcp", None),
    value("clusterip", None),
    value("node-port", None),
    value("external-name", None),
    // ingress generator
    value("rule", None),
    value("class", None),
    value("default-backend", None),
    value("annotation", None),
    // deprecated, for `create -f`
    boolean("record", None),
];

/// `kubectl create ...`.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let argv = pf::normalize_argv(argv);
    let parsed = match flags::parse(&argv, FLAGS) {
        Ok(p) => p,
        Err(e) => return pf::flag_error(ctx, "create", &e),
    };
    let (dry, out) = match (pf::dry_run(&parsed), pf::output(ctx, &parsed)) {
        (Ok(d), Ok(o)) => (d, o),
        (Err(e), _) | (_, Err(e)) => return pf::fail(ctx, &e),
    };
    let sub = parsed.args.first().map(String::as_str);
    match sub {
        None if parsed.has("filename") => {
            let recorder = Recorder::from_flags(ctx, &parsed, "create", &argv, FLAGS);
            create_from_files(ctx, &parsed, dry, out, &recorder)
        }
        None => pf::usage_error(ctx, "create", "must specify one of -f and -k"),
        Some("namespace" | "ns") => {
            let Some(name) = single_name(ctx, &parsed, "create namespace") else {
                return 1;
            };
            let obj = generators::namespace(&name);
            submit_generated(ctx, &parsed, Kind::Namespace, &name, obj, dry, out)
        }
        Some("configmap" | "cm") => create_configmap(ctx, &parsed, dry, out),
        Some("secret") => create_secret(ctx, &parsed, dry, out),
        Some("job") => create_job(ctx, &parsed, dry, out),
        Some("cronjob" | "cj") => create_cron_job(ctx, &parsed, dry, out),
        Some("deployment" | "deploy") => create_deployment(ctx, &parsed, dry, out),
        Some("service" | "svc") => super::expose::create_service(ctx, &parsed, dry, out),
        Some("ingress" | "ing") => {
            let Some(name) = single_name(ctx, &parsed, "create ingress") else {
                return 1;
            };
            let flags = generators::CreateIngress {
                name: name.clone(),
                namespace: enforced_namespace(ctx, &parsed),
                class: parsed.get("class").map(str::to_string),
                rules: parsed.all("rule"),
                default_backend: parsed.get("default-backend").map(str::to_string),
                annotations: parsed.all("annotation"),
            };
            match generators::ingress(&flags) {
                Ok(obj) => {
                    let how = Submit {
                        wrap_error: Some("failed to create ingress"),
                        ..Submit::CREATE
                    };
                    submit_generated_as(ctx, &parsed, Kind::Ingress, &name, obj, dry, out, how)
                }
                Err(e) => pf::fail(ctx, &e),
            }
        }
        Some(other) if parsed.has("filename") => {
            pf::usage_error(ctx, "create", &format!("Unexpected args: [{other}]"))
        }
        Some(other) => {
            let known = [
                "clusterrole",
                "clusterrolebinding",
                "poddisruptionbudget",
                "priorityclass",
                "quota",
                "role",
                "rolebinding",
                "service",
                "serviceaccount",
                "token",
            ];
            if known.contains(&other) {
                pf::fail(
                    ctx,
                    &format!("kubectl create {other} is not available in Kubarium yet"),
                )
            } else {
                pf::usage_error(ctx, "create", &format!("Unexpected args: [{other}]"))
            }
        }
    }
}

/// The one NAME a generator takes, or kubectl's error.
fn single_name(ctx: &mut Ctx, parsed: &Parsed, command: &str) -> Option<String> {
    let names = &parsed.args[1..];
    if names.len() != 1 {
        pf::usage_error(
            ctx,
            command,
            &format!("exactly one NAME is required, got {}", names.len()),
        );
        return None;
    }
    Some(names[0].clone())
}

/// The namespace written into generated objects: only when `-n` was given (kubectl's
/// EnforceNamespace); the server fills it otherwise.
fn enforced_namespace(ctx: &Ctx, parsed: &Parsed) -> Option<String> {
    parsed.has("namespace").then(|| ctx.namespace(parsed))
}

/// How a generated object is submitted: the verb printed (`created`, `exposed`), the
/// `--record` recorder, and a prefix for API errors (`expose` words them `error: <prefix>: …`).
#[derive(Clone, Copy)]
pub(crate) struct Submit<'a> {
    pub operation: &'a str,
    pub recorder: Option<&'a Recorder>,
    pub wrap_error: Option<&'a str>,
}

impl Submit<'_> {
    pub(crate) const CREATE: Submit<'static> = Submit {
        operation: "created",
        recorder: None,
        wrap_error: None,
    };
}

/// Sends (or, for `--dry-run=client`, only prints) a generated object.
fn submit_generated(
    ctx: &mut Ctx,
    parsed: &Parsed,
    kind: Kind,
    name: &str,
    obj: GoValue,
    dry: DryRun,
    out: Output,
) -> i32 {
    submit_generated_as(ctx, parsed, kind, name, obj, dry, out, Submit::CREATE)
}

/// [`submit_generated`] with another verb, a recorder or error prefix.
#[allow(clippy::too_many_arguments)]
pub(crate) fn submit_generated_as(
    ctx: &mut Ctx,
    parsed: &Parsed,
    kind: Kind,
    name: &str,
    obj: GoValue,
    dry: DryRun,
    out: Output,
    how: Submit<'_>,
) -> i32 {
    let mut value = obj.to_value();
    if let Some(r) = how.recorder {
        r.record_value(&mut value);
    }
    if parsed.is_set("save-config") {
        super::apply::set_last_applied(&mut value, kind, &ctx.namespace(parsed));
    }
    if dry == DryRun::Client {
        pf::print_result(
            ctx,
            &out,
            kind,
            name,
            how.operation,
            dry,
            &value,
            Some(obj.to_go_json()),
        );
        return 0;
    }
    let object = match decode_object(value) {
        Ok(o) => o,
        Err(e) => return pf::fail(ctx, &e.to_string()),
    };
    let ns = ctx.namespace(parsed);
    match ctx.cluster.api().create(object, &ns, dry == DryRun::Server) {
        Ok(created) => {
            pf::print_result(
                ctx,
                &out,
                kind,
                created.name(),
                how.operation,
                dry,
                &created.to_value(),
                None,
            );
            0
        }
        Err(e) => {
            match how.wrap_error {
                Some(w) => ctx.err(format!("error: {w}: {}\n", e.message)),
                None => ctx.err(format!("{}\n", api_error_text(&e))),
            }
            1
        }
    }
}

/// `kubectl create -f ...`.
fn create_from_files(
    ctx: &mut Ctx,
    parsed: &Parsed,
    dry: DryRun,
    out: Output,
    recorder: &Recorder,
) -> i32 {
    let manifests = match manifest::load(ctx, &parsed.all("filename"), parsed.is_set("recursive")) {
        Ok(mut m) => {
            for one in &mut m {
                recorder.record_value(&mut one.value);
            }
            m
        }
        Err(e) => {
            ctx.err(format!("{e}\n"));
            return 1;
        }
    };
    let ns = ctx.namespace(parsed);
    let enforce = parsed.has("namespace");
    let mut errors = Vec::new();
    for m in &manifests {
        if let Err(e) = check_namespace(m, &ns, enforce) {
            errors.push(e);
            break;
        }
        match create_one(ctx, m, &ns, parsed.is_set("save-config"), dry) {
            Ok(created) => pf::print_result(
                ctx,
                &out,
                m.kind,
                created.name(),
                "created",
                dry,
                &created.to_value(),
                None,
            ),
            Err(e) => errors.push(e),
        }
    }
    if manifests.is_empty() && errors.is_empty() {
        errors.push("error: no objects passed to create".to_string());
    }
    for e in &errors {
        ctx.err(format!("{e}\n"));
    }
    i32::from(!errors.is_empty())
}

/// kubectl refuses a file whose namespace differs from an explicit `-n`.
pub fn check_namespace(m: &Manifest, ns: &str, enforce: bool) -> Result<(), String> {
    let file_ns = m.namespace();
    if enforce && m.kind.info().namespaced && !file_ns.is_empty() && file_ns != ns {
        return Err(format!(
            "error: the namespace from the provided object {file_ns:?} does not match the namespace {ns:?}. You must pass '--namespace={file_ns}' to perform this operation."
        ));
    }
    Ok(())
}

fn create_one(
    ctx: &mut Ctx,
    m: &Manifest,
    ns: &str,
    save_config: bool,
    dry: DryRun,
) -> Result<Object, String> {
    let target_ns = if m.namespace().is_empty() {
        ns.to_string()
    } else {
        m.namespace().to_string()
    };
    let mut value = m.value.clone();
    if save_config {
        super::apply::set_last_applied(&mut value, m.kind, &target_ns);
    }
    let with_source = Manifest { value, ..m.clone() };
    let object = with_source.decode("creating")?;
    if dry == DryRun::Client {
        return Ok(object);
    }
    let created = ctx
        .cluster
        .api()
        .create(object, &target_ns, dry == DryRun::Server)
        .map_err(|e| api_error_with_source(&e, "creating", &m.source))?;
    // Warnings the API server sends with the response (deprecated Ingress annotations).
    for w in kubarium_engine::api::ingress::warnings(&created) {
        ctx.err(format!("Warning: {w}\n"));
    }
    Ok((*created).clone())
}

/// `kubectl create deployment NAME --image=IMAGE... [--replicas=N] [--port=P] [-- COMMAND]`.
fn create_deployment(ctx: &mut Ctx, parsed: &Parsed, dry: DryRun, out: Output) -> i32 {
    let Some(name) = single_name(ctx, parsed, "create deployment") else {
        return 1;
    };
    let images: Vec<String> = parsed
        .all("image")
        .iter()
        .flat_map(|v| v.split(','))
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect();
    if images.is_empty() {
        return pf::fail(ctx, "required flag(s) \"image\" not set");
    }
    let command = parsed.after_dash.clone().unwrap_or_default();
    if images.len() > 1 && !command.is_empty() {
        return pf::fail(ctx, "cannot specify multiple --image options and command");
    }
    let int_flag = |flag: &str, default: i64| -> Result<i64, String> {
        match parsed.get(flag) {
            None => Ok(default),
            Some(v) => v.parse::<i32>().map(i64::from).map_err(|_| {
                format!("invalid argument {v:?} for \"--{flag}\" flag: strconv.ParseInt: parsing {v:?}: invalid syntax")
            }),
        }
    };
    let (replicas, port) = match (int_flag("replicas", 1), int_flag("port", -1)) {
        (Ok(r), Ok(p)) => (r, p),
        (Err(e), _) | (_, Err(e)) => return pf::flag_error(ctx, "create deployment", &e),
    };
    let container_names = images
        .iter()
        .map(|i| {
            generators::deployment_container_name(i, || {
                ctx.cluster.api().rng().suffix("kubectl-create", 5)
            })
        })
        .collect();
    let d = generators::CreateDeployment {
        name: name.clone(),
        namespace: enforced_namespace(ctx, parsed),
        images,
        port: (port >= 0).then_some(port),
        replicas,
        command,
        container_names,
    };
    let obj = generators::deployment(&d);
    submit_generated(ctx, parsed, Kind::Deployment, &name, obj, dry, out)
}

/// Data sources of `create configmap|secret generic`, in kubectl's order of application:
/// files, then literals, then env files.
fn collect_data(
    ctx: &mut Ctx,
    parsed: &Parsed,
    kind_name: &str,
    name: &str,
) -> Result<BTreeMap<String, String>, String> {
    let mut data = BTreeMap::new();
    let add = |data: &mut BTreeMap<String, String>, k: String, v: String| -> Result<(), String> {
        validate_config_key(&k, kind_name)?;
        if data.contains_key(&k) {
            return Err(format!("cannot add key {k}, another key by that name already exists in Data for {kind_name} {name:?}"));
        }
        data.insert(k, v);
        Ok(())
    };
    for source in parsed.all("from-file") {
        let (key, path) = match source.split_once('=') {
            Some((k, p)) if !k.is_empty() => (Some(k.to_string()), p.to_string()),
            Some((_, _)) => {
                return Err(format!(
                    "key names or file paths cannot be empty: {source:?}"
                ))
            }
            None => (None, source.clone()),
        };
        let abs = ctx.io.vfs.resolve(ctx.io.cwd, &path);
        if !ctx.io.vfs.exists(&abs) {
            return Err(format!("error reading {path}: no such file or directory"));
        }
        if ctx.io.vfs.is_dir(&abs) {
            if key.is_some() {
                return Err("cannot give a key name for a directory path".to_string());
            }
            for entry in ctx.io.vfs.list(&abs).unwrap_or_default() {
                let child = format!("{}/{entry}", abs.trim_end_matches('/'));
                if ctx.io.vfs.is_file(&child) {
                    let text = ctx.io.vfs.read(&child).map_err(|e| e.to_string())?;
                    add(&mut data, entry.clone(), text)?;
                }
            }
        } else {
            let text =
                ctx.io.vfs.read(&abs).map_err(|e| {
                    format!("error reading {path}: {}", e.to_string().to_lowercase())
                })?;
            let key = key.unwrap_or_else(|| path.rsplit('/').next().unwrap_or(&path).to_string());
            add(&mut data, key, text)?;
        }
    }
    for literal in parsed.all("from-literal") {
        let Some((k, v)) = literal.split_once('=') else {
            return Err(format!(
                "invalid literal source {literal}, expected key=value"
            ));
        };
        add(&mut data, k.to_string(), v.to_string())?;
    }
    for path in parsed.all("from-env-file") {
        let abs = ctx.io.vfs.resolve(ctx.io.cwd, &path);
        let text = ctx
            .io
            .vfs
            .read(&abs)
            .map_err(|_| format!("open {path}: no such file or directory"))?;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (k, v) = line.split_once('=').unwrap_or((line, ""));
            if k.is_empty() || k.contains(char::is_whitespace) {
                return Err(format!("{k:?} is not a valid key name: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (line {} of {path})", i + 1));
            }
            add(&mut data, k.to_string(), v.to_string())?;
        }
    }
    Ok(data)
}

/// `IsConfigMapKey`: `[-._a-zA-Z0-9]+`, at most 253 characters.
fn validate_config_key(key: &str, kind_name: &str) -> Result<(), String> {
    let ok = !key.is_empty()
        && key.len() <= 253
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && key != "."
        && key != "..";
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{key:?} is not a valid key name for a {kind_name}: a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
        ))
    }
}

fn create_configmap(ctx: &mut Ctx, parsed: &Parsed, dry: DryRun, out: Output) -> i32 {
    let Some(name) = single_name(ctx, parsed, "create configmap") else {
        return 1;
    };
    let data = match collect_data(ctx, parsed, "ConfigMap", &name) {
        Ok(d) => d,
        Err(e) => return pf::fail(ctx, &e),
    };
    let ns = enforced_namespace(ctx, parsed);
    let obj = generators::config_map(&name, ns.as_deref(), &data);
    submit_generated(ctx, parsed, Kind::ConfigMap, &name, obj, dry, out)
}

fn create_secret(ctx: &mut Ctx, parsed: &Parsed, dry: DryRun, out: Output) -> i32 {
    let sub = parsed.args.get(1).map(String::as_str);
    let rest = Parsed {
        args: parsed.args[1.min(parsed.args.len())..].to_vec(),
        ..parsed.clone()
    };
    let ns = enforced_namespace(ctx, parsed);
    let (command, secret_type) = match sub {
        Some("generic") => (
            "create secret generic",
            parsed.get("type").map(str::to_string),
        ),
        Some("tls") => ("create secret tls", Some("kubernetes.io/tls".to_string())),
        Some("docker-registry") => (
            "create secret docker-registry",
            Some("kubernetes.io/dockerconfigjson".to_string()),
        ),
        None => return pf::usage_error(ctx, "create secret", "Required resource not specified."),
        Some(other) => {
            return pf::usage_error(
                ctx,
                "create secret",
                &format!("unknown command {other:?} for \"kubectl create secret\""),
            )
        }
    };
    let Some(name) = single_name(ctx, &rest, command) else {
        return 1;
    };
    let data = match sub {
        Some("tls") => match tls_data(ctx, parsed) {
            Ok(d) => d,
            Err(e) => return pf::fail(ctx, &e),
        },
        Some("docker-registry") => match docker_data(ctx, parsed, &name) {
            Ok(d) => d,
            Err(e) => return pf::fail(ctx, &e),
        },
        _ => match collect_data(ctx, parsed, "Secret", &name) {
            Ok(d) => d,
            Err(e) => return pf::fail(ctx, &e),
        },
    };
    let obj = generators::secret(&name, ns.as_deref(), &data, secret_type.as_deref());
    submit_generated(ctx, parsed, Kind::Secret, &name, obj, dry, out)
}

fn tls_data(ctx: &mut Ctx, parsed: &Parsed) -> Result<BTreeMap<String, String>, String> {
    let (Some(cert), Some(key)) = (parsed.get("cert"), parsed.get("key")) else {
        return Err("key and cert must be specified".to_string());
    };
    let read = |ctx: &Ctx, p: &str| {
        let abs = ctx.io.vfs.resolve(ctx.io.cwd, p);
        ctx.io
            .vfs
            .read(&abs)
            .map_err(|_| format!("open {p}: no such file or directory"))
    };
    let cert_pem = read(ctx, cert)?;
    let key_pem = read(ctx, key)?;
    if !cert_pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err("tls: failed to find any PEM data in certificate input".to_string());
    }
    if !key_pem.contains("-----BEGIN") || !key_pem.contains("PRIVATE KEY-----") {
        return Err("tls: failed to find any PEM data in key input".to_string());
    }
    Ok(BTreeMap::from([
        ("tls.crt".to_string(), cert_pem),
        ("tls.key".to_string(), key_pem),
    ]))
}

fn docker_data(
    ctx: &mut Ctx,
    parsed: &Parsed,
    name: &str,
) -> Result<BTreeMap<String, String>, String> {
    if parsed.has("from-file") {
        return collect_data(ctx, parsed, "Secret", name);
    }
    let (Some(user), Some(password)) =
        (parsed.get("docker-username"), parsed.get("docker-password"))
    else {
        return Err("either --from-file or the combination of --docker-username, --docker-password and --docker-server is required".to_string());
    };
    let server = parsed
        .get("docker-server")
        .unwrap_or("https://index.docker.io/v1/");
    let auth = generators::base64(format!("{user}:{password}").as_bytes());
    let mut entry = serde_json::Map::new();
    entry.insert("username".into(), user.into());
    entry.insert("password".into(), password.into());
    if let Some(email) = parsed.get("docker-email").filter(|e| !e.is_empty()) {
        entry.insert("email".into(), email.into());
    }
    entry.insert("auth".into(), auth.into());
    // DockerConfigEntry fields print in struct order: username, password, email, auth.
    let entry_json = format!(
        "{{{}}}",
        ["username", "password", "email", "auth"]
            .iter()
            .filter_map(|k| entry.get(*k).map(|v| format!("\"{k}\":{v}")))
            .collect::<Vec<_>>()
            .join(",")
    );
    let config = format!(
        "{{\"auths\":{{{}:{entry_json}}}}}",
        serde_json::Value::from(server)
    );
    Ok(BTreeMap::from([(".dockerconfigjson".to_string(), config)]))
}

/// `kubectl create job NAME --image=IMAGE [-- COMMAND]`, or `--from=cronjob/NAME`.
fn create_job(ctx: &mut Ctx, parsed: &Parsed, dry: DryRun, out: Output) -> i32 {
    let Some(name) = single_name(ctx, parsed, "create job") else {
        return 1;
    };
    let image = parsed.get("image").map(str::to_string);
    let from = parsed.get("from").map(str::to_string);
    let command = parsed.after_dash.clone().unwrap_or_default();
    let namespace = enforced_namespace(ctx, parsed);
    let obj = match (image, from) {
        (None, None) | (Some(_), Some(_)) => {
            return pf::fail(ctx, "either --image or --from must be specified")
        }
        (Some(image), None) => generators::job(&name, namespace.as_deref(), &image, &command),
        (None, Some(from)) => {
            if !command.is_empty() {
                return pf::fail(ctx, "cannot specify --from and command");
            }
            let (resource, source) = from.split_once('/').unwrap_or((from.as_str(), ""));
            if Kind::from_resource_name(resource) != Some(Kind::CronJob) {
                let kind = Kind::from_resource_name(resource).map_or("Unknown", |k| k.name());
                return pf::fail(ctx, &format!("unknown object type *v1.{kind}"));
            }
            let ns = ctx.namespace(parsed);
            let key = kubarium_engine::ObjectKey::new(Kind::CronJob, &ns, source);
            let found = ctx.cluster.api_ref().get(&key);
            let cron_job = match found.as_deref() {
                Ok(Object::CronJob(cj)) => cj.clone(),
                Ok(_) => return 1,
                Err(e) => {
                    ctx.err(format!("{}\n", api_error_text(e)));
                    return 1;
                }
            };
            generators::job_from_cron_job(&name, namespace.as_deref(), &cron_job)
        }
    };
    submit_generated(ctx, parsed, Kind::Job, &name, obj, dry, out)
}

/// `kubectl create cronjob NAME --image=IMAGE --schedule='0/5 * * * ?' [--restart=POLICY]
/// [-- COMMAND]`.
fn create_cron_job(ctx: &mut Ctx, parsed: &Parsed, dry: DryRun, out: Output) -> i32 {
    let Some(name) = single_name(ctx, parsed, "create cronjob") else {
        return 1;
    };
    let (image, schedule) = match (parsed.get("image"), parsed.get("schedule")) {
        (Some(i), Some(s)) => (i.to_string(), s.to_string()),
        (i, s) => {
            let missing: Vec<&str> = [("\"image\"", i.is_none()), ("\"schedule\"", s.is_none())]
                .iter()
                .filter(|(_, m)| *m)
                .map(|(n, _)| *n)
                .collect();
            return pf::fail(
                ctx,
                &format!("required flag(s) {} not set", missing.join(", ")),
            );
        }
    };
    let restart = parsed.get("restart").unwrap_or("OnFailure").to_string();
    let command = parsed.after_dash.clone().unwrap_or_default();
    let namespace = enforced_namespace(ctx, parsed);
    let obj = generators::cron_job(
        &name,
        namespace.as_deref(),
        &image,
        &schedule,
        &restart,
        &command,
    );
    submit_generated(ctx, parsed, Kind::CronJob, &name, obj, dry, out)
}
