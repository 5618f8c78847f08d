//! Container programs: what a container does, from its image's entrypoint and cmd and the
//! pod's `command`/`args`.
//!
//! Shell scripts are parsed into a small instruction list (with jumps for `&&`, `||`,
//! `while`, `for`, `if`) and executed over simulated time: only `sleep` and servers take
//! time, every other command is instantaneous, and a loop iteration without `sleep` costs one
//! millisecond so nothing runs away. The state is a program counter and variables, so a
//! process can stop at any instant and resume at the next wake-up. This is a small model of
//! a shell, not a full one.

use super::fs::{normalize, ContainerFs, FsError};
use super::images::{App, Base};
use super::logs::ContainerLog;
use crate::sim::SimTime;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

/// Instructions executed per `advance` before the process yields (guards against runaway loops).
const STEP_BUDGET: usize = 20_000;
/// How far ahead of the simulated clock a busy loop may run.
const BUSY_LOOKAHEAD_MS: u64 = 1_000;

/// How the shell that runs a script words its errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShellKind {
    /// busybox `sh` (busybox, alpine).
    Ash,
    /// Debian's `/bin/sh`.
    Dash,
    /// GNU bash (`bash`, or `sh` on CentOS).
    Bash,
    /// No shell: the container's argv is executed directly.
    None,
}

/// A word of a command line, made of literal and expanded parts.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Lit(String, bool),
    Var(String, bool),
    CmdSub(String, bool),
    Arith(String),
}

type Word = Vec<Part>;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Redirect {
    /// `> file` (append: `>>`), for fd 1 or 2.
    Out { fd: u8, target: Word, append: bool },
    /// `2>&1` and friends.
    Dup,
    /// `< file`
    In(Word),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct SimpleCmd {
    assigns: Vec<(String, Word)>,
    words: Vec<Word>,
    redirects: Vec<Redirect>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    Pipeline(Vec<SimpleCmd>),
    Seq(Vec<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Loop {
        until: bool,
        cond: Box<Node>,
        body: Box<Node>,
    },
    For {
        var: String,
        items: Option<Vec<Word>>,
        body: Box<Node>,
    },
    If {
        cond: Box<Node>,
        then: Box<Node>,
        els: Option<Box<Node>>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Instr {
    Run(Vec<SimpleCmd>),
    Jump(usize),
    JumpIfFail(usize),
    JumpIfOk(usize),
    ForInit {
        slot: usize,
        items: Option<Vec<Word>>,
    },
    ForNext {
        slot: usize,
        var: String,
        end: usize,
    },
    Negate,
    SetStatus(i32),
}

/// A script that does not parse, with the shell's message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SyntaxError(pub String);

// ---------------------------------------------------------------- tokenizer

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(Word, String),
    Op(&'static str),
    Redir(Redirect),
}

fn tokenize(src: &str) -> Result<Vec<Tok>, SyntaxError> {
    let chars: Vec<char> = src.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\r' => i += 1,
            '\\' if chars.get(i + 1) == Some(&'\n') => i += 2,
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '\n' => {
                toks.push(Tok::Op("\n"));
                i += 1;
            }
            ';' => {
                if chars.get(i + 1) == Some(&';') {
                    return Err(SyntaxError(
                        "syntax error near unexpected token `;;'".into(),
                    ));
                }
                toks.push(Tok::Op(";"));
                i += 1;
            }
            '&' if chars.get(i + 1) == Some(&'&') => {
                toks.push(Tok::Op("&&"));
                i += 2;
            }
            '&' if chars.get(i + 1) == Some(&'>') => {
                i += 2;
                let (w, _, n) = read_word(&chars, skip_ws(&chars, i))?;
                i = n;
                toks.push(Tok::Redir(Redirect::Out {
                    fd: 1,
                    target: w,
                    append: false,
                }));
            }
            '&' => {
                toks.push(Tok::Op("&"));
                i += 1;
            }
            '|' if chars.get(i + 1) == Some(&'|') => {
                toks.push(Tok::Op("||"));
                i += 2;
            }
            '|' => {
                toks.push(Tok::Op("|"));
                i += 1;
            }
            '(' => {
                toks.push(Tok::Op("("));
                i += 1;
            }
            ')' => {
                toks.push(Tok::Op(")"));
                i += 1;
            }
            '>' | '<' => {
                let (r, n) = read_redirect(&chars, i, 1)?;
                toks.push(Tok::Redir(r));
                i = n;
            }
            '1' | '2'
                if matches!(chars.get(i + 1), Some('>'))
                    && (i == 0
                        || chars[i - 1].is_whitespace()
                        || ";&|(".contains(chars[i - 1])) =>
            {
                let (r, n) = read_redirect(&chars, i + 1, if c == '1' { 1 } else { 2 })?;
                toks.push(Tok::Redir(r));
                i = n;
            }
            _ => {
                let (w, raw, n) = read_word(&chars, i)?;
                toks.push(Tok::Word(w, raw));
                i = n;
            }
        }
    }
    Ok(toks)
}

fn skip_ws(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() && (chars[i] == ' ' || chars[i] == '\t') {
        i += 1;
    }
    i
}

fn read_redirect(chars: &[char], i: usize, fd: u8) -> Result<(Redirect, usize), SyntaxError> {
    if chars[i] == '<' {
        let (w, _, n) = read_word(chars, skip_ws(chars, i + 1))?;
        return Ok((Redirect::In(w), n));
    }
    let mut j = i + 1;
    let append = chars.get(j) == Some(&'>');
    if append {
        j += 1;
    }
    if chars.get(j) == Some(&'&') {
        j += 1;
        while j < chars.len() && chars[j].is_ascii_digit() {
            j += 1;
        }
        return Ok((Redirect::Dup, j));
    }
    let start = skip_ws(chars, j);
    if start >= chars.len() || "\n;&|<>".contains(chars[start]) {
        return Err(SyntaxError("syntax error: unexpected newline".into()));
    }
    let (w, _, n) = read_word(chars, start)?;
    Ok((
        Redirect::Out {
            fd,
            target: w,
            append,
        },
        n,
    ))
}

fn read_word(chars: &[char], mut i: usize) -> Result<(Word, String, usize), SyntaxError> {
    let start = i;
    let mut parts: Word = Vec::new();
    let mut lit = String::new();
    let flush = |lit: &mut String, parts: &mut Word, quoted: bool| {
        if !lit.is_empty() {
            parts.push(Part::Lit(std::mem::take(lit), quoted));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || ";&|()<>".contains(c) {
            break;
        }
        match c {
            '\\' => {
                if let Some(&n) = chars.get(i + 1) {
                    flush(&mut lit, &mut parts, false);
                    parts.push(Part::Lit(n.to_string(), true));
                }
                i += 2;
            }
            '\'' => {
                flush(&mut lit, &mut parts, false);
                let mut j = i + 1;
                let mut s = String::new();
                while j < chars.len() && chars[j] != '\'' {
                    s.push(chars[j]);
                    j += 1;
                }
                if j >= chars.len() {
                    return Err(SyntaxError(
                        "syntax error: unterminated quoted string".into(),
                    ));
                }
                parts.push(Part::Lit(s, true));
                i = j + 1;
            }
            '"' => {
                flush(&mut lit, &mut parts, false);
                let mut j = i + 1;
                let mut s = String::new();
                let mut closed = false;
                while j < chars.len() {
                    match chars[j] {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' if matches!(chars.get(j + 1), Some('"' | '\\' | '$' | '`')) => {
                            s.push(chars[j + 1]);
                            j += 2;
                        }
                        '$' | '`' => {
                            if !s.is_empty() {
                                parts.push(Part::Lit(std::mem::take(&mut s), true));
                            }
                            let (p, n) = read_dollar(chars, j, true)?;
                            parts.push(p);
                            j = n;
                        }
                        ch => {
                            s.push(ch);
                            j += 1;
                        }
                    }
                }
                if !closed {
                    return Err(SyntaxError(
                        "syntax error: unterminated quoted string".into(),
                    ));
                }
                parts.push(Part::Lit(s, true));
                i = j + 1;
            }
            '$' | '`' => {
                flush(&mut lit, &mut parts, false);
                let (p, n) = read_dollar(chars, i, false)?;
                parts.push(p);
                i = n;
            }
            _ => {
                lit.push(c);
                i += 1;
            }
        }
    }
    flush(&mut lit, &mut parts, false);
    let raw: String = chars[start..i].iter().collect();
    Ok((parts, raw, i))
}

/// Reads `$VAR`, `${VAR}`, `$(cmd)`, `$((expr))` or `` `cmd` `` starting at `i`.
fn read_dollar(chars: &[char], i: usize, quoted: bool) -> Result<(Part, usize), SyntaxError> {
    if chars[i] == '`' {
        let mut j = i + 1;
        let mut s = String::new();
        while j < chars.len() && chars[j] != '`' {
            s.push(chars[j]);
            j += 1;
        }
        return Ok((Part::CmdSub(s, quoted), j + 1));
    }
    let next = chars.get(i + 1).copied();
    match next {
        Some('(') if chars.get(i + 2) == Some(&'(') => {
            let mut depth = 0i32;
            let mut j = i + 3;
            let mut s = String::new();
            while j < chars.len() {
                if chars[j] == '(' {
                    depth += 1;
                } else if chars[j] == ')' {
                    if depth == 0 && chars.get(j + 1) == Some(&')') {
                        return Ok((Part::Arith(s), j + 2));
                    }
                    depth -= 1;
                }
                s.push(chars[j]);
                j += 1;
            }
            Err(SyntaxError("syntax error: unterminated arithmetic".into()))
        }
        Some('(') => {
            let mut depth = 0i32;
            let mut j = i + 2;
            let mut s = String::new();
            let mut in_single = false;
            while j < chars.len() {
                let c = chars[j];
                if c == '\'' {
                    in_single = !in_single;
                }
                if !in_single {
                    if c == '(' {
                        depth += 1;
                    } else if c == ')' {
                        if depth == 0 {
                            return Ok((Part::CmdSub(s, quoted), j + 1));
                        }
                        depth -= 1;
                    }
                }
                s.push(c);
                j += 1;
            }
            Err(SyntaxError(
                "syntax error: unterminated command substitution".into(),
            ))
        }
        Some('{') => {
            let mut j = i + 2;
            let mut s = String::new();
            while j < chars.len() && chars[j] != '}' {
                s.push(chars[j]);
                j += 1;
            }
            // ${VAR:-default} keeps the name only; the default is applied when empty.
            Ok((Part::Var(s, quoted), j + 1))
        }
        Some(c)
            if c == '?'
                || c == '$'
                || c == '#'
                || c == '@'
                || c == '*'
                || c == '!'
                || c.is_ascii_digit() =>
        {
            Ok((Part::Var(c.to_string(), quoted), i + 2))
        }
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {
            let mut j = i + 1;
            let mut s = String::new();
            while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                s.push(chars[j]);
                j += 1;
            }
            Ok((Part::Var(s, quoted), j))
        }
        _ => Ok((Part::Lit("$".into(), quoted), i + 1)),
    }
}

// ---------------------------------------------------------------- parser

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

fn is_kw(t: Option<&Tok>, kw: &str) -> bool {
    matches!(t, Some(Tok::Word(_, raw)) if raw == kw)
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn skip_newlines(&mut self) {
        while matches!(self.peek(), Some(Tok::Op("\n" | ";"))) {
            self.pos += 1;
        }
    }
    fn at_terminator(&self) -> bool {
        match self.peek() {
            None => true,
            Some(Tok::Op(")")) => true,
            Some(Tok::Word(_, raw)) => {
                ["do", "done", "then", "else", "elif", "fi", "}"].contains(&raw.as_str())
            }
            _ => false,
        }
    }
    fn expect_kw(&mut self, kw: &str) -> Result<(), SyntaxError> {
        self.skip_newlines();
        if is_kw(self.peek(), kw) {
            self.pos += 1;
            Ok(())
        } else {
            let near = match self.peek() {
                None => "end of file".to_string(),
                Some(Tok::Word(_, raw)) => raw.clone(),
                Some(Tok::Op(o)) => o.replace('\n', "newline"),
                Some(Tok::Redir(_)) => "redirection".into(),
            };
            Err(SyntaxError(format!(
                "syntax error: unexpected {near} (expecting \"{kw}\")"
            )))
        }
    }
    fn list(&mut self) -> Result<Node, SyntaxError> {
        let mut items = Vec::new();
        loop {
            self.skip_newlines();
            if self.at_terminator() {
                break;
            }
            items.push(self.and_or()?);
            match self.peek() {
                Some(Tok::Op(";" | "\n" | "&")) => self.pos += 1,
                _ => break,
            }
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Node::Seq(items)
        })
    }
    fn and_or(&mut self) -> Result<Node, SyntaxError> {
        let mut left = self.pipeline()?;
        loop {
            match self.peek() {
                Some(Tok::Op("&&")) => {
                    self.pos += 1;
                    self.skip_newlines();
                    left = Node::And(Box::new(left), Box::new(self.pipeline()?));
                }
                Some(Tok::Op("||")) => {
                    self.pos += 1;
                    self.skip_newlines();
                    left = Node::Or(Box::new(left), Box::new(self.pipeline()?));
                }
                _ => return Ok(left),
            }
        }
    }
    fn pipeline(&mut self) -> Result<Node, SyntaxError> {
        if is_kw(self.peek(), "!") {
            self.pos += 1;
            return Ok(Node::Not(Box::new(self.pipeline()?)));
        }
        let first = self.command()?;
        if !matches!(self.peek(), Some(Tok::Op("|"))) {
            return Ok(first);
        }
        let mut cmds = match first {
            Node::Pipeline(c) => c,
            _ => {
                return Err(SyntaxError(
                    "syntax error: compound commands cannot be piped here".into(),
                ))
            }
        };
        while matches!(self.peek(), Some(Tok::Op("|"))) {
            self.pos += 1;
            self.skip_newlines();
            match self.command()? {
                Node::Pipeline(mut c) => cmds.append(&mut c),
                _ => {
                    return Err(SyntaxError(
                        "syntax error: compound commands cannot be piped here".into(),
                    ))
                }
            }
        }
        Ok(Node::Pipeline(cmds))
    }
    fn command(&mut self) -> Result<Node, SyntaxError> {
        match self.peek() {
            Some(Tok::Word(_, raw)) if raw == "while" || raw == "until" => {
                let until = raw == "until";
                self.pos += 1;
                let cond = self.list()?;
                self.expect_kw("do")?;
                let body = self.list()?;
                self.expect_kw("done")?;
                Ok(Node::Loop {
                    until,
                    cond: Box::new(cond),
                    body: Box::new(body),
                })
            }
            Some(Tok::Word(_, raw)) if raw == "for" => {
                self.pos += 1;
                let var = match self.peek() {
                    Some(Tok::Word(_, v)) => v.clone(),
                    _ => return Err(SyntaxError("syntax error: bad for loop variable".into())),
                };
                self.pos += 1;
                let mut items = None;
                while matches!(self.peek(), Some(Tok::Op("\n"))) {
                    self.pos += 1;
                }
                if is_kw(self.peek(), "in") {
                    self.pos += 1;
                    let mut words = Vec::new();
                    while let Some(Tok::Word(w, _)) = self.peek() {
                        words.push(w.clone());
                        self.pos += 1;
                    }
                    items = Some(words);
                }
                self.expect_kw("do")?;
                let body = self.list()?;
                self.expect_kw("done")?;
                Ok(Node::For {
                    var,
                    items,
                    body: Box::new(body),
                })
            }
            Some(Tok::Word(_, raw)) if raw == "if" => {
                self.pos += 1;
                self.if_rest()
            }
            Some(Tok::Word(_, raw)) if raw == "{" => {
                self.pos += 1;
                let body = self.list()?;
                self.expect_kw("}")?;
                Ok(body)
            }
            Some(Tok::Op("(")) => {
                self.pos += 1;
                let body = self.list()?;
                self.skip_newlines();
                if !matches!(self.peek(), Some(Tok::Op(")"))) {
                    return Err(SyntaxError(
                        "syntax error: unexpected end of file (expecting \")\")".into(),
                    ));
                }
                self.pos += 1;
                Ok(body)
            }
            _ => self.simple(),
        }
    }
    fn if_rest(&mut self) -> Result<Node, SyntaxError> {
        let cond = self.list()?;
        self.expect_kw("then")?;
        let then = self.list()?;
        self.skip_newlines();
        let els = if is_kw(self.peek(), "elif") {
            self.pos += 1;
            Some(Box::new(self.if_rest()?))
        } else if is_kw(self.peek(), "else") {
            self.pos += 1;
            let e = self.list()?;
            self.expect_kw("fi")?;
            Some(Box::new(e))
        } else {
            self.expect_kw("fi")?;
            None
        };
        if let Some(e) = &els {
            if matches!(**e, Node::If { .. }) {
                // `elif` consumed the closing `fi` already.
            }
        }
        Ok(Node::If {
            cond: Box::new(cond),
            then: Box::new(then),
            els,
        })
    }
    fn simple(&mut self) -> Result<Node, SyntaxError> {
        let mut cmd = SimpleCmd {
            assigns: Vec::new(),
            words: Vec::new(),
            redirects: Vec::new(),
        };
        loop {
            match self.peek().cloned() {
                Some(Tok::Word(w, raw)) => {
                    if cmd.words.is_empty() {
                        if let Some((name, _)) = raw.split_once('=') {
                            if !name.is_empty()
                                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                                && !name.starts_with(|c: char| c.is_ascii_digit())
                            {
                                let value = strip_assign_prefix(&w, name.len() + 1);
                                cmd.assigns.push((name.to_string(), value));
                                self.pos += 1;
                                continue;
                            }
                        }
                    }
                    cmd.words.push(w);
                    self.pos += 1;
                }
                Some(Tok::Redir(r)) => {
                    cmd.redirects.push(r);
                    self.pos += 1;
                }
                _ => break,
            }
        }
        if cmd.words.is_empty() && cmd.assigns.is_empty() && cmd.redirects.is_empty() {
            let near = match self.peek() {
                Some(Tok::Op(o)) => o.replace('\n', "newline"),
                Some(Tok::Word(_, w)) => w.clone(),
                _ => "end of file".into(),
            };
            return Err(SyntaxError(format!("syntax error: unexpected \"{near}\"")));
        }
        Ok(Node::Pipeline(vec![cmd]))
    }
}

