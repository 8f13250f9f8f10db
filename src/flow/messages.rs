//! The message table: every HTTP message and WebSocket frame the application pass found,
//! kept small enough that a million-packet capture fits in its memory budget.
//!
//! A [`Message`] is the rich view every consumer reads (the engine's field trees, the views,
//! the filters): the parsed HTTP head or WebSocket header, pairs, Engine.IO items, notes. As a
//! stored record it costs about 280 bytes plus the heap behind an HTTP head, and a Socket.IO
//! capture has one message for every three packets. But almost every message lies whole in
//! one packet, and then everything in it except a few facts that needed state (its pair, the
//! Socket.IO pairing, whether the connection carries Engine.IO) can be read again from that
//! packet's bytes, which the capture keeps anyway.
//!
//! So such a message is *packed*: a 40-byte [`Rec`] keeps where it lies (its one span), the
//! facts that needed state, and flags; the head or header is parsed again from the frame when
//! the message is asked for ([`MessageTable::get`]). Anything else (a message spread over
//! several packets, cut, decompressed, assembled from fragments, or carrying a note) stays a
//! full [`Message`], as does every message when packing is off. Notes and Socket.IO pairing
//! facts that arrive after a message was packed go to two small side tables.
//!
//! Packing is exact: the message built again equals the one that was packed (a test over
//! the bundled captures checks it message by message).

use crate::protocols::http::{self, Head, HeadParse};
use crate::protocols::socketio::{self, SioContext};
use crate::protocols::websocket::{self, FrameHeader};
use foldhash::HashMap;
use smallvec::{smallvec, SmallVec};
use std::borrow::Cow;
use std::sync::Arc;

/// Where a run of a message's bytes came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Packet index (0-based).
    pub packet: u32,
    pub frame_offset: u32,
    pub msg_offset: u32,
    pub len: u32,
}

/// Where a message's bytes came from; almost always one packet.
pub type Spans = SmallVec<[Span; 1]>;
/// Packets of the frames a WebSocket message was assembled from; almost always one.
pub type FramePackets = SmallVec<[u32; 2]>;
/// Engine.IO packets in a message; a WebSocket message carries one.
pub type EioItems = SmallVec<[EioItem; 1]>;

/// One application message.
#[derive(Debug, Clone)]
pub struct Message {
    /// Index into the flow pass's conversations.
    pub conv: u32,
    /// 0 client to server, 1 server to client.
    pub dir: u8,
    /// Packet index (0-based) of the packet that completed the message.
    pub packet: u32,
    pub ts: i64,
    pub spans: Spans,
    /// The message's wire bytes (possibly cut at `max_message`).
    pub bytes: Arc<[u8]>,
    /// Length on the wire.
    pub wire_len: u64,
    pub kind: Kind,
    pub notes: Vec<String>,
    /// The message lies whole in the frame of `packet` at `spans[0].frame_offset`, and its
    /// copies (`bytes`, the unmasked payload, single-frame message data) were not kept.
    pub in_frame: bool,
}

#[derive(Debug, Clone)]
pub enum Kind {
    /// Boxed: an HTTP message is rare and big, a WebSocket frame frequent and smaller.
    Http(Box<HttpMsg>),
    Ws(WsFrame),
}

#[derive(Debug, Clone)]
pub struct HttpMsg {
    pub head: Head,
    /// Message index of the paired request/response.
    pub pair: Option<u32>,
    /// Packet index (0-based) of the paired request/response.
    pub pair_packet: Option<u32>,
    /// For a response: the client's Sec-WebSocket-Key (to verify the accept value).
    pub client_key: Option<String>,
    /// Engine.IO packets in a long-polling body.
    pub eio: EioItems,
}

