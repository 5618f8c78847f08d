//! `sed`, GNU sed's stream editor: the subset scripts and course texts use.
//!
//! Options `-n`, `-e SCRIPT`, `-f FILE`, `-i[SUFFIX]`/`--in-place[=SUFFIX]`, `-r`/`-E`, `-s`;
//! addresses `N`, `$`, `/RE/` (or `\cREc`, with `I`), `FIRST~STEP`, ranges `A,B` and `A,+N`,
//! `!`; commands `s` (flags `g`, `p`, `N`, `I`; `&`, `\1`..`\9`, `\U \L \u \l \E`, any
//! delimiter), `d`, `p`, `q`/`Q` [EXIT], `a`/`i`/`c` (the one-line GNU form and `a\` + text
//! lines), `=`, `y`, `h H g G x`, `{ }` blocks and `#` comments. Errors are GNU's texts
//! (`sed: -e expression #1, char 5: unterminated `s' command`).
//!
//! Like GNU sed, the files are one continuous stream (`$` is the last line of the last file)
//! unless `-i` or `-s` makes them separate, and a last line without a newline is written
//! back without one.

use super::super::regex::{Captures, Regex};
use super::super::CommandIo;

const USAGE: &str = "Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...

  -n, --quiet, --silent
                 suppress automatic printing of pattern space
      --debug
                 annotate program execution
  -e script, --expression=script
                 add the script to the commands to be executed
  -f script-file, --file=script-file
                 add the contents of script-file to the commands to be executed
  --follow-symlinks
                 follow symlinks when processing in place
  -i[SUFFIX], --in-place[=SUFFIX]
                 edit files in place (makes backup if SUFFIX supplied)
  -l N, --line-length=N
                 specify the desired line-wrap length for the `l' command
  --posix
                 disable all GNU extensions.
  -E, -r, --regexp-extended
                 use extended regular expressions in the script
                 (for portability use POSIX -E).
  -s, --separate
                 consider files as separate rather than as a single
                 continuous long stream.
      --sandbox
                 operate in sandbox mode (disable e/r/w commands).
  -u, --unbuffered
                 load minimal amounts of data from the input files and flush
                 the output buffers more often
  -z, --null-data
                 separate lines by NUL characters
      --help     display this help and exit
      --version  output version information and exit

If no -e, --expression, -f, or --file option is given, then the first
non-option argument is taken as the sed script to interpret.  All
remaining arguments are names of input files; if no input files are
specified, then the standard input is read.

GNU sed home page: <https://www.gnu.org/software/sed/>.
General help using GNU software: <https://www.gnu.org/gethelp/>.
";

const VERSION: &str = "sed (GNU sed) 4.8
Copyright (C) 2020 Free Software Foundation, Inc.
License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.
This is free software: you are free to change and redistribute it.
There is NO WARRANTY, to the extent permitted by law.

Written by Jay Fenlason, Tom Lord, Ken Pizzini,
Paolo Bonzini, Jim Meyering, and Assaf Gordon.
";

/// Where a piece of script came from, for error messages.
#[derive(Clone, Debug)]
enum Origin {
    /// `-e` (or the first operand): `-e expression #N`.
    Expression(usize),
    /// `-f FILE`: `file FILE line N` (the line is found from the position).
    File(String),
}

/// The options sed runs with.
#[derive(Clone, Debug, Default)]
struct Options {
    quiet: bool,
    extended: bool,
    separate: bool,
    /// `-i`: edit in place, with this backup suffix (empty: no backup).
    in_place: Option<String>,
}

/// One line address.
#[derive(Clone, Debug)]
enum Addr {
    Line(usize),
    Last,
    Regex(Regex),
    /// `FIRST~STEP`.
    Step(usize, usize),
    /// `+N` as the end of a range.
    Plus(usize),
}

/// The addresses of a command.
#[derive(Clone, Debug)]
struct Address {
    first: Option<Addr>,
    second: Option<Addr>,
    negate: bool,
}

/// One part of an `s` replacement.
#[derive(Clone, Debug, PartialEq)]
enum Repl {
    Text(String),
    /// `&` (0) or `\N`.
    Group(usize),
    /// `\U`, `\L`, `\E`, `\u`, `\l`.
    Case(char),
}

#[derive(Clone, Debug)]
struct Subst {
    regex: Regex,
    repl: Vec<Repl>,
    global: bool,
    print: bool,
    /// Replace the Nth match (1 when not given).
    nth: usize,
}

#[derive(Clone, Debug)]
enum Op {
    Subst(Box<Subst>),
    Delete,
    Print,
    Quit(i32, bool),
    Append(String),
    Insert(String),
    Change(String),
    LineNumber,
    Translate(Vec<(char, char)>),
    Hold(char),
    /// `{`: the index just past its `}`.
    Block(usize),
    EndBlock,
}

#[derive(Clone, Debug)]
struct Cmd {
    address: Address,
    op: Op,
}

/// A parse error: the message and the 1-based position of the character where it was found.
struct ParseError {
    msg: String,
    at: usize,
}

fn perr(msg: impl Into<String>, at: usize) -> ParseError {
    ParseError {
        msg: msg.into(),
        at,
    }
}

