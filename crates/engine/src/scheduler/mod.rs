//! The scheduler (being written): filter and score plugins, binding, FailedScheduling.

use crate::apiserver::ApiServer;
use crate::sim::SimTime;
use crate::store::WatchEvent;

/// The default-scheduler.
#[derive(Default)]
pub struct Scheduler {}

impl Scheduler {
    pub fn new() -> Scheduler {
        Scheduler::default()
    }
    /// Sees every change to the store (pods and nodes matter).
    pub fn observe(&mut self, _ev: &WatchEvent) {}
    /// True when pods wait in the active queue.
    pub fn has_work(&self) -> bool {
        false
    }
    /// Schedules every pod in the active queue; may ask to be woken at `retry_at`.
    pub fn run(&mut self, _api: &mut ApiServer, _retry_at: &mut Option<SimTime>) {}
    /// Moves unschedulable pods back to the active queue.
    pub fn retry_unschedulable(&mut self) {}
}
