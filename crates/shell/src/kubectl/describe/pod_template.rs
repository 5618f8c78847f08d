//! `DescribePodTemplate`: the `Pod Template:` section every workload describer prints
//! (ReplicationController, ReplicaSet, Deployment, DaemonSet, StatefulSet, Job, CronJob).
//!
//! kubectl reuses the pod describer's section writers with a `space` of two spaces: section
//! titles get the two spaces (`  Containers:`), container and volume names one more space than
//! their level (`   nginx:`), while the fields below stay at their usual level (`    Image:`).
//! The pod writers in `describe.rs` have no `space` argument, so this module renders them into
//! a scratch [`PrefixWriter`] and shifts the title and name lines before appending the text
//! (alignment happens later, when the whole describe output is flushed through the tabwriter).

use super::{
    annotations_multiline, describe_containers, describe_volumes, labels_multiline,
    tolerations_multiline, PrefixWriter,
};
use k8s_openapi::api::core::v1::{Pod, PodTemplateSpec, TopologySpreadConstraint};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kubarium_engine::api::selector::{Requirement, Selector};

/// The indentation kubectl passes as `space` for sections inside a pod template.
const SPACE: &str = "  ";

/// Writes kubectl's `Pod Template:` section for `template` (`DescribePodTemplate`).
///
/// Worked example (the seed's rc-nginx), once aligned by the tabwriter:
/// ```text
/// Pod Template:
///   Labels:  app=web
///   Containers:
///    nginx-container:
///     Image:         nginx:1.14
///     Port:          <none>
///     Host Port:     <none>
///     Environment:   <none>
///     Mounts:        <none>
///   Volumes:         <none>
///   Node-Selectors:  <none>
///   Tolerations:     <none>
/// ```
pub(crate) fn describe_pod_template(w: &mut PrefixWriter, template: &PodTemplateSpec) {
    w.write(0, "Pod Template:\n");
    let meta = template.metadata.clone().unwrap_or_default();
    let spec = template.spec.clone().unwrap_or_default();
    labels_multiline(w, "  Labels", meta.labels.as_ref());
    if meta.annotations.as_ref().is_some_and(|a| !a.is_empty()) {
        annotations_multiline(w, "  Annotations", meta.annotations.as_ref());
    }
    if let Some(sa) = spec
        .service_account_name
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        w.write(1, &format!("Service Account:\t{sa}\n"));
    }
    // Environment values from fieldRefs have no pod to resolve against: kubectl passes no
    // resolver and prints an empty value (`POD_NAME:   (v1:metadata.name)`).
    let no_pod = Pod::default();
    if let Some(init) = spec.init_containers.as_ref().filter(|c| !c.is_empty()) {
        let mut scratch = PrefixWriter::default();
        describe_containers(&mut scratch, "Init Containers", init, &[], &no_pod);
        append_indented(w, &scratch.pending);
    }
    let mut scratch = PrefixWriter::default();
    describe_containers(&mut scratch, "Containers", &spec.containers, &[], &no_pod);
    append_indented(w, &scratch.pending);
    let mut scratch = PrefixWriter::default();
    describe_volumes(&mut scratch, spec.volumes.as_deref().unwrap_or(&[]));
    append_indented(w, &scratch.pending);
    describe_topology_spread_constraints(
        w,
        spec.topology_spread_constraints.as_deref().unwrap_or(&[]),
    );
    if let Some(pc) = spec
        .priority_class_name
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        w.write(1, &format!("Priority Class Name:\t{pc}\n"));
    }
    labels_multiline(w, "  Node-Selectors", spec.node_selector.as_ref());
    let mut scratch = PrefixWriter::default();
    tolerations_multiline(&mut scratch, spec.tolerations.as_deref().unwrap_or(&[]));
    w.pending.push_str(SPACE);
    w.pending.push_str(&scratch.pending);
}

/// Shifts a pod-level section (`Containers:`, `Volumes:`) to its place inside a template:
/// the title line (level 0) gets `space`, the name lines (level 1) get kubectl's one-space
/// `nameIndent`; deeper lines are left as they are.
fn append_indented(w: &mut PrefixWriter, section: &str) {
    for line in section.split_inclusive('\n') {
        let level1 = line.strip_prefix("  ").filter(|rest| {
            !rest.starts_with(' ') && !rest.starts_with('\t') && *rest != "<unknown>\n"
        });
        if !line.starts_with(' ') {
            w.pending.push_str(SPACE);
        } else if level1.is_some() {
            w.pending.push(' ');
        }
        w.pending.push_str(line);
    }
}

/// `describeTopologySpreadConstraints` with the template's `space`: one line per constraint,
/// sorted by topology key, continuation lines start with the tab only.
fn describe_topology_spread_constraints(w: &mut PrefixWriter, tscs: &[TopologySpreadConstraint]) {
    if tscs.is_empty() {
        return;
    }
    let mut sorted: Vec<&TopologySpreadConstraint> = tscs.iter().collect();
    kubarium_engine::sort::sort_by(&mut sorted, |a, b| a.topology_key.cmp(&b.topology_key));
    w.write(0, &format!("{SPACE}Topology Spread Constraints:\t"));
    for (i, t) in sorted.iter().enumerate() {
        if i != 0 {
            w.write(0, &format!("{SPACE}\t"));
        }
        let mut s = format!(
            "{}:{} when max skew {} is exceeded",
            t.topology_key, t.when_unsatisfiable, t.max_skew
        );
        if let Some(ls) = &t.label_selector {
            s.push_str(&format!(
                " for selector {}",
                format_label_selector(Some(ls))
            ));
        }
        w.write(0, &format!("{s}\n"));
    }
}

