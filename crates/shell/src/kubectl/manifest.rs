//! Reading manifests the way kubectl's resource builder does: `-f FILE`, `-f DIR` (its `.json`,
//! `.yaml` and `.yml` files, `-R` for subdirectories), `-f -` (standard input), several `-f`;
//! multi-document YAML (`---`), JSON, and `kind: List` flattened into its items.
//!
//! Everything is read and checked before anything is sent to the cluster: a syntax error,
//! a document without `kind`, or a kind the cluster does not serve stops the whole command
//! with the cluster unchanged. (kubectl streams, so objects before a bad document may
//! already have been created; for a learner an all-or-nothing answer is clearer.)
//!
//! Hostile input is bounded: one document may hold at most [`MAX_DOCUMENT_BYTES`] (the API
//! server's request limit), nesting deeper than 128 levels and alias expansion beyond 100
//! times the document's size are errors (serde_yaml's limits; see the tests).

// Modules the write verbs share. They are declared here because kubectl/mod.rs belongs to
// another author; move these lines there (without the paths) when convenient.

use super::Ctx;
use kubarium_engine::api::decode::decode_object;
use kubarium_engine::{ApiError, Kind, Object};
use serde::Deserialize;
use serde_json::{Map, Value};

/// The API server refuses request bodies larger than 3 MiB.
pub const MAX_DOCUMENT_BYTES: usize = 3 * 1024 * 1024;

/// Where `-f -` documents say they come from in messages.
pub const STDIN_SOURCE: &str = "STDIN";

/// One object read from a manifest.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    /// The file as named in messages (`pod.yaml`, `dir/pod.yaml`, `STDIN`).
    pub source: String,
    /// The document as JSON, exactly as written (no defaults, no namespace added).
    pub value: Value,
    /// The kind it maps to.
    pub kind: Kind,
}

