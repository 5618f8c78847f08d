//! Requests across the simulated network, hop by hop: a client (a node, a pod, or the
//! learner's machine outside the cluster) connects to an address and port; kube-proxy's rules
//! on the node the packet enters turn Service addresses into an endpoint; the program
//! listening there answers. Each hop is recorded so the UI can animate it.
//!
//! What reaches what, as on a real kubeadm cluster:
//! - a **ClusterIP** works from nodes and pods (the node's `KUBE-SERVICES` chain catches it in
//!   OUTPUT or PREROUTING); from outside the cluster nothing routes to it and the client times
//!   out. A service port without endpoints is rejected at once ("Couldn't connect").
//! - a **NodePort** works on every node's address, from anywhere, and is balanced by the
//!   kube-proxy of the node it arrives at.
//! - **externalIPs** and **load-balancer IPs** are caught by every node's rules; from outside,
//!   an external IP must be one of the nodes' addresses to be reached at all, and a
//!   load-balancer IP is forwarded by the (simulated) load balancer to a node.
//! - `127.0.0.1:PORT` on the learner's machine reaches a pod while `kubectl port-forward`
//!   listens there.

use crate::api::{Kind, Pod};
use crate::cluster::Cluster;
use crate::kubelet::program::Server;
use crate::network::kube_proxy::{Entry, Mode};
use crate::ObjectKey;
use std::net::Ipv4Addr;

/// Where a request starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A shell on a node (the learner's terminal runs on the control plane).
    Node(String),
    /// A process inside a pod (`kubectl exec POD -- curl ...`).
    Pod(ObjectKey),
}

/// An HTTP request.
#[derive(Clone, Debug, Default)]
pub struct HttpRequest {
    pub method: String,
    /// The host of the URL: what the client resolves and connects to.
    pub host: String,
    pub port: u16,
    pub path: String,
    pub user_agent: String,
    /// Extra request headers (`curl -H`), e.g. a `Host:` override or a `Cookie:`.
    pub headers: Vec<(String, String)>,
    /// `https://`: TLS on the connection (servers that only speak plain HTTP fail it).
    pub https: bool,
    /// `curl -k`: accept any server certificate.
    pub insecure: bool,
}

impl HttpRequest {
    /// A header's value (the last one given), case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// The `Host` header the server sees: a `-H Host:` override, else the URL's authority
    /// (with the port unless it is the scheme's default).
    pub fn host_header(&self) -> String {
        if let Some(h) = self.header("Host") {
            return h.to_string();
        }
        let default = if self.https { 443 } else { 80 };
        if self.port == default {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// An HTTP response as the server sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub reason: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The pod that answered.
    pub served_by: Option<ObjectKey>,
}

/// Why a request got no response.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("Could not resolve host: {0}")]
    CouldNotResolve(String),
    /// A RST or an ICMP port-unreachable came back at once.
    #[error("connection refused")]
    Refused { ip: Ipv4Addr, port: u16 },
    /// Nothing answers at this address (no route, or packets dropped): the client times out.
    #[error("connection timed out")]
    Timeout { ip: Ipv4Addr, port: u16 },
    /// The connection was accepted and closed without a reply (a `kubectl port-forward`
    /// whose pod is gone).
    #[error("empty reply from server")]
    EmptyReply { ip: Ipv4Addr, port: u16 },
    /// A TLS client met a server that speaks plain HTTP (`curl https://` to nginx's port
    /// 80): the handshake fails on the server's HTTP answer.
    #[error("TLS handshake failed: wrong version number")]
    TlsWrongVersion { ip: Ipv4Addr, port: u16 },
    /// A verifying TLS client (curl without `-k`) met a certificate no CA it trusts signed:
    /// every certificate in Kubarium is self-signed (ingress-nginx's "Fake Certificate", or
    /// one made with `openssl req -x509`).
    #[error("SSL certificate problem: self-signed certificate")]
    CertificateUntrusted { ip: Ipv4Addr, port: u16 },
}

/// One hop of a request, for the topology view: `from` and `to` name things the diagram
/// draws (`node/w1-k8s`, `pod/web-1`, `svc/default/web`, `external`, `lb/10.0.0.200`,
/// `kubectl port-forward`), `note` says what happened there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hop {
    pub from: String,
    pub to: String,
    pub note: String,
}

/// Who sends a packet: a process inside the cluster or the learner's machine outside it.
#[derive(Clone, Debug)]
enum Sender<'a> {
    Inside(&'a Origin),
    External,
}

/// Where a connection ended up.
#[derive(Clone, Debug)]
struct Route {
    pod: ObjectKey,
    node: String,
    /// The source address the server sees.
    client_ip: Ipv4Addr,
    /// The port the connection reached on the pod.
    port: u16,
}

/// The reply to one ICMP echo request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PingReply {
    /// An echo reply with this TTL; `hops` routers forwarded it (for the round-trip time).
    Reply { ttl: u8, hops: u8 },
    /// Silence: the address exists nowhere (an iptables-mode ClusterIP, an unused IP).
    Lost,
}

impl Cluster {
    /// Resolves a host name as the client would (`/etc/hosts`, then DNS through the search
    /// list) or parses an IPv4 address; the first address.
    pub fn resolve_host(&self, origin: &Origin, host: &str) -> Option<Ipv4Addr> {
        crate::network::dns::resolve(self, origin, host)
            .ok()
            .and_then(|v| v.first().copied())
    }

