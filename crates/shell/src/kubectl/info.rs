//! `kubectl version`, `cluster-info`, `api-resources`, `api-versions`, `explain`, and the
//! top-level help text.

use super::flags::{self, boolean, value, FlagSpec};
use super::get::usage_error;
use super::Ctx;
use kubarium_engine::preset::KUBERNETES_VERSION;

/// `kubectl --help`, as kubectl v1.37 prints it.
pub const HELP: &str = r#"kubectl controls the Kubernetes cluster manager.

 Find more information at: https://kubernetes.io/docs/reference/kubectl/

Basic Commands (Beginner):
  create        Create a resource from a file or from stdin
  expose        Take a replication controller, service, deployment or pod and expose it as a new Kubernetes service
  run           Run a particular image on the cluster
  set           Set specific features on objects

Basic Commands (Intermediate):
  explain       Get documentation for a resource
  get           Display one or many resources
  edit          Edit a resource on the server
  delete        Delete resources by file names, stdin, resources and names, or by resources and label selector

Deploy Commands:
  rollout       Manage the rollout of a resource
  scale         Set a new size for a deployment, replica set, or replication controller
  autoscale     Auto-scale a deployment, replica set, stateful set, or replication controller

Cluster Management Commands:
  certificate   Modify certificate resources
  cluster-info  Display cluster information
  top           Display resource (CPU/memory) usage
  cordon        Mark node as unschedulable
  uncordon      Mark node as schedulable
  drain         Drain node in preparation for maintenance
  taint         Update the taints on one or more nodes

Troubleshooting and Debugging Commands:
  describe      Show details of a specific resource or group of resources
  logs          Print the logs for a container in a pod
  attach        Attach to a running container
  exec          Execute a command in a container
  port-forward  Forward one or more local ports to a pod
  proxy         Run a proxy to the Kubernetes API server
  cp            Copy files and directories to and from containers
  auth          Inspect authorization
  debug         Create debugging sessions for troubleshooting workloads and nodes
  events        List events

Advanced Commands:
  diff          Diff the live version against a would-be applied version
  apply         Apply a configuration to a resource by file name or stdin
  patch         Update fields of a resource
  replace       Replace a resource by file name or stdin
  wait          Wait for a specific condition on one or many resources
  kustomize     Build a kustomization target from a directory or URL

Settings Commands:
  label         Update the labels on a resource
  annotate      Update the annotations on a resource
  completion    Output shell completion code for the specified shell (bash, zsh, fish, or powershell)

Other Commands:
  api-resources Print the supported API resources on the server
  api-versions  Print the supported API versions on the server, in the form of "group/version"
  config        Modify kubeconfig files
  kuberc        Manage kuberc configuration files
  plugin        Provides utilities for interacting with plugins
  version       Print the client and server version information

Usage:
  kubectl [flags] [options]

Use "kubectl <command> --help" for more information about a given command.
Use "kubectl options" for a list of global command-line options (applies to all commands).
"#;

/// The kustomize version kubectl v1.37 embeds.
pub const KUSTOMIZE_VERSION: &str = "v5.7.1";
/// Build metadata `kubectl version -o yaml` shows (fixed: the release Kubarium emulates).
const GIT_COMMIT: &str = "8d2f7c6b1e0a4c3f9b5e7d6a2c1f0e9d8b7a6c5e";
const BUILD_DATE: &str = "2026-08-26T14:22:31Z";
const GO_VERSION: &str = "go1.26.3";
const PLATFORM: &str = "linux/amd64";

const VERSION_FLAGS: &[FlagSpec] = &[value("output", Some('o')), boolean("client", None)];

/// `version.Info` of the client (`server`: false) or the API server, as JSON in struct
/// order with `indent` before each field.
fn version_json(server: bool, indent: &str) -> String {
    let minor = KUBERNETES_VERSION
        .trim_start_matches("v1.")
        .split('.')
        .next()
        .unwrap_or("37");
    let mut fields: Vec<(String, String)> =
        vec![("major".into(), "1".into()), ("minor".into(), minor.into())];
    if server {
        let prev = minor
            .parse::<u32>()
            .map_or("36".to_string(), |m| (m - 1).to_string());
        fields.extend([
            ("emulationMajor".into(), "1".into()),
            ("emulationMinor".into(), minor.into()),
            ("minCompatibilityMajor".into(), "1".into()),
            ("minCompatibilityMinor".into(), prev),
        ]);
    }
    fields.extend([
        ("gitVersion".into(), KUBERNETES_VERSION.into()),
        ("gitCommit".into(), GIT_COMMIT.into()),
        ("gitTreeState".into(), "clean".into()),
        ("buildDate".into(), BUILD_DATE.into()),
        ("goVersion".into(), GO_VERSION.into()),
        ("compiler".into(), "gc".into()),
        ("platform".into(), PLATFORM.into()),
    ]);
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{indent}  {k:?}: {v:?}"))
        .collect();
    format!("{{\n{}\n{indent}}}", body.join(",\n"))
}

/// The same `version.Info` as YAML (keys sorted, numbers-as-strings quoted).
fn version_yaml(server: bool) -> String {
    let minor = KUBERNETES_VERSION
        .trim_start_matches("v1.")
        .split('.')
        .next()
        .unwrap_or("37")
        .to_string();
    let prev = minor
        .parse::<u32>()
        .map_or("36".to_string(), |m| (m - 1).to_string());
    let mut fields: Vec<(&str, String)> = vec![
        ("buildDate", format!("\"{BUILD_DATE}\"")),
        ("compiler", "gc".into()),
        ("gitCommit", GIT_COMMIT.into()),
        ("gitTreeState", "clean".into()),
        ("gitVersion", KUBERNETES_VERSION.into()),
        ("goVersion", GO_VERSION.into()),
        ("major", "\"1\"".into()),
        ("minor", format!("\"{minor}\"")),
        ("platform", PLATFORM.into()),
    ];
    if server {
        fields.extend([
            ("emulationMajor", "\"1\"".to_string()),
            ("emulationMinor", format!("\"{minor}\"")),
            ("minCompatibilityMajor", "\"1\"".to_string()),
            ("minCompatibilityMinor", format!("\"{prev}\"")),
        ]);
    }
    kubarium_engine::sort::sort_by(&mut fields, |a, b| a.0.cmp(b.0));
    fields
        .iter()
        .map(|(k, v)| format!("  {k}: {v}\n"))
        .collect()
}

/// `kubectl version [--client] [-o yaml|json]`.
pub fn run_version(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = match flags::parse(argv, VERSION_FLAGS) {
        Ok(p) => p,
        Err(e) => return usage_error(ctx, "version", &e),
    };
    if let Some(a) = p.args.first() {
        ctx.err(format!(
            "error: unknown command {a:?} for \"kubectl version\"\n"
        ));
        return 1;
    }
    let client_only = p.is_set("client");
    match p.get("output").unwrap_or("") {
        "" => {
            let mut s = format!(
                "Client Version: {KUBERNETES_VERSION}\nKustomize Version: {KUSTOMIZE_VERSION}\n"
            );
            if !client_only {
                s.push_str(&format!("Server Version: {KUBERNETES_VERSION}\n"));
            }
            ctx.out(s);
        }
        "yaml" => {
            let mut s = format!(
                "clientVersion:\n{}kustomizeVersion: {KUSTOMIZE_VERSION}\n",
                version_yaml(false)
            );
            if !client_only {
                s.push_str(&format!("serverVersion:\n{}", version_yaml(true)));
            }
            s.push('\n');
            ctx.out(s);
        }
        "json" => {
            let mut s = format!(
                "{{\n  \"clientVersion\": {},\n  \"kustomizeVersion\": {KUSTOMIZE_VERSION:?}",
                version_json(false, "  ")
            );
            if !client_only {
                s.push_str(&format!(
                    ",\n  \"serverVersion\": {}",
                    version_json(true, "  ")
                ));
            }
            s.push_str("\n}\n");
            ctx.out(s);
        }
        _ => {
            ctx.err("error: --output must be 'yaml' or 'json'\n");
            return 1;
        }
    }
    0
}

/// `kubectl cluster-info`: the API server's address and the cluster services of kube-system.
pub fn run_cluster_info(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = match flags::parse(argv, &[]) {
        Ok(p) => p,
        Err(e) => return usage_error(ctx, "cluster-info", &e),
    };
    if p.args.first().map(String::as_str) == Some("dump") {
        ctx.err("error: kubectl cluster-info dump is not available in Kubarium yet\n");
        return 1;
    }
    let host = format!("https://{}:6443", ctx.cluster.preset().control_plane().ip);
    let mut s = format!("Kubernetes control plane is running at {host}\n");
    // Services with `kubernetes.io/cluster-service=true`; kubeadm's kube-dns is the one a
    // fresh cluster has. While this cluster serves no Services, it is assumed present.
    match kubarium_engine::Kind::from_resource_name("services") {
        Some(kind) => {
            for svc in ctx.cluster.api_ref().list(kind, Some("kube-system")) {
                let v = svc.to_value();
                let labels = &v["metadata"]["labels"];
                if labels["kubernetes.io/cluster-service"].as_str() != Some("true") {
                    continue;
                }
                let name = svc.name().to_string();
                let port = &v["spec"]["ports"][0];
                let port_name = port["name"].as_str().unwrap_or("");
                let scheme = if port_name == "https" || port["port"].as_i64() == Some(443) { "https:" } else { "" };
                let svc_part = if port_name.is_empty() && scheme.is_empty() { name.clone() } else { format!("{scheme}{name}:{port_name}") };
                let shown = labels["kubernetes.io/name"].as_str().unwrap_or(&name).to_string();
                s.push_str(&format!("{shown} is running at {host}/api/v1/namespaces/kube-system/services/{svc_part}/proxy\n"));
            }
        }
        None => s.push_str(&format!("CoreDNS is running at {host}/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy\n")),
    }
    s.push_str(
        "\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n",
    );
    ctx.out(s);
    0
}

