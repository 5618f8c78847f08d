//! The pod network (CNI) and, later, Services, kube-proxy and DNS.

pub mod cloud;
pub mod cluster_services;
pub mod dns;
pub mod ingress;
pub mod interfaces;
pub mod internet;
pub mod ipam;
pub mod kube_proxy;
pub mod port_forward;
pub mod request;
pub mod service_ip;
