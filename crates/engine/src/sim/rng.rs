//! Named, seeded random streams on a portable generator (ChaCha8).
//!
//! Each concern (pod name suffixes, UIDs, IPs, ...) draws from its own stream, so adding a
//! draw in one place does not shift the numbers everywhere else.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng as _, SeedableRng};
use std::collections::BTreeMap;

/// The alphabet Kubernetes uses for generated name suffixes (no vowels, no confusables).
pub const SUFFIX_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// The 16 lower-case hex digits of a word, most significant first.
fn hex16(w: u64) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = HEX_DIGITS[((w >> (60 - 4 * i)) & 0xf) as usize];
    }
    out
}

/// All random streams of one cluster.
#[derive(Clone, Debug)]
pub struct Rng {
    seed: u64,
    streams: BTreeMap<&'static str, ChaCha8Rng>,
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng {
            seed,
            streams: BTreeMap::new(),
        }
    }
    /// The stream called `name`, created on first use from the seed and the name.
    pub fn stream(&mut self, name: &'static str) -> &mut ChaCha8Rng {
        let seed = self.seed;
        self.streams.entry(name).or_insert_with(|| {
            // FNV-1a of the name, mixed with the cluster seed.
            let mut h: u64 = 0xcbf29ce484222325;
            for b in name.bytes() {
                h ^= b as u64;
                h = h.wrapping_mul(0x100000001b3);
            }
            ChaCha8Rng::seed_from_u64(h ^ seed.rotate_left(17))
        })
    }
    /// A uniform number in `0..n` (0 when n is 0).
    pub fn below(&mut self, stream: &'static str, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        self.stream(stream).next_u64() % n
    }
    /// A random suffix of `len` characters from [`SUFFIX_ALPHABET`], like `8kclx`.
    pub fn suffix(&mut self, stream: &'static str, len: usize) -> String {
        // The same draws as `below(stream, 27)` per character, with one stream lookup.
        let s = self.stream(stream);
        let n = SUFFIX_ALPHABET.len() as u64;
        let mut out = String::with_capacity(len);
        for _ in 0..len {
            out.push(SUFFIX_ALPHABET[(s.next_u64() % n) as usize] as char);
        }
        out
    }
    /// A random lower-case hex string of `len` characters.
    pub fn hex(&mut self, stream: &'static str, len: usize) -> String {
        let s = self.stream(stream);
        let mut out = String::with_capacity(len);
        for _ in 0..len {
            out.push(HEX_DIGITS[(s.next_u64() % 16) as usize] as char);
        }
        out
    }
    /// `n` draws of `below(stream, u64::MAX)`, each written as 16 lower-case hex digits (a
    /// containerd container ID is four of them).
    pub fn hex_words(&mut self, stream: &'static str, n: usize) -> String {
        let s = self.stream(stream);
        let mut buf = Vec::with_capacity(16 * n);
        for _ in 0..n {
            buf.extend_from_slice(&hex16(s.next_u64() % u64::MAX));
        }
        String::from_utf8(buf).unwrap_or_default()
    }
    /// A version-4 UUID, as Kubernetes uses for `metadata.uid`.
    pub fn uuid(&mut self) -> String {
        self.uuid_in("uid")
    }
    /// A version-4 UUID drawn from the stream `stream` (machine and boot IDs, ...).
    pub fn uuid_in(&mut self, stream: &'static str) -> String {
        let s = self.stream(stream);
        let (a, b) = (s.next_u64(), s.next_u64());
        // Set the version (4) and variant (10xx) bits as RFC 4122 does.
        let a = (a & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
        let b = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
        // 8-4-4-4-12 lowercase hex digits (what `{:08x}-{:04x}-...` would print), without the
        // formatting machinery: every object and event gets one.
        let (ha, hb) = (hex16(a), hex16(b));
        let mut buf = [b'-'; 36];
        buf[..8].copy_from_slice(&ha[..8]);
        buf[9..13].copy_from_slice(&ha[8..12]);
        buf[14..18].copy_from_slice(&ha[12..]);
        buf[19..23].copy_from_slice(&hb[..4]);
        buf[24..].copy_from_slice(&hb[4..]);
        String::from_utf8(buf.to_vec()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn uuids_are_version_4_in_the_canonical_form() {
        let mut r = Rng::new(3);
        for _ in 0..100 {
            let u = r.uuid();
            let parts: Vec<&str> = u.split('-').collect();
            assert_eq!(
                parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
                [8, 4, 4, 4, 12]
            );
            assert!(u
                .chars()
                .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
            assert!(parts[2].starts_with('4'), "{u}");
            assert!("89ab".contains(&parts[3][..1]), "{u}");
        }
    }
    #[test]
    fn hex_words_are_the_formatted_draws() {
        let (mut a, mut b) = (Rng::new(5), Rng::new(5));
        let formatted: String = (0..4)
            .map(|_| format!("{:016x}", a.below("container-id", u64::MAX)))
            .collect();
        assert_eq!(b.hex_words("container-id", 4), formatted);
        let (mut a, mut b) = (Rng::new(9), Rng::new(9));
        let digits: String = (0..12)
            .map(|_| char::from_digit(a.below("h", 16) as u32, 16).unwrap_or('0'))
            .collect();
        assert_eq!(b.hex("h", 12), digits);
        let letters: String = (0..5)
            .map(|_| SUFFIX_ALPHABET[a.below("s", 27) as usize] as char)
            .collect();
        assert_eq!(b.suffix("s", 5), letters);
        let (mut a, mut b) = (Rng::new(11), Rng::new(11));
        for _ in 0..50 {
            let (x, y) = (a.below("u", u64::MAX), a.below("u", u64::MAX));
            // The same draws (`below(_, u64::MAX)` is a draw unless it hits u64::MAX).
            let x = (x & 0xffff_ffff_ffff_0fff) | 0x4000;
            let y = (y & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
            let formatted = format!(
                "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
                x >> 32,
                (x >> 16) & 0xffff,
                x & 0xffff,
                y >> 48,
                y & 0xffff_ffff_ffff
            );
            assert_eq!(b.uuid_in("u"), formatted);
        }
    }
    #[test]
    fn same_seed_same_numbers_and_streams_are_independent() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        assert_eq!(a.suffix("pod", 5), b.suffix("pod", 5));
        let _ = a.suffix("other", 5);
        assert_eq!(a.suffix("pod", 5), b.suffix("pod", 5));
        assert_eq!(a.uuid().len(), 36);
        assert_ne!(Rng::new(1).suffix("pod", 10), Rng::new(2).suffix("pod", 10));
    }
}
