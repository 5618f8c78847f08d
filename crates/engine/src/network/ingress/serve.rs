//! The ingress-nginx controller pod answering a request on its port 80 or 443: route it
//! ([`super::route`]), answer redirects and the default backend itself, or proxy it to one
//! ready endpoint of the backend Service (ingress-nginx talks to endpoints directly, not
//! through the ClusterIP), and write its access log line.

use super::controller::{self, ControllerFlags, COMPONENT};
use super::pem::{self, CertInfo};
use super::{route, CookieAffinity, Route, RouteRequest};
use crate::api::{Kind, ObjectKey, Pod, Secret, Service};
use crate::cluster::Cluster;
use crate::network::request::{Hop, HttpRequest, HttpResponse, Origin, RequestError};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::{Ingress, IngressServiceBackend};
use std::net::Ipv4Addr;

/// The subject of the certificate ingress-nginx serves when no Ingress's covers the host.
pub const FAKE_CERTIFICATE_SUBJECT: &str =
    "O = Acme Co, CN = Kubernetes Ingress Controller Fake Certificate";

/// nginx's own error and redirect pages (`ngx_http_special_response.c`), with
/// `server_tokens off` as ingress-nginx configures it.
pub fn nginx_page(status: u16) -> String {
    let title = format!("{status} {}", reason(status));
    format!("<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        308 => "Permanent Redirect",
        404 => "Not Found",
        502 => "Bad Gateway",
        503 => "Service Temporarily Unavailable",
        _ => "Unknown",
    }
}

fn flags_of_pod(cluster: &Cluster, pod: &ObjectKey) -> Option<ControllerFlags> {
    let api = cluster.api_ref();
    controller::controller_pods(api)
        .into_iter()
        .find(|cp| cp.pod.key() == *pod)
        .map(|cp| cp.flags)
}

fn secret_certificate(cluster: &Cluster, ns: &str, name: &str) -> Option<CertInfo> {
    let secret = cluster
        .api_ref()
        .store()
        .get(&ObjectKey::new(Kind::Secret, ns, name))?
        .as_::<Secret>()?
        .clone();
    let crt = secret.data?.get("tls.crt")?.0.clone();
    pem::certificate_info(&String::from_utf8_lossy(&crt))
}

/// The Ingresses the controller pod serves, oldest first.
fn served(cluster: &Cluster, flags: &ControllerFlags) -> Vec<Ingress> {
    controller::served_ingresses(cluster.api_ref(), flags)
        .iter()
        .filter_map(|o| o.as_::<Ingress>().cloned())
        .collect()
}

/// The TLS secret name an Ingress configures for a host, if any.
fn tls_secret(cluster: &Cluster, ing: &Ingress, host: &str) -> Option<String> {
    let ns = ing.metadata.namespace.clone().unwrap_or_default();
    super::tls_secret_for(ing, host, &|secret| {
        secret_certificate(cluster, &ns, secret).is_some_and(|c| c.covers(host))
    })
    .map(str::to_string)
}

impl Cluster {
    /// The certificate an ingress-nginx pod presents for `sni` (a host name): the
    /// certificate of the Secret an Ingress names for that host, else the controller's
    /// self-signed "Fake Certificate". `None` when the pod is not an ingress-nginx
    /// controller. For curl's TLS handshake.
    pub fn ingress_tls_certificate(&self, pod: &ObjectKey, sni: &str) -> Option<CertInfo> {
        let flags = flags_of_pod(self, pod)?;
        for ing in served(self, &flags) {
            if let Some(secret) = tls_secret(self, &ing, sni).filter(|s| !s.is_empty()) {
                let ns = ing.metadata.namespace.clone().unwrap_or_default();
                if let Some(c) = secret_certificate(self, &ns, &secret) {
                    return Some(c);
                }
            }
        }
        let created = self
            .api_ref()
            .store()
            .get(pod)
            .and_then(|o| o.metadata().creation_timestamp.clone())
            .map(|t| t.0.as_second())
            .unwrap_or(0);
        Some(CertInfo {
            subject: FAKE_CERTIFICATE_SUBJECT.into(),
            issuer: FAKE_CERTIFICATE_SUBJECT.into(),
            not_before: created,
            not_after: created + 365 * 86_400,
            serial: "1".into(),
            dns_names: vec!["ingress.local".into()],
            key_bits: 2048,
        })
    }

