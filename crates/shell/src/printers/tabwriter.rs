//! Go's `text/tabwriter` as kubectl configures it (`github.com/liggitt/tabwriter`, a fork that
//! adds `RememberWidths`): minwidth 6, tabwidth 4, padding 3, padded with spaces.
//!
//! Input is text whose cells end with a tab. Tab-terminated cells in consecutive lines form a
//! column; each column is as wide as its widest cell plus 3 spaces, and at least 6. The last
//! cell of a line is not part of any column, so it is never padded (no trailing spaces). Widths
//! count characters, not bytes or terminal cells: `한글` is 2 wide.
//!
//! Worked example: cells `NAME`/`web-1234` and `READY`/`1/1` give NAME's column
//! max(4, 8) + 3 = 11 wide, so the header is `NAME       READY` and the row `web-1234   1/1`.
//! A line without any tab ends every column (Go flushes there), and a wider cell further down a
//! column widens the whole column, header included.

/// kubectl's `tabwriterMinWidth`: the narrowest a column gets, padding included.
pub const MIN_WIDTH: usize = 6;
/// kubectl's `tabwriterPadding`: spaces added after the widest cell of a column.
pub const PADDING: usize = 3;

#[derive(Debug, Clone, Default)]
struct Cell {
    text: String,
    width: usize,
}

/// A tabwriter fed with text and flushed at the end, as kubectl's printers use it.
#[derive(Debug, Default)]
struct Writer {
    lines: Vec<Vec<Cell>>,
    cell: Cell,
    widths: Vec<usize>,
    max_widths: Vec<usize>,
    out: String,
}

/// Aligns tab-separated text exactly as kubectl's tabwriter prints it.
pub fn align(text: &str) -> String {
    let mut w = Writer {
        lines: vec![Vec::new()],
        ..Writer::default()
    };
    for ch in text.chars() {
        match ch {
            '\t' | '\u{b}' | '\n' | '\u{c}' => {
                let cell = std::mem::take(&mut w.cell);
                let line = w.lines.last_mut().expect("a line is always open");
                line.push(cell);
                let ncells = line.len();
                if ch == '\n' || ch == '\u{c}' {
                    w.lines.push(Vec::new());
                    if ch == '\u{c}' || ncells == 1 {
                        w.flush();
                    }
                }
            }
            c => {
                w.cell.text.push(c);
                w.cell.width += 1;
            }
        }
    }
    w.flush();
    w.out
}

impl Writer {
    fn flush(&mut self) {
        if !self.cell.text.is_empty() {
            let cell = std::mem::take(&mut self.cell);
            if let Some(line) = self.lines.last_mut() {
                line.push(cell);
            }
        }
        let n = self.lines.len();
        self.format(0, n);
        self.lines = vec![Vec::new()];
        self.widths.clear();
    }

    fn write_lines(&mut self, line0: usize, line1: usize) {
        for i in line0..line1 {
            for (j, c) in self.lines[i].iter().enumerate() {
                self.out.push_str(&c.text);
                if let Some(&w) = self.widths.get(j) {
                    for _ in c.width..w {
                        self.out.push(' ');
                    }
                }
            }
            if i + 1 != self.lines.len() {
                self.out.push('\n');
            }
        }
    }

    /// Go's recursive column-block formatting: find the block of consecutive lines that have a
    /// cell in the next column, size it, and format the columns to its right within it.
    fn format(&mut self, mut line0: usize, line1: usize) {
        let column = self.widths.len();
        let mut this = line0;
        while this < line1 {
            if column + 1 >= self.lines[this].len() {
                this += 1;
                continue;
            }
            self.write_lines(line0, this);
            line0 = this;
            let mut width = MIN_WIDTH;
            while this < line1 {
                let line = &self.lines[this];
                if column + 1 >= line.len() {
                    break;
                }
                width = width.max(line[column].width + PADDING);
                this += 1;
            }
            // RememberWidths: a column never shrinks after a flush.
            if self.max_widths.len() < self.widths.len() {
                let from = self.max_widths.len();
                self.max_widths.extend_from_slice(&self.widths[from..]);
            }
            if self.max_widths.len() == self.widths.len() {
                self.max_widths.push(width);
            } else if self.max_widths[column] > width {
                width = self.max_widths[column];
            } else {
                self.max_widths[column] = width;
            }
            self.widths.push(width);
            self.format(line0, this);
            self.widths.pop();
            line0 = this;
        }
        self.write_lines(line0, line1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_take_the_widest_cell_plus_three() {
        assert_eq!(
            align("NAME\tREADY\tSTATUS\nweb-1234\t1/1\tRunning\n"),
            "NAME       READY   STATUS\nweb-1234   1/1     Running\n"
        );
    }

    #[test]
    fn narrow_columns_get_the_minimum_width_of_six() {
        assert_eq!(align("A\tB\nx\ty\n"), "A     B\nx     y\n");
    }

    #[test]
    fn last_cell_is_never_padded() {
        assert_eq!(
            align("a\tlong-last-cell\nbb\tc\n"),
            "a     long-last-cell\nbb    c\n"
        );
    }

    #[test]
    fn a_line_without_tabs_breaks_the_column_but_widths_are_remembered() {
        assert_eq!(
            align("a\tb\nplain\nlonger-cell\tc\n"),
            "a     b\nplain\nlonger-cell   c\n"
        );
        assert_eq!(
            align("longer-cell\tb\nplain\na\tc\n"),
            "longer-cell   b\nplain\na             c\n"
        );
    }

    #[test]
    fn widths_count_characters_not_bytes() {
        assert_eq!(align("이름\tX\nab\tY\n"), "이름    X\nab    Y\n");
    }

    #[test]
    fn empty_cells_are_padded_too() {
        assert_eq!(align("A\t\tC\n\tb\tc\n"), "A           C\n      b     c\n");
    }
}
