//! The engine joins the pieces: a capture's packet store, the one flow pass over it, and
//! on-demand decoding of any packet with its flow facts.
//!
//! The CLI and the GUI talk only to [`Capture`]: `row(i)` for a list line (no field tree, no
//! sentence), `packet(i)` for everything about one packet.

pub(crate) mod app_layers;
pub mod filter;
pub mod phases;
pub mod ring;
pub mod socketio_view;

use crate::capture::store::OpenError;
use crate::capture::PacketStore;
use crate::decode::{decode_into, decode_opt, Options};
use crate::flow::app::{AppConfig, AppPass, Message};
use crate::flow::{FlowConfig, Flows};
use crate::model::{Base, Packet, Protocol, Value};
use std::borrow::Cow;
use std::path::Path;

crate::field_def!(TCP_REASSEMBLED_IN, "tcp.reassembled_in", "Reassembled PDU in packet", Base::Dec, "This segment carries part of a message that is complete only in that later packet, where it is decoded.");

/// An opened, analysed capture.
pub struct Capture {
    pub store: PacketStore,
    /// The flow pass's tables; outside the engine, read through `conversations()`,
    /// `facts()`, ... (the views and the CLI talk to `Capture` only).
    pub(crate) flows: Flows,
    /// Application messages (HTTP, WebSocket frames with Engine.IO/Socket.IO inside).
    pub(crate) app: AppPass,
    /// (packet index, message index), sorted: messages completed in each packet.
    completed: Vec<(u32, u32)>,
    /// (packet index, message index), sorted: packets carrying part of a message completed
    /// in a later packet.
    contributes: Vec<(u32, u32)>,
    /// Socket.IO semantics (clients, audiences, unanswered events), made when first asked for
    /// and made again after live packets arrive.
    socketio: std::sync::OnceLock<socketio_view::SocketIoView>,
}

impl Capture {
    /// Open, index and analyse a capture file. `progress(done, total)` reports indexing (bytes)
    /// and then the flow pass (packets), each from 0 to its total.
    pub fn open(path: &Path, progress: impl FnMut(u64, u64)) -> Result<Self, OpenError> {
        Self::open_with(
            path,
            FlowConfig::default(),
            AppConfig {
                compact: true,
                ..AppConfig::default()
            },
            progress,
        )
    }

