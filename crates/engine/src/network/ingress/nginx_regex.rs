//! The PCRE subset nginx uses for ingress-nginx's regex locations (`location ~* "^/app(/|$)(.*)"`)
//! and `rewrite` directives (`rewrite "(?i)/app(/|$)(.*)" /$2 break;`): literals, `.`,
//! classes `[...]` with ranges and `\d \w \s`, groups with captures, `(?:...)`, alternation,
//! greedy `* + ? {m,n}` and the anchors `^ $`. Matching backtracks under a step budget, so no
//! annotation can hang the page.

const MAX_STEPS: usize = 200_000;

#[derive(Clone, Debug)]
enum Node {
    Char(char),
    Any,
    Class(Vec<(char, char)>, bool),
    Start,
    End,
    /// A group: its capture index (none for `(?:...)`) and its alternatives.
    Group(Option<usize>, Vec<Vec<Node>>),
    Repeat(Box<Node>, usize, Option<usize>),
}

/// A compiled pattern.
#[derive(Clone, Debug)]
pub struct Regex {
    alts: Vec<Vec<Node>>,
    groups: usize,
    icase: bool,
}

/// Capture spans of a match: index 0 is the whole match.
pub type Captures = Vec<Option<(usize, usize)>>;

impl Regex {
    /// Compiles `pattern`; a leading `(?i)` makes it case-insensitive, as `icase` does.
    pub fn new(pattern: &str, icase: bool) -> Result<Regex, String> {
        let (pattern, icase) = match pattern.strip_prefix("(?i)") {
            Some(rest) => (rest, true),
            None => (pattern, icase),
        };
        let chars: Vec<char> = pattern.chars().collect();
        let mut p = Parser {
            chars: &chars,
            pos: 0,
            groups: 0,
        };
        let alts = p.alternation()?;
        if p.pos < chars.len() {
            return Err(format!("unmatched ')' at offset {}", p.pos));
        }
        Ok(Regex {
            alts,
            groups: p.groups,
            icase,
        })
    }

    /// The leftmost match in `text` with its captures (by char offsets), if any.
    pub fn captures(&self, text: &str) -> Option<(Vec<char>, Captures)> {
        let chars: Vec<char> = text.chars().collect();
        let m = Matcher {
            text: &chars,
            icase: self.icase,
            steps: std::cell::Cell::new(0),
        };
        for start in 0..=chars.len() {
            let mut caps: Captures = vec![None; self.groups + 1];
            let root = Node::Group(None, self.alts.clone());
            let mut end = None;
            if m.node(&root, start, &mut caps, &mut |p, _| {
                end = Some(p);
                true
            }) {
                caps[0] = end.map(|e| (start, e));
                return Some((chars, caps));
            }
            if m.steps.get() > MAX_STEPS {
                return None;
            }
        }
        None
    }

    /// True when the pattern matches somewhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.captures(text).is_some()
    }

    /// nginx's `rewrite REGEX REPLACEMENT`: when the regex matches, the whole URI becomes the
    /// replacement with `$1`…`$9` substituted; `None` when it does not match.
    ///
    /// Worked example: `(?i)/app(/|$)(.*)` with `/$2` turns `/app/login` into `/login`
    /// ($1 = "/", $2 = "login") and `/app` into `/`.
    pub fn rewrite(&self, uri: &str, replacement: &str) -> Option<String> {
        let (chars, caps) = self.captures(uri)?;
        let group = |n: usize| -> String {
            caps.get(n)
                .copied()
                .flatten()
                .map(|(a, b)| chars[a..b].iter().collect())
                .unwrap_or_default()
        };
        let mut out = String::new();
        let mut it = replacement.chars().peekable();
        while let Some(c) = it.next() {
            if c == '$' {
                if let Some(d) = it.peek().and_then(|d| d.to_digit(10)) {
                    it.next();
                    out.push_str(&group(d as usize));
                    continue;
                }
            }
            out.push(c);
        }
        Some(out)
    }
}

