//! Tab completion for the terminal: bash's own (commands, files) plus kubectl's — verbs,
//! resource types and the names of objects in the cluster, as kubectl's shell completion
//! offers them.

use crate::bash::Bash;
use kubarium_engine::{Cluster, Kind};

/// What Tab would do: replace the word starting at byte `start` with one of `candidates`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completion {
    pub start: usize,
    pub candidates: Vec<String>,
}

impl Completion {
    /// The longest prefix all candidates share (what one Tab inserts).
    pub fn common_prefix(&self) -> String {
        let mut it = self.candidates.iter();
        let Some(first) = it.next() else {
            return String::new();
        };
        let mut prefix = first.clone();
        for c in it {
            while !c.starts_with(&prefix) {
                prefix.pop();
            }
        }
        prefix
    }
}

const VERBS: &[&str] = &[
    "annotate",
    "api-resources",
    "api-versions",
    "apply",
    "cluster-info",
    "config",
    "cordon",
    "create",
    "delete",
    "describe",
    "events",
    "exec",
    "explain",
    "get",
    "label",
    "logs",
    "replace",
    "run",
    "taint",
    "uncordon",
    "version",
];

/// Verbs whose next words are a resource type and then object names.
const TYPED_VERBS: &[&str] = &[
    "get", "describe", "delete", "label", "annotate", "edit", "explain",
];

/// Candidates for the word ending at `cursor` in `line`.
pub fn complete(bash: &Bash, cluster: &Cluster, line: &str, cursor: usize) -> Completion {
    let mut cursor = cursor.min(line.len());
    while !line.is_char_boundary(cursor) {
        cursor -= 1;
    }
    let before = &line[..cursor];
    let start = before
        .rfind([' ', '\t', ';', '|', '&', '(', '='])
        .map(|i| i + 1)
        .unwrap_or(0);
    let prefix = &before[start..];
    // The words of the current simple command before the one being completed.
    let segment_start = before[..start]
        .rfind([';', '|', '&'])
        .map(|i| i + 1)
        .unwrap_or(0);
    let words: Vec<&str> = before[segment_start..start].split_whitespace().collect();
    let is_kubectl = matches!(words.first(), Some(&"kubectl") | Some(&"k"));
    let mut candidates = Vec::new();
    if is_kubectl && !prefix.starts_with('-') {
        let args: Vec<&str> = words[1..]
            .iter()
            .copied()
            .filter(|w| !w.starts_with('-'))
            .collect();
        let namespace = namespace_of(&words).unwrap_or("default");
        match args.as_slice() {
            [] => candidates.extend(VERBS.iter().map(|v| v.to_string())),
            [verb] if TYPED_VERBS.contains(verb) => {
                for k in Kind::ALL {
                    candidates.push(k.info().plural.to_string());
                }
                candidates.push("all".into());
            }
            [verb, kind, ..] if TYPED_VERBS.contains(verb) => {
                if let Some(k) = Kind::from_resource_name(kind) {
                    candidates.extend(names(cluster, k, namespace));
                }
            }
            ["logs" | "exec", ..] => candidates.extend(names(cluster, Kind::Pod, namespace)),
            ["cordon" | "uncordon" | "taint", ..] => {
                candidates.extend(names(cluster, Kind::Node, ""))
            }
            _ => {}
        }
        if words.last() == Some(&"-n") || words.last() == Some(&"--namespace") {
            candidates = names(cluster, Kind::Namespace, "");
        }
        candidates.retain(|c| c.starts_with(prefix));
    }
    if candidates.is_empty() {
        let bash_start = before
            .rfind([' ', '\t', '\n', ';', '|', '&', '(', ')', '<', '>', '`'])
            .map(|i| i + 1)
            .unwrap_or(0);
        return Completion {
            start: bash_start,
            candidates: bash.complete(line, cursor),
        };
    }
    candidates.sort();
    candidates.dedup();
    Completion { start, candidates }
}

fn namespace_of<'a>(words: &[&'a str]) -> Option<&'a str> {
    let mut it = words.iter();
    while let Some(w) = it.next() {
        if *w == "-n" || *w == "--namespace" {
            return it.next().copied();
        }
        if let Some(ns) = w
            .strip_prefix("--namespace=")
            .or_else(|| w.strip_prefix("-n").filter(|s| !s.is_empty()))
        {
            return Some(ns);
        }
    }
    None
}

fn names(cluster: &Cluster, kind: Kind, namespace: &str) -> Vec<String> {
    let ns = if kind.info().namespaced {
        Some(namespace)
    } else {
        None
    };
    cluster
        .api_ref()
        .store()
        .list(kind, ns)
        .map(|o| o.name().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Session, SessionOptions};

    #[test]
    fn completes_verbs_types_and_names() {
        let mut s = Session::new(&SessionOptions::default()).expect("session");
        s.run("kubectl run web --image=nginx\n");
        let c = s.complete("kubectl ge", 10);
        assert_eq!(c.candidates, vec!["get"]);
        assert_eq!(c.start, 8);
        assert_eq!(s.complete("kubectl get po", 14).candidates, vec!["pods"]);
        assert_eq!(s.complete("k get pods w", 12).candidates, vec!["web"]);
        assert_eq!(
            s.complete("kubectl cordon w1", 17).candidates,
            vec!["w1-k8s"]
        );
        assert_eq!(
            s.complete("kubectl get pods -n kube-s", 26).candidates,
            vec!["kube-system"]
        );
        let c = s.complete("kub", 3);
        assert!(
            c.candidates.contains(&"kubectl".to_string()),
            "{:?}",
            c.candidates
        );
        assert_eq!(
            Completion {
                start: 0,
                candidates: vec!["kube-public".into(), "kube-system".into()]
            }
            .common_prefix(),
            "kube-"
        );
    }
}
