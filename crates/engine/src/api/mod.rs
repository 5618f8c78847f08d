//! Kubernetes API objects, in Kubernetes' own shapes (k8s-openapi types), and the table of
//! kinds Kubarium serves.
//!
//! Objects are kept fully typed: every field Kubernetes has is accepted, stored and printed,
//! even where Kubarium does not simulate it; fields Kubernetes does not have are rejected at
//! decoding (see [`decode`]).

pub mod batch;
pub mod config;
pub mod decode;
pub mod defaults;
pub mod ingress;
pub mod persistent_volume;
pub mod quantity;
pub mod selector;
pub mod service;
pub mod validation;
pub mod workloads;

pub use k8s_openapi::api::admissionregistration::v1::ValidatingWebhookConfiguration;
pub use k8s_openapi::api::apps::v1::{
    ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet,
};
pub use k8s_openapi::api::batch::v1::{CronJob, Job};
pub use k8s_openapi::api::core::v1::{
    ConfigMap, Endpoints, Event, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod,
    ReplicationController, Secret, Service, ServiceAccount,
};
pub use k8s_openapi::api::discovery::v1::EndpointSlice;
pub use k8s_openapi::api::networking::v1::{Ingress, IngressClass};
pub use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
pub use k8s_openapi::api::storage::v1::StorageClass;
pub use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

/// Everything the API server needs to know about one kind.
#[derive(Debug)]
pub struct ResourceInfo {
    pub kind: &'static str,
    pub api_version: &'static str,
    pub group: &'static str,
    pub version: &'static str,
    /// Lower-case plural, as in URLs and `kubectl get pods`.
    pub plural: &'static str,
    pub singular: &'static str,
    pub short_names: &'static [&'static str],
    pub namespaced: bool,
}

macro_rules! kinds {
    ($($variant:ident : $ty:ty = $api_version:literal, $group:literal, $version:literal, $plural:literal, $singular:literal, [$($short:literal),*], $namespaced:literal;)*) => {
        /// A kind Kubarium serves. Ordered for deterministic iteration.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Kind { $($variant),* }

        impl Kind {
            /// Every served kind, in declaration order.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),*];

            /// API metadata of this kind.
            pub fn info(self) -> &'static ResourceInfo {
                match self {
                    $(Kind::$variant => &ResourceInfo {
                        kind: stringify!($variant),
                        api_version: $api_version,
                        group: $group,
                        version: $version,
                        plural: $plural,
                        singular: $singular,
                        short_names: &[$($short),*],
                        namespaced: $namespaced,
                    }),*
                }
            }
        }

        /// One API object of any served kind. Each kind's object is boxed, so an object
        /// costs its own size: unboxed, every object (an Event of 1 KB) took the size of the
        /// largest kind (3.5 KB), which made a busy cluster's store mostly padding. Build one
        /// with `Object::from(pod)`; match with `Object::Pod(p)` (`p` derefs to the Pod).
        #[derive(Clone, Debug, PartialEq)]
        pub enum Object { $($variant(Box<$ty>)),* }

        impl Object {
            /// The object's kind.
            pub fn kind(&self) -> Kind {
                match self { $(Object::$variant(_) => Kind::$variant),* }
            }
            /// The object's metadata.
            pub fn metadata(&self) -> &ObjectMeta {
                match self { $(Object::$variant(o) => &o.metadata),* }
            }
            /// The object's metadata, mutably.
            pub fn metadata_mut(&mut self) -> &mut ObjectMeta {
                match self { $(Object::$variant(o) => &mut o.metadata),* }
            }
            /// The object as JSON, exactly as the API would return it (with apiVersion and kind).
            pub fn to_value(&self) -> Value {
                let v = match self { $(Object::$variant(o) => serde_json::to_value(o)),* };
                v.unwrap_or(Value::Null)
            }
            /// Decodes an object of a known kind from JSON, rejecting unknown fields.
            pub(crate) fn from_value_strict(kind: Kind, value: Value) -> Result<Object, decode::DecodeError> {
                match kind { $(Kind::$variant => decode::strict::<$ty>(value).map(|o| Object::$variant(Box::new(o)))),* }
            }
        }

        $(
        impl From<$ty> for Object {
            fn from(o: $ty) -> Object { Object::$variant(Box::new(o)) }
        }
        impl TryFrom<Object> for $ty {
            type Error = Object;
            fn try_from(o: Object) -> Result<$ty, Object> {
                match o { Object::$variant(x) => Ok(*x), other => Err(other) }
            }
        }
        impl<'a> TryFrom<&'a Object> for &'a $ty {
            type Error = ();
            fn try_from(o: &'a Object) -> Result<&'a $ty, ()> {
                match o { Object::$variant(x) => Ok(x), _ => Err(()) }
            }
        }
        )*
    };
}

