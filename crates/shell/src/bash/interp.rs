//! The interpreter: walks the syntax tree, wires pipelines and redirections, runs commands.
//!
//! Commands run one after another (there are no processes): a pipeline stage runs to the end
//! into a buffer, and that buffer becomes the next stage's standard input. Every stage of a
//! multi-command pipeline, every `( ... )` and every `$( ... )` runs on a copy of the shell
//! state, so `cd` or `x=1` inside them do not leak out, as in bash. The filesystem is shared.

use super::ast::*;
use super::parser;
use super::vfs::Vfs;
use super::{CommandIo, Host};
use crate::output::{Output, Stream};
use std::collections::{BTreeMap, BTreeSet};

/// Most loop iterations one loop may run.
pub const MAX_LOOP_ITERATIONS: usize = 10_000;
/// Most commands one input may run.
pub const MAX_COMMANDS: usize = 100_000;
/// Most bytes all commands of one input may write (pipes and files included).
pub const MAX_OUTPUT_BYTES: usize = 16 * 1024 * 1024;
/// Largest value of a variable.
pub const MAX_VAR_BYTES: usize = 4 * 1024 * 1024;
/// Deepest nesting at run time (compound commands, `$( )`, functions, `source`, `eval`).
pub const MAX_EXEC_DEPTH: usize = 100;

/// Non-local control flow out of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ctl {
    /// `break N` (levels left).
    Break(usize),
    /// `continue N`.
    Continue(usize),
    /// `return N` from a function or sourced file.
    Return(i32),
    /// `exit N`.
    Exit(i32),
    /// An expansion error: the rest of the current line is skipped, with this status.
    Abort(i32),
    /// A sandbox limit was hit: everything stops.
    Fatal,
}

/// The status of a command, or control flow leaving it.
pub(crate) type Res = Result<i32, Ctl>;

/// Standard input shared by the commands of a compound command (so `while read` loops
/// consume it line by line).
#[derive(Debug, Default)]
pub(crate) struct Input {
    data: String,
    pos: usize,
}

impl Input {
    /// Input holding `data`.
    pub(crate) fn new(data: String) -> Input {
        Input { data, pos: 0 }
    }
    /// What is left to read.
    pub(crate) fn rest(&self) -> &str {
        self.data.get(self.pos..).unwrap_or("")
    }
    /// Marks everything read.
    pub(crate) fn consume_all(&mut self) {
        self.pos = self.data.len();
    }
    /// Reads one line (without its newline); `None` at end of input. The flag is false when
    /// the line had no newline.
    pub(crate) fn read_line(&mut self) -> Option<(String, bool)> {
        let rest = self.rest();
        if rest.is_empty() {
            return None;
        }
        match rest.find('\n') {
            Some(i) => {
                let line = rest[..i].to_string();
                self.pos += i + 1;
                Some((line, true))
            }
            None => {
                let line = rest.to_string();
                self.pos = self.data.len();
                Some((line, false))
            }
        }
    }
}

/// Where an output file descriptor goes.
#[derive(Clone, Debug, PartialEq)]
enum Target {
    Stdout,
    Stderr,
    File(String),
}

/// Everything a run needs besides the shell state.
pub(crate) struct Ctx<'a> {
    pub host: &'a mut dyn Host,
    pub vfs: &'a mut Vfs,
    pub history: &'a [String],
    pub depth: usize,
    pub commands: usize,
    pub bytes: usize,
}

/// Shell state: variables, aliases, functions, working directory.
#[derive(Clone, Debug)]
pub(crate) struct Shell {
    pub vars: BTreeMap<String, String>,
    pub exported: BTreeSet<String>,
    pub aliases: BTreeMap<String, String>,
    pub functions: BTreeMap<String, Command>,
    pub cwd: String,
    pub positional: Vec<String>,
    pub last_status: i32,
    pub cmdsub_status: Option<i32>,
    pub random: u32,
}

