//! The cluster: API server, scheduler, kubelets and the simulated clock in one value.
//!
//! Time moves only through [`Cluster::advance`] (and [`Cluster::step`]); after every change the
//! cluster *settles*: watch events are dispatched to the components, which act until nothing
//! is left to do at the current instant.

use crate::api::{Kind, Namespace, Node, Object, ObjectKey};
use crate::apiserver::ApiServer;
use crate::controllers::ControllerManager;
use crate::kubelet::Kubelet;
use crate::network::ipam::{Cidr, Ipam};
use crate::preset::{Cni, Preset};
use crate::scheduler::Scheduler;
use crate::sim::{Agenda, SimTime, TraceEntry};
use crate::store::Snapshot;
use crate::system;
use std::collections::BTreeMap;

/// Work that falls due later.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Wake {
    /// A kubelet should look at one of its pods again.
    Kubelet { node: String, pod: ObjectKey },
    /// The scheduler retries unschedulable pods (periodic flush, as the real one does).
    SchedulerRetry,
    /// A kubelet reports its node's status (heartbeat) although nothing changed.
    NodeStatus { node: String },
    /// Events whose etcd lease ran out are removed (kube-apiserver `--event-ttl`).
    EventTtl,
    /// A controller asked to look at an object again (`Action::RequeueAfter`).
    Controller { index: usize, key: ObjectKey },
    /// The node monitor looks at a node whose kubelet stopped renewing its lease.
    NodeMonitor { node: String, due: SimTime },
    /// A node's machine finished booting; its kubelet starts.
    NodeBoot { node: String },
    /// A kubelet's node status sync while its container runtime is (or was just) away.
    RuntimeStatus { node: String },
}

impl Wake {
    /// Periodic housekeeping (heartbeats, event expiry) that keeps going in an idle cluster.
    fn is_background(&self) -> bool {
        matches!(self, Wake::NodeStatus { .. } | Wake::EventTtl)
    }
}

/// Errors building a cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("unknown preset {0:?} (choose one of: vagrant, academy, cka)")]
    UnknownPreset(String),
}

/// A simulated cluster.
pub struct Cluster {
    pub(crate) api: ApiServer,
    pub(crate) scheduler: Scheduler,
    pub(crate) controllers: ControllerManager,
    pub(crate) kubelets: BTreeMap<String, Kubelet>,
    pub(crate) ipam: Ipam,
    /// kube-proxy on every node (Service rules and the connection state they keep).
    pub(crate) kube_proxy: crate::network::kube_proxy::KubeProxy,
    /// Running `kubectl port-forward`s.
    pub port_forwards: crate::network::port_forward::PortForwards,
    /// ingress-nginx's round-robin positions per controller pod and upstream.
    pub(crate) ingress_balancers: crate::network::ingress::balancer::Balancers,
    agenda: Agenda<Wake>,
    /// Agenda items that are not background housekeeping (see [`Wake::is_background`]).
    foreground: usize,
    /// When the scheduled [`Wake::EventTtl`] falls due, if one is scheduled.
    event_ttl_wake: Option<SimTime>,
    preset: Preset,
}

/// Upper bound of settle rounds at one instant; reaching it means components keep waking
/// each other, which is a bug, so the loop stops instead of freezing the page.
const MAX_SETTLE_ROUNDS: usize = 10_000;

impl Cluster {
    /// A fresh cluster laid out like the named preset.
    pub fn from_preset(name: &str, seed: u64) -> Result<Cluster, ClusterError> {
        let preset =
            Preset::by_name(name).ok_or_else(|| ClusterError::UnknownPreset(name.to_string()))?;
        Ok(Cluster::new(preset, seed))
    }

