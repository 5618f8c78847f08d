//! The objects kubectl's generators build (`create namespace|configmap|secret`, `run`), kept in
//! Go's shape: struct fields in Go declaration order, maps sorted, and the non-pointer structs
//! Go always prints (`resources: {}`, `status: {}`). YAML prints keys sorted anyway; JSON
//! (`-o json`) prints typed objects in struct order, which is why this module has its own
//! small value type instead of `serde_json::Value` (whose maps are sorted).

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A value as Go's `encoding/json` sees a typed object.
#[derive(Clone, Debug, PartialEq)]
pub enum GoValue {
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<GoValue>),
    /// A struct: fields in declaration order (empty fields already left out).
    Struct(Vec<(&'static str, GoValue)>),
    /// A `map[string]...`: printed sorted.
    Map(BTreeMap<String, GoValue>),
}

impl GoValue {
    pub fn str(s: impl Into<String>) -> GoValue {
        GoValue::Str(s.into())
    }
    /// A `map[string]string`.
    pub fn string_map(m: &BTreeMap<String, String>) -> GoValue {
        GoValue::Map(kubarium_engine::sort::collect_map(
            m.iter().map(|(k, v)| (k.clone(), GoValue::str(v.clone()))),
        ))
    }

    /// The same value as JSON (what is sent to the API server and printed as YAML).
    pub fn to_value(&self) -> Value {
        match self {
            GoValue::Bool(b) => Value::Bool(*b),
            GoValue::Int(i) => Value::from(*i),
            GoValue::Str(s) => Value::String(s.clone()),
            GoValue::List(items) => Value::Array(items.iter().map(GoValue::to_value).collect()),
            GoValue::Struct(fields) => Value::Object(kubarium_engine::sort::collect_json_map(
                fields.iter().map(|(k, v)| (k.to_string(), v.to_value())),
            )),
            GoValue::Map(m) => Value::Object(kubarium_engine::sort::collect_json_map(
                m.iter().map(|(k, v)| (k.clone(), v.to_value())),
            )),
        }
    }

    /// `json.MarshalIndent(obj, "", "    ")` plus a newline, as `kubectl ... -o json` prints
    /// a typed object.
    pub fn to_go_json(&self) -> String {
        let mut out = String::new();
        self.write(0, &mut out);
        out.push('\n');
        out
    }

    fn write(&self, depth: usize, out: &mut String) {
        let pad = |d: usize, out: &mut String| {
            out.push('\n');
            for _ in 0..d {
                out.push_str("    ");
            }
        };
        match self {
            GoValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            GoValue::Int(i) => out.push_str(&i.to_string()),
            GoValue::Str(s) => crate::printers::json::write_string(s, out),
            GoValue::List(items) => {
                if items.is_empty() {
                    out.push_str("[]");
                    return;
                }
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    pad(depth + 1, out);
                    item.write(depth + 1, out);
                }
                pad(depth, out);
                out.push(']');
            }
            GoValue::Struct(_) | GoValue::Map(_) => {
                let entries: Vec<(String, &GoValue)> = match self {
                    GoValue::Struct(f) => f.iter().map(|(k, v)| (k.to_string(), v)).collect(),
                    GoValue::Map(m) => m.iter().map(|(k, v)| (k.clone(), v)).collect(),
                    _ => Vec::new(),
                };
                if entries.is_empty() {
                    out.push_str("{}");
                    return;
                }
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    pad(depth + 1, out);
                    crate::printers::json::write_string(k, out);
                    out.push_str(": ");
                    v.write(depth + 1, out);
                }
                pad(depth, out);
                out.push('}');
            }
        }
    }
}

/// A JSON string escaped as Go escapes it (HTML characters included).
/// `metav1.ObjectMeta` with the fields a generator sets, in Go order.
pub fn object_meta(
    name: &str,
    namespace: Option<&str>,
    labels: &BTreeMap<String, String>,
    annotations: &BTreeMap<String, String>,
) -> GoValue {
    let mut f = vec![("name", GoValue::str(name))];
    if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
        f.push(("namespace", GoValue::str(ns)));
    }
    if !labels.is_empty() {
        f.push(("labels", GoValue::string_map(labels)));
    }
    if !annotations.is_empty() {
        f.push(("annotations", GoValue::string_map(annotations)));
    }
    GoValue::Struct(f)
}

