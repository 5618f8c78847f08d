//! What the ingress-nginx pods do to the API, played by two controllers:
//!
//! - [`IngressNginxController`]: the controller inside `ingress-nginx-controller` pods. For
//!   the Ingresses of its class it records `Normal Sync "Scheduled for sync"` (component
//!   `nginx-ingress-controller`) whenever it sees an Ingress added or changed, and its status
//!   updater, which runs once a minute, writes `status.loadBalancer.ingress`: the addresses
//!   of the `--publish-service` Service (the cloud install), else the IPs of the nodes that
//!   run controller pods (the bare-metal NodePort install).
//! - [`WebhookCertgen`]: the `kube-webhook-certgen` Jobs of the install. `create` writes the
//!   admission webhook's Secret (its pod mounts it, so the controller waits for it), `patch`
//!   puts the CA into the ValidatingWebhookConfiguration.

use super::pem;
use crate::api::{Kind, Node, Object, ObjectKey, Pod, Secret, Service};
use crate::apiserver::ApiServer;
use crate::controllers::owner::is_pod_ready;
use crate::controllers::{Action, Controller};
use crate::sim::SimTime;
use crate::store::WatchEvent;
use k8s_openapi::api::networking::v1::{
    Ingress, IngressClass, IngressLoadBalancerIngress, IngressLoadBalancerStatus, IngressStatus,
};
use k8s_openapi::ByteString;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The event source of the controller.
pub const COMPONENT: &str = "nginx-ingress-controller";

/// How often ingress-nginx's status updater runs (`updateInterval`).
const STATUS_SYNC_MS: u64 = 60_000;

/// The command-line flags of a controller pod that decide what it serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControllerFlags {
    /// `--controller-class` (`k8s.io/ingress-nginx`).
    pub controller_class: String,
    /// `--ingress-class` (`nginx`): the class name the old annotation must carry.
    pub ingress_class: String,
    /// `--publish-service` as namespace and name.
    pub publish_service: Option<(String, String)>,
    /// `--watch-ingress-without-class`.
    pub watch_without_class: bool,
}

/// True when a container image is ingress-nginx's controller.
pub fn is_controller_image(image: &str) -> bool {
    image.contains("ingress-nginx/controller:") || image.contains("ingress-nginx/controller@")
}

/// A running controller pod: the pod, its node and its flags.
#[derive(Clone, Debug)]
pub struct ControllerPod {
    pub pod: Arc<Object>,
    pub node: String,
    pub flags: ControllerFlags,
    /// When it became ready (the status updater's clock starts there).
    pub ready_since: SimTime,
}

fn flags_of(pod: &Pod) -> Option<ControllerFlags> {
    let spec = pod.spec.as_ref()?;
    let c = spec
        .containers
        .iter()
        .find(|c| c.image.as_deref().is_some_and(is_controller_image))?;
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let mut flags = ControllerFlags {
        controller_class: "k8s.io/ingress-nginx".into(),
        ingress_class: "nginx".into(),
        publish_service: None,
        watch_without_class: false,
    };
    for arg in c.command.iter().flatten().chain(c.args.iter().flatten()) {
        let arg = arg.replace("$(POD_NAMESPACE)", &ns);
        let (k, v) = arg.split_once('=').unwrap_or((arg.as_str(), "true"));
        match k {
            "--controller-class" => flags.controller_class = v.to_string(),
            "--ingress-class" => flags.ingress_class = v.to_string(),
            "--publish-service" => {
                flags.publish_service = v
                    .split_once('/')
                    .map(|(a, b)| (a.to_string(), b.to_string()))
            }
            "--watch-ingress-without-class" => flags.watch_without_class = v == "true",
            _ => {}
        }
    }
    Some(flags)
}

/// The ready ingress-nginx controller pods, by namespace and name.
pub fn controller_pods(api: &ApiServer) -> Vec<ControllerPod> {
    api.store()
        .list(Kind::Pod, None)
        .filter_map(|o| {
            let p = o.as_::<Pod>()?;
            if p.metadata.deletion_timestamp.is_some() || !is_pod_ready(p) {
                return None;
            }
            let flags = flags_of(p)?;
            let node = p.spec.as_ref()?.node_name.clone()?;
            let ready_since = p
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"))
                .and_then(|c| c.last_transition_time.as_ref())
                .map(SimTime::from_k8s_time)
                .unwrap_or_default();
            Some(ControllerPod {
                pod: o.clone(),
                node,
                flags,
                ready_since,
            })
        })
        .collect()
}