    /// A fresh cluster from a preset value: nodes registered, system namespaces and pods
    /// created, and the clock run until the cluster is as old as the preset says.
    pub fn new(preset: Preset, seed: u64) -> Cluster {
        let mut c = Cluster {
            api: ApiServer::new(seed),
            scheduler: Scheduler::new(),
            controllers: ControllerManager::default(),
            kubelets: BTreeMap::new(),
            ipam: Ipam::default(),
            kube_proxy: crate::network::kube_proxy::KubeProxy::new(
                crate::network::kube_proxy::Mode::from_preset(preset.proxy_mode),
                preset.nodes.iter().map(|n| n.name.as_str()),
            ),
            port_forwards: Default::default(),
            ingress_balancers: Default::default(),
            agenda: Agenda::default(),
            foreground: 0,
            event_ttl_wake: None,
            preset: preset.clone(),
        };
        for ns in ["default", "kube-node-lease", "kube-public", "kube-system"] {
            let obj = Object::from(Namespace {
                metadata: crate::api::ObjectMeta {
                    name: Some(ns.into()),
                    ..Default::default()
                },
                ..Default::default()
            });
            let _ = c.api.create(obj, "", false);
        }
        crate::network::cluster_services::install(&mut c.api, &preset);
        let network = Cidr::parse(preset.pod_network).unwrap_or(Cidr {
            base: 0xAC10_0000,
            prefix: 16,
        });
        for (i, spec) in preset.nodes.iter().enumerate() {
            let block = node_pod_block(&network, preset.cni, i);
            let first = match preset.cni {
                Cni::Calico => 1,
                // weave-net's bridge takes the first address of the node's range when the
                // router starts (`ip a` shows it on `weave`); pods get the addresses after it.
                Cni::WeaveNet => 1,
            };
            c.ipam.add_node(&spec.name, block, first);
            let node: Node = system::node_object(&preset, spec, &block.to_string(), c.api.rng());
            let _ = c.api.create(Object::from(node), "", false);
            c.kubelets
                .insert(spec.name.clone(), Kubelet::new(spec, &preset));
            let first = c.api.now.plus_ms(node_status_interval_ms(&mut c.api));
            c.schedule(
                first,
                Wake::NodeStatus {
                    node: spec.name.clone(),
                },
            );
        }
        system::install(&preset, &mut c.api);
        for spec in &preset.nodes {
            system::node_startup_events(&mut c.api, &spec.name);
        }
        c.settle();
        c.advance(preset.age_secs * 1000);
        c
    }

    /// The preset this cluster was built from.
    pub fn preset(&self) -> &Preset {
        &self.preset
    }

    /// The API server: the one way to read and write objects.
    pub fn api(&mut self) -> &mut ApiServer {
        &mut self.api
    }

    /// Read-only API server access.
    pub fn api_ref(&self) -> &ApiServer {
        &self.api
    }

    /// An O(1) snapshot of every object.
    pub fn snapshot(&self) -> Snapshot {
        self.api.snapshot()
    }

    /// Simulated time since the cluster was created.
    pub fn now(&self) -> SimTime {
        self.api.now
    }

    /// Simulated wall clock, milliseconds since the Unix epoch.
    pub fn now_unix_ms(&self) -> u64 {
        self.api.now.unix_ms()
    }

    /// Host name of the learner's machine (the control-plane node).
    pub fn client_hostname(&self) -> &str {
        &self.preset.control_plane().name
    }

    /// The kubelet of a node.
    pub fn kubelet(&self, node: &str) -> Option<&Kubelet> {
        self.kubelets.get(node)
    }

    /// The kubelet of a node, mutably (exec into containers changes their files).
    pub fn kubelet_mut(&mut self, node: &str) -> Option<&mut Kubelet> {
        self.kubelets.get_mut(node)
    }

    /// The kubelet that runs a pod, with the API server (for `kubectl exec`/`logs`).
    pub fn kubelet_for_pod(&mut self, key: &ObjectKey) -> Option<(&mut Kubelet, &mut ApiServer)> {
        let obj = self.api.store.get(key)?;
        let node = obj
            .as_::<crate::api::Pod>()?
            .spec
            .as_ref()?
            .node_name
            .clone()?;
        let kubelet = self.kubelets.get_mut(&node)?;
        Some((kubelet, &mut self.api))
    }

    /// The trace of what happened, oldest first.
    pub fn trace(&self) -> impl Iterator<Item = &TraceEntry> {
        self.api.trace.entries()
    }

