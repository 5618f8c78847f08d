//! kubectl's default table (`cli-runtime/pkg/printers/tableprinter.go`): upper-cased headers,
//! tab-separated cells aligned by [`super::tabwriter`], nothing at all when there are no rows.
//!
//! Cells are sanitised as kubectl does before they reach the tabwriter: a value is cut at its
//! first line break (`\n`, `\r` or form feed) and `...` appended, and an escape character is
//! shown as `^[` so object data cannot drive the terminal.

pub use super::duration::{
    human_duration, human_duration_signed, parse_rfc3339_ms, short_human_duration,
    translate_timestamp_since,
};
use super::tabwriter::align;

/// Renders a table as `kubectl get` prints it. Headers are upper-cased (kubectl upper-cases
/// column names); with no rows the result is empty (kubectl then says "No resources found"
/// on stderr, which is the caller's business); `no_headers` is `--no-headers`.
///
/// ```text
/// NAME    READY   STATUS    RESTARTS   AGE
/// web-1   1/1     Running   0          5m
/// ```
pub fn render(headers: &[String], rows: &[Vec<String>], no_headers: bool) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut text = String::new();
    if !no_headers {
        let upper: Vec<String> = headers.iter().map(|h| h.to_uppercase()).collect();
        text.push_str(&upper.join("\t"));
        text.push('\n');
    }
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell_text(c)).collect();
        text.push_str(&cells.join("\t"));
        text.push('\n');
    }
    align(&text)
}

/// One cell as kubectl writes it: cut at the first `\f`, `\n` or `\r` with `...` appended,
/// and `ESC` shown as `^[`.
pub fn cell_text(value: &str) -> String {
    match value.find(['\u{c}', '\n', '\r']) {
        Some(i) => format!("{}...", escape_terminal(&value[..i])),
        None => escape_terminal(value),
    }
}

/// kubectl's `EscapeTerminal`: `ESC` becomes `^[` and a carriage return `\r`.
pub fn escape_terminal(value: &str) -> String {
    value.replace('\u{1b}', "^[").replace('\r', "\\r")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn get_pods_table() {
        let headers = s(&["Name", "Ready", "Status", "Restarts", "Age"]);
        let rows = vec![
            s(&["web-7d4b9c8f5-abcde", "1/1", "Running", "0", "5m"]),
            s(&["db-0", "0/1", "CrashLoopBackOff", "12 (3m ago)", "2d3h"]),
        ];
        assert_eq!(
            render(&headers, &rows, false),
            "\
NAME                  READY   STATUS             RESTARTS      AGE
web-7d4b9c8f5-abcde   1/1     Running            0             5m
db-0                  0/1     CrashLoopBackOff   12 (3m ago)   2d3h
"
        );
    }

    #[test]
    fn no_headers_aligns_rows_only() {
        let rows = vec![s(&["a", "Running"]), s(&["bbbbbbbb", "Pending"])];
        assert_eq!(
            render(&s(&["NAME", "STATUS"]), &rows, true),
            "a          Running\nbbbbbbbb   Pending\n"
        );
    }

    #[test]
    fn no_rows_prints_nothing() {
        assert_eq!(render(&s(&["NAME"]), &[], false), "");
    }

    #[test]
    fn empty_cells_keep_their_column() {
        let rows = vec![s(&["svc", "", "80/TCP"])];
        assert_eq!(
            render(&s(&["NAME", "EXTERNAL-IP", "PORT(S)"]), &rows, false),
            "NAME   EXTERNAL-IP   PORT(S)\nsvc                  80/TCP\n"
        );
    }

    #[test]
    fn multi_line_and_escape_cells_are_sanitised() {
        assert_eq!(cell_text("first line\nsecond"), "first line...");
        assert_eq!(cell_text("a\rb"), "a...");
        assert_eq!(cell_text("\u{1b}[31mred"), "^[[31mred");
        let rows = vec![s(&["x", "line1\nline2"])];
        assert_eq!(
            render(&s(&["NAME", "MESSAGE"]), &rows, false),
            "NAME   MESSAGE\nx      line1...\n"
        );
    }

    #[test]
    fn age_helpers_are_reachable_from_the_table() {
        assert_eq!(human_duration(125_000), "2m5s");
        assert_eq!(translate_timestamp_since(None, 0), "<unknown>");
    }
}
