//! What each OSI row of a packet says: the headers placed there, the *function* that plays a
//! row's role when no header sits in it, and which layer carries which.
//!
//! Why this lives in the model: the GUI's layer stack and `layerscope explain` print the same
//! rows, and a student must read the same sentence in both. The texts follow
//! `docs/layers.md` ("Rows 5 and 6") and are checked in `docs/teaching-content.md`.
//!
//! In the textbook placement everything above TCP/UDP sits at 7, so OSI 5 and 6 never hold a
//! header; they say which part of the packet's protocols does the session or presentation job
//! (the WebSocket opening and close handshakes, the Engine.IO session id, UTF-8 text, JSON,
//! permessage-deflate). Masking is named as *not* presentation, because students often
//! mistake it for encryption or encoding.

use super::{Layer, Osi, Packet, Placement, Protocol};

/// The layers of `p` that sit in OSI row `osi`, innermost first (what a stack drawn from 7
/// down to 1 shows on top), with their index in `p.layers`.
pub fn layers_in_row(p: &Packet, osi: Osi, placement: Placement) -> Vec<(usize, &Layer)> {
    let mut v: Vec<(usize, &Layer)> = p
        .layers
        .iter()
        .enumerate()
        .filter(|(_, l)| l.osi_in(placement) == osi)
        .collect();
    v.reverse();
    v
}

/// The layer whose bytes contain layer `i` (Engine.IO inside an HTTP body or a WebSocket
/// message, Socket.IO inside Engine.IO), if `i` is carried inside another header's range
/// rather than after it. Frame layers and reassembled layers are not containers.
pub fn container_of(p: &Packet, i: usize) -> Option<usize> {
    let l = p.layers.get(i)?;
    if l.protocol == Protocol::Frame {
        return None;
    }
    (1..i).rev().find(|&k| {
        let o = &p.layers[k];
        o.protocol != Protocol::Frame
            && o.reassembled.is_none() == l.reassembled.is_none()
            && o.offset <= l.offset
            && l.offset + l.length <= o.offset + o.length
            && o.length > l.length
    })
}

fn field_u64(p: &Packet, name: &str) -> Option<u64> {
    p.layers
        .iter()
        .find_map(|l| l.field(name))
        .and_then(|f| f.value.as_u64())
}

fn field_text(p: &Packet, name: &str) -> Option<String> {
    p.layers
        .iter()
        .find_map(|l| l.field(name))
        .map(|f| f.display())
}

fn has(p: &Packet, proto: Protocol) -> bool {
    p.layers.iter().any(|l| l.protocol == proto)
}

/// What fills OSI row `osi` of packet `p` besides its headers: the reason it is empty, or
/// (rows 5 and 6 of the textbook view) which function of the packet's protocols plays that
/// row's role. `None` when the row's headers say it all.
pub fn row_note(p: &Packet, osi: Osi, placement: Placement) -> Option<String> {
    let here = p.layers.iter().any(|l| l.osi_in(placement) == osi);
    match osi {
        Osi::Session if !here => Some(session_role(p)),
        Osi::Presentation if !here => Some(presentation_role(p)),
        Osi::Presentation => masking_note(p),
        Osi::Application if !here => Some(application_empty(p)),
        _ if here => None,
        Osi::Transport => Some(
            "No transport header in this packet: it is not TCP or UDP, it is a later fragment of a larger IP packet (only the first fragment carries that header), or it was cut short.".into(),
        ),
        Osi::Network => Some("No network header: this frame does not carry IP.".into()),
        Osi::DataLink => Some("No link header in this capture (raw IP).".into()),
        _ => None,
    }
}