/// One row of `kubectl api-resources`.
pub struct ApiResource {
    pub name: &'static str,
    pub short_names: &'static str,
    pub group_version: &'static str,
    pub namespaced: bool,
    pub kind: &'static str,
    pub verbs: &'static str,
    pub categories: &'static str,
}

const CRUD: &str = "create delete deletecollection get list patch update watch";
const CRUD_NO_DC: &str = "create delete get list patch update watch";

macro_rules! res {
    ($name:literal, $short:literal, $gv:literal, $ns:literal, $kind:literal, $verbs:expr, $cat:literal) => {
        ApiResource {
            name: $name,
            short_names: $short,
            group_version: $gv,
            namespaced: $ns,
            kind: $kind,
            verbs: $verbs,
            categories: $cat,
        }
    };
}

/// The built-in resources of a v1.37 API server, in discovery order.
pub const API_RESOURCES: &[ApiResource] = &[
    res!("bindings", "", "v1", true, "Binding", "create", ""),
    res!(
        "componentstatuses",
        "cs",
        "v1",
        false,
        "ComponentStatus",
        "get list",
        ""
    ),
    res!("configmaps", "cm", "v1", true, "ConfigMap", CRUD, ""),
    res!("endpoints", "ep", "v1", true, "Endpoints", CRUD, ""),
    res!("events", "ev", "v1", true, "Event", CRUD, ""),
    res!("limitranges", "limits", "v1", true, "LimitRange", CRUD, ""),
    res!("namespaces", "ns", "v1", false, "Namespace", CRUD_NO_DC, ""),
    res!("nodes", "no", "v1", false, "Node", CRUD, ""),
    res!(
        "persistentvolumeclaims",
        "pvc",
        "v1",
        true,
        "PersistentVolumeClaim",
        CRUD,
        ""
    ),
    res!(
        "persistentvolumes",
        "pv",
        "v1",
        false,
        "PersistentVolume",
        CRUD,
        ""
    ),
    res!("pods", "po", "v1", true, "Pod", CRUD, "all"),
    res!("podtemplates", "", "v1", true, "PodTemplate", CRUD, ""),
    res!(
        "replicationcontrollers",
        "rc",
        "v1",
        true,
        "ReplicationController",
        CRUD,
        "all"
    ),
    res!(
        "resourcequotas",
        "quota",
        "v1",
        true,
        "ResourceQuota",
        CRUD,
        ""
    ),
    res!("secrets", "", "v1", true, "Secret", CRUD, ""),
    res!(
        "serviceaccounts",
        "sa",
        "v1",
        true,
        "ServiceAccount",
        CRUD,
        ""
    ),
    res!(
        "services",
        "svc",
        "v1",
        true,
        "Service",
        "create delete deletecollection get list patch update watch",
        "all"
    ),
    res!(
        "mutatingwebhookconfigurations",
        "",
        "admissionregistration.k8s.io/v1",
        false,
        "MutatingWebhookConfiguration",
        CRUD,
        "api-extensions"
    ),
    res!(
        "validatingadmissionpolicies",
        "",
        "admissionregistration.k8s.io/v1",
        false,
        "ValidatingAdmissionPolicy",
        CRUD,
        "api-extensions"
    ),
    res!(
        "validatingadmissionpolicybindings",
        "",
        "admissionregistration.k8s.io/v1",
        false,
        "ValidatingAdmissionPolicyBinding",
        CRUD,
        "api-extensions"
    ),
    res!(
        "validatingwebhookconfigurations",
        "",
        "admissionregistration.k8s.io/v1",
        false,
        "ValidatingWebhookConfiguration",
        CRUD,
        "api-extensions"
    ),
    res!(
        "customresourcedefinitions",
        "crd,crds",
        "apiextensions.k8s.io/v1",
        false,
        "CustomResourceDefinition",
        CRUD,
        "api-extensions"
    ),
    res!(
        "apiservices",
        "",
        "apiregistration.k8s.io/v1",
        false,
        "APIService",
        CRUD,
        "api-extensions"
    ),
    res!(
        "controllerrevisions",
        "",
        "apps/v1",
        true,
        "ControllerRevision",
        CRUD,
        ""
    ),
    res!(
        "daemonsets",
        "ds",
        "apps/v1",
        true,
        "DaemonSet",
        CRUD,
        "all"
    ),
    res!(
        "deployments",
        "deploy",
        "apps/v1",
        true,
        "Deployment",
        CRUD,
        "all"
    ),
    res!(
        "replicasets",
        "rs",
        "apps/v1",
        true,
        "ReplicaSet",
        CRUD,
        "all"
    ),
    res!(
        "statefulsets",
        "sts",
        "apps/v1",
        true,
        "StatefulSet",
        CRUD,
        "all"
    ),
    res!(
        "selfsubjectreviews",
        "",
        "authentication.k8s.io/v1",
        false,
        "SelfSubjectReview",
        "create",
        ""
    ),
    res!(
        "tokenreviews",
        "",
        "authentication.k8s.io/v1",
        false,
        "TokenReview",
        "create",
        ""
    ),
    res!(
        "localsubjectaccessreviews",
        "",
        "authorization.k8s.io/v1",
        true,
        "LocalSubjectAccessReview",
        "create",
        ""
    ),
    res!(
        "selfsubjectaccessreviews",
        "",
        "authorization.k8s.io/v1",
        false,
        "SelfSubjectAccessReview",
        "create",
        ""
    ),
    res!(
        "selfsubjectrulesreviews",
        "",
        "authorization.k8s.io/v1",
        false,
        "SelfSubjectRulesReview",
        "create",
        ""
    ),
    res!(
        "subjectaccessreviews",
        "",
        "authorization.k8s.io/v1",
        false,
        "SubjectAccessReview",
        "create",
        ""
    ),
    res!(
        "horizontalpodautoscalers",
        "hpa",
        "autoscaling/v2",
        true,
        "HorizontalPodAutoscaler",
        CRUD,
        "all"
    ),
    res!("cronjobs", "cj", "batch/v1", true, "CronJob", CRUD, "all"),
    res!("jobs", "", "batch/v1", true, "Job", CRUD, "all"),
    res!(
        "certificatesigningrequests",
        "csr",
        "certificates.k8s.io/v1",
        false,
        "CertificateSigningRequest",
        CRUD,
        ""
    ),
    res!(
        "leases",
        "",
        "coordination.k8s.io/v1",
        true,
        "Lease",
        CRUD,
        ""
    ),
    res!(
        "endpointslices",
        "",
        "discovery.k8s.io/v1",
        true,
        "EndpointSlice",
        CRUD,
        ""
    ),
    res!("events", "ev", "events.k8s.io/v1", true, "Event", CRUD, ""),
    res!(
        "flowschemas",
        "",
        "flowcontrol.apiserver.k8s.io/v1",
        false,
        "FlowSchema",
        CRUD,
        ""
    ),
    res!(
        "prioritylevelconfigurations",
        "",
        "flowcontrol.apiserver.k8s.io/v1",
        false,
        "PriorityLevelConfiguration",
        CRUD,
        ""
    ),
    res!(
        "ingressclasses",
        "",
        "networking.k8s.io/v1",
        false,
        "IngressClass",
        CRUD,
        ""
    ),
    res!(
        "ingresses",
        "ing",
        "networking.k8s.io/v1",
        true,
        "Ingress",
        CRUD,
        ""
    ),
    res!(
        "ipaddresses",
        "ip",
        "networking.k8s.io/v1",
        false,
        "IPAddress",
        CRUD,
        ""
    ),
    res!(
        "networkpolicies",
        "netpol",
        "networking.k8s.io/v1",
        true,
        "NetworkPolicy",
        CRUD,
        ""
    ),
    res!(
        "servicecidrs",
        "",
        "networking.k8s.io/v1",
        false,
        "ServiceCIDR",
        CRUD,
        ""
    ),
    res!(
        "runtimeclasses",
        "",
        "node.k8s.io/v1",
        false,
        "RuntimeClass",
        CRUD,
        ""
    ),
    res!(
        "poddisruptionbudgets",
        "pdb",
        "policy/v1",
        true,
        "PodDisruptionBudget",
        CRUD,
        ""
    ),
    res!(
        "clusterrolebindings",
        "",
        "rbac.authorization.k8s.io/v1",
        false,
        "ClusterRoleBinding",
        CRUD,
        ""
    ),
    res!(
        "clusterroles",
        "",
        "rbac.authorization.k8s.io/v1",
        false,
        "ClusterRole",
        CRUD,
        ""
    ),
    res!(
        "rolebindings",
        "",
        "rbac.authorization.k8s.io/v1",
        true,
        "RoleBinding",
        CRUD,
        ""
    ),
    res!(
        "roles",
        "",
        "rbac.authorization.k8s.io/v1",
        true,
        "Role",
        CRUD,
        ""
    ),
    res!(
        "deviceclasses",
        "",
        "resource.k8s.io/v1",
        false,
        "DeviceClass",
        CRUD,
        ""
    ),
    res!(
        "resourceclaims",
        "",
        "resource.k8s.io/v1",
        true,
        "ResourceClaim",
        CRUD,
        ""
    ),
    res!(
        "resourceclaimtemplates",
        "",
        "resource.k8s.io/v1",
        true,
        "ResourceClaimTemplate",
        CRUD,
        ""
    ),
    res!(
        "resourceslices",
        "",
        "resource.k8s.io/v1",
        false,
        "ResourceSlice",
        CRUD,
        ""
    ),
    res!(
        "priorityclasses",
        "pc",
        "scheduling.k8s.io/v1",
        false,
        "PriorityClass",
        CRUD,
        ""
    ),
    res!(
        "csidrivers",
        "",
        "storage.k8s.io/v1",
        false,
        "CSIDriver",
        CRUD,
        ""
    ),
    res!(
        "csinodes",
        "",
        "storage.k8s.io/v1",
        false,
        "CSINode",
        CRUD,
        ""
    ),
    res!(
        "csistoragecapacities",
        "",
        "storage.k8s.io/v1",
        true,
        "CSIStorageCapacity",
        CRUD,
        ""
    ),
    res!(
        "storageclasses",
        "sc",
        "storage.k8s.io/v1",
        false,
        "StorageClass",
        CRUD,
        ""
    ),
    res!(
        "volumeattachments",
        "",
        "storage.k8s.io/v1",
        false,
        "VolumeAttachment",
        CRUD,
        ""
    ),
    res!(
        "volumeattributesclasses",
        "vac",
        "storage.k8s.io/v1",
        false,
        "VolumeAttributesClass",
        CRUD,
        ""
    ),
];

