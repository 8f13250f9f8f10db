//! IPv4 (RFC 791) and IPv6 (RFC 8200) with extension headers.

use super::checksum::{fold, ones_sum, ChecksumStatus};
use super::{link, transport, Ctx, Hdr, NetAddrs};
use crate::model::{count, Base, Protocol, Severity, Text, Value};
use etherparse::{IpNumber, Ipv4HeaderSlice};

crate::field_def!(
    V4_VERSION,
    "ip.version",
    "Version",
    Base::Dec,
    "IP version: 4 here."
);
crate::field_def!(
    V4_HDR_LEN,
    "ip.hdr_len",
    "Header length",
    Base::Dec,
    "Length of the IPv4 header in bytes (the field counts 32-bit words: 5 means 20 bytes)."
);
crate::field_def!(
    V4_DSFIELD,
    "ip.dsfield",
    "Differentiated Services field",
    Base::Hex(2),
    "Priority class (DSCP, 6 bits) and congestion signalling (ECN, 2 bits); this byte was once the Type of Service field."
);
crate::field_def!(
    V4_DSCP,
    "ip.dsfield.dscp",
    "DSCP",
    Base::Dec,
    "Differentiated Services Code Point: how routers should prioritise this packet."
);
crate::field_def!(
    V4_ECN,
    "ip.dsfield.ecn",
    "ECN",
    Base::Dec,
    "Explicit Congestion Notification: if both ends support it, routers mark congestion here instead of dropping (0 = not used)."
);
crate::field_def!(
    V4_LEN,
    "ip.len",
    "Total length",
    Base::Dec,
    "Length of the whole IP packet (header + data) in bytes."
);
crate::field_def!(
    V4_ID,
    "ip.id",
    "Identification",
    Base::Hex(4),
    "Number the sender gives a packet so its fragments can be matched and put back together (only fragmentation uses it, RFC 6864)."
);
crate::field_def!(
    V4_FLAGS,
    "ip.flags",
    "Flags",
    Base::Hex(2),
    "Fragmentation control bits."
);
crate::field_def!(
    V4_RB,
    "ip.flags.rb",
    "Reserved bit",
    Base::None,
    "Must be zero."
);
crate::field_def!(
    V4_DF,
    "ip.flags.df",
    "Don't fragment",
    Base::None,
    "Routers must not split this packet; if it is too big they drop it and say so (ICMP)."
);
crate::field_def!(
    V4_MF,
    "ip.flags.mf",
    "More fragments",
    Base::None,
    "More fragments of the same original packet follow this one."
);
crate::field_def!(
    V4_FRAG,
    "ip.frag_offset",
    "Fragment offset",
    Base::Dec,
    "Where this fragment's data belongs in the original packet, in 8-byte units."
);
crate::field_def!(V4_TTL, "ip.ttl", "Time to live", Base::Dec, "Hop limit: every router subtracts one and drops the packet at zero, so loops cannot last forever.");
crate::field_def!(
    V4_PROTO,
    "ip.proto",
    "Protocol",
    Base::Dec,
    "Which protocol the data carries: 6 TCP, 17 UDP, 1 ICMP."
);
crate::field_def!(V4_CHECKSUM, "ip.checksum", "Header checksum", Base::Hex(4), "Detects damage to the IPv4 header (not the data); recomputed by every router because TTL changes.");
crate::field_def!(
    V4_CHECKSUM_STATUS,
    "ip.checksum.status",
    "Checksum status",
    Base::Dec,
    "Whether the header checksum matched (1 good, 0 bad, 2 not verified)."
);
crate::field_def!(
    V4_SRC,
    "ip.src",
    "Source address",
    Base::None,
    "IP address of the sender."
);
crate::field_def!(
    V4_DST,
    "ip.dst",
    "Destination address",
    Base::None,
    "IP address the packet is for."
);
crate::field_def!(
    V4_OPT_TYPE,
    "ip.opt.type",
    "Option type",
    Base::Dec,
    "Which IPv4 option this is (0 end, 1 no-op, 7 record route, 68 timestamp, 148 router alert)."
);
crate::field_def!(
    V4_OPT_LEN,
    "ip.opt.len",
    "Option length",
    Base::Dec,
    "Length of the whole option in bytes, its type and length bytes included."
);
crate::field_def!(
    V4_OPT_DATA,
    "ip.opt.data",
    "Option data",
    Base::None,
    "The option's contents."
);

