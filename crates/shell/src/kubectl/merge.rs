//! The three-way merge behind `kubectl apply`: what the learner applied last time
//! (`original`, from the `kubectl.kubernetes.io/last-applied-configuration` annotation), what
//! they apply now (`modified`) and what the cluster holds (`live`).
//!
//! Rules, a subset of strategic merge patch:
//! - a field in `modified` is set to its value (maps merge recursively);
//! - a field in `original` but no longer in `modified` is removed from `live`;
//! - a field only in `live` (defaults, fields other actors set) is kept;
//! - `null` in `modified` removes the field;
//! - lists of objects with a merge key merge item by item, keyed by: `name` (containers,
//!   initContainers, ephemeralContainers, env, volumes, imagePullSecrets, resourceClaims),
//!   `containerPort` (container ports), `port` (Service ports), `mountPath` (volumeMounts),
//!   `devicePath` (volumeDevices), `ip` (hostAliases), `type` (conditions), `uid`
//!   (ownerReferences); items keep `modified`'s order, live-only items follow;
//! - every other list is replaced whole (as strategic merge does for atomic lists).
//!
//! Worked example: original `{labels: {a: 1, b: 2}}`, modified `{labels: {a: 1, c: 3}}`,
//! live `{labels: {a: 1, b: 2, d: 4}}` (d added by `kubectl label`) merges to
//! `{labels: {a: 1, c: 3, d: 4}}`: b was dropped from the file, c added, d kept.

use serde_json::{Map, Value};

/// The merge key of a list field, by field name and (for `ports`) by its items.
fn merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "resourceClaims" => Some("name"),
        "ports" => {
            let has = |k: &str| items.iter().all(|i| i.get(k).is_some());
            if has("containerPort") {
                Some("containerPort")
            } else if has("port") {
                Some("port")
            } else {
                None
            }
        }
        "volumeMounts" => Some("mountPath"),
        "volumeDevices" => Some("devicePath"),
        "hostAliases" => Some("ip"),
        "conditions" => Some("type"),
        "ownerReferences" => Some("uid"),
        _ => None,
    }
}

/// Merges `modified` into `live`, removing what `original` had and `modified` dropped.
pub fn three_way(original: Option<&Value>, modified: &Value, live: &Value) -> Value {
    merge_value("", original, modified, Some(live), 0)
}

fn merge_value(
    field: &str,
    original: Option<&Value>,
    modified: &Value,
    live: Option<&Value>,
    depth: usize,
) -> Value {
    if depth > 64 {
        return modified.clone();
    }
    match (modified, live) {
        (Value::Object(m), Some(Value::Object(l))) => {
            let o = original.and_then(Value::as_object);
            Value::Object(merge_map(o, m, l, depth))
        }
        (Value::Array(m), Some(Value::Array(l))) => match merge_key(field, m) {
            Some(key) if m.iter().chain(l.iter()).all(|i| i.get(key).is_some()) => {
                let o = original.and_then(Value::as_array);
                Value::Array(merge_list(field, key, o, m, l, depth))
            }
            _ => modified.clone(),
        },
        _ => modified.clone(),
    }
}

fn merge_map(
    original: Option<&Map<String, Value>>,
    modified: &Map<String, Value>,
    live: &Map<String, Value>,
    depth: usize,
) -> Map<String, Value> {
    let mut out = live.clone();
    if let Some(o) = original {
        for k in o.keys() {
            if !modified.contains_key(k) {
                out.remove(k);
            }
        }
    }
    for (k, mv) in modified {
        if mv.is_null() {
            out.remove(k);
            continue;
        }
        let merged = merge_value(
            k,
            original.and_then(|o| o.get(k)),
            mv,
            live.get(k),
            depth + 1,
        );
        out.insert(k.clone(), merged);
    }
    out
}

fn merge_list(
    field: &str,
    key: &str,
    original: Option<&Vec<Value>>,
    modified: &[Value],
    live: &[Value],
    depth: usize,
) -> Vec<Value> {
    let find = |list: &[Value], k: &Value| list.iter().find(|i| i.get(key) == Some(k)).cloned();
    let mut out = Vec::new();
    for m in modified {
        let Some(k) = m.get(key) else { continue };
        let o = original.and_then(|o| find(o, k));
        let merged = match find(live, k) {
            Some(l) => merge_value(field, o.as_ref(), m, Some(&l), depth + 1),
            None => m.clone(),
        };
        out.push(merged);
    }
    for l in live {
        let Some(k) = l.get(key) else { continue };
        let in_modified = modified.iter().any(|m| m.get(key) == Some(k));
        let dropped = original.is_some_and(|o| o.iter().any(|i| i.get(key) == Some(k)));
        if !in_modified && !dropped {
            out.push(l.clone());
        }
    }
    out
}

/// A JSON merge patch from `from` to `to` (what kubectl shows in "error when applying patch").
pub fn diff(from: &Value, to: &Value) -> Value {
    match (from, to) {
        (Value::Object(f), Value::Object(t)) => {
            let mut out = Map::new();
            for (k, tv) in t {
                match f.get(k) {
                    Some(fv) if fv == tv => {}
                    Some(fv) => {
                        out.insert(k.clone(), diff(fv, tv));
                    }
                    None => {
                        out.insert(k.clone(), tv.clone());
                    }
                }
            }
            for k in f.keys() {
                if !t.contains_key(k) {
                    out.insert(k.clone(), Value::Null);
                }
            }
            Value::Object(out)
        }
        _ => to.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels_worked_example() {
        let o = json!({"metadata": {"labels": {"a": "1", "b": "2"}}});
        let m = json!({"metadata": {"labels": {"a": "1", "c": "3"}}});
        let l = json!({"metadata": {"labels": {"a": "1", "b": "2", "d": "4"}, "uid": "u"}});
        assert_eq!(
            three_way(Some(&o), &m, &l),
            json!({"metadata": {"labels": {"a": "1", "c": "3", "d": "4"}, "uid": "u"}})
        );
    }

    #[test]
    fn containers_merge_by_name_and_keep_defaults() {
        let o = json!({"spec": {"containers": [{"name": "web", "image": "nginx:1.25", "env": [{"name": "A", "value": "1"}]}]}});
        let m = json!({"spec": {"containers": [{"name": "web", "image": "nginx:1.26"}]}});
        let l = json!({"spec": {"containers": [{"name": "web", "image": "nginx:1.25", "imagePullPolicy": "IfNotPresent",
            "env": [{"name": "A", "value": "1"}]}]}});
        assert_eq!(
            three_way(Some(&o), &m, &l),
            json!({"spec": {"containers": [{"name": "web", "image": "nginx:1.26", "imagePullPolicy": "IfNotPresent"}]}})
        );
    }

    #[test]
    fn atomic_lists_are_replaced() {
        let m = json!({"spec": {"containers": [{"name": "c", "command": ["sleep", "10"]}]}});
        let l = json!({"spec": {"containers": [{"name": "c", "command": ["sleep", "3600", "x"]}]}});
        assert_eq!(three_way(None, &m, &l), m);
    }
}
