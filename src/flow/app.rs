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
//! decoders in `protocols::{http, websocket, socketio}`.
//!
//! Limits ([`AppConfig`]): a stored message is at most `max_message` bytes (the rest of a
//! bigger one is skipped and the cut reported), an HTTP head at most `max_head`, an inflated
//! message at most `max_inflate` (a deflate bomb stops there, and later messages of that
//! direction are marked undecompressable, since the shared context is gone). Everything cut or
//! dropped is counted in [`AppStats`].
//!
//! This file holds the state and the state machine; each protocol's step lives in its folder:
//! `protocols/http/stream.rs` (heads, bodies, upgrade), `protocols/websocket/stream.rs`
//! (frames, fragments, permessage-deflate) and `protocols/socketio/stream.rs` (Engine.IO
//! sessions, ACKs, attachments), each an `impl AppPass` block over the `pub(crate)` state here.

use super::messages::MessageTable;
use super::reasm::{DirReasm, Event, Limits, Origin};
use crate::model::TransportInfo;
use crate::protocols::http::{self, HeadParse};
use crate::protocols::websocket;
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
    /// Bytes the messages kept may hold in all (copies of messages spread over packets,
    /// fragments joined, decompressed data): past it, a message keeps only a `preview`-sized
    /// prefix (counted, and said on the message).
    pub max_kept_total: usize,
    /// The same, for one conversation.
    pub max_kept_per_conv: usize,
    /// What an over-budget message keeps.
    pub preview: usize,
    /// Bytes permessage-deflate may inflate in one direction of a connection, and in all
    /// (the CPU and memory a deflate bomb can cost): past it, later compressed messages
    /// are shown compressed, with a note.
    pub max_inflate_per_conv: usize,
    pub max_inflate_total: usize,
    /// Do not keep copies of messages that lie whole in one packet (the engine re-reads them
    /// from the capture): what keeps a million-packet capture within its memory budget.
    pub compact: bool,
    /// With `compact`: keep such messages as small records, parsed again from their packet
    /// when asked for (see [`super::messages`]). Off only to test that packing is exact.
    pub pack: bool,
}

impl AppConfig {
    /// For a capture that only previews the first packets of a file while the whole file
    /// loads beside it: an eighth of the memory and decompression budgets.
    pub fn preview() -> Self {
        let d = AppConfig::default();
        AppConfig {
            compact: true,
            max_kept_total: d.max_kept_total / 8,
            max_kept_per_conv: d.max_kept_per_conv / 8,
            max_inflate_total: d.max_inflate_total / 8,
            max_inflate_per_conv: d.max_inflate_per_conv / 8,
            max_total_buffer: d.max_total_buffer / 8,
            ..d
        }
    }
}

/// The memory budget in MiB every [`AppConfig::default`] starts from (`--memory-budget`).
static BUDGET_MIB: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(256);

/// Set the memory budget (MiB) of the captures made from now on: the kept messages get it
/// all, one conversation a quarter, reassembly buffers as much, decompression twice as much
/// (half of it per connection). 256 is the default.
pub fn set_memory_budget(mib: usize) {
    BUDGET_MIB.store(mib.max(16), std::sync::atomic::Ordering::Relaxed);
}