/// Drops the `NAME=` prefix (`n` characters) from the first literal parts of a word.
fn strip_assign_prefix(w: &Word, mut n: usize) -> Word {
    let mut out = Vec::new();
    for p in w {
        if n == 0 {
            out.push(p.clone());
            continue;
        }
        match p {
            Part::Lit(s, q) => {
                let len = s.chars().count();
                if len <= n {
                    n -= len;
                } else {
                    out.push(Part::Lit(s.chars().skip(n).collect(), *q));
                    n = 0;
                }
            }
            other => {
                out.push(other.clone());
                n = 0;
            }
        }
    }
    // An assignment's value is never split.
    out.into_iter()
        .map(|p| match p {
            Part::Var(v, _) => Part::Var(v, true),
            Part::CmdSub(v, _) => Part::CmdSub(v, true),
            Part::Lit(v, _) => Part::Lit(v, true),
            a => a,
        })
        .collect()
}

/// Parses a script into its syntax tree.
fn parse(src: &str) -> Result<Node, SyntaxError> {
    let toks = tokenize(src)?;
    let mut p = Parser { toks, pos: 0 };
    let node = p.list()?;
    p.skip_newlines();
    if let Some(t) = p.peek() {
        let near = match t {
            Tok::Word(_, raw) => raw.clone(),
            Tok::Op(o) => o.to_string(),
            Tok::Redir(_) => "redirection".into(),
        };
        return Err(SyntaxError(format!("syntax error: unexpected \"{near}\"")));
    }
    Ok(node)
}

fn compile(node: &Node, code: &mut Vec<Instr>, slots: &mut usize) {
    match node {
        Node::Pipeline(cmds) => code.push(Instr::Run(cmds.clone())),
        Node::Seq(items) => {
            if items.is_empty() {
                code.push(Instr::SetStatus(0));
            }
            for n in items {
                compile(n, code, slots);
            }
        }
        Node::And(a, b) | Node::Or(a, b) => {
            compile(a, code, slots);
            let at = code.len();
            code.push(Instr::Jump(0));
            compile(b, code, slots);
            let end = code.len();
            code[at] = if matches!(node, Node::And(..)) {
                Instr::JumpIfFail(end)
            } else {
                Instr::JumpIfOk(end)
            };
        }
        Node::Not(a) => {
            compile(a, code, slots);
            code.push(Instr::Negate);
        }
        Node::Loop { until, cond, body } => {
            let start = code.len();
            compile(cond, code, slots);
            let test = code.len();
            code.push(Instr::Jump(0));
            compile(body, code, slots);
            code.push(Instr::Jump(start));
            let end = code.len();
            code[test] = if *until {
                Instr::JumpIfOk(end)
            } else {
                Instr::JumpIfFail(end)
            };
            code.push(Instr::SetStatus(0));
        }
        Node::For { var, items, body } => {
            let slot = *slots;
            *slots += 1;
            code.push(Instr::ForInit {
                slot,
                items: items.clone(),
            });
            let next = code.len();
            code.push(Instr::Jump(0));
            compile(body, code, slots);
            code.push(Instr::Jump(next));
            let end = code.len();
            code[next] = Instr::ForNext {
                slot,
                var: var.clone(),
                end,
            };
            code.push(Instr::SetStatus(0));
        }
        Node::If { cond, then, els } => {
            compile(cond, code, slots);
            let test = code.len();
            code.push(Instr::Jump(0));
            compile(then, code, slots);
            let skip = code.len();
            code.push(Instr::Jump(0));
            let else_at = code.len();
            match els {
                Some(e) => compile(e, code, slots),
                None => code.push(Instr::SetStatus(0)),
            }
            let end = code.len();
            code[test] = Instr::JumpIfFail(else_at);
            code[skip] = Instr::Jump(end);
        }
    }
}

// ---------------------------------------------------------------- processes

/// A long-running program a container serves (decides ports, probe answers, shutdown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Server {
    Nginx {
        version: String,
    },
    Httpd,
    Redis,
    Mysql,
    Postgres,
    Mongo,
    Memcached,
    AppJs,
    Fluentd,
    Jupyter,
    /// agnhost subcommands: `netexec`, `serve-hostname`, `liveness`, ...
    Agnhost(String),
    EchoServer,
    HttpEcho(String),
    Stress,
    Java,
    Pause,
    System(String),
    /// The ingress-nginx controller: nginx on 80/443 routing by Ingress rules
    /// (`network::ingress`), the admission webhook on 8443, health on 10254.
    IngressNginx,
    /// `sleep infinity`, `tail -f /dev/null`, a shell with stdin: alive but serving nothing.
    Idle,
}

impl Server {
    /// TCP ports the server listens on.
    pub fn ports(&self) -> Vec<u16> {
        match self {
            Server::Nginx { .. } | Server::Httpd => vec![80],
            Server::Redis => vec![6379],
            Server::Mysql => vec![3306, 33060],
            Server::Postgres => vec![5432],
            Server::Mongo => vec![27017],
            Server::Memcached => vec![11211],
            Server::AppJs | Server::EchoServer => vec![8080],
            Server::Fluentd => vec![24224],
            Server::Jupyter => vec![8888],
            Server::Agnhost(sub) => match sub.as_str() {
                "serve-hostname" => vec![9376],
                _ => vec![8080],
            },
            Server::HttpEcho(_) => vec![5678],
            Server::Java => vec![8761],
            Server::System(name) => match name.as_str() {
                "etcd" => vec![2379, 2380],
                "kube-apiserver" => vec![6443],
                "kube-controller-manager" => vec![10257],
                "kube-scheduler" => vec![10259],
                "coredns" => vec![53, 8080, 8181, 9153],
                "kube-proxy" => vec![10249, 10256],
                _ => vec![],
            },
            Server::IngressNginx => vec![80, 443, 8443, 10254],
            Server::Stress | Server::Pause | Server::Idle => vec![],
        }
    }
    /// True when the server stops promptly on SIGTERM (shells ignore it as PID 1).
    pub fn stops_on_sigterm(&self) -> bool {
        !matches!(self, Server::Idle | Server::Stress)
    }
}

/// Where a process is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProcState {
    /// Has instructions to run at `clock`.
    Ready,
    /// Sleeping until the given instant.
    Sleeping(SimTime),
    /// Alive without end (server, `sleep infinity`).
    Serving,
    /// Finished with an exit code.
    Exited(i32),
}

/// What the container's argv starts.
#[derive(Clone, Debug)]
pub enum Launch {
    /// A process that runs.
    Run(Box<Process>),
    /// The runtime could not start it (`StartError`, exit code 128).
    StartError(String),
}

/// Facts about the container a program runs in.
#[derive(Clone, Debug)]
pub struct Context {
    pub base: Base,
    pub app: App,
    pub hostname: String,
    pub pod_ip: String,
    pub node_cpus: u32,
    pub kernel: String,
    /// `stdin: true` in the container spec: an interactive shell waits instead of exiting.
    pub stdin: bool,
}

/// A running program: compiled code, program counter, variables, virtual clock.
#[derive(Clone, Debug)]
pub struct Process {
    code: Vec<Instr>,
    pc: usize,
    status: i32,
    /// Shell and environment variables, shared with child processes until one changes them.
    vars: Arc<BTreeMap<String, String>>,
    positional: Vec<String>,
    for_slots: Vec<(Vec<String>, usize)>,
    shell: ShellKind,
    cwd: String,
    /// The process's own time: everything before it has been executed.
    pub clock: SimTime,
    pub state: ProcState,
    /// What it serves once it serves.
    pub server: Option<Server>,
    /// When the server accepts connections.
    pub ready_at: SimTime,
    /// Memory the program holds, in bytes.
    pub memory: u64,
    pub started_at: SimTime,
    ctx: Context,
    /// Output lines scheduled for later (server startup logs): `(at, line)`.
    pending: Vec<(SimTime, String)>,
}

/// The outcome of one command.
struct Outcome {
    status: i32,
    effect: Effect,
}

enum Effect {
    None,
    Sleep(u64),
    Serve(Server, Vec<(u64, String)>, u64),
    Exit(i32),
}

/// Resolves `argv[0]` the way a `StartError` or `exec format error` message names it.
pub fn resolved_path(cmd: &str) -> String {
    if cmd.starts_with('/') {
        return cmd.to_string();
    }
    match cmd {
        "sh" | "bash" | "ash" | "dash" | "cat" | "echo" | "sleep" | "date" | "ls" => {
            format!("/bin/{cmd}")
        }
        "nginx" => "/usr/sbin/nginx".into(),
        "docker-entrypoint.sh" => "/usr/local/bin/docker-entrypoint.sh".into(),
        other => format!("/usr/local/bin/{other}"),
    }
}

