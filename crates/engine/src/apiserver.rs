//! The API server: the single write path for kubectl and the cluster's own components.
//!
//! Every write goes default → validate → admit → commit → watch event, and fails with a
//! Kubernetes status reason.

use crate::api::{decode, defaults, validation, validation::FieldError, Kind, Object, ObjectKey};
use crate::sim::{Rng, SimTime, Trace};
use crate::store::{Snapshot, Store};
use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Kubernetes `metav1.StatusReason`s Kubarium produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusReason {
    NotFound,
    AlreadyExists,
    Invalid,
    Conflict,
    BadRequest,
    Forbidden,
    MethodNotAllowed,
    InternalError,
}

impl StatusReason {
    /// The HTTP code of the reason.
    pub fn code(self) -> u16 {
        match self {
            StatusReason::NotFound => 404,
            StatusReason::AlreadyExists | StatusReason::Conflict => 409,
            StatusReason::Invalid => 422,
            StatusReason::BadRequest => 400,
            StatusReason::Forbidden => 403,
            StatusReason::MethodNotAllowed => 405,
            StatusReason::InternalError => 500,
        }
    }
    /// The reason as kubectl prints it in `Error from server (NotFound): ...`.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusReason::NotFound => "NotFound",
            StatusReason::AlreadyExists => "AlreadyExists",
            StatusReason::Invalid => "Invalid",
            StatusReason::Conflict => "Conflict",
            StatusReason::BadRequest => "BadRequest",
            StatusReason::Forbidden => "Forbidden",
            StatusReason::MethodNotAllowed => "MethodNotAllowed",
            StatusReason::InternalError => "InternalError",
        }
    }
}

/// An API error: a `metav1.Status` with reason, message and (for Invalid) field causes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub reason: StatusReason,
    pub message: String,
    /// `details.kind` (e.g. `Pod`) and `details.name` for Invalid errors.
    pub kind: String,
    pub name: String,
    pub causes: Vec<FieldError>,
}

impl ApiError {
    pub fn new(reason: StatusReason, message: impl Into<String>) -> ApiError {
        ApiError {
            reason,
            message: message.into(),
            kind: String::new(),
            name: String::new(),
            causes: Vec::new(),
        }
    }
    /// `pods "web" not found`, `deployments.apps "web" not found` (`apierrors.NewNotFound`).
    pub fn not_found(kind: Kind, name: &str) -> ApiError {
        ApiError::new(
            StatusReason::NotFound,
            format!("{} {name:?} not found", qualified_resource(kind)),
        )
    }
    /// `ingresses.networking.k8s.io "web" already exists` (`apierrors.NewAlreadyExists`).
    pub fn already_exists(kind: Kind, name: &str) -> ApiError {
        ApiError::new(
            StatusReason::AlreadyExists,
            format!("{} {name:?} already exists", qualified_resource(kind)),
        )
    }
    /// `jobs.batch "pi" is forbidden: <why>` (`apierrors.NewForbidden`).
    pub fn forbidden(kind: Kind, name: &str, why: &str) -> ApiError {
        ApiError::new(
            StatusReason::Forbidden,
            format!("{} {name:?} is forbidden: {why}", qualified_resource(kind)),
        )
    }
    /// `Operation cannot be fulfilled on deployments.apps "web": <why>`
    /// (`apierrors.NewConflict`).
    pub fn conflict(kind: Kind, name: &str, why: &str) -> ApiError {
        ApiError::new(
            StatusReason::Conflict,
            format!(
                "Operation cannot be fulfilled on {} {name:?}: {why}",
                qualified_resource(kind)
            ),
        )
    }
    /// `The Pod "web" is invalid: ...` (the message without kubectl's "The ").
    pub fn invalid(kind: Kind, name: &str, causes: Vec<FieldError>) -> ApiError {
        let agg = if causes.len() == 1 {
            causes[0].to_string()
        } else {
            format!(
                "[{}]",
                causes
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        // `NewInvalid` names the group-qualified kind (`Deployment.apps`, `Pod`); kubectl's
        // `The Deployment "x" is invalid` uses the details' bare kind.
        let group = kind.info().group;
        let qualified = if group.is_empty() {
            kind.name().to_string()
        } else {
            format!("{}.{group}", kind.name())
        };
        ApiError {
            reason: StatusReason::Invalid,
            message: format!("{qualified} {name:?} is invalid: {agg}"),
            kind: kind.name().to_string(),
            name: name.to_string(),
            causes,
        }
    }
    /// A decoding failure: `Pod in version "v1" cannot be handled as a Pod: ...`.
    pub fn decode(kind: &str, version: &str, err: &decode::DecodeError) -> ApiError {
        ApiError::new(
            StatusReason::BadRequest,
            format!("{kind} in version {version:?} cannot be handled as a {kind}: {err}"),
        )
    }
}

/// The kind's `schema.GroupResource` as the API server's errors print it: the plural alone
/// for the core group (`pods`), else plural and group (`deployments.apps`,
/// `ingresses.networking.k8s.io`).
pub fn qualified_resource(kind: Kind) -> String {
    let info = kind.info();
    if info.group.is_empty() {
        info.plural.to_string()
    } else {
        format!("{}.{}", info.plural, info.group)
    }
}

/// How a delete proceeds.
#[derive(Clone, Debug, Default)]
pub struct DeleteOptions {
    /// `--grace-period`; `None` uses the object's own (pods: terminationGracePeriodSeconds).
    pub grace_period_seconds: Option<i64>,
    /// `propagationPolicy` (kubectl's `--cascade`); `None` uses the kind's default
    /// ([`PropagationPolicy::default_for`]).
    pub propagation_policy: Option<PropagationPolicy>,
}

/// The finalizer that makes the garbage collector orphan an object's dependents before the
/// object goes (`metav1.FinalizerOrphanDependents`).
pub const FINALIZER_ORPHAN: &str = "orphan";
/// The finalizer that keeps an object until the garbage collector deleted its blocking
/// dependents (`metav1.FinalizerDeleteDependents`).
pub const FINALIZER_DELETE_DEPENDENTS: &str = "foregroundDeletion";

/// `metav1.DeletionPropagation`: what happens to an object's dependents when it is deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropagationPolicy {
    /// Dependents lose their owner reference and stay.
    Orphan,
    /// The object goes now; the garbage collector deletes the dependents afterwards.
    Background,
    /// The object stays (with `foregroundDeletion`) until its blocking dependents are gone.
    Foreground,
}

impl PropagationPolicy {
    /// The policy when the request names none: ReplicationControllers deleted through the
    /// core `v1` API orphan their pods for backward compatibility (the RC registry's
    /// `DefaultGarbageCollectionPolicy`); everything else is deleted in the background.
    /// kubectl always sends a policy (`--cascade=background` by default).
    pub fn default_for(kind: Kind) -> PropagationPolicy {
        match kind {
            Kind::ReplicationController => PropagationPolicy::Orphan,
            _ => PropagationPolicy::Background,
        }
    }

