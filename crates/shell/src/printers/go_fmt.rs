//! How Go formats the values kubectl prints: numbers as `strconv`/`encoding/json` write them,
//! and whole values as `fmt` writes them with `%v`, `%#v` and `%q`.
//!
//! kubectl never sees a `serde_json::Value`: it decodes API JSON into `map[string]interface{}`
//! where an integral number becomes `int64` and any other number `float64`
//! (`k8s.io/apimachinery/pkg/util/json`). [`GoNum`] reproduces that split so a `2.0` stored by
//! the engine prints as `2`, exactly as it would after a round trip through the API server.

use serde_json::{Map, Number, Value};

/// A JSON number as kubectl holds it after decoding: `int64` when the text is an integer that
/// fits, `float64` otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum GoNum {
    Int(i64),
    Float(f64),
}

/// Classifies a number the way unstructured decoding does. Worked example: `3.0` is written
/// by Go's encoder as `3`, which parses as `int64` 3; `1e21` is written `1e+21`, which does not,
/// so it stays a `float64`; `u64::MAX` overflows `int64` and becomes a `float64` too.
pub(crate) fn go_num(n: &Number) -> GoNum {
    if let Some(i) = n.as_i64() {
        return GoNum::Int(i);
    }
    if let Some(u) = n.as_u64() {
        return GoNum::Float(u as f64);
    }
    let f = n.as_f64().unwrap_or(0.0);
    let two_63 = 2f64.powi(63);
    if f.fract() == 0.0 && (-two_63..two_63).contains(&f) {
        GoNum::Int(f as i64)
    } else {
        GoNum::Float(f)
    }
}

/// The shortest decimal digits that round-trip `f` (which must be finite and non-zero) and the
/// position of the decimal point: `f = 0.d1d2d3… × 10^dp`. Example: 1234.5 → ("12345", 4).
fn shortest_digits(f: f64) -> (String, i32) {
    // Rust's `{:e}` prints the shortest round-trip digits, like Go's strconv with precision -1.
    let s = format!("{:e}", f.abs());
    let (mantissa, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    (digits, exp + 1)
}

/// `%e`-style with all shortest digits: `1.2345e+06`, exponent at least two digits.
fn format_e(neg: bool, digits: &str, dp: i32) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    let mut chars = digits.chars();
    out.push(chars.next().unwrap_or('0'));
    let rest: String = chars.collect();
    if !rest.is_empty() {
        out.push('.');
        out.push_str(&rest);
    }
    let exp = dp - 1;
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    let e = exp.unsigned_abs();
    if e < 10 {
        out.push('0');
    }
    out.push_str(&e.to_string());
    out
}

/// `%f`-style with exactly as many decimals as the shortest digits need.
fn format_f(neg: bool, digits: &str, dp: i32) -> String {
    let d = digits.as_bytes();
    let nd = d.len() as i32;
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if dp > 0 {
        for i in 0..dp {
            out.push(if i < nd { d[i as usize] as char } else { '0' });
        }
    } else {
        out.push('0');
    }
    let decimals = (nd - dp).max(0);
    if decimals > 0 {
        out.push('.');
        for i in 0..decimals {
            let idx = dp + i;
            out.push(if idx >= 0 && idx < nd {
                d[idx as usize] as char
            } else {
                '0'
            });
        }
    }
    out
}

/// `strconv.FormatFloat(f, 'g', -1, 64)`, which is also what `fmt`'s `%v` prints.
/// Exponent form is used when the exponent is below -4 or at least 6 (the shortest-precision
/// rule): 123456 → `123456`, 1234567 → `1.234567e+06`, 0.00001 → `1e-05`.
pub(crate) fn format_float_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let (digits, dp) = shortest_digits(f);
    let exp = dp - 1;
    if !(-4..6).contains(&exp) {
        format_e(f < 0.0, &digits, dp)
    } else {
        format_f(f < 0.0, &digits, dp)
    }
}

/// A float as Go's `encoding/json` writes it: fixed notation unless the magnitude is below
/// 1e-6 or at least 1e21, and a negative two-digit exponent loses its zero (`1e-07` → `1e-7`).
pub(crate) fn format_float_json(f: f64) -> String {
    if !f.is_finite() {
        return "null".to_string();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let abs = f.abs();
    let (digits, dp) = shortest_digits(f);
    if !(1e-6..1e21).contains(&abs) {
        let mut s = format_e(f < 0.0, &digits, dp);
        let n = s.len();
        if n >= 4
            && s.as_bytes()[n - 4] == b'e'
            && s.as_bytes()[n - 3] == b'-'
            && s.as_bytes()[n - 2] == b'0'
        {
            s.remove(n - 2);
        }
        s
    } else {
        format_f(f < 0.0, &digits, dp)
    }
}

/// A number as Go's `encoding/json` writes the decoded `int64`/`float64`.
pub(crate) fn json_number(n: &Number) -> String {
    match go_num(n) {
        GoNum::Int(i) => i.to_string(),
        GoNum::Float(f) => format_float_json(f),
    }
}

/// Object keys in Go's `encoding/json` and `fmt` map order: sorted by bytes.
pub(crate) fn sorted_keys(m: &Map<String, Value>) -> Vec<&String> {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    keys
}

/// `fmt.Sprint(v)` of a decoded JSON value: `map[a:1 b:[x y]]`, `<nil>` for null.
/// custom-columns prints every cell this way.
pub(crate) fn fmt_v(v: &Value) -> String {
    let mut out = String::new();
    write_v(v, &mut out);
    out
}

fn write_v(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&fmt_v_number(n)),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_v(item, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push_str("map[");
            for (i, k) in sorted_keys(m).into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_v(&m[k.as_str()], out);
            }
            out.push(']');
        }
    }
}

