//! The simulated clouds behind the `aws` and `gcp` presets: what their load balancers are
//! called, which public addresses they answer on, and how a connection to one reaches the
//! cluster.
//!
//! - **AWS**: the cloud-controller-manager names a Service's load balancer `a` + the
//!   Service's UID without dashes, cut to 32 characters (`GetLoadBalancerName`), and
//!   publishes the ELB's DNS name: `NAME-DIGITS.REGION.elb.amazonaws.com` for a Classic Load
//!   Balancer, `NAME-16HEX.elb.REGION.amazonaws.com` for a Network Load Balancer (annotation
//!   `service.beta.kubernetes.io/aws-load-balancer-type: nlb`). The name resolves in public
//!   DNS to two addresses of the region; the ELB's listener for each service port forwards
//!   to the port's NodePort on a node (kube-proxy has no rule for a hostname).
//! - **GCP**: a regional external IP address; the network load balancer passes packets to a
//!   node with the destination unchanged, where kube-proxy's rules for the load-balancer IP
//!   catch them (see [`crate::network::request`]).

use crate::api::{Kind, ObjectKey, Service};
use crate::network::kube_proxy::chain_name::sha256;
use crate::store::Store;
use std::net::Ipv4Addr;

/// The annotation that asks the AWS cloud provider for a Network Load Balancer.
pub const AWS_LOAD_BALANCER_TYPE: &str = "service.beta.kubernetes.io/aws-load-balancer-type";

/// The load balancer name the cloud provider derives from a Service's UID
/// (`cloudprovider.DefaultLoadBalancerName`): `a` + the UID without dashes, at most 32
/// characters. Worked example: UID `ddb9a484-bfb4-46e1-8667-3a65b70a3781` →
/// `addb9a484bfb446e186673a65b70a378`.
pub fn load_balancer_name(uid: &str) -> String {
    let mut name: String = std::iter::once('a')
        .chain(uid.chars().filter(|c| *c != '-'))
        .collect();
    name.truncate(32);
    name
}

/// The DNS name AWS gives a new ELB: Classic `NAME-DIGITS.REGION.elb.amazonaws.com`, NLB
/// `NAME-HEX.elb.REGION.amazonaws.com`. `suffix` is AWS's random part (digits or 16 hex).
pub fn elb_hostname(name: &str, suffix: &str, region: &str, nlb: bool) -> String {
    if nlb {
        format!("{name}-{suffix}.elb.{region}.amazonaws.com")
    } else {
        format!("{name}-{suffix}.{region}.elb.amazonaws.com")
    }
}

/// Whether `host` is an ELB DNS name.
pub fn is_elb_hostname(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host.ends_with(".amazonaws.com") && host.contains(".elb.")
}

/// The two public addresses an ELB name resolves to (one per subnet of the load balancer),
/// fixed by its name: in 13.124.0.0/14 and 52.78.0.0/15, Seoul's EC2 ranges.
pub fn elb_addresses(hostname: &str) -> [Ipv4Addr; 2] {
    let h = sha256(
        hostname
            .trim_end_matches('.')
            .to_ascii_lowercase()
            .as_bytes(),
    );
    [
        Ipv4Addr::new(13, 124 + (h[0] & 3), h[1], 1 + h[2] % 254),
        Ipv4Addr::new(52, 78 + (h[3] & 1), h[4], 1 + h[5] % 254),
    ]
}

/// A GCE regional external address drawn from `draw` (a uniform number below its argument)
/// that is not in `used`: `34.64.X.Y`, the asia-northeast3 range.
pub fn gce_address(
    used: &std::collections::BTreeSet<Ipv4Addr>,
    mut draw: impl FnMut(u64) -> u64,
) -> Ipv4Addr {
    loop {
        let n = draw(224 * 253);
        let ip = Ipv4Addr::new(34, 64, 32 + (n / 253) as u8, 2 + (n % 253) as u8);
        if !used.contains(&ip) {
            return ip;
        }
    }
}

