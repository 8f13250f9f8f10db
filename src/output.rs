//! Text, JSON-lines and "explain" renderings of decoded packets.
//!
//! The jsonl shape is a stable contract (documented in `docs/json.md`): later versions add keys,
//! never rename them. Serialisation is written by hand over the model (no intermediate tree) so
//! that `--format jsonl` streams at millions of fields per second.

use crate::model::{format_seconds, osi_name, tcpip_name, Field, Layer, Osi, Packet, TcpIp};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;
use std::fmt::Write as _;

/// One packet as a JSON object (see `docs/json.md`).
pub struct JsonPacket<'a>(pub &'a Packet);

struct JsonLayers<'a>(&'a [Layer]);
struct JsonLayer<'a>(&'a Layer);
struct JsonFields<'a>(&'a [Field]);
struct JsonField<'a>(&'a Field);

impl Serialize for JsonPacket<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("number", &p.meta.number)?;
        let ts = p.meta.timestamp.to_decimal();
        match serde_json::value::RawValue::from_string(ts) {
            Ok(raw) => m.serialize_entry("timestamp", &raw)?,
            Err(_) => m.serialize_entry("timestamp", &(p.meta.timestamp.ns as f64 / 1e9))?,
        }
        m.serialize_entry("caplen", &p.meta.caplen)?;
        m.serialize_entry("wirelen", &p.meta.wirelen)?;
        m.serialize_entry("link_type", &p.meta.link_type)?;
        m.serialize_entry("interface", &p.meta.interface)?;
        m.serialize_entry("source", &p.source)?;
        m.serialize_entry("destination", &p.destination)?;
        m.serialize_entry("protocol", &p.protocol)?;
        m.serialize_entry("summary", &p.summary)?;
        m.serialize_entry("sentence", &p.sentence)?;
        m.serialize_entry("layers", &JsonLayers(&p.layers))?;
        m.serialize_entry("notes", &p.notes)?;
        m.end()
    }
}

impl Serialize for JsonLayers<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut q = s.serialize_seq(Some(self.0.len()))?;
        for l in self.0 {
            q.serialize_element(&JsonLayer(l))?;
        }
        q.end()
    }
}

impl Serialize for JsonLayer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let l = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("protocol", l.protocol.filter_name())?;
        m.serialize_entry("name", l.protocol.short_name())?;
        m.serialize_entry("osi", &l.osi().number())?;
        m.serialize_entry("tcpip", l.tcpip().as_str())?;
        m.serialize_entry("offset", &l.offset)?;
        m.serialize_entry("length", &l.length)?;
        m.serialize_entry("fields", &JsonFields(&l.fields))?;
        m.end()
    }
}

impl Serialize for JsonFields<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut q = s.serialize_seq(Some(self.0.len()))?;
        for f in self.0 {
            q.serialize_element(&JsonField(f))?;
        }
        q.end()
    }
}

impl Serialize for JsonField<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("name", f.def.name)?;
        m.serialize_entry("value", &f.value)?;
        m.serialize_entry("display", &f.display())?;
        m.serialize_entry("offset", &f.offset)?;
        m.serialize_entry("length", &f.length)?;
        if let Some(b) = f.bitmask {
            m.serialize_entry("bitmask", &b)?;
        }
        if f.depth > 0 {
            m.serialize_entry("depth", &f.depth)?;
        }
        m.end()
    }
}

/// Write one packet as a JSON line (no trailing newline).
pub fn write_json<W: std::io::Write>(w: &mut W, p: &Packet) -> serde_json::Result<()> {
    serde_json::to_writer(w, &JsonPacket(p))
}

/// A one-line summary like `tshark -r`: number, relative time, source → destination, protocol,
/// length, info.
pub fn text_line(out: &mut String, p: &Packet, first_ts_ns: i64) {
    let rel = p.meta.timestamp.ns - first_ts_ns;
    let _ = write!(out, "{:>6} {:>11} ", p.meta.number, format_seconds(rel, 6));
    if p.source.is_none() && p.destination.is_none() {
        out.push_str("? → ?");
    } else {
        let _ = write!(out, "{} → {}", p.source, p.destination);
    }
    let _ = write!(out, " {} {} {}", p.protocol, p.meta.wirelen, p.summary);
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
    let mut s = String::new();
    let m = &p.meta;
    let _ = writeln!(
        s,
        "Packet {} — {} bytes on the wire, {} captured, at {} s since 1970 (interface {}{})",
        m.number,
        m.wirelen,
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
        let here: Vec<&Layer> = p.layers.iter().filter(|l| l.osi() == *osi).collect();
        let tcpip = TcpIp::ALL
            .iter()
            .find(|t| t.osi_span().contains(&osi.number()))
            .copied()
            .unwrap_or(TcpIp::Application);
        let names = if here.is_empty() {
            "—".to_string()
        } else {
            here.iter()
                .map(|l| {
                    format!(
                        "{} [{}..{})",
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
    }
    s.push('\n');
    // Layers, innermost (highest OSI) first.
    let mut order: Vec<(usize, &Layer)> = p.layers.iter().enumerate().collect();
    order.sort_by_key(|(i, l)| (std::cmp::Reverse(l.osi()), std::cmp::Reverse(*i)));
    for (i, l) in order {
        let _ = writeln!(
            s,
            "[{}] {} — OSI {} ({}), TCP/IP {} — bytes {}..{} ({} bytes)",
            layer_tag(i),
            l.protocol.long_name(),
            l.osi().number(),
            osi_name(l.osi().number()),
            tcpip_name(l.tcpip()),
            l.offset,
            l.offset + l.length,
            l.length
        );
        let _ = writeln!(s, "    why here: {}", l.protocol.placement_note());
        for f in &l.fields {
            let indent = "  ".repeat(f.depth as usize + 2);
            let range = if f.length == 0 {
                "generated".to_string()
            } else {
                format!("{}..{}", f.offset, f.offset + f.length)
            };
            let mask = f
                .bitmask
                .map_or(String::new(), |b| format!(" mask 0x{b:x}"));
            let _ = writeln!(
                s,
                "{indent}{:<32} = {:<28} [{range}{mask}]  {}",
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

/// Hex dump with a marker row under each line showing which layer each byte belongs to.
pub fn hex_dump(p: &Packet, data: &[u8]) -> String {
    let mut owner = vec![None::<usize>; data.len()];
    for (i, l) in p.layers.iter().enumerate().skip(1) {
        for b in l.range() {
            if let Some(o) = owner.get_mut(b) {
                *o = Some(i);
            }
        }
    }
    let mut s = String::from("Bytes (letters under each byte name its layer):\n");
    for (row, chunk) in data.chunks(16).enumerate() {
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
        for b in chunk {
            s.push(if b.is_ascii_graphic() || *b == b' ' {
                *b as char
            } else {
                '.'
            });
        }
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
    s.push_str("Legend: ");
    let legend: Vec<String> = p
        .layers
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, l)| {
            format!(
                "{} = {} [{}..{})",
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
