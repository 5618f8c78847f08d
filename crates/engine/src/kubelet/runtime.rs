//! The container runtime's view of a pod: one record per container with its state machine.
//!
//! ```text
//! Pending ──pull──▶ Pulling ──ok──▶ Running ──exit──▶ Exited ──restart?──▶ Pending
//!    ▲                 │ fail                            │  in back-off
//!    └── PullBackOff ◀─┘                                 └──▶ CrashBackOff ──▶ Pending
//! ```
//! `Done` is a terminated container that will not run again.

use super::backoff::Backoff;
use super::fs::ContainerFs;
use super::images::{ImageRef, PullError, ResolvedImage};
use super::logs::ContainerLog;
use super::probes::ProbeSet;
use super::program::Process;
use crate::sim::SimTime;
use k8s_openapi::api::core::v1::{ContainerState, ContainerStateTerminated};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// Where a container is in its life.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    /// Not started yet (waiting for its turn, or about to be (re)started).
    Pending,
    /// An image pull is under way.
    Pulling {
        done_at: SimTime,
        pull_ms: u64,
        total_ms: u64,
        result: Result<(), PullError>,
        reference: ImageRef,
    },
    /// The last pull failed; `shown_at` is when the status turns to ImagePullBackOff.
    PullBackOff { shown_at: SimTime },
    /// The image cannot be used and will not be retried until the spec changes
    /// (InvalidImageName, ErrImageNeverPull).
    Blocked,
    /// The process runs.
    Running,
    /// It exited; the kubelet decides about a restart at `decide_at`.
    Exited { decide_at: SimTime },
    /// Restart delayed by the crash back-off.
    CrashBackOff { until: SimTime },
    /// Terminated for good.
    Done,
}

/// One container of a pod, as the runtime and kubelet track it.
#[derive(Clone, Debug)]
pub struct ContainerRecord {
    pub name: String,
    pub init: bool,
    /// The image the spec asked for when this record last (re)started.
    pub spec_image: String,
    pub phase: Phase,
    /// The state as the pod status reports it.
    pub state: ContainerState,
    pub last_state: Option<ContainerStateTerminated>,
    pub restart_count: i32,
    pub container_id: Option<String>,
    pub image: Option<std::sync::Arc<ResolvedImage>>,
    pub process: Option<Process>,
    pub fs: ContainerFs,
    pub log: ContainerLog,
    pub previous_log: Option<ContainerLog>,
    pub crash_backoff: Backoff,
    pub pull_backoff: Backoff,
    /// The last pull error (for `Back-off pulling image "x": ErrImagePull: ...`).
    pub pull_error: Option<String>,
    pub ready: bool,
    pub started: bool,
    pub probes: ProbeSet,
    /// The container's environment; its processes share it until they change a variable.
    pub env: std::sync::Arc<BTreeMap<String, String>>,
    /// A pending stop: at that instant the process is signalled (`true`: SIGKILL).
    pub stop_at: Option<(SimTime, bool)>,
    /// A restart requested by a failed liveness/startup probe or a spec change skips the
    /// crash back-off.
    pub restart_now: bool,
}

impl ContainerRecord {
    pub fn new(name: &str, init: bool, image: &str) -> ContainerRecord {
        ContainerRecord {
            name: name.to_string(),
            init,
            spec_image: image.to_string(),
            phase: Phase::Pending,
            state: waiting(
                if init {
                    "PodInitializing"
                } else {
                    "ContainerCreating"
                },
                None,
            ),
            last_state: None,
            restart_count: 0,
            container_id: None,
            image: None,
            process: None,
            fs: ContainerFs::new(),
            log: ContainerLog::default(),
            previous_log: None,
            crash_backoff: Backoff::default(),
            pull_backoff: Backoff::default(),
            pull_error: None,
            ready: false,
            started: false,
            probes: ProbeSet::default(),
            env: Default::default(),
            stop_at: None,
            restart_now: false,
        }
    }
    /// `spec.containers{web}` or `spec.initContainers{init}`.
    pub fn field_path(&self) -> String {
        if self.init {
            format!("spec.initContainers{{{}}}", self.name)
        } else {
            format!("spec.containers{{{}}}", self.name)
        }
    }
    /// True while the process is alive.
    pub fn is_running(&self) -> bool {
        self.phase == Phase::Running
    }
    /// The terminated state of the current instance, if it has ended.
    pub fn terminated(&self) -> Option<&ContainerStateTerminated> {
        self.state.terminated.as_ref()
    }
    /// Exited for good with code 0.
    pub fn succeeded(&self) -> bool {
        self.phase == Phase::Done && self.terminated().is_some_and(|t| t.exit_code == 0)
    }
    /// The waiting reason, if waiting.
    pub fn waiting_reason(&self) -> Option<&str> {
        self.state
            .waiting
            .as_ref()
            .and_then(|w| w.reason.as_deref())
    }
}

/// A waiting container state.
pub fn waiting(reason: &str, message: Option<String>) -> ContainerState {
    ContainerState {
        waiting: Some(k8s_openapi::api::core::v1::ContainerStateWaiting {
            reason: Some(reason.to_string()),
            message,
        }),
        ..Default::default()
    }
}

/// The kubelet's record of one pod bound to its node. (The default, empty record only holds
/// a pod's map slot while the pod syncs.)
#[derive(Clone, Debug, Default)]
pub struct PodRecord {
    pub uid: String,
    pub ip: Option<Ipv4Addr>,
    /// The IP came from IPAM (not the node's own, as for hostNetwork pods).
    pub ip_allocated: bool,
    pub host_network: bool,
    pub sandbox_ready_at: SimTime,
    pub start_time: SimTime,
    pub containers: Vec<ContainerRecord>,
    /// Pod condition type → (status, lastTransitionTime).
    pub condition_times: BTreeMap<String, (String, SimTime)>,
    /// The resourceVersion of our last status write (our own echoes are not re-synced).
    pub last_rv: Option<String>,
    /// The earliest wake-up already on the agenda.
    pub next_wake: Option<SimTime>,
    /// The sandbox was torn down (terminal pod).
    pub sandbox_gone: bool,
    /// The sync that created the sandbox has finished: its container starts (image pulls
    /// included) are done or have failed. Until then the kubelet reports no status, as the
    /// real one reports none while a SyncPod blocks in a pull.
    pub first_start_done: bool,
}
