//! `kubectl rollout` for DaemonSets and StatefulSets (`polymorphichelpers`:
//! `DaemonSetStatusViewer`, `StatefulSetStatusViewer`, the ControllerRevision history
//! viewers and rollbackers, the restarter). Their revisions are ControllerRevisions owned by
//! the object; each holds a patch that restores the pod template, and undo applies it.

use super::deployment::RESTARTED_AT;
use super::Request;
use crate::kubectl::describe::pod_template::describe_pod_template;
use crate::kubectl::describe::PrefixWriter;
use crate::kubectl::errors::api_error_text;
use crate::kubectl::print_flags::{self as pf, DryRun};
use crate::kubectl::Ctx;
use k8s_openapi::api::apps::v1::{ControllerRevision, DaemonSet, StatefulSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use kubarium_engine::api::selector::Selector;
use kubarium_engine::controllers::{history, owner};
use kubarium_engine::{Kind, Object, ObjectKey};
use std::sync::Arc;

/// How long `rollout status` keeps watching in simulated time without `--timeout`.
const WATCH_LIMIT_MS: u64 = 3_600_000;

/// The status line of a DaemonSet or StatefulSet and whether its rollout is done; `Err` for
/// objects whose rollout has no status (OnDelete).
pub fn status_line(obj: &Object) -> Result<(String, bool), String> {
    match obj {
        Object::DaemonSet(ds) => daemon_set_status(ds),
        Object::StatefulSet(sts) => stateful_set_status(sts),
        _ => Err(format!(
            "no status viewer has been implemented for {}",
            obj.kind().name()
        )),
    }
}

/// `DaemonSetStatusViewer.Status`.
fn daemon_set_status(ds: &DaemonSet) -> Result<(String, bool), String> {
    let strategy = ds
        .spec
        .update_strategy
        .as_ref()
        .and_then(|s| s.type_.as_deref());
    if strategy != Some("RollingUpdate") {
        return Err("rollout status is only available for RollingUpdate strategy type".into());
    }
    let name = ds.metadata.name.as_deref().unwrap_or("");
    let s = ds.status.clone().unwrap_or_default();
    if ds.metadata.generation.unwrap_or(0) > s.observed_generation.unwrap_or(0) {
        return Ok((
            "Waiting for daemon set spec update to be observed...\n".into(),
            false,
        ));
    }
    let updated = s.updated_number_scheduled.unwrap_or(0);
    let available = s.number_available.unwrap_or(0);
    let desired = s.desired_number_scheduled;
    if updated < desired {
        return Ok((
            format!("Waiting for daemon set {name:?} rollout to finish: {updated} out of {desired} new pods have been updated...\n"),
            false,
        ));
    }
    if available < desired {
        return Ok((
            format!("Waiting for daemon set {name:?} rollout to finish: {available} of {desired} updated pods are available...\n"),
            false,
        ));
    }
    Ok((
        format!("daemon set {name:?} successfully rolled out\n"),
        true,
    ))
}

/// `StatefulSetStatusViewer.Status`. The API server defaults `partition: 0`, so a plain
/// rolling update ends with "partitioned roll out complete", as on a real cluster.
fn stateful_set_status(sts: &StatefulSet) -> Result<(String, bool), String> {
    let strategy = sts.spec.update_strategy.as_ref();
    if strategy.and_then(|s| s.type_.as_deref()) != Some("RollingUpdate") {
        return Err("rollout status is only available for RollingUpdate strategy type".into());
    }
    let s = sts.status.clone().unwrap_or_default();
    let observed = s.observed_generation.unwrap_or(0);
    if observed == 0 || sts.metadata.generation.unwrap_or(0) > observed {
        return Ok((
            "Waiting for statefulset spec update to be observed...\n".into(),
            false,
        ));
    }
    let ready = s.ready_replicas.unwrap_or(0);
    let updated = s.updated_replicas.unwrap_or(0);
    if let Some(replicas) = sts.spec.replicas.filter(|r| ready < *r) {
        return Ok((
            format!("Waiting for {} pods to be ready...\n", replicas - ready),
            false,
        ));
    }
    if let Some(ru) = strategy.and_then(|s| s.rolling_update.as_ref()) {
        if let (Some(replicas), Some(partition)) = (sts.spec.replicas, ru.partition) {
            if updated < replicas - partition {
                return Ok((
                    format!(
                        "Waiting for partitioned roll out to finish: {updated} out of {} new pods have been updated...\n",
                        replicas - partition
                    ),
                    false,
                ));
            }
        }
        return Ok((
            format!("partitioned roll out complete: {updated} new pods have been updated...\n"),
            true,
        ));
    }
    let update = s.update_revision.unwrap_or_default();
    let current = s.current_revision.unwrap_or_default();
    if update != current {
        return Ok((
            format!("waiting for statefulset rolling update to complete {updated} pods at revision {update}...\n"),
            false,
        ));
    }
    Ok((
        format!(
            "statefulset rolling update complete {} pods at revision {current}...\n",
            s.current_replicas.unwrap_or(0)
        ),
        true,
    ))
}

/// `rollout status`: the status line, then (watching) a new line each time the object
/// changes as simulated time passes, until the rollout is done.
pub fn status(ctx: &mut Ctx, key: &ObjectKey, req: &Request) -> i32 {
    watch_rollout(ctx, key, req, status_line)
}

/// The watch loop of `rollout status` for any kind: prints `line(object)`, then lets simulated
/// time pass a second at a time and prints again whenever the object changed, until the
/// line says the rollout is done, fails, `--timeout` runs out or (without one) an hour of
/// simulated time has passed.
pub fn watch_rollout(
    ctx: &mut Ctx,
    key: &ObjectKey,
    req: &Request,
    line: impl Fn(&Object) -> Result<(String, bool), String>,
) -> i32 {
    let read = |ctx: &Ctx| {
        ctx.cluster.api_ref().get(key).ok().map(|o| {
            let rv = o.metadata().resource_version.clone().unwrap_or_default();
            (o, rv)
        })
    };
    let Some((mut obj, mut rv)) = read(ctx) else {
        return 1;
    };
    let start = ctx.cluster.now().ms();
    let limit = req.timeout_ms.unwrap_or(WATCH_LIMIT_MS);
    loop {
        match line(&obj) {
            Err(e) => return pf::fail(ctx, &e),
            Ok((text, done)) => {
                ctx.out(&text);
                if done || !req.watch {
                    return 0;
                }
            }
        }
        loop {
            if ctx.cluster.now().ms() - start >= limit {
                if req.timeout_ms.is_some() {
                    return pf::fail(ctx, "timed out waiting for the condition");
                }
                ctx.err(format!(
                    "kubarium: stopped watching after {} minutes of simulated time; a real kubectl would keep waiting until interrupted (Ctrl+C)\n",
                    WATCH_LIMIT_MS / 60_000
                ));
                return 1;
            }
            ctx.cluster.advance(1000);
            match read(ctx) {
                None => return pf::fail(ctx, "object has been deleted"),
                Some((o, r)) if r != rv => {
                    obj = o;
                    rv = r;
                    break;
                }
                Some(_) => {}
            }
        }
    }
}

/// The object's pod template.
fn template_of(obj: &Object) -> Option<&PodTemplateSpec> {
    match obj {
        Object::DaemonSet(ds) => Some(&ds.spec.template),
        Object::StatefulSet(sts) => Some(&sts.spec.template),
        _ => None,
    }
}

/// The ControllerRevisions the object controls and its selector matches, oldest first
/// (`controlledHistory`).
fn revisions(ctx: &Ctx, obj: &Object) -> Vec<Arc<Object>> {
    let selector = match obj {
        Object::DaemonSet(ds) => Selector::from_label_selector(&ds.spec.selector).ok(),
        Object::StatefulSet(sts) => Selector::from_label_selector(&sts.spec.selector).ok(),
        _ => None,
    };
    let uid = obj.metadata().uid.clone().unwrap_or_default();
    let mut revs: Vec<Arc<Object>> = ctx
        .cluster
        .api_ref()
        .list(Kind::ControllerRevision, Some(obj.namespace()))
        .into_iter()
        .filter(|r| owner::is_controlled_by(r, &uid))
        .filter(|r| {
            selector
                .as_ref()
                .is_some_and(|s| s.matches(r.metadata().labels.as_ref()))
        })
        .collect();
    history::sort_revisions(&mut revs);
    revs
}

fn template_text(t: &PodTemplateSpec) -> String {
    let mut w = PrefixWriter::default();
    describe_pod_template(&mut w, t);
    w.finish()
}

/// `rollout history`: `REVISION  CHANGE-CAUSE` (the change-cause annotation each revision
/// copied from its owner), or with `--revision` that revision's pod template.
pub fn history(ctx: &mut Ctx, obj: &Object, req: &Request) -> i32 {
    let revs = revisions(ctx, obj);
    let body = if revs.is_empty() {
        "No rollout history found.".to_string()
    } else if req.revision > 0 {
        let found = revs
            .iter()
            .filter_map(|r| r.as_::<ControllerRevision>())
            .find(|r| r.revision == Some(req.revision))
            .and_then(history::template_of);
        match found {
            Some(t) => template_text(&t),
            None => return pf::fail(ctx, "unable to find the specified revision"),
        }
    } else {
        let mut table = String::from("REVISION\tCHANGE-CAUSE\n");
        for r in revs.iter().filter_map(|r| r.as_::<ControllerRevision>()) {
            let cause = r
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("kubernetes.io/change-cause"))
                .filter(|c| !c.is_empty())
                .map_or("<none>", String::as_str);
            table.push_str(&format!("{}\t{cause}\n", r.revision.unwrap_or(0)));
        }
        crate::kubectl::describe::tabbed_string(&table)
    };
    let with_revision = if req.revision > 0 {
        format!("with revision #{}", req.revision)
    } else {
        String::new()
    };
    say(
        ctx,
        req,
        obj,
        &format!("{with_revision}\n{body}"),
        DryRun::None,
        &obj.to_value(),
    );
    0
}

