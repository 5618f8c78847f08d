//! Random command lines built from kubectl's vocabulary: whatever a learner types, the
//! session answers without panicking and without hanging.

use kubarium_shell::{Session, SessionOptions};

const WORDS: &[&str] = &[
    "kubectl",
    "k",
    "get",
    "describe",
    "run",
    "create",
    "apply",
    "delete",
    "label",
    "annotate",
    "logs",
    "exec",
    "cordon",
    "uncordon",
    "taint",
    "config",
    "explain",
    "version",
    "events",
    "replace",
    "api-resources",
    "pods",
    "pod",
    "po",
    "nodes",
    "no",
    "ns",
    "namespace",
    "cm",
    "secret",
    "all",
    "web",
    "w1-k8s",
    "m-k8s",
    "-o",
    "yaml",
    "json",
    "wide",
    "name",
    "jsonpath={.items[*].metadata.name}",
    "jsonpath={range .items[*]}{.x}{end}",
    "custom-columns=N:.metadata.name",
    "-l",
    "app=web",
    "app!=x",
    "env in (a,b)",
    "-n",
    "kube-system",
    "-A",
    "--all",
    "--force",
    "--grace-period=0",
    "--image=nginx",
    "--image=busybox",
    "--image=nginx:1.99",
    "--restart=Never",
    "--dry-run=client",
    "-f",
    "x.yaml",
    "-",
    "--",
    "sh",
    "-c",
    "echo hi",
    "ls",
    "cat",
    "/etc/hosts",
    "--overwrite",
    "app-",
    "key=v:NoSchedule",
    "key:NoSchedule-",
    "--show-labels",
    "-L",
    "env",
    "-w",
    "--tail=1",
    "-p",
    "-c",
    "web",
    "generic",
    "s1",
    "--from-literal=a=b",
    "namespace",
    "x",
    "set-context",
    "--current",
    "--namespace=x",
    "view",
    "use-context",
    "nope",
    "'",
    "\"",
    "$(",
    ")",
    "|",
    "grep",
    "a",
    ";",
    "&&",
    "||",
    ">",
    "out.txt",
    "<<EOF",
    "{",
    "}",
    "[",
    "]",
    "*",
    "?",
    "=",
    ",",
    ":",
    "\\",
    "$?",
    "sleep",
    "1",
];

struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

#[test]
fn random_command_lines_never_panic() {
    let mut rng = Lcg(std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261123));
    let mut s = Session::new(&SessionOptions::default()).expect("session");
    s.write_file("x.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx\n")
        .expect("file");
    s.run("kubectl apply -f x.yaml\nsleep 20\n");
    let mut ran = 0;
    for i in 0..std::env::var("FUZZ_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000)
    {
        let len = 1 + rng.next(8);
        let mut words: Vec<&str> = (0..len).map(|_| WORDS[rng.next(WORDS.len())]).collect();
        if i % 2 == 0 {
            words.insert(0, "kubectl");
        }
        let line = format!("{}\n", words.join(" "));
        if !s.is_complete(&line) {
            continue;
        }
        let _ = s.run(&line);
        ran += 1;
        if s.exited().is_some() || s.is_attached() {
            s = Session::new(&SessionOptions::default()).expect("session");
        }
    }
    assert!(
        ran > 2000,
        "most random lines are complete commands and ran ({ran})"
    );
}
