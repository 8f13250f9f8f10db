//! Text, JSON-lines and "explain" renderings of decoded packets.
//!
//! The jsonl shape is a stable contract (documented in `docs/json.md`): later versions add keys,
//! never rename them. Serialisation is written by hand over the model (no intermediate tree, no
//! per-key escaping) so that `--format jsonl` streams at millions of fields per second.

use crate::model::value::{push_hex_colon, write_ipv4};
use crate::model::{
    osi_name, roles, tcpip_name, write_seconds, write_seconds_aligned, Address, Base, Field, Layer,
    Osi, Packet, Placement, Severity, TcpIp, Text, Value,
};
use std::fmt::Write as _;

/// Bytes that must be escaped inside a JSON string.
const NEEDS_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Append `s` as a JSON string literal (quoted, escaped).
fn push_json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let b = s.as_bytes();
    let mut start = 0;
    // Skip eight bytes at a time while none needs escaping (most texts need none).
    let clean = b
        .chunks_exact(8)
        .take_while(|c| {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            !word_needs_escape(u64::from_le_bytes(w))
        })
        .count()
        * 8;
    for (i, &c) in b.iter().enumerate().skip(clean) {
        if !NEEDS_ESCAPE[usize::from(c)] {
            continue;
        }
        out.extend_from_slice(&b[start..i]);
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(c >> 4)]);
                out.push(HEX[usize::from(c & 15)]);
            }
        }
        start = i + 1;
    }
    out.extend_from_slice(&b[start..]);
    out.push(b'"');
}

/// Whether any of the eight bytes in `w` is below 0x20, `"` or `\` (the classic "has a
/// byte less than n" and "has a zero byte" bit tricks, exact for whether one exists).
fn word_needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    let q = w ^ (ONES * u64::from(b'"'));
    let quote = q.wrapping_sub(ONES) & !q & HIGH;
    let bs = w ^ (ONES * u64::from(b'\\'));
    let backslash = bs.wrapping_sub(ONES) & !bs & HIGH;
    below_space | quote | backslash != 0
}

/// Append text known to need no escaping (addresses, hex) as a JSON string.
fn push_plain_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

/// Most numbers in a packet's JSON (offsets, lengths, flags) are below 10 000: those are
/// written as fixed-size pieces, which compile to plain stores instead of a copy call.
fn push_u64(out: &mut Vec<u8>, v: u64) {
    let d = |x: u64| b'0' + (x % 10) as u8;
    match v {
        0..=9 => out.push(d(v)),
        10..=99 => out.extend_from_slice(&[d(v / 10), d(v)]),
        100..=999 => out.extend_from_slice(&[d(v / 100), d(v / 10), d(v)]),
        1000..=9999 => out.extend_from_slice(&[d(v / 1000), d(v / 100), d(v / 10), d(v)]),
        _ => out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes()),
    }
}

/// `,"key":` (keys are fixed ASCII: no escaping needed), written as one constant piece.
macro_rules! key {
    ($out:expr, first $k:literal) => {
        $out.extend_from_slice(concat!("\"", $k, "\":").as_bytes())
    };
    ($out:expr, $k:literal) => {
        $out.extend_from_slice(concat!(",\"", $k, "\":").as_bytes())
    };
}

