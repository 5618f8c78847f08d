//! What a command prints: an ordered list of chunks on stdout or stderr.
//!
//! Order matters: a terminal (and a scenario test) shows stdout and stderr interleaved in the
//! order they were written, so a command's output is kept as one sequence of chunks.

/// The stream a chunk was written to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Output of one or more commands, in the order written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    pub chunks: Vec<(Stream, String)>,
    /// True when what is written here goes straight to a terminal (C's `isatty(1)` for the
    /// command writing it): not into a pipe, a redirection or `$(...)`. `ls` prints columns
    /// only then, one name per line otherwise.
    pub to_terminal: bool,
}

impl Output {
    pub fn new() -> Self {
        Self::default()
    }
    /// Appends text to stdout (merging with a previous stdout chunk).
    pub fn stdout(&mut self, text: impl AsRef<str>) {
        self.push(Stream::Stdout, text.as_ref());
    }
    /// Appends text to stderr (merging with a previous stderr chunk).
    pub fn stderr(&mut self, text: impl AsRef<str>) {
        self.push(Stream::Stderr, text.as_ref());
    }
    pub fn push(&mut self, stream: Stream, text: &str) {
        if text.is_empty() {
            return;
        }
        match self.chunks.last_mut() {
            Some((s, t)) if *s == stream => t.push_str(text),
            _ => self.chunks.push((stream, text.to_string())),
        }
    }
    /// Appends all chunks of another output.
    pub fn extend(&mut self, other: Output) {
        for (s, t) in other.chunks {
            self.push(s, &t);
        }
    }
    /// Everything written to stdout, concatenated.
    pub fn stdout_text(&self) -> String {
        self.text_of(Stream::Stdout)
    }
    /// Everything written to stderr, concatenated.
    pub fn stderr_text(&self) -> String {
        self.text_of(Stream::Stderr)
    }
    /// stdout and stderr interleaved as a terminal shows them.
    pub fn combined(&self) -> String {
        self.chunks.iter().map(|(_, t)| t.as_str()).collect()
    }
    fn text_of(&self, stream: Stream) -> String {
        self.chunks
            .iter()
            .filter(|(s, _)| *s == stream)
            .map(|(_, t)| t.as_str())
            .collect()
    }
}
