//! Services: `NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE`, wide `SELECTOR` (`printService`).

use super::{col, wide, Column, RowContext};
use k8s_openapi::api::core::v1::{LoadBalancerStatus, Service, ServicePort};
use kubarium_engine::Object;
use std::collections::BTreeMap;

pub const COLUMNS: &[Column] = &[
    col("Name"),
    col("Type"),
    col("Cluster-IP"),
    col("External-IP"),
    col("Port(s)"),
    col("Age"),
    wide("Selector"),
];

/// kubectl's `loadBalancerWidth`: longer LoadBalancer addresses are cut to 13 characters and
/// `...` when the table is not generated wide. The API server's table convertor always
/// generates wide rows, so `kubectl get` shows them whole.
const LOAD_BALANCER_WIDTH: usize = 16;

pub fn row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    match obj.as_::<Service>() {
        Some(s) => service_row(s, ctx, true),
        None => Vec::new(),
    }
}

/// The cells of kubectl's `printService`.
pub fn service_row(svc: &Service, ctx: &RowContext, wide: bool) -> Vec<String> {
    let spec = svc.spec.clone().unwrap_or_default();
    let internal = spec
        .cluster_ips
        .as_ref()
        .and_then(|v| v.first().cloned())
        .unwrap_or_else(|| "<none>".into());
    let ports = port_string(spec.ports.as_deref().unwrap_or(&[]));
    vec![
        svc.metadata.name.clone().unwrap_or_default(),
        spec.type_.clone().unwrap_or_default(),
        internal,
        external_ip(svc, wide),
        if ports.is_empty() {
            "<none>".into()
        } else {
            ports
        },
        ctx.since(svc.metadata.creation_timestamp.as_ref()),
        format_labels(spec.selector.as_ref()),
    ]
}

/// `makePortString`: `80/TCP`, `80:30123/TCP`, comma separated.
pub fn port_string(ports: &[ServicePort]) -> String {
    ports
        .iter()
        .map(|p| {
            let proto = p.protocol.as_deref().unwrap_or("");
            match p.node_port.filter(|n| *n > 0) {
                Some(n) => format!("{}:{n}/{proto}", p.port),
                None => format!("{}/{proto}", p.port),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// `labels.FormatLabels`: `k=v,k2=v2` sorted by key, `<none>` when empty.
pub fn format_labels(m: Option<&BTreeMap<String, String>>) -> String {
    match m.filter(|m| !m.is_empty()) {
        Some(m) => m
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(","),
        None => "<none>".into(),
    }
}

/// `loadBalancerStatusStringer`: the ingress IPs (or host names), sorted and de-duplicated.
pub fn load_balancer_string(s: Option<&LoadBalancerStatus>, wide: bool) -> String {
    let set: std::collections::BTreeSet<String> = s
        .and_then(|s| s.ingress.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|i| {
            i.ip.clone()
                .filter(|ip| !ip.is_empty())
                .or_else(|| i.hostname.clone().filter(|h| !h.is_empty()))
        })
        .collect();
    let r = set.into_iter().collect::<Vec<_>>().join(",");
    if !wide && r.len() > LOAD_BALANCER_WIDTH {
        format!("{}...", &r[..LOAD_BALANCER_WIDTH - 3])
    } else {
        r
    }
}

/// `getServiceExternalIP`.
pub fn external_ip(svc: &Service, wide: bool) -> String {
    let spec = svc.spec.clone().unwrap_or_default();
    let external = spec.external_ips.clone().unwrap_or_default();
    match spec.type_.as_deref().unwrap_or("") {
        "ClusterIP" | "NodePort" => {
            if external.is_empty() {
                "<none>".into()
            } else {
                external.join(",")
            }
        }
        "LoadBalancer" => {
            let lb = load_balancer_string(
                svc.status.as_ref().and_then(|s| s.load_balancer.as_ref()),
                wide,
            );
            if !external.is_empty() {
                let mut all: Vec<String> = Vec::new();
                if !lb.is_empty() {
                    all.extend(lb.split(',').map(str::to_string));
                }
                all.extend(external);
                all.join(",")
            } else if !lb.is_empty() {
                lb
            } else {
                "<pending>".into()
            }
        }
        "ExternalName" => spec.external_name.clone().unwrap_or_default(),
        _ => "<unknown>".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> RowContext {
        RowContext {
            now_unix_ms: 1_795_424_400_000 + 64_000,
        }
    }

    fn svc(yaml: &str) -> Service {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn node_port_row() {
        let s = svc("metadata: {name: appjs-service-nodeport, creationTimestamp: '2026-11-23T09:00:00Z'}\nspec:\n  type: NodePort\n  clusterIP: 10.102.83.10\n  clusterIPs: [10.102.83.10]\n  selector: {app: appjs}\n  ports:\n  - {port: 80, nodePort: 30123, protocol: TCP}\n");
        assert_eq!(
            service_row(&s, &ctx(), true),
            [
                "appjs-service-nodeport",
                "NodePort",
                "10.102.83.10",
                "<none>",
                "80:30123/TCP",
                "64s",
                "app=appjs"
            ]
        );
    }

    #[test]
    fn external_ips_by_type() {
        let pending = svc("metadata: {name: lb}\nspec: {type: LoadBalancer}\n");
        assert_eq!(external_ip(&pending, false), "<pending>");
        let lb = svc("metadata: {name: lb}\nspec: {type: LoadBalancer, externalIPs: [10.0.0.11]}\nstatus: {loadBalancer: {ingress: [{ip: 192.168.1.11}]}}\n");
        assert_eq!(external_ip(&lb, false), "192.168.1.11,10.0.0.11");
        let host = svc("metadata: {name: lb}\nspec: {type: LoadBalancer}\nstatus: {loadBalancer: {ingress: [{hostname: addb9a484bfb446e186673a65b70a378-112458769.ap-northeast-2.elb.amazonaws.com}]}}\n");
        assert_eq!(external_ip(&host, false), "addb9a484bfb4...");
        assert_eq!(
            external_ip(&host, true),
            "addb9a484bfb446e186673a65b70a378-112458769.ap-northeast-2.elb.amazonaws.com"
        );
        let ext =
            svc("metadata: {name: e}\nspec: {type: ExternalName, externalName: google.com}\n");
        assert_eq!(external_ip(&ext, false), "google.com");
        let cip = svc("metadata: {name: c}\nspec: {type: ClusterIP, externalIPs: [10.0.0.11]}\n");
        assert_eq!(external_ip(&cip, false), "10.0.0.11");
    }
}
