//! `kubectl cordon|uncordon NODE` and `kubectl taint nodes NODE key=value:Effect | key:Effect- | key-`.

use super::errors::api_error_text;
use super::flags::{self, boolean, value, FlagSpec};
use super::print_flags::{self as pf, DryRun};
use super::Ctx;
use k8s_openapi::api::core::v1::Taint;
use kubarium_engine::api::selector::Selector;
use kubarium_engine::api::validation::validate_label_value;
use kubarium_engine::api::Node;
use kubarium_engine::{Kind, Object, ObjectKey};

const CORDON_FLAGS: &[FlagSpec] = &[value("selector", Some('l')), value("dry-run", None)];

/// Node names from arguments or a selector.
fn nodes(ctx: &Ctx, names: &[String], selector: Option<&str>) -> Result<Vec<String>, String> {
    if let Some(s) = selector {
        let sel = Selector::parse(s).map_err(|e| format!("error: {e}"))?;
        return Ok(ctx
            .cluster
            .api_ref()
            .list(Kind::Node, None)
            .iter()
            .filter(|n| sel.matches(n.metadata().labels.as_ref()))
            .map(|n| n.name().to_string())
            .collect());
    }
    Ok(names.to_vec())
}

/// `kubectl cordon|uncordon`.
pub fn run_cordon(ctx: &mut Ctx, argv: &[String], cordon: bool) -> i32 {
    let verb = if cordon { "cordon" } else { "uncordon" };
    let argv = pf::normalize_argv(argv);
    let parsed = match flags::parse(&argv, CORDON_FLAGS) {
        Ok(p) => p,
        Err(e) => return pf::flag_error(ctx, verb, &e),
    };
    let dry = match pf::dry_run(&parsed) {
        Ok(d) => d,
        Err(e) => return pf::fail(ctx, &e),
    };
    if parsed.args.is_empty() && !parsed.has("selector") {
        return pf::usage_error(ctx, verb, &format!("USAGE: {verb} NODE [flags]"));
    }
    let names = match nodes(ctx, &parsed.args, parsed.get("selector")) {
        Ok(n) => n,
        Err(e) => {
            ctx.err(format!("{e}\n"));
            return 1;
        }
    };
    let mut status = 0;
    for name in names {
        let key = ObjectKey::new(Kind::Node, "", &name);
        let obj = match ctx.cluster.api_ref().get(&key) {
            Ok(o) => o,
            Err(e) => {
                ctx.err(format!("{}\n", api_error_text(&e)));
                status = 1;
                continue;
            }
        };
        let unschedulable = obj
            .as_::<Node>()
            .and_then(|n| n.spec.as_ref())
            .and_then(|s| s.unschedulable)
            .unwrap_or(false);
        let done = if cordon { "cordoned" } else { "uncordoned" };
        if unschedulable == cordon {
            ctx.out(format!("node/{name} already {done}\n"));
            continue;
        }
        if dry != DryRun::Client {
            let r = ctx.cluster.api().modify(&key, |o| {
                if let Object::Node(n) = o {
                    n.spec.get_or_insert_with(Default::default).unschedulable =
                        if cordon { Some(true) } else { None };
                }
            });
            if let Err(e) = r {
                ctx.err(format!("{}\n", api_error_text(&e)));
                status = 1;
                continue;
            }
        }
        ctx.out(format!("node/{name} {done}{}\n", dry.suffix()));
    }
    status
}

const TAINT_FLAGS: &[FlagSpec] = &[
    boolean("overwrite", None),
    boolean("all", None),
    value("selector", Some('l')),
    value("dry-run", None),
    value("output", Some('o')),
    value("field-manager", None),
    boolean("validate", None),
];

/// `Taint.ToString()`: `key=value:Effect`, `key:Effect`, `key`.
fn taint_string(t: &Taint) -> String {
    let mut s = t.key.clone();
    if let Some(v) = t.value.as_deref().filter(|v| !v.is_empty()) {
        s.push('=');
        s.push_str(v);
    }
    if !t.effect.is_empty() {
        s.push(':');
        s.push_str(&t.effect);
    }
    s
}

