//! The packet store: raw bytes plus a compact index, nothing decoded.
//!
//! Why no decoded trees: a decoded packet is tens of fields with names and text; a million of
//! them would not fit a student's laptop. The store keeps one [`IndexEntry`] (24 bytes) per
//! packet and the bytes themselves stay in the file's bytes. Views decode the few packets they
//! show, on demand, which costs microseconds each.
//!
//! Why files up to 512 MB are read, not mapped: another program may rewrite or truncate the
//! file while it is open, and reading a mapped page past the new end kills the process
//! (SIGBUS). A copy cannot change under us, costs the same memory, and reading it from the page
//! cache takes a fraction of a second. Bigger files are mapped (they may not fit in memory);
//! for them [`PacketStore::file_change`] notices a shrink and stops the store from touching the
//! pages past the new end.

use super::file::{CaptureError, Format, Interface, Reader};
use crate::model::{FrameMeta, Timestamp};
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

/// Files up to this size are read into memory; bigger ones are memory-mapped.
pub const READ_MAX_BYTES: u64 = 512 << 20;
/// A pass over a mapped file gives back the pages behind it every this many bytes.
const RELEASE_STEP: usize = 64 << 20;

/// A front-to-back pass over a file's bytes (indexing, the flow pass, `decode`): the pages it
/// has passed leave this process's resident memory every `RELEASE_STEP` bytes, and all of them
/// at the end, so a mapped file costs the pass's working set, not its size.
#[derive(Debug, Default)]
pub struct ReleaseBehind {
    done: usize,
}

impl ReleaseBehind {
    /// The pass has read everything before byte `at` of `bytes`.
    pub fn reached(&mut self, bytes: &Backing, at: usize) {
        if at >= self.done + RELEASE_STEP || (at >= bytes.len() && at > self.done) {
            bytes.release(self.done, at);
            self.done = at;
        }
    }
}

/// How much of a big file its preview reads.
const PREFIX_BYTES: u64 = 32 << 20;

/// One packet's place in the store: 24 bytes (a million packets: 24 MB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexEntry {
    /// Offset of the packet bytes in the backing buffer (low 48 bits: 256 TB) and the
    /// interface (high 16 bits; `WIDE` means "look it up in the store's `wide` map").
    at: u64,
    /// Nanoseconds since the epoch.
    pub ts_ns: i64,
    pub caplen: u32,
    pub wirelen: u32,
}

const OFFSET_BITS: u32 = 48;
const WIDE: u64 = 0xffff;

impl IndexEntry {
    fn new(offset: u64, ts_ns: i64, caplen: u32, wirelen: u32, interface: u32) -> Self {
        IndexEntry {
            at: (offset & ((1 << OFFSET_BITS) - 1))
                | (u64::from(interface).min(WIDE) << OFFSET_BITS),
            ts_ns,
            caplen,
            wirelen,
        }
    }

    /// Offset of the packet bytes in the backing buffer.
    pub fn offset(&self) -> u64 {
        self.at & ((1 << OFFSET_BITS) - 1)
    }

    fn narrow_interface(&self) -> u64 {
        self.at >> OFFSET_BITS
    }
}

/// A capture file's bytes: memory-mapped or read into memory.
pub enum Backing {
    Mapped(Mapped),
    Owned(Vec<u8>),
}

/// A memory-mapped file, guarded while it lives against faults from a cut on disk (with the
/// `live` feature on Linux: see `capture::sys::map_guard`; without it, only the periodic
/// [`PacketStore::file_change`] check protects reads).
pub struct Mapped {
    map: memmap2::Mmap,
    slot: Option<usize>,
}

impl Mapped {
    pub fn new(map: memmap2::Mmap) -> Self {
        #[cfg(all(feature = "live", target_os = "linux"))]
        let slot = super::sys::map_guard::guard(map.as_ptr() as usize, map.len());
        #[cfg(not(all(feature = "live", target_os = "linux")))]
        let slot = None;
        Mapped { map, slot }
    }

    /// Whether reads are guarded against the file being cut.
    pub fn guarded(&self) -> bool {
        self.slot.is_some()
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        #[cfg(all(feature = "live", target_os = "linux"))]
        if let Some(slot) = self.slot {
            super::sys::map_guard::unguard(slot);
        }
    }
}

impl std::ops::Deref for Mapped {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.map
    }
}