crate::field_def!(
    V6_VERSION,
    "ipv6.version",
    "Version",
    Base::Dec,
    "IP version: 6 here."
);
crate::field_def!(
    V6_TCLASS,
    "ipv6.tclass",
    "Traffic class",
    Base::Hex(2),
    "Priority class (DSCP) and congestion signalling (ECN), laid out like IPv4's DS field."
);
crate::field_def!(
    V6_DSCP,
    "ipv6.tclass.dscp",
    "DSCP",
    Base::Dec,
    "Differentiated Services Code Point."
);
crate::field_def!(
    V6_ECN,
    "ipv6.tclass.ecn",
    "ECN",
    Base::Dec,
    "Explicit Congestion Notification: if both ends support it, routers mark congestion here instead of dropping (0 = not used)."
);
crate::field_def!(
    V6_FLOW,
    "ipv6.flow",
    "Flow label",
    Base::Hex(5),
    "Marks the packets of one flow so routers can treat them alike (e.g. keep them on one path) without reading further; 0 = unlabelled."
);
crate::field_def!(
    V6_PLEN,
    "ipv6.plen",
    "Payload length",
    Base::Dec,
    "Bytes after the 40-byte IPv6 header (extension headers included)."
);
crate::field_def!(
    V6_NXT,
    "ipv6.nxt",
    "Next header",
    Base::Dec,
    "What follows: an extension header or the transport protocol (6 TCP, 17 UDP, 58 ICMPv6)."
);
crate::field_def!(
    V6_HLIM,
    "ipv6.hlim",
    "Hop limit",
    Base::Dec,
    "IPv6's TTL: decremented by every router, dropped at zero."
);
crate::field_def!(
    V6_SRC,
    "ipv6.src",
    "Source address",
    Base::None,
    "IPv6 address of the sender."
);
crate::field_def!(
    V6_DST,
    "ipv6.dst",
    "Destination address",
    Base::None,
    "IPv6 address the packet is for."
);
crate::field_def!(
    V6_HOP_NXT,
    "ipv6.hopopts.nxt",
    "Hop-by-hop: next header",
    Base::Dec,
    "What follows the hop-by-hop options header."
);
crate::field_def!(
    V6_HOP_LEN,
    "ipv6.hopopts.len",
    "Hop-by-hop: length",
    Base::Dec,
    "Header length in 8-byte units, not counting the first 8 bytes."
);
crate::field_def!(
    V6_DST_NXT,
    "ipv6.dstopts.nxt",
    "Destination options: next header",
    Base::Dec,
    "What follows the destination options header."
);
crate::field_def!(
    V6_DST_LEN,
    "ipv6.dstopts.len",
    "Destination options: length",
    Base::Dec,
    "Header length in 8-byte units, not counting the first 8 bytes."
);
crate::field_def!(
    V6_OPT_TYPE,
    "ipv6.opt.type",
    "Option type",
    Base::Hex(2),
    "Which option (0 Pad1, 1 PadN, 5 router alert)."
);
crate::field_def!(
    V6_OPT_LEN,
    "ipv6.opt.length",
    "Option length",
    Base::Dec,
    "Length of the option data in bytes."
);
crate::field_def!(
    V6_RT_NXT,
    "ipv6.routing.nxt",
    "Routing: next header",
    Base::Dec,
    "What follows the routing header."
);
crate::field_def!(
    V6_RT_LEN,
    "ipv6.routing.len",
    "Routing: length",
    Base::Dec,
    "Header length in 8-byte units, not counting the first 8 bytes."
);
crate::field_def!(
    V6_RT_TYPE,
    "ipv6.routing.type",
    "Routing type",
    Base::Dec,
    "Kind of source routing requested."
);
crate::field_def!(
    V6_RT_SEGLEFT,
    "ipv6.routing.segleft",
    "Segments left",
    Base::Dec,
    "How many listed nodes are still to be visited."
);
crate::field_def!(
    V6_FRAG_NXT,
    "ipv6.fraghdr.nxt",
    "Fragment: next header",
    Base::Dec,
    "Protocol of the original (unfragmented) packet's data."
);
crate::field_def!(
    V6_FRAG_OFFSET,
    "ipv6.fraghdr.offset",
    "Fragment offset",
    Base::Dec,
    "Where this fragment belongs in the original data, in 8-byte units."
);
crate::field_def!(
    V6_FRAG_MORE,
    "ipv6.fraghdr.more",
    "More fragments",
    Base::None,
    "More fragments of the same packet follow."
);
crate::field_def!(
    V6_FRAG_IDENT,
    "ipv6.fraghdr.ident",
    "Identification",
    Base::Hex(8),
    "Number shared by all fragments of one original packet."
);
crate::field_def!(
    V6_AH_NXT,
    "ah.next_header",
    "AH: next header",
    Base::Dec,
    "What follows the authentication header."
);
crate::field_def!(
    V6_AH_LEN,
    "ah.length",
    "AH: length",
    Base::Dec,
    "Length in 32-bit words minus 2."
);
crate::field_def!(
    V6_AH_SPI,
    "ah.spi",
    "AH: SPI",
    Base::Hex(8),
    "Security association this packet belongs to."
);

