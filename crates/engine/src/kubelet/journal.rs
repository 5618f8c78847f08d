//! The node's systemd journal, as far as `containerd.service` and `kubelet.service` write to
//! it: what `journalctl -u containerd` and the tail of `systemctl status` show.
//!
//! Every entry comes from something that happened on the node: systemd starting and stopping
//! a unit, containerd loading its config (and warning about keys it does not know), a pull
//! failing, the kubelet losing its container runtime. Messages are kept as the daemon wrote
//! them: containerd through logrus (`time="…" level=info msg="…" key=value`, fields sorted),
//! the kubelet through klog (`E1123 09:05:01.123456    1042 kubelet.go:3115] "msg" key="value"`).
//! The journald prefix (`Nov 23 09:05:01 w1-k8s containerd[812]: `) is the reader's job.
//!
//! A daemon that logs the same failure on a timer (the kubelet's PLEG relist every second and
//! its runtime check every 5 s while containerd is down) is kept as one [`Repeat`], expanded
//! when the journal is read.

use crate::sim::clock::{civil_from_days, EPOCH_UNIX_MS};
use crate::sim::SimTime;

/// The units whose lines the journal keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unit {
    Containerd,
    Kubelet,
}

impl Unit {
    /// The unit's file name, as `-u` matches it (`containerd.service`).
    pub fn name(self) -> &'static str {
        match self {
            Unit::Containerd => "containerd.service",
            Unit::Kubelet => "kubelet.service",
        }
    }
}

/// One journal entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Nanoseconds since simulated time 0.
    pub at_ns: u64,
    pub unit: Unit,
    /// `SYSLOG_IDENTIFIER`: `systemd` (PID 1, about the unit), `containerd` or `kubelet`.
    pub ident: &'static str,
    pub pid: u32,
    /// Journal priority: 3 err, 4 warning, 6 info.
    pub priority: u8,
    pub message: String,
}

/// A klog line a daemon repeats on a timer until something stops it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repeat {
    pub unit: Unit,
    pub ident: &'static str,
    pub pid: u32,
    pub first_ns: u64,
    pub period_ns: u64,
    /// Exclusive end; `None` while it goes on.
    pub until_ns: Option<u64>,
    /// klog severity letter (`E`, `W`, `I`).
    pub severity: char,
    /// `file.go:line`.
    pub source: &'static str,
    /// What follows `] `: the quoted message and its key/value pairs.
    pub text: String,
    /// For the kubelet's `Skipping pod synchronization`: its last good PLEG relist. Once
    /// that is more than 3 min old the error also says the PLEG is not healthy.
    pub pleg_last_relist_ns: Option<u64>,
}

/// The journal of one node (only the units above).
#[derive(Clone, Debug, Default)]
pub struct Journal {
    entries: Vec<Entry>,
    repeats: Vec<Repeat>,
    /// Draws for the sub-millisecond part of timestamps (deterministic, per journal).
    seq: u64,
}

/// Entries kept before the oldest are dropped (journald rotates too).
const MAX_ENTRIES: usize = 20_000;

impl Journal {
    /// A sub-millisecond offset in nanoseconds, different for each call.
    fn jitter_ns(&mut self) -> u64 {
        self.seq = self.seq.wrapping_add(1);
        // SplitMix64 of the sequence number.
        let mut z = self.seq.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % 1_000_000
    }

    /// An instant inside the millisecond `at`, after every entry already written.
    pub fn stamp(&mut self, at: SimTime) -> u64 {
        let base = at.ms() * 1_000_000 + self.jitter_ns() / 4;
        let last = self.entries.last().map_or(0, |e| e.at_ns);
        base.max(last + 1_000 + self.jitter_ns() % 20_000)
    }

    /// Appends an entry written at `at_ns` (see [`Journal::stamp`]).
    pub fn push(
        &mut self,
        at_ns: u64,
        unit: Unit,
        ident: &'static str,
        pid: u32,
        priority: u8,
        message: String,
    ) {
        if self.entries.len() >= MAX_ENTRIES {
            self.entries.drain(..MAX_ENTRIES / 4);
        }
        self.entries.push(Entry {
            at_ns,
            unit,
            ident,
            pid,
            priority,
            message,
        });
    }

    /// A line from systemd (PID 1) about `unit`.
    pub fn systemd(&mut self, at_ns: u64, unit: Unit, message: String) {
        self.push(at_ns, unit, "systemd", 1, 6, message);
    }

    /// Starts a repeating line.
    pub fn start_repeat(&mut self, r: Repeat) {
        self.repeats.push(r);
    }

