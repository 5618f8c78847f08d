//! The part of TOML that containerd's `config.toml` and `certs.d/*/hosts.toml` files use:
//! `[table."quoted".'literal']` headers, `key = value` lines (dotted keys too), basic and
//! literal strings, booleans, numbers, arrays (over several lines) and inline tables.
//!
//! A document is read into a flat list of `(path, value)` leaves, in file order, so a
//! reader asks for `plugins / io.containerd.cri.v1.images / registry / config_path` without
//! caring whether the file spelled it as a table header or a dotted key. A document that is
//! not TOML (an unclosed string, `key value` without `=`, a key defined twice) is an error,
//! as it is for containerd, which then refuses to start.

/// A TOML value, as far as containerd's registry settings need one.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(String),
    Bool(bool),
    /// Integers, floats and dates, kept as written.
    Number(String),
    Array(Vec<Value>),
    /// An inline table `{ k = v, … }`.
    Table(Vec<(String, Value)>),
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The strings of an array of strings (other items are skipped).
    pub fn strings(&self) -> Vec<String> {
        match self {
            Value::Array(items) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Value::Str(s) => vec![s.clone()],
            _ => Vec::new(),
        }
    }
}

/// A parsed document: every leaf with its full key path, in file order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Document {
    pub leaves: Vec<(Vec<String>, Value)>,
    /// Table headers in file order (`[host."http://x"]` → `["host", "http://x"]`).
    pub tables: Vec<Vec<String>>,
}

impl Document {
    /// The value at `path`, if the document sets it.
    pub fn get(&self, path: &[&str]) -> Option<&Value> {
        self.leaves
            .iter()
            .find(|(p, _)| p.len() == path.len() && p.iter().zip(path).all(|(a, b)| a == b))
            .map(|(_, v)| v)
    }

    /// The distinct keys directly under `prefix`, in the order they first appear (as tables
    /// or as keys).
    pub fn children(&self, prefix: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let paths = self.tables.iter().chain(self.leaves.iter().map(|(p, _)| p));
        for p in paths {
            if p.len() > prefix.len() && p.iter().zip(prefix).all(|(a, b)| a == b) {
                let k = &p[prefix.len()];
                if !out.contains(k) {
                    out.push(k.clone());
                }
            }
        }
        out
    }
}

/// Why a document is not TOML: the line (1-based) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("toml: line {line}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

/// Parses `text`.
///
/// Worked example: `"[a.'b']\nc.d = [\"x\",\n 'y']\n"` gives the leaf
/// `["a", "b", "c", "d"] = Array[Str("x"), Str("y")]`.
pub fn parse(text: &str) -> Result<Document, ParseError> {
    let mut doc = Document::default();
    let mut table: Vec<String> = Vec::new();
    let mut p = Parser {
        chars: text.chars().collect(),
        pos: 0,
        line: 1,
    };
    loop {
        p.skip_blank_lines();
        if p.at_end() {
            break;
        }
        if p.peek() == Some('[') {
            p.pos += 1;
            let array = p.peek() == Some('[');
            if array {
                p.pos += 1;
            }
            let key = p.key()?;
            p.skip_spaces();
            if !p.eat(']') || (array && !p.eat(']')) {
                return Err(p.error("expected ']' to close the table header"));
            }
            p.end_of_line()?;
            if !array && doc.tables.contains(&key) {
                return Err(p.error(&format!("table [{}] defined twice", key.join("."))));
            }
            doc.tables.push(key.clone());
            table = key;
            continue;
        }
        let key = p.key()?;
        p.skip_spaces();
        if !p.eat('=') {
            return Err(p.error("expected '=' after a key"));
        }
        p.skip_spaces();
        let value = p.value()?;
        p.end_of_line()?;
        let mut path = table.clone();
        path.extend(key);
        if doc.leaves.iter().any(|(q, _)| *q == path) {
            return Err(p.error(&format!("key {} defined twice", path.join("."))));
        }
        doc.leaves.push((path, value));
    }
    Ok(doc)
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    line: usize,
}

