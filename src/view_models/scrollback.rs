//! The terminal's scrollback: what was typed (with its prompt) and what commands printed.
//!
//! Output is kept as the chunks a command wrote, each tagged with its stream, so stderr can be
//! shown in its own colour. `clear` prints the ANSI sequence `ESC[H ESC[2J`; the scrollback
//! honours it by dropping everything before it, the way a terminal emulator does.

use kubarium_shell::{Output, Stream};
use std::rc::Rc;

/// What a line of the scrollback is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A line the learner typed; `prompt` holds the prompt it was typed at.
    Input,
    Stdout,
    Stderr,
    /// A message from the page itself (session started, shell exited, ...).
    Notice,
}

/// One block of the scrollback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub kind: EntryKind,
    /// The prompt shown before an `Input` entry; empty for other kinds.
    pub prompt: Rc<str>,
    pub text: Rc<str>,
}

/// The sequence `clear` prints (cursor home, erase display).
const ERASE_DISPLAY: &str = "\x1b[2J";

/// The scrollback, bounded to `limit` entries (the oldest are dropped first).
///
/// `version` changes on every modification, so a component can skip re-rendering a
/// scrollback it has already drawn by comparing versions instead of contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scrollback {
    entries: Vec<Entry>,
    version: u64,
    limit: usize,
}

impl Default for Scrollback {
    fn default() -> Self {
        Self::with_limit(5_000)
    }
}

impl Scrollback {
    pub fn with_limit(limit: usize) -> Self {
        Self {
            entries: Vec::new(),
            version: 0,
            limit: limit.max(1),
        }
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Everything shown, as a terminal would show it (prompts included).
    pub fn text(&self) -> String {
        let mut s = String::new();
        for e in &self.entries {
            s.push_str(&e.prompt);
            s.push_str(&e.text);
            if !e.text.ends_with('\n') {
                s.push('\n');
            }
        }
        s
    }

    /// Records a line typed at `prompt`.
    pub fn push_input(&mut self, prompt: &str, line: &str) {
        self.push(Entry {
            kind: EntryKind::Input,
            prompt: prompt.into(),
            text: line.into(),
        });
    }

    /// Records a message of the page.
    pub fn push_notice(&mut self, text: &str) {
        self.push(Entry {
            kind: EntryKind::Notice,
            prompt: "".into(),
            text: text.into(),
        });
    }

    /// Appends what a command printed. A clear-screen sequence anywhere in it drops
    /// everything before it, including earlier chunks of the same output.
    pub fn push_output(&mut self, output: &Output) {
        for (stream, text) in &output.chunks {
            let kind = match stream {
                Stream::Stdout => EntryKind::Stdout,
                Stream::Stderr => EntryKind::Stderr,
            };
            let visible = match text.rfind(ERASE_DISPLAY) {
                Some(at) => {
                    self.clear();
                    &text[at + ERASE_DISPLAY.len()..]
                }
                None => text.as_str(),
            };
            let visible = strip_ansi(visible);
            if !visible.is_empty() {
                self.push(Entry {
                    kind,
                    prompt: "".into(),
                    text: visible.into(),
                });
            }
        }
    }

    /// Empties the scrollback (Ctrl+L, `clear`, Reset).
    pub fn clear(&mut self) {
        self.entries.clear();
        self.version += 1;
    }

    fn push(&mut self, entry: Entry) {
        // Consecutive chunks of one stream read as one block.
        match self.entries.last_mut() {
            Some(last) if last.kind == entry.kind && entry.kind != EntryKind::Input => {
                last.text = format!("{}{}", last.text, entry.text).into();
            }
            _ => self.entries.push(entry),
        }
        if self.entries.len() > self.limit {
            let excess = self.entries.len() - self.limit;
            self.entries.drain(..excess);
        }
        self.version += 1;
    }
}

/// Drops ANSI escape sequences (CSI `ESC [ ... final-byte` and lone `ESC x`): the page draws
/// plain text; colours would come from the stream, not from escapes.
///
/// `"\x1b[1mbold\x1b[0m!"` becomes `"bold!"`.
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        // `ESC [` starts a CSI sequence: parameters, then one final byte in '@'..='~'.
        // Any other `ESC x` is two bytes, both dropped.
        if chars.next() == Some('[') {
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(chunks: &[(Stream, &str)]) -> Output {
        let mut o = Output::new();
        for (s, t) in chunks {
            o.push(*s, t);
        }
        o
    }

    #[test]
    fn keeps_streams_apart_and_in_order() {
        let mut sb = Scrollback::default();
        sb.push_input("root@m-k8s:~# ", "kubectl get po");
        sb.push_output(&output(&[
            (Stream::Stdout, "a\n"),
            (Stream::Stderr, "oops\n"),
            (Stream::Stdout, "b\n"),
        ]));
        let kinds: Vec<_> = sb.entries().iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                EntryKind::Input,
                EntryKind::Stdout,
                EntryKind::Stderr,
                EntryKind::Stdout
            ]
        );
        assert_eq!(sb.text(), "root@m-k8s:~# kubectl get po\na\noops\nb\n");
    }

    #[test]
    fn clear_sequence_drops_what_came_before() {
        let mut sb = Scrollback::default();
        sb.push_input("$ ", "echo old");
        sb.push_output(&output(&[(Stream::Stdout, "old\n")]));
        sb.push_input("$ ", "clear; echo new");
        sb.push_output(&output(&[(Stream::Stdout, "\x1b[H\x1b[2Jnew\n")]));
        assert_eq!(sb.text(), "new\n");
    }

    #[test]
    fn bounded_by_limit() {
        let mut sb = Scrollback::with_limit(2);
        for i in 0..5 {
            sb.push_input("$ ", &format!("echo {i}"));
        }
        assert_eq!(sb.text(), "$ echo 3\n$ echo 4\n");
    }

    #[test]
    fn version_changes_on_every_modification() {
        let mut sb = Scrollback::default();
        let v0 = sb.version();
        sb.push_notice("hello");
        let v1 = sb.version();
        sb.clear();
        assert!(v0 < v1 && v1 < sb.version());
    }

    #[test]
    fn strips_escape_sequences() {
        assert_eq!(strip_ansi("\x1b[1mbold\x1b[0m!"), "bold!");
        assert_eq!(strip_ansi("plain"), "plain");
    }
}
