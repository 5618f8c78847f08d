//! `kubectl drain NODE`: cordon the node, then evict its pods through the Eviction API and wait
//! (in simulated time) until they are gone, as kubectl's `pkg/drain` does.
//!
//! The pods of the node pass kubectl's filters in order — skip long-deleted pods (with
//! `--skip-wait-for-delete-timeout`), DaemonSet-managed pods (refused unless
//! `--ignore-daemonsets`, then left alone), mirror pods (skipped), pods with emptyDir volumes
//! (refused unless `--delete-emptydir-data`), pods that declare no controller (refused unless
//! `--force`). Any refusal stops the drain of that node before anything is evicted:
//!
//! ```text
//! node/w3-k8s cordoned
//! error: unable to drain node "w3-k8s" due to error: cannot delete Pods that declare no controller (use --force to override): default/nginx-pod, continuing command...
//! There are pending nodes to be drained:
//!  w3-k8s
//! cannot delete Pods that declare no controller (use --force to override): default/nginx-pod
//! ```

use super::errors::api_error_text;
use super::flags::{self, boolean, value, FlagSpec};
use super::print_flags::{self as pf, DryRun};
use super::Ctx;
use k8s_openapi::api::core::v1::PodCondition;
use kubarium_engine::api::selector::Selector;
use kubarium_engine::api::{DaemonSet, Pod};
use kubarium_engine::{DeleteOptions, Kind, Object, ObjectKey};

const FLAGS: &[FlagSpec] = &[
    boolean("force", None),
    boolean("ignore-daemonsets", None),
    boolean("delete-emptydir-data", None),
    boolean("disable-eviction", None),
    value("grace-period", None),
    value("timeout", None),
    value("pod-selector", None),
    value("selector", Some('l')),
    value("skip-wait-for-delete-timeout", None),
    value("chunk-size", None),
    value("dry-run", None),
    value("output", Some('o')),
];

const DAEMONSET_FATAL: &str = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)";
const DAEMONSET_WARNING: &str = "ignoring DaemonSet-managed Pods";
const LOCAL_STORAGE_FATAL: &str =
    "Pods with local storage (use --delete-emptydir-data to override)";
const LOCAL_STORAGE_WARNING: &str = "deleting Pods with local storage";
const UNMANAGED_FATAL: &str = "Pods that declare no controller (use --force to override)";
const UNMANAGED_WARNING: &str = "deleting Pods that declare no controller";

/// How long Kubarium lets a drain without `--timeout` wait for pods that never go (a pod on
/// a node whose kubelet is down stays Terminating; the real kubectl waits until Ctrl+C).
const UNBOUNDED_WAIT_MS: u64 = 60 * 60 * 1000;

/// What the filters decided about one pod (`PodDeleteStatus`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Delete,
    Skip,
    /// Delete (or not) with a warning.
    Warn {
        delete: bool,
        message: String,
    },
    Refuse(String),
}

impl Decision {
    fn deletes(&self) -> bool {
        matches!(self, Decision::Delete | Decision::Warn { delete: true, .. })
    }
}

/// The drain options the filters look at.
#[derive(Clone, Copy, Debug, Default)]
pub struct FilterOpts {
    pub force: bool,
    pub ignore_daemonsets: bool,
    pub delete_emptydir_data: bool,
    /// `--skip-wait-for-delete-timeout` in seconds (0: off).
    pub skip_deleted_after_secs: u64,
}

/// What a pod is, as far as the filters care.
#[derive(Clone, Debug, Default)]
pub struct PodFacts {
    /// Succeeded or Failed.
    pub finished: bool,
    /// Kind and name of the controller owner reference, if any.
    pub controller: Option<(String, String)>,
    /// For a DaemonSet controller: whether that DaemonSet exists.
    pub daemonset_exists: bool,
    pub mirror: bool,
    pub empty_dir: bool,
    /// Seconds since its deletion timestamp, if it is being deleted.
    pub deleted_for_secs: Option<u64>,
}

