//! Application messages over TCP: HTTP/1.1, WebSocket (with permessage-deflate), Engine.IO
//! and Socket.IO, found in the reassembled byte streams of the flow pass.
//!
//! For each TCP conversation the two directions are reassembled ([`super::reasm`]) and fed to
//! a small state machine: first *detect* (an HTTP request line, or bytes that parse as
//! WebSocket frames when the handshake was not captured), then *HTTP* until a `101 Switching
//! Protocols` answers an `Upgrade: websocket` request, then *WebSocket*. Each complete HTTP
//! message and each WebSocket frame becomes a [`Message`]: its wire bytes (bounded copy), the
//! packets and frame offsets they came from, and the facts that needed state — request and
//! response paired, the unmasked payload, the message assembled from fragments and
//! decompressed, Engine.IO/Socket.IO packets with their ACK pairs and binary attachments.
//! Field trees are built from these when a packet is shown (`engine`), by the stateless
//! decoders in `decode::{http, websocket, socketio}`.
//!
//! Limits ([`AppConfig`]): a stored message is at most `max_message` bytes (the rest of a
//! bigger one is skipped and the cut reported), an HTTP head at most `max_head`, an inflated
//! message at most `max_inflate` (a deflate bomb stops there, and later messages of that
//! direction are marked undecompressable, since the shared context is gone). Everything cut or
//! dropped is counted in [`AppStats`].

use super::messages::MessageTable;
use super::reasm::{DirReasm, Event, Limits, Origin};
use crate::decode::http::{self, Head, HeadParse};
use crate::decode::socketio;
use crate::decode::websocket;
use crate::model::TransportInfo;
use foldhash::HashMap;
use std::collections::VecDeque;
use std::sync::Arc;

/// Limits of application decoding.
#[derive(Debug, Clone, Copy)]
pub struct AppConfig {
    /// Largest message (HTTP head+body, WebSocket frame) whose bytes are kept.
    pub max_message: usize,
    /// Largest HTTP head; longer means "not HTTP after all" (or an attack) and stops decoding.
    pub max_head: usize,
    /// Largest decompressed WebSocket message.
    pub max_inflate: usize,
    /// Reassembly limits per direction.
    pub reasm: Limits,
    /// Bytes waiting in all streams' message buffers together; past it, new bytes are dropped
    /// (counted) and the stream is no longer decoded.
    pub max_total_buffer: usize,
    /// Do not keep copies of messages that lie whole in one packet (the engine re-reads them
    /// from the capture): what keeps a million-packet capture within its memory budget.
    pub compact: bool,
    /// With `compact`: keep such messages as small records, parsed again from their packet
    /// when asked for (see [`super::messages`]). Off only to test that packing is exact.
    pub pack: bool,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            max_message: 16 << 20,
            max_head: 64 << 10,
            max_inflate: 16 << 20,
            reasm: Limits::default(),
            max_total_buffer: 512 << 20,
            compact: false,
            pack: true,
        }
    }
}

/// What application decoding had to cut, skip or drop.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AppStats {
    pub gaps: u64,
    pub gap_bytes: u64,
    pub dropped_bytes: u64,
    pub conflicting_overlaps: u64,
    pub messages_cut: u64,
    pub inflate_cut: u64,
    pub streams_given_up: u64,
}

pub use super::messages::{
    EioItem, EioItems, FramePackets, HttpMsg, Kind, Message, Span, Spans, WsFrame, WsMessage,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Detect,
    Http,
    WebSocket { heuristic: bool },
    Opaque,
}

/// A fragmented WebSocket message in progress: opcode, compressed, data so far, the packets
/// of its frames, whether something was cut.
type Fragments = (u8, bool, Vec<u8>, FramePackets, bool);

/// (session, namespace, ack id, direction of the event).
type AckKey = (String, String, u64, u8);

/// An event waiting for its ACK: (message, Engine.IO item, packet, time).
type WaitingAck = (u32, usize, u32, i64);

/// A binary Socket.IO packet waiting for attachments: (message, Engine.IO item, remaining).
type WaitingBinary = (u32, usize, usize);

#[derive(Debug, Default)]
struct DirBuf {
    buf: Vec<u8>,
    /// (offset in buf, origin) for each appended chunk.
    origins: Vec<(usize, Origin)>,
    /// Bytes still to skip (payload of a frame too big to keep).
    skip: u64,
    /// Fragments of a WebSocket message in progress: (opcode, compressed, data, frame msgs).
    frag: Option<Fragments>,
    inflater: Option<flate2::Decompress>,
    /// Why this direction's compressed messages cannot be decompressed.
    inflate_broken: Option<String>,
    no_context_takeover: bool,
}

/// Conversation state by dense conversation index: no hashing on the per-packet path.
#[derive(Debug, Default)]
/// Parsers by conversation index, and how many exist (kept so the memory cap's estimate,
/// asked on every live packet, does not walk the table).
struct ConvTable(Vec<Option<Box<ConvApp>>>, usize);

impl ConvTable {
    fn entry(&mut self, conv: u32) -> &mut ConvApp {
        let i = conv as usize;
        if self.0.len() <= i {
            self.0.resize_with(i + 1, || None);
        }
        if self.0[i].is_none() {
            self.1 += 1;
        }
        self.0[i].get_or_insert_with(|| Box::new(ConvApp::new()))
    }

