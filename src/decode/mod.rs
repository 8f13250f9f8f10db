//! Frame decoding: raw bytes in, a [`Packet`] layer stack out.
//!
//! Decoding is a pure function of the frame's metadata and bytes ([`decode`]). It never panics
//! (every read is bounds-checked through [`Hdr`]) and never gives up on a packet: when a header
//! does not fit in the captured bytes, the fields that do fit are still shown and a
//! "truncated" note says at which layer and byte decoding stopped and why.
//!
//! etherparse validates each header and supplies its error messages and number registries; the
//! fields themselves are read at fixed offsets (as smoltcp's `wire` module does) because every
//! field must carry its exact byte range and bit mask for the GUI's hex pane.
//!
//! Application protocols that need conversation state (HTTP, WebSocket, Socket.IO) are joined
//! later from the flow pass; this module decodes what a single frame says by itself.

mod arp;
mod checksum;

mod icmp;
mod ip;
mod link;
mod quick;
mod transport;

use crate::model::{
    count, noun, Address, Base, Field, FieldDef, FrameMeta, Layer, Note, Packet, Protocol,
    Severity, Text, Value,
};
use std::fmt::Write as _;

pub use checksum::ChecksumStatus;
pub use quick::quick_flow_key;

/// Link-layer header types (LINKTYPE_* values) this decoder understands.
pub mod linktype {
    pub const NULL: u32 = 0;
    pub const ETHERNET: u32 = 1;
    pub const RAW_12: u32 = 12;
    pub const RAW_14: u32 = 14;
    pub const RAW: u32 = 101;
    pub const LOOP: u32 = 108;
    pub const LINUX_SLL: u32 = 113;
    pub const IPV4: u32 = 228;
    pub const IPV6: u32 = 229;
    pub const LINUX_SLL2: u32 = 276;

    /// Human name of a link type.
    pub fn name(lt: u32) -> &'static str {
        match lt {
            NULL => "BSD loopback (NULL)",
            ETHERNET => "Ethernet",
            RAW | RAW_12 | RAW_14 => "Raw IP",
            LOOP => "OpenBSD loopback (LOOP)",
            LINUX_SLL => "Linux cooked capture v1 (SLL)",
            IPV4 => "Raw IPv4",
            IPV6 => "Raw IPv6",
            LINUX_SLL2 => "Linux cooked capture v2 (SLL2)",
            105 => "IEEE 802.11",
            127 => "IEEE 802.11 + radiotap",
            _ => "unknown",
        }
    }
}

crate::field_def!(
    FRAME_NUMBER,
    "frame.number",
    "Frame number",
    Base::Dec,
    "Position of this packet in the capture, counting from 1."
);
crate::field_def!(
    FRAME_TIME,
    "frame.time_epoch",
    "Arrival time",
    Base::None,
    "When the capturing machine saw the frame, in seconds since 1970-01-01 UTC."
);
crate::field_def!(
    FRAME_IFACE,
    "frame.interface_id",
    "Interface",
    Base::Dec,
    "Which of the capture file's interfaces (numbered from 0) the frame was captured on."
);
crate::field_def!(
    FRAME_LEN,
    "frame.len",
    "Frame length on the wire",
    Base::Dec,
    "How many bytes the frame had on the wire."
);
crate::field_def!(FRAME_CAPLEN, "frame.cap_len", "Captured length", Base::Dec, "How many of those bytes the capture kept (less than the wire length when the snapshot length cut it).");
crate::field_def!(
    FRAME_LINKTYPE,
    "frame.link_type",
    "Link type",
    Base::Dec,
    "Which link-layer header the capture says comes first (LINKTYPE_* number)."
);
crate::field_def!(
    FRAME_COMMENT,
    "frame.comment",
    "Comment",
    Base::None,
    "A note someone attached to this packet in the capture file."
);
crate::field_def!(
    DATA_DATA,
    "data.data",
    "Data",
    Base::None,
    "Bytes after the last header the decoder understood."
);
crate::field_def!(
    DATA_LEN,
    "data.len",
    "Length",
    Base::Dec,
    "How many payload bytes there are."
);

