//! `kubectl set image|resources|env`: change the pod template of a workload (or a pod's
//! spec, where the API allows it) in place. A change to a Deployment's template starts a
//! rollout; with `--record` the command line becomes the new revision's change-cause.
//!
//! Each subcommand edits the [`PodSpec`] found in the object (`UpdatePodSpecForObject`:
//! Pod, ReplicationController, ReplicaSet, Deployment, DaemonSet, StatefulSet, Job and
//! CronJob), writes the object back when anything changed and prints
//! `deployment.apps/web image updated`.

use super::flags::{self, boolean, value, FlagSpec, Parsed};
use super::manifest;
use super::print_flags::{self as pf, DryRun};
use super::record::Recorder;
use super::Ctx;
use k8s_openapi::api::core::v1::{
    ConfigMapKeySelector, Container, EnvVar, EnvVarSource, PodSpec, SecretKeySelector,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kubarium_engine::{Kind, Object, ObjectKey};
use std::collections::BTreeMap;

/// Flags every `set` subcommand has.
const COMMON: &[FlagSpec] = &[
    boolean("all", None),
    value("selector", Some('l')),
    boolean("local", None),
    value("dry-run", None),
    value("output", Some('o')),
    value("filename", Some('f')),
    boolean("recursive", Some('R')),
    boolean("record", None),
    value("field-manager", None),
    boolean("show-managed-fields", None),
    boolean("allow-missing-template-keys", None),
    value("template", None),
    value("kustomize", Some('k')),
];

const IMAGE: &[FlagSpec] = &[];
const RESOURCES: &[FlagSpec] = &[
    value("containers", Some('c')),
    value("limits", None),
    value("requests", None),
];
const ENV: &[FlagSpec] = &[
    value("containers", Some('c')),
    value("env", Some('e')),
    value("from", None),
    boolean("list", None),
    boolean("overwrite", None),
    value("prefix", None),
    value("keys", None),
    boolean("resolve", None),
    boolean("all-namespaces", Some('A')),
];

/// `kubectl set ...`.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    match argv.first().map(String::as_str) {
        Some("image") => run_sub(ctx, argv, Sub::Image),
        Some("resources") => run_sub(ctx, argv, Sub::Resources),
        Some("env") => run_sub(ctx, argv, Sub::Env),
        Some(other @ ("selector" | "serviceaccount" | "sa" | "subject")) => pf::fail(
            ctx,
            &format!("kubectl set {other} is not available in Kubarium yet"),
        ),
        Some(other) if !other.starts_with('-') => pf::usage_error(
            ctx,
            "set",
            &format!("unknown command {other:?} for \"kubectl set\""),
        ),
        _ => {
            ctx.out(HELP);
            0
        }
    }
}

const HELP: &str = "Configure application resources.

 These commands help you make changes to existing application resources.

Available Commands:
  env              Update environment variables on a pod template
  image            Update the image of a pod template
  resources        Update resource requests/limits on objects with pod templates
  selector         Set the selector on a resource
  serviceaccount   Update the service account of a resource
  subject          Update the user, group, or service account in a role binding or cluster role binding

Usage:
  kubectl set SUBCOMMAND [options]

Use \"kubectl set <command> --help\" for more information about a given command.
Use \"kubectl options\" for a list of global command-line options (applies to all commands).
";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sub {
    Image,
    Resources,
    Env,
}

impl Sub {
    fn name(self) -> &'static str {
        match self {
            Sub::Image => "image",
            Sub::Resources => "resources",
            Sub::Env => "env",
        }
    }
    fn operation(self) -> &'static str {
        match self {
            Sub::Image => "image updated",
            Sub::Resources => "resource requirements updated",
            Sub::Env => "env updated",
        }
    }
    /// The server error wrapper (`failed to patch image update to pod template: …`).
    fn patch_failure(self, msg: &str) -> String {
        match self {
            Sub::Image => format!("failed to patch image update to pod template: {msg}"),
            Sub::Resources => format!("failed to patch resources update to pod template {msg}"),
            Sub::Env => format!("failed to patch env update to pod template: {msg}"),
        }
    }
}