/// `kubectl create namespace NAME`.
pub fn namespace(name: &str) -> GoValue {
    GoValue::Struct(vec![
        ("kind", GoValue::str("Namespace")),
        ("apiVersion", GoValue::str("v1")),
        (
            "metadata",
            object_meta(name, None, &BTreeMap::new(), &BTreeMap::new()),
        ),
        ("spec", GoValue::Struct(vec![])),
        ("status", GoValue::Struct(vec![])),
    ])
}

/// `kubectl create configmap NAME ...` (`data` left out when empty, as Go's omitempty does).
pub fn config_map(name: &str, namespace: Option<&str>, data: &BTreeMap<String, String>) -> GoValue {
    let mut f = vec![
        ("kind", GoValue::str("ConfigMap")),
        ("apiVersion", GoValue::str("v1")),
        (
            "metadata",
            object_meta(name, namespace, &BTreeMap::new(), &BTreeMap::new()),
        ),
    ];
    if !data.is_empty() {
        f.push(("data", GoValue::string_map(data)));
    }
    GoValue::Struct(f)
}

/// `kubectl create secret ...`: values are base64-encoded into `data`; `type` only when set.
pub fn secret(
    name: &str,
    namespace: Option<&str>,
    data: &BTreeMap<String, String>,
    type_: Option<&str>,
) -> GoValue {
    let mut f = vec![
        ("kind", GoValue::str("Secret")),
        ("apiVersion", GoValue::str("v1")),
        (
            "metadata",
            object_meta(name, namespace, &BTreeMap::new(), &BTreeMap::new()),
        ),
    ];
    if !data.is_empty() {
        f.push((
            "data",
            GoValue::Map(
                data.iter()
                    .map(|(k, v)| (k.clone(), GoValue::str(base64(v.as_bytes()))))
                    .collect(),
            ),
        ));
    }
    if let Some(t) = type_.filter(|t| !t.is_empty()) {
        f.push(("type", GoValue::str(t)));
    }
    GoValue::Struct(f)
}

/// What `kubectl run` puts in its one container and pod.
#[derive(Clone, Debug, Default)]
pub struct RunPod {
    pub name: String,
    pub namespace: Option<String>,
    pub image: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub port: Option<i64>,
    pub env: Vec<(String, String)>,
    pub image_pull_policy: Option<String>,
    pub restart_policy: String,
    pub stdin: bool,
    pub stdin_once: bool,
    pub tty: bool,
    pub service_account: Option<String>,
    /// `--privileged`: the container's `securityContext.privileged: true`.
    pub privileged: bool,
}

/// The `run-pod/v1` generator's pod.
pub fn run_pod(p: &RunPod) -> GoValue {
    let mut c = vec![
        ("name", GoValue::str(&p.name)),
        ("image", GoValue::str(&p.image)),
    ];
    let strings = |v: &[String]| GoValue::List(v.iter().map(GoValue::str).collect());
    if !p.command.is_empty() {
        c.push(("command", strings(&p.command)));
    }
    if !p.args.is_empty() {
        c.push(("args", strings(&p.args)));
    }
    if let Some(port) = p.port {
        c.push((
            "ports",
            GoValue::List(vec![GoValue::Struct(vec![(
                "containerPort",
                GoValue::Int(port),
            )])]),
        ));
    }
    if !p.env.is_empty() {
        c.push((
            "env",
            GoValue::List(
                p.env
                    .iter()
                    .map(|(k, v)| {
                        let mut f = vec![("name", GoValue::str(k))];
                        if !v.is_empty() {
                            f.push(("value", GoValue::str(v)));
                        }
                        GoValue::Struct(f)
                    })
                    .collect(),
            ),
        ));
    }
    c.push(("resources", GoValue::Struct(vec![])));
    if let Some(pp) = &p.image_pull_policy {
        c.push(("imagePullPolicy", GoValue::str(pp)));
    }
    if p.privileged {
        c.push((
            "securityContext",
            GoValue::Struct(vec![("privileged", GoValue::Bool(true))]),
        ));
    }
    if p.stdin {
        c.push(("stdin", GoValue::Bool(true)));
    }
    if p.stdin_once {
        c.push(("stdinOnce", GoValue::Bool(true)));
    }
    if p.tty {
        c.push(("tty", GoValue::Bool(true)));
    }
    let mut spec = vec![
        ("containers", GoValue::List(vec![GoValue::Struct(c)])),
        ("restartPolicy", GoValue::str(&p.restart_policy)),
        ("dnsPolicy", GoValue::str("ClusterFirst")),
    ];
    if let Some(sa) = p.service_account.as_deref().filter(|s| !s.is_empty()) {
        spec.push(("serviceAccountName", GoValue::str(sa)));
    }
    GoValue::Struct(vec![
        ("kind", GoValue::str("Pod")),
        ("apiVersion", GoValue::str("v1")),
        (
            "metadata",
            object_meta(&p.name, p.namespace.as_deref(), &p.labels, &p.annotations),
        ),
        ("spec", GoValue::Struct(spec)),
        ("status", GoValue::Struct(vec![])),
    ])
}

