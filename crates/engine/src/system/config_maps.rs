//! The ConfigMaps `kubeadm init` and the CNI manifest leave: kubeadm's own configuration
//! (`kubeadm-config`, `kubelet-config`), the addons' configuration (`coredns`'s Corefile,
//! `kube-proxy`'s `config.conf`), the API server's `extension-apiserver-authentication` and
//! legacy token tracking, the CNI's configuration, and `cluster-info` in kube-public for
//! `kubeadm join` discovery.
//!
//! Component configurations are written the way kubeadm writes them: the Go struct marshalled
//! to JSON then YAML, so keys are sorted and unset durations read `0s`. Other components read
//! these texts (kube-proxy's `mode:` decides the proxy mode), so keep the format.

use crate::api::{ConfigMap, Object};
use crate::controllers::root_ca_publisher::CA_CRT;
use crate::preset::{Cni, Preset, ProxyMode, KUBERNETES_VERSION};
use serde_json::json;

/// The cluster DNS Service address kubeadm derives from the Service network (its tenth
/// address, where the kube-dns Service is): 10.96.0.0/12 → 10.96.0.10.
pub fn cluster_dns_ip(service_network: &str) -> String {
    match crate::network::ipam::Cidr::parse(service_network) {
        Some(cidr) => crate::network::cluster_services::service_ip(&cidr, 10).to_string(),
        None => "10.96.0.10".into(),
    }
}

/// The API server endpoint nodes and kube-proxy use.
fn api_endpoint(preset: &Preset) -> String {
    format!("https://{}:6443", preset.control_plane().ip)
}

/// The value of kube-proxy's `mode:` for the preset: kubeadm leaves it empty (iptables).
fn proxy_mode(mode: ProxyMode) -> &'static str {
    match mode {
        ProxyMode::Iptables => "\"\"",
        ProxyMode::Ipvs => "ipvs",
        ProxyMode::Userspace => "userspace",
    }
}

/// The logging block every component configuration of this version carries.
const LOGGING: &str = "logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: \"0\"
    text:
      infoBufferSize: \"0\"
  verbosity: 0";

/// kube-proxy's `config.conf` (a `KubeProxyConfiguration`).
pub fn kube_proxy_config(preset: &Preset) -> String {
    format!(
        "apiVersion: kubeproxy.config.k8s.io/v1alpha1
bindAddress: 0.0.0.0
bindAddressHardFail: false
clientConnection:
  acceptContentTypes: \"\"
  burst: 0
  contentType: \"\"
  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf
  qps: 0
clusterCIDR: {cidr}
configSyncPeriod: 0s
conntrack:
  maxPerCore: null
  min: null
  tcpBeLiberal: false
  tcpCloseWaitTimeout: null
  tcpEstablishedTimeout: null
  udpStreamTimeout: 0s
  udpTimeout: 0s
detectLocal:
  bridgeInterface: \"\"
  interfaceNamePrefix: \"\"
detectLocalMode: \"\"
enableProfiling: false
healthzBindAddress: \"\"
hostnameOverride: \"\"
iptables:
  localhostNodePorts: null
  masqueradeAll: false
  masqueradeBit: null
  minSyncPeriod: 0s
  snatNodeInternalIP: null
  syncPeriod: 0s
ipvs:
  excludeCIDRs: null
  minSyncPeriod: 0s
  scheduler: \"\"
  strictARP: false
  syncPeriod: 0s
  tcpFinTimeout: 0s
  tcpTimeout: 0s
  udpTimeout: 0s
kind: KubeProxyConfiguration
{LOGGING}
metricsBindAddress: \"\"
mode: {mode}
nftables:
  masqueradeAll: false
  masqueradeBit: null
  minSyncPeriod: 0s
  syncPeriod: 0s
nodePortAddresses: null
oomScoreAdj: null
portRange: \"\"
showHiddenMetricsForVersion: \"\"
winkernel:
  enableDSR: false
  forwardHealthCheckVip: false
  networkName: \"\"
  rootHnsEndpointName: \"\"
  sourceVip: \"\"",
        cidr = preset.pod_network,
        mode = proxy_mode(preset.proxy_mode),
    )
}

/// kube-proxy's `kubeconfig.conf`: the in-cluster service account credentials.
fn kube_proxy_kubeconfig(preset: &Preset) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
    server: {}
  name: default
contexts:
- context:
    cluster: default
    namespace: default
    user: default
  name: default
current-context: default
users:
- name: default
  user:
    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token",
        api_endpoint(preset)
    )
}

/// CoreDNS's Corefile as kubeadm writes it for `cluster.local`.
pub const COREFILE: &str = ".:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30 {
       disable success cluster.local
       disable denial cluster.local
    }
    loop
    reload
    loadbalance
}
";

