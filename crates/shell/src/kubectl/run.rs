//! `kubectl run NAME --image=IMAGE ...`: the `run-pod/v1` generator and, with `-i`, the
//! attach to the pod's container (`attach.rs`): a shell reading stdin takes the terminal's
//! next lines; `--rm` deletes the pod and `--restart=Never` returns the container's exit code
//! once the session ends.

use super::attach::{self, ExitCondition, RunAfter};
use super::errors::api_error_text;
use super::flags::{self, boolean, value, FlagSpec};
use super::generators::{self, RunPod};
use super::print_flags::{self as pf, DryRun};
use super::Ctx;
use kubarium_engine::api::decode::decode_object;
use kubarium_engine::api::validation::validate_label_value;
use kubarium_engine::api::Pod;
use kubarium_engine::{Kind, ObjectKey};
use std::collections::BTreeMap;

const FLAGS: &[FlagSpec] = &[
    value("image", None),
    value("port", None),
    value("labels", Some('l')),
    value("env", None),
    value("restart", None),
    boolean("command", None),
    value("dry-run", None),
    value("output", Some('o')),
    boolean("stdin", Some('i')),
    boolean("tty", Some('t')),
    boolean("rm", None),
    boolean("attach", None),
    value("image-pull-policy", None),
    value("annotations", None),
    boolean("expose", None),
    boolean("quiet", Some('q')),
    boolean("privileged", None),
    value("overrides", None),
    boolean("leave-stdin-open", None),
    value("pod-running-timeout", None),
    value("field-manager", None),
    boolean("save-config", None),
];

/// `kubectl run ...`.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let argv = pf::normalize_argv(argv);
    let parsed = match flags::parse(&argv, FLAGS) {
        Ok(p) => p,
        Err(e) => return pf::flag_error(ctx, "run", &e),
    };
    let (dry, out) = match (pf::dry_run(&parsed), pf::output(&parsed)) {
        (Ok(d), Ok(o)) => (d, o),
        (Err(e), _) | (_, Err(e)) => return pf::fail(ctx, &e),
    };
    let Some(name) = parsed.args.first().cloned() else {
        return pf::usage_error(ctx, "run", "NAME is required for run");
    };
    let Some(image) = parsed.get("image").map(str::to_string) else {
        return pf::fail(ctx, "required flag(s) \"image\" not set");
    };
    if image.is_empty() {
        return pf::fail(ctx, "--image is required");
    }
    if !valid_image_reference(&image) {
        return pf::fail(
            ctx,
            &format!("Invalid image name {image:?}: invalid reference format"),
        );
    }
    let interactive = parsed.is_set("stdin");
    let tty = parsed.is_set("tty");
    let attach = if parsed.has("attach") {
        parsed.is_set("attach")
    } else {
        interactive
    };
    if tty && !interactive {
        return pf::usage_error(
            ctx,
            "run",
            "-i/--stdin is required for containers with -t/--tty=true",
        );
    }
    if parsed.is_set("expose") && !parsed.has("port") {
        return pf::usage_error(ctx, "run", "--port must be set when exposing a service");
    }
    let restart = match parsed.get("restart") {
        None => "Always".to_string(),
        Some(r @ ("Always" | "OnFailure" | "Never")) => r.to_string(),
        Some(r) => return pf::usage_error(ctx, "run", &format!("invalid restart policy: {r}")),
    };
    let timeout_ms = match attach::pod_running_timeout_ms(&parsed) {
        Ok(t) => t,
        Err(e) => return e.report(ctx, "run"),
    };
    let remove = parsed.is_set("rm");
    if !attach && remove {
        return pf::usage_error(
            ctx,
            "run",
            "--rm should only be used for attached containers",
        );
    }
    if attach && dry != DryRun::None {
        return pf::usage_error(
            ctx,
            "run",
            "--dry-run=[server|client] can't be used with attached containers options (--attach, --stdin, or --tty)",
        );
    }
    let pull = parsed
        .get("image-pull-policy")
        .filter(|p| !p.is_empty())
        .map(str::to_string);
    if let Some(p) = &pull {
        if !matches!(p.as_str(), "Always" | "IfNotPresent" | "Never") {
            return pf::usage_error(ctx, "run", &format!("invalid image pull policy: {p}"));
        }
    }
    let labels = match parsed.get("labels").filter(|l| !l.is_empty()) {
        None => BTreeMap::from([("run".to_string(), name.clone())]),
        Some(spec) => match parse_labels(spec) {
            Ok(l) => l,
            Err(e) => return pf::fail(ctx, &e),
        },
    };
    let mut annotations = BTreeMap::new();
    for a in parsed.all("annotations") {
        let Some((k, v)) = a.split_once('=') else {
            return pf::fail(ctx, &format!("invalid annotation spec: {a}"));
        };
        annotations.insert(k.to_string(), v.to_string());
    }
    let mut env = Vec::new();
    for e in parsed.all("env") {
        match e.split_once('=') {
            Some((k, v)) if valid_env_name(k) => env.push((k.to_string(), v.to_string())),
            _ => return pf::fail(ctx, &format!("invalid env: {e}")),
        }
    }
    let port = match parsed.get("port").filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => match p.parse::<i64>() {
            Ok(n) if (1..=65535).contains(&n) => Some(n),
            Ok(n) => return pf::fail(ctx, &format!("port {n:?} must be in the range 1..65535")),
            Err(_) => {
                return pf::fail(
                    ctx,
                    &format!("strconv.ParseUint: parsing {p:?}: invalid syntax"),
                )
            }
        },
    };
    let mut extra: Vec<String> = parsed.args[1..].to_vec();
    extra.extend(parsed.after_dash.clone().unwrap_or_default());
    let (command, args) = if parsed.is_set("command") {
        (extra, Vec::new())
    } else {
        (Vec::new(), extra)
    };
    let pod = RunPod {
        name: name.clone(),
        namespace: parsed.has("namespace").then(|| ctx.namespace(&parsed)),
        image,
        labels,
        annotations,
        command,
        args,
        port,
        env,
        image_pull_policy: pull,
        restart_policy: restart.clone(),
        stdin: interactive,
        stdin_once: interactive && !parsed.is_set("leave-stdin-open"),
        tty,
        service_account: None,
    };
    let obj = generators::run_pod(&pod);
    let mut value = obj.to_value();
    if dry == DryRun::Client {
        pf::print_result(
            ctx,
            out,
            Kind::Pod,
            &name,
            "created",
            dry,
            &value,
            Some(obj.to_go_json()),
        );
        return 0;
    }
    let ns = ctx.namespace(&parsed);
    if parsed.is_set("save-config") {
        super::apply::set_last_applied(&mut value, Kind::Pod, &ns);
    }
    let object = match decode_object(value) {
        Ok(o) => o,
        Err(e) => return pf::fail(ctx, &e.to_string()),
    };
    let created = match ctx.cluster.api().create(object, &ns, dry == DryRun::Server) {
        Ok(c) => c,
        Err(e) => {
            ctx.err(format!("{}\n", api_error_text(&e)));
            return 1;
        }
    };
    if !attach {
        pf::print_result(
            ctx,
            out,
            Kind::Pod,
            &name,
            "created",
            dry,
            &created.to_value(),
            None,
        );
        return 0;
    }
    let streams = attach::Streams {
        stdin: interactive,
        tty,
        quiet: parsed.is_set("quiet"),
        follow: None,
    };
    let after = RunAfter {
        remove,
        wait_for: ExitCondition::for_restart_policy(&restart, parsed.is_set("leave-stdin-open")),
        timeout_ms,
    };
    attach_to(ctx, &ObjectKey::new(Kind::Pod, &ns, &name), &streams, after)
}

