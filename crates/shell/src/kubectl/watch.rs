//! `kubectl get -w`: the current list, then one printed object per watch event, as kubectl's
//! `get.go` watch path does.
//!
//! What real kubectl does, and so what this does:
//! - It lists, prints every item (unless `--watch-only`), then watches from the list's
//!   `resourceVersion`, so no synthetic `ADDED` events repeat the list. Every event prints,
//!   including updates that change no visible column (a status write that only bumps
//!   `resourceVersion` prints the same row again).
//! - The API server filters the watch by the label and field selectors the way its watch cache
//!   does: an object that starts to match arrives as `ADDED`, one that stops matching as
//!   `DELETED` with its previous content. A deleted object prints its last state.
//! - Tables go through one tabwriter that remembers column widths across flushes (liggitt's
//!   `RememberWidths`), so event rows line up under the list's header, and a wider cell widens
//!   its column from that row on. The header is printed with the first table that has rows: an
//!   empty list prints nothing, and the first event then prints the header and its row.
//!   `--output-watch-events` adds an `EVENT` column (`ADDED`, `MODIFIED`, `DELETED`).
//! - `-o yaml` separates every printed object with `---`; `-o json` prints each object
//!   indented, and with `--output-watch-events` each event as one compact
//!   `{"type":…,"object":…}` line; `-o name` prints `kind/name` per event; jsonpath and
//!   custom-columns run per object (custom-columns prints its header once).
//!
//! Events come from the store's client watch ([`kubarium_engine::store::Store::open_watch`]),
//! not from comparing tables. Simulated time moves one due instant at a time while a stream
//! runs, so each row shows the ages of the instant its change happened.
//!
//! How long it runs: on the page the terminal keeps the [`Stream`] and feeds it as the clock
//! runs until Ctrl+C ([`crate::Session`]). A script has no Ctrl+C, so [`run_inline`] stops it
//! the way a learner would once nothing more is going to happen: when the cluster has nothing
//! but background housekeeping (heartbeats, event expiry) scheduled, when nothing is due
//! within [`SCRIPT_WATCH_QUIET_MS`] of the last printed change, or after
//! [`SCRIPT_WATCH_CAP_MS`] of simulated time, whichever comes first; kubectl then exits with
//! status 1, as its interrupt handler does. Under `timeout DURATION` the stream runs exactly
//! until the deadline instead.

use super::columns::RowContext;
use super::get::{field_matches, kind_prefix, table_header, table_row, FieldRequirement};
use super::get::{OutputFormat, TableOptions};
use crate::printers;
use kubarium_engine::api::selector::Selector;
use kubarium_engine::store::{WatchEventType, WatchId};
use kubarium_engine::{Cluster, Kind, Object, ObjectKey};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The longest a script's `kubectl get -w` runs without `timeout`: ten minutes of simulated
/// time (a learner watching a rollout, a job or a node going away presses Ctrl+C by then).
pub const SCRIPT_WATCH_CAP_MS: u64 = 10 * 60 * 1000;

/// A script's `kubectl get -w` also ends when nothing is scheduled within a minute of the last
/// change it printed: a Deployment's progress check ten minutes out or the next kubelet
/// heartbeat is no reason to keep watching, while pods starting, terminating within their
/// grace period, or restarting with short back-offs are all seen.
pub const SCRIPT_WATCH_QUIET_MS: u64 = 60 * 1000;

/// Which objects a watch delivers: the API server's filter for one resource collection.
#[derive(Debug, Clone)]
pub(crate) struct Filter {
    pub kind: Kind,
    /// The namespace watched; `None` for cluster-scoped kinds and `-A`.
    pub namespace: Option<String>,
    /// `kubectl get TYPE NAME -w` watches one object (a `metadata.name` field selector).
    pub name: Option<String>,
    pub selector: Selector,
    pub fields: Vec<FieldRequirement>,
}

impl Filter {
    fn in_scope(&self, key: &ObjectKey) -> bool {
        key.kind == self.kind
            && self
                .namespace
                .as_ref()
                .is_none_or(|ns| &key.namespace == ns)
            && self.name.as_ref().is_none_or(|n| &key.name == n)
    }

    fn passes(&self, o: &Object) -> bool {
        self.selector.matches(o.metadata().labels.as_ref()) && field_matches(o, &self.fields)
    }
}

/// How watched objects are printed: kubectl's printer for the `-o` format, with the state it
/// keeps between calls (remembered column widths, whether headers were printed, the YAML
/// document count).
pub(crate) struct Printer {
    format: OutputFormat,
    table: TableOptions,
    output_watch_events: bool,
    /// Column widths the tabwriter remembers across flushes.
    widths: Vec<usize>,
    printed_headers: bool,
    yaml_documents: usize,
    custom_header_printed: bool,
}

