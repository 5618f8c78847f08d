//! Defaults and validation of Services and Endpoints (`SetDefaults_Service`,
//! `ValidateService`, `ValidateServiceUpdate`) and the Service registry's update preparation
//! (`normalizeClusterIPs`, `dropTypeDependentFields`, `patchAllocatedValues`). Address
//! allocation itself lives in [`crate::network::service_ip`].

use super::validation::{
    dns1123_label, dns1123_subdomain, validate_label_key, validate_label_value, FieldError,
};
use super::workloads::go_json_string;
use super::{Object, Service};
use k8s_openapi::api::core::v1::{
    ClientIPConfig, LoadBalancerStatus, ServicePort, ServiceSpec, ServiceStatus,
    SessionAffinityConfig,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

/// `v1.DefaultClientIPServiceAffinitySeconds`: three hours.
pub const DEFAULT_CLIENT_IP_TIMEOUT_SECONDS: i32 = 10800;
/// `core.MaxClientIPServiceAffinitySeconds`: one day.
pub const MAX_CLIENT_IP_TIMEOUT_SECONDS: i32 = 86400;

/// The Service's type, `ClusterIP` when unset.
pub fn service_type(spec: &ServiceSpec) -> &str {
    spec.type_.as_deref().unwrap_or("ClusterIP")
}

/// Every type but ExternalName gets a ClusterIP (or is headless).
pub fn needs_cluster_ip(spec: &ServiceSpec) -> bool {
    service_type(spec) != "ExternalName"
}

/// `clusterIP: None`.
pub fn is_headless(spec: &ServiceSpec) -> bool {
    match spec.cluster_ips.as_deref() {
        Some([only]) => only == "None",
        Some(_) => false,
        None => spec.cluster_ip.as_deref() == Some("None"),
    }
}

/// NodePort Services, and LoadBalancers unless `allocateLoadBalancerNodePorts: false`.
pub fn needs_node_ports(spec: &ServiceSpec) -> bool {
    match service_type(spec) {
        "NodePort" => true,
        "LoadBalancer" => spec.allocate_load_balancer_node_ports != Some(false),
        _ => false,
    }
}

/// LoadBalancers with `externalTrafficPolicy: Local` get a health-check node port.
pub fn needs_health_check(spec: &ServiceSpec) -> bool {
    service_type(spec) == "LoadBalancer" && spec.external_traffic_policy.as_deref() == Some("Local")
}

/// NodePort and LoadBalancer Services, and ClusterIP Services with external IPs.
pub fn externally_accessible(spec: &ServiceSpec) -> bool {
    match service_type(spec) {
        "NodePort" | "LoadBalancer" => true,
        "ClusterIP" => spec.external_ips.as_ref().is_some_and(|e| !e.is_empty()),
        _ => false,
    }
}

/// Applies the defaults of Services and Endpoints; other kinds pass.
pub fn default_service_kinds(obj: &mut Object) {
    match obj {
        Object::Service(svc) => {
            default_service_spec(svc.spec.get_or_insert_with(Default::default));
            // The registry resets the status on create; it is written by controllers only.
            svc.status = Some(ServiceStatus {
                load_balancer: Some(LoadBalancerStatus::default()),
                conditions: None,
            });
        }
        Object::Endpoints(ep) => {
            for p in ep
                .subsets
                .iter_mut()
                .flatten()
                .flat_map(|s| s.ports.iter_mut().flatten())
            {
                p.protocol.get_or_insert_with(|| "TCP".into());
            }
        }
        _ => {}
    }
}

/// `SetDefaults_Service` plus the strategy's ClusterIP normalization on create.
pub fn default_service_spec(spec: &mut ServiceSpec) {
    let affinity = spec
        .session_affinity
        .get_or_insert_with(|| "None".into())
        .clone();
    match affinity.as_str() {
        "None" => spec.session_affinity_config = None,
        "ClientIP" => {
            let has_timeout = spec
                .session_affinity_config
                .as_ref()
                .and_then(|c| c.client_ip.as_ref())
                .and_then(|c| c.timeout_seconds)
                .is_some();
            if !has_timeout {
                spec.session_affinity_config = Some(SessionAffinityConfig {
                    client_ip: Some(ClientIPConfig {
                        timeout_seconds: Some(DEFAULT_CLIENT_IP_TIMEOUT_SECONDS),
                    }),
                });
            }
        }
        _ => {}
    }
    spec.type_.get_or_insert_with(|| "ClusterIP".into());
    for p in spec.ports.iter_mut().flatten() {
        p.protocol.get_or_insert_with(|| "TCP".into());
        let unset = match &p.target_port {
            None => true,
            Some(IntOrString::Int(0)) => true,
            Some(IntOrString::String(s)) => s.is_empty(),
            _ => false,
        };
        if unset {
            p.target_port = Some(IntOrString::Int(p.port));
        }
    }
    if externally_accessible(spec)
        && spec
            .external_traffic_policy
            .as_deref()
            .unwrap_or("")
            .is_empty()
    {
        spec.external_traffic_policy = Some("Cluster".into());
    }
    if spec.internal_traffic_policy.is_none()
        && matches!(
            service_type(spec),
            "ClusterIP" | "NodePort" | "LoadBalancer"
        )
    {
        spec.internal_traffic_policy = Some("Cluster".into());
    }
    if service_type(spec) == "LoadBalancer" {
        spec.allocate_load_balancer_node_ports.get_or_insert(true);
    }
    // Old clients set only `clusterIP`: the plural follows it.
    if let Some(ip) = spec.cluster_ip.clone().filter(|ip| !ip.is_empty()) {
        if spec.cluster_ips.as_ref().is_none_or(|v| v.is_empty()) {
            spec.cluster_ips = Some(vec![ip]);
        }
    }
    if spec.cluster_ip.as_deref() == Some("") {
        spec.cluster_ip = None;
    }
}

/// Prepares an update of a Service as the registry does before validation: defaults,
/// `clusterIPs` following a changed `clusterIP`, fields the new type does not use dropped
/// (when unchanged), and allocated values the request left out carried over (ClusterIP,
/// node ports by port name, the health-check node port).
pub fn prepare_service_update(new: &mut Service, old: &Service) {
    let Some(os) = old.spec.as_ref() else { return };
    let ns = new.spec.get_or_insert_with(Default::default);
    // normalizeClusterIPs: an old client that left out clusterIPs, or changed clusterIP only.
    let old_ips = os.cluster_ips.clone().unwrap_or_default();
    let same_ips = |s: &ServiceSpec| s.cluster_ips.clone().unwrap_or_default() == old_ips;
    if !old_ips.is_empty()
        && ns.cluster_ips.as_ref().is_none_or(|v| v.is_empty())
        && ns.cluster_ip == os.cluster_ip
    {
        ns.cluster_ips = Some(old_ips.clone());
    }
    if ns.cluster_ip != os.cluster_ip {
        let cleared = ns.cluster_ip.as_deref().unwrap_or("").is_empty();
        if cleared && same_ips(ns) {
            ns.cluster_ips = None;
        } else if same_ips(ns) {
            ns.cluster_ips = ns.cluster_ip.clone().map(|ip| vec![ip]);
        }
    }
    default_service_spec(ns);
    // dropTypeDependentFields.
    if needs_cluster_ip(os) && !needs_cluster_ip(ns) {
        if ns.cluster_ip == os.cluster_ip && same_ips(ns) {
            ns.cluster_ip = None;
            ns.cluster_ips = None;
        }
        if ns.ip_families == os.ip_families {
            ns.ip_families = None;
        }
        if ns.ip_family_policy == os.ip_family_policy {
            ns.ip_family_policy = None;
        }
    }
    if needs_node_ports(os) && !needs_node_ports(ns) && same_node_ports(os, ns) {
        for p in ns.ports.iter_mut().flatten() {
            p.node_port = None;
        }
    }
    if needs_health_check(os)
        && !needs_health_check(ns)
        && os.health_check_node_port == ns.health_check_node_port
    {
        ns.health_check_node_port = None;
    }
    if service_type(os) == "LoadBalancer" && service_type(ns) != "LoadBalancer" {
        if ns.allocate_load_balancer_node_ports == os.allocate_load_balancer_node_ports {
            ns.allocate_load_balancer_node_ports = None;
        }
        if ns.load_balancer_class == os.load_balancer_class {
            ns.load_balancer_class = None;
        }
    }
    if !externally_accessible(ns) && ns.external_traffic_policy == os.external_traffic_policy {
        ns.external_traffic_policy = None;
    }
    // patchAllocatedValues.
    if needs_cluster_ip(os) && needs_cluster_ip(ns) {
        if ns.cluster_ip.as_deref().unwrap_or("").is_empty() {
            ns.cluster_ip = os.cluster_ip.clone();
        }
        if ns.cluster_ips.as_ref().is_none_or(|v| v.is_empty()) && !old_ips.is_empty() {
            ns.cluster_ips = Some(old_ips.clone());
        }
        if ns.ip_families.is_none() && ns.cluster_ips == os.cluster_ips {
            ns.ip_families = os.ip_families.clone();
        }
        if ns.ip_family_policy.is_none() && ns.cluster_ips == os.cluster_ips {
            ns.ip_family_policy = os.ip_family_policy.clone();
        }
    }
    if needs_node_ports(os) && needs_node_ports(ns) {
        // Sets filled by `extend`, not `collect` (which compiles its own sort), for the page's
        // size.
        let used = |s: &ServiceSpec| -> BTreeSet<i32> {
            let mut set = BTreeSet::new();
            set.extend(
                s.ports
                    .iter()
                    .flatten()
                    .filter_map(|p| p.node_port)
                    .filter(|n| *n != 0),
            );
            set
        };
        let mut taken: BTreeSet<i32> = BTreeSet::new();
        taken.extend(used(os).intersection(&used(ns)).copied());
        for p in ns.ports.iter_mut().flatten() {
            if p.node_port.unwrap_or(0) == 0 {
                let by_name = os
                    .ports
                    .iter()
                    .flatten()
                    .find(|o| o.name == p.name)
                    .and_then(|o| o.node_port);
                if let Some(n) = by_name.filter(|n| !taken.contains(n)) {
                    p.node_port = Some(n);
                }
            }
        }
    }
    if needs_health_check(os)
        && needs_health_check(ns)
        && ns.health_check_node_port.unwrap_or(0) == 0
    {
        ns.health_check_node_port = os.health_check_node_port;
    }
}

fn same_node_ports(a: &ServiceSpec, b: &ServiceSpec) -> bool {
    let np = |s: &ServiceSpec| -> Vec<i32> {
        s.ports
            .iter()
            .flatten()
            .map(|p| p.node_port.unwrap_or(0))
            .collect()
    };
    let (a, b) = (np(a), np(b));
    b.iter()
        .enumerate()
        .all(|(i, n)| a.get(i).is_none_or(|o| o == n))
}

/// `ValidateServiceUpdate`'s own checks: the primary ClusterIP may not change once set.
pub fn validate_service_update(new: &Service, old: &Service) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let (Some(ns), Some(os)) = (new.spec.as_ref(), old.spec.as_ref()) else {
        return errs;
    };
    if !needs_cluster_ip(ns) || !needs_cluster_ip(os) || (is_headless(ns) && is_headless(os)) {
        return errs;
    }
    let new_ips = ns.cluster_ips.clone().unwrap_or_default();
    let old_ips = os.cluster_ips.clone().unwrap_or_default();
    let changed = match (old_ips.first(), new_ips.first()) {
        (Some(o), Some(n)) => o != n,
        (Some(_), None) => {
            errs.push(FieldError::invalid(
                "spec.clusterIPs[0]",
                json_string_list(&new_ips),
                "primary clusterIP can not be unset",
            ));
            false
        }
        _ => false,
    };
    if changed {
        errs.push(FieldError::invalid(
            "spec.clusterIPs[0]",
            json_string_list(&new_ips),
            "may not change once set",
        ));
    }
    errs
}