/// kubeadm's `ClusterConfiguration` (v1beta4) as stored in `kubeadm-config`.
fn cluster_configuration(preset: &Preset) -> String {
    format!(
        "apiServer: {{}}
apiVersion: kubeadm.k8s.io/v1beta4
caCertificateValidityPeriod: 87600h0m0s
certificateValidityPeriod: 8760h0m0s
certificatesDir: /etc/kubernetes/pki
clusterName: kubernetes
controllerManager: {{}}
dns: {{}}
encryptionAlgorithm: RSA-2048
etcd:
  local:
    dataDir: /var/lib/etcd
imageRepository: registry.k8s.io
kind: ClusterConfiguration
kubernetesVersion: {KUBERNETES_VERSION}
networking:
  dnsDomain: cluster.local
  podSubnet: {}
  serviceSubnet: {}
proxy: {{}}
scheduler: {{}}
",
        preset.pod_network, preset.service_network
    )
}

/// The cluster-wide `KubeletConfiguration` kubeadm stores in `kubelet-config`.
fn kubelet_configuration(preset: &Preset) -> String {
    format!(
        "apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: false
  webhook:
    cacheTTL: 0s
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
  webhook:
    cacheAuthorizedTTL: 0s
    cacheUnauthorizedTTL: 0s
cgroupDriver: systemd
clusterDNS:
- {dns}
clusterDomain: cluster.local
containerRuntimeEndpoint: \"\"
cpuManagerReconcilePeriod: 0s
crashLoopBackOff: {{}}
evictionPressureTransitionPeriod: 0s
fileCheckFrequency: 0s
healthzBindAddress: 127.0.0.1
healthzPort: 10248
httpCheckFrequency: 0s
imageMaximumGCAge: 0s
imageMinimumGCAge: 0s
kind: KubeletConfiguration
{LOGGING}
memorySwap: {{}}
nodeStatusReportFrequency: 0s
nodeStatusUpdateFrequency: 0s
rotateCertificates: true
runtimeRequestTimeout: 0s
shutdownGracePeriod: 0s
shutdownGracePeriodCriticalPods: 0s
staticPodPath: /etc/kubernetes/manifests
streamingConnectionIdleTimeout: 0s
syncFrequency: 0s
volumeStatsAggPeriod: 0s
",
        dns = cluster_dns_ip(preset.service_network)
    )
}

/// The kubeconfig `cluster-info` publishes for `kubeadm join` discovery.
fn cluster_info_kubeconfig(preset: &Preset) -> String {
    let ca = base64(CA_CRT.as_bytes());
    format!(
        "apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: {ca}
    server: {}
  name: \"\"
contexts: null
current-context: \"\"
kind: Config
users: null
",
        api_endpoint(preset)
    )
}