/// `kubectl run -i` once the pod exists: waits for it to run and be ready, then attaches
/// (see [`attach::attach_running`]); a pod that already finished shows its log instead. What
/// follows the attach (exit code, `--rm`) happens when the session ends, or here when there
/// is no session to hand the terminal to.
fn attach_to(ctx: &mut Ctx, key: &ObjectKey, streams: &attach::Streams, after: RunAfter) -> i32 {
    let pod = match attach::wait_for_pod(ctx, key, after.timeout_ms, running_and_ready) {
        Ok(p) => p,
        Err(e) => return attach::after_run(ctx, key, &after, streams.quiet, Some(e)),
    };
    let phase = attach::pod_phase(&pod);
    if phase == "Succeeded" || phase == "Failed" {
        // `handleAttachPod`: a completed pod's log is all there is to show.
        match super::logs::container_log(ctx, key, &key.name) {
            Ok(text) => ctx.out(text),
            Err(e) => ctx.err(format!("error: {e}\n")),
        }
        return attach::after_run(ctx, key, &after, streams.quiet, None);
    }
    // The pre-attach logs (what the container printed before the attach connected).
    let shown = match super::logs::container_log(ctx, key, &key.name) {
        Ok(text) => {
            ctx.out(&text);
            text.lines().count()
        }
        Err(e) => {
            ctx.err(format!("warning: couldn't fetch pre-attach logs: {e}\n"));
            0
        }
    };
    let streams = attach::Streams {
        follow: after.wait_for.map(|_| (after.timeout_ms, shown)),
        ..*streams
    };
    attach::attach_running(ctx, &pod, key, None, &streams, Some(after))
}

/// `podRunningAndReady`: the pod runs and is ready, or has finished.
fn running_and_ready(p: &Pod) -> bool {
    let phase = attach::pod_phase(p);
    let ready = p
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
    phase == "Succeeded" || phase == "Failed" || (phase == "Running" && ready)
}

/// `generate.ParseLabels`: `a=b,c=d`.
fn parse_labels(spec: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for pair in spec.split(',') {
        let parts: Vec<&str> = pair.split('=').collect();
        if parts.len() != 2 || parts[0].is_empty() {
            return Err(format!("invalid label spec: {pair}"));
        }
        if let Err(m) = validate_label_value(parts[1]) {
            return Err(format!("invalid label value: {pair:?}: {m}"));
        }
        out.insert(parts[0].to_string(), parts[1].to_string());
    }
    Ok(out)
}

/// `validation.IsEnvVarName`: `[-._a-zA-Z][-._a-zA-Z0-9]*`.
fn valid_env_name(k: &str) -> bool {
    let mut chars = k.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || matches!(c, '-' | '_' | '.'))
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A loose check of the distribution reference grammar: lower-case path components,
/// an optional `:tag` and `@digest`, no spaces or upper-case repository names.
fn valid_image_reference(image: &str) -> bool {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    if digest.is_some_and(|d| !d.contains(':')) {
        return false;
    }
    let (path, tag) = match rest.rsplit_once(':') {
        Some((p, t)) if !t.contains('/') => (p, Some(t)),
        _ => (rest, None),
    };
    if tag.is_some_and(|t| {
        t.is_empty()
            || t.len() > 128
            || !t
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    }) {
        return false;
    }
    let mut comps = path.split('/');
    let first = comps.next().unwrap_or("");
    let registry = first.contains('.') || first.contains(':') || first == "localhost";
    let check = |c: &str| {
        !c.is_empty()
            && c.chars().all(|ch| {
                ch.is_ascii_lowercase() || ch.is_ascii_digit() || matches!(ch, '.' | '_' | '-')
            })
    };
    (registry || check(first)) && comps.all(check) && !path.is_empty()
}
