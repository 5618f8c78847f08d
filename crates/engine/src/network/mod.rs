//! The pod network (CNI) and, later, Services, kube-proxy and DNS.

pub mod dns;
pub mod ipam;
pub mod request;
