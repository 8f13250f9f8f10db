//! The phases of a conversation, as a ladder diagram labels them and as "step by phase"
//! jumps between them: opening (the TCP handshake), upgrade (HTTP Upgrade and 101, the
//! Engine.IO probe and upgrade), messages, closing (FIN, RST, the WebSocket close handshake).
//!
//! Why from the messages and not the Info text: an ordinary HTTP request (an Engine.IO
//! long-polling GET, say) is *not* an upgrade, and only the parsed head says whether it asks
//! for one (`Upgrade: websocket`) or answers one (`101`).

use super::socketio_view::eio_items;
use super::Capture;
use crate::flow::app::Kind;
use crate::model::Packet;
use crate::protocols::socketio::parse_eio;

/// A phase of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Opening,
    Upgrade,
    Messages,
    Closing,
}

impl Phase {
    pub fn label(self) -> &'static str {
        match self {
            Phase::Opening => "opening",
            Phase::Upgrade => "upgrade",
            Phase::Messages => "messages",
            Phase::Closing => "closing",
        }
    }

    /// What happens in it (tooltips, the "step by phase" banner).
    pub fn explain(self) -> &'static str {
        match self {
            Phase::Opening => "The TCP three-way handshake: SYN, SYN-ACK, ACK.",
            Phase::Upgrade => "The connection changes protocol: an HTTP request with Upgrade: websocket and its 101 Switching Protocols answer; then Engine.IO tests the new WebSocket (2probe, 3probe) and moves its session onto it (5).",
            Phase::Messages => "Application messages: HTTP requests and responses, WebSocket messages, Socket.IO events.",
            Phase::Closing => "The connection ends: on a WebSocket, first the close handshake (a Close frame each way); then a TCP FIN from each side, or a RST.",
        }
    }
}

impl Capture {
    /// Whether packet `i` completes a message that upgrades its connection: an HTTP request
    /// with `Upgrade: websocket`, a `101 Switching Protocols`, or an Engine.IO probe or
    /// upgrade packet.
    pub fn is_upgrade(&self, i: usize) -> bool {
        let frame = self.store.data(i).unwrap_or(&[]);
        self.messages_at(i).iter().any(|m| match &m.kind {
            Kind::Http(h) => {
                (h.head.request && h.head.upgrade_websocket)
                    || (!h.head.request && h.head.code == 101)
            }
            Kind::Ws(_) => eio_items(m, frame).iter().any(|(e, d)| {
                !e.binary && matches!(parse_eio(d), Some((2 | 3, b"probe")) | Some((5, _)))
            }),
        })
    }

    /// Whether packet `i` completes a WebSocket close frame.
    fn is_ws_close(&self, i: usize) -> bool {
        self.messages_at(i)
            .iter()
            .any(|m| matches!(&m.kind, Kind::Ws(f) if f.header.opcode == 8))
    }

    /// The phase packet `i` (decoded as `p`, a list row is enough) belongs to, given the
    /// phase of the packet before it in the same conversation (`None` at its start). Bare
    /// acknowledgements and segments of a message completed later continue the phase.
    pub fn phase_of(&self, i: usize, p: &Packet, current: Option<Phase>) -> Phase {
        let t = p.transport;
        if t.is_some_and(|t| t.proto == 6 && t.syn()) {
            return Phase::Opening;
        }
        if t.is_some_and(|t| t.proto == 6 && (t.fin() || t.rst())) || self.is_ws_close(i) {
            return Phase::Closing;
        }
        if current == Some(Phase::Closing) {
            return Phase::Closing;
        }
        let bare = t.is_some_and(|t| t.proto == 6 && t.payload_len == 0);
        if bare || (self.messages_at(i).is_empty() && !self.reassembled_in(i).is_empty()) {
            return current.unwrap_or(Phase::Messages);
        }
        if self.is_upgrade(i) {
            return Phase::Upgrade;
        }
        Phase::Messages
    }

    /// The first packet after `from` (0-based) in `from`'s conversation that starts a new
    /// phase, with that phase (`None`: none left, or `from` is in no conversation).
    pub fn next_phase(&self, from: usize) -> Option<(usize, Phase)> {
        let ci = self.flows.conversation_index(from)?;
        let conv = self.flows.conversations.get(ci)?;
        let last = (conv.last_packet as usize).min(self.len());
        let first = conv.first_packet.saturating_sub(1) as usize;
        let mut phase = None;
        for i in first..last {
            if self.flows.conversation_index(i) != Some(ci) {
                continue;
            }
            let p = self.row(i)?;
            let next = self.phase_of(i, &p, phase);
            if i > from && phase != Some(next) {
                return Some((i, next));
            }
            phase = Some(next);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_polling_get_is_not_an_upgrade_but_the_websocket_get_is() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/socketio-chat.pcap");
        let cap = Capture::open(&path, |_, _| {}).expect("capture");
        // #10 GET /socket.io/?EIO=4&transport=polling: a plain poll.
        assert!(!cap.is_upgrade(9));
        let p = cap.row(9).expect("packet 10");
        assert_eq!(cap.phase_of(9, &p, Some(Phase::Opening)), Phase::Messages);
        // #37 GET ...transport=websocket with Upgrade: websocket, #67 its 101.
        assert!(cap.is_upgrade(36));
        assert!(cap.is_upgrade(66));
        // #83/#87 the probe, #128 the Engine.IO upgrade.
        assert!(cap.is_upgrade(82) && cap.is_upgrade(86) && cap.is_upgrade(127));
        // The WebSocket connection of client 1 (stream 4, #27 SYN): opening → upgrade
        // (#37) → messages (#146) → closing.
        assert_eq!(cap.next_phase(26), Some((36, Phase::Upgrade)));
        assert_eq!(cap.next_phase(36), Some((145, Phase::Messages)));
        let (_, last) = cap.next_phase(145).expect("closing");
        assert_eq!(last, Phase::Closing);
    }
}
