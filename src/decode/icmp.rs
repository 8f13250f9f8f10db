//! ICMP (RFC 792), ICMPv6 (RFC 4443, neighbour discovery RFC 4861) and IGMP.

use super::checksum::{fold, ones_sum, pseudo, ChecksumStatus};
use super::{Ctx, Hdr, NetAddrs};
use crate::model::{Base, Protocol, Severity, Text, Value};
use etherparse::{Icmpv4Slice, Icmpv6Slice};
use std::fmt::Write as _;
use std::net::Ipv6Addr;

crate::field_def!(ICMP_TYPE, "icmp.type", "Type", Base::Dec, "What kind of ICMP message: 8 echo request (ping), 0 echo reply, 3 destination unreachable, 11 time exceeded.");
crate::field_def!(
    ICMP_CODE,
    "icmp.code",
    "Code",
    Base::Dec,
    "Detail within the type (for unreachable: 0 network, 1 host, 3 port)."
);
crate::field_def!(
    ICMP_CHECKSUM,
    "icmp.checksum",
    "Checksum",
    Base::Hex(4),
    "Detects damage to the ICMP message."
);
crate::field_def!(
    ICMP_CHECKSUM_STATUS,
    "icmp.checksum.status",
    "Checksum status",
    Base::Dec,
    "Whether the checksum matched (1 good, 0 bad, 2 not verified)."
);
crate::field_def!(
    ICMP_IDENT,
    "icmp.ident",
    "Identifier",
    Base::Dec,
    "Chosen by the pinging program to match replies to its requests."
);
crate::field_def!(
    ICMP_SEQ,
    "icmp.seq",
    "Sequence number",
    Base::Dec,
    "Numbers the echo requests (often 1, 2, 3...); the reply carries the same number back."
);
crate::field_def!(
    ICMP_UNUSED,
    "icmp.unused",
    "Unused",
    Base::None,
    "Rest of the header: zero for most errors (parameter problem puts a pointer here, 'fragmentation needed' the next-hop MTU)."
);

crate::field_def!(
    ICMP6_TYPE,
    "icmpv6.type",
    "Type",
    Base::Dec,
    "What kind of ICMPv6 message: 128/129 ping, 133-137 neighbour discovery, 1 unreachable."
);
crate::field_def!(
    ICMP6_CODE,
    "icmpv6.code",
    "Code",
    Base::Dec,
    "Detail within the type."
);
crate::field_def!(
    ICMP6_CHECKSUM,
    "icmpv6.checksum",
    "Checksum",
    Base::Hex(4),
    "Detects damage to the message; also covers the IPv6 source and destination addresses (pseudo-header)."
);
crate::field_def!(
    ICMP6_CHECKSUM_STATUS,
    "icmpv6.checksum.status",
    "Checksum status",
    Base::Dec,
    "Whether the checksum matched (1 good, 0 bad, 2 not verified)."
);
crate::field_def!(
    ICMP6_ECHO_ID,
    "icmpv6.echo.identifier",
    "Identifier",
    Base::Hex(4),
    "Chosen by the pinging program to match replies to its requests."
);
crate::field_def!(
    ICMP6_ECHO_SEQ,
    "icmpv6.echo.sequence_number",
    "Sequence",
    Base::Dec,
    "Numbers the echo requests; the reply carries the same number back."
);
crate::field_def!(
    ICMP6_RESERVED,
    "icmpv6.reserved",
    "Reserved",
    Base::None,
    "Unused here: set to zero by the sender and ignored by the receiver."
);
crate::field_def!(
    ICMP6_NS_TARGET,
    "icmpv6.nd.ns.target_address",
    "Target address",
    Base::None,
    "The IPv6 address whose link-layer address is wanted (IPv6's ARP), or, in duplicate address detection, the address being checked."
);
crate::field_def!(
    ICMP6_NA_FLAGS,
    "icmpv6.nd.na.flag",
    "Flags",
    Base::Hex(8),
    "Router, solicited and override flags."
);
crate::field_def!(
    ICMP6_NA_TARGET,
    "icmpv6.nd.na.target_address",
    "Target address",
    Base::None,
    "The address this advertisement is about."
);
crate::field_def!(
    ICMP6_RA_HOPLIMIT,
    "icmpv6.nd.ra.cur_hop_limit",
    "Cur hop limit",
    Base::Dec,
    "Hop limit hosts should put in the packets they send (0 = no advice from this router)."
);
crate::field_def!(
    ICMP6_RA_LIFETIME,
    "icmpv6.nd.ra.router_lifetime",
    "Router lifetime",
    Base::Dec,
    "Seconds this router may be used as a default router (0 = it is not a default router)."
);
crate::field_def!(
    ICMP6_MTU,
    "icmpv6.mtu",
    "MTU",
    Base::Dec,
    "Largest packet the next link can carry."
);

