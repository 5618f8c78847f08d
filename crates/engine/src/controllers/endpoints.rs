//! The Endpoints controller (`pkg/controller/endpoint`): for every Service with a selector,
//! one Endpoints object of the same name listing the selected pods' addresses — ready pods
//! under `addresses`, the others under `notReadyAddresses` — with the ports the Service's
//! `targetPort`s resolve to on each pod (a named targetPort is looked up among the pod's
//! container ports, so pods of one Service may listen on different numbers). Services
//! without a selector are left alone: their Endpoints belong to the user.
//!
//! Worked example: Service `appjs-service` (port 80 → targetPort 8080, selector app=appjs)
//! over three pods at 10.36.0.6 (Ready), 10.46.0.5 (Ready) and 10.36.0.7 (readiness probe
//! failing) gives one subset:
//!
//! ```text
//! addresses:         10.36.0.6, 10.46.0.5      ports: [{port: 8080, protocol: TCP}]
//! notReadyAddresses: 10.36.0.7
//! ```
//!
//! and `kubectl get ep` shows `10.36.0.6:8080,10.46.0.5:8080`.
//!
//! The pure part ([`service_backends`], [`endpoint_subsets`]) is shared with the
//! EndpointSlice controller.

use super::owner::{is_pod_ready, ready_since_ms};
use super::{Action, Controller};
use crate::api::selector::Selector;
use crate::api::service::is_headless;
use crate::api::{Endpoints, Kind, Object, ObjectKey, ObjectMeta, Pod, Service};
use crate::apiserver::ApiServer;
use crate::sim::SimTime;
use crate::store::{Store, WatchEvent, WatchEventType};
use k8s_openapi::api::core::v1::{
    EndpointAddress, EndpointPort, EndpointSubset, ObjectReference, ServicePort,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

/// `endpoints.kubernetes.io/last-change-trigger-time`: when the change the Endpoints (or
/// EndpointSlice) reflects happened.
pub const LAST_CHANGE_TRIGGER_TIME: &str = "endpoints.kubernetes.io/last-change-trigger-time";
/// Set on Endpoints that must not be mirrored into EndpointSlices (the API server's own
/// `kubernetes` Endpoints).
pub const LABEL_SKIP_MIRROR: &str = "endpointslice.kubernetes.io/skip-mirror";
/// Marks the Endpoints and EndpointSlices of headless Services.
pub const LABEL_HEADLESS: &str = "service.kubernetes.io/headless";

/// A Service port resolved on one pod.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ResolvedPort {
    pub name: Option<String>,
    pub port: i32,
    pub protocol: String,
    pub app_protocol: Option<String>,
}

/// One pod behind a Service, as both endpoint controllers see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backend {
    pub pod: String,
    pub namespace: String,
    pub uid: String,
    pub ip: String,
    pub node: Option<String>,
    /// The pod's hostname when its `subdomain` names this Service (headless DNS records).
    pub hostname: Option<String>,
    /// The pod's Ready condition is True.
    pub ready: bool,
    /// The pod is being deleted.
    pub terminating: bool,
    /// The Service's ports as they resolve on this pod, in the Service's order.
    pub ports: Vec<ResolvedPort>,
    /// When the pod last became ready (or was created), for the trigger-time annotation.
    pub changed_ms: Option<i64>,
}

impl Backend {
    /// The `targetRef` pointing at the pod.
    pub fn target_ref(&self) -> ObjectReference {
        ObjectReference {
            kind: Some("Pod".into()),
            name: Some(self.pod.clone()),
            namespace: Some(self.namespace.clone()),
            uid: Some(self.uid.clone()),
            ..Default::default()
        }
    }
}

