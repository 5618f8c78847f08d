//! `kubectl describe endpoints` (`describeEndpoints`): each subset's ready and not-ready
//! addresses and its ports.

use super::{annotations_multiline, describe_events, labels_multiline, PrefixWriter};
use crate::kubectl::columns::RowContext;
use k8s_openapi::api::core::v1::{EndpointAddress, Endpoints, Event};

fn ips(addrs: Option<&Vec<EndpointAddress>>) -> String {
    let s = addrs
        .into_iter()
        .flatten()
        .map(|a| a.ip.as_str())
        .collect::<Vec<_>>()
        .join(",");
    if s.is_empty() {
        "<none>".into()
    } else {
        s
    }
}

pub(crate) fn describe_endpoints(
    ep: &Endpoints,
    events: Option<&[Event]>,
    rc: &RowContext,
) -> String {
    let mut w = PrefixWriter::default();
    let m = &ep.metadata;
    w.write(0, &format!("Name:\t{}\n", m.name.as_deref().unwrap_or("")));
    w.write(
        0,
        &format!("Namespace:\t{}\n", m.namespace.as_deref().unwrap_or("")),
    );
    labels_multiline(&mut w, "Labels", m.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", m.annotations.as_ref());
    w.write(0, "Subsets:\n");
    for ss in ep.subsets.iter().flatten() {
        w.write(1, &format!("Addresses:\t{}\n", ips(ss.addresses.as_ref())));
        w.write(
            1,
            &format!(
                "NotReadyAddresses:\t{}\n",
                ips(ss.not_ready_addresses.as_ref())
            ),
        );
        let ports = ss.ports.as_deref().unwrap_or(&[]);
        if !ports.is_empty() {
            w.write(1, "Ports:\n");
            w.write(2, "Name\tPort\tProtocol\n");
            w.write(2, "----\t----\t--------\n");
            for p in ports {
                let name = p
                    .name
                    .as_deref()
                    .filter(|n| !n.is_empty())
                    .unwrap_or("<unset>");
                w.write(
                    2,
                    &format!(
                        "{name}\t{}\t{}\n",
                        p.port,
                        p.protocol.as_deref().unwrap_or("")
                    ),
                );
            }
        }
        w.write(0, "\n");
    }
    if let Some(events) = events {
        describe_events(&mut w, events, rc);
    }
    w.finish()
}