    /// The learner's machine outside the cluster resolves node names through its hosts file
    /// (as the seeds' Vagrant and course set-ups write it), and addresses as they are.
    pub fn resolve_host_external(&self, host: &str) -> Option<Ipv4Addr> {
        if let Ok(ip) = host.parse::<Ipv4Addr>() {
            return Some(ip);
        }
        if host.eq_ignore_ascii_case("localhost") {
            return Some(Ipv4Addr::LOCALHOST);
        }
        if let Some([ip, _]) = crate::network::cloud::resolve_elb(self.api_ref().store(), host) {
            return Some(ip);
        }
        self.preset()
            .nodes
            .iter()
            .find(|n| n.name == host || n.name.split('.').next() == Some(host))
            .and_then(|n| n.ip.parse().ok())
    }

    /// The address the learner's machine has on the nodes' network (the host side of the
    /// Vagrant host-only network, `.1`).
    pub fn external_client_ip(&self) -> Ipv4Addr {
        let ip: Ipv4Addr = self
            .preset()
            .control_plane()
            .ip
            .parse()
            .unwrap_or(Ipv4Addr::UNSPECIFIED);
        Ipv4Addr::from((u32::from(ip) & 0xffff_ff00) | 1)
    }

    /// Sends an HTTP request from inside the cluster and returns the response or the
    /// connection error, with the hops.
    pub fn http_request(
        &mut self,
        origin: &Origin,
        req: &HttpRequest,
    ) -> (Result<HttpResponse, RequestError>, Vec<Hop>) {
        let Some(ip) = self.resolve_host(origin, &req.host) else {
            return (
                Err(RequestError::CouldNotResolve(req.host.clone())),
                Vec::new(),
            );
        };
        self.http_to(Sender::Inside(origin), ip, req)
    }

    /// Sends an HTTP request to an address the client already knows (`curl --resolve`).
    pub fn http_request_at(
        &mut self,
        origin: &Origin,
        ip: Ipv4Addr,
        req: &HttpRequest,
    ) -> (Result<HttpResponse, RequestError>, Vec<Hop>) {
        self.http_to(Sender::Inside(origin), ip, req)
    }

    /// Sends an HTTP request from the learner's machine outside the cluster (a browser on the
    /// host of the Vagrant VMs): NodePorts, external IPs and load balancers answer, ClusterIPs
    /// and pod IPs do not.
    pub fn http_request_external(
        &mut self,
        req: &HttpRequest,
    ) -> (Result<HttpResponse, RequestError>, Vec<Hop>) {
        let Some(ip) = self.resolve_host_external(&req.host) else {
            return (
                Err(RequestError::CouldNotResolve(req.host.clone())),
                Vec::new(),
            );
        };
        self.http_to(Sender::External, ip, req)
    }

    fn http_to(
        &mut self,
        sender: Sender<'_>,
        ip: Ipv4Addr,
        req: &HttpRequest,
    ) -> (Result<HttpResponse, RequestError>, Vec<Hop>) {
        let mut hops = Vec::new();
        let from = self.sender_name(&sender);
        let origin = match &sender {
            Sender::Inside(o) => Some(*o),
            Sender::External => None,
        };
        if let Some(answer) = self.internet_request(&from, origin, ip, req) {
            return answer;
        }
        let route = self.connect(&sender, ip, req.port, &mut hops);
        // Each hop goes to the trace (component `network/hop`) for the topology view.
        for h in &hops {
            self.api().trace(
                "network/hop",
                format!("{} -> {} | {}", h.from, h.to, h.note),
            );
        }
        let route = match route {
            Ok(r) => r,
            Err(e) => {
                self.api().trace(
                    "network",
                    format!("{from} -> {ip}:{} {}", req.port, describe_error(&e)),
                );
                return (Err(e), hops);
            }
        };
        let Route {
            pod: pod_key,
            node,
            client_ip,
            port,
        } = route;
        let now = self.now();
        let answer = self
            .kubelet(&node)
            .and_then(|k| k.http_answer(&pod_key, port, &req.path, now));
        let Some((container, server, status)) = answer else {
            return (Err(RequestError::Refused { ip, port: req.port }), hops);
        };
        if req.https && server != Server::IngressNginx {
            return (
                Err(RequestError::TlsWrongVersion { ip, port: req.port }),
                hops,
            );
        }
        if server == Server::IngressNginx && port == 443 && req.https && !req.insecure {
            let host = req.host_header();
            let sni = host.split(':').next().unwrap_or(&host).to_string();
            let untrusted = self
                .ingress_tls_certificate(&pod_key, &sni)
                .is_some_and(|c| c.self_signed());
            if untrusted {
                return (
                    Err(RequestError::CertificateUntrusted { ip, port: req.port }),
                    hops,
                );
            }
        }
        if server == Server::IngressNginx && (port == 80 || port == 443) {
            return self.ingress_nginx_serve(
                &pod_key,
                &node,
                &container,
                client_ip,
                port,
                req,
                req.header("Cookie"),
                hops,
            );
        }
        let files = self
            .kubelet(&node)
            .and_then(|k| k.container_fs(&pod_key, &container))
            .cloned()
            .unwrap_or_default();
        let response = render(
            &server,
            status,
            req,
            &files,
            &pod_key.name,
            now.unix_secs(),
            Some(pod_key.clone()),
        );
        let body_len = if req.method == "HEAD" {
            0
        } else {
            response.body.len()
        };
        let access_line = match server {
            // The image's nginx.conf: `access_log /var/log/nginx/access.log main`, linked to stdout.
            Server::Nginx { .. } => Some(format!(
                "{client_ip} - - [{}] \"{} {} HTTP/1.1\" {} {body_len} \"-\" \"{}\" \"-\"",
                clf_time(now.unix_secs()),
                req.method,
                req.path,
                response.status,
                req.user_agent
            )),
            // The httpd image's httpd.conf: `CustomLog /proc/self/fd/1 common`, i.e.
            // `%h %l %u %t "%r" %>s %b` (`%b` is `-` for an empty body).
            Server::Httpd => Some(format!(
                "{client_ip} - - [{}] \"{} {} HTTP/1.1\" {} {}",
                clf_time(now.unix_secs()),
                req.method,
                req.path,
                response.status,
                if body_len == 0 {
                    "-".to_string()
                } else {
                    body_len.to_string()
                }
            )),
            _ => None,
        };
        if let Some(line) = access_line {
            if let Some(k) = self.kubelet_mut(&node) {
                k.append_log(&pod_key, &container, now, &line);
            }
        }
        self.api().trace(
            "network",
            format!(
                "{from} -> {ip}:{} {} {} {} (pod/{})",
                req.port, req.method, req.path, response.status, pod_key.name
            ),
        );
        (Ok(response), hops)
    }