/// `podutil.FindPort`: the number a Service port's targetPort means on this pod. A number is
/// itself; a name is looked up among the containers' ports with the same protocol.
pub fn find_port(pod: &Pod, sp: &ServicePort) -> Option<i32> {
    let protocol = sp.protocol.as_deref().unwrap_or("TCP");
    match sp.target_port.as_ref() {
        None => Some(sp.port),
        Some(IntOrString::Int(n)) => Some(*n),
        Some(IntOrString::String(name)) => pod
            .spec
            .as_ref()?
            .containers
            .iter()
            .flat_map(|c| c.ports.iter().flatten())
            .find(|p| {
                p.name.as_deref() == Some(name.as_str())
                    && p.protocol.as_deref().unwrap_or("TCP") == protocol
            })
            .map(|p| p.container_port),
    }
}

/// The Service's selector, `None` for Services without one (their endpoints are
/// user-managed) and for ExternalName Services.
pub fn service_selector(svc: &Service) -> Option<Selector> {
    let spec = svc.spec.as_ref()?;
    if spec.type_.as_deref() == Some("ExternalName") {
        return None;
    }
    spec.selector.as_ref().map(Selector::from_map)
}

/// The pods behind a Service, in pod-name order: those its selector matches that have an
/// IP and are not finished; pods being deleted only with `include_terminating`
/// (`ShouldPodBeInEndpoints`).
pub fn service_backends(store: &Store, svc: &Service, include_terminating: bool) -> Vec<Backend> {
    let Some(selector) = service_selector(svc) else {
        return Vec::new();
    };
    let ns = svc.metadata.namespace.as_deref().unwrap_or("");
    let svc_name = svc.metadata.name.as_deref().unwrap_or("");
    let ports: &[ServicePort] = svc
        .spec
        .as_ref()
        .and_then(|s| s.ports.as_deref())
        .unwrap_or(&[]);
    let mut out = Vec::new();
    for obj in store.list(Kind::Pod, Some(ns)) {
        let Some(pod) = obj.as_::<Pod>() else {
            continue;
        };
        if !selector.matches(pod.metadata.labels.as_ref()) {
            continue;
        }
        let status = pod.status.as_ref();
        let phase = status.and_then(|s| s.phase.as_deref());
        if matches!(phase, Some("Succeeded" | "Failed")) {
            continue;
        }
        let Some(ip) = status
            .and_then(|s| s.pod_ip.clone())
            .filter(|ip| !ip.is_empty())
        else {
            continue;
        };
        let terminating = pod.metadata.deletion_timestamp.is_some();
        if terminating && !include_terminating {
            continue;
        }
        let spec = pod.spec.as_ref();
        let hostname = spec
            .and_then(|s| s.hostname.clone())
            .filter(|h| !h.is_empty())
            .filter(|_| spec.and_then(|s| s.subdomain.as_deref()) == Some(svc_name));
        let resolved = ports
            .iter()
            .filter_map(|sp| {
                Some(ResolvedPort {
                    name: sp.name.clone().filter(|n| !n.is_empty()),
                    port: find_port(pod, sp)?,
                    protocol: sp.protocol.clone().unwrap_or_else(|| "TCP".into()),
                    app_protocol: sp.app_protocol.clone(),
                })
            })
            .collect();
        let changed_ms = ready_since_ms(pod).or_else(|| {
            pod.metadata
                .creation_timestamp
                .as_ref()
                .map(|t| SimTime::from_k8s_time(t).unix_ms() as i64)
        });
        out.push(Backend {
            pod: pod.metadata.name.clone().unwrap_or_default(),
            namespace: ns.to_string(),
            uid: pod.metadata.uid.clone().unwrap_or_default(),
            ip,
            node: spec.and_then(|s| s.node_name.clone()),
            hostname,
            ready: is_pod_ready(pod),
            terminating,
            ports: resolved,
            changed_ms,
        });
    }
    out
}