crate::field_def!(
    IGMP_TYPE,
    "igmp.type",
    "Type",
    Base::Hex(2),
    "0x11 membership query, 0x16/0x22 membership report, 0x17 leave group."
);
crate::field_def!(
    IGMP_MAXRESP,
    "igmp.max_resp",
    "Max response time",
    Base::Dec,
    "In a query: how long hosts may wait before answering (tenths of a second); zero and ignored in other messages."
);
crate::field_def!(
    IGMP_CHECKSUM,
    "igmp.checksum",
    "Checksum",
    Base::Hex(4),
    "Detects damage to the message."
);
crate::field_def!(
    IGMP_MADDR,
    "igmp.maddr",
    "Multicast address",
    Base::None,
    "The multicast group the message is about (0.0.0.0 in a general query, which asks about all groups)."
);

fn icmp_type_name(t: u8, c: u8) -> String {
    let base = match t {
        0 => "Echo (ping) reply",
        3 => "Destination unreachable",
        4 => "Source quench",
        5 => "Redirect",
        8 => "Echo (ping) request",
        9 => "Router advertisement",
        10 => "Router solicitation",
        // Wireshark's name (the Info column stays comparable with tshark); the sentence says
        // it in plain words.
        11 => "Time-to-live exceeded",
        12 => "Parameter problem",
        13 => "Timestamp request",
        14 => "Timestamp reply",
        _ => "Unknown ICMP type",
    };
    if t == 3 {
        let detail = match c {
            0 => "Network unreachable",
            1 => "Host unreachable",
            2 => "Protocol unreachable",
            3 => "Port unreachable",
            4 => "Fragmentation needed",
            13 => "Communication administratively filtered",
            _ => "other",
        };
        format!("{base} ({detail})")
    } else if t == 11 {
        let detail = match c {
            0 => "Time to live exceeded in transit",
            1 => "Fragment reassembly time exceeded",
            _ => "other",
        };
        format!("{base} ({detail})")
    } else {
        base.to_string()
    }
}

pub(super) fn icmpv4(ctx: &mut Ctx<'_, '_>, off: usize, end: usize, ttl: Option<u64>) {
    let d = ctx.data;
    let cap_end = end.min(d.len()).max(off.min(d.len()));
    let parsed = Icmpv4Slice::from_slice(&d[off.min(d.len())..cap_end]);
    let mut h = ctx.hdr(Protocol::Icmp, off, 8);
    let code = h.u(off + 1, 1).unwrap_or(0) as u8;
    let t = h.u(off, 1);
    if let Some(t) = t {
        h.layer.push_text(
            &ICMP_TYPE,
            Value::U64(t),
            || format!("{} ({t})", icmp_type_name(t as u8, code)),
            off,
            1,
        );
    }
    h.num(&ICMP_CODE, off + 1, 1);
    let stored = h.num(&ICMP_CHECKSUM, off + 2, 2);
    if let (Some(stored), true) = (stored, end <= d.len() && parsed.is_ok()) {
        icmpv4_checksum(ctx, &mut h, off, end, stored);
    }
    let Some(t) = t else {
        ctx.push(h);
        ctx.truncated(Protocol::Icmp, off, 8);
        return;
    };
    let ends = ctx.net.map_or((String::new(), String::new()), |n| {
        (n.src_string(), n.dst_string())
    });
    let (summary, sentence) = icmpv4_body(&mut h, off, (t as u8, code), ttl, ends);
    h.layer.length = (cap_end - off.min(cap_end)).min(8) as u32;
    ctx.push(h);
    if cap_end < off + 8 {
        ctx.truncated(Protocol::Icmp, off, 8);
    }
    ctx.set_summary("ICMP", summary, || sentence);
    ctx.data_layer(off + 8, cap_end);
}

