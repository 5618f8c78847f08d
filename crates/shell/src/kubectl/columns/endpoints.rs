//! Endpoints: `NAME ENDPOINTS AGE` (`printEndpoints`): the ready addresses with their ports,
//! at most three and then `+ N more...`.

use super::{col, Column, RowContext};
use k8s_openapi::api::core::v1::Endpoints;
use kubarium_engine::Object;

pub const COLUMNS: &[Column] = &[col("Name"), col("Endpoints"), col("Age")];

pub fn row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    match obj.as_::<Endpoints>() {
        Some(ep) => vec![
            ep.metadata.name.clone().unwrap_or_default(),
            format_endpoints(ep),
            ctx.since(ep.metadata.creation_timestamp.as_ref()),
        ],
        None => Vec::new(),
    }
}

/// `formatEndpoints`: `ip:port` of every ready address of every port (just `ip` in port-less
/// subsets of headless Services), the first three shown. Worked example: 5 ready pods on one
/// port → `a:80,b:80,c:80 + 2 more...`.
pub fn format_endpoints(ep: &Endpoints) -> String {
    let subsets = ep.subsets.as_deref().unwrap_or(&[]);
    if subsets.is_empty() {
        return "<none>".into();
    }
    const MAX: usize = 3;
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0;
    for ss in subsets {
        let addrs = ss.addresses.as_deref().unwrap_or(&[]);
        let ports = ss.ports.as_deref().unwrap_or(&[]);
        if ports.is_empty() {
            count += addrs.len();
            for a in addrs {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(a.ip.clone());
            }
            continue;
        }
        for p in ports {
            count += addrs.len();
            for a in addrs {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(format!("{}:{}", a.ip, p.port));
            }
        }
    }
    let ret = list.join(",");
    if more {
        format!("{ret} + {} more...", count - MAX)
    } else {
        ret
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_then_more() {
        let ep: Endpoints = serde_yaml::from_str(
            "metadata: {name: web}\nsubsets:\n- addresses: [{ip: 10.0.0.1}, {ip: 10.0.0.2}, {ip: 10.0.0.3}, {ip: 10.0.0.4}, {ip: 10.0.0.5}]\n  notReadyAddresses: [{ip: 10.0.0.9}]\n  ports: [{port: 80}]\n",
        )
        .unwrap();
        assert_eq!(
            format_endpoints(&ep),
            "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more..."
        );
        let none: Endpoints = serde_yaml::from_str("metadata: {name: web}\n").unwrap();
        assert_eq!(format_endpoints(&none), "<none>");
    }
}
