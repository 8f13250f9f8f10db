//! Link layer: Ethernet II (with 802.1Q/QinQ tags), Linux cooked captures v1/v2, BSD loopback
//! and raw IP link types.

use super::{arp, ip, linktype, Ctx, Hdr};
use crate::model::{Address, Base, Protocol, Severity};
use etherparse::{EtherType, Ethernet2HeaderSlice, LinuxSllHeaderSlice, SingleVlanHeaderSlice};

crate::field_def!(ETH_DST, "eth.dst", "Destination MAC", Base::None, "Hardware address of the network card the frame is for (ff:ff:ff:ff:ff:ff = everyone on the link).");
crate::field_def!(
    ETH_SRC,
    "eth.src",
    "Source MAC",
    Base::None,
    "Hardware address of the network card that sent the frame."
);
crate::field_def!(
    ETH_TYPE,
    "eth.type",
    "EtherType",
    Base::Hex(4),
    "Which protocol the frame carries: 0x0800 IPv4, 0x86dd IPv6, 0x0806 ARP, 0x8100 VLAN tag."
);
crate::field_def!(
    ETH_PADDING,
    "eth.padding",
    "Padding",
    Base::None,
    "Filler bytes: an Ethernet frame must be at least 64 bytes (60 without the 4-byte FCS, which captures usually omit), so short packets are padded."
);
crate::field_def!(
    ETH_TRAILER,
    "eth.trailer",
    "Trailer",
    Base::None,
    "Bytes after the end of the carried packet that are not zero padding."
);
crate::field_def!(
    VLAN_PRIO,
    "vlan.priority",
    "Priority (PCP)",
    Base::Dec,
    "Class of service 0-7: which frames switches should send first."
);
crate::field_def!(
    VLAN_DEI,
    "vlan.dei",
    "Drop eligible",
    Base::None,
    "Set when this frame may be dropped first under congestion."
);
crate::field_def!(
    VLAN_ID,
    "vlan.id",
    "VLAN ID",
    Base::Dec,
    "Which virtual LAN (1-4094) the frame belongs to; 0 means no VLAN (priority only), 4095 is reserved."
);
crate::field_def!(
    VLAN_ETYPE,
    "vlan.etype",
    "EtherType",
    Base::Hex(4),
    "Protocol carried after this tag."
);
crate::field_def!(SLL_PKTTYPE, "sll.pkttype", "Packet type", Base::Dec, "Whether the capturing host received the packet (0 = to us, 1 = broadcast, 2 = multicast, 3 = to another host) or sent it (4 = outgoing).");
crate::field_def!(
    SLL_HATYPE,
    "sll.hatype",
    "Link-layer address type",
    Base::Dec,
    "ARPHRD_* type of the real link (1 = Ethernet, 772 = loopback)."
);
crate::field_def!(
    SLL_HALEN,
    "sll.halen",
    "Link-layer address length",
    Base::Dec,
    "How many bytes of the address field are used."
);
crate::field_def!(
    SLL_SRC_ETH,
    "sll.src.eth",
    "Source MAC",
    Base::None,
    "Hardware address of the sender, when it has one."
);
crate::field_def!(
    SLL_SRC_OTHER,
    "sll.src.other",
    "Source address",
    Base::None,
    "Link-layer address of the sender, in a format other than Ethernet."
);
crate::field_def!(
    SLL_UNUSED,
    "sll.unused",
    "Unused",
    Base::None,
    "Address bytes beyond the address length."
);
crate::field_def!(
    SLL_ETYPE,
    "sll.etype",
    "Protocol",
    Base::Hex(4),
    "EtherType of the carried packet."
);
crate::field_def!(
    SLL_LTYPE,
    "sll.ltype",
    "Protocol",
    Base::Hex(4),
    "Linux protocol type (not an EtherType) of the carried packet."
);
crate::field_def!(
    SLL_RESERVED,
    "sll.reserved",
    "Reserved",
    Base::Hex(4),
    "Reserved, must be zero."
);
crate::field_def!(
    SLL_IFINDEX,
    "sll.ifindex",
    "Interface index",
    Base::Dec,
    "Linux index of the interface the packet was seen on."
);
crate::field_def!(
    NULL_FAMILY,
    "null.family",
    "Family",
    Base::Dec,
    "Address family of the carried packet (2 = IPv4; 24, 28 or 30 = IPv6, depending on the BSD system that captured it)."
);