    fn get_mut(&mut self, conv: u32) -> Option<&mut ConvApp> {
        self.0.get_mut(conv as usize)?.as_deref_mut()
    }

    fn keys(&self) -> Vec<u32> {
        self.0
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_some())
            .map(|(i, _)| i as u32)
            .collect()
    }
}

#[derive(Debug)]
struct ConvApp {
    mode: Mode,
    reasm: [DirReasm; 2],
    dirs: [DirBuf; 2],
    /// Unanswered requests (message indices) and whether the newest asked for an upgrade.
    requests: VecDeque<(u32, u32)>,
    upgrade_key: Option<String>,
    awaiting_upgrade: bool,
    /// Unanswered pings per direction, and the first close.
    pings: [VecDeque<(u32, u32)>; 2],
    close: Option<(u8, u32, u32)>,
    /// A WebSocket frame was already seen (for the "recognised heuristically" note).
    ws_seen: bool,
    deflate: bool,
    session: Option<String>,
    /// The connection carries Engine.IO (Socket.IO): its URL said `EIO=`, or an Engine.IO open
    /// packet was seen.
    engineio: bool,
}

impl ConvApp {
    fn new() -> Self {
        ConvApp {
            mode: Mode::Detect,
            reasm: Default::default(),
            dirs: Default::default(),
            requests: VecDeque::new(),
            upgrade_key: None,
            awaiting_upgrade: false,
            pings: Default::default(),
            close: None,
            ws_seen: false,
            deflate: false,
            session: None,
            engineio: false,
        }
    }
}

/// The application pass.
#[derive(Debug, Default)]
pub struct AppPass {
    config: AppConfig,
    /// Per conversation index (dense), allocated when the conversation first carries data.
    convs: ConvTable,
    /// Messages, oldest first (a streaming reader drops what it has printed, see
    /// [`AppPass::drop_all`]).
    pub messages: MessageTable,
    pub stats: AppStats,
    /// Socket.IO events waiting for their ACK: (session, namespace, id, dir) →
    /// (msg, eio idx, packet, time).
    pending_acks: HashMap<AckKey, WaitingAck>,
    /// Binary packets waiting for attachments: (session, dir) → (msg, eio idx, remaining).
    pending_bins: HashMap<(String, u8), VecDeque<WaitingBinary>>,
    /// Engine.IO session ids seen, by conversation.
    sessions: HashMap<u32, String>,
    /// Bytes in all message buffers.
    buffered_total: usize,
    /// A shared empty buffer (messages kept without copies point here).
    empty: Arc<[u8]>,
    /// DNS: unanswered queries (conversation, id) → (packet, time).
    dns_queries: HashMap<(u32, u16), (u32, i64)>,
    /// DNS pairs by packet index: the other packet and, for a response, the latency.
    pub dns_pairs: HashMap<u32, (u32, Option<i64>)>,
    /// SYN sequence numbers of conversations that have carried no data yet: (conversation,
    /// direction) → seq. Their parse state is made with the first byte, so a SYN flood of
    /// half-open connections costs an entry here, not a whole parser each.
    syn_seq: HashMap<(u32, u8), u32>,
}

impl AppPass {
    pub fn new(config: AppConfig) -> Self {
        AppPass {
            config,
            ..AppPass::default()
        }
    }

    /// Message by index, while the pass still holds it in full (the pass's own lookups:
    /// a new message is packed only after them). Readers use [`MessageTable::get`].
    fn message(&self, idx: u32) -> Option<&Message> {
        self.messages.full(idx)
    }

    /// The Engine.IO session (sid) a conversation belongs to, when known: HTTP polling and the
    /// WebSocket of one Socket.IO client share it.
    pub fn session_of(&self, conv: u32) -> Option<&str> {
        self.sessions.get(&conv).map(String::as_str)
    }

    /// Drop the parse state of a conversation that has ended (its messages stay).
    pub fn forget(&mut self, conv: u32) {
        self.syn_seq.remove(&(conv, 0));
        self.syn_seq.remove(&(conv, 1));
        if let Some(slot) = self.convs.0.get_mut(conv as usize) {
            if let Some(c) = slot.as_ref() {
                let held: usize = c.dirs.iter().map(|d| d.buf.len()).sum();
                self.buffered_total = self.buffered_total.saturating_sub(held);
            }
            if slot.take().is_some() {
                self.convs.1 -= 1;
            }
        }
    }

    /// Drop the parse state of every conversation (after the pass: only messages are needed).
    /// Heap held by the message records, the per-conversation parsers and the bytes waiting
    /// in their buffers (an estimate from sizes and capacities; what a memory cap counts).
    pub fn heap_bytes(&self) -> usize {
        let parsers = self.convs.1;
        self.messages.heap_bytes()
            + self.convs.0.capacity() * std::mem::size_of::<Option<Box<ConvApp>>>()
            + parsers * std::mem::size_of::<ConvApp>()
            + self.buffered_total
    }

    pub fn forget_all(&mut self) {
        self.convs = ConvTable::default();
        self.syn_seq = HashMap::default();
        self.buffered_total = 0;
    }

