//! The kubelet of one node: pod sandboxes and IPs, image pulls, containers and their
//! programs, restarts with back-off, probes, logs, graceful termination, and the pod status.
//!
//! The sync is level-based: [`Kubelet::run`] looks at each queued pod object and this
//! kubelet's runtime record of it, does what is due at `api.now()`, writes the status
//! through the API server and asks for a wake-up at the next due instant.

pub mod backoff;
pub mod config_env;
pub mod config_volumes;
pub mod containerd_log;
pub mod containerd_toml;
pub mod dns_tools;
pub mod downward_api;
pub mod fs;
pub mod images;
pub mod journal;
pub mod logs;
pub mod probes;
pub mod program;
pub mod registry;
pub mod runtime;
pub mod runtime_state;
pub mod service;
pub mod service_env;
pub mod status;

use crate::api::{quantity, Kind, Object, ObjectKey, Pod};
use crate::apiserver::ApiServer;
use crate::network::ipam::Ipam;
use crate::preset::{NodeSpec, Preset};
use crate::sim::SimTime;
use crate::store::{WatchEvent, WatchEventType};
use backoff::go_duration;
pub use fs::ContainerFs;
use images::{ImageRef, PullError, ResolvedImage};
use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStateRunning, ContainerStateTerminated,
};
pub use logs::{ContainerLog, LogsError};
use probes::{ProbeKind, ProbeSet};
use program::{Context, Launch};
use runtime::{waiting, ContainerRecord, Phase, PodRecord};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::sync::Arc;

/// The PLEG relist period: an exited container is noticed (and restarted) this much later.
const RELIST_MS: u64 = 1_000;
/// The pod worker's back-off after a failed sync (`workerBackOffPeriod`).
const CONFIG_RETRY_MS: u64 = 10_000;
/// How long a server takes to stop after SIGTERM.
const SERVER_STOP_MS: u64 = 500;

/// The kubelet of one node.
pub struct Kubelet {
    node: String,
    node_ip: String,
    arch: &'static str,
    cpus: u32,
    kernel: String,
    pods: BTreeMap<ObjectKey, PodRecord>,
    queue: BTreeSet<ObjectKey>,
    /// The node's image store (normalised references, `docker.io/library/nginx:1.14`).
    images: BTreeSet<String>,
    /// Catalogue look-ups already made (an image resolves the same way every time).
    resolved: BTreeMap<ImageRef, Result<Arc<ResolvedImage>, PullError>>,
    /// The Service variables of a namespace (with or without service links) as of the
    /// Service revision they were computed at.
    service_vars: BTreeMap<(String, bool), (u64, Arc<BTreeMap<String, String>>)>,
    /// Images being pulled and when each pull ends.
    pulling: BTreeMap<String, SimTime>,
    /// Image pulls are serialised (kubelet's default `serializeImagePulls: true`).
    pull_busy_until: SimTime,
    /// The node's machine and kubelet service (running, stopped, powered off).
    service: service::NodeService,
    /// containerd's registry settings and the node files it reads (see [`registry`]).
    runtime: registry::NodeRuntime,
    /// The node's journal (containerd and kubelet lines, see [`journal`]).
    journal: journal::Journal,
    /// What the kubelet knows about containerd being up (see [`runtime_state`]).
    health: runtime_state::RuntimeHealth,
    /// The node's own resolver set-up (`resolvConf`): the base of every pod's resolv.conf.
    node_dns: crate::network::dns::ResolvConf,
    /// The rendered `/etc/resolv.conf` of a ClusterFirst pod, by namespace (the same text
    /// for every such pod of a namespace).
    cluster_first_resolv: BTreeMap<String, String>,
}

/// What the kubelet decided about an image.
enum ImageDecision {
    Present(Arc<ResolvedImage>),
    Pull {
        reference: ImageRef,
        result: Result<(), PullError>,
    },
    InBackOff,
    NeverPull,
    Invalid(String),
}

impl Kubelet {
    /// The catalogue's answer for an image reference, looked up once per kubelet.
    fn resolve_image(&mut self, r: &ImageRef) -> Result<Arc<ResolvedImage>, PullError> {
        if let Some(hit) = self.resolved.get(r) {
            return hit.clone();
        }
        let answer = images::resolve(r).map(Arc::new);
        self.resolved.insert(r.clone(), answer.clone());
        answer
    }

    /// The Service variables for a container of `pod`, recomputed only when a Service changed.
    fn service_vars(
        &mut self,
        store: &crate::store::Store,
        pod: &Pod,
    ) -> Arc<BTreeMap<String, String>> {
        let rev = store.kind_revision(Kind::Service);
        let links = pod
            .spec
            .as_ref()
            .and_then(|s| s.enable_service_links)
            .unwrap_or(true);
        let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
        if let Some((at, vars)) = self.service_vars.get(&(ns.to_string(), links)) {
            if *at == rev {
                return vars.clone();
            }
        }
        let vars = Arc::new(service_env::pod_service_vars(store, pod));
        self.service_vars
            .insert((ns.to_string(), links), (rev, vars.clone()));
        vars
    }

    /// A kubelet for `spec`, its image store holding what kubeadm and the CNI pre-pulled.
    pub fn new(spec: &NodeSpec, preset: &Preset) -> Kubelet {
        let mut k = Kubelet {
            node: spec.name.clone(),
            node_ip: spec.ip.clone(),
            arch: spec.arch,
            cpus: spec.cpus,
            kernel: preset.kernel_version.to_string(),
            pods: BTreeMap::new(),
            queue: BTreeSet::new(),
            images: images::preloaded_images(preset).into_iter().collect(),
            pulling: BTreeMap::new(),
            pull_busy_until: SimTime::ZERO,
            service: service::NodeService::new(),
            runtime: registry::NodeRuntime::new(preset),
            resolved: BTreeMap::new(),
            service_vars: BTreeMap::new(),
            node_dns: crate::network::dns::node_resolv_conf(preset.name),
            cluster_first_resolv: BTreeMap::new(),
            journal: journal::Journal::default(),
            health: runtime_state::RuntimeHealth::default(),
        };
        k.runtime_booted(SimTime::ZERO, false);
        k
    }

    pub fn node_name(&self) -> &str {
        &self.node
    }

    /// Normalised references of the images on this node, sorted.
    pub fn images(&self) -> impl Iterator<Item = &String> {
        self.images.iter()
    }

    /// Sees changes to pods bound to this node and to this node.
    pub fn observe(&mut self, ev: &WatchEvent) {
        // A stopped kubelet watches nothing; it re-lists its pods when it starts.
        if ev.key.kind != Kind::Pod || !self.service.is_running() {
            return;
        }
        if ev.event_type != WatchEventType::Deleted {
            if let Some(rec) = self.pods.get(&ev.key) {
                if rec.last_rv.is_some()
                    && rec.last_rv.as_deref() == ev.object.metadata().resource_version.as_deref()
                {
                    return;
                }
            }
        }
        self.queue.insert(ev.key.clone());
    }

    /// True when pods wait to be synced.
    pub fn has_work(&self) -> bool {
        !self.queue.is_empty()
    }

