//! `kubectl edit (TYPE NAME | TYPE/NAME | TYPE | -f FILE)`: the objects are written as YAML
//! (or JSON with `-o json`) under kubectl's comment header to a temporary file
//! (`/tmp/kubectl-edit-NNNN.yaml`), an editor changes the file, and each changed object is
//! patched on the server (`deployment.apps/web edited`). The flow is kubectl's
//! (`cmd/util/editor/editoptions.go`):
//!
//! - unchanged file → `Edit cancelled, no changes made.`; empty → `Edit cancelled, saved file
//!   was empty.`;
//! - a syntax error or an invalid object (the API server's field errors) → the file is written
//!   again with the reasons in its header and the editor reopened; if the editor then changes
//!   nothing, `A copy of your changes has been stored to "..."` and
//!   `error: Edit cancelled, no valid changes were saved.`;
//! - any other server error → `You can run `kubectl replace -f FILE` to try this update again.`
//!
//! The editor is `$KUBE_EDITOR`, else `$EDITOR`, run as kubectl runs it: a value without
//! blanks is a program, a value with blanks but no quotes or backslashes is split on blanks,
//! anything else goes to `$SHELL -c` (our bash) — so
//! `KUBE_EDITOR="sed -i 's/nginx:1.14/nginx:1.15/'" kubectl edit deploy web` works as on a
//! real machine. Kubarium's terminal has no full-screen editor yet, so without one of these
//! variables (or with `vi`, `vim`, `nano`) kubectl says so instead of starting `vi`. The
//! launch goes through the [`Editor`] trait so the page's YAML editor can take its place.
//!
//! The edit is sent as a patch from the object as shown to the object as saved, applied to
//! the stored object (a JSON merge patch; kubectl sends the equivalent strategic one, which
//! differs only when someone else changed a merged list in between).

use super::flags::{self, boolean, value, FlagSpec, Parsed};
use super::merge;
use super::print_flags::{self as pf, DryRun, Output as PrintOutput};
use super::Ctx;
use crate::bash::{Bash, CommandIo, Host};
use kubarium_engine::{ApiError, Cluster, Kind, ObjectKey, StatusReason};
use serde_json::{Map, Value};

const FLAGS: &[FlagSpec] = &[
    value("filename", Some('f')),
    boolean("recursive", Some('R')),
    value("output", Some('o')),
    boolean("output-patch", None),
    boolean("windows-line-endings", None),
    boolean("record", None),
    boolean("save-config", None),
    value("validate", None),
    value("field-manager", None),
    value("subresource", None),
    boolean("show-managed-fields", None),
    boolean("allow-missing-template-keys", None),
    value("template", None),
    value("kustomize", Some('k')),
];

/// The header kubectl writes above the objects (YAML only).
const HEADER: &str = "# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving this file will be
# reopened with the relevant failures.
#
";

/// Programs that need a full-screen terminal, which Kubarium's terminal does not have yet.
const FULL_SCREEN_EDITORS: &[&str] = &["vi", "vim", "nvim", "nano", "emacs", "pico", "joe"];

/// What kubectl prints when it cannot open an editor in this terminal.
pub const NO_EDITOR: &str = "there is no full-screen editor in this terminal yet; set KUBE_EDITOR to a command (KUBE_EDITOR=\"sed -i 's/a/b/'\") or use kubectl apply/scale/set/patch";

/// Something that lets the learner change a file: a command from `$KUBE_EDITOR`, or (later)
/// the page's YAML editor.
pub trait Editor {
    /// Edits the file at the absolute `path` in the virtual filesystem and returns when the
    /// editing is done. `Err` holds kubectl's message (`there was a problem with the editor
    /// "..."`).
    fn launch(&mut self, ctx: &mut Ctx, path: &str) -> Result<(), String>;
}

/// An editor given as a command in `$KUBE_EDITOR` or `$EDITOR` (`editor.NewDefaultEditor`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandEditor {
    /// The program and its arguments; with `shell`, `[$SHELL, "-c", VALUE]`.
    args: Vec<String>,
    shell: bool,
}

