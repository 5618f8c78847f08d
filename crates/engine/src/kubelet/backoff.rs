//! Exponential back-off as client-go's `flowcontrol.Backoff` computes it, for container
//! restarts (CrashLoopBackOff) and image pulls (ImagePullBackOff).
//!
//! Worked example (initial 10 s, max 300 s): a container that keeps crashing is restarted at
//! once the first time, then waits 10 s, 20 s, 40 s, 80 s, 160 s, 300 s, 300 s, ... An entry
//! expires when the next failure comes more than twice the maximum (10 minutes) after the
//! last restart, so a container that ran well for 10 minutes starts over at 10 s.

use crate::sim::SimTime;

/// Kubelet's `backOffPeriod`.
pub const INITIAL_MS: u64 = 10_000;
/// Kubelet's `MaxContainerBackOff`.
pub const MAX_MS: u64 = 300_000;

/// One back-off entry (one container, or one image of one pod).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Backoff {
    /// Current delay and the time of the last `next`.
    entry: Option<(u64, SimTime)>,
}

fn has_expired(event: SimTime, last_update: SimTime) -> bool {
    event.ms().saturating_sub(last_update.ms()) > 2 * MAX_MS
}

impl Backoff {
    /// The current delay in milliseconds (0 without an entry).
    pub fn get_ms(&self) -> u64 {
        self.entry.map_or(0, |(d, _)| d)
    }
    /// Records a failure at `event` (noted at `now`): the delay starts at 10 s or doubles.
    pub fn next(&mut self, event: SimTime, now: SimTime) {
        let delay = match self.entry {
            Some((d, last)) if !has_expired(event, last) => (d * 2).min(MAX_MS),
            _ => INITIAL_MS,
        };
        self.entry = Some((delay, now));
    }
    /// `IsInBackOffSince`: true while less than the delay has passed since `event`.
    pub fn in_backoff_since(&self, event: SimTime, now: SimTime) -> bool {
        match self.entry {
            Some((d, last)) if !has_expired(event, last) => now.ms().saturating_sub(event.ms()) < d,
            _ => false,
        }
    }
    /// `IsInBackOffSinceUpdate`: true while less than the delay has passed since the last
    /// failure was recorded.
    pub fn in_backoff_since_update(&self, now: SimTime) -> bool {
        match self.entry {
            Some((d, last)) if !has_expired(now, last) => now.ms().saturating_sub(last.ms()) < d,
            _ => false,
        }
    }
    /// When the back-off since `event` ends.
    pub fn until(&self, event: SimTime) -> SimTime {
        event.plus_ms(self.get_ms())
    }
    /// When the back-off since the last update ends.
    pub fn until_since_update(&self) -> Option<SimTime> {
        self.entry.map(|(d, last)| last.plus_ms(d))
    }
}

/// A duration as Go's `time.Duration.String()` prints it, from milliseconds.
///
/// Worked example: 520 → `520ms`; 5_123 → `5.123s`; 10_000 → `10s`; 80_000 → `1m20s`;
/// 300_000 → `5m0s`; 0 → `0s`.
pub fn go_duration(ms: u64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let secs = ms / 1000;
    let frac = ms % 1000;
    let sec_part = |s: u64| {
        if frac == 0 {
            format!("{s}s")
        } else {
            let f = format!("{frac:03}");
            format!("{s}.{}s", f.trim_end_matches('0'))
        }
    };
    if secs < 60 {
        return sec_part(secs);
    }
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    if h > 0 {
        format!("{h}h{m}m{}", sec_part(s))
    } else {
        format!("{m}m{}", sec_part(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_ten_seconds_to_five_minutes() {
        let mut b = Backoff::default();
        let mut t = SimTime::ZERO;
        let mut delays = Vec::new();
        for _ in 0..8 {
            b.next(t, t);
            delays.push(b.get_ms() / 1000);
            t = t.plus_ms(1000);
        }
        assert_eq!(delays, vec![10, 20, 40, 80, 160, 300, 300, 300]);
    }

    #[test]
    fn resets_after_ten_quiet_minutes() {
        let mut b = Backoff::default();
        b.next(SimTime::ZERO, SimTime::ZERO);
        b.next(SimTime::from_secs(1), SimTime::from_secs(1));
        assert_eq!(b.get_ms(), 20_000);
        assert!(b.in_backoff_since(SimTime::from_secs(5), SimTime::from_secs(20)));
        assert!(!b.in_backoff_since(SimTime::from_secs(5), SimTime::from_secs(26)));
        let late = SimTime::from_secs(1 + 601);
        assert!(!b.in_backoff_since(late, late));
        b.next(late, late);
        assert_eq!(b.get_ms(), 10_000);
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(520), "520ms");
        assert_eq!(go_duration(5_123), "5.123s");
        assert_eq!(go_duration(1_500), "1.5s");
        assert_eq!(go_duration(10_000), "10s");
        assert_eq!(go_duration(80_000), "1m20s");
        assert_eq!(go_duration(300_000), "5m0s");
        assert_eq!(go_duration(62_250), "1m2.25s");
    }
}
