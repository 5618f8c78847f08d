//! The image catalogue: which repositories and tags "exist" in the simulated registries, how
//! big they are, how long a pull takes, for which CPU architectures they are built, and what
//! they run (entrypoint, cmd, environment, base distribution).
//!
//! References are normalised as containerd does: `nginx` is `docker.io/library/nginx:latest`,
//! `k8s.gcr.io/pause:3.9` is served by `registry.k8s.io/pause:3.9`.

use crate::preset::{Cni, Preset};

/// A parsed, normalised image reference.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ImageRef {
    /// `docker.io`, `registry.k8s.io`, `quay.io`, ...
    pub registry: String,
    /// The repository path inside the registry: `library/nginx`, `pause`.
    pub path: String,
    /// The tag (`latest` when none was given).
    pub tag: String,
    /// `sha256:...` when the reference pins a digest.
    pub digest: Option<String>,
}

/// Why a reference does not parse (containerd/docker `reference` wording).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    #[error("invalid reference format")]
    Invalid,
    #[error("invalid reference format: repository name ({0}) must be lowercase")]
    Uppercase(String),
}

impl ImageRef {
    /// Parses and normalises an image reference.
    ///
    /// Worked example: `"nginx"` → `docker.io/library/nginx:latest`;
    /// `"smlinux/appjs:v1"` → `docker.io/smlinux/appjs:v1`;
    /// `"localhost:5000/app"` → registry `localhost:5000`, path `app`, tag `latest`.
    pub fn parse(s: &str) -> Result<ImageRef, RefError> {
        let s = s.trim();
        if s.is_empty() || s.contains(char::is_whitespace) {
            return Err(RefError::Invalid);
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => {
                if !d.starts_with("sha256:") || d.len() != 71 {
                    return Err(RefError::Invalid);
                }
                (r, Some(d.to_string()))
            }
            None => (s, None),
        };
        // The tag is after the last ':' that comes after the last '/'.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
            None => (rest, None),
        };
        if let Some(t) = tag {
            let ok = !t.is_empty()
                && t.len() <= 128
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
                && !t.starts_with(['.', '-']);
            if !ok {
                return Err(RefError::Invalid);
            }
        }
        let mut parts: Vec<&str> = name.split('/').collect();
        let registry = if parts.len() > 1
            && (parts[0].contains('.') || parts[0].contains(':') || parts[0] == "localhost")
        {
            parts.remove(0).to_string()
        } else {
            "docker.io".to_string()
        };
        if parts.iter().any(|p| p.is_empty()) {
            return Err(RefError::Invalid);
        }
        let mut path = parts.join("/");
        if registry == "docker.io" && parts.len() == 1 {
            path = format!("library/{path}");
        }
        if path.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(RefError::Uppercase(path));
        }
        if !path
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c))
        {
            return Err(RefError::Invalid);
        }
        let registry = match registry.as_str() {
            "index.docker.io" | "registry-1.docker.io" => "docker.io".to_string(),
            _ => registry,
        };
        Ok(ImageRef {
            registry,
            path,
            tag: tag.unwrap_or("latest").to_string(),
            digest,
        })
    }

    /// `docker.io/library/nginx`
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.path)
    }

    /// `docker.io/library/nginx:1.14` (or `name@sha256:...` for digest references), as
    /// containerd reports the image of a running container.
    pub fn full(&self) -> String {
        let (sep, rest) = match &self.digest {
            Some(d) => ('@', d.as_str()),
            None => (':', self.tag.as_str()),
        };
        // The kubelet asks for this on every sync of a pending container: concatenated.
        let mut s = String::with_capacity(self.registry.len() + self.path.len() + rest.len() + 2);
        s.push_str(&self.registry);
        s.push('/');
        s.push_str(&self.path);
        s.push(sep);
        s.push_str(rest);
        s
    }

    /// The registry host, path and tag under which the catalogue knows the image:
    /// `k8s.gcr.io` and `gcr.io/google-containers` moved to `registry.k8s.io`.
    fn canonical_name(&self) -> String {
        match self.registry.as_str() {
            "k8s.gcr.io" => format!("registry.k8s.io/{}", self.path),
            "gcr.io"
                if self.path.starts_with("google-containers/")
                    || self.path.starts_with("google_containers/") =>
            {
                format!("registry.k8s.io/{}", &self.path[18..])
            }
            _ => self.name(),
        }
    }
}

/// The base distribution of an image: it decides which commands exist and which
/// `/etc/os-release` the container sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    /// Debian 12 (bookworm), with bash and coreutils; `with_curl` for the nginx images.
    Debian,
    /// Alpine Linux, busybox userland.
    Alpine,
    /// The busybox image: busybox applets only.
    BusyBox,
    /// CentOS 7/8 with bash, coreutils, yum and curl.
    Centos,
    /// Ubuntu 24.04 with bash and coreutils.
    Ubuntu,
    /// Oracle Linux (mysql 8 images).
    OracleLinux,
    /// Distroless or scratch: no shell at all (Kubernetes components, pause).
    Distroless,
}

