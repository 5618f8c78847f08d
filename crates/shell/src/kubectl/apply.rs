//! `kubectl apply -f` (client-side apply with the last-applied-configuration annotation and a
//! three-way merge, see [`super::merge`]) and `kubectl replace [--force] -f`.

use super::errors::{api_error_text, api_error_with_source};
use super::flags::{self, boolean, value, FlagSpec, Parsed};
use super::manifest::{self, Manifest};
use super::merge;
use super::print_flags::{self as pf, DryRun, Output};
use super::Ctx;
use kubarium_engine::api::decode::decode_object;
use kubarium_engine::{ApiError, Kind, ObjectKey, StatusReason};
use serde_json::{Map, Value};

/// The annotation client-side apply keeps its memory in.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

const FLAGS: &[FlagSpec] = &[
    value("filename", Some('f')),
    boolean("recursive", Some('R')),
    value("output", Some('o')),
    value("dry-run", None),
    boolean("prune", None),
    value("selector", Some('l')),
    boolean("all", None),
    boolean("force", None),
    value("grace-period", None),
    value("timeout", None),
    boolean("wait", None),
    value("validate", None),
    boolean("server-side", None),
    boolean("force-conflicts", None),
    value("field-manager", None),
    boolean("overwrite", None),
    boolean("show-managed-fields", None),
    value("cascade", None),
    boolean("save-config", None),
    value("kustomize", Some('k')),
    boolean("record", None),
];

/// Sets the last-applied annotation on a manifest as kubectl does: the object with its
/// namespace filled in and an `annotations` map (empty if it had none), encoded as compact
/// JSON with sorted keys and a trailing newline.
pub fn set_last_applied(value: &mut Value, kind: Kind, namespace: &str) {
    let Some(obj) = value.as_object_mut() else {
        return;
    };
    let meta = obj
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(meta) = meta.as_object_mut() else {
        return;
    };
    if kind.info().namespaced
        && meta
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
    {
        meta.insert("namespace".into(), Value::String(namespace.to_string()));
    }
    let annotations = meta
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if !annotations.is_object() {
        *annotations = Value::Object(Map::new());
    }
    if let Some(a) = annotations.as_object_mut() {
        a.remove(LAST_APPLIED);
    }
    let encoded = format!("{}\n", crate::printers::json::to_json_compact(value));
    if let Some(a) = value
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        a.insert(LAST_APPLIED.into(), Value::String(encoded));
    }
}

/// `kubectl apply ...`.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let argv = pf::normalize_argv(argv);
    let parsed = match flags::parse(&argv, FLAGS) {
        Ok(p) => p,
        Err(e) => return pf::flag_error(ctx, "apply", &e),
    };
    if parsed.args.first().map(String::as_str) == Some("view-last-applied") {
        return view_last_applied(ctx, &parsed);
    }
    let (dry, out) = match (pf::dry_run(&parsed), pf::output(ctx, &parsed)) {
        (Ok(d), Ok(o)) => (d, o),
        (Err(e), _) | (_, Err(e)) => return pf::fail(ctx, &e),
    };
    if parsed.is_set("prune") {
        return pf::fail(ctx, "--prune is not available in Kubarium yet");
    }
    if !parsed.has("filename") {
        return pf::usage_error(ctx, "apply", "must specify one of -f and -k");
    }
    let manifests = match manifest::load(ctx, &parsed.all("filename"), parsed.is_set("recursive")) {
        Ok(m) => m,
        Err(e) => {
            ctx.err(format!("{e}\n"));
            return 1;
        }
    };
    if manifests.is_empty() {
        return pf::fail(ctx, "no objects passed to apply");
    }
    // `--record` annotates before the last-applied configuration is taken, so the
    // change-cause is part of it too.
    let recorder = super::record::Recorder::from_flags(ctx, &parsed, "apply", &argv, FLAGS);
    let mut manifests = manifests;
    for m in &mut manifests {
        recorder.record_value(&mut m.value);
    }
    let ns = ctx.namespace(&parsed);
    let enforce = parsed.has("namespace");
    let selector = match parsed
        .get("selector")
        .map(kubarium_engine::api::selector::Selector::parse)
    {
        Some(Err(e)) => return pf::fail(ctx, &e),
        Some(Ok(s)) => Some(s),
        None => None,
    };
    let mut errors = Vec::new();
    for m in &manifests {
        if let Some(sel) = &selector {
            let labels: Option<std::collections::BTreeMap<String, String>> = m
                .value
                .pointer("/metadata/labels")
                .and_then(|l| serde_json::from_value(l.clone()).ok());
            if !sel.matches(labels.as_ref()) {
                continue;
            }
        }
        if let Err(e) = super::create::check_namespace(m, &ns, enforce) {
            errors.push(e);
            continue;
        }
        if let Err(e) = apply_one(ctx, m, &ns, dry, out.clone()) {
            errors.push(e);
        }
    }
    for e in &errors {
        ctx.err(format!("{e}\n"));
    }
    i32::from(!errors.is_empty())
}

