//! TCP sequence analysis: relative numbers and Wireshark's analysis flags.
//!
//! This follows the order of checks in Wireshark's `tcp_analyze_sequence_number` so that the
//! flags match what students will later see there (golden-tested against tshark). All sequence
//! comparisons are modulo 2^32 ([`seq_gt`] and friends), so a connection that wraps its
//! sequence space is analysed correctly.

use crate::model::TransportInfo;

pub use crate::model::flow::analysis as flag;

pub fn seq_gt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}
pub fn seq_lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}
pub fn seq_ge(a: u32, b: u32) -> bool {
    !seq_lt(a, b)
}
pub fn seq_le(a: u32, b: u32) -> bool {
    !seq_gt(a, b)
}

/// What the analysis remembers about one direction of a connection.
#[derive(Debug, Clone, Default)]
pub struct DirState {
    /// Sequence number that relative numbers count from (the ISN when the SYN was seen).
    pub base: Option<u32>,
    pub isn_seen: bool,
    pub nextseq: Option<u32>,
    pub nextseq_time: i64,
    pub maxseqtobeacked: Option<u32>,
    pub lastack: Option<u32>,
    pub window: Option<u16>,
    pub win_scale: Option<u8>,
    pub last_flags: u16,
    pub last_analysis: u16,
    pub dupacks: u32,
    /// Packet number of the last ACK that was not a duplicate.
    pub last_nondup_ack: u32,
}

/// Result of analysing one segment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SegInfo {
    pub rel_seq: u32,
    pub rel_ack: u32,
    pub nxtseq: u32,
    pub flags: u16,
    pub dup_ack_num: u32,
    pub dup_ack_of: u64,
    pub seq_base: u32,
    pub ack_base: u32,
    pub seq_base_is_isn: bool,
    pub ack_base_is_isn: bool,
}