/// What `kubectl create deployment` builds from its flags.
#[derive(Clone, Debug, Default)]
pub struct CreateDeployment {
    pub name: String,
    pub namespace: Option<String>,
    /// One container per image.
    pub images: Vec<String>,
    /// `--port`, set on the first container.
    pub port: Option<i64>,
    pub replicas: i64,
    /// The command after `--`, given to every container.
    pub command: Vec<String>,
    /// Container names, one per image (see [`deployment_container_name`]).
    pub container_names: Vec<String>,
}

/// A container's name from its image (`buildPodSpec`): the last path segment without tag
/// or digest; `_` and `.` become `-` and then five random characters are appended, so
/// `k8s.gcr.io/echoserver:1.4` is `echoserver` but `my_app` is `my-app-` + suffix.
/// `suffix` supplies the random part only when it is needed.
pub fn deployment_container_name(image: &str, suffix: impl FnOnce() -> String) -> String {
    let mut name = image.rsplit('/').next().unwrap_or(image).to_string();
    if let Some((n, _)) = name.split_once(':') {
        name = n.to_string();
    }
    if let Some((n, _)) = name.split_once('@') {
        name = n.to_string();
    }
    if name.contains(['_', '.']) {
        name = format!("{}-{}", name.replace(['_', '.'], "-"), suffix());
    }
    name
}

/// `kubectl create deployment NAME --image=...`: label and selector `app: NAME`, Go's
/// struct order (`strategy: {}`, `resources: {}` and `status: {}` always present).
pub fn deployment(d: &CreateDeployment) -> GoValue {
    let labels: BTreeMap<String, String> = [("app".to_string(), d.name.clone())].into();
    let containers: Vec<GoValue> = d
        .images
        .iter()
        .zip(&d.container_names)
        .enumerate()
        .map(|(i, (image, name))| {
            let mut c = vec![("name", GoValue::str(name)), ("image", GoValue::str(image))];
            if !d.command.is_empty() {
                c.push((
                    "command",
                    GoValue::List(d.command.iter().map(GoValue::str).collect()),
                ));
            }
            if let Some(port) = d.port.filter(|_| i == 0) {
                c.push((
                    "ports",
                    GoValue::List(vec![GoValue::Struct(vec![(
                        "containerPort",
                        GoValue::Int(port),
                    )])]),
                ));
            }
            c.push(("resources", GoValue::Struct(vec![])));
            GoValue::Struct(c)
        })
        .collect();
    GoValue::Struct(vec![
        ("kind", GoValue::str("Deployment")),
        ("apiVersion", GoValue::str("apps/v1")),
        (
            "metadata",
            object_meta(&d.name, d.namespace.as_deref(), &labels, &BTreeMap::new()),
        ),
        (
            "spec",
            GoValue::Struct(vec![
                ("replicas", GoValue::Int(d.replicas)),
                (
                    "selector",
                    GoValue::Struct(vec![("matchLabels", GoValue::string_map(&labels))]),
                ),
                (
                    "template",
                    GoValue::Struct(vec![
                        (
                            "metadata",
                            GoValue::Struct(vec![("labels", GoValue::string_map(&labels))]),
                        ),
                        (
                            "spec",
                            GoValue::Struct(vec![("containers", GoValue::List(containers))]),
                        ),
                    ]),
                ),
                ("strategy", GoValue::Struct(vec![])),
            ]),
        ),
        ("status", GoValue::Struct(vec![])),
    ])
}

