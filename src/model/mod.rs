//! The layer model: what every view, the CLI, the tests and the fuzzers read.
//!
//! A decoded packet is a stack of [`Layer`]s, outermost first. Each layer knows which protocol it
//! is, where it sits in the OSI 7-layer model and in the TCP/IP 4-layer model, and which bytes of
//! the frame it covers. Each layer holds a flat list of [`Field`]s in display order; a field's
//! `depth` turns that list into a tree (flags under the flags byte, option parts under the
//! option), which is cheaper to build than nested vectors and trivial to serialise.
//!
//! Why byte ranges everywhere: the byte range (plus a bit mask for sub-byte fields) is the one
//! thing that links the field tree, the hex pane and the encapsulation strip. A field without an
//! exact range could not be highlighted, so every field has one.
//!
//! Why `&'static FieldDef`: names, labels and explanations never change at run time. Keeping them
//! in static tables means building a field costs a few integer stores, which is what lets the
//! decoder build a full tree for millions of packets per second.

pub mod flow;
mod layers;
mod protocols;
pub mod roles;
pub mod text;
pub mod value;

pub use flow::FlowFacts;
pub use layers::{osi_name, tcpip_name, Osi, Placement, Protocol, ProtocolInfo, TcpIp};
pub use text::{count, count_irregular, escape, noun, push_escape, Count};
pub use value::{format_mac, hex_colon, Base, Value};

use serde::Serialize;

/// Static description of a field: Wireshark's display-filter name, a human label and a one-line
/// explanation of what the field is for (shown as a tooltip in the GUI).
#[derive(Debug)]
pub struct FieldDef {
    /// Wireshark display-filter name where Wireshark has one (`ip.ttl`), else our own in the same
    /// style (`websocket.payload_unmasked`).
    pub name: &'static str,
    /// Short human label ("Time to live").
    pub label: &'static str,
    /// How numbers are shown (decimal, hex of a given width).
    pub base: Base,
    /// One plain sentence: what the field is for.
    pub explain: &'static str,
    /// `"name":"ip.ttl","value":`, how a field of this kind starts in jsonl, made at compile
    /// time (empty where the name is not a literal: then it is written piece by piece).
    pub json_head: &'static str,
}

/// Shorthand used by protocol modules to declare their field tables.
#[macro_export]
macro_rules! field_def {
    ($ident:ident, $name:literal, $label:expr, $base:expr, $explain:expr) => {
        pub static $ident: $crate::model::FieldDef = $crate::model::FieldDef {
            name: $name,
            label: $label,
            base: $base,
            explain: $explain,
            json_head: concat!("\"name\":\"", $name, "\",\"value\":"),
        };
    };
}

/// How a field's display text is made. Most texts are derived from the value by a plain
/// function, run only when the text is shown: building the tree allocates no strings.
#[derive(Debug, Clone)]
pub enum Text {
    /// Format the value by the field's base.
    Auto,
    /// Write the numeric value's text with this function ("IPv4 (0x0800)"): into the
    /// caller's buffer, so showing a field allocates nothing.
    Num(fn(u64, &mut String)),
    /// Text fixed at decode time.
    Owned(Box<str>),
}

/// How many bytes of a byte-string field its display text shows.
pub const DISPLAY_BYTES: usize = 24;

/// One decoded field.
#[derive(Debug, Clone)]
pub struct Field {
    pub def: &'static FieldDef,
    pub value: Value,
    /// Display text when the default formatting of `value` is not enough (e.g. "Echo (ping)
    /// request"); see [`Field::display`].
    pub text: Text,
    /// Byte offset in the frame.
    pub offset: u32,
    /// Length in bytes.
    pub length: u32,
    /// For sub-byte fields: which bits of the covered bytes (big-endian over `length` bytes).
    pub bitmask: Option<u32>,
    /// Nesting depth in the layer's field tree (0 = top level).
    pub depth: u8,
}

