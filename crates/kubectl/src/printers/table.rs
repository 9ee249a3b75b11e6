//! The human-readable table: what the API server's Table carries (column definitions with
//! priorities, rows with cells and their objects) and how kubectl's table printer decorates and
//! prints it (cli-runtime pkg/printers/tableprinter.go).

use super::tabwriter;
use super::util::{format_labels, s, scalar_string};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// As upstream defines it (`Up-to-date`); printed upper-cased.
    pub name: String,
    /// 0 = always shown; other values only with `-o wide`.
    pub priority: i64,
    /// True for the column whose format is `name` (gets the `kind/` prefix).
    pub is_name: bool,
}

impl Column {
    pub fn new(name: &str, priority: i64) -> Self {
        Column {
            name: name.to_string(),
            priority,
            is_name: false,
        }
    }
    pub fn name_column(name: &str) -> Self {
        Column {
            name: name.to_string(),
            priority: 0,
            is_name: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// `None` prints as an empty cell (a nil cell upstream).
    pub cells: Vec<Option<String>>,
    pub object: Value,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

/// How kubectl decorates and prints a table (printers.PrintOptions).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableOptions {
    pub wide: bool,
    pub no_headers: bool,
    pub with_namespace: bool,
    /// `Kind.group` lower-cased for the NAME prefix, set when several kinds are printed.
    pub kind_prefix: Option<String>,
    pub show_labels: bool,
    /// `-L` keys.
    pub column_labels: Vec<String>,
}

/// `-L a/b` column header: the last path segment, upper-cased.
fn label_header(key: &str) -> String {
    key.rsplit('/').next().unwrap_or(key).to_uppercase()
}

impl Table {
    /// decorateTable: NAMESPACE column in front, `kind/` on names, label columns at the end.
    pub fn decorate(&mut self, opts: &TableOptions) {
        let name_col = if opts.kind_prefix.is_some() {
            self.columns.iter().position(|c| c.is_name)
        } else {
            None
        };
        if opts.with_namespace {
            self.columns.insert(0, Column::new("Namespace", 0));
        }
        for key in &opts.column_labels {
            self.columns.push(Column {
                name: label_header(key),
                priority: 0,
                is_name: false,
            });
        }
        if opts.show_labels {
            self.columns.push(Column::new("Labels", 0));
        }
        for row in &mut self.rows {
            if let (Some(ix), Some(prefix)) = (name_col, &opts.kind_prefix) {
                if let Some(cell) = row.cells.get_mut(ix) {
                    *cell = Some(format!("{prefix}/{}", cell.as_deref().unwrap_or("")));
                }
            }
            if opts.with_namespace {
                row.cells
                    .insert(0, Some(s(&row.object, "metadata.namespace").to_string()));
            }
            let labels = &row.object["metadata"]["labels"];
            for key in &opts.column_labels {
                row.cells
                    .push(Some(labels.get(key).map(scalar_string).unwrap_or_default()));
            }
            if opts.show_labels {
                row.cells.push(Some(format_labels(labels)));
            }
        }
    }

    /// The tab-separated text printTable writes into the tab writer (not yet aligned); empty
    /// when there are no rows.
    pub fn to_tabbed(&self, opts: &TableOptions) -> String {
        let mut out = String::new();
        if self.rows.is_empty() {
            return out;
        }
        let visible: Vec<usize> = (0..self.columns.len())
            .filter(|&i| opts.wide || self.columns.get(i).is_some_and(|c| c.priority == 0))
            .collect();
        let last_visible = visible.last().copied();
        // Upstream pads the header (or the first row with --no-headers) to the widest cell in
        // bytes, so that remembered widths survive flushes.
        let mut max_widths = vec![0usize; self.columns.len()];
        for row in &self.rows {
            for &i in &visible {
                let l = row.cells.get(i).and_then(|c| c.as_ref()).map(|c| c.len()).unwrap_or(0);
                if let Some(m) = max_widths.get_mut(i) {
                    *m = (*m).max(l);
                }
            }
        }
        if !opts.no_headers {
            let mut first = true;
            for &i in &visible {
                if !first {
                    out.push('\t');
                }
                first = false;
                let name = self.columns.get(i).map(|c| c.name.to_uppercase()).unwrap_or_default();
                out.push_str(&name);
                if Some(i) != last_visible {
                    let pad = max_widths.get(i).copied().unwrap_or(0).saturating_sub(name.len());
                    out.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.push('\n');
        }
        for (ri, row) in self.rows.iter().enumerate() {
            let mut first = true;
            for &i in &visible {
                if !first {
                    out.push('\t');
                }
                first = false;
                let cell = row.cells.get(i).and_then(|c| c.as_deref()).unwrap_or("");
                out.push_str(&escape_cell(cell));
                if opts.no_headers && ri == 0 && Some(i) != last_visible {
                    let pad = max_widths.get(i).copied().unwrap_or(0).saturating_sub(cell.len());
                    out.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.push('\n');
        }
        out
    }

    /// Decorated, printed and aligned as one flush of kubectl's tab writer.
    pub fn render(mut self, opts: &TableOptions) -> String {
        self.decorate(opts);
        tabwriter::align(&self.to_tabbed(opts))
    }
}

/// appendCellValue: a cell is cut at the first line break (`...` appended) and terminal
/// escapes are made visible.
fn escape_cell(cell: &str) -> String {
    let cut = match cell.find(['\n', '\r', '\x0c']) {
        Some(ix) => format!("{}...", cell.get(..ix).unwrap_or("")),
        None => cell.to_string(),
    };
    cut.replace('\x1b', "^[").replace('\r', "\\r")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Table {
        Table {
            columns: vec![
                Column::name_column("Name"),
                Column::new("Status", 0),
                Column::new("IP", 1),
            ],
            rows: vec![Row {
                cells: vec![Some("web".into()), Some("Running".into()), Some("10.0.0.1".into())],
                object: json!({"metadata": {"name": "web", "namespace": "default", "labels": {"app": "web", "k8s.io/tier": "fe"}}}),
            }],
        }
    }

    #[test]
    fn priority_columns_show_only_when_wide() {
        assert_eq!(
            sample().render(&TableOptions::default()),
            "NAME   STATUS\nweb    Running\n"
        );
        let wide = TableOptions {
            wide: true,
            ..Default::default()
        };
        assert_eq!(
            sample().render(&wide),
            "NAME   STATUS    IP\nweb    Running   10.0.0.1\n"
        );
    }

    #[test]
    fn namespace_kind_prefix_and_label_columns_decorate_the_table() {
        let opts = TableOptions {
            with_namespace: true,
            kind_prefix: Some("pod".into()),
            show_labels: true,
            column_labels: vec!["k8s.io/tier".into()],
            ..Default::default()
        };
        assert_eq!(
            sample().render(&opts),
            "NAMESPACE   NAME      STATUS    TIER   LABELS\ndefault     pod/web   Running   fe     app=web,k8s.io/tier=fe\n"
        );
    }

    #[test]
    fn no_headers_and_empty_tables() {
        let opts = TableOptions {
            no_headers: true,
            ..Default::default()
        };
        assert_eq!(sample().render(&opts), "web   Running\n");
        assert_eq!(
            Table {
                columns: sample().columns,
                rows: vec![]
            }
            .render(&TableOptions::default()),
            ""
        );
    }

    #[test]
    fn cells_are_cut_at_line_breaks() {
        assert_eq!(escape_cell("a\nb"), "a...");
        assert_eq!(escape_cell("x\x1by"), "x^[y");
    }
}