impl CommandEditor {
    /// The editor the environment names; `Err(NO_EDITOR)` when none is set or it is a
    /// full-screen program.
    pub fn from_env(env: &std::collections::BTreeMap<String, String>) -> Result<Self, String> {
        let value = ["KUBE_EDITOR", "EDITOR"]
            .iter()
            .filter_map(|k| env.get(*k))
            .find(|v| !v.is_empty())
            .cloned()
            .unwrap_or_else(|| "vi".to_string());
        let program = value.split_whitespace().next().unwrap_or("");
        let base = program.rsplit('/').next().unwrap_or(program);
        if FULL_SCREEN_EDITORS.contains(&base) {
            return Err(NO_EDITOR.to_string());
        }
        if !value.contains(' ') {
            return Ok(CommandEditor {
                args: vec![value],
                shell: false,
            });
        }
        if !value.contains(['"', '\'', '\\']) {
            return Ok(CommandEditor {
                args: value.split(' ').map(str::to_string).collect(),
                shell: false,
            });
        }
        let shell = env
            .get("SHELL")
            .filter(|s| !s.is_empty())
            .cloned()
            .unwrap_or_else(|| "/bin/bash".to_string());
        Ok(CommandEditor {
            args: vec![shell, "-c".into(), value],
            shell: true,
        })
    }

    /// The bash command line that runs the editor on `path`.
    fn command_line(&self, path: &str) -> String {
        if self.shell {
            // `$SHELL -c "VALUE \"PATH\""`: bash runs the value with the path appended.
            format!("{} {path:?}", self.args[2])
        } else {
            let mut words: Vec<String> = self.args.iter().map(|a| quote(a)).collect();
            words.push(quote(path));
            words.join(" ")
        }
    }
}

impl Editor for CommandEditor {
    fn launch(&mut self, ctx: &mut Ctx, path: &str) -> Result<(), String> {
        let status = run_in_bash(ctx, &self.command_line(path));
        if status == 0 {
            return Ok(());
        }
        let shown = self.args.join(" ");
        if status == 127 && !self.shell {
            Err(format!("unable to launch the editor {shown:?}"))
        } else {
            Err(format!("there was a problem with the editor {shown:?}"))
        }
    }
}

/// Single-quotes a word for bash.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Runs `line` in a fresh non-interactive bash that shares the learner's files, working
/// directory and exported environment (what `bash -c` started by kubectl would see), and
/// copies what it printed to the terminal.
fn run_in_bash(ctx: &mut Ctx, line: &str) -> i32 {
    let mut prelude = format!("cd {}\n", quote(ctx.io.cwd));
    for (k, v) in ctx.io.env {
        let name_ok = !k.is_empty()
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !k.starts_with(|c: char| c.is_ascii_digit());
        if name_ok && k != "PWD" && k != "OLDPWD" {
            prelude.push_str(&format!("export {k}={}\n", quote(v)));
        }
    }
    let mut bash = Bash::new();
    std::mem::swap(bash.vfs_mut(), ctx.io.vfs);
    let mut host = EditorHost {
        cluster: ctx.cluster,
        term: ctx.term,
    };
    let _ = bash.run(&prelude, &mut host);
    let (out, status) = bash.run(line, &mut host);
    std::mem::swap(bash.vfs_mut(), ctx.io.vfs);
    ctx.io.out.extend(out);
    status
}

/// The commands the editor's shell can run: the same as the terminal's.
struct EditorHost<'a> {
    cluster: &'a mut Cluster,
    term: &'a mut crate::commands::Terminal,
}

impl Host for EditorHost<'_> {
    fn exec(&mut self, argv: &[String], io: &mut CommandIo<'_>) -> Option<i32> {
        let status = crate::commands::run(self.cluster, argv, io, self.term);
        self.cluster.settle();
        status
    }
    fn sleep(&mut self, ms: u64) {
        self.cluster.advance(ms);
    }
    fn now_unix_ms(&self) -> u64 {
        self.cluster.now_unix_ms()
    }
    fn hostname(&self) -> String {
        self.cluster.client_hostname().to_string()
    }
}

