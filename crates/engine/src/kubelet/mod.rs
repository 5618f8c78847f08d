//! The kubelet of one node (being written): image pulls, containers, restarts, logs, exec.

use crate::api::ObjectKey;
use crate::apiserver::ApiServer;
use crate::network::ipam::Ipam;
use crate::preset::{NodeSpec, Preset};
use crate::sim::SimTime;
use crate::store::WatchEvent;

/// The kubelet of one node.
pub struct Kubelet {
    node: String,
}

impl Kubelet {
    pub fn new(spec: &NodeSpec, _preset: &Preset) -> Kubelet {
        Kubelet { node: spec.name.clone() }
    }
    pub fn node_name(&self) -> &str {
        &self.node
    }
    /// Sees changes to pods bound to this node and to this node.
    pub fn observe(&mut self, _ev: &WatchEvent) {}
    /// True when pods wait to be synced.
    pub fn has_work(&self) -> bool {
        false
    }
    /// Syncs queued pods; pushes `(when, node, pod)` wake-ups for later work.
    pub fn run(&mut self, _api: &mut ApiServer, _ipam: &mut Ipam, _wakeups: &mut Vec<(SimTime, String, ObjectKey)>) {}
    /// A wake-up from the agenda for one pod.
    pub fn wake(&mut self, _pod: &ObjectKey) {}
}