#[derive(Debug, Clone)]
pub struct WsFrame {
    pub header: FrameHeader,
    /// The connection was recognised from its frames, not from a captured handshake.
    pub heuristic: bool,
    /// Payload after unmasking (possibly cut).
    pub payload: Arc<[u8]>,
    /// When this frame completes a message: the message.
    pub message: Option<WsMessage>,
    /// Ping/pong or close pair (message index).
    pub pair: Option<u32>,
    /// Packet index (0-based) of that pair.
    pub pair_packet: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct WsMessage {
    /// 1 text, 2 binary.
    pub opcode: u8,
    /// Assembled, unmasked and (if compressed) decompressed data.
    pub data: Arc<[u8]>,
    pub compressed: bool,
    /// Why it could not be decompressed.
    pub inflate_error: Option<String>,
    /// Decompression stopped at the limit.
    pub inflate_cut: bool,
    /// Packet indices (0-based) of the frames it was assembled from (more than one when
    /// fragmented).
    pub frames: FramePackets,
    pub utf8_ok: bool,
    pub eio: EioItems,
}

/// An Engine.IO packet inside a WebSocket message or polling body.
#[derive(Debug, Clone, PartialEq)]
pub struct EioItem {
    /// Offset and length in the message data (polling: in the HTTP message bytes).
    pub offset: usize,
    pub len: usize,
    /// A binary message (a Socket.IO attachment).
    pub binary: bool,
    /// Pairing facts (ACKs, attachments); boxed and absent for most items, which have none.
    pub sio: Option<Box<SioContext>>,
}

/// What an Engine.IO item without pairing facts reports.
static NO_SIO: SioContext = SioContext {
    ack_of: None,
    ack_in: None,
    attachments_in: Vec::new(),
};

/// "256 MiB".
fn mib(n: usize) -> String {
    format!("{} MiB", n >> 20)
}

/// Bytes a message keeps of its own: its distinct buffers.
fn kept_by(m: &Message) -> usize {
    let mut seen: SmallVec<[*const u8; 3]> = SmallVec::new();
    let mut n = 0;
    let mut add = |b: &Arc<[u8]>| {
        let p = b.as_ptr();
        if !b.is_empty() && !seen.contains(&p) {
            seen.push(p);
            n += b.len();
        }
    };
    add(&m.bytes);
    if let Kind::Ws(f) = &m.kind {
        add(&f.payload);
        if let Some(wm) = &f.message {
            add(&wm.data);
        }
    }
    n
}

/// Keep only the first `preview` bytes of each of a message's buffers; Engine.IO items past the
/// end are dropped, the last one shortened.
fn trim(m: &mut Message, preview: usize, empty: &Arc<[u8]>) {
    let cut = |b: &mut Arc<[u8]>| {
        if b.len() > preview {
            *b = if preview == 0 {
                empty.clone()
            } else {
                Arc::from(&b[..preview])
            };
        }
    };
    cut(&mut m.bytes);
    if let Kind::Ws(f) = &mut m.kind {
        let shared = f
            .message
            .as_ref()
            .is_some_and(|wm| Arc::ptr_eq(&wm.data, &f.payload));
        cut(&mut f.payload);
        if let Some(wm) = &mut f.message {
            if shared {
                wm.data = f.payload.clone();
            } else {
                cut(&mut wm.data);
            }
            let len = wm.data.len();
            wm.eio.retain(|e| e.offset < len);
            for e in wm.eio.iter_mut() {
                e.len = e.len.min(len - e.offset);
            }
        }
    }
}

impl Message {
    /// The message's wire bytes: its own copy, or, for a message kept without one, the bytes
    /// of `frame` (the frame of the packet that completed it) where it lies.
    pub fn wire_bytes<'a>(&'a self, frame: &'a [u8]) -> &'a [u8] {
        if self.in_frame {
            let s = self.spans.first().map_or(0, |s| s.frame_offset as usize);
            frame
                .get(s..s.saturating_add(self.wire_len as usize))
                .unwrap_or(&[])
        } else {
            &self.bytes
        }
    }
}

impl EioItem {
    /// The item's Socket.IO pairing facts (empty when it has none).
    pub fn sio(&self) -> &SioContext {
        self.sio.as_deref().unwrap_or(&NO_SIO)
    }