impl Manifest {
    /// `metadata.name` as written (empty when missing).
    pub fn name(&self) -> &str {
        self.value
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
    /// `metadata.namespace` as written (empty when missing).
    pub fn namespace(&self) -> &str {
        self.value
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// Decodes the document strictly, as the API server does with `fieldValidation=Strict`.
    /// The error is the server's BadRequest, worded for `action` (`creating`, `replacing`):
    /// `Error from server (BadRequest): error when creating "x.yaml": Pod in version "v1"
    /// cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagee"`.
    pub fn decode(&self, action: &str) -> Result<Object, String> {
        let size = serde_json::to_string(&self.value)
            .map(|s| s.len())
            .unwrap_or(0);
        if size > MAX_DOCUMENT_BYTES {
            return Err(format!(
                "Error from server (RequestEntityTooLarge): error when {action} {:?}: Request entity too large: limit is {MAX_DOCUMENT_BYTES}",
                self.source
            ));
        }
        decode_object(self.value.clone()).map_err(|e| {
            let info = self.kind.info();
            let err = ApiError::decode(info.kind, info.version, &e);
            super::errors::api_error_with_source(&err, action, &self.source)
        })
    }
}

/// Bundled copies of well-known addon manifests (`kubectl apply -f https://...`): the page
/// works offline, so a URL can only be served from here (see [`crate::addons`]).
pub fn bundled_url(url: &str) -> Option<&'static str> {
    crate::addons::lookup(url)
}

/// Reads every `-f` argument. `Err` is the complete message kubectl prints (without the
/// trailing newline), e.g. `error: the path "x.yaml" does not exist`.
pub fn load(ctx: &Ctx, filenames: &[String], recursive: bool) -> Result<Vec<Manifest>, String> {
    let mut out = Vec::new();
    for name in filenames {
        for (source, text) in read_source(ctx, name, recursive)? {
            out.extend(parse_source(&source, &text)?);
        }
    }
    Ok(out)
}

/// Files named by one `-f` argument, with their text.
fn read_source(ctx: &Ctx, name: &str, recursive: bool) -> Result<Vec<(String, String)>, String> {
    if name == "-" {
        return Ok(vec![(STDIN_SOURCE.to_string(), ctx.io.stdin.to_string())]);
    }
    if name.starts_with("http://") || name.starts_with("https://") {
        return match bundled_url(name) {
            Some(text) => Ok(vec![(name.to_string(), text.to_string())]),
            None => Err(format!("error: unable to read URL {name:?}, server reported 404 Not Found, status code=404")),
        };
    }
    let vfs = &*ctx.io.vfs;
    let abs = vfs.resolve(ctx.io.cwd, name);
    if !vfs.exists(&abs) {
        return Err(format!("error: the path {name:?} does not exist"));
    }
    if !vfs.is_dir(&abs) {
        let text = vfs
            .read(&abs)
            .map_err(|e| format!("error: open {name}: {}", e.to_string().to_lowercase()))?;
        return Ok(vec![(name.to_string(), text)]);
    }
    let mut files = Vec::new();
    collect_dir(ctx, &abs, name.trim_end_matches('/'), recursive, &mut files);
    if files.is_empty() {
        return Err(format!(
            "error: error reading [{name}]: recognized file extensions are [.json .yaml .yml]"
        ));
    }
    Ok(files)
}

fn collect_dir(
    ctx: &Ctx,
    abs: &str,
    shown: &str,
    recursive: bool,
    out: &mut Vec<(String, String)>,
) {
    let vfs = &*ctx.io.vfs;
    let Ok(entries) = vfs.list(abs) else { return };
    for entry in entries {
        let child_abs = format!("{}/{entry}", abs.trim_end_matches('/'));
        let child_shown = format!("{shown}/{entry}");
        if vfs.is_dir(&child_abs) {
            if recursive {
                collect_dir(ctx, &child_abs, &child_shown, recursive, out);
            }
        } else if [".json", ".yaml", ".yml"]
            .iter()
            .any(|ext| entry.ends_with(ext))
        {
            if let Ok(text) = vfs.read(&child_abs) {
                out.push((child_shown, text));
            }
        }
    }
}

/// Parses one file: its documents, Lists flattened, empty documents skipped, kinds resolved.
pub fn parse_source(source: &str, text: &str) -> Result<Vec<Manifest>, String> {
    let docs = parse_documents(text).map_err(|e| format!("error: error parsing {source}: {e}"))?;
    let mut out = Vec::new();
    for doc in docs {
        flatten(source, doc, &mut out, 0)?;
    }
    Ok(out)
}

fn flatten(source: &str, doc: Value, out: &mut Vec<Manifest>, depth: usize) -> Result<(), String> {
    let Value::Object(map) = &doc else {
        let what = match &doc {
            Value::Array(_) => "array",
            Value::String(_) => "string",
            Value::Number(_) => "number",
            Value::Bool(_) => "bool",
            _ => "value",
        };
        return Err(format!(
            "error: error parsing {source}: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {what} into Go value of type map[string]interface {{}}"
        ));
    };
    let kind = map.get("kind").and_then(Value::as_str).unwrap_or("");
    if kind.is_empty() {
        return Err(format!(
            "error: unable to decode {source:?}: Object 'Kind' is missing in '{}'",
            crate::printers::json::to_json_compact(&doc)
        ));
    }
    let api_version = map.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    if kind.ends_with("List") && map.contains_key("items") && depth < 4 {
        if let Some(Value::Array(items)) = map.get("items") {
            for item in items.clone() {
                flatten(source, item, out, depth + 1)?;
            }
        }
        return Ok(());
    }
    let Some(k) = Kind::from_api_version_kind(api_version, kind) else {
        let name = doc
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let ns = doc
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        return Err(format!(
            "error: resource mapping not found for name: {name:?} namespace: {ns:?} from {source:?}: no matches for kind {kind:?} in version {api_version:?}\nensure CRDs are installed first"
        ));
    };
    out.push(Manifest {
        source: source.to_string(),
        value: doc,
        kind: k,
    });
    Ok(())
}

/// Splits YAML (or JSON) text into its non-empty documents, converted to JSON the way
/// `sigs.k8s.io/yaml` converts them (non-string keys become strings). The error reads like
/// kubectl's: `error converting YAML to JSON: yaml: line 3: mapping values are not allowed in this context`.
pub fn parse_documents(text: &str) -> Result<Vec<Value>, String> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') && serde_json::from_str::<Value>(text).is_ok() {
        let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        check_size(&v)?;
        return Ok(vec![v]);
    }
    let mut docs = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let v = serde_yaml::Value::deserialize(doc).map_err(|e| yaml_error_text(&e, text))?;
        let json = yaml_to_json(v);
        if json.is_null() {
            continue;
        }
        check_size(&json)?;
        docs.push(json);
    }
    Ok(docs)
}

fn check_size(v: &Value) -> Result<(), String> {
    let n = serde_json::to_string(v)
        .map(|s| s.len())
        .unwrap_or(usize::MAX);
    if n > MAX_DOCUMENT_BYTES {
        return Err(format!("document too large: limit is {MAX_DOCUMENT_BYTES} bytes (the API server's request limit)"));
    }
    Ok(())
}

