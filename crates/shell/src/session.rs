//! A terminal session: one simulated cluster, one bash, the commands in between.
//!
//! This is the single entry point shared by the native `kubarium shell`, the scenario tests
//! and the web page, so all three behave identically.

use crate::bash::{Bash, CommandIo, Host};
use crate::commands::{AttachTarget, Terminal};
use crate::kubectl::watch::Stream as GetStream;
use crate::kubectl::{attach, exec, kubelet_api};
use crate::output::{Output, Stream};
use kubarium_engine::Cluster;

/// How to start a session.
#[derive(Clone, Debug)]
pub struct SessionOptions {
    /// Cluster preset name (`vagrant`, `academy`, `cka`).
    pub preset: String,
    /// Seed of every random stream of the cluster.
    pub seed: u64,
}

impl Default for SessionOptions {
    fn default() -> Self {
        Self {
            preset: "vagrant".into(),
            seed: 1,
        }
    }
}

/// A learner's terminal attached to a simulated cluster.
pub struct Session {
    cluster: Cluster,
    bash: Bash,
    tty: bool,
    /// True when real time drives the clock (the page): `watch` then repeats its command.
    live_clock: bool,
    /// The container shell the terminal is attached to (`kubectl exec -it POD -- sh`).
    attached: Option<Attached>,
    /// The node shell the terminal is logged in to (`ssh w1-k8s`).
    remote: Option<Remote>,
    /// A running `watch`, redrawn as simulated time passes.
    watching: Option<Watching>,
    /// A running `kubectl get -w`, printing changes as simulated time passes.
    streaming: Option<GetStream>,
    /// The newest `watch` screen, or the stream's new lines, not yet shown.
    frame: Option<Output>,
}

/// A `watch` that repeats its command every `interval_ms` of simulated time.
struct Watching {
    line: String,
    interval_ms: u64,
    next_at: u64,
}

/// The escape sequence that clears a terminal screen (`clear`, `watch`).
const ERASE_DISPLAY: &str = "\x1b[H\x1b[2J";

/// The interval of `watch [-n SECS] ...` in milliseconds (procps' default is 2 s, its
/// minimum 0.1 s); `None` when the line is not a `watch` command.
fn watch_interval_ms(line: &str) -> Option<u64> {
    let mut words = line.split_whitespace();
    if words.next()? != "watch" {
        return None;
    }
    let mut secs = 2.0f64;
    while let Some(w) = words.next() {
        let value = match w {
            "-n" | "--interval" => words.next(),
            _ if w.starts_with("--interval=") => w.strip_prefix("--interval="),
            _ if w.starts_with("-n") => w.strip_prefix("-n"),
            _ if w.starts_with('-') => continue,
            _ => break,
        };
        secs = value
            .and_then(|v| v.parse().ok())
            .filter(|v: &f64| v.is_finite())
            .unwrap_or(2.0);
    }
    Some((secs.max(0.1) * 1000.0) as u64)
}

/// A shell running inside a container, fed by the terminal.
struct Attached {
    target: AttachTarget,
    bash: Bash,
}

/// A shell on a node, opened by `ssh NODE`.
struct Remote {
    node: String,
    /// The host name as typed (`Connection to HOST closed.`).
    host: String,
    bash: Bash,
}

/// The commands outside bash, run against the cluster.
struct Commands<'a> {
    cluster: &'a mut Cluster,
    term: &'a mut Terminal,
}

impl Host for Commands<'_> {
    fn exec(&mut self, argv: &[String], io: &mut CommandIo<'_>) -> Option<i32> {
        let status = crate::commands::run(self.cluster, argv, io, self.term);
        // The cluster reacts to what the command wrote at once (in simulated time).
        self.cluster.settle();
        status
    }
    fn sleep(&mut self, ms: u64) {
        // Under `timeout`, sleeping ends at the deadline.
        let ms = match self.term.deadline_unix_ms {
            Some(d) => ms.min(d.saturating_sub(self.cluster.now_unix_ms())),
            None => ms,
        };
        self.cluster.advance(ms);
    }
    fn set_deadline(&mut self, deadline_unix_ms: Option<u64>) {
        self.term.deadline_unix_ms = deadline_unix_ms;
    }
    fn now_unix_ms(&self) -> u64 {
        self.cluster.now_unix_ms()
    }
    fn hostname(&self) -> String {
        self.cluster.client_hostname().to_string()
    }
}

