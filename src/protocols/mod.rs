//! Application protocols, one folder each, and the registry that hands them their bytes.
//!
//! Why folders: a protocol is many things at once — field definitions, a stateless parser
//! that builds its layer (fields with byte ranges, Info line, sentence), what needs state
//! across packets (a stream parser; pairing a query with its response) and the layers of a
//! message kept across packets. Kept in one folder, a newcomer finds all of it in one place,
//! and adding a protocol is: one folder here, one line in a registry below, one row in the
//! protocol table (`model/protocols.rs`). `toy/` (built for tests only) is the worked example,
//! and the test that it works through these three places alone.
//!
//! Where this sits: a folder's files keep the layering by what they use — `mod.rs` (fields,
//! stateless parser) only `model` and `decode`'s builder (`Ctx`, `Hdr`); `stream.rs` the flow
//! pass's state (`flow::app::AppPass`); `layers.rs` the kept messages and
//! `engine::app_layers`' helpers. The link, network and transport decoders (`decode`) reach
//! the protocols only through the registry; the flow pass asks it which protocol pairs which
//! datagrams.
//!
//! The UDP registry ([`UDP`]) chooses by well-known port first (either port, in registry
//! order), then by heuristics (a look at the payload), like Wireshark's dissector tables and
//! heuristic lists. HTTP, WebSocket, Engine.IO and Socket.IO ride on TCP byte streams and are
//! found by the stream state machine of `flow::app` (detect → HTTP → 101 → WebSocket): they
//! follow one another on one connection by upgrade, not by port.

use crate::decode::Ctx;
use crate::model::{Packet, Protocol};

pub mod dns;
pub mod http;
pub mod socketio;
#[cfg(test)]
pub(crate) mod toy;
pub mod websocket;

/// How a protocol carried in UDP datagrams is recognised, decoded and paired.
pub(crate) struct UdpProtocol {
    pub protocol: Protocol,
    /// Well-known ports: a datagram from or to one of them is offered to `decode`.
    pub ports: &'static [u16],
    /// A look at the payload that recognises the protocol on any port.
    pub heuristic: Option<fn(&[u8]) -> bool>,
    /// Decode the payload at `off..end` of the frame into layers. `false`: not this
    /// protocol after all, and nothing was added (the next candidate, or "data", follows).
    pub decode: fn(&mut Ctx<'_, '_>, usize, usize) -> bool,
    /// Request/response pairing, for protocols that have it.
    pub pairing: Option<Pairing>,
}

/// Pairing requests with responses in one conversation, by an id the payload carries.
pub(crate) struct Pairing {
    /// The id and whether the datagram is a response; None if too short to say.
    pub peek: fn(&[u8]) -> Option<(u64, bool)>,
    /// Add the pair's fields to a decoded packet: the other packet's number and, on the
    /// response, the time since the request.
    pub attach: fn(&mut Packet, u64, Option<i64>, bool),
}

/// The UDP registry: one line per protocol.
pub(crate) static UDP: &[UdpProtocol] = &[
    dns::UDP,
    #[cfg(test)]
    toy::UDP,
];

/// The registered protocol a datagram between these ports with this payload belongs to:
/// by port first, then by heuristic. Also the candidates' order for `decode`.
pub(crate) fn udp_candidates<'r>(
    src_port: u16,
    dst_port: u16,
    payload: &'r [u8],
) -> impl Iterator<Item = &'static UdpProtocol> + 'r {
    let by_port = UDP
        .iter()
        .filter(move |u| u.ports.contains(&src_port) || u.ports.contains(&dst_port));
    let by_look = UDP.iter().filter(move |u| {
        !(u.ports.contains(&src_port) || u.ports.contains(&dst_port))
            && u.heuristic.is_some_and(|h| h(payload))
    });
    by_port.chain(by_look)
}

/// The registry entry of a protocol, if it is a UDP one.
pub(crate) fn udp_protocol(p: Protocol) -> Option<&'static UdpProtocol> {
    UDP.iter().find(|u| u.protocol == p)
}

/// Hand a UDP payload (`off..end` of the frame) to the registered protocols; true if one
/// claimed it.
pub(crate) fn decode_udp(
    ctx: &mut Ctx<'_, '_>,
    src_port: u16,
    dst_port: u16,
    off: usize,
    end: usize,
) -> bool {
    let d = ctx.data;
    let payload = d
        .get(off.min(d.len())..end.min(d.len()))
        .unwrap_or_default();
    udp_candidates(src_port, dst_port, payload).any(|u| (u.decode)(ctx, off, end))
}
