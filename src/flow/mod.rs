//! Conversations: the one stateful, in-order pass over a capture.
//!
//! Everything that depends on earlier packets happens here, once, at ingest: which TCP or UDP
//! conversation a packet belongs to (numbered like Wireshark's `tcp.stream` / `udp.stream`),
//! who is client and server, the TCP handshake and teardown, relative sequence numbers and the
//! analysis flags. The result is compact per-packet [`FlowFacts`] plus a table of
//! [`Conversation`]s; the decoder renders the facts as fields when a packet is shown.
//!
//! Why a separate pass instead of decoding with state: views decode packets in any order (the
//! list scrolls, replay steps back), so per-packet decoding must be a pure function. State is
//! computed once, in capture order, and looked up.
//!
//! Limits: the table of live conversations is bounded ([`FlowConfig::max_conversations`]);
//! packets of conversations that do not fit are still decoded, get no stream number, and are
//! counted in [`FlowStats::untracked_packets`], which the CLI and GUI show.

pub mod app;
pub mod messages;
pub mod reasm;
pub mod tcp;

mod key;
mod packed;
use key::{key_of, Key};
use packed::{PacketTcp, Rare, Stored};

use crate::model::{Address, FlowFacts, FrameMeta, TransportInfo};

/// Limits of the flow pass.
#[derive(Debug, Clone, Copy)]
pub struct FlowConfig {
    /// Conversations tracked at once (TCP and UDP together).
    pub max_conversations: usize,
    /// Keep per-packet facts for random access (off for one-pass streaming).
    pub keep_packets: bool,
}

impl Default for FlowConfig {
    fn default() -> Self {
        FlowConfig {
            max_conversations: 1_000_000,
            keep_packets: true,
        }
    }
}

/// What the pass had to leave out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlowStats {
    /// Conversations not tracked because the table was full.
    pub untracked_conversations: u64,
    /// Packets of those conversations.
    pub untracked_packets: u64,
    /// One-pass streaming only: conversations forgotten once over (see [`Flows::sweep`]).
    pub retired_conversations: u64,
}

/// One end of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Endpoint {
    pub addr: Address,
    pub port: u16,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.addr {
            Address::Ipv6(_) => write!(f, "[{}]:{}", self.addr, self.port),
            _ => write!(f, "{}:{}", self.addr, self.port),
        }
    }
}

/// Where a TCP connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TcpState {
    /// First packet seen was not a SYN: the capture started mid-connection.
    #[default]
    Midstream,
    /// SYN seen.
    SynSent,
    /// SYN and SYN-ACK seen.
    SynReceived,
    /// Both sides sent a SYN without ACK (simultaneous open).
    SimultaneousOpen,
    /// Three-way handshake complete.
    Established,
    /// One side sent FIN (the other may still send: half-close).
    HalfClosed { by_client: bool },
    /// Both sides sent FIN.
    Closed,
    /// A RST ended it.
    Reset { by_client: bool },
}

impl TcpState {
    pub fn describe(self) -> &'static str {
        match self {
            TcpState::Midstream => "already open when the capture started",
            TcpState::SynSent => "SYN sent, no answer captured",
            TcpState::SynReceived => "SYN and SYN-ACK seen, no final ACK captured",
            TcpState::SimultaneousOpen => "simultaneous open",
            TcpState::Established => "established (still open at the last packet seen)",
            TcpState::HalfClosed { by_client: true } => "half-closed by the client (FIN)",
            TcpState::HalfClosed { by_client: false } => "half-closed by the server (FIN)",
            TcpState::Closed => "closed (FIN both ways)",
            TcpState::Reset { by_client: true } => "reset by the client (RST)",
            TcpState::Reset { by_client: false } => "reset by the server (RST)",
        }
    }
}

/// Wireshark's `tcp.completeness` bits.
pub mod completeness {
    pub const SYN: u8 = 1;
    pub const SYN_ACK: u8 = 2;
    pub const ACK: u8 = 4;
    pub const DATA: u8 = 8;
    pub const FIN: u8 = 16;
    pub const RST: u8 = 32;
}