impl Field {
    pub fn name(&self) -> &'static str {
        self.def.name
    }

    /// The text shown for the value ("64", "0x0800", "Echo (ping) request (8)").
    pub fn display(&self) -> String {
        let mut s = String::new();
        self.write_display(&mut s);
        s
    }

    /// Append the display text to `out`.
    pub fn write_display(&self, out: &mut String) {
        // Text from the wire is shown escaped (`\x1b`, `\n`): a label or a terminal line must
        // not obey control characters a sender put there.
        match &self.text {
            Text::Owned(t) => text::push_escape(out, t),
            Text::Num(f) => f(self.value.as_u64().unwrap_or(0), out),
            Text::Auto => match &self.value {
                // Long byte strings are shortened for display, as Wireshark does; the value
                // keeps them whole.
                Value::Bytes(b) if b.len() > DISPLAY_BYTES => {
                    value::push_hex_colon(out, &b[..DISPLAY_BYTES]);
                    out.push('…');
                }
                Value::Str(s) => text::push_escape(out, s),
                v => v.write_to(self.def.base, out),
            },
        }
    }

    /// Byte range in the frame.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.offset as usize..(self.offset as usize + self.length as usize)
    }
}

/// Marks a packet "comment" that is really the capture reader's note about the packet's
/// record (a skipped damaged block before it, a captured length over the packet's length):
/// the decoder turns these into notes, not `frame.comment` fields. Comments travel with a
/// packet everywhere (index, streaming readers), which is why the reader uses them.
pub const READER_NOTE: &str = "\u{1}layerscope reader: ";

/// Fields one layer keeps: past it, fields are counted, not kept (a frame of 16 MiB of IPv6
/// Pad1 options would otherwise make 16 million fields). Wireshark's own tree stops at a
/// similar size ("too many items").
pub const MAX_FIELDS: usize = 4096;

/// Bytes of a byte-string or text value a field keeps: its range still covers the whole
/// value, the hex pane shows it all, and a note says the value was shortened.
pub const MAX_VALUE_BYTES: usize = 64 << 10;

/// One protocol layer of a packet.
#[derive(Debug, Clone)]
pub struct Layer {
    pub protocol: Protocol,
    /// Byte offset of the layer's first byte in the frame.
    pub offset: u32,
    /// Bytes covered by this layer's header (and, for the payload layer, its data).
    pub length: u32,
    pub fields: Vec<Field>,
    /// False when the packet was decoded for a list row only: the layer's place and summary
    /// are known, its field tree was not built (`fields` is empty).
    pub(crate) collect: bool,
    /// Set when this layer was decoded from bytes reassembled from several packets (or
    /// derived: unmasked, decompressed): then `offset`, `length` and the fields' ranges refer to
    /// these bytes, not to the frame. `None` for ordinary layers.
    pub reassembled: Option<Box<Reassembled>>,
    /// Fields past [`MAX_FIELDS`] that were counted and not kept, and values shortened to
    /// [`MAX_VALUE_BYTES`]: said in a note by [`Packet::say_cuts`].
    pub cut: Cut,
}

/// What a layer's limits left out (see [`MAX_FIELDS`], [`MAX_VALUE_BYTES`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cut {
    pub fields: u32,
    pub values: u32,
    /// Set when the last field pushed was not kept: its text, bits and depth go nowhere.
    last_dropped: bool,
}

/// Bytes a layer was decoded from when they are not one contiguous piece of the frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reassembled {
    pub bytes: std::sync::Arc<[u8]>,
    /// Where those bytes came from, in order.
    pub segments: Vec<Segment>,
    /// What the bytes are ("reassembled TCP", "unmasked payload", "decompressed message").
    pub what: &'static str,
}

/// A piece of reassembled bytes: `length` bytes at `data_offset` came from packet `packet`
/// (1-based) at `frame_offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub packet: u64,
    pub frame_offset: u32,
    pub data_offset: u32,
    pub length: u32,
}

impl Layer {
    pub fn new(protocol: Protocol, offset: usize, length: usize) -> Self {
        Layer {
            protocol,
            offset: offset as u32,
            length: length as u32,
            fields: Vec::with_capacity(protocol.typical_fields()),
            collect: true,
            reassembled: None,
            cut: Cut::default(),
        }
    }

    /// A layer whose fields are not collected (list rows): pushing fields does nothing and
    /// allocates nothing.
    pub fn without_fields(protocol: Protocol, offset: usize, length: usize) -> Self {
        Layer {
            protocol,
            offset: offset as u32,
            length: length as u32,
            fields: Vec::new(),
            collect: false,
            reassembled: None,
            cut: Cut::default(),
        }
    }

    /// Whether this layer's field tree was built.
    pub fn has_fields(&self) -> bool {
        self.collect
    }

    /// OSI layer in the textbook placement (the default everywhere).
    pub fn osi(&self) -> Osi {
        self.protocol.osi()
    }