    /// Opens a TCP connection to `ip:port` and reports where it landed (or why not). Used by
    /// `curl` and by anything else that only needs to know whether a port answers.
    pub fn tcp_connect(
        &mut self,
        origin: &Origin,
        ip: Ipv4Addr,
        port: u16,
    ) -> (Result<ObjectKey, RequestError>, Vec<Hop>) {
        let mut hops = Vec::new();
        let r = self
            .connect(&Sender::Inside(origin), ip, port, &mut hops)
            .map(|r| r.pod);
        (r, hops)
    }

    fn sender_name(&self, sender: &Sender<'_>) -> String {
        match sender {
            Sender::Inside(Origin::Node(n)) => format!("node/{n}"),
            Sender::Inside(Origin::Pod(k)) => format!("pod/{}", k.name),
            Sender::External => "external".into(),
        }
    }

    /// The node whose netfilter sees a packet of `sender` first (its OUTPUT chain for a node's
    /// own process, PREROUTING for a pod on it); none for the learner's machine.
    fn sender_node(&self, sender: &Sender<'_>) -> Option<String> {
        match sender {
            Sender::Inside(Origin::Node(n)) => Some(n.clone()),
            Sender::Inside(Origin::Pod(k)) => self.pod_node(k),
            Sender::External => None,
        }
    }

    /// The source address of `sender` before any NAT.
    fn sender_ip(&self, sender: &Sender<'_>) -> Ipv4Addr {
        match sender {
            Sender::Inside(o) => self.client_ip(o),
            Sender::External => self.external_client_ip(),
        }
    }

    /// The node an address belongs to.
    fn node_with_ip(&self, ip: Ipv4Addr) -> Option<String> {
        let ip_s = ip.to_string();
        self.preset()
            .nodes
            .iter()
            .find(|n| n.ip == ip_s)
            .map(|n| n.name.clone())
    }

