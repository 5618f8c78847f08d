//! `kubectl rollout` for Deployments (`polymorphichelpers`: `DeploymentStatusViewer`,
//! `DeploymentHistoryViewer`, `DeploymentRollbacker`, the pauser/resumer/restarter).
//! Revisions are the Deployment's ReplicaSets and their `deployment.kubernetes.io/revision`
//! annotations; undo copies an old ReplicaSet's template back into the Deployment.

use super::{patch_error, Request};
use crate::kubectl::describe::pod_template::describe_pod_template;
use crate::kubectl::describe::PrefixWriter;
use crate::kubectl::errors::api_error_text;
use crate::kubectl::print_flags::{self as pf, DryRun};
use crate::kubectl::Ctx;
use k8s_openapi::api::apps::v1::Deployment;
use kubarium_engine::controllers::deployment::{
    self as dc, hash::equal_ignore_hash, progress, rollback,
};
use kubarium_engine::{Object, ObjectKey};

/// The annotation `rollout restart` stamps on the pod template.
pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

/// The status line of a Deployment and whether the rollout is done
/// (`DeploymentStatusViewer.Status`); `Err` for a rollout that can no longer finish.
pub fn status_line(d: &Deployment, revision: i64) -> Result<(String, bool), String> {
    let name = d.metadata.name.as_deref().unwrap_or("");
    if revision > 0 {
        let running = dc::revision_of(&d.metadata);
        if revision != running {
            return Err(format!(
                "desired revision ({revision}) is different from the running revision ({running})"
            ));
        }
    }
    let s = d.status.clone().unwrap_or_default();
    let n = |v: Option<i32>| v.unwrap_or(0);
    if d.metadata.generation.unwrap_or(0) <= s.observed_generation.unwrap_or(0) {
        if progress::get_condition(&s, progress::PROGRESSING)
            .is_some_and(|c| c.reason.as_deref() == Some(progress::TIMED_OUT))
        {
            return Err(format!(
                "deployment {name:?} exceeded its progress deadline"
            ));
        }
        let want = d.spec.replicas;
        if let Some(want) = want.filter(|w| n(s.updated_replicas) < *w) {
            return Ok((
                format!(
                    "Waiting for deployment {name:?} rollout to finish: {} out of {want} new replicas have been updated...\n",
                    n(s.updated_replicas)
                ),
                false,
            ));
        }
        if n(s.replicas) > n(s.updated_replicas) {
            return Ok((
                format!(
                    "Waiting for deployment {name:?} rollout to finish: {} old replicas are pending termination...\n",
                    n(s.replicas) - n(s.updated_replicas)
                ),
                false,
            ));
        }
        if n(s.available_replicas) < n(s.updated_replicas) {
            return Ok((
                format!(
                    "Waiting for deployment {name:?} rollout to finish: {} of {} updated replicas are available...\n",
                    n(s.available_replicas),
                    n(s.updated_replicas)
                ),
                false,
            ));
        }
        return Ok((
            format!("deployment {name:?} successfully rolled out\n"),
            true,
        ));
    }
    Ok((
        "Waiting for deployment spec update to be observed...\n".to_string(),
        false,
    ))
}

/// `rollout status`: prints the status, then — watching — a line each time the
/// Deployment changes as simulated time passes, until the rollout is done or fails.
pub fn status(ctx: &mut Ctx, key: &ObjectKey, req: &Request) -> i32 {
    if ctx.cluster.api_ref().get(key).is_err() {
        ctx.err(format!(
            "Error from server (NotFound): deployments.apps {:?} not found\n",
            key.name
        ));
        return 1;
    }
    super::controller_revision::watch_rollout(ctx, key, req, |obj| match obj.as_::<Deployment>() {
        Some(d) => status_line(d, req.revision),
        None => Err("object has been deleted".to_string()),
    })
}

/// The Pod Template section of one revision (`printTemplate`).
fn template_text(t: &k8s_openapi::api::core::v1::PodTemplateSpec) -> String {
    let mut w = PrefixWriter::default();
    describe_pod_template(&mut w, t);
    w.finish()
}

/// `rollout history`: the `REVISION  CHANGE-CAUSE` table, or with `--revision` that
/// revision's pod template.
pub fn history(ctx: &mut Ctx, obj: &Object, req: &Request) -> i32 {
    let Some(d) = obj.as_::<Deployment>() else {
        return 1;
    };
    let (new, old) = dc::replica_sets_of(ctx.cluster.api_ref(), d);
    let history = rollback::history(new.as_ref(), &old);
    let body = if history.is_empty() {
        "No rollout history found.".to_string()
    } else if req.revision > 0 {
        match history.get(&req.revision) {
            Some(entry) => template_text(&entry.template),
            None => return pf::fail(ctx, "unable to find the specified revision"),
        }
    } else {
        let mut table = String::from("REVISION\tCHANGE-CAUSE\n");
        for (rev, entry) in &history {
            table.push_str(&format!(
                "{rev}\t{}\n",
                entry.change_cause.as_deref().unwrap_or("<none>")
            ));
        }
        crate::kubectl::describe::tabbed_string(&table)
    };
    // kubectl's text ends with a newline and the name printer adds another: a blank line.
    let mut body = body;
    if !body.ends_with('\n') {
        body.push('\n');
    }
    let with_revision = if req.revision > 0 {
        format!("with revision #{}", req.revision)
    } else {
        String::new()
    };
    pf::print_result(
        ctx,
        &req.out,
        obj.kind(),
        obj.name(),
        &format!("{with_revision}\n{body}"),
        DryRun::None,
        &obj.to_value(),
        None,
    );
    0
}

