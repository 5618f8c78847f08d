//! containerd as a systemd service of the node, and what the kubelet makes of it going away
//! (kubelet's `runtime_state.go`).
//!
//! `systemctl stop containerd` ends the daemon and removes `/run/containerd/containerd.sock`;
//! the shims (`KillMode=process`) keep every running container alive. The kubelet dials
//! `unix:///var/run/containerd/containerd.sock` and gets
//! `connect: no such file or directory`:
//!
//! - its PLEG relists every second and fails (`GenericPLEG: Unable to retrieve pods`), so it
//!   notices no container change; its runtime check (`updateRuntimeUp`, every 5 s) fails;
//! - a new pod's sandbox cannot be created (`FailedCreatePodSandBox`);
//! - 30 s after the last good runtime check (`maxWaitForContainerRuntime`) the runtime counts
//!   as down: pod workers are skipped (`Skipping pod synchronization`) and the next node
//!   status (every 10 s) says Ready `False`, `KubeletNotReady`, "container runtime is down";
//!   after 3 min without a relist the PLEG is unhealthy too and the message becomes
//!   `[container runtime is down, PLEG is not healthy: pleg was last seen active 3m5s ago;
//!   threshold is 3m0s]`. The node lifecycle controller then taints the node as for any
//!   NotReady node.
//!
//! `systemctl start containerd` brings the socket back; the next runtime check succeeds, the
//! next node status is Ready again and the kubelet syncs its pods.

use super::containerd_log::{self, Record};
use super::journal::{go_quote, klog_line, logrus_line, Repeat, Unit};
use super::Kubelet;
use crate::api::{Kind, Node, Object, ObjectKey, Pod};
use crate::apiserver::ApiServer;
use crate::cluster::{Cluster, Wake};
use crate::kubelet::backoff::go_duration;
use crate::kubelet::service::{kubelet_node_event, NodeServiceError};
use crate::sim::SimTime;

/// The CRI error while containerd's socket is gone.
pub const CRI_UNAVAILABLE: &str = "rpc error: code = Unavailable desc = connection error: desc = \"transport: Error while dialing: dial unix /var/run/containerd/containerd.sock: connect: no such file or directory\"";

/// `maxWaitForContainerRuntime`: the runtime is down once its last good check is this old.
const RUNTIME_SYNC_THRESHOLD_MS: u64 = 30_000;
/// `updateRuntimeUp` runs every 5 s.
const RUNTIME_CHECK_MS: u64 = 5_000;
/// `nodeStatusUpdateFrequency`.
const NODE_STATUS_MS: u64 = 10_000;
/// The PLEG's `relistThreshold`.
const RELIST_THRESHOLD_MS: u64 = 180_000;
/// The pod worker's back-off after a failed sync.
const WORKER_BACKOFF_MS: u64 = 10_000;

/// What the kubelet knows about its container runtime.
#[derive(Clone, Debug, Default)]
pub struct RuntimeHealth {
    /// When containerd went away, while it is away.
    down_since: Option<SimTime>,
    /// The last good runtime check.
    last_sync: SimTime,
    /// The last good PLEG relist.
    last_relist: SimTime,
    /// The Ready message the kubelet last posted because of the runtime (`None`: Ready).
    posted: Option<String>,
}

/// The first instant of the grid `start + k·period` at or after `t`.
fn grid_at_or_after(start: SimTime, period: u64, t: SimTime) -> SimTime {
    let d = t.ms().saturating_sub(start.ms());
    SimTime(start.ms() + d.div_ceil(period) * period)
}

/// The last instant of the grid at or before `t`.
fn grid_at_or_before(start: SimTime, period: u64, t: SimTime) -> SimTime {
    let d = t.ms().saturating_sub(start.ms());
    SimTime(start.ms() + d / period * period)
}

impl Kubelet {
    /// The node's journal (containerd and kubelet units).
    pub fn journal(&self) -> &super::journal::Journal {
        &self.journal
    }

