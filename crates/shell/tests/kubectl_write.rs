//! The write side of kubectl, driven through a terminal session: generator output pinned
//! byte for byte, apply's created/unchanged/configured sequence, server errors in kubectl's
//! words, and bad input that leaves the cluster unchanged.

use kubarium_shell::{Session, SessionOptions};

fn session() -> Session {
    Session::new(&SessionOptions::default()).expect("vagrant preset")
}

/// Runs one input and returns (stdout, stderr, status).
fn run(s: &mut Session, input: &str) -> (String, String, i32) {
    let (out, status) = s.run(input);
    (out.stdout_text(), out.stderr_text(), status)
}

const POD: &str = "cat > pod.yaml <<'EOF'\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels:\n    app: web\nspec:\n  containers:\n  - name: web\n    image: nginx\nEOF\n";

#[test]
fn create_namespace_dry_run_yaml_and_json() {
    let mut s = session();
    let (out, _, st) = run(&mut s, "kubectl create ns x --dry-run=client -o yaml\n");
    assert_eq!(st, 0);
    assert_eq!(
        out,
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\nspec: {}\nstatus: {}\n"
    );
    let (out, _, _) = run(
        &mut s,
        "kubectl create namespace x --dry-run=client -o json\n",
    );
    assert_eq!(
        out,
        "{\n    \"kind\": \"Namespace\",\n    \"apiVersion\": \"v1\",\n    \"metadata\": {\n        \"name\": \"x\"\n    },\n    \"spec\": {},\n    \"status\": {}\n}\n"
    );
    let (out, _, _) = run(&mut s, "kubectl create ns x --dry-run=client\n");
    assert_eq!(out, "namespace/x created (dry run)\n");
    let (out, _, _) = run(&mut s, "kubectl create ns x --dry-run=client -o name\n");
    assert_eq!(out, "namespace/x\n");
}

#[test]
fn run_dry_run_yaml() {
    let mut s = session();
    let (out, _, st) = run(
        &mut s,
        "kubectl run web --image=nginx --dry-run=client -o yaml\n",
    );
    assert_eq!(st, 0);
    assert_eq!(
        out,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    run: web\n  name: web\nspec:\n  containers:\n  - image: nginx\n    name: web\n    resources: {}\n  dnsPolicy: ClusterFirst\n  restartPolicy: Always\nstatus: {}\n"
    );
    let (out, _, _) = run(
        &mut s,
        "kubectl run bb --image=busybox --restart=Never --port=8080 --env=MODE=test --command --dry-run=client -o yaml -- sleep 3600\n",
    );
    assert_eq!(
        out,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    run: bb\n  name: bb\nspec:\n  containers:\n  - command:\n    - sleep\n    - \"3600\"\n    env:\n    - name: MODE\n      value: test\n    image: busybox\n    name: bb\n    ports:\n    - containerPort: 8080\n    resources: {}\n  dnsPolicy: ClusterFirst\n  restartPolicy: Never\nstatus: {}\n"
    );
    let (out, _, st) = run(&mut s, "kubectl run web --image=nginx\n");
    assert_eq!((out.as_str(), st), ("pod/web created\n", 0));
}

#[test]
fn configmap_and_secret_generators() {
    let mut s = session();
    let (out, _, _) = run(&mut s, "kubectl create configmap cm --from-literal=k=v --from-literal=a=b --dry-run=client -o yaml\n");
    assert_eq!(
        out,
        "apiVersion: v1\ndata:\n  a: b\n  k: v\nkind: ConfigMap\nmetadata:\n  name: cm\n"
    );
    let (out, _, _) = run(
        &mut s,
        "kubectl create secret generic s --from-literal=k=v --dry-run=client -o yaml\n",
    );
    assert_eq!(
        out,
        "apiVersion: v1\ndata:\n  k: dg==\nkind: Secret\nmetadata:\n  name: s\n"
    );
    let (out, _, _) = run(&mut s, "echo -n hello > greeting.txt\nkubectl create cm files --from-file=greeting.txt --from-file=other=greeting.txt\n");
    assert_eq!(out, "configmap/files created\n");
    let (out, _, _) = run(&mut s, "kubectl get cm files -o jsonpath='{.data}'\n");
    assert_eq!(out, "{\"greeting.txt\":\"hello\",\"other\":\"hello\"}");
    let (_, err, st) = run(&mut s, "kubectl create cm bad --from-literal=novalue\n");
    assert_eq!(
        (err.as_str(), st),
        (
            "error: invalid literal source novalue, expected key=value\n",
            1
        )
    );
}

