//! The simulated Internet: a few well-known web front ends that pods and nodes reach through
//! their node's masquerade (the seeds' ExternalName lab curls `google.com` through a Service
//! name). Names reach them through DNS ([`crate::network::dns::EXTERNAL_HOSTS`], CNAME → A);
//! this table says who listens at those addresses and what they answer.
//!
//! A front end answers by the request's `Host` header, as virtual hosting does: its own names
//! get their page, any other name its "unknown host" answer. So
//! `curl svc-external.default.svc.cluster.local` through an ExternalName Service pointing at
//! `google.com` reaches Google but gets Google's 404 page, because the Host header names the
//! Service, not Google. Only plain HTTP on port 80 is modelled, and HTTPS on 443 for a
//! front end's own names (their certificates are CA-signed, so curl trusts them); anything
//! else still times out.

use crate::cluster::Cluster;
use crate::network::request::{http_date, Hop, HttpRequest, HttpResponse, Origin, RequestError};
use std::net::Ipv4Addr;

/// One answer of a front end. In `location` and `body`, `{path}` stands for the request's
/// path without its leading `/`; in `body`, `{unix}` for the time and `{request_id}` for a
/// per-request id (hex), as error pages quote them.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    pub status: u16,
    pub reason: &'static str,
    /// Headers before `Date`, in the order the server sends them.
    pub headers: &'static [(&'static str, &'static str)],
    /// `Location`, for redirects.
    pub location: Option<&'static str>,
    /// Seconds after `Date` for an `Expires` header, if the server sends one.
    pub expires_after: Option<i64>,
    /// Headers after `Date` (`Content-Length` is added from the body unless chunked).
    pub trailing_headers: &'static [(&'static str, &'static str)],
    pub chunked: bool,
    pub body: &'static str,
}

/// A web front end: the addresses it listens on, the host names it serves, and its answers.
#[derive(Clone, Copy, Debug)]
pub struct FrontEnd {
    /// What the topology view calls it.
    pub name: &'static str,
    pub addresses: &'static [&'static str],
    /// `(Host, answer for "/", answer for any other path)`.
    pub hosts: &'static [(&'static str, Page, Page)],
    /// The answer to a Host header it does not serve.
    pub unknown_host: Page,
}

const GOOGLE_301: &str = "<HTML><HEAD><meta http-equiv=\"content-type\" content=\"text/html;charset=utf-8\">\n<TITLE>301 Moved</TITLE></HEAD><BODY>\n<H1>301 Moved</H1>\nThe document has moved\n<A HREF=\"http://www.google.com/{path}\">here</A>.\r\n</BODY></HTML>\r\n";

const GOOGLE_404: &str = "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <meta name=viewport content=\"initial-scale=1, minimum-scale=1, width=device-width\">\n  <title>Error 404 (Not Found)!!1</title>\n  <style>\n    *{margin:0;padding:0}html,code{font:15px/22px arial,sans-serif}html{background:#fff;color:#222;padding:15px}body{margin:7% auto 0;max-width:390px;min-height:180px;padding:30px 0 15px}* > body{background:url(//www.google.com/images/errors/robot.png) 100% 5px no-repeat;padding-right:205px}p{margin:11px 0 22px;overflow:hidden}ins{color:#777;text-decoration:none}a img{border:0}@media screen and (max-width:772px){body{background:none;margin-top:0;max-width:none;padding-right:0}}#logo{background:url(//www.google.com/images/branding/googlelogo/1x/googlelogo_color_150x54dp.png) no-repeat;margin-left:-5px}@media only screen and (min-resolution:192dpi){#logo{background:url(//www.google.com/images/branding/googlelogo/2x/googlelogo_color_150x54dp.png) no-repeat 0% 0%/100% 100%;-moz-border-image:url(//www.google.com/images/branding/googlelogo/2x/googlelogo_color_150x54dp.png) 0}}@media only screen and (-webkit-min-device-pixel-ratio:2){#logo{background:url(//www.google.com/images/branding/googlelogo/2x/googlelogo_color_150x54dp.png) no-repeat;-webkit-background-size:100% 100%}}#logo{display:inline-block;height:54px;width:150px}\n  </style>\n  <a href=//www.google.com/><span id=logo aria-label=Google></span></a>\n  <p><b>404.</b> <ins>That\u{2019}s an error.</ins>\n  <p>The requested URL <code>/{path}</code> was not found on this server.  <ins>That\u{2019}s all we know.</ins>\n";