impl ApiResource {
    fn group(&self) -> &'static str {
        self.group_version.rsplit_once('/').map_or("", |(g, _)| g)
    }
}

const API_RESOURCES_FLAGS: &[FlagSpec] = &[
    value("output", Some('o')),
    boolean("namespaced", None),
    value("api-group", None),
    value("verbs", None),
    value("sort-by", None),
    boolean("cached", None),
    value("categories", None),
    boolean("no-headers", None),
];

/// `kubectl api-resources`.
pub fn run_api_resources(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = match flags::parse(argv, API_RESOURCES_FLAGS) {
        Ok(p) => p,
        Err(e) => return usage_error(ctx, "api-resources", &e),
    };
    if !p.args.is_empty() {
        ctx.err(format!("error: unexpected arguments: [{}]\nSee 'kubectl api-resources -h' for help and examples\n", p.args.join(" ")));
        return 1;
    }
    let output = p.get("output").unwrap_or("");
    if !matches!(output, "" | "wide" | "name") {
        ctx.err(format!(
            "error: unable to match a printer suitable for the output format {output:?}, allowed formats are: json,name,wide,yaml\n"
        ));
        return 1;
    }
    let sort_by = p.get("sort-by").unwrap_or("");
    if !matches!(sort_by, "" | "name" | "kind") {
        ctx.err(format!(
            "error: --sort-by accepts only name or kind, got {sort_by:?}\n"
        ));
        return 1;
    }
    let split = |flag: &str| -> Vec<String> {
        p.all(flag)
            .iter()
            .flat_map(|v| v.split(','))
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect()
    };
    let verbs = split("verbs");
    let categories = split("categories");
    let mut rows: Vec<&ApiResource> = API_RESOURCES
        .iter()
        .filter(|r| !p.has("api-group") || p.get("api-group") == Some(r.group()))
        .filter(|r| !p.has("namespaced") || p.is_set("namespaced") == r.namespaced)
        .filter(|r| verbs.iter().all(|v| r.verbs.split(' ').any(|x| x == v)))
        .filter(|r| {
            categories
                .iter()
                .all(|c| r.categories.split(',').any(|x| x == c))
        })
        .collect();
    kubarium_engine::sort::sort_by(&mut rows, |a, b| {
        let key = |r: &ApiResource| match sort_by {
            "name" => r.name,
            "kind" => r.kind,
            _ => r.group(),
        };
        key(a).cmp(key(b)).then(a.name.cmp(b.name))
    });
    if output == "name" {
        let names: String = rows
            .iter()
            .map(|r| {
                if r.group().is_empty() {
                    format!("{}\n", r.name)
                } else {
                    format!("{}.{}\n", r.name, r.group())
                }
            })
            .collect();
        ctx.out(names);
        return 0;
    }
    let mut text = String::new();
    if !p.is_set("no-headers") {
        text.push_str("NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND");
        if output == "wide" {
            text.push_str("\tVERBS\tCATEGORIES");
        }
        text.push('\n');
    }
    for r in rows {
        text.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}",
            r.name, r.short_names, r.group_version, r.namespaced, r.kind
        ));
        if output == "wide" {
            text.push_str(&format!(
                "\t{}\t{}",
                r.verbs.replace(' ', ","),
                r.categories
            ));
        }
        text.push('\n');
    }
    ctx.out(crate::printers::tabwriter::align(&text));
    0
}

/// `kubectl api-versions`: every served `group/version`, sorted.
pub fn run_api_versions(ctx: &mut Ctx, argv: &[String]) -> i32 {
    if let Err(e) = flags::parse(argv, &[]) {
        return usage_error(ctx, "api-versions", &e);
    }
    let mut versions: Vec<&str> = API_RESOURCES.iter().map(|r| r.group_version).collect();
    versions.push("autoscaling/v1");
    versions.sort();
    versions.dedup();
    ctx.out(
        versions
            .iter()
            .map(|v| format!("{v}\n"))
            .collect::<String>(),
    );
    0
}

/// One object type `kubectl explain` knows.
pub struct ExplainType {
    pub name: &'static str,
    pub description: &'static str,
    pub fields: &'static [ExplainField],
}

/// One field of an [`ExplainType`].
pub struct ExplainField {
    pub name: &'static str,
    /// As explain prints it: `string`, `[]Container`, `map[string]string`, `ObjectMeta`.
    pub type_: &'static str,
    pub required: bool,
    pub description: &'static str,
}

fn explain_type(name: &str) -> Option<&'static ExplainType> {
    EXPLAIN_TYPES.iter().find(|t| t.name == name)
}

/// The object type behind a field type: `[]Container` → `Container`.
fn element_type(t: &str) -> &str {
    t.trim_start_matches("[]").trim_start_matches("map[string]")
}

/// `term.WordWrapWriter`: greedy word wrap at `limit` columns, keeping existing line breaks.
fn wrap(s: &str, limit: usize) -> String {
    let mut out = Vec::new();
    for line in s.split('\n') {
        let mut cur = String::new();
        for word in line.split(' ') {
            if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > limit {
                out.push(std::mem::take(&mut cur));
            } else if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
        }
        out.push(cur);
    }
    out.join("\n")
}

/// The template's `indent`: `pad` before the text and after every newline.
fn indent(n: usize, s: &str) -> String {
    let pad = " ".repeat(n);
    format!("{pad}{}", s.replace('\n', &format!("\n{pad}")))
}

/// `DESCRIPTION:` and `FIELDS:` of a type (the explain template's "output" with no path left).
fn explain_body(description: &str, fields: Option<&ExplainType>) -> String {
    let desc = if description.is_empty() {
        "<empty>".to_string()
    } else {
        description.to_string()
    };
    let mut s = format!("DESCRIPTION:\n{}\n", indent(4, &wrap(&desc, 76)));
    if let Some(t) = fields.filter(|t| !t.fields.is_empty()) {
        s.push_str("FIELDS:\n");
        for f in t.fields {
            s.push_str(&format!(
                "  {}\t<{}>{}\n",
                f.name,
                f.type_,
                if f.required { " -required-" } else { "" }
            ));
            let d = if f.description.is_empty() {
                "<no description>"
            } else {
                f.description
            };
            s.push_str(&format!("{}\n\n", indent(4, &wrap(d, 76))));
        }
    }
    s
}

const EXPLAIN_FLAGS: &[FlagSpec] = &[
    boolean("recursive", None),
    value("api-version", None),
    value("output", Some('o')),
];