#[test]
fn apply_created_unchanged_configured() {
    let mut s = session();
    run(&mut s, POD);
    assert_eq!(
        run(&mut s, "kubectl apply -f pod.yaml\n").0,
        "pod/web created\n"
    );
    assert_eq!(
        run(&mut s, "kubectl apply -f pod.yaml\n").0,
        "pod/web unchanged\n"
    );
    let changed = POD.replace("app: web", "app: web\n    tier: frontend");
    run(&mut s, &changed);
    assert_eq!(
        run(&mut s, "kubectl apply -f pod.yaml\n").0,
        "pod/web configured\n"
    );
    let (labels, _, _) = run(
        &mut s,
        "kubectl get pod web -o jsonpath='{.metadata.labels}'\n",
    );
    assert_eq!(labels, "{\"app\":\"web\",\"tier\":\"frontend\"}");
    // Removing the label from the file removes it from the object (three-way merge).
    run(&mut s, POD);
    assert_eq!(
        run(&mut s, "kubectl apply -f pod.yaml\n").0,
        "pod/web configured\n"
    );
    let (labels, _, _) = run(
        &mut s,
        "kubectl get pod web -o jsonpath='{.metadata.labels}'\n",
    );
    assert_eq!(labels, "{\"app\":\"web\"}");
    let (annotation, _, _) = run(
        &mut s,
        "kubectl get pod web -o jsonpath='{.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}'\n",
    );
    assert_eq!(
        annotation,
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"annotations\":{},\"labels\":{\"app\":\"web\"},\"name\":\"web\",\"namespace\":\"default\"},\"spec\":{\"containers\":[{\"image\":\"nginx\",\"name\":\"web\"}]}}\n"
    );
}

#[test]
fn apply_on_created_object_warns() {
    let mut s = session();
    run(&mut s, POD);
    assert_eq!(
        run(&mut s, "kubectl create -f pod.yaml\n").0,
        "pod/web created\n"
    );
    let (out, err, st) = run(&mut s, "kubectl apply -f pod.yaml\n");
    assert_eq!(st, 0);
    assert_eq!(out, "pod/web configured\n");
    assert_eq!(
        err,
        "Warning: resource pods/web is missing the kubectl.kubernetes.io/last-applied-configuration annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.\n"
    );
    let (_, err, st) = run(&mut s, "kubectl create -f pod.yaml\n");
    assert_eq!(st, 1);
    assert_eq!(err, "Error from server (AlreadyExists): error when creating \"pod.yaml\": pods \"web\" already exists\n");
}

#[test]
fn strict_decoding_error() {
    let mut s = session();
    run(
        &mut s,
        &POD.replace("    image: nginx", "    imagee: nginx"),
    );
    let (out, err, st) = run(&mut s, "kubectl apply -f pod.yaml\n");
    assert_eq!((out.as_str(), st), ("", 1));
    assert_eq!(
        err,
        "Error from server (BadRequest): error when creating \"pod.yaml\": Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown field \"spec.containers[0].imagee\"\n"
    );
}

