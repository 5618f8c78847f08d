//! Text utilities: `echo`, `printf`, `grep`, `wc`, `sort`, `uniq`, `head`, `tail`, `cut`,
//! `tr`, `base64`, `seq` (GNU behaviour and messages).

use super::super::interp::MAX_OUTPUT_BYTES;
use super::super::regex::Regex;
use super::super::CommandIo;
use super::{lines_of, read_operand};

/// Backslash escapes of `echo -e` and `printf`; `None` in the result means `\c` (stop).
fn unescape(s: &str) -> (String, bool) {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' || i + 1 >= chars.len() {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        match chars[i] {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'e' | 'E' => out.push('\x1b'),
            'f' => out.push('\x0c'),
            'v' => out.push('\x0b'),
            '\\' => out.push('\\'),
            'c' => return (out, true),
            '0' => {
                let digits: String = chars[i + 1..]
                    .iter()
                    .take(3)
                    .take_while(|c| c.is_digit(8))
                    .collect();
                i += digits.len();
                out.push(
                    u32::from_str_radix(if digits.is_empty() { "0" } else { &digits }, 8)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('\0'),
                );
            }
            'x' => {
                let digits: String = chars[i + 1..]
                    .iter()
                    .take(2)
                    .take_while(|c| c.is_ascii_hexdigit())
                    .collect();
                if digits.is_empty() {
                    out.push_str("\\x");
                } else {
                    i += digits.len();
                    out.push(
                        u32::from_str_radix(&digits, 16)
                            .ok()
                            .and_then(char::from_u32)
                            .unwrap_or('\0'),
                    );
                }
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
        i += 1;
    }
    (out, false)
}

/// `echo [-neE] [ARG...]`.
pub fn echo(args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let mut newline = true;
    let mut escapes = false;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if a.len() > 1 && a.starts_with('-') && a[1..].chars().all(|c| "neE".contains(c)) {
            for c in a[1..].chars() {
                match c {
                    'n' => newline = false,
                    'e' => escapes = true,
                    _ => escapes = false,
                }
            }
            i += 1;
        } else {
            break;
        }
    }
    let mut text = args[i..].join(" ");
    if escapes {
        let (t, stop) = unescape(&text);
        text = t;
        if stop {
            newline = false;
        }
    }
    if newline {
        text.push('\n');
    }
    io.out.stdout(text);
    0
}

/// `printf FORMAT [ARG...]`: `%s %b %d %i %u %x %X %o %c %f %e %g %%` with flags, width and
/// precision; the format is reused while arguments remain.
pub fn printf(args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let Some(format) = args.first() else {
        io.out
            .stderr("printf: usage: printf [-v var] format [arguments]\n");
        return 2;
    };
    let fmt: Vec<char> = format.chars().collect();
    let rest = &args[1..];
    let mut next = 0usize;
    let mut out = String::new();
    let mut status = 0;
    loop {
        let mut i = 0;
        let mut used = false;
        while i < fmt.len() {
            let c = fmt[i];
            if c == '\\' {
                let mut j = i + 1;
                if fmt.get(j) == Some(&'0') || fmt.get(j) == Some(&'x') {
                    j += 1;
                    while j < fmt.len() && j < i + 5 && fmt[j].is_ascii_hexdigit() {
                        j += 1;
                    }
                } else {
                    j = (i + 2).min(fmt.len());
                }
                let seq: String = fmt[i..j].iter().collect();
                let (t, stop) = unescape(&seq);
                out.push_str(&t);
                if stop {
                    io.out.stdout(out);
                    return status;
                }
                i = j;
                continue;
            }
            if c != '%' {
                out.push(c);
                i += 1;
                continue;
            }
            if fmt.get(i + 1) == Some(&'%') {
                out.push('%');
                i += 2;
                continue;
            }
            let mut j = i + 1;
            let mut flags = String::new();
            while j < fmt.len() && "-+ 0#".contains(fmt[j]) {
                flags.push(fmt[j]);
                j += 1;
            }
            let mut width = String::new();
            while j < fmt.len() && fmt[j].is_ascii_digit() {
                width.push(fmt[j]);
                j += 1;
            }
            let mut precision: Option<usize> = None;
            if fmt.get(j) == Some(&'.') {
                j += 1;
                let mut p = String::new();
                while j < fmt.len() && fmt[j].is_ascii_digit() {
                    p.push(fmt[j]);
                    j += 1;
                }
                precision = Some(p.parse().unwrap_or(0));
            }
            let Some(&conv) = fmt.get(j) else {
                out.push_str(&fmt[i..].iter().collect::<String>());
                break;
            };
            i = j + 1;
            let arg = rest.get(next).cloned();
            if arg.is_some() {
                used = true;
            }
            next += 1;
            let arg = arg.unwrap_or_default();
            let body = match conv {
                's' => match precision {
                    Some(p) => arg.chars().take(p).collect(),
                    None => arg,
                },
                'b' => unescape(&arg).0,
                'c' => arg.chars().next().map(String::from).unwrap_or_default(),
                'd' | 'i' | 'u' | 'x' | 'X' | 'o' => {
                    let n = match parse_int(&arg) {
                        Some(n) => n,
                        None => {
                            io.out
                                .stderr(format!("bash: printf: {arg}: invalid number\n"));
                            status = 1;
                            0
                        }
                    };
                    let digits = match conv {
                        'x' => format!("{:x}", n),
                        'X' => format!("{:X}", n),
                        'o' => format!("{:o}", n),
                        _ => n.unsigned_abs().to_string(),
                    };
                    let sign = if n < 0 && matches!(conv, 'd' | 'i') {
                        "-"
                    } else if flags.contains('+') {
                        "+"
                    } else {
                        ""
                    };
                    let digits = match precision {
                        Some(p) if digits.len() < p => {
                            format!("{}{digits}", "0".repeat(p - digits.len()))
                        }
                        _ => digits,
                    };
                    let w: usize = width.parse().unwrap_or(0);
                    if flags.contains('0') && !flags.contains('-') && sign.len() + digits.len() < w
                    {
                        format!(
                            "{sign}{}{digits}",
                            "0".repeat(w - sign.len() - digits.len())
                        )
                    } else {
                        format!("{sign}{digits}")
                    }
                }
                'f' | 'e' | 'g' | 'F' | 'E' | 'G' => {
                    let v: f64 = if arg.is_empty() {
                        0.0
                    } else {
                        match arg.trim().parse() {
                            Ok(v) => v,
                            Err(_) => {
                                io.out
                                    .stderr(format!("bash: printf: {arg}: invalid number\n"));
                                status = 1;
                                0.0
                            }
                        }
                    };
                    let p = precision.unwrap_or(6);
                    match conv {
                        'e' | 'E' => format!("{v:.p$e}"),
                        'g' | 'G' => format!("{v}"),
                        _ => format!("{v:.p$}"),
                    }
                }
                other => {
                    io.out.stderr(format!(
                        "bash: printf: `{other}': invalid format character\n"
                    ));
                    io.out.stdout(out);
                    return 1;
                }
            };
            let w: usize = width.parse().unwrap_or(0);
            let len = body.chars().count();
            if len < w {
                if flags.contains('-') {
                    out.push_str(&body);
                    out.push_str(&" ".repeat(w - len));
                } else {
                    out.push_str(&" ".repeat(w - len));
                    out.push_str(&body);
                }
            } else {
                out.push_str(&body);
            }
            if out.len() > MAX_OUTPUT_BYTES {
                break;
            }
        }
        if !used || next >= rest.len() || out.len() > MAX_OUTPUT_BYTES {
            break;
        }
    }
    io.out.stdout(out);
    status
}

fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim();
    if t.is_empty() {
        return Some(0);
    }
    if let Some(c) = t.strip_prefix('\'').or_else(|| t.strip_prefix('"')) {
        return c.chars().next().map(|c| c as i64);
    }
    if let Some(h) = t.strip_prefix("0x") {
        return i64::from_str_radix(h, 16).ok();
    }
    t.parse().ok()
}

const GREP_USAGE: &str =
    "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n";

/// A context length as GNU grep reads it: a non-negative decimal number.
fn grep_context_len(v: &str, io: &mut CommandIo<'_>) -> Option<usize> {
    match v.parse::<u64>() {
        Ok(n) => Some(n.min(usize::MAX as u64) as usize),
        Err(_) if !v.is_empty() && !v.starts_with('-') && v.chars().all(|c| c.is_ascii_digit()) => {
            Some(usize::MAX)
        }
        Err(_) => {
            io.out
                .stderr(format!("grep: {v}: invalid context length argument\n"));
            None
        }
    }
}

/// `-m NUM`: negative means no limit, as in GNU grep.
fn grep_max_count(v: &str, io: &mut CommandIo<'_>) -> Option<Option<usize>> {
    match v.parse::<i64>() {
        Ok(n) if n < 0 => Some(None),
        Ok(n) => Some(Some(n as usize)),
        Err(_) => {
            io.out.stderr("grep: invalid max count\n");
            None
        }
    }
}