/// Standard base64 with padding (what Go's `[]byte` fields marshal to).
pub fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_json_is_in_struct_order() {
        assert_eq!(
            namespace("x").to_go_json(),
            "{\n    \"kind\": \"Namespace\",\n    \"apiVersion\": \"v1\",\n    \"metadata\": {\n        \"name\": \"x\"\n    },\n    \"spec\": {},\n    \"status\": {}\n}\n"
        );
    }

    #[test]
    fn deployment_yaml_matches_kubectl() {
        let d = CreateDeployment {
            name: "web".into(),
            images: vec!["nginx:1.14".into()],
            container_names: vec![deployment_container_name("nginx:1.14", String::new)],
            port: Some(80),
            replicas: 3,
            ..Default::default()
        };
        assert_eq!(
            crate::printers::yaml::to_yaml(&deployment(&d).to_value()),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels:\n    app: web\n  name: web\nspec:\n  replicas: 3\n  selector:\n    matchLabels:\n      app: web\n  strategy: {}\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - image: nginx:1.14\n        name: nginx\n        ports:\n        - containerPort: 80\n        resources: {}\nstatus: {}\n"
        );
        assert_eq!(
            deployment_container_name("k8s.gcr.io/echoserver:1.4", || "x".into()),
            "echoserver"
        );
        assert_eq!(
            deployment_container_name("my_app.v2", || "abcde".into()),
            "my-app-v2-abcde"
        );
    }

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b"v"), "dg==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(base64(b""), "");
    }
}

/// The one container of `create job` and `create cronjob`: named after the object, the
/// command after `--` as its `command`.
fn batch_container(name: &str, image: &str, command: &[String]) -> GoValue {
    let mut c = vec![("name", GoValue::str(name)), ("image", GoValue::str(image))];
    if !command.is_empty() {
        c.push((
            "command",
            GoValue::List(command.iter().map(GoValue::str).collect()),
        ));
    }
    c.push(("resources", GoValue::Struct(vec![])));
    GoValue::Struct(c)
}

/// A pod template with one container and a restart policy (its `metadata: {}` is Go's empty
/// `ObjectMeta`).
fn batch_pod_template(name: &str, image: &str, command: &[String], restart: &str) -> GoValue {
    let mut spec = vec![(
        "containers",
        GoValue::List(vec![batch_container(name, image, command)]),
    )];
    if !restart.is_empty() {
        spec.push(("restartPolicy", GoValue::str(restart)));
    }
    GoValue::Struct(vec![
        ("metadata", GoValue::Struct(vec![])),
        ("spec", GoValue::Struct(spec)),
    ])
}

/// `kubectl create job NAME --image=IMAGE [-- COMMAND]`: restartPolicy Never.
pub fn job(name: &str, namespace: Option<&str>, image: &str, command: &[String]) -> GoValue {
    GoValue::Struct(vec![
        ("kind", GoValue::str("Job")),
        ("apiVersion", GoValue::str("batch/v1")),
        (
            "metadata",
            object_meta(name, namespace, &BTreeMap::new(), &BTreeMap::new()),
        ),
        (
            "spec",
            GoValue::Struct(vec![(
                "template",
                batch_pod_template(name, image, command, "Never"),
            )]),
        ),
        ("status", GoValue::Struct(vec![])),
    ])
}