impl Printer {
    pub(crate) fn new(
        format: OutputFormat,
        table: TableOptions,
        output_watch_events: bool,
    ) -> Self {
        Printer {
            format,
            table,
            output_watch_events,
            widths: Vec::new(),
            printed_headers: false,
            yaml_documents: 0,
            custom_header_printed: false,
        }
    }

    /// Prints one batch: the initial list (one table) or one watch event.
    fn print(
        &mut self,
        kind: Kind,
        items: &[(WatchEventType, Arc<Object>)],
        now_unix_ms: i64,
    ) -> Result<String, String> {
        if let OutputFormat::Table { .. } = self.format {
            return Ok(self.print_table(kind, items, now_unix_ms));
        }
        if let OutputFormat::CustomColumns { spec, from_file } = &self.format {
            let (spec, from_file) = (spec.clone(), *from_file);
            return self.print_custom_columns(&spec, from_file, items);
        }
        let mut out = String::new();
        for (ty, obj) in items {
            let value = if self.output_watch_events {
                event_value(*ty, obj)
            } else {
                obj.to_value()
            };
            match &self.format {
                OutputFormat::Name => {
                    out.push_str(&format!("{}/{}\n", kind_prefix(obj.kind()), obj.name()))
                }
                OutputFormat::Yaml => {
                    if self.yaml_documents > 0 {
                        out.push_str("---\n");
                    }
                    self.yaml_documents += 1;
                    out.push_str(&printers::yaml::to_yaml(&value));
                }
                OutputFormat::Json if self.output_watch_events => {
                    // A WatchEvent marshals compactly, its fields in struct order.
                    out.push_str(&format!(
                        "{{\"type\":\"{}\",\"object\":{}}}\n",
                        event_type_name(*ty),
                        printers::json::to_json_compact(&obj.to_value())
                    ));
                }
                OutputFormat::Json => out.push_str(&printers::json::to_json(&value)),
                OutputFormat::JsonPath { template, as_json } => {
                    let t = printers::jsonpath::parse(template).map_err(|e| e.to_string())?;
                    let opts = printers::jsonpath::ExecuteOptions {
                        allow_missing_keys: true,
                        output_json: *as_json,
                    };
                    out.push_str(
                        &printers::jsonpath::execute_with(&t, &value, opts)
                            .map_err(|e| e.to_string())?,
                    );
                }
                OutputFormat::CustomColumns { .. } | OutputFormat::Table { .. } => {}
            }
        }
        Ok(out)
    }

    /// kubectl's `CustomColumnsPrinter`: its header once, before the first object, then a row
    /// per object. Rows of one batch are aligned together; unlike kubectl's shared
    /// tabwriter, later batches do not keep the earlier column widths.
    fn print_custom_columns(
        &mut self,
        spec: &str,
        from_file: bool,
        items: &[(WatchEventType, Arc<Object>)],
    ) -> Result<String, String> {
        use printers::custom_columns::CustomColumns;
        if items.is_empty() {
            return Ok(String::new());
        }
        let printer = if from_file {
            CustomColumns::from_template(spec)
        } else {
            CustomColumns::from_spec(spec, self.table.no_headers)
        };
        let values: Vec<Value> = items
            .iter()
            .map(|(ty, obj)| {
                if self.output_watch_events {
                    event_value(*ty, obj)
                } else {
                    obj.to_value()
                }
            })
            .collect();
        let text = printer
            .and_then(|p| p.print(&values))
            .map_err(|e| e.to_string())?;
        let has_header = from_file || !self.table.no_headers;
        let already = std::mem::replace(&mut self.custom_header_printed, true);
        Ok(if has_header && already {
            text.split_once('\n')
                .map_or("", |(_, rest)| rest)
                .to_string()
        } else {
            text
        })
    }

    /// kubectl's `HumanReadablePrinter` fed one table: the header only while none was printed
    /// and only when the table has rows, then the rows, flushed through the width-remembering
    /// tabwriter.
    fn print_table(
        &mut self,
        kind: Kind,
        items: &[(WatchEventType, Arc<Object>)],
        now_unix_ms: i64,
    ) -> String {
        if items.is_empty() {
            return String::new();
        }
        let rc = RowContext { now_unix_ms };
        let mut lines = Vec::with_capacity(items.len() + 1);
        if !self.table.no_headers && !self.printed_headers {
            let mut header = table_header(kind, &self.table);
            if self.output_watch_events {
                header.insert(0, "EVENT".to_string());
            }
            lines.push(header);
        }
        self.printed_headers = true;
        for (ty, obj) in items {
            let mut row = table_row(obj, &self.table, &rc);
            if self.output_watch_events {
                row.insert(0, event_type_name(*ty).to_string());
            }
            lines.push(row);
        }
        self.flush(&lines)
    }

