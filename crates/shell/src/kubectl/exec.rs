//! `kubectl exec [-it] POD [-c C] -- CMD ARGS...`: runs the command with the terminal's bash
//! against a copy of the container's files, then writes the files back, so
//! `echo hi > /usr/share/nginx/html/index.html` changes what nginx serves.

use super::flags::{self, boolean, value, FlagSpec};
use super::kubelet_api::{self, Files};
use super::print_flags as pf;
use super::Ctx;
use crate::bash::{Bash, CommandIo, Host, Vfs};
use kubarium_engine::api::Pod;
use kubarium_engine::kubelet::{config_env, images};
use kubarium_engine::{Cluster, Kind, ObjectKey};
use std::collections::BTreeMap;

const FLAGS: &[FlagSpec] = &[
    value("container", Some('c')),
    boolean("stdin", Some('i')),
    boolean("tty", Some('t')),
    boolean("quiet", Some('q')),
    value("filename", Some('f')),
    value("pod-running-timeout", None),
];

/// The machine a command inside a container sees: the pod's hostname, the cluster's clock.
pub struct ContainerHost<'a> {
    pub cluster: &'a mut Cluster,
    pub hostname: String,
    /// The pod and container the commands run in.
    pub pod: ObjectKey,
    pub container: String,
}

impl Host for ContainerHost<'_> {
    fn exec(&mut self, argv: &[String], io: &mut CommandIo<'_>) -> Option<i32> {
        let name = argv.first()?;
        if !kubelet_api::image_has_command(self.cluster, &self.pod, &self.container, name) {
            return None;
        }
        match name.rsplit('/').next().unwrap_or(name) {
            "curl" => {
                let origin = kubarium_engine::network::request::Origin::Pod(self.pod.clone());
                let (vfs, cwd) = (&mut *io.vfs, io.cwd);
                let mut write = |path: &str, text: &str| {
                    let abs = vfs.resolve(cwd, path);
                    vfs.write(&abs, text).map_err(|e| e.to_string())
                };
                Some(crate::tools::curl::run(
                    self.cluster,
                    &origin,
                    &argv[1..],
                    io.out,
                    &mut write,
                ))
            }
            "wget" => {
                let origin = kubarium_engine::network::request::Origin::Pod(self.pod.clone());
                let (vfs, cwd) = (&mut *io.vfs, io.cwd);
                let mut write = |path: &str, text: &str| {
                    let abs = vfs.resolve(cwd, path);
                    vfs.write(&abs, text).map_err(|e| e.to_string())
                };
                Some(crate::tools::wget::run(
                    self.cluster,
                    &origin,
                    &argv[1..],
                    io.out,
                    &mut write,
                ))
            }
            "ping" => {
                let origin = kubarium_engine::network::request::Origin::Pod(self.pod.clone());
                let base = kubelet_api::image_base(self.cluster, &self.pod, &self.container);
                let flavor = match base.as_deref() {
                    Some("busybox") | Some("alpine") => crate::tools::ping::Flavor::Busybox,
                    _ => crate::tools::ping::Flavor::Iputils,
                };
                Some(crate::tools::ping::run(
                    self.cluster,
                    &origin,
                    flavor,
                    &argv[1..],
                    io.out,
                ))
            }
            "nginx-ingress-controller" => {
                let env = kubelet_api::container_env(self.cluster, &self.pod, &self.container)
                    .ok()?
                    .into_iter()
                    .collect();
                let (status, out) =
                    kubarium_engine::network::ingress::release::exec(&env, &argv[1..])?;
                io.out.stdout(&out);
                Some(status)
            }
            "nslookup" | "dig" | "host" => {
                let out = kubarium_engine::kubelet::dns_tools::run(
                    self.cluster,
                    &self.pod,
                    &self.container,
                    argv,
                )?;
                io.out.stdout(&out.stdout);
                io.out.stderr(&out.stderr);
                if out.elapsed_ms > 0 {
                    self.cluster.advance(out.elapsed_ms);
                }
                Some(out.status)
            }
            _ => None,
        }
    }
    fn sleep(&mut self, ms: u64) {
        self.cluster.advance(ms);
    }
    fn now_unix_ms(&self) -> u64 {
        self.cluster.now_unix_ms()
    }
    fn hostname(&self) -> String {
        self.hostname.clone()
    }
}