    fn connect(
        &mut self,
        sender: &Sender<'_>,
        ip: Ipv4Addr,
        port: u16,
        hops: &mut Vec<Hop>,
    ) -> Result<Route, RequestError> {
        let from = self.sender_name(sender);
        let mut dst = ip;
        // Loopback: a port-forward on the learner's machine, else the sender's own address.
        if ip.is_loopback() {
            let host = match sender {
                Sender::Inside(Origin::Node(n)) => Some(n.clone()),
                _ => None,
            };
            if let Some(host) = host {
                if let Some(route) = self.via_port_forward(&host, ip, port, &from, hops)? {
                    return Ok(route);
                }
            }
            dst = match sender {
                Sender::Inside(Origin::Node(n)) => self.node_ip(n).unwrap_or(ip),
                Sender::Inside(Origin::Pod(k)) => {
                    // Inside a pod, localhost is the pod itself.
                    let key = k.clone();
                    let node = self.pod_node(&key).unwrap_or_default();
                    if self.pod_listens(&key, &node, port) {
                        hops.push(Hop {
                            from: from.clone(),
                            to: format!("pod/{}", key.name),
                            note: format!("{ip}:{port}"),
                        });
                        return Ok(Route {
                            pod: key,
                            node,
                            client_ip: Ipv4Addr::LOCALHOST,
                            port,
                        });
                    }
                    return Err(RequestError::Refused { ip, port });
                }
                Sender::External => return Err(RequestError::Refused { ip, port }),
            };
        }
        self.kube_proxy.sync(&self.api.store);
        let map = self.kube_proxy.map().clone();
        let dst_node = self.node_with_ip(dst);
        let sender_node = self.sender_node(sender);
        // An AWS load balancer: a public address outside the cluster, whatever the sender.
        if dst_node.is_none()
            && !map.is_cluster_ip(dst)
            && matches!(
                self.preset().load_balancer,
                Some(crate::preset::LoadBalancerSource::Aws { .. })
            )
        {
            if let Some(elb) = crate::network::cloud::elb_at(self.api_ref().store(), dst) {
                return self.through_elb(&from, &elb, dst, port, hops);
            }
        }
        // Which node's kube-proxy rules handle the packet, and which service port they match.
        let mut service: Option<(usize, Entry, String)> = None;
        match (&sender_node, sender) {
            (Some(n), _) => {
                if let Some((i, entry)) = map.by_vip(dst, port, "TCP") {
                    service = Some((i, entry, n.clone()));
                }
            }
            (None, Sender::External) => {
                if let Some((i, entry)) = map.by_vip(dst, port, "TCP") {
                    match entry {
                        // Nothing outside the cluster routes to the service network.
                        Entry::ClusterIp => {}
                        // Routed only when the address is one of the nodes'.
                        Entry::ExternalIp => {
                            if let Some(n) = &dst_node {
                                service = Some((i, entry, n.clone()));
                            }
                        }
                        Entry::LoadBalancer => {
                            let node = self.load_balancer_node(&map.ports[i].name);
                            if let Some(n) = node {
                                hops.push(Hop {
                                    from: from.clone(),
                                    to: format!("lb/{dst}"),
                                    note: format!("{dst}:{port}"),
                                });
                                hops.push(Hop {
                                    from: format!("lb/{dst}"),
                                    to: format!("node/{n}"),
                                    note: "load balancer forwards to a node".into(),
                                });
                                service = Some((i, entry, n));
                            }
                        }
                        Entry::NodePort => {}
                    }
                }
            }
            _ => {}
        }
        // IPVS has no localhost NodePorts (iptables mode allows them via route_localnet).
        let localhost_ipvs = ip.is_loopback()
            && sender_node
                .as_deref()
                .is_some_and(|n| self.kube_proxy.mode(n) == Mode::Ipvs);
        if service.is_none() && !localhost_ipvs {
            if let (Some(n), Some(i)) = (&dst_node, map.by_node_port(port, "TCP")) {
                let node_up = self.node_service(n).is_some_and(|s| s.is_powered());
                if node_up {
                    if sender_node.as_deref() != Some(n.as_str()) {
                        hops.push(Hop {
                            from: from.clone(),
                            to: format!("node/{n}"),
                            note: format!("{dst}:{port}"),
                        });
                    }
                    service = Some((i, Entry::NodePort, n.clone()));
                }
            }
        }
        if let Some((i, entry, node)) = service {
            return self.through_service(sender, &from, i, entry, &node, dst, port, hops);
        }
        // No service rule matched: plain routing.
        if map.is_cluster_ip(dst) {
            // In IPVS mode the ClusterIP is a local address of kube-ipvs0 with nothing
            // listening on this port; with iptables rules it goes nowhere.
            let ipvs = sender_node
                .as_deref()
                .is_some_and(|n| self.kube_proxy.mode(n) == Mode::Ipvs);
            return Err(if ipvs {
                RequestError::Refused { ip, port }
            } else {
                RequestError::Timeout { ip, port }
            });
        }
        if matches!(sender, Sender::External) && dst_node.is_none() {
            // Pod IPs and anything else inside are not routed from the learner's machine.
            return Err(RequestError::Timeout { ip, port });
        }
        if let Some(n) = &dst_node {
            if !self.node_service(n).is_some_and(|s| s.is_powered()) {
                return Err(RequestError::Timeout { ip, port });
            }
        }
        let Some((pod, node)) = self.find_listener(dst, port) else {
            return Err(self.unreachable(dst, port));
        };
        hops.push(Hop {
            from,
            to: format!("pod/{}", pod.name),
            note: self.tunnel_note(sender_node.as_deref(), &node, dst, port),
        });
        Ok(Route {
            client_ip: self.sender_ip(sender),
            pod,
            node,
            port,
        })
    }