/// `grep [-ivcnwEFoqlhH] [-A N] [-B N] [-C N] [-NUM] [-m N] [-e PAT]... PATTERN [FILE...]`.
pub fn grep(args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let mut patterns: Vec<String> = Vec::new();
    let mut files: Vec<String> = Vec::new();
    let mut flags = String::new();
    // GNU grep: -A/-B win over -C/-NUM whatever the order; any of them turns on separators.
    let (mut after, mut before, mut context): (Option<usize>, Option<usize>, Option<usize>) =
        (None, None, None);
    let mut max_count: Option<usize> = None;
    let mut group_separator: Option<String> = Some("--".into());
    let mut i = 0;
    let mut no_more_flags = false;
    while i < args.len() {
        let a = &args[i];
        if !no_more_flags && a == "--" {
            no_more_flags = true;
        } else if !no_more_flags && a.starts_with("--") {
            let (name, inline) = match a.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (a.as_str(), None),
            };
            const WITH_ARG: [&str; 7] = [
                "--after-context",
                "--before-context",
                "--context",
                "--max-count",
                "--regexp",
                "--group-separator",
                "--label",
            ];
            let value = if WITH_ARG.contains(&name) {
                match inline {
                    Some(v) => Some(v),
                    None => {
                        i += 1;
                        match args.get(i) {
                            Some(v) => Some(v.clone()),
                            None => {
                                io.out.stderr(format!(
                                    "grep: option '{name}' requires an argument\n{GREP_USAGE}"
                                ));
                                return 2;
                            }
                        }
                    }
                }
            } else {
                None
            };
            let v = value.as_deref().unwrap_or("");
            match name {
                "--ignore-case" => flags.push('i'),
                "--invert-match" => flags.push('v'),
                "--count" => flags.push('c'),
                "--line-number" => flags.push('n'),
                "--word-regexp" => flags.push('w'),
                "--extended-regexp" => flags.push('E'),
                "--fixed-strings" => flags.push('F'),
                "--only-matching" => flags.push('o'),
                "--quiet" | "--silent" => flags.push('q'),
                "--files-with-matches" => flags.push('l'),
                "--with-filename" => flags.push('H'),
                "--no-filename" => flags.push('h'),
                "--no-group-separator" => group_separator = None,
                "--group-separator" => group_separator = Some(v.to_string()),
                "--regexp" => patterns.push(v.to_string()),
                "--after-context" | "--before-context" | "--context" => {
                    let Some(n) = grep_context_len(v, io) else {
                        return 2;
                    };
                    match name {
                        "--after-context" => after = Some(n),
                        "--before-context" => before = Some(n),
                        _ => context = Some(n),
                    }
                }
                "--max-count" => match grep_max_count(v, io) {
                    Some(m) => max_count = m,
                    None => return 2,
                },
                _ => {}
            }
        } else if !no_more_flags && a.starts_with('-') && a.len() > 1 {
            let chars: Vec<char> = a[1..].chars().collect();
            let mut k = 0;
            // `-NUM` is a context length; digits only accumulate while adjacent (`-2n1` is 1).
            let mut digits: Option<String> = None;
            while k < chars.len() {
                let c = chars[k];
                if c.is_ascii_digit() {
                    let d = digits.get_or_insert_with(String::new);
                    d.push(c);
                    let Some(n) = grep_context_len(d, io) else {
                        return 2;
                    };
                    context = Some(n);
                    k += 1;
                    continue;
                }
                digits = None;
                if matches!(c, 'e' | 'A' | 'B' | 'C' | 'm') {
                    let rest: String = chars[k + 1..].iter().collect();
                    let v = if rest.is_empty() {
                        i += 1;
                        match args.get(i) {
                            Some(p) => p.clone(),
                            None => {
                                io.out.stderr(format!(
                                    "grep: option requires an argument -- '{c}'\n{GREP_USAGE}"
                                ));
                                return 2;
                            }
                        }
                    } else {
                        rest
                    };
                    match c {
                        'e' => patterns.push(v),
                        'm' => match grep_max_count(&v, io) {
                            Some(m) => max_count = m,
                            None => return 2,
                        },
                        _ => {
                            let Some(n) = grep_context_len(&v, io) else {
                                return 2;
                            };
                            match c {
                                'A' => after = Some(n),
                                'B' => before = Some(n),
                                _ => context = Some(n),
                            }
                        }
                    }
                    break;
                }
                flags.push(c);
                k += 1;
            }
        } else {
            files.push(a.clone());
        }
        i += 1;
    }
    if patterns.is_empty() {
        if files.is_empty() {
            io.out.stderr(GREP_USAGE);
            return 2;
        }
        let p = files.remove(0);
        patterns.extend(p.split('\n').map(str::to_string));
    }
    // GNU grep gives up before reading anything (or compiling the pattern) on `-m 0`.
    if max_count == Some(0) {
        return 1;
    }
    let icase = flags.contains('i') || flags.contains('y');
    let extended = flags.contains('E');
    let fixed = flags.contains('F');
    let mut regexes = Vec::new();
    for p in &patterns {
        let src = if fixed { escape_regex(p) } else { p.clone() };
        match Regex::new(&src, extended, icase) {
            Ok(r) => regexes.push(r),
            Err(m) => {
                io.out.stderr(format!("grep: {m}\n"));
                return 2;
            }
        }
    }
    if files.is_empty() {
        files.push("-".into());
    }
    let show_names = (files.len() > 1 || flags.contains('H')) && !flags.contains('h');
    let (invert, count, numbers, word, only, quiet, list) = (
        flags.contains('v'),
        flags.contains('c'),
        flags.contains('n'),
        flags.contains('w'),
        flags.contains('o'),
        flags.contains('q'),
        flags.contains('l'),
    );
    let with_context = after.is_some() || before.is_some() || context.is_some();
    let after = after.or(context).unwrap_or(0);
    let before = before.or(context).unwrap_or(0);
    let out_quiet = quiet || count || list;
    let mut any = false;
    let mut error = false;
    // Whether anything was printed yet, across files (GNU grep's `used`): the separator
    // goes between groups, never before the first.
    let mut used = false;
    let mut out = String::new();
    for f in &files {
        let abs = io.vfs.resolve(io.cwd, f);
        let text = if f != "-" && io.vfs.is_dir(&abs) {
            io.out.stderr(format!("grep: {f}: Is a directory\n"));
            error = true;
            continue;
        } else {
            match read_operand("grep", f, io) {
                Some(t) => t,
                None => {
                    error = true;
                    continue;
                }
            }
        };
        let label = if f == "-" {
            "(standard input)".to_string()
        } else {
            f.clone()
        };
        let prefix = |ln: usize, sep: char| {
            format!(
                "{}{}",
                if show_names {
                    format!("{label}{sep}")
                } else {
                    String::new()
                },
                if numbers {
                    format!("{}{sep}", ln + 1)
                } else {
                    String::new()
                }
            )
        };
        // A context line: the whole line with `-` separators; nothing under `-o`.
        let context_line = |out: &mut String, ln: usize, line: &str| {
            if !only {
                out.push_str(&prefix(ln, '-'));
                out.push_str(line);
                out.push('\n');
            }
        };
        let lines = lines_of(&text);
        let mut n_matches = 0;
        // Index just past the last line output in this file, and trailing context owed.
        let mut last_out: Option<usize> = None;
        let mut pending = 0usize;
        let mut reached_max = false;
        for (ln, line) in lines.iter().enumerate() {
            if reached_max {
                // After the last allowed match only its trailing context is printed, matching
                // lines included (as context).
                if pending == 0 {
                    break;
                }
                context_line(&mut out, ln, line);
                pending -= 1;
                last_out = Some(ln + 1);
                continue;
            }
            let chars: Vec<char> = line.chars().collect();
            let hit = regexes.iter().any(|r| r.find_at(&chars, 0, word).is_some());
            if hit == invert {
                if pending > 0 && !out_quiet {
                    context_line(&mut out, ln, line);
                    pending -= 1;
                    last_out = Some(ln + 1);
                }
                continue;
            }
            n_matches += 1;
            any = true;
            if max_count.is_some_and(|m| n_matches >= m) {
                reached_max = true;
            }
            if out_quiet {
                if reached_max {
                    break;
                }
                continue;
            }
            let first = ln.saturating_sub(before).max(last_out.unwrap_or(0));
            if with_context && used && last_out != Some(first) {
                if let Some(sep) = &group_separator {
                    out.push_str(sep);
                    out.push('\n');
                }
            }
            for (k, l) in lines.iter().enumerate().take(ln).skip(first) {
                context_line(&mut out, k, l);
            }
            used = true;
            last_out = Some(ln + 1);
            pending = after;
            let prefix = prefix(ln, ':');
            if only && !invert {
                let mut pos = 0;
                while pos <= chars.len() {
                    let m = regexes
                        .iter()
                        .filter_map(|r| r.find_at(&chars, pos, word))
                        .min_by_key(|(s, e)| (*s, usize::MAX - e));
                    match m {
                        Some((s, e)) if e > s => {
                            out.push_str(&prefix);
                            out.extend(&chars[s..e]);
                            out.push('\n');
                            pos = e;
                        }
                        Some((s, _)) => pos = s + 1,
                        None => break,
                    }
                }
            } else {
                out.push_str(&prefix);
                out.push_str(line);
                out.push('\n');
            }
        }
        if count && !quiet {
            if show_names {
                out.push_str(&format!("{label}:{n_matches}\n"));
            } else {
                out.push_str(&format!("{n_matches}\n"));
            }
        }
        if list && n_matches > 0 && !quiet {
            out.push_str(&format!("{label}\n"));
        }
    }
    io.out.stdout(out);
    if quiet && any {
        return 0;
    }
    if error {
        2
    } else if any {
        0
    } else {
        1
    }
}

