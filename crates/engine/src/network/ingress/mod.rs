//! Ingress routing as ingress-nginx does it, as a pure function of the Ingresses a controller
//! serves and one request: pick the server by host, the location by path, apply the
//! annotations (redirects, app-root, rewrite-target, cookie affinity), and name the Service
//! backend or the controller's own answer.
//!
//! How ingress-nginx builds its nginx.conf (`internal/ingress/controller/controller.go`
//! `createServers`/`createUpstreams`, `rootfs/etc/nginx/template/nginx.tmpl`), in short:
//! - one `server` per rule host; rules without a host go to the catch-all server `_`;
//! - every server starts with a root location `/` that answers with the controller's
//!   default backend (404), or with `spec.defaultBackend` of the first Ingress naming the
//!   host; the catch-all server's root only takes the `defaultBackend` of an Ingress that
//!   has no rules at all;
//! - paths become locations; for a (server, path) pair the oldest Ingress wins;
//! - `Exact` is `location = /p`, `Prefix` `/p` matches `/p` and `/p/...` (element-wise, as
//!   the Kubernetes API defines it), `ImplementationSpecific` is nginx's plain prefix match;
//!   nginx takes an exact match first, else the longest matching prefix;
//! - when any Ingress of a server uses `rewrite-target` or `use-regex`, every location of
//!   that server becomes a case-insensitive regex anchored at the start (`~* "^/p"`),
//!   tried longest path first.
//!
//! Wildcard hosts (`*.example.com`) match exactly one DNS label, as the Ingress API
//! specifies.

pub mod balancer;
pub mod controller;
pub mod nginx_regex;
pub mod pem;
pub mod release;
pub mod serve;

use k8s_openapi::api::networking::v1::{Ingress, IngressServiceBackend};
use nginx_regex::Regex;

/// `nginx.ingress.kubernetes.io/` annotations the simulated controller honours.
pub mod annotation {
    pub const REWRITE_TARGET: &str = "nginx.ingress.kubernetes.io/rewrite-target";
    pub const USE_REGEX: &str = "nginx.ingress.kubernetes.io/use-regex";
    pub const SSL_REDIRECT: &str = "nginx.ingress.kubernetes.io/ssl-redirect";
    pub const FORCE_SSL_REDIRECT: &str = "nginx.ingress.kubernetes.io/force-ssl-redirect";
    pub const APP_ROOT: &str = "nginx.ingress.kubernetes.io/app-root";
    pub const AFFINITY: &str = "nginx.ingress.kubernetes.io/affinity";
    pub const SESSION_COOKIE_NAME: &str = "nginx.ingress.kubernetes.io/session-cookie-name";
    pub const SESSION_COOKIE_PATH: &str = "nginx.ingress.kubernetes.io/session-cookie-path";
}

/// The catch-all server's name in nginx.conf.
pub const CATCH_ALL: &str = "_";

/// What routing needs of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteRequest<'a> {
    /// The `Host` header without a port (`node1.example.com`).
    pub host: &'a str,
    /// The `Host` header as sent (`node1.example.com:30100`), for app-root redirects.
    pub http_host: &'a str,
    /// The request URI with its query string.
    pub uri: &'a str,
    /// True on the HTTPS port.
    pub https: bool,
}

/// Cookie affinity of a location (`affinity: cookie`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookieAffinity {
    /// `session-cookie-name`, `INGRESSCOOKIE` by default.
    pub name: String,
    /// `session-cookie-path`, else the location's path.
    pub path: String,
}

/// Where a request goes.
#[derive(Clone, Debug, PartialEq)]
pub enum Route {
    /// Proxied to a Service of the Ingress's namespace.
    Backend {
        /// Index of the Ingress (in the slice given to [`route`]) that owns the location.
        ingress: usize,
        service: IngressServiceBackend,
        /// The URI sent upstream (rewritten when `rewrite-target` is set).
        upstream_uri: String,
        /// The matched location as nginx.conf names it (`/app`, `/` ...).
        location: String,
        affinity: Option<CookieAffinity>,
    },
    /// A redirect nginx answers itself: 308 for ssl-redirect, 302 for app-root.
    Redirect { status: u16, location: String },
    /// The controller's default backend (`404 Not Found` from nginx).
    DefaultBackend,
}

