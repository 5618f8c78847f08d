//! CronJob schedules as Kubernetes reads them: `cron.ParseStandard` of `robfig/cron/v3`, the
//! parser kube-apiserver validates with and kube-controller-manager schedules with.
//!
//! Five fields — minute, hour, day of month, month, day of week — each a comma-separated list
//! of `*`, `?`, `N`, `N-M`, with an optional `/step` (`N/step` means `N-max/step`); months and
//! weekdays also by name (`jan`, `mon`, case-insensitive); or a descriptor: `@yearly`
//! (`@annually`), `@monthly`, `@weekly`, `@daily` (`@midnight`), `@hourly`, `@every <duration>`.
//!
//! Day of month and day of week combine the way robfig does (not quite Vixie cron): when
//! either field is a bare `*` or `?`, both must match; otherwise either may. So `0 5 1 * mon`
//! runs on the 1st and on every Monday, `0 5 * * mon` only on Mondays, and `0 5 */2 * mon`
//! (a step clears the star) on odd days *or* Mondays.
//!
//! The errors are robfig's texts, which the API server puts after `spec.schedule: Invalid
//! value: "…": `. Nothing here reads a clock: [`Schedule::next`] answers for a given instant.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, Zoned};

/// Set on a field parsed from a bare `*` or `?` (robfig's `starBit`).
const STAR: u64 = 1 << 63;

/// The bounds and names of one field.
struct Bounds {
    min: u32,
    max: u32,
    names: &'static [(&'static str, u32)],
}

const MINUTES: Bounds = Bounds {
    min: 0,
    max: 59,
    names: &[],
};
const HOURS: Bounds = Bounds {
    min: 0,
    max: 23,
    names: &[],
};
const DOM: Bounds = Bounds {
    min: 1,
    max: 31,
    names: &[],
};
const MONTHS: Bounds = Bounds {
    min: 1,
    max: 12,
    names: &[
        ("jan", 1),
        ("feb", 2),
        ("mar", 3),
        ("apr", 4),
        ("may", 5),
        ("jun", 6),
        ("jul", 7),
        ("aug", 8),
        ("sep", 9),
        ("oct", 10),
        ("nov", 11),
        ("dec", 12),
    ],
};
const DOW: Bounds = Bounds {
    min: 0,
    max: 6,
    names: &[
        ("sun", 0),
        ("mon", 1),
        ("tue", 2),
        ("wed", 3),
        ("thu", 4),
        ("fri", 5),
        ("sat", 6),
    ],
};

/// A parsed schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// Five bit sets, one bit per allowed value (plus [`STAR`]).
    Spec {
        minute: u64,
        hour: u64,
        dom: u64,
        month: u64,
        dow: u64,
    },
    /// `@every <duration>`: a fixed delay in whole seconds (at least one).
    Every { seconds: i64 },
}

/// All bits of a field, with the star bit.
fn all(b: &Bounds) -> u64 {
    bits(b.min, b.max, 1) | STAR
}

fn bits(min: u32, max: u32, step: u32) -> u64 {
    let mut v = 0;
    let mut i = min;
    while i <= max {
        v |= 1u64 << i;
        i += step;
    }
    v
}