fn escape_regex(s: &str) -> String {
    let mut o = String::new();
    for c in s.chars() {
        if ".[]*^$\\+?(){}|".contains(c) {
            o.push('\\');
        }
        o.push(c);
    }
    o
}

/// `wc [-lwcm] [FILE...]`.
pub fn wc(args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let mut flags = String::new();
    let mut files = Vec::new();
    for a in args {
        match a.as_str() {
            "--lines" => flags.push('l'),
            "--words" => flags.push('w'),
            "--bytes" => flags.push('c'),
            "--chars" => flags.push('m'),
            _ if a.starts_with('-') && a.len() > 1 => flags.push_str(&a[1..]),
            _ => files.push(a.clone()),
        }
    }
    let (l, w, c, m) = if flags.is_empty() {
        (true, true, true, false)
    } else {
        (
            flags.contains('l'),
            flags.contains('w'),
            flags.contains('c'),
            flags.contains('m'),
        )
    };
    let from_stdin = files.is_empty();
    if from_stdin {
        files.push("-".into());
    }
    let mut rows: Vec<([usize; 4], Option<String>)> = Vec::new();
    let mut status = 0;
    let mut total = [0usize; 4];
    for f in &files {
        let abs = io.vfs.resolve(io.cwd, f);
        if f != "-" && io.vfs.is_dir(&abs) {
            io.out.stderr(format!("wc: {f}: Is a directory\n"));
            rows.push(([0; 4], Some(f.clone())));
            status = 1;
            continue;
        }
        let Some(text) = read_operand("wc", f, io) else {
            status = 1;
            continue;
        };
        let counts = [
            text.matches('\n').count(),
            text.split_whitespace().count(),
            text.chars().count(),
            text.len(),
        ];
        for k in 0..4 {
            total[k] += counts[k];
        }
        rows.push((
            counts,
            if f == "-" && from_stdin {
                None
            } else {
                Some(f.clone())
            },
        ));
    }
    if files.len() > 1 {
        rows.push((total, Some("total".into())));
    }
    let selected = [l, w, m, c];
    let n_selected = selected.iter().filter(|x| **x).count();
    let width = if n_selected == 1 && files.len() == 1 {
        1
    } else if files.iter().any(|f| f == "-") {
        7
    } else {
        total[3].to_string().len().max(1)
    };
    let mut out = String::new();
    for (counts, name) in rows {
        let vals = [counts[0], counts[1], counts[2], counts[3]];
        let cols: Vec<String> = selected
            .iter()
            .zip(vals)
            .filter(|(s, _)| **s)
            .map(|(_, v)| format!("{v:>width$}"))
            .collect();
        out.push_str(&cols.join(" "));
        if let Some(n) = name {
            out.push(' ');
            out.push_str(&n);
        }
        out.push('\n');
    }
    io.out.stdout(out);
    status
}

