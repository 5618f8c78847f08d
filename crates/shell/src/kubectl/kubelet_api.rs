//! What kubectl reaches through the API server's pod subresources (`pods/log`, `pods/exec`),
//! served by the kubelet of the pod's node: container logs, filesystems and environments.
//!

use kubarium_engine::api::Pod;
use kubarium_engine::kubelet::Kubelet;
use kubarium_engine::{Cluster, ObjectKey};
use std::collections::{BTreeMap, BTreeSet};

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

fn pod_node(cluster: &Cluster, pod: &ObjectKey) -> Result<String, String> {
    let obj = cluster.api_ref().get(pod).map_err(|e| e.message)?;
    obj.as_::<Pod>()
        .and_then(|p| p.spec.as_ref())
        .and_then(|s| s.node_name.clone())
        .ok_or_else(|| format!("pod {:?} is not scheduled to a node yet", pod.name))
}

fn kubelet<'a>(cluster: &'a Cluster, pod: &ObjectKey) -> Result<&'a Kubelet, String> {
    let node = pod_node(cluster, pod)?;
    cluster
        .kubelet(&node)
        .ok_or_else(|| format!("no kubelet on node {node:?}"))
}

/// The API server's error when it cannot reach the kubelet of the pod's node on :10250 (the
/// kubelet is stopped: connection refused; the node is off: no route to host), for a request
/// to `url_path` (`containerLogs/NS/POD/CONTAINER`), or `None` when the kubelet answers.
/// `exec` words it as kubectl shows an exec's failed upgrade.
pub fn backend_error(
    cluster: &Cluster,
    pod: &ObjectKey,
    url_path: &str,
    exec: bool,
) -> Option<String> {
    let node = pod_node(cluster, pod).ok()?;
    let service = cluster.node_service(&node)?;
    if service.is_running() {
        return None;
    }
    let reason = if service.is_powered() {
        "connect: connection refused"
    } else {
        "connect: no route to host"
    };
    let ip = cluster
        .api_ref()
        .get(&ObjectKey::new(kubarium_engine::Kind::Node, "", &node))
        .ok()
        .and_then(|n| {
            n.as_::<kubarium_engine::api::Node>()?
                .status
                .as_ref()?
                .addresses
                .as_ref()?
                .iter()
                .find(|a| a.type_ == "InternalIP")
                .map(|a| a.address.clone())
        })
        .unwrap_or_default();
    Some(if exec {
        format!("Error from server: error dialing backend: dial tcp {ip}:10250: {reason}")
    } else {
        format!("Error from server: Get \"https://{ip}:10250/{url_path}\": dial tcp {ip}:10250: {reason}")
    })
}

/// The log of a container (`previous`: of its last terminated instance).
pub fn logs(
    cluster: &Cluster,
    pod: &ObjectKey,
    container: &str,
    previous: bool,
) -> Result<Vec<LogLine>, String> {
    let log = kubelet(cluster, pod)?
        .container_log(pod, container, previous)
        .map_err(|e| e.to_string())?;
    Ok(log
        .lines()
        .map(|l| LogLine {
            unix_ms: l.at.unix_ms(),
            text: l.text.clone(),
        })
        .collect())
}

/// The files of a running container.
pub fn container_files(
    cluster: &Cluster,
    pod: &ObjectKey,
    container: &str,
) -> Result<Files, String> {
    let fs = kubelet(cluster, pod)?
        .container_fs(pod, container)
        .ok_or_else(|| {
            format!("unable to upgrade connection: container not found ({container:?})")
        })?;
    Ok(Files {
        files: kubarium_engine::sort::collect_map(
            fs.files.iter().map(|(k, v)| (k.to_string(), v.to_string())),
        ),
        dirs: kubarium_engine::sort::collect_set(fs.dirs.iter().map(|d| d.to_string())),
    })
}

/// Writes back a container's files after `kubectl exec` changed them.
pub fn set_container_files(
    cluster: &mut Cluster,
    pod: &ObjectKey,
    container: &str,
    files: Files,
) -> Result<(), String> {
    let node = pod_node(cluster, pod)?;
    let k = cluster
        .kubelet_mut(&node)
        .ok_or_else(|| format!("no kubelet on node {node:?}"))?;
    let fs = k.container_fs_mut(pod, container).ok_or_else(|| {
        format!("unable to upgrade connection: container not found ({container:?})")
    })?;
    fs.files = kubarium_engine::sort::collect_map(
        files.files.into_iter().map(|(k, v)| (k.into(), v.into())),
    );
    fs.dirs = kubarium_engine::sort::collect_set(files.dirs.into_iter().map(Into::into));
    Ok(())
}

/// The environment of a container's processes (image ENV, pod `env`, service links).
pub fn container_env(
    cluster: &Cluster,
    pod: &ObjectKey,
    container: &str,
) -> Result<Vec<(String, String)>, String> {
    let env = kubelet(cluster, pod)?
        .container_env(pod, container)
        .ok_or_else(|| {
            format!("unable to upgrade connection: container not found ({container:?})")
        })?;
    Ok(env.into_iter().collect())
}

/// Whether the container's image has an executable of this name on `$PATH`.
pub fn image_has_command(
    cluster: &Cluster,
    pod: &ObjectKey,
    container: &str,
    command: &str,
) -> bool {
    kubelet(cluster, pod).is_ok_and(|k| k.image_has_command(pod, container, command))
}

/// True while the container's process runs.
pub fn is_running(cluster: &Cluster, pod: &ObjectKey, container: &str) -> bool {
    kubelet(cluster, pod).is_ok_and(|k| k.is_running(pod, container))
}

/// The base of the container's image (`busybox`, `alpine`, `debian`, ...), for the prompt.
pub fn image_base(cluster: &Cluster, pod: &ObjectKey, container: &str) -> Option<String> {
    let base = kubelet(cluster, pod).ok()?.image_base(pod, container)?;
    Some(format!("{base:?}").to_ascii_lowercase())
}
