//! Builtins that need the shell itself: `cd`, `export`, `alias`, `exit`, `source`, `read`,
//! `watch`, `xargs`, `eval`, `type`, ... (bash's own texts and statuses).

use super::super::interp::{Ctl, Ctx, Input, Res, Shell};
use crate::output::Output;

/// Builtins implemented here (for `type` and completion).
pub const SHELL_BUILTINS: &[&str] = &[
    ".", ":", "alias", "break", "cd", "command", "continue", "eval", "exit", "export", "history",
    "let", "local", "pwd", "read", "return", "set", "shift", "source", "type", "unalias", "unset",
];

/// Quotes a value the way `alias` and `declare -p` print it.
fn single_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "'\\''"))
}

fn is_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f == '_' || f.is_ascii_alphabetic())
        && c.all(|x| x == '_' || x.is_ascii_alphanumeric())
}

impl Shell {
    /// Runs a shell builtin; `None` when `argv[0]` is not one.
    pub(crate) fn shell_builtin(
        &mut self,
        cx: &mut Ctx,
        argv: &[String],
        inp: &mut Input,
        out: &mut Output,
    ) -> Option<Res> {
        let name = argv.first()?.as_str();
        let args = &argv[1..];
        let r = match name {
            ":" | "true" => Ok(0),
            "false" => Ok(1),
            "cd" => Ok(self.cd(cx, args, out)),
            "pwd" => {
                out.stdout(format!("{}\n", self.cwd));
                Ok(0)
            }
            "export" | "local" | "declare" | "typeset" => self.export(args, name == "export", out),
            "unset" => {
                let func = args.first().map(String::as_str) == Some("-f");
                for a in args.iter().filter(|a| !a.starts_with('-')) {
                    if func {
                        self.functions.remove(a);
                    } else {
                        self.vars.remove(a);
                        self.exported.remove(a);
                        self.functions.remove(a);
                    }
                }
                Ok(0)
            }
            "alias" => Ok(self.alias(args, out)),
            "unalias" => Ok(self.unalias(args, out)),
            "exit" => {
                let code = match args.first() {
                    None => self.last_status,
                    Some(a) => match a.parse::<i64>() {
                        Ok(n) => (n & 255) as i32,
                        Err(_) => {
                            out.stderr(format!("bash: exit: {a}: numeric argument required\n"));
                            2
                        }
                    },
                };
                if args.len() > 1 && args[0].parse::<i64>().is_ok() {
                    out.stderr("bash: exit: too many arguments\n");
                    return Some(Ok(1));
                }
                Err(Ctl::Exit(code))
            }
            "return" => {
                let code = args
                    .first()
                    .and_then(|a| a.parse::<i64>().ok())
                    .map(|n| (n & 255) as i32)
                    .unwrap_or(self.last_status);
                Err(Ctl::Return(code))
            }
            "break" | "continue" => {
                let n = args
                    .first()
                    .and_then(|a| a.parse::<usize>().ok())
                    .unwrap_or(1)
                    .max(1);
                Err(if name == "break" {
                    Ctl::Break(n)
                } else {
                    Ctl::Continue(n)
                })
            }
            "shift" => {
                let n = args
                    .first()
                    .and_then(|a| a.parse::<usize>().ok())
                    .unwrap_or(1);
                if n > self.positional.len() {
                    Ok(1)
                } else {
                    self.positional.drain(..n);
                    Ok(0)
                }
            }
            "set" => {
                if args.is_empty() {
                    for (k, v) in &self.vars {
                        out.stdout(format!("{k}={}\n", shell_quote(v)));
                    }
                } else if let Some(i) = args.iter().position(|a| a == "--") {
                    self.positional = args[i + 1..].to_vec();
                }
                Ok(0)
            }
            "history" => {
                let n = args
                    .first()
                    .and_then(|a| a.parse::<usize>().ok())
                    .unwrap_or(cx.history.len());
                let start = cx.history.len().saturating_sub(n);
                for (i, h) in cx.history.iter().enumerate().skip(start) {
                    out.stdout(format!("{:>5}  {h}\n", i + 1));
                }
                Ok(0)
            }
            "let" => {
                let mut v = 0;
                for a in args {
                    v = match super::super::arith::eval(a, self) {
                        Ok(v) => v,
                        Err(m) => {
                            out.stderr(format!("bash: let: {m}\n"));
                            return Some(Ok(1));
                        }
                    };
                }
                Ok((v == 0) as i32)
            }
            "eval" => {
                let text = args.join(" ");
                self.run_text(cx, &text, true, inp, out)
            }
            "source" | "." => self.source(cx, name, args, inp, out),
            "read" => self.read(args, inp, out),
            "type" => Ok(self.type_cmd(args, out)),
            "command" => {
                if args.first().map(String::as_str) == Some("-v")
                    || args.first().map(String::as_str) == Some("-V")
                {
                    let mut status = 0;
                    for a in &args[1..] {
                        match self.describe(a) {
                            Some(Described::Alias(v)) => {
                                out.stdout(format!("alias {a}={}\n", single_quote(&v)))
                            }
                            Some(Described::File(p)) => out.stdout(format!("{p}\n")),
                            Some(_) => out.stdout(format!("{a}\n")),
                            None => status = 1,
                        }
                    }
                    Ok(status)
                } else if args.is_empty() {
                    Ok(0)
                } else {
                    let saved = std::mem::take(&mut self.functions);
                    let r = self.dispatch(cx, args, inp, out);
                    self.functions = saved;
                    r
                }
            }
            "watch" => Ok(self.watch(cx, args, out)),
            "xargs" => self.xargs(cx, args, inp, out),
            _ => return None,
        };
        Some(r)
    }