/// Session (OSI 5): which part of the packet opens, keeps or ends a lasting conversation.
fn session_role(p: &Packet) -> String {
    let mut parts: Vec<String> = Vec::new();
    if has(p, Protocol::Http) && !has(p, Protocol::EngineIo) {
        // An Engine.IO request without packets of its own: the handshake (no sid yet), or a
        // poll of an existing session.
        if let Some(uri) = field_text(p, "http.request.uri").filter(|u| u.contains("EIO=")) {
            if uri.contains("sid=") {
                if !uri.contains("transport=websocket") {
                    parts.push("the Engine.IO session named by the sid in this request's query: a long-polling request of that session".into());
                }
            } else {
                parts.push("the Engine.IO handshake: this request asks the server to open a session (the answer names it)".into());
            }
        }
    }
    if has(p, Protocol::Http) {
        let upgrade_req =
            field_text(p, "http.upgrade").is_some() && field_u64(p, "http.response.code").is_none();
        let switched = field_u64(p, "http.response.code") == Some(101);
        if upgrade_req {
            parts.push("the WebSocket opening handshake: this HTTP request asks to turn the TCP connection into a WebSocket session".into());
        } else if switched {
            parts.push("the WebSocket opening handshake: this 101 answer turns the TCP connection into a WebSocket session".into());
        }
    }
    if has(p, Protocol::WebSocket) {
        match field_u64(p, "websocket.opcode") {
            Some(8) => parts.push(
                "the WebSocket close handshake: each side sends a Close frame to end the session"
                    .into(),
            ),
            Some(9) | Some(10) => parts.push(
                "WebSocket ping/pong: checks that the other side is still there and keeps the session open"
                    .into(),
            ),
            _ => parts.push(
                "the WebSocket connection, opened by the HTTP Upgrade handshake, is the lasting session this frame belongs to"
                    .into(),
            ),
        }
    }
    if has(p, Protocol::EngineIo) {
        let types: Vec<u64> = p
            .layers
            .iter()
            .filter(|l| l.protocol == Protocol::EngineIo)
            .filter_map(|l| l.field("engineio.type").and_then(|f| f.value.as_u64()))
            .collect();
        if types.contains(&0) {
            let sid = field_text(p, "engineio.sid").unwrap_or_default();
            parts.push(format!(
                "Engine.IO open: the server starts a session and names it (sid {sid}); every later HTTP request of this client (polls, and the WebSocket upgrade) carries that id in its query string"
            ));
        } else if types.iter().any(|t| *t == 2 || *t == 3) {
            let probe = field_text(p, "engineio.data").is_some_and(|d| d == "probe");
            parts.push(if probe {
                "the Engine.IO probe (ping/pong \"probe\") tests this WebSocket before the Engine.IO session moves onto it".into()
            } else {
                "the Engine.IO heartbeat (ping/pong) checks that the Engine.IO session is still alive".into()
            });
        } else if types.contains(&5) {
            parts.push(
                "Engine.IO upgrade: the session moves from HTTP long-polling to this WebSocket"
                    .into(),
            );
        } else {
            parts.push(
                "the Engine.IO session (its sid) ties this client's HTTP polling requests and WebSocket together"
                    .into(),
            );
        }
    }
    if has(p, Protocol::SocketIo) {
        let ns = field_text(p, "socketio.namespace")
            .map(|n| n.split(' ').next().unwrap_or("/").to_string())
            .unwrap_or_else(|| "/".into());
        match field_u64(p, "socketio.type") {
            Some(0) => parts.push(format!(
                "Socket.IO CONNECT: a session in the namespace {ns} (one connection can carry several namespaces)"
            )),
            Some(1) => parts.push(format!("Socket.IO DISCONNECT: leaves the namespace {ns}")),
            _ => {}
        }
    }
    if !parts.is_empty() {
        let mut s = String::from("Session role (keeping a conversation going): ");
        s.push_str(&parts.join("; "));
        s.push_str(
            ". (No separate session header: in the textbook view these protocols sit at 7.)",
        );
        return s;
    }
    if has(p, Protocol::Tcp) {
        "No separate session protocol: the TCP connection itself (opened by SYN, closed by FIN) is the only session here.".into()
    } else if has(p, Protocol::Dns) {
        "No session: UDP keeps none. A DNS response is matched to its query by the transaction ID and the question it repeats, not by a connection.".into()
    } else if has(p, Protocol::Udp) {
        "No session: UDP sends independent datagrams and keeps no session.".into()
    } else {
        "No session layer in this packet.".into()
    }
}