/// Whether a controller with these flags serves `ing`: its IngressClass names the
/// controller, or the deprecated annotation names the class, or it has no class at all and
/// the controller watches those (`--watch-ingress-without-class`).
pub fn serves(api: &ApiServer, flags: &ControllerFlags, ing: &Ingress) -> bool {
    let class_of = |name: &str| {
        api.store()
            .get(&ObjectKey::new(Kind::IngressClass, "", name))
            .and_then(|o| o.as_::<IngressClass>().cloned())
    };
    let ours = |ic: &IngressClass| {
        ic.spec.as_ref().and_then(|s| s.controller.as_deref())
            == Some(flags.controller_class.as_str())
    };
    if let Some(name) = ing
        .spec
        .as_ref()
        .and_then(|s| s.ingress_class_name.as_deref())
    {
        return class_of(name).is_some_and(|ic| ours(&ic));
    }
    if let Some(a) = ing
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(crate::api::ingress::ANNOTATION_INGRESS_CLASS))
    {
        return *a == flags.ingress_class;
    }
    // A default IngressClass does not make the controller take class-less Ingresses: the
    // API server's DefaultIngressClass admission names the class when an Ingress is created
    // (`GetIngressClass` in ingress-nginx's store), so one created before the class became
    // the default stays unserved.
    flags.watch_without_class
}

/// The Ingresses a controller serves, oldest first (ingress-nginx's order), ties by
/// namespace and name.
pub fn served_ingresses(api: &ApiServer, flags: &ControllerFlags) -> Vec<Arc<Object>> {
    let mut out: Vec<Arc<Object>> = api
        .store()
        .list(Kind::Ingress, None)
        .filter(|o| o.metadata().deletion_timestamp.is_none())
        .filter(|o| o.as_::<Ingress>().is_some_and(|i| serves(api, flags, i)))
        .cloned()
        .collect();
    crate::sort::sort_by(&mut out, |a, b| {
        let t = |o: &Object| o.metadata().creation_timestamp.as_ref().map(|t| t.0);
        t(a).cmp(&t(b))
            .then_with(|| a.namespace().cmp(b.namespace()))
            .then_with(|| a.name().cmp(b.name()))
    });
    out
}

/// The addresses the status updater publishes.
fn status_addresses(api: &ApiServer, pods: &[&ControllerPod]) -> Vec<String> {
    let mut out = BTreeSet::new();
    for cp in pods {
        if let Some((ns, name)) = &cp.flags.publish_service {
            let Some(svc) = api
                .store()
                .get(&ObjectKey::new(Kind::Service, ns, name))
                .and_then(|o| o.as_::<Service>().cloned())
            else {
                continue;
            };
            let spec = svc.spec.clone().unwrap_or_default();
            if spec.type_.as_deref() == Some("LoadBalancer") {
                for i in svc
                    .status
                    .iter()
                    .filter_map(|s| s.load_balancer.as_ref())
                    .flat_map(|l| l.ingress.iter().flatten())
                {
                    if let Some(a) = i.ip.clone().or_else(|| i.hostname.clone()) {
                        out.insert(a);
                    }
                }
            } else if let Some(ip) = spec.cluster_ip.filter(|ip| ip != "None") {
                out.insert(ip);
            }
            out.extend(spec.external_ips.into_iter().flatten());
            continue;
        }
        // A node's ExternalIP, else its InternalIP.
        let node = api
            .store()
            .get(&ObjectKey::new(Kind::Node, "", &cp.node))
            .and_then(|o| o.as_::<Node>().cloned());
        let addrs = node
            .and_then(|n| n.status)
            .and_then(|s| s.addresses)
            .unwrap_or_default();
        let pick = addrs
            .iter()
            .find(|a| a.type_ == "ExternalIP")
            .or_else(|| addrs.iter().find(|a| a.type_ == "InternalIP"));
        if let Some(a) = pick {
            out.insert(a.address.clone());
        }
    }
    out.into_iter().collect()
}

