//! The files of a node's own machine, as `kubeadm init`/`join`, the distribution and the CNI
//! leave them: what `cat`, `ls` and `grep` find in the learner's shell on the control plane
//! and in a shell opened with `ssh NODE`.
//!
//! - `/etc/hostname`, `/etc/hosts` (Ubuntu's default plus every node, as the seed 000
//!   set-up script appends them), `/etc/os-release` (the preset's OS image, the same text
//!   `kubectl get nodes -o wide` reports), `/etc/resolv.conf` (systemd-resolved's stub) and
//!   `/run/systemd/resolve/resolv.conf` (the uplink servers the kubelet hands to pods).
//! - `/opt/cni/bin`: the plugins of the `kubernetes-cni` package plus the CNI's own (Calico's
//!   install-cni copies `calico`, `calico-ipam`, `flannel`, `install`; weave-net its plugin and
//!   the `weave-net`/`weave-ipam` names). Programs are stand-ins, not binaries.
//! - `/etc/cni/net.d`: Calico's `10-calico.conflist`, rendered from the cluster's
//!   `calico-config` ConfigMap the way install-cni does (node name, `veth_mtu`, kubeconfig
//!   path), and `calico-kubeconfig`; or weave-net's `10-weave.conflist`.
//! - `/etc/kubernetes`: on the control plane the four static pod manifests (written from the
//!   mirror pods the engine runs, in kubeadm's layout), `admin.conf` (the learner's
//!   `~/.kube/config`), `super-admin.conf`, `kubelet.conf`, `controller-manager.conf`,
//!   `scheduler.conf` and `pki/`; on a worker `kubelet.conf`, `pki/ca.crt` and an empty
//!   `manifests/`.
//!
//! - `/etc/containerd/config.toml`: `containerd config default` of containerd 2.1 with
//!   `SystemdCgroup = true`, as the kubeadm install guide leaves it.
//!
//! The files are written once, when the shell starts, dated at cluster creation. Editing a
//! static pod manifest changes the file only: the simulated kubelet does not watch it. The
//! files containerd reads (`/etc/hosts`, `/etc/containerd/**`, `/etc/docker/certs.d/**`) are
//! handed to the node's kubelet after every command ([`sync_runtime_files`]), so they count
//! for image pulls and outlive the shell: the next `ssh` to the node finds them as left.

use crate::bash::{Bash, Vfs};
use crate::printers::yaml::to_yaml;
use kubarium_engine::api::{Kind, ObjectKey};
use kubarium_engine::kubelet::registry::{self, is_runtime_file};
use kubarium_engine::network::ingress::pem::{self, CertInfo};
use kubarium_engine::network::kube_proxy::chain_name::sha256;
use kubarium_engine::preset::Cni;
use kubarium_engine::Cluster;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The control-plane components kubeadm writes a static pod manifest for.
pub const STATIC_PODS: [&str; 4] = [
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
];

/// A fresh shell on `node` with the node's files in place.
pub fn node_bash(cluster: &Cluster, node: &str) -> Bash {
    let mut bash = Bash::new();
    seed(bash.vfs_mut(), cluster, node);
    bash
}

/// Writes the node's files into `vfs`, dated when the cluster was created.
pub fn seed(vfs: &mut Vfs, cluster: &Cluster, node: &str) {
    let created_ms = created_unix_ms(cluster);
    let before = vfs.now_ms();
    vfs.set_clock(created_ms);
    for dir in directories(cluster, node) {
        let _ = vfs.mkdir(&dir, true);
    }
    for (path, text) in files(cluster, node) {
        if let Some((dir, _)) = path.rsplit_once('/').filter(|(d, _)| !d.is_empty()) {
            let _ = vfs.mkdir(dir, true);
        }
        let _ = vfs.write(&path, &text);
    }
    vfs.set_clock(before);
}

fn created_unix_ms(cluster: &Cluster) -> u64 {
    cluster.now_unix_ms().saturating_sub(cluster.now().ms())
}

