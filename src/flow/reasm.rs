//! Per-direction TCP reassembly: segments in, an in-order byte stream out, with limits.
//!
//! Loopback segments reach ~64 KiB, HTTP heads and WebSocket frames span segments, and one
//! segment can hold many messages, so application decoding needs the bytes in order. This
//! reassembler delivers in-order chunks tagged with where they came from (packet, offset in the
//! frame), holds out-of-order segments until the gap fills, trims retransmitted bytes, and
//! reports overlaps whose bytes differ from what was already delivered.
//!
//! Limits: held out-of-order bytes per direction are bounded ([`Limits::max_pending`]); past
//! the bound, or when too many segments wait behind a gap the capture never filled, the gap is
//! skipped and reported, so a lossy capture cannot stall decoding or grow memory.

use super::tcp::seq_gt;

/// Reassembly limits per direction.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes held out of order.
    pub max_pending: usize,
    /// Segments held out of order before the gap is given up.
    pub max_pending_segments: usize,
    /// Bytes of delivered history kept to check retransmissions for conflicting data.
    pub history: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_pending: 4 << 20,
            max_pending_segments: 256,
            history: 16 << 10,
        }
    }
}

/// Where a chunk of stream bytes came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// Packet index (0-based).
    pub packet: u32,
    /// Offset of the chunk's first byte in that packet's frame.
    pub frame_offset: u32,
}

/// Something the reassembler wants reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Bytes never captured were skipped (the stream continues after the gap).
    Gap { bytes: u32, at_packet: u32 },
    /// A retransmission carried different bytes than the original.
    ConflictingOverlap { packet: u32, bytes: u32 },
    /// Out-of-order bytes dropped because the limit was reached.
    Dropped { bytes: u32, packet: u32 },
}

#[derive(Debug)]
struct Pending {
    seq: u32,
    origin: Origin,
    data: Vec<u8>,
}

/// One direction of a TCP connection.
#[derive(Debug, Default)]
pub struct DirReasm {
    next: Option<u32>,
    pending: Vec<Pending>,
    pending_bytes: usize,
    history: std::collections::VecDeque<u8>,
    /// Counters for the user.
    pub gaps: u64,
    pub gap_bytes: u64,
    pub dropped_bytes: u64,
    pub conflicts: u64,
}

impl DirReasm {
    /// A SYN with sequence number `seq` was seen: the stream starts at `seq + 1`.
    pub fn syn_seen(&mut self, seq: u32) {
        self.next = Some(seq.wrapping_add(1));
    }