/// The checksum's status over the whole message, and a note when it is wrong.
fn icmpv4_checksum(ctx: &mut Ctx<'_, '_>, h: &mut Hdr<'_>, off: usize, end: usize, stored: u64) {
    let ok = fold(ones_sum(0, &ctx.data[off..end])) == 0xffff;
    let st = if ok {
        ChecksumStatus::Good
    } else {
        ChecksumStatus::Bad
    };
    let v = Value::U64(st as u64);
    h.generated(&ICMP_CHECKSUM_STATUS, v, Text::Num(ChecksumStatus::text));
    h.nest(1);
    if !ok {
        let text = format!("ICMP checksum 0x{stored:04x} is wrong.");
        let kind = crate::model::NoteKind::Checksum;
        ctx.note(Severity::Warning, kind, Protocol::Icmp, off + 2, text);
    }
}

/// The rest of the header by type (echo id and sequence; the unused word of an error), and
/// the Info line and sentence. `(src, dst)`: the IP addresses.
fn icmpv4_body(
    h: &mut Hdr<'_>,
    off: usize,
    (t, code): (u8, u8),
    ttl: Option<u64>,
    (src, dst): (String, String),
) -> (String, String) {
    let mut summary = icmp_type_name(t, code);
    let sentence = match t {
        0 | 8 => {
            let id = h.num_text(&ICMP_IDENT, off + 4, 2, |v, o| {
                let _ = write!(o, "{v} (0x{v:04x})");
            });
            let seq = h.num_text(&ICMP_SEQ, off + 6, 2, |v, o| {
                let _ = write!(o, "{v} (0x{v:04x})");
            });
            if let (Some(id), Some(seq)) = (id, seq) {
                let le = (seq as u16).swap_bytes();
                summary = format!("{summary}  id=0x{id:04x}, seq={seq}/{le}");
                if let Some(ttl) = ttl {
                    summary.push_str(&format!(", ttl={ttl}"));
                }
            }
            if t == 8 {
                format!("{src} asks {dst} 'are you there?' (ping: ICMP echo request).")
            } else {
                format!("{src} answers {dst}'s ping: 'yes, I am here' (ICMP echo reply).")
            }
        }
        3 | 11 | 4 | 12 => {
            h.bytes(&ICMP_UNUSED, off + 4, 4);
            if t == 4 {
                format!(
                    "{src} asks {dst} to send more slowly (ICMP source quench, no longer used; the start of {dst}'s packet follows)."
                )
            } else {
                let why = match (t, code) {
                    (11, 0) => "its time to live (TTL) reached zero on the way".to_string(),
                    (11, 1) => {
                        "not all of its fragments arrived in time to be reassembled".to_string()
                    }
                    _ => icmp_type_name(t, code).to_lowercase(),
                };
                format!(
                    "{src} tells {dst} that a packet {dst} sent was dropped: {why} (the start of that packet follows)."
                )
            }
        }
        _ => format!(
            "{src} sends {dst} an ICMP message: {}.",
            summary.to_lowercase()
        ),
    };
    (summary, sentence)
}