    /// The finalizer this policy puts on the deleted object.
    pub fn finalizer(self) -> Option<&'static str> {
        match self {
            PropagationPolicy::Orphan => Some(FINALIZER_ORPHAN),
            PropagationPolicy::Background => None,
            PropagationPolicy::Foreground => Some(FINALIZER_DELETE_DEPENDENTS),
        }
    }
}

/// The API server state: the store, the cluster's random streams, the clock reading and the trace.
pub struct ApiServer {
    pub(crate) store: Store,
    pub(crate) rng: Rng,
    pub(crate) now: SimTime,
    pub(crate) trace: Trace,
    /// Aggregation index for events: a hash of (involved uid, reason, message, component,
    /// field) → event key. A 64-bit FNV-1a hash keeps the lookup allocation-free.
    event_index: BTreeMap<u64, Arc<ObjectKey>>,
    /// When the etcd lease events are written with runs out (shared by the writes of a minute).
    event_lease: Option<SimTime>,
    /// Each event's expiry (the lease of its last write), and the same ordered by time.
    /// Event leases in the order they run out: (expiry, event, the revision the lease was
    /// attached at). Leases only get later, so this stays sorted; an entry whose event was
    /// written again since (a newer entry exists) or deleted is skipped when it falls due.
    event_expiry_queue: std::collections::VecDeque<(SimTime, Arc<ObjectKey>, u64)>,
    /// True once an Event was created through [`ApiServer::create`] (its name is not one a
    /// recorder made, so recorded events must check theirs).
    user_events: bool,
    /// The namespace last found alive, with the namespaces' revision at the time.
    alive_namespace: Option<(String, u64)>,
    /// Hard cap on stored objects, so a runaway script cannot exhaust the page's memory.
    pub max_objects: usize,
    object_count: usize,
    /// ClusterIP and NodePort allocation for Services.
    pub(crate) service_allocator: crate::network::service_ip::ServiceAllocator,
}

/// Hard limit on objects in one cluster.
pub const DEFAULT_MAX_OBJECTS: usize = 50_000;

