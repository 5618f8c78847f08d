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

/// Applies an RFC 7386 JSON merge patch (`kubectl patch --type merge`): objects merge key by
/// key, `null` removes a key, anything else (lists included) replaces the target.
pub fn merge_patch(target: &Value, patch: &Value) -> Value {
    let Value::Object(p) = patch else {
        return patch.clone();
    };
    let mut out = match target {
        Value::Object(t) => t.clone(),
        _ => Map::new(),
    };
    for (k, pv) in p {
        if pv.is_null() {
            out.remove(k);
        } else {
            let merged = merge_patch(out.get(k).unwrap_or(&Value::Null), pv);
            out.insert(k.clone(), merged);
        }
    }
    Value::Object(out)
}

/// Fields whose lists of scalars merge as sets under strategic merge patch
/// (`patchStrategy:"merge"` on a `[]string`).
fn merges_scalars(field: &str) -> bool {
    matches!(field, "finalizers")
}

/// Applies a strategic merge patch (`kubectl patch`'s default type, and `kubectl edit`) to
/// `original`: like a JSON merge patch, except that lists with a patch merge key (see
/// [`merge_key`]) merge item by item, and the directives `$patch: replace|delete|merge`,
/// `$retainKeys`, `$setElementOrder/FIELD` and `$deleteFromPrimitiveList/FIELD` are honoured.
///
/// Worked example: original containers `[{name: web, image: nginx:1.14}, {name: log, image:
/// busybox}]`, patch `{containers: [{name: web, image: nginx:1.15}]}` gives `[{name: web,
/// image: nginx:1.15}, {name: log, image: busybox}]`; a JSON merge patch would have dropped
/// `log`. `Err` is the API server's message for a malformed patch.
pub fn strategic_merge_patch(original: &Value, patch: &Value) -> Result<Value, String> {
    strategic_value("", original, patch, 0)
}

fn strategic_value(
    field: &str,
    original: &Value,
    patch: &Value,
    depth: usize,
) -> Result<Value, String> {
    if depth > 64 {
        return Ok(patch.clone());
    }
    match (original, patch) {
        (_, Value::Object(p)) => {
            let o = original.as_object().cloned().unwrap_or_default();
            strategic_map(o, p, depth).map(Value::Object)
        }
        (Value::Array(o), Value::Array(p)) => strategic_list(field, o, p, depth),
        _ => Ok(patch.clone()),
    }
}

fn strategic_map(
    mut out: Map<String, Value>,
    patch: &Map<String, Value>,
    depth: usize,
) -> Result<Map<String, Value>, String> {
    match patch.get("$patch").and_then(Value::as_str) {
        Some("replace") => {
            let mut p = patch.clone();
            p.remove("$patch");
            return Ok(strip_directives(p));
        }
        Some("delete") => return Ok(Map::new()),
        Some("merge") | None => {}
        Some(other) => {
            return Err(format!(
                "Unknown patch type: {other} in map: {}",
                go_map(patch)
            ))
        }
    }
    if let Some(keys) = patch.get("$retainKeys") {
        let Some(keys) = keys.as_array() else {
            return Err("invalid patch: retainKeys must be a list".into());
        };
        let keep: Vec<&str> = keys.iter().filter_map(Value::as_str).collect();
        out.retain(|k, _| keep.contains(&k.as_str()));
    }
    for (k, pv) in patch {
        if k == "$patch" || k == "$retainKeys" || k.starts_with("$setElementOrder/") {
            continue;
        }
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            let drop: Vec<Value> = pv.as_array().cloned().unwrap_or_default();
            if let Some(Value::Array(list)) = out.get_mut(field) {
                list.retain(|v| !drop.contains(v));
            }
            continue;
        }
        if pv.is_null() {
            out.remove(k);
            continue;
        }
        let merged = match out.get(k) {
            Some(ov) => strategic_value(k, ov, pv, depth + 1)?,
            None => match pv {
                Value::Object(m) => Value::Object(strategic_map(Map::new(), m, depth + 1)?),
                Value::Array(items) => strategic_list(k, &[], items, depth + 1)?,
                _ => pv.clone(),
            },
        };
        out.insert(k.clone(), merged);
    }
    Ok(out)
}

/// Removes `$`-directives from a value that is used as it stands.
fn strip_directives(m: Map<String, Value>) -> Map<String, Value> {
    kubarium_engine::sort::collect_json_map(m.into_iter().filter(|(k, _)| !k.starts_with('$')).map(
        |(k, v)| match v {
            Value::Object(inner) => (k, Value::Object(strip_directives(inner))),
            other => (k, other),
        },
    ))
}