/// `%v` of a decoded number.
pub(crate) fn fmt_v_number(n: &Number) -> String {
    match go_num(n) {
        GoNum::Int(i) => i.to_string(),
        GoNum::Float(f) => format_float_g(f),
    }
}

/// `fmt.Sprintf("%#v", v)` of a decoded JSON value, as kubectl dumps the object in a
/// jsonpath execution error: `map[string]interface {}{"kind":"Pod", "spec":…}`.
pub(crate) fn fmt_sharp_v(v: &Value) -> String {
    let mut out = String::new();
    write_sharp_v(v, &mut out, true);
    out
}

fn write_sharp_v(v: &Value, out: &mut String, top: bool) {
    match v {
        Value::Null => out.push_str(if top { "<nil>" } else { "interface {}(nil)" }),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&fmt_v_number(n)),
        Value::String(s) => out.push_str(&go_quote(s)),
        Value::Array(items) => {
            out.push_str("[]interface {}{");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_sharp_v(item, out, false);
            }
            out.push('}');
        }
        Value::Object(m) => {
            out.push_str("map[string]interface {}{");
            for (i, k) in sorted_keys(m).into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&go_quote(k));
                out.push(':');
                write_sharp_v(&m[k.as_str()], out, false);
            }
            out.push('}');
        }
    }
}

/// Approximates Go's `strconv.IsPrint`: graphic characters and the ASCII space.
pub(crate) fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(
        c,
        '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}' | '\u{E000}'..='\u{F8FF}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}'
    )
}

/// Go's `strconv.Quote` (what `%q` prints): double quotes, `\"`, `\\`, the C escapes, and
/// `\x`/`\u`/`\U` for anything unprintable.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_print(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Go's `%#U`: `U+0023 '#'`, or just `U+0009` when the character is not printable.
pub(crate) fn sharp_u(c: char) -> String {
    if is_print(c) {
        format!("U+{:04X} '{}'", c as u32, c)
    } else {
        format!("U+{:04X}", c as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn float_g_switches_to_exponent_at_a_million() {
        assert_eq!(format_float_g(123456.0), "123456");
        assert_eq!(format_float_g(1000000.0), "1e+06");
        assert_eq!(format_float_g(1234567.0), "1.234567e+06");
        assert_eq!(format_float_g(0.0001), "0.0001");
        assert_eq!(format_float_g(0.00001), "1e-05");
        assert_eq!(format_float_g(1.5), "1.5");
        assert_eq!(format_float_g(-2.25), "-2.25");
        assert_eq!(format_float_g(1e100), "1e+100");
        assert_eq!(format_float_g(0.1), "0.1");
    }

    #[test]
    fn json_floats_stay_fixed_until_1e21() {
        assert_eq!(format_float_json(1e20), "100000000000000000000");
        assert_eq!(format_float_json(1e21), "1e+21");
        assert_eq!(format_float_json(1e-7), "1e-7");
        assert_eq!(format_float_json(0.000001), "0.000001");
        assert_eq!(format_float_json(123456789.5), "123456789.5");
        assert_eq!(format_float_json(0.5), "0.5");
    }

    #[test]
    fn integral_floats_decode_as_int64() {
        assert_eq!(go_num(json!(3.0).as_number().unwrap()), GoNum::Int(3));
        assert_eq!(go_num(json!(3).as_number().unwrap()), GoNum::Int(3));
        assert_eq!(go_num(json!(2.5).as_number().unwrap()), GoNum::Float(2.5));
        assert_eq!(
            go_num(json!(u64::MAX).as_number().unwrap()),
            GoNum::Float(u64::MAX as f64)
        );
    }

    #[test]
    fn fmt_v_prints_maps_like_go() {
        let v = json!({"b": [1, "x", null], "a": {"c": true}, "f": 1.5});
        assert_eq!(fmt_v(&v), "map[a:map[c:true] b:[1 x <nil>] f:1.5]");
        assert_eq!(fmt_v(&Value::Null), "<nil>");
    }

    #[test]
    fn sharp_v_dumps_go_syntax() {
        let v = json!({"kind": "Pod", "items": [1, null], "m": {}});
        assert_eq!(
            fmt_sharp_v(&v),
            "map[string]interface {}{\"items\":[]interface {}{1, interface {}(nil)}, \"kind\":\"Pod\", \"m\":map[string]interface {}{}}"
        );
    }

    #[test]
    fn quote_escapes_like_strconv() {
        assert_eq!(go_quote("{.a}"), "\"{.a}\"");
        assert_eq!(go_quote("a\"b\\\n\t"), "\"a\\\"b\\\\\\n\\t\"");
        assert_eq!(go_quote("\u{1b}한"), "\"\\x1b한\"");
        assert_eq!(sharp_u('#'), "U+0023 '#'");
        assert_eq!(sharp_u('\t'), "U+0009");
    }
}
