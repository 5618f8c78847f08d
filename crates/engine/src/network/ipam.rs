//! CNI IP address management: one pod CIDR per node, lowest free address first.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

/// An IPv4 CIDR block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub base: u32,
    pub prefix: u8,
}

impl Cidr {
    /// Parses `172.16.0.0/16`.
    pub fn parse(s: &str) -> Option<Cidr> {
        let (ip, p) = s.split_once('/')?;
        let ip: Ipv4Addr = ip.parse().ok()?;
        let prefix: u8 = p.parse().ok().filter(|p| *p <= 32)?;
        Some(Cidr {
            base: u32::from(ip),
            prefix,
        })
    }
    pub fn size(&self) -> u64 {
        1u64 << (32 - self.prefix as u32)
    }
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        let mask = if self.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - self.prefix as u32)
        };
        (u32::from(ip) & mask) == (self.base & mask)
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.base), self.prefix)
    }
}

/// Pod address allocation for every node.
#[derive(Clone, Debug, Default)]
pub struct Ipam {
    /// node → (block, first usable offset, allocated offsets)
    nodes: BTreeMap<String, (Cidr, u32, BTreeSet<u32>)>,
}

impl Ipam {
    /// Gives a node its pod block; addresses start at `first` within it (e.g. 1, or 129 for a
    /// Calico-style block).
    pub fn add_node(&mut self, node: &str, block: Cidr, first: u32) {
        self.nodes
            .insert(node.to_string(), (block, first, BTreeSet::new()));
    }
    /// The node's pod block.
    pub fn block(&self, node: &str) -> Option<Cidr> {
        self.nodes.get(node).map(|(c, _, _)| *c)
    }
    /// Allocates the lowest free address on the node; `None` when the block is exhausted.
    pub fn allocate(&mut self, node: &str) -> Option<Ipv4Addr> {
        let (cidr, first, used) = self.nodes.get_mut(node)?;
        let size = cidr.size() as u32;
        let offset = (*first..size.saturating_sub(1)).find(|o| !used.contains(o))?;
        used.insert(offset);
        Some(Ipv4Addr::from(cidr.base + offset))
    }
    /// Returns an address to the pool.
    pub fn release(&mut self, node: &str, ip: Ipv4Addr) {
        if let Some((cidr, _, used)) = self.nodes.get_mut(node) {
            used.remove(&(u32::from(ip).wrapping_sub(cidr.base)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn allocates_lowest_free_and_reuses() {
        let mut ipam = Ipam::default();
        ipam.add_node("w1", Cidr::parse("172.16.1.0/24").unwrap(), 1);
        let a = ipam.allocate("w1").unwrap();
        let b = ipam.allocate("w1").unwrap();
        assert_eq!(a.to_string(), "172.16.1.1");
        assert_eq!(b.to_string(), "172.16.1.2");
        ipam.release("w1", a);
        assert_eq!(ipam.allocate("w1").unwrap().to_string(), "172.16.1.1");
    }
}