    /// Aligns lines of cells the way kubectl's tabwriter does on a flush, remembering widths:
    /// every cell but a line's last is padded to its column's width, which is the widest cell
    /// plus 3 (at least 6) and never less than the width the column had at earlier flushes.
    /// Worked example: a header flushed with `STATUS` 10 wide (`Running` + 3), then a row with
    /// `ContainerCreating` makes that column 20 wide for this row and every later one.
    fn flush(&mut self, lines: &[Vec<String>]) -> String {
        use printers::tabwriter::{MIN_WIDTH, PADDING};
        let columns = lines.iter().map(Vec::len).max().unwrap_or(0);
        for col in 0..columns.saturating_sub(1) {
            let widest = lines
                .iter()
                .filter(|l| l.len() > col + 1)
                .map(|l| l[col].chars().count() + PADDING)
                .max()
                .unwrap_or(0)
                .max(MIN_WIDTH);
            match self.widths.get_mut(col) {
                Some(w) => *w = (*w).max(widest),
                None => self.widths.push(widest),
            }
        }
        let mut out = String::new();
        for line in lines {
            for (i, cell) in line.iter().enumerate() {
                out.push_str(cell);
                if i + 1 < line.len() {
                    let pad = self.widths[i].saturating_sub(cell.chars().count());
                    out.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.push('\n');
        }
        out
    }
}

/// `ADDED`, `MODIFIED`, `DELETED`: watch event types as the API sends them.
fn event_type_name(t: WatchEventType) -> &'static str {
    match t {
        WatchEventType::Added => "ADDED",
        WatchEventType::Modified => "MODIFIED",
        WatchEventType::Deleted => "DELETED",
    }
}

/// A running `kubectl get -w`: its watch on the store, its filter and printer.
pub struct Stream {
    watch: WatchId,
    filter: Filter,
    printer: Printer,
    /// Objects that passed the filter when last seen, with that content (the watch cache's
    /// previous object, for `DELETED` when an object stops matching).
    passing: BTreeMap<ObjectKey, Arc<Object>>,
    /// When `timeout` ends the stream, in simulated Unix milliseconds.
    deadline_unix_ms: Option<u64>,
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream")
            .field("watch", &self.watch)
            .field("kind", &self.filter.kind)
            .field("deadline_unix_ms", &self.deadline_unix_ms)
            .finish()
    }
}

impl Stream {
    /// Opens the watch right after the list was read (same revision: nothing settles in
    /// between) and prints the list unless `watch_only`. Returns the stream and that text.
    pub(crate) fn open(
        cluster: &Cluster,
        filter: Filter,
        mut printer: Printer,
        listed: &[Arc<Object>],
        watch_only: bool,
        deadline_unix_ms: Option<u64>,
    ) -> Result<(Stream, String), String> {
        let text = if watch_only {
            String::new()
        } else {
            let items: Vec<(WatchEventType, Arc<Object>)> = listed
                .iter()
                .map(|o| (WatchEventType::Added, o.clone()))
                .collect();
            printer.print(filter.kind, &items, cluster.now_unix_ms() as i64)?
        };
        let passing =
            kubarium_engine::sort::collect_map(listed.iter().map(|o| (o.key(), o.clone())));
        let watch = cluster.api_ref().store().open_watch();
        Ok((
            Stream {
                watch,
                filter,
                printer,
                passing,
                deadline_unix_ms,
            },
            text,
        ))
    }

    /// When `timeout` ends this stream, if it does.
    pub fn deadline_unix_ms(&self) -> Option<u64> {
        self.deadline_unix_ms
    }

    /// Prints the events the watch received since the last call, at the current instant.
    pub fn poll(&mut self, cluster: &Cluster) -> Result<String, String> {
        let events = cluster.api_ref().store().take_watch_events(self.watch);
        let now = cluster.now_unix_ms() as i64;
        let mut out = String::new();
        for ev in events {
            if !self.filter.in_scope(&ev.key) {
                continue;
            }
            let passes = ev.event_type != WatchEventType::Deleted && self.filter.passes(&ev.object);
            let previous = self.passing.get(&ev.key).cloned();
            let delivered = match (passes, previous) {
                (true, None) => (WatchEventType::Added, ev.object.clone()),
                (true, Some(_)) => (WatchEventType::Modified, ev.object.clone()),
                (false, Some(_)) if ev.event_type == WatchEventType::Deleted => {
                    (WatchEventType::Deleted, ev.object.clone())
                }
                (false, Some(mut prev)) => {
                    // The watch cache sends the previous content with the event's version.
                    Arc::make_mut(&mut prev).metadata_mut().resource_version =
                        ev.object.metadata().resource_version.clone();
                    (WatchEventType::Deleted, prev)
                }
                (false, None) => continue,
            };
            if passes {
                self.passing.insert(ev.key.clone(), ev.object.clone());
            } else {
                self.passing.remove(&ev.key);
            }
            out.push_str(&self.printer.print(self.filter.kind, &[delivered], now)?);
        }
        Ok(out)
    }

