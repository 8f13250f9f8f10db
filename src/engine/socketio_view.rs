//! Socket.IO semantics a class can see: which client is which, whom each server emit went
//! to, which events got no answer, which ACK answers which event.
//!
//! Why an inference, and how: the wire carries none of this. `io.emit`, `socket.broadcast.emit`,
//! `io.to(room).emit` and `socket.emit` all put one ordinary EVENT packet on each recipient's
//! connection; rooms exist only in the server's memory. What the capture does show is *how
//! many copies* of the same event (namespace, name, arguments) left the server within a few
//! milliseconds, to which clients, and which clients were connected to that namespace then.
//! Comparing the two gives the audience:
//!
//! | copies                                  | audience               | server code            |
//! |-----------------------------------------|------------------------|------------------------|
//! | every connected client                  | to all                 | `io.emit`              |
//! | all but the client whose same event it relays | to all but the sender | `socket.broadcast.emit` |
//! | one, with others connected              | to one socket          | `socket.emit`, `io.to(id)` |
//! | some, not all                           | to a room              | `io.to(room).emit`     |
//!
//! A client event that gets no ACK and no event of the same name back is marked as having
//! got no reply: that is what an *unhandled* event looks like (Socket.IO drops an event no
//! handler listens for), though a handler that works silently looks the same, and the text
//! says so. Clients are numbered in the order their Engine.IO session first appears
//! ("client 1, 2, 3"), the session id (sid) kept for the tooltip.
//!
//! Computed once per capture on demand ([`super::Capture::socketio`]) and bounded: past
//! [`MAX_PACKETS`] Socket.IO packets the rest is not analysed, and that is reported.

use super::Capture;
use crate::flow::app::{EioItem, Kind, Message};
use crate::protocols::socketio::{parse_eio, parse_sio};
use crate::protocols::websocket::unmask;
use foldhash::HashMap;
use std::borrow::Cow;

/// At most this many Socket.IO packets are analysed (about 36 bytes each).
pub const MAX_PACKETS: usize = 500_000;

/// Copies of one emit leave the server within this time of each other (ns).
const GROUP_WINDOW_NS: i64 = 50_000_000;

/// How long after a client event a reply (same-named event) may come (ns).
const REPLY_WINDOW_NS: i64 = 2_000_000_000;

/// Whom a server emit went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Every client connected to the namespace (`io.emit`), `n` of them.
    All { n: u32 },
    /// Every connected client but the one whose event it relays (`socket.broadcast.emit`).
    AllButSender { k: u32, n: u32 },
    /// One socket while others were connected (`socket.emit`, `io.to(socketId).emit`).
    OneSocket { n: u32 },
    /// Some of the connected clients, not all (`io.to(room).emit`): `k` of `n`.
    Room { k: u32, n: u32 },
    /// The only client connected then: to all and to one are the same here.
    OnlyClient,
}

impl Audience {
    /// Short label for diagrams ("to all (3)").
    pub fn label(self) -> String {
        match self {
            Audience::All { n } => format!("to all ({n})"),
            Audience::AllButSender { .. } => "to all but the sender".into(),
            Audience::OneSocket { .. } => "to one socket".into(),
            Audience::Room { k, n } => format!("to a room ({k} of {n})"),
            Audience::OnlyClient => "to its only client".into(),
        }
    }

    /// What it means and how it was inferred (tooltips, sentences).
    pub fn explain(self) -> String {
        match self {
            Audience::All { n } => format!(
                "A copy went to each of the {n} clients connected to this namespace, including any client whose event triggered it: what io.emit does (inferred from the copies on the wire)."
            ),
            Audience::AllButSender { k, .. } => format!(
                "Sent to every connected client except the one whose event it relays ({}): what socket.broadcast.emit does.",
                crate::model::count_irregular(k, "copy", "copies")
            ),
            Audience::OneSocket { n } => format!(
                "Sent to one socket while {n} clients were connected: socket.emit (back to that client), io.to(socketId).emit (a private message) or a room with one member; the wire cannot tell which."
            ),
            Audience::Room { k, n } => format!(
                "Sent to {k} of the {n} connected clients: most likely an emit to a room (io.to(room).emit). Rooms exist only on the server: on the wire it is one ordinary copy per member."
            ),
            Audience::OnlyClient => "Sent while this was the only client the capture shows connected: to all and to one look the same here.".into(),
        }
    }
}