/// `rollout undo [--to-revision=N]`: applies the patch of that revision (the one before the
/// newest when N is 0) to the object (`DaemonSetRollbacker`, `StatefulSetRollbacker`).
pub fn undo(ctx: &mut Ctx, obj: &Object, req: &Request) -> i32 {
    if req.revision < 0 {
        return pf::fail(
            ctx,
            &format!(
                "unable to find specified revision {} in history",
                req.revision
            ),
        );
    }
    let revs = revisions(ctx, obj);
    if req.revision == 0 && revs.len() <= 1 {
        return pf::fail(ctx, "no last revision to roll back to");
    }
    let target = if req.revision == 0 {
        revs.get(revs.len() - 2)
    } else {
        revs.iter()
            .find(|r| history::revision_number(r) == req.revision)
    };
    let Some(target) = target.cloned() else {
        return pf::fail(
            ctx,
            &format!(
                "unable to find specified revision {} in history",
                req.revision
            ),
        );
    };
    let Some(template) = target
        .as_::<ControllerRevision>()
        .and_then(history::template_of)
    else {
        return pf::fail(ctx, "unable to find the specified revision");
    };
    if req.dry == DryRun::Client {
        say(
            ctx,
            req,
            obj,
            &template_text(&template),
            DryRun::None,
            &obj.to_value(),
        );
        return 0;
    }
    if template_of(obj).is_some_and(|t| history::matches_template(&target, t)) {
        let msg = format!(
            "skipped rollback (current template already matches revision {})",
            req.revision
        );
        say(ctx, req, obj, &msg, DryRun::None, &obj.to_value());
        return 0;
    }
    let mut updated = obj.clone();
    set_template(&mut updated, template);
    match write(ctx, updated, req.dry) {
        Ok(written) => {
            say(ctx, req, obj, "rolled back", req.dry, &written.to_value());
            0
        }
        Err(e) => pf::fail(
            ctx,
            &format!("failed restoring revision {}: {}", req.revision, e.message),
        ),
    }
}

