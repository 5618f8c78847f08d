//! `kubectl expose` (pod, deployment, replicaset, replicationcontroller, service) and
//! `kubectl create service clusterip|nodeport|loadbalancer|externalname`, with the Service
//! objects both build in Go's shape (`--dry-run=client -o yaml|json` byte-identical).
//!
//! `expose` takes from the exposed object what the user did not say: the selector (a pod's
//! labels, a controller's `matchLabels`, a Service's selector), the port(s) (its container
//! ports, or a Service's ports; several become `port-1`, `port-2`, …), each port's protocol,
//! and the labels. `targetPort` is `--target-port` or the port itself.

use super::errors::api_error_text;
use super::flags::{self, boolean, value, FlagSpec, Parsed};
use super::generators::{object_meta, GoValue};
use super::manifest;
use super::print_flags::{self as pf, DryRun, Output};
use super::record::Recorder;
use super::Ctx;
use kubarium_engine::{Kind, Object, ObjectKey};
use std::collections::BTreeMap;

const FLAGS: &[FlagSpec] = &[
    value("filename", Some('f')),
    boolean("recursive", Some('R')),
    value("output", Some('o')),
    value("dry-run", None),
    value("protocol", None),
    value("port", None),
    value("type", None),
    value("load-balancer-ip", None),
    value("selector", None),
    value("labels", Some('l')),
    value("target-port", None),
    value("external-ip", None),
    value("name", None),
    value("session-affinity", None),
    value("cluster-ip", None),
    value("field-manager", None),
    boolean("save-config", None),
    boolean("record", None),
    boolean("allow-missing-template-keys", None),
    boolean("show-managed-fields", None),
    value("template", None),
];

/// One `corev1.ServicePort` as a generator builds it.
#[derive(Clone, Debug, PartialEq)]
pub struct GenPort {
    pub name: String,
    pub protocol: String,
    pub port: i64,
    /// A number or a port name.
    pub target_port: TargetPort,
    pub node_port: i64,
}

/// `intstr.IntOrString`.
#[derive(Clone, Debug, PartialEq)]
pub enum TargetPort {
    Int(i64),
    Str(String),
}

impl TargetPort {
    /// `intstr.Parse`: a number when it parses as one, else a name.
    pub fn parse(s: &str) -> TargetPort {
        match s.parse::<i32>() {
            Ok(n) => TargetPort::Int(i64::from(n)),
            Err(_) => TargetPort::Str(s.to_string()),
        }
    }
    fn go(&self) -> GoValue {
        match self {
            TargetPort::Int(n) => GoValue::Int(*n),
            TargetPort::Str(s) => GoValue::str(s),
        }
    }
}

/// The fields of a generated `corev1.Service` (empty ones are left out, as `omitempty` does).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GenService {
    pub name: String,
    pub namespace: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub ports: Vec<GenPort>,
    pub selector: BTreeMap<String, String>,
    pub cluster_ip: String,
    pub type_: String,
    pub external_ips: Vec<String>,
    pub session_affinity: String,
    pub load_balancer_ip: String,
    pub external_name: String,
}