/// `metav1.FormatLabelSelector`: the selector as `labels.Selector.String()` prints it —
/// requirements sorted by key, set values sorted — or `<none>` when it selects everything,
/// `<error>` when it cannot be converted.
///
/// Worked example: `matchLabels {app: web}` with `matchExpressions [{key: version, operator:
/// In, values: ["1.15", "1.14"]}]` prints `app=web,version in (1.14,1.15)`.
pub(crate) fn format_label_selector(ls: Option<&LabelSelector>) -> String {
    let Some(ls) = ls else {
        return "<none>".to_string();
    };
    let Ok(mut selector) = Selector::from_label_selector(ls) else {
        return "<error>".to_string();
    };
    for r in &mut selector.requirements {
        if let Requirement::In(_, values) | Requirement::NotIn(_, values) = r {
            values.sort();
            values.dedup();
        }
    }
    kubarium_engine::sort::sort_by(&mut selector.requirements, |a, b| key(a).cmp(key(b)));
    let text = selector.to_string();
    if text.is_empty() {
        "<none>".to_string()
    } else {
        text
    }
}

fn key(r: &Requirement) -> &str {
    match r {
        Requirement::Equals(k, _)
        | Requirement::NotEquals(k, _)
        | Requirement::In(k, _)
        | Requirement::NotIn(k, _)
        | Requirement::Exists(k)
        | Requirement::DoesNotExist(k) => k,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{
        Container, ContainerPort, EmptyDirVolumeSource, EnvVar, PodSpec, Toleration, Volume,
        VolumeMount,
    };
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelectorRequirement, ObjectMeta};
    use std::collections::BTreeMap;

    fn template() -> PodTemplateSpec {
        PodTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: Some(BTreeMap::from([("app".to_string(), "web".to_string())])),
                ..Default::default()
            }),
            spec: Some(PodSpec {
                containers: vec![Container {
                    name: "nginx-container".to_string(),
                    image: Some("nginx:1.14".to_string()),
                    ..Default::default()
                }],
                ..Default::default()
            }),
        }
    }

    fn render(t: &PodTemplateSpec) -> String {
        let mut w = PrefixWriter::default();
        w.write(0, "Name:\trc-nginx\n");
        describe_pod_template(&mut w, t);
        w.finish()
    }

    #[test]
    fn rc_nginx_template_as_kubectl_prints_it() {
        assert_eq!(
            render(&template()),
            "Name:  rc-nginx\n\
             Pod Template:\n  \
             Labels:  app=web\n  \
             Containers:\n   \
             nginx-container:\n    \
             Image:         nginx:1.14\n    \
             Port:          <none>\n    \
             Host Port:     <none>\n    \
             Environment:   <none>\n    \
             Mounts:        <none>\n  \
             Volumes:         <none>\n  \
             Node-Selectors:  <none>\n  \
             Tolerations:     <none>\n"
        );
    }

    #[test]
    fn ports_env_mounts_volumes_and_tolerations() {
        let mut t = template();
        let spec = t.spec.as_mut().unwrap();
        let c = &mut spec.containers[0];
        c.ports = Some(vec![ContainerPort {
            container_port: 80,
            protocol: Some("TCP".to_string()),
            ..Default::default()
        }]);
        c.env = Some(vec![EnvVar {
            name: "MODE".to_string(),
            value: Some("prod".to_string()),
            ..Default::default()
        }]);
        c.volume_mounts = Some(vec![VolumeMount {
            name: "data".to_string(),
            mount_path: "/data".to_string(),
            ..Default::default()
        }]);
        spec.volumes = Some(vec![Volume {
            name: "data".to_string(),
            empty_dir: Some(EmptyDirVolumeSource::default()),
            ..Default::default()
        }]);
        spec.node_selector = Some(BTreeMap::from([("disk".to_string(), "ssd".to_string())]));
        spec.tolerations = Some(vec![Toleration {
            key: Some("node-role.kubernetes.io/control-plane".to_string()),
            operator: Some("Exists".to_string()),
            effect: Some("NoSchedule".to_string()),
            ..Default::default()
        }]);
        let out = render(&t);
        let expected = "Pod Template:\n  \
             Labels:  app=web\n  \
             Containers:\n   \
             nginx-container:\n    \
             Image:      nginx:1.14\n    \
             Port:       80/TCP\n    \
             Host Port:  0/TCP\n    \
             Environment:\n      \
             MODE:  prod\n    \
             Mounts:\n      \
             /data from data (rw)\n  \
             Volumes:\n   \
             data:\n    \
             Type:          EmptyDir (a temporary directory that shares a pod's lifetime)\n    \
             Medium:        \n    \
             SizeLimit:     <unset>\n  \
             Node-Selectors:  disk=ssd\n  \
             Tolerations:     node-role.kubernetes.io/control-plane:NoSchedule op=Exists\n";
        assert!(out.ends_with(expected), "{out}");
    }

    #[test]
    fn selectors_sort_by_key_and_value() {
        let ls = LabelSelector {
            match_labels: Some(BTreeMap::from([("app".to_string(), "web".to_string())])),
            match_expressions: Some(vec![
                LabelSelectorRequirement {
                    key: "version".to_string(),
                    operator: "In".to_string(),
                    values: Some(vec!["1.15".to_string(), "1.14".to_string()]),
                },
                LabelSelectorRequirement {
                    key: "env".to_string(),
                    operator: "Exists".to_string(),
                    values: None,
                },
            ]),
        };
        assert_eq!(
            format_label_selector(Some(&ls)),
            "app=web,env,version in (1.14,1.15)"
        );
        assert_eq!(
            format_label_selector(Some(&LabelSelector::default())),
            "<none>"
        );
    }
}