fn icmpv6_type_name(t: u8) -> &'static str {
    match t {
        1 => "Destination Unreachable",
        2 => "Packet Too Big",
        3 => "Time Exceeded",
        4 => "Parameter Problem",
        128 => "Echo (ping) request",
        129 => "Echo (ping) reply",
        130 => "Multicast Listener Query",
        131 => "Multicast Listener Report",
        132 => "Multicast Listener Done",
        133 => "Router Solicitation",
        134 => "Router Advertisement",
        135 => "Neighbor Solicitation",
        136 => "Neighbor Advertisement",
        137 => "Redirect",
        143 => "Multicast Listener Report Message v2",
        _ => "Unknown ICMPv6 type",
    }
}

pub(super) fn icmpv6(ctx: &mut Ctx<'_, '_>, off: usize, end: usize, hlim: Option<u64>) {
    let d = ctx.data;
    let cap_end = end.min(d.len()).max(off.min(d.len()));
    let parsed = Icmpv6Slice::from_slice(&d[off.min(d.len())..cap_end]);
    let mut h = ctx.hdr(Protocol::Icmpv6, off, 4);
    let t = h.num_text(&ICMP6_TYPE, off, 1, |t, o| {
        let _ = write!(o, "{} ({t})", icmpv6_type_name(t as u8));
    });
    h.num(&ICMP6_CODE, off + 1, 1);
    let stored = h.num(&ICMP6_CHECKSUM, off + 2, 2);
    if let (Some(stored), Some(net), true) = (stored, ctx.net, end <= d.len() && parsed.is_ok()) {
        icmpv6_checksum(ctx, &mut h, (off, end), net, stored);
    }
    let Some(t) = t else {
        ctx.push(h);
        ctx.truncated(Protocol::Icmpv6, off, 4);
        return;
    };
    let t = t as u8;
    let (src, dst) = ctx.net.map_or((String::new(), String::new()), |n| {
        (n.src_string(), n.dst_string())
    });
    let (summary, sentence, hdr_len) = icmpv6_body(&mut h, off, t, hlim, (src, dst));
    h.layer.length = (cap_end - off.min(cap_end)).min(hdr_len) as u32;
    ctx.push(h);
    if cap_end < off + hdr_len {
        ctx.truncated(Protocol::Icmpv6, off, hdr_len);
    }
    ctx.set_summary("ICMPv6", summary, || sentence);
    ctx.data_layer(off + hdr_len, cap_end);
}

/// The checksum's status over the pseudo-header and the message (loopback: not verified,
/// the card that would fill it in is not there), and a note when it is wrong.
fn icmpv6_checksum(
    ctx: &mut Ctx<'_, '_>,
    h: &mut Hdr<'_>,
    (off, end): (usize, usize),
    net: NetAddrs,
    stored: u64,
) {
    let ps = pseudo(&net, 58, (end - off) as u32);
    let ok = fold(ones_sum(ps, &ctx.data[off..end])) == 0xffff;
    let st = if ok {
        ChecksumStatus::Good
    } else if ctx.loopback || net.is_loopback() {
        ChecksumStatus::Unverified
    } else {
        ChecksumStatus::Bad
    };
    let v = Value::U64(st as u64);
    h.generated(&ICMP6_CHECKSUM_STATUS, v, Text::Num(ChecksumStatus::text));
    h.nest(1);
    if st == ChecksumStatus::Bad {
        let text = format!("ICMPv6 checksum 0x{stored:04x} is wrong.");
        let kind = crate::model::NoteKind::Checksum;
        ctx.note(Severity::Warning, kind, Protocol::Icmpv6, off + 2, text);
    }
}

