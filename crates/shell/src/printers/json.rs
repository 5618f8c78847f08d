//! `kubectl get -o json`: Go's `json.MarshalIndent(obj, "", "    ")` plus a newline.
//!
//! Keys come out sorted (Go marshals `map[string]interface{}` in key order), empty objects and
//! arrays stay `{}` and `[]`, and strings are escaped as Go escapes them, including the HTML
//! characters: `<` `>` `&` print as `\u003c` `\u003e` `\u0026`.

use serde_json::Value;

use super::go_fmt::{json_number, sorted_keys};

/// What `kubectl get -o json` prints for one object (or for the `List` built by
/// [`super::kubectl_list`]): four-space indentation and a trailing newline.
pub fn to_json(v: &Value) -> String {
    let mut out = String::new();
    write_value(v, Some("    "), 0, &mut out);
    out.push('\n');
    out
}

/// Go's compact `json.Marshal`, no trailing newline: how jsonpath prints a map or a list
/// (`{.metadata.labels}` → `{"app":"web"}`).
pub fn to_json_compact(v: &Value) -> String {
    let mut out = String::new();
    write_value(v, None, 0, &mut out);
    out
}

/// `json.MarshalIndent` with a custom indent unit, used by `-o jsonpath-as-json`.
pub(crate) fn to_json_indented(v: &Value, unit: &str) -> String {
    let mut out = String::new();
    write_value(v, Some(unit), 0, &mut out);
    out
}

fn newline(indent: Option<&str>, depth: usize, out: &mut String) {
    if let Some(unit) = indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(unit);
        }
    }
}

fn write_value(v: &Value, indent: Option<&str>, depth: usize, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&json_number(n)),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(indent, depth + 1, out);
                write_value(item, indent, depth + 1, out);
            }
            newline(indent, depth, out);
            out.push(']');
        }
        Value::Object(m) => {
            if m.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, k) in sorted_keys(m).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(indent, depth + 1, out);
                write_string(k, out);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_value(&m[k.as_str()], indent, depth + 1, out);
            }
            newline(indent, depth, out);
            out.push('}');
        }
    }
}

/// A JSON string literal escaped like Go's `encoding/json` with HTML escaping on
/// (`\b` and `\f` short forms as since Go 1.22, other controls as lowercase `\u00XX`).
pub(crate) fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pod_prints_with_four_space_indent_and_sorted_keys() {
        let pod = json!({
            "kind": "Pod",
            "apiVersion": "v1",
            "metadata": {"name": "web", "labels": {}},
            "spec": {"containers": [{"name": "web", "image": "nginx", "ports": []}]}
        });
        let expected = r#"{
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "labels": {},
        "name": "web"
    },
    "spec": {
        "containers": [
            {
                "image": "nginx",
                "name": "web",
                "ports": []
            }
        ]
    }
}
"#;
        assert_eq!(to_json(&pod), expected);
    }

    #[test]
    fn html_characters_are_escaped_like_go() {
        let v = json!({"cmd": "a<b && c>d", "ctl": "\u{1}\u{8}\u{c}\t", "q": "say \"hi\"\\"});
        assert_eq!(
            to_json_compact(&v),
            r#"{"cmd":"a\u003cb \u0026\u0026 c\u003ed","ctl":"\u0001\b\f\t","q":"say \"hi\"\\"}"#
        );
    }

    #[test]
    fn numbers_print_as_go_decodes_them() {
        let v = json!({"a": 2.0, "b": 0.5, "c": -7, "d": 1e21, "e": 1e-7});
        assert_eq!(
            to_json_compact(&v),
            r#"{"a":2,"b":0.5,"c":-7,"d":1e+21,"e":1e-7}"#
        );
    }

    #[test]
    fn scalars_and_unicode() {
        assert_eq!(to_json(&json!("한글")), "\"한글\"\n");
        assert_eq!(to_json(&Value::Null), "null\n");
        assert_eq!(to_json(&json!([])), "[]\n");
    }
}