    /// OSI layer in the given placement.
    pub fn osi_in(&self, placement: Placement) -> Osi {
        self.protocol.osi_in(placement)
    }

    pub fn tcpip(&self) -> TcpIp {
        self.protocol.tcpip()
    }

    pub fn range(&self) -> std::ops::Range<usize> {
        self.offset as usize..(self.offset as usize + self.length as usize)
    }

    /// First field with this name.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.def.name == name)
    }

    /// Append a field; `offset`/`length` are frame-absolute.
    #[inline]
    pub fn push(&mut self, def: &'static FieldDef, mut value: Value, offset: usize, length: usize) {
        if !self.collect {
            return;
        }
        if self.fields.len() >= MAX_FIELDS {
            self.cut.fields = self.cut.fields.saturating_add(1);
            self.cut.last_dropped = true;
            return;
        }
        self.cut.last_dropped = false;
        if shorten(&mut value) {
            self.cut.values = self.cut.values.saturating_add(1);
        }
        self.fields.push(Field {
            def,
            value,
            text: Text::Auto,
            offset: offset as u32,
            length: length as u32,
            bitmask: None,
            depth: 0,
        });
    }

    /// Append a field with its own display text.
    #[inline]
    pub fn push_text(
        &mut self,
        def: &'static FieldDef,
        value: Value,
        text: impl FnOnce() -> String,
        offset: usize,
        length: usize,
    ) {
        // The text is made only when the field tree is built.
        if !self.collect {
            return;
        }
        self.push(def, value, offset, length);
        self.set_text(Text::Owned(text().into_boxed_str()));
    }

    /// Append a numeric field whose text a function derives from the value (lazily).
    #[inline]
    pub fn push_fmt(
        &mut self,
        def: &'static FieldDef,
        value: u64,
        f: fn(u64, &mut String),
        offset: usize,
        length: usize,
    ) {
        if !self.collect {
            return;
        }
        self.push(def, Value::U64(value), offset, length);
        self.set_text(Text::Num(f));
    }

    /// Set the text of the last pushed field.
    #[inline]
    pub fn set_text(&mut self, mut text: Text) {
        if self.cut.last_dropped {
            return;
        }
        if let Text::Owned(t) = &mut text {
            if t.len() > MAX_VALUE_BYTES {
                let mut s = String::with_capacity(MAX_VALUE_BYTES + 3);
                s.push_str(text::prefix(t, MAX_VALUE_BYTES));
                s.push('…');
                *t = s.into_boxed_str();
                self.cut.values = self.cut.values.saturating_add(1);
            }
        }
        if let Some(f) = self.fields.last_mut() {
            f.text = text;
        }
    }

    /// Append a sub-byte field (flags, IHL, DSCP) with its bit mask, one level deeper.
    #[inline]
    pub fn push_bits(
        &mut self,
        def: &'static FieldDef,
        value: Value,
        offset: usize,
        length: usize,
        mask: u32,
    ) {
        if !self.collect {
            return;
        }
        self.push(def, value, offset, length);
        if self.cut.last_dropped {
            return;
        }
        if let Some(f) = self.fields.last_mut() {
            f.bitmask = Some(mask);
            f.depth = 1;
        }
    }

    /// Set the depth of the last pushed field.
    #[inline]
    pub fn nest(&mut self, depth: u8) {
        if self.cut.last_dropped {
            return;
        }
        if let Some(f) = self.fields.last_mut() {
            f.depth = depth;
        }
    }
}

/// Bytes of an Info line: past it, the line ends with "…".
pub const MAX_SUMMARY: usize = 1024;
/// Bytes of a packet's sentence.
pub const MAX_SENTENCE: usize = 4096;

/// Escape `s` (see [`text::escape`]) and bound it to `max` bytes.
fn tidy_text(s: &mut String, max: usize) {
    if let std::borrow::Cow::Owned(t) = text::escape(s) {
        *s = t;
    }
    if s.len() > max {
        let end = text::prefix(s, max).len();
        s.truncate(end);
        s.push('…');
    }
}

