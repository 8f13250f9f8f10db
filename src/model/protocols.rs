//! The protocol table: one row per protocol, the only place its names, its OSI and TCP/IP
//! place (and why), its colour and its key fields are written.
//!
//! Why a table: these facts used to be spread over a dozen `match`es (filter name, column
//! name, colour, legend, key fields, placement), and adding a protocol meant finding them all;
//! an unknown column name silently got Ethernet's colour. Now the [`Protocol`] enum itself is
//! generated from this table, so a protocol cannot exist without its row, and every view reads
//! the row. Adding a protocol: one row here, one folder in `src/protocols/` and one line in its
//! registry (`docs/architecture.md`, "Adding a protocol").

use super::layers::Osi;
use serde::Serialize;

/// Everything the views, the filter and the JSON output know about a protocol.
#[derive(Debug, Clone, Copy)]
pub struct ProtocolInfo {
    /// Wireshark's protocol filter name ("eth", "ip", "tcp").
    pub filter_name: &'static str,
    /// Short name for the Protocol column and the JSON `protocol` key.
    pub short_name: &'static str,
    /// Long name for headings.
    pub long_name: &'static str,
    /// OSI layer in the textbook placement (everything above TCP/UDP at 7).
    pub osi: Osi,
    /// Why it sits there, in one paragraph (the GUI's layer rows, `explain --placement`).
    pub placement_note: &'static str,
    /// Where the functional placement draws it instead, and why (WebSocket, Engine.IO).
    pub functional: Option<(Osi, &'static str)>,
    /// Base colour (RGB); the GUI's themes move it just far enough to be readable.
    pub colour: [u8; 3],
    /// Fields of a one-line summary of the layer (the layer stack).
    pub key_fields: &'static [&'static str],
    /// How many fields a layer usually has (to size its vector once).
    pub typical_fields: usize,
    /// Shown in the status bar's colour legend.
    pub legend: bool,
    /// Other Protocol-column names that stand for it ("IP" for IPv4).
    pub column_names: &'static [&'static str],
}

impl ProtocolInfo {
    /// Defaults a row starts from: `ProtocolInfo { .., ..ProtocolInfo::BASE }`.
    pub const BASE: ProtocolInfo = ProtocolInfo {
        filter_name: "",
        short_name: "",
        long_name: "",
        osi: Osi::Application,
        placement_note: "",
        functional: None,
        colour: [160, 160, 160],
        key_fields: &[],
        typical_fields: 4,
        legend: false,
        column_names: &[],
    };
}

