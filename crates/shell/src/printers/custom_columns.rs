//! `kubectl get -o custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[*].image` and
//! `-o custom-columns-file=FILE` (`k8s.io/kubectl/pkg/cmd/get/customcolumn.go`).
//!
//! Each column is `HEADER:path`, where the path may be written `.a.b`, `a.b`, `{a.b}` or
//! `{.a.b}`. A cell shows every value the path finds, joined by `,`; `<none>` when it finds
//! nothing; maps and lists in Go's `fmt` form (`map[app:web]`, `[a b]`). Headers are printed
//! as given (not upper-cased), and the table is aligned by kubectl's tabwriter.

use serde_json::Value;
use thiserror::Error;

use super::jsonpath::{find_printed, parse, relaxed_json_path_expression, Template};
use super::table::escape_terminal;
use super::tabwriter::align;

/// A custom-columns error, worded as kubectl words it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CustomColumnsError {
    #[error("custom-columns format specified but no custom columns given")]
    NoColumns,
    #[error("unexpected custom-columns spec: {0}, expected <header>:<json-path-expr>")]
    BadSpec(String),
    #[error("invalid template, missing header line. Expected format is one line of space separated headers, one line of space separated column specs.")]
    MissingHeaderLine,
    #[error("invalid template, missing spec line. Expected format is one line of space separated headers, one line of space separated column specs.")]
    MissingSpecLine,
    #[error("number of headers ({headers}) and field specifications ({specs}) don't match")]
    CountMismatch { headers: usize, specs: usize },
    /// A path that is not a jsonpath, or one that fails on an object; the message is the bare
    /// jsonpath message, e.g. `unterminated array`.
    #[error("{0}")]
    Path(String),
}

/// One user-specified column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The header printed above the column, as given.
    pub header: String,
    /// The normalised jsonpath, e.g. `{.metadata.name}`.
    pub field_spec: String,
}

/// A parsed custom-columns printer.
#[derive(Debug, Clone)]
pub struct CustomColumns {
    columns: Vec<Column>,
    templates: Vec<Template>,
    no_headers: bool,
}

impl CustomColumns {
    /// Parses `-o custom-columns=SPEC` (comma-separated `HEADER:path` pairs); `no_headers` is
    /// `--no-headers`.
    pub fn from_spec(spec: &str, no_headers: bool) -> Result<Self, CustomColumnsError> {
        if spec.is_empty() {
            return Err(CustomColumnsError::NoColumns);
        }
        let mut columns = Vec::new();
        for part in spec.split(',') {
            let Some((header, path)) = part.split_once(':') else {
                return Err(CustomColumnsError::BadSpec(part.to_string()));
            };
            let field_spec =
                relaxed_json_path_expression(path).map_err(CustomColumnsError::Path)?;
            columns.push(Column {
                header: header.to_string(),
                field_spec,
            });
        }
        Self::build(columns, no_headers)
    }

    /// Parses a `-o custom-columns-file` template: a line of headers and a line of paths,
    /// both whitespace-separated. kubectl ignores `--no-headers` for this form.
    pub fn from_template(text: &str) -> Result<Self, CustomColumnsError> {
        let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
        let count = if text.is_empty() {
            0
        } else {
            text.strip_suffix('\n').unwrap_or(text).split('\n').count()
        };
        if count < 1 {
            return Err(CustomColumnsError::MissingHeaderLine);
        }
        let headers: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
        if count < 2 {
            return Err(CustomColumnsError::MissingSpecLine);
        }
        let specs: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
        if headers.len() != specs.len() {
            return Err(CustomColumnsError::CountMismatch {
                headers: headers.len(),
                specs: specs.len(),
            });
        }
        let mut columns = Vec::new();
        for (header, spec) in headers.iter().zip(specs) {
            let field_spec =
                relaxed_json_path_expression(spec).map_err(CustomColumnsError::Path)?;
            columns.push(Column {
                header: header.to_string(),
                field_spec,
            });
        }
        Self::build(columns, false)
    }