/// Parses `<key>=<value>:<effect>`, `<key>:<effect>` or `<key>` as kubectl's `parseTaint`.
fn parse_taint(spec: &str) -> Result<Taint, String> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (key, value, effect) = match parts.as_slice() {
        [k] => (k.to_string(), String::new(), String::new()),
        [kv, effect] => {
            if !matches!(*effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
                return Err(format!(
                    "invalid taint effect: {effect}, unsupported taint effect"
                ));
            }
            let kvs: Vec<&str> = kv.split('=').collect();
            if kvs.len() > 2 {
                return Err(format!("invalid taint spec: {spec}"));
            }
            let value = kvs.get(1).map(|v| v.to_string()).unwrap_or_default();
            if !value.is_empty() {
                if let Err(m) = validate_label_value(&value) {
                    return Err(format!("invalid taint spec: {spec}, {m}"));
                }
            }
            (kvs[0].to_string(), value, effect.to_string())
        }
        _ => return Err(format!("invalid taint spec: {spec}")),
    };
    if let Err(m) = kubarium_engine::api::validation::validate_label_key(&key) {
        return Err(format!("invalid taint spec: {spec}, {m}"));
    }
    Ok(Taint {
        key,
        value: (!value.is_empty()).then_some(value),
        effect,
        time_added: None,
    })
}

/// `kubectl taint nodes NODE ...`.
pub fn run_taint(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let argv = pf::normalize_argv(argv);
    let parsed = match flags::parse(&argv, TAINT_FLAGS) {
        Ok(p) => p,
        Err(e) => return pf::flag_error(ctx, "taint", &e),
    };
    let dry = match pf::dry_run(&parsed) {
        Ok(d) => d,
        Err(e) => return pf::fail(ctx, &e),
    };
    let mut resources = Vec::new();
    let mut specs = Vec::new();
    for a in &parsed.args {
        let is_taint = a.contains('=') || a.contains(':') || a.ends_with('-');
        if is_taint {
            specs.push(a.clone());
        } else if !specs.is_empty() {
            return pf::fail(
                ctx,
                &format!("all resources must be specified before taint changes: {a}"),
            );
        } else {
            resources.push(a.clone());
        }
    }
    if resources.is_empty() {
        return pf::fail(
            ctx,
            "one or more resources must be specified as <resource> <name>",
        );
    }
    if specs.is_empty() {
        return pf::fail(ctx, "at least one taint update is required");
    }
    let mut add: Vec<Taint> = Vec::new();
    let mut remove: Vec<Taint> = Vec::new();
    for s in &specs {
        if let Some(r) = s.strip_suffix('-') {
            match parse_taint(r) {
                Ok(t) => remove.push(Taint { value: None, ..t }),
                Err(e) => return pf::usage_error(ctx, "taint", &e),
            }
        } else {
            match parse_taint(s) {
                Ok(t) if t.effect.is_empty() => {
                    return pf::usage_error(ctx, "taint", &format!("invalid taint spec: {s}"))
                }
                Ok(t) => {
                    if add.iter().any(|a| a.key == t.key && a.effect == t.effect) {
                        return pf::usage_error(
                            ctx,
                            "taint",
                            &format!(
                                "duplicated taints with the same key and effect: {}",
                                taint_string(&t)
                            ),
                        );
                    }
                    add.push(t)
                }
                Err(e) => return pf::usage_error(ctx, "taint", &e),
            }
        }
    }
    let (type_, first_names) = match resources[0].split_once('/') {
        Some((t, n)) => (t.to_string(), vec![n.to_string()]),
        None => (resources[0].clone(), Vec::new()),
    };
    match super::resolve_kind(&type_) {
        Ok(Kind::Node) => {}
        Ok(_) => {
            return pf::fail(
                ctx,
                &format!(
                    "invalid resource type {}, only node types are supported",
                    type_.to_lowercase()
                ),
            )
        }
        Err(e) => return pf::fail(ctx, &e),
    }
    let conflicts: Vec<String> = add
        .iter()
        .flat_map(|a| {
            remove
                .iter()
                .filter(move |r| r.key == a.key && (r.effect.is_empty() || r.effect == a.effect))
        })
        .map(|r| format!("{{\"{}\":\"{}\"}}", r.key, r.effect))
        .collect();
    if !conflicts.is_empty() {
        return pf::fail(
            ctx,
            &format!(
                "can not both modify and remove the following taint(s) in the same command: {}",
                conflicts.join(", ")
            ),
        );
    }
    let mut names: Vec<String> = first_names
        .into_iter()
        .chain(resources[1..].iter().cloned())
        .collect();
    if parsed.is_set("all") || parsed.has("selector") {
        let sel = if parsed.is_set("all") {
            None
        } else {
            parsed.get("selector")
        };
        names = match nodes(ctx, &[], sel.or(Some(""))) {
            Ok(n) => n,
            Err(e) => {
                ctx.err(format!("{e}\n"));
                return 1;
            }
        };
    } else if names.is_empty() {
        return pf::fail(
            ctx,
            "at least one resource name must be specified since 'all' parameter is not set",
        );
    }
    let overwrite = parsed.is_set("overwrite");
    // The builder runs ContinueOnError: a node that fails is reported after the others
    // have been processed, and the errors are printed the way cmdutil.CheckErr does.
    let mut failures: Vec<NodeFailure> = Vec::new();
    for name in names {
        let key = ObjectKey::new(Kind::Node, "", &name);
        let obj = match ctx.cluster.api_ref().get(&key) {
            Ok(o) => o,
            Err(e) => {
                failures.push(NodeFailure {
                    msgs: vec![api_error_text(&e)],
                    standard: true,
                });
                continue;
            }
        };
        let old: Vec<Taint> = obj
            .as_::<Node>()
            .and_then(|n| n.spec.as_ref())
            .and_then(|s| s.taints.clone())
            .unwrap_or_default();
        if !overwrite {
            let existing: Vec<String> = add
                .iter()
                .filter(|t| old.iter().any(|o| o.key == t.key && o.effect == t.effect))
                .map(|t| t.key.clone())
                .collect();
            if !existing.is_empty() {
                // updateTaints in kubectl's pkg/cmd/taint/taint.go (lower-case "node" since 2019).
                let msg = format!("node {name} already has {} taint(s) with same effect(s) and --overwrite is false", existing.join(","));
                failures.push(NodeFailure {
                    msgs: vec![msg],
                    standard: false,
                });
                continue;
            }
        }
        // reorganizeTaints: new taints first, then old ones not replaced, minus removals.
        let mut new_taints = add.clone();
        for o in &old {
            if !new_taints
                .iter()
                .any(|t| t.key == o.key && t.effect == o.effect)
            {
                new_taints.push(o.clone());
            }
        }
        let added = new_taints.len() != old.len();
        let mut errors = Vec::new();
        let mut deleted = false;
        for r in &remove {
            let before = new_taints.len();
            new_taints
                .retain(|t| !(t.key == r.key && (r.effect.is_empty() || t.effect == r.effect)));
            deleted = new_taints.len() != before;
            if !deleted {
                errors.push(format!("taint {:?} not found", taint_string(r)));
            }
        }
        if !errors.is_empty() {
            failures.push(NodeFailure {
                msgs: errors,
                standard: false,
            });
            continue;
        }
        let operation = if (added && deleted) || overwrite {
            "modified"
        } else if added {
            "tainted"
        } else {
            "untainted"
        };
        if dry != DryRun::Client {
            let taints = new_taints.clone();
            let r = ctx.cluster.api().modify(&key, move |o| {
                if let Object::Node(n) = o {
                    n.spec.get_or_insert_with(Default::default).taints = if taints.is_empty() {
                        None
                    } else {
                        Some(taints)
                    };
                }
            });
            if let Err(e) = r {
                failures.push(NodeFailure {
                    msgs: vec![api_error_text(&e)],
                    standard: true,
                });
                continue;
            }
        }
        ctx.out(format!("node/{name} {operation}{}\n", dry.suffix()));
    }
    report_failures(ctx, &failures)
}