/// What a container of the image does when started with its own entrypoint and cmd.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum App {
    Nginx,
    Httpd,
    Redis,
    Mysql,
    Postgres,
    Mongo,
    Memcached,
    AppJs,
    Fluentd,
    Jupyter,
    Agnhost,
    EchoServer,
    HttpEcho,
    Stress,
    VishStress,
    Perl,
    Java,
    Pause,
    /// A Kubernetes system component (etcd, kube-apiserver, coredns, kube-proxy, CNI).
    System,
    /// An image whose default command is a shell or interpreter.
    Shell,
    Curl,
    /// bind's `dig`, `host` and `nslookup` on a shell image (dnsutils images).
    DnsUtils,
}

/// One repository of the catalogue.
#[derive(Debug)]
pub struct CatalogueEntry {
    /// Normalised name, e.g. `docker.io/library/nginx`.
    pub name: &'static str,
    /// Tags that exist; `*` accepts any tag (system images with version tags).
    pub tags: &'static [&'static str],
    /// Compressed size in bytes, as `Image size:` reports it.
    pub size: u64,
    /// Typical pull duration in milliseconds of simulated time.
    pub pull_ms: u64,
    pub entrypoint: &'static [&'static str],
    pub cmd: &'static [&'static str],
    pub env: &'static [(&'static str, &'static str)],
    pub base: Base,
    pub app: App,
    /// Architectures the image is built for.
    pub archs: &'static [&'static str],
}

const MULTI: &[&str] = &["amd64", "arm64"];
const PATH_STD: (&str, &str) = (
    "PATH",
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
);

macro_rules! entry {
    ($name:literal, [$($tag:literal),*], $size:expr, $pull:expr, [$($ep:literal),*], [$($cmd:literal),*], [$(($k:literal, $v:literal)),*], $base:ident, $app:ident) => {
        entry!($name, [$($tag),*], $size, $pull, [$($ep),*], [$($cmd),*], [$(($k, $v)),*], $base, $app, MULTI)
    };
    ($name:literal, [$($tag:literal),*], $size:expr, $pull:expr, [$($ep:literal),*], [$($cmd:literal),*], [$(($k:literal, $v:literal)),*], $base:ident, $app:ident, $archs:expr) => {
        CatalogueEntry {
            name: $name,
            tags: &[$($tag),*],
            size: $size,
            pull_ms: $pull,
            entrypoint: &[$($ep),*],
            cmd: &[$($cmd),*],
            env: &[PATH_STD, $(($k, $v)),*],
            base: Base::$base,
            app: App::$app,
            archs: $archs,
        }
    };
}