    /// Forget every message so far (a streaming reader, once it has printed them). Pairs with
    /// later messages still work: what they need is kept in the pending tables.
    pub fn drop_all(&mut self) {
        self.messages.drop_all();
    }

    /// Feed one TCP segment (in capture order). Returns how many messages it completed (the
    /// newest ones in `messages`).
    #[allow(clippy::too_many_arguments)]
    pub fn on_tcp(
        &mut self,
        conv: u32,
        dir: u8,
        t: &TransportInfo,
        packet: u32,
        ts: i64,
        frame: &[u8],
    ) -> usize {
        let before = self.messages.len();
        let payload = frame.get(t.payload_range()).unwrap_or(&[]);
        let fresh = self.convs.get_mut(conv).is_none();
        if payload.is_empty() {
            if t.syn() && fresh {
                self.syn_seq.insert((conv, dir), t.seq);
            }
            if !t.syn() || fresh {
                return 0;
            }
        }
        let limits = self.config.reasm;
        let syns = if fresh {
            [
                self.syn_seq.remove(&(conv, 0)),
                self.syn_seq.remove(&(conv, 1)),
            ]
        } else {
            [None, None]
        };
        let c = self.convs.entry(conv);
        for (r, s) in c.reasm.iter_mut().zip(syns) {
            if let Some(seq) = s {
                r.syn_seen(seq);
            }
        }
        let d = usize::from(dir);
        let mut events = Vec::new();
        // Take the reassembler out so that it can deliver straight into our buffers.
        let mut reasm = std::mem::take(&mut c.reasm[d]);
        reasm.push(
            &limits,
            t.seq,
            t.syn(),
            packet,
            t.payload_offset,
            payload,
            &mut events,
            &mut |o, b| self.append(conv, dir, o, b),
        );
        if let Some(c) = self.convs.get_mut(conv) {
            c.reasm[d] = reasm;
        }
        self.account(&events);
        self.parse(conv, dir, packet, ts);
        // The other direction may have been waiting for this one (an upgrade answer).
        self.parse(conv, 1 - dir, packet, ts);
        self.messages.len() - before
    }

    /// Feed a UDP datagram (DNS query/response pairing).
    pub fn on_udp(&mut self, conv: u32, t: &TransportInfo, packet: u32, ts: i64, frame: &[u8]) {
        use crate::decode::dns;
        if !(dns::is_dns_port(t.src_port) || dns::is_dns_port(t.dst_port)) {
            return;
        }
        let Some(k) = frame.get(t.payload_range()).and_then(dns::peek) else {
            return;
        };
        if !k.response {
            if self.dns_queries.len() < 1_000_000 {
                self.dns_queries.insert((conv, k.id), (packet, ts));
            }
        } else if let Some((q, qts)) = self.dns_queries.remove(&(conv, k.id)) {
            self.dns_pairs.insert(q, (packet, None));
            self.dns_pairs.insert(packet, (q, Some(ts - qts)));
        }
    }

    fn account(&mut self, events: &[Event]) {
        for e in events {
            match e {
                Event::Gap { bytes, .. } => {
                    self.stats.gaps += 1;
                    self.stats.gap_bytes += u64::from(*bytes);
                }
                Event::ConflictingOverlap { .. } => self.stats.conflicting_overlaps += 1,
                Event::Dropped { bytes, .. } => self.stats.dropped_bytes += u64::from(*bytes),
            }
        }
    }

    fn append(&mut self, conv: u32, dir: u8, o: Origin, b: &[u8]) {
        let Some(c) = self.convs.get_mut(conv) else {
            return;
        };
        let db = &mut c.dirs[usize::from(dir)];
        let mut b = b;
        let mut o = o;
        if db.skip > 0 {
            let n = (db.skip.min(b.len() as u64)) as usize;
            db.skip -= n as u64;
            b = &b[n..];
            o.frame_offset += n as u32;
            if b.is_empty() {
                return;
            }
        }
        if self.buffered_total + b.len() > self.config.max_total_buffer {
            self.stats.dropped_bytes += b.len() as u64;
            c.mode = Mode::Opaque;
            self.stats.streams_given_up += 1;
            return;
        }
        self.buffered_total += b.len();
        db.origins.push((db.buf.len(), o));
        db.buf.extend_from_slice(b);
    }

    /// End of capture: deliver data held behind gaps.
    pub fn finish(&mut self) {
        let limits = self.config.reasm;
        let keys: Vec<u32> = self.convs.keys();
        for conv in keys {
            for dir in 0..2u8 {
                let mut events = Vec::new();
                let mut chunks = Vec::new();
                if let Some(c) = self.convs.get_mut(conv) {
                    c.reasm[usize::from(dir)].flush(&limits, &mut events, &mut |o, b| {
                        chunks.push((o, b.to_vec()))
                    });
                }
                self.account(&events);
                let last = chunks.last().map(|(o, _): &(Origin, Vec<u8>)| o.packet);
                for (o, b) in chunks {
                    self.append(conv, dir, o, &b);
                }
                if let Some(p) = last {
                    self.parse(conv, dir, p, 0);
                }
            }
        }
    }

