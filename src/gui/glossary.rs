//! The glossary: the seed's vocabulary, each term with a definition in our own words and a
//! "show me" that finds a packet demonstrating it in the open capture, and the view that
//! shows it best.
//!
//! "Show me" must land on a packet that really shows the term (the WebSocket upgrade for
//! Handshake, an event on a WebSocket for Emit), or say why the capture has none; a packet
//! that merely contains the word would teach the wrong thing. Searches read the flow and
//! message tables, not decoded packets, so the whole list is cheap to build; the app keeps
//! the answers per capture.

use super::Tab;
use crate::engine::socketio_view::Audience;
use crate::engine::Capture;
use crate::flow::app::Kind;

/// One glossary entry.
pub struct Term {
    pub name: &'static str,
    pub definition: &'static str,
    /// What "show me" looks for, in words (shown when nothing is found).
    pub looks_for: &'static str,
}

pub const TERMS: &[Term] = &[
    Term { name: "Socket", definition: "One end of a network conversation: an IP address plus a port. A server listens on a socket bound to its port; for every connection it accepts, the server gets a new socket with the same address and port, told apart by the client's end: so one TCP connection is named by both ends (4 numbers: two addresses, two ports).", looks_for: "a TCP connection" },
    Term { name: "WebSocket", definition: "A two-way (full-duplex) channel that starts as an HTTP request and then keeps one TCP connection open, carrying framed messages in both directions whenever either side wants.", looks_for: "a WebSocket frame" },
    Term { name: "Socket.IO", definition: "A library built on Engine.IO (WebSocket or HTTP long-polling) that lets client and server send named events to each other, with namespaces, acknowledgements and (on the server only) rooms.", looks_for: "a Socket.IO packet" },
    Term { name: "Client", definition: "The program that starts the conversation: here, the side that sends the first SYN (without one in the capture, the sender of the first packet seen).", looks_for: "a SYN (a client opening a connection)" },
    Term { name: "Server", definition: "The program that listens for clients and answers them; many clients can be connected to one server at once.", looks_for: "a SYN-ACK (a server accepting a connection)" },
    Term { name: "OSI model", definition: "A reference model that splits networking into seven layers, from the physical signal (1) to the application (7). The layer stack shows each packet on it.", looks_for: "any packet" },
    Term { name: "TCP/IP model", definition: "The four layers the Internet was built with (RFC 1122): link, internet, transport, application. Shown beside the OSI model.", looks_for: "any packet" },
    Term { name: "TCP", definition: "The transport protocol that gives two programs a reliable, ordered stream of bytes: the server listens (passive open), the client connects with a three-way handshake, and every byte received is acknowledged.", looks_for: "a TCP segment" },
    Term { name: "UDP", definition: "The transport protocol that sends independent datagrams: no connection, no acknowledgement, no retransmission. It puts time before reliability; DNS uses it.", looks_for: "a UDP datagram" },
    Term { name: "Packet", definition: "One unit of data on the network: headers (control information for each layer) followed by the payload.", looks_for: "any packet" },
    Term { name: "Handshake", definition: "The opening exchange before data flows: TCP's SYN, SYN-ACK, ACK; then, for WebSocket, the HTTP Upgrade request and its 101 answer.", looks_for: "a WebSocket upgrade or a captured TCP handshake" },
    Term { name: "Full-duplex", definition: "Both sides can send at the same time, independently. A WebSocket is full-duplex: the server does not wait for a request to speak.", looks_for: "a WebSocket connection carrying messages in both directions" },
    Term { name: "Emit", definition: "Socket.IO's word for sending a named event: socket.emit(\"chat message\", text). The other side listens for it with socket.on(\"chat message\", handler).", looks_for: "a Socket.IO event" },
    Term { name: "Listen (event handler)", definition: "socket.on(name, handler) installs a handler: when an event of that name arrives, the handler runs and decides whether to answer, emit other events or do nothing.", looks_for: "a client event the server answered" },
    Term { name: "Unhandled event", definition: "An event that arrives where no handler listens for it: Socket.IO drops it silently, and the sender gets no error and no reply. That is why every event a program may receive needs a handler.", looks_for: "a client event nothing answered" },
    Term { name: "Broadcast", definition: "The server sends the same event to many clients at once: io.emit to everyone connected, socket.broadcast.emit to everyone but the sender. On the wire it is one copy per client.", looks_for: "the same Socket.IO event sent by the server to every connected client" },
    Term { name: "Room", definition: "A group of sockets the server keeps (socket.join(\"room1\")) so it can emit to just them: io.to(\"room1\").emit(...). Rooms exist only on the server; each member simply receives its own copy.", looks_for: "an event sent to some, but not all, connected clients" },
    Term { name: "Header", definition: "The control information a layer puts in front of the data: addresses, ports, lengths, flags.", looks_for: "any packet with a decoded header" },
    Term { name: "Payload", definition: "The data a layer carries for the layer above: what is left after its header.", looks_for: "a packet carrying data" },
];

/// Where "show me" goes for a term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Packet index (0-based).
    pub packet: usize,
    /// The view that shows it best.
    pub tab: Tab,
    /// Open the ladder in its all-clients Socket.IO view.
    pub fan_out: bool,
    /// Said when the capture has only a weaker example than the term asks for.
    pub note: Option<&'static str>,
}

fn at(packet: usize, tab: Tab) -> Found {
    Found {
        packet,
        tab,
        fan_out: false,
        note: None,
    }
}