/// The Service in Go's struct order: `ports`, `selector`, `clusterIP`, `type`,
/// `externalIPs`, `sessionAffinity`, `loadBalancerIP`, `externalName`; `status:
/// {loadBalancer: {}}` always.
pub fn service(s: &GenService) -> GoValue {
    let mut spec = Vec::new();
    if !s.ports.is_empty() {
        let ports = s
            .ports
            .iter()
            .map(|p| {
                let mut f = Vec::new();
                if !p.name.is_empty() {
                    f.push(("name", GoValue::str(&p.name)));
                }
                if !p.protocol.is_empty() {
                    f.push(("protocol", GoValue::str(&p.protocol)));
                }
                f.push(("port", GoValue::Int(p.port)));
                f.push(("targetPort", p.target_port.go()));
                if p.node_port != 0 {
                    f.push(("nodePort", GoValue::Int(p.node_port)));
                }
                GoValue::Struct(f)
            })
            .collect();
        spec.push(("ports", GoValue::List(ports)));
    }
    if !s.selector.is_empty() {
        spec.push(("selector", GoValue::string_map(&s.selector)));
    }
    let strings = [("clusterIP", &s.cluster_ip), ("type", &s.type_)];
    for (k, v) in strings {
        if !v.is_empty() {
            spec.push((k, GoValue::str(v)));
        }
    }
    if !s.external_ips.is_empty() {
        spec.push((
            "externalIPs",
            GoValue::List(s.external_ips.iter().map(GoValue::str).collect()),
        ));
    }
    for (k, v) in [
        ("sessionAffinity", &s.session_affinity),
        ("loadBalancerIP", &s.load_balancer_ip),
        ("externalName", &s.external_name),
    ] {
        if !v.is_empty() {
            spec.push((k, GoValue::str(v)));
        }
    }
    GoValue::Struct(vec![
        ("kind", GoValue::str("Service")),
        ("apiVersion", GoValue::str("v1")),
        (
            "metadata",
            object_meta(&s.name, s.namespace.as_deref(), &s.labels, &BTreeMap::new()),
        ),
        ("spec", GoValue::Struct(spec)),
        (
            "status",
            GoValue::Struct(vec![("loadBalancer", GoValue::Struct(vec![]))]),
        ),
    ])
}

/// Sends (or only prints, for `--dry-run=client`) a generated Service; `wrap` prefixes
/// server errors as `create service` does (`failed to create ClusterIP service: ...`).
#[allow(clippy::too_many_arguments)]
fn submit(
    ctx: &mut Ctx,
    parsed: &Parsed,
    svc: &GenService,
    operation: &str,
    dry: DryRun,
    out: Output,
    wrap: Option<&str>,
    recorder: Option<&Recorder>,
) -> i32 {
    let how = super::create::Submit {
        operation,
        recorder,
        wrap_error: wrap,
    };
    super::create::submit_generated_as(
        ctx,
        parsed,
        Kind::Service,
        &svc.name,
        service(svc),
        dry,
        out,
        how,
    )
}

/// `parsePorts` of `create service --tcp=PORT[:TARGET]`.
fn parse_tcp(s: &str) -> Result<(i64, TargetPort), String> {
    let mut parts = s.split(':');
    let first = parts.next().unwrap_or("");
    let port: u16 = first
        .parse()
        .map_err(|_| format!("invalid port number {first:?}"))?;
    if port == 0 {
        return Err(format!("invalid port number {first:?}"));
    }
    let Some(target) = parts.next() else {
        return Ok((i64::from(port), TargetPort::Int(i64::from(port))));
    };
    match target.parse::<i64>() {
        Ok(n) if (1..=65535).contains(&n) => Ok((i64::from(port), TargetPort::Int(n))),
        Ok(_) => Err("must be between 1 and 65535, inclusive".into()),
        Err(_) => {
            let errs = kubarium_engine::api::service::port_name_errors(target);
            if errs.is_empty() {
                Ok((i64::from(port), TargetPort::Str(target.to_string())))
            } else {
                Err(errs.join(","))
            }
        }
    }
}

