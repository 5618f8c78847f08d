//! Glob patterns (`*`, `?`, `[...]`): pathname expansion, `case`, `[[ == ]]`, `${x#pat}`.
//!
//! A pattern is a sequence of characters each marked literal or not: quoted characters of a
//! word (`"*"`, `\*`) never act as wildcards.

/// One pattern character; `literal` is true when it came from quoted text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PatChar {
    /// The character.
    pub c: char,
    /// Quoted: matches itself only.
    pub literal: bool,
}

/// A pattern from plain text where every character may be a wildcard.
pub fn from_text(s: &str) -> Vec<PatChar> {
    s.chars().map(|c| PatChar { c, literal: false }).collect()
}

/// True when the pattern has an unquoted `*`, `?` or `[`.
pub fn has_wildcards(p: &[PatChar]) -> bool {
    p.iter()
        .any(|pc| !pc.literal && matches!(pc.c, '*' | '?' | '['))
}

/// Whole-string match of `text` against `pat`.
pub fn matches(pat: &[PatChar], text: &str) -> bool {
    let t: Vec<char> = text.chars().collect();
    match_chars(pat, &t)
}

fn match_chars(pat: &[PatChar], t: &[char]) -> bool {
    let (mut p, mut i) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if p < pat.len() {
            let pc = pat[p];
            if !pc.literal && pc.c == '*' {
                star = Some((p, i));
                p += 1;
                continue;
            }
            if i < t.len() {
                if !pc.literal && pc.c == '?' {
                    p += 1;
                    i += 1;
                    continue;
                }
                if !pc.literal && pc.c == '[' {
                    if let Some((ok, len)) = class_match(&pat[p..], t[i]) {
                        if ok {
                            p += len;
                            i += 1;
                            continue;
                        }
                    } else if t[i] == '[' {
                        p += 1;
                        i += 1;
                        continue;
                    }
                } else if pc.c == t[i] {
                    p += 1;
                    i += 1;
                    continue;
                }
            }
        } else if i == t.len() {
            return true;
        }
        match star {
            Some((sp, si)) if si < t.len() => {
                star = Some((sp, si + 1));
                p = sp + 1;
                i = si + 1;
            }
            _ => return false,
        }
    }
}

/// Matches `c` against the bracket expression at the start of `pat`. Returns whether it
/// matched and the length of the expression, or `None` when the `[` is not closed.
fn class_match(pat: &[PatChar], c: char) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(pat.get(i), Some(pc) if !pc.literal && (pc.c == '!' || pc.c == '^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let pc = pat.get(i)?;
        if pc.c == ']' && !pc.literal && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        let lo = pc.c;
        if matches!(pat.get(i + 1), Some(d) if d.c == '-')
            && matches!(pat.get(i + 2), Some(h) if h.c != ']')
        {
            let hi = pat.get(i + 2).map(|h| h.c).unwrap_or(lo);
            if lo <= c && c <= hi {
                matched = true;
            }
            i += 3;
        } else {
            if lo == c {
                matched = true;
            }
            i += 1;
        }
    }
}

/// Length (in chars) of the shortest or longest prefix of `text` matching `pat`.
pub fn prefix_match(pat: &[PatChar], text: &str, longest: bool) -> Option<usize> {
    let t: Vec<char> = text.chars().collect();
    let mut ends: Box<dyn Iterator<Item = usize>> = if longest {
        Box::new((0..=t.len()).rev())
    } else {
        Box::new(0..=t.len())
    };
    ends.find(|&n| match_chars(pat, &t[..n]))
}

/// Start (in chars) of the shortest or longest suffix of `text` matching `pat`.
pub fn suffix_match(pat: &[PatChar], text: &str, longest: bool) -> Option<usize> {
    let t: Vec<char> = text.chars().collect();
    let mut starts: Box<dyn Iterator<Item = usize>> = if longest {
        Box::new(0..=t.len())
    } else {
        Box::new((0..=t.len()).rev())
    };
    starts.find(|&s| match_chars(pat, &t[s..]))
}

/// The first (leftmost, longest) match of `pat` inside `text`, as a char range.
pub fn find(pat: &[PatChar], text: &[char], from: usize) -> Option<(usize, usize)> {
    for s in from..=text.len() {
        for e in (s..=text.len()).rev() {
            if match_chars(pat, &text[s..e]) {
                return Some((s, e));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(matches(&from_text("*.yaml"), "web.yaml"));
        assert!(!matches(&from_text("*.yaml"), "web.yml"));
        assert!(matches(&from_text("a?c"), "abc"));
        assert!(matches(&from_text("[a-c]x"), "bx"));
        assert!(!matches(&from_text("[!a-c]x"), "bx"));
        assert!(matches(&from_text("*"), ""));
        assert!(matches(&from_text("[x"), "[x"));
        let quoted = vec![PatChar {
            c: '*',
            literal: true,
        }];
        assert!(!matches(&quoted, "a"));
        assert_eq!(prefix_match(&from_text("*/"), "a/b/c", true), Some(4));
        assert_eq!(suffix_match(&from_text(".*"), "a.b.c", false), Some(3));
    }
}
