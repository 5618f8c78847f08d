//! kubectl's JSONPath template language (`k8s.io/client-go/util/jsonpath`), as used by
//! `kubectl get -o jsonpath=…`, custom-columns and `--sort-by`.
//!
//! A template is text with actions in braces: `{.metadata.name}`, `{.items[*].spec.nodeName}`,
//! `{range .items[*]}{.metadata.name}{"\n"}{end}`, `{.items[?(@.status.phase=="Running")]}`,
//! `{..image}`, `{.items[-1:]}`, `{.items[0,2]}`, `{['metadata']['name']}`,
//! `{.metadata.annotations.deployment\.kubernetes\.io/revision}`, `{$}`.
//!
//! Output follows kubectl: several results of one action are joined by a space; strings print
//! raw; maps and lists print as compact JSON (`{"app":"web"}`); null prints `null`. A template
//! without braces is plain text: `-o jsonpath='.metadata.name'` prints `.metadata.name`
//! literally (only custom-columns and `--sort-by` accept brace-less paths, see
//! [`relaxed_json_path_expression`]).
//!
//! For `kubectl get` of several objects, run the template against [`super::kubectl_list`]
//! (`{"kind":"List","apiVersion":"v1","items":[…]}`), as kubectl does.
//!
//! One deliberate difference: Go walks maps (`.*`, `..`) in random order; we use sorted keys.

use serde_json::{Map, Number, Value};
use thiserror::Error;

use super::go_fmt::{fmt_sharp_v, fmt_v, format_float_g, go_num, go_quote, sharp_u, GoNum};
use super::json::{to_json_compact, to_json_indented};

/// A parsed template, ready to run against any number of objects.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    raw: String,
    nodes: Vec<Node>,
}

impl Template {
    /// The template text as the user wrote it (kubectl quotes it in execution errors).
    pub fn raw(&self) -> &str {
        &self.raw
    }
}

/// A jsonpath failure, worded as kubectl words it (without the `error: ` prefix that kubectl
/// adds when it prints any error).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JsonPathError {
    /// The template does not parse: `error parsing jsonpath {.a, unclosed action`.
    #[error("error parsing jsonpath {template}, {message}")]
    Parse { template: String, message: String },
    /// The template parsed but failed on this object, e.g. `array index out of bounds: index 5,
    /// length 1`. kubectl follows the message with a dump of the template and the object.
    #[error(
        "error executing jsonpath {quoted}: Error executing template: {message}. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{template}\n\tobject given to jsonpath engine was:\n\t\t{object}\n\n\n",
        quoted = go_quote(template)
    )]
    Execute {
        template: String,
        message: String,
        object: String,
    },
}

impl JsonPathError {
    /// The bare message from the jsonpath engine (`unclosed action`, `x is not found`), which
    /// is what custom-columns reports.
    pub fn message(&self) -> &str {
        match self {
            JsonPathError::Parse { message, .. } | JsonPathError::Execute { message, .. } => {
                message
            }
        }
    }
}

/// How to run a template. [`Default`] is what `kubectl get -o jsonpath` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExecuteOptions {
    /// `--allow-missing-template-keys` (kubectl's default `true`): a missing field yields no
    /// output instead of the error `x is not found`.
    pub allow_missing_keys: bool,
    /// `-o jsonpath-as-json`: every result list printed as an indented JSON array.
    pub output_json: bool,
}

impl Default for ExecuteOptions {
    fn default() -> Self {
        ExecuteOptions {
            allow_missing_keys: true,
            output_json: false,
        }
    }
}

/// Parses a template. Errors carry kubectl's wording, e.g. `{.a` →
/// `error parsing jsonpath {.a, unclosed action`.
pub fn parse(template: &str) -> Result<Template, JsonPathError> {
    match parse_nodes(template) {
        Ok(nodes) => Ok(Template {
            raw: template.to_string(),
            nodes,
        }),
        Err(message) => Err(JsonPathError::Parse {
            template: template.to_string(),
            message,
        }),
    }
}

/// Runs a template as `kubectl get -o jsonpath` does (missing keys print nothing).
pub fn execute(t: &Template, data: &Value) -> Result<String, JsonPathError> {
    execute_with(t, data, ExecuteOptions::default())
}

/// Runs a template with explicit options.
pub fn execute_with(
    t: &Template,
    data: &Value,
    options: ExecuteOptions,
) -> Result<String, JsonPathError> {
    let mut exec = Exec::new(&t.nodes, options.allow_missing_keys);
    let results = exec
        .find_results(Item::Json(data), 0, 0)
        .map_err(|message| JsonPathError::Execute {
            template: t.raw.clone(),
            message,
            object: fmt_sharp_v(data),
        })?;
    let mut out = String::new();
    for list in &results {
        if options.output_json {
            let array = Value::Array(list.iter().map(Item::to_value).collect());
            out.push_str(&to_json_indented(&array, "    "));
            out.push('\n');
            continue;
        }
        for (i, item) in list.iter().enumerate() {
            out.push_str(&item.print());
            if i + 1 != list.len() {
                out.push(' ');
            }
        }
    }
    Ok(out)
}

/// The values a template finds, one list per top-level node, each value printed as Go's
/// `fmt.Sprint` prints it (`map[a:b]` for maps). custom-columns builds its cells from these.
pub(crate) fn find_printed(
    t: &Template,
    data: &Value,
    allow_missing_keys: bool,
) -> Result<Vec<Vec<String>>, String> {
    let mut exec = Exec::new(&t.nodes, allow_missing_keys);
    let results = exec.find_results(Item::Json(data), 0, 0)?;
    Ok(results
        .iter()
        .map(|list| list.iter().map(Item::sprint).collect())
        .collect())
}