    pub(crate) fn sio_mut(&mut self) -> &mut SioContext {
        self.sio.get_or_insert_with(Box::default)
    }
}

const NONE: u32 = u32::MAX;

/// Flags of a [`Rec`].
mod flag {
    /// A WebSocket frame (else an HTTP message).
    pub const WS: u8 = 1;
    /// The WebSocket connection was recognised from its frames.
    pub const HEURISTIC: u8 = 2;
    /// The frame completes a (single-frame) message.
    pub const MESSAGE: u8 = 4;
    /// That message's text is valid UTF-8 (or it is not text).
    pub const UTF8_OK: u8 = 8;
    /// It carries Engine.IO packets.
    pub const EIO: u8 = 16;
    /// An HTTP request for an Engine.IO URL (`EIO=` in its query).
    pub const EIO_URI: u8 = 32;
}

/// One message's record: all of a packed message, or the cheap facts of a full one (which
/// lives in the table's `full` list).
#[derive(Debug, Clone, Copy)]
pub struct Rec {
    pub conv: u32,
    /// Packet index (0-based) of the packet that completed the message.
    pub packet: u32,
    pub ts: i64,
    /// Packed: where the message lies in packet `packet` (it is all of the message).
    frame_offset: u32,
    len: u32,
    /// Packed: the paired message and its packet (HTTP request/response, ping/pong, close).
    pair: u32,
    pair_packet: u32,
    /// Index into `full`, or `NONE` when packed.
    full: u32,
    /// 0 client to server, 1 server to client.
    pub dir: u8,
    flags: u8,
}

impl Rec {
    pub fn is_ws(&self) -> bool {
        self.flags & flag::WS != 0
    }

    /// The message carries Engine.IO packets (HTTP polling or a WebSocket message).
    pub fn has_eio(&self) -> bool {
        self.flags & flag::EIO != 0
    }

    /// An HTTP request for an Engine.IO URL.
    pub fn is_eio_request(&self) -> bool {
        self.flags & flag::EIO_URI != 0
    }

    fn packed(&self) -> bool {
        self.full == NONE
    }

    fn span(&self) -> Span {
        Span {
            packet: self.packet,
            frame_offset: self.frame_offset,
            msg_offset: 0,
            len: self.len,
        }
    }
}

fn opt(x: u32) -> Option<u32> {
    (x != NONE).then_some(x)
}

/// The messages of a capture, oldest first; index `base` is the first one still held (a
/// streaming reader drops what it has printed, see [`MessageTable::drop_all`]).
#[derive(Debug, Default)]
pub struct MessageTable {
    base: u32,
    recs: Vec<Rec>,
    full: Vec<Message>,
    /// Notes added to packed messages after they were packed.
    notes: HashMap<u32, Vec<String>>,
    /// Socket.IO pairing facts of packed messages' Engine.IO items: (message, item).
    sio: HashMap<(u32, u32), SioContext>,
    /// The client's Sec-WebSocket-Key of packed `101 Switching Protocols` responses (one per
    /// WebSocket connection).
    client_keys: HashMap<u32, Box<str>>,
    /// The shared empty buffer the byte fields of packed messages point to.
    empty: Arc<[u8]>,
    /// Bytes the held messages keep (copies, joined and decompressed data), in all and by
    /// conversation: what the memory budget counts.
    kept: usize,
    kept_conv: HashMap<u32, usize>,
}

impl MessageTable {
    /// The one shared empty buffer: the byte fields of messages kept without copies point
    /// here (no allocation each).
    pub fn empty(&self) -> Arc<[u8]> {
        self.empty.clone()
    }

    /// Index the next message will get.
    pub fn next_index(&self) -> u32 {
        self.base + self.recs.len() as u32
    }

    /// Messages held (not counting dropped ones).
    pub fn len(&self) -> usize {
        self.recs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.recs.is_empty()
    }

    /// The messages kept in full, oldest first: all of them when packing is off (the
    /// streaming reader, tests of the pass).
    pub fn iter_full(&self) -> impl DoubleEndedIterator<Item = &Message> {
        self.full.iter()
    }

    /// How many of the messages held are kept in full (not packed).
    pub fn full_count(&self) -> usize {
        self.full.len()
    }

    /// Index of the first message held.
    pub fn base(&self) -> u32 {
        self.base
    }

    /// The records of the messages held, oldest first (index `base()` first): cheap facts
    /// for scans over every message.
    pub fn records(&self) -> &[Rec] {
        &self.recs
    }

    pub fn rec(&self, idx: u32) -> Option<&Rec> {
        self.recs.get(idx.checked_sub(self.base)? as usize)
    }