    /// A wake-up from the agenda for one pod.
    pub fn wake(&mut self, pod: &ObjectKey) {
        if !self.service.is_running() {
            return;
        }
        self.queue.insert(pod.clone());
    }

    /// Syncs queued pods; pushes `(when, node, pod)` wake-ups for later work.
    pub fn run(
        &mut self,
        api: &mut ApiServer,
        ipam: &mut Ipam,
        wakeups: &mut Vec<(SimTime, String, ObjectKey)>,
    ) {
        let queue = std::mem::take(&mut self.queue);
        for key in queue {
            self.sync_pod(&key, api, ipam, wakeups);
        }
    }

    /// Posts the node status although nothing changed (`nodeStatusReportFrequency`): the
    /// conditions the kubelet owns get a new `lastHeartbeatTime`; the CNI's
    /// `NetworkUnavailable` keeps the heartbeat its pod wrote.
    pub fn report_node_status(&self, api: &mut ApiServer) {
        if !self.service.is_running() {
            return;
        }
        let key = ObjectKey::new(Kind::Node, "", &self.node);
        let Some(Object::Node(node)) = api.store().get(&key).map(|o| (**o).clone()) else {
            return;
        };
        let mut node = node;
        let now = api.now().to_k8s_time();
        let Some(conditions) = node.status.as_mut().and_then(|s| s.conditions.as_mut()) else {
            return;
        };
        for c in conditions.iter_mut() {
            if matches!(
                c.type_.as_str(),
                "MemoryPressure" | "DiskPressure" | "PIDPressure" | "Ready"
            ) {
                c.last_heartbeat_time = Some(now.clone());
            }
        }
        let _ = api.update_status(Object::Node(node));
    }

    // ------------------------------------------------------------ access for kubectl

    fn container(&self, pod: &ObjectKey, container: &str) -> Option<&ContainerRecord> {
        self.pods
            .get(pod)?
            .containers
            .iter()
            .find(|c| c.name == container)
    }

    fn container_mut(&mut self, pod: &ObjectKey, container: &str) -> Option<&mut ContainerRecord> {
        self.pods
            .get_mut(pod)?
            .containers
            .iter_mut()
            .find(|c| c.name == container)
    }

    /// The files of a container (for `kubectl exec`, `kubectl cp`).
    pub fn container_fs(&self, pod: &ObjectKey, container: &str) -> Option<&ContainerFs> {
        self.container(pod, container).map(|c| &c.fs)
    }

    /// The files of a container, mutably (a write changes what its server answers).
    pub fn container_fs_mut(
        &mut self,
        pod: &ObjectKey,
        container: &str,
    ) -> Option<&mut ContainerFs> {
        self.container_mut(pod, container).map(|c| &mut c.fs)
    }

    /// The environment of a container's processes.
    pub fn container_env(
        &self,
        pod: &ObjectKey,
        container: &str,
    ) -> Option<BTreeMap<String, String>> {
        self.container(pod, container)
            .filter(|c| c.container_id.is_some())
            .map(|c| (*c.env).clone())
    }

    /// True if the container's image has the executable `cmd` (`sh`, `bash`, `curl`, ...).
    pub fn image_has_command(&self, pod: &ObjectKey, container: &str, cmd: &str) -> bool {
        let Some(c) = self.container(pod, container) else {
            return false;
        };
        let Some(img) = &c.image else { return false };
        let name = cmd.rsplit('/').next().unwrap_or(cmd);
        program::has_command(img.base, img.entry.app, name)
            || (cmd.starts_with('/') && c.fs.is_file(cmd))
    }

    /// The base distribution of a container's image (decides its shell and prompt).
    pub fn image_base(&self, pod: &ObjectKey, container: &str) -> Option<images::Base> {
        self.container(pod, container)?
            .image
            .as_ref()
            .map(|i| i.base)
    }

    /// True while the container's process runs (exec is only possible then).
    pub fn is_running(&self, pod: &ObjectKey, container: &str) -> bool {
        self.container(pod, container)
            .is_some_and(ContainerRecord::is_running)
    }

    /// Ends a running container's main process with `code` at `at` (the shell attached to
    /// its stdin exited); the pod's next sync sees the exit and applies the restart policy.
    /// False when the container is not running.
    pub fn end_main_process(
        &mut self,
        pod: &ObjectKey,
        container: &str,
        at: SimTime,
        code: i32,
    ) -> bool {
        let Some(p) = self
            .container_mut(pod, container)
            .filter(|c| c.is_running())
            .and_then(|c| c.process.as_mut())
        else {
            return false;
        };
        p.exit(at, code);
        self.wake(pod);
        true
    }

    /// What a running container serves (for requests to the pod).
    pub fn container_server(&self, pod: &ObjectKey, container: &str) -> Option<&program::Server> {
        self.container(pod, container)
            .filter(|c| c.is_running())
            .and_then(|c| c.process.as_ref())
            .and_then(|p| p.server.as_ref())
    }

    /// The log of a container, or why there is none (`previous`: the instance before).
    pub fn container_log(
        &self,
        pod: &ObjectKey,
        container: &str,
        previous: bool,
    ) -> Result<&ContainerLog, LogsError> {
        let Some(rec) = self.pods.get(pod) else {
            return Err(LogsError::PodNotFound {
                pod: pod.name.clone(),
            });
        };
        let Some(c) = rec.containers.iter().find(|c| c.name == container) else {
            return Err(LogsError::NoSuchContainer {
                container: container.to_string(),
                pod: pod.name.clone(),
            });
        };
        if previous {
            return c
                .previous_log
                .as_ref()
                .ok_or_else(|| LogsError::NoPrevious {
                    container: container.to_string(),
                    pod: pod.name.clone(),
                });
        }
        if c.container_id.is_none() {
            return Err(LogsError::WaitingToStart {
                container: container.to_string(),
                pod: pod.name.clone(),
                reason: c
                    .waiting_reason()
                    .unwrap_or("ContainerCreating")
                    .to_string(),
            });
        }
        Ok(&c.log)
    }

    /// `kubectl logs` text of a container.
    pub fn logs(
        &self,
        pod: &ObjectKey,
        container: &str,
        previous: bool,
    ) -> Result<String, LogsError> {
        self.container_log(pod, container, previous)
            .map(ContainerLog::text)
    }

    /// Which container of a pod answers on `port`, what it serves and the HTTP status it
    /// gives for `path` now; `None` when nothing listens there (connection refused).
    pub fn http_answer(
        &self,
        pod: &ObjectKey,
        port: u16,
        path: &str,
        now: SimTime,
    ) -> Option<(String, program::Server, u16)> {
        let rec = self.pods.get(pod)?;
        rec.containers.iter().filter(|c| !c.init).find_map(|c| {
            let proc = c.process.as_ref()?;
            let status = probes::http_status(proc, &c.fs, port, path, now)?;
            Some((c.name.clone(), proc.server.clone()?, status))
        })
    }

    /// Appends a line to a container's log (access logs of served requests).
    pub fn append_log(&mut self, pod: &ObjectKey, container: &str, at: SimTime, line: &str) {
        if let Some(c) = self.container_mut(pod, container) {
            c.log.push(at, line);
        }
    }

