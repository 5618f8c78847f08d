//! `kubectl label` and `kubectl annotate`: `KEY=VALUE` sets, `KEY-` removes, `--overwrite`,
//! `--all`, `-l`, `--list` (labels), `--dry-run`, `-o name|yaml|json`.

use super::errors::api_error_text;
use super::flags::{self, boolean, value, FlagSpec, Parsed};
use super::manifest;
use super::print_flags::{self as pf, DryRun};
use super::Ctx;
use kubarium_engine::api::selector::Selector;
use kubarium_engine::api::validation::validate_label_value;
use kubarium_engine::ObjectKey;
use std::collections::BTreeMap;

/// Which map of `metadata` the verb edits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    Labels,
    Annotations,
}

impl Which {
    fn verb(self) -> &'static str {
        match self {
            Which::Labels => "label",
            Which::Annotations => "annotate",
        }
    }
}

const FLAGS: &[FlagSpec] = &[
    boolean("overwrite", None),
    boolean("all", None),
    boolean("all-namespaces", Some('A')),
    value("selector", Some('l')),
    value("field-selector", None),
    boolean("list", None),
    boolean("local", None),
    value("resource-version", None),
    value("dry-run", None),
    value("output", Some('o')),
    value("filename", Some('f')),
    boolean("recursive", Some('R')),
    value("field-manager", None),
    boolean("record", None),
    value("kustomize", Some('k')),
];

/// `kubectl label|annotate ...`.
pub fn run(ctx: &mut Ctx, argv: &[String], which: Which) -> i32 {
    let verb = which.verb();
    let argv = pf::normalize_argv(argv);
    let parsed = match flags::parse(&argv, FLAGS) {
        Ok(p) => p,
        Err(e) => return pf::flag_error(ctx, verb, &e),
    };
    let (dry, out) = match (pf::dry_run(&parsed), pf::output(ctx, &parsed)) {
        (Ok(d), Ok(o)) => (d, o),
        (Err(e), _) | (_, Err(e)) => return pf::fail(ctx, &e),
    };
    // Resources come first, then the changes (`cmdutil.GetResourcesAndPairs`).
    let mut resources = Vec::new();
    let mut pairs = Vec::new();
    for a in &parsed.args {
        let change = (a.contains('=') && !a.starts_with('=')) || (a.ends_with('-') && a != "-");
        if change {
            pairs.push(a.clone());
        } else if !pairs.is_empty() {
            let kind = if which == Which::Labels {
                "label"
            } else {
                "annotation"
            };
            return pf::fail(
                ctx,
                &format!("all resources must be specified before {kind} changes: {a}"),
            );
        } else {
            resources.push(a.clone());
        }
    }
    let (set, remove) = match parse_changes(&pairs, which) {
        Ok(c) => c,
        Err(e) => return pf::fail(ctx, &e),
    };
    if parsed.is_set("all") && parsed.has("selector") {
        return pf::fail(ctx, "cannot set --all and --selector at the same time");
    }
    if resources.is_empty() && !parsed.has("filename") {
        return pf::fail(
            ctx,
            "one or more resources must be specified as <resource> <name> or <resource>/<name>",
        );
    }
    let list = which == Which::Labels && parsed.is_set("list");
    if set.is_empty() && remove.is_empty() && !list {
        let what = if which == Which::Labels {
            "label"
        } else {
            "annotation"
        };
        return pf::fail(ctx, &format!("at least one {what} update is required"));
    }
    let keys = match targets(ctx, &parsed, &resources) {
        Ok(k) => k,
        Err(e) => {
            ctx.err(format!("{e}\n"));
            return 1;
        }
    };
    if keys.is_empty() {
        ctx.err("error: no objects passed to label\n".replace("label", verb));
        return 1;
    }
    for key in keys {
        let obj = match ctx.cluster.api_ref().get(&key) {
            Ok(o) => o,
            Err(e) => {
                ctx.err(format!("{}\n", api_error_text(&e)));
                return 1;
            }
        };
        let current = match which {
            Which::Labels => obj.metadata().labels.clone(),
            Which::Annotations => obj.metadata().annotations.clone(),
        }
        .unwrap_or_default();
        if list {
            for (k, v) in &current {
                ctx.out(format!("{k}={v}\n"));
            }
            continue;
        }
        if !parsed.is_set("overwrite") {
            let clashes: Vec<String> = set
                .iter()
                .filter_map(|(k, v)| {
                    let old = current.get(k)?;
                    let clash = match which {
                        Which::Labels => true,
                        Which::Annotations => old != v,
                    };
                    clash.then(|| format!("'{k}' already has a value ({old})"))
                })
                .collect();
            if !clashes.is_empty() {
                let msg = match which {
                    Which::Labels => clashes
                        .iter()
                        .map(|c| format!("{c}, and --overwrite is false"))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    Which::Annotations => {
                        format!("--overwrite is false but found the following declared annotation(s): {}", clashes.join("; "))
                    }
                };
                return pf::fail(ctx, &msg);
            }
        }
        if which == Which::Labels && dry != DryRun::Client {
            for k in &remove {
                if !current.contains_key(k) {
                    ctx.out(format!("label {k:?} not found.\n"));
                }
            }
        }
        let mut updated = current.clone();
        for (k, v) in &set {
            updated.insert(k.clone(), v.clone());
        }
        for k in &remove {
            updated.remove(k);
        }
        let operation = match which {
            Which::Annotations => "annotated",
            Which::Labels if updated == current => "not labeled",
            Which::Labels if !parsed.is_set("overwrite") && updated.len() < current.len() => {
                "unlabeled"
            }
            Which::Labels => "labeled",
        };
        let mut object = (*obj).clone();
        {
            let m = object.metadata_mut();
            let field = match which {
                Which::Labels => &mut m.labels,
                Which::Annotations => &mut m.annotations,
            };
            *field = if updated.is_empty() && field.is_none() {
                None
            } else {
                Some(updated.clone())
            };
        }
        let result = if dry == DryRun::Client || updated == current {
            object
        } else {
            if let Some(rv) = parsed.get("resource-version") {
                object.metadata_mut().resource_version = Some(rv.to_string());
            }
            match ctx.cluster.api().update(object, dry == DryRun::Server) {
                Ok(o) => (*o).clone(),
                Err(e) => {
                    ctx.err(format!("{}\n", api_error_text(&e)));
                    return 1;
                }
            }
        };
        pf::print_result(
            ctx,
            &out,
            key.kind,
            &key.name,
            operation,
            dry,
            &result.to_value(),
            None,
        );
    }
    0
}

