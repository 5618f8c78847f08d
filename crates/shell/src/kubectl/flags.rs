//! kubectl's flag parsing (cobra/pflag semantics): `--name=value`, `--name value`, `-n value`,
//! `-nvalue`, grouped boolean shorthands, `--` ending flags, and the real error texts.

use std::collections::BTreeMap;

/// One flag a command accepts.
#[derive(Clone, Copy, Debug)]
pub struct FlagSpec {
    pub long: &'static str,
    pub short: Option<char>,
    /// False for boolean flags (which still accept `--flag=false`).
    pub takes_value: bool,
}

/// Shorthand for a flag that takes a value.
pub const fn value(long: &'static str, short: Option<char>) -> FlagSpec {
    FlagSpec {
        long,
        short,
        takes_value: true,
    }
}

/// Shorthand for a boolean flag.
pub const fn boolean(long: &'static str, short: Option<char>) -> FlagSpec {
    FlagSpec {
        long,
        short,
        takes_value: false,
    }
}

/// Flags every kubectl command accepts.
pub const GLOBAL_FLAGS: &[FlagSpec] = &[
    value("namespace", Some('n')),
    value("context", None),
    value("kubeconfig", None),
    value("cluster", None),
    value("user", None),
    value("v", Some('v')),
    value("request-timeout", None),
    boolean("insecure-skip-tls-verify", None),
    value("server", Some('s')),
    boolean("match-server-version", None),
    boolean("warnings-as-errors", None),
];

/// Parsed command line: positional arguments, flag values (in order given), and the
/// arguments after `--`.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    pub args: Vec<String>,
    pub flags: BTreeMap<String, Vec<String>>,
    /// Arguments after `--` (None when there was no `--`).
    pub after_dash: Option<Vec<String>>,
}

impl Parsed {
    /// Last value of a flag.
    pub fn get(&self, long: &str) -> Option<&str> {
        self.flags
            .get(long)
            .and_then(|v| v.last())
            .map(String::as_str)
    }
    /// All values of a repeatable flag, each split on commas when `split` is set.
    pub fn all(&self, long: &str) -> Vec<String> {
        self.flags.get(long).cloned().unwrap_or_default()
    }
    /// True if a boolean flag is set (and not `=false`).
    pub fn is_set(&self, long: &str) -> bool {
        match self.get(long) {
            Some(v) => v != "false",
            None => false,
        }
    }
    /// Whether a flag was given at all.
    pub fn has(&self, long: &str) -> bool {
        self.flags.contains_key(long)
    }
}

/// Parses `argv` against `specs` (plus the global flags). `Err` holds kubectl's message
/// (without the trailing "See 'kubectl … --help' for usage." line).
pub fn parse(argv: &[String], specs: &[FlagSpec]) -> Result<Parsed, String> {
    let all: Vec<FlagSpec> = specs.iter().chain(GLOBAL_FLAGS.iter()).copied().collect();
    let find_long = |name: &str| all.iter().find(|s| s.long == name).copied();
    let find_short = |c: char| all.iter().find(|s| s.short == Some(c)).copied();
    let mut out = Parsed::default();
    let mut i = 0;
    while i < argv.len() {
        let a = &argv[i];
        if a == "--" {
            out.after_dash = Some(argv[i + 1..].to_vec());
            break;
        }
        if let Some(rest) = a.strip_prefix("--") {
            let (name, inline) = match rest.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (rest, None),
            };
            let spec = find_long(name).ok_or_else(|| format!("unknown flag: --{name}"))?;
            let v = if spec.takes_value {
                match inline {
                    Some(v) => v,
                    None => {
                        i += 1;
                        argv.get(i)
                            .cloned()
                            .ok_or_else(|| format!("flag needs an argument: --{name}"))?
                    }
                }
            } else {
                match inline.as_deref() {
                    None | Some("true") => "true".to_string(),
                    Some("false") => "false".to_string(),
                    Some(other) => return Err(format!("invalid argument {other:?} for \"--{name}\" flag: strconv.ParseBool: parsing {other:?}: invalid syntax")),
                }
            };
            out.flags.entry(spec.long.to_string()).or_default().push(v);
        } else if a.len() > 1 && a.starts_with('-') {
            let chars: Vec<char> = a[1..].chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                let spec =
                    find_short(c).ok_or_else(|| format!("unknown shorthand flag: '{c}' in {a}"))?;
                if spec.takes_value {
                    let rest: String = chars[j + 1..].iter().collect();
                    let v = if !rest.is_empty() {
                        rest.strip_prefix('=').map(str::to_string).unwrap_or(rest)
                    } else {
                        i += 1;
                        argv.get(i)
                            .cloned()
                            .ok_or_else(|| format!("flag needs an argument: '{c}' in -{c}"))?
                    };
                    out.flags.entry(spec.long.to_string()).or_default().push(v);
                    break;
                }
                out.flags
                    .entry(spec.long.to_string())
                    .or_default()
                    .push("true".into());
                j += 1;
            }
        } else {
            out.args.push(a.clone());
        }
        i += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }
    #[test]
    fn parses_forms() {
        let specs = [
            value("output", Some('o')),
            boolean("all-namespaces", Some('A')),
            value("selector", Some('l')),
        ];
        let p = parse(
            &v(&[
                "pods",
                "-o",
                "wide",
                "-A",
                "--selector=app=web",
                "-nkube-system",
            ]),
            &specs,
        )
        .unwrap();
        assert_eq!(p.args, v(&["pods"]));
        assert_eq!(p.get("output"), Some("wide"));
        assert!(p.is_set("all-namespaces"));
        assert_eq!(p.get("selector"), Some("app=web"));
        assert_eq!(p.get("namespace"), Some("kube-system"));
        assert_eq!(
            parse(&v(&["--foo"]), &specs).unwrap_err(),
            "unknown flag: --foo"
        );
        assert_eq!(
            parse(&v(&["-z"]), &specs).unwrap_err(),
            "unknown shorthand flag: 'z' in -z"
        );
        let p = parse(&v(&["exec", "web", "--", "ls", "-l"]), &specs).unwrap();
        assert_eq!(p.after_dash, Some(v(&["ls", "-l"])));
    }
}