/// Presentation (OSI 6): how the data is encoded, if the packet says.
fn presentation_role(p: &Packet) -> String {
    let mut parts: Vec<String> = Vec::new();
    if has(p, Protocol::WebSocket) {
        let inflated = p
            .layers
            .iter()
            .any(|l| l.field("websocket.payload.decompressed").is_some());
        if inflated {
            parts.push("permessage-deflate: the message was compressed by the sender (RSV1 set) and is shown decompressed".into());
        } else if field_u64(p, "websocket.pmc") == Some(1) {
            parts.push("permessage-deflate: the message was compressed by the sender (RSV1 set); it cannot be decompressed here (see the note)".into());
        }
        match field_u64(p, "websocket.opcode") {
            Some(1) => {
                parts.push("the payload is text, which WebSocket requires to be UTF-8".into())
            }
            Some(2) => parts.push(
                "the payload is binary data: its format is whatever the application chose".into(),
            ),
            _ => {}
        }
    }
    if has(p, Protocol::SocketIo) && p.layers.iter().any(|l| l.field("socketio.args").is_some()) {
        parts.push("the Socket.IO packet's data is encoded as JSON".into());
    }
    if has(p, Protocol::Http) {
        if let Some(ct) = field_text(p, "http.content_type") {
            parts.push(format!(
                "Content-Type {ct} names the format (media type) of the HTTP body"
            ));
        }
    }
    let mut s = if parts.is_empty() {
        "No separate presentation protocol: the data is used as it arrives; any encoding (text, JSON, compression) is the application's own business.".to_string()
    } else {
        let mut s = String::from("Presentation role (how the data is encoded): ");
        s.push_str(&parts.join("; "));
        s.push('.');
        s
    };
    if let Some(m) = masking_note(p) {
        s.push(' ');
        s.push_str(&m);
    }
    s
}

/// A masked WebSocket frame: say what masking is for, and that it is not presentation.
fn masking_note(p: &Packet) -> Option<String> {
    (field_u64(p, "websocket.mask") == Some(1)).then(|| {
        "Masking is not presentation: it is part of WebSocket framing. The payload of every client frame is XORed with a fresh random key sent in the same frame, so it hides nothing; it stops a script from choosing the exact bytes on the wire, which protects old proxies from cache poisoning.".to_string()
    })
}

/// Application (OSI 7) with no header there.
fn application_empty(p: &Packet) -> String {
    // Only data frames (continuation, text, binary) carry the application's data; ping, pong
    // and close are control (RFC 6455 5.5), and so are Engine.IO packets other than message.
    let ws = p.layers.iter().find(|l| l.protocol == Protocol::WebSocket);
    let data_frame = ws
        .and_then(|l| l.field("websocket.opcode"))
        .and_then(|f| f.value.as_u64())
        .is_some_and(|o| o <= 2);
    let eio_control = p
        .layers
        .iter()
        .filter(|l| l.protocol == Protocol::EngineIo)
        .filter_map(|l| l.field("engineio.type").and_then(|f| f.value.as_u64()))
        .any(|t| t != 4);
    let ws_payload = ws
        .filter(|_| data_frame && !eio_control)
        .and_then(|l| l.field("websocket.payload_length"))
        .and_then(|f| f.value.as_u64());
    match ws_payload {
        Some(n) if n > 0 => format!(
            "The application's data: {} of WebSocket payload (shown in the WebSocket layer, not decoded further).",
            super::count(n, "byte")
        ),
        _ => "No application data in this packet: it carries only control information of the layers below.".into(),
    }
}

/// The payload of a header: the bytes it carries for the layer above.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// Whose payload ("TCP payload", "WebSocket payload", "HTTP body").
    pub of: Protocol,
    /// Bytes of the frame.
    pub range: std::ops::Range<usize>,
    /// The protocol decoded from it, if any.
    pub carries: Option<Protocol>,
}

impl Payload {
    /// "TCP payload: 42 bytes, carries WebSocket".
    pub fn describe(&self) -> String {
        let what = if self.of == Protocol::Http {
            "body"
        } else {
            "payload"
        };
        let n = super::count(self.range.len(), "byte");
        match self.carries {
            Some(c) => format!(
                "{} {what}: {n}, carries {}",
                self.of.short_name(),
                c.short_name()
            ),
            None => format!("{} {what}: {n}, not decoded further", self.of.short_name()),
        }
    }
}

