//! The LoadBalancer controller: what gives `type: LoadBalancer` Services their EXTERNAL-IP.
//! On a real cluster that is a cloud provider's service controller or, on premises, MetalLB;
//! without either the address stays `<pending>` and the Service works as a NodePort. The
//! preset chooses ([`crate::preset::LoadBalancerSource`]).
//!
//! With an address pool it plays MetalLB's controller and speaker (layer 2):
//!
//! - a LoadBalancer Service without an address gets `spec.loadBalancerIP` when that is a
//!   free pool address, else the lowest free one, written to
//!   `status.loadBalancer.ingress[0]` (`ipMode: VIP`), with MetalLB's events `IPAllocated`
//!   (`Assigned IP ["192.168.1.11"]`) and `nodeAssigned` (the announcing node);
//! - an exhausted pool leaves it pending with `AllocationFailed`;
//! - a Service that stops being a LoadBalancer loses its address, and a freed address goes
//!   to the next pending Service.
//!
//! On the cloud presets it plays the cloud-controller-manager's service controller
//! (`k8s.io/cloud-provider/controllers/service`, events from `service-controller`):
//!
//! - a Service that wants a load balancer gets `EnsuringLoadBalancer` and the finalizer
//!   `service.kubernetes.io/load-balancer-cleanup`; when the cloud has built the load
//!   balancer (a few seconds for an ELB, most of a minute on GCE, during which EXTERNAL-IP
//!   stays `<pending>`) its address goes into the status with `EnsuredLoadBalancer`: an ELB's
//!   DNS name on AWS, an external IP on GCP (see [`crate::network::cloud`]);
//! - a Service being deleted, or no longer of type LoadBalancer, gets `DeletingLoadBalancer`,
//!   loses the finalizer and its address, and `DeletedLoadBalancer`.
//!
//! Services with a `loadBalancerClass` belong to another implementation and are skipped.

use super::{Action, Controller};
use crate::api::{Kind, Node, Object, ObjectKey, Service};
use crate::apiserver::ApiServer;
use crate::network::cloud;
use crate::preset::LoadBalancerSource;
use crate::sim::SimTime;
use crate::store::{WatchEvent, WatchEventType};
use k8s_openapi::api::core::v1::{LoadBalancerIngress, LoadBalancerStatus, ServiceStatus};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

/// The finalizer the cloud service controller puts on a Service before it builds the load
/// balancer, so the Service outlives it (`servicehelper.LoadBalancerCleanupFinalizer`).
pub const LOAD_BALANCER_CLEANUP_FINALIZER: &str = "service.kubernetes.io/load-balancer-cleanup";

/// The source of the cloud service controller's events.
const SERVICE_CONTROLLER: &str = "service-controller";

/// How long the cloud takes to build a load balancer, in simulated milliseconds: an ELB's
/// API call returns its DNS name within seconds; a GCE forwarding rule takes most of a
/// minute (seed 004: "wait about a minute until the controller has configured it").
fn provisioning_ms(source: &LoadBalancerSource) -> u64 {
    match source {
        LoadBalancerSource::Gcp { .. } => 45_000,
        _ => 3_000,
    }
}

/// The LoadBalancer controller: MetalLB for presets with an address pool, the cloud
/// provider's service controller on the cloud presets.
#[derive(Default)]
pub struct ServiceLoadBalancerController {
    /// Cloud load balancers being built: Service → (its UID, when the cloud is done).
    provisioning: BTreeMap<ObjectKey, (String, SimTime)>,
}

fn is_load_balancer(svc: &Service) -> bool {
    svc.spec.as_ref().is_some_and(|s| {
        s.type_.as_deref() == Some("LoadBalancer") && s.load_balancer_class.is_none()
    })
}

/// The load-balancer addresses Services hold now.
fn used_addresses(api: &ApiServer) -> BTreeSet<Ipv4Addr> {
    // Filled by `extend`, not `collect` (which compiles its own sort), for the page's size.
    let mut used = BTreeSet::new();
    used.extend(
        api.store()
            .list(Kind::Service, None)
            .filter_map(|o| o.as_::<Service>())
            .flat_map(ingress_ips)
            .filter_map(|ip| ip.parse::<Ipv4Addr>().ok()),
    );
    used
}