    /// Lets simulated time run up to `until_unix_ms` one due instant at a time, printing what
    /// each instant changed into `out`. With `quiet_ms` (a script's stream), stops early, as a
    /// learner would press Ctrl+C, once only background housekeeping is scheduled or nothing
    /// at all is due within `quiet_ms` of the last printed change; the clock then stays at
    /// the last instant that ran. Returns whether the stream may go on (false once it
    /// stopped: deadline, quiet, or a printing error, which is written to `err`).
    pub fn run_until(
        &mut self,
        cluster: &mut Cluster,
        until_unix_ms: u64,
        quiet_ms: Option<u64>,
        out: &mut String,
        err: &mut String,
    ) -> bool {
        let until = match self.deadline_unix_ms {
            Some(d) => d.min(until_unix_ms),
            None => until_unix_ms,
        };
        let mut last_change = cluster.now_unix_ms();
        loop {
            let now = cluster.now_unix_ms();
            if now >= until {
                return self.deadline_unix_ms.is_none_or(|d| now < d);
            }
            let due = cluster.next_due().map_or(u64::MAX, |t| t.unix_ms());
            if quiet_ms.is_some_and(|q| due > last_change.saturating_add(q)) {
                return false;
            }
            if due <= now {
                cluster.advance(0);
            } else if due > until {
                cluster.advance(until - now);
            } else if quiet_ms.is_some() {
                // Steps to `due` only while foreground work is scheduled.
                if cluster.run_until_idle(due - now) == 0 {
                    return false;
                }
            } else {
                cluster.advance(due - now);
            }
            match self.poll(cluster) {
                Ok(text) if text.is_empty() => {}
                Ok(text) => {
                    out.push_str(&text);
                    last_change = cluster.now_unix_ms();
                }
                Err(e) => {
                    err.push_str(&format!("error: {e}\n"));
                    return false;
                }
            }
        }
    }

    /// Ends the watch (Ctrl+C, the deadline, or the end of a script's stream).
    pub fn close(self, cluster: &Cluster) {
        cluster.api_ref().store().close_watch(self.watch);
    }
}

/// Runs a stream inside the command (scripts and the native terminal): until `timeout`'s
/// deadline when one is set, else until the cluster is quiet (see [`Stream::run_until`] and
/// [`SCRIPT_WATCH_QUIET_MS`]) or [`SCRIPT_WATCH_CAP_MS`] passed.
/// Returns kubectl's status: 1, as when its interrupt handler ends a watch.
pub(crate) fn run_inline(ctx: &mut super::Ctx, mut stream: Stream) -> i32 {
    let now = ctx.cluster.now_unix_ms();
    let (until, quiet) = match stream.deadline_unix_ms {
        Some(d) => (d, None),
        None => (now + SCRIPT_WATCH_CAP_MS, Some(SCRIPT_WATCH_QUIET_MS)),
    };
    let mut out = String::new();
    let mut err = String::new();
    stream.run_until(ctx.cluster, until, quiet, &mut out, &mut err);
    ctx.out(out);
    ctx.err(err);
    stream.close(ctx.cluster);
    1
}

/// A `metav1.WatchEvent` as printers see it under `--output-watch-events`.
fn event_value(ty: WatchEventType, obj: &Object) -> Value {
    json!({"type": event_type_name(ty), "object": obj.to_value()})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> TableOptions {
        TableOptions {
            wide: false,
            all_namespaces: false,
            show_kind: false,
            no_headers: false,
            show_labels: false,
            label_columns: Vec::new(),
        }
    }

    #[test]
    fn rows_keep_the_widths_of_earlier_flushes_and_wider_cells_widen_them() {
        let mut p = Printer::new(OutputFormat::Table { wide: false }, opts(), false);
        let cells = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let first = p.flush(&[
            cells(&["NAME", "READY", "STATUS", "AGE"]),
            cells(&["web-1", "1/1", "Running", "5s"]),
        ]);
        assert_eq!(
            first,
            "NAME    READY   STATUS    AGE\nweb-1   1/1     Running   5s\n"
        );
        let next = p.flush(&[cells(&["web-1", "0/1", "ContainerCreating", "6s"])]);
        assert_eq!(next, "web-1   0/1     ContainerCreating   6s\n");
        let after = p.flush(&[cells(&["web-1", "1/1", "Running", "7s"])]);
        assert_eq!(after, "web-1   1/1     Running             7s\n");
    }

    #[test]
    fn watch_events_carry_type_and_object() {
        let pod = Object::Pod(Default::default());
        let v = event_value(WatchEventType::Deleted, &pod);
        assert_eq!(v["type"], "DELETED");
        assert_eq!(v["object"]["kind"], "Pod");
    }
}