/// Why the file must be edited again, shown in its header.
#[derive(Clone, Debug, Default)]
struct Reason {
    head: String,
    other: Vec<String>,
}

/// `editHeader.writeTo`: the header and one block per reason.
fn header(reasons: &[Reason]) -> String {
    let mut s = HEADER.to_string();
    for r in reasons {
        if r.other.is_empty() {
            s.push_str(&format!("# {}\n", hash_on_line_break(&r.head)));
        } else {
            s.push_str(&format!("# {}:\n", hash_on_line_break(&r.head)));
        }
        for o in &r.other {
            s.push_str(&format!("# * {}\n", hash_on_line_break(o)));
        }
        s.push_str("#\n");
    }
    s
}

/// Comments out the continuation lines of a multi-line reason.
fn hash_on_line_break(s: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c == '\n' && chars.get(i + 1).is_some_and(|n| *n != '#') {
            out.push_str("\n# ");
        } else {
            out.push(*c);
        }
    }
    out
}

/// `cmdutil.ManualStrip`: the text without its comment lines (`#!` lines stay).
fn manual_strip(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if t.starts_with('#') && !t.starts_with("#!") {
            continue;
        }
        out.push_str(line);
        if i + 1 < lines.len() {
            out.push('\n');
        }
    }
    out
}

/// `cmdutil.StripComments`: the content as JSON (so comments and layout do not count), or
/// the text without comment lines when it does not parse.
fn strip_comments(text: &str) -> String {
    match super::manifest::parse_documents(text) {
        Ok(docs) => docs
            .iter()
            .map(crate::printers::json::to_json_compact)
            .collect::<Vec<_>>()
            .join("\n"),
        Err(_) => manual_strip(text),
    }
}

/// `hasLines`: a line that is neither blank nor a comment.
fn has_lines(text: &str) -> bool {
    text.lines().any(|l| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#')
    })
}

/// `deployments.apps`, `pods`: the resource as edit's messages name it.

/// The objects named on the command line, read fresh from the server.
fn objects(ctx: &mut Ctx, parsed: &Parsed) -> Result<Vec<Value>, String> {
    let ns = ctx.namespace(parsed);
    let keys: Vec<ObjectKey> = if parsed.has("filename")
        || parsed.args.iter().any(|a| a.contains('/'))
    {
        super::label::targets(ctx, parsed, &parsed.args)?
    } else {
        match parsed.args.as_slice() {
            [] => return Err("error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'".into()),
            [kind] => {
                // `kubectl edit deployments`: every one in the namespace.
                let kind = super::resolve_kind(kind).map_err(|e| format!("error: {e}"))?;
                let scope = kind.info().namespaced.then_some(ns.as_str());
                ctx.cluster
                    .api_ref()
                    .list(kind, scope)
                    .iter()
                    .map(|o| o.key())
                    .collect()
            }
            [kind, names @ ..] => {
                let kind = super::resolve_kind(kind).map_err(|e| format!("error: {e}"))?;
                names.iter().map(|n| ObjectKey::new(kind, &ns, n)).collect()
            }
        }
    };
    let mut out = Vec::new();
    for key in keys {
        let obj = ctx
            .cluster
            .api_ref()
            .get(&key)
            .map_err(|e| super::errors::api_error_text(&e))?;
        out.push(obj.to_value());
    }
    Ok(out)
}

/// The document shown in the editor: the object, or a `List` of them.
fn document(objects: &[Value]) -> Value {
    if let [one] = objects {
        return one.clone();
    }
    let mut m = Map::new();
    m.insert("apiVersion".into(), Value::String("v1".into()));
    m.insert("items".into(), Value::Array(objects.to_vec()));
    m.insert("kind".into(), Value::String("List".into()));
    m.insert("metadata".into(), Value::Object(Map::new()));
    Value::Object(m)
}

/// What one round of editing left to do.
#[derive(Default)]
struct Results {
    reasons: Vec<Reason>,
    retryable: usize,
    notfound: usize,
    /// Objects that were invalid and are shown again.
    edit: usize,
    file: String,
}