    /// Open with explicit limits.
    pub fn open_with(
        path: &Path,
        flow: FlowConfig,
        app: AppConfig,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<Self, OpenError> {
        let store = PacketStore::open(path, &mut progress)?;
        Ok(Self::analyse_with(store, flow, app, progress))
    }

    /// Run the flow pass over an opened store.
    pub fn analyse(store: PacketStore, config: FlowConfig, progress: impl FnMut(u64, u64)) -> Self {
        Self::analyse_with(
            store,
            config,
            AppConfig {
                compact: true,
                ..AppConfig::default()
            },
            progress,
        )
    }

    /// Run the flow pass over an opened store, with explicit limits.
    pub fn analyse_with(
        store: PacketStore,
        config: FlowConfig,
        app_config: AppConfig,
        mut progress: impl FnMut(u64, u64),
    ) -> Self {
        let n = store.len();
        let mut cap = Self::empty(store, config, app_config);
        let mut scratch = Packet::with_capacity();
        for i in 0..n {
            cap.analyse_one(i, &mut scratch);
            if i % 65_536 == 0 {
                progress(i as u64, n as u64);
                cap.store.passed(i);
            }
        }
        cap.store.passed(n);
        cap.flows.finish(n);
        cap.app.finish();
        cap.app.forget_all();
        cap.index_messages(0);
        cap.shrink();
        progress(n as u64, n as u64);
        cap
    }

    /// Give back the room the tables grew into during the pass: growing by doubling leaves up
    /// to half of each table unused (about 80 MB for a million packets).
    fn shrink(&mut self) {
        self.flows.shrink();
        self.app.messages.shrink();
        self.completed.shrink_to_fit();
        self.contributes.shrink_to_fit();
    }

    fn empty(store: PacketStore, config: FlowConfig, app_config: AppConfig) -> Self {
        Capture {
            store,
            flows: Flows::new(config),
            app: AppPass::new(app_config),
            completed: Vec::new(),
            contributes: Vec::new(),
            socketio: std::sync::OnceLock::new(),
        }
    }

    /// An empty capture that live packets are appended to with [`Capture::push`].
    pub fn live(interfaces: Vec<crate::capture::Interface>) -> Self {
        Self::empty(
            PacketStore::live(interfaces),
            FlowConfig::default(),
            AppConfig {
                compact: true,
                ..AppConfig::default()
            },
        )
    }

    /// Append one live packet and run the flow and application passes over it, so it shows
    /// with its conversation and messages at once. Returns `false` for a file's store.
    pub fn push(&mut self, ts_ns: i64, data: &[u8], wirelen: u32, interface: u32) -> bool {
        if !self.store.push(ts_ns, data, wirelen, interface) {
            return false;
        }
        let before = self.app.messages.len();
        self.analyse_one(self.store.len() - 1, &mut Packet::default());
        self.index_messages(before);
        if self.app.messages.len() != before {
            self.socketio = std::sync::OnceLock::new();
        }
        true
    }

    /// Heap this capture holds for its packets: the store (bytes and index), the flow tables
    /// and the application messages. What the live memory cap is checked against.
    pub fn heap_bytes(&self) -> usize {
        self.store.heap_bytes()
            + self.flows.heap_bytes()
            + self.app.heap_bytes()
            + (self.completed.capacity() + self.contributes.capacity())
                * std::mem::size_of::<(u32, u32)>()
    }

    /// A live store holding copies of packets `from..` of this capture (cheap: no analysis).
    pub fn copy_newest(&self, from: usize) -> PacketStore {
        let mut store = PacketStore::live(self.store.interfaces().to_vec());
        for i in from..self.len() {
            if let (Some(m), Some(d)) = (self.store.meta(i), self.store.data(i)) {
                store.push(m.timestamp.ns, d, m.wirelen, m.interface);
            }
        }
        store
    }

    /// Analyse a live store so that more packets can still be pushed (no end-of-capture
    /// flush, unlike [`Capture::analyse_with`]).
    pub fn analyse_live(store: PacketStore) -> Capture {
        let n = store.len();
        let mut cap = Self::empty(
            store,
            FlowConfig::default(),
            AppConfig {
                compact: true,
                ..AppConfig::default()
            },
        );
        let mut scratch = Packet::with_capacity();
        for i in 0..n {
            cap.analyse_one(i, &mut scratch);
        }
        cap.index_messages(0);
        cap
    }

    /// A live capture has ended: flush what reassembly still holds (data after a gap).
    pub fn finish_live(&mut self) {
        let before = self.app.messages.len();
        self.flows.finish(self.store.len());
        self.app.finish();
        self.index_messages(before);
        self.socketio = std::sync::OnceLock::new();
    }

    /// The flow and application passes over packet `i` (`scratch`: a packet to decode into,
    /// the same for every packet of a pass).
    fn analyse_one(&mut self, i: usize, scratch: &mut Packet) {
        let (Some(meta), Some(data)) = (self.store.meta(i), self.store.data(i)) else {
            return;
        };
        let flows = &mut self.flows;
        let app = &mut self.app;
        let mut facts = None;
        let mut hook = |m: &crate::model::FrameMeta, s, d, t: &crate::model::TransportInfo| {
            let f = flows.observe(m, s, d, t);
            facts = f.map(|f| (f.dir, *t));
            Ok(f)
        };
        decode_into(
            &meta,
            data,
            Options {
                flow_hook: Some(&mut hook),
                facts_only: true,
                ..Options::default()
            },
            scratch,
        );
        if let (Some((dir, t)), Some(conv)) = (facts, flows.conversation_index(i)) {
            app.observe(
                flows,
                conv as u32,
                dir,
                &t,
                i as u32,
                meta.timestamp.ns,
                data,
            );
        }
    }

    /// Add messages `from..` to the by-packet tables, keeping both sorted.
    fn index_messages(&mut self, from: usize) {
        fn insert(v: &mut Vec<(u32, u32)>, e: (u32, u32)) {
            if v.last().is_none_or(|l| *l < e) {
                v.push(e);
            } else {
                let pos = v.partition_point(|x| *x < e);
                if v.get(pos) != Some(&e) {
                    v.insert(pos, e);
                }
            }
        }
        let bulk = from == 0;
        let msgs = &self.app.messages;
        for (k, r) in msgs.records().iter().enumerate().skip(from) {
            let k = k as u32;
            let spans = msgs.spans(k);
            if bulk {
                self.completed.push((r.packet, k));
                self.contributes.extend(
                    spans
                        .iter()
                        .filter(|s| s.packet != r.packet)
                        .map(|s| (s.packet, k)),
                );
            } else {
                insert(&mut self.completed, (r.packet, k));
                for s in spans.iter().filter(|s| s.packet != r.packet) {
                    insert(&mut self.contributes, (s.packet, k));
                }
            }
        }
        if bulk {
            // Nearly sorted already (messages come in packet order): a stable sort finds the
            // runs and finishes in about one pass.
            self.completed.sort();
            self.contributes.sort();
            self.contributes.dedup();
        }
    }

    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// Every conversation, numbered like `tcp.stream`/`udp.stream` (views and the CLI read
    /// the analysis through these methods, not through `flows` and `app`).
    pub fn conversations(&self) -> &[crate::flow::Conversation] {
        &self.flows.conversations
    }

    /// Conversation number `ci`.
    pub fn conversation(&self, ci: usize) -> Option<&crate::flow::Conversation> {
        self.flows.conversations.get(ci)
    }

    /// The number of the conversation packet `i` belongs to.
    pub fn conversation_index(&self, i: usize) -> Option<usize> {
        self.flows.conversation_index(i)
    }

    /// The conversation packet `i` belongs to.
    pub fn conversation_of(&self, i: usize) -> Option<&crate::flow::Conversation> {
        self.flows.conversation_of(i)
    }

    /// Flow facts of packet `i` (direction, stream, relative numbers, analysis).
    pub fn facts(&self, i: usize) -> Option<crate::model::FlowFacts> {
        self.flows.facts(i)
    }

    /// What the flow pass had to limit.
    pub fn flow_stats(&self) -> &crate::flow::FlowStats {
        &self.flows.stats
    }

    /// The application messages (HTTP, WebSocket frames, Engine.IO/Socket.IO).
    pub fn messages(&self) -> &crate::flow::messages::MessageTable {
        &self.app.messages
    }

    /// What application decoding had to cut, skip or drop.
    pub fn app_stats(&self) -> &crate::flow::app::AppStats {
        &self.app.stats
    }

    /// The store and the two passes' tables, taken apart (the memory breakdown example
    /// measures each by dropping it).
    pub fn into_parts(self) -> (PacketStore, Flows, AppPass) {
        (self.store, self.flows, self.app)
    }

    /// Whether packet `i` is a request or response of a UDP protocol paired with its partner
    /// (a DNS query and its response).
    pub fn is_paired(&self, i: usize) -> bool {
        u32::try_from(i).is_ok_and(|i| self.app.udp_pairs.contains_key(&i))
    }

    /// Socket.IO semantics of this capture: clients, whom each emit went to, events nothing
    /// answered, ACK pairs (see [`socketio_view`]).
    pub fn socketio(&self) -> &socketio_view::SocketIoView {
        self.socketio
            .get_or_init(|| socketio_view::SocketIoView::build(self))
    }

    /// One line per kind of thing the analysis had to limit, for the user (empty if none).
    pub fn limits_report(&self) -> Vec<String> {
        let mut v = Vec::new();
        let f = self.flows.stats;
        if f.untracked_packets > 0 {
            v.push(format!(
                "{} of {} not tracked: the conversation table was full",
                crate::model::count(f.untracked_packets, "packet"),
                crate::model::count(f.untracked_conversations, "conversation")
            ));
        }
        let a = self.app.stats;
        if a.gaps > 0 {
            v.push(format!(
                "{} in TCP streams ({} never captured) skipped",
                crate::model::count(a.gaps, "gap"),
                crate::model::count(a.gap_bytes, "byte")
            ));
        }
        // (count, singular noun, the rest of the line).
        let counted = [
            (a.dropped_bytes, "byte", "dropped by reassembly limits"),
            (
                a.conflicting_overlaps,
                "retransmission",
                "carried different bytes than the original",
            ),
            (a.messages_cut, "message", "cut at the size limit"),
            (a.inflate_cut, "decompression", "stopped at the size limit"),
            (
                a.messages_not_kept,
                "WebSocket data frame",
                "decoded and not kept: over 64 in one packet or 4 000 000 in all",
            ),
            (
                a.inflate_budget,
                "compressed message",
                "left compressed: the decompression budget was spent",
            ),
            (
                a.budget_cut,
                "message",
                "kept only in part: the memory budget for kept messages was spent",
            ),
            (
                a.streams_given_up,
                "TCP stream",
                "not decoded above TCP (unknown protocol or over a limit)",
            ),
        ];
        v.extend(
            counted
                .iter()
                .filter(|(n, _, _)| *n > 0)
                .map(|(n, one, what)| format!("{} {what}", crate::model::count(*n, one))),
        );
        v
    }

    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    /// Messages completed in packet `i`.
    pub fn messages_at(&self, i: usize) -> Vec<Cow<'_, Message>> {
        self.messages_in(&self.completed, i)
            .filter_map(|m| self.message(m))
            .collect()
    }

