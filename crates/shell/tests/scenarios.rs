//! Scenario tests: terminal sessions in `tests/scenarios/*.txt`, run through the same
//! `Session` that `kubarium shell` uses, compared with their recorded output.
//!
//! File format:
//! ```text
//! # What this scenario shows (comment lines before the first command).
//! #! preset: academy        (optional; default vagrant)
//! #! seed: 3                (optional; default 1)
//! $ kubectl run web --image=nginx
//! > continuation line of the same input (heredocs, loops)
//! pod/web created
//! $ kubectl get pod nope
//! Error from server (NotFound): pods "nope" not found
//! [status 1]
//! ```
//! Output is stdout and stderr interleaved as a terminal shows them; a non-zero exit status
//! is shown as `[status N]`. `BLESS=1 cargo test --test scenarios` rewrites the files with
//! what Kubarium prints now; review the diff before committing it.

use kubarium_shell::{Session, SessionOptions};
use std::path::{Path, PathBuf};

struct Step {
    input: String,
    expected: String,
}

struct Scenario {
    header: Vec<String>,
    opts: SessionOptions,
    steps: Vec<Step>,
}

fn parse(text: &str) -> Scenario {
    let mut header = Vec::new();
    let mut opts = SessionOptions::default();
    let mut steps: Vec<Step> = Vec::new();
    for line in text.lines() {
        if let Some(cmd) = line.strip_prefix("$ ") {
            steps.push(Step {
                input: format!("{cmd}\n"),
                expected: String::new(),
            });
        } else if let Some(step) = steps.last_mut() {
            let cont = line
                .strip_prefix("> ")
                .or(if line == ">" { Some("") } else { None });
            if let (Some(cont), true) = (cont, step.expected.is_empty()) {
                step.input.push_str(cont);
                step.input.push('\n');
                continue;
            }
            step.expected.push_str(line);
            step.expected.push('\n');
        } else {
            if let Some((k, v)) = line.strip_prefix("#! ").and_then(|o| o.split_once(':')) {
                match k.trim() {
                    "preset" => opts.preset = v.trim().to_string(),
                    "seed" => opts.seed = v.trim().parse().unwrap_or(1),
                    _ => {}
                }
            }
            header.push(line.to_string());
        }
    }
    Scenario {
        header,
        opts,
        steps,
    }
}

fn render(s: &Scenario, actual: &[String]) -> String {
    let mut out = String::new();
    for h in &s.header {
        out.push_str(h);
        out.push('\n');
    }
    for (step, got) in s.steps.iter().zip(actual) {
        let mut lines = step.input.lines();
        out.push_str(&format!("$ {}\n", lines.next().unwrap_or("")));
        for l in lines {
            out.push_str(&format!("> {l}\n"));
        }
        out.push_str(got);
    }
    out
}

fn normalise(s: &str) -> String {
    // The file's lines lose a CR before LF (`str::lines`); nginx's own pages end lines in
    // CRLF, as on the wire.
    let s = s.replace("\r\n", "\n");
    let t = s.trim_end_matches('\n');
    if t.is_empty() {
        String::new()
    } else {
        format!("{t}\n")
    }
}

fn run_scenario(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let scenario = parse(&text);
    let mut session = Session::new(&scenario.opts)?;
    let mut actual = Vec::new();
    let mut failures = Vec::new();
    for step in &scenario.steps {
        let (out, status) = session.run(&step.input);
        let mut got = out.combined();
        if !got.is_empty() && !got.ends_with('\n') {
            got.push('\n');
        }
        if status != 0 {
            got.push_str(&format!("[status {status}]\n"));
        }
        if normalise(&got) != normalise(&step.expected) && failures.len() < 3 {
            failures.push(format!(
                "--- command:\n$ {}--- expected:\n{}--- got:\n{}",
                step.input, step.expected, got
            ));
        }
        actual.push(normalise(&got));
    }
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(path, render(&scenario, &actual)).map_err(|e| e.to_string())?;
        return Ok(());
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "txt"))
                .collect()
        })
        .unwrap_or_default();
    // `SCENARIO=name` runs (and blesses) only the files whose name contains it.
    if let Some(only) = std::env::var_os("SCENARIO") {
        let only = only.to_string_lossy().to_string();
        files.retain(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().contains(&only))
        });
    }
    files.sort();
    files
}

#[test]
fn scenarios() {
    let files = scenario_files();
    assert!(
        !files.is_empty(),
        "no scenario files found in tests/scenarios"
    );
    let mut failed = Vec::new();
    for f in &files {
        if let Err(e) = run_scenario(f) {
            failed.push(format!("=== {}\n{e}", f.display()));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} scenarios failed:\n{}",
        failed.len(),
        files.len(),
        failed.join("\n")
    );
}
