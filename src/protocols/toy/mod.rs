//! A toy protocol, built for tests only: the worked example of adding a protocol, and the
//! proof that one folder, one registry line (`protocols::UDP`) and one table row
//! (`model/protocols.rs`) are all it takes. Nothing else in the crate names it.
//!
//! The "toy" protocol rides in UDP, on port 7777 or found by its magic on any port:
//!
//! ```text
//!  0      3      4      6
//!  +------+------+------+----------------+
//!  | TOY  | kind |  id  | text (UTF-8)…  |
//!  +------+------+------+----------------+
//!  kind: 1 request, 2 response; a response answers the request with the same id.
//! ```

use crate::decode::Ctx;
use crate::model::{Base, Osi, Packet, Protocol, ProtocolInfo, Value};

/// The protocol table's row (`model/protocols.rs` names this constant).
pub const INFO: ProtocolInfo = ProtocolInfo {
    filter_name: "toy",
    short_name: "Toy",
    long_name: "Toy request/response protocol (a test-only example)",
    osi: Osi::Application,
    placement_note: "The toy protocol is a program's own request/response language: layer 7.",
    colour: [200, 120, 40],
    key_fields: &["toy.kind", "toy.id"],
    ..ProtocolInfo::BASE
};

/// The UDP registry's line (`protocols::UDP` names this constant).
pub(crate) const UDP: super::UdpProtocol = super::UdpProtocol {
    protocol: Protocol::Toy,
    ports: &[7777],
    heuristic: Some(|payload| payload.len() >= HEADER && payload.starts_with(MAGIC)),
    decode: toy,
    pairing: Some(super::Pairing {
        peek: |payload| {
            let b = payload.get(..HEADER)?;
            Some((u64::from(u16::from_be_bytes([b[4], b[5]])), b[3] == 2))
        },
        attach: pair,
    }),
};

const MAGIC: &[u8] = b"TOY";
const HEADER: usize = 6;
/// Field ranges, in smoltcp's style.
mod field {
    use std::ops::Range;
    pub const MAGIC: Range<usize> = 0..3;
    pub const KIND: usize = 3;
    pub const ID: Range<usize> = 4..6;
    pub const TEXT: usize = 6;
}

crate::field_def!(
    TOY_MAGIC,
    "toy.magic",
    "Magic",
    Base::None,
    "The three letters TOY that start every toy message."
);
crate::field_def!(
    TOY_KIND,
    "toy.kind",
    "Kind",
    Base::Dec,
    "1 for a request, 2 for a response."
);
crate::field_def!(
    TOY_ID,
    "toy.id",
    "Id",
    Base::Dec,
    "Chosen by the client; the response repeats it."
);
crate::field_def!(
    TOY_TEXT,
    "toy.text",
    "Text",
    Base::None,
    "What the program says."
);
crate::field_def!(
    TOY_RESPONSE_TO,
    "toy.response_to",
    "Request in packet",
    Base::Dec,
    "The packet with the request this response answers."
);
crate::field_def!(
    TOY_RESPONSE_IN,
    "toy.response_in",
    "Response in packet",
    Base::Dec,
    "The packet with the response to this request."
);

fn kind_text(v: u64, out: &mut String) {
    out.push_str(match v {
        1 => "Request (1)",
        2 => "Response (2)",
        _ => "Unknown",
    });
}

/// Decode a toy message at `off..end` of the frame.
fn toy(ctx: &mut Ctx<'_, '_>, off: usize, end: usize) -> bool {
    let end = end.min(ctx.data.len());
    let Some(m) = ctx.data.get(off..end) else {
        return false;
    };
    if !m.starts_with(MAGIC) {
        return false;
    }
    let mut h = ctx.hdr(Protocol::Toy, off, m.len());
    h.bytes(&TOY_MAGIC, off + field::MAGIC.start, field::MAGIC.len());
    let kind = h.num_text(&TOY_KIND, off + field::KIND, 1, kind_text);
    let id = h.num(&TOY_ID, off + field::ID.start, field::ID.len());
    let text = String::from_utf8_lossy(m.get(field::TEXT..).unwrap_or_default()).into_owned();
    if m.len() > field::TEXT {
        h.layer.push(
            &TOY_TEXT,
            Value::str(&text),
            off + field::TEXT,
            m.len() - field::TEXT,
        );
    }
    ctx.push(h);
    let (Some(kind), Some(id)) = (kind, id) else {
        ctx.truncated(Protocol::Toy, off, HEADER);
        return true;
    };
    let what = if kind == 2 { "response" } else { "request" };
    ctx.set_summary("Toy", format!("Toy {what} id={id} \"{text}\""), || {
        format!("A toy {what} (id {id}) says \"{text}\".")
    });
    true
}

/// Add the request/response pairing to a toy packet.
fn pair(p: &mut Packet, other: u64, latency: Option<i64>, _sentences: bool) {
    let Some(l) = p.layers.iter_mut().find(|l| l.protocol == Protocol::Toy) else {
        return;
    };
    let off = l.offset as usize;
    let def = if latency.is_some() {
        &TOY_RESPONSE_TO
    } else {
        &TOY_RESPONSE_IN
    };
    l.push(def, Value::U64(other), off, 0);
}