/// "20 bytes (5)": a header length in bytes and the 32-bit words the field counts.
pub(super) fn header_len_text(bytes: u64, out: &mut String) {
    let mut n = itoa::Buffer::new();
    out.push_str(n.format(bytes));
    out.push_str(" bytes (");
    out.push_str(n.format(bytes / 4));
    out.push(')');
}

pub(super) fn ip_proto_name(p: u8) -> String {
    let mut s = String::new();
    write_ip_proto(u64::from(p), &mut s);
    s
}

/// "TCP (6)", or the bare number for protocols without a keyword.
pub(super) fn write_ip_proto(p: u64, out: &mut String) {
    let mut n = itoa::Buffer::new();
    match IpNumber(p as u8).keyword_str() {
        Some(k) => {
            out.push_str(k);
            out.push_str(" (");
            out.push_str(n.format(p as u8));
            out.push(')');
        }
        None => out.push_str(n.format(p as u8)),
    }
}

/// Where each field of the IPv4 header lies (RFC 791 §3.1), in smoltcp's style.
mod v4 {
    use std::ops::Range;
    /// Version (high 4 bits) and header length in 32-bit words (low 4 bits).
    pub const VER_IHL: usize = 0;
    pub const DSFIELD: usize = 1;
    pub const TOTAL_LEN: Range<usize> = 2..4;
    pub const ID: Range<usize> = 4..6;
    /// Flags (high 3 bits) and fragment offset in 8-byte units (low 13 bits).
    pub const FLAGS_FRAG: Range<usize> = 6..8;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: Range<usize> = 10..12;
    pub const SRC: usize = 12;
    pub const DST: usize = 16;
    /// Where the options start (and the fixed header ends).
    pub const OPTIONS: usize = 20;
    /// The bits of the 16-bit word at `FLAGS_FRAG`.
    pub const RESERVED: u32 = 0x8000;
    pub const DONT_FRAGMENT: u32 = 0x4000;
    pub const MORE_FRAGMENTS: u32 = 0x2000;
    pub const FRAG_OFFSET: u32 = 0x1fff;
}

/// Decode the IPv4 header at `off`: its fields, checksum and options, the checks of its
/// lengths, then the payload (transport, or a fragment's data) and any link trailer.
pub(super) fn ipv4(ctx: &mut Ctx<'_, '_>, off: usize) {
    use v4::*;
    let avail = ctx.data.len().saturating_sub(off);
    let parsed = Ipv4HeaderSlice::from_slice(&ctx.data[off.min(ctx.data.len())..]);
    let mut h = ctx.hdr(Protocol::Ipv4, off, OPTIONS);
    let ihl = v4_version_and_length(&mut h, off);
    let total = h
        .num(&V4_LEN, off + TOTAL_LEN.start, TOTAL_LEN.len())
        .map(|v| v as usize);
    let id = h.num(&V4_ID, off + ID.start, ID.len()).unwrap_or(0);
    let (mf, frag) = v4_fragment_fields(&mut h, off);
    let ttl = h.num(&V4_TTL, off + TTL, 1);
    let proto = h.num_text(&V4_PROTO, off + PROTOCOL, 1, write_ip_proto);
    let stored = h.num(&V4_CHECKSUM, off + CHECKSUM.start, CHECKSUM.len());
    let src = h.ipv4(&V4_SRC, off + SRC);
    let dst = h.ipv4(&V4_DST, off + DST);
    let (Some(src), Some(dst), Some(ihl), Some(total), Some(proto)) = (src, dst, ihl, total, proto)
    else {
        h.layer.length = avail.min(OPTIONS) as u32;
        ctx.push(h);
        ctx.truncated(Protocol::Ipv4, off, OPTIONS);
        return;
    };
    let proto = proto as u8;
    ctx.net = Some(NetAddrs::V4(src, dst));
    // etherparse's word only where no note of ours says the same (a header length under
    // 20, a total length under it, a header cut short): the version, say.
    let malformed = crate::model::NoteKind::Malformed;
    if let (Err(e), true) = (&parsed, ihl >= OPTIONS && total >= ihl && avail >= ihl) {
        let text = format!("IPv4 header problem: {e}");
        ctx.note(Severity::Warning, malformed, Protocol::Ipv4, off, text);
    }
    if ihl < OPTIONS {
        h.layer.length = OPTIONS as u32;
        ctx.push(h);
        let bytes = count(ihl, "byte");
        let text = format!(
            "IPv4 header length {bytes} is less than the minimum of 20 bytes; cannot go on."
        );
        ctx.note(Severity::Error, malformed, Protocol::Ipv4, off, text);
        ctx.data_layer(off + OPTIONS, ctx.data.len());
        return;
    }
    // Checksum and options, when all of the header was captured (not for the flow pass,
    // which keeps no notes).
    let check = !ctx.facts_only();
    if let (true, Some(hdr), Some(stored)) = (check, h.slice(off, ihl), stored) {
        v4_checksum(ctx, &mut h, off, hdr, stored as u16);
    }
    if ihl > OPTIONS && check {
        if let Some(opts) = h.slice(off + OPTIONS, ihl - OPTIONS) {
            ipv4_options(&mut h, opts, off + OPTIONS);
        }
    }
    h.layer.length = avail.min(ihl) as u32;
    ctx.push(h);
    if avail < ihl {
        ctx.truncated(Protocol::Ipv4, off, ihl);
        return;
    }
    let end = v4_end(ctx, off, total, ihl, avail);
    v4_payload(
        ctx,
        (off, ihl, end),
        NetAddrs::V4(src, dst),
        (id, mf, frag),
        proto,
        ttl,
    );
    link::trailer(ctx, end);
}

