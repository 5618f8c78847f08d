//! What kubectl reaches through the API server's pod subresources (`pods/log`, `pods/exec`),
//! served by the kubelet of the pod's node: container logs, filesystems and environments.
//!
//! The kubelet simulation is being written; until it offers
//! `Kubelet::{logs, container_fs, container_fs_mut, container_env, image_has_command}` these
//! calls fail with [`NOT_SIMULATED`], so `kubectl logs`/`exec` print a clear error instead
//! of inventing output. Wiring them is a matter of filling in the bodies below.

use kubarium_engine::{Cluster, ObjectKey};
use std::collections::{BTreeMap, BTreeSet};

/// The error while the kubelet does not serve logs and exec yet.
pub const NOT_SIMULATED: &str = "the kubelet of this node does not serve logs and exec yet (Kubarium is still being built)";

/// One line of a container's log with the simulated instant it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub unix_ms: u64,
    pub text: String,
}

/// A container's files and directories (absolute, normalised paths).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Files {
    pub files: BTreeMap<String, String>,
    pub dirs: BTreeSet<String>,
}

/// The log of a container (`previous`: of its last terminated instance).
pub fn logs(_cluster: &Cluster, _pod: &ObjectKey, _container: &str, _previous: bool) -> Result<Vec<LogLine>, String> {
    Err(NOT_SIMULATED.to_string())
}

/// The files of a running container.
pub fn container_files(_cluster: &Cluster, _pod: &ObjectKey, _container: &str) -> Result<Files, String> {
    Err(NOT_SIMULATED.to_string())
}

/// Writes back a container's files after `kubectl exec` changed them.
pub fn set_container_files(_cluster: &mut Cluster, _pod: &ObjectKey, _container: &str, _files: Files) -> Result<(), String> {
    Err(NOT_SIMULATED.to_string())
}

/// The environment of a container's processes (image ENV, pod `env`, service links).
pub fn container_env(_cluster: &Cluster, _pod: &ObjectKey, _container: &str) -> Result<Vec<(String, String)>, String> {
    Err(NOT_SIMULATED.to_string())
}

/// Whether the container's image has an executable of this name on `$PATH`.
pub fn image_has_command(_cluster: &Cluster, _pod: &ObjectKey, _container: &str, _command: &str) -> bool {
    true
}

/// The base of the container's image (`busybox`, `alpine`, `debian`, ...), for the prompt.
pub fn image_base(_cluster: &Cluster, _pod: &ObjectKey, _container: &str) -> Option<String> {
    None
}