/// kubectl's `RelaxedJSONPathExpression` for custom-columns and `--sort-by`: accepts
/// `metadata.name`, `.metadata.name`, `{metadata.name}` and `{.metadata.name}` and returns
/// `{.metadata.name}`; the empty string stays empty.
pub fn relaxed_json_path_expression(path: &str) -> Result<String, String> {
    if path.is_empty() {
        return Ok(String::new());
    }
    let strip_dot = |s: &str| -> Option<String> {
        if s.is_empty() || s.contains(['{', '}']) {
            return None;
        }
        match s.strip_prefix('.') {
            Some(rest) if !rest.is_empty() => Some(rest.to_string()),
            _ => Some(s.to_string()),
        }
    };
    let field = if path.len() >= 2 && path.starts_with('{') && path.ends_with('}') {
        strip_dot(&path[1..path.len() - 1])
    } else {
        None
    }
    .or_else(|| strip_dot(path));
    match field {
        Some(f) => Ok(format!("{{.{f}}}")),
        None => Err("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'".to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// Parse tree

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Param {
    value: i64,
    known: bool,
    derived: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Text(String),
    List(Vec<Node>),
    Field(String),
    Identifier(String),
    Array([Param; 3]),
    Filter {
        left: Vec<Node>,
        right: Vec<Node>,
        op: String,
    },
    Int(i64),
    Float(f64),
    Bool(bool),
    Wildcard,
    Recursive,
    Union(Vec<Vec<Node>>),
}

// ---------------------------------------------------------------------------------------------
// Parser: the scanner of client-go's parser.go, rune by rune.

struct Parser {
    input: Vec<char>,
    pos: usize,
    start: usize,
    width: usize,
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphabetic() || is_digit(c)
}

fn is_terminator(r: Option<char>) -> bool {
    match r {
        None => true,
        Some(c) => matches!(
            c,
            ' ' | '\t' | '\r' | '\n' | '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}'
        ),
    }
}

fn parse_nodes(text: &str) -> Result<Vec<Node>, String> {
    let mut p = Parser {
        input: text.chars().collect(),
        pos: 0,
        start: 0,
        width: 0,
    };
    let mut root = Vec::new();
    loop {
        // Text up to the next left delimiter.
        loop {
            if p.starts_with("{") {
                if p.pos > p.start {
                    root.push(Node::Text(p.consume()));
                }
                break;
            }
            if p.next().is_none() {
                if p.pos > p.start {
                    root.push(Node::Text(p.consume()));
                }
                return Ok(root);
            }
        }
        p.pos += 1;
        p.consume();
        let mut action = Vec::new();
        let result = p.parse_inside_action(&mut action);
        root.push(Node::List(action));
        result?;
    }
}

/// Parses `{text}` on its own and returns the nodes of its action (Go's `parseAction`).
fn parse_action(text: &str) -> Result<Vec<Node>, String> {
    let root = parse_nodes(&format!("{{{text}}}"))?;
    match root.into_iter().next() {
        Some(Node::List(nodes)) => Ok(nodes),
        _ => Ok(Vec::new()),
    }
}

impl Parser {
    fn starts_with(&self, prefix: &str) -> bool {
        prefix
            .chars()
            .enumerate()
            .all(|(k, c)| self.input.get(self.pos + k) == Some(&c))
    }

    fn consume(&mut self) -> String {
        let s: String = self.input[self.start..self.pos].iter().collect();
        self.start = self.pos;
        s
    }

    fn next(&mut self) -> Option<char> {
        match self.input.get(self.pos) {
            None => {
                self.width = 0;
                None
            }
            Some(&c) => {
                self.width = 1;
                self.pos += 1;
                Some(c)
            }
        }
    }

    fn peek(&mut self) -> Option<char> {
        let r = self.next();
        self.backup();
        r
    }

    fn backup(&mut self) {
        self.pos -= self.width;
    }

    /// The character two before the current position, Go's `p.input[p.pos-2]`.
    fn before_last(&self) -> Option<char> {
        self.pos
            .checked_sub(2)
            .and_then(|i| self.input.get(i).copied())
    }

    /// Scans tokens until the closing `}`.
    fn parse_inside_action(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        loop {
            if self.starts_with("}") {
                self.pos += 1;
                self.consume();
                return Ok(());
            }
            if self.starts_with("[?(") {
                self.parse_filter(cur)?;
                continue;
            }
            if self.starts_with("..") {
                self.parse_recursive(cur)?;
                continue;
            }
            match self.next() {
                None | Some('\r') | Some('\n') => return Err("unclosed action".to_string()),
                Some(' ') | Some('@') | Some('$') => {
                    self.consume();
                }
                Some('[') => self.parse_array(cur)?,
                Some(q @ ('"' | '\'')) => self.parse_quote(cur, q)?,
                Some('.') => self.parse_field(cur),
                Some(c) if c == '+' || c == '-' || is_digit(c) => {
                    self.backup();
                    self.parse_number(cur)?;
                }
                Some(c) if is_alphanumeric(c) => {
                    self.backup();
                    self.parse_identifier(cur);
                }
                Some(c) => return Err(format!("unrecognized character in action: {}", sharp_u(c))),
            }
        }
    }

    fn parse_identifier(&mut self, cur: &mut Vec<Node>) {
        loop {
            let r = self.next();
            if is_terminator(r) {
                self.backup();
                break;
            }
        }
        let value = self.consume();
        cur.push(match value.as_str() {
            "true" => Node::Bool(true),
            "false" => Node::Bool(false),
            _ => Node::Identifier(value),
        });
    }

    fn parse_recursive(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        if matches!(cur.last(), Some(Node::Recursive)) {
            return Err("invalid multiple recursive descent".to_string());
        }
        self.pos += 2;
        self.consume();
        cur.push(Node::Recursive);
        if matches!(self.peek(), Some(c) if is_alphanumeric(c)) {
            self.parse_field(cur);
        }
        Ok(())
    }

    fn parse_number(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        if matches!(self.peek(), Some('+' | '-')) {
            self.next();
        }
        loop {
            match self.next() {
                Some(c) if c == '.' || is_digit(c) => {}
                _ => {
                    self.backup();
                    break;
                }
            }
        }
        let value = self.consume();
        if let Ok(i) = value.parse::<i64>() {
            cur.push(Node::Int(i));
            return Ok(());
        }
        match value.parse::<f64>() {
            Ok(f) if f.is_finite() => {
                cur.push(Node::Float(f));
                Ok(())
            }
            _ => Err(format!("cannot parse number {value}")),
        }
    }

    fn parse_array(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        loop {
            match self.next() {
                None | Some('\n') => return Err("unterminated array".to_string()),
                Some(']') => break,
                Some(_) => {}
            }
        }
        let text = self.consume();
        let chars: Vec<char> = text.chars().collect();
        let mut inner: String = chars[1..chars.len() - 1].iter().collect();
        if inner == "*" {
            inner = ":".to_string();
        }

        // Union: [a,b]
        let parts: Vec<&str> = inner.split(',').collect();
        if parts.len() > 1 {
            let mut union = Vec::new();
            for part in parts {
                union.push(parse_action(&format!("[{}]", part.trim_matches(' ')))?);
            }
            cur.push(Node::Union(union));
            return Ok(());
        }

        // Dictionary key: ['name'] is .name (and ['a.b'] is .a.b, as in kubectl).
        if inner.len() >= 2
            && inner.starts_with('\'')
            && inner.ends_with('\'')
            && !inner[1..inner.len() - 1].contains('\'')
        {
            let nodes = parse_action(&format!(".{}", &inner[1..inner.len() - 1]))?;
            cur.extend(nodes);
            return Ok(());
        }

        // Slice: [start:end:step]
        let groups = slice_groups(&inner).ok_or_else(|| format!("invalid array index {inner}"))?;
        let mut params = [Param {
            value: 0,
            known: false,
            derived: false,
        }; 3];
        for i in 0..3 {
            let mut g = groups[i].as_str();
            if !g.is_empty() {
                if i > 0 {
                    g = &g[1..];
                }
                if i > 0 && g.is_empty() {
                    params[i].known = false;
                } else {
                    params[i].known = true;
                    params[i].value = g
                        .parse::<i64>()
                        .map_err(|_| format!("array index {g} is not a number"))?;
                }
            } else if i == 1 {
                params[i] = Param {
                    value: params[0].value.saturating_add(1),
                    known: true,
                    derived: true,
                };
            }
        }
        cur.push(Node::Array(params));
        Ok(())
    }

    fn parse_filter(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        self.pos += 3;
        self.consume();
        let mut begin = false;
        let mut end = false;
        let mut pair = '\0';
        loop {
            match self.next() {
                None | Some('\n') => return Err("unterminated filter".to_string()),
                Some(q @ ('"' | '\'')) => {
                    if !begin {
                        begin = true;
                        pair = q;
                        continue;
                    }
                    if self.before_last() != Some('\\') && q == pair {
                        end = true;
                    }
                }
                Some(')') => {
                    if begin == end {
                        break;
                    }
                }
                Some(_) => {}
            }
        }
        if self.next() != Some(']') {
            return Err("unclosed array expect ]".to_string());
        }
        let text = self.consume();
        let chars: Vec<char> = text.chars().collect();
        let text: String = chars[..chars.len().saturating_sub(2)].iter().collect();
        match split_filter(&text) {
            None => {
                let left = parse_action(&text)?;
                cur.push(Node::Filter {
                    left,
                    right: Vec::new(),
                    op: "exists".to_string(),
                });
            }
            Some((l, op, r)) => {
                let left = parse_action(&l)?;
                let right = parse_action(&r)?;
                cur.push(Node::Filter { left, right, op });
            }
        }
        Ok(())
    }

    fn parse_quote(&mut self, cur: &mut Vec<Node>, end: char) -> Result<(), String> {
        loop {
            match self.next() {
                None | Some('\n') => return Err("unterminated quoted string".to_string()),
                Some(c) if c == end => {
                    if self.before_last() != Some('\\') {
                        break;
                    }
                }
                Some(_) => {}
            }
        }
        let value = self.consume();
        let s = unquote_extend(&value)
            .ok_or_else(|| format!("unquote string {value} error invalid syntax"))?;
        cur.push(Node::Text(s));
        Ok(())
    }

    fn parse_field(&mut self, cur: &mut Vec<Node>) {
        self.consume();
        while self.advance() {}
        let value = self.consume();
        if value == "*" {
            cur.push(Node::Wildcard);
        } else {
            cur.push(Node::Field(value.replace('\\', "")));
        }
    }

    /// Scans until the next terminator that is not escaped with a backslash.
    fn advance(&mut self) -> bool {
        let r = self.next();
        if r == Some('\\') {
            self.next();
        } else if is_terminator(r) {
            self.backup();
            return false;
        }
        true
    }
}

/// Matches `^(-?\d*)(:-?\d*)?(:-?\d*)?$` and returns the three groups ("" when absent).
fn slice_groups(s: &str) -> Option<[String; 3]> {
    let b = s.as_bytes();
    let mut i = 0;
    let take_number = |i: &mut usize| {
        if b.get(*i) == Some(&b'-') {
            *i += 1;
        }
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
    };
    take_number(&mut i);
    let g0 = s[..i].to_string();
    let mut groups = [g0, String::new(), String::new()];
    for g in groups.iter_mut().skip(1) {
        if b.get(i) == Some(&b':') {
            let start = i;
            i += 1;
            take_number(&mut i);
            *g = s[start..i].to_string();
        }
    }
    (i == b.len()).then_some(groups)
}

/// Matches `^([^!<>=]+)([!<>=]+)(.+?)$` against a filter body: left operand, operator, right.
fn split_filter(text: &str) -> Option<(String, String, String)> {
    let chars: Vec<char> = text.chars().collect();
    let is_op = |c: char| matches!(c, '!' | '<' | '>' | '=');
    let k = chars.iter().position(|&c| is_op(c))?;
    if k == 0 {
        return None;
    }
    let mut j = k;
    while j < chars.len() && is_op(chars[j]) {
        j += 1;
    }
    if j == chars.len() {
        if j - k < 2 {
            return None;
        }
        j -= 1;
    }
    let rest: String = chars[j..].iter().collect();
    if rest.contains('\n') {
        return None;
    }
    Some((
        chars[..k].iter().collect(),
        chars[k..j].iter().collect(),
        rest,
    ))
}

/// client-go's `UnquoteExtend`: Go string-literal unquoting for `"…"` and `'…'`.
fn unquote_extend(s: &str) -> Option<String> {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    if n < 2 {
        return None;
    }
    let quote = chars[0];
    if quote != chars[n - 1] || (quote != '"' && quote != '\'') {
        return None;
    }
    let inner = &chars[1..n - 1];
    if !inner.contains(&'\\') && !inner.contains(&quote) {
        return Some(inner.iter().collect());
    }
    let mut out: Vec<u8> = Vec::new();
    let mut i = 0;
    while i < inner.len() {
        let c = inner[i];
        if c == quote {
            return None;
        }
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            i += 1;
            continue;
        }
        let esc = *inner.get(i + 1)?;
        i += 2;
        let simple = match esc {
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\u{b}'),
            '\\' => Some('\\'),
            '\'' | '"' if esc == quote => Some(esc),
            _ => None,
        };
        if let Some(ch) = simple {
            out.push(ch as u8);
            continue;
        }
        match esc {
            'x' | 'u' | 'U' => {
                let len = match esc {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let digits: String = inner.get(i..i + len)?.iter().collect();
                let v = u32::from_str_radix(&digits, 16)
                    .ok()
                    .filter(|_| digits.chars().all(|c| c.is_ascii_hexdigit()))?;
                i += len;
                if esc == 'x' {
                    out.push(v as u8);
                } else {
                    let ch = char::from_u32(v)?;
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
            }
            '0'..='7' => {
                let mut v = esc as u32 - '0' as u32;
                for _ in 0..2 {
                    let d = *inner.get(i)?;
                    if !('0'..='7').contains(&d) {
                        return None;
                    }
                    v = (v << 3) | (d as u32 - '0' as u32);
                    i += 1;
                }
                if v > 255 {
                    return None;
                }
                out.push(v as u8);
            }
            _ => return None,
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

// ---------------------------------------------------------------------------------------------
// Evaluation: client-go's jsonpath.go over decoded JSON.

/// A value during evaluation, typed as Go would see it.
#[derive(Debug, Clone)]
enum Item<'a> {
    /// A value inside the object (`map`, `[]interface{}`, `string`, `int64`/`float64`, `bool`, nil).
    Json(&'a Value),
    /// A string literal from the template.
    Str(String),
    /// An integer literal (Go `int`).
    Int(i64),
    /// A float literal.
    Float(f64),
    /// A boolean literal.
    Bool(bool),
    /// One byte of a string walked with `*` or `..` (Go `uint8`).
    Byte(u8),
    /// No value at all: a range over nothing, or a null range element.
    Missing,
}

/// Comparable kinds (text/template's `basicKind`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Basic<'b> {
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(&'b str),
}

const ERR_BAD_COMPARISON_TYPE: &str = "invalid type for comparison";
const ERR_BAD_COMPARISON: &str = "incompatible types for comparison";

impl<'a> Item<'a> {
    fn basic(&self) -> Result<Basic<'_>, String> {
        match self {
            Item::Json(Value::Bool(b)) | Item::Bool(b) => Ok(Basic::Bool(*b)),
            Item::Json(Value::Number(n)) => Ok(match go_num(n) {
                GoNum::Int(i) => Basic::Int(i),
                GoNum::Float(f) => Basic::Float(f),
            }),
            Item::Json(Value::String(s)) => Ok(Basic::Str(s)),
            Item::Str(s) => Ok(Basic::Str(s)),
            Item::Int(i) => Ok(Basic::Int(*i)),
            Item::Float(f) => Ok(Basic::Float(*f)),
            Item::Byte(b) => Ok(Basic::Uint(*b as u64)),
            _ => Err(ERR_BAD_COMPARISON_TYPE.to_string()),
        }
    }

    /// Go's type name, as in `string is not array or slice`.
    fn type_name(&self) -> &'static str {
        match self {
            Item::Json(Value::Object(_)) => "map[string]interface {}",
            Item::Json(Value::Array(_)) => "[]interface {}",
            Item::Json(Value::String(_)) | Item::Str(_) => "string",
            Item::Json(Value::Number(n)) => match go_num(n) {
                GoNum::Int(_) => "int64",
                GoNum::Float(_) => "float64",
            },
            Item::Json(Value::Bool(_)) | Item::Bool(_) => "bool",
            Item::Int(_) => "int",
            Item::Float(_) => "float64",
            Item::Byte(_) => "uint8",
            Item::Json(Value::Null) | Item::Missing => "<nil>",
        }
    }

    /// What jsonpath prints: JSON for maps and lists, `fmt.Print` for the rest.
    fn print(&self) -> String {
        match self {
            Item::Json(v @ (Value::Object(_) | Value::Array(_))) => to_json_compact(v),
            Item::Json(Value::Null) => "null".to_string(),
            Item::Missing => "<no value>".to_string(),
            other => other.sprint(),
        }
    }

    /// `fmt.Sprint(value.Interface())`.
    fn sprint(&self) -> String {
        match self {
            Item::Json(v) => fmt_v(v),
            Item::Str(s) => s.clone(),
            Item::Int(i) => i.to_string(),
            Item::Float(f) => format_float_g(*f),
            Item::Bool(b) => b.to_string(),
            Item::Byte(b) => b.to_string(),
            Item::Missing => "<nil>".to_string(),
        }
    }

    fn to_value(&self) -> Value {
        match self {
            Item::Json(v) => (*v).clone(),
            Item::Str(s) => Value::String(s.clone()),
            Item::Int(i) => Value::from(*i),
            Item::Float(f) => Number::from_f64(*f)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            Item::Bool(b) => Value::Bool(*b),
            Item::Byte(b) => Value::from(*b),
            Item::Missing => Value::Null,
        }
    }

    /// The children `*` and `..` walk: map values (sorted by key), list elements, string bytes.
    fn children(&self) -> Vec<Item<'a>> {
        match self {
            Item::Json(Value::Object(m)) => sorted_values(m),
            Item::Json(Value::Array(a)) => a.iter().map(Item::Json).collect(),
            Item::Json(Value::String(s)) => s.bytes().map(Item::Byte).collect(),
            Item::Str(s) => s.bytes().map(Item::Byte).collect(),
            _ => Vec::new(),
        }
    }
}

fn sorted_values(m: &Map<String, Value>) -> Vec<Item<'_>> {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    keys.into_iter()
        .map(|k| Item::Json(&m[k.as_str()]))
        .collect()
}

fn equal(a: &Item, b: &Item) -> Result<bool, String> {
    let (x, y) = (a.basic()?, b.basic()?);
    Ok(match (x, y) {
        (Basic::Int(i), Basic::Uint(u)) | (Basic::Uint(u), Basic::Int(i)) => {
            i >= 0 && i as u64 == u
        }
        (Basic::Bool(p), Basic::Bool(q)) => p == q,
        (Basic::Int(p), Basic::Int(q)) => p == q,
        (Basic::Uint(p), Basic::Uint(q)) => p == q,
        (Basic::Float(p), Basic::Float(q)) => p == q,
        (Basic::Str(p), Basic::Str(q)) => p == q,
        _ => return Err(ERR_BAD_COMPARISON.to_string()),
    })
}

fn less(a: &Item, b: &Item) -> Result<bool, String> {
    let (x, y) = (a.basic()?, b.basic()?);
    Ok(match (x, y) {
        (Basic::Int(i), Basic::Uint(u)) => i < 0 || (i as u64) < u,
        (Basic::Uint(u), Basic::Int(i)) => i >= 0 && u < i as u64,
        (Basic::Bool(_), Basic::Bool(_)) => return Err(ERR_BAD_COMPARISON_TYPE.to_string()),
        (Basic::Int(p), Basic::Int(q)) => p < q,
        (Basic::Uint(p), Basic::Uint(q)) => p < q,
        (Basic::Float(p), Basic::Float(q)) => p < q,
        (Basic::Str(p), Basic::Str(q)) => p < q,
        _ => return Err(ERR_BAD_COMPARISON.to_string()),
    })
}

fn compare(op: &str, a: &Item, b: &Item) -> Result<bool, String> {
    match op {
        "<" => less(a, b),
        ">" => Ok(!(less(a, b)? || equal(a, b)?)),
        "==" => equal(a, b),
        "!=" => Ok(!equal(a, b)?),
        "<=" => Ok(less(a, b)? || equal(a, b)?),
        ">=" => Ok(!less(a, b)?),
        _ => Err(format!("unrecognized filter operator {op}")),
    }
}

/// An evaluation failure and the values Go returns alongside it (an `exists` filter keeps an
/// element when that partial result is non-empty, even on error).
struct Failure<'a> {
    partial: Vec<Item<'a>>,
    message: String,
}

type Eval<'a> = Result<Vec<Item<'a>>, Failure<'a>>;

fn fail<'a>(partial: Vec<Item<'a>>, message: impl Into<String>) -> Eval<'a> {
    Err(Failure {
        partial,
        message: message.into(),
    })
}

