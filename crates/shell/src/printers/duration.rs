//! The AGE column: `k8s.io/apimachinery/pkg/util/duration` and kubectl's
//! `translateTimestampSince`. Durations are in milliseconds of simulated time.

const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;

/// `duration.HumanDuration`: about two significant figures, as in kubectl's AGE column.
/// Examples: 59s, 119s, 2m, 2m3s, 9m59s, 10m, 179m, 3h, 3h5m, 7h59m, 8h, 47h, 2d, 2d3h, 7d23h,
/// 8d, 729d, 2y, 2y30d, 7y364d, 8y.
pub fn human_duration(ms: u64) -> String {
    human_duration_signed(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// [`human_duration`] for a possibly negative duration (a timestamp in the future): within
/// one second of now it is `0s`, beyond that `<invalid>`.
pub fn human_duration_signed(ms: i64) -> String {
    let seconds = ms / SECOND;
    if seconds < -1 {
        return "<invalid>".to_string();
    } else if seconds < 0 {
        return "0s".to_string();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = ms / MINUTE;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = ms / HOUR;
    if hours < 8 {
        let m = minutes % 60;
        if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        }
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        }
    } else if hours < 24 * 365 * 2 {
        format!("{}d", hours / 24)
    } else if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        }
    } else {
        format!("{}y", hours / 24 / 365)
    }
}

/// `duration.ShortHumanDuration`: one unit only (`45s`, `5m`, `3h`, `12d`, `2y`).
pub fn short_human_duration(ms: u64) -> String {
    let ms = i64::try_from(ms).unwrap_or(i64::MAX);
    let seconds = ms / SECOND;
    if seconds < 60 {
        return format!("{seconds}s");
    }
    let minutes = ms / MINUTE;
    if minutes < 60 {
        return format!("{minutes}m");
    }
    let hours = ms / HOUR;
    if hours < 24 {
        format!("{hours}h")
    } else if hours < 24 * 365 {
        format!("{}d", hours / 24)
    } else {
        format!("{}y", hours / 24 / 365)
    }
}

/// kubectl's `translateTimestampSince`: the AGE of an RFC 3339 timestamp such as
/// `metadata.creationTimestamp`, relative to `now_ms` (Unix milliseconds of the simulated
/// clock). A missing, empty or unparsable timestamp prints `<unknown>`.
pub fn translate_timestamp_since(timestamp: Option<&str>, now_ms: i64) -> String {
    match timestamp.and_then(parse_rfc3339_ms) {
        Some(t) => human_duration_signed(now_ms.saturating_sub(t)),
        None => "<unknown>".to_string(),
    }
}

/// Parses `2024-01-15T10:00:00Z` (optionally with fractional seconds and a `±hh:mm` offset)
/// into Unix milliseconds.
pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let year = num(0, 4)?;
    let month = num(5, 2)?;
    let day = num(8, 2)?;
    let hour = num(11, 2)?;
    let minute = num(14, 2)?;
    let second = num(17, 2)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !matches!(b.get(10), Some(b'T' | b't'))
    {
        return None;
    }
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 3 {
                millis = millis * 10 + (b[i] - b'0') as i64;
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start).min(3)..3 {
            millis *= 10;
        }
    }
    let offset_minutes = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let m = num(i + 1, 2)? * 60 + num(i + 4, 2)?;
            if *sign == b'-' {
                -m
            } else {
                m
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(secs * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1000;
    const M: u64 = 60 * S;
    const H: u64 = 60 * M;
    const D: u64 = 24 * H;

    #[test]
    fn human_duration_matches_apimachinery() {
        let cases = [
            (0, "0s"),
            (999, "0s"),
            (59 * S, "59s"),
            (119 * S, "119s"),
            (2 * M, "2m"),
            (2 * M + 3 * S, "2m3s"),
            (9 * M + 59 * S, "9m59s"),
            (10 * M + 30 * S, "10m"),
            (179 * M, "179m"),
            (3 * H, "3h"),
            (3 * H + 5 * M, "3h5m"),
            (7 * H + 59 * M, "7h59m"),
            (8 * H + 30 * M, "8h"),
            (47 * H, "47h"),
            (2 * D, "2d"),
            (2 * D + 3 * H, "2d3h"),
            (7 * D + 23 * H, "7d23h"),
            (8 * D, "8d"),
            (729 * D, "729d"),
            (730 * D, "2y"),
            (760 * D, "2y30d"),
            (8 * 365 * D - D, "7y364d"),
            (8 * 365 * D, "8y"),
        ];
        for (ms, want) in cases {
            assert_eq!(human_duration(ms), want, "{ms} ms");
        }
        assert_eq!(human_duration_signed(-1500), "0s");
        assert_eq!(human_duration_signed(-2000), "<invalid>");
    }

    #[test]
    fn short_human_duration_uses_one_unit() {
        assert_eq!(short_human_duration(45 * S), "45s");
        assert_eq!(short_human_duration(5 * M + 59 * S), "5m");
        assert_eq!(short_human_duration(3 * H), "3h");
        assert_eq!(short_human_duration(12 * D), "12d");
        assert_eq!(short_human_duration(800 * D), "2y");
    }

    #[test]
    fn age_of_a_creation_timestamp() {
        let created = parse_rfc3339_ms("2024-01-15T10:00:00Z").unwrap();
        assert_eq!(created, 1_705_312_800_000);
        assert_eq!(
            translate_timestamp_since(Some("2024-01-15T10:00:00Z"), created + 90 * 1000),
            "90s"
        );
        assert_eq!(
            translate_timestamp_since(Some("2024-01-15T10:00:00Z"), created + 3 * 86_400_000),
            "3d"
        );
        assert_eq!(translate_timestamp_since(None, created), "<unknown>");
        assert_eq!(translate_timestamp_since(Some(""), created), "<unknown>");
        assert_eq!(
            translate_timestamp_since(Some("2024-01-15T11:00:00+01:00"), created + 5000),
            "5s"
        );
        assert_eq!(
            parse_rfc3339_ms("2024-01-15T10:00:00.250Z"),
            Some(1_705_312_800_250)
        );
        assert_eq!(parse_rfc3339_ms("yesterday"), None);
    }
}
