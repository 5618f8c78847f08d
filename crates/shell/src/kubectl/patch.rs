//! `kubectl patch (TYPE NAME | TYPE/NAME | -f FILE) -p PATCH [--type strategic|merge|json]`:
//! the patch is sent to the API server, which applies it to the stored object and runs the
//! ordinary update path (defaults, validation, admission). Strategic merge and JSON merge
//! patches are in [`super::merge`]; the RFC 6902 JSON patch is here ([`json_patch`]), with
//! the texts of the `evanphx/json-patch` library the API server uses.
//!
//! A failed JSON patch is answered by the API server with a bare 422 (`details: {}`), which
//! kubectl prints as `The request is invalid: the server rejected our request due to an error
//! in our request`: the operation that failed is not named, exactly as on a real cluster.

use super::errors::api_error_text;
use super::flags::{self, boolean, value, FlagSpec, Parsed};
use super::merge;
use super::print_flags::{self as pf, DryRun};
use super::Ctx;
use kubarium_engine::api::decode::decode_object;
use kubarium_engine::{ApiError, ObjectKey};
use serde_json::Value;

const FLAGS: &[FlagSpec] = &[
    value("patch", Some('p')),
    value("patch-file", None),
    value("type", None),
    value("filename", Some('f')),
    boolean("recursive", Some('R')),
    boolean("local", None),
    value("dry-run", None),
    value("output", Some('o')),
    value("subresource", None),
    boolean("record", None),
    value("field-manager", None),
    value("kustomize", Some('k')),
    boolean("allow-missing-template-keys", None),
    boolean("show-managed-fields", None),
    value("template", None),
];

/// The three patch types kubectl sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchType {
    Strategic,
    Merge,
    Json,
}

/// The bare 422 the API server answers a JSON patch it cannot apply with.
const JSON_PATCH_REJECTED: &str =
    "The request is invalid: the server rejected our request due to an error in our request";

/// Why a JSON patch did not apply (the library's text; the API server does not pass it on).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonPatchError(pub String);

/// Applies an RFC 6902 JSON patch (add, remove, replace, move, copy, test) to `doc`, as
/// `evanphx/json-patch` v4 does: `Err(BadRequest text)` when the patch is not a list of
/// operations, `Ok(Err(..))` when an operation does not apply.
pub fn json_patch(doc: &Value, patch: &Value) -> Result<Result<Value, JsonPatchError>, String> {
    let Value::Array(ops) = patch else {
        return Err(format!(
            "json: cannot unmarshal {} into Go value of type jsonpatch.Patch",
            go_json_type(patch)
        ));
    };
    let mut doc = doc.clone();
    for op in ops {
        let Value::Object(o) = op else {
            return Err(format!(
                "json: cannot unmarshal {} into Go value of type jsonpatch.Operation",
                go_json_type(op)
            ));
        };
        let kind = o.get("op").and_then(Value::as_str).unwrap_or("unknown");
        let path = o.get("path").and_then(Value::as_str);
        let from = o.get("from").and_then(Value::as_str);
        let value = o.get("value").cloned();
        let missing = |what: &str| JsonPatchError(format!("{what}: missing value"));
        let result = match kind {
            "add" => match path {
                None => Err(missing("add operation failed to decode path")),
                Some(path) => add(&mut doc, path, value.unwrap_or(Value::Null), "add"),
            },
            "remove" => match path {
                None => Err(missing("remove operation failed to decode path")),
                Some(path) => remove(&mut doc, path).map(|_| ()),
            },
            "replace" => {
                let Some(path) = path else {
                    return Ok(Err(missing(
                        "replace operation failed to decode path: operation missing path field",
                    )));
                };
                replace(&mut doc, path, value.unwrap_or(Value::Null))
            }
            "move" => {
                let (Some(from), Some(path)) = (from, path) else {
                    return Ok(Err(missing(
                        "move operation failed to decode from: operation, missing from field",
                    )));
                };
                match container(&mut doc, from) {
                    None => Err(JsonPatchError(format!(
                        "move operation does not apply: doc is missing from path: {from}: missing value"
                    ))),
                    Some(_) => match remove(&mut doc, from) {
                        Err(e) => Err(e),
                        Ok(v) => add(&mut doc, path, v, "move"),
                    },
                }
            }
            "copy" => {
                let (Some(from), Some(path)) = (from, path) else {
                    return Ok(Err(missing(
                        "copy operation failed to decode from: operation, missing from field",
                    )));
                };
                match get(&doc, from) {
                    None => Err(JsonPatchError(format!(
                        "copy operation does not apply: doc is missing from path: {from}: missing value"
                    ))),
                    Some(v) => add(&mut doc, path, v, "copy"),
                }
            }
            "test" => {
                let path = path.unwrap_or("");
                let found = if path.is_empty() {
                    Some(doc.clone())
                } else {
                    get(&doc, path)
                };
                if found == value || (found.is_none() && value == Some(Value::Null)) {
                    Ok(())
                } else {
                    Err(JsonPatchError(format!(
                        "testing value {path} failed: test failed"
                    )))
                }
            }
            other => Err(JsonPatchError(format!("Unexpected kind: {other}"))),
        };
        if let Err(e) = result {
            return Ok(Err(e));
        }
    }
    Ok(Ok(doc))
}