/// kubectl's filter chain: the first filter that does not delete decides; otherwise the last
/// filter's status stands (so an earlier warning can be dropped, as in kubectl).
pub fn decide(p: &PodFacts, o: &FilterOpts) -> Decision {
    let filters: [&dyn Fn() -> Decision; 5] = [
        &|| match p.deleted_for_secs {
            Some(s) if o.skip_deleted_after_secs > 0 && s > o.skip_deleted_after_secs => {
                Decision::Skip
            }
            _ => Decision::Delete,
        },
        &|| match &p.controller {
            Some((kind, name)) if kind == "DaemonSet" && !p.finished => {
                if !p.daemonset_exists {
                    let msg = format!("daemonsets.apps \"{name}\" not found");
                    if o.force {
                        Decision::Warn {
                            delete: true,
                            message: msg,
                        }
                    } else {
                        Decision::Refuse(msg)
                    }
                } else if !o.ignore_daemonsets {
                    Decision::Refuse(DAEMONSET_FATAL.into())
                } else {
                    Decision::Warn {
                        delete: false,
                        message: DAEMONSET_WARNING.into(),
                    }
                }
            }
            _ => Decision::Delete,
        },
        &|| {
            if p.mirror {
                Decision::Skip
            } else {
                Decision::Delete
            }
        },
        &|| {
            if !p.empty_dir || p.finished {
                Decision::Delete
            } else if !o.delete_emptydir_data {
                Decision::Refuse(LOCAL_STORAGE_FATAL.into())
            } else {
                Decision::Warn {
                    delete: true,
                    message: LOCAL_STORAGE_WARNING.into(),
                }
            }
        },
        &|| {
            if p.finished || p.controller.is_some() {
                Decision::Delete
            } else if o.force {
                Decision::Warn {
                    delete: true,
                    message: UNMANAGED_WARNING.into(),
                }
            } else {
                Decision::Refuse(UNMANAGED_FATAL.into())
            }
        },
    ];
    let mut status = Decision::Delete;
    for f in filters {
        status = f();
        if !status.deletes() {
            break;
        }
    }
    status
}

/// Messages grouped in the order they first appear, each with its pods (`ns/name`).
fn group(items: &[(String, String)]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (msg, pod) in items {
        match out.iter_mut().find(|(m, _)| m == msg) {
            Some((_, pods)) => pods.push(pod.clone()),
            None => out.push((msg.clone(), vec![pod.clone()])),
        }
    }
    out
}

/// `utilerrors.NewAggregate(errs).Error()`: one message as is, several as `[a, b]`.
fn aggregate(msgs: &[String]) -> String {
    if msgs.len() == 1 {
        msgs[0].clone()
    } else {
        format!("[{}]", msgs.join(", "))
    }
}

fn facts(ctx: &Ctx, pod: &Pod) -> PodFacts {
    let now = ctx.cluster.now();
    let controller = pod
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|r| r.controller == Some(true))
        .map(|r| (r.kind.clone(), r.name.clone(), r.api_version.clone()));
    let daemonset_exists = controller.as_ref().is_some_and(|(kind, name, _)| {
        kind == "DaemonSet"
            && ctx
                .cluster
                .api_ref()
                .get(&ObjectKey::new(
                    Kind::DaemonSet,
                    pod.metadata.namespace.as_deref().unwrap_or("default"),
                    name,
                ))
                .is_ok_and(|o| o.as_::<DaemonSet>().is_some())
    });
    let mirror = pod
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key("kubernetes.io/config.mirror"))
        // The kubelet makes a mirror pod the Node's dependent; nothing else is owned by a Node.
        || controller.as_ref().is_some_and(|(kind, _, v)| kind == "Node" && v == "v1");
    PodFacts {
        finished: matches!(
            pod.status.as_ref().and_then(|s| s.phase.as_deref()),
            Some("Succeeded" | "Failed")
        ),
        controller: controller.map(|(k, n, _)| (k, n)),
        daemonset_exists,
        mirror,
        empty_dir: pod
            .spec
            .as_ref()
            .and_then(|s| s.volumes.as_ref())
            .is_some_and(|vs| vs.iter().any(|v| v.empty_dir.is_some())),
        deleted_for_secs: pod.metadata.deletion_timestamp.as_ref().map(|t| {
            now.ms()
                .saturating_sub(kubarium_engine::SimTime::from_k8s_time(t).ms())
                / 1000
        }),
    }
}

