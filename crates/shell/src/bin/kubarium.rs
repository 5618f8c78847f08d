//! `kubarium shell [--preset NAME] [--seed N]`: the Kubarium terminal without a browser.
//!
//! From a pipe or a file, the script runs against a fresh cluster: each command's stdout and
//! stderr go to this process's stdout and stderr, no prompt is printed, and the exit status is
//! that of the last command. From a terminal it is interactive, with a prompt.

use kubarium_shell::{Session, SessionOptions, Stream};
use std::io::{BufRead, IsTerminal, Read, Write};

/// mimalloc: see crates/shell/Cargo.toml.
#[cfg(not(target_family = "wasm"))]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "Usage: kubarium shell [--preset vagrant|academy|cka|aws|gcp] [--seed N]\n";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match parse_args(&args) {
        Ok(opts) => run(opts),
        Err(msg) => {
            eprint!("kubarium: {msg}\n{USAGE}");
            2
        }
    };
    std::process::exit(code);
}

fn parse_args(args: &[String]) -> Result<SessionOptions, String> {
    let mut opts = SessionOptions::default();
    let mut it = args.iter();
    match it.next().map(String::as_str) {
        Some("shell") => {}
        Some("--help") | Some("-h") | None => return Err("a command is required".into()),
        Some(other) => return Err(format!("unknown command {other:?}")),
    }
    while let Some(a) = it.next() {
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (a.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name {
            "--preset" => opts.preset = value()?,
            "--seed" => {
                opts.seed = value()?
                    .parse()
                    .map_err(|_| "--seed needs a number".to_string())?
            }
            other => return Err(format!("unknown flag {other:?}")),
        }
    }
    Ok(opts)
}

fn run(opts: SessionOptions) -> i32 {
    if std::io::stdin().is_terminal() {
        return interactive(opts);
    }
    let mut script = String::new();
    if std::io::stdin().read_to_string(&mut script).is_err() {
        eprintln!("kubarium: standard input is not valid UTF-8");
        return 2;
    }
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut sink = |s: Stream, t: &str| {
        let _ = match s {
            Stream::Stdout => stdout.lock().write_all(t.as_bytes()),
            Stream::Stderr => {
                let _ = stdout.lock().flush();
                stderr.lock().write_all(t.as_bytes())
            }
        };
    };
    match kubarium_shell::run_script(&script, &opts, &mut sink) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("kubarium: {msg}");
            2
        }
    }
}

fn interactive(opts: SessionOptions) -> i32 {
    let mut session = match Session::new(&opts) {
        Ok(s) => s,
        Err(msg) => {
            eprintln!("kubarium: {msg}");
            return 2;
        }
    };
    session.set_tty(true);
    let stdin = std::io::stdin();
    let mut status = 0;
    let mut pending = String::new();
    loop {
        print!(
            "{}",
            if pending.is_empty() {
                session.prompt()
            } else {
                "> ".to_string()
            }
        );
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        match stdin.lock().read_line(&mut line) {
            Err(_) => {
                println!();
                return status;
            }
            // Ctrl+D in the middle of a command: bash reports the unfinished command and
            // stays.
            Ok(0) if !pending.is_empty() => {
                let (out, st) = session.run(&pending);
                pending.clear();
                status = st;
                print_output(&out);
                continue;
            }
            // Ctrl+D on an empty line ends the shell reading the terminal: a container's or
            // a node's returns to the learner's shell, the learner's own ends the program.
            Ok(0) => {
                let (out, code) = session.end_of_file();
                print_output(&out);
                match code {
                    Some(code) => return code,
                    None => continue,
                }
            }
            Ok(_) => {}
        }
        pending.push_str(&line);
        if !session.is_complete(&pending) {
            continue;
        }
        let (out, st) = session.run(&pending);
        pending.clear();
        status = st;
        print_output(&out);
        if let Some(code) = session.exited() {
            // `exit` in an interactive login shell.
            eprintln!("logout");
            return code;
        }
    }
}

fn print_output(out: &kubarium_shell::Output) {
    for (s, t) in &out.chunks {
        match s {
            Stream::Stdout => print!("{t}"),
            Stream::Stderr => eprint!("{t}"),
        }
    }
    let _ = std::io::stdout().flush();
}