fn go_json_type(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Null => "null",
    }
}

/// RFC 6901 token decoding: `~1` is `/`, `~0` is `~`.
fn decode_token(t: &str) -> String {
    t.replace("~1", "/").replace("~0", "~")
}

/// The container (object or array) holding the last token of `path`, and that token
/// (`findObject`): `None` when a parent is missing or is not a container.
fn container<'a>(doc: &'a mut Value, path: &str) -> Option<(&'a mut Value, String)> {
    let parts: Vec<&str> = path.split('/').collect();
    if parts.len() < 2 {
        return None;
    }
    let mut cur = doc;
    for part in &parts[1..parts.len() - 1] {
        let key = decode_token(part);
        cur = match cur {
            Value::Object(m) => m.get_mut(&key).filter(|v| !v.is_null())?,
            Value::Array(a) => {
                let i = array_index(&key, a.len())?;
                a.get_mut(i)?
            }
            _ => return None,
        };
        if !cur.is_object() && !cur.is_array() {
            return None;
        }
    }
    Some((cur, decode_token(parts[parts.len() - 1])))
}

/// An index into an array of `len` items; negative indices count from the end.
fn array_index(key: &str, len: usize) -> Option<usize> {
    let i: i64 = key.parse().ok()?;
    let i = if i < 0 { i + len as i64 } else { i };
    (i >= 0 && (i as usize) < len).then_some(i as usize)
}

fn get(doc: &Value, path: &str) -> Option<Value> {
    let mut d = doc.clone();
    let (c, key) = container(&mut d, path)?;
    match c {
        Value::Object(m) => m.get(&key).cloned(),
        Value::Array(a) => array_index(&key, a.len()).map(|i| a[i].clone()),
        _ => None,
    }
}