/// `kubectl create service clusterip|nodeport|loadbalancer|externalname NAME ...`; `parsed`
/// comes from `kubectl create`'s flags (`--tcp`, `--clusterip`, `--node-port`,
/// `--external-name`).
pub fn create_service(ctx: &mut Ctx, parsed: &Parsed, dry: DryRun, out: Output) -> i32 {
    let (sub, type_) = match parsed.args.get(1).map(String::as_str) {
        Some("clusterip") => ("clusterip", "ClusterIP"),
        Some("nodeport") => ("nodeport", "NodePort"),
        Some("loadbalancer") => ("loadbalancer", "LoadBalancer"),
        Some("externalname") => ("externalname", "ExternalName"),
        None => {
            ctx.err("Create a service using a specified subcommand.\n\nAliases:\nservice, svc\n\nAvailable Commands:\n  clusterip       Create a ClusterIP service\n  externalname    Create an ExternalName service\n  loadbalancer    Create a LoadBalancer service\n  nodeport        Create a NodePort service\n\nUsage:\n  kubectl create service [flags] [options]\n\nUse \"kubectl create service <command> --help\" for more information about a given command.\nUse \"kubectl options\" for a list of global command-line options (applies to all commands).\n");
            return 1;
        }
        Some(other) => {
            return pf::usage_error(
                ctx,
                "create service",
                &format!("Unexpected args: [{other}]"),
            )
        }
    };
    let command = format!("create service {sub}");
    let names = &parsed.args[2..];
    if names.len() != 1 {
        return pf::usage_error(
            ctx,
            &command,
            &format!("exactly one NAME is required, got {}", names.len()),
        );
    }
    let name = names[0].clone();
    if type_ == "ExternalName" && !parsed.has("external-name") {
        return pf::fail(ctx, "required flag(s) \"external-name\" not set");
    }
    let cluster_ip = parsed.get("clusterip").unwrap_or("").to_string();
    let tcp: Vec<String> = parsed
        .all("tcp")
        .iter()
        .flat_map(|v| v.split(','))
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect();
    let external_name = parsed.get("external-name").unwrap_or("").to_string();
    // Validate.
    if cluster_ip == "None" && type_ != "ClusterIP" {
        return pf::fail(
            ctx,
            "ClusterIP=None can only be used with ClusterIP service type",
        );
    }
    if cluster_ip != "None" && tcp.is_empty() && type_ != "ExternalName" {
        return pf::fail(ctx, "at least one tcp port specifier must be provided");
    }
    if type_ == "ExternalName"
        && !kubarium_engine::api::validation::dns1123_subdomain(&external_name).is_empty()
    {
        return pf::fail(
            ctx,
            &format!("invalid service external name {external_name}"),
        );
    }
    let node_port = match parsed.get("node-port") {
        None => 0,
        Some(v) => match v.parse::<i64>() {
            Ok(n) => n,
            Err(_) => {
                return pf::flag_error(
                    ctx,
                    &command,
                    &format!("invalid argument {v:?} for \"--node-port\" flag: strconv.ParseInt: parsing {v:?}: invalid syntax"),
                )
            }
        },
    };
    let mut ports = Vec::new();
    for t in &tcp {
        match parse_tcp(t) {
            Ok((port, target_port)) => ports.push(GenPort {
                name: t.replace(':', "-"),
                protocol: "TCP".into(),
                port,
                target_port,
                node_port,
            }),
            Err(e) => return pf::fail(ctx, &e),
        }
    }
    let app: BTreeMap<String, String> = [("app".to_string(), name.clone())].into();
    let svc = GenService {
        name: name.clone(),
        namespace: parsed.has("namespace").then(|| ctx.namespace(parsed)),
        labels: app.clone(),
        ports,
        selector: app,
        cluster_ip,
        type_: type_.into(),
        external_name,
        ..Default::default()
    };
    submit(
        ctx,
        parsed,
        &svc,
        "created",
        dry,
        out,
        Some(&format!("failed to create {type_} service")),
        None,
    )
}

/// What `expose` reads from the exposed object.
struct Exposed {
    selector: Result<BTreeMap<String, String>, String>,
    ports: Vec<String>,
    /// port → protocols, in the object's order.
    protocols: Vec<(String, String)>,
    labels: BTreeMap<String, String>,
}

fn container_ports(
    spec: Option<&k8s_openapi::api::core::v1::PodSpec>,
) -> (Vec<String>, Vec<(String, String)>) {
    let mut ports = Vec::new();
    let mut protocols = Vec::new();
    for c in spec.map(|s| s.containers.as_slice()).unwrap_or(&[]) {
        for p in c.ports.iter().flatten() {
            ports.push(p.container_port.to_string());
            protocols.push((
                p.container_port.to_string(),
                p.protocol.clone().unwrap_or_else(|| "TCP".into()),
            ));
        }
    }
    (ports, protocols)
}