    /// PIDs of the shims (one per pod sandbox that still exists), ascending.
    fn shim_pids(&self) -> Vec<u32> {
        let mut pids: Vec<u32> = self
            .pods
            .values()
            .filter(|r| r.containers.iter().any(|c| c.container_id.is_some()) && !r.sandbox_gone)
            .map(|r| {
                let h = r
                    .uid
                    .bytes()
                    .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
                2_000 + h % 60_000
            })
            .collect();
        pids.sort_unstable();
        pids.dedup();
        pids
    }

    fn containerd_records(&mut self, start_ns: u64, pid: u32, records: &[Record], spread_us: u64) {
        let n = records.len().max(1) as u64;
        for (i, r) in records.iter().enumerate() {
            let at_ns = start_ns + spread_us * 1_000 * i as u64 / n;
            let text = logrus_line(at_ns, r.level, &r.msg, &r.fields);
            let prio = match r.level {
                "error" => 3,
                "warning" => 4,
                _ => 6,
            };
            self.journal
                .push(at_ns, Unit::Containerd, "containerd", pid, prio, text);
        }
    }

    /// Journals a stop of containerd at `at` (systemd's and containerd's lines).
    fn journal_containerd_stop(&mut self, at: SimTime) {
        let pid = self.runtime.pid();
        let t = self.journal.stamp(at);
        self.journal.systemd(
            t,
            Unit::Containerd,
            "Stopping containerd.service - containerd container runtime...".into(),
        );
        let t = self.journal.stamp(at);
        self.containerd_records(t, pid, &containerd_log::shutdown(), 900);
        let t = self.journal.stamp(at.plus_ms(2));
        self.journal.systemd(
            t,
            Unit::Containerd,
            "containerd.service: Deactivated successfully.".into(),
        );
        for shim in self.shim_pids() {
            self.journal.systemd(
                t + 1_000,
                Unit::Containerd,
                format!("containerd.service: Unit process {shim} (containerd-shim) remains running after unit stopped."),
            );
        }
        let t = self.journal.stamp(at.plus_ms(2));
        self.journal.systemd(
            t,
            Unit::Containerd,
            "Stopped containerd.service - containerd container runtime.".into(),
        );
        // About 0.4 % of a CPU while it ran; 40 MiB plus 2 MiB a pod.
        let ran_ms = at.ms().saturating_sub(self.runtime.started_at().ms());
        let cpu = crate::kubelet::journal::systemd_timespan(ran_ms / 250 + 1_137);
        let mem = 40.0 + 2.1 * self.pods.len() as f64;
        let t = self.journal.stamp(at.plus_ms(2));
        self.journal.systemd(
            t,
            Unit::Containerd,
            format!("containerd.service: Consumed {cpu} CPU time, {mem:.1}M memory peak, 0B memory swap peak."),
        );
    }

