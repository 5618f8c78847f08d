//! Network tools of the learner's machine and of containers (`curl`, ...).

pub mod arp;
pub mod curl;
pub mod ip;
pub mod iptables;
pub mod journalctl;
pub mod netstat;
pub mod openssl;
pub mod ping;
pub mod ssh;
pub mod systemctl;
pub mod vagrant;
pub mod wget;
pub mod yum;

/// The network commands of a node's shell (`ip`, `iptables`, `iptables-save`, `ipvsadm`,
/// `ping`), run on `node`; `None` when `argv` is none of them.
pub fn node_network_command(
    cluster: &mut kubarium_engine::Cluster,
    node: &str,
    argv: &[String],
    out: &mut crate::output::Output,
) -> Option<i32> {
    let name = argv.first()?;
    let args = &argv[1..];
    Some(match name.rsplit('/').next().unwrap_or(name) {
        "ip" => ip::run(cluster, node, args, out),
        "iptables" => iptables::run(cluster, node, args, out),
        "iptables-save" => iptables::run_save(cluster, node, args, out),
        "ipvsadm" => iptables::run_ipvsadm(cluster, node, args, out),
        "ping" => {
            let origin = kubarium_engine::network::request::Origin::Node(node.to_string());
            ping::run(cluster, &origin, ping::Flavor::Iputils, args, out)
        }
        _ => return None,
    })
}

/// The net-tools commands of a node's shell (`arp`, `netstat`), run on `node`; they read the
/// node's `/etc/hosts` to name addresses. `None` when `argv` is neither.
pub fn net_tools_command(
    cluster: &mut kubarium_engine::Cluster,
    node: &str,
    argv: &[String],
    io: &mut crate::bash::CommandIo<'_>,
) -> Option<i32> {
    let name = argv.first()?;
    let args = &argv[1..];
    Some(match name.rsplit('/').next().unwrap_or(name) {
        "arp" => arp::run(cluster, node, args, io),
        "netstat" => netstat::run(cluster, node, args, io),
        _ => return None,
    })
}

/// Runs a node tool the way a node's shell does (with the node's files), for tests: what it
/// printed on standard output and its status.
#[cfg(test)]
pub(crate) fn run_on_node(
    tool: fn(
        &mut kubarium_engine::Cluster,
        &str,
        &[String],
        &mut crate::bash::CommandIo<'_>,
    ) -> i32,
    cluster: &mut kubarium_engine::Cluster,
    node: &str,
    args: &[&str],
) -> (String, i32) {
    let mut vfs = crate::bash::Vfs::new();
    crate::node_files::seed(&mut vfs, cluster, node);
    let mut out = crate::output::Output::new();
    let env = std::collections::BTreeMap::new();
    let mut io = crate::bash::CommandIo {
        stdin: "",
        out: &mut out,
        vfs: &mut vfs,
        cwd: "/root",
        env: &env,
    };
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let status = tool(cluster, node, &args, &mut io);
    (out.stdout_text(), status)
}
