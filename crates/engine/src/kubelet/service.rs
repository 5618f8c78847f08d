//! The node's machine and its kubelet service, as `systemctl` and the power button see them.
//!
//! ```text
//!            systemctl stop kubelet                 poweroff
//!  Running ─────────────────────────▶ Stopped      Running/Stopped ─────────▶ PoweredOff
//!     ▲      systemctl start kubelet     │                                       │ boot
//!     └──────────────────────────────────┘          Running ◀────────────────────┘
//! ```
//!
//! - **Stopped** (`systemctl stop kubelet`): the containers keep running, but nothing on the
//!   node talks to the API server: no node status, no lease renewals, no new pods started,
//!   and pods deleted meanwhile stay `Terminating`.
//! - **PoweredOff** (`poweroff`): the containers are gone with the machine.
//! - Starting the kubelet again re-lists the node's pods and reconciles them; after a boot
//!   every container is started anew (`restartCount` + 1, last state `Unknown`, exit code 255,
//!   as a kubelet reports containers it lost with the machine).

use super::runtime::Phase;
use super::Kubelet;
use crate::api::{Kind, Node, Object, ObjectKey};
use crate::apiserver::ApiServer;
use crate::sim::SimTime;
use k8s_openapi::api::core::v1::{
    ContainerState, ContainerStateTerminated, Event, EventSource, ObjectReference,
};

/// How often the kubelet renews its node lease (`renewInterval`: a quarter of the 40 s lease
/// duration).
pub const LEASE_RENEW_MS: u64 = 10_000;

/// What state the kubelet service of a node is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceState {
    /// `active (running)`.
    Running,
    /// `inactive (dead)`: stopped with `systemctl stop kubelet`, containers still running.
    Stopped,
    /// The machine is off.
    PoweredOff,
}

/// The node's machine and kubelet service.
#[derive(Clone, Debug)]
pub struct NodeService {
    pub state: ServiceState,
    /// When the current state began (systemctl's `since`).
    pub since: SimTime,
    /// When the kubelet's current (or last) run started.
    pub started_at: SimTime,
    /// When the machine last booted.
    pub booted_at: SimTime,
    /// The kubelet's main PID of the current run.
    pub pid: u32,
    /// When the node lease was last renewed, while the kubelet is not running.
    pub last_renew: Option<SimTime>,
    /// When the machine went down, while it is off.
    pub powered_off_at: Option<SimTime>,
}

impl NodeService {
    /// A service running since the cluster was created.
    pub fn new() -> NodeService {
        NodeService {
            state: ServiceState::Running,
            since: SimTime::ZERO,
            started_at: SimTime::ZERO,
            booted_at: SimTime::ZERO,
            pid: 1_042,
            last_renew: None,
            powered_off_at: None,
        }
    }

    /// True while the kubelet runs (it syncs pods, posts status and renews its lease).
    pub fn is_running(&self) -> bool {
        self.state == ServiceState::Running
    }

    /// True while the machine is on.
    pub fn is_powered(&self) -> bool {
        self.state != ServiceState::PoweredOff
    }
}

impl Default for NodeService {
    fn default() -> Self {
        NodeService::new()
    }
}

/// The last lease renewal before `stopped_at`, for a kubelet that started at `started_at` and
/// renews every [`LEASE_RENEW_MS`]. Worked example: started at 0, stopped at 95 s → renewed
/// last at 90 s.
pub fn last_lease_renewal(started_at: SimTime, stopped_at: SimTime) -> SimTime {
    let ran = stopped_at.ms().saturating_sub(started_at.ms());
    SimTime(stopped_at.ms() - ran % LEASE_RENEW_MS)
}

impl Kubelet {
    /// The node's machine and kubelet service.
    pub fn service(&self) -> &NodeService {
        &self.service
    }

