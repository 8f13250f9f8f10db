//! Internet checksums (RFC 1071) and how we judge them.
//!
//! A wrong checksum on a loopback capture is normal: the kernel leaves TCP/UDP checksums for the
//! network card to compute ("offload"), a capture on the sending host sees them before that, and
//! on loopback there is no card: the kernel never fills them in and nothing checks them. tshark
//! calls such checksums "unverified"; we do the same instead of crying "bad", and say why.

use super::NetAddrs;

/// Wireshark's checksum status values (`*.checksum.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumStatus {
    Bad = 0,
    Good = 1,
    Unverified = 2,
    NotPresent = 3,
}

impl ChecksumStatus {
    /// Display text for a `*.checksum.status` value.
    /// "Good (1)": the text of a `*.checksum.status` field.
    pub fn text(v: u64, out: &mut String) {
        out.push_str(match v {
            0 => "Bad",
            1 => "Good",
            2 => "Unverified",
            _ => "Not present",
        });
        out.push_str(" (");
        out.push_str(itoa::Buffer::new().format(v));
        out.push(')');
    }

    pub fn name(self) -> &'static str {
        match self {
            ChecksumStatus::Bad => "Bad",
            ChecksumStatus::Good => "Good",
            ChecksumStatus::Unverified => "Unverified",
            ChecksumStatus::NotPresent => "Not present",
        }
    }
}

/// One's-complement sum of 16-bit big-endian words (odd trailing byte padded with zero).
pub fn ones_sum(mut acc: u64, data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        acc += u64::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [b] = chunks.remainder() {
        acc += u64::from(*b) << 8;
    }
    acc
}

pub fn fold(mut acc: u64) -> u16 {
    while acc >> 16 != 0 {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// Sum of the TCP/UDP pseudo header.
pub fn pseudo(net: &NetAddrs, proto: u8, len: u32) -> u64 {
    let mut acc = 0;
    match net {
        NetAddrs::V4(s, d) => {
            acc = ones_sum(acc, s);
            acc = ones_sum(acc, d);
        }
        NetAddrs::V6(s, d) => {
            acc = ones_sum(acc, s);
            acc = ones_sum(acc, d);
        }
    }
    acc + u64::from(proto) + u64::from(len >> 16) + u64::from(len & 0xffff)
}

/// Judge a transport checksum over `segment` (header + payload, checksum field included).
/// Returns the status and, when it is not good, the value that would have been correct.
pub fn judge_transport(
    net: &NetAddrs,
    proto: u8,
    segment: &[u8],
    stored: u16,
    complete: bool,
    loopback: bool,
) -> (ChecksumStatus, Option<u16>) {
    if !complete {
        return (ChecksumStatus::Unverified, None);
    }
    let ps = pseudo(net, proto, segment.len() as u32);
    let total = fold(ones_sum(ps, segment));
    if total == 0xffff {
        return (ChecksumStatus::Good, None);
    }
    // What the checksum should have been: recompute with the stored value removed.
    let without = fold(ones_sum(ps, segment) + u64::from(!stored));
    let correct = !without;
    let partial = fold(ps);
    if loopback || net.is_loopback() || stored == partial || stored == !partial || stored == 0 {
        (ChecksumStatus::Unverified, Some(correct))
    } else {
        (ChecksumStatus::Bad, Some(correct))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 section 3 example words.
        let d = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(fold(ones_sum(0, &d)), 0xddf2);
    }
}