/// Read-only, bounds-checked view of a header and the layer its fields go into.
pub(crate) struct Hdr<'a> {
    pub d: &'a [u8],
    pub layer: Layer,
}

impl<'a> Hdr<'a> {
    pub fn new(
        d: &'a [u8],
        protocol: Protocol,
        offset: usize,
        length: usize,
        fields: bool,
    ) -> Self {
        let layer = if fields {
            Layer::new(protocol, offset, length)
        } else {
            Layer::without_fields(protocol, offset, length)
        };
        Hdr { d, layer }
    }

    /// Big-endian unsigned integer of `len` (1..=8) bytes at `off`, if captured.
    #[inline]
    pub fn u(&self, off: usize, len: usize) -> Option<u64> {
        let b = self.d.get(off..off.checked_add(len)?)?;
        Some(b.iter().fold(0u64, |a, &x| (a << 8) | u64::from(x)))
    }

    pub fn slice(&self, off: usize, len: usize) -> Option<&'a [u8]> {
        self.d.get(off..off.checked_add(len)?)
    }

    #[inline]
    pub fn num(&mut self, def: &'static FieldDef, off: usize, len: usize) -> Option<u64> {
        let v = self.u(off, len)?;
        self.layer.push(def, Value::U64(v), off, len);
        Some(v)
    }

    /// A numeric field whose display text `text` derives from the value when shown.
    #[inline]
    pub fn num_text(
        &mut self,
        def: &'static FieldDef,
        off: usize,
        len: usize,
        text: fn(u64, &mut String),
    ) -> Option<u64> {
        let v = self.u(off, len)?;
        self.layer.push_fmt(def, v, text, off, len);
        Some(v)
    }

    /// A sub-byte field: `(raw & mask) >> shift`.
    #[inline]
    pub fn bits(
        &mut self,
        def: &'static FieldDef,
        off: usize,
        len: usize,
        mask: u32,
    ) -> Option<u64> {
        let raw = self.u(off, len)?;
        let v = (raw & u64::from(mask)) >> mask.trailing_zeros();
        self.layer.push_bits(def, Value::U64(v), off, len, mask);
        Some(v)
    }

    #[inline]
    pub fn flag(
        &mut self,
        def: &'static FieldDef,
        off: usize,
        len: usize,
        mask: u32,
    ) -> Option<bool> {
        let raw = self.u(off, len)?;
        let v = raw & u64::from(mask) != 0;
        self.layer.push_bits(def, Value::Bool(v), off, len, mask);
        Some(v)
    }

    pub fn mac(&mut self, def: &'static FieldDef, off: usize) -> Option<[u8; 6]> {
        let b = self.slice(off, 6)?;
        let mut m = [0u8; 6];
        m.copy_from_slice(b);
        self.layer.push(def, Value::Mac(m), off, 6);
        Some(m)
    }

    pub fn ipv4(&mut self, def: &'static FieldDef, off: usize) -> Option<[u8; 4]> {
        let b = self.slice(off, 4)?;
        let mut a = [0u8; 4];
        a.copy_from_slice(b);
        self.layer.push(def, Value::Ipv4(a), off, 4);
        Some(a)
    }

    pub fn ipv6(&mut self, def: &'static FieldDef, off: usize) -> Option<[u8; 16]> {
        let b = self.slice(off, 16)?;
        let mut a = [0u8; 16];
        a.copy_from_slice(b);
        self.layer.push(def, Value::Ipv6(a), off, 16);
        Some(a)
    }

    pub fn bytes(&mut self, def: &'static FieldDef, off: usize, len: usize) -> Option<&'a [u8]> {
        let b = self.slice(off, len)?;
        if self.layer.has_fields() {
            self.layer.push(def, Value::bytes(b), off, len);
        }
        Some(b)
    }

    /// A derived field (no bytes of its own), e.g. `tcp.len`.
    #[inline]
    pub fn generated(&mut self, def: &'static FieldDef, value: Value, text: Text) {
        if !self.layer.has_fields() {
            return;
        }
        let off = self.layer.offset as usize;
        self.layer.push(def, value, off, 0);
        self.layer.set_text(text);
    }

    /// Set the depth of the last field.
    pub fn nest(&mut self, depth: u8) {
        self.layer.nest(depth);
    }
}