/// Parses one script chunk into commands (appended to `out`).
struct Parser<'a> {
    s: &'a [char],
    i: usize,
    extended: bool,
    last_regex: Option<Regex>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.i += 1;
        }
    }

    fn parse(&mut self, out: &mut Vec<Cmd>, blocks: &mut Vec<usize>) -> Result<(), ParseError> {
        loop {
            while matches!(self.peek(), Some(' ' | '\t' | '\n' | ';')) {
                self.i += 1;
            }
            let Some(c) = self.peek() else {
                return Ok(());
            };
            if c == '#' {
                while !matches!(self.peek(), None | Some('\n')) {
                    self.i += 1;
                }
                continue;
            }
            let address = self.address()?;
            self.skip_ws();
            let Some(c) = self.peek() else {
                return Err(perr("missing command", self.i));
            };
            self.i += 1;
            let one_address_only = |a: &Address, at: usize| {
                if a.second.is_some() {
                    Err(perr("command only uses one address", at))
                } else {
                    Ok(())
                }
            };
            let op = match c {
                's' => Op::Subst(Box::new(self.subst()?)),
                'y' => Op::Translate(self.translate()?),
                'd' => Op::Delete,
                'p' => Op::Print,
                '=' => Op::LineNumber,
                'h' | 'H' | 'g' | 'G' | 'x' => Op::Hold(c),
                'q' | 'Q' => {
                    one_address_only(&address, self.i)?;
                    self.skip_ws();
                    let start = self.i;
                    while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                        self.i += 1;
                    }
                    let code: String = self.s[start..self.i].iter().collect();
                    Op::Quit(code.parse().unwrap_or(0), c == 'q')
                }
                'a' | 'i' | 'c' => {
                    let text = self.text()?;
                    match c {
                        'a' => Op::Append(text),
                        'i' => Op::Insert(text),
                        _ => Op::Change(text),
                    }
                }
                '{' => {
                    blocks.push(out.len());
                    out.push(Cmd {
                        address,
                        op: Op::Block(0),
                    });
                    continue;
                }
                '}' => {
                    if address.first.is_some() {
                        return Err(perr("} doesn't want any addresses", self.i));
                    }
                    let Some(open) = blocks.pop() else {
                        return Err(perr("unexpected `}'", self.i));
                    };
                    out.push(Cmd {
                        address,
                        op: Op::EndBlock,
                    });
                    let end = out.len();
                    out[open].op = Op::Block(end);
                    self.end_of_command()?;
                    continue;
                }
                other => return Err(perr(format!("unknown command: `{other}'"), self.i)),
            };
            out.push(Cmd { address, op });
            self.end_of_command()?;
        }
    }

    /// After a command: blanks, then `;`, a newline, `}`, `#` or the end.
    fn end_of_command(&mut self) -> Result<(), ParseError> {
        self.skip_ws();
        match self.peek() {
            None | Some(';' | '\n' | '}' | '#') => Ok(()),
            Some(_) => Err(perr("extra characters after command", self.i + 1)),
        }
    }

    fn address(&mut self) -> Result<Address, ParseError> {
        let mut a = Address {
            first: self.one_address(false)?,
            second: None,
            negate: false,
        };
        if a.first.is_some() {
            self.skip_ws();
            if self.peek() == Some(',') {
                self.i += 1;
                self.skip_ws();
                match self.one_address(true)? {
                    Some(second) => a.second = Some(second),
                    None => return Err(perr("unexpected `,'", self.i)),
                }
            }
            if matches!(a.first, Some(Addr::Line(0))) && !matches!(a.second, Some(Addr::Regex(_))) {
                return Err(perr("invalid usage of line address 0", self.i));
            }
        }
        self.skip_ws();
        while self.peek() == Some('!') {
            self.i += 1;
            a.negate = true;
            self.skip_ws();
        }
        Ok(a)
    }

    fn number(&mut self) -> usize {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        let digits: String = self.s[start..self.i].iter().collect();
        digits.parse().unwrap_or(usize::MAX)
    }

    fn one_address(&mut self, second: bool) -> Result<Option<Addr>, ParseError> {
        match self.peek() {
            Some(c) if c.is_ascii_digit() => {
                let n = self.number();
                if self.peek() == Some('~') {
                    self.i += 1;
                    let step = self.number();
                    let step = if step == usize::MAX { 0 } else { step };
                    return Ok(Some(Addr::Step(n, step)));
                }
                Ok(Some(Addr::Line(n)))
            }
            Some('+') if second => {
                self.i += 1;
                Ok(Some(Addr::Plus(self.number())))
            }
            Some('$') => {
                self.i += 1;
                Ok(Some(Addr::Last))
            }
            Some('/') | Some('\\') => {
                let delim = if self.peek() == Some('\\') {
                    self.i += 1;
                    match self.peek() {
                        Some(d) if d != '\n' => d,
                        _ => return Err(perr("unexpected `,'", self.i)),
                    }
                } else {
                    '/'
                };
                self.i += 1;
                let Some(pattern) = self.delimited(delim, true) else {
                    return Err(perr("unterminated address regex", self.s.len()));
                };
                let mut icase = false;
                while matches!(self.peek(), Some('I' | 'M')) {
                    icase |= self.peek() == Some('I');
                    self.i += 1;
                }
                Ok(Some(Addr::Regex(self.compile(&pattern, icase)?)))
            }
            _ => Ok(None),
        }
    }

    /// Reads up to the unescaped `delim` (consumed). `\delim` becomes `delim` (except `\&` in
    /// a replacement); in a regex `\n` and `\t` become the characters, other escapes are kept
    /// for the regex compiler or the replacement parser.
    fn delimited(&mut self, delim: char, regex: bool) -> Option<String> {
        let mut out = String::new();
        loop {
            let c = self.peek()?;
            self.i += 1;
            if c == delim {
                return Some(out);
            }
            if c == '\\' {
                let n = self.peek()?;
                self.i += 1;
                if n == delim && (regex || n != '&') {
                    out.push(n);
                } else if n == 'n' && regex {
                    out.push('\n');
                } else if n == 't' && regex {
                    out.push('\t');
                } else {
                    out.push('\\');
                    out.push(n);
                }
            } else if c == '\n' && regex {
                return None;
            } else {
                out.push(c);
            }
        }
    }

    fn compile(&mut self, pattern: &str, icase: bool) -> Result<Regex, ParseError> {
        if pattern.is_empty() {
            return self
                .last_regex
                .clone()
                .ok_or_else(|| perr("no previous regular expression", self.i));
        }
        let re = Regex::new(pattern, self.extended, icase).map_err(|e| perr(e, self.i))?;
        self.last_regex = Some(re.clone());
        Ok(re)
    }

    fn subst(&mut self) -> Result<Subst, ParseError> {
        let unterminated = |p: &Parser| perr("unterminated `s' command", p.s.len());
        let delim = match self.peek() {
            Some(d) if d != '\n' && d != '\\' => d,
            _ => return Err(unterminated(self)),
        };
        self.i += 1;
        let pattern = self
            .delimited(delim, true)
            .ok_or_else(|| unterminated(self))?;
        let repl_text = self
            .delimited(delim, false)
            .ok_or_else(|| unterminated(self))?;
        let mut s = Subst {
            regex: Regex::new("", false, false).map_err(|e| perr(e, self.i))?,
            repl: Vec::new(),
            global: false,
            print: false,
            nth: 1,
        };
        let mut icase = false;
        let mut nth_given = false;
        loop {
            match self.peek() {
                Some('g') => {
                    if s.global {
                        return Err(perr("multiple `g' options to `s' command", self.i + 1));
                    }
                    s.global = true;
                    self.i += 1;
                }
                Some('p') => {
                    if s.print {
                        return Err(perr("multiple `p' options to `s' command", self.i + 1));
                    }
                    s.print = true;
                    self.i += 1;
                }
                Some('I' | 'i') => {
                    icase = true;
                    self.i += 1;
                }
                Some('M' | 'm') => self.i += 1,
                Some(c) if c.is_ascii_digit() => {
                    if nth_given {
                        return Err(perr("multiple number options to `s' command", self.i + 1));
                    }
                    let n = self.number();
                    if n == 0 {
                        return Err(perr("number option to `s' command may not be zero", self.i));
                    }
                    s.nth = n;
                    nth_given = true;
                }
                None | Some(';' | '\n' | '}' | '#' | ' ' | '\t') => break,
                Some(_) => return Err(perr("unknown option to `s'", self.i + 1)),
            }
        }
        s.regex = self.compile(&pattern, icase)?;
        s.repl = parse_replacement(&repl_text);
        for r in &s.repl {
            if let Repl::Group(n) = r {
                if *n > s.regex.groups() {
                    return Err(perr(
                        format!("invalid reference \\{n} on `s' command's RHS"),
                        self.i,
                    ));
                }
            }
        }
        Ok(s)
    }

    fn translate(&mut self) -> Result<Vec<(char, char)>, ParseError> {
        let unterminated = |p: &Parser| perr("unterminated `y' command", p.s.len());
        let delim = match self.peek() {
            Some(d) if d != '\n' && d != '\\' => d,
            _ => return Err(unterminated(self)),
        };
        self.i += 1;
        let from = self
            .delimited(delim, true)
            .ok_or_else(|| unterminated(self))?;
        let to = self
            .delimited(delim, true)
            .ok_or_else(|| unterminated(self))?;
        let unescape = |s: &str| s.replace("\\\\", "\\");
        let (from, to): (Vec<char>, Vec<char>) = (
            unescape(&from).chars().collect(),
            unescape(&to).chars().collect(),
        );
        if from.len() != to.len() {
            return Err(perr(
                "strings for `y' command are different lengths",
                self.i,
            ));
        }
        Ok(from.into_iter().zip(to).collect())
    }

    /// The text of `a`, `i` or `c`: `a\` + newline + lines (a trailing `\` continues), or
    /// GNU's one-line `a text` to the end of the line.
    fn text(&mut self) -> Result<String, ParseError> {
        self.skip_ws();
        let mut raw = String::new();
        if self.peek() == Some('\\') {
            self.i += 1;
            self.skip_ws();
            if self.peek() == Some('\n') {
                self.i += 1;
            }
        } else if self.peek().is_none() {
            return Err(perr("expected \\ after `a', `c' or `i'", self.i));
        }
        loop {
            match self.peek() {
                None => break,
                Some('\n') => {
                    self.i += 1;
                    break;
                }
                Some('\\') => {
                    self.i += 1;
                    match self.peek() {
                        Some('\n') => {
                            raw.push('\n');
                            self.i += 1;
                        }
                        Some(c) => {
                            raw.push(c);
                            self.i += 1;
                        }
                        None => {}
                    }
                }
                Some(c) => {
                    raw.push(c);
                    self.i += 1;
                }
            }
        }
        raw.push('\n');
        Ok(raw)
    }
}