    /// A connection caught by a service rule on `node`: the endpoint its proxy mode picks,
    /// then on to that endpoint.
    #[allow(clippy::too_many_arguments)]
    fn through_service(
        &mut self,
        sender: &Sender<'_>,
        from: &str,
        index: usize,
        entry: Entry,
        node: &str,
        dst: Ipv4Addr,
        port: u16,
        hops: &mut Vec<Hop>,
    ) -> Result<Route, RequestError> {
        let map = self.kube_proxy.map().clone();
        let sp = &map.ports[index];
        let svc = format!("svc/{}/{}", sp.namespace, sp.service);
        let internal_sender = self.sender_node(sender).as_deref() == Some(node)
            && matches!(sender, Sender::Inside(_));
        let external_traffic = entry != Entry::ClusterIp;
        // Local traffic policies narrow the candidates to this node's endpoints; traffic
        // from the node itself or its pods to "external" addresses is short-circuited to
        // the cluster-wide set, as the KUBE-EXT chain does.
        let local_only = (external_traffic && sp.external_local && !internal_sender)
            || (!external_traffic && sp.internal_local);
        let candidates: Vec<_> = if local_only {
            sp.endpoints
                .iter()
                .filter(|e| e.node.as_deref() == Some(node))
                .cloned()
                .collect()
        } else {
            sp.endpoints.clone()
        };
        if sp.endpoints.is_empty() {
            // iptables: the filter table's REJECT; IPVS: no destination, nothing listens.
            hops.push(Hop {
                from: from.to_string(),
                to: svc,
                note: format!("{dst}:{port} has no endpoints: rejected"),
            });
            return Err(RequestError::Refused { ip: dst, port });
        }
        if candidates.is_empty() {
            // "has no local endpoints": DROP.
            return Err(RequestError::Timeout { ip: dst, port });
        }
        let client = self.sender_ip(sender);
        let now_ms = self.now().ms();
        let choice = {
            let Cluster {
                kube_proxy, api, ..
            } = self;
            kube_proxy.choose(node, index, &candidates, client, now_ms, api.rng())
        };
        let Some(choice) = choice else {
            return Err(RequestError::Refused { ip: dst, port });
        };
        let mode = self.kube_proxy.mode(node);
        let rules = match (mode, entry) {
            (Mode::Iptables, Entry::NodePort) => {
                format!(
                    "KUBE-NODEPORTS → {} → {}",
                    sp.ext_chain(),
                    choice.path[1..].join(" → ")
                )
            }
            (Mode::Iptables, Entry::ExternalIp | Entry::LoadBalancer) => {
                format!(
                    "KUBE-SERVICES → {} → {}",
                    sp.ext_chain(),
                    choice.path[1..].join(" → ")
                )
            }
            _ => choice.path.join(" → "),
        };
        let arrived = self.sender_node(sender).as_deref() != Some(node);
        hops.push(Hop {
            from: if arrived {
                format!("node/{node}")
            } else {
                from.to_string()
            },
            to: svc.clone(),
            note: format!("{dst}:{port} on {node} ({}: {rules})", mode.as_str()),
        });
        let ep = choice.endpoint;
        let Some((pod, ep_node)) = self.find_listener(ep.ip, ep.port) else {
            return Err(self.unreachable_endpoint(ep.ip, ep.port, dst, port));
        };
        hops.push(Hop {
            from: svc,
            to: format!("pod/{}", pod.name),
            note: format!(
                "DNAT {}{}",
                ep.addr(),
                if ep_node != node {
                    format!(
                        ", {}",
                        self.tunnel_note(Some(node), &ep_node, ep.ip, ep.port)
                    )
                } else {
                    String::new()
                }
            ),
        });
        // NodePort, external and load-balancer traffic is masqueraded (KUBE-EXT marks it);
        // ClusterIP traffic only when it comes from outside the pod network.
        let masquerade = external_traffic && (!sp.external_local || internal_sender);
        let client_ip = if masquerade || !self.in_pod_network(client) {
            self.node_tunnel_ip(node).unwrap_or(client)
        } else {
            client
        };
        Ok(Route {
            pod,
            node: ep_node,
            client_ip,
            port: ep.port,
        })
    }

    /// A connection to an ELB's address: the listener for `port` forwards it to the
    /// service port's NodePort on one of the nodes, where kube-proxy takes over. A port
    /// without a listener is not let through (the client times out).
    fn through_elb(
        &mut self,
        from: &str,
        elb: &crate::network::cloud::Elb,
        dst: Ipv4Addr,
        port: u16,
        hops: &mut Vec<Hop>,
    ) -> Result<Route, RequestError> {
        let lb = format!("lb/{}", elb.hostname);
        hops.push(Hop {
            from: from.to_string(),
            to: lb.clone(),
            note: format!("{dst}:{port}"),
        });
        let Some(&(_, _, node_port)) = elb
            .listeners
            .iter()
            .find(|(p, proto, _)| *p == port && proto == "TCP")
        else {
            return Err(RequestError::Timeout { ip: dst, port });
        };
        let service = format!("{}/{}", elb.service.namespace, elb.service.name);
        let Some((node, node_ip)) = self
            .load_balancer_node(&service)
            .and_then(|n| Some((n.clone(), self.node_ip(&n)?)))
        else {
            return Err(RequestError::Timeout { ip: dst, port });
        };
        hops.push(Hop {
            from: lb.clone(),
            to: format!("node/{node}"),
            note: format!("listener {port} → instance port {node_ip}:{node_port}"),
        });
        let Some(index) = self.kube_proxy.map().by_node_port(node_port, "TCP") else {
            return Err(RequestError::Refused { ip: dst, port });
        };
        self.through_service(
            &Sender::External,
            &lb,
            index,
            Entry::NodePort,
            &node,
            node_ip,
            node_port,
            hops,
        )
    }

    /// The node a cloud load balancer hands a connection to: a ready worker, the same one
    /// for a service until the set of nodes changes.
    fn load_balancer_node(&self, service_port: &str) -> Option<String> {
        let nodes: Vec<&crate::preset::NodeSpec> = self
            .preset()
            .nodes
            .iter()
            .filter(|n| !n.control_plane)
            .filter(|n| self.node_service(&n.name).is_some_and(|s| s.is_powered()))
            .collect();
        if nodes.is_empty() {
            return None;
        }
        let h = crate::network::kube_proxy::chain_name::sha256(service_port.as_bytes());
        Some(nodes[h[0] as usize % nodes.len()].name.clone())
    }

    fn in_pod_network(&self, ip: Ipv4Addr) -> bool {
        crate::network::ipam::Cidr::parse(self.preset().pod_network).is_some_and(|c| c.contains(ip))
    }