/// `rollout undo [--to-revision=N]`: puts the template (and change-cause) of that
/// revision's ReplicaSet back into the Deployment.
pub fn undo(ctx: &mut Ctx, obj: &Object, req: &Request) -> i32 {
    let Some(d) = obj.as_::<Deployment>() else {
        return 1;
    };
    if req.revision < 0 {
        return pf::fail(
            ctx,
            &rollback::RollbackError::RevisionNotFound(req.revision).to_string(),
        );
    }
    if d.spec.paused == Some(true) {
        return pf::fail(ctx, "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again");
    }
    let (new, old) = dc::replica_sets_of(ctx.cluster.api_ref(), d);
    let rs = match rollback::revision_replica_set(d, new.as_ref(), &old, req.revision) {
        Ok(rs) => rs,
        Err(e) => return pf::fail(ctx, &e.to_string()),
    };
    if req.dry == DryRun::Client {
        let t = rs.spec.template.clone().unwrap_or_default();
        pf::print_result(
            ctx,
            &req.out,
            obj.kind(),
            obj.name(),
            &template_text(&t),
            DryRun::None,
            &obj.to_value(),
            None,
        );
        return 0;
    }
    let revision = if req.revision > 0 {
        req.revision
    } else {
        dc::revision_of(&rs.metadata)
    };
    let template = rs.spec.template.clone().unwrap_or_default();
    if equal_ignore_hash(&template, &d.spec.template) {
        pf::print_result(
            ctx,
            &req.out,
            obj.kind(),
            obj.name(),
            &format!("skipped rollback (current template already matches revision {revision})"),
            DryRun::None,
            &obj.to_value(),
            None,
        );
        return 0;
    }
    let mut updated = d.clone();
    updated.spec.template = rollback::rollback_template(&rs);
    let annotations = rollback::rollback_annotations(d, &rs);
    updated.metadata.annotations = (!annotations.is_empty()).then_some(annotations);
    updated.metadata.resource_version = None;
    match ctx
        .cluster
        .api()
        .update(Object::from(updated), req.dry == DryRun::Server)
    {
        Ok(written) => {
            pf::print_result(
                ctx,
                &req.out,
                obj.kind(),
                obj.name(),
                "rolled back",
                req.dry,
                &written.to_value(),
                None,
            );
            0
        }
        Err(e) => pf::fail(
            ctx,
            &format!("failed restoring revision {revision}: {}", e.message),
        ),
    }
}

/// `rollout pause` / `rollout resume`.
pub fn pause(ctx: &mut Ctx, obj: &Object, req: &Request, pause: bool) -> i32 {
    let Some(d) = obj.as_::<Deployment>() else {
        return 1;
    };
    let paused = d.spec.paused == Some(true);
    if pause && paused {
        return patch_error(ctx, obj, "is already paused");
    }
    if !pause && !paused {
        return patch_error(ctx, obj, "is not paused");
    }
    let mut updated = d.clone();
    updated.spec.paused = pause.then_some(true);
    write(
        ctx,
        obj,
        updated,
        req,
        if pause { "paused" } else { "resumed" },
    )
}

/// `rollout restart`: a new template annotation with the time, so every pod is replaced.
pub fn restart(ctx: &mut Ctx, obj: &Object, req: &Request) -> i32 {
    let Some(d) = obj.as_::<Deployment>() else {
        return 1;
    };
    if d.spec.paused == Some(true) {
        return patch_error(
            ctx,
            obj,
            "can't restart paused deployment (run rollout resume first)",
        );
    }
    let now = ctx.cluster.now().to_k8s_time();
    let stamp = now.0.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut updated = d.clone();
    updated
        .spec
        .template
        .metadata
        .get_or_insert_with(Default::default)
        .annotations
        .get_or_insert_with(Default::default)
        .insert(RESTARTED_AT.to_string(), stamp);
    write(ctx, obj, updated, req, "restarted")
}

fn write(ctx: &mut Ctx, obj: &Object, mut d: Deployment, req: &Request, operation: &str) -> i32 {
    if req.dry == DryRun::Client {
        pf::print_result(
            ctx,
            &req.out,
            obj.kind(),
            obj.name(),
            operation,
            req.dry,
            &Object::from(d).to_value(),
            None,
        );
        return 0;
    }
    d.metadata.resource_version = None;
    match ctx
        .cluster
        .api()
        .update(Object::from(d), req.dry == DryRun::Server)
    {
        Ok(written) => {
            pf::print_result(
                ctx,
                &req.out,
                obj.kind(),
                obj.name(),
                operation,
                req.dry,
                &written.to_value(),
                None,
            );
            0
        }
        Err(e) => {
            ctx.err(format!("{}\n", api_error_text(&e)));
            1
        }
    }
}