/// Splits a replacement into text, group references and case conversions.
fn parse_replacement(s: &str) -> Vec<Repl> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut chars = s.chars().peekable();
    let flush = |text: &mut String, out: &mut Vec<Repl>| {
        if !text.is_empty() {
            out.push(Repl::Text(std::mem::take(text)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '&' => {
                flush(&mut text, &mut out);
                out.push(Repl::Group(0));
            }
            '\\' => match chars.next() {
                Some(d @ '0'..='9') => {
                    flush(&mut text, &mut out);
                    out.push(Repl::Group(d as usize - '0' as usize));
                }
                Some('n') => text.push('\n'),
                Some('t') => text.push('\t'),
                Some(k @ ('U' | 'L' | 'E' | 'u' | 'l')) => {
                    flush(&mut text, &mut out);
                    out.push(Repl::Case(k));
                }
                Some('\n') => text.push('\n'),
                Some(other) => text.push(other),
                None => text.push('\\'),
            },
            other => text.push(other),
        }
    }
    flush(&mut text, &mut out);
    out
}

/// The replacement for one match.
fn expand(repl: &[Repl], text: &[char], caps: &Captures) -> String {
    let mut out = String::new();
    // `\U`/`\L` until `\E`; `\u`/`\l` for the next character only.
    let mut mode: Option<char> = None;
    let mut once: Option<char> = None;
    let push = |s: &str, out: &mut String, mode: Option<char>, once: &mut Option<char>| {
        for ch in s.chars() {
            let ch: String = match (once.take(), mode) {
                (Some('u'), _) => ch.to_uppercase().collect(),
                (Some('l'), _) => ch.to_lowercase().collect(),
                (_, Some('U')) => ch.to_uppercase().collect(),
                (_, Some('L')) => ch.to_lowercase().collect(),
                _ => ch.to_string(),
            };
            out.push_str(&ch);
        }
    };
    for r in repl {
        match r {
            Repl::Text(t) => push(t, &mut out, mode, &mut once),
            Repl::Group(n) => {
                if let Some(Some((a, b))) = caps.get(*n) {
                    let s: String = text[*a..*b].iter().collect();
                    push(&s, &mut out, mode, &mut once);
                }
            }
            Repl::Case('E') => {
                mode = None;
                once = None;
            }
            Repl::Case(k @ ('U' | 'L')) => mode = Some(*k),
            Repl::Case(k) => once = Some(*k),
        }
    }
    out
}

/// Runs `s` on the pattern space; true when something was replaced.
fn substitute(s: &Subst, space: &mut String) -> bool {
    let t: Vec<char> = space.chars().collect();
    let mut out = String::new();
    let mut pos = 0;
    let mut count = 0;
    let mut replaced = false;
    let mut no_empty_at = None;
    while pos <= t.len() {
        let Some(caps) = s.regex.captures_at(&t, pos, no_empty_at) else {
            break;
        };
        let Some((a, b)) = caps[0] else { break };
        count += 1;
        out.extend(&t[pos..a]);
        if count >= s.nth {
            out.push_str(&expand(&s.repl, &t, &caps));
            replaced = true;
        } else {
            out.extend(&t[a..b]);
        }
        if replaced && !s.global {
            pos = b;
            break;
        }
        if a == b {
            if a < t.len() {
                out.push(t[a]);
            }
            pos = a + 1;
            no_empty_at = None;
        } else {
            pos = b;
            no_empty_at = Some(b);
        }
    }
    if pos < t.len() {
        out.extend(&t[pos..]);
    }
    if replaced {
        *space = out;
    }
    replaced
}

/// One input line and whether it ended with a newline.
struct Line {
    text: String,
    newline: bool,
}

fn split_lines(content: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let mut rest = content;
    while !rest.is_empty() {
        match rest.find('\n') {
            Some(i) => {
                out.push(Line {
                    text: rest[..i].to_string(),
                    newline: true,
                });
                rest = &rest[i + 1..];
            }
            None => {
                out.push(Line {
                    text: rest.to_string(),
                    newline: false,
                });
                rest = "";
            }
        }
    }
    out
}

/// Where output goes, with GNU's handling of a last line that had no newline.
#[derive(Default)]
struct Sink {
    text: String,
    missing_newline: bool,
}

impl Sink {
    fn write(&mut self, s: &str, newline: bool) {
        if self.missing_newline {
            self.text.push('\n');
        }
        self.text.push_str(s);
        if newline {
            self.text.push('\n');
        }
        self.missing_newline = !newline;
    }
    /// Text that carries its own newline (`a`, `i`, `c`).
    fn write_text(&mut self, s: &str) {
        if self.missing_newline {
            self.text.push('\n');
            self.missing_newline = false;
        }
        self.text.push_str(s);
    }
}

/// State that lives across lines and files.
struct Machine<'a> {
    cmds: &'a [Cmd],
    opts: &'a Options,
    /// Per command: the end line of an active range (`Some(usize::MAX)` for a regex end).
    ranges: Vec<Option<usize>>,
    hold: String,
    line_no: usize,
    quit: Option<i32>,
}