    /// Journals a (re)start of containerd at `at` and starts it: it reads config.toml.
    fn containerd_start_journaled(
        &mut self,
        at: SimTime,
        leftover: bool,
        start: bool,
    ) -> Result<(), super::containerd_toml::ParseError> {
        if leftover {
            for shim in self.shim_pids() {
                let t = self.journal.stamp(at);
                self.journal.systemd(t, Unit::Containerd, format!("containerd.service: Found left-over process {shim} (containerd-shim) in control group while starting unit. Ignoring."));
                self.journal.systemd(t + 500, Unit::Containerd, "containerd.service: This usually indicates unclean termination of a previous run, or service implementation deficiencies.".into());
            }
        }
        let t = self.journal.stamp(at);
        self.journal.systemd(
            t,
            Unit::Containerd,
            "Starting containerd.service - containerd container runtime...".into(),
        );
        let config = self.runtime.config_toml().map(str::to_string);
        let result = if start {
            self.runtime.start(at)
        } else {
            Ok(())
        };
        let pid = self.runtime.pid();
        let booted_us = 31_000 + (pid as u64 * 7_919) % 24_000;
        let t = self.journal.stamp(at.plus_ms(8));
        match containerd_log::startup(config.as_deref(), booted_us) {
            Ok(records) => {
                self.containerd_records(t, pid, &records, booted_us);
                let t = self
                    .journal
                    .stamp(SimTime((t + booted_us * 1_000) / 1_000_000));
                self.journal.systemd(
                    t,
                    Unit::Containerd,
                    "Started containerd.service - containerd container runtime.".into(),
                );
            }
            Err(line) => {
                self.journal
                    .push(t, Unit::Containerd, "containerd", pid, 3, line);
                for msg in [
                    "containerd.service: Main process exited, code=exited, status=1/FAILURE",
                    "containerd.service: Failed with result 'exit-code'.",
                    "Failed to start containerd.service - containerd container runtime.",
                ] {
                    let t = self.journal.stamp(at.plus_ms(9));
                    self.journal.systemd(t, Unit::Containerd, msg.into());
                }
            }
        }
        result
    }

    /// The lines containerd logged while the machine booted (cluster creation or a boot).
    /// `start` is false for the first boot (the runtime was created running).
    pub(super) fn runtime_booted(&mut self, at: SimTime, start: bool) {
        self.journal
            .stop_repeats(Unit::Kubelet, at.ms() * 1_000_000);
        let _ = self.containerd_start_journaled(at, false, start);
        self.health = RuntimeHealth {
            last_sync: at,
            last_relist: at,
            ..Default::default()
        };
    }

    /// `systemctl restart containerd` (or `start` of a stopped one): reads config.toml again.
    /// A file that is not TOML leaves containerd failed (pulls then fail until a start
    /// succeeds).
    pub fn restart_containerd(
        &mut self,
        now: SimTime,
    ) -> Result<(), super::containerd_toml::ParseError> {
        let was_running = self.runtime.is_running();
        if was_running {
            self.journal_containerd_stop(now);
        }
        let r = self.containerd_start_journaled(now, true, true);
        match (&r, was_running) {
            (Ok(()), false) => self.runtime_back(now),
            (Err(_), true) => self.runtime_gone(now),
            _ => {}
        }
        r
    }

    /// `systemctl stop containerd`.
    fn stop_containerd_now(&mut self, now: SimTime) {
        if !self.runtime.is_running() {
            return;
        }
        self.journal_containerd_stop(now);
        self.runtime.stop(now);
        self.runtime_gone(now);
    }

