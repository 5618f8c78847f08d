//! The Kubernetes documentation's example manifests (a snapshot in tests/k8s-examples/, listed
//! in index.tsv) applied with `kubectl apply -f` on a fresh cluster. Every example made only of
//! kinds Kubarium serves must apply cleanly: one `<kind>/<name> created` line per object.

use kubarium_shell::{Session, SessionOptions};
use std::path::Path;

/// Kinds served so far; examples made only of these must apply.
const SERVED: &[&str] = &["Pod", "Namespace", "ConfigMap", "Secret"];

#[test]
fn served_examples_apply_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/k8s-examples");
    let index = std::fs::read_to_string(dir.join("index.tsv")).expect("index.tsv");
    let mut tried = 0;
    let mut failures = Vec::new();
    for line in index
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("path\t"))
    {
        let mut cols = line.split('\t');
        let (Some(path), Some(kinds)) = (cols.next(), cols.next()) else {
            continue;
        };
        let notes = cols.next().unwrap_or("");
        let kinds: Vec<&str> = kinds.split(',').collect();
        if !kinds.iter().all(|k| SERVED.contains(k)) {
            continue;
        }
        tried += 1;
        let text = std::fs::read_to_string(dir.join(path)).expect("example file");
        let mut session = Session::new(&SessionOptions::default()).expect("session");
        // The docs create an example's namespace first (`kubectl create namespace qos-example`).
        for ns in notes
            .split_whitespace()
            .filter_map(|w| w.strip_prefix("ns="))
        {
            if !["default", "kube-system"].contains(&ns) {
                session.run(&format!("kubectl create namespace {ns}\n"));
            }
        }
        let file = format!("/root/{}", path.replace('/', "_"));
        session
            .write_file(&file, &text)
            .expect("write example into the virtual home");
        let (out, status) = session.run(&format!("kubectl apply -f {file}\n"));
        let created = out
            .stdout_text()
            .lines()
            .filter(|l| l.ends_with(" created"))
            .count();
        if status != 0 || created != kinds.len() {
            failures.push(format!(
                "{path}: status {status}, output:\n{}",
                out.combined()
            ));
        }
    }
    assert!(
        tried >= 75,
        "expected the Pod/Namespace/ConfigMap/Secret examples, found {tried}"
    );
    assert!(
        failures.is_empty(),
        "{} of {tried} examples failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
