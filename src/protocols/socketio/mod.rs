//! Engine.IO v4 and Socket.IO v5 packets (wire format: the socketio/engine.io-protocol and
//! socket.io-protocol specifications), parsed without state.
//!
//! Engine.IO is the transport session: one packet per WebSocket message, or several in an HTTP
//! long-polling body separated by the record separator 0x1e. Its type is one digit: 0 open,
//! 1 close, 2 ping, 3 pong, 4 message, 5 upgrade, 6 noop. A message packet carries one Socket.IO
//! packet: `<type>[<attachments>-][<namespace>,][<ack id>][JSON]` with type 0 CONNECT,
//! 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR, 5 BINARY_EVENT, 6 BINARY_ACK.

use crate::model::{Base, Layer, Protocol, Text, Value};

pub(crate) mod layers;
mod stream;

crate::field_def!(
    EIO_TYPE,
    "engineio.type",
    "Engine.IO packet type",
    Base::Dec,
    "0 open, 1 close, 2 ping, 3 pong, 4 message, 5 upgrade, 6 noop."
);
crate::field_def!(
    EIO_DATA,
    "engineio.data",
    "Data",
    Base::None,
    "What follows the type digit."
);
crate::field_def!(
    EIO_SID,
    "engineio.sid",
    "Session id",
    Base::None,
    "The Engine.IO session, the same across HTTP polling and the WebSocket upgrade (not the Socket.IO id a CONNECT reply carries)."
);
crate::field_def!(
    EIO_PING_INTERVAL,
    "engineio.ping_interval",
    "Ping interval",
    Base::Dec,
    "Milliseconds between the server's pings."
);
crate::field_def!(
    EIO_PING_TIMEOUT,
    "engineio.ping_timeout",
    "Ping timeout",
    Base::Dec,
    "Milliseconds the client has to answer a ping with a pong before the server counts the connection as closed."
);
crate::field_def!(
    EIO_UPGRADES,
    "engineio.upgrades",
    "Upgrades",
    Base::None,
    "Transports the client may upgrade to (websocket)."
);
crate::field_def!(
    EIO_BINARY,
    "engineio.binary",
    "Binary payload",
    Base::None,
    "A binary Engine.IO message: an attachment of a Socket.IO binary packet."
);
crate::field_def!(
    SIO_TYPE,
    "socketio.type",
    "Socket.IO packet type",
    Base::Dec,
    "0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR, 5 BINARY_EVENT, 6 BINARY_ACK."
);
crate::field_def!(
    SIO_ATTACHMENTS,
    "socketio.attachments",
    "Attachments",
    Base::Dec,
    "How many binary attachments follow as separate messages."
);
crate::field_def!(
    SIO_NAMESPACE,
    "socketio.namespace",
    "Namespace",
    Base::None,
    "Which namespace (channel of the application) the packet belongs to; '/' when omitted."
);
crate::field_def!(
    SIO_ACK_ID,
    "socketio.ack_id",
    "Ack id",
    Base::Dec,
    "In an EVENT: the sender asks for an acknowledgement; the ACK that answers carries the same id."
);
crate::field_def!(
    SIO_EVENT,
    "socketio.event",
    "Event name",
    Base::None,
    "The name handlers listen for (socket.on(name, ...))."
);
crate::field_def!(
    SIO_ARGS,
    "socketio.args",
    "Arguments",
    Base::None,
    "The JSON payload: an event's arguments, an ACK's answer, or CONNECT data (the server's CONNECT reply carries the socket id)."
);
crate::field_def!(
    SIO_ACK_OF,
    "socketio.ack_of",
    "Answers the event in packet",
    Base::Dec,
    "The packet of the EVENT this ACK answers."
);
crate::field_def!(
    SIO_ACK_LATENCY,
    "socketio.ack_latency",
    "Answer time",
    Base::None,
    "Time between the EVENT and its ACK."
);
crate::field_def!(
    SIO_ACK_IN,
    "socketio.ack_in",
    "Answered in packet",
    Base::Dec,
    "The packet with the ACK that answers this event."
);
crate::field_def!(
    SIO_PLACEHOLDER,
    "socketio.attachment_in",
    "Attachment in packet",
    Base::Dec,
    "A packet carrying one of this packet's binary attachments (its JSON holds a {\"_placeholder\":true,\"num\":N} in its place)."
);