struct Parser<'a> {
    chars: &'a [char],
    pos: usize,
    groups: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn alternation(&mut self) -> Result<Vec<Vec<Node>>, String> {
        let mut alts = vec![self.sequence()?];
        while self.peek() == Some('|') {
            self.pos += 1;
            alts.push(self.sequence()?);
        }
        Ok(alts)
    }

    fn sequence(&mut self) -> Result<Vec<Node>, String> {
        let mut seq = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            let atom = self.quantifier(atom)?;
            seq.push(atom);
        }
        Ok(seq)
    }

    fn atom(&mut self) -> Result<Node, String> {
        let c = self.peek().ok_or("unexpected end")?;
        self.pos += 1;
        Ok(match c {
            '.' => Node::Any,
            '^' => Node::Start,
            '$' => Node::End,
            '(' => {
                let index = if self.chars[self.pos..].starts_with(&['?', ':']) {
                    self.pos += 2;
                    None
                } else {
                    self.groups += 1;
                    Some(self.groups)
                };
                let alts = self.alternation()?;
                if self.peek() != Some(')') {
                    return Err("missing )".into());
                }
                self.pos += 1;
                Node::Group(index, alts)
            }
            '[' => self.class()?,
            '\\' => self.escape()?,
            '*' | '+' | '?' => return Err("quantifier does not follow a repeatable item".into()),
            c => Node::Char(c),
        })
    }

    fn escape(&mut self) -> Result<Node, String> {
        let e = self.peek().ok_or("\\ at end of pattern")?;
        self.pos += 1;
        Ok(match e {
            'd' => Node::Class(vec![('0', '9')], false),
            'D' => Node::Class(vec![('0', '9')], true),
            'w' => Node::Class(WORD.to_vec(), false),
            'W' => Node::Class(WORD.to_vec(), true),
            's' => Node::Class(SPACE.to_vec(), false),
            'S' => Node::Class(SPACE.to_vec(), true),
            c => Node::Char(c),
        })
    }

    fn class(&mut self) -> Result<Node, String> {
        let mut negate = false;
        if self.peek() == Some('^') {
            negate = true;
            self.pos += 1;
        }
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let c = self
                .peek()
                .ok_or("missing terminating ] for character class")?;
            self.pos += 1;
            if c == ']' && !first {
                break;
            }
            first = false;
            let lo = if c == '\\' {
                let e = self.peek().ok_or("\\ at end of pattern")?;
                self.pos += 1;
                match e {
                    'd' => {
                        ranges.push(('0', '9'));
                        continue;
                    }
                    'w' => {
                        ranges.extend_from_slice(WORD);
                        continue;
                    }
                    's' => {
                        ranges.extend_from_slice(SPACE);
                        continue;
                    }
                    e => e,
                }
            } else {
                c
            };
            if self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|n| *n != ']') {
                let hi = self.chars[self.pos + 1];
                self.pos += 2;
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        Ok(Node::Class(ranges, negate))
    }

    fn quantifier(&mut self, atom: Node) -> Result<Node, String> {
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => {
                let rest: String = self.chars[self.pos + 1..].iter().collect();
                let Some(close) = rest.find('}') else {
                    return Ok(atom);
                };
                let body = &rest[..close];
                let parsed = match body.split_once(',') {
                    None => body.parse().ok().map(|n: usize| (n, Some(n))),
                    Some((a, "")) => a.parse().ok().map(|n: usize| (n, None)),
                    Some((a, b)) => a
                        .parse()
                        .ok()
                        .zip(b.parse().ok())
                        .map(|(a, b)| (a, Some(b))),
                };
                let Some((min, max)) = parsed else {
                    return Ok(atom);
                };
                self.pos += close + 1;
                (min, max)
            }
            _ => return Ok(atom),
        };
        self.pos += 1;
        // A lazy `?` after a quantifier is accepted and treated as greedy.
        if self.peek() == Some('?') {
            self.pos += 1;
        }
        Ok(Node::Repeat(Box::new(atom), min, max))
    }
}

const WORD: &[(char, char)] = &[('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')];
const SPACE: &[(char, char)] = &[(' ', ' '), ('\t', '\r')];

struct Matcher<'a> {
    text: &'a [char],
    icase: bool,
    /// Steps taken so far (a `Cell`, so continuations can borrow the matcher shared).
    steps: std::cell::Cell<usize>,
}

type Cont<'k> = dyn FnMut(usize, &mut Captures) -> bool + 'k;