impl Session {
    /// Starts a fresh cluster from a preset; an unknown preset is an error naming the choices.
    pub fn new(opts: &SessionOptions) -> Result<Session, String> {
        let cluster = Cluster::from_preset(&opts.preset, opts.seed).map_err(|e| e.to_string())?;
        let host = crate::node_files::node_bash(&cluster, cluster.client_hostname());
        Ok(Session {
            bash: crate::kubectl::config::with_kubeconfig(host, &cluster),
            cluster,
            tty: false,
            live_clock: false,
            attached: None,
            remote: None,
            watching: None,
            streaming: None,
            frame: None,
        })
    }

    /// Tells the session a person types at a real terminal (the page, an interactive
    /// `kubarium shell`), so TTY-only behaviour (`kubectl exec -it`) acts as on a terminal.
    pub fn set_tty(&mut self, tty: bool) {
        self.tty = tty;
        self.bash.set_tty(tty);
    }

    /// Tells the session real time drives its clock (the page), so `watch CMD` keeps
    /// redrawing as time passes (see [`Session::take_frame`]) instead of running once.
    pub fn set_live_clock(&mut self, live: bool) {
        self.live_clock = live;
    }

    /// True while a `watch` is redrawing.
    pub fn is_watching(&self) -> bool {
        self.watching.is_some()
    }

    /// True while a `kubectl get -w` is streaming.
    pub fn is_streaming(&self) -> bool {
        self.streaming.is_some()
    }

    /// Ctrl+C: stops a running `watch`, a `kubectl get -w` stream and a `kubectl
    /// port-forward` holding the terminal. Returns whether one was running.
    pub fn interrupt(&mut self) -> bool {
        // A stream's lines already printed stay on the screen; a watch screen not yet drawn
        // is dropped.
        if self.watching.is_some() {
            self.frame = None;
        }
        let forwards = self.cluster.port_forwards.stop_foreground();
        let streamed = self.stop_stream();
        self.watching.take().is_some() || forwards > 0 || streamed
    }

    /// Ends a running `kubectl get -w`; true when one was running.
    fn stop_stream(&mut self) -> bool {
        match self.streaming.take() {
            Some(stream) => {
                stream.close(&self.cluster);
                true
            }
            None => false,
        }
    }

    /// What to show since the last call: the newest `watch` screen (it starts by clearing
    /// the screen), or the lines a `kubectl get -w` printed.
    pub fn take_frame(&mut self) -> Option<Output> {
        self.frame.take()
    }

    /// The prompt a terminal shows, e.g. `root@m-k8s:~# `, or the container shell's prompt
    /// while attached (`/ # ` for busybox, `root@web:/# ` for Debian-based images).
    pub fn prompt(&self) -> String {
        match &self.attached {
            Some(a) => {
                let base =
                    kubelet_api::image_base(&self.cluster, &a.target.pod, &a.target.container)
                        .unwrap_or_default();
                let cwd = a.bash.display_cwd();
                match base.as_str() {
                    "busybox" | "alpine" => format!("{cwd} # "),
                    "centos" | "oraclelinux" => format!(
                        "[root@{} {}]# ",
                        a.target.pod.name,
                        if cwd == "/" {
                            "/".to_string()
                        } else {
                            cwd.rsplit('/').next().unwrap_or("/").to_string()
                        }
                    ),
                    _ => format!("root@{}:{cwd}# ", a.target.pod.name),
                }
            }
            None => match &self.remote {
                Some(r) => format!("root@{}:{}# ", r.node, r.bash.display_cwd()),
                None => format!(
                    "root@{}:{}# ",
                    self.cluster.client_hostname(),
                    self.bash.display_cwd()
                ),
            },
        }
    }

    /// False while the input still needs lines (open heredoc, quote, `do` without `done`, ...).
    pub fn is_complete(&self, input: &str) -> bool {
        match (&self.attached, &self.remote) {
            (Some(a), _) => a.bash.is_complete(input),
            (None, Some(r)) => r.bash.is_complete(input),
            (None, None) => self.bash.is_complete(input),
        }
    }

