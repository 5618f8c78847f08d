//! The container filesystem: a small deterministic in-memory tree per container, seeded from
//! the image and the pod (hostname, hosts, resolv.conf, service-account token).
//!
//! It is the source of truth for anything a container serves or prints: a file written with
//! `kubectl exec` is what nginx answers afterwards.

use super::images::{App, Base, ResolvedImage};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound::{Included, Unbounded};

/// Errors of filesystem operations, worded like the C library's `strerror`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FsError {
    #[error("No such file or directory")]
    NotFound,
    #[error("Is a directory")]
    IsDirectory,
    #[error("Not a directory")]
    NotADirectory,
    #[error("Directory not empty")]
    NotEmpty,
}

/// Files (path → content) and directories of one container. Paths are absolute and
/// normalised (`/usr/share/nginx/html/index.html`); `/` is always a directory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainerFs {
    /// Image files are `'static` text shared by every container of the image; only what a
    /// container writes is its own.
    pub files: BTreeMap<Cow<'static, str>, Cow<'static, str>>,
    pub dirs: BTreeSet<Cow<'static, str>>,
}

/// Normalises `path` against `cwd`: resolves `.`, `..` and repeated slashes.
///
/// Worked example: `normalize("/tmp", "../etc//hosts")` → `/etc/hosts`.
pub fn normalize(cwd: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{cwd}/{path}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

impl ContainerFs {
    /// An empty filesystem holding only `/`.
    pub fn new() -> ContainerFs {
        let mut fs = ContainerFs::default();
        fs.dirs.insert(Cow::Borrowed("/"));
        fs
    }
    pub fn is_dir(&self, path: &str) -> bool {
        self.dirs.contains(path)
    }
    pub fn is_file(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }
    pub fn exists(&self, path: &str) -> bool {
        self.is_dir(path) || self.is_file(path)
    }
    /// The content of a file.
    pub fn read(&self, path: &str) -> Result<&str, FsError> {
        match self.files.get(path) {
            Some(c) => Ok(c.as_ref()),
            None if self.is_dir(path) => Err(FsError::IsDirectory),
            None => Err(FsError::NotFound),
        }
    }
    /// Creates or replaces a file; its directory must exist.
    pub fn write(&mut self, path: &str, content: &str) -> Result<(), FsError> {
        self.write_owned(path.to_string(), content.to_string())
    }
    /// Like [`ContainerFs::write`], taking the path and content it stores.
    pub fn write_owned(&mut self, path: String, content: String) -> Result<(), FsError> {
        if self.is_dir(&path) {
            return Err(FsError::IsDirectory);
        }
        let dir = parent(&path);
        if !self.is_dir(dir) {
            return Err(if self.is_file(dir) {
                FsError::NotADirectory
            } else {
                FsError::NotFound
            });
        }
        self.files.insert(Cow::Owned(path), Cow::Owned(content));
        Ok(())
    }
    /// Hides everything below `dir` (a mount over it), keeping `dir` itself.
    pub fn hide_below(&mut self, dir: &str) {
        // Everything stored has its directory stored: nothing is below a directory that
        // does not exist (the usual case: the service-account token's mount point).
        if !self.is_dir(dir) {
            return;
        }
        let prefix = format!("{dir}/");
        let below = |p: &str| p.starts_with(prefix.as_str());
        if self
            .files
            .range::<str, _>((Included(prefix.as_str()), Unbounded))
            .next()
            .is_some_and(|(k, _)| below(k))
        {
            self.files.retain(|p, _| !below(p));
        }
        if self
            .dirs
            .range::<str, _>((Included(prefix.as_str()), Unbounded))
            .next()
            .is_some_and(|d| below(d))
        {
            self.dirs.retain(|d| !below(d));
        }
    }
    /// Like [`ContainerFs::write`] for image content known at compile time (no copy).
    pub fn write_static(&mut self, path: &'static str, content: &'static str) {
        if self.is_dir(parent(path)) && !self.is_dir(path) {
            self.files
                .insert(Cow::Borrowed(path), Cow::Borrowed(content));
        }
    }
    /// `mkdir -p` of a path known at compile time.
    pub fn mkdir_static(&mut self, path: &'static str) {
        let mut end = 0;
        while let Some(i) = path[end + 1..].find('/') {
            end += i + 1;
            self.dirs.insert(Cow::Borrowed(&path[..end]));
        }
        if !path.is_empty() && path != "/" {
            self.dirs.insert(Cow::Borrowed(path));
        }
    }
    /// Appends to a file, creating it if needed.
    pub fn append(&mut self, path: &str, content: &str) -> Result<(), FsError> {
        let mut current = match self.read(path) {
            Ok(c) => c.to_string(),
            Err(FsError::NotFound) => String::new(),
            Err(e) => return Err(e),
        };
        current.push_str(content);
        self.write(path, &current)
    }
    /// Creates a directory and its parents (`mkdir -p`).
    pub fn mkdir_p(&mut self, path: &str) -> Result<(), FsError> {
        // The components, as prefixes of a normalised copy (`/a//b` → `/a/b`).
        let mut norm = String::with_capacity(path.len() + 1);
        let mut ends = Vec::new();
        for p in path.split('/').filter(|p| !p.is_empty()) {
            norm.push('/');
            norm.push_str(p);
            ends.push(norm.len());
        }
        // The deepest directory that exists, searched from the end: usually the parent.
        let mut have = ends.len();
        while have > 0 && !self.dirs.contains(&norm[..ends[have - 1]]) {
            have -= 1;
        }
        if let Some(&end) = ends.get(have) {
            // The first missing component may be a file; below a directory just made, nothing
            // exists (everything stored has its directory stored).
            if self.is_file(&norm[..end]) {
                return Err(FsError::NotADirectory);
            }
        }
        for &end in &ends[have..] {
            self.dirs.insert(Cow::Owned(norm[..end].to_string()));
        }
        Ok(())
    }
    /// Removes a file, or a directory with everything below it when `recursive`.
    pub fn remove(&mut self, path: &str, recursive: bool) -> Result<(), FsError> {
        if self.files.remove(path).is_some() {
            return Ok(());
        }
        if !self.is_dir(path) || path == "/" {
            return Err(FsError::NotFound);
        }
        let prefix = format!("{path}/");
        let has_children = self.files.keys().any(|k| k.starts_with(&prefix))
            || self.dirs.iter().any(|d| d.starts_with(&prefix));
        if has_children && !recursive {
            return Err(FsError::NotEmpty);
        }
        if !recursive {
            return Err(FsError::IsDirectory);
        }
        self.files.retain(|k, _| !k.starts_with(&prefix));
        self.dirs
            .retain(|d| !d.starts_with(&prefix) && d.as_ref() != path);
        Ok(())
    }
    /// Names directly inside a directory, sorted.
    pub fn list(&self, dir: &str) -> Result<Vec<String>, FsError> {
        if self.is_file(dir) {
            return Ok(vec![dir.rsplit('/').next().unwrap_or(dir).to_string()]);
        }
        if !self.is_dir(dir) {
            return Err(FsError::NotFound);
        }
        let prefix = if dir == "/" {
            "/".to_string()
        } else {
            format!("{dir}/")
        };
        let mut names = BTreeSet::new();
        for p in self
            .files
            .keys()
            .map(|k| k.as_ref())
            .chain(self.dirs.iter().map(|d| d.as_ref()))
        {
            if let Some(rest) = p.strip_prefix(&prefix) {
                if !rest.is_empty() && !rest.contains('/') {
                    names.insert(rest.to_string());
                }
            }
        }
        Ok(names.into_iter().collect())
    }
}

/// What the kubelet knows about a pod when it sets up a container's files.
pub struct PodContext<'a> {
    pub pod_name: &'a str,
    pub pod_ip: &'a str,
    pub host_network: bool,
    pub node_name: &'a str,
    /// `/etc/resolv.conf` as the kubelet's DNS configurer renders it for the pod.
    pub resolv_conf: &'a str,
}

