//! A small backtracking regular-expression engine for `grep` and `[[ =~ ]]`.
//!
//! Supports POSIX basic (`grep`) and extended (`grep -E`, `=~`) syntax: `.`, `[...]` with
//! ranges and `[:classes:]`, `^`, `$`, `*`, `+`, `?`, `{m,n}`, groups, alternation, and the
//! GNU escapes `\w \W \s \S \b \< \>`. In basic syntax `+ ? | ( ) {}` need a backslash, as in
//! GNU grep. Groups capture (numbered by their opening parenthesis, as POSIX numbers them) and
//! `\1`..`\9` refer back to them, for `sed`'s `s` command. Matching is leftmost and, within
//! a start position, backtracking-first (greedy quantifiers, first alternative), not POSIX
//! leftmost-longest; the two differ only for alternations whose first branch is a prefix of a
//! later one. Matching is bounded by a step budget so no pattern can hang the page.

use std::cell::Cell;

const MAX_STEPS: usize = 2_000_000;
const MAX_DEPTH: usize = 2_000;

#[derive(Clone, Debug)]
enum ClassItem {
    Range(char, char),
    Named(String),
}

#[derive(Clone, Debug)]
enum Node {
    Char(char),
    Any,
    Class {
        items: Vec<ClassItem>,
        negate: bool,
    },
    Start,
    End,
    WordBoundary(bool),
    WordStart,
    WordEnd,
    /// A group and its capture number (1-based).
    Group(Vec<Vec<Node>>, usize),
    /// `\N`: the text group N captured.
    Backref(usize),
    Repeat(Box<Node>, usize, Option<usize>),
}

/// A compiled pattern.
#[derive(Clone, Debug)]
pub struct Regex {
    alts: Vec<Vec<Node>>,
    icase: bool,
    groups: usize,
}

/// Where each group matched, by group number (index 0 is the whole match), as char ranges.
pub type Captures = Vec<Option<(usize, usize)>>;

struct Compiler<'a> {
    p: &'a [char],
    i: usize,
    extended: bool,
    icase: bool,
    groups: usize,
}

impl Regex {
    /// Compiles `pattern`; errors are GNU grep's texts (`Unmatched ( or \(`).
    pub fn new(pattern: &str, extended: bool, icase: bool) -> Result<Regex, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut c = Compiler {
            p: &chars,
            i: 0,
            extended,
            icase,
            groups: 0,
        };
        let alts = c.alternation(0)?;
        if c.i < chars.len() {
            return Err("Unmatched ) or \\)".into());
        }
        Ok(Regex {
            alts,
            icase,
            groups: c.groups,
        })
    }

    /// How many capturing groups the pattern has.
    pub fn groups(&self) -> usize {
        self.groups
    }

    /// The leftmost match at or after `from` with the range of every group; index 0 is the
    /// whole match. `not_empty_at` rejects an empty match at that position (sed's `g` flag
    /// does not match empty right after the previous match).
    pub fn captures_at(
        &self,
        text: &[char],
        from: usize,
        not_empty_at: Option<usize>,
    ) -> Option<Captures> {
        self.search(text, from, &|_, s, e| !(e == s && not_empty_at == Some(s)))
    }

    /// True when the pattern matches anywhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        let t: Vec<char> = text.chars().collect();
        self.find_at(&t, 0, false).is_some()
    }

    /// The leftmost match at or after `from`, as a char range. With `whole_word`, only
    /// matches that start and end at word boundaries count (`grep -w`).
    pub fn find_at(&self, text: &[char], from: usize, whole_word: bool) -> Option<(usize, usize)> {
        let caps = self.search(text, from, &|t, s, e| {
            !whole_word
                || !((s != 0 && is_word(t[s - 1])) || (e < t.len() && is_word(t[e])) || e == s)
        })?;
        caps[0]
    }

    /// The leftmost match (start `s`, end `e`) at or after `from` that `accept(text, s, e)`
    /// takes, with its groups.
    fn search(
        &self,
        text: &[char],
        from: usize,
        accept: &dyn Fn(&[char], usize, usize) -> bool,
    ) -> Option<Captures> {
        let folded: Vec<char> = if self.icase {
            text.iter().map(|c| lower(*c)).collect()
        } else {
            text.to_vec()
        };
        let m = Matcher {
            t: &folded,
            steps: Cell::new(0),
            icase: self.icase,
            caps: std::cell::RefCell::new(vec![None; self.groups + 1]),
        };
        for s in from..=folded.len() {
            let mut found = None;
            let ok = m.alts(&self.alts, s, 0, &mut |e| {
                if !accept(&folded, s, e) {
                    return false;
                }
                found = Some(e);
                true
            });
            if ok {
                let mut caps = m.caps.borrow().clone();
                caps[0] = found.map(|e| (s, e));
                return Some(caps);
            }
            if m.steps.get() > MAX_STEPS {
                return None;
            }
        }
        None
    }
}