/// The rest of the header by type (echo, neighbour and router discovery, errors): the Info
/// line, the sentence and the header's length. `(src, dst)`: the IP addresses.
fn icmpv6_body(
    h: &mut Hdr<'_>,
    off: usize,
    t: u8,
    hlim: Option<u64>,
    (src, dst): (String, String),
) -> (String, String, usize) {
    let mut summary = icmpv6_type_name(t).to_string();
    let mut hdr_len = 4;
    let hop_limit = hlim;
    let sentence = match t {
        128 | 129 => {
            let id = h.num(&ICMP6_ECHO_ID, off + 4, 2);
            let seq = h.num(&ICMP6_ECHO_SEQ, off + 6, 2);
            hdr_len = 8;
            if let (Some(id), Some(seq)) = (id, seq) {
                summary = format!("{summary} id=0x{id:04x}, seq={seq}");
                if let Some(hl) = hop_limit {
                    summary.push_str(&format!(", hop limit={hl}"));
                }
            }
            if t == 128 {
                format!("{src} asks {dst} 'are you there?' (ping: ICMPv6 echo request).")
            } else {
                format!("{src} answers {dst}'s ping: 'yes, I am here' (ICMPv6 echo reply).")
            }
        }
        135 => {
            h.bytes(&ICMP6_RESERVED, off + 4, 4);
            let tgt = h.ipv6(&ICMP6_NS_TARGET, off + 8);
            hdr_len = 24;
            let tgt = tgt.map_or("?".into(), |a| Ipv6Addr::from(a).to_string());
            summary = format!("Neighbor Solicitation for {tgt}");
            if src == "::" {
                format!("A machine checks that no one on the link already uses {tgt} before taking that address (duplicate address detection).")
            } else {
                format!("{src} asks {dst}: who has {tgt}? (neighbour solicitation, IPv6's version of an ARP request)")
            }
        }
        136 => {
            let flags = h.num(&ICMP6_NA_FLAGS, off + 4, 4).unwrap_or(0);
            let tgt = h.ipv6(&ICMP6_NA_TARGET, off + 8);
            hdr_len = 24;
            let tgt = tgt.map_or("?".into(), |a| Ipv6Addr::from(a).to_string());
            summary = format!("Neighbor Advertisement {tgt}");
            // S flag (RFC 4861 4.4): set when the advertisement answers a solicitation.
            if flags & 0x4000_0000 != 0 {
                format!("{src} answers {dst}: {tgt} is here (neighbour advertisement, IPv6's version of an ARP reply).")
            } else {
                format!("{src} tells {dst}, without being asked, the link-layer address for {tgt} (unsolicited neighbour advertisement).")
            }
        }
        134 => {
            h.num(&ICMP6_RA_HOPLIMIT, off + 4, 1);
            h.num(&ICMP6_RA_LIFETIME, off + 6, 2);
            hdr_len = 16;
            format!("Router {src} announces itself to {dst}, with settings for the link (such as the prefixes to use).")
        }
        133 => {
            h.bytes(&ICMP6_RESERVED, off + 4, 4);
            hdr_len = 8;
            format!("{src} asks the routers on the link to announce themselves now (router solicitation).")
        }
        2 => {
            h.num(&ICMP6_MTU, off + 4, 4);
            hdr_len = 8;
            format!("{src} tells {dst} that a packet {dst} sent was too big for the next link and was dropped (the start of that packet follows).")
        }
        1 | 3 | 4 => {
            h.bytes(&ICMP6_RESERVED, off + 4, 4);
            hdr_len = 8;
            format!(
                "{src} tells {dst} that a packet {dst} sent was dropped: {} (the start of that packet follows).",
                summary.to_lowercase()
            )
        }
        _ => format!("{src} sends {dst} an ICMPv6 message: {summary}."),
    };
    (summary, sentence, hdr_len)
}