pub fn eio_type_name(t: u8) -> &'static str {
    match t {
        0 => "open",
        1 => "close",
        2 => "ping",
        3 => "pong",
        4 => "message",
        5 => "upgrade",
        6 => "noop",
        _ => "unknown",
    }
}

pub fn sio_type_name(t: u8) -> &'static str {
    match t {
        0 => "CONNECT",
        1 => "DISCONNECT",
        2 => "EVENT",
        3 => "ACK",
        4 => "CONNECT_ERROR",
        5 => "BINARY_EVENT",
        6 => "BINARY_ACK",
        _ => "unknown",
    }
}

/// Split an HTTP long-polling body into Engine.IO packets (offset, bytes).
pub fn split_polling(body: &[u8]) -> Vec<(usize, &[u8])> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in body.iter().enumerate() {
        if b == 0x1e {
            out.push((start, &body[start..i]));
            start = i + 1;
        }
    }
    out.push((start, &body[start..]));
    out.retain(|(_, p)| !p.is_empty());
    out
}

/// An Engine.IO text packet: type digit and data. `None` when it is not one.
pub fn parse_eio(b: &[u8]) -> Option<(u8, &[u8])> {
    let t = *b.first()?;
    if !(b'0'..=b'6').contains(&t) {
        return None;
    }
    Some((t - b'0', &b[1..]))
}

/// A parsed Socket.IO packet; ranges are relative to the packet's first byte.
#[derive(Debug, Clone, PartialEq)]
pub struct SioPacket {
    pub typ: u8,
    pub attachments: Option<(u32, std::ops::Range<usize>)>,
    pub namespace: String,
    pub namespace_range: Option<std::ops::Range<usize>>,
    pub ack_id: Option<(u64, std::ops::Range<usize>)>,
    pub json: Option<(serde_json::Value, std::ops::Range<usize>)>,
}

impl SioPacket {
    /// The event name of an EVENT / BINARY_EVENT.
    pub fn event(&self) -> Option<&str> {
        if !matches!(self.typ, 2 | 5) {
            return None;
        }
        self.json.as_ref()?.0.as_array()?.first()?.as_str()
    }

    /// The arguments (after the event name for events) as compact JSON text, written from the
    /// parsed tree without copying it.
    pub fn args_text(&self) -> Option<String> {
        let v = &self.json.as_ref()?.0;
        match (self.typ, v.as_array()) {
            (2 | 5, Some(a)) => serde_json::to_string(a.get(1..).unwrap_or(&[])).ok(),
            _ => Some(v.to_string()),
        }
    }

    /// Count `{"_placeholder":true,"num":N}` objects in the arguments.
    pub fn placeholders(&self) -> usize {
        fn count(v: &serde_json::Value) -> usize {
            match v {
                serde_json::Value::Object(m)
                    if m.get("_placeholder").and_then(|x| x.as_bool()) == Some(true) =>
                {
                    1
                }
                serde_json::Value::Object(m) => m.values().map(count).sum(),
                serde_json::Value::Array(a) => a.iter().map(count).sum(),
                _ => 0,
            }
        }
        self.json.as_ref().map_or(0, |(v, _)| count(v))
    }
}

/// Parse a Socket.IO packet (the data of an Engine.IO message packet).
pub fn parse_sio(b: &[u8]) -> Option<SioPacket> {
    parse_sio_with(b, true)
}

/// Parse only what comes before the JSON (type, attachments, namespace, ack id): what the
/// flow pass needs for pairing, without building a JSON tree for every message.
pub fn parse_sio_head(b: &[u8]) -> Option<SioPacket> {
    parse_sio_with(b, false)
}

