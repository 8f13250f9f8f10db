//! ARP (RFC 826): who has this IP address on my link?

use super::Ctx;
use crate::model::{format_mac, Address, Base, Protocol};
use etherparse::ArpPacketSlice;
use std::fmt::Write as _;
use std::net::Ipv4Addr;

crate::field_def!(
    HW_TYPE,
    "arp.hw.type",
    "Hardware type",
    Base::Dec,
    "Kind of link addresses being resolved (1 = Ethernet)."
);
crate::field_def!(
    PROTO_TYPE,
    "arp.proto.type",
    "Protocol type",
    Base::Hex(4),
    "Kind of network addresses being resolved (0x0800 = IPv4)."
);
crate::field_def!(
    HW_SIZE,
    "arp.hw.size",
    "Hardware size",
    Base::Dec,
    "Length of a link address in bytes (6 for MAC addresses)."
);
crate::field_def!(
    PROTO_SIZE,
    "arp.proto.size",
    "Protocol size",
    Base::Dec,
    "Length of a network address in bytes (4 for IPv4)."
);
crate::field_def!(
    OPCODE,
    "arp.opcode",
    "Opcode",
    Base::Dec,
    "1 = request (who has?), 2 = reply (is at)."
);
crate::field_def!(
    SRC_HW,
    "arp.src.hw_mac",
    "Sender MAC",
    Base::None,
    "Link address of the machine sending this ARP message."
);
crate::field_def!(
    SRC_IP,
    "arp.src.proto_ipv4",
    "Sender IP",
    Base::None,
    "IP address of the machine sending this ARP message."
);
crate::field_def!(
    DST_HW,
    "arp.dst.hw_mac",
    "Target MAC",
    Base::None,
    "In a request: unknown, the MAC being asked for (usually all zeros); in a reply: the MAC of the machine that asked."
);
crate::field_def!(
    DST_IP,
    "arp.dst.proto_ipv4",
    "Target IP",
    Base::None,
    "In a request: the IP address whose MAC is wanted; in a reply: the IP address of the machine that asked."
);
crate::field_def!(
    SRC_HW_OTHER,
    "arp.src.hw",
    "Sender hardware address",
    Base::None,
    "Link address of the sender (non-Ethernet)."
);
crate::field_def!(
    SRC_PROTO_OTHER,
    "arp.src.proto",
    "Sender protocol address",
    Base::None,
    "Network address of the sender (non-IPv4)."
);
crate::field_def!(
    DST_HW_OTHER,
    "arp.dst.hw",
    "Target hardware address",
    Base::None,
    "Link address of the target (non-Ethernet)."
);
crate::field_def!(
    DST_PROTO_OTHER,
    "arp.dst.proto",
    "Target protocol address",
    Base::None,
    "Network address of the target (non-IPv4)."
);

/// Where each field of the ARP header lies (RFC 826), in smoltcp's style; the addresses
/// follow, their sizes given by `HW_SIZE` and `PROTO_SIZE`.
mod field {
    use std::ops::Range;
    pub const HW_TYPE: Range<usize> = 0..2;
    pub const PROTO_TYPE: Range<usize> = 2..4;
    pub const HW_SIZE: usize = 4;
    pub const PROTO_SIZE: usize = 5;
    pub const OPCODE: Range<usize> = 6..8;
    pub const ADDRESSES: usize = 8;
}

/// Decode the ARP message at `off`: its fields (Ethernet/IPv4 addresses by name, others as
/// bytes), the Info line and sentence, and any link trailer.
pub(super) fn arp(ctx: &mut Ctx<'_, '_>, off: usize) {
    use field::ADDRESSES;
    let rest = &ctx.data[off.min(ctx.data.len())..];
    let parsed = ArpPacketSlice::from_slice(rest);
    let mut h = ctx.hdr(Protocol::Arp, off, ADDRESSES);
    h.num(&HW_TYPE, off + field::HW_TYPE.start, 2);
    h.num(&PROTO_TYPE, off + field::PROTO_TYPE.start, 2);
    let hs = h.num(&HW_SIZE, off + field::HW_SIZE, 1).unwrap_or(0) as usize;
    let ps = h.num(&PROTO_SIZE, off + field::PROTO_SIZE, 1).unwrap_or(0) as usize;
    let op = h.num_text(&OPCODE, off + field::OPCODE.start, 2, |v, out| {
        let s = match v {
            1 => "request",
            2 => "reply",
            3 => "reverse request",
            4 => "reverse reply",
            _ => "unknown",
        };
        let _ = write!(out, "{s} ({v})");
    });
    let body = off + ADDRESSES;
    let total = ADDRESSES + 2 * hs + 2 * ps;
    let (sha, spa, _tha, tpa) = if hs == 6 && ps == 4 {
        (
            h.mac(&SRC_HW, body),
            h.ipv4(&SRC_IP, body + 6),
            h.mac(&DST_HW, body + 10),
            h.ipv4(&DST_IP, body + 16),
        )
    } else {
        h.bytes(&SRC_HW_OTHER, body, hs);
        h.bytes(&SRC_PROTO_OTHER, body + hs, ps);
        h.bytes(&DST_HW_OTHER, body + hs + ps, hs);
        h.bytes(&DST_PROTO_OTHER, body + 2 * hs + ps, ps);
        (None, None, None, None)
    };
    h.layer.length = rest.len().min(total) as u32;
    ctx.push(h);
    if parsed.is_err() || rest.len() < total {
        ctx.truncated(Protocol::Arp, off, total);
    }
    // Who the request went to: a broadcast asks every machine on the link, a unicast one
    // (a host re-checking an entry it already has) asks one machine.
    let asked = match ctx.pkt.destination {
        Address::Mac(d) if d == [0xff; 6] => "asks everyone on the link".to_string(),
        Address::Mac(d) => format!("asks the machine at {}", format_mac(&d)),
        _ => "asks on the link".to_string(),
    };
    let (summary, sentence) = arp_text(op, sha, spa, tpa, &asked);
    ctx.set_summary("ARP", summary, || sentence);
    let end = off + total;
    super::link::trailer(ctx, end.min(ctx.data.len()));
}