/// ingress-nginx's watch on Ingresses (events) and its status updater.
#[derive(Default)]
pub struct IngressNginxController {
    /// The resourceVersion of each Ingress last announced with a Sync event.
    announced: BTreeMap<ObjectKey, String>,
}

impl Controller for IngressNginxController {
    fn name(&self) -> &'static str {
        COMPONENT
    }

    fn watches(&self) -> Option<&'static [Kind]> {
        Some(&[Kind::Ingress, Kind::IngressClass, Kind::Pod, Kind::Service])
    }

    fn keys_for(&self, api: &ApiServer, ev: &WatchEvent, out: &mut Vec<ObjectKey>) {
        match ev.key.kind {
            Kind::Ingress => out.push(ev.key.clone()),
            Kind::IngressClass | Kind::Pod | Kind::Service => {
                let relevant = match ev.object.as_ref() {
                    Object::Pod(p) => flags_of(p).is_some(),
                    // Only a published Service matters; without an IngressClass there is no
                    // ingress controller to ask (and no pod list to walk per Service event).
                    Object::Service(_) => {
                        api.store().list(Kind::IngressClass, None).next().is_some()
                            && !controller_pods(api).is_empty()
                    }
                    _ => true,
                };
                if relevant {
                    out.extend(api.store().list(Kind::Ingress, None).map(|o| o.key()));
                }
            }
            _ => {}
        }
    }

    fn reconcile(&mut self, api: &mut ApiServer, key: &ObjectKey) -> Action {
        let Some(obj) = api.store().get(key).cloned() else {
            self.announced.remove(key);
            return Action::Done;
        };
        let Some(ing) = obj.as_::<Ingress>().cloned() else {
            return Action::Done;
        };
        let pods = controller_pods(api);
        let serving: Vec<&ControllerPod> = pods
            .iter()
            .filter(|cp| serves(api, &cp.flags, &ing))
            .collect();
        if serving.is_empty() {
            return Action::Done;
        }
        let rv = obj.metadata().resource_version.clone().unwrap_or_default();
        if self.announced.get(key) != Some(&rv) {
            self.announced.insert(key.clone(), rv);
            api.record_event(
                &obj,
                "Normal",
                "Sync",
                "Scheduled for sync",
                COMPONENT,
                None,
            );
        }
        // The status updater runs every minute from the controller's start.
        let now = api.now();
        let since = serving.iter().map(|cp| cp.ready_since).min().unwrap_or(now);
        let elapsed = now.ms().saturating_sub(since.ms());
        let until_tick = (STATUS_SYNC_MS - elapsed % STATUS_SYNC_MS) % STATUS_SYNC_MS;
        let wanted: Vec<IngressLoadBalancerIngress> = status_addresses(api, &serving)
            .into_iter()
            .map(|ip| IngressLoadBalancerIngress {
                ip: Some(ip),
                ..Default::default()
            })
            .collect();
        let current = ing
            .status
            .as_ref()
            .and_then(|s| s.load_balancer.as_ref())
            .and_then(|l| l.ingress.clone())
            .unwrap_or_default();
        if current == wanted {
            return Action::Done;
        }
        if until_tick != 0 {
            return Action::RequeueAfter(until_tick);
        }
        let mut updated = ing;
        updated.status = Some(IngressStatus {
            load_balancer: Some(IngressLoadBalancerStatus {
                ingress: (!wanted.is_empty()).then_some(wanted),
            }),
        });
        let _ = api.update_status(Object::from(updated));
        Action::Done
    }
}

/// The `kube-webhook-certgen create|patch` Jobs of the ingress-nginx install.
#[derive(Default)]
pub struct WebhookCertgen;

fn certgen_args(pod: &Pod) -> Option<Vec<String>> {
    let c = pod.spec.as_ref()?.containers.iter().find(|c| {
        c.image
            .as_deref()
            .is_some_and(|i| i.contains("ingress-nginx/kube-webhook-certgen"))
    })?;
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    Some(
        c.args
            .iter()
            .flatten()
            .map(|a| a.replace("$(POD_NAMESPACE)", &ns))
            .collect(),
    )
}

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .find_map(|a| a.strip_prefix(name).and_then(|r| r.strip_prefix('=')))
}