/// One Socket.IO packet of the capture.
#[derive(Debug, Clone, Copy)]
pub struct SioPacketRef {
    pub ts: i64,
    /// Packet index (0-based).
    pub packet: u32,
    /// Client number (0-based; shown as "client 1").
    pub client: u32,
    /// Hashes of (namespace, event name), of (namespace, event name, arguments) and of the
    /// namespace: enough to group copies of one emit (compared only within milliseconds).
    name: u32,
    key: u32,
    namespace: u32,
    /// The ack id, or `NO_ACK`.
    ack: u32,
    /// 0 client to server, 1 server to client.
    pub dir: u8,
    pub typ: u8,
}

const NO_ACK: u32 = u32::MAX;
const NONE: u32 = u32::MAX;

impl SioPacketRef {
    /// The ack id an EVENT asks for, or an ACK answers.
    pub fn ack_id(&self) -> Option<u32> {
        (self.ack != NO_ACK).then_some(self.ack)
    }
}

/// One client: an Engine.IO session (or a connection where no session id was seen).
#[derive(Debug, Clone)]
pub struct Client {
    /// Engine.IO session id, when seen.
    pub sid: Option<String>,
    /// Socket.IO socket ids the server gave it, by namespace.
    pub sockets: Vec<(String, String)>,
    /// Its conversations (indices into the flow pass's table).
    pub convs: Vec<u32>,
    /// First packet (0-based) it appears in.
    pub first_packet: u32,
}

/// What the analysis found.
#[derive(Debug, Default)]
pub struct SocketIoView {
    pub clients: Vec<Client>,
    pub packets: Vec<SioPacketRef>,
    /// Client of each conversation that carried Engine.IO.
    client_of: HashMap<u32, u32>,
    /// By index into `packets`: the emit group a server event belongs to, or `NONE`.
    group_of: Vec<u32>,
    /// Emit groups: the audience and where its copies are in `members` (start, count).
    groups: Vec<(Audience, u32, u32)>,
    /// The copies of every group, group after group (indices into `packets`).
    members: Vec<u32>,
    /// Indices into `packets` of client events nothing answered (sorted).
    unanswered: Vec<u32>,
    /// (event, ack) index pairs into `packets`.
    pub ack_pairs: Vec<(u32, u32)>,
    /// Each half of a pair to the other.
    partner: HashMap<u32, u32>,
    /// Socket.IO packets beyond [`MAX_PACKETS`], not analysed.
    pub skipped: u64,
}

fn hash(parts: &[&[u8]]) -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = foldhash::fast::FixedState::with_seed(0x0510_c4e7).build_hasher();
    for p in parts {
        h.write(p);
        h.write_u8(0xff);
    }
    let x = h.finish();
    (x ^ (x >> 32)) as u32
}

/// The Engine.IO packets a message carries, with their bytes (read the way the packet view
/// reads them: from the frame when the message was packed).
pub(super) fn eio_items<'a>(m: &'a Message, frame: &'a [u8]) -> Vec<(&'a EioItem, Cow<'a, [u8]>)> {
    let bytes = m.wire_bytes(frame);
    match &m.kind {
        Kind::Http(h) => h
            .eio
            .iter()
            .map(|e| {
                let d = bytes.get(e.offset..e.offset + e.len).unwrap_or(&[]);
                (e, Cow::Borrowed(d))
            })
            .collect(),
        Kind::Ws(f) => {
            let Some(wm) = &f.message else {
                return Vec::new();
            };
            let data: Cow<'a, [u8]> = if m.in_frame && wm.frames.len() == 1 && !wm.compressed {
                let wire = bytes.get(f.header.header_len..).unwrap_or(&[]);
                match f.header.mask {
                    Some(k) => Cow::Owned(unmask(wire, k, 0)),
                    None => Cow::Borrowed(wire),
                }
            } else {
                Cow::Borrowed(&wm.data[..])
            };
            wm.eio
                .iter()
                .map(|e| {
                    let d: Cow<'a, [u8]> = match &data {
                        Cow::Borrowed(b) => {
                            Cow::Borrowed(b.get(e.offset..e.offset + e.len).unwrap_or(&[]))
                        }
                        Cow::Owned(v) => {
                            Cow::Owned(v.get(e.offset..e.offset + e.len).unwrap_or(&[]).to_vec())
                        }
                    };
                    (e, d)
                })
                .collect()
        }
    }
}

