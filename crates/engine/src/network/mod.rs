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

/// An IPv4 address in dotted-decimal form, as `Ipv4Addr`'s `Display` writes it, without the
/// formatting machinery (every pod's status carries its address).
pub fn ip_string(ip: std::net::Ipv4Addr) -> String {
    let mut out = String::with_capacity(15);
    for (i, octet) in ip.octets().into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        if octet >= 100 {
            out.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            out.push(char::from(b'0' + octet / 10 % 10));
        }
        out.push(char::from(b'0' + octet % 10));
    }
    out
}

#[cfg(test)]
mod ip_string_tests {
    #[test]
    fn writes_what_display_writes() {
        for ip in [
            "0.0.0.0",
            "10.96.0.1",
            "172.16.221.130",
            "255.255.255.255",
            "1.20.100.9",
        ] {
            let addr: std::net::Ipv4Addr = ip.parse().unwrap_or(std::net::Ipv4Addr::UNSPECIFIED);
            assert_eq!(super::ip_string(addr), addr.to_string());
            assert_eq!(super::ip_string(addr), ip);
        }
    }
}