/// The version and the header length (in bytes) fields.
fn v4_version_and_length(h: &mut Hdr<'_>, off: usize) -> Option<usize> {
    let at = off + v4::VER_IHL;
    h.bits(&V4_VERSION, at, 1, 0xf0);
    h.nest(0);
    let ihl = h.u(at, 1).map(|b| (b & 0x0f) as usize * 4);
    if let Some(ihl) = ihl {
        h.layer
            .push_bits(&V4_HDR_LEN, Value::U64(ihl as u64), at, 1, 0x0f);
        h.nest(0);
        if let Some(f) = h.layer.fields.last_mut() {
            f.text = Text::Num(header_len_text);
        }
    }
    if h.num(&V4_DSFIELD, off + v4::DSFIELD, 1).is_some() {
        h.bits(&V4_DSCP, off + v4::DSFIELD, 1, 0xfc);
        h.bits(&V4_ECN, off + v4::DSFIELD, 1, 0x03);
    }
    ihl
}

/// The flags and the fragment offset: (more fragments, offset in bytes).
fn v4_fragment_fields(h: &mut Hdr<'_>, off: usize) -> (bool, usize) {
    let at = off + v4::FLAGS_FRAG.start;
    let Some(fl) = h.u(at, 1) else {
        return (false, 0);
    };
    h.layer.push(&V4_FLAGS, Value::U64((fl & 0xe0) >> 5), at, 1);
    if let Some(f) = h.layer.fields.last_mut() {
        f.bitmask = Some(0xe0);
    }
    h.flag(&V4_RB, at, 2, v4::RESERVED);
    h.flag(&V4_DF, at, 2, v4::DONT_FRAGMENT);
    let mf = h.flag(&V4_MF, at, 2, v4::MORE_FRAGMENTS).unwrap_or(false);
    let Some(word) = h.u(at, 2) else {
        return (mf, 0);
    };
    let units = word & u64::from(v4::FRAG_OFFSET);
    h.layer
        .push_bits(&V4_FRAG, Value::U64(units), at, 2, v4::FRAG_OFFSET);
    h.nest(0);
    if let Some(f) = h.layer.fields.last_mut() {
        f.text = Text::Num(|u, out| {
            let mut n = itoa::Buffer::new();
            out.push_str(n.format(u));
            out.push_str(" (× 8 = byte ");
            out.push_str(n.format(u * 8));
            out.push(')');
        });
    }
    (mf, units as usize * 8)
}

/// The header checksum's status, and a note with the right value when it is wrong (on
/// loopback a zero is "not verified": the card that would fill it in is not there).
fn v4_checksum(ctx: &mut Ctx<'_, '_>, h: &mut Hdr<'_>, off: usize, hdr: &[u8], stored: u16) {
    let sum = fold(ones_sum(0, hdr));
    let status = if sum == 0xffff {
        ChecksumStatus::Good
    } else if stored == 0 && ctx.loopback {
        ChecksumStatus::Unverified
    } else {
        ChecksumStatus::Bad
    };
    let v = Value::U64(status as u64);
    h.generated(&V4_CHECKSUM_STATUS, v, Text::Num(ChecksumStatus::text));
    if status == ChecksumStatus::Bad {
        let correct = !fold(ones_sum(0, hdr) + u64::from(!stored));
        let text =
            format!("IPv4 header checksum 0x{stored:04x} is wrong; it should be 0x{correct:04x}.");
        let at = off + v4::CHECKSUM.start;
        ctx.note(
            Severity::Warning,
            crate::model::NoteKind::Checksum,
            Protocol::Ipv4,
            at,
            text,
        );
    }
}

/// Where the packet ends: at its total length, unless that is impossible (under the header,
/// or past the frame of a whole packet), which is said.
fn v4_end(ctx: &mut Ctx<'_, '_>, off: usize, total: usize, ihl: usize, avail: usize) -> usize {
    let at = off + v4::TOTAL_LEN.start;
    let malformed = crate::model::NoteKind::Malformed;
    if total < ihl {
        let text =
            format!("IPv4 total length {total} is smaller than its own header ({ihl} bytes).");
        ctx.note(Severity::Warning, malformed, Protocol::Ipv4, at, text);
        return ctx.data.len();
    }
    let end = off + total;
    if end > ctx.data.len() && ctx.complete {
        let text = format!(
            "IPv4 total length {total} is larger than the {} left in the frame.",
            count(avail, "byte")
        );
        ctx.note(Severity::Warning, malformed, Protocol::Ipv4, at, text);
    }
    end
}