impl SocketIoView {
    /// Analyse the Socket.IO packets of `cap`.
    pub fn build(cap: &Capture) -> Self {
        let mut v = SocketIoView::default();
        let mut client_of_key: HashMap<String, u32> = HashMap::default();
        // Namespaces' hashes → their text (for the sockets list).
        let mut connected: HashMap<u32, Vec<u32>> = HashMap::default();
        // Per packet ref: clients connected to its namespace when it was sent.
        let mut connected_then: Vec<u32> = Vec::new();
        let recs = cap.app.messages.records();
        let base = cap.app.messages.base();
        for (k, r) in recs.iter().enumerate() {
            if !r.has_eio() {
                continue;
            }
            let idx = base + k as u32;
            let Some(m) = cap.message(idx) else { continue };
            let frame = cap.store.data(m.packet as usize).unwrap_or(&[]);
            let conv = m.conv;
            let key = cap
                .app
                .session_of(conv)
                .map_or_else(|| format!("conn {conv}"), str::to_string);
            let next = v.clients.len() as u32;
            let client = *client_of_key.entry(key.clone()).or_insert(next);
            if client == next {
                v.clients.push(Client {
                    sid: (!key.starts_with("conn ")).then_some(key),
                    sockets: Vec::new(),
                    convs: Vec::new(),
                    first_packet: m.packet,
                });
            }
            if v.client_of.insert(conv, client).is_none() {
                v.clients[client as usize].convs.push(conv);
            }
            for (e, data) in eio_items(&m, frame) {
                if e.binary {
                    continue;
                }
                let Some((4, sio)) = parse_eio(&data) else {
                    continue;
                };
                let Some(s) = parse_sio(sio) else { continue };
                if v.packets.len() >= MAX_PACKETS {
                    v.skipped += 1;
                    continue;
                }
                let ns = hash(&[s.namespace.as_bytes()]);
                let event = s.event().unwrap_or("");
                let args = s.args_text().unwrap_or_default();
                let pr = SioPacketRef {
                    ts: m.ts,
                    packet: m.packet,
                    client,
                    name: hash(&[s.namespace.as_bytes(), event.as_bytes()]),
                    key: hash(&[s.namespace.as_bytes(), event.as_bytes(), args.as_bytes()]),
                    namespace: ns,
                    ack: s
                        .ack_id
                        .as_ref()
                        .and_then(|a| u32::try_from(a.0).ok())
                        .filter(|&a| a != NO_ACK)
                        .unwrap_or(NO_ACK),
                    dir: m.dir,
                    typ: s.typ,
                };
                let set = connected.entry(ns).or_default();
                match (s.typ, m.dir) {
                    // The server accepts a namespace connection and names the socket.
                    (0, 1) => {
                        if !set.contains(&client) {
                            set.push(client);
                        }
                        if let Some(sid) = s
                            .json
                            .as_ref()
                            .and_then(|(j, _)| j.get("sid"))
                            .and_then(|x| x.as_str())
                        {
                            v.clients[client as usize]
                                .sockets
                                .push((s.namespace.clone(), sid.to_string()));
                        }
                    }
                    (1, _) => set.retain(|&x| x != client),
                    _ => {}
                }
                // An event's recipient counts as connected even if its CONNECT was not
                // captured.
                if m.dir == 1 && matches!(s.typ, 2 | 5) && !set.contains(&client) {
                    set.push(client);
                }
                connected_then.push(set.len() as u32);
                v.packets.push(pr);
            }
        }
        v.pair_acks();
        v.group_emits(&connected_then);
        v.find_unanswered();
        v
    }

    fn pair_acks(&mut self) {
        // (client, namespace, id, direction of the event) → event index.
        let mut waiting: HashMap<(u32, u32, u32, u8), u32> = HashMap::default();
        for (i, p) in self.packets.iter().enumerate() {
            match (p.typ, p.ack_id()) {
                (2 | 5, Some(id)) => {
                    waiting.insert((p.client, p.namespace, id, p.dir), i as u32);
                }
                (3 | 6, Some(id)) => {
                    if let Some(e) = waiting.remove(&(p.client, p.namespace, id, 1 - p.dir.min(1)))
                    {
                        self.ack_pairs.push((e, i as u32));
                        self.partner.insert(e, i as u32);
                        self.partner.insert(i as u32, e);
                    }
                }
                _ => {}
            }
        }
    }