kinds! {
    Namespace: Namespace = "v1", "", "v1", "namespaces", "namespace", ["ns"], false;
    Node: Node = "v1", "", "v1", "nodes", "node", ["no"], false;
    Pod: Pod = "v1", "", "v1", "pods", "pod", ["po"], true;
    Event: Event = "v1", "", "v1", "events", "event", ["ev"], true;
    ConfigMap: ConfigMap = "v1", "", "v1", "configmaps", "configmap", ["cm"], true;
    Secret: Secret = "v1", "", "v1", "secrets", "secret", [], true;
    ServiceAccount: ServiceAccount = "v1", "", "v1", "serviceaccounts", "serviceaccount", ["sa"], true;
    ReplicationController: ReplicationController = "v1", "", "v1", "replicationcontrollers", "replicationcontroller", ["rc"], true;
    Service: Service = "v1", "", "v1", "services", "service", ["svc"], true;
    Endpoints: Endpoints = "v1", "", "v1", "endpoints", "endpoints", ["ep"], true;
    PersistentVolumeClaim: PersistentVolumeClaim = "v1", "", "v1", "persistentvolumeclaims", "persistentvolumeclaim", ["pvc"], true;
    PersistentVolume: PersistentVolume = "v1", "", "v1", "persistentvolumes", "persistentvolume", ["pv"], false;
    Deployment: Deployment = "apps/v1", "apps", "v1", "deployments", "deployment", ["deploy"], true;
    ReplicaSet: ReplicaSet = "apps/v1", "apps", "v1", "replicasets", "replicaset", ["rs"], true;
    DaemonSet: DaemonSet = "apps/v1", "apps", "v1", "daemonsets", "daemonset", ["ds"], true;
    StatefulSet: StatefulSet = "apps/v1", "apps", "v1", "statefulsets", "statefulset", ["sts"], true;
    ControllerRevision: ControllerRevision = "apps/v1", "apps", "v1", "controllerrevisions", "controllerrevision", [], true;
    Job: Job = "batch/v1", "batch", "v1", "jobs", "job", [], true;
    CronJob: CronJob = "batch/v1", "batch", "v1", "cronjobs", "cronjob", ["cj"], true;
    EndpointSlice: EndpointSlice = "discovery.k8s.io/v1", "discovery.k8s.io", "v1", "endpointslices", "endpointslice", [], true;
    Ingress: Ingress = "networking.k8s.io/v1", "networking.k8s.io", "v1", "ingresses", "ingress", ["ing"], true;
    IngressClass: IngressClass = "networking.k8s.io/v1", "networking.k8s.io", "v1", "ingressclasses", "ingressclass", [], false;
    StorageClass: StorageClass = "storage.k8s.io/v1", "storage.k8s.io", "v1", "storageclasses", "storageclass", ["sc"], false;
    Role: Role = "rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io", "v1", "roles", "role", [], true;
    ClusterRole: ClusterRole = "rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", [], false;
    RoleBinding: RoleBinding = "rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", [], true;
    ClusterRoleBinding: ClusterRoleBinding = "rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding", [], false;
    ValidatingWebhookConfiguration: ValidatingWebhookConfiguration = "admissionregistration.k8s.io/v1", "admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "validatingwebhookconfiguration", [], false;
}

impl Kind {
    /// Finds a kind by its `kind` name (`Pod`), plural (`pods`), singular (`pod`) or short
    /// name (`po`), case-insensitively for the resource names as kubectl does, optionally
    /// qualified by group (`pods.v1`, `deployments.apps`).
    pub fn from_resource_name(name: &str) -> Option<Kind> {
        let lower = name.to_ascii_lowercase();
        let (base, qualifier) = match lower.split_once('.') {
            Some((b, q)) => (b.to_string(), Some(q.to_string())),
            None => (lower.clone(), None),
        };
        Kind::ALL.iter().copied().find(|k| {
            let i = k.info();
            let name_matches = base == i.plural
                || base == i.singular
                || i.short_names.contains(&base.as_str())
                || base == i.kind.to_ascii_lowercase();
            let qualifier_matches = match &qualifier {
                None => true,
                Some(q) => {
                    q == i.group
                        || q == i.version
                        || *q == format!("{}.{}", i.version, i.group)
                        || (i.group.is_empty() && q == "v1")
                }
            };
            name_matches && qualifier_matches
        })
    }

    /// Finds a kind by `apiVersion` and `kind` as written in a manifest.
    pub fn from_api_version_kind(api_version: &str, kind: &str) -> Option<Kind> {
        Kind::ALL
            .iter()
            .copied()
            .find(|k| k.info().kind == kind && k.info().api_version == api_version)
    }

    /// Kind name, e.g. `Pod`.
    pub fn name(self) -> &'static str {
        self.info().kind
    }
}

