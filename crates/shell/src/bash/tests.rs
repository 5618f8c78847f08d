//! Behaviour of the bash subset as a learner sees it, against a mock host.

use super::{Bash, CommandIo, Host};
use crate::output::Stream;

/// Knows `kubectl` (echoes its argv, or reads stdin for `apply -f -`) and a clock.
struct Mock {
    now_ms: u64,
    slept: u64,
}

impl Host for Mock {
    fn exec(&mut self, argv: &[String], io: &mut CommandIo<'_>) -> Option<i32> {
        match argv[0].as_str() {
            "kubectl" => {
                if argv.get(1).map(String::as_str) == Some("fail") {
                    io.out
                        .stderr("error: unknown command \"fail\" for \"kubectl\"\n");
                    return Some(1);
                }
                if argv.iter().any(|a| a == "-") {
                    io.out.stdout(format!("applied {} bytes\n", io.stdin.len()));
                    return Some(0);
                }
                io.out.stdout(format!("kubectl {}\n", argv[1..].join(" ")));
                Some(0)
            }
            _ => None,
        }
    }
    fn sleep(&mut self, ms: u64) {
        self.slept += ms;
        self.now_ms += ms;
    }
    fn now_unix_ms(&self) -> u64 {
        self.now_ms
    }
    fn hostname(&self) -> String {
        "m-k8s".into()
    }
}

fn mock() -> Mock {
    Mock {
        now_ms: 1_795_392_000_000,
        slept: 0,
    }
}

/// Runs `input` in a fresh shell; returns (combined output, status).
fn run(input: &str) -> (String, i32) {
    let mut b = Bash::new();
    let (o, s) = b.run(input, &mut mock());
    (o.combined(), s)
}

fn out(input: &str) -> String {
    run(input).0
}

#[test]
fn echo_quotes_and_variables() {
    assert_eq!(out("echo hello   world"), "hello world\n");
    assert_eq!(out("echo 'a  b' \"c  d\" e\\ f"), "a  b c  d e f\n");
    assert_eq!(out("X=1; echo $X ${X} \"$X\" '$X'"), "1 1 1 $X\n");
    assert_eq!(out("echo ${NOPE:-default} ${HOME}"), "default /root\n");
    assert_eq!(out("echo -n a; echo -e 'b\\tc'"), "ab\tc\n");
    assert_eq!(out("echo $'x\\ny'"), "x\ny\n");
    assert_eq!(
        out("a=hello.tar.gz; echo ${a%%.*} ${a#*.} ${#a} ${a/l/L} ${a//l/L}"),
        "hello tar.gz 12 heLlo.tar.gz heLLo.tar.gz\n"
    );
}

#[test]
fn status_and_lists() {
    assert_eq!(out("false; echo $?; true; echo $?"), "1\n0\n");
    assert_eq!(out("true && echo yes || echo no"), "yes\n");
    assert_eq!(out("false && echo yes || echo no"), "no\n");
    assert_eq!(out("! false && echo negated"), "negated\n");
    assert_eq!(run("false").1, 1);
}

#[test]
fn pipes_and_text_tools() {
    assert_eq!(
        out("printf 'b\\na\\nc\\na\\n' | sort | uniq -c"),
        "      2 a\n      1 b\n      1 c\n"
    );
    assert_eq!(out("seq 10 | grep 1 | wc -l"), "2\n");
    assert_eq!(out("seq 5 | head -n 2; seq 5 | tail -2"), "1\n2\n4\n5\n");
    assert_eq!(out("echo a:b:c | cut -d: -f2,3"), "b:c\n");
    assert_eq!(out("echo hello | tr a-z A-Z"), "HELLO\n");
    assert_eq!(out("echo hello | tr -d l"), "heo\n");
    assert_eq!(out("echo secret | base64"), "c2VjcmV0Cg==\n");
    assert_eq!(out("echo -n admin | base64 -w 0 | base64 -d"), "admin");
    assert_eq!(
        out("printf '3 c\\n10 a\\n2 b\\n' | sort -n -r"),
        "10 a\n3 c\n2 b\n"
    );
    assert_eq!(
        out("printf '3 c\\n10 a\\n2 b\\n' | sort -k 2"),
        "10 a\n2 b\n3 c\n"
    );
    assert_eq!(out("echo one two three | wc -w"), "3\n");
    assert_eq!(out("printf '%s-%d\\n' a 1 b 2"), "a-1\nb-2\n");
    assert_eq!(out("printf '%-5s|%03d\\n' ab 7"), "ab   |007\n");
}