/// Dispatch on the capture's link type.
pub(super) fn dispatch(ctx: &mut Ctx<'_, '_>, lt: u32) {
    match lt {
        linktype::ETHERNET => ethernet(ctx, 0),
        linktype::NULL => null(ctx, false),
        linktype::LOOP => null(ctx, true),
        linktype::RAW | linktype::RAW_12 | linktype::RAW_14 => raw_ip(ctx, 0, None),
        linktype::IPV4 => raw_ip(ctx, 0, Some(4)),
        linktype::IPV6 => raw_ip(ctx, 0, Some(6)),
        linktype::LINUX_SLL => sll(ctx),
        linktype::LINUX_SLL2 => sll2(ctx),
        other => {
            let wirelen = ctx.pkt.meta.wirelen;
            ctx.note(
                Severity::Info,
                crate::model::NoteKind::Unsupported,
                Protocol::Frame,
                0,
                format!(
                    "Link type {other} ({}) is not decoded; the bytes are shown as data.",
                    linktype::name(other)
                ),
            );
            ctx.set_summary(
                "Frame",
                format!("Link type {other} not decoded"),
                || format!("A {wirelen}-byte frame of link type {other}, which layerscope does not decode."),
            );
            ctx.data_layer(0, ctx.data.len());
        }
    }
}

/// Raw IP: the version nibble decides, whatever the link type claims.
fn raw_ip(ctx: &mut Ctx<'_, '_>, off: usize, claimed: Option<u8>) {
    let Some(&b) = ctx.data.get(off) else {
        ctx.truncated(Protocol::Ipv4, off, 1);
        return;
    };
    let version = b >> 4;
    if let Some(c) = claimed {
        if c != version {
            ctx.note(
                Severity::Warning,
                crate::model::NoteKind::Malformed,
                Protocol::Frame,
                off,
                format!(
                    "The link type says IPv{c}, but the packet's version field says {version}; decoding by the version field."
                ),
            );
        }
    }
    match version {
        4 => ip::ipv4(ctx, off),
        6 => ip::ipv6(ctx, off),
        v => {
            ctx.note(
                Severity::Warning,
                crate::model::NoteKind::Malformed,
                Protocol::Ipv4,
                off,
                format!("Raw IP packet with IP version {v}, which is neither 4 nor 6."),
            );
            ctx.set_summary("IP", format!("Bogus IP version ({v})"), || {
                "A packet that claims to be IP but whose version number is neither 4 nor 6.".into()
            });
            ctx.data_layer(off, ctx.data.len());
        }
    }
}

fn ethernet(ctx: &mut Ctx<'_, '_>, off: usize) {
    let mut h = ctx.hdr(Protocol::Ethernet, off, 14);
    let parsed = Ethernet2HeaderSlice::from_slice(&ctx.data[off.min(ctx.data.len())..]);
    let dst = h.mac(&ETH_DST, off);
    let src = h.mac(&ETH_SRC, off + 6);
    let et = h.num_text(&ETH_TYPE, off + 12, 2, write_ethertype);
    if let (Some(s), Some(d)) = (src, dst) {
        ctx.pkt.source = Address::Mac(s);
        ctx.pkt.destination = Address::Mac(d);
        if s == [0; 6] && d == [0; 6] {
            ctx.loopback = true;
        }
    }
    h.layer.length = (ctx.data.len().saturating_sub(off)).min(14) as u32;
    let idx = ctx.push(h);
    ctx.eth_layer = Some(idx);
    match (parsed, et) {
        (Ok(_), Some(et)) => ethertype(ctx, et as u16, off + 14),
        _ => ctx.truncated(Protocol::Ethernet, off, 14),
    }
}