/// Commands that exist in images of a base (and app); shell builtins aside.
pub fn has_command(base: Base, app: App, name: &str) -> bool {
    let name = name.rsplit('/').next().unwrap_or(name);
    if app_binaries(app).contains(&name) {
        return true;
    }
    const BUSYBOX: &[&str] = &[
        "sh",
        "ash",
        "ls",
        "cat",
        "echo",
        "env",
        "printenv",
        "sleep",
        "date",
        "touch",
        "rm",
        "mkdir",
        "rmdir",
        "mv",
        "cp",
        "ps",
        "top",
        "df",
        "du",
        "free",
        "id",
        "whoami",
        "uname",
        "hostname",
        "vi",
        "grep",
        "egrep",
        "sed",
        "awk",
        "head",
        "tail",
        "wc",
        "sort",
        "uniq",
        "find",
        "xargs",
        "tr",
        "cut",
        "nc",
        "telnet",
        "wget",
        "nslookup",
        "ping",
        "ping6",
        "ip",
        "ifconfig",
        "route",
        "netstat",
        "traceroute",
        "mount",
        "kill",
        "killall",
        "test",
        "[",
        "true",
        "false",
        "expr",
        "seq",
        "yes",
        "tee",
        "ln",
        "chmod",
        "chown",
        "pwd",
        "printf",
        "basename",
        "dirname",
        "less",
        "more",
        "tar",
        "gzip",
        "gunzip",
        "md5sum",
        "sha256sum",
        "base64",
        "stat",
        "readlink",
        "realpath",
        "which",
        "clear",
        "reset",
        "arp",
        "dmesg",
        "uptime",
        "watch",
        "timeout",
        "nohup",
        "stty",
        "tty",
        "dd",
        "od",
        "hexdump",
        "diff",
        "cmp",
        "split",
        "usleep",
        "httpd",
        "udhcpc",
        "ntpd",
        "crond",
        "nproc",
        "mktemp",
        "sync",
        "getent",
        "init",
        "halt",
        "reboot",
    ];
    const COREUTILS: &[&str] = &[
        "sh",
        "bash",
        "dash",
        "ls",
        "cat",
        "echo",
        "env",
        "printenv",
        "sleep",
        "date",
        "touch",
        "rm",
        "rmdir",
        "mkdir",
        "mv",
        "cp",
        "df",
        "du",
        "id",
        "whoami",
        "uname",
        "hostname",
        "grep",
        "egrep",
        "sed",
        "awk",
        "mawk",
        "head",
        "tail",
        "wc",
        "sort",
        "uniq",
        "find",
        "xargs",
        "tr",
        "cut",
        "mount",
        "kill",
        "test",
        "[",
        "true",
        "false",
        "expr",
        "seq",
        "yes",
        "tee",
        "ln",
        "chmod",
        "chown",
        "pwd",
        "printf",
        "basename",
        "dirname",
        "more",
        "tar",
        "gzip",
        "gunzip",
        "md5sum",
        "sha256sum",
        "base64",
        "stat",
        "readlink",
        "realpath",
        "which",
        "clear",
        "reset",
        "dmesg",
        "timeout",
        "nohup",
        "stty",
        "tty",
        "dd",
        "od",
        "diff",
        "cmp",
        "split",
        "nproc",
        "mktemp",
        "sync",
        "getent",
        "su",
        "login",
        "apt",
        "apt-get",
        "apt-cache",
        "dpkg",
        "perl",
        "zcat",
        "uptime",
        "free",
        "kill",
        "ps",
    ];
    match base {
        Base::BusyBox => BUSYBOX.contains(&name),
        Base::Alpine => {
            BUSYBOX.contains(&name) && !["vi", "httpd"].contains(&name)
                || ["apk", "vi", "ssl_client"].contains(&name)
        }
        Base::Debian => {
            COREUTILS.contains(&name) && !["ps", "free", "uptime", "kill"].contains(&name)
                || (app == App::Nginx && name == "curl")
                || name == "kill"
        }
        Base::Ubuntu => {
            COREUTILS.contains(&name) && name != "perl"
                || ["ps", "free", "uptime", "kill"].contains(&name) && app == App::Mongo
        }
        Base::Centos | Base::OracleLinux => {
            COREUTILS.contains(&name)
                && !["apt", "apt-get", "apt-cache", "dpkg", "dash"].contains(&name)
                || ["yum", "rpm", "vi", "curl", "ps", "ip", "microdnf"].contains(&name)
        }
        Base::Distroless => false,
    }
}

/// Programs an application image adds on top of its base.
fn app_binaries(app: App) -> &'static [&'static str] {
    match app {
        App::Nginx => &["nginx", "docker-entrypoint.sh", "envsubst", "curl"],
        App::Httpd => &[
            "httpd",
            "httpd-foreground",
            "apachectl",
            "apache2-foreground",
        ],
        App::Redis => &["redis-server", "redis-cli", "docker-entrypoint.sh", "gosu"],
        App::Mysql => &[
            "mysqld",
            "mysql",
            "mysqladmin",
            "docker-entrypoint.sh",
            "gosu",
            "mysqlsh",
        ],
        App::Postgres => &[
            "postgres",
            "psql",
            "pg_ctl",
            "docker-entrypoint.sh",
            "gosu",
            "initdb",
        ],
        App::Mongo => &["mongod", "mongosh", "docker-entrypoint.sh", "gosu"],
        App::Memcached => &["memcached", "docker-entrypoint.sh"],
        App::AppJs => &["node", "npm", "app.js"],
        App::Fluentd => &["fluentd", "tini", "entrypoint.sh", "run.sh", "gem", "ruby"],
        App::Jupyter => &["jupyter", "python", "python3", "pip"],
        App::Agnhost => &["agnhost", "server", "goproxy", "liveness"],
        App::EchoServer => &["run.sh", "nginx"],
        App::HttpEcho => &["http-echo"],
        App::Stress => &["stress"],
        App::VishStress => &["stress"],
        App::Perl => &["perl", "perl5.42.0", "cpan", "cpanm"],
        App::Java => &["java"],
        App::Pause => &["pause"],
        App::System => &[
            "etcd",
            "etcdctl",
            "kube-apiserver",
            "kube-controller-manager",
            "kube-scheduler",
            "kube-proxy",
            "coredns",
            "start_runit",
            "calico",
            "kube-controllers",
            "launch.sh",
            "metrics-server",
            "nginx-ingress-controller",
            "wait-shutdown",
            "kube-webhook-certgen",
            "dumb-init",
            "iptables",
        ],
        App::Shell => &[
            "python",
            "python3",
            "pip",
            "node",
            "npm",
            "docker-entrypoint.sh",
            "curl",
        ],
        App::Curl => &["curl", "entrypoint.sh"],
        App::DnsUtils => &["nslookup", "dig", "host", "nsupdate", "ping"],
    }
}

impl Process {
    fn new(
        ctx: &Context,
        env: Arc<BTreeMap<String, String>>,
        shell: ShellKind,
        code: Vec<Instr>,
        slots: usize,
        now: SimTime,
    ) -> Process {
        Process {
            code,
            pc: 0,
            status: 0,
            vars: env,
            positional: Vec::new(),
            for_slots: vec![(Vec::new(), 0); slots],
            shell,
            cwd: "/".into(),
            clock: now,
            state: ProcState::Ready,
            server: None,
            ready_at: now,
            memory: 0,
            started_at: now,
            ctx: ctx.clone(),
            pending: Vec::new(),
        }
    }

    /// Starts `argv` (entrypoint + cmd after Kubernetes' command/args rules) at `now`.
    pub fn launch(
        argv: &[String],
        ctx: &Context,
        env: &Arc<BTreeMap<String, String>>,
        fs: &ContainerFs,
        now: SimTime,
    ) -> Launch {
        let Some(cmd0) = argv.first() else {
            return Launch::StartError("failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: exec: no command specified: unknown".into());
        };
        let base_name = cmd0.rsplit('/').next().unwrap_or(cmd0);
        let exists = if cmd0.starts_with('/') {
            fs.is_file(cmd0) || has_command(ctx.base, ctx.app, base_name)
        } else {
            has_command(ctx.base, ctx.app, base_name)
        };
        if !exists {
            let what = if cmd0.starts_with('/') {
                format!("exec: \"{cmd0}\": stat {cmd0}: no such file or directory")
            } else {
                format!("exec: \"{cmd0}\": executable file not found in $PATH")
            };
            return Launch::StartError(format!(
                "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: {what}: unknown"
            ));
        }
        let run = SimpleCmd {
            assigns: Vec::new(),
            words: argv
                .iter()
                .map(|a| vec![Part::Lit(a.clone(), true)])
                .collect(),
            redirects: Vec::new(),
        };
        let p = Process::new(
            ctx,
            with_hostname(env, ctx),
            ShellKind::None,
            vec![Instr::Run(vec![run])],
            0,
            now,
        );
        Launch::Run(Box::new(p))
    }

    /// True when the process has finished.
    pub fn exit_code(&self) -> Option<i32> {
        match self.state {
            ProcState::Exited(c) => Some(c),
            _ => None,
        }
    }

    /// When the process next needs to run (`None`: never again by itself).
    pub fn next_due(&self) -> Option<SimTime> {
        let pending = self.pending.first().map(|(t, _)| *t);
        let own = match self.state {
            ProcState::Ready => Some(self.clock),
            ProcState::Sleeping(t) => Some(t),
            ProcState::Serving | ProcState::Exited(_) => None,
        };
        match (pending, own) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Runs the process up to `now`, writing its output to `log` and files to `fs`.
    pub fn advance(&mut self, now: SimTime, fs: &mut ContainerFs, log: &mut ContainerLog) {
        self.flush_pending(now, log);
        let mut budget = STEP_BUDGET;
        loop {
            match self.state {
                ProcState::Exited(_) | ProcState::Serving => return,
                ProcState::Sleeping(until) => {
                    if until > now {
                        return;
                    }
                    self.clock = until;
                    self.state = ProcState::Ready;
                }
                ProcState::Ready => {}
            }
            // Loop iterations cost a millisecond each; a busy loop may run up to a second ahead
            // of the clock so that it needs one wake-up per second, not one per iteration.
            if self.clock > now.plus_ms(BUSY_LOOKAHEAD_MS) {
                return;
            }
            if budget == 0 {
                // Yield: a busy loop continues at the next wake-up, a second later.
                self.state = ProcState::Sleeping(now.plus_ms(1000).max(self.clock));
                return;
            }
            budget -= 1;
            let Some(instr) = self.code.get(self.pc).cloned() else {
                self.state = ProcState::Exited(self.status);
                return;
            };
            self.pc += 1;
            match instr {
                Instr::Run(cmds) => {
                    let out = self.run_pipeline(&cmds, fs, log);
                    self.status = out.status;
                    match out.effect {
                        Effect::None => {}
                        Effect::Sleep(ms) => {
                            self.state = ProcState::Sleeping(self.clock.plus_ms(ms))
                        }
                        Effect::Exit(c) => {
                            self.state = ProcState::Exited(c);
                            return;
                        }
                        Effect::Serve(server, lines, ready_ms) => {
                            for (at, l) in lines {
                                self.pending.push((self.clock.plus_ms(at), l));
                            }
                            self.ready_at = self.clock.plus_ms(ready_ms);
                            self.server = Some(server);
                            self.state = ProcState::Serving;
                            self.flush_pending(now, log);
                            return;
                        }
                    }
                }
                Instr::Jump(t) => {
                    if t < self.pc {
                        self.clock = self.clock.plus_ms(1);
                    }
                    self.pc = t;
                }
                Instr::JumpIfFail(t) => {
                    if self.status != 0 {
                        self.pc = t;
                    }
                }
                Instr::JumpIfOk(t) => {
                    if self.status == 0 {
                        self.pc = t;
                    }
                }
                Instr::ForInit { slot, items } => {
                    let list = match items {
                        Some(words) => words.iter().flat_map(|w| self.expand(w, fs)).collect(),
                        None => self.positional.clone(),
                    };
                    self.for_slots[slot] = (list, 0);
                }
                Instr::ForNext { slot, var, end } => {
                    let (list, idx) = &mut self.for_slots[slot];
                    if *idx < list.len() {
                        let v = list[*idx].clone();
                        *idx += 1;
                        Arc::make_mut(&mut self.vars).insert(var, v);
                    } else {
                        self.pc = end;
                    }
                }
                Instr::Negate => self.status = if self.status == 0 { 1 } else { 0 },
                Instr::SetStatus(s) => self.status = s,
            }
        }
    }

    fn flush_pending(&mut self, now: SimTime, log: &mut ContainerLog) {
        let due = self.pending.iter().take_while(|(at, _)| *at <= now).count();
        for (at, line) in self.pending.drain(..due) {
            log.push(at, line);
        }
    }

    /// Stops the process on SIGTERM: servers log their shutdown and exit 0; returns false
    /// when the process ignores the signal (a shell as PID 1).
    pub fn sigterm(&mut self, at: SimTime, log: &mut ContainerLog) -> bool {
        if self.exit_code().is_some() {
            return true;
        }
        let Some(server) = self.server.clone().filter(Server::stops_on_sigterm) else {
            return false;
        };
        self.pending.clear();
        match server {
            Server::Nginx { version } => {
                for l in nginx_stop_lines(at, &version) {
                    log.push(at, l);
                }
            }
            Server::Httpd => log.push(at, format!("[{}] [mpm_event:notice] [pid 1:tid 1] AH00492: caught SIGWINCH, shutting down gracefully", httpd_time(at))),
            Server::Redis => {
                let ts = redis_time(at);
                for l in ["Received SIGTERM scheduling shutdown...", "User requested shutdown...", "Saving the final RDB snapshot before exiting.", "DB saved on disk", "Redis is now ready to exit, bye bye..."] {
                    log.push(at, format!("1:M {ts} {} {l}", if l.starts_with("Received") { "#" } else { "*" }));
                }
            }
            _ => {}
        }
        self.clock = at;
        self.state = ProcState::Exited(0);
        true
    }

    /// Kills the process (SIGKILL): exit code 137.
    pub fn kill(&mut self, at: SimTime) {
        self.exit(at, 137);
    }

    /// The process ends at `at` with `code` (the shell reading the container's stdin ran
    /// `exit N` in an attached terminal).
    pub fn exit(&mut self, at: SimTime, code: i32) {
        if self.exit_code().is_none() {
            self.clock = at;
            self.pending.clear();
            self.state = ProcState::Exited(code);
        }
    }

    fn shell_name(&self) -> &'static str {
        match self.shell {
            ShellKind::Bash => "bash",
            _ => "sh",
        }
    }

    fn not_found(&self, cmd: &str) -> String {
        match self.shell {
            ShellKind::Bash => format!("bash: line 1: {cmd}: command not found"),
            ShellKind::Dash => format!("sh: 1: {cmd}: not found"),
            _ => format!("sh: {cmd}: not found"),
        }
    }