    /// `systemctl stop kubelet`: the kubelet exits; its containers keep running. Returns when
    /// the node lease was last renewed, or `None` if the kubelet was not running.
    pub(crate) fn stop_service(&mut self, now: SimTime) -> Option<SimTime> {
        if !self.service.is_running() {
            return None;
        }
        let renewed = last_lease_renewal(self.service.started_at, now);
        self.service.state = ServiceState::Stopped;
        self.service.since = now;
        self.service.last_renew = Some(renewed);
        self.queue.clear();
        Some(renewed)
    }

    /// The machine goes down: every container dies with it, the kubelet with them.
    pub(crate) fn power_off(&mut self, now: SimTime) -> Option<SimTime> {
        if !self.service.is_powered() {
            return None;
        }
        let renewed = if self.service.is_running() {
            last_lease_renewal(self.service.started_at, now)
        } else {
            self.service.last_renew.unwrap_or(now)
        };
        for rec in self.pods.values_mut() {
            for c in rec.containers.iter_mut() {
                if let Some(p) = c.process.as_mut() {
                    p.advance(now, &mut c.fs, &mut c.log);
                }
                c.process = None;
                c.ready = false;
                c.started = false;
                c.stop_at = None;
            }
            rec.next_wake = None;
        }
        self.pulling.clear();
        self.service.state = ServiceState::PoweredOff;
        self.service.since = now;
        self.service.last_renew = Some(renewed);
        self.service.powered_off_at = Some(now);
        self.queue.clear();
        Some(renewed)
    }

    /// The machine boots: the containers it lost are marked as ended in an unknown way and
    /// will start again; the kubelet itself is started by [`Kubelet::start_service`].
    pub(crate) fn boot(&mut self, now: SimTime, api: &mut ApiServer) {
        if self.service.is_powered() {
            return;
        }
        let down_at = self.service.powered_off_at.unwrap_or(now);
        for rec in self.pods.values_mut() {
            // A new sandbox has to be created before the containers start again.
            rec.sandbox_ready_at = now.plus_ms(300 + api.rng().below("kubelet-sandbox", 700));
            rec.sandbox_gone = false;
            for c in rec.containers.iter_mut() {
                let had_instance = c.container_id.is_some();
                let lost = had_instance && !matches!(c.phase, Phase::Done | Phase::Exited { .. });
                if lost {
                    let started_at = c.state.running.as_ref().and_then(|r| r.started_at.clone());
                    c.state = ContainerState {
                        terminated: Some(ContainerStateTerminated {
                            container_id: c.container_id.clone(),
                            exit_code: 255,
                            finished_at: Some(down_at.to_k8s_time()),
                            reason: Some("Unknown".into()),
                            started_at,
                            message: None,
                            signal: None,
                        }),
                        ..Default::default()
                    };
                }
                if lost || matches!(c.phase, Phase::Pulling { .. }) {
                    c.phase = Phase::Pending;
                }
                c.process = None;
            }
        }
        self.service.state = ServiceState::Stopped;
        self.service.since = now;
        self.service.booted_at = now;
        self.service.powered_off_at = None;
    }