#[test]
fn grep_options() {
    let setup = "printf 'nginx Running\\nredis Pending\\nNGINX-2 Running\\n' > pods.txt; ";
    assert_eq!(
        out(&format!("{setup}grep -i nginx pods.txt")),
        "nginx Running\nNGINX-2 Running\n"
    );
    assert_eq!(
        out(&format!("{setup}grep -v Running pods.txt")),
        "redis Pending\n"
    );
    assert_eq!(out(&format!("{setup}grep -c Running pods.txt")), "2\n");
    assert_eq!(
        out(&format!("{setup}grep -n redis pods.txt")),
        "2:redis Pending\n"
    );
    assert_eq!(
        out(&format!("{setup}grep -E 'redis|NGINX' pods.txt")),
        "redis Pending\nNGINX-2 Running\n"
    );
    assert_eq!(
        out(&format!("{setup}grep -w nginx pods.txt")),
        "nginx Running\n"
    );
    assert_eq!(
        out(&format!("{setup}grep '^r.*g$' pods.txt")),
        "redis Pending\n"
    );
    assert_eq!(
        out(&format!(
            "{setup}cp pods.txt b.txt; grep -e redis pods.txt b.txt"
        )),
        "pods.txt:redis Pending\nb.txt:redis Pending\n"
    );
    assert_eq!(
        run("grep x nofile"),
        ("grep: nofile: No such file or directory\n".into(), 2)
    );
    assert_eq!(run("echo abc | grep zzz").1, 1);
}