/// Define [`Protocol`] from the rows: the enum, `Protocol::ALL` and `Protocol::info`.
macro_rules! protocol_table {
    ($( $(#[cfg($c:meta)])? $variant:ident => $row:expr, )*) => {
        /// Every protocol the decoder knows, including the pseudo-layers "frame" (what the
        /// capture knows of layer 1) and "data" (bytes no decoder claimed). Generated from the
        /// table in `model/protocols.rs`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        pub enum Protocol {
            $( $(#[cfg($c)])? $variant, )*
        }

        impl Protocol {
            /// Every protocol, in table order (`Protocol::ALL[p as usize] == p`).
            pub const ALL: &'static [Protocol] = &[ $( $(#[cfg($c)])? Protocol::$variant, )* ];

            /// The protocol's row of the table.
            pub fn info(self) -> &'static ProtocolInfo {
                match self {
                    $( $(#[cfg($c)])? Protocol::$variant => {
                        static ROW: ProtocolInfo = $row;
                        &ROW
                    } )*
                }
            }
        }
    };
}

const LINK_COLOUR: [u8; 3] = [90, 140, 220];
const IP_COLOUR: [u8; 3] = [80, 180, 120];
const ICMP_COLOUR: [u8; 3] = [180, 140, 220];
const COOKED_NOTE: &str = "Linux 'cooked' headers are written by the capturing machine in place of the real link header (for example on the 'any' interface); they describe layer 2 but never crossed a wire.";
const IP_NOTE: &str = "IP addresses machines across networks and routers forward on it: OSI layer 3, the TCP/IP internet layer.";
const ICMP_NOTE: &str = "ICMP is carried inside IP like a transport protocol, but it exists to report on IP itself (errors, reachability), so it is placed at layer 3 with IP.";

protocol_table! {
    Frame => ProtocolInfo {
        filter_name: "frame",
        short_name: "Frame",
        long_name: "Frame (what the capture knows of the physical layer)",
        osi: Osi::Physical,
        placement_note: "A capture file cannot see signals, cables or radio: layer 1 is known only by what the capture recorded — when the frame arrived, on which interface, and how many bytes were on the wire.",
        colour: [120, 120, 120],
        key_fields: &["frame.len", "frame.time_epoch", "frame.interface_id"],
        typical_fields: 10,
        ..ProtocolInfo::BASE
    },
    Ethernet => ProtocolInfo {
        filter_name: "eth",
        short_name: "Ethernet",
        long_name: "Ethernet II",
        osi: Osi::DataLink,
        placement_note: "Ethernet moves frames between machines on the same link using MAC addresses: OSI layer 2, the TCP/IP link layer.",
        colour: LINK_COLOUR,
        key_fields: &["eth.src", "eth.dst", "eth.type"],
        ..ProtocolInfo::BASE
    },
    Vlan => ProtocolInfo {
        filter_name: "vlan",
        short_name: "802.1Q",
        long_name: "802.1Q Virtual LAN tag",
        osi: Osi::DataLink,
        placement_note: "An 802.1Q tag is part of the Ethernet header: it splits one physical link into virtual LANs (layer 2).",
        colour: LINK_COLOUR,
        ..ProtocolInfo::BASE
    },
    Sll => ProtocolInfo {
        filter_name: "sll",
        short_name: "SLL",
        long_name: "Linux cooked capture v1",
        osi: Osi::DataLink,
        placement_note: COOKED_NOTE,
        colour: LINK_COLOUR,
        typical_fields: 8,
        ..ProtocolInfo::BASE
    },
    Sll2 => ProtocolInfo {
        filter_name: "sll",
        short_name: "SLL2",
        long_name: "Linux cooked capture v2",
        osi: Osi::DataLink,
        placement_note: COOKED_NOTE,
        colour: LINK_COLOUR,
        typical_fields: 8,
        ..ProtocolInfo::BASE
    },
    Null => ProtocolInfo {
        filter_name: "null",
        short_name: "Loopback",
        long_name: "BSD loopback (null/loop) header",
        osi: Osi::DataLink,
        placement_note: "A loopback capture has no real link layer; this 4-byte header only says which network protocol follows.",
        colour: LINK_COLOUR,
        typical_fields: 2,
        ..ProtocolInfo::BASE
    },
    Arp => ProtocolInfo {
        filter_name: "arp",
        short_name: "ARP",
        long_name: "Address Resolution Protocol",
        // ARP resolves layer-3 addresses to layer-2 ones and is carried directly in frames:
        // "2.5". We draw it at 2 because it never leaves the local link.
        osi: Osi::DataLink,
        placement_note: "ARP maps IP addresses to MAC addresses on one link. It is carried directly in Ethernet frames and never routed, so we draw it at layer 2; many textbooks say '2.5' or put it at 3 because it serves IP.",
        colour: [200, 200, 90],
        typical_fields: 10,
        legend: true,
        ..ProtocolInfo::BASE
    },
    Ipv4 => ProtocolInfo {
        filter_name: "ip",
        short_name: "IPv4",
        long_name: "Internet Protocol version 4",
        osi: Osi::Network,
        placement_note: IP_NOTE,
        colour: IP_COLOUR,
        key_fields: &["ip.src", "ip.dst", "ip.ttl"],
        typical_fields: 24,
        column_names: &["IP"],
        ..ProtocolInfo::BASE
    },
    Ipv6 => ProtocolInfo {
        filter_name: "ipv6",
        short_name: "IPv6",
        long_name: "Internet Protocol version 6",
        osi: Osi::Network,
        placement_note: IP_NOTE,
        colour: IP_COLOUR,
        key_fields: &["ipv6.src", "ipv6.dst", "ipv6.hlim"],
        typical_fields: 24,
        ..ProtocolInfo::BASE
    },
    // ICMP rides inside IP but serves IP itself (errors, reachability): layer 3.
    Icmp => ProtocolInfo {
        filter_name: "icmp",
        short_name: "ICMP",
        long_name: "Internet Control Message Protocol",
        osi: Osi::Network,
        placement_note: ICMP_NOTE,
        colour: ICMP_COLOUR,
        typical_fields: 8,
        legend: true,
        ..ProtocolInfo::BASE
    },
    Icmpv6 => ProtocolInfo {
        filter_name: "icmpv6",
        short_name: "ICMPv6",
        long_name: "Internet Control Message Protocol v6",
        osi: Osi::Network,
        placement_note: ICMP_NOTE,
        colour: ICMP_COLOUR,
        typical_fields: 10,
        ..ProtocolInfo::BASE
    },
    Igmp => ProtocolInfo {
        filter_name: "igmp",
        short_name: "IGMP",
        long_name: "Internet Group Management Protocol",
        osi: Osi::Network,
        placement_note: "IGMP is carried inside IP like a transport protocol, but it manages IP itself (which hosts belong to which multicast group), so it is placed at layer 3 with IP.",
        colour: ICMP_COLOUR,
        ..ProtocolInfo::BASE
    },
    Tcp => ProtocolInfo {
        filter_name: "tcp",
        short_name: "TCP",
        long_name: "Transmission Control Protocol",
        osi: Osi::Transport,
        placement_note: "TCP gives two programs a reliable, ordered byte stream with ports, sequence numbers and acknowledgements: layer 4.",
        colour: [230, 150, 60],
        key_fields: &["tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq", "tcp.ack"],
        typical_fields: 48,
        legend: true,
        ..ProtocolInfo::BASE
    },
    Udp => ProtocolInfo {
        filter_name: "udp",
        short_name: "UDP",
        long_name: "User Datagram Protocol",
        osi: Osi::Transport,
        placement_note: "UDP gives programs ports and independent datagrams with no connection, ordering or retransmission: layer 4.",
        colour: [60, 190, 200],
        key_fields: &["udp.srcport", "udp.dstport", "udp.length"],
        typical_fields: 8,
        legend: true,
        ..ProtocolInfo::BASE
    },
    Http => ProtocolInfo {
        filter_name: "http",
        short_name: "HTTP",
        long_name: "Hypertext Transfer Protocol (HTTP/1.x)",
        placement_note: "HTTP is the application's own language of requests and responses: layer 7.",
        colour: [120, 200, 60],
        key_fields: &["http.request.method", "http.request.uri", "http.response.code"],
        legend: true,
        ..ProtocolInfo::BASE
    },
    WebSocket => ProtocolInfo {
        filter_name: "websocket",
        short_name: "WebSocket",
        long_name: "WebSocket (RFC 6455)",
        placement_note: "WebSocket starts as an HTTP request and then carries messages both ways on one TCP connection. Textbooks put it at layer 7 with HTTP, as the TCP/IP model does. Some draw it at 5 instead, because its frames keep a lasting session open (ping/pong) and end it with a close handshake: the functional view shows that.",
        functional: Some((Osi::Session, "Functional view: WebSocket frames delimit messages on a long-lived two-way connection, keep it alive (ping/pong) and end it with a close handshake: the session layer's job (5). Most textbooks put WebSocket at 7 with HTTP (the default view).")),
        colour: [230, 90, 140],
        key_fields: &["websocket.opcode", "websocket.fin", "websocket.mask", "websocket.payload.text"],
        legend: true,
        ..ProtocolInfo::BASE
    },
    EngineIo => ProtocolInfo {
        filter_name: "engineio",
        short_name: "Engine.IO",
        long_name: "Engine.IO v4",
        placement_note: "Engine.IO is the library protocol under Socket.IO, carried inside HTTP long-polling bodies or WebSocket messages: an application protocol (layer 7). It encodes packets (open, ping, message) and keeps one session alive across transports; the functional view draws its encoding role at 6.",
        functional: Some((Osi::Presentation, "Functional view: Engine.IO encodes packets (open, ping, message) over WebSocket or HTTP polling: an encoding role, closest to OSI 6. Most textbooks put it at 7 with the application (the default view).")),
        colour: [170, 110, 230],
        key_fields: &["engineio.type"],
        legend: true,
        ..ProtocolInfo::BASE
    },
    SocketIo => ProtocolInfo {
        filter_name: "socketio",
        short_name: "Socket.IO",
        long_name: "Socket.IO v5",
        placement_note: "Socket.IO gives the application named events, namespaces and acknowledgements: layer 7. (Rooms are kept by the server only; they never appear on the wire.)",
        colour: [240, 200, 40],
        key_fields: &["socketio.type", "socketio.namespace", "socketio.event", "socketio.ack_id"],
        legend: true,
        ..ProtocolInfo::BASE
    },
    Dns => ProtocolInfo {
        filter_name: "dns",
        short_name: "DNS",
        long_name: "Domain Name System",
        placement_note: "DNS turns names into addresses; it is an application protocol (layer 7) even though the whole network depends on it.",
        colour: [100, 160, 250],
        key_fields: &["dns.qry.name", "dns.a", "dns.flags.response"],
        legend: true,
        ..ProtocolInfo::BASE
    },
    #[cfg(test)]
    Toy => crate::protocols::toy::INFO,
    Data => ProtocolInfo {
        filter_name: "data",
        short_name: "Data",
        long_name: "Data (bytes no decoder claimed)",
        placement_note: "Bytes after the last header the decoder understood: the payload handed to the layer above.",
        typical_fields: 2,
        ..ProtocolInfo::BASE
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_complete_and_at_its_index() {
        for (i, p) in Protocol::ALL.iter().enumerate() {
            assert_eq!(*p as usize, i, "{p:?} is not at its index in Protocol::ALL");
            let r = p.info();
            assert!(
                !r.filter_name.is_empty()
                    && !r.short_name.is_empty()
                    && !r.long_name.is_empty()
                    && !r.placement_note.is_empty(),
                "{p:?}'s row lacks a name or a placement note"
            );
            assert_eq!(Protocol::from_column(r.short_name), Some(*p));
        }
        assert_eq!(Protocol::from_column("IP"), Some(Protocol::Ipv4));
        assert_eq!(Protocol::from_column("no such protocol"), None);
    }
}