/// Every repository the simulated registries serve.
pub static CATALOGUE: &[CatalogueEntry] = &[
    entry!("docker.io/library/nginx",
        ["latest", "1.7.9", "1.14", "1.14.2", "1.15", "1.16", "1.17", "1.18", "1.19", "1.20", "1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27", "1.28", "1.29",
         "1.25.3", "1.27.4", "1.29.3", "stable", "mainline", "alpine", "1.14-alpine", "1.25-alpine", "1.27-alpine", "1.29-alpine", "stable-alpine", "alpine-slim", "perl", "bookworm", "trixie"],
        72_195_292, 4_800, ["/docker-entrypoint.sh"], ["nginx", "-g", "daemon off;"], [("NGINX_VERSION", "1.29.3"), ("NJS_VERSION", "0.9.4"), ("NJS_RELEASE", "1~trixie"), ("PKG_RELEASE", "1~trixie"), ("DYNPKG_RELEASE", "1~trixie")], Debian, Nginx),
    entry!("docker.io/library/httpd", ["latest", "2.4", "2.4.65", "2", "alpine", "2.4-alpine", "bookworm", "trixie"], 45_211_602, 4_200,
        [], ["httpd-foreground"], [("HTTPD_PREFIX", "/usr/local/apache2"), ("HTTPD_VERSION", "2.4.65"), ("HTTPD_SHA256", "58b8be97d9940ec17f7656c0c6b9f41b618aac468b894b534148e3296c53b8b3"), ("HTTPD_PATCHES", "")], Debian, Httpd),
    entry!("docker.io/library/busybox", ["latest", "1.25", "1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36", "1.36.1", "1.37", "1.37.0", "stable", "musl", "glibc", "uclibc"],
        2_222_260, 1_600, [], ["sh"], [], BusyBox, Shell),
    entry!("docker.io/library/alpine", ["latest", "3", "3.14", "3.16", "3.17", "3.18", "3.19", "3.20", "3.21", "3.22", "edge"], 3_653_068, 1_400,
        [], ["/bin/sh"], [], Alpine, Shell),
    entry!("docker.io/library/centos", ["latest", "7", "8", "centos7", "centos8", "7.9.2009", "8.4.2105"], 76_097_157, 21_000,
        [], ["/bin/bash"], [], Centos, Shell, &["amd64", "arm64"]),
    entry!("docker.io/library/ubuntu", ["latest", "18.04", "20.04", "22.04", "24.04", "25.04", "bionic", "focal", "jammy", "noble"], 29_724_688, 3_100,
        [], ["/bin/bash"], [], Ubuntu, Shell),
    entry!("docker.io/library/debian", ["latest", "10", "11", "12", "13", "buster", "bullseye", "bookworm", "trixie", "bookworm-slim", "trixie-slim", "stable-slim"], 48_494_272, 3_800,
        [], ["bash"], [], Debian, Shell),
    entry!("docker.io/library/redis", ["latest", "6", "6.2", "7", "7.0", "7.2", "7.4", "8", "8.0", "8.2", "alpine", "7-alpine"], 49_453_632, 4_100,
        ["docker-entrypoint.sh"], ["redis-server"], [("REDIS_DOWNLOAD_URL", "https://github.com/redis/redis/archive/refs/tags/8.2.3.tar.gz")], Debian, Redis),
    entry!("docker.io/library/mysql", ["latest", "5.7", "5.7.44", "8", "8.0", "8.0.44", "8.4", "9", "9.5", "lts"], 234_960_718, 14_000,
        ["docker-entrypoint.sh"], ["mysqld"], [("GOSU_VERSION", "1.19"), ("MYSQL_MAJOR", "8.4"), ("MYSQL_VERSION", "8.4.7-1.el9"), ("MYSQL_SHELL_VERSION", "8.4.7-1.el9")], OracleLinux, Mysql),
    entry!("docker.io/library/postgres", ["latest", "13", "14", "15", "16", "17", "18", "alpine", "16-alpine", "17-alpine"], 158_912_120, 9_000,
        ["docker-entrypoint.sh"], ["postgres"], [("GOSU_VERSION", "1.19"), ("LANG", "en_US.utf8"), ("PG_MAJOR", "18"), ("PG_VERSION", "18.1-1.pgdg13+2"), ("PGDATA", "/var/lib/postgresql/18/docker")], Debian, Postgres),
    entry!("docker.io/library/mongo", ["latest", "5", "6", "7", "8", "4.4", "6.0", "7.0", "8.0"], 301_552_384, 17_000,
        ["docker-entrypoint.sh"], ["mongod"], [("GOSU_VERSION", "1.19"), ("JSYAML_VERSION", "3.13.1"), ("MONGO_PACKAGE", "mongodb-org"), ("MONGO_REPO", "repo.mongodb.org"), ("MONGO_MAJOR", "8.0"), ("MONGO_VERSION", "8.0.16"), ("HOME", "/data/db")], Ubuntu, Mongo),
    entry!("docker.io/library/memcached", ["latest", "1", "1.6", "alpine", "1.6-alpine"], 31_842_107, 2_900,
        ["docker-entrypoint.sh"], ["memcached"], [("MEMCACHED_VERSION", "1.6.39")], Debian, Memcached),
    entry!("docker.io/smlinux/appjs", ["latest", "v1", "v2", "v3"], 275_231_744, 13_000,
        [], ["node", "app.js"], [("NODE_VERSION", "8.17.0"), ("YARN_VERSION", "1.21.1")], Debian, AppJs),
    entry!("docker.io/smlinux/marvel", ["latest"], 53_102_117, 4_300, ["/docker-entrypoint.sh"], ["nginx", "-g", "daemon off;"], [("NGINX_VERSION", "1.21.6")], Debian, Nginx),
    entry!("docker.io/smlinux/thor", ["latest"], 53_102_201, 4_300, ["/docker-entrypoint.sh"], ["nginx", "-g", "daemon off;"], [("NGINX_VERSION", "1.21.6")], Debian, Nginx),
    entry!("docker.io/smlinux/nodeinfo", ["latest", "v1", "v2"], 275_231_907, 13_000, [], ["node", "app.js"], [("NODE_VERSION", "8.17.0")], Debian, AppJs),
    entry!("docker.io/tensorflow/tensorflow", ["latest", "nightly", "latest-gpu", "nightly-gpu", "2.15.0", "2.16.1", "2.17.0", "2.17.1", "2.18.0", "2.18.1", "2.19.0", "2.20.0",
         "2.15.0-gpu", "2.16.1-gpu", "2.17.0-gpu", "2.18.0-gpu", "2.19.0-gpu", "2.20.0-gpu"], 1_861_447_936, 62_000,
        [], ["bash"], [("LANG", "C.UTF-8")], Ubuntu, Shell, &["amd64"]),
    // The `-jupyter` tags of the same repository run Jupyter Notebook in /tf on port 8888
    // (CMD of tensorflow's cpu-jupyter.Dockerfile).
    entry!("docker.io/tensorflow/tensorflow", ["latest-jupyter", "nightly-jupyter", "latest-gpu-jupyter", "nightly-gpu-jupyter",
         "2.15.0-jupyter", "2.16.1-jupyter", "2.17.0-jupyter", "2.17.1-jupyter", "2.18.0-jupyter", "2.18.1-jupyter", "2.19.0-jupyter", "2.20.0-jupyter",
         "2.15.0-gpu-jupyter", "2.16.1-gpu-jupyter", "2.17.0-gpu-jupyter", "2.18.0-gpu-jupyter", "2.19.0-gpu-jupyter", "2.20.0-gpu-jupyter"], 1_923_118_512, 64_000,
        [], ["bash", "-c", "source /etc/bash.bashrc && jupyter notebook --notebook-dir=/tf --ip 0.0.0.0 --no-browser --allow-root"], [("LANG", "C.UTF-8")], Ubuntu, Jupyter, &["amd64"]),
    entry!("docker.io/library/fluentd", ["latest", "v1.16-1", "v1.17-1", "v1.18-1", "edge"], 58_004_812, 5_200,
        ["tini", "--", "/bin/entrypoint.sh"], ["fluentd"], [("FLUENTD_CONF", "fluent.conf"), ("LD_PRELOAD", "")], Debian, Fluentd),
    entry!("docker.io/fluent/fluentd", ["latest", "v1.16-1", "v1.16-debian-1", "v1.17-1", "v1.17-debian-1", "v1.18-1", "v1.18-debian-1", "edge"], 58_004_812, 5_200,
        ["tini", "--", "/bin/entrypoint.sh"], ["fluentd"], [("FLUENTD_CONF", "fluent.conf"), ("LD_PRELOAD", "")], Debian, Fluentd),
    entry!("quay.io/fluentd_elasticsearch/fluentd", ["v2.5.2", "v3.4.0", "v4.7.2", "v5.0.4"], 140_337_551, 8_000,
        [], ["/run.sh"], [], Debian, Fluentd),
    entry!("registry.k8s.io/fluentd-elasticsearch", ["1.19", "1.20", "1.22"], 140_337_551, 8_000,
        [], ["/run.sh"], [], Debian, Fluentd, &["amd64"]),
    entry!("registry.k8s.io/pause", ["3.1", "3.2", "3.5", "3.6", "3.7", "3.8", "3.9", "3.10", "3.10.1", "latest"], 320_368, 600,
        ["/pause"], [], [], Distroless, Pause),
    entry!("registry.k8s.io/busybox", ["latest", "1.24", "1.27.2"], 1_144_547, 1_300, [], ["sh"], [], BusyBox, Shell, &["amd64"]),
    entry!("registry.k8s.io/e2e-test-images/agnhost", ["2.33", "2.39", "2.40", "2.43", "2.45", "2.47", "2.50", "2.52", "2.53", "2.54", "2.56", "2.57"], 51_112_306, 4_400,
        ["/agnhost"], [], [], Alpine, Agnhost),
    entry!("registry.k8s.io/e2e-test-images/busybox", ["1.29-2", "1.29-4", "1.36.1-1", "1.37.0-1"], 1_374_155, 1_300, [], ["sh"], [], BusyBox, Shell),
    entry!("registry.k8s.io/e2e-test-images/nginx", ["1.14-2", "1.14-4", "1.15-4"], 6_979_041, 1_900, [], ["nginx", "-g", "daemon off;"], [("NGINX_VERSION", "1.14.2")], Alpine, Nginx),
    entry!("registry.k8s.io/nginx-slim", ["0.8", "0.20", "0.21", "0.24", "0.26", "0.27"], 26_218_106, 3_000, [], ["nginx", "-g", "daemon off;"], [("NGINX_VERSION", "1.17.4")], Debian, Nginx),
    entry!("registry.k8s.io/echoserver", ["1.4", "1.10"], 46_236_710, 4_000, [], ["/usr/local/bin/run.sh"], [], Ubuntu, EchoServer),
    entry!("registry.k8s.io/hpa-example", ["latest"], 175_831_028, 11_000, [], ["apache2-foreground"], [], Debian, Httpd, &["amd64"]),
    entry!("registry.k8s.io/liveness", ["latest"], 1_822_187, 1_400, [], ["/server"], [], Distroless, Agnhost, &["amd64"]),
    entry!("registry.k8s.io/goproxy", ["0.1"], 2_464_320, 1_500, [], ["/goproxy"], [], Distroless, Agnhost, &["amd64"]),
    entry!("registry.k8s.io/e2e-test-images/jessie-dnsutils", ["1.3", "1.5", "1.7"], 136_217_403, 8_500, [], ["bash"], [], Debian, DnsUtils),
    entry!("registry.k8s.io/dns/dnsutils", ["1.3"], 49_009_314, 4_000, [], ["sleep", "3600"], [], Debian, DnsUtils),
    entry!("docker.io/tutum/dnsutils", ["latest"], 80_179_212, 5_000, [], ["sleep", "3600"], [], Ubuntu, DnsUtils, &["amd64"]),
    entry!("docker.io/infoblox/dnstools", ["latest"], 14_072_304, 2_000, [], ["/bin/sh"], [], Alpine, DnsUtils),
    entry!("docker.io/polinux/stress", ["latest", "1.0.4"], 4_041_495, 2_100, [], ["stress", "--help"], [], Alpine, Stress),
    entry!("docker.io/vish/stress", ["latest"], 2_134_513, 1_800, ["/stress", "-logtostderr"], [], [], Distroless, VishStress, &["amd64"]),
    entry!("docker.io/library/perl", ["latest", "5", "5.34", "5.34.0", "5.36", "5.38", "5.40", "5.42", "slim", "5.34-slim"], 335_842_113, 19_000,
        [], ["perl5.42.0", "-de0"], [("PERL_VERSION", "5.42.0")], Debian, Perl),
    entry!("docker.io/library/python", ["latest", "3", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "slim", "alpine", "3.12-slim", "3.13-slim"], 397_322_412, 20_000,
        [], ["python3"], [("LANG", "C.UTF-8"), ("PYTHON_VERSION", "3.14.0")], Debian, Shell),
    entry!("docker.io/library/node", ["latest", "18", "20", "22", "24", "lts", "alpine", "20-alpine", "22-alpine"], 406_137_651, 21_000,
        ["docker-entrypoint.sh"], ["node"], [("NODE_VERSION", "24.11.1"), ("YARN_VERSION", "1.22.22")], Debian, Shell),
    entry!("docker.io/curlimages/curl", ["latest", "8.11.1", "8.14.1", "8.17.0"], 10_208_394, 1_700, ["/entrypoint.sh"], ["curl"], [("CURL_CA_BUNDLE", "/cacert.pem")], Alpine, Curl),
    entry!("docker.io/hashicorp/http-echo", ["latest", "1.0", "1.0.0"], 3_599_104, 1_500, ["/http-echo"], [], [], Distroless, HttpEcho),
    entry!("docker.io/luksa/kubia", ["latest", "v1", "v2", "v3"], 271_734_512, 13_000, [], ["node", "app.js"], [("NODE_VERSION", "7.10.1")], Debian, AppJs, &["amd64"]),
    // Built on an Apple M1 without --platform: arm64 only (seed 003).
    entry!("msa.harbor.com/discovery-service", ["latest", "1.0"], 241_188_903, 12_000,
        ["/usr/local/openjdk-17/bin/java"], ["-jar", "/app.jar"], [("JAVA_HOME", "/usr/local/openjdk-17"), ("JAVA_VERSION", "17.0.2")], Debian, Java, &["arm64"]),
    // The fix of seed 003: rebuilt with `docker build --platform linux/amd64 -t
    // kimtaeheon/discoveryservice:1.0 .`, so it runs on the amd64 nodes (a Eureka server on 8761).
    entry!("docker.io/kimtaeheon/discoveryservice", ["1.0"], 241_190_447, 12_000,
        ["/usr/local/openjdk-17/bin/java"], ["-jar", "/app.jar"], [("JAVA_HOME", "/usr/local/openjdk-17"), ("JAVA_VERSION", "17.0.2")], Debian, Java, &["amd64"]),
    entry!("docker.io/arm64v8/nginx", ["latest", "1.25", "1.27", "1.29", "alpine"], 68_950_415, 4_600,
        ["/docker-entrypoint.sh"], ["nginx", "-g", "daemon off;"], [("NGINX_VERSION", "1.29.3")], Debian, Nginx, &["arm64"]),
    entry!("docker.io/arm64v8/busybox", ["latest", "1.36", "1.37"], 1_951_774, 1_500, [], ["sh"], [], BusyBox, Shell, &["arm64"]),
    // System images (kubeadm pre-pulls them; they are on every node).
    entry!("registry.k8s.io/etcd", ["*"], 23_635_918, 4_000, [], ["etcd"], [], Distroless, System),
    entry!("registry.k8s.io/kube-apiserver", ["*"], 30_114_320, 4_000, [], ["kube-apiserver"], [], Distroless, System),
    entry!("registry.k8s.io/kube-controller-manager", ["*"], 27_667_013, 4_000, [], ["kube-controller-manager"], [], Distroless, System),
    entry!("registry.k8s.io/kube-scheduler", ["*"], 21_848_040, 4_000, [], ["kube-scheduler"], [], Distroless, System),
    entry!("registry.k8s.io/kube-proxy", ["*"], 31_929_115, 4_000, [], ["/usr/local/bin/kube-proxy"], [], Debian, System),
    entry!("registry.k8s.io/coredns/coredns", ["*"], 22_384_805, 3_000, ["/coredns"], [], [], Distroless, System),
    entry!("registry.k8s.io/metrics-server/metrics-server", ["v0.7.2", "v0.8.0"], 20_582_732, 3_000, ["/metrics-server"], [], [], Distroless, System),
    entry!("docker.io/calico/node", ["*"], 158_115_532, 9_000, [], ["start_runit"], [], Distroless, System),
    entry!("docker.io/calico/cni", ["*"], 71_935_133, 6_000, [], ["/opt/cni/bin/calico"], [], Distroless, System),
    entry!("docker.io/calico/kube-controllers", ["*"], 35_142_011, 4_000, [], ["/usr/bin/kube-controllers"], [], Distroless, System),
    entry!("ghcr.io/weaveworks/launcher/weave-kube", ["*"], 30_924_173, 4_000, [], ["/home/weave/launch.sh"], [], Alpine, System),
    entry!("ghcr.io/weaveworks/launcher/weave-npc", ["*"], 12_814_131, 2_500, [], ["/usr/bin/launch.sh"], [], Alpine, System),
    entry!("registry.k8s.io/ingress-nginx/controller", ["v1.0.3", "v1.11.3", "v1.12.1", "v1.13.0", "v1.14.0", "v1.15.1"], 104_543_210, 7_000, ["/usr/bin/dumb-init", "--"], ["/nginx-ingress-controller"], [], Alpine, System),
    // The admission webhook's certificate Jobs of ingress-nginx (`create`, `patch`).
    entry!("registry.k8s.io/ingress-nginx/kube-webhook-certgen", ["v1.0", "v1.1.1", "v1.4.1", "v1.5.2", "v1.6.9"], 18_219_020, 2_500, ["/kube-webhook-certgen"], [], [], Distroless, System),
];

