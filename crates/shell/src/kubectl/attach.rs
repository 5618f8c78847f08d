//! `kubectl attach POD -i -t` and the attach step of `kubectl run -i`: the terminal's input
//! goes to the container's main process. When that process is a shell reading the
//! container's stdin (`stdin: true` and a bare `sh`/`bash` as its command: centos's
//! `/bin/bash`, busybox's `sh`), the terminal attaches to it as `kubectl exec -it` does
//! (the Session feeds it the next lines); its `exit` ends the container's main process, and
//! the kubelet applies the restart policy. Other processes are not interactive here: their
//! output is what the attach shows.

use super::errors::api_error_text;
use super::flags::{self, boolean, value, FlagSpec};
use super::print_flags as pf;
use super::{kubelet_api, Ctx};
use crate::bash::{CommandIo, Vfs};
use crate::commands::{AttachTarget, Terminal};
use crate::output::Output;
use k8s_openapi::api::core::v1::Container;
use kubarium_engine::api::Pod;
use kubarium_engine::apiserver::DeleteOptions;
use kubarium_engine::kubelet::images::{self, ImageRef};
use kubarium_engine::{Cluster, Kind, ObjectKey};
use std::collections::BTreeMap;

/// `--pod-running-timeout`'s default for `kubectl attach` and `kubectl run`.
pub const DEFAULT_POD_RUNNING_TIMEOUT_MS: u64 = 60_000;

/// The annotation naming the container kubectl picks when none is given.
const DEFAULT_CONTAINER_ANNOTATION: &str = "kubectl.kubernetes.io/default-container";

/// How often kubectl's waits look at the pod again, in simulated milliseconds.
const POLL_MS: u64 = 500;

/// The terminal is attached to the container's main process (not a shell `kubectl exec`
/// started): what kubectl does when that session ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MainAttach {
    /// The terminal is a TTY and the container has one: kubectl put the terminal in raw
    /// mode and prints how to attach again when the session ends.
    pub raw: bool,
    /// `-q`: no prompt messages.
    pub quiet: bool,
    /// Set by `kubectl run`: what it does after the session.
    pub run: Option<RunAfter>,
}

/// What `kubectl run -i` does once its attach ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunAfter {
    /// `--rm`: delete the pod.
    pub remove: bool,
    /// `--rm --expose`: the Service `kubectl run` created too, deleted after the pod
    /// (`removeCreatedObjects` deletes every object the command created, in order).
    pub remove_service: Option<ObjectKey>,
    /// `--restart=Never` / `OnFailure` (without `--leave-stdin-open`): wait for the pod to
    /// finish and return its container's exit code.
    pub wait_for: Option<ExitCondition>,
    /// `--pod-running-timeout`.
    pub timeout_ms: u64,
}

/// The pod phase `kubectl run` waits for after the attach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCondition {
    /// `--restart=Never`: Succeeded or Failed.
    Completed,
    /// `--restart=OnFailure`: Succeeded (a failed container restarts).
    Succeeded,
}

impl ExitCondition {
    /// The condition for a restart policy, when kubectl waits for one.
    pub fn for_restart_policy(policy: &str, leave_stdin_open: bool) -> Option<ExitCondition> {
        match policy {
            _ if leave_stdin_open => None,
            "Never" => Some(ExitCondition::Completed),
            "OnFailure" => Some(ExitCondition::Succeeded),
            _ => None,
        }
    }
}

/// The stream options of one attach (`-i`, `-t`, `-q`).
#[derive(Clone, Copy)]
pub struct Streams {
    pub stdin: bool,
    pub tty: bool,
    pub quiet: bool,
    /// `kubectl run` waiting for the exit code of a process that is not an interactive
    /// shell: the attach shows its output until it ends (at most this long), after the
    /// given number of log lines already shown before the attach.
    pub follow: Option<(u64, usize)>,
}

const FLAGS: &[FlagSpec] = &[
    value("container", Some('c')),
    boolean("stdin", Some('i')),
    boolean("tty", Some('t')),
    boolean("quiet", Some('q')),
    value("pod-running-timeout", None),
    value("detach-keys", None),
];

