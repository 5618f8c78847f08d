//! Simulated time: milliseconds since the cluster was created.

/// The cluster's epoch: the wall-clock instant of simulated time 0, in Unix milliseconds.
/// Fixed, so every run prints the same timestamps (2026-11-23T09:00:00Z).
pub const EPOCH_UNIX_MS: u64 = 1_795_424_400_000;

/// A point in simulated time, in milliseconds since the cluster was created.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub fn from_secs(s: u64) -> SimTime {
        SimTime(s * 1000)
    }
    pub fn ms(self) -> u64 {
        self.0
    }
    pub fn plus_ms(self, ms: u64) -> SimTime {
        SimTime(self.0.saturating_add(ms))
    }
    /// Unix milliseconds of this instant.
    pub fn unix_ms(self) -> u64 {
        EPOCH_UNIX_MS + self.0
    }
    /// Whole seconds since the Unix epoch (Kubernetes timestamps have second precision).
    pub fn unix_secs(self) -> i64 {
        (self.unix_ms() / 1000) as i64
    }
    /// As a Kubernetes `Time` (RFC 3339, whole seconds).
    pub fn to_k8s_time(self) -> k8s_openapi::apimachinery::pkg::apis::meta::v1::Time {
        let ts = k8s_openapi::jiff::Timestamp::from_second(self.unix_secs())
            .unwrap_or(k8s_openapi::jiff::Timestamp::UNIX_EPOCH);
        k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(ts)
    }
    /// The simulated instant of a Kubernetes `Time` (clamped to the epoch).
    pub fn from_k8s_time(t: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time) -> SimTime {
        let ms = t.0.as_millisecond();
        SimTime((ms - EPOCH_UNIX_MS as i64).max(0) as u64)
    }
}

/// Year, month (1–12) and day (1–31) of a day count since 1970-01-01 (proleptic Gregorian;
/// Howard Hinnant's `civil_from_days`). Worked example: day 20,415 is 2025-11-23.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_415), (2025, 11, 23));
        assert_eq!(
            civil_from_days(EPOCH_UNIX_MS as i64 / 86_400_000),
            (2026, 11, 23)
        );
    }
}