    /// Ends every repeating line of `unit` still going at `at_ns`.
    pub fn stop_repeats(&mut self, unit: Unit, at_ns: u64) {
        for r in self.repeats.iter_mut() {
            if r.unit == unit && r.until_ns.is_none() {
                r.until_ns = Some(at_ns);
            }
        }
    }

    /// Every entry written up to `now`, repeats expanded, in time order.
    pub fn read(&self, now: SimTime) -> Vec<Entry> {
        let end = (now.ms() + 1) * 1_000_000;
        let mut out: Vec<Entry> = self.entries.clone();
        for r in &self.repeats {
            let stop = r.until_ns.unwrap_or(end).min(end);
            let mut t = r.first_ns;
            let mut n = 0u64;
            while t < stop {
                // The timer drifts by a few microseconds each round, as a real one does.
                let at_ns = t + (n * 7_919 % 90) * 1_000;
                out.push(Entry {
                    at_ns,
                    unit: r.unit,
                    ident: r.ident,
                    pid: r.pid,
                    priority: if r.severity == 'E' { 3 } else { 6 },
                    message: klog_line(at_ns, r.severity, r.pid, r.source, &repeat_text(r, at_ns)),
                });
                t += r.period_ns;
                n += 1;
            }
        }
        out.sort_by_key(|e| e.at_ns);
        out
    }
}

/// The text of one round of a repeat (see [`Repeat::pleg_last_relist_ns`]).
fn repeat_text(r: &Repeat, at_ns: u64) -> String {
    match r.pleg_last_relist_ns {
        Some(relist) if at_ns.saturating_sub(relist) > 180_000_000_000 => {
            let ago = go_duration_ns(at_ns - relist);
            format!("\"Skipping pod synchronization\" err=\"[container runtime is down, PLEG is not healthy: pleg was last seen active {ago} ago; threshold is 3m0s]\"")
        }
        _ => r.text.clone(),
    }
}

/// Go's `time.Duration` string of a nanosecond span: `3m5.000761s`, `1.5s`, `250ms`.
pub fn go_duration_ns(ns: u64) -> String {
    if ns < 1_000_000_000 {
        let ms = ns / 1_000_000;
        let frac = format!("{:06}", ns % 1_000_000);
        let frac = frac.trim_end_matches('0');
        return if frac.is_empty() {
            format!("{ms}ms")
        } else {
            format!("{ms}.{frac}ms")
        };
    }
    let secs = ns / 1_000_000_000;
    let frac = format!("{:09}", ns % 1_000_000_000);
    let frac = frac.trim_end_matches('0');
    let s = if frac.is_empty() {
        format!("{}s", secs % 60)
    } else {
        format!("{}.{frac}s", secs % 60)
    };
    match (secs / 3600, secs / 60 % 60) {
        (0, 0) => s,
        (0, m) => format!("{m}m{s}"),
        (h, m) => format!("{h}h{m}m{s}"),
    }
}

/// systemd's `format_timespan` at millisecond accuracy: `6min 40.143s`, `1.137s`.
pub fn systemd_timespan(ms: u64) -> String {
    if ms == 0 {
        return "0".to_string();
    }
    let mut parts = Vec::new();
    let mut rest = ms;
    for (unit, len) in [("d", 86_400_000u64), ("h", 3_600_000), ("min", 60_000)] {
        if rest >= len {
            parts.push(format!("{}{unit}", rest / len));
            rest %= len;
        }
    }
    if rest > 0 {
        let (s, frac) = (rest / 1000, rest % 1000);
        if frac == 0 {
            parts.push(format!("{s}s"));
        } else if s == 0 && parts.is_empty() {
            parts.push(format!("{frac}ms"));
        } else {
            let f = format!("{frac:03}");
            parts.push(format!("{s}.{}s", f.trim_end_matches('0')));
        }
    }
    parts.join(" ")
}