    /// Lets `ms` simulated milliseconds pass, running everything that falls due in order.
    pub fn advance(&mut self, ms: u64) {
        let target = self.api.now.plus_ms(ms);
        self.settle();
        while let Some(due) = self.agenda.next_due() {
            if due > target {
                break;
            }
            self.api.now = self.api.now.max(due);
            self.run_due();
            self.settle_instant();
        }
        self.api.now = target;
        self.settle();
    }

    /// Jumps to the next instant where something is due and runs it; false when nothing at
    /// all is due (never, in practice: kubelet heartbeats recur every five minutes).
    pub fn step(&mut self) -> bool {
        self.settle();
        match self.agenda.next_due() {
            Some(due) => {
                self.api.now = self.api.now.max(due);
                self.run_due();
                self.settle_instant();
                true
            }
            None => false,
        }
    }

    /// Runs until nothing but background housekeeping (heartbeats, event expiry) is due, or
    /// until `limit_ms` of simulated time has passed. Returns the simulated milliseconds that
    /// passed.
    pub fn run_until_idle(&mut self, limit_ms: u64) -> u64 {
        let start = self.api.now;
        let limit = start.plus_ms(limit_ms);
        self.settle();
        while self.foreground > 0 {
            match self.agenda.next_due() {
                Some(due) if due <= limit => {
                    self.step();
                }
                _ => break,
            }
        }
        self.api.now.ms() - start.ms()
    }

    pub(crate) fn schedule(&mut self, at: SimTime, wake: Wake) {
        if !wake.is_background() {
            self.foreground += 1;
        }
        self.agenda.schedule(at, wake);
    }

    /// When the next piece of work falls due.
    pub fn next_due(&self) -> Option<SimTime> {
        self.agenda.next_due()
    }

    /// Dispatches changes and lets components act until quiet, all at the current instant,
    /// including controller work that was waiting for its batch window to close (see
    /// [`crate::controllers::DEPENDENT_BATCH_MS`]): after a command, or when the clock stops,
    /// everything a real cluster would have done within milliseconds is done.
    pub fn settle(&mut self) {
        self.settle_instant();
        while self.controllers.flush_batched() {
            self.settle_instant();
        }
    }

    /// Like [`Cluster::settle`], but controller syncs woken by dependents wait for their batch
    /// window, which is what makes time steps cheap while many pods change.
    fn settle_instant(&mut self) {
        self.settle_components();
        // One agenda entry at the earliest event expiry (events written within a minute share
        // an etcd lease, so there are few distinct instants).
        if let Some(at) = self.api.next_event_expiry() {
            if self.event_ttl_wake.is_none_or(|w| at < w) {
                self.event_ttl_wake = Some(at);
                self.schedule(at, Wake::EventTtl);
            }
        }
    }

    fn settle_components(&mut self) {
        for _ in 0..MAX_SETTLE_ROUNDS {
            let events = self.api.store.drain_log();
            for ev in &events {
                // No component watches Events (they are for people: `get events`, describe);
                // on a busy cluster they are half of all writes.
                if ev.key.kind == Kind::Event {
                    continue;
                }
                self.kube_proxy.observe(&self.api.store, ev);
                self.controllers.observe(&self.api, ev);
                self.scheduler.observe(ev);
                if ev.key.kind == Kind::Pod {
                    for node in pod_nodes(ev) {
                        if let Some(k) = self.kubelets.get_mut(&node) {
                            k.observe(ev);
                        }
                    }
                }
                if ev.key.kind == Kind::Node {
                    if let Some(k) = self.kubelets.get_mut(&ev.key.name) {
                        k.observe(ev);
                    }
                }
                if ev.event_type != crate::store::WatchEventType::Deleted {
                    match ev.key.kind {
                        Kind::Node => {
                            crate::controllers::node_lifecycle::reconcile(&mut self.api, &ev.key)
                        }
                        Kind::Namespace => {
                            crate::controllers::root_ca_publisher::reconcile(&mut self.api, &ev.key)
                        }
                        _ => {}
                    }
                }
            }
            for (index, key, at) in self.controllers.take_wakes() {
                self.schedule(at, Wake::Controller { index, key });
            }
            let mut worked = !events.is_empty();
            // The watch events hold the objects; release them before the components write,
            // so status writes can change objects in place.
            drop(events);
            if self.controllers.has_work() {
                let mut requeue = Vec::new();
                self.controllers.run(&mut self.api, &mut requeue);
                for (index, key, ms) in requeue {
                    let at = self.api.now.plus_ms(ms);
                    self.schedule(at, Wake::Controller { index, key });
                }
                worked = true;
            }
            if self.scheduler.has_work() {
                let mut retry_at = None;
                self.scheduler.run(&mut self.api, &mut retry_at);
                if let Some(at) = retry_at {
                    self.schedule(at, Wake::SchedulerRetry);
                }
                worked = true;
            }
            let mut wakeups = Vec::new();
            for k in self.kubelets.values_mut() {
                if k.has_work() {
                    k.run(&mut self.api, &mut self.ipam, &mut wakeups);
                    worked = true;
                }
            }
            for (at, node, pod) in wakeups {
                self.schedule(at, Wake::Kubelet { node, pod });
            }
            if !worked && !self.api.store.has_pending() {
                return;
            }
        }
        self.api
            .trace("cluster", "settle round limit reached".to_string());
    }