    /// The kubelet starts failing to reach the runtime at `now`.
    fn runtime_gone(&mut self, now: SimTime) {
        let started = self.service.started_at;
        let pid = self.service.pid;
        self.health.down_since = Some(now);
        self.health.last_sync = grid_at_or_before(started, RUNTIME_CHECK_MS, now);
        self.health.last_relist = grid_at_or_before(started, 1_000, now);
        let first_relist = grid_at_or_after(started, 1_000, now.plus_ms(1));
        let first_check = grid_at_or_after(started, RUNTIME_CHECK_MS, now.plus_ms(1));
        let detect = grid_at_or_after(
            started,
            RUNTIME_CHECK_MS,
            self.health.last_sync.plus_ms(RUNTIME_SYNC_THRESHOLD_MS),
        );
        let ns = |t: SimTime, us: u64| t.ms() * 1_000_000 + us * 1_000;
        let quoted = go_quote(CRI_UNAVAILABLE);
        let w = ns(first_relist, 281);
        self.journal.push(
            w,
            Unit::Kubelet,
            "kubelet",
            pid,
            4,
            klog_line(w, 'W', pid, "logging.go:55", "[core] [Channel #1 SubChannel #2] grpc: addrConn.createTransport failed to connect to {Addr: \"/var/run/containerd/containerd.sock\", ServerName: \"localhost\", }. Err: connection error: desc = \"transport: Error while dialing: dial unix /var/run/containerd/containerd.sock: connect: no such file or directory\""),
        );
        let repeat = |first_ns: u64, period_ms: u64, source: &'static str, text: String| Repeat {
            unit: Unit::Kubelet,
            ident: "kubelet",
            pid,
            first_ns,
            period_ns: period_ms * 1_000_000,
            until_ns: None,
            severity: 'E',
            source,
            text,
            pleg_last_relist_ns: None,
        };
        self.journal.start_repeat(repeat(
            ns(first_relist, 282),
            1_000,
            "remote_runtime.go:435",
            format!("\"ListPodSandbox with filter from runtime service failed\" err={quoted} filter=\"\""),
        ));
        self.journal.start_repeat(repeat(
            ns(first_relist, 283),
            1_000,
            "generic.go:308",
            format!("\"GenericPLEG: Unable to retrieve pods\" err={quoted}"),
        ));
        self.journal.start_repeat(repeat(
            ns(first_check, 412),
            RUNTIME_CHECK_MS,
            "kubelet.go:3115",
            format!("\"Container runtime sanity check failed\" err={quoted}"),
        ));
        let mut skipping = repeat(
            ns(detect, 761),
            RUNTIME_CHECK_MS,
            "kubelet.go:2525",
            "\"Skipping pod synchronization\" err=\"container runtime is down\"".into(),
        );
        skipping.pleg_last_relist_ns = Some(self.health.last_relist.ms() * 1_000_000);
        self.journal.start_repeat(skipping);
    }

    /// containerd answers again from `now`: the failing loops stop at their next round.
    fn runtime_back(&mut self, now: SimTime) {
        let started = self.service.started_at;
        let next_check = grid_at_or_after(started, RUNTIME_CHECK_MS, now.plus_ms(1));
        self.journal
            .stop_repeats(Unit::Kubelet, now.ms() * 1_000_000 + 999_999);
        self.health.down_since = None;
        self.health.last_sync = next_check;
        self.health.last_relist = now;
        for rec in self.pods.values_mut() {
            rec.next_wake = None;
            rec.last_rv = None;
        }
        let keys: Vec<ObjectKey> = self.pods.keys().cloned().collect();
        self.queue.extend(keys);
    }

    /// The Ready message the kubelet posts at `now` because of its runtime (`None`: Ready).
    fn runtime_ready_message(&self, now: SimTime) -> Option<String> {
        self.health.down_since?;
        if now.ms() < self.health.last_sync.ms() + RUNTIME_SYNC_THRESHOLD_MS {
            return None;
        }
        let since_relist = now.ms().saturating_sub(self.health.last_relist.ms());
        if since_relist > RELIST_THRESHOLD_MS {
            return Some(format!(
                "[container runtime is down, PLEG is not healthy: pleg was last seen active {} ago; threshold is 3m0s]",
                go_duration(since_relist)
            ));
        }
        Some("container runtime is down".into())
    }

    /// When the kubelet next posts a status that the runtime changes (`None`: nothing due).
    fn next_runtime_status(&self, now: SimTime) -> Option<SimTime> {
        let started = self.service.started_at;
        if self.health.down_since.is_some() {
            let from = now
                .plus_ms(1)
                .max(self.health.last_sync.plus_ms(RUNTIME_SYNC_THRESHOLD_MS));
            return Some(grid_at_or_after(started, NODE_STATUS_MS, from));
        }
        self.health.posted.as_ref()?;
        Some(grid_at_or_after(
            started,
            NODE_STATUS_MS,
            now.max(self.health.last_sync).plus_ms(1),
        ))
    }

    /// A pod sync while containerd is away: pods it already runs are left as they are (the
    /// kubelet cannot see or change their containers); a new pod's sandbox fails while pod
    /// workers still run, and is retried after the worker's back-off. Returns `true` when the
    /// sync is over.
    pub(super) fn sync_without_runtime(
        &mut self,
        key: &ObjectKey,
        obj: &std::sync::Arc<Object>,
        pod: &Pod,
        now: SimTime,
        api: &mut ApiServer,
        wakeups: &mut Vec<(SimTime, String, ObjectKey)>,
    ) -> bool {
        if self.runtime.is_running() {
            return false;
        }
        // A boot since the stop started containerd again (the unit is enabled).
        self.containerd_follow_boot();
        if self.runtime.is_running() {
            return false;
        }
        if let Some(rec) = self.pods.get_mut(key) {
            rec.next_wake = None;
            return true;
        }
        let skipping = now.ms() >= self.health.last_sync.ms() + RUNTIME_SYNC_THRESHOLD_MS;
        if skipping || pod.metadata.deletion_timestamp.is_some() {
            return true;
        }
        let name = pod.metadata.name.as_deref().unwrap_or("");
        let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
        let uid = pod.metadata.uid.as_deref().unwrap_or("");
        let msg = format!("Failed to create pod sandbox: {CRI_UNAVAILABLE}");
        let node = self.node.clone();
        api.record_event_for(
            obj,
            None,
            "Warning",
            "FailedCreatePodSandBox",
            &msg,
            "kubelet",
            Some(&node),
        );
        let pid = self.service.pid;
        let full = format!("{name}_{ns}({uid})");
        let cause = format!(
            "Failed to create sandbox for pod {}: {CRI_UNAVAILABLE}",
            go_quote(&full)
        );
        let err = go_quote(CRI_UNAVAILABLE);
        let podkv = format!("pod=\"{ns}/{name}\"");
        let lines = [
            (
                "remote_runtime.go:154",
                format!("\"RunPodSandbox from runtime service failed\" err={err}"),
            ),
            (
                "kuberuntime_sandbox.go:74",
                format!("\"Failed to create sandbox for pod\" err={err} {podkv}"),
            ),
            (
                "kuberuntime_manager.go:1396",
                format!("\"CreatePodSandbox for pod failed\" err={err} {podkv}"),
            ),
            (
                "pod_workers.go:1301",
                format!(
                    "\"Error syncing pod, skipping\" err={} {podkv} podUID=\"{uid}\"",
                    go_quote(&format!(
                        "failed to \"CreatePodSandbox\" for {} with CreatePodSandboxError: {}",
                        go_quote(&full),
                        go_quote(&cause)
                    ))
                ),
            ),
        ];
        for (source, text) in lines {
            let t = self.journal.stamp(now);
            let line = klog_line(t, 'E', pid, source, &text);
            self.journal.push(t, Unit::Kubelet, "kubelet", pid, 3, line);
        }
        wakeups.push((now.plus_ms(WORKER_BACKOFF_MS), node, key.clone()));
        true
    }

    /// Journals the kubelet's sync error while a pull backs off (the container waits in
    /// ImagePullBackOff with the message [`Kubelet::show_image_pull_backoff`] set).
    pub(super) fn journal_pull_backoff(
        &mut self,
        c: &super::runtime::ContainerRecord,
        pod: &Pod,
        now: SimTime,
    ) {
        let Some(msg) = c.state.waiting.as_ref().and_then(|w| w.message.clone()) else {
            return;
        };
        let name = c.name.clone();
        self.journal_pull_failed("", "", &msg, pod, &name, "ImagePullBackOff", now);
    }

    /// Journals a failed pull: containerd's lines (when it is up) and the kubelet's.
    pub(super) fn journal_pull_failed(
        &mut self,
        image: &str,
        host: &str,
        error: &str,
        pod: &Pod,
        container: &str,
        reason: &str,
        now: SimTime,
    ) {
        let name = pod.metadata.name.as_deref().unwrap_or("");
        let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
        let uid = pod.metadata.uid.as_deref().unwrap_or("");
        if reason == "ErrImagePull" && self.runtime.is_running() {
            let bare = error
                .strip_prefix("rpc error: code = Unknown desc = ")
                .or_else(|| error.strip_prefix("rpc error: code = NotFound desc = "))
                .unwrap_or(error);
            let resolve = bare.find("failed to do request: ").map(|i| &bare[i..]);
            let registry = if host == "docker.io" {
                "registry-1.docker.io"
            } else {
                host
            };
            let mut records = containerd_log::pull_failed(image, registry, resolve, bare);
            if resolve.is_none() && bare.ends_with(": not found") {
                records.insert(
                    1,
                    Record {
                        level: "info",
                        msg: "fetch failed after status: 404 Not Found".into(),
                        fields: vec![("host", registry.to_string())],
                    },
                );
            }
            let t = self.journal.stamp(now);
            let pid = self.runtime.pid();
            self.containerd_records(t, pid, &records, 400);
        }
        let pid = self.service.pid;
        let mut lines = Vec::new();
        if reason == "ErrImagePull" {
            lines.push((
                "remote_image.go:242",
                format!(
                    "\"PullImage from image service failed\" err={} image=\"{image}\"",
                    go_quote(error)
                ),
            ));
        }
        lines.push((
            "pod_workers.go:1301",
            format!(
                "\"Error syncing pod, skipping\" err={} pod=\"{ns}/{name}\" podUID=\"{uid}\"",
                go_quote(&format!(
                    "failed to \"StartContainer\" for {} with {reason}: {}",
                    go_quote(container),
                    go_quote(error)
                ))
            ),
        ));
        for (source, text) in lines {
            let t = self.journal.stamp(now);
            let line = klog_line(t, 'E', pid, source, &text);
            self.journal.push(t, Unit::Kubelet, "kubelet", pid, 3, line);
        }
    }
}