/// `kubectl explain RESOURCE[.FIELD…]`.
pub fn run_explain(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = match flags::parse(argv, EXPLAIN_FLAGS) {
        Ok(p) => p,
        Err(e) => return usage_error(ctx, "explain", &e),
    };
    let Some(arg) = p.args.first() else {
        ctx.err("You must specify the type of resource to explain. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.\nSee 'kubectl explain -h' for help and examples\n");
        return 1;
    };
    if p.args.len() > 1 {
        ctx.err("error: We accept only this format: explain RESOURCE\nSee 'kubectl explain -h' for help and examples\n");
        return 1;
    }
    let mut path = arg.split('.');
    let resource = path.next().unwrap_or("").to_ascii_lowercase();
    let fields: Vec<&str> = path.filter(|f| !f.is_empty()).collect();
    let Some(res) = API_RESOURCES.iter().find(|r| {
        r.name == resource
            || r.kind.to_ascii_lowercase() == resource
            || r.short_names
                .split(',')
                .any(|s| !s.is_empty() && s == resource)
            || r.name.strip_suffix('s') == Some(resource.as_str())
    }) else {
        ctx.err(format!(
            "error: the server doesn't have a resource type {resource:?}\n"
        ));
        return 1;
    };
    let Some(top) = explain_type(res.kind) else {
        ctx.err(format!(
            "error: explain {} is not available in Kubarium yet\n",
            res.name
        ));
        return 1;
    };
    let mut out = String::new();
    if !res.group().is_empty() {
        out.push_str(&format!("GROUP:      {}\n", res.group()));
    }
    let version = res.group_version.rsplit('/').next().unwrap_or("v1");
    out.push_str(&format!(
        "KIND:       {}\nVERSION:    {version}\n\n",
        res.kind
    ));
    let mut cur = top;
    for (i, name) in fields.iter().enumerate() {
        let Some(f) = cur.fields.iter().find(|f| f.name == *name) else {
            ctx.err(format!("error: field {name:?} does not exist\n"));
            return 1;
        };
        let next = explain_type(element_type(f.type_));
        if i + 1 == fields.len() {
            out.push_str(&format!("FIELD: {} <{}>\n\n\n", f.name, f.type_));
            let mut desc = format!("{}\n", f.description);
            if let Some(t) = next {
                desc.push_str(&format!("{}\n", t.description));
            }
            out.push_str(&explain_body(&desc, next));
            out.push('\n');
            ctx.out(out);
            return 0;
        }
        match next {
            Some(t) => cur = t,
            None if f.type_.contains(|c: char| c.is_ascii_uppercase()) => {
                ctx.err(format!(
                    "error: explain of {} fields is not available in Kubarium yet\n",
                    f.type_
                ));
                return 1;
            }
            None => {
                ctx.err(format!("error: field {:?} does not exist\n", fields[i + 1]));
                return 1;
            }
        }
    }
    out.push_str(&explain_body(&format!("{}\n", top.description), Some(top)));
    out.push('\n');
    ctx.out(out);
    0
}