/// The change a subcommand makes to a pod spec.
enum Change {
    Image(BTreeMap<String, String>),
    Resources {
        containers: String,
        limits: BTreeMap<String, Quantity>,
        requests: BTreeMap<String, Quantity>,
    },
    Env {
        containers: String,
        set: Vec<EnvVar>,
        remove: Vec<String>,
        overwrite: bool,
        list: bool,
    },
}

fn run_sub(ctx: &mut Ctx, argv: &[String], sub: Sub) -> i32 {
    let command = format!("set {}", sub.name());
    let specific = match sub {
        Sub::Image => IMAGE,
        Sub::Resources => RESOURCES,
        Sub::Env => ENV,
    };
    let specs: Vec<FlagSpec> = COMMON.iter().chain(specific).copied().collect();
    let argv = pf::normalize_argv(argv);
    let parsed = match flags::parse(&argv[1..], &specs) {
        Ok(p) => p,
        Err(e) => return pf::flag_error(ctx, &command, &e),
    };
    let (dry, out) = match (pf::dry_run(&parsed), pf::output(ctx, &parsed)) {
        (Ok(d), Ok(o)) => (d, o),
        (Err(e), _) | (_, Err(e)) => return pf::fail(ctx, &e),
    };
    let recorder = Recorder::from_flags(ctx, &parsed, "set", &argv, &specs);
    // Resources come first, then the changes (`GetResourcesAndPairs`).
    let mut resources = Vec::new();
    let mut pairs = Vec::new();
    for a in &parsed.args {
        let is_pair = a.contains('=') || (sub == Sub::Env && a.ends_with('-') && a != "-");
        if is_pair {
            pairs.push(a.clone());
        } else if !pairs.is_empty() {
            return pf::fail(
                ctx,
                &format!(
                    "all resources must be specified before {} changes: {a}",
                    sub.name()
                ),
            );
        } else {
            resources.push(a.clone());
        }
    }
    let change = match parse_change(ctx, sub, &parsed, &pairs) {
        Ok(c) => c,
        Err(e) => return pf::fail(ctx, &e),
    };
    let local = parsed.is_set("local");
    if resources.is_empty() && !parsed.has("filename") {
        return pf::fail(
            ctx,
            "one or more resources must be specified as <resource> <name> or <resource>/<name>",
        );
    }
    if local && !parsed.has("filename") {
        return pf::fail(ctx, "--local requires -f (a file to change)");
    }
    let objects: Vec<Object> = if local {
        match manifest::load(ctx, &parsed.all("filename"), parsed.is_set("recursive")) {
            Ok(ms) => {
                let mut objs = Vec::new();
                for m in ms {
                    match m.decode("setting") {
                        Ok(o) => objs.push(o),
                        Err(e) => {
                            ctx.err(format!("{e}\n"));
                            return 1;
                        }
                    }
                }
                objs
            }
            Err(e) => {
                ctx.err(format!("error: {e}\n"));
                return 1;
            }
        }
    } else {
        let keys: Vec<ObjectKey> = match super::label::targets(ctx, &parsed, &resources) {
            Ok(k) => k,
            Err(e) => {
                ctx.err(format!("{e}\n"));
                return 1;
            }
        };
        let mut objs = Vec::new();
        for key in keys {
            match ctx.cluster.api_ref().get(&key) {
                Ok(o) => objs.push((*o).clone()),
                Err(e) => {
                    ctx.err(format!("{}\n", super::errors::api_error_text(&e)));
                    return 1;
                }
            }
        }
        objs
    };
    let mut errors: Vec<String> = Vec::new();
    for obj in objects {
        let mut updated = obj.clone();
        let name = obj.name().to_string();
        let object_name = format!("{}/{}", obj.kind().info().plural, name);
        let Some(spec) = pod_spec_mut(&mut updated) else {
            errors.push(format!(
                "error: {object_name} the object is not a pod or does not have a pod template: *{}",
                go_type(obj.kind())
            ));
            continue;
        };
        if let Change::Env {
            list: true,
            containers,
            ..
        } = &change
        {
            list_env(ctx, obj.kind(), &name, spec, containers);
            continue;
        }
        if let Err(e) = apply_change(spec, &change) {
            errors.push(e);
            if unchanged(&updated, &obj) {
                continue;
            }
        }
        recorder.record_meta(updated.metadata_mut());
        if unchanged(&updated, &obj) {
            continue;
        }
        if local || dry == DryRun::Client {
            pf::print_result(
                ctx,
                &out,
                obj.kind(),
                &name,
                sub.operation(),
                dry,
                &updated.to_value(),
                None,
            );
            continue;
        }
        updated.metadata_mut().resource_version = None;
        match ctx.cluster.api().update(updated, dry == DryRun::Server) {
            Ok(written) => {
                let written = written.to_value();
                pf::print_result(
                    ctx,
                    &out,
                    obj.kind(),
                    &name,
                    sub.operation(),
                    dry,
                    &written,
                    None,
                );
            }
            Err(e) => errors.push(sub.patch_failure(&e.message)),
        }
    }
    if errors.is_empty() {
        return 0;
    }
    for e in errors {
        let e = e.trim_end().to_string();
        if e.starts_with("error: ") {
            ctx.err(format!("{e}\n"));
        } else {
            ctx.err(format!("error: {e}\n"));
        }
    }
    1
}