/// Network-layer facts later layers need (checksums, summaries).
#[derive(Debug, Clone, Copy)]
pub(crate) enum NetAddrs {
    V4([u8; 4], [u8; 4]),
    V6([u8; 16], [u8; 16]),
}

impl NetAddrs {
    pub fn src(&self) -> Address {
        match self {
            NetAddrs::V4(s, _) => Address::Ipv4(*s),
            NetAddrs::V6(s, _) => Address::Ipv6(*s),
        }
    }
    pub fn dst(&self) -> Address {
        match self {
            NetAddrs::V4(_, d) => Address::Ipv4(*d),
            NetAddrs::V6(_, d) => Address::Ipv6(*d),
        }
    }
    pub fn src_string(&self) -> String {
        let mut s = String::with_capacity(15);
        self.write_addr(&mut s, true);
        s
    }
    pub fn dst_string(&self) -> String {
        let mut s = String::with_capacity(15);
        self.write_addr(&mut s, false);
        s
    }
    /// Append the source or destination address.
    fn write_addr(&self, out: &mut String, src: bool) {
        match self {
            NetAddrs::V4(s, d) => crate::model::value::write_ipv4(out, if src { s } else { d }),
            NetAddrs::V6(s, d) => {
                let a = std::net::Ipv6Addr::from(if src { *s } else { *d });
                let _ = std::fmt::Write::write_fmt(out, format_args!("{a}"));
            }
        }
    }
    pub fn is_loopback(&self) -> bool {
        match self {
            NetAddrs::V4(s, d) => s[0] == 127 && d[0] == 127,
            NetAddrs::V6(s, d) => {
                let lo = std::net::Ipv6Addr::LOCALHOST.octets();
                *s == lo && *d == lo
            }
        }
    }
    /// "1.2.3.4:80" or "[::1]:80"
    pub fn endpoint(&self, src: bool, port: u16) -> String {
        let mut s = String::with_capacity(24);
        let v6 = matches!(self, NetAddrs::V6(..));
        if v6 {
            s.push('[');
        }
        self.write_addr(&mut s, src);
        if v6 {
            s.push(']');
        }
        s.push(':');
        s.push_str(itoa::Buffer::new().format(port));
        s
    }
}

/// Decoding state for one frame.
pub(crate) struct Ctx<'a, 'p> {
    pub data: &'a [u8],
    /// The packet being filled (the caller's, so that its buffers can be reused).
    pub pkt: &'p mut Packet,
    pub net: Option<NetAddrs>,
    /// The frame came from a loopback interface (checksums are usually left for offload).
    pub loopback: bool,
    /// All of the frame was captured.
    pub complete: bool,
    /// Ethernet layer index, for a trailer/padding field.
    pub eth_layer: Option<usize>,
    /// Build the plain-language sentence.
    pub sentences: bool,
    /// Build the field trees.
    pub fields: bool,
    /// Build the Info line (false only for the facts-only flow pass).
    pub summaries: bool,
    /// What the flow pass knows about this packet (stream, relative numbers, analysis).
    pub flow: Option<crate::model::FlowFacts>,
    /// Asked for the flow facts once the transport header is read (single-pass streaming).
    pub flow_hook: Option<&'a mut FlowHook<'a>>,
    /// The flow hook declined the packet (another worker's conversation): stop decoding.
    pub declined: bool,
    /// Keep notes (false for a summary-only reader: then checks whose only outcome is a
    /// note, like a transport checksum, are skipped too).
    pub notes: bool,
}