/// The Info line and the sentence of an ARP message: request, probe, announcement, reply.
fn arp_text(
    op: Option<u64>,
    sha: Option<[u8; 6]>,
    spa: Option<[u8; 4]>,
    tpa: Option<[u8; 4]>,
    asked: &str,
) -> (String, String) {
    let ip = |a: Option<[u8; 4]>| a.map_or("?".to_string(), |a| Ipv4Addr::from(a).to_string());
    let mac = |m: Option<[u8; 6]>| m.map_or("?".to_string(), |m| format_mac(&m));
    match op {
        Some(1) if spa == tpa && spa.is_some() => (
            format!("ARP Announcement for {}", ip(spa)),
            format!(
                "{} announces to the link that it uses {} (gratuitous ARP: the others update their ARP caches).",
                mac(sha),
                ip(spa)
            ),
        ),
        Some(1) if spa == Some([0; 4]) => (
            format!("Who has {}? (ARP Probe)", ip(tpa)),
            format!(
                "{} checks that no machine on the link already uses {} before taking that address (ARP probe: sender IP 0.0.0.0).",
                mac(sha),
                ip(tpa)
            ),
        ),
        Some(1) => (
            format!("Who has {}? Tell {}", ip(tpa), ip(spa)),
            format!(
                "{} {asked}: who has {}? (it needs that machine's MAC address before it can send it frames on this link).",
                ip(spa),
                ip(tpa)
            ),
        ),
        Some(2) if spa == tpa && spa.is_some() => (
            format!("Gratuitous ARP for {} (Reply)", ip(spa)),
            format!(
                "{} announces to the link that it uses {} (gratuitous ARP reply: the others update their ARP caches).",
                mac(sha),
                ip(spa)
            ),
        ),
        Some(2) => (
            format!("{} is at {}", ip(spa), mac(sha)),
            format!(
                "{} answers {}: {} is at MAC address {}.",
                ip(spa),
                ip(tpa),
                ip(spa),
                mac(sha)
            ),
        ),
        _ => (
            format!("ARP opcode {}", op.unwrap_or(0)),
            "An ARP message of an unusual kind.".into(),
        ),
    }
}

/// Byte fixtures: a real ARP request decoded, cut short, and with impossible address sizes.
#[cfg(test)]
mod tests {
    use crate::decode::fixture::{ethernet, field, note, patched, ARP_REQUEST};
    use crate::model::NoteKind;

    #[test]
    fn request_fields_lie_at_their_bytes() {
        let p = ethernet(&ARP_REQUEST, ARP_REQUEST.len());
        assert_eq!(p.summary, "Who has 10.0.0.2? Tell 10.0.0.1");
        assert_eq!(field(&p, "arp.opcode"), (20, 2, "request (1)".into()));
        assert_eq!(
            field(&p, "arp.src.hw_mac"),
            (22, 6, "02:00:00:00:00:01".into())
        );
        assert_eq!(field(&p, "arp.src.proto_ipv4"), (28, 4, "10.0.0.1".into()));
        assert_eq!(field(&p, "arp.dst.proto_ipv4"), (38, 4, "10.0.0.2".into()));
        assert!(p.notes.is_empty(), "{:?}", p.notes);
    }

    #[test]
    fn cut_short_keeps_what_was_captured_and_says_where() {
        let p = ethernet(&ARP_REQUEST, 40);
        assert_eq!(field(&p, "arp.src.proto_ipv4").2, "10.0.0.1");
        let n = note(&p, NoteKind::Truncated, "arp").expect("a truncation note");
        assert!(
            n.contains("ARP (byte 14)") && n.contains("only 26 captured"),
            "{n}"
        );
    }

    #[test]
    fn impossible_address_sizes_do_not_read_past_the_frame() {
        // Hardware size 200, protocol size 255: the addresses cannot be in 42 bytes.
        let f = patched(&ARP_REQUEST, 18, &[200, 255]);
        let p = ethernet(&f, f.len());
        assert_eq!(field(&p, "arp.hw.size").2, "200");
        assert!(
            !p.notes.is_empty(),
            "the sizes are not passed over in silence"
        );
    }
}
