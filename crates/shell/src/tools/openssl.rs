//! The `openssl` subset the Ingress TLS labs use, as OpenSSL 3.0 on the nodes' Ubuntu 24.04
//! prints it: `genrsa`, `req -x509` (with `-newkey` or `-key`) and `x509 -noout
//! -subject|-issuer|-dates|-text`.
//!
//! Not cryptography: keys and certificates are PEM-framed stand-ins from the cluster's seeded
//! random stream (`kubarium_engine::network::ingress::pem`) that Kubarium's own tools read
//! back (kubectl, the ingress controller, curl); real OpenSSL would reject them.

use crate::bash::CommandIo;
use kubarium_engine::network::ingress::pem::{self, CertInfo};
use kubarium_engine::Cluster;

/// Runs `openssl ARGS`; returns the exit status.
pub fn run(cluster: &mut Cluster, args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let Some(sub) = args.first() else {
        io.out.stderr("help:\n\nStandard commands\nasn1parse         ca                ciphers           cmp\n...\n");
        return 0;
    };
    let rest = &args[1..];
    match sub.as_str() {
        "genrsa" => genrsa(cluster, rest, io),
        "req" => req(cluster, rest, io),
        "x509" => x509(rest, io),
        "version" => {
            io.out
                .stdout("OpenSSL 3.0.13 30 Jan 2024 (Library: OpenSSL 3.0.13 30 Jan 2024)\n");
            0
        }
        other => {
            io.out.stderr(format!(
                "Invalid command '{other}'; type \"help\" for a list.\n"
            ));
            1
        }
    }
}

/// `-flag value` options and bare flags.
struct Opts<'a> {
    args: &'a [String],
}

impl<'a> Opts<'a> {
    fn value(&self, name: &str) -> Option<&'a str> {
        self.args
            .iter()
            .position(|a| a == name)
            .and_then(|i| self.args.get(i + 1))
            .map(String::as_str)
    }
    fn has(&self, name: &str) -> bool {
        self.args.iter().any(|a| a == name)
    }
}

fn random_bytes(cluster: &mut Cluster) -> impl FnMut(usize) -> Vec<u8> + '_ {
    move |n| {
        let hex = cluster.api().rng().hex("openssl", n * 2);
        (0..n)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0))
            .collect()
    }
}

/// OpenSSL 3's key-generation progress on stderr: `.` candidates, `+` passed rounds, `*`
/// per prime found.
fn progress(cluster: &mut Cluster) -> String {
    let mut out = String::new();
    for _ in 0..2 {
        let n = 3 + cluster.api().rng().below("openssl", 20) as usize;
        for _ in 0..n {
            out.push_str(&".".repeat(1 + cluster.api().rng().below("openssl", 4) as usize));
            out.push('+');
        }
        out.push_str(&"+".repeat(40));
        out.push('*');
    }
    out.push('\n');
    out
}

fn write(io: &mut CommandIo<'_>, path: &str, text: &str) -> Result<(), String> {
    let abs = io.vfs.resolve(io.cwd, path);
    io.vfs.write(&abs, text).map_err(|e| e.to_string())
}

fn read(io: &CommandIo<'_>, path: &str) -> Option<String> {
    io.vfs.read(&io.vfs.resolve(io.cwd, path)).ok()
}

fn bits_of(spec: &str) -> Option<u32> {
    match spec.strip_prefix("rsa:") {
        Some(b) => b.parse().ok(),
        None if spec == "rsa" => Some(2048),
        None => None,
    }
}

fn genrsa(cluster: &mut Cluster, args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let o = Opts { args };
    let bits: u32 = args
        .last()
        .filter(|a| !a.starts_with('-') && Some(a.as_str()) != o.value("-out"))
        .and_then(|a| a.parse().ok())
        .unwrap_or(2048);
    let p = progress(cluster);
    io.out.stderr(p);
    let key = pem::private_key(bits, &mut random_bytes(cluster));
    match o.value("-out") {
        Some(path) => {
            if let Err(e) = write(io, path, &key) {
                io.out.stderr(format!("genrsa: {e}\n"));
                return 1;
            }
        }
        None => io.out.stdout(key),
    }
    0
}

/// `/CN=foo.bar.com/O=foo` → `CN = foo.bar.com, O = foo`.
fn subject_line(subj: &str) -> Result<String, String> {
    let parts: Vec<String> = subj
        .split('/')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => Ok(format!("{k} = {v}")),
            None => Err(format!(
                "Hit end of string before finding the equals.\nerror parsing -subj {subj:?}"
            )),
        })
        .collect::<Result<_, _>>()?;
    Ok(parts.join(", "))
}