/// `kubectl drain`.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let argv = pf::normalize_argv(argv);
    let parsed = match flags::parse(&argv, FLAGS) {
        Ok(p) => p,
        Err(e) => return pf::flag_error(ctx, "drain", &e),
    };
    let dry = match pf::dry_run(&parsed) {
        Ok(d) => d,
        Err(e) => return pf::fail(ctx, &e),
    };
    if parsed.args.is_empty() && !parsed.has("selector") {
        return pf::usage_error(ctx, "drain", "USAGE: drain NODE [flags]");
    }
    if !parsed.args.is_empty() && parsed.get("selector").is_some_and(|s| !s.is_empty()) {
        return pf::usage_error(
            ctx,
            "drain",
            "cannot specify both a node name and a --selector option",
        );
    }
    let int_flag = |name: &str| -> Result<Option<i64>, String> {
        match parsed.get(name) {
            None => Ok(None),
            Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
                format!("invalid argument {v:?} for \"--{name}\" flag: strconv.ParseInt: parsing {v:?}: invalid syntax")
            }),
        }
    };
    let grace = match int_flag("grace-period") {
        Ok(g) => g.unwrap_or(-1),
        Err(e) => return pf::flag_error(ctx, "drain", &e),
    };
    let skip_after = match int_flag("skip-wait-for-delete-timeout") {
        Ok(s) => s.unwrap_or(0).max(0) as u64,
        Err(e) => return pf::flag_error(ctx, "drain", &e),
    };
    let timeout_ms = match parsed.get("timeout") {
        None => 0,
        Some(v) => match super::rollout::parse_go_duration_ms(v) {
            Some(ms) => ms,
            None => {
                return pf::flag_error(
                    ctx,
                    "drain",
                    &format!(
                    "invalid argument {v:?} for \"--timeout\" flag: time: invalid duration {v:?}"
                ),
                )
            }
        },
    };
    let pod_selector = match parsed.get("pod-selector") {
        None | Some("") => None,
        Some(s) => match Selector::parse(s) {
            Ok(sel) => Some(sel),
            Err(_) => {
                return pf::fail(
                    ctx,
                    "--pod-selector=<pod_selector> must be a valid label selector",
                )
            }
        },
    };
    let opts = FilterOpts {
        force: parsed.is_set("force"),
        ignore_daemonsets: parsed.is_set("ignore-daemonsets"),
        delete_emptydir_data: parsed.is_set("delete-emptydir-data"),
        skip_deleted_after_secs: skip_after,
    };
    let use_eviction = !parsed.is_set("disable-eviction");

    // The nodes, as the resource builder finds them (a missing one stops everything).
    let names: Vec<String> = match parsed.get("selector").filter(|s| !s.is_empty()) {
        Some(s) => match Selector::parse(s) {
            Ok(sel) => ctx
                .cluster
                .api_ref()
                .list(Kind::Node, None)
                .iter()
                .filter(|n| sel.matches(n.metadata().labels.as_ref()))
                .map(|n| n.name().to_string())
                .collect(),
            Err(e) => return pf::fail(ctx, &e),
        },
        None => parsed.args.clone(),
    };
    for name in &names {
        if let Err(e) = ctx
            .cluster
            .api_ref()
            .get(&ObjectKey::new(Kind::Node, "", name))
        {
            ctx.err(format!("{}\n", api_error_text(&e)));
            return 1;
        }
    }
    if names.is_empty() {
        ctx.err("No resources found\n");
        return 0;
    }
    let mut cordon_argv = names.clone();
    if let Some(d) = parsed.get("dry-run") {
        cordon_argv.push(format!("--dry-run={d}"));
    }
    let status = super::node::run_cordon(ctx, &cordon_argv, true);
    if status != 0 {
        return status;
    }

    let mut failed: Vec<Vec<String>> = Vec::new();
    let mut remaining: Vec<String> = Vec::new();
    for name in &names {
        let drain = Drain {
            node: name,
            opts,
            pod_selector: pod_selector.as_ref(),
            grace,
            timeout_ms,
            dry,
            use_eviction,
        };
        match drain.run(ctx) {
            Ok(()) => ctx.out(format!("node/{name} drained{}\n", dry.suffix())),
            Err(err) => {
                ctx.err(format!(
                    "error: unable to drain node {name:?} due to error: {}, continuing command...\n",
                    aggregate(&err)
                ));
                failed.push(err);
                remaining.push(name.clone());
            }
        }
    }
    if remaining.is_empty() {
        return 0;
    }
    ctx.err("There are pending nodes to be drained:\n");
    for n in &remaining {
        ctx.err(format!(" {n}\n"));
    }
    // cmdutil.CheckErr unwraps an aggregate of one and prints each of its errors on a line.
    let lines: Vec<String> = match failed.as_slice() {
        [one] => one.clone(),
        many => many.iter().map(|e| aggregate(e)).collect(),
    };
    for m in &lines {
        ctx.err(format!("{m}\n"));
    }
    1
}

