//! What the flow pass knows about a packet, in a form the decoder can render as fields
//! (`tcp.stream`, `tcp.seq`, `tcp.analysis.*`) without depending on the flow module.

/// TCP analysis flags (bit set) and their Wireshark names.
pub mod analysis {
    pub const RETRANSMISSION: u16 = 1 << 0;
    pub const FAST_RETRANSMISSION: u16 = 1 << 1;
    pub const SPURIOUS_RETRANSMISSION: u16 = 1 << 2;
    pub const OUT_OF_ORDER: u16 = 1 << 3;
    pub const LOST_SEGMENT: u16 = 1 << 4;
    pub const ACK_LOST_SEGMENT: u16 = 1 << 5;
    pub const DUPLICATE_ACK: u16 = 1 << 6;
    pub const ZERO_WINDOW: u16 = 1 << 7;
    pub const ZERO_WINDOW_PROBE: u16 = 1 << 8;
    pub const ZERO_WINDOW_PROBE_ACK: u16 = 1 << 9;
    pub const WINDOW_UPDATE: u16 = 1 << 10;
    pub const WINDOW_FULL: u16 = 1 << 11;
    pub const KEEP_ALIVE: u16 = 1 << 12;
    pub const KEEP_ALIVE_ACK: u16 = 1 << 13;
    pub const REUSED_PORTS: u16 = 1 << 14;

    /// (flag, Wireshark field name, Info-column label, explanation), in the order Wireshark
    /// lists them.
    pub const NAMES: [(u16, &str, &str, &str); 15] = [
        (
            REUSED_PORTS,
            "tcp.analysis.reused_ports",
            "TCP Port numbers reused",
            "A SYN opening a new connection with the same addresses and ports as an earlier one in this capture.",
        ),
        (
            RETRANSMISSION,
            "tcp.analysis.retransmission",
            "TCP Retransmission",
            "Wireshark's guess: this segment repeats sequence numbers already sent, probably because the sender thought them lost.",
        ),
        (
            FAST_RETRANSMISSION,
            "tcp.analysis.fast_retransmission",
            "TCP Fast Retransmission",
            "Resent after duplicate ACKs, without waiting for the timer.",
        ),
        (
            SPURIOUS_RETRANSMISSION,
            "tcp.analysis.spurious_retransmission",
            "TCP Spurious Retransmission",
            "Resent although the receiver had already acknowledged it.",
        ),
        (
            OUT_OF_ORDER,
            "tcp.analysis.out_of_order",
            "TCP Out-Of-Order",
            "Arrived after data that comes later in the stream, too soon after it to be a resend (Wireshark's guess).",
        ),
        (
            LOST_SEGMENT,
            "tcp.analysis.lost_segment",
            "TCP Previous segment not captured",
            "There is a gap before this segment: data the capture never saw.",
        ),
        (
            ACK_LOST_SEGMENT,
            "tcp.analysis.ack_lost_segment",
            "TCP ACKed unseen segment",
            "Acknowledges data the capture never saw.",
        ),
        (
            DUPLICATE_ACK,
            "tcp.analysis.duplicate_ack",
            "TCP Dup ACK",
            "Repeats the previous ACK (no data, same window): usually the receiver got later data while the bytes at that number are still missing.",
        ),
        (
            ZERO_WINDOW,
            "tcp.analysis.zero_window",
            "TCP ZeroWindow",
            "This side announces a window of 0: its receive buffer is full, so the other side must stop sending data.",
        ),
        (
            ZERO_WINDOW_PROBE,
            "tcp.analysis.zero_window_probe",
            "TCP ZeroWindowProbe",
            "One byte sent to ask whether the window has opened.",
        ),
        (
            ZERO_WINDOW_PROBE_ACK,
            "tcp.analysis.zero_window_probe_ack",
            "TCP ZeroWindowProbeAck",
            "Answer to a zero window probe.",
        ),
        (
            WINDOW_UPDATE,
            "tcp.analysis.window_update",
            "TCP Window Update",
            "Only announces a new window size.",
        ),
        (
            WINDOW_FULL,
            "tcp.analysis.window_full",
            "TCP Window Full",
            "This segment fills the receiver's window.",
        ),
        (
            KEEP_ALIVE,
            "tcp.analysis.keep_alive",
            "TCP Keep-Alive",
            "A segment of 0 or 1 byte with the sequence number just below the next one, to check the other side is still there.",
        ),
        (
            KEEP_ALIVE_ACK,
            "tcp.analysis.keep_alive_ack",
            "TCP Keep-Alive ACK",
            "Answer to a keep-alive.",
        ),
    ];
}

/// Flow facts about one packet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlowFacts {
    /// `tcp.stream` / `udp.stream`.
    pub stream: u32,
    /// 0: client to server, 1: server to client.
    pub dir: u8,
    /// TCP only from here on.
    pub rel_seq: u32,
    pub rel_ack: u32,
    pub nxtseq: u32,
    /// Bits of [`analysis`].
    pub analysis: u16,
    pub dup_ack_num: u32,
    /// Wireshark's `tcp.completeness` bit set for the whole conversation.
    pub completeness: u8,
    /// This is the ACK that completes the three-way handshake (SYN, SYN-ACK, ACK).
    pub completes_handshake: bool,
    /// Initial RTT (SYN to the handshake's ACK), when the handshake was seen.
    pub irtt_ns: Option<i64>,
    /// Raw numbers the relative ones count from: this side's and the peer's, and whether each
    /// is a real ISN (SYN seen) or just the first number seen.
    pub seq_base: u32,
    pub ack_base: u32,
    pub seq_base_is_isn: bool,
    pub ack_base_is_isn: bool,
    /// For a duplicate ACK: the packet number of the ACK it repeats.
    pub dup_ack_of: u64,
    /// Window scale shift of this direction, when both SYNs agreed on scaling.
    pub win_scale: Option<u8>,
}
