//! The LoadBalancer controller: what gives `type: LoadBalancer` Services their EXTERNAL-IP.
//! On a real cluster that is a cloud provider's service controller or, on premises, MetalLB;
//! without either the address stays `<pending>` and the Service works as a NodePort. The
//! preset chooses ([`crate::preset::LoadBalancerSource`]); this controller plays MetalLB's
//! controller and speaker for a layer-2 pool:
//!
//! - a LoadBalancer Service without an address gets `spec.loadBalancerIP` when that is a
//!   free pool address, else the lowest free one, written to
//!   `status.loadBalancer.ingress[0]` (`ipMode: VIP`), with MetalLB's events `IPAllocated`
//!   (`Assigned IP ["192.168.1.11"]`) and `nodeAssigned` (the announcing node);
//! - an exhausted pool leaves it pending with `AllocationFailed`;
//! - a Service that stops being a LoadBalancer loses its address, and a freed address goes
//!   to the next pending Service.
//!
//! Services with a `loadBalancerClass` belong to another implementation and are skipped.

use super::{Action, Controller};
use crate::api::{Kind, Node, Object, ObjectKey, Service};
use crate::apiserver::ApiServer;
use crate::preset::LoadBalancerSource;
use crate::store::{WatchEvent, WatchEventType};
use k8s_openapi::api::core::v1::{LoadBalancerIngress, LoadBalancerStatus, ServiceStatus};
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

/// The LoadBalancer controller (MetalLB for presets with an address pool).
#[derive(Default)]
pub struct ServiceLoadBalancerController;

fn is_load_balancer(svc: &Service) -> bool {
    svc.spec.as_ref().is_some_and(|s| {
        s.type_.as_deref() == Some("LoadBalancer") && s.load_balancer_class.is_none()
    })
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
        let Some(LoadBalancerSource::MetalLb { first, last }) =
            api.service_allocator().load_balancer().cloned()
        else {
            return Action::Done;
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
                let _ = api.update_status(Object::Service(updated));
            }
            return Action::Done;
        }
        if !current.is_empty() {
            return Action::Done;
        }
        let (Ok(first), Ok(last)) = (first.parse::<Ipv4Addr>(), last.parse::<Ipv4Addr>()) else {
            return Action::Done;
        };
        // Filled by `extend`, not `collect` (which compiles its own sort), for the page's size.
        let mut used: BTreeSet<Ipv4Addr> = BTreeSet::new();
        used.extend(
            api.store()
                .list(Kind::Service, None)
                .filter_map(|o| o.as_::<Service>())
                .flat_map(ingress_ips)
                .filter_map(|ip| ip.parse::<Ipv4Addr>().ok()),
        );
        let requested = svc
            .spec
            .as_ref()
            .and_then(|s| s.load_balancer_ip.as_deref())
            .filter(|ip| !ip.is_empty())
            .and_then(|ip| ip.parse().ok());
        let obj = Object::Service(svc.clone());
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
        if api.update_status(Object::Service(updated)).is_err() {
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
}
