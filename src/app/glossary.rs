//! The glossary: the seed's vocabulary, each term with a definition in our own words and a
//! "show me" that finds a packet demonstrating it in the open capture.

use crate::engine::Capture;
use crate::model::{Packet, Protocol};

/// One glossary entry.
pub struct Term {
    pub name: &'static str,
    pub definition: &'static str,
    /// What "show me" looks for, in words (shown when nothing is found).
    pub looks_for: &'static str,
}

pub const TERMS: &[Term] = &[
    Term { name: "Socket", definition: "One end of a network conversation: an IP address plus a port. A server waits on a listening socket; every client that connects gets a socket of its own on the server.", looks_for: "a TCP packet (its addresses and ports name the two sockets)" },
    Term { name: "WebSocket", definition: "A two-way channel that starts as an HTTP request and then keeps one TCP connection open, carrying framed messages in both directions whenever either side wants.", looks_for: "a WebSocket frame" },
    Term { name: "Socket.IO", definition: "A library built on Engine.IO (WebSocket or HTTP polling) that lets client and server send named events to each other, with namespaces, rooms and acknowledgements.", looks_for: "a Socket.IO packet" },
    Term { name: "Client", definition: "The program that starts the conversation: here, the side that sends the first SYN.", looks_for: "a SYN (the client opening a connection)" },
    Term { name: "Server", definition: "The program that waits for clients and answers them; many clients can talk to one server at once.", looks_for: "a SYN-ACK (the server accepting a connection)" },
    Term { name: "OSI model", definition: "A reference model that splits networking into seven layers, from the physical signal (1) to the application (7). The layer stack shows each packet on it.", looks_for: "any packet" },
    Term { name: "TCP/IP model", definition: "The four layers the Internet was actually built with: link, internet, transport, application. Shown beside the OSI model.", looks_for: "any packet" },
    Term { name: "TCP", definition: "The transport protocol that gives two programs a reliable, ordered stream of bytes, with a handshake to start and acknowledgements for everything received.", looks_for: "a TCP segment" },
    Term { name: "UDP", definition: "The transport protocol that sends independent datagrams: no connection, no acknowledgement, no retransmission. Fast and simple; DNS uses it.", looks_for: "a UDP datagram" },
    Term { name: "Packet", definition: "One unit of data on the network: headers (control information for each layer) followed by the payload.", looks_for: "any packet" },
    Term { name: "Handshake", definition: "The opening exchange before data flows: TCP's SYN, SYN-ACK, ACK; then, for WebSocket, the HTTP Upgrade request and its 101 answer.", looks_for: "a SYN of a connection whose handshake was captured" },
    Term { name: "Full-duplex", definition: "Both sides can send at the same time, independently. A WebSocket is full-duplex: the server does not wait for a request to speak.", looks_for: "a WebSocket connection carrying messages in both directions" },
    Term { name: "Emit", definition: "Socket.IO's word for sending a named event: socket.emit(\"chat message\", text).", looks_for: "a Socket.IO EVENT" },
    Term { name: "Broadcast", definition: "The server sends the same event to many clients at once (io.emit), for example to relay one student's chat message to the whole class.", looks_for: "the same Socket.IO event sent by the server to two or more clients" },
    Term { name: "Header", definition: "The control information a layer puts in front of the data: addresses, ports, lengths, flags.", looks_for: "any packet with a decoded header" },
    Term { name: "Payload", definition: "The data a layer carries for the layer above: what is left after its header.", looks_for: "a packet carrying data" },
];

fn has(p: &Packet, proto: Protocol) -> bool {
    p.layers.iter().any(|l| l.protocol == proto)
}

/// Find the first packet (0-based index) that shows `term`.
pub fn show_me(cap: &Capture, term: &str) -> Option<usize> {
    let n = cap.len().min(200_000);
    let find =
        |pred: &dyn Fn(&Packet) -> bool| (0..n).find(|&i| cap.packet(i).is_some_and(|p| pred(&p)));
    let syn = |p: &Packet, ack: bool| {
        p.transport
            .is_some_and(|t| t.proto == 6 && t.syn() && t.ack_flag() == ack)
    };
    match term {
        "Socket" | "TCP" => find(&|p| has(p, Protocol::Tcp)),
        "WebSocket" => find(&|p| has(p, Protocol::WebSocket)),
        "Socket.IO" => find(&|p| has(p, Protocol::SocketIo)),
        "Client" => find(&|p| syn(p, false)),
        "Server" => find(&|p| syn(p, true)),
        "Handshake" => (0..n).find(|&i| {
            cap.packet(i).is_some_and(|p| syn(&p, false))
                && cap
                    .flows
                    .conversation_of(i)
                    .is_some_and(|c| c.handshake_ack.is_some())
        }),
        "UDP" => find(&|p| has(p, Protocol::Udp)),
        "Full-duplex" => (0..n).find(|&i| {
            cap.packet(i).is_some_and(|p| has(&p, Protocol::WebSocket))
                && cap.flows.conversation_of(i).is_some_and(|c| {
                    let recs = cap.app.messages.records();
                    let ws_from = |dir: u8| {
                        recs.iter().any(|m| {
                            cap.flows.conversation_index(i) == Some(m.conv as usize)
                                && m.dir == dir
                                && m.is_ws()
                        })
                    };
                    ws_from(0) && ws_from(1) && c.proto == 6
                })
        }),
        "Emit" => find(&|p| p.field("socketio.event").is_some()),
        "Broadcast" => broadcast(cap, n),
        "Payload" => find(&|p| p.transport.is_some_and(|t| t.payload_len > 0)),
        _ => (n > 0).then_some(0),
    }
}

/// The first of two or more server-to-client Socket.IO events with the same name and arguments
/// sent within a second on different conversations.
fn broadcast(cap: &Capture, n: usize) -> Option<usize> {
    let mut seen: Vec<(String, i64, Option<usize>, usize)> = Vec::new();
    for i in 0..n {
        let Some(f) = cap.flows.facts(i) else {
            continue;
        };
        if f.dir != 1 {
            continue;
        }
        let Some(p) = cap.packet(i) else { continue };
        let (Some(ev), Some(args)) = (p.field("socketio.event"), p.field("socketio.args")) else {
            continue;
        };
        let key = format!("{}{}", ev.display(), args.display());
        let conv = cap.flows.conversation_index(i);
        let ts = p.meta.timestamp.ns;
        if let Some(first) = seen
            .iter()
            .find(|(k, t, c, _)| *k == key && ts - t < 1_000_000_000 && *c != conv)
        {
            return Some(first.3);
        }
        seen.push((key, ts, conv, i));
    }
    None
}