impl Schedule {
    /// Parses a schedule as `cron.ParseStandard` does; the error is robfig's message.
    pub fn parse(spec: &str) -> Result<Schedule, String> {
        if spec.is_empty() {
            return Err("empty spec string".into());
        }
        if spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=") {
            // The API server rejects these before the controller sees them (see
            // `validate_schedule`); robfig would load the zone named there.
            let (zone, rest) = spec.split_once(' ').unwrap_or((spec, ""));
            let name = zone.split_once('=').map(|(_, z)| z).unwrap_or("");
            if super::time_zone(name).is_none() {
                return Err(format!(
                    "provided bad location {name}: unknown time zone {name}"
                ));
            }
            return Schedule::parse(rest.trim());
        }
        if let Some(d) = spec.strip_prefix('@') {
            return parse_descriptor(d, spec);
        }
        let fields: Vec<&str> = spec.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(format!(
                "expected exactly 5 fields, found {}: [{}]",
                fields.len(),
                fields.join(" ")
            ));
        }
        Ok(Schedule::Spec {
            minute: field(fields[0], &MINUTES)?,
            hour: field(fields[1], &HOURS)?,
            dom: field(fields[2], &DOM)?,
            month: field(fields[3], &MONTHS)?,
            dow: field(fields[4], &DOW)?,
        })
    }

    /// The first activation strictly after `after`, evaluated in `tz` (robfig's `Next`); `None`
    /// when there is none within five years (e.g. `0 0 30 2 *`, February 30th).
    ///
    /// Worked example: `0 5 * * *` after 2026-11-23T09:00:00Z is 2026-11-24T05:00:00Z — the
    /// search moves to the next day (the 23rd's 05:00 has passed), then stops at hour 5,
    /// minute 0.
    pub fn next(&self, after: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
        match self {
            Schedule::Every { seconds } => {
                // `ConstantDelaySchedule`: the delay, rounded down to the whole second.
                let t = after.as_second() + seconds;
                Timestamp::from_second(t).ok()
            }
            Schedule::Spec {
                minute,
                hour,
                dom,
                month,
                dow,
            } => next_spec(*minute, *hour, *dom, *month, *dow, after, tz),
        }
    }
}

fn parse_descriptor(d: &str, spec: &str) -> Result<Schedule, String> {
    let (minute, hour) = (1u64 << 0, 1u64 << 0);
    let s = match d {
        "yearly" | "annually" => Schedule::Spec {
            minute,
            hour,
            dom: 1 << 1,
            month: 1 << 1,
            dow: all(&DOW),
        },
        "monthly" => Schedule::Spec {
            minute,
            hour,
            dom: 1 << 1,
            month: all(&MONTHS),
            dow: all(&DOW),
        },
        "weekly" => Schedule::Spec {
            minute,
            hour,
            dom: all(&DOM),
            month: all(&MONTHS),
            dow: 1 << 0,
        },
        "daily" | "midnight" => Schedule::Spec {
            minute,
            hour,
            dom: all(&DOM),
            month: all(&MONTHS),
            dow: all(&DOW),
        },
        "hourly" => Schedule::Spec {
            minute,
            hour: all(&HOURS),
            dom: all(&DOM),
            month: all(&MONTHS),
            dow: all(&DOW),
        },
        _ => {
            if let Some(dur) = d.strip_prefix("every ") {
                let ns = go_duration_ns(dur)
                    .map_err(|e| format!("failed to parse duration {spec}: {e}"))?;
                // `Every` rounds up to one second and drops the fraction.
                let seconds = (ns / 1_000_000_000).max(1) as i64;
                return Ok(Schedule::Every { seconds });
            }
            return Err(format!("unrecognized descriptor: {spec}"));
        }
    };
    Ok(s)
}

/// A comma-separated list of ranges.
fn field(f: &str, b: &Bounds) -> Result<u64, String> {
    let mut v = 0;
    for expr in f.split(',').filter(|e| !e.is_empty()) {
        v |= range(expr, b)?;
    }
    Ok(v)
}

/// `*`, `?`, `N`, `N-M`, each with an optional `/step`.
fn range(expr: &str, b: &Bounds) -> Result<u64, String> {
    let range_and_step: Vec<&str> = expr.split('/').collect();
    let low_high: Vec<&str> = range_and_step[0].split('-').collect();
    let single = low_high.len() == 1;
    let (start, mut end, mut extra);
    if low_high[0] == "*" || low_high[0] == "?" {
        start = b.min;
        end = b.max;
        extra = STAR;
    } else {
        start = int_or_name(low_high[0], b)?;
        end = match low_high.len() {
            1 => start,
            2 => int_or_name(low_high[1], b)?,
            _ => return Err(format!("too many hyphens: {expr}")),
        };
        extra = 0;
    }
    let step = match range_and_step.len() {
        1 => 1,
        2 => {
            let step = parse_uint(range_and_step[1])?;
            if single {
                end = b.max;
            }
            if step > 1 {
                extra = 0;
            }
            step
        }
        _ => return Err(format!("too many slashes: {expr}")),
    };
    if start < b.min {
        return Err(format!(
            "beginning of range ({start}) below minimum ({}): {expr}",
            b.min
        ));
    }
    if end > b.max {
        return Err(format!(
            "end of range ({end}) above maximum ({}): {expr}",
            b.max
        ));
    }
    if start > end {
        return Err(format!(
            "beginning of range ({start}) beyond end of range ({end}): {expr}"
        ));
    }
    if step == 0 {
        return Err(format!("step of range should be a positive number: {expr}"));
    }
    Ok(bits(start, end, step) | extra)
}