    /// Runs one or more lines of input and returns what they printed and the last status.
    pub fn run(&mut self, input: &str) -> (Output, i32) {
        if self.attached.is_some() {
            let (out, status) = self.run_attached(input);
            if self.attached.is_none() {
                // The session's end is the end of the command that attached (`kubectl run
                // -it` returns the container's exit code).
                self.bash.set_last_status(status);
            }
            return (out, status);
        }
        if self.remote.is_some() {
            return self.run_remote(input);
        }
        self.watching = None;
        self.stop_stream();
        if self.live_clock {
            if let Some(interval_ms) = watch_interval_ms(input.trim()) {
                let (out, status) = self.run_plain(input);
                let mut screen = Output::new();
                screen.stdout(ERASE_DISPLAY);
                screen.extend(out);
                if status == 0 {
                    let next_at = self.cluster.now().ms() + interval_ms;
                    self.watching = Some(Watching {
                        line: input.to_string(),
                        interval_ms,
                        next_at,
                    });
                }
                return (screen, status);
            }
        }
        self.run_plain(input)
    }

    fn run_plain(&mut self, input: &str) -> (Output, i32) {
        let mut term = Terminal {
            tty: self.tty,
            attach: None,
            ssh: None,
            live_clock: self.live_clock,
            deadline_unix_ms: None,
            stream: None,
        };
        let mut host = Commands {
            cluster: &mut self.cluster,
            term: &mut term,
        };
        let result = self.bash.run(input, &mut host);
        let here = self.cluster.client_hostname().to_string();
        crate::node_files::sync_runtime_files(&mut self.cluster, &here, self.bash.vfs());
        if let Some(stream) = term.stream.take() {
            self.stop_stream();
            self.streaming = Some(stream);
        }
        if let Some(target) = term.attach.take() {
            self.attach(target);
        }
        if let Some(login) = term.ssh.take() {
            let mut bash = crate::node_files::node_bash(&self.cluster, &login.node);
            bash.set_tty(self.tty);
            self.remote = Some(Remote {
                node: login.node,
                host: login.host,
                bash,
            });
        }
        result
    }

    /// Runs input in the node shell `ssh` opened; `exit` or the node going down returns to
    /// the learner's own shell.
    fn run_remote(&mut self, input: &str) -> (Output, i32) {
        let Some(mut r) = self.remote.take() else {
            return (Output::new(), 0);
        };
        let mut host = crate::tools::ssh::NodeHost::new(&mut self.cluster, &r.node);
        let (mut out, status) = r.bash.run(input, &mut host);
        let closed = host.closed.is_some();
        crate::node_files::sync_runtime_files(&mut self.cluster, &r.node, r.bash.vfs());
        if closed {
            out.stderr(crate::tools::ssh::closed_message(&r.host));
            return (out, 255);
        }
        if let Some(code) = r.bash.exited() {
            let (logout, closed) = crate::tools::ssh::logout_message(&r.host);
            out.stdout(logout);
            out.stderr(closed);
            return (out, code);
        }
        self.remote = Some(r);
        (out, status)
    }

    /// What Tab offers for the word ending at `cursor` (kubectl verbs, types, object names,
    /// commands and files).
    pub fn complete(&self, line: &str, cursor: usize) -> crate::Completion {
        match &self.attached {
            Some(a) => {
                let start = line[..cursor.min(line.len())]
                    .rfind([' ', '\t', ';', '|', '&'])
                    .map(|i| i + 1)
                    .unwrap_or(0);
                crate::Completion {
                    start,
                    candidates: a.bash.complete(line, cursor),
                }
            }
            None => crate::completion::complete(&self.bash, &self.cluster, line, cursor),
        }
    }

    /// True while the terminal is attached to a container's shell.
    pub fn is_attached(&self) -> bool {
        self.attached.is_some()
    }

    fn attach(&mut self, target: AttachTarget) {
        let Ok(files) = kubelet_api::container_files(&self.cluster, &target.pod, &target.container)
        else {
            return;
        };
        // `kubectl exec -t` adds TERM=xterm to the exec'd shell's environment; the main
        // process (run -it, attach) has what the container was created with.
        let exec_tty = target.main.is_none() && self.tty;
        let env = exec::process_env(&self.cluster, &target.pod, &target.container, exec_tty)
            .unwrap_or_default();
        let mut bash = Bash::new();
        bash.set_tty(self.tty);
        *bash.vfs_mut() = exec::files_to_vfs(&files);
        let setup = exec::shell_setup(&env, true);
        let mut host = exec::ContainerHost {
            cluster: &mut self.cluster,
            hostname: target.pod.name.clone(),
            pod: target.pod.clone(),
            container: target.container.clone(),
        };
        let _ = bash.run(&setup, &mut host);
        self.attached = Some(Attached { target, bash });
    }

