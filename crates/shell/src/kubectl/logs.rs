//! `kubectl logs POD [-c C] [--tail N] [-p] [-f] [--timestamps]`, and the container choice
//! `logs` and `exec` share (`-c`, the default-container annotation, else the first one with
//! `Defaulted container "a" out of: a, b`).

use super::errors::api_error_text;
use super::flags::{self, boolean, value, FlagSpec};
use super::kubelet_api;
use super::print_flags as pf;
use super::Ctx;
use kubarium_engine::api::Pod;
use kubarium_engine::{Kind, ObjectKey};

const FLAGS: &[FlagSpec] = &[
    value("container", Some('c')),
    value("tail", None),
    boolean("previous", Some('p')),
    boolean("follow", Some('f')),
    boolean("timestamps", None),
    value("since", None),
    value("since-time", None),
    boolean("all-containers", None),
    boolean("prefix", None),
    value("selector", Some('l')),
    value("limit-bytes", None),
    boolean("ignore-errors", None),
    value("max-log-requests", None),
    value("pod-running-timeout", None),
    boolean("insecure-skip-tls-verify-backend", None),
];

/// The annotation naming the container `logs`/`exec` use by default.
const DEFAULT_CONTAINER_ANNOTATION: &str = "kubectl.kubernetes.io/default-container";

/// Picks the container as `podcmd.FindOrDefaultContainerByName` does, printing the
/// "Defaulted container" notice to stderr when it had to choose.
pub fn choose_container(
    ctx: &mut Ctx,
    pod: &Pod,
    requested: Option<&str>,
    quiet: bool,
) -> Result<String, String> {
    let spec = pod.spec.clone().unwrap_or_default();
    let pod_name = pod.metadata.name.clone().unwrap_or_default();
    let all: Vec<String> = spec
        .containers
        .iter()
        .map(|c| c.name.clone())
        .chain(
            spec.init_containers
                .iter()
                .flatten()
                .map(|c| c.name.clone()),
        )
        .chain(
            spec.ephemeral_containers
                .iter()
                .flatten()
                .map(|c| c.name.clone()),
        )
        .collect();
    if let Some(name) = requested.filter(|n| !n.is_empty()) {
        if all.iter().any(|n| n == name) {
            return Ok(name.to_string());
        }
        return Err(format!(
            "error: container {name} is not valid for pod {pod_name}"
        ));
    }
    if let Some(d) = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(DEFAULT_CONTAINER_ANNOTATION))
    {
        if spec.containers.iter().any(|c| &c.name == d) {
            return Ok(d.clone());
        }
        if !quiet {
            ctx.err(format!(
                "Found invalid container name {d:?} in annotation {DEFAULT_CONTAINER_ANNOTATION}\n"
            ));
        }
    }
    let Some(first) = spec.containers.first() else {
        return Err(format!(
            "error: pod {pod_name} does not have any containers"
        ));
    };
    if all.len() > 1 && !quiet {
        let mut names: Vec<String> = spec.containers.iter().map(|c| c.name.clone()).collect();
        let inits = spec.init_containers.as_ref().map_or(0, Vec::len);
        let ephem = spec.ephemeral_containers.as_ref().map_or(0, Vec::len);
        let mut extra = String::new();
        if inits > 0 || ephem > 0 {
            let mut parts = Vec::new();
            if inits > 0 {
                parts.push(format!(
                    "{inits} init container{}",
                    if inits == 1 { "" } else { "s" }
                ));
            }
            if ephem > 0 {
                parts.push(format!(
                    "{ephem} ephemeral container{}",
                    if ephem == 1 { "" } else { "s" }
                ));
            }
            extra = format!(" ({})", parts.join(", "));
        }
        names.truncate(spec.containers.len());
        ctx.err(format!(
            "Defaulted container {:?} out of: {}{extra}\n",
            first.name,
            names.join(", ")
        ));
    }
    Ok(first.name.clone())
}

/// Reads a pod, or kubectl's NotFound error text.
pub fn get_pod(ctx: &Ctx, key: &ObjectKey) -> Result<Pod, String> {
    let obj = ctx
        .cluster
        .api_ref()
        .get(key)
        .map_err(|e| api_error_text(&e))?;
    obj.as_::<Pod>()
        .cloned()
        .ok_or_else(|| format!("error: {key} is not a pod"))
}

/// Why the API server refuses a container's log (a container that has not started yet).
fn waiting_error(pod: &Pod, container: &str) -> Option<String> {
    let pod_name = pod.metadata.name.clone().unwrap_or_default();
    let status = pod.status.as_ref()?;
    let statuses = status
        .container_statuses
        .iter()
        .flatten()
        .chain(status.init_container_statuses.iter().flatten())
        .find(|s| s.name == container);
    let Some(s) = statuses else {
        return Some(format!(
            "Error from server (BadRequest): container {container:?} in pod {pod_name:?} is waiting to start: ContainerCreating"
        ));
    };
    let waiting = s.state.as_ref()?.waiting.as_ref()?;
    if s.last_state
        .as_ref()
        .and_then(|l| l.terminated.as_ref())
        .is_some()
    {
        return None;
    }
    let reason = waiting
        .reason
        .clone()
        .unwrap_or_else(|| "ContainerCreating".into());
    let why = match reason.as_str() {
        "ErrImagePull" | "ImagePullBackOff" | "InvalidImageName" | "ErrImageNeverPull" => {
            "image can't be pulled".to_string()
        }
        other => other.to_string(),
    };
    Some(format!("Error from server (BadRequest): container {container:?} in pod {pod_name:?} is waiting to start: {why}"))
}

