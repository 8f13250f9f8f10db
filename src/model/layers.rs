//! Where each protocol sits in the OSI and TCP/IP models, and why.
//!
//! This is data, not code scattered through the views: the GUI's layer stack, the CLI's
//! `explain` and the JSON output all read [`Protocol::osi`] and [`Protocol::tcpip`]. The reasons
//! (and the places where textbooks disagree) are in `docs/layers.md`; [`Protocol::placement_note`]
//! carries the one-paragraph version the GUI shows next to a layer.

use serde::Serialize;

/// The seven OSI layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[repr(u8)]
pub enum Osi {
    Physical = 1,
    DataLink = 2,
    Network = 3,
    Transport = 4,
    Session = 5,
    Presentation = 6,
    Application = 7,
}

impl Osi {
    pub const ALL: [Osi; 7] = [
        Osi::Physical,
        Osi::DataLink,
        Osi::Network,
        Osi::Transport,
        Osi::Session,
        Osi::Presentation,
        Osi::Application,
    ];

    pub fn number(self) -> u8 {
        self as u8
    }
}

/// The four TCP/IP (RFC 1122) layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TcpIp {
    Link,
    Internet,
    Transport,
    Application,
}

impl TcpIp {
    pub const ALL: [TcpIp; 4] = [
        TcpIp::Link,
        TcpIp::Internet,
        TcpIp::Transport,
        TcpIp::Application,
    ];

    /// Lower-case name used in JSON ("link", "internet", ...).
    pub fn as_str(self) -> &'static str {
        match self {
            TcpIp::Link => "link",
            TcpIp::Internet => "internet",
            TcpIp::Transport => "transport",
            TcpIp::Application => "application",
        }
    }

    /// OSI layers this TCP/IP layer is usually drawn as covering.
    pub fn osi_span(self) -> std::ops::RangeInclusive<u8> {
        match self {
            TcpIp::Link => 1..=2,
            TcpIp::Internet => 3..=3,
            TcpIp::Transport => 4..=4,
            TcpIp::Application => 5..=7,
        }
    }
}

pub fn osi_name(n: u8) -> &'static str {
    match n {
        1 => "Physical",
        2 => "Data link",
        3 => "Network",
        4 => "Transport",
        5 => "Session",
        6 => "Presentation",
        7 => "Application",
        _ => "?",
    }
}

pub fn tcpip_name(t: TcpIp) -> &'static str {
    match t {
        TcpIp::Link => "Link",
        TcpIp::Internet => "Internet",
        TcpIp::Transport => "Transport",
        TcpIp::Application => "Application",
    }
}

/// How the OSI column places the protocols above TCP and UDP (`docs/layers.md`).
///
/// Why two: most textbooks, and the TCP/IP model, put HTTP, WebSocket, Engine.IO, Socket.IO
/// and DNS at the application layer (7); that is the default, so a student sees what the
/// course says. The functional view draws WebSocket framing at 5 and Engine.IO at 6, by the
/// job each does; it is offered beside it to discuss why OSI has layers 5 and 6 at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Placement {
    /// Everything above TCP/UDP at OSI 7 (textbooks, RFC 1122's application layer).
    #[default]
    Textbook,
    /// WebSocket framing at OSI 5, Engine.IO at 6.
    Functional,
}

/// Every protocol the decoder knows, including the pseudo-layers "frame" (what the capture
/// knows of layer 1) and "data" (bytes no decoder claimed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Protocol {
    Frame,
    Ethernet,
    Vlan,
    Sll,
    Sll2,
    Null,
    Arp,
    Ipv4,
    Ipv6,
    Icmp,
    Icmpv6,
    Igmp,
    Tcp,
    Udp,
    Http,
    WebSocket,
    EngineIo,
    SocketIo,
    Dns,
    Data,
}