/// `kubectl create cronjob NAME --image=IMAGE --schedule=SCHEDULE [--restart=POLICY]
/// [-- COMMAND]`: the Job template carries the name too.
pub fn cron_job(
    name: &str,
    namespace: Option<&str>,
    image: &str,
    schedule: &str,
    restart: &str,
    command: &[String],
) -> GoValue {
    GoValue::Struct(vec![
        ("kind", GoValue::str("CronJob")),
        ("apiVersion", GoValue::str("batch/v1")),
        (
            "metadata",
            object_meta(name, namespace, &BTreeMap::new(), &BTreeMap::new()),
        ),
        (
            "spec",
            GoValue::Struct(vec![
                ("schedule", GoValue::str(schedule)),
                (
                    "jobTemplate",
                    GoValue::Struct(vec![
                        (
                            "metadata",
                            GoValue::Struct(vec![("name", GoValue::str(name))]),
                        ),
                        (
                            "spec",
                            GoValue::Struct(vec![(
                                "template",
                                batch_pod_template(name, image, command, restart),
                            )]),
                        ),
                    ]),
                ),
            ]),
        ),
        ("status", GoValue::Struct(vec![])),
    ])
}

/// A JSON value as a [`GoValue`] (objects become maps, printed sorted): for objects copied
/// from the server, like a CronJob's Job template.
pub fn from_json(v: &Value) -> GoValue {
    match v {
        Value::Null => GoValue::Struct(vec![]),
        Value::Bool(b) => GoValue::Bool(*b),
        Value::Number(n) => GoValue::Int(n.as_i64().unwrap_or(0)),
        Value::String(s) => GoValue::str(s.clone()),
        Value::Array(a) => GoValue::List(a.iter().map(from_json).collect()),
        Value::Object(m) => GoValue::Map(kubarium_engine::sort::collect_map(
            m.iter().map(|(k, v)| (k.clone(), from_json(v))),
        )),
    }
}

/// `kubectl create job NAME --from=cronjob/CRONJOB` (`createJobFromCronJob`): the Job
/// template's labels, its annotations plus `cronjob.kubernetes.io/instantiate: manual`, an
/// owner reference to the CronJob (controller, without blockOwnerDeletion), its spec.
pub fn job_from_cron_job(
    name: &str,
    namespace: Option<&str>,
    cron_job: &kubarium_engine::api::CronJob,
) -> GoValue {
    let tm = cron_job
        .spec
        .job_template
        .metadata
        .clone()
        .unwrap_or_default();
    let mut annotations: BTreeMap<String, String> = [(
        "cronjob.kubernetes.io/instantiate".to_string(),
        "manual".to_string(),
    )]
    .into();
    annotations.extend(tm.annotations.unwrap_or_default());
    let mut meta = vec![("name", GoValue::str(name))];
    if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
        meta.push(("namespace", GoValue::str(ns)));
    }
    if let Some(l) = tm.labels.filter(|l| !l.is_empty()) {
        meta.push(("labels", GoValue::string_map(&l)));
    }
    meta.push(("annotations", GoValue::string_map(&annotations)));
    meta.push((
        "ownerReferences",
        GoValue::List(vec![GoValue::Struct(vec![
            ("apiVersion", GoValue::str("batch/v1")),
            ("kind", GoValue::str("CronJob")),
            (
                "name",
                GoValue::str(cron_job.metadata.name.clone().unwrap_or_default()),
            ),
            (
                "uid",
                GoValue::str(cron_job.metadata.uid.clone().unwrap_or_default()),
            ),
            ("controller", GoValue::Bool(true)),
        ])]),
    ));
    let spec = serde_json::to_value(&cron_job.spec.job_template.spec).unwrap_or(Value::Null);
    GoValue::Struct(vec![
        ("kind", GoValue::str("Job")),
        ("apiVersion", GoValue::str("batch/v1")),
        ("metadata", GoValue::Struct(meta)),
        ("spec", from_json(&spec)),
        ("status", GoValue::Struct(vec![])),
    ])
}

/// What `kubectl create ingress NAME` takes from its flags (`--rule` and `--annotation` may
/// repeat; an empty `--class` or `--default-backend` counts as not given).
#[derive(Clone, Debug, Default)]
pub struct CreateIngress {
    pub name: String,
    pub namespace: Option<String>,
    pub class: Option<String>,
    /// `host/path=service:port[,tls[=secret]]`, in the order given.
    pub rules: Vec<String>,
    pub default_backend: Option<String>,
    /// `key=value`.
    pub annotations: Vec<String>,
}

