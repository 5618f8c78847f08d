//! Commands bash runs itself: shell builtins (`shell.rs`) and the coreutils the seeds use,
//! written to print GNU's texts: files (`fs.rs`), text filters (`text.rs`), `test`/`[`
//! (`test.rs`) and the clock and system ones (`sys.rs`).

pub mod fs;
pub mod sed;
pub mod shell;
pub mod sys;
pub mod test;
pub mod text;
pub mod timeout;

use super::{CommandIo, Host};

/// Utilities implemented here, by name.
pub const UTILITIES: &[&str] = &[
    "[", "base64", "cat", "clear", "cp", "cut", "date", "echo", "env", "false", "grep", "head",
    "hostname", "ls", "mkdir", "mv", "printenv", "printf", "rm", "rmdir", "sed", "seq", "sleep",
    "sort", "tail", "tee", "test", "timeout", "touch", "tr", "true", "uniq", "wc", "which",
    "whoami",
];

/// Commands the host usually provides (for `which`, `type` and completion).
pub const HOST_COMMANDS: &[&str] = &[
    "kubectl",
    "curl",
    "ssh",
    "vi",
    "vim",
    "nslookup",
    "iptables",
    "ipvsadm",
    "ip",
    "etcdctl",
    "ping",
    "crictl",
    "systemctl",
    "journalctl",
    "kubeadm",
    "arp",
    "netstat",
];

/// Runs a utility; `None` when `name` is not one of [`UTILITIES`].
pub fn run_utility(
    name: &str,
    args: &[String],
    io: &mut CommandIo<'_>,
    host: &mut dyn Host,
) -> Option<i32> {
    Some(match name {
        "true" => 0,
        "false" => 1,
        "echo" => text::echo(args, io),
        "printf" => text::printf(args, io),
        "cat" => fs::cat(args, io),
        "cp" => fs::cp(args, io),
        "mv" => fs::mv(args, io),
        "rm" => fs::rm(args, io),
        "rmdir" => fs::rmdir(args, io),
        "ls" => fs::ls(args, io),
        "mkdir" => fs::mkdir(args, io),
        "touch" => fs::touch(args, io),
        "tee" => fs::tee(args, io),
        "grep" => text::grep(args, io),
        "sed" => sed::sed(args, io),
        "wc" => text::wc(args, io),
        "sort" => text::sort(args, io),
        "uniq" => text::uniq(args, io),
        "head" => text::head_tail(args, io, true),
        "tail" => text::head_tail(args, io, false),
        "cut" => text::cut(args, io),
        "tr" => text::tr(args, io),
        "base64" => text::base64(args, io),
        "seq" => text::seq(args, io),
        "test" => test::run(args, io, false),
        "[" => test::run(args, io, true),
        "sleep" => sys::sleep(args, io, host),
        "timeout" => timeout::run(args, io, host),
        "date" => sys::date(args, io, host),
        "hostname" => {
            io.out.stdout(format!("{}\n", host.hostname()));
            0
        }
        "whoami" => {
            io.out.stdout("root\n");
            0
        }
        "clear" => {
            io.out.stdout("\x1b[H\x1b[2J");
            0
        }
        "env" | "printenv" => sys::env(name, args, io),
        "which" => sys::which(args, io),
        _ => return None,
    })
}

/// True for utilities that read their standard input (so a `while read` loop does not see
/// it again).
pub fn reads_stdin(name: &str) -> bool {
    matches!(
        name,
        "cat"
            | "grep"
            | "sed"
            | "wc"
            | "sort"
            | "uniq"
            | "head"
            | "tail"
            | "cut"
            | "tr"
            | "base64"
            | "tee"
    )
}

/// Where `which` finds a command, if it exists.
pub fn command_path(name: &str) -> Option<String> {
    if matches!(name, "iptables" | "ipvsadm" | "ip" | "arp") {
        return Some(format!("/usr/sbin/{name}"));
    }
    if UTILITIES.contains(&name) || HOST_COMMANDS.contains(&name) {
        return Some(format!("/usr/bin/{name}"));
    }
    None
}

/// Reads a file operand (`-` is standard input) and prints `PROG: NAME: ERROR` on failure.
pub(crate) fn read_operand(prog: &str, name: &str, io: &mut CommandIo<'_>) -> Option<String> {
    if name == "-" {
        return Some(io.stdin.to_string());
    }
    let abs = io.vfs.resolve(io.cwd, name);
    match io.vfs.read(&abs) {
        Ok(t) => Some(t),
        Err(e) => {
            io.out.stderr(format!("{prog}: {name}: {e}\n"));
            None
        }
    }
}

/// Splits text into lines without their newlines (a last line without one still counts).
pub(crate) fn lines_of(text: &str) -> Vec<&str> {
    let t = text.strip_suffix('\n').unwrap_or(text);
    if text.is_empty() {
        Vec::new()
    } else {
        t.split('\n').collect()
    }
}