/// The payload: a fragment is noted, and one that is not the first shows as data (its
/// transport header is in the first); otherwise the transport protocol.
fn v4_payload(
    ctx: &mut Ctx<'_, '_>,
    (off, ihl, end): (usize, usize, usize),
    net: NetAddrs,
    (id, mf, frag): (u64, bool, usize),
    proto: u8,
    ttl: Option<u64>,
) {
    if mf || frag > 0 {
        let more = if mf {
            ", more fragments follow"
        } else {
            ", last fragment"
        };
        let text = format!("IPv4 fragment: ID 0x{id:04x}, data offset {frag}{more}");
        let at = off + v4::FLAGS_FRAG.start;
        ctx.note(
            Severity::Info,
            crate::model::NoteKind::Fragment,
            Protocol::Ipv4,
            at,
            text,
        );
    }
    if frag == 0 {
        transport::dispatch(ctx, proto, off + ihl, end, ttl);
        return;
    }
    let pname = ip_proto_name(proto);
    ctx.set_summary(
        "IPv4",
        format!("Fragmented IP protocol (proto={pname}, off={frag}, ID={id:04x})"),
        || format!(
            "{} sends {} a piece of a larger packet (its data from byte {frag} on); the pieces are put back together at the destination.",
            net.src_string(),
            net.dst_string()
        ),
    );
    ctx.data_layer(off + ihl, end);
}

fn ipv4_options(h: &mut Hdr<'_>, opts: &[u8], base: usize) {
    let mut i = 0;
    while i < opts.len() {
        let t = opts[i];
        h.layer
            .push(&V4_OPT_TYPE, Value::U64(u64::from(t)), base + i, 1);
        h.nest(1);
        if t == 0 {
            break;
        }
        if t == 1 {
            i += 1;
            continue;
        }
        let Some(&len) = opts.get(i + 1) else { break };
        let len = len as usize;
        h.layer
            .push(&V4_OPT_LEN, Value::U64(len as u64), base + i + 1, 1);
        h.nest(2);
        if len < 2 || i + len > opts.len() {
            break;
        }
        if len > 2 {
            h.layer.push(
                &V4_OPT_DATA,
                Value::bytes(&opts[i + 2..i + len]),
                base + i + 2,
                len - 2,
            );
            h.nest(2);
        }
        i += len;
    }
}

/// IPv6 extension headers by their Next Header number (etherparse's `IpNumber`, IANA).
mod ext {
    use etherparse::IpNumber;
    pub const HOP_BY_HOP: u8 = IpNumber::IPV6_HEADER_HOP_BY_HOP.0;
    pub const ROUTING: u8 = IpNumber::IPV6_ROUTE_HEADER.0;
    pub const FRAGMENT: u8 = IpNumber::IPV6_FRAGMENTATION_HEADER.0;
    pub const AUTH: u8 = IpNumber::AUTHENTICATION_HEADER.0;
    pub const DEST_OPTS: u8 = IpNumber::IPV6_DESTINATION_OPTIONS.0;
    pub const NO_NEXT_HEADER: u8 = IpNumber::IPV6_NO_NEXT_HEADER.0;
}

/// Where each field of the IPv6 header lies (RFC 8200 §3), in smoltcp's style.
mod v6 {
    /// Version (4 bits), traffic class (8: DSCP 6 + ECN 2) and flow label (20), one word.
    pub const FIRST_WORD: usize = 0;
    pub const PAYLOAD_LEN: usize = 4;
    pub const NEXT_HEADER: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC: usize = 8;
    pub const DST: usize = 24;
    pub const HEADER_LEN: usize = 40;
    pub const VERSION: u32 = 0xf000_0000;
    pub const TCLASS: u32 = 0x0ff0_0000;
    pub const DSCP: u32 = 0x0fc0_0000;
    pub const ECN: u32 = 0x0030_0000;
    pub const FLOW: u32 = 0x000f_ffff;
}