    /// `systemctl start kubelet` (or the kubelet coming up after a boot): it posts its node
    /// status (Ready again), renews its lease and re-lists its pods, which it then reconciles:
    /// pods deleted meanwhile are stopped and removed, lost containers start again.
    pub(crate) fn start_service(&mut self, now: SimTime, api: &mut ApiServer, rebooted: bool) {
        if self.service.state != ServiceState::Stopped {
            return;
        }
        self.service.state = ServiceState::Running;
        self.service.since = now;
        self.service.started_at = now;
        self.service.last_renew = None;
        self.service.pid = self
            .service
            .pid
            .wrapping_add(1 + api.rng().below("kubelet-pid", 4_000) as u32);
        let node_key = ObjectKey::new(Kind::Node, "", &self.node);
        kubelet_node_event(api, &self.node, "Normal", "Starting", "Starting kubelet.");
        if rebooted {
            let boot_id = api.rng().uuid_in("boot-id");
            let _ = api.modify_status(&node_key, |o| {
                if let Object::Node(n) = o {
                    if let Some(info) = n.status.as_mut().and_then(|s| s.node_info.as_mut()) {
                        info.boot_id = boot_id.clone();
                    }
                }
            });
            let msg = format!("Node {} has been rebooted, boot id: {boot_id}", self.node);
            kubelet_node_event(api, &self.node, "Warning", "Rebooted", &msg);
        }
        kubelet_node_event(
            api,
            &self.node,
            "Normal",
            "NodeAllocatableEnforced",
            "Updated Node Allocatable limit across pods",
        );
        self.post_healthy_status(api);
        // The kubelet's pod informer lists every pod bound to this node.
        let keys = api.store().pods_on_node(&self.node);
        for rec in self.pods.values_mut() {
            rec.next_wake = None;
            rec.last_rv = None;
        }
        let known: Vec<ObjectKey> = self.pods.keys().cloned().collect();
        self.queue.extend(keys);
        // Records of pods removed while the kubelet was away are cleaned up by their sync.
        self.queue.extend(known);
    }

    /// The node status a healthy kubelet posts: the pressure conditions False and Ready True,
    /// with a fresh heartbeat; conditions that change get a new transition time and the
    /// kubelet's `NodeHas…`/`NodeReady` events.
    fn post_healthy_status(&self, api: &mut ApiServer) {
        let key = ObjectKey::new(Kind::Node, "", &self.node);
        let Some(node) = api.store().get(&key).and_then(|o| o.as_::<Node>().cloned()) else {
            return;
        };
        let now = api.now().to_k8s_time();
        let wanted = [
            (
                "MemoryPressure",
                "False",
                "KubeletHasSufficientMemory",
                "kubelet has sufficient memory available",
                "NodeHasSufficientMemory",
            ),
            (
                "DiskPressure",
                "False",
                "KubeletHasNoDiskPressure",
                "kubelet has no disk pressure",
                "NodeHasNoDiskPressure",
            ),
            (
                "PIDPressure",
                "False",
                "KubeletHasSufficientPID",
                "kubelet has sufficient PID available",
                "NodeHasSufficientPID",
            ),
            (
                "Ready",
                "True",
                "KubeletReady",
                "kubelet is posting ready status",
                "NodeReady",
            ),
        ];
        let mut node = node;
        let mut changed_events = Vec::new();
        if let Some(conditions) = node.status.as_mut().and_then(|s| s.conditions.as_mut()) {
            for (type_, status, reason, message, event) in wanted {
                let Some(c) = conditions.iter_mut().find(|c| c.type_ == type_) else {
                    continue;
                };
                if c.status != status {
                    c.last_transition_time = Some(now.clone());
                    changed_events.push(event);
                }
                c.status = status.into();
                c.reason = Some(reason.into());
                c.message = Some(message.into());
                c.last_heartbeat_time = Some(now.clone());
            }
        }
        // At registration the kubelet reports its pressure conditions again (the events
        // aggregate with those of its first start).
        for event in [
            "NodeHasSufficientMemory",
            "NodeHasNoDiskPressure",
            "NodeHasSufficientPID",
        ] {
            let msg = format!("Node {} status is now: {event}", self.node);
            kubelet_node_event(api, &self.node, "Normal", event, &msg);
        }
        let _ = api.update_status(Object::from(node));
        if changed_events.contains(&"NodeReady") {
            let msg = format!("Node {} status is now: NodeReady", self.node);
            kubelet_node_event(api, &self.node, "Normal", "NodeReady", &msg);
        }
    }
}

/// Why a node operation could not be done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeServiceError {
    #[error("no node named {0:?}")]
    NoSuchNode(String),
    #[error("{0} is powered off")]
    PoweredOff(String),
}