    fn lookup(&self, name: &str) -> String {
        let (name, default) = match name.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (name, None),
        };
        let v = match name {
            "?" => self.status.to_string(),
            "$" => "1".into(),
            "!" => String::new(),
            "#" => self.positional.len().to_string(),
            "@" | "*" => self.positional.join(" "),
            "0" => self.shell_name().to_string(),
            "PWD" => self.cwd.clone(),
            n if n.chars().all(|c| c.is_ascii_digit()) => n
                .parse::<usize>()
                .ok()
                .and_then(|i| i.checked_sub(1))
                .and_then(|i| self.positional.get(i).cloned())
                .unwrap_or_default(),
            n => self.vars.get(n).cloned().unwrap_or_default(),
        };
        if v.is_empty() {
            default.unwrap_or("").to_string()
        } else {
            v
        }
    }

    /// Expands a word into fields: variables, command substitution, arithmetic, splitting.
    fn expand(&mut self, w: &Word, fs: &mut ContainerFs) -> Vec<String> {
        let mut fields: Vec<String> = Vec::new();
        let mut cur = String::new();
        let mut have = false;
        for part in w {
            let (text, quoted) = match part {
                Part::Lit(s, _) => {
                    cur.push_str(s);
                    have = true;
                    continue;
                }
                Part::Var(v, q) => (self.lookup(v), *q),
                Part::CmdSub(src, q) => (self.substitute(src, fs), *q),
                Part::Arith(e) => (self.arith(e).to_string(), true),
            };
            if quoted {
                cur.push_str(&text);
                have = true;
            } else {
                let mut pieces = text.split_whitespace().peekable();
                if text.starts_with(char::is_whitespace) && have {
                    fields.push(std::mem::take(&mut cur));
                    have = false;
                }
                while let Some(p) = pieces.next() {
                    cur.push_str(p);
                    have = true;
                    if pieces.peek().is_some() {
                        fields.push(std::mem::take(&mut cur));
                    }
                }
                if text.ends_with(char::is_whitespace) && have && !text.trim().is_empty() {
                    fields.push(std::mem::take(&mut cur));
                    have = false;
                }
            }
        }
        if have {
            fields.push(cur);
        }
        fields
    }

    fn expand_one(&mut self, w: &Word, fs: &mut ContainerFs) -> String {
        self.expand(w, fs).join(" ")
    }

    /// `$(...)`: runs the script at once (sleeps inside take no time) and captures stdout.
    fn substitute(&mut self, src: &str, fs: &mut ContainerFs) -> String {
        let Ok(node) = parse(src) else {
            return String::new();
        };
        let mut code = Vec::new();
        let mut slots = 0;
        compile(&node, &mut code, &mut slots);
        let mut sub = Process::new(
            &self.ctx,
            self.vars.clone(),
            self.shell,
            code,
            slots,
            self.clock,
        );
        sub.positional = self.positional.clone();
        sub.cwd = self.cwd.clone();
        let mut log = ContainerLog::default();
        let mut steps = 0;
        while steps < 1000 {
            steps += 1;
            match sub.state {
                ProcState::Sleeping(_) => sub.state = ProcState::Ready,
                ProcState::Ready => {}
                _ => break,
            }
            sub.advance(sub.clock, fs, &mut log);
        }
        self.status = sub.status;
        let out = log.text();
        out.trim_end_matches('\n').to_string()
    }

    fn arith(&mut self, e: &str) -> i64 {
        let toks: Vec<String> = {
            let mut v = Vec::new();
            let mut cur = String::new();
            for c in e.chars() {
                if c.is_ascii_alphanumeric() || c == '_' || c == '$' {
                    cur.push(c);
                } else {
                    if !cur.is_empty() {
                        v.push(std::mem::take(&mut cur));
                    }
                    if !c.is_whitespace() {
                        v.push(c.to_string());
                    }
                }
            }
            if !cur.is_empty() {
                v.push(cur);
            }
            v
        };
        let mut pos = 0;
        self.arith_expr(&toks, &mut pos)
    }

    fn arith_expr(&self, t: &[String], pos: &mut usize) -> i64 {
        let mut v = self.arith_term(t, pos);
        while let Some(op) = t.get(*pos) {
            match op.as_str() {
                "+" => {
                    *pos += 1;
                    v = v.wrapping_add(self.arith_term(t, pos));
                }
                "-" => {
                    *pos += 1;
                    v = v.wrapping_sub(self.arith_term(t, pos));
                }
                _ => break,
            }
        }
        v
    }

    fn arith_term(&self, t: &[String], pos: &mut usize) -> i64 {
        let mut v = self.arith_atom(t, pos);
        while let Some(op) = t.get(*pos) {
            let rhs = match op.as_str() {
                "*" | "/" | "%" => {
                    *pos += 1;
                    self.arith_atom(t, pos)
                }
                _ => break,
            };
            v = match op.as_str() {
                "*" => v.wrapping_mul(rhs),
                "/" if rhs != 0 => v / rhs,
                "%" if rhs != 0 => v % rhs,
                _ => 0,
            };
        }
        v
    }

    fn arith_atom(&self, t: &[String], pos: &mut usize) -> i64 {
        let Some(tok) = t.get(*pos) else { return 0 };
        *pos += 1;
        match tok.as_str() {
            "(" => {
                let v = self.arith_expr(t, pos);
                if t.get(*pos).map(String::as_str) == Some(")") {
                    *pos += 1;
                }
                v
            }
            "-" => -self.arith_atom(t, pos),
            s => s.parse().unwrap_or_else(|_| {
                self.lookup(s.trim_start_matches('$'))
                    .trim()
                    .parse()
                    .unwrap_or(0)
            }),
        }
    }

    fn run_pipeline(
        &mut self,
        cmds: &[SimpleCmd],
        fs: &mut ContainerFs,
        log: &mut ContainerLog,
    ) -> Outcome {
        let mut stdin: Option<String> = None;
        let last = cmds.len().saturating_sub(1);
        let mut outcome = Outcome {
            status: 0,
            effect: Effect::None,
        };
        for (i, cmd) in cmds.iter().enumerate() {
            let (out, err, o) = self.run_simple(cmd, stdin.take(), fs);
            if !err.is_empty() {
                log.push_text(self.clock, &err);
            }
            if i == last {
                if !out.is_empty() {
                    log.push_text(self.clock, &out);
                }
                outcome = o;
            } else {
                stdin = Some(out);
            }
        }
        outcome
    }

    /// Runs one simple command: returns stdout, stderr and the outcome.
    fn run_simple(
        &mut self,
        cmd: &SimpleCmd,
        stdin: Option<String>,
        fs: &mut ContainerFs,
    ) -> (String, String, Outcome) {
        let mut argv: Vec<String> = Vec::new();
        for w in &cmd.words {
            argv.extend(self.expand(w, fs));
        }
        let assigns: Vec<(String, String)> = cmd
            .assigns
            .iter()
            .map(|(k, w)| (k.clone(), self.expand_one(w, fs)))
            .collect();
        if argv.is_empty() {
            for (k, v) in assigns {
                Arc::make_mut(&mut self.vars).insert(k, v);
            }
            return (
                String::new(),
                String::new(),
                Outcome {
                    status: 0,
                    effect: Effect::None,
                },
            );
        }
        let mut stdin = stdin;
        let mut out_target: Option<(String, bool)> = None;
        let mut drop_err = false;
        for r in &cmd.redirects {
            match r {
                Redirect::Out {
                    fd: 1,
                    target,
                    append,
                } => out_target = Some((self.expand_one(target, fs), *append)),
                Redirect::Out { target, .. } => {
                    let t = self.expand_one(target, fs);
                    if t == "/dev/null" {
                        drop_err = true;
                    }
                }
                Redirect::In(w) => {
                    let target = self.expand_one(w, fs);
                    let p = normalize(&self.cwd, &target);
                    stdin = Some(fs.read(&p).map(str::to_string).unwrap_or_default());
                }
                Redirect::Dup => {}
            }
        }
        let (mut out, mut err, outcome) = self.builtin(&argv, &assigns, stdin, fs);
        if let Some((target, append)) = out_target {
            if target != "/dev/null" && target != "/dev/stdout" && target != "/proc/1/fd/1" {
                let path = normalize(&self.cwd, &target);
                let res = if append {
                    fs.append(&path, &out)
                } else {
                    fs.write(&path, &out)
                };
                if let Err(e) = res {
                    err.push_str(&format!(
                        "{}: can't create {target}: {e}\n",
                        self.shell_name()
                    ));
                    out.clear();
                    return (
                        out,
                        err,
                        Outcome {
                            status: 1,
                            effect: Effect::None,
                        },
                    );
                }
            }
            if target != "/dev/stdout" && target != "/proc/1/fd/1" {
                out.clear();
            }
        }
        if drop_err {
            err.clear();
        }
        (out, err, outcome)
    }

    fn ok(out: String) -> (String, String, Outcome) {
        (
            out,
            String::new(),
            Outcome {
                status: 0,
                effect: Effect::None,
            },
        )
    }
    fn fail(err: String, status: i32) -> (String, String, Outcome) {
        (
            String::new(),
            err,
            Outcome {
                status,
                effect: Effect::None,
            },
        )
    }

    fn builtin(
        &mut self,
        argv: &[String],
        assigns: &[(String, String)],
        stdin: Option<String>,
        fs: &mut ContainerFs,
    ) -> (String, String, Outcome) {
        let full = argv[0].clone();
        let name = full.rsplit('/').next().unwrap_or(&full).to_string();
        let args: Vec<String> = argv[1..].to_vec();
        let shell_builtins = [
            "echo", "printf", "exit", "true", "false", ":", "test", "[", "export", "cd", "pwd",
            "set", "trap", "wait", "read", "unset", "exec", "kill", "shift", "return", "local",
            "source", ".",
        ];
        let in_shell = self.shell != ShellKind::None;
        let is_builtin = in_shell && shell_builtins.contains(&name.as_str());
        let exists = has_command(self.ctx.base, self.ctx.app, &name)
            || (full.starts_with('/') && fs.is_file(&full));
        if !is_builtin && !exists {
            return Self::fail(format!("{}\n", self.not_found(&full)), 127);
        }
        let mut env_for_child = self.vars.clone();
        for (k, v) in assigns {
            Arc::make_mut(&mut env_for_child).insert(k.clone(), v.clone());
        }
        match name.as_str() {
            "exec" => {
                if args.is_empty() {
                    return Self::ok(String::new());
                }
                self.builtin(&args, assigns, stdin, fs)
            }
            "echo" => {
                let mut a = args.as_slice();
                let mut newline = true;
                let mut escapes = false;
                while let Some(f) = a.first() {
                    match f.as_str() {
                        "-n" => newline = false,
                        "-e" => escapes = true,
                        "-ne" | "-en" => {
                            newline = false;
                            escapes = true
                        }
                        _ => break,
                    }
                    a = &a[1..];
                }
                let mut s = a.join(" ");
                if escapes || self.shell == ShellKind::Dash {
                    s = s.replace("\\n", "\n").replace("\\t", "\t");
                }
                if newline {
                    s.push('\n');
                }
                Self::ok(s)
            }
            "printf" => {
                let Some(fmt) = args.first() else {
                    return Self::ok(String::new());
                };
                Self::ok(printf(fmt, &args[1..]))
            }
            "exit" => {
                let code = args
                    .first()
                    .and_then(|c| c.parse::<i32>().ok())
                    .map_or(self.status, |c| c & 0xff);
                (
                    String::new(),
                    String::new(),
                    Outcome {
                        status: code,
                        effect: Effect::Exit(code),
                    },
                )
            }
            "true" | ":" | "set" | "trap" | "wait" | "shift" | "local" | "sync" | "kill" => {
                Self::ok(String::new())
            }
            "false" => Self::fail(String::new(), 1),
            "read" => Self::fail(String::new(), 1),
            "return" => (
                String::new(),
                String::new(),
                Outcome {
                    status: 0,
                    effect: Effect::Exit(self.status),
                },
            ),
            "export" => {
                for a in &args {
                    if let Some((k, v)) = a.split_once('=') {
                        Arc::make_mut(&mut self.vars).insert(k.to_string(), v.to_string());
                    }
                }
                Self::ok(String::new())
            }
            "unset" => {
                for a in &args {
                    Arc::make_mut(&mut self.vars).remove(a);
                }
                Self::ok(String::new())
            }
            "cd" => {
                let target = normalize(&self.cwd, args.first().map_or("/root", String::as_str));
                if fs.is_dir(&target) {
                    self.cwd = target;
                    Self::ok(String::new())
                } else {
                    Self::fail(
                        format!(
                            "{}: cd: can't cd to {}: No such file or directory\n",
                            self.shell_name(),
                            args.first().map_or("", String::as_str)
                        ),
                        2,
                    )
                }
            }
            "pwd" => Self::ok(format!("{}\n", self.cwd)),
            "test" | "[" => {
                let mut a: Vec<String> = args.clone();
                if name == "[" {
                    if a.last().map(String::as_str) != Some("]") {
                        return Self::fail(format!("{}: missing ]\n", self.shell_name()), 2);
                    }
                    a.pop();
                }
                let ok = test_expr(&a, fs, &self.cwd);
                Self::fail(String::new(), if ok { 0 } else { 1 })
            }
            "sleep" => {
                let Some(a) = args.first() else {
                    return Self::fail(
                        "sleep: missing operand\nTry 'sleep --help' for more information.\n".into(),
                        1,
                    );
                };
                if a == "infinity" || a == "inf" {
                    return (
                        String::new(),
                        String::new(),
                        Outcome {
                            status: 0,
                            effect: Effect::Serve(Server::Idle, Vec::new(), 0),
                        },
                    );
                }
                let mut total = 0u64;
                for a in &args {
                    match parse_sleep(a) {
                        Some(ms) => total = total.saturating_add(ms),
                        None => return Self::fail(format!("sleep: invalid number '{a}'\n"), 1),
                    }
                }
                // Anything beyond ~30 years is forever.
                if total > 1_000_000_000_000 {
                    return (
                        String::new(),
                        String::new(),
                        Outcome {
                            status: 0,
                            effect: Effect::Serve(Server::Idle, Vec::new(), 0),
                        },
                    );
                }
                (
                    String::new(),
                    String::new(),
                    Outcome {
                        status: 0,
                        effect: Effect::Sleep(total),
                    },
                )
            }
            "date" => {
                let fmt = args.iter().find(|a| a.starts_with('+')).map(|s| &s[1..]);
                Self::ok(format!(
                    "{}\n",
                    format_date(self.clock, fmt.unwrap_or("%a %b %e %H:%M:%S UTC %Y"))
                ))
            }
            "hostname" => Self::ok(format!("{}\n", self.ctx.hostname)),
            "whoami" => Self::ok("root\n".into()),
            "id" => Self::ok("uid=0(root) gid=0(root) groups=0(root)\n".into()),
            "uname" => {
                let s = match args.first().map(String::as_str) {
                    Some("-a") => format!("Linux {} {} #85-Ubuntu SMP PREEMPT_DYNAMIC Thu Sep 18 15:26:59 UTC 2025 x86_64 GNU/Linux", self.ctx.hostname, self.ctx.kernel),
                    Some("-r") => self.ctx.kernel.clone(),
                    Some("-m") => "x86_64".into(),
                    Some("-n") => self.ctx.hostname.clone(),
                    _ => "Linux".into(),
                };
                Self::ok(format!("{s}\n"))
            }
            "printenv" | "env" => {
                if name == "printenv" && !args.is_empty() {
                    let mut out = String::new();
                    let mut status = 0;
                    for a in &args {
                        match env_for_child.get(a) {
                            Some(v) => out.push_str(&format!("{v}\n")),
                            None => status = 1,
                        }
                    }
                    return (
                        out,
                        String::new(),
                        Outcome {
                            status,
                            effect: Effect::None,
                        },
                    );
                }
                if name == "env" && !args.is_empty() {
                    let mut extra = env_for_child.clone();
                    let mut rest = Vec::new();
                    for a in &args {
                        match a.split_once('=') {
                            Some((k, v)) if rest.is_empty() => {
                                Arc::make_mut(&mut extra).insert(k.into(), v.into());
                            }
                            _ => rest.push(a.clone()),
                        }
                    }
                    if !rest.is_empty() {
                        let saved = std::mem::replace(&mut self.vars, extra);
                        let r = self.builtin(&rest, &[], stdin, fs);
                        self.vars = saved;
                        return r;
                    }
                    env_for_child = extra;
                }
                let out: String = env_for_child
                    .iter()
                    .filter(|(k, _)| {
                        k.chars()
                            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                            || self.shell == ShellKind::None
                    })
                    .map(|(k, v)| format!("{k}={v}\n"))
                    .collect();
                Self::ok(out)
            }
            "cat" => {
                let files: Vec<&String> = args
                    .iter()
                    .filter(|a| !a.starts_with('-') || a.as_str() == "-")
                    .collect();
                if files.is_empty() {
                    return Self::ok(stdin.unwrap_or_default());
                }
                let mut out = String::new();
                let mut err = String::new();
                let mut status = 0;
                for f in files {
                    let p = normalize(&self.cwd, f);
                    match fs.read(&p) {
                        Ok(c) => out.push_str(c),
                        Err(e) => {
                            status = 1;
                            err.push_str(&match self.ctx.base {
                                Base::BusyBox | Base::Alpine => {
                                    format!("cat: can't open '{f}': {e}\n")
                                }
                                _ => format!("cat: {f}: {e}\n"),
                            });
                        }
                    }
                }
                (
                    out,
                    err,
                    Outcome {
                        status,
                        effect: Effect::None,
                    },
                )
            }
            "touch" => {
                for f in args.iter().filter(|a| !a.starts_with('-')) {
                    let p = normalize(&self.cwd, f);
                    if !fs.exists(&p) {
                        if let Err(e) = fs.write(&p, "") {
                            return Self::fail(format!("touch: {f}: {e}\n"), 1);
                        }
                    }
                }
                Self::ok(String::new())
            }
            "rm" => {
                let force = args.iter().any(|a| a.starts_with('-') && a.contains('f'));
                let recursive = args
                    .iter()
                    .any(|a| a.starts_with('-') && (a.contains('r') || a.contains('R')));
                let mut err = String::new();
                for f in args.iter().filter(|a| !a.starts_with('-')) {
                    let p = normalize(&self.cwd, f);
                    match fs.remove(&p, recursive) {
                        Ok(()) => {}
                        Err(FsError::NotFound) if force => {}
                        Err(FsError::IsDirectory) | Err(FsError::NotEmpty) => {
                            err.push_str(&format!("rm: '{f}' is a directory\n"))
                        }
                        Err(e) => err.push_str(&format!("rm: can't remove '{f}': {e}\n")),
                    }
                }
                let status = if err.is_empty() { 0 } else { 1 };
                (
                    String::new(),
                    err,
                    Outcome {
                        status,
                        effect: Effect::None,
                    },
                )
            }
            "mkdir" => {
                let parents = args.iter().any(|a| a == "-p");
                for d in args.iter().filter(|a| !a.starts_with('-')) {
                    let p = normalize(&self.cwd, d);
                    if fs.exists(&p) && !parents {
                        return Self::fail(
                            format!("mkdir: can't create directory '{d}': File exists\n"),
                            1,
                        );
                    }
                    let parent_ok = fs.is_dir(&normalize(&p, ".."));
                    if !parents && !parent_ok {
                        return Self::fail(
                            format!(
                                "mkdir: can't create directory '{d}': No such file or directory\n"
                            ),
                            1,
                        );
                    }
                    let _ = fs.mkdir_p(&p);
                }
                Self::ok(String::new())
            }
            "ls" => {
                let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
                let targets: Vec<String> = if paths.is_empty() {
                    vec![self.cwd.clone()]
                } else {
                    paths.iter().map(|p| normalize(&self.cwd, p)).collect()
                };
                let mut out = String::new();
                let mut err = String::new();
                for (t, raw) in targets.iter().zip(
                    paths
                        .iter()
                        .map(|s| s.as_str())
                        .chain(std::iter::repeat(".")),
                ) {
                    match fs.list(t) {
                        Ok(names) => {
                            if targets.len() > 1 {
                                out.push_str(&format!("{raw}:\n"));
                            }
                            for n in names {
                                out.push_str(&n);
                                out.push('\n');
                            }
                        }
                        Err(_) => err.push_str(&format!("ls: {raw}: No such file or directory\n")),
                    }
                }
                let status = if err.is_empty() { 0 } else { 1 };
                (
                    out,
                    err,
                    Outcome {
                        status,
                        effect: Effect::None,
                    },
                )
            }
            "head" | "tail" => {
                if name == "tail" && args.iter().any(|a| a == "-f" || a == "-F") {
                    return (
                        String::new(),
                        String::new(),
                        Outcome {
                            status: 0,
                            effect: Effect::Serve(Server::Idle, Vec::new(), 0),
                        },
                    );
                }
                let mut n = 10usize;
                let mut files = Vec::new();
                let mut it = args.iter();
                while let Some(a) = it.next() {
                    if a == "-n" {
                        n = it
                            .next()
                            .and_then(|v| v.trim_start_matches('+').parse().ok())
                            .unwrap_or(10);
                    } else if let Some(v) = a.strip_prefix("-n") {
                        n = v.parse().unwrap_or(10);
                    } else if let Some(v) = a.strip_prefix('-') {
                        n = v.parse().unwrap_or(10);
                    } else {
                        files.push(a.clone());
                    }
                }
                let text = match files.first() {
                    Some(f) => match fs.read(&normalize(&self.cwd, f)) {
                        Ok(c) => c.to_string(),
                        Err(e) => return Self::fail(format!("{name}: {f}: {e}\n"), 1),
                    },
                    None => stdin.unwrap_or_default(),
                };
                let lines: Vec<&str> = text.lines().collect();
                let sel: Vec<&str> = if name == "head" {
                    lines.iter().take(n).copied().collect()
                } else {
                    lines[lines.len().saturating_sub(n)..].to_vec()
                };
                Self::ok(sel.iter().map(|l| format!("{l}\n")).collect())
            }
            "grep" | "egrep" => {
                let invert = args.iter().any(|a| a.starts_with('-') && a.contains('v'));
                let icase = args.iter().any(|a| a.starts_with('-') && a.contains('i'));
                let count = args.iter().any(|a| a.starts_with('-') && a.contains('c'));
                let rest: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
                let Some(pat) = rest.first() else {
                    return Self::fail(
                        "Usage: grep [-HhnlLoqvsriwFE] PATTERN [FILE]...\n".into(),
                        2,
                    );
                };
                let text = match rest.get(1) {
                    Some(f) => match fs.read(&normalize(&self.cwd, f)) {
                        Ok(c) => c.to_string(),
                        Err(e) => return Self::fail(format!("grep: {f}: {e}\n"), 2),
                    },
                    None => stdin.unwrap_or_default(),
                };
                let matches: Vec<&str> = text
                    .lines()
                    .filter(|l| {
                        let m = if icase {
                            l.to_lowercase().contains(&pat.to_lowercase())
                        } else {
                            l.contains(pat.as_str())
                        };
                        m != invert
                    })
                    .collect();
                let status = if matches.is_empty() { 1 } else { 0 };
                let out = if count {
                    format!("{}\n", matches.len())
                } else {
                    matches.iter().map(|l| format!("{l}\n")).collect()
                };
                (
                    out,
                    String::new(),
                    Outcome {
                        status,
                        effect: Effect::None,
                    },
                )
            }
            "wc" => {
                let file = args.iter().find(|a| !a.starts_with('-'));
                let text = match file {
                    Some(f) => fs
                        .read(&normalize(&self.cwd, f))
                        .map(str::to_string)
                        .unwrap_or_default(),
                    None => stdin.unwrap_or_default(),
                };
                let (l, w, c) = (
                    text.matches('\n').count(),
                    text.split_whitespace().count(),
                    text.len(),
                );
                let out = if args.iter().any(|a| a == "-l") {
                    format!("{l}\n")
                } else if args.iter().any(|a| a == "-w") {
                    format!("{w}\n")
                } else if args.iter().any(|a| a == "-c") {
                    format!("{c}\n")
                } else {
                    format!("{l:>7} {w:>7} {c:>7}\n")
                };
                Self::ok(out)
            }
            "sort" => {
                let mut lines: Vec<String> = stdin
                    .unwrap_or_default()
                    .lines()
                    .map(str::to_string)
                    .collect();
                lines.sort();
                Self::ok(lines.iter().map(|l| format!("{l}\n")).collect())
            }
            "seq" => {
                let nums: Vec<i64> = args.iter().filter_map(|a| a.parse().ok()).collect();
                let (a, b) = match nums.as_slice() {
                    [n] => (1, *n),
                    [a, b, ..] => (*a, *b),
                    _ => return Self::fail("seq: missing operand\n".into(), 1),
                };
                let out: String = (a..=b.min(a + 100_000)).map(|i| format!("{i}\n")).collect();
                Self::ok(out)
            }
            "expr" => {
                let expr = args.join(" ");
                let v = self.arith(&expr);
                (
                    format!("{v}\n"),
                    String::new(),
                    Outcome {
                        status: if v == 0 { 1 } else { 0 },
                        effect: Effect::None,
                    },
                )
            }
            "wget" => {
                let url = args
                    .iter()
                    .find(|a| !a.starts_with('-'))
                    .cloned()
                    .unwrap_or_default();
                let host = url
                    .trim_start_matches("http://")
                    .trim_start_matches("https://")
                    .split(['/', ':'])
                    .next()
                    .unwrap_or("")
                    .to_string();
                Self::fail(format!("wget: bad address '{host}'\n"), 1)
            }
            "curl" => {
                let url = args.iter().find(|a| !a.starts_with('-')).cloned();
                match url {
                    None => Self::fail(
                        "curl: try 'curl --help' or 'curl --manual' for more information\n".into(),
                        2,
                    ),
                    Some(u) => {
                        let host = u
                            .trim_start_matches("http://")
                            .trim_start_matches("https://")
                            .split(['/', ':'])
                            .next()
                            .unwrap_or("")
                            .to_string();
                        Self::fail(format!("curl: (6) Could not resolve host: {host}\n"), 6)
                    }
                }
            }
            "nslookup" => Self::fail(
                ";; connection timed out; no servers could be reached\n\n".into(),
                1,
            ),
            "sh" | "bash" | "ash" | "dash" => self.nested_shell(&name, &args, fs, stdin),
            // Programs with their own behaviour.
            _ => self.program(&name, &full, &args, &env_for_child, fs),
        }
    }

    /// `sh -c "..."` run from inside a script: runs to completion at once.
    fn nested_shell(
        &mut self,
        name: &str,
        args: &[String],
        fs: &mut ContainerFs,
        _stdin: Option<String>,
    ) -> (String, String, Outcome) {
        let script = match args
            .iter()
            .position(|a| a == "-c" || (a.starts_with('-') && a.ends_with('c')))
        {
            Some(i) => args.get(i + 1).cloned().unwrap_or_default(),
            None => match args.iter().find(|a| !a.starts_with('-')) {
                Some(f) => fs
                    .read(&normalize(&self.cwd, f))
                    .map(str::to_string)
                    .unwrap_or_default(),
                None => String::new(),
            },
        };
        let node = match parse(&script) {
            Ok(n) => n,
            Err(e) => return Self::fail(format!("{name}: -c: line 1: {e}\n"), 2),
        };
        let mut code = Vec::new();
        let mut slots = 0;
        compile(&node, &mut code, &mut slots);
        let kind = shell_kind(self.ctx.base, name);
        let mut sub = Process::new(&self.ctx, self.vars.clone(), kind, code, slots, self.clock);
        sub.cwd = self.cwd.clone();
        let mut log = ContainerLog::default();
        for _ in 0..1000 {
            match sub.state {
                ProcState::Sleeping(_) => sub.state = ProcState::Ready,
                ProcState::Ready => {}
                _ => break,
            }
            sub.advance(sub.clock, fs, &mut log);
        }
        let status = sub.exit_code().unwrap_or(sub.status);
        (
            log.text(),
            String::new(),
            Outcome {
                status,
                effect: Effect::None,
            },
        )
    }

    /// Programs other than shell utilities: servers, wrappers and one-shot tools.
    fn program(
        &mut self,
        name: &str,
        full: &str,
        args: &[String],
        env: &BTreeMap<String, String>,
        fs: &mut ContainerFs,
    ) -> (String, String, Outcome) {
        let serve = |s: Server, lines: Vec<(u64, String)>, ready: u64| {
            (
                String::new(),
                String::new(),
                Outcome {
                    status: 0,
                    effect: Effect::Serve(s, lines, ready),
                },
            )
        };
        let t0 = self.clock;
        match name {
            "docker-entrypoint.sh" | "entrypoint.sh" | "tini" | "dumb-init" | "gosu" | "nohup" | "timeout" => {
                let mut rest: Vec<String> = args.to_vec();
                if name == "tini" || name == "dumb-init" {
                    rest.retain(|a| a != "--");
                }
                if name == "timeout" && !rest.is_empty() {
                    rest.remove(0);
                }
                if name == "docker-entrypoint.sh" && full.starts_with("/docker-entrypoint.sh") && self.ctx.app == App::Nginx {
                    return self.nginx_entrypoint(&rest, fs);
                }
                if rest.is_empty() {
                    return Self::ok(String::new());
                }
                // Official images' entrypoints run `mysqld`, `redis-server`, ... or the given command.
                self.builtin(&rest, &[], None, fs)
            }
            "nginx" => {
                if args.iter().any(|a| a == "-v" || a == "-V") {
                    let v = env.get("NGINX_VERSION").cloned().unwrap_or_else(|| "1.29.3".into());
                    return Self::fail(format!("nginx version: nginx/{v}\n"), 0);
                }
                if args.iter().any(|a| a == "-t") {
                    return Self::fail("nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\nnginx: configuration file /etc/nginx/nginx.conf test is successful\n".into(), 0);
                }
                let version = env.get("NGINX_VERSION").cloned().unwrap_or_else(|| "1.29.3".into());
                let lines = nginx_start_lines(t0, &version, self.ctx.node_cpus, &self.ctx.kernel);
                serve(Server::Nginx { version }, lines.into_iter().map(|l| (0, l)).collect(), 0)
            }
            "httpd-foreground" | "httpd" | "apache2-foreground" => {
                let ip = &self.ctx.pod_ip;
                let ts = httpd_time(t0);
                let lines = vec![
                    format!("AH00558: httpd: Could not reliably determine the server's fully qualified domain name, using {ip}. Set the 'ServerName' directive globally to suppress this message"),
                    format!("AH00558: httpd: Could not reliably determine the server's fully qualified domain name, using {ip}. Set the 'ServerName' directive globally to suppress this message"),
                    format!("[{ts}] [mpm_event:notice] [pid 1:tid 1] AH00489: Apache/2.4.65 (Unix) configured -- resuming normal operations"),
                    format!("[{ts}] [core:notice] [pid 1:tid 1] AH00094: Command line: 'httpd -D FOREGROUND'"),
                ];
                serve(Server::Httpd, lines.into_iter().map(|l| (0, l)).collect(), 0)
            }
            "redis-server" => {
                let ts = redis_time(t0);
                let lines = [
                    "1:C {ts} * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
                    "1:C {ts} * Redis version=8.2.3, bits=64, commit=00000000, modified=1, pid=1, just started",
                    "1:C {ts} # Warning: no config file specified, using the default config. In order to specify a config file use redis-server /path/to/redis.conf",
                    "1:M {ts} * monotonic clock: POSIX clock_gettime",
                    "1:M {ts} * Running mode=standalone, port=6379.",
                    "1:M {ts} * Server initialized",
                    "1:M {ts} * Ready to accept connections tcp",
                ];
                serve(Server::Redis, lines.iter().map(|l| (0, l.replace("{ts}", &ts))).collect(), 0)
            }
            "mysqld" => {
                let version = env.get("MYSQL_VERSION").cloned().unwrap_or_else(|| "8.4.7-1.el9".into());
                let ts = |ms: u64| format!("{}+00:00", format_date(t0.plus_ms(ms), "%Y-%m-%d %H:%M:%S"));
                let has_pw = ["MYSQL_ROOT_PASSWORD", "MYSQL_ALLOW_EMPTY_PASSWORD", "MYSQL_RANDOM_ROOT_PASSWORD"].iter().any(|k| env.get(*k).is_some_and(|v| !v.is_empty()));
                let mut out = format!(
                    "{t} [Note] [Entrypoint]: Entrypoint script for MySQL Server {version} started.\n{t} [Note] [Entrypoint]: Switching to dedicated user 'mysql'\n{t} [Note] [Entrypoint]: Entrypoint script for MySQL Server {version} started.\n",
                    t = ts(0)
                );
                if !has_pw {
                    out.push_str(&format!("{} [ERROR] [Entrypoint]: Database is uninitialized and password option is not specified\n    You need to specify one of the following as an environment variable:\n    - MYSQL_ROOT_PASSWORD\n    - MYSQL_ALLOW_EMPTY_PASSWORD\n    - MYSQL_RANDOM_ROOT_PASSWORD\n", ts(0)));
                    return (String::new(), out, Outcome { status: 1, effect: Effect::Exit(1) });
                }
                let short = version.split('-').next().unwrap_or("8.4.7").to_string();
                let iso = |ms: u64| format!("{}Z", format_date(t0.plus_ms(ms), "%Y-%m-%dT%H:%M:%S.000000"));
                let mut lines: Vec<(u64, String)> = out.lines().map(|l| (0, l.to_string())).collect();
                lines.push((200, format!("{} [Note] [Entrypoint]: Initializing database files", ts(200))));
                lines.push((9_000, format!("{} [Note] [Entrypoint]: Database files initialized", ts(9_000))));
                lines.push((9_100, format!("{} [Note] [Entrypoint]: Starting temporary server", ts(9_100))));
                lines.push((12_000, format!("{} [Note] [Entrypoint]: MySQL init process done. Ready for start up.", ts(12_000))));
                lines.push((13_000, format!("{} 0 [System] [MY-015015] [Server] MySQL Server - start.", iso(13_000))));
                lines.push((14_000, format!("{} 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '{short}'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL.", iso(14_000))));
                self.memory = 400 << 20;
                serve(Server::Mysql, lines, 14_000)
            }
            "postgres" => {
                if env.get("POSTGRES_PASSWORD").is_none_or(|v| v.is_empty()) && env.get("POSTGRES_HOST_AUTH_METHOD").map(String::as_str) != Some("trust") {
                    let msg = "Error: Database is uninitialized and superuser password is not specified.\n       You must specify POSTGRES_PASSWORD to a non-empty value for the\n       superuser. For example, \"-e POSTGRES_PASSWORD=password\" on \"docker run\".\n\n       You may also use \"POSTGRES_HOST_AUTH_METHOD=trust\" to allow all\n       connections without a password. This is *not* recommended.\n\n       See PostgreSQL documentation about \"trust\":\n       https://www.postgresql.org/docs/current/auth-trust.html\n";
                    return (String::new(), msg.into(), Outcome { status: 1, effect: Effect::Exit(1) });
                }
                let ts = |ms: u64| format!("{}.000 UTC", format_date(t0.plus_ms(ms), "%Y-%m-%d %H:%M:%S"));
                let lines = vec![
                    (0, "The files belonging to this database system will be owned by user \"postgres\".".to_string()),
                    (0, "This user must also own the server process.".to_string()),
                    (3_000, "PostgreSQL init process complete; ready for start up.".to_string()),
                    (3_100, format!("{} [1] LOG:  starting PostgreSQL 18.1 (Debian 18.1-1.pgdg13+2) on x86_64-pc-linux-gnu, compiled by gcc (Debian 14.2.0-19) 14.2.0, 64-bit", ts(3_100))),
                    (3_100, format!("{} [1] LOG:  listening on IPv4 address \"0.0.0.0\", port 5432", ts(3_100))),
                    (3_200, format!("{} [1] LOG:  database system is ready to accept connections", ts(3_200))),
                ];
                serve(Server::Postgres, lines, 3_200)
            }
            "mongod" => {
                let d = format_date(t0, "%Y-%m-%dT%H:%M:%S.000+00:00");
                let lines = vec![
                    (0, format!("{{\"t\":{{\"$date\":\"{d}\"}},\"s\":\"I\",  \"c\":\"CONTROL\",  \"id\":23285,   \"ctx\":\"main\",\"msg\":\"Automatically disabling TLS 1.0 and TLS 1.1, to force-enable TLS 1.1 specify --sslDisabledProtocols 'TLS1_0'; to force-enable TLS 1.0 specify --sslDisabledProtocols 'none'\"}}")),
                    (1_500, format!("{{\"t\":{{\"$date\":\"{d}\"}},\"s\":\"I\",  \"c\":\"NETWORK\",  \"id\":23016,   \"ctx\":\"listener\",\"msg\":\"Waiting for connections\",\"attr\":{{\"port\":27017,\"ssl\":\"off\"}}}}")),
                ];
                serve(Server::Mongo, lines, 1_500)
            }
            "memcached" => serve(Server::Memcached, Vec::new(), 0),
            "node" => {
                match args.first().map(String::as_str) {
                    Some("app.js") | Some("/app.js") | Some("server.js") | Some("index.js") => {
                        let line = if self.ctx.app == App::AppJs && env.get("NODE_VERSION").map(String::as_str) == Some("7.10.1") { vec![(0, "Kubia server starting...".to_string())] } else { Vec::new() };
                        serve(Server::AppJs, line, 0)
                    }
                    Some("-v") | Some("--version") => Self::ok("v24.11.1\n".into()),
                    // No script and no terminal: the REPL reads EOF and exits.
                    _ => Self::ok(String::new()),
                }
            }
            "python" | "python3" => Self::ok(String::new()),
            "fluentd" => {
                let ts = format_date(t0, "%Y-%m-%d %H:%M:%S +0000");
                let lines = vec![
                    (0, format!("{ts} [info]: init supervisor logger path=nil rotate_age=nil rotate_size=nil")),
                    (0, format!("{ts} [info]: parsing config file is succeeded path=\"/fluentd/etc/fluent.conf\"")),
                    (500, format!("{ts} [info]: starting fluentd-1.18.0 pid=7 ruby=\"3.2.8\"")),
                    (900, format!("{ts} [info]: #0 fluentd worker is now running worker=0")),
                ];
                serve(Server::Fluentd, lines, 900)
            }
            "jupyter" => {
                // Notebook 7 on Jupyter Server 2 (what `pip install jupyter` gives the
                // tensorflow `-jupyter` images): `jupyter notebook --notebook-dir=/tf --ip 0.0.0.0`.
                if args.first().map(String::as_str) != Some("notebook") && args.first().map(String::as_str) != Some("lab") {
                    return Self::ok("Selected Jupyter core packages...\nIPython          : 8.31.0\nipykernel        : 6.29.5\njupyter_client   : 8.6.3\njupyter_core     : 5.7.2\njupyter_server   : 2.15.0\njupyterlab       : 4.3.5\nnbclient         : 0.10.2\nnbconvert        : 7.16.6\nnbformat         : 5.10.4\nnotebook         : 7.3.2\nqtconsole        : not installed\ntraitlets        : 5.14.3\n".into());
                }
                let dir = args.iter().find_map(|a| a.strip_prefix("--notebook-dir=")).unwrap_or("/");
                let token = &super::images::digest_hex(&format!("jupyter/{}", self.ctx.hostname))[..48];
                let host = &self.ctx.hostname;
                let ts = |ms: u64| format_date(t0.plus_ms(ms), "%Y-%m-%d %H:%M:%S.000");
                let (a, b) = (ts(1_200), ts(2_000));
                let lines = vec![
                    (1_200, format!("[I {a} ServerApp] jupyter_lsp | extension was successfully linked.")),
                    (1_200, format!("[I {a} ServerApp] jupyter_server_terminals | extension was successfully linked.")),
                    (1_200, format!("[I {a} ServerApp] jupyterlab | extension was successfully linked.")),
                    (1_200, format!("[I {a} ServerApp] notebook | extension was successfully linked.")),
                    (1_200, format!("[I {a} ServerApp] Writing Jupyter server cookie secret to /root/.local/share/jupyter/runtime/jupyter_cookie_secret")),
                    (2_000, format!("[I {b} ServerApp] notebook_shim | extension was successfully linked.")),
                    (2_000, format!("[I {b} ServerApp] notebook_shim | extension was successfully loaded.")),
                    (2_000, format!("[I {b} ServerApp] jupyter_lsp | extension was successfully loaded.")),
                    (2_000, format!("[I {b} ServerApp] jupyter_server_terminals | extension was successfully loaded.")),
                    (2_000, format!("[I {b} ServerApp] jupyterlab | extension was successfully loaded.")),
                    (2_000, format!("[I {b} ServerApp] notebook | extension was successfully loaded.")),
                    (2_000, format!("[I {b} ServerApp] Serving notebooks from local directory: {dir}")),
                    (2_000, format!("[I {b} ServerApp] Jupyter Server 2.15.0 is running at:")),
                    (2_000, format!("[I {b} ServerApp] http://{host}:8888/tree?token={token}")),
                    (2_000, format!("[I {b} ServerApp]     http://127.0.0.1:8888/tree?token={token}")),
                    (2_000, format!("[I {b} ServerApp] Use Control-C to stop this server and shut down all kernels (twice to skip confirmation).")),
                    (2_000, format!("[C {b} ServerApp] ")),
                    (2_000, "    ".to_string()),
                    (2_000, "    To access the server, open this file in a browser:".to_string()),
                    (2_000, "        file:///root/.local/share/jupyter/runtime/jpserver-1-open.html".to_string()),
                    (2_000, "    Or copy and paste one of these URLs:".to_string()),
                    (2_000, format!("        http://{host}:8888/tree?token={token}")),
                    (2_000, format!("        http://127.0.0.1:8888/tree?token={token}")),
                ];
                if !args.iter().any(|a| a == "--allow-root") {
                    return Self::fail(format!("[C {a} ServerApp] Running as root is not recommended. Use --allow-root to bypass.\n"), 1);
                }
                serve(Server::Jupyter, lines, 2_000)
            }
            "agnhost" | "server" | "liveness" | "goproxy" => {
                let sub = if name == "agnhost" { args.first().cloned().unwrap_or_default() } else if name == "goproxy" { "goproxy".to_string() } else { "liveness".to_string() };
                match sub.as_str() {
                    "" => Self::fail("Usage:\n  agnhost [flags]\n  agnhost [command]\n".into(), 0),
                    "netexec" | "serve-hostname" | "liveness" | "test-webserver" | "porter" | "fake-gitserver" | "pause" | "goproxy" | "nettest" | "webhook" | "dns-server" => {
                        let line = match sub.as_str() {
                            "netexec" => vec![(0, format!("{} Started HTTP server on port 8080", klog_time(t0)))],
                            "serve-hostname" => vec![(0, format!("{} Serving on port 9376.", klog_time(t0)))],
                            _ => Vec::new(),
                        };
                        serve(Server::Agnhost(sub), line, 0)
                    }
                    other => Self::fail(format!("Error: unknown command \"{other}\" for \"agnhost\"\nRun 'agnhost --help' for usage.\n"), 1),
                }
            }
            "run.sh" | "http-echo" => {
                if name == "run.sh" && self.ctx.app == App::Fluentd {
                    return self.program("fluentd", full, args, env, fs);
                }
                if name == "http-echo" {
                    let text = args.iter().find_map(|a| a.strip_prefix("-text=")).unwrap_or("hello-world").to_string();
                    return serve(Server::HttpEcho(text), vec![(0, format!("{} [INFO] server is listening on :5678", format_date(t0, "%Y/%m/%d %H:%M:%S")))], 0);
                }
                serve(Server::EchoServer, Vec::new(), 0)
            }
            "stress" => {
                if self.ctx.app == App::VishStress || full.starts_with("/stress") {
                    return serve(Server::Stress, vec![(0, format!("{} Allocated 0 Mi of memory", klog_time(t0)))], 0);
                }
                let mut vm = 0u64;
                let mut bytes = 256u64 << 20;
                let mut cpu = 0u64;
                let mut timeout = None;
                let mut it = args.iter();
                while let Some(a) = it.next() {
                    match a.as_str() {
                        "--vm" | "-m" => vm = it.next().and_then(|v| v.parse().ok()).unwrap_or(1),
                        "--vm-bytes" => bytes = it.next().and_then(|v| parse_stress_bytes(v)).unwrap_or(bytes),
                        "--cpu" | "-c" => cpu = it.next().and_then(|v| v.parse().ok()).unwrap_or(1),
                        "--timeout" | "-t" => timeout = it.next().and_then(|v| parse_sleep(v)),
                        "--help" => return Self::fail("`stress' imposes certain types of compute stress on your system\n\nUsage: stress [OPTION [ARG]] ...\n".into(), 1),
                        _ => {}
                    }
                }
                if vm == 0 && cpu == 0 {
                    return Self::fail("stress: FAIL: [1] (244) no workers specified\n".into(), 1);
                }
                self.memory = vm * bytes;
                let line = format!("stress: info: [1] dispatching hogs: {cpu} cpu, 0 io, {vm} vm, 0 hdd");
                if let Some(ms) = timeout {
                    let log = vec![(0, line), (ms, format!("stress: info: [1] successful run completed in {}s", ms / 1000))];
                    self.pending.extend(log.into_iter().map(|(d, l)| (t0.plus_ms(d), l)));
                    return (String::new(), String::new(), Outcome { status: 0, effect: Effect::Sleep(ms) });
                }
                serve(Server::Stress, vec![(0, line)], 0)
            }
            "perl" | "perl5.42.0" => {
                let code: String = args.iter().filter(|a| !a.starts_with("-M") && !a.starts_with("-w") && !a.starts_with("-l") && !a.starts_with("-e") && *a != "-de0").cloned().collect::<Vec<_>>().join(" ");
                if let Some(n) = code.split("bpi(").nth(1).and_then(|r| r.split(')').next()).and_then(|n| n.trim().parse::<usize>().ok()) {
                    let digits = pi_digits(n.clamp(1, 5000));
                    self.pending.push((t0.plus_ms(4_000 + n as u64 * 2), digits));
                    return (String::new(), String::new(), Outcome { status: 0, effect: Effect::Sleep(4_000 + n as u64 * 2) });
                }
                if args.iter().any(|a| a == "-de0") {
                    return Self::ok("\nLoading DB routines from perl5db.pl version 1.77\nEditor support available.\n\nEnter h or 'h h' for help, or 'man perldebug' for more help.\n\nmain::(-e:1):\t0\n".into());
                }
                if let Some(s) = code.split("print \"").nth(1).and_then(|r| r.split('"').next()) {
                    return Self::ok(format!("{}\n", s.replace("\\n", "")));
                }
                Self::ok(String::new())
            }
            "java" => serve(Server::Java, vec![(0, "  .   ____          _            __ _ _".into()), (3_000, format!("{}  INFO 1 --- [           main] o.s.b.w.embedded.tomcat.TomcatWebServer  : Tomcat started on port 8761 (http) with context path '/'", format_date(t0.plus_ms(3000), "%Y-%m-%dT%H:%M:%S.000Z")))], 3_000),
            "pause" => serve(Server::Pause, Vec::new(), 0),
            "nginx-ingress-controller" => {
                let release = env.get(crate::network::ingress::release::RELEASE_ENV).cloned().unwrap_or_default();
                let banner = crate::network::ingress::release::banner(&release);
                if args.iter().any(|a| a == "--version") {
                    return Self::ok(banner);
                }
                serve(Server::IngressNginx, banner.lines().map(|l| (0, l.to_string())).collect(), 0)
            }
            "etcd" | "kube-apiserver" | "kube-controller-manager" | "kube-scheduler" | "kube-proxy" | "coredns" | "start_runit" | "kube-controllers" | "launch.sh" | "metrics-server" | "calico" => {
                serve(Server::System(name.to_string()), Vec::new(), 0)
            }
            // A program of the image Kubarium does not model: it runs and succeeds quietly.
            _ => Self::ok(String::new()),
        }
    }

    /// nginx's `/docker-entrypoint.sh`: configuration scripts, then the given command.
    fn nginx_entrypoint(
        &mut self,
        rest: &[String],
        fs: &mut ContainerFs,
    ) -> (String, String, Outcome) {
        let is_nginx = rest
            .first()
            .is_some_and(|c| c == "nginx" || c == "nginx-debug");
        if !is_nginx {
            return if rest.is_empty() {
                Self::ok(String::new())
            } else {
                self.builtin(rest, &[], None, fs)
            };
        }
        let version = self
            .vars
            .get("NGINX_VERSION")
            .cloned()
            .unwrap_or_else(|| "1.29.3".into());
        let minor: u32 = version
            .split('.')
            .nth(1)
            .and_then(|m| m.parse().ok())
            .unwrap_or(29);
        let mut lines = vec![
            "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration".to_string(),
            "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/".to_string(),
            "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh".to_string(),
            "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf".to_string(),
            "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf".to_string(),
        ];
        if minor >= 25 {
            lines.push(
                "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh"
                    .into(),
            );
        }
        lines.push(
            "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh"
                .into(),
        );
        lines.push(
            "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh"
                .into(),
        );
        lines.push("/docker-entrypoint.sh: Configuration complete; ready for start up".into());
        let (o, e, outcome) = self.builtin(rest, &[], None, fs);
        match outcome.effect {
            Effect::Serve(s, more, ready) => {
                let mut all: Vec<(u64, String)> = lines.into_iter().map(|l| (0, l)).collect();
                all.extend(more);
                (
                    o,
                    e,
                    Outcome {
                        status: 0,
                        effect: Effect::Serve(s, all, ready),
                    },
                )
            }
            other => (
                format!("{}\n{o}", lines.join("\n")),
                e,
                Outcome {
                    status: outcome.status,
                    effect: other,
                },
            ),
        }
    }
}

