//! `journalctl` on a node (systemd 255, Ubuntu 24.04): the journal the node keeps for
//! `containerd.service` and `kubelet.service` (see `kubarium_engine::kubelet::journal`), in
//! the short output format. systemd 255 prints no `-- Logs begin at … --` header (it became
//! a debug message in v250); an empty selection prints `-- No entries --`.
//!
//! Options: `-u UNIT` (repeatable), `-n N` / `--lines=N`, `-e` (the last 1000), `-f` (the
//! last 10, then returns: a script has no one to press Ctrl-C), `--since`/`-S`, `--until`/`-U`
//! (`-2min`, `10 min ago`, `YYYY-MM-DD HH:MM[:SS]`, `HH:MM[:SS]`, `today`, `now`),
//! `-p PRIORITY` (`err`, `warning`, `info`, or 0–7), `-o short|cat`, `-q`; `-x`,
//! `--no-pager`, `-l`, `-a` and `-b` are accepted (no catalog texts are added).

use crate::output::Output;
use kubarium_engine::kubelet::journal::{short_time, Entry, Unit};
use kubarium_engine::Cluster;

/// One journal entry in the short format: `Nov 23 09:00:00 w1-k8s containerd[611]: …`.
pub fn short_line(host: &str, e: &Entry) -> String {
    format!(
        "{} {host} {}[{}]: {}",
        short_time(e.at_ns),
        e.ident,
        e.pid,
        e.message
    )
}

/// The journal entries of `unit` on `node`, oldest first.
pub fn unit_entries(cluster: &mut Cluster, node: &str, unit: Unit) -> Vec<Entry> {
    let now = cluster.now();
    cluster
        .kubelet_mut(node)
        .map(|k| k.journal().read(now))
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.unit == unit)
        .collect()
}

fn unit_of(arg: &str) -> Option<Unit> {
    match arg.strip_suffix(".service").unwrap_or(arg) {
        "containerd" => Some(Unit::Containerd),
        "kubelet" => Some(Unit::Kubelet),
        _ => None,
    }
}

fn priority_of(arg: &str) -> Option<u8> {
    let top = arg.split("..").last().unwrap_or(arg);
    match top {
        "emerg" => Some(0),
        "alert" => Some(1),
        "crit" => Some(2),
        "err" => Some(3),
        "warning" => Some(4),
        "notice" => Some(5),
        "info" => Some(6),
        "debug" => Some(7),
        n => n.parse::<u8>().ok().filter(|p| *p <= 7),
    }
}

/// A `--since`/`--until` time as nanoseconds of simulated time.
fn parse_time(arg: &str, now_ms: u64) -> Option<u64> {
    let now_ns = now_ms * 1_000_000;
    let unit_ms = |u: &str| -> Option<u64> {
        Some(match u {
            "s" | "sec" | "secs" | "second" | "seconds" => 1_000,
            "m" | "min" | "mins" | "minute" | "minutes" => 60_000,
            "h" | "hour" | "hours" => 3_600_000,
            "d" | "day" | "days" => 86_400_000,
            _ => return None,
        })
    };
    let relative = |spec: &str| -> Option<u64> {
        let spec = spec.trim();
        let digits: String = spec.chars().take_while(|c| c.is_ascii_digit()).collect();
        let n: u64 = digits.parse().ok()?;
        let ms = n * unit_ms(spec[digits.len()..].trim())?;
        Some(now_ns.saturating_sub(ms * 1_000_000))
    };
    match arg {
        "now" => return Some(now_ns),
        "today" => {
            let day_ms = (kubarium_engine::sim::clock::EPOCH_UNIX_MS + now_ms) % 86_400_000;
            return Some(now_ns.saturating_sub(day_ms * 1_000_000));
        }
        _ => {}
    }
    if let Some(rest) = arg.strip_prefix('-') {
        return relative(rest);
    }
    if let Some(rest) = arg.strip_suffix(" ago") {
        return relative(rest);
    }
    // Absolute: [YYYY-MM-DD ]HH:MM[:SS] (UTC).
    let (date, time) = match arg.split_once(' ') {
        Some((d, t)) => (Some(d), t),
        None if arg.contains(':') => (None, arg),
        None => (Some(arg), "00:00:00"),
    };
    let hms: Vec<u64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let secs_of_day = match hms.as_slice() {
        [h, m] => h * 3600 + m * 60,
        [h, m, s] => h * 3600 + m * 60 + s,
        _ => return None,
    };
    let epoch = kubarium_engine::sim::clock::EPOCH_UNIX_MS;
    let day_start_ms = match date {
        None => (epoch + now_ms) / 86_400_000 * 86_400_000,
        Some(d) => {
            let p: Vec<i64> = d
                .split('-')
                .map(|x| x.parse().ok())
                .collect::<Option<_>>()?;
            let [y, m, dd] = p.as_slice() else {
                return None;
            };
            days_from_civil(*y, *m, *dd) as u64 * 86_400_000
        }
    };
    let unix_ms = day_start_ms + secs_of_day * 1000;
    Some(unix_ms.saturating_sub(epoch) * 1_000_000)
}

