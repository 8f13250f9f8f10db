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

pub(super) fn udp(ctx: &mut Ctx<'_, '_>, off: usize, end: usize) {
    let d = ctx.data;
    let cap_end = end.min(d.len()).max(off.min(d.len()));
    let mut h = ctx.hdr(Protocol::Udp, off, 8);
    let sp = h.num(&UDP_SRCPORT, off, 2);
    let dp = h.num(&UDP_DSTPORT, off + 2, 2);
    if let (Some(sp), Some(dp), Some(ulen)) = (sp, dp, h.u(off + 4, 2)) {
        let ulen = ulen as usize;
        let udp_end = if ulen < 8 || ulen > end.saturating_sub(off) {
            end
        } else {
            off + ulen
        };
        let t = crate::model::TransportInfo {
            proto: 17,
            src_port: sp as u16,
            dst_port: dp as u16,
            payload_len: udp_end.saturating_sub(off + 8) as u32,
            payload_offset: (off + 8) as u32,
            payload_captured: udp_end.min(d.len()).saturating_sub(off + 8) as u32,
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
    let len = h.num(&UDP_LENGTH, off + 4, 2);
    let stored = h.num(&UDP_CHECKSUM, off + 6, 2);
    let (Some(sp), Some(dp), Some(len), Some(stored)) = (sp, dp, len, stored) else {
        h.layer.length = (cap_end - off.min(cap_end)).min(8) as u32;
        ctx.push(h);
        ctx.truncated(Protocol::Udp, off, 8);
        return;
    };
    let len = len as usize;
    let ip_len = end.saturating_sub(off);
    let mut udp_end = end;
    if len < 8 || len > ip_len {
        ctx.note(
            Severity::Warning,
            crate::model::NoteKind::Malformed,
            Protocol::Udp,
            off + 4,
            format!(
                "UDP length {len} is not between 8 (the header alone) and the {} the IP header gives it.",
                crate::model::count(ip_len, "byte")
            ),
        );
    } else {
        udp_end = off + len;
    }
    // Checksum (skipped where neither a field nor a note shows it).
    if let (Some(net), true) = (ctx.net, ctx.fields || ctx.notes) {
        let complete = udp_end <= d.len();
        let (status, correct) = if stored == 0 && matches!(net, NetAddrs::V4(..)) {
            (ChecksumStatus::NotPresent, None)
        } else {
            judge_transport(
                &net,
                17,
                &d[off.min(d.len())..udp_end.min(d.len()).max(off.min(d.len()))],
                stored as u16,
                complete,
                ctx.loopback,
            )
        };
        h.generated(
            &UDP_CHECKSUM_STATUS,
            Value::U64(status as u64),
            Text::Num(ChecksumStatus::text),
        );
        h.nest(1);
        if let Some(f) = h.layer.fields.last_mut() {
            f.offset = (off + 6) as u32;
        }
        if let Some(c) = correct {
            h.generated(&UDP_CHECKSUM_CALC, Value::U64(u64::from(c)), Text::Auto);
            h.nest(1);
        }
        checksum_note(
            ctx,
            Protocol::Udp,
            off + 6,
            status,
            stored as u16,
            correct,
            complete,
        );
    }
    ctx.push(h);
    let payload = udp_end.saturating_sub(off + 8);
    if let Some(n) = ctx.net {
        ctx.set_summary(
            "UDP",
            {
                let mut s = String::with_capacity(32);
                kv(&mut s, "", sp);
                kv(&mut s, " → ", dp);
                kv(&mut s, " Len=", payload as u64);
                s
            },
            || {
                let data = crate::model::count(payload, "byte");
                format!(
                    "{} sends a UDP datagram with {data} of data to {}: no connection, no acknowledgement, no retransmission.",
                    n.endpoint(true, sp as u16),
                    n.endpoint(false, dp as u16)
                )
            },
        );
    }
    if crate::protocols::decode_udp(ctx, sp as u16, dp as u16, off + 8, udp_end) {
        return;
    }
    ctx.data_layer(off + 8, udp_end.min(d.len()));
}