/// `kubectl exec ...`.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let parsed = match flags::parse(argv, FLAGS) {
        Ok(p) => p,
        Err(e) => return pf::flag_error(ctx, "exec", &e),
    };
    let Some(command) = parsed.after_dash.clone() else {
        if parsed.args.len() > 1 {
            return pf::usage_error(ctx, "exec", "exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead");
        }
        if parsed.args.is_empty() {
            return pf::usage_error(
                ctx,
                "exec",
                "pod, type/name or --filename must be specified",
            );
        }
        return pf::fail(
            ctx,
            "you must specify at least one command for the container",
        );
    };
    let Some(target) = parsed.args.first().cloned() else {
        return pf::usage_error(
            ctx,
            "exec",
            "pod, type/name or --filename must be specified",
        );
    };
    if command.is_empty() {
        return pf::fail(
            ctx,
            "you must specify at least one command for the container",
        );
    }
    let ns = ctx.namespace(&parsed);
    let pod_name = match target.split_once('/') {
        None => target.clone(),
        Some((t, n)) => match super::resolve_kind(t) {
            Ok(Kind::Pod) => n.to_string(),
            Ok(k) => {
                return pf::fail(
                    ctx,
                    &format!("cannot attach to {}: not implemented", k.info().plural),
                )
            }
            Err(e) => return pf::fail(ctx, &e),
        },
    };
    let key = ObjectKey::new(Kind::Pod, &ns, &pod_name);
    let pod = match super::logs::get_pod(ctx, &key) {
        Ok(p) => p,
        Err(e) => {
            ctx.err(format!("{e}\n"));
            return 1;
        }
    };
    let phase = pod
        .status
        .as_ref()
        .and_then(|s| s.phase.clone())
        .unwrap_or_else(|| "Pending".into());
    if phase == "Succeeded" || phase == "Failed" {
        return pf::fail(
            ctx,
            &format!("cannot exec into a container in a completed pod; current phase is {phase}"),
        );
    }
    let quiet = parsed.is_set("quiet");
    let container = match super::logs::choose_container(ctx, &pod, parsed.get("container"), quiet) {
        Ok(c) => c,
        Err(e) => {
            ctx.err(format!("{e}\n"));
            return 1;
        }
    };
    let running = pod
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.name == container))
        .and_then(|c| c.state.as_ref())
        .is_some_and(|s| s.running.is_some());
    if !running {
        return pf::fail(
            ctx,
            &format!("unable to upgrade connection: container not found ({container:?})"),
        );
    }
    if parsed.is_set("tty") && parsed.is_set("stdin") && !quiet && !ctx.term.tty {
        ctx.err("Unable to use a TTY - input is not a terminal or the right kind of file\n");
    }
    if let Some(e) = kubelet_api::backend_error(ctx.cluster, &key, "", true) {
        ctx.err(format!("{e}\n"));
        return 1;
    }
    if !kubelet_api::image_has_command(ctx.cluster, &key, &container, &command[0]) {
        return pf::fail(ctx, &format!(
            "Internal error occurred: error executing command in container: failed to exec in container: failed to start exec {:?}: OCI runtime exec failed: exec failed: unable to start container process: exec: {:?}: executable file not found in $PATH: unknown",
            exec_id(&pod_name, &command),
            command[0]
        ));
    }
    // `kubectl exec -it POD -- sh` with nothing piped in: the terminal's next lines go to
    // the container's shell until it exits.
    if command.len() == 1
        && is_shell(&command[0])
        && parsed.is_set("stdin")
        && ctx.io.stdin.is_empty()
    {
        ctx.term.attach = Some(crate::commands::AttachTarget {
            pod: key,
            container,
            shell: command[0].clone(),
            main: None,
        });
        return 0;
    }
    // `SetupTTY`: the exec gets a terminal only with -i and -t and when kubectl's own input
    // is a terminal.
    let tty = parsed.is_set("tty") && parsed.is_set("stdin") && ctx.term.tty;
    // `env` run as the exec'd process prints the environment the runtime gave it, in its
    // order (no shell in between to add or reorder variables).
    if matches!(command.as_slice(), [c] if matches!(c.as_str(), "env" | "printenv" | "/usr/bin/env" | "/bin/env" | "/usr/bin/printenv"))
    {
        let env = match process_env(ctx.cluster, &key, &container, tty) {
            Ok(e) => e,
            Err(e) => return pf::fail(ctx, &e),
        };
        let text: String = env.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        ctx.out(text);
        return 0;
    }
    let script = script_for(&command, parsed.is_set("stdin"), ctx.io.stdin);
    let shell = is_shell(&command[0]);
    let status = match run_in_container(ctx, &key, &container, &script, tty, shell) {
        Ok(s) => s,
        Err(e) => return pf::fail(ctx, &e),
    };
    if status != 0 {
        ctx.err(format!("command terminated with exit code {status}\n"));
    }
    status
}