/// Context (`-A/-B/-C/-NUM`), group separators and `-m`, pinned against GNU grep 3.8.
#[test]
fn grep_context_and_max_count() {
    let describe = "D=$'Name:             x\\nNamespace:        default\\nLabels:           run=x\\nAnnotations:      note: hi\\n                  team: a\\nStatus:           Running\\nIP:               10.244.1.5'; ";
    assert_eq!(
        run(&format!("{describe}grep -A 2 Annotations <<< \"$D\"")),
        (
            "Annotations:      note: hi\n                  team: a\nStatus:           Running\n"
                .into(),
            0
        )
    );
    assert_eq!(
        out(&format!("{describe}grep -A2 Annotations <<< \"$D\"")),
        out(&format!(
            "{describe}grep --after-context=2 Annotations <<< \"$D\""
        ))
    );
    assert_eq!(
        out(&format!("{describe}grep -B1 -n -e Labels -e IP <<< \"$D\"")),
        "2-Namespace:        default\n3:Labels:           run=x\n--\n6-Status:           Running\n7:IP:               10.244.1.5\n"
    );
    assert_eq!(
        out(&format!(
            "{describe}grep --after-context 1 -c Name <<< \"$D\""
        )),
        "2\n"
    );

    let setup = "printf 'a\\nb\\nx1\\nc\\nd\\ne\\nx2\\nf\\nx3\\ng\\nh\\ni\\nj\\nx4\\n' > g.txt; ";
    let grep = |args: &str| run(&format!("{setup}grep {args}"));
    assert_eq!(grep("-A1 x g.txt").0, "x1\nc\n--\nx2\nf\nx3\ng\n--\nx4\n");
    assert_eq!(
        grep("-nB1 x g.txt").0,
        "2-b\n3:x1\n--\n6-e\n7:x2\n8-f\n9:x3\n--\n13-j\n14:x4\n"
    );
    assert_eq!(grep("-A0 x g.txt").0, "x1\n--\nx2\n--\nx3\n--\nx4\n");
    assert_eq!(grep("-1 x2 g.txt").0, "e\nx2\nf\n");
    assert_eq!(grep("-C1 -A0 x2 g.txt").0, "e\nx2\n");
    assert_eq!(grep("-A0 -C1 x2 g.txt").0, "e\nx2\n");
    assert_eq!(grep("-2n1 x4 g.txt").0, "13-j\n14:x4\n");
    assert_eq!(grep("-o -C1 'x[0-9]' g.txt").0, "x1\n--\nx2\nx3\n--\nx4\n");
    assert_eq!(
        grep("-vn -A1 '[a-j]' g.txt").0,
        "3:x1\n4-c\n--\n7:x2\n8-f\n9:x3\n10-g\n--\n14:x4\n"
    );
    assert_eq!(grep("-A1 x4 g.txt g.txt").0, "g.txt:x4\n--\ng.txt:x4\n");
    assert_eq!(
        grep("-C1 x1 g.txt g.txt").0,
        "g.txt-b\ng.txt:x1\ng.txt-c\n--\ng.txt-b\ng.txt:x1\ng.txt-c\n"
    );
    assert_eq!(
        grep("-A1 --no-group-separator x g.txt").0,
        "x1\nc\nx2\nf\nx3\ng\nx4\n"
    );
    assert_eq!(
        grep("--group-separator=XX -A0 x g.txt").0,
        "x1\nXX\nx2\nXX\nx3\nXX\nx4\n"
    );
    // -m: stop after N selected lines, but still print their trailing context.
    assert_eq!(grep("-m 2 -n x g.txt"), ("3:x1\n7:x2\n".into(), 0));
    assert_eq!(
        grep("-n -m2 -A3 x g.txt").0,
        "3:x1\n4-c\n5-d\n6-e\n7:x2\n8-f\n9-x3\n10-g\n"
    );
    assert_eq!(grep("--max-count=1 -c x g.txt").0, "1\n");
    assert_eq!(grep("-m -1 -c x g.txt").0, "4\n");
    assert_eq!(grep("-m0 x g.txt"), (String::new(), 1));
    assert_eq!(out("printf 'x\\nx\\ny\\nx\\n' | grep -m1 -A1 x"), "x\nx\n");
    // Errors in GNU grep's words.
    assert_eq!(
        grep("-A x x g.txt"),
        ("grep: x: invalid context length argument\n".into(), 2)
    );
    assert_eq!(
        grep("-A -1 x g.txt"),
        ("grep: -1: invalid context length argument\n".into(), 2)
    );
    assert_eq!(
        grep("-m x x g.txt"),
        ("grep: invalid max count\n".into(), 2)
    );
    assert_eq!(
        grep("x g.txt -A"),
        ("grep: option requires an argument -- 'A'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n".into(), 2)
    );
}

#[test]
fn heredoc_into_file_and_back() {
    let mut b = Bash::new();
    let mut h = mock();
    let script = "cat > pod.yaml <<EOF\napiVersion: v1\nkind: Pod\nname: $NAME\nEOF\n";
    assert!(!b.is_complete("cat > pod.yaml <<EOF\napiVersion: v1\n"));
    assert!(b.is_complete(script));
    b.run("NAME=web", &mut h);
    let (o, s) = b.run(script, &mut h);
    assert_eq!((o.combined(), s), (String::new(), 0));
    assert_eq!(
        b.run("cat pod.yaml", &mut h).0.stdout_text(),
        "apiVersion: v1\nkind: Pod\nname: web\n"
    );
    assert_eq!(
        b.vfs().read("/root/pod.yaml").unwrap(),
        "apiVersion: v1\nkind: Pod\nname: web\n"
    );
    // Quoted delimiter: no expansion; <<- strips tabs; heredoc feeding a pipeline.
    assert_eq!(out("cat <<'EOF'\n$HOME\nEOF\n"), "$HOME\n");
    assert_eq!(out("cat <<-END\n\t\tindented\n\tEND\n"), "indented\n");
    assert_eq!(out("cat <<EOF | grep b\na\nb\nEOF\n"), "b\n");
    assert_eq!(
        out("kubectl apply -f - <<EOF\nkind: Pod\nEOF\n"),
        "applied 10 bytes\n"
    );
}