    /// Feed a segment. `deliver(origin, bytes)` receives in-order stream bytes.
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        limits: &Limits,
        seq: u32,
        syn: bool,
        packet: u32,
        frame_offset: u32,
        payload: &[u8],
        events: &mut Vec<Event>,
        deliver: &mut dyn FnMut(Origin, &[u8]),
    ) {
        if syn {
            self.next = Some(seq.wrapping_add(1));
            if payload.is_empty() {
                return;
            }
        }
        if payload.is_empty() {
            return;
        }
        let seq = if syn { seq.wrapping_add(1) } else { seq };
        let next = *self.next.get_or_insert(seq);
        let origin = Origin {
            packet,
            frame_offset,
        };
        if seq_gt(seq, next) {
            // Ahead of the stream: hold it until the gap fills.
            if self.pending_bytes + payload.len() > limits.max_pending {
                self.dropped_bytes += payload.len() as u64;
                events.push(Event::Dropped {
                    bytes: payload.len() as u32,
                    packet,
                });
                return;
            }
            self.pending_bytes += payload.len();
            self.pending.push(Pending {
                seq,
                origin,
                data: payload.to_vec(),
            });
            if self.pending.len() > limits.max_pending_segments {
                self.skip_gap(limits, events, deliver);
            }
            return;
        }
        self.accept(limits, seq, origin, payload, events, deliver);
        self.drain_pending(limits, events, deliver);
    }

    /// Bytes at or before `next`: trim what was delivered already, deliver the rest.
    fn accept(
        &mut self,
        limits: &Limits,
        seq: u32,
        origin: Origin,
        payload: &[u8],
        events: &mut Vec<Event>,
        deliver: &mut dyn FnMut(Origin, &[u8]),
    ) {
        let Some(next) = self.next else { return };
        let behind = next.wrapping_sub(seq) as usize;
        if behind > 0 {
            // Overlap with delivered bytes: compare what we still remember.
            let overlap = behind.min(payload.len());
            let hist = self.history.len();
            if behind <= hist {
                let start = hist - behind;
                let differs = (0..overlap).any(|k| self.history.get(start + k) != payload.get(k));
                if differs {
                    self.conflicts += 1;
                    events.push(Event::ConflictingOverlap {
                        packet: origin.packet,
                        bytes: overlap as u32,
                    });
                }
            }
            if behind >= payload.len() {
                return;
            }
        }
        let fresh = &payload[behind..];
        deliver(
            Origin {
                packet: origin.packet,
                frame_offset: origin.frame_offset + behind as u32,
            },
            fresh,
        );
        self.next = Some(next.wrapping_add(fresh.len() as u32));
        if limits.history > 0 {
            let take = fresh.len().min(limits.history);
            let excess = (self.history.len() + take).saturating_sub(limits.history);
            self.history.drain(..excess.min(self.history.len()));
            self.history.extend(&fresh[fresh.len() - take..]);
        }
    }

    fn drain_pending(
        &mut self,
        limits: &Limits,
        events: &mut Vec<Event>,
        deliver: &mut dyn FnMut(Origin, &[u8]),
    ) {
        loop {
            let Some(next) = self.next else { return };
            let Some(pos) = self.pending.iter().position(|p| !seq_gt(p.seq, next)) else {
                return;
            };
            let p = self.pending.swap_remove(pos);
            self.pending_bytes -= p.data.len();
            self.accept(limits, p.seq, p.origin, &p.data, events, deliver);
        }
    }

    /// Give up on the earliest gap: continue from the first held segment.
    fn skip_gap(
        &mut self,
        limits: &Limits,
        events: &mut Vec<Event>,
        deliver: &mut dyn FnMut(Origin, &[u8]),
    ) {
        let Some(next) = self.next else { return };
        let Some(first) = self
            .pending
            .iter()
            .min_by_key(|p| p.seq.wrapping_sub(next))
            .map(|p| (p.seq, p.origin.packet))
        else {
            return;
        };
        let gap = first.0.wrapping_sub(next);
        self.gaps += 1;
        self.gap_bytes += u64::from(gap);
        events.push(Event::Gap {
            bytes: gap,
            at_packet: first.1,
        });
        self.next = Some(first.0);
        self.history.clear();
        self.drain_pending(limits, events, deliver);
    }

    /// End of capture: deliver what is held after any gaps.
    pub fn flush(
        &mut self,
        limits: &Limits,
        events: &mut Vec<Event>,
        deliver: &mut dyn FnMut(Origin, &[u8]),
    ) {
        while !self.pending.is_empty() {
            self.skip_gap(limits, events, deliver);
        }
    }

    /// Bytes currently held.
    pub fn held(&self) -> usize {
        self.pending_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(segs: &[(u32, &[u8])]) -> (Vec<u8>, Vec<Event>) {
        let mut r = DirReasm::default();
        let mut out = Vec::new();
        let mut ev = Vec::new();
        let limits = Limits::default();
        r.push(&limits, 99, true, 0, 0, &[], &mut ev, &mut |_, _| {});
        for (i, (seq, data)) in segs.iter().enumerate() {
            r.push(
                &limits,
                *seq,
                false,
                i as u32 + 1,
                0,
                data,
                &mut ev,
                &mut |_, b| out.extend_from_slice(b),
            );
        }
        r.flush(&limits, &mut ev, &mut |_, b| out.extend_from_slice(b));
        (out, ev)
    }

    #[test]
    fn in_order_out_of_order_and_retransmitted() {
        let (out, ev) = run(&[(100, b"hel"), (106, b"world"), (103, b"lo "), (103, b"lo ")]);
        assert_eq!(out, b"hello world");
        assert!(ev.is_empty());
    }

    #[test]
    fn conflicting_overlap_is_reported() {
        let (out, ev) = run(&[(100, b"abcdef"), (102, b"XYefgh")]);
        assert_eq!(out, b"abcdefgh");
        assert!(matches!(ev[0], Event::ConflictingOverlap { bytes: 4, .. }));
    }

    #[test]
    fn a_gap_never_filled_is_skipped_at_the_end() {
        let (out, ev) = run(&[(100, b"ab"), (110, b"zz")]);
        assert_eq!(out, b"abzz");
        assert_eq!(
            ev,
            vec![Event::Gap {
                bytes: 8,
                at_packet: 2
            }]
        );
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut r = DirReasm::default();
        let mut out = Vec::new();
        let mut ev = Vec::new();
        let l = Limits::default();
        r.push(&l, u32::MAX - 1, true, 0, 0, &[], &mut ev, &mut |_, _| {});
        r.push(&l, u32::MAX, false, 1, 0, b"ab", &mut ev, &mut |_, b| {
            out.extend_from_slice(b)
        });
        r.push(&l, 1, false, 2, 0, b"cd", &mut ev, &mut |_, b| {
            out.extend_from_slice(b)
        });
        assert_eq!(out, b"abcd");
    }
}