/// A field's `value` and `display` members. The common plain cases (a decimal number, a flag)
/// write the text once and copy it, with nothing to escape.
fn push_value_display(out: &mut Vec<u8>, f: &Field, scratch: &mut String) {
    match (&f.text, &f.value) {
        (Text::Auto, Value::U64(v)) if !matches!(f.def.base, Base::Hex(_)) => {
            let start = out.len();
            push_u64(out, *v);
            let end = out.len();
            out.extend_from_slice(b",\"display\":\"");
            out.extend_from_within(start..end);
            out.push(b'"');
        }
        (Text::Auto, Value::Bool(b)) => out.extend_from_slice(if *b {
            b"true,\"display\":\"Set\""
        } else {
            b"false,\"display\":\"Not set\""
        }),
        (Text::Auto, Value::U64(v)) => {
            // Hex: the number, then its text (digits only: nothing to escape).
            push_u64(out, *v);
            key!(out, "display");
            scratch.clear();
            f.value.write_to(f.def.base, scratch);
            push_plain_str(out, scratch);
        }
        (Text::Auto, Value::Ipv4(_) | Value::Ipv6(_) | Value::Mac(_)) => {
            // The address text is both the value and the display.
            scratch.clear();
            f.value.write_to(Base::None, scratch);
            push_plain_str(out, scratch);
            key!(out, "display");
            push_plain_str(out, scratch);
        }
        (Text::Auto, Value::Time { ns, digits }) => {
            scratch.clear();
            write_seconds(scratch, *ns, *digits);
            out.extend_from_slice(scratch.as_bytes());
            key!(out, "display");
            push_plain_str(out, scratch);
        }
        _ => {
            push_value(out, &f.value, scratch);
            key!(out, "display");
            scratch.clear();
            f.write_display(scratch);
            push_json_str(out, scratch);
        }
    }
}

fn push_value(out: &mut Vec<u8>, v: &Value, scratch: &mut String) {
    match v {
        Value::None => out.extend_from_slice(b"null"),
        Value::U64(x) => push_u64(out, *x),
        Value::I64(x) => out.extend_from_slice(itoa::Buffer::new().format(*x).as_bytes()),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Str(s) => push_json_str(out, s),
        Value::Static(s) => push_json_str(out, s),
        Value::Time { ns, digits } => {
            scratch.clear();
            write_seconds(scratch, *ns, *digits);
            out.extend_from_slice(scratch.as_bytes());
        }
        other => {
            // Addresses and colon-hex bytes: ASCII with nothing to escape.
            scratch.clear();
            other.write_to(Base::None, scratch);
            push_plain_str(out, scratch);
        }
    }
}

