//! TCP (RFC 9293) and UDP (RFC 768), and dispatch on the IP protocol number.

use super::checksum::{judge_transport, ChecksumStatus};
use super::{icmp, ip::ip_proto_name, Ctx, Hdr, NetAddrs};
use crate::model::{Base, Protocol, Severity, Text, Value};

mod fields;
mod tcp_options;
mod udp;

pub use fields::*;

use tcp_options::{tcp_options, wscale_option};
use udp::udp;

crate::field_def!(TCP_SEQ_RAW, "tcp.seq_raw", "Sequence number (raw)", Base::Dec, "Number of the first data byte in this segment; on a SYN it is the initial sequence number (ISN, chosen to be hard to guess) and the first data byte will be ISN+1.");
crate::field_def!(TCP_FLAGS, "tcp.flags", "Flags", Base::Hex(3), "Control bits: SYN opens, FIN closes the sender's side, RST aborts, ACK says the acknowledgment number is valid, PSH asks to deliver now.");
crate::field_def!(TCP_CHECKSUM_STATUS, "tcp.checksum.status", "Checksum status", Base::Dec, "Whether the checksum matched (1 good, 0 bad, 2 not verified: offloaded or not fully captured).");

/// Continue after an IP header: `off` is where the IP payload starts, `end` where the IP
/// header says it ends (may be past the captured bytes).
pub(super) fn dispatch(ctx: &mut Ctx<'_, '_>, proto: u8, off: usize, end: usize, ttl: Option<u64>) {
    // The IP header's length can end before its own extension headers (found by fuzzing):
    // decode what was captured and say so.
    let end = if end < off {
        ctx.note(
            Severity::Warning,
            crate::model::NoteKind::Malformed,
            Protocol::Ipv4,
            off,
            "The IP payload length ends before the headers that precede this point.",
        );
        off
    } else {
        end
    };
    match proto {
        6 => tcp(ctx, off, end),
        17 => udp(ctx, off, end),
        1 => icmp::icmpv4(ctx, off, end, ttl),
        58 => icmp::icmpv6(ctx, off, end, ttl),
        2 => icmp::igmp(ctx, off, end),
        p => {
            let name = ip_proto_name(p);
            if let Some(net) = ctx.net {
                ctx.set_summary(
                    "IP",
                    format!("IP protocol {name}, not decoded"),
                    || format!(
                        "{} sends {} a packet of IP protocol {name}, which layerscope does not decode.",
                        net.src_string(),
                        net.dst_string()
                    ),
                );
            }
            ctx.note(
                Severity::Info,
                crate::model::NoteKind::Unsupported,
                Protocol::Ipv4,
                off,
                format!("IP protocol {name} is not decoded; its bytes are shown as data."),
            );
            ctx.data_layer(off, end);
        }
    }
}

/// Append "SYN, ACK" (Wireshark's order, lowest bit first) or "<None>". The 512 texts are made
/// once: every TCP Info line has one.
pub(crate) fn write_tcp_flags(s: &mut String, flags: u16) {
    static TABLE: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| (0..512u16).map(flag_names).collect());
    s.push_str(
        table
            .get(usize::from(flags & (flag::ALL & !flag::RESERVED)))
            .map_or("", String::as_str),
    );
}

/// "SYN, ACK" for the nine named flag bits of `flags`.
fn flag_names(flags: u16) -> String {
    const NAMES: [(u16, &str); 9] = [
        (flag::FIN, "FIN"),
        (flag::SYN, "SYN"),
        (flag::RST, "RST"),
        (flag::PSH, "PSH"),
        (flag::ACK, "ACK"),
        (flag::URG, "URG"),
        (flag::ECE, "ECE"),
        (flag::CWR, "CWR"),
        (flag::AE, "AE"),
    ];
    let names: Vec<&str> = NAMES
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, name)| *name)
        .collect();
    if names.is_empty() {
        "<None>".to_string()
    } else {
        names.join(", ")
    }
}

