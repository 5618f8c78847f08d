//! `kubectl describe`: the long, human-oriented view of one object, laid out field by field as
//! kubectl's `describe.go` writes it, aligned by Go's tabwriter (min width 0, padding 2).
//!
//! Each describer writes `Label:\tvalue` lines through a [`PrefixWriter`] (two spaces per
//! level); the tabwriter then aligns every run of consecutive tab-holding lines. A line without
//! a tab (`Containers:`) ends the run, which is why `QoS Class:` lines up with the volume lines
//! above it but not with `Name:` at the top.

pub mod cron_job;
pub mod daemon_set;
pub mod deployment;
pub mod endpoints;
pub mod ingress;
pub mod job;
pub mod persistent_volume;
pub mod pod_template;
pub mod replicas;
pub mod service;
pub mod stateful_set;

use super::columns::{self, RowContext};
use super::flags::{self, boolean, value, FlagSpec};
use super::get::{parse_targets, usage_error, Target};
use super::{errors, Ctx};
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, ContainerState, ContainerStatus, Event, Namespace, Node, Pod, Probe,
    Secret,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kubarium_engine::api::quantity::parse_milli;
use kubarium_engine::api::selector::Selector;
use kubarium_engine::{ApiError, Kind, Object, ObjectKey, StatusReason};
use std::collections::BTreeMap;
use std::sync::Arc;

const FLAGS: &[FlagSpec] = &[
    value("selector", Some('l')),
    boolean("all-namespaces", Some('A')),
    boolean("show-events", None),
    value("filename", Some('f')),
    boolean("recursive", Some('R')),
    value("kustomize", Some('k')),
    value("chunk-size", None),
];

/// The annotation describe never shows (`corev1.LastAppliedConfigAnnotation`).
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// Longest annotation kubectl prints on one line (`maxAnnotationLen`).
const MAX_ANNOTATION_LEN: usize = 140;
/// How Go prints the zero `time.Time` in RFC 1123 form.
const ZERO_TIME: &str = "Mon, 01 Jan 0001 00:00:00 +0000";

/// Go's `text/tabwriter` with describe's settings: `Init(buf, 0, 8, 2, ' ', 0)`.
///
/// Worked example: `"Name:\tweb\nNamespace:\tdefault\n"` — both lines have a tab-terminated
/// first cell, so they form one column as wide as `Namespace:` (10) + 2 = 12:
/// `Name:       web` / `Namespace:  default`.
pub fn tabbed_string(text: &str) -> String {
    tabwriter(text, 0, 2)
}

/// Go's tabwriter format algorithm (left-aligned, space padding, no flags).
pub(crate) fn tabwriter(text: &str, minwidth: usize, padding: usize) -> String {
    let lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    let mut out = String::new();
    let mut widths = Vec::new();
    format_block(
        &lines,
        0,
        lines.len(),
        &mut widths,
        minwidth,
        padding,
        &mut out,
    );
    out
}

pub(crate) fn format_block(
    lines: &[Vec<&str>],
    mut line0: usize,
    line1: usize,
    widths: &mut Vec<usize>,
    minwidth: usize,
    padding: usize,
    out: &mut String,
) {
    let column = widths.len();
    let mut this = line0;
    while this < line1 {
        if column + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        write_lines(lines, line0, this, widths, out);
        line0 = this;
        let mut width = minwidth;
        while this < line1 && column + 1 < lines[this].len() {
            width = width.max(lines[this][column].chars().count() + padding);
            this += 1;
        }
        widths.push(width);
        format_block(lines, line0, this, widths, minwidth, padding, out);
        widths.pop();
        line0 = this;
    }
    write_lines(lines, line0, line1, widths, out);
}

pub(crate) fn write_lines(
    lines: &[Vec<&str>],
    line0: usize,
    line1: usize,
    widths: &[usize],
    out: &mut String,
) {
    for (i, line) in lines.iter().enumerate().take(line1).skip(line0) {
        for (j, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if j + 1 < line.len() {
                if let Some(w) = widths.get(j) {
                    let n = w.saturating_sub(cell.chars().count());
                    out.extend(std::iter::repeat_n(' ', n));
                }
            }
        }
        if i + 1 < lines.len() {
            out.push('\n');
        }
    }
}

/// describe's `PrefixWriter`: text at an indentation level of two spaces per level.
#[derive(Default)]
pub struct PrefixWriter {
    done: String,
    pending: String,
}

impl PrefixWriter {
    /// Writes `text` after `level` × two spaces.
    pub fn write(&mut self, level: usize, text: &str) {
        for _ in 0..level {
            self.pending.push_str("  ");
        }
        self.pending.push_str(text);
    }
    /// `Flush`: aligns what was written so far on its own (the Events table starts fresh).
    pub fn flush(&mut self) {
        let t = std::mem::take(&mut self.pending);
        self.done.push_str(&tabbed_string(&t));
    }
    /// The aligned text.
    pub fn finish(mut self) -> String {
        self.flush();
        self.done
    }
}

/// `time.RFC1123Z` in UTC: `Mon, 23 Nov 2026 09:00:00 +0000`.
pub fn rfc1123z(t: Option<&Time>) -> String {
    match t {
        Some(t) => t.0.strftime("%a, %d %b %Y %H:%M:%S +0000").to_string(),
        None => ZERO_TIME.to_string(),
    }
}

/// `printLabelsMultiline`: `Labels:\tk=v`, further pairs on `\tk=v` lines, `<none>` if empty.
pub(crate) fn labels_multiline(
    w: &mut PrefixWriter,
    title: &str,
    labels: Option<&BTreeMap<String, String>>,
) {
    w.write(0, &format!("{title}:\t"));
    match labels.filter(|m| !m.is_empty()) {
        None => w.write(0, "<none>\n"),
        Some(m) => {
            for (i, (k, v)) in m.iter().enumerate() {
                if i != 0 {
                    w.write(0, "\t");
                }
                w.write(0, &format!("{k}={v}\n"));
            }
        }
    }
}

/// `printAnnotationsMultiline`: long or multi-line values go on their own lines, cut at 140.
pub(crate) fn annotations_multiline(
    w: &mut PrefixWriter,
    title: &str,
    annotations: Option<&BTreeMap<String, String>>,
) {
    w.write(0, &format!("{title}:\t"));
    let keys: Vec<&String> = annotations
        .into_iter()
        .flatten()
        .map(|(k, _)| k)
        .filter(|k| k.as_str() != LAST_APPLIED)
        .collect();
    if keys.is_empty() {
        w.write(0, "<none>\n");
        return;
    }
    let Some(map) = annotations else { return };
    for (i, k) in keys.iter().enumerate() {
        if i != 0 {
            w.write(0, "\t");
        }
        let value = map[k.as_str()]
            .strip_suffix('\n')
            .unwrap_or(&map[k.as_str()]);
        if value.len() + k.len() + 2 > MAX_ANNOTATION_LEN || value.contains('\n') {
            w.write(0, &format!("{k}:\n"));
            for s in value.split('\n') {
                let short = if s.len() > MAX_ANNOTATION_LEN - 2 {
                    let mut cut = MAX_ANNOTATION_LEN - 2;
                    while !s.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    format!("{}...", &s[..cut])
                } else {
                    s.to_string()
                };
                w.write(0, &format!("\t  {short}\n"));
            }
        } else {
            w.write(0, &format!("{k}: {value}\n"));
        }
    }
}