/// The home page, abbreviated: the real one is some 20 KB of inline scripts.
const GOOGLE_HOME: &str = "<!doctype html><html itemscope=\"\" itemtype=\"http://schema.org/WebPage\" lang=\"ko\"><head><meta content=\"text/html; charset=UTF-8\" http-equiv=\"Content-Type\"><meta content=\"/images/branding/googleg/1x/googleg_standard_color_128dp.png\" itemprop=\"image\"><title>Google</title></head><body><center><br clear=\"all\" id=\"lgpd\"><div id=\"lga\"><img alt=\"Google\" height=\"92\" src=\"/images/branding/googlelogo/1x/googlelogo_white_background_color_272x92dp.png\" width=\"272\" id=\"hplogo\"></div><form action=\"/search\" name=\"f\"><input name=\"q\" title=\"Google \u{AC80}\u{C0C9}\"><input name=\"btnG\" type=\"submit\" value=\"Google \u{AC80}\u{C0C9}\"></form></center></body></html>";

const EXAMPLE_DOMAIN: &str = "<!doctype html>\n<html>\n<head>\n    <title>Example Domain</title>\n\n    <meta charset=\"utf-8\" />\n    <meta http-equiv=\"Content-type\" content=\"text/html; charset=utf-8\" />\n    <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n    <style type=\"text/css\">\n    body {\n        background-color: #f0f0f2;\n        margin: 0;\n        padding: 0;\n        font-family: -apple-system, system-ui, BlinkMacSystemFont, \"Segoe UI\", \"Open Sans\", \"Helvetica Neue\", Helvetica, Arial, sans-serif;\n        \n    }\n    div {\n        width: 600px;\n        margin: 5em auto;\n        padding: 2em;\n        background-color: #fdfdff;\n        border-radius: 0.5em;\n        box-shadow: 2px 3px 7px 2px rgba(0,0,0,0.02);\n    }\n    a:link, a:visited {\n        color: #38488f;\n        text-decoration: none;\n    }\n    @media (max-width: 700px) {\n        div {\n            margin: 0 auto;\n            width: auto;\n        }\n    }\n    </style>    \n</head>\n\n<body>\n<div>\n    <h1>Example Domain</h1>\n    <p>This domain is for use in illustrative examples in documents. You may use this\n    domain in literature without prior coordination or asking for permission.</p>\n    <p><a href=\"https://www.iana.org/domains/example\">More information...</a></p>\n</div>\n</body>\n</html>\n";

const AKAMAI_INVALID_URL: &str = "<HTML><HEAD>\n<TITLE>Invalid URL</TITLE>\n</HEAD><BODY>\n<H1>Invalid URL</H1>\nThe requested URL \"&#91;no&#32;URL&#93;\", is invalid.<p>\nReference&#32;&#35;9&#46;5cd3217&#46;{unix}&#46;{request_id}\n</BODY></HTML>\n";

const GOOGLE_MOVED: Page = Page {
    status: 301,
    reason: "Moved Permanently",
    headers: &[],
    location: Some("http://www.google.com/{path}"),
    expires_after: Some(30 * 86_400),
    trailing_headers: &[
        ("Cache-Control", "public, max-age=2592000"),
        ("Server", "gws"),
    ],
    chunked: false,
    body: GOOGLE_301,
};

const GOOGLE_NOT_FOUND: Page = Page {
    status: 404,
    reason: "Not Found",
    headers: &[
        ("Content-Type", "text/html; charset=UTF-8"),
        ("Referrer-Policy", "no-referrer"),
    ],
    location: None,
    expires_after: None,
    trailing_headers: &[],
    chunked: false,
    body: GOOGLE_404,
};

const GOOGLE_OK: Page = Page {
    status: 200,
    reason: "OK",
    headers: &[],
    location: None,
    expires_after: None,
    trailing_headers: &[
        ("Expires", "-1"),
        ("Cache-Control", "private, max-age=0"),
        ("Content-Type", "text/html; charset=ISO-8859-1"),
        ("Server", "gws"),
        ("X-XSS-Protection", "0"),
        ("X-Frame-Options", "SAMEORIGIN"),
        ("Transfer-Encoding", "chunked"),
    ],
    chunked: true,
    body: GOOGLE_HOME,
};

const EXAMPLE_HEADERS: &[(&str, &str)] = &[
    ("Content-Type", "text/html"),
    (
        "ETag",
        "\"84238dfc8092e5d9c0dac8ef93371a07:1736799080.121134\"",
    ),
    ("Last-Modified", "Mon, 13 Jan 2025 20:11:20 GMT"),
    ("Cache-Control", "max-age=86000"),
];

const EXAMPLE_OK: Page = Page {
    status: 200,
    reason: "OK",
    headers: EXAMPLE_HEADERS,
    location: None,
    expires_after: None,
    trailing_headers: &[("Connection", "keep-alive")],
    chunked: false,
    body: EXAMPLE_DOMAIN,
};