/// Append one packet as a JSON object (the contract in `docs/json.md`; no trailing newline).
///
/// Written by hand rather than through serde: keys are fixed ASCII and numbers go through itoa,
/// which makes `--format jsonl` several times faster than a derived serializer.
pub fn push_json(out: &mut Vec<u8>, p: &Packet) {
    let mut scratch = String::with_capacity(64);
    out.push(b'{');
    key!(out, first "number");
    push_u64(out, p.meta.number);
    key!(out, "timestamp");
    write_seconds(&mut scratch, p.meta.timestamp.ns, p.meta.timestamp.digits);
    out.extend_from_slice(scratch.as_bytes());
    key!(out, "caplen");
    push_u64(out, u64::from(p.meta.caplen));
    key!(out, "wirelen");
    push_u64(out, u64::from(p.meta.wirelen));
    key!(out, "link_type");
    push_u64(out, u64::from(p.meta.link_type));
    key!(out, "interface");
    push_u64(out, u64::from(p.meta.interface));
    key!(out, "source");
    push_plain_str(out, &p.source.to_string());
    key!(out, "destination");
    push_plain_str(out, &p.destination.to_string());
    key!(out, "protocol");
    push_plain_str(out, p.protocol);
    key!(out, "summary");
    push_json_str(out, &p.summary);
    key!(out, "sentence");
    push_json_str(out, &p.sentence);
    key!(out, "layers");
    push_array(out, &p.layers, |out, l| {
        key!(out, first "protocol");
        push_plain_str(out, l.protocol.filter_name());
        key!(out, "name");
        push_plain_str(out, l.protocol.short_name());
        key!(out, "osi");
        push_u64(out, u64::from(l.osi().number()));
        key!(out, "tcpip");
        push_plain_str(out, l.tcpip().as_str());
        key!(out, "offset");
        push_u64(out, u64::from(l.offset));
        key!(out, "length");
        push_u64(out, u64::from(l.length));
        if let Some(r) = &l.reassembled {
            // The layer's ranges are in these bytes, not in the frame.
            key!(out, "data_source");
            push_plain_str(out, r.what);
            key!(out, "data_length");
            push_u64(out, r.bytes.len() as u64);
            key!(out, "segments");
            push_array(out, &r.segments, |out, g| {
                key!(out, first "packet");
                push_u64(out, g.packet);
                key!(out, "frame_offset");
                push_u64(out, u64::from(g.frame_offset));
                key!(out, "data_offset");
                push_u64(out, u64::from(g.data_offset));
                key!(out, "length");
                push_u64(out, u64::from(g.length));
            });
        }
        key!(out, "fields");
        push_array(out, &l.fields, |out, f| {
            if f.def.json_head.is_empty() {
                key!(out, first "name");
                push_plain_str(out, f.def.name);
                key!(out, "value");
            } else {
                out.extend_from_slice(f.def.json_head.as_bytes());
            }
            push_value_display(out, f, &mut scratch);
            key!(out, "offset");
            push_u64(out, u64::from(f.offset));
            key!(out, "length");
            push_u64(out, u64::from(f.length));
            if let Some(b) = f.bitmask {
                key!(out, "bitmask");
                push_u64(out, u64::from(b));
            }
            if f.depth > 0 {
                key!(out, "depth");
                push_u64(out, u64::from(f.depth));
            }
        });
    });
    key!(out, "notes");
    push_array(out, &p.notes, |out, n| {
        key!(out, first "severity");
        push_plain_str(
            out,
            match n.severity {
                Severity::Info => "info",
                Severity::Warning => "warning",
                Severity::Error => "error",
            },
        );
        key!(out, "kind");
        push_plain_str(out, n.kind.as_str());
        if let Some(pr) = n.protocol {
            key!(out, "protocol");
            push_plain_str(out, pr);
        }
        if let Some(o) = n.offset {
            key!(out, "offset");
            push_u64(out, u64::from(o));
        }
        key!(out, "text");
        push_json_str(out, &n.text);
    });
    out.push(b'}');
}

