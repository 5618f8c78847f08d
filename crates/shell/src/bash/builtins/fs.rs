//! File utilities on the virtual filesystem: `cat`, `cp`, `mv`, `rm`, `rmdir`, `mkdir`,
//! `touch`, `ls`, `tee`, with GNU coreutils' messages.

use super::super::vfs::{base_name, FsError};
use super::super::CommandIo;
use super::{lines_of, read_operand};

fn try_help(prog: &str, msg: &str, io: &mut CommandIo<'_>) -> i32 {
    io.out.stderr(format!(
        "{prog}: {msg}\nTry '{prog} --help' for more information.\n"
    ));
    1
}

/// Splits `-rf`-style flags from operands (`--` ends the flags).
fn flags_and_operands(args: &[String]) -> (String, Vec<String>) {
    let mut flags = String::new();
    let mut ops = Vec::new();
    let mut done = false;
    for a in args {
        if !done && a == "--" {
            done = true;
        } else if !done && a.starts_with("--") {
            match a.as_str() {
                "--recursive" => flags.push('r'),
                "--force" => flags.push('f'),
                "--parents" => flags.push('p'),
                "--all" => flags.push('a'),
                "--append" => flags.push('a'),
                "--number" => flags.push('n'),
                _ => {}
            }
        } else if !done && a.starts_with('-') && a.len() > 1 {
            flags.push_str(&a[1..]);
        } else {
            ops.push(a.clone());
        }
    }
    (flags, ops)
}

/// `cat [-n] [FILE...]`.
pub fn cat(args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let (flags, mut files) = flags_and_operands(args);
    if files.is_empty() {
        files.push("-".into());
    }
    let mut status = 0;
    let mut text = String::new();
    for f in &files {
        match read_operand("cat", f, io) {
            Some(t) => text.push_str(&t),
            None => status = 1,
        }
    }
    if flags.contains('n') {
        let mut numbered = String::new();
        for (i, line) in lines_of(&text).iter().enumerate() {
            numbered.push_str(&format!("{:>6}\t{line}\n", i + 1));
        }
        if !text.ends_with('\n') && !text.is_empty() {
            numbered.pop();
        }
        text = numbered;
    }
    io.out.stdout(text);
    status
}

/// Copies `src` (file or, with `recursive`, directory) to exactly `dst`.
fn copy_tree(io: &mut CommandIo<'_>, src: &str, dst: &str, depth: usize) -> Result<(), FsError> {
    if depth > 64 {
        return Err(FsError::InvalidArgument);
    }
    if io.vfs.is_dir(src) {
        if !io.vfs.is_dir(dst) {
            io.vfs.mkdir(dst, false)?;
        }
        for name in io.vfs.list(src)? {
            copy_tree(
                io,
                &format!("{}/{name}", src.trim_end_matches('/')),
                &format!("{}/{name}", dst.trim_end_matches('/')),
                depth + 1,
            )?;
        }
        Ok(())
    } else {
        let content = io.vfs.read(src)?;
        io.vfs.write(dst, &content)
    }
}

/// The operands of `cp`/`mv SRC... DEST`: the sources, the destination resolved, and
/// whether it is a directory.
struct Target<'a> {
    srcs: &'a [String],
    dest: &'a str,
    dest_abs: String,
    dest_is_dir: bool,
}

/// Splits `SRC... DEST` with coreutils' errors for missing operands and for several sources
/// into a non-directory; `Err` carries the exit status.
fn target<'a>(cmd: &str, ops: &'a [String], io: &mut CommandIo<'_>) -> Result<Target<'a>, i32> {
    let (dest, srcs) = match ops {
        [] => return Err(try_help(cmd, "missing file operand", io)),
        [only] => {
            let msg = format!("missing destination file operand after '{only}'");
            return Err(try_help(cmd, &msg, io));
        }
        [srcs @ .., dest] => (dest, srcs),
    };
    let dest_abs = io.vfs.resolve(io.cwd, dest);
    let dest_is_dir = io.vfs.is_dir(&dest_abs);
    if srcs.len() > 1 && !dest_is_dir {
        io.out
            .stderr(format!("{cmd}: target '{dest}' is not a directory\n"));
        return Err(1);
    }
    Ok(Target {
        srcs,
        dest,
        dest_abs,
        dest_is_dir,
    })
}