/// The Endpoints subsets of these backends, repacked as the controller does: backends with
/// the same resolved ports share a subset; addresses are sorted by IP. A headless Service
/// without ports lists port-less addresses; any other Service skips pods none of whose ports
/// resolve. With `tolerate_unready` (`publishNotReadyAddresses`) every pod counts as ready.
pub fn endpoint_subsets(
    backends: &[Backend],
    service_has_ports: bool,
    headless: bool,
    tolerate_unready: bool,
) -> Vec<EndpointSubset> {
    let mut groups: BTreeMap<Vec<ResolvedPort>, (Vec<EndpointAddress>, Vec<EndpointAddress>)> =
        BTreeMap::new();
    for b in backends {
        if b.ports.is_empty() && (service_has_ports || !headless) {
            continue;
        }
        let mut ports = b.ports.clone();
        ports.sort();
        ports.dedup();
        let addr = EndpointAddress {
            ip: b.ip.clone(),
            hostname: b.hostname.clone(),
            node_name: b.node.clone(),
            target_ref: Some(b.target_ref()),
        };
        let entry = groups.entry(ports).or_default();
        if tolerate_unready || b.ready {
            entry.0.push(addr);
        } else {
            entry.1.push(addr);
        }
    }
    let by_ip = |a: &EndpointAddress, b: &EndpointAddress| {
        a.ip.cmp(&b.ip).then_with(|| {
            let uid = |x: &EndpointAddress| x.target_ref.as_ref().and_then(|r| r.uid.clone());
            uid(a).cmp(&uid(b))
        })
    };
    groups
        .into_iter()
        .map(|(ports, (mut ready, mut not_ready))| {
            ready.sort_by(by_ip);
            not_ready.sort_by(by_ip);
            EndpointSubset {
                addresses: (!ready.is_empty()).then_some(ready),
                not_ready_addresses: (!not_ready.is_empty()).then_some(not_ready),
                ports: (!ports.is_empty()).then(|| {
                    ports
                        .into_iter()
                        .map(|p| EndpointPort {
                            name: p.name,
                            port: p.port,
                            protocol: Some(p.protocol),
                            app_protocol: p.app_protocol,
                        })
                        .collect()
                }),
            }
        })
        .collect()
}

/// The trigger time of a sync: the latest of the Service's creation and its pods' last
/// changes, as an RFC 3339 timestamp.
pub fn trigger_time(svc: &Service, backends: &[Backend]) -> Option<String> {
    let created = svc
        .metadata
        .creation_timestamp
        .as_ref()
        .map(|t| SimTime::from_k8s_time(t).unix_ms() as i64);
    let latest = backends
        .iter()
        .filter_map(|b| b.changed_ms)
        .chain(created)
        .max()?;
    let t = SimTime((latest as u64).saturating_sub(crate::sim::clock::EPOCH_UNIX_MS)).to_k8s_time();
    serde_json::to_value(t)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
}

/// Which Services each pod was last counted in, so a pod whose labels stopped matching
/// still wakes the Service it left (watch events carry only the new object).
#[derive(Clone, Debug, Default)]
pub struct PodServiceIndex {
    by_pod: BTreeMap<ObjectKey, BTreeSet<ObjectKey>>,
    by_service: BTreeMap<ObjectKey, BTreeSet<ObjectKey>>,
    /// The Services with a selector, parsed, as of a Service revision: a pod event is
    /// matched against these instead of listing and parsing every Service of its namespace
    /// (most namespaces have none with a selector). `keys_for` alone reads it, hence the cell.
    selectors: RefCell<Option<ServiceSelectors>>,
}

/// The Services that have a selector, by namespace in store order, as of `revision`
/// (`Store::kind_revision(Service)`).
#[derive(Clone, Debug)]
struct ServiceSelectors {
    revision: u64,
    by_namespace: BTreeMap<String, Vec<(ObjectKey, Selector)>>,
}

