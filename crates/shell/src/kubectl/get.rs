//! `kubectl get` and `kubectl events`: fetch objects, filter them by selector, print them as a
//! table (the columns of [`super::columns`]), as YAML/JSON, names, JSONPath or custom columns.
//!
//! The flow follows kubectl's `get.go`: arguments become (type, name) targets; every target is
//! fetched, errors are collected and printed after whatever could be printed; an empty table
//! prints `No resources found in default namespace.` on stderr.

use super::columns::{self, RowContext};
use super::flags::{self, boolean, value, FlagSpec, Parsed};
use super::{errors, Ctx};
use crate::printers;
use kubarium_engine::api::selector::Selector;
use kubarium_engine::{ApiError, Kind, Object, ObjectKey, StatusReason};
use serde_json::Value;
use std::sync::Arc;

const FLAGS: &[FlagSpec] = &[
    value("output", Some('o')),
    value("selector", Some('l')),
    value("field-selector", None),
    boolean("all-namespaces", Some('A')),
    boolean("show-labels", None),
    value("label-columns", Some('L')),
    boolean("no-headers", None),
    value("sort-by", None),
    boolean("watch", Some('w')),
    boolean("watch-only", None),
    boolean("output-watch-events", None),
    boolean("show-kind", None),
    boolean("ignore-not-found", None),
    value("template", None),
    value("chunk-size", None),
    boolean("server-print", None),
    boolean("allow-missing-template-keys", None),
    boolean("show-managed-fields", None),
    value("subresource", None),
    value("filename", Some('f')),
    boolean("recursive", Some('R')),
    value("kustomize", Some('k')),
    value("raw", None),
];

const EVENTS_FLAGS: &[FlagSpec] = &[
    value("output", Some('o')),
    boolean("all-namespaces", Some('A')),
    value("for", None),
    value("types", None),
    boolean("watch", Some('w')),
    boolean("no-headers", None),
    value("chunk-size", None),
    value("template", None),
    boolean("allow-missing-template-keys", None),
    boolean("show-managed-fields", None),
];

/// The formats `-o` accepts, as kubectl lists them in its error.
pub const ALLOWED_FORMATS: &str = "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml";

/// Prints a flag-parsing or usage error the way cobra does and returns the exit status.
pub(crate) fn usage_error(ctx: &mut Ctx, command: &str, msg: &str) -> i32 {
    ctx.err(format!(
        "error: {msg}\nSee 'kubectl {command} --help' for usage.\n"
    ));
    1
}

/// How `-o` asked objects to be printed.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum OutputFormat {
    /// The default table (`wide`: with the priority-1 columns).
    Table {
        wide: bool,
    },
    Name,
    Yaml,
    Json,
    /// `jsonpath=…`, `jsonpath-file=…` (already read), `jsonpath-as-json=…`.
    JsonPath {
        template: String,
        as_json: bool,
    },
    /// `custom-columns=…` / `custom-columns-file=…` (the file's text).
    CustomColumns {
        spec: String,
        from_file: bool,
    },
}

impl OutputFormat {
    /// Parses `-o` (and `--template`), reading `*-file` formats from the virtual filesystem.
    pub(crate) fn parse(
        ctx: &Ctx,
        output: Option<&str>,
        template: Option<&str>,
    ) -> Result<OutputFormat, String> {
        let raw = output.unwrap_or("");
        let (name, arg) = match raw.split_once('=') {
            Some((n, a)) => (n, Some(a.to_string())),
            None => (raw, None),
        };
        let arg = arg.or_else(|| template.map(str::to_string));
        let read = |path: &str| -> Result<String, String> {
            let abs = ctx.io.vfs.resolve(ctx.io.cwd, path);
            ctx.io.vfs.read(&abs).map_err(|_| {
                format!("error reading --template {path}, open {path}: no such file or directory")
            })
        };
        let need = |arg: Option<String>| {
            arg.filter(|a| !a.is_empty())
                .ok_or_else(|| "template format specified but no template given".to_string())
        };
        Ok(match name {
            "" if raw.is_empty() => OutputFormat::Table { wide: false },
            "wide" => OutputFormat::Table { wide: true },
            "name" => OutputFormat::Name,
            "yaml" => OutputFormat::Yaml,
            "json" => OutputFormat::Json,
            "jsonpath" => OutputFormat::JsonPath { template: need(arg)?, as_json: false },
            "jsonpath-as-json" => OutputFormat::JsonPath { template: need(arg)?, as_json: true },
            "jsonpath-file" => OutputFormat::JsonPath { template: read(&need(arg)?)?, as_json: false },
            "custom-columns" => match arg.filter(|a| !a.is_empty()) {
                Some(spec) => OutputFormat::CustomColumns { spec, from_file: false },
                None => return Err("custom-columns format specified but no custom columns given".to_string()),
            },
            "custom-columns-file" => OutputFormat::CustomColumns { spec: read(&need(arg)?)?, from_file: true },
            "go-template" | "go-template-file" | "template" | "templatefile" => {
                return Err(format!("{name} output is not supported in Kubarium; use -o jsonpath=… or -o custom-columns=… instead"))
            }
            _ => {
                return Err(format!(
                    "unable to match a printer suitable for the output format {raw:?}, allowed formats are: {ALLOWED_FORMATS}"
                ))
            }
        })
    }