/// A TCP connection or a UDP exchange between two endpoints.
#[derive(Debug, Clone)]
pub struct Conversation {
    /// `tcp.stream` or `udp.stream` (numbered separately, from 0, in order of first packet).
    pub stream: u32,
    /// 6 TCP, 17 UDP.
    pub proto: u8,
    /// The side that sent the SYN; else the sender of the first packet seen.
    pub client: Endpoint,
    pub server: Endpoint,
    /// Packets, frame bytes and payload bytes per direction (0: client to server).
    pub packets: [u64; 2],
    pub bytes: [u64; 2],
    pub payload: [u64; 2],
    /// Packet numbers (1-based) and times of the first and last packet.
    pub first_packet: u64,
    pub last_packet: u64,
    pub first_ts: i64,
    pub last_ts: i64,
    pub state: TcpState,
    pub completeness: u8,
    /// Packet numbers of the handshake: SYN, SYN-ACK, ACK (u32, like every packet index
    /// kept per conversation: half the size of a u64 for a table that a SYN flood fills).
    pub syn: Option<u32>,
    pub syn_ack: Option<u32>,
    pub handshake_ack: Option<u32>,
    /// SYN to SYN-ACK, SYN-ACK to ACK, SYN to ACK (the initial RTT), in nanoseconds.
    pub syn_ts: Option<i64>,
    pub syn_ack_ts: Option<i64>,
    pub irtt_ns: Option<i64>,
    /// Packet numbers of each side's first FIN, and of the RST.
    pub fin: [Option<u32>; 2],
    pub rst: Option<u32>,
    /// What the per-packet facts need of each direction's sequence state after the pass
    /// (the rest of it lives in [`Flows`] while the pass runs).
    dirs: [DirBases; 2],
}

/// A direction's bases for relative numbers and its window scale.
#[derive(Debug, Clone, Copy, Default)]
struct DirBases {
    base: Option<u32>,
    isn_seen: bool,
    win_scale: Option<u8>,
}

impl DirBases {
    fn of(d: &tcp::DirState) -> Self {
        DirBases {
            base: d.base,
            isn_seen: d.isn_seen,
            win_scale: d.win_scale,
        }
    }
}

impl Conversation {
    pub fn duration_ns(&self) -> i64 {
        self.last_ts - self.first_ts
    }

    pub fn proto_name(&self) -> &'static str {
        if self.proto == 6 {
            "TCP"
        } else {
            "UDP"
        }
    }

    /// Where the conversation is in its life, in words. UDP has no connection, so a UDP
    /// conversation is never "open" or "closed": it is a run of independent datagrams.
    pub fn describe_state(&self) -> &'static str {
        if self.proto == 6 {
            self.state.describe()
        } else {
            "connectionless: no handshake and no teardown, each datagram stands alone"
        }
    }

    /// Initial sequence numbers (client, server), when the SYNs were seen.
    pub fn isn(&self) -> [Option<u32>; 2] {
        [0, 1].map(|d| self.dirs[d].isn_seen.then_some(self.dirs[d].base).flatten())
    }
}

/// Result of the flow pass.
#[derive(Debug, Default)]
pub struct Flows {
    /// Per packet (0-based index): conversation index into `conversations`, or `NONE`.
    conv_of: Vec<u32>,
    /// Per packet: direction and TCP facts, and the rare parts of them by packet index.
    facts: Vec<Stored>,
    rare: foldhash::HashMap<u32, Rare>,
    pub conversations: Vec<Conversation>,
    /// TCP sequence analysis state per conversation and direction, while the pass runs
    /// (128 bytes a conversation; released with [`Flows::shrink`]).
    tcp_state: Vec<[tcp::DirState; 2]>,
    pub stats: FlowStats,
    /// Conversation index by endpoints. Only the index is stored: the key is read back from
    /// the conversation (a SYN flood of a million flows costs ~10 MB here, not ~130 MB).
    live: hashbrown::HashTable<u32>,
    hasher: foldhash::fast::RandomState,
    /// The last key looked up and its conversation: consecutive packets usually share one.
    last_key: Option<(Key, u32)>,
    next_stream: [u32; 2],
    /// Conversation of the packet last observed.
    last: Option<u32>,
    /// Streaming: slots of forgotten conversations, reused by new ones; which slots those
    /// are; the ones freed since [`Flows::take_retired`] was last called.
    free: Vec<u32>,
    is_free: Vec<bool>,
    retired: Vec<u32>,
    config: FlowConfig,
}