fn ethertype_text(v: u64) -> String {
    let mut s = String::new();
    write_ethertype(v, &mut s);
    s
}

/// "IPv4 (0x0800)".
fn write_ethertype(v: u64, out: &mut String) {
    let name = match v as u16 {
        0x0800 => "IPv4",
        0x86dd => "IPv6",
        0x0806 => "ARP",
        0x8100 => "802.1Q Virtual LAN",
        0x88a8 => "802.1ad (QinQ)",
        0x9100 => "QinQ (old, non-standard)",
        0x888e => "802.1X",
        0x88cc => "LLDP",
        0x8864 => "PPPoE session",
        0x8847 => "MPLS",
        x if x <= 0x05dc => "802.3 length",
        x if x < 0x0600 => "invalid (neither length nor type)",
        _ => "unknown",
    };
    out.push_str(name);
    out.push_str(" (");
    crate::model::value::push_hex(out, v, 4);
    out.push(')');
}

/// Continue after an EtherType-like protocol number.
pub(super) fn ethertype(ctx: &mut Ctx<'_, '_>, et: u16, off: usize) {
    match EtherType(et) {
        EtherType::IPV4 => ip::ipv4(ctx, off),
        EtherType::IPV6 => ip::ipv6(ctx, off),
        EtherType::ARP => arp::arp(ctx, off),
        EtherType::VLAN_TAGGED_FRAME
        | EtherType::PROVIDER_BRIDGING
        | EtherType::VLAN_DOUBLE_TAGGED_FRAME => vlan(ctx, off),
        _ => {
            let what = ethertype_text(u64::from(et));
            ctx.note(
                Severity::Info,
                crate::model::NoteKind::Unsupported,
                Protocol::Ethernet,
                off,
                format!("EtherType {what} is not decoded; its bytes are shown as data."),
            );
            let summary = format!("Ethernet II, EtherType {what}");
            let sentence = if ctx.pkt.source == Address::None {
                format!("A frame of protocol {what}, which layerscope does not decode.")
            } else {
                format!(
                    "{} sends {} a frame of protocol {what}, which layerscope does not decode.",
                    ctx.pkt.source, ctx.pkt.destination
                )
            };
            ctx.set_summary("Ethernet", summary, || sentence);
            ctx.data_layer(off, ctx.data.len());
        }
    }
}

fn vlan(ctx: &mut Ctx<'_, '_>, off: usize) {
    let parsed = SingleVlanHeaderSlice::from_slice(&ctx.data[off.min(ctx.data.len())..]);
    let mut h = ctx.hdr(Protocol::Vlan, off, 4);
    h.bits(&VLAN_PRIO, off, 2, 0xe000);
    h.flag(&VLAN_DEI, off, 2, 0x1000);
    h.bits(&VLAN_ID, off, 2, 0x0fff);
    for f in &mut h.layer.fields {
        f.depth = 0;
    }
    let et = h.num_text(&VLAN_ETYPE, off + 2, 2, write_ethertype);
    h.layer.length = (ctx.data.len().saturating_sub(off)).min(4) as u32;
    ctx.push(h);
    match (parsed, et) {
        (Ok(_), Some(et)) => ethertype(ctx, et as u16, off + 4),
        _ => ctx.truncated(Protocol::Vlan, off, 4),
    }
}