fn ingress_ips(svc: &Service) -> Vec<String> {
    svc.status
        .as_ref()
        .and_then(|s| s.load_balancer.as_ref())
        .and_then(|l| l.ingress.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|i| i.ip.clone())
        .collect()
}

/// The lowest pool address not in `used`, preferring `requested` when it is in the pool and
/// free.
pub fn pick_address(
    first: Ipv4Addr,
    last: Ipv4Addr,
    used: &BTreeSet<Ipv4Addr>,
    requested: Option<Ipv4Addr>,
) -> Option<Ipv4Addr> {
    let (lo, hi) = (u32::from(first), u32::from(last));
    if let Some(r) = requested {
        let n = u32::from(r);
        return (n >= lo && n <= hi && !used.contains(&r)).then_some(r);
    }
    (lo..=hi).map(Ipv4Addr::from).find(|ip| !used.contains(ip))
}

impl Controller for ServiceLoadBalancerController {
    fn name(&self) -> &'static str {
        "metallb-controller"
    }

    fn watches(&self) -> Option<&'static [Kind]> {
        Some(&[Kind::Service])
    }

    fn keys_for(&self, api: &ApiServer, ev: &WatchEvent, out: &mut Vec<ObjectKey>) {
        if ev.key.kind != Kind::Service || api.service_allocator().load_balancer().is_none() {
            return;
        }
        out.push(ev.key.clone());
        let freed = ev.event_type == WatchEventType::Deleted
            || ev
                .object
                .as_::<Service>()
                .is_some_and(|s| !is_load_balancer(s));
        if freed
            && ev
                .object
                .as_::<Service>()
                .is_some_and(|s| !ingress_ips(s).is_empty())
        {
            for s in api.store().list(Kind::Service, None) {
                if s.as_::<Service>()
                    .is_some_and(|s| is_load_balancer(s) && ingress_ips(s).is_empty())
                {
                    out.push(s.key());
                }
            }
        }
    }

    fn reconcile(&mut self, api: &mut ApiServer, key: &ObjectKey) -> Action {
        let source = api.service_allocator().load_balancer().cloned();
        let (first, last) = match source {
            Some(LoadBalancerSource::MetalLb { first, last }) => (first, last),
            Some(cloud) => return self.reconcile_cloud(api, key, &cloud),
            None => return Action::Done,
        };
        let Some(svc) = api
            .store()
            .get(key)
            .and_then(|o| o.as_::<Service>().cloned())
        else {
            return Action::Done;
        };
        let current = ingress_ips(&svc);
        if !is_load_balancer(&svc) || svc.metadata.deletion_timestamp.is_some() {
            if !current.is_empty() {
                let mut updated = svc;
                updated.status = Some(ServiceStatus {
                    load_balancer: Some(LoadBalancerStatus::default()),
                    ..updated.status.unwrap_or_default()
                });
                let _ = api.update_status(Object::from(updated));
            }
            return Action::Done;
        }
        if !current.is_empty() {
            return Action::Done;
        }
        let (Ok(first), Ok(last)) = (first.parse::<Ipv4Addr>(), last.parse::<Ipv4Addr>()) else {
            return Action::Done;
        };
        let used = used_addresses(api);
        let requested = svc
            .spec
            .as_ref()
            .and_then(|s| s.load_balancer_ip.as_deref())
            .filter(|ip| !ip.is_empty())
            .and_then(|ip| ip.parse().ok());
        let obj = Object::from(svc.clone());
        let Some(ip) = pick_address(first, last, &used, requested) else {
            api.record_event(
                &obj,
                "Warning",
                "AllocationFailed",
                &format!(
                    "Failed to allocate IP for \"{}/{}\": no available IPs",
                    key.namespace, key.name
                ),
                "metallb-controller",
                None,
            );
            return Action::Done;
        };
        let mut updated = svc;
        updated.status = Some(ServiceStatus {
            load_balancer: Some(LoadBalancerStatus {
                ingress: Some(vec![LoadBalancerIngress {
                    ip: Some(ip.to_string()),
                    ip_mode: Some("VIP".into()),
                    ..Default::default()
                }]),
            }),
            ..updated.status.unwrap_or_default()
        });
        if api.update_status(Object::from(updated)).is_err() {
            return Action::Done;
        }
        api.record_event(
            &obj,
            "Normal",
            "IPAllocated",
            &format!("Assigned IP [\"{ip}\"]"),
            "metallb-controller",
            None,
        );
        // The layer-2 speaker on the first ready worker (by name) answers ARP for the address.
        let node = api
            .store()
            .list(Kind::Node, None)
            .filter_map(|o| o.as_::<Node>())
            .filter(|n| {
                !n.metadata
                    .labels
                    .as_ref()
                    .is_some_and(|l| l.contains_key("node-role.kubernetes.io/control-plane"))
            })
            .filter_map(|n| n.metadata.name.clone())
            .min();
        if let Some(node) = node {
            api.record_event(
                &obj,
                "Normal",
                "nodeAssigned",
                &format!("announcing from node \"{node}\" with protocol \"layer2\""),
                "metallb-speaker",
                None,
            );
        }
        Action::Done
    }
}

