//! `vagrant up|halt|reload|status [NAME]`: the host side of the cluster's machines (seed
//! 000 builds its cluster with Vagrant and VirtualBox). It is how a learner powers a node back
//! on after `poweroff`; `vagrant up` returns once the machine has booted, as the real one
//! does.

use crate::output::Output;
use kubarium_engine::Cluster;

/// Runs `vagrant ARGS…`; returns the exit status.
pub fn run(cluster: &mut Cluster, args: &[String], out: &mut Output) -> i32 {
    let words: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let Some((&verb, names)) = words.split_first() else {
        out.stdout("Usage: vagrant [options] <command> [<args>]\n");
        return 1;
    };
    let all: Vec<String> = cluster
        .preset()
        .nodes
        .iter()
        .map(|n| n.name.clone())
        .collect();
    let machines: Vec<String> = if names.is_empty() {
        all.clone()
    } else {
        let mut picked = Vec::new();
        for n in names {
            if !all.iter().any(|a| a == n) {
                out.stderr(format!(
                    "The machine with the name '{n}' was not found configured for\nthis Vagrant environment.\n"
                ));
                return 1;
            }
            picked.push(n.to_string());
        }
        picked
    };
    match verb {
        "status" => {
            out.stdout("Current machine states:\n\n");
            for m in &machines {
                let state = if cluster.node_service(m).is_some_and(|s| s.is_powered()) {
                    "running"
                } else {
                    "poweroff"
                };
                out.stdout(format!("{m:<25} {state} (virtualbox)\n"));
            }
            if machines.len() > 1 {
                out.stdout("\nThis environment represents multiple VMs. The VMs are all listed\nabove with their current state. For more information about a specific\nVM, run `vagrant status NAME`.\n");
            }
            0
        }
        "up" => {
            for m in &machines {
                out.stdout(format!(
                    "Bringing machine '{m}' up with 'virtualbox' provider...\n"
                ));
            }
            let mut last_boot = None;
            for m in &machines {
                match cluster.power_on(m) {
                    Ok(Some(at)) => {
                        out.stdout(format!("==> {m}: Clearing any previously set forwarded ports...\n==> {m}: Booting VM...\n==> {m}: Waiting for machine to boot. This may take a few minutes...\n"));
                        last_boot = last_boot.max(Some(at));
                    }
                    Ok(None) => out.stdout(format!(
                        "==> {m}: Machine already provisioned. Run `vagrant provision` or use the `--provision`\n==> {m}: flag to force provisioning. Provisioners marked to run always will still run.\n"
                    )),
                    Err(e) => {
                        out.stderr(format!("{e}\n"));
                        return 1;
                    }
                }
            }
            if let Some(at) = last_boot {
                let wait = at.ms().saturating_sub(cluster.now().ms());
                cluster.advance(wait);
                for m in &machines {
                    out.stdout(format!("==> {m}: Machine booted and ready!\n"));
                }
            }
            0
        }
        "halt" => {
            for m in machines.iter().rev() {
                if cluster.node_service(m).is_some_and(|s| s.is_powered()) {
                    out.stdout(format!("==> {m}: Attempting graceful shutdown of VM...\n"));
                    if let Err(e) = cluster.power_off(m) {
                        out.stderr(format!("{e}\n"));
                        return 1;
                    }
                }
            }
            0
        }
        "reload" => {
            let mut last = None;
            for m in &machines {
                out.stdout(format!("==> {m}: Attempting graceful shutdown of VM...\n"));
                let r = if cluster.node_service(m).is_some_and(|s| s.is_powered()) {
                    cluster.reboot(m).map(Some)
                } else {
                    cluster.power_on(m)
                };
                match r {
                    Ok(at) => last = last.max(at),
                    Err(e) => {
                        out.stderr(format!("{e}\n"));
                        return 1;
                    }
                }
                out.stdout(format!("==> {m}: Booting VM...\n"));
            }
            if let Some(at) = last {
                let wait = at.ms().saturating_sub(cluster.now().ms());
                cluster.advance(wait);
            }
            for m in &machines {
                out.stdout(format!("==> {m}: Machine booted and ready!\n"));
            }
            0
        }
        other => {
            out.stderr(format!(
                "Kubarium simulates vagrant up, halt, reload and status; not `vagrant {other}`.\n"
            ));
            1
        }
    }
}