impl ApiServer {
    pub(crate) fn new(seed: u64) -> ApiServer {
        ApiServer {
            store: Store::default(),
            rng: Rng::new(seed),
            now: SimTime::ZERO,
            trace: Trace::default(),
            event_index: BTreeMap::new(),
            event_lease: None,
            event_expiry_queue: Default::default(),
            user_events: false,
            alive_namespace: None,
            max_objects: DEFAULT_MAX_OBJECTS,
            object_count: 0,
            service_allocator: Default::default(),
        }
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }
    /// The cluster's random streams.
    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }
    /// Read access to the store.
    pub fn store(&self) -> &Store {
        &self.store
    }
    /// An O(1) snapshot of every object.
    pub fn snapshot(&self) -> Snapshot {
        self.store.snapshot()
    }
    /// Records a line in the trace.
    pub fn trace(&mut self, component: &str, what: String) {
        self.trace.record(self.now, component, what);
    }

    /// Reads one object.
    pub fn get(&self, key: &ObjectKey) -> Result<Arc<Object>, ApiError> {
        self.store
            .get(key)
            .cloned()
            .ok_or_else(|| ApiError::not_found(key.kind, &key.name))
    }

    /// Lists objects of a kind in a namespace (`None`: all namespaces).
    pub fn list(&self, kind: Kind, namespace: Option<&str>) -> Vec<Arc<Object>> {
        self.store.list(kind, namespace).cloned().collect()
    }

    /// Creates an object. `namespace` fills an empty `metadata.namespace` of namespaced kinds.
    pub fn create(
        &mut self,
        obj: Object,
        namespace: &str,
        dry_run: bool,
    ) -> Result<Arc<Object>, ApiError> {
        self.create_named(obj, namespace, dry_run, false)
    }

    /// [`ApiServer::create`]; `recorder_named`: an Event named by [`ApiServer::event_name`].
    fn create_named(
        &mut self,
        mut obj: Object,
        namespace: &str,
        dry_run: bool,
        recorder_named: bool,
    ) -> Result<Arc<Object>, ApiError> {
        let kind = obj.kind();
        {
            let meta = obj.metadata_mut();
            if kind.info().namespaced {
                let ns = meta.namespace.get_or_insert_with(|| namespace.to_string());
                if ns.is_empty() {
                    *ns = namespace.to_string();
                }
            } else {
                meta.namespace = None;
            }
            if meta.name.as_deref().unwrap_or("").is_empty() {
                if let Some(g) = meta.generate_name.clone().filter(|g| !g.is_empty()) {
                    meta.name = Some(format!("{g}{}", self.rng.suffix("generate-name", 5)));
                }
            }
            // Fields the server owns are never taken from the request.
            meta.resource_version = None;
            meta.uid = None;
            meta.creation_timestamp = None;
            meta.deletion_timestamp = None;
            meta.generation = None;
            meta.managed_fields = None;
        }
        let name = obj.name().to_string();
        if kind.info().namespaced {
            let ns = obj.namespace().to_string();
            match self.namespace_alive(&ns) {
                None => return Err(ApiError::not_found(Kind::Namespace, &ns)),
                Some(false) => {
                    return Err(ApiError::forbidden(
                        kind,
                        &name,
                        &format!("unable to create new content in namespace {ns} because it is being terminated"),
                    ))
                }
                Some(true) => {}
            }
        }
        // The uid is set before defaulting, as `BeforeCreate` fills it before the strategy's
        // validation: a Job's generated selector names it.
        let uid = self.rng.uuid();
        obj.metadata_mut().uid = Some(uid.clone());
        defaults::default_on_create(&mut obj, &mut self.rng);
        crate::api::batch::prepare_job_for_create(&mut obj);
        self.admit_service(&mut obj, None)?;
        crate::api::ingress::admit_default_ingress_class(
            &mut obj,
            self.store.list(Kind::IngressClass, None),
        );
        let errs = validation::validate(&obj);
        if !errs.is_empty() {
            return Err(ApiError::invalid(kind, &name, errs));
        }
        let key = obj.key();
        if self.store.get(&key).is_some() {
            return Err(ApiError::already_exists(kind, &name));
        }
        if self.object_count >= self.max_objects {
            return Err(ApiError::forbidden(
                kind,
                &name,
                &format!("the sandbox holds at most {} objects", self.max_objects),
            ));
        }
        if dry_run {
            return Ok(Arc::new(obj));
        }
        let rev = self.store.next_revision();
        let now = self.now;
        {
            let meta = obj.metadata_mut();
            meta.uid = Some(uid);
            meta.resource_version = Some(rev.to_string());
            meta.creation_timestamp = Some(now.to_k8s_time());
            if has_generation(kind) {
                meta.generation = Some(1);
            }
        }
        self.object_count += 1;
        self.commit_service(None, Some(&obj));
        self.user_events |= kind == Kind::Event && !recorder_named;
        if kind != Kind::Event {
            // `create {key}`, without the formatting machinery (every create writes one).
            let mut what = String::from("create ");
            what.extend(key.path_parts());
            self.trace("apiserver", what);
        } else {
            self.touch_event(&Arc::new(key.clone()), rev);
        }
        Ok(self.store.put(rev, obj))
    }

    /// Replaces an object. A set `resourceVersion` must match the stored one (optimistic
    /// concurrency); server-owned metadata is carried over from the stored object.
    pub fn update(&mut self, mut obj: Object, dry_run: bool) -> Result<Arc<Object>, ApiError> {
        let kind = obj.kind();
        let key = obj.key();
        let old = self.get(&key)?;
        {
            let m = obj.metadata();
            if let Some(rv) = m.resource_version.as_deref().filter(|rv| !rv.is_empty()) {
                if Some(rv) != old.metadata().resource_version.as_deref() {
                    return Err(ApiError::conflict(
                        kind,
                        &key.name,
                        "the object has been modified; please apply your changes to the latest version and try again",
                    ));
                }
            }
        }
        // A replaced object is defaulted like a new one (the API server defaults every decoded
        // request), so a template edited by `kubectl set` or `replace` is stored complete.
        obj.metadata_mut().uid = old.metadata().uid.clone();
        defaults::default_on_create(&mut obj, &mut self.rng);
        carry_status(&mut obj, &old);
        crate::api::workloads::prepare_workload_update(&mut obj, &old);
        self.admit_service(&mut obj, Some(&old))?;
        let spec_changed = !same_spec(&obj, &old);
        {
            let om = old.metadata();
            let m = obj.metadata_mut();
            m.uid = om.uid.clone();
            m.creation_timestamp = om.creation_timestamp.clone();
            m.deletion_timestamp = om.deletion_timestamp.clone();
            m.deletion_grace_period_seconds = om.deletion_grace_period_seconds;
            m.generation = match om.generation {
                Some(g) if spec_changed => Some(g + 1),
                g => g,
            };
            m.namespace = om.namespace.clone();
        }
        if let (Object::Pod(new), Object::Pod(oldp)) = (&obj, old.as_ref()) {
            if let Some(e) = pod_update_forbidden(oldp, new) {
                return Err(ApiError::invalid(kind, &key.name, vec![e]));
            }
        }
        let mut errs = validation::validate(&obj);
        errs.extend(validation::validate_update(&obj, &old));
        if !errs.is_empty() {
            return Err(ApiError::invalid(kind, &key.name, errs));
        }
        if dry_run {
            return Ok(Arc::new(obj));
        }
        if obj == *old.as_ref() {
            return Ok(old);
        }
        self.commit_service(Some(&old), Some(&obj));
        let rev = self.store.next_revision();
        obj.metadata_mut().resource_version = Some(rev.to_string());
        if kind == Kind::Event {
            self.touch_event(&Arc::new(key.clone()), rev);
        }
        Ok(self.store.put(rev, obj))
    }

    /// Applies `f` to the stored object and writes the result (a read-modify-write that cannot
    /// conflict because nothing runs in between).
    pub fn modify(
        &mut self,
        key: &ObjectKey,
        f: impl FnOnce(&mut Object),
    ) -> Result<Arc<Object>, ApiError> {
        let mut obj = (*self.get(key)?).clone();
        f(&mut obj);
        obj.metadata_mut().resource_version = None;
        self.update(obj, false)
    }

    /// Writes a status change made by a cluster component (kubelet, scheduler); skips the
    /// pod-update restrictions that apply to users. Callers write only what they changed
    /// (the kubelet compares the status it computed with the stored one first), so there is
    /// no deep comparison here: on 1,000 pods it cost more than the write itself.
    pub fn update_status(&mut self, mut obj: Object) -> Result<Arc<Object>, ApiError> {
        let key = obj.key();
        if self.store.get(&key).is_none() {
            return Err(ApiError::not_found(key.kind, &key.name));
        }
        let rev = self.store.next_revision();
        obj.metadata_mut().resource_version = Some(rev.to_string());
        if key.kind == Kind::Event {
            self.touch_event(&Arc::new(key.clone()), rev);
        }
        Ok(self.store.put(rev, obj))
    }

    /// kube-apiserver's `--event-ttl` (default 1 h): every write of an event attaches it to an
    /// etcd lease of the TTL plus the lease manager's reuse margin (min(60 s, 5 % of the TTL)),
    /// and writes within that margin reuse the lease, so an event goes 60 to 61 minutes after
    /// its last write (`storage/etcd3/lease_manager.go`).
    fn touch_event(&mut self, key: &Arc<ObjectKey>, rev: u64) {
        const TTL_MS: u64 = 3_600_000;
        const REUSE_MS: u64 = 60_000;
        let now = self.now;
        let expiry = match self.event_lease {
            Some(exp) if now.plus_ms(TTL_MS) < exp && now.plus_ms(TTL_MS + REUSE_MS) > exp => exp,
            _ => {
                let exp = now.plus_ms(TTL_MS + REUSE_MS);
                self.event_lease = Some(exp);
                exp
            }
        };
        if let Some((last, _, _)) = self.event_expiry_queue.back() {
            debug_assert!(*last <= expiry, "event leases only get later");
        }
        self.event_expiry_queue
            .push_back((expiry, Arc::clone(key), rev));
    }

    /// When the next event expires.
    pub fn next_event_expiry(&self) -> Option<SimTime> {
        self.event_expiry_queue.front().map(|(t, _, _)| *t)
    }

    /// Removes the events whose lease has run out by now (etcd deletes them; watchers see
    /// a DELETED event).
    pub fn expire_events(&mut self) {
        let mut expired = 0;
        while let Some((at, _, _)) = self.event_expiry_queue.front() {
            if *at > self.now {
                break;
            }
            let Some((_, key, rev)) = self.event_expiry_queue.pop_front() else {
                break;
            };
            let current = self.store.get(&key).is_some_and(|o| {
                o.metadata().resource_version.as_deref() == Some(rev.to_string().as_str())
            });
            if current && self.remove(&key).is_some() {
                expired += 1;
            }
        }
        if expired > 0 {
            self.trace(
                "apiserver",
                format!("{expired} event(s) expired (--event-ttl=1h0m0s)"),
            );
        }
    }

    /// Changes the stored object in place, for a cluster component's status write (the
    /// kubelet's pod status). Like [`ApiServer::update_status`], but without copying the
    /// object when nothing else holds it: callers should drop their own `Arc` of it first.
    pub fn modify_status(
        &mut self,
        key: &ObjectKey,
        f: impl FnOnce(&mut Object),
    ) -> Result<Arc<Object>, ApiError> {
        // One look-up: the revision is taken only once the object is found.
        let rev = self.store.revision() + 1;
        let rv = rev.to_string();
        let changed = self.store.modify_in_place(rev, key, |obj| {
            f(obj);
            obj.metadata_mut().resource_version = Some(rv);
        });
        match changed {
            Some(obj) => {
                let taken = self.store.next_revision();
                debug_assert_eq!(taken, rev);
                Ok(obj)
            }
            None => Err(ApiError::not_found(key.kind, &key.name)),
        }
    }

    /// Starts deleting an object, as kube-apiserver's generic registry does:
    ///
    /// - the propagation policy puts the garbage collector's finalizer on the object
    ///   (`orphan` for [`PropagationPolicy::Orphan`], `foregroundDeletion` for
    ///   [`PropagationPolicy::Foreground`]; background needs none);
    /// - a pod bound to a node is deleted gracefully: it gets a deletion timestamp `grace`
    ///   seconds ahead and its kubelet removes it once its containers stopped; a second delete
    ///   may only shorten the grace period;
    /// - a namespace turns `Terminating` and the namespace controller empties and removes it;
    /// - anything else holding finalizers gets a deletion timestamp (now) and a grace period
    ///   of 0 and stays until they are gone; the rest is removed at once.
    pub fn delete(
        &mut self,
        key: &ObjectKey,
        opts: &DeleteOptions,
        dry_run: bool,
    ) -> Result<Arc<Object>, ApiError> {
        let old = self.get(key)?;
        if dry_run {
            return Ok(old);
        }
        let already_deleting = old.metadata().deletion_timestamp.is_some();
        let graceful_pod = match old.as_ref() {
            Object::Pod(p) => {
                let on_node = p.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_some();
                let grace = opts
                    .grace_period_seconds
                    .or_else(|| {
                        p.spec
                            .as_ref()
                            .and_then(|s| s.termination_grace_period_seconds)
                    })
                    .unwrap_or(30);
                let terminal = matches!(
                    p.status.as_ref().and_then(|s| s.phase.as_deref()),
                    Some("Succeeded" | "Failed")
                );
                (on_node && grace > 0 && !terminal).then_some(grace)
            }
            _ => None,
        };
        if let (Some(grace), true) = (graceful_pod, already_deleting) {
            // A second delete may shorten the grace period only.
            let current = old.metadata().deletion_grace_period_seconds.unwrap_or(0);
            if grace >= current {
                return Ok(old);
            }
        }
        // The new metadata is worked out on a copy of the metadata alone: the object is
        // changed in place below (or removed), not copied whole.
        let mut meta = old.metadata().clone();
        let policy = opts
            .propagation_policy
            .unwrap_or_else(|| PropagationPolicy::default_for(key.kind));
        // An object already being deleted keeps its finalizers unless a policy was asked for.
        if !already_deleting || opts.propagation_policy.is_some() {
            let finalizers = meta.finalizers.get_or_insert_with(Vec::new);
            for f in [FINALIZER_ORPHAN, FINALIZER_DELETE_DEPENDENTS] {
                if Some(f) != policy.finalizer() {
                    finalizers.retain(|x| x != f);
                }
            }
            if let Some(f) = policy.finalizer() {
                if !finalizers.iter().any(|x| x == f) {
                    finalizers.push(f.to_string());
                }
            }
            if finalizers.is_empty() {
                meta.finalizers = None;
            }
        }
        let is_namespace = key.kind == Kind::Namespace;
        let has_finalizers = meta.finalizers.as_ref().is_some_and(|f| !f.is_empty());
        if graceful_pod.is_none() && !has_finalizers && !is_namespace {
            self.trace("apiserver", format!("delete {key}"));
            self.remove(key);
            return Ok(old);
        }
        let now = self.now;
        match graceful_pod {
            Some(grace) => {
                meta.deletion_timestamp = Some(now.plus_ms(grace as u64 * 1000).to_k8s_time());
                meta.deletion_grace_period_seconds = Some(grace);
            }
            None if !already_deleting => {
                meta.deletion_timestamp = Some(now.to_k8s_time());
                meta.deletion_grace_period_seconds = Some(0);
            }
            None => {}
        }
        let namespace_phase_changes = match old.as_ref() {
            Object::Namespace(ns) => {
                ns.status.as_ref().and_then(|s| s.phase.as_deref()) != Some("Terminating")
            }
            _ => false,
        };
        if meta == *old.metadata() && !namespace_phase_changes {
            return Ok(old);
        }
        let rev = self.store.next_revision();
        meta.resource_version = Some(rev.to_string());
        match graceful_pod {
            Some(grace) => self.trace("apiserver", format!("delete {key} (graceful {grace}s)")),
            None => self.trace(
                "apiserver",
                format!("delete {key} (waiting for finalizers)"),
            ),
        }
        // Let go of our copy so the store can change the object in place.
        drop(old);
        let written = self.store.modify_in_place(rev, key, |o| {
            *o.metadata_mut() = meta;
            if let Object::Namespace(ns) = o {
                ns.status.get_or_insert_with(Default::default).phase = Some("Terminating".into());
            }
        });
        written.ok_or_else(|| ApiError::not_found(key.kind, &key.name))
    }

    /// Removes an object from the store now (the end of a graceful deletion, the kubelet's
    /// final delete, the garbage collector's last step). An object that still holds
    /// finalizers is not removed: it keeps (or gets) its deletion timestamp with a grace
    /// period of 0 and waits for them. Returns the removed object, `None` when there was none
    /// or it stays for its finalizers.
    pub fn remove(&mut self, key: &ObjectKey) -> Option<Arc<Object>> {
        let stored = self.store.get(key)?;
        let m = stored.metadata();
        if m.finalizers.as_ref().is_some_and(|f| !f.is_empty()) {
            if m.deletion_timestamp.is_some() && m.deletion_grace_period_seconds == Some(0) {
                return None;
            }
            let mut obj = (**stored).clone();
            let now = self.now.to_k8s_time();
            let meta = obj.metadata_mut();
            meta.deletion_timestamp.get_or_insert(now);
            meta.deletion_grace_period_seconds = Some(0);
            let rev = self.store.next_revision();
            obj.metadata_mut().resource_version = Some(rev.to_string());
            self.store.put(rev, obj);
            self.trace("apiserver", format!("{key} waits for its finalizers"));
            return None;
        }
        let rev = self.store.next_revision();
        let old = self.store.remove(rev, key)?;
        self.commit_service(Some(&old), None);
        self.object_count = self.object_count.saturating_sub(1);
        Some(old)
    }

    /// Records an event about `involved`, aggregating repeats into `count` like the
    /// client-go event recorder does.
    pub fn record_event(
        &mut self,
        involved: &Object,
        type_: &str,
        reason: &str,
        message: &str,
        component: &str,
        host: Option<&str>,
    ) {
        self.record_event_for(involved, None, type_, reason, message, component, host)
    }

    /// Like [`ApiServer::record_event`], naming a field of the object (`spec.containers{web}`).
    #[allow(clippy::too_many_arguments)]
    pub fn record_event_for(
        &mut self,
        involved: &Object,
        field_path: Option<&str>,
        type_: &str,
        reason: &str,
        message: &str,
        component: &str,
        host: Option<&str>,
    ) {
        let meta = involved.metadata();
        let uid = meta.uid.as_deref().unwrap_or_default();
        let ns = if involved.namespace().is_empty() {
            "default"
        } else {
            involved.namespace()
        };
        let idx = {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for part in [uid, reason, message, component, field_path.unwrap_or("")] {
                for b in part.bytes().chain(std::iter::once(0xff)) {
                    h ^= u64::from(b);
                    h = h.wrapping_mul(0x100_0000_01b3);
                }
            }
            h
        };
        let now = self.now.to_k8s_time();
        if let Some(key) = self.event_index.get(&idx).cloned() {
            if self.store.get(&key).is_some() {
                let _ = self.modify_status(&key, |o| {
                    if let Object::Event(e) = o {
                        e.count = Some(e.count.unwrap_or(1) + 1);
                        e.last_timestamp = Some(now);
                    }
                });
                let rev = self.store.revision();
                self.touch_event(&key, rev);
                return;
            }
        }
        let key = Arc::new(ObjectKey {
            kind: Kind::Event,
            namespace: ns.to_string(),
            name: self.event_name(involved.name()),
        });
        let event = Event {
            metadata: ObjectMeta {
                name: Some(key.name.clone()),
                namespace: Some(key.namespace.clone()),
                ..Default::default()
            },
            involved_object: ObjectReference {
                api_version: Some(involved.kind().info().api_version.to_string()),
                kind: Some(involved.kind().name().to_string()),
                name: meta.name.clone(),
                namespace: meta.namespace.clone(),
                uid: meta.uid.clone(),
                resource_version: meta.resource_version.clone(),
                field_path: field_path.map(str::to_string),
            },
            reason: Some(reason.to_string()),
            message: Some(message.to_string()),
            source: Some(EventSource {
                component: Some(component.to_string()),
                host: host.map(str::to_string),
            }),
            first_timestamp: Some(now.clone()),
            last_timestamp: Some(now),
            count: Some(1),
            type_: Some(type_.to_string()),
            reporting_component: Some(component.to_string()),
            reporting_instance: Some(host.unwrap_or("").to_string()),
            event_time: None,
            ..Default::default()
        };
        let mut what = String::with_capacity(
            8 + reason.len() + ns.len() + involved.name().len() + message.len(),
        );
        for part in [
            "event ",
            reason,
            " ",
            ns,
            "/",
            involved.name(),
            ": ",
            message,
        ] {
            what.push_str(part);
        }
        self.trace(component, what);
        if self.commit_event(&key, event) {
            self.event_index.insert(idx, key);
        }
    }

    /// Stores an event a component built: the recorders' events are well-formed by
    /// construction, so the defaulting and validation of user writes are skipped (on a busy
    /// cluster events are most of the writes). The namespace must exist and the object cap
    /// holds, as for any create.
    fn commit_event(&mut self, key: &Arc<ObjectKey>, mut event: Event) -> bool {
        let ns_ok = self.namespace_alive(&key.namespace) == Some(true);
        // A recorder's event names are unique by construction (see `event_name`); only an
        // Event a user created could already hold one.
        if !ns_ok
            || self.object_count >= self.max_objects
            || (self.user_events && self.store.get(key).is_some())
        {
            return false;
        }
        debug_assert!(self.store.get(key).is_none(), "event name reused: {key}");
        let rev = self.store.next_revision();
        event.metadata.uid = Some(self.rng.uuid());
        event.metadata.resource_version = Some(rev.to_string());
        event.metadata.creation_timestamp = event.first_timestamp.clone();
        self.object_count += 1;
        self.touch_event(key, rev);
        self.store
            .put_keyed(rev, ObjectKey::clone(key), Object::from(event));
        true
    }
}