/// Called by the decoder with a packet's transport facts; returns its flow facts. Lets a
/// streaming reader run the conversation pass and decode each packet in one go. A hook that
/// answers [`Declined`] stops the decoding there (the packet belongs to another worker).
pub type FlowHook<'a> = dyn FnMut(
        &FrameMeta,
        Address,
        Address,
        &crate::model::TransportInfo,
    ) -> Result<Option<crate::model::FlowFacts>, Declined>
    + 'a;

/// A flow hook's answer for a packet whose conversation another worker decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declined;

impl<'a> Ctx<'a, '_> {
    /// Ask the flow hook (if any) for this packet's flow facts.
    /// Only the flow facts are wanted (the flow pass): no layers, fields, Info or sentence.
    pub fn facts_only(&self) -> bool {
        (!self.summaries && !self.fields && !self.sentences) || self.declined
    }

    pub fn resolve_flow(&mut self, t: &crate::model::TransportInfo) {
        let Some(net) = self.net else { return };
        if let Some(hook) = self.flow_hook.as_mut() {
            match hook(&self.pkt.meta, net.src(), net.dst(), t) {
                Ok(f) => self.flow = f,
                Err(Declined) => self.declined = true,
            }
        }
    }

    /// Start a header of `protocol` at `offset`, nominally `length` bytes long.
    pub fn hdr(&self, protocol: Protocol, offset: usize, length: usize) -> Hdr<'a> {
        Hdr::new(self.data, protocol, offset, length, self.fields)
    }

    pub fn push(&mut self, mut h: Hdr<'a>) -> usize {
        // A layer never claims bytes that were not captured.
        let avail = self.data.len().saturating_sub(h.layer.offset as usize);
        h.layer.length = h.layer.length.min(avail as u32);
        self.pkt.layers.push(h.layer);
        self.pkt.layers.len() - 1
    }

    pub fn note(
        &mut self,
        severity: Severity,
        kind: crate::model::NoteKind,
        protocol: Protocol,
        offset: usize,
        text: impl Into<std::borrow::Cow<'static, str>>,
    ) {
        if !self.notes {
            return;
        }
        self.pkt.notes.push(Note {
            severity,
            kind,
            protocol: Some(protocol.filter_name()),
            offset: Some(offset as u32),
            text: text.into(),
        });
    }

    /// Record that a header did not fit in the captured bytes.
    pub fn truncated(&mut self, p: Protocol, offset: usize, needed: usize) {
        let have = self.data.len().saturating_sub(offset);
        let why = if self.complete {
            "the packet itself is shorter than the header"
        } else {
            "the capture kept only part of the frame (snapshot length)"
        };
        self.note(
            Severity::Warning,
            crate::model::NoteKind::Truncated,
            p,
            offset,
            format!(
                "Decoding stopped at {} (byte {offset}): its header needs {}, only {have} captured; {why}.",
                p.short_name(),
                count(needed, "byte")
            ),
        );
    }

    /// Set the Protocol column and Info line; the plain-language sentence is built only when
    /// the caller asked for it (it costs more than the rest of the decode).
    pub fn set_summary(
        &mut self,
        protocol: &'static str,
        summary: String,
        sentence: impl FnOnce() -> String,
    ) {
        self.pkt.protocol = protocol;
        self.pkt.summary = summary;
        if self.sentences {
            self.pkt.sentence = sentence();
        }
    }

    /// Bytes `[offset, end)` not claimed by any decoder become a data layer.
    pub fn data_layer(&mut self, offset: usize, end: usize) {
        let end = end.min(self.data.len());
        if offset >= end {
            return;
        }
        let mut h = self.hdr(Protocol::Data, offset, end - offset);
        h.bytes(&DATA_DATA, offset, end - offset);
        h.generated(&DATA_LEN, Value::U64((end - offset) as u64), Text::Auto);
        self.push(h);
    }
}