/// A JSON array of objects: `[{...},{...}]`; `each` writes one object's members.
fn push_array<'a, T: 'a>(
    out: &mut Vec<u8>,
    items: impl IntoIterator<Item = &'a T>,
    mut each: impl FnMut(&mut Vec<u8>, &'a T),
) {
    out.push(b'[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'{');
        each(out, item);
        out.push(b'}');
    }
    out.push(b']');
}

/// Write one packet as a JSON line (no trailing newline).
pub fn write_json<W: std::io::Write>(w: &mut W, p: &Packet) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(4096);
    push_json(&mut buf, p);
    w.write_all(&buf)
}

/// A one-line summary like `tshark -r`: number, relative time, source → destination, protocol,
/// length, info.
pub fn text_line(out: &mut String, p: &Packet, first_ts_ns: i64) {
    // Hand-rolled padding and itoa: this runs once per packet of `decode --format text`.
    let mut num = itoa::Buffer::new();
    let n = num.format(p.meta.number);
    pad(out, 6, n.len());
    out.push_str(n);
    out.push(' ');
    // Seconds since the first packet, right-aligned as `tshark -r` prints them.
    write_seconds_aligned(out, p.meta.timestamp.ns - first_ts_ns, 6, 11);
    out.push(' ');
    if p.source.is_none() && p.destination.is_none() {
        out.push_str("? → ?");
    } else {
        push_address(out, &p.source);
        out.push_str(" → ");
        push_address(out, &p.destination);
    }
    out.push(' ');
    out.push_str(p.protocol);
    out.push(' ');
    out.push_str(num.format(p.meta.wirelen));
    out.push(' ');
    out.push_str(&p.summary);
}

fn pad(out: &mut String, width: usize, len: usize) {
    for _ in len..width {
        out.push(' ');
    }
}

fn push_address(out: &mut String, a: &Address) {
    match a {
        Address::Ipv4(x) => write_ipv4(out, x),
        Address::Mac(m) => push_hex_colon(out, m),
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

/// Letters that mark each layer's bytes in the explain hex dump.
/// Layer 0 is the frame itself (all bytes), so letters start at the first header.
fn layer_tag(i: usize) -> char {
    const TAGS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    match i {
        0 => '*',
        _ => TAGS.get(i - 1).map_or('?', |&b| b as char),
    }
}

/// The `explain` view: the packet layer by layer, OSI 7→1 beside TCP/IP, every field with its
/// value, byte range and explanation, then a hex dump with each layer's range marked.
pub fn explain(p: &Packet, data: &[u8], interface_name: Option<&str>) -> String {
    explain_in(p, data, interface_name, Placement::Textbook)
}

/// [`explain`] with the OSI column in the given placement (`explain --placement`).
pub fn explain_in(
    p: &Packet,
    data: &[u8],
    interface_name: Option<&str>,
    placement: Placement,
) -> String {
    let mut s = String::new();
    let m = &p.meta;
    let _ = writeln!(
        s,
        "Packet {} — {} on the wire, {} captured, at {} s since 1970-01-01 00:00 UTC (interface {}{})",
        m.number,
        crate::model::count(m.wirelen, "byte"),
        m.caplen,
        m.timestamp.to_decimal(),
        m.interface,
        interface_name.map_or(String::new(), |n| format!(", {n}"))
    );
    let _ = writeln!(s, "Summary:  {} {}", p.protocol, p.summary);
    let _ = writeln!(s, "In words: {}", p.sentence);
    s.push('\n');
    let _ = writeln!(
        s,
        "{:<22} {:<14} Headers in this packet",
        "OSI layer", "TCP/IP layer"
    );
    let _ = writeln!(s, "{:-<22} {:-<14} {:-<40}", "", "", "");
    for osi in Osi::ALL.iter().rev() {
        let here = roles::layers_in_row(p, *osi, placement);
        let tcpip = TcpIp::ALL
            .iter()
            .find(|t| t.osi_span().contains(&osi.number()))
            .copied()
            .unwrap_or(TcpIp::Application);
        let names = if here.is_empty() {
            "—".to_string()
        } else {
            here.iter()
                .map(|(i, l)| {
                    let inside = roles::container_of(p, *i).map_or(String::new(), |c| {
                        format!(" inside {}", p.layers[c].protocol.short_name())
                    });
                    format!(
                        "{} [{}..{}){inside}",
                        l.protocol.short_name(),
                        l.offset,
                        l.offset + l.length
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            s,
            "{:<22} {:<14} {}",
            format!("{} {}", osi.number(), osi_name(osi.number())),
            tcpip_name(tcpip),
            names
        );
        if let Some(note) = roles::row_note(p, *osi, placement) {
            let _ = writeln!(s, "{:<38}{}", "", note);
        }
    }
    for pl in roles::payloads(p) {
        let _ = writeln!(
            s,
            "Payload:  {} (bytes {}..{})",
            pl.describe(),
            pl.range.start,
            pl.range.end
        );
    }
    s.push('\n');
    // Layers, innermost (highest OSI) first.
    let mut order: Vec<(usize, &Layer)> = p.layers.iter().enumerate().collect();
    order.sort_by_key(|(i, l)| {
        (
            std::cmp::Reverse(l.osi_in(placement)),
            std::cmp::Reverse(*i),
        )
    });
    for (i, l) in order {
        let _ = writeln!(
            s,
            "[{}] {} — OSI {} ({}), TCP/IP {} — bytes {}..{} ({})",
            layer_tag(i),
            l.protocol.long_name(),
            l.osi_in(placement).number(),
            osi_name(l.osi_in(placement).number()),
            tcpip_name(l.tcpip()),
            l.offset,
            l.offset + l.length,
            crate::model::count(l.length, "byte")
        );
        let _ = writeln!(
            s,
            "    why here: {}",
            l.protocol.placement_note_in(placement)
        );
        if let Some(r) = &l.reassembled {
            let from: Vec<String> = r
                .segments
                .iter()
                .map(|g| {
                    format!(
                        "#{} [{}..{})",
                        g.packet,
                        g.frame_offset,
                        g.frame_offset + g.length
                    )
                })
                .collect();
            let _ = writeln!(
                s,
                "    bytes: ranges below are in the {} ({}, shown after the frame's hex), not in this frame; from {} {}",
                r.what,
                crate::model::count(r.bytes.len(), "byte"),
                crate::model::noun(r.segments.len(), "packet"),
                from.join(", ")
            );
        }
        for f in &l.fields {
            let indent = "  ".repeat(f.depth as usize + 2);
            // The same half-open notation as the layer rows: [69..70) is one byte.
            let range = if f.length == 0 {
                "[generated]".to_string()
            } else {
                format!("[{}..{})", f.offset, f.offset + f.length)
            };
            let mask = f
                .bitmask
                .map_or(String::new(), |b| format!(" mask 0x{b:x}"));
            let _ = writeln!(
                s,
                "{indent}{:<32} = {:<28} {range}{mask}  {}",
                f.def.name,
                truncate_display(&f.display(), 60),
                f.def.explain
            );
        }
        s.push('\n');
    }
    if !p.notes.is_empty() {
        s.push_str("Notes:\n");
        for n in &p.notes {
            let at = n.offset.map_or(String::new(), |o| format!(" (byte {o})"));
            let _ = writeln!(s, "  {:?}{at}: {}", n.severity, n.text);
        }
        s.push('\n');
    }
    s.push_str(&hex_dump(p, data));
    let mut seen: Vec<*const u8> = Vec::new();
    for (i, l) in p.layers.iter().enumerate() {
        let Some(r) = &l.reassembled else { continue };
        if seen.contains(&r.bytes.as_ptr()) {
            continue;
        }
        seen.push(r.bytes.as_ptr());
        let _ = writeln!(
            s,
            "\n{} of the {} (layer {}):",
            crate::model::count(r.bytes.len(), "byte"),
            r.what,
            layer_tag(i)
        );
        for (row, chunk) in r.bytes.chunks(16).take(64).enumerate() {
            let _ = write!(s, "{:04x}  ", row * 16);
            for b in chunk {
                let _ = write!(s, "{b:02x} ");
            }
            for _ in chunk.len()..16 {
                s.push_str("   ");
            }
            s.push(' ');
            push_ascii(&mut s, chunk);
            s.push('\n');
        }
        if r.bytes.len() > 1024 {
            let _ = writeln!(
                s,
                "… ({} more)",
                crate::model::count(r.bytes.len() - 1024, "byte")
            );
        }
    }
    s
}

fn truncate_display(t: &str, max: usize) -> String {
    if t.chars().count() <= max {
        t.to_string()
    } else {
        let mut x: String = t.chars().take(max - 1).collect();
        x.push('…');
        x
    }
}

/// The ASCII column of a hex dump: printable bytes as themselves, the rest as `.`.
pub fn push_ascii(s: &mut String, bytes: &[u8]) {
    s.extend(bytes.iter().map(|&b| {
        if b.is_ascii_graphic() || b == b' ' {
            b as char
        } else {
            '.'
        }
    }));
}

/// For each of a frame's `len` bytes, the index of the innermost layer it belongs to (layers
/// over reassembled data are left out: their ranges are not in the frame).
/// The layer (index) whose bytes include frame byte `b`: the innermost, as [`byte_owners`]
/// gives for every byte at once (a view that shows only some rows asks byte by byte).
pub fn byte_owner(p: &Packet, b: usize) -> Option<usize> {
    p.layers
        .iter()
        .enumerate()
        .skip(1)
        .rev()
        .find(|(_, l)| l.reassembled.is_none() && l.range().contains(&b))
        .map(|(i, _)| i)
}

pub fn byte_owners(p: &Packet, len: usize) -> Vec<Option<usize>> {
    let mut owner = vec![None::<usize>; len];
    for (i, l) in p.layers.iter().enumerate().skip(1) {
        if l.reassembled.is_some() {
            continue;
        }
        for b in l.range() {
            if let Some(o) = owner.get_mut(b) {
                *o = Some(i);
            }
        }
    }
    owner
}

/// Bytes of a frame the text hex dump shows; a bigger frame ends with a line that says how
/// many bytes were left out (a 16 MiB frame would otherwise print a hundred megabytes).
pub const MAX_DUMP: usize = 64 << 10;

/// Hex dump with a marker row under each line showing which layer each byte belongs to.
pub fn hex_dump(p: &Packet, data: &[u8]) -> String {
    let shown = data.len().min(MAX_DUMP);
    let owner = byte_owners(p, shown);
    let mut s = String::from("Bytes (letters under each byte name its layer):\n");
    for (row, chunk) in data[..shown].chunks(16).enumerate() {
        let base = row * 16;
        let _ = write!(s, "{base:04x}  ");
        for (i, b) in chunk.iter().enumerate() {
            let _ = write!(s, "{b:02x} ");
            if i == 7 {
                s.push(' ');
            }
        }
        for i in chunk.len()..16 {
            s.push_str("   ");
            if i == 7 {
                s.push(' ');
            }
        }
        s.push(' ');
        push_ascii(&mut s, chunk);
        s.push('\n');
        s.push_str("      ");
        for i in 0..chunk.len() {
            let t = owner[base + i].map_or('.', layer_tag);
            let _ = write!(s, "{t}{t} ");
            if i == 7 {
                s.push(' ');
            }
        }
        s.push('\n');
    }
    if shown < data.len() {
        let _ = writeln!(
            s,
            "… showing {} of this frame's {}; the other {} are left out.",
            crate::model::count(shown, "byte"),
            crate::model::count(data.len(), "byte"),
            crate::model::count(data.len() - shown, "byte")
        );
    }
    s.push_str("Legend: ");
    let legend: Vec<String> = p
        .layers
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, l)| {
            let whose = l
                .reassembled
                .as_ref()
                .map_or(String::new(), |r| format!(" of the {}", r.what));
            format!(
                "{} = {} [{}..{}){whose}",
                layer_tag(i),
                l.protocol.short_name(),
                l.offset,
                l.offset + l.length
            )
        })
        .collect();
    s.push_str(&legend.join(", "));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The time column is `write_seconds` right-aligned in 11 columns, for any time.
        #[test]
        fn time_column_is_write_seconds_padded(ns in proptest::prelude::any::<i64>(), digits in 0u8..12) {
            let mut want = String::new();
            write_seconds(&mut want, ns, digits);
            let want = format!("{want:>11}");
            let mut got = String::new();
            write_seconds_aligned(&mut got, ns, digits, 11);
            proptest::prop_assert_eq!(got, want);
        }

        /// Escaping with the eight-byte skip equals serde_json's, for any text.
        #[test]
        fn strings_as_serde_escapes_them(s in "(?s).{0,40}", pad in 0usize..9) {
            let s = format!("{}{s}", "a".repeat(pad));
            let mut out = Vec::new();
            push_json_str(&mut out, &s);
            let ours: String = serde_json::from_slice(&out).expect("valid JSON");
            proptest::prop_assert_eq!(ours, s);
        }

        /// The fixed-size fast path writes what itoa writes.
        #[test]
        fn numbers_as_itoa_writes_them(
            v in proptest::prop_oneof![0u64..20_000, proptest::num::u64::ANY]
        ) {
            let mut out = Vec::new();
            push_u64(&mut out, v);
            proptest::prop_assert_eq!(out, v.to_string().into_bytes());
        }
    }
}