impl ApiServer {
    /// An event's name as client-go's recorder makes it: the involved object's name and the
    /// creation time in nanoseconds, in hex (the revision keeps names of one instant apart).
    ///
    /// Names never repeat: the number only grows (time and revision never go back, and a
    /// stored event always bumps the revision).
    fn event_name(&self, involved: &str) -> String {
        let n = 0x1870_0000_0000_0000u64 + self.now.ms() * 1_000_000 + self.store.revision();
        let digits = (16 - n.leading_zeros() as usize / 4).max(1);
        let mut name = String::with_capacity(involved.len() + 1 + digits);
        name.push_str(involved);
        name.push('.');
        for i in (0..digits).rev() {
            name.push(char::from(
                b"0123456789abcdef"[((n >> (4 * i)) & 0xf) as usize],
            ));
        }
        name
    }

    /// Whether a namespace exists and is not being deleted (`None`: it does not exist). The
    /// last namespace found alive is remembered until any namespace changes: most writes go
    /// to one namespace.
    fn namespace_alive(&mut self, ns: &str) -> Option<bool> {
        let rev = self.store.kind_revision(Kind::Namespace);
        if let Some((name, at)) = &self.alive_namespace {
            if name == ns && *at == rev {
                return Some(true);
            }
        }
        let state = self
            .store
            .get(&ObjectKey::new(Kind::Namespace, "", ns))
            .map(|n| n.metadata().deletion_timestamp.is_none());
        if state == Some(true) {
            self.alive_namespace = Some((ns.to_string(), rev));
        }
        state
    }

