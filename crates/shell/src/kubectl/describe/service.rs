//! `kubectl describe service` (`describeService`): identity, selector, type, IP families and
//! addresses, each port with its target, node port and ready endpoints (read from the
//! Service's EndpointSlices), affinity, traffic policies and events.

use super::{annotations_multiline, describe_events, labels_multiline, PrefixWriter};
use crate::kubectl::columns::service::format_labels;
use crate::kubectl::columns::RowContext;
use k8s_openapi::api::core::v1::{Event, LoadBalancerIngress, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// `buildIngressString`: `192.168.1.11 (VIP)`, host names as they are, comma separated.
fn ingress_string(ingress: &[LoadBalancerIngress]) -> String {
    ingress
        .iter()
        .map(|i| match i.ip.as_deref().filter(|ip| !ip.is_empty()) {
            Some(ip) => match &i.ip_mode {
                Some(m) => format!("{ip} ({m})"),
                None => ip.to_string(),
            },
            None => i.hostname.clone().unwrap_or_default(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `formatEndpointSlices`: the ready endpoints of the slice ports named `port_name` as
/// `ip:port` (bare IPs in port-less slices), three at most then `+ N more...`; `<none>`
/// without slices.
pub fn format_endpoint_slices(slices: &[EndpointSlice], port_name: &str) -> String {
    if slices.is_empty() {
        return "<none>".into();
    }
    const MAX: usize = 3;
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0;
    for s in slices {
        let endpoints = s.endpoints.as_deref().unwrap_or(&[]);
        let ready = |e: &k8s_openapi::api::discovery::v1::Endpoint| {
            e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true)
        };
        let ports = s.ports.as_deref().unwrap_or(&[]);
        if ports.is_empty() {
            for e in endpoints {
                if list.len() == MAX {
                    more = true;
                }
                if !ready(e) {
                    continue;
                }
                if !more {
                    list.push(e.addresses.first().cloned().unwrap_or_default());
                }
                count += 1;
            }
            continue;
        }
        for p in ports {
            if p.name.as_deref().unwrap_or("") != port_name {
                continue;
            }
            for e in endpoints {
                if list.len() == MAX {
                    more = true;
                }
                if !ready(e) {
                    continue;
                }
                if !more {
                    let addr = e.addresses.first().cloned().unwrap_or_default();
                    list.push(format!("{addr}:{}", p.port.unwrap_or(0)));
                }
                count += 1;
            }
        }
    }
    let ret = list.join(",");
    if more {
        format!("{ret} + {} more...", count - MAX)
    } else {
        ret
    }
}

pub(crate) fn describe_service(
    svc: &Service,
    slices: &[EndpointSlice],
    events: Option<&[Event]>,
    rc: &RowContext,
) -> String {
    let mut w = PrefixWriter::default();
    let spec = svc.spec.clone().unwrap_or_default();
    let m = &svc.metadata;
    w.write(0, &format!("Name:\t{}\n", m.name.as_deref().unwrap_or("")));
    w.write(
        0,
        &format!("Namespace:\t{}\n", m.namespace.as_deref().unwrap_or("")),
    );
    labels_multiline(&mut w, "Labels", m.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", m.annotations.as_ref());
    w.write(
        0,
        &format!("Selector:\t{}\n", format_labels(spec.selector.as_ref())),
    );
    w.write(
        0,
        &format!("Type:\t{}\n", spec.type_.as_deref().unwrap_or("")),
    );
    if let Some(p) = &spec.ip_family_policy {
        w.write(0, &format!("IP Family Policy:\t{p}\n"));
    }
    match spec.ip_families.as_ref().filter(|f| !f.is_empty()) {
        Some(f) => w.write(0, &format!("IP Families:\t{}\n", f.join(","))),
        None => w.write(0, "IP Families:\t<none>\n"),
    }
    w.write(
        0,
        &format!("IP:\t{}\n", spec.cluster_ip.as_deref().unwrap_or("")),
    );
    match spec.cluster_ips.as_ref().filter(|v| !v.is_empty()) {
        Some(ips) => w.write(0, &format!("IPs:\t{}\n", ips.join(","))),
        None => w.write(0, "IPs:\t<none>\n"),
    }
    if let Some(ext) = spec.external_ips.as_ref().filter(|v| !v.is_empty()) {
        w.write(0, &format!("External IPs:\t{}\n", ext.join(",")));
    }
    if let Some(ip) = spec.load_balancer_ip.as_deref().filter(|s| !s.is_empty()) {
        w.write(0, &format!("Desired LoadBalancer IP:\t{ip}\n"));
    }
    if let Some(name) = spec.external_name.as_deref().filter(|s| !s.is_empty()) {
        w.write(0, &format!("External Name:\t{name}\n"));
    }
    let ingress = svc
        .status
        .as_ref()
        .and_then(|s| s.load_balancer.as_ref())
        .and_then(|l| l.ingress.clone())
        .unwrap_or_default();
    if !ingress.is_empty() {
        w.write(
            0,
            &format!("LoadBalancer Ingress:\t{}\n", ingress_string(&ingress)),
        );
    }
    for sp in spec.ports.iter().flatten() {
        let raw_name = sp.name.clone().unwrap_or_default();
        let name = if raw_name.is_empty() {
            "<unset>".to_string()
        } else {
            raw_name.clone()
        };
        let proto = sp.protocol.as_deref().unwrap_or("");
        w.write(0, &format!("Port:\t{name}\t{}/{proto}\n", sp.port));
        match &sp.target_port {
            Some(IntOrString::String(s)) => w.write(0, &format!("TargetPort:\t{s}/{proto}\n")),
            Some(IntOrString::Int(n)) => w.write(0, &format!("TargetPort:\t{n}/{proto}\n")),
            None => w.write(0, &format!("TargetPort:\t0/{proto}\n")),
        }
        if let Some(a) = &sp.app_protocol {
            w.write(0, &format!("AppProtocol:\t{a}\n"));
        }
        if let Some(n) = sp.node_port.filter(|n| *n != 0) {
            w.write(0, &format!("NodePort:\t{name}\t{n}/{proto}\n"));
        }
        w.write(
            0,
            &format!(
                "Endpoints:\t{}\n",
                format_endpoint_slices(slices, &raw_name)
            ),
        );
    }
    w.write(
        0,
        &format!(
            "Session Affinity:\t{}\n",
            spec.session_affinity.as_deref().unwrap_or("")
        ),
    );
    if let Some(p) = spec
        .external_traffic_policy
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        w.write(0, &format!("External Traffic Policy:\t{p}\n"));
    }
    if let Some(p) = &spec.internal_traffic_policy {
        w.write(0, &format!("Internal Traffic Policy:\t{p}\n"));
    }
    if let Some(n) = spec.health_check_node_port.filter(|n| *n != 0) {
        w.write(0, &format!("HealthCheck NodePort:\t{n}\n"));
    }
    if let Some(r) = spec
        .load_balancer_source_ranges
        .as_ref()
        .filter(|v| !v.is_empty())
    {
        w.write(
            0,
            &format!("LoadBalancer Source Ranges:\t{}\n", r.join(",")),
        );
    }
    if let Some(t) = &spec.traffic_distribution {
        w.write(0, &format!("Traffic Distribution:\t{t}\n"));
    }
    if let Some(events) = events {
        describe_events(&mut w, events, rc);
    }
    w.finish()
}