/// Wireshark's 12-position flags string ("·······A··S·"), most significant bit first. All 4096
/// strings are made once, so decoding a segment does not allocate one.
fn flags_str(flags: u16) -> &'static str {
    static TABLE: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    const LETTERS: [char; 12] = ['R', 'R', 'R', 'A', 'C', 'E', 'U', 'A', 'P', 'R', 'S', 'F'];
    let table = TABLE.get_or_init(|| {
        (0..4096u16)
            .map(|f| {
                LETTERS
                    .iter()
                    .enumerate()
                    .map(|(i, &c)| if f & (0x800 >> i) != 0 { c } else { '·' })
                    .collect()
            })
            .collect()
    });
    table
        .get(usize::from(flags & flag::ALL))
        .map_or("", String::as_str)
}

/// Where each field of the 20-byte TCP header lies (RFC 9293 §3.1), in smoltcp's style.
mod field {
    use std::ops::Range;
    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const SEQ: Range<usize> = 4..8;
    pub const ACK: Range<usize> = 8..12;
    /// The data offset (high 4 bits), the reserved bits and the flags.
    pub const FLAGS: Range<usize> = 12..14;
    pub const WINDOW: Range<usize> = 14..16;
    pub const CHECKSUM: Range<usize> = 16..18;
    pub const URGENT: Range<usize> = 18..20;
    /// Where the options start (and the fixed header ends).
    pub const OPTIONS: usize = 20;
}

/// The flag bits of the 16-bit word at [`field::FLAGS`] (RFC 9293 §3.1; ECE and CWR RFC 3168;
/// AE, formerly NS, RFC 3540).
pub(crate) mod flag {
    pub const FIN: u16 = 0x001;
    pub const SYN: u16 = 0x002;
    pub const RST: u16 = 0x004;
    pub const PSH: u16 = 0x008;
    pub const ACK: u16 = 0x010;
    pub const URG: u16 = 0x020;
    pub const ECE: u16 = 0x040;
    pub const CWR: u16 = 0x080;
    pub const AE: u16 = 0x100;
    pub const RESERVED: u16 = 0x0e00;
    /// Every flag and reserved bit (the word without the data offset).
    pub const ALL: u16 = 0x0fff;
}

/// Decode the TCP header at `off` (the IP payload ends at `end`): the flow facts first (the
/// flow pass stops there), then the fields, the options with the Info line, the checksum,
/// the sentence, and the payload as data (the application layers replace it later).
fn tcp(ctx: &mut Ctx<'_, '_>, off: usize, end: usize) {
    use field::*;
    let d = ctx.data;
    let cap_end = end.min(d.len()).max(off.min(d.len()));
    let mut h = ctx.hdr(Protocol::Tcp, off, OPTIONS);
    let sp = h.num(&TCP_SRCPORT, off + SRC_PORT.start, SRC_PORT.len());
    let dp = h.num(&TCP_DSTPORT, off + DST_PORT.start, DST_PORT.len());
    if let Some(t) = early_tcp_info(d, off, end, cap_end) {
        ctx.pkt.transport = Some(t);
        ctx.resolve_flow(&t);
        if ctx.facts_only() {
            return; // the flow pass has what it needs (and keeps nothing else of the packet)
        }
    }
    let flow = ctx.flow;
    stream_fields(&mut h, flow.as_ref());
    let (seq, ack) = seq_ack_fields(&mut h, off, flow.as_ref());
    let (hlen, flags) = flag_fields(&mut h, off);
    let win = window_fields(&mut h, off, flow.as_ref());
    let stored = h.num(&TCP_CHECKSUM, off + CHECKSUM.start, CHECKSUM.len());
    let cs_index = h.layer.fields.len();
    let urg = h.num(&TCP_URGENT, off + URGENT.start, URGENT.len());
    let (Some(sp), Some(dp), Some(seq), Some(ack), Some(hl), Some(fl), Some(win), Some(urg)) =
        (sp, dp, seq, ack, hlen, flags, win, urg)
    else {
        h.layer.length = (cap_end - off.min(cap_end)).min(OPTIONS) as u32;
        ctx.push(h);
        ctx.truncated(Protocol::Tcp, off, OPTIONS);
        ctx.set_summary_tcp_partial(sp, dp);
        return;
    };
    if hl < OPTIONS {
        bad_header_length(ctx, h, off, cap_end, (sp, dp), hl);
        return;
    }
    let seg_len = end.saturating_sub(off + hl);
    // Relative numbers where the flow pass knows the bases (the Info line and sentence).
    let (seq, ack) = flow.map_or((seq, ack), |f| (u64::from(f.rel_seq), u64::from(f.rel_ack)));
    // The Info line up to the options, which `tcp_options` then appends (so the line is one
    // buffer): the packet's own buffer, kept when a reader decodes into the same packet again.
    let mut s = String::new();
    if ctx.summaries {
        s = std::mem::take(&mut ctx.pkt.summary);
        s.clear();
        s.reserve(128);
        let numbers = (sp, dp, seq, ack);
        tcp_info_prefix(&mut s, flow.as_ref(), numbers, fl, win, urg, seg_len);
    }
    let opt_end = off + hl;
    if hl > OPTIONS {
        let opt_bytes_len = (hl - OPTIONS).min(d.len().saturating_sub(off + OPTIONS));
        if opt_bytes_len > 0 {
            h.bytes(&TCP_OPTIONS, off + OPTIONS, opt_bytes_len);
        }
        let sack_base = flow.map_or(0, |f| f.ack_base);
        tcp_options(
            &mut h,
            off + OPTIONS,
            opt_end.min(d.len()),
            &mut s,
            sack_base,
        );
    }
    h.generated(&TCP_LEN, Value::U64(seg_len as u64), Text::Auto);
    analysis_fields(&mut h, flow.as_ref());
    if let Some(stored) = stored {
        checksum(ctx, &mut h, (off, end, cap_end), stored as u16, cs_index);
    }
    h.layer.length = (d.len().saturating_sub(off)).min(hl) as u32;
    ctx.push(h);
    if d.len() < opt_end {
        ctx.truncated(Protocol::Tcp, off, hl);
    }
    summary(ctx, s, (sp as u16, dp as u16), fl, seg_len, ack);
    if seg_len > 0 && opt_end < cap_end {
        ctx.data_layer(opt_end, cap_end);
    }
}

