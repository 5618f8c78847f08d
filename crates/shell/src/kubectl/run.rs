//! `kubectl run NAME --image=IMAGE ...`: the `run-pod/v1` generator and, with `-i`, the
//! attach to the pod's container (`attach.rs`): a shell reading stdin takes the terminal's
//! next lines; `--rm` deletes the pod and `--restart=Never` returns the container's exit code
//! once the session ends.

use super::attach::{self, ExitCondition, RunAfter};
use super::errors::api_error_text;
use super::expose::{self, GenPort, GenService, TargetPort};
use super::flags::{self, boolean, value, FlagSpec};
use super::generators::{self, RunPod};
use super::print_flags::{self as pf, DryRun, Output};
use super::Ctx;
use kubarium_engine::api::decode::decode_object;
use kubarium_engine::api::Pod;
use kubarium_engine::{Kind, ObjectKey};
use serde_json::Value;
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
    value("template", None),
    boolean("allow-missing-template-keys", None),
    boolean("show-managed-fields", None),
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
    value("override-type", None),
    boolean("leave-stdin-open", None),
    value("pod-running-timeout", None),
    value("detach-keys", None),
    value("field-manager", None),
    boolean("save-config", None),
];

/// `kubectl run ...`: kubectl 1.37's `Complete` (annotations, labels, env, restart and pull
/// policies, `--pod-running-timeout`, dry-run and output) and then `Validate`, in that order;
/// each error is a plain `error: ...` line (1.37 dropped the usage-error help pointer).
pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let argv = pf::normalize_argv(argv);
    let parsed = match flags::parse(&argv, FLAGS) {
        Ok(p) => p,
        Err(e) => return pf::flag_error(ctx, "run", &e),
    };
    let Some(image) = parsed.get("image").map(str::to_string) else {
        return pf::fail(ctx, "required flag(s) \"image\" not set");
    };
    let interactive = parsed.is_set("stdin");
    let tty = parsed.is_set("tty");
    let complete = (|| {
        let annotations = parse_annotations(&parsed.all("annotations"))?;
        let labels = parse_labels(parsed.get("labels").unwrap_or(""))?;
        let env = parse_envs(&parsed.all("env"))?;
        let restart = restart_policy(parsed.get("restart").unwrap_or("Always"), interactive)?;
        let pull = image_pull_policy(parsed.get("image-pull-policy").unwrap_or(""))?;
        Ok::<_, String>((annotations, labels, env, restart, pull))
    })();
    let (annotations, explicit_labels, env, restart, pull) = match complete {
        Ok(c) => c,
        Err(e) => return pf::fail(ctx, &e),
    };
    let timeout_ms = match attach::pod_running_timeout_ms(&parsed) {
        Ok(t) => t,
        Err(e) => return e.report(ctx, "run"),
    };
    let attach = if parsed.has("attach") {
        parsed.is_set("attach")
    } else {
        interactive
    };
    let (dry, out) = match (pf::dry_run(&parsed), pf::output(ctx, &parsed)) {
        (Ok(d), Ok(o)) => (d, o),
        (Err(e), _) | (_, Err(e)) => return pf::fail(ctx, &e),
    };
    // `Validate`.
    let Some(name) = parsed.args.first().cloned() else {
        return pf::fail(ctx, "NAME is required for run");
    };
    if image.is_empty() {
        return pf::fail(ctx, "--image is required");
    }
    if !valid_image_reference(&image) {
        return pf::fail(
            ctx,
            &format!("invalid image name {image:?}: invalid reference format"),
        );
    }
    if tty && !interactive {
        return pf::fail(
            ctx,
            "-i/--stdin is required for containers with -t/--tty=true",
        );
    }
    let port_flag = parsed.get("port").unwrap_or("");
    let expose = parsed.is_set("expose");
    if expose && port_flag.is_empty() {
        return pf::fail(ctx, "--port must be set when exposing a service");
    }
    let port = match port_flag {
        "" => None,
        // `strconv.Atoi`, then `int32(...)`: the range is the API server's to check.
        p => match p.parse::<i64>() {
            Ok(n) => Some(i64::from(n as i32)),
            Err(_) => return pf::fail(ctx, "--port must be a number"),
        },
    };
    let remove = parsed.is_set("rm");
    if !attach && remove {
        return pf::fail(ctx, "--rm should only be used for attached containers");
    }
    if attach && dry != DryRun::None {
        return pf::fail(
            ctx,
            "--dry-run=[server|client] can't be used with attached containers options (--attach, --stdin, or --tty)",
        );
    }
    let labels = explicit_labels
        .clone()
        .unwrap_or_else(|| BTreeMap::from([("run".to_string(), name.clone())]));
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
        privileged: parsed.is_set("privileged"),
    };
    let pod_obj = generators::run_pod(&pod);
    // `Overrider.Apply` (the pod only): the generated pod as JSON with the fragment applied.
    let overrides = parsed.get("overrides").unwrap_or("");
    let pod_value = if overrides.is_empty() {
        None
    } else {
        match apply_overrides(
            &pod_obj.to_value(),
            overrides,
            parsed.get("override-type").unwrap_or("merge"),
        ) {
            Ok(v) => Some(v),
            Err(e) => return pf::fail(ctx, &e),
        }
    };
    let mut generated = vec![(Kind::Pod, name.clone(), pod_obj)];
    if expose {
        // `createService`: the user's own labels only, the pod's labels as the selector.
        let svc = GenService {
            name: name.clone(),
            namespace: pod.namespace.clone(),
            labels: explicit_labels.unwrap_or_default(),
            ports: vec![GenPort {
                name: String::new(),
                protocol: "TCP".into(),
                port: port.unwrap_or_default(),
                target_port: TargetPort::Int(port.unwrap_or_default()),
                node_port: 0,
            }],
            selector: pod.labels.clone(),
            ..GenService::default()
        };
        generated.push((Kind::Service, name.clone(), expose::service(&svc)));
    }
    let mut printed = Vec::new();
    // The overridden pod prints from its JSON (kubectl re-decodes it into a typed Pod, so a
    // JSON printout keeps Go's field order there; ours keeps the merged order).
    let overridden = |kind: Kind, obj: &generators::GoValue| match (&pod_value, kind) {
        (Some(v), Kind::Pod) => (v.clone(), None),
        _ => (obj.to_value(), Some(obj.to_go_json())),
    };
    if dry == DryRun::Client {
        for (kind, name, obj) in &generated {
            let (value, go_json) = overridden(*kind, obj);
            printed.push((*kind, name.clone(), value, go_json));
        }
        print_all(ctx, out, dry, &printed);
        return 0;
    }
    let ns = ctx.namespace(&parsed);
    let mut service_error = None;
    for (kind, name, obj) in generated {
        let mut value = overridden(kind, &obj).0;
        if parsed.is_set("save-config") {
            super::apply::set_last_applied(&mut value, kind, &ns);
        }
        let created = decode_object(value)
            .map_err(|e| format!("error: {e}"))
            .and_then(|o| {
                let api = ctx.cluster.api();
                api.create(o, &ns, dry == DryRun::Server)
                    .map_err(|e| api_error_text(&e))
            });
        match created {
            Ok(c) => printed.push((kind, name, c.to_value(), None)),
            // The pod's error ends the command; the service's is reported after the pod.
            Err(e) if kind == Kind::Pod => {
                ctx.err(format!("{e}\n"));
                return 1;
            }
            Err(e) => service_error = Some(e),
        }
    }
    if !attach {
        print_all(ctx, out, dry, &printed);
        if let Some(e) = service_error {
            ctx.err(format!("{e}\n"));
            return 1;
        }
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
        // Only a Service that was created is removed (a failed create is not in kubectl's
        // `createdObjects`).
        remove_service: (expose && service_error.is_none())
            .then(|| ObjectKey::new(Kind::Service, &ns, &name)),
        wait_for: ExitCondition::for_restart_policy(&restart, parsed.is_set("leave-stdin-open")),
        timeout_ms,
    };
    attach_to(ctx, &ObjectKey::new(Kind::Pod, &ns, &name), &streams, after)
}