impl ServiceSelectors {
    fn of(store: &Store) -> ServiceSelectors {
        let mut by_namespace: BTreeMap<String, Vec<(ObjectKey, Selector)>> = BTreeMap::new();
        for s in store.list(Kind::Service, None) {
            let Some(sel) = s.as_::<Service>().and_then(service_selector) else {
                continue;
            };
            let key = s.key();
            by_namespace
                .entry(key.namespace.clone())
                .or_default()
                .push((key, sel));
        }
        ServiceSelectors {
            revision: store.kind_revision(Kind::Service),
            by_namespace,
        }
    }
}

impl PodServiceIndex {
    /// Records the pods a Service now selects.
    pub fn set(&mut self, svc: &ObjectKey, pods: BTreeSet<ObjectKey>) {
        if let Some(old) = self.by_service.remove(svc) {
            for p in old.difference(&pods) {
                if let Some(s) = self.by_pod.get_mut(p) {
                    s.remove(svc);
                    if s.is_empty() {
                        self.by_pod.remove(p);
                    }
                }
            }
        }
        for p in &pods {
            self.by_pod
                .entry(p.clone())
                .or_default()
                .insert(svc.clone());
        }
        if !pods.is_empty() {
            self.by_service.insert(svc.clone(), pods);
        }
    }

    /// The Services a watch event concerns: the Service itself; for a pod, every Service in
    /// its namespace whose selector matches it and those it was counted in before.
    pub fn keys_for(&self, api: &ApiServer, ev: &WatchEvent, out: &mut Vec<ObjectKey>) {
        match ev.key.kind {
            Kind::Service => out.push(ev.key.clone()),
            Kind::Pod => {
                let labels = ev.object.metadata().labels.as_ref();
                if ev.event_type != WatchEventType::Deleted || labels.is_some() {
                    let store = api.store();
                    let mut cell = self.selectors.borrow_mut();
                    if cell
                        .as_ref()
                        .is_none_or(|c| c.revision != store.kind_revision(Kind::Service))
                    {
                        *cell = Some(ServiceSelectors::of(store));
                    }
                    let services = cell
                        .as_ref()
                        .and_then(|c| c.by_namespace.get(ev.key.namespace.as_str()));
                    for (key, sel) in services.into_iter().flatten() {
                        if sel.matches(labels) {
                            out.push(key.clone());
                        }
                    }
                }
                if let Some(svcs) = self.by_pod.get(&ev.key) {
                    out.extend(svcs.iter().cloned());
                }
            }
            _ => {}
        }
    }
}

/// The Endpoints controller.
#[derive(Default)]
pub struct EndpointsController {
    index: PodServiceIndex,
}

