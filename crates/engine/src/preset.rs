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
    /// The cloud instance behind the node, on the cloud presets: what the cloud provider's
    /// node controller writes into the Node (`spec.providerID`, topology and instance-type
    /// labels).
    pub instance: Option<CloudInstance>,
}

/// A node's virtual machine in a cloud, as its cloud-controller-manager describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloudInstance {
    /// `spec.providerID`: `aws:///ap-northeast-2a/i-0a1b…` or `gce://PROJECT/ZONE/NAME`.
    pub provider_id: String,
    pub region: &'static str,
    pub zone: &'static str,
    /// `node.kubernetes.io/instance-type` (`t3.medium`, `e2-medium`).
    pub instance_type: &'static str,
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
    /// The AWS cloud-controller-manager: an Elastic Load Balancer per Service (Classic, or a
    /// Network Load Balancer with `service.beta.kubernetes.io/aws-load-balancer-type: nlb`),
    /// published as a DNS name in `status.loadBalancer.ingress[0].hostname`.
    Aws { region: &'static str },
    /// The GCE cloud-controller-manager: a regional external passthrough Network Load
    /// Balancer per Service, published as an external IP address.
    Gcp {
        region: &'static str,
        project: &'static str,
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
        instance: None,
    }
}

/// An EC2 instance in `zone` (its region is the zone without the letter) named as EC2's
/// private DNS names outside us-east-1 are: `ip-10-0-0-10.ap-northeast-2.compute.internal`,
/// which is the node name the AWS cloud provider requires.
fn ec2_node(ip: &str, zone: &'static str, instance_id: &str, control_plane: bool) -> NodeSpec {
    let region = &zone[..zone.len() - 1];
    let name = format!("ip-{}.{region}.compute.internal", ip.replace('.', "-"));
    NodeSpec {
        instance: Some(CloudInstance {
            provider_id: format!("aws:///{zone}/{instance_id}"),
            region,
            zone,
            instance_type: "t3.medium",
        }),
        // t3.medium: 2 vCPUs, 4 GiB.
        ..node(&name, ip, 2, 4096, control_plane)
    }
}

/// The AWS preset's region: Seoul, where seed 004's ELB lives.
const AWS_REGION: &str = "ap-northeast-2";
/// The GCP preset's region (Seoul) and project.
const GCP_REGION: &str = "asia-northeast3";
const GCP_PROJECT: &str = "kubarium-lab";

/// A Compute Engine instance: the node is named as the instance.
fn gce_node(name: &str, ip: &str, control_plane: bool) -> NodeSpec {
    let zone = "asia-northeast3-a";
    NodeSpec {
        instance: Some(CloudInstance {
            provider_id: format!("gce://{GCP_PROJECT}/{zone}/{name}"),
            region: GCP_REGION,
            zone,
            instance_type: "e2-medium",
        }),
        // e2-medium: 2 vCPUs, 4 GiB.
        ..node(name, ip, 2, 4096, control_plane)
    }
}

impl Preset {
    /// Names of all presets.
    pub const NAMES: &'static [&'static str] = &["vagrant", "academy", "cka", "aws", "gcp"];

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
            // A kubeadm cluster on EC2 in Seoul with the AWS cloud-controller-manager: a
            // LoadBalancer Service gets an ELB whose DNS name is its EXTERNAL-IP (seed 004's
            // `...ap-northeast-2.elb.amazonaws.com`).
            "aws" => Some(Preset {
                load_balancer: Some(LoadBalancerSource::Aws { region: AWS_REGION }),
                kernel_version: "6.14.0-1015-aws",
                ..common(
                    "aws",
                    vec![
                        ec2_node("10.0.0.10", "ap-northeast-2a", "i-0c5e2a6f1d9b3e741", true),
                        ec2_node("10.0.0.11", "ap-northeast-2a", "i-08f3b7c2e4a1d6905", false),
                        ec2_node("10.0.0.12", "ap-northeast-2a", "i-0b7d4e9a2c6f1e358", false),
                    ],
                    Cni::Calico,
                    "192.168.0.0/16",
                )
            }),
            // A kubeadm cluster on Compute Engine in Seoul with the GCE cloud-controller-manager:
            // a LoadBalancer Service gets a network load balancer's external IP (seed 004's
            // `130.211.53.173` example).
            "gcp" => Some(Preset {
                load_balancer: Some(LoadBalancerSource::Gcp {
                    region: GCP_REGION,
                    project: GCP_PROJECT,
                }),
                kernel_version: "6.14.0-1017-gcp",
                ..common(
                    "gcp",
                    vec![
                        gce_node("master", "10.178.0.2", true),
                        gce_node("node-1", "10.178.0.3", false),
                        gce_node("node-2", "10.178.0.4", false),
                    ],
                    Cni::Calico,
                    "192.168.0.0/16",
                )
            }),
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