    fn cd(&mut self, cx: &mut Ctx, args: &[String], out: &mut Output) -> i32 {
        if args.len() > 1 {
            out.stderr("bash: cd: too many arguments\n");
            return 1;
        }
        let (target, print) = match args.first().map(String::as_str) {
            None => (
                self.vars
                    .get("HOME")
                    .cloned()
                    .unwrap_or_else(|| "/root".into()),
                false,
            ),
            Some("-") => match self.vars.get("OLDPWD") {
                Some(o) => (o.clone(), true),
                None => {
                    out.stderr("bash: cd: OLDPWD not set\n");
                    return 1;
                }
            },
            Some(p) => (p.to_string(), false),
        };
        let abs = cx.vfs.resolve(&self.cwd, &target);
        if !cx.vfs.exists(&abs) {
            out.stderr(format!("bash: cd: {target}: No such file or directory\n"));
            return 1;
        }
        if !cx.vfs.is_dir(&abs) {
            out.stderr(format!("bash: cd: {target}: Not a directory\n"));
            return 1;
        }
        if print {
            out.stdout(format!("{abs}\n"));
        }
        let old = std::mem::replace(&mut self.cwd, abs.clone());
        self.vars.insert("OLDPWD".into(), old);
        self.vars.insert("PWD".into(), abs);
        0
    }

