//! Reading pcap and pcapng files from a byte slice (usually a memory map).
//!
//! The reader walks the file once, in order, and yields one [`RawPacket`] per packet record with
//! a borrowed slice of its bytes and their offset in the file. It never copies packet data: the
//! store keeps only offsets, and decoding happens later on demand.
//!
//! Why our own loop around pcap-parser: pcap-parser decodes the blocks, but a capture from a
//! stranger can lie about every length in it. The loop checks each length against what is left
//! of the file *before* asking pcap-parser for the block, so that every failure becomes a
//! [`CaptureError`] naming the byte offset and what was wrong, and the packets before it are kept.
//! The loop always advances by at least one record or stops, so it cannot spin forever.

use crate::model::{FrameMeta, Timestamp};
use pcap_parser::pcapng::{parse_block_be, parse_block_le, Block};
use thiserror::Error;

/// Largest packet record we accept when the snapshot length does not say otherwise (tshark uses
/// the same 256 KiB standard maximum).
pub const MAX_STANDARD_PACKET: u32 = 262_144;
/// Hard ceiling whatever the header says: a record length beyond this is damage, not data.
pub const MAX_PACKET_HARD: u32 = 16 * 1024 * 1024;

/// What went wrong reading a capture file. Every variant that concerns the file's contents
/// carries the byte offset where it happened.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CaptureError {
    #[error("the file is empty")]
    Empty,
    #[error("not a pcap or pcapng file: it starts with {0:02x?}, which is no known capture magic")]
    NotACapture(Vec<u8>),
    #[error("damaged at byte {offset}: {what}")]
    Damaged { offset: u64, what: String },
    #[error("cut short at byte {offset}: {what}")]
    Truncated { offset: u64, what: String },
}

impl CaptureError {
    /// Byte offset the error is about, if any.
    pub fn offset(&self) -> Option<u64> {
        match self {
            CaptureError::Damaged { offset, .. } | CaptureError::Truncated { offset, .. } => {
                Some(*offset)
            }
            _ => None,
        }
    }
}

/// File format details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pcap {
        big_endian: bool,
        nanosecond: bool,
        modified: bool,
    },
    PcapNg,
    /// Packets captured live (nothing on disk until saved).
    Live,
}

impl Format {
    pub fn describe(self) -> &'static str {
        match self {
            Format::Pcap {
                big_endian: false,
                nanosecond: false,
                modified: false,
            } => "pcap (little-endian, microseconds)",
            Format::Pcap {
                big_endian: true,
                nanosecond: false,
                modified: false,
            } => "pcap (big-endian, microseconds)",
            Format::Pcap {
                big_endian: false,
                nanosecond: true,
                ..
            } => "pcap (little-endian, nanoseconds)",
            Format::Pcap {
                big_endian: true,
                nanosecond: true,
                ..
            } => "pcap (big-endian, nanoseconds)",
            Format::Pcap { modified: true, .. } => "pcap (modified/Kuznetsov format)",
            Format::PcapNg => "pcapng",
            Format::Live => "live capture",
        }
    }
}

/// An interface a capture was taken on (pcapng IDB; a single implicit one for pcap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub link_type: u32,
    pub name: Option<String>,
    pub description: Option<String>,
    pub snaplen: u32,
    /// Timestamp units per second.
    pub ts_units_per_sec: u64,
    /// Seconds added to every timestamp (pcapng `if_tsoffset`).
    pub ts_offset: i64,
    /// Decimal digits the resolution gives (6 for µs, 9 for ns).
    pub ts_digits: u8,
    /// pcapng section this interface belongs to (0-based).
    pub section: u32,
}

impl Interface {
    /// A live-capture interface: nanosecond timestamps, one section.
    pub fn live(link_type: u32, name: &str, snaplen: u32) -> Self {
        let mut i = Interface::new(link_type, snaplen, 1_000_000_000, 0);
        i.name = Some(name.to_string());
        i
    }

