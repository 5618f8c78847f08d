//! The downward API: the values of `fieldRef` paths of a pod (`metadata.name`,
//! `status.podIP`, `metadata.labels['app']`, …), as the kubelet puts them into environment
//! variables and downward-API volume files (`pkg/fieldpath`).

use crate::api::Pod;
use std::collections::BTreeMap;

/// The addresses the kubelet knows for a pod (they may not be in its stored status yet).
#[derive(Clone, Copy, Debug)]
pub struct Addresses<'a> {
    pub pod_ip: &'a str,
    pub host_ip: &'a str,
}

/// The value of a `fieldRef` path; empty for a path the pod does not have.
/// `metadata.labels` and `metadata.annotations` (volumes only) are `key="value"` lines.
pub fn field_value(pod: &Pod, path: &str, addrs: Addresses<'_>) -> String {
    let meta = &pod.metadata;
    let spec = pod.spec.as_ref();
    match path {
        "metadata.name" => meta.name.clone().unwrap_or_default(),
        "metadata.namespace" => meta.namespace.clone().unwrap_or_default(),
        "metadata.uid" => meta.uid.clone().unwrap_or_default(),
        "metadata.labels" => map_lines(meta.labels.as_ref()),
        "metadata.annotations" => map_lines(meta.annotations.as_ref()),
        "status.podIP" | "status.podIPs" => addrs.pod_ip.to_string(),
        "status.hostIP" | "status.hostIPs" => addrs.host_ip.to_string(),
        "spec.nodeName" => spec.and_then(|s| s.node_name.clone()).unwrap_or_default(),
        "spec.serviceAccountName" => spec
            .and_then(|s| s.service_account_name.clone())
            .unwrap_or_default(),
        p => {
            let key = |prefix: &str| p.strip_prefix(prefix)?.strip_suffix("']");
            let map = if let Some(k) = key("metadata.labels['") {
                meta.labels.as_ref().map(|m| (m, k))
            } else if let Some(k) = key("metadata.annotations['") {
                meta.annotations.as_ref().map(|m| (m, k))
            } else {
                None
            };
            map.and_then(|(m, k)| m.get(k).cloned()).unwrap_or_default()
        }
    }
}

fn map_lines(m: Option<&BTreeMap<String, String>>) -> String {
    m.into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_env_and_volumes() {
        let mut pod = Pod::default();
        pod.metadata.name = Some("web".into());
        pod.metadata.labels = Some(BTreeMap::from([
            ("app".to_string(), "web".to_string()),
            ("tier".to_string(), "front".to_string()),
        ]));
        let a = Addresses {
            pod_ip: "172.16.1.2",
            host_ip: "192.168.1.101",
        };
        assert_eq!(field_value(&pod, "metadata.name", a), "web");
        assert_eq!(field_value(&pod, "status.podIP", a), "172.16.1.2");
        assert_eq!(field_value(&pod, "status.hostIP", a), "192.168.1.101");
        assert_eq!(field_value(&pod, "metadata.labels['tier']", a), "front");
        assert_eq!(
            field_value(&pod, "metadata.labels", a),
            "app=\"web\"\ntier=\"front\""
        );
        assert_eq!(field_value(&pod, "metadata.annotations['x']", a), "");
    }
}