/// Prints `A copy of your changes has been stored to "FILE"` when the file is still there.
fn preserved_file(ctx: &mut Ctx, path: &str) {
    if !path.is_empty() && ctx.io.vfs.exists(path) {
        ctx.err(format!(
            "A copy of your changes has been stored to {path:?}\n"
        ));
    }
}

/// `kubectl edit ...`.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let parsed = match flags::parse(argv, FLAGS) {
        Ok(p) => p,
        Err(e) => return pf::flag_error(ctx, "edit", &e),
    };
    let json = match parsed.get("output") {
        None | Some("") | Some("yaml") => false,
        Some("json") => true,
        Some(other) => {
            return pf::fail(
                ctx,
                &format!("unable to match a printer suitable for the output format {other:?}, allowed formats are: json,yaml"),
            )
        }
    };
    if parsed.is_set("output-patch") {
        return pf::fail(ctx, "--output-patch is not available in Kubarium yet");
    }
    if let Some(sub) = parsed.get("subresource") {
        if sub != "status" {
            return pf::fail(
                ctx,
                &format!("invalid subresource value: {sub:?}. Must be one of [status]"),
            );
        }
        return pf::fail(ctx, "--subresource=status is not available in Kubarium yet");
    }
    let recorder = super::record::Recorder::from_flags(ctx, &parsed, "edit", argv, FLAGS);
    let originals = match objects(ctx, &parsed) {
        Ok(o) => o,
        Err(e) => {
            ctx.err(format!("{e}\n"));
            return 1;
        }
    };
    if originals.is_empty() {
        return pf::fail(ctx, "edit cancelled, no objects found");
    }
    let mut editor = match CommandEditor::from_env(ctx.io.env) {
        Ok(e) => e,
        Err(e) => return pf::fail(ctx, &e),
    };
    let ns = ctx.namespace(&parsed);
    let options = EditOptions {
        json,
        namespace: ns,
        recorder,
        save_config: parsed.is_set("save-config"),
    };
    match edit_loop(ctx, &mut editor, &originals, &options) {
        Ok(()) => 0,
        Err(e) => {
            if !e.is_empty() {
                ctx.err(format!("error: {e}\n"));
            }
            1
        }
    }
}

/// What `run` passes to the editing loop.
struct EditOptions {
    json: bool,
    namespace: String,
    recorder: super::record::Recorder,
    save_config: bool,
}