/// Reads all operands (or stdin) as one text; `None` after an error was printed.
fn gather(prog: &str, files: &[String], io: &mut CommandIo<'_>) -> (String, i32) {
    if files.is_empty() {
        return (io.stdin.to_string(), 0);
    }
    let mut text = String::new();
    let mut status = 0;
    for f in files {
        match read_operand(prog, f, io) {
            Some(t) => {
                text.push_str(&t);
                if !t.is_empty() && !t.ends_with('\n') {
                    text.push('\n');
                }
            }
            None => status = if prog == "sort" { 2 } else { 1 },
        }
    }
    (text, status)
}

fn leading_number(s: &str) -> f64 {
    let t = s.trim_start();
    let end = t
        .char_indices()
        .take_while(|(i, c)| c.is_ascii_digit() || *c == '.' || (*i == 0 && *c == '-'))
        .map(|(i, c)| i + c.len_utf8())
        .last()
        .unwrap_or(0);
    t[..end].parse().unwrap_or(0.0)
}

/// `sort [-rnu] [-t SEP] [-k N] [FILE...]`.
pub fn sort(args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let mut flags = String::new();
    let mut key: Option<usize> = None;
    let mut sep: Option<char> = None;
    let mut files = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "-k" || a == "-t" {
            i += 1;
            let v = args.get(i).cloned().unwrap_or_default();
            if a == "-k" {
                key = parse_key(&v, &mut flags);
            } else {
                sep = v.chars().next();
            }
        } else if let Some(v) = a.strip_prefix("-k") {
            key = parse_key(v, &mut flags);
        } else if let Some(v) = a.strip_prefix("-t") {
            sep = v.chars().next();
        } else if a.starts_with('-') && a.len() > 1 {
            flags.push_str(&a[1..]);
        } else {
            files.push(a.clone());
        }
        i += 1;
    }
    let (text, status) = gather("sort", &files, io);
    let mut lines: Vec<&str> = lines_of(&text);
    let field = |line: &str| -> String {
        match key {
            None => line.to_string(),
            Some(k) => match sep {
                Some(s) => line
                    .split(s)
                    .nth(k.saturating_sub(1))
                    .unwrap_or("")
                    .to_string(),
                None => {
                    // Blank-separated fields keep their leading blanks, as in GNU sort.
                    line.split_whitespace()
                        .skip(k.saturating_sub(1))
                        .collect::<Vec<_>>()
                        .join(" ")
                }
            },
        }
    };
    let numeric = flags.contains('n') || flags.contains('h') || flags.contains('g');
    let fold = flags.contains('f');
    kubarium_engine::sort::sort_by(&mut lines, |a, b| {
        let (fa, fb) = (field(a), field(b));
        let primary = if numeric {
            leading_number(&fa)
                .partial_cmp(&leading_number(&fb))
                .unwrap_or(std::cmp::Ordering::Equal)
        } else if fold {
            fa.to_lowercase().cmp(&fb.to_lowercase())
        } else {
            fa.cmp(&fb)
        };
        primary.then_with(|| {
            if flags.contains('u') && key.is_none() {
                std::cmp::Ordering::Equal
            } else {
                a.cmp(b)
            }
        })
    });
    if flags.contains('r') {
        lines.reverse();
    }
    if flags.contains('u') {
        lines.dedup_by(|a, b| {
            if numeric {
                leading_number(&field(a)) == leading_number(&field(b))
            } else {
                field(a) == field(b)
            }
        });
    }
    let mut out = String::new();
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    io.out.stdout(out);
    status
}