/// Whether `rule` has kubectl's rule syntax: the regular expression
/// `^[\w*\-.]*/[^,=\n]*=[\w\-]+:[\w\-]+(,tls=?([\w\-]+)?)?$` (Go's `\w` is ASCII), matched by
/// hand. Example: `foo.com/bar*=svc1:http,tls=my-cert` matches; `foo.com=svc:80` (no path)
/// and `foo.com/bar=svc:80,tls=a.b` (a dot in the secret) do not.
pub fn ingress_rule_is_valid(rule: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let Some(slash) = rule.find('/') else {
        return false;
    };
    let (host, rest) = rule.split_at(slash);
    if !host.chars().all(|c| word(c) || c == '*' || c == '.') {
        return false;
    }
    // The path runs to the first ',', '=' or newline, which must be the '='.
    let Some(end) = rest.find([',', '=', '\n']) else {
        return false;
    };
    let Some(backend) = rest[end..].strip_prefix('=') else {
        return false;
    };
    let Some((service, rest)) = backend.split_once(':') else {
        return false;
    };
    let port_len = rest.find(|c: char| !word(c)).unwrap_or(rest.len());
    let (port, tls) = rest.split_at(port_len);
    if service.is_empty() || !service.chars().all(word) || port.is_empty() {
        return false;
    }
    if tls.is_empty() {
        return true;
    }
    let Some(secret) = tls.strip_prefix(",tls") else {
        return false;
    };
    let secret = secret.strip_prefix('=').unwrap_or(secret);
    secret.chars().all(word)
}

/// A `service:port` backend (`buildIngressBackendSvc`): the port is a number when it parses
/// as a 32-bit integer (`intstr.Parse`), a port name otherwise; `name` is always printed,
/// `port` always (as `{}` when empty).
fn ingress_service_backend(service: &str) -> GoValue {
    let mut parts = service.split(':');
    let name = parts.next().unwrap_or_default();
    let port = parts.next().unwrap_or_default();
    let port = match port.parse::<i32>() {
        Ok(0) => vec![],
        Ok(n) => vec![("number", GoValue::Int(i64::from(n)))],
        Err(_) if port.is_empty() => vec![],
        Err(_) => vec![("name", GoValue::str(port))],
    };
    GoValue::Struct(vec![(
        "service",
        GoValue::Struct(vec![
            ("name", GoValue::str(name)),
            ("port", GoValue::Struct(port)),
        ]),
    )])
}

/// One path of a rule (`buildHTTPIngressPath`): a trailing `*` makes it `Prefix` (and is
/// dropped), anything else is `Exact`; so `foo.com/=svc:80` is the Exact path `/` and
/// `foo.com/*=svc:80` the Prefix path `/`.
fn ingress_path(path_and_service: &str) -> GoValue {
    let (path, service) = path_and_service
        .split_once('=')
        .unwrap_or((path_and_service, ""));
    let path = format!("/{path}");
    let (path, path_type) = match path.strip_suffix('*') {
        Some(p) => (p.to_string(), "Prefix"),
        None => (path, "Exact"),
    };
    GoValue::Struct(vec![
        ("path", GoValue::str(path)),
        ("pathType", GoValue::str(path_type)),
        ("backend", ingress_service_backend(service)),
    ])
}

