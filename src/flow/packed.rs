//! The flow pass's per-packet TCP facts, packed: the table has one entry per packet, so each
//! entry is 12 bytes ([`Stored`]), and the parts most packets do not have (duplicate-ACK
//! numbers, a segment longer than 16 bits of sequence space) live in a side table ([`Rare`]).

use super::tcp;

#[derive(Debug, Clone, Copy, Default)]
/// A packet's TCP facts as the pass computes them: the numbers that change from packet to
/// packet (the bases relative numbers count from are per direction, in the conversation).
/// Stored as a 12-byte [`Stored`] plus, rarely, a [`Rare`] entry.
pub(super) struct PacketTcp {
    pub(super) rel_seq: u32,
    pub(super) rel_ack: u32,
    pub(super) nxtseq: u32,
    pub(super) dup_ack_of: u32,
    pub(super) flags: u16,
    pub(super) dup_ack_num: u16,
    pub(super) dir: u8,
}

impl PacketTcp {
    pub(super) fn new(dir: u8, s: &tcp::SegInfo) -> Self {
        PacketTcp {
            rel_seq: s.rel_seq,
            rel_ack: s.rel_ack,
            nxtseq: s.nxtseq,
            dup_ack_of: s.dup_ack_of.min(u64::from(u32::MAX)) as u32,
            flags: s.flags,
            dup_ack_num: s.dup_ack_num.min(u32::from(u16::MAX)) as u16,
            dir,
        }
    }
}

/// What the per-packet table keeps: 12 bytes, since it has one entry per packet (a million
/// packets: 12 MB instead of 24). The segment's length in sequence space fits 16 bits for
/// any IP packet; the duplicate-ACK numbers are rare. Both go to [`Rare`] when needed.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Stored {
    rel_seq: u32,
    rel_ack: u32,
    /// `nxtseq - rel_seq`, or `FAR` (then `nxtseq` is in the rare table).
    nxt_len: u16,
    /// Analysis flags (15 bits) and the direction (top bit).
    bits: u16,
}

/// The rare part of a packet's facts, by packet index.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Rare {
    dup_ack_of: u32,
    dup_ack_num: u16,
    nxtseq: Option<u32>,
}

const DIR_BIT: u16 = 1 << 15;
const FAR: u16 = u16::MAX;

impl Stored {
    pub(super) fn pack(f: &PacketTcp) -> (Stored, Option<Rare>) {
        let len = f.nxtseq.wrapping_sub(f.rel_seq);
        let far = len >= u32::from(FAR);
        let stored = Stored {
            rel_seq: f.rel_seq,
            rel_ack: f.rel_ack,
            nxt_len: if far { FAR } else { len as u16 },
            bits: (f.flags & !DIR_BIT) | if f.dir == 1 { DIR_BIT } else { 0 },
        };
        let rare = (far || f.dup_ack_of != 0 || f.dup_ack_num != 0).then_some(Rare {
            dup_ack_of: f.dup_ack_of,
            dup_ack_num: f.dup_ack_num,
            nxtseq: far.then_some(f.nxtseq),
        });
        (stored, rare)
    }

    pub(super) fn unpack(&self, rare: Option<&Rare>) -> PacketTcp {
        let r = rare.copied().unwrap_or_default();
        PacketTcp {
            rel_seq: self.rel_seq,
            rel_ack: self.rel_ack,
            nxtseq: r
                .nxtseq
                .unwrap_or(self.rel_seq.wrapping_add(u32::from(self.nxt_len))),
            dup_ack_of: r.dup_ack_of,
            flags: self.bits & !DIR_BIT,
            dup_ack_num: r.dup_ack_num,
            dir: u8::from(self.bits & DIR_BIT != 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_packet_facts_pack_exactly() {
        assert_eq!(std::mem::size_of::<Stored>(), 12);
        let cases = [
            PacketTcp {
                rel_seq: 1,
                rel_ack: 1,
                nxtseq: 1449,
                dir: 1,
                flags: tcp::flag::RETRANSMISSION | tcp::flag::REUSED_PORTS,
                ..PacketTcp::default()
            },
            // A segment longer than 16 bits of sequence space, wrapping around zero.
            PacketTcp {
                rel_seq: u32::MAX - 10,
                nxtseq: 70_000,
                ..PacketTcp::default()
            },
            PacketTcp {
                rel_seq: 5,
                nxtseq: 5,
                dup_ack_of: 42,
                dup_ack_num: 3,
                flags: tcp::flag::DUPLICATE_ACK,
                ..PacketTcp::default()
            },
        ];
        for f in cases {
            let (s, rare) = Stored::pack(&f);
            let back = s.unpack(rare.as_ref());
            assert_eq!(format!("{back:?}"), format!("{f:?}"));
        }
        assert!(
            Stored::pack(&cases[0]).1.is_none(),
            "the common case needs no rare entry"
        );
    }
}