    fn group_emits(&mut self, connected_then: &[u32]) {
        let mut k = 0;
        let n = self.packets.len();
        let mut done = vec![false; n];
        self.group_of = vec![NONE; n];
        while k < n {
            let p = self.packets[k];
            if done[k] || p.dir != 1 || !matches!(p.typ, 2 | 5) {
                k += 1;
                continue;
            }
            // The copies of this emit: same namespace, name and arguments, to other clients,
            // within the window.
            let mut group = vec![k as u32];
            let mut clients = vec![p.client];
            for (j, (q, &used)) in self.packets.iter().zip(&done).enumerate().skip(k + 1) {
                if q.ts - p.ts > GROUP_WINDOW_NS {
                    break;
                }
                if !used
                    && q.dir == 1
                    && q.key == p.key
                    && matches!(q.typ, 2 | 5)
                    && !clients.contains(&q.client)
                {
                    group.push(j as u32);
                    clients.push(q.client);
                }
            }
            let copies = group.len() as u32;
            let connected = group
                .iter()
                .map(|&g| connected_then[g as usize])
                .max()
                .unwrap_or(0)
                .max(copies);
            // A client event of the same name just before, whose sender got no copy: relayed
            // to everyone else.
            let relay_from = self.packets[..k]
                .iter()
                .rev()
                .take_while(|q| p.ts - q.ts <= REPLY_WINDOW_NS)
                .find(|q| q.dir == 0 && matches!(q.typ, 2 | 5) && q.name == p.name)
                .map(|q| q.client);
            let audience = if connected <= 1 {
                Audience::OnlyClient
            } else if copies == connected {
                Audience::All { n: connected }
            } else if copies + 1 == connected && relay_from.is_some_and(|c| !clients.contains(&c)) {
                Audience::AllButSender {
                    k: copies,
                    n: connected,
                }
            } else if copies == 1 {
                Audience::OneSocket { n: connected }
            } else {
                Audience::Room {
                    k: copies,
                    n: connected,
                }
            };
            let gi = self.groups.len() as u32;
            for &g in &group {
                done[g as usize] = true;
                self.group_of[g as usize] = gi;
            }
            self.groups
                .push((audience, self.members.len() as u32, group.len() as u32));
            self.members.extend_from_slice(&group);
            k += 1;
        }
    }

    fn find_unanswered(&mut self) {
        for (i, p) in self.packets.iter().enumerate() {
            if p.dir != 0 || !matches!(p.typ, 2 | 5) || self.partner.contains_key(&(i as u32)) {
                continue;
            }
            let answered = self.packets[i + 1..]
                .iter()
                .take_while(|q| q.ts - p.ts <= REPLY_WINDOW_NS)
                .any(|q| q.dir == 1 && matches!(q.typ, 2 | 5) && q.name == p.name);
            if !answered {
                self.unanswered.push(i as u32);
            }
        }
    }

    /// The Socket.IO packets in packet `i` (indices into `packets`).
    pub fn in_packet(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let i = i as u32;
        let start = self.packets.partition_point(|p| p.packet < i);
        (start..self.packets.len()).take_while(move |&k| self.packets[k].packet == i)
    }

    /// The audience of server emit `k` (index into `packets`), and the first copy's index.
    pub fn audience(&self, k: usize) -> Option<(Audience, usize)> {
        let &(a, start, _) = self.groups.get(*self.group_of.get(k)? as usize)?;
        Some((a, *self.members.get(start as usize)? as usize))
    }

    /// Whether client event `k` got no ACK and no same-named event back.
    pub fn unanswered(&self, k: usize) -> bool {
        self.unanswered.binary_search(&(k as u32)).is_ok()
    }

    /// The other half of an event/ACK pair.
    pub fn ack_partner(&self, k: usize) -> Option<usize> {
        self.partner.get(&(k as u32)).map(|&o| o as usize)
    }

    /// "client 2", the name a class reads.
    pub fn client_name(&self, c: u32) -> String {
        format!("client {}", c + 1)
    }

    /// The client a conversation belongs to.
    pub fn client_of_conv(&self, conv: u32) -> Option<u32> {
        self.client_of.get(&conv).copied()
    }

    /// Copies of the emit group that packet ref `k` belongs to (recipient clients).
    pub fn group_clients(&self, k: usize) -> Vec<u32> {
        let Some(&(_, start, len)) = self
            .group_of
            .get(k)
            .and_then(|&g| self.groups.get(g as usize))
        else {
            return Vec::new();
        };
        self.members[start as usize..(start + len) as usize]
            .iter()
            .map(|&c| self.packets[c as usize].client)
            .collect()
    }