#[derive(Clone, Debug)]
struct Location {
    path: String,
    path_type: PathKind,
    ingress: usize,
    backend: Option<IngressServiceBackend>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PathKind {
    Exact,
    Prefix,
    ImplementationSpecific,
    /// The server's root location, answered by a default backend.
    Root,
}

/// The servers of the nginx.conf the Ingresses produce: host → locations.
struct Server {
    host: String,
    locations: Vec<Location>,
    regex: bool,
}

fn annotations<'i>(ing: &'i Ingress) -> impl Fn(&str) -> Option<&'i str> {
    move |k: &str| {
        ing.metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(k))
            .map(String::as_str)
    }
}

fn uses_regex(ing: &Ingress) -> bool {
    let a = annotations(ing);
    a(annotation::REWRITE_TARGET).is_some() || a(annotation::USE_REGEX) == Some("true")
}

fn servers(ingresses: &[&Ingress]) -> Vec<Server> {
    let mut out: Vec<(String, Server)> = vec![(
        CATCH_ALL.to_string(),
        Server {
            host: CATCH_ALL.to_string(),
            locations: vec![Location {
                path: "/".into(),
                path_type: PathKind::Root,
                ingress: usize::MAX,
                backend: None,
            }],
            regex: false,
        },
    )];
    // Root locations first, in Ingress order, as createServers does.
    for (i, ing) in ingresses.iter().enumerate() {
        let Some(spec) = ing.spec.as_ref() else {
            continue;
        };
        let default_backend = spec
            .default_backend
            .as_ref()
            .and_then(|b| b.service.clone());
        let rules = spec.rules.as_deref().unwrap_or(&[]);
        if rules.is_empty() {
            if let Some(b) = &default_backend {
                let root = &mut out[0].1.locations[0];
                if root.backend.is_none() {
                    root.backend = Some(b.clone());
                    root.ingress = i;
                }
            }
        }
        for rule in rules {
            let host = rule
                .host
                .as_deref()
                .filter(|h| !h.is_empty())
                .unwrap_or(CATCH_ALL);
            if out.iter().any(|(h, _)| h == host) {
                continue;
            }
            out.push((
                host.to_string(),
                Server {
                    host: host.to_string(),
                    locations: vec![Location {
                        path: "/".into(),
                        path_type: PathKind::Root,
                        ingress: i,
                        backend: default_backend.clone(),
                    }],
                    regex: false,
                },
            ));
        }
    }
    // Then the paths; the first Ingress to claim a (server, path) keeps it.
    for (i, ing) in ingresses.iter().enumerate() {
        let rules = ing
            .spec
            .as_ref()
            .and_then(|s| s.rules.as_deref())
            .unwrap_or(&[]);
        for rule in rules {
            let host = rule
                .host
                .as_deref()
                .filter(|h| !h.is_empty())
                .unwrap_or(CATCH_ALL);
            let Some(server) = out.iter_mut().find(|(h, _)| h == host).map(|(_, s)| s) else {
                continue;
            };
            if uses_regex(ing) {
                server.regex = true;
            }
            for p in rule.http.iter().flat_map(|h| h.paths.iter()) {
                let path_type = match p.path_type.as_str() {
                    "Exact" => PathKind::Exact,
                    "Prefix" => PathKind::Prefix,
                    _ => PathKind::ImplementationSpecific,
                };
                let mut path = p
                    .path
                    .clone()
                    .filter(|p| !p.is_empty())
                    .unwrap_or("/".into());
                if path_type == PathKind::Prefix && path.len() > 1 {
                    path = path.trim_end_matches('/').to_string();
                }
                let backend = p.backend.service.clone();
                match server.locations.iter_mut().find(|l| {
                    l.path == path
                        && (l.path_type == path_type
                            || l.path_type == PathKind::Root
                            || (path_type != PathKind::Exact && l.path_type != PathKind::Exact))
                }) {
                    Some(l) if l.path_type == PathKind::Root => {
                        l.path_type = path_type;
                        l.ingress = i;
                        l.backend = backend;
                    }
                    Some(_) => {}
                    None => server.locations.push(Location {
                        path,
                        path_type,
                        ingress: i,
                        backend,
                    }),
                }
            }
        }
    }
    out.into_iter().map(|(_, s)| s).collect()
}