/// The bash input that runs `command`: `sh -c '...'` runs its script, a bare shell with `-i`
/// reads the piped input, anything else runs as one quoted command line.
/// True for the shells images carry (`sh`, `/bin/bash`, ...).
pub fn is_shell(c: &str) -> bool {
    matches!(
        c.rsplit('/').next().unwrap_or(c),
        "sh" | "bash" | "ash" | "dash"
    )
}

fn script_for(command: &[String], stdin: bool, input: &str) -> String {
    let shell = is_shell;
    match command {
        [sh, flag, script, ..] if shell(sh) && flag == "-c" => script.clone(),
        [sh] if shell(sh) && stdin => input.to_string(),
        [sh] if shell(sh) => String::new(),
        _ => command
            .iter()
            .map(|a| quote(a))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn quote(a: &str) -> String {
    if !a.is_empty()
        && a.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c))
    {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

/// A stable 64-hex-digit exec id (containerd's are random; ours come from the command).
fn exec_id(pod: &str, command: &[String]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut out = String::new();
    for round in 0..4u64 {
        for b in pod
            .bytes()
            .chain(command.join(" ").bytes())
            .chain(round.to_le_bytes())
        {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100_0000_01b3);
        }
        out.push_str(&format!("{h:016x}"));
    }
    out
}

/// Runs a script in a bash whose files are the container's, then stores the files back.
/// `tty`: the container got a terminal (`kubectl exec -t`), so its `ls` prints columns.
/// `shell`: the exec'd program is a shell (which exports `PWD` and `SHLVL`), not a command
/// run directly with the process environment.
pub fn run_in_container(
    ctx: &mut Ctx,
    key: &ObjectKey,
    container: &str,
    script: &str,
    tty: bool,
    shell: bool,
) -> Result<i32, String> {
    let files = kubelet_api::container_files(ctx.cluster, key, container)?;
    let env = process_env(ctx.cluster, key, container, tty)?;
    let mut bash = Bash::new();
    bash.set_tty(tty);
    *bash.vfs_mut() = files_to_vfs(&files);
    let mut host = ContainerHost {
        cluster: ctx.cluster,
        hostname: key.name.clone(),
        pod: key.clone(),
        container: container.to_string(),
    };
    let _ = bash.run(&shell_setup(&env, shell), &mut host);
    let (out, status) = bash.run(script, &mut host);
    ctx.io.out.extend(out);
    let changed = vfs_to_files(bash.vfs(), &files);
    if changed != files {
        kubelet_api::set_container_files(ctx.cluster, key, container, changed)?;
    }
    Ok(status)
}

/// The environment of a process started in the container, in the order the runtime builds
/// it (containerd's CRI spec, then runc): `PATH` (the image's value in the default's place),
/// `TERM=xterm` for a container with `tty: true`, `HOSTNAME`, the image's `ENV`, then what
/// the kubelet passes — the container's `envFrom` and `env` (a Go map there, so in no set
/// order; here in declaration order) and the Service links (here by name); a name already
/// present keeps its place and takes the new value. `kubectl exec -t` adds `TERM=xterm`, and
/// runc appends `HOME` when nothing set it.
pub fn process_env(
    cluster: &Cluster,
    key: &ObjectKey,
    container: &str,
    exec_tty: bool,
) -> Result<Vec<(String, String)>, String> {
    let mut values: BTreeMap<String, String> = kubelet_api::container_env(cluster, key, container)?
        .into_iter()
        .collect();
    let pod = cluster
        .api_ref()
        .get(key)
        .ok()
        .and_then(|o| o.as_::<Pod>().cloned());
    let spec = pod.as_ref().and_then(|p| {
        p.spec
            .as_ref()?
            .containers
            .iter()
            .chain(p.spec.as_ref()?.init_containers.iter().flatten())
            .find(|c| c.name == container)
            .cloned()
    });
    let mut order: Vec<String> = Vec::new();
    let place = |order: &mut Vec<String>, values: &BTreeMap<String, String>, name: &str| {
        if values.contains_key(name) && !order.iter().any(|n| n == name) {
            order.push(name.to_string());
        }
    };
    place(&mut order, &values, "PATH");
    if spec.as_ref().is_some_and(|c| c.tty == Some(true)) {
        values.insert("TERM".into(), "xterm".into());
        place(&mut order, &values, "TERM");
    }
    place(&mut order, &values, "HOSTNAME");
    let image_env = spec
        .as_ref()
        .and_then(|c| c.image.as_deref())
        .and_then(|i| images::ImageRef::parse(i).ok())
        .and_then(|r| images::resolve(&r).ok())
        .map(|img| img.env)
        .unwrap_or_default();
    for (k, _) in &image_env {
        place(&mut order, &values, k);
    }
    if let (Some(pod), Some(c)) = (&pod, &spec) {
        if let Ok(config) = config_env::resolve(cluster.api_ref().store(), pod, c) {
            for (k, _) in &config.from {
                place(&mut order, &values, k);
            }
        }
        for e in c.env.iter().flatten() {
            place(&mut order, &values, &e.name);
        }
    }
    let rest: Vec<String> = values
        .keys()
        .filter(|k| *k != "HOME" && !order.contains(k))
        .cloned()
        .collect();
    order.extend(rest);
    if exec_tty {
        values.insert("TERM".into(), "xterm".into());
        place(&mut order, &values, "TERM");
    }
    place(&mut order, &values, "HOME");
    Ok(order
        .into_iter()
        .filter_map(|k| values.get(&k).map(|v| (k.clone(), v.clone())))
        .collect())
}

/// The bash input that gives a container shell the process environment `env` instead of
/// the learner's terminal's own variables (`USER`, `LANG`, `SHELL`, ...); a command run
/// directly (not a shell) also has no `PWD` or `SHLVL`.
pub fn shell_setup(env: &[(String, String)], shell: bool) -> String {
    let mut setup = String::from(
        "unalias -a 2>/dev/null; cd /\nunset HOME PATH USER LOGNAME SHELL TERM LANG\n",
    );
    if !shell {
        setup.push_str("unset PWD SHLVL\n");
    }
    for (k, v) in env {
        setup.push_str(&format!("export {k}={}\n", quote(v)));
    }
    setup
}

/// The container's files as a terminal filesystem.
pub fn files_to_vfs(files: &Files) -> Vfs {
    let mut vfs = Vfs::new();
    for d in &files.dirs {
        let _ = vfs.mkdir(d, true);
    }
    for (p, content) in &files.files {
        if let Some(parent) = p
            .rsplit_once('/')
            .map(|(d, _)| if d.is_empty() { "/" } else { d })
        {
            let _ = vfs.mkdir(parent, true);
        }
        let _ = vfs.write(p, content);
    }
    vfs
}

/// The terminal filesystem back as container files (walks every directory).
pub fn vfs_to_files(vfs: &Vfs, original: &Files) -> Files {
    let mut out = Files::default();
    let mut stack = vec!["/".to_string()];
    while let Some(dir) = stack.pop() {
        out.dirs.insert(dir.clone());
        for entry in vfs.list(&dir).unwrap_or_default() {
            let path = if dir == "/" {
                format!("/{entry}")
            } else {
                format!("{dir}/{entry}")
            };
            if vfs.is_dir(&path) {
                stack.push(path);
            } else if let Ok(content) = vfs.read(&path) {
                out.files.insert(path, content);
            }
        }
    }
    // Directories the terminal adds itself are not part of the container.
    for d in ["/root", "/tmp", "/dev"] {
        if !original.dirs.contains(d) && !out.files.keys().any(|f| f.starts_with(&format!("{d}/")))
        {
            out.dirs.remove(d);
        }
    }
    if !original.files.contains_key("/dev/null") {
        out.files.remove("/dev/null");
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::{Session, SessionOptions};

    /// At a terminal `kubectl exec -it` gets a TTY: the runtime appends `TERM=xterm` to the
    /// process environment, before the `HOME` runc adds; `-t` without `-i` gets none.
    #[test]
    fn exec_with_a_terminal_adds_term_before_home() {
        let mut s = Session::new(&SessionOptions::default()).expect("session");
        s.run("kubectl run web --image=nginx --env=GREETING=hi\n");
        s.run("sleep 30\n");
        s.set_tty(true);
        let (out, status) = s.run("kubectl exec -it web -- env\n");
        assert_eq!(status, 0);
        let text = out.stdout_text();
        let names: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, _)| k)
            .collect();
        assert_eq!(names[..3], ["PATH", "HOSTNAME", "NGINX_VERSION"], "{text}");
        assert_eq!(names[names.len() - 2..], ["TERM", "HOME"], "{text}");
        assert!(text.contains("\nTERM=xterm\n"), "{text}");
        let pos = |n: &str| names.iter().position(|k| *k == n);
        assert!(pos("GREETING") < pos("KUBERNETES_SERVICE_HOST"), "{text}");
        let (out, _) = s.run("kubectl exec -t web -- env\n");
        assert!(!out.stdout_text().contains("TERM="), "no -i, no TTY");
    }
}