/// `kubectl attach (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t]`.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let parsed = match flags::parse(argv, FLAGS) {
        Ok(p) => p,
        Err(e) => return pf::flag_error(ctx, "attach", &e),
    };
    if let Err(e) = pod_running_timeout_ms(&parsed) {
        return e.report(ctx, "attach");
    }
    let resources = &parsed.args;
    if resources.is_empty() {
        return pf::fail(ctx, "at least 1 argument is required for attach");
    }
    if resources.len() > 2 {
        return pf::fail(
            ctx,
            &format!(
                "expected POD, TYPE/NAME, or TYPE NAME, (at most 2 arguments) saw {}: [{}]",
                resources.len(),
                resources.join(" ")
            ),
        );
    }
    let (kind, name) = match resources.as_slice() {
        [one] => match one.split_once('/') {
            None => (Ok(Kind::Pod), one.clone()),
            Some((t, n)) => (super::resolve_kind(t), n.to_string()),
        },
        [t, n] => (super::resolve_kind(t), n.clone()),
        _ => unreachable!("one or two resources"),
    };
    let kind = match kind {
        Ok(k) => k,
        Err(e) => return pf::fail(ctx, &e),
    };
    let ns = ctx.namespace(&parsed);
    let key = ObjectKey::new(kind, &ns, &name);
    let obj = match ctx.cluster.api_ref().get(&key) {
        Ok(o) => o,
        Err(e) => {
            ctx.err(format!("{}\n", api_error_text(&e)));
            return 1;
        }
    };
    let pod = match obj.as_::<Pod>() {
        Some(p) => p.clone(),
        None => match attachable_pod(ctx, &ns, &obj, &parsed) {
            Ok(p) => p,
            Err(e) => return pf::fail(ctx, &e),
        },
    };
    let key = ObjectKey::new(
        Kind::Pod,
        &ns,
        pod.metadata.name.as_deref().unwrap_or_default(),
    );
    let phase = pod_phase(&pod);
    if phase == "Succeeded" || phase == "Failed" {
        return pf::fail(
            ctx,
            &format!("cannot attach a container in a completed pod; current phase is {phase}"),
        );
    }
    let streams = Streams {
        stdin: parsed.is_set("stdin"),
        tty: parsed.is_set("tty"),
        quiet: parsed.is_set("quiet"),
        follow: None,
    };
    attach_running(ctx, &pod, &key, parsed.get("container"), &streams, None)
}

/// `attachablePodForObject`: the pod of a workload or Service that `kubectl attach
/// TYPE/NAME` attaches to: the first of its selector's pods, most active first (running,
/// ready, older; kubectl sorts them by `ActivePods` reversed), waiting up to
/// `--pod-running-timeout` for one to exist. No message names the pod.
fn attachable_pod(
    ctx: &mut Ctx,
    ns: &str,
    obj: &kubarium_engine::Object,
    parsed: &flags::Parsed,
) -> Result<Pod, String> {
    let selector = super::attachable::selector_for_object(obj).map_err(|e| {
        format!(
            "cannot attach to {}: {e}",
            super::attachable::go_type(obj.kind())
        )
    })?;
    let timeout_ms = pod_running_timeout_ms(parsed).unwrap_or(DEFAULT_POD_RUNNING_TIMEOUT_MS);
    let deadline = ctx.cluster.now().ms() + timeout_ms;
    loop {
        if let Some(pod) = super::attachable::pods_by_logging(ctx, ns, &selector)
            .into_iter()
            .next()
        {
            return Ok(pod);
        }
        if ctx.cluster.now().ms() >= deadline {
            return Err("timed out waiting for the condition".into());
        }
        ctx.cluster.advance(POLL_MS);
    }
}

/// Why `--pod-running-timeout` was refused.
pub enum TimeoutError {
    /// Not a Go duration (pflag's parse error).
    Invalid(String),
    /// Zero or less (`GetPodRunningTimeoutFlag`).
    NotPositive,
}