fn sll(ctx: &mut Ctx<'_, '_>) {
    // etherparse validates the header, but only knows some hardware/packet types; an unknown
    // one (loopback 772, say) is reported as a note, not a reason to stop decoding.
    if let Err(e) = LinuxSllHeaderSlice::from_slice(ctx.data) {
        if ctx.data.len() >= 16 {
            ctx.note(
                Severity::Info,
                crate::model::NoteKind::Unusual,
                Protocol::Sll,
                0,
                format!("Linux cooked header: {e}"),
            );
        }
    }
    let parsed: Result<(), ()> = if ctx.data.len() >= 16 {
        Ok(())
    } else {
        Err(())
    };
    let mut h = ctx.hdr(Protocol::Sll, 0, 16);
    h.num_text(&SLL_PKTTYPE, 0, 2, pkttype_text);
    let hatype = h.num(&SLL_HATYPE, 2, 2);
    let halen = h.num(&SLL_HALEN, 4, 2).unwrap_or(0).min(8) as usize;
    sll_address(&mut h, hatype, halen, 6);
    let proto = if h.u(14, 2).is_some_and(|p| p < 0x0600) {
        h.num(&SLL_LTYPE, 14, 2)
    } else {
        h.num_text(&SLL_ETYPE, 14, 2, write_ethertype)
    };
    h.layer.length = ctx.data.len().min(16) as u32;
    if hatype == Some(772) {
        ctx.loopback = true;
    }
    ctx.push(h);
    match (parsed, proto) {
        (Ok(_), Some(p)) if p >= 0x0600 => ethertype(ctx, p as u16, 16),
        (Ok(_), Some(p)) => {
            ctx.note(
                Severity::Info,
                crate::model::NoteKind::Unsupported,
                Protocol::Sll,
                14,
                format!("Linux protocol type {p:#06x} (not an EtherType) is not decoded."),
            );
            ctx.data_layer(16, ctx.data.len());
        }
        _ => ctx.truncated(Protocol::Sll, 0, 16),
    }
}

fn sll_address(h: &mut Hdr<'_>, hatype: Option<u64>, halen: usize, off: usize) {
    if halen == 6 && matches!(hatype, Some(1) | Some(772) | Some(6)) {
        h.mac(&SLL_SRC_ETH, off);
    } else if halen > 0 {
        h.bytes(&SLL_SRC_OTHER, off, halen);
    }
    if halen < 8 {
        h.bytes(&SLL_UNUSED, off + halen, 8 - halen);
    }
}

fn pkttype_text(v: u64, out: &mut String) {
    let s = match v {
        0 => "Unicast to us",
        1 => "Broadcast",
        2 => "Multicast",
        3 => "Unicast to another host",
        4 => "Sent by us",
        _ => "Unknown",
    };
    out.push_str(s);
    out.push_str(" (");
    out.push_str(itoa::Buffer::new().format(v));
    out.push(')');
}

fn sll2(ctx: &mut Ctx<'_, '_>) {
    let mut h = ctx.hdr(Protocol::Sll2, 0, 20);
    let proto = h.num_text(&SLL_ETYPE, 0, 2, write_ethertype);
    h.num(&SLL_RESERVED, 2, 2);
    h.num(&SLL_IFINDEX, 4, 4);
    let hatype = h.num(&SLL_HATYPE, 8, 2);
    h.num_text(&SLL_PKTTYPE, 10, 1, pkttype_text);
    let halen = h.num(&SLL_HALEN, 11, 1).unwrap_or(0).min(8) as usize;
    sll_address(&mut h, hatype, halen, 12);
    h.layer.length = ctx.data.len().min(20) as u32;
    if hatype == Some(772) {
        ctx.loopback = true;
    }
    ctx.push(h);
    if ctx.data.len() < 20 {
        ctx.truncated(Protocol::Sll2, 0, 20);
        return;
    }
    match proto {
        Some(p) if p >= 0x0600 => ethertype(ctx, p as u16, 20),
        _ => ctx.data_layer(20, ctx.data.len()),
    }
}