/// The drain of one node.
struct Drain<'a> {
    node: &'a str,
    opts: FilterOpts,
    pod_selector: Option<&'a Selector>,
    grace: i64,
    timeout_ms: u64,
    dry: DryRun,
    use_eviction: bool,
}

impl Drain<'_> {
    /// The node's pods with the filters' decisions, in API list order (namespace, name).
    fn pods(&self, ctx: &Ctx) -> Vec<(Pod, Decision)> {
        ctx.cluster
            .api_ref()
            .list(Kind::Pod, None)
            .iter()
            .filter_map(|o| o.as_::<Pod>().cloned())
            .filter(|p| p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(self.node))
            .filter(|p| {
                self.pod_selector
                    .is_none_or(|s| s.matches(p.metadata.labels.as_ref()))
            })
            .map(|p| {
                let d = decide(&facts(ctx, &p), &self.opts);
                (p, d)
            })
            .collect()
    }

    /// `deleteOrEvictPodsSimple`: the errors (one per refusal message) if the node could not
    /// be drained.
    fn run(&self, ctx: &mut Ctx) -> Result<(), Vec<String>> {
        let list = self.pods(ctx);
        let id = |p: &Pod| {
            format!(
                "{}/{}",
                p.metadata.namespace.as_deref().unwrap_or(""),
                p.metadata.name.as_deref().unwrap_or("")
            )
        };
        let refusals: Vec<(String, String)> = list
            .iter()
            .filter_map(|(p, d)| match d {
                Decision::Refuse(m) => Some((m.clone(), id(p))),
                _ => None,
            })
            .collect();
        if !refusals.is_empty() {
            return Err(group(&refusals)
                .into_iter()
                .map(|(m, pods)| format!("cannot delete {m}: {}", pods.join(", ")))
                .collect());
        }
        let warnings: Vec<(String, String)> = list
            .iter()
            .filter_map(|(p, d)| match d {
                Decision::Warn { message, .. } => Some((message.clone(), id(p))),
                _ => None,
            })
            .collect();
        if !warnings.is_empty() {
            let text: Vec<String> = group(&warnings)
                .into_iter()
                .map(|(m, pods)| format!("{m}: {}", pods.join(", ")))
                .collect();
            ctx.err(format!("Warning: {}\n", text.join("; ")));
        }
        let pods: Vec<Pod> = list
            .into_iter()
            .filter(|(_, d)| d.deletes())
            .map(|(p, _)| p)
            .collect();
        if self.dry == DryRun::Client {
            for p in &pods {
                ctx.out(format!("evicting pod {} (dry run)\n", id(p)));
            }
            return Ok(());
        }
        let opts = DeleteOptions {
            grace_period_seconds: (self.grace >= 0).then_some(self.grace),
            ..Default::default()
        };
        let mut waiting: Vec<(ObjectKey, String)> = Vec::new();
        for p in &pods {
            let key = ObjectKey::new(
                Kind::Pod,
                p.metadata.namespace.as_deref().unwrap_or(""),
                p.metadata.name.as_deref().unwrap_or(""),
            );
            if self.use_eviction {
                let suffix = if self.dry == DryRun::Server {
                    " (server dry run)"
                } else {
                    ""
                };
                ctx.out(format!("evicting pod {}{suffix}\n", id(p)));
            }
            if self.dry == DryRun::Server {
                continue;
            }
            if self.use_eviction {
                mark_evicted(ctx, &key);
            }
            match ctx.cluster.api().delete(&key, &opts, false) {
                Ok(_) => {}
                Err(e) if e.reason == kubarium_engine::StatusReason::NotFound => continue,
                Err(e) => {
                    let msg = if self.use_eviction {
                        format!(
                            "error when evicting pods/{:?} -n {:?}: {}",
                            key.name,
                            key.namespace,
                            api_error_text(&e)
                        )
                    } else {
                        api_error_text(&e)
                    };
                    return Err(vec![msg]);
                }
            }
            waiting.push((key, p.metadata.uid.clone().unwrap_or_default()));
        }
        if self.dry == DryRun::Server {
            return Ok(());
        }
        ctx.cluster.settle();
        self.wait(ctx, waiting)
    }

    /// `waitForDelete`: looks every second (simulated) until each pod is gone or replaced by
    /// a new one of the same name.
    fn wait(
        &self,
        ctx: &mut Ctx,
        mut waiting: Vec<(ObjectKey, String)>,
    ) -> Result<(), Vec<String>> {
        let verb = if self.use_eviction {
            "evicted"
        } else {
            "deleted"
        };
        let start = ctx.cluster.now().ms();
        loop {
            waiting.retain(|(key, uid)| {
                let gone = match ctx.cluster.api_ref().get(key) {
                    Err(_) => true,
                    Ok(o) => o.metadata().uid.as_deref() != Some(uid.as_str()),
                };
                if gone {
                    ctx.io.out.stdout(format!("pod/{} {verb}\n", key.name));
                }
                !gone
            });
            if waiting.is_empty() {
                return Ok(());
            }
            let waited = ctx.cluster.now().ms() - start;
            let limit = if self.timeout_ms > 0 {
                self.timeout_ms
            } else {
                UNBOUNDED_WAIT_MS
            };
            if waited + 1000 > limit {
                let errs: Vec<String> = waiting
                    .iter()
                    .map(|(k, _)| {
                        if self.timeout_ms > 0 && self.use_eviction {
                            format!(
                                "error when waiting for pod {:?} in namespace {:?} to terminate: context deadline exceeded",
                                k.name, k.namespace
                            )
                        } else if self.timeout_ms > 0 {
                            "context deadline exceeded".to_string()
                        } else {
                            format!(
                                "Kubarium: gave up waiting an hour for pod {:?} in namespace {:?} to terminate (kubectl would wait until interrupted)",
                                k.name, k.namespace
                            )
                        }
                    })
                    .collect();
                ctx.err(format!(
                    "There are pending pods in node {:?} when an error occurred: {}\n",
                    self.node,
                    aggregate(&errs)
                ));
                for (k, _) in &waiting {
                    ctx.err(format!("pod/{}\n", k.name));
                }
                return Err(errs);
            }
            ctx.cluster.advance(1000);
        }
    }
}