impl TimeoutError {
    /// Prints the error the way `command` reports it and returns status 1.
    pub fn report(&self, ctx: &mut Ctx, command: &str) -> i32 {
        const MSG: &str = "--pod-running-timeout must be higher than zero";
        match self {
            TimeoutError::Invalid(v) => pf::flag_error(
                ctx,
                command,
                &format!(
                    "invalid argument {v:?} for \"--pod-running-timeout\" flag: time: invalid duration {v:?}"
                ),
            ),
            // `kubectl attach` wraps it in a usage error, `kubectl run` does not.
            TimeoutError::NotPositive if command == "attach" => pf::usage_error(ctx, command, MSG),
            TimeoutError::NotPositive => pf::fail(ctx, MSG),
        }
    }
}

/// `--pod-running-timeout` in milliseconds (default one minute).
pub fn pod_running_timeout_ms(parsed: &flags::Parsed) -> Result<u64, TimeoutError> {
    let Some(v) = parsed.get("pod-running-timeout") else {
        return Ok(DEFAULT_POD_RUNNING_TIMEOUT_MS);
    };
    match super::rollout::parse_go_duration_ms(v) {
        Some(0) => Err(TimeoutError::NotPositive),
        Some(ms) => Ok(ms),
        None => Err(TimeoutError::Invalid(v.to_string())),
    }
}

/// The phase of a pod as its status reports it (`Pending` before the kubelet wrote one).
pub fn pod_phase(pod: &Pod) -> String {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.clone())
        .unwrap_or_else(|| "Pending".into())
}