fn lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl Compiler<'_> {
    fn peek(&self) -> Option<char> {
        self.p.get(self.i).copied()
    }

    fn at_group_close(&self) -> bool {
        if self.extended {
            self.peek() == Some(')')
        } else {
            self.peek() == Some('\\') && self.p.get(self.i + 1) == Some(&')')
        }
    }

    fn at_alt(&self) -> bool {
        if self.extended {
            self.peek() == Some('|')
        } else {
            self.peek() == Some('\\') && self.p.get(self.i + 1) == Some(&'|')
        }
    }

    fn alternation(&mut self, depth: usize) -> Result<Vec<Vec<Node>>, String> {
        if depth > 100 {
            return Err("Regular expression too big".into());
        }
        let mut alts = vec![self.sequence(depth)?];
        while self.at_alt() {
            self.i += if self.extended { 1 } else { 2 };
            alts.push(self.sequence(depth)?);
        }
        Ok(alts)
    }

    fn sequence(&mut self, depth: usize) -> Result<Vec<Node>, String> {
        let mut seq: Vec<Node> = Vec::new();
        while let Some(c) = self.peek() {
            if self.at_alt() || (depth > 0 && self.at_group_close()) {
                break;
            }
            if self.extended && c == ')' && depth == 0 {
                // An unmatched `)` in ERE is an ordinary character for GNU grep.
                self.i += 1;
                seq.push(Node::Char(')'));
                continue;
            }
            let atom = match c {
                '.' => {
                    self.i += 1;
                    Node::Any
                }
                '^' if seq.is_empty() || self.extended => {
                    self.i += 1;
                    Node::Start
                }
                '$' if self.extended
                    || self.p.get(self.i + 1).is_none()
                    || self.at_end_of_branch(self.i + 1) =>
                {
                    self.i += 1;
                    Node::End
                }
                '[' => self.bracket()?,
                '(' if self.extended => {
                    self.i += 1;
                    self.groups += 1;
                    let n = self.groups;
                    let inner = self.alternation(depth + 1)?;
                    if self.peek() != Some(')') {
                        return Err("Unmatched ( or \\(".into());
                    }
                    self.i += 1;
                    Node::Group(inner, n)
                }
                '*' if seq.is_empty() => {
                    self.i += 1;
                    Node::Char('*')
                }
                '*' | '+' | '?' | '{' if self.extended || c == '*' => {
                    if c == '{'
                        && !self.p[self.i + 1..]
                            .iter()
                            .take_while(|c| **c != '}')
                            .all(|c| c.is_ascii_digit() || *c == ',')
                    {
                        self.i += 1;
                        seq.push(Node::Char('{'));
                        continue;
                    }
                    self.i += 1;
                    let (min, max) = self.quantifier(c)?;
                    match seq.pop() {
                        Some(prev) => seq.push(Node::Repeat(Box::new(prev), min, max)),
                        None => seq.push(Node::Char(c)),
                    }
                    continue;
                }
                '\\' => {
                    let Some(n) = self.p.get(self.i + 1).copied() else {
                        return Err("Trailing backslash".into());
                    };
                    self.i += 2;
                    match n {
                        '(' if !self.extended => {
                            self.groups += 1;
                            let n = self.groups;
                            let inner = self.alternation(depth + 1)?;
                            if !self.at_group_close() {
                                return Err("Unmatched ( or \\(".into());
                            }
                            self.i += 2;
                            Node::Group(inner, n)
                        }
                        '1'..='9' => {
                            let n = n as usize - '0' as usize;
                            if n > self.groups {
                                return Err("Invalid back reference".into());
                            }
                            Node::Backref(n)
                        }
                        '+' | '?' | '{' if !self.extended => {
                            let (min, max) = self.quantifier(n)?;
                            match seq.pop() {
                                Some(prev) => seq.push(Node::Repeat(Box::new(prev), min, max)),
                                None => seq.push(Node::Char(n)),
                            }
                            continue;
                        }
                        'w' => Node::Class {
                            items: vec![ClassItem::Named("word".into())],
                            negate: false,
                        },
                        'W' => Node::Class {
                            items: vec![ClassItem::Named("word".into())],
                            negate: true,
                        },
                        's' => Node::Class {
                            items: vec![ClassItem::Named("space".into())],
                            negate: false,
                        },
                        'S' => Node::Class {
                            items: vec![ClassItem::Named("space".into())],
                            negate: true,
                        },
                        'b' => Node::WordBoundary(true),
                        'B' => Node::WordBoundary(false),
                        '<' => Node::WordStart,
                        '>' => Node::WordEnd,
                        other => Node::Char(self.fold(other)),
                    }
                }
                other => {
                    self.i += 1;
                    Node::Char(self.fold(other))
                }
            };
            seq.push(atom);
        }
        Ok(seq)
    }

    fn at_end_of_branch(&self, i: usize) -> bool {
        let rest = &self.p[i..];
        rest.is_empty() || rest.starts_with(&['\\', ')']) || rest.starts_with(&['\\', '|'])
    }

    fn fold(&self, c: char) -> char {
        if self.icase {
            lower(c)
        } else {
            c
        }
    }

    /// After `*`, `+`, `?` or `{` (consumed): the bounds.
    fn quantifier(&mut self, c: char) -> Result<(usize, Option<usize>), String> {
        Ok(match c {
            '*' => (0, None),
            '+' => (1, None),
            '?' => (0, Some(1)),
            _ => {
                let mut text = String::new();
                while let Some(ch) = self.peek() {
                    self.i += 1;
                    if ch == '}' {
                        break;
                    }
                    if ch == '\\' {
                        continue;
                    }
                    text.push(ch);
                }
                let (a, b) = match text.split_once(',') {
                    Some((a, b)) => (a.trim(), Some(b.trim())),
                    None => (text.trim(), None),
                };
                let min = if a.is_empty() {
                    0
                } else {
                    a.parse()
                        .map_err(|_| "Invalid content of \\{\\}".to_string())?
                };
                let max = match b {
                    None => Some(min),
                    Some("") => None,
                    Some(b) => Some(
                        b.parse()
                            .map_err(|_| "Invalid content of \\{\\}".to_string())?,
                    ),
                };
                if min > 1000 || max.is_some_and(|m| m < min || m > 1000) {
                    return Err("Invalid content of \\{\\}".into());
                }
                (min, max)
            }
        })
    }

    fn bracket(&mut self) -> Result<Node, String> {
        const UNMATCHED: &str = "Unmatched [, [^, [:, [., or [=";
        self.i += 1;
        let mut negate = false;
        if self.peek() == Some('^') {
            negate = true;
            self.i += 1;
        }
        let mut items = Vec::new();
        let mut first = true;
        loop {
            let Some(c) = self.peek() else {
                return Err(UNMATCHED.into());
            };
            if c == ']' && !first {
                self.i += 1;
                break;
            }
            first = false;
            if c == '[' && self.p.get(self.i + 1) == Some(&':') {
                let rest: String = self.p[self.i + 2..].iter().collect();
                let Some(end) = rest.find(":]") else {
                    return Err(UNMATCHED.into());
                };
                let name = rest[..end].to_string();
                self.i += 2 + name.chars().count() + 2;
                items.push(ClassItem::Named(name));
                continue;
            }
            self.i += 1;
            if self.peek() == Some('-') && self.p.get(self.i + 1).is_some_and(|n| *n != ']') {
                let hi = self.p[self.i + 1];
                self.i += 2;
                items.push(ClassItem::Range(c, hi));
            } else {
                items.push(ClassItem::Range(c, c));
            }
        }
        Ok(Node::Class { items, negate })
    }
}

