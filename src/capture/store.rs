//! The packet store: raw bytes plus a compact index, nothing decoded.
//!
//! Why no decoded trees: a decoded packet is tens of fields with names and text; a million of
//! them would not fit a student's laptop. The store keeps one [`IndexEntry`] (32 bytes) per
//! packet and the bytes themselves stay in the memory-mapped file. Views decode the few packets
//! they show, on demand, which costs microseconds each.

use super::file::{CaptureError, Format, Interface, Reader};
use crate::model::{FrameMeta, Timestamp};
use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

/// One packet's place in the store: 32 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexEntry {
    /// Offset of the packet bytes in the backing buffer.
    pub offset: u64,
    /// Nanoseconds since the epoch.
    pub ts_ns: i64,
    pub caplen: u32,
    pub wirelen: u32,
    pub interface: u32,
}

/// Where the bytes live.
enum Backing {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Backing {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Backing::Mapped(m) => m,
            Backing::Owned(v) => v,
        }
    }
}

/// An opened capture: bytes, index, interfaces, comments and the error that stopped reading.
pub struct PacketStore {
    bytes: Backing,
    index: Vec<IndexEntry>,
    interfaces: Vec<Interface>,
    comments: BTreeMap<u64, Vec<String>>,
    section_comments: Vec<String>,
    format: Format,
    error: Option<CaptureError>,
}

/// Errors opening a file (before any packet could be read).
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Capture {
        path: String,
        #[source]
        source: CaptureError,
    },
}

/// Memory-map a file read-only.
pub fn map_file(path: &Path) -> Result<memmap2::Mmap, std::io::Error> {
    let file = File::open(path)?;
    // SAFETY: the map is read-only and private to this process. Another process truncating the
    // file while it is mapped would make reads fault (SIGBUS); capture files are not written
    // while being analysed, and the store re-checks the file size before trusting offsets.
    #[allow(unsafe_code)]
    let map = unsafe { memmap2::Mmap::map(&file)? };
    Ok(map)
}

impl PacketStore {
    /// Open and index a capture file. `progress(done_bytes, total_bytes)` is called every few
    /// thousand packets.
    pub fn open(path: &Path, progress: impl FnMut(u64, u64)) -> Result<Self, OpenError> {
        let io = |source| OpenError::Io {
            path: path.display().to_string(),
            source,
        };
        let len = std::fs::metadata(path).map_err(io)?.len();
        let backing = if len == 0 {
            Backing::Owned(Vec::new())
        } else {
            Backing::Mapped(map_file(path).map_err(io)?)
        };
        Self::index(backing, progress).map_err(|source| OpenError::Capture {
            path: path.display().to_string(),
            source,
        })
    }

    /// An empty store that packets are appended to as they are captured
    /// ([`PacketStore::push`]).
    pub fn live(interfaces: Vec<Interface>) -> Self {
        PacketStore {
            bytes: Backing::Owned(Vec::new()),
            index: Vec::new(),
            interfaces,
            comments: BTreeMap::new(),
            section_comments: Vec::new(),
            format: Format::Live,
            error: None,
        }
    }

    /// Append one captured packet (live stores only; a file's store is read-only and
    /// returns `false`).
    pub fn push(&mut self, ts_ns: i64, data: &[u8], wirelen: u32, interface: u32) -> bool {
        let Backing::Owned(bytes) = &mut self.bytes else {
            return false;
        };
        let offset = bytes.len() as u64;
        // Grow by an eighth, not by doubling, so a live store's memory stays close to what
        // it holds (its cap is checked against capacity, see `heap_bytes`).
        if bytes.capacity() - bytes.len() < data.len() {
            bytes.reserve_exact(data.len().max(bytes.len() / 8).max(1 << 20));
        }
        bytes.extend_from_slice(data);
        if self.index.capacity() == self.index.len() {
            self.index.reserve_exact((self.index.len() / 8).max(32_768));
        }
        self.index.push(IndexEntry {
            offset,
            ts_ns,
            caplen: data.len() as u32,
            wirelen: wirelen.max(data.len() as u32),
            interface,
        });
        true
    }