const NGINX_INDEX_NEW: &str = "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n<style>\nhtml { color-scheme: light dark; }\nbody { width: 35em; margin: 0 auto;\nfont-family: Tahoma, Verdana, Arial, sans-serif; }\n</style>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web server is successfully installed and\nworking. Further configuration is required.</p>\n\n<p>For online documentation and support please refer to\n<a href=\"http://nginx.org/\">nginx.org</a>.<br/>\nCommercial support is available at\n<a href=\"http://nginx.com/\">nginx.com</a>.</p>\n\n<p><em>Thank you for using nginx.</em></p>\n</body>\n</html>\n";

const MARVEL_INDEX: &str = "<html>\n<head>\n  <title>marvel heroes</title>\n</head>\n<body>\n  <center>\n     <br>\n    <p style=\"color:red;\">Marvel Entertainment/Marvel Studios</p>\n  </center>\n</body>\n</html>\n";
const NGINX_INDEX_OLD: &str = "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n<style>\n    body {\n        width: 35em;\n        margin: 0 auto;\n        font-family: Tahoma, Verdana, Arial, sans-serif;\n    }\n</style>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web server is successfully installed and\nworking. Further configuration is required.</p>\n\n<p>For online documentation and support please refer to\n<a href=\"http://nginx.org/\">nginx.org</a>.<br/>\nCommercial support is available at\n<a href=\"http://nginx.com/\">nginx.com</a>.</p>\n\n<p><em>Thank you for using nginx.</em></p>\n</body>\n</html>\n";