/// An ELB of a LoadBalancer Service: its DNS name and its listeners.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Elb {
    pub service: ObjectKey,
    pub hostname: String,
    /// `(port, protocol, nodePort)` per service port: the listener and the instance port it
    /// forwards to.
    pub listeners: Vec<(u16, String, u16)>,
}

fn elbs(store: &Store) -> impl Iterator<Item = Elb> + '_ {
    store.list(Kind::Service, None).filter_map(|o| {
        let svc = o.as_::<Service>()?;
        let spec = svc.spec.as_ref()?;
        if spec.type_.as_deref() != Some("LoadBalancer") {
            return None;
        }
        let hostname = svc
            .status
            .as_ref()?
            .load_balancer
            .as_ref()?
            .ingress
            .as_ref()?
            .iter()
            .find_map(|i| i.hostname.clone().filter(|h| is_elb_hostname(h)))?;
        let listeners = spec
            .ports
            .iter()
            .flatten()
            .filter_map(|p| {
                let node_port = u16::try_from(p.node_port?).ok()?;
                Some((
                    u16::try_from(p.port).ok()?,
                    p.protocol.clone().unwrap_or_else(|| "TCP".into()),
                    node_port,
                ))
            })
            .collect();
        Some(Elb {
            service: o.key(),
            hostname,
            listeners,
        })
    })
}

/// What public DNS answers for an ELB name, if a Service has that load balancer.
pub fn resolve_elb(store: &Store, name: &str) -> Option<[Ipv4Addr; 2]> {
    if !is_elb_hostname(name) {
        return None;
    }
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    elbs(store)
        .find(|e| e.hostname == name)
        .map(|e| elb_addresses(&e.hostname))
}

/// The ELB answering at `ip`, if any.
pub fn elb_at(store: &Store, ip: Ipv4Addr) -> Option<Elb> {
    elbs(store).find(|e| elb_addresses(&e.hostname).contains(&ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_the_aws_cloud_provider_makes_them() {
        // Seed 004's ELB: the name is `a` + the first 31 hex digits of the UID.
        let name = load_balancer_name("ddb9a484-bfb4-46e1-8667-3a65b70a3781");
        assert_eq!(name, "addb9a484bfb446e186673a65b70a378");
        assert_eq!(
            elb_hostname(&name, "112458769", "ap-northeast-2", false),
            "addb9a484bfb446e186673a65b70a378-112458769.ap-northeast-2.elb.amazonaws.com"
        );
        assert_eq!(
            elb_hostname(&name, "0123456789abcdef", "ap-northeast-2", true),
            "addb9a484bfb446e186673a65b70a378-0123456789abcdef.elb.ap-northeast-2.amazonaws.com"
        );
        assert!(is_elb_hostname("a1-1.ap-northeast-2.elb.amazonaws.com."));
        assert!(is_elb_hostname("a1-ff.elb.ap-northeast-2.amazonaws.com"));
        assert!(!is_elb_hostname("google.com"));
    }

    #[test]
    fn elb_addresses_are_fixed_by_the_name_and_public() {
        let a = elb_addresses("x-1.ap-northeast-2.elb.amazonaws.com");
        assert_eq!(a, elb_addresses("X-1.ap-northeast-2.elb.amazonaws.com."));
        assert_ne!(a, elb_addresses("x-2.ap-northeast-2.elb.amazonaws.com"));
        assert!(a.iter().all(|ip| !ip.is_private() && ip.octets()[3] != 0));
    }

    #[test]
    fn gce_addresses_skip_used_ones() {
        let mut used = std::collections::BTreeSet::new();
        let mut draws = [0u64, 0, 1].into_iter();
        let first = gce_address(&used, |_| draws.next().unwrap_or(2));
        assert_eq!(first, Ipv4Addr::new(34, 64, 32, 2));
        used.insert(first);
        // The second draw repeats the first address and is drawn again.
        assert_eq!(
            gce_address(&used, |_| draws.next().unwrap_or(2)),
            Ipv4Addr::new(34, 64, 32, 3)
        );
    }
}
