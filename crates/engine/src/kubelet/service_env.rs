//! Service environment variables (`pkg/kubelet/envvars`): when the kubelet creates a
//! container it adds, for every Service with a ClusterIP in the pod's namespace (only the
//! `default/kubernetes` Service when `enableServiceLinks: false`), Docker-links-style
//! variables. They are computed at container creation, so a pod started before a Service
//! does not see it — the seed's "delete the pod and look at the new one's env" lab.
//!
//! Worked example: Service `appjs-service` (ClusterIP 10.108.183.25, port 80/TCP unnamed)
//! gives
//!
//! ```text
//! APPJS_SERVICE_SERVICE_HOST=10.108.183.25
//! APPJS_SERVICE_SERVICE_PORT=80
//! APPJS_SERVICE_PORT=tcp://10.108.183.25:80
//! APPJS_SERVICE_PORT_80_TCP=tcp://10.108.183.25:80
//! APPJS_SERVICE_PORT_80_TCP_PROTO=tcp
//! APPJS_SERVICE_PORT_80_TCP_PORT=80
//! APPJS_SERVICE_PORT_80_TCP_ADDR=10.108.183.25
//! ```
//!
//! and a named port `https` adds `..._SERVICE_PORT_HTTPS=443`.

use crate::api::{Kind, Pod, Service};
use crate::store::Store;
use k8s_openapi::api::core::v1::Container;
use std::collections::BTreeMap;

/// `makeEnvVariableName`: upper case, `-` → `_`.
pub fn env_name(s: &str) -> String {
    s.replace('-', "_").to_uppercase()
}

/// The variables of one Service (`FromServices`); none for headless and ExternalName
/// Services or Services without ports.
pub fn service_vars(svc: &Service) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(spec) = svc.spec.as_ref() else {
        return out;
    };
    let Some(ip) = spec
        .cluster_ip
        .as_deref()
        .filter(|ip| !ip.is_empty() && *ip != "None")
    else {
        return out;
    };
    let ports = spec.ports.as_deref().unwrap_or(&[]);
    let Some(first) = ports.first() else {
        return out;
    };
    let prefix = env_name(svc.metadata.name.as_deref().unwrap_or(""));
    out.push((format!("{prefix}_SERVICE_HOST"), ip.to_string()));
    out.push((format!("{prefix}_SERVICE_PORT"), first.port.to_string()));
    for p in ports {
        if let Some(name) = p.name.as_deref().filter(|n| !n.is_empty()) {
            out.push((
                format!("{prefix}_SERVICE_PORT_{}", env_name(name)),
                p.port.to_string(),
            ));
        }
    }
    for (i, p) in ports.iter().enumerate() {
        let protocol = p.protocol.as_deref().unwrap_or("TCP");
        let lower = protocol.to_lowercase();
        let url = format!("{lower}://{ip}:{}", p.port);
        if i == 0 {
            out.push((format!("{prefix}_PORT"), url.clone()));
        }
        let pp = format!("{prefix}_PORT_{}_{}", p.port, protocol.to_uppercase());
        out.push((pp.clone(), url));
        out.push((format!("{pp}_PROTO"), lower));
        out.push((format!("{pp}_PORT"), p.port.to_string()));
        out.push((format!("{pp}_ADDR"), ip.to_string()));
    }
    out
}

/// The Service variables a container of `pod` gets (`getServiceEnvVarMap`): Services of the
/// pod's namespace when `enableServiceLinks` is on, and always `default/kubernetes`.
pub fn pod_service_vars(store: &Store, pod: &Pod) -> BTreeMap<String, String> {
    let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    let links = pod
        .spec
        .as_ref()
        .and_then(|s| s.enable_service_links)
        .unwrap_or(true);
    let mut services: BTreeMap<String, &Service> = BTreeMap::new();
    if let Some(k) = store
        .get(&crate::ObjectKey::new(
            Kind::Service,
            "default",
            "kubernetes",
        ))
        .and_then(|o| o.as_::<Service>())
    {
        services.insert("kubernetes".into(), k);
    }
    if links {
        for o in store.list(Kind::Service, Some(ns)) {
            if let Some(s) = o.as_::<Service>() {
                let name = s.metadata.name.clone().unwrap_or_default();
                if ns == "default" && name == "kubernetes" {
                    continue;
                }
                services.insert(name, s);
            }
        }
    }
    services.values().flat_map(|s| service_vars(s)).collect()
}

/// Adds the Service variables to a container's environment: what the container's own `env`
/// and `envFrom` set wins (the kubelet adds a Service variable only when the name is free);
/// variables baked into the image are overridden.
pub fn inject(
    env: &mut BTreeMap<String, String>,
    service_vars: &BTreeMap<String, String>,
    container: &Container,
    env_from: &[(String, String)],
) {
    let own: std::collections::BTreeSet<&str> = container
        .env
        .iter()
        .flatten()
        .map(|e| e.name.as_str())
        .chain(env_from.iter().map(|(k, _)| k.as_str()))
        .collect();
    for (k, v) in service_vars {
        // The `kubernetes` Service's variables are already there in its own namespace.
        if !own.contains(k.as_str()) && env.get(k) != Some(v) {
            env.insert(k.clone(), v.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_link_variables_of_a_service() {
        let svc: Service = serde_yaml::from_str(
            "metadata: {name: my-web}\nspec:\n  clusterIP: 10.96.5.5\n  ports:\n  - {name: http, port: 80, protocol: TCP}\n  - {name: dns, port: 53, protocol: UDP}\n",
        )
        .unwrap();
        let vars: BTreeMap<String, String> = service_vars(&svc).into_iter().collect();
        assert_eq!(vars["MY_WEB_SERVICE_HOST"], "10.96.5.5");
        assert_eq!(vars["MY_WEB_SERVICE_PORT"], "80");
        assert_eq!(vars["MY_WEB_SERVICE_PORT_HTTP"], "80");
        assert_eq!(vars["MY_WEB_SERVICE_PORT_DNS"], "53");
        assert_eq!(vars["MY_WEB_PORT"], "tcp://10.96.5.5:80");
        assert_eq!(vars["MY_WEB_PORT_53_UDP"], "udp://10.96.5.5:53");
        assert_eq!(vars["MY_WEB_PORT_53_UDP_PROTO"], "udp");
        assert_eq!(vars["MY_WEB_PORT_53_UDP_PORT"], "53");
        assert_eq!(vars["MY_WEB_PORT_53_UDP_ADDR"], "10.96.5.5");
        assert_eq!(
            vars.len(),
            13,
            "host, port, 2 named ports, PORT, 4 per port: {vars:?}"
        );
    }

    #[test]
    fn headless_services_give_nothing() {
        let svc: Service = serde_yaml::from_str(
            "metadata: {name: h}\nspec:\n  clusterIP: None\n  ports:\n  - {port: 80}\n",
        )
        .unwrap();
        assert!(service_vars(&svc).is_empty());
    }
}
