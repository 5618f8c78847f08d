//! The Services every kubeadm cluster starts with: `default/kubernetes` (the API server at
//! the first address of the service network, 10.96.0.1:443 → control plane :6443, with the
//! Endpoints and EndpointSlice kube-apiserver keeps itself) and `kube-system/kube-dns`
//! (CoreDNS at the tenth address, 10.96.0.10; its endpoints come from the EndpointSlice and
//! Endpoints controllers like any selector Service's).

use crate::api::{EndpointSlice, Endpoints, Object, ObjectMeta, Service};
use crate::apiserver::ApiServer;
use crate::network::ipam::Cidr;
use crate::network::service_ip::ServiceAllocator;
use crate::preset::Preset;
use k8s_openapi::api::core::v1::{
    EndpointAddress, EndpointPort, EndpointSubset, ServicePort, ServiceSpec,
};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointConditions};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::json;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// The `n`-th address of the service network (1 → 10.96.0.1, 10 → 10.96.0.10).
pub fn service_ip(cidr: &Cidr, n: u32) -> Ipv4Addr {
    Ipv4Addr::from(cidr.base + n)
}

/// Sets the preset's service network on the API server's allocator and creates the
/// `kubernetes` and `kube-dns` Services with the `kubernetes` endpoints.
pub fn install(api: &mut ApiServer, preset: &Preset) {
    let cidr = Cidr::parse(preset.service_network).unwrap_or(Cidr {
        base: 0x0A60_0000,
        prefix: 12,
    });
    api.set_service_allocator(
        ServiceAllocator::new(cidr).with_load_balancer(preset.load_balancer.clone()),
    );
    let apiserver_ip = preset.control_plane().ip.clone();
    let kubernetes = Service {
        metadata: ObjectMeta {
            name: Some("kubernetes".into()),
            namespace: Some("default".into()),
            labels: Some(labels(&[
                ("component", "apiserver"),
                ("provider", "kubernetes"),
            ])),
            ..Default::default()
        },
        spec: Some(ServiceSpec {
            cluster_ip: Some(service_ip(&cidr, 1).to_string()),
            ports: Some(vec![ServicePort {
                name: Some("https".into()),
                port: 443,
                protocol: Some("TCP".into()),
                target_port: Some(IntOrString::Int(6443)),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    };
    let _ = api.create(Object::from(kubernetes), "default", false);
    let endpoints = Endpoints {
        metadata: ObjectMeta {
            name: Some("kubernetes".into()),
            namespace: Some("default".into()),
            labels: Some(labels(&[(
                "endpointslice.kubernetes.io/skip-mirror",
                "true",
            )])),
            ..Default::default()
        },
        subsets: Some(vec![EndpointSubset {
            addresses: Some(vec![EndpointAddress {
                ip: apiserver_ip.clone(),
                ..Default::default()
            }]),
            ports: Some(vec![EndpointPort {
                name: Some("https".into()),
                port: 6443,
                protocol: Some("TCP".into()),
                ..Default::default()
            }]),
            ..Default::default()
        }]),
    };
    let _ = api.create(Object::from(endpoints), "default", false);
    let slice = EndpointSlice {
        metadata: ObjectMeta {
            name: Some("kubernetes".into()),
            namespace: Some("default".into()),
            labels: Some(labels(&[("kubernetes.io/service-name", "kubernetes")])),
            ..Default::default()
        },
        address_type: "IPv4".into(),
        endpoints: Some(vec![Endpoint {
            addresses: vec![apiserver_ip],
            conditions: Some(EndpointConditions {
                ready: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        }]),
        ports: Some(vec![k8s_openapi::api::discovery::v1::EndpointPort {
            name: Some("https".into()),
            port: Some(6443),
            protocol: Some("TCP".into()),
            ..Default::default()
        }]),
    };
    let _ = api.create(Object::from(slice), "default", false);

    let kube_dns: Service = match <Service as serde::Deserialize>::deserialize(&json!({
        "metadata": {
            "name": "kube-dns",
            "namespace": "kube-system",
            "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"},
            "labels": {
                "k8s-app": "kube-dns",
                "kubernetes.io/cluster-service": "true",
                "kubernetes.io/name": "CoreDNS"
            }
        },
        "spec": {
            "clusterIP": service_ip(&cidr, 10).to_string(),
            "ports": [
                {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}
            ],
            "selector": {"k8s-app": "kube-dns"}
        }
    })) {
        Ok(s) => s,
        Err(_) => return,
    };
    let _ = api.create(Object::from(kube_dns), "kube-system", false);
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    crate::sort::collect_map(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}