#[test]
fn loops_and_conditionals() {
    assert_eq!(out("for n in $(seq 3); do echo $n; done"), "1\n2\n3\n");
    assert_eq!(out("for x in a b c; do echo -n $x; done; echo"), "abc\n");
    assert_eq!(
        out("i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done"),
        "0\n1\n2\n"
    );
    assert_eq!(
        out("i=0; until [ $i -ge 2 ]; do i=$((i+1)); done; echo $i"),
        "2\n"
    );
    assert_eq!(
        out("if [ -d /tmp ]; then echo dir; elif true; then echo no; else echo no; fi"),
        "dir\n"
    );
    assert_eq!(
        out("if [ -f /nope ]; then echo yes; else echo else; fi"),
        "else\n"
    );
    assert_eq!(
        out("for i in 1 2 3 4; do if [ $i = 3 ]; then break; fi; echo $i; done"),
        "1\n2\n"
    );
    assert_eq!(
        out("[[ abc == a* ]] && echo glob; [[ -n x && 2 -gt 1 ]] && echo both"),
        "glob\nboth\n"
    );
    assert_eq!(
        out("case web-1 in db*) echo db;; web*) echo web;; esac"),
        "web\n"
    );
    assert_eq!(
        out("echo $((7 / 2)) $((7 % 3)) $((2 * (3 + 4))) $((3 > 2))"),
        "3 1 14 1\n"
    );
    assert_eq!(
        out("printf 'a b\\nc d\\n' | while read x y; do echo \"$y-$x\"; done"),
        "b-a\nd-c\n"
    );
    assert_eq!(
        out("f() { echo \"hi $1\"; return 3; }; f you; echo $?"),
        "hi you\n3\n"
    );
}

#[test]
fn loop_limit_names_the_limit() {
    let (o, s) = run("while true; do :; done; echo after");
    assert!(o.contains("loop iteration limit exceeded (10000"), "{o}");
    assert_eq!(s, 1);
}

#[test]
fn redirections_and_ordering() {
    let mut b = Bash::new();
    let mut h = mock();
    let (o, _) = b.run("echo one > f; echo two >> f; cat f", &mut h);
    assert_eq!(o.stdout_text(), "one\ntwo\n");
    let (o, s) = b.run("cat nofile f 2>&1 > out.txt; cat out.txt", &mut h);
    assert_eq!(
        o.chunks[0],
        (
            Stream::Stdout,
            "cat: nofile: No such file or directory\none\ntwo\n".into()
        )
    );
    assert_eq!(s, 0);
    let (o, _) = b.run("cat nofile f > all.txt 2>&1; cat all.txt", &mut h);
    assert_eq!(
        o.stdout_text(),
        "cat: nofile: No such file or directory\none\ntwo\n"
    );
    let (o, _) = b.run(
        "cat nofile 2>/dev/null; echo err >&2; echo x &> both; cat both",
        &mut h,
    );
    assert_eq!(
        o.chunks,
        vec![
            (Stream::Stderr, "err\n".into()),
            (Stream::Stdout, "x\n".into())
        ]
    );
    let (o, s) = b.run("echo x > /nodir/f", &mut h);
    assert_eq!(
        (o.stderr_text(), s),
        ("bash: /nodir/f: No such file or directory\n".into(), 1)
    );
    let (o, _) = b.run("wc -l < f; grep two < f", &mut h);
    assert_eq!(o.stdout_text(), "2\ntwo\n");
    let (o, _) = b.run("ls nofile |& grep -c access", &mut h);
    assert_eq!(o.stdout_text(), "1\n");
    let (o, _) = b.run("kubectl fail | cat", &mut h);
    assert_eq!(o.chunks[0].0, Stream::Stderr);
}

#[test]
fn command_substitution_and_subshells() {
    assert_eq!(out("echo \"pods: $(echo a; echo b)\""), "pods: a\nb\n");
    assert_eq!(out("echo `echo back`tick"), "backtick\n");
    assert_eq!(out("x=1; (x=2; cd /tmp); echo $x $PWD"), "1 /root\n");
    assert_eq!(out("{ echo a; echo b; } | wc -l"), "2\n");
    assert_eq!(out("x=$(false); echo $?"), "1\n");
    assert_eq!(out("echo $(echo $(echo nested))"), "nested\n");
}