    /// How a packet gets from `from_node` to `to_node`: the CNI's tunnel.
    fn tunnel_note(
        &self,
        from_node: Option<&str>,
        to_node: &str,
        ip: Ipv4Addr,
        port: u16,
    ) -> String {
        match from_node {
            Some(f) if f != to_node => {
                let dev = match self.preset().cni {
                    crate::preset::Cni::Calico => "tunl0 (IPIP)",
                    crate::preset::Cni::WeaveNet => "weave",
                };
                format!("{ip}:{port} via {dev} to {to_node}")
            }
            _ => format!("{ip}:{port}"),
        }
    }

    /// A request to `127.0.0.1:port` on `host` while `kubectl port-forward` listens there.
    fn via_port_forward(
        &mut self,
        host: &str,
        ip: Ipv4Addr,
        port: u16,
        from: &str,
        hops: &mut Vec<Hop>,
    ) -> Result<Option<Route>, RequestError> {
        let Some(fwd) = self.port_forwards.find(host, ip, port).cloned() else {
            return Ok(None);
        };
        hops.push(Hop {
            from: from.to_string(),
            to: "kubectl port-forward".into(),
            note: format!("{ip}:{port}"),
        });
        let node = self.pod_node(&fwd.pod);
        let running = self.pod_running(&fwd.pod);
        let Some(node) = node.filter(|_| running) else {
            // The pod is gone: kubectl accepted the connection, fails to open the stream to
            // the pod, and exits ("lost connection to pod").
            self.port_forwards.stop(fwd.id);
            hops.push(Hop {
                from: "kubectl port-forward".into(),
                to: format!("pod/{}", fwd.pod.name),
                note: "lost connection to pod".into(),
            });
            return Err(RequestError::EmptyReply { ip, port });
        };
        self.port_forwards.count_connection(fwd.id);
        hops.push(Hop {
            from: "kubectl port-forward".into(),
            to: format!("pod/{}", fwd.pod.name),
            note: format!("kube-apiserver → kubelet on {node} → port {}", fwd.pod_port),
        });
        if !self.pod_listens(&fwd.pod, &node, fwd.pod_port) {
            return Err(RequestError::Refused { ip, port });
        }
        Ok(Some(Route {
            pod: fwd.pod.clone(),
            node,
            client_ip: Ipv4Addr::LOCALHOST,
            port: fwd.pod_port,
        }))
    }

    fn pod_running(&self, key: &ObjectKey) -> bool {
        self.api_ref()
            .store()
            .get(key)
            .and_then(|o| o.as_::<Pod>().cloned())
            .is_some_and(|p| {
                p.metadata.deletion_timestamp.is_none()
                    && p.status.and_then(|s| s.phase).as_deref() == Some("Running")
            })
    }

    fn pod_listens(&self, key: &ObjectKey, node: &str, port: u16) -> bool {
        self.kubelet(node)
            .is_some_and(|k| k.http_answer(key, port, "/", self.now()).is_some())
    }

    fn pod_node(&self, key: &ObjectKey) -> Option<String> {
        self.api_ref()
            .store()
            .get(key)?
            .as_::<Pod>()?
            .spec
            .as_ref()?
            .node_name
            .clone()
    }

    /// Sends one ICMP echo request from inside the cluster to `ip`.
    pub fn ping(&mut self, origin: &Origin, ip: Ipv4Addr) -> PingReply {
        self.kube_proxy.sync(&self.api.store);
        let sender_node = self.sender_node(&Sender::Inside(origin));
        let from_pod = matches!(origin, Origin::Pod(_));
        if ip.is_loopback() {
            return PingReply::Reply { ttl: 64, hops: 0 };
        }
        if let Some(n) = self.node_with_ip(ip) {
            if !self.node_service(&n).is_some_and(|s| s.is_powered()) {
                return PingReply::Lost;
            }
            let own = sender_node.as_deref() == Some(n.as_str());
            let hops = u8::from(from_pod && !own);
            return PingReply::Reply {
                ttl: 64 - hops,
                hops: hops + u8::from(!own),
            };
        }
        if self.kube_proxy.map().is_cluster_ip(ip) {
            // Only IPVS binds ClusterIPs to an interface (kube-ipvs0) of the node.
            let ipvs = sender_node
                .as_deref()
                .is_some_and(|n| self.kube_proxy.mode(n) == Mode::Ipvs);
            return if ipvs {
                PingReply::Reply {
                    ttl: 64 - u8::from(from_pod),
                    hops: u8::from(from_pod),
                }
            } else {
                PingReply::Lost
            };
        }
        if let Some(tunnel_node) = self
            .preset()
            .nodes
            .iter()
            .map(|n| n.name.clone())
            .find(|n| self.node_tunnel_ip(n) == Some(ip))
        {
            let own = sender_node.as_deref() == Some(tunnel_node.as_str());
            let hops = u8::from(from_pod && !own);
            return PingReply::Reply {
                ttl: 64 - hops,
                hops: hops + u8::from(!own),
            };
        }
        let ip_s = ip.to_string();
        let target = self
            .api_ref()
            .store()
            .list(Kind::Pod, None)
            .filter_map(|o| o.as_::<Pod>())
            .find(|p| {
                p.status.as_ref().and_then(|s| s.pod_ip.as_deref()) == Some(ip_s.as_str())
                    && !p
                        .spec
                        .as_ref()
                        .and_then(|s| s.host_network)
                        .unwrap_or(false)
            })
            .and_then(|p| p.spec.as_ref().and_then(|s| s.node_name.clone()));
        let Some(target_node) = target else {
            return PingReply::Lost;
        };
        if !self
            .node_service(&target_node)
            .is_some_and(|s| s.is_powered())
        {
            return PingReply::Lost;
        }
        let same = sender_node.as_deref() == Some(target_node.as_str());
        // Routers on the way back: the target's node, and the sender's node when the sender
        // is a pod on another node.
        let routers = match (from_pod, same) {
            (true, true) => 1,
            (true, false) => 2,
            (false, true) => 0,
            (false, false) => 1,
        };
        PingReply::Reply {
            ttl: 64 - routers,
            hops: routers + u8::from(!same),
        }
    }