const EXAMPLE_NOT_FOUND: Page = Page {
    status: 404,
    reason: "Not Found",
    ..EXAMPLE_OK
};

/// The front ends of the simulated Internet. Every address is one DNS gives for the names
/// (a test checks it).
pub const FRONT_ENDS: &[FrontEnd] = &[
    FrontEnd {
        name: "google",
        addresses: &["142.250.207.46", "142.250.206.228"],
        hosts: &[
            ("google.com", GOOGLE_MOVED, GOOGLE_MOVED),
            ("www.google.com", GOOGLE_OK, GOOGLE_NOT_FOUND),
        ],
        unknown_host: GOOGLE_NOT_FOUND,
    },
    FrontEnd {
        name: "example.com",
        addresses: &["23.192.228.80"],
        hosts: &[
            ("example.com", EXAMPLE_OK, EXAMPLE_NOT_FOUND),
            ("www.example.com", EXAMPLE_OK, EXAMPLE_NOT_FOUND),
        ],
        unknown_host: Page {
            status: 400,
            reason: "Bad Request",
            headers: &[
                ("Server", "AkamaiGHost"),
                ("Mime-Version", "1.0"),
                ("Content-Type", "text/html"),
            ],
            location: None,
            expires_after: Some(0),
            trailing_headers: &[("Connection", "close")],
            chunked: false,
            body: AKAMAI_INVALID_URL,
        },
    },
];

/// The front end listening at `ip`, if any.
pub fn front_end_at(ip: Ipv4Addr) -> Option<&'static FrontEnd> {
    let ip = ip.to_string();
    FRONT_ENDS
        .iter()
        .find(|f| f.addresses.contains(&ip.as_str()))
}