/// An image of the catalogue at one tag: everything the runtime needs to start it.
#[derive(Clone, Debug)]
pub struct ResolvedImage {
    pub reference: ImageRef,
    pub entry: &'static CatalogueEntry,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub env: Vec<(String, String)>,
    pub base: Base,
    pub size: u64,
    /// `docker.io/library/nginx@sha256:...`, deterministic per name and tag.
    pub image_id: String,
    /// The image's files, built once per resolved image (see [`super::fs::image_layer`]).
    pub layer: super::fs::ContainerFs,
}

/// Why a pull fails: the gRPC error the CRI returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PullError {
    /// Repository exists but the tag does not.
    TagNotFound,
    /// Docker Hub answers 401 for repositories that do not exist.
    RepositoryDenied,
    /// The registry host does not resolve.
    NoSuchHost,
    /// A private registry containerd could not reach (the full CRI error text, see
    /// [`super::registry`]).
    Cri(String),
}

/// Finds a catalogue entry by normalised name.
///
/// A repository may have several entries whose tags run different programs
/// (`tensorflow/tensorflow:latest` runs bash, `:latest-jupyter` a notebook server): the entry
/// listing the tag wins, else the first of the name.
fn entry_for(r: &ImageRef) -> Option<&'static CatalogueEntry> {
    let name = r.canonical_name();
    let mut named = CATALOGUE.iter().filter(|e| e.name == name);
    let first = named.clone().next()?;
    Some(
        named
            .find(|e| e.tags.contains(&r.tag.as_str()))
            .unwrap_or(first),
    )
}