#[test]
fn aliases_expand_and_bombs_terminate() {
    assert_eq!(out("k get pods"), "kubectl get pods\n");
    let mut b = Bash::new();
    let mut h = mock();
    b.run("alias kgp='kubectl get pods'", &mut h);
    assert_eq!(
        b.run("kgp -o wide", &mut h).0.combined(),
        "kubectl get pods -o wide\n"
    );
    assert_eq!(
        b.run("alias kgp", &mut h).0.combined(),
        "alias kgp='kubectl get pods'\n"
    );
    b.run("alias a=b; alias b=a", &mut h);
    let (o, s) = b.run("a", &mut h);
    assert_eq!(
        (o.combined(), s),
        ("bash: a: command not found\n".into(), 127)
    );
    b.run("alias x='y; x'", &mut h);
    let (_, s) = b.run("x", &mut h);
    assert_eq!(s, 127);
    // Aliases apply from the next line on, as in bash.
    assert_eq!(b.run("unalias k; k", &mut h).0.combined(), "kubectl \n");
    assert_eq!(
        b.run("k", &mut h).0.combined(),
        "bash: k: command not found\n"
    );
    assert_eq!(
        b.run("type kgp", &mut h).0.combined(),
        "kgp is aliased to `kubectl get pods'\n"
    );
    assert_eq!(
        b.run("which kubectl", &mut h).0.combined(),
        "/usr/bin/kubectl\n"
    );
}

#[test]
fn errors_unknown_commands_and_syntax() {
    assert_eq!(
        run("nosuch arg"),
        ("bash: nosuch: command not found\n".into(), 127)
    );
    assert_eq!(
        run("for x in a; do echo; done done").0,
        "bash: syntax error near unexpected token `done'\n"
    );
    assert_eq!(run("done").1, 2);
    assert_eq!(
        run("echo >").0,
        "bash: syntax error near unexpected token `newline'\n"
    );
    assert_eq!(
        run("| ls").0,
        "bash: syntax error near unexpected token `|'\n"
    );
    assert_eq!(
        run("cat nofile"),
        ("cat: nofile: No such file or directory\n".into(), 1)
    );
    assert_eq!(
        run("cd nowhere"),
        ("bash: cd: nowhere: No such file or directory\n".into(), 1)
    );
    assert_eq!(
        run("echo ${x!}; echo next").0,
        "bash: ${x!}: bad substitution\n"
    );
    assert!(run("echo $((1/0))").0.contains("division by 0"));
    let b = Bash::new();
    for open in [
        "echo 'abc",
        "for x in 1; do",
        "if true; then",
        "ls |",
        "true &&",
        "echo \\",
        "echo $(ls",
        "cat <<EOF",
    ] {
        assert!(!b.is_complete(open), "{open}");
    }
    for done in [
        "echo hi",
        "for x in 1; do echo; done",
        "",
        "# comment",
        "done",
    ] {
        assert!(b.is_complete(done), "{done}");
    }
    assert!(run("echo 'abc")
        .0
        .contains("unexpected EOF while looking for matching `''"));
}

#[test]
fn ls_columns_only_on_a_terminal() {
    let mut b = Bash::new();
    let mut h = mock();
    b.run("touch a b c", &mut h);
    // A script (stdout not a terminal): one name per line, as GNU ls without a tty.
    assert_eq!(b.run("ls", &mut h).0.combined(), "a\nb\nc\n");
    assert_eq!(b.run("ls -C", &mut h).0.combined(), "a  b  c\n");
    b.set_tty(true);
    assert_eq!(b.run("ls", &mut h).0.combined(), "a  b  c\n");
    assert_eq!(b.run("ls -1", &mut h).0.combined(), "a\nb\nc\n");
    assert_eq!(b.run("ls -1C", &mut h).0.combined(), "a  b  c\n");
    // Into a pipe, a file or $(...): not a terminal any more.
    assert_eq!(b.run("ls | cat", &mut h).0.combined(), "a\nb\nc\n");
    assert_eq!(b.run("ls | wc -l", &mut h).0.combined(), "3\n");
    assert_eq!(
        b.run("ls > list; cat list", &mut h).0.combined(),
        "a\nb\nc\nlist\n"
    );
    assert_eq!(
        b.run("x=$(ls); echo \"$x\" | head -1", &mut h).0.combined(),
        "a\n"
    );
    // The last command of a pipeline and a redirected stderr still write to the terminal.
    assert_eq!(
        b.run("echo | ls 2>/dev/null", &mut h).0.combined(),
        "a  b  c  list\n"
    );
    assert_eq!(
        b.run("for d in .; do ls; done", &mut h).0.combined(),
        "a  b  c  list\n"
    );
}

