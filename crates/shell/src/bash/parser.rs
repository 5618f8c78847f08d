//! A recursive-descent parser for the bash subset, working directly on characters.
//!
//! Bash parses one complete command (up to an unquoted newline) at a time and runs it before
//! reading the next, so an `alias` defined on line 1 applies on line 2. [`parse_line`] does
//! the same: it returns the commands of the first line and the rest of the input. Aliases are
//! expanded here, as bash does: the alias text replaces the command word in the input.
//!
//! Heredoc bodies are read eagerly: on `<<EOF` the parser takes the lines after the current
//! one up to the delimiter and removes them from the input.

use super::ast::*;
use std::collections::BTreeMap;

/// Deepest nesting of `$(`, `(`, `{`, `if`, loops the parser accepts.
pub const MAX_PARSE_DEPTH: usize = 50;
/// Alias expansions allowed in one line (guards against self-feeding aliases).
const MAX_ALIAS_EXPANSIONS: usize = 100;

/// Why input could not be parsed.
#[derive(Clone, Debug, PartialEq)]
pub enum ParseError {
    /// The input ends inside a construct; more lines would complete it. The text is bash's
    /// message when there are no more lines (without the `bash: ` prefix).
    Incomplete(String),
    /// `syntax error near unexpected token `TOKEN'`.
    Unexpected(String),
    /// Nesting deeper than [`MAX_PARSE_DEPTH`].
    TooDeep,
}

impl ParseError {
    /// The message bash prints (one or more lines, each ending in a newline).
    pub fn message(&self) -> String {
        match self {
            ParseError::Incomplete(m) if m.is_empty() => {
                "bash: syntax error: unexpected end of file\n".into()
            }
            ParseError::Incomplete(m) => {
                format!("bash: {m}\nbash: syntax error: unexpected end of file\n")
            }
            ParseError::Unexpected(t) => {
                format!("bash: syntax error near unexpected token `{t}'\n")
            }
            ParseError::TooDeep => {
                format!("bash: syntax error: nesting deeper than {MAX_PARSE_DEPTH} levels (sandbox limit)\n")
            }
        }
    }
}

type PResult<T> = Result<T, ParseError>;

/// Parses the first complete line of `input`. Returns its commands and the unparsed rest.
/// Blank lines and comments give an empty list.
pub fn parse_line(input: &str, aliases: &BTreeMap<String, String>) -> PResult<(List, String)> {
    let mut p = Parser::new(input, aliases, 0);
    let list = p.line()?;
    let rest: String = p.src[p.pos..].iter().collect();
    Ok((list, rest))
}

/// Parses a whole script (every line) without alias expansion, as `sh -c` does.
pub fn parse_all(input: &str, aliases: &BTreeMap<String, String>) -> PResult<List> {
    let mut p = Parser::new(input, aliases, 0);
    let mut all = Vec::new();
    while p.pos < p.src.len() {
        all.extend(p.line()?);
    }
    Ok(all)
}

/// Parses the body of an unquoted heredoc: `$`, `` ` `` and `\` work as in double quotes,
/// `"` is an ordinary character.
pub fn parse_heredoc_body(body: &str, depth: usize) -> PResult<Word> {
    let empty = BTreeMap::new();
    let mut p = Parser::new(body, &empty, depth);
    let parts = p.dq_parts(None)?;
    Ok(Word(parts))
}

struct Parser<'a> {
    src: Vec<char>,
    pos: usize,
    aliases: &'a BTreeMap<String, String>,
    depth: usize,
    alias_budget: usize,
}

fn is_meta(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>'
    )
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

impl<'a> Parser<'a> {
    fn new(input: &str, aliases: &'a BTreeMap<String, String>, depth: usize) -> Self {
        Parser {
            src: input.chars().collect(),
            pos: 0,
            aliases,
            depth,
            alias_budget: MAX_ALIAS_EXPANSIONS,
        }
    }