/// Deepest `{range}` nesting we follow; Go has no limit, but a browser stack does.
const MAX_RANGE_DEPTH: usize = 256;

struct Exec<'t> {
    nodes: &'t [Node],
    allow_missing_keys: bool,
    begin_range: usize,
    in_range: usize,
    end_range: usize,
    last_end_node: Option<usize>,
}

impl<'t> Exec<'t> {
    fn new(nodes: &'t [Node], allow_missing_keys: bool) -> Self {
        Exec {
            nodes,
            allow_missing_keys,
            begin_range: 0,
            in_range: 0,
            end_range: 0,
            last_end_node: None,
        }
    }

    /// Go's `FindResults`: one result list per top-level node from `start`, recursing into
    /// `{range}` bodies and skipping past the matching `{end}`.
    fn find_results<'a>(
        &mut self,
        data: Item<'a>,
        start: usize,
        depth: usize,
    ) -> Result<Vec<Vec<Item<'a>>>, String>
    where
        't: 'a,
    {
        if depth > MAX_RANGE_DEPTH {
            return Err("range nested too deeply".to_string());
        }
        let data = match data {
            Item::Json(Value::Null) => Item::Missing,
            other => other,
        };
        let nodes = self.nodes;
        let cur = vec![data];
        let mut full = Vec::new();
        let mut i = start;
        while i < nodes.len() {
            let results = self.walk(cur.clone(), &nodes[i]).map_err(|f| f.message)?;
            if self.end_range > 0 && self.end_range <= self.in_range {
                self.end_range -= 1;
                self.last_end_node = Some(i);
                break;
            }
            if self.begin_range > 0 {
                self.begin_range -= 1;
                self.in_range += 1;
                if results.is_empty() {
                    self.find_results(Item::Missing, i + 1, depth + 1)?;
                } else {
                    for value in results {
                        full.extend(self.find_results(value, i + 1, depth + 1)?);
                    }
                }
                self.in_range -= 1;
                if let Some(k) = (i + 1..nodes.len()).find(|&k| Some(k) == self.last_end_node) {
                    i = k;
                }
                i += 1;
                continue;
            }
            full.push(results);
            i += 1;
        }
        Ok(full)
    }

    fn walk<'a>(&mut self, input: Vec<Item<'a>>, node: &'a Node) -> Eval<'a> {
        match node {
            Node::List(nodes) => self.eval_list(input, nodes),
            Node::Text(t) => Ok(vec![Item::Str(t.clone())]),
            Node::Field(name) => self.eval_field(input, name),
            Node::Array(params) => eval_array(input, params),
            Node::Filter { left, right, op } => self.eval_filter(input, left, right, op),
            Node::Int(i) => Ok(input.iter().map(|_| Item::Int(*i)).collect()),
            Node::Float(f) => Ok(input.iter().map(|_| Item::Float(*f)).collect()),
            Node::Bool(b) => Ok(input.iter().map(|_| Item::Bool(*b)).collect()),
            Node::Wildcard => Ok(input.iter().flat_map(Item::children).collect()),
            Node::Recursive => Ok(eval_recursive(&input)),
            Node::Union(lists) => {
                let mut result = Vec::new();
                for list in lists {
                    match self.eval_list(input.clone(), list) {
                        Ok(items) => result.extend(items),
                        Err(f) => return fail(input, f.message),
                    }
                }
                Ok(result)
            }
            Node::Identifier(name) => self.eval_identifier(input, name),
        }
    }

    fn eval_list<'a>(&mut self, input: Vec<Item<'a>>, nodes: &'a [Node]) -> Eval<'a> {
        let mut cur = input;
        for node in nodes {
            cur = self.walk(cur, node)?;
        }
        Ok(cur)
    }

    fn eval_identifier<'a>(&mut self, input: Vec<Item<'a>>, name: &str) -> Eval<'a> {
        match name {
            "range" => {
                self.begin_range += 1;
                Ok(input)
            }
            "end" => {
                if self.in_range > 0 {
                    self.end_range += 1;
                    Ok(Vec::new())
                } else {
                    fail(Vec::new(), "not in range, nothing to end")
                }
            }
            _ => fail(input, format!("unrecognized identifier {name}")),
        }
    }

    fn eval_field<'a>(&mut self, input: Vec<Item<'a>>, name: &str) -> Eval<'a> {
        if input.is_empty() {
            return Ok(Vec::new());
        }
        let results: Vec<Item<'a>> = input
            .iter()
            .filter_map(|item| match item {
                Item::Json(Value::Object(m)) => m.get(name).map(Item::Json),
                _ => None,
            })
            .collect();
        if results.is_empty() && !self.allow_missing_keys {
            return fail(Vec::new(), format!("{name} is not found"));
        }
        Ok(results)
    }

    fn eval_filter<'a>(
        &mut self,
        input: Vec<Item<'a>>,
        left: &'a [Node],
        right: &'a [Node],
        op: &str,
    ) -> Eval<'a> {
        let mut results = Vec::new();
        for value in &input {
            let elements: &'a Vec<Value> = match value {
                Item::Json(Value::Array(a)) => a,
                Item::Json(Value::Null) => {
                    return fail(
                        input.clone(),
                        "<nil> is not array or slice and cannot be filtered",
                    )
                }
                Item::Missing => {
                    return fail(
                        input.clone(),
                        "<invalid reflect.Value> is not array or slice and cannot be filtered",
                    )
                }
                other => {
                    let shown = other.sprint();
                    return fail(
                        input.clone(),
                        format!("{shown} is not array or slice and cannot be filtered"),
                    );
                }
            };
            for element in elements {
                let temp = vec![Item::Json(element)];
                let lefts = self.eval_list(temp.clone(), left);
                if op == "exists" {
                    let found = match &lefts {
                        Ok(items) => !items.is_empty(),
                        Err(f) => !f.partial.is_empty(),
                    };
                    if found {
                        results.push(Item::Json(element));
                    }
                    continue;
                }
                let lefts = match lefts {
                    Ok(items) => items,
                    Err(f) => return fail(input.clone(), f.message),
                };
                match lefts.len() {
                    0 => continue,
                    1 => {}
                    _ => return fail(input.clone(), "can only compare one element at a time"),
                }
                let rights = match self.eval_list(temp, right) {
                    Ok(items) => items,
                    Err(f) => return fail(input.clone(), f.message),
                };
                match rights.len() {
                    0 => continue,
                    1 => {}
                    _ => return fail(input.clone(), "can only compare one element at a time"),
                }
                match compare(op, &lefts[0], &rights[0]) {
                    Ok(true) => results.push(Item::Json(element)),
                    Ok(false) => {}
                    Err(message) => return fail(results, message),
                }
            }
        }
        Ok(results)
    }
}