    fn rec_mut(&mut self, idx: u32) -> Option<&mut Rec> {
        self.recs.get_mut(idx.checked_sub(self.base)? as usize)
    }

    /// Append a message; returns its index.
    pub fn push(&mut self, m: Message) -> u32 {
        let idx = self.next_index();
        let mut flags = 0;
        match &m.kind {
            Kind::Ws(f) => {
                flags |= flag::WS;
                if f.message.as_ref().is_some_and(|w| !w.eio.is_empty()) {
                    flags |= flag::EIO;
                }
            }
            Kind::Http(h) => {
                if !h.eio.is_empty() {
                    flags |= flag::EIO;
                }
                if h.head.request && h.head.uri.contains("EIO=") {
                    flags |= flag::EIO_URI;
                }
            }
        }
        self.recs.push(Rec {
            conv: m.conv,
            packet: m.packet,
            ts: m.ts,
            frame_offset: 0,
            len: 0,
            pair: NONE,
            pair_packet: NONE,
            full: self.full.len() as u32,
            dir: m.dir,
            flags,
        });
        self.full.push(m);
        idx
    }

    /// Bytes the held messages keep, in all and for conversation `conv`.
    pub fn kept(&self, conv: u32) -> (usize, usize) {
        (self.kept, self.kept_conv.get(&conv).copied().unwrap_or(0))
    }

    /// Hold message `idx` (the last one pushed) to the memory budget: count the bytes it keeps,
    /// and if they would pass `total` or `per_conv`, keep only a `preview`-byte prefix of each
    /// buffer and say so on the message. Returns the bytes it let go.
    pub(crate) fn hold_to_budget(
        &mut self,
        idx: u32,
        total: usize,
        per_conv: usize,
        preview: usize,
    ) -> usize {
        let (all, mine) = {
            let Some(m) = self.full_mut(idx) else {
                return 0;
            };
            let conv = m.conv;
            let kept = kept_by(m);
            (kept, conv)
        };
        let (kept_total, kept_here) = self.kept(mine);
        let over =
            kept_total.saturating_add(all) > total || kept_here.saturating_add(all) > per_conv;
        let mut freed = 0;
        let mut now = all;
        if over && all > 0 {
            let empty = self.empty.clone();
            if let Some(m) = self.full_mut(idx) {
                trim(m, preview, &empty);
                now = kept_by(m);
                freed = all - now;
                m.notes.push(format!(
                    "Only the first {} of this message are kept: the capture's memory budget ({} in all, {} per conversation) is spent, so the rest ({}) was decoded as it passed and not kept.",
                    crate::model::count(preview, "byte"),
                    mib(total),
                    mib(per_conv),
                    crate::model::count(freed, "byte")
                ));
            }
        }
        self.kept += now;
        *self.kept_conv.entry(mine).or_default() += now;
        freed
    }

    /// A message still held in full (not packed), for the pass to update.
    pub fn full(&self, idx: u32) -> Option<&Message> {
        let r = self.rec(idx)?;
        self.full.get(opt(r.full)? as usize)
    }

    pub(crate) fn full_mut(&mut self, idx: u32) -> Option<&mut Message> {
        let r = *self.rec(idx)?;
        self.full.get_mut(opt(r.full)? as usize)
    }

    /// Where the message's bytes came from.
    pub fn spans(&self, idx: u32) -> Spans {
        match self.rec(idx) {
            Some(r) if r.packed() => smallvec![r.span()],
            Some(_) => self.full(idx).map_or(Spans::new(), |m| m.spans.clone()),
            None => Spans::new(),
        }
    }

    /// Record the message paired with `idx` (an HTTP response for its request, a pong for
    /// its ping, the close that answers a close).
    pub fn set_pair(&mut self, idx: u32, pair: u32, pair_packet: u32) {
        if let Some(m) = self.full_mut(idx) {
            match &mut m.kind {
                Kind::Http(h) => {
                    h.pair = Some(pair);
                    h.pair_packet = Some(pair_packet);
                }
                Kind::Ws(f) => {
                    f.pair = Some(pair);
                    f.pair_packet = Some(pair_packet);
                }
            }
        } else if let Some(r) = self.rec_mut(idx) {
            r.pair = pair;
            r.pair_packet = pair_packet;
        }
    }