    /// The address of a node's CNI interface (Calico's tunl0, weave's bridge): the first
    /// address of its pod block.
    pub fn node_tunnel_ip(&self, node: &str) -> Option<Ipv4Addr> {
        self.ipam.block(node).map(|b| Ipv4Addr::from(b.base))
    }

    /// The pod address block of a node.
    pub fn node_pod_cidr(&self, node: &str) -> Option<crate::network::ipam::Cidr> {
        self.ipam.block(node)
    }

    /// kube-proxy's mode on a node.
    pub fn kube_proxy_mode(&self, node: &str) -> Mode {
        self.kube_proxy.mode(node)
    }

    /// The synced service map kube-proxy programs on every node.
    pub fn kube_proxy_map(&mut self) -> std::sync::Arc<crate::network::kube_proxy::ServiceMap> {
        self.kube_proxy.sync(&self.api.store);
        self.kube_proxy.map().clone()
    }

    /// Rebuilds kube-proxy's service map from the store, changed or not (benchmarks).
    pub fn kube_proxy_full_sync(&mut self) {
        self.kube_proxy.full_sync(&self.api.store);
    }

    /// kube-proxy's state on a node (its mode, a configuration error from its last start).
    pub fn kube_proxy_node(&self, node: &str) -> Option<&crate::network::kube_proxy::NodeProxy> {
        self.kube_proxy.node(node)
    }

    fn node_ip(&self, node: &str) -> Option<Ipv4Addr> {
        self.preset()
            .nodes
            .iter()
            .find(|n| n.name == node)
            .and_then(|n| n.ip.parse().ok())
    }

    fn pod_ip(&self, key: &ObjectKey) -> Option<Ipv4Addr> {
        let obj = self.api_ref().store().get(key)?;
        obj.as_::<Pod>()?
            .status
            .as_ref()?
            .pod_ip
            .as_ref()?
            .parse()
            .ok()
    }

    /// The source address a client uses: a pod's own IP, or for a node the address of its
    /// tunnel interface (the first address of its pod block).
    fn client_ip(&self, origin: &Origin) -> Ipv4Addr {
        match origin {
            Origin::Pod(k) => self.pod_ip(k).unwrap_or(Ipv4Addr::UNSPECIFIED),
            Origin::Node(n) => self.node_tunnel_ip(n).unwrap_or(Ipv4Addr::UNSPECIFIED),
        }
    }

    /// The pod (and its node) that owns `ip:port`: a pod IP, or a node IP with a host-network
    /// pod or a hostPort.
    fn find_listener(&self, ip: Ipv4Addr, port: u16) -> Option<(ObjectKey, String)> {
        let ip_s = ip.to_string();
        let store = self.api_ref().store();
        let is_node_ip = self.preset().nodes.iter().any(|n| n.ip == ip_s);
        for obj in store.list(Kind::Pod, None) {
            let Some(p) = obj.as_::<Pod>() else { continue };
            let (Some(spec), Some(status)) = (&p.spec, &p.status) else {
                continue;
            };
            let Some(node) = spec.node_name.clone() else {
                continue;
            };
            if obj.metadata().deletion_timestamp.is_some() && status.pod_ip.is_none() {
                continue;
            }
            let host_network = spec.host_network.unwrap_or(false);
            if status.pod_ip.as_deref() == Some(ip_s.as_str()) && !host_network {
                return Some((obj.key(), node));
            }
            if is_node_ip && status.host_ip.as_deref() == Some(ip_s.as_str()) {
                let host_port = spec
                    .containers
                    .iter()
                    .flat_map(|c| c.ports.iter().flatten())
                    .any(|cp| cp.host_port == Some(port as i32));
                let listens = self
                    .kubelet(&node)
                    .is_some_and(|k| k.http_answer(&obj.key(), port, "/", self.now()).is_some());
                if host_port || (host_network && listens) {
                    return Some((obj.key(), node));
                }
            }
        }
        None
    }

    /// The error for an address nothing answers at: a node or a live pod refuses, an unused
    /// address in the pod network or elsewhere times out.
    fn unreachable(&self, ip: Ipv4Addr, port: u16) -> RequestError {
        let ip_s = ip.to_string();
        let is_node = self.preset().nodes.iter().any(|n| n.ip == ip_s);
        let is_pod = self.api_ref().store().list(Kind::Pod, None).any(|o| {
            o.as_::<Pod>()
                .and_then(|p| p.status.as_ref())
                .and_then(|s| s.pod_ip.as_deref())
                == Some(ip_s.as_str())
        });
        if is_node || is_pod || ip.is_loopback() {
            RequestError::Refused { ip, port }
        } else {
            RequestError::Timeout { ip, port }
        }
    }