/// `podcmd.FindOrDefaultContainerByName`: the named container, the annotated default, or the
/// first (with a note on stderr when the pod has more).
fn container_to_attach<'p>(
    ctx: &mut Ctx,
    pod: &'p Pod,
    requested: Option<&str>,
    quiet: bool,
) -> Result<&'p Container, String> {
    let spec = pod.spec.as_ref();
    let containers = spec.map(|s| s.containers.as_slice()).unwrap_or_default();
    let pod_name = pod.metadata.name.as_deref().unwrap_or("");
    let Some(first) = containers.first() else {
        return Err(format!(
            "pod {}/{pod_name} does not have any containers",
            pod.metadata.namespace.as_deref().unwrap_or("")
        ));
    };
    let name = requested.filter(|n| !n.is_empty()).or_else(|| {
        pod.metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(DEFAULT_CONTAINER_ANNOTATION))
            .map(String::as_str)
    });
    let inits = spec
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or_default();
    let ephemeral = spec
        .and_then(|s| s.ephemeral_containers.as_deref())
        .unwrap_or_default();
    let all_names = || {
        containers
            .iter()
            .map(|c| c.name.clone())
            .chain(ephemeral.iter().map(|c| format!("{} (ephem)", c.name)))
            .chain(inits.iter().map(|c| format!("{} (init)", c.name)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(name) = name {
        // Ephemeral containers are not attachable here (they are not run by Kubarium).
        return containers
            .iter()
            .chain(inits.iter())
            .find(|c| c.name == name)
            .ok_or_else(|| {
                format!(
                    "container {name} is not valid for pod {pod_name} out of: {}",
                    all_names()
                )
            });
    }
    if !quiet && (containers.len() > 1 || !inits.is_empty() || !ephemeral.is_empty()) {
        ctx.err(format!(
            "Defaulted container {:?} out of: {}\n",
            first.name,
            all_names()
        ));
    }
    Ok(first)
}

/// The shell a container's main process is when it reads the container's stdin: the
/// container has `stdin: true` and its whole command line is a shell without a script
/// (the image's default command, e.g. centos's `/bin/bash` or busybox's `sh`, or `-- sh`).
pub fn stdin_shell(c: &Container) -> Option<String> {
    if !c.stdin.unwrap_or(false) {
        return None;
    }
    let argv: Vec<String> = match (&c.command, &c.args) {
        (Some(cmd), args) => [cmd.clone(), args.clone().unwrap_or_default()].concat(),
        (None, args) => {
            let image = ImageRef::parse(c.image.as_deref()?).ok()?;
            let resolved = images::resolve(&image).ok()?;
            match args {
                Some(a) => [resolved.entrypoint, a.clone()].concat(),
                None => [resolved.entrypoint, resolved.cmd].concat(),
            }
        }
    };
    let (shell, flags) = argv.split_first()?;
    // `bash -l`, `sh -i`: still reads stdin; `sh -c SCRIPT` or `sh FILE` runs a script.
    let reads_stdin = flags
        .iter()
        .all(|f| f.starts_with('-') && f.len() >= 2 && !f.ends_with('c'));
    (super::exec::is_shell(shell) && reads_stdin).then(|| shell.clone())
}

/// `AttachOptions.Run` for a pod that is not complete: picks the container, settles the TTY,
/// prints kubectl's notes and hands the terminal to the container's shell, or (a process
/// that is not a shell reading stdin) ends the session at once. `run` is set by
/// `kubectl run`, which continues after the session.
pub fn attach_running(
    ctx: &mut Ctx,
    pod: &Pod,
    key: &ObjectKey,
    container: Option<&str>,
    streams: &Streams,
    run: Option<RunAfter>,
) -> i32 {
    let c = match container_to_attach(ctx, pod, container, streams.quiet) {
        Ok(c) => c,
        Err(e) => return pf::fail(ctx, &format!("cannot attach to the container: {e}")),
    };
    let container_tty = c.tty.unwrap_or(false);
    let mut tty = streams.tty;
    if tty && !container_tty {
        tty = false;
        if !streams.quiet {
            ctx.err(format!(
                "error: Unable to use a TTY - container {} did not allocate one\n",
                c.name
            ));
        }
    } else if !tty && container_tty {
        // kubectl forces a TTY for a container started with one.
        tty = true;
    }
    let mut raw = false;
    if streams.stdin && tty {
        if ctx.term.tty {
            raw = true;
        } else if !streams.quiet {
            ctx.err("Unable to use a TTY - input is not a terminal or the right kind of file\n");
        }
    }
    if !streams.quiet {
        ctx.err("All commands and output from this session will be recorded in container logs, including credentials and sensitive information passed through the command prompt.\n");
        ctx.err("If you don't see a command prompt, try pressing enter.\n");
    }
    if let Some(e) = kubelet_api::backend_error(ctx.cluster, key, "", true) {
        ctx.err(format!("{e}\n"));
        return 1;
    }
    if !kubelet_api::is_running(ctx.cluster, key, &c.name) {
        return pf::fail(
            ctx,
            &format!(
                "unable to upgrade connection: container not found ({:?})",
                c.name
            ),
        );
    }
    let main = MainAttach {
        raw: raw && streams.stdin,
        quiet: streams.quiet,
        run,
    };
    match stdin_shell(c).filter(|_| streams.stdin) {
        Some(shell) => {
            ctx.term.attach = Some(AttachTarget {
                pod: key.clone(),
                container: c.name.clone(),
                shell,
                main: Some(main),
            });
            0
        }
        // Without stdin (or with a process that is not a shell) the session only shows the
        // process's output; Kubarium shows it at once and ends the session.
        None => {
            let container = c.name.clone();
            if let Some((timeout_ms, shown)) = streams.follow {
                follow_output(ctx, key, &container, timeout_ms, shown);
            }
            let mut out = Output::new();
            let status = session_ended(ctx.cluster, key, &container, &main, &mut out);
            ctx.io.out.extend(out);
            status
        }
    }
}

/// Lets time pass until the container's process no longer runs (at most `timeout_ms`), then
/// prints what it logged after the first `shown` lines.
fn follow_output(ctx: &mut Ctx, key: &ObjectKey, container: &str, timeout_ms: u64, shown: usize) {
    let mut waited = 0;
    while kubelet_api::is_running(ctx.cluster, key, container) && waited < timeout_ms {
        ctx.cluster.advance(POLL_MS);
        waited += POLL_MS;
    }
    if let Ok(lines) = kubelet_api::logs(ctx.cluster, key, container, false) {
        let rest: String = lines
            .iter()
            .skip(shown)
            .map(|l| format!("{}\n", l.text))
            .collect();
        ctx.out(rest);
    }
}

/// Ends the container's main process with `code` (its attached shell exited) and lets the
/// kubelet see it.
pub fn end_main_process(cluster: &mut Cluster, pod: &ObjectKey, container: &str, code: i32) {
    if let Some((kubelet, api)) = cluster.kubelet_for_pod(pod) {
        let now = api.now();
        kubelet.end_main_process(pod, container, now, code);
    }
    cluster.settle();
}

/// What kubectl prints once an attach session ended: how to attach again (on a raw
/// terminal), then for `kubectl run` the wait for the pod's exit code and `--rm`'s delete.
/// Returns kubectl's exit status.
pub fn session_ended(
    cluster: &mut Cluster,
    pod: &ObjectKey,
    container: &str,
    main: &MainAttach,
    out: &mut Output,
) -> i32 {
    if main.raw && !main.quiet {
        out.stdout(format!(
            "Session ended, resume using 'kubectl attach {} -c {container} -n {} -i -t' command\n",
            pod.name, pod.namespace
        ));
    }
    match &main.run {
        Some(after) => with_ctx(cluster, out, |ctx| {
            after_run(ctx, pod, after, main.quiet, None)
        }),
        None => 0,
    }
}

/// Runs `f` with a kubectl context outside any command line (the session ended between
/// commands): no input, a scratch filesystem.
fn with_ctx<T>(cluster: &mut Cluster, out: &mut Output, f: impl FnOnce(&mut Ctx) -> T) -> T {
    let mut vfs = Vfs::new();
    let env = BTreeMap::new();
    let mut io = CommandIo {
        stdin: "",
        out,
        vfs: &mut vfs,
        cwd: "/",
        env: &env,
    };
    let mut term = Terminal::default();
    let mut ctx = Ctx {
        cluster,
        io: &mut io,
        term: &mut term,
    };
    f(&mut ctx)
}

/// The rest of `kubectl run -i` after its attach (or after `wait_error`, the error that ended
/// the wait for the pod to run): waits for the exit code, deletes the pod with `--rm`
/// (kubectl's deferred delete: after the wait, before the error is printed), prints the
/// error and returns the status.
pub fn after_run(
    ctx: &mut Ctx,
    key: &ObjectKey,
    after: &RunAfter,
    quiet: bool,
    wait_error: Option<String>,
) -> i32 {
    let result = match (wait_error, after.wait_for) {
        (Some(e), _) => Err((e, 1)),
        (None, None) => Ok(()),
        (None, Some(cond)) => wait_for_exit(ctx, key, cond, after.timeout_ms),
    };
    if after.remove {
        remove_pod(ctx, key, quiet);
        if let Some(svc) = &after.remove_service {
            remove_created(ctx, svc, quiet);
        }
    }
    match result {
        Ok(()) => 0,
        Err((msg, code)) => {
            ctx.err(msg);
            code
        }
    }
}

/// `waitForPod` with `podCompleted`/`podSucceeded`, then the exit code of the pod's container:
/// `Err((stderr text, status))` for a failed pod or a timeout.
fn wait_for_exit(
    ctx: &mut Ctx,
    key: &ObjectKey,
    cond: ExitCondition,
    timeout_ms: u64,
) -> Result<(), (String, i32)> {
    let pod = wait_for_pod(ctx, key, timeout_ms, |p| {
        let phase = pod_phase(p);
        match cond {
            ExitCondition::Completed => phase == "Succeeded" || phase == "Failed",
            ExitCondition::Succeeded => phase == "Succeeded",
        }
    })
    .map_err(|e| (e, 1))?;
    if pod_phase(&pod) == "Succeeded" {
        return Ok(());
    }
    let ns = pod.metadata.namespace.as_deref().unwrap_or("");
    let name = pod.metadata.name.as_deref().unwrap_or("");
    let unknown = format!("error: pod {ns}/{name} failed with unknown exit code\n");
    let terminated = pod
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|cs| cs.first())
        .and_then(|c| c.state.as_ref())
        .and_then(|s| s.terminated.clone());
    match terminated {
        Some(t) if t.exit_code != 0 => Err((
            format!(
                "pod {ns}/{name} terminated ({})\n{}",
                t.reason.unwrap_or_default(),
                t.message.unwrap_or_default()
            ),
            t.exit_code,
        )),
        _ => Err((unknown, 1)),
    }
}

/// `waitForPod`: lets time pass until `done` holds for the pod, at most `timeout_ms`, or
/// kubectl's timeout error text.
pub fn wait_for_pod(
    ctx: &mut Ctx,
    key: &ObjectKey,
    timeout_ms: u64,
    done: impl Fn(&Pod) -> bool,
) -> Result<Pod, String> {
    let mut waited = 0;
    loop {
        let pod = ctx.cluster.api_ref().get(key).ok();
        if let Some(p) = pod.as_ref().and_then(|o| o.as_::<Pod>()) {
            if done(p) {
                return Ok(p.clone());
            }
        }
        if waited >= timeout_ms {
            return Err("error: timed out waiting for the condition\n".into());
        }
        ctx.cluster.advance(POLL_MS);
        waited += POLL_MS;
    }
}

/// `kubectl run --rm`'s delete: the pod's own grace period, background cascade, a missing pod
/// ignored ("No resources found"), no wait for it to be gone.
fn remove_pod(ctx: &mut Ctx, key: &ObjectKey, quiet: bool) {
    remove_created(ctx, key, quiet)
}

/// One object `kubectl run` created, deleted as `remove_pod` describes; the line names the
/// lowercase kind (`pod "x" deleted ...`, `service "x" deleted ...`).
fn remove_created(ctx: &mut Ctx, key: &ObjectKey, quiet: bool) {
    let opts = DeleteOptions {
        grace_period_seconds: None,
        propagation_policy: None,
    };
    match ctx.cluster.api().delete(key, &opts, false) {
        Ok(_) => {
            ctx.cluster.settle();
            if !quiet {
                ctx.out(format!(
                    "{} {:?} deleted from {} namespace\n",
                    key.kind.name().to_ascii_lowercase(),
                    key.name,
                    key.namespace
                ));
            }
        }
        Err(e) if e.reason == kubarium_engine::apiserver::StatusReason::NotFound => {
            ctx.out("No resources found\n");
        }
        Err(e) => ctx.err(format!("{}\n", api_error_text(&e))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(json: serde_json::Value) -> Container {
        serde_json::from_value(json).expect("container")
    }

    #[test]
    fn a_bare_shell_with_stdin_reads_the_terminal() {
        let centos =
            container(serde_json::json!({"name": "f", "image": "centos:7", "stdin": true}));
        assert_eq!(stdin_shell(&centos).as_deref(), Some("/bin/bash"));
        let busybox =
            container(serde_json::json!({"name": "b", "image": "busybox", "stdin": true}));
        assert_eq!(stdin_shell(&busybox).as_deref(), Some("sh"));
        let login = container(
            serde_json::json!({"name": "b", "image": "busybox", "stdin": true, "args": ["bash", "-l"]}),
        );
        assert_eq!(stdin_shell(&login).as_deref(), Some("bash"));
    }

    #[test]
    fn scripts_servers_and_closed_stdin_do_not() {
        let no_stdin = container(serde_json::json!({"name": "f", "image": "centos:7"}));
        assert_eq!(stdin_shell(&no_stdin), None);
        let script = container(serde_json::json!({
            "name": "b", "image": "busybox", "stdin": true, "args": ["sh", "-c", "echo hi"]
        }));
        assert_eq!(stdin_shell(&script), None);
        let nginx = container(serde_json::json!({"name": "n", "image": "nginx", "stdin": true}));
        assert_eq!(stdin_shell(&nginx), None);
        let sleeper = container(serde_json::json!({
            "name": "s", "image": "busybox", "stdin": true, "command": ["sleep", "3600"]
        }));
        assert_eq!(stdin_shell(&sleeper), None);
    }

    #[test]
    fn only_never_and_on_failure_wait_for_the_exit_code() {
        assert_eq!(
            ExitCondition::for_restart_policy("Never", false),
            Some(ExitCondition::Completed)
        );
        assert_eq!(
            ExitCondition::for_restart_policy("OnFailure", false),
            Some(ExitCondition::Succeeded)
        );
        assert_eq!(ExitCondition::for_restart_policy("Always", false), None);
        assert_eq!(ExitCondition::for_restart_policy("Never", true), None);
    }
}