#[test]
fn label_overwrite_and_removal() {
    let mut s = session();
    run(&mut s, "kubectl run web --image=nginx --labels=app=web\n");
    let (_, err, st) = run(&mut s, "kubectl label pod web app=api\n");
    assert_eq!(
        (err.as_str(), st),
        (
            "error: 'app' already has a value (web), and --overwrite is false\n",
            1
        )
    );
    assert_eq!(
        run(&mut s, "kubectl label pod web app=api --overwrite\n").0,
        "pod/web labeled\n"
    );
    assert_eq!(
        run(&mut s, "kubectl label pods/web tier=fe\n").0,
        "pod/web labeled\n"
    );
    assert_eq!(
        run(&mut s, "kubectl label pod web tier-\n").0,
        "pod/web unlabeled\n"
    );
    assert_eq!(
        run(&mut s, "kubectl annotate pod web note=hi\n").0,
        "pod/web annotated\n"
    );
    let (_, err, _) = run(&mut s, "kubectl annotate pod web note=bye\n");
    assert_eq!(err, "error: --overwrite is false but found the following declared annotation(s): 'note' already has a value (hi)\n");
    assert_eq!(
        run(&mut s, "kubectl label node w1-k8s disk=ssd\n").0,
        "node/w1-k8s labeled\n"
    );
}

#[test]
fn delete_messages() {
    let mut s = session();
    run(
        &mut s,
        "kubectl create ns x\nkubectl run web --image=nginx\n",
    );
    assert_eq!(
        run(&mut s, "kubectl delete pod web\n").0,
        "pod \"web\" deleted from default namespace\n"
    );
    let (_, err, st) = run(&mut s, "kubectl delete pod web\n");
    assert_eq!(
        (err.as_str(), st),
        ("Error from server (NotFound): pods \"web\" not found\n", 1)
    );
    assert_eq!(
        run(&mut s, "kubectl delete pod web --ignore-not-found\n"),
        (String::new(), String::new(), 0)
    );
    assert_eq!(
        run(&mut s, "kubectl delete ns x\n").0,
        "namespace \"x\" deleted\n"
    );
    run(&mut s, "kubectl run a --image=nginx\n");
    let (out, err, _) = run(&mut s, "kubectl delete pod a --force --grace-period=0\n");
    assert_eq!(out, "pod \"a\" force deleted from default namespace\n");
    assert_eq!(err, "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n");
    let (_, err, _) = run(&mut s, "kubectl delete pods\n");
    assert_eq!(
        err,
        "error: resource(s) were provided, but no name was specified\n"
    );
}

#[test]
fn bad_yaml_leaves_cluster_unchanged() {
    let mut s = session();
    let before = s.cluster().snapshot().revision;
    run(&mut s, "cat > bad.yaml <<'EOF'\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels: a: b\nEOF\n");
    let (_, err, st) = run(&mut s, "kubectl apply -f bad.yaml\n");
    assert_eq!(st, 1);
    assert_eq!(
        err,
        "error: error parsing bad.yaml: error converting YAML to JSON: yaml: line 5: mapping values are not allowed in this context\n"
    );
    let (_, err, _) = run(&mut s, "kubectl create -f missing.yaml\n");
    assert_eq!(err, "error: the path \"missing.yaml\" does not exist\n");
    assert_eq!(s.cluster().snapshot().revision, before);
}