    /// Message `idx` (packed ones are parsed again from their packet).
    pub fn message(&self, idx: u32) -> Option<Cow<'_, Message>> {
        self.app.messages.get(idx, |p| self.store.data(p as usize))
    }

    /// Packet numbers (1-based) of the later packets completing messages that packet `i`
    /// carries part of.
    pub fn reassembled_in(&self, i: usize) -> Vec<u64> {
        let mut v: Vec<u64> = self
            .messages_in(&self.contributes, i)
            .filter_map(|m| self.app.messages.rec(m))
            .map(|r| u64::from(r.packet) + 1)
            .collect();
        v.dedup();
        v
    }

    /// The messages listed for packet `i` in a sorted (packet, message) table.
    fn messages_in<'a>(
        &'a self,
        table: &'a [(u32, u32)],
        i: usize,
    ) -> impl Iterator<Item = u32> + 'a {
        let i = i as u32;
        let start = table.partition_point(|(p, _)| *p < i);
        table[start..]
            .iter()
            .take_while(move |(p, _)| *p == i)
            .map(|(_, m)| *m)
    }

    fn decode(&self, i: usize, sentences: bool, fields: bool) -> Option<Packet> {
        let mut p = self.decode_l4(i, sentences, fields)?;
        let msgs = self.messages_at(i);
        let conv = self.flows.conversation_of(i);
        let unkept = self.app.unkept(i as u32);
        if msgs.is_empty() && unkept > 0 {
            p.notes.push(crate::model::Note {
                severity: crate::model::Severity::Info,
                kind: crate::model::NoteKind::Limit,
                protocol: None,
                offset: None,
                text: format!(
                    "This packet completes {} that were counted and not kept: the capture's table of messages is full.",
                    crate::model::count(unkept, "WebSocket data frame")
                )
                .into(),
            });
        }
        if msgs.is_empty() {
            let later = self.reassembled_in(i);
            if let Some(&first) = later.first() {
                if let Some(tcp) = p.layers.iter_mut().find(|l| l.protocol == Protocol::Tcp) {
                    for n in &later {
                        tcp.push(&TCP_REASSEMBLED_IN, Value::U64(*n), tcp.offset as usize, 0);
                    }
                }
                p.summary.push_str(" [TCP segment of a reassembled PDU]");
                if sentences {
                    p.sentence.push_str(&format!(
                        " These bytes are part of a message that is complete in packet {first}, where it is decoded."
                    ));
                }
            }
        } else {
            let frame = self.store.data(i).unwrap_or(&[]);
            app_layers::attach(frame, &mut p, i as u32, &msgs, conv, fields, unkept);
            // Whom a Socket.IO emit went to, or that nothing answered an event: known only
            // from the packets around this one.
            if sentences && p.layers.iter().any(|l| l.protocol == Protocol::SocketIo) {
                p.sentence.push_str(&self.socketio().sentence(i));
            }
        }
        if let Some(pair) = self.app.udp_pairs.get(&(i as u32)) {
            pair.attach(&mut p, sentences);
        }
        for n in self.app.packet_notes(i as u32) {
            p.notes.push(crate::model::Note {
                severity: crate::model::Severity::Warning,
                kind: crate::model::NoteKind::Application,
                protocol: None,
                offset: None,
                text: n.clone().into(),
            });
        }
        Some(p)
    }

    fn decode_l4(&self, i: usize, sentences: bool, fields: bool) -> Option<Packet> {
        let meta = self.store.meta(i)?;
        let data = self.store.data(i)?;
        Some(decode_opt(
            &meta,
            data,
            Options {
                comments: self.store.comments(meta.number),
                sentences,
                fields,
                flow: self.flows.facts(i),
                flow_hook: None,
                facts_only: false,
                skip_notes: false,
            },
        ))
    }

    /// Packet `i` (0-based) for a list row: columns, Info line, layers, notes.
    pub fn row(&self, i: usize) -> Option<Packet> {
        self.decode(i, false, false)
    }

    /// Packet `i` (0-based) in full: field trees, flow fields, sentence.
    pub fn packet(&self, i: usize) -> Option<Packet> {
        self.decode(i, true, true)
    }

    /// Packet `i` in full but without the sentence (jsonl without sentences is not offered;
    /// this is for tests and benchmarks).
    pub fn packet_fields(&self, i: usize) -> Option<Packet> {
        self.decode(i, false, true)
    }
}