/// Find where `term` is shown in `cap`.
pub fn show_me(cap: &Capture, term: &str) -> Option<Found> {
    let convs = cap.conversations();
    let recs = cap.messages().records();
    let tcp_handshake = || {
        convs
            .iter()
            .filter(|c| c.proto == 6 && c.handshake_ack.is_some())
            .find_map(|c| c.syn.map(|s| s as usize - 1))
    };
    let first_packet = |pred: &dyn Fn(&crate::flow::Conversation) -> bool| {
        convs
            .iter()
            .filter(|c| pred(c))
            .map(|c| c.first_packet as usize - 1)
            .min()
    };
    let view = || cap.socketio();
    let sio_event = |dir: u8, on_ws: bool| {
        let v = view();
        v.packets
            .iter()
            .find(|p| {
                p.dir == dir
                    && matches!(p.typ, 2 | 5)
                    && (!on_ws
                        || cap
                            .messages_at(p.packet as usize)
                            .iter()
                            .any(|m| matches!(m.kind, Kind::Ws(_))))
            })
            .map(|p| p.packet as usize)
    };
    match term {
        "Socket" => first_packet(&|c| c.proto == 6).map(|i| at(i, Tab::Sockets)),
        "TCP" => first_packet(&|c| c.proto == 6).map(|i| at(i, Tab::Ladder)),
        "UDP" => first_packet(&|c| c.proto == 17).map(|i| at(i, Tab::Ladder)),
        "WebSocket" => recs
            .iter()
            .find(|m| m.is_ws())
            .map(|m| at(m.packet as usize, Tab::Details)),
        "Socket.IO" => view()
            .packets
            .first()
            .map(|p| at(p.packet as usize, Tab::Details)),
        "Client" => convs
            .iter()
            .find_map(|c| c.syn)
            .map(|s| at(s as usize - 1, Tab::Details)),
        "Server" => convs
            .iter()
            .find_map(|c| c.syn_ack)
            .map(|s| at(s as usize - 1, Tab::Details)),
        "Handshake" => {
            // The WebSocket upgrade request of a connection whose TCP handshake was captured:
            // the ladder then shows both handshakes one after the other.
            let upgrade = recs.iter().find(|m| {
                !m.is_ws()
                    && m.dir == 0
                    && cap.is_upgrade(m.packet as usize)
                    && convs
                        .get(m.conv as usize)
                        .is_some_and(|c| c.handshake_ack.is_some())
            });
            match upgrade {
                Some(m) => Some(at(m.packet as usize, Tab::Ladder)),
                None => tcp_handshake().map(|i| Found {
                    note: Some("This capture has no WebSocket upgrade: here is a TCP three-way handshake."),
                    ..at(i, Tab::Ladder)
                }),
            }
        }
        "Full-duplex" => {
            let both = |conv: u32| {
                recs.iter().any(|m| m.conv == conv && m.dir == 0 && m.is_ws())
                    && recs.iter().any(|m| m.conv == conv && m.dir == 1 && m.is_ws())
            };
            recs.iter()
                .find(|m| m.is_ws() && both(m.conv))
                .map(|m| at(m.packet as usize, Tab::Ladder))
        }
        "Emit" => match sio_event(0, true) {
            Some(i) => Some(at(i, Tab::Details)),
            None => sio_event(0, false).or_else(|| sio_event(1, false)).map(|i| Found {
                note: Some("This capture has no event sent over a WebSocket: here is one sent over HTTP long-polling."),
                ..at(i, Tab::Details)
            }),
        },
        "Listen (event handler)" => {
            let v = view();
            (0..v.packets.len())
                .find(|&k| {
                    let p = v.packets[k];
                    p.dir == 0 && matches!(p.typ, 2 | 5) && !v.unanswered(k)
                })
                .map(|k| Found {
                    fan_out: true,
                    ..at(v.packets[k].packet as usize, Tab::Ladder)
                })
        }
        "Unhandled event" => {
            let v = view();
            (0..v.packets.len()).find(|&k| v.unanswered(k)).map(|k| Found {
                fan_out: true,
                ..at(v.packets[k].packet as usize, Tab::Ladder)
            })
        }
        "Broadcast" | "Room" => {
            let v = view();
            let want = |a: Audience| match a {
                Audience::All { .. } | Audience::AllButSender { .. } => term == "Broadcast",
                Audience::Room { .. } => term == "Room",
                _ => false,
            };
            (0..v.packets.len())
                .find(|&k| v.audience(k).is_some_and(|(a, first)| first == k && want(a)))
                .map(|k| Found {
                    fan_out: true,
                    ..at(v.packets[k].packet as usize, Tab::Ladder)
                })
        }
        "Payload" => recs
            .first()
            .map(|m| at(m.packet as usize, Tab::Details))
            .or_else(|| {
                (0..cap.len().min(10_000)).find_map(|i| {
                    cap.row(i)
                        .filter(|p| p.transport.is_some_and(|t| t.payload_len > 0))
                        .map(|_| at(i, Tab::Details))
                })
            }),
        _ => (!cap.is_empty()).then(|| at(0, Tab::Details)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_me_lands_on_packets_that_show_the_term() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/socketio-chat.pcap");
        let cap = Capture::open(&path, |_, _| {}).expect("capture");
        let n = |t: &str| show_me(&cap, t).map(|f| f.packet + 1);
        // The upgrade request of client 1's WebSocket connection, not packet 1.
        assert_eq!(n("Handshake"), Some(37));
        // An event sent over WebSocket, not one inside an HTTP poll.
        assert_eq!(n("Emit"), Some(146));
        assert_eq!(n("Broadcast"), Some(148));
        assert_eq!(n("Room"), Some(165));
        assert_eq!(n("Unhandled event"), Some(157));
        for t in TERMS {
            // The chat has no UDP: the glossary says so instead of showing something else.
            let want = t.name != "UDP";
            assert_eq!(show_me(&cap, t.name).is_some(), want, "{}", t.name);
        }
    }
}