/// A data offset under 5 words: the header cannot be read on; the rest is shown as data.
fn bad_header_length<'a>(
    ctx: &mut Ctx<'a, '_>,
    mut h: Hdr<'a>,
    off: usize,
    cap_end: usize,
    (sp, dp): (u64, u64),
    hl: usize,
) {
    h.layer.length = field::OPTIONS as u32;
    ctx.push(h);
    ctx.note(
        Severity::Error,
        crate::model::NoteKind::Malformed,
        Protocol::Tcp,
        off + field::FLAGS.start,
        format!("TCP header length {hl} is less than the minimum of 20 bytes; cannot go on."),
    );
    ctx.set_summary_tcp_partial(Some(sp), Some(dp));
    ctx.data_layer(off + field::OPTIONS, cap_end);
}

/// The Protocol column, the Info line `s` (made with the options) and the sentence; a
/// facts-only pass (the flow pass) builds no Info line.
fn summary(ctx: &mut Ctx<'_, '_>, s: String, ports: (u16, u16), fl: u16, len: usize, ack: u64) {
    if !ctx.summaries {
        ctx.pkt.protocol = "TCP";
        return;
    }
    let net = ctx.net;
    let handshake = ctx.flow.is_some_and(|f| f.completes_handshake);
    ctx.set_summary("TCP", s, || {
        net.map_or_else(String::new, |n| {
            tcp_sentence(&n, ports.0, ports.1, fl, len, ack, handshake)
        })
    });
}

/// Which conversation the segment belongs to, and how much of it the capture holds.
fn stream_fields(h: &mut Hdr<'_>, flow: Option<&crate::model::FlowFacts>) {
    if let Some(f) = flow {
        h.generated(&TCP_STREAM, Value::U64(u64::from(f.stream)), Text::Auto);
        let c = Value::U64(u64::from(f.completeness));
        h.generated(&TCP_COMPLETENESS, c, Text::Num(completeness_text));
    }
}

