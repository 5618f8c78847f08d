//! Tab completion: command names in command position, file names elsewhere.

use super::builtins::{shell::SHELL_BUILTINS, HOST_COMMANDS, UTILITIES};
use super::Bash;

/// Characters that end a word for completion purposes.
fn is_break(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | ';' | '|' | '&' | '(' | ')' | '<' | '>' | '`'
    )
}

/// Candidates for the word ending at `cursor`, sorted and without duplicates.
pub fn candidates(bash: &Bash, line: &str, cursor: usize) -> Vec<String> {
    let mut cursor = cursor.min(line.len());
    while !line.is_char_boundary(cursor) {
        cursor -= 1;
    }
    let before = &line[..cursor];
    let start = before.rfind(is_break).map(|i| i + 1).unwrap_or(0);
    let prefix = &before[start..];
    let head = before[..start].trim_end();
    let command_position = head.is_empty()
        || head.ends_with(['|', ';', '&', '(', '`'])
        || head.ends_with("$(")
        || ["then", "do", "else", "sudo", "watch", "xargs", "time", "!"]
            .iter()
            .any(|w| head == *w || head.ends_with(&format!(" {w}")));
    let mut out: Vec<String> = Vec::new();
    if command_position && !prefix.contains('/') {
        let names = SHELL_BUILTINS
            .iter()
            .chain(UTILITIES.iter())
            .chain(HOST_COMMANDS.iter())
            .map(|s| s.to_string())
            .chain(bash.sh.aliases.keys().cloned())
            .chain(bash.sh.functions.keys().cloned())
            .chain(
                [
                    "if", "for", "while", "until", "case", "exit", "watch", "xargs", "alias",
                ]
                .iter()
                .map(|s| s.to_string()),
            );
        out.extend(names.filter(|n| n.starts_with(prefix)));
    } else {
        out.extend(
            bash.completion_words
                .iter()
                .filter(|w| w.starts_with(prefix))
                .cloned(),
        );
        let (dir_part, base) = match prefix.rfind('/') {
            Some(i) => (&prefix[..=i], &prefix[i + 1..]),
            None => ("", prefix),
        };
        let dir_abs = bash.vfs.resolve(
            &bash.sh.cwd,
            if dir_part.is_empty() { "." } else { dir_part },
        );
        if let Ok(names) = bash.vfs.list(&dir_abs) {
            for n in names {
                if !n.starts_with(base) || (n.starts_with('.') && !base.starts_with('.')) {
                    continue;
                }
                let full = bash.vfs.resolve(&dir_abs, &n);
                let slash = if bash.vfs.is_dir(&full) { "/" } else { "" };
                out.push(format!("{dir_part}{n}{slash}"));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}
