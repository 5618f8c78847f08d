//! `kubectl describe ingress` (`describeIngressV1`) and `kubectl describe ingressclass`
//! (`describeIngressClassV1`). Backends show the endpoints of the Service's EndpointSlices
//! for the backend's port, as kubectl reads them.

use super::{annotations_multiline, describe_events, labels_multiline, PrefixWriter};
use crate::kubectl::columns::ingress::address;
use crate::kubectl::columns::RowContext;
use k8s_openapi::api::core::v1::{Event, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::{Ingress, IngressBackend, IngressClass};
use kubarium_engine::{Kind, ObjectKey};

/// What describing a backend needs from the cluster.
pub(crate) struct BackendLookup<'a> {
    pub services: &'a dyn Fn(&str) -> Option<Service>,
    /// The EndpointSlices labelled `kubernetes.io/service-name=NAME`.
    pub slices: &'a dyn Fn(&str) -> Vec<EndpointSlice>,
}

/// Reads Services and EndpointSlices of a namespace from the cluster.
pub(crate) fn describe_ingress_in(
    ctx: &crate::kubectl::Ctx,
    ing: &Ingress,
    events: Option<&[Event]>,
    rc: &RowContext,
) -> String {
    let ns = ing.metadata.namespace.clone().unwrap_or_default();
    let api = ctx.cluster.api_ref();
    let services = |name: &str| {
        api.get(&ObjectKey::new(Kind::Service, &ns, name))
            .ok()
            .and_then(|o| o.as_::<Service>().cloned())
    };
    let slices = |name: &str| {
        api.list(Kind::EndpointSlice, Some(&ns))
            .iter()
            .filter_map(|o| o.as_::<EndpointSlice>().cloned())
            .filter(|s| {
                s.metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get("kubernetes.io/service-name"))
                    .map(String::as_str)
                    == Some(name)
            })
            .collect()
    };
    describe_ingress(
        ing,
        &BackendLookup {
            services: &services,
            slices: &slices,
        },
        events,
        rc,
    )
}

pub(crate) fn describe_ingress(
    ing: &Ingress,
    lookup: &BackendLookup<'_>,
    events: Option<&[Event]>,
    rc: &RowContext,
) -> String {
    let mut w = PrefixWriter::default();
    let spec = ing.spec.clone().unwrap_or_default();
    let ns = ing.metadata.namespace.as_deref().unwrap_or("");
    w.write(
        0,
        &format!("Name:\t{}\n", ing.metadata.name.as_deref().unwrap_or("")),
    );
    labels_multiline(&mut w, "Labels", ing.metadata.labels.as_ref());
    w.write(0, &format!("Namespace:\t{ns}\n"));
    w.write(0, &format!("Address:\t{}\n", address(ing, true)));
    w.write(
        0,
        &format!(
            "Ingress Class:\t{}\n",
            spec.ingress_class_name.as_deref().unwrap_or("<none>")
        ),
    );
    let default_backend = match &spec.default_backend {
        Some(b) => describe_backend(b, lookup),
        None => "<default>".to_string(),
    };
    w.write(0, &format!("Default backend:\t{default_backend}\n"));
    if let Some(tls) = spec.tls.as_ref().filter(|t| !t.is_empty()) {
        w.write(0, "TLS:\n");
        for t in tls {
            let hosts = t.hosts.clone().unwrap_or_default().join(",");
            match t.secret_name.as_deref().filter(|s| !s.is_empty()) {
                None => w.write(1, &format!("SNI routes {hosts}\n")),
                Some(s) => w.write(1, &format!("{s} terminates {hosts}\n")),
            }
        }
    }
    w.write(0, "Rules:\n  Host\tPath\tBackends\n");
    w.write(1, "----\t----\t--------\n");
    let mut count = 0;
    for rule in spec.rules.iter().flatten() {
        let Some(http) = &rule.http else { continue };
        count += 1;
        let host = rule
            .host
            .as_deref()
            .filter(|h| !h.is_empty())
            .unwrap_or("*");
        w.write(1, &format!("{host}\t\n"));
        for p in &http.paths {
            w.write(
                2,
                &format!(
                    "\t{} \t{}\n",
                    p.path.as_deref().unwrap_or(""),
                    describe_backend(&p.backend, lookup)
                ),
            );
        }
    }
    if count == 0 {
        w.write(1, &format!("*\t*\t{default_backend}\n"));
    }
    annotations_multiline(&mut w, "Annotations", ing.metadata.annotations.as_ref());
    if let Some(ev) = events {
        describe_events(&mut w, ev, rc);
    }
    w.finish()
}