impl Shell {
    pub(crate) fn new() -> Shell {
        let mut sh = Shell {
            vars: BTreeMap::new(),
            exported: BTreeSet::new(),
            aliases: BTreeMap::new(),
            functions: BTreeMap::new(),
            cwd: "/root".into(),
            positional: Vec::new(),
            last_status: 0,
            cmdsub_status: None,
            random: 12345,
        };
        for (k, v) in [
            ("HOME", "/root"),
            ("PWD", "/root"),
            ("USER", "root"),
            ("LOGNAME", "root"),
            ("SHELL", "/bin/bash"),
            (
                "PATH",
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            ),
            ("TERM", "xterm-256color"),
            ("LANG", "en_US.UTF-8"),
            ("SHLVL", "1"),
        ] {
            sh.vars.insert(k.into(), v.into());
            sh.exported.insert(k.into());
        }
        sh.aliases.insert("k".into(), "kubectl".into());
        sh
    }

    /// Exported variables, as the environment of a command.
    pub(crate) fn env(&self) -> BTreeMap<String, String> {
        kubarium_engine::sort::collect_map(
            self.exported
                .iter()
                .filter_map(|k| self.vars.get(k).map(|v| (k.clone(), v.clone()))),
        )
    }

    /// Assigns a variable (`PWD` and friends included); too large a value is an error.
    pub(crate) fn set_var(&mut self, name: &str, value: String, out: &mut Output) -> Res {
        if value.len() > MAX_VAR_BYTES {
            out.stderr(format!(
                "bash: {name}: value too large (sandbox limit: 4 MiB per variable)\n"
            ));
            return Err(Ctl::Abort(1));
        }
        self.vars.insert(name.to_string(), value);
        Ok(0)
    }

    fn enter(&self, cx: &mut Ctx, out: &mut Output) -> Result<(), Ctl> {
        cx.depth += 1;
        if cx.depth > MAX_EXEC_DEPTH {
            cx.depth -= 1;
            out.stderr(format!(
                "bash: maximum nesting level exceeded ({MAX_EXEC_DEPTH})\n"
            ));
            return Err(Ctl::Fatal);
        }
        Ok(())
    }

    /// Runs every line of `text` (for `source`, `eval`, `watch`): each line is parsed after
    /// the previous one ran, with the aliases of the moment when `aliases` is set.
    pub(crate) fn run_text(
        &mut self,
        cx: &mut Ctx,
        text: &str,
        use_aliases: bool,
        inp: &mut Input,
        out: &mut Output,
    ) -> Res {
        let mut rest = text.to_string();
        let mut status = 0;
        let no_aliases = BTreeMap::new();
        while !rest.trim().is_empty() {
            let aliases = if use_aliases {
                self.aliases.clone()
            } else {
                no_aliases.clone()
            };
            match parser::parse_line(&rest, &aliases) {
                Err(e) => {
                    out.stderr(e.message());
                    self.last_status = 2;
                    return Ok(2);
                }
                Ok((list, r)) => {
                    if r.len() >= rest.len() {
                        break;
                    }
                    rest = r;
                    status = match self.run_list(cx, &list, inp, out) {
                        Err(Ctl::Abort(n)) => n,
                        other => other?,
                    };
                    self.last_status = status;
                }
            }
        }
        Ok(status)
    }

    pub(crate) fn run_list(
        &mut self,
        cx: &mut Ctx,
        list: &List,
        inp: &mut Input,
        out: &mut Output,
    ) -> Res {
        let mut status = self.last_status;
        for ao in list {
            status = self.run_and_or(cx, ao, inp, out)?;
            self.last_status = status;
        }
        Ok(status)
    }

    fn run_and_or(&mut self, cx: &mut Ctx, ao: &AndOr, inp: &mut Input, out: &mut Output) -> Res {
        let mut status = self.run_pipeline(cx, &ao.first, inp, out)?;
        self.last_status = status;
        for (and, p) in &ao.rest {
            if (*and && status == 0) || (!*and && status != 0) {
                status = self.run_pipeline(cx, p, inp, out)?;
                self.last_status = status;
            }
        }
        Ok(status)
    }