const NGINX_50X: &str = "<!DOCTYPE html>\n<html>\n<head>\n<title>Error</title>\n<style>\nhtml { color-scheme: light dark; }\nbody { width: 35em; margin: 0 auto;\nfont-family: Tahoma, Verdana, Arial, sans-serif; }\n</style>\n</head>\n<body>\n<h1>An error occurred.</h1>\n<p>Sorry, the page you are looking for is currently unavailable.<br/>\nPlease try again later.</p>\n<p>If you are the system administrator of this resource then you should check\nthe error log for details.</p>\n<p><em>Faithfully yours, nginx.</em></p>\n</body>\n</html>\n";

const NGINX_CONF: &str = "\nuser  nginx;\nworker_processes  auto;\n\nerror_log  /var/log/nginx/error.log notice;\npid        /run/nginx.pid;\n\n\nevents {\n    worker_connections  1024;\n}\n\n\nhttp {\n    include       /etc/nginx/mime.types;\n    default_type  application/octet-stream;\n\n    log_format  main  '$remote_addr - $remote_user [$time_local] \"$request\" '\n                      '$status $body_bytes_sent \"$http_referer\" '\n                      '\"$http_user_agent\" \"$http_x_forwarded_for\"';\n\n    access_log  /var/log/nginx/access.log  main;\n\n    sendfile        on;\n    #tcp_nopush     on;\n\n    keepalive_timeout  65;\n\n    #gzip  on;\n\n    include /etc/nginx/conf.d/*.conf;\n}\n";

/// nginx.conf of the images before 1.19 (nginx.org packages of 2018-2019): one worker, and
/// `warn` as the error-log level, so neither start-up nor shutdown notices are logged.
const NGINX_CONF_OLD: &str = "\nuser  nginx;\nworker_processes  1;\n\nerror_log  /var/log/nginx/error.log warn;\npid        /var/run/nginx.pid;\n\n\nevents {\n    worker_connections  1024;\n}\n\n\nhttp {\n    include       /etc/nginx/mime.types;\n    default_type  application/octet-stream;\n\n    log_format  main  '$remote_addr - $remote_user [$time_local] \"$request\" '\n                      '$status $body_bytes_sent \"$http_referer\" '\n                      '\"$http_user_agent\" \"$http_x_forwarded_for\"';\n\n    access_log  /var/log/nginx/access.log  main;\n\n    sendfile        on;\n    #tcp_nopush     on;\n\n    keepalive_timeout  65;\n\n    #gzip  on;\n\n    include /etc/nginx/conf.d/*.conf;\n}\n";

/// default.conf before 1.19 (no entrypoint script adding `listen [::]:80`).
const NGINX_DEFAULT_CONF_OLD: &str = "server {\n    listen       80;\n    server_name  localhost;\n\n    #charset koi8-r;\n    #access_log  /var/log/nginx/host.access.log  main;\n\n    location / {\n        root   /usr/share/nginx/html;\n        index  index.html index.htm;\n    }\n\n    #error_page  404              /404.html;\n\n    # redirect server error pages to the static page /50x.html\n    #\n    error_page   500 502 503 504  /50x.html;\n    location = /50x.html {\n        root   /usr/share/nginx/html;\n    }\n\n    # proxy the PHP scripts to Apache listening on 127.0.0.1:80\n    #\n    #location ~ \\.php$ {\n    #    proxy_pass   http://127.0.0.1;\n    #}\n\n    # pass the PHP scripts to FastCGI server listening on 127.0.0.1:9000\n    #\n    #location ~ \\.php$ {\n    #    root           html;\n    #    fastcgi_pass   127.0.0.1:9000;\n    #    fastcgi_index  index.php;\n    #    fastcgi_param  SCRIPT_FILENAME  /scripts$fastcgi_script_name;\n    #    include        fastcgi_params;\n    #}\n\n    # deny access to .htaccess files, if Apache's document root\n    # concurs with nginx's one\n    #\n    #location ~ /\\.ht {\n    #    deny  all;\n    #}\n}\n\n";