fn int_or_name(s: &str, b: &Bounds) -> Result<u32, String> {
    let lower = s.to_ascii_lowercase();
    if let Some((_, v)) = b.names.iter().find(|(n, _)| *n == lower) {
        return Ok(*v);
    }
    parse_uint(s)
}

/// `strconv.Atoi` plus robfig's negative check, with Go's error texts.
fn parse_uint(s: &str) -> Result<u32, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "failed to parse int from {s}: strconv.Atoi: parsing {s:?}: invalid syntax"
        ));
    }
    let n: i64 = match s.parse::<i64>() {
        Ok(n) => n,
        Err(_) => {
            return Err(format!(
                "failed to parse int from {s}: strconv.Atoi: parsing {s:?}: value out of range"
            ))
        }
    };
    if n < 0 {
        return Err(format!("negative number ({n}) not allowed: {s}"));
    }
    // Beyond any field's maximum; the range check reports it.
    Ok(n.min(u32::MAX as i64 / 2) as u32)
}

/// Go's `time.ParseDuration` in nanoseconds (non-negative results only matter here).
fn go_duration_ns(s: &str) -> Result<u128, String> {
    let invalid = || format!("time: invalid duration {s:?}");
    let mut rest = s;
    let mut neg = false;
    if let Some(r) = rest.strip_prefix('-') {
        neg = true;
        rest = r;
    } else if let Some(r) = rest.strip_prefix('+') {
        rest = r;
    }
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num = &rest[..num_len];
        if num.is_empty() || num == "." {
            return Err(invalid());
        }
        let value: f64 = num.parse().map_err(|_| invalid())?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale = match unit {
            "" => return Err(format!("time: missing unit in duration {s:?}")),
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            other => return Err(format!("time: unknown unit {other:?} in duration {s:?}")),
        };
        total += value * scale;
    }
    if neg {
        return Ok(0);
    }
    Ok(total as u128)
}

fn has(set: u64, v: i8) -> bool {
    v >= 0 && set & (1u64 << v) != 0
}

fn day_matches(dom: u64, dow: u64, z: &Zoned) -> bool {
    let dom_match = has(dom, z.day());
    let dow_match = has(dow, z.weekday().to_sunday_zero_offset());
    if dom & STAR != 0 || dow & STAR != 0 {
        dom_match && dow_match
    } else {
        dom_match || dow_match
    }
}

