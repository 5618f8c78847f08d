//! `test` and `[`: file tests, string and integer comparisons, `!`, `-a`, `-o`, parentheses.

use super::super::vfs::Vfs;
use super::super::CommandIo;
use std::collections::BTreeMap;

/// A unary test (`-f file`, `-z str`, ...); `None` when `op` is not a unary operator.
pub fn unary(
    op: &str,
    arg: &str,
    vfs: &Vfs,
    cwd: &str,
    vars: &BTreeMap<String, String>,
) -> Option<bool> {
    let path = || vfs.resolve(cwd, arg);
    Some(match op {
        "-z" => arg.is_empty(),
        "-n" => !arg.is_empty(),
        "-e" | "-a" => !arg.is_empty() && vfs.exists(&path()),
        "-f" => !arg.is_empty() && vfs.is_file(&path()),
        "-d" => !arg.is_empty() && vfs.is_dir(&path()),
        "-s" => !arg.is_empty() && vfs.read(&path()).is_ok_and(|t| !t.is_empty()),
        "-r" | "-w" => !arg.is_empty() && vfs.exists(&path()),
        "-x" => !arg.is_empty() && vfs.is_dir(&path()),
        "-L" | "-h" | "-p" | "-S" | "-b" | "-c" | "-t" => false,
        "-v" => vars.contains_key(arg),
        _ => return None,
    })
}

/// A binary test; the error is bash's message after `bash: `.
pub fn binary(a: &str, op: &str, b: &str, vfs: &Vfs, cwd: &str) -> Result<bool, String> {
    let int = |s: &str| -> Result<i64, String> {
        s.trim()
            .parse::<i64>()
            .map_err(|_| format!("{s}: integer expression expected"))
    };
    Ok(match op {
        "=" | "==" => a == b,
        "!=" => a != b,
        "<" => a < b,
        ">" => a > b,
        "-eq" => int(a)? == int(b)?,
        "-ne" => int(a)? != int(b)?,
        "-lt" => int(a)? < int(b)?,
        "-le" => int(a)? <= int(b)?,
        "-gt" => int(a)? > int(b)?,
        "-ge" => int(a)? >= int(b)?,
        "-nt" | "-ot" => {
            let m = |p: &str| vfs.metadata(&vfs.resolve(cwd, p)).map(|m| m.mtime_ms).ok();
            match (m(a), m(b)) {
                (Some(x), Some(y)) => {
                    if op == "-nt" {
                        x > y
                    } else {
                        x < y
                    }
                }
                (Some(_), None) => op == "-nt",
                (None, Some(_)) => op == "-ot",
                _ => false,
            }
        }
        "-ef" => vfs.resolve(cwd, a) == vfs.resolve(cwd, b) && vfs.exists(&vfs.resolve(cwd, a)),
        _ => return Err(format!("{op}: binary operator expected")),
    })
}

fn is_binary(op: &str) -> bool {
    matches!(
        op,
        "=" | "=="
            | "!="
            | "<"
            | ">"
            | "-eq"
            | "-ne"
            | "-lt"
            | "-le"
            | "-gt"
            | "-ge"
            | "-nt"
            | "-ot"
            | "-ef"
    )
}

fn is_unary(op: &str) -> bool {
    matches!(
        op,
        "-z" | "-n"
            | "-e"
            | "-a"
            | "-f"
            | "-d"
            | "-s"
            | "-r"
            | "-w"
            | "-x"
            | "-L"
            | "-h"
            | "-p"
            | "-S"
            | "-b"
            | "-c"
            | "-t"
            | "-v"
    )
}

struct T<'a, 'b> {
    args: &'a [String],
    pos: usize,
    io: &'a CommandIo<'b>,
    empty: BTreeMap<String, String>,
}

impl T<'_, '_> {
    fn arg(&self, i: usize) -> Option<&str> {
        self.args.get(i).map(String::as_str)
    }