impl Controller for WebhookCertgen {
    fn name(&self) -> &'static str {
        "kube-webhook-certgen"
    }

    fn watches(&self) -> Option<&'static [Kind]> {
        Some(&[Kind::Pod])
    }

    fn keys_for(&self, _api: &ApiServer, ev: &WatchEvent, out: &mut Vec<ObjectKey>) {
        if ev.key.kind == Kind::Pod
            && ev
                .object
                .as_::<Pod>()
                .is_some_and(|p| certgen_args(p).is_some())
        {
            out.push(ev.key.clone());
        }
    }

    fn reconcile(&mut self, api: &mut ApiServer, key: &ObjectKey) -> Action {
        let Some(pod) = api.store().get(key).and_then(|o| o.as_::<Pod>().cloned()) else {
            return Action::Done;
        };
        let succeeded = pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Succeeded");
        let Some(args) = certgen_args(&pod).filter(|_| succeeded) else {
            return Action::Done;
        };
        let ns = flag(&args, "--namespace")
            .unwrap_or(&key.namespace)
            .to_string();
        let Some(secret_name) = flag(&args, "--secret-name").map(str::to_string) else {
            return Action::Done;
        };
        let secret_key = ObjectKey::new(Kind::Secret, &ns, &secret_name);
        match args.first().map(String::as_str) {
            Some("create") => {
                if api.store().get(&secret_key).is_some() {
                    return Action::Done;
                }
                let host = flag(&args, "--host").unwrap_or("").to_string();
                let now = api.now().unix_secs();
                let serial = api.rng().hex("certgen", 32);
                let mut random = |n: usize| -> Vec<u8> {
                    let hex = api.rng().hex("certgen", n * 2);
                    (0..n)
                        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0))
                        .collect()
                };
                let ca_info = pem::CertInfo {
                    subject: "O = nil1".into(),
                    issuer: "O = nil1".into(),
                    not_before: now,
                    not_after: now + 100 * 365 * 86_400,
                    serial: serial.clone(),
                    dns_names: vec![],
                    key_bits: 256,
                };
                let ca = pem::certificate(&ca_info, &mut random);
                let cert = pem::certificate(
                    &pem::CertInfo {
                        subject: "O = nil2".into(),
                        issuer: "O = nil1".into(),
                        dns_names: host.split(',').map(str::to_string).collect(),
                        ..ca_info
                    },
                    &mut random,
                );
                let key_pem = pem::frame("EC PRIVATE KEY", &random(121));
                let data: BTreeMap<String, ByteString> = crate::sort::collect_map(
                    [("ca", ca), ("cert", cert), ("key", key_pem)]
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), ByteString(v.into_bytes()))),
                );
                let secret = Secret {
                    metadata: crate::api::ObjectMeta {
                        name: Some(secret_name),
                        namespace: Some(ns.clone()),
                        ..Default::default()
                    },
                    data: Some(data),
                    ..Default::default()
                };
                let _ = api.create(Object::from(secret), &ns, false);
            }
            Some("patch") => {
                let Some(ca) = api
                    .store()
                    .get(&secret_key)
                    .and_then(|o| o.as_::<Secret>().cloned())
                    .and_then(|s| s.data)
                    .and_then(|d| d.get("ca").cloned())
                else {
                    return Action::Done;
                };
                let Some(webhook) = flag(&args, "--webhook-name") else {
                    return Action::Done;
                };
                let policy = flag(&args, "--patch-failure-policy").map(str::to_string);
                let wkey = ObjectKey::new(Kind::ValidatingWebhookConfiguration, "", webhook);
                let _ = api.modify(&wkey, |o| {
                    if let Object::ValidatingWebhookConfiguration(w) = o {
                        for hook in w.webhooks.iter_mut().flatten() {
                            if hook.client_config.ca_bundle.as_ref() != Some(&ca) {
                                hook.client_config.ca_bundle = Some(ca.clone());
                            }
                            if let Some(p) = &policy {
                                hook.failure_policy = Some(p.clone());
                            }
                        }
                    }
                });
            }
            _ => {}
        }
        Action::Done
    }
}
