//! EndpointSlices: `NAME ADDRESSTYPE PORTS ENDPOINTS AGE` (`printEndpointSlice`): ports and
//! addresses, at most three each, `<unset>` when there are none.

use super::{col, Column, RowContext};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kubarium_engine::Object;

pub const COLUMNS: &[Column] = &[
    col("Name"),
    col("AddressType"),
    col("Ports"),
    col("Endpoints"),
    col("Age"),
];

pub fn row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    match obj.as_::<EndpointSlice>() {
        Some(s) => {
            let ports: Vec<String> = s
                .ports
                .iter()
                .flatten()
                .map(|p| match (p.port, &p.name) {
                    (Some(n), _) => n.to_string(),
                    (None, Some(name)) => name.clone(),
                    (None, None) => "*".into(),
                })
                .collect();
            let addresses: Vec<String> = s
                .endpoints
                .iter()
                .flatten()
                .flat_map(|e| e.addresses.iter().cloned())
                .collect();
            vec![
                s.metadata.name.clone().unwrap_or_default(),
                s.address_type.clone(),
                list_with_more(&ports),
                list_with_more(&addresses),
                ctx.since(s.metadata.creation_timestamp.as_ref()),
            ]
        }
        None => Vec::new(),
    }
}

/// `listWithMoreString`: the first three, `+ N more...`, or `<unset>` for none.
pub fn list_with_more(items: &[String]) -> String {
    const MAX: usize = 3;
    if items.is_empty() {
        return "<unset>".into();
    }
    let shown = items[..items.len().min(MAX)].join(",");
    if items.len() > MAX {
        format!("{shown} + {} more...", items.len() - MAX)
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_and_more() {
        assert_eq!(list_with_more(&[]), "<unset>");
        let v: Vec<String> = (1..=5).map(|i| format!("10.0.0.{i}")).collect();
        assert_eq!(list_with_more(&v), "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...");
    }
}
