//! `kubectl delete`: by type and name, `TYPE/NAME`, `-f`, `-l`, `--all`, `-A`; graceful
//! deletion with `--grace-period`, `--now`, `--force`; and waiting (`--wait`, the default) by
//! letting simulated time pass until the objects are gone.

use super::errors::{api_error_text, api_error_with_source};
use super::flags::{self, boolean, value, FlagSpec, Parsed};
use super::manifest;
use super::print_flags::{self as pf, DryRun};
use super::Ctx;
use kubarium_engine::api::selector::Selector;
use kubarium_engine::apiserver::PropagationPolicy;
use kubarium_engine::{ApiError, DeleteOptions, Kind, ObjectKey, StatusReason};

const FLAGS: &[FlagSpec] = &[
    value("filename", Some('f')),
    boolean("recursive", Some('R')),
    value("output", Some('o')),
    value("dry-run", None),
    boolean("all", None),
    boolean("all-namespaces", Some('A')),
    value("selector", Some('l')),
    value("field-selector", None),
    value("grace-period", None),
    boolean("force", None),
    boolean("now", None),
    boolean("wait", None),
    value("timeout", None),
    boolean("ignore-not-found", None),
    value("cascade", None),
    boolean("interactive", Some('i')),
    value("raw", None),
    value("kustomize", Some('k')),
];

/// Namespaces the API server refuses to delete (NamespaceLifecycle admission).
const IMMORTAL_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public"];

/// Simulated time `--wait` lets pass beyond the grace period before giving up (kubectl would
/// wait up to a week; the sandbox returns instead of freezing the page).
const WAIT_MARGIN_MS: u64 = 60_000;

/// One object to delete (or scale), with the file it came from (for error messages).
pub(crate) struct Target {
    pub key: ObjectKey,
    pub source: String,
}

/// How the deletion was asked for.
struct Mode {
    grace: Option<i64>,
    force: bool,
    dry: DryRun,
    name_only: bool,
    cascade: PropagationPolicy,
}

/// `kubectl delete ...`.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let argv = pf::normalize_argv(argv);
    let parsed = match flags::parse(&argv, FLAGS) {
        Ok(p) => p,
        Err(e) => return pf::flag_error(ctx, "delete", &e),
    };
    let dry = match pf::dry_run(&parsed) {
        Ok(d) => d,
        Err(e) => return pf::fail(ctx, &e),
    };
    let name_only = match parsed.get("output") {
        None | Some("") => false,
        Some("name") => true,
        Some(o) => {
            return pf::fail(
                ctx,
                &format!(
                    "unexpected -o output mode: {o:?}, the only supported output mode is \"name\""
                ),
            )
        }
    };
    let mut grace = match parsed.get("grace-period") {
        None => None,
        Some(g) => match g.parse::<i64>() {
            Ok(v) => Some(v),
            Err(_) => {
                return pf::flag_error(ctx, "delete", &format!("invalid argument {g:?} for \"--grace-period\" flag: strconv.ParseInt: parsing {g:?}: invalid syntax"))
            }
        },
    };
    let force = parsed.is_set("force");
    if parsed.is_set("now") {
        if grace.is_some_and(|g| g >= 0) {
            return pf::fail(ctx, "--now and --grace-period cannot be specified together");
        }
        grace = Some(1);
    }
    if grace == Some(0) && !force {
        // kubectl turns --grace-period=0 into 1 unless --force is given.
        grace = Some(1);
    }
    if force && grace.is_none_or(|g| g < 0) {
        grace = Some(0);
    }
    if grace.is_some_and(|g| g < 0) {
        grace = None;
    }
    if force && grace == Some(0) {
        ctx.err("Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n");
    }
    let cascade = match cascading_strategy(ctx, parsed.get("cascade")) {
        Ok(c) => c,
        Err(e) => return pf::fail(ctx, &e),
    };
    let mode = Mode {
        grace,
        force,
        dry,
        name_only,
        cascade,
    };
    let targets = match targets(ctx, &parsed) {
        Ok(t) => t,
        Err(e) => {
            ctx.err(format!("{e}\n"));
            return 1;
        }
    };
    let Some(targets) = targets else {
        ctx.out("No resources found\n");
        return 0;
    };
    let ignore_not_found =
        parsed.is_set("ignore-not-found") || parsed.is_set("all") || parsed.has("selector");
    let warn_cluster_scope = parsed.has("namespace") && !parsed.is_set("all-namespaces");
    let mut warned = false;
    let mut errors = Vec::new();
    let mut deleted = Vec::new();
    for t in &targets {
        if warn_cluster_scope && !warned && !t.key.kind.info().namespaced {
            ctx.err("warning: deleting cluster-scoped resources, not scoped to the provided namespace\n");
            warned = true;
        }
        match delete_one(ctx, t, &mode) {
            Ok(uid) => deleted.push((t.key.clone(), uid)),
            Err(e) if ignore_not_found && e.reason == StatusReason::NotFound => {}
            Err(e) => errors.push(if t.source.is_empty() {
                api_error_text(&e)
            } else {
                api_error_with_source(&e, "deleting", &t.source)
            }),
        }
    }
    if deleted.is_empty() && errors.is_empty() && !parsed.is_set("ignore-not-found") {
        ctx.out("No resources found\n");
    }
    let wait = parsed.get("wait").is_none_or(|w| w != "false");
    if wait && dry == DryRun::None && !deleted.is_empty() {
        wait_for_deletion(ctx, &deleted, mode.grace);
    }
    for e in &errors {
        ctx.err(format!("{e}\n"));
    }
    i32::from(!errors.is_empty())
}