const NGINX_DEFAULT_CONF: &str = "server {\n    listen       80;\n    listen  [::]:80;\n    server_name  localhost;\n\n    #access_log  /var/log/nginx/host.access.log  main;\n\n    location / {\n        root   /usr/share/nginx/html;\n        index  index.html index.htm;\n    }\n\n    #error_page  404              /404.html;\n\n    # redirect server error pages to the static page /50x.html\n    #\n    error_page   500 502 503 504  /50x.html;\n    location = /50x.html {\n        root   /usr/share/nginx/html;\n    }\n\n    # proxy the PHP scripts to Apache httpd\n    #\n    #location ~ \\.php$ {\n    #    proxy_pass   http://127.0.0.1;\n    #}\n\n    # pass the PHP scripts to FastCGI server listening on 127.0.0.1:9000\n    #\n    #location ~ \\.php$ {\n    #    root           html;\n    #    fastcgi_pass   127.0.0.1:9000;\n    #    fastcgi_index  index.php;\n    #    fastcgi_param  SCRIPT_FILENAME  /scripts$fastcgi_script_name;\n    #    include        fastcgi_params;\n    #}\n\n    # deny access to .htaccess files, if Apache's document root\n    # concurs with nginx's one\n    #\n    #location ~ /\\.ht {\n    #    deny  all;\n    #}\n}\n\n";

/// `/etc/os-release` of a base distribution (`None`: the image has none, like busybox).
pub fn os_release(base: Base) -> Option<&'static str> {
    Some(match base {
        Base::Debian => "PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"13\"\nVERSION=\"13 (trixie)\"\nVERSION_CODENAME=trixie\nDEBIAN_VERSION_FULL=13.2\nID=debian\nHOME_URL=\"https://www.debian.org/\"\nSUPPORT_URL=\"https://www.debian.org/support\"\nBUG_REPORT_URL=\"https://bugs.debian.org/\"\n",
        Base::Alpine => "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.22.2\nPRETTY_NAME=\"Alpine Linux v3.22\"\nHOME_URL=\"https://alpinelinux.org/\"\nBUG_REPORT_URL=\"https://gitlab.alpinelinux.org/alpine/aports/-/issues\"\n",
        Base::Centos => "NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"7\"\nPRETTY_NAME=\"CentOS Linux 7 (Core)\"\nANSI_COLOR=\"0;31\"\nCPE_NAME=\"cpe:/o:centos:centos:7\"\nHOME_URL=\"https://www.centos.org/\"\nBUG_REPORT_URL=\"https://bugs.centos.org/\"\n\nCENTOS_MANTISBT_PROJECT=\"CentOS-7\"\nCENTOS_MANTISBT_PROJECT_VERSION=\"7\"\nREDHAT_SUPPORT_PRODUCT=\"centos\"\nREDHAT_SUPPORT_PRODUCT_VERSION=\"7\"\n\n",
        Base::Ubuntu => "PRETTY_NAME=\"Ubuntu 24.04.3 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\nVERSION=\"24.04.3 LTS (Noble Numbat)\"\nVERSION_CODENAME=noble\nID=ubuntu\nID_LIKE=debian\nHOME_URL=\"https://www.ubuntu.com/\"\nSUPPORT_URL=\"https://help.ubuntu.com/\"\nBUG_REPORT_URL=\"https://bugs.launchpad.net/ubuntu/\"\nPRIVACY_POLICY_URL=\"https://www.ubuntu.com/legal/terms-and-policies/privacy-policy\"\nUBUNTU_CODENAME=noble\nLOGO=ubuntu-logo\n",
        Base::OracleLinux => "NAME=\"Oracle Linux Server\"\nVERSION=\"9.6\"\nID=\"ol\"\nID_LIKE=\"fedora\"\nVARIANT=\"Server\"\nVARIANT_ID=\"server\"\nVERSION_ID=\"9.6\"\nPLATFORM_ID=\"platform:el9\"\nPRETTY_NAME=\"Oracle Linux Server 9.6\"\nANSI_COLOR=\"0;31\"\nCPE_NAME=\"cpe:/o:oracle:linux:9:6:server\"\nHOME_URL=\"https://linux.oracle.com/\"\nBUG_REPORT_URL=\"https://github.com/oracle/oracle-linux\"\n",
        Base::BusyBox | Base::Distroless => return None,
    })
}