/// Decode one frame: the full layer tree, summary and plain-language sentence.
pub fn decode(meta: &FrameMeta, data: &[u8]) -> Packet {
    decode_with(meta, data, &[], true)
}

/// Decode one frame, attaching the capture file's comments for it.
pub fn decode_with_comments(meta: &FrameMeta, data: &[u8], comments: &[String]) -> Packet {
    decode_with(meta, data, comments, true)
}

/// Decode one frame for a packet list row: the layers (protocol, OSI/TCP-IP place, byte
/// range), the columns and the Info line, notes included; no field trees (each layer's
/// `fields` is empty) and no sentence. `decode --format text` and the GUI list use this; the
/// selected packet is decoded again in full.
pub fn decode_summary(meta: &FrameMeta, data: &[u8]) -> Packet {
    decode_opts(meta, data, &[], false, false)
}

/// Decode one frame with its field trees; `sentences` chooses whether to build the
/// plain-language sentence.
pub fn decode_with(meta: &FrameMeta, data: &[u8], comments: &[String], sentences: bool) -> Packet {
    decode_opts(meta, data, comments, sentences, true)
}

/// How much to decode, and with which context.
#[derive(Default)]
pub struct Options<'c> {
    /// Capture-file comments attached to the packet.
    pub comments: &'c [String],
    /// Build the plain-language sentence.
    pub sentences: bool,
    /// Build the field trees (false: a list row).
    pub fields: bool,
    /// Flow facts from the conversation pass, rendered as `tcp.stream`, `tcp.seq`, ...
    pub flow: Option<crate::model::FlowFacts>,
    /// Or: ask this hook for them as soon as the transport header is read.
    pub flow_hook: Option<&'c mut FlowHook<'c>>,
    /// Skip the Info line: only the transport facts are wanted (the flow pass).
    pub facts_only: bool,
    /// Leave the notes out, and the checks only they report (a transport checksum): for
    /// readers that print the summary line alone (`decode --format text`).
    pub skip_notes: bool,
}

/// Decode one frame with explicit options.
pub fn decode_opt<'c>(meta: &FrameMeta, data: &'c [u8], o: Options<'c>) -> Packet {
    let mut pkt = Packet::with_capacity();
    decode_into(meta, data, o, &mut pkt);
    pkt
}

/// Decode one frame into `pkt`, which is emptied first and keeps its buffers: a streaming
/// reader that decodes every packet into the same one allocates almost nothing per packet.
pub fn decode_into<'c>(meta: &FrameMeta, data: &'c [u8], o: Options<'c>, pkt: &mut Packet) {
    pkt.reset(meta);
    let ctx = Ctx {
        flow_hook: o.flow_hook,
        declined: false,
        notes: !o.skip_notes,
        summaries: !o.facts_only,
        sentences: o.sentences,
        fields: o.fields,
        flow: o.flow,
        data,
        complete: meta.wirelen as usize <= data.len(),
        pkt,
        net: None,
        loopback: false,
        eth_layer: None,
    };
    run(ctx, o.comments);
}

/// The decoders above without flow facts: field trees or not, sentence or not.
fn decode_opts(
    meta: &FrameMeta,
    data: &[u8],
    comments: &[String],
    sentences: bool,
    fields: bool,
) -> Packet {
    decode_opt(
        meta,
        data,
        Options {
            comments,
            sentences,
            fields,
            ..Options::default()
        },
    )
}

fn run(mut ctx: Ctx<'_, '_>, comments: &[String]) {
    let lt = ctx.pkt.meta.link_type;
    frame_layer(&mut ctx, comments);
    link::dispatch(&mut ctx, lt);
    finish(&mut ctx);
}

