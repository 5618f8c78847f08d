//! kubectl: argument parsing, the verbs, and errors worded as kubectl words them.
//!
//! Each verb lives in its own file with `pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32`
//! (argv without the verb). Everything a verb prints goes through `ctx.io.out`.

pub mod apply;
pub mod attach;
pub mod attachable;
pub mod columns;
pub mod config;
pub mod create;
pub mod delete;
pub mod describe;
pub mod drain;
pub mod edit;
pub mod errors;
pub mod exec;
pub mod expose;
pub mod flags;
pub mod generators;
pub mod get;
pub mod info;
pub mod kubelet_api;
pub mod label;
pub mod logs;
pub mod manifest;
pub mod merge;
pub mod node;
pub mod patch;
pub mod port_forward;
pub mod print_flags;
pub mod record;
pub mod rollout;
pub mod run;
pub mod scale;
pub mod set;
pub mod watch;

use crate::bash::CommandIo;
use kubarium_engine::{Cluster, Kind};

/// What a kubectl verb works with.
pub struct Ctx<'a, 'b> {
    pub cluster: &'a mut Cluster,
    pub io: &'a mut CommandIo<'b>,
    /// The terminal kubectl runs in (a TTY or a script) and requests to it.
    pub term: &'a mut crate::commands::Terminal,
}

impl Ctx<'_, '_> {
    /// Writes to stdout.
    pub fn out(&mut self, s: impl AsRef<str>) {
        self.io.out.stdout(s);
    }
    /// Writes to stderr.
    pub fn err(&mut self, s: impl AsRef<str>) {
        self.io.out.stderr(s);
    }
    /// The namespace a command works in: `-n`, else the current context's namespace from
    /// the kubeconfig, else `default`.
    pub fn namespace(&self, parsed: &flags::Parsed) -> String {
        if let Some(ns) = parsed.get("namespace") {
            return ns.to_string();
        }
        config::current_namespace(self.io.vfs).unwrap_or_else(|| "default".to_string())
    }
}

/// The verbs, in `kubectl --help` order.
const VERBS: &[&str] = &[
    "create",
    "expose",
    "run",
    "set",
    "explain",
    "get",
    "edit",
    "delete",
    "rollout",
    "scale",
    "autoscale",
    "certificate",
    "cluster-info",
    "top",
    "cordon",
    "uncordon",
    "drain",
    "taint",
    "describe",
    "logs",
    "attach",
    "exec",
    "port-forward",
    "proxy",
    "cp",
    "auth",
    "debug",
    "events",
    "diff",
    "apply",
    "patch",
    "replace",
    "wait",
    "kustomize",
    "label",
    "annotate",
    "completion",
    "alpha",
    "api-resources",
    "api-versions",
    "config",
    "plugin",
    "version",
];

/// Runs `kubectl ARGS...` and returns its exit status.
pub fn run(
    cluster: &mut Cluster,
    args: &[String],
    io: &mut CommandIo<'_>,
    term: &mut crate::commands::Terminal,
) -> i32 {
    let mut ctx = Ctx { cluster, io, term };
    // Global flags may come before the verb: `kubectl -n kube-system get pods`.
    let mut i = 0;
    let mut leading = Vec::new();
    while i < args.len() && args[i].starts_with('-') {
        leading.push(args[i].clone());
        let takes_value = flags::GLOBAL_FLAGS.iter().any(|f| {
            f.takes_value
                && (args[i] == format!("--{}", f.long)
                    || f.short.is_some_and(|c| args[i] == format!("-{c}")))
        });
        if takes_value && i + 1 < args.len() {
            leading.push(args[i + 1].clone());
            i += 1;
        }
        i += 1;
    }
    let Some(verb) = args.get(i) else {
        ctx.out(info::HELP);
        return 0;
    };
    let mut rest: Vec<String> = args[i + 1..].to_vec();
    rest.extend(leading);
    let status = match verb.as_str() {
        "get" => get::run(&mut ctx, &rest),
        "describe" => describe::run(&mut ctx, &rest),
        "events" => get::run_events(&mut ctx, &rest),
        "create" => create::run(&mut ctx, &rest),
        "run" => run::run(&mut ctx, &rest),
        "set" => set::run(&mut ctx, &rest),
        "rollout" => rollout::run(&mut ctx, &rest),
        "apply" => apply::run(&mut ctx, &rest),
        "replace" => apply::run_replace(&mut ctx, &rest),
        "edit" => edit::run(&mut ctx, &rest),
        "patch" => patch::run(&mut ctx, &rest),
        "delete" => delete::run(&mut ctx, &rest),
        "scale" => scale::run(&mut ctx, &rest),
        "expose" => expose::run(&mut ctx, &rest),
        "label" => label::run(&mut ctx, &rest, label::Which::Labels),
        "annotate" => label::run(&mut ctx, &rest, label::Which::Annotations),
        "logs" => logs::run(&mut ctx, &rest),
        "exec" => exec::run(&mut ctx, &rest),
        "attach" => attach::run(&mut ctx, &rest),
        "port-forward" => port_forward::run(&mut ctx, &rest),
        "cordon" => node::run_cordon(&mut ctx, &rest, true),
        "uncordon" => node::run_cordon(&mut ctx, &rest, false),
        "taint" => node::run_taint(&mut ctx, &rest),
        "drain" => drain::run(&mut ctx, &rest),
        "config" => config::run(&mut ctx, &rest),
        "version" => info::run_version(&mut ctx, &rest),
        "cluster-info" => info::run_cluster_info(&mut ctx, &rest),
        "api-resources" => info::run_api_resources(&mut ctx, &rest),
        "api-versions" => info::run_api_versions(&mut ctx, &rest),
        "explain" => info::run_explain(&mut ctx, &rest),
        "help" | "--help" | "-h" => {
            ctx.out(info::HELP);
            0
        }
        v if VERBS.contains(&v) => {
            ctx.err(format!(
                "error: kubectl {v} is not available in Kubarium yet\n"
            ));
            1
        }
        other => {
            ctx.err(format!("error: unknown command {other:?} for \"kubectl\"\nRun 'kubectl --help' for usage.\n"));
            1
        }
    };
    status
}

/// Resolves a resource name as typed (`po`, `pods`, `pod`, `Pod`, `pods.v1`) to a served kind,
/// or kubectl's error: `error: the server doesn't have a resource type "foo"`.
pub fn resolve_kind(name: &str) -> Result<Kind, String> {
    Kind::from_resource_name(name)
        .ok_or_else(|| format!("the server doesn't have a resource type {name:?}"))
}
