//! TCP (RFC 9293) and UDP (RFC 768), and dispatch on the IP protocol number.

use super::checksum::{judge_transport, ChecksumStatus};
use super::{icmp, ip::ip_proto_name, Ctx, Hdr, NetAddrs};
use crate::model::{Base, Protocol, Severity, Text, Value};
use etherparse::TcpHeaderSlice;

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
            .get(usize::from(flags & 0x1ff))
            .map_or("", String::as_str),
    );
}

/// "SYN, ACK" for the nine named flag bits of `flags`.
fn flag_names(flags: u16) -> String {
    const NAMES: [(u16, &str); 9] = [
        (0x001, "FIN"),
        (0x002, "SYN"),
        (0x004, "RST"),
        (0x008, "PSH"),
        (0x010, "ACK"),
        (0x020, "URG"),
        (0x040, "ECE"),
        (0x080, "CWR"),
        (0x100, "AE"),
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
        .get(usize::from(flags & 0x0fff))
        .map_or("", String::as_str)
}

fn tcp(ctx: &mut Ctx<'_, '_>, off: usize, end: usize) {
    let cap_end = end.min(ctx.data.len()).max(off.min(ctx.data.len()));
    let seg = &ctx.data[off.min(ctx.data.len())..cap_end];
    let d = ctx.data;
    let mut h = ctx.hdr(Protocol::Tcp, off, 20);
    let sp = h.num(&TCP_SRCPORT, off, 2);
    let dp = h.num(&TCP_DSTPORT, off + 2, 2);
    if let Some(t) = early_tcp_info(d, off, end, cap_end) {
        ctx.pkt.transport = Some(t);
        ctx.resolve_flow(&t);
        if ctx.facts_only() {
            // The flow pass has what it needs (and keeps nothing else of the packet).
            return;
        }
    }
    let parsed = TcpHeaderSlice::from_slice(seg);
    let flow = ctx.flow;
    if let Some(f) = &flow {
        h.generated(&TCP_STREAM, Value::U64(u64::from(f.stream)), Text::Auto);
        h.generated(
            &TCP_COMPLETENESS,
            Value::U64(u64::from(f.completeness)),
            Text::Num(completeness_text),
        );
    }
    let seq = h.num(&TCP_SEQ_RAW, off + 4, 4);
    if !h.layer.has_fields() {
    } else if let (Some(f), Some(raw)) = (&flow, seq) {
        let what = if f.seq_base_is_isn {
            "this side's ISN"
        } else {
            "one before the first sequence number seen"
        };
        h.layer.push_text(
            &TCP_SEQ,
            Value::U64(u64::from(f.rel_seq)),
            || rel_text(f.rel_seq, raw, what, f.seq_base, ""),
            off + 4,
            4,
        );
    }
    let ack = h.num(&TCP_ACK_RAW, off + 8, 4);
    if !h.layer.has_fields() {
    } else if let (Some(f), Some(raw)) = (&flow, ack) {
        let ack_flag = h.u(off + 13, 1).is_some_and(|b| b & 0x10 != 0);
        if !ack_flag {
            h.layer.push_text(
                &TCP_ACK,
                Value::U64(raw),
                || format!("{raw} (no ACK flag: the field is not in use)"),
                off + 8,
                4,
            );
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
            h.layer.push_text(
                &TCP_ACK,
                Value::U64(u64::from(f.rel_ack)),
                || rel_text(f.rel_ack, raw, what, f.ack_base, syn),
                off + 8,
                4,
            );
        }
    }
    let hlen = h.u(off + 12, 1).map(|b| (b >> 4) as usize * 4);
    if let Some(hl) = hlen {
        h.layer
            .push_bits(&TCP_HDR_LEN, Value::U64(hl as u64), off + 12, 1, 0xf0);
        h.nest(0);
        if let Some(f) = h.layer.fields.last_mut() {
            f.text = Text::Num(super::ip::header_len_text);
        }
    }
    let flags = h.u(off + 12, 2).map(|v| (v & 0x0fff) as u16);
    if let Some(fl) = flags {
        h.layer.push_fmt(
            &TCP_FLAGS,
            u64::from(fl),
            |v, out| {
                crate::model::value::push_hex(out, v, 3);
                out.push_str(" (");
                write_tcp_flags(out, v as u16);
                out.push(')');
            },
            off + 12,
            2,
        );
        if let Some(f) = h.layer.fields.last_mut() {
            f.bitmask = Some(0x0fff);
        }
        h.flag(&TCP_F_RES, off + 12, 2, 0x0e00);
        for (def, mask) in [
            (&TCP_F_AE, 0x0100),
            (&TCP_F_CWR, 0x0080),
            (&TCP_F_ECE, 0x0040),
            (&TCP_F_URG, 0x0020),
            (&TCP_F_ACK, 0x0010),
            (&TCP_F_PSH, 0x0008),
            (&TCP_F_RST, 0x0004),
            (&TCP_F_SYN, 0x0002),
            (&TCP_F_FIN, 0x0001),
        ] {
            h.flag(def, off + 12, 2, mask);
        }
        if h.layer.has_fields() {
            // Only a field tree shows it (the table behind it is built on first use).
            h.layer
                .push(&TCP_F_STR, Value::Static(flags_str(fl)), off + 12, 2);
        }
        h.nest(1);
    }
    let win = h.num(&TCP_WINDOW, off + 14, 2);
    if !h.layer.has_fields() {
    } else if let (Some(w), Some(f)) = (win, &flow) {
        let syn = h.u(off + 13, 1).is_some_and(|b| b & 0x02 != 0);
        match f.win_scale {
            Some(sc) if !syn => {
                let mult = 1u64 << sc.min(14);
                h.generated(&TCP_WIN_SCALEFACTOR, Value::U64(mult), Text::Auto);
                h.generated(
                    &TCP_WIN_SIZE,
                    Value::U64(w * mult),
                    Text::Owned({
                        // "65536 (64 × 1024)", piece by piece (every scaled segment has one).
                        let mut n = itoa::Buffer::new();
                        let mut t = String::with_capacity(32);
                        t.push_str(n.format(w * mult));
                        t.push_str(" (");
                        t.push_str(n.format(w));
                        t.push_str(" × ");
                        t.push_str(n.format(mult));
                        t.push(')');
                        t.into()
                    }),
                );
            }
            _ => h.generated(&TCP_WIN_SIZE, Value::U64(w), Text::Auto),
        }
    }
    let stored = h.num(&TCP_CHECKSUM, off + 16, 2);
    let cs_index = h.layer.fields.len();
    let urg = h.num(&TCP_URGENT, off + 18, 2);
    let (Some(sp), Some(dp), Some(seq), Some(ack), Some(hl), Some(fl), Some(win), Some(_urg)) =
        (sp, dp, seq, ack, hlen, flags, win, urg)
    else {
        h.layer.length = seg.len().min(20) as u32;
        ctx.push(h);
        ctx.truncated(Protocol::Tcp, off, 20);
        ctx.set_summary_tcp_partial(sp, dp);
        return;
    };
    if hl < 20 {
        h.layer.length = 20;
        ctx.push(h);
        ctx.note(
            Severity::Error,
            crate::model::NoteKind::Malformed,
            Protocol::Tcp,
            off + 12,
            format!("TCP header length {hl} is less than the minimum of 20 bytes; cannot go on."),
        );
        ctx.set_summary_tcp_partial(Some(sp), Some(dp));
        ctx.data_layer(off + 20, cap_end);
        return;
    }
    // The Info line up to the options, which tcp_options then appends (so the line is
    // one buffer). Only the flow pass builds no Info line.
    let seg_len = end.saturating_sub(off + hl);
    // Relative numbers where the flow pass knows the bases (the Info line and sentence).
    let (seq, ack) = flow.map_or((seq, ack), |f| (u64::from(f.rel_seq), u64::from(f.rel_ack)));
    let mut s = String::new();
    if ctx.summaries {
        // The packet's own Info buffer (kept when a reader decodes into the same packet again);
        // set again below.
        s = std::mem::take(&mut ctx.pkt.summary);
        s.clear();
        s.reserve(128);
        tcp_info_prefix(
            &mut s,
            flow.as_ref(),
            (sp, dp, seq, ack),
            fl,
            win,
            _urg,
            seg_len,
        );
    }
    // Options.
    let opt_end = off + hl;
    if hl > 20 {
        let opt_bytes_len = (hl - 20).min(d.len().saturating_sub(off + 20));
        if opt_bytes_len > 0 {
            h.bytes(&TCP_OPTIONS, off + 20, opt_bytes_len);
        }
        let sack_base = flow.map_or(0, |f| f.ack_base);
        tcp_options(&mut h, off + 20, opt_end.min(d.len()), &mut s, sack_base);
    }
    h.generated(&TCP_LEN, Value::U64(seg_len as u64), Text::Auto);
    if let (Some(f), true) = (&flow, h.layer.has_fields()) {
        h.generated(&TCP_NXTSEQ, Value::U64(u64::from(f.nxtseq)), Text::Auto);
        if let Some(irtt) = f.irtt_ns {
            h.generated(
                &TCP_IRTT,
                Value::Time {
                    ns: irtt,
                    digits: 9,
                },
                Text::Owned(
                    format!(
                        "{} seconds (SYN to the handshake's ACK)",
                        crate::model::format_seconds(irtt, 9)
                    )
                    .into(),
                ),
            );
        }
        for (bit, name, _, _) in crate::model::flow::analysis::NAMES {
            if f.analysis & bit != 0 {
                h.generated(analysis_def(name), Value::None, Text::Auto);
            }
        }
        if f.dup_ack_num > 0 {
            h.generated(
                &TCP_DUP_ACK_NUM,
                Value::U64(u64::from(f.dup_ack_num)),
                Text::Auto,
            );
            h.generated(&TCP_DUP_ACK_FRAME, Value::U64(f.dup_ack_of), Text::Auto);
        }
    }
    // Checksum (not needed by a facts-only pass, nor where neither a field nor a note shows it).
    let show = ctx.summaries && (ctx.fields || ctx.notes);
    if let (Some(net), Some(stored), true) = (ctx.net, stored, show) {
        let complete = end <= d.len();
        let (status, correct) = judge_transport(
            &net,
            6,
            &d[off..cap_end],
            stored as u16,
            complete,
            ctx.loopback,
        );
        let f = crate::model::Field {
            def: &TCP_CHECKSUM_STATUS,
            value: Value::U64(status as u64),
            text: Text::Num(ChecksumStatus::text),
            offset: (off + 16) as u32,
            length: 0,
            bitmask: None,
            depth: 1,
        };
        if h.layer.has_fields() {
            h.layer.fields.insert(cs_index, f);
            if let Some(c) = correct {
                let calc = crate::model::Field {
                    def: &TCP_CHECKSUM_CALC,
                    value: Value::U64(u64::from(c)),
                    text: Text::Auto,
                    offset: (off + 16) as u32,
                    length: 0,
                    bitmask: None,
                    depth: 1,
                };
                h.layer.fields.insert(cs_index + 1, calc);
            }
        }
        checksum_note(
            ctx,
            Protocol::Tcp,
            off + 16,
            status,
            stored as u16,
            correct,
            complete,
        );
    }
    h.layer.length = (d.len().saturating_sub(off)).min(hl) as u32;
    if let Err(e) = &parsed {
        if seg.len() >= hl {
            ctx.note(
                Severity::Warning,
                crate::model::NoteKind::Malformed,
                Protocol::Tcp,
                off,
                format!("TCP header: {e}"),
            );
        }
    }
    ctx.push(h);
    if d.len() < opt_end {
        ctx.truncated(Protocol::Tcp, off, hl);
    }
    if !ctx.summaries {
        // A facts-only pass (the flow pass): no Info line to build.
        ctx.pkt.protocol = "TCP";
        if seg_len > 0 && opt_end < cap_end {
            ctx.data_layer(opt_end, cap_end);
        }
        return;
    }
    let net = ctx.net;
    let handshake = ctx.flow.is_some_and(|f| f.completes_handshake);
    ctx.set_summary("TCP", s, || {
        net.map_or_else(String::new, |n| {
            tcp_sentence(&n, sp as u16, dp as u16, fl, seg_len, ack, handshake)
        })
    });
    if seg_len > 0 && opt_end < cap_end {
        ctx.data_layer(opt_end, cap_end);
    }
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
    if fl & 0x10 != 0 {
        kv(s, " Ack=", ack);
    }
    // Wireshark's Info shows the window after scaling (SYNs are never scaled).
    let shown_win = match flow.and_then(|f| f.win_scale) {
        Some(sc) if fl & 0x02 == 0 => win << sc.min(14),
        _ => win,
    };
    kv(s, " Win=", shown_win);
    if fl & 0x20 != 0 {
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
    let syn = fl & 0x02 != 0;
    let ackf = fl & 0x10 != 0;
    let fin = fl & 0x01 != 0;
    let rst = fl & 0x04 != 0;
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
        flags: u16::from_be_bytes([b[12], b[13]]) & 0x0fff,
        window: u16::from_be_bytes([b[14], b[15]]),
        // Only a SYN's window scale counts (RFC 7323 2.2): other segments skip the scan.
        wscale: if b[13] & 0x02 != 0 {
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
