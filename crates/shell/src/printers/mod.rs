//! Output printers: what `kubectl get -o yaml|json|jsonpath=…|custom-columns=…` and the
//! default table print, byte for byte.
//!
//! All printers are pure functions over objects shaped exactly as the Kubernetes API returns
//! them (`serde_json::Value`). When `kubectl get` prints more than one object (or a whole
//! collection), it wraps them in a `List` first; [`kubectl_list`] builds that wrapper, and the
//! YAML, JSON and jsonpath printers expect to be handed it.

pub mod custom_columns;
pub mod duration;
mod go_fmt;
pub mod json;
pub mod jsonpath;
pub mod table;
pub mod tabwriter;
pub mod yaml;

use serde_json::{json, Value};

/// The list `kubectl get` prints for zero or several objects:
/// `{"apiVersion":"v1","items":[…],"kind":"List","metadata":{"resourceVersion":""}}`.
/// `-o yaml`, `-o json` and `-o jsonpath` all run against this object, so
/// `{.items[*].metadata.name}` is how a template reaches the names.
pub fn kubectl_list(items: Vec<Value>) -> Value {
    json!({
        "apiVersion": "v1",
        "items": items,
        "kind": "List",
        "metadata": {"resourceVersion": ""},
    })
}