    fn new(link_type: u32, snaplen: u32, units: u64, section: u32) -> Self {
        Interface {
            link_type,
            name: None,
            description: None,
            snaplen,
            ts_units_per_sec: units,
            ts_offset: 0,
            ts_digits: digits_for(units),
            section,
        }
    }

    fn timestamp(&self, units: u64) -> Timestamp {
        let per = u128::from(self.ts_units_per_sec.max(1));
        let ns = (u128::from(units) * 1_000_000_000 / per) as i128;
        let ns = ns + i128::from(self.ts_offset) * 1_000_000_000;
        Timestamp {
            ns: ns.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
            digits: self.ts_digits,
        }
    }
}

fn digits_for(units_per_sec: u64) -> u8 {
    let mut d = 0u8;
    let mut u = units_per_sec;
    while u >= 10 && u % 10 == 0 {
        u /= 10;
        d += 1;
    }
    if u == 1 {
        d.min(9)
    } else {
        9
    }
}

/// One packet record: metadata plus a borrowed view of its bytes.
#[derive(Debug, Clone)]
pub struct RawPacket<'a> {
    pub meta: FrameMeta,
    pub data: &'a [u8],
    /// Offset of `data` in the file.
    pub data_offset: u64,
    /// pcapng `opt_comment`s of this packet.
    pub comments: Vec<String>,
}

/// Streaming reader over a whole capture held in memory (or memory-mapped).
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    format: Format,
    interfaces: Vec<Interface>,
    /// Index in `interfaces` of the current pcapng section's interface 0.
    section_base: usize,
    section: u32,
    big_endian: bool,
    number: u64,
    done: bool,
    /// The error that stopped reading, if any.
    error: Option<CaptureError>,
    section_comments: Vec<String>,
    /// Notes for the next packet: blocks skipped before it (see [`crate::model::READER_NOTE`]).
    pending: Vec<String>,
}

/// A reader's note for a packet, carried with its comments (see [`crate::model::READER_NOTE`]).
fn reader_note(text: impl std::fmt::Display) -> String {
    format!("{}{text}", crate::model::READER_NOTE)
}

/// A record that says it captured more bytes than the packet had: tshark takes the packet as
/// long as what was captured; so do we, with a note.
fn caplen_note(caplen: usize, wirelen: u32) -> Option<String> {
    (caplen > wirelen as usize).then(|| {
        reader_note(format_args!(
            "this record says it captured {} of a {}-byte packet, more than the packet's length: the packet is taken to be {} long",
            crate::model::count(caplen, "byte"),
            wirelen,
            crate::model::count(caplen, "byte"),
        ))
    })
}

/// Timestamp units a second for a pcapng `if_tsresol` byte (section 4.2 of the pcapng
/// draft): the high bit clear, 10^-n seconds; set, 2^-n seconds. `None` past what a u64
/// holds. (pcap-parser 0.17 rejects every binary resolution, so this reads the option.)
pub fn tsresol_units(r: u8) -> Option<u64> {
    let n = u32::from(r & 0x7f);
    if r & 0x80 == 0 {
        10u64.checked_pow(n)
    } else {
        1u64.checked_shl(n).filter(|_| n < 64)
    }
}

/// pcapng block types whose damage does not stop the file: nothing later depends on them
/// (name resolution, statistics, decryption secrets, custom blocks, systemd journal).
fn skippable(btype: u32) -> Option<&'static str> {
    match btype {
        0x0000_0004 => Some("name resolution"),
        0x0000_0005 => Some("interface statistics"),
        0x0000_000A => Some("decryption secrets"),
        0x0000_0009 => Some("systemd journal export"),
        0x0000_0BAD | 0x4000_0BAD => Some("custom"),
        _ => None,
    }
}

