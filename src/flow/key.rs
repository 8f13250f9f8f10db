//! Conversation keys: how the flow table finds a conversation by its endpoints, and how a
//! sharded reader decides which worker owns one.
//!
//! Both run for every packet, so both work on whole words (an IPv4 or link address and its
//! port fit in one) rather than hashing the key field by field.

use super::{Conversation, Endpoint, Flows};
use crate::model::{Address, TransportInfo};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Key {
    pub(super) proto: u8,
    pub(super) a: Endpoint,
    pub(super) b: Endpoint,
}

/// An IPv4 or link-layer address and a port as one number (the same for equal endpoints, and
/// different for different ones of the same kind). IPv6 addresses do not fit; `None` for them.
fn short_endpoint(addr: Address, port: u16) -> Option<u64> {
    let a = match addr {
        Address::None => 0,
        Address::Ipv4(b) => u64::from(u32::from_be_bytes(b)),
        Address::Mac(m) => m.iter().fold(0u64, |h, &x| (h << 8) | u64::from(x)),
        Address::Ipv6(_) => return None,
    };
    Some((a << 16) | u64::from(port))
}

/// Hashes each endpoint as one or two words (the derived hash writes it field by field, and
/// the lookup runs for every packet). Every byte still counts, so crafted addresses cannot
/// collide on purpose any more than with the derived hash.
impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        for e in [&self.a, &self.b] {
            match (short_endpoint(e.addr, e.port), e.addr) {
                (Some(x), _) => h.write_u64(x),
                (None, Address::Ipv6(b)) => {
                    h.write_u128(u128::from_be_bytes(b));
                    h.write_u16(e.port);
                }
                (None, _) => h.write_u16(e.port),
            }
        }
        h.write_u8(self.proto);
    }
}

/// A conversation's lookup key (endpoints in a fixed order).
pub(super) fn key_of(c: &Conversation) -> Key {
    let (a, b) = if c.client <= c.server {
        (c.client, c.server)
    } else {
        (c.server, c.client)
    };
    Key {
        proto: c.proto,
        a,
        b,
    }
}

impl Flows {
    /// Which of `n` workers decodes a packet's conversation: the same for both directions of
    /// a conversation, and in every process (a fixed mix, unlike the table's seeded hash).
    /// Runs on every packet of a sharded reader, so it folds each endpoint to one number
    /// rather than hashing the whole key.
    pub fn shard_of(src: Address, dst: Address, t: &TransportInfo, n: u32) -> u32 {
        fn fold(a: Address, port: u16) -> u64 {
            short_endpoint(a, port).unwrap_or_else(|| {
                let wide = match a {
                    Address::Ipv6(b) => u128::from_be_bytes(b),
                    _ => 0,
                };
                ((wide >> 64) as u64).rotate_left(29) ^ (wide as u64) ^ (u64::from(port) << 48)
            })
        }
        let (x, y) = (fold(src, t.src_port), fold(dst, t.dst_port));
        // Symmetric in the two endpoints, then mixed (splitmix64's finaliser).
        let mut h = x.min(y).wrapping_mul(0x9e37_79b9_7f4a_7c15)
            ^ x.max(y).rotate_left(32)
            ^ u64::from(t.proto);
        h ^= h >> 30;
        h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h ^= h >> 27;
        h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^= h >> 31;
        (h % u64::from(n.max(1))) as u32
    }
}