#[test]
fn billion_laughs_returns_fast() {
    let mut s = session();
    let mut lol = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut prev = "a".to_string();
    for n in ["b", "c", "d", "e", "f", "g", "h", "i"] {
        lol.push_str(&format!(
            "{n}: &{n} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
        prev = n.to_string();
    }
    s.run(&format!("cat > lol.yaml <<'EOF'\n{lol}EOF\n"));
    let start = std::time::Instant::now();
    let (_, err, st) = run(&mut s, "kubectl apply -f lol.yaml\n");
    assert_eq!(st, 1);
    assert!(err.contains("excessive aliasing"), "{err}");
    assert!(start.elapsed().as_secs() < 5);
}

#[test]
fn cordon_and_taint() {
    let mut s = session();
    assert_eq!(
        run(&mut s, "kubectl cordon w1-k8s\n").0,
        "node/w1-k8s cordoned\n"
    );
    assert_eq!(
        run(&mut s, "kubectl cordon w1-k8s\n").0,
        "node/w1-k8s already cordoned\n"
    );
    assert_eq!(
        run(&mut s, "kubectl uncordon w1-k8s\n").0,
        "node/w1-k8s uncordoned\n"
    );
    assert_eq!(
        run(&mut s, "kubectl taint nodes w1-k8s gpu=true:NoSchedule\n").0,
        "node/w1-k8s tainted\n"
    );
    assert_eq!(
        run(&mut s, "kubectl taint nodes w1-k8s gpu=false:NoSchedule\n").1,
        "error: node w1-k8s already has gpu taint(s) with same effect(s) and --overwrite is false\n"
    );
    assert_eq!(
        run(
            &mut s,
            "kubectl taint nodes w1-k8s gpu=false:NoSchedule --overwrite\n"
        )
        .0,
        "node/w1-k8s modified\n"
    );
    assert_eq!(
        run(&mut s, "kubectl taint nodes w1-k8s gpu:NoSchedule-\n").0,
        "node/w1-k8s untainted\n"
    );
    assert_eq!(
        run(&mut s, "kubectl taint nodes w1-k8s gpu-\n").1,
        "error: taint \"gpu\" not found\n"
    );
    assert_eq!(
        run(&mut s, "kubectl taint nodes w1-k8s a=b:Sometimes\n").1,
        "error: invalid taint effect: Sometimes, unsupported taint effect\nSee 'kubectl taint -h' for help and examples\n"
    );
}

/// kubectl's updateTaints (pkg/cmd/taint/taint.go) words it with a lower-case "node"
/// ("Node ..." was kubectl before 1.18), and the builder's ContinueOnError taints the other
/// nodes first and reports failures last: one as `error: ...`, several unprefixed.
#[test]
fn taint_already_present_wording_and_continue_on_error() {
    let mut s = session();
    let (out, err, st) = run(
        &mut s,
        "kubectl taint nodes m-k8s node-role.kubernetes.io/control-plane:NoSchedule\n",
    );
    assert_eq!(
        (out.as_str(), err.as_str(), st),
        ("", "error: node m-k8s already has node-role.kubernetes.io/control-plane taint(s) with same effect(s) and --overwrite is false\n", 1)
    );
    let (out, err, st) = run(
        &mut s,
        "kubectl taint nodes --all node-role.kubernetes.io/control-plane:NoSchedule\n",
    );
    assert_eq!(
        out,
        "node/w1-k8s tainted\nnode/w2-k8s tainted\nnode/w3-k8s tainted\n"
    );
    assert_eq!(
        (err.as_str(), st),
        ("error: node m-k8s already has node-role.kubernetes.io/control-plane taint(s) with same effect(s) and --overwrite is false\n", 1)
    );
    let (out, err, st) = run(
        &mut s,
        "kubectl taint nodes m-k8s w1-k8s node-role.kubernetes.io/control-plane:NoSchedule\n",
    );
    assert_eq!(
        (out.as_str(), err.as_str(), st),
        (
            "",
            "node m-k8s already has node-role.kubernetes.io/control-plane taint(s) with same effect(s) and --overwrite is false\n\
             node w1-k8s already has node-role.kubernetes.io/control-plane taint(s) with same effect(s) and --overwrite is false\n",
            1
        )
    );
    let (out, err, st) = run(&mut s, "kubectl taint nodes w2-k8s a- b-\n");
    assert_eq!(
        (out.as_str(), err.as_str(), st),
        ("", "taint \"a\" not found\ntaint \"b\" not found\n", 1)
    );
}

#[test]
fn exec_argument_errors() {
    let mut s = session();
    run(&mut s, "kubectl run web --image=nginx\n");
    assert_eq!(
        run(&mut s, "kubectl exec web ls\n").1,
        "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\nSee 'kubectl exec -h' for help and examples\n"
    );
    assert_eq!(
        run(&mut s, "kubectl exec nope -- ls\n").1,
        "Error from server (NotFound): pods \"nope\" not found\n"
    );
}