fn label_selector_map(
    sel: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector>,
) -> Result<BTreeMap<String, String>, String> {
    let Some(sel) = sel else {
        return Err("invalid deployment: no selectors, therefore cannot be exposed".into());
    };
    if let Some(exprs) = sel.match_expressions.as_ref().filter(|e| !e.is_empty()) {
        let e = &exprs[0];
        return Err(format!(
            "couldn't convert expressions - \"{}\" to map-based selector format",
            match e.operator.as_str() {
                "In" => format!(
                    "{} in ({})",
                    e.key,
                    e.values.clone().unwrap_or_default().join(",")
                ),
                "NotIn" => format!(
                    "{} notin ({})",
                    e.key,
                    e.values.clone().unwrap_or_default().join(",")
                ),
                "Exists" => e.key.clone(),
                _ => format!("!{}", e.key),
            }
        ));
    }
    Ok(sel.match_labels.clone().unwrap_or_default())
}

/// `CanBeExposedFn`, `MapBasedSelectorForObjectFn`, `PortsForObjectFn`,
/// `MultiProtocolsForObjectFn` and the object's labels.
fn introspect(obj: &Object) -> Result<Exposed, String> {
    let labels = obj.metadata().labels.clone().unwrap_or_default();
    let (selector, (ports, protocols)) = match obj {
        Object::Pod(p) => {
            let l = p.metadata.labels.clone().unwrap_or_default();
            let sel = if l.is_empty() {
                Err(format!("the pod has no labels and cannot be exposed"))
            } else {
                Ok(l)
            };
            (sel, container_ports(p.spec.as_ref()))
        }
        Object::Service(s) => {
            let spec = s.spec.clone().unwrap_or_default();
            let sel = spec
                .selector
                .clone()
                .ok_or_else(|| "the service has no pod selector set".to_string());
            let ports: Vec<String> = spec
                .ports
                .iter()
                .flatten()
                .map(|p| p.port.to_string())
                .collect();
            let protocols = spec
                .ports
                .iter()
                .flatten()
                .map(|p| {
                    (
                        p.port.to_string(),
                        p.protocol.clone().unwrap_or_else(|| "TCP".into()),
                    )
                })
                .collect();
            (sel, (ports, protocols))
        }
        Object::ReplicationController(rc) => {
            let spec = rc.spec.clone().unwrap_or_default();
            let sel = Ok(spec.selector.clone().unwrap_or_default());
            let pspec = spec.template.as_ref().and_then(|t| t.spec.clone());
            (sel, container_ports(pspec.as_ref()))
        }
        Object::Deployment(d) => (
            label_selector_map(Some(&d.spec.selector)),
            container_ports(d.spec.template.spec.as_ref()),
        ),
        Object::ReplicaSet(rs) => (
            label_selector_map(Some(&rs.spec.selector)),
            container_ports(rs.spec.template.as_ref().and_then(|t| t.spec.as_ref())),
        ),
        other => {
            let info = other.kind().info();
            let gk = if info.group.is_empty() {
                info.kind.to_string()
            } else {
                format!("{}.{}", info.kind, info.group)
            };
            return Err(format!("cannot expose a {gk}"));
        }
    };
    Ok(Exposed {
        selector,
        ports,
        protocols,
        labels,
    })
}

/// `parseLabels`: `k=v,k2=v2`.
fn parse_labels(spec: &str) -> Result<BTreeMap<String, String>, String> {
    if spec.is_empty() {
        return Err("no label spec passed".into());
    }
    let mut out = BTreeMap::new();
    for part in spec.split(',') {
        let kv: Vec<&str> = part.split('=').collect();
        if kv.len() != 2 {
            return Err(format!("unexpected label spec: {part}"));
        }
        if kv[0].is_empty() {
            return Err("unexpected empty label key".into());
        }
        out.insert(kv[0].to_string(), kv[1].to_string());
    }
    Ok(out)
}

