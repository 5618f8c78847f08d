//! `kubectl port-forward TYPE/NAME [LOCAL_PORT:]REMOTE_PORT...`: listens on the learner's
//! machine and tunnels each connection through the API server and the kubelet to a port of
//! one pod. For a Service, Deployment, ReplicaSet, StatefulSet or ReplicationController
//! kubectl picks one running pod (the most "active": running, ready, oldest) and, for a
//! Service, turns the service port into the pod's target port.
//!
//! kubectl keeps running while it forwards. On the page (a terminal) the forward holds the
//! terminal until Ctrl-C; in a script it stays in the background, so the next line's
//! `curl localhost:8080` reaches the pod and kubectl reports `Handling connection for 8080`.

use super::flags::{self, value, FlagSpec};
use super::print_flags as pf;
use super::{attachable, Ctx};
use kubarium_engine::api::{Pod, Service};
use kubarium_engine::{Kind, ObjectKey};
use std::net::Ipv4Addr;

const FLAGS: &[FlagSpec] = &[value("address", None), value("pod-running-timeout", None)];

/// `LOCAL:REMOTE` as given; `REMOTE` may be a port name.
struct PortSpec {
    local: Option<u16>,
    remote: String,
}

fn parse_port(s: &str) -> Result<PortSpec, String> {
    let (local, remote) = match s.split_once(':') {
        Some((l, r)) => (l, r),
        None => (s, s),
    };
    let local = if local.is_empty() {
        None
    } else {
        Some(
            local
                .parse::<u16>()
                .map_err(|_| format!("Error parsing local port '{local}': strconv.ParseUint: parsing \"{local}\": invalid syntax"))?,
        )
    };
    if remote.is_empty() {
        return Err(format!("Error parsing remote port '{remote}'"));
    }
    Ok(PortSpec {
        local,
        remote: remote.to_string(),
    })
}

/// `kubectl port-forward ...`.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let parsed = match flags::parse(argv, FLAGS) {
        Ok(p) => p,
        Err(e) => return pf::flag_error(ctx, "port-forward", &e),
    };
    if parsed.args.len() < 2 {
        return pf::usage_error(
            ctx,
            "port-forward",
            "TYPE/NAME and list of ports are required for port-forward",
        );
    }
    let ns = ctx.namespace(&parsed);
    let target = parsed.args[0].clone();
    let mut ports = Vec::new();
    for p in &parsed.args[1..] {
        match parse_port(p) {
            Ok(spec) => ports.push(spec),
            Err(e) => return pf::fail(ctx, &e),
        }
    }
    let addresses: Vec<Ipv4Addr> = match parsed.get("address") {
        None | Some("localhost") => vec![Ipv4Addr::LOCALHOST],
        Some(list) => {
            let mut v = Vec::new();
            for a in list.split(',') {
                match a {
                    "localhost" => v.push(Ipv4Addr::LOCALHOST),
                    other => match other.parse() {
                        Ok(ip) => v.push(ip),
                        Err(_) => {
                            return pf::fail(ctx, &format!("{other} is not a valid IP"));
                        }
                    },
                }
            }
            v
        }
    };
    // The pod, and the service whose ports translate to the pod's.
    let (pod, service) = match resolve_target(ctx, &ns, &target) {
        Ok(x) => x,
        Err(e) => {
            ctx.err(format!("{e}\n"));
            return 1;
        }
    };
    let pod_name = pod.metadata.name.clone().unwrap_or_default();
    let phase = pod
        .status
        .as_ref()
        .and_then(|s| s.phase.clone())
        .unwrap_or_else(|| "Pending".into());
    if phase != "Running" {
        return pf::fail(
            ctx,
            &format!("unable to forward port because pod is not running. Current status={phase}"),
        );
    }
    // Remote ports: a service port maps to its target port; a name to the container port.
    let mut resolved = Vec::new();
    for spec in &ports {
        let remote = match &service {
            Some(svc) => match service_target_port(svc, &pod, &spec.remote) {
                Ok(p) => p,
                Err(e) => return pf::fail(ctx, &e),
            },
            None => match spec.remote.parse::<u16>() {
                Ok(p) => p,
                Err(_) => match container_port(&pod, &spec.remote) {
                    Some(p) => p,
                    None => {
                        return pf::fail(
                            ctx,
                            &format!(
                                "Pod '{pod_name}' does not have a named port '{}'",
                                spec.remote
                            ),
                        )
                    }
                },
            },
        };
        // `:80` asks the kernel for a free ephemeral port.
        let local = spec.local.unwrap_or_else(|| {
            32768 + ctx.cluster.api().rng().below("port-forward", 28_000) as u16
        });
        resolved.push((local, remote));
    }
    let host = ctx.cluster.client_hostname().to_string();
    let key = ObjectKey::new(Kind::Pod, &ns, &pod_name);
    let foreground = ctx.term.tty;
    let mut lines = String::new();
    for (local, remote) in &resolved {
        for addr in &addresses {
            if let Err(e) = ctx.cluster.port_forwards.start(
                &host,
                *addr,
                *local,
                key.clone(),
                *remote,
                foreground,
            ) {
                ctx.out(lines);
                ctx.err(format!("Unable to listen on port {local}: {e}\n"));
                return pf::fail(
                    ctx,
                    &format!(
                        "unable to listen on any of the requested ports: [{{{local} {remote}}}]"
                    ),
                );
            }
            lines.push_str(&format!("Forwarding from {addr}:{local} -> {remote}\n"));
            if addr.is_loopback() && parsed.get("address").is_none() {
                lines.push_str(&format!("Forwarding from [::1]:{local} -> {remote}\n"));
            }
        }
    }
    ctx.out(lines);
    0
}