fn parse_key(v: &str, flags: &mut String) -> Option<usize> {
    let first = v.split(',').next().unwrap_or("");
    let digits: String = first.chars().take_while(|c| c.is_ascii_digit()).collect();
    flags.extend(
        first
            .chars()
            .skip_while(|c| c.is_ascii_digit() || *c == '.'),
    );
    digits.parse().ok()
}

/// `uniq [-c] [-d] [-u] [FILE]`.
pub fn uniq(args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let flags: String = args
        .iter()
        .filter(|a| a.starts_with('-') && a.len() > 1)
        .map(|a| &a[1..])
        .collect();
    let files: Vec<String> = args
        .iter()
        .filter(|a| !(a.starts_with('-') && a.len() > 1))
        .take(1)
        .cloned()
        .collect();
    let (text, status) = gather("uniq", &files, io);
    let mut groups: Vec<(usize, &str)> = Vec::new();
    for line in lines_of(&text) {
        match groups.last_mut() {
            Some((n, l))
                if (*l == line)
                    || (flags.contains('i') && l.to_lowercase() == line.to_lowercase()) =>
            {
                *n += 1
            }
            _ => groups.push((1, line)),
        }
    }
    let mut out = String::new();
    for (n, l) in groups {
        if flags.contains('d') && n < 2 || flags.contains('u') && n > 1 {
            continue;
        }
        if flags.contains('c') {
            out.push_str(&format!("{n:>7} {l}\n"));
        } else {
            out.push_str(l);
            out.push('\n');
        }
    }
    io.out.stdout(out);
    status
}

/// `head`/`tail` with `-n N`, `-N`, `-c N`, `tail -n +N`, `tail -f` (prints once).
pub fn head_tail(args: &[String], io: &mut CommandIo<'_>, head: bool) -> i32 {
    let prog = if head { "head" } else { "tail" };
    let mut count: String = "10".into();
    let mut bytes = false;
    let mut files = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "-n" || a == "-c" || a == "--lines" || a == "--bytes" {
            bytes = a == "-c" || a == "--bytes";
            i += 1;
            count = args.get(i).cloned().unwrap_or_default();
        } else if let Some(v) = a.strip_prefix("-n").filter(|v| !v.is_empty()) {
            count = v.to_string();
        } else if let Some(v) = a.strip_prefix("-c").filter(|v| !v.is_empty()) {
            bytes = true;
            count = v.to_string();
        } else if a.len() > 1 && a.starts_with('-') && a[1..].chars().all(|c| c.is_ascii_digit()) {
            count = a[1..].to_string();
        } else if a.starts_with('-') && a.len() > 1 {
            // -f, -F, -q, -v: following is not simulated; the current content is printed.
        } else {
            files.push(a.clone());
        }
        i += 1;
    }
    let from_start = count.starts_with('+');
    let all_but = count.starts_with('-');
    let Ok(n) = count.trim_start_matches(['+', '-']).parse::<usize>() else {
        let what = if bytes { "bytes" } else { "lines" };
        io.out.stderr(format!(
            "{prog}: invalid number of {what}: \u{2018}{count}\u{2019}\n"
        ));
        return 1;
    };
    if files.is_empty() {
        files.push("-".into());
    }
    let mut status = 0;
    let mut out = String::new();
    let many = files.len() > 1;
    for (k, f) in files.iter().enumerate() {
        let Some(text) = read_operand(prog, f, io) else {
            status = 1;
            continue;
        };
        if many {
            if k > 0 {
                out.push('\n');
            }
            out.push_str(&format!(
                "==> {} <==\n",
                if f == "-" { "standard input" } else { f }
            ));
        }
        if bytes {
            let b = text.as_bytes();
            let slice = if head {
                if all_but {
                    &b[..b.len().saturating_sub(n)]
                } else {
                    &b[..n.min(b.len())]
                }
            } else if from_start {
                &b[n.saturating_sub(1).min(b.len())..]
            } else {
                &b[b.len().saturating_sub(n)..]
            };
            out.push_str(&String::from_utf8_lossy(slice));
            continue;
        }
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let picked: &[&str] = if head {
            if all_but {
                &lines[..lines.len().saturating_sub(n)]
            } else {
                &lines[..n.min(lines.len())]
            }
        } else if from_start {
            &lines[n.saturating_sub(1).min(lines.len())..]
        } else {
            &lines[lines.len().saturating_sub(n)..]
        };
        out.extend(picked.iter().copied());
    }
    io.out.stdout(out);
    status
}

/// Parses a `cut` list (`1,3-5,7-`) into inclusive 1-based ranges.
fn parse_list(list: &str) -> Option<Vec<(usize, usize)>> {
    let mut out = Vec::new();
    for part in list.split(',') {
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (
                if a.is_empty() { 1 } else { a.parse().ok()? },
                if b.is_empty() {
                    usize::MAX
                } else {
                    b.parse().ok()?
                },
            ),
            None => {
                let n = part.parse().ok()?;
                (n, n)
            }
        };
        if a == 0 {
            return None;
        }
        out.push((a, b));
    }
    Some(out)
}