/// What is header and what is payload in packet `p`: the transport layer's payload and the
/// payloads of application layers that carry another protocol inside (a WebSocket message
/// carrying Engine.IO, an HTTP body carrying Engine.IO). Frame bytes only.
pub fn payloads(p: &Packet) -> Vec<Payload> {
    let mut v = Vec::new();
    if let Some(t) = p.transport.filter(|t| t.payload_captured > 0) {
        let start = t.payload_offset as usize;
        let of = if t.proto == 6 {
            Protocol::Tcp
        } else {
            Protocol::Udp
        };
        let carries = p
            .layers
            .iter()
            .find(|l| {
                l.reassembled.is_none()
                    && l.offset as usize == start
                    && l.osi() > super::Osi::Transport
            })
            .map(|l| l.protocol)
            .filter(|&c| c != Protocol::Data);
        v.push(Payload {
            of,
            range: start..start + t.payload_captured as usize,
            carries,
        });
    }
    for (i, l) in p.layers.iter().enumerate() {
        if l.reassembled.is_some() || !matches!(l.protocol, Protocol::WebSocket | Protocol::Http) {
            continue;
        }
        let Some(inner) = (i + 1..p.layers.len()).find(|&k| container_of(p, k) == Some(i)) else {
            continue;
        };
        let end = (l.offset + l.length) as usize;
        let start = match l
            .field("websocket.payload_length")
            .and_then(|f| f.value.as_u64())
        {
            Some(n) => end.saturating_sub(n as usize),
            None => p.layers[inner].offset as usize,
        };
        v.push(Payload {
            of: l.protocol,
            range: start..end,
            carries: Some(p.layers[inner].protocol),
        });
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Layer, Protocol};

    fn packet(layers: &[(Protocol, u32, u32)]) -> Packet {
        let mut p = Packet::default();
        for &(pr, off, len) in layers {
            p.layers.push(Layer::new(pr, off as usize, len as usize));
        }
        p
    }

    #[test]
    fn engineio_in_an_http_body_is_contained_and_sits_with_it_at_7() {
        let p = packet(&[
            (Protocol::Frame, 0, 314),
            (Protocol::Ethernet, 0, 14),
            (Protocol::Ipv4, 14, 20),
            (Protocol::Tcp, 34, 32),
            (Protocol::Http, 66, 248),
            (Protocol::EngineIo, 302, 12),
            (Protocol::SocketIo, 303, 11),
        ]);
        assert_eq!(container_of(&p, 5), Some(4));
        assert_eq!(container_of(&p, 6), Some(5));
        assert_eq!(container_of(&p, 4), None);
        let row: Vec<Protocol> = layers_in_row(&p, Osi::Application, Placement::Textbook)
            .iter()
            .map(|(_, l)| l.protocol)
            .collect();
        assert_eq!(
            row,
            [Protocol::SocketIo, Protocol::EngineIo, Protocol::Http],
            "innermost first"
        );
        assert!(layers_in_row(&p, Osi::Presentation, Placement::Textbook).is_empty());
        assert_eq!(
            layers_in_row(&p, Osi::Presentation, Placement::Functional).len(),
            1
        );
        let http = payloads(&p);
        assert_eq!(http.len(), 1, "no transport facts here, the HTTP body only");
        assert_eq!(http[0].describe(), "HTTP body: 12 bytes, carries Engine.IO");
    }

    #[test]
    fn a_plain_tcp_packet_names_only_tcp_for_the_session() {
        let p = packet(&[(Protocol::Ipv4, 0, 20), (Protocol::Tcp, 20, 20)]);
        let s = row_note(&p, Osi::Session, Placement::Textbook).unwrap_or_default();
        assert!(s.contains("TCP connection itself"), "{s}");
        assert!(!s.contains("WebSocket"), "{s}");
        assert!(!s.contains("Engine.IO"), "{s}");
    }
}