/// The loop of `EditOptions.Run`: edit, check, patch, and reopen on errors. `Err("")` exits
/// with status 1 without a further message.
fn edit_loop(
    ctx: &mut Ctx,
    editor: &mut dyn Editor,
    originals: &[Value],
    o: &EditOptions,
) -> Result<(), String> {
    let original_doc = document(originals);
    let shown = if o.json {
        crate::printers::json::to_json(&original_doc)
    } else {
        format!("{HEADER}{}", crate::printers::yaml::to_yaml(&original_doc))
    };
    let mut results = Results::default();
    let mut contains_error = false;
    let mut edited = String::new();
    loop {
        let buf = if !contains_error {
            shown.clone()
        } else if o.json {
            manual_strip(&edited)
        } else {
            format!("{}{}", header(&results.reasons), manual_strip(&edited))
        };
        let previous = std::mem::take(&mut edited);
        let n = ctx.cluster.api().rng().below("kubectl-edit", 1 << 32);
        let file = format!(
            "/tmp/kubectl-edit-{n}.{}",
            if o.json { "json" } else { "yaml" }
        );
        if let Err(e) = ctx.io.vfs.write(&file, &buf) {
            preserved_file(ctx, &results.file);
            return Err(format!("open {file}: {e}"));
        }
        if let Err(e) = editor.launch(ctx, &file) {
            preserved_file(ctx, &results.file);
            return Err(e);
        }
        edited = match ctx.io.vfs.read(&file) {
            Ok(t) => t,
            Err(e) => {
                preserved_file(ctx, &results.file);
                return Err(format!("open {file}: {}", e.to_string().to_lowercase()));
            }
        };
        if contains_error && strip_comments(&previous) == strip_comments(&edited) {
            preserved_file(ctx, &file);
            return Err("Edit cancelled, no valid changes were saved.".into());
        }
        if !results.file.is_empty() && results.file != file {
            let _ = ctx.io.vfs.remove(&results.file, false);
        }
        if strip_comments(&shown) == strip_comments(&edited) {
            let _ = ctx.io.vfs.remove(&file, false);
            ctx.err("Edit cancelled, no changes made.\n");
            return Ok(());
        }
        if !has_lines(&edited) {
            let _ = ctx.io.vfs.remove(&file, false);
            ctx.err("Edit cancelled, saved file was empty.\n");
            return Ok(());
        }
        results = Results {
            file: file.clone(),
            ..Results::default()
        };
        let updated = match super::manifest::parse_source("edited-file", &edited) {
            Ok(u) => u,
            Err(e) => {
                contains_error = true;
                let e = e.strip_prefix("error: ").unwrap_or(&e).to_string();
                results.reasons.push(Reason {
                    head: format!("The edited file had a syntax error: {e}"),
                    other: Vec::new(),
                });
                continue;
            }
        };
        contains_error = false;
        let mut updated: Vec<Value> = updated.into_iter().map(|m| m.value).collect();
        for u in &mut updated {
            let Some(meta) = u.get_mut("metadata").and_then(Value::as_object_mut) else {
                continue;
            };
            match meta.get("namespace").and_then(Value::as_str) {
                None | Some("") => {
                    meta.insert("namespace".into(), Value::String(o.namespace.clone()));
                }
                Some(other) if other != o.namespace => {
                    let other = other.to_string();
                    preserved_file(ctx, &file);
                    return Err(format!(
                        "the namespace from the provided object {other:?} does not match the namespace {:?}. You must pass '--namespace={other}' to perform this operation.",
                        o.namespace
                    ));
                }
                _ => {}
            }
        }
        for u in &mut updated {
            if o.save_config {
                let kind = super::manifest::parse_source(
                    "edited-file",
                    &crate::printers::json::to_json(u),
                )
                .ok()
                .and_then(|m| m.first().map(|m| m.kind));
                if let Some(kind) = kind {
                    super::apply::set_last_applied(u, kind, &o.namespace);
                }
            }
            o.recorder.record_value(u);
        }
        for u in &updated {
            patch_one(ctx, originals, u, &mut results)?;
        }
        if results.retryable > 0 {
            ctx.err(format!(
                "You can run `kubectl replace -f {file}` to try this update again.\n"
            ));
            return Err(String::new());
        }
        if results.notfound > 0 {
            ctx.err(format!(
                "The edits you made on deleted resources have been saved to {file:?}\n"
            ));
            return Err(String::new());
        }
        if results.edit == 0 {
            let _ = ctx.io.vfs.remove(&file, false);
            return Ok(());
        }
        if !results.reasons.is_empty() {
            contains_error = true;
        }
    }
}

