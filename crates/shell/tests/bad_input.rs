//! Bad input: each case gets a clear, kubectl-worded error, a non-zero status, leaves the
//! cluster unchanged (no write reached the store) and never panics or hangs.

use kubarium_shell::{Session, SessionOptions};

struct Case {
    name: &'static str,
    /// Files to put in the virtual home first.
    files: Vec<(&'static str, String)>,
    command: &'static str,
    /// Text the output must contain (kubectl's wording).
    expect: &'static str,
}

fn pod(spec_tail: &str) -> String {
    format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n{spec_tail}")
}

fn cases() -> Vec<Case> {
    let billion_laughs = {
        let mut s = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
        let mut prev = "a";
        for n in names {
            s.push_str(&format!("{n}: &{n} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
            prev = n;
        }
        s
    };
    let deep = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let huge = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\ndata:\n  big: \"{}\"\n",
        "x".repeat(9_999_900)
    );
    vec![
        Case { name: "malformed yaml", files: vec![("bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n   labels: x\n".into())], command: "kubectl apply -f bad.yaml", expect: "error" },
        Case { name: "alias bomb yaml", files: vec![("bomb.yaml", billion_laughs)], command: "kubectl apply -f bomb.yaml", expect: "error" },
        Case { name: "deep nesting", files: vec![("deep.yaml", deep)], command: "kubectl apply -f deep.yaml", expect: "error" },
        Case { name: "10 MB document", files: vec![("huge.yaml", huge)], command: "kubectl apply -f huge.yaml", expect: "error" },
        Case { name: "unknown kind", files: vec![("k.yaml", "apiVersion: v1\nkind: Foo\nmetadata:\n  name: x\n".into())], command: "kubectl apply -f k.yaml", expect: "no matches for kind \"Foo\" in version \"v1\"" },
        Case { name: "kind in the wrong group", files: vec![("k.yaml", "apiVersion: apps/v1\nkind: Pod\nmetadata:\n  name: x\n".into())], command: "kubectl create -f k.yaml", expect: "no matches for kind \"Pod\" in version \"apps/v1\"" },
        Case { name: "missing apiVersion", files: vec![("k.yaml", "kind: Pod\nmetadata:\n  name: x\n".into())], command: "kubectl apply -f k.yaml", expect: "no matches for kind \"Pod\" in version \"\"" },
        Case { name: "missing kind", files: vec![("k.yaml", "apiVersion: v1\nmetadata:\n  name: x\n".into())], command: "kubectl apply -f k.yaml", expect: "Kind" },
        Case { name: "missing name", files: vec![("k.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n".into())], command: "kubectl create -f k.yaml", expect: "name or generateName is required" },
        Case { name: "wrong type", files: vec![("k.yaml", pod("    ports:\n    - containerPort: \"80\"\n"))], command: "kubectl apply -f k.yaml", expect: "json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32" },
        Case { name: "unknown field", files: vec![("k.yaml", pod("    imagee: nginx\n"))], command: "kubectl apply -f k.yaml", expect: "strict decoding error: unknown field \"spec.containers[0].imagee\"" },
        Case { name: "invalid pod name", files: vec![("k.yaml", pod("").replace("name: p", "name: Web_1"))], command: "kubectl create -f k.yaml", expect: "a lowercase RFC 1123 subdomain must consist of" },
        Case { name: "invalid label value", files: vec![("k.yaml", pod("").replace("  name: p\n", "  name: p\n  labels:\n    app: \"bad value!\"\n"))], command: "kubectl create -f k.yaml", expect: "metadata.labels: Invalid value: \"bad value!\"" },
        Case { name: "duplicate container names", files: vec![("k.yaml", pod("  - name: c\n    image: httpd\n"))], command: "kubectl create -f k.yaml", expect: "spec.containers[1].name: Duplicate value: \"c\"" },
        Case { name: "negative grace period", files: vec![("k.yaml", pod("  terminationGracePeriodSeconds: -5\n"))], command: "kubectl create -f k.yaml", expect: "spec.terminationGracePeriodSeconds: Invalid value: -5" },
        Case { name: "port out of range", files: vec![("k.yaml", pod("    ports:\n    - containerPort: 70000\n"))], command: "kubectl create -f k.yaml", expect: "must be between 1 and 65535, inclusive" },
        Case { name: "unsupported restartPolicy", files: vec![("k.yaml", pod("  restartPolicy: Sometimes\n"))], command: "kubectl create -f k.yaml", expect: "spec.restartPolicy: Unsupported value: \"Sometimes\"" },
        Case { name: "bad quantity", files: vec![("k.yaml", pod("    resources:\n      requests:\n        cpu: lots\n"))], command: "kubectl create -f k.yaml", expect: "quantities must match the regular expression" },
        Case { name: "requests above limits", files: vec![("k.yaml", pod("    resources:\n      requests:\n        cpu: \"2\"\n      limits:\n        cpu: \"1\"\n"))], command: "kubectl create -f k.yaml", expect: "must be less than or equal to cpu limit" },
        Case { name: "mount of a missing volume", files: vec![("k.yaml", pod("    volumeMounts:\n    - name: data\n      mountPath: /data\n"))], command: "kubectl create -f k.yaml", expect: "Not found: \"data\"" },
        Case { name: "empty file", files: vec![("empty.yaml", String::new())], command: "kubectl apply -f empty.yaml", expect: "error: no objects passed to apply" },
        Case { name: "file not found", files: vec![], command: "kubectl apply -f nope.yaml", expect: "error: the path \"nope.yaml\" does not exist" },
        Case { name: "malformed json", files: vec![("k.json", "{\"apiVersion\": \"v1\", \"kind\": ".into())], command: "kubectl apply -f k.json", expect: "error" },
        Case { name: "unknown flag", files: vec![], command: "kubectl get pods --foo", expect: "error: unknown flag: --foo" },
        Case { name: "unknown shorthand flag", files: vec![], command: "kubectl get pods -z", expect: "error: unknown shorthand flag: 'z' in -z" },
        Case { name: "unknown resource type", files: vec![], command: "kubectl get foos", expect: "error: the server doesn't have a resource type \"foos\"" },
        Case { name: "unknown kubectl command", files: vec![], command: "kubectl foo", expect: "error: unknown command \"foo\" for \"kubectl\"" },
        Case { name: "pod not found", files: vec![], command: "kubectl get pod nope", expect: "Error from server (NotFound): pods \"nope\" not found" },
        Case { name: "delete missing pod", files: vec![], command: "kubectl delete pod nope", expect: "Error from server (NotFound): pods \"nope\" not found" },
        Case { name: "invalid namespace name", files: vec![], command: "kubectl create namespace Bad_NS", expect: "a lowercase RFC 1123 label must consist of" },
        Case { name: "missing namespace", files: vec![], command: "kubectl run x --image=nginx -n nope", expect: "namespaces \"nope\" not found" },
        Case { name: "invalid run name", files: vec![], command: "kubectl run Bad --image=nginx", expect: "a lowercase RFC 1123 subdomain must consist of" },
        Case { name: "unknown output format", files: vec![], command: "kubectl get pods -o foo", expect: "unable to match a printer suitable for the output format \"foo\"" },
        Case { name: "invalid selector", files: vec![], command: "kubectl get pods -l 'env in prod'", expect: "unable to parse requirement" },
        Case { name: "unknown bash command", files: vec![], command: "foo", expect: "bash: foo: command not found" },
        Case { name: "bash alias loop", files: vec![], command: "alias a=b; alias b=a; a", expect: "command not found" },
        Case { name: "bash syntax error", files: vec![], command: "for x in a b; do echo $x; fi", expect: "syntax error" },
    ]
}

#[test]
fn bad_input_is_rejected_cleanly() {
    let cases = cases();
    assert!(cases.len() >= 30);
    let mut failures = Vec::new();
    for case in cases {
        let mut s = Session::new(&SessionOptions::default()).expect("session");
        for (path, text) in &case.files {
            s.write_file(&format!("/root/{path}"), text)
                .expect("write file");
        }
        let before = s.cluster().api_ref().store().revision();
        let (out, status) = s.run(&format!("{}\n", case.command));
        let after = s.cluster().api_ref().store().revision();
        let text = out.combined();
        if status == 0 {
            failures.push(format!("{}: status 0, output: {text}", case.name));
        } else if !text.contains(case.expect) {
            failures.push(format!(
                "{}: expected {:?} in: {text}",
                case.name, case.expect
            ));
        } else if before != after {
            failures.push(format!(
                "{}: the cluster changed (revision {before} -> {after})",
                case.name
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} bad-input cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
