//! Events (`kubectl get events`): `LAST SEEN TYPE REASON OBJECT MESSAGE` (+ `SUBOBJECT SOURCE
//! FIRST SEEN COUNT NAME` with `-o wide`, in the order the columns are declared).

use super::{col, wide, Column, RowContext};
use k8s_openapi::api::core::v1::Event;
use kubarium_engine::Object;

pub const COLUMNS: &[Column] = &[
    col("Last Seen"),
    col("Type"),
    col("Reason"),
    col("Object"),
    wide("Subobject"),
    wide("Source"),
    col("Message"),
    wide("First Seen"),
    wide("Count"),
    wide("Name"),
];

pub fn row(obj: &Object, ctx: &RowContext) -> Vec<String> {
    match obj.as_::<Event>() {
        Some(e) => event_row(e, ctx),
        None => Vec::new(),
    }
}

/// When an event was first seen: `firstTimestamp`, else `eventTime` (events.k8s.io events).
pub fn first_seen(e: &Event, ctx: &RowContext) -> String {
    match (&e.first_timestamp, &e.event_time) {
        (Some(t), _) => ctx.since(Some(t)),
        (None, Some(mt)) => ctx.since_ms(mt.0.as_millisecond()),
        (None, None) => "<unknown>".to_string(),
    }
}

/// `source.component`, `source.host` (or the reporting controller and instance), as
/// `formatEventSource` joins them: `kubelet, w1-k8s`.
pub fn event_source(e: &Event) -> String {
    let src = e.source.clone().unwrap_or_default();
    let component = src
        .component
        .filter(|c| !c.is_empty())
        .or_else(|| e.reporting_component.clone())
        .unwrap_or_default();
    let instance = src
        .host
        .filter(|h| !h.is_empty())
        .or_else(|| e.reporting_instance.clone())
        .unwrap_or_default();
    if instance.is_empty() {
        component
    } else {
        format!("{component}, {instance}")
    }
}

/// The cells of kubectl's `printEvent` (all of them; the wide ones are filtered later).
pub fn event_row(e: &Event, ctx: &RowContext) -> Vec<String> {
    let first = first_seen(e, ctx);
    let mut last = match &e.last_timestamp {
        Some(t) => ctx.since(Some(t)),
        None => first.clone(),
    };
    let mut count = i64::from(e.count.unwrap_or(0));
    if let Some(series) = &e.series {
        last = match &series.last_observed_time {
            Some(t) => ctx.since_ms(t.0.as_millisecond()),
            None => "<unknown>".to_string(),
        };
        count = i64::from(series.count.unwrap_or(0));
    } else if count == 0 {
        count = 1;
    }
    let kind = e
        .involved_object
        .kind
        .clone()
        .unwrap_or_default()
        .to_lowercase();
    let target = match e.involved_object.name.as_deref().filter(|n| !n.is_empty()) {
        Some(name) => format!("{kind}/{name}"),
        None => kind,
    };
    vec![
        last,
        e.type_.clone().unwrap_or_default(),
        e.reason.clone().unwrap_or_default(),
        target,
        e.involved_object.field_path.clone().unwrap_or_default(),
        event_source(e),
        e.message.clone().unwrap_or_default().trim().to_string(),
        first,
        count.to_string(),
        e.metadata.name.clone().unwrap_or_default(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn scheduled_event() {
        let e: Event = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web.1870", "namespace": "default"},
            "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"},
            "reason": "Scheduled", "message": "Successfully assigned default/web to w1-k8s",
            "source": {"component": "default-scheduler"}, "type": "Normal", "count": 1,
            "firstTimestamp": "2026-11-23T09:09:50Z", "lastTimestamp": "2026-11-23T09:09:50Z"
        }))
        .unwrap();
        let ctx = RowContext {
            now_unix_ms: 1_795_424_400_000 + 600_000,
        };
        assert_eq!(
            event_row(&e, &ctx),
            [
                "10s",
                "Normal",
                "Scheduled",
                "pod/web",
                "",
                "default-scheduler",
                "Successfully assigned default/web to w1-k8s",
                "10s",
                "1",
                "web.1870"
            ]
        );
    }
}