fn rd_u32(b: &[u8], off: usize, be: bool) -> u32 {
    let a = [b[off], b[off + 1], b[off + 2], b[off + 3]];
    if be {
        u32::from_be_bytes(a)
    } else {
        u32::from_le_bytes(a)
    }
}

fn rd_u16(b: &[u8], off: usize, be: bool) -> u16 {
    let a = [b[off], b[off + 1]];
    if be {
        u16::from_be_bytes(a)
    } else {
        u16::from_le_bytes(a)
    }
}

const PCAPNG_SHB: u32 = 0x0A0D_0D0A;
const PCAPNG_BOM: u32 = 0x1A2B_3C4D;
const PCAPNG_OBSOLETE_PB: u32 = 0x0000_0002;

impl<'a> Reader<'a> {
    /// Recognise the file format and read its header. Fails only when the file is not a capture
    /// at all (or its header is cut); damage later in the file surfaces from [`Reader::next`].
    pub fn new(buf: &'a [u8]) -> Result<Self, CaptureError> {
        if buf.is_empty() {
            return Err(CaptureError::Empty);
        }
        if buf.len() < 4 {
            return Err(CaptureError::Truncated {
                offset: 0,
                what: format!("only {} bytes, too short for any capture header", buf.len()),
            });
        }
        let magic_le = rd_u32(buf, 0, false);
        let mut r = Reader {
            buf,
            pos: 0,
            format: Format::PcapNg,
            interfaces: Vec::new(),
            section_base: 0,
            section: 0,
            big_endian: false,
            number: 0,
            done: false,
            error: None,
            section_comments: Vec::new(),
            pending: Vec::new(),
        };
        match magic_le {
            0xa1b2_c3d4 | 0xd4c3_b2a1 | 0xa1b2_3c4d | 0x4d3c_b2a1 | 0xa1b2_cd34 | 0x34cd_b2a1 => {
                if buf.len() < 24 {
                    return Err(CaptureError::Truncated {
                        offset: buf.len() as u64,
                        what: format!(
                            "the pcap file header needs 24 bytes, the file has {}",
                            buf.len()
                        ),
                    });
                }
                let (_, hdr) =
                    pcap_parser::parse_pcap_header(buf).map_err(|e| CaptureError::Damaged {
                        offset: 0,
                        what: format!("unreadable pcap header: {e:?}"),
                    })?;
                let be = hdr.is_bigendian();
                let nanos = hdr.is_nanosecond_precision();
                let modified = hdr.magic_number == 0xa1b2_cd34 || hdr.magic_number == 0x34cd_b2a1;
                r.format = Format::Pcap {
                    big_endian: be,
                    nanosecond: nanos,
                    modified,
                };
                r.big_endian = be;
                let units = if nanos { 1_000_000_000 } else { 1_000_000 };
                // pcap-parser reads the link type with the file's byte order; FCS bits live in
                // the upper bits of the same field.
                let lt = (hdr.network.0 as u32) & 0x0fff_ffff;
                r.interfaces.push(Interface::new(lt, hdr.snaplen, units, 0));
                r.pos = 24;
                Ok(r)
            }
            PCAPNG_SHB => Ok(r),
            _ => Err(CaptureError::NotACapture(buf[..buf.len().min(8)].to_vec())),
        }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    pub fn interfaces(&self) -> &[Interface] {
        &self.interfaces
    }

    /// Comments of the section headers seen so far.
    pub fn section_comments(&self) -> &[String] {
        &self.section_comments
    }

    /// Bytes consumed so far (for progress bars).
    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The error that stopped the reader, once `next` has returned `None`.
    pub fn error(&self) -> Option<&CaptureError> {
        self.error.as_ref()
    }

    fn fail(&mut self, e: CaptureError) -> Option<RawPacket<'a>> {
        self.done = true;
        self.error = Some(e);
        None
    }