impl Cluster {
    /// The kubelet of a node whose machine is on, its containerd caught up with the last boot.
    fn powered_kubelet(&mut self, node: &str) -> Result<&mut Kubelet, NodeServiceError> {
        let k = self
            .kubelets
            .get_mut(node)
            .ok_or_else(|| NodeServiceError::NoSuchNode(node.to_string()))?;
        if !k.service.is_powered() {
            return Err(NodeServiceError::PoweredOff(node.to_string()));
        }
        k.containerd_follow_boot();
        Ok(k)
    }

    fn schedule_runtime_status(&mut self, node: &str, at: Option<SimTime>) {
        if let Some(at) = at {
            let node = node.to_string();
            self.schedule(at, Wake::RuntimeStatus { node });
        }
    }

    /// `systemctl stop containerd` on `node`.
    pub fn stop_containerd(&mut self, node: &str) -> Result<(), NodeServiceError> {
        let now = self.api.now;
        let k = self.powered_kubelet(node)?;
        k.stop_containerd_now(now);
        let due = k.next_runtime_status(now);
        self.api
            .trace(&format!("kubelet/{node}"), "containerd stopped".to_string());
        self.schedule_runtime_status(node, due);
        self.settle();
        Ok(())
    }

    /// `systemctl start|restart containerd` on `node`; the inner `Err` is a config.toml that
    /// is not TOML.
    pub fn restart_containerd(
        &mut self,
        node: &str,
        only_if_stopped: bool,
    ) -> Result<Result<(), super::containerd_toml::ParseError>, NodeServiceError> {
        let now = self.api.now;
        let k = self.powered_kubelet(node)?;
        if only_if_stopped && k.runtime.is_running() {
            return Ok(Ok(()));
        }
        let r = k.restart_containerd(now);
        let due = k.next_runtime_status(now);
        if k.runtime.is_running() {
            // The kubelet's pod workers run again: every pod bound to the node is synced,
            // those whose sandbox failed meanwhile too.
            let keys = self.api.store().pods_on_node(node);
            if let Some(k) = self.kubelets.get_mut(node) {
                k.queue.extend(keys);
            }
        }
        self.schedule_runtime_status(node, due);
        self.settle();
        Ok(r)
    }