/// Analyse one segment travelling in direction `fwd` (the other direction is `rev`).
/// `first_rtt_ns`: the handshake's initial RTT if known (Wireshark's out-of-order threshold).
pub fn analyze(
    t: &TransportInfo,
    number: u64,
    ts_ns: i64,
    fwd: &mut DirState,
    rev: &mut DirState,
    first_rtt_ns: Option<i64>,
) -> SegInfo {
    const SYN: u16 = 0x02;
    const FIN: u16 = 0x01;
    const RST: u16 = 0x04;
    const ACK: u16 = 0x10;
    let flags = t.flags;
    let seq = t.seq;
    let ack = t.ack;
    let seglen = t.payload_len;
    let window = t.window;
    let ctl = flags & (SYN | FIN | RST) != 0;

    if fwd.base.is_none() || (flags & SYN != 0 && !fwd.isn_seen) {
        // Without the SYN, count from one before the first number seen, so that the first
        // segment is "Seq=1" as after a handshake (Wireshark does the same).
        fwd.isn_seen = flags & SYN != 0;
        fwd.base = Some(if fwd.isn_seen {
            seq
        } else {
            seq.wrapping_sub(1)
        });
    }
    if rev.base.is_none() && flags & ACK != 0 {
        // The peer's numbers, inferred from what this side acknowledges.
        rev.base = Some(ack.wrapping_sub(1));
    }
    if flags & SYN != 0 {
        fwd.win_scale = t.wscale;
    }
    let mut a = 0u16;

    'fwd: {
        // Zero window probe.
        if seglen == 1 && fwd.nextseq == Some(seq) && rev.window == Some(0) {
            a |= flag::ZERO_WINDOW_PROBE;
            break 'fwd;
        }
        if window == 0 && !ctl {
            a |= flag::ZERO_WINDOW;
        }
        // A gap: data the capture did not see.
        if let Some(n) = fwd.nextseq {
            if seq_gt(seq, n) && flags & RST == 0 {
                a |= flag::LOST_SEGMENT;
                fwd.maxseqtobeacked = fwd.nextseq;
            }
        }
        if seglen <= 1 && !ctl && fwd.nextseq.is_some_and(|n| n.wrapping_sub(1) == seq) {
            a |= flag::KEEP_ALIVE;
        }
        let same_pos = fwd.nextseq == Some(seq) && fwd.lastack == Some(ack);
        if seglen == 0 && window != 0 && fwd.window.is_some_and(|w| w != window) && same_pos && !ctl
        {
            a |= flag::WINDOW_UPDATE;
        }
        if seglen > 0 && !ctl {
            if let (Some(rw), Some(ra)) = (rev.window, rev.lastack) {
                let scaled = u32::from(rw) << rev.win_scale.unwrap_or(0).min(14);
                if seq.wrapping_add(seglen) == ra.wrapping_add(scaled) {
                    a |= flag::WINDOW_FULL;
                }
            }
        }
        if seglen == 0 && fwd.window == Some(window) && same_pos && !ctl {
            if rev.last_analysis & flag::KEEP_ALIVE != 0 {
                a |= flag::KEEP_ALIVE_ACK;
                break 'fwd;
            }
            if window == 0 && rev.last_analysis & flag::ZERO_WINDOW_PROBE != 0 {
                a |= flag::ZERO_WINDOW_PROBE_ACK;
                break 'fwd;
            }
            if window != 0 {
                fwd.dupacks += 1;
                a |= flag::DUPLICATE_ACK;
            }
        }
    }
    if a & flag::DUPLICATE_ACK == 0 {
        fwd.dupacks = 0;
        fwd.last_nondup_ack = u32::try_from(number).unwrap_or(u32::MAX);
    }
    // Acknowledges something never seen.
    if flags & ACK != 0 {
        if let Some(m) = rev.maxseqtobeacked {
            if seq_gt(ack, m) {
                a |= flag::ACK_LOST_SEGMENT;
                rev.maxseqtobeacked = rev.nextseq;
            }
        }
    }
    // Retransmission, fast retransmission, out of order, spurious.
    if (seglen > 0 || flags & (SYN | FIN) != 0) && a & flag::KEEP_ALIVE == 0 {
        if let Some(n) = fwd.nextseq {
            if seq_lt(seq, n) {
                let dt = ts_ns - fwd.nextseq_time;
                let ooo_threshold = first_rtt_ns.unwrap_or(3_000_000);
                if rev.dupacks >= 2 && rev.lastack == Some(seq) && dt < 20_000_000 {
                    a |= flag::FAST_RETRANSMISSION;
                } else if dt < ooo_threshold
                    && n != seq
                        .wrapping_add(seglen)
                        .wrapping_add(u32::from(flags & (SYN | FIN) != 0))
                {
                    a |= flag::OUT_OF_ORDER;
                } else if seglen > 0
                    && rev
                        .lastack
                        .is_some_and(|ra| seq_le(seq.wrapping_add(seglen), ra))
                {
                    a |= flag::SPURIOUS_RETRANSMISSION;
                } else {
                    a |= flag::RETRANSMISSION;
                }
            }
        }
    }
    let mut next = seq.wrapping_add(seglen);
    if flags & (SYN | FIN) != 0 {
        next = next.wrapping_add(1);
    }
    if a & flag::ZERO_WINDOW_PROBE == 0 && fwd.nextseq.is_none_or(|n| seq_gt(next, n)) {
        fwd.nextseq = Some(next);
        fwd.nextseq_time = ts_ns;
    }
    if fwd.maxseqtobeacked.is_none_or(|m| seq_gt(next, m)) && a & flag::LOST_SEGMENT == 0 {
        fwd.maxseqtobeacked = fwd.nextseq;
    }
    fwd.window = Some(window);
    if flags & ACK != 0 {
        fwd.lastack = Some(ack);
    }
    fwd.last_flags = flags;
    fwd.last_analysis = a;

    let base = fwd.base.unwrap_or(seq);
    let rel_seq = seq.wrapping_sub(base);
    let rel_ack = match rev.base {
        Some(b) if flags & ACK != 0 => ack.wrapping_sub(b),
        // No ACK flag: the field is not in use; Wireshark shows the raw value.
        _ => ack,
    };
    SegInfo {
        rel_seq,
        rel_ack,
        nxtseq: rel_seq
            .wrapping_add(seglen)
            .wrapping_add(u32::from(flags & (SYN | FIN) != 0)),
        flags: a,
        dup_ack_num: if a & flag::DUPLICATE_ACK != 0 {
            fwd.dupacks
        } else {
            0
        },
        dup_ack_of: if a & flag::DUPLICATE_ACK != 0 {
            u64::from(fwd.last_nondup_ack)
        } else {
            0
        },
        seq_base: base,
        ack_base: rev.base.unwrap_or(0),
        seq_base_is_isn: fwd.isn_seen,
        ack_base_is_isn: rev.isn_seen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_comparisons_wrap() {
        assert!(seq_gt(5, u32::MAX - 5));
        assert!(seq_lt(u32::MAX - 5, 5));
        assert!(seq_ge(7, 7) && seq_le(7, 7));
    }

    fn seg(seq: u32, ack: u32, flags: u16, len: u32, win: u16) -> TransportInfo {
        TransportInfo {
            proto: 6,
            seq,
            ack,
            flags,
            payload_len: len,
            window: win,
            ..Default::default()
        }
    }

    #[test]
    fn handshake_then_retransmission_across_the_wrap() {
        let (mut c, mut s) = (DirState::default(), DirState::default());
        let isn_c = u32::MAX - 2;
        let isn_s = 1000;
        let i = analyze(&seg(isn_c, 0, 0x02, 0, 100), 1, 0, &mut c, &mut s, None);
        assert_eq!((i.rel_seq, i.nxtseq), (0, 1));
        let i = analyze(
            &seg(isn_s, isn_c.wrapping_add(1), 0x12, 0, 100),
            2,
            1,
            &mut s,
            &mut c,
            None,
        );
        assert_eq!((i.rel_seq, i.rel_ack), (0, 1));
        let data = seg(isn_c.wrapping_add(1), isn_s + 1, 0x18, 10, 100);
        let i = analyze(&data, 3, 2, &mut c, &mut s, None);
        assert_eq!((i.rel_seq, i.nxtseq, i.flags), (1, 11, 0));
        // The same bytes again, much later: a retransmission although the numbers wrapped.
        let i = analyze(&data, 4, 1_000_000_000, &mut c, &mut s, None);
        assert_eq!(i.flags & flag::RETRANSMISSION, flag::RETRANSMISSION);
    }
}