/// The Eviction API marks the pod before deleting it (`DisruptionTarget`,
/// `EvictionByEvictionAPI`).
fn mark_evicted(ctx: &mut Ctx, key: &ObjectKey) {
    let now = ctx.cluster.now().to_k8s_time();
    let _ = ctx.cluster.api().modify_status(key, move |o| {
        if let Object::Pod(p) = o {
            let status = p.status.get_or_insert_with(Default::default);
            let conditions = status.conditions.get_or_insert_with(Vec::new);
            if conditions.iter().any(|c| c.type_ == "DisruptionTarget") {
                return;
            }
            conditions.push(PodCondition {
                type_: "DisruptionTarget".into(),
                status: "True".into(),
                reason: Some("EvictionByEvictionAPI".into()),
                message: Some("Eviction API: evicting".into()),
                last_transition_time: Some(now),
                ..Default::default()
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(kind: &str) -> PodFacts {
        PodFacts {
            controller: Some((kind.into(), "x".into())),
            daemonset_exists: true,
            ..Default::default()
        }
    }

    #[test]
    fn refusals_and_their_overrides() {
        let none = FilterOpts::default();
        assert_eq!(
            decide(&PodFacts::default(), &none),
            Decision::Refuse(UNMANAGED_FATAL.into())
        );
        assert_eq!(
            decide(&owned("DaemonSet"), &none),
            Decision::Refuse(DAEMONSET_FATAL.into())
        );
        assert_eq!(decide(&owned("ReplicaSet"), &none), Decision::Delete);
        let all = FilterOpts {
            force: true,
            ignore_daemonsets: true,
            delete_emptydir_data: true,
            skip_deleted_after_secs: 0,
        };
        assert_eq!(
            decide(&owned("DaemonSet"), &all),
            Decision::Warn {
                delete: false,
                message: DAEMONSET_WARNING.into()
            }
        );
        assert_eq!(
            decide(&PodFacts::default(), &all),
            Decision::Warn {
                delete: true,
                message: UNMANAGED_WARNING.into()
            }
        );
    }

    #[test]
    fn an_emptydir_warning_is_dropped_by_the_filters_after_it() {
        let p = PodFacts {
            empty_dir: true,
            ..owned("ReplicaSet")
        };
        assert_eq!(
            decide(&p, &FilterOpts::default()),
            Decision::Refuse(LOCAL_STORAGE_FATAL.into())
        );
        let o = FilterOpts {
            delete_emptydir_data: true,
            ..Default::default()
        };
        // kubectl keeps only the last filter's status: the ReplicaSet pod is simply deleted.
        assert_eq!(decide(&p, &o), Decision::Delete);
    }

    #[test]
    fn mirror_pods_and_finished_pods() {
        let mirror = PodFacts {
            mirror: true,
            ..owned("Node")
        };
        assert_eq!(decide(&mirror, &FilterOpts::default()), Decision::Skip);
        let done = PodFacts {
            finished: true,
            ..PodFacts::default()
        };
        assert_eq!(decide(&done, &FilterOpts::default()), Decision::Delete);
    }

    #[test]
    fn errors_aggregate_like_utilerrors() {
        assert_eq!(aggregate(&["a".into()]), "a");
        assert_eq!(aggregate(&["a".into(), "b".into()]), "[a, b]");
        let g = group(&[
            ("m1".into(), "ns/a".into()),
            ("m2".into(), "ns/b".into()),
            ("m1".into(), "ns/c".into()),
        ]);
        assert_eq!(
            g,
            vec![
                (
                    "m1".to_string(),
                    vec!["ns/a".to_string(), "ns/c".to_string()]
                ),
                ("m2".to_string(), vec!["ns/b".to_string()])
            ]
        );
    }
}