/// Applies one manifest: create it, or merge it into the live object.
fn apply_one(
    ctx: &mut Ctx,
    m: &Manifest,
    ns: &str,
    dry: DryRun,
    out: Output,
) -> Result<(), String> {
    let target_ns = if !m.kind.info().namespaced {
        String::new()
    } else if m.namespace().is_empty() {
        ns.to_string()
    } else {
        m.namespace().to_string()
    };
    let name = m.name().to_string();
    if name.is_empty() {
        return Err(format!(
            "error: error when retrieving current configuration of:\n{}\nfrom server for: {:?}: resource name may not be empty",
            describe_info(m.kind, "", &target_ns),
            m.source
        ));
    }
    let mut modified = m.value.clone();
    set_last_applied(&mut modified, m.kind, &target_ns);
    let key = ObjectKey::new(m.kind, &target_ns, &name);
    let live = match ctx.cluster.api_ref().get(&key) {
        Ok(l) => l,
        Err(e) if e.reason == StatusReason::NotFound => {
            let object = Manifest {
                value: modified,
                ..m.clone()
            }
            .decode("creating")?;
            let created = if dry == DryRun::Client {
                object
            } else {
                let o = ctx
                    .cluster
                    .api()
                    .create(object, &target_ns, dry == DryRun::Server)
                    .map_err(|e| api_error_with_source(&e, "creating", &m.source))?;
                // Warnings the API server sends with the response.
                for w in kubarium_engine::api::ingress::warnings(&o) {
                    ctx.err(format!("Warning: {w}\n"));
                }
                (*o).clone()
            };
            pf::print_result(
                ctx,
                &out,
                m.kind,
                &name,
                "created",
                dry,
                &created.to_value(),
                None,
            );
            return Ok(());
        }
        Err(e) => return Err(api_error_text(&e)),
    };
    let live_value = live.to_value();
    let original: Option<Value> = live
        .metadata()
        .annotations
        .as_ref()
        .and_then(|a| a.get(LAST_APPLIED))
        .and_then(|s| serde_json::from_str(s).ok());
    if original.is_none() {
        ctx.err(format!(
            "Warning: resource {}/{name} is missing the {LAST_APPLIED} annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.\n",
            kubarium_engine::apiserver::qualified_resource(m.kind)
        ));
    }
    let merged = merge::three_way(original.as_ref(), &modified, &live_value);
    if merged == live_value {
        pf::print_result(
            ctx,
            &out,
            m.kind,
            &name,
            "unchanged",
            dry,
            &live_value,
            None,
        );
        return Ok(());
    }
    let patch_error = |e: &ApiError| {
        if e.reason == StatusReason::Invalid && !e.kind.is_empty() {
            return api_error_text(e);
        }
        let patch = crate::printers::json::to_json_compact(&merge::diff(&live_value, &merged));
        format!(
            "Error from server ({}): error when applying patch:\n{patch}\nto:\n{}\nfor: {:?}: error when patching {:?}: {}",
            e.reason.as_str(),
            describe_info(m.kind, &name, &target_ns),
            m.source,
            m.source,
            e.message
        )
    };
    let object = decode_object(merged.clone()).map_err(|e| {
        let info = m.kind.info();
        patch_error(&ApiError::decode(info.kind, info.version, &e))
    })?;
    let result = if dry == DryRun::Client {
        object
    } else {
        let o = ctx
            .cluster
            .api()
            .update(object, dry == DryRun::Server)
            .map_err(|e| patch_error(&e))?;
        for w in kubarium_engine::api::ingress::warnings(&o) {
            ctx.err(format!("Warning: {w}\n"));
        }
        (*o).clone()
    };
    pf::print_result(
        ctx,
        &out,
        m.kind,
        &name,
        "configured",
        dry,
        &result.to_value(),
        None,
    );
    Ok(())
}

/// `pods`, `deployments.apps`: the resource as `Warning: resource pods/web ...` names it.

/// kubectl's `%v` of a resource.Info, as in "error when applying patch: ... to: ...".
fn describe_info(kind: Kind, name: &str, namespace: &str) -> String {
    let info = kind.info();
    format!(
        "Resource: \"{}/{}, Resource={}\", GroupVersionKind: \"{}/{}, Kind={}\"\nName: {name:?}, Namespace: {namespace:?}",
        info.group, info.version, info.plural, info.group, info.version, info.kind
    )
}