/// Field documentation for `kubectl explain`, from the Kubernetes v1.37 OpenAPI schema.
pub const EXPLAIN_TYPES: &[ExplainType] = &[
    ExplainType { name: "Pod", description: "Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.", fields: &[
        ExplainField { name: "apiVersion", type_: "string", required: false, description: "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources" },
        ExplainField { name: "kind", type_: "string", required: false, description: "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds" },
        ExplainField { name: "metadata", type_: "ObjectMeta", required: false, description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
        ExplainField { name: "spec", type_: "PodSpec", required: false, description: "Specification of the desired behavior of the pod. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status" },
        ExplainField { name: "status", type_: "PodStatus", required: false, description: "Most recently observed status of the pod. This data may not be up to date. Populated by the system. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status" },
    ] },
    ExplainType { name: "PodSpec", description: "PodSpec is a description of a pod.", fields: &[
        ExplainField { name: "activeDeadlineSeconds", type_: "integer", required: false, description: "Optional duration in seconds the pod may be active on the node relative to StartTime before the system will actively try to mark it failed and kill associated containers. Value must be a positive integer." },
        ExplainField { name: "affinity", type_: "Affinity", required: false, description: "If specified, the pod's scheduling constraints" },
        ExplainField { name: "automountServiceAccountToken", type_: "boolean", required: false, description: "AutomountServiceAccountToken indicates whether a service account token should be automatically mounted." },
        ExplainField { name: "containers", type_: "[]Container", required: true, description: "List of containers belonging to the pod. Containers cannot currently be added or removed. There must be at least one container in a Pod. Cannot be updated." },
        ExplainField { name: "dnsConfig", type_: "PodDNSConfig", required: false, description: "Specifies the DNS parameters of a pod. Parameters specified here will be merged to the generated DNS configuration based on DNSPolicy." },
        ExplainField { name: "dnsPolicy", type_: "string", required: false, description: "Set DNS policy for the pod. Defaults to \"ClusterFirst\". Valid values are 'ClusterFirstWithHostNet', 'ClusterFirst', 'Default' or 'None'. DNS parameters given in DNSConfig will be merged with the policy selected with DNSPolicy. To have DNS options set along with hostNetwork, you have to specify DNS policy explicitly to 'ClusterFirstWithHostNet'." },
        ExplainField { name: "enableServiceLinks", type_: "boolean", required: false, description: "EnableServiceLinks indicates whether information about services should be injected into pod's environment variables, matching the syntax of Docker links. Optional: Defaults to true." },
        ExplainField { name: "ephemeralContainers", type_: "[]EphemeralContainer", required: false, description: "List of ephemeral containers run in this pod. Ephemeral containers may be run in an existing pod to perform user-initiated actions such as debugging. This list cannot be specified when creating a pod, and it cannot be modified by updating the pod spec. In order to add an ephemeral container to an existing pod, use the pod's ephemeralcontainers subresource." },
        ExplainField { name: "evictionResponders", type_: "[]EvictionResponder", required: false, description: "evictionResponders reference responders that react to Evictions based on EvictionRequests. Responders should observe and communicate through the Eviction Resource API to help with the graceful termination of a pod. The responders are selected sequentially, according to their specified priority.\n\nResponders should periodically report on an eviction progress by updating the .status.responders[].heartbeatTime field of the Eviction object. If this field is not updated within the heartbeat deadline defined by the Eviction API (currently 20 minutes), the eviction is passed over to the next responder with a lower priority. If there is no other responder, the last default imperative-eviction.k8s.io/evictor responder with a priority of 100 will evict the pod using the imperative Eviction API (pods/<name>/eviction subresource).\n\nThe maximum length of the responders list is 10. Responders are not supported when the pod is part of a PodGroup (.spec.schedulingGroup is set). This field can only be set on creation and is immutable afterwards." },
        ExplainField { name: "hostAliases", type_: "[]HostAlias", required: false, description: "HostAliases is an optional list of hosts and IPs that will be injected into the pod's hosts file if specified." },
        ExplainField { name: "hostIPC", type_: "boolean", required: false, description: "Use the host's ipc namespace. Optional: Default to false." },
        ExplainField { name: "hostNetwork", type_: "boolean", required: false, description: "Host networking requested for this pod. Use the host's network namespace. When using HostNetwork you should specify ports so the scheduler is aware. When `hostNetwork` is true, specified `hostPort` fields in port definitions must match `containerPort`, and unspecified `hostPort` fields in port definitions are defaulted to match `containerPort`. Default to false." },
        ExplainField { name: "hostPID", type_: "boolean", required: false, description: "Use the host's pid namespace. Optional: Default to false." },
        ExplainField { name: "hostUsers", type_: "boolean", required: false, description: "Use the host's user namespace. Optional: Default to true. If set to true or not present, the pod will be run in the host user namespace, useful for when the pod needs a feature only available to the host user namespace, such as loading a kernel module with CAP_SYS_MODULE. When set to false, a new userns is created for the pod. Setting false is useful for mitigating container breakout vulnerabilities even allowing users to run their containers as root without actually having root privileges on the host." },
        ExplainField { name: "hostname", type_: "string", required: false, description: "Specifies the hostname of the Pod If not specified, the pod's hostname will be set to a system-defined value." },
        ExplainField { name: "hostnameOverride", type_: "string", required: false, description: "HostnameOverride specifies an explicit override for the pod's hostname as perceived by the pod. This field only specifies the pod's hostname and does not affect its DNS records. When this field is set to a non-empty string: - It takes precedence over the values set in `hostname` and `subdomain`. - The Pod's hostname will be set to this value. - `setHostnameAsFQDN` must be nil or set to false. - `hostNetwork` must be set to false.\n\nThis field must be a valid DNS subdomain as defined in RFC 1123 and contain at most 64 characters." },
        ExplainField { name: "imagePullSecrets", type_: "[]LocalObjectReference", required: false, description: "ImagePullSecrets is an optional list of references to secrets in the same namespace to use for pulling any of the images used by this PodSpec. If specified, these secrets will be passed to individual puller implementations for them to use. More info: https://kubernetes.io/docs/concepts/containers/images#specifying-imagepullsecrets-on-a-pod" },
        ExplainField { name: "initContainers", type_: "[]Container", required: false, description: "List of initialization containers belonging to the pod. Init containers are executed in order prior to containers being started. If any init container fails, the pod is considered to have failed and is handled according to its restartPolicy. The name for an init container or normal container must be unique among all containers. Init containers may not have Lifecycle actions, Readiness probes, Liveness probes, or Startup probes. The resourceRequirements of an init container are taken into account during scheduling by finding the highest request/limit for each resource type, and then using the max of that value or the sum of the normal containers. Limits are applied to init containers in a similar fashion. Init containers cannot currently be added or removed. Cannot be updated. More info: https://kubernetes.io/docs/concepts/workloads/pods/init-containers/" },
        ExplainField { name: "nodeName", type_: "string", required: false, description: "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename" },
        ExplainField { name: "nodeSelector", type_: "map[string]string", required: false, description: "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/" },
        ExplainField { name: "os", type_: "PodOS", required: false, description: "Specifies the OS of the containers in the pod. Some pod and container fields are restricted if this is set.\n\nIf the OS field is set to linux, the following fields must be unset: -securityContext.windowsOptions\n\nIf the OS field is set to windows, following fields must be unset: - spec.hostPID - spec.hostIPC - spec.hostUsers - spec.resources - spec.securityContext.appArmorProfile - spec.securityContext.seLinuxOptions - spec.securityContext.seccompProfile - spec.securityContext.fsGroup - spec.securityContext.fsGroupChangePolicy - spec.securityContext.sysctls - spec.shareProcessNamespace - spec.securityContext.runAsUser - spec.securityContext.runAsGroup - spec.securityContext.supplementalGroups - spec.securityContext.supplementalGroupsPolicy - spec.containers[*].securityContext.appArmorProfile - spec.containers[*].securityContext.seLinuxOptions - spec.containers[*].securityContext.seccompProfile - spec.containers[*].securityContext.capabilities - spec.containers[*].securityContext.readOnlyRootFilesystem - spec.containers[*].securityContext.privileged - spec.containers[*].securityContext.allowPrivilegeEscalation - spec.containers[*].securityContext.procMount - spec.containers[*].securityContext.runAsUser - spec.containers[*].securityContext.runAsGroup" },
        ExplainField { name: "overhead", type_: "map[string]Quantity", required: false, description: "Overhead represents the resource overhead associated with running a pod for a given RuntimeClass. This field will be autopopulated at admission time by the RuntimeClass admission controller. If the RuntimeClass admission controller is enabled, overhead must not be set in Pod create requests. The RuntimeClass admission controller will reject Pod create requests which have the overhead already set. If RuntimeClass is configured and selected in the PodSpec, Overhead will be set to the value defined in the corresponding RuntimeClass, otherwise it will remain unset and treated as zero. More info: https://git.k8s.io/enhancements/keps/sig-node/688-pod-overhead/README.md" },
        ExplainField { name: "preemptionPolicy", type_: "string", required: false, description: "PreemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. When Priority Admission Controller is enabled, it prevents users from setting this field. The admission controller populates this field from PriorityClassName. Defaults to PreemptLowerPriority if unset." },
        ExplainField { name: "priority", type_: "integer", required: false, description: "The priority value. Various system components use this field to find the priority of the pod. When Priority Admission Controller is enabled, it prevents users from setting this field. The admission controller populates this field from PriorityClassName. The higher the value, the higher the priority." },
        ExplainField { name: "priorityClassName", type_: "string", required: false, description: "If specified, indicates the pod's priority. \"system-node-critical\" and \"system-cluster-critical\" are two special keywords which indicate the highest priorities with the former being the highest priority. Any other name must be defined by creating a PriorityClass object with that name. If not specified, the pod priority will be default or zero if there is no default." },
        ExplainField { name: "readinessGates", type_: "[]PodReadinessGate", required: false, description: "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates" },
        ExplainField { name: "resourceClaims", type_: "[]PodResourceClaim", required: false, description: "ResourceClaims defines which ResourceClaims must be allocated and reserved before the Pod is allowed to start. The resources will be made available to those containers which consume them by name.\n\nThis is a stable field but requires that the DynamicResourceAllocation feature gate is enabled.\n\nThis field is immutable." },
        ExplainField { name: "resources", type_: "ResourceRequirements", required: false, description: "Resources is the total amount of CPU and Memory resources required by all containers in the pod. It supports specifying Requests and Limits for \"cpu\", \"memory\" and \"hugepages-\" resource names only. ResourceClaims are not supported.\n\nThis field enables fine-grained control over resource allocation for the entire pod, allowing resource sharing among containers in a pod.\n\nThis is an alpha field and requires enabling the PodLevelResources feature gate." },
        ExplainField { name: "restartPolicy", type_: "string", required: false, description: "Restart policy for all containers within the pod. One of Always, OnFailure, Never. In some contexts, only a subset of those values may be permitted. Default to Always. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy" },
        ExplainField { name: "runtimeClassName", type_: "string", required: false, description: "RuntimeClassName refers to a RuntimeClass object in the node.k8s.io group, which should be used to run this pod.  If no RuntimeClass resource matches the named class, the pod will not be run. If unset or empty, the \"legacy\" RuntimeClass will be used, which is an implicit class with an empty definition that uses the default runtime handler. More info: https://git.k8s.io/enhancements/keps/sig-node/585-runtime-class" },
        ExplainField { name: "schedulerName", type_: "string", required: false, description: "If specified, the pod will be dispatched by specified scheduler. If not specified, the pod will be dispatched by default scheduler." },
        ExplainField { name: "schedulingGates", type_: "[]PodSchedulingGate", required: false, description: "SchedulingGates is an opaque list of values that if specified will block scheduling the pod. If schedulingGates is not empty, the pod will stay in the SchedulingGated state and the scheduler will not attempt to schedule the pod.\n\nSchedulingGates can only be set at pod creation time, and be removed only afterwards." },
        ExplainField { name: "schedulingGroup", type_: "PodSchedulingGroup", required: false, description: "SchedulingGroup provides a reference to the immediate scheduling runtime grouping object that this Pod belongs to. This field is used by the scheduler to identify the group and apply the correct group scheduling policies. The association with a group also impacts other lifecycle aspects of a Pod that are relevant in a wider context of scheduling like preemption, resource attachment, etc. If not specified, the Pod is treated as a single unit in all of these aspects. The group object referenced by this field may not exist at the time the Pod is created. This field is immutable, but a group object with the same name may be recreated with different policies. Doing this during pod scheduling may result in the placement not conforming to the expected policies." },
        ExplainField { name: "securityContext", type_: "PodSecurityContext", required: false, description: "SecurityContext holds pod-level security attributes and common container settings. Optional: Defaults to empty.  See type description for default values of each field." },
        ExplainField { name: "serviceAccount", type_: "string", required: false, description: "DeprecatedServiceAccount is a deprecated alias for ServiceAccountName. Deprecated: Use serviceAccountName instead." },
        ExplainField { name: "serviceAccountName", type_: "string", required: false, description: "ServiceAccountName is the name of the ServiceAccount to use to run this pod. More info: https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/" },
        ExplainField { name: "setHostnameAsFQDN", type_: "boolean", required: false, description: "If true the pod's hostname will be configured as the pod's FQDN, rather than the leaf name (the default). In Linux containers, this means setting the FQDN in the hostname field of the kernel (the nodename field of struct utsname). In Windows containers, this means setting the registry value of hostname for the registry key HKEY_LOCAL_MACHINE\\\\SYSTEM\\\\CurrentControlSet\\\\Services\\\\Tcpip\\\\Parameters to FQDN. If a pod does not have FQDN, this has no effect. Default to false." },
        ExplainField { name: "shareProcessNamespace", type_: "boolean", required: false, description: "Share a single process namespace between all of the containers in a pod. When this is set containers will be able to view and signal processes from other containers in the same pod, and the first process in each container will not be assigned PID 1. HostPID and ShareProcessNamespace cannot both be set. Optional: Default to false." },
        ExplainField { name: "subdomain", type_: "string", required: false, description: "If specified, the fully qualified Pod hostname will be \"<hostname>.<subdomain>.<pod namespace>.svc.<cluster domain>\". If not specified, the pod will not have a domainname at all." },
        ExplainField { name: "terminationGracePeriodSeconds", type_: "integer", required: false, description: "Optional duration in seconds the pod needs to terminate gracefully. May be decreased in delete request. Value must be non-negative integer. The value zero indicates stop immediately via the kill signal (no opportunity to shut down). If this value is nil, the default grace period will be used instead. The grace period is the duration in seconds after the processes running in the pod are sent a termination signal and the time when the processes are forcibly halted with a kill signal. Set this value longer than the expected cleanup time for your process. Defaults to 30 seconds." },
        ExplainField { name: "tolerations", type_: "[]Toleration", required: false, description: "If specified, the pod's tolerations." },
        ExplainField { name: "topologySpreadConstraints", type_: "[]TopologySpreadConstraint", required: false, description: "TopologySpreadConstraints describes how a group of pods ought to spread across topology domains. Scheduler will schedule pods in a way which abides by the constraints. All topologySpreadConstraints are ANDed." },
        ExplainField { name: "volumes", type_: "[]Volume", required: false, description: "List of volumes that can be mounted by containers belonging to the pod. More info: https://kubernetes.io/docs/concepts/storage/volumes" },
    ] },
    ExplainType { name: "Container", description: "A single application container that you want to run within a pod.", fields: &[
        ExplainField { name: "args", type_: "[]string", required: false, description: "Arguments to the entrypoint. The container image's CMD is used if this is not provided. Variable references $(VAR_NAME) are expanded using the container's environment. If a variable cannot be resolved, the reference in the input string will be unchanged. Double $$ are reduced to a single $, which allows for escaping the $(VAR_NAME) syntax: i.e. \"$$(VAR_NAME)\" will produce the string literal \"$(VAR_NAME)\". Escaped references will never be expanded, regardless of whether the variable exists or not. Cannot be updated. More info: https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/#running-a-command-in-a-shell" },
        ExplainField { name: "command", type_: "[]string", required: false, description: "Entrypoint array. Not executed within a shell. The container image's ENTRYPOINT is used if this is not provided. Variable references $(VAR_NAME) are expanded using the container's environment. If a variable cannot be resolved, the reference in the input string will be unchanged. Double $$ are reduced to a single $, which allows for escaping the $(VAR_NAME) syntax: i.e. \"$$(VAR_NAME)\" will produce the string literal \"$(VAR_NAME)\". Escaped references will never be expanded, regardless of whether the variable exists or not. Cannot be updated. More info: https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/#running-a-command-in-a-shell" },
        ExplainField { name: "env", type_: "[]EnvVar", required: false, description: "List of environment variables to set in the container. Cannot be updated." },
        ExplainField { name: "envFrom", type_: "[]EnvFromSource", required: false, description: "List of sources to populate environment variables in the container. The keys defined within a source may consist of any printable ASCII characters except '='. When a key exists in multiple sources, the value associated with the last source will take precedence. Values defined by an Env with a duplicate key will take precedence. Cannot be updated." },
        ExplainField { name: "image", type_: "string", required: false, description: "Container image name. More info: https://kubernetes.io/docs/concepts/containers/images This field is optional to allow higher level config management to default or override container images in workload controllers like Deployments and StatefulSets." },
        ExplainField { name: "imagePullPolicy", type_: "string", required: false, description: "Image pull policy. One of Always, Never, IfNotPresent. Defaults to Always if :latest tag is specified, or IfNotPresent otherwise. Cannot be updated. More info: https://kubernetes.io/docs/concepts/containers/images#updating-images" },
        ExplainField { name: "lifecycle", type_: "Lifecycle", required: false, description: "Actions that the management system should take in response to container lifecycle events. Cannot be updated." },
        ExplainField { name: "livenessProbe", type_: "Probe", required: false, description: "Periodic probe of container liveness. Container will be restarted if the probe fails. Cannot be updated. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#container-probes" },
        ExplainField { name: "name", type_: "string", required: true, description: "Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique name (DNS_LABEL). Cannot be updated." },
        ExplainField { name: "ports", type_: "[]ContainerPort", required: false, description: "List of ports to expose from the container. Not specifying a port here DOES NOT prevent that port from being exposed. Any port which is listening on the default \"0.0.0.0\" address inside a container will be accessible from the network. Modifying this array with strategic merge patch may corrupt the data. For more information See https://github.com/kubernetes/kubernetes/issues/108255. Cannot be updated." },
        ExplainField { name: "readinessProbe", type_: "Probe", required: false, description: "Periodic probe of container service readiness. Container will be removed from service endpoints if the probe fails. Cannot be updated. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#container-probes" },
        ExplainField { name: "resizePolicy", type_: "[]ContainerResizePolicy", required: false, description: "Resources resize policy for the container. This field cannot be set on ephemeral containers." },
        ExplainField { name: "resources", type_: "ResourceRequirements", required: false, description: "Compute Resources required by this container. Cannot be updated. More info: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/" },
        ExplainField { name: "restartPolicy", type_: "string", required: false, description: "RestartPolicy defines the restart behavior of individual containers in a pod. This overrides the pod-level restart policy. When this field is not specified, the restart behavior is defined by the Pod's restart policy and the container type. Additionally, setting the RestartPolicy as \"Always\" for the init container will have the following effect: this init container will be continually restarted on exit until all regular containers have terminated. Once all regular containers have completed, all init containers with restartPolicy \"Always\" will be shut down. This lifecycle differs from normal init containers and is often referred to as a \"sidecar\" container. Although this init container still starts in the init container sequence, it does not wait for the container to complete before proceeding to the next init container. Instead, the next init container starts immediately after this init container is started, or after any startupProbe has successfully completed." },
        ExplainField { name: "restartPolicyRules", type_: "[]ContainerRestartRule", required: false, description: "Represents a list of rules to be checked to determine if the container should be restarted on exit. The rules are evaluated in order. Once a rule matches a container exit condition, the remaining rules are ignored. If no rule matches the container exit condition, the Container-level restart policy determines the whether the container is restarted or not. Constraints on the rules: - At most 20 rules are allowed. - Rules can have the same action. - Identical rules are not forbidden in validations. When rules are specified, container MUST set RestartPolicy explicitly even it if matches the Pod's RestartPolicy." },
        ExplainField { name: "securityContext", type_: "SecurityContext", required: false, description: "SecurityContext defines the security options the container should be run with. If set, the fields of SecurityContext override the equivalent fields of PodSecurityContext. More info: https://kubernetes.io/docs/tasks/configure-pod-container/security-context/" },
        ExplainField { name: "startupProbe", type_: "Probe", required: false, description: "StartupProbe indicates that the Pod has successfully initialized. If specified, no other probes are executed until this completes successfully. If this probe fails, the Pod will be restarted, just as if the livenessProbe failed. This can be used to provide different probe parameters at the beginning of a Pod's lifecycle, when it might take a long time to load data or warm a cache, than during steady-state operation. This cannot be updated. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#container-probes" },
        ExplainField { name: "stdin", type_: "boolean", required: false, description: "Whether this container should allocate a buffer for stdin in the container runtime. If this is not set, reads from stdin in the container will always result in EOF. Default is false." },
        ExplainField { name: "stdinOnce", type_: "boolean", required: false, description: "Whether the container runtime should close the stdin channel after it has been opened by a single attach. When stdin is true the stdin stream will remain open across multiple attach sessions. If stdinOnce is set to true, stdin is opened on container start, is empty until the first client attaches to stdin, and then remains open and accepts data until the client disconnects, at which time stdin is closed and remains closed until the container is restarted. If this flag is false, a container processes that reads from stdin will never receive an EOF. Default is false" },
        ExplainField { name: "terminationMessagePath", type_: "string", required: false, description: "Optional: Path at which the file to which the container's termination message will be written is mounted into the container's filesystem. Message written is intended to be brief final status, such as an assertion failure message. Will be truncated by the node if greater than 4096 bytes. The total message length across all containers will be limited to 12kb. Defaults to /dev/termination-log. Cannot be updated." },
        ExplainField { name: "terminationMessagePolicy", type_: "string", required: false, description: "Indicate how the termination message should be populated. File will use the contents of terminationMessagePath to populate the container status message on both success and failure. FallbackToLogsOnError will use the last chunk of container log output if the termination message file is empty and the container exited with an error. The log output is limited to 2048 bytes or 80 lines, whichever is smaller. Defaults to File. Cannot be updated." },
        ExplainField { name: "tty", type_: "boolean", required: false, description: "Whether this container should allocate a TTY for itself, also requires 'stdin' to be true. Default is false." },
        ExplainField { name: "volumeDevices", type_: "[]VolumeDevice", required: false, description: "volumeDevices is the list of block devices to be used by the container." },
        ExplainField { name: "volumeMounts", type_: "[]VolumeMount", required: false, description: "Pod volumes to mount into the container's filesystem. Cannot be updated." },
        ExplainField { name: "workingDir", type_: "string", required: false, description: "Container's working directory. If not specified, the container runtime's default will be used, which might be configured in the container image. Cannot be updated." },
    ] },
    ExplainType { name: "PodStatus", description: "PodStatus represents information about the status of a pod. Status may trail the actual state of a system, especially if the node that hosts the pod cannot contact the control plane.", fields: &[
        ExplainField { name: "allocatedResources", type_: "map[string]Quantity", required: false, description: "AllocatedResources is the total requests allocated for this pod by the node. If pod-level requests are not set, this will be the total requests aggregated across containers in the pod." },
        ExplainField { name: "conditions", type_: "[]PodCondition", required: false, description: "Current service state of pod. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#pod-conditions" },
        ExplainField { name: "containerStatuses", type_: "[]ContainerStatus", required: false, description: "Statuses of containers in this pod. Each container in the pod should have at most one status in this list, and all statuses should be for containers in the pod. However this is not enforced. If a status for a non-existent container is present in the list, or the list has duplicate names, the behavior of various Kubernetes components is not defined and those statuses might be ignored. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#pod-and-container-status" },
        ExplainField { name: "ephemeralContainerStatuses", type_: "[]ContainerStatus", required: false, description: "Statuses for any ephemeral containers that have run in this pod. Each ephemeral container in the pod should have at most one status in this list, and all statuses should be for containers in the pod. However this is not enforced. If a status for a non-existent container is present in the list, or the list has duplicate names, the behavior of various Kubernetes components is not defined and those statuses might be ignored. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#pod-and-container-status" },
        ExplainField { name: "extendedResourceClaimStatus", type_: "PodExtendedResourceClaimStatus", required: false, description: "Status of extended resource claim backed by DRA." },
        ExplainField { name: "hostIP", type_: "string", required: false, description: "hostIP holds the IP address of the host to which the pod is assigned. Empty if the pod has not started yet. A pod can be assigned to a node that has a problem in kubelet which in turns mean that HostIP will not be updated even if there is a node is assigned to pod" },
        ExplainField { name: "hostIPs", type_: "[]HostIP", required: false, description: "hostIPs holds the IP addresses allocated to the host. If this field is specified, the first entry must match the hostIP field. This list is empty if the pod has not started yet. A pod can be assigned to a node that has a problem in kubelet which in turns means that HostIPs will not be updated even if there is a node is assigned to this pod." },
        ExplainField { name: "initContainerStatuses", type_: "[]ContainerStatus", required: false, description: "Statuses of init containers in this pod. The most recent successful non-restartable init container will have ready = true, the most recently started container will have startTime set. Each init container in the pod should have at most one status in this list, and all statuses should be for containers in the pod. However this is not enforced. If a status for a non-existent container is present in the list, or the list has duplicate names, the behavior of various Kubernetes components is not defined and those statuses might be ignored. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-and-container-status" },
        ExplainField { name: "message", type_: "string", required: false, description: "A human readable message indicating details about why the pod is in this condition." },
        ExplainField { name: "nodeAllocatableResourceClaimStatuses", type_: "[]NodeAllocatableResourceClaimStatus", required: false, description: "NodeAllocatableResourceClaimStatuses contains the status of node-allocatable resources that were allocated for this pod through DRA claims. This includes resources currently reported in v1.Node `status.allocatable` that are not extended resources (see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#extended-resources). Examples include \"cpu\", \"memory\", \"ephemeral-storage\", and hugepages." },
        ExplainField { name: "nominatedNodeName", type_: "string", required: false, description: "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled." },
        ExplainField { name: "observedGeneration", type_: "integer", required: false, description: "If set, this represents the .metadata.generation that the pod status was set based upon. The PodObservedGenerationTracking feature gate must be enabled to use this field." },
        ExplainField { name: "phase", type_: "string", required: false, description: "The phase of a Pod is a simple, high-level summary of where the Pod is in its lifecycle. The conditions array, the reason and message fields, and the individual container status arrays contain more detail about the pod's status. There are five possible phase values:\n\nPending: The pod has been accepted by the Kubernetes system, but one or more of the container images has not been created. This includes time before being scheduled as well as time spent downloading images over the network, which could take a while. Running: The pod has been bound to a node, and all of the containers have been created. At least one container is still running, or is in the process of starting or restarting. Succeeded: All containers in the pod have terminated in success, and will not be restarted. Failed: All containers in the pod have terminated, and at least one container has terminated in failure. The container either exited with non-zero status or was terminated by the system. Unknown: For some reason the state of the pod could not be obtained, typically due to an error in communicating with the host of the pod.\n\nMore info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#pod-phase" },
        ExplainField { name: "podIP", type_: "string", required: false, description: "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated." },
        ExplainField { name: "podIPs", type_: "[]PodIP", required: false, description: "podIPs holds the IP addresses allocated to the pod. If this field is specified, the 0th entry must match the podIP field. Pods may be allocated at most 1 value for each of IPv4 and IPv6. This list is empty if no IPs have been allocated yet." },
        ExplainField { name: "qosClass", type_: "string", required: false, description: "The Quality of Service (QOS) classification assigned to the pod based on resource requirements See PodQOSClass type for available QOS classes More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/#quality-of-service-classes" },
        ExplainField { name: "reason", type_: "string", required: false, description: "A brief CamelCase message indicating details about why the pod is in this state. e.g. 'Evicted'" },
        ExplainField { name: "resize", type_: "string", required: false, description: "Status of resources resize desired for pod's containers. It is empty if no resources resize is pending. Any changes to container resources will automatically set this to \"Proposed\" Deprecated: Resize status is moved to two pod conditions PodResizePending and PodResizeInProgress. PodResizePending will track states where the spec has been resized, but the Kubelet has not yet allocated the resources. PodResizeInProgress will track in-progress resizes, and should be present whenever allocated resources != acknowledged resources." },
        ExplainField { name: "resourceClaimStatuses", type_: "[]PodResourceClaimStatus", required: false, description: "Status of resource claims." },
        ExplainField { name: "resources", type_: "ResourceRequirements", required: false, description: "Resources represents the compute resource requests and limits that have been applied at the pod level if pod-level requests or limits are set in PodSpec.Resources" },
        ExplainField { name: "startTime", type_: "string", required: false, description: "RFC 3339 date and time at which the object was acknowledged by the Kubelet. This is before the Kubelet pulled the container image(s) for the pod." },
        ExplainField { name: "volumeHealth", type_: "[]PodVolumeHealth", required: false, description: "volumeHealth contains node-reported health for each volume the pod is using. Populated by the kubelet on the pod's node." },
    ] },
    ExplainType { name: "Node", description: "Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in etcd).", fields: &[
        ExplainField { name: "apiVersion", type_: "string", required: false, description: "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources" },
        ExplainField { name: "kind", type_: "string", required: false, description: "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds" },
        ExplainField { name: "metadata", type_: "ObjectMeta", required: false, description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
        ExplainField { name: "spec", type_: "NodeSpec", required: false, description: "Spec defines the behavior of a node. https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status" },
        ExplainField { name: "status", type_: "NodeStatus", required: false, description: "Most recently observed status of the node. Populated by the system. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status" },
    ] },
    ExplainType { name: "NodeSpec", description: "NodeSpec describes the attributes that a node is created with.", fields: &[
        ExplainField { name: "configSource", type_: "NodeConfigSource", required: false, description: "Deprecated: Previously used to specify the source of the node's configuration for the DynamicKubeletConfig feature. This feature is removed." },
        ExplainField { name: "externalID", type_: "string", required: false, description: "Deprecated. Not all kubelets will set this field. Remove field after 1.13. see: https://issues.k8s.io/61966" },
        ExplainField { name: "podCIDR", type_: "string", required: false, description: "PodCIDR represents the pod IP range assigned to the node." },
        ExplainField { name: "podCIDRs", type_: "[]string", required: false, description: "podCIDRs represents the IP ranges assigned to the node for usage by Pods on that node. If this field is specified, the 0th entry must match the podCIDR field. It may contain at most 1 value for each of IPv4 and IPv6." },
        ExplainField { name: "podPreemptionPolicy", type_: "NodePodPreemptionPolicy", required: false, description: "PodPreemptionPolicy controls the node-level preemption behaviors for pods on this node. This is an alpha field and requires enabling the InPlacePodVerticalScalingSchedulerPreemption feature gate." },
        ExplainField { name: "providerID", type_: "string", required: false, description: "ID of the node assigned by the cloud provider in the format: <ProviderName>://<ProviderSpecificNodeID>" },
        ExplainField { name: "taints", type_: "[]Taint", required: false, description: "If specified, the node's taints." },
        ExplainField { name: "unschedulable", type_: "boolean", required: false, description: "Unschedulable controls node schedulability of new pods. By default, node is schedulable. More info: https://kubernetes.io/docs/concepts/nodes/node/#manual-node-administration" },
    ] },
    ExplainType { name: "NodeStatus", description: "NodeStatus is information about the current status of a node.", fields: &[
        ExplainField { name: "addresses", type_: "[]NodeAddress", required: false, description: "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP)." },
        ExplainField { name: "allocatable", type_: "map[string]Quantity", required: false, description: "Allocatable represents the resources of a node that are available for scheduling. Defaults to Capacity." },
        ExplainField { name: "capacity", type_: "map[string]Quantity", required: false, description: "Capacity represents the total resources of a node. More info: https://kubernetes.io/docs/reference/node/node-status/#capacity" },
        ExplainField { name: "conditions", type_: "[]NodeCondition", required: false, description: "Conditions is an array of current observed node conditions. More info: https://kubernetes.io/docs/reference/node/node-status/#condition" },
        ExplainField { name: "config", type_: "NodeConfigStatus", required: false, description: "Status of the config assigned to the node via the dynamic Kubelet config feature." },
        ExplainField { name: "daemonEndpoints", type_: "NodeDaemonEndpoints", required: false, description: "Endpoints of daemons running on the Node." },
        ExplainField { name: "declaredFeatures", type_: "[]string", required: false, description: "DeclaredFeatures represents the features related to feature gates that are declared by the node." },
        ExplainField { name: "features", type_: "NodeFeatures", required: false, description: "Features describes the set of features implemented by the CRI implementation." },
        ExplainField { name: "images", type_: "[]ContainerImage", required: false, description: "List of container images on this node" },
        ExplainField { name: "nodeInfo", type_: "NodeSystemInfo", required: false, description: "Set of ids/uuids to uniquely identify the node. More info: https://kubernetes.io/docs/reference/node/node-status/#info" },
        ExplainField { name: "phase", type_: "string", required: false, description: "NodePhase is the recently observed lifecycle phase of the node. More info: https://kubernetes.io/docs/concepts/nodes/node/#phase The field is never populated, and now is deprecated." },
        ExplainField { name: "runtimeHandlers", type_: "[]NodeRuntimeHandler", required: false, description: "The available runtime handlers." },
        ExplainField { name: "volumesAttached", type_: "[]AttachedVolume", required: false, description: "List of volumes that are attached to the node." },
        ExplainField { name: "volumesInUse", type_: "[]string", required: false, description: "List of attachable volumes in use (mounted) by the node." },
    ] },
    ExplainType { name: "Namespace", description: "Namespace provides a scope for Names. Use of multiple namespaces is optional.", fields: &[
        ExplainField { name: "apiVersion", type_: "string", required: false, description: "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources" },
        ExplainField { name: "kind", type_: "string", required: false, description: "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds" },
        ExplainField { name: "metadata", type_: "ObjectMeta", required: false, description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
        ExplainField { name: "spec", type_: "NamespaceSpec", required: false, description: "Spec defines the behavior of the Namespace. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status" },
        ExplainField { name: "status", type_: "NamespaceStatus", required: false, description: "Status describes the current status of a Namespace. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status" },
    ] },
    ExplainType { name: "NamespaceSpec", description: "NamespaceSpec describes the attributes on a Namespace.", fields: &[
        ExplainField { name: "finalizers", type_: "[]string", required: false, description: "Finalizers is an opaque list of values that must be empty to permanently remove object from storage. More info: https://kubernetes.io/docs/tasks/administer-cluster/namespaces/" },
    ] },
    ExplainType { name: "NamespaceStatus", description: "NamespaceStatus is information about the current status of a Namespace.", fields: &[
        ExplainField { name: "conditions", type_: "[]NamespaceCondition", required: false, description: "Represents the latest available observations of a namespace's current state." },
        ExplainField { name: "phase", type_: "string", required: false, description: "Phase is the current lifecycle phase of the namespace. More info: https://kubernetes.io/docs/tasks/administer-cluster/namespaces/" },
    ] },
    ExplainType { name: "ConfigMap", description: "ConfigMap holds configuration data for pods to consume.", fields: &[
        ExplainField { name: "apiVersion", type_: "string", required: false, description: "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources" },
        ExplainField { name: "binaryData", type_: "map[string]string", required: false, description: "BinaryData contains the binary data. Each key must consist of alphanumeric characters, '-', '_' or '.'. BinaryData can contain byte sequences that are not in the UTF-8 range. The keys stored in BinaryData must not overlap with the ones in the Data field, this is enforced during validation process. Using this field will require 1.10+ apiserver and kubelet. Note: BinaryData keys are not currently propagated to container env vars via ConfigMapKeyRef or ConfigMapRef env sources; only Data keys are used." },
        ExplainField { name: "data", type_: "map[string]string", required: false, description: "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process." },
        ExplainField { name: "immutable", type_: "boolean", required: false, description: "Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated (only object metadata can be modified). If not set to true, the field can be modified at any time. Defaulted to nil." },
        ExplainField { name: "kind", type_: "string", required: false, description: "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds" },
        ExplainField { name: "metadata", type_: "ObjectMeta", required: false, description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
    ] },
    ExplainType { name: "Secret", description: "Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.", fields: &[
        ExplainField { name: "apiVersion", type_: "string", required: false, description: "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources" },
        ExplainField { name: "data", type_: "map[string]string", required: false, description: "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4" },
        ExplainField { name: "immutable", type_: "boolean", required: false, description: "Immutable, if set to true, ensures that data stored in the Secret cannot be updated (only object metadata can be modified). If not set to true, the field can be modified at any time. Defaulted to nil." },
        ExplainField { name: "kind", type_: "string", required: false, description: "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds" },
        ExplainField { name: "metadata", type_: "ObjectMeta", required: false, description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
        ExplainField { name: "stringData", type_: "map[string]string", required: false, description: "stringData allows specifying non-binary secret data in string form. It is provided as a write-only input field for convenience. All keys and values are merged into the data field on write, overwriting any existing values. The stringData field is never output when reading from the API." },
        ExplainField { name: "type", type_: "string", required: false, description: "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types" },
    ] },
    ExplainType { name: "Event", description: "Event is a report of an event somewhere in the cluster.  Events have a limited retention time and triggers and messages may evolve with time.  Event consumers should not rely on the timing of an event with a given Reason reflecting a consistent underlying trigger, or the continued existence of events with that Reason.  Events should be treated as informative, best-effort, supplemental data.", fields: &[
        ExplainField { name: "action", type_: "string", required: false, description: "What action was taken/failed regarding to the Regarding object." },
        ExplainField { name: "apiVersion", type_: "string", required: false, description: "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources" },
        ExplainField { name: "count", type_: "integer", required: false, description: "The number of times this event has occurred." },
        ExplainField { name: "eventTime", type_: "string", required: false, description: "Time when this Event was first observed." },
        ExplainField { name: "firstTimestamp", type_: "string", required: false, description: "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)" },
        ExplainField { name: "involvedObject", type_: "ObjectReference", required: true, description: "The object that this event is about." },
        ExplainField { name: "kind", type_: "string", required: false, description: "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds" },
        ExplainField { name: "lastTimestamp", type_: "string", required: false, description: "The time at which the most recent occurrence of this event was recorded." },
        ExplainField { name: "message", type_: "string", required: false, description: "A human-readable description of the status of this operation." },
        ExplainField { name: "metadata", type_: "ObjectMeta", required: true, description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
        ExplainField { name: "reason", type_: "string", required: false, description: "This should be a short, machine understandable string that gives the reason for the transition into the object's current status." },
        ExplainField { name: "related", type_: "ObjectReference", required: false, description: "Optional secondary object for more complex actions." },
        ExplainField { name: "reportingComponent", type_: "string", required: false, description: "Name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`." },
        ExplainField { name: "reportingInstance", type_: "string", required: false, description: "ID of the controller instance, e.g. `kubelet-xyzf`." },
        ExplainField { name: "series", type_: "EventSeries", required: false, description: "Data about the Event series this event represents or nil if it's a singleton Event." },
        ExplainField { name: "source", type_: "EventSource", required: false, description: "The component reporting this event. Should be a short machine understandable string." },
        ExplainField { name: "type", type_: "string", required: false, description: "Type of this event (Normal, Warning), new types could be added in the future" },
    ] },
    ExplainType { name: "ObjectMeta", description: "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.", fields: &[
        ExplainField { name: "annotations", type_: "map[string]string", required: false, description: "Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata. They are not queryable and should be preserved when modifying objects. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations" },
        ExplainField { name: "creationTimestamp", type_: "string", required: false, description: "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
        ExplainField { name: "deletionGracePeriodSeconds", type_: "integer", required: false, description: "Number of seconds allowed for this object to gracefully terminate before it will be removed from the system. Only set when deletionTimestamp is also set. May only be shortened. Read-only." },
        ExplainField { name: "deletionTimestamp", type_: "string", required: false, description: "DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted. This field is set by the server when a graceful deletion is requested by the user, and is not directly settable by a client. The resource is expected to be deleted (no longer visible from resource lists, and not reachable by name) after the time in this field, once the finalizers list is empty. As long as the finalizers list contains items, deletion is blocked. Once the deletionTimestamp is set, this value may not be unset or be set further into the future, although it may be shortened or the resource may be deleted prior to this time. For example, a user may request that a pod is deleted in 30 seconds. The Kubelet will react by sending a graceful termination signal to the containers in the pod. After that 30 seconds, the Kubelet will send a hard termination signal (SIGKILL) to the container and after cleanup, remove the pod from the API. In the presence of network partitions, this object may still exist after this timestamp, until an administrator or automated process can determine the resource is fully terminated. If not set, graceful deletion of the object has not been requested.\n\nPopulated by the system when a graceful deletion is requested. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
        ExplainField { name: "finalizers", type_: "[]string", required: false, description: "Must be empty before the object is deleted from the registry. Each entry is an identifier for the responsible component that will remove the entry from the list. If the deletionTimestamp of the object is non-nil, entries in this list can only be removed. Finalizers may be processed and removed in any order.  Order is NOT enforced because it introduces significant risk of stuck finalizers. finalizers is a shared field, any actor with permission can reorder it. If the finalizer list is processed in order, then this can lead to a situation in which the component responsible for the first finalizer in the list is waiting for a signal (field value, external system, or other) produced by a component responsible for a finalizer later in the list, resulting in a deadlock. Without enforced ordering finalizers are free to order amongst themselves and are not vulnerable to ordering changes in the list." },
        ExplainField { name: "generateName", type_: "string", required: false, description: "GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided. If this field is used, the name returned to the client will be different than the name passed. This value will also be combined with a unique suffix. The provided value has the same validation rules as the Name field, and may be truncated by the length of the suffix required to make the value unique on the server.\n\nIf this field is specified and the generated name exists, the server will return a 409.\n\nApplied only if Name is not specified. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#idempotency" },
        ExplainField { name: "generation", type_: "integer", required: false, description: "A sequence number representing a specific generation of the desired state. Populated by the system. Read-only." },
        ExplainField { name: "labels", type_: "map[string]string", required: false, description: "Map of string keys and values that can be used to organize and categorize (scope and select) objects. May match selectors of replication controllers and services. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels" },
        ExplainField { name: "managedFields", type_: "[]ManagedFieldsEntry", required: false, description: "ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow. This is mostly for internal housekeeping, and users typically shouldn't need to set or understand this field. A workflow can be the user's name, a controller's name, or the name of a specific apply path like \"ci-cd\". The set of fields is always in the version that the workflow used when modifying the object." },
        ExplainField { name: "name", type_: "string", required: false, description: "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names" },
        ExplainField { name: "namespace", type_: "string", required: false, description: "Namespace defines the space within which each name must be unique. An empty namespace is equivalent to the \"default\" namespace, but \"default\" is the canonical representation. Not all objects are required to be scoped to a namespace - the value of this field for those objects will be empty.\n\nMust be a DNS_LABEL. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces" },
        ExplainField { name: "ownerReferences", type_: "[]OwnerReference", required: false, description: "List of objects depended by this object. If ALL objects in the list have been deleted, this object will be garbage collected. If this object is managed by a controller, then an entry in this list will point to this controller, with the controller field set to true. There cannot be more than one managing controller." },
        ExplainField { name: "resourceVersion", type_: "string", required: false, description: "An opaque value that represents the internal version of this object that can be used by clients to determine when objects have changed. May be used for optimistic concurrency, change detection, and the watch operation on a resource or set of resources. Clients must treat these values as opaque and passed unmodified back to the server. They may only be valid for a particular resource or set of resources.\n\nPopulated by the system. Read-only. Value must be treated as opaque by clients and . More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency" },
        ExplainField { name: "selfLink", type_: "string", required: false, description: "Deprecated: selfLink is a legacy read-only field that is no longer populated by the system." },
        ExplainField { name: "uid", type_: "string", required: false, description: "UID is the unique in time and space value for this object. It is typically generated by the server on successful creation of a resource and is not allowed to change on PUT operations.\n\nPopulated by the system. Read-only. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#uids" },
    ] },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_like_word_wrap_writer() {
        assert_eq!(wrap("aaa bbb ccc", 7), "aaa bbb\nccc");
        assert_eq!(indent(4, "a\nb"), "    a\n    b");
    }

    #[test]
    fn explain_body_layout() {
        let t = explain_type("ConfigMap").unwrap();
        let body = explain_body(&format!("{}\n", t.description), Some(t));
        assert!(body.starts_with("DESCRIPTION:\n    ConfigMap holds configuration data for pods to consume.\n    \nFIELDS:\n  apiVersion\t<string>\n    APIVersion defines"));
    }

    #[test]
    fn api_versions_are_sorted() {
        let mut v: Vec<&str> = API_RESOURCES.iter().map(|r| r.group_version).collect();
        v.dedup();
        assert!(v.contains(&"apps/v1") && v.contains(&"v1"));
    }
}