const NONE: u32 = u32::MAX;

/// Streaming: how often (in packets) conversations that are over are looked for.
const SWEEP_EVERY: u32 = 65_536;
/// Streaming: a TCP conversation closed or reset this long ago (capture time) is forgotten.
const RETIRE_CLOSED_NS: i64 = 60_000_000_000;
/// Streaming: any conversation idle this long (capture time) is forgotten.
const RETIRE_IDLE_NS: i64 = 600_000_000_000;

impl Flows {
    pub fn new(config: FlowConfig) -> Self {
        Flows {
            config,
            ..Flows::default()
        }
    }

    /// Number of packets seen.
    pub fn len(&self) -> usize {
        self.conv_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.conv_of.is_empty()
    }

    /// Conversation of packet `i` (0-based).
    pub fn conversation_of(&self, i: usize) -> Option<&Conversation> {
        let c = *self.conv_of.get(i)?;
        self.conversations.get(c as usize)
    }

    /// Index into `conversations` of packet `i`'s conversation.
    pub fn conversation_index(&self, i: usize) -> Option<usize> {
        let c = *self.conv_of.get(i)?;
        (c != NONE).then_some(c as usize)
    }

    /// Flow facts of packet `i` (0-based), for the decoder. Completeness and the initial RTT
    /// are the conversation's final values (as tshark's two-pass mode shows them).
    pub fn facts(&self, i: usize) -> Option<FlowFacts> {
        let conv = self.conversation_of(i)?;
        let f = self.facts.get(i)?.unpack(self.rare.get(&(i as u32)));
        Some(Self::to_facts(conv, &f, i as u64 + 1))
    }

    /// Index of the conversation of the packet last observed (one-pass streaming).
    pub fn last_conversation(&self) -> Option<usize> {
        self.last.map(|c| c as usize)
    }

    /// Make the per-packet tables cover `n` packets (packets without TCP/UDP have no facts).
    /// Heap held by the per-packet facts, the conversations and their index (an estimate
    /// from capacities; what a memory cap counts).
    pub fn heap_bytes(&self) -> usize {
        self.conv_of.capacity() * std::mem::size_of::<u32>()
            + self.facts.capacity() * std::mem::size_of::<Stored>()
            + self.rare.capacity() * (std::mem::size_of::<(u32, Rare)>() + 1)
            + self.conversations.capacity() * std::mem::size_of::<Conversation>()
            + self.tcp_state.capacity() * std::mem::size_of::<[tcp::DirState; 2]>()
            + self.live.capacity() * (std::mem::size_of::<u32>() + 1)
    }

    /// One-pass streaming: forget conversations that are over, so that memory follows the
    /// conversations open at once rather than the length of the capture. Forgotten: TCP
    /// conversations closed or reset for `RETIRE_CLOSED_NS` of capture time, any conversation
    /// idle for `RETIRE_IDLE_NS`, and older conversations whose endpoints a new connection
    /// took over. Their slots are reused; the stream numbers keep counting. A packet that
    /// still arrives for a forgotten conversation starts a new stream (where the two-pass
    /// reader would have kept the old one).
    fn sweep(&mut self, now: i64) {
        let convs = &self.conversations;
        let before = self.live.len();
        self.live.retain(|&mut ci| {
            let c = &convs[ci as usize];
            let idle = now.saturating_sub(c.last_ts);
            let over = matches!(c.state, TcpState::Closed | TcpState::Reset { .. });
            !(idle > RETIRE_IDLE_NS || (over && idle > RETIRE_CLOSED_NS))
        });
        self.stats.retired_conversations += (before - self.live.len()) as u64;
        self.last_key = None;
        let mut live = vec![false; convs.len()];
        for &ci in self.live.iter() {
            live[ci as usize] = true;
        }
        self.is_free.resize(convs.len(), false);
        for (ci, &l) in live.iter().enumerate() {
            if !l && !self.is_free[ci] {
                self.is_free[ci] = true;
                self.free.push(ci as u32);
                self.retired.push(ci as u32);
            }
        }
    }

