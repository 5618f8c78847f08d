//! `systemctl` on a node (systemd 255, Ubuntu 24.04): `stop|start|restart|status|is-active`
//! for `kubelet` (the unit the node's fate hangs on) and `containerd` (a (re)start reads
//! `/etc/containerd/config.toml` again, see `kubarium_engine::kubelet::registry`; a stop
//! leaves the containers to their shims, see `kubarium_engine::kubelet::runtime_state`);
//! `status containerd` ends with the unit's last 10 journal lines, as `journalctl -u` shows
//! them; `daemon-reload`, `enable` and `disable` are accepted as no-ops.

use crate::bash::Vfs;
use crate::output::Output;
use kubarium_engine::kubelet::registry::NodeRuntime;
use kubarium_engine::kubelet::service::{NodeService, ServiceState};
use kubarium_engine::sim::clock::civil_from_days;
use kubarium_engine::{Cluster, SimTime};

/// The units a node has that `systemctl` knows about.
const UNITS: &[&str] = &["kubelet", "containerd"];

fn unit_name(arg: &str) -> String {
    if arg.contains('.') {
        arg.to_string()
    } else {
        format!("{arg}.service")
    }
}

fn known(unit: &str) -> Option<&'static str> {
    let base = unit.strip_suffix(".service")?;
    UNITS.iter().copied().find(|u| *u == base)
}

/// Runs `systemctl ARGS…` on `node`, whose files are `vfs`; returns the exit status.
pub fn run(cluster: &mut Cluster, node: &str, vfs: &Vfs, args: &[String], out: &mut Output) -> i32 {
    let words: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let Some((&verb, units)) = words.split_first() else {
        out.stderr("Too few arguments.\n");
        return 1;
    };
    match verb {
        "daemon-reload" => 0,
        "stop" | "start" | "restart" | "enable" | "disable" => {
            if units.is_empty() {
                out.stderr("Too few arguments.\n");
                return 1;
            }
            for u in units {
                let unit = unit_name(u);
                let Some(base) = known(&unit) else {
                    let verb_word = match verb {
                        "stop" => "stop",
                        "start" => "start",
                        "restart" => "restart",
                        "enable" => "enable",
                        _ => "disable",
                    };
                    if verb == "enable" || verb == "disable" {
                        out.stderr(format!(
                            "Failed to {verb_word} unit: Unit file {unit} does not exist.\n"
                        ));
                    } else if verb == "stop" {
                        out.stderr(format!(
                            "Failed to {verb_word} {unit}: Unit {unit} not loaded.\n"
                        ));
                    } else {
                        out.stderr(format!(
                            "Failed to {verb_word} {unit}: Unit {unit} not found.\n"
                        ));
                    }
                    return 5;
                };
                if verb == "enable" || verb == "disable" {
                    continue;
                }
                if base == "containerd" {
                    let status = containerd_job(cluster, node, vfs, verb, &unit, out);
                    if status != 0 {
                        return status;
                    }
                    continue;
                }
                let r = match verb {
                    "stop" => cluster.stop_kubelet(node),
                    "start" => cluster.start_kubelet(node),
                    _ => cluster.restart_kubelet(node),
                };
                if let Err(e) = r {
                    out.stderr(format!("Failed to {verb} {unit}: {e}\n"));
                    return 1;
                }
            }
            0
        }
        "is-active" => {
            let mut status = 0;
            for u in units {
                let unit = unit_name(u);
                let active = match known(&unit) {
                    Some("kubelet") => cluster
                        .node_service(node)
                        .is_some_and(NodeService::is_running),
                    Some(_) => cluster
                        .kubelet_mut(node)
                        .is_none_or(|k| k.containerd().is_running()),
                    None => false,
                };
                out.stdout(if active { "active\n" } else { "inactive\n" });
                if !active {
                    status = 3;
                }
            }
            status
        }
        "status" => {
            if units.is_empty() {
                out.stderr("Kubarium: systemctl status needs a unit (kubelet, containerd).\n");
                return 1;
            }
            let mut status = 0;
            for (i, u) in units.iter().enumerate() {
                let unit = unit_name(u);
                if i > 0 {
                    out.stdout("\n");
                }
                match known(&unit) {
                    Some("kubelet") => {
                        let svc = cluster.node_service(node).cloned().unwrap_or_default();
                        let now = cluster.now();
                        out.stdout(kubelet_status(node, &svc, now));
                        if !svc.is_running() {
                            status = 3;
                        }
                    }
                    Some(_) => {
                        let now = cluster.now();
                        let journal = crate::tools::journalctl::unit_entries(
                            cluster,
                            node,
                            kubarium_engine::kubelet::journal::Unit::Containerd,
                        );
                        let host = crate::node_files::os_hostname(node).to_string();
                        let tail: Vec<String> = journal
                            .iter()
                            .skip(journal.len().saturating_sub(10))
                            .map(|e| crate::tools::journalctl::short_line(&host, e))
                            .collect();
                        if let Some(k) = cluster.kubelet_mut(node) {
                            let rt = k.containerd();
                            out.stdout(containerd_status(rt, now, &tail));
                            if !rt.is_running() {
                                status = 3;
                            }
                        }
                    }
                    None => {
                        out.stderr(format!("Unit {unit} could not be found.\n"));
                        status = 4;
                    }
                }
            }
            status
        }
        other => {
            out.stderr(format!("Unknown command verb '{other}'.\n"));
            1
        }
    }
}