/// Decode the IPv6 header at `off`, its extension headers, then the payload (transport, or
/// a fragment's data) and any link trailer.
pub(super) fn ipv6(ctx: &mut Ctx<'_, '_>, off: usize) {
    use v6::*;
    let avail = ctx.data.len().saturating_sub(off);
    // No etherparse parse here: a fixed 40-byte header whose only check beyond its length
    // is the version, done below; its error would repeat the "truncated" note.
    let mut h = ctx.hdr(Protocol::Ipv6, off, HEADER_LEN);
    v6_first_word(&mut h, off);
    let plen = h.num(&V6_PLEN, off + PAYLOAD_LEN, 2);
    let nxt = h.num_text(&V6_NXT, off + NEXT_HEADER, 1, write_ip_proto);
    let hlim = h.num(&V6_HLIM, off + HOP_LIMIT, 1);
    let src = h.ipv6(&V6_SRC, off + SRC);
    let dst = h.ipv6(&V6_DST, off + DST);
    let (Some(plen), Some(nxt), Some(src), Some(dst)) = (plen, nxt, src, dst) else {
        h.layer.length = avail.min(HEADER_LEN) as u32;
        ctx.push(h);
        ctx.truncated(Protocol::Ipv6, off, HEADER_LEN);
        return;
    };
    if let Some(v) = h.u(off, 1).map(|b| b >> 4).filter(|&v| v != 6) {
        let text = format!("IPv6 header with version field {v}.");
        ctx.note(
            Severity::Warning,
            crate::model::NoteKind::Malformed,
            Protocol::Ipv6,
            off,
            text,
        );
    }
    let net = NetAddrs::V6(src, dst);
    ctx.net = Some(net);
    let end = v6_end(ctx, off, plen, avail);
    let ext = v6_extensions(&mut h, off + HEADER_LEN, nxt as u8);
    h.layer.length = (ext.cur.min(ctx.data.len()) - off) as u32;
    ctx.push(h);
    if ext.stopped {
        ctx.truncated(Protocol::Ipv6, ext.cur, 8);
        return;
    }
    v6_payload(ctx, &ext, end, net, hlim);
    link::trailer(ctx, end);
}

/// Version, traffic class (DSCP, ECN) and flow label: bit fields of the first word.
fn v6_first_word(h: &mut Hdr<'_>, off: usize) {
    let at = off + v6::FIRST_WORD;
    h.bits(&V6_VERSION, at, 4, v6::VERSION);
    h.bits(&V6_TCLASS, at, 4, v6::TCLASS);
    h.bits(&V6_DSCP, at, 4, v6::DSCP);
    h.nest(2);
    h.bits(&V6_ECN, at, 4, v6::ECN);
    h.nest(2);
    h.bits(&V6_FLOW, at, 4, v6::FLOW);
    for f in h.layer.fields.iter_mut().filter(|f| f.depth == 1) {
        f.depth = 0;
    }
}

/// Where the packet ends: after its payload length, or at the frame's end for a jumbogram's
/// 0; a length past the end of a whole packet is said.
fn v6_end(ctx: &mut Ctx<'_, '_>, off: usize, plen: u64, avail: usize) -> usize {
    if plen == 0 {
        return ctx.data.len();
    }
    let end = off + v6::HEADER_LEN + plen as usize;
    if end > ctx.data.len() && ctx.complete {
        let left = count(avail.saturating_sub(v6::HEADER_LEN), "byte");
        let text =
            format!("IPv6 payload length {plen} is larger than the {left} after the header.");
        let at = off + v6::PAYLOAD_LEN;
        ctx.note(
            Severity::Warning,
            crate::model::NoteKind::Malformed,
            Protocol::Ipv6,
            at,
            text,
        );
    }
    end
}

/// What the extension headers left: the protocol after them and where it starts, the
/// fragment header's facts, and whether a header was cut short.
#[derive(Debug, Default)]
struct Extensions {
    next: u8,
    cur: usize,
    frag_offset: Option<u64>,
    frag_ident: u64,
    frag_more: bool,
    stopped: bool,
}

/// Walk the extension headers from `cur` (hop-by-hop, routing, fragment, destination
/// options, authentication), each a field group of the IPv6 layer; stop at the first other
/// protocol, or after a fragment that is not the first (its headers are in the first).
fn v6_extensions(h: &mut Hdr<'_>, cur: usize, next: u8) -> Extensions {
    let mut x = Extensions {
        next,
        cur,
        ..Default::default()
    };
    loop {
        let step = match x.next {
            ext::HOP_BY_HOP | ext::DEST_OPTS | ext::ROUTING => ext_options(h, x.cur, x.next),
            ext::FRAGMENT => ext_fragment(h, x.cur, &mut x),
            ext::AUTH => ext_auth(h, x.cur),
            _ => break,
        };
        let Some((next, len)) = step else {
            x.stopped = true;
            break;
        };
        x.cur += len;
        x.next = next;
        if x.frag_offset.is_some_and(|f| f > 0) {
            break;
        }
    }
    x
}