/// The raw sequence and acknowledgement numbers, and (in a field tree, with flow facts) the
/// relative ones with how they were made.
fn seq_ack_fields(
    h: &mut Hdr<'_>,
    off: usize,
    flow: Option<&crate::model::FlowFacts>,
) -> (Option<u64>, Option<u64>) {
    let seq = h.num(&TCP_SEQ_RAW, off + field::SEQ.start, field::SEQ.len());
    if let (Some(f), Some(raw), true) = (flow, seq, h.layer.has_fields()) {
        let what = if f.seq_base_is_isn {
            "this side's ISN"
        } else {
            "one before the first sequence number seen"
        };
        let at = off + field::SEQ.start;
        h.layer.push_text(
            &TCP_SEQ,
            Value::U64(u64::from(f.rel_seq)),
            || rel_text(f.rel_seq, raw, what, f.seq_base, ""),
            at,
            field::SEQ.len(),
        );
    }
    let ack = h.num(&TCP_ACK_RAW, off + field::ACK.start, field::ACK.len());
    if let (Some(f), Some(raw), true) = (flow, ack, h.layer.has_fields()) {
        let at = off + field::ACK.start;
        let len = field::ACK.len();
        if !flags_have(h, off, flag::ACK) {
            let text = || format!("{raw} (no ACK flag: the field is not in use)");
            h.layer.push_text(&TCP_ACK, Value::U64(raw), text, at, len);
        } else {
            let what = if f.ack_base_is_isn {
                "the peer's ISN"
            } else {
                "one before the peer's first sequence number seen"
            };
            let syn = if f.ack_base_is_isn && f.rel_ack == 1 {
                "; the peer's SYN takes up one sequence number, so ack 1 means 'your SYN arrived, no data yet'"
            } else {
                ""
            };
            let text = || rel_text(f.rel_ack, raw, what, f.ack_base, syn);
            h.layer
                .push_text(&TCP_ACK, Value::U64(u64::from(f.rel_ack)), text, at, len);
        }
    }
    (seq, ack)
}

/// Whether the flags word has `bit` set (false when it was not captured).
fn flags_have(h: &Hdr<'_>, off: usize, bit: u16) -> bool {
    h.u(off + field::FLAGS.start, field::FLAGS.len())
        .is_some_and(|v| v as u16 & bit != 0)
}

/// The header length and the flags word, with one field per flag.
fn flag_fields(h: &mut Hdr<'_>, off: usize) -> (Option<usize>, Option<u16>) {
    let at = off + field::FLAGS.start;
    let hlen = h.u(at, 1).map(|b| (b >> 4) as usize * 4);
    if let Some(hl) = hlen {
        h.layer
            .push_bits(&TCP_HDR_LEN, Value::U64(hl as u64), at, 1, 0xf0);
        h.nest(0);
        if let Some(f) = h.layer.fields.last_mut() {
            f.text = Text::Num(super::ip::header_len_text);
        }
    }
    let flags = h.u(at, 2).map(|v| v as u16 & flag::ALL);
    let Some(fl) = flags else {
        return (hlen, None);
    };
    let text = |v: u64, out: &mut String| {
        crate::model::value::push_hex(out, v, 3);
        out.push_str(" (");
        write_tcp_flags(out, v as u16);
        out.push(')');
    };
    h.layer.push_fmt(&TCP_FLAGS, u64::from(fl), text, at, 2);
    if let Some(f) = h.layer.fields.last_mut() {
        f.bitmask = Some(u32::from(flag::ALL));
    }
    h.flag(&TCP_F_RES, at, 2, u32::from(flag::RESERVED));
    for (def, bit) in [
        (&TCP_F_AE, flag::AE),
        (&TCP_F_CWR, flag::CWR),
        (&TCP_F_ECE, flag::ECE),
        (&TCP_F_URG, flag::URG),
        (&TCP_F_ACK, flag::ACK),
        (&TCP_F_PSH, flag::PSH),
        (&TCP_F_RST, flag::RST),
        (&TCP_F_SYN, flag::SYN),
        (&TCP_F_FIN, flag::FIN),
    ] {
        h.flag(def, at, 2, u32::from(bit));
    }
    if h.layer.has_fields() {
        // Only a field tree shows it (the table behind it is built on first use).
        h.layer
            .push(&TCP_F_STR, Value::Static(flags_str(fl)), at, 2);
    }
    h.nest(1);
    (hlen, flags)
}