    fn run_pipeline(
        &mut self,
        cx: &mut Ctx,
        p: &Pipeline,
        inp: &mut Input,
        out: &mut Output,
    ) -> Res {
        let status = if p.cmds.len() == 1 {
            self.run_command(cx, &p.cmds[0].0, inp, out)?
        } else {
            let mut data: Option<String> = None;
            let mut status = 0;
            let last = p.cmds.len() - 1;
            for (i, (cmd, with_err)) in p.cmds.iter().enumerate() {
                let mut sub = self.clone();
                let mut buf = Output::new();
                buf.to_terminal = i == last && out.to_terminal;
                let mut own_in = data.take().map(Input::new);
                let stage_in: &mut Input = match own_in.as_mut() {
                    Some(x) => x,
                    None => &mut *inp,
                };
                status = match sub.run_command(cx, cmd, stage_in, &mut buf) {
                    Ok(s) | Err(Ctl::Exit(s)) | Err(Ctl::Return(s)) | Err(Ctl::Abort(s)) => s,
                    Err(Ctl::Break(_)) | Err(Ctl::Continue(_)) => 0,
                    Err(Ctl::Fatal) => {
                        out.extend(buf);
                        return Err(Ctl::Fatal);
                    }
                };
                if i == last {
                    out.extend(buf);
                } else {
                    let mut next = String::new();
                    for (s, t) in buf.chunks {
                        if s == Stream::Stdout || *with_err {
                            next.push_str(&t);
                        } else {
                            out.push(s, &t);
                        }
                    }
                    data = Some(next);
                }
            }
            status
        };
        Ok(if p.negate {
            (status == 0) as i32
        } else {
            status
        })
    }

    pub(crate) fn run_command(
        &mut self,
        cx: &mut Ctx,
        cmd: &Command,
        inp: &mut Input,
        out: &mut Output,
    ) -> Res {
        cx.commands += 1;
        if cx.commands > MAX_COMMANDS {
            out.stderr(format!("bash: command limit exceeded ({MAX_COMMANDS} commands in one input; sandbox limit)\n"));
            return Err(Ctl::Fatal);
        }
        match cmd {
            Command::Simple(s) => self.run_simple(cx, s, inp, out),
            Command::FuncDef(name, body) => {
                self.functions.insert(name.clone(), (**body).clone());
                Ok(0)
            }
            Command::Compound(c, redirs) => {
                self.enter(cx, out)?;
                let r = self.with_redirs(cx, redirs, inp, out, |sh, cx, inp, out| {
                    sh.run_compound(cx, c, inp, out)
                });
                cx.depth -= 1;
                r
            }
        }
    }

    fn run_compound(
        &mut self,
        cx: &mut Ctx,
        c: &Compound,
        inp: &mut Input,
        out: &mut Output,
    ) -> Res {
        match c {
            Compound::Group(list) => self.run_list(cx, list, inp, out),
            Compound::Subshell(list) => {
                let mut sub = self.clone();
                match sub.run_list(cx, list, inp, out) {
                    Ok(s) | Err(Ctl::Exit(s)) | Err(Ctl::Return(s)) | Err(Ctl::Abort(s)) => Ok(s),
                    Err(Ctl::Break(_)) | Err(Ctl::Continue(_)) => Ok(0),
                    Err(Ctl::Fatal) => Err(Ctl::Fatal),
                }
            }
            Compound::If { arms, otherwise } => {
                for (cond, body) in arms {
                    if self.run_list(cx, cond, inp, out)? == 0 {
                        return self.run_list(cx, body, inp, out);
                    }
                }
                match otherwise {
                    Some(body) => self.run_list(cx, body, inp, out),
                    None => Ok(0),
                }
            }
            Compound::For { var, items, body } => {
                let values = match items {
                    Some(words) => self.expand_words(cx, words, out)?,
                    None => self.positional.clone(),
                };
                let mut status = 0;
                for (n, v) in values.into_iter().enumerate() {
                    if n >= MAX_LOOP_ITERATIONS {
                        return Err(loop_limit(out));
                    }
                    self.set_var(var, v, out)?;
                    match self.run_list(cx, body, inp, out) {
                        Ok(s) => status = s,
                        Err(Ctl::Break(k)) => {
                            if k > 1 {
                                return Err(Ctl::Break(k - 1));
                            }
                            break;
                        }
                        Err(Ctl::Continue(k)) => {
                            if k > 1 {
                                return Err(Ctl::Continue(k - 1));
                            }
                        }
                        Err(e) => return Err(e),
                    }
                }
                Ok(status)
            }
            Compound::While { cond, body, until } => {
                let mut status = 0;
                let mut n = 0;
                loop {
                    let c = self.run_list(cx, cond, inp, out)?;
                    if (c == 0) == *until {
                        break;
                    }
                    n += 1;
                    if n > MAX_LOOP_ITERATIONS {
                        return Err(loop_limit(out));
                    }
                    match self.run_list(cx, body, inp, out) {
                        Ok(s) => status = s,
                        Err(Ctl::Break(k)) => {
                            if k > 1 {
                                return Err(Ctl::Break(k - 1));
                            }
                            break;
                        }
                        Err(Ctl::Continue(k)) => {
                            if k > 1 {
                                return Err(Ctl::Continue(k - 1));
                            }
                        }
                        Err(e) => return Err(e),
                    }
                }
                Ok(status)
            }
            Compound::Case { word, arms } => {
                let value = self.expand_word_string(cx, word, out)?;
                for (pats, body) in arms {
                    for p in pats {
                        let pat = self.expand_word_pattern(cx, p, out)?;
                        if super::pattern::matches(&pat, &value) {
                            return self.run_list(cx, body, inp, out);
                        }
                    }
                }
                Ok(0)
            }
            Compound::Cond(toks) => self.eval_cond(cx, toks, out),
            Compound::Arith(word) => {
                let v = self.eval_arith(cx, word, out)?;
                Ok((v == 0) as i32)
            }
        }
    }

