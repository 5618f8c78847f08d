//! The bash subset: parsing, expansion, pipelines, redirections, control flow and builtins.
//!
//! Commands bash does not know itself (kubectl, curl, ssh, vi, ...) are handed to a [`Host`].
//!
//! Layout: [`parser`] turns text into the tree of [`ast`]; `interp.rs` runs it (pipelines,
//! redirections, loops), `expand.rs` expands words, [`builtins`] holds the shell builtins and
//! the coreutils, [`vfs`] the files, [`complete`] tab completion. Every sandbox limit (loop
//! iterations, nesting, output, file sizes) stops with a message that names it.

pub mod arith;
pub mod ast;
pub mod builtins;
pub mod complete;
mod expand;
mod interp;
pub mod parser;
pub mod pattern;
pub mod regex;
#[cfg(test)]
mod tests;
pub mod vfs;

use crate::output::Output;
use interp::{Ctl, Ctx, Input, Shell};
pub use interp::{MAX_COMMANDS, MAX_EXEC_DEPTH, MAX_LOOP_ITERATIONS, MAX_OUTPUT_BYTES};
pub use vfs::{FsError, Vfs};

/// What a command sees while it runs.
pub struct CommandIo<'a> {
    /// Standard input (from a pipe, a heredoc or `< file`); empty when none.
    pub stdin: &'a str,
    /// Where the command writes; bash routes it afterwards (pipe, redirection, terminal).
    pub out: &'a mut Output,
    /// The virtual filesystem (home directory of the learner's machine).
    pub vfs: &'a mut Vfs,
    /// Current working directory, absolute.
    pub cwd: &'a str,
    /// Exported environment variables visible to the command.
    pub env: &'a std::collections::BTreeMap<String, String>,
}

/// The world outside bash: the simulated cluster and the commands that talk to it.
pub trait Host {
    /// Runs a command bash does not implement itself. Returns `None` when there is no such
    /// command (bash then prints `bash: NAME: command not found` and sets status 127).
    fn exec(&mut self, argv: &[String], io: &mut CommandIo<'_>) -> Option<i32>;
    /// Advances simulated time (`sleep`, `watch`).
    fn sleep(&mut self, ms: u64);
    /// Simulated wall clock in milliseconds since the Unix epoch (`date`).
    fn now_unix_ms(&self) -> u64;
    /// Host name of the machine the shell runs on (prompt, `hostname`).
    fn hostname(&self) -> String;
    /// Sets (or clears) the simulated time, in Unix milliseconds, at which `timeout` stops
    /// the command it runs: `sleep` and commands that wait (`kubectl get -w`) end there.
    fn set_deadline(&mut self, _deadline_unix_ms: Option<u64>) {}
}

/// A bash session: variables, aliases, working directory, history and the files of the
/// learner's machine.
pub struct Bash {
    sh: Shell,
    vfs: Vfs,
    history: Vec<String>,
    exited: Option<i32>,
    completion_words: Vec<String>,
    /// Whether the shell's standard output is a terminal (see [`Bash::set_tty`]).
    tty: bool,
}

impl Default for Bash {
    fn default() -> Self {
        Self::new()
    }
}

impl Bash {
    /// A fresh shell in `/root` (`HOME=/root`) with `alias k=kubectl` and an empty home.
    pub fn new() -> Bash {
        Bash {
            sh: Shell::new(),
            vfs: Vfs::new(),
            history: Vec::new(),
            exited: None,
            completion_words: Vec::new(),
            tty: false,
        }
    }

    /// Tells the shell its standard output is a terminal (a person at the page or an
    /// interactive `kubarium shell`, `ssh` and `kubectl exec -it` sessions from there, a
    /// container started with `kubectl exec -t`), so commands writing straight to it behave as
    /// on a terminal (`ls` prints columns); in a pipe, a redirection or `$(...)` they do not.
    pub fn set_tty(&mut self, tty: bool) {
        self.tty = tty;
    }

