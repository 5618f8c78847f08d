//! The commands outside bash: kubectl and the tools the seeds use (curl, ssh, vi, ...).

use crate::bash::CommandIo;
use kubarium_engine::Cluster;

/// Runs `argv` if it names a command Kubarium provides; `None` means "command not found".
pub fn run(cluster: &mut Cluster, argv: &[String], io: &mut CommandIo<'_>) -> Option<i32> {
    match argv.first().map(String::as_str) {
        Some("kubectl") => Some(crate::kubectl::run(cluster, &argv[1..], io)),
        _ => None,
    }
}