/// Directories that exist even when empty.
fn directories(cluster: &Cluster, node: &str) -> Vec<String> {
    let mut dirs = vec![
        "/etc/kubernetes/manifests".to_string(),
        "/etc/cni/net.d".to_string(),
        "/opt/cni/bin".to_string(),
        "/var/lib/kubelet".to_string(),
    ];
    if is_control_plane(cluster, node) {
        dirs.push("/var/lib/etcd".into());
    }
    dirs
}

fn is_control_plane(cluster: &Cluster, node: &str) -> bool {
    cluster
        .preset()
        .nodes
        .iter()
        .any(|n| n.name == node && n.control_plane)
}

/// Every file of the node: (absolute path, content), in path order within each group.
pub fn files(cluster: &Cluster, node: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    system_files(cluster, node, &mut out);
    cni_files(cluster, node, &mut out);
    kubernetes_files(cluster, node, &mut out);
    if let Some(kept) = cluster.kubelet(node).and_then(|k| k.runtime_files()) {
        out.retain(|(path, _)| !is_runtime_file(path));
        out.extend(kept.iter().map(|(p, t)| (p.clone(), t.clone())));
    }
    out
}

/// `containerd config default` (containerd 2.1) with the systemd cgroup driver on.
fn containerd_config(arch: &str) -> String {
    include_str!("node_files_data/containerd-config.toml")
        .replace("linux/ARCH", &format!("linux/{arch}"))
}

/// Hands the node's runtime files in `vfs` to its kubelet when they differ from what it has.
pub fn sync_runtime_files(cluster: &mut Cluster, node: &str, vfs: &Vfs) {
    let mut now = BTreeMap::new();
    if let Ok(text) = vfs.read(registry::HOSTS_FILE) {
        now.insert(registry::HOSTS_FILE.to_string(), text);
    }
    for root in ["/etc/containerd", "/etc/docker/certs.d"] {
        collect_files(vfs, root, &mut now);
    }
    let Some(kubelet) = cluster.kubelet_mut(node) else {
        return;
    };
    if kubelet.runtime_files() != Some(&now) {
        kubelet.set_runtime_files(now);
    }
}

fn collect_files(vfs: &Vfs, dir: &str, out: &mut BTreeMap<String, String>) {
    let Ok(names) = vfs.list(dir) else {
        return;
    };
    for name in names {
        let path = format!("{dir}/{name}");
        if vfs.is_dir(&path) {
            collect_files(vfs, &path, out);
        } else if let Ok(text) = vfs.read(&path) {
            out.insert(path, text);
        }
    }
}

fn system_files(cluster: &Cluster, node: &str, out: &mut Vec<(String, String)>) {
    let preset = cluster.preset();
    out.push(("/etc/hostname".into(), format!("{}\n", os_hostname(node))));
    let mut hosts = format!(
        "127.0.0.1 localhost\n127.0.1.1 {node}\n\n# The following lines are desirable for IPv6 capable hosts\n::1     ip6-localhost ip6-loopback\nfe00::0 ip6-localnet\nff00::0 ip6-mcastprefix\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n"
    );
    for n in &preset.nodes {
        hosts.push_str(&format!("{} {}\n", n.ip, n.name));
    }
    out.push(("/etc/hosts".into(), hosts));
    let arch = preset
        .nodes
        .iter()
        .find(|n| n.name == node)
        .map_or("amd64", |n| n.arch);
    out.push((registry::CONFIG_TOML.into(), containerd_config(arch)));
    out.push(("/etc/os-release".into(), os_release(preset.os_image)));
    let uplink = kubarium_engine::network::dns::node_resolv_conf(preset.name);
    let search = if uplink.search.is_empty() {
        ".".to_string()
    } else {
        uplink.search.join(" ")
    };
    out.push((
        "/etc/resolv.conf".into(),
        format!(
            "# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).\n# Do not edit.\n#\n# This file might be symlinked as /etc/resolv.conf. If you're looking at\n# /etc/resolv.conf and seeing this text, you have followed the symlink.\n#\n# This is a dynamic resolv.conf file for connecting local clients to the\n# internal DNS stub resolver of systemd-resolved. This file lists all\n# configured search domains.\n#\n# Run \"resolvectl status\" to see details about the uplink DNS servers\n# currently in use.\n#\n# Third party programs should typically not access this file directly, but only\n# through the symlink at /etc/resolv.conf. To manage man:resolv.conf(5) in a\n# different way, replace this symlink by a static file or a different symlink.\n#\n# See man:systemd-resolved.service(8) for details about the supported modes of\n# operation for /etc/resolv.conf.\n\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch {search}\n"
        ),
    ));
    let mut direct = String::from("# This is /run/systemd/resolve/resolv.conf managed by man:systemd-resolved(8).\n# Do not edit.\n#\n# This file might be symlinked as /etc/resolv.conf. If you're looking at\n# /etc/resolv.conf and seeing this text, you have followed the symlink.\n#\n# This is a dynamic resolv.conf file for connecting local clients directly to\n# all known uplink DNS servers. This file lists all configured search domains.\n#\n# Third party programs should typically not access this file directly, but only\n# through the symlink at /etc/resolv.conf. To manage man:resolv.conf(5) in a\n# different way, replace this symlink by a static file or a different symlink.\n#\n# See man:systemd-resolved.service(8) for details about the supported modes of\n# operation for /etc/resolv.conf.\n\n");
    for ns in &uplink.nameservers {
        direct.push_str(&format!("nameserver {ns}\n"));
    }
    direct.push_str(&format!("search {search}\n"));
    out.push(("/run/systemd/resolve/resolv.conf".into(), direct));
}