const KUBELET_ARGS: &str = "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml --container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.10.1";

fn kubelet_status(node: &str, svc: &NodeService, now: SimTime) -> String {
    let mut s = String::new();
    let running = svc.is_running();
    s.push_str(&format!(
        "{} kubelet.service - kubelet: The Kubernetes Node Agent\n",
        if running { "●" } else { "○" }
    ));
    s.push_str(
        "     Loaded: loaded (/usr/lib/systemd/system/kubelet.service; enabled; preset: enabled)\n",
    );
    s.push_str("    Drop-In: /usr/lib/systemd/system/kubelet.service.d\n");
    s.push_str("             └─10-kubeadm.conf\n");
    let ran_ms = if running {
        now.ms() - svc.started_at.ms()
    } else {
        svc.since.ms().saturating_sub(svc.started_at.ms())
    };
    // About 2 % of a CPU while it runs.
    let cpu = timespan(ran_ms / 50);
    if running {
        s.push_str(&format!(
            "     Active: active (running) since {}; {}\n",
            timestamp(svc.since),
            relative(now.ms() - svc.since.ms())
        ));
        s.push_str("       Docs: https://kubernetes.io/docs/\n");
        s.push_str(&format!("   Main PID: {} (kubelet)\n", svc.pid));
        s.push_str("      Tasks: 11 (limit: 2271)\n");
        s.push_str("     Memory: 38.2M (peak: 40.1M)\n");
        s.push_str(&format!("        CPU: {cpu}\n"));
        s.push_str("     CGroup: /system.slice/kubelet.service\n");
        s.push_str(&format!(
            "             └─{} /usr/bin/kubelet {KUBELET_ARGS}\n",
            svc.pid
        ));
        s.push('\n');
        s.push_str(&format!(
            "{} {node} systemd[1]: Started kubelet.service - kubelet: The Kubernetes Node Agent.\n",
            journal_time(svc.since)
        ));
    } else if svc.state == ServiceState::Stopped {
        s.push_str(&format!(
            "     Active: inactive (dead) since {}; {}\n",
            timestamp(svc.since),
            relative(now.ms() - svc.since.ms())
        ));
        s.push_str(&format!("   Duration: {}\n", timespan(ran_ms)));
        s.push_str("       Docs: https://kubernetes.io/docs/\n");
        s.push_str(&format!("    Process: {} ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS (code=exited, status=0/SUCCESS)\n", svc.pid));
        s.push_str(&format!(
            "   Main PID: {} (code=exited, status=0/SUCCESS)\n",
            svc.pid
        ));
        s.push_str(&format!("        CPU: {cpu}\n"));
        s.push('\n');
        let t = journal_time(svc.since);
        s.push_str(&format!("{t} {node} systemd[1]: Stopping kubelet.service - kubelet: The Kubernetes Node Agent...\n"));
        s.push_str(&format!(
            "{t} {node} systemd[1]: kubelet.service: Deactivated successfully.\n"
        ));
        s.push_str(&format!(
            "{t} {node} systemd[1]: Stopped kubelet.service - kubelet: The Kubernetes Node Agent.\n"
        ));
    }
    s
}