/// A hop-by-hop, destination options or routing header at `cur`: (next header, length).
fn ext_options(h: &mut Hdr<'_>, cur: usize, kind: u8) -> Option<(u8, usize)> {
    let (nd, ld) = match kind {
        ext::HOP_BY_HOP => (&V6_HOP_NXT, &V6_HOP_LEN),
        ext::DEST_OPTS => (&V6_DST_NXT, &V6_DST_LEN),
        _ => (&V6_RT_NXT, &V6_RT_LEN),
    };
    let n = h.num_text(nd, cur, 1, write_ip_proto)?;
    let l = h.num(ld, cur + 1, 1)?;
    let len = (l as usize + 1) * 8;
    if kind == ext::ROUTING {
        h.num(&V6_RT_TYPE, cur + 2, 1);
        h.num(&V6_RT_SEGLEFT, cur + 3, 1);
    } else if let Some(body) = h.slice(cur + 2, len - 2) {
        ipv6_options(h, body, cur + 2);
    }
    h.slice(cur, len)?;
    Some((n as u8, len))
}

/// A fragment header at `cur` (8 bytes): its facts go to `x`.
fn ext_fragment(h: &mut Hdr<'_>, cur: usize, x: &mut Extensions) -> Option<(u8, usize)> {
    let n = h.num_text(&V6_FRAG_NXT, cur, 1, write_ip_proto)?;
    let fo = h.bits(&V6_FRAG_OFFSET, cur + 2, 2, 0xfff8)?;
    x.frag_more = h.flag(&V6_FRAG_MORE, cur + 2, 2, 0x0001).unwrap_or(false);
    x.frag_ident = h.num(&V6_FRAG_IDENT, cur + 4, 4).unwrap_or(0);
    h.slice(cur, 8)?;
    x.frag_offset = Some(fo);
    Some((n as u8, 8))
}

/// An authentication header at `cur` (RFC 4302; its length counts 4-byte words, minus 2).
fn ext_auth(h: &mut Hdr<'_>, cur: usize) -> Option<(u8, usize)> {
    let n = h.num(&V6_AH_NXT, cur, 1)?;
    let l = h.num(&V6_AH_LEN, cur + 1, 1)?;
    h.num(&V6_AH_SPI, cur + 4, 4);
    let len = (l as usize + 2) * 4;
    h.slice(cur, len)?;
    Some((n as u8, len))
}

/// The payload after the extension headers: a later fragment's data, nothing (no next
/// header), or the transport protocol; fragments are noted.
fn v6_payload(ctx: &mut Ctx<'_, '_>, x: &Extensions, end: usize, net: NetAddrs, hlim: Option<u64>) {
    let (cur, id) = (x.cur, x.frag_ident);
    let note = |ctx: &mut Ctx<'_, '_>, text: String| {
        ctx.note(
            Severity::Info,
            crate::model::NoteKind::Fragment,
            Protocol::Ipv6,
            cur,
            text,
        );
    };
    match x.frag_offset {
        Some(fo) if fo > 0 => {
            let at = fo * 8;
            note(ctx, format!("IPv6 fragment: ID 0x{id:08x}, data offset {at}"));
            let info = format!("IPv6 fragment (off={at} ident=0x{id:08x} nxt={})", x.next);
            ctx.set_summary("IPv6", info, || format!(
                "{} sends {} a piece of a larger packet (its data from byte {at} on); the pieces are put back together at the destination.",
                net.src_string(),
                net.dst_string(),
            ));
            ctx.data_layer(cur, end);
            return;
        }
        Some(_) if x.frag_more => {
            note(ctx, format!("First IPv6 fragment of ID 0x{id:08x}; more follow."))
        }
        Some(_) => note(ctx, format!("Atomic IPv6 fragment (ID 0x{id:08x}): offset 0 and no more fragments, so the packet is whole.")),
        None => {}
    }
    if x.next != ext::NO_NEXT_HEADER {
        transport::dispatch(ctx, x.next, cur, end, hlim);
        return;
    }
    ctx.set_summary("IPv6", "IPv6 no next header".into(), || {
        let (a, b) = (net.src_string(), net.dst_string());
        format!("{a} sends {b} an IPv6 packet with nothing inside.")
    });
    ctx.data_layer(cur, end);
}

fn ipv6_options(h: &mut Hdr<'_>, body: &[u8], base: usize) {
    let mut i = 0;
    while i < body.len() {
        let t = body[i];
        h.layer
            .push(&V6_OPT_TYPE, Value::U64(u64::from(t)), base + i, 1);
        h.nest(1);
        if t == 0 {
            i += 1;
            continue;
        }
        let Some(&l) = body.get(i + 1) else { break };
        h.layer
            .push(&V6_OPT_LEN, Value::U64(u64::from(l)), base + i + 1, 1);
        h.nest(2);
        i += 2 + l as usize;
    }
}

/// Byte fixtures: real IPv4 and IPv6 headers decoded, cut short, and with impossible lengths.
#[cfg(test)]
mod tests {
    use crate::decode::fixture::{ethernet, field, note, patched, UDP_FRAME};
    use crate::model::NoteKind;

