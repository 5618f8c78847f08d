//! Environment variables from ConfigMaps, Secrets and the container's resources, as the
//! kubelet's `makeEnvironmentVariables` builds them: `envFrom` sources first (each key with
//! the source's `prefix`), then `env` entries in order (a later one replaces an earlier one).
//!
//! A missing ConfigMap, Secret or key that is not `optional` stops the container from being
//! created: the error text becomes the `CreateContainerConfigError` message and the
//! `Error: ...` event (`configmap "x" not found`, `couldn't find key k in ConfigMap default/x`).

use crate::api::{quantity, ConfigMap, Kind, Node, ObjectKey, Pod, Secret};
use crate::store::Store;
use k8s_openapi::api::core::v1::{Container, EnvVarSource, ResourceFieldSelector};
use std::collections::BTreeMap;

/// What ConfigMaps, Secrets and resource fields contribute to a container's environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigEnv {
    /// `envFrom` variables in the order the kubelet sets them.
    pub from: Vec<(String, String)>,
    /// Values of `env[].valueFrom` references other than `fieldRef`, by variable name; an
    /// optional reference to something missing has no entry (the variable is not set).
    pub values: BTreeMap<String, String>,
}

/// The data of a ConfigMap (`data`; `binaryData` does not reach env vars).
fn config_map<'a>(store: &'a Store, ns: &str, name: &str) -> Option<&'a ConfigMap> {
    store
        .get(&ObjectKey::new(Kind::ConfigMap, ns, name))
        .and_then(|o| o.as_::<ConfigMap>())
}

fn secret<'a>(store: &'a Store, ns: &str, name: &str) -> Option<&'a Secret> {
    store
        .get(&ObjectKey::new(Kind::Secret, ns, name))
        .and_then(|o| o.as_::<Secret>())
}

/// A Secret's decoded values (`stringData` is folded into `data` by the API server).
pub fn secret_data(s: &Secret) -> BTreeMap<String, String> {
    s.data
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), String::from_utf8_lossy(&v.0).into_owned()))
        .collect()
}

/// A ConfigMap's text values.
pub fn config_map_data(c: &ConfigMap) -> BTreeMap<String, String> {
    c.data.clone().unwrap_or_default()
}

/// Resolves the ConfigMap, Secret and resource references of `c`, or the kubelet's error.
pub fn resolve(store: &Store, pod: &Pod, c: &Container) -> Result<ConfigEnv, String> {
    let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    let mut out = ConfigEnv::default();
    for src in c.env_from.iter().flatten() {
        let prefix = src.prefix.clone().unwrap_or_default();
        if let Some(r) = &src.config_map_ref {
            let name = r.name.as_str();
            match config_map(store, ns, name) {
                Some(cm) => out.from.extend(
                    config_map_data(cm)
                        .into_iter()
                        .map(|(k, v)| (format!("{prefix}{k}"), v)),
                ),
                None if r.optional == Some(true) => {}
                None => return Err(format!("configmap {name:?} not found")),
            }
        }
        if let Some(r) = &src.secret_ref {
            let name = r.name.as_str();
            match secret(store, ns, name) {
                Some(s) => out.from.extend(
                    secret_data(s)
                        .into_iter()
                        .map(|(k, v)| (format!("{prefix}{k}"), v)),
                ),
                None if r.optional == Some(true) => {}
                None => return Err(format!("secret {name:?} not found")),
            }
        }
    }
    for e in c.env.iter().flatten() {
        let Some(vf) = &e.value_from else { continue };
        if let Some(v) = value_from(store, pod, c, ns, vf)? {
            out.values.insert(e.name.clone(), v);
        }
    }
    Ok(out)
}

fn value_from(
    store: &Store,
    pod: &Pod,
    c: &Container,
    ns: &str,
    vf: &EnvVarSource,
) -> Result<Option<String>, String> {
    if let Some(r) = &vf.config_map_key_ref {
        let optional = r.optional == Some(true);
        let name = r.name.as_str();
        return match config_map(store, ns, name) {
            None if optional => Ok(None),
            None => Err(format!("configmap {name:?} not found")),
            Some(cm) => match config_map_data(cm).remove(&r.key) {
                Some(v) => Ok(Some(v)),
                None if optional => Ok(None),
                None => Err(format!(
                    "couldn't find key {} in ConfigMap {ns}/{name}",
                    r.key
                )),
            },
        };
    }
    if let Some(r) = &vf.secret_key_ref {
        let optional = r.optional == Some(true);
        let name = r.name.as_str();
        return match secret(store, ns, name) {
            None if optional => Ok(None),
            None => Err(format!("secret {name:?} not found")),
            Some(s) => match secret_data(s).remove(&r.key) {
                Some(v) => Ok(Some(v)),
                None if optional => Ok(None),
                None => Err(format!("couldn't find key {} in Secret {ns}/{name}", r.key)),
            },
        };
    }
    if let Some(r) = &vf.resource_field_ref {
        return Ok(Some(resource_field(store, pod, c, r)));
    }
    Ok(None)
}