    /// Next packet, or `None` at the end of the file or at the first damage (see
    /// [`Reader::error`]).
    pub fn next_packet(&mut self) -> Option<RawPacket<'a>> {
        if self.done {
            return None;
        }
        match self.format {
            Format::Pcap {
                big_endian,
                modified,
                ..
            } => self.next_pcap(big_endian, modified),
            Format::PcapNg => self.next_pcapng(),
            Format::Live => None,
        }
    }

    fn next_pcap(&mut self, be: bool, modified: bool) -> Option<RawPacket<'a>> {
        let rec_hdr = if modified { 24 } else { 16 };
        let left = self.buf.len() - self.pos;
        if left == 0 {
            self.done = true;
            return None;
        }
        let at = self.pos as u64;
        if left < rec_hdr {
            return self.fail(CaptureError::Truncated {
                offset: at,
                what: format!(
                    "the file ends inside the header of packet {} ({left} of {rec_hdr} bytes)",
                    self.number + 1
                ),
            });
        }
        let b = &self.buf[self.pos..];
        let ts_sec = rd_u32(b, 0, be);
        let ts_frac = rd_u32(b, 4, be);
        let caplen = rd_u32(b, 8, be);
        let wirelen = rd_u32(b, 12, be);
        let iface = &self.interfaces[0];
        let limit = iface
            .snaplen
            .clamp(MAX_STANDARD_PACKET, MAX_PACKET_HARD)
            .max(MAX_STANDARD_PACKET);
        if caplen > limit {
            return self.fail(CaptureError::Damaged {
                offset: at,
                what: format!(
                    "packet {} claims {caplen} captured bytes, more than the maximum of {limit}",
                    self.number + 1
                ),
            });
        }
        if caplen as usize > left - rec_hdr {
            return self.fail(CaptureError::Truncated {
                offset: at,
                what: format!(
                    "packet {} claims {caplen} bytes but only {} are left in the file",
                    self.number + 1,
                    left - rec_hdr
                ),
            });
        }
        if iface.ts_units_per_sec == 1_000_000 && ts_frac >= 1_000_000
            || iface.ts_units_per_sec == 1_000_000_000 && ts_frac >= 1_000_000_000
        {
            // tshark accepts these too; keep the packet, the fraction simply carries over.
        }
        let units = u64::from(ts_sec) * iface.ts_units_per_sec + u64::from(ts_frac);
        let ts = iface.timestamp(units);
        let start = self.pos + rec_hdr;
        let data = &self.buf[start..start + caplen as usize];
        self.pos = start + caplen as usize;
        self.number += 1;
        let comments = caplen_note(caplen as usize, wirelen).into_iter().collect();
        Some(RawPacket {
            meta: FrameMeta {
                number: self.number,
                timestamp: ts,
                caplen,
                wirelen: wirelen.max(caplen),
                link_type: iface.link_type,
                interface: 0,
            },
            data,
            data_offset: start as u64,
            comments,
        })
    }

    fn next_pcapng(&mut self) -> Option<RawPacket<'a>> {
        loop {
            let left = self.buf.len() - self.pos;
            if left == 0 {
                self.done = true;
                return None;
            }
            let at = self.pos as u64;
            if left < 12 {
                return self.fail(CaptureError::Truncated {
                    offset: at,
                    what: format!("the file ends inside a block header ({left} of 12 bytes)"),
                });
            }
            let b = &self.buf[self.pos..];
            let raw_type = rd_u32(b, 0, false);
            if raw_type == PCAPNG_SHB {
                let bom_le = rd_u32(b, 8, false);
                self.big_endian = match bom_le {
                    PCAPNG_BOM => false,
                    0x4D3C_2B1A => true,
                    other => {
                        return self.fail(CaptureError::Damaged {
                            offset: at + 8,
                            what: format!(
                                "section header has byte-order magic {other:#010x}, expected 0x1a2b3c4d"
                            ),
                        })
                    }
                };
            }
            let be = self.big_endian;
            let btype = rd_u32(b, 0, be);
            let blen = rd_u32(b, 4, be) as usize;
            if blen < 12 || blen % 4 != 0 {
                return self.fail(CaptureError::Damaged {
                    offset: at,
                    what: format!(
                        "block of type {btype:#x} says its length is {blen} (a block is at least 12 bytes and a multiple of 4)"
                    ),
                });
            }
            if blen > left {
                return self.fail(CaptureError::Truncated {
                    offset: at,
                    what: format!(
                        "block of type {btype:#x} claims {blen} bytes but only {left} are left in the file"
                    ),
                });
            }
            let trailer = rd_u32(b, blen - 4, be) as usize;
            if trailer != blen {
                return self.fail(CaptureError::Damaged {
                    offset: at,
                    what: format!(
                        "block of type {btype:#x} gives two different lengths: {blen} at its start, {trailer} at its end"
                    ),
                });
            }
            let block_bytes = &b[..blen];
            self.pos += blen;
            if btype == PCAPNG_OBSOLETE_PB {
                return self.obsolete_packet(block_bytes, at);
            }
            let parsed = if be {
                parse_block_be(block_bytes)
            } else {
                parse_block_le(block_bytes)
            };
            let block = match parsed {
                Ok((_, block)) => block,
                Err(e) if skippable(btype).is_some() => {
                    // Its framing was sound (both lengths agree): skip it, as tshark does, and
                    // say so on the next packet.
                    if self.pending.len() < 16 {
                        self.pending.push(reader_note(format_args!(
                            "a damaged {} block (at byte {at} of the file) before this packet was skipped: {}",
                            skippable(btype).unwrap_or("pcapng"),
                            describe_nom(&e)
                        )));
                    }
                    continue;
                }
                Err(e) => {
                    return self.fail(CaptureError::Damaged {
                        offset: at,
                        what: format!(
                            "block of type {btype:#x} could not be parsed: {}",
                            describe_nom(&e)
                        ),
                    })
                }
            };
            match block {
                Block::SectionHeader(shb) => {
                    if self.number > 0 || !self.interfaces.is_empty() {
                        self.section += 1;
                    }
                    self.section_base = self.interfaces.len();
                    for o in &shb.options {
                        if o.code.0 == 1 {
                            if let Ok(s) = o.as_str() {
                                self.section_comments.push(s.to_string());
                            }
                        }
                    }
                }
                Block::InterfaceDescription(idb) => {
                    // if_tsresol (option 9); microseconds when absent.
                    let resol = idb
                        .options
                        .iter()
                        .find(|o| o.code.0 == 9)
                        .and_then(|o| o.value().first().copied());
                    let units = match resol {
                        None => 1_000_000,
                        Some(r) => match tsresol_units(r) {
                            Some(u) => u,
                            None => {
                                return self.fail(CaptureError::Damaged {
                                    offset: at,
                                    what: format!(
                                        "interface {} has timestamp resolution {r:#04x}, finer than 64-bit timestamps can count",
                                        self.interfaces.len() - self.section_base
                                    ),
                                })
                            }
                        },
                    };
                    let mut i = Interface::new(
                        u32::from(idb.linktype.0 as u16),
                        idb.snaplen,
                        units,
                        self.section,
                    );
                    i.ts_offset = idb.ts_offset();
                    i.name = idb.if_name().and_then(|r| r.ok()).map(str::to_string);
                    i.description = idb
                        .if_description()
                        .and_then(|r| r.ok())
                        .map(str::to_string);
                    self.interfaces.push(i);
                }
                Block::EnhancedPacket(epb) => {
                    let local = epb.if_id as usize;
                    let Some(iface) = self.interfaces.get(self.section_base + local) else {
                        return self.fail(CaptureError::Damaged {
                            offset: at,
                            what: format!(
                                "packet refers to interface {local}, but this section describes only {}",
                                self.interfaces.len() - self.section_base
                            ),
                        });
                    };
                    let caplen = epb.caplen as usize;
                    if caplen > epb.data.len() {
                        return self.fail(CaptureError::Damaged {
                            offset: at,
                            what: format!(
                                "packet says it holds {caplen} bytes but its block has room for {}",
                                epb.data.len()
                            ),
                        });
                    }
                    let units = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                    let data = &epb.data[..caplen];
                    let comments = epb
                        .options
                        .iter()
                        .filter(|o| o.code.0 == 1)
                        .filter_map(|o| o.as_str().ok().map(str::to_string))
                        .collect();
                    return Some(self.emit(
                        self.section_base + local,
                        iface.timestamp(units),
                        data,
                        epb.origlen,
                        comments,
                    ));
                }
                Block::SimplePacket(spb) => {
                    let Some(iface) = self.interfaces.get(self.section_base) else {
                        return self.fail(CaptureError::Damaged {
                            offset: at,
                            what: "simple packet block before any interface description".into(),
                        });
                    };
                    let raw: &'a [u8] = spb.data;
                    let mut caplen = raw.len().min(spb.origlen as usize);
                    if iface.snaplen > 0 {
                        caplen = caplen.min(iface.snaplen as usize);
                    }
                    let data = &raw[..caplen];
                    let ts = Timestamp {
                        ns: 0,
                        digits: iface.ts_digits,
                    };
                    return Some(self.emit(self.section_base, ts, data, spb.origlen, Vec::new()));
                }
                _ => {}
            }
        }
    }

    fn obsolete_packet(&mut self, block: &'a [u8], at: u64) -> Option<RawPacket<'a>> {
        let be = self.big_endian;
        if block.len() < 32 {
            return self.fail(CaptureError::Damaged {
                offset: at,
                what: "obsolete packet block shorter than its 32-byte fixed part".into(),
            });
        }
        let if_id = usize::from(rd_u16(block, 8, be));
        let ts_high = rd_u32(block, 12, be);
        let ts_low = rd_u32(block, 16, be);
        let caplen = rd_u32(block, 20, be) as usize;
        let origlen = rd_u32(block, 24, be);
        if 28 + caplen > block.len() - 4 {
            return self.fail(CaptureError::Damaged {
                offset: at,
                what: format!("obsolete packet block says it holds {caplen} bytes, more than fit"),
            });
        }
        let Some(iface) = self.interfaces.get(self.section_base + if_id) else {
            return self.fail(CaptureError::Damaged {
                offset: at,
                what: format!("packet refers to interface {if_id}, which was never described"),
            });
        };
        let units = (u64::from(ts_high) << 32) | u64::from(ts_low);
        let ts = iface.timestamp(units);
        let data = &block[28..28 + caplen];
        Some(self.emit(self.section_base + if_id, ts, data, origlen, Vec::new()))
    }

    fn emit(
        &mut self,
        iface_idx: usize,
        ts: Timestamp,
        data: &'a [u8],
        origlen: u32,
        mut comments: Vec<String>,
    ) -> RawPacket<'a> {
        self.number += 1;
        comments.append(&mut self.pending);
        comments.extend(caplen_note(data.len(), origlen));
        let link_type = self.interfaces.get(iface_idx).map_or(0, |i| i.link_type);
        let data_offset = (data.as_ptr() as usize).saturating_sub(self.buf.as_ptr() as usize);
        RawPacket {
            meta: FrameMeta {
                number: self.number,
                timestamp: ts,
                caplen: data.len() as u32,
                wirelen: origlen.max(data.len() as u32),
                link_type,
                interface: iface_idx as u32,
            },
            data,
            data_offset: data_offset as u64,
            comments,
        }
    }
}