/// One-pass decoding for streaming output (`layerscope decode`): the flow and application
/// passes run packet by packet, and each packet is decoded with what is known so far. Memory
/// stays bounded: no index, and message bytes are released once their packet is printed.
/// Pairs that point forward (an HTTP request's response, an event's ACK) are only known to
/// the two-pass [`Capture`].
pub struct Stream {
    flows: Flows,
    app: AppPass,
    index: u32,
    /// The packet being decoded: every packet is decoded into the same buffers.
    pkt: Packet,
}

impl Default for Stream {
    fn default() -> Self {
        Self::new()
    }
}

impl Stream {
    pub fn new() -> Self {
        Stream {
            flows: Flows::new(FlowConfig {
                keep_packets: false,
                ..FlowConfig::default()
            }),
            app: AppPass::new(AppConfig::default()),
            index: 0,
            pkt: Packet::with_capacity(),
        }
    }

    /// Conversations the flow table holds now (bounded: see `Flows::sweep`), and how many
    /// were forgotten so far.
    pub fn conversations_held(&self) -> (usize, u64) {
        (
            self.flows.conversations.len(),
            self.flows.stats.retired_conversations,
        )
    }

    /// Decode the next packet of the capture.
    pub fn next(
        &mut self,
        meta: &crate::model::FrameMeta,
        data: &[u8],
        comments: &[String],
        sentences: bool,
        fields: bool,
    ) -> Packet {
        // Without a shard every packet is decoded (never `Step::Other`).
        self.step(meta, data, comments, sentences, fields, None);
        std::mem::replace(&mut self.pkt, Packet::with_capacity())
    }