    fn run_simple(&mut self, cx: &mut Ctx, s: &Simple, inp: &mut Input, out: &mut Output) -> Res {
        self.cmdsub_status = None;
        let argv = self.expand_words(cx, &s.words, out)?;
        let mut assigns = Vec::new();
        for (name, w) in &s.assigns {
            let v = self.expand_word_string(cx, w, out)?;
            assigns.push((name.clone(), v));
        }
        if argv.is_empty() {
            for (name, v) in assigns {
                self.set_var(&name, v, out)?;
            }
            let status = self.cmdsub_status.unwrap_or(0);
            return self.with_redirs(cx, &s.redirs, inp, out, |_, _, _, _| Ok(status));
        }
        // `NAME=value cmd`: the variable is set (and exported) for this command only.
        let saved: Vec<(String, Option<String>, bool)> = assigns
            .iter()
            .map(|(n, _)| {
                (
                    n.clone(),
                    self.vars.get(n).cloned(),
                    self.exported.contains(n),
                )
            })
            .collect();
        for (name, v) in assigns {
            self.set_var(&name, v, out)?;
            self.exported.insert(name);
        }
        let r = self.with_redirs(cx, &s.redirs, inp, out, |sh, cx, inp, out| {
            sh.dispatch(cx, &argv, inp, out)
        });
        for (name, old, was_exported) in saved {
            match old {
                Some(v) => self.vars.insert(name.clone(), v),
                None => self.vars.remove(&name),
            };
            if !was_exported {
                self.exported.remove(&name);
            }
        }
        r
    }