    /// Forget everything about conversations the flow table forgot (one-pass streaming):
    /// their slots will be reused by new conversations.
    pub fn retire(&mut self, convs: &[u32]) {
        for &c in convs {
            self.forget(c);
            self.sessions.remove(&c);
        }
        let gone: foldhash::HashSet<u32> = convs.iter().copied().collect();
        self.dns_queries.retain(|(c, _), _| !gone.contains(c));
    }

    /// Drop the copies of a message that lies whole in one packet (see [`AppConfig::compact`]).
    fn compact(&mut self, idx: u32) {
        if !self.config.compact {
            return;
        }
        let empty = self.empty.clone();
        let Some(m) = self.messages.full_mut(idx) else {
            return;
        };
        let whole = m.spans.len() == 1
            && m.spans[0].packet == m.packet
            && u64::from(m.spans[0].len) == m.wire_len;
        if !whole {
            return;
        }
        m.in_frame = true;
        m.bytes = empty.clone();
        if let Kind::Ws(f) = &mut m.kind {
            f.payload = empty.clone();
            if let Some(wm) = &mut f.message {
                if wm.frames.len() == 1 && !wm.compressed {
                    wm.data = empty;
                }
            }
        }
        if self.config.pack {
            self.messages.pack_last(&self.empty);
        }
    }

    /// Take `n` bytes from the front of a direction's buffer, with their spans.
    fn take(&mut self, conv: u32, dir: u8, n: usize, keep: usize) -> (Spans, Arc<[u8]>) {
        self.take_with(conv, dir, n, keep, true)
    }

    /// Take `n` bytes; with `copy` false their copy is not made (the message lies whole in one
    /// packet and will be re-read from the capture).
    fn take_with(
        &mut self,
        conv: u32,
        dir: u8,
        n: usize,
        keep: usize,
        copy: bool,
    ) -> (Spans, Arc<[u8]>) {
        let Some(c) = self.convs.get_mut(conv) else {
            return (Spans::new(), Arc::from(Vec::new()));
        };
        let db = &mut c.dirs[usize::from(dir)];
        let n = n.min(db.buf.len());
        let mut spans = Spans::new();
        for (k, (start, o)) in db.origins.iter().enumerate() {
            if *start >= n {
                break;
            }
            let end = db.origins.get(k + 1).map_or(db.buf.len(), |x| x.0).min(n);
            if end <= *start {
                continue;
            }
            spans.push(Span {
                packet: o.packet,
                frame_offset: o.frame_offset,
                msg_offset: *start as u32,
                len: (end - start) as u32,
            });
        }
        let bytes: Arc<[u8]> = if copy {
            Arc::from(&db.buf[..n.min(keep)])
        } else {
            self.empty.clone()
        };
        let old_len = db.buf.len();
        db.buf.drain(..n);
        self.buffered_total = self.buffered_total.saturating_sub(n);
        // Re-base the origins after the taken bytes, in place.
        let count = db.origins.len();
        let mut w = 0;
        for k in 0..count {
            let (start, o) = db.origins[k];
            let end = db.origins.get(k + 1).map_or(old_len, |x| x.0);
            if end <= n {
                continue;
            }
            db.origins[w] = if start >= n {
                (start - n, o)
            } else {
                (
                    0,
                    Origin {
                        packet: o.packet,
                        frame_offset: o.frame_offset + (n - start) as u32,
                    },
                )
            };
            w += 1;
        }
        db.origins.truncate(w);
        (spans, bytes)
    }

    fn parse(&mut self, conv: u32, dir: u8, packet: u32, ts: i64) {
        // Each round consumes a message or returns.
        for _ in 0..100_000 {
            let Some(c) = self.convs.get_mut(conv) else {
                return;
            };
            let db = &c.dirs[usize::from(dir)];
            if db.buf.is_empty() {
                return;
            }
            let progressed = match c.mode {
                Mode::Opaque => {
                    let n = db.buf.len();
                    let _ = self.take(conv, dir, n, 0);
                    false
                }
                Mode::Detect => self.detect(conv, dir),
                Mode::Http => self.http(conv, dir, packet, ts),
                Mode::WebSocket { heuristic } => self.websocket(conv, dir, packet, ts, heuristic),
            };
            if !progressed {
                return;
            }
        }
    }

    fn detect(&mut self, conv: u32, dir: u8) -> bool {
        let Some(c) = self.convs.get_mut(conv) else {
            return false;
        };
        let b = &c.dirs[usize::from(dir)].buf;
        if http::looks_like_http(b, dir == 0) || http::looks_like_http(b, dir == 1) {
            if b.len() < 8 {
                return false;
            }
            c.mode = Mode::Http;
            return true;
        }
        // WebSocket without a captured handshake: a plausible frame header whose mask bit
        // matches the direction (clients mask, servers do not).
        if let Ok(h) = websocket::parse_header(b) {
            // A stream cannot start with a continuation frame; text must look like text.
            let plausible_op = matches!(h.opcode, 1 | 2 | 8 | 9 | 10);
            let text_ok = h.opcode != 1 || h.rsv != 0 || {
                let p = &b[h.header_len.min(b.len())..b.len().min(h.header_len + 64)];
                let p = h.mask.map_or(p.to_vec(), |k| websocket::unmask(p, k, 0));
                match std::str::from_utf8(&p) {
                    Ok(_) => true,
                    Err(e) => e.error_len().is_none(),
                }
            };
            let plausible = plausible_op
                && text_ok
                && (h.rsv == 0 || h.rsv == 4)
                && h.masked == (dir == 0)
                && h.payload_len < (16 << 20)
                && (!h.is_control() || (h.fin && h.payload_len <= 125));
            if plausible {
                c.mode = Mode::WebSocket { heuristic: true };
                return true;
            }
        } else if b.len() < 14 {
            return false;
        }
        c.mode = Mode::Opaque;
        self.stats.streams_given_up += 1;
        true
    }