/// `kubectl create ingress NAME --rule=... [--class=...] [--default-backend=svc:port]
/// [--annotation=k=v]`, checked as `Validate` does (errors in its words) and built as
/// `createIngress` does: rules grouped by host in order of first appearance; a `,tls[=secret]`
/// rule adds its host to the TLS entry with the same secret (each host once), so
/// `--rule=a.com/=s:80,tls=c --rule=b.com/=s:80,tls=c` gives one entry with both hosts;
/// `status: {loadBalancer: {}}` always.
pub fn ingress(c: &CreateIngress) -> Result<GoValue, String> {
    let default_backend = c.default_backend.as_deref().filter(|d| !d.is_empty());
    if default_backend.is_none() && c.rules.is_empty() {
        return Err("not enough information provided: every ingress has to either specify a default-backend (which catches all traffic) or a list of rules (which catch specific paths)".to_string());
    }
    if let Some(rule) = c.rules.iter().find(|r| !ingress_rule_is_valid(r)) {
        return Err(format!(
            "rule {rule} is invalid and should be in format host/path=svcname:svcport[,tls[=secret]]"
        ));
    }
    let mut annotations = BTreeMap::new();
    for a in &c.annotations {
        let Some((k, v)) = a.split_once('=') else {
            return Err(format!(
                "annotation {a} is invalid and should be in format key=[value]"
            ));
        };
        annotations.insert(k.to_string(), v.to_string());
    }
    if default_backend.is_some_and(|d| d.split(':').count() != 2) {
        return Err("default-backend should be in format servicename:serviceport".to_string());
    }

    // TLS entries: (hosts, secret).
    let mut tls: Vec<(Vec<String>, String)> = Vec::new();
    let mut tls_hosts: BTreeSet<String> = BTreeSet::new();
    for rule in &c.rules {
        let parts: Vec<&str> = rule.split(',').collect();
        if parts.len() != 2 {
            continue;
        }
        let host = rule.split('/').next().unwrap_or_default().to_string();
        let secret = parts[1].split('=').nth(1).unwrap_or_default().to_string();
        if !tls_hosts.insert(host.clone()) {
            continue;
        }
        if let Some(entry) = tls.iter_mut().find(|(_, s)| *s == secret) {
            entry.0.push(host);
            continue;
        }
        let hosts: Vec<String> = Some(host).filter(|h| !h.is_empty()).into_iter().collect();
        if !hosts.is_empty() || !secret.is_empty() {
            tls.push((hosts, secret));
        }
    }

    // Rules: (host, paths), grouped by host.
    let mut rules: Vec<(String, Vec<GoValue>)> = Vec::new();
    for rule in &c.rules {
        let without_tls = rule.split(',').next().unwrap_or_default();
        let (host, path) = without_tls.split_once('/').unwrap_or((without_tls, ""));
        let path = ingress_path(path);
        match rules.iter_mut().find(|(h, _)| h == host) {
            Some(entry) => entry.1.push(path),
            None => rules.push((host.to_string(), vec![path])),
        }
    }

    let mut spec = Vec::new();
    if let Some(class) = c.class.as_deref().filter(|c| !c.is_empty()) {
        spec.push(("ingressClassName", GoValue::str(class)));
    }
    if let Some(d) = default_backend {
        spec.push(("defaultBackend", ingress_service_backend(d)));
    }
    if !tls.is_empty() {
        let entries = tls
            .into_iter()
            .map(|(hosts, secret)| {
                let mut f = Vec::new();
                if !hosts.is_empty() {
                    f.push((
                        "hosts",
                        GoValue::List(hosts.into_iter().map(GoValue::Str).collect()),
                    ));
                }
                if !secret.is_empty() {
                    f.push(("secretName", GoValue::Str(secret)));
                }
                GoValue::Struct(f)
            })
            .collect();
        spec.push(("tls", GoValue::List(entries)));
    }
    if !rules.is_empty() {
        let entries = rules
            .into_iter()
            .map(|(host, paths)| {
                let mut f = Vec::new();
                if !host.is_empty() {
                    f.push(("host", GoValue::Str(host)));
                }
                f.push((
                    "http",
                    GoValue::Struct(vec![("paths", GoValue::List(paths))]),
                ));
                GoValue::Struct(f)
            })
            .collect();
        spec.push(("rules", GoValue::List(entries)));
    }
    Ok(GoValue::Struct(vec![
        ("kind", GoValue::str("Ingress")),
        ("apiVersion", GoValue::str("networking.k8s.io/v1")),
        (
            "metadata",
            object_meta(
                &c.name,
                c.namespace.as_deref(),
                &BTreeMap::new(),
                &annotations,
            ),
        ),
        ("spec", GoValue::Struct(spec)),
        (
            "status",
            GoValue::Struct(vec![("loadBalancer", GoValue::Struct(vec![]))]),
        ),
    ]))
}

#[cfg(test)]
mod ingress_tests {
    use super::*;