impl<'a> Iterator for Reader<'a> {
    type Item = RawPacket<'a>;
    fn next(&mut self) -> Option<RawPacket<'a>> {
        self.next_packet()
    }
}

fn describe_nom<E: std::fmt::Debug>(e: &nom_err::Err<E>) -> String {
    match e {
        nom_err::Err::Incomplete(_) => "the block is shorter than its contents require".into(),
        nom_err::Err::Error(x) | nom_err::Err::Failure(x) => format!("{x:?}"),
    }
}

mod nom_err {
    pub use pcap_parser::nom::Err;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pcap_header(be: bool, linktype: u32) -> Vec<u8> {
        let mut v = Vec::new();
        let w32 = |v: &mut Vec<u8>, x: u32| {
            v.extend_from_slice(&if be { x.to_be_bytes() } else { x.to_le_bytes() })
        };
        w32(&mut v, 0xa1b2c3d4);
        v.extend_from_slice(&if be {
            2u16.to_be_bytes()
        } else {
            2u16.to_le_bytes()
        });
        v.extend_from_slice(&if be {
            4u16.to_be_bytes()
        } else {
            4u16.to_le_bytes()
        });
        w32(&mut v, 0);
        w32(&mut v, 0);
        w32(&mut v, 65535);
        w32(&mut v, linktype);
        v
    }