/// `[start:end:step]`, including Go's out-of-range errors: `[5]` on a one-element list is
/// `array index out of bounds: index 5, length 1`; `[-1]` is the last element.
fn eval_array<'a>(input: Vec<Item<'a>>, params: &[Param; 3]) -> Eval<'a> {
    let mut result = Vec::new();
    for value in &input {
        let list: &'a Vec<Value> = match value {
            Item::Json(Value::Null) => continue,
            Item::Json(Value::Array(a)) => a,
            other => {
                return fail(
                    input.clone(),
                    format!("{} is not array or slice", other.type_name()),
                )
            }
        };
        let len = list.len() as i64;
        let mut p = *params;
        if !p[0].known {
            p[0].value = 0;
        }
        if p[0].value < 0 {
            p[0].value += len;
        }
        if !p[1].known {
            p[1].value = len;
        }
        if p[1].value < 0 || (p[1].value == 0 && p[1].derived) {
            p[1].value += len;
        }
        if p[1].value != p[0].value {
            if p[0].value >= len || p[0].value < 0 {
                return fail(
                    input.clone(),
                    format!(
                        "array index out of bounds: index {}, length {len}",
                        p[0].value
                    ),
                );
            }
            if p[1].value > len || p[1].value < 0 {
                return fail(
                    input.clone(),
                    format!(
                        "array index out of bounds: index {}, length {len}",
                        p[1].value - 1
                    ),
                );
            }
            if p[0].value > p[1].value {
                return fail(
                    input.clone(),
                    format!(
                        "starting index {} is greater than ending index {}",
                        p[0].value, p[1].value
                    ),
                );
            }
        } else {
            return Ok(result);
        }
        let mut step = 1usize;
        if p[2].known {
            if p[2].value <= 0 {
                return fail(input.clone(), "step must be > 0");
            }
            step = usize::try_from(p[2].value).unwrap_or(usize::MAX);
        }
        let slice = &list[p[0].value as usize..p[1].value as usize];
        result.extend(slice.iter().step_by(step).map(Item::Json));
    }
    Ok(result)
}