/// Resolves a reference against the catalogue: the image a pull would fetch, or why not.
pub fn resolve(r: &ImageRef) -> Result<ResolvedImage, PullError> {
    let Some(entry) = entry_for(r) else {
        return Err(match r.registry.as_str() {
            "docker.io" => PullError::RepositoryDenied,
            "registry.k8s.io" | "k8s.gcr.io" | "gcr.io" | "quay.io" | "ghcr.io"
            | "mcr.microsoft.com" | "public.ecr.aws" => PullError::TagNotFound,
            _ => PullError::NoSuchHost,
        });
    };
    let tag_ok =
        r.digest.is_some() || entry.tags.contains(&"*") || entry.tags.contains(&r.tag.as_str());
    if !tag_ok {
        return Err(PullError::TagNotFound);
    }
    let mut entrypoint: Vec<String> = entry.entrypoint.iter().map(|s| s.to_string()).collect();
    let mut env: Vec<(String, String)> = entry
        .env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut base = entry.base;
    let mut size = entry.size;
    if r.tag.contains("alpine") {
        base = Base::Alpine;
        size /= 3;
    }
    if entry.app == App::Nginx && entry.name == "docker.io/library/nginx" {
        let version = nginx_version(&r.tag);
        // The /docker-entrypoint.sh wrapper exists since nginx 1.19.
        let minor: u32 = version
            .split('.')
            .nth(1)
            .and_then(|m| m.parse().ok())
            .unwrap_or(29);
        if minor < 19 {
            entrypoint.clear();
            size = if minor <= 14 {
                44_709_703
            } else {
                50_120_000 + minor as u64 * 10_007
            };
        } else if !r.tag.contains("alpine") {
            size = 68_000_000 + (minor as u64 % 10) * 420_129;
        }
        set_env(&mut env, "NGINX_VERSION", &version);
    }
    if entry.name == "registry.k8s.io/ingress-nginx/controller" {
        set_env(
            &mut env,
            crate::network::ingress::release::RELEASE_ENV,
            &r.tag,
        );
    }
    if entry.app == App::Mysql && r.tag.starts_with("5.7") {
        set_env(&mut env, "MYSQL_MAJOR", "5.7");
        set_env(&mut env, "MYSQL_VERSION", "5.7.44-1.el7");
        size = 171_201_512;
    } else if entry.app == App::Mysql && r.tag.starts_with("8.0") {
        set_env(&mut env, "MYSQL_MAJOR", "8.0");
        set_env(&mut env, "MYSQL_VERSION", "8.0.44-1.el9");
    }
    if entry.app == App::Shell
        && entry.name == "docker.io/library/centos"
        && (r.tag.starts_with('8') || r.tag == "centos8")
    {
        size = 83_518_086;
    }
    // Hub images with a tag-specific size vary slightly per tag.
    size += tag_bias(&r.tag) % 4096;
    let image_id = format!(
        "{}@sha256:{}",
        r.name(),
        digest_hex(&format!("{}:{}", r.name(), r.tag))
    );
    let mut resolved = ResolvedImage {
        reference: r.clone(),
        entry,
        entrypoint,
        cmd: entry.cmd.iter().map(|s| s.to_string()).collect(),
        env,
        base,
        size,
        image_id,
        layer: super::fs::ContainerFs::default(),
    };
    resolved.layer = super::fs::image_layer(&resolved);
    Ok(resolved)
}

