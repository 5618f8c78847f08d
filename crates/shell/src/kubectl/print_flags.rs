//! What the write verbs share with kubectl's `PrintFlags`/`DryRunStrategy`: `--dry-run`,
//! `-o yaml|json|name|jsonpath=…`, the `pod/web created` success line, and usage errors.

use crate::kubectl::Ctx;
use kubarium_engine::Kind;
use serde_json::Value;

/// `--dry-run`: none, client (nothing sent) or server (sent, not persisted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DryRun {
    None,
    Client,
    Server,
}

impl DryRun {
    /// The suffix kubectl's name printer adds to the operation.
    pub fn suffix(self) -> &'static str {
        match self {
            DryRun::None => "",
            DryRun::Client => " (dry run)",
            DryRun::Server => " (server dry run)",
        }
    }
}

/// Turns a bare `--dry-run` into `--dry-run=unchanged` (cobra's NoOptDefVal) so the flag
/// parser does not swallow the next argument.
pub fn normalize_argv(argv: &[String]) -> Vec<String> {
    argv.iter()
        .map(|a| {
            if a == "--dry-run" {
                "--dry-run=unchanged".to_string()
            } else {
                a.clone()
            }
        })
        .collect()
}

/// Reads `--dry-run` as `cmdutil.GetDryRunStrategy` does.
pub fn dry_run(parsed: &crate::kubectl::flags::Parsed) -> Result<DryRun, String> {
    match parsed.get("dry-run") {
        None | Some("none") | Some("false") => Ok(DryRun::None),
        Some("client") | Some("true") => Ok(DryRun::Client),
        Some("server") => Ok(DryRun::Server),
        Some("unchanged") => Err("--dry-run flag without a value was specified. A value must be set: \"none\", \"server\", or \"client\".".to_string()),
        Some(other) => Err(format!("Invalid dry-run value ({other}). Must be \"none\", \"server\", or \"client\".")),
    }
}

/// `-o` formats the write verbs print: `genericclioptions.PrintFlags`, the JSON/YAML, name
/// and template printers (no tables: those are `get`'s).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// The success line, `pod/web created`.
    Default,
    Name,
    Yaml,
    Json,
    /// `jsonpath=…`, `jsonpath-file=…` (the file's text), `jsonpath-as-json=…`; also
    /// `--template` with one of those formats.
    JsonPath {
        template: String,
        as_json: bool,
    },
}

/// Reads `-o` (and `--template` where the command has it). A `*-file` template is read from
/// the virtual filesystem now, before anything is sent, as `PrintFlags.ToPrinter` does.
pub fn output(ctx: &Ctx, parsed: &crate::kubectl::flags::Parsed) -> Result<Output, String> {
    let template = parsed.get("template");
    Ok(
        match crate::kubectl::get::OutputFormat::parse(ctx, parsed.get("output"), template) {
            Ok(crate::kubectl::get::OutputFormat::Table { wide: false }) => Output::Default,
            Ok(crate::kubectl::get::OutputFormat::Name) => Output::Name,
            Ok(crate::kubectl::get::OutputFormat::Yaml) => Output::Yaml,
            Ok(crate::kubectl::get::OutputFormat::Json) => Output::Json,
            Ok(crate::kubectl::get::OutputFormat::JsonPath { template, as_json }) => {
                Output::JsonPath { template, as_json }
            }
            // `wide` and `custom-columns` are table printers, which these commands lack.
            Ok(_) => {
                return Err(format!(
                    "unable to match a printer suitable for the output format {:?}, allowed formats are: {WRITE_FORMATS}",
                    parsed.get("output").unwrap_or("")
                ))
            }
            Err(e) if e.starts_with("unable to match a printer") => {
                return Err(format!(
                    "unable to match a printer suitable for the output format {:?}, allowed formats are: {WRITE_FORMATS}",
                    parsed.get("output").unwrap_or("")
                ))
            }
            Err(e) => return Err(e),
        },
    )
}

/// The formats `PrintFlags.AllowedFormats` lists for the write verbs.
pub const WRITE_FORMATS: &str = "go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml";

/// `pod`, `deployment.apps`: the kind as kubectl's name printer writes it.
pub fn kind_string(kind: Kind) -> String {
    let info = kind.info();
    if info.group.is_empty() {
        info.kind.to_ascii_lowercase()
    } else {
        format!("{}.{}", info.kind.to_ascii_lowercase(), info.group)
    }
}

/// Prints one result the way the name printer or `-o yaml|json` does.
/// `go_json` is the typed-object JSON for generator output (struct order); otherwise JSON
/// is printed with sorted keys as for unstructured objects.
#[allow(clippy::too_many_arguments)]
pub fn print_result(
    ctx: &mut Ctx,
    out: &Output,
    kind: Kind,
    name: &str,
    operation: &str,
    dry: DryRun,
    value: &Value,
    go_json: Option<String>,
) {
    match out {
        Output::Default => ctx.out(format!(
            "{}/{name} {operation}{}\n",
            kind_string(kind),
            dry.suffix()
        )),
        Output::Name => ctx.out(format!("{}/{name}\n", kind_string(kind))),
        Output::Yaml => ctx.out(crate::printers::yaml::to_yaml(value)),
        Output::Json => ctx.out(go_json.unwrap_or_else(|| crate::printers::json::to_json(value))),
        Output::JsonPath { template, as_json } => {
            // The JSONPath printer reads the object as untyped JSON (maps print sorted).
            match jsonpath_text(template, *as_json, value) {
                Ok(text) => ctx.out(text),
                Err(e) => ctx.err(format!("error: {e}\n")),
            }
        }
    }
}

/// `JSONPathPrinter.PrintObj` with `--allow-missing-template-keys` (true by default).
fn jsonpath_text(template: &str, as_json: bool, doc: &Value) -> Result<String, String> {
    let t = crate::printers::jsonpath::parse(template).map_err(|e| e.to_string())?;
    let opts = crate::printers::jsonpath::ExecuteOptions {
        allow_missing_keys: true,
        output_json: as_json,
    };
    crate::printers::jsonpath::execute_with(&t, doc, opts).map_err(|e| e.to_string())
}

/// Prints `error: MSG` and cobra's pointer to the help, and returns status 1.
pub fn usage_error(ctx: &mut Ctx, command: &str, msg: &str) -> i32 {
    ctx.err(format!(
        "error: {msg}\nSee 'kubectl {command} -h' for help and examples\n"
    ));
    1
}

/// Prints a flag parsing error the way cobra does, and returns status 1.
pub fn flag_error(ctx: &mut Ctx, command: &str, msg: &str) -> i32 {
    ctx.err(format!(
        "error: {msg}\nSee 'kubectl {command} --help' for usage.\n"
    ));
    1
}

/// Prints `error: MSG` and returns status 1.
pub fn fail(ctx: &mut Ctx, msg: &str) -> i32 {
    ctx.err(format!("error: {msg}\n"));
    1
}
