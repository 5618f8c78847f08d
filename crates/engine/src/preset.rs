//! Cluster presets: the node layouts of the seeds' labs.

/// The CNI plugin of a preset; it decides pod addresses and the pods it runs per node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cni {
    Calico,
    WeaveNet,
}

/// kube-proxy's mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyMode {
    Iptables,
    Ipvs,
    Userspace,
}

/// One node of a preset.
#[derive(Clone, Debug)]
pub struct NodeSpec {
    pub name: String,
    pub ip: String,
    /// Whole CPUs.
    pub cpus: u32,
    /// Memory in MiB.
    pub memory_mib: u64,
    pub control_plane: bool,
    pub arch: &'static str,
}

/// A cluster layout.
#[derive(Clone, Debug)]
pub struct Preset {
    pub name: &'static str,
    pub nodes: Vec<NodeSpec>,
    pub cni: Cni,
    /// The cluster's pod network, e.g. `172.16.0.0/16`.
    pub pod_network: &'static str,
    pub service_network: &'static str,
    pub proxy_mode: ProxyMode,
    pub os_image: &'static str,
    pub kernel_version: &'static str,
    pub container_runtime: &'static str,
    /// How old the cluster is when the learner arrives, in seconds of simulated time.
    pub age_secs: u64,
    /// Where LoadBalancer Services get their external address; `None` leaves EXTERNAL-IP
    /// `<pending>`, as on a bare-metal cluster without a load-balancer implementation.
    pub load_balancer: Option<LoadBalancerSource>,
}

/// A simulated load-balancer implementation for `type: LoadBalancer` Services.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadBalancerSource {
    /// A MetalLB layer-2 address pool: addresses handed out lowest first, inclusive range.
    MetalLb {
        first: &'static str,
        last: &'static str,
    },
}

/// The Kubernetes version Kubarium emulates.
pub const KUBERNETES_VERSION: &str = "v1.37.0";

fn node(name: &str, ip: &str, cpus: u32, memory_mib: u64, control_plane: bool) -> NodeSpec {
    NodeSpec {
        name: name.into(),
        ip: ip.into(),
        cpus,
        memory_mib,
        control_plane,
        arch: "amd64",
    }
}

impl Preset {
    /// Names of all presets.
    pub const NAMES: &'static [&'static str] = &["vagrant", "academy", "cka"];

    /// The preset called `name`.
    pub fn by_name(name: &str) -> Option<Preset> {
        let common = |name, nodes, cni, pod_network| Preset {
            name,
            nodes,
            cni,
            pod_network,
            service_network: "10.96.0.0/12",
            proxy_mode: ProxyMode::Iptables,
            os_image: "Ubuntu 24.04.3 LTS",
            kernel_version: "6.8.0-85-generic",
            container_runtime: "containerd://2.1.4",
            age_secs: 600,
            load_balancer: None,
        };
        match name {
            // 000_…: Vagrant VMs, m-k8s 2 CPU / 3 GiB, workers 1 CPU / 2.5 GiB, Calico 172.16.0.0/16;
            // on-premises LoadBalancers through MetalLB (the seed's metallb-system), with the
            // book's pool 192.168.1.11–192.168.1.13.
            "vagrant" => Some(Preset {
                load_balancer: Some(LoadBalancerSource::MetalLb {
                    first: "192.168.1.11",
                    last: "192.168.1.13",
                }),
                ..common(
                    "vagrant",
                    vec![
                        node("m-k8s", "192.168.1.10", 2, 3072, true),
                        node("w1-k8s", "192.168.1.101", 1, 2560, false),
                        node("w2-k8s", "192.168.1.102", 1, 2560, false),
                        node("w3-k8s", "192.168.1.103", 1, 2560, false),
                    ],
                    Cni::Calico,
                    "172.16.0.0/16",
                )
            }),
            // 004_…: master.example.com and two 2-CPU workers on 10.0.0.0/24, weave-net.
            "academy" => Some(common(
                "academy",
                vec![
                    node("master.example.com", "10.0.0.10", 2, 4096, true),
                    node("node1.example.com", "10.0.0.11", 2, 4096, false),
                    node("node2.example.com", "10.0.0.12", 2, 4096, false),
                ],
                Cni::WeaveNet,
                "10.32.0.0/12",
            )),
            // 002_…: the CKA exam lab layout.
            "cka" => Some(common(
                "cka",
                vec![
                    node("controlplane", "192.168.100.10", 2, 4096, true),
                    node("node01", "192.168.100.11", 2, 4096, false),
                    node("node02", "192.168.100.12", 2, 4096, false),
                ],
                Cni::Calico,
                "192.168.0.0/16",
            )),
            _ => None,
        }
    }

    /// A synthetic preset with `workers` identical workers (benchmarks, tests).
    pub fn synthetic(workers: usize, cpus: u32, memory_mib: u64) -> Preset {
        let mut p = Preset::by_name("cka").unwrap_or_else(|| unreachable!("cka preset exists"));
        p.name = "synthetic";
        p.nodes.truncate(1);
        for i in 0..workers {
            p.nodes.push(node(
                &format!("node{:02}", i + 1),
                &format!("192.168.{}.{}", 100 + (i + 11) / 250, (i + 11) % 250),
                cpus,
                memory_mib,
                false,
            ));
        }
        p
    }

    /// The control-plane node (the learner's terminal runs there).
    pub fn control_plane(&self) -> &NodeSpec {
        self.nodes
            .iter()
            .find(|n| n.control_plane)
            .unwrap_or(&self.nodes[0])
    }
}