/// A `[]string` as field errors print it since v1.34 (`json.Marshal`): `["10.96.0.1"]`, and
/// `null` for a nil slice (an absent `clusterIPs`).
pub fn json_string_list(v: &[String]) -> String {
    if v.is_empty() {
        return "null".into();
    }
    let items: Vec<String> = v.iter().map(|s| go_json_string(s)).collect();
    format!("[{}]", items.join(","))
}

/// The key `ValidateService` compares ports by, `core.ServicePort{Protocol, Port}`, as a
/// `Duplicate value` prints it since v1.34: `json.Marshal` of the internal struct, which has no
/// JSON tags, so every field appears under its Go name in declaration order, unset ones as
/// `""`, `null` and `0` (`TargetPort` is an `intstr.IntOrString` of int 0):
/// `{"Name":"","Protocol":"TCP","AppProtocol":null,"Port":80,"TargetPort":0,"NodePort":0}`.
fn json_service_port_key(protocol: &str, port: i32) -> String {
    format!(
        "{{\"Name\":\"\",\"Protocol\":{},\"AppProtocol\":null,\"Port\":{port},\"TargetPort\":0,\"NodePort\":0}}",
        go_json_string(protocol)
    )
}

/// Validates Services (`ValidateService`); other kinds pass.
pub fn validate_service_kinds(obj: &Object, errs: &mut Vec<FieldError>) {
    if let Object::Service(svc) = obj {
        validate_service(svc, errs);
    }
}