/// `kubectl apply view-last-applied TYPE NAME` (YAML by default, `-o json`).
fn view_last_applied(ctx: &mut Ctx, parsed: &Parsed) -> i32 {
    let args = &parsed.args[1..];
    let (kind_name, name) = match args {
        [t, n] => (t.clone(), n.clone()),
        [tn] if tn.contains('/') => {
            let (t, n) = tn.split_once('/').unwrap_or((tn, ""));
            (t.to_string(), n.to_string())
        }
        _ => return pf::usage_error(ctx, "apply view-last-applied", "unexpected args"),
    };
    let kind = match super::resolve_kind(&kind_name) {
        Ok(k) => k,
        Err(e) => return pf::fail(ctx, &e),
    };
    let ns = ctx.namespace(parsed);
    let obj = match ctx.cluster.api_ref().get(&ObjectKey::new(kind, &ns, &name)) {
        Ok(o) => o,
        Err(e) => {
            ctx.err(format!("{}\n", api_error_text(&e)));
            return 1;
        }
    };
    let Some(text) = obj
        .metadata()
        .annotations
        .as_ref()
        .and_then(|a| a.get(LAST_APPLIED))
        .cloned()
    else {
        return pf::fail(
            ctx,
            &format!("no last-applied-configuration annotation found on resource: {name}"),
        );
    };
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if parsed.get("output") == Some("json") {
        ctx.out(crate::printers::json::to_json(&v));
    } else {
        ctx.out(crate::printers::yaml::to_yaml(&v));
    }
    0
}

const REPLACE_FLAGS: &[FlagSpec] = &[
    value("filename", Some('f')),
    boolean("recursive", Some('R')),
    value("output", Some('o')),
    value("dry-run", None),
    boolean("force", None),
    value("grace-period", None),
    value("timeout", None),
    boolean("wait", None),
    value("cascade", None),
    boolean("save-config", None),
    value("validate", None),
    value("field-manager", None),
    value("subresource", None),
    value("raw", None),
    value("kustomize", Some('k')),
];

/// `kubectl replace [--force] -f ...`.
pub fn run_replace(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let argv = pf::normalize_argv(argv);
    let parsed = match flags::parse(&argv, REPLACE_FLAGS) {
        Ok(p) => p,
        Err(e) => return pf::flag_error(ctx, "replace", &e),
    };
    let (dry, out) = match (pf::dry_run(&parsed), pf::output(ctx, &parsed)) {
        (Ok(d), Ok(o)) => (d, o),
        (Err(e), _) | (_, Err(e)) => return pf::fail(ctx, &e),
    };
    if !parsed.has("filename") {
        return pf::usage_error(ctx, "replace", "must specify --filename to replace");
    }
    let manifests = match manifest::load(ctx, &parsed.all("filename"), parsed.is_set("recursive")) {
        Ok(m) => m,
        Err(e) => {
            ctx.err(format!("{e}\n"));
            return 1;
        }
    };
    let ns = ctx.namespace(&parsed);
    let enforce = parsed.has("namespace");
    let force = parsed.is_set("force");
    let grace = parsed
        .get("grace-period")
        .and_then(|g| g.parse::<i64>().ok());
    let mut errors = Vec::new();
    for m in &manifests {
        if let Err(e) = super::create::check_namespace(m, &ns, enforce) {
            errors.push(e);
            continue;
        }
        let target_ns = if m.namespace().is_empty() {
            ns.clone()
        } else {
            m.namespace().to_string()
        };
        let mut value = m.value.clone();
        if parsed.is_set("save-config") {
            set_last_applied(&mut value, m.kind, &target_ns);
        }
        if let Some(meta) = value
            .pointer_mut("/metadata")
            .and_then(Value::as_object_mut)
        {
            if m.kind.info().namespaced {
                meta.insert("namespace".into(), Value::String(target_ns.clone()));
            }
        }
        let object = match (Manifest { value, ..m.clone() }).decode("replacing") {
            Ok(o) => o,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if dry == DryRun::Client {
            pf::print_result(
                ctx,
                &out,
                m.kind,
                object.name(),
                "replaced",
                dry,
                &object.to_value(),
                None,
            );
            continue;
        }
        let key = object.key();
        if force {
            match super::delete::delete_and_wait(ctx, &key, grace, dry, &m.source) {
                Ok(()) => {}
                Err(e) if e.contains("(NotFound)") => {}
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            }
            match ctx
                .cluster
                .api()
                .create(object, &target_ns, dry == DryRun::Server)
            {
                Ok(o) => pf::print_result(
                    ctx,
                    &out,
                    m.kind,
                    o.name(),
                    "replaced",
                    dry,
                    &o.to_value(),
                    None,
                ),
                Err(e) => errors.push(api_error_with_source(&e, "creating", &m.source)),
            }
            continue;
        }
        let mut object = object;
        // `replace` sends no resourceVersion unless the file has one: an unconditional update.
        if m.value.pointer("/metadata/resourceVersion").is_none() {
            object.metadata_mut().resource_version = None;
        }
        match ctx.cluster.api().update(object, dry == DryRun::Server) {
            Ok(o) => pf::print_result(
                ctx,
                &out,
                m.kind,
                o.name(),
                "replaced",
                dry,
                &o.to_value(),
                None,
            ),
            Err(e) => errors.push(api_error_with_source(&e, "replacing", &m.source)),
        }
    }
    for e in &errors {
        ctx.err(format!("{e}\n"));
    }
    i32::from(!errors.is_empty())
}
