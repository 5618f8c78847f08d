//! `kubectl rollout history|pause|restart|resume|status|undo`: one subcommand table, one
//! module per kind family. Deployments are handled in [`deployment`] (revisions are their
//! ReplicaSets); DaemonSets and StatefulSets keep their revisions in ControllerRevisions and
//! are handled by `controller_revision.rs`, which provides, with the same [`Request`]:
//!
//! ```text
//! pub fn status(ctx: &mut Ctx, key: &ObjectKey, req: &Request) -> i32
//!     // prints the status lines as simulated time passes (`rollout status`)
//! pub fn history(ctx: &mut Ctx, obj: &Object, req: &Request) -> i32
//!     // `REVISION  CHANGE-CAUSE` table, or one revision's Pod Template with --revision
//! pub fn undo(ctx: &mut Ctx, obj: &Object, req: &Request) -> i32
//!     // req.revision = --to-revision (0: the previous one)
//! pub fn restart(ctx: &mut Ctx, obj: &Object, req: &Request) -> i32
//!     // sets the template annotation kubectl.kubernetes.io/restartedAt
//! ```
//!
//! Pause and resume exist for Deployments only: every other kind gets kubectl's
//! `error: daemonsets.apps "x" pausing is not supported` from [`not_supported`].

pub mod controller_revision;
pub mod deployment;

use super::flags::{self, boolean, value, FlagSpec, Parsed};
use super::print_flags::{self as pf, DryRun, Output};
use super::Ctx;
use kubarium_engine::{Kind, Object};

/// What every rollout subcommand passes to a kind's handler.
pub struct Request<'p> {
    pub parsed: &'p Parsed,
    pub dry: DryRun,
    pub out: Output,
    /// `--revision` (status, history) or `--to-revision` (undo); 0 when not given.
    pub revision: i64,
    /// `rollout status --watch` (true unless `--watch=false`).
    pub watch: bool,
    /// `rollout status --timeout` in milliseconds; `None` waits (in simulated time) until
    /// the rollout ends.
    pub timeout_ms: Option<u64>,
}

const COMMON: &[FlagSpec] = &[
    value("filename", Some('f')),
    boolean("recursive", Some('R')),
    value("selector", Some('l')),
    value("kustomize", Some('k')),
    value("output", Some('o')),
    boolean("allow-missing-template-keys", None),
    boolean("show-managed-fields", None),
    value("template", None),
];

const HELP: &str = "Manage the rollout of one or many resources.

 Valid resource types include:

  *  deployments
  *  daemonsets
  *  statefulsets

Examples:
  # Rollback to the previous deployment
  kubectl rollout undo deployment/abc

  # Check the rollout status of a daemonset
  kubectl rollout status daemonset/foo

  # Restart a deployment
  kubectl rollout restart deployment/abc

  # Restart deployments with the 'app=nginx' label
  kubectl rollout restart deployment --selector=app=nginx

Available Commands:
  history       View rollout history
  pause         Mark the provided resource as paused
  restart       Restart a resource
  resume        Resume a paused resource
  status        Show the status of the rollout
  undo          Undo a previous rollout

Usage:
  kubectl rollout SUBCOMMAND [options]

Use \"kubectl rollout <command> --help\" for more information about a given command.
Use \"kubectl options\" for a list of global command-line options (applies to all commands).
";