impl Machine<'_> {
    fn matches_one(&self, a: &Addr, space: &str, last: bool) -> bool {
        match a {
            Addr::Line(n) => self.line_no == *n,
            Addr::Last => last,
            Addr::Regex(re) => re.is_match(space),
            Addr::Step(first, step) => {
                if *step == 0 {
                    self.line_no == *first
                } else {
                    self.line_no >= *first && (self.line_no - first) % step == 0
                }
            }
            Addr::Plus(_) => false,
        }
    }

    fn selected(&mut self, i: usize, space: &str, last: bool) -> bool {
        let a = &self.cmds[i].address;
        let hit = match (&a.first, &a.second) {
            (None, _) => true,
            (Some(f), None) => self.matches_one(f, space, last),
            (Some(f), Some(s)) => match self.ranges[i] {
                Some(end) => {
                    let done = match s {
                        Addr::Regex(re) => re.is_match(space),
                        Addr::Last => last,
                        _ => self.line_no >= end,
                    };
                    if done || (end != usize::MAX && self.line_no >= end) {
                        self.ranges[i] = None;
                    }
                    true
                }
                None => {
                    let start = match f {
                        Addr::Line(0) => self.line_no == 1,
                        _ => self.matches_one(f, space, last),
                    };
                    if start {
                        let end = match s {
                            Addr::Line(n) => Some(*n),
                            Addr::Plus(n) => Some(self.line_no + n),
                            Addr::Step(_, m) if *m > 0 => {
                                Some(self.line_no.div_ceil(*m).max(1) * m)
                            }
                            Addr::Step(..) => Some(self.line_no),
                            Addr::Regex(re) if matches!(f, Addr::Line(0)) && re.is_match(space) => {
                                None
                            }
                            Addr::Regex(_) | Addr::Last => Some(usize::MAX),
                        };
                        let still = match end {
                            Some(usize::MAX) => !(last && matches!(s, Addr::Last)),
                            Some(e) => e > self.line_no,
                            None => false,
                        };
                        if still {
                            self.ranges[i] = end;
                        }
                    }
                    start
                }
            },
        };
        hit != a.negate
    }

    /// Runs the script over one stream of lines into `out`.
    fn run(&mut self, lines: &[Line], out: &mut Sink, last_stream: bool) {
        let mut idx = 0;
        while idx < lines.len() && self.quit.is_none() {
            let line = &lines[idx];
            idx += 1;
            self.line_no += 1;
            let last = idx == lines.len() && last_stream;
            let mut space = line.text.clone();
            let mut appended = String::new();
            let mut deleted = false;
            let mut autoprint = !self.opts.quiet;
            let mut pc = 0;
            while pc < self.cmds.len() {
                let sel = self.selected(pc, &space, last);
                let cmd = &self.cmds[pc];
                pc += 1;
                if !sel {
                    if let Op::Block(end) = cmd.op {
                        pc = end;
                    }
                    continue;
                }
                match &cmd.op {
                    Op::Block(_) | Op::EndBlock => {}
                    Op::Subst(s) => {
                        if substitute(s, &mut space) && s.print {
                            out.write(&space, true);
                        }
                    }
                    Op::Delete => {
                        deleted = true;
                        break;
                    }
                    Op::Print => out.write(&space, true),
                    Op::LineNumber => out.write(&self.line_no.to_string(), true),
                    Op::Append(t) => appended.push_str(t),
                    Op::Insert(t) => out.write_text(t),
                    Op::Change(t) => {
                        // In a range, the text replaces the whole range: printed at its end.
                        let in_range = cmd.address.second.is_some() && !cmd.address.negate;
                        if !in_range || self.ranges[pc - 1].is_none() {
                            out.write_text(t);
                        }
                        deleted = true;
                        break;
                    }
                    Op::Quit(code, print) => {
                        self.quit = Some(*code);
                        autoprint &= *print;
                        break;
                    }
                    Op::Translate(map) => {
                        space = space
                            .chars()
                            .map(|c| map.iter().find(|(f, _)| *f == c).map_or(c, |(_, t)| *t))
                            .collect();
                    }
                    Op::Hold(h) => match h {
                        'h' => self.hold = space.clone(),
                        'H' => {
                            self.hold.push('\n');
                            self.hold.push_str(&space);
                        }
                        'g' => space = self.hold.clone(),
                        'G' => {
                            space.push('\n');
                            space.push_str(&self.hold);
                        }
                        _ => std::mem::swap(&mut space, &mut self.hold),
                    },
                }
            }
            if !deleted && autoprint {
                out.write(&space, line.newline);
            }
            if !appended.is_empty() {
                out.write_text(&appended);
            }
        }
    }
}