/// `/etc/os-release` of the node's OS image (`Ubuntu 24.04.3 LTS` in every preset).
fn os_release(image: &str) -> String {
    match image.strip_prefix("Ubuntu ") {
        Some(rest) => {
            let version_id: String = rest.split('.').take(2).collect::<Vec<_>>().join(".");
            let version = rest.trim_end_matches(" LTS");
            let (codename, name) = match version_id.as_str() {
                "22.04" => ("jammy", "Jammy Jellyfish"),
                _ => ("noble", "Noble Numbat"),
            };
            format!(
                "PRETTY_NAME=\"{image}\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"{version_id}\"\nVERSION=\"{version} LTS ({name})\"\nVERSION_CODENAME={codename}\nID=ubuntu\nID_LIKE=debian\nHOME_URL=\"https://www.ubuntu.com/\"\nSUPPORT_URL=\"https://help.ubuntu.com/\"\nBUG_REPORT_URL=\"https://bugs.launchpad.net/ubuntu/\"\nPRIVACY_POLICY_URL=\"https://www.ubuntu.com/legal/terms-and-policies/privacy-policy\"\nUBUNTU_CODENAME={codename}\nLOGO=ubuntu-logo\n"
            )
        }
        None => format!("PRETTY_NAME=\"{image}\"\n"),
    }
}

/// The plugins of the `kubernetes-cni` package (containernetworking/plugins v1.x) with its
/// LICENSE and README.md.
const CNI_PLUGINS: &[&str] = &[
    "LICENSE",
    "README.md",
    "bandwidth",
    "bridge",
    "dhcp",
    "dummy",
    "firewall",
    "host-device",
    "host-local",
    "ipvlan",
    "loopback",
    "macvlan",
    "portmap",
    "ptp",
    "sbr",
    "static",
    "tap",
    "tuning",
    "vlan",
    "vrf",
];

/// What calico/cni's install-cni adds to /opt/cni/bin.
const CALICO_PLUGINS: &[&str] = &["calico", "calico-ipam", "flannel", "install"];

/// What weave-net's init container adds (the plugin and the two names the CNI calls it by).
fn weave_plugins() -> Vec<String> {
    let plugin = format!(
        "weave-plugin-{}",
        kubarium_engine::system::addons::WEAVE_VERSION
    );
    vec!["weave-ipam".into(), "weave-net".into(), plugin]
}

/// A stand-in for a program file: an ELF header and the program's name.
fn program(name: &str) -> String {
    format!("\u{7f}ELF\u{2}\u{1}\u{1}\0 {name}\n")
}