/// `cp [-r] SRC... DEST`.
pub fn cp(args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let (flags, ops) = flags_and_operands(args);
    let recursive = flags.contains('r') || flags.contains('R') || flags.contains('a');
    let Target {
        srcs,
        dest,
        dest_abs,
        dest_is_dir,
    } = match target("cp", &ops, io) {
        Ok(t) => t,
        Err(status) => return status,
    };
    let mut status = 0;
    for s in srcs {
        let src_abs = io.vfs.resolve(io.cwd, s);
        if !io.vfs.exists(&src_abs) {
            io.out.stderr(format!(
                "cp: cannot stat '{s}': No such file or directory\n"
            ));
            status = 1;
            continue;
        }
        if io.vfs.is_dir(&src_abs) && !recursive {
            io.out
                .stderr(format!("cp: -r not specified; omitting directory '{s}'\n"));
            status = 1;
            continue;
        }
        let target = if dest_is_dir {
            format!("{}/{}", dest_abs.trim_end_matches('/'), base_name(&src_abs))
        } else {
            dest_abs.clone()
        };
        let target = io.vfs.resolve("/", &target);
        if target == src_abs {
            io.out
                .stderr(format!("cp: '{s}' and '{dest}' are the same file\n"));
            status = 1;
            continue;
        }
        if io.vfs.is_dir(&src_abs) && target.starts_with(&format!("{src_abs}/")) {
            io.out.stderr(format!(
                "cp: cannot copy a directory, '{s}', into itself, '{dest}'\n"
            ));
            status = 1;
            continue;
        }
        if let Err(e) = copy_tree(io, &src_abs, &target, 0) {
            io.out
                .stderr(format!("cp: cannot create regular file '{dest}': {e}\n"));
            status = 1;
        }
    }
    status
}

/// `mv SRC... DEST`.
pub fn mv(args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let (_, ops) = flags_and_operands(args);
    let Target {
        srcs,
        dest,
        dest_abs,
        dest_is_dir,
    } = match target("mv", &ops, io) {
        Ok(t) => t,
        Err(status) => return status,
    };
    let mut status = 0;
    for s in srcs {
        let src_abs = io.vfs.resolve(io.cwd, s);
        if !io.vfs.exists(&src_abs) {
            io.out.stderr(format!(
                "mv: cannot stat '{s}': No such file or directory\n"
            ));
            status = 1;
            continue;
        }
        let target = if dest_is_dir {
            io.vfs.resolve(&dest_abs, base_name(&src_abs))
        } else {
            dest_abs.clone()
        };
        if let Err(e) = io.vfs.rename(&src_abs, &target) {
            match e {
                FsError::InvalidArgument => io.out.stderr(format!(
                    "mv: cannot move '{s}' to a subdirectory of itself, '{dest}/{}'\n",
                    base_name(&src_abs)
                )),
                e => io
                    .out
                    .stderr(format!("mv: cannot move '{s}' to '{dest}': {e}\n")),
            }
            status = 1;
        }
    }
    status
}

/// `rm [-r] [-f] FILE...`.
pub fn rm(args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let (flags, ops) = flags_and_operands(args);
    let force = flags.contains('f');
    let recursive = flags.contains('r') || flags.contains('R');
    if ops.is_empty() {
        if force {
            return 0;
        }
        return try_help("rm", "missing operand", io);
    }
    let mut status = 0;
    for f in &ops {
        let abs = io.vfs.resolve(io.cwd, f);
        if abs == "/" {
            io.out.stderr("rm: it is dangerous to operate recursively on '/'\nrm: use --no-preserve-root to override this failsafe\n");
            status = 1;
            continue;
        }
        match io.vfs.remove(&abs, recursive) {
            Ok(()) => {}
            Err(FsError::NotFound) if force => {}
            Err(e) => {
                io.out.stderr(format!("rm: cannot remove '{f}': {e}\n"));
                status = 1;
            }
        }
    }
    status
}

/// `rmdir DIR...`.
pub fn rmdir(args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let (_, ops) = flags_and_operands(args);
    if ops.is_empty() {
        return try_help("rmdir", "missing operand", io);
    }
    let mut status = 0;
    for d in &ops {
        let abs = io.vfs.resolve(io.cwd, d);
        if let Err(e) = io.vfs.rmdir(&abs) {
            io.out
                .stderr(format!("rmdir: failed to remove '{d}': {e}\n"));
            status = 1;
        }
    }
    status
}

/// `mkdir [-p] DIR...`.
pub fn mkdir(args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let (flags, ops) = flags_and_operands(args);
    if ops.is_empty() {
        return try_help("mkdir", "missing operand", io);
    }
    let mut status = 0;
    for d in &ops {
        let abs = io.vfs.resolve(io.cwd, d);
        if let Err(e) = io.vfs.mkdir(&abs, flags.contains('p')) {
            io.out.stderr(format!(
                "mkdir: cannot create directory \u{2018}{d}\u{2019}: {e}\n"
            ));
            status = 1;
        }
    }
    status
}