/// Prints `sed: MSG` and returns the usage-error status.
fn fail(io: &mut CommandIo<'_>, msg: &str) -> i32 {
    io.out.stderr(format!("sed: {msg}\n"));
    1
}

fn usage(io: &mut CommandIo<'_>, msg: &str) -> i32 {
    io.out.stderr(format!("sed: {msg}\n{USAGE}"));
    1
}

/// `sed [OPTION]... {SCRIPT} [FILE]...`.
pub fn sed(args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let mut opts = Options::default();
    let mut scripts: Vec<(String, Origin)> = Vec::new();
    let mut operands: Vec<String> = Vec::new();
    let mut i = 0;
    let mut only_operands = false;
    let mut expressions = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if only_operands || a == "-" || !a.starts_with('-') {
            operands.push(a.clone());
            continue;
        }
        if a == "--" {
            only_operands = true;
            continue;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            const LONG: &[&str] = &[
                "quiet",
                "silent",
                "expression",
                "file",
                "in-place",
                "regexp-extended",
                "separate",
                "unbuffered",
                "posix",
                "debug",
                "sandbox",
                "follow-symlinks",
                "help",
                "version",
            ];
            let matches: Vec<&&str> = LONG.iter().filter(|l| l.starts_with(name)).collect();
            let full = match matches.as_slice() {
                [one] => **one,
                _ if LONG.contains(&name) => name,
                [] => return usage(io, &format!("unrecognized option '--{name}'")),
                _ => return usage(io, &format!("option '--{name}' is ambiguous")),
            };
            let mut value = |io: &mut CommandIo<'_>| -> Option<String> {
                if let Some(v) = inline.clone() {
                    return Some(v);
                }
                let v = args.get(i).cloned();
                if v.is_none() {
                    io.out.stderr(format!(
                        "sed: option '--{full}' requires an argument\n{USAGE}"
                    ));
                }
                i += 1;
                v
            };
            match full {
                "quiet" | "silent" => opts.quiet = true,
                "regexp-extended" => opts.extended = true,
                "separate" => opts.separate = true,
                "in-place" => {
                    opts.separate = true;
                    opts.in_place = Some(inline.clone().unwrap_or_default());
                }
                "expression" => {
                    let Some(v) = value(io) else { return 1 };
                    expressions += 1;
                    scripts.push((v, Origin::Expression(expressions)));
                }
                "file" => {
                    let Some(v) = value(io) else { return 1 };
                    let abs = io.vfs.resolve(io.cwd, &v);
                    let text = if v == "-" {
                        io.stdin.to_string()
                    } else {
                        match io.vfs.read(&abs) {
                            Ok(t) => t,
                            Err(e) => return fail(io, &format!("couldn't open file {v}: {e}")),
                        }
                    };
                    scripts.push((text, Origin::File(v)));
                }
                "help" => {
                    io.out.stdout(USAGE);
                    return 0;
                }
                "version" => {
                    io.out.stdout(VERSION);
                    return 0;
                }
                _ => {}
            }
            continue;
        }
        let chars: Vec<char> = a[1..].chars().collect();
        let mut j = 0;
        while j < chars.len() {
            let c = chars[j];
            j += 1;
            let rest: String = chars[j..].iter().collect();
            match c {
                'n' => opts.quiet = true,
                'r' | 'E' => opts.extended = true,
                's' => opts.separate = true,
                'u' | 'z' => {}
                'i' => {
                    opts.separate = true;
                    opts.in_place = Some(rest);
                    break;
                }
                'e' | 'f' | 'l' => {
                    let v = if !rest.is_empty() {
                        rest
                    } else {
                        match args.get(i) {
                            Some(v) => {
                                i += 1;
                                v.clone()
                            }
                            None => {
                                return usage(io, &format!("option requires an argument -- '{c}'"))
                            }
                        }
                    };
                    match c {
                        'e' => {
                            expressions += 1;
                            scripts.push((v, Origin::Expression(expressions)));
                        }
                        'f' => {
                            let abs = io.vfs.resolve(io.cwd, &v);
                            match io.vfs.read(&abs) {
                                Ok(t) => scripts.push((t, Origin::File(v))),
                                Err(e) => return fail(io, &format!("couldn't open file {v}: {e}")),
                            }
                        }
                        _ => {}
                    }
                    break;
                }
                other => return usage(io, &format!("invalid option -- '{other}'")),
            }
        }
    }
    if scripts.is_empty() {
        if operands.is_empty() {
            io.out.stderr(USAGE);
            return 1;
        }
        scripts.push((operands.remove(0), Origin::Expression(1)));
    }
    // Parse every chunk.
    let mut cmds = Vec::new();
    let mut blocks = Vec::new();
    let mut last_regex = None;
    for (text, origin) in &scripts {
        let chars: Vec<char> = text.chars().collect();
        let mut p = Parser {
            s: &chars,
            i: 0,
            extended: opts.extended,
            last_regex: last_regex.take(),
        };
        if let Err(e) = p.parse(&mut cmds, &mut blocks) {
            let place = match origin {
                Origin::Expression(n) => format!("-e expression #{n}, char {}", e.at),
                Origin::File(f) => {
                    let line = chars[..e.at.min(chars.len())]
                        .iter()
                        .filter(|c| **c == '\n')
                        .count()
                        + 1;
                    format!("file {f} line {line}")
                }
            };
            return fail(io, &format!("{place}: {}", e.msg));
        }
        last_regex = p.last_regex;
    }
    if !blocks.is_empty() {
        let place = match scripts.last().map(|s| &s.1) {
            Some(Origin::File(f)) => format!("file {f} line 0"),
            _ => format!("-e expression #{}, char 0", expressions.max(1)),
        };
        return fail(io, &format!("{place}: unmatched `{{'"));
    }
    if operands.is_empty() && opts.in_place.is_some() {
        return fail(io, "no input files");
    }
    let mut machine = Machine {
        cmds: &cmds,
        opts: &opts,
        ranges: vec![None; cmds.len()],
        hold: String::new(),
        line_no: 0,
        quit: None,
    };
    let mut status = 0;
    if operands.is_empty() {
        operands.push("-".into());
    }
    // Read every input first: `$` needs to know which stream is the last one.
    let mut inputs: Vec<(String, Option<Vec<Line>>)> = Vec::new();
    for name in &operands {
        let lines = if name == "-" && opts.in_place.is_none() {
            Some(split_lines(io.stdin))
        } else {
            let abs = io.vfs.resolve(io.cwd, name);
            if io.vfs.is_dir(&abs) {
                if opts.in_place.is_some() {
                    io.out
                        .stderr(format!("sed: couldn't edit {name}: not a regular file\n"));
                } else {
                    io.out
                        .stderr(format!("sed: read error on {name}: Is a directory\n"));
                }
                status = if opts.in_place.is_some() { 4 } else { 2 };
                None
            } else {
                match io.vfs.read(&abs) {
                    Ok(t) => Some(split_lines(&t)),
                    Err(e) => {
                        io.out.stderr(format!("sed: can't read {name}: {e}\n"));
                        status = 2;
                        None
                    }
                }
            }
        };
        inputs.push((name.clone(), lines));
    }
    let readable: Vec<usize> = (0..inputs.len())
        .filter(|k| inputs[*k].1.as_ref().is_some_and(|l| !l.is_empty()))
        .collect();
    let mut sink = Sink::default();
    for (k, (name, lines)) in inputs.iter().enumerate() {
        let Some(lines) = lines else { continue };
        if machine.quit.is_some() {
            break;
        }
        if opts.separate {
            // Each file is its own stream: `$` is its last line, ranges restart.
            machine.ranges = vec![None; cmds.len()];
            if opts.in_place.is_some() {
                machine.line_no = 0;
            }
            let mut own = Sink::default();
            machine.run(lines, &mut own, true);
            match &opts.in_place {
                Some(suffix) => {
                    let abs = io.vfs.resolve(io.cwd, name);
                    if !suffix.is_empty() {
                        let backup = if suffix.contains('*') {
                            let base = super::super::vfs::base_name(&abs);
                            let b = suffix.replace('*', base);
                            if b.contains('/') {
                                io.vfs.resolve(io.cwd, &b)
                            } else {
                                format!("{}/{b}", super::super::vfs::parent_of(&abs))
                            }
                        } else {
                            format!("{abs}{suffix}")
                        };
                        let original: String = lines
                            .iter()
                            .map(|l| format!("{}{}", l.text, if l.newline { "\n" } else { "" }))
                            .collect();
                        if let Err(e) = io.vfs.write(&backup, &original) {
                            return fail(io, &format!("couldn't open file {backup}: {e}"));
                        }
                    }
                    if let Err(e) = io.vfs.write(&abs, &own.text) {
                        return fail(io, &format!("couldn't open temporary file {name}: {e}"));
                    }
                }
                None => {
                    sink.write_text("");
                    sink.text.push_str(&own.text);
                    sink.missing_newline = own.missing_newline;
                }
            }
        } else {
            let last_stream = readable.last() == Some(&k);
            machine.run(lines, &mut sink, last_stream);
        }
    }
    io.out.stdout(sink.text);
    match machine.quit {
        Some(code) if code != 0 => code,
        _ => status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bash::Vfs;
    use crate::output::Output;
    use std::collections::BTreeMap;

    /// Runs sed with `stdin` and files, returning (stdout, stderr, status, vfs).
    fn run(args: &[&str], stdin: &str, files: &[(&str, &str)]) -> (String, String, i32, Vfs) {
        let mut vfs = Vfs::new();
        for (p, c) in files {
            vfs.write(p, c).unwrap();
        }
        let mut out = Output::new();
        let env = BTreeMap::new();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let status = {
            let mut io = CommandIo {
                stdin,
                out: &mut out,
                vfs: &mut vfs,
                cwd: "/root",
                env: &env,
            };
            sed(&args, &mut io)
        };
        (out.stdout_text(), out.stderr_text(), status, vfs)
    }

    fn out(args: &[&str], stdin: &str) -> String {
        run(args, stdin, &[]).0
    }

    #[test]
    fn substitute_flags_and_references() {
        assert_eq!(out(&["s/a/b/"], "aaa\n"), "baa\n");
        assert_eq!(out(&["s/a/b/g"], "aaa\n"), "bbb\n");
        assert_eq!(out(&["s/a/b/2"], "aaa\n"), "aba\n");
        assert_eq!(out(&["s/a/b/2g"], "aaaa\n"), "abbb\n");
        assert_eq!(out(&["s/x*/-/g"], "abc\n"), "-a-b-c-\n");
        assert_eq!(out(&["s/a*/x/g"], "baaac\n"), "xbxcx\n");
        assert_eq!(out(&["s|/usr|[&]|"], "/usr/bin\n"), "[/usr]/bin\n");
        assert_eq!(
            out(&["s/\\(.*\\)-\\(.*\\)/\\2-\\1/"], "left-right\n"),
            "right-left\n"
        );
        assert_eq!(out(&["-E", "s/(a+)(b)/<\\2\\1>/"], "xaab\n"), "x<baa>\n");
        assert_eq!(out(&["s/NGINX/web/I"], "nginx:1.14\n"), "web:1.14\n");
        assert_eq!(out(&["s/\\w\\+/\\u&/g"], "hello world\n"), "Hello World\n");
        assert_eq!(out(&["s/.*/\\U&/"], "abc\n"), "ABC\n");
        assert_eq!(
            out(&["-n", "s/1.14/1.15/p"], "a\nnginx:1.14\n"),
            "nginx:1.15\n"
        );
        assert_eq!(out(&["s/a/\\n/"], "xay\n"), "x\ny\n");
    }

    #[test]
    fn the_seed_commands() {
        let fstab = "UUID=1 / xfs defaults 0 0\n/swapfile none swap defaults 0 0\n";
        let mut v = Vfs::new();
        v.mkdir("/etc", false).unwrap();
        v.mkdir("/etc/selinux", false).unwrap();
        let files = [
            ("/etc/fstab", fstab),
            (
                "/etc/selinux/config",
                "SELINUX=enforcing\nSELINUXTYPE=targeted\n",
            ),
        ];
        let env = BTreeMap::new();
        for (p, c) in files {
            v.write(p, c).unwrap();
        }
        let mut outp = Output::new();
        let args: Vec<String> = ["-i.bak", "-r", "s/(.+ swap .+)/#\\1/", "/etc/fstab"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut io = CommandIo {
            stdin: "",
            out: &mut outp,
            vfs: &mut v,
            cwd: "/root",
            env: &env,
        };
        assert_eq!(sed(&args, &mut io), 0);
        let args: Vec<String> = [
            "-i",
            "s/^SELINUX=enforcing$/SELINUX=permissive/",
            "/etc/selinux/config",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(sed(&args, &mut io), 0);
        assert_eq!(
            v.read("/etc/fstab").unwrap(),
            "UUID=1 / xfs defaults 0 0\n#/swapfile none swap defaults 0 0\n"
        );
        assert_eq!(v.read("/etc/fstab.bak").unwrap(), fstab);
        assert_eq!(
            v.read("/etc/selinux/config").unwrap(),
            "SELINUX=permissive\nSELINUXTYPE=targeted\n"
        );
        assert!(outp.stdout_text().is_empty());
    }

    #[test]
    fn addresses_and_commands() {
        let t = "one\ntwo\nthree\nfour\nfive\n";
        assert_eq!(out(&["-n", "2p"], t), "two\n");
        assert_eq!(out(&["-n", "$p"], t), "five\n");
        assert_eq!(out(&["2,4d"], t), "one\nfive\n");
        assert_eq!(out(&["/two/,/four/d"], t), "one\nfive\n");
        assert_eq!(out(&["-n", "/t/p"], t), "two\nthree\n");
        assert_eq!(out(&["/o/!d"], t), "one\ntwo\nfour\n");
        assert_eq!(out(&["3q"], t), "one\ntwo\nthree\n");
        assert_eq!(out(&["3Q"], t), "one\ntwo\n");
        assert_eq!(out(&["-n", "$="], t), "5\n");
        assert_eq!(out(&["2a after"], "a\nb\nc\n"), "a\nb\nafter\nc\n");
        assert_eq!(out(&["1i\\\nbefore"], "a\nb\n"), "before\na\nb\n");
        assert_eq!(out(&["2c changed"], "a\nb\nc\n"), "a\nchanged\nc\n");
        assert_eq!(out(&["1~2d"], t), "two\nfour\n");
        assert_eq!(out(&["2,+1d"], t), "one\nfour\nfive\n");
        assert_eq!(
            out(&["-e", "s/o/0/g", "-e", "/f/d"], t),
            "0ne\ntw0\nthree\n"
        );
        assert_eq!(out(&["s/o/0/;2d"], "ok\nno\n"), "0k\n");
        assert_eq!(out(&["/two/{s/t/T/;p}"], "two\n"), "Two\nTwo\n");
        assert_eq!(out(&["y/abc/xyz/"], "aabbcc\n"), "xxyyzz\n");
        assert_eq!(out(&["1h;2G"], "a\nb\n"), "a\nb\na\n");
        // A last line without a newline stays so.
        assert_eq!(out(&["s/a/b/"], "a\na"), "b\nb");
        // Several files are one stream.
        let (o, _, _, _) = run(
            &["-n", "$p", "/root/a", "/root/b"],
            "",
            &[("/root/a", "1\n"), ("/root/b", "2\n3\n")],
        );
        assert_eq!(o, "3\n");
    }

    #[test]
    fn gnu_error_texts() {
        let err = |args: &[&str]| {
            let (_, e, s, _) = run(args, "x\n", &[]);
            (e, s)
        };
        assert_eq!(
            err(&["s/a/b"]),
            (
                "sed: -e expression #1, char 5: unterminated `s' command\n".into(),
                1
            )
        );
        assert_eq!(
            err(&["s/a/b/x"]),
            (
                "sed: -e expression #1, char 7: unknown option to `s'\n".into(),
                1
            )
        );
        assert_eq!(
            err(&["k"]),
            (
                "sed: -e expression #1, char 1: unknown command: `k'\n".into(),
                1
            )
        );
        assert_eq!(
            err(&["s/a/\\1/"]),
            (
                "sed: -e expression #1, char 7: invalid reference \\1 on `s' command's RHS\n"
                    .into(),
                1
            )
        );
        assert_eq!(
            err(&["-e", "p", "-e", "dx"]),
            (
                "sed: -e expression #2, char 2: extra characters after command\n".into(),
                1
            )
        );
        assert_eq!(
            err(&["p", "nofile"]),
            (
                "sed: can't read nofile: No such file or directory\n".into(),
                2
            )
        );
        assert_eq!(err(&["-i", "p"]), ("sed: no input files\n".into(), 1));
        assert_eq!(
            err(&["/abc"]),
            (
                "sed: -e expression #1, char 4: unterminated address regex\n".into(),
                1
            )
        );
        assert!(err(&[]).0.starts_with("Usage: sed [OPTION]..."));
    }
}
