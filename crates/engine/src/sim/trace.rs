//! The trace: an append-only record of what happened, for the UI and for determinism tests.

use super::SimTime;

/// One thing that happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEntry {
    pub at: SimTime,
    /// The component that acted (`apiserver`, `default-scheduler`, `kubelet/w1-k8s`, ...).
    pub component: String,
    /// What it did, in a stable one-line form.
    pub what: String,
}

/// Append-only list of trace entries, bounded to the most recent `capacity`.
#[derive(Clone, Debug)]
pub struct Trace {
    entries: std::collections::VecDeque<TraceEntry>,
    capacity: usize,
    total: u64,
}

impl Default for Trace {
    fn default() -> Self {
        Trace {
            entries: Default::default(),
            capacity: 50_000,
            total: 0,
        }
    }
}

impl Trace {
    pub fn record(&mut self, at: SimTime, component: &str, what: String) {
        if self.entries.len() == self.capacity {
            self.entries.pop_front();
        }
        self.total += 1;
        self.entries.push_back(TraceEntry {
            at,
            component: component.to_string(),
            what,
        });
    }
    /// The retained entries, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = &TraceEntry> {
        self.entries.iter()
    }
    /// How many entries were ever recorded.
    pub fn total(&self) -> u64 {
        self.total
    }
}