/// BSD loopback: a 4-byte address family, in the capturing host's byte order (NULL) or in
/// network order (LOOP).
fn null(ctx: &mut Ctx<'_, '_>, network_order: bool) {
    ctx.loopback = true;
    let mut h = ctx.hdr(Protocol::Null, 0, 4);
    let Some(raw) = h.slice(0, 4) else {
        ctx.push(h);
        ctx.truncated(Protocol::Null, 0, 4);
        return;
    };
    let be = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
    let le = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]);
    // NULL is host order: the family is a small number, so whichever reading is small is right.
    let family = if network_order || be < 0x100 { be } else { le };
    h.layer.push_text(
        &NULL_FAMILY,
        crate::model::Value::U64(u64::from(family)),
        || format!("{} ({family})", family_name(family)),
        0,
        4,
    );
    ctx.push(h);
    match family {
        2 => ip::ipv4(ctx, 4),
        10 | 24 | 28 | 30 => ip::ipv6(ctx, 4),
        _ => {
            ctx.note(
                Severity::Info,
                crate::model::NoteKind::Unsupported,
                Protocol::Null,
                0,
                format!("Address family {family} is not decoded."),
            );
            ctx.data_layer(4, ctx.data.len());
        }
    }
}

fn family_name(f: u32) -> &'static str {
    match f {
        2 => "IP",
        10 | 24 | 28 | 30 => "IPv6",
        7 => "OSI",
        23 => "IPX",
        _ => "Unknown",
    }
}

/// After the network layer ended at `end`: Ethernet padding or trailer bytes.
pub(super) fn trailer(ctx: &mut Ctx<'_, '_>, end: usize) {
    if end >= ctx.data.len() {
        return;
    }
    let Some(idx) = ctx.eth_layer else { return };
    let bytes = &ctx.data[end..];
    let def = if bytes.iter().all(|&b| b == 0) {
        &ETH_PADDING
    } else {
        &ETH_TRAILER
    };
    if let Some(l) = ctx.pkt.layers.get_mut(idx) {
        l.push(def, crate::model::Value::bytes(bytes), end, bytes.len());
    }
}

/// Byte fixtures: a real frame decoded, cut short, and with an impossible value.
#[cfg(test)]
mod tests {
    use crate::decode::fixture::{ethernet, field, note, raw, ARP_REQUEST};
    use crate::decode::linktype;
    use crate::model::{NoteKind, Protocol};

    #[test]
    fn ethernet_fields_lie_at_their_bytes() {
        let p = ethernet(&ARP_REQUEST, ARP_REQUEST.len());
        assert_eq!(field(&p, "eth.dst"), (0, 6, "ff:ff:ff:ff:ff:ff".into()));
        assert_eq!(field(&p, "eth.src"), (6, 6, "02:00:00:00:00:01".into()));
        assert_eq!(field(&p, "eth.type"), (12, 2, "ARP (0x0806)".into()));
        assert_eq!(p.layers[1].protocol, Protocol::Ethernet);
        assert!(p.notes.is_empty(), "{:?}", p.notes);
    }

    #[test]
    fn ethernet_cut_inside_its_header_says_where() {
        let p = ethernet(&ARP_REQUEST, 10);
        let n = note(&p, NoteKind::Truncated, "eth").expect("a truncation note");
        assert!(
            n.contains("Ethernet (byte 0)") && n.contains("needs 14 bytes, only 10"),
            "{n}"
        );
        assert_eq!(
            p.summary,
            "Ethernet frame, 10 bytes [10 of 42 bytes captured]"
        );
    }

    #[test]
    fn raw_ip_with_an_impossible_version_is_named() {
        let p = raw(
            linktype::RAW,
            &[
                0x75, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
            ],
        );
        let n = note(&p, NoteKind::Malformed, "ip").expect("a malformed note");
        assert!(n.contains("IP version 7"), "{n}");
        assert_eq!(p.layers.last().map(|l| l.protocol), Some(Protocol::Data));
    }
}