/// Days since 1970-01-01 of a civil date (the inverse of `civil_from_days`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Runs `journalctl ARGS…` on `node`; returns the exit status.
pub fn run(cluster: &mut Cluster, node: &str, args: &[String], out: &mut Output) -> i32 {
    let mut units: Vec<Unit> = Vec::new();
    // Any `-u` restricts the output, even to a unit without entries.
    let mut unit_filter = false;
    let mut lines: Option<usize> = None;
    let mut follow = false;
    let mut end = false;
    let mut since: Option<u64> = None;
    let mut until: Option<u64> = None;
    let mut max_priority = 7u8;
    let mut cat = false;
    let mut quiet = false;
    let now_ms = cluster.now().ms();
    let mut i = 0;
    // Short options cluster (`-xeu containerd`); the value of the last one may follow.
    while i < args.len() {
        let a = args[i].as_str();
        let take = |i: &mut usize, inline: Option<&str>| -> Option<String> {
            if let Some(v) = inline {
                return Some(v.to_string());
            }
            *i += 1;
            args.get(*i).cloned()
        };
        if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            match name {
                "unit" => match take(&mut i, inline) {
                    Some(v) => {
                        unit_filter = true;
                        units.extend(unit_of(&v));
                    }
                    None => return missing(out, "unit"),
                },
                "lines" => lines = take(&mut i, inline).and_then(|v| v.parse().ok()),
                "follow" => follow = true,
                "pager-end" => end = true,
                "since" => since = take(&mut i, inline).and_then(|v| parse_time(&v, now_ms)),
                "until" => until = take(&mut i, inline).and_then(|v| parse_time(&v, now_ms)),
                "priority" => {
                    max_priority = take(&mut i, inline)
                        .and_then(|v| priority_of(&v))
                        .unwrap_or(7)
                }
                "output" => cat = take(&mut i, inline).as_deref() == Some("cat"),
                "quiet" => quiet = true,
                "no-pager" | "catalog" | "full" | "all" | "boot" | "no-hostname" | "utc" => {}
                other => {
                    out.stderr(format!("journalctl: unrecognized option '--{other}'\n"));
                    return 1;
                }
            }
        } else if let Some(short) = a.strip_prefix('-').filter(|s| !s.is_empty()) {
            let chars: Vec<char> = short.chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let rest: String = chars[j + 1..].iter().collect();
                let inline = (!rest.is_empty()).then_some(rest.as_str());
                match chars[j] {
                    'u' | 'n' | 'S' | 'U' | 'p' | 'o' => {
                        let v = take(&mut i, inline);
                        match chars[j] {
                            'u' => match v {
                                Some(v) => {
                                    unit_filter = true;
                                    units.extend(unit_of(&v));
                                }
                                None => return missing(out, "u"),
                            },
                            'n' => lines = v.and_then(|v| v.parse().ok()),
                            'S' => since = v.and_then(|v| parse_time(&v, now_ms)),
                            'U' => until = v.and_then(|v| parse_time(&v, now_ms)),
                            'p' => max_priority = v.and_then(|v| priority_of(&v)).unwrap_or(7),
                            _ => cat = v.as_deref() == Some("cat"),
                        }
                        j = chars.len();
                        continue;
                    }
                    'f' => follow = true,
                    'e' => end = true,
                    'q' => quiet = true,
                    'x' | 'l' | 'a' | 'b' | 'r' => {}
                    other => {
                        out.stderr(format!("journalctl: invalid option -- '{other}'\n"));
                        return 1;
                    }
                }
                j += 1;
            }
        } else {
            out.stderr(format!(
                "Kubarium: journalctl matches ({a}) are not simulated; use -u UNIT.\n"
            ));
            return 1;
        }
        i += 1;
    }
    let host = crate::node_files::os_hostname(node).to_string();
    let now = cluster.now();
    let mut entries: Vec<Entry> = cluster
        .kubelet_mut(node)
        .map(|k| k.journal().read(now))
        .unwrap_or_default()
        .into_iter()
        .filter(|e| !unit_filter || units.contains(&e.unit))
        .filter(|e| e.priority <= max_priority)
        .filter(|e| since.is_none_or(|s| e.at_ns >= s))
        .filter(|e| until.is_none_or(|u| e.at_ns <= u))
        .collect();
    let keep = lines.or(if follow {
        Some(10)
    } else if end {
        Some(1000)
    } else {
        None
    });
    if let Some(n) = keep {
        let skip = entries.len().saturating_sub(n);
        entries.drain(..skip);
    }
    if entries.is_empty() {
        if !quiet {
            out.stdout("-- No entries --\n");
        }
        return 0;
    }
    let mut text = String::new();
    for e in &entries {
        if cat {
            text.push_str(&e.message);
        } else {
            text.push_str(&short_line(&host, e));
        }
        text.push('\n');
    }
    out.stdout(text);
    0
}

fn missing(out: &mut Output, opt: &str) -> i32 {
    out.stderr(format!(
        "journalctl: option requires an argument -- '{opt}'\n"
    ));
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_understands_relative_and_absolute_times() {
        let now_ms = 600_000; // 09:10:00
        assert_eq!(parse_time("-2min", now_ms), Some(480_000 * 1_000_000));
        assert_eq!(parse_time("5 min ago", now_ms), Some(300_000 * 1_000_000));
        assert_eq!(parse_time("09:05", now_ms), Some(300_000 * 1_000_000));
        assert_eq!(
            parse_time("2026-11-23 09:01:30", now_ms),
            Some(90_000 * 1_000_000)
        );
        assert_eq!(parse_time("today", now_ms), Some(0));
        assert_eq!(priority_of("warning"), Some(4));
        assert_eq!(priority_of("0..3"), Some(3));
    }
}