    /// The working directory as the prompt shows it: `~`, `~/dir`, or absolute.
    pub fn display_cwd(&self) -> String {
        let cwd = &self.sh.cwd;
        if cwd == "/root" {
            "~".into()
        } else if let Some(rest) = cwd.strip_prefix("/root/") {
            format!("~/{rest}")
        } else {
            cwd.clone()
        }
    }

    /// The working directory, absolute.
    pub fn cwd(&self) -> &str {
        &self.sh.cwd
    }

    /// False while the input needs more lines: open quote, heredoc, `do` without `done`,
    /// `if` without `fi`, trailing `|`, `&&`, `||` or `\`.
    pub fn is_complete(&self, input: &str) -> bool {
        parser::is_complete(input, &self.sh.aliases)
    }

    /// Runs every command of `input` (one or more lines) and returns what they printed and
    /// the status of the last one. The input is recorded in the history.
    pub fn run(&mut self, input: &str, host: &mut dyn Host) -> (Output, i32) {
        self.record_history(input);
        let mut out = Output::new();
        out.to_terminal = self.tty;
        let mut status = self.sh.last_status;
        let mut cx = Ctx {
            host,
            vfs: &mut self.vfs,
            history: &self.history,
            depth: 0,
            commands: 0,
            bytes: 0,
        };
        let mut rest = input.to_string();
        while !rest.trim().is_empty() && self.exited.is_none() {
            match parser::parse_line(&rest, &self.sh.aliases) {
                Err(e) => {
                    out.stderr(e.message());
                    status = 2;
                    self.sh.last_status = 2;
                    break;
                }
                Ok((list, r)) => {
                    let progressed = r.len() < rest.len();
                    rest = r;
                    let mut none = Input::default();
                    status = match self.sh.run_list(&mut cx, &list, &mut none, &mut out) {
                        Ok(s) | Err(Ctl::Abort(s)) => s,
                        Err(Ctl::Exit(n)) => {
                            self.exited = Some(n);
                            n
                        }
                        Err(Ctl::Break(_)) | Err(Ctl::Continue(_)) => 0,
                        Err(Ctl::Return(_)) => {
                            out.stderr("bash: return: can only `return' from a function or sourced script\n");
                            1
                        }
                        Err(Ctl::Fatal) => {
                            self.sh.last_status = 1;
                            return (out, 1);
                        }
                    };
                    self.sh.last_status = status;
                    if !progressed {
                        break;
                    }
                }
            }
        }
        (out, status)
    }

    fn record_history(&mut self, input: &str) {
        let entry = input.trim_end_matches(['\n', '\r']);
        if entry.trim().is_empty() || entry.starts_with(' ') {
            return;
        }
        if self.history.last().map(String::as_str) == Some(entry) {
            return;
        }
        self.history.push(entry.to_string());
    }

    /// `Some(code)` once `exit [N]` ran.
    pub fn exited(&self) -> Option<i32> {
        self.exited
    }

    /// Commands typed so far, oldest first.
    pub fn history(&self) -> &[String] {
        &self.history
    }

    /// Tab-completion candidates for the word at `cursor` (a byte offset into `line`): each
    /// candidate replaces the whole word. Command names in command position, otherwise file
    /// names from the filesystem plus the words given to [`Bash::set_completion_words`].
    pub fn complete(&self, line: &str, cursor: usize) -> Vec<String> {
        complete::candidates(self, line, cursor)
    }

    /// Extra words offered by [`Bash::complete`] in argument position (kubectl verbs,
    /// resource names, ...). Replaces the previous set.
    pub fn set_completion_words(&mut self, words: Vec<String>) {
        self.completion_words = words;
    }

    /// The files of the learner's machine.
    pub fn vfs(&self) -> &Vfs {
        &self.vfs
    }

    /// The files, mutably (the editor saves through this).
    pub fn vfs_mut(&mut self) -> &mut Vfs {
        &mut self.vfs
    }

    /// Sets the status `$?` shows next: a command whose session outlived its line (`kubectl
    /// run -it`, whose status is known when the attached shell exits) ended with it.
    pub fn set_last_status(&mut self, status: i32) {
        self.sh.last_status = status;
    }

    /// A variable's value, if set.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.sh.vars.get(name).map(String::as_str)
    }
}
