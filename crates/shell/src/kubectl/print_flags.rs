//! What the write verbs share with kubectl's `PrintFlags`/`DryRunStrategy`: `--dry-run`,
//! `-o yaml|json|name`, the `pod/web created` success line, and usage errors.

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

/// `-o` formats the write verbs print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// The success line, `pod/web created`.
    Default,
    Name,
    Yaml,
    Json,
}

/// Reads `-o`.
pub fn output(parsed: &crate::kubectl::flags::Parsed) -> Result<Output, String> {
    match parsed.get("output") {
        None | Some("") => Ok(Output::Default),
        Some("name") => Ok(Output::Name),
        Some("yaml") => Ok(Output::Yaml),
        Some("json") => Ok(Output::Json),
        Some(other) => Err(format!(
            "unable to match a printer suitable for the output format {other:?}, allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml"
        )),
    }
}

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
    out: Output,
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
    }
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