/// Civil date and time of an instant: (year, month, day, seconds of day, nanoseconds).
fn civil(at_ns: u64) -> (i64, u32, u32, u64, u64) {
    let unix_ns = EPOCH_UNIX_MS as u128 * 1_000_000 + at_ns as u128;
    let secs = (unix_ns / 1_000_000_000) as i64;
    let nanos = (unix_ns % 1_000_000_000) as u64;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    (y, m, d, secs.rem_euclid(86_400) as u64, nanos)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// journald's short timestamp: `Nov 23 09:00:00`.
pub fn short_time(at_ns: u64) -> String {
    let (_, m, d, sod, _) = civil(at_ns);
    format!(
        "{} {d:02} {:02}:{:02}:{:02}",
        MONTHS[(m - 1) as usize],
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

/// Go's `strconv.Quote` for the text we log (ASCII escapes; other characters kept).
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A logrus text value: bare when it is only letters, digits and `-._/@^+`, else quoted.
fn logrus_value(v: &str) -> String {
    let bare = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._/@^+".contains(c));
    if bare {
        v.to_string()
    } else {
        go_quote(v)
    }
}

/// A containerd log line (logrus text formatter, RFC 3339 time with nanoseconds, fields
/// sorted by key): `time="2026-11-23T09:00:00.123456789Z" level=info msg="starting
/// containerd" revision=… version=v2.1.4`.
pub fn logrus_line(at_ns: u64, level: &str, msg: &str, fields: &[(&str, String)]) -> String {
    let (y, m, d, sod, nanos) = civil(at_ns);
    let mut s = format!(
        "time=\"{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{nanos:09}Z\" level={level} msg={}",
        sod / 3600,
        sod / 60 % 60,
        sod % 60,
        logrus_value(msg)
    );
    let mut sorted: Vec<&(&str, String)> = fields.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    for (k, v) in sorted {
        s.push(' ');
        s.push_str(k);
        s.push('=');
        s.push_str(&logrus_value(v));
    }
    s
}

/// A klog line: `E1123 09:05:01.123456    1042 kubelet.go:3115] "msg" key="value"`
/// (`text` is everything after `] `).
pub fn klog_line(at_ns: u64, severity: char, pid: u32, source: &str, text: &str) -> String {
    let (_, m, d, sod, nanos) = civil(at_ns);
    format!(
        "{severity}{m:02}{d:02} {:02}:{:02}:{:02}.{:06} {pid:>7} {source}] {text}",
        sod / 3600,
        sod / 60 % 60,
        sod % 60,
        nanos / 1_000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_like_the_daemons_write_them() {
        let at = 61_000_000_000 + 123_456_789;
        assert_eq!(short_time(at), "Nov 23 09:01:01");
        assert_eq!(
            logrus_line(
                at,
                "warning",
                "Ignoring unknown key in TOML for plugin",
                &[
                    ("plugin", "io.containerd.grpc.v1.cri".into()),
                    ("key", "registry configs".into()),
                    (
                        "error",
                        "strict mode: fields in the document are missing in the target struct"
                            .into()
                    ),
                ]
            ),
            "time=\"2026-11-23T09:01:01.123456789Z\" level=warning msg=\"Ignoring unknown key in TOML for plugin\" error=\"strict mode: fields in the document are missing in the target struct\" key=\"registry configs\" plugin=io.containerd.grpc.v1.cri"
        );
        assert_eq!(
            logrus_line(at, "info", "serving...", &[("address", "/run/containerd/containerd.sock".into())]),
            "time=\"2026-11-23T09:01:01.123456789Z\" level=info msg=serving... address=/run/containerd/containerd.sock"
        );
        assert_eq!(
            klog_line(at, 'E', 1042, "kubelet.go:3115", "\"Container runtime sanity check failed\""),
            "E1123 09:01:01.123456    1042 kubelet.go:3115] \"Container runtime sanity check failed\""
        );
        assert_eq!(go_quote("a \"b\"\n"), "\"a \\\"b\\\"\\n\"");
        assert_eq!(go_duration_ns(185_000_761_000), "3m5.000761s");
        assert_eq!(systemd_timespan(400_143), "6min 40.143s");
    }

    #[test]
    fn repeats_expand_until_stopped_and_stamps_increase() {
        let mut j = Journal::default();
        let a = j.stamp(SimTime(1_000));
        j.systemd(a, Unit::Containerd, "Stopping".into());
        let b = j.stamp(SimTime(1_000));
        assert!(b > a && b < 2_000_000_000);
        j.start_repeat(Repeat {
            unit: Unit::Kubelet,
            ident: "kubelet",
            pid: 7,
            first_ns: 2_000_000_000,
            period_ns: 5_000_000_000,
            until_ns: None,
            severity: 'E',
            source: "kubelet.go:3115",
            text: "\"x\"".into(),
            pleg_last_relist_ns: None,
        });
        assert_eq!(j.read(SimTime(13_000)).len(), 1 + 3);
        j.stop_repeats(Unit::Kubelet, 8_000_000_000);
        let lines = j.read(SimTime(60_000));
        assert_eq!(lines.len(), 1 + 2);
        assert!(lines.windows(2).all(|w| w[0].at_ns <= w[1].at_ns));
        assert_eq!(lines[2].priority, 3);
    }
}