    /// The Socket.IO pairing facts of Engine.IO item `k` of message `idx`, to fill in.
    pub fn sio_mut(&mut self, idx: u32, k: usize) -> Option<&mut SioContext> {
        let packed = self.rec(idx)?.packed();
        if packed {
            return Some(self.sio.entry((idx, k as u32)).or_default());
        }
        let items = match &mut self.full_mut(idx)?.kind {
            Kind::Http(h) => &mut h.eio,
            Kind::Ws(f) => &mut f.message.as_mut()?.eio,
        };
        Some(items.get_mut(k)?.sio_mut())
    }

    /// Add a note to message `idx`.
    pub fn note(&mut self, idx: u32, note: String) {
        if let Some(m) = self.full_mut(idx) {
            m.notes.push(note);
        } else if self.rec(idx).is_some() {
            self.notes.entry(idx).or_default().push(note);
        }
    }

    /// The newest message of a conversation.
    pub fn last_of(&self, conv: u32) -> Option<u32> {
        let k = self.recs.iter().rposition(|r| r.conv == conv)?;
        Some(self.base + k as u32)
    }

    /// Pack the newest message if everything in it can be read again from its packet: it lies
    /// whole in that packet, its copies were already dropped (`in_frame`), and it has no
    /// part that needed more than that packet and the record's facts.
    pub fn pack_last(&mut self) {
        let Some(r) = self.recs.last().copied() else {
            return;
        };
        if r.packed() || r.full as usize + 1 != self.full.len() {
            return;
        }
        let Some(m) = self.full.last() else { return };
        if !m.in_frame || m.spans.len() != 1 || !m.notes.is_empty() {
            return;
        }
        let mut flags = r.flags;
        let (pair, pair_packet, items) = match &m.kind {
            Kind::Http(h) => (h.pair, h.pair_packet, &h.eio),
            Kind::Ws(f) => {
                if f.heuristic {
                    flags |= flag::HEURISTIC;
                }
                match &f.message {
                    None => (f.pair, f.pair_packet, &EioItems::new()),
                    Some(w) => {
                        let single = w.frames.len() == 1 && w.frames[0] == m.packet;
                        let items_ok = match &w.eio[..] {
                            [] => true,
                            [e] => {
                                e.offset == 0
                                    && e.len as u64 == f.header.payload_len
                                    && e.binary == (w.opcode == 2)
                            }
                            _ => false,
                        };
                        if !single
                            || w.compressed
                            || w.inflate_error.is_some()
                            || w.inflate_cut
                            || w.opcode != f.header.opcode
                            || !items_ok
                        {
                            return;
                        }
                        flags |= flag::MESSAGE;
                        if w.utf8_ok {
                            flags |= flag::UTF8_OK;
                        }
                        (f.pair, f.pair_packet, &w.eio)
                    }
                }
            }
        };
        let idx = self.next_index() - 1;
        let m_span = m.spans[0];
        let client_key = match &m.kind {
            Kind::Http(h) => h.client_key.as_deref().map(Box::<str>::from),
            Kind::Ws(_) => None,
        };
        let sio: Vec<(u32, SioContext)> = items
            .iter()
            .enumerate()
            .filter_map(|(k, e)| e.sio.as_ref().map(|s| (k as u32, (**s).clone())))
            .collect();
        self.full.pop();
        if let Some(key) = client_key {
            self.client_keys.insert(idx, key);
        }
        for (k, s) in sio {
            self.sio.insert((idx, k), s);
        }
        if let Some(last) = self.recs.last_mut() {
            last.full = NONE;
            last.frame_offset = m_span.frame_offset;
            last.len = m_span.len;
            last.flags = flags;
            last.pair = pair.unwrap_or(NONE);
            last.pair_packet = pair_packet.unwrap_or(NONE);
        }
    }