    fn run_due(&mut self) {
        while let Some((at, wake)) = self.agenda.pop_due(self.api.now) {
            if !wake.is_background() {
                self.foreground = self.foreground.saturating_sub(1);
            }
            match wake {
                Wake::Kubelet { node, pod } => {
                    if let Some(k) = self.kubelets.get_mut(&node) {
                        k.wake(&pod);
                    }
                }
                Wake::SchedulerRetry => self.scheduler.retry_unschedulable(),
                Wake::NodeStatus { node } => {
                    if let Some(k) = self.kubelets.get(&node) {
                        k.report_node_status(&mut self.api);
                    }
                    let next = self.api.now.plus_ms(node_status_interval_ms(&mut self.api));
                    self.schedule(next, Wake::NodeStatus { node });
                }
                Wake::Controller { index, key } => self.controllers.enqueue(index, key),
                Wake::NodeMonitor { node, due } => self.node_monitor_due(&node, due),
                Wake::NodeBoot { node } => self.node_booted(&node),
                Wake::RuntimeStatus { node } => self.runtime_status_due(&node),
                Wake::EventTtl => {
                    if self.event_ttl_wake == Some(at) {
                        self.event_ttl_wake = None;
                    }
                    self.api.expire_events();
                }
            }
        }
    }
}

/// Time to a kubelet's next unchanged-status report: `syncNodeStatus` runs every
/// `nodeStatusUpdateFrequency` (10 s, jittered by up to 4 %) and posts the status once
/// `nodeStatusReportFrequency` (5 min) has passed since the last report, so reports come a
/// few seconds more than five minutes apart.
fn node_status_interval_ms(api: &mut ApiServer) -> u64 {
    5 * 60 * 1000 + 1 + api.rng().below("node-status", 10_400)
}

/// The node a pod event concerns (before and after, for a move or a delete).
fn pod_nodes(ev: &crate::store::WatchEvent) -> Vec<String> {
    let node = ev
        .object
        .as_::<crate::api::Pod>()
        .and_then(|p| p.spec.as_ref())
        .and_then(|s| s.node_name.clone());
    node.into_iter().collect()
}

/// The pod address block of the `i`-th node: a /24 per node inside the pod network,
/// with Calico-like third octets for Calico and weave's per-peer split for weave-net.
fn node_pod_block(network: &Cidr, cni: Cni, i: usize) -> Cidr {
    match cni {
        // Calico hands each node its own block; kubeadm's podCIDR is a /24 per node.
        Cni::Calico => {
            let third = [61u32, 221, 103, 132, 20, 45, 77, 150, 180, 200][i % 10] + (i as u32 / 10);
            Cidr {
                base: network.base + (third << 8),
                prefix: 24,
            }
        }
        // weave-net splits 10.32.0.0/12 between peers: 10.32, 10.36, 10.44, 10.40, ...
        Cni::WeaveNet => {
            let second = [32u32, 36, 44, 40, 38, 42, 46, 34][i % 8];
            Cidr {
                base: (10 << 24) | (second << 16),
                prefix: 16,
            }
        }
    }
}