/// True when a rule host (`foo.example.com`, `*.example.com`) matches a request host.
pub fn host_matches(rule_host: &str, host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    match rule_host.strip_prefix("*.") {
        Some(suffix) => host
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
        None => rule_host == host,
    }
}

/// True when `path` (without query) falls under a `Prefix` path: element-wise, so `/foo`
/// matches `/foo`, `/foo/` and `/foo/bar` but not `/foobar`.
pub fn prefix_matches(prefix: &str, path: &str) -> bool {
    if prefix == "/" {
        return true;
    }
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn select_server<'s>(servers: &'s [Server], host: &str) -> &'s Server {
    let host = host.to_ascii_lowercase();
    servers
        .iter()
        .find(|s| s.host == host)
        .or_else(|| {
            servers
                .iter()
                .find(|s| s.host.starts_with("*.") && host_matches(&s.host, &host))
        })
        .unwrap_or(&servers[0])
}

fn select_location<'s>(server: &'s Server, path: &str) -> Option<&'s Location> {
    // Exact locations (`location = /p`) win first; a Prefix path also gets `= /p` unless an
    // Exact path of the same server claims it.
    for kind in [PathKind::Exact, PathKind::Prefix] {
        if let Some(l) = server
            .locations
            .iter()
            .find(|l| l.path == path && l.path_type == kind)
        {
            return Some(l);
        }
    }
    if server.regex {
        let mut sorted: Vec<&Location> = server
            .locations
            .iter()
            .filter(|l| l.path_type != PathKind::Exact)
            .collect();
        crate::sort::sort_by(&mut sorted, |a, b| {
            b.path.len().cmp(&a.path.len()).then(a.path.cmp(&b.path))
        });
        return sorted
            .into_iter()
            .find(|l| Regex::new(&format!("^{}", l.path), true).is_ok_and(|re| re.is_match(path)));
    }
    server
        .locations
        .iter()
        .filter(|l| match l.path_type {
            PathKind::Exact => false,
            PathKind::Prefix => prefix_matches(&l.path, path),
            PathKind::ImplementationSpecific | PathKind::Root => path.starts_with(&l.path),
        })
        .max_by(|a, b| {
            a.path
                .len()
                .cmp(&b.path.len())
                .then(b.ingress.cmp(&a.ingress))
        })
}

/// True when the server for `host` has TLS configured by `ing`: a `tls` entry lists the host,
/// or (hostless entries) `cert_host_matches` says the Secret's certificate covers it.
pub fn tls_secret_for<'i>(
    ing: &'i Ingress,
    host: &str,
    cert_host_matches: &dyn Fn(&str) -> bool,
) -> Option<&'i str> {
    let tls = ing.spec.as_ref()?.tls.as_deref()?;
    let host = host.to_ascii_lowercase();
    if let Some(t) = tls.iter().find(|t| {
        t.hosts
            .iter()
            .flatten()
            .any(|h| h.to_ascii_lowercase() == host)
    }) {
        return Some(t.secret_name.as_deref().unwrap_or(""));
    }
    tls.iter()
        .filter_map(|t| t.secret_name.as_deref().filter(|s| !s.is_empty()))
        .find(|s| cert_host_matches(s))
}