    /// Applies redirections around `body`.
    fn with_redirs(
        &mut self,
        cx: &mut Ctx,
        redirs: &[Redir],
        inp: &mut Input,
        out: &mut Output,
        body: impl FnOnce(&mut Shell, &mut Ctx, &mut Input, &mut Output) -> Res,
    ) -> Res {
        if redirs.is_empty() {
            return body(self, cx, inp, out);
        }
        let mut fd1 = Target::Stdout;
        let mut fd2 = Target::Stderr;
        let mut stdin: Option<String> = None;
        for r in redirs {
            let is_input = matches!(
                r.op,
                RedirOp::In | RedirOp::DupIn | RedirOp::HereDoc { .. } | RedirOp::HereString
            );
            let fd = r.fd.unwrap_or(if is_input { 0 } else { 1 });
            match &r.op {
                RedirOp::HereDoc { body, expand } => {
                    let text = if *expand {
                        match parser::parse_heredoc_body(body, cx.depth) {
                            Ok(w) => self.expand_word_string(cx, &w, out)?,
                            Err(_) => body.clone(),
                        }
                    } else {
                        body.clone()
                    };
                    if fd == 0 {
                        stdin = Some(text);
                    }
                }
                RedirOp::HereString => {
                    let text = self.expand_word_string(cx, &r.target, out)?;
                    if fd == 0 {
                        stdin = Some(format!("{text}\n"));
                    }
                }
                RedirOp::DupIn => {}
                RedirOp::DupOut => {
                    let t = self.expand_word_string(cx, &r.target, out)?;
                    let src = match t.as_str() {
                        "1" => fd1.clone(),
                        "2" => fd2.clone(),
                        "-" => Target::File(super::vfs::DEV_NULL.into()),
                        _ => {
                            out.stderr(format!("bash: {t}: Bad file descriptor\n"));
                            return Ok(1);
                        }
                    };
                    match fd {
                        1 => fd1 = src,
                        2 => fd2 = src,
                        _ => {}
                    }
                }
                op => {
                    let name = match self.redirect_target(cx, &r.target, out)? {
                        Some(n) => n,
                        None => return Ok(1),
                    };
                    let abs = cx.vfs.resolve(&self.cwd, &name);
                    let result = match op {
                        RedirOp::In => cx.vfs.read(&abs).map(|text| {
                            if fd == 0 {
                                stdin = Some(text);
                            }
                        }),
                        RedirOp::Append | RedirOp::BothAppend => cx.vfs.append(&abs, ""),
                        _ => cx.vfs.write(&abs, ""),
                    };
                    if let Err(e) = result {
                        out.stderr(format!("bash: {name}: {e}\n"));
                        return Ok(1);
                    }
                    let target = Target::File(abs);
                    match op {
                        RedirOp::Both | RedirOp::BothAppend => {
                            fd1 = target.clone();
                            fd2 = target;
                        }
                        RedirOp::In => {}
                        _ => match fd {
                            1 => fd1 = target,
                            2 => fd2 = target,
                            _ => {}
                        },
                    }
                }
            }
        }
        let mut own_in = stdin.map(Input::new);
        let body_in: &mut Input = match own_in.as_mut() {
            Some(x) => x,
            None => inp,
        };
        if fd1 == Target::Stdout && fd2 == Target::Stderr {
            return body(self, cx, body_in, out);
        }
        let mut buf = Output::new();
        buf.to_terminal = out.to_terminal && fd1 == Target::Stdout;
        let r = body(self, cx, body_in, &mut buf);
        for (stream, text) in buf.chunks {
            let target = if stream == Stream::Stdout { &fd1 } else { &fd2 };
            match target {
                Target::Stdout => out.stdout(&text),
                Target::Stderr => out.stderr(&text),
                Target::File(path) => {
                    if let Err(e) = cx.vfs.append(path, &text) {
                        out.stderr(format!("bash: write error: {e}\n"));
                    }
                }
            }
        }
        r
    }

    /// The file name of a redirection; `None` (after printing bash's message) when it does
    /// not expand to exactly one word.
    fn redirect_target(
        &mut self,
        cx: &mut Ctx,
        w: &Word,
        out: &mut Output,
    ) -> Result<Option<String>, Ctl> {
        let fields = self.expand_words(cx, std::slice::from_ref(w), out)?;
        if fields.len() != 1 {
            let text = self.expand_word_string(cx, w, out)?;
            let shown = if text.is_empty() {
                source_text(w)
            } else {
                text
            };
            out.stderr(format!("bash: {shown}: ambiguous redirect\n"));
            return Ok(None);
        }
        Ok(fields.into_iter().next())
    }

