//! The commands outside bash: kubectl and the tools the seeds use (curl, ssh, vi, ...).

use crate::bash::CommandIo;
use kubarium_engine::{Cluster, ObjectKey};

/// What the terminal around a command is like, and what the command asks of it.
#[derive(Debug, Default)]
pub struct Terminal {
    /// True when a person types at a terminal (the page, an interactive `kubarium shell`);
    /// false for scripts. `kubectl exec -t` warns when there is no terminal.
    pub tty: bool,
    /// Set by `kubectl exec -i POD -- sh`: the terminal's input goes to that shell next.
    pub attach: Option<AttachTarget>,
    /// Set by `ssh NODE`: the terminal's input goes to a shell on that node next.
    pub ssh: Option<crate::tools::ssh::Login>,
    /// True when real time drives the clock (the page): a `kubectl get -w` then hands its
    /// stream to the terminal instead of running it to the end at once.
    pub live_clock: bool,
    /// When `timeout` stops the running command, in simulated Unix milliseconds.
    pub deadline_unix_ms: Option<u64>,
    /// Set by `kubectl get -w` on a live clock: the watch keeps printing as time passes.
    pub stream: Option<crate::kubectl::watch::Stream>,
}

/// A container shell the terminal should attach to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachTarget {
    pub pod: ObjectKey,
    pub container: String,
    /// The shell that was asked for (`sh`, `bash`, `/bin/bash`).
    pub shell: String,
    /// Set when the shell is the container's main process (`kubectl run -it`, `kubectl
    /// attach -it`) rather than one `kubectl exec` started: its exit ends the container.
    pub main: Option<crate::kubectl::attach::MainAttach>,
}

/// Runs `argv` if it names a command Kubarium provides; `None` means "command not found".
pub fn run(
    cluster: &mut Cluster,
    argv: &[String],
    io: &mut CommandIo<'_>,
    term: &mut Terminal,
) -> Option<i32> {
    match argv.first().map(String::as_str) {
        Some("kubectl") => Some(crate::kubectl::run(cluster, &argv[1..], io, term)),
        Some("curl") => {
            let origin = kubarium_engine::network::request::Origin::Node(
                cluster.client_hostname().to_string(),
            );
            let (vfs, cwd) = (&mut *io.vfs, io.cwd);
            let mut write = |path: &str, text: &str| {
                let abs = vfs.resolve(cwd, path);
                vfs.write(&abs, text).map_err(|e| e.to_string())
            };
            Some(crate::tools::curl::run(
                cluster,
                &origin,
                &argv[1..],
                io.out,
                &mut write,
            ))
        }
        Some("ssh") => Some(crate::tools::ssh::run(
            cluster,
            &argv[1..],
            io.out,
            &mut term.ssh,
        )),
        Some("vagrant") => Some(crate::tools::vagrant::run(cluster, &argv[1..], io.out)),
        Some("openssl") => Some(crate::tools::openssl::run(cluster, &argv[1..], io)),
        Some("yum") => Some(crate::tools::yum::run(cluster, &argv[1..], io)),
        // GNU wget once `yum install wget` put it on the machine.
        Some("wget") if io.vfs.is_file("/usr/bin/wget") => {
            Some(crate::tools::wget::run_gnu(cluster, &argv[1..], io))
        }
        _ => {
            let node = cluster.client_hostname().to_string();
            crate::tools::net_tools_command(cluster, &node, argv, io)
                .or_else(|| crate::tools::node_network_command(cluster, &node, argv, io.out))
        }
    }
}