    fn http(&mut self, conv: u32, dir: u8, packet: u32, ts: i64) -> bool {
        let cfg = self.config;
        let Some(c) = self.convs.get_mut(conv) else {
            return false;
        };
        if dir == 0 && c.awaiting_upgrade {
            return false;
        }
        let b = &c.dirs[usize::from(dir)].buf;
        let request = !b.starts_with(b"HTTP/");
        let head = match http::parse_head(b, request) {
            HeadParse::Partial => {
                if b.len() > cfg.max_head {
                    c.mode = Mode::Opaque;
                    self.stats.streams_given_up += 1;
                    self.note_last(conv, format!("An HTTP head longer than {} bytes: decoding of this connection stopped.", cfg.max_head));
                    return true;
                }
                return false;
            }
            HeadParse::Invalid(_) => {
                c.mode = Mode::Opaque;
                self.stats.streams_given_up += 1;
                return true;
            }
            HeadParse::Complete(h) => h,
        };
        // Body length.
        let body = if request {
            head.content_length.unwrap_or(0) as usize
        } else if head.code == 101
            || (100..200).contains(&head.code)
            || head.code == 204
            || head.code == 304
        {
            0
        } else if head.chunked {
            match chunked_len(&b[head.head_len..]) {
                Some(n) => n,
                None => return false,
            }
        } else {
            head.content_length
                .map_or(b.len() - head.head_len, |n| n as usize)
        };
        let total = head.head_len.saturating_add(body);
        if b.len() < total && total - head.head_len <= cfg.max_message {
            return false;
        }
        let have = total.min(b.len());
        let keep = cfg.max_message;
        if total > keep {
            self.stats.messages_cut += 1;
        }
        let wire_len = total as u64;
        let skip = total.saturating_sub(have) as u64;
        let (spans, bytes) = self.take(conv, dir, have, keep);
        let Some(c) = self.convs.get_mut(conv) else {
            return false;
        };
        c.dirs[usize::from(dir)].skip += skip;
        let idx = self.messages.next_index();
        let packet_done = spans.last().map_or(packet, |s| s.packet);
        let mut msg = HttpMsg {
            head: head.clone(),
            pair: None,
            pair_packet: None,
            client_key: None,
            eio: EioItems::new(),
        };
        if request {
            c.engineio |= c_uri_is_eio(&head);
            c.requests.push_back((idx, packet_done));
            if head.upgrade_websocket {
                c.awaiting_upgrade = true;
                c.upgrade_key = head.ws_key.clone();
            }
            if let Some(sid) = query_param(&head.uri, "sid") {
                c.session = Some(sid.clone());
                self.sessions.insert(conv, sid);
            }
        } else {
            if let Some((req, req_packet)) = c.requests.pop_front() {
                msg.pair = Some(req);
                msg.pair_packet = Some(req_packet);
                self.messages.set_pair(req, idx, packet_done);
            }
            if head.code == 101 && head.upgrade_websocket {
                msg.client_key = c.upgrade_key.take();
                c.mode = Mode::WebSocket { heuristic: false };
                let ext = head
                    .ws_extensions
                    .clone()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                c.deflate = ext.contains("permessage-deflate");
                if c.deflate {
                    c.dirs[0].no_context_takeover = ext.contains("client_no_context_takeover");
                    c.dirs[1].no_context_takeover = ext.contains("server_no_context_takeover");
                    for d in &mut c.dirs {
                        d.inflater = Some(flate2::Decompress::new(false));
                    }
                }
            }
            if head.code != 101 || !head.upgrade_websocket {
                c.upgrade_key = None;
            }
            c.awaiting_upgrade = false;
        }
        // Engine.IO long-polling bodies: the session is known, or this message or an
        // earlier request of the connection asked for an Engine.IO URL (the streaming reader
        // has already dropped the request message itself).
        let is_eio = self.sessions.contains_key(&conv)
            || c.engineio
            || c_uri_is_eio(&head)
            || msg
                .pair
                .and_then(|p| self.messages.rec(p))
                .is_some_and(|r| r.is_eio_request());
        if is_eio && bytes.len() > head.head_len {
            for (off, p) in socketio::split_polling(&bytes[head.head_len..]) {
                msg.eio.push(EioItem {
                    offset: head.head_len + off,
                    len: p.len(),
                    binary: false,
                    sio: None,
                });
            }
        }
        self.messages.push(Message {
            conv,
            dir,
            packet: packet_done,
            ts,
            spans,
            bytes,
            wire_len,
            kind: Kind::Http(Box::new(msg)),
            notes: Vec::new(),
            in_frame: false,
        });
        self.socketio_pairing(idx, conv, dir);
        self.compact(idx);
        true
    }