impl Object {
    /// `metadata.name` (empty when unset).
    pub fn name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or("")
    }
    /// `metadata.namespace` (empty for cluster-scoped objects).
    pub fn namespace(&self) -> &str {
        self.metadata().namespace.as_deref().unwrap_or("")
    }
    /// The store key of this object.
    pub fn key(&self) -> ObjectKey {
        ObjectKey::new(self.kind(), self.namespace(), self.name())
    }
    /// Borrow as a concrete type, e.g. `obj.as_::<Pod>()`.
    pub fn as_<'a, T>(&'a self) -> Option<&'a T>
    where
        &'a T: TryFrom<&'a Object>,
    {
        <&T>::try_from(self).ok()
    }
}

/// Identifies an object: kind, namespace (empty for cluster-scoped kinds) and name.
/// Ordered kind, then namespace, then name, so a namespace's objects of a kind are contiguous.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ObjectKey {
    pub kind: Kind,
    pub namespace: String,
    pub name: String,
}

impl Ord for ObjectKey {
    #[inline]
    fn cmp(&self, other: &ObjectKey) -> std::cmp::Ordering {
        self.kind
            .cmp(&other.kind)
            .then_with(|| cmp_names(&self.namespace, &other.namespace))
            .then_with(|| cmp_names(&self.name, &other.name))
    }
}

impl PartialOrd for ObjectKey {
    fn partial_cmp(&self, other: &ObjectKey) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The first eight bytes of `s` as a big-endian number, zero-padded.
#[inline]
fn prefix8(s: &[u8]) -> u64 {
    if let Some(head) = s.first_chunk::<8>() {
        return u64::from_be_bytes(*head);
    }
    // Shorter than eight bytes: two overlapping loads (a copy would call `memcpy`, a loop
    // would take a step per byte). The overlap holds the same bytes in both, so `|` keeps it.
    let n = s.len();
    if let (Some(head), Some(tail)) = (s.first_chunk::<4>(), s.last_chunk::<4>()) {
        let head = u64::from(u32::from_be_bytes(*head)) << 32;
        return head | u64::from(u32::from_be_bytes(*tail)) << (8 * (8 - n));
    }
    match s {
        [] => 0,
        [a] => u64::from(*a) << 56,
        [a, b] => u64::from(*a) << 56 | u64::from(*b) << 48,
        [a, b, c, ..] => u64::from(*a) << 56 | u64::from(*b) << 48 | u64::from(*c) << 40,
    }
}

/// Byte-wise (`str::cmp`) order of two names, deciding most comparisons from their first
/// eight bytes without a `memcmp` call: the store's map compares keys on every lookup.
///
/// Where the zero-padded prefixes differ, the first difference is either two real bytes or
/// a real byte against the padding of the shorter name, and the shorter (a prefix) sorts
/// first in both orders; where they are equal and both names fit in eight bytes, the names
/// differ only in trailing zero bytes, so the shorter sorts first.
#[inline]
fn cmp_names(a: &str, b: &str) -> std::cmp::Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    match prefix8(a).cmp(&prefix8(b)) {
        std::cmp::Ordering::Equal if a.len() <= 8 && b.len() <= 8 => a.len().cmp(&b.len()),
        std::cmp::Ordering::Equal => a.cmp(b),
        other => other,
    }
}

impl ObjectKey {
    pub fn new(kind: Kind, namespace: &str, name: &str) -> ObjectKey {
        let namespace = if kind.info().namespaced {
            namespace.to_string()
        } else {
            String::new()
        };
        ObjectKey {
            kind,
            namespace,
            name: name.to_string(),
        }
    }
}

impl ObjectKey {
    /// The pieces of the key's text, `pods/default/web` (`nodes/w1` for cluster-scoped kinds,
    /// whose namespace pieces are empty), for writing it without the formatting machinery.
    pub fn path_parts(&self) -> [&str; 5] {
        let plural = self.kind.info().plural;
        if self.namespace.is_empty() {
            [plural, "/", "", "", &self.name]
        } else {
            [plural, "/", &self.namespace, "/", &self.name]
        }
    }
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.path_parts().iter().try_for_each(|p| f.write_str(p))
    }
}

#[cfg(test)]
mod key_order_tests {
    use super::{cmp_names, Kind, ObjectKey};

    #[test]
    fn names_compare_as_strings_do() {
        let names = [
            "",
            "a",
            "ab",
            "ab\0",
            "ab\0c",
            "abc",
            "default",
            "defaults",
            "default-token",
            "kube-system",
            "kube-public",
            "web-00001",
            "web-00010",
            "web-0001",
            "web-1",
            "web-00001.1870000000000001",
            "web-00001.18700000000000a1",
            "zzzzzzzzz",
            "zzzzzzzz",
        ];
        for a in names {
            for b in names {
                assert_eq!(cmp_names(a, b), a.cmp(b), "{a:?} vs {b:?}");
            }
        }
        let k = |ns: &str, n: &str| ObjectKey::new(Kind::Pod, ns, n);
        assert!(k("default", "web-2") < k("default", "web-10").max(k("default", "web-3")));
        assert!(k("default", "zz") < k("kube-system", "a"));
        assert!(ObjectKey::new(Kind::Namespace, "", "z") != k("default", "a"));
    }
}