/// `systemctl start|stop|restart containerd`: a (re)start reads the node's runtime files
/// (config.toml) again; a stop leaves the running containers to their shims.
fn containerd_job(
    cluster: &mut Cluster,
    node: &str,
    vfs: &Vfs,
    verb: &str,
    unit: &str,
    out: &mut Output,
) -> i32 {
    if verb == "stop" {
        if let Err(e) = cluster.stop_containerd(node) {
            out.stderr(format!("Failed to stop {unit}: {e}\n"));
            return 1;
        }
        return 0;
    }
    crate::node_files::sync_runtime_files(cluster, node, vfs);
    match cluster.restart_containerd(node, verb == "start") {
        Err(e) => {
            out.stderr(format!("Failed to {verb} {unit}: {e}\n"));
            1
        }
        Ok(Err(_)) => {
            out.stderr(format!("Job for {unit} failed because the control process exited with error code.\nSee \"systemctl status {unit}\" and \"journalctl -xeu {unit}\" for details.\n"));
            1
        }
        Ok(Ok(())) => 0,
    }
}

/// The lines of a containerd unit whose main process has exited with `status`.
fn exited(s: &mut String, pid: u32, status: &str) {
    s.push_str("       Docs: https://containerd.io\n");
    s.push_str(&format!(
        "    Process: {} ExecStartPre=/sbin/modprobe overlay (code=exited, status=0/SUCCESS)\n",
        pid - 1
    ));
    s.push_str(&format!(
        "    Process: {pid} ExecStart=/usr/bin/containerd (code=exited, status={status})\n"
    ));
    s.push_str(&format!(
        "   Main PID: {pid} (code=exited, status={status})\n"
    ));
}

fn containerd_status(rt: &NodeRuntime, now: SimTime, journal: &[String]) -> String {
    let mut s = String::new();
    let pid = rt.pid();
    let loaded = "     Loaded: loaded (/usr/lib/systemd/system/containerd.service; enabled; preset: enabled)\n";
    if rt.is_stopped() {
        let since = rt.stopped_at();
        s.push_str("○ containerd.service - containerd container runtime\n");
        s.push_str(loaded);
        s.push_str(&format!(
            "     Active: inactive (dead) since {}; {}\n",
            timestamp(since),
            relative(now.ms() - since.ms())
        ));
        s.push_str(&format!(
            "   Duration: {}\n",
            timespan(since.ms().saturating_sub(rt.started_at().ms()))
        ));
        exited(&mut s, pid, "0/SUCCESS");
    } else if !rt.is_running() {
        let since = rt.stopped_at();
        s.push_str("× containerd.service - containerd container runtime\n");
        s.push_str(loaded);
        s.push_str(&format!(
            "     Active: activating (auto-restart) (Result: exit-code) since {}; {}\n",
            timestamp(since),
            relative(now.ms() - since.ms())
        ));
        exited(&mut s, pid, "1/FAILURE");
    } else {
        let since = rt.started_at();
        s.push_str("● containerd.service - containerd container runtime\n");
        s.push_str(loaded);
        s.push_str(&format!(
            "     Active: active (running) since {}; {}\n",
            timestamp(since),
            relative(now.ms() - since.ms())
        ));
        s.push_str("       Docs: https://containerd.io\n");
        s.push_str(&format!("   Main PID: {pid} (containerd)\n"));
        s.push_str("     CGroup: /system.slice/containerd.service\n");
        s.push_str(&format!("             └─{pid} /usr/bin/containerd\n"));
    }
    if !journal.is_empty() {
        s.push('\n');
        for line in journal {
            s.push_str(line);
            s.push('\n');
        }
    }
    s
}