fn set_env(env: &mut Vec<(String, String)>, k: &str, v: &str) {
    match env.iter_mut().find(|(key, _)| key == k) {
        Some(e) => e.1 = v.to_string(),
        None => env.push((k.to_string(), v.to_string())),
    }
}

/// The nginx version a tag carries: `1.14` → `1.14.2`, `latest` → `1.29.3`.
pub fn nginx_version(tag: &str) -> String {
    let t = tag.trim_end_matches("-alpine").trim_end_matches("-perl");
    match t {
        "1.7.9" => "1.7.9".into(),
        "1.14" => "1.14.2".into(),
        "1.15" => "1.15.12".into(),
        "1.16" => "1.16.1".into(),
        "1.17" => "1.17.10".into(),
        "1.18" => "1.18.0".into(),
        "1.19" => "1.19.10".into(),
        "1.20" => "1.20.2".into(),
        "1.21" => "1.21.6".into(),
        "1.22" => "1.22.1".into(),
        "1.23" => "1.23.4".into(),
        "1.24" => "1.24.0".into(),
        "1.25" => "1.25.5".into(),
        "1.26" => "1.26.3".into(),
        "1.27" => "1.27.5".into(),
        "1.28" => "1.28.0".into(),
        "stable" => "1.28.0".into(),
        t if t.matches('.').count() == 2 && t.starts_with("1.") => t.to_string(),
        _ => "1.29.3".into(),
    }
}

