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

pub use super::protocols::{Protocol, ProtocolInfo};

impl Protocol {
    /// Wireshark's protocol filter name ("eth", "ip", "tcp").
    pub fn filter_name(self) -> &'static str {
        self.info().filter_name
    }

    /// Short name for the Protocol column and the JSON `protocol` key.
    pub fn short_name(self) -> &'static str {
        self.info().short_name
    }

    /// Long name for headings.
    pub fn long_name(self) -> &'static str {
        self.info().long_name
    }

    /// How many fields a layer of this protocol usually has (to size its vector once).
    pub fn typical_fields(self) -> usize {
        self.info().typical_fields
    }

    /// OSI layer (1-7) in the textbook placement, the default everywhere (see
    /// `docs/layers.md`).
    pub fn osi(self) -> Osi {
        self.info().osi
    }

    /// OSI layer (1-7) in the given placement. Only WebSocket and Engine.IO move: the
    /// textbook view puts every protocol above TCP at 7; the functional view draws WebSocket
    /// framing at 5 (a lasting session) and Engine.IO at 6 (packet encoding).
    pub fn osi_in(self, placement: Placement) -> Osi {
        match (placement, self.info().functional) {
            (Placement::Functional, Some((osi, _))) => osi,
            _ => self.osi(),
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
        match (placement, self.info().functional) {
            (Placement::Functional, Some((_, note))) => note,
            _ => self.placement_note(),
        }
    }

    /// One paragraph on why the protocol sits where it does in the textbook placement.
    pub fn placement_note(self) -> &'static str {
        self.info().placement_note
    }

    /// The fields a one-line summary of this layer shows (the layer stack's rows).
    pub fn key_fields(self) -> &'static [&'static str] {
        self.info().key_fields
    }

    /// The base colour of the protocol (RGB) that the GUI's themes make readable.
    pub fn colour(self) -> [u8; 3] {
        self.info().colour
    }

    /// The protocol a Protocol-column name stands for ("TCP", "Socket.IO", or an alias such
    /// as "IP"); None for a name no row claims.
    pub fn from_column(name: &str) -> Option<Protocol> {
        Protocol::ALL.iter().copied().find(|p| {
            let i = p.info();
            i.short_name == name || i.column_names.contains(&name)
        })
    }

    /// The protocols the status bar's colour legend shows, in table order.
    pub fn legend() -> impl Iterator<Item = Protocol> {
        Protocol::ALL.iter().copied().filter(|p| p.info().legend)
    }
}