impl Backing {
    /// Take bytes `from..to` of a mapped file out of this process's resident memory (they
    /// stay in the page cache and are read back on the next touch). Owned bytes: nothing.
    pub fn release(&self, from: usize, to: usize) {
        #[cfg(target_os = "linux")]
        if let Backing::Mapped(Mapped { map: m, .. }) = self {
            const PAGE: usize = 4096;
            let start = from.next_multiple_of(PAGE);
            let end = if to >= m.len() {
                m.len()
            } else {
                to / PAGE * PAGE
            };
            if end > start {
                // SAFETY: the map is a read-only *shared* file mapping (`Mmap::map`), so after
                // MADV_DONTNEED the next read of these pages loads the same file contents
                // again: no reference into the map sees different bytes. (A file changed on
                // disk is the hazard every mapping has; `file_change` handles it.)
                #[allow(unsafe_code)]
                let _ = unsafe {
                    m.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start)
                };
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = (from, to);
    }
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
    /// Interface ids too big for an index entry (65 535 and up: only hostile files), by
    /// packet index.
    wide: BTreeMap<usize, u32>,
    interfaces: Vec<Interface>,
    comments: BTreeMap<u64, Vec<String>>,
    section_comments: Vec<String>,
    format: Format,
    error: Option<CaptureError>,
    /// The file as it was when opened (size, modification time).
    stamp: Option<FileStamp>,
    /// Bytes of `bytes` still safe to read (lowered when a mapped file shrinks on disk).
    safe_len: AtomicU64,
    /// How far a pass has released a mapped file's pages ([`PacketStore::passed`]).
    behind: ReleaseBehind,
}

#[derive(Debug, Clone)]
struct FileStamp {
    path: PathBuf,
    len: u64,
    modified: Option<SystemTime>,
}

/// How the file on disk differs from the version that was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileChange {
    /// The file is gone (deleted or renamed).
    Gone,
    /// It is shorter than when it was opened.
    Shrunk { from: u64, to: u64 },
    /// Same or bigger size but rewritten (or appended to).
    Modified { from: u64, to: u64 },
}