/// The image's own files: the same for every container of the image, so a kubelet builds
/// them once per image (see [`ResolvedImage::layer`]) and each container starts from a copy
/// that shares the `'static` names and contents.
pub fn image_layer(image: &ResolvedImage) -> ContainerFs {
    let mut fs = ContainerFs::new();
    let base = image.base;
    let standard = [
        "/bin",
        "/dev",
        "/etc",
        "/home",
        "/proc",
        "/root",
        "/run",
        "/sys",
        "/tmp",
        "/usr",
        "/usr/bin",
        "/usr/sbin",
        "/usr/local",
        "/usr/local/bin",
        "/usr/share",
        "/var",
        "/var/log",
        "/var/run",
        "/var/tmp",
        "/lib",
        "/sbin",
        "/opt",
        "/mnt",
        "/srv",
        "/media",
    ];
    fs.dirs.extend(standard.iter().map(|d| Cow::Borrowed(*d)));
    if base == Base::Distroless {
        fs.dirs.retain(|d| {
            [
                "/", "/dev", "/etc", "/proc", "/sys", "/var", "/var/run", "/run", "/tmp",
            ]
            .contains(&d.as_ref())
        });
    }
    if let Some(rel) = os_release(base) {
        fs.write_static("/etc/os-release", rel);
    }
    if base != Base::Distroless {
        fs.write_static("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
    }
    match image.entry.app {
        App::Nginx => {
            let version = image
                .env
                .iter()
                .find(|(k, _)| k == "NGINX_VERSION")
                .map_or("1.29.3", |(_, v)| v.as_str());
            let minor: u32 = version
                .split('.')
                .nth(1)
                .and_then(|m| m.parse().ok())
                .unwrap_or(29);
            fs.mkdir_static("/usr/share/nginx/html");
            fs.mkdir_static("/etc/nginx/conf.d");
            fs.mkdir_static("/var/log/nginx");
            fs.mkdir_static("/var/cache/nginx");
            let index = if minor >= 21 {
                NGINX_INDEX_NEW
            } else {
                NGINX_INDEX_OLD
            };
            fs.write_static("/usr/share/nginx/html/index.html", index);
            if image.entry.name == "docker.io/smlinux/marvel" {
                // The page seed 004 shows through its Ingress.
                fs.write_static("/usr/share/nginx/html/index.html", MARVEL_INDEX);
            }
            fs.write_static("/usr/share/nginx/html/50x.html", NGINX_50X);
            let old = minor < 19;
            fs.write_static(
                "/etc/nginx/nginx.conf",
                if old { NGINX_CONF_OLD } else { NGINX_CONF },
            );
            fs.write_static(
                "/etc/nginx/conf.d/default.conf",
                if old {
                    NGINX_DEFAULT_CONF_OLD
                } else {
                    NGINX_DEFAULT_CONF
                },
            );
            fs.write_static("/etc/nginx/mime.types", "\ntypes {\n    text/html                                        html htm shtml;\n    text/css                                         css;\n    application/javascript                           js;\n    application/json                                 json;\n    image/png                                        png;\n}\n");
            if minor >= 19 && !image.entrypoint.is_empty() {
                fs.mkdir_static("/docker-entrypoint.d");
                fs.write_static(
                    "/docker-entrypoint.sh",
                    "#!/bin/sh\n# vim:sw=4:ts=4:et\n\nset -e\n",
                );
                for s in [
                    "/docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
                    "/docker-entrypoint.d/15-local-resolvers.envsh",
                    "/docker-entrypoint.d/20-envsubst-on-templates.sh",
                    "/docker-entrypoint.d/30-tune-worker-processes.sh",
                ] {
                    fs.write_static(s, "#!/bin/sh\n");
                }
            }
        }
        App::Httpd => {
            fs.mkdir_static("/usr/local/apache2/htdocs");
            fs.mkdir_static("/usr/local/apache2/conf");
            fs.mkdir_static("/usr/local/apache2/logs");
            fs.write_static(
                "/usr/local/apache2/htdocs/index.html",
                "<html><body><h1>It works!</h1></body></html>\n",
            );
            fs.write_static("/usr/local/apache2/conf/httpd.conf", "ServerRoot \"/usr/local/apache2\"\nListen 80\nDocumentRoot \"/usr/local/apache2/htdocs\"\n");
        }
        App::AppJs => {
            fs.write_static("/app.js", "const http = require('http');\nconst os = require('os');\nconsole.log(\"Test server starting...\");\nvar handler = function(request, response) {\n  response.writeHead(200);\n  response.end(\"Container Hostname: \" + os.hostname() + \"\\n\");\n};\nvar www = http.createServer(handler);\nwww.listen(8080);\n");
        }
        App::Redis => {
            fs.mkdir_static("/data");
        }
        App::Mysql => {
            fs.mkdir_static("/var/lib/mysql");
            fs.mkdir_static("/etc/mysql/conf.d");
        }
        App::Postgres => {
            fs.mkdir_static("/var/lib/postgresql/data");
        }
        App::Mongo => {
            fs.mkdir_static("/data/db");
        }
        App::Fluentd => {
            fs.mkdir_static("/fluentd/etc");
            fs.mkdir_static("/fluentd/log");
            fs.write_static("/fluentd/etc/fluent.conf", "<source>\n  @type  forward\n  @id    input1\n  @label @mainstream\n  port  24224\n</source>\n\n<filter **>\n  @type stdout\n</filter>\n\n<label @mainstream>\n  <match docker.**>\n    @type file\n    @id   output_docker1\n    path         /fluentd/log/docker.*.log\n  </match>\n</label>\n");
        }
        _ => {}
    }
    fs
}

/// Builds the filesystem a new container of `image` sees in the pod described by `ctx`: the
/// image layer plus the files the kubelet writes per pod (hostname, hosts, resolv.conf).
/// API-backed volumes, the service-account token among them, are mounted afterwards by
/// [`super::config_volumes::mount`].
pub fn seed(image: &ResolvedImage, ctx: &PodContext<'_>) -> ContainerFs {
    let mut fs = image.layer.clone();
    let _ = fs.write(
        "/etc/hostname",
        &format!(
            "{}\n",
            if ctx.host_network {
                ctx.node_name
            } else {
                ctx.pod_name
            }
        ),
    );
    let hosts = if ctx.host_network {
        format!("# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n127.0.1.1 {node}\n\n# The following lines are desirable for IPv6 capable hosts\n::1     ip6-localhost ip6-loopback\nfe00::0 ip6-localnet\nff00::0 ip6-mcastprefix\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n", node = ctx.node_name)
    } else {
        format!("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n{}\t{}\n", ctx.pod_ip, ctx.pod_name)
    };
    let _ = fs.write("/etc/hosts", &hosts);
    let _ = fs.write("/etc/resolv.conf", ctx.resolv_conf);
    fs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_read_list_remove() {
        let mut fs = ContainerFs::new();
        fs.mkdir_p("/tmp/a").unwrap();
        fs.write("/tmp/a/x", "1").unwrap();
        assert_eq!(fs.write("/nope/x", "1"), Err(FsError::NotFound));
        fs.append("/tmp/a/x", "2").unwrap();
        assert_eq!(fs.read("/tmp/a/x").unwrap(), "12");
        assert_eq!(fs.list("/tmp").unwrap(), vec!["a".to_string()]);
        assert_eq!(fs.remove("/tmp/a", false), Err(FsError::NotEmpty));
        fs.remove("/tmp/a", true).unwrap();
        assert!(!fs.exists("/tmp/a/x"));
        assert_eq!(normalize("/tmp", "../etc//hosts"), "/etc/hosts");
    }

    #[test]
    fn mkdir_p_makes_the_missing_parents_and_stops_at_a_file() {
        let mut fs = ContainerFs::new();
        fs.mkdir_p("/var//run/secrets/kubernetes.io/serviceaccount/")
            .unwrap();
        for d in [
            "/var",
            "/var/run",
            "/var/run/secrets",
            "/var/run/secrets/kubernetes.io",
        ] {
            assert!(fs.is_dir(d), "{d}");
        }
        assert!(fs.is_dir("/var/run/secrets/kubernetes.io/serviceaccount"));
        fs.write("/var/run/f", "x").unwrap();
        assert_eq!(fs.mkdir_p("/var/run/f/a/b"), Err(FsError::NotADirectory));
        assert_eq!(fs.mkdir_p("/var/run/f"), Err(FsError::NotADirectory));
        assert!(!fs.is_dir("/var/run/f/a"));
        let before = fs.clone();
        fs.mkdir_p("/").unwrap();
        fs.mkdir_p("/var/run").unwrap();
        assert_eq!(fs, before);
    }
}
