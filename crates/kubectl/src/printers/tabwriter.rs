//! Go's text/tabwriter as kubectl configures it (minwidth 6, tabwidth 4, padding 3, pad char
//! ' ', no flags that change layout): tab-terminated cells are aligned in columns; the last cell
//! of a line is never padded. Widths count runes, as Go does.

pub const MIN_WIDTH: usize = 6;
pub const PADDING: usize = 3;

/// Aligns `text` (lines of `\t`-separated cells) the way kubectl's tabwriter flushes it.
pub fn align(text: &str) -> String {
    align_with(text, MIN_WIDTH, PADDING)
}

/// Aligns with other settings (describe uses minwidth 0, padding 2).
pub fn align_with(text: &str, min_width: usize, padding: usize) -> String {
    let lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    let mut out = String::with_capacity(text.len() * 2);
    let mut widths: Vec<usize> = Vec::new();
    let cfg = Cfg { min_width, padding };
    format_block(&cfg, &lines, 0, lines.len(), &mut widths, &mut out);
    out
}

struct Cfg {
    min_width: usize,
    padding: usize,
}

fn width_of(s: &str) -> usize {
    s.chars().count()
}

// Mirrors tabwriter.(*Writer).format: a column block is a run of consecutive lines that have a
// tab-terminated cell in that column; each block gets its own width.
fn format_block(cfg: &Cfg, lines: &[Vec<&str>], line0: usize, line1: usize, widths: &mut Vec<usize>, out: &mut String) {
    let column = widths.len();
    let mut start = line0;
    let mut this = line0;
    while this < line1 {
        let cells = lines.get(this).map(|l| l.len()).unwrap_or(0);
        if column + 1 >= cells {
            this += 1;
            continue;
        }
        write_lines(lines, start, this, widths, out);
        start = this;
        let mut width = cfg.min_width;
        while this < line1 {
            let Some(line) = lines.get(this) else { break };
            if column + 1 >= line.len() {
                break;
            }
            let w = line.get(column).map(|c| width_of(c)).unwrap_or(0) + cfg.padding;
            if w > width {
                width = w;
            }
            this += 1;
        }
        widths.push(width);
        format_block(cfg, lines, start, this, widths, out);
        widths.pop();
        start = this;
    }
    write_lines(lines, start, line1, widths, out);
}

fn write_lines(lines: &[Vec<&str>], from: usize, to: usize, widths: &[usize], out: &mut String) {
    for i in from..to {
        let Some(line) = lines.get(i) else { continue };
        for (j, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if j + 1 < line.len() {
                if let Some(w) = widths.get(j) {
                    let pad = w.saturating_sub(width_of(cell));
                    out.extend(std::iter::repeat_n(' ', pad));
                }
            }
        }
        if i + 1 < lines.len() {
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_get_max_width_plus_padding_and_minimum_six() {
        let got = align("NAME\tREADY\tAGE\nweb-1\t1/1\t5s\nx\t0/1\t10m\n");
        assert_eq!(got, "NAME    READY   AGE\nweb-1   1/1     5s\nx       0/1     10m\n");
    }

    #[test]
    fn last_cell_is_not_padded_and_short_columns_use_min_width() {
        assert_eq!(align("a\tb\n"), "a     b\n");
        assert_eq!(align("a\tb\tc\n"), "a     b     c\n");
    }

    #[test]
    fn widths_count_runes_not_bytes() {
        assert_eq!(align("é\tx\nab\ty\n"), "é     x\nab    y\n");
    }

    #[test]
    fn lines_without_cells_split_column_blocks() {
        assert_eq!(align("aaaaaaaaa\tb\n\nc\td\n"), "aaaaaaaaa   b\n\nc     d\n");
    }
}