/// How long a machine takes from power-on until sshd and the kubelet are up.
pub const BOOT_MS: u64 = 31_000;
/// How long `reboot` takes to bring the machine down.
pub const SHUTDOWN_MS: u64 = 3_000;

impl crate::cluster::Cluster {
    fn kubelet_or_err(&mut self, node: &str) -> Result<&mut Kubelet, NodeServiceError> {
        self.kubelets
            .get_mut(node)
            .ok_or_else(|| NodeServiceError::NoSuchNode(node.to_string()))
    }

    /// `systemctl stop kubelet` on `node`. The node monitor notices the silence after the
    /// grace period.
    pub fn stop_kubelet(&mut self, node: &str) -> Result<(), NodeServiceError> {
        let now = self.api.now;
        let k = self.kubelet_or_err(node)?;
        if !k.service.is_powered() {
            return Err(NodeServiceError::PoweredOff(node.to_string()));
        }
        if let Some(renewed) = k.stop_service(now) {
            self.api
                .trace(&format!("kubelet/{node}"), "kubelet stopped".to_string());
            self.watch_silent_node(node, renewed);
        }
        Ok(())
    }

    /// `systemctl start kubelet` on `node`.
    pub fn start_kubelet(&mut self, node: &str) -> Result<(), NodeServiceError> {
        let now = self.api.now;
        let k = self.kubelets.get_mut(node);
        let Some(k) = k else {
            return Err(NodeServiceError::NoSuchNode(node.to_string()));
        };
        if !k.service.is_powered() {
            return Err(NodeServiceError::PoweredOff(node.to_string()));
        }
        if k.service.state == ServiceState::Stopped {
            k.start_service(now, &mut self.api, false);
            self.api
                .trace(&format!("kubelet/{node}"), "kubelet started".to_string());
        }
        self.settle();
        Ok(())
    }

    /// `systemctl restart kubelet`: a stop and a start at the same instant (the node stays
    /// Ready: the lease is renewed at once).
    pub fn restart_kubelet(&mut self, node: &str) -> Result<(), NodeServiceError> {
        let now = self.api.now;
        let Some(k) = self.kubelets.get_mut(node) else {
            return Err(NodeServiceError::NoSuchNode(node.to_string()));
        };
        if !k.service.is_powered() {
            return Err(NodeServiceError::PoweredOff(node.to_string()));
        }
        k.stop_service(now);
        k.start_service(now, &mut self.api, false);
        self.settle();
        Ok(())
    }

    /// `poweroff` on `node`: the machine and every container on it stop at once.
    pub fn power_off(&mut self, node: &str) -> Result<(), NodeServiceError> {
        let now = self.api.now;
        let k = self.kubelet_or_err(node)?;
        if let Some(renewed) = k.power_off(now) {
            self.api.trace(
                &format!("kubelet/{node}"),
                "machine powered off".to_string(),
            );
            self.watch_silent_node(node, renewed);
        }
        Ok(())
    }

    /// Powers `node` on (`vagrant up`); its kubelet starts when the boot is done, which is
    /// returned (`None` if it was already on).
    pub fn power_on(&mut self, node: &str) -> Result<Option<SimTime>, NodeServiceError> {
        let k = self.kubelet_or_err(node)?;
        if k.service.is_powered() {
            return Ok(None);
        }
        let at = self.api.now.plus_ms(BOOT_MS);
        self.schedule(
            at,
            crate::cluster::Wake::NodeBoot {
                node: node.to_string(),
            },
        );
        Ok(Some(at))
    }

    /// `reboot` on `node`: down now, up again after shutting down and booting.
    pub fn reboot(&mut self, node: &str) -> Result<SimTime, NodeServiceError> {
        self.power_off(node)?;
        let at = self.api.now.plus_ms(SHUTDOWN_MS + BOOT_MS);
        self.schedule(
            at,
            crate::cluster::Wake::NodeBoot {
                node: node.to_string(),
            },
        );
        Ok(at)
    }