#[test]
fn files_glob_and_cwd() {
    let mut b = Bash::new();
    b.set_tty(true);
    let mut h = mock();
    let (o, _) = b.run(
        "mkdir -p d/e; touch a.yaml b.yaml c.txt; ls; echo *.yaml; echo *.none",
        &mut h,
    );
    assert_eq!(
        o.combined(),
        "a.yaml  b.yaml  c.txt  d\na.yaml b.yaml\n*.none\n"
    );
    assert_eq!(b.run("echo ?.txt d/*", &mut h).0.combined(), "c.txt d/e\n");
    b.run("cd d", &mut h);
    assert_eq!(b.display_cwd(), "~/d");
    assert_eq!(
        b.run("pwd; cd ..; cd /tmp; pwd; cd; pwd", &mut h)
            .0
            .combined(),
        "/root/d\n/tmp\n/root\n"
    );
    let (o, _) = b.run(
        "cp a.yaml d/; mv b.yaml z.yaml; rm c.txt; ls -1 . d",
        &mut h,
    );
    assert_eq!(o.combined(), ".:\na.yaml\nd\nz.yaml\n\nd:\na.yaml\ne\n");
    assert_eq!(
        b.run("rm d", &mut h).0.combined(),
        "rm: cannot remove 'd': Is a directory\n"
    );
    assert_eq!(
        b.run("rm -r d; rm -f nothing; ls", &mut h).0.combined(),
        "a.yaml  z.yaml\n"
    );
    assert_eq!(
        b.run("mkdir a.yaml", &mut h).0.combined(),
        "mkdir: cannot create directory \u{2018}a.yaml\u{2019}: File exists\n"
    );
    assert_eq!(
        b.run("echo x | tee -a t.txt > /dev/null; cat -n t.txt", &mut h)
            .0
            .combined(),
        "     1\tx\n"
    );
    let (o, _) = b.run("ls -l t.txt", &mut h);
    assert_eq!(
        o.combined(),
        "-rw-r--r-- 1 root root 2 Nov 23 00:00 t.txt\n"
    );
    assert_eq!(b.complete("cat t", 5), vec!["t.txt"]);
    assert_eq!(b.complete("kub", 3), vec!["kubeadm", "kubectl"]);
    b.set_completion_words(vec!["get".into(), "describe".into()]);
    assert_eq!(b.complete("kubectl g", 9), vec!["get"]);
}

#[test]
fn clock_history_exit_watch_xargs_source() {
    let mut b = Bash::new();
    let mut h = mock();
    assert_eq!(
        b.run("date", &mut h).0.combined(),
        "Mon Nov 23 00:00:00 UTC 2026\n"
    );
    b.run("sleep 1.5; sleep 2m", &mut h);
    assert_eq!(h.slept, 121_500);
    assert_eq!(b.run("date +%s", &mut h).0.combined(), "1795392121\n");
    let (o, _) = b.run("watch -n 5 kubectl get po", &mut h);
    let text = o.combined();
    assert!(text.starts_with("Every 5.0s: kubectl get po"), "{text}");
    assert!(
        text.contains("m-k8s: Mon Nov 23 00:02:01 2026\n\nkubectl get po\n"),
        "{text}"
    );
    assert_eq!(
        b.run("echo a b | xargs kubectl get", &mut h).0.combined(),
        "kubectl get a b\n"
    );
    b.run("echo 'echo sourced $1' > s.sh", &mut h);
    assert_eq!(
        b.run("source s.sh arg; . ./s.sh", &mut h).0.combined(),
        "sourced arg\nsourced\n"
    );
    assert_eq!(
        b.run(
            "echo x | read v; echo \"[$v]\"; read w <<< hi; echo $w",
            &mut h
        )
        .0
        .combined(),
        "[]\nhi\n"
    );
    let (o, _) = b.run("history 2", &mut h);
    assert_eq!(
        o.combined(),
        format!(
            "{:>5}  echo x | read v; echo \"[$v]\"; read w <<< hi; echo $w\n{:>5}  history 2\n",
            8, 9
        )
    );
    assert_eq!(
        b.run("hostname; whoami; clear", &mut h).0.combined(),
        "m-k8s\nroot\n\x1b[H\x1b[2J"
    );
    let (_, s) = b.run("exit 3; echo not reached", &mut h);
    assert_eq!((s, b.exited()), (3, Some(3)));
}