impl FileChange {
    /// A sentence for the user. `mapped`: the store reads the file itself (not a copy).
    pub fn describe(&self, name: &str, mapped: bool) -> String {
        let what = match self {
            FileChange::Gone => format!("{name} was deleted or moved after it was opened"),
            FileChange::Shrunk { from, to } => {
                format!("{name} shrank on disk after it was opened ({from} to {to} bytes)")
            }
            FileChange::Modified { from, to } => {
                format!("{name} changed on disk after it was opened ({from} to {to} bytes)")
            }
        };
        let keep = match (mapped, self) {
            (true, FileChange::Shrunk { .. }) => {
                "packets past the new end can no longer be shown; open it again to see the new version"
            }
            (true, _) => "open it again to see the new version",
            (false, _) => {
                "layerscope keeps showing the version it read; open it again to see the new one"
            }
        };
        format!("{what}: {keep}.")
    }
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
    // file while it is mapped would make reads past the new end fault (SIGBUS): only files
    // above READ_MAX_BYTES are mapped for long, and `PacketStore::file_change` lowers the
    // readable length when it sees the file shrink.
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
        Self::open_as(path, progress, len > READ_MAX_BYTES)
    }

    /// Open a file through a memory map whatever its size (what [`PacketStore::open`] does for
    /// big files).
    pub fn open_mapped(path: &Path, progress: impl FnMut(u64, u64)) -> Result<Self, OpenError> {
        Self::open_as(path, progress, true)
    }

    fn open_as(
        path: &Path,
        progress: impl FnMut(u64, u64),
        mapped: bool,
    ) -> Result<Self, OpenError> {
        let io = |source| OpenError::Io {
            path: path.display().to_string(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        let len = meta.len();
        let backing = if mapped && len > 0 {
            Backing::Mapped(Mapped::new(map_file(path).map_err(io)?))
        } else {
            Backing::Owned(std::fs::read(path).map_err(io)?)
        };
        let mut store = Self::index(backing, progress).map_err(|source| OpenError::Capture {
            path: path.display().to_string(),
            source,
        })?;
        store.stamp = Some(FileStamp {
            path: path.to_path_buf(),
            len,
            modified: meta.modified().ok(),
        });
        Ok(store)
    }

    /// Whether the file differs from the version that was opened. For a memory-mapped file
    /// that shrank, the store stops reading past the new end from now on.
    pub fn file_change(&self) -> Option<FileChange> {
        let st = self.stamp.as_ref()?;
        let change = match std::fs::metadata(&st.path) {
            Err(_) => FileChange::Gone,
            Ok(m) if m.len() < st.len => FileChange::Shrunk {
                from: st.len,
                to: m.len(),
            },
            Ok(m) if m.len() != st.len || m.modified().ok() != st.modified => {
                FileChange::Modified {
                    from: st.len,
                    to: m.len(),
                }
            }
            Ok(_) => return None,
        };
        if let (FileChange::Shrunk { to, .. }, true) = (&change, self.is_mapped()) {
            // Pages past the new end of a mapped file would fault: stop short of them.
            self.safe_len.fetch_min(*to, Ordering::Relaxed);
        }
        Some(change)
    }

    /// Whether the store reads the file itself through a memory map (not a copy).
    pub fn is_mapped(&self) -> bool {
        matches!(self.bytes, Backing::Mapped(_))
    }

    /// An empty store that packets are appended to as they are captured
    /// ([`PacketStore::push`]).
    pub fn live(interfaces: Vec<Interface>) -> Self {
        PacketStore {
            bytes: Backing::Owned(Vec::new()),
            index: Vec::new(),
            wide: BTreeMap::new(),
            interfaces,
            comments: BTreeMap::new(),
            section_comments: Vec::new(),
            format: Format::Live,
            error: None,
            stamp: None,
            safe_len: AtomicU64::new(u64::MAX),
            behind: ReleaseBehind::default(),
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
        if u64::from(interface) >= WIDE {
            self.wide.insert(self.index.len(), interface);
        }
        self.index.push(IndexEntry::new(
            offset,
            ts_ns,
            data.len() as u32,
            wirelen.max(data.len() as u32),
            interface,
        ));
        true
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
        // Only the start of the file: a copy, so nothing on disk can pull it away.
        let mut head = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(File::open(path).map_err(io)?, PREFIX_BYTES),
            &mut head,
        )
        .map_err(io)?;
        let mut store = Self::index_limited(Backing::Owned(head), |_, _| {}, max_packets).map_err(
            |source| OpenError::Capture {
                path: path.display().to_string(),
                source,
            },
        )?;
        // The read stopped by choice, maybe inside a record: that is no damage.
        store.error = None;
        Ok(store)
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
        let mut wide = BTreeMap::new();
        let mut behind = ReleaseBehind::default();
        let (index, interfaces, comments, section_comments, format, error) = {
            let mut r = Reader::new(&bytes)?;
            let mut index = Vec::with_capacity((bytes.len() / 128).min(1 << 24).min(limit));
            let mut comments = BTreeMap::new();
            while let Some(p) = r.next_packet() {
                if !p.comments.is_empty() {
                    comments.insert(p.meta.number, p.comments);
                }
                if u64::from(p.meta.interface) >= WIDE {
                    wide.insert(index.len(), p.meta.interface);
                }
                index.push(IndexEntry::new(
                    p.data_offset,
                    p.meta.timestamp.ns,
                    p.meta.caplen,
                    p.meta.wirelen,
                    p.meta.interface,
                ));
                if index.len() % 65_536 == 0 {
                    let at = r.position();
                    progress(at as u64, total);
                    // A mapped file is read once here, front to back: keep only the part
                    // being read resident, not all of it.
                    behind.reached(&bytes, at);
                }
                if index.len() >= limit {
                    break;
                }
            }
            progress(r.position() as u64, total);
            behind.reached(&bytes, bytes.len());
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
            wide,
            interfaces,
            comments,
            section_comments,
            format,
            error,
            stamp: None,
            safe_len: AtomicU64::new(u64::MAX),
            behind: ReleaseBehind::default(),
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
        let interface = match e.narrow_interface() {
            WIDE => self.wide.get(&i).copied().unwrap_or(WIDE as u32),
            n => n as u32,
        };
        let iface = self.interfaces.get(interface as usize);
        Some(FrameMeta {
            number: i as u64 + 1,
            timestamp: Timestamp {
                ns: e.ts_ns,
                digits: iface.map_or(6, |f| f.ts_digits),
            },
            caplen: e.caplen,
            wirelen: e.wirelen,
            link_type: iface.map_or(0, |f| f.link_type),
            interface,
        })
    }

    /// A pass over the packets has read up to packet `i` (0-based; past the end: all): a
    /// mapped file's pages before it leave this process's resident memory (views touch
    /// again only what they show). Call it every few thousand packets; it acts every 64 MB.
    pub fn passed(&mut self, i: usize) {
        let at = self
            .index
            .get(i)
            .map_or(self.bytes.len(), |e| e.offset() as usize);
        self.behind.reached(&self.bytes, at);
    }

    /// Bytes of packet `i` (0-based).
    pub fn data(&self, i: usize) -> Option<&[u8]> {
        let e = self.index.get(i)?;
        if e.offset() + u64::from(e.caplen) > self.safe_len.load(Ordering::Relaxed) {
            // The mapped file shrank on disk: these bytes are gone.
            return None;
        }
        let start = usize::try_from(e.offset()).ok()?;
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
        assert!(std::mem::size_of::<IndexEntry>() <= 24);
        let e = IndexEntry::new(123_456_789_012, -5, 60, 70, 3);
        assert_eq!((e.offset(), e.narrow_interface()), (123_456_789_012, 3));
        let w = IndexEntry::new(1, 0, 0, 0, 1 << 20);
        assert_eq!((w.offset(), w.narrow_interface()), (1, WIDE));
    }
}