/// `rollout restart`: stamps `kubectl.kubernetes.io/restartedAt` on the pod template, so
/// every pod is replaced by the rollout.
pub fn restart(ctx: &mut Ctx, obj: &Object, req: &Request) -> i32 {
    let Some(mut template) = template_of(obj).cloned() else {
        return 1;
    };
    let now = ctx.cluster.now().to_k8s_time();
    let stamp = now.0.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    template
        .metadata
        .get_or_insert_with(Default::default)
        .annotations
        .get_or_insert_with(Default::default)
        .insert(RESTARTED_AT.to_string(), stamp);
    let mut updated = obj.clone();
    set_template(&mut updated, template);
    if req.dry == DryRun::Client {
        say(ctx, req, obj, "restarted", req.dry, &updated.to_value());
        return 0;
    }
    match write(ctx, updated, req.dry) {
        Ok(written) => {
            say(ctx, req, obj, "restarted", req.dry, &written.to_value());
            0
        }
        Err(e) => {
            ctx.err(format!("{}\n", api_error_text(&e)));
            1
        }
    }
}

/// Prints `<kind>.<group>/<name> <msg>` (or the object in the `-o` format).
fn say(
    ctx: &mut Ctx,
    req: &Request,
    obj: &Object,
    msg: &str,
    dry: DryRun,
    value: &serde_json::Value,
) {
    pf::print_result(ctx, &req.out, obj.kind(), obj.name(), msg, dry, value, None);
}