/// `touch FILE...`: creates missing files (times are not tracked beyond writes).
pub fn touch(args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let (_, ops) = flags_and_operands(args);
    if ops.is_empty() {
        return try_help("touch", "missing file operand", io);
    }
    let mut status = 0;
    for f in &ops {
        let abs = io.vfs.resolve(io.cwd, f);
        if io.vfs.is_dir(&abs) {
            continue;
        }
        if let Err(e) = io.vfs.append(&abs, "") {
            io.out.stderr(format!("touch: cannot touch '{f}': {e}\n"));
            status = 1;
        }
    }
    status
}

/// `tee [-a] FILE...`.
pub fn tee(args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let (flags, ops) = flags_and_operands(args);
    let text = io.stdin.to_string();
    let mut status = 0;
    for f in &ops {
        let abs = io.vfs.resolve(io.cwd, f);
        let r = if flags.contains('a') {
            io.vfs.append(&abs, &text)
        } else {
            io.vfs.write(&abs, &text)
        };
        if let Err(e) = r {
            io.out.stderr(format!("tee: {f}: {e}\n"));
            status = 1;
        }
    }
    io.out.stdout(text);
    status
}

/// `ls [-l] [-a] [-1|-C] [-d] [PATH...]`. Like GNU ls, names go in columns only when standard
/// output is a terminal and one per line otherwise (`ls | wc -l`, `x=$(ls)`, `ls > f`); the
/// last of `-1` and `-C` overrides that.
pub fn ls(args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let (flags, mut ops) = flags_and_operands(args);
    let long = flags.contains('l');
    let all = flags.contains('a');
    let one = match flags.rfind(['1', 'C']) {
        Some(i) => flags.as_bytes()[i] == b'1',
        None => !io.out.to_terminal,
    };
    if ops.is_empty() {
        ops.push(".".into());
    }
    let mut status = 0;
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for o in &ops {
        let abs = io.vfs.resolve(io.cwd, o);
        if !io.vfs.exists(&abs) {
            io.out.stderr(format!(
                "ls: cannot access '{o}': No such file or directory\n"
            ));
            status = 2;
        } else if io.vfs.is_dir(&abs) && !flags.contains('d') {
            dirs.push((o.clone(), abs));
        } else {
            files.push((o.clone(), abs));
        }
    }
    files.sort();
    dirs.sort();
    let mut sections = Vec::new();
    if !files.is_empty() {
        sections.push(render(io, &files, long, one, false));
    }
    let titled = ops.len() > 1;
    for (name, abs) in &dirs {
        let mut entries: Vec<(String, String)> = Vec::new();
        if all {
            entries.push((".".into(), abs.clone()));
            entries.push(("..".into(), io.vfs.resolve(abs, "..")));
        }
        for n in io.vfs.list(abs).unwrap_or_default() {
            if n.starts_with('.') && !all {
                continue;
            }
            entries.push((n.clone(), io.vfs.resolve(abs, &n)));
        }
        let body = render(io, &entries, long, one, true);
        sections.push(if titled {
            format!("{name}:\n{body}")
        } else {
            body
        });
    }
    io.out.stdout(sections.join("\n"));
    status
}

fn render(
    io: &CommandIo<'_>,
    entries: &[(String, String)],
    long: bool,
    one: bool,
    total: bool,
) -> String {
    if long {
        let metas: Vec<_> = entries
            .iter()
            .map(|(_, abs)| io.vfs.metadata(abs).ok())
            .collect();
        let width = metas
            .iter()
            .flatten()
            .map(|m| m.len.to_string().len())
            .max()
            .unwrap_or(1);
        let mut s = String::new();
        if total {
            let blocks: usize = metas
                .iter()
                .flatten()
                .map(|m| {
                    if m.len == 0 {
                        0
                    } else {
                        m.len.div_ceil(4096) * 4
                    }
                })
                .sum();
            s.push_str(&format!("total {blocks}\n"));
        }
        for ((name, _), m) in entries.iter().zip(metas) {
            let Some(m) = m else { continue };
            let mode = if m.is_dir { "drwxr-xr-x" } else { "-rw-r--r--" };
            let links = if m.is_dir { 2 } else { 1 };
            // Like GNU ls: the time for files from the last six months, the year otherwise.
            let recent = io.vfs.now_ms().saturating_sub(m.mtime_ms) < 183 * 86_400_000;
            let fmt = if recent { "%b %e %H:%M" } else { "%b %e  %Y" };
            let date = super::sys::format_date((m.mtime_ms / 1000) as i64, fmt);
            s.push_str(&format!(
                "{mode} {links} root root {:>width$} {date} {name}\n",
                m.len
            ));
        }
        return s;
    }
    if entries.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    if one {
        format!("{}\n", names.join("\n"))
    } else {
        format!("{}\n", names.join("  "))
    }
}