    /// The next packet's summary (Info line, addresses; no fields, sentence or notes), as
    /// worker `shard.0` of `shard.1`: each worker reads every packet, but only the
    /// conversations [`Flows::shard_of`] gives it are tracked and decoded; the others stop as
    /// soon as their transport header is read. Packets that belong to no conversation come
    /// back as [`Sharded::Any`] in every worker. The packet is lent: the next call decodes
    /// into the same buffers.
    pub fn summary_in_shard(
        &mut self,
        meta: &crate::model::FrameMeta,
        data: &[u8],
        comments: &[String],
        shard: (u32, u32),
    ) -> Sharded<'_> {
        match self.step(meta, data, comments, false, false, Some(shard)) {
            Step::Mine => Sharded::Mine(&self.pkt),
            Step::Any => Sharded::Any(&self.pkt),
            Step::Other => Sharded::Other,
        }
    }

    /// Decode one packet into `self.pkt`, and say whose it is.
    fn step(
        &mut self,
        meta: &crate::model::FrameMeta,
        data: &[u8],
        comments: &[String],
        sentences: bool,
        fields: bool,
        shard: Option<(u32, u32)>,
    ) -> Step {
        let i = self.index;
        self.index += 1;
        self.flows.tick(u64::from(i), meta.timestamp.ns);
        // The shard the flow hook checks; none once the frame's bytes have shown it.
        let mut check = shard;
        if let Some((k, n)) = shard {
            if let Some((s, d, t)) = crate::decode::quick_flow_key(meta.link_type, data) {
                if Flows::shard_of(s, d, &t, n) != k {
                    // Another worker's conversation, seen without decoding: nothing to do.
                    return Step::Other;
                }
                check = None;
            }
        }
        let mut facts = None;
        let mut declined = false;
        let flows = &mut self.flows;
        let mut hook = |m: &crate::model::FrameMeta, s, d, t: &crate::model::TransportInfo| {
            if let Some((k, n)) = check {
                if Flows::shard_of(s, d, t, n) != k {
                    declined = true;
                    return Err(crate::decode::Declined);
                }
            }
            let f = flows.observe(m, s, d, t);
            facts = f.map(|f| (f.dir, *t));
            Ok(f)
        };
        decode_into(
            meta,
            data,
            Options {
                comments,
                sentences,
                fields,
                flow: None,
                flow_hook: Some(&mut hook),
                facts_only: false,
                // Sharding serves summary lines only (`summary_in_shard`).
                skip_notes: shard.is_some(),
            },
            &mut self.pkt,
        );
        if declined {
            return Step::Other;
        }
        // Conversations the flow table forgot: their slots may be reused from now on.
        let retired = self.flows.take_retired();
        if !retired.is_empty() {
            self.app.retire(&retired);
        }
        let Some((dir, t)) = facts else {
            return Step::Any;
        };
        let Some(conv) = self.flows.last_conversation() else {
            return Step::Mine;
        };
        let before = self.app.messages.next_index();
        self.app.observe(
            &self.flows,
            conv as u32,
            dir,
            &t,
            i,
            meta.timestamp.ns,
            data,
        );
        if t.proto != 6 {
            // One pass: a response names its request, printed already; neither entry is
            // needed again (a request's forward pointer is known only to `Capture`).
            if let Some(
                pair @ crate::flow::app::UdpPair {
                    latency: Some(_), ..
                },
            ) = self.app.udp_pairs.remove(&i)
            {
                self.app.udp_pairs.remove(&pair.other);
                pair.attach(&mut self.pkt, sentences);
            }
            return Step::Mine;
        }
        let unkept = self.app.take_unkept(i);
        for (at, n) in self.app.take_packet_notes() {
            let text = if at == i {
                n
            } else {
                format!("(about packet {}) {n}", at + 1)
            };
            self.pkt.notes.push(crate::model::Note {
                severity: crate::model::Severity::Warning,
                kind: crate::model::NoteKind::Application,
                protocol: None,
                offset: None,
                text: text.into(),
            });
        }
        let after = self.app.messages.next_index();
        // Most packets end no message.
        if after > before {
            // Streaming keeps messages in full (no packing), so no frame is needed here.
            // Most of those packets end one message: then no list is allocated.
            let (one, many): (Option<Cow<'_, Message>>, Vec<Cow<'_, Message>>);
            let new: &[Cow<'_, Message>] = if after == before + 1 {
                one = self.app.messages.get(before, |_| None);
                one.as_slice()
            } else {
                many = (before..after)
                    .filter_map(|k| self.app.messages.get(k, |_| None))
                    .collect();
                &many
            };
            let c = self.flows.conversations.get(conv);
            app_layers::attach(data, &mut self.pkt, i, new, c, fields, unkept);
            // Printed: forget them (pairs with later messages live in the pending tables).
            self.app.drop_all();
        }
        Step::Mine
    }
}

/// Whose a packet is, for [`Stream::step`].
enum Step {
    Mine,
    Any,
    Other,
}

/// What [`Stream::summary_in_shard`] made of a packet.
#[derive(Debug)]
pub enum Sharded<'s> {
    /// A packet of one of this worker's conversations.
    Mine(&'s Packet),
    /// A packet of no conversation (not TCP or UDP): every worker decodes it.
    Any(&'s Packet),
    /// A packet of another worker's conversation: not decoded.
    Other,
}

impl<'s> Sharded<'s> {
    /// The packet if worker `shard.0` prints packet `index` (its `index`-th, 0-based): its
    /// own, and every `shard.1`-th of those that belong to no conversation.
    pub fn printed_by(self, index: u64, shard: (u32, u32)) -> Option<&'s Packet> {
        match self {
            Sharded::Mine(p) => Some(p),
            Sharded::Any(p) if index % u64::from(shard.1) == u64::from(shard.0) => Some(p),
            Sharded::Any(_) | Sharded::Other => None,
        }
    }
}