/// `--cascade` (`parseCascadingFlag`): `background` (the default), `foreground` or `orphan`;
/// the old boolean values still work with a deprecation warning (`true` is background,
/// `false` orphan).
fn cascading_strategy(ctx: &mut Ctx, flag: Option<&str>) -> Result<PropagationPolicy, String> {
    let flag = match flag {
        None => return Ok(PropagationPolicy::Background),
        Some(f) => f,
    };
    let boolean = match flag {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    };
    match (flag, boolean) {
        ("orphan", _) => Ok(PropagationPolicy::Orphan),
        ("foreground", _) => Ok(PropagationPolicy::Foreground),
        ("background", _) => Ok(PropagationPolicy::Background),
        (_, Some(b)) => {
            let (policy, name) = if b {
                (PropagationPolicy::Background, "background")
            } else {
                (PropagationPolicy::Orphan, "orphan")
            };
            ctx.err(format!("warning: --cascade={flag} is deprecated (boolean value) and can be replaced with --cascade={name}.\n"));
            Ok(policy)
        }
        _ => Err(format!(
            "invalid cascade value ({flag}). Must be \"background\", \"foreground\", or \"orphan\""
        )),
    }
}

/// What to delete (the resource builder shared with `kubectl scale`): `TYPE NAME...`,
/// `TYPE/NAME...`, `-f`, `-l`, `--all`; `Ok(None)` when a selector or `--all` matched nothing.
pub(crate) fn targets(ctx: &mut Ctx, parsed: &Parsed) -> Result<Option<Vec<Target>>, String> {
    let ns = ctx.namespace(parsed);
    if parsed.has("filename") {
        if !parsed.args.is_empty() {
            return Err("error: when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well".into());
        }
        let manifests = manifest::load(ctx, &parsed.all("filename"), parsed.is_set("recursive"))?;
        let enforce = parsed.has("namespace");
        let mut out = Vec::new();
        for m in &manifests {
            super::create::check_namespace(m, &ns, enforce)?;
            let target_ns = if m.namespace().is_empty() {
                ns.clone()
            } else {
                m.namespace().to_string()
            };
            out.push(Target {
                key: ObjectKey::new(m.kind, &target_ns, m.name()),
                source: m.source.clone(),
            });
        }
        return Ok(Some(out));
    }
    if parsed.args.is_empty() {
        return Err("error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'".into());
    }
    let all_namespaces = parsed.is_set("all-namespaces");
    let selector = match parsed.get("selector") {
        Some(s) => Some(Selector::parse(s).map_err(|e| format!("error: {e}"))?),
        None => None,
    };
    let slash_form = parsed.args.iter().any(|a| a.contains('/'));
    if slash_form {
        if !parsed.args.iter().all(|a| a.contains('/')) {
            return Err("error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'".into());
        }
        let mut out = Vec::new();
        for a in &parsed.args {
            let (t, n) = a.split_once('/').unwrap_or((a, ""));
            let kind = super::resolve_kind(t).map_err(|e| format!("error: {e}"))?;
            if n.is_empty() {
                return Err(
                    "error: arguments in resource/name form must have a single resource and name"
                        .to_string(),
                );
            }
            out.push(Target {
                key: ObjectKey::new(kind, &ns, n),
                source: String::new(),
            });
        }
        return Ok(Some(out));
    }
    let mut kinds = Vec::new();
    for t in parsed.args[0].split(',') {
        kinds.push(super::resolve_kind(t).map_err(|e| format!("error: {e}"))?);
    }
    let names = &parsed.args[1..];
    if !names.is_empty() {
        if selector.is_some() || parsed.is_set("all") {
            return Err("error: name cannot be provided when a selector is specified".into());
        }
        let mut out = Vec::new();
        for kind in &kinds {
            for n in names {
                out.push(Target {
                    key: ObjectKey::new(*kind, &ns, n),
                    source: String::new(),
                });
            }
        }
        return Ok(Some(out));
    }
    if selector.is_none() && !parsed.is_set("all") {
        return Err("error: resource(s) were provided, but no name was specified".into());
    }
    if selector.is_some() && parsed.is_set("all") {
        return Err("error: cannot set --all and --selector at the same time".into());
    }
    let mut out = Vec::new();
    for kind in kinds {
        let scope = if all_namespaces || !kind.info().namespaced {
            None
        } else {
            Some(ns.as_str())
        };
        for obj in ctx.cluster.api_ref().list(kind, scope) {
            if selector
                .as_ref()
                .is_some_and(|s| !s.matches(obj.metadata().labels.as_ref()))
            {
                continue;
            }
            out.push(Target {
                key: obj.key(),
                source: String::new(),
            });
        }
    }
    Ok((!out.is_empty()).then_some(out))
}