fn add(doc: &mut Value, path: &str, v: Value, op: &str) -> Result<(), JsonPatchError> {
    if path.is_empty() {
        *doc = v;
        return Ok(());
    }
    let Some((c, key)) = container(doc, path) else {
        return Err(JsonPatchError(match op {
            "add" => format!("add operation does not apply: doc is missing path: {path:?}: missing value"),
            _ => format!("{op} operation does not apply: doc is missing destination path: {path}: missing value"),
        }));
    };
    let context = match op {
        "add" => format!("error in add for path: '{path}'"),
        "move" => format!("error in move for path: '{path}'"),
        _ => "error while adding value during copy".to_string(),
    };
    match c {
        Value::Object(m) => {
            m.insert(key, v);
            Ok(())
        }
        Value::Array(a) => {
            if key == "-" {
                a.push(v);
                return Ok(());
            }
            let Ok(i) = key.parse::<i64>() else {
                return Err(JsonPatchError(format!(
                    "{context}: value was not a proper array index: '{key}': strconv.Atoi: parsing {key:?}: invalid syntax"
                )));
            };
            let len = a.len() as i64 + 1;
            let idx = if i < 0 { i + len } else { i };
            if i >= len || idx < 0 {
                return Err(JsonPatchError(format!(
                    "{context}: Unable to access invalid index: {i}: invalid index referenced"
                )));
            }
            a.insert(idx as usize, v);
            Ok(())
        }
        _ => Err(JsonPatchError(format!("{context}: invalid state detected"))),
    }
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, JsonPatchError> {
    let Some((c, key)) = container(doc, path) else {
        return Err(JsonPatchError(format!(
            "remove operation does not apply: doc is missing path: {path:?}: missing value"
        )));
    };
    match c {
        Value::Object(m) => m.remove(&key).ok_or_else(|| {
            JsonPatchError(format!(
                "error in remove for path: '{path}': Unable to remove nonexistent key: {key}: missing value"
            ))
        }),
        Value::Array(a) => match array_index(&key, a.len()) {
            Some(i) => Ok(a.remove(i)),
            None => Err(JsonPatchError(format!(
                "error in remove for path: '{path}': Unable to access invalid index: {key}: invalid index referenced"
            ))),
        },
        _ => Err(JsonPatchError("invalid state detected".into())),
    }
}

fn replace(doc: &mut Value, path: &str, v: Value) -> Result<(), JsonPatchError> {
    if path.is_empty() {
        *doc = v;
        return Ok(());
    }
    let Some((c, key)) = container(doc, path) else {
        return Err(JsonPatchError(format!(
            "replace operation does not apply: doc is missing path: {path}: missing value"
        )));
    };
    match c {
        // A missing key of an object is set (the library's `get` finds nil, not an error).
        Value::Object(m) => {
            m.insert(key, v);
            Ok(())
        }
        Value::Array(a) => match array_index(&key, a.len()) {
            Some(i) => {
                a[i] = v;
                Ok(())
            }
            None => Err(JsonPatchError(format!(
                "replace operation does not apply: doc is missing key: {path}: missing value"
            ))),
        },
        _ => Err(JsonPatchError("invalid state detected".into())),
    }
}

/// Applies a patch of `ty` to the live object's JSON as the API server does. `Err` is what
/// kubectl prints.
pub fn apply_patch(live: &Value, patch: &Value, ty: PatchType) -> Result<Value, String> {
    let bad_map = |p: &Value| {
        format!(
            "Error from server (BadRequest): json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            go_json_type(p)
        )
    };
    match ty {
        PatchType::Json => match json_patch(live, patch) {
            Err(e) => Err(format!("Error from server (BadRequest): {e}")),
            Ok(Err(_)) => Err(JSON_PATCH_REJECTED.to_string()),
            Ok(Ok(v)) => Ok(v),
        },
        PatchType::Merge => {
            if !patch.is_object() {
                return Err(bad_map(patch));
            }
            Ok(merge::merge_patch(live, patch))
        }
        PatchType::Strategic => {
            if !patch.is_object() {
                return Err(bad_map(patch));
            }
            merge::strategic_merge_patch(live, patch).map_err(|e| format!("Error from server: {e}"))
        }
    }
}

/// Decodes a patched object and writes it through the API server's update path (the server
/// keeps `uid`, `creationTimestamp` and, unless the patch set one, the stored
/// `resourceVersion`). Returns the stored object, or with a client dry run what would be sent.
pub fn submit_object(
    ctx: &mut Ctx,
    key: &ObjectKey,
    mut patched: Value,
    dry: DryRun,
) -> Result<Value, ApiError> {
    let live = ctx.cluster.api_ref().get(key)?.to_value();
    if let Some(m) = patched
        .pointer_mut("/metadata")
        .and_then(Value::as_object_mut)
    {
        for f in ["uid", "creationTimestamp", "resourceVersion"] {
            if f == "resourceVersion" && m.contains_key(f) {
                continue;
            }
            if let Some(v) = live.pointer(&format!("/metadata/{f}")) {
                m.insert(f.to_string(), v.clone());
            }
        }
    }
    let info = key.kind.info();
    let object =
        decode_object(patched).map_err(|e| ApiError::decode(info.kind, info.version, &e))?;
    if dry == DryRun::Client {
        return Ok(object.to_value());
    }
    let stored = ctx.cluster.api().update(object, dry == DryRun::Server)?;
    Ok(stored.to_value())
}

/// Reads `-p` / `--patch-file` and turns YAML or JSON into JSON, as kubectl does.
fn read_patch(ctx: &mut Ctx, parsed: &Parsed) -> Result<Value, String> {
    let text =
        match (parsed.get("patch"), parsed.get("patch-file")) {
            (Some(_), Some(_)) => {
                return Err("error: cannot specify --patch and --patch-file together".into())
            }
            (Some(p), None) => p.to_string(),
            (None, Some(f)) => {
                let abs = ctx.io.vfs.resolve(ctx.io.cwd, f);
                ctx.io.vfs.read(&abs).map_err(|e| {
                    format!(
                        "error: unable to read patch file: open {f}: {}",
                        e.to_string().to_lowercase()
                    )
                })?
            }
            (None, None) => return Err(
                "error: must specify --patch or --patch-file containing the contents of the patch"
                    .into(),
            ),
        };
    if text.trim().is_empty() {
        return Err(
            "error: must specify --patch or --patch-file containing the contents of the patch"
                .into(),
        );
    }
    match super::manifest::parse_documents(&text) {
        Ok(mut docs) if docs.len() == 1 => Ok(docs.remove(0)),
        Ok(_) => Err(format!(
            "error: unable to parse {text:?}: yaml: expected a single document"
        )),
        Err(e) => Err(format!(
            "error: unable to parse {text:?}: {}",
            e.strip_prefix("error converting YAML to JSON: ")
                .unwrap_or(&e)
        )),
    }
}

/// `kubectl patch ...`.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let argv = pf::normalize_argv(argv);
    let parsed = match flags::parse(&argv, FLAGS) {
        Ok(p) => p,
        Err(e) => return pf::flag_error(ctx, "patch", &e),
    };
    let (dry, out) = match (pf::dry_run(&parsed), pf::output(ctx, &parsed)) {
        (Ok(d), Ok(o)) => (d, o),
        (Err(e), _) | (_, Err(e)) => return pf::fail(ctx, &e),
    };
    let ty = match parsed.get("type").unwrap_or("strategic") {
        "strategic" => PatchType::Strategic,
        "merge" => PatchType::Merge,
        "json" => PatchType::Json,
        other => {
            return pf::fail(
                ctx,
                &format!("--type must be one of [json merge strategic], not {other:?}"),
            )
        }
    };
    if parsed.args.is_empty() && !parsed.has("filename") {
        return pf::usage_error(
            ctx,
            "patch",
            "You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'",
        );
    }
    let patch = match read_patch(ctx, &parsed) {
        Ok(p) => p,
        Err(e) => {
            ctx.err(format!("{e}\n"));
            return 1;
        }
    };
    if parsed.is_set("local") {
        return pf::fail(ctx, "--local is not available in Kubarium yet");
    }
    if let Some(sub) = parsed.get("subresource") {
        return pf::fail(
            ctx,
            &format!("--subresource={sub} is not available in Kubarium yet"),
        );
    }
    let recorder = super::record::Recorder::from_flags(ctx, &parsed, "patch", &argv, FLAGS);
    let keys = match super::label::targets(ctx, &parsed, &parsed.args) {
        Ok(k) => k,
        Err(e) => {
            ctx.err(format!("{e}\n"));
            return 1;
        }
    };
    let mut status = 0;
    for key in keys {
        let live = match ctx.cluster.api_ref().get(&key) {
            Ok(o) => o,
            Err(e) => {
                ctx.err(format!("{}\n", api_error_text(&e)));
                status = 1;
                continue;
            }
        };
        let live_value = live.to_value();
        let mut patched = match apply_patch(&live_value, &patch, ty) {
            Ok(v) => v,
            Err(e) => {
                ctx.err(format!("{e}\n"));
                status = 1;
                continue;
            }
        };
        recorder.record_value(&mut patched);
        match submit_object(ctx, &key, patched, dry) {
            Ok(result) => {
                let changed =
                    without_resource_version(&result) != without_resource_version(&live_value);
                let operation = if changed {
                    "patched"
                } else {
                    "patched (no change)"
                };
                pf::print_result(
                    ctx, &out, key.kind, &key.name, operation, dry, &result, None,
                );
            }
            Err(e) => {
                ctx.err(format!("{}\n", api_error_text(&e)));
                status = 1;
            }
        }
    }
    status
}