    const IPV6_UDP: [u8; 67] = [
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd, 0x60,
        0x00, 0x00, 0x00, 0x00, 0x0d, 0x11, 0x40, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x27, 0x0f, 0x00, 0x0d,
        0xfb, 0xad, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
    ];

    #[test]
    fn ipv4_fields_lie_at_their_bytes() {
        let p = ethernet(&UDP_FRAME, UDP_FRAME.len());
        assert_eq!(field(&p, "ip.hdr_len"), (14, 1, "20 bytes (5)".into()));
        assert_eq!(field(&p, "ip.len"), (16, 2, "33".into()));
        assert_eq!(field(&p, "ip.ttl"), (22, 1, "64".into()));
        assert_eq!(field(&p, "ip.proto"), (23, 1, "UDP (17)".into()));
        assert_eq!(field(&p, "ip.checksum.status").2, "Good (1)");
        assert_eq!(field(&p, "ip.src"), (26, 4, "10.0.0.1".into()));
        assert_eq!(field(&p, "ip.dst"), (30, 4, "10.0.0.2".into()));
        assert!(p.notes.is_empty(), "{:?}", p.notes);
    }

    #[test]
    fn ipv4_cut_short_says_where() {
        let p = ethernet(&UDP_FRAME, 30);
        let n = note(&p, NoteKind::Truncated, "ip").expect("a truncation note");
        assert!(
            n.contains("IPv4 (byte 14)") && n.contains("needs 20 bytes, only 16"),
            "{n}"
        );
    }

    #[test]
    fn ipv4_impossible_lengths_are_named() {
        // Header length 4 words (16 bytes): below the minimum of 20.
        let p = ethernet(&patched(&UDP_FRAME, 14, &[0x44]), UDP_FRAME.len());
        let n = note(&p, NoteKind::Malformed, "ip").expect("a malformed note");
        assert!(n.contains("less than the minimum of 20 bytes"), "{n}");
        assert_eq!(p.notes.len(), 1, "one problem, one note: {:?}", p.notes);
        // Total length 10: smaller than its own 20-byte header.
        let p = ethernet(&patched(&UDP_FRAME, 16, &[0, 10]), UDP_FRAME.len());
        let found = p
            .notes
            .iter()
            .any(|n| n.text.contains("smaller than its own header"));
        assert!(found, "{:?}", p.notes);
    }

    #[test]
    fn ipv4_one_note_per_problem() {
        // A total length under the header: our note, not etherparse's beside it (the
        // patched header's checksum is wrong too, which is another problem).
        let p = ethernet(&patched(&UDP_FRAME, 16, &[0, 10]), UDP_FRAME.len());
        let ip: Vec<_> = p
            .notes
            .iter()
            .filter(|n| n.protocol == Some("ip") && n.kind != NoteKind::Checksum)
            .collect();
        assert_eq!(ip.len(), 1, "{ip:?}");
        // A 24-byte header (one option word) cut after 22 bytes: one truncation note.
        let p = ethernet(&patched(&UDP_FRAME, 14, &[0x46]), 14 + 22);
        let ip: Vec<_> = p
            .notes
            .iter()
            .filter(|n| n.protocol == Some("ip"))
            .collect();
        assert_eq!(ip.len(), 1, "{ip:?}");
        assert!(ip[0].text.contains("IPv4 (byte 14)"), "{}", ip[0].text);
    }

    #[test]
    fn ipv6_fields_lie_at_their_bytes() {
        let p = ethernet(&IPV6_UDP, IPV6_UDP.len());
        assert_eq!(field(&p, "ipv6.plen"), (18, 2, "13".into()));
        assert_eq!(field(&p, "ipv6.nxt"), (20, 1, "UDP (17)".into()));
        assert_eq!(field(&p, "ipv6.hlim"), (21, 1, "64".into()));
        assert_eq!(field(&p, "ipv6.src"), (22, 16, "fe80::1".into()));
        assert_eq!(field(&p, "ipv6.dst"), (38, 16, "fe80::2".into()));
        assert_eq!(field(&p, "udp.checksum.status").2, "Good (1)");
        assert!(p.notes.is_empty(), "{:?}", p.notes);
    }

    #[test]
    fn ipv6_cut_short_says_where_once() {
        let p = ethernet(&IPV6_UDP, 40);
        let notes: Vec<_> = p
            .notes
            .iter()
            .filter(|n| n.kind == NoteKind::Truncated)
            .collect();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].text.contains("IPv6 (byte 14)"),
            "{}",
            notes[0].text
        );
    }

    #[test]
    fn ipv6_payload_length_beyond_the_frame_is_named() {
        let p = ethernet(&patched(&IPV6_UDP, 18, &[0x01, 0x00]), IPV6_UDP.len());
        let n = note(&p, NoteKind::Malformed, "ipv6").expect("a malformed note");
        assert!(
            n.contains("payload length 256 is larger than the 13 bytes"),
            "{n}"
        );
    }
}
