//! `ssh NODE` from the control-plane shell, and the shell on a node it opens: `systemctl`,
//! `poweroff`, `shutdown`, `reboot`, `hostname`, `curl` and `exit`.
//!
//! Logging in hands the terminal to a bash on the node (the session switches its prompt to
//! `root@w1-k8s:~# ` as it does for `kubectl exec -it`); `exit` returns. Powering the node off
//! or rebooting it drops the connection the way OpenSSH reports it.

use crate::bash::{CommandIo, Host};
use crate::output::Output;
use kubarium_engine::Cluster;

/// Why the connection to a node ended from the node's side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closed {
    PowerOff,
    Reboot,
}

/// The node a host name or address names: a node name, its InternalIP, a name the
/// learner's node resolves to one (`/etc/hosts` short names, `ip-10-0-0-11` through the VPC
/// resolver's search domain), or `user@` any of them.
pub fn resolve_node(cluster: &Cluster, target: &str) -> Option<String> {
    let host = target.rsplit_once('@').map_or(target, |(_, h)| h);
    let nodes = &cluster.preset().nodes;
    if let Some(n) = nodes.iter().find(|n| n.name == host || n.ip == host) {
        return Some(n.name.clone());
    }
    let here = kubarium_engine::network::request::Origin::Node(
        cluster.preset().control_plane().name.clone(),
    );
    let ip = cluster.resolve_host(&here, host)?.to_string();
    nodes.iter().find(|n| n.ip == ip).map(|n| n.name.clone())
}

/// Runs `ssh [OPTIONS] HOST [COMMAND…]`. Without a command, `login` receives the node to
/// attach the terminal to; with one, the command runs on the node and its output is returned.
/// An interactive login `ssh` opened: the node, and the host name as typed (which OpenSSH
/// repeats in `Connection to HOST closed.`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Login {
    pub node: String,
    pub host: String,
}

pub fn run(
    cluster: &mut Cluster,
    args: &[String],
    out: &mut Output,
    login: &mut Option<Login>,
) -> i32 {
    let mut i = 0;
    while i < args.len() && args[i].starts_with('-') {
        // Options with a value: -o opt, -p port, -i file, -l user, -F file, -J jump.
        if matches!(args[i].as_str(), "-o" | "-p" | "-i" | "-l" | "-F" | "-J") {
            i += 1;
        }
        i += 1;
    }
    let Some(target) = args.get(i) else {
        out.stderr("usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface] [-b bind_address]\n           [-c cipher_spec] [-D [bind_address:]port] [-E log_file]\n           [-e escape_char] [-F configfile] [-I pkcs11] [-i identity_file]\n           [-J destination] [-L address] [-l login_name] [-m mac_spec]\n           [-O ctl_cmd] [-o option] [-P tag] [-p port] [-R address]\n           [-S ctl_path] [-W host:port] [-w local_tun[:remote_tun]]\n           destination [command [argument ...]]\n");
        return 255;
    };
    let host = target.rsplit_once('@').map_or(target.as_str(), |(_, h)| h);
    let Some(node) = resolve_node(cluster, target) else {
        out.stderr(format!(
            "ssh: Could not resolve hostname {}: Name or service not known\n",
            host.to_lowercase()
        ));
        return 255;
    };
    if !cluster.node_service(&node).is_some_and(|s| s.is_powered()) {
        out.stderr(format!(
            "ssh: connect to host {host} port 22: No route to host\n"
        ));
        return 255;
    }
    let command = &args[i + 1..];
    if command.is_empty() {
        out.stdout(motd(cluster));
        *login = Some(Login {
            node,
            host: host.to_string(),
        });
        return 0;
    }
    // A remote command runs in a fresh shell on the node.
    let line = command.join(" ");
    let mut bash = crate::node_files::node_bash(cluster, &node);
    let host_typed = host;
    let mut host = NodeHost::new(cluster, &node);
    let (o, status) = bash.run(&format!("{line}\n"), &mut host);
    let closed = host.closed;
    crate::node_files::sync_runtime_files(cluster, &node, bash.vfs());
    out.extend(o);
    if closed.is_some() {
        out.stderr(closed_message(host_typed));
        return 255;
    }
    status
}