/// The shell a name runs in an image of `base`.
pub fn shell_kind(base: Base, name: &str) -> ShellKind {
    let n = name.rsplit('/').next().unwrap_or(name);
    match (base, n) {
        (_, "bash") => ShellKind::Bash,
        (Base::Debian | Base::Ubuntu, _) => ShellKind::Dash,
        (Base::Centos | Base::OracleLinux, _) => ShellKind::Bash,
        _ => ShellKind::Ash,
    }
}

/// Starts a container: resolves the argv, shells become compiled scripts.
pub fn start(
    argv: &[String],
    ctx: &Context,
    env: &Arc<BTreeMap<String, String>>,
    fs: &ContainerFs,
    now: SimTime,
) -> Launch {
    let Some(cmd0) = argv.first() else {
        return Process::launch(argv, ctx, env, fs, now);
    };
    let n = cmd0.rsplit('/').next().unwrap_or(cmd0);
    if ["sh", "bash", "ash", "dash"].contains(&n) && has_command(ctx.base, ctx.app, n) {
        let kind = shell_kind(ctx.base, n);
        let args = &argv[1..];
        let c_at = args
            .iter()
            .position(|a| a.starts_with('-') && a.ends_with('c') && a.len() >= 2);
        let (script, positional) = match c_at {
            Some(i) => (
                args.get(i + 1).cloned(),
                args.get(i + 2..).map(|r| r.to_vec()).unwrap_or_default(),
            ),
            None => match args.iter().find(|a| !a.starts_with('-')) {
                Some(f) => match fs.read(&normalize("/", f)) {
                    Ok(c) => (Some(c.to_string()), Vec::new()),
                    Err(_) => {
                        let msg = match kind {
                            ShellKind::Bash => format!("{n}: {f}: No such file or directory"),
                            ShellKind::Dash => format!("{n}: 0: cannot open {f}: No such file"),
                            _ => format!("{n}: can't open '{f}': No such file or directory"),
                        };
                        let code = if kind == ShellKind::Ash { 2 } else { 127 };
                        return Launch::Run(Box::new(script_process(
                            &format!("echo '{msg}'; exit {code}"),
                            ctx,
                            env,
                            kind,
                            now,
                        )));
                    }
                },
                // An interactive shell with no terminal reads EOF and exits; with stdin it waits.
                None => (
                    if ctx.stdin {
                        Some("sleep infinity".to_string())
                    } else {
                        None
                    },
                    Vec::new(),
                ),
            },
        };
        let script = script.unwrap_or_default();
        let mut p = match parse(&script) {
            Ok(_) => script_process(&script, ctx, env, kind, now),
            Err(e) => {
                let msg = match kind {
                    ShellKind::Bash => format!("{n}: -c: line 1: {e}"),
                    ShellKind::Dash => format!("{n}: 1: {e}"),
                    _ => format!("{n}: {e}"),
                };
                script_process(
                    &format!("echo '{}'; exit 2", msg.replace('\'', "")),
                    ctx,
                    env,
                    kind,
                    now,
                )
            }
        };
        p.positional = positional.into_iter().skip(1).collect();
        return Launch::Run(Box::new(p));
    }
    Process::launch(argv, ctx, env, fs, now)
}