    fn is_human(&self) -> bool {
        matches!(self, OutputFormat::Table { .. })
    }
}

/// One thing to fetch: a kind, and a name (or every object when `None`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Target {
    pub kind: Kind,
    pub name: Option<String>,
}

/// The resources `kind` of `all` expands to, in the order kubectl prints them. Kinds this
/// cluster does not serve yet are skipped.
const ALL_CATEGORY: &[&str] = &[
    "pods",
    "replicationcontrollers",
    "services",
    "daemonsets.apps",
    "deployments.apps",
    "replicasets.apps",
    "statefulsets.apps",
    "horizontalpodautoscalers.autoscaling",
    "cronjobs.batch",
    "jobs.batch",
];

/// Resolves one comma-separated type argument (`pods,nodes`, `all`) to kinds.
fn resolve_types(arg: &str) -> Result<Vec<Kind>, String> {
    let mut kinds = Vec::new();
    for t in arg.split(',').filter(|t| !t.is_empty()) {
        if t.eq_ignore_ascii_case("all") {
            kinds.extend(
                ALL_CATEGORY
                    .iter()
                    .filter_map(|r| Kind::from_resource_name(r)),
            );
            continue;
        }
        kinds.push(super::resolve_kind(t)?);
    }
    Ok(kinds)
}

/// kubectl's `ResourceTypeOrNameArgs`: `TYPE[,TYPE…] [NAME…]` or `TYPE/NAME…`. The flag says
/// whether exactly one object was named (kubectl then prints it bare, not in a `List`).
pub(crate) fn parse_targets(args: &[String]) -> Result<(Vec<Target>, bool), String> {
    let slashed = args.iter().filter(|a| a.contains('/')).count();
    if slashed > 0 && slashed != args.len() {
        return Err("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'".to_string());
    }
    let mut targets = Vec::new();
    if slashed > 0 {
        for a in args {
            let (t, name) = a.split_once('/').unwrap_or((a, ""));
            if t.is_empty() || name.is_empty() || name.contains('/') {
                return Err(
                    "arguments in resource/name form must have a single resource and name"
                        .to_string(),
                );
            }
            for kind in resolve_types(t)? {
                targets.push(Target {
                    kind,
                    name: Some(name.to_string()),
                });
            }
        }
        let single = targets.len() == 1;
        return Ok((targets, single));
    }
    let Some(first) = args.first() else {
        return Ok((targets, false));
    };
    let kinds = resolve_types(first)?;
    let names = &args[1..];
    for kind in &kinds {
        if names.is_empty() {
            targets.push(Target {
                kind: *kind,
                name: None,
            });
        }
        for n in names {
            targets.push(Target {
                kind: *kind,
                name: Some(n.clone()),
            });
        }
    }
    let single = names.len() == 1 && kinds.len() == 1;
    Ok((targets, single))
}

/// A `--field-selector` requirement: `field=value`, `field==value` or `field!=value`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FieldRequirement {
    pub field: String,
    pub value: String,
    pub equal: bool,
}

/// Parses `--field-selector`. Empty input selects everything.
pub(crate) fn parse_field_selector(s: &str) -> Result<Vec<FieldRequirement>, String> {
    let mut reqs = Vec::new();
    for part in s.split(',').filter(|p| !p.is_empty()) {
        let (field, value, equal) = if let Some((f, v)) = part.split_once("!=") {
            (f, v, false)
        } else if let Some((f, v)) = part.split_once("==") {
            (f, v, true)
        } else if let Some((f, v)) = part.split_once('=') {
            (f, v, true)
        } else {
            return Err(format!(
                "invalid selector: '{s}'; can't understand '{part}'"
            ));
        };
        reqs.push(FieldRequirement {
            field: field.trim().to_string(),
            value: value.trim().to_string(),
            equal,
        });
    }
    Ok(reqs)
}

/// The fields the API server lets a field selector use, per kind (beyond `metadata.name` and
/// `metadata.namespace`, which every kind supports).
fn selectable_fields(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Pod => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.podIPs",
            "status.nominatedNodeName",
        ],
        Kind::Event => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        Kind::Secret => &["type"],
        Kind::Namespace => &["status.phase"],
        Kind::Node => &["spec.unschedulable"],
        _ => &[],
    }
}

