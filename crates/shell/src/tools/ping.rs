//! `ping`: ICMP echo across the simulated network, printed as iputils 20240117 (nodes, and
//! Debian/Ubuntu/CentOS images) or BusyBox (busybox, alpine) prints it. Round-trip times
//! come from a seeded stream, sized by the hops on the way (a local address answers in tens
//! of microseconds, another VM in about half a millisecond); each probe waits a simulated
//! second. A ClusterIP answers only under IPVS (its address sits on `kube-ipvs0`); under
//! iptables it is a DNAT rule for TCP/UDP ports, so pings to it are lost, as on a real node.

use crate::output::Output;
use kubarium_engine::network::request::{Origin, PingReply};
use kubarium_engine::Cluster;
use std::net::Ipv4Addr;

/// Which ping prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    Iputils,
    Busybox,
}

/// How long ping waits for late replies after its last probe when none came back.
const LINGER_MS: u64 = 10_000;

/// Runs `ping ARGS…` from `origin`.
pub fn run(
    cluster: &mut Cluster,
    origin: &Origin,
    flavor: Flavor,
    args: &[String],
    out: &mut Output,
) -> i32 {
    let mut count: Option<u32> = None;
    let mut interval_ms = 1000u64;
    let mut quiet = false;
    let mut target: Option<String> = None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let value = |i: &mut usize| {
            *i += 1;
            args.get(*i).cloned()
        };
        match a {
            "-c" => match value(&mut i).and_then(|v| v.parse::<u32>().ok()) {
                Some(n) if n > 0 => count = Some(n),
                _ => return usage(flavor, out, "invalid argument"),
            },
            "-i" => match value(&mut i).and_then(|v| v.parse::<f64>().ok()) {
                Some(s) if s > 0.0 => interval_ms = (s * 1000.0) as u64,
                _ => return usage(flavor, out, "invalid argument"),
            },
            "-W" | "-w" | "-s" | "-t" => {
                value(&mut i);
            }
            "-q" => quiet = true,
            "-n" | "-4" => {}
            s if s.starts_with("-c") && s.len() > 2 => match s[2..].parse::<u32>() {
                Ok(n) if n > 0 => count = Some(n),
                _ => return usage(flavor, out, "invalid argument"),
            },
            s if s.starts_with('-') => {
                return usage(flavor, out, &format!("invalid option -- '{}'", &s[1..]))
            }
            s => target = Some(s.to_string()),
        }
        i += 1;
    }
    let Some(target) = target else {
        return usage(flavor, out, "usage error: Destination address required");
    };
    let Some(ip) = cluster.resolve_host(origin, &target) else {
        match flavor {
            Flavor::Iputils => out.stderr(format!("ping: {target}: Name or service not known\n")),
            Flavor::Busybox => out.stderr(format!("ping: bad address '{target}'\n")),
        }
        return if flavor == Flavor::Iputils { 2 } else { 1 };
    };
    // Without -c ping runs until Ctrl-C; the simulation sends four probes and stops as if
    // interrupted then.
    let interrupted = count.is_none();
    let n = count.unwrap_or(4);
    let by_name = target.parse::<Ipv4Addr>().is_err();
    let shown = if by_name {
        format!("{target} ({ip})")
    } else {
        ip.to_string()
    };
    match flavor {
        Flavor::Iputils => out.stdout(format!("PING {target} ({ip}) 56(84) bytes of data.\n")),
        Flavor::Busybox => out.stdout(format!("PING {target} ({ip}): 56 data bytes\n")),
    }
    let mut rtts: Vec<u64> = Vec::new();
    for seq in 0..n {
        if seq > 0 {
            cluster.advance(interval_ms);
        }
        match cluster.ping(origin, ip) {
            PingReply::Reply { ttl, hops } => {
                let us = rtt_micros(cluster, hops, seq == 0);
                rtts.push(us);
                if !quiet {
                    match flavor {
                        Flavor::Iputils => out.stdout(format!(
                            "64 bytes from {shown}: icmp_seq={} ttl={ttl} time={}\n",
                            seq + 1,
                            iputils_time(us)
                        )),
                        Flavor::Busybox => out.stdout(format!(
                            "64 bytes from {ip}: seq={seq} ttl={ttl} time={}.{:03} ms\n",
                            us / 1000,
                            us % 1000
                        )),
                    }
                }
            }
            PingReply::Lost => {}
        }
    }
    let received = rtts.len() as u32;
    if received == 0 {
        cluster.advance(LINGER_MS);
    }
    let loss = (n - received) * 100 / n;
    let elapsed = (n as u64 - 1) * interval_ms
        + if received == 0 {
            cluster.api().rng().below("ping", 60) + 20
        } else {
            cluster.api().rng().below("ping", 4) + 1
        };
    if interrupted && flavor == Flavor::Iputils {
        out.stdout("^C\n");
    }
    match flavor {
        Flavor::Iputils => {
            out.stdout(format!(
                "\n--- {target} ping statistics ---\n{n} packets transmitted, {received} received, {loss}% packet loss, time {elapsed}ms\n"
            ));
            if received > 0 {
                let (min, avg, max, mdev) = stats(&rtts);
                out.stdout(format!(
                    "rtt min/avg/max/mdev = {}/{}/{}/{} ms\n",
                    ms3(min),
                    ms3(avg),
                    ms3(max),
                    ms3(mdev)
                ));
            } else {
                out.stdout("\n");
            }
        }
        Flavor::Busybox => {
            out.stdout(format!(
                "\n--- {target} ping statistics ---\n{n} packets transmitted, {received} packets received, {loss}% packet loss\n"
            ));
            if received > 0 {
                let (min, avg, max, _) = stats(&rtts);
                out.stdout(format!(
                    "round-trip min/avg/max = {}/{}/{} ms\n",
                    ms3(min),
                    ms3(avg),
                    ms3(max)
                ));
            }
        }
    }
    i32::from(received == 0)
}