fn tag_bias(tag: &str) -> u64 {
    tag.bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64))
}

/// 64 deterministic hex digits derived from `s` (a stand-in for a manifest digest).
pub fn digest_hex(s: &str) -> String {
    let mut out = String::with_capacity(64);
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    for i in 0..4u64 {
        let mut x = h ^ (i.wrapping_mul(0x9E3779B97F4A7C15));
        // splitmix64 finaliser
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d049bb133111eb);
        x ^= x >> 31;
        // `{x:016x}`, digit by digit (every container start hashes its token).
        for shift in (0..16).rev() {
            out.push(char::from(
                b"0123456789abcdef"[((x >> (4 * shift)) & 0xf) as usize],
            ));
        }
    }
    out
}

impl PullError {
    /// The CRI error text, as `Failed to pull image "..."` events and ErrImagePull waiting
    /// messages carry it.
    pub fn message(&self, r: &ImageRef) -> String {
        let full = r.full();
        match self {
            PullError::TagNotFound => format!(
                "rpc error: code = NotFound desc = failed to pull and unpack image \"{full}\": failed to resolve image: {full}: not found"
            ),
            PullError::RepositoryDenied => format!(
                "rpc error: code = Unknown desc = failed to pull and unpack image \"{full}\": failed to resolve image: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed"
            ),
            PullError::NoSuchHost => format!(
                "rpc error: code = Unknown desc = failed to pull and unpack image \"{full}\": failed to resolve image: failed to do request: Head \"https://{}/v2/{}/manifests/{}\": dial tcp: lookup {} on 127.0.0.53:53: no such host",
                r.registry,
                r.path,
                r.tag,
                r.registry.split(':').next().unwrap_or(&r.registry)
            ),
            PullError::Cri(text) => text.clone(),
        }
    }
}

