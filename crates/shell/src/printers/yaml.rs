//! `kubectl get -o yaml`: `sigs.k8s.io/yaml.Marshal`, which marshals to JSON and re-emits the
//! result with go-yaml v2 (`go.yaml.in/yaml/v2`).
//!
//! The emitter below follows go-yaml v2's libyaml port state by state, because the details
//! users see come from it:
//!
//! - block style with 2-space indent; a list under a key is not indented
//!   (`containers:\n- image: nginx\n  name: web`); `{}` and `[]` for empty collections;
//! - keys in go-yaml's "natural" order, where digit runs compare as numbers
//!   (`file2` before `file10`);
//! - YAML 1.1 quoting: a string that would read back as something else (`"80"`, `"yes"`,
//!   `"on"`, `"~"`, `""`, `"1.0"`, `"0x1F"`, `"12:30"`, a timestamp such as
//!   `"2024-01-15T10:00:00Z"`) is double-quoted; one that merely cannot be plain (`'a: b'`,
//!   `'- x'`, `'#x'`, `' padded'`) is single-quoted; tabs, emoji and other unprintables force
//!   double quotes with escapes;
//! - a string containing a newline is a literal block (`|`, `|-` without a final newline,
//!   `|+` with several), unless a line has trailing spaces, which forces double quotes;
//! - plain and quoted scalars are folded at spaces once a line passes 80 columns.

use serde_json::{Map, Value};

use super::go_fmt::{format_float_g, go_num, GoNum};

/// What `kubectl get -o yaml` prints for one object (or for the `List` built by
/// [`super::kubectl_list`]). Always ends with a newline.
pub fn to_yaml(v: &Value) -> String {
    let mut e = Emitter::new();
    e.emit_node(v, true, false, false, false);
    // DOCUMENT-END: an implicit document just ends the last line.
    e.write_indent();
    String::from_utf8_lossy(&e.out).into_owned()
}

/// Several objects printed one after the other by the YAML printer: every object after the
/// first is preceded by `---` (kubectl's printer counts the objects it prints).
pub fn to_yaml_documents(items: &[Value]) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&to_yaml(item));
    }
    out
}

const BEST_INDENT: i32 = 2;
const BEST_WIDTH: usize = 80;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

/// What the emitter's scalar analysis allows for one value (`yaml_emitter_analyze_scalar`).
#[derive(Debug, Clone, Copy)]
struct Analysis {
    multiline: bool,
    flow_plain_allowed: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

/// The emitter state of go-yaml v2 that affects the bytes written.
struct Emitter {
    out: Vec<u8>,
    column: usize,
    indent: i32,
    indents: Vec<i32>,
    whitespace: bool,
    indention: bool,
    flow_level: usize,
    mapping_context: bool,
    simple_key_context: bool,
}

fn at(v: &[u8], i: usize) -> u8 {
    v.get(i).copied().unwrap_or(0)
}

fn width(b: u8) -> usize {
    if b & 0x80 == 0 {
        1
    } else if b & 0xE0 == 0xC0 {
        2
    } else if b & 0xF0 == 0xE0 {
        3
    } else if b & 0xF8 == 0xF0 {
        4
    } else {
        1
    }
}

fn is_space(v: &[u8], i: usize) -> bool {
    at(v, i) == b' '
}

fn is_blank(v: &[u8], i: usize) -> bool {
    matches!(at(v, i), b' ' | b'\t')
}

fn is_break(v: &[u8], i: usize) -> bool {
    let b = at(v, i);
    b == b'\r'
        || b == b'\n'
        || (b == 0xC2 && at(v, i + 1) == 0x85)
        || (b == 0xE2 && at(v, i + 1) == 0x80 && (at(v, i + 2) == 0xA8 || at(v, i + 2) == 0xA9))
}

fn is_blankz(v: &[u8], i: usize) -> bool {
    is_blank(v, i) || is_break(v, i) || at(v, i) == 0
}

/// libyaml's printable set: no C0 controls but `\n`, no DEL, no C1, no BOM, no
/// non-characters, and no 4-byte characters at all (emoji get `\U` escapes).
fn is_printable(v: &[u8], i: usize) -> bool {
    let b = at(v, i);
    let b1 = at(v, i + 1);
    let b2 = at(v, i + 2);
    b == 0x0A
        || (0x20..=0x7E).contains(&b)
        || (b == 0xC2 && b1 >= 0xA0)
        || (b > 0xC2 && b < 0xED)
        || (b == 0xED && b1 < 0xA0)
        || b == 0xEE
        || (b == 0xEF && !(b1 == 0xBB && b2 == 0xBF) && !(b1 == 0xBF && (b2 == 0xBE || b2 == 0xBF)))
}

/// libyaml checks for a BOM at the start of the value, whatever the position asked about.
fn starts_with_bom(v: &[u8]) -> bool {
    v.len() >= 3 && v[0] == 0xEF && v[1] == 0xBB && v[2] == 0xBF
}

fn analyze(value: &[u8]) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            flow_plain_allowed: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators = false;
    let mut flow_indicators = false;
    let mut line_breaks = false;
    let mut special_characters = false;
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut previous_space = false;
    let mut previous_break = false;