    fn peek(&self) -> Option<char> {
        self.src.get(self.pos).copied()
    }
    fn peek_at(&self, n: usize) -> Option<char> {
        self.src.get(self.pos + n).copied()
    }
    fn starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(i, c)| self.peek_at(i) == Some(c))
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_PARSE_DEPTH {
            return Err(ParseError::TooDeep);
        }
        Ok(())
    }
    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Skips blanks, line continuations and a comment (not the newline).
    fn skip_blanks(&mut self) {
        loop {
            match self.peek() {
                Some(' ' | '\t') => self.pos += 1,
                Some('\\') if self.peek_at(1) == Some('\n') => self.pos += 2,
                Some('#') => {
                    while !matches!(self.peek(), None | Some('\n')) {
                        self.pos += 1;
                    }
                }
                _ => return,
            }
        }
    }

    fn skip_blanks_newlines(&mut self) {
        loop {
            self.skip_blanks();
            if self.peek() == Some('\n') {
                self.pos += 1;
            } else {
                return;
            }
        }
    }

    /// The operator at the cursor, if any.
    fn peek_op(&self) -> Option<&'static str> {
        const OPS: &[&str] = &[
            "&>>", "<<<", "<<-", "&&", "||", "|&", ";;", "&>", ">>", ">&", ">|", "<<", "<&", "<>",
            "|", "&", ";", "(", ")", "<", ">",
        ];
        OPS.iter().copied().find(|op| self.starts_with(op))
    }

    /// The unquoted word at the cursor as raw text, when it is plain (for reserved words).
    fn peek_plain_word(&self) -> Option<String> {
        let mut i = self.pos;
        let mut s = String::new();
        while let Some(&c) = self.src.get(i) {
            if is_meta(c) {
                break;
            }
            if matches!(c, '\'' | '"' | '\\' | '$' | '`') {
                return None;
            }
            s.push(c);
            i += 1;
        }
        if s.is_empty() {
            None
        } else {
            Some(s)
        }
    }

    fn peek_reserved(&self) -> Option<String> {
        let w = self.peek_plain_word()?;
        const RESERVED: &[&str] = &[
            "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until",
            "for", "{", "}", "!", "in", "[[", "function",
        ];
        if RESERVED.contains(&w.as_str()) {
            Some(w)
        } else {
            None
        }
    }

    fn eat_word(&mut self, w: &str) -> bool {
        if self.peek_plain_word().as_deref() == Some(w) {
            self.pos += w.chars().count();
            true
        } else {
            false
        }
    }

    /// The token at the cursor, for an error message.
    fn token_here(&self) -> ParseError {
        match self.peek() {
            None => ParseError::Incomplete(String::new()),
            Some('\n') => ParseError::Unexpected("newline".into()),
            _ => {
                if let Some(op) = self.peek_op() {
                    ParseError::Unexpected(op.into())
                } else {
                    let w: String = self.src[self.pos..]
                        .iter()
                        .take_while(|c| !is_meta(**c))
                        .collect();
                    ParseError::Unexpected(w)
                }
            }
        }
    }

    /// One line: `and_or ((; | &) and_or)*` up to a newline or the end.
    fn line(&mut self) -> PResult<List> {
        self.alias_budget = MAX_ALIAS_EXPANSIONS;
        let mut list = Vec::new();
        loop {
            self.skip_blanks();
            match self.peek() {
                None => return Ok(list),
                Some('\n') => {
                    self.pos += 1;
                    return Ok(list);
                }
                _ => {}
            }
            list.push(self.and_or()?);
            self.skip_blanks();
            match self.peek_op() {
                Some(";") | Some("&") => self.pos += 1,
                _ => match self.peek() {
                    None => return Ok(list),
                    Some('\n') => {
                        self.pos += 1;
                        return Ok(list);
                    }
                    _ => return Err(self.token_here()),
                },
            }
        }
    }

    /// A list inside a compound command, up to one of `ends` (reserved words or `)`).
    fn compound_list(&mut self, ends: &[&str]) -> PResult<List> {
        let mut list = Vec::new();
        loop {
            self.skip_blanks_newlines();
            if self.peek().is_none() {
                return Err(ParseError::Incomplete(String::new()));
            }
            if let Some(w) = self.peek_reserved() {
                if ends.contains(&w.as_str()) {
                    return Ok(list);
                }
            }
            if let Some(op) = self.peek_op() {
                if ends.contains(&op) {
                    return Ok(list);
                }
            }
            list.push(self.and_or()?);
            self.skip_blanks();
            match self.peek_op() {
                Some(";") | Some("&") => self.pos += 1,
                Some(op) if ends.contains(&op) => {}
                _ => match self.peek() {
                    None => return Err(ParseError::Incomplete(String::new())),
                    Some('\n') => self.pos += 1,
                    _ => {
                        if let Some(w) = self.peek_reserved() {
                            if ends.contains(&w.as_str()) {
                                continue;
                            }
                        }
                        return Err(self.token_here());
                    }
                },
            }
        }
    }

    fn and_or(&mut self) -> PResult<AndOr> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            self.skip_blanks();
            let and = match self.peek_op() {
                Some("&&") => true,
                Some("||") => false,
                _ => return Ok(AndOr { first, rest }),
            };
            self.pos += 2;
            self.skip_blanks_newlines();
            if self.peek().is_none() {
                return Err(ParseError::Incomplete(String::new()));
            }
            rest.push((and, self.pipeline()?));
        }
    }

    fn pipeline(&mut self) -> PResult<Pipeline> {
        self.skip_blanks();
        let mut negate = false;
        while self.peek_reserved().as_deref() == Some("!") {
            self.pos += 1;
            negate = !negate;
            self.skip_blanks();
        }
        let mut cmds = vec![(self.command()?, false)];
        loop {
            self.skip_blanks();
            let with_err = match self.peek_op() {
                Some("|") => false,
                Some("|&") => true,
                _ => return Ok(Pipeline { negate, cmds }),
            };
            self.pos += if with_err { 2 } else { 1 };
            if let Some(last) = cmds.last_mut() {
                last.1 = with_err;
            }
            self.skip_blanks_newlines();
            if self.peek().is_none() {
                return Err(ParseError::Incomplete(String::new()));
            }
            cmds.push((self.command()?, false));
        }
    }

    fn command(&mut self) -> PResult<Command> {
        self.skip_blanks();
        if self.peek().is_none() {
            return Err(ParseError::Incomplete(String::new()));
        }
        if self.starts_with("((") {
            let expr = self.arith_text(2)?;
            let word = parse_heredoc_body(&expr, self.depth)?;
            let redirs = self.redirs()?;
            return Ok(Command::Compound(Box::new(Compound::Arith(word)), redirs));
        }
        match self.peek_op() {
            Some("(") => {
                self.pos += 1;
                self.enter()?;
                let body = self.compound_list(&[")"])?;
                self.leave();
                if body.is_empty() {
                    return Err(self.token_here());
                }
                self.pos += 1; // `)`
                let redirs = self.redirs()?;
                return Ok(Command::Compound(
                    Box::new(Compound::Subshell(body)),
                    redirs,
                ));
            }
            Some(op) if !op.starts_with('<') && !op.starts_with('>') && !op.starts_with("&>") => {
                return Err(ParseError::Unexpected(op.into()));
            }
            _ => {}
        }
        if let Some(w) = self.peek_reserved() {
            let compound = match w.as_str() {
                "{" => {
                    self.pos += 1;
                    self.enter()?;
                    let body = self.compound_list(&["}"])?;
                    self.leave();
                    if body.is_empty() {
                        return Err(self.token_here());
                    }
                    self.pos += 1;
                    Compound::Group(body)
                }
                "if" => self.if_clause()?,
                "while" | "until" => {
                    self.pos += w.len();
                    self.enter()?;
                    let cond = self.compound_list(&["do"])?;
                    if cond.is_empty() {
                        return Err(self.token_here());
                    }
                    let body = self.do_group()?;
                    self.leave();
                    Compound::While {
                        cond,
                        body,
                        until: w == "until",
                    }
                }
                "for" => self.for_clause()?,
                "case" => self.case_clause()?,
                "[[" => self.cond_clause()?,
                "function" => {
                    self.pos += "function".len();
                    self.skip_blanks();
                    let name = self.peek_plain_word().ok_or_else(|| self.token_here())?;
                    self.pos += name.chars().count();
                    self.skip_blanks();
                    if self.starts_with("()") {
                        self.pos += 2;
                    }
                    return self.func_body(name);
                }
                _ => return Err(ParseError::Unexpected(w)),
            };
            let redirs = self.redirs()?;
            return Ok(Command::Compound(Box::new(compound), redirs));
        }
        self.simple()
    }

    fn func_body(&mut self, name: String) -> PResult<Command> {
        self.skip_blanks_newlines();
        if self.peek().is_none() {
            return Err(ParseError::Incomplete(String::new()));
        }
        self.enter()?;
        let body = self.command()?;
        self.leave();
        match body {
            Command::Compound(..) => Ok(Command::FuncDef(name, Box::new(body))),
            _ => Err(ParseError::Unexpected(name)),
        }
    }

    fn do_group(&mut self) -> PResult<List> {
        self.skip_blanks_newlines();
        if !self.eat_word("do") {
            return Err(self.token_here());
        }
        let body = self.compound_list(&["done"])?;
        if body.is_empty() {
            return Err(self.token_here());
        }
        self.pos += 4;
        Ok(body)
    }

    fn if_clause(&mut self) -> PResult<Compound> {
        self.pos += 2;
        self.enter()?;
        let mut arms = Vec::new();
        let mut otherwise = None;
        loop {
            let cond = self.compound_list(&["then"])?;
            if cond.is_empty() {
                return Err(self.token_here());
            }
            self.pos += 4;
            let body = self.compound_list(&["elif", "else", "fi"])?;
            if body.is_empty() {
                return Err(self.token_here());
            }
            arms.push((cond, body));
            if self.eat_word("elif") {
                continue;
            }
            if self.eat_word("else") {
                let body = self.compound_list(&["fi"])?;
                if body.is_empty() {
                    return Err(self.token_here());
                }
                otherwise = Some(body);
            }
            if !self.eat_word("fi") {
                return Err(self.token_here());
            }
            break;
        }
        self.leave();
        Ok(Compound::If { arms, otherwise })
    }

    fn for_clause(&mut self) -> PResult<Compound> {
        self.pos += 3;
        self.skip_blanks();
        let var = match self.peek_plain_word() {
            Some(v) if is_name(&v) => v,
            _ => return Err(self.token_here()),
        };
        self.pos += var.len();
        self.skip_blanks_newlines();
        let mut items = None;
        if self.eat_word("in") {
            let mut words = Vec::new();
            loop {
                self.skip_blanks();
                match self.peek() {
                    None => return Err(ParseError::Incomplete(String::new())),
                    Some('\n' | ';') => {
                        self.pos += 1;
                        break;
                    }
                    _ if self.peek_op().is_some() => return Err(self.token_here()),
                    _ => words.push(self.word(false)?),
                }
            }
            items = Some(words);
        } else if self.peek() == Some(';') {
            self.pos += 1;
        }
        self.enter()?;
        let body = self.do_group()?;
        self.leave();
        Ok(Compound::For { var, items, body })
    }

    fn case_clause(&mut self) -> PResult<Compound> {
        self.pos += 4;
        self.skip_blanks();
        if self.peek().is_none() {
            return Err(ParseError::Incomplete(String::new()));
        }
        let word = self.word(false)?;
        self.skip_blanks_newlines();
        if !self.eat_word("in") {
            return Err(self.token_here());
        }
        self.enter()?;
        let mut arms = Vec::new();
        loop {
            self.skip_blanks_newlines();
            if self.peek().is_none() {
                return Err(ParseError::Incomplete(String::new()));
            }
            if self.eat_word("esac") {
                break;
            }
            if self.peek() == Some('(') {
                self.pos += 1;
            }
            let mut pats = Vec::new();
            loop {
                self.skip_blanks();
                if self.peek().is_none() {
                    return Err(ParseError::Incomplete(String::new()));
                }
                if self.peek_op().is_some() {
                    return Err(self.token_here());
                }
                pats.push(self.word(false)?);
                self.skip_blanks();
                match self.peek() {
                    Some('|') => self.pos += 1,
                    Some(')') => {
                        self.pos += 1;
                        break;
                    }
                    None => return Err(ParseError::Incomplete(String::new())),
                    _ => return Err(self.token_here()),
                }
            }
            let body = self.compound_list(&[";;", "esac"])?;
            arms.push((pats, body));
            if self.starts_with(";;") {
                self.pos += 2;
            }
        }
        self.leave();
        Ok(Compound::Case { word, arms })
    }

    fn cond_clause(&mut self) -> PResult<Compound> {
        self.pos += 2;
        let mut toks = Vec::new();
        loop {
            self.skip_blanks_newlines();
            if self.peek().is_none() {
                return Err(ParseError::Incomplete(String::new()));
            }
            if self.eat_word("]]") {
                break;
            }
            if let Some(op) = ["&&", "||", "(", ")"]
                .into_iter()
                .find(|op| self.starts_with(op))
            {
                self.pos += op.len();
                toks.push(CondTok::Op(op));
                continue;
            }
            if self.peek_plain_word().as_deref() == Some("!") {
                self.pos += 1;
                toks.push(CondTok::Op("!"));
                continue;
            }
            if matches!(self.peek(), Some('<' | '>')) {
                let c = self.peek().unwrap_or('<');
                self.pos += 1;
                toks.push(CondTok::Word(Word(vec![Part::Quoted(c.to_string())])));
                continue;
            }
            if self.peek_op().is_some() {
                return Err(self.token_here());
            }
            toks.push(CondTok::Word(self.word(false)?));
        }
        if toks.is_empty() {
            return Err(ParseError::Unexpected("]]".into()));
        }
        Ok(Compound::Cond(toks))
    }

    /// Redirections after a compound command.
    fn redirs(&mut self) -> PResult<Vec<Redir>> {
        let mut out = Vec::new();
        loop {
            self.skip_blanks();
            match self.try_redir()? {
                Some(r) => out.push(r),
                None => return Ok(out),
            }
        }
    }

    /// A redirection at the cursor (with an optional fd number in front).
    fn try_redir(&mut self) -> PResult<Option<Redir>> {
        let start = self.pos;
        let mut fd = None;
        let digits: String = self.src[self.pos..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        if !digits.is_empty() {
            if matches!(self.peek_at(digits.len()), Some('<' | '>')) {
                fd = digits.parse::<u32>().ok();
                self.pos += digits.len();
            } else {
                return Ok(None);
            }
        }
        let op = match self.peek_op() {
            Some(
                op @ (">" | ">>" | "<" | ">&" | "<&" | "&>" | "&>>" | "<<" | "<<-" | "<<<" | ">|"
                | "<>"),
            ) => op,
            _ => {
                self.pos = start;
                return Ok(None);
            }
        };
        self.pos += op.len();
        self.skip_blanks();
        match self.peek() {
            None => return Err(ParseError::Unexpected("newline".into())),
            Some('\n') => return Err(ParseError::Unexpected("newline".into())),
            _ => {}
        }
        if let Some(t) = self.peek_op() {
            return Err(ParseError::Unexpected(t.into()));
        }
        let target = self.word(false)?;
        let op = match op {
            ">" | ">|" => RedirOp::Out,
            ">>" => RedirOp::Append,
            "<" | "<>" => RedirOp::In,
            ">&" => {
                if fd.is_none()
                    && target
                        .as_plain()
                        .is_some_and(|t| t.parse::<u32>().is_err() && t != "-")
                {
                    RedirOp::Both
                } else {
                    RedirOp::DupOut
                }
            }
            "<&" => RedirOp::DupIn,
            "&>" => RedirOp::Both,
            "&>>" => RedirOp::BothAppend,
            "<<<" => RedirOp::HereString,
            _ => {
                let strip = op == "<<-";
                let (delim, quoted) = heredoc_delimiter(&target);
                let body = self.read_heredoc(&delim, strip)?;
                return Ok(Some(Redir {
                    fd,
                    op: RedirOp::HereDoc {
                        body,
                        expand: !quoted,
                    },
                    target: Word::default(),
                }));
            }
        };
        Ok(Some(Redir { fd, op, target }))
    }

    /// Takes the heredoc body from the lines after the current one and removes them.
    fn read_heredoc(&mut self, delim: &str, strip_tabs: bool) -> PResult<String> {
        let mut line_end = self.pos;
        while line_end < self.src.len() && self.src[line_end] != '\n' {
            line_end += 1;
        }
        if line_end >= self.src.len() {
            return Err(ParseError::Incomplete(format!(
                "warning: here-document delimited by end-of-file (wanted `{delim}')"
            )));
        }
        let body_start = line_end + 1;
        let mut i = body_start;
        let mut body = String::new();
        loop {
            if i >= self.src.len() {
                return Err(ParseError::Incomplete(format!(
                    "warning: here-document delimited by end-of-file (wanted `{delim}')"
                )));
            }
            let mut j = i;
            while j < self.src.len() && self.src[j] != '\n' {
                j += 1;
            }
            let mut line: String = self.src[i..j].iter().collect();
            if strip_tabs {
                line = line.trim_start_matches('\t').to_string();
            }
            let next = (j + 1).min(self.src.len());
            if line == delim {
                self.src.drain(body_start..next);
                return Ok(body);
            }
            body.push_str(&line);
            body.push('\n');
            i = next;
            if j >= self.src.len() {
                return Err(ParseError::Incomplete(format!(
                    "warning: here-document delimited by end-of-file (wanted `{delim}')"
                )));
            }
        }
    }

    /// A simple command (or a function definition `name() { ...; }`).
    fn simple(&mut self) -> PResult<Command> {
        let mut cmd = Simple::default();
        let mut seen_aliases: Vec<String> = Vec::new();
        loop {
            self.skip_blanks();
            let Some(c) = self.peek() else { break };
            if c == '\n' {
                break;
            }
            if let Some(r) = self.try_redir()? {
                cmd.redirs.push(r);
                continue;
            }
            if self.peek_op().is_some() {
                if self.peek() == Some('(') && cmd.words.len() == 1 && cmd.assigns.is_empty() {
                    let name = cmd.words[0].as_plain().unwrap_or_default();
                    self.pos += 1;
                    self.skip_blanks();
                    if self.peek() != Some(')') {
                        return Err(self.token_here());
                    }
                    self.pos += 1;
                    return self.func_body(name);
                }
                break;
            }
            if cmd.words.is_empty() {
                if let Some(w) = self.peek_plain_word() {
                    if let Some(value) = self.aliases.get(&w) {
                        if !seen_aliases.contains(&w) && self.alias_budget > 0 {
                            self.alias_budget -= 1;
                            seen_aliases.push(w.clone());
                            let end = self.pos + w.chars().count();
                            self.src.splice(self.pos..end, value.chars());
                            continue;
                        }
                    }
                }
                if let Some(assign) = self.try_assignment()? {
                    cmd.assigns.push(assign);
                    continue;
                }
            }
            cmd.words.push(self.word(false)?);
        }
        if cmd.words.is_empty() && cmd.assigns.is_empty() && cmd.redirs.is_empty() {
            return Err(self.token_here());
        }
        Ok(Command::Simple(cmd))
    }

    fn try_assignment(&mut self) -> PResult<Option<(String, Word)>> {
        let name: String = self.src[self.pos..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
            .collect();
        if !is_name(&name) || self.peek_at(name.len()) != Some('=') {
            return Ok(None);
        }
        self.pos += name.len() + 1;
        let value = if self.peek().is_none_or(is_meta) {
            Word::default()
        } else {
            self.word(true)?
        };
        Ok(Some((name, value)))
    }

    /// One word, up to an unquoted blank or operator character.
    fn word(&mut self, assignment: bool) -> PResult<Word> {
        let mut parts: Vec<Part> = Vec::new();
        let start = self.pos;
        while let Some(c) = self.peek() {
            if is_meta(c) {
                break;
            }
            match c {
                '~' if self.pos == start
                    || (assignment && matches!(self.src.get(self.pos - 1), Some(':'))) =>
                {
                    if self
                        .peek_at(1)
                        .is_none_or(|n| n == '/' || is_meta(n) || (assignment && n == ':'))
                    {
                        self.pos += 1;
                        parts.push(Part::Tilde);
                    } else {
                        self.pos += 1;
                        push_lit(&mut parts, "~");
                    }
                }
                _ => self.word_char(&mut parts, c)?,
            }
        }
        Ok(Word(parts))
    }

    /// Handles one quoting/expansion construct or literal character of an unquoted word.
    fn word_char(&mut self, parts: &mut Vec<Part>, c: char) -> PResult<()> {
        match c {
            '\\' => match self.peek_at(1) {
                Some('\n') => self.pos += 2,
                Some(n) => {
                    self.pos += 2;
                    push_quoted(parts, &n.to_string());
                }
                None => return Err(ParseError::Incomplete(String::new())),
            },
            '\'' => {
                self.pos += 1;
                let mut s = String::new();
                loop {
                    match self.peek() {
                        None => {
                            return Err(ParseError::Incomplete(
                                "unexpected EOF while looking for matching `''".into(),
                            ))
                        }
                        Some('\'') => break,
                        Some(ch) => s.push(ch),
                    }
                    self.pos += 1;
                }
                self.pos += 1;
                parts.push(Part::Quoted(s));
            }
            '"' => {
                self.pos += 1;
                let inner = self.dq_parts(Some('"'))?;
                parts.push(Part::Dq(inner));
            }
            '$' if self.peek_at(1) == Some('\'') => {
                self.pos += 2;
                let s = self.ansi_c_string()?;
                parts.push(Part::Quoted(s));
            }
            '$' => {
                let p = self.dollar()?;
                parts.push(p);
            }
            '`' => {
                let p = self.backquote()?;
                parts.push(p);
            }
            _ => {
                self.pos += 1;
                push_lit(parts, &c.to_string());
            }
        }
        Ok(())
    }

    /// Parts of a double-quoted string (up to `end`) or of a heredoc body (`end` = None).
    fn dq_parts(&mut self, end: Option<char>) -> PResult<Vec<Part>> {
        let mut parts = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                if end.is_some() {
                    return Err(ParseError::Incomplete(
                        "unexpected EOF while looking for matching `\"'".into(),
                    ));
                }
                return Ok(parts);
            };
            if Some(c) == end {
                self.pos += 1;
                return Ok(parts);
            }
            match c {
                '\\' => {
                    let n = self.peek_at(1);
                    match n {
                        Some('\n') => self.pos += 2,
                        Some(ch @ ('$' | '`' | '\\')) => {
                            self.pos += 2;
                            push_quoted(&mut parts, &ch.to_string());
                        }
                        Some('"') if end.is_some() => {
                            self.pos += 2;
                            push_quoted(&mut parts, "\"");
                        }
                        _ => {
                            self.pos += 1;
                            push_quoted(&mut parts, "\\");
                        }
                    }
                }
                '$' => {
                    let p = self.dollar()?;
                    parts.push(p);
                }
                '`' => {
                    let p = self.backquote()?;
                    parts.push(p);
                }
                _ => {
                    self.pos += 1;
                    push_quoted(&mut parts, &c.to_string());
                }
            }
        }
    }

    fn ansi_c_string(&mut self) -> PResult<String> {
        let mut s = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(ParseError::Incomplete(
                    "unexpected EOF while looking for matching `''".into(),
                ));
            };
            self.pos += 1;
            match c {
                '\'' => return Ok(s),
                '\\' => {
                    let Some(n) = self.peek() else { continue };
                    self.pos += 1;
                    match n {
                        'n' => s.push('\n'),
                        't' => s.push('\t'),
                        'r' => s.push('\r'),
                        'e' | 'E' => s.push('\x1b'),
                        'a' => s.push('\x07'),
                        'b' => s.push('\x08'),
                        '0' => s.push('\0'),
                        '\\' | '\'' | '"' | '?' => s.push(n),
                        other => {
                            s.push('\\');
                            s.push(other);
                        }
                    }
                }
                _ => s.push(c),
            }
        }
    }

    fn backquote(&mut self) -> PResult<Part> {
        self.pos += 1;
        let mut inner = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(ParseError::Incomplete(
                        "unexpected EOF while looking for matching ``'".into(),
                    ))
                }
                Some('`') => {
                    self.pos += 1;
                    break;
                }
                Some('\\') if matches!(self.peek_at(1), Some('`' | '\\' | '$')) => {
                    inner.push(self.peek_at(1).unwrap_or('\\'));
                    self.pos += 2;
                }
                Some(c) => {
                    inner.push(c);
                    self.pos += 1;
                }
            }
        }
        self.enter()?;
        let mut sub = Parser::new(&inner, self.aliases, self.depth);
        let mut list = Vec::new();
        while sub.pos < sub.src.len() {
            list.extend(sub.line()?);
        }
        self.leave();
        Ok(Part::CmdSub(list))
    }

    /// The text of `$(( ... ))` / `(( ... ))` from the cursor (at the parens), `skip` = 2 or 3.
    fn arith_text(&mut self, skip: usize) -> PResult<String> {
        self.pos += skip;
        let mut depth = 0usize;
        let mut text = String::new();
        loop {
            match self.peek() {
                None => return Err(ParseError::Incomplete(String::new())),
                Some('(') => depth += 1,
                Some(')') if depth == 0 => {
                    if self.peek_at(1) == Some(')') {
                        self.pos += 2;
                        return Ok(text);
                    }
                    return Err(ParseError::Unexpected(")".into()));
                }
                Some(')') => depth -= 1,
                _ => {}
            }
            if let Some(c) = self.peek() {
                text.push(c);
            }
            self.pos += 1;
        }
    }

    /// `$...` at the cursor.
    fn dollar(&mut self) -> PResult<Part> {
        let next = self.peek_at(1);
        match next {
            Some('(') if self.peek_at(2) == Some('(') => {
                let save = self.pos;
                self.pos += 1;
                match self.arith_text(2) {
                    Ok(text) => {
                        let word = parse_heredoc_body(&text, self.depth + 1)?;
                        Ok(Part::Arith(word))
                    }
                    Err(ParseError::Unexpected(_)) => {
                        // `$( (cmd) )` written without a space: a command substitution.
                        self.pos = save;
                        self.cmdsub()
                    }
                    Err(e) => Err(e),
                }
            }
            Some('(') => self.cmdsub(),
            Some('{') => self.brace_param(),
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                self.pos += 1;
                let name: String = self.src[self.pos..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .collect();
                self.pos += name.len();
                Ok(Part::Param(Box::new(Param {
                    name,
                    op: ParamOp::Plain,
                })))
            }
            Some(c)
                if c.is_ascii_digit() || matches!(c, '?' | '#' | '@' | '*' | '$' | '!' | '-') =>
            {
                self.pos += 2;
                Ok(Part::Param(Box::new(Param {
                    name: c.to_string(),
                    op: ParamOp::Plain,
                })))
            }
            _ => {
                self.pos += 1;
                Ok(Part::Lit("$".into()))
            }
        }
    }

    fn cmdsub(&mut self) -> PResult<Part> {
        self.pos += 2;
        self.enter()?;
        let list = self.compound_list(&[")"])?;
        self.leave();
        self.pos += 1;
        Ok(Part::CmdSub(list))
    }

    fn brace_param(&mut self) -> PResult<Part> {
        let start = self.pos;
        self.pos += 2;
        let length = self.peek() == Some('#') && self.peek_at(1).is_some_and(|c| c != '}');
        if length {
            self.pos += 1;
        }
        let name: String = match self.peek() {
            Some(c) if c == '_' || c.is_ascii_alphabetic() => self.src[self.pos..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                .collect(),
            Some(c) if c.is_ascii_digit() => self.src[self.pos..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .collect(),
            Some(c @ ('?' | '#' | '@' | '*' | '$' | '!' | '-')) => c.to_string(),
            None => {
                return Err(ParseError::Incomplete(
                    "unexpected EOF while looking for matching `}'".into(),
                ))
            }
            Some(_) => String::new(),
        };
        self.pos += name.len();
        if name.is_empty() || (length && self.peek() != Some('}')) {
            return self.bad_substitution(start);
        }
        if length {
            self.pos += 1;
            return Ok(Part::Param(Box::new(Param {
                name,
                op: ParamOp::Length,
            })));
        }
        let op = match self.peek() {
            None => {
                return Err(ParseError::Incomplete(
                    "unexpected EOF while looking for matching `}'".into(),
                ))
            }
            Some('}') => {
                self.pos += 1;
                ParamOp::Plain
            }
            Some(':') if matches!(self.peek_at(1), Some('-' | '=' | '+' | '?')) => {
                let k = self.peek_at(1).unwrap_or('-');
                self.pos += 2;
                let word = self.brace_word(&['}'])?.0;
                make_op(k, true, word)
            }
            Some(':') => {
                self.pos += 1;
                let (offset, stop) = self.brace_word(&['}', ':'])?;
                let length = if stop == ':' {
                    Some(self.brace_word(&['}'])?.0)
                } else {
                    None
                };
                ParamOp::Substring { offset, length }
            }
            Some(k @ ('-' | '=' | '+' | '?')) => {
                self.pos += 1;
                let word = self.brace_word(&['}'])?.0;
                make_op(k, false, word)
            }
            Some(k @ ('#' | '%')) => {
                self.pos += 1;
                let longest = self.peek() == Some(k);
                if longest {
                    self.pos += 1;
                }
                let pat = self.brace_word(&['}'])?.0;
                if k == '#' {
                    ParamOp::TrimPrefix { longest, pat }
                } else {
                    ParamOp::TrimSuffix { longest, pat }
                }
            }
            Some('/') => {
                self.pos += 1;
                let all = self.peek() == Some('/');
                if all {
                    self.pos += 1;
                }
                let (pat, stop) = self.brace_word(&['}', '/'])?;
                let rep = if stop == '/' {
                    self.brace_word(&['}'])?.0
                } else {
                    Word::default()
                };
                ParamOp::Replace { all, pat, rep }
            }
            Some(_) => return self.bad_substitution(start),
        };
        Ok(Part::Param(Box::new(Param { name, op })))
    }

    /// `${...}` bash cannot make sense of: an error when it is expanded, not when parsed.
    fn bad_substitution(&mut self, start: usize) -> PResult<Part> {
        self.skip_to_brace()?;
        let text: String = self.src[start..self.pos].iter().collect();
        Ok(Part::Param(Box::new(Param {
            name: text,
            op: ParamOp::Bad,
        })))
    }

    fn skip_to_brace(&mut self) -> PResult<()> {
        while let Some(c) = self.peek() {
            self.pos += 1;
            if c == '}' {
                return Ok(());
            }
        }
        Err(ParseError::Incomplete(
            "unexpected EOF while looking for matching `}'".into(),
        ))
    }

    /// The word inside `${name OP word}` up to one of `stops`; returns the stop found.
    fn brace_word(&mut self, stops: &[char]) -> PResult<(Word, char)> {
        let mut parts = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(ParseError::Incomplete(
                    "unexpected EOF while looking for matching `}'".into(),
                ));
            };
            if stops.contains(&c) {
                self.pos += 1;
                return Ok((Word(parts), c));
            }
            match c {
                ' ' | '\t' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>' => {
                    self.pos += 1;
                    push_lit(&mut parts, &c.to_string());
                }
                _ => self.word_char(&mut parts, c)?,
            }
        }
    }
}