const DNS1035_LABEL_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

fn validate_service(svc: &Service, errs: &mut Vec<FieldError>) {
    let name = svc.metadata.name.as_deref().unwrap_or("");
    // Service names are DNS-1035 labels (the generic check already reported names that are
    // not even RFC 1123 subdomains).
    if !name.is_empty() && dns1123_subdomain(name).is_empty() {
        if name.len() > 63 {
            errs.push(FieldError::invalid_str(
                "metadata.name",
                name,
                "must be no more than 63 characters",
            ));
        }
        let b = name.as_bytes();
        let ok = b[0].is_ascii_lowercase()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            && b[b.len() - 1] != b'-';
        if !ok {
            errs.push(FieldError::invalid_str(
                "metadata.name",
                name,
                DNS1035_LABEL_MSG,
            ));
        }
    }
    let Some(spec) = svc.spec.as_ref() else {
        errs.push(FieldError::required("spec.ports", ""));
        return;
    };
    let ty = spec.type_.as_deref().unwrap_or("");
    let headless = is_headless(spec);
    let ports: &[ServicePort] = spec.ports.as_deref().unwrap_or(&[]);
    let cluster_ips = spec.cluster_ips.clone().unwrap_or_default();
    if ports.is_empty() && !headless && ty != "ExternalName" {
        errs.push(FieldError::required("spec.ports", ""));
    }
    match ty {
        "LoadBalancer" | "NodePort" if headless => errs.push(FieldError::invalid_str(
            "spec.clusterIPs[0]",
            "None",
            format!("may not be set to 'None' for {ty} services"),
        )),
        "ExternalName" => {
            if !cluster_ips.is_empty() {
                errs.push(FieldError::forbidden(
                    "spec.clusterIPs",
                    "may not be set for ExternalName services",
                ));
            }
            if spec.ip_families.as_ref().is_some_and(|f| !f.is_empty()) {
                errs.push(FieldError::forbidden(
                    "spec.ipFamilies",
                    "may not be set for ExternalName services",
                ));
            }
            if spec.ip_family_policy.is_some() {
                errs.push(FieldError::forbidden(
                    "spec.ipFamilyPolicy",
                    "may not be set for ExternalName services",
                ));
            }
            let ext = spec.external_name.as_deref().unwrap_or("");
            let cname = ext.strip_suffix('.').unwrap_or(ext);
            if cname.is_empty() {
                errs.push(FieldError::required("spec.externalName", ""));
            } else {
                for m in dns1123_subdomain(cname) {
                    errs.push(FieldError::invalid_str("spec.externalName", cname, m));
                }
            }
        }
        _ => {}
    }
    let mut names = BTreeSet::new();
    for (i, p) in ports.iter().enumerate() {
        validate_port(p, i, ports.len() > 1, &mut names, errs);
    }
    for (k, v) in spec.selector.iter().flatten() {
        if let Err(m) = validate_label_key(k) {
            errs.push(FieldError::invalid_str("spec.selector", k, m));
        }
        if let Err(m) = validate_label_value(v) {
            errs.push(FieldError::invalid_str("spec.selector", v, m));
        }
    }
    match spec.session_affinity.as_deref().unwrap_or("") {
        "" => errs.push(FieldError::required("spec.sessionAffinity", "")),
        "ClientIP" => {
            match spec
                .session_affinity_config
                .as_ref()
                .and_then(|c| c.client_ip.as_ref())
                .and_then(|c| c.timeout_seconds)
            {
                None => errs.push(FieldError::required(
                    "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
                    "",
                )),
                Some(t) if t <= 0 || t > MAX_CLIENT_IP_TIMEOUT_SECONDS => {
                    errs.push(FieldError::invalid(
                        "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
                        t.to_string(),
                        format!(
                            "must be greater than 0 and less than {MAX_CLIENT_IP_TIMEOUT_SECONDS}"
                        ),
                    ))
                }
                _ => {}
            }
        }
        "None" => {
            if spec.session_affinity_config.is_some() {
                errs.push(FieldError::forbidden(
                    "spec.sessionAffinityConfig",
                    "must not be set when session affinity is None",
                ));
            }
        }
        other => errs.push(FieldError::not_supported(
            "spec.sessionAffinity",
            other,
            &["ClientIP", "None"],
        )),
    }
    if ty != "ExternalName" {
        validate_cluster_ips(spec, &cluster_ips, errs);
    }
    for (i, ip) in spec.external_ips.iter().flatten().enumerate() {
        let field = format!("spec.externalIPs[{i}]");
        match ip.parse::<Ipv4Addr>() {
            Err(_) => errs.push(FieldError::invalid_str(
                field,
                ip,
                "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
            )),
            Ok(a) => {
                let special = if a.is_unspecified() {
                    Some("may not be unspecified (0.0.0.0)")
                } else if a.is_loopback() {
                    Some("may not be in the loopback range (127.0.0.0/8, ::1/128)")
                } else if a.is_link_local() {
                    Some("may not be in the link-local range (169.254.0.0/16, fe80::/10)")
                } else if a.octets()[..3] == [224, 0, 0] {
                    Some("may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)")
                } else {
                    None
                };
                if let Some(m) = special {
                    errs.push(FieldError::invalid_str(field, ip, m));
                }
            }
        }
    }
    match ty {
        "" => errs.push(FieldError::required("spec.type", "")),
        "ClusterIP" | "ExternalName" | "LoadBalancer" | "NodePort" => {}
        other => errs.push(FieldError::not_supported(
            "spec.type",
            other,
            &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"],
        )),
    }
    if ty == "ClusterIP" {
        for (i, p) in ports.iter().enumerate() {
            if p.node_port.unwrap_or(0) != 0 {
                errs.push(FieldError::forbidden(
                    format!("spec.ports[{i}].nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                ));
            }
        }
    }
    let mut node_ports = BTreeSet::new();
    for (i, p) in ports.iter().enumerate() {
        let Some(n) = p.node_port.filter(|n| *n != 0) else {
            continue;
        };
        if !node_ports.insert((p.protocol.clone(), n)) {
            errs.push(FieldError {
                value: n.to_string(),
                ..FieldError::duplicate(format!("spec.ports[{i}].nodePort"), "")
            });
        }
    }
    let mut seen = BTreeSet::new();
    for (i, p) in ports.iter().enumerate() {
        let protocol = p.protocol.clone().unwrap_or_default();
        if !seen.insert((protocol.clone(), p.port)) {
            errs.push(FieldError {
                value: json_service_port_key(&protocol, p.port),
                ..FieldError::duplicate(format!("spec.ports[{i}]"), "")
            });
        }
    }
    if spec
        .load_balancer_source_ranges
        .as_ref()
        .is_some_and(|r| !r.is_empty())
        && ty != "LoadBalancer"
    {
        errs.push(FieldError::forbidden(
            "spec.LoadBalancerSourceRanges",
            "may only be used when `type` is 'LoadBalancer'",
        ));
    }
    if spec.allocate_load_balancer_node_ports.is_some() && ty != "LoadBalancer" {
        errs.push(FieldError::forbidden(
            "spec.allocateLoadBalancerNodePorts",
            "may only be used when `type` is 'LoadBalancer'",
        ));
    }
    if ty == "LoadBalancer" && spec.allocate_load_balancer_node_ports.is_none() {
        errs.push(FieldError::required("allocateLoadBalancerNodePorts", ""));
    }
    if spec.load_balancer_class.is_some() && ty != "LoadBalancer" {
        errs.push(FieldError::forbidden(
            "spec.loadBalancerClass",
            "may only be used when `type` is 'LoadBalancer'",
        ));
    }
    let etp = spec.external_traffic_policy.as_deref().unwrap_or("");
    if !externally_accessible(spec) {
        if !etp.is_empty() {
            errs.push(FieldError::invalid_str(
                "spec.externalTrafficPolicy",
                etp,
                "may only be set for externally-accessible services",
            ));
        }
    } else if etp.is_empty() {
        errs.push(FieldError::required("spec.externalTrafficPolicy", ""));
    } else if !matches!(etp, "Cluster" | "Local") {
        errs.push(FieldError::not_supported(
            "spec.externalTrafficPolicy",
            etp,
            &["Cluster", "Local"],
        ));
    }
    if !needs_health_check(spec) && spec.health_check_node_port.unwrap_or(0) != 0 {
        errs.push(FieldError::invalid(
            "spec.healthCheckNodePort",
            spec.health_check_node_port.unwrap_or(0).to_string(),
            "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
        ));
    }
    match spec.internal_traffic_policy.as_deref() {
        None if matches!(ty, "ClusterIP" | "NodePort" | "LoadBalancer") => {
            errs.push(FieldError::required("spec.internalTrafficPolicy", ""))
        }
        Some(p) if !matches!(p, "Cluster" | "Local") => errs.push(FieldError::not_supported(
            "spec.internalTrafficPolicy",
            p,
            &["Cluster", "Local"],
        )),
        _ => {}
    }
    if let Some(td) = spec.traffic_distribution.as_deref() {
        if td != "PreferClose" {
            errs.push(FieldError::not_supported(
                "spec.trafficDistribution",
                td,
                &["PreferClose"],
            ));
        }
    }
}

fn validate_port(
    p: &ServicePort,
    i: usize,
    require_name: bool,
    names: &mut BTreeSet<String>,
    errs: &mut Vec<FieldError>,
) {
    let path = format!("spec.ports[{i}]");
    let name = p.name.as_deref().unwrap_or("");
    if require_name && name.is_empty() {
        errs.push(FieldError::required(format!("{path}.name"), ""));
    } else if !name.is_empty() {
        for m in dns1123_label(name) {
            errs.push(FieldError::invalid_str(format!("{path}.name"), name, m));
        }
        if !names.insert(name.to_string()) {
            errs.push(FieldError::duplicate(format!("{path}.name"), name));
        }
    }
    if !(1..=65535).contains(&p.port) {
        errs.push(FieldError::invalid(
            format!("{path}.port"),
            p.port.to_string(),
            "must be between 1 and 65535, inclusive",
        ));
    }
    match p.protocol.as_deref().unwrap_or("") {
        "" => errs.push(FieldError::required(format!("{path}.protocol"), "")),
        "TCP" | "UDP" | "SCTP" => {}
        other => errs.push(FieldError::not_supported(
            format!("{path}.protocol"),
            other,
            &["SCTP", "TCP", "UDP"],
        )),
    }
    match &p.target_port {
        Some(IntOrString::Int(n)) if !(1..=65535).contains(n) => errs.push(FieldError::invalid(
            format!("{path}.targetPort"),
            n.to_string(),
            "must be between 1 and 65535, inclusive",
        )),
        Some(IntOrString::String(s)) => {
            for m in port_name_errors(s) {
                errs.push(FieldError::invalid_str(format!("{path}.targetPort"), s, m));
            }
        }
        _ => {}
    }
}

/// `IsValidPortName`: an IANA service name.
pub fn port_name_errors(s: &str) -> Vec<&'static str> {
    let mut errs = Vec::new();
    if s.len() > 15 {
        errs.push("must be no more than 15 characters");
    }
    if s.is_empty()
        || !s
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
    {
        errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
    }
    if !s.bytes().any(|c| c.is_ascii_lowercase()) {
        errs.push("must contain at least one letter (a-z)");
    }
    if s.contains("--") {
        errs.push("must not contain consecutive hyphens");
    }
    if s.starts_with('-') || s.ends_with('-') {
        errs.push("must not begin or end with a hyphen");
    }
    errs
}

fn validate_cluster_ips(spec: &ServiceSpec, ips: &[String], errs: &mut Vec<FieldError>) {
    let ip = spec.cluster_ip.as_deref().unwrap_or("");
    if !ip.is_empty() {
        if ips.is_empty() {
            errs.push(FieldError::required("spec.clusterIPs", ""));
        } else if ips[0] != ip {
            errs.push(FieldError::invalid(
                "spec.clusterIPs",
                json_string_list(ips),
                "first value must match `clusterIP`",
            ));
        }
    } else if !ips.is_empty() {
        errs.push(FieldError::invalid(
            "spec.clusterIPs",
            json_string_list(ips),
            "must be empty when `clusterIP` is not specified",
        ));
    }
    for (i, f) in spec.ip_families.iter().flatten().enumerate() {
        if !matches!(f.as_str(), "IPv4" | "IPv6") {
            errs.push(FieldError::not_supported(
                format!("spec.ipFamilies[{i}]"),
                f,
                &["IPv4", "IPv6"],
            ));
        }
    }
    if let Some(p) = spec.ip_family_policy.as_deref() {
        if !matches!(p, "SingleStack" | "PreferDualStack" | "RequireDualStack") {
            errs.push(FieldError::not_supported(
                "spec.ipFamilyPolicy",
                p,
                &["PreferDualStack", "RequireDualStack", "SingleStack"],
            ));
        }
    }
    for (i, ip) in ips.iter().enumerate() {
        if i == 0 && ip == "None" {
            if ips.len() > 1 {
                errs.push(FieldError::invalid(
                    "spec.clusterIPs",
                    json_string_list(ips),
                    "'None' must be the first and only value",
                ));
            }
            continue;
        }
        if ip.parse::<std::net::IpAddr>().is_err() {
            errs.push(FieldError::invalid_str(
                format!("spec.clusterIPs[{i}]"),
                ip,
                "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
            ));
        }
    }
    if ips.len() > 2 {
        errs.push(FieldError::invalid(
            "spec.clusterIPs",
            json_string_list(ips),
            "may only hold up to 2 values",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::validation::validate;

    fn parse(yaml: &str) -> Service {
        serde_yaml::from_str(yaml).unwrap()
    }

    fn errors(svc: &Service) -> Vec<String> {
        let mut obj = Object::from(svc.clone());
        default_service_kinds(&mut obj);
        validate(&obj).iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn defaults_of_a_plain_service() {
        let mut obj = Object::from(parse(
            "metadata: {name: web}\nspec:\n  selector: {app: web}\n  ports:\n  - port: 80\n",
        ));
        default_service_kinds(&mut obj);
        let Object::Service(s) = obj else {
            unreachable!()
        };
        let spec = s.spec.unwrap();
        assert_eq!(spec.type_.as_deref(), Some("ClusterIP"));
        assert_eq!(spec.session_affinity.as_deref(), Some("None"));
        assert_eq!(spec.internal_traffic_policy.as_deref(), Some("Cluster"));
        assert_eq!(spec.external_traffic_policy, None);
        let p = &spec.ports.unwrap()[0];
        assert_eq!(p.protocol.as_deref(), Some("TCP"));
        assert_eq!(p.target_port, Some(IntOrString::Int(80)));
    }

    #[test]
    fn client_ip_affinity_gets_three_hours() {
        let mut spec: ServiceSpec =
            serde_yaml::from_str("sessionAffinity: ClientIP\ntype: NodePort\n").unwrap();
        default_service_spec(&mut spec);
        let t = spec
            .session_affinity_config
            .unwrap()
            .client_ip
            .unwrap()
            .timeout_seconds;
        assert_eq!(t, Some(10800));
        assert_eq!(spec.external_traffic_policy.as_deref(), Some("Cluster"));
    }

    #[test]
    fn port_names_are_required_with_several_ports_and_unique() {
        let svc = parse(
            "metadata: {name: web}\nspec:\n  ports:\n  - port: 80\n  - {port: 80, name: b}\n",
        );
        let errs = errors(&svc);
        assert!(
            errs.contains(&"spec.ports[0].name: Required value".to_string()),
            "{errs:?}"
        );
        assert!(
            errs.contains(
                &r#"spec.ports[1]: Duplicate value: {"Name":"","Protocol":"TCP","AppProtocol":null,"Port":80,"TargetPort":0,"NodePort":0}"#
                    .to_string()
            ),
            "{errs:?}"
        );
    }

    #[test]
    fn external_name_rules() {
        let svc = parse("metadata: {name: ext}\nspec: {type: ExternalName}\n");
        assert_eq!(
            errors(&svc),
            vec!["spec.externalName: Required value".to_string()]
        );
        let ok =
            parse("metadata: {name: ext}\nspec: {type: ExternalName, externalName: google.com}\n");
        assert!(errors(&ok).is_empty());
    }

    #[test]
    fn cluster_ip_type_forbids_node_ports() {
        let svc =
            parse("metadata: {name: web}\nspec:\n  ports:\n  - {port: 80, nodePort: 30080}\n");
        assert_eq!(
            errors(&svc),
            vec![
                "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"
                    .to_string()
            ]
        );
    }

    #[test]
    fn changing_the_cluster_ip_is_refused_and_omitting_it_keeps_it() {
        let mut old =
            parse("metadata: {name: web}\nspec:\n  clusterIP: 10.96.5.5\n  ports:\n  - port: 80\n");
        default_service_spec(old.spec.as_mut().unwrap());
        let mut new =
            parse("metadata: {name: web}\nspec:\n  clusterIP: 10.96.5.6\n  ports:\n  - port: 80\n");
        prepare_service_update(&mut new, &old);
        let errs: Vec<String> = validate_service_update(&new, &old)
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(
            errs,
            vec![
                r#"spec.clusterIPs[0]: Invalid value: ["10.96.5.6"]: may not change once set"#
                    .to_string()
            ]
        );
        let mut omitted = parse("metadata: {name: web}\nspec:\n  ports:\n  - port: 80\n");
        prepare_service_update(&mut omitted, &old);
        assert_eq!(
            omitted.spec.unwrap().cluster_ip.as_deref(),
            Some("10.96.5.5")
        );
    }

    #[test]
    fn node_ports_dropped_when_changing_to_cluster_ip() {
        let mut old = parse("metadata: {name: web}\nspec:\n  type: NodePort\n  ports:\n  - {port: 80, nodePort: 30123}\n");
        default_service_spec(old.spec.as_mut().unwrap());
        let mut new = old.clone();
        new.spec.as_mut().unwrap().type_ = Some("ClusterIP".into());
        prepare_service_update(&mut new, &old);
        let spec = new.spec.unwrap();
        assert_eq!(spec.ports.unwrap()[0].node_port, None);
        assert_eq!(spec.external_traffic_policy, None);
    }
}