    if value.starts_with(b"---") || value.starts_with(b"...") {
        block_indicators = true;
        flow_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    let mut i = 0;
    while i < value.len() {
        let w = width(value[i]);
        let followed_by_whitespace = i + w >= value.len() || is_blank(value, i + w);
        if i == 0 {
            match value[i] {
                b'#' | b',' | b'[' | b']' | b'{' | b'}' | b'&' | b'*' | b'!' | b'|' | b'>'
                | b'\'' | b'"' | b'%' | b'@' | b'`' => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                b'?' | b':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                b'-' if followed_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        } else {
            match value[i] {
                b',' | b'?' | b'[' | b']' | b'{' | b'}' => flow_indicators = true,
                b':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                b'#' if preceded_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        }
        if !is_printable(value, i) {
            special_characters = true;
        }
        if is_space(value, i) {
            if i == 0 {
                leading_space = true;
            }
            if i + w == value.len() {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(value, i) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + w == value.len() {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(value, i);
        i += w;
    }

    let mut a = Analysis {
        multiline: line_breaks,
        flow_plain_allowed: true,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special_characters {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if flow_indicators {
        a.flow_plain_allowed = false;
    }
    if block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

impl Emitter {
    fn new() -> Self {
        Emitter {
            out: Vec::new(),
            column: 0,
            indent: -1,
            indents: Vec::new(),
            whitespace: true,
            indention: true,
            flow_level: 0,
            mapping_context: false,
            simple_key_context: false,
        }
    }

    fn put(&mut self, b: u8) {
        self.out.push(b);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push(b'\n');
        self.column = 0;
    }

    /// Copies one UTF-8 character; a character counts as one column whatever its bytes.
    fn write(&mut self, v: &[u8], i: &mut usize) {
        let w = width(v[*i]).min(v.len() - *i);
        self.out.extend_from_slice(&v[*i..*i + w]);
        self.column += 1;
        *i += w;
    }

    fn write_all(&mut self, s: &[u8]) {
        let mut i = 0;
        while i < s.len() {
            self.write(s, &mut i);
        }
    }

    fn write_break(&mut self, v: &[u8], i: &mut usize) {
        if v[*i] == b'\n' {
            self.put_break();
            *i += 1;
        } else {
            self.write(v, i);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(b' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &[u8],
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(b' ');
        }
        self.write_all(indicator);
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn emit_node(
        &mut self,
        v: &Value,
        _root: bool,
        _sequence: bool,
        mapping: bool,
        simple_key: bool,
    ) {
        self.mapping_context = mapping;
        self.simple_key_context = simple_key;
        match v {
            Value::Array(items) => self.emit_sequence(items),
            Value::Object(m) => self.emit_mapping(m),
            _ => {
                let (text, style) = scalar_event(v);
                self.emit_scalar(&text, style);
            }
        }
    }

    fn emit_sequence(&mut self, items: &[Value]) {
        if self.flow_level > 0 || items.is_empty() {
            self.write_indicator(b"[", true, true, false);
            self.increase_indent(true, false);
            self.flow_level += 1;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    self.write_indicator(b",", false, false, false);
                }
                if self.column > BEST_WIDTH {
                    self.write_indent();
                }
                self.emit_node(item, false, true, false, false);
            }
            self.flow_level -= 1;
            self.pop_indent();
            self.write_indicator(b"]", false, false, false);
            return;
        }
        let indentless = self.mapping_context && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator(b"-", true, false, true);
            self.emit_node(item, false, true, false, false);
        }
        self.pop_indent();
    }

    fn emit_mapping(&mut self, m: &Map<String, Value>) {
        let keys = natural_sorted_keys(m);
        if self.flow_level > 0 || keys.is_empty() {
            self.write_indicator(b"{", true, true, false);
            self.increase_indent(true, false);
            self.flow_level += 1;
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    self.write_indicator(b",", false, false, false);
                }
                if self.column > BEST_WIDTH {
                    self.write_indent();
                }
                let key = Value::String((*k).clone());
                if is_simple_key(k) {
                    self.emit_node(&key, false, false, true, true);
                    self.write_indicator(b":", false, false, false);
                } else {
                    self.write_indicator(b"?", true, false, false);
                    self.emit_node(&key, false, false, true, false);
                    if self.column > BEST_WIDTH {
                        self.write_indent();
                    }
                    self.write_indicator(b":", true, false, false);
                }
                self.emit_node(&m[k.as_str()], false, false, true, false);
            }
            self.flow_level -= 1;
            self.pop_indent();
            self.write_indicator(b"}", false, false, false);
            return;
        }
        self.increase_indent(false, false);
        for k in keys {
            self.write_indent();
            let key = Value::String(k.clone());
            if is_simple_key(k) {
                self.emit_node(&key, false, false, true, true);
                self.write_indicator(b":", false, false, false);
            } else {
                self.write_indicator(b"?", true, false, true);
                self.emit_node(&key, false, false, true, false);
                self.write_indent();
                self.write_indicator(b":", true, false, true);
            }
            self.emit_node(&m[k.as_str()], false, false, true, false);
        }
        self.pop_indent();
    }

    fn select_style(&self, requested: Style, a: &Analysis, len: usize) -> Style {
        let mut style = requested;
        if self.simple_key_context && a.multiline {
            style = Style::DoubleQuoted;
        }
        if style == Style::Plain {
            if (self.flow_level > 0 && !a.flow_plain_allowed)
                || (self.flow_level == 0 && !a.block_plain_allowed)
            {
                style = Style::SingleQuoted;
            }
            if len == 0 && (self.flow_level > 0 || self.simple_key_context) {
                style = Style::SingleQuoted;
            }
        }
        if style == Style::SingleQuoted && !a.single_quoted_allowed {
            style = Style::DoubleQuoted;
        }
        if style == Style::Literal
            && (!a.block_allowed || self.flow_level > 0 || self.simple_key_context)
        {
            style = Style::DoubleQuoted;
        }
        style
    }

    fn emit_scalar(&mut self, text: &str, requested: Style) {
        let value = text.as_bytes();
        let a = analyze(value);
        let style = self.select_style(requested, &a, value.len());
        self.increase_indent(true, false);
        let allow_breaks = !self.simple_key_context;
        match style {
            Style::Plain => self.write_plain(value, allow_breaks),
            Style::SingleQuoted => self.write_single_quoted(value, allow_breaks),
            Style::DoubleQuoted => self.write_double_quoted(value, allow_breaks),
            Style::Literal => self.write_literal(value),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, value: &[u8], allow_breaks: bool) {
        if !self.whitespace {
            self.put(b' ');
        }
        let mut spaces = false;
        let mut breaks = false;
        let mut i = 0;
        while i < value.len() {
            if is_space(value, i) {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !is_space(value, i + 1) {
                    self.write_indent();
                    i += 1;
                } else {
                    self.write(value, &mut i);
                }
                spaces = true;
            } else if is_break(value, i) {
                if !breaks && value[i] == b'\n' {
                    self.put_break();
                }
                self.write_break(value, &mut i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write(value, &mut i);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted(&mut self, value: &[u8], allow_breaks: bool) {
        self.write_indicator(b"'", true, false, false);
        let mut spaces = false;
        let mut breaks = false;
        let mut i = 0;
        while i < value.len() {
            if is_space(value, i) {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i < value.len() - 1
                    && !is_space(value, i + 1)
                {
                    self.write_indent();
                    i += 1;
                } else {
                    self.write(value, &mut i);
                }
                spaces = true;
            } else if is_break(value, i) {
                if !breaks && value[i] == b'\n' {
                    self.put_break();
                }
                self.write_break(value, &mut i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if value[i] == b'\'' {
                    self.put(b'\'');
                }
                self.write(value, &mut i);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator(b"'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, value: &[u8], allow_breaks: bool) {
        let mut spaces = false;
        self.write_indicator(b"\"", true, false, false);
        let bom = starts_with_bom(value);
        let mut i = 0;
        while i < value.len() {
            let b = value[i];
            if !is_printable(value, i) || bom || is_break(value, i) || b == b'"' || b == b'\\' {
                let w = width(b).min(value.len() - i);
                let mut v: u32 = match w {
                    1 => (b & 0x7F) as u32,
                    2 => (b & 0x1F) as u32,
                    3 => (b & 0x0F) as u32,
                    _ => (b & 0x07) as u32,
                };
                for k in 1..w {
                    v = (v << 6) + (value[i + k] & 0x3F) as u32;
                }
                i += w;
                self.put(b'\\');
                match v {
                    0x00 => self.put(b'0'),
                    0x07 => self.put(b'a'),
                    0x08 => self.put(b'b'),
                    0x09 => self.put(b't'),
                    0x0A => self.put(b'n'),
                    0x0B => self.put(b'v'),
                    0x0C => self.put(b'f'),
                    0x0D => self.put(b'r'),
                    0x1B => self.put(b'e'),
                    0x22 => self.put(b'"'),
                    0x5C => self.put(b'\\'),
                    0x85 => self.put(b'N'),
                    0xA0 => self.put(b'_'),
                    0x2028 => self.put(b'L'),
                    0x2029 => self.put(b'P'),
                    _ => {
                        let (letter, digits) = if v <= 0xFF {
                            (b'x', 2)
                        } else if v <= 0xFFFF {
                            (b'u', 4)
                        } else {
                            (b'U', 8)
                        };
                        self.put(letter);
                        for k in (0..digits).rev() {
                            let digit = ((v >> (k * 4)) & 0x0F) as u8;
                            self.put(if digit < 10 {
                                b'0' + digit
                            } else {
                                b'A' + digit - 10
                            });
                        }
                    }
                }
                spaces = false;
            } else if is_space(value, i) {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i < value.len() - 1
                {
                    self.write_indent();
                    if is_space(value, i + 1) {
                        self.put(b'\\');
                    }
                    i += 1;
                } else {
                    self.write(value, &mut i);
                }
                spaces = true;
            } else {
                self.write(value, &mut i);
                spaces = false;
            }
        }
        self.write_indicator(b"\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_block_scalar_hints(&mut self, value: &[u8]) {
        if is_space(value, 0) || is_break(value, 0) {
            self.write_indicator(&[b'0' + BEST_INDENT as u8], false, false, false);
        }
        let chomp: Option<u8> = if value.is_empty() {
            Some(b'-')
        } else {
            let mut i = value.len() - 1;
            while i > 0 && value[i] & 0xC0 == 0x80 {
                i -= 1;
            }
            if !is_break(value, i) {
                Some(b'-')
            } else if i == 0 {
                Some(b'+')
            } else {
                i -= 1;
                while i > 0 && value[i] & 0xC0 == 0x80 {
                    i -= 1;
                }
                if is_break(value, i) {
                    Some(b'+')
                } else {
                    None
                }
            }
        };
        if let Some(c) = chomp {
            self.write_indicator(&[c], false, false, false);
        }
    }

    fn write_literal(&mut self, value: &[u8]) {
        self.write_indicator(b"|", true, false, false);
        self.write_block_scalar_hints(value);
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        let mut i = 0;
        while i < value.len() {
            if is_break(value, i) {
                self.write_break(value, &mut i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write(value, &mut i);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

/// A key is written `key: value` unless it spans lines or is over 128 bytes, in which case
/// go-yaml writes `? key` and `: value` on separate lines.
fn is_simple_key(k: &str) -> bool {
    !analyze(k.as_bytes()).multiline && k.len() <= 128
}

/// The scalar text and the style go-yaml's encoder asks for.
fn scalar_event(v: &Value) -> (String, Style) {
    match v {
        Value::Null => ("null".to_string(), Style::Plain),
        Value::Bool(b) => (
            (if *b { "true" } else { "false" }).to_string(),
            Style::Plain,
        ),
        Value::Number(n) => (yaml_number(n), Style::Plain),
        Value::String(s) => (s.clone(), string_style(s)),
        // Collections never reach here.
        _ => (String::new(), Style::Plain),
    }
}

/// A number as it comes out of JSON → go-yaml: integers verbatim, floats in Go's `%g` form
/// (`1.5`, `1e+06`). A float too large for int64 but integral and below 2^64 was written by
/// Go's JSON encoder as plain digits, which go-yaml reads back as a uint64.
fn yaml_number(n: &serde_json::Number) -> String {
    match go_num(n) {
        GoNum::Int(i) => i.to_string(),
        GoNum::Float(f) => {
            if f.fract() == 0.0 && (0.0..1.8446744073709552e19).contains(&f) {
                format!("{}", f as u64)
            } else {
                format_float_g(f)
            }
        }
    }
}

/// go-yaml's `stringv`: literal block for multi-line text, plain when the text reads back as a
/// string, double quotes when it would read back as another type.
fn string_style(s: &str) -> Style {
    if s.contains('\n') {
        Style::Literal
    } else if resolves_to_str(s) && !is_base60_float(s) {
        Style::Plain
    } else {
        Style::DoubleQuoted
    }
}

/// YAML 1.1 words go-yaml v2 resolves to bool, null or special floats.
const RESOLVED_WORDS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no", "No",
    "NO", "false", "False", "FALSE", "off", "Off", "OFF", "", "~", "null", "Null", "NULL", ".nan",
    ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
];

/// Whether go-yaml v2's `resolve` reads the unquoted text back as a `!!str`.
fn resolves_to_str(s: &str) -> bool {
    let hint = match s.as_bytes().first() {
        None => b'N',
        Some(b'+') | Some(b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => 0,
    };
    if hint == 0 {
        return true;
    }
    if RESOLVED_WORDS.contains(&s) {
        return false;
    }
    match hint {
        b'.' => go_parse_float(s).is_none(),
        b'D' | b'S' => {
            if is_yaml_timestamp(s) {
                return false;
            }
            let plain = s.replace('_', "");
            if go_parse_int(&plain, 0).is_some() || go_parse_uint(&plain, 0).is_some() {
                return false;
            }
            if is_decimal_float_syntax(&plain) && go_parse_float(&plain).is_some() {
                return false;
            }
            if let Some(rest) = plain.strip_prefix("0b") {
                if go_parse_int(rest, 2).is_some() || go_parse_uint(rest, 2).is_some() {
                    return false;
                }
            } else if let Some(rest) = plain.strip_prefix("-0b") {
                if go_parse_int(&format!("-{rest}"), 2).is_some() {
                    return false;
                }
            }
            true
        }
        _ => true,
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$` (go-yaml's `yamlStyleFloat`).
fn is_decimal_float_syntax(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(at(b, 0), b'+' | b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if at(b, i) == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if at(b, i) == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(at(b, i), b'e' | b'E') {
        i += 1;
        if matches!(at(b, i), b'+' | b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// `strconv.ParseFloat(s, 64)` for decimal text: fails on bad syntax and on overflow.
fn go_parse_float(s: &str) -> Option<f64> {
    if !is_decimal_float_syntax(s) {
        return None;
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// `strconv.ParseUint(s, base, 64)` without underscores; base 0 honours `0x`, `0o`, `0b` and
/// a leading `0` for octal.
fn go_parse_uint(s: &str, base: u32) -> Option<u64> {
    let (digits, radix) = if base == 0 {
        let lower = s.to_ascii_lowercase();
        if lower.starts_with("0x") {
            (&s[2..], 16)
        } else if lower.starts_with("0o") {
            (&s[2..], 8)
        } else if lower.starts_with("0b") {
            (&s[2..], 2)
        } else if s.len() > 1 && s.starts_with('0') {
            (&s[1..], 8)
        } else {
            (s, 10)
        }
    } else {
        (s, base)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// `strconv.ParseInt(s, base, 64)` without underscores.
fn go_parse_int(s: &str, base: u32) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mag = go_parse_uint(rest, base)?;
    if neg {
        if mag <= 1u64 << 63 {
            Some((mag as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(mag).ok()
    }
}

/// go-yaml's `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`, so
/// `12:30` is quoted for the sake of YAML 1.1 readers.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(at(b, 0), b'+' | b'-') {
        i += 1;
    }
    if !at(b, i).is_ascii_digit() {
        return false;
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while at(b, i) == b':' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 2 {
            i += 1;
        }
        match i - start {
            1 => {}
            2 if b[start] <= b'5' => {}
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if at(b, i) == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// Whether go-yaml reads the text as a timestamp: Go's `time.Parse` with
/// `2006-1-2T15:4:5.999999999Z07:00` (or lower-case `t`), `2006-1-2 15:4:5.999999999` or
/// `2006-1-2`. This is why `creationTimestamp: "2024-01-15T10:00:00Z"` is quoted.
fn is_yaml_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let year: i64 = s[..4].parse().unwrap_or(0);
    let mut i = 5;
    let Some(month) = getnum(b, &mut i) else {
        return false;
    };
    if !(1..=12).contains(&month) || at(b, i) != b'-' {
        return false;
    }
    i += 1;
    let Some(day) = getnum(b, &mut i) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day < 1 || day > days_in {
        return false;
    }
    if i == b.len() {
        return true;
    }
    let sep = b[i];
    if !matches!(sep, b'T' | b't' | b' ') {
        return false;
    }
    i += 1;
    let Some(hour) = getnum(b, &mut i) else {
        return false;
    };
    if hour >= 24 || at(b, i) != b':' {
        return false;
    }
    i += 1;
    let Some(minute) = getnum(b, &mut i) else {
        return false;
    };
    if minute >= 60 || at(b, i) != b':' {
        return false;
    }
    i += 1;
    let Some(second) = getnum(b, &mut i) else {
        return false;
    };
    if second >= 60 {
        return false;
    }
    if matches!(at(b, i), b'.' | b',') && at(b, i + 1).is_ascii_digit() {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if sep == b' ' {
        return i == b.len();
    }
    match at(b, i) {
        b'Z' => i + 1 == b.len(),
        b'+' | b'-' => {
            let tz = &b[i + 1..];
            tz.len() == 5
                && tz[0].is_ascii_digit()
                && tz[1].is_ascii_digit()
                && tz[2] == b':'
                && tz[3].is_ascii_digit()
                && tz[4].is_ascii_digit()
                && (tz[0] - b'0') * 10 + (tz[1] - b'0') <= 24
                && (tz[3] - b'0') * 10 + (tz[4] - b'0') <= 60
        }
        _ => false,
    }
}

/// Go's `getnum(s, false)`: one digit, or two when the second is a digit too.
fn getnum(b: &[u8], i: &mut usize) -> Option<u32> {
    if !at(b, *i).is_ascii_digit() {
        return None;
    }
    let mut n = (b[*i] - b'0') as u32;
    *i += 1;
    if at(b, *i).is_ascii_digit() {
        n = n * 10 + (b[*i] - b'0') as u32;
        *i += 1;
    }
    Some(n)
}

/// Keys in go-yaml v2's order (`keyList.Less`): letters compare as characters, a letter sorts
/// after a non-letter, and runs of digits compare by numeric value. Example: `a2 < a10`,
/// `a_b < ab`... and `1x < 10x`.
fn natural_sorted_keys(m: &Map<String, Value>) -> Vec<&String> {
    let keys: Vec<&String> = m.keys().collect();
    merge_sort(keys, &|a: &&String, b: &&String| natural_less(a, b))
}

/// A stable merge sort that tolerates comparators that are not total orders (Rust's
/// `sort_by` may panic on those; go-yaml's comparator is not strictly one).
fn merge_sort<T: Clone>(v: Vec<T>, less: &dyn Fn(&T, &T) -> bool) -> Vec<T> {
    if v.len() <= 1 {
        return v;
    }
    let mid = v.len() / 2;
    let right = merge_sort(v[mid..].to_vec(), less);
    let left = merge_sort(v[..mid].to_vec(), less);
    let mut out = Vec::with_capacity(v.len());
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if less(&right[j], &left[i]) {
            out.push(right[j].clone());
            j += 1;
        } else {
            out.push(left[i].clone());
            i += 1;
        }
    }
    out.extend_from_slice(&left[i..]);
    out.extend_from_slice(&right[j..]);
    out
}

fn natural_less(a: &str, b: &str) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let is_digit = |c: char| c.is_ascii_digit();
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return bl;
        }
        let mut an: i64 = 0;
        let mut bn: i64 = 0;
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && is_digit(ar[j - 1]) {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && is_digit(ar[ai]) {
            an = an.wrapping_mul(10).wrapping_add(ar[ai] as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && is_digit(br[bi]) {
            bn = bn.wrapping_mul(10).wrapping_add(br[bi] as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scalar(s: &str) -> String {
        to_yaml(&json!({ "v": s }))
    }

    #[test]
    fn pod_layout_matches_kubectl() {
        let pod = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "web",
                "namespace": "default",
                "labels": {"app": "web"},
                "creationTimestamp": "2024-01-15T10:00:00Z",
                "uid": "0b3c2a4e-1111-2222-3333-444455556666"
            },
            "spec": {
                "containers": [{
                    "name": "web",
                    "image": "nginx:1.25",
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                    "args": ["--port", "80"],
                    "resources": {}
                }],
                "restartPolicy": "Always",
                "tolerations": []
            },
            "status": {"phase": "Pending"}
        });
        let expected = "\
apiVersion: v1
kind: Pod
metadata:
  creationTimestamp: \"2024-01-15T10:00:00Z\"
  labels:
    app: web
  name: web
  namespace: default
  uid: 0b3c2a4e-1111-2222-3333-444455556666
spec:
  containers:
  - args:
    - --port
    - \"80\"
    image: nginx:1.25
    name: web
    ports:
    - containerPort: 80
      protocol: TCP
    resources: {}
  restartPolicy: Always
  tolerations: []
status:
  phase: Pending
";
        assert_eq!(to_yaml(&pod), expected);
    }

    #[test]
    fn list_prints_items_and_empty_resource_version() {
        let list = crate::printers::kubectl_list(vec![json!({"apiVersion": "v1", "kind": "Pod"})]);
        assert_eq!(
            to_yaml(&list),
            "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\nkind: List\nmetadata:\n  resourceVersion: \"\"\n"
        );
    }

    #[test]
    fn strings_that_read_as_other_types_are_double_quoted() {
        for s in [
            "80",
            "true",
            "True",
            "yes",
            "Yes",
            "no",
            "on",
            "off",
            "y",
            "n",
            "Y",
            "N",
            "null",
            "Null",
            "~",
            "",
            "1.0",
            "0x1F",
            "0o17",
            "017",
            "08",
            "1e3",
            "+1",
            "-5",
            ".5",
            "1_000",
            ".inf",
            "-.inf",
            ".NaN",
            "12:30",
            "2024-01-15",
            "2024-01-15T10:00:00Z",
            "2024-1-5 3:04:05",
            "2024-01-15T10:00:00.123+09:00",
        ] {
            assert_eq!(scalar(s), format!("v: \"{s}\"\n"), "input {s:?}");
        }
    }

    #[test]
    fn strings_that_cannot_be_plain_are_single_quoted() {
        let cases = [
            ("a: b", "'a: b'"),
            ("- x", "'- x'"),
            ("-", "'-'"),
            ("#x", "'#x'"),
            ("*x", "'*x'"),
            ("&x", "'&x'"),
            ("!x", "'!x'"),
            ("@x", "'@x'"),
            ("%x", "'%x'"),
            ("`x", "'`x'"),
            ("[a]", "'[a]'"),
            ("{a}", "'{a}'"),
            ("|", "'|'"),
            (">", "'>'"),
            (" lead", "' lead'"),
            ("trail ", "'trail '"),
            ("key:", "'key:'"),
            ("a #b", "'a #b'"),
            ("---", "'---'"),
            ("it's: x", "'it''s: x'"),
            ("\"q\"", "'\"q\"'"),
        ];
        for (input, want) in cases {
            assert_eq!(scalar(input), format!("v: {want}\n"), "input {input:?}");
        }
    }

    #[test]
    fn ordinary_strings_stay_plain() {
        for s in [
            "nginx:1.25",
            "a:b",
            "a#b",
            "-x",
            "?x",
            "yes please",
            "Running",
            "10.0.0.1",
            "1.2.3",
            "v1",
            "0.0.0.0/0",
            "http://x:80/a?b=c",
            "안녕하세요",
            "café",
            "1:2:3:4x",
            "2024-13-01",
            "2024-02-30",
            "y2k",
            "null-ish",
            "it's",
        ] {
            assert_eq!(scalar(s), format!("v: {s}\n"), "input {s:?}");
        }
    }

    #[test]
    fn unprintable_characters_force_double_quotes_with_escapes() {
        assert_eq!(scalar("a\tb"), "v: \"a\\tb\"\n");
        assert_eq!(scalar("smile 😀"), "v: \"smile \\U0001F600\"\n");
        assert_eq!(scalar("bell\u{7}"), "v: \"bell\\a\"\n");
        assert_eq!(scalar("del\u{7f}"), "v: \"del\\x7F\"\n");
        assert_eq!(scalar("nbsp\u{a0}x \\ \""), "v: nbsp\u{a0}x \\ \"\n");
        assert_eq!(scalar("\u{feff}ab"), "v: \"\\uFEFF\\x61\\x62\"\n");
    }

    #[test]
    fn multi_line_strings_are_literal_blocks() {
        assert_eq!(scalar("a\nb\n"), "v: |\n  a\n  b\n");
        assert_eq!(scalar("a\nb"), "v: |-\n  a\n  b\n");
        assert_eq!(scalar("a\n\n"), "v: |+\n  a\n\n");
        assert_eq!(scalar("\n"), "v: |2+\n\n");
        assert_eq!(scalar("  indented\nx"), "v: |2-\n    indented\n  x\n");
        assert_eq!(scalar("a\n\nb\n"), "v: |\n  a\n\n  b\n");
        // A space before a line break forbids block style.
        assert_eq!(scalar("a \nb"), "v: \"a \\nb\"\n");
        assert_eq!(scalar("a\n b"), "v: |-\n  a\n   b\n");
        let nested = json!({"metadata": {"annotations": {"note": "x\ny\n"}}});
        assert_eq!(
            to_yaml(&nested),
            "metadata:\n  annotations:\n    note: |\n      x\n      y\n"
        );
    }

    #[test]
    fn last_applied_configuration_prints_as_literal_block() {
        let obj = json!({"metadata": {"annotations": {
            "kubectl.kubernetes.io/last-applied-configuration":
                "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\"}}\n"
        }}});
        assert_eq!(
            to_yaml(&obj),
            "metadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: |\n      {\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\"}}\n"
        );
    }

    #[test]
    fn long_strings_fold_at_80_columns() {
        let msg = "Back-off pulling image \"nginx:nonexistent\": ErrImagePull: rpc error: code = NotFound desc = failed to pull and unpack image";
        let obj = json!({"status": {"containerStatuses": [{"state": {"waiting": {"message": msg, "reason": "ImagePullBackOff"}}}]}});
        let expected = "\
status:
  containerStatuses:
  - state:
      waiting:
        message: 'Back-off pulling image \"nginx:nonexistent\": ErrImagePull: rpc error:
          code = NotFound desc = failed to pull and unpack image'
        reason: ImagePullBackOff
";
        assert_eq!(to_yaml(&obj), expected);
        let plain = "word ".repeat(20) + "end";
        assert_eq!(
            scalar(&plain),
            "v: word word word word word word word word word word word word word word word word\n  word word word word end\n"
        );
    }

    #[test]
    fn numbers_bools_and_nulls() {
        let v = json!({"a": 1, "b": 2.5, "c": 3.0, "d": 1000000.5, "e": 1e21, "f": true, "g": null, "h": -0.00001, "i": 12345678901u64});
        assert_eq!(
            to_yaml(&v),
            "a: 1\nb: 2.5\nc: 3\nd: 1.0000005e+06\ne: 1e+21\nf: true\ng: null\nh: -1e-05\ni: 12345678901\n"
        );
    }

    #[test]
    fn empty_collections_and_nested_lists() {
        let v = json!({"m": {}, "l": [], "nested": [[1, 2], [], {}], "top": [{"a": {"b": [ {"c": 1} ]}}]});
        assert_eq!(
            to_yaml(&v),
            "l: []\nm: {}\nnested:\n- - 1\n  - 2\n- []\n- {}\ntop:\n- a:\n    b:\n    - c: 1\n"
        );
        assert_eq!(to_yaml(&json!({})), "{}\n");
        assert_eq!(to_yaml(&json!([])), "[]\n");
        assert_eq!(to_yaml(&json!(["a", "b"])), "- a\n- b\n");
        assert_eq!(to_yaml(&Value::Null), "null\n");
    }

    #[test]
    fn keys_sort_naturally_and_quote_like_values() {
        let v = json!({"file10": 1, "file2": 2, "File1": 3, "_x": 4, "a.b": 5, "80": 6, "": 7, "a: b": 8});
        assert_eq!(
            to_yaml(&v),
            "\"\": 7\n_x: 4\n\"80\": 6\nFile1: 3\na.b: 5\n'a: b': 8\nfile2: 2\nfile10: 1\n"
        );
    }

    #[test]
    fn long_and_multi_line_keys_use_explicit_key_syntax() {
        let long = "k".repeat(129);
        let v = json!({ long.clone(): "v" });
        assert_eq!(to_yaml(&v), format!("? {long}\n: v\n"));
        let v = json!({"a\nb": ["x"]});
        assert_eq!(to_yaml(&v), "? |-\n  a\n  b\n: - x\n");
    }

    #[test]
    fn documents_are_separated_by_dashes() {
        let docs = to_yaml_documents(&[json!({"a": 1}), json!({"b": 2})]);
        assert_eq!(docs, "a: 1\n---\nb: 2\n");
    }

    #[test]
    fn korean_text_stays_plain_and_counts_one_column_per_character() {
        assert_eq!(scalar("파드가 실행 중입니다"), "v: 파드가 실행 중입니다\n");
    }
}