/// `cut -d D -f LIST | -c LIST [-s] [FILE...]`.
pub fn cut(args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let mut delim = '\t';
    let mut fields: Option<String> = None;
    let mut chars: Option<String> = None;
    let mut only_delimited = false;
    let mut files = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let take = |i: &mut usize, prefix: &str| -> String {
            if a.len() > prefix.len() {
                a[prefix.len()..].to_string()
            } else {
                *i += 1;
                args.get(*i).cloned().unwrap_or_default()
            }
        };
        if a.starts_with("-d") {
            delim = take(&mut i, "-d").chars().next().unwrap_or('\t');
        } else if a.starts_with("-f") {
            fields = Some(take(&mut i, "-f"));
        } else if a.starts_with("-c") || a.starts_with("-b") {
            chars = Some(take(&mut i, "-c"));
        } else if a == "-s" {
            only_delimited = true;
        } else {
            files.push(a.to_string());
        }
        i += 1;
    }
    let (list, by_field) = match (fields, chars) {
        (Some(f), _) => (f, true),
        (None, Some(c)) => (c, false),
        _ => {
            io.out.stderr("cut: you must specify a list of bytes, characters, or fields\nTry 'cut --help' for more information.\n");
            return 1;
        }
    };
    let Some(ranges) = parse_list(&list) else {
        io.out.stderr(format!("cut: invalid field value \u{2018}{list}\u{2019}\nTry 'cut --help' for more information.\n"));
        return 1;
    };
    let within = |k: usize| ranges.iter().any(|(a, b)| *a <= k && k <= *b);
    let (text, status) = gather("cut", &files, io);
    let mut out = String::new();
    for line in lines_of(&text) {
        if by_field {
            if !line.contains(delim) {
                if !only_delimited {
                    out.push_str(line);
                    out.push('\n');
                }
                continue;
            }
            let picked: Vec<&str> = line
                .split(delim)
                .enumerate()
                .filter(|(k, _)| within(k + 1))
                .map(|(_, f)| f)
                .collect();
            out.push_str(&picked.join(&delim.to_string()));
        } else {
            out.extend(
                line.chars()
                    .enumerate()
                    .filter(|(k, _)| within(k + 1))
                    .map(|(_, c)| c),
            );
        }
        out.push('\n');
    }
    io.out.stdout(out);
    status
}