/// The window field and, in a field tree, the window it means once scaled (RFC 7323 §2.3:
/// never on a SYN).
fn window_fields(
    h: &mut Hdr<'_>,
    off: usize,
    flow: Option<&crate::model::FlowFacts>,
) -> Option<u64> {
    let win = h.num(&TCP_WINDOW, off + field::WINDOW.start, field::WINDOW.len());
    let (Some(w), Some(f), true) = (win, flow, h.layer.has_fields()) else {
        return win;
    };
    match f.win_scale {
        Some(sc) if !flags_have(h, off, flag::SYN) => {
            let mult = 1u64 << sc.min(14);
            h.generated(&TCP_WIN_SCALEFACTOR, Value::U64(mult), Text::Auto);
            // "65536 (64 × 1024)", piece by piece (every scaled segment has one).
            let mut n = itoa::Buffer::new();
            let mut t = String::with_capacity(32);
            t.push_str(n.format(w * mult));
            t.push_str(" (");
            t.push_str(n.format(w));
            t.push_str(" × ");
            t.push_str(n.format(mult));
            t.push(')');
            h.generated(&TCP_WIN_SIZE, Value::U64(w * mult), Text::Owned(t.into()));
        }
        _ => h.generated(&TCP_WIN_SIZE, Value::U64(w), Text::Auto),
    }
    win
}

/// What the flow pass learned about the segment (a field tree only): the next sequence
/// number, the handshake's round trip, the analysis flags, duplicate ACKs.
fn analysis_fields(h: &mut Hdr<'_>, flow: Option<&crate::model::FlowFacts>) {
    let (Some(f), true) = (flow, h.layer.has_fields()) else {
        return;
    };
    h.generated(&TCP_NXTSEQ, Value::U64(u64::from(f.nxtseq)), Text::Auto);
    if let Some(irtt) = f.irtt_ns {
        let text = format!(
            "{} seconds (SYN to the handshake's ACK)",
            crate::model::format_seconds(irtt, 9)
        );
        let v = Value::Time {
            ns: irtt,
            digits: 9,
        };
        h.generated(&TCP_IRTT, v, Text::Owned(text.into()));
    }
    for (bit, name, _, _) in crate::model::flow::analysis::NAMES {
        if f.analysis & bit != 0 {
            h.generated(analysis_def(name), Value::None, Text::Auto);
        }
    }
    if f.dup_ack_num > 0 {
        let n = Value::U64(u64::from(f.dup_ack_num));
        h.generated(&TCP_DUP_ACK_NUM, n, Text::Auto);
        h.generated(&TCP_DUP_ACK_FRAME, Value::U64(f.dup_ack_of), Text::Auto);
    }
}

/// The checksum's status (and the value it should have) under the checksum field, and its
/// note; skipped by a facts-only pass and where neither a field nor a note shows it.
/// `(off, end, cap_end)`: the segment's start, its end by IP, and its captured end.
fn checksum(
    ctx: &mut Ctx<'_, '_>,
    h: &mut Hdr<'_>,
    (off, end, cap_end): (usize, usize, usize),
    stored: u16,
    at_index: usize,
) {
    let (Some(net), true) = (ctx.net, ctx.summaries && (ctx.fields || ctx.notes)) else {
        return;
    };
    let d = ctx.data;
    let complete = end <= d.len();
    let segment = &d[off..cap_end];
    let (status, correct) = judge_transport(&net, 6, segment, stored, complete, ctx.loopback);
    let at = off + field::CHECKSUM.start;
    let generated = |def, value, text| crate::model::Field {
        def,
        value,
        text,
        offset: at as u32,
        length: 0,
        bitmask: None,
        depth: 1,
    };
    if h.layer.has_fields() {
        let v = Value::U64(status as u64);
        let f = generated(&TCP_CHECKSUM_STATUS, v, Text::Num(ChecksumStatus::text));
        h.layer.fields.insert(at_index, f);
        if let Some(c) = correct {
            let calc = generated(&TCP_CHECKSUM_CALC, Value::U64(u64::from(c)), Text::Auto);
            h.layer.fields.insert(at_index + 1, calc);
        }
    }
    checksum_note(ctx, Protocol::Tcp, at, status, stored, correct, complete);
}

