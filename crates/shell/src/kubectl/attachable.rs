//! The pods behind a `TYPE/NAME` argument, as kubectl's polymorphic helpers find them
//! (`SelectorsForObject`, `GetFirstPod` sorted by `podutils.ByLogging`): `kubectl logs` and
//! `kubectl port-forward` read or attach to the first one.

use super::Ctx;
use kubarium_engine::api::selector::Selector;
use kubarium_engine::api::Pod;
use kubarium_engine::{Kind, Object};

/// Go's `%T` of an object, as kubectl's errors print it: `*v1.ConfigMap`.
pub fn go_type(kind: Kind) -> String {
    format!("*{}.{}", kind.info().version, kind.info().kind)
}

/// The label selector of the pods an object stands for (`SelectorsForObject`), or its error
/// text: a Service without a selector, or a kind that has no pods.
pub fn selector_for_object(obj: &Object) -> Result<Selector, String> {
    let labels = |s: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector| {
        Selector::from_label_selector(s).map_err(|e| format!("invalid label selector: {e}"))
    };
    match obj {
        Object::Deployment(d) => labels(&d.spec.selector),
        Object::ReplicaSet(d) => labels(&d.spec.selector),
        Object::StatefulSet(d) => labels(&d.spec.selector),
        Object::DaemonSet(d) => labels(&d.spec.selector),
        Object::Job(j) => match j.spec.as_ref().and_then(|s| s.selector.as_ref()) {
            Some(s) => labels(s),
            None => Err("invalid label selector: nil".into()),
        },
        Object::ReplicationController(rc) => Ok(Selector::from_map(
            &rc.spec
                .as_ref()
                .and_then(|s| s.selector.clone())
                .unwrap_or_default(),
        )),
        Object::Service(svc) => match svc.spec.as_ref().and_then(|s| s.selector.as_ref()) {
            Some(sel) if !sel.is_empty() => Ok(Selector::from_map(sel)),
            _ => Err(format!(
                "invalid service '{}': Service is defined without a selector",
                obj.name()
            )),
        },
        other => Err(format!(
            "selector for {} not implemented",
            go_type(other.kind())
        )),
    }
}

/// The pods of a selector in the namespace, in the order kubectl picks from (roughly
/// `podutils.ByLogging`): running before others, ready before not ready, older before newer,
/// then by name. Pods being deleted are left out.
pub fn pods_by_logging(ctx: &Ctx, ns: &str, sel: &Selector) -> Vec<Pod> {
    let mut pods: Vec<Pod> = ctx
        .cluster
        .api_ref()
        .store()
        .list(Kind::Pod, Some(ns))
        .filter_map(|o| o.as_::<Pod>().cloned())
        .filter(|p| {
            p.metadata.deletion_timestamp.is_none() && sel.matches(p.metadata.labels.as_ref())
        })
        .collect();
    let rank = |p: &Pod| {
        let status = p.status.as_ref();
        let running = status.and_then(|s| s.phase.as_deref()) == Some("Running");
        let ready = status
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
        let created = p
            .metadata
            .creation_timestamp
            .as_ref()
            .map(|t| t.0.as_second())
            .unwrap_or(0);
        (
            !running,
            !ready,
            created,
            p.metadata.name.clone().unwrap_or_default(),
        )
    };
    kubarium_engine::sort::sort_by_key(&mut pods, rank);
    pods
}