    fn note_last(&mut self, conv: u32, note: String) {
        if let Some(m) = self.messages.last_of(conv) {
            self.messages.note(m, note);
        }
    }

    fn websocket(&mut self, conv: u32, dir: u8, packet: u32, ts: i64, heuristic: bool) -> bool {
        let cfg = self.config;
        let Some(c) = self.convs.get_mut(conv) else {
            return false;
        };
        let b = &c.dirs[usize::from(dir)].buf;
        let h = match websocket::parse_header(b) {
            Ok(h) => h,
            Err(_) => return false,
        };
        let total = (h.header_len as u64).saturating_add(h.payload_len);
        let keep = cfg.max_message;
        let cut = total > keep as u64;
        if !cut && (b.len() as u64) < total {
            return false;
        }
        if cut && b.len() < keep {
            return false;
        }
        let have = (total.min(b.len() as u64)) as usize;
        let skip = total - have as u64;
        // A frame lying whole in one packet needs no copy of its wire bytes: unmask straight
        // from the buffer, and let the engine re-read the frame from the capture.
        let origins = &c.dirs[usize::from(dir)].origins;
        let whole = !cut
            && cfg.compact
            && origins.first().is_some_and(|o| o.0 == 0)
            && origins.get(1).map_or(b.len(), |x| x.0) >= have;
        let direct_payload: Option<Arc<[u8]>> =
            whole.then(|| websocket::unmask_shared(&b[h.header_len.min(have)..have], h.mask));
        let (spans, bytes) = self.take_with(conv, dir, have, keep, !whole);
        let packet_done = spans.last().map_or(packet, |s| s.packet);
        let Some(c) = self.convs.get_mut(conv) else {
            return false;
        };
        let db = &mut c.dirs[usize::from(dir)];
        db.skip += skip;
        let idx = self.messages.next_index();
        let mut notes = Vec::new();
        if cut {
            self.stats.messages_cut += 1;
            notes.push(format!(
                "The frame claims {} payload bytes; only the first {} are kept (limit), the rest is skipped.",
                h.payload_len,
                keep.saturating_sub(h.header_len)
            ));
        }
        let payload: Arc<[u8]> = match direct_payload {
            Some(p) => p,
            None => websocket::unmask_shared(bytes.get(h.header_len..).unwrap_or(&[]), h.mask),
        };
        if h.is_control() && (h.payload_len > 125 || !h.fin) {
            notes.push("Control frames must have FIN set and at most 125 payload bytes (RFC 6455 5.5): this one breaks the rule.".into());
        }
        if dir == 0 && !h.masked {
            notes.push(
                "A client frame without a mask: RFC 6455 requires clients to mask every frame."
                    .into(),
            );
        }
        if dir == 1 && h.masked {
            notes.push("A server frame with a mask: servers must not mask.".into());
        }
        let mut message = None;
        let mut pair = None;
        match h.opcode {
            0..=2 => {
                let compressed_flag = h.rsv & 0x4 != 0;
                if h.opcode != 0 {
                    if db.frag.is_some() {
                        notes.push(
                            "A new message started before the previous fragmented one finished."
                                .into(),
                        );
                    }
                    db.frag = Some((
                        h.opcode,
                        compressed_flag,
                        Vec::new(),
                        FramePackets::new(),
                        cut,
                    ));
                } else if db.frag.is_none() {
                    notes.push("A continuation frame with no message to continue (the start was not captured).".into());
                }
                // A message in a single frame is its payload: no gathering copy.
                let single = h.opcode != 0 && h.fin;
                if let Some((_, _, data, frames, was_cut)) = db.frag.as_mut() {
                    if single {
                    } else if data.len() + payload.len() <= keep {
                        data.extend_from_slice(&payload);
                    } else {
                        *was_cut = true;
                    }
                    *was_cut |= cut;
                    frames.push(packet_done);
                }
                if h.fin {
                    if let Some((op, compressed, data, frames, was_cut)) = db.frag.take() {
                        let mut m = WsMessage {
                            opcode: op,
                            data: self.empty.clone(),
                            compressed,
                            inflate_error: None,
                            inflate_cut: false,
                            frames,
                            utf8_ok: true,
                            eio: EioItems::new(),
                        };
                        let mut out = data;
                        if single && (compressed || was_cut) {
                            out = payload.to_vec();
                        }
                        if compressed {
                            if heuristic || !c.deflate {
                                m.inflate_error = Some("cannot decompress: the capture starts after the connection began, so the compression settings and the shared dictionary are unknown".into());
                            } else if let Some(why) = &db.inflate_broken {
                                m.inflate_error = Some(why.clone());
                            } else if was_cut {
                                m.inflate_error = Some(
                                    "cannot decompress: the message was cut at the size limit"
                                        .into(),
                                );
                                db.inflate_broken = Some("cannot decompress: an earlier message was cut, so the shared compression context is lost".into());
                            } else {
                                match inflate(db, &out, cfg.max_inflate) {
                                    Ok((plain, cut_inflate)) => {
                                        if cut_inflate {
                                            m.inflate_cut = true;
                                            self.stats.inflate_cut += 1;
                                            db.inflate_broken = Some("cannot decompress: an earlier message exceeded the decompression limit, so the shared context is lost".into());
                                        }
                                        out = plain;
                                    }
                                    Err(e) => {
                                        m.inflate_error = Some(format!("cannot decompress: {e}"));
                                        db.inflate_broken = Some("cannot decompress: an earlier message failed to decompress, so the shared context is lost".into());
                                    }
                                }
                            }
                        }
                        let plain: &[u8] = if single && !compressed {
                            &payload
                        } else {
                            &out
                        };
                        if op == 1 && m.inflate_error.is_none() {
                            m.utf8_ok =
                                std::str::from_utf8(plain).is_ok() || m.inflate_cut || was_cut;
                        }
                        if !c.engineio && op == 1 && heuristic && plain.starts_with(b"0{\"sid\"") {
                            c.engineio = true;
                        }
                        // A single uncompressed frame: its payload is the message.
                        m.data = if m.frames.len() == 1 && !compressed && !was_cut {
                            payload.clone()
                        } else {
                            Arc::from(out)
                        };
                        if m.inflate_error.is_none() && c.engineio {
                            m.eio.push(EioItem {
                                offset: 0,
                                len: m.data.len(),
                                binary: op == 2,
                                sio: None,
                            });
                        }
                        message = Some(m);
                    }
                }
            }
            9 => c.pings[usize::from(dir)].push_back((idx, packet_done)),
            10 => {
                if let Some(p) = c.pings[usize::from(1 - dir)].pop_front() {
                    pair = Some(p);
                }
            }
            8 => match c.close {
                Some((d0, first, first_packet)) if d0 != dir => pair = Some((first, first_packet)),
                None => c.close = Some((dir, idx, packet_done)),
                _ => {}
            },
            _ => notes.push(format!("Reserved opcode {}: kept as is.", h.opcode)),
        }
        let first_ws = !c.ws_seen;
        c.ws_seen = true;
        if heuristic && first_ws {
            notes.push(
                "WebSocket recognised from the frames themselves: the handshake was not captured."
                    .into(),
            );
        }
        if let Some((p, _)) = pair {
            self.messages.set_pair(p, idx, packet_done);
        }
        self.messages.push(Message {
            conv,
            dir,
            packet: packet_done,
            ts,
            spans,
            bytes,
            wire_len: total,
            kind: Kind::Ws(WsFrame {
                header: h,
                heuristic,
                payload,
                message,
                pair: pair.map(|x| x.0),
                pair_packet: pair.map(|x| x.1),
            }),
            notes,
            in_frame: false,
        });
        self.socketio_pairing(idx, conv, dir);
        self.compact(idx);
        true
    }