impl ServiceLoadBalancerController {
    /// One step of the cloud provider's service controller (`syncLoadBalancerIfNeeded`).
    fn reconcile_cloud(
        &mut self,
        api: &mut ApiServer,
        key: &ObjectKey,
        source: &LoadBalancerSource,
    ) -> Action {
        let Some(svc) = api
            .store()
            .get(key)
            .and_then(|o| o.as_::<Service>().cloned())
        else {
            self.provisioning.remove(key);
            return Action::Done;
        };
        let uid = svc.metadata.uid.clone().unwrap_or_default();
        let has_finalizer = svc
            .metadata
            .finalizers
            .iter()
            .flatten()
            .any(|f| f == LOAD_BALANCER_CLEANUP_FINALIZER);
        let obj = Object::from(svc.clone());
        if !is_load_balancer(&svc) || svc.metadata.deletion_timestamp.is_some() {
            self.provisioning.remove(key);
            if has_finalizer {
                self.delete_load_balancer(api, key, &obj);
            }
            return Action::Done;
        }
        if has_finalizer && !load_balancer_ingress_empty(&svc) {
            return Action::Done;
        }
        let now = api.now();
        let due = match self.provisioning.get(key) {
            Some((u, due)) if *u == uid => *due,
            _ => {
                api.record_event(
                    &obj,
                    "Normal",
                    "EnsuringLoadBalancer",
                    "Ensuring load balancer",
                    SERVICE_CONTROLLER,
                    None,
                );
                if !has_finalizer {
                    let added = api.modify(key, |o| {
                        o.metadata_mut()
                            .finalizers
                            .get_or_insert_with(Vec::new)
                            .push(LOAD_BALANCER_CLEANUP_FINALIZER.to_string());
                    });
                    if added.is_err() {
                        return Action::Done;
                    }
                }
                let due = now.plus_ms(provisioning_ms(source));
                self.provisioning.insert(key.clone(), (uid, due));
                due
            }
        };
        if now < due {
            return Action::RequeueAfter(due.ms() - now.ms());
        }
        self.provisioning.remove(key);
        let ingress = match source {
            LoadBalancerSource::Aws { region } => {
                let nlb = svc
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(cloud::AWS_LOAD_BALANCER_TYPE))
                    .is_some_and(|t| t == "nlb" || t == "external");
                let suffix = if nlb {
                    api.rng().hex("aws-elb", 16)
                } else {
                    (100_000_000 + api.rng().below("aws-elb", 1_900_000_000)).to_string()
                };
                let name = cloud::load_balancer_name(svc.metadata.uid.as_deref().unwrap_or(""));
                LoadBalancerIngress {
                    hostname: Some(cloud::elb_hostname(&name, &suffix, region, nlb)),
                    ..Default::default()
                }
            }
            _ => {
                let used = used_addresses(api);
                // A reserved static address named in `loadBalancerIP` is used as is.
                let requested = svc
                    .spec
                    .as_ref()
                    .and_then(|s| s.load_balancer_ip.as_deref())
                    .and_then(|ip| ip.parse::<Ipv4Addr>().ok());
                let ip = requested.unwrap_or_else(|| {
                    let rng = api.rng();
                    cloud::gce_address(&used, |n| rng.below("gce-address", n))
                });
                LoadBalancerIngress {
                    ip: Some(ip.to_string()),
                    ip_mode: Some("VIP".into()),
                    ..Default::default()
                }
            }
        };
        let Some(current) = api
            .store()
            .get(key)
            .and_then(|o| o.as_::<Service>().cloned())
        else {
            return Action::Done;
        };
        let mut updated = current;
        updated.status = Some(ServiceStatus {
            load_balancer: Some(LoadBalancerStatus {
                ingress: Some(vec![ingress]),
            }),
            ..updated.status.unwrap_or_default()
        });
        if api.update_status(Object::from(updated)).is_ok() {
            api.record_event(
                &obj,
                "Normal",
                "EnsuredLoadBalancer",
                "Ensured load balancer",
                SERVICE_CONTROLLER,
                None,
            );
        }
        Action::Done
    }

    /// Tears a cloud load balancer down: events, finalizer and status, in the order the
    /// service controller writes them. A deleted Service goes once its last finalizer has.
    fn delete_load_balancer(&mut self, api: &mut ApiServer, key: &ObjectKey, obj: &Object) {
        api.record_event(
            obj,
            "Normal",
            "DeletingLoadBalancer",
            "Deleting load balancer",
            SERVICE_CONTROLLER,
            None,
        );
        let updated = api.modify(key, |o| {
            let m = o.metadata_mut();
            if let Some(fs) = m.finalizers.as_mut() {
                fs.retain(|f| f != LOAD_BALANCER_CLEANUP_FINALIZER);
                if fs.is_empty() {
                    m.finalizers = None;
                }
            }
        });
        let gone = match &updated {
            Ok(o) => {
                let m = o.metadata();
                m.deletion_timestamp.is_some() && m.finalizers.as_ref().is_none_or(|f| f.is_empty())
            }
            Err(_) => false,
        };
        if gone {
            // The API server removes a deleted object with its last finalizer.
            api.remove(key);
        }
        api.record_event(
            obj,
            "Normal",
            "DeletedLoadBalancer",
            "Deleted load balancer",
            SERVICE_CONTROLLER,
            None,
        );
        if gone {
            return;
        }
        if let Some(mut svc) = api
            .store()
            .get(key)
            .and_then(|o| o.as_::<Service>().cloned())
            .filter(|s| !load_balancer_ingress_empty(s))
        {
            svc.status = Some(ServiceStatus {
                load_balancer: Some(LoadBalancerStatus::default()),
                ..svc.status.unwrap_or_default()
            });
            let _ = api.update_status(Object::from(svc));
        }
    }
}