/// `*v1.Service`, as `%T` prints the object's Go type.
fn go_type(kind: Kind) -> String {
    let info = kind.info();
    let pkg = info.api_version.rsplit('/').next().unwrap_or("v1");
    format!("{pkg}.{}", info.kind)
}

fn parse_change(ctx: &Ctx, sub: Sub, parsed: &Parsed, pairs: &[String]) -> Result<Change, String> {
    match sub {
        Sub::Image => {
            let mut images = BTreeMap::new();
            for p in pairs {
                let (c, i) = p.split_once('=').unwrap_or((p, ""));
                images.insert(c.to_string(), i.to_string());
            }
            if images.is_empty() {
                return Err("at least one image update is required".into());
            }
            if images.len() > 1 && images.contains_key("*") {
                return Err("all containers are already specified by *, but saw more than one container_name=container_image pairs".into());
            }
            Ok(Change::Image(images))
        }
        Sub::Resources => {
            let limits = parse_resource_list(parsed.get("limits").unwrap_or(""))?;
            let requests = parse_resource_list(parsed.get("requests").unwrap_or(""))?;
            if limits.is_empty() && requests.is_empty() {
                return Err("you must specify an update to requests or limits (in the form of --requests/--limits)".into());
            }
            Ok(Change::Resources {
                containers: parsed.get("containers").unwrap_or("*").to_string(),
                limits,
                requests,
            })
        }
        Sub::Env => {
            let mut all: Vec<String> = parsed.all("env");
            all.extend(pairs.iter().cloned());
            let mut set = Vec::new();
            let mut remove = Vec::new();
            for p in &all {
                if let Some((k, v)) = p.split_once('=') {
                    if k.is_empty()
                        || !k
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
                        || k.starts_with(|c: char| c.is_ascii_digit())
                    {
                        return Err(format!("invalid environment variable name: {k:?}"));
                    }
                    set.push(EnvVar {
                        name: k.to_string(),
                        value: Some(v.to_string()),
                        value_from: None,
                    });
                } else if let Some(k) = p.strip_suffix('-') {
                    remove.push(k.to_string());
                } else {
                    return Err(format!("environment variables must be of the form key=value and can only contain letters, numbers, and underscores"));
                }
            }
            if let Some(from) = parsed.get("from") {
                set.extend(env_from(ctx, parsed, from)?);
            }
            let list = parsed.is_set("list");
            if !list && set.is_empty() && remove.is_empty() {
                return Err("at least one environment variable must be provided".into());
            }
            Ok(Change::Env {
                containers: parsed.get("containers").unwrap_or("*").to_string(),
                set,
                remove,
                overwrite: parsed.get("overwrite") != Some("false"),
                list,
            })
        }
    }
}