    /// Streaming: the conversation slots freed since the last call (the application pass
    /// forgets their state, since the slots will be reused).
    pub fn take_retired(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.retired)
    }

    /// Give back the room the tables grew into, and the pass's own state (a file's pass is
    /// over: nothing more comes).
    pub fn shrink(&mut self) {
        self.tcp_state = Vec::new();
        self.conv_of.shrink_to_fit();
        self.facts.shrink_to_fit();
        self.rare.shrink_to_fit();
        self.conversations.shrink_to_fit();
        let (convs, hasher) = (&self.conversations, &self.hasher);
        self.live.shrink_to_fit(|&c| {
            convs
                .get(c as usize)
                .map_or(0, |c| std::hash::BuildHasher::hash_one(hasher, key_of(c)))
        });
    }

    pub fn finish(&mut self, n: usize) {
        if self.config.keep_packets {
            self.conv_of.resize(n.max(self.conv_of.len()), NONE);
            self.facts
                .resize(n.max(self.facts.len()), Stored::default());
        }
    }

    fn record(&mut self, number: u64, ci: u32, fact: PacketTcp) {
        if !self.config.keep_packets {
            return;
        }
        let i = (number as usize).saturating_sub(1);
        if self.conv_of.len() <= i {
            self.conv_of.resize(i + 1, NONE);
            self.facts.resize(i + 1, Stored::default());
        }
        self.conv_of[i] = ci;
        let (stored, rare) = Stored::pack(&fact);
        self.facts[i] = stored;
        if let Some(r) = rare {
            self.rare.insert(i as u32, r);
        }
    }

    /// Streaming: called before every packet with its index in the capture. Every
    /// `SWEEP_EVERY` packets, conversations that are over are forgotten (see `sweep`).
    /// Counting all packets, not just observed ones, puts the sweeps at the same places in
    /// every worker of a sharded reader, so each conversation is retired at the same moment
    /// as in a single reader.
    pub fn tick(&mut self, index: u64, now: i64) {
        if !self.config.keep_packets && index > 0 && index % u64::from(SWEEP_EVERY) == 0 {
            self.sweep(now);
        }
    }

    /// Observe a TCP/UDP packet (in capture order) and return its flow facts. This is the
    /// decoder's flow hook: called with the addresses and transport header as soon as they
    /// are read.
    pub fn observe(
        &mut self,
        meta: &FrameMeta,
        src_addr: Address,
        dst_addr: Address,
        t: &TransportInfo,
    ) -> Option<FlowFacts> {
        let src = Endpoint {
            addr: src_addr,
            port: t.src_port,
        };
        let dst = Endpoint {
            addr: dst_addr,
            port: t.dst_port,
        };
        let (a, b) = if src <= dst { (src, dst) } else { (dst, src) };
        let key = Key {
            proto: t.proto,
            a,
            b,
        };
        let mut reused = false;
        // Hashed only when the last conversation is not this one again (the usual case).
        let hash = || std::hash::BuildHasher::hash_one(&self.hasher, key);
        let existing = match self.last_key {
            Some((k, ci)) if k == key => Some(ci),
            _ => {
                let hash = hash();
                let convs = &self.conversations;
                self.live
                    .find(hash, |&ci| key_of(&convs[ci as usize]) == key)
                    .copied()
            }
        };
        let ci = match existing {
            Some(ci) if !(t.proto == 6 && self.starts_new_connection(ci as usize, t)) => ci,
            other => {
                reused = other.is_some();
                if self.live.len() >= self.config.max_conversations && other.is_none() {
                    self.stats.untracked_packets += 1;
                    if t.syn() || t.proto == 17 {
                        self.stats.untracked_conversations += 1;
                    }
                    return None;
                }
                let pi = usize::from(t.proto == 17);
                let stream = self.next_stream[pi];
                self.next_stream[pi] += 1;
                // The client is whoever sent the SYN; a SYN-ACK first means the other side.
                let (client, server) = if t.proto == 6 && t.syn() && t.ack_flag() {
                    (dst, src)
                } else {
                    (src, dst)
                };
                let fresh = Conversation {
                    stream,
                    proto: t.proto,
                    client,
                    server,
                    packets: [0; 2],
                    bytes: [0; 2],
                    payload: [0; 2],
                    first_packet: meta.number,
                    last_packet: meta.number,
                    first_ts: meta.timestamp.ns,
                    last_ts: meta.timestamp.ns,
                    state: TcpState::Midstream,
                    completeness: 0,
                    syn: None,
                    syn_ack: None,
                    handshake_ack: None,
                    syn_ts: None,
                    syn_ack_ts: None,
                    irtt_ns: None,
                    fin: [None; 2],
                    rst: None,
                    dirs: Default::default(),
                };
                let ci = match self.free.pop() {
                    Some(ci) => {
                        self.is_free[ci as usize] = false;
                        self.conversations[ci as usize] = fresh;
                        if let Some(st) = self.tcp_state.get_mut(ci as usize) {
                            *st = Default::default();
                        }
                        ci
                    }
                    None => {
                        self.conversations.push(fresh);
                        self.conversations.len() as u32 - 1
                    }
                };
                let hash = hash();
                let Flows {
                    live,
                    conversations,
                    hasher,
                    ..
                } = self;
                let convs = &*conversations;
                match live.find_mut(hash, |&c| key_of(&convs[c as usize]) == key) {
                    // A new connection on the same endpoints: it takes the key over.
                    Some(slot) => *slot = ci,
                    None => {
                        live.insert_unique(hash, ci, |&c| {
                            std::hash::BuildHasher::hash_one(&*hasher, key_of(&convs[c as usize]))
                        });
                    }
                }
                ci
            }
        };
        self.last_key = Some((key, ci));
        let conv = &mut self.conversations[ci as usize];
        let dir = u8::from(src != conv.client);
        let d = usize::from(dir);
        conv.packets[d] += 1;
        conv.bytes[d] += u64::from(meta.wirelen);
        conv.payload[d] += u64::from(t.payload_len);
        conv.last_packet = meta.number;
        conv.last_ts = meta.timestamp.ns;
        let mut seg = tcp::SegInfo::default();
        if t.proto == 6 {
            track_state(conv, t, dir, meta.number, meta.timestamp.ns);
            let i = ci as usize;
            if self.tcp_state.len() <= i {
                self.tcp_state.resize_with(i + 1, Default::default);
            }
            let state = &mut self.tcp_state[i];
            let [c, s] = state;
            let (fwd, rev) = if dir == 0 { (c, s) } else { (s, c) };
            seg = tcp::analyze(t, meta.number, meta.timestamp.ns, fwd, rev, conv.irtt_ns);
            conv.dirs = [DirBases::of(&state[0]), DirBases::of(&state[1])];
            if reused && t.syn() && !t.ack_flag() {
                seg.flags |= tcp::flag::REUSED_PORTS;
            }
        }
        self.last = Some(ci);
        let fact = PacketTcp::new(dir, &seg);
        let mut facts = Self::to_facts(conv, &fact, meta.number);
        // While streaming, the bases as they were for this packet.
        facts.seq_base = seg.seq_base;
        facts.ack_base = seg.ack_base;
        facts.seq_base_is_isn = seg.seq_base_is_isn;
        facts.ack_base_is_isn = seg.ack_base_is_isn;
        self.record(meta.number, ci, fact);
        Some(facts)
    }

    fn to_facts(conv: &Conversation, f: &PacketTcp, number: u64) -> FlowFacts {
        let (fwd, rev) = (
            &conv.dirs[usize::from(f.dir)],
            &conv.dirs[1 - usize::from(f.dir)],
        );
        FlowFacts {
            stream: conv.stream,
            dir: f.dir,
            rel_seq: f.rel_seq,
            rel_ack: f.rel_ack,
            nxtseq: f.nxtseq,
            analysis: f.flags,
            dup_ack_num: u32::from(f.dup_ack_num),
            completeness: conv.completeness,
            completes_handshake: conv.proto == 6
                && conv.handshake_ack.is_some_and(|n| u64::from(n) == number),
            irtt_ns: conv.irtt_ns,
            seq_base: fwd.base.unwrap_or(0),
            ack_base: rev.base.unwrap_or(0),
            seq_base_is_isn: fwd.isn_seen,
            ack_base_is_isn: rev.isn_seen,
            dup_ack_of: u64::from(f.dup_ack_of),
            win_scale: {
                let (fwd, rev) = (
                    &conv.dirs[usize::from(f.dir)],
                    &conv.dirs[1 - usize::from(f.dir)],
                );
                match (fwd.win_scale, rev.win_scale) {
                    (Some(s), Some(_)) => Some(s),
                    _ => None,
                }
            },
        }
    }

    /// A SYN for a conversation that is over (or had another ISN) starts a new one, as
    /// Wireshark does when ports are reused.
    fn starts_new_connection(&self, ci: usize, t: &TransportInfo) -> bool {
        if !t.syn() || t.ack_flag() {
            return false;
        }
        let c = &self.conversations[ci];
        let over = matches!(c.state, TcpState::Closed | TcpState::Reset { .. });
        let other_isn = c.dirs.iter().any(|d| d.isn_seen && d.base != Some(t.seq))
            && c.payload.iter().any(|&b| b > 0);
        over || other_isn
    }
}

