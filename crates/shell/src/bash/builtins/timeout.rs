//! `timeout [OPTION] DURATION COMMAND [ARG]...` (GNU coreutils 9): runs a command and stops
//! it once DURATION of simulated time has passed.
//!
//! Time here only moves while a command waits (`sleep`, `kubectl get -w`, ...), so the limit
//! is a deadline on the simulated clock that those commands honour (see
//! [`Host::set_deadline`]); a command that returns before it is not affected. When the
//! deadline stopped the command, the status is 124 (with `--preserve-status`, the command's
//! own: kubectl exits 1 from its signal handler, `sleep` dies of the signal, 128 + its number;
//! with `-s KILL` always 137).
//! Like the real one, `timeout` runs programs, not shell builtins, functions or aliases.

use super::super::{CommandIo, Host};
use super::sys::parse_interval_ms;

const TRY_HELP: &str = "Try 'timeout --help' for more information.\n";

/// Exit status when `timeout` itself fails (`EXIT_CANCELED`).
const EXIT_CANCELED: i32 = 125;
/// Exit status when the command timed out (`EXIT_TIMEDOUT`).
const EXIT_TIMEDOUT: i32 = 124;

/// Signal numbers by name, for `-s`.
const SIGNALS: &[(&str, i32)] = &[
    ("HUP", 1),
    ("INT", 2),
    ("QUIT", 3),
    ("KILL", 9),
    ("USR1", 10),
    ("USR2", 12),
    ("ALRM", 14),
    ("TERM", 15),
    ("CONT", 18),
    ("STOP", 19),
];

/// A signal name (`TERM`, `SIGKILL`) or number.
fn parse_signal(s: &str) -> Option<(String, i32)> {
    if let Ok(n) = s.parse::<i32>() {
        let name = SIGNALS
            .iter()
            .find(|(_, num)| *num == n)
            .map_or(n.to_string(), |(name, _)| name.to_string());
        return (1..=64).contains(&n).then_some((name, n));
    }
    let upper = s.to_ascii_uppercase();
    let bare = upper.strip_prefix("SIG").unwrap_or(&upper);
    SIGNALS
        .iter()
        .find(|(name, _)| *name == bare)
        .map(|(name, n)| (name.to_string(), *n))
}

/// Matches an option that takes a value: `Some(Some(v))` for `--long=v` or `-sv`,
/// `Some(None)` when the value is the next argument, `None` when `a` is another word.
fn option_with_value(a: &str, long: &str, short: &str) -> Option<Option<String>> {
    if a == long || a == short {
        return Some(None);
    }
    if let Some(v) = a.strip_prefix(long).and_then(|r| r.strip_prefix('=')) {
        return Some(Some(v.to_string()));
    }
    a.strip_prefix(short)
        .filter(|v| !v.is_empty() && !a.starts_with("--"))
        .map(|v| Some(v.to_string()))
}

/// The argument after `*i`, moving `*i` onto it.
fn take_next(args: &[String], i: &mut usize) -> Option<String> {
    *i += 1;
    args.get(*i).cloned()
}

