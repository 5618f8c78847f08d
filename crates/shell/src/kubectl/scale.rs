//! `kubectl scale`: sets `spec.replicas` through the scale subresource of ReplicationControllers,
//! ReplicaSets, Deployments and StatefulSets, with the `--current-replicas` and
//! `--resource-version` preconditions (`pkg/cmd/scale`, `pkg/scale`).

use super::delete::{targets, Target};
use super::errors::api_error_text;
use super::flags::{self, boolean, value, FlagSpec};
use super::print_flags::{self as pf, DryRun};
use super::Ctx;
use kubarium_engine::{ApiError, Object, StatusReason};

const FLAGS: &[FlagSpec] = &[
    value("replicas", None),
    value("current-replicas", None),
    value("resource-version", None),
    value("filename", Some('f')),
    boolean("recursive", Some('R')),
    value("kustomize", Some('k')),
    value("selector", Some('l')),
    boolean("all", None),
    boolean("all-namespaces", Some('A')),
    value("output", Some('o')),
    value("dry-run", None),
    value("timeout", None),
    boolean("record", None),
    boolean("allow-missing-template-keys", None),
    value("template", None),
    boolean("show-managed-fields", None),
];

/// The preconditions a scale checks before writing (`ScalePrecondition`).
struct Precondition {
    /// `--current-replicas`; -1 means none.
    size: i64,
    /// `--resource-version`; empty means none.
    resource_version: String,
}

/// `PreconditionError`: `Expected replicas to be 3, was 2`.
fn check(p: &Precondition, replicas: i32, resource_version: &str) -> Result<(), String> {
    if p.size != -1 && i64::from(replicas) != p.size {
        return Err(format!(
            "Expected replicas to be {}, was {replicas}",
            p.size
        ));
    }
    if !p.resource_version.is_empty() && p.resource_version != resource_version {
        return Err(format!(
            "Expected resourceVersion to be {}, was {resource_version}",
            p.resource_version
        ));
    }
    Ok(())
}

/// `spec.replicas` of a scalable object (the value its scale subresource reports), or `None`
/// for kinds without one.
fn replicas_of(obj: &Object) -> Option<i32> {
    Some(match obj {
        Object::ReplicationController(rc) => rc.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
        Object::ReplicaSet(rs) => rs.spec.replicas.unwrap_or(1),
        Object::Deployment(d) => d.spec.replicas.unwrap_or(1),
        Object::StatefulSet(s) => s.spec.replicas.unwrap_or(1),
        _ => return None,
    })
}

fn set_replicas(obj: &mut Object, n: i32) {
    match obj {
        Object::ReplicationController(rc) => {
            rc.spec.get_or_insert_with(Default::default).replicas = Some(n)
        }
        Object::ReplicaSet(rs) => rs.spec.replicas = Some(n),
        Object::Deployment(d) => d.spec.replicas = Some(n),
        Object::StatefulSet(s) => s.spec.replicas = Some(n),
        _ => {}
    }
}

/// `kubectl scale ...`.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let argv = pf::normalize_argv(argv);
    let parsed = match flags::parse(&argv, FLAGS) {
        Ok(p) => p,
        Err(e) => return pf::flag_error(ctx, "scale", &e),
    };
    let int_flag = |name: &str, default: i64| -> Result<i64, String> {
        match parsed.get(name) {
            None => Ok(default),
            Some(v) => v.parse::<i64>().map_err(|_| {
                format!("invalid argument {v:?} for \"--{name}\" flag: strconv.ParseInt: parsing {v:?}: invalid syntax")
            }),
        }
    };
    let (replicas, current) = match (int_flag("replicas", 0), int_flag("current-replicas", -1)) {
        (Ok(r), Ok(c)) => (r, c),
        (Err(e), _) | (_, Err(e)) => return pf::flag_error(ctx, "scale", &e),
    };
    if !parsed.has("replicas") {
        return pf::fail(ctx, "required flag(s) \"replicas\" not set");
    }
    if replicas < 0 {
        return pf::fail(
            ctx,
            "The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0",
        );
    }
    if current < -1 {
        return pf::fail(
            ctx,
            "The --current-replicas must specify an integer of -1 or greater",
        );
    }
    let dry = match pf::dry_run(&parsed) {
        Ok(d) => d,
        Err(e) => return pf::fail(ctx, &e),
    };
    let out = match pf::output(ctx, &parsed) {
        Ok(o) => o,
        Err(e) => return pf::fail(ctx, &e),
    };
    let found = match targets(ctx, &parsed) {
        Ok(t) => t.unwrap_or_default(),
        Err(e) => {
            ctx.err(format!("{e}\n"));
            return 1;
        }
    };
    let precondition = Precondition {
        size: current,
        resource_version: parsed.get("resource-version").unwrap_or("").to_string(),
    };
    if !precondition.resource_version.is_empty() && found.len() > 1 {
        return pf::fail(ctx, "cannot use --resource-version with multiple resources");
    }
    if found.is_empty() {
        return pf::fail(ctx, "no objects passed to scale");
    }
    for t in &found {
        let scaled = match scale_one(ctx, t, replicas as i32, &precondition, dry) {
            Ok(o) => o,
            Err(e) => {
                ctx.err(format!("{e}\n"));
                return 1;
            }
        };
        let value = scaled.to_value();
        pf::print_result(
            ctx,
            &out,
            t.key.kind,
            &t.key.name,
            "scaled",
            dry,
            &value,
            None,
        );
    }
    0
}

/// Checks the preconditions and writes `spec.replicas` of one object.
fn scale_one(
    ctx: &mut Ctx,
    t: &Target,
    replicas: i32,
    precondition: &Precondition,
    dry: DryRun,
) -> Result<Object, String> {
    let api = ctx.cluster.api();
    let obj = api.get(&t.key).map_err(|e| api_error_text(&e))?;
    let Some(current) = replicas_of(&obj) else {
        let e = ApiError::new(
            StatusReason::NotFound,
            "the server could not find the requested resource",
        );
        return Err(api_error_text(&e));
    };
    let rv = obj.metadata().resource_version.clone().unwrap_or_default();
    check(precondition, current, &rv).map_err(|e| format!("error: {e}"))?;
    let mut updated = (*obj).clone();
    set_replicas(&mut updated, replicas);
    if dry == DryRun::Client {
        return Ok(updated);
    }
    let written = api
        .update(updated, dry == DryRun::Server)
        .map_err(|e| api_error_text(&e))?;
    Ok((*written).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preconditions_word_their_failure_like_kubectl() {
        let p = Precondition {
            size: 3,
            resource_version: String::new(),
        };
        assert_eq!(check(&p, 3, "10"), Ok(()));
        assert_eq!(
            check(&p, 2, "10"),
            Err("Expected replicas to be 3, was 2".to_string())
        );
        let p = Precondition {
            size: -1,
            resource_version: "9".into(),
        };
        assert_eq!(
            check(&p, 2, "10"),
            Err("Expected resourceVersion to be 9, was 10".to_string())
        );
    }
}