    fn run_attached(&mut self, input: &str) -> (Output, i32) {
        let Some(mut a) = self.attached.take() else {
            return (Output::new(), 0);
        };
        let (pod, container) = (a.target.pod.clone(), a.target.container.clone());
        if !kubelet_api::is_running(&self.cluster, &pod, &container) {
            let mut out = Output::new();
            return match &a.target.main {
                // The container's process ended (deleted, killed): the attach stream closes.
                Some(main) => {
                    let status =
                        attach::session_ended(&mut self.cluster, &pod, &container, main, &mut out);
                    (out, status)
                }
                None => {
                    out.stderr("command terminated with exit code 137\n");
                    (out, 137)
                }
            };
        }
        let before =
            kubelet_api::container_files(&self.cluster, &pod, &container).unwrap_or_default();
        let mut host = exec::ContainerHost {
            cluster: &mut self.cluster,
            hostname: pod.name.clone(),
            pod: pod.clone(),
            container: container.clone(),
        };
        let (mut out, status) = a.bash.run(input, &mut host);
        if kubelet_api::is_running(&self.cluster, &pod, &container) {
            let after = exec::vfs_to_files(a.bash.vfs(), &before);
            if after != before {
                let _ =
                    kubelet_api::set_container_files(&mut self.cluster, &pod, &container, after);
            }
            let Some(code) = a.bash.exited() else {
                self.attached = Some(a);
                return (out, status);
            };
            // The shell is the container's main process: its exit ends the container.
            if a.target.main.is_some() {
                attach::end_main_process(&mut self.cluster, &pod, &container, code);
            }
        }
        match &a.target.main {
            Some(main) => {
                let status =
                    attach::session_ended(&mut self.cluster, &pod, &container, main, &mut out);
                (out, status)
            }
            // `kubectl exec` returns the shell's exit code (`CodeExitError`).
            None => {
                if status != 0 {
                    out.stderr(format!("command terminated with exit code {status}\n"));
                }
                (out, status)
            }
        }
    }

    /// The terminal's input ended (the end of a script, Ctrl+D): a container shell attached
    /// as the container's main process reads end-of-file and exits, as `exit` would; kubectl's
    /// session ends. `None` when no such shell is attached.
    pub fn end_input(&mut self) -> Option<(Output, i32)> {
        self.attached.as_ref()?.target.main.as_ref()?;
        Some(self.run("exit\n"))
    }

    /// Ctrl+D on an empty line of an interactive terminal: the shell reading the terminal
    /// gets end-of-file and exits as `exit` would (bash's `exit_or_logout`). An attached bash
    /// prints `exit` (BusyBox sh a new line) and its kubectl command ends; a node's login shell
    /// prints `logout` and ssh `Connection to NODE closed.`; the learner's own shell — a login
    /// shell on the control-plane node — prints `logout` and its status is returned (`Some`):
    /// the terminal is over.
    pub fn end_of_file(&mut self) -> (Output, Option<i32>) {
        let mut out = Output::new();
        if let Some(a) = &self.attached {
            let shell = a.target.shell.rsplit('/').next().unwrap_or("");
            out.stderr(if shell == "bash" { "exit\n" } else { "\n" });
            let (o, _) = match self.end_input() {
                Some(r) => r,
                None => self.run("exit\n"),
            };
            out.extend(o);
            return (out, None);
        }
        if self.remote.is_some() {
            let (o, _) = self.run("exit\n");
            out.extend(o);
            return (out, None);
        }
        out.stderr("logout\n");
        let (o, _) = self.run("exit\n");
        out.extend(o);
        (out, self.exited())
    }

    /// `Some(status)` once the learner typed `exit` (outside any container shell).
    pub fn exited(&self) -> Option<i32> {
        if self.attached.is_some() || self.remote.is_some() {
            return None;
        }
        self.bash.exited()
    }