/// The string a field selector compares for `field` of an object.
fn field_value(obj: &Object, field: &str) -> String {
    if field == "source" {
        if let Some(e) = obj.as_::<k8s_openapi::api::core::v1::Event>() {
            return e
                .source
                .as_ref()
                .and_then(|s| s.component.clone())
                .unwrap_or_default();
        }
    }
    let v = obj.to_value();
    let mut cur = &v;
    for part in field.split('.') {
        match cur.get(part) {
            Some(next) => cur = next,
            None => {
                return if field == "spec.hostNetwork" || field == "spec.unschedulable" {
                    "false".into()
                } else {
                    String::new()
                }
            }
        }
    }
    match cur {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.get("ip").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(","),
        _ => String::new(),
    }
}

/// Checks a field selector against a kind: an unsupported field is the API server's BadRequest.
pub(crate) fn check_field_selector(
    kind: Kind,
    reqs: &[FieldRequirement],
    label: &str,
    raw: &str,
) -> Result<(), ApiError> {
    for r in reqs {
        let f = r.field.as_str();
        if f != "metadata.name"
            && f != "metadata.namespace"
            && !selectable_fields(kind).contains(&f)
        {
            let i = kind.info();
            let gvr = format!("{}/{}, Resource={}", i.group, i.version, i.plural);
            return Err(ApiError::new(
                StatusReason::BadRequest,
                format!("Unable to find {gvr:?} that match label selector {label:?}, field selector {raw:?}: field label not supported: {f}"),
            ));
        }
    }
    Ok(())
}

/// Whether an object satisfies every field requirement.
pub(crate) fn field_matches(obj: &Object, reqs: &[FieldRequirement]) -> bool {
    reqs.iter()
        .all(|r| (field_value(obj, &r.field) == r.value) == r.equal)
}

/// `kind.group/name` as `-o name` and `--show-kind` print it: `pod/web`, `deployment.apps/web`.
pub(crate) fn kind_prefix(kind: Kind) -> String {
    let i = kind.info();
    if i.group.is_empty() {
        i.kind.to_lowercase()
    } else {
        format!("{}.{}", i.kind.to_lowercase(), i.group)
    }
}

/// What a listing asks for besides the targets.
struct Query {
    namespace: String,
    all_namespaces: bool,
    selector: Selector,
    selector_raw: String,
    fields: Vec<FieldRequirement>,
    fields_raw: String,
}

/// Fetches every target: found objects in order, and the errors of those that failed.
fn fetch(ctx: &Ctx, targets: &[Target], q: &Query) -> (Vec<Arc<Object>>, Vec<ApiError>) {
    let api = ctx.cluster.api_ref();
    let mut found = Vec::new();
    let mut errs = Vec::new();
    for t in targets {
        let namespaced = t.kind.info().namespaced;
        if let Err(e) = check_field_selector(t.kind, &q.fields, &q.selector_raw, &q.fields_raw) {
            if !errs.contains(&e) {
                errs.push(e);
            }
            continue;
        }
        match &t.name {
            Some(name) => match api.get(&ObjectKey::new(t.kind, &q.namespace, name)) {
                Ok(o) if field_matches(&o, &q.fields) => found.push(o),
                Ok(_) => errs.push(ApiError::not_found(t.kind, name)),
                Err(e) => errs.push(e),
            },
            None => {
                let ns = if !namespaced || q.all_namespaces {
                    None
                } else {
                    Some(q.namespace.as_str())
                };
                found.extend(api.list(t.kind, ns).into_iter().filter(|o| {
                    q.selector.matches(o.metadata().labels.as_ref()) && field_matches(o, &q.fields)
                }));
            }
        }
    }
    (found, errs)
}

/// The first value a `--sort-by` path finds in an object (`None` when it finds nothing).
fn sort_value(t: &printers::jsonpath::Template, v: &Value) -> Option<Value> {
    let opts = printers::jsonpath::ExecuteOptions {
        allow_missing_keys: true,
        output_json: true,
    };
    let out = printers::jsonpath::execute_with(t, v, opts).ok()?;
    let first = out.split("\n]\n").next()?.to_string() + "\n]";
    let arr: Value = serde_json::from_str(&first).ok()?;
    arr.as_array()?.first().cloned()
}

/// kubectl's `isLess` for values found by `--sort-by`: numbers numerically, strings that both
/// parse as quantities by quantity, other strings bytewise.
fn value_less(a: &Value, b: &Value) -> Result<bool, String> {
    use kubarium_engine::api::quantity::parse_milli;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            Ok(x.as_f64().unwrap_or(0.0) < y.as_f64().unwrap_or(0.0))
        }
        (Value::String(x), Value::String(y)) => match (parse_milli(x), parse_milli(y)) {
            (Some(qx), Some(qy)) => Ok(qx < qy),
            _ => Ok(x < y),
        },
        (Value::Null, Value::Null) => Ok(false),
        (Value::Null, _) => Ok(true),
        (_, Value::Null) => Ok(false),
        (Value::Bool(_), _) => Err("unsortable type: bool".to_string()),
        (Value::Object(_), _) => Err("unsortable type: map[string]interface {}".to_string()),
        (Value::Array(_), _) => Err("unsortable type: []interface {}".to_string()),
        _ => Ok(false),
    }
}