const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

fn civil(t: SimTime) -> (i64, u32, u32, u64, &'static str) {
    let secs = t.unix_secs();
    let days = secs.div_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    (
        y,
        m,
        d,
        secs.rem_euclid(86_400) as u64,
        WEEKDAYS[days.rem_euclid(7) as usize],
    )
}

/// systemd's timestamp: `Mon 2026-11-23 09:00:00 UTC`.
fn timestamp(t: SimTime) -> String {
    let (y, m, d, sod, wd) = civil(t);
    format!(
        "{wd} {y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

/// The journal's short timestamp: `Nov 23 09:00:00`.
fn journal_time(t: SimTime) -> String {
    kubarium_engine::kubelet::journal::short_time(t.ms() * 1_000_000)
}

/// `format_timestamp_relative`: `5s ago`, `1min 30s ago`, `10min ago`, `1h 5min ago`, `7h ago`,
/// `1 day 2h ago`, `3 days ago`, `2 weeks 1 day ago`.
fn relative(ms: u64) -> String {
    let s = ms / 1000;
    let (min, h, day, week) = (60, 3600, 86_400, 604_800);
    let text = if s >= 4 * week {
        format!("{} weeks ago", s / week)
    } else if s >= week {
        let days = s % week / day;
        if days > 0 {
            format!(
                "{} week{} {days} day{} ago",
                s / week,
                if s / week > 1 { "s" } else { "" },
                if days > 1 { "s" } else { "" }
            )
        } else {
            format!(
                "{} week{} ago",
                s / week,
                if s / week > 1 { "s" } else { "" }
            )
        }
    } else if s >= 2 * day {
        format!("{} days ago", s / day)
    } else if s >= 25 * h {
        format!("1 day {}h ago", (s - day) / h)
    } else if s >= 6 * h {
        format!("{}h ago", s / h)
    } else if s >= h {
        format!("{}h {}min ago", s / h, s % h / min)
    } else if s >= 5 * min {
        format!("{}min ago", s / min)
    } else if s >= min {
        format!("{}min {}s ago", s / min, s % min)
    } else if s >= 1 {
        format!("{s}s ago")
    } else if ms >= 1 {
        format!("{ms}ms ago")
    } else {
        "now".to_string()
    };
    text
}

use kubarium_engine::kubelet::journal::systemd_timespan as timespan;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systemd_formats_spans_and_relative_times() {
        assert_eq!(timespan(400_143), "6min 40.143s");
        assert_eq!(timespan(600_000), "10min");
        assert_eq!(timespan(3_723_000), "1h 2min 3s");
        assert_eq!(relative(5_000), "5s ago");
        assert_eq!(relative(90_000), "1min 30s ago");
        assert_eq!(relative(600_000), "10min ago");
        assert_eq!(relative(3_900_000), "1h 5min ago");
        assert_eq!(relative(15 * 86_400_000), "2 weeks 1 day ago");
    }

    #[test]
    fn timestamps_read_like_systemd() {
        // Simulated time 0 is Mon 2026-11-23 09:00:00 UTC.
        assert_eq!(timestamp(SimTime::ZERO), "Mon 2026-11-23 09:00:00 UTC");
        assert_eq!(journal_time(SimTime::from_secs(61)), "Nov 23 09:01:01");
    }
}