impl Parser {
    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn error(&self, message: &str) -> ParseError {
        ParseError {
            line: self.line,
            message: message.to_string(),
        }
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.pos += 1;
        }
    }

    /// Skips blank lines, comments and newlines (also inside arrays).
    fn skip_blank_lines(&mut self) {
        loop {
            match self.peek() {
                Some(' ' | '\t' | '\r') => self.pos += 1,
                Some('\n') => {
                    self.pos += 1;
                    self.line += 1;
                }
                Some('#') => {
                    while !matches!(self.peek(), None | Some('\n')) {
                        self.pos += 1;
                    }
                }
                _ => return,
            }
        }
    }

    /// After a value or header: only spaces and a comment before the end of the line.
    fn end_of_line(&mut self) -> Result<(), ParseError> {
        self.skip_spaces();
        if self.peek() == Some('#') {
            while !matches!(self.peek(), None | Some('\n')) {
                self.pos += 1;
            }
        }
        self.eat('\r');
        match self.peek() {
            None => Ok(()),
            Some('\n') => {
                self.pos += 1;
                self.line += 1;
                Ok(())
            }
            Some(c) => Err(self.error(&format!("unexpected '{c}' after a value"))),
        }
    }

    /// A dotted key of bare, "basic" and 'literal' parts.
    fn key(&mut self) -> Result<Vec<String>, ParseError> {
        let mut parts = Vec::new();
        loop {
            self.skip_spaces();
            let part = match self.peek() {
                Some('"') => self.basic_string()?,
                Some('\'') => self.literal_string()?,
                _ => {
                    let start = self.pos;
                    while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == '_' || c == '-')
                    {
                        self.pos += 1;
                    }
                    if start == self.pos {
                        return Err(self.error("expected a key"));
                    }
                    self.chars[start..self.pos].iter().collect()
                }
            };
            parts.push(part);
            self.skip_spaces();
            if !self.eat('.') {
                return Ok(parts);
            }
        }
    }

    fn basic_string(&mut self) -> Result<String, ParseError> {
        self.pos += 1;
        let mut s = String::new();
        loop {
            match self.peek() {
                None | Some('\n') => return Err(self.error("unterminated string")),
                Some('"') => {
                    self.pos += 1;
                    return Ok(s);
                }
                Some('\\') => {
                    self.pos += 1;
                    let c = match self.peek() {
                        Some('n') => '\n',
                        Some('t') => '\t',
                        Some('"') => '"',
                        Some('\\') => '\\',
                        _ => return Err(self.error("invalid escape sequence")),
                    };
                    s.push(c);
                    self.pos += 1;
                }
                Some(c) => {
                    s.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn literal_string(&mut self) -> Result<String, ParseError> {
        self.pos += 1;
        let start = self.pos;
        loop {
            match self.peek() {
                None | Some('\n') => return Err(self.error("unterminated string")),
                Some('\'') => {
                    let s = self.chars[start..self.pos].iter().collect();
                    self.pos += 1;
                    return Ok(s);
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    fn value(&mut self) -> Result<Value, ParseError> {
        match self.peek() {
            Some('"') => self.basic_string().map(Value::Str),
            Some('\'') => self.literal_string().map(Value::Str),
            Some('[') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_blank_lines();
                    if self.eat(']') {
                        return Ok(Value::Array(items));
                    }
                    items.push(self.value()?);
                    self.skip_blank_lines();
                    if self.eat(']') {
                        return Ok(Value::Array(items));
                    }
                    if !self.eat(',') {
                        return Err(self.error("expected ',' or ']' in an array"));
                    }
                }
            }
            Some('{') => {
                self.pos += 1;
                let mut fields = Vec::new();
                loop {
                    self.skip_spaces();
                    if self.eat('}') {
                        return Ok(Value::Table(fields));
                    }
                    let key = self.key()?.join(".");
                    self.skip_spaces();
                    if !self.eat('=') {
                        return Err(self.error("expected '=' in an inline table"));
                    }
                    self.skip_spaces();
                    fields.push((key, self.value()?));
                    self.skip_spaces();
                    if self.eat('}') {
                        return Ok(Value::Table(fields));
                    }
                    if !self.eat(',') {
                        return Err(self.error("expected ',' or '}' in an inline table"));
                    }
                }
            }
            _ => {
                let start = self.pos;
                while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || "+-._:".contains(c))
                {
                    self.pos += 1;
                }
                let word: String = self.chars[start..self.pos].iter().collect();
                match word.as_str() {
                    "true" => Ok(Value::Bool(true)),
                    "false" => Ok(Value::Bool(false)),
                    w if w.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') => {
                        Ok(Value::Number(word))
                    }
                    "" => Err(self.error("expected a value")),
                    w => Err(self.error(&format!("invalid value '{w}'"))),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tables_dotted_keys_and_multiline_arrays() {
        let doc = parse(
            "version = 3\n[plugins.'io.containerd.cri.v1.images'.registry]\n  config_path = '/etc/containerd/certs.d' # here\n[plugins.\"io.containerd.cri.v1.images\".registry.mirrors.\"msa.harbor.com\"]\n  endpoint = [\"http://msa.harbor.com\",\n    'https://x']\n",
        )
        .unwrap();
        assert_eq!(
            doc.get(&[
                "plugins",
                "io.containerd.cri.v1.images",
                "registry",
                "config_path"
            ]),
            Some(&Value::Str("/etc/containerd/certs.d".into()))
        );
        let endpoints = doc
            .get(&[
                "plugins",
                "io.containerd.cri.v1.images",
                "registry",
                "mirrors",
                "msa.harbor.com",
                "endpoint",
            ])
            .unwrap()
            .strings();
        assert_eq!(endpoints, ["http://msa.harbor.com", "https://x"]);
        assert_eq!(
            doc.children(&[
                "plugins",
                "io.containerd.cri.v1.images",
                "registry",
                "mirrors"
            ]),
            ["msa.harbor.com"]
        );
        assert_eq!(doc.get(&["version"]), Some(&Value::Number("3".into())));
    }

    #[test]
    fn rejects_what_is_not_toml() {
        assert_eq!(parse("a = 'x\n").unwrap_err().line, 1);
        assert!(parse("[a]\nb = 1\nb = 2\n").is_err());
        assert!(parse("\nserver \"http://x\"\n")
            .unwrap_err()
            .message
            .contains("'='"));
        assert!(parse("[a\n").is_err());
        assert!(parse("skip_verify = ture\n").is_err());
    }
}