fn script_process(
    script: &str,
    ctx: &Context,
    env: &Arc<BTreeMap<String, String>>,
    kind: ShellKind,
    now: SimTime,
) -> Process {
    let node = parse(script).unwrap_or(Node::Seq(Vec::new()));
    let mut code = Vec::new();
    let mut slots = 0;
    compile(&node, &mut code, &mut slots);
    Process::new(ctx, with_hostname(env, ctx), kind, code, slots, now)
}

/// A process's variables: the container's environment, shared until the process changes a
/// variable, with `HOSTNAME` set if the environment has none.
fn with_hostname(
    env: &Arc<BTreeMap<String, String>>,
    ctx: &Context,
) -> Arc<BTreeMap<String, String>> {
    let mut vars = Arc::clone(env);
    if !vars.contains_key("HOSTNAME") {
        Arc::make_mut(&mut vars).insert("HOSTNAME".into(), ctx.hostname.clone());
    }
    vars
}

/// Runs a command to completion at once (exec probes): exit code and combined output.
pub fn run_once(
    argv: &[String],
    ctx: &Context,
    env: &Arc<BTreeMap<String, String>>,
    fs: &mut ContainerFs,
    now: SimTime,
) -> (i32, String) {
    match start(argv, ctx, env, fs, now) {
        Launch::StartError(msg) => (128, msg),
        Launch::Run(mut p) => {
            let mut log = ContainerLog::default();
            for _ in 0..1000 {
                match p.state {
                    ProcState::Sleeping(_) => p.state = ProcState::Ready,
                    ProcState::Ready => {}
                    _ => break,
                }
                let at = p.clock;
                p.advance(at, fs, &mut log);
            }
            (p.exit_code().unwrap_or(0), log.text())
        }
    }
}