/// `timeout`.
pub fn run(args: &[String], io: &mut CommandIo<'_>, host: &mut dyn Host) -> i32 {
    let mut signal = ("TERM".to_string(), 15);
    let mut preserve = false;
    let mut verbose = false;
    let mut i = 0;
    // Options end at the first operand (getopt's `+`).
    while i < args.len() {
        let a = args[i].as_str();
        if a == "--" {
            i += 1;
            break;
        } else if a == "--preserve-status" {
            preserve = true;
        } else if a == "--foreground" {
        } else if a == "-v" || a == "--verbose" {
            verbose = true;
        } else if a == "--help" {
            io.out.stdout(concat!(
                "Usage: timeout [OPTION] DURATION COMMAND [ARG]...\n",
                "  or:  timeout [OPTION]\n",
                "Start COMMAND, and kill it if still running after DURATION.\n",
            ));
            return 0;
        } else if let Some(inline) = option_with_value(a, "--signal", "-s") {
            let Some(v) = inline.or_else(|| take_next(args, &mut i)) else {
                io.out.stderr(format!(
                    "timeout: option requires an argument -- 's'\n{TRY_HELP}"
                ));
                return EXIT_CANCELED;
            };
            match parse_signal(&v) {
                Some(sig) => signal = sig,
                None => {
                    io.out.stderr(format!(
                        "timeout: \u{2018}{v}\u{2019}: invalid signal\n{TRY_HELP}"
                    ));
                    return EXIT_CANCELED;
                }
            }
        } else if let Some(inline) = option_with_value(a, "--kill-after", "-k") {
            // Every simulated command stops at the first signal, so KILL is never needed.
            let Some(v) = inline.or_else(|| take_next(args, &mut i)) else {
                io.out.stderr(format!(
                    "timeout: option requires an argument -- 'k'\n{TRY_HELP}"
                ));
                return EXIT_CANCELED;
            };
            if parse_interval_ms(&v).is_none() {
                io.out.stderr(format!(
                    "timeout: invalid time interval \u{2018}{v}\u{2019}\n{TRY_HELP}"
                ));
                return EXIT_CANCELED;
            }
        } else if a.starts_with("--") {
            io.out
                .stderr(format!("timeout: unrecognized option '{a}'\n{TRY_HELP}"));
            return EXIT_CANCELED;
        } else if a.len() > 1 && a.starts_with('-') {
            let c = a[1..].chars().next().unwrap_or('-');
            io.out
                .stderr(format!("timeout: invalid option -- '{c}'\n{TRY_HELP}"));
            return EXIT_CANCELED;
        } else {
            break;
        }
        i += 1;
    }
    let operands = &args[i.min(args.len())..];
    if operands.len() < 2 {
        io.out.stderr(TRY_HELP);
        return EXIT_CANCELED;
    }
    let Some(duration_ms) = parse_interval_ms(&operands[0]) else {
        io.out.stderr(format!(
            "timeout: invalid time interval \u{2018}{}\u{2019}\n{TRY_HELP}",
            operands[0]
        ));
        return EXIT_CANCELED;
    };
    let argv = &operands[1..];
    let name = argv[0].as_str();
    // 0 disables the time limit.
    let deadline = (duration_ms > 0).then(|| host.now_unix_ms() + duration_ms);
    host.set_deadline(deadline);
    let is_utility = super::UTILITIES.contains(&name) && name != "timeout";
    let status = if is_utility {
        super::run_utility(name, &argv[1..], io, host)
    } else {
        host.exec(argv, io)
    };
    host.set_deadline(None);
    let Some(status) = status else {
        io.out.stderr(format!(
            "timeout: failed to run command \u{2018}{name}\u{2019}: No such file or directory\n"
        ));
        return 127;
    };
    let fired = deadline.is_some_and(|d| host.now_unix_ms() >= d);
    if !fired {
        return status;
    }
    if verbose {
        io.out.stderr(format!(
            "timeout: sending signal {} to command \u{2018}{name}\u{2019}\n",
            signal.0
        ));
    }
    // KILL takes `timeout` down with its command: 128 + 9, not 124.
    if signal.1 == 9 {
        return 128 + 9;
    }
    if !preserve {
        return EXIT_TIMEDOUT;
    }
    // kubectl catches HUP, INT, TERM and QUIT and exits 1; anything else dies of the signal.
    let caught = name == "kubectl" && matches!(signal.1, 1 | 2 | 3 | 15);
    if caught {
        status
    } else {
        128 + signal.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_take_gnu_suffixes() {
        assert_eq!(parse_interval_ms("30"), Some(30_000));
        assert_eq!(parse_interval_ms("1.5m"), Some(90_000));
        assert_eq!(parse_interval_ms("2h"), Some(7_200_000));
        assert_eq!(parse_interval_ms("0.5s"), Some(500));
        assert_eq!(parse_interval_ms("1x"), None);
        assert_eq!(parse_interval_ms("-1"), None);
        assert_eq!(parse_interval_ms("m"), None);
    }

    #[test]
    fn signals_by_name_or_number() {
        assert_eq!(parse_signal("KILL"), Some(("KILL".into(), 9)));
        assert_eq!(parse_signal("sigint"), Some(("INT".into(), 2)));
        assert_eq!(parse_signal("15"), Some(("TERM".into(), 15)));
        assert_eq!(parse_signal("FOO"), None);
    }
}