/// `--from=configmap/NAME` or `--from=secret/NAME`: one variable per key of the live
/// object (`--keys` picks some), named by the key upper-cased with other characters turned
/// into `_`, after `--prefix`, each referring to its key.
fn env_from(ctx: &Ctx, parsed: &Parsed, from: &str) -> Result<Vec<EnvVar>, String> {
    let (kind, name) = from
        .split_once('/')
        .ok_or_else(|| format!("invalid resource name {from:?}: must be of the form TYPE/NAME"))?;
    let kind = super::resolve_kind(kind)?;
    let key = ObjectKey::new(kind, &ctx.namespace(parsed), name);
    let obj = ctx
        .cluster
        .api_ref()
        .get(&key)
        .map_err(|e| super::errors::api_error_text(&e))?;
    let keys: Vec<String> = match obj.as_ref() {
        Object::ConfigMap(cm) => cm.data.iter().flatten().map(|(k, _)| k.clone()).collect(),
        Object::Secret(s) => s.data.iter().flatten().map(|(k, _)| k.clone()).collect(),
        _ => return Err(format!("unsupported resource specified in --from: {from}")),
    };
    let only: Vec<String> = parsed
        .get("keys")
        .map(|k| k.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    let prefix = parsed.get("prefix").unwrap_or("");
    let mut out = Vec::new();
    for k in keys
        .into_iter()
        .filter(|k| only.is_empty() || only.contains(k))
    {
        let env_name: String = k
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        let source = match obj.as_ref() {
            Object::Secret(_) => EnvVarSource {
                secret_key_ref: Some(SecretKeySelector {
                    name: name.to_string(),
                    key: k.clone(),
                    optional: None,
                }),
                ..Default::default()
            },
            _ => EnvVarSource {
                config_map_key_ref: Some(ConfigMapKeySelector {
                    name: name.to_string(),
                    key: k.clone(),
                    optional: None,
                }),
                ..Default::default()
            },
        };
        out.push(EnvVar {
            name: format!("{prefix}{env_name}"),
            value: None,
            value_from: Some(source),
        });
    }
    Ok(out)
}

fn parse_resource_list(s: &str) -> Result<BTreeMap<String, Quantity>, String> {
    let mut out = BTreeMap::new();
    if s.is_empty() {
        return Ok(out);
    }
    for part in s.split(',') {
        let Some((k, v)) = part.split_once('=') else {
            return Err(format!(
                "invalid argument syntax {part}, expected <resource>=<value>"
            ));
        };
        if !kubarium_engine::api::quantity::is_valid(v) {
            return Err(format!("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
        }
        out.insert(k.to_string(), Quantity(v.to_string()));
    }
    Ok(out)
}

/// The pod spec inside an object of a kind `set` can change.
pub(crate) fn pod_spec_mut(obj: &mut Object) -> Option<&mut PodSpec> {
    match obj {
        Object::Pod(p) => p.spec.as_mut(),
        Object::ReplicationController(rc) => rc.spec.as_mut()?.template.as_mut()?.spec.as_mut(),
        Object::ReplicaSet(rs) => rs.spec.template.as_mut()?.spec.as_mut(),
        Object::Deployment(d) => d.spec.template.spec.as_mut(),
        Object::DaemonSet(ds) => ds.spec.template.spec.as_mut(),
        Object::StatefulSet(s) => s.spec.template.spec.as_mut(),
        Object::Job(j) => j.spec.as_mut()?.template.spec.as_mut(),
        Object::CronJob(c) => c.spec.job_template.spec.as_mut()?.template.spec.as_mut(),
        _ => None,
    }
}

fn apply_change(spec: &mut PodSpec, change: &Change) -> Result<(), String> {
    let mut errors = Vec::new();
    match change {
        Change::Image(images) => {
            for (name, image) in images {
                let mut found = false;
                for c in spec
                    .containers
                    .iter_mut()
                    .chain(spec.init_containers.iter_mut().flatten())
                {
                    if c.name == *name || name == "*" {
                        c.image = Some(image.clone());
                        found = true;
                    }
                }
                for c in spec.ephemeral_containers.iter_mut().flatten() {
                    if c.name == *name || name == "*" {
                        c.image = Some(image.clone());
                        found = true;
                    }
                }
                if !found {
                    errors.push(format!("unable to find container named {name:?}"));
                }
            }
        }
        Change::Resources {
            containers,
            limits,
            requests,
        } => {
            let mut found = false;
            for c in spec
                .containers
                .iter_mut()
                .chain(spec.init_containers.iter_mut().flatten())
            {
                if !matches_container(&c.name, containers) {
                    continue;
                }
                found = true;
                let r = c.resources.get_or_insert_with(Default::default);
                for (k, v) in limits {
                    r.limits
                        .get_or_insert_with(BTreeMap::new)
                        .insert(k.clone(), v.clone());
                }
                for (k, v) in requests {
                    r.requests
                        .get_or_insert_with(BTreeMap::new)
                        .insert(k.clone(), v.clone());
                }
            }
            if !found {
                errors.push(format!("unable to find container named {containers}"));
            }
        }
        Change::Env {
            containers,
            set,
            remove,
            overwrite,
            ..
        } => {
            let mut found = false;
            for c in spec
                .containers
                .iter_mut()
                .chain(spec.init_containers.iter_mut().flatten())
            {
                if !matches_container(&c.name, containers) {
                    continue;
                }
                found = true;
                if !overwrite {
                    for e in set {
                        if let Some(old) = c.env.iter().flatten().find(|x| x.name == e.name) {
                            return Err(format!(
                                "'{}' already has a value ({}), and --overwrite is false",
                                e.name,
                                old.value.clone().unwrap_or_default()
                            ));
                        }
                    }
                }
                c.env = updated_env(c, set, remove);
            }
            if !found {
                errors.push(format!("unable to find container named {containers}"));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

/// `*` or a shell-style name pattern with `*` (`selectContainers` uses `path.Match`).
fn matches_container(name: &str, pattern: &str) -> bool {
    if pattern == "*" || pattern == name {
        return true;
    }
    match pattern.split_once('*') {
        Some((pre, post)) => {
            name.starts_with(pre) && name.ends_with(post) && name.len() >= pre.len() + post.len()
        }
        None => false,
    }
}

/// `updateEnv`: existing variables keep their place (replaced in place when set again,
/// dropped when removed), new ones are appended in the order given.
fn updated_env(c: &Container, set: &[EnvVar], remove: &[String]) -> Option<Vec<EnvVar>> {
    let mut out: Vec<EnvVar> = Vec::new();
    let mut covered: Vec<String> = remove.to_vec();
    for e in c.env.iter().flatten() {
        if covered.contains(&e.name) {
            continue;
        }
        match set.iter().rev().find(|n| n.name == e.name) {
            Some(newer) => {
                covered.push(e.name.clone());
                out.push(newer.clone());
            }
            None => out.push(e.clone()),
        }
    }
    for e in set {
        if covered.contains(&e.name) {
            continue;
        }
        covered.push(e.name.clone());
        out.push(e.clone());
    }
    (!out.is_empty()).then_some(out)
}

/// `set env --list`: `# Deployment web, container nginx` then `KEY=VALUE` lines.
fn list_env(ctx: &mut Ctx, kind: Kind, name: &str, spec: &PodSpec, containers: &str) {
    let selected: Vec<&Container> = spec
        .init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter())
        .filter(|c| matches_container(&c.name, containers))
        .collect();
    if selected.is_empty() {
        ctx.err(format!(
            "warning: {}/{name} does not have any containers matching {containers:?}\n",
            kind.info().kind
        ));
        return;
    }
    for c in selected {
        ctx.out(format!(
            "# {} {name}, container {}\n",
            kind.info().kind,
            c.name
        ));
        for e in c.env.iter().flatten() {
            match &e.value_from {
                None => ctx.out(format!(
                    "{}={}\n",
                    e.name,
                    e.value.clone().unwrap_or_default()
                )),
                Some(src) => ctx.out(format!("# {} from {}\n", e.name, ref_string(src))),
            }
        }
    }
}

fn ref_string(src: &EnvVarSource) -> String {
    if let Some(ConfigMapKeySelector { name, key, .. }) = &src.config_map_key_ref {
        return format!("configmap {name}, key {key}");
    }
    if let Some(SecretKeySelector { name, key, .. }) = &src.secret_key_ref {
        return format!("secret {name}, key {key}");
    }
    if let Some(f) = &src.field_ref {
        return format!("field path {}", f.field_path);
    }
    if let Some(r) = &src.resource_field_ref {
        return format!("resource field {}", r.resource);
    }
    "invalid valueFrom".to_string()
}

/// Whether `set` left the object as it was. Compared as JSON (the same answer here: `set`
/// touches no timestamp): `Object`'s `==` would compile the field-by-field comparison of
/// every kind into the page for this one use.
fn unchanged(updated: &Object, original: &Object) -> bool {
    updated.to_value() == original.to_value()
}