    /// "client 3" or "clients 1, 2 and 3".
    pub fn names(&self, clients: &[u32]) -> String {
        let mut c = clients.to_vec();
        c.sort_unstable();
        c.dedup();
        let nums: Vec<String> = c.iter().map(|x| (x + 1).to_string()).collect();
        match nums.as_slice() {
            [] => "no client".into(),
            [one] => format!("client {one}"),
            [rest @ .., last] => format!("clients {} and {last}", rest.join(", ")),
        }
    }

    /// A sentence to add to packet `i`'s plain-words explanation (empty if none).
    pub fn sentence(&self, i: usize) -> String {
        let mut s = String::new();
        for k in self.in_packet(i) {
            let p = self.packets[k];
            let to = self.client_name(p.client);
            if let Some((a, _)) = self.audience(k) {
                let all = self.names(&self.group_clients(k));
                s.push(' ');
                s.push_str(&match a {
                    Audience::All { n } => format!(
                        "This copy goes to {to}; the same event goes to all {n} connected clients ({all}), including any client whose event triggered it: what io.emit does, one copy on each client's connection."
                    ),
                    Audience::AllButSender { n, .. } => format!(
                        "This copy goes to {to}; the same event goes to {all}: every one of the {n} connected clients except the one that sent it: what socket.broadcast.emit does."
                    ),
                    Audience::OneSocket { n } => format!(
                        "It goes to {to} only, while {n} clients are connected: a private emit (socket.emit to that client, or io.to(its socket id).emit), or a room with one member."
                    ),
                    Audience::Room { k, n } => format!(
                        "This copy goes to {to}; the same event goes to {all}, {k} of the {n} connected clients: most likely an emit to a room (io.to(room).emit). Rooms exist only on the server; on the wire each member simply gets its own copy."
                    ),
                    Audience::OnlyClient => format!(
                        "It goes to {to}, the only client the capture shows connected to this namespace at that moment."
                    ),
                });
            } else if self.unanswered(k) {
                s.push_str(" Nothing comes back for this event within 2 s: no acknowledgement and no event of the same name. That is what an unhandled event looks like: Socket.IO ignores an event no handler listens for (a handler that answers nothing looks the same on the wire).");
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(file: &str) -> (Capture, SocketIoView) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let cap = Capture::open(&path, |_, _| {}).expect("capture");
        let v = SocketIoView::build(&cap);
        (cap, v)
    }

    fn at(v: &SocketIoView, number: usize) -> usize {
        v.in_packet(number - 1).next().expect("a Socket.IO packet")
    }

    #[test]
    fn the_bundled_chat_shows_every_kind_of_emit() {
        let (_cap, v) = view("assets/socketio-chat.pcap");
        assert_eq!(v.clients.len(), 3, "three clients");
        // #148/150/152: "chat message" to all three.
        assert_eq!(
            v.audience(at(&v, 148)).map(|a| a.0),
            Some(Audience::All { n: 3 })
        );
        assert_eq!(
            v.audience(at(&v, 152)).map(|a| a.0),
            Some(Audience::All { n: 3 })
        );
        // #163: the whisper, to one socket.
        assert_eq!(
            v.audience(at(&v, 163)).map(|a| a.0),
            Some(Audience::OneSocket { n: 3 })
        );
        // #165/167: room news to two of three.
        assert_eq!(
            v.audience(at(&v, 165)).map(|a| a.0),
            Some(Audience::Room { k: 2, n: 3 })
        );
        // #157: nobody handles it.
        assert!(v.unanswered(at(&v, 157)));
        assert!(!v.unanswered(at(&v, 155)), "the whisper is relayed");
        assert!(!v.unanswered(at(&v, 146)), "acked and broadcast");
        // Acks as pairs: #146 ↔ #153, #159 ↔ #164, #173 ↔ #174.
        for (e, a) in [(146, 153), (159, 164), (173, 174)] {
            assert_eq!(v.ack_partner(at(&v, e)), Some(at(&v, a)), "{e} ↔ {a}");
        }
        // Clients in order of connection; sids kept.
        assert!(v.clients[0].sid.is_some());
        assert!(v.clients.iter().all(|c| !c.sockets.is_empty()));
    }
}
