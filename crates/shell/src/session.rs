//! A terminal session: one simulated cluster, one bash, the commands in between.
//!
//! This is the single entry point shared by the native `kubarium shell`, the scenario tests
//! and the web page, so all three behave identically.

use crate::bash::{Bash, CommandIo, Host};
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
        Self { preset: "vagrant".into(), seed: 1 }
    }
}

/// A learner's terminal attached to a simulated cluster.
pub struct Session {
    cluster: Cluster,
    bash: Bash,
}

/// The commands outside bash, run against the cluster.
struct Commands<'a> {
    cluster: &'a mut Cluster,
}

impl Host for Commands<'_> {
    fn exec(&mut self, argv: &[String], io: &mut CommandIo<'_>) -> Option<i32> {
        let status = crate::commands::run(self.cluster, argv, io);
        // The cluster reacts to what the command wrote at once (in simulated time).
        self.cluster.settle();
        status
    }
    fn sleep(&mut self, ms: u64) {
        self.cluster.advance(ms);
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
        Ok(Session { bash: crate::kubectl::config::with_kubeconfig(Bash::new(), &cluster), cluster })
    }

    /// The prompt a terminal shows, e.g. `root@m-k8s:~# `.
    pub fn prompt(&self) -> String {
        format!("root@{}:{}# ", self.cluster.client_hostname(), self.bash.display_cwd())
    }

    /// False while the input still needs lines (open heredoc, quote, `do` without `done`, ...).
    pub fn is_complete(&self, input: &str) -> bool {
        self.bash.is_complete(input)
    }

    /// Runs one or more lines of input and returns what they printed and the last status.
    pub fn run(&mut self, input: &str) -> (Output, i32) {
        let mut host = Commands { cluster: &mut self.cluster };
        self.bash.run(input, &mut host)
    }

    /// `Some(status)` once the learner typed `exit`.
    pub fn exited(&self) -> Option<i32> {
        self.bash.exited()
    }

    /// Lets simulated time pass (the page's clock calls this as real time passes).
    pub fn advance(&mut self, ms: u64) {
        self.cluster.advance(ms);
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
        if let Some(dir) = abs.rsplit_once('/').map(|(d, _)| d).filter(|d| !d.is_empty()) {
            let _ = self.bash.vfs_mut().mkdir(dir, true);
        }
        self.bash.vfs_mut().write(&abs, content).map_err(|e| format!("{abs}: {e}"))
    }

    /// Reads a file of the learner's virtual filesystem.
    pub fn read_file(&self, path: &str) -> Result<String, String> {
        let abs = self.bash.vfs().resolve(self.bash.cwd(), path);
        self.bash.vfs().read(&abs).map_err(|e| format!("{abs}: {e}"))
    }

    /// Commands typed so far, oldest first.
    pub fn history(&self) -> &[String] {
        self.bash.history()
    }
}

/// Runs a whole script the way `kubarium shell` does when its input is not a terminal: each
/// command's output goes to `sink` as it is produced, no prompt is printed, and the result is
/// the status of the last command (or the argument of `exit`).
pub fn run_script(script: &str, opts: &SessionOptions, sink: &mut dyn FnMut(Stream, &str)) -> Result<i32, String> {
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
    Ok(status)
}