    /// Message `idx` as every consumer reads it. A packed message is built again from
    /// `frame(packet)`, the bytes of the packet it lies in (`None` if that packet is gone).
    pub fn get<'a, 'f>(
        &'a self,
        idx: u32,
        frame: impl FnOnce(u32) -> Option<&'f [u8]>,
    ) -> Option<Cow<'a, Message>> {
        let r = self.rec(idx)?;
        if !r.packed() {
            return self.full.get(r.full as usize).map(Cow::Borrowed);
        }
        let s = r.span();
        let start = s.frame_offset as usize;
        let b = frame(s.packet)?.get(start..start.checked_add(s.len as usize)?)?;
        let empty = self.empty.clone();
        let sio = |k: usize| self.sio.get(&(idx, k as u32)).map(|c| Box::new(c.clone()));
        let kind = if r.is_ws() {
            let header = websocket::parse_header(b).ok()?;
            let message = (r.flags & flag::MESSAGE != 0).then(|| WsMessage {
                opcode: header.opcode,
                data: empty.clone(),
                compressed: false,
                inflate_error: None,
                inflate_cut: false,
                frames: smallvec![r.packet],
                utf8_ok: r.flags & flag::UTF8_OK != 0,
                eio: if r.has_eio() {
                    smallvec![EioItem {
                        offset: 0,
                        len: header.payload_len as usize,
                        binary: header.opcode == 2,
                        sio: sio(0),
                    }]
                } else {
                    EioItems::new()
                },
            });
            Kind::Ws(WsFrame {
                header,
                heuristic: r.flags & flag::HEURISTIC != 0,
                payload: empty.clone(),
                message,
                pair: opt(r.pair),
                pair_packet: opt(r.pair_packet),
            })
        } else {
            let HeadParse::Complete(head) = http::parse_head(b, !b.starts_with(b"HTTP/")) else {
                return None;
            };
            let mut eio = EioItems::new();
            if r.has_eio() {
                let body = b.get(head.head_len..).unwrap_or(&[]);
                for (k, (off, p)) in socketio::split_polling(body).into_iter().enumerate() {
                    eio.push(EioItem {
                        offset: head.head_len + off,
                        len: p.len(),
                        binary: false,
                        sio: sio(k),
                    });
                }
            }
            Kind::Http(Box::new(HttpMsg {
                head,
                pair: opt(r.pair),
                pair_packet: opt(r.pair_packet),
                client_key: self.client_keys.get(&idx).map(|k| k.to_string()),
                eio,
            }))
        };
        Some(Cow::Owned(Message {
            conv: r.conv,
            dir: r.dir,
            packet: r.packet,
            ts: r.ts,
            spans: smallvec![s],
            bytes: empty,
            wire_len: u64::from(r.len),
            kind,
            notes: self.notes.get(&idx).cloned().unwrap_or_default(),
            in_frame: true,
        }))
    }

    /// Forget every message so far (a streaming reader, once it has printed them).
    pub fn drop_all(&mut self) {
        self.base = self.next_index();
        self.kept = 0;
        self.kept_conv.clear();
        self.recs.clear();
        self.full.clear();
        self.notes.clear();
        self.sio.clear();
        self.client_keys.clear();
    }

    /// Give back the room the tables grew into (after a file's pass: nothing more comes).
    pub fn shrink(&mut self) {
        self.recs.shrink_to_fit();
        self.full.shrink_to_fit();
        self.notes.shrink_to_fit();
        self.sio.shrink_to_fit();
        self.client_keys.shrink_to_fit();
    }

    /// Heap held (an estimate from capacities; what a memory cap counts).
    pub fn heap_bytes(&self) -> usize {
        self.recs.capacity() * std::mem::size_of::<Rec>()
            + self.full.capacity() * std::mem::size_of::<Message>()
            + (self.notes.capacity() + self.sio.capacity() + self.client_keys.capacity()) * 48
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A big capture holds hundreds of thousands of these: keep them small
    /// (docs/performance.md has the memory budget).
    #[test]
    fn records_stay_small() {
        assert!(std::mem::size_of::<Rec>() <= 40);
        assert!(std::mem::size_of::<Message>() <= 288);
        assert!(std::mem::size_of::<EioItem>() <= 32);
        let item = EioItem {
            offset: 0,
            len: 1,
            binary: false,
            sio: None,
        };
        assert_eq!(item.sio(), &SioContext::default());
    }
}