fn bytes_bits(v: u64, out: &mut String) {
    // Written piece by piece: two of these are in every packet's field tree.
    count(v, "byte").push_to(out);
    out.push_str(" (");
    count(v.saturating_mul(8), "bit").push_to(out);
    out.push(')');
}

fn link_type_text(v: u64, out: &mut String) {
    out.push_str(linktype::name(v as u32));
    out.push_str(" (");
    out.push_str(itoa::Buffer::new().format(v));
    out.push(')');
}

fn frame_layer(ctx: &mut Ctx<'_, '_>, comments: &[String]) {
    let m = ctx.pkt.meta;
    if !ctx.fields {
        ctx.pkt
            .layers
            .push(Layer::without_fields(Protocol::Frame, 0, ctx.data.len()));
        return;
    }
    let mut l = Layer::new(Protocol::Frame, 0, ctx.data.len());
    l.fields.reserve(6 + comments.len());
    let push_gen = |l: &mut Layer, def, v: Value, text: Text| {
        l.fields.push(Field {
            def,
            value: v,
            text,
            offset: 0,
            length: 0,
            bitmask: None,
            depth: 0,
        });
    };
    push_gen(&mut l, &FRAME_NUMBER, Value::U64(m.number), Text::Auto);
    let time = Value::Time {
        ns: m.timestamp.ns,
        digits: m.timestamp.digits,
    };
    push_gen(&mut l, &FRAME_TIME, time, Text::Auto);
    push_gen(
        &mut l,
        &FRAME_IFACE,
        Value::U64(u64::from(m.interface)),
        Text::Auto,
    );
    push_gen(
        &mut l,
        &FRAME_LEN,
        Value::U64(u64::from(m.wirelen)),
        Text::Num(bytes_bits),
    );
    push_gen(
        &mut l,
        &FRAME_CAPLEN,
        Value::U64(u64::from(m.caplen)),
        Text::Num(bytes_bits),
    );
    push_gen(
        &mut l,
        &FRAME_LINKTYPE,
        Value::U64(u64::from(m.link_type)),
        Text::Num(link_type_text),
    );
    for c in comments {
        if let Some(text) = c.strip_prefix(crate::model::READER_NOTE) {
            ctx.pkt.notes.push(Note {
                severity: Severity::Warning,
                kind: crate::model::NoteKind::Capture,
                protocol: Some("frame"),
                offset: None,
                text: text.to_string().into(),
            });
            continue;
        }
        push_gen(&mut l, &FRAME_COMMENT, Value::str(c), Text::Auto);
        ctx.pkt.notes.push(Note {
            severity: Severity::Info,
            kind: crate::model::NoteKind::Comment,
            protocol: Some("frame"),
            offset: None,
            text: c.clone().into(),
        });
    }
    ctx.pkt.layers.push(l);
}

fn finish(ctx: &mut Ctx<'_, '_>) {
    if ctx.facts_only() {
        return;
    }
    if ctx.pkt.protocol.is_empty() {
        ctx.pkt.protocol = ctx
            .pkt
            .layers
            .iter()
            .rev()
            .find(|l| l.protocol != Protocol::Data)
            .map_or("Frame", |l| l.protocol.short_name());
    }
    if ctx.pkt.summary.is_empty() {
        ctx.pkt.summary = format!(
            "{} frame, {}",
            ctx.pkt.protocol,
            count(ctx.data.len(), "byte")
        );
    }
    if ctx.sentences && ctx.pkt.sentence.is_empty() {
        ctx.pkt.sentence = format!(
            "A {}-byte frame whose contents this decoder does not understand beyond {}.",
            ctx.pkt.meta.wirelen, ctx.pkt.protocol
        );
    }
    if let Some(n) = &ctx.net {
        ctx.pkt.source = n.src();
        ctx.pkt.destination = n.dst();
    }
    if !ctx.complete {
        let _ = write!(
            ctx.pkt.summary,
            " [{} of {} {} captured]",
            ctx.pkt.meta.caplen,
            ctx.pkt.meta.wirelen,
            noun(ctx.pkt.meta.wirelen, "byte")
        );
    }
    ctx.pkt.tidy();
}