/// The Info line of a TCP segment up to its options: analysis flags, ports, flags, sequence
/// numbers (relative where the flow facts allow), window, urgent pointer, length.
fn tcp_info_prefix(
    s: &mut String,
    flow: Option<&crate::model::FlowFacts>,
    (sp, dp, seq, ack): (u64, u64, u64, u64),
    fl: u16,
    win: u64,
    urg: u64,
    seg_len: usize,
) {
    // Most segments have no analysis flag: then the table is not walked.
    if let Some(f) = flow.filter(|f| f.analysis != 0) {
        for (bit, _, label, _) in crate::model::flow::analysis::NAMES {
            if f.analysis & bit != 0 {
                s.push('[');
                s.push_str(label);
                if bit == crate::model::flow::analysis::DUPLICATE_ACK {
                    kv(s, " ", f.dup_ack_of);
                    kv(s, "#", u64::from(f.dup_ack_num));
                }
                s.push_str("] ");
            }
        }
    }
    kv(s, "", sp);
    kv(s, " → ", dp);
    s.push_str(" [");
    write_tcp_flags(s, fl);
    kv(s, "] Seq=", seq);
    if fl & flag::ACK != 0 {
        kv(s, " Ack=", ack);
    }
    // Wireshark's Info shows the window after scaling (SYNs are never scaled).
    let shown_win = match flow.and_then(|f| f.win_scale) {
        Some(sc) if fl & flag::SYN == 0 => win << sc.min(14),
        _ => win,
    };
    kv(s, " Win=", shown_win);
    if fl & flag::URG != 0 {
        kv(s, " Urg=", urg);
    }
    kv(s, " Len=", seg_len as u64);
}

impl Ctx<'_, '_> {
    fn set_summary_tcp_partial(&mut self, sp: Option<u64>, dp: Option<u64>) {
        let s = match (sp, dp) {
            (Some(a), Some(b)) => format!("{a} → {b} [TCP header cut short]"),
            _ => "[TCP header cut short]".into(),
        };
        let n = self.net;
        self.set_summary("TCP", s, || {
            n.map_or_else(String::new, |n| {
                format!(
                    "{} sends a TCP segment to {}, but the capture cut its header short.",
                    n.src_string(),
                    n.dst_string()
                )
            })
        });
    }
}

/// "5 (raw 1234 − this side's ISN 1229)": a relative number and where it comes from (written
/// piece by piece: every TCP segment of a field tree has two).
fn rel_text(rel: u32, raw: u64, what: &str, base: u32, tail: &str) -> String {
    let mut n = itoa::Buffer::new();
    let mut s = String::with_capacity(40 + what.len() + tail.len());
    s.push_str(n.format(rel));
    s.push_str(" (raw ");
    s.push_str(n.format(raw));
    s.push_str(" − ");
    s.push_str(what);
    s.push(' ');
    s.push_str(n.format(base));
    s.push_str(tail);
    s.push(')');
    s
}

fn tcp_sentence(
    n: &NetAddrs,
    sp: u16,
    dp: u16,
    fl: u16,
    len: usize,
    ack: u64,
    handshake: bool,
) -> String {
    let a = n.endpoint(true, sp);
    let b = n.endpoint(false, dp);
    let syn = fl & flag::SYN != 0;
    let ackf = fl & flag::ACK != 0;
    let fin = fl & flag::FIN != 0;
    let rst = fl & flag::RST != 0;
    if rst {
        return format!(
            "{a} resets its TCP connection with {b} (RST): the connection, or the attempt to open one, ends at once."
        );
    }
    if syn && !ackf {
        return format!("{a} asks {b} to open a TCP connection (SYN).");
    }
    if syn && ackf {
        return format!(
            "{a} agrees to open the connection and acknowledges {b}'s request (SYN, ACK)."
        );
    }
    if fin {
        return if len > 0 {
            let data = crate::model::count(len, "byte");
            format!("{a} sends its last {data} to {b} and closes its side of the connection (FIN).")
        } else {
            format!("{a} has nothing more to send and closes its side of the connection with {b} (FIN).")
        };
    }
    if handshake {
        // RFC 9293 3.5: the third segment of the three-way handshake.
        let data = if len > 0 {
            format!(
                " and already carries {} of data",
                crate::model::count(len, "byte")
            )
        } else {
            String::new()
        };
        return format!("{a} acknowledges {b}'s SYN-ACK (ACK){data}: this completes the three-way handshake (SYN, SYN-ACK, ACK), so the connection is now open both ways.");
    }
    if len > 0 {
        let data = crate::model::count(len, "byte");
        return format!("{a} sends {data} of data to {b} over TCP.");
    }
    if ackf {
        return format!("{a} tells {b} it has received everything before byte {ack} (ACK).");
    }
    format!("{a} sends an empty TCP segment to {b}.")
}