struct Matcher<'t> {
    t: &'t [char],
    steps: Cell<usize>,
    icase: bool,
    /// Group ranges of the path being tried; restored when it backtracks.
    caps: std::cell::RefCell<Captures>,
}

impl Matcher<'_> {
    fn tick(&self) -> bool {
        let s = self.steps.get() + 1;
        self.steps.set(s);
        s <= MAX_STEPS
    }

    fn alts(
        &self,
        alts: &[Vec<Node>],
        i: usize,
        depth: usize,
        k: &mut dyn FnMut(usize) -> bool,
    ) -> bool {
        alts.iter().any(|seq| self.seq(seq, i, depth, k))
    }

    fn seq(&self, seq: &[Node], i: usize, depth: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
        if !self.tick() || depth > MAX_DEPTH {
            return false;
        }
        let Some((node, rest)) = seq.split_first() else {
            return k(i);
        };
        match node {
            Node::Repeat(inner, min, max) if single_char(inner) => {
                let mut n = 0;
                while max.is_none_or(|m| n < m)
                    && i + n < self.t.len()
                    && self.one(inner, self.t[i + n])
                {
                    n += 1;
                }
                if n < *min {
                    return false;
                }
                (*min..=n)
                    .rev()
                    .any(|c| self.seq(rest, i + c, depth + 1, k))
            }
            Node::Repeat(inner, min, max) => self.repeat(inner, *min, *max, 0, i, rest, depth, k),
            Node::Group(alts, n) => self.alts(alts, i, depth + 1, &mut |j| {
                let saved = self.caps.borrow()[*n];
                self.caps.borrow_mut()[*n] = Some((i, j));
                if self.seq(rest, j, depth + 1, k) {
                    return true;
                }
                self.caps.borrow_mut()[*n] = saved;
                false
            }),
            Node::Backref(n) => {
                let Some((a, b)) = self.caps.borrow()[*n] else {
                    return false;
                };
                let len = b - a;
                i + len <= self.t.len()
                    && self.t[a..b] == self.t[i..i + len]
                    && self.seq(rest, i + len, depth + 1, k)
            }
            Node::Start => i == 0 && self.seq(rest, i, depth, k),
            Node::End => i == self.t.len() && self.seq(rest, i, depth, k),
            Node::WordBoundary(want) => self.boundary(i) == *want && self.seq(rest, i, depth, k),
            Node::WordStart => {
                let before = i > 0 && is_word(self.t[i - 1]);
                let after = i < self.t.len() && is_word(self.t[i]);
                !before && after && self.seq(rest, i, depth, k)
            }
            Node::WordEnd => {
                let before = i > 0 && is_word(self.t[i - 1]);
                let after = i < self.t.len() && is_word(self.t[i]);
                before && !after && self.seq(rest, i, depth, k)
            }
            single => {
                i < self.t.len()
                    && self.one(single, self.t[i])
                    && self.seq(rest, i + 1, depth + 1, k)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn repeat(
        &self,
        inner: &Node,
        min: usize,
        max: Option<usize>,
        count: usize,
        i: usize,
        rest: &[Node],
        depth: usize,
        k: &mut dyn FnMut(usize) -> bool,
    ) -> bool {
        if depth > MAX_DEPTH || !self.tick() {
            return false;
        }
        if max.is_none_or(|m| count < m) {
            let one = std::slice::from_ref(inner);
            let more = self.seq(one, i, depth + 1, &mut |j| {
                if j == i && count >= min {
                    return false;
                }
                self.repeat(inner, min, max, count + 1, j, rest, depth + 1, k)
            });
            if more {
                return true;
            }
        }
        count >= min && self.seq(rest, i, depth + 1, k)
    }

    fn boundary(&self, i: usize) -> bool {
        let before = i > 0 && is_word(self.t[i - 1]);
        let after = i < self.t.len() && is_word(self.t[i]);
        before != after
    }

    fn one(&self, node: &Node, c: char) -> bool {
        match node {
            Node::Char(p) => *p == c,
            Node::Any => c != '\n',
            Node::Class { items, negate } => {
                let hit = items.iter().any(|it| self.class_item(it, c));
                hit != *negate
            }
            _ => false,
        }
    }

    fn class_item(&self, it: &ClassItem, c: char) -> bool {
        match it {
            ClassItem::Range(lo, hi) => {
                let within = |x: char| *lo <= x && x <= *hi;
                within(c) || (self.icase && c.to_uppercase().any(within))
            }
            ClassItem::Named(n) => match n.as_str() {
                "alpha" => c.is_alphabetic(),
                "digit" => c.is_ascii_digit(),
                "alnum" => c.is_alphanumeric(),
                "upper" => c.is_uppercase() || (self.icase && c.is_lowercase()),
                "lower" => c.is_lowercase() || (self.icase && c.is_uppercase()),
                "space" => c.is_whitespace(),
                "blank" => c == ' ' || c == '\t',
                "punct" => c.is_ascii_punctuation(),
                "xdigit" => c.is_ascii_hexdigit(),
                "word" => is_word(c),
                "print" => !c.is_control(),
                "graph" => !c.is_control() && c != ' ',
                "cntrl" => c.is_control(),
                _ => false,
            },
        }
    }
}

fn single_char(n: &Node) -> bool {
    matches!(n, Node::Char(_) | Node::Any | Node::Class { .. })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, ext: bool, t: &str) -> bool {
        Regex::new(p, ext, false)
            .map(|r| r.is_match(t))
            .unwrap_or(false)
    }

    #[test]
    fn basic_and_extended() {
        assert!(m("ngin.", false, "image: nginx:1.14"));
        assert!(m("^a.*z$", false, "abcz"));
        assert!(!m("^a.*z$", false, "abczq"));
        assert!(m("a\\(b\\|c\\)d", false, "xacd"));
        assert!(m("(b|c)+d", true, "xbcbd"));
        assert!(!m("a+", false, "aaa") && m("a+", false, "a+"));
        assert!(m("[[:digit:]]{3}", true, "ab123"));
        assert!(m("[^a-z]", false, "abcD"));
        assert!(Regex::new("nginx", false, true)
            .map(|r| r.is_match("NGINX"))
            .unwrap_or(false));
        assert!(Regex::new("(a", true, false).is_err());
    }

    #[test]
    fn word_match_and_pathological_patterns_terminate() {
        let r = Regex::new("run", false, false).unwrap();
        let t: Vec<char> = "running run".chars().collect();
        assert_eq!(r.find_at(&t, 0, true), Some((8, 11)));
        let evil = Regex::new("(a*)*b", true, false).unwrap();
        assert!(!evil.is_match(&"a".repeat(40)));
        let long = "x".repeat(100_000);
        assert!(m("x*y", true, &long) || !m("x*y", true, &long));
    }
}

#[cfg(test)]
mod capture_tests {
    use super::*;

    fn caps(p: &str, ext: bool, t: &str) -> Vec<Option<String>> {
        let r = Regex::new(p, ext, false).unwrap();
        let chars: Vec<char> = t.chars().collect();
        r.captures_at(&chars, 0, None)
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.map(|(a, b)| chars[a..b].iter().collect()))
            .collect()
    }

    #[test]
    fn groups_capture_and_backreferences_match() {
        assert_eq!(
            caps("\\(a*\\)\\(b\\)", false, "xaab"),
            vec![Some("aab".into()), Some("aa".into()), Some("b".into())]
        );
        assert_eq!(
            caps("(.+) swap (.+)", true, "/swap.img none swap sw 0 0"),
            vec![
                Some("/swap.img none swap sw 0 0".into()),
                Some("/swap.img none".into()),
                Some("sw 0 0".into())
            ]
        );
        assert_eq!(caps("(x)|(y)", true, "y")[1], None);
        assert!(Regex::new("^(.)o\\1$", true, false)
            .unwrap()
            .is_match("bob"));
        assert!(!Regex::new("^(.)o\\1$", true, false)
            .unwrap()
            .is_match("bot"));
        assert_eq!(
            Regex::new("\\1(a)", true, false).unwrap_err(),
            "Invalid back reference"
        );
    }
}