    fn create(rules: &[&str]) -> CreateIngress {
        CreateIngress {
            name: "ing".to_string(),
            rules: rules.iter().map(|r| r.to_string()).collect(),
            ..CreateIngress::default()
        }
    }

    #[test]
    fn rule_syntax_is_kubectls_regex() {
        for ok in [
            "foo.com/bar=svc1:8080,tls=my-cert",
            "/path=svc:port",
            "*.foo.com/=svc:https,tls",
            "foo.com/admin/*=svc_2:http-x,tls=",
            "foo.com/a b=svc:80",
        ] {
            assert!(ingress_rule_is_valid(ok), "{ok}");
        }
        for bad in [
            "foo",
            "foo.com=svc:80",
            "foo.com/bar=svc",
            "foo.com/bar=:80",
            "foo.com/bar=svc:",
            "foo.com/bar=svc:80,tls=a.b",
            "foo.com/bar=svc:80,ssl",
            "foo:com/bar=svc:80",
            "foo.com/b,ar=svc:80",
        ] {
            assert!(!ingress_rule_is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn trailing_star_is_prefix_and_hosts_group_paths() {
        let v = ingress(&create(&["foo.com/=svc:80", "foo.com/admin*=adm:http"]))
            .unwrap()
            .to_value();
        let rules = &v["spec"]["rules"];
        assert_eq!(rules.as_array().unwrap().len(), 1);
        let paths = &rules[0]["http"]["paths"];
        assert_eq!(paths[0]["path"], "/");
        assert_eq!(paths[0]["pathType"], "Exact");
        assert_eq!(paths[0]["backend"]["service"]["port"]["number"], 80);
        assert_eq!(paths[1]["path"], "/admin");
        assert_eq!(paths[1]["pathType"], "Prefix");
        assert_eq!(paths[1]["backend"]["service"]["port"]["name"], "http");
        assert_eq!(v["status"], serde_json::json!({"loadBalancer": {}}));
        assert!(v["spec"].get("tls").is_none());
        assert!(v["metadata"].get("annotations").is_none());
    }

    #[test]
    fn tls_entries_are_shared_by_secret_and_take_each_host_once() {
        let v = ingress(&create(&[
            "a.com/=s:80,tls=cert",
            "b.com/=s:80,tls=cert",
            "a.com/x=s:80,tls=other",
            "c.com/=s:80,tls",
            "/=s:80,tls",
        ]))
        .unwrap()
        .to_value();
        assert_eq!(
            v["spec"]["tls"],
            serde_json::json!([
                {"hosts": ["a.com", "b.com"], "secretName": "cert"},
                {"hosts": ["c.com", ""]},
            ])
        );
    }

    #[test]
    fn default_backend_and_class_alone_make_an_ingress() {
        let mut c = create(&[]);
        c.default_backend = Some("web:80".to_string());
        c.class = Some("nginx".to_string());
        c.annotations = vec!["a=b=c".to_string(), "empty=".to_string()];
        let v = ingress(&c).unwrap().to_value();
        assert_eq!(v["spec"]["ingressClassName"], "nginx");
        assert_eq!(v["spec"]["defaultBackend"]["service"]["name"], "web");
        assert!(v["spec"].get("rules").is_none());
        assert_eq!(
            v["metadata"]["annotations"],
            serde_json::json!({"a": "b=c", "empty": ""})
        );
    }

    #[test]
    fn errors_are_worded_as_kubectl_validates() {
        let err = |c: &CreateIngress| ingress(c).unwrap_err();
        assert!(err(&create(&[])).starts_with("not enough information provided"));
        assert_eq!(
            err(&create(&["/=s:80", "nope"])),
            "rule nope is invalid and should be in format host/path=svcname:svcport[,tls[=secret]]"
        );
        let mut c = create(&["/=s:80"]);
        c.annotations = vec!["k".to_string()];
        assert_eq!(
            err(&c),
            "annotation k is invalid and should be in format key=[value]"
        );
        let mut c = create(&[]);
        c.default_backend = Some("a:b:c".to_string());
        assert_eq!(
            err(&c),
            "default-backend should be in format servicename:serviceport"
        );
    }
}