    /// Creates an event a component built itself (kubelet, node-controller and kube-proxy
    /// node events, events.k8s.io events): the name is filled in, and events about
    /// cluster-scoped objects go to `default`, as the recorders do.
    pub fn emit_event(&mut self, mut event: Event) {
        let involved = event.involved_object.name.clone().unwrap_or_default();
        let ns = event
            .involved_object
            .namespace
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "default".to_string());
        event.metadata = ObjectMeta {
            name: Some(self.event_name(&involved)),
            namespace: Some(ns.clone()),
            ..Default::default()
        };
        let component = event
            .source
            .as_ref()
            .and_then(|s| s.component.clone())
            .or_else(|| event.reporting_component.clone())
            .unwrap_or_default();
        self.trace(
            &component,
            format!(
                "event {} {ns}/{involved}: {}",
                event.reason.as_deref().unwrap_or(""),
                event.message.as_deref().unwrap_or("")
            ),
        );
        let _ = self.create_named(Object::from(event), &ns, false, true);
    }
}

/// Kinds whose `metadata.generation` counts spec changes.
fn has_generation(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Pod
            | Kind::ReplicationController
            | Kind::ReplicaSet
            | Kind::Deployment
            | Kind::DaemonSet
            | Kind::StatefulSet
            | Kind::Job
            | Kind::CronJob
            | Kind::Ingress
            | Kind::IngressClass
    )
}