/// Sorts objects by a `--sort-by` JSONPath, stably, the way kubectl's `RuntimeSort` orders
/// them (objects missing the field first).
fn sort_objects(objs: &mut [Arc<Object>], sort_by: &str) -> Result<(), String> {
    let expr = printers::jsonpath::relaxed_json_path_expression(sort_by)?;
    let template = printers::jsonpath::parse(&expr).map_err(|e| e.to_string())?;
    let keyed: Vec<Option<Value>> = objs
        .iter()
        .map(|o| sort_value(&template, &o.to_value()))
        .collect();
    if !objs.is_empty() && keyed.iter().all(Option::is_none) {
        return Err(format!(
            "couldn't find any field with path {expr:?} in the list of objects"
        ));
    }
    let mut idx: Vec<usize> = (0..objs.len()).collect();
    let failure: std::cell::RefCell<Option<String>> = std::cell::RefCell::new(None);
    kubarium_engine::sort::sort_by(&mut idx, |&i, &j| {
        let less = |a: usize, b: usize| -> bool {
            match (&keyed[a], &keyed[b]) {
                (None, _) => true,
                (_, None) => false,
                (Some(x), Some(y)) => value_less(x, y).unwrap_or_else(|e| {
                    failure.borrow_mut().get_or_insert(e);
                    false
                }),
            }
        };
        if i == j {
            std::cmp::Ordering::Equal
        } else if less(i, j) && !less(j, i) {
            std::cmp::Ordering::Less
        } else if less(j, i) && !less(i, j) {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    });
    if let Some(e) = failure.into_inner() {
        return Err(format!("Field {expr} is an unsortable type: {e}"));
    }
    let sorted: Vec<Arc<Object>> = idx.iter().map(|&i| objs[i].clone()).collect();
    objs.clone_from_slice(&sorted);
    Ok(())
}

/// Table options shared by `get` and `get -w`.
pub(crate) struct TableOptions {
    pub wide: bool,
    pub all_namespaces: bool,
    pub show_kind: bool,
    pub no_headers: bool,
    pub show_labels: bool,
    pub label_columns: Vec<String>,
}

/// The header cells of a kind's table as `opts` decorate it (kubectl's `decorateTable`):
/// NAMESPACE first with `-A`, then the kind's columns, `-L` label columns and LABELS.
pub(crate) fn table_header(kind: Kind, opts: &TableOptions) -> Vec<String> {
    let mut h = Vec::new();
    if opts.all_namespaces && kind.info().namespaced {
        h.push("NAMESPACE".to_string());
    }
    h.extend(columns::printer_for(kind).headers(opts.wide));
    h.extend(
        opts.label_columns
            .iter()
            .map(|l| l.rsplit('/').next().unwrap_or(l).to_uppercase()),
    );
    if opts.show_labels {
        h.push("LABELS".to_string());
    }
    h
}

/// One object's row under [`table_header`], each cell made safe for a terminal.
pub(crate) fn table_row(o: &Object, opts: &TableOptions, rc: &RowContext) -> Vec<String> {
    let kind = o.kind();
    let printer = columns::printer_for(kind);
    let mut cells = Vec::new();
    if opts.all_namespaces && kind.info().namespaced {
        cells.push(o.namespace().to_string());
    }
    let mut row = printer.cells(o, rc, opts.wide);
    if opts.show_kind {
        let name_col = printer
            .columns
            .iter()
            .filter(|c| opts.wide || c.priority == 0)
            .position(|c| c.name == "Name");
        if let Some(c) = name_col.and_then(|n| row.get_mut(n)) {
            *c = format!("{}/{c}", kind_prefix(kind));
        }
    }
    cells.extend(row);
    let labels = o.metadata().labels.as_ref();
    for l in &opts.label_columns {
        cells.push(labels.and_then(|m| m.get(l)).cloned().unwrap_or_default());
    }
    if opts.show_labels {
        cells.push(columns::format_labels(labels));
    }
    cells
        .iter()
        .map(|c| printers::table::cell_text(c))
        .collect()
}

/// Prints objects as kubectl's human-readable printer does: one table per run of objects of
/// the same kind, tables separated by an empty line.
pub(crate) fn render_tables(objs: &[Arc<Object>], opts: &TableOptions, now_unix_ms: i64) -> String {
    let rc = RowContext { now_unix_ms };
    let mut out = String::new();
    let mut i = 0;
    while i < objs.len() {
        let kind = objs[i].kind();
        let mut j = i;
        while j < objs.len() && objs[j].kind() == kind {
            j += 1;
        }
        let mut text = String::new();
        if !opts.no_headers {
            text.push_str(&table_header(kind, opts).join("\t"));
            text.push('\n');
        }
        for o in &objs[i..j] {
            text.push_str(&table_row(o, opts, &rc).join("\t"));
            text.push('\n');
        }
        if !out.is_empty() && !opts.no_headers {
            out.push('\n');
        }
        out.push_str(&printers::tabwriter::align(&text));
        i = j;
    }
    out
}

/// Prints objects in a non-table format (`get.go`'s `printGeneric`): one object bare when
/// exactly one was named, else everything wrapped in a `List`.
pub(crate) fn render_generic(
    objs: &[Arc<Object>],
    single: bool,
    format: &OutputFormat,
    no_headers: bool,
) -> Result<String, String> {
    let values: Vec<Value> = objs.iter().map(|o| o.to_value()).collect();
    let doc = if single && values.len() == 1 {
        values[0].clone()
    } else {
        printers::kubectl_list(values.clone())
    };
    Ok(match format {
        OutputFormat::Yaml => printers::yaml::to_yaml(&doc),
        OutputFormat::Json => printers::json::to_json(&doc),
        OutputFormat::Name => objs
            .iter()
            .map(|o| format!("{}/{}\n", kind_prefix(o.kind()), o.name()))
            .collect(),
        OutputFormat::JsonPath { template, as_json } => {
            let t = printers::jsonpath::parse(template).map_err(|e| e.to_string())?;
            let opts = printers::jsonpath::ExecuteOptions {
                allow_missing_keys: true,
                output_json: *as_json,
            };
            printers::jsonpath::execute_with(&t, &doc, opts).map_err(|e| e.to_string())?
        }
        OutputFormat::CustomColumns { spec, from_file } => {
            use printers::custom_columns::CustomColumns;
            let printer = if *from_file {
                CustomColumns::from_template(spec)
            } else {
                CustomColumns::from_spec(spec, no_headers)
            };
            printer
                .and_then(|p| p.print(&values))
                .map_err(|e| e.to_string())?
        }
        OutputFormat::Table { .. } => String::new(),
    })
}

/// `kubectl get`.
/// The API server's warning on every v1 Endpoints request.
pub const ENDPOINTS_DEPRECATED: &str =
    "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice";

pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = match flags::parse(argv, FLAGS) {
        Ok(p) => p,
        Err(e) => return usage_error(ctx, "get", &e),
    };
    let format = match OutputFormat::parse(ctx, p.get("output"), p.get("template")) {
        Ok(f) => f,
        Err(e) => {
            ctx.err(format!("error: {e}\n"));
            return 1;
        }
    };
    if p.is_set("show-labels") && !format.is_human() {
        let o = p.get("output").unwrap_or("");
        ctx.err(format!(
            "error: --show-labels option cannot be used with {o} printer\n"
        ));
        return 1;
    }
    let watch = p.is_set("watch") || p.is_set("watch-only");
    if p.args.is_empty() {
        if p.has("filename") {
            ctx.err("error: kubectl get -f is not available in Kubarium yet; name the resource instead\n");
            return 1;
        }
        ctx.err(concat!(
            "You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\n",
            "error: Required resource not specified.\n",
            "Use \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\n",
            "See 'kubectl get -h' for help and examples\n"
        ));
        return 1;
    }
    let (targets, single) = match parse_targets(&p.args) {
        Ok(t) => t,
        Err(e) => {
            ctx.err(format!("error: {e}\n"));
            return 1;
        }
    };
    let q = match build_query(ctx, &p, &targets) {
        Ok(q) => q,
        Err(e) => {
            ctx.err(format!("error: {e}\n"));
            return 1;
        }
    };
    let (mut objs, mut errs) = fetch(ctx, &targets, &q);
    if p.is_set("ignore-not-found") {
        errs.retain(|e| e.reason != StatusReason::NotFound);
    }
    if let Some(sort_by) = p.get("sort-by").filter(|s| !s.is_empty()) {
        if watch {
            ctx.err(
                "warning: --watch requested, --sort-by will be ignored for watch events received\n",
            );
        }
        if let Err(e) = sort_objects(&mut objs, sort_by) {
            ctx.err(format!("error: {e}\n"));
            return 1;
        }
    }
    let no_headers = p.is_set("no-headers");
    let now = ctx.cluster.now_unix_ms() as i64;
    // The API server answers any v1 Endpoints request with a deprecation warning header,
    // which kubectl prints once (KEP-4974, v1.33+).
    if targets.iter().any(|t| t.kind == Kind::Endpoints) {
        ctx.err(format!("Warning: {ENDPOINTS_DEPRECATED}\n"));
    }
    // kubectl's multipleGVKsRequested looks at the infos it got back. A list request yields
    // one Table per requested type, rows or not, so `all` and `pods,svc` print kinds even when
    // a single type has rows; named objects are one info each, so only the kinds found count.
    let named = targets.iter().any(|t| t.name.is_some());
    let requested_kinds = if named {
        objs.iter()
            .map(|o| o.kind())
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    } else {
        targets
            .iter()
            .map(|t| t.kind)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    let asked_all = !named
        && p.args
            .first()
            .is_some_and(|a| a.split(',').any(|t| t.eq_ignore_ascii_case("all")));
    if watch {
        return run_watch(ctx, &p, format, &targets, &q, objs, errs);
    }
    let mut status = 0;
    if format.is_human() {
        let OutputFormat::Table { wide } = format else {
            return 1;
        };
        let opts = TableOptions {
            wide,
            all_namespaces: q.all_namespaces,
            // kubectl receives one Table per requested type, so asking for several types
            // (or `all`) prefixes names with their kind even when only one type has rows.
            show_kind: (p.is_set("show-kind") || requested_kinds > 1 || asked_all) && !watch,
            no_headers,
            show_labels: p.is_set("show-labels"),
            label_columns: label_columns(&p),
        };
        let text = render_tables(&objs, &opts, now);
        if text.is_empty() && errs.is_empty() && !p.is_set("ignore-not-found") && !watch {
            let all_namespaced =
                !q.all_namespaces && targets.iter().all(|t| t.kind.info().namespaced);
            if all_namespaced {
                ctx.err(format!(
                    "No resources found in {} namespace.\n",
                    q.namespace
                ));
            } else {
                ctx.err("No resources found\n");
            }
        }
        ctx.out(text);
    } else {
        if single && !errs.is_empty() {
            ctx.err(api_errors_text(&errs));
            return 1;
        }
        if objs.is_empty() && p.is_set("ignore-not-found") {
            return 0;
        }
        match render_generic(&objs, single, &format, no_headers) {
            Ok(text) => ctx.out(text),
            Err(e) => {
                ctx.err(format!("error: {e}\n"));
                status = 1;
            }
        }
    }
    if !errs.is_empty() {
        ctx.err(api_errors_text(&errs));
        status = 1;
    }
    status
}

/// `kubectl get -w` (`get.go`'s `watch`): one resource type, its current list, then its
/// changes as they happen (see [`super::watch`]).
fn run_watch(
    ctx: &mut Ctx,
    p: &Parsed,
    format: OutputFormat,
    targets: &[Target],
    q: &Query,
    objs: Vec<Arc<Object>>,
    errs: Vec<ApiError>,
) -> i32 {
    let kinds: std::collections::BTreeSet<Kind> = targets.iter().map(|t| t.kind).collect();
    let Some(&kind) = kinds.iter().next() else {
        return 1;
    };
    if kinds.len() > 1 {
        ctx.err("error: you may only specify a single resource type\n");
        return 1;
    }
    if !errs.is_empty() {
        ctx.err(api_errors_text(&errs));
        return 1;
    }
    let table = TableOptions {
        wide: matches!(format, OutputFormat::Table { wide: true }),
        all_namespaces: q.all_namespaces,
        // kubectl's watch asks for its printer without kinds.
        show_kind: false,
        no_headers: p.is_set("no-headers"),
        show_labels: p.is_set("show-labels"),
        label_columns: label_columns(p),
    };
    let filter = super::watch::Filter {
        kind,
        namespace: (kind.info().namespaced && !q.all_namespaces).then(|| q.namespace.clone()),
        name: targets.first().and_then(|t| t.name.clone()),
        selector: q.selector.clone(),
        fields: q.fields.clone(),
    };
    let printer = super::watch::Printer::new(format, table, p.is_set("output-watch-events"));
    let (stream, text) = match super::watch::Stream::open(
        ctx.cluster,
        filter,
        printer,
        &objs,
        p.is_set("watch-only"),
        ctx.term.deadline_unix_ms,
    ) {
        Ok(opened) => opened,
        Err(e) => {
            ctx.err(format!("error: {e}\n"));
            return 1;
        }
    };
    ctx.out(text);
    if targets.len() > 1 {
        // Several names are several watch sources, which the builder refuses after the list.
        stream.close(ctx.cluster);
        ctx.err("error: you may only watch a single resource or type of resource at a time\n");
        return 1;
    }
    if ctx.term.live_clock {
        // The page's clock feeds the stream from now on, until Ctrl+C.
        ctx.term.stream = Some(stream);
        return 0;
    }
    super::watch::run_inline(ctx, stream)
}

/// `-L`/`--label-columns`, comma-separated and repeatable.
fn label_columns(p: &Parsed) -> Vec<String> {
    p.all("label-columns")
        .iter()
        .flat_map(|l| l.split(','))
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// API errors as kubectl prints them after whatever it could print, one per line.
fn api_errors_text(errs: &[ApiError]) -> String {
    let mut text = errs
        .iter()
        .map(errors::api_error_text)
        .collect::<Vec<_>>()
        .join("\n");
    text.push('\n');
    text
}

/// Namespace, selectors and their checks, shared by `get` and `describe`.
fn build_query(ctx: &Ctx, p: &Parsed, targets: &[Target]) -> Result<Query, String> {
    let all_namespaces = p.is_set("all-namespaces");
    let selector_raw = p.get("selector").unwrap_or("").to_string();
    let selector = Selector::parse(&selector_raw)?;
    let named = targets.iter().any(|t| t.name.is_some());
    if named && all_namespaces {
        return Err("a resource cannot be retrieved by name across all namespaces".to_string());
    }
    if named && !selector_raw.is_empty() {
        return Err("name cannot be provided when a selector is specified".to_string());
    }
    let fields_raw = p.get("field-selector").unwrap_or("").to_string();
    let fields = parse_field_selector(&fields_raw)?;
    Ok(Query {
        namespace: ctx.namespace(p),
        all_namespaces,
        selector,
        selector_raw,
        fields,
        fields_raw,
    })
}

/// When an event last happened, for ordering (`eventTime` of events.k8s.io events as a
/// fallback), in Unix milliseconds.
pub(crate) fn event_time_ms(e: &k8s_openapi::api::core::v1::Event) -> i64 {
    if let Some(t) = e
        .series
        .as_ref()
        .and_then(|s| s.last_observed_time.as_ref())
    {
        return t.0.as_millisecond();
    }
    if let Some(t) = &e.last_timestamp {
        return t.0.as_millisecond();
    }
    e.event_time.as_ref().map_or(0, |t| t.0.as_millisecond())
}

/// `LAST SEEN` of `kubectl events` and of describe's event table: the age, with
/// `(x4 over 5m)` once an event repeated.
pub(crate) fn event_interval(e: &k8s_openapi::api::core::v1::Event, rc: &RowContext) -> String {
    let first = columns::event::first_seen(e, rc);
    if let Some(s) = &e.series {
        let last = s
            .last_observed_time
            .as_ref()
            .map_or("<unknown>".to_string(), |t| {
                rc.since_ms(t.0.as_millisecond())
            });
        format!("{last} (x{} over {first})", s.count.unwrap_or(0))
    } else if e.count.unwrap_or(0) > 1 {
        format!(
            "{} (x{} over {first})",
            rc.since(e.last_timestamp.as_ref()),
            e.count.unwrap_or(0)
        )
    } else {
        first
    }
}

/// `kubectl events`: the namespace's events, oldest first, as `LAST SEEN TYPE REASON OBJECT
/// MESSAGE` (the involved object as `Kind/name`).
pub fn run_events(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = match flags::parse(argv, EVENTS_FLAGS) {
        Ok(p) => p,
        Err(e) => return usage_error(ctx, "events", &e),
    };
    if !p.args.is_empty() {
        ctx.err(format!(
            "error: unknown command {:?} for \"kubectl events\"\n",
            p.args[0]
        ));
        return 1;
    }
    let mut types: Vec<String> = p
        .all("types")
        .iter()
        .flat_map(|t| t.split(','))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    types.sort();
    types.dedup();
    if types
        .iter()
        .any(|t| !t.eq_ignore_ascii_case("Normal") && !t.eq_ignore_ascii_case("Warning"))
    {
        ctx.err("error: valid --types are Normal or Warning\n");
        return 1;
    }
    let for_object = match p.get("for") {
        Some(f) => {
            let Some((t, name)) = f.split_once('/') else {
                ctx.err("error: --for must be in resource/name form\n");
                return 1;
            };
            if name.contains('/') {
                ctx.err(
                    "error: arguments in resource/name form may not have more than one slash\n",
                );
                return 1;
            }
            match super::resolve_kind(t) {
                Ok(k) => Some((k, name.to_string())),
                Err(e) => {
                    ctx.err(format!("error: {e}\n"));
                    return 1;
                }
            }
        }
        None => None,
    };
    let format = match p.get("output") {
        None | Some("") => None,
        o => match OutputFormat::parse(ctx, o, p.get("template")) {
            Ok(OutputFormat::Table { .. }) => {
                ctx.err(format!(
                    "error: unable to match a printer suitable for the output format {:?}, allowed formats are: json,jsonpath,jsonpath-as-json,jsonpath-file,name,yaml\n",
                    o.unwrap_or("")
                ));
                return 1;
            }
            Ok(f) => Some(f),
            Err(e) => {
                ctx.err(format!("error: {e}\n"));
                return 1;
            }
        },
    };
    let all_namespaces = p.is_set("all-namespaces");
    let namespace = ctx.namespace(&p);
    let api = ctx.cluster.api_ref();
    let mut events: Vec<Arc<Object>> = api
        .list(
            Kind::Event,
            if all_namespaces {
                None
            } else {
                Some(&namespace)
            },
        )
        .into_iter()
        .filter(|o| {
            let Some(e) = o.as_::<k8s_openapi::api::core::v1::Event>() else {
                return false;
            };
            let type_ok = types.is_empty()
                || types
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(e.type_.as_deref().unwrap_or("")));
            let for_ok = for_object.as_ref().is_none_or(|(k, n)| {
                e.involved_object.kind.as_deref() == Some(k.name())
                    && e.involved_object.name.as_deref() == Some(n.as_str())
            });
            type_ok && for_ok
        })
        .collect();
    if events.is_empty() && format.is_none() {
        if all_namespaces {
            ctx.err("No events found.\n");
        } else {
            ctx.err(format!("No events found in {namespace} namespace.\n"));
        }
        return 0;
    }
    kubarium_engine::sort::sort_by_key(&mut events, |o| {
        o.as_::<k8s_openapi::api::core::v1::Event>()
            .map_or(0, event_time_ms)
    });
    if let Some(f) = format {
        return match render_generic(&events, false, &f, p.is_set("no-headers")) {
            Ok(text) => {
                ctx.out(text);
                0
            }
            Err(e) => {
                ctx.err(format!("error: {e}\n"));
                1
            }
        };
    }
    let rc = RowContext {
        now_unix_ms: ctx.cluster.now_unix_ms() as i64,
    };
    let mut text = String::new();
    if !p.is_set("no-headers") {
        if all_namespaces {
            text.push_str("NAMESPACE\t");
        }
        text.push_str("LAST SEEN\tTYPE\tREASON\tOBJECT\tMESSAGE\n");
    }
    for o in &events {
        let Some(e) = o.as_::<k8s_openapi::api::core::v1::Event>() else {
            continue;
        };
        if all_namespaces {
            text.push_str(o.namespace());
            text.push('\t');
        }
        text.push_str(&format!(
            "{}\t{}\t{}\t{}/{}\t{}\n",
            event_interval(e, &rc),
            e.type_.as_deref().unwrap_or(""),
            e.reason.as_deref().unwrap_or(""),
            e.involved_object.kind.as_deref().unwrap_or(""),
            e.involved_object.name.as_deref().unwrap_or(""),
            e.message.as_deref().unwrap_or("").trim()
        ));
    }
    ctx.out(printers::tabwriter::align(&text));
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn targets_types_and_names() {
        let (t, single) = parse_targets(&v(&["pods,nodes"])).unwrap();
        assert_eq!(
            t,
            vec![
                Target {
                    kind: Kind::Pod,
                    name: None
                },
                Target {
                    kind: Kind::Node,
                    name: None
                }
            ]
        );
        assert!(!single);
        let (t, single) = parse_targets(&v(&["po", "web"])).unwrap();
        assert_eq!(
            t,
            vec![Target {
                kind: Kind::Pod,
                name: Some("web".into())
            }]
        );
        assert!(single);
        let (t, single) = parse_targets(&v(&["pod/a", "node/b"])).unwrap();
        assert_eq!(t.len(), 2);
        assert!(!single);
        assert!(parse_targets(&v(&["pod", "node/b"]))
            .unwrap_err()
            .starts_with("there is no need to specify a resource type"));
        assert_eq!(
            parse_targets(&v(&["foo"])).unwrap_err(),
            "the server doesn't have a resource type \"foo\""
        );
        let (t, _) = parse_targets(&v(&["all"])).unwrap();
        assert!(t.iter().any(|t| t.kind == Kind::Pod));
    }

    #[test]
    fn field_selector_forms() {
        let r =
            parse_field_selector("status.phase!=Running,spec.nodeName==w1-k8s,metadata.name=web")
                .unwrap();
        assert_eq!(r.len(), 3);
        assert!(!r[0].equal && r[1].equal && r[2].equal);
        assert_eq!(r[1].value, "w1-k8s");
        assert_eq!(
            parse_field_selector("foo").unwrap_err(),
            "invalid selector: 'foo'; can't understand 'foo'"
        );
        let reqs = parse_field_selector("foo=bar").unwrap();
        let e = check_field_selector(Kind::Pod, &reqs, "", "foo=bar").unwrap_err();
        assert_eq!(
            errors::api_error_text(&e),
            "Error from server (BadRequest): Unable to find \"/v1, Resource=pods\" that match label selector \"\", field selector \"foo=bar\": field label not supported: foo"
        );
    }

    #[test]
    fn sort_values_compare_like_kubectl() {
        use serde_json::json;
        assert!(value_less(&json!("100m"), &json!("1")).unwrap());
        assert!(value_less(&json!("b"), &json!("c")).unwrap());
        assert!(value_less(&json!(2), &json!(10)).unwrap());
        assert!(value_less(&json!(true), &json!(false)).is_err());
    }
}