impl Protocol {
    /// Wireshark's protocol filter name ("eth", "ip", "tcp").
    pub fn filter_name(self) -> &'static str {
        match self {
            Protocol::Frame => "frame",
            Protocol::Ethernet => "eth",
            Protocol::Vlan => "vlan",
            Protocol::Sll => "sll",
            Protocol::Sll2 => "sll",
            Protocol::Null => "null",
            Protocol::Arp => "arp",
            Protocol::Ipv4 => "ip",
            Protocol::Ipv6 => "ipv6",
            Protocol::Icmp => "icmp",
            Protocol::Icmpv6 => "icmpv6",
            Protocol::Igmp => "igmp",
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Http => "http",
            Protocol::WebSocket => "websocket",
            Protocol::EngineIo => "engineio",
            Protocol::SocketIo => "socketio",
            Protocol::Dns => "dns",
            Protocol::Data => "data",
        }
    }

    /// Short name for the Protocol column and the JSON `protocol` key.
    pub fn short_name(self) -> &'static str {
        match self {
            Protocol::Frame => "Frame",
            Protocol::Ethernet => "Ethernet",
            Protocol::Vlan => "802.1Q",
            Protocol::Sll => "SLL",
            Protocol::Sll2 => "SLL2",
            Protocol::Null => "Loopback",
            Protocol::Arp => "ARP",
            Protocol::Ipv4 => "IPv4",
            Protocol::Ipv6 => "IPv6",
            Protocol::Icmp => "ICMP",
            Protocol::Icmpv6 => "ICMPv6",
            Protocol::Igmp => "IGMP",
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Http => "HTTP",
            Protocol::WebSocket => "WebSocket",
            Protocol::EngineIo => "Engine.IO",
            Protocol::SocketIo => "Socket.IO",
            Protocol::Dns => "DNS",
            Protocol::Data => "Data",
        }
    }

    /// Long name for headings.
    pub fn long_name(self) -> &'static str {
        match self {
            Protocol::Frame => "Frame (what the capture knows of the physical layer)",
            Protocol::Ethernet => "Ethernet II",
            Protocol::Vlan => "802.1Q Virtual LAN tag",
            Protocol::Sll => "Linux cooked capture v1",
            Protocol::Sll2 => "Linux cooked capture v2",
            Protocol::Null => "BSD loopback (null/loop) header",
            Protocol::Arp => "Address Resolution Protocol",
            Protocol::Ipv4 => "Internet Protocol version 4",
            Protocol::Ipv6 => "Internet Protocol version 6",
            Protocol::Icmp => "Internet Control Message Protocol",
            Protocol::Icmpv6 => "Internet Control Message Protocol v6",
            Protocol::Igmp => "Internet Group Management Protocol",
            Protocol::Tcp => "Transmission Control Protocol",
            Protocol::Udp => "User Datagram Protocol",
            Protocol::Http => "Hypertext Transfer Protocol (HTTP/1.x)",
            Protocol::WebSocket => "WebSocket (RFC 6455)",
            Protocol::EngineIo => "Engine.IO v4",
            Protocol::SocketIo => "Socket.IO v5",
            Protocol::Dns => "Domain Name System",
            Protocol::Data => "Data (bytes no decoder claimed)",
        }
    }

    /// How many fields a layer of this protocol usually has (to size its vector once).
    pub fn typical_fields(self) -> usize {
        match self {
            Protocol::Tcp => 48,
            Protocol::Ipv4 | Protocol::Ipv6 => 24,
            Protocol::Frame | Protocol::Arp | Protocol::Icmpv6 => 10,
            Protocol::Udp | Protocol::Icmp | Protocol::Sll | Protocol::Sll2 => 8,
            Protocol::Data | Protocol::Null => 2,
            _ => 4,
        }
    }

    /// OSI layer (1-7) in the textbook placement, the default everywhere (see
    /// `docs/layers.md`).
    pub fn osi(self) -> Osi {
        self.osi_in(Placement::Textbook)
    }

    /// OSI layer (1-7) in the given placement. Only WebSocket and Engine.IO move: the
    /// textbook view puts every protocol above TCP at 7; the functional view draws WebSocket
    /// framing at 5 (a lasting session) and Engine.IO at 6 (packet encoding).
    pub fn osi_in(self, placement: Placement) -> Osi {
        match self {
            Protocol::Frame => Osi::Physical,
            Protocol::Ethernet | Protocol::Vlan | Protocol::Sll | Protocol::Sll2 => Osi::DataLink,
            Protocol::Null => Osi::DataLink,
            // ARP resolves layer-3 addresses to layer-2 ones and is carried directly in frames:
            // "2.5". We draw it at 2 because it never leaves the local link.
            Protocol::Arp => Osi::DataLink,
            Protocol::Ipv4 | Protocol::Ipv6 => Osi::Network,
            // ICMP rides inside IP but serves IP itself (errors, reachability): layer 3.
            Protocol::Icmp | Protocol::Icmpv6 | Protocol::Igmp => Osi::Network,
            Protocol::Tcp | Protocol::Udp => Osi::Transport,
            Protocol::WebSocket if placement == Placement::Functional => Osi::Session,
            Protocol::EngineIo if placement == Placement::Functional => Osi::Presentation,
            Protocol::Http
            | Protocol::Dns
            | Protocol::WebSocket
            | Protocol::EngineIo
            | Protocol::SocketIo
            | Protocol::Data => Osi::Application,
        }
    }

    /// TCP/IP layer.
    pub fn tcpip(self) -> TcpIp {
        match self.osi() {
            Osi::Physical | Osi::DataLink => TcpIp::Link,
            Osi::Network => TcpIp::Internet,
            Osi::Transport => TcpIp::Transport,
            _ => TcpIp::Application,
        }
    }

    /// One paragraph on why the protocol sits where it does in `placement` (shown by the GUI
    /// and `explain`).
    pub fn placement_note_in(self, placement: Placement) -> &'static str {
        match (self, placement) {
            (Protocol::WebSocket, Placement::Functional) => "Functional view: WebSocket frames delimit messages on a long-lived two-way connection, keep it alive (ping/pong) and end it with a close handshake: the session layer's job (5). Most textbooks put WebSocket at 7 with HTTP (the default view).",
            (Protocol::EngineIo, Placement::Functional) => "Functional view: Engine.IO encodes packets (open, ping, message) over WebSocket or HTTP polling: an encoding role, closest to OSI 6. Most textbooks put it at 7 with the application (the default view).",
            _ => self.placement_note(),
        }
    }

    /// One paragraph on why the protocol sits where it does in the textbook placement.
    pub fn placement_note(self) -> &'static str {
        match self {
            Protocol::Frame => "A capture file cannot see signals, cables or radio: layer 1 is known only by what the capture recorded — when the frame arrived, on which interface, and how many bytes were on the wire.",
            Protocol::Ethernet => "Ethernet moves frames between machines on the same link using MAC addresses: OSI layer 2, the TCP/IP link layer.",
            Protocol::Vlan => "An 802.1Q tag is part of the Ethernet header: it splits one physical link into virtual LANs (layer 2).",
            Protocol::Sll | Protocol::Sll2 => "Linux 'cooked' headers are written by the capturing machine in place of the real link header (for example on the 'any' interface); they describe layer 2 but never crossed a wire.",
            Protocol::Null => "A loopback capture has no real link layer; this 4-byte header only says which network protocol follows.",
            Protocol::Arp => "ARP maps IP addresses to MAC addresses on one link. It is carried directly in Ethernet frames and never routed, so we draw it at layer 2; many textbooks say '2.5' or put it at 3 because it serves IP.",
            Protocol::Ipv4 | Protocol::Ipv6 => "IP addresses machines across networks and routers forward on it: OSI layer 3, the TCP/IP internet layer.",
            Protocol::Icmp | Protocol::Icmpv6 => "ICMP is carried inside IP like a transport protocol, but it exists to report on IP itself (errors, reachability), so it is placed at layer 3 with IP.",
            Protocol::Igmp => "IGMP is carried inside IP like a transport protocol, but it manages IP itself (which hosts belong to which multicast group), so it is placed at layer 3 with IP.",
            Protocol::Tcp => "TCP gives two programs a reliable, ordered byte stream with ports, sequence numbers and acknowledgements: layer 4.",
            Protocol::Udp => "UDP gives programs ports and independent datagrams with no connection, ordering or retransmission: layer 4.",
            Protocol::Http => "HTTP is the application's own language of requests and responses: layer 7.",
            Protocol::Dns => "DNS turns names into addresses; it is an application protocol (layer 7) even though the whole network depends on it.",
            Protocol::WebSocket => "WebSocket starts as an HTTP request and then carries messages both ways on one TCP connection. Textbooks put it at layer 7 with HTTP, as the TCP/IP model does. Some draw it at 5 instead, because its frames keep a lasting session open (ping/pong) and end it with a close handshake: the functional view shows that.",
            Protocol::EngineIo => "Engine.IO is the library protocol under Socket.IO, carried inside HTTP long-polling bodies or WebSocket messages: an application protocol (layer 7). It encodes packets (open, ping, message) and keeps one session alive across transports; the functional view draws its encoding role at 6.",
            Protocol::SocketIo => "Socket.IO gives the application named events, namespaces and acknowledgements: layer 7. (Rooms are kept by the server only; they never appear on the wire.)",
            Protocol::Data => "Bytes after the last header the decoder understood: the payload handed to the layer above.",
        }
    }
}