/// An update of the main resource does not change `status` (it is a subresource): the stored
/// status is kept, whatever the request carried.
fn carry_status(new: &mut Object, old: &Object) {
    macro_rules! carry {
        ($($kind:ident),*) => {
            match (new, old) {
                $((Object::$kind(n), Object::$kind(o)) => n.status = o.status.clone(),)*
                _ => {}
            }
        };
    }
    carry!(
        Pod,
        Node,
        Namespace,
        ReplicationController,
        ReplicaSet,
        Deployment,
        DaemonSet,
        StatefulSet,
        Job,
        CronJob,
        Service,
        PersistentVolumeClaim,
        PersistentVolume,
        Ingress
    );
}

/// Whether two versions of an object have the same `spec` (a change bumps `generation`).
/// Typed comparison for the kinds with a spec; kinds without one never differ here.
fn same_spec(a: &Object, b: &Object) -> bool {
    match (a, b) {
        (Object::Namespace(x), Object::Namespace(y)) => x.spec == y.spec,
        (Object::Node(x), Object::Node(y)) => x.spec == y.spec,
        (Object::Pod(x), Object::Pod(y)) => x.spec == y.spec,
        (Object::ReplicationController(x), Object::ReplicationController(y)) => x.spec == y.spec,
        (Object::Service(x), Object::Service(y)) => x.spec == y.spec,
        (Object::PersistentVolumeClaim(x), Object::PersistentVolumeClaim(y)) => x.spec == y.spec,
        (Object::PersistentVolume(x), Object::PersistentVolume(y)) => x.spec == y.spec,
        (Object::Deployment(x), Object::Deployment(y)) => x.spec == y.spec,
        (Object::ReplicaSet(x), Object::ReplicaSet(y)) => x.spec == y.spec,
        (Object::DaemonSet(x), Object::DaemonSet(y)) => x.spec == y.spec,
        (Object::StatefulSet(x), Object::StatefulSet(y)) => x.spec == y.spec,
        (Object::Job(x), Object::Job(y)) => x.spec == y.spec,
        (Object::CronJob(x), Object::CronJob(y)) => x.spec == y.spec,
        (Object::Ingress(x), Object::Ingress(y)) => x.spec == y.spec,
        (Object::IngressClass(x), Object::IngressClass(y)) => x.spec == y.spec,
        _ => {
            let spec = |o: &Object| o.to_value().get("spec").cloned();
            spec(a) == spec(b)
        }
    }
}