/// Shorten a byte-string or text value to [`MAX_VALUE_BYTES`]; whether it was.
fn shorten(v: &mut Value) -> bool {
    match v {
        Value::Bytes(b) if b.len() > MAX_VALUE_BYTES => {
            *b = b[..MAX_VALUE_BYTES].into();
            true
        }
        Value::Str(s) if s.len() > MAX_VALUE_BYTES => {
            let mut t = String::with_capacity(MAX_VALUE_BYTES + 3);
            t.push_str(text::prefix(s, MAX_VALUE_BYTES));
            t.push('…');
            *s = t.into_boxed_str();
            true
        }
        _ => false,
    }
}

/// How serious a note is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// Something the decoder wants the reader to know: a truncated header, a bad checksum, a link
/// type it does not decode. Kept with the packet, never silently dropped.
#[derive(Debug, Clone, Serialize)]
pub struct Note {
    pub severity: Severity,
    /// What the note is about, for programs (see [`NoteKind`]).
    pub kind: NoteKind,
    /// Which protocol the note is about (its filter name), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<&'static str>,
    /// Byte offset in the frame the note is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
    pub text: std::borrow::Cow<'static, str>,
}

/// What a [`Note`] is about: `kind` in the JSON output (lowercase). docs/json.md lists the
/// same names (a test checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoteKind {
    /// A header did not fit in the captured bytes: decoding stopped there.
    Truncated,
    /// A field's value is impossible (a length past the end, a reserved value that must not be).
    Malformed,
    /// A checksum: wrong, or not checked (offloaded, partial data).
    Checksum,
    /// A protocol or option layerscope does not decode.
    Unsupported,
    /// An IP fragment: the rest of the datagram is in other packets.
    Fragment,
    /// A comment stored with the packet in the capture file.
    Comment,
    /// Legal but unusual (a protocol on an unexpected port...).
    Unusual,
    /// From the HTTP / WebSocket / Socket.IO pass: a message the capture ends inside, a frame
    /// that claims more than is kept.
    Application,
    /// A bound was reached: what was cut or not shown, and why (docs/robustness.md).
    Limit,
    /// About the packet's record in the file: a damaged block skipped before it, a captured
    /// length over the packet's length.
    Capture,
}

impl NoteKind {
    pub const ALL: [NoteKind; 10] = [
        NoteKind::Truncated,
        NoteKind::Malformed,
        NoteKind::Checksum,
        NoteKind::Unsupported,
        NoteKind::Fragment,
        NoteKind::Comment,
        NoteKind::Unusual,
        NoteKind::Application,
        NoteKind::Limit,
        NoteKind::Capture,
    ];

    /// The name in the JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::Truncated => "truncated",
            NoteKind::Malformed => "malformed",
            NoteKind::Checksum => "checksum",
            NoteKind::Unsupported => "unsupported",
            NoteKind::Fragment => "fragment",
            NoteKind::Comment => "comment",
            NoteKind::Unusual => "unusual",
            NoteKind::Application => "application",
            NoteKind::Limit => "limit",
            NoteKind::Capture => "capture",
        }
    }
}

impl PartialEq<&str> for NoteKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for NoteKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the packet came from, as stored in the capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timestamp {
    /// Nanoseconds since the Unix epoch.
    pub ns: i64,
    /// Digits after the decimal point at the capture's resolution (6 for µs, 9 for ns).
    pub digits: u8,
}

impl Timestamp {
    /// Seconds since the epoch as text, at the capture's resolution ("1234.567890").
    pub fn to_decimal(self) -> String {
        format_seconds(self.ns, self.digits)
    }
}

/// Format a nanosecond count as seconds with `digits` decimals (truncating, as tshark does).
pub fn format_seconds(ns: i64, digits: u8) -> String {
    let mut s = String::with_capacity(24);
    write_seconds(&mut s, ns, digits);
    s
}

/// Append a nanosecond count as seconds with `digits` decimals.
pub fn write_seconds(out: &mut String, ns: i64, digits: u8) {
    write_seconds_aligned(out, ns, digits, 0);
}

/// [`write_seconds`], right-aligned in `width` columns (the text decoder's time column).
/// The width is known before anything is written, so the padding goes first.
pub fn write_seconds_aligned(out: &mut String, ns: i64, digits: u8, width: usize) {
    let a = ns.unsigned_abs();
    let digits = digits.min(9);
    let mut secs = itoa::Buffer::new();
    let secs = secs.format(a / 1_000_000_000);
    let mut frac = itoa::Buffer::new();
    let frac = frac.format(a % 1_000_000_000 / 10u64.pow(9 - u32::from(digits)));
    let len = usize::from(ns < 0)
        + secs.len()
        + if digits > 0 {
            1 + usize::from(digits)
        } else {
            0
        };
    for _ in len..width {
        out.push(' ');
    }
    if ns < 0 {
        out.push('-');
    }
    out.push_str(secs);
    if digits == 0 {
        return;
    }
    out.push('.');
    for _ in frac.len()..usize::from(digits) {
        out.push('0');
    }
    out.push_str(frac);
}