/// robfig's `SpecSchedule.Next`: start at the next whole second, then move forward field by
/// field (month, day, hour, minute), resetting the smaller fields once something moved, and
/// wrap to the next year when a field overflows. Gives up five years ahead.
fn next_spec(
    minute: u64,
    hour: u64,
    dom: u64,
    month: u64,
    dow: u64,
    after: Timestamp,
    tz: &TimeZone,
) -> Option<Timestamp> {
    let start = Timestamp::from_second(after.as_second() + 1).ok()?;
    let mut t = start.to_zoned(tz.clone());
    let at = |d: Date, h: i8, m: i8| -> Option<Zoned> {
        DateTime::from_parts(d, jiff::civil::Time::new(h, m, 0, 0).ok()?)
            .to_zoned(tz.clone())
            .ok()
    };
    let mut added = false;
    let year_limit = t.year() + 5;
    'wrap: loop {
        if t.year() > year_limit {
            return None;
        }
        while !has(month, t.month()) {
            if !added {
                added = true;
                t = at(t.date().first_of_month(), 0, 0)?;
            }
            t = at(t.date().checked_add(1.month()).ok()?, 0, 0)?;
            if t.month() == 1 {
                continue 'wrap;
            }
        }
        while !day_matches(dom, dow, &t) {
            if !added {
                added = true;
                t = at(t.date(), 0, 0)?;
            }
            t = at(t.date().checked_add(1.day()).ok()?, 0, 0)?;
            if t.day() == 1 {
                continue 'wrap;
            }
        }
        while !has(hour, t.hour()) {
            if !added {
                added = true;
                t = at(t.date(), t.hour(), 0)?;
            }
            t = t.checked_add(1.hour()).ok()?;
            if t.hour() == 0 {
                continue 'wrap;
            }
        }
        while !has(minute, t.minute()) {
            if !added {
                added = true;
                t = t
                    .timestamp()
                    .as_second()
                    .checked_sub(i64::from(t.second()))
                    .and_then(|s| Timestamp::from_second(s).ok())?
                    .to_zoned(tz.clone());
            }
            t = t.checked_add(1.minute()).ok()?;
            if t.minute() == 0 {
                continue 'wrap;
            }
        }
        if t.second() != 0 {
            // The seconds field of a standard schedule is always 0.
            added = true;
            let s = t.timestamp().as_second() - i64::from(t.second()) + 60;
            t = Timestamp::from_second(s).ok()?.to_zoned(tz.clone());
            continue 'wrap;
        }
        return Some(t.timestamp());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn next_n(spec: &str, from: &str, n: usize, tz: &TimeZone) -> Vec<String> {
        let s = Schedule::parse(spec).unwrap();
        let mut t = ts(from);
        let mut out = Vec::new();
        for _ in 0..n {
            t = s.next(t, tz).unwrap();
            out.push(
                t.to_zoned(tz.clone())
                    .strftime("%Y-%m-%dT%H:%M:%S%:z")
                    .to_string(),
            );
        }
        out
    }

    fn utc(spec: &str, from: &str, n: usize) -> Vec<String> {
        next_n(spec, from, n, &TimeZone::UTC)
    }

    #[test]
    fn every_minute_and_steps() {
        assert_eq!(
            utc("*/1 * * * *", "2026-11-23T09:00:00Z", 2),
            ["2026-11-23T09:01:00+00:00", "2026-11-23T09:02:00+00:00"]
        );
        assert_eq!(
            utc("*/5 * * * *", "2026-11-23T09:03:20Z", 2),
            ["2026-11-23T09:05:00+00:00", "2026-11-23T09:10:00+00:00"]
        );
        // "N/step" is "N-max/step".
        assert_eq!(
            utc("50/5 * * * *", "2026-11-23T09:00:00Z", 3),
            [
                "2026-11-23T09:50:00+00:00",
                "2026-11-23T09:55:00+00:00",
                "2026-11-23T10:50:00+00:00"
            ]
        );
    }

    #[test]
    fn lists_ranges_and_names() {
        assert_eq!(
            utc("0,30 8-9 * * *", "2026-11-23T09:00:00Z", 3),
            [
                "2026-11-23T09:30:00+00:00",
                "2026-11-24T08:00:00+00:00",
                "2026-11-24T08:30:00+00:00"
            ]
        );
        // 2026-11-23 is a Monday; "sat" is the 28th; JAN-MAR skips to January.
        assert_eq!(
            utc("0 5 * * sat", "2026-11-23T09:00:00Z", 1),
            ["2026-11-28T05:00:00+00:00"]
        );
        assert_eq!(
            utc("30 23 1 jan-mar *", "2026-11-23T09:00:00Z", 2),
            ["2027-01-01T23:30:00+00:00", "2027-02-01T23:30:00+00:00"]
        );
    }

    #[test]
    fn the_seed_schedules() {
        // Every day at 05:00: the cluster's clock starts at 09:00, so the first run is tomorrow.
        assert_eq!(
            utc("0 5 * * *", "2026-11-23T09:00:00Z", 1),
            ["2026-11-24T05:00:00+00:00"]
        );
        assert_eq!(
            utc("0 9 * * *", "2026-11-23T09:00:00Z", 1),
            ["2026-11-24T09:00:00+00:00"]
        );
        // 03:00 on the 1st of each month.
        assert_eq!(
            utc("0 3 1 * *", "2026-11-23T09:00:00Z", 1),
            ["2026-12-01T03:00:00+00:00"]
        );
    }

    #[test]
    fn descriptors() {
        let from = "2026-11-23T09:10:00Z";
        assert_eq!(utc("@hourly", from, 1), ["2026-11-23T10:00:00+00:00"]);
        assert_eq!(utc("@daily", from, 1), ["2026-11-24T00:00:00+00:00"]);
        assert_eq!(utc("@midnight", from, 1), ["2026-11-24T00:00:00+00:00"]);
        assert_eq!(utc("@weekly", from, 1), ["2026-11-29T00:00:00+00:00"]);
        assert_eq!(utc("@monthly", from, 1), ["2026-12-01T00:00:00+00:00"]);
        assert_eq!(utc("@yearly", from, 1), ["2027-01-01T00:00:00+00:00"]);
        assert_eq!(utc("@annually", from, 1), ["2027-01-01T00:00:00+00:00"]);
        assert_eq!(
            utc("@every 90s", from, 2),
            ["2026-11-23T09:11:30+00:00", "2026-11-23T09:13:00+00:00"]
        );
    }

    #[test]
    fn day_of_month_or_day_of_week() {
        // Both restricted: either matches (the 1st, or any Friday).
        assert_eq!(
            utc("0 0 1 * fri", "2026-11-23T09:00:00Z", 3),
            [
                "2026-11-27T00:00:00+00:00",
                "2026-12-01T00:00:00+00:00",
                "2026-12-04T00:00:00+00:00"
            ]
        );
        // A star in either: both must match (Fridays that are the 1st... of January 2027).
        assert_eq!(
            utc("0 0 * * fri", "2026-11-23T09:00:00Z", 1),
            ["2026-11-27T00:00:00+00:00"]
        );
        // A step clears the star: odd days or Fridays.
        assert_eq!(
            utc("0 0 */2 * fri", "2026-11-23T09:00:00Z", 3),
            [
                "2026-11-25T00:00:00+00:00",
                "2026-11-27T00:00:00+00:00",
                "2026-11-29T00:00:00+00:00"
            ]
        );
    }

    #[test]
    fn impossible_dates_give_up() {
        let s = Schedule::parse("0 0 30 2 *").unwrap();
        assert_eq!(s.next(ts("2026-11-23T09:00:00Z"), &TimeZone::UTC), None);
    }

    #[test]
    fn time_zones() {
        let seoul = super::super::time_zone("Asia/Seoul").unwrap();
        // 05:00 in Seoul is 20:00 UTC the day before.
        assert_eq!(
            next_n("0 5 * * *", "2026-11-23T09:00:00Z", 1, &seoul),
            ["2026-11-24T05:00:00+09:00"]
        );
        let ny = super::super::time_zone("America/New_York").unwrap();
        // 2027-03-14 02:30 does not exist in New York (DST starts at 02:00): robfig's hour
        // search jumps from 01:00 to 03:00 and the run is skipped that day.
        assert_eq!(
            next_n("30 2 * * *", "2027-03-13T12:00:00Z", 2, &ny),
            ["2027-03-15T02:30:00-04:00", "2027-03-16T02:30:00-04:00"]
        );
    }

    #[test]
    fn errors_are_robfigs() {
        let err = |s: &str| Schedule::parse(s).unwrap_err();
        assert_eq!(err(""), "empty spec string");
        assert_eq!(err("bad"), "expected exactly 5 fields, found 1: [bad]");
        assert_eq!(
            err("* * * *"),
            "expected exactly 5 fields, found 4: [* * * *]"
        );
        assert_eq!(
            err("60 * * * *"),
            "end of range (60) above maximum (59): 60"
        );
        assert_eq!(
            err("* * 0 * *"),
            "beginning of range (0) below minimum (1): 0"
        );
        assert_eq!(
            err("5-1 * * * *"),
            "beginning of range (5) beyond end of range (1): 5-1"
        );
        assert_eq!(
            err("x * * * *"),
            "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax"
        );
        assert_eq!(
            err("*/0 * * * *"),
            "step of range should be a positive number: */0"
        );
        assert_eq!(err("1-2-3 * * * *"), "too many hyphens: 1-2-3");
        assert_eq!(err("*/2/3 * * * *"), "too many slashes: */2/3");
        assert_eq!(err("* * * * 7"), "end of range (7) above maximum (6): 7");
        assert_eq!(err("@often"), "unrecognized descriptor: @often");
        assert_eq!(
            err("@every 1d"),
            "failed to parse duration @every 1d: time: unknown unit \"d\" in duration \"1d\""
        );
    }
}