/// Pods are mostly immutable: only images, activeDeadlineSeconds, added tolerations and a few
/// more may change.
fn pod_update_forbidden(
    old: &k8s_openapi::api::core::v1::Pod,
    new: &k8s_openapi::api::core::v1::Pod,
) -> Option<FieldError> {
    let (Some(os), Some(ns)) = (&old.spec, &new.spec) else {
        return None;
    };
    let mut a = os.clone();
    let b = ns.clone();
    // Blank out what may change, then compare the rest.
    for (ac, bc) in a.containers.iter_mut().zip(b.containers.iter()) {
        ac.image = bc.image.clone();
    }
    for (ac, bc) in a
        .init_containers
        .iter_mut()
        .flatten()
        .zip(b.init_containers.iter().flatten())
    {
        ac.image = bc.image.clone();
    }
    a.active_deadline_seconds = b.active_deadline_seconds;
    a.termination_grace_period_seconds = b.termination_grace_period_seconds;
    if b.tolerations.as_ref().map_or(0, Vec::len) >= a.tolerations.as_ref().map_or(0, Vec::len) {
        a.tolerations = b.tolerations.clone();
    }
    if a.node_name.is_none() {
        a.node_name = b.node_name.clone();
    }
    if a == b {
        None
    } else {
        Some(FieldError::forbidden(
            "spec",
            "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
        ))
    }
}