    /// Runs one command with its arguments: function, shell builtin, utility, or the host.
    pub(crate) fn dispatch(
        &mut self,
        cx: &mut Ctx,
        argv: &[String],
        inp: &mut Input,
        out: &mut Output,
    ) -> Res {
        let Some(name) = argv.first() else {
            return Ok(0);
        };
        if let Some(body) = self.functions.get(name).cloned() {
            return self.call_function(cx, &body, argv, inp, out);
        }
        if let Some(r) = self.shell_builtin(cx, argv, inp, out) {
            return r;
        }
        let env = self.env();
        let mut buf = Output::new();
        buf.to_terminal = out.to_terminal;
        let now = cx.host.now_unix_ms();
        cx.vfs.set_clock(now);
        let status = {
            let mut io = CommandIo {
                stdin: inp.rest(),
                out: &mut buf,
                vfs: cx.vfs,
                cwd: &self.cwd,
                env: &env,
            };
            match super::builtins::run_utility(name, &argv[1..], &mut io, cx.host) {
                Some(s) => {
                    if super::builtins::reads_stdin(name) {
                        inp.consume_all();
                    }
                    s
                }
                None => match cx.host.exec(argv, &mut io) {
                    Some(s) => s,
                    None => {
                        buf.stderr(format!("bash: {name}: command not found\n"));
                        127
                    }
                },
            }
        };
        self.account(cx, &buf, out)?;
        out.extend(buf);
        Ok(status)
    }

    /// Counts bytes written against [`MAX_OUTPUT_BYTES`].
    pub(crate) fn account(&self, cx: &mut Ctx, buf: &Output, out: &mut Output) -> Result<(), Ctl> {
        cx.bytes += buf.chunks.iter().map(|(_, t)| t.len()).sum::<usize>();
        if cx.bytes > MAX_OUTPUT_BYTES {
            out.stderr("bash: output limit exceeded (16 MiB in one input; sandbox limit)\n");
            return Err(Ctl::Fatal);
        }
        Ok(())
    }

    fn call_function(
        &mut self,
        cx: &mut Ctx,
        body: &Command,
        argv: &[String],
        inp: &mut Input,
        out: &mut Output,
    ) -> Res {
        self.enter(cx, out)?;
        let saved = std::mem::replace(&mut self.positional, argv[1..].to_vec());
        let r = self.run_command(cx, body, inp, out);
        self.positional = saved;
        cx.depth -= 1;
        match r {
            Err(Ctl::Return(s)) => Ok(s),
            other => other,
        }
    }

    /// Runs `$( list )` on a copy of the shell and returns its stdout without trailing
    /// newlines; its stderr goes to `out`.
    pub(crate) fn command_subst(
        &mut self,
        cx: &mut Ctx,
        list: &List,
        out: &mut Output,
    ) -> Result<String, Ctl> {
        self.enter(cx, out)?;
        let mut sub = self.clone();
        let mut buf = Output::new();
        let mut none = Input::default();
        let status = match sub.run_list(cx, list, &mut none, &mut buf) {
            Ok(s) | Err(Ctl::Exit(s)) | Err(Ctl::Return(s)) | Err(Ctl::Abort(s)) => s,
            Err(Ctl::Break(_)) | Err(Ctl::Continue(_)) => 0,
            Err(Ctl::Fatal) => {
                cx.depth -= 1;
                out.extend(buf);
                return Err(Ctl::Fatal);
            }
        };
        cx.depth -= 1;
        self.cmdsub_status = Some(status);
        self.last_status = status;
        let mut text = String::new();
        for (s, t) in buf.chunks {
            match s {
                Stream::Stdout => text.push_str(&t),
                Stream::Stderr => out.stderr(&t),
            }
        }
        let trimmed = text.trim_end_matches('\n').len();
        text.truncate(trimmed);
        Ok(text)
    }
}

fn loop_limit(out: &mut Output) -> Ctl {
    out.stderr(format!(
        "bash: loop iteration limit exceeded ({MAX_LOOP_ITERATIONS} iterations; sandbox limit)\n"
    ));
    Ctl::Abort(1)
}

/// Roughly how a word was typed, for error messages.
pub(crate) fn source_text(w: &Word) -> String {
    let mut s = String::new();
    for p in &w.0 {
        match p {
            Part::Lit(t) | Part::Quoted(t) => s.push_str(t),
            Part::Param(p) => {
                s.push('$');
                s.push_str(&p.name);
            }
            Part::Tilde => s.push('~'),
            Part::Dq(_) => s.push_str("\"...\""),
            Part::CmdSub(_) => s.push_str("$(...)"),
            Part::Arith(_) => s.push_str("$((...))"),
        }
    }
    s
}