/// Deletes one object and prints the result line; returns its uid (to notice a re-creation
/// while waiting).
fn delete_one(ctx: &mut Ctx, t: &Target, mode: &Mode) -> Result<String, ApiError> {
    let key = &t.key;
    if key.kind == Kind::Namespace && IMMORTAL_NAMESPACES.contains(&key.name.as_str()) {
        ctx.cluster.api_ref().get(key)?;
        return Err(ApiError::new(
            StatusReason::Forbidden,
            format!(
                "namespaces {:?} is forbidden: this namespace may not be deleted",
                key.name
            ),
        ));
    }
    let uid = if mode.dry == DryRun::Client {
        ctx.cluster
            .api_ref()
            .get(key)?
            .metadata()
            .uid
            .clone()
            .unwrap_or_default()
    } else {
        let opts = DeleteOptions {
            grace_period_seconds: mode.grace,
            propagation_policy: Some(mode.cascade),
        };
        let old = ctx
            .cluster
            .api()
            .delete(key, &opts, mode.dry == DryRun::Server)?;
        old.metadata().uid.clone().unwrap_or_default()
    };
    print_deleted(ctx, key, mode);
    Ok(uid)
}

/// `pod "web" deleted from default namespace`, `namespace "x" deleted`, `pod/web` (`-o name`).
fn print_deleted(ctx: &mut Ctx, key: &ObjectKey, mode: &Mode) {
    let kind = pf::kind_string(key.kind);
    if mode.name_only {
        ctx.out(format!("{kind}/{}\n", key.name));
        return;
    }
    let operation = if mode.grace == Some(0) && mode.force {
        "force deleted"
    } else {
        "deleted"
    };
    let scope = if key.namespace.is_empty() {
        String::new()
    } else {
        format!(" from {} namespace", key.namespace)
    };
    ctx.out(format!(
        "{kind} {:?} {operation}{scope}{}\n",
        key.name,
        mode.dry.suffix()
    ));
}

/// Lets simulated time pass until every deleted object is gone (or replaced by a new object
/// with another uid), at most the longest grace period plus [`WAIT_MARGIN_MS`].
fn wait_for_deletion(ctx: &mut Ctx, deleted: &[(ObjectKey, String)], grace: Option<i64>) {
    let longest_grace = deleted
        .iter()
        .filter_map(|(k, _)| ctx.cluster.api_ref().get(k).ok())
        .map(|o| {
            o.metadata()
                .deletion_grace_period_seconds
                .or(grace)
                .unwrap_or(30)
                .max(0) as u64
                * 1000
        })
        .max()
        .unwrap_or(0);
    let budget = longest_grace + WAIT_MARGIN_MS;
    let mut waited = 0;
    loop {
        let pending = deleted.iter().any(|(k, uid)| {
            ctx.cluster
                .api_ref()
                .get(k)
                .is_ok_and(|o| o.metadata().uid.as_deref().unwrap_or("") == uid)
        });
        if !pending || waited >= budget {
            return;
        }
        let step = 500.min(budget - waited);
        ctx.cluster.advance(step);
        waited += step;
    }
}

/// Deletes one object, prints `pod "web" deleted from default namespace` and waits for it to
/// be gone (`kubectl replace --force`). Errors are in kubectl's wording.
pub fn delete_and_wait(
    ctx: &mut Ctx,
    key: &ObjectKey,
    grace: Option<i64>,
    dry: DryRun,
    source: &str,
) -> Result<(), String> {
    let mode = Mode {
        grace,
        force: false,
        dry,
        name_only: false,
        cascade: PropagationPolicy::Background,
    };
    let t = Target {
        key: key.clone(),
        source: source.to_string(),
    };
    let uid =
        delete_one(ctx, &t, &mode).map_err(|e| api_error_with_source(&e, "deleting", source))?;
    if dry == DryRun::None {
        wait_for_deletion(ctx, &[(key.clone(), uid)], grace);
    }
    Ok(())
}