/// An object without its `resourceVersion`, to tell "patched" from "patched (no change)".
fn without_resource_version(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(m) = v.pointer_mut("/metadata").and_then(Value::as_object_mut) {
        m.remove("resourceVersion");
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn apply(doc: Value, patch: Value) -> Result<Value, String> {
        match json_patch(&doc, &patch) {
            Err(e) => Err(e),
            Ok(Err(e)) => Err(e.0),
            Ok(Ok(v)) => Ok(v),
        }
    }

    #[test]
    fn rfc6902_operations() {
        let doc = json!({"spec": {"containers": [{"name": "a", "image": "nginx"}], "replicas": 1}});
        assert_eq!(
            apply(
                doc.clone(),
                json!([{"op": "replace", "path": "/spec/containers/0/image", "value": "busybox"}])
            )
            .unwrap()["spec"]["containers"][0]["image"],
            "busybox"
        );
        assert_eq!(
            apply(
                doc.clone(),
                json!([{"op": "add", "path": "/spec/containers/-", "value": {"name": "b"}}])
            )
            .unwrap()["spec"]["containers"][1]["name"],
            "b"
        );
        assert_eq!(
            apply(
                doc.clone(),
                json!([{"op": "remove", "path": "/spec/replicas"}])
            )
            .unwrap(),
            json!({"spec": {"containers": [{"name": "a", "image": "nginx"}]}})
        );
        assert_eq!(
            apply(
                doc.clone(),
                json!([{"op": "copy", "from": "/spec/replicas", "path": "/spec/r2"},
                                      {"op": "move", "from": "/spec/r2", "path": "/spec/r3"}])
            )
            .unwrap()["spec"]["r3"],
            1
        );
        assert!(apply(
            doc.clone(),
            json!([{"op": "test", "path": "/spec/replicas", "value": 1}])
        )
        .is_ok());
        assert_eq!(
            apply(
                doc.clone(),
                json!([{"op": "test", "path": "/spec/replicas", "value": 2}])
            )
            .unwrap_err(),
            "testing value /spec/replicas failed: test failed"
        );
    }

    #[test]
    fn library_error_texts() {
        // The seed's patch: a ReplicaSet has no /spec/containers.
        let rs = json!({"spec": {"replicas": 3, "template": {"spec": {"containers": []}}}});
        assert_eq!(
            apply(rs.clone(), json!([{"op": "replace", "path": "/spec/containers/0/image", "value": "busybox"}]))
                .unwrap_err(),
            "replace operation does not apply: doc is missing path: /spec/containers/0/image: missing value"
        );
        assert_eq!(
            apply(
                rs.clone(),
                json!([{"op": "add", "path": "/spec/x/y", "value": 1}])
            )
            .unwrap_err(),
            "add operation does not apply: doc is missing path: \"/spec/x/y\": missing value"
        );
        assert_eq!(
            apply(rs.clone(), json!([{"op": "remove", "path": "/spec/nope"}])).unwrap_err(),
            "error in remove for path: '/spec/nope': Unable to remove nonexistent key: nope: missing value"
        );
        assert_eq!(
            json_patch(&rs, &json!({"op": "add"})).unwrap_err(),
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch"
        );
        assert_eq!(
            apply_patch(&rs, &json!([{"op": "replace", "path": "/spec/containers/0/image", "value": "busybox"}]), PatchType::Json)
                .unwrap_err(),
            "The request is invalid: the server rejected our request due to an error in our request"
        );
    }
}
