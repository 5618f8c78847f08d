//! How the page shows simulated time.

/// Elapsed simulated time as `H:MM:SS` (hours grow past 24).
///
/// `format_elapsed(3_723_000)` is `"1:02:03"`.
pub fn format_elapsed(ms: u64) -> String {
    let s = ms / 1000;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// Time of day (UTC) of a Unix timestamp in milliseconds, as `HH:MM:SS`.
///
/// `format_time_of_day(1_700_000_000_000)` is `"22:13:20"`.
pub fn format_time_of_day(unix_ms: u64) -> String {
    let s = unix_ms / 1000 % 86_400;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(format_elapsed(0), "0:00:00");
        assert_eq!(format_elapsed(3_723_000), "1:02:03");
        assert_eq!(format_elapsed(90_061_000), "25:01:01");
        assert_eq!(format_time_of_day(1_700_000_000_000), "22:13:20");
    }
}