fn req(cluster: &mut Cluster, args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let o = Opts { args };
    if !o.has("-x509") {
        io.out
            .stderr("Kubarium's openssl makes self-signed certificates only: add -x509\n");
        return 1;
    }
    let Some(subj) = o.value("-subj") else {
        io.out
            .stderr("Kubarium's openssl has no prompts: give the subject with -subj \"/CN=...\"\n");
        return 1;
    };
    let subject = match subject_line(subj) {
        Ok(s) => s,
        Err(e) => {
            io.out.stderr(format!("{e}\n"));
            return 1;
        }
    };
    let days: i64 = o.value("-days").and_then(|d| d.parse().ok()).unwrap_or(30);
    let mut bits = 2048;
    if let Some(spec) = o.value("-newkey") {
        let Some(b) = bits_of(spec) else {
            io.out.stderr(format!("Unknown algorithm {spec}\n"));
            return 1;
        };
        bits = b;
        let p = progress(cluster);
        io.out.stderr(p);
        let key = pem::private_key(bits, &mut random_bytes(cluster));
        let key_out = o.value("-keyout").unwrap_or("privkey.pem");
        if let Err(e) = write(io, key_out, &key) {
            io.out.stderr(format!("req: {e}\n"));
            return 1;
        }
        io.out.stderr("-----\n");
    } else if let Some(key_in) = o.value("-key") {
        if read(io, key_in).is_none_or(|k| pem::blocks(&k).is_empty()) {
            io.out.stderr(format!(
                "Could not open file or uri for loading private key from {key_in}\n"
            ));
            return 1;
        }
    } else {
        io.out
            .stderr("Kubarium's openssl needs -newkey rsa:BITS or -key FILE\n");
        return 1;
    }
    let now = cluster.now().unix_secs();
    let serial = cluster.api().rng().hex("openssl", 40);
    let info = CertInfo {
        subject: subject.clone(),
        issuer: subject,
        not_before: now,
        not_after: now + days * 86_400,
        serial,
        dns_names: Vec::new(),
        key_bits: bits,
    };
    let cert = pem::certificate(&info, &mut random_bytes(cluster));
    match o.value("-out") {
        Some(path) => {
            if let Err(e) = write(io, path, &cert) {
                io.out.stderr(format!("req: {e}\n"));
                return 1;
            }
        }
        None => io.out.stdout(cert),
    }
    0
}

fn openssl_date(unix: i64) -> String {
    k8s_openapi::jiff::Timestamp::from_second(unix)
        .unwrap_or(k8s_openapi::jiff::Timestamp::UNIX_EPOCH)
        .strftime("%b %e %H:%M:%S %Y GMT")
        .to_string()
}

fn x509(args: &[String], io: &mut CommandIo<'_>) -> i32 {
    let o = Opts { args };
    let text = match o.value("-in") {
        Some(path) => match read(io, path) {
            Some(t) => t,
            None => {
                io.out.stderr(format!(
                    "Could not open file or uri for loading certificate from {path}\n"
                ));
                return 1;
            }
        },
        None => io.stdin.to_string(),
    };
    let Some(info) = pem::certificate_info(&text) else {
        io.out
            .stderr("Could not read certificate from <stdin>\nUnable to load certificate\n");
        return 1;
    };
    let mut out = String::new();
    for a in args {
        match a.as_str() {
            "-subject" => out.push_str(&format!("subject={}\n", info.subject)),
            "-issuer" => out.push_str(&format!("issuer={}\n", info.issuer)),
            "-startdate" => out.push_str(&format!("notBefore={}\n", openssl_date(info.not_before))),
            "-enddate" => out.push_str(&format!("notAfter={}\n", openssl_date(info.not_after))),
            "-dates" => out.push_str(&format!(
                "notBefore={}\nnotAfter={}\n",
                openssl_date(info.not_before),
                openssl_date(info.not_after)
            )),
            "-text" => out.push_str(&text_of(&info)),
            _ => {}
        }
    }
    if !o.has("-noout") {
        out.push_str(&text);
    }
    io.out.stdout(out);
    0
}

fn text_of(info: &CertInfo) -> String {
    let serial: Vec<String> = info
        .serial
        .as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8_lossy(c).to_string())
        .collect();
    format!(
        "Certificate:\n    Data:\n        Version: 3 (0x2)\n        Serial Number:\n            {}\n        Signature Algorithm: sha256WithRSAEncryption\n        Issuer: {}\n        Validity\n            Not Before: {}\n            Not After : {}\n        Subject: {}\n        Subject Public Key Info:\n            Public Key Algorithm: rsaEncryption\n                Public-Key: ({} bit)\n",
        serial.join(":"),
        info.issuer,
        openssl_date(info.not_before),
        openssl_date(info.not_after),
        info.subject,
        info.key_bits
    )
}