    /// Lets simulated time pass (the page's clock calls this as real time passes); a running
    /// `watch` reruns its command at each of its intervals on the way.
    pub fn advance(&mut self, ms: u64) {
        if self.streaming.is_some() {
            self.advance_stream(ms);
            return;
        }
        let target = self.cluster.now().ms() + ms;
        while let Some(w) = &self.watching {
            if w.next_at > target {
                break;
            }
            let (line, next) = (w.line.clone(), w.next_at + w.interval_ms);
            let step = w.next_at.saturating_sub(self.cluster.now().ms());
            self.cluster.advance(step);
            let (out, _) = self.run_plain(&line);
            let mut screen = Output::new();
            screen.stdout(ERASE_DISPLAY);
            screen.extend(out);
            self.frame = Some(screen);
            if let Some(w) = &mut self.watching {
                w.next_at = next;
            }
        }
        let rest = target.saturating_sub(self.cluster.now().ms());
        self.cluster.advance(rest);
    }

    /// Lets time pass under a running `kubectl get -w`, one due instant at a time, collecting
    /// what it prints; the stream ends at its `timeout` deadline.
    fn advance_stream(&mut self, ms: u64) {
        let Some(mut stream) = self.streaming.take() else {
            return;
        };
        let until = self.cluster.now_unix_ms() + ms;
        let (mut out, mut err) = (String::new(), String::new());
        let going_on = stream.run_until(&mut self.cluster, until, None, &mut out, &mut err);
        if !out.is_empty() || !err.is_empty() {
            let frame = self.frame.get_or_insert_with(Output::new);
            frame.stdout(out);
            frame.stderr(err);
        }
        if going_on {
            self.streaming = Some(stream);
        } else {
            stream.close(&self.cluster);
        }
        let rest = until.saturating_sub(self.cluster.now_unix_ms());
        self.cluster.advance(rest);
    }

    /// The cluster, for views that show its state.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// The cluster, mutably (lessons and tests set things up through it).
    pub fn cluster_mut(&mut self) -> &mut Cluster {
        &mut self.cluster
    }

    /// Writes a file into the learner's virtual filesystem (lessons, tests, the editor).
    pub fn write_file(&mut self, path: &str, content: &str) -> Result<(), String> {
        let abs = self.bash.vfs().resolve(self.bash.cwd(), path);
        if let Some(dir) = abs
            .rsplit_once('/')
            .map(|(d, _)| d)
            .filter(|d| !d.is_empty())
        {
            let _ = self.bash.vfs_mut().mkdir(dir, true);
        }
        self.bash
            .vfs_mut()
            .write(&abs, content)
            .map_err(|e| format!("{abs}: {e}"))
    }

    /// Reads a file of the learner's virtual filesystem.
    pub fn read_file(&self, path: &str) -> Result<String, String> {
        let abs = self.bash.vfs().resolve(self.bash.cwd(), path);
        self.bash
            .vfs()
            .read(&abs)
            .map_err(|e| format!("{abs}: {e}"))
    }

    /// Commands typed so far, oldest first.
    pub fn history(&self) -> &[String] {
        self.bash.history()
    }
}

