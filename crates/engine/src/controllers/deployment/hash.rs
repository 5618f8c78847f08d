//! The `pod-template-hash` label: a short, stable name for a pod template
//! (`controller.ComputeHash` and `rand.SafeEncodeString` in Kubernetes).
//!
//! Kubernetes feeds a deep printing of the template to FNV-32a, prints the 32-bit sum in
//! decimal and maps every digit through the name-suffix alphabet
//! (`bcdfghjklmnpqrstvwxz2456789`, indexed by the digit's byte value modulo 27). So a hash is
//! up to ten characters drawn from `4 5 6 7 8 9 b c d f` — `858b7d8fcd` is the sum
//! 4146384978. Kubarium prints the template as canonical JSON instead of Go's `%#v`, so the
//! hashes differ from a real cluster's, but the same template always gives the same hash and
//! the names look the same (`deploy-nginx-858b7d8fcd-8kclx`).

use crate::sim::rng::SUFFIX_ALPHABET;
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// The label (and selector) key that ties a ReplicaSet and its pods to one template.
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";

/// FNV-32a, as Go's `hash/fnv.New32a`.
fn fnv32a(bytes: impl IntoIterator<Item = u8>, mut h: u32) -> u32 {
    for b in bytes {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

const FNV32_OFFSET: u32 = 0x811c_9dc5;

/// `rand.SafeEncodeString`: each byte replaced by the alphabet entry at `byte % 27`.
pub fn safe_encode(s: &str) -> String {
    s.bytes()
        .map(|b| SUFFIX_ALPHABET[usize::from(b) % SUFFIX_ALPHABET.len()] as char)
        .collect()
}

/// The hash of a template; `collision_count` (the Deployment's `status.collisionCount`)
/// is mixed in so a clash with an unrelated ReplicaSet of the same name gives a new name.
///
/// Worked example: FNV-32a sum 4146384978 → digits "4146384978" → bytes 52 49 52 54 51 56
/// 52 57 55 56 → modulo 27: 25 22 25 0 24 2 25 3 1 2 → `858b7d8fcd`.
pub fn compute_hash(template: &PodTemplateSpec, collision_count: Option<i32>) -> String {
    // Printed through a `Value`: k8s-openapi writes every struct's fields in sorted key order,
    // the order a `Value` map keeps, so the bytes are those of printing the struct directly,
    // without a second compiled copy of every pod type's `Serialize` (for a byte writer) in
    // the page's wasm.
    let value = serde_json::to_value(normalized(template)).unwrap_or_default();
    let printed = serde_json::to_vec(&value).unwrap_or_default();
    let mut h = fnv32a(printed, FNV32_OFFSET);
    if let Some(c) = collision_count {
        h = fnv32a((c as u32).to_le_bytes(), h);
    }
    safe_encode(&h.to_string())
}

/// The template without the `pod-template-hash` label (ReplicaSets carry it, Deployments do
/// not), for comparing templates (`EqualIgnoreHash`).
pub fn without_hash(template: &PodTemplateSpec) -> PodTemplateSpec {
    let mut t = template.clone();
    if let Some(labels) = t.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
        labels.remove(POD_TEMPLATE_HASH);
    }
    t
}

/// Whether two templates are the same apart from the `pod-template-hash` label
/// (`EqualIgnoreHash`). Stored templates are defaulted by the API server on every write, so
/// they compare field by field; empty label and annotation maps equal absent ones.
pub fn equal_ignore_hash(a: &PodTemplateSpec, b: &PodTemplateSpec) -> bool {
    if a.spec != b.spec {
        return false;
    }
    let empty = ObjectMeta::default();
    let (ma, mb) = (
        a.metadata.as_ref().unwrap_or(&empty),
        b.metadata.as_ref().unwrap_or(&empty),
    );
    // Compared in place: this runs for every ReplicaSet on every Deployment sync.
    fn labels(m: &ObjectMeta) -> impl Iterator<Item = (&String, &String)> {
        m.labels
            .iter()
            .flatten()
            .filter(|(k, _)| k.as_str() != POD_TEMPLATE_HASH)
    }
    fn annotations(m: &ObjectMeta) -> Option<&std::collections::BTreeMap<String, String>> {
        m.annotations.as_ref().filter(|a| !a.is_empty())
    }
    if !labels(ma).eq(labels(mb)) || annotations(ma) != annotations(mb) {
        return false;
    }
    // Every other field (listed in full, so a new field is not overlooked).
    let ObjectMeta {
        annotations: _,
        labels: _,
        creation_timestamp,
        deletion_grace_period_seconds,
        deletion_timestamp,
        finalizers,
        generate_name,
        generation,
        managed_fields,
        name,
        namespace,
        owner_references,
        resource_version,
        self_link,
        uid,
    } = ma;
    *creation_timestamp == mb.creation_timestamp
        && *deletion_grace_period_seconds == mb.deletion_grace_period_seconds
        && *deletion_timestamp == mb.deletion_timestamp
        && *finalizers == mb.finalizers
        && *generate_name == mb.generate_name
        && *generation == mb.generation
        && *managed_fields == mb.managed_fields
        && *name == mb.name
        && *namespace == mb.namespace
        && *owner_references == mb.owner_references
        && *resource_version == mb.resource_version
        && *self_link == mb.self_link
        && *uid == mb.uid
}

/// The template as the API server stores it: pod-spec defaults applied (a template that
/// reached the store through a path without defaulting still compares equal to its
/// defaulted copy in a ReplicaSet), and empty label and annotation maps the same as absent
/// ones (Go's DeepEqual after `delete` leaves an empty map; the API drops empty maps).
fn normalized(t: &PodTemplateSpec) -> PodTemplateSpec {
    let mut t = t.clone();
    crate::api::workloads::default_template(&mut t);
    if let Some(m) = t.metadata.as_mut() {
        if m.labels.as_ref().is_some_and(|l| l.is_empty()) {
            m.labels = None;
        }
        if m.annotations.as_ref().is_some_and(|l| l.is_empty()) {
            m.annotations = None;
        }
    }
    if t.metadata
        .as_ref()
        .is_some_and(|m| *m == Default::default())
    {
        t.metadata = None;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{Container, PodSpec};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn template(image: &str) -> PodTemplateSpec {
        PodTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: Some([("app".to_string(), "web".to_string())].into()),
                ..Default::default()
            }),
            spec: Some(PodSpec {
                containers: vec![Container {
                    name: "nginx".into(),
                    image: Some(image.into()),
                    ..Default::default()
                }],
                ..Default::default()
            }),
        }
    }

    /// A template touching many field types (maps, lists, nested structs, int-or-string,
    /// quantities, booleans): its hash is pinned, so a change in how the template is printed
    /// (which would rename every ReplicaSet and pod a learner has seen) fails here.
    #[test]
    fn hash_of_a_rich_template_is_stable() {
        let t: PodTemplateSpec = serde_json::from_value(serde_json::json!({
            "metadata": {"labels": {"app": "web", "tier": "fe"}, "annotations": {"a": "b"}},
            "spec": {
                "containers": [{
                    "name": "nginx", "image": "nginx:1.25",
                    "ports": [{"containerPort": 80, "name": "http"}],
                    "env": [{"name": "A", "value": "1"},
                            {"name": "B", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                    "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}},
                    "readinessProbe": {"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 5},
                    "volumeMounts": [{"name": "data", "mountPath": "/data", "readOnly": true}]
                }],
                "volumes": [{"name": "data", "emptyDir": {}},
                            {"name": "cfg", "configMap": {"name": "cfg", "defaultMode": 420}}],
                "nodeSelector": {"disk": "ssd"},
                "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}],
                "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 1, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                        "labelSelector": {"matchLabels": {"app": "web"}}}}]}},
                "hostNetwork": false,
                "terminationGracePeriodSeconds": 10
            }
        }))
        .unwrap();
        assert_eq!(compute_hash(&t, None), "7b6bffcc8c");
        assert_eq!(compute_hash(&template("nginx:1.14"), None), "84fbff8c68");
        assert_eq!(compute_hash(&template("nginx:1.14"), Some(2)), "66d888b658");
    }

    #[test]
    fn encodes_digits_like_kubernetes() {
        assert_eq!(safe_encode("4146384978"), "858b7d8fcd");
    }

    #[test]
    fn same_template_same_hash_different_template_different_hash() {
        let a = compute_hash(&template("nginx:1.14"), None);
        assert_eq!(a, compute_hash(&template("nginx:1.14"), None));
        assert_ne!(a, compute_hash(&template("nginx:1.15"), None));
        assert_ne!(a, compute_hash(&template("nginx:1.14"), Some(1)));
        assert!((1..=10).contains(&a.len()));
        assert!(a.chars().all(|c| "456789bcdf".contains(c)), "{a}");
    }

    #[test]
    fn the_hash_label_is_ignored_when_comparing() {
        let a = template("nginx:1.14");
        let mut b = a.clone();
        b.metadata
            .as_mut()
            .and_then(|m| m.labels.as_mut())
            .map(|l| l.insert(POD_TEMPLATE_HASH.into(), "858b7d8fcd".into()));
        assert!(equal_ignore_hash(&a, &b));
        assert!(!equal_ignore_hash(&a, &template("nginx:1.15")));
    }

    #[test]
    fn empty_annotations_equal_absent_ones_and_other_metadata_counts() {
        let a = template("nginx:1.14");
        let mut b = a.clone();
        b.metadata.as_mut().unwrap().annotations = Some(Default::default());
        assert!(equal_ignore_hash(&a, &b));
        b.metadata.as_mut().unwrap().annotations = Some([("k".into(), "v".into())].into());
        assert!(!equal_ignore_hash(&a, &b));
        let mut c = a.clone();
        c.metadata.as_mut().unwrap().name = Some("x".into());
        assert!(!equal_ignore_hash(&a, &c));
        let mut d = a.clone();
        d.metadata
            .as_mut()
            .and_then(|m| m.labels.as_mut())
            .map(|l| l.insert("tier".into(), "db".into()));
        assert!(!equal_ignore_hash(&a, &d));
    }
}
