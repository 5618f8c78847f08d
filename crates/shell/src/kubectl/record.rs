//! The deprecated `--record` flag (`genericclioptions.RecordFlags`): with `--record=true`
//! the object written gets the `kubernetes.io/change-cause` annotation holding the command
//! line, which `kubectl rollout history` later shows per revision. Using the flag at all
//! (even `--record=false`) makes pflag print its deprecation notice on stderr.
//!
//! The command line is rebuilt the way kubectl does it: `kubectl`, the positional
//! arguments in order, then every flag given as `--long-name=value` in the order given
//! (booleans as `=true`). So `kubectl create -f deploy-nginx.yaml --record` records
//! `kubectl create --filename=deploy-nginx.yaml --record=true`.

use super::flags::{FlagSpec, Parsed, GLOBAL_FLAGS};
use super::Ctx;
use serde_json::Value;

/// The annotation `--record` writes.
pub const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";

/// pflag's deprecation notice for the flag.
pub const DEPRECATION: &str =
    "Flag --record has been deprecated, --record will be removed in the future\n";

/// What a verb gets from `--record`: the change cause to write, if any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recorder {
    pub change_cause: Option<String>,
}

impl Recorder {
    /// Reads `--record` for the verb `verb` (e.g. `set`, `create`) run with `argv` (the
    /// arguments after the verb) and flag table `specs`; prints the deprecation notice
    /// when the flag was used.
    pub fn from_flags(
        ctx: &mut Ctx,
        parsed: &Parsed,
        verb: &str,
        argv: &[String],
        specs: &[FlagSpec],
    ) -> Recorder {
        if !parsed.has("record") {
            return Recorder::default();
        }
        ctx.err(DEPRECATION);
        if !parsed.is_set("record") {
            return Recorder::default();
        }
        Recorder {
            change_cause: Some(command_line(verb, argv, specs)),
        }
    }

    /// Adds the annotation to an object as JSON (`ChangeCauseRecorder.Record`).
    pub fn record_value(&self, obj: &mut Value) {
        let Some(cause) = &self.change_cause else {
            return;
        };
        let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
            return;
        };
        let ann = meta
            .entry("annotations")
            .or_insert_with(|| Value::Object(Default::default()));
        if !ann.is_object() {
            *ann = Value::Object(Default::default());
        }
        if let Some(a) = ann.as_object_mut() {
            a.insert(CHANGE_CAUSE.to_string(), Value::String(cause.clone()));
        }
    }

    /// Adds the annotation to a typed object's metadata.
    pub fn record_meta(&self, meta: &mut kubarium_engine::api::ObjectMeta) {
        if let Some(cause) = &self.change_cause {
            meta.annotations
                .get_or_insert_with(Default::default)
                .insert(CHANGE_CAUSE.to_string(), cause.clone());
        }
    }
}

/// `kubectl <verb> <args…> --flag=value…`, flags normalized to their long names in the
/// order given.
pub fn command_line(verb: &str, argv: &[String], specs: &[FlagSpec]) -> String {
    let all: Vec<FlagSpec> = specs.iter().chain(GLOBAL_FLAGS.iter()).copied().collect();
    let mut args: Vec<String> = vec![verb.to_string()];
    let mut flags = String::new();
    let mut i = 0;
    while i < argv.len() {
        let a = &argv[i];
        if a == "--" {
            args.extend(argv[i + 1..].iter().cloned());
            break;
        }
        if let Some(rest) = a.strip_prefix("--") {
            let (name, inline) = match rest.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (rest, None),
            };
            let spec = all.iter().find(|s| s.long == name);
            let v = match (spec, inline) {
                (_, Some(v)) => v,
                (Some(s), None) if s.takes_value => {
                    i += 1;
                    argv.get(i).cloned().unwrap_or_default()
                }
                _ => "true".to_string(),
            };
            flags.push_str(&format!(" --{name}={v}"));
        } else if a.len() > 1 && a.starts_with('-') {
            let chars: Vec<char> = a[1..].chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let Some(spec) = all.iter().find(|s| s.short == Some(chars[j])) else {
                    break;
                };
                if spec.takes_value {
                    let rest: String = chars[j + 1..].iter().collect();
                    let v = if rest.is_empty() {
                        i += 1;
                        argv.get(i).cloned().unwrap_or_default()
                    } else {
                        rest.strip_prefix('=').map(str::to_string).unwrap_or(rest)
                    };
                    flags.push_str(&format!(" --{}={v}", spec.long));
                    break;
                }
                flags.push_str(&format!(" --{}=true", spec.long));
                j += 1;
            }
        } else {
            args.push(a.clone());
        }
        i += 1;
    }
    format!("kubectl {}{flags}", args.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubectl::flags::{boolean, value};

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn rebuilds_the_seed_command_lines() {
        let specs = [value("filename", Some('f')), boolean("record", None)];
        assert_eq!(
            command_line(
                "create",
                &v(&["-f", "deploy-nginx.yaml", "--record"]),
                &specs
            ),
            "kubectl create --filename=deploy-nginx.yaml --record=true"
        );
        assert_eq!(
            command_line(
                "set",
                &v(&[
                    "image",
                    "deploy",
                    "deploy-nginx",
                    "nginx-container=nginx:1.16",
                    "--record"
                ]),
                &specs
            ),
            "kubectl set image deploy deploy-nginx nginx-container=nginx:1.16 --record=true"
        );
        assert_eq!(
            command_line(
                "set",
                &v(&["image", "--record=true", "-n", "web", "deploy/x", "c=i"]),
                &specs
            ),
            "kubectl set image deploy/x c=i --record=true --namespace=web"
        );
    }
}