pub(super) fn igmp(ctx: &mut Ctx<'_, '_>, off: usize, end: usize) {
    let d = ctx.data;
    let cap_end = end.min(d.len()).max(off.min(d.len()));
    let mut h = ctx.hdr(Protocol::Igmp, off, 8);
    let t = h.num(&IGMP_TYPE, off, 1);
    h.num(&IGMP_MAXRESP, off + 1, 1);
    h.num(&IGMP_CHECKSUM, off + 2, 2);
    let group = if matches!(t, Some(0x11) | Some(0x12) | Some(0x16) | Some(0x17)) {
        h.ipv4(&IGMP_MADDR, off + 4)
    } else {
        None
    };
    h.layer.length = (cap_end - off.min(cap_end)).min(8) as u32;
    ctx.push(h);
    let Some(t) = t else {
        ctx.truncated(Protocol::Igmp, off, 8);
        return;
    };
    let g = group.map_or(String::new(), |a| {
        format!(" {}", std::net::Ipv4Addr::from(a))
    });
    let name = match t {
        0x11 => "Membership Query",
        0x12 => "Membership Report v1",
        0x16 => "Membership Report v2",
        0x17 => "Leave Group",
        0x22 => "Membership Report v3",
        _ => "IGMP message",
    };
    let src = ctx.net.map_or(String::new(), |n| n.src_string());
    // Who speaks differs by type (RFC 2236 2.1, RFC 3376 4): a router queries, a host
    // reports or leaves.
    let specific = group.is_some_and(|a| a != [0; 4]);
    ctx.set_summary("IGMP", format!("{name}{g}"), || match t {
        0x11 if specific => format!(
            "{src} (a multicast router) asks whether any machine on the link still wants group{g} ({name})."
        ),
        0x11 => format!(
            "{src} (a multicast router) asks the machines on the link which multicast groups they want to receive ({name})."
        ),
        0x12 | 0x16 => {
            format!("{src} tells the local routers it wants to receive multicast group{g} ({name}).")
        }
        0x17 => format!("{src} tells the local routers it is leaving multicast group{g} ({name})."),
        0x22 => format!(
            "{src} tells the local routers which multicast groups it wants, or no longer wants, to receive ({name})."
        ),
        _ => format!("{src} sends an IGMP message of type 0x{t:02x}."),
    });
    ctx.data_layer(off + 8, cap_end);
}

/// Byte fixtures: a real echo request decoded, cut short, and cut by the IP length.
#[cfg(test)]
mod tests {
    use crate::decode::fixture::{ethernet, field, note, patched};
    use crate::model::NoteKind;

    const ICMP_ECHO: [u8; 44] = [
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45,
        0x00, 0x00, 0x1e, 0x00, 0x01, 0x40, 0x00, 0x40, 0x01, 0x26, 0xdc, 0x0a, 0x00, 0x00, 0x01,
        0x0a, 0x00, 0x00, 0x02, 0x08, 0x00, 0x8f, 0x94, 0x00, 0x01, 0x00, 0x01, 0x68, 0x69,
    ];

    #[test]
    fn echo_request_fields_lie_at_their_bytes() {
        let p = ethernet(&ICMP_ECHO, ICMP_ECHO.len());
        assert_eq!(
            p.summary,
            "Echo (ping) request  id=0x0001, seq=1/256, ttl=64"
        );
        assert_eq!(
            field(&p, "icmp.type"),
            (34, 1, "Echo (ping) request (8)".into())
        );
        assert_eq!(field(&p, "icmp.code").0, 35);
        assert_eq!(field(&p, "icmp.checksum").0, 36);
        assert_eq!(field(&p, "icmp.ident").0, 38);
        assert_eq!(field(&p, "icmp.seq"), (40, 2, "1 (0x0001)".into()));
        assert!(p.notes.is_empty(), "{:?}", p.notes);
    }

    #[test]
    fn cut_short_says_where() {
        let p = ethernet(&ICMP_ECHO, 40);
        let n = note(&p, NoteKind::Truncated, "icmp").expect("a truncation note");
        assert!(
            n.contains("ICMP (byte 34)") && n.contains("needs 8 bytes, only 6"),
            "{n}"
        );
    }

    #[test]
    fn an_ip_length_that_leaves_no_room_for_the_header_is_not_read_past() {
        // IP total length 24: 4 bytes of ICMP where the header needs 8.
        let p = ethernet(&patched(&ICMP_ECHO, 16, &[0, 24]), ICMP_ECHO.len());
        assert!(!p.notes.is_empty(), "the short ICMP header is said");
    }
}
