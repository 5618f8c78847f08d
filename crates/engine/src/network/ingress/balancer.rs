//! ingress-nginx's upstream balancing. Its default `load-balance` (ConfigMap key and
//! `nginx.ingress.kubernetes.io/load-balance` annotation) is `round_robin`: the Lua balancer
//! (`rootfs/etc/nginx/lua/balancer/round_robin.lua`, on lua-resty-balancer's `roundrobin`)
//! keeps, per upstream, a position that starts on a random endpoint and moves one endpoint
//! per request. When the upstream's endpoints change, the controller syncs a new backend
//! list and the balancer is rebuilt with a fresh random start.
//!
//! Simplification: a real controller runs one nginx worker per CPU, each with its own
//! balancer, so consecutive requests that land on different workers do not strictly
//! alternate; the simulation has one balancer per controller pod and upstream.

use crate::api::ObjectKey;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// An upstream endpoint: pod IP and container port.
pub type Endpoint = (Ipv4Addr, u16);

/// The round-robin balancers of every ingress-nginx pod, one per upstream
/// (`<namespace>-<service>-<port>`).
#[derive(Clone, Debug, Default)]
pub struct Balancers {
    upstreams: BTreeMap<(ObjectKey, String), RoundRobin>,
}

/// One upstream's balancer: the endpoints it was built for and the last one it chose.
#[derive(Clone, Debug)]
struct RoundRobin {
    endpoints: Vec<Endpoint>,
    last: usize,
}

impl Balancers {
    /// The index in `endpoints` of the next endpoint of `upstream` on controller `pod`.
    /// A new balancer, or one whose endpoints changed, starts after `random_start(n)` (a
    /// number below `n`), as lua-resty-balancer starts on a random node. Example with
    /// endpoints `[a, b, c]` and a random start of 1: `c, a, b, c, a, …`.
    pub fn round_robin(
        &mut self,
        pod: &ObjectKey,
        upstream: &str,
        endpoints: &[Endpoint],
        random_start: impl FnOnce(usize) -> usize,
    ) -> usize {
        if endpoints.is_empty() {
            return 0;
        }
        let balancer = self
            .upstreams
            .entry((pod.clone(), upstream.to_string()))
            .or_insert_with(|| RoundRobin {
                endpoints: Vec::new(),
                last: 0,
            });
        if balancer.endpoints != endpoints {
            balancer.endpoints = endpoints.to_vec();
            balancer.last = random_start(endpoints.len()) % endpoints.len();
        }
        balancer.last = (balancer.last + 1) % endpoints.len();
        balancer.last
    }

    /// Forgets the balancers of controller pods that no longer exist (`exists` says which
    /// do), as their nginx processes are gone.
    pub fn retain_pods(&mut self, exists: impl Fn(&ObjectKey) -> bool) {
        self.upstreams.retain(|(pod, _), _| exists(pod));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Kind;

    fn ep(last: u8) -> Endpoint {
        (Ipv4Addr::new(172, 16, 1, last), 80)
    }

    #[test]
    fn each_upstream_takes_its_endpoints_in_turn_from_a_random_start() {
        let pod = ObjectKey::new(Kind::Pod, "ingress-nginx", "controller");
        let mut b = Balancers::default();
        let eps = [ep(1), ep(2), ep(3)];
        let picks: Vec<usize> = (0..6)
            .map(|_| b.round_robin(&pod, "default-web-80", &eps, |_| 1))
            .collect();
        assert_eq!(picks, [2, 0, 1, 2, 0, 1]);
        // Another upstream has its own position.
        assert_eq!(b.round_robin(&pod, "default-api-80", &eps[..2], |_| 0), 1);
        assert_eq!(b.round_robin(&pod, "default-web-80", &eps, |_| 0), 2);
    }

    #[test]
    fn changed_endpoints_rebuild_the_balancer() {
        let pod = ObjectKey::new(Kind::Pod, "ingress-nginx", "controller");
        let mut b = Balancers::default();
        assert_eq!(b.round_robin(&pod, "u", &[ep(1), ep(2)], |_| 0), 1);
        assert_eq!(
            b.round_robin(&pod, "u", &[ep(1), ep(2), ep(3)], |n| n - 1),
            0
        );
        assert_eq!(b.round_robin(&pod, "u", &[ep(1), ep(2), ep(3)], |_| 0), 1);
        b.retain_pods(|_| false);
        assert_eq!(b.round_robin(&pod, "u", &[ep(1), ep(2), ep(3)], |_| 0), 1);
    }
}