/// Expands a `tr` set: ranges, escapes and `[:class:]`.
fn tr_set(s: &str) -> Vec<char> {
    let (u, _) = unescape(s);
    let chars: Vec<char> = u.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '[' && chars.get(i + 1) == Some(&':') {
            let rest: String = chars[i + 2..].iter().collect();
            if let Some(end) = rest.find(":]") {
                let name = &rest[..end];
                let range: Vec<char> = match name {
                    "lower" => ('a'..='z').collect(),
                    "upper" => ('A'..='Z').collect(),
                    "digit" => ('0'..='9').collect(),
                    "alpha" => ('A'..='Z').chain('a'..='z').collect(),
                    "alnum" => ('0'..='9').chain('A'..='Z').chain('a'..='z').collect(),
                    "space" => vec![' ', '\t', '\n', '\r', '\x0b', '\x0c'],
                    "blank" => vec![' ', '\t'],
                    "punct" => (0u8..128)
                        .map(char::from)
                        .filter(|c| c.is_ascii_punctuation())
                        .collect(),
                    _ => Vec::new(),
                };
                out.extend(range);
                i += 2 + name.chars().count() + 2;
                continue;
            }
        }
        if chars.get(i + 1) == Some(&'-') && i + 2 < chars.len() && chars[i] <= chars[i + 2] {
            let (a, b) = (chars[i], chars[i + 2]);
            out.extend((a..=b).take(10_000));
            i += 3;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// `tr [-d] [-s] SET1 [SET2]`.
pub fn tr(args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let flags: String = args
        .iter()
        .filter(|a| a.starts_with('-') && a.len() > 1)
        .map(|a| &a[1..])
        .collect();
    let sets: Vec<&String> = args
        .iter()
        .filter(|a| !(a.starts_with('-') && a.len() > 1))
        .collect();
    let delete = flags.contains('d');
    let squeeze = flags.contains('s');
    if sets.is_empty() {
        io.out
            .stderr("tr: missing operand\nTry 'tr --help' for more information.\n");
        return 1;
    }
    if sets.len() == 1 && !delete && !squeeze {
        io.out.stderr(format!(
            "tr: missing operand after \u{2018}{}\u{2019}\nTry 'tr --help' for more information.\n",
            sets[0]
        ));
        return 1;
    }
    let s1 = tr_set(sets[0]);
    let s2 = sets.get(1).map(|s| tr_set(s)).unwrap_or_default();
    let mut out = String::new();
    let mut last: Option<char> = None;
    let squeeze_set = if delete || s2.is_empty() { &s1 } else { &s2 };
    for c in io.stdin.chars() {
        let mapped = if delete {
            if s1.contains(&c) {
                continue;
            }
            c
        } else if let Some(pos) = s1.iter().position(|x| *x == c) {
            if s2.is_empty() {
                c
            } else {
                *s2.get(pos).or(s2.last()).unwrap_or(&c)
            }
        } else {
            c
        };
        if squeeze && last == Some(mapped) && squeeze_set.contains(&mapped) {
            continue;
        }
        last = Some(mapped);
        out.push(mapped);
    }
    io.out.stdout(out);
    0
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = ((b[0] as u32) << 16) | ((b[1] as u32) << 8) | b[2] as u32;
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes base64, ignoring newlines; `None` on invalid input.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    let mut ended = false;
    for c in text.chars() {
        if c == '\n' || c == '\r' {
            continue;
        }
        if c == '=' {
            ended = true;
            continue;
        }
        if ended {
            return None;
        }
        let v = B64.iter().position(|b| *b as char == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// `base64 [-d] [-w COLS] [FILE]`.
pub fn base64(args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let mut decode = false;
    let mut wrap = 76usize;
    let mut files = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "-d" | "--decode" => decode = true,
            "-w" | "--wrap" => {
                i += 1;
                wrap = args.get(i).and_then(|v| v.parse().ok()).unwrap_or(76);
            }
            "-i" | "--ignore-garbage" => {}
            _ if a.starts_with("-w") => wrap = a[2..].parse().unwrap_or(76),
            _ if a.starts_with("--wrap=") => wrap = a[7..].parse().unwrap_or(76),
            _ => files.push(a.to_string()),
        }
        i += 1;
    }
    let text = match files.first() {
        Some(f) => match read_operand("base64", f, io) {
            Some(t) => t,
            None => return 1,
        },
        None => io.stdin.to_string(),
    };
    if decode {
        match base64_decode(text.trim_end()) {
            Some(bytes) => {
                io.out.stdout(String::from_utf8_lossy(&bytes));
                0
            }
            None => {
                io.out.stderr("base64: invalid input\n");
                1
            }
        }
    } else {
        let enc = base64_encode(text.as_bytes());
        let mut out = String::new();
        if wrap == 0 {
            out.push_str(&enc);
        } else {
            let chars: Vec<char> = enc.chars().collect();
            for line in chars.chunks(wrap) {
                out.extend(line);
                out.push('\n');
            }
        }
        io.out.stdout(out);
        0
    }
}

/// `seq [-s SEP] [-w] [FIRST [INCREMENT]] LAST`.
pub fn seq(args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let mut sep = "\n".to_string();
    let mut equal_width = false;
    let mut nums = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "-s" {
            i += 1;
            sep = args.get(i).cloned().unwrap_or_default();
        } else if let Some(s) = a.strip_prefix("-s") {
            sep = s.to_string();
        } else if a == "-w" {
            equal_width = true;
        } else {
            nums.push(a.clone());
        }
        i += 1;
    }
    if nums.is_empty() {
        io.out
            .stderr("seq: missing operand\nTry 'seq --help' for more information.\n");
        return 1;
    }
    if nums.len() > 3 {
        io.out.stderr(format!(
            "seq: extra operand \u{2018}{}\u{2019}\nTry 'seq --help' for more information.\n",
            nums[3]
        ));
        return 1;
    }
    let mut vals = Vec::new();
    for n in &nums {
        match n.parse::<f64>() {
            Ok(v) if v.is_finite() => vals.push(v),
            _ => {
                io.out.stderr(format!("seq: invalid floating point argument: \u{2018}{n}\u{2019}\nTry 'seq --help' for more information.\n"));
                return 1;
            }
        }
    }
    let (first, inc, last) = match vals.as_slice() {
        [l] => (1.0, 1.0, *l),
        [f, l] => (*f, 1.0, *l),
        [f, s, l] => (*f, *s, *l),
        _ => return 1,
    };
    if inc == 0.0 {
        io.out.stderr(format!("seq: invalid Zero increment value: \u{2018}{}\u{2019}\nTry 'seq --help' for more information.\n", nums[1]));
        return 1;
    }
    let decimals = nums
        .iter()
        .map(|n| n.split_once('.').map(|(_, d)| d.len()).unwrap_or(0))
        .max()
        .unwrap_or(0);
    let fmt = |v: f64| format!("{v:.decimals$}");
    let width = if equal_width {
        fmt(first).len().max(fmt(last).len())
    } else {
        0
    };
    let mut out = String::new();
    let mut k = 0u64;
    loop {
        let v = first + inc * k as f64;
        if (inc > 0.0 && v > last + 1e-9) || (inc < 0.0 && v < last - 1e-9) {
            break;
        }
        if k > 0 {
            out.push_str(&sep);
        }
        let s = fmt(v);
        if equal_width && s.len() < width {
            let (sign, digits) = if let Some(d) = s.strip_prefix('-') {
                ("-", d)
            } else {
                ("", s.as_str())
            };
            out.push_str(&format!("{sign}{}{digits}", "0".repeat(width - s.len())));
        } else {
            out.push_str(&s);
        }
        k += 1;
        if out.len() > MAX_OUTPUT_BYTES {
            io.out.stdout(out);
            io.out
                .stderr("seq: output limit exceeded (16 MiB; sandbox limit)\n");
            return 1;
        }
    }
    if k > 0 {
        out.push('\n');
    }
    io.out.stdout(out);
    0
}