/// True when the Service has no load-balancer address (IP or host name) in its status.
fn load_balancer_ingress_empty(svc: &Service) -> bool {
    svc.status
        .as_ref()
        .and_then(|s| s.load_balancer.as_ref())
        .and_then(|l| l.ingress.as_ref())
        .is_none_or(|i| i.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowest_free_pool_address_or_the_requested_one() {
        let first: Ipv4Addr = "192.168.1.11".parse().unwrap();
        let last: Ipv4Addr = "192.168.1.13".parse().unwrap();
        let mut used = BTreeSet::new();
        assert_eq!(pick_address(first, last, &used, None), Some(first));
        used.insert(first);
        assert_eq!(
            pick_address(first, last, &used, None).map(|i| i.to_string()),
            Some("192.168.1.12".into())
        );
        let wanted: Ipv4Addr = "192.168.1.13".parse().unwrap();
        assert_eq!(pick_address(first, last, &used, Some(wanted)), Some(wanted));
        assert_eq!(pick_address(first, last, &used, Some(first)), None);
        used.extend(["192.168.1.12".parse().unwrap(), wanted]);
        assert_eq!(pick_address(first, last, &used, None), None);
    }

    fn service_events(c: &crate::Cluster) -> Vec<String> {
        c.api_ref()
            .store()
            .list(Kind::Event, Some("default"))
            .filter_map(|o| o.as_::<crate::api::Event>().cloned())
            .filter(|e| e.involved_object.kind.as_deref() == Some("Service"))
            .map(|e| {
                format!(
                    "{} {}",
                    e.reason.unwrap_or_default(),
                    e.source.and_then(|s| s.component).unwrap_or_default()
                )
            })
            .collect()
    }

    fn lb_service(c: &mut crate::Cluster, annotations: &str) -> ObjectKey {
        let yaml = format!(
            "metadata: {{name: lb{annotations}}}\nspec:\n  type: LoadBalancer\n  selector: {{app: a}}\n  ports: [{{port: 80}}]\n"
        );
        let svc: Service = serde_yaml::from_str(&yaml).expect("service");
        c.api()
            .create(Object::from(svc), "default", false)
            .expect("create");
        c.settle();
        ObjectKey::new(Kind::Service, "default", "lb")
    }

    fn ingress(c: &crate::Cluster, key: &ObjectKey) -> Option<LoadBalancerIngress> {
        c.api_ref()
            .store()
            .get(key)?
            .as_::<Service>()?
            .status
            .as_ref()?
            .load_balancer
            .as_ref()?
            .ingress
            .as_ref()?
            .first()
            .cloned()
    }

    #[test]
    fn aws_gives_an_elb_host_name_and_cleans_up_on_delete() {
        let mut c = crate::Cluster::from_preset("aws", 1).expect("preset");
        let key = lb_service(&mut c, "");
        assert_eq!(ingress(&c, &key), None, "pending while the ELB is built");
        assert_eq!(
            service_events(&c),
            ["EnsuringLoadBalancer service-controller"]
        );
        c.advance(3_000);
        let host = ingress(&c, &key)
            .and_then(|i| i.hostname)
            .expect("hostname");
        let uid = c
            .api_ref()
            .store()
            .get(&key)
            .unwrap()
            .metadata()
            .uid
            .clone()
            .unwrap();
        let name = cloud::load_balancer_name(&uid);
        let digits = host
            .strip_prefix(&format!("{name}-"))
            .and_then(|r| r.strip_suffix(".ap-northeast-2.elb.amazonaws.com"))
            .expect("Classic ELB name");
        assert!(digits.len() == 9 || digits.len() == 10, "{digits}");
        assert!(digits.bytes().all(|b| b.is_ascii_digit()));
        let finalizers = c
            .api_ref()
            .store()
            .get(&key)
            .unwrap()
            .metadata()
            .finalizers
            .clone();
        assert_eq!(
            finalizers,
            Some(vec![LOAD_BALANCER_CLEANUP_FINALIZER.to_string()])
        );
        assert_eq!(
            crate::network::cloud::resolve_elb(c.api_ref().store(), &host).map(|a| a.len()),
            Some(2)
        );
        c.api()
            .delete(&key, &Default::default(), false)
            .expect("delete");
        c.settle();
        assert!(
            c.api_ref().store().get(&key).is_none(),
            "the finalizer is gone"
        );
        assert_eq!(
            service_events(&c)[2..],
            [
                "DeletingLoadBalancer service-controller",
                "DeletedLoadBalancer service-controller"
            ]
        );
        assert_eq!(
            crate::network::cloud::resolve_elb(c.api_ref().store(), &host),
            None
        );
    }

    #[test]
    fn aws_nlb_annotation_and_gcp_ip() {
        let mut c = crate::Cluster::from_preset("aws", 1).expect("preset");
        let key = lb_service(
            &mut c,
            ", annotations: {service.beta.kubernetes.io/aws-load-balancer-type: nlb}",
        );
        c.advance(3_000);
        let host = ingress(&c, &key)
            .and_then(|i| i.hostname)
            .expect("hostname");
        assert!(
            host.ends_with(".elb.ap-northeast-2.amazonaws.com"),
            "{host}"
        );
        let mut g = crate::Cluster::from_preset("gcp", 1).expect("preset");
        let key = lb_service(&mut g, "");
        g.advance(44_000);
        assert_eq!(
            ingress(&g, &key),
            None,
            "a GCE load balancer takes most of a minute"
        );
        g.advance(1_000);
        let i = ingress(&g, &key).expect("ingress");
        assert!(i.ip.as_deref().is_some_and(|ip| ip.starts_with("34.64.")));
        assert_eq!(i.ip_mode.as_deref(), Some("VIP"));
    }
}