/// Standard base64 (the encoding of `certificate-authority-data`), through the API types'
/// own byte-string encoding.
fn base64(bytes: &[u8]) -> String {
    serde_json::to_value(k8s_openapi::ByteString(bytes.to_vec()))
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The bootstrap token `kubeadm init` creates, as cluster-info's signature key knows it:
/// its id (six characters of `[a-z0-9]`) and the detached JWS of the kubeconfig.
pub struct BootstrapToken {
    pub id: String,
    pub signature: String,
}

impl BootstrapToken {
    /// A token drawn from the cluster's seeded streams.
    pub fn draw(rng: &mut crate::sim::Rng) -> BootstrapToken {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let id: String = (0..6)
            .map(|_| ALPHABET[rng.below("bootstrap-token", 36) as usize] as char)
            .collect();
        let sig: Vec<u8> = (0..32)
            .map(|_| rng.below("bootstrap-token", 256) as u8)
            .collect();
        let b64url = |b: &[u8]| {
            base64(b)
                .trim_end_matches('=')
                .replace('+', "-")
                .replace('/', "_")
        };
        let header = b64url(format!("{{\"alg\":\"HS256\",\"kid\":\"{id}\"}}").as_bytes());
        BootstrapToken {
            signature: format!("{header}..{}", b64url(&sig)),
            id,
        }
    }
}

/// Calico's `calico-config` (calico.yaml v3.30).
fn calico_config() -> serde_json::Value {
    json!({
        "typha_service_name": "none",
        "calico_backend": "bird",
        "veth_mtu": "0",
        "cni_network_config": "{\n  \"name\": \"k8s-pod-network\",\n  \"cniVersion\": \"0.3.1\",\n  \"plugins\": [\n    {\n      \"type\": \"calico\",\n      \"log_level\": \"info\",\n      \"log_file_path\": \"/var/log/calico/cni/cni.log\",\n      \"datastore_type\": \"kubernetes\",\n      \"nodename\": \"__KUBERNETES_NODE_NAME__\",\n      \"mtu\": __CNI_MTU__,\n      \"ipam\": {\n          \"type\": \"calico-ipam\"\n      },\n      \"policy\": {\n          \"type\": \"k8s\"\n      },\n      \"kubernetes\": {\n          \"kubeconfig\": \"__KUBECONFIG_FILEPATH__\"\n      }\n    },\n    {\n      \"type\": \"portmap\",\n      \"snat\": true,\n      \"capabilities\": {\"portMappings\": true}\n    },\n    {\n      \"type\": \"bandwidth\",\n      \"capabilities\": {\"bandwidth\": true}\n    }\n  ]\n}",
    })
}

/// Every ConfigMap of a fresh cluster of `preset` (kube-root-ca.crt aside, which the root CA
/// publisher writes), with the namespace each belongs to. `since` is when the cluster was
/// set up (RFC 3339), for the legacy token tracking ConfigMap; `token` signs cluster-info
/// (kubeadm's token lives 24 h, and the bootstrap signer drops the signature when it expires).
pub fn config_maps(
    preset: &Preset,
    since: &str,
    token: &BootstrapToken,
) -> Vec<(&'static str, Object)> {
    let front_proxy_ca = CA_CRT.replace("kubernetes", "front-proxy-ca");
    let mut list = vec![
        (
            "kube-system",
            "coredns",
            json!({"Corefile": COREFILE}),
            json!({}),
        ),
        (
            "kube-system",
            "extension-apiserver-authentication",
            json!({
                "client-ca-file": CA_CRT,
                "requestheader-allowed-names": "[\"front-proxy-client\"]",
                "requestheader-client-ca-file": front_proxy_ca,
                "requestheader-extra-headers-prefix": "[\"X-Remote-Extra-\"]",
                "requestheader-group-headers": "[\"X-Remote-Group\"]",
                "requestheader-username-headers": "[\"X-Remote-User\"]",
            }),
            json!({}),
        ),
        (
            "kube-system",
            "kube-apiserver-legacy-service-account-token-tracking",
            json!({"since": since}),
            json!({}),
        ),
        (
            "kube-system",
            "kube-proxy",
            json!({"config.conf": kube_proxy_config(preset), "kubeconfig.conf": kube_proxy_kubeconfig(preset)}),
            json!({"app": "kube-proxy"}),
        ),
        (
            "kube-system",
            "kubeadm-config",
            json!({"ClusterConfiguration": cluster_configuration(preset)}),
            json!({}),
        ),
        (
            "kube-system",
            "kubelet-config",
            json!({"kubelet": kubelet_configuration(preset)}),
            json!({}),
        ),
        (
            "kube-public",
            "cluster-info",
            json!({
                "kubeconfig": cluster_info_kubeconfig(preset),
                (format!("jws-kubeconfig-{}", token.id)): token.signature,
            }),
            json!({}),
        ),
    ];
    match preset.cni {
        Cni::Calico => list.push(("kube-system", "calico-config", calico_config(), json!({}))),
        // weave-net keeps its peer list in the annotations of an otherwise empty ConfigMap.
        Cni::WeaveNet => list.push(("kube-system", "weave-net", json!(null), json!({}))),
    }
    list.into_iter()
        .filter_map(|(ns, name, data, labels)| {
            let mut meta = json!({"name": name, "namespace": ns});
            if labels.as_object().is_some_and(|l| !l.is_empty()) {
                meta["labels"] = labels;
            }
            if name == "weave-net" {
                let peers = preset
                    .nodes
                    .iter()
                    .map(|n| {
                        format!(
                            "{{\"PeerName\":\"{}\",\"NickName\":\"{}\"}}",
                            n.name, n.name
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(",");
                meta["annotations"] = json!({
                    "kube-peers.weave.works/peers": format!("{{\"Peers\":[{peers}]}}")
                });
            }
            let mut cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta});
            if !data.is_null() {
                cm["data"] = data;
            }
            let cm: ConfigMap = crate::api::decode::strict(cm).ok()?;
            Some((ns, Object::from(cm)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_ip_is_the_tenth_service_address() {
        assert_eq!(cluster_dns_ip("10.96.0.0/12"), "10.96.0.10");
        assert_eq!(cluster_dns_ip("10.100.0.0/16"), "10.100.0.10");
    }

    #[test]
    fn every_preset_gets_its_config_maps() {
        for name in Preset::NAMES {
            let p = Preset::by_name(name).unwrap_or_else(|| unreachable!());
            let token = BootstrapToken::draw(&mut crate::sim::Rng::new(1));
            assert_eq!(token.id.len(), 6);
            assert!(token.signature.starts_with("eyJhbGciOiJIUzI1NiIsImtpZCI6I"));
            let cms = config_maps(&p, "2026-01-01T00:00:00Z", &token);
            assert_eq!(cms.len(), 8, "{name}");
            let proxy = cms
                .iter()
                .find(|(_, o)| o.name() == "kube-proxy")
                .and_then(|(_, o)| o.as_::<ConfigMap>().cloned())
                .and_then(|c| c.data)
                .unwrap_or_default();
            let conf = proxy.get("config.conf").cloned().unwrap_or_default();
            assert!(conf.contains("\nmode: \"\"\n"), "{conf}");
            assert!(conf.contains(&format!("clusterCIDR: {}\n", p.pod_network)));
        }
    }
}
