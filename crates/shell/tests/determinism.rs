//! Same seed and same commands → identical output and identical trace, on every machine.

use kubarium_shell::{Session, SessionOptions};

const SCRIPT: &str = "kubectl run web --image=nginx\nkubectl run bad --image=nginx:1.99\nkubectl run job --image=busybox --restart=Never -- sh -c 'echo hi; exit 3'\nsleep 60\nkubectl get pods -o wide\nkubectl get events\n";

fn run(seed: u64) -> (String, Vec<String>) {
    let mut s = Session::new(&SessionOptions {
        preset: "vagrant".into(),
        seed,
    })
    .expect("session");
    let mut out = String::new();
    for line in SCRIPT.lines() {
        out.push_str(&s.run(&format!("{line}\n")).0.combined());
    }
    let trace = s
        .cluster()
        .trace()
        .map(|e| format!("{} {} {}", e.at.ms(), e.component, e.what))
        .collect();
    (out, trace)
}

#[test]
fn same_seed_same_output_and_trace() {
    let (out1, trace1) = run(42);
    let (out2, trace2) = run(42);
    assert_eq!(out1, out2);
    assert_eq!(trace1, trace2);
    assert!(out1.contains("web"), "the script's pods are listed: {out1}");
    assert!(trace1.len() > 20, "the trace records what happened");
}

#[test]
fn another_seed_gives_other_generated_names() {
    let (_, t1) = run(1);
    let (_, t2) = run(2);
    assert_ne!(t1, t2, "generated names and UIDs come from the seed");
}