/// The Service `expose` builds for one object (`createService`).
fn build(parsed: &Parsed, obj: &Object, ex: Exposed) -> Result<GenService, String> {
    let selector = match parsed.get("selector").filter(|s| !s.is_empty()) {
        Some(s) => parse_labels(s)?,
        None => {
            let s = ex.selector.map_err(|e| {
                format!("couldn't retrieve selectors via --selector flag or introspection: {e}")
            })?;
            if s.is_empty() {
                return Err("selector must be specified".into());
            }
            s
        }
    };
    let cluster_ip = parsed.get("cluster-ip").unwrap_or("").to_string();
    let headless = cluster_ip == "None";
    let port_flag = parsed.get("port").unwrap_or("").to_string();
    let port_list: Vec<String> = if !port_flag.is_empty() {
        port_flag.split(',').map(str::to_string).collect()
    } else {
        match ex.ports.len() {
            0 if !headless => {
                return Err("couldn't find port via --port flag or introspection".to_string())
            }
            _ => ex.ports.clone(),
        }
    };
    let labels = match parsed.get("labels").filter(|l| !l.is_empty()) {
        Some(l) => parse_labels(l)?,
        None => ex.labels.clone(),
    };
    let name = parsed
        .get("name")
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| obj.name().chars().take(63).collect());
    let protocol_flag = parsed.get("protocol").unwrap_or("").to_string();
    let mut ports = Vec::new();
    let several = port_list.len() > 1;
    for (i, p) in port_list.iter().enumerate() {
        let port: i64 = p
            .parse()
            .map_err(|_| format!("strconv.Atoi: parsing {p:?}: invalid syntax"))?;
        let name = if several {
            format!("port-{}", i + 1)
        } else {
            String::new()
        };
        let protos: Vec<&String> = ex
            .protocols
            .iter()
            .filter(|(k, _)| k == p)
            .map(|(_, v)| v)
            .collect();
        let protocol = if !protocol_flag.is_empty() {
            protocol_flag.clone()
        } else if ex.protocols.is_empty() || protos.is_empty() {
            "TCP".into()
        } else if protos.len() == 1 {
            protos[0].clone()
        } else {
            for proto in protos {
                ports.push(GenPort {
                    name: format!("port-{}-{}", i + 1, proto.to_lowercase()),
                    protocol: proto.clone(),
                    port,
                    target_port: TargetPort::Int(0),
                    node_port: 0,
                });
            }
            continue;
        };
        ports.push(GenPort {
            name,
            protocol,
            port,
            target_port: TargetPort::Int(0),
            node_port: 0,
        });
    }
    let target = parsed.get("target-port").filter(|t| !t.is_empty());
    for p in &mut ports {
        p.target_port = match target {
            Some(t) => TargetPort::parse(t),
            None => TargetPort::Int(p.port),
        };
    }
    let type_ = parsed.get("type").unwrap_or("").to_string();
    let session_affinity = match parsed.get("session-affinity").unwrap_or("") {
        "" => String::new(),
        a @ ("None" | "ClientIP") => a.to_string(),
        other => return Err(format!("unknown session affinity: {other}")),
    };
    Ok(GenService {
        name,
        namespace: None,
        labels,
        ports,
        selector,
        cluster_ip,
        external_ips: parsed
            .get("external-ip")
            .filter(|e| !e.is_empty())
            .map(|e| vec![e.to_string()])
            .unwrap_or_default(),
        load_balancer_ip: if type_ == "LoadBalancer" {
            parsed.get("load-balancer-ip").unwrap_or("").to_string()
        } else {
            String::new()
        },
        type_,
        session_affinity,
        external_name: String::new(),
    })
}