    /// The kubelet's node status sync while its runtime is (or was just) away.
    pub(crate) fn runtime_status_due(&mut self, node: &str) {
        let now = self.api.now;
        let Some(k) = self.kubelets.get_mut(node) else {
            return;
        };
        if !k.service.is_running() {
            return;
        }
        let want = k.runtime_ready_message(now);
        if want != k.health.posted {
            post_ready(&mut self.api, node, want.as_deref());
            if let Some(msg) = &want {
                if k.health.posted.is_none() {
                    let t = k.journal.stamp(now);
                    let time = now.to_k8s_time().0.to_string();
                    let text = format!(
                        "\"Node became not ready\" node=\"{node}\" condition={{\"type\":\"Ready\",\"status\":\"False\",\"lastHeartbeatTime\":\"{time}\",\"lastTransitionTime\":\"{time}\",\"reason\":\"KubeletNotReady\",\"message\":{}}}",
                        go_quote(msg)
                    );
                    let pid = k.service.pid;
                    let line = klog_line(t, 'I', pid, "setters.go:547", &text);
                    k.journal.push(t, Unit::Kubelet, "kubelet", pid, 6, line);
                }
            }
            k.health.posted = want;
        }
        if let Some(at) = k.next_runtime_status(now) {
            if at > now {
                self.schedule(
                    at,
                    Wake::RuntimeStatus {
                        node: node.to_string(),
                    },
                );
            }
        }
    }
}