/// `resourceFieldRef`: the container's limit or request divided by `divisor` and rounded up;
/// a limit that is not set is the node's allocatable amount.
///
/// Worked example: `limits.cpu` 500m with the default divisor 1 → `1`; with divisor `1m` →
/// `500`; `limits.memory` 64Mi with divisor `1Mi` → `64`.
pub fn resource_field(
    store: &Store,
    pod: &Pod,
    c: &Container,
    r: &ResourceFieldSelector,
) -> String {
    let target = match &r.container_name {
        Some(n) if !n.is_empty() => pod
            .spec
            .as_ref()
            .and_then(|s| s.containers.iter().find(|x| &x.name == n))
            .unwrap_or(c),
        _ => c,
    };
    let resources = target.resources.clone().unwrap_or_default();
    let (kind, res) = r.resource.split_once('.').unwrap_or(("limits", "cpu"));
    let from = if kind == "requests" {
        resources.requests
    } else {
        resources.limits
    };
    let mut milli = from
        .as_ref()
        .and_then(|m| m.get(res))
        .and_then(|q| quantity::parse_milli(&q.0));
    if milli.is_none() && kind == "limits" {
        milli = pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.as_deref())
            .and_then(|n| store.get(&ObjectKey::new(Kind::Node, "", n)))
            .and_then(|o| o.as_::<Node>())
            .and_then(|n| n.status.as_ref()?.allocatable.as_ref()?.get(res).cloned())
            .and_then(|q| quantity::parse_milli(&q.0));
    }
    let milli = milli.unwrap_or(0);
    let divisor = r
        .divisor
        .as_ref()
        .and_then(|d| quantity::parse_milli(&d.0))
        .filter(|d| *d > 0)
        .unwrap_or(1000);
    // Rounded up, as resource.Quantity's division in the downward API does.
    let v = (milli + divisor - 1) / divisor;
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn container(v: serde_json::Value) -> Container {
        serde_json::from_value(v).expect("container")
    }

    #[test]
    fn missing_references_give_the_kubelet_errors() {
        let store = Store::default();
        let pod: Pod =
            serde_json::from_value(json!({"metadata": {"name": "p", "namespace": "default"}}))
                .unwrap();
        let c = container(json!({"name": "c", "envFrom": [{"configMapRef": {"name": "x"}}]}));
        assert_eq!(
            resolve(&store, &pod, &c),
            Err("configmap \"x\" not found".into())
        );
        let c = container(
            json!({"name": "c", "envFrom": [{"secretRef": {"name": "s", "optional": true}}],
            "env": [{"name": "K", "valueFrom": {"configMapKeyRef": {"name": "x", "key": "k", "optional": true}}}]}),
        );
        assert_eq!(resolve(&store, &pod, &c), Ok(ConfigEnv::default()));
        let c = container(
            json!({"name": "c", "env": [{"name": "K", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]}),
        );
        assert_eq!(
            resolve(&store, &pod, &c),
            Err("secret \"s\" not found".into())
        );
    }

    #[test]
    fn resource_fields_round_up() {
        let store = Store::default();
        let pod: Pod = serde_json::from_value(json!({"metadata": {"name": "p"}})).unwrap();
        let c = container(
            json!({"name": "c", "resources": {"limits": {"cpu": "500m", "memory": "64Mi"}}}),
        );
        let sel = |res: &str, div: Option<&str>| -> ResourceFieldSelector {
            serde_json::from_value(json!({"resource": res, "divisor": div})).unwrap()
        };
        assert_eq!(
            resource_field(&store, &pod, &c, &sel("limits.cpu", None)),
            "1"
        );
        assert_eq!(
            resource_field(&store, &pod, &c, &sel("limits.cpu", Some("1m"))),
            "500"
        );
        assert_eq!(
            resource_field(&store, &pod, &c, &sel("limits.memory", Some("1Mi"))),
            "64"
        );
        assert_eq!(
            resource_field(&store, &pod, &c, &sel("limits.memory", None)),
            "67108864"
        );
    }
}