/// `printPodTolerationsMultiline`: `key=value:Effect op=Exists for 300s`, sorted by key.
pub(crate) fn tolerations_multiline(
    w: &mut PrefixWriter,
    tolerations: &[k8s_openapi::api::core::v1::Toleration],
) {
    w.write(0, "Tolerations:\t");
    if tolerations.is_empty() {
        w.write(0, "<none>\n");
        return;
    }
    let mut sorted: Vec<_> = tolerations.iter().collect();
    kubarium_engine::sort::sort_by(&mut sorted, |a, b| a.key.cmp(&b.key));
    for (i, t) in sorted.iter().enumerate() {
        if i != 0 {
            w.write(0, "\t");
        }
        let key = t.key.as_deref().unwrap_or("");
        let value = t.value.as_deref().unwrap_or("");
        let effect = t.effect.as_deref().unwrap_or("");
        let mut s = key.to_string();
        if !value.is_empty() {
            s.push_str(&format!("={value}"));
        }
        if !effect.is_empty() {
            s.push_str(&format!(":{effect}"));
        }
        if t.operator.as_deref() == Some("Exists") && value.is_empty() {
            s.push_str(if !key.is_empty() || !effect.is_empty() {
                " op=Exists"
            } else {
                "op=Exists"
            });
        }
        if let Some(secs) = t.toleration_seconds {
            s.push_str(&format!(" for {secs}s"));
        }
        w.write(0, &format!("{s}\n"));
    }
}

/// `Taint.ToString`: `key=value:Effect` or `key:Effect`.
pub(crate) fn taint_string(t: &k8s_openapi::api::core::v1::Taint) -> String {
    match t.value.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => format!("{}={v}:{}", t.key, t.effect),
        None => format!("{}:{}", t.key, t.effect),
    }
}

/// The events kubectl shows for an object: those whose involved object is it.
pub(crate) fn events_for(ctx: &Ctx, obj: &Object) -> Vec<Event> {
    let kind = obj.kind();
    let ns = if kind.info().namespaced {
        Some(obj.namespace())
    } else {
        None
    };
    let uid = obj.metadata().uid.clone().unwrap_or_default();
    let mut events: Vec<Event> = ctx
        .cluster
        .api_ref()
        .list(Kind::Event, ns)
        .iter()
        .filter_map(|o| o.as_::<Event>().cloned())
        .filter(|e| {
            let io = &e.involved_object;
            let name_ok = io.name.as_deref() == Some(obj.name());
            let ns_ok = io.namespace.as_deref().unwrap_or("") == obj.namespace();
            // Pods are matched without their kind (mirror pods); nodes by UID or by name,
            // because the kubelet uses the node name as the UID of its events.
            let kind_ok = kind == Kind::Pod || io.kind.as_deref() == Some(kind.name());
            let event_uid = io.uid.as_deref().unwrap_or("");
            let uid_ok = event_uid.is_empty()
                || event_uid == uid
                || (kind == Kind::Node && event_uid == obj.name());
            name_ok && ns_ok && kind_ok && uid_ok
        })
        .collect();
    kubarium_engine::sort::sort_by_key(&mut events, super::get::event_time_ms);
    events
}

/// `DescribeEvents`: the `Events:` table, or `Events:  <none>`.
pub(crate) fn describe_events(w: &mut PrefixWriter, events: &[Event], rc: &RowContext) {
    if events.is_empty() {
        w.write(0, "Events:\t<none>\n");
        return;
    }
    w.flush();
    w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
    w.write(1, "----\t------\t----\t----\t-------\n");
    for e in events {
        let source = e
            .source
            .as_ref()
            .and_then(|s| s.component.clone())
            .filter(|c| !c.is_empty())
            .or_else(|| e.reporting_component.clone())
            .unwrap_or_default();
        let mut message = e.message.as_deref().unwrap_or("").trim().to_string();
        if let Some(fp) = e
            .involved_object
            .field_path
            .as_deref()
            .filter(|f| !f.is_empty())
        {
            message = format!("{fp}: {message}");
        }
        w.write(
            1,
            &format!(
                "{}\t{}\t{}\t{source}\t{message}\n",
                e.type_.as_deref().unwrap_or(""),
                e.reason.as_deref().unwrap_or(""),
                super::get::event_interval(e, rc)
            ),
        );
    }
}

/// `DescribeProbe`: `http-get http://:80/ delay=0s timeout=1s period=10s successThreshold=1 failureThreshold=3`.
pub(crate) fn describe_probe(p: &Probe) -> String {
    let attrs = format!(
        "delay={}s timeout={}s period={}s successThreshold={} failureThreshold={}",
        p.initial_delay_seconds.unwrap_or(0),
        p.timeout_seconds.unwrap_or(1),
        p.period_seconds.unwrap_or(10),
        p.success_threshold.unwrap_or(1),
        p.failure_threshold.unwrap_or(3)
    );
    let port = |p: &k8s_openapi::apimachinery::pkg::util::intstr::IntOrString| match p {
        k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(i) => i.to_string(),
        k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => s.clone(),
    };
    if let Some(e) = &p.exec {
        format!(
            "exec [{}] {attrs}",
            e.command.clone().unwrap_or_default().join(" ")
        )
    } else if let Some(h) = &p.http_get {
        let scheme = h.scheme.as_deref().unwrap_or("HTTP").to_lowercase();
        let host = h.host.as_deref().unwrap_or("");
        let port = port(&h.port);
        let host_port = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        format!(
            "http-get {scheme}://{host_port}{} {attrs}",
            h.path.as_deref().unwrap_or("")
        )
    } else if let Some(t) = &p.tcp_socket {
        format!(
            "tcp-socket {}:{} {attrs}",
            t.host.as_deref().unwrap_or(""),
            port(&t.port)
        )
    } else if let Some(g) = &p.grpc {
        format!(
            "grpc <pod>:{} {} {attrs}",
            g.port,
            g.service.as_deref().unwrap_or("")
        )
    } else {
        format!("unknown {attrs}")
    }
}

/// `describeStatus`: a container state (`Running`/`Waiting`/`Terminated`) with its details.
pub(crate) fn describe_state(w: &mut PrefixWriter, label: &str, state: &ContainerState) {
    if let Some(r) = &state.running {
        w.write(2, &format!("{label}:\tRunning\n"));
        w.write(
            3,
            &format!("Started:\t{}\n", rfc1123z(r.started_at.as_ref())),
        );
    } else if let Some(wt) = &state.waiting {
        w.write(2, &format!("{label}:\tWaiting\n"));
        if let Some(r) = wt.reason.as_deref().filter(|r| !r.is_empty()) {
            w.write(3, &format!("Reason:\t{r}\n"));
        }
    } else if let Some(t) = &state.terminated {
        w.write(2, &format!("{label}:\tTerminated\n"));
        if let Some(r) = t.reason.as_deref().filter(|r| !r.is_empty()) {
            w.write(3, &format!("Reason:\t{r}\n"));
        }
        if let Some(m) = t.message.as_deref().filter(|m| !m.is_empty()) {
            w.write(3, &format!("Message:\t{m}\n"));
        }
        w.write(3, &format!("Exit Code:\t{}\n", t.exit_code));
        if let Some(s) = t.signal.filter(|s| *s > 0) {
            w.write(3, &format!("Signal:\t{s}\n"));
        }
        w.write(
            3,
            &format!("Started:\t{}\n", rfc1123z(t.started_at.as_ref())),
        );
        w.write(
            3,
            &format!("Finished:\t{}\n", rfc1123z(t.finished_at.as_ref())),
        );
    } else {
        w.write(2, &format!("{label}:\tWaiting\n"));
    }
}

/// `describeResources`: `Limits:` and `Requests:`, resource names sorted.
pub(crate) fn describe_resources(
    w: &mut PrefixWriter,
    level: usize,
    r: Option<&k8s_openapi::api::core::v1::ResourceRequirements>,
) {
    let Some(r) = r else { return };
    for (title, list) in [("Limits", &r.limits), ("Requests", &r.requests)] {
        if let Some(list) = list.as_ref().filter(|l| !l.is_empty()) {
            w.write(level, &format!("{title}:\n"));
            for (name, q) in list {
                w.write(level + 1, &format!("{name}:\t{}\n", q.0));
            }
        }
    }
}