// ---------------------------------------------------------------- helpers

fn parse_sleep(a: &str) -> Option<u64> {
    let (num, mult) = match a.chars().last()? {
        's' => (&a[..a.len() - 1], 1000.0),
        'm' => (&a[..a.len() - 1], 60_000.0),
        'h' => (&a[..a.len() - 1], 3_600_000.0),
        'd' => (&a[..a.len() - 1], 86_400_000.0),
        _ => (a, 1000.0),
    };
    let v: f64 = num.parse().ok()?;
    (v >= 0.0 && v.is_finite()).then_some((v * mult) as u64)
}

fn parse_stress_bytes(v: &str) -> Option<u64> {
    let (num, mult) = match v.chars().last()? {
        'B' | 'b' => (&v[..v.len() - 1], 1u64),
        'K' | 'k' => (&v[..v.len() - 1], 1 << 10),
        'M' | 'm' => (&v[..v.len() - 1], 1 << 20),
        'G' | 'g' => (&v[..v.len() - 1], 1 << 30),
        _ => (v, 1),
    };
    num.parse::<u64>().ok().map(|n| n * mult)
}

fn printf(fmt: &str, args: &[String]) -> String {
    let fmt = fmt.replace("\\n", "\n").replace("\\t", "\t");
    let mut out = String::new();
    let mut idx = 0;
    loop {
        let mut chars = fmt.chars().peekable();
        let mut used = false;
        while let Some(c) = chars.next() {
            if c == '%' {
                match chars.next() {
                    Some('%') => out.push('%'),
                    Some(_) => {
                        out.push_str(args.get(idx).map_or("", String::as_str));
                        idx += 1;
                        used = true;
                    }
                    None => out.push('%'),
                }
            } else {
                out.push(c);
            }
        }
        if !used || idx >= args.len() {
            break;
        }
    }
    out
}

