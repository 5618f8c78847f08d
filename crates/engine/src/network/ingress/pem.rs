//! PEM-framed stand-ins for RSA keys and X.509 certificates. Nothing here is cryptography:
//! a "certificate" is base64 of a small text record (subject, issuer, validity, serial,
//! SANs) padded with seeded random bytes, so `openssl x509 -text`, the ingress controller
//! (which certificate covers which host) and curl (self-signed or not) can read it back,
//! and the same seed always writes the same files. Real tools would reject these files.

/// The marker that starts the record inside a stand-in certificate.
const MAGIC: &str = "kubarium-x509-v1\n";

/// What a stand-in certificate says.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CertInfo {
    /// `CN = foo.bar.com, O = foo` (openssl's one-line form).
    pub subject: String,
    pub issuer: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// Hex serial number.
    pub serial: String,
    /// Subject alternative DNS names.
    pub dns_names: Vec<String>,
    pub key_bits: u32,
}

impl CertInfo {
    /// The subject's common name.
    pub fn common_name(&self) -> Option<&str> {
        self.subject
            .split(", ")
            .find_map(|part| part.strip_prefix("CN = "))
    }

    /// `VerifyHostname`: a SAN (or, without SANs, the CN) equal to the host or a wildcard
    /// covering one label of it.
    pub fn covers(&self, host: &str) -> bool {
        let names: Vec<&str> = if self.dns_names.is_empty() {
            self.common_name().into_iter().collect()
        } else {
            self.dns_names.iter().map(String::as_str).collect()
        };
        names
            .iter()
            .any(|n| super::host_matches(&n.to_ascii_lowercase(), host))
    }

    /// True when the certificate signed itself.
    pub fn self_signed(&self) -> bool {
        self.subject == self.issuer
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64, ignoring whitespace; `None` on any other character.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        if c == b'=' {
            break;
        }
        let v = ALPHABET.iter().position(|a| *a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// Frames `der` as PEM with 64-character lines.
pub fn frame(label: &str, der: &[u8]) -> String {
    let b64 = base64_encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or(""));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The labels and payloads of the PEM blocks in `text`, in order.
pub fn blocks(text: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            current = Some((label.to_string(), String::new()));
        } else if let Some(label) = line
            .strip_prefix("-----END ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            if let Some((l, body)) = current.take() {
                if l == label {
                    if let Some(der) = base64_decode(&body) {
                        out.push((l, der));
                    }
                }
            }
        } else if let Some((_, body)) = current.as_mut() {
            body.push_str(line);
        }
    }
    out
}

/// A stand-in RSA private key of `bits` bits (PKCS#8 framing, as OpenSSL 3 writes it);
/// `random` supplies the key material.
pub fn private_key(bits: u32, random: &mut dyn FnMut(usize) -> Vec<u8>) -> String {
    // A PKCS#8 RSA key holds about 19 bytes of DER per 32 bits of modulus (1,217 bytes,
    // `MIIEvQ...`, for 2048 bits).
    let len = bits as usize * 19 / 32 + 1;
    // SEQUENCE, version 0, rsaEncryption: the first bytes every PKCS#8 RSA key has.
    let mut der = vec![
        0x30,
        0x82,
        (len >> 8) as u8,
        len as u8,
        0x02,
        0x01,
        0x00,
        0x30,
        0x0d,
        0x06,
        0x09,
        0x2a,
        0x86,
        0x48,
        0x86,
        0xf7,
        0x0d,
        0x01,
        0x01,
        0x01,
        0x05,
        0x00,
    ];
    der.extend(random(len.saturating_sub(der.len())));
    frame("PRIVATE KEY", &der)
}

/// A stand-in certificate carrying `info`, padded to the size of a real one.
pub fn certificate(info: &CertInfo, random: &mut dyn FnMut(usize) -> Vec<u8>) -> String {
    let record = format!(
        "{MAGIC}subject={}\nissuer={}\nnotBefore={}\nnotAfter={}\nserial={}\nbits={}\ndns={}\n\n",
        info.subject,
        info.issuer,
        info.not_before,
        info.not_after,
        info.serial,
        info.key_bits,
        info.dns_names.join(",")
    );
    let target = 750 + info.key_bits as usize / 8;
    // A DER SEQUENCE header first, as in every certificate (`MII...` in base64).
    let mut der = vec![0x30, 0x82, (target >> 8) as u8, target as u8];
    der.extend(record.into_bytes());
    if der.len() < target {
        der.extend(random(target - der.len()));
    }
    frame("CERTIFICATE", &der)
}

/// Reads a stand-in certificate's record back (`None` for anything else).
pub fn parse_certificate(der: &[u8]) -> Option<CertInfo> {
    let der = der.get(4..)?;
    let end = der.windows(2).position(|w| w == b"\n\n")?;
    let text = std::str::from_utf8(&der[..end + 1]).ok()?;
    let body = text.strip_prefix(MAGIC)?;
    let mut info = CertInfo::default();
    for line in body.lines() {
        let (k, v) = line.split_once('=')?;
        match k {
            "subject" => info.subject = v.to_string(),
            "issuer" => info.issuer = v.to_string(),
            "notBefore" => info.not_before = v.parse().ok()?,
            "notAfter" => info.not_after = v.parse().ok()?,
            "serial" => info.serial = v.to_string(),
            "bits" => info.key_bits = v.parse().ok()?,
            "dns" => {
                info.dns_names = v
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            }
            _ => {}
        }
    }
    Some(info)
}

/// The certificate of the first CERTIFICATE block of PEM text.
pub fn certificate_info(pem: &str) -> Option<CertInfo> {
    blocks(pem)
        .into_iter()
        .find(|(l, _)| l == "CERTIFICATE")
        .and_then(|(_, der)| parse_certificate(&der))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for s in ["", "f", "fo", "foo", "foob", "fooba", "foobar"] {
            assert_eq!(
                base64_decode(&base64_encode(s.as_bytes())).unwrap(),
                s.as_bytes()
            );
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn certificates_read_back() {
        let info = CertInfo {
            subject: "CN = foo.bar.com, O = foo".into(),
            issuer: "CN = foo.bar.com, O = foo".into(),
            not_before: 1_795_424_400,
            not_after: 1_795_424_400 + 365 * 86_400,
            serial: "3f".into(),
            dns_names: vec![],
            key_bits: 2048,
        };
        let mut n = 0u8;
        let mut random = |len: usize| {
            (0..len)
                .map(|_| {
                    n = n.wrapping_add(37);
                    n
                })
                .collect()
        };
        let pem = certificate(&info, &mut random);
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert!(pem.lines().all(|l| l.len() <= 64));
        let back = certificate_info(&pem).unwrap();
        assert_eq!(back, info);
        assert!(back.covers("foo.bar.com") && !back.covers("bar.com") && back.self_signed());
        let key = private_key(2048, &mut random);
        assert_eq!(blocks(&key)[0].0, "PRIVATE KEY");
    }
}