/// Splits `KEY=VALUE` and `KEY-` arguments, validating label values as kubectl does.
fn parse_changes(
    pairs: &[String],
    which: Which,
) -> Result<(BTreeMap<String, String>, Vec<String>), String> {
    let mut set = BTreeMap::new();
    let mut remove = Vec::new();
    let what = if which == Which::Labels {
        "label"
    } else {
        "annotation"
    };
    for p in pairs {
        if p.contains('=') {
            let (k, v) = match which {
                Which::Labels => {
                    let parts: Vec<&str> = p.split('=').collect();
                    if parts.len() != 2 {
                        return Err(format!("invalid label spec: {p}"));
                    }
                    if let Err(m) = validate_label_value(parts[1]) {
                        return Err(format!("invalid label value: {p:?}: {m}"));
                    }
                    (parts[0].to_string(), parts[1].to_string())
                }
                Which::Annotations => {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    if k.is_empty() {
                        return Err(format!("invalid annotation format: {p}"));
                    }
                    (k.to_string(), v.to_string())
                }
            };
            set.insert(k, v);
        } else if let Some(k) = p.strip_suffix('-') {
            remove.push(k.to_string());
        } else {
            return Err(format!("unknown {what} spec: {p}"));
        }
    }
    if remove.iter().any(|k| set.contains_key(k)) {
        return Err(format!(
            "can not both modify and remove {} in the same command",
            if which == Which::Labels {
                "a label"
            } else {
                "an annotation"
            }
        ));
    }
    Ok((set, remove))
}

/// The objects named by `TYPE NAME...`, `TYPE/NAME...`, `TYPE --all`, `TYPE -l SEL` or `-f`.
pub(crate) fn targets(
    ctx: &mut Ctx,
    parsed: &Parsed,
    resources: &[String],
) -> Result<Vec<ObjectKey>, String> {
    let ns = ctx.namespace(parsed);
    if parsed.has("filename") {
        let ms = manifest::load(ctx, &parsed.all("filename"), parsed.is_set("recursive"))?;
        return Ok(ms
            .iter()
            .map(|m| {
                ObjectKey::new(
                    m.kind,
                    if m.namespace().is_empty() {
                        &ns
                    } else {
                        m.namespace()
                    },
                    m.name(),
                )
            })
            .collect());
    }
    if resources.iter().any(|r| r.contains('/')) {
        let mut out = Vec::new();
        for r in resources {
            let Some((t, n)) = r.split_once('/') else {
                return Err("error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'".into());
            };
            let kind = super::resolve_kind(t).map_err(|e| format!("error: {e}"))?;
            out.push(ObjectKey::new(kind, &ns, n));
        }
        return Ok(out);
    }
    let kind = super::resolve_kind(&resources[0]).map_err(|e| format!("error: {e}"))?;
    let names = &resources[1..];
    if !names.is_empty() {
        return Ok(names.iter().map(|n| ObjectKey::new(kind, &ns, n)).collect());
    }
    let selector = match parsed.get("selector") {
        Some(s) => Selector::parse(s).map_err(|e| format!("error: {e}"))?,
        None if parsed.is_set("all") => Selector::default(),
        None => return Err("error: resource(s) were provided, but no name was specified".into()),
    };
    let scope = if parsed.is_set("all-namespaces") || !kind.info().namespaced {
        None
    } else {
        Some(ns.as_str())
    };
    Ok(ctx
        .cluster
        .api_ref()
        .list(kind, scope)
        .iter()
        .filter(|o| selector.matches(o.metadata().labels.as_ref()))
        .map(|o| o.key())
        .collect())
}