/// `describeBackendV1`: `svc:port (endpoints)`, or the resource reference.
fn describe_backend(b: &IngressBackend, lookup: &BackendLookup<'_>) -> String {
    if let Some(svc) = &b.service {
        let port = svc.port.clone().unwrap_or_default();
        let number = port.number.unwrap_or(0);
        let port_name = port.name.clone().unwrap_or_default();
        let shown = if number != 0 {
            number.to_string()
        } else {
            port_name.clone()
        };
        let sb = format!("{}:{shown}", svc.name);
        let slices = (lookup.slices)(&svc.name);
        let Some(service) = (lookup.services)(&svc.name) else {
            return format!("{sb} (<error: services {:?} not found>)", svc.name);
        };
        let mut sp_name = String::new();
        for sp in service.spec.iter().flat_map(|s| s.ports.iter().flatten()) {
            if (number != 0 && number == sp.port)
                || (!port_name.is_empty() && Some(&port_name) == sp.name.as_ref())
            {
                sp_name = sp.name.clone().unwrap_or_default();
            }
        }
        return format!("{sb} ({})", format_endpoint_slices(&slices, &sp_name));
    }
    if let Some(r) = &b.resource {
        return format!(
            "APIGroup: {}, Kind: {}, Name: {}",
            r.api_group.as_deref().unwrap_or("<none>"),
            r.kind,
            r.name
        );
    }
    String::new()
}

/// `formatEndpointSlices`: up to three `ip:port` of the slices' ports named `port_name`.
fn format_endpoint_slices(slices: &[EndpointSlice], port_name: &str) -> String {
    if slices.is_empty() {
        return "<none>".into();
    }
    let max = 3;
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0;
    for s in slices {
        let ports = s.ports.as_deref().unwrap_or(&[]);
        if ports.is_empty() {
            for e in s.endpoints.iter().flatten() {
                if list.len() == max {
                    more = true;
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
            for e in s.endpoints.iter().flatten() {
                if list.len() == max {
                    more = true;
                }
                if !more {
                    list.push(format!(
                        "{}:{}",
                        e.addresses.first().cloned().unwrap_or_default(),
                        p.port.unwrap_or(0)
                    ));
                }
                count += 1;
            }
        }
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", count - max)
    } else {
        joined
    }
}

pub(crate) fn describe_ingress_class(
    ic: &IngressClass,
    events: Option<&[Event]>,
    rc: &RowContext,
) -> String {
    let mut w = PrefixWriter::default();
    let spec = ic.spec.clone().unwrap_or_default();
    w.write(
        0,
        &format!("Name:\t{}\n", ic.metadata.name.as_deref().unwrap_or("")),
    );
    labels_multiline(&mut w, "Labels", ic.metadata.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", ic.metadata.annotations.as_ref());
    w.write(
        0,
        &format!("Controller:\t{}\n", spec.controller.unwrap_or_default()),
    );
    if let Some(p) = &spec.parameters {
        w.write(0, "Parameters:\n");
        if let Some(g) = &p.api_group {
            w.write(1, &format!("APIGroup:\t{g}\n"));
        }
        w.write(1, &format!("Kind:\t{}\n", p.kind));
        w.write(1, &format!("Name:\t{}\n", p.name));
    }
    if let Some(ev) = events {
        describe_events(&mut w, ev, rc);
    }
    w.finish()
}