    /// Engine.IO sessions, Socket.IO ACK pairing and binary attachments for a new message.
    fn socketio_pairing(&mut self, idx: u32, conv: u32, dir: u8) {
        let Some(m) = self.message(idx) else {
            return;
        };
        let has_eio = match &m.kind {
            Kind::Http(h) => !h.eio.is_empty(),
            Kind::Ws(f) => f.message.as_ref().is_some_and(|wm| !wm.eio.is_empty()),
        };
        if !has_eio {
            return;
        }
        let session = self
            .sessions
            .get(&conv)
            .cloned()
            .unwrap_or_else(|| format!("conversation {conv}"));
        let ts = m.ts;
        let packet = u64::from(m.packet) + 1;
        let items: Vec<(usize, Vec<u8>, bool)> = match &m.kind {
            Kind::Http(h) => h
                .eio
                .iter()
                .enumerate()
                .map(|(k, e)| {
                    (
                        k,
                        m.bytes
                            .get(e.offset..e.offset + e.len)
                            .unwrap_or(&[])
                            .to_vec(),
                        false,
                    )
                })
                .collect(),
            Kind::Ws(f) => f
                .message
                .iter()
                .flat_map(|wm| {
                    wm.eio.iter().enumerate().map(|(k, e)| {
                        (
                            k,
                            wm.data
                                .get(e.offset..e.offset + e.len)
                                .unwrap_or(&[])
                                .to_vec(),
                            e.binary,
                        )
                    })
                })
                .collect(),
        };
        for (k, data, binary) in items {
            if binary {
                // An attachment: the oldest binary packet of this direction still waiting.
                let q = self.pending_bins.entry((session.clone(), dir)).or_default();
                if let Some(front) = q.front_mut() {
                    let (bm, bk, remaining) = *front;
                    *remaining_mut(front) = remaining.saturating_sub(1);
                    if remaining <= 1 {
                        q.pop_front();
                    }
                    if q.is_empty() {
                        self.pending_bins.remove(&(session.clone(), dir));
                    }
                    if let Some(e) = self.messages.sio_mut(bm, bk) {
                        e.attachments_in.push(packet);
                    }
                }
                continue;
            }
            let Some((t, d)) = socketio::parse_eio(&data) else {
                continue;
            };
            if t == 0 {
                if let Ok(v) = serde_json::from_slice::<serde_json::Value>(d) {
                    if let Some(sid) = v.get("sid").and_then(|s| s.as_str()) {
                        self.sessions.insert(conv, sid.to_string());
                    }
                }
                continue;
            }
            if t != 4 {
                continue;
            }
            let Some(s) = socketio::parse_sio_head(d) else {
                continue;
            };
            if let Some((n, _)) = s.attachments {
                if n > 0 {
                    self.pending_bins
                        .entry((session.clone(), dir))
                        .or_default()
                        .push_back((idx, k, n as usize));
                }
            }
            let Some((id, _)) = s.ack_id else { continue };
            match s.typ {
                2 | 5 => {
                    self.pending_acks.insert(
                        (session.clone(), s.namespace.clone(), id, dir),
                        (idx, k, packet as u32, ts),
                    );
                }
                3 | 6 => {
                    let key = (session.clone(), s.namespace.clone(), id, 1 - dir);
                    if let Some((em, ek, epkt, ets)) = self.pending_acks.remove(&key) {
                        if let Some(e) = self.messages.sio_mut(em, ek) {
                            e.ack_in = Some(packet);
                        }
                        if let Some(e) = self.messages.sio_mut(idx, k) {
                            e.ack_of = Some((u64::from(epkt), ts - ets));
                        }
                    }
                }
                _ => {}
            }
        }
    }