/// A container port list as describe prints it: `80/TCP`, `80/TCP (http)`, comma-joined.
pub(crate) fn ports_string(
    ports: &[k8s_openapi::api::core::v1::ContainerPort],
    host: bool,
) -> String {
    ports
        .iter()
        .map(|p| {
            let n = if host {
                p.host_port.unwrap_or(0)
            } else {
                p.container_port
            };
            let mut s = format!("{n}/{}", p.protocol.as_deref().unwrap_or("TCP"));
            if let Some(name) = p.name.as_deref().filter(|n| !n.is_empty()) {
                s = format!("{s} ({name})");
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `describeContainers`: one block per container.
pub(crate) fn describe_containers(
    w: &mut PrefixWriter,
    label: &str,
    containers: &[Container],
    statuses: &[ContainerStatus],
    pod: &Pod,
) {
    let none = if containers.is_empty() { " <none>" } else { "" };
    w.write(0, &format!("{label}:{none}\n"));
    for c in containers {
        let status = statuses.iter().find(|s| s.name == c.name);
        w.write(1, &format!("{}:\n", c.name));
        if let Some(s) = status {
            w.write(
                2,
                &format!(
                    "Container ID:\t{}\n",
                    s.container_id.as_deref().unwrap_or("")
                ),
            );
        }
        w.write(
            2,
            &format!("Image:\t{}\n", c.image.as_deref().unwrap_or("")),
        );
        if let Some(s) = status {
            w.write(2, &format!("Image ID:\t{}\n", s.image_id));
        }
        let ports = c.ports.as_deref().unwrap_or(&[]);
        let port = ports_string(ports, false);
        let or_none = |s: String| {
            if s.is_empty() {
                "<none>".to_string()
            } else {
                s
            }
        };
        if port.contains(',') {
            w.write(2, &format!("Ports:\t{port}\n"));
        } else {
            w.write(2, &format!("Port:\t{}\n", or_none(port)));
        }
        let host_port = ports_string(ports, true);
        if host_port.contains(',') {
            w.write(2, &format!("Host Ports:\t{host_port}\n"));
        } else {
            w.write(2, &format!("Host Port:\t{}\n", or_none(host_port)));
        }
        for (title, list) in [("Command", &c.command), ("Args", &c.args)] {
            if let Some(list) = list.as_ref().filter(|l| !l.is_empty()) {
                w.write(2, &format!("{title}:\n"));
                for item in list {
                    for line in item.split('\n') {
                        w.write(3, &format!("{line}\n"));
                    }
                }
            }
        }
        if let Some(s) = status {
            describe_state(w, "State", &s.state.clone().unwrap_or_default());
            if let Some(last) = s.last_state.as_ref().filter(|l| l.terminated.is_some()) {
                describe_state(w, "Last State", last);
            }
            w.write(
                2,
                &format!("Ready:\t{}\n", if s.ready { "True" } else { "False" }),
            );
            w.write(2, &format!("Restart Count:\t{}\n", s.restart_count));
        }
        describe_resources(w, 2, c.resources.as_ref());
        for (title, probe) in [
            ("Liveness", &c.liveness_probe),
            ("Readiness", &c.readiness_probe),
            ("Startup", &c.startup_probe),
        ] {
            if let Some(p) = probe {
                w.write(2, &format!("{title}:\t{}\n", describe_probe(p)));
            }
        }
        if let Some(from) = c.env_from.as_ref().filter(|f| !f.is_empty()) {
            w.write(2, "Environment Variables from:\n");
            for e in from {
                let (name, source, optional) = if let Some(r) = &e.config_map_ref {
                    (r.name.clone(), "ConfigMap", r.optional.unwrap_or(false))
                } else if let Some(r) = &e.secret_ref {
                    (r.name.clone(), "Secret", r.optional.unwrap_or(false))
                } else {
                    (String::new(), "", false)
                };
                match e.prefix.as_deref().filter(|p| !p.is_empty()) {
                    None => w.write(3, &format!("{name}\t{source}\tOptional: {optional}\n")),
                    Some(p) => w.write(
                        3,
                        &format!("{name}\t{source} with prefix '{p}'\tOptional: {optional}\n"),
                    ),
                }
            }
        }
        let env = c.env.as_deref().unwrap_or(&[]);
        w.write(
            2,
            &format!(
                "Environment:{}\n",
                if env.is_empty() { "\t<none>" } else { "" }
            ),
        );
        for e in env {
            let Some(from) = &e.value_from else {
                for (i, line) in e.value.as_deref().unwrap_or("").split('\n').enumerate() {
                    if i == 0 {
                        w.write(3, &format!("{}:\t{line}\n", e.name));
                    } else {
                        w.write(3, &format!("\t{line}\n"));
                    }
                }
                continue;
            };
            if let Some(f) = &from.field_ref {
                let value = field_ref_value(pod, &f.field_path);
                w.write(
                    3,
                    &format!(
                        "{}:\t{value} ({}:{})\n",
                        e.name,
                        f.api_version.as_deref().unwrap_or("v1"),
                        f.field_path
                    ),
                );
            } else if let Some(r) = &from.resource_field_ref {
                w.write(
                    3,
                    &format!(
                        "{}:\t{} ({})\n",
                        e.name,
                        resource_field_value(c, &r.resource),
                        r.resource
                    ),
                );
            } else if let Some(s) = &from.secret_key_ref {
                w.write(
                    3,
                    &format!(
                        "{}:\t<set to the key '{}' in secret '{}'>\tOptional: {}\n",
                        e.name,
                        s.key,
                        s.name,
                        s.optional.unwrap_or(false)
                    ),
                );
            } else if let Some(s) = &from.config_map_key_ref {
                w.write(
                    3,
                    &format!(
                        "{}:\t<set to the key '{}' of config map '{}'>\tOptional: {}\n",
                        e.name,
                        s.key,
                        s.name,
                        s.optional.unwrap_or(false)
                    ),
                );
            }
        }
        let mut mounts: Vec<_> = c.volume_mounts.iter().flatten().collect();
        w.write(
            2,
            &format!(
                "Mounts:{}\n",
                if mounts.is_empty() { "\t<none>" } else { "" }
            ),
        );
        kubarium_engine::sort::sort_by(&mut mounts, |a, b| a.mount_path.cmp(&b.mount_path));
        for m in mounts {
            let mut flags = vec![if m.read_only == Some(true) {
                "ro".to_string()
            } else {
                "rw".to_string()
            }];
            if let Some(sp) = m.sub_path.as_deref().filter(|s| !s.is_empty()) {
                flags.push(format!("path={sp:?}"));
            }
            w.write(
                3,
                &format!("{} from {} ({})\n", m.mount_path, m.name, flags.join(",")),
            );
        }
    }
}

/// The value of a downward-API `fieldRef` for describe's Environment lines.
pub(crate) fn field_ref_value(pod: &Pod, path: &str) -> String {
    let status = pod.status.as_ref();
    let addrs = kubarium_engine::kubelet::downward_api::Addresses {
        pod_ip: status.and_then(|s| s.pod_ip.as_deref()).unwrap_or(""),
        host_ip: status.and_then(|s| s.host_ip.as_deref()).unwrap_or(""),
    };
    kubarium_engine::kubelet::downward_api::field_value(pod, path, addrs)
}

/// The value of a `resourceFieldRef` (`limits.cpu` unset reads "node allocatable").
pub(crate) fn resource_field_value(c: &Container, resource: &str) -> String {
    let (which, name) = resource.split_once('.').unwrap_or(("", resource));
    let r = c.resources.as_ref();
    let list = match which {
        "limits" => r.and_then(|r| r.limits.as_ref()),
        "requests" => r.and_then(|r| r.requests.as_ref()),
        _ => None,
    };
    match list.and_then(|l| l.get(name)) {
        Some(q) => {
            let milli = parse_milli(&q.0).unwrap_or(0);
            if name == "cpu" {
                ((milli + 999) / 1000).to_string()
            } else {
                (milli / 1000).to_string()
            }
        }
        None if which == "limits" && (name == "cpu" || name == "memory") => {
            "node allocatable".to_string()
        }
        None => "0".to_string(),
    }
}

/// `printHostPathVolumeSource`: a pod's hostPath volume and a hostPath PersistentVolume's
/// `Source:` print alike, two levels in.
pub(crate) fn print_host_path_volume_source(
    w: &mut PrefixWriter,
    h: &k8s_openapi::api::core::v1::HostPathVolumeSource,
) {
    w.write(2, "Type:\tHostPath (bare host directory volume)\n");
    w.write(2, &format!("Path:\t{}\n", h.path));
    w.write(
        2,
        &format!(
            "HostPathType:\t{}\n",
            h.type_.as_deref().unwrap_or("<none>")
        ),
    );
}

/// `printNFSVolumeSource`: shared by pod volumes and NFS PersistentVolumes.
pub(crate) fn print_nfs_volume_source(
    w: &mut PrefixWriter,
    n: &k8s_openapi::api::core::v1::NFSVolumeSource,
) {
    w.write(
        2,
        "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n",
    );
    w.write(2, &format!("Server:\t{}\n", n.server));
    w.write(2, &format!("Path:\t{}\n", n.path));
    w.write(2, &format!("ReadOnly:\t{}\n", n.read_only.unwrap_or(false)));
}

/// `describeVolumes`.
pub(crate) fn describe_volumes(
    w: &mut PrefixWriter,
    volumes: &[k8s_openapi::api::core::v1::Volume],
) {
    if volumes.is_empty() {
        w.write(0, "Volumes:\t<none>\n");
        return;
    }
    w.write(0, "Volumes:\n");
    for v in volumes {
        w.write(1, &format!("{}:\n", v.name));
        if let Some(h) = &v.host_path {
            print_host_path_volume_source(w, h);
        } else if let Some(e) = &v.empty_dir {
            let size = e
                .size_limit
                .as_ref()
                .filter(|q| parse_milli(&q.0).unwrap_or(0) > 0)
                .map_or("<unset>".to_string(), |q| q.0.clone());
            w.write(
                2,
                "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n",
            );
            w.write(
                2,
                &format!("Medium:\t{}\n", e.medium.as_deref().unwrap_or("")),
            );
            w.write(2, &format!("SizeLimit:\t{size}\n"));
        } else if let Some(s) = &v.secret {
            w.write(2, "Type:\tSecret (a volume populated by a Secret)\n");
            w.write(
                2,
                &format!("SecretName:\t{}\n", s.secret_name.as_deref().unwrap_or("")),
            );
            w.write(2, &format!("Optional:\t{}\n", s.optional.unwrap_or(false)));
        } else if let Some(c) = &v.config_map {
            w.write(2, "Type:\tConfigMap (a volume populated by a ConfigMap)\n");
            w.write(2, &format!("Name:\t{}\n", c.name));
            w.write(2, &format!("Optional:\t{}\n", c.optional.unwrap_or(false)));
        } else if let Some(c) = &v.persistent_volume_claim {
            w.write(2, "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n");
            w.write(2, &format!("ClaimName:\t{}\n", c.claim_name));
            w.write(2, &format!("ReadOnly:\t{}\n", c.read_only.unwrap_or(false)));
        } else if let Some(n) = &v.nfs {
            print_nfs_volume_source(w, n);
        } else if let Some(d) = &v.downward_api {
            w.write(
                2,
                "Type:\tDownwardAPI (a volume populated by information about the pod)\n",
            );
            w.write(2, "Items:\n");
            for item in d.items.iter().flatten() {
                if let Some(f) = &item.field_ref {
                    w.write(3, &format!("{} -> {}\n", f.field_path, item.path));
                }
                if let Some(r) = &item.resource_field_ref {
                    w.write(3, &format!("{} -> {}\n", r.resource, item.path));
                }
            }
        } else if let Some(p) = &v.projected {
            w.write(
                2,
                "Type:\tProjected (a volume that contains injected data from multiple sources)\n",
            );
            for s in p.sources.iter().flatten() {
                if let Some(sec) = &s.secret {
                    w.write(2, &format!("SecretName:\t{}\n", sec.name));
                    w.write(
                        2,
                        &format!("Optional:\t{}\n", sec.optional.unwrap_or(false)),
                    );
                } else if s.downward_api.is_some() {
                    w.write(2, "DownwardAPI:\ttrue\n");
                } else if let Some(cm) = &s.config_map {
                    w.write(2, &format!("ConfigMapName:\t{}\n", cm.name));
                    w.write(2, &format!("Optional:\t{}\n", cm.optional.unwrap_or(false)));
                } else if let Some(t) = &s.service_account_token {
                    w.write(
                        2,
                        &format!(
                            "TokenExpirationSeconds:\t{}\n",
                            t.expiration_seconds.unwrap_or(3607)
                        ),
                    );
                }
            }
        } else {
            w.write(1, "<unknown>\n");
        }
    }
}

/// `describePod`.
pub fn describe_pod(pod: &Pod, events: Option<&[Event]>, rc: &RowContext) -> String {
    let mut w = PrefixWriter::default();
    let spec = pod.spec.clone().unwrap_or_default();
    let status = pod.status.clone().unwrap_or_default();
    let m = &pod.metadata;
    w.write(0, &format!("Name:\t{}\n", m.name.as_deref().unwrap_or("")));
    w.write(
        0,
        &format!("Namespace:\t{}\n", m.namespace.as_deref().unwrap_or("")),
    );
    if let Some(p) = spec.priority {
        w.write(0, &format!("Priority:\t{p}\n"));
    }
    if let Some(pc) = spec
        .priority_class_name
        .as_deref()
        .filter(|p| !p.is_empty())
    {
        w.write(0, &format!("Priority Class Name:\t{pc}\n"));
    }
    if let Some(rc) = spec.runtime_class_name.as_deref().filter(|p| !p.is_empty()) {
        w.write(0, &format!("Runtime Class Name:\t{rc}\n"));
    }
    if let Some(sa) = spec
        .service_account_name
        .as_deref()
        .filter(|p| !p.is_empty())
    {
        w.write(0, &format!("Service Account:\t{sa}\n"));
    }
    match spec.node_name.as_deref().filter(|n| !n.is_empty()) {
        None => w.write(0, "Node:\t<none>\n"),
        Some(n) => w.write(
            0,
            &format!("Node:\t{n}/{}\n", status.host_ip.as_deref().unwrap_or("")),
        ),
    }
    if let Some(t) = &status.start_time {
        w.write(0, &format!("Start Time:\t{}\n", rfc1123z(Some(t))));
    }
    labels_multiline(&mut w, "Labels", m.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", m.annotations.as_ref());
    let phase = status.phase.clone().unwrap_or_default();
    match &m.deletion_timestamp {
        Some(dt) if phase != "Failed" && phase != "Succeeded" => {
            w.write(
                0,
                &format!("Status:\tTerminating (lasts {})\n", rc.since(Some(dt))),
            );
            w.write(
                0,
                &format!(
                    "Termination Grace Period:\t{}s\n",
                    m.deletion_grace_period_seconds.unwrap_or(0)
                ),
            );
        }
        _ => w.write(0, &format!("Status:\t{phase}\n")),
    }
    if let Some(r) = status.reason.as_deref().filter(|r| !r.is_empty()) {
        w.write(0, &format!("Reason:\t{r}\n"));
    }
    if let Some(msg) = status.message.as_deref().filter(|r| !r.is_empty()) {
        w.write(0, &format!("Message:\t{msg}\n"));
    }
    w.write(
        0,
        &format!("IP:\t{}\n", status.pod_ip.as_deref().unwrap_or("")),
    );
    match status.pod_ips.as_deref().filter(|ips| !ips.is_empty()) {
        None => w.write(0, "IPs:\t<none>\n"),
        Some(ips) => {
            w.write(0, "IPs:\n");
            for ip in ips {
                w.write(1, &format!("IP:\t{}\n", ip.ip));
            }
        }
    }
    if let Some(owner) = m
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
    {
        w.write(
            0,
            &format!("Controlled By:\t{}/{}\n", owner.kind, owner.name),
        );
    }
    if let Some(n) = status
        .nominated_node_name
        .as_deref()
        .filter(|n| !n.is_empty())
    {
        w.write(0, &format!("NominatedNodeName:\t{n}\n"));
    }
    let init = spec.init_containers.clone().unwrap_or_default();
    if !init.is_empty() {
        describe_containers(
            &mut w,
            "Init Containers",
            &init,
            status.init_container_statuses.as_deref().unwrap_or(&[]),
            pod,
        );
    }
    describe_containers(
        &mut w,
        "Containers",
        &spec.containers,
        status.container_statuses.as_deref().unwrap_or(&[]),
        pod,
    );
    let conditions = status.conditions.clone().unwrap_or_default();
    if let Some(gates) = spec.readiness_gates.as_ref().filter(|g| !g.is_empty()) {
        w.write(0, "Readiness Gates:\n  Type\tStatus\n");
        for g in gates {
            let st = conditions
                .iter()
                .find(|c| c.type_ == g.condition_type)
                .map_or("<none>".to_string(), |c| c.status.clone());
            w.write(1, &format!("{} \t{st} \n", g.condition_type));
        }
    }
    if !conditions.is_empty() {
        w.write(0, "Conditions:\n  Type\tStatus\n");
        for c in &conditions {
            w.write(1, &format!("{} \t{} \n", c.type_, c.status));
        }
    }
    describe_volumes(&mut w, spec.volumes.as_deref().unwrap_or(&[]));
    let qos = status
        .qos_class
        .clone()
        .unwrap_or_else(|| kubarium_engine::api::defaults::qos_class(pod).to_string());
    w.write(0, &format!("QoS Class:\t{qos}\n"));
    labels_multiline(&mut w, "Node-Selectors", spec.node_selector.as_ref());
    tolerations_multiline(&mut w, spec.tolerations.as_deref().unwrap_or(&[]));
    if let Some(events) = events {
        describe_events(&mut w, events, rc);
    }
    w.finish()
}

/// A quantity's value and whether it was written in binary units (`Ki`, `Mi`, …), which
/// decides how a sum of such quantities prints.
pub(crate) fn quantity_value(q: &Quantity) -> (i128, bool) {
    (parse_milli(&q.0).unwrap_or(0), q.0.ends_with('i'))
}

/// `Quantity.String()` of a computed value (thousandths of the unit), in canonical form.
///
/// Worked examples: 950 (milli) → `950m`; 2000 → `2`; binary 170 MiB → `170Mi`;
/// binary 1000 bytes → `1k` (below 1024 Go falls back to decimal); binary 3000 → `3000`.
pub fn format_quantity(milli: i128, binary: bool) -> String {
    if milli == 0 {
        return "0".to_string();
    }
    if milli % 1000 != 0 {
        return format!("{milli}m");
    }
    let v = milli / 1000;
    if binary && v.abs() >= 1024 {
        let mut n = v;
        let mut i = 0;
        while i < 6 && n % 1024 == 0 {
            n /= 1024;
            i += 1;
        }
        let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][i];
        return format!("{n}{suffix}");
    }
    let mut n = v;
    let mut i = 0;
    while i < 6 && n % 1000 == 0 {
        n /= 1000;
        i += 1;
    }
    format!("{n}{}", ["", "k", "M", "G", "T", "P", "E"][i])
}

/// A pod's effective requests or limits (`resourcehelper.PodRequests`): the sum over its
/// containers, or the largest init container's when that is bigger.
pub(crate) fn pod_resources(pod: &Pod, limits: bool) -> BTreeMap<String, (i128, bool)> {
    let mut total: BTreeMap<String, (i128, bool)> = BTreeMap::new();
    let Some(spec) = &pod.spec else { return total };
    let list = |c: &Container| -> BTreeMap<String, Quantity> {
        let r = c.resources.clone().unwrap_or_default();
        (if limits { r.limits } else { r.requests }).unwrap_or_default()
    };
    for c in &spec.containers {
        for (k, q) in list(c) {
            let (v, b) = quantity_value(&q);
            let e = total.entry(k).or_insert((0, b));
            e.0 += v;
        }
    }
    for c in spec.init_containers.iter().flatten() {
        for (k, q) in list(c) {
            let (v, b) = quantity_value(&q);
            let e = total.entry(k).or_insert((0, b));
            if v > e.0 {
                e.0 = v;
            }
        }
    }
    total
}

/// `int64(req / allocatable * 100)`, 0 when nothing is allocatable.
pub(crate) fn percent(v: i128, of: i128) -> i64 {
    if of == 0 {
        return 0;
    }
    (v as f64 / of as f64 * 100.0) as i64
}

/// `describeNode`. `pods` are the node's non-terminated pods.
pub fn describe_node(
    node: &Node,
    pods: &[Pod],
    events: Option<&[Event]>,
    rc: &RowContext,
) -> String {
    let mut w = PrefixWriter::default();
    let spec = node.spec.clone().unwrap_or_default();
    let status = node.status.clone().unwrap_or_default();
    let name = node.metadata.name.clone().unwrap_or_default();
    w.write(0, &format!("Name:\t{name}\n"));
    let roles = columns::node::node_roles(node);
    w.write(
        0,
        &format!(
            "Roles:\t{}\n",
            if roles.is_empty() {
                "<none>".to_string()
            } else {
                roles.join(",")
            }
        ),
    );
    labels_multiline(&mut w, "Labels", node.metadata.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", node.metadata.annotations.as_ref());
    w.write(
        0,
        &format!(
            "CreationTimestamp:\t{}\n",
            rfc1123z(node.metadata.creation_timestamp.as_ref())
        ),
    );
    let mut taints = spec.taints.clone().unwrap_or_default();
    w.write(0, "Taints:\t");
    if taints.is_empty() {
        w.write(0, "<none>\n");
    }
    kubarium_engine::sort::sort_by_key(&mut taints, |t| format!("{},{}", t.effect, t.key));
    for (i, t) in taints.iter().enumerate() {
        if i != 0 {
            w.write(0, "\t");
        }
        w.write(0, &format!("{}\n", taint_string(t)));
    }
    w.write(
        0,
        &format!("Unschedulable:\t{}\n", spec.unschedulable.unwrap_or(false)),
    );
    // Kubarium keeps no Lease objects; the kubelet renews its lease every 10 s, so the
    // renew time is the last 10-second mark.
    w.write(0, "Lease:\n");
    w.write(1, &format!("HolderIdentity:\t{name}\n"));
    w.write(1, "AcquireTime:\t<unset>\n");
    let renew_secs = (rc.now_unix_ms / 1000) / 10 * 10;
    let renew = k8s_openapi::jiff::Timestamp::from_second(renew_secs)
        .ok()
        .map(Time);
    w.write(1, &format!("RenewTime:\t{}\n", rfc1123z(renew.as_ref())));
    let conditions = status.conditions.clone().unwrap_or_default();
    if !conditions.is_empty() {
        w.write(
            0,
            "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n",
        );
        w.write(
            1,
            "----\t------\t-----------------\t------------------\t------\t-------\n",
        );
        for c in &conditions {
            w.write(
                1,
                &format!(
                    "{} \t{} \t{} \t{} \t{} \t{}\n",
                    c.type_,
                    c.status,
                    rfc1123z(c.last_heartbeat_time.as_ref()),
                    rfc1123z(c.last_transition_time.as_ref()),
                    c.reason.as_deref().unwrap_or(""),
                    c.message.as_deref().unwrap_or("")
                ),
            );
        }
    }
    w.write(0, "Addresses:\n");
    for a in status.addresses.iter().flatten() {
        w.write(1, &format!("{}:\t{}\n", a.type_, a.address));
    }
    for (title, list) in [
        ("Capacity", &status.capacity),
        ("Allocatable", &status.allocatable),
    ] {
        if let Some(list) = list.as_ref().filter(|l| !l.is_empty()) {
            w.write(0, &format!("{title}:\n"));
            for (k, q) in list {
                w.write(0, &format!("  {k}:\t{}\n", q.0));
            }
        }
    }
    let info = status.node_info.clone().unwrap_or_default();
    w.write(0, "System Info:\n");
    for (label, v) in [
        ("Machine ID", &info.machine_id),
        ("System UUID", &info.system_uuid),
        ("Boot ID", &info.boot_id),
        ("Kernel Version", &info.kernel_version),
        ("OS Image", &info.os_image),
        ("Operating System", &info.operating_system),
        ("Architecture", &info.architecture),
        ("Container Runtime Version", &info.container_runtime_version),
        ("Kubelet Version", &info.kubelet_version),
    ] {
        w.write(0, &format!("  {label}:\t{v}\n"));
    }
    if let Some(c) = spec.pod_cidr.as_deref().filter(|c| !c.is_empty()) {
        w.write(0, &format!("PodCIDR:\t{c}\n"));
    }
    if let Some(cs) = spec.pod_cidrs.as_ref().filter(|c| !c.is_empty()) {
        w.write(0, &format!("PodCIDRs:\t{}\n", cs.join(",")));
    }
    if let Some(p) = spec.provider_id.as_deref().filter(|c| !c.is_empty()) {
        w.write(0, &format!("ProviderID:\t{p}\n"));
    }
    describe_node_resource(&mut w, node, pods, rc);
    if let Some(events) = events {
        describe_events(&mut w, events, rc);
    }
    w.finish()
}

/// `describeNodeResource`: the non-terminated pods table and the allocated totals.
pub(crate) fn describe_node_resource(
    w: &mut PrefixWriter,
    node: &Node,
    pods: &[Pod],
    rc: &RowContext,
) {
    let status = node.status.clone().unwrap_or_default();
    let allocatable = status
        .allocatable
        .clone()
        .filter(|a| !a.is_empty())
        .or(status.capacity.clone())
        .unwrap_or_default();
    let alloc = |k: &str| {
        allocatable
            .get(k)
            .map_or(0, |q| parse_milli(&q.0).unwrap_or(0))
    };
    w.write(
        0,
        &format!("Non-terminated Pods:\t({} in total)\n", pods.len()),
    );
    w.write(
        1,
        "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n",
    );
    w.write(
        1,
        "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n",
    );
    let cell = |m: &BTreeMap<String, (i128, bool)>, k: &str| -> (String, i64) {
        let (v, b) = m.get(k).copied().unwrap_or((0, false));
        (format_quantity(v, b), percent(v, alloc(k)))
    };
    let mut reqs: BTreeMap<String, (i128, bool)> = BTreeMap::new();
    let mut lims: BTreeMap<String, (i128, bool)> = BTreeMap::new();
    for pod in pods {
        let r = pod_resources(pod, false);
        let l = pod_resources(pod, true);
        let (cr, crp) = cell(&r, "cpu");
        let (cl, clp) = cell(&l, "cpu");
        let (mr, mrp) = cell(&r, "memory");
        let (ml, mlp) = cell(&l, "memory");
        w.write(
            1,
            &format!(
                "{}\t{}\t\t{cr} ({crp}%)\t{cl} ({clp}%)\t{mr} ({mrp}%)\t{ml} ({mlp}%)\t{}\n",
                pod.metadata.namespace.as_deref().unwrap_or(""),
                pod.metadata.name.as_deref().unwrap_or(""),
                rc.since(pod.metadata.creation_timestamp.as_ref())
            ),
        );
        for (total, part) in [(&mut reqs, r), (&mut lims, l)] {
            for (k, (v, b)) in part {
                let e = total.entry(k).or_insert((0, b));
                e.0 += v;
            }
        }
    }
    w.write(
        0,
        "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n",
    );
    w.write(1, "Resource\tRequests\tLimits\n");
    w.write(1, "--------\t--------\t------\n");
    for k in ["cpu", "memory", "ephemeral-storage"] {
        let (r, rp) = cell(&reqs, k);
        let (l, lp) = cell(&lims, k);
        w.write(1, &format!("{k}\t{r} ({rp}%)\t{l} ({lp}%)\n"));
    }
    for k in allocatable.keys().filter(|k| k.starts_with("hugepages-")) {
        let (r, rp) = cell(&reqs, k);
        let (l, lp) = cell(&lims, k);
        w.write(1, &format!("{k}\t{r} ({rp}%)\t{l} ({lp}%)\n"));
    }
}

/// `describeNamespace` (Kubarium has no quotas or limit ranges yet, as in a fresh cluster).
pub fn describe_namespace(ns: &Namespace) -> String {
    let mut w = PrefixWriter::default();
    w.write(
        0,
        &format!("Name:\t{}\n", ns.metadata.name.as_deref().unwrap_or("")),
    );
    labels_multiline(&mut w, "Labels", ns.metadata.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", ns.metadata.annotations.as_ref());
    w.write(
        0,
        &format!(
            "Status:\t{}\n",
            ns.status
                .as_ref()
                .and_then(|s| s.phase.clone())
                .unwrap_or_default()
        ),
    );
    w.write(0, "\n");
    w.write(0, "No resource quota.\n");
    w.write(0, "\n");
    w.write(0, "No LimitRange resource.\n");
    w.finish()
}

/// The ConfigMap describer.
pub fn describe_config_map(cm: &ConfigMap, events: Option<&[Event]>, rc: &RowContext) -> String {
    let mut w = PrefixWriter::default();
    w.write(
        0,
        &format!("Name:\t{}\n", cm.metadata.name.as_deref().unwrap_or("")),
    );
    w.write(
        0,
        &format!(
            "Namespace:\t{}\n",
            cm.metadata.namespace.as_deref().unwrap_or("")
        ),
    );
    labels_multiline(&mut w, "Labels", cm.metadata.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", cm.metadata.annotations.as_ref());
    w.write(0, "\nData\n====\n");
    for (k, v) in cm.data.iter().flatten() {
        w.write(0, &format!("{k}:\n----\n"));
        w.write(0, &format!("{v}\n"));
        w.write(0, "\n");
    }
    w.write(0, "\nBinaryData\n====\n");
    for (k, v) in cm.binary_data.iter().flatten() {
        w.write(0, &format!("{k}: {} bytes\n", v.0.len()));
    }
    w.write(0, "\n");
    if let Some(events) = events {
        describe_events(&mut w, events, rc);
    }
    w.finish()
}

/// `describeSecret`: sizes only, never the values (except a service-account token).
pub fn describe_secret(s: &Secret) -> String {
    let mut w = PrefixWriter::default();
    w.write(
        0,
        &format!("Name:\t{}\n", s.metadata.name.as_deref().unwrap_or("")),
    );
    w.write(
        0,
        &format!(
            "Namespace:\t{}\n",
            s.metadata.namespace.as_deref().unwrap_or("")
        ),
    );
    labels_multiline(&mut w, "Labels", s.metadata.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", s.metadata.annotations.as_ref());
    let type_ = s.type_.clone().unwrap_or_default();
    w.write(0, &format!("\nType:\t{type_}\n"));
    w.write(0, "\nData\n====\n");
    for (k, v) in s.data.iter().flatten() {
        if k == "token" && type_ == "kubernetes.io/service-account-token" {
            w.write(0, &format!("{k}:\t{}\n", String::from_utf8_lossy(&v.0)));
        } else {
            w.write(0, &format!("{k}:\t{} bytes\n", v.0.len()));
        }
    }
    w.finish()
}

/// A describer for kinds without one of their own: the object's identity and its events.
pub(crate) fn describe_generic(obj: &Object, events: Option<&[Event]>, rc: &RowContext) -> String {
    let mut w = PrefixWriter::default();
    let m = obj.metadata();
    w.write(0, &format!("Name:\t{}\n", obj.name()));
    if obj.kind().info().namespaced {
        w.write(0, &format!("Namespace:\t{}\n", obj.namespace()));
    }
    labels_multiline(&mut w, "Labels", m.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", m.annotations.as_ref());
    w.write(
        0,
        &format!("API Version:\t{}\n", obj.kind().info().api_version),
    );
    w.write(0, &format!("Kind:\t{}\n", obj.kind().name()));
    if let Some(events) = events {
        describe_events(&mut w, events, rc);
    }
    w.finish()
}

/// Describes one object as kubectl's describer for its kind does.
pub fn describe_object(ctx: &Ctx, obj: &Object, show_events: bool) -> String {
    let rc = RowContext {
        now_unix_ms: ctx.cluster.now_unix_ms() as i64,
    };
    let events = if show_events {
        Some(events_for(ctx, obj))
    } else {
        None
    };
    let ev = events.as_deref();
    match obj {
        Object::Pod(p) => describe_pod(p, ev, &rc),
        Object::Node(n) => {
            let pods: Vec<Pod> = ctx
                .cluster
                .api_ref()
                .list(Kind::Pod, None)
                .iter()
                .filter_map(|o| o.as_::<Pod>().cloned())
                .filter(|p| {
                    let on_node =
                        p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(obj.name());
                    let phase = p
                        .status
                        .as_ref()
                        .and_then(|s| s.phase.as_deref())
                        .unwrap_or("");
                    on_node && phase != "Succeeded" && phase != "Failed"
                })
                .collect();
            describe_node(n, &pods, ev, &rc)
        }
        Object::Namespace(ns) => describe_namespace(ns),
        Object::ConfigMap(cm) => describe_config_map(cm, ev, &rc),
        Object::Secret(s) => describe_secret(s),
        Object::Deployment(d) => {
            let (new, old) =
                kubarium_engine::controllers::deployment::replica_sets_of(ctx.cluster.api_ref(), d);
            deployment::describe_deployment(d, new.as_ref(), &old, ev, &rc)
        }
        Object::ReplicaSet(_) | Object::ReplicationController(_) => {
            let pods: Vec<Pod> = ctx
                .cluster
                .api_ref()
                .list(Kind::Pod, Some(obj.namespace()))
                .iter()
                .filter_map(|o| o.as_::<Pod>().cloned())
                .collect();
            replicas::describe_replicas(obj, &pods, ev, &rc)
        }
        Object::DaemonSet(_) | Object::StatefulSet(_) | Object::PersistentVolumeClaim(_) => {
            let pods: Vec<Pod> = ctx
                .cluster
                .api_ref()
                .list(Kind::Pod, Some(obj.namespace()))
                .iter()
                .filter_map(|o| o.as_::<Pod>().cloned())
                .collect();
            match obj {
                Object::DaemonSet(ds) => daemon_set::describe_daemon_set(ds, &pods, ev, &rc),
                Object::StatefulSet(s) => stateful_set::describe_stateful_set(s, &pods, ev, &rc),
                Object::PersistentVolumeClaim(c) => {
                    persistent_volume::describe_persistent_volume_claim(c, &pods, ev, &rc)
                }
                _ => String::new(),
            }
        }
        Object::Service(s) => {
            let slices: Vec<k8s_openapi::api::discovery::v1::EndpointSlice> = ctx
                .cluster
                .api_ref()
                .list(Kind::EndpointSlice, Some(obj.namespace()))
                .iter()
                .filter_map(|o| {
                    o.as_::<k8s_openapi::api::discovery::v1::EndpointSlice>()
                        .cloned()
                })
                .filter(|e| {
                    e.metadata
                        .labels
                        .as_ref()
                        .and_then(|l| l.get("kubernetes.io/service-name"))
                        == Some(&obj.name().to_string())
                })
                .collect();
            service::describe_service(s, &slices, ev, &rc)
        }
        Object::Endpoints(e) => endpoints::describe_endpoints(e, ev, &rc),
        Object::PersistentVolume(pv) => persistent_volume::describe_persistent_volume(pv, ev, &rc),
        Object::Job(j) => job::describe_job(j, ev, &rc),
        Object::CronJob(cj) => cron_job::describe_cron_job(cj, ev, &rc),
        Object::Ingress(i) => ingress::describe_ingress_in(ctx, i, ev, &rc),
        Object::IngressClass(ic) => ingress::describe_ingress_class(ic, ev, &rc),
        #[allow(unreachable_patterns)]
        other => describe_generic(other, ev, &rc),
    }
}

/// `kubectl describe`.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = match flags::parse(argv, FLAGS) {
        Ok(p) => p,
        Err(e) => return usage_error(ctx, "describe", &e),
    };
    if p.args.is_empty() {
        ctx.err("error: You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.\n");
        return 1;
    }
    let (targets, _) = match parse_targets(&p.args) {
        Ok(t) => t,
        Err(e) => {
            ctx.err(format!("error: {e}\n"));
            return 1;
        }
    };
    let all_namespaces = p.is_set("all-namespaces");
    let selector_raw = p.get("selector").unwrap_or("");
    let selector = match Selector::parse(selector_raw) {
        Ok(s) => s,
        Err(e) => {
            ctx.err(format!("error: {e}\n"));
            return 1;
        }
    };
    let named = targets.iter().any(|t| t.name.is_some());
    if named && !selector_raw.is_empty() {
        ctx.err("error: name cannot be provided when a selector is specified\n");
        return 1;
    }
    if named && all_namespaces {
        ctx.err("error: a resource cannot be retrieved by name across all namespaces\n");
        return 1;
    }
    let namespace = ctx.namespace(&p);
    let api = ctx.cluster.api_ref();
    let mut infos: Vec<Arc<Object>> = Vec::new();
    let mut errs: Vec<ApiError> = Vec::new();
    for Target { kind, name } in &targets {
        match name {
            Some(n) => match api.get(&ObjectKey::new(*kind, &namespace, n)) {
                Ok(o) => infos.push(o),
                Err(e) => errs.push(e),
            },
            None => {
                let ns = if !kind.info().namespaced || all_namespaces {
                    None
                } else {
                    Some(namespace.as_str())
                };
                infos.extend(
                    api.list(*kind, ns)
                        .into_iter()
                        .filter(|o| selector.matches(o.metadata().labels.as_ref())),
                );
            }
        }
    }
    let explicit_events = p.has("show-events");
    let show_events = if explicit_events {
        p.is_set("show-events")
    } else {
        errs.is_empty() && infos.len() <= 1
    };

    // `kubectl describe pods web` with no pod called `web`: describe every pod whose name
    // starts with `web` (describe's prefix match), each followed by an empty line.
    if !errs.is_empty() && p.args.len() == 2 && !p.args[0].contains('/') && targets.len() == 1 {
        let t = &targets[0];
        if errs[0].reason == StatusReason::NotFound {
            let prefix = t.name.clone().unwrap_or_default();
            let ns = if t.kind.info().namespaced {
                Some(namespace.as_str())
            } else {
                None
            };
            let matches: Vec<Arc<Object>> = api
                .list(t.kind, ns)
                .into_iter()
                .filter(|o| o.name().starts_with(&prefix))
                .collect();
            if matches.is_empty() {
                ctx.err(format!("{}\n", errors::api_error_text(&errs[0])));
                return 1;
            }
            let show = explicit_events && p.is_set("show-events");
            let mut out = String::new();
            for o in &matches {
                out.push_str(&describe_object(ctx, o, show));
                out.push('\n');
            }
            ctx.out(out);
            return 0;
        }
    }

    let mut out = String::new();
    for (i, o) in infos.iter().enumerate() {
        if i > 0 {
            out.push_str("\n\n");
        }
        out.push_str(&describe_object(ctx, o, show_events));
    }
    ctx.out(out);
    if infos.is_empty() && errs.is_empty() {
        if all_namespaces {
            ctx.err("No resources found\n");
        } else {
            ctx.err(format!("No resources found in {namespace} namespace.\n"));
        }
    }
    if !errs.is_empty() {
        let msg = errs
            .iter()
            .map(errors::api_error_text)
            .collect::<Vec<_>>()
            .join("\n");
        ctx.err(format!("{msg}\n"));
        return 1;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_795_424_400_000 + 600_000;

    fn rc() -> RowContext {
        RowContext { now_unix_ms: NOW }
    }

    #[test]
    fn tabwriter_blocks_like_go() {
        assert_eq!(
            tabbed_string("Name:\tweb\nNamespace:\tdefault\n"),
            "Name:       web\nNamespace:  default\n"
        );
        // A line without a tab ends the column block.
        assert_eq!(
            tabbed_string("A:\t1\nLonger line\nBB:\t2\n"),
            "A:  1\nLonger line\nBB:  2\n"
        );
        // Continuation lines start with an empty cell and stay in the block.
        assert_eq!(
            tabbed_string("Labels:\ta=b\n\tc=d\nIP:\t\n"),
            "Labels:  a=b\n         c=d\nIP:      \n"
        );
    }

    #[test]
    fn quantities_print_canonically() {
        assert_eq!(format_quantity(950, false), "950m");
        assert_eq!(format_quantity(2000, false), "2");
        assert_eq!(format_quantity(0, false), "0");
        assert_eq!(format_quantity(170 * 1024 * 1024 * 1000, true), "170Mi");
        assert_eq!(format_quantity(1000 * 1000, true), "1k");
        assert_eq!(format_quantity(3000 * 1000, true), "3000");
        assert_eq!(format_quantity(128_000_000 * 1000, false), "128M");
    }

    #[test]
    fn probe_text() {
        let p: Probe = serde_json::from_value(
            json!({"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5}),
        )
        .unwrap();
        assert_eq!(describe_probe(&p), "http-get http://:80/ delay=0s timeout=1s period=5s successThreshold=1 failureThreshold=3");
        let p: Probe = serde_json::from_value(
            json!({"exec": {"command": ["cat", "/tmp/healthy"]}, "initialDelaySeconds": 5}),
        )
        .unwrap();
        assert_eq!(describe_probe(&p), "exec [cat /tmp/healthy] delay=5s timeout=1s period=10s successThreshold=1 failureThreshold=3");
    }

    #[test]
    fn running_pod_layout() {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "nginx", "namespace": "default", "creationTimestamp": "2026-11-23T09:09:00Z",
                "labels": {"run": "nginx"}},
            "spec": {"nodeName": "w1-k8s", "priority": 0, "serviceAccountName": "default",
                "containers": [{"name": "nginx", "image": "nginx"}],
                "tolerations": [
                    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]},
            "status": {"phase": "Running", "hostIP": "192.168.1.101", "podIP": "172.16.221.129",
                "podIPs": [{"ip": "172.16.221.129"}], "startTime": "2026-11-23T09:09:00Z", "qosClass": "BestEffort",
                "conditions": [{"type": "Ready", "status": "True"}, {"type": "PodScheduled", "status": "True"}],
                "containerStatuses": [{"name": "nginx", "image": "docker.io/library/nginx:latest",
                    "imageID": "docker.io/library/nginx@sha256:abc", "containerID": "containerd://0123",
                    "ready": true, "restartCount": 0, "started": true,
                    "state": {"running": {"startedAt": "2026-11-23T09:09:05Z"}}}]}
        }))
        .unwrap();
        let ev: Event = serde_json::from_value(json!({
            "metadata": {"name": "nginx.1", "namespace": "default"},
            "involvedObject": {"kind": "Pod", "name": "nginx", "namespace": "default"},
            "reason": "Scheduled", "message": "Successfully assigned default/nginx to w1-k8s",
            "source": {"component": "default-scheduler"}, "type": "Normal", "count": 1,
            "firstTimestamp": "2026-11-23T09:09:00Z", "lastTimestamp": "2026-11-23T09:09:00Z"
        }))
        .unwrap();
        let pulled: Event = serde_json::from_value(json!({
            "metadata": {"name": "nginx.2", "namespace": "default"},
            "involvedObject": {"kind": "Pod", "name": "nginx", "namespace": "default", "fieldPath": "spec.containers{nginx}"},
            "reason": "Pulling", "message": "Pulling image \"nginx\"",
            "source": {"component": "kubelet", "host": "w1-k8s"}, "type": "Normal", "count": 4,
            "firstTimestamp": "2026-11-23T09:05:00Z", "lastTimestamp": "2026-11-23T09:09:01Z"
        }))
        .unwrap();
        let got = describe_pod(&pod, Some(&[ev, pulled]), &rc());
        let want = "\
Name:             nginx
Namespace:        default
Priority:         0
Service Account:  default
Node:             w1-k8s/192.168.1.101
Start Time:       Mon, 23 Nov 2026 09:09:00 +0000
Labels:           run=nginx
Annotations:      <none>
Status:           Running
IP:               172.16.221.129
IPs:
  IP:  172.16.221.129
Containers:
  nginx:
    Container ID:   containerd://0123
    Image:          nginx
    Image ID:       docker.io/library/nginx@sha256:abc
    Port:           <none>
    Host Port:      <none>
    State:          Running
      Started:      Mon, 23 Nov 2026 09:09:05 +0000
    Ready:          True
    Restart Count:  0
    Environment:    <none>
    Mounts:         <none>
Conditions:
  Type           Status
  Ready          True 
  PodScheduled   True 
Volumes:         <none>
QoS Class:       BestEffort
Node-Selectors:  <none>
Tolerations:     node.kubernetes.io/not-ready:NoExecute op=Exists for 300s
                 node.kubernetes.io/unreachable:NoExecute op=Exists for 300s
Events:
  Type    Reason     Age               From               Message
  ----    ------     ----              ----               -------
  Normal  Scheduled  60s               default-scheduler  Successfully assigned default/nginx to w1-k8s
  Normal  Pulling    59s (x4 over 5m)  kubelet            spec.containers{nginx}: Pulling image \"nginx\"
";
        assert_eq!(got, want);
    }

    #[test]
    fn no_events_and_secret_layout() {
        let s: Secret = serde_json::from_value(json!({
            "metadata": {"name": "db", "namespace": "default"}, "type": "Opaque",
            "data": {"password": "cGFzcw==", "user": "cm9vdA=="}
        }))
        .unwrap();
        assert_eq!(
            describe_secret(&s),
            "Name:         db\nNamespace:    default\nLabels:       <none>\nAnnotations:  <none>\n\nType:  Opaque\n\nData\n====\npassword:  4 bytes\nuser:      4 bytes\n"
        );
        let ns: Namespace = serde_json::from_value(json!({
            "metadata": {"name": "default", "labels": {"kubernetes.io/metadata.name": "default"}}, "status": {"phase": "Active"}
        }))
        .unwrap();
        assert_eq!(
            describe_namespace(&ns),
            "Name:         default\nLabels:       kubernetes.io/metadata.name=default\nAnnotations:  <none>\nStatus:       Active\n\nNo resource quota.\n\nNo LimitRange resource.\n"
        );
    }
}