fn cni_files(cluster: &Cluster, node: &str, out: &mut Vec<(String, String)>) {
    let cni = cluster.preset().cni;
    let mut bin: Vec<String> = CNI_PLUGINS.iter().map(|s| s.to_string()).collect();
    match cni {
        Cni::Calico => bin.extend(CALICO_PLUGINS.iter().map(|s| s.to_string())),
        Cni::WeaveNet => bin.extend(weave_plugins()),
    }
    for name in bin {
        let text = match name.as_str() {
            "LICENSE" => "                                 Apache License\n                           Version 2.0, January 2004\n                        http://www.apache.org/licenses/\n".to_string(),
            "README.md" => "# Plugins\nSome CNI network plugins, maintained by the containernetworking team.\n".to_string(),
            _ => program(&name),
        };
        out.push((format!("/opt/cni/bin/{name}"), text));
    }
    out.push(("/etc/cni/net.d/.kubernetes-cni-keep".into(), String::new()));
    match cni {
        Cni::Calico => {
            if let Some(conflist) = calico_conflist(cluster, node) {
                out.push(("/etc/cni/net.d/10-calico.conflist".into(), conflist));
            }
            out.push((
                "/etc/cni/net.d/calico-kubeconfig".into(),
                calico_kubeconfig(cluster, node),
            ));
        }
        Cni::WeaveNet => out.push((
            "/etc/cni/net.d/10-weave.conflist".into(),
            "{\n    \"cniVersion\": \"0.3.0\",\n    \"name\": \"weave\",\n    \"plugins\": [\n        {\n            \"name\": \"weave\",\n            \"type\": \"weave-net\",\n            \"hairpinMode\": true\n        },\n        {\n            \"type\": \"portmap\",\n            \"capabilities\": {\"portMappings\": true},\n            \"snat\": true\n        }\n    ]\n}\n"
                .into(),
        )),
    }
}

/// `10-calico.conflist` as install-cni renders `calico-config`'s `cni_network_config`: the
/// node's name, `veth_mtu` and the kubeconfig path substituted. `None` when the ConfigMap is
/// gone (install-cni would not have written the file).
pub fn calico_conflist(cluster: &Cluster, node: &str) -> Option<String> {
    let key = ObjectKey::new(Kind::ConfigMap, "kube-system", "calico-config");
    let cm = cluster.api_ref().store().get(&key)?.to_value();
    let data = cm.get("data")?;
    let template = data.get("cni_network_config")?.as_str()?;
    let mtu = data.get("veth_mtu").and_then(Value::as_str).unwrap_or("0");
    Some(
        template
            .replace("__KUBERNETES_NODE_NAME__", node)
            .replace("__CNI_MTU__", mtu)
            .replace(
                "__KUBECONFIG_FILEPATH__",
                "/etc/cni/net.d/calico-kubeconfig",
            ),
    )
}

/// The `kubernetes` Service's address (the first of the Service network).
pub(crate) fn kubernetes_service_ip(cluster: &Cluster) -> String {
    kubarium_engine::network::ipam::Cidr::parse(cluster.preset().service_network)
        .map(|c| std::net::Ipv4Addr::from(c.base + 1).to_string())
        .unwrap_or_else(|| "10.96.0.1".into())
}

/// Deterministic stand-in bytes for keys, certificates and tokens, from a label.
fn random(label: &str) -> impl FnMut(usize) -> Vec<u8> {
    let label = label.to_string();
    let mut counter = 0u64;
    move |n| {
        let mut bytes = Vec::with_capacity(n);
        while bytes.len() < n {
            counter += 1;
            bytes.extend(sha256(format!("{label}/{counter}").as_bytes()));
        }
        bytes.truncate(n);
        bytes
    }
}