fn parse_sio_with(b: &[u8], with_json: bool) -> Option<SioPacket> {
    let t = *b.first()?;
    if !(b'0'..=b'6').contains(&t) {
        return None;
    }
    let typ = t - b'0';
    let mut i = 1;
    let mut attachments = None;
    if matches!(typ, 5 | 6) {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i < b.len() && b[i] == b'-' && i > start {
            let n = std::str::from_utf8(&b[start..i]).ok()?.parse().ok()?;
            attachments = Some((n, start..i));
            i += 1;
        } else {
            i = start;
        }
    }
    let mut namespace = "/".to_string();
    let mut namespace_range = None;
    if b.get(i) == Some(&b'/') {
        let start = i;
        while i < b.len() && b[i] != b',' {
            i += 1;
        }
        namespace = String::from_utf8_lossy(&b[start..i]).to_string();
        namespace_range = Some(start..i);
        if i < b.len() {
            i += 1;
        }
    }
    let mut ack_id = None;
    let start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i > start {
        let id = std::str::from_utf8(&b[start..i]).ok()?.parse().ok()?;
        ack_id = Some((id, start..i));
    }
    let json = if i < b.len() && with_json {
        let v: serde_json::Value = serde_json::from_slice(&b[i..]).ok()?;
        Some((v, i..b.len()))
    } else {
        None
    };
    Some(SioPacket {
        typ,
        attachments,
        namespace,
        namespace_range,
        ack_id,
        json,
    })
}

/// Context the flow pass found for one Socket.IO packet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SioContext {
    /// For an ACK: the EVENT's packet number and the time between them (ns).
    pub ack_of: Option<(u64, i64)>,
    /// For an EVENT with an ack id: the packet with the ACK.
    pub ack_in: Option<u64>,
    /// Packets carrying the binary attachments.
    pub attachments_in: Vec<u64>,
}

/// Engine.IO layer for one packet at `base` (the packet's bytes are `p`); with `fields`
/// false, the layer's place only (a list row or a text line needs no field tree).
pub fn eio_layer(p: &[u8], base: usize, fields: bool) -> Option<(Layer, u8)> {
    let (t, data) = parse_eio(p)?;
    if !fields {
        return Some((Layer::without_fields(Protocol::EngineIo, base, p.len()), t));
    }
    let mut l = Layer::new(Protocol::EngineIo, base, p.len());
    l.push(&EIO_TYPE, Value::U64(u64::from(t)), base, 1);
    l.set_text(Text::Owned(format!("{} ({t})", eio_type_name(t)).into()));
    if !data.is_empty() {
        l.push(
            &EIO_DATA,
            Value::str(&String::from_utf8_lossy(data)),
            base + 1,
            data.len(),
        );
    }
    if t == 0 {
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
            if let Some(s) = v.get("sid").and_then(|x| x.as_str()) {
                l.push(&EIO_SID, Value::str(s), base + 1, data.len());
                l.nest(1);
            }
            if let Some(n) = v.get("pingInterval").and_then(|x| x.as_u64()) {
                l.push(&EIO_PING_INTERVAL, Value::U64(n), base + 1, data.len());
                l.nest(1);
            }
            if let Some(n) = v.get("pingTimeout").and_then(|x| x.as_u64()) {
                l.push(&EIO_PING_TIMEOUT, Value::U64(n), base + 1, data.len());
                l.nest(1);
            }
            if let Some(u) = v.get("upgrades") {
                l.push(
                    &EIO_UPGRADES,
                    Value::str(&u.to_string()),
                    base + 1,
                    data.len(),
                );
                l.nest(1);
            }
        }
    }
    Some((l, t))
}