/// Words a serde_yaml error as go-yaml does. go-yaml numbers lines from 1 for scanner
/// errors but from 0 for parser errors (a long-standing quirk users see), so parser
/// messages get one line less than serde_yaml's 1-based position.
fn yaml_error_text(e: &serde_yaml::Error, text: &str) -> String {
    let full = e.to_string();
    let msg = full.split(" at line ").next().unwrap_or(&full);
    let msg = msg.split(", while ").next().unwrap_or(msg);
    if msg == "repetition limit exceeded" {
        return "error converting YAML to JSON: yaml: document contains excessive aliasing"
            .to_string();
    }
    if let Some(key) = msg.strip_prefix("duplicate entry with key ") {
        let k = key.trim_matches('"');
        let line = duplicate_key_line(text, k).unwrap_or(1);
        return format!("error converting YAML to JSON: yaml: unmarshal errors:\n  line {line}: key \"{k}\" already set in map");
    }
    let parser_error = msg.starts_with("did not find expected key")
        || msg.starts_with("did not find expected node content")
        || msg.starts_with("did not find expected '-' indicator")
        || msg.starts_with("did not find expected ','");
    match e.location() {
        Some(loc) => {
            let line = if parser_error {
                loc.line().saturating_sub(1)
            } else {
                loc.line()
            };
            if line == 0 {
                format!("error converting YAML to JSON: yaml: {msg}")
            } else {
                format!("error converting YAML to JSON: yaml: line {line}: {msg}")
            }
        }
        None => format!("error converting YAML to JSON: yaml: {msg}"),
    }
}

/// The line of the second `key:` at the same indentation (where go-yaml reports a duplicate).
fn duplicate_key_line(text: &str, key: &str) -> Option<usize> {
    let mut seen: Vec<usize> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let t = line.trim_start().trim_start_matches("- ");
        if t.starts_with(&format!("{key}:")) || t.starts_with(&format!("\"{key}\":")) {
            if seen.contains(&indent) {
                return Some(i + 1);
            }
            seen.push(indent);
        }
    }
    None
}

/// serde_yaml's value to JSON; keys that are not strings print as go-yaml prints them.
fn yaml_to_json(v: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Null => "null".to_string(),
                    Y::Bool(b) => b.to_string(),
                    Y::Number(n) => n.to_string(),
                    other => serde_yaml::to_string(&other)
                        .unwrap_or_default()
                        .trim()
                        .to_string(),
                };
                out.insert(key, yaml_to_json(v));
            }
            Value::Object(out)
        }
        Y::Tagged(t) => yaml_to_json(t.value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse_source("x.yaml", text).unwrap_err()
    }

    #[test]
    fn syntax_errors_read_like_go_yaml() {
        assert_eq!(
            err("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels: a: b\n"),
            "error: error parsing x.yaml: error converting YAML to JSON: yaml: line 5: mapping values are not allowed in this context"
        );
        assert_eq!(
            err("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n labels:\n"),
            "error: error parsing x.yaml: error converting YAML to JSON: yaml: line 4: did not find expected key"
        );
        assert_eq!(
            err("a:\n\tb: c\n"),
            "error: error parsing x.yaml: error converting YAML to JSON: yaml: line 2: found character that cannot start any token"
        );
        assert_eq!(
            err("kind: Pod\nkind: Pod\n"),
            "error: error parsing x.yaml: error converting YAML to JSON: yaml: unmarshal errors:\n  line 2: key \"kind\" already set in map"
        );
    }

    #[test]
    fn documents_lists_and_kinds() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n---\n# only a comment\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: b\n";
        let ms = parse_source("x.yaml", text).unwrap();
        assert_eq!(
            ms.iter().map(|m| (m.kind, m.name())).collect::<Vec<_>>(),
            vec![(Kind::Pod, "a"), (Kind::ConfigMap, "b")]
        );
        let json = parse_source(
            "x.json",
            r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"n"}}"#,
        )
        .unwrap();
        assert_eq!(json[0].kind, Kind::Namespace);
    }

    #[test]
    fn missing_and_unknown_kinds() {
        assert_eq!(
            err("apiVersion: v1\nmetadata:\n  name: x\n"),
            "error: unable to decode \"x.yaml\": Object 'Kind' is missing in '{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"x\"}}'"
        );
        assert_eq!(
            err("apiVersion: v1\nkind: Foo\nmetadata:\n  name: x\n"),
            "error: resource mapping not found for name: \"x\" namespace: \"\" from \"x.yaml\": no matches for kind \"Foo\" in version \"v1\"\nensure CRDs are installed first"
        );
    }

    #[test]
    fn billion_laughs_fails_fast() {
        let mut lol = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let mut prev = "a".to_string();
        for n in ["b", "c", "d", "e", "f", "g", "h", "i"] {
            lol.push_str(&format!("{n}: &{n} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
            prev = n.to_string();
        }
        let e = err(&lol);
        assert!(e.contains("excessive aliasing"), "{e}");
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(err(&deep).contains("recursion limit exceeded"));
        let deep_map: String = (0..10_000)
            .map(|i| format!("{}- \n", " ".repeat(i % 2)))
            .collect();
        let _ = parse_documents(&deep_map); // must return, whatever it says
    }

    #[test]
    fn oversized_documents_are_refused() {
        let big = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  k: \"{}\"\n",
            "x".repeat(MAX_DOCUMENT_BYTES + 10)
        );
        let e = err(&big);
        assert!(e.contains("limit is 3145728"), "{e}");
    }
}