fn base64url(data: &[u8]) -> String {
    pem::base64_encode(data)
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

/// The cluster CA certificate as the admin kubeconfig carries it (PEM text).
fn cluster_ca(cluster: &Cluster) -> String {
    let config = crate::kubectl::config::initial_kubeconfig(cluster);
    config
        .lines()
        .find_map(|l| l.trim().strip_prefix("certificate-authority-data: "))
        .and_then(pem::base64_decode)
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default()
}

/// calico/node's kubeconfig for the CNI plugin: the in-cluster API address, the CA and a
/// token of the `calico-cni-plugin` ServiceAccount (no newline at the end, as Calico writes it).
fn calico_kubeconfig(cluster: &Cluster, node: &str) -> String {
    let created = (created_unix_ms(cluster) / 1000) as i64;
    let header = r#"{"alg":"RS256","kid":"calico"}"#;
    let payload = json!({
        "aud": ["https://kubernetes.default.svc.cluster.local"],
        "exp": created + 86_400,
        "iat": created,
        "iss": "https://kubernetes.default.svc.cluster.local",
        "kubernetes.io": {"namespace": "kube-system", "serviceaccount": {"name": "calico-cni-plugin"}},
        "nbf": created,
        "sub": "system:serviceaccount:kube-system:calico-cni-plugin",
    });
    let signature = random(&format!("{node}/calico-cni-token"))(256);
    let token = format!(
        "{}.{}.{}",
        base64url(header.as_bytes()),
        base64url(payload.to_string().as_bytes()),
        base64url(&signature)
    );
    format!(
        "# Kubeconfig file for Calico CNI plugin. Installed by calico/node.\napiVersion: v1\nkind: Config\nclusters:\n- name: local\n  cluster:\n    server: https://{}:443\n    certificate-authority-data: \"{}\"\nusers:\n- name: calico\n  user:\n    token: {token}\ncontexts:\n- name: calico-context\n  context:\n    cluster: local\n    user: calico\ncurrent-context: calico-context",
        kubernetes_service_ip(cluster),
        pem::base64_encode(cluster_ca(cluster).as_bytes()),
    )
}

/// A certificate signed by `issuer`, valid from cluster creation for `days`.
fn cert(
    cluster: &Cluster,
    label: &str,
    subject: &str,
    issuer: &str,
    days: i64,
    sans: &[String],
) -> String {
    let created = (created_unix_ms(cluster) / 1000) as i64;
    let mut rand = random(label);
    let serial: String = rand(8).iter().map(|b| format!("{b:02x}")).collect();
    let info = CertInfo {
        subject: subject.into(),
        issuer: issuer.into(),
        // kubeadm backdates certificates by five minutes.
        not_before: created - 300,
        not_after: created - 300 + days * 86_400,
        serial,
        dns_names: sans.to_vec(),
        key_bits: 2048,
    };
    pem::certificate(&info, &mut rand)
}

fn key(label: &str) -> String {
    pem::private_key(2048, &mut random(&format!("{label}.key")))
}

/// A kubeconfig as kubeadm writes it, for `user` on the cluster at `server`.
fn kubeconfig(cluster: &Cluster, server: &str, user: &str, credentials: Value) -> String {
    let ca = pem::base64_encode(cluster_ca(cluster).as_bytes());
    to_yaml(&json!({
        "apiVersion": "v1",
        "clusters": [{"cluster": {"certificate-authority-data": ca, "server": server}, "name": "kubernetes"}],
        "contexts": [{"context": {"cluster": "kubernetes", "user": user}, "name": format!("{user}@kubernetes")}],
        "current-context": format!("{user}@kubernetes"),
        "kind": "Config",
        "preferences": {},
        "users": [{"name": user, "user": credentials}],
    }))
}

/// Client certificate and key of a kubeconfig user, embedded.
fn embedded_client(cluster: &Cluster, label: &str, subject: &str) -> Value {
    json!({
        "client-certificate-data": pem::base64_encode(cert(cluster, label, subject, "CN = kubernetes", 365, &[]).as_bytes()),
        "client-key-data": pem::base64_encode(key(label).as_bytes()),
    })
}

fn kubernetes_files(cluster: &Cluster, node: &str, out: &mut Vec<(String, String)>) {
    let cp = cluster.preset().control_plane().clone();
    let server = format!("https://{}:6443", cp.ip);
    let kubelet_user = format!("system:node:{node}");
    let kubelet_conf = kubeconfig(
        cluster,
        &server,
        &kubelet_user,
        json!({
            "client-certificate": "/var/lib/kubelet/pki/kubelet-client-current.pem",
            "client-key": "/var/lib/kubelet/pki/kubelet-client-current.pem",
        }),
    );
    let ca = cluster_ca(cluster);
    if !is_control_plane(cluster, node) {
        out.push(("/etc/kubernetes/kubelet.conf".into(), kubelet_conf));
        out.push(("/etc/kubernetes/pki/ca.crt".into(), ca));
        return;
    }
    out.push((
        "/etc/kubernetes/admin.conf".into(),
        crate::kubectl::config::initial_kubeconfig(cluster),
    ));
    out.push((
        "/etc/kubernetes/controller-manager.conf".into(),
        kubeconfig(
            cluster,
            &server,
            "system:kube-controller-manager",
            embedded_client(
                cluster,
                "controller-manager.conf",
                "CN = system:kube-controller-manager",
            ),
        ),
    ));
    out.push(("/etc/kubernetes/kubelet.conf".into(), kubelet_conf));
    out.push((
        "/etc/kubernetes/scheduler.conf".into(),
        kubeconfig(
            cluster,
            &server,
            "system:kube-scheduler",
            embedded_client(cluster, "scheduler.conf", "CN = system:kube-scheduler"),
        ),
    ));
    out.push((
        "/etc/kubernetes/super-admin.conf".into(),
        kubeconfig(
            cluster,
            &server,
            "kubernetes-super-admin",
            embedded_client(
                cluster,
                "super-admin.conf",
                "O = system:masters, CN = kubernetes-super-admin",
            ),
        ),
    ));
    for name in STATIC_PODS {
        if let Some(yaml) = static_pod_manifest(cluster, name) {
            out.push((format!("/etc/kubernetes/manifests/{name}.yaml"), yaml));
        }
    }
    pki_files(cluster, node, &ca, out);
}

fn pki_files(cluster: &Cluster, node: &str, ca: &str, out: &mut Vec<(String, String)>) {
    let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let apiserver_sans = names(&[
        node,
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
    ]);
    let etcd_sans = names(&[node, "localhost"]);
    // (file stem, subject, issuer, days, SANs); a CA is self-signed and valid ten years.
    let certs: Vec<(&str, String, &str, i64, Vec<String>)> = vec![
        (
            "apiserver",
            "CN = kube-apiserver".into(),
            "CN = kubernetes",
            365,
            apiserver_sans,
        ),
        (
            "apiserver-etcd-client",
            "CN = kube-apiserver-etcd-client".into(),
            "CN = etcd-ca",
            365,
            Vec::new(),
        ),
        (
            "apiserver-kubelet-client",
            "O = kubeadm:cluster-admins, CN = kube-apiserver-kubelet-client".into(),
            "CN = kubernetes",
            365,
            Vec::new(),
        ),
        (
            "etcd/ca",
            "CN = etcd-ca".into(),
            "CN = etcd-ca",
            3650,
            names(&["etcd-ca"]),
        ),
        (
            "etcd/healthcheck-client",
            "CN = kube-etcd-healthcheck-client".into(),
            "CN = etcd-ca",
            365,
            Vec::new(),
        ),
        (
            "etcd/peer",
            format!("CN = {node}"),
            "CN = etcd-ca",
            365,
            etcd_sans.clone(),
        ),
        (
            "etcd/server",
            format!("CN = {node}"),
            "CN = etcd-ca",
            365,
            etcd_sans,
        ),
        (
            "front-proxy-ca",
            "CN = front-proxy-ca".into(),
            "CN = front-proxy-ca",
            3650,
            names(&["front-proxy-ca"]),
        ),
        (
            "front-proxy-client",
            "CN = front-proxy-client".into(),
            "CN = front-proxy-ca",
            365,
            Vec::new(),
        ),
    ];
    out.push(("/etc/kubernetes/pki/ca.crt".into(), ca.to_string()));
    out.push(("/etc/kubernetes/pki/ca.key".into(), key("pki/ca")));
    for (stem, subject, issuer, days, sans) in certs {
        let label = format!("pki/{stem}");
        out.push((
            format!("/etc/kubernetes/pki/{stem}.crt"),
            cert(cluster, &label, &subject, issuer, days, &sans),
        ));
        out.push((format!("/etc/kubernetes/pki/{stem}.key"), key(&label)));
    }
    out.push(("/etc/kubernetes/pki/sa.key".into(), key("pki/sa")));
    // SubjectPublicKeyInfo of a 2048-bit RSA key: 294 bytes of DER.
    let mut spki = vec![
        0x30, 0x82, 0x01, 0x22, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
        0x01, 0x01, 0x05, 0x00,
    ];
    spki.extend(random("pki/sa.pub")(294 - spki.len()));
    out.push((
        "/etc/kubernetes/pki/sa.pub".into(),
        pem::frame("PUBLIC KEY", &spki),
    ));
}

/// A control-plane component's static pod manifest as kubeadm writes it, from the mirror pod
/// the engine runs for it: the kubeadm annotations, labels, the containers' command, image,
/// resources and mounts, host network, priority and the host-path volumes (keys sorted, as
/// kubeadm marshals them; no server-set fields). `None` when the mirror pod is gone.
pub fn static_pod_manifest(cluster: &Cluster, component: &str) -> Option<String> {
    let cp = cluster.preset().control_plane().name.clone();
    let key = ObjectKey::new(Kind::Pod, "kube-system", &format!("{component}-{cp}"));
    let pod = cluster.api_ref().store().get(&key)?.to_value();
    let meta = pod.get("metadata")?;
    let mut annotations = serde_json::Map::new();
    if let Some(a) = meta.get("annotations").and_then(Value::as_object) {
        for (k, v) in a {
            if k.starts_with("kubeadm.kubernetes.io/") {
                annotations.insert(k.clone(), v.clone());
            }
        }
    }
    let mut metadata = json!({
        "labels": meta.get("labels").cloned().unwrap_or(json!({})),
        "name": component,
        "namespace": "kube-system",
    });
    if !annotations.is_empty() {
        metadata["annotations"] = Value::Object(annotations);
    }
    let spec = pod.get("spec")?;
    let keep = [
        "command",
        "args",
        "env",
        "image",
        "imagePullPolicy",
        "livenessProbe",
        "name",
        "ports",
        "readinessProbe",
        "resources",
        "startupProbe",
        "volumeMounts",
    ];
    let containers: Vec<Value> = spec
        .get("containers")?
        .as_array()?
        .iter()
        .map(|c| {
            let mut m = serde_json::Map::new();
            for k in keep {
                if let Some(v) = c.get(k) {
                    m.insert(k.to_string(), v.clone());
                }
            }
            Value::Object(m)
        })
        .collect();
    let mut new_spec = serde_json::Map::new();
    new_spec.insert("containers".into(), Value::Array(containers));
    for k in [
        "hostNetwork",
        "priority",
        "priorityClassName",
        "securityContext",
        "volumes",
    ] {
        if let Some(v) = spec.get(k) {
            new_spec.insert(k.to_string(), v.clone());
        }
    }
    Some(to_yaml(&json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": new_spec,
        "status": {},
    })))
}