/// Socket.IO layer for the data of an Engine.IO message at `base` (with `fields` false, the
/// layer's place only).
pub fn sio_layer(
    d: &[u8],
    base: usize,
    ctx: &SioContext,
    fields: bool,
) -> Option<(Layer, SioPacket)> {
    let s = parse_sio(d)?;
    if !fields {
        return Some((Layer::without_fields(Protocol::SocketIo, base, d.len()), s));
    }
    let mut l = Layer::new(Protocol::SocketIo, base, d.len());
    l.push(&SIO_TYPE, Value::U64(u64::from(s.typ)), base, 1);
    l.set_text(Text::Owned(
        format!("{} ({})", sio_type_name(s.typ), s.typ).into(),
    ));
    if let Some((n, r)) = &s.attachments {
        l.push(
            &SIO_ATTACHMENTS,
            Value::U64(u64::from(*n)),
            base + r.start,
            r.len(),
        );
    }
    match &s.namespace_range {
        Some(r) => l.push(
            &SIO_NAMESPACE,
            Value::str(&s.namespace),
            base + r.start,
            r.len(),
        ),
        None => {
            l.push(&SIO_NAMESPACE, Value::str("/"), base, 0);
            l.set_text(Text::Owned(
                "/ (omitted on the wire: the main namespace)".into(),
            ));
        }
    }
    if let Some((id, r)) = &s.ack_id {
        l.push(&SIO_ACK_ID, Value::U64(*id), base + r.start, r.len());
    }
    if let Some((_, r)) = &s.json {
        if let Some(e) = s.event() {
            l.push(&SIO_EVENT, Value::str(e), base + r.start, r.len());
        }
        if let Some(a) = s.args_text() {
            l.push(&SIO_ARGS, Value::Str(a.into()), base + r.start, r.len());
        }
    }
    if let Some((pkt, ns)) = ctx.ack_of {
        l.push(&SIO_ACK_OF, Value::U64(pkt), base, 0);
        l.push(&SIO_ACK_LATENCY, Value::Time { ns, digits: 6 }, base, 0);
        l.set_text(Text::Owned(format!("{:.3} ms", ns as f64 / 1e6).into()));
    }
    if let Some(pkt) = ctx.ack_in {
        l.push(&SIO_ACK_IN, Value::U64(pkt), base, 0);
    }
    for pkt in &ctx.attachments_in {
        l.push(&SIO_PLACEHOLDER, Value::U64(*pkt), base, 0);
    }
    Some((l, s))
}

/// Layer for a binary Engine.IO message (a Socket.IO attachment).
pub fn binary_layer(len: usize, base: usize) -> Layer {
    let mut l = Layer::new(Protocol::EngineIo, base, len);
    l.push(&EIO_BINARY, Value::U64(len as u64), base, len);
    l.set_text(Text::Owned(
        format!("{} of binary attachment", crate::model::count(len, "byte")).into(),
    ));
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socketio_packets() {
        let p = parse_sio(br#"2/quiz,12["answer",{"q":1}]"#).unwrap();
        assert_eq!((p.typ, p.namespace.as_str()), (2, "/quiz"));
        assert_eq!(p.ack_id.as_ref().map(|a| a.0), Some(12));
        assert_eq!(p.event(), Some("answer"));
        assert_eq!(p.args_text().as_deref(), Some(r#"[{"q":1}]"#));
        let b = parse_sio(br#"51-["upload",{"_placeholder":true,"num":0}]"#).unwrap();
        assert_eq!(b.attachments.as_ref().map(|a| a.0), Some(1));
        assert_eq!(b.placeholders(), 1);
        assert_eq!(b.namespace, "/");
        let a = parse_sio(b"31[\"ok\"]").unwrap();
        assert_eq!((a.typ, a.ack_id.map(|x| x.0)), (3, Some(1)));
        assert_eq!(parse_sio(b"0").unwrap().json, None);
        assert!(parse_sio(b"9").is_none());
    }

    #[test]
    fn polling_split() {
        let v = split_polling(b"0{\"sid\":\"a\"}\x1e40");
        assert_eq!(v, vec![(0, &b"0{\"sid\":\"a\"}"[..]), (13, &b"40"[..])]);
    }
}