    pub fn len(&self) -> usize {
        self.messages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// Bytes currently buffered (for limits and the GUI's memory display).
    pub fn buffered(&self) -> usize {
        self.convs
            .0
            .iter()
            .flatten()
            .map(|c| {
                c.dirs.iter().map(|d| d.buf.len()).sum::<usize>()
                    + c.reasm.iter().map(|r| r.held()).sum::<usize>()
            })
            .sum()
    }
}

fn remaining_mut(x: &mut (u32, usize, usize)) -> &mut usize {
    &mut x.2
}

fn c_uri_is_eio(h: &Head) -> bool {
    h.uri.contains("EIO=")
}

fn query_param(uri: &str, name: &str) -> Option<String> {
    let q = uri.split_once('?')?.1;
    q.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// Length of a complete chunked body at the start of `b`, or `None` if incomplete.
fn chunked_len(b: &[u8]) -> Option<usize> {
    let mut pos = 0;
    loop {
        let line_end = b.get(pos..)?.windows(2).position(|w| w == b"\r\n")? + pos;
        let size_txt = std::str::from_utf8(&b[pos..line_end]).ok()?;
        let size = usize::from_str_radix(size_txt.split(';').next()?.trim(), 16).ok()?;
        pos = line_end + 2;
        if size == 0 {
            // Trailers end with an empty line.
            loop {
                let e = b.get(pos..)?.windows(2).position(|w| w == b"\r\n")? + pos;
                if e == pos {
                    return Some(pos + 2);
                }
                pos = e + 2;
            }
        }
        pos = pos.checked_add(size)?.checked_add(2)?;
        if pos > b.len() {
            return None;
        }
    }
}

/// permessage-deflate (RFC 7692): raw deflate, the message plus `00 00 ff ff`, output bounded.
fn inflate(db: &mut DirBuf, data: &[u8], limit: usize) -> Result<(Vec<u8>, bool), String> {
    let reset = db.no_context_takeover;
    let d = db
        .inflater
        .get_or_insert_with(|| flate2::Decompress::new(false));
    if reset {
        d.reset(false);
    }
    let mut input = Vec::with_capacity(data.len() + 4);
    input.extend_from_slice(data);
    input.extend_from_slice(&[0, 0, 0xff, 0xff]);
    let mut out: Vec<u8> = Vec::new();
    let mut pos = 0;
    loop {
        if out.len() >= limit {
            return Ok((out, true));
        }
        let room = (limit - out.len()).min(out.len().max(1 << 16));
        out.reserve(room);
        let (bi, bo) = (d.total_in(), d.total_out());
        let st = d
            .decompress_vec(&input[pos..], &mut out, flate2::FlushDecompress::Sync)
            .map_err(|e| e.to_string())?;
        pos += (d.total_in() - bi) as usize;
        if st == flate2::Status::StreamEnd {
            break;
        }
        if pos >= input.len() && out.len() < out.capacity() {
            break;
        }
        if d.total_in() == bi && d.total_out() == bo {
            break;
        }
    }
    Ok((out, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies() {
        assert_eq!(chunked_len(b"5\r\nhello\r\n0\r\n\r\nnext"), Some(15));
        assert_eq!(chunked_len(b"5\r\nhel"), None);
        assert_eq!(chunked_len(b"zz\r\n"), None);
    }

    #[test]
    fn deflate_bomb_is_cut() {
        use flate2::write::DeflateEncoder;
        use std::io::Write;
        let mut enc = DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..64 {
            enc.write_all(&zeros).unwrap();
        }
        let mut c = enc.finish().unwrap();
        // permessage-deflate strips the final empty block marker; keep the stream as is.
        c.truncate(c.len());
        let mut db = DirBuf::default();
        let (out, cut) = inflate(&mut db, &c, 1 << 20).unwrap();
        assert!(cut);
        assert!(out.len() <= 2 << 20, "{}", out.len());
    }

    #[test]
    fn query() {
        assert_eq!(
            query_param("/socket.io/?EIO=4&transport=websocket&sid=abc", "sid").as_deref(),
            Some("abc")
        );
    }
}
