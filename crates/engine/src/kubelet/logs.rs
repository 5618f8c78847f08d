//! Container logs: what a container wrote to stdout and stderr, line by line with the
//! simulated instant of each line (for `kubectl logs --since` and `--timestamps`).

use crate::sim::SimTime;
use std::collections::VecDeque;

/// Lines kept per container; older ones are dropped, as log rotation would.
pub const MAX_LOG_LINES: usize = 10_000;

/// One line of output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub at: SimTime,
    pub text: String,
}

/// The log of one container instance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainerLog {
    lines: VecDeque<LogLine>,
    /// Lines dropped because of the cap.
    pub dropped: u64,
}

impl ContainerLog {
    /// Appends one line (without its newline).
    pub fn push(&mut self, at: SimTime, text: impl Into<String>) {
        if self.lines.len() == MAX_LOG_LINES {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back(LogLine {
            at,
            text: text.into(),
        });
    }
    /// Appends text that may hold several lines; a trailing newline ends the last line.
    pub fn push_text(&mut self, at: SimTime, text: &str) {
        let body = text.strip_suffix('\n').unwrap_or(text);
        for l in body.split('\n') {
            self.push(at, l);
        }
    }
    /// The lines, oldest first.
    pub fn lines(&self) -> impl Iterator<Item = &LogLine> {
        self.lines.iter()
    }
    pub fn len(&self) -> usize {
        self.lines.len()
    }
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
    /// The whole log as `kubectl logs` prints it: every line followed by a newline.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for l in &self.lines {
            s.push_str(&l.text);
            s.push('\n');
        }
        s
    }
    /// The last line, if any (termination messages, probes).
    pub fn last(&self) -> Option<&LogLine> {
        self.lines.back()
    }
}

/// Why `kubectl logs` cannot show a log; the messages are the API server's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LogsError {
    /// `container "x" in pod "p" is waiting to start: ContainerCreating`
    #[error("container {container:?} in pod {pod:?} is waiting to start: {reason}")]
    WaitingToStart {
        container: String,
        pod: String,
        reason: String,
    },
    /// `previous terminated container "x" in pod "p" not found`
    #[error("previous terminated container {container:?} in pod {pod:?} not found")]
    NoPrevious { container: String, pod: String },
    /// `container x is not valid for pod p`
    #[error("container {container} is not valid for pod {pod}")]
    NoSuchContainer { container: String, pod: String },
    /// The pod is not (or no longer) known to the kubelet.
    #[error("pods {pod:?} not found")]
    PodNotFound { pod: String },
}
