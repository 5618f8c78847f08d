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
        let ts = k8s_openapi::jiff::Timestamp::from_second(self.unix_secs()).unwrap_or(k8s_openapi::jiff::Timestamp::UNIX_EPOCH);
        k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(ts)
    }
    /// The simulated instant of a Kubernetes `Time` (clamped to the epoch).
    pub fn from_k8s_time(t: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time) -> SimTime {
        let ms = t.0.as_millisecond();
        SimTime((ms - EPOCH_UNIX_MS as i64).max(0) as u64)
    }
}
