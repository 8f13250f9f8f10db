//! The TCP fields, by their Wireshark display-filter names, with the explanation each shows.

use crate::model::Base;

crate::field_def!(
    TCP_SRCPORT,
    "tcp.srcport",
    "Source port",
    Base::Dec,
    "Port of the sending program: together with the IP address it names one end of the connection."
);
crate::field_def!(
    TCP_DSTPORT,
    "tcp.dstport",
    "Destination port",
    Base::Dec,
    "Port of the receiving program (servers listen on well-known ports such as 80 or 443)."
);
crate::field_def!(
    TCP_ACK_RAW,
    "tcp.ack_raw",
    "Acknowledgment number (raw)",
    Base::Dec,
    "When ACK is set: the next sequence number the sender expects from the other side; everything before it has arrived."
);
crate::field_def!(
    TCP_HDR_LEN,
    "tcp.hdr_len",
    "Header length",
    Base::Dec,
    "Length of the TCP header with options, in bytes (the field counts 32-bit words)."
);
crate::field_def!(
    TCP_F_RES,
    "tcp.flags.res",
    "Reserved",
    Base::None,
    "Reserved for future use: sent as zero, ignored on receipt."
);
crate::field_def!(
    TCP_F_AE,
    "tcp.flags.ae",
    "Accurate ECN",
    Base::None,
    "With CWR and ECE, a counter of congestion-marked packets received, under Accurate ECN (RFC 9768); formerly the ECN nonce bit (NS)."
);
crate::field_def!(
    TCP_F_CWR,
    "tcp.flags.cwr",
    "Congestion window reduced",
    Base::None,
    "The sender has cut its congestion window after an ECN-Echo (on a SYN, with ECE: asks to use ECN)."
);
crate::field_def!(
    TCP_F_ECE,
    "tcp.flags.ece",
    "ECN-Echo",
    Base::None,
    "Tells the other side a router signalled congestion (or, on a SYN, that ECN is supported)."
);
crate::field_def!(
    TCP_F_URG,
    "tcp.flags.urg",
    "Urgent",
    Base::None,
    "The urgent pointer is valid."
);
crate::field_def!(
    TCP_F_ACK,
    "tcp.flags.ack",
    "Acknowledgment",
    Base::None,
    "The acknowledgment number is valid (set on every segment after the first SYN, except some RSTs)."
);
crate::field_def!(
    TCP_F_PSH,
    "tcp.flags.push",
    "Push",
    Base::None,
    "Deliver the data to the application now instead of waiting for more."
);
crate::field_def!(
    TCP_F_RST,
    "tcp.flags.reset",
    "Reset",
    Base::None,
    "Abort the connection at once."
);
crate::field_def!(
    TCP_F_SYN,
    "tcp.flags.syn",
    "Syn",
    Base::None,
    "Synchronize: opens a connection and announces the starting sequence number."
);
crate::field_def!(
    TCP_F_FIN,
    "tcp.flags.fin",
    "Fin",
    Base::None,
    "Finish: the sender has no more data; closes its direction of the connection."
);
crate::field_def!(
    TCP_F_STR,
    "tcp.flags.str",
    "Flags as text",
    Base::None,
    "The flags as letters, one position per bit."
);
crate::field_def!(
    TCP_WINDOW,
    "tcp.window_size_value",
    "Window",
    Base::Dec,
    "How many more bytes the sender can receive right now (before scaling): TCP's flow control."
);
crate::field_def!(
    TCP_CHECKSUM,
    "tcp.checksum",
    "Checksum",
    Base::Hex(4),
    "Detects damage to the segment and to the addresses it was sent between."
);
crate::field_def!(
    TCP_URGENT,
    "tcp.urgent_pointer",
    "Urgent pointer",
    Base::Dec,
    "Offset from this segment's sequence number to the byte just after the urgent data; used only when URG is set."
);
crate::field_def!(
    TCP_OPTIONS,
    "tcp.options",
    "Options",
    Base::None,
    "Extra header fields, mostly agreed during the handshake."
);
crate::field_def!(
    TCP_OPT_KIND,
    "tcp.option_kind",
    "Option kind",
    Base::Dec,
    "Which option (0 end, 1 no-op, 2 MSS, 3 window scale, 4 SACK permitted, 5 SACK, 8 timestamps)."
);
crate::field_def!(
    TCP_OPT_LEN,
    "tcp.option_len",
    "Option length",
    Base::Dec,
    "Length of the whole option in bytes, its kind and length bytes included."
);
crate::field_def!(
    TCP_OPT_NOP,
    "tcp.options.nop",
    "No-operation",
    Base::None,
    "A one-byte filler between options, used to align them on 4-byte boundaries."
);
crate::field_def!(
    TCP_OPT_EOL,
    "tcp.options.eol",
    "End of option list",
    Base::None,
    "No more options follow."
);
crate::field_def!(
    TCP_OPT_MSS,
    "tcp.options.mss_val",
    "Maximum segment size",
    Base::Dec,
    "Largest segment payload the sender can receive, announced in the SYN."
);
crate::field_def!(
    TCP_OPT_WS_SHIFT,
    "tcp.options.wscale.shift",
    "Window scale shift",
    Base::Dec,
    "Windows this side sends after its SYN are multiplied by 2^shift, if both SYNs carry this option (lets windows exceed 64 KiB)."
);
crate::field_def!(
    TCP_OPT_WS_MULT,
    "tcp.options.wscale.multiplier",
    "Window multiplier",
    Base::Dec,
    "2^shift."
);
crate::field_def!(
    TCP_OPT_SACK_PERM,
    "tcp.options.sack_perm",
    "SACK permitted",
    Base::None,
    "The sender understands selective acknowledgments."
);
crate::field_def!(
    TCP_OPT_SACK_LE,
    "tcp.options.sack_le",
    "SACK left edge",
    Base::Dec,
    "First sequence number of a block of data received beyond a gap (not yet covered by the acknowledgment number)."
);
crate::field_def!(
    TCP_OPT_SACK_RE,
    "tcp.options.sack_re",
    "SACK right edge",
    Base::Dec,
    "Sequence number just after the last byte of that block."
);
crate::field_def!(
    TCP_OPT_TSVAL,
    "tcp.options.timestamp.tsval",
    "Timestamp value",
    Base::Dec,
    "Sender's clock when it sent this segment (for round-trip measurement)."
);
crate::field_def!(
    TCP_OPT_TSECR,
    "tcp.options.timestamp.tsecr",
    "Timestamp echo reply",
    Base::Dec,
    "A timestamp value received from the other side, echoed back so it can time the round trip (0 while unused, as on a SYN)."
);
crate::field_def!(
    TCP_OPT_DATA,
    "tcp.options.data",
    "Option data",
    Base::None,
    "Contents of an option this decoder does not interpret."
);
crate::field_def!(
    TCP_LEN,
    "tcp.len",
    "Segment length",
    Base::Dec,
    "Data bytes this segment carries (IP length minus both headers)."
);
crate::field_def!(
    TCP_CHECKSUM_CALC,
    "tcp.checksum.calculated",
    "Calculated checksum",
    Base::Hex(4),
    "The checksum these bytes should carry, computed by layerscope."
);
crate::field_def!(
    TCP_STREAM,
    "tcp.stream",
    "Stream index",
    Base::Dec,
    "Which TCP conversation this segment belongs to, numbered from 0 in order of appearance."
);
crate::field_def!(
    TCP_SEQ,
    "tcp.seq",
    "Sequence number (relative)",
    Base::Dec,
    "Sequence number counted from this side's ISN, so the SYN is 0 and the first data byte 1 (without the SYN, the first segment seen is 1)."
);
crate::field_def!(
    TCP_ACK,
    "tcp.ack",
    "Acknowledgment number (relative)",
    Base::Dec,
    "Next sequence number expected from the other side, counted from its ISN (1: its SYN arrived, no data yet)."
);
crate::field_def!(
    TCP_IRTT,
    "tcp.analysis.initial_rtt",
    "Initial round-trip time",
    Base::None,
    "Time from the SYN to the ACK that finished the handshake, as seen at the capture point."
);
crate::field_def!(
    TCP_DUP_ACK_NUM,
    "tcp.analysis.duplicate_ack_num",
    "Duplicate ACK number",
    Base::Dec,
    "How many times in a row this acknowledgment has been repeated."
);
crate::field_def!(
    TCP_DUP_ACK_FRAME,
    "tcp.analysis.duplicate_ack_frame",
    "Duplicate of frame",
    Base::Dec,
    "The packet whose acknowledgment this one repeats."
);
crate::field_def!(
    TCP_WIN_SIZE,
    "tcp.window_size",
    "Calculated window size",
    Base::Dec,
    "The window in bytes: the window field times the scale factor agreed in the handshake (unscaled if the handshake was not captured)."
);
crate::field_def!(
    TCP_WIN_SCALEFACTOR,
    "tcp.window_size_scalefactor",
    "Window size scaling factor",
    Base::Dec,
    "2^shift, from the window scale option of this side's SYN."
);