    /// Like [`Cluster::unreachable`] for an endpoint behind a service address: the client
    /// sees the service's address in the error.
    fn unreachable_endpoint(
        &self,
        ep: Ipv4Addr,
        ep_port: u16,
        ip: Ipv4Addr,
        port: u16,
    ) -> RequestError {
        match self.unreachable(ep, ep_port) {
            RequestError::Refused { .. } => RequestError::Refused { ip, port },
            _ => RequestError::Timeout { ip, port },
        }
    }
}

fn describe_error(e: &RequestError) -> String {
    match e {
        RequestError::CouldNotResolve(h) => format!("could not resolve {h}"),
        RequestError::Refused { .. } => "refused".into(),
        RequestError::Timeout { .. } => "timed out".into(),
        RequestError::EmptyReply { .. } => "empty reply".into(),
        RequestError::TlsWrongVersion { .. } => "TLS handshake failed".into(),
        RequestError::CertificateUntrusted { .. } => "certificate not trusted".into(),
    }
}

fn clf_time(unix: i64) -> String {
    let ts = k8s_openapi::jiff::Timestamp::from_second(unix)
        .unwrap_or(k8s_openapi::jiff::Timestamp::UNIX_EPOCH);
    ts.strftime("%d/%b/%Y:%H:%M:%S +0000").to_string()
}

/// An HTTP `Date` value (`Mon, 02 Jan 2006 15:04:05 GMT`).
pub(crate) fn http_date(unix: i64) -> String {
    let ts = k8s_openapi::jiff::Timestamp::from_second(unix)
        .unwrap_or(k8s_openapi::jiff::Timestamp::UNIX_EPOCH);
    ts.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// What each server program sends for a request.
fn render(
    server: &Server,
    status: u16,
    req: &HttpRequest,
    fs: &crate::kubelet::fs::ContainerFs,
    pod: &str,
    unix: i64,
    served_by: Option<ObjectKey>,
) -> HttpResponse {
    let path = req.path.split('?').next().unwrap_or("/");
    let mut headers = Vec::new();
    let body = match server {
        Server::Nginx { version } => {
            headers.push(("Server".into(), format!("nginx/{version}")));
            headers.push(("Date".into(), http_date(unix)));
            let file = if path.ends_with('/') {
                format!("/usr/share/nginx/html{path}index.html")
            } else {
                format!("/usr/share/nginx/html{path}")
            };
            let body = if status == 200 {
                fs.read(&file).map(str::to_string).unwrap_or_default()
            } else {
                format!("<html>\r\n<head><title>{status} {r}</title></head>\r\n<body>\r\n<center><h1>{status} {r}</h1></center>\r\n<hr><center>nginx/{version}</center>\r\n</body>\r\n</html>\r\n", r = reason(status))
            };
            headers.push(("Content-Type".into(), "text/html".into()));
            headers.push(("Content-Length".into(), body.len().to_string()));
            if status == 200 {
                headers.push(("Last-Modified".into(), http_date(unix - 86_400)));
            }
            headers.push(("Connection".into(), "keep-alive".into()));
            if status == 200 {
                headers.push((
                    "ETag".into(),
                    format!("\"{:x}-{:x}\"", unix - 86_400, body.len()),
                ));
                headers.push(("Accept-Ranges".into(), "bytes".into()));
            }
            body
        }
        Server::Httpd => {
            headers.push(("Date".into(), http_date(unix)));
            headers.push(("Server".into(), "Apache/2.4.65 (Unix)".into()));
            let file = if path.ends_with('/') {
                format!("/usr/local/apache2/htdocs{path}index.html")
            } else {
                format!("/usr/local/apache2/htdocs{path}")
            };
            let body = if status == 200 {
                fs.read(&file).map(str::to_string).unwrap_or_default()
            } else {
                "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n</body></html>\n".to_string()
            };
            headers.push(("Content-Length".into(), body.len().to_string()));
            headers.push((
                "Content-Type".into(),
                if status == 200 {
                    "text/html"
                } else {
                    "text/html; charset=iso-8859-1"
                }
                .into(),
            ));
            body
        }
        Server::AppJs => {
            let body = format!("Container Hostname: {pod}\n");
            headers.push(("X-Powered-By".into(), "Express".into()));
            headers.push(("Content-Type".into(), "text/html; charset=utf-8".into()));
            headers.push(("Content-Length".into(), body.len().to_string()));
            headers.push(("Date".into(), http_date(unix)));
            headers.push(("Connection".into(), "keep-alive".into()));
            body
        }
        Server::Agnhost(sub) if sub == "serve-hostname" => pod.to_string(),
        Server::Agnhost(_) | Server::EchoServer => {
            if status == 200 {
                format!("NOW: {}", http_date(unix))
            } else {
                format!("error: {status}")
            }
        }
        Server::HttpEcho(text) => format!("{text}\n"),
        Server::Jupyter => {
            headers.push(("Location".into(), "/tree?".into()));
            String::new()
        }
        _ => String::new(),
    };
    let status = if matches!(server, Server::Jupyter) {
        302
    } else {
        status
    };
    HttpResponse {
        status,
        reason: reason(status),
        headers,
        body,
        served_by,
    }
}