    // ------------------------------------------------------------ sync

    fn forget(&mut self, key: &ObjectKey, ipam: &mut Ipam) {
        if let Some(rec) = self.pods.remove(key) {
            if let (Some(ip), true) = (rec.ip, rec.ip_allocated) {
                ipam.release(&self.node, ip);
            }
        }
    }

    fn sync_pod(
        &mut self,
        key: &ObjectKey,
        api: &mut ApiServer,
        ipam: &mut Ipam,
        wakeups: &mut Vec<(SimTime, String, ObjectKey)>,
    ) {
        let now = api.now();
        let Some(obj) = api.store().get(key).cloned() else {
            self.forget(key, ipam);
            return;
        };
        let Some(pod) = obj.as_::<Pod>() else { return };
        if pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) != Some(self.node.as_str()) {
            self.forget(key, ipam);
            return;
        }
        if self.sync_without_runtime(key, &obj, pod, now, api, wakeups) {
            return;
        }
        let uid = pod.metadata.uid.clone().unwrap_or_default();
        if self.pods.get(key).is_some_and(|r| r.uid != uid) {
            self.forget(key, ipam);
        }
        // The record is taken out of its slot while the pod syncs (the sync borrows the
        // kubelet); an empty record holds the slot, so putting it back is no map insertion.
        // Nothing the sync calls reads `self.pods`.
        let mut rec = match self.pods.get_mut(key) {
            Some(slot) => std::mem::take(slot),
            None => {
                let terminal = matches!(
                    pod.status.as_ref().and_then(|s| s.phase.as_deref()),
                    Some("Succeeded" | "Failed")
                );
                if terminal && pod.metadata.deletion_timestamp.is_none() {
                    return;
                }
                self.new_record(pod, &uid, now, api, ipam)
            }
        };
        if rec.next_wake.is_some_and(|w| w <= now) {
            rec.next_wake = None;
        }
        let mut due: Option<SimTime> = None;
        let deleting = pod.metadata.deletion_timestamp.is_some();
        if deleting {
            self.terminate(&mut rec, pod, &obj, now, api, &mut due);
        } else if now >= rec.sandbox_ready_at {
            self.sync_containers(&mut rec, pod, &obj, now, api, &mut due);
        } else {
            merge(&mut due, rec.sandbox_ready_at);
        }
        // The first SyncPod creates the sandbox and starts the containers in one go, pulls
        // included: the status written before it (Pending, ContainerCreating) stands until it
        // ends, so a pod that starts normally goes Pending → Running in two writes (and its
        // conditions' transition times are those of the status generated after it).
        let pulling = rec
            .containers
            .iter()
            .any(|c| matches!(c.phase, Phase::Pulling { done_at, .. } if done_at > now));
        if !pulling && now >= rec.sandbox_ready_at {
            rec.first_start_done = true;
        }
        let hold = pulling && !rec.first_start_done && !deleting;
        let new_status = (!hold).then(|| status::build(&mut rec, pod, &self.node_ip, now));
        if let Some(st) = &new_status {
            if matches!(st.phase.as_deref(), Some("Succeeded" | "Failed")) && !deleting {
                rec.sandbox_gone = true;
            }
        }
        let new_status = new_status.filter(|st| pod.status.as_ref() != Some(st));
        // Let go of our copy so the store can change the pod in place instead of copying it.
        drop(obj);
        if let Some(new_status) = new_status {
            let write = api.modify_status(key, |o| {
                if let Object::Pod(p) = o {
                    p.status = Some(new_status);
                }
            });
            if let Ok(written) = write {
                rec.last_rv = written.metadata().resource_version.clone();
            }
        }
        if deleting && rec.containers.iter().all(|c| !c.is_running()) {
            api.trace(&format!("kubelet/{}", self.node), format!("remove {key}"));
            api.remove(key);
            self.put_back(key, rec);
            self.forget(key, ipam);
            return;
        }
        if let Some(at) = due {
            let at = at.max(now.plus_ms(1));
            if rec.next_wake.is_none_or(|w| at < w) {
                rec.next_wake = Some(at);
                wakeups.push((at, self.node.clone(), key.clone()));
            }
        }
        self.put_back(key, rec);
    }

    /// Returns a synced pod's record to its slot (a new pod's gets one).
    fn put_back(&mut self, key: &ObjectKey, rec: PodRecord) {
        match self.pods.get_mut(key) {
            Some(slot) => *slot = rec,
            None => {
                self.pods.insert(key.clone(), rec);
            }
        }
    }

    fn new_record(
        &mut self,
        pod: &Pod,
        uid: &str,
        now: SimTime,
        api: &mut ApiServer,
        ipam: &mut Ipam,
    ) -> PodRecord {
        let default_spec = k8s_openapi::api::core::v1::PodSpec::default();
        let spec = pod.spec.as_ref().unwrap_or(&default_spec);
        let host_network = spec.host_network.unwrap_or(false);
        let (ip, allocated) = if host_network {
            (self.node_ip.parse::<Ipv4Addr>().ok(), false)
        } else {
            (ipam.allocate(&self.node), true)
        };
        let sandbox_ms = 300 + api.rng().below("kubelet-sandbox", 700);
        let mut containers = Vec::new();
        for c in spec.init_containers.iter().flatten() {
            containers.push(ContainerRecord::new(
                &c.name,
                true,
                c.image.as_deref().unwrap_or(""),
            ));
        }
        for c in &spec.containers {
            let mut r = ContainerRecord::new(&c.name, false, c.image.as_deref().unwrap_or(""));
            if spec.init_containers.as_ref().is_some_and(|i| !i.is_empty()) {
                r.state = waiting("PodInitializing", None);
            }
            containers.push(r);
        }
        PodRecord {
            uid: uid.to_string(),
            ip,
            ip_allocated: allocated && ip.is_some(),
            host_network,
            sandbox_ready_at: now.plus_ms(sandbox_ms),
            start_time: now,
            containers,
            condition_times: BTreeMap::new(),
            last_rv: None,
            next_wake: None,
            sandbox_gone: false,
            first_start_done: false,
        }
    }

    fn sync_containers(
        &mut self,
        rec: &mut PodRecord,
        pod: &Pod,
        obj: &Arc<Object>,
        now: SimTime,
        api: &mut ApiServer,
        due: &mut Option<SimTime>,
    ) {
        let empty = k8s_openapi::api::core::v1::PodSpec::default();
        let spec = pod.spec.as_ref().unwrap_or(&empty);
        let restart_policy = spec
            .restart_policy
            .clone()
            .unwrap_or_else(|| "Always".into());
        let pod_ip = rec.ip.map(crate::network::ip_string).unwrap_or_default();
        let grace_ms = spec.termination_grace_period_seconds.unwrap_or(30).max(0) as u64 * 1000;
        // Init containers one at a time, in order; app containers once all succeeded.
        // Starts are sequential too, as in kuberuntime's SyncPod: a container is pulled,
        // created and started before the next one in spec order; while one container's image
        // is being pulled no other container of the pod starts.
        let mut containers = std::mem::take(&mut rec.containers);
        let mut init_blocked = false;
        let mut held: Vec<usize> = Vec::new();
        for i in 0..containers.len() {
            if init_blocked {
                continue;
            }
            let may_start = !other_pulling(&containers, i);
            let c = &mut containers[i];
            let Some(cspec) = find_spec(spec, &c.name, c.init) else {
                continue;
            };
            self.drive(
                c,
                cspec,
                pod,
                obj,
                rec,
                &pod_ip,
                &restart_policy,
                grace_ms,
                may_start,
                now,
                api,
                due,
            );
            if !may_start && c.phase == Phase::Pending {
                held.push(i);
            }
            if c.init && !c.succeeded() {
                init_blocked = true;
            }
        }
        // A pull that ended in this sync frees the containers held before it (spec order).
        for i in held {
            let may_start = !other_pulling(&containers, i);
            if !may_start {
                break;
            }
            let c = &mut containers[i];
            let Some(cspec) = find_spec(spec, &c.name, c.init) else {
                continue;
            };
            self.drive(
                c,
                cspec,
                pod,
                obj,
                rec,
                &pod_ip,
                &restart_policy,
                grace_ms,
                true,
                now,
                api,
                due,
            );
        }
        rec.containers = containers;
    }

    /// Moves one container through its state machine as far as `now` allows.
    #[allow(clippy::too_many_arguments)]
    fn drive(
        &mut self,
        c: &mut ContainerRecord,
        cspec: &Container,
        pod: &Pod,
        obj: &Arc<Object>,
        rec: &PodRecord,
        pod_ip: &str,
        restart_policy: &str,
        grace_ms: u64,
        may_start: bool,
        now: SimTime,
        api: &mut ApiServer,
        due: &mut Option<SimTime>,
    ) {
        let field = c.field_path();
        let node = self.node.clone();
        let component = "kubelet";
        let spec_image = cspec.image.clone().unwrap_or_default();
        // A changed image: restart the container with the new one.
        if spec_image != c.spec_image {
            if c.is_running() {
                api.record_event_for(
                    obj,
                    Some(&field),
                    "Normal",
                    "Killing",
                    &format!("Container {} definition changed, will be restarted", c.name),
                    component,
                    Some(&node),
                );
                self.stop_process(c, now, false);
                c.restart_now = true;
            }
            c.spec_image = spec_image.clone();
            c.pull_backoff = Default::default();
            c.pull_error = None;
            let waiting = matches!(
                c.phase,
                Phase::Pending
                    | Phase::Pulling { .. }
                    | Phase::PullBackOff { .. }
                    | Phase::Blocked
                    | Phase::CrashBackOff { .. }
            );
            if waiting || (c.phase == Phase::Done && restart_policy != "Never") {
                c.phase = Phase::Pending;
            }
        }
        for _ in 0..8 {
            match c.phase.clone() {
                Phase::Pending => {
                    if !may_start {
                        // Another container of the pod is being pulled; this one's turn
                        // comes when that pull ends (its wake-up is on the agenda).
                        return;
                    }
                    // The volume manager mounts API-backed volumes before anything is pulled.
                    if let Err(msg) = config_volumes::check(api.store(), pod, cspec) {
                        api.record_event_for(
                            obj,
                            None,
                            "Warning",
                            "FailedMount",
                            &msg,
                            component,
                            Some(&node),
                        );
                        set_waiting(c, "ContainerCreating", None);
                        merge(due, now.plus_ms(CONFIG_RETRY_MS));
                        return;
                    }
                    let decision = self.decide_image(c, cspec, now);
                    match decision {
                        ImageDecision::Present(img) => {
                            api.record_event_for(
                                obj,
                                Some(&field),
                                "Normal",
                                "Pulled",
                                &[
                                    "Container image \"",
                                    spec_image.as_str(),
                                    "\" already present on machine and can be accessed by the pod",
                                ]
                                .concat(),
                                component,
                                Some(&node),
                            );
                            if !self.start_container(c, cspec, img, pod, obj, rec, pod_ip, now, api)
                            {
                                // The pod worker retries a failed sync after its back-off.
                                merge(due, now.plus_ms(CONFIG_RETRY_MS));
                                return;
                            }
                        }
                        ImageDecision::Pull { reference, result } => {
                            api.record_event_for(
                                obj,
                                Some(&field),
                                "Normal",
                                "Pulling",
                                &["Pulling image \"", spec_image.as_str(), "\""].concat(),
                                component,
                                Some(&node),
                            );
                            let full = reference.full();
                            let base_ms = self
                                .resolve_image(&reference)
                                .map(|r| r.entry.pull_ms)
                                .unwrap_or(1_200);
                            let jitter = 80 + api.rng().below("image-pull", 41);
                            let cached =
                                self.images.contains(&full) || self.pulling.contains_key(&full);
                            let pull_ms = if result.is_err() {
                                600 + api.rng().below("image-pull", 900)
                            } else if cached {
                                250 + api.rng().below("image-pull", 500)
                            } else {
                                base_ms * jitter / 100
                            };
                            let start = now.max(self.pull_busy_until);
                            let done = start.plus_ms(pull_ms);
                            self.pull_busy_until = done;
                            if result.is_ok() {
                                self.pulling.insert(full, done);
                            }
                            // The pull blocks the pod's sync, so the reported state does not
                            // change meanwhile: ContainerCreating (PodInitializing) for a first
                            // start, the ended instance (or ErrImagePull/ImagePullBackOff) for a
                            // restart or a retry.
                            c.phase = Phase::Pulling {
                                done_at: done,
                                pull_ms,
                                total_ms: done.ms() - now.ms(),
                                result,
                                reference,
                            };
                        }
                        ImageDecision::InBackOff => {
                            Self::show_image_pull_backoff(
                                c,
                                obj,
                                &field,
                                &spec_image,
                                component,
                                &node,
                                api,
                            );
                            self.journal_pull_backoff(c, pod, now);
                            c.phase = Phase::PullBackOff { shown_at: now };
                        }
                        ImageDecision::NeverPull => {
                            let msg = format!("Container image \"{spec_image}\" is not present with pull policy of Never");
                            api.record_event_for(
                                obj,
                                Some(&field),
                                "Warning",
                                "ErrImageNeverPull",
                                &msg,
                                component,
                                Some(&node),
                            );
                            api.record_event_for(
                                obj,
                                Some(&field),
                                "Warning",
                                "Failed",
                                "Error: ErrImageNeverPull",
                                component,
                                Some(&node),
                            );
                            set_waiting(c, "ErrImageNeverPull", Some(msg));
                            c.phase = Phase::Blocked;
                        }
                        ImageDecision::Invalid(err) => {
                            let msg = format!("Failed to apply default image tag \"{spec_image}\": couldn't parse image name \"{spec_image}\": {err}");
                            api.record_event_for(
                                obj,
                                Some(&field),
                                "Warning",
                                "InspectFailed",
                                &msg,
                                component,
                                Some(&node),
                            );
                            api.record_event_for(
                                obj,
                                Some(&field),
                                "Warning",
                                "Failed",
                                "Error: InvalidImageName",
                                component,
                                Some(&node),
                            );
                            set_waiting(c, "InvalidImageName", Some(msg));
                            c.phase = Phase::Blocked;
                        }
                    }
                }
                Phase::Pulling {
                    done_at,
                    pull_ms,
                    total_ms,
                    result,
                    reference,
                } => {
                    if now < done_at {
                        merge(due, done_at);
                        return;
                    }
                    let full = reference.full();
                    if self.pulling.get(&full).is_some_and(|d| *d <= now) {
                        self.pulling.remove(&full);
                    }
                    match result.and_then(|_| self.resolve_image(&reference)) {
                        Ok(img) => {
                            self.images.insert(full);
                            let msg = format!(
                                "Successfully pulled image \"{spec_image}\" in {} ({} including waiting). Image size: {} bytes.",
                                go_duration(pull_ms),
                                go_duration(total_ms),
                                img.size
                            );
                            api.record_event_for(
                                obj,
                                Some(&field),
                                "Normal",
                                "Pulled",
                                &msg,
                                component,
                                Some(&node),
                            );
                            c.pull_error = None;
                            if !self.start_container(c, cspec, img, pod, obj, rec, pod_ip, now, api)
                            {
                                // The pod worker retries a failed sync after its back-off.
                                merge(due, now.plus_ms(CONFIG_RETRY_MS));
                                return;
                            }
                        }
                        Err(e) => {
                            let err = e.message(&reference);
                            self.journal_pull_failed(
                                &reference.full(),
                                &reference.registry,
                                &err,
                                pod,
                                &c.name,
                                "ErrImagePull",
                                now,
                            );
                            api.record_event_for(
                                obj,
                                Some(&field),
                                "Warning",
                                "Failed",
                                &format!("Failed to pull image \"{spec_image}\": {err}"),
                                component,
                                Some(&node),
                            );
                            api.record_event_for(
                                obj,
                                Some(&field),
                                "Warning",
                                "Failed",
                                "Error: ErrImagePull",
                                component,
                                Some(&node),
                            );
                            c.pull_backoff.next(now, now);
                            set_waiting(c, "ErrImagePull", Some(err.clone()));
                            c.pull_error = Some(err);
                            c.phase = Phase::PullBackOff {
                                shown_at: now.plus_ms(RELIST_MS),
                            };
                        }
                    }
                }
                Phase::PullBackOff { shown_at } => {
                    let retry = c.pull_backoff.until_since_update().unwrap_or(now);
                    if now >= retry {
                        c.phase = Phase::Pending;
                        continue;
                    }
                    if now >= shown_at && c.waiting_reason() == Some("ErrImagePull") {
                        Self::show_image_pull_backoff(
                            c,
                            obj,
                            &field,
                            &spec_image,
                            component,
                            &node,
                            api,
                        );
                        self.journal_pull_backoff(c, pod, now);
                    }
                    if c.waiting_reason() == Some("ErrImagePull") {
                        merge(due, shown_at);
                    }
                    merge(due, retry);
                    return;
                }
                Phase::Blocked => return,
                Phase::Running => {
                    self.advance_running(c, cspec, obj, rec, pod_ip, grace_ms, now, api, due);
                    if c.phase == Phase::Running {
                        return;
                    }
                }
                Phase::Exited { decide_at } => {
                    if now < decide_at && !c.restart_now {
                        merge(due, decide_at);
                        return;
                    }
                    let code = c.terminated().map_or(0, |t| t.exit_code);
                    let restart = if c.init {
                        code != 0 && restart_policy != "Never"
                    } else {
                        restart_policy == "Always" || (restart_policy == "OnFailure" && code != 0)
                    };
                    if !restart && !c.restart_now {
                        c.phase = Phase::Done;
                        return;
                    }
                    let finished = c
                        .terminated()
                        .and_then(|t| t.finished_at.as_ref())
                        .map_or(now, SimTime::from_k8s_time);
                    if c.restart_now {
                        c.restart_now = false;
                        c.phase = Phase::Pending;
                        continue;
                    }
                    if c.crash_backoff.in_backoff_since(finished, now) {
                        let until = c.crash_backoff.until(finished);
                        self.enter_crash_backoff(c, pod, obj, now, api);
                        c.phase = Phase::CrashBackOff { until };
                        merge(due, until);
                        return;
                    }
                    c.crash_backoff.next(finished, now);
                    c.phase = Phase::Pending;
                }
                Phase::CrashBackOff { until } => {
                    if now < until {
                        merge(due, until);
                        return;
                    }
                    let finished = c
                        .last_state
                        .as_ref()
                        .and_then(|t| t.finished_at.as_ref())
                        .map_or(now, SimTime::from_k8s_time);
                    c.crash_backoff.next(finished, now);
                    c.phase = Phase::Pending;
                }
                Phase::Done => return,
            }
        }
    }

    fn enter_crash_backoff(
        &mut self,
        c: &mut ContainerRecord,
        pod: &Pod,
        obj: &Arc<Object>,
        _now: SimTime,
        api: &mut ApiServer,
    ) {
        let pod_ref = format!(
            "{}_{}({})",
            pod.metadata.name.as_deref().unwrap_or(""),
            pod.metadata.namespace.as_deref().unwrap_or(""),
            pod.metadata.uid.as_deref().unwrap_or("")
        );
        api.record_event_for(
            obj,
            Some(&c.field_path()),
            "Warning",
            "BackOff",
            &format!(
                "Back-off restarting failed container {} in pod {pod_ref}",
                c.name
            ),
            "kubelet",
            Some(&self.node),
        );
        let msg = format!(
            "back-off {} restarting failed container={} pod={pod_ref}",
            go_duration(c.crash_backoff.get_ms()),
            c.name
        );
        set_waiting(c, "CrashLoopBackOff", Some(msg));
        c.ready = false;
    }

    fn decide_image(
        &mut self,
        c: &ContainerRecord,
        cspec: &Container,
        now: SimTime,
    ) -> ImageDecision {
        let image = cspec.image.clone().unwrap_or_default();
        let reference = match ImageRef::parse(&image) {
            Ok(r) => r,
            Err(e) => return ImageDecision::Invalid(e.to_string()),
        };
        let policy = cspec
            .image_pull_policy
            .clone()
            .unwrap_or_else(|| crate::api::defaults::default_pull_policy(&image).to_string());
        let full = reference.full();
        let present = self.images.contains(&full);
        if policy == "Never" || (policy == "IfNotPresent" && present) {
            if present {
                if let Ok(img) = self.resolve_image(&reference) {
                    return ImageDecision::Present(img);
                }
            }
            return ImageDecision::NeverPull;
        }
        if c.pull_backoff.in_backoff_since_update(now) {
            return ImageDecision::InBackOff;
        }
        let result = self
            .registry_access(&reference)
            .and_then(|()| self.resolve_image(&reference).map(|_| ()));
        ImageDecision::Pull { reference, result }
    }

    /// The kubelet reports a failing pull as back-off: `BackOff` "Back-off pulling image" and
    /// `Failed` "Error: ImagePullBackOff" events, and the container waits in ImagePullBackOff.
    fn show_image_pull_backoff(
        c: &mut ContainerRecord,
        obj: &Arc<Object>,
        field: &str,
        spec_image: &str,
        component: &str,
        node: &str,
        api: &mut ApiServer,
    ) {
        let msg = format!("Back-off pulling image \"{spec_image}\"");
        let at = Some(field);
        api.record_event_for(obj, at, "Normal", "BackOff", &msg, component, Some(node));
        let failed = "Error: ImagePullBackOff";
        api.record_event_for(obj, at, "Warning", "Failed", failed, component, Some(node));
        let detail = format!(
            "{msg}: ErrImagePull: {}",
            c.pull_error.clone().unwrap_or_default()
        );
        set_waiting(c, "ImagePullBackOff", Some(detail));
    }

    /// Creates and starts a container instance from a pulled image.
    #[allow(clippy::too_many_arguments)]
    fn start_container(
        &mut self,
        c: &mut ContainerRecord,
        cspec: &Container,
        img: Arc<ResolvedImage>,
        pod: &Pod,
        obj: &Arc<Object>,
        rec: &PodRecord,
        pod_ip: &str,
        now: SimTime,
        api: &mut ApiServer,
    ) -> bool {
        let field = c.field_path();
        let node = self.node.clone();
        // The environment must resolve before the container is created (kuberuntime's
        // generateContainerConfig); otherwise the sync fails and is retried.
        let config = match config_env::resolve(api.store(), pod, cspec) {
            Ok(cfg) => cfg,
            Err(msg) => {
                api.record_event_for(
                    obj,
                    Some(&field),
                    "Warning",
                    "Failed",
                    &format!("Error: {msg}"),
                    "kubelet",
                    Some(&node),
                );
                set_waiting(c, "CreateContainerConfigError", Some(msg));
                return false;
            }
        };
        // A new instance: the previous one becomes lastState and its log the --previous log.
        if c.container_id.is_some() {
            if let Some(t) = c.state.terminated.take() {
                c.last_state = Some(t);
            }
            c.previous_log = Some(std::mem::take(&mut c.log));
            c.restart_count += 1;
        }
        let mut id = String::with_capacity(76);
        id.push_str("containerd://");
        id.push_str(&api.rng().hex_words("container-id", 4));
        c.container_id = Some(id);
        let pod_name = pod.metadata.name.clone().unwrap_or_default();
        let hostname = if rec.host_network {
            node.clone()
        } else {
            pod_name.clone()
        };
        let token = format!(
            "eyJhbGciOiJSUzI1NiIsImtpZCI6Im{}",
            images::digest_hex(&format!(
                "{}/{}",
                pod.metadata.uid.as_deref().unwrap_or(""),
                c.name
            ))
        );
        let resolv = self.resolv_conf(pod, rec.host_network);
        let ctx_fs = fs::PodContext {
            pod_name: &pod_name,
            pod_ip,
            host_network: rec.host_network,
            node_name: &node,
            resolv_conf: &resolv,
        };
        c.fs = fs::seed(&img, &ctx_fs);
        let _ = config_volumes::mount(&mut c.fs, api.store(), pod, cspec, pod_ip, &token);
        c.env = Arc::new(container_env(
            &img,
            cspec,
            pod,
            &hostname,
            pod_ip,
            &self.node_ip,
            &config,
        ));
        let vars = self.service_vars(api.store(), pod);
        service_env::inject(Arc::make_mut(&mut c.env), &vars, cspec, &config.from);
        let ctx = Context {
            base: img.base,
            app: img.entry.app,
            hostname: hostname.clone(),
            pod_ip: pod_ip.to_string(),
            node_cpus: self.cpus,
            kernel: self.kernel.clone(),
            stdin: cspec.stdin.unwrap_or(false),
        };
        let argv = container_argv(&img, cspec, &c.env);
        c.probes = ProbeSet::default();
        c.ready = false;
        c.started = false;
        c.stop_at = None;
        api.record_event_for(
            obj,
            Some(&field),
            "Normal",
            "Created",
            "Container created",
            "kubelet",
            Some(&node),
        );
        let arch_ok = img.entry.archs.contains(&self.arch);
        let launch = if arch_ok {
            program::start(&argv, &ctx, &c.env, &c.fs, now)
        } else {
            Launch::StartError(String::new())
        };
        c.image = Some(img);
        match launch {
            Launch::StartError(msg) if arch_ok => {
                api.record_event_for(
                    obj,
                    Some(&field),
                    "Warning",
                    "Failed",
                    &format!("Error: {msg}"),
                    "kubelet",
                    Some(&node),
                );
                c.process = None;
                c.state = ContainerState {
                    terminated: Some(ContainerStateTerminated {
                        container_id: c.container_id.clone(),
                        exit_code: 128,
                        finished_at: Some(now.to_k8s_time()),
                        message: Some(msg),
                        reason: Some("StartError".into()),
                        signal: None,
                        started_at: Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                            k8s_openapi::jiff::Timestamp::UNIX_EPOCH,
                        )),
                    }),
                    ..Default::default()
                };
                c.phase = Phase::Exited {
                    decide_at: now.plus_ms(RELIST_MS),
                };
            }
            Launch::StartError(_) => {
                // The image's binaries are for another architecture: the kernel refuses them.
                api.record_event_for(
                    obj,
                    Some(&field),
                    "Normal",
                    "Started",
                    "Container started",
                    "kubelet",
                    Some(&node),
                );
                let path = program::resolved_path(argv.first().map_or("sh", String::as_str));
                c.log.push(now, format!("exec {path}: exec format error"));
                c.process = None;
                c.state = ContainerState {
                    running: Some(ContainerStateRunning {
                        started_at: Some(now.to_k8s_time()),
                    }),
                    ..Default::default()
                };
                self.finish(c, now, 255, "Error");
            }
            Launch::Run(mut p) => {
                api.record_event_for(
                    obj,
                    Some(&field),
                    "Normal",
                    "Started",
                    "Container started",
                    "kubelet",
                    Some(&node),
                );
                c.state = ContainerState {
                    running: Some(ContainerStateRunning {
                        started_at: Some(now.to_k8s_time()),
                    }),
                    ..Default::default()
                };
                c.probes = ProbeSet::arm(cspec, now);
                c.started = cspec.startup_probe.is_none();
                c.ready = cspec.readiness_probe.is_none() && c.started;
                p.advance(now, &mut c.fs, &mut c.log);
                c.process = Some(*p);
                c.phase = Phase::Running;
            }
        }
        true
    }

    /// The pod's `/etc/resolv.conf`; ClusterFirst pods without a dnsConfig share one text per
    /// namespace.
    fn resolv_conf(&mut self, pod: &Pod, host_network: bool) -> String {
        let spec = pod.spec.as_ref();
        let plain = !host_network
            && spec.is_some_and(|s| {
                s.dns_config.is_none()
                    && s.dns_policy.as_deref().is_none_or(|p| p == "ClusterFirst")
            });
        if !plain {
            return crate::network::dns::pod_resolv_conf(pod, &self.node_dns).render();
        }
        let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
        if let Some(text) = self.cluster_first_resolv.get(ns) {
            return text.clone();
        }
        let text = crate::network::dns::pod_resolv_conf(pod, &self.node_dns).render();
        self.cluster_first_resolv
            .insert(ns.to_string(), text.clone());
        text
    }

    /// Marks the current instance terminated.
    fn finish(&mut self, c: &mut ContainerRecord, at: SimTime, code: i32, reason: &str) {
        let started_at = c.state.running.as_ref().and_then(|r| r.started_at.clone());
        c.state = ContainerState {
            terminated: Some(ContainerStateTerminated {
                container_id: c.container_id.clone(),
                exit_code: code,
                finished_at: Some(at.to_k8s_time()),
                message: None,
                reason: Some(reason.to_string()),
                signal: None,
                started_at,
            }),
            ..Default::default()
        };
        c.ready = false;
        c.started = false;
        c.stop_at = None;
        c.probes = ProbeSet::default();
        c.phase = Phase::Exited {
            decide_at: at.plus_ms(RELIST_MS),
        };
    }

    /// Asks the process to stop: servers exit at once on SIGTERM, shells ignore it until
    /// SIGKILL (`kill`).
    fn stop_process(&mut self, c: &mut ContainerRecord, at: SimTime, kill: bool) {
        let Some(p) = c.process.as_mut() else { return };
        if kill || !p.sigterm(at, &mut c.log) {
            p.kill(at);
        }
        let code = p.exit_code().unwrap_or(137);
        let reason = if code == 0 { "Completed" } else { "Error" };
        self.finish(c, at, code, reason);
    }

    /// Runs a running container's program and probes up to `now`.
    #[allow(clippy::too_many_arguments)]
    fn advance_running(
        &mut self,
        c: &mut ContainerRecord,
        cspec: &Container,
        obj: &Arc<Object>,
        rec: &PodRecord,
        pod_ip: &str,
        grace_ms: u64,
        now: SimTime,
        api: &mut ApiServer,
        due: &mut Option<SimTime>,
    ) {
        // A pending stop (failed liveness probe) falls due.
        if let Some((at, kill)) = c.stop_at {
            if now >= at {
                self.stop_process(c, at, kill);
                c.restart_now = true;
                return;
            }
            merge(due, at);
        }
        let Some(mut p) = c.process.take() else {
            return;
        };
        p.advance(now, &mut c.fs, &mut c.log);
        let limit = memory_limit(cspec);
        if let Some(limit) = limit {
            if p.memory > limit && p.exit_code().is_none() {
                let at = p.started_at.plus_ms(300).max(p.clock).min(now);
                c.process = Some(p);
                self.finish(c, at, 137, "OOMKilled");
                return;
            }
        }
        if let Some(code) = p.exit_code() {
            let at = p.clock.min(now);
            c.process = Some(p);
            self.finish(c, at, code, if code == 0 { "Completed" } else { "Error" });
            return;
        }
        if let Some(t) = p.next_due() {
            merge(due, t.max(now.plus_ms(1)));
        }
        c.process = Some(p);
        self.run_probes(c, cspec, obj, rec, pod_ip, grace_ms, now, api, due);
    }

    #[allow(clippy::too_many_arguments)]
    fn run_probes(
        &mut self,
        c: &mut ContainerRecord,
        cspec: &Container,
        obj: &Arc<Object>,
        _rec: &PodRecord,
        pod_ip: &str,
        grace_ms: u64,
        now: SimTime,
        api: &mut ApiServer,
        due: &mut Option<SimTime>,
    ) {
        if [
            ProbeKind::Startup,
            ProbeKind::Liveness,
            ProbeKind::Readiness,
        ]
        .iter()
        .all(|k| probes::spec_probe(cspec, *k).is_none())
        {
            return;
        }
        let Some((base, app)) = c.image.as_ref().map(|i| (i.base, i.entry.app)) else {
            return;
        };
        let ctx = Context {
            base,
            app,
            hostname: c.env.get("HOSTNAME").cloned().unwrap_or_default(),
            pod_ip: pod_ip.to_string(),
            node_cpus: self.cpus,
            kernel: self.kernel.clone(),
            stdin: false,
        };
        for kind in [
            ProbeKind::Startup,
            ProbeKind::Liveness,
            ProbeKind::Readiness,
        ] {
            let Some(probe) = probes::spec_probe(cspec, kind).cloned() else {
                continue;
            };
            let mut guard = 0;
            while let Some(at) = c.probes.state_mut(kind).next_at {
                guard += 1;
                if at > now || guard > 64 || c.stop_at.is_some() {
                    break;
                }
                let Some(proc) = c.process.clone() else { break };
                let result = probes::run(&probe, cspec, &proc, &mut c.fs, &ctx, &c.env, pod_ip, at);
                let period = probe.period_seconds.unwrap_or(10).max(1) as u64 * 1000;
                let failure_threshold = probe.failure_threshold.unwrap_or(3).max(1);
                let success_threshold = probe.success_threshold.unwrap_or(1).max(1);
                let st = c.probes.state_mut(kind);
                st.next_at = Some(at.plus_ms(period));
                match result {
                    Ok(()) => {
                        st.failures = 0;
                        st.successes += 1;
                        if st.successes >= success_threshold {
                            st.ok = Some(true);
                        }
                    }
                    Err(msg) => {
                        st.successes = 0;
                        st.failures += 1;
                        let failures = st.failures;
                        if failures >= failure_threshold {
                            st.ok = Some(false);
                        }
                        let text = if msg.is_empty() {
                            format!("{} probe failed: ", kind.title())
                        } else {
                            format!("{} probe failed: {msg}", kind.title())
                        };
                        api.record_event_for(
                            obj,
                            Some(&c.field_path()),
                            "Warning",
                            "Unhealthy",
                            &text,
                            "kubelet",
                            Some(&self.node),
                        );
                        if failures >= failure_threshold && kind != ProbeKind::Readiness {
                            api.record_event_for(
                                obj,
                                Some(&c.field_path()),
                                "Normal",
                                "Killing",
                                &format!(
                                    "Container {} failed {} probe, will be restarted",
                                    c.name,
                                    kind.lower()
                                ),
                                "kubelet",
                                Some(&self.node),
                            );
                            let stops = proc.server.as_ref().is_some_and(|s| s.stops_on_sigterm());
                            c.stop_at = Some(if stops {
                                (at.plus_ms(SERVER_STOP_MS), false)
                            } else {
                                (at.plus_ms(grace_ms), true)
                            });
                            c.ready = false;
                            c.probes.liveness.next_at = None;
                            c.probes.readiness.next_at = None;
                            c.probes.startup.next_at = None;
                        }
                    }
                }
                if kind == ProbeKind::Startup && c.probes.startup.ok == Some(true) {
                    c.started = true;
                    c.probes.startup.next_at = None;
                    c.probes.liveness.next_at = cspec.liveness_probe.as_ref().map(|_| at);
                    c.probes.readiness.next_at = cspec.readiness_probe.as_ref().map(|_| at);
                    if cspec.readiness_probe.is_none() {
                        c.ready = true;
                    }
                }
                if kind == ProbeKind::Readiness {
                    match c.probes.readiness.ok {
                        Some(true) => c.ready = c.started,
                        Some(false) => c.ready = false,
                        None => {}
                    }
                }
            }
        }
        if let Some((at, _)) = c.stop_at {
            merge(due, at);
        }
        if let Some(t) = c.probes.next_due() {
            merge(due, t);
        }
    }

    /// Graceful termination: SIGTERM, then SIGKILL at the deadline; the pod goes when every
    /// container has stopped.
    fn terminate(
        &mut self,
        rec: &mut PodRecord,
        pod: &Pod,
        obj: &Arc<Object>,
        now: SimTime,
        api: &mut ApiServer,
        due: &mut Option<SimTime>,
    ) {
        let deadline = pod
            .metadata
            .deletion_timestamp
            .as_ref()
            .map_or(now, SimTime::from_k8s_time);
        let mut containers = std::mem::take(&mut rec.containers);
        for c in containers.iter_mut() {
            if c.is_running() {
                if let Some(p) = c.process.as_mut() {
                    p.advance(now, &mut c.fs, &mut c.log);
                }
                let stopping = c.stop_at.is_some_and(|(_, kill)| kill)
                    || c.stop_at.is_some_and(|(at, _)| at <= deadline);
                if !stopping || c.stop_at.is_none() {
                    api.record_event_for(
                        obj,
                        Some(&c.field_path()),
                        "Normal",
                        "Killing",
                        &format!("Stopping container {}", c.name),
                        "kubelet",
                        Some(&self.node),
                    );
                    let stops = c
                        .process
                        .as_ref()
                        .and_then(|p| p.server.as_ref())
                        .is_some_and(|s| s.stops_on_sigterm());
                    c.stop_at = Some(if stops {
                        (now.plus_ms(SERVER_STOP_MS).min(deadline.max(now)), false)
                    } else {
                        (deadline.max(now), true)
                    });
                }
                if let Some((at, kill)) = c.stop_at {
                    let at = at.min(deadline.max(now));
                    if now >= at {
                        self.stop_process(c, at, kill);
                        c.phase = Phase::Done;
                    } else {
                        merge(due, at);
                    }
                }
            } else if !matches!(c.phase, Phase::Done) {
                c.phase = Phase::Done;
            }
        }
        rec.containers = containers;
    }
}