/// `Merge` / `StrategicMerge` / `JSONPatch` of kubectl's `cmd/util/helpers.go`, chosen by
/// `--override-type` (`merge` by default): `Err` is the whole error line's text.
fn apply_overrides(pod: &Value, fragment: &str, kind: &str) -> Result<Value, String> {
    let patch: Option<Value> = serde_json::from_str(fragment).ok();
    match kind {
        "merge" => match patch {
            Some(p) => Ok(super::merge::merge_patch(pod, &p)),
            None => Err("Invalid JSON Patch".into()),
        },
        "strategic" => match patch {
            Some(p) => super::merge::strategic_merge_patch(pod, &p),
            None => Err(go_json_syntax_error(fragment)),
        },
        "json" => {
            let Some(p) = patch else {
                return Err(go_json_syntax_error(fragment));
            };
            match super::patch::json_patch(pod, &p) {
                Ok(Ok(v)) => Ok(v),
                Ok(Err(e)) => Err(e.0),
                Err(e) => Err(e),
            }
        }
        other => Err(format!("invalid override type: {other}")),
    }
}

/// The first of Go's `encoding/json` syntax errors for text that is not JSON, for the common
/// cases (nothing, or a first character no JSON value starts with).
fn go_json_syntax_error(text: &str) -> String {
    match text.trim_start().chars().next() {
        None => "unexpected end of JSON input".into(),
        Some(c) if !"{[\"-0123456789tfn".contains(c) => {
            format!("invalid character '{c}' looking for beginning of value")
        }
        Some(_) => "unexpected end of JSON input".into(),
    }
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

/// Prints what `kubectl run` created, one object after the other (`---` between YAML
/// documents, as kubectl's YAML printer separates a second object).
fn print_all(
    ctx: &mut Ctx,
    out: Output,
    dry: DryRun,
    objects: &[(Kind, String, Value, Option<String>)],
) {
    for (i, (kind, name, value, go_json)) in objects.iter().enumerate() {
        if i > 0 && out == Output::Yaml {
            ctx.out("---\n");
        }
        pf::print_result(
            ctx,
            &out,
            *kind,
            name,
            "created",
            dry,
            value,
            go_json.clone(),
        );
    }
}

/// `cmdutil.ParsePairs(..., "annotations", false)`: every `KEY=VALUE` (a key that is not
/// empty); the others are listed together in one error.
fn parse_annotations(pairs: &[String]) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let mut invalid = Vec::new();
    for pair in pairs {
        match pair.split_once('=') {
            Some((k, v)) if !k.is_empty() => {
                out.insert(k.to_string(), v.to_string());
            }
            _ => invalid.push(pair.as_str()),
        }
    }
    if invalid.is_empty() {
        Ok(out)
    } else {
        Err(format!(
            "invalid annotations format: {}",
            invalid.join(", ")
        ))
    }
}