fn set_template(obj: &mut Object, template: PodTemplateSpec) {
    match obj {
        Object::DaemonSet(ds) => ds.spec.template = template,
        Object::StatefulSet(sts) => sts.spec.template = template,
        _ => {}
    }
}

fn write(
    ctx: &mut Ctx,
    mut obj: Object,
    dry: DryRun,
) -> Result<Arc<Object>, kubarium_engine::ApiError> {
    obj.metadata_mut().resource_version = None;
    ctx.cluster.api().update(obj, dry == DryRun::Server)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn daemon_set_status_lines() {
        let ds = |status: serde_json::Value| {
            Object::DaemonSet(
                serde_json::from_value(json!({
                    "metadata": {"name": "fluentd", "generation": 2},
                    "spec": {"selector": {}, "template": {}, "updateStrategy": {"type": "RollingUpdate"}},
                    "status": status
                }))
                .unwrap(),
            )
        };
        let base = json!({"observedGeneration": 2, "desiredNumberScheduled": 3,
            "currentNumberScheduled": 3, "numberReady": 3, "numberMisscheduled": 0});
        let mut s = base.clone();
        s["updatedNumberScheduled"] = json!(1);
        assert_eq!(
            status_line(&ds(s)).unwrap().0,
            "Waiting for daemon set \"fluentd\" rollout to finish: 1 out of 3 new pods have been updated...\n"
        );
        let mut s = base.clone();
        s["updatedNumberScheduled"] = json!(3);
        s["numberAvailable"] = json!(3);
        assert_eq!(
            status_line(&ds(s)).unwrap(),
            (
                "daemon set \"fluentd\" successfully rolled out\n".to_string(),
                true
            )
        );
    }

    #[test]
    fn stateful_set_with_default_partition_reports_partitioned_rollout() {
        let sts: StatefulSet = serde_json::from_value(json!({
            "metadata": {"name": "web", "generation": 1},
            "spec": {"replicas": 3, "selector": {}, "template": {}, "serviceName": "web",
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}},
            "status": {"observedGeneration": 1, "replicas": 3, "readyReplicas": 3, "updatedReplicas": 3}
        }))
        .unwrap();
        assert_eq!(
            status_line(&Object::from(sts)).unwrap(),
            (
                "partitioned roll out complete: 3 new pods have been updated...\n".to_string(),
                true
            )
        );
    }
}