/// True if a container of the pod other than `i` is pulling its image.
fn other_pulling(containers: &[ContainerRecord], i: usize) -> bool {
    containers
        .iter()
        .enumerate()
        .any(|(j, o)| j != i && matches!(o.phase, Phase::Pulling { .. }))
}

/// Reports the container as waiting; an ended instance becomes its `lastState`, as kubelet's
/// `convertToAPIContainerStatuses` does for a container waiting to be restarted.
fn set_waiting(c: &mut ContainerRecord, reason: &str, message: Option<String>) {
    if let Some(t) = c.state.terminated.take() {
        c.last_state = Some(t);
    }
    c.state = waiting(reason, message);
}

fn merge(due: &mut Option<SimTime>, t: SimTime) {
    *due = Some(due.map_or(t, |d| d.min(t)));
}

fn find_spec<'a>(
    spec: &'a k8s_openapi::api::core::v1::PodSpec,
    name: &str,
    init: bool,
) -> Option<&'a Container> {
    if init {
        spec.init_containers
            .iter()
            .flatten()
            .find(|c| c.name == name)
    } else {
        spec.containers.iter().find(|c| c.name == name)
    }
}

/// The memory limit of a container in bytes.
fn memory_limit(c: &Container) -> Option<u64> {
    let q = c.resources.as_ref()?.limits.as_ref()?.get("memory")?;
    quantity::parse_milli(&q.0).map(|m| (m / 1000).max(0) as u64)
}