    /// POSIX rules by argument count, then the general grammar.
    fn eval_n(&mut self, n: usize) -> Result<bool, String> {
        let (args, base) = (self.args, self.pos);
        let a = |i: usize| args.get(base + i).map(String::as_str).unwrap_or("");
        match n {
            0 => Ok(false),
            1 => {
                self.pos += 1;
                Ok(!a(0).is_empty())
            }
            2 => {
                let (x, y) = (a(0).to_string(), a(1).to_string());
                self.pos += 2;
                if x == "!" {
                    return Ok(y.is_empty());
                }
                if is_unary(&x) {
                    return Ok(
                        unary(&x, &y, self.io.vfs, self.io.cwd, &self.empty).unwrap_or(false)
                    );
                }
                Err(format!("{x}: unary operator expected"))
            }
            3 if is_binary(a(1)) => {
                let (x, op, y) = (a(0).to_string(), a(1).to_string(), a(2).to_string());
                self.pos += 3;
                binary(&x, &op, &y, self.io.vfs, self.io.cwd)
            }
            3 if a(0) == "!" => {
                self.pos += 1;
                Ok(!self.eval_n(2)?)
            }
            3 if a(0) == "(" && a(2) == ")" => {
                let x = !a(1).is_empty();
                self.pos += 3;
                Ok(x)
            }
            4 if a(0) == "!" => {
                self.pos += 1;
                Ok(!self.eval_n(3)?)
            }
            _ => self.or(),
        }
    }

    fn or(&mut self) -> Result<bool, String> {
        let mut v = self.and()?;
        while self.arg(self.pos) == Some("-o") {
            self.pos += 1;
            let r = self.and()?;
            v = v || r;
        }
        Ok(v)
    }

    fn and(&mut self) -> Result<bool, String> {
        let mut v = self.not()?;
        while self.arg(self.pos) == Some("-a") {
            self.pos += 1;
            let r = self.not()?;
            v = v && r;
        }
        Ok(v)
    }

    fn not(&mut self) -> Result<bool, String> {
        if self.arg(self.pos) == Some("!") {
            self.pos += 1;
            return Ok(!self.not()?);
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<bool, String> {
        let Some(x) = self.arg(self.pos).map(str::to_string) else {
            return Err("argument expected".into());
        };
        if x == "(" {
            self.pos += 1;
            let v = self.or()?;
            if self.arg(self.pos) != Some(")") {
                return Err("`)' expected".into());
            }
            self.pos += 1;
            return Ok(v);
        }
        if let Some(op) = self.arg(self.pos + 1).map(str::to_string) {
            if is_binary(&op) {
                let y = self.arg(self.pos + 2).unwrap_or("").to_string();
                self.pos += 3;
                return binary(&x, &op, &y, self.io.vfs, self.io.cwd);
            }
        }
        if is_unary(&x) {
            if let Some(y) = self.arg(self.pos + 1).map(str::to_string) {
                self.pos += 2;
                return Ok(unary(&x, &y, self.io.vfs, self.io.cwd, &self.empty).unwrap_or(false));
            }
        }
        self.pos += 1;
        Ok(!x.is_empty())
    }
}

/// `test ARGS` / `[ ARGS ]`: status 0 true, 1 false, 2 error.
pub fn run(args: &[String], io: &mut CommandIo<'_>, bracket: bool) -> i32 {
    let name = if bracket { "[" } else { "test" };
    let args = if bracket {
        match args.split_last() {
            Some((last, rest)) if last == "]" => rest,
            _ => {
                io.out.stderr("bash: [: missing `]'\n");
                return 2;
            }
        }
    } else {
        args
    };
    let mut t = T {
        args,
        pos: 0,
        io,
        empty: BTreeMap::new(),
    };
    let r = t.eval_n(args.len());
    let done = t.pos;
    match r {
        Ok(_) if done < args.len() => {
            io.out.stderr(format!("bash: {name}: too many arguments\n"));
            2
        }
        Ok(v) => (!v) as i32,
        Err(m) => {
            io.out.stderr(format!("bash: {name}: {m}\n"));
            2
        }
    }
}