/// The whole log of a container as `kubectl logs` prints it (used by `run -i`).
pub fn container_log(ctx: &Ctx, key: &ObjectKey, container: &str) -> Result<String, String> {
    let lines = kubelet_api::logs(ctx.cluster, key, container, false)?;
    Ok(lines.iter().map(|l| format!("{}\n", l.text)).collect())
}

/// `deployments.apps`, `pods`: a resource as API errors name it.
fn group_plural(kind: Kind) -> String {
    let i = kind.info();
    if i.group.is_empty() {
        i.plural.to_string()
    } else {
        format!("{}.{}", i.plural, i.group)
    }
}

/// The pod `kubectl logs TYPE/NAME` reads: the first of the workload's (or Service's) pods in
/// kubectl's order, with kubectl's note on stderr when there are several.
fn pod_of_workload(ctx: &mut Ctx, ns: &str, kind: Kind, name: &str) -> Result<String, String> {
    let key = ObjectKey::new(kind, ns, name);
    let Some(obj) = ctx.cluster.api_ref().store().get(&key).cloned() else {
        return Err(format!(
            "Error from server (NotFound): {} {name:?} not found",
            group_plural(kind)
        ));
    };
    let selector = super::attachable::selector_for_object(&obj).map_err(|e| {
        format!(
            "error: cannot get the logs from {}: {e}",
            super::attachable::go_type(kind)
        )
    })?;
    let pods = super::attachable::pods_by_logging(ctx, ns, &selector);
    let Some(first) = pods.first() else {
        return Err("error: timed out waiting for the condition".to_string());
    };
    let pod = first.metadata.name.clone().unwrap_or_default();
    if pods.len() > 1 {
        ctx.err(format!("Found {} pods, using pod/{pod}\n", pods.len()));
    }
    Ok(pod)
}

/// `kubectl logs ...`.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let parsed = match flags::parse(argv, FLAGS) {
        Ok(p) => p,
        Err(e) => return pf::flag_error(ctx, "logs", &e),
    };
    let ns = ctx.namespace(&parsed);
    let (pod_arg, container_arg) = match parsed.args.as_slice() {
        [] => return pf::usage_error(ctx, "logs", "expected POD_NAME or TYPE/NAME argument"),
        [p] => (p.clone(), None),
        [p, c] => (p.clone(), Some(c.clone())),
        _ => return pf::usage_error(ctx, "logs", "expected at most 2 arguments"),
    };
    let pod_name = match pod_arg.split_once('/') {
        None => pod_arg.clone(),
        Some((t, n)) => match super::resolve_kind(t) {
            Ok(Kind::Pod) => n.to_string(),
            Ok(k) => match pod_of_workload(ctx, &ns, k, n) {
                Ok(pod) => pod,
                Err(e) => {
                    ctx.err(format!("{e}\n"));
                    return 1;
                }
            },
            Err(e) => return pf::fail(ctx, &e),
        },
    };
    let key = ObjectKey::new(Kind::Pod, &ns, &pod_name);
    let pod = match get_pod(ctx, &key) {
        Ok(p) => p,
        Err(e) => {
            ctx.err(format!("{e}\n"));
            return 1;
        }
    };
    let requested = parsed
        .get("container")
        .map(str::to_string)
        .or(container_arg);
    let containers: Vec<String> = if parsed.is_set("all-containers") {
        pod.spec
            .iter()
            .flat_map(|s| s.containers.iter().map(|c| c.name.clone()))
            .collect()
    } else {
        match choose_container(ctx, &pod, requested.as_deref(), false) {
            Ok(c) => vec![c],
            Err(e) => {
                ctx.err(format!("{e}\n"));
                return 1;
            }
        }
    };
    let tail = match parsed.get("tail").map(str::parse::<i64>) {
        None => -1,
        Some(Ok(n)) => n,
        Some(Err(_)) => return pf::flag_error(ctx, "logs", "invalid argument for \"--tail\" flag"),
    };
    let previous = parsed.is_set("previous");
    let prefix = parsed.is_set("prefix");
    for c in &containers {
        let path = format!("containerLogs/{}/{}/{c}", key.namespace, key.name);
        if let Some(e) = kubelet_api::backend_error(ctx.cluster, &key, &path, false) {
            ctx.err(format!("{e}\n"));
            return 1;
        }
        if !previous {
            if let Some(e) = waiting_error(&pod, c) {
                ctx.err(format!("{e}\n"));
                return 1;
            }
        }
        let lines = match kubelet_api::logs(ctx.cluster, &key, c, previous) {
            Ok(l) => l,
            Err(e) if previous => {
                let _ = e;
                ctx.err(format!(
                    "Error from server (BadRequest): previous terminated container {c:?} in pod {pod_name:?} not found\n"
                ));
                return 1;
            }
            Err(e) => return pf::fail(ctx, &e),
        };
        let start = if tail >= 0 {
            lines.len().saturating_sub(tail as usize)
        } else {
            0
        };
        for l in &lines[start..] {
            let mut line = String::new();
            if prefix {
                line.push_str(&format!("[pod/{pod_name}/{c}] "));
            }
            if parsed.is_set("timestamps") {
                line.push_str(&rfc3339_nano(l.unix_ms));
                line.push(' ');
            }
            line.push_str(&l.text);
            line.push('\n');
            ctx.out(line);
        }
    }
    0
}

/// `2024-05-01T12:00:00.123000000Z`, as the kubelet stamps log lines.
pub fn rfc3339_nano(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:09}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        (unix_ms % 1000) * 1_000_000
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn timestamps() {
        assert_eq!(rfc3339_nano(0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(
            rfc3339_nano(1_714_564_800_123),
            "2024-05-01T12:00:00.123000000Z"
        );
    }
}