/// `visitToPatch` for one edited object: find its original by uid, skip it when unchanged,
/// refuse a changed apiVersion/kind/name, else patch it and print `KIND/NAME edited`.
fn patch_one(
    ctx: &mut Ctx,
    originals: &[Value],
    edited: &Value,
    results: &mut Results,
) -> Result<(), String> {
    let uid = edited.pointer("/metadata/uid");
    let Some(original) = originals
        .iter()
        .find(|o| o.pointer("/metadata/uid") == uid && uid.is_some())
    else {
        preserved_file(ctx, &results.file);
        return Err(format!(
            "no original object found for &unstructured.Unstructured{{Object:{}}}",
            crate::printers::json::to_json_compact(edited)
        ));
    };
    let kind_of = |v: &Value| {
        Kind::from_api_version_kind(
            v.get("apiVersion").and_then(Value::as_str).unwrap_or(""),
            v.get("kind").and_then(Value::as_str).unwrap_or(""),
        )
    };
    let Some(kind) = kind_of(original) else {
        return Err("unknown kind".into());
    };
    let name = original
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if original == edited {
        pf::print_result(
            ctx,
            &PrintOutput::Default,
            kind,
            &name,
            "skipped",
            DryRun::None,
            edited,
            None,
        );
        return Ok(());
    }
    let same = |p: &str| original.pointer(p) == edited.pointer(p);
    if !same("/apiVersion")
        || !same("/kind")
        || !same("/metadata/name")
        || !same("/metadata/managedFields")
    {
        preserved_file(ctx, &results.file);
        return Err("At least one of apiVersion, kind and name was changed".into());
    }
    let patch = merge::diff(original, edited);
    let key = ObjectKey::new(
        kind,
        original
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or(""),
        &name,
    );
    let resource = kubarium_engine::apiserver::qualified_resource(kind);
    let live = match ctx.cluster.api_ref().get(&key) {
        Ok(l) => l.to_value(),
        Err(e) => {
            add_error(ctx, results, &e, &resource, &name);
            return Ok(());
        }
    };
    let patched = merge::merge_patch(&live, &patch);
    match super::patch::submit_object(ctx, &key, patched, DryRun::None) {
        Ok(stored) => {
            pf::print_result(
                ctx,
                &PrintOutput::Default,
                kind,
                &name,
                "edited",
                DryRun::None,
                &stored,
                None,
            );
        }
        Err(e) => add_error(ctx, results, &e, &resource, &name),
    }
    Ok(())
}

/// `editResults.addError`: classifies a failed patch and prints kubectl's line for it.
fn add_error(ctx: &mut Ctx, results: &mut Results, e: &ApiError, resource: &str, name: &str) {
    match e.reason {
        StatusReason::Invalid => {
            results.edit += 1;
            results.reasons.push(Reason {
                head: format!("{resource} {name:?} was not valid"),
                other: e
                    .causes
                    .iter()
                    .map(|c| format!("{}: {}", c.field, c.message()))
                    .collect(),
            });
            ctx.err(format!("error: {resource} {name:?} is invalid\n"));
        }
        StatusReason::NotFound => {
            results.notfound += 1;
            ctx.err(format!(
                "error: {resource} {name:?} could not be found on the server\n"
            ));
        }
        _ => {
            results.retryable += 1;
            ctx.err(format!(
                "error: {resource} {name:?} could not be patched: {}\n",
                e.message
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn editor_from_environment_as_kubectl_splits_it() {
        assert_eq!(CommandEditor::from_env(&env(&[])).unwrap_err(), NO_EDITOR);
        assert_eq!(
            CommandEditor::from_env(&env(&[("EDITOR", "vim")])).unwrap_err(),
            NO_EDITOR
        );
        let e =
            CommandEditor::from_env(&env(&[("KUBE_EDITOR", "sed -i s/a/b/"), ("EDITOR", "vi")]))
                .unwrap();
        assert_eq!(
            e.command_line("/tmp/x.yaml"),
            "'sed' '-i' 's/a/b/' '/tmp/x.yaml'"
        );
        let e = CommandEditor::from_env(&env(&[("KUBE_EDITOR", "sed -i 's/a b/c/'")])).unwrap();
        assert_eq!(e.args[0], "/bin/bash");
        assert_eq!(
            e.command_line("/tmp/x.yaml"),
            "sed -i 's/a b/c/' \"/tmp/x.yaml\""
        );
    }

    #[test]
    fn header_lists_the_reasons() {
        let h = header(&[Reason {
            head: "pods \"web\" was not valid".into(),
            other: vec!["spec: Forbidden: pod updates may not change fields".into()],
        }]);
        assert!(h.ends_with("#\n# pods \"web\" was not valid:\n# * spec: Forbidden: pod updates may not change fields\n#\n"));
        assert_eq!(manual_strip("# a\nb: 1\n  # c\nd: 2"), "b: 1\nd: 2");
        assert!(!has_lines("# x\n\n   \n"));
        assert_eq!(strip_comments("# x\na: 1\n"), strip_comments("a:   1"));
    }
}