fn motd(cluster: &Cluster) -> String {
    let p = cluster.preset();
    format!(
        "Welcome to {} (GNU/Linux {} x86_64)\n\n",
        p.os_image, p.kernel_version
    )
}

/// What OpenSSH prints when the node ends the connection (`host` as the learner typed it).
pub fn closed_message(host: &str) -> String {
    format!("Connection to {host} closed by remote host.\nConnection to {host} closed.\n")
}

/// What OpenSSH prints after `exit` on the node (`host` as the learner typed it).
pub fn logout_message(host: &str) -> (String, String) {
    (
        "logout\n".to_string(),
        format!("Connection to {host} closed.\n"),
    )
}

/// The commands of a node's shell.
pub struct NodeHost<'a> {
    pub cluster: &'a mut Cluster,
    pub node: String,
    /// Set when the node went down under the shell.
    pub closed: Option<Closed>,
}

impl<'a> NodeHost<'a> {
    pub fn new(cluster: &'a mut Cluster, node: &str) -> NodeHost<'a> {
        NodeHost {
            cluster,
            node: node.to_string(),
            closed: None,
        }
    }
}

impl Host for NodeHost<'_> {
    fn exec(&mut self, argv: &[String], io: &mut CommandIo<'_>) -> Option<i32> {
        if self.closed.is_some() {
            // The machine is going down: nothing runs any more.
            return Some(255);
        }
        let name = argv.first().map(String::as_str)?;
        let name = name.rsplit('/').next().unwrap_or(name);
        let args = &argv[1..];
        let status = match name {
            "sudo" => {
                if args.is_empty() {
                    io.out.stderr("usage: sudo -h | -K | -k | -V\n");
                    return Some(1);
                }
                return self.exec(args, io);
            }
            "systemctl" => {
                crate::tools::systemctl::run(self.cluster, &self.node, io.vfs, args, io.out)
            }
            "journalctl" => crate::tools::journalctl::run(self.cluster, &self.node, args, io.out),
            "poweroff" | "halt" => self.power(Closed::PowerOff, io.out),
            "reboot" => self.power(Closed::Reboot, io.out),
            "shutdown" => {
                let reboot = args.iter().any(|a| a == "-r" || a == "--reboot");
                let when = args.iter().find(|a| !a.starts_with('-'));
                match when.map(String::as_str) {
                    Some("now") | Some("+0") => {}
                    _ => {
                        io.out.stderr(
                            "Kubarium: only an immediate shutdown is simulated (shutdown -h now, shutdown -r now).\n",
                        );
                        return Some(1);
                    }
                }
                self.power(
                    if reboot {
                        Closed::Reboot
                    } else {
                        Closed::PowerOff
                    },
                    io.out,
                )
            }
            "curl" => {
                let origin = kubarium_engine::network::request::Origin::Node(self.node.clone());
                let mut write = |_: &str, _: &str| Ok(());
                crate::tools::curl::run(self.cluster, &origin, args, io.out, &mut write)
            }
            "kubectl" => {
                // A worker has no kubeconfig: kubectl falls back to localhost:8080.
                io.out.stderr("The connection to the server localhost:8080 was refused - did you specify the right host or port?\n");
                1
            }
            _ => {
                return crate::tools::net_tools_command(self.cluster, &self.node, argv, io).or_else(
                    || crate::tools::node_network_command(self.cluster, &self.node, argv, io.out),
                )
            }
        };
        self.cluster.settle();
        Some(status)
    }

    fn sleep(&mut self, ms: u64) {
        self.cluster.advance(ms);
    }

    fn now_unix_ms(&self) -> u64 {
        self.cluster.now_unix_ms()
    }

    fn hostname(&self) -> String {
        crate::node_files::os_hostname(&self.node).to_string()
    }
}

impl NodeHost<'_> {
    fn power(&mut self, how: Closed, out: &mut Output) -> i32 {
        let r = match how {
            Closed::PowerOff => self.cluster.power_off(&self.node),
            Closed::Reboot => self.cluster.reboot(&self.node).map(|_| ()),
        };
        if let Err(e) = r {
            out.stderr(format!("{e}\n"));
            return 1;
        }
        self.closed = Some(how);
        0
    }
}