fn make_op(k: char, colon: bool, word: Word) -> ParamOp {
    match k {
        '=' => ParamOp::Assign { colon, word },
        '+' => ParamOp::Alt { colon, word },
        '?' => ParamOp::Error { colon, word },
        _ => ParamOp::Default { colon, word },
    }
}

fn push_lit(parts: &mut Vec<Part>, s: &str) {
    if let Some(Part::Lit(t)) = parts.last_mut() {
        t.push_str(s);
    } else {
        parts.push(Part::Lit(s.to_string()));
    }
}

fn push_quoted(parts: &mut Vec<Part>, s: &str) {
    if let Some(Part::Quoted(t)) = parts.last_mut() {
        t.push_str(s);
    } else {
        parts.push(Part::Quoted(s.to_string()));
    }
}

/// The heredoc delimiter as text, and whether any part of it was quoted.
fn heredoc_delimiter(w: &Word) -> (String, bool) {
    let mut s = String::new();
    let mut quoted = false;
    fn walk(parts: &[Part], s: &mut String, quoted: &mut bool) {
        for p in parts {
            match p {
                Part::Lit(t) => s.push_str(t),
                Part::Quoted(t) => {
                    *quoted = true;
                    s.push_str(t);
                }
                Part::Dq(inner) => {
                    *quoted = true;
                    walk(inner, s, quoted);
                }
                Part::Tilde => s.push('~'),
                Part::Param(p) => {
                    s.push('$');
                    s.push_str(&p.name);
                }
                Part::CmdSub(_) | Part::Arith(_) => s.push_str("$(...)"),
            }
        }
    }
    walk(&w.0, &mut s, &mut quoted);
    (s, quoted)
}

/// True when `input` is a complete command: no open quote, heredoc, compound command or
/// trailing `|`, `&&`, `||`, `\`.
pub fn is_complete(input: &str, aliases: &BTreeMap<String, String>) -> bool {
    let mut rest = input.to_string();
    loop {
        match parse_line(&rest, aliases) {
            Err(ParseError::Incomplete(_)) => return false,
            Err(_) => return true,
            Ok((_, r)) => {
                if r.is_empty() || r.len() >= rest.len() {
                    return true;
                }
                rest = r;
            }
        }
    }
}