/// The kubelet's node status with Ready `False` (`KubeletNotReady`, `message`) or, for
/// `None`, Ready `True` again; a change of status gets the kubelet's `NodeNotReady` or
/// `NodeReady` event.
fn post_ready(api: &mut ApiServer, node: &str, message: Option<&str>) {
    let key = ObjectKey::new(Kind::Node, "", node);
    let Some(mut n) = api.store().get(&key).and_then(|o| o.as_::<Node>().cloned()) else {
        return;
    };
    let now = api.now().to_k8s_time();
    let (status, reason, msg) = match message {
        Some(m) => ("False", "KubeletNotReady", m.to_string()),
        None => (
            "True",
            "KubeletReady",
            "kubelet is posting ready status".to_string(),
        ),
    };
    let mut changed = false;
    if let Some(conditions) = n.status.as_mut().and_then(|s| s.conditions.as_mut()) {
        for c in conditions.iter_mut() {
            match c.type_.as_str() {
                "MemoryPressure" | "DiskPressure" | "PIDPressure" => {
                    c.last_heartbeat_time = Some(now.clone());
                }
                "Ready" => {
                    if c.status != status {
                        c.last_transition_time = Some(now.clone());
                        changed = true;
                    }
                    c.status = status.into();
                    c.reason = Some(reason.into());
                    c.message = Some(msg.clone());
                    c.last_heartbeat_time = Some(now.clone());
                }
                _ => {}
            }
        }
    }
    let _ = api.update_status(Object::from(n));
    if changed {
        let event = if message.is_some() {
            "NodeNotReady"
        } else {
            "NodeReady"
        };
        let text = format!("Node {node} status is now: {event}");
        kubelet_node_event(api, node, "Normal", event, &text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kubelets_timers_run_on_grids_from_its_start() {
        let s = SimTime::from_secs(3);
        assert_eq!(
            grid_at_or_before(s, 5_000, SimTime(17_500)),
            SimTime(13_000)
        );
        assert_eq!(
            grid_at_or_after(s, 10_000, SimTime(13_001)),
            SimTime(23_000)
        );
        assert_eq!(
            grid_at_or_after(s, 10_000, SimTime(23_000)),
            SimTime(23_000)
        );
    }
}
