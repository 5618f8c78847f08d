//! Clock and system utilities: `sleep`, `date`, `env`/`printenv`, `which`.

use super::super::{CommandIo, Host};

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

use kubarium_engine::sim::clock::civil_from_days;

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Formats seconds since the epoch (UTC) with a `strftime`-style format.
pub fn format_date(secs: i64, fmt: &str) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    let wday = (days + 4).rem_euclid(7) as usize;
    let cum = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let yday = cum[(m - 1) as usize] + d as i64 + if m > 2 && is_leap(y) { 1 } else { 0 };
    let month = MONTHS[(m - 1) as usize];
    let mut out = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(spec) = chars.next() else {
            out.push('%');
            break;
        };
        let h12 = if hh % 12 == 0 { 12 } else { hh % 12 };
        let piece = match spec {
            'a' => DAYS[wday][..3].to_string(),
            'A' => DAYS[wday].to_string(),
            'b' | 'h' => month[..3].to_string(),
            'B' => month.to_string(),
            'd' => format!("{d:02}"),
            'e' => format!("{d:>2}"),
            'H' => format!("{hh:02}"),
            'I' => format!("{h12:02}"),
            'M' => format!("{mm:02}"),
            'S' => format!("{ss:02}"),
            'p' => if hh < 12 { "AM" } else { "PM" }.to_string(),
            'Y' => y.to_string(),
            'y' => format!("{:02}", y.rem_euclid(100)),
            'C' => format!("{:02}", y / 100),
            'm' => format!("{m:02}"),
            'j' => format!("{yday:03}"),
            's' => secs.to_string(),
            'T' => format!("{hh:02}:{mm:02}:{ss:02}"),
            'R' => format!("{hh:02}:{mm:02}"),
            'F' => format!("{y}-{m:02}-{d:02}"),
            'D' => format!("{m:02}/{d:02}/{:02}", y.rem_euclid(100)),
            'Z' => "UTC".to_string(),
            'z' => "+0000".to_string(),
            'u' => (if wday == 0 { 7 } else { wday }).to_string(),
            'w' => wday.to_string(),
            'N' => "000000000".to_string(),
            'n' => "\n".to_string(),
            't' => "\t".to_string(),
            '%' => "%".to_string(),
            'c' => format_date(secs, "%a %b %e %H:%M:%S %Y"),
            other => format!("%{other}"),
        };
        out.push_str(&piece);
    }
    out
}

/// `date [-u] [-d @SECS] [-I] [-R] [+FORMAT]` on the simulated clock (UTC).
pub fn date(args: &[String], io: &mut CommandIo<'_>, host: &mut dyn Host) -> i32 {
    let mut secs = (host.now_unix_ms() / 1000) as i64;
    let mut fmt = "%a %b %e %H:%M:%S %Z %Y".to_string();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let date_arg = if a == "-d" || a == "--date" {
            i += 1;
            args.get(i).cloned()
        } else {
            a.strip_prefix("--date=")
                .or_else(|| a.strip_prefix("-d").filter(|v| !v.is_empty()))
                .map(str::to_string)
        };
        if let Some(d) = date_arg {
            match d.strip_prefix('@').and_then(|n| n.parse::<i64>().ok()) {
                Some(n) => secs = n,
                None if d == "now" => {}
                None => {
                    io.out
                        .stderr(format!("date: invalid date \u{2018}{d}\u{2019}\n"));
                    return 1;
                }
            }
        } else if let Some(f) = a.strip_prefix('+') {
            fmt = f.to_string();
        } else if a == "-I" || a == "--iso-8601" {
            fmt = "%F".into();
        } else if a == "-R" || a == "--rfc-email" {
            fmt = "%a, %d %b %Y %H:%M:%S %z".into();
        } else if a == "-u" || a == "--utc" {
        } else {
            io.out
                .stderr(format!("date: invalid date \u{2018}{a}\u{2019}\n"));
            return 1;
        }
        i += 1;
    }
    io.out.stdout(format!("{}\n", format_date(secs, &fmt)));
    0
}

/// The longest interval `sleep` and `timeout` take: a year of simulated time (the simulation
/// has nothing to do beyond that).
const MAX_INTERVAL_MS: u64 = 365 * 86_400_000;

/// A GNU time interval (`sleep`, `timeout`): a non-negative decimal number with an optional
/// `s`, `m`, `h` or `d` suffix, in milliseconds (`1.5m` is 90,000), at most a year.
pub fn parse_interval_ms(s: &str) -> Option<u64> {
    let (num, mult) = match s.chars().last()? {
        's' => (&s[..s.len() - 1], 1.0),
        'm' => (&s[..s.len() - 1], 60.0),
        'h' => (&s[..s.len() - 1], 3600.0),
        'd' => (&s[..s.len() - 1], 86_400.0),
        _ => (s, 1.0),
    };
    if num.starts_with('+') {
        return None;
    }
    let v: f64 = num.parse().ok()?;
    if !v.is_finite() || v < 0.0 {
        return None;
    }
    Some((v * mult * 1000.0).min(MAX_INTERVAL_MS as f64) as u64)
}

/// `sleep N[smhd]...`: advances the simulated clock.
pub fn sleep(args: &[String], io: &mut CommandIo<'_>, host: &mut dyn Host) -> i32 {
    if args.is_empty() {
        io.out
            .stderr("sleep: missing operand\nTry 'sleep --help' for more information.\n");
        return 1;
    }
    let mut total_ms: u64 = 0;
    for a in args {
        match parse_interval_ms(a) {
            Some(ms) => total_ms = total_ms.saturating_add(ms),
            None => {
                io.out.stderr(format!("sleep: invalid time interval \u{2018}{a}\u{2019}\nTry 'sleep --help' for more information.\n"));
                return 1;
            }
        }
    }
    // A year of simulated time at most: the simulation has nothing to do beyond that.
    host.sleep(total_ms.min(MAX_INTERVAL_MS));
    0
}

/// `env` / `printenv [NAME...]`.
pub fn env(name: &str, args: &[String], io: &mut CommandIo<'_>) -> i32 {
    if name == "printenv" && !args.is_empty() {
        let mut status = 0;
        for a in args {
            match io.env.get(a) {
                Some(v) => io.out.stdout(format!("{v}\n")),
                None => status = 1,
            }
        }
        return status;
    }
    let mut out = String::new();
    for (k, v) in io.env {
        out.push_str(&format!("{k}={v}\n"));
    }
    io.out.stdout(out);
    0
}

/// `which NAME...`: `/usr/bin/NAME` for commands that exist; status 1 if any is missing.
pub fn which(args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let mut status = 0;
    for a in args.iter().filter(|a| !a.starts_with('-')) {
        // A program a package manager installed (`yum install wget`) is a file in /usr/bin.
        let installed = io
            .vfs
            .is_file(&format!("/usr/bin/{a}"))
            .then(|| format!("/usr/bin/{a}"));
        match super::command_path(a).or(installed) {
            Some(p) => io.out.stdout(format!("{p}\n")),
            None => status = 1,
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(
            format_date(0, "%a %b %e %H:%M:%S %Z %Y"),
            "Thu Jan  1 00:00:00 UTC 1970"
        );
        assert_eq!(
            format_date(1_795_392_000, "%F %T %a"),
            "2026-11-23 00:00:00 Mon"
        );
        assert_eq!(format_date(951_782_400, "%F %j"), "2000-02-29 060");
    }
}