/// `kubectl rollout ...`.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let sub = match argv.first().map(String::as_str) {
        Some(s @ ("history" | "pause" | "restart" | "resume" | "status" | "undo")) => s,
        Some(other) if !other.starts_with('-') => {
            return pf::usage_error(
                ctx,
                "rollout",
                &format!("unknown command {other:?} for \"kubectl rollout\""),
            )
        }
        _ => {
            ctx.out(HELP);
            return 0;
        }
    };
    let command = format!("rollout {sub}");
    let extra: &[FlagSpec] = match sub {
        "history" => &[value("revision", None)],
        "status" => &[
            value("revision", None),
            boolean("watch", Some('w')),
            value("timeout", None),
        ],
        "undo" => &[value("to-revision", None), value("dry-run", None)],
        "restart" | "pause" | "resume" => &[value("field-manager", None), value("dry-run", None)],
        _ => &[],
    };
    let specs: Vec<FlagSpec> = COMMON.iter().chain(extra).copied().collect();
    let argv = pf::normalize_argv(&argv[1..]);
    let parsed = match flags::parse(&argv, &specs) {
        Ok(p) => p,
        Err(e) => return pf::flag_error(ctx, &command, &e),
    };
    let dry = match pf::dry_run(&parsed) {
        Ok(d) => d,
        Err(e) => return pf::fail(ctx, &e),
    };
    let out = match pf::output(ctx, &parsed) {
        Ok(o) => o,
        Err(e) => return pf::fail(ctx, &e),
    };
    let revision_flag = if sub == "undo" {
        "to-revision"
    } else {
        "revision"
    };
    let revision = match parsed.get(revision_flag).map(str::parse::<i64>) {
        None => 0,
        Some(Ok(r)) => r,
        Some(Err(_)) => {
            let v = parsed.get(revision_flag).unwrap_or("");
            return pf::flag_error(
                ctx,
                &command,
                &format!("invalid argument {v:?} for \"--{revision_flag}\" flag: strconv.ParseInt: parsing {v:?}: invalid syntax"),
            );
        }
    };
    let timeout_ms = match parsed.get("timeout") {
        None => None,
        Some(t) => match parse_go_duration_ms(t) {
            Some(0) => None,
            Some(ms) => Some(ms),
            None => {
                return pf::flag_error(
                    ctx,
                    &command,
                    &format!(
                    "invalid argument {t:?} for \"--timeout\" flag: time: invalid duration {t:?}"
                ),
                )
            }
        },
    };
    let req = Request {
        parsed: &parsed,
        dry,
        out,
        revision,
        watch: parsed.get("watch") != Some("false"),
        timeout_ms,
    };
    if parsed.args.is_empty() && !parsed.has("filename") {
        return pf::usage_error(ctx, &command, "required resource not specified");
    }
    let keys = match super::label::targets(ctx, &parsed, &parsed.args) {
        Ok(k) => k,
        Err(e) => {
            ctx.err(format!("{e}\n"));
            return 1;
        }
    };
    if keys.is_empty() {
        ctx.err(format!(
            "No resources found in {} namespace.\n",
            ctx.namespace(&parsed)
        ));
        return 0;
    }
    let mut status = 0;
    for key in keys {
        let obj = match ctx.cluster.api_ref().get(&key) {
            Ok(o) => (*o).clone(),
            Err(e) => {
                ctx.err(format!("{}\n", super::errors::api_error_text(&e)));
                status = 1;
                continue;
            }
        };
        let s = match (sub, key.kind) {
            ("status", Kind::Deployment) => deployment::status(ctx, &key, &req),
            ("history", Kind::Deployment) => deployment::history(ctx, &obj, &req),
            ("undo", Kind::Deployment) => deployment::undo(ctx, &obj, &req),
            ("restart", Kind::Deployment) => deployment::restart(ctx, &obj, &req),
            ("pause", Kind::Deployment) => deployment::pause(ctx, &obj, &req, true),
            ("resume", Kind::Deployment) => deployment::pause(ctx, &obj, &req, false),
            ("pause", _) => not_supported(ctx, &obj, "pausing"),
            ("resume", _) => not_supported(ctx, &obj, "resuming"),
            ("status", Kind::DaemonSet | Kind::StatefulSet) => {
                controller_revision::status(ctx, &key, &req)
            }
            ("history", Kind::DaemonSet | Kind::StatefulSet) => {
                controller_revision::history(ctx, &obj, &req)
            }
            ("undo", Kind::DaemonSet | Kind::StatefulSet) => {
                controller_revision::undo(ctx, &obj, &req)
            }
            ("restart", Kind::DaemonSet | Kind::StatefulSet) => {
                controller_revision::restart(ctx, &obj, &req)
            }
            ("status", kind) => pf::fail(
                ctx,
                &format!(
                    "no status viewer has been implemented for {}",
                    kind.info().kind
                ),
            ),
            ("history", kind) => pf::fail(
                ctx,
                &format!(
                    "no history viewer has been implemented for {:?}",
                    group_kind(kind)
                ),
            ),
            ("undo", kind) => pf::fail(
                ctx,
                &format!(
                    "no rollbacker has been implemented for {:?}",
                    group_kind(kind)
                ),
            ),
            _ => not_supported(ctx, &obj, "restarting"),
        };
        status = status.max(s);
    }
    status
}

/// `Deployment.apps`, `Pod`: a GroupKind as kubectl prints it.
fn group_kind(kind: Kind) -> String {
    let info = kind.info();
    if info.group.is_empty() {
        info.kind.to_string()
    } else {
        format!("{}.{}", info.kind, info.group)
    }
}

/// `error: daemonsets.apps "x" pausing is not supported`.
pub fn not_supported(ctx: &mut Ctx, obj: &Object, what: &str) -> i32 {
    patch_error(ctx, obj, &format!("{what} is not supported"))
}

/// `error: deployments.apps "x" <msg>`: how the patching subcommands report a refusal.
pub fn patch_error(ctx: &mut Ctx, obj: &Object, msg: &str) -> i32 {
    let info = obj.kind().info();
    let resource = if info.group.is_empty() {
        info.plural.to_string()
    } else {
        format!("{}.{}", info.plural, info.group)
    };
    ctx.err(format!("error: {resource} {:?} {msg}\n", obj.name()));
    1
}

/// Go's `time.ParseDuration` for the forms kubectl users type (`90s`, `5m`, `1h30m`,
/// `500ms`, `0`), in milliseconds.
pub fn parse_go_duration_ms(s: &str) -> Option<u64> {
    if s == "0" {
        return Some(0);
    }
    let mut total = 0f64;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if n_end == 0 {
            return None;
        }
        let n: f64 = rest[..n_end].parse().ok()?;
        rest = &rest[n_end..];
        let u_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..u_end] {
            "ns" => 1e-6,
            "us" | "µs" => 1e-3,
            "ms" => 1.0,
            "s" => 1e3,
            "m" => 60e3,
            "h" => 3600e3,
            _ => return None,
        };
        total += n * unit;
        rest = &rest[u_end..];
    }
    Some(total as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration_ms("90s"), Some(90_000));
        assert_eq!(parse_go_duration_ms("1h30m"), Some(5_400_000));
        assert_eq!(parse_go_duration_ms("500ms"), Some(500));
        assert_eq!(parse_go_duration_ms("0"), Some(0));
        assert_eq!(parse_go_duration_ms("10"), None);
    }
}
