//! UDP (RFC 768): ports, length, checksum (with the IPv4 "no checksum" case), and the hand-off
//! to the protocols of the UDP registry (`crate::protocols`).

use super::*;

crate::field_def!(
    UDP_SRCPORT,
    "udp.srcport",
    "Source port",
    Base::Dec,
    "Port of the sending program."
);
crate::field_def!(
    UDP_DSTPORT,
    "udp.dstport",
    "Destination port",
    Base::Dec,
    "Port of the receiving program (for example 53 on a DNS server)."
);
crate::field_def!(
    UDP_LENGTH,
    "udp.length",
    "Length",
    Base::Dec,
    "Length of the UDP header (8 bytes) plus data."
);
crate::field_def!(
    UDP_CHECKSUM,
    "udp.checksum",
    "Checksum",
    Base::Hex(4),
    "Detects damage to the datagram; 0 over IPv4 means 'not computed'."
);
crate::field_def!(
    UDP_CHECKSUM_STATUS,
    "udp.checksum.status",
    "Checksum status",
    Base::Dec,
    "Whether the checksum matched (1 good, 0 bad, 2 not verified, 3 not present)."
);
crate::field_def!(
    UDP_CHECKSUM_CALC,
    "udp.checksum.calculated",
    "Calculated checksum",
    Base::Hex(4),
    "The checksum these bytes should carry, computed by layerscope."
);
crate::field_def!(
    UDP_STREAM,
    "udp.stream",
    "Stream index",
    Base::Dec,
    "Which UDP conversation (pair of addresses and ports) this datagram belongs to."
);

/// Where each field of the 8-byte header lies (RFC 768), in smoltcp's style.
mod field {
    use std::ops::Range;
    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const LENGTH: Range<usize> = 4..6;
    pub const CHECKSUM: Range<usize> = 6..8;
    pub const HEADER_LEN: usize = 8;
}

/// Decode the UDP header at `off` (the IP payload ends at `end`), then hand the payload to
/// the UDP registry, or show it as data.
pub(super) fn udp(ctx: &mut Ctx<'_, '_>, off: usize, end: usize) {
    use field::*;
    let d = ctx.data;
    let mut h = ctx.hdr(Protocol::Udp, off, HEADER_LEN);
    let sp = h.num(&UDP_SRCPORT, off + SRC_PORT.start, SRC_PORT.len());
    let dp = h.num(&UDP_DSTPORT, off + DST_PORT.start, DST_PORT.len());
    let ulen = h.u(off + LENGTH.start, LENGTH.len());
    if let (Some(sp), Some(dp), Some(ulen)) = (sp, dp, ulen) {
        let udp_end = match ulen as usize {
            n if n < HEADER_LEN || n > end.saturating_sub(off) => end,
            n => off + n,
        };
        let t = crate::model::TransportInfo {
            proto: 17,
            src_port: sp as u16,
            dst_port: dp as u16,
            payload_len: udp_end.saturating_sub(off + HEADER_LEN) as u32,
            payload_offset: (off + HEADER_LEN) as u32,
            payload_captured: udp_end.min(d.len()).saturating_sub(off + HEADER_LEN) as u32,
            ..Default::default()
        };
        ctx.pkt.transport = Some(t);
        ctx.resolve_flow(&t);
        if ctx.facts_only() {
            return;
        }
    }
    if let Some(f) = &ctx.flow {
        h.generated(&UDP_STREAM, Value::U64(u64::from(f.stream)), Text::Auto);
    }
    let len = h.num(&UDP_LENGTH, off + LENGTH.start, LENGTH.len());
    let stored = h.num(&UDP_CHECKSUM, off + CHECKSUM.start, CHECKSUM.len());
    let (Some(sp), Some(dp), Some(len), Some(stored)) = (sp, dp, len, stored) else {
        let cap_end = end.min(d.len()).max(off.min(d.len()));
        h.layer.length = (cap_end - off.min(cap_end)).min(HEADER_LEN) as u32;
        ctx.push(h);
        ctx.truncated(Protocol::Udp, off, HEADER_LEN);
        return;
    };
    let udp_end = checked_end(ctx, off, end, len as usize);
    checksum(ctx, &mut h, off, udp_end, stored as u16);
    ctx.push(h);
    let payload = udp_end.saturating_sub(off + HEADER_LEN);
    summary(ctx, sp as u16, dp as u16, payload);
    if crate::protocols::decode_udp(ctx, sp as u16, dp as u16, off + HEADER_LEN, udp_end) {
        return;
    }
    ctx.data_layer(off + HEADER_LEN, udp_end.min(d.len()));
}