#[cfg(test)]
mod tests {
    use crate::capture::store::PacketStore;
    use crate::engine::Capture;
    use crate::model::{Osi, Protocol, TcpIp};

    /// An Ethernet/IPv4/UDP frame from port `sp` to `dp` carrying `payload`: from 10.0.0.1
    /// to 10.0.0.2, or back when `sp` is the toy port.
    fn frame(sp: u16, dp: u16, payload: &[u8]) -> Vec<u8> {
        let (mut a, mut b) = (
            ([2, 0, 0, 0, 0, 1], [10, 0, 0, 1]),
            ([2, 0, 0, 0, 0, 2], [10, 0, 0, 2]),
        );
        if sp == 7777 {
            std::mem::swap(&mut a, &mut b);
        }
        let b = etherparse::PacketBuilder::ethernet2(a.0, b.0)
            .ipv4(a.1, b.1, 64)
            .udp(sp, dp);
        let mut out = Vec::with_capacity(b.size(payload.len()));
        b.write(&mut out, payload).expect("a frame");
        out
    }

    /// A classic pcap file (Ethernet) of these frames, one millisecond apart.
    fn pcap(frames: &[Vec<u8>]) -> Vec<u8> {
        let mut f = Vec::new();
        f.extend(0xa1b2_c3d4u32.to_le_bytes());
        f.extend(2u16.to_le_bytes());
        f.extend(4u16.to_le_bytes());
        f.extend([0u8; 8]);
        f.extend(65535u32.to_le_bytes());
        f.extend(1u32.to_le_bytes());
        for (i, fr) in frames.iter().enumerate() {
            f.extend(1_700_000_000u32.to_le_bytes());
            f.extend((i as u32 * 1000).to_le_bytes());
            f.extend((fr.len() as u32).to_le_bytes());
            f.extend((fr.len() as u32).to_le_bytes());
            f.extend(fr);
        }
        f
    }

    fn capture(frames: &[Vec<u8>]) -> Capture {
        let store = PacketStore::from_bytes(pcap(frames)).expect("a pcap");
        Capture::analyse(store, Default::default(), |_, _| {})
    }

    #[test]
    fn decoded_on_its_port_with_fields_place_and_column() {
        let cap = capture(&[frame(40000, 7777, b"TOY\x01\x00\x07hello")]);
        let p = cap.packet(0).expect("packet 0");
        let l = p
            .layers
            .iter()
            .find(|l| l.protocol == Protocol::Toy)
            .expect("a toy layer");
        assert_eq!((l.osi(), l.tcpip()), (Osi::Application, TcpIp::Application));
        let id = l.field("toy.id").expect("toy.id");
        assert_eq!((id.offset, id.length), (42 + 4, 2));
        assert_eq!(l.field("toy.kind").expect("kind").display(), "Request (1)");
        assert_eq!(p.protocol, "Toy");
        assert_eq!(p.summary, "Toy request id=7 \"hello\"");
        assert_eq!(Protocol::from_column(p.protocol), Some(Protocol::Toy));
        let mut json = Vec::new();
        crate::output::push_json(&mut json, &p);
        let json = String::from_utf8(json).expect("utf-8");
        assert!(
            json.contains("\"toy.id\"") && json.contains("\"Toy\""),
            "{json}"
        );
    }

    #[test]
    fn found_by_its_magic_on_any_port_and_not_without_it() {
        let cap = capture(&[
            frame(40000, 9000, b"TOY\x02\x00\x07hi"),
            frame(40000, 9000, b"NOT a toy"),
        ]);
        let toy = cap.packet(0).expect("packet 0");
        assert!(toy.layers.iter().any(|l| l.protocol == Protocol::Toy));
        let other = cap.packet(1).expect("packet 1");
        assert!(!other.layers.iter().any(|l| l.protocol == Protocol::Toy));
        assert_eq!(
            other.layers.last().map(|l| l.protocol),
            Some(Protocol::Data)
        );
    }

    #[test]
    fn requests_pair_with_responses_and_the_filter_knows_the_fields() {
        let cap = capture(&[
            frame(40000, 7777, b"TOY\x01\x00\x07ping"),
            frame(7777, 40000, b"TOY\x02\x00\x07pong"),
        ]);
        let q = cap.packet(0).expect("request");
        let r = cap.packet(1).expect("response");
        let field = |p: &crate::model::Packet, n: &str| {
            p.layers
                .iter()
                .find_map(|l| l.field(n))
                .map(|f| f.display())
        };
        assert_eq!(field(&q, "toy.response_in").as_deref(), Some("2"));
        assert_eq!(field(&r, "toy.response_to").as_deref(), Some("1"));
        let f = crate::engine::filter::parse("toy.kind == 2 && toy.response_to == 1")
            .expect("a filter");
        assert!(!f.matches(&q) && f.matches(&r));
        let f = crate::engine::filter::parse("toy").expect("a filter");
        assert!(f.matches(&q) && f.matches(&r));
    }
}