/// Metadata of a captured frame (everything but the bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrameMeta {
    /// 1-based, as tshark counts.
    pub number: u64,
    pub timestamp: Timestamp,
    /// Bytes captured.
    pub caplen: u32,
    /// Bytes on the wire.
    pub wirelen: u32,
    /// LINKTYPE_* value.
    pub link_type: u32,
    /// Interface index in the capture (pcapng IDB order across sections; 0 for pcap).
    pub interface: u32,
}

/// A network or link address for the Source/Destination columns, formatted only when shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Address {
    #[default]
    None,
    Mac([u8; 6]),
    Ipv4([u8; 4]),
    Ipv6([u8; 16]),
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Address::None => Ok(()),
            Address::Mac(m) => f.write_str(&format_mac(m)),
            Address::Ipv4(a) => {
                let mut s = String::with_capacity(15);
                value::write_ipv4(&mut s, a);
                f.write_str(&s)
            }
            Address::Ipv6(a) => std::net::Ipv6Addr::from(*a).fmt(f),
        }
    }
}

impl Address {
    pub fn is_none(&self) -> bool {
        matches!(self, Address::None)
    }
}

impl Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The transport-layer facts the flow pass needs, filled by the decoder in every mode (even a
/// list-row decode), so conversation tracking never re-parses headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TransportInfo {
    /// 6 TCP, 17 UDP.
    pub proto: u8,
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    /// TCP flags (12 bits).
    pub flags: u16,
    pub window: u16,
    /// Window scale shift announced in this segment, if any (read from SYN segments only: the
    /// option counts nowhere else, RFC 7323 2.2).
    pub wscale: Option<u8>,
    /// Payload length the headers declare (may exceed what was captured).
    pub payload_len: u32,
    /// Offset of the payload in the frame.
    pub payload_offset: u32,
    /// Payload bytes actually captured.
    pub payload_captured: u32,
}

impl TransportInfo {
    pub fn syn(&self) -> bool {
        self.flags & 0x02 != 0
    }
    pub fn ack_flag(&self) -> bool {
        self.flags & 0x10 != 0
    }
    pub fn fin(&self) -> bool {
        self.flags & 0x01 != 0
    }
    pub fn rst(&self) -> bool {
        self.flags & 0x04 != 0
    }
    pub fn payload_range(&self) -> std::ops::Range<usize> {
        let s = self.payload_offset as usize;
        s..s + self.payload_captured as usize
    }
}

/// A decoded packet: the layer stack plus everything the list and the CLI show about it.
#[derive(Debug, Clone, Default)]
pub struct Packet {
    pub meta: FrameMeta,
    pub layers: Vec<Layer>,
    pub notes: Vec<Note>,
    /// Wireshark-style Info column.
    pub summary: String,
    /// Plain-language sentence for students (empty when decoded with
    /// [`crate::decode::decode_summary`]).
    pub sentence: String,
    /// Source column (network address, else link address).
    pub source: Address,
    /// Destination column.
    pub destination: Address,
    /// Protocol column: the innermost decoded protocol's short name.
    pub protocol: &'static str,
    /// TCP/UDP facts for the flow pass (None when there is no complete TCP/UDP header).
    pub transport: Option<TransportInfo>,
}

impl Packet {
    /// An empty packet with room for a usual stack of layers.
    pub fn with_capacity() -> Packet {
        Packet {
            layers: Vec::with_capacity(6),
            ..Packet::default()
        }
    }

    /// Empty this packet for reuse as packet `meta`: every field as in a new packet, the
    /// buffers kept. (Every field is named, so a new one cannot be forgotten here.)
    pub fn reset(&mut self, meta: &FrameMeta) {
        let Packet {
            meta: m,
            layers,
            notes,
            summary,
            sentence,
            source,
            destination,
            protocol,
            transport,
        } = self;
        *m = *meta;
        layers.clear();
        notes.clear();
        summary.clear();
        sentence.clear();
        *source = Address::None;
        *destination = Address::None;
        *protocol = "";
        *transport = None;
    }