    fn export(&mut self, args: &[String], export: bool, out: &mut Output) -> Res {
        let names: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
        if names.is_empty() {
            for k in self.exported.clone() {
                match self.vars.get(&k) {
                    Some(v) => out.stdout(format!(
                        "declare -x {k}=\"{}\"\n",
                        v.replace('\\', "\\\\").replace('"', "\\\"")
                    )),
                    None => out.stdout(format!("declare -x {k}\n")),
                }
            }
            return Ok(0);
        }
        let mut status = 0;
        for a in names {
            let (name, value) = match a.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (a.as_str(), None),
            };
            if !is_name(name) {
                let cmd = if export { "export" } else { "declare" };
                out.stderr(format!("bash: {cmd}: `{a}': not a valid identifier\n"));
                status = 1;
                continue;
            }
            if let Some(v) = value {
                self.set_var(name, v, out)?;
            }
            if export {
                self.exported.insert(name.to_string());
            }
        }
        Ok(status)
    }

    fn alias(&mut self, args: &[String], out: &mut Output) -> i32 {
        let args: Vec<&String> = args.iter().filter(|a| a.as_str() != "-p").collect();
        if args.is_empty() {
            for (k, v) in &self.aliases {
                out.stdout(format!("alias {k}={}\n", single_quote(v)));
            }
            return 0;
        }
        let mut status = 0;
        for a in args {
            match a.split_once('=') {
                Some((n, v)) if !n.is_empty() => {
                    self.aliases.insert(n.to_string(), v.to_string());
                }
                _ => match self.aliases.get(a.as_str()) {
                    Some(v) => out.stdout(format!("alias {a}={}\n", single_quote(v))),
                    None => {
                        out.stderr(format!("bash: alias: {a}: not found\n"));
                        status = 1;
                    }
                },
            }
        }
        status
    }

    fn unalias(&mut self, args: &[String], out: &mut Output) -> i32 {
        if args.is_empty() {
            out.stderr("unalias: usage: unalias [-a] name [name ...]\n");
            return 2;
        }
        let mut status = 0;
        for a in args {
            if a == "-a" {
                self.aliases.clear();
            } else if self.aliases.remove(a).is_none() {
                out.stderr(format!("bash: unalias: {a}: not found\n"));
                status = 1;
            }
        }
        status
    }

    fn source(
        &mut self,
        cx: &mut Ctx,
        name: &str,
        args: &[String],
        inp: &mut Input,
        out: &mut Output,
    ) -> Res {
        let Some(file) = args.first() else {
            out.stderr(format!("bash: {name}: filename argument required\n{name}: usage: {name} filename [arguments]\n"));
            return Ok(2);
        };
        let abs = cx.vfs.resolve(&self.cwd, file);
        let text = match cx.vfs.read(&abs) {
            Ok(t) => t,
            Err(e) => {
                out.stderr(format!("bash: {file}: {e}\n"));
                return Ok(1);
            }
        };
        cx.depth += 1;
        if cx.depth > super::super::interp::MAX_EXEC_DEPTH {
            cx.depth -= 1;
            out.stderr(format!("bash: {file}: maximum nesting level exceeded\n"));
            return Err(Ctl::Fatal);
        }
        let saved = if args.len() > 1 {
            Some(std::mem::replace(&mut self.positional, args[1..].to_vec()))
        } else {
            None
        };
        let r = self.run_text(cx, &text, true, inp, out);
        if let Some(p) = saved {
            self.positional = p;
        }
        cx.depth -= 1;
        match r {
            Err(Ctl::Return(s)) => Ok(s),
            other => other,
        }
    }

    fn read(&mut self, args: &[String], inp: &mut Input, out: &mut Output) -> Res {
        let mut raw = false;
        let mut names = Vec::new();
        let mut i = 0;
        while i < args.len() {
            match args[i].as_str() {
                "-r" => raw = true,
                "-p" => {
                    i += 1;
                    if let Some(p) = args.get(i) {
                        out.stderr(p);
                    }
                }
                "-s" | "-e" => {}
                "-t" | "-n" | "-d" | "-u" => i += 1,
                a => names.push(a.to_string()),
            }
            i += 1;
        }
        if names.is_empty() {
            names.push("REPLY".into());
        }
        let (mut line, had_newline) = match inp.read_line() {
            Some(x) => x,
            None => {
                for n in &names {
                    self.vars.insert(n.clone(), String::new());
                }
                return Ok(1);
            }
        };
        if !raw {
            while line.ends_with('\\') {
                line.pop();
                match inp.read_line() {
                    Some((more, _)) => line.push_str(&more),
                    None => break,
                }
            }
            line = line.replace('\\', "");
        }
        if names.len() == 1 && names[0] == "REPLY" {
            self.set_var("REPLY", line, out)?;
        } else {
            let mut rest = line.trim_start_matches([' ', '\t']);
            for (k, n) in names.iter().enumerate() {
                if k + 1 == names.len() {
                    self.set_var(n, rest.trim_end_matches([' ', '\t']).to_string(), out)?;
                } else {
                    let end = rest.find([' ', '\t']).unwrap_or(rest.len());
                    self.set_var(n, rest[..end].to_string(), out)?;
                    rest = rest[end..].trim_start_matches([' ', '\t']);
                }
            }
        }
        Ok(if had_newline { 0 } else { 1 })
    }

    /// What a command name is, for `type` and `command -v`.
    fn describe(&self, name: &str) -> Option<Described> {
        if let Some(v) = self.aliases.get(name) {
            return Some(Described::Alias(v.clone()));
        }
        if [
            "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case",
            "esac", "in", "{", "}", "!", "[[",
        ]
        .contains(&name)
        {
            return Some(Described::Keyword);
        }
        if self.functions.contains_key(name) {
            return Some(Described::Function);
        }
        if SHELL_BUILTINS.contains(&name)
            || ["echo", "printf", "test", "[", "true", "false"].contains(&name)
        {
            return Some(Described::Builtin);
        }
        super::command_path(name).map(Described::File)
    }

    fn type_cmd(&self, args: &[String], out: &mut Output) -> i32 {
        let mut status = 0;
        for a in args.iter().filter(|a| !a.starts_with('-')) {
            match self.describe(a) {
                Some(Described::Alias(v)) => out.stdout(format!("{a} is aliased to `{v}'\n")),
                Some(Described::Keyword) => out.stdout(format!("{a} is a shell keyword\n")),
                Some(Described::Function) => out.stdout(format!("{a} is a function\n")),
                Some(Described::Builtin) => out.stdout(format!("{a} is a shell builtin\n")),
                Some(Described::File(p)) => out.stdout(format!("{a} is {p}\n")),
                None => {
                    out.stderr(format!("bash: type: {a}: not found\n"));
                    status = 1;
                }
            }
        }
        status
    }

    /// `watch [-n SECS] [-t] command...`: runs the command once, under procps's header.
    fn watch(&mut self, cx: &mut Ctx, args: &[String], out: &mut Output) -> i32 {
        let mut interval = 2.0f64;
        let mut title = true;
        let mut i = 0;
        while i < args.len() && args[i].starts_with('-') {
            match args[i].as_str() {
                "-n" | "--interval" => {
                    i += 1;
                    match args.get(i).and_then(|v| v.parse::<f64>().ok()) {
                        Some(v) if v.is_finite() => interval = v.max(0.1),
                        _ => {
                            out.stderr(format!(
                                "watch: failed to parse argument: '{}'\n",
                                args.get(i).cloned().unwrap_or_default()
                            ));
                            return 1;
                        }
                    }
                }
                "-t" | "--no-title" => title = false,
                a if a.starts_with("-n") => {
                    interval = a[2..].parse::<f64>().unwrap_or(2.0).max(0.1)
                }
                _ => {}
            }
            i += 1;
        }
        let cmd = args[i..].join(" ");
        if cmd.is_empty() {
            out.stderr("Usage:\n watch [options] command\n");
            return 1;
        }
        if title {
            let left = format!("Every {interval:.1}s: {cmd}");
            let secs = cx.host.now_unix_ms() / 1000;
            let right = format!(
                "{}: {}",
                cx.host.hostname(),
                super::sys::format_date(secs as i64, "%a %b %e %H:%M:%S %Y")
            );
            let width = 80usize;
            let pad = width
                .saturating_sub(left.chars().count() + right.chars().count())
                .max(1);
            out.stdout(format!("{left}{}{right}\n\n", " ".repeat(pad)));
        }
        let mut sub = self.clone();
        let mut none = Input::default();
        match sub.run_text(cx, &cmd, false, &mut none, out) {
            Ok(_) | Err(_) => 0,
        }
    }

    /// `xargs [-n N] [-I R] [command [args]]`.
    fn xargs(&mut self, cx: &mut Ctx, args: &[String], inp: &mut Input, out: &mut Output) -> Res {
        let mut per: Option<usize> = None;
        let mut replace: Option<String> = None;
        let mut i = 0;
        while i < args.len() && args[i].starts_with('-') {
            match args[i].as_str() {
                "-n" => {
                    i += 1;
                    per = args.get(i).and_then(|v| v.parse().ok()).filter(|n| *n > 0);
                }
                "-I" => {
                    i += 1;
                    replace = args.get(i).cloned();
                }
                "-r" | "--no-run-if-empty" | "-t" => {}
                a if a.starts_with("-n") => per = a[2..].parse().ok().filter(|n| *n > 0),
                a if a.starts_with("-I") => replace = Some(a[2..].to_string()),
                _ => {}
            }
            i += 1;
        }
        let mut cmd: Vec<String> = args[i..].to_vec();
        if cmd.is_empty() {
            cmd.push("echo".into());
        }
        let input = inp.rest().to_string();
        inp.consume_all();
        let mut status = 0;
        let mut none = Input::default();
        if let Some(r) = replace {
            for line in input.lines().filter(|l| !l.trim().is_empty()) {
                let argv: Vec<String> = cmd.iter().map(|a| a.replace(&r, line.trim())).collect();
                let s = self.dispatch(cx, &argv, &mut none, out)?;
                if s != 0 {
                    status = 123;
                }
            }
            return Ok(status);
        }
        let words: Vec<String> = input
            .split_whitespace()
            .map(|w| w.trim_matches(|c| c == '"' || c == '\'').to_string())
            .collect();
        if words.is_empty() {
            return self.dispatch(cx, &cmd, &mut none, out);
        }
        let chunk = per.unwrap_or(words.len());
        for group in words.chunks(chunk) {
            let mut argv = cmd.clone();
            argv.extend(group.iter().cloned());
            let s = self.dispatch(cx, &argv, &mut none, out)?;
            if s == 127 {
                return Ok(127);
            }
            if s != 0 {
                status = 123;
            }
        }
        Ok(status)
    }
}

enum Described {
    Alias(String),
    Keyword,
    Function,
    Builtin,
    File(String),
}

/// Quotes a value for `set` output when it needs it.
fn shell_quote(v: &str) -> String {
    if !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-:=+,@%".contains(c))
    {
        v.to_string()
    } else {
        single_quote(v)
    }
}