/// Helpers for the byte-fixture tests at the bottom of each decoder file (smoltcp's habit: a
/// real frame as bytes, decoded, then cut short, then with an impossible length).
#[cfg(test)]
pub(crate) mod fixture {
    use crate::model::{FrameMeta, NoteKind, Packet, Timestamp};

    /// An ARP request, broadcast: who has 10.0.0.2? Tell 10.0.0.1.
    pub const ARP_REQUEST: [u8; 42] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00,
        0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x02,
    ];

    /// 10.0.0.1:40000 → 10.0.0.2:9999 over UDP, 5 bytes "hello", checksums right.
    pub const UDP_FRAME: [u8; 47] = [
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45,
        0x00, 0x00, 0x21, 0x00, 0x01, 0x40, 0x00, 0x40, 0x11, 0x26, 0xc9, 0x0a, 0x00, 0x00, 0x01,
        0x0a, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x27, 0x0f, 0x00, 0x0d, 0xe4, 0xaf, 0x68, 0x65, 0x6c,
        0x6c, 0x6f,
    ];

    /// Decode an Ethernet frame of which only the first `caplen` bytes were captured.
    pub fn ethernet(frame: &[u8], caplen: usize) -> Packet {
        let caplen = caplen.min(frame.len());
        let meta = FrameMeta {
            number: 1,
            timestamp: Timestamp { ns: 0, digits: 6 },
            caplen: caplen as u32,
            wirelen: frame.len() as u32,
            link_type: super::linktype::ETHERNET,
            interface: 0,
        };
        super::decode(&meta, &frame[..caplen])
    }

    /// Where field `name` lies (offset, length) and how it reads.
    pub fn field(p: &Packet, name: &str) -> (u32, u32, String) {
        let f = p
            .layers
            .iter()
            .find_map(|l| l.field(name))
            .unwrap_or_else(|| panic!("no field {name} in {:?}", p.summary));
        (f.offset, f.length, f.display())
    }

    /// The text of the first note of this kind about protocol `filter_name`.
    pub fn note(p: &Packet, kind: NoteKind, filter_name: &str) -> Option<String> {
        p.notes
            .iter()
            .find(|n| n.kind == kind && n.protocol == Some(filter_name))
            .map(|n| n.text.to_string())
    }

    pub fn raw(link_type: u32, frame: &[u8]) -> Packet {
        let meta = FrameMeta {
            number: 1,
            timestamp: Timestamp { ns: 0, digits: 6 },
            caplen: frame.len() as u32,
            wirelen: frame.len() as u32,
            link_type,
            interface: 0,
        };
        super::decode(&meta, frame)
    }

    /// A copy of `frame` with `bytes` written at `at`.
    pub fn patched(frame: &[u8], at: usize, bytes: &[u8]) -> Vec<u8> {
        let mut f = frame.to_vec();
        f[at..at + bytes.len()].copy_from_slice(bytes);
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;

    fn meta(lt: u32, len: usize) -> FrameMeta {
        FrameMeta {
            number: 1,
            timestamp: Timestamp { ns: 0, digits: 6 },
            caplen: len as u32,
            wirelen: len as u32,
            link_type: lt,
            interface: 0,
        }
    }

    #[test]
    fn unknown_link_type_keeps_bytes_and_says_so() {
        let p = decode(&meta(147, 4), &[1, 2, 3, 4]);
        assert_eq!(p.layers.last().map(|l| l.protocol), Some(Protocol::Data));
        assert!(p.notes.iter().any(|n| n.text.contains("Link type 147")));
    }

    #[test]
    fn empty_frame_does_not_panic() {
        for lt in [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 9999] {
            let p = decode(&meta(lt, 0), &[]);
            assert!(!p.summary.is_empty());
        }
    }
}
