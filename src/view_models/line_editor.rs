//! The input line: what readline does for bash. It keeps the lines submitted so far for
//! ↑/↓, remembers the unfinished line while browsing history, and collects the lines of an
//! input that is not complete yet (an open heredoc, quote or loop), shown with the `> `
//! continuation prompt.

/// Prompt of a continuation line (bash's PS2).
pub const CONTINUATION_PROMPT: &str = "> ";

/// State of the input line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineEditor {
    /// Text in the input box.
    pub line: String,
    /// Commands submitted, oldest first (multi-line commands joined with `\n`).
    history: Vec<String>,
    /// Index into `history` while browsing it with ↑/↓.
    cursor: Option<usize>,
    /// The line being typed before ↑ was pressed, restored by ↓ past the newest entry.
    draft: String,
    /// Lines of an incomplete input, each ending in `\n`.
    pending: String,
}

impl LineEditor {
    /// True while earlier lines wait for the rest of an incomplete input.
    pub fn is_continuing(&self) -> bool {
        !self.pending.is_empty()
    }

    pub fn history(&self) -> &[String] {
        &self.history
    }

    /// Replaces the text of the input box (the learner typed).
    pub fn edit(&mut self, line: String) {
        self.line = line;
        self.cursor = None;
    }

    /// The learner pressed Enter: returns the line typed and the whole input so far (earlier
    /// pending lines plus this one, each ending in `\n`, as a script would feed them), and
    /// clears the box. The caller decides whether the input is complete and either runs it
    /// (`finish`) or keeps it for the next line (`continue_with`).
    pub fn take_input(&mut self) -> (String, String) {
        let line = std::mem::take(&mut self.line);
        self.cursor = None;
        self.draft.clear();
        let mut input = std::mem::take(&mut self.pending);
        input.push_str(&line);
        input.push('\n');
        (line, input)
    }

    /// Keeps an incomplete input for the next line.
    pub fn continue_with(&mut self, input: String) {
        self.pending = input;
    }

    /// The input is complete and is being run: record it in history (without its final
    /// newline; blank input and an immediate repeat are not recorded, like `HISTCONTROL=ignoreboth`).
    pub fn finish(&mut self, input: &str) {
        self.pending.clear();
        let command = input.strip_suffix('\n').unwrap_or(input);
        if !command.trim().is_empty() && self.history.last().map(String::as_str) != Some(command) {
            self.history.push(command.to_string());
        }
    }

    /// Ctrl+C: drops the line and any pending lines. Returns what was dropped.
    pub fn cancel(&mut self) -> String {
        self.pending.clear();
        self.cursor = None;
        self.draft.clear();
        std::mem::take(&mut self.line)
    }

    /// ↑: the previous history entry, if any.
    pub fn older(&mut self) {
        let next = match self.cursor {
            None if self.history.is_empty() => return,
            None => {
                self.draft = self.line.clone();
                self.history.len() - 1
            }
            Some(0) => return,
            Some(i) => i - 1,
        };
        self.cursor = Some(next);
        self.line = self.history[next].clone();
    }

    /// ↓: the next history entry, or back to the draft after the newest.
    pub fn newer(&mut self) {
        match self.cursor {
            None => {}
            Some(i) if i + 1 < self.history.len() => {
                self.cursor = Some(i + 1);
                self.line = self.history[i + 1].clone();
            }
            Some(_) => {
                self.cursor = None;
                self.line = std::mem::take(&mut self.draft);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submit(ed: &mut LineEditor, line: &str) -> String {
        ed.edit(line.to_string());
        let (_, input) = ed.take_input();
        ed.finish(&input);
        input
    }

    #[test]
    fn history_up_and_down_restore_the_draft() {
        let mut ed = LineEditor::default();
        submit(&mut ed, "echo one");
        submit(&mut ed, "echo two");
        ed.edit("half typ".into());
        ed.older();
        assert_eq!(ed.line, "echo two");
        ed.older();
        assert_eq!(ed.line, "echo one");
        ed.older();
        assert_eq!(ed.line, "echo one", "stays at the oldest");
        ed.newer();
        assert_eq!(ed.line, "echo two");
        ed.newer();
        assert_eq!(ed.line, "half typ");
    }

    #[test]
    fn blank_and_repeated_commands_are_not_recorded_twice() {
        let mut ed = LineEditor::default();
        submit(&mut ed, "ls");
        submit(&mut ed, "ls");
        submit(&mut ed, "   ");
        assert_eq!(ed.history(), ["ls"]);
    }

    #[test]
    fn continuation_joins_lines() {
        let mut ed = LineEditor::default();
        ed.edit("cat <<EOF".into());
        let (_, input) = ed.take_input();
        ed.continue_with(input);
        assert!(ed.is_continuing());
        ed.edit("hi".into());
        let (_, input) = ed.take_input();
        ed.continue_with(input);
        ed.edit("EOF".into());
        let (line, input) = ed.take_input();
        assert_eq!(line, "EOF");
        assert_eq!(input, "cat <<EOF\nhi\nEOF\n");
        ed.finish(&input);
        assert!(!ed.is_continuing());
        assert_eq!(ed.history(), ["cat <<EOF\nhi\nEOF"]);
    }

    #[test]
    fn cancel_drops_pending_lines() {
        let mut ed = LineEditor::default();
        ed.edit("for i in 1 2; do".into());
        let (_, input) = ed.take_input();
        ed.continue_with(input);
        ed.edit("echo $i".into());
        assert_eq!(ed.cancel(), "echo $i");
        assert!(!ed.is_continuing());
        assert!(ed.line.is_empty());
    }
}
