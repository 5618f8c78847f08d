//! The EndpointSlice controller (`pkg/controller/endpointslice`): for every Service with a
//! selector, EndpointSlices named `<service>-<5 random chars>` (generateName), labelled
//! `kubernetes.io/service-name=<service>` and
//! `endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io`, owned by the
//! Service, with one endpoint per selected pod that has an IP.
//!
//! # For routing code (kube-proxy, DNS, ingress)
//!
//! EndpointSlices are what a data plane reads, as the real kube-proxy and CoreDNS do:
//!
//! - list `Kind::EndpointSlice` in the Service's namespace with the label
//!   `kubernetes.io/service-name` equal to the Service name (a Service may have several
//!   slices: one per distinct set of resolved ports, at most 100 endpoints each; with no pods
//!   there is one placeholder slice without endpoints or ports);
//! - a Service port maps to a slice port **by name** (`ServicePort.name` ==
//!   `EndpointPort.name`, both unset for a single unnamed port) and the slice port's `port`
//!   is the number to connect to on the pod (named targetPorts are already resolved per
//!   pod; a pod whose container does not declare the named port is absent from that port);
//! - route only to endpoints with `conditions.ready == Some(true)`; `serving` is the pod's
//!   readiness even while terminating and `terminating` is set once the pod is being deleted
//!   (kube-proxy falls back to serving-and-terminating endpoints only when no endpoint is
//!   ready; `ready` is never true for a terminating pod unless the Service has
//!   `publishNotReadyAddresses`);
//! - `addresses[0]` is the pod IP, `targetRef` names the pod, `nodeName` its node
//!   (`internalTrafficPolicy: Local` / `externalTrafficPolicy: Local` keep to endpoints on the
//!   receiving node), `hostname` is set for pods whose `subdomain` is this Service.
//!
//! The `kubernetes` Service's slice (`default/kubernetes`, the API server at the control
//! plane's :6443) is written at cluster start by [`crate::network::cluster_services`], not by
//! this controller. Services without a selector have no managed slices: users may write their
//! own Endpoints/EndpointSlices for them.
//!
//! Endpoints (the older API, [`super::endpoints`]) carry the same information for
//! `kubectl get ep` / `describe svc`, but new code should read slices.

use super::endpoints::{
    service_backends, service_selector, trigger_time, Backend, PodServiceIndex, ResolvedPort,
    LABEL_HEADLESS, LAST_CHANGE_TRIGGER_TIME,
};
use super::owner::new_controller_ref;
use super::{Action, Controller};
use crate::api::service::is_headless;
use crate::api::{EndpointSlice, Kind, Object, ObjectKey, ObjectMeta, Service};
use crate::apiserver::ApiServer;
use crate::store::{WatchEvent, WatchEventType};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointConditions, EndpointPort};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// `discovery.k8s.io/v1` `LabelServiceName`.
pub const LABEL_SERVICE_NAME: &str = "kubernetes.io/service-name";
/// `discovery.k8s.io/v1` `LabelManagedBy`.
pub const LABEL_MANAGED_BY: &str = "endpointslice.kubernetes.io/managed-by";
/// This controller's `managed-by` value.
pub const CONTROLLER_NAME: &str = "endpointslice-controller.k8s.io";
/// `maxEndpointsPerSlice` default of kube-controller-manager.
pub const MAX_ENDPOINTS_PER_SLICE: usize = 100;

/// The slices a Service should have: endpoints grouped by resolved ports, in chunks of at
/// most [`MAX_ENDPOINTS_PER_SLICE`]; one empty placeholder when there are none.
pub fn desired_slices(
    backends: &[Backend],
    publish_not_ready: bool,
) -> Vec<(Option<Vec<EndpointPort>>, Vec<Endpoint>)> {
    let mut groups: BTreeMap<Vec<ResolvedPort>, Vec<&Backend>> = BTreeMap::new();
    for b in backends {
        groups.entry(b.ports.clone()).or_default().push(b);
    }
    let mut out = Vec::new();
    for (ports, mut members) in groups {
        members.sort_by(|a, b| a.ip.cmp(&b.ip).then_with(|| a.pod.cmp(&b.pod)));
        let slice_ports: Vec<EndpointPort> = ports
            .iter()
            .map(|p| EndpointPort {
                name: Some(p.name.clone().unwrap_or_default()),
                port: Some(p.port),
                protocol: Some(p.protocol.clone()),
                app_protocol: p.app_protocol.clone(),
            })
            .collect();
        for chunk in members.chunks(MAX_ENDPOINTS_PER_SLICE) {
            let endpoints = chunk
                .iter()
                .map(|b| {
                    let ready =
                        (publish_not_ready || b.ready) && (!b.terminating || publish_not_ready);
                    Endpoint {
                        addresses: vec![b.ip.clone()],
                        conditions: Some(EndpointConditions {
                            ready: Some(ready),
                            serving: Some(b.ready),
                            terminating: Some(b.terminating),
                        }),
                        hostname: b.hostname.clone(),
                        node_name: b.node.clone(),
                        target_ref: Some(b.target_ref()),
                        ..Default::default()
                    }
                })
                .collect();
            out.push((Some(slice_ports.clone()), endpoints));
        }
    }
    if out.is_empty() {
        out.push((None, Vec::new()));
    }
    out
}