#[test]
fn export_env_and_printenv() {
    assert_eq!(
        out("export A=1; printenv A; B=2 printenv B; printenv B || echo unset"),
        "1\n2\nunset\n"
    );
    assert!(out("env").contains("HOME=/root\n"));
}

#[test]
fn garbage_input_never_panics() {
    let samples = [
        "((((",
        "))))",
        "$((",
        "${",
        "`",
        "\"",
        "'",
        "<<",
        "<<<",
        ">&",
        "|&|",
        ";;",
        "&&&",
        "!!",
        "${#}",
        "${:-}",
        "$(()",
        "case",
        "for",
        "for in",
        "if then fi",
        "[[",
        "[[ ]]",
        "[ -f",
        "test -eq 1",
        "echo $((1+))",
        "a=$((",
        "}{",
        "(){",
        "f() f",
        "echo ${x:1:-9}",
        "echo ${x:5}",
        "printf %",
        "printf '%z'",
        "seq 1 0 5",
        "tr",
        "cut -f0",
        "sort -k",
        "head -n x",
        "echo \\x00 $'\\x'",
        "base64 -d <<< '!!!'",
        "grep '[' /dev/null",
        "grep -E '(' /dev/null",
        "let 1/0",
        "exit abc",
        "cd a b",
        "echo > >",
        "2>&9 echo",
        "\u{0}\u{1}\u{ff}",
        "é ö 漢字 | wc -c",
        "$'\\u'",
        "\\",
        "echo ~root ~/x ~",
    ];
    let mut b = Bash::new();
    let mut h = mock();
    for s in samples {
        let _ = b.is_complete(s);
        let _ = b.complete(s, s.len());
        let _ = b.complete(s, 1);
        if b.exited().is_none() {
            let _ = b.run(s, &mut h);
        }
    }
    // Pseudo-random byte soup from a fixed seed.
    let alphabet: Vec<char> = "ab $(){}[];|&<>'\"`\\\n#=*?!-0123456789~%:+/."
        .chars()
        .collect();
    let mut seed: u64 = 42;
    for _ in 0..300 {
        let mut s = String::new();
        for _ in 0..40 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            s.push(alphabet[(seed >> 33) as usize % alphabet.len()]);
        }
        let mut fresh = Bash::new();
        let _ = fresh.is_complete(&s);
        let _ = fresh.run(&s, &mut h);
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowing() {
    let deep = format!("echo {}x{}", "$(".repeat(10_000), ")".repeat(10_000));
    let (o, s) = run(&deep);
    assert!(o.contains("nesting deeper than"), "{o}");
    assert_eq!(s, 2);
    let braces = format!("{} echo hi; {}", "{ ".repeat(5000), "}; ".repeat(5000));
    assert_eq!(run(&braces).1, 2);
    let ok = format!("echo {}x{}", "$(echo ".repeat(20), ")".repeat(20));
    assert_eq!(out(&ok), "x\n");
    let (o, _) = run("f() { f; }; f");
    assert!(o.contains("maximum nesting level exceeded"), "{o}");
}

#[test]
fn large_input_and_output_limits() {
    let many = "echo line\n".repeat(5000);
    let (o, s) = run(&many);
    assert_eq!((o.len(), s), (25_000, 0));
    let (o, s) = run("x=aaaaaaaaaaaaaaaa; for i in $(seq 30); do x=$x$x; done; echo ${#x}");
    assert!(o.contains("value too large"), "{o}");
    assert_eq!(s, 1);
    let (o, _) = run("seq 100000000 | wc -l");
    assert!(o.contains("output limit exceeded"), "{o}");
}
