//! Ingresses and IngressClasses: `NAME CLASS HOSTS ADDRESS PORTS AGE` and
//! `NAME CONTROLLER PARAMETERS AGE` (kubectl's `printIngress`, `printIngressClass`).

use super::{col, Column, RowContext};
use k8s_openapi::api::networking::v1::{Ingress, IngressClass, IngressRule};
use kubarium_engine::Object;
use std::collections::BTreeSet;

pub const COLUMNS: &[Column] = &[
    col("Name"),
    col("Class"),
    col("Hosts"),
    col("Address"),
    col("Ports"),
    col("Age"),
];

pub const CLASS_COLUMNS: &[Column] = &[
    col("Name"),
    col("Controller"),
    col("Parameters"),
    col("Age"),
];

/// Addresses longer than this are clipped with `...` unless `-o wide` (`loadBalancerWidth`).
const LOAD_BALANCER_WIDTH: usize = 16;

pub fn row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    match obj.as_::<Ingress>() {
        Some(i) => ingress_row(i, ctx, false),
        None => Vec::new(),
    }
}

/// The cells of `printIngress`; `wide` keeps the ADDRESS unclipped.
pub fn ingress_row(ing: &Ingress, ctx: &RowContext, wide: bool) -> Vec<String> {
    let spec = ing.spec.clone().unwrap_or_default();
    let class = spec
        .ingress_class_name
        .clone()
        .unwrap_or_else(|| "<none>".into());
    let ports = if spec.tls.as_ref().is_some_and(|t| !t.is_empty()) {
        "80, 443"
    } else {
        "80"
    };
    vec![
        ing.metadata.name.clone().unwrap_or_default(),
        class,
        format_hosts(spec.rules.as_deref().unwrap_or(&[])),
        address(ing, wide),
        ports.to_string(),
        ctx.since(ing.metadata.creation_timestamp.as_ref()),
    ]
}

/// `formatHosts`: up to three hosts, `*` when no rule names one.
///
/// Worked example: rules for a, b, c, d and a hostless one give `a,b,c + 2 more...`.
pub fn format_hosts(rules: &[IngressRule]) -> String {
    let max = 3;
    let mut list: Vec<&str> = Vec::new();
    let mut more = false;
    for rule in rules {
        if list.len() == max {
            more = true;
        }
        let host = rule.host.as_deref().unwrap_or("");
        if !more && !host.is_empty() {
            list.push(host);
        }
    }
    if list.is_empty() {
        return "*".into();
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", rules.len() - max)
    } else {
        joined
    }
}

/// `ingressLoadBalancerStatusStringer`: the sorted, distinct IPs (or host names).
pub fn address(ing: &Ingress, wide: bool) -> String {
    let set: BTreeSet<String> = ing
        .status
        .iter()
        .filter_map(|s| s.load_balancer.as_ref())
        .flat_map(|lb| lb.ingress.iter().flatten())
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

pub fn class_row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    let Some(ic) = obj.as_::<IngressClass>() else {
        return Vec::new();
    };
    let spec = ic.spec.clone().unwrap_or_default();
    let parameters = match &spec.parameters {
        None => "<none>".to_string(),
        Some(p) => match &p.api_group {
            Some(g) => format!("{}.{g}/{}", p.kind, p.name),
            None => format!("{}/{}", p.kind, p.name),
        },
    };
    vec![
        ic.metadata.name.clone().unwrap_or_default(),
        spec.controller.unwrap_or_default(),
        parameters,
        ctx.since(ic.metadata.creation_timestamp.as_ref()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hosts_ports_and_clipped_addresses() {
        let ing: Ingress = serde_json::from_value(json!({
            "metadata": {"name": "marvel-heroes-ingress", "creationTimestamp": "2026-11-23T09:00:00Z"},
            "spec": {"rules": [{"host": "a"}, {"host": "b"}, {"host": "c"}, {"host": "d"}, {}],
                     "tls": [{"secretName": "s"}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "192.168.1.103"}, {"ip": "192.168.1.101"}]}}
        }))
        .unwrap();
        let ctx = RowContext {
            now_unix_ms: 1_795_424_400_000 + 104_000,
        };
        assert_eq!(
            ingress_row(&ing, &ctx, false),
            [
                "marvel-heroes-ingress",
                "<none>",
                "a,b,c + 2 more...",
                "192.168.1.101...",
                "80, 443",
                "104s"
            ]
        );
        assert_eq!(address(&ing, true), "192.168.1.101,192.168.1.103");
        assert_eq!(format_hosts(&[]), "*");
    }
}
