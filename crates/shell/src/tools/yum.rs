//! `yum` of the learner's CentOS 7 machine (the vagrant preset's `m-k8s`): `yum install
//! PKG... [-y]` from a small table of packages, with yum 3.4.3's texts. An installed
//! package's programs are files under `/usr/bin` of the machine's filesystem, so the shell
//! finds them afterwards (`wget`, `which wget`).

use crate::bash::CommandIo;
use kubarium_engine::Cluster;

/// A package the simulated repositories (or the machine already) hold.
struct Package {
    name: &'static str,
    /// Other names `yum install` accepts for it (what it provides).
    provides: &'static [&'static str],
    /// `EPOCH:VERSION-RELEASE`.
    evr: &'static str,
    repo: &'static str,
    /// Download size as yum prints it (`547 k`).
    size: &'static str,
    /// Size in bytes, for the totals.
    size_bytes: u64,
    installed_bytes: u64,
    /// Programs the package puts in `/usr/bin`.
    programs: &'static [&'static str],
    /// Part of the box image (CentOS 7 minimal plus what the course's Vagrant set-up adds).
    preinstalled: bool,
}

/// The packages Kubarium provides programs for. Versions are CentOS 7.9's last updates.
static PACKAGES: &[Package] = &[
    Package {
        name: "wget",
        provides: &[],
        evr: "0:1.14-18.el7_6.1",
        repo: "base",
        size: "547 k",
        size_bytes: 560_272,
        installed_bytes: 2_055_934,
        programs: &["wget"],
        preinstalled: false,
    },
    Package {
        name: "curl",
        provides: &[],
        evr: "0:7.29.0-59.el7_9.2",
        repo: "updates",
        size: "271 k",
        size_bytes: 277_504,
        installed_bytes: 540_262,
        programs: &["curl"],
        preinstalled: true,
    },
    Package {
        name: "vim-enhanced",
        provides: &["vim"],
        evr: "2:7.4.629-8.el7_9",
        repo: "updates",
        size: "1.1 M",
        size_bytes: 1_107_000,
        installed_bytes: 2_299_000,
        programs: &["vim"],
        preinstalled: true,
    },
    Package {
        name: "iptables",
        provides: &[],
        evr: "0:1.4.21-35.el7",
        repo: "base",
        size: "432 k",
        size_bytes: 442_368,
        installed_bytes: 1_556_976,
        programs: &["iptables"],
        preinstalled: true,
    },
    Package {
        name: "openssh-clients",
        provides: &[],
        evr: "0:7.4p1-23.el7_9",
        repo: "updates",
        size: "655 k",
        size_bytes: 670_720,
        installed_bytes: 2_651_616,
        programs: &["ssh"],
        preinstalled: true,
    },
];

const ARCH: &str = "x86_64";
const RULE: &str =
    "================================================================================";
const MIRRORS: &str = "Loaded plugins: fastestmirror\nLoading mirror speeds from cached hostfile\n * base: mirror.kakao.com\n * extras: mirror.kakao.com\n * updates: mirror.kakao.com\n";

impl Package {
    /// `NAME-VERSION-RELEASE.ARCH` (no epoch), as in rpm file names and progress lines.
    fn nvra(&self) -> String {
        let vr = self.evr.split_once(':').map_or(self.evr, |(_, vr)| vr);
        format!("{}-{vr}.{ARCH}", self.name)
    }
    /// `[EPOCH:]NAME-VERSION-RELEASE.ARCH` as "already installed" prints it (epoch 0 left out).
    fn envra(&self) -> String {
        match self.evr.split_once(':') {
            Some(("0", _)) | None => self.nvra(),
            Some((e, _)) => format!("{e}:{}", self.nvra()),
        }
    }
    fn installed(&self, io: &CommandIo<'_>) -> bool {
        self.preinstalled
            || self
                .programs
                .iter()
                .all(|p| io.vfs.is_file(&format!("/usr/bin/{p}")))
    }
}

fn find(name: &str) -> Option<&'static Package> {
    PACKAGES
        .iter()
        .find(|p| p.name == name || p.provides.contains(&name))
}