/// `..`: every value that has children (maps, lists, non-empty strings), parents first.
fn eval_recursive<'a>(input: &[Item<'a>]) -> Vec<Item<'a>> {
    let mut result = Vec::new();
    for value in input {
        if matches!(value, Item::Json(Value::Null)) {
            continue;
        }
        let children = value.children();
        if !children.is_empty() {
            result.push(value.clone());
            result.extend(eval_recursive(&children));
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printers::kubectl_list;
    use serde_json::json;

    fn pods() -> Value {
        kubectl_list(vec![
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": "web-1", "labels": {"app": "web"},
                                "annotations": {"deployment.kubernetes.io/revision": "3"}},
                   "spec": {"nodeName": "node-a", "containers": [{"name": "nginx", "image": "nginx:1.25"}, {"name": "side", "image": "busybox"}]},
                   "status": {"phase": "Running", "restartCount": 0}}),
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": "web-2", "labels": {"app": "web"}},
                   "spec": {"nodeName": "node-b", "containers": [{"name": "nginx", "image": "nginx:1.25"}]},
                   "status": {"phase": "Pending", "restartCount": 2}}),
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": "db-0", "labels": {"app": "db"}},
                   "spec": {"containers": [{"name": "pg", "image": "postgres:16"}]},
                   "status": {"phase": "Running", "restartCount": 5}}),
        ])
    }

    fn run(template: &str, data: &Value) -> String {
        match parse(template).and_then(|t| execute(&t, data)) {
            Ok(s) => s,
            Err(e) => format!("ERR {e}"),
        }
    }

    fn err(template: &str, data: &Value) -> String {
        match parse(template).and_then(|t| execute(&t, data)) {
            Ok(s) => panic!("expected an error for {template}, got {s:?}"),
            Err(e) => e.message().to_string(),
        }
    }

    #[test]
    fn fields_and_wildcards() {
        let d = pods();
        assert_eq!(run("{.items[*].metadata.name}", &d), "web-1 web-2 db-0");
        assert_eq!(run("{.items[0].metadata.name}", &d), "web-1");
        assert_eq!(run("{.kind}", &d), "List");
        assert_eq!(
            run("{.items[0].spec.containers[*].image}", &d),
            "nginx:1.25 busybox"
        );
        assert_eq!(run("{.items[*].status.restartCount}", &d), "0 2 5");
        assert_eq!(run("{.items[0].metadata.labels.*}", &d), "web");
    }

    #[test]
    fn text_outside_actions_and_literals() {
        let d = pods();
        assert_eq!(run("name={.items[0].metadata.name}!", &d), "name=web-1!");
        assert_eq!(run(r#"{.items[0].metadata.name}{"\n"}"#, &d), "web-1\n");
        assert_eq!(
            run(r#"{.items[0].metadata.name}{"\t"}{'x'}"#, &d),
            "web-1\tx"
        );
        assert_eq!(run(".metadata.name", &d), ".metadata.name");
    }

    #[test]
    fn range_end_prints_one_line_per_item() {
        let d = pods();
        assert_eq!(
            run(
                r#"{range .items[*]}{.metadata.name}{"\t"}{.status.phase}{"\n"}{end}"#,
                &d
            ),
            "web-1\tRunning\nweb-2\tPending\ndb-0\tRunning\n"
        );
        assert_eq!(
            run(
                r#"{range .items[*]}[{range .spec.containers[*]}{.name},{end}]{end}done"#,
                &d
            ),
            "[nginx,side,][nginx,][pg,]done"
        );
        assert_eq!(run(r#"{range .items[5:]}{.x}{end}after"#, &pods()), "ERR error executing jsonpath \"{range .items[5:]}{.x}{end}after\": Error executing template: array index out of bounds: index 5, length 3. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{range .items[5:]}{.x}{end}after\n\tobject given to jsonpath engine was:\n\t\t".to_string() + &fmt_sharp_v(&pods()) + "\n\n\n");
        assert_eq!(run(r#"{range .missing[*]}{.x}{end}after"#, &d), "after");
    }

    #[test]
    fn slices_and_negative_indexes() {
        let d = json!({"a": [0, 1, 2, 3, 4]});
        assert_eq!(run("{.a[1:3]}", &d), "1 2");
        assert_eq!(run("{.a[-1]}", &d), "4");
        assert_eq!(run("{.a[-2:]}", &d), "3 4");
        assert_eq!(run("{.a[:2]}", &d), "0 1");
        assert_eq!(run("{.a[::2]}", &d), "0 2 4");
        assert_eq!(run("{.a[2:2]}", &d), "");
        assert_eq!(run("{.a[*]}", &d), "0 1 2 3 4");
        assert_eq!(run("{.a}", &d), "[0,1,2,3,4]");
        assert_eq!(
            err("{.a[5]}", &d),
            "array index out of bounds: index 5, length 5"
        );
        assert_eq!(
            err("{.a[-6]}", &d),
            "array index out of bounds: index -1, length 5"
        );
        assert_eq!(
            err("{.a[3:1]}", &d),
            "starting index 3 is greater than ending index 1"
        );
        assert_eq!(err("{.a[::0]}", &d), "step must be > 0");
        assert_eq!(
            err("{.a[0].b[0]}", &json!({"a": [{"b": "s"}]})),
            "string is not array or slice"
        );
    }

    #[test]
    fn filters_compare_like_go_templates() {
        let d = pods();
        assert_eq!(
            run(
                r#"{.items[?(@.status.phase=="Running")].metadata.name}"#,
                &d
            ),
            "web-1 db-0"
        );
        assert_eq!(
            run(
                r#"{.items[?(@.status.phase!='Running')].metadata.name}"#,
                &d
            ),
            "web-2"
        );
        assert_eq!(
            run("{.items[?(@.status.restartCount>1)].metadata.name}", &d),
            "web-2 db-0"
        );
        assert_eq!(
            run("{.items[?(@.status.restartCount<=2)].metadata.name}", &d),
            "web-1 web-2"
        );
        assert_eq!(
            run("{.items[?(@.status.restartCount >= 5)].metadata.name}", &d),
            "db-0"
        );
        assert_eq!(
            run("{.items[?(@.spec.nodeName)].metadata.name}", &d),
            "web-1 web-2"
        );
        assert_eq!(
            run(
                "{.items[?(@.metadata.labels.app=='db')].spec.containers[0].image}",
                &d
            ),
            "postgres:16"
        );
        assert_eq!(
            err("{.items[?(@.status.restartCount==1.5)]}", &d),
            "incompatible types for comparison"
        );
        assert_eq!(
            err("{.items[?(@.metadata.labels=='x')]}", &d),
            "invalid type for comparison"
        );
        assert_eq!(
            err("{.items[?(@.status.phase<true)]}", &d),
            "incompatible types for comparison"
        );
        assert_eq!(
            err("{.items[?(@.a===1)]}", &json!({"items": [{"a": 1}]})),
            "unrecognized filter operator ==="
        );
        assert_eq!(
            err("{.kind[?(@.a)]}", &d),
            "List is not array or slice and cannot be filtered"
        );
    }

    #[test]
    fn recursive_descent_finds_every_match() {
        let d = pods();
        assert_eq!(run("{.items[0]..image}", &d), "nginx:1.25 busybox");
        assert_eq!(run("{..phase}", &d), "Running Pending Running");
        assert_eq!(err("{.....a}", &d), "invalid multiple recursive descent");
    }

    #[test]
    fn escaped_dots_bracket_keys_root_and_unions() {
        let d = pods();
        assert_eq!(
            run(
                r"{.items[0].metadata.annotations.deployment\.kubernetes\.io/revision}",
                &d
            ),
            "3"
        );
        assert_eq!(run("{.items[0]['metadata']['name']}", &d), "web-1");
        assert_eq!(run("{.items[0,2].metadata.name}", &d), "web-1 db-0");
        assert_eq!(
            run("{.items[0].metadata['name','labels']}", &d),
            "web-1 {\"app\":\"web\"}"
        );
        let small = json!({"kind": "Pod", "n": 1});
        assert_eq!(run("{$}", &small), r#"{"kind":"Pod","n":1}"#);
        assert_eq!(run("{}", &small), r#"{"kind":"Pod","n":1}"#);
        assert_eq!(run("{@.kind}", &small), "Pod");
    }

    #[test]
    fn maps_lists_and_scalars_print_like_kubectl() {
        let d = json!({"m": {"b": 1, "a": "<x>"}, "l": ["a", 1.5, null, true], "n": null, "f": 1000000.5, "e": {}, "i": 2.0});
        assert_eq!(run("{.m}", &d), r#"{"a":"\u003cx\u003e","b":1}"#);
        assert_eq!(run("{.l}", &d), r#"["a",1.5,null,true]"#);
        assert_eq!(run("{.l[*]}", &d), "a 1.5 null true");
        assert_eq!(run("{.n}", &d), "null");
        assert_eq!(run("{.f}", &d), "1.0000005e+06");
        assert_eq!(run("{.i}", &d), "2");
        assert_eq!(run("{.e}", &d), "{}");
        assert_eq!(run("{.m.*}", &d), "<x> 1");
    }

    #[test]
    fn missing_keys_print_nothing_by_default_and_fail_when_disallowed() {
        let d = json!({"a": {"b": 1}});
        assert_eq!(run("{.x}", &d), "");
        assert_eq!(run("[{.a.x}]", &d), "[]");
        let t = parse("{.x}").unwrap();
        let e = execute_with(
            &t,
            &d,
            ExecuteOptions {
                allow_missing_keys: false,
                output_json: false,
            },
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "error executing jsonpath \"{.x}\": Error executing template: x is not found. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{.x}\n\tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{\"a\":map[string]interface {}{\"b\":1}}\n\n\n"
        );
    }

    #[test]
    fn jsonpath_as_json_prints_arrays() {
        let d = pods();
        let t = parse("{.items[*].metadata.name}").unwrap();
        let out = execute_with(
            &t,
            &d,
            ExecuteOptions {
                allow_missing_keys: true,
                output_json: true,
            },
        )
        .unwrap();
        assert_eq!(out, "[\n    \"web-1\",\n    \"web-2\",\n    \"db-0\"\n]\n");
    }

    #[test]
    fn parse_errors_use_kubectl_wording() {
        let cases = [
            ("{.a", "error parsing jsonpath {.a, unclosed action"),
            ("{.a[0}", "error parsing jsonpath {.a[0}, unterminated array"),
            ("{.a[x]}", "error parsing jsonpath {.a[x]}, invalid array index x"),
            ("{.a[?(@.b==1}", "error parsing jsonpath {.a[?(@.b==1}, unterminated filter"),
            ("{.a[?(@.b==1)}", "error parsing jsonpath {.a[?(@.b==1)}, unclosed array expect ]"),
            ("{\"abc}", "error parsing jsonpath {\"abc}, unterminated quoted string"),
            ("{#}", "error parsing jsonpath {#}, unrecognized character in action: U+0023 '#'"),
            ("{1.2.3}", "error parsing jsonpath {1.2.3}, cannot parse number 1.2.3"),
            ("{.a[99999999999999999999]}", "error parsing jsonpath {.a[99999999999999999999]}, array index 99999999999999999999 is not a number"),
            ("{'\\q'}", "error parsing jsonpath {'\\q'}, unquote string '\\q' error invalid syntax"),
        ];
        for (template, want) in cases {
            assert_eq!(
                parse(template).unwrap_err().to_string(),
                want,
                "template {template}"
            );
        }
    }

    #[test]
    fn execution_errors_for_identifiers() {
        let d = json!({});
        assert_eq!(err("{end}", &d), "not in range, nothing to end");
        assert_eq!(err("{foo}", &d), "unrecognized identifier foo");
    }

    #[test]
    fn relaxed_paths_for_custom_columns() {
        for input in [
            "metadata.name",
            ".metadata.name",
            "{metadata.name}",
            "{.metadata.name}",
        ] {
            assert_eq!(
                relaxed_json_path_expression(input).unwrap(),
                "{.metadata.name}"
            );
        }
        assert_eq!(relaxed_json_path_expression("").unwrap(), "");
        assert!(relaxed_json_path_expression("{.a}{.b}")
            .unwrap_err()
            .starts_with("unexpected path string"));
    }

    #[test]
    fn garbage_templates_never_panic() {
        let d = pods();
        let pieces = [
            "{", "}", "[", "]", "(", ")", "?", "@", "$", ".", "..", "*", ",", ":", "-", "+", "'",
            "\"", "\\", "==", "!", "<", ">", "range", "end", "a", "0", "9", "1.5", " ", "\t", "\n",
            "é", "한", "😀", "[?(", "x", "items", "true",
        ];
        let mut seed: u64 = 0x9E3779B97F4A7C15;
        for _ in 0..20000 {
            let mut t = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 12) as usize;
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                t.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            if let Ok(parsed) = parse(&t) {
                let _ = execute(&parsed, &d);
                let _ = execute_with(
                    &parsed,
                    &d,
                    ExecuteOptions {
                        allow_missing_keys: false,
                        output_json: true,
                    },
                );
            }
        }
    }
}