/// What `front` answers to `req` at simulated time `unix`, or `None` when nothing answers
/// (a port other than 80 and 443, or HTTPS for a name the front end has no certificate for).
pub fn serve(
    front: &FrontEnd,
    req: &HttpRequest,
    unix: i64,
    request_id: u32,
) -> Option<HttpResponse> {
    let host_header = req.host_header().to_ascii_lowercase();
    let host = match host_header.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host_header.as_str(),
    };
    let known = front.hosts.iter().find(|(name, _, _)| *name == host);
    match (req.port, req.https) {
        (80, false) => {}
        (443, true) if known.is_some() => {}
        _ => return None,
    }
    let path = req.path.split(['?', '#']).next().unwrap_or("/");
    let page = match known {
        Some((_, root, _)) if path == "/" || path.is_empty() => root,
        Some((_, _, other)) => other,
        None => &front.unknown_host,
    };
    let rel = req.path.strip_prefix('/').unwrap_or(&req.path);
    let scheme_fix = |s: &str| {
        if req.https {
            s.replacen("http://", "https://", 1)
        } else {
            s.to_string()
        }
    };
    let body = scheme_fix(
        &page
            .body
            .replace("{path}", rel)
            .replace("{unix}", &unix.to_string())
            .replace("{request_id}", &format!("{request_id:x}")),
    );
    let mut headers: Vec<(String, String)> = Vec::new();
    if let Some(l) = page.location {
        headers.push(("Location".into(), scheme_fix(&l.replace("{path}", rel))));
    }
    if page.status == 301 {
        headers.push(("Content-Type".into(), "text/html; charset=UTF-8".into()));
    }
    headers.extend(
        page.headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    headers.push(("Date".into(), http_date(unix)));
    if let Some(after) = page.expires_after {
        headers.push(("Expires".into(), http_date(unix + after)));
    }
    headers.extend(
        page.trailing_headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    if !page.chunked {
        let at = headers
            .iter()
            .position(|(k, _)| k == "Connection")
            .unwrap_or(headers.len());
        headers.insert(at, ("Content-Length".into(), body.len().to_string()));
    }
    Some(HttpResponse {
        status: page.status,
        reason: page.reason,
        headers,
        body,
        served_by: None,
    })
}

impl Cluster {
    /// A request from inside the cluster (or the learner's machine) to an Internet address:
    /// the packet leaves through the sender's node, masqueraded to the node's address.
    pub(crate) fn internet_request(
        &mut self,
        from: &str,
        origin: Option<&Origin>,
        ip: Ipv4Addr,
        req: &HttpRequest,
    ) -> Option<(Result<HttpResponse, RequestError>, Vec<Hop>)> {
        let front = front_end_at(ip)?;
        let unix = self.now().unix_secs();
        let request_id = self.api().rng().below("internet-request-id", 1 << 28) as u32;
        let response = serve(front, req, unix, request_id)?;
        let via = match origin {
            Some(Origin::Node(n)) => Some(n.clone()),
            Some(Origin::Pod(k)) => self
                .api_ref()
                .store()
                .get(k)
                .and_then(|o| o.as_::<crate::api::Pod>().cloned())
                .and_then(|p| p.spec.and_then(|s| s.node_name)),
            None => None,
        };
        let mut hops = Vec::new();
        let mut last = from.to_string();
        if let Some(node) = via.filter(|n| format!("node/{n}") != from) {
            hops.push(Hop {
                from: last,
                to: format!("node/{node}"),
                note: "MASQUERADE to the node's address".into(),
            });
            last = format!("node/{node}");
        }
        hops.push(Hop {
            from: last,
            to: format!("internet/{}", front.name),
            note: format!("{ip}:{}", req.port),
        });
        for h in &hops {
            self.api().trace(
                "network/hop",
                format!("{} -> {} | {}", h.from, h.to, h.note),
            );
        }
        self.api().trace(
            "network",
            format!(
                "{from} -> {ip}:{} {} {} {} ({})",
                req.port, req.method, req.path, response.status, front.name
            ),
        );
        Some((Ok(response), hops))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::dns::EXTERNAL_HOSTS;

    fn get(host: &str, path: &str) -> HttpRequest {
        HttpRequest {
            method: "GET".into(),
            host: host.into(),
            port: 80,
            path: path.into(),
            user_agent: "curl/7.29.0".into(),
            ..Default::default()
        }
    }

    fn header<'a>(r: &'a HttpResponse, name: &str) -> Option<&'a str> {
        r.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn every_served_name_resolves_to_its_front_end() {
        for front in FRONT_ENDS {
            for (name, _, _) in front.hosts {
                let mut current = *name;
                let addresses = loop {
                    let (_, cname, addrs) = EXTERNAL_HOSTS
                        .iter()
                        .find(|(n, _, _)| *n == current)
                        .unwrap_or_else(|| panic!("{name} is not in DNS"));
                    if cname.is_empty() {
                        break addrs;
                    }
                    current = cname;
                };
                assert!(
                    addresses.iter().all(|a| front.addresses.contains(a)),
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn google_redirects_its_bare_name_and_refuses_foreign_hosts() {
        let google = front_end_at(Ipv4Addr::new(142, 250, 207, 46)).unwrap();
        let r = serve(google, &get("google.com", "/"), 0, 0).unwrap();
        assert_eq!(r.status, 301);
        assert_eq!(header(&r, "Location"), Some("http://www.google.com/"));
        assert_eq!(header(&r, "Content-Length"), Some("219"));
        assert_eq!(header(&r, "Expires"), Some("Sat, 31 Jan 1970 00:00:00 GMT"));
        let r = serve(google, &get("google.com", "/maps"), 0, 0).unwrap();
        assert_eq!(header(&r, "Location"), Some("http://www.google.com/maps"));
        // An ExternalName Service's name in the Host header: Google's 404 page.
        let r = serve(
            google,
            &get("svc-external.default.svc.cluster.local", "/"),
            0,
            0,
        )
        .unwrap();
        assert_eq!(r.status, 404);
        assert_eq!(header(&r, "Content-Length"), Some("1561"));
        assert!(r.body.contains("<code>/</code> was not found"));
        let r = serve(google, &get("www.google.com", "/"), 0, 0).unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(header(&r, "Content-Length"), None);
    }

    #[test]
    fn only_http_on_80_and_https_for_own_names_answer() {
        let google = front_end_at(Ipv4Addr::new(142, 250, 207, 46)).unwrap();
        let mut req = get("google.com", "/");
        req.port = 8080;
        assert!(serve(google, &req, 0, 0).is_none());
        req.port = 443;
        req.https = true;
        let r = serve(google, &req, 0, 0).unwrap();
        assert_eq!(header(&r, "Location"), Some("https://www.google.com/"));
        req.headers = vec![("Host".into(), "svc-external".into())];
        assert!(serve(google, &req, 0, 0).is_none());
    }

    #[test]
    fn example_com_serves_its_page() {
        let example = front_end_at(Ipv4Addr::new(23, 192, 228, 80)).unwrap();
        let r = serve(example, &get("example.com", "/"), 0, 0).unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(header(&r, "Content-Length"), Some("1256"));
        assert!(r.body.contains("<h1>Example Domain</h1>"));
        assert_eq!(
            serve(example, &get("example.com", "/x"), 0, 0)
                .unwrap()
                .status,
            404
        );
        let r = serve(example, &get("other", "/"), 1_700_000_000, 0xabc).unwrap();
        assert_eq!(r.status, 400);
        assert!(r.body.contains("&#46;1700000000&#46;abc\n"));
    }
}