    /// All fields of the packet with this Wireshark name, in frame order.
    pub fn fields_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Field> + 'a {
        self.layers
            .iter()
            .flat_map(|l| l.fields.iter())
            .filter(move |f| f.def.name == name)
    }

    /// First field with this name.
    pub fn field<'a>(&'a self, name: &'a str) -> Option<&'a Field> {
        self.fields_named(name).next()
    }

    /// The layer of a protocol, if present.
    pub fn layer(&self, p: Protocol) -> Option<&Layer> {
        self.layers.iter().find(|l| l.protocol == p)
    }

    /// The last step of decoding: what the limits left out is said ([`Packet::say_cuts`]),
    /// and the texts made from packet data are made safe to show: control and direction
    /// characters escaped (see [`text::escape`]), the Info line and the sentence bounded
    /// ([`MAX_SUMMARY`], [`MAX_SENTENCE`]).
    pub fn tidy(&mut self) {
        self.say_cuts();
        tidy_text(&mut self.summary, MAX_SUMMARY);
        tidy_text(&mut self.sentence, MAX_SENTENCE);
        for n in &mut self.notes {
            if let std::borrow::Cow::Owned(t) = text::escape(&n.text) {
                n.text = t.into();
            }
        }
    }

    /// Say in a note what the field limits left out of each layer (once: the counts are
    /// cleared once said).
    pub fn say_cuts(&mut self) {
        for l in &mut self.layers {
            let c = l.cut;
            if c.fields == 0 && c.values == 0 {
                continue;
            }
            let mut text = String::new();
            if c.fields > 0 {
                let _ = std::fmt::Write::write_fmt(
                    &mut text,
                    format_args!(
                        "{} lists its first {MAX_FIELDS} fields; {} more are counted and not listed (the hex pane still shows every byte).",
                        l.protocol.short_name(),
                        c.fields
                    ),
                );
            }
            if c.values > 0 {
                if !text.is_empty() {
                    text.push(' ');
                }
                let kib = MAX_VALUE_BYTES >> 10;
                let p = l.protocol.short_name();
                let _ = if c.values == 1 {
                    std::fmt::Write::write_fmt(
                        &mut text,
                        format_args!("One of {p}'s values is longer than {kib} KiB: it shows its first {kib} KiB (the field's byte range still covers all of it)."),
                    )
                } else {
                    std::fmt::Write::write_fmt(
                        &mut text,
                        format_args!("{} of {p}'s values are longer than {kib} KiB: each shows its first {kib} KiB (the fields' byte ranges still cover all of them).", c.values),
                    )
                };
            }
            l.cut = Cut::default();
            self.notes.push(Note {
                severity: Severity::Info,
                kind: crate::model::NoteKind::Limit,
                protocol: Some(l.protocol.filter_name()),
                offset: Some(l.offset),
                text: text.into(),
            });
        }
    }

    pub fn note(
        &mut self,
        severity: Severity,
        kind: NoteKind,
        text: impl Into<std::borrow::Cow<'static, str>>,
    ) {
        self.notes.push(Note {
            severity,
            kind,
            protocol: None,
            offset: None,
            text: text.into(),
        });
    }
}

#[cfg(test)]
mod tests {
    /// docs/json.md lists exactly the note kinds the code has.
    #[test]
    fn json_doc_lists_every_note_kind() {
        let doc = include_str!("../../docs/json.md");
        let row = doc
            .lines()
            .find(|l| l.starts_with("| `kind` |"))
            .expect("docs/json.md has the `kind` row");
        let listed: std::collections::BTreeSet<&str> = row
            .split('|')
            .nth(3)
            .unwrap_or("")
            .split('`')
            .skip(1)
            .step_by(2)
            .collect();
        let have: std::collections::BTreeSet<&str> =
            NoteKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(listed, have);
        for k in NoteKind::ALL {
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{k}\""));
        }
    }

    use super::*;

    #[test]
    fn seconds_formatting_follows_resolution() {
        assert_eq!(format_seconds(1_500_000_000, 6), "1.500000");
        assert_eq!(format_seconds(1_123_456_789, 9), "1.123456789");
        assert_eq!(format_seconds(-1_500_000_000, 6), "-1.500000");
        assert_eq!(format_seconds(42, 0), "0");
    }
}