/// Routes one request. `ingresses` are the ones the controller serves, oldest first;
/// `has_tls(i, server_host)` says whether Ingress `i` configures TLS for a server.
pub fn route(
    ingresses: &[&Ingress],
    req: &RouteRequest<'_>,
    has_tls: &dyn Fn(usize, &str) -> bool,
) -> Route {
    let servers = servers(ingresses);
    let server = select_server(&servers, req.host);
    let (path, query) = match req.uri.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (req.uri, None),
    };
    let Some(loc) = select_location(server, path) else {
        return Route::DefaultBackend;
    };
    let Some(ing) = ingresses.get(loc.ingress) else {
        return Route::DefaultBackend;
    };
    let a = annotations(ing);
    let flag = |k: &str| a(k).map(|v| v == "true");
    // ssl-redirect (default on where TLS is configured) and force-ssl-redirect: 308.
    let tls = server.host != CATCH_ALL && has_tls(loc.ingress, &server.host);
    let redirect = flag(annotation::FORCE_SSL_REDIRECT) == Some(true)
        || (tls && flag(annotation::SSL_REDIRECT) != Some(false));
    if redirect && !req.https {
        return Route::Redirect {
            status: 308,
            location: format!("https://{}{}", req.host, req.uri),
        };
    }
    if let Some(root) = a(annotation::APP_ROOT) {
        if path == "/" {
            let scheme = if req.https { "https" } else { "http" };
            return Route::Redirect {
                status: 302,
                location: format!("{scheme}://{}{root}", req.http_host),
            };
        }
    }
    let Some(service) = loc.backend.clone() else {
        return Route::DefaultBackend;
    };
    let mut upstream_uri = req.uri.to_string();
    if let Some(target) = a(annotation::REWRITE_TARGET) {
        if let Ok(re) = Regex::new(&format!("(?i){}", loc.path), false) {
            if let Some(mut rewritten) = re.rewrite(path, target) {
                if let Some(q) = query {
                    rewritten.push(if rewritten.contains('?') { '&' } else { '?' });
                    rewritten.push_str(q);
                }
                upstream_uri = rewritten;
            }
        }
    }
    let affinity = (a(annotation::AFFINITY) == Some("cookie")).then(|| CookieAffinity {
        name: a(annotation::SESSION_COOKIE_NAME)
            .unwrap_or("INGRESSCOOKIE")
            .to_string(),
        path: a(annotation::SESSION_COOKIE_PATH)
            .unwrap_or(&loc.path)
            .to_string(),
    });
    Route::Backend {
        ingress: loc.ingress,
        service,
        upstream_uri,
        location: loc.path.clone(),
        affinity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ing(v: serde_json::Value) -> Ingress {
        serde_json::from_value(v).unwrap()
    }

    fn path(p: &str, t: &str, svc: &str) -> serde_json::Value {
        json!({"path": p, "pathType": t, "backend": {"service": {"name": svc, "port": {"number": 80}}}})
    }

    fn req(host: &str, uri: &str) -> RouteRequest<'static> {
        let host: &'static str = Box::leak(host.to_string().into_boxed_str());
        let uri: &'static str = Box::leak(uri.to_string().into_boxed_str());
        RouteRequest {
            host,
            http_host: host,
            uri,
            https: false,
        }
    }

    fn to(ings: &[&Ingress], host: &str, uri: &str) -> String {
        match route(ings, &req(host, uri), &|_, _| false) {
            Route::Backend {
                service,
                upstream_uri,
                ..
            } => format!("{} {upstream_uri}", service.name),
            Route::Redirect { status, location } => format!("{status} {location}"),
            Route::DefaultBackend => "404".into(),
        }
    }

    #[test]
    fn path_types_follow_the_ingress_spec_table() {
        // The examples table of the Ingress concept page.
        let cases = [
            ("Prefix", "/", "/anything", true),
            ("Exact", "/foo", "/foo", true),
            ("Exact", "/foo", "/bar", false),
            ("Exact", "/foo", "/foo/", false),
            ("Exact", "/foo/", "/foo", false),
            ("Prefix", "/foo", "/foo", true),
            ("Prefix", "/foo", "/foo/", true),
            ("Prefix", "/foo/", "/foo", true),
            ("Prefix", "/foo/", "/foo/", true),
            ("Prefix", "/aaa/bb", "/aaa/bbb", false),
            ("Prefix", "/aaa/bbb", "/aaa/bbb", true),
            ("Prefix", "/aaa/bbb/", "/aaa/bbb", true),
            ("Prefix", "/aaa/bbb", "/aaa/bbb/", true),
            ("Prefix", "/aaa/bbb", "/aaa/bbb/ccc", true),
            ("Prefix", "/aaa/bbb", "/aaa/bbbxyz", false),
        ];
        for (t, p, request, matches) in cases {
            let i = ing(
                json!({"metadata": {"name": "x"}, "spec": {"rules": [{"http": {"paths": [path(p, t, "web")]}}]}}),
            );
            let got = to(&[&i], "example.com", request);
            assert_eq!(got.starts_with("web"), matches, "{t} {p} {request}: {got}");
        }
    }

    #[test]
    fn longest_path_wins_and_exact_beats_prefix() {
        let i = ing(
            json!({"metadata": {"name": "x"}, "spec": {"rules": [{"host": "foo.bar.com", "http": {"paths": [
            path("/", "Prefix", "root"), path("/aaa", "Prefix", "aaa"), path("/aaa/bbb", "Prefix", "bbb"), path("/aaa", "Exact", "exact")]}}]}}),
        );
        assert_eq!(to(&[&i], "foo.bar.com", "/aaa/bbb/c"), "bbb /aaa/bbb/c");
        assert_eq!(to(&[&i], "foo.bar.com", "/aaa/x"), "aaa /aaa/x");
        assert_eq!(to(&[&i], "foo.bar.com", "/aaa"), "exact /aaa");
        assert_eq!(to(&[&i], "foo.bar.com", "/zzz"), "root /zzz");
        // Another host: the catch-all server has no rules, so the controller answers 404.
        assert_eq!(to(&[&i], "other.com", "/aaa"), "404");
    }

    #[test]
    fn hosts_and_wildcards() {
        let i = ing(json!({"metadata": {"name": "x"}, "spec": {"rules": [
            {"host": "foo.bar.com", "http": {"paths": [path("/", "Prefix", "foo")]}},
            {"host": "*.bar.com", "http": {"paths": [path("/", "Prefix", "wild")]}},
            {"http": {"paths": [path("/app", "Prefix", "any")]}}]}}));
        assert_eq!(to(&[&i], "foo.bar.com", "/"), "foo /");
        assert_eq!(to(&[&i], "BAZ.bar.com", "/"), "wild /");
        // A wildcard covers one label only.
        assert_eq!(to(&[&i], "a.baz.bar.com", "/app/x"), "any /app/x");
        assert_eq!(to(&[&i], "bar.com", "/"), "404");
    }

    #[test]
    fn default_backends() {
        // The seed's marvel-heroes-ingress: defaultBackend plus host rules.
        let i = ing(json!({"metadata": {"name": "marvel"}, "spec": {
            "defaultBackend": {"service": {"name": "nginx", "port": {"number": 80}}},
            "rules": [{"host": "node1.example.com", "http": {"paths": [path("/app", "Prefix", "marvel-service")]}}]}}));
        // On its host, paths without a rule go to the Ingress's default backend...
        assert_eq!(to(&[&i], "node1.example.com", "/x"), "nginx /x");
        assert_eq!(
            to(&[&i], "node1.example.com", "/app"),
            "marvel-service /app"
        );
        // ...other hosts reach the catch-all server, whose root stays the controller's 404.
        assert_eq!(to(&[&i], "node2.example.com", "/x"), "404");
        // An Ingress with only a default backend configures the catch-all server.
        let only = ing(
            json!({"metadata": {"name": "d"}, "spec": {"defaultBackend": {"service": {"name": "fallback", "port": {"number": 80}}}}}),
        );
        assert_eq!(to(&[&i, &only], "node2.example.com", "/x"), "fallback /x");
    }

    #[test]
    fn oldest_ingress_keeps_a_conflicting_path() {
        let a = ing(
            json!({"metadata": {"name": "a"}, "spec": {"rules": [{"http": {"paths": [path("/", "Prefix", "first")]}}]}}),
        );
        let b = ing(
            json!({"metadata": {"name": "b"}, "spec": {"rules": [{"http": {"paths": [path("/", "Prefix", "second"), path("/b", "Prefix", "bee")]}}]}}),
        );
        assert_eq!(to(&[&a, &b], "x", "/"), "first /");
        assert_eq!(to(&[&a, &b], "x", "/b/1"), "bee /b/1");
    }

    #[test]
    fn rewrite_target_uses_capture_groups() {
        let i = ing(
            json!({"metadata": {"name": "x", "annotations": {"nginx.ingress.kubernetes.io/rewrite-target": "/$2"}},
            "spec": {"rules": [{"host": "rewrite.bar.com", "http": {"paths": [path("/something(/|$)(.*)", "ImplementationSpecific", "http-svc")]}}]}}),
        );
        assert_eq!(to(&[&i], "rewrite.bar.com", "/something"), "http-svc /");
        assert_eq!(to(&[&i], "rewrite.bar.com", "/something/"), "http-svc /");
        assert_eq!(
            to(&[&i], "rewrite.bar.com", "/something/new?x=1"),
            "http-svc /new?x=1"
        );
        assert_eq!(to(&[&i], "rewrite.bar.com", "/other"), "404");
        let plain = ing(
            json!({"metadata": {"name": "x", "annotations": {"nginx.ingress.kubernetes.io/rewrite-target": "/"}},
            "spec": {"rules": [{"http": {"paths": [path("/app", "Prefix", "app")]}}]}}),
        );
        assert_eq!(to(&[&plain], "h", "/app/a/b"), "app /");
    }

    #[test]
    fn redirects() {
        let i = ing(
            json!({"metadata": {"name": "x", "annotations": {"nginx.ingress.kubernetes.io/app-root": "/app1"}},
            "spec": {"tls": [{"hosts": ["approot.bar.com"], "secretName": "s"}],
                     "rules": [{"host": "approot.bar.com", "http": {"paths": [path("/", "Prefix", "web")]}}]}}),
        );
        let tls = |_: usize, h: &str| h == "approot.bar.com";
        let mut r = req("approot.bar.com", "/");
        assert_eq!(
            route(&[&i], &r, &tls),
            Route::Redirect {
                status: 308,
                location: "https://approot.bar.com/".into()
            }
        );
        r.https = true;
        r.http_host = "approot.bar.com:30200";
        assert_eq!(
            route(&[&i], &r, &tls),
            Route::Redirect {
                status: 302,
                location: "https://approot.bar.com:30200/app1".into()
            }
        );
        let forced = ing(
            json!({"metadata": {"name": "x", "annotations": {"nginx.ingress.kubernetes.io/force-ssl-redirect": "true"}},
            "spec": {"rules": [{"http": {"paths": [path("/", "Prefix", "web")]}}]}}),
        );
        assert_eq!(to(&[&forced], "h", "/a?b"), "308 https://h/a?b");
        let off = ing(
            json!({"metadata": {"name": "x", "annotations": {"nginx.ingress.kubernetes.io/ssl-redirect": "false"}},
            "spec": {"tls": [{"hosts": ["h"]}], "rules": [{"host": "h", "http": {"paths": [path("/", "Prefix", "web")]}}]}}),
        );
        assert!(matches!(
            route(&[&off], &req("h", "/"), &|_, _| true),
            Route::Backend { .. }
        ));
    }

    #[test]
    fn cookie_affinity_names_the_cookie_and_its_path() {
        let i = ing(
            json!({"metadata": {"name": "x", "annotations": {"nginx.ingress.kubernetes.io/affinity": "cookie",
            "nginx.ingress.kubernetes.io/session-cookie-name": "btc-cookie"}},
            "spec": {"rules": [{"http": {"paths": [path("/app", "Prefix", "appjs-service")]}}]}}),
        );
        match route(&[&i], &req("node1.example.com", "/app"), &|_, _| false) {
            Route::Backend { affinity, .. } => assert_eq!(
                affinity,
                Some(CookieAffinity {
                    name: "btc-cookie".into(),
                    path: "/app".into()
                })
            ),
            other => panic!("{other:?}"),
        }
    }
}