    fn build(columns: Vec<Column>, no_headers: bool) -> Result<Self, CustomColumnsError> {
        let templates = columns
            .iter()
            .map(|c| {
                parse(&c.field_spec).map_err(|e| CustomColumnsError::Path(e.message().to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CustomColumns {
            columns,
            templates,
            no_headers,
        })
    }

    /// The parsed columns.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Prints the objects (the items of a list, not the `List` wrapper), one row each, under
    /// the header line (printed even when there are no objects, as kubectl's printer does).
    pub fn print(&self, objects: &[Value]) -> Result<String, CustomColumnsError> {
        let mut text = String::new();
        if !self.no_headers {
            let headers: Vec<&str> = self.columns.iter().map(|c| c.header.as_str()).collect();
            text.push_str(&headers.join("\t"));
            text.push('\n');
        }
        for obj in objects {
            let mut cells = Vec::with_capacity(self.templates.len());
            for t in &self.templates {
                let values = find_printed(t, obj, true).map_err(CustomColumnsError::Path)?;
                let mut strings = Vec::new();
                if values.first().is_none_or(|v| v.is_empty()) {
                    strings.push("<none>".to_string());
                }
                for list in &values {
                    strings.extend(list.iter().map(|v| escape_terminal(v)));
                }
                cells.push(strings.join(","));
            }
            text.push_str(&cells.join("\t"));
            text.push('\n');
        }
        Ok(align(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pods() -> Vec<Value> {
        vec![
            json!({"metadata": {"name": "web-1", "labels": {"app": "web", "tier": "fe"}},
                   "spec": {"nodeName": "node-a", "containers": [{"image": "nginx:1.25"}, {"image": "busybox"}]}}),
            json!({"metadata": {"name": "db-0"}, "spec": {"containers": [{"image": "postgres:16"}]}}),
        ]
    }

    #[test]
    fn names_images_and_none() {
        let cc = CustomColumns::from_spec(
            "NAME:.metadata.name,IMAGE:.spec.containers[*].image,NODE:spec.nodeName",
            false,
        )
        .unwrap();
        assert_eq!(
            cc.print(&pods()).unwrap(),
            "NAME    IMAGE                NODE\nweb-1   nginx:1.25,busybox   node-a\ndb-0    postgres:16          <none>\n"
        );
    }

    #[test]
    fn no_headers_and_single_column() {
        let cc = CustomColumns::from_spec("NAME:{.metadata.name}", true).unwrap();
        assert_eq!(cc.print(&pods()).unwrap(), "web-1\ndb-0\n");
    }

    #[test]
    fn maps_print_in_go_fmt_form_and_headers_keep_case() {
        let cc =
            CustomColumns::from_spec("Name:.metadata.name,Labels:.metadata.labels", false).unwrap();
        assert_eq!(
            cc.print(&pods()).unwrap(),
            "Name    Labels\nweb-1   map[app:web tier:fe]\ndb-0    <none>\n"
        );
    }

    #[test]
    fn spec_errors_use_kubectl_wording() {
        assert_eq!(
            CustomColumns::from_spec("", false).unwrap_err().to_string(),
            "custom-columns format specified but no custom columns given"
        );
        assert_eq!(
            CustomColumns::from_spec("NAME", false)
                .unwrap_err()
                .to_string(),
            "unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>"
        );
        assert_eq!(
            CustomColumns::from_spec("NAME:{.a}{.b}", false).unwrap_err().to_string(),
            "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'"
        );
        assert_eq!(
            CustomColumns::from_spec("NAME:.a[0", false)
                .unwrap_err()
                .to_string(),
            "unterminated array"
        );
    }

    #[test]
    fn execution_errors_surface() {
        let cc = CustomColumns::from_spec("C:.spec.containers[5].image", false).unwrap();
        assert_eq!(
            cc.print(&pods()).unwrap_err().to_string(),
            "array index out of bounds: index 5, length 2"
        );
    }

    #[test]
    fn template_file_has_header_and_spec_lines() {
        let cc = CustomColumns::from_template(
            "NAME          NODE\n{.metadata.name}   {.spec.nodeName}\n",
        )
        .unwrap();
        assert_eq!(
            cc.print(&pods()).unwrap(),
            "NAME    NODE\nweb-1   node-a\ndb-0    <none>\n"
        );
        assert_eq!(
            CustomColumns::from_template("").unwrap_err(),
            CustomColumnsError::MissingHeaderLine
        );
        assert_eq!(
            CustomColumns::from_template("NAME\n").unwrap_err(),
            CustomColumnsError::MissingSpecLine
        );
        assert_eq!(
            CustomColumns::from_template("A B\n.a\n")
                .unwrap_err()
                .to_string(),
            "number of headers (2) and field specifications (1) don't match"
        );
    }

    #[test]
    fn header_only_when_there_are_no_objects() {
        let cc = CustomColumns::from_spec("NAME:.metadata.name", false).unwrap();
        assert_eq!(cc.print(&[]).unwrap(), "NAME\n");
        assert_eq!(cc.columns()[0].field_spec, "{.metadata.name}");
    }
}