fn checksum_note(
    ctx: &mut Ctx<'_, '_>,
    p: Protocol,
    off: usize,
    status: ChecksumStatus,
    stored: u16,
    correct: Option<u16>,
    complete: bool,
) {
    match (status, correct) {
        (ChecksumStatus::Bad, Some(c)) => ctx.note(
            Severity::Warning,
            crate::model::NoteKind::Checksum,
            p,
            off,
            format!("{} checksum 0x{stored:04x} is wrong; it should be 0x{c:04x}.", p.short_name()),
        ),
        // Static text: on loopback captures this note is on every packet. The value the
        // checksum should have is in the `*.checksum.calculated` field.
        (ChecksumStatus::Unverified, Some(_)) => ctx.note(
            Severity::Info,
            crate::model::NoteKind::Checksum,
            p,
            off,
            match (p == Protocol::Tcp, ctx.net.is_some_and(|n| n.is_loopback())) {
                (true, true) => "TCP checksum not verified: on loopback the packet never leaves the machine's memory, so the kernel leaves the checksum unfinished and nothing checks it (tcp.checksum.calculated shows the right value).",
                (false, true) => "UDP checksum not verified: on loopback the packet never leaves the machine's memory, so the kernel leaves the checksum unfinished and nothing checks it (udp.checksum.calculated shows the right value).",
                (true, false) => "TCP checksum not verified: the sender left it for its network card to compute (checksum offload), and the capture saw the packet before the card did (tcp.checksum.calculated shows the right value).",
                (false, false) => "UDP checksum not verified: the sender left it for its network card to compute (checksum offload), and the capture saw the packet before the card did (udp.checksum.calculated shows the right value).",
            }),
        (ChecksumStatus::Unverified, None) if !complete => ctx.note(
            Severity::Info,
            crate::model::NoteKind::Checksum,
            p,
            off,
            format!("{} checksum not verified: not all of the packet was captured.", p.short_name()),
        ),
        _ => {}
    }
}

/// Append `label` then `v` in decimal (itoa: the Info line is built for every list row, and
/// core::fmt integer formatting was the biggest cost there).
#[inline(always)] // so each label's copy is a few moves of a known length
fn kv(s: &mut String, label: &str, v: u64) {
    s.push_str(label);
    s.push_str(itoa::Buffer::new().format(v));
}

crate::field_def!(TCP_COMPLETENESS, "tcp.completeness", "Conversation completeness", Base::Dec, "Which parts of the connection's life were captured: 1 SYN, 2 SYN-ACK, 4 ACK, 8 data, 16 FIN, 32 RST (added up).");
crate::field_def!(TCP_NXTSEQ, "tcp.nxtseq", "Next sequence number", Base::Dec, "Relative sequence number the next segment from this side should carry (a SYN or FIN takes up one sequence number, like a byte).");

macro_rules! analysis_defs {
    ($($id:ident = $idx:expr;)*) => {
        $(
            pub static $id: crate::model::FieldDef = crate::model::FieldDef {
                name: crate::model::flow::analysis::NAMES[$idx].1,
                label: crate::model::flow::analysis::NAMES[$idx].2,
                base: Base::None,
                explain: crate::model::flow::analysis::NAMES[$idx].3,
                json_head: "",
            };
        )*
        static ANALYSIS_DEFS: [&crate::model::FieldDef; 15] = [$(&$id),*];
    };
}

analysis_defs! {
    A0 = 0; A1 = 1; A2 = 2; A3 = 3; A4 = 4; A5 = 5; A6 = 6; A7 = 7; A8 = 8; A9 = 9; A10 = 10; A11 = 11; A12 = 12; A13 = 13; A14 = 14;
}

fn analysis_def(name: &str) -> &'static crate::model::FieldDef {
    ANALYSIS_DEFS
        .iter()
        .find(|d| d.name == name)
        .copied()
        .unwrap_or(&TCP_LEN)
}