fn strategic_list(
    field: &str,
    original: &[Value],
    patch: &[Value],
    depth: usize,
) -> Result<Value, String> {
    // `[{"$patch": "replace"}, ...]`: the other items replace the list.
    let replace = patch
        .iter()
        .any(|i| i.get("$patch").and_then(Value::as_str) == Some("replace"));
    if replace {
        let items = patch
            .iter()
            .filter(|i| i.get("$patch").is_none())
            .cloned()
            .collect();
        return Ok(Value::Array(items));
    }
    if merges_scalars(field) && patch.iter().all(|v| !v.is_object()) {
        let mut out = original.to_vec();
        for v in patch {
            if !out.contains(v) {
                out.push(v.clone());
            }
        }
        return Ok(Value::Array(out));
    }
    let Some(key) = merge_key(field, patch).or_else(|| merge_key(field, original)) else {
        return Ok(Value::Array(patch.to_vec()));
    };
    if !patch.iter().all(Value::is_object) {
        return Ok(Value::Array(patch.to_vec()));
    }
    let mut out: Vec<Value> = original.to_vec();
    for item in patch {
        let Some(k) = item.get(key) else {
            let m = item.as_object().cloned().unwrap_or_default();
            return Err(format!(
                "map: {} does not contain declared merge key: {key}",
                go_map(&m)
            ));
        };
        let pos = out.iter().position(|o| o.get(key) == Some(k));
        let directive = item.get("$patch").and_then(Value::as_str);
        match (directive, pos) {
            (Some("delete"), Some(i)) => {
                out.remove(i);
            }
            (Some("delete"), None) => {}
            (_, Some(i)) => {
                let merged = strategic_value(field, &out[i], item, depth + 1)?;
                out[i] = merged;
            }
            (_, None) => {
                let m = item.as_object().cloned().unwrap_or_default();
                out.push(Value::Object(strategic_map(Map::new(), &m, depth + 1)?));
            }
        }
    }
    Ok(Value::Array(out))
}

/// Go's `%v` of a `map[string]interface{}`: `map[image:nginx name:web]` (keys sorted).
fn go_map(m: &Map<String, Value>) -> String {
    fn go(v: &Value) -> String {
        match v {
            Value::Object(m) => go_map(m),
            Value::Array(a) => format!("[{}]", a.iter().map(go).collect::<Vec<_>>().join(" ")),
            Value::String(s) => s.clone(),
            Value::Null => "<nil>".into(),
            other => other.to_string(),
        }
    }
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    let parts: Vec<String> = keys.iter().map(|k| format!("{k}:{}", go(&m[*k]))).collect();
    format!("map[{}]", parts.join(" "))
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
    fn json_merge_patch_rfc7386() {
        let t = json!({"a": "b", "c": {"d": "e", "f": "g"}, "l": [1, 2]});
        let p = json!({"a": "z", "c": {"f": null}, "l": [3]});
        assert_eq!(
            merge_patch(&t, &p),
            json!({"a": "z", "c": {"d": "e"}, "l": [3]})
        );
        assert_eq!(merge_patch(&json!({"a": 1}), &json!("x")), json!("x"));
    }

    #[test]
    fn strategic_patch_merges_containers_by_name() {
        let o = json!({"spec": {"containers": [
            {"name": "web", "image": "nginx:1.14", "ports": [{"containerPort": 80}]},
            {"name": "log", "image": "busybox"}]}});
        let p = json!({"spec": {"containers": [{"name": "web", "image": "nginx:1.15"}]}});
        assert_eq!(
            strategic_merge_patch(&o, &p).unwrap(),
            json!({"spec": {"containers": [
                {"name": "web", "image": "nginx:1.15", "ports": [{"containerPort": 80}]},
                {"name": "log", "image": "busybox"}]}})
        );
        let del = json!({"spec": {"containers": [{"name": "log", "$patch": "delete"}]}});
        assert_eq!(
            strategic_merge_patch(&o, &del).unwrap()["spec"]["containers"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        let add = json!({"spec": {"containers": [{"name": "side", "image": "redis"}]}});
        assert_eq!(
            strategic_merge_patch(&o, &add).unwrap()["spec"]["containers"][2]["name"],
            "side"
        );
        let replace = json!({"spec": {"containers": [{"$patch": "replace"}, {"name": "only", "image": "x"}]}});
        assert_eq!(
            strategic_merge_patch(&o, &replace).unwrap()["spec"]["containers"],
            json!([{"name": "only", "image": "x"}])
        );
        let bad = json!({"spec": {"containers": [{"image": "nginx"}]}});
        assert_eq!(
            strategic_merge_patch(&o, &bad).unwrap_err(),
            "map: map[image:nginx] does not contain declared merge key: name"
        );
        // Lists without a merge key are replaced; null removes.
        let o = json!({"spec": {"containers": [{"name": "c", "args": ["a", "b"], "tty": true}]}});
        let p = json!({"spec": {"containers": [{"name": "c", "args": ["z"], "tty": null}]}});
        assert_eq!(
            strategic_merge_patch(&o, &p).unwrap(),
            json!({"spec": {"containers": [{"name": "c", "args": ["z"]}]}})
        );
        let o = json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}});
        let p = json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}});
        assert_eq!(
            strategic_merge_patch(&o, &p).unwrap(),
            json!({"spec": {"strategy": {"type": "Recreate"}}})
        );
    }

    #[test]
    fn atomic_lists_are_replaced() {
        let m = json!({"spec": {"containers": [{"name": "c", "command": ["sleep", "10"]}]}});
        let l = json!({"spec": {"containers": [{"name": "c", "command": ["sleep", "3600", "x"]}]}});
        assert_eq!(three_way(None, &m, &l), m);
    }
}
