//! Network tools of the learner's machine and of containers (`curl`, ...).

pub mod curl;
pub mod ip;
pub mod iptables;
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