/// One node's error in `kubectl taint`: an aggregate of `msgs` (several only for
/// "taint ... not found"); `standard` marks API errors, which CheckErr prints unprefixed.
struct NodeFailure {
    msgs: Vec<String>,
    standard: bool,
}

/// cmdutil.CheckErr on what ContinueOnErrorVisitor returns: one error is printed as is
/// (`error: ` prefixed unless it is an API error), an aggregate one message per line without
/// prefix, a nested aggregate as `[a, b]` (utilerrors' Error(), duplicates dropped).
fn report_failures(ctx: &mut Ctx, failures: &[NodeFailure]) -> i32 {
    match failures {
        [] => return 0,
        [f] if f.msgs.len() == 1 => {
            let m = &f.msgs[0];
            if f.standard || m.starts_with("error: ") {
                ctx.err(format!("{m}\n"));
            } else {
                ctx.err(format!("error: {m}\n"));
            }
        }
        [f] => {
            for m in &f.msgs {
                ctx.err(format!("{m}\n"));
            }
        }
        _ => {
            for f in failures {
                let mut seen: Vec<&str> = Vec::new();
                for m in &f.msgs {
                    if !seen.contains(&m.as_str()) {
                        seen.push(m);
                    }
                }
                if seen.len() == 1 {
                    ctx.err(format!("{}\n", seen[0]));
                } else {
                    ctx.err(format!("[{}]\n", seen.join(", ")));
                }
            }
        }
    }
    1
}