/// Runs a whole script the way `kubarium shell` does when its input is not a terminal: each
/// command's output goes to `sink` as it is produced, no prompt is printed, and the result is
/// the status of the last command (or the argument of `exit`).
pub fn run_script(
    script: &str,
    opts: &SessionOptions,
    sink: &mut dyn FnMut(Stream, &str),
) -> Result<i32, String> {
    let mut session = Session::new(opts)?;
    let mut status = 0;
    let mut pending = String::new();
    for line in script.split_inclusive('\n') {
        pending.push_str(line);
        if !session.is_complete(&pending) {
            continue;
        }
        let (out, st) = session.run(&pending);
        pending.clear();
        for (s, t) in &out.chunks {
            sink(*s, t);
        }
        status = st;
        if let Some(code) = session.exited() {
            return Ok(code);
        }
    }
    if !pending.trim().is_empty() {
        let (out, st) = session.run(&pending);
        for (s, t) in &out.chunks {
            sink(*s, t);
        }
        status = st;
        if let Some(code) = session.exited() {
            return Ok(code);
        }
    }
    // `kubectl run -it` still attached: its shell reads the end of the script's input.
    if let Some((out, st)) = session.end_input() {
        for (s, t) in &out.chunks {
            sink(*s, t);
        }
        status = st;
    }
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ctrl+D at an interactive terminal ends the innermost shell: the exec'd container bash
    /// (`exit`, kubectl's exit-code line), the node's login shell, then the learner's own.
    #[test]
    fn ctrl_d_ends_the_shell_reading_the_terminal() {
        let mut s = Session::new(&SessionOptions::default()).expect("session");
        s.set_tty(true);
        s.run("kubectl run web --image=nginx\n");
        s.run("sleep 30\n");
        s.run("kubectl exec -it web -- bash\n");
        assert!(s.is_attached());
        s.run("false\n");
        let (out, code) = s.end_of_file();
        assert_eq!(code, None);
        assert!(!s.is_attached());
        assert_eq!(
            out.stderr_text(),
            "exit\ncommand terminated with exit code 1\n"
        );
        s.run("ssh w1-k8s\n");
        let (out, code) = s.end_of_file();
        assert_eq!(code, None);
        assert_eq!(out.combined(), "logout\nConnection to w1-k8s closed.\n");
        assert!(s.prompt().starts_with("root@m-k8s:"), "{}", s.prompt());
        s.run("true\n");
        let (out, code) = s.end_of_file();
        assert_eq!(out.stderr_text(), "logout\n");
        assert_eq!(code, Some(0), "the learner's shell ended");
    }

    /// OpenSSH's goodbye names the host as it was typed; the node's shell knows its name.
    #[test]
    fn ssh_by_address_says_goodbye_to_the_address() {
        let mut s = Session::new(&SessionOptions::default()).expect("session");
        s.run("ssh 192.168.1.101\n");
        let (out, _) = s.run("hostname\n");
        assert_eq!(out.stdout_text(), "w1-k8s\n");
        let (out, code) = s.run("exit\n");
        assert_eq!(code, 0);
        assert_eq!(out.stderr_text(), "Connection to 192.168.1.101 closed.\n");
    }

    #[test]
    fn watch_redraws_as_simulated_time_passes_on_a_live_clock() {
        let mut s = Session::new(&SessionOptions::default()).expect("session");
        s.set_live_clock(true);
        s.run("kubectl run web --image=nginx\n");
        let (first, status) = s.run("watch -n 1 kubectl get pods\n");
        assert_eq!(status, 0);
        assert!(
            first.stdout_text().starts_with(ERASE_DISPLAY),
            "a watch screen starts by clearing the terminal"
        );
        assert!(first.stdout_text().contains("Every 1.0s: kubectl get pods"));
        assert!(s.is_watching());
        s.advance(30_000);
        let frame = s.take_frame().expect("a new screen after 30 s");
        assert!(
            frame.stdout_text().contains("Running"),
            "{}",
            frame.stdout_text()
        );
        assert!(s.take_frame().is_none(), "a screen is handed out once");
        assert!(s.interrupt());
        s.advance(5_000);
        assert!(s.take_frame().is_none(), "Ctrl+C stopped the watch");
    }

    #[test]
    fn get_watch_streams_as_the_live_clock_runs_until_ctrl_c() {
        let mut s = Session::new(&SessionOptions::default()).expect("session");
        s.set_live_clock(true);
        s.run("kubectl create deployment web --image=nginx\n");
        let (first, status) = s.run("kubectl get pods -w\n");
        assert_eq!(status, 0);
        let listed = first.stdout_text();
        assert!(listed.starts_with("NAME "), "{listed}");
        assert!(listed.contains("ContainerCreating"), "{listed}");
        assert!(s.is_streaming());
        s.advance(30_000);
        let rows = s.take_frame().expect("rows printed as the pod started");
        let rows = rows.stdout_text();
        assert!(!rows.contains("NAME"), "no second header: {rows}");
        assert!(
            rows.lines()
                .last()
                .is_some_and(|l| l.contains("1/1") && l.contains("Running")),
            "{rows}"
        );
        assert!(s.take_frame().is_none(), "rows are handed out once");
        assert!(s.interrupt(), "Ctrl+C stops the stream");
        assert!(!s.is_streaming());
        s.run("kubectl scale deployment web --replicas=2\n");
        s.advance(30_000);
        assert!(s.take_frame().is_none(), "nothing streams after Ctrl+C");
    }

    #[test]
    fn timeout_ends_a_live_stream_at_its_deadline() {
        let mut s = Session::new(&SessionOptions::default()).expect("session");
        s.set_live_clock(true);
        let (_, status) = s.run("timeout 5 kubectl get pods -w\n");
        assert_eq!(status, 0);
        assert!(s.is_streaming());
        s.advance(4_000);
        assert!(s.is_streaming());
        s.advance(2_000);
        assert!(!s.is_streaming(), "the stream ended 5 s after it started");
    }

    /// A session at a terminal (the page) with a pod started by `kubectl run -it`.
    fn attached_run(line: &str) -> (Session, Output, i32) {
        let mut s = Session::new(&SessionOptions::default()).expect("session");
        s.set_tty(true);
        let (out, status) = s.run(line);
        (s, out, status)
    }

    #[test]
    fn run_it_on_a_terminal_attaches_to_the_containers_shell() {
        let (mut s, out, status) = attached_run("kubectl run frontend -it --image=centos:7\n");
        assert_eq!(status, 0);
        assert_eq!(
            out.stderr_text(),
            "All commands and output from this session will be recorded in container logs, including credentials and sensitive information passed through the command prompt.\n\
             If you don't see a command prompt, try pressing enter.\n"
        );
        assert!(s.is_attached());
        assert_eq!(s.prompt(), "[root@frontend /]# ");
        let (out, _) = s.run("hostname; echo hi > /tmp/f\n");
        assert_eq!(out.stdout_text(), "frontend\n");
        let (out, _) = s.run("cd /tmp\n");
        assert!(out.chunks.is_empty());
        assert_eq!(s.prompt(), "[root@frontend tmp]# ");
        let (out, _) = s.run("cat f\n");
        assert_eq!(out.stdout_text(), "hi\n", "the file is in the container");
        let (out, status) = s.run("exit\n");
        assert_eq!(status, 0);
        assert_eq!(
            out.stdout_text(),
            "Session ended, resume using 'kubectl attach frontend -c frontend -n default -i -t' command\n"
        );
        assert!(!s.is_attached());
        assert_eq!(s.prompt(), "root@m-k8s:~# ");
        s.advance(2_000);
        let (out, _) = s.run("kubectl get pod frontend --no-headers\n");
        let row = out.stdout_text();
        assert!(row.contains("1/1") && row.contains("Running"), "{row}");
        assert!(row.contains(" 1 ("), "the container restarted once: {row}");
        // The restarted shell reads stdin again: attach to it; the old file is gone.
        let (out, status) = s.run("kubectl attach frontend -c frontend -i -t\n");
        assert_eq!(status, 0, "{}", out.combined());
        assert!(s.is_attached());
        let (out, status) = s.run("cat /tmp/f\n");
        assert_eq!(status, 1);
        assert!(
            out.stderr_text().contains("No such file"),
            "{}",
            out.combined()
        );
    }

    #[test]
    fn run_it_rm_deletes_the_pod_after_the_session() {
        let (mut s, _, _) =
            attached_run("kubectl run bb -it --rm --image=busybox --restart=Never\n");
        assert_eq!(s.prompt(), "/ # ");
        let (out, status) = s.run("exit 3\n");
        assert_eq!(
            status, 3,
            "--restart=Never returns the container's exit code"
        );
        assert_eq!(
            out.combined(),
            "Session ended, resume using 'kubectl attach bb -c bb -n default -i -t' command\n\
             pod \"bb\" deleted from default namespace\n\
             pod default/bb terminated (Error)\n"
        );
        let (out, _) = s.run("echo $?\n");
        assert_eq!(out.stdout_text(), "3\n", "$? is kubectl's status");
        let (out, status) = s.run("kubectl get pod bb\n");
        assert_eq!(status, 1, "{}", out.combined());
    }

    #[test]
    fn a_script_ending_while_attached_closes_the_shells_input() {
        let mut printed = String::new();
        let status = run_script(
            "kubectl run u -it --image=ubuntu --restart=Never\necho inside\nfalse\n",
            &SessionOptions::default(),
            &mut |_, t| printed.push_str(t),
        )
        .expect("script");
        assert!(printed.contains("inside\n"), "{printed}");
        assert_eq!(
            status, 1,
            "bash exits with the status of `false` at end of input"
        );
    }

    #[test]
    fn watch_in_a_script_runs_once() {
        let mut s = Session::new(&SessionOptions::default()).expect("session");
        let (out, _) = s.run("watch kubectl get nodes\n");
        assert!(!out.stdout_text().contains(ERASE_DISPLAY));
        assert!(!s.is_watching());
    }
}