impl Controller for EndpointsController {
    fn name(&self) -> &'static str {
        "endpoints-controller"
    }

    fn watches(&self) -> Option<&'static [Kind]> {
        Some(&[Kind::Service, Kind::Pod, Kind::Endpoints])
    }

    fn keys_for(&self, api: &ApiServer, ev: &WatchEvent, out: &mut Vec<ObjectKey>) {
        self.index.keys_for(api, ev, out);
        // A user deleting a managed Endpoints object gets it back.
        if ev.key.kind == Kind::Endpoints && ev.event_type == WatchEventType::Deleted {
            out.push(ObjectKey::new(
                Kind::Service,
                &ev.key.namespace,
                &ev.key.name,
            ));
        }
    }

    fn reconcile(&mut self, api: &mut ApiServer, key: &ObjectKey) -> Action {
        let ep_key = ObjectKey::new(Kind::Endpoints, &key.namespace, &key.name);
        let svc = api
            .store()
            .get(key)
            .and_then(|o| o.as_::<Service>().cloned());
        let gone = svc.is_none();
        let Some(svc) = svc.filter(|s| s.metadata.deletion_timestamp.is_none()) else {
            // The Service is gone: so are its Endpoints.
            self.index.set(key, BTreeSet::new());
            if gone && api.store().get(&ep_key).is_some() {
                let _ = api.delete(&ep_key, &Default::default(), false);
            }
            return Action::Done;
        };
        if service_selector(&svc).is_none() {
            self.index.set(key, BTreeSet::new());
            return Action::Done;
        }
        let spec = svc.spec.clone().unwrap_or_default();
        let tolerate = spec.publish_not_ready_addresses == Some(true);
        let backends = service_backends(api.store(), &svc, tolerate);
        self.index.set(
            key,
            backends
                .iter()
                .map(|b| ObjectKey::new(Kind::Pod, &b.namespace, &b.pod))
                .collect(),
        );
        let headless = is_headless(&spec);
        let has_ports = spec.ports.as_ref().is_some_and(|p| !p.is_empty());
        let subsets = endpoint_subsets(&backends, has_ports, headless, tolerate);
        let mut labels = svc.metadata.labels.clone().unwrap_or_default();
        if headless {
            labels.insert(LABEL_HEADLESS.into(), String::new());
        } else {
            labels.remove(LABEL_HEADLESS);
        }
        let existing = api
            .store()
            .get(&ep_key)
            .and_then(|o| o.as_::<Endpoints>().cloned());
        let subsets = (!subsets.is_empty()).then_some(subsets);
        if let Some(old) = &existing {
            let same_subsets = old.subsets.clone().filter(|s| !s.is_empty()) == subsets;
            let old_labels = old.metadata.labels.clone().unwrap_or_default();
            if same_subsets && old_labels == labels {
                return Action::Done;
            }
        }
        let mut annotations = existing
            .as_ref()
            .and_then(|e| e.metadata.annotations.clone())
            .unwrap_or_default();
        match trigger_time(&svc, &backends) {
            Some(t) => annotations.insert(LAST_CHANGE_TRIGGER_TIME.into(), t),
            None => annotations.remove(LAST_CHANGE_TRIGGER_TIME),
        };
        let mut ep = existing.clone().unwrap_or_else(|| Endpoints {
            metadata: ObjectMeta {
                name: Some(key.name.clone()),
                namespace: Some(key.namespace.clone()),
                ..Default::default()
            },
            subsets: None,
        });
        ep.subsets = subsets;
        ep.metadata.labels = (!labels.is_empty()).then_some(labels);
        ep.metadata.annotations = (!annotations.is_empty()).then_some(annotations);
        let result = if existing.is_some() {
            ep.metadata.resource_version = None;
            api.update(Object::from(ep), false)
        } else {
            api.create(Object::from(ep), &key.namespace, false)
        };
        if let Err(e) = result {
            api.record_event(
                &Object::from(svc),
                "Warning",
                "FailedToUpdateEndpoint",
                &format!(
                    "Failed to update endpoint {}/{}: {}",
                    key.namespace, key.name, e.message
                ),
                "endpoint-controller",
                None,
            );
            return Action::RequeueAfter(5_000);
        }
        Action::Done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backend(pod: &str, ip: &str, ready: bool, ports: &[i32]) -> Backend {
        Backend {
            pod: pod.into(),
            namespace: "default".into(),
            uid: format!("uid-{pod}"),
            ip: ip.into(),
            node: Some("w1-k8s".into()),
            hostname: None,
            ready,
            terminating: false,
            ports: ports
                .iter()
                .map(|p| ResolvedPort {
                    name: None,
                    port: *p,
                    protocol: "TCP".into(),
                    app_protocol: None,
                })
                .collect(),
            changed_ms: None,
        }
    }

    #[test]
    fn ready_and_not_ready_addresses_share_a_subset() {
        let b = vec![
            backend("c", "10.36.0.7", false, &[8080]),
            backend("b", "10.46.0.5", true, &[8080]),
            backend("a", "10.36.0.6", true, &[8080]),
        ];
        let subsets = endpoint_subsets(&b, true, false, false);
        assert_eq!(subsets.len(), 1);
        let ips = |v: &Option<Vec<EndpointAddress>>| -> Vec<String> {
            v.iter().flatten().map(|a| a.ip.clone()).collect()
        };
        assert_eq!(ips(&subsets[0].addresses), vec!["10.36.0.6", "10.46.0.5"]);
        assert_eq!(ips(&subsets[0].not_ready_addresses), vec!["10.36.0.7"]);
        assert_eq!(subsets[0].ports.as_ref().unwrap()[0].port, 8080);
        // publishNotReadyAddresses counts every pod as ready.
        let all = endpoint_subsets(&b, true, false, true);
        assert_eq!(ips(&all[0].addresses).len(), 3);
    }

    #[test]
    fn pods_resolving_named_ports_differently_get_their_own_subsets() {
        let b = vec![
            backend("a", "10.0.0.1", true, &[8080]),
            backend("b", "10.0.0.2", true, &[9090]),
            backend("c", "10.0.0.3", true, &[]),
        ];
        let subsets = endpoint_subsets(&b, true, false, false);
        assert_eq!(subsets.len(), 2, "the pod without the port is skipped");
    }

    #[test]
    fn named_target_port_resolves_per_pod() {
        let pod: Pod = serde_yaml::from_str(
            "metadata: {name: p}\nspec:\n  containers:\n  - name: c\n    ports:\n    - {name: http, containerPort: 8080}\n",
        )
        .unwrap();
        let named: ServicePort =
            serde_yaml::from_str("{port: 80, targetPort: http, protocol: TCP}").unwrap();
        assert_eq!(find_port(&pod, &named), Some(8080));
        let udp: ServicePort =
            serde_yaml::from_str("{port: 80, targetPort: http, protocol: UDP}").unwrap();
        assert_eq!(find_port(&pod, &udp), None);
        let num: ServicePort = serde_yaml::from_str("{port: 80, targetPort: 9376}").unwrap();
        assert_eq!(find_port(&pod, &num), Some(9376));
    }

    /// Pods the `web` Endpoints list as ready.
    fn ready_addresses(c: &crate::Cluster) -> usize {
        let key = ObjectKey::new(Kind::Endpoints, "default", "web");
        let ep = c.api_ref().store().get(&key).cloned();
        let ep = ep.as_ref().and_then(|o| o.as_::<Endpoints>());
        ep.and_then(|e| e.subsets.as_ref())
            .into_iter()
            .flatten()
            .map(|s| s.addresses.as_ref().map_or(0, Vec::len))
            .sum()
    }

    #[test]
    fn pods_follow_a_changed_service_selector() {
        let mut c = crate::Cluster::from_preset("academy", 1).expect("preset");
        let create = |c: &mut crate::Cluster, obj: Object| {
            c.api().create(obj, "default", false).expect("create");
            c.settle();
            c.advance(30_000);
        };
        let pod = |name: &str| {
            let yaml = format!(
                "metadata: {{name: {name}, labels: {{app: a}}}}\nspec:\n  nodeName: node1.example.com\n  containers:\n  - {{name: c, image: nginx}}\n"
            );
            Object::Pod(serde_yaml::from_str(&yaml).unwrap())
        };
        let svc = "metadata: {name: web}\nspec:\n  selector: {app: b}\n  ports: [{port: 80}]\n";
        create(&mut c, Object::Service(serde_yaml::from_str(svc).unwrap()));
        create(&mut c, pod("p1"));
        assert_eq!(ready_addresses(&c), 0, "the selector matches no pod yet");
        let key = ObjectKey::new(Kind::Service, "default", "web");
        c.api()
            .modify(&key, |o| {
                if let Object::Service(s) = o {
                    let spec = s.spec.get_or_insert_with(Default::default);
                    spec.selector = Some([("app".into(), "a".into())].into());
                }
            })
            .expect("modify");
        c.settle();
        c.advance(1_000);
        assert_eq!(ready_addresses(&c), 1);
        // A pod that starts after the change is matched against the new selector.
        create(&mut c, pod("p2"));
        assert_eq!(ready_addresses(&c), 2);
    }
}