/// The EndpointSlice controller.
#[derive(Default)]
pub struct EndpointSliceController {
    index: PodServiceIndex,
}

impl EndpointSliceController {
    fn managed_slices(api: &ApiServer, key: &ObjectKey) -> Vec<Arc<crate::api::Object>> {
        api.store()
            .list(Kind::EndpointSlice, Some(key.namespace.as_str()))
            .filter(|o| {
                let labels = o.metadata().labels.as_ref();
                labels.and_then(|l| l.get(LABEL_SERVICE_NAME)) == Some(&key.name)
                    && labels
                        .and_then(|l| l.get(LABEL_MANAGED_BY))
                        .map(String::as_str)
                        == Some(CONTROLLER_NAME)
            })
            .cloned()
            .collect()
    }
}

impl Controller for EndpointSliceController {
    fn name(&self) -> &'static str {
        "endpointslice-controller"
    }

    fn watches(&self) -> Option<&'static [Kind]> {
        Some(&[Kind::Service, Kind::Pod, Kind::EndpointSlice])
    }

    fn keys_for(&self, api: &ApiServer, ev: &WatchEvent, out: &mut Vec<ObjectKey>) {
        self.index.keys_for(api, ev, out);
        if ev.key.kind == Kind::EndpointSlice && ev.event_type == WatchEventType::Deleted {
            if let Some(svc) = ev
                .object
                .metadata()
                .labels
                .as_ref()
                .filter(|l| l.get(LABEL_MANAGED_BY).map(String::as_str) == Some(CONTROLLER_NAME))
                .and_then(|l| l.get(LABEL_SERVICE_NAME))
            {
                out.push(ObjectKey::new(Kind::Service, &ev.key.namespace, svc));
            }
        }
    }

    fn reconcile(&mut self, api: &mut ApiServer, key: &ObjectKey) -> Action {
        let existing = Self::managed_slices(api, key);
        let svc = api
            .store()
            .get(key)
            .and_then(|o| o.as_::<Service>().cloned())
            .filter(|s| s.metadata.deletion_timestamp.is_none());
        let Some(svc) = svc.filter(|s| service_selector(s).is_some()) else {
            self.index.set(key, BTreeSet::new());
            for s in existing {
                let _ = api.delete(&s.key(), &Default::default(), false);
            }
            return Action::Done;
        };
        let spec = svc.spec.clone().unwrap_or_default();
        let publish = spec.publish_not_ready_addresses == Some(true);
        let backends = service_backends(api.store(), &svc, true);
        self.index.set(
            key,
            backends
                .iter()
                .map(|b| ObjectKey::new(Kind::Pod, &b.namespace, &b.pod))
                .collect(),
        );
        let mut labels = svc.metadata.labels.clone().unwrap_or_default();
        labels.remove(LABEL_HEADLESS);
        labels.insert(LABEL_SERVICE_NAME.into(), key.name.clone());
        labels.insert(LABEL_MANAGED_BY.into(), CONTROLLER_NAME.into());
        if is_headless(&spec) {
            labels.insert(LABEL_HEADLESS.into(), String::new());
        }
        let trigger = trigger_time(&svc, &backends);
        let owner = new_controller_ref(&Object::from(svc.clone()));
        let desired = desired_slices(&backends, publish);
        // Reuse existing slices in name order; the first with the same ports is preferred.
        let mut unused: Vec<EndpointSlice> = existing
            .iter()
            .filter_map(|o| o.as_::<EndpointSlice>().cloned())
            .collect();
        let mut writes: Vec<(Option<EndpointSlice>, EndpointSlice)> = Vec::new();
        for (ports, endpoints) in desired {
            let pos = unused
                .iter()
                .position(|s| s.ports == ports)
                .or_else(|| (!unused.is_empty()).then_some(0));
            let endpoints = (!endpoints.is_empty()).then_some(endpoints);
            match pos {
                Some(i) => {
                    let old = unused.remove(i);
                    let mut new = old.clone();
                    new.ports = ports;
                    new.endpoints = endpoints;
                    new.metadata.labels = Some(labels.clone());
                    if new.endpoints != old.endpoints
                        || new.ports != old.ports
                        || new.metadata.labels != old.metadata.labels
                    {
                        writes.push((Some(old), new));
                    }
                }
                None => writes.push((
                    None,
                    EndpointSlice {
                        metadata: ObjectMeta {
                            // The API server would fill the name from generateName; drawing
                            // it from the controller's own stream keeps the random names of
                            // everything else (pods) where they were.
                            name: Some(format!(
                                "{}-{}",
                                key.name,
                                api.rng().suffix("endpointslice-name", 5)
                            )),
                            generate_name: Some(format!("{}-", key.name)),
                            namespace: Some(key.namespace.clone()),
                            labels: Some(labels.clone()),
                            owner_references: Some(vec![owner.clone()]),
                            ..Default::default()
                        },
                        address_type: "IPv4".into(),
                        endpoints,
                        ports,
                    },
                )),
            }
        }
        for stale in unused {
            let k = Object::from(stale).key();
            let _ = api.delete(&k, &Default::default(), false);
        }
        let mut failed = false;
        for (old, mut slice) in writes {
            let annotations = slice.metadata.annotations.get_or_insert_with(BTreeMap::new);
            match &trigger {
                Some(t) => annotations.insert(LAST_CHANGE_TRIGGER_TIME.into(), t.clone()),
                None => annotations.remove(LAST_CHANGE_TRIGGER_TIME),
            };
            if annotations.is_empty() {
                slice.metadata.annotations = None;
            }
            let result = match old {
                Some(_) => {
                    slice.metadata.resource_version = None;
                    api.update(Object::from(slice), false)
                }
                None => api.create(Object::from(slice), &key.namespace, false),
            };
            failed |= result.is_err();
        }
        if failed {
            Action::RequeueAfter(5_000)
        } else {
            Action::Done
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backend(pod: &str, ip: &str, ready: bool, terminating: bool) -> Backend {
        Backend {
            pod: pod.into(),
            namespace: "default".into(),
            uid: format!("uid-{pod}"),
            ip: ip.into(),
            node: None,
            hostname: None,
            ready,
            terminating,
            ports: vec![ResolvedPort {
                name: None,
                port: 8080,
                protocol: "TCP".into(),
                app_protocol: None,
            }],
            changed_ms: None,
        }
    }

    #[test]
    fn conditions_follow_readiness_and_termination() {
        let b = vec![
            backend("a", "10.0.0.1", true, false),
            backend("b", "10.0.0.2", false, false),
            backend("c", "10.0.0.3", true, true),
        ];
        let slices = desired_slices(&b, false);
        assert_eq!(slices.len(), 1);
        let c: Vec<(bool, bool, bool)> = slices[0]
            .1
            .iter()
            .map(|e| {
                let c = e.conditions.clone().unwrap();
                (c.ready.unwrap(), c.serving.unwrap(), c.terminating.unwrap())
            })
            .collect();
        assert_eq!(
            c,
            vec![
                (true, true, false),
                (false, false, false),
                (false, true, true)
            ]
        );
        assert_eq!(slices[0].0.as_ref().unwrap()[0].port, Some(8080));
    }

    #[test]
    fn no_pods_gives_a_placeholder_and_many_pods_several_slices() {
        let empty = desired_slices(&[], false);
        assert_eq!(empty.len(), 1);
        assert!(empty[0].0.is_none() && empty[0].1.is_empty());
        let many: Vec<Backend> = (0..150)
            .map(|i| {
                backend(
                    &format!("p{i:03}"),
                    &format!("10.0.{}.{}", i / 200, i % 200),
                    true,
                    false,
                )
            })
            .collect();
        let slices = desired_slices(&many, false);
        assert_eq!(
            slices.iter().map(|s| s.1.len()).collect::<Vec<_>>(),
            vec![100, 50]
        );
    }
}