/// `parseLabels` of `kubectl run`: `a=b,c=d`, or `None` for an empty flag (the pod then gets
/// `run=NAME`); values are the API server's to validate.
fn parse_labels(spec: &str) -> Result<Option<BTreeMap<String, String>>, String> {
    if spec.is_empty() {
        return Ok(None);
    }
    let mut out = BTreeMap::new();
    for pair in spec.split(',') {
        let parts: Vec<&str> = pair.split('=').collect();
        if parts.len() != 2 {
            return Err(format!("unexpected label spec: {pair}"));
        }
        if parts[0].is_empty() {
            return Err("unexpected empty label key".to_string());
        }
        out.insert(parts[0].to_string(), parts[1].to_string());
    }
    Ok(Some(out))
}

/// `parseEnvs`: `NAME=VALUE` with a valid variable name.
fn parse_envs(envs: &[String]) -> Result<Vec<(String, String)>, String> {
    envs.iter()
        .map(|e| match e.split_once('=') {
            Some((k, v)) if valid_env_name(k) => Ok((k.to_string(), v.to_string())),
            _ => Err(format!("invalid env: {e}")),
        })
        .collect()
}

/// `getRestartPolicy`: the flag defaults to `Always`; an empty one means `OnFailure` with
/// `-i` and `Always` without.
fn restart_policy(restart: &str, interactive: bool) -> Result<String, String> {
    match restart {
        "" if interactive => Ok("OnFailure".into()),
        "" => Ok("Always".into()),
        "Always" | "OnFailure" | "Never" => Ok(restart.into()),
        r => Err(format!(
            "invalid restart policy: {r}, valid values are: Always, OnFailure, Never"
        )),
    }
}

/// `getImagePullPolicy`: empty leaves the field to the API server's defaulting.
fn image_pull_policy(policy: &str) -> Result<Option<String>, String> {
    match policy {
        "" => Ok(None),
        "Always" | "IfNotPresent" | "Never" => Ok(Some(policy.into())),
        p => Err(format!(
            "invalid image pull policy: {p}, valid values are: Always, IfNotPresent, Never"
        )),
    }
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