    /// Answers a request that reached ingress-nginx pod `pod` on container port `port`
    /// (80 or 443). `cookie` is the request's `Cookie` header, if any.
    #[allow(clippy::too_many_arguments)]
    pub fn ingress_nginx_serve(
        &mut self,
        pod: &ObjectKey,
        node: &str,
        container: &str,
        client_ip: Ipv4Addr,
        port: u16,
        req: &HttpRequest,
        cookie: Option<&str>,
        mut hops: Vec<Hop>,
    ) -> (Result<HttpResponse, RequestError>, Vec<Hop>) {
        let now = self.now();
        let Some(flags) = flags_of_pod(self, pod) else {
            return (Ok(self.nginx_answer(404, None, now.unix_secs())), hops);
        };
        let store = self.api.store();
        self.ingress_balancers
            .retain_pods(|p| store.get(p).is_some());
        let ingresses = served(self, &flags);
        let refs: Vec<&Ingress> = ingresses.iter().collect();
        // The Host header (a `-H Host:` override, else the URL's authority) without its port.
        let http_host = req.host_header();
        let host = match http_host.rsplit_once(':') {
            Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => http_host.as_str(),
        }
        .to_ascii_lowercase();
        let cookie = cookie.or(req.header("Cookie"));
        let rr = RouteRequest {
            host: &host,
            http_host: &http_host,
            uri: &req.path,
            https: port == 443,
        };
        let decision = {
            let cluster: &Cluster = self;
            route(&refs, &rr, &|i, server_host| {
                refs.get(i)
                    .is_some_and(|ing| tls_secret(cluster, ing, server_host).is_some())
            })
        };
        let (response, upstream) = match decision {
            Route::DefaultBackend => (self.nginx_answer(404, None, now.unix_secs()), None),
            Route::Redirect { status, location } => (
                self.nginx_answer(status, Some(location), now.unix_secs()),
                None,
            ),
            Route::Backend {
                ingress,
                service,
                upstream_uri,
                affinity,
                ..
            } => {
                let ns = refs[ingress].metadata.namespace.clone().unwrap_or_default();
                let upstream_name = format!(
                    "{ns}-{}-{}",
                    service.name,
                    service
                        .port
                        .as_ref()
                        .and_then(|p| p.number.map(|n| n.to_string()).or(p.name.clone()))
                        .unwrap_or_default()
                );
                let endpoints = self.backend_endpoints(&ns, &service);
                if endpoints.is_empty() {
                    (
                        self.nginx_answer(503, None, now.unix_secs()),
                        Some((upstream_name, None)),
                    )
                } else {
                    let (pick, set_cookie) = self.pick_endpoint(
                        pod,
                        &upstream_name,
                        &endpoints,
                        affinity.as_ref(),
                        cookie,
                    );
                    let (ip, ep_port) = endpoints[pick];
                    let upstream_req = HttpRequest {
                        method: req.method.clone(),
                        host: ip.to_string(),
                        port: ep_port,
                        path: upstream_uri,
                        user_agent: req.user_agent.clone(),
                        ..Default::default()
                    };
                    let (result, more) =
                        self.http_request(&Origin::Pod(pod.clone()), &upstream_req);
                    hops.extend(more);
                    let response = match result {
                        Ok(mut r) => {
                            // proxy_pass hides the upstream's Date and Server; nginx adds
                            // its own Date (and no Server with server_tokens off).
                            r.headers.retain(|(k, _)| k != "Server" && k != "Date");
                            r.headers
                                .insert(0, ("Date".into(), http_date(now.unix_secs())));
                            if let Some(c) = set_cookie {
                                r.headers.push(("Set-Cookie".into(), c));
                            }
                            r
                        }
                        Err(_) => self.nginx_answer(502, None, now.unix_secs()),
                    };
                    (
                        response,
                        Some((upstream_name, Some(format!("{ip}:{ep_port}")))),
                    )
                }
            }
        };
        let line = access_line(
            client_ip,
            req,
            &response,
            upstream.as_ref(),
            now.unix_secs(),
            {
                let api = self.api();
                api.rng().hex("ingress-request-id", 32)
            },
        );
        if let Some(k) = self.kubelet_mut(node) {
            k.append_log(pod, container, now, &line);
        }
        self.api().trace(
            COMPONENT,
            format!(
                "{} {} {} -> {}",
                req.method, host, req.path, response.status
            ),
        );
        (Ok(response), hops)
    }