    /// Bytes held for packet data (the live store's memory, or the mapped file's size).
    pub fn data_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// Heap memory of a live store: reserved packet bytes plus the index (what its memory
    /// cap is checked against). For a file, the index only (the bytes are mapped).
    pub fn heap_bytes(&self) -> usize {
        let data = match &self.bytes {
            Backing::Owned(v) => v.capacity(),
            Backing::Mapped(_) => 0,
        };
        data + self.index_heap_bytes()
    }

    /// Index a capture already in memory.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, CaptureError> {
        Self::index(Backing::Owned(bytes), |_, _| {})
    }

    /// Open and index only the first `max_packets` packets of a file: what a big file shows
    /// while the whole of it is still loading.
    pub fn open_prefix(path: &Path, max_packets: usize) -> Result<Self, OpenError> {
        let io = |source| OpenError::Io {
            path: path.display().to_string(),
            source,
        };
        let backing = Backing::Mapped(map_file(path).map_err(io)?);
        Self::index_limited(backing, |_, _| {}, max_packets).map_err(|source| OpenError::Capture {
            path: path.display().to_string(),
            source,
        })
    }

    fn index(bytes: Backing, progress: impl FnMut(u64, u64)) -> Result<Self, CaptureError> {
        Self::index_limited(bytes, progress, usize::MAX)
    }

    fn index_limited(
        bytes: Backing,
        mut progress: impl FnMut(u64, u64),
        limit: usize,
    ) -> Result<Self, CaptureError> {
        let total = bytes.len() as u64;
        let (index, interfaces, comments, section_comments, format, error) = {
            let mut r = Reader::new(&bytes)?;
            let mut index = Vec::with_capacity((bytes.len() / 128).min(1 << 24).min(limit));
            let mut comments = BTreeMap::new();
            while let Some(p) = r.next_packet() {
                if !p.comments.is_empty() {
                    comments.insert(p.meta.number, p.comments);
                }
                index.push(IndexEntry {
                    offset: p.data_offset,
                    ts_ns: p.meta.timestamp.ns,
                    caplen: p.meta.caplen,
                    wirelen: p.meta.wirelen,
                    interface: p.meta.interface,
                });
                if index.len() % 65_536 == 0 {
                    progress(r.position() as u64, total);
                }
                if index.len() >= limit {
                    break;
                }
            }
            progress(r.position() as u64, total);
            index.shrink_to_fit();
            (
                index,
                r.interfaces().to_vec(),
                comments,
                r.section_comments().to_vec(),
                r.format(),
                r.error().cloned(),
            )
        };
        Ok(PacketStore {
            bytes,
            index,
            interfaces,
            comments,
            section_comments,
            format,
            error,
        })
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    pub fn format(&self) -> Format {
        self.format
    }

    pub fn interfaces(&self) -> &[Interface] {
        &self.interfaces
    }

    /// The error that stopped indexing (packets before it are all in the store).
    pub fn error(&self) -> Option<&CaptureError> {
        self.error.as_ref()
    }

    pub fn section_comments(&self) -> &[String] {
        &self.section_comments
    }

    /// Comments attached to packet `number` (1-based).
    pub fn comments(&self, number: u64) -> &[String] {
        self.comments.get(&number).map_or(&[], Vec::as_slice)
    }

    /// Metadata of packet `i` (0-based).
    pub fn meta(&self, i: usize) -> Option<FrameMeta> {
        let e = self.index.get(i)?;
        let iface = self.interfaces.get(e.interface as usize);
        Some(FrameMeta {
            number: i as u64 + 1,
            timestamp: Timestamp {
                ns: e.ts_ns,
                digits: iface.map_or(6, |f| f.ts_digits),
            },
            caplen: e.caplen,
            wirelen: e.wirelen,
            link_type: iface.map_or(0, |f| f.link_type),
            interface: e.interface,
        })
    }

    /// Bytes of packet `i` (0-based).
    pub fn data(&self, i: usize) -> Option<&[u8]> {
        let e = self.index.get(i)?;
        let start = usize::try_from(e.offset).ok()?;
        self.bytes.get(start..start + e.caplen as usize)
    }

    /// Heap bytes used by the index (for the ≤ 48 bytes/packet budget).
    pub fn index_heap_bytes(&self) -> usize {
        self.index.capacity() * std::mem::size_of::<IndexEntry>()
    }

    /// Raw index entries.
    pub fn entries(&self) -> &[IndexEntry] {
        &self.index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_entry_is_small() {
        assert!(std::mem::size_of::<IndexEntry>() <= 32);
    }
}