fn test_expr(a: &[String], fs: &ContainerFs, cwd: &str) -> bool {
    match a {
        [] => false,
        [x] => !x.is_empty(),
        [bang, rest @ ..] if bang == "!" => !test_expr(rest, fs, cwd),
        [op, x] => {
            let p = normalize(cwd, x);
            match op.as_str() {
                "-f" => fs.is_file(&p),
                "-d" => fs.is_dir(&p),
                "-e" | "-r" | "-w" | "-x" => fs.exists(&p),
                "-s" => fs.read(&p).is_ok_and(|c| !c.is_empty()),
                "-z" => x.is_empty(),
                "-n" => !x.is_empty(),
                _ => false,
            }
        }
        [l, op, r] => {
            let (li, ri) = (
                l.trim().parse::<i64>().unwrap_or(0),
                r.trim().parse::<i64>().unwrap_or(0),
            );
            match op.as_str() {
                "=" | "==" => l == r,
                "!=" => l != r,
                "-eq" => li == ri,
                "-ne" => li != ri,
                "-lt" => li < ri,
                "-le" => li <= ri,
                "-gt" => li > ri,
                "-ge" => li >= ri,
                _ => false,
            }
        }
        [l @ .., and, r1, r2, r3] if and == "-a" => {
            test_expr(l, fs, cwd) && test_expr(&[r1.clone(), r2.clone(), r3.clone()], fs, cwd)
        }
        _ => false,
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// Formats a simulated instant with `strftime`-like specifiers (UTC).
///
/// Worked example: the epoch plus 5 s with the default format of `date` is
/// `Mon Nov 23 09:00:05 UTC 2026`.
pub fn format_date(t: SimTime, fmt: &str) -> String {
    let ms = t.unix_ms() as i64;
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = crate::sim::clock::civil_from_days(days);
    let (hh, mm, ss) = (sod / 3600, (sod / 60) % 60, sod % 60);
    let wd = DAYS[days.rem_euclid(7) as usize];
    let mut out = String::with_capacity(fmt.len() + 16);
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => {
                let _ = write!(out, "{y}");
            }
            Some('m') => {
                let _ = write!(out, "{m:02}");
            }
            Some('d') => {
                let _ = write!(out, "{d:02}");
            }
            Some('e') => {
                let _ = write!(out, "{d:>2}");
            }
            Some('H') => {
                let _ = write!(out, "{hh:02}");
            }
            Some('M') => {
                let _ = write!(out, "{mm:02}");
            }
            Some('S') => {
                let _ = write!(out, "{ss:02}");
            }
            Some('T') => {
                let _ = write!(out, "{hh:02}:{mm:02}:{ss:02}");
            }
            Some('F') => {
                let _ = write!(out, "{y}-{m:02}-{d:02}");
            }
            Some('s') => {
                let _ = write!(out, "{secs}");
            }
            Some('a') => out.push_str(wd),
            Some('b') => out.push_str(MONTHS[(m - 1) as usize]),
            Some('y') => {
                let _ = write!(out, "{:02}", y % 100);
            }
            Some('Z') => out.push_str("UTC"),
            Some('z') => out.push_str("+0000"),
            Some('N') => out.push_str(&format!("{:09}", (ms.rem_euclid(1000)) * 1_000_000)),
            Some('%') => out.push('%'),
            Some(o) => {
                out.push('%');
                out.push(o);
            }
            None => out.push('%'),
        }
    }
    out
}

fn nginx_time(t: SimTime) -> String {
    format_date(t, "%Y/%m/%d %H:%M:%S")
}

fn httpd_time(t: SimTime) -> String {
    let us = (t.unix_ms() % 1000) * 1000 + 282;
    format!(
        "{}.{us:06} {}",
        format_date(t, "%a %b %d %H:%M:%S"),
        format_date(t, "%Y")
    )
}

fn redis_time(t: SimTime) -> String {
    format!(
        "{}.{:03}",
        format_date(t, "%d %b %Y %H:%M:%S"),
        t.unix_ms() % 1000
    )
}

fn klog_time(t: SimTime) -> String {
    format!(
        "I{} {}.{:06}       1",
        format_date(t, "%m%d"),
        format_date(t, "%H:%M:%S"),
        (t.unix_ms() % 1000) * 1000
    )
}

/// nginx's startup lines in the container log.
pub fn nginx_start_lines(t: SimTime, version: &str, cpus: u32, kernel: &str) -> Vec<String> {
    let ts = nginx_time(t);
    let minor: u32 = version
        .split('.')
        .nth(1)
        .and_then(|m| m.parse().ok())
        .unwrap_or(29);
    if minor < 19 {
        // Before the entrypoint scripts, nginx logged nothing at startup.
        return Vec::new();
    }
    let gcc = if minor >= 29 {
        "gcc 14.2.0 (Debian 14.2.0-19)"
    } else if minor >= 25 {
        "gcc 12.2.0 (Debian 12.2.0-14)"
    } else {
        "gcc 10.2.1 20210110 (Debian 10.2.1-6)"
    };
    // Every container start writes these: plain concatenation, no formatting machinery.
    let line = |parts: &[&str]| {
        let mut l = String::with_capacity(ts.len() + 64);
        l.push_str(&ts);
        l.push_str(" [notice] 1#1: ");
        for p in parts {
            l.push_str(p);
        }
        l
    };
    let mut v = vec![
        line(&["using the \"epoll\" event method"]),
        line(&["nginx/", version]),
        line(&["built by ", gcc]),
        line(&["OS: Linux ", kernel]),
        line(&["getrlimit(RLIMIT_NOFILE): 1048576:1048576"]),
        line(&["start worker processes"]),
    ];
    for i in 0..cpus.max(1) {
        // The worker's pid (29, 30, ...), digit by digit.
        let mut pid = [0u8; 10];
        let (mut n, mut at) = (29 + i, pid.len());
        loop {
            at -= 1;
            pid[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let pid = std::str::from_utf8(&pid[at..]).unwrap_or("29");
        v.push(line(&["start worker process ", pid]));
    }
    v
}

/// What nginx logs when the container is stopped. The kubelet sends the image's STOPSIGNAL:
/// SIGQUIT (graceful shutdown) in the images built since 24 Nov 2020 (1.19.5 on), SIGTERM (fast
/// shutdown) before. Images before 1.19 log at `warn` (their nginx.conf), so the `[notice]`
/// lines of either shutdown are not written at all.
pub fn nginx_stop_lines(t: SimTime, version: &str) -> Vec<String> {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor, patch) = (
        parts.next().unwrap_or(1),
        parts.next().unwrap_or(29),
        parts.next().unwrap_or(0),
    );
    if (major, minor) < (1, 19) {
        return Vec::new();
    }
    let ts = nginx_time(t);
    let w = 29;
    if (major, minor, patch) < (1, 19, 5) {
        return vec![
            format!("{ts} [notice] 1#1: signal 15 (SIGTERM) received, exiting"),
            format!("{ts} [notice] {w}#{w}: exiting"),
            format!("{ts} [notice] {w}#{w}: exit"),
            format!("{ts} [notice] 1#1: signal 17 (SIGCHLD) received from {w}"),
            format!("{ts} [notice] 1#1: worker process {w} exited with code 0"),
            format!("{ts} [notice] 1#1: exit"),
        ];
    }
    vec![
        format!("{ts} [notice] 1#1: signal 3 (SIGQUIT) received, shutting down"),
        format!("{ts} [notice] {w}#{w}: gracefully shutting down"),
        format!("{ts} [notice] {w}#{w}: exiting"),
        format!("{ts} [notice] {w}#{w}: exit"),
        format!("{ts} [notice] 1#1: signal 17 (SIGCHLD) received from {w}"),
        format!("{ts} [notice] 1#1: worker process {w} exited with code 0"),
        format!("{ts} [notice] 1#1: exit"),
    ]
}

/// The first `n` digits of π (`3.1415...`), by Rabinowitz and Wagon's spigot.
pub fn pi_digits(n: usize) -> String {
    let len = n * 10 / 3 + 2;
    let mut a = vec![2u64; len];
    let mut digits = String::with_capacity(n + 1);
    let mut nines = 0usize;
    let mut predigit = 0u64;
    let mut first = true;
    for _ in 0..=n {
        let mut carry = 0u64;
        for i in (0..len).rev() {
            let x = a[i] * 10 + carry * (i as u64 + 1);
            let denom = 2 * i as u64 + 1;
            a[i] = x % denom;
            carry = x / denom;
        }
        a[0] = carry % 10;
        let q = carry / 10;
        if q == 9 {
            nines += 1;
        } else if q == 10 {
            digits.push(char::from(b'0' + (predigit + 1) as u8 % 10));
            digits.extend(std::iter::repeat_n('0', nines));
            predigit = 0;
            nines = 0;
        } else {
            if !first {
                digits.push(char::from(b'0' + predigit as u8));
            }
            first = false;
            predigit = q;
            digits.extend(std::iter::repeat_n('9', nines));
            nines = 0;
        }
    }
    digits.push(char::from(b'0' + predigit as u8));
    let d: String = digits.chars().take(n).collect();
    if d.len() > 1 {
        format!("{}.{}", &d[..1], &d[1..])
    } else {
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(base: Base) -> Context {
        Context {
            base,
            app: App::Shell,
            hostname: "web".into(),
            pod_ip: "10.0.0.5".into(),
            node_cpus: 2,
            kernel: "6.8.0-85-generic".into(),
            stdin: false,
        }
    }

    fn run(argv: &[&str], until_ms: u64) -> (Option<i32>, String, ContainerFs) {
        let mut fs = ContainerFs::new();
        let _ = fs.mkdir_p("/tmp");
        let env: Arc<BTreeMap<String, String>> = Arc::new(
            [("GREETING".to_string(), "hello".to_string())]
                .into_iter()
                .collect(),
        );
        let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        let Launch::Run(mut p) = start(&argv, &ctx(Base::BusyBox), &env, &fs, SimTime::ZERO) else {
            panic!("start error")
        };
        let mut log = ContainerLog::default();
        let mut t = 0;
        while t <= until_ms {
            p.advance(SimTime(t), &mut fs, &mut log);
            t += 500;
        }
        (p.exit_code(), log.text(), fs)
    }

    #[test]
    fn echo_and_exit_code() {
        let (code, out, _) = run(&["sh", "-c", "echo hi; exit 3"], 0);
        assert_eq!(code, Some(3));
        assert_eq!(out, "hi\n");
    }

    #[test]
    fn and_or_vars_and_substitution() {
        let (code, out, _) = run(&["sh", "-c", "false && echo no || echo yes; echo $GREETING world; X=5; echo \"x=$X\" $((X+1)); echo $(echo nested)"], 0);
        assert_eq!(code, Some(0));
        assert_eq!(out, "yes\nhello world\nx=5 6\nnested\n");
    }

    #[test]
    fn loops_take_simulated_time() {
        let (code, out, _) = run(
            &[
                "sh",
                "-c",
                "for i in 1 2 3; do echo $i; sleep 1; done; echo done",
            ],
            1500,
        );
        assert_eq!(code, None);
        assert_eq!(out, "1\n2\n");
        let (code, out, _) = run(
            &[
                "sh",
                "-c",
                "for i in 1 2 3; do echo $i; sleep 1; done; echo done",
            ],
            3500,
        );
        assert_eq!(code, Some(0));
        assert_eq!(out, "1\n2\n3\ndone\n");
        let (_, out, _) = run(
            &[
                "sh",
                "-c",
                "i=0; while [ $i -lt 3 ]; do echo n$i; i=$((i+1)); done",
            ],
            0,
        );
        assert_eq!(out, "n0\nn1\nn2\n");
    }

    #[test]
    fn files_and_unknown_commands() {
        let (code, out, fs) = run(
            &[
                "sh",
                "-c",
                "echo data > /tmp/f; cat /tmp/f; touch /tmp/healthy; cat /nope; foo",
            ],
            0,
        );
        assert_eq!(code, Some(127));
        assert_eq!(
            out,
            "data\ncat: can't open '/nope': No such file or directory\nsh: foo: not found\n"
        );
        assert!(fs.is_file("/tmp/healthy"));
        let fs2 = ContainerFs::new();
        let r = start(
            &["foo".to_string()],
            &ctx(Base::BusyBox),
            &Arc::default(),
            &fs2,
            SimTime::ZERO,
        );
        match r {
            Launch::StartError(m) => assert!(
                m.ends_with("exec: \"foo\": executable file not found in $PATH: unknown"),
                "{m}"
            ),
            Launch::Run(_) => panic!("foo should not start"),
        }
    }

    #[test]
    fn sleep_infinity_and_busy_loops_do_not_run_away() {
        let (code, _, _) = run(&["sleep", "infinity"], 5000);
        assert_eq!(code, None);
        let (code, out, _) = run(&["sh", "-c", "while true; do echo x; done"], 2000);
        assert_eq!(code, None);
        assert!(out.lines().count() <= super::super::logs::MAX_LOG_LINES);
    }

    #[test]
    fn bare_shell_exits_zero_and_dates_print() {
        let (code, out, _) = run(&["sh"], 0);
        assert_eq!((code, out.as_str()), (Some(0), ""));
        assert_eq!(
            format_date(SimTime(5_000), "%a %b %e %H:%M:%S UTC %Y"),
            "Mon Nov 23 09:00:05 UTC 2026"
        );
        assert!(pi_digits(10).starts_with("3.141592653"));
    }
}