/// The host name a node's OS reports (`hostname`, `/etc/hostname`). On EC2, cloud-init sets
/// the short form of the private DNS name the node is registered as
/// (`ip-10-0-0-11.ap-northeast-2.compute.internal` → `ip-10-0-0-11`); elsewhere the node
/// name is the host name (academy's `master.example.com` prints in full, as in the seed).
pub fn os_hostname(node: &str) -> &str {
    match node.split_once('.') {
        Some((short, domain)) if domain.ends_with(".compute.internal") => short,
        _ => node,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(preset: &str) -> Cluster {
        Cluster::from_preset(preset, 1).expect("preset")
    }

    fn file(files: &[(String, String)], path: &str) -> String {
        files
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| panic!("no {path}"))
    }

    #[test]
    fn an_ec2_node_has_the_short_host_name_and_academy_the_full_one() {
        let aws = cluster("aws");
        let node = aws.preset().nodes[1].name.clone();
        assert!(node.ends_with(".ap-northeast-2.compute.internal"), "{node}");
        let short = node.split('.').next().unwrap_or_default().to_string();
        assert_eq!(
            file(&files(&aws, &node), "/etc/hostname"),
            format!("{short}\n")
        );
        let academy = cluster("academy");
        assert_eq!(
            file(&files(&academy, "master.example.com"), "/etc/hostname"),
            "master.example.com\n"
        );
    }

    #[test]
    fn apiserver_manifest_carries_the_service_range_in_kubeadm_layout() {
        let c = cluster("vagrant");
        let files = files(&c, "m-k8s");
        let yaml = file(&files, "/etc/kubernetes/manifests/kube-apiserver.yaml");
        assert!(yaml.starts_with("apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint: 192.168.1.10:6443\n"), "{yaml}");
        assert!(
            yaml.contains("    - --service-cluster-ip-range=10.96.0.0/12\n"),
            "{yaml}"
        );
        assert!(
            yaml.contains("  name: kube-apiserver\n  namespace: kube-system\n"),
            "{yaml}"
        );
        assert!(yaml.ends_with("status: {}\n"), "{yaml}");
        assert!(
            !yaml.contains("config.mirror") && !yaml.contains("nodeName"),
            "{yaml}"
        );
        for name in STATIC_PODS {
            assert!(files
                .iter()
                .any(|(p, _)| p == &format!("/etc/kubernetes/manifests/{name}.yaml")));
        }
    }

    #[test]
    fn a_worker_has_a_kubelet_kubeconfig_and_no_manifests() {
        let c = cluster("cka");
        let files = files(&c, "node01");
        assert!(!files
            .iter()
            .any(|(p, _)| p.starts_with("/etc/kubernetes/manifests/")));
        let conf = file(&files, "/etc/kubernetes/kubelet.conf");
        assert!(
            conf.contains("server: https://192.168.100.10:6443\n"),
            "{conf}"
        );
        assert!(
            conf.contains("current-context: system:node:node01@kubernetes\n"),
            "{conf}"
        );
        assert!(!files.iter().any(|(p, _)| p == "/etc/kubernetes/admin.conf"));
    }

    #[test]
    fn calico_conflist_is_the_config_map_rendered_for_the_node() {
        let c = cluster("vagrant");
        let files = files(&c, "w1-k8s");
        let conflist = file(&files, "/etc/cni/net.d/10-calico.conflist");
        assert!(
            conflist.contains("\"nodename\": \"w1-k8s\",\n      \"mtu\": 0,\n"),
            "{conflist}"
        );
        assert!(conflist.contains("\"kubeconfig\": \"/etc/cni/net.d/calico-kubeconfig\""));
        let kc = file(&files, "/etc/cni/net.d/calico-kubeconfig");
        assert!(kc.contains("    server: https://10.96.0.1:443\n"), "{kc}");
        assert!(kc.ends_with("current-context: calico-context"));
        assert!(files.iter().any(|(p, _)| p == "/opt/cni/bin/calico-ipam"));
        assert!(!files.iter().any(|(p, _)| p.contains("weave")));
    }

    #[test]
    fn weave_nodes_have_the_weave_conflist_and_plugin() {
        let c = cluster("academy");
        let files = files(&c, "node1.example.com");
        assert!(
            file(&files, "/etc/cni/net.d/10-weave.conflist").contains("\"type\": \"weave-net\"")
        );
        assert!(files
            .iter()
            .any(|(p, _)| p == "/opt/cni/bin/weave-plugin-2.8.1"));
        assert!(!files.iter().any(|(p, _)| p.contains("calico")));
        let resolv = file(&files, "/etc/resolv.conf");
        assert!(resolv.ends_with("nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch ap-northeast-2.compute.internal\n"), "{resolv}");
    }

    #[test]
    fn admin_conf_is_the_learners_kubeconfig_and_certificates_read_back() {
        let c = cluster("vagrant");
        let files = files(&c, "m-k8s");
        assert_eq!(
            file(&files, "/etc/kubernetes/admin.conf"),
            crate::kubectl::config::initial_kubeconfig(&c)
        );
        let crt = file(&files, "/etc/kubernetes/pki/apiserver.crt");
        let info = pem::certificate_info(&crt).expect("stand-in certificate");
        assert_eq!(info.common_name(), Some("kube-apiserver"));
        assert!(info.covers("kubernetes.default.svc"));
        let hosts = file(&files, "/etc/hosts");
        assert!(hosts.contains("192.168.1.101 w1-k8s\n"), "{hosts}");
    }
}