fn completeness_text(v: u64, out: &mut String) {
    const PARTS: [(u64, &str); 6] = [
        (32, "RST"),
        (16, "FIN"),
        (8, "Data"),
        (4, "ACK"),
        (2, "SYN-ACK"),
        (1, "SYN"),
    ];
    out.push_str(itoa::Buffer::new().format(v));
    out.push_str(" (");
    let start = out.len();
    for (_, name) in PARTS.iter().filter(|(b, _)| v & b != 0) {
        if out.len() > start {
            out.push_str(", ");
        }
        out.push_str(name);
    }
    if out.len() == start {
        out.push_str("nothing");
    }
    out.push(')');
}

/// The TCP facts the flow pass needs, read straight from the header bytes (before any field is
/// built, so that the flow facts can shape the fields and the summary).
fn early_tcp_info(
    d: &[u8],
    off: usize,
    end: usize,
    cap_end: usize,
) -> Option<crate::model::TransportInfo> {
    let b = d.get(off..off + 20)?;
    let hl = usize::from(b[12] >> 4) * 4;
    if hl < 20 {
        return None;
    }
    let opt_end = off + hl;
    let opts = d.get(off + 20..opt_end.min(d.len())).unwrap_or(&[]);
    Some(crate::model::TransportInfo {
        proto: 6,
        src_port: u16::from_be_bytes([b[0], b[1]]),
        dst_port: u16::from_be_bytes([b[2], b[3]]),
        seq: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
        ack: u32::from_be_bytes([b[8], b[9], b[10], b[11]]),
        flags: u16::from_be_bytes([b[12], b[13]]) & flag::ALL,
        window: u16::from_be_bytes([b[14], b[15]]),
        // Only a SYN's window scale counts (RFC 7323 2.2): other segments skip the scan.
        wscale: if u16::from(b[13]) & flag::SYN != 0 {
            wscale_option(opts)
        } else {
            None
        },
        payload_len: end.saturating_sub(opt_end) as u32,
        payload_offset: opt_end as u32,
        payload_captured: cap_end.saturating_sub(opt_end) as u32,
    })
}

/// Byte fixtures: a real SYN decoded, cut short, and with an impossible header length.
#[cfg(test)]
mod tests {
    use crate::decode::fixture::{ethernet, field, note, patched};
    use crate::model::NoteKind;

    const TCP_SYN: [u8; 54] = [
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45,
        0x00, 0x00, 0x28, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x26, 0xcd, 0x0a, 0x00, 0x00, 0x01,
        0x0a, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
        0x00, 0x50, 0x02, 0xff, 0xff, 0xff, 0x4e, 0x00, 0x00,
    ];

    #[test]
    fn syn_fields_lie_at_their_bytes() {
        let p = ethernet(&TCP_SYN, TCP_SYN.len());
        assert_eq!(p.summary, "40000 → 80 [SYN] Seq=1 Win=65535 Len=0");
        assert_eq!(field(&p, "tcp.srcport"), (34, 2, "40000".into()));
        assert_eq!(field(&p, "tcp.dstport"), (36, 2, "80".into()));
        assert_eq!(field(&p, "tcp.seq_raw"), (38, 4, "1".into()));
        assert_eq!(field(&p, "tcp.hdr_len"), (46, 1, "20 bytes (5)".into()));
        assert_eq!(field(&p, "tcp.flags"), (46, 2, "0x002 (SYN)".into()));
        assert_eq!(field(&p, "tcp.window_size_value"), (48, 2, "65535".into()));
        assert_eq!(field(&p, "tcp.checksum.status").2, "Good (1)");
        assert!(p.notes.is_empty(), "{:?}", p.notes);
    }

    #[test]
    fn cut_short_keeps_the_ports_and_says_where() {
        let p = ethernet(&TCP_SYN, 40);
        assert_eq!(field(&p, "tcp.dstport").2, "80");
        let n = note(&p, NoteKind::Truncated, "tcp").expect("a truncation note");
        assert!(
            n.contains("TCP (byte 34)") && n.contains("only 6 captured"),
            "{n}"
        );
    }

    #[test]
    fn a_header_length_under_20_is_named() {
        let p = ethernet(&patched(&TCP_SYN, 46, &[0x40]), TCP_SYN.len());
        let n = note(&p, NoteKind::Malformed, "tcp").expect("a malformed note");
        assert!(
            n.contains("TCP header length 16 is less than the minimum of 20 bytes"),
            "{n}"
        );
    }
}