    /// The node's machine and kubelet service.
    pub fn node_service(&self, node: &str) -> Option<&NodeService> {
        self.kubelets.get(node).map(|k| &k.service)
    }

    fn watch_silent_node(&mut self, node: &str, renewed: SimTime) {
        let due = crate::controllers::node_lifecycle::monitor_due(renewed).max(self.api.now);
        self.schedule(
            due,
            crate::cluster::Wake::NodeMonitor {
                node: node.to_string(),
                due,
            },
        );
    }

    /// The node monitor's look at a node whose kubelet went silent: still silent, so its
    /// status turns Unknown.
    pub(crate) fn node_monitor_due(&mut self, node: &str, due: SimTime) {
        let Some(k) = self.kubelets.get(node) else {
            return;
        };
        let still_silent = !k.service.is_running()
            && k.service.last_renew.is_some_and(|r| {
                crate::controllers::node_lifecycle::monitor_due(r).max(due) == due
            });
        if still_silent {
            crate::controllers::node_lifecycle::mark_unknown(&mut self.api, node);
        }
    }

    /// A machine finished booting: the lost containers are noted and the kubelet starts.
    pub(crate) fn node_booted(&mut self, node: &str) {
        let now = self.api.now;
        let Some(k) = self.kubelets.get_mut(node) else {
            return;
        };
        if k.service.is_powered() {
            return;
        }
        k.boot(now, &mut self.api);
        k.start_service(now, &mut self.api, true);
        self.api
            .trace(&format!("kubelet/{node}"), "machine booted".to_string());
    }
}

/// An event the kubelet records about its node. The kubelet names its node by name only (the
/// name doubles as UID); a repeat of an event still kept is counted on it, as client-go's
/// recorder aggregates.
pub fn kubelet_node_event(api: &mut ApiServer, node: &str, type_: &str, reason: &str, msg: &str) {
    let now = api.now().to_k8s_time();
    let existing = api
        .list(Kind::Event, Some("default"))
        .into_iter()
        .find_map(|o| match o.as_ref() {
            Object::Event(e)
                if e.involved_object.kind.as_deref() == Some("Node")
                    && e.involved_object.name.as_deref() == Some(node)
                    && e.involved_object.uid.as_deref() == Some(node)
                    && e.reason.as_deref() == Some(reason)
                    && e.message.as_deref() == Some(msg)
                    && e.source.as_ref().and_then(|s| s.component.as_deref())
                        == Some("kubelet") =>
            {
                Some(e.clone())
            }
            _ => None,
        });
    if let Some(mut e) = existing {
        e.count = Some(e.count.unwrap_or(1) + 1);
        e.last_timestamp = Some(now);
        let _ = api.update_status(Object::Event(e));
        return;
    }
    api.emit_event(Event {
        involved_object: ObjectReference {
            kind: Some("Node".into()),
            name: Some(node.into()),
            uid: Some(node.into()),
            ..Default::default()
        },
        reason: Some(reason.into()),
        message: Some(msg.into()),
        source: Some(EventSource {
            component: Some("kubelet".into()),
            host: Some(node.into()),
        }),
        first_timestamp: Some(now.clone()),
        last_timestamp: Some(now),
        count: Some(1),
        type_: Some(type_.into()),
        reporting_component: Some("kubelet".into()),
        reporting_instance: Some(node.into()),
        ..Default::default()
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lease_was_last_renewed_on_the_renewal_grid() {
        assert_eq!(
            last_lease_renewal(SimTime::ZERO, SimTime::from_secs(95)),
            SimTime::from_secs(90)
        );
        assert_eq!(
            last_lease_renewal(SimTime::from_secs(3), SimTime::from_secs(3)),
            SimTime::from_secs(3)
        );
        assert_eq!(
            last_lease_renewal(SimTime::from_secs(7), SimTime(29_500)),
            SimTime(27_000)
        );
    }
}