fn usage(flavor: Flavor, out: &mut Output, why: &str) -> i32 {
    match flavor {
        Flavor::Iputils => {
            out.stderr(format!("ping: {why}\n"));
            2
        }
        Flavor::Busybox => {
            out.stderr("BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n\nUsage: ping [OPTIONS] HOST\n");
            1
        }
    }
}

/// A round trip in microseconds: tens of microseconds on the same machine, about half a
/// millisecond per VM crossed; the first probe also waits for ARP.
fn rtt_micros(cluster: &mut Cluster, hops: u8, first: bool) -> u64 {
    let rng = cluster.api().rng();
    let base = match hops {
        0 => 25 + rng.below("ping", 50),
        1 => 60 + rng.below("ping", 90),
        _ => 380 + rng.below("ping", 700) + (hops as u64 - 2) * 120,
    };
    if first && hops > 0 {
        base * 2 + rng.below("ping", 200)
    } else {
        base
    }
}

/// iputils' reply time: three decimals below 1 ms, two below 10, one below 100.
fn iputils_time(us: u64) -> String {
    if us >= 100_000 - 50 {
        format!("{} ms", (us + 500) / 1000)
    } else if us >= 10_000 - 5 {
        format!("{}.{:01} ms", (us + 50) / 1000, ((us + 50) % 1000) / 100)
    } else if us >= 1000 {
        format!("{}.{:02} ms", (us + 5) / 1000, ((us + 5) % 1000) / 10)
    } else {
        format!("{}.{:03} ms", us / 1000, us % 1000)
    }
}

fn ms3(us: u64) -> String {
    format!("{}.{:03}", us / 1000, us % 1000)
}

/// (min, avg, max, mdev) in microseconds; mdev is the standard deviation iputils prints.
fn stats(rtts: &[u64]) -> (u64, u64, u64, u64) {
    let n = rtts.len() as f64;
    let min = rtts.iter().copied().min().unwrap_or(0);
    let max = rtts.iter().copied().max().unwrap_or(0);
    let sum: f64 = rtts.iter().map(|&x| x as f64).sum();
    let sum2: f64 = rtts.iter().map(|&x| (x as f64) * (x as f64)).sum();
    let avg = sum / n;
    let mdev = (sum2 / n - avg * avg).max(0.0).sqrt();
    (min, avg as u64, max, mdev as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_times_print_like_iputils() {
        assert_eq!(iputils_time(45), "0.045 ms");
        assert_eq!(iputils_time(1234), "1.23 ms");
        assert_eq!(iputils_time(12_345), "12.3 ms");
        assert_eq!(iputils_time(123_456), "123 ms");
        assert_eq!(stats(&[100, 300]), (100, 200, 300, 100));
    }
}