    fn nginx_answer(&self, status: u16, location: Option<String>, unix: i64) -> HttpResponse {
        let body = nginx_page(status);
        let mut headers = vec![
            ("Date".to_string(), http_date(unix)),
            ("Content-Type".to_string(), "text/html".to_string()),
            ("Content-Length".to_string(), body.len().to_string()),
            ("Connection".to_string(), "keep-alive".to_string()),
        ];
        if let Some(l) = location {
            headers.push(("Location".into(), l));
        }
        HttpResponse {
            status,
            reason: reason(status),
            headers,
            body,
            served_by: None,
        }
    }

    /// The ready endpoints (`ip`, port) of a Service backend, from its EndpointSlices.
    fn backend_endpoints(&self, ns: &str, backend: &IngressServiceBackend) -> Vec<(Ipv4Addr, u16)> {
        let api = self.api_ref();
        let Some(svc) = api
            .store()
            .get(&ObjectKey::new(Kind::Service, ns, &backend.name))
            .and_then(|o| o.as_::<Service>().cloned())
        else {
            return Vec::new();
        };
        let want = backend.port.clone().unwrap_or_default();
        let Some(sp) = svc
            .spec
            .iter()
            .flat_map(|s| s.ports.iter().flatten())
            .find(|p| {
                want.number.is_some_and(|n| n == p.port)
                    || (want.name.is_some() && want.name == p.name)
            })
        else {
            return Vec::new();
        };
        let port_name = sp.name.clone().unwrap_or_default();
        let mut out: Vec<(Ipv4Addr, u16)> = api
            .store()
            .list(Kind::EndpointSlice, Some(ns))
            .filter_map(|o| o.as_::<EndpointSlice>())
            .filter(|s| {
                s.metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get("kubernetes.io/service-name"))
                    == Some(&backend.name)
            })
            .flat_map(|s| {
                let port = s
                    .ports
                    .iter()
                    .flatten()
                    .find(|p| p.name.clone().unwrap_or_default() == port_name)
                    .and_then(|p| p.port)
                    .and_then(|p| u16::try_from(p).ok());
                s.endpoints
                    .iter()
                    .flatten()
                    .filter(|e| e.conditions.as_ref().and_then(|c| c.ready) != Some(false))
                    .filter_map(move |e| Some((e.addresses.first()?.parse().ok()?, port?)))
                    .collect::<Vec<_>>()
            })
            .collect();
        crate::sort::sort(&mut out);
        out.dedup();
        out
    }

    /// Picks an endpoint of upstream `upstream` on controller `pod`: with cookie affinity
    /// the one a valid cookie names, else one at random (the sticky balancer hashes a random
    /// key) together with the `Set-Cookie` value; without affinity the next one of the
    /// upstream's round-robin balancer (ingress-nginx's default `load-balance`).
    fn pick_endpoint(
        &mut self,
        pod: &ObjectKey,
        upstream: &str,
        endpoints: &[(Ipv4Addr, u16)],
        affinity: Option<&CookieAffinity>,
        cookie: Option<&str>,
    ) -> (usize, Option<String>) {
        if let Some(a) = affinity {
            let sent = cookie.and_then(|c| {
                c.split(';').find_map(|kv| {
                    let (k, v) = kv.trim().split_once('=')?;
                    (k == a.name).then(|| v.to_string())
                })
            });
            if let Some(v) = sent {
                let hash = v.rsplit('|').next().unwrap_or(&v).to_string();
                if let Some(i) = endpoints
                    .iter()
                    .position(|(ip, p)| endpoint_hash(*ip, *p) == hash)
                {
                    return (i, None);
                }
            }
            let i = self
                .api()
                .rng()
                .below("ingress-balancer", endpoints.len() as u64) as usize;
            let (ip, p) = endpoints[i];
            let now = self.now();
            let session = format!(
                "{}.{:03}.{}.{}",
                now.unix_secs(),
                now.ms() % 1000,
                self.api().rng().below("ingress-cookie", 100_000),
                self.api().rng().below("ingress-cookie", 1_000_000)
            );
            let value = format!("{session}|{}", endpoint_hash(ip, p));
            return (
                i,
                Some(format!("{}={value}; Path={}; HttpOnly", a.name, a.path)),
            );
        }
        let api = &mut self.api;
        let i = self
            .ingress_balancers
            .round_robin(pod, upstream, endpoints, |n| {
                api.rng().below("ingress-balancer", n as u64) as usize
            });
        (i, None)
    }

    /// The pod an ingress-nginx request would reach, for callers that only have a pod key
    /// (the TLS handshake of curl).
    pub fn is_ingress_nginx_pod(&self, pod: &ObjectKey) -> bool {
        self.api_ref()
            .store()
            .get(pod)
            .and_then(|o| o.as_::<Pod>().cloned())
            .is_some_and(|p| {
                p.spec.iter().flat_map(|s| s.containers.iter()).any(|c| {
                    c.image
                        .as_deref()
                        .is_some_and(controller::is_controller_image)
                })
            })
    }
}