/// `$(VAR)` references in command, args and env values, expanded as the kubelet does
/// (`$$(VAR)` escapes; unknown references stay as written).
pub fn expand_refs(s: &str, env: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' && i + 1 < b.len() && b[i + 1] == b'$' {
            out.push('$');
            i += 2;
            continue;
        }
        if b[i] == b'$' && i + 1 < b.len() && b[i + 1] == b'(' {
            if let Some(end) = s[i + 2..].find(')') {
                let name = &s[i + 2..i + 2 + end];
                match env.get(name) {
                    Some(v) => out.push_str(v),
                    None => out.push_str(&s[i..i + 3 + end]),
                }
                i += 3 + end;
                continue;
            }
        }
        let ch = s[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// The argv of a container: `command` replaces the image's ENTRYPOINT, `args` its CMD.
fn container_argv(
    img: &ResolvedImage,
    c: &Container,
    env: &BTreeMap<String, String>,
) -> Vec<String> {
    let expand = |v: &Vec<String>| v.iter().map(|a| expand_refs(a, env)).collect::<Vec<_>>();
    match (&c.command, &c.args) {
        (Some(cmd), Some(args)) => [expand(cmd), expand(args)].concat(),
        (Some(cmd), None) => expand(cmd),
        (None, Some(args)) => [img.entrypoint.clone(), expand(args)].concat(),
        (None, None) => [img.entrypoint.clone(), img.cmd.clone()].concat(),
    }
}

/// The environment of a container's processes.
fn container_env(
    img: &ResolvedImage,
    c: &Container,
    pod: &Pod,
    hostname: &str,
    pod_ip: &str,
    host_ip: &str,
    config: &config_env::ConfigEnv,
) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    for (k, v) in &img.env {
        env.insert(k.clone(), v.clone());
    }
    env.insert("HOSTNAME".into(), hostname.to_string());
    env.entry("HOME".into()).or_insert_with(|| "/root".into());
    for (k, v) in [
        ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
        ("KUBERNETES_SERVICE_PORT", "443"),
        ("KUBERNETES_SERVICE_PORT_HTTPS", "443"),
        ("KUBERNETES_PORT", "tcp://10.96.0.1:443"),
        ("KUBERNETES_PORT_443_TCP", "tcp://10.96.0.1:443"),
        ("KUBERNETES_PORT_443_TCP_PROTO", "tcp"),
        ("KUBERNETES_PORT_443_TCP_PORT", "443"),
        ("KUBERNETES_PORT_443_TCP_ADDR", "10.96.0.1"),
    ] {
        env.insert(k.into(), v.into());
    }
    for (k, v) in &config.from {
        env.insert(k.clone(), v.clone());
    }
    for e in c.env.iter().flatten() {
        let value = if let Some(v) = &e.value {
            expand_refs(v, &env)
        } else if let Some(f) = e.value_from.as_ref().and_then(|vf| vf.field_ref.as_ref()) {
            let addrs = downward_api::Addresses { pod_ip, host_ip };
            downward_api::field_value(pod, &f.field_path, addrs)
        } else if let Some(v) = config.values.get(&e.name) {
            v.clone()
        } else if e.value_from.is_some() {
            // An optional reference to a missing ConfigMap, Secret or key: not set.
            continue;
        } else {
            String::new()
        };
        env.insert(e.name.clone(), value);
    }
    env
}