#[cfg(test)]
mod error_text_tests {
    use super::*;

    #[test]
    fn errors_name_the_group_qualified_resource() {
        assert_eq!(
            ApiError::not_found(Kind::Pod, "web").message,
            "pods \"web\" not found"
        );
        assert_eq!(
            ApiError::not_found(Kind::Deployment, "web").message,
            "deployments.apps \"web\" not found"
        );
        assert_eq!(
            ApiError::not_found(Kind::Job, "pi").message,
            "jobs.batch \"pi\" not found"
        );
        assert_eq!(
            ApiError::already_exists(Kind::Ingress, "web").message,
            "ingresses.networking.k8s.io \"web\" already exists"
        );
        assert_eq!(
            ApiError::conflict(Kind::Deployment, "web", "the object has been modified").message,
            "Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified"
        );
        assert_eq!(
            ApiError::forbidden(Kind::CronJob, "c", "no").message,
            "cronjobs.batch \"c\" is forbidden: no"
        );
    }

    #[test]
    fn invalid_keeps_the_kind() {
        let e = ApiError::invalid(
            Kind::Deployment,
            "web",
            vec![FieldError::forbidden("spec", "no")],
        );
        // The Status message qualifies the kind with its group (`NewInvalid`); the details
        // keep the bare kind kubectl prints.
        assert!(
            e.message
                .starts_with("Deployment.apps \"web\" is invalid: "),
            "{}",
            e.message
        );
        assert_eq!(e.kind, "Deployment");
    }
}