/// The sticky balancer's key of an endpoint: 32 hex digits derived from `ip:port`.
fn endpoint_hash(ip: Ipv4Addr, port: u16) -> String {
    crate::kubelet::images::digest_hex(&format!("{ip}:{port}"))[..32].to_string()
}

/// ingress-nginx's default `log-format-upstream` line.
fn access_line(
    client: Ipv4Addr,
    req: &HttpRequest,
    resp: &HttpResponse,
    upstream: Option<&(String, Option<String>)>,
    unix: i64,
    request_id: String,
) -> String {
    let ts = k8s_openapi::jiff::Timestamp::from_second(unix)
        .unwrap_or(k8s_openapi::jiff::Timestamp::UNIX_EPOCH)
        .strftime("%d/%b/%Y:%H:%M:%S +0000")
        .to_string();
    let body = if req.method == "HEAD" {
        0
    } else {
        resp.body.len()
    };
    let request_length = 60 + req.host.len() + req.path.len() + req.user_agent.len();
    let (name, addr, ulen, utime, ustatus) = match upstream {
        Some((n, Some(a))) => (
            n.clone(),
            a.clone(),
            resp.body.len().to_string(),
            "0.001".to_string(),
            resp.status.to_string(),
        ),
        Some((n, None)) => (n.clone(), "-".into(), "-".into(), "-".into(), "-".into()),
        None => (
            "upstream-default-backend".into(),
            "-".into(),
            "-".into(),
            "-".into(),
            "-".into(),
        ),
    };
    format!(
        "{client} - - [{ts}] \"{} {} HTTP/1.1\" {} {body} \"-\" \"{}\" {request_length} 0.001 [{name}] [] {addr} {ulen} {utime} {ustatus} {request_id}",
        req.method, req.path, resp.status, req.user_agent
    )
}

fn http_date(unix: i64) -> String {
    k8s_openapi::jiff::Timestamp::from_second(unix)
        .unwrap_or(k8s_openapi::jiff::Timestamp::UNIX_EPOCH)
        .strftime("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_controllers_404_page() {
        let page = super::nginx_page(404);
        assert_eq!(page, "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n");
        assert_eq!(page.len(), 146);
        assert!(super::nginx_page(308).contains("<title>308 Permanent Redirect</title>"));
    }
}