/// A container port of the pod by name.
fn container_port(pod: &Pod, name: &str) -> Option<u16> {
    pod.spec.as_ref()?.containers.iter().find_map(|c| {
        c.ports
            .iter()
            .flatten()
            .find(|p| p.name.as_deref() == Some(name))
            .map(|p| p.container_port as u16)
    })
}

/// The pod port a service port (number or name) leads to.
fn service_target_port(svc: &Service, pod: &Pod, remote: &str) -> Result<u16, String> {
    let name = svc.metadata.name.clone().unwrap_or_default();
    let ports = svc
        .spec
        .as_ref()
        .and_then(|s| s.ports.clone())
        .unwrap_or_default();
    let port = ports.iter().find(|p| match remote.parse::<i32>() {
        Ok(n) => p.port == n,
        Err(_) => p.name.as_deref() == Some(remote),
    });
    let Some(port) = port else {
        return Err(match remote.parse::<i32>() {
            Ok(n) => format!("Service {name} does not have a service port {n}"),
            Err(_) => format!("Service '{name}' does not have a named port '{remote}'"),
        });
    };
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    match &port.target_port {
        None => Ok(port.port as u16),
        Some(IntOrString::Int(n)) => Ok(*n as u16),
        Some(IntOrString::String(s)) => container_port(pod, s).ok_or_else(|| {
            format!(
                "Pod '{}' does not have a named port '{s}'",
                pod.metadata.name.clone().unwrap_or_default()
            )
        }),
    }
}

/// The pod a `port-forward` target names, and the Service when it names one.
fn resolve_target(ctx: &Ctx, ns: &str, target: &str) -> Result<(Pod, Option<Service>), String> {
    let (kind, name) = match target.split_once('/') {
        None => (Kind::Pod, target.to_string()),
        Some((t, n)) => (
            super::resolve_kind(t).map_err(|e| format!("error: {e}"))?,
            n.to_string(),
        ),
    };
    let store = ctx.cluster.api_ref().store();
    let key = ObjectKey::new(kind, ns, &name);
    let not_found = || {
        format!(
            "Error from server (NotFound): {} \"{name}\" not found",
            kubarium_engine::apiserver::qualified_resource(kind)
        )
    };
    let obj = store.get(&key).ok_or_else(not_found)?;
    if let Some(pod) = obj.as_::<Pod>() {
        return Ok((pod.clone(), None));
    }
    if !matches!(
        kind,
        Kind::Service
            | Kind::Deployment
            | Kind::ReplicaSet
            | Kind::StatefulSet
            | Kind::DaemonSet
            | Kind::ReplicationController
            | Kind::Job
    ) {
        return Err(format!(
            "error: cannot attach to {}: not implemented",
            attachable::go_type(kind)
        ));
    }
    let sel = attachable::selector_for_object(obj).map_err(|e| format!("error: {e}"))?;
    let pod = attachable::pods_by_logging(ctx, ns, &sel)
        .into_iter()
        .next()
        .ok_or_else(|| "error: timed out waiting for the condition".to_string())?;
    Ok((pod, obj.as_::<Service>().cloned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_specs() {
        let p = parse_port("8080:80").unwrap();
        assert_eq!((p.local, p.remote.as_str()), (Some(8080), "80"));
        let p = parse_port("80").unwrap();
        assert_eq!((p.local, p.remote.as_str()), (Some(80), "80"));
        let p = parse_port(":80").unwrap();
        assert_eq!((p.local, p.remote.as_str()), (None, "80"));
        assert!(parse_port("x:80").is_err());
    }
}