    #[test]
    fn empty_and_garbage() {
        assert_eq!(Reader::new(&[]).err(), Some(CaptureError::Empty));
        assert!(matches!(
            Reader::new(b"hello world, not a capture").err(),
            Some(CaptureError::NotACapture(_))
        ));
    }

    #[test]
    fn record_cut_short_keeps_earlier_packets() {
        let mut f = pcap_header(false, 1);
        for _ in 0..2 {
            f.extend_from_slice(&1u32.to_le_bytes());
            f.extend_from_slice(&5u32.to_le_bytes());
            f.extend_from_slice(&4u32.to_le_bytes());
            f.extend_from_slice(&4u32.to_le_bytes());
            f.extend_from_slice(&[1, 2, 3, 4]);
        }
        f.truncate(f.len() - 2);
        let mut r = Reader::new(&f).expect("header");
        assert_eq!(
            r.next_packet().map(|p| p.data.to_vec()),
            Some(vec![1, 2, 3, 4])
        );
        assert!(r.next_packet().is_none());
        let e = r.error().cloned().expect("error");
        assert_eq!(e.offset(), Some(44));
        assert!(
            e.to_string().contains("packet 2 claims 4 bytes but only 2"),
            "{e}"
        );
    }

    #[test]
    fn huge_record_length_is_damage() {
        let mut f = pcap_header(true, 1);
        f.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0]);
        f.extend_from_slice(&u32::MAX.to_be_bytes());
        f.extend_from_slice(&u32::MAX.to_be_bytes());
        let mut r = Reader::new(&f).expect("header");
        assert!(r.next_packet().is_none());
        assert!(matches!(
            r.error(),
            Some(CaptureError::Damaged { offset: 24, .. })
        ));
    }

    #[test]
    fn pcapng_block_length_lies() {
        // SHB claiming 1000 bytes in a 28-byte file.
        let mut f = Vec::new();
        f.extend_from_slice(&PCAPNG_SHB.to_le_bytes());
        f.extend_from_slice(&1000u32.to_le_bytes());
        f.extend_from_slice(&PCAPNG_BOM.to_le_bytes());
        f.extend_from_slice(&[1, 0, 0, 0]);
        f.extend_from_slice(&[0xff; 8]);
        f.extend_from_slice(&28u32.to_le_bytes());
        let mut r = Reader::new(&f).expect("magic");
        assert!(r.next_packet().is_none());
        assert!(matches!(
            r.error(),
            Some(CaptureError::Truncated { offset: 0, .. })
        ));
    }

    #[test]
    fn resolution_digits() {
        assert_eq!(digits_for(1_000_000), 6);
        assert_eq!(digits_for(1_000_000_000), 9);
        assert_eq!(digits_for(1 << 20), 9);
        assert_eq!(digits_for(1), 0);
    }
}