/// Where the datagram ends: at its length field, unless that is impossible (under the
/// header's 8 bytes, or past what IP gives it), which is said; then where IP's payload ends.
fn checked_end(ctx: &mut Ctx<'_, '_>, off: usize, end: usize, len: usize) -> usize {
    let ip_len = end.saturating_sub(off);
    if (field::HEADER_LEN..=ip_len).contains(&len) {
        return off + len;
    }
    ctx.note(
        Severity::Warning,
        crate::model::NoteKind::Malformed,
        Protocol::Udp,
        off + field::LENGTH.start,
        format!(
            "UDP length {len} is not between 8 (the header alone) and the {} the IP header gives it.",
            crate::model::count(ip_len, "byte")
        ),
    );
    end
}

/// The checksum's status (and the value it should have) as fields and a note; skipped where
/// neither a field nor a note shows it.
fn checksum(ctx: &mut Ctx<'_, '_>, h: &mut Hdr<'_>, off: usize, udp_end: usize, stored: u16) {
    let (Some(net), true) = (ctx.net, ctx.fields || ctx.notes) else {
        return;
    };
    let d = ctx.data;
    let complete = udp_end <= d.len();
    let (status, correct) = if stored == 0 && matches!(net, NetAddrs::V4(..)) {
        (ChecksumStatus::NotPresent, None)
    } else {
        let datagram = &d[off.min(d.len())..udp_end.min(d.len()).max(off.min(d.len()))];
        judge_transport(&net, 17, datagram, stored, complete, ctx.loopback)
    };
    h.generated(
        &UDP_CHECKSUM_STATUS,
        Value::U64(status as u64),
        Text::Num(ChecksumStatus::text),
    );
    h.nest(1);
    if let Some(f) = h.layer.fields.last_mut() {
        f.offset = (off + field::CHECKSUM.start) as u32;
    }
    if let Some(c) = correct {
        h.generated(&UDP_CHECKSUM_CALC, Value::U64(u64::from(c)), Text::Auto);
        h.nest(1);
    }
    let at = off + field::CHECKSUM.start;
    checksum_note(ctx, Protocol::Udp, at, status, stored, correct, complete);
}

/// The Info line ("40000 → 53 Len=31") and the sentence.
fn summary(ctx: &mut Ctx<'_, '_>, sp: u16, dp: u16, payload: usize) {
    let Some(n) = ctx.net else {
        return;
    };
    let mut info = String::with_capacity(32);
    kv(&mut info, "", u64::from(sp));
    kv(&mut info, " → ", u64::from(dp));
    kv(&mut info, " Len=", payload as u64);
    ctx.set_summary("UDP", info, || {
        let data = crate::model::count(payload, "byte");
        format!(
            "{} sends a UDP datagram with {data} of data to {}: no connection, no acknowledgement, no retransmission.",
            n.endpoint(true, sp),
            n.endpoint(false, dp)
        )
    });
}

/// Byte fixtures: a real datagram decoded, cut short, and with impossible lengths.
#[cfg(test)]
mod tests {
    use crate::decode::fixture::{ethernet, field, note, patched, UDP_FRAME};
    use crate::model::{NoteKind, Protocol};

    #[test]
    fn datagram_fields_lie_at_their_bytes() {
        let p = ethernet(&UDP_FRAME, UDP_FRAME.len());
        assert_eq!(p.summary, "40000 → 9999 Len=5");
        assert_eq!(field(&p, "udp.srcport"), (34, 2, "40000".into()));
        assert_eq!(field(&p, "udp.dstport"), (36, 2, "9999".into()));
        assert_eq!(field(&p, "udp.length"), (38, 2, "13".into()));
        assert_eq!(field(&p, "udp.checksum"), (40, 2, "0xe4af".into()));
        assert_eq!(field(&p, "udp.checksum.status").2, "Good (1)");
        assert_eq!(field(&p, "data.data"), (42, 5, "68:65:6c:6c:6f".into()));
        assert!(p.notes.is_empty(), "{:?}", p.notes);
    }

    #[test]
    fn cut_short_says_where() {
        let p = ethernet(&UDP_FRAME, 40);
        let n = note(&p, NoteKind::Truncated, "udp").expect("a truncation note");
        assert!(
            n.contains("UDP (byte 34)") && n.contains("needs 8 bytes, only 6"),
            "{n}"
        );
    }

    #[test]
    fn impossible_lengths_are_named_and_the_data_kept() {
        for len in [4u8, 200] {
            let p = ethernet(&patched(&UDP_FRAME, 38, &[0, len]), UDP_FRAME.len());
            let n = note(&p, NoteKind::Malformed, "udp").expect("a malformed note");
            assert!(
                n.contains(&format!("UDP length {len} is not between 8")),
                "{n}"
            );
            assert_eq!(p.layers.last().map(|l| l.protocol), Some(Protocol::Data));
        }
    }
}