impl Default for AppConfig {
    fn default() -> Self {
        let budget = BUDGET_MIB.load(std::sync::atomic::Ordering::Relaxed) << 20;
        AppConfig {
            max_message: 16 << 20,
            max_head: 64 << 10,
            max_inflate: 16 << 20,
            reasm: Limits::default(),
            max_total_buffer: budget,
            max_kept_total: budget,
            max_kept_per_conv: budget / 4,
            preview: 64 << 10,
            max_inflate_per_conv: budget / 2,
            max_inflate_total: budget * 2,
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
    /// Messages the memory budget cut to a prefix, and the bytes it let go.
    pub budget_cut: u64,
    pub budget_bytes: u64,
    /// Compressed messages left compressed: the decompression budget was spent.
    pub inflate_budget: u64,
    /// Packet notes not kept: the table of them was full.
    pub packet_notes_dropped: u64,
    /// WebSocket data frames decoded and not kept: over [`MAX_MESSAGES_PER_PACKET`] in their
    /// packet, or over [`MAX_MESSAGES`] in all.
    pub messages_not_kept: u64,
}

/// Messages one packet may add to the table: a packet full of tiny WebSocket frames (a
/// 1448-byte segment holds 482 three-byte frames) keeps this many and counts the rest, which
/// is also as many as a packet shows (`engine::app_layers::MAX_MESSAGES_SHOWN`).
pub const MAX_MESSAGES_PER_PACKET: u32 = 64;

/// Messages the table keeps in all (~40 bytes each, plus their index): past it, plain
/// WebSocket data frames are counted, not kept.
pub const MAX_MESSAGES: usize = 4_000_000;

/// Packets that carry application notes of their own (not a message's): at most this many
/// are kept, the rest counted.
pub const MAX_NOTED_PACKETS: usize = 4096;

pub use super::messages::{
    EioItem, EioItems, FramePackets, HttpMsg, Kind, Message, Span, Spans, WsFrame, WsMessage,
};

/// UDP requests waiting for their response that are kept (the rest are not paired).
pub const MAX_UDP_REQUESTS: usize = 1_000_000;

/// A request or response of a UDP protocol and its partner (see [`AppPass::on_udp`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpPair {
    /// The partner's packet index.
    pub other: u32,
    /// On the response: the time since the request (ns).
    pub latency: Option<i64>,
    pub protocol: crate::model::Protocol,
}

impl UdpPair {
    /// Add the pair's fields (`dns.response_in`, …) to the decoded packet.
    pub fn attach(&self, p: &mut crate::model::Packet, sentences: bool) {
        if let Some(pairing) =
            crate::protocols::udp_protocol(self.protocol).and_then(|u| u.pairing.as_ref())
        {
            (pairing.attach)(p, u64::from(self.other) + 1, self.latency, sentences);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Detect,
    Http,
    WebSocket { heuristic: bool },
    Opaque,
}

/// A fragmented WebSocket message in progress: opcode, compressed, data so far, the packets
/// of its frames, whether something was cut.
pub(crate) type Fragments = (u8, bool, Vec<u8>, FramePackets, bool);

/// (session, namespace, ack id, direction of the event).
pub(crate) type AckKey = (String, String, u64, u8);

/// An event waiting for its ACK: (message, Engine.IO item, packet, time).
pub(crate) type WaitingAck = (u32, usize, u32, i64);

/// A binary Socket.IO packet waiting for attachments: (message, Engine.IO item, remaining).
pub(crate) type WaitingBinary = (u32, usize, usize);

#[derive(Debug, Default)]
pub(crate) struct DirBuf {
    pub(crate) buf: Vec<u8>,
    /// (offset in buf, origin) for each appended chunk.
    pub(crate) origins: Vec<(usize, Origin)>,
    /// Bytes still to skip (payload of a frame too big to keep).
    pub(crate) skip: u64,
    /// Fragments of a WebSocket message in progress: (opcode, compressed, data, frame msgs).
    pub(crate) frag: Option<Fragments>,
    pub(crate) inflater: Option<flate2::Decompress>,
    /// Why this direction's compressed messages cannot be decompressed.
    pub(crate) inflate_broken: Option<String>,
    pub(crate) no_context_takeover: bool,
    /// Bytes inflated in this direction so far.
    pub(crate) inflated: usize,
    /// The message at the front of `buf` was already said to be over the size limit.
    pub(crate) noted_big: bool,
}

/// Conversation state by dense conversation index: no hashing on the per-packet path.
#[derive(Debug, Default)]
/// Parsers by conversation index, and how many exist (kept so the memory cap's estimate,
/// asked on every live packet, does not walk the table).
pub(crate) struct ConvTable(pub(crate) Vec<Option<Box<ConvApp>>>, pub(crate) usize);

impl ConvTable {
    pub(crate) fn entry(&mut self, conv: u32) -> &mut ConvApp {
        let i = conv as usize;
        if self.0.len() <= i {
            self.0.resize_with(i + 1, || None);
        }
        if self.0[i].is_none() {
            self.1 += 1;
        }
        self.0[i].get_or_insert_with(|| Box::new(ConvApp::new()))
    }

    pub(crate) fn get_mut(&mut self, conv: u32) -> Option<&mut ConvApp> {
        self.0.get_mut(conv as usize)?.as_deref_mut()
    }

    pub(crate) fn get(&self, conv: u32) -> Option<&ConvApp> {
        self.0.get(conv as usize)?.as_deref()
    }

    pub(crate) fn keys(&self) -> Vec<u32> {
        self.0
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_some())
            .map(|(i, _)| i as u32)
            .collect()
    }
}

#[derive(Debug)]
pub(crate) struct ConvApp {
    pub(crate) mode: Mode,
    pub(crate) reasm: [DirReasm; 2],
    pub(crate) dirs: [DirBuf; 2],
    /// Unanswered requests (message indices) and whether the newest asked for an upgrade.
    pub(crate) requests: VecDeque<(u32, u32)>,
    pub(crate) upgrade_key: Option<String>,
    pub(crate) awaiting_upgrade: bool,
    /// Unanswered pings per direction, and the first close.
    pub(crate) pings: [VecDeque<(u32, u32)>; 2],
    pub(crate) close: Option<(u8, u32, u32)>,
    /// A WebSocket frame was already seen (for the "recognised heuristically" note).
    pub(crate) ws_seen: bool,
    pub(crate) deflate: bool,
    pub(crate) session: Option<String>,
    /// The connection carries Engine.IO (Socket.IO): its URL said `EIO=`, or an Engine.IO open
    /// packet was seen.
    pub(crate) engineio: bool,
}

impl ConvApp {
    pub(crate) fn new() -> Self {
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
    pub(crate) config: AppConfig,
    /// Per conversation index (dense), allocated when the conversation first carries data.
    pub(crate) convs: ConvTable,
    /// Messages, oldest first (a streaming reader drops what it has printed, see
    /// [`AppPass::drop_all`]).
    pub messages: MessageTable,
    pub stats: AppStats,
    /// Socket.IO events waiting for their ACK: (session, namespace, id, dir) →
    /// (msg, eio idx, packet, time).
    pub(crate) pending_acks: HashMap<AckKey, WaitingAck>,
    /// Binary packets waiting for attachments: (session, dir) → (msg, eio idx, remaining).
    pub(crate) pending_bins: HashMap<(String, u8), VecDeque<WaitingBinary>>,
    /// Engine.IO session ids seen, by conversation.
    pub(crate) sessions: HashMap<u32, String>,
    /// Bytes in all message buffers.
    pub(crate) buffered_total: usize,
    /// Bytes permessage-deflate inflated so far (see [`AppConfig::max_inflate_total`]).
    pub(crate) inflated_total: usize,
    /// Notes about a packet that no message carries: a frame that claims more bytes than will
    /// be kept, a message the capture ends inside, an HTTP head too long to read.
    pub(crate) packet_notes: HashMap<u32, Vec<String>>,
    /// The packet the newest messages completed in, and how many it completed.
    pub(crate) in_packet: (u32, u32),
    /// Messages not kept, by the packet that completed them (see `messages_not_kept`).
    pub(crate) unkept: HashMap<u32, u32>,
    /// UDP requests not answered yet (DNS queries): (conversation, protocol, id) → (packet,
    /// time).
    pub(crate) udp_requests: HashMap<(u32, crate::model::Protocol, u64), (u32, i64)>,
    /// UDP request/response pairs by packet index (DNS).
    pub udp_pairs: HashMap<u32, UdpPair>,
    /// SYN sequence numbers of conversations that have carried no data yet: (conversation,
    /// direction) → seq. Their parse state is made with the first byte, so a SYN flood of
    /// half-open connections costs an entry here, not a whole parser each.
    pub(crate) syn_seq: HashMap<(u32, u8), u32>,
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
    pub(crate) fn message(&self, idx: u32) -> Option<&Message> {
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

    /// The application pass over one packet whose conversation the flow pass found: TCP
    /// bytes to the conversation's stream parser (its parse state dropped once the
    /// connection is over; its messages stay), UDP datagrams to the registry's pairing.
    ///
    /// Why one function: every pipeline runs exactly this step — the indexed pass over a
    /// file, live capture and the demos (`Capture::push`), and the one-pass reader
    /// (`engine::Stream`) — so their outputs cannot drift apart (`tests/streaming.rs`
    /// compares them on every capture).
    #[allow(clippy::too_many_arguments)]
    pub fn observe(
        &mut self,
        flows: &super::Flows,
        conv: u32,
        dir: u8,
        t: &TransportInfo,
        packet: u32,
        ts: i64,
        frame: &[u8],
    ) {
        if t.proto != 6 {
            self.on_udp(conv, t, packet, ts, frame);
            return;
        }
        self.on_tcp(conv, dir, t, packet, ts, frame);
        let over = flows.conversations.get(conv as usize).is_some_and(|c| {
            matches!(
                c.state,
                super::TcpState::Closed | super::TcpState::Reset { .. }
            )
        });
        if over {
            self.forget(conv);
        }
    }

    /// Feed a UDP datagram: the protocol the UDP registry gives it pairs requests with
    /// responses (DNS queries and responses by transaction id).
    pub fn on_udp(&mut self, conv: u32, t: &TransportInfo, packet: u32, ts: i64, frame: &[u8]) {
        let payload = frame.get(t.payload_range()).unwrap_or_default();
        let Some((protocol, (id, response))) =
            crate::protocols::udp_candidates(t.src_port, t.dst_port, payload)
                .find_map(|u| Some((u.protocol, (u.pairing.as_ref()?.peek)(payload)?)))
        else {
            return;
        };
        if !response {
            if self.udp_requests.len() < MAX_UDP_REQUESTS {
                self.udp_requests.insert((conv, protocol, id), (packet, ts));
            }
        } else if let Some((q, qts)) = self.udp_requests.remove(&(conv, protocol, id)) {
            self.udp_pairs.insert(
                q,
                UdpPair {
                    other: packet,
                    latency: None,
                    protocol,
                },
            );
            self.udp_pairs.insert(
                packet,
                UdpPair {
                    other: q,
                    latency: Some(ts - qts),
                    protocol,
                },
            );
        }
    }

    pub(crate) fn account(&mut self, events: &[Event]) {
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

    pub(crate) fn append(&mut self, conv: u32, dir: u8, o: Origin, b: &[u8]) {
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
                self.note_unfinished(conv, dir);
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
        self.udp_requests.retain(|(c, _, _), _| !gone.contains(c));
    }

    /// Store a message the HTTP or WebSocket step completed: pair its Engine.IO/Socket.IO
    /// packets with earlier ones, then drop (or pack) what can be read again from its packet.
    pub(crate) fn add_message(&mut self, m: Message) {
        if self.in_packet.0 == m.packet {
            self.in_packet.1 += 1;
        } else {
            self.in_packet = (m.packet, 1);
        }
        // A data frame (not a control frame, nothing paired with it) past the limits is
        // counted on its packet and not kept; its Socket.IO packets, if any, pair with
        // nothing (a packet of more than 64 messages is a flood, not a lesson).
        let plain = matches!(&m.kind, Kind::Ws(f) if f.header.opcode <= 2 && f.pair.is_none());
        if plain
            && (self.in_packet.1 > MAX_MESSAGES_PER_PACKET || self.messages.len() >= MAX_MESSAGES)
        {
            self.stats.messages_not_kept += 1;
            *self.unkept.entry(m.packet).or_default() += 1;
            return;
        }
        let (conv, dir) = (m.conv, m.dir);
        let idx = self.messages.push(m);
        self.socketio_pairing(idx, conv, dir);
        self.compact(idx);
        let c = self.config;
        let freed =
            self.messages
                .hold_to_budget(idx, c.max_kept_total, c.max_kept_per_conv, c.preview);
        if freed > 0 {
            self.stats.budget_cut += 1;
            self.stats.budget_bytes += freed as u64;
        }
    }

    /// Drop the copies of a message that lies whole in one packet (see [`AppConfig::compact`]).
    pub(crate) fn compact(&mut self, idx: u32) {
        if !self.config.compact {
            return;
        }
        let empty = self.messages.empty();
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
            self.messages.pack_last();
        }
    }

    /// Take `n` bytes from the front of a direction's buffer, with their spans.
    pub(crate) fn take(&mut self, conv: u32, dir: u8, n: usize, keep: usize) -> (Spans, Arc<[u8]>) {
        self.take_with(conv, dir, n, keep, true)
    }

    /// Take `n` bytes; with `copy` false their copy is not made (the message lies whole in one
    /// packet and will be re-read from the capture).
    pub(crate) fn take_with(
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
            self.messages.empty()
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

    pub(crate) fn parse(&mut self, conv: u32, dir: u8, packet: u32, ts: i64) {
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

    pub(crate) fn detect(&mut self, conv: u32, dir: u8) -> bool {
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

    /// Note something about packet `packet` (see [`AppPass::packet_notes`]).
    pub(crate) fn note_packet(&mut self, packet: u32, note: String) {
        let full = self.packet_notes.len() >= MAX_NOTED_PACKETS;
        match self.packet_notes.get_mut(&packet) {
            Some(v) if v.len() < 8 => v.push(note),
            None if !full => {
                self.packet_notes.insert(packet, vec![note]);
            }
            _ => self.stats.packet_notes_dropped += 1,
        }
    }

    /// Messages packet `i` completed that were counted and not kept.
    pub fn unkept(&self, i: u32) -> u32 {
        self.unkept.get(&i).copied().unwrap_or(0)
    }

    /// The same, taken (streaming readers).
    pub fn take_unkept(&mut self, i: u32) -> u32 {
        if self.unkept.is_empty() {
            return 0;
        }
        self.unkept.remove(&i).unwrap_or(0)
    }

    /// Application notes about packet `i` that no message carries.
    pub fn packet_notes(&self, i: u32) -> &[String] {
        self.packet_notes.get(&i).map_or(&[], Vec::as_slice)
    }

    /// All of them, taken (a streaming reader says them on the packet it is at), in packet
    /// order.
    pub fn take_packet_notes(&mut self) -> Vec<(u32, String)> {
        if self.packet_notes.is_empty() {
            return Vec::new();
        }
        let mut v: Vec<(u32, String)> = self
            .packet_notes
            .drain()
            .flat_map(|(p, notes)| notes.into_iter().map(move |n| (p, n)))
            .collect();
        v.sort_by_key(|(p, _)| *p);
        v
    }

    /// The packet where the bytes waiting in a direction's buffer start.
    pub(crate) fn buffer_start(&self, conv: u32, dir: u8) -> Option<u32> {
        let c = self.convs.get(conv)?;
        c.dirs[usize::from(dir)].origins.first().map(|o| o.1.packet)
    }

    /// End of capture: say, on the packet where it starts, what message the capture ends
    /// inside (a body that never completes, a frame that claims more than arrived).
    pub(crate) fn note_unfinished(&mut self, conv: u32, dir: u8) {
        let Some(c) = self.convs.get(conv) else {
            return;
        };
        let b = &c.dirs[usize::from(dir)].buf;
        if b.is_empty() {
            return;
        }
        let note = match c.mode {
            Mode::Http => {
                let request = !b.starts_with(b"HTTP/");
                let what = if request { "request" } else { "response" };
                match http::parse_head(b, request) {
                    HeadParse::Complete(h) => {
                        let body = b.len() - h.head_len;
                        match (h.content_length, h.chunked) {
                            (Some(n), _) => format!(
                                "The capture ends inside the HTTP {what} that starts here: its body is {} long (Content-Length), {} of it were captured, so it is never decoded.",
                                crate::model::count(n, "byte"),
                                crate::model::count(body, "byte")
                            ),
                            (None, true) => format!(
                                "The capture ends inside the HTTP {what} that starts here: its chunked body never reaches its last (zero-length) chunk; {} of it were captured.",
                                crate::model::count(body, "byte")
                            ),
                            (None, false) => return,
                        }
                    }
                    _ => format!(
                        "The capture ends inside the HTTP {what} head that starts here ({} captured, no blank line ending it), so it is never decoded.",
                        crate::model::count(b.len(), "byte")
                    ),
                }
            }
            Mode::WebSocket { .. } => match websocket::parse_header(b) {
                Ok(h) => format!(
                    "The capture ends inside the WebSocket frame that starts here: it claims {} of payload, {} were captured.",
                    crate::model::count(h.payload_len, "byte"),
                    crate::model::count(b.len().saturating_sub(h.header_len), "byte")
                ),
                Err(_) => format!(
                    "The capture ends inside a WebSocket frame header that starts here ({} captured).",
                    crate::model::count(b.len(), "byte")
                ),
            },
            _ => return,
        };
        if let Some(p) = self.buffer_start(conv, dir) {
            self.note_packet(p, note);
        }
    }

    pub(crate) fn note_last(&mut self, conv: u32, note: String) {
        if let Some(m) = self.messages.last_of(conv) {
            self.messages.note(m, note);
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