impl Matcher<'_> {
    fn eq(&self, a: char, b: char) -> bool {
        a == b || (self.icase && a.eq_ignore_ascii_case(&b))
    }

    fn in_class(&self, c: char, ranges: &[(char, char)]) -> bool {
        let hit = |c: char| ranges.iter().any(|(lo, hi)| *lo <= c && c <= *hi);
        hit(c) || (self.icase && (hit(c.to_ascii_lowercase()) || hit(c.to_ascii_uppercase())))
    }

    fn seq(&self, nodes: &[Node], pos: usize, caps: &mut Captures, k: &mut Cont<'_>) -> bool {
        match nodes.split_first() {
            None => k(pos, caps),
            Some((first, rest)) => {
                self.node(first, pos, caps, &mut |p, caps| self.seq(rest, p, caps, k))
            }
        }
    }

    fn node(&self, node: &Node, pos: usize, caps: &mut Captures, k: &mut Cont<'_>) -> bool {
        self.steps.set(self.steps.get() + 1);
        if self.steps.get() > MAX_STEPS {
            return false;
        }
        let text = self.text;
        match node {
            Node::Char(c) => pos < text.len() && self.eq(text[pos], *c) && k(pos + 1, caps),
            Node::Any => pos < text.len() && text[pos] != '\n' && k(pos + 1, caps),
            Node::Class(ranges, negate) => {
                pos < text.len() && self.in_class(text[pos], ranges) != *negate && k(pos + 1, caps)
            }
            Node::Start => pos == 0 && k(pos, caps),
            Node::End => pos == text.len() && k(pos, caps),
            Node::Group(index, alts) => {
                for alt in alts {
                    let saved = caps.clone();
                    let ok = self.seq(alt, pos, caps, &mut |p, caps: &mut Captures| {
                        let prev = index.map(|i| caps[i]);
                        if let Some(i) = index {
                            caps[*i] = Some((pos, p));
                        }
                        if k(p, caps) {
                            return true;
                        }
                        if let (Some(i), Some(prev)) = (index, prev) {
                            caps[*i] = prev;
                        }
                        false
                    });
                    if ok {
                        return true;
                    }
                    *caps = saved;
                }
                false
            }
            Node::Repeat(inner, min, max) => self.repeat(inner, *min, *max, 0, pos, caps, k),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn repeat(
        &self,
        inner: &Node,
        min: usize,
        max: Option<usize>,
        count: usize,
        pos: usize,
        caps: &mut Captures,
        k: &mut Cont<'_>,
    ) -> bool {
        if max.is_none_or(|m| count < m) {
            let matched = self.node(inner, pos, caps, &mut |p, caps: &mut Captures| {
                // An empty iteration cannot make progress: stop repeating.
                p != pos && self.repeat(inner, min, max, count + 1, p, caps, k)
            });
            if matched {
                return true;
            }
        }
        count >= min && k(pos, caps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrite_target_with_capture_groups() {
        let re = Regex::new("(?i)/something(/|$)(.*)", false).unwrap();
        assert_eq!(re.rewrite("/something/new", "/$2").as_deref(), Some("/new"));
        assert_eq!(re.rewrite("/something", "/$2").as_deref(), Some("/"));
        assert_eq!(re.rewrite("/SOMETHING/a/b", "/$2").as_deref(), Some("/a/b"));
        assert_eq!(re.rewrite("/other", "/$2"), None);
        let plain = Regex::new("(?i)/app", false).unwrap();
        assert_eq!(plain.rewrite("/app/x", "/").as_deref(), Some("/"));
    }

    #[test]
    fn classes_quantifiers_and_anchors() {
        let re = Regex::new("^/api/v[0-9]+/(users|groups)/?$", true).unwrap();
        assert!(re.is_match("/api/v12/users"));
        assert!(re.is_match("/API/V1/groups/"));
        assert!(!re.is_match("/api/v/users"));
        assert!(!re.is_match("/api/v1/usersx"));
        let re = Regex::new("^/a{2,3}b", false).unwrap();
        assert!(re.is_match("/aab") && re.is_match("/aaab") && !re.is_match("/ab"));
        assert!(Regex::new("(", false).is_err());
    }

    #[test]
    fn catastrophic_patterns_end() {
        let re = Regex::new("^(a*)*b$", false).unwrap();
        assert!(!re.is_match(&"a".repeat(40)));
    }
}