fn track_state(conv: &mut Conversation, t: &TransportInfo, dir: u8, number: u64, ts: i64) {
    use completeness as c;
    let before = conv.completeness;
    track_state_inner(conv, t, dir, number, ts);
    // Like Wireshark, completeness describes connections whose opening was seen.
    if before & (c::SYN | c::SYN_ACK) == 0 && !t.syn() {
        conv.completeness = before;
    }
    if t.ack_flag() && !t.syn() && conv.completeness & (c::SYN | c::SYN_ACK) != 0 {
        conv.completeness |= c::ACK;
    }
}

fn track_state_inner(conv: &mut Conversation, t: &TransportInfo, dir: u8, number: u64, ts: i64) {
    use completeness as c;
    let number = u32::try_from(number).unwrap_or(u32::MAX);
    let from_client = dir == 0;
    if t.syn() && !t.ack_flag() {
        conv.completeness |= c::SYN;
        if conv.syn.is_none() {
            conv.syn = Some(number);
            conv.syn_ts = Some(ts);
        }
        conv.state = match conv.state {
            TcpState::SynSent if !from_client => TcpState::SimultaneousOpen,
            TcpState::Midstream | TcpState::SynSent => TcpState::SynSent,
            s => s,
        };
    } else if t.syn() && t.ack_flag() {
        conv.completeness |= c::SYN_ACK;
        if conv.syn_ack.is_none() {
            conv.syn_ack = Some(number);
            conv.syn_ack_ts = Some(ts);
        }
        if matches!(
            conv.state,
            TcpState::SynSent | TcpState::Midstream | TcpState::SimultaneousOpen
        ) {
            conv.state = TcpState::SynReceived;
        }
    } else if t.ack_flag() && conv.state == TcpState::SynReceived && from_client {
        conv.completeness |= c::ACK;
        conv.handshake_ack = Some(number);
        conv.state = TcpState::Established;
        if let Some(s) = conv.syn_ts {
            conv.irtt_ns = Some(ts - s);
        }
    }
    if t.payload_len > 0 {
        conv.completeness |= c::DATA;
        if conv.state == TcpState::SynReceived && from_client {
            conv.state = TcpState::Established;
        }
    }
    if t.fin() {
        conv.completeness |= c::FIN;
        let d = usize::from(dir);
        if conv.fin[d].is_none() {
            conv.fin[d] = Some(number);
        }
        conv.state = if conv.fin[0].is_some() && conv.fin[1].is_some() {
            TcpState::Closed
        } else {
            TcpState::HalfClosed {
                by_client: from_client,
            }
        };
    }
    if t.rst() {
        conv.completeness |= c::RST;
        conv.rst.get_or_insert(number);
        conv.state = TcpState::Reset {
            by_client: from_client,
        };
    }
}