/// Images kubeadm and the CNI put on every node before the learner arrives.
pub fn preloaded_images(preset: &Preset) -> Vec<String> {
    let mut v: Vec<String> = [
        "registry.k8s.io/pause:3.10.1",
        "registry.k8s.io/kube-proxy:v1.37.0",
        "registry.k8s.io/coredns/coredns:v1.12.1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    match preset.cni {
        Cni::Calico => {
            v.push("docker.io/calico/node:v3.30.3".into());
            v.push("docker.io/calico/cni:v3.30.3".into());
            v.push("docker.io/calico/kube-controllers:v3.30.3".into());
        }
        Cni::WeaveNet => {
            v.push("ghcr.io/weaveworks/launcher/weave-kube:2.8.1".into());
            v.push("ghcr.io/weaveworks/launcher/weave-npc:2.8.1".into());
        }
    }
    for c in [
        "etcd:3.6.5-0",
        "kube-apiserver:v1.37.0",
        "kube-controller-manager:v1.37.0",
        "kube-scheduler:v1.37.0",
    ] {
        v.push(format!("registry.k8s.io/{c}"));
    }
    v
}

#[cfg(test)]
mod tests {
    #[test]
    fn digest_hex_is_four_padded_hex_words() {
        let d = super::digest_hex("nginx:1.27");
        assert_eq!(d.len(), 64);
        assert!(d
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_ne!(d, super::digest_hex("nginx:1.28"));
    }
    use super::*;

    #[test]
    fn normalises_like_containerd() {
        assert_eq!(
            ImageRef::parse("nginx").unwrap().full(),
            "docker.io/library/nginx:latest"
        );
        assert_eq!(
            ImageRef::parse("nginx:1.14").unwrap().full(),
            "docker.io/library/nginx:1.14"
        );
        assert_eq!(
            ImageRef::parse("smlinux/appjs:v1").unwrap().full(),
            "docker.io/smlinux/appjs:v1"
        );
        assert_eq!(
            ImageRef::parse("registry.k8s.io/pause:3.10")
                .unwrap()
                .full(),
            "registry.k8s.io/pause:3.10"
        );
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            ImageRef::parse(&format!("nginx@{digest}")).unwrap().full(),
            format!("docker.io/library/nginx@{digest}")
        );
        let r = ImageRef::parse("localhost:5000/app").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.path.as_str(), r.tag.as_str()),
            ("localhost:5000", "app", "latest")
        );
        assert!(matches!(
            ImageRef::parse("Nginx"),
            Err(RefError::Uppercase(_))
        ));
        assert_eq!(ImageRef::parse("nginx:").unwrap_err(), RefError::Invalid);
    }

    #[test]
    fn resolves_catalogue_and_explains_failures() {
        let ok = resolve(&ImageRef::parse("k8s.gcr.io/pause:3.9").unwrap()).unwrap();
        assert_eq!(ok.entry.name, "registry.k8s.io/pause");
        let r = ImageRef::parse("nginx:1.99").unwrap();
        assert_eq!(resolve(&r).unwrap_err(), PullError::TagNotFound);
        assert_eq!(
            PullError::TagNotFound.message(&r),
            "rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/nginx:1.99\": failed to resolve image: docker.io/library/nginx:1.99: not found"
        );
        assert_eq!(
            resolve(&ImageRef::parse("nginxx").unwrap()).unwrap_err(),
            PullError::RepositoryDenied
        );
        assert_eq!(
            resolve(&ImageRef::parse("myreg.example.com/app").unwrap()).unwrap_err(),
            PullError::NoSuchHost
        );
        let old = resolve(&ImageRef::parse("nginx:1.14").unwrap()).unwrap();
        assert!(old.entrypoint.is_empty());
        assert!(old.env.contains(&("NGINX_VERSION".into(), "1.14.2".into())));
        assert!(resolve(&ImageRef::parse("nginx").unwrap())
            .unwrap()
            .image_id
            .starts_with("docker.io/library/nginx@sha256:"));
    }
}
