//! Requests across the simulated network, hop by hop: a client (a node or a pod) connects to
//! an address and port; the program listening there answers. Each hop is recorded so the UI
//! can animate it.
//!
//! This first version reaches pod IPs, node IPs (host-network pods, hostPorts) and node
//! names; Services, kube-proxy and DNS come with the networking issue.

use crate::api::{Kind, Pod};
use crate::cluster::Cluster;
use crate::kubelet::program::Server;
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
#[derive(Clone, Debug)]
pub struct HttpRequest {
    pub method: String,
    pub host: String,
    pub port: u16,
    pub path: String,
    pub user_agent: String,
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
    #[error("connection refused")]
    Refused { ip: Ipv4Addr, port: u16 },
    /// Nothing answers at this address (no route, or packets dropped): the client times out.
    #[error("connection timed out")]
    Timeout { ip: Ipv4Addr, port: u16 },
}

/// One hop of a request, for the topology view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hop {
    pub from: String,
    pub to: String,
    pub note: String,
}

impl Cluster {
    /// Resolves a host name as a node's `/etc/hosts` would (node names, localhost) or parses
    /// an IPv4 address.
    pub fn resolve_host(&self, origin: &Origin, host: &str) -> Option<Ipv4Addr> {
        if let Ok(ip) = host.parse::<Ipv4Addr>() {
            return Some(ip);
        }
        if host == "localhost" {
            return Some(Ipv4Addr::LOCALHOST);
        }
        let _ = origin;
        self.preset()
            .nodes
            .iter()
            .find(|n| n.name == host || n.name.split('.').next() == Some(host))
            .and_then(|n| n.ip.parse().ok())
    }

    /// Sends an HTTP request and returns the response or the connection error, with the hops.
    pub fn http_request(
        &mut self,
        origin: &Origin,
        req: &HttpRequest,
    ) -> (Result<HttpResponse, RequestError>, Vec<Hop>) {
        let mut hops = Vec::new();
        let Some(mut ip) = self.resolve_host(origin, &req.host) else {
            return (Err(RequestError::CouldNotResolve(req.host.clone())), hops);
        };
        let from = match origin {
            Origin::Node(n) => n.clone(),
            Origin::Pod(k) => format!("pod/{}", k.name),
        };
        if ip.is_loopback() {
            ip = match origin {
                Origin::Node(n) => self.node_ip(n).unwrap_or(ip),
                Origin::Pod(k) => self.pod_ip(k).unwrap_or(ip),
            };
        }
        let Some(target) = self.find_listener(ip, req.port) else {
            return (Err(self.unreachable(ip, req.port)), hops);
        };
        let (pod_key, node) = target;
        hops.push(Hop {
            from: from.clone(),
            to: format!("pod/{}", pod_key.name),
            note: format!("{ip}:{}", req.port),
        });
        let now = self.now();
        let answer = self
            .kubelet(&node)
            .and_then(|k| k.http_answer(&pod_key, req.port, &req.path, now));
        let Some((container, server, status)) = answer else {
            return (Err(RequestError::Refused { ip, port: req.port }), hops);
        };
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
        let client_ip = self.client_ip(origin);
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
                "{from} -> {ip}:{} {} {} {}",
                req.port, req.method, req.path, response.status
            ),
        );
        (Ok(response), hops)
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

    /// The source address the server sees: a pod's own IP, or for a node the address of its
    /// tunnel interface (the first address of its pod block).
    fn client_ip(&self, origin: &Origin) -> Ipv4Addr {
        match origin {
            Origin::Pod(k) => self.pod_ip(k).unwrap_or(Ipv4Addr::UNSPECIFIED),
            Origin::Node(n) => self
                .ipam
                .block(n)
                .map(|b| Ipv4Addr::from(b.base))
                .unwrap_or(Ipv4Addr::UNSPECIFIED),
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
}

fn clf_time(unix: i64) -> String {
    let ts = k8s_openapi::jiff::Timestamp::from_second(unix)
        .unwrap_or(k8s_openapi::jiff::Timestamp::UNIX_EPOCH);
    ts.strftime("%d/%b/%Y:%H:%M:%S +0000").to_string()
}

fn http_date(unix: i64) -> String {
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