/// yum's sizes: `547 k`, `2.0 M` (1024-based, one decimal below 10).
fn human(bytes: u64) -> String {
    let mut v = bytes as f64;
    let mut unit = ' ';
    for u in ['k', 'M', 'G'] {
        if v < 1000.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    if unit == ' ' {
        format!("{bytes}")
    } else if v < 10.0 {
        format!("{v:.1} {unit}")
    } else {
        format!("{v:.0} {unit}")
    }
}

/// A line whose right end (`1/1 `) sits at column 80, as yum's progress lines do.
fn right(left: &str, tail: &str) -> String {
    let pad = 80usize.saturating_sub(left.len() + tail.len()).max(1);
    format!("{left}{}{tail}\n", " ".repeat(pad))
}

/// Runs `yum ARGS…` on the learner's machine. Without `-y` yum's question is answered from
/// standard input (`echo y | yum install wget`); none (a script, or the page, which cannot
/// answer yet) aborts as real yum does at end of input.
pub fn run(cluster: &mut Cluster, args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let mut yes = false;
    let mut words: Vec<&str> = Vec::new();
    for a in args {
        match a.as_str() {
            "-y" | "--assumeyes" => yes = true,
            s if s.starts_with('-') && !s.starts_with("--") && s.len() > 1 => {
                io.out.stderr(format!(
                    "Usage: yum [options] COMMAND\n\nyum: error: no such option: {s}\n"
                ));
                return 1;
            }
            s => words.push(s),
        }
    }
    let Some((&verb, names)) = words.split_first() else {
        io.out.stdout("Loaded plugins: fastestmirror\n");
        io.out.stderr("You need to give some command\n");
        return 1;
    };
    if verb != "install" {
        io.out.stdout("Loaded plugins: fastestmirror\n");
        io.out.stderr(format!(
            "No such command: {verb}. Please use /usr/bin/yum --help\n"
        ));
        return 1;
    }
    io.out.stdout(MIRRORS);
    if names.is_empty() {
        io.out
            .stderr("Error: Need to pass a list of pkgs to install\n Mini usage:\n\ninstall PACKAGE...\n\nInstall a package or packages on your system\n\naliases: install-n, install-na, install-nevra\n");
        return 1;
    }
    let mut todo: Vec<&'static Package> = Vec::new();
    let mut any_known = false;
    for name in names {
        match find(name) {
            None => io.out.stdout(format!("No package {name} available.\n")),
            Some(p) => {
                any_known = true;
                if p.installed(io) {
                    io.out.stdout(format!(
                        "Package {} already installed and latest version\n",
                        p.envra()
                    ));
                } else if !todo.iter().any(|t| t.name == p.name) {
                    todo.push(p);
                }
            }
        }
    }
    if todo.is_empty() {
        if any_known {
            io.out.stdout("Nothing to do\n");
            return 0;
        }
        io.out.stderr("Error: Nothing to do\n");
        return 1;
    }
    todo.sort_by(|a, b| a.name.cmp(b.name));
    let mut text = String::from("Resolving Dependencies\n--> Running transaction check\n");
    for p in &todo {
        text += &format!(
            "---> Package {}.{ARCH} {} will be installed\n",
            p.name, p.evr
        );
    }
    text += "--> Finished Dependency Resolution\n\nDependencies Resolved\n\n";
    text += &format!("{RULE}\n Package        Arch             Version                   Repository      Size\n{RULE}\nInstalling:\n");
    for p in &todo {
        let vr = p
            .evr
            .split_once(':')
            .map_or(p.evr, |(e, vr)| if e == "0" { vr } else { p.evr });
        text += &format!(
            " {:<14} {:<16} {:<25} {:<9} {:>10}\n",
            p.name, ARCH, vr, p.repo, p.size
        );
    }
    let n = todo.len();
    let total: u64 = todo.iter().map(|p| p.size_bytes).sum();
    let installed: u64 = todo.iter().map(|p| p.installed_bytes).sum();
    text += &format!(
        "\nTransaction Summary\n{RULE}\nInstall  {n} Package{}\n\nTotal download size: {}\nInstalled size: {}\n",
        if n == 1 { "" } else { "s" },
        human(total),
        human(installed)
    );
    io.out.stdout(text);
    if !yes {
        io.out.stdout("Is this ok [y/d/N]: ");
        let answer = io
            .stdin
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if answer != "y" && answer != "yes" {
            let secs = (cluster.now_unix_ms() / 1000) as i64;
            let stamp = crate::bash::builtins::sys::format_date(secs, "%Y-%m-%d.%H-%M");
            let tag = cluster.api().rng().suffix("yum-save-tx", 6);
            io.out.stdout(format!(
                "Exiting on user command\nYour transaction was saved, rerun it with:\n yum load-transaction /tmp/yum_save_tx.{stamp}.{tag}.yumtx\n"
            ));
            return 1;
        }
    }
    let mut text = String::from("Downloading packages:\n");
    for (i, p) in todo.iter().enumerate() {
        let file = format!("{}.rpm", p.nvra());
        let label = if n == 1 {
            file
        } else {
            format!("({}/{n}): {file}", i + 1)
        };
        text += &format!(
            "{label:<59}| {:>6}  00:00:00     \n",
            format!("{}B", p.size)
        );
    }
    if n > 1 {
        text +=
            "--------------------------------------------------------------------------------\n";
        // All of it in one (simulated) second.
        let size = format!("{}B", human(total));
        text += &format!(
            "{:<48}{:>10} | {size:>6}  00:00:01     \n",
            "Total",
            format!("{size}/s")
        );
    }
    text += "Running transaction check\nRunning transaction test\nTransaction test succeeded\nRunning transaction\n";
    for (i, p) in todo.iter().enumerate() {
        text += &right(
            &format!("  Installing : {}", p.nvra()),
            &format!("{}/{n} ", i + 1),
        );
    }
    for (i, p) in todo.iter().enumerate() {
        text += &right(
            &format!("  Verifying  : {}", p.nvra()),
            &format!("{}/{n} ", i + 1),
        );
    }
    text += "\nInstalled:\n ";
    for p in &todo {
        text += &format!(" {}.{ARCH} {}", p.name, p.evr);
    }
    text += "\n\nComplete!\n";
    for p in &todo {
        for prog in p.programs {
            let _ = io.vfs.mkdir("/usr/bin", true);
            let _ = io.vfs.write(&format!("/usr/bin/{prog}"), "\u{7f}ELF\n");
        }
    }
    io.out.stdout(text);
    0
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_as_yum_prints_them() {
        assert_eq!(super::human(560_272), "547 k");
        assert_eq!(super::human(2_055_934), "2.0 M");
    }
}
