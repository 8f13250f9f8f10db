//! Engine.IO and Socket.IO pairing in the application pass: Engine.IO sessions (a client's
//! polling and WebSocket connections share one), Socket.IO ACKs matched to their events, and
//! binary attachments matched to the packet that announced them.

use crate::flow::app::*;
use crate::protocols::socketio;

impl AppPass {
    /// Engine.IO sessions, Socket.IO ACK pairing and binary attachments for a new message.
    pub(crate) fn socketio_pairing(&mut self, idx: u32, conv: u32, dir: u8) {
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
        // What each Engine.IO packet says, read while the message is borrowed (the pairing
        // below changes the tables the message lives in).
        let read = |k: usize, data: &[u8], binary: bool| -> (usize, Said) {
            if binary {
                return (k, Said::Attachment);
            }
            let said = match socketio::parse_eio(data) {
                Some((0, d)) => Said::Open(
                    serde_json::from_slice::<serde_json::Value>(d)
                        .ok()
                        .and_then(|v| v.get("sid").and_then(|s| s.as_str()).map(str::to_string)),
                ),
                Some((4, d)) => socketio::parse_sio_head(d).map_or(Said::Nothing, Said::Sio),
                _ => Said::Nothing,
            };
            (k, said)
        };
        let items: Vec<(usize, Said)> = match &m.kind {
            Kind::Http(h) => h
                .eio
                .iter()
                .enumerate()
                .map(|(k, e)| {
                    read(
                        k,
                        m.bytes.get(e.offset..e.offset + e.len).unwrap_or(&[]),
                        false,
                    )
                })
                .collect(),
            Kind::Ws(f) => f
                .message
                .iter()
                .flat_map(|wm| {
                    wm.eio.iter().enumerate().map(|(k, e)| {
                        read(
                            k,
                            wm.data.get(e.offset..e.offset + e.len).unwrap_or(&[]),
                            e.binary,
                        )
                    })
                })
                .collect(),
        };
        for (k, said) in items {
            let s = match said {
                Said::Nothing => continue,
                Said::Open(sid) => {
                    if let Some(sid) = sid {
                        self.sessions.insert(conv, sid);
                    }
                    continue;
                }
                Said::Sio(s) => s,
                Said::Attachment => {
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
}

/// What one Engine.IO packet of a message means for the pairing.
enum Said {
    /// A binary attachment (a WebSocket message of its own).
    Attachment,
    /// An Engine.IO open packet, with the session id its JSON gives.
    Open(Option<String>),
    /// A Socket.IO packet (its head: type, namespace, attachments, ack id).
    Sio(socketio::SioPacket),
    /// Anything else.
    Nothing,
}

fn remaining_mut(x: &mut (u32, usize, usize)) -> &mut usize {
    &mut x.2
}