/// `kubectl expose (-f FILENAME | TYPE NAME) ...`.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let argv = pf::normalize_argv(argv);
    let parsed = match flags::parse(&argv, FLAGS) {
        Ok(p) => p,
        Err(e) => return pf::flag_error(ctx, "expose", &e),
    };
    let (dry, out) = match (pf::dry_run(&parsed), pf::output(ctx, &parsed)) {
        (Ok(d), Ok(o)) => (d, o),
        (Err(e), _) | (_, Err(e)) => return pf::fail(ctx, &e),
    };
    let ns = ctx.namespace(&parsed);
    let mut keys: Vec<ObjectKey> = Vec::new();
    if parsed.has("filename") {
        match manifest::load(ctx, &parsed.all("filename"), parsed.is_set("recursive")) {
            Ok(ms) => {
                for m in ms {
                    let mns = if m.namespace().is_empty() {
                        ns.clone()
                    } else {
                        m.namespace().to_string()
                    };
                    keys.push(ObjectKey::new(m.kind, &mns, m.name()));
                }
            }
            Err(e) => {
                ctx.err(format!("{e}\n"));
                return 1;
            }
        }
    } else {
        let args = &parsed.args;
        let pairs: Vec<(String, String)> = if args.iter().any(|a| a.contains('/')) {
            args.iter()
                .map(|a| {
                    let (t, n) = a.split_once('/').unwrap_or((a, ""));
                    (t.to_string(), n.to_string())
                })
                .collect()
        } else if args.len() >= 2 {
            args[1..]
                .iter()
                .map(|n| (args[0].clone(), n.clone()))
                .collect()
        } else if args.len() == 1 {
            return pf::fail(
                ctx,
                &format!("resource(s) were provided, but no name was specified"),
            );
        } else {
            return pf::usage_error(ctx, "expose", "You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'");
        };
        for (t, n) in pairs {
            match super::resolve_kind(&t) {
                Ok(kind) => keys.push(ObjectKey::new(kind, &ns, &n)),
                Err(e) => return pf::fail(ctx, &e),
            }
        }
    }
    let recorder = Recorder::from_flags(ctx, &parsed, "expose", &argv, FLAGS);
    let mut status = 0;
    for key in keys {
        let obj = match ctx.cluster.api_ref().get(&key) {
            Ok(o) => o,
            Err(e) => {
                ctx.err(format!("{}\n", api_error_text(&e)));
                status = 1;
                continue;
            }
        };
        let built = introspect(&obj).and_then(|ex| build(&parsed, &obj, ex));
        let mut svc = match built {
            Ok(s) => s,
            Err(e) => {
                ctx.err(format!("error: {e}\n"));
                status = 1;
                continue;
            }
        };
        if dry == DryRun::Client && parsed.has("namespace") {
            svc.namespace = Some(ns.clone());
        }
        if submit(
            ctx,
            &parsed,
            &svc,
            "exposed",
            dry,
            out.clone(),
            None,
            Some(&recorder),
        ) != 0
        {
            status = 1;
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_pairs() {
        assert_eq!(
            parse_tcp("5678:8080").unwrap(),
            (5678, TargetPort::Int(8080))
        );
        assert_eq!(parse_tcp("80").unwrap(), (80, TargetPort::Int(80)));
        assert_eq!(
            parse_tcp("80:http").unwrap(),
            (80, TargetPort::Str("http".into()))
        );
    }

    #[test]
    fn generated_yaml_shape() {
        let svc = GenService {
            name: "my-cs".into(),
            labels: [("app".to_string(), "my-cs".to_string())].into(),
            selector: [("app".to_string(), "my-cs".to_string())].into(),
            ports: vec![GenPort {
                name: "5678-8080".into(),
                protocol: "TCP".into(),
                port: 5678,
                target_port: TargetPort::Int(8080),
                node_port: 0,
            }],
            type_: "ClusterIP".into(),
            ..Default::default()
        };
        let yaml = crate::printers::yaml::to_yaml(&service(&svc).to_value());
        assert_eq!(
            yaml,
            "apiVersion: v1\nkind: Service\nmetadata:\n  labels:\n    app: my-cs\n  name: my-cs\nspec:\n  ports:\n  - name: 5678-8080\n    port: 5678\n    protocol: TCP\n    targetPort: 8080\n  selector:\n    app: my-cs\n  type: ClusterIP\nstatus:\n  loadBalancer: {}\n"
        );
    }
}
