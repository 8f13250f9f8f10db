//! Writing pcapng (live captures, demos, "save displayed packets") and reading a pcapng
//! *stream* (a demo child process's stdout).
//!
//! Why pcap-file here when [`super::file`] has its own reader: files are opened from a memory
//! map, where our own zero-copy loop is fastest, but a pipe is a byte stream of unknown length
//! and writing needs the block encoder — pcap-file does both well (pinned to `=3.0.0-rc.3`,
//! see `NOTES-crates.md`).
//!
//! Saves never damage the previous file: the bytes go to a temporary file beside the target,
//! are synced, and only then renamed over it. A full disk or a read-only folder fails the save
//! with a message naming the path, and the old file is untouched.

use super::file::Interface;
use super::store::PacketStore;
use pcap_file::pcapng::blocks::enhanced_packet::{EnhancedPacketBlock, EnhancedPacketOption};
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption, InterfaceTsResolution,
};
use pcap_file::pcapng::blocks::opt_common::CommonOption;
use pcap_file::pcapng::blocks::section_header::{SectionHeaderBlock, SectionHeaderOption};
use pcap_file::pcapng::{Block, PcapNgReader, PcapNgWriter};
use std::borrow::Cow;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Errors writing or reading pcapng.
#[derive(Debug, thiserror::Error)]
pub enum PcapngError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("pcapng encoding failed: {0}")]
    Encode(String),
    #[error("write failed: {0}")]
    Write(#[source] std::io::Error),
    #[error("pcapng stream unreadable after {offset} bytes: {message}")]
    Read { offset: u64, message: String },
}

/// A pcapng writer over any byte sink: section header, one IDB per interface, then packets.
pub struct PcapngSink<W: Write> {
    writer: PcapNgWriter<W>,
}

fn encode_err(e: pcap_file::pcapng::PcapNgWriteError) -> PcapngError {
    match e {
        // The sink does not know its path: `write_atomic` names it.
        pcap_file::pcapng::PcapNgWriteError::Io(io) => PcapngError::Write(io),
        other => PcapngError::Encode(other.to_string()),
    }
}

impl<W: Write> PcapngSink<W> {
    /// Start a pcapng stream describing `interfaces` (nanosecond timestamps).
    pub fn new(
        out: W,
        interfaces: &[Interface],
        comment: Option<&str>,
    ) -> Result<Self, PcapngError> {
        let mut shb = SectionHeaderBlock::default();
        shb.options
            .push(SectionHeaderOption::UserApplication(Cow::Owned(format!(
                "layerscope {}",
                env!("CARGO_PKG_VERSION")
            ))));
        shb.options
            .push(SectionHeaderOption::OS(Cow::Borrowed(std::env::consts::OS)));
        if let Some(c) = comment {
            shb.options
                .push(SectionHeaderOption::Common(CommonOption::Comment(
                    Cow::Owned(c.to_string()),
                )));
        }
        let mut writer = PcapNgWriter::with_section_header(out, shb).map_err(encode_err)?;
        for i in interfaces {
            let mut options = vec![InterfaceDescriptionOption::IfTsResol(
                InterfaceTsResolution::NANO,
            )];
            if let Some(n) = &i.name {
                options.push(InterfaceDescriptionOption::IfName(Cow::Owned(n.clone())));
            }
            if let Some(d) = &i.description {
                options.push(InterfaceDescriptionOption::IfDescription(Cow::Owned(
                    d.clone(),
                )));
            }
            writer
                .write_pcapng_block(InterfaceDescriptionBlock {
                    linktype: i.link_type.into(),
                    snaplen: i.snaplen,
                    options,
                })
                .map_err(encode_err)?;
        }
        Ok(PcapngSink { writer })
    }

    /// Append one packet. Timestamps before 1970 are written as 0.
    pub fn write(
        &mut self,
        interface: u32,
        ts_ns: i64,
        data: &[u8],
        wirelen: u32,
        comments: &[String],
    ) -> Result<(), PcapngError> {
        let options = comments
            .iter()
            .map(|c| EnhancedPacketOption::Common(CommonOption::Comment(Cow::Borrowed(c.as_str()))))
            .collect();
        self.writer
            .write_pcapng_block(EnhancedPacketBlock {
                interface_id: interface,
                timestamp: Duration::from_nanos(u64::try_from(ts_ns).unwrap_or(0)),
                original_len: wirelen.max(data.len() as u32),
                data: Cow::Borrowed(data),
                options,
            })
            .map_err(encode_err)?;
        Ok(())
    }

    pub fn get_mut(&mut self) -> &mut W {
        self.writer.get_mut()
    }

    pub fn into_inner(self) -> W {
        self.writer.into_inner()
    }
}

/// A file being written atomically: bytes go to a temporary file beside the target, which
/// replaces the target only on [`AtomicFile::commit`]. Dropped without commit (or when the
/// commit fails), the temporary file is removed and the target is untouched.
///
/// What the target is decides how it is written:
/// - a regular file, or nothing yet: the temporary file and rename above;
/// - a symbolic link: the file it points to is replaced the same way (the link stays);
/// - a character device or a pipe (`-w /dev/null`, a FIFO another program reads): written in
///   place, as tcpdump does: a rename would replace the device node with a plain file;
/// - a folder, a block device (a disk) or a socket: refused.
pub struct AtomicFile {
    path: PathBuf,
    /// The temporary file, or `None` when writing in place.
    tmp: Option<PathBuf>,
    writer: Option<std::io::BufWriter<std::fs::File>>,
    committed: bool,
}

impl AtomicFile {
    pub fn create(path: &Path) -> Result<Self, PcapngError> {
        let refuse = |what: &str| PcapngError::Io {
            path: path.display().to_string(),
            source: std::io::Error::other(format!(
                "it is {what}; a capture is saved only to a file, a character device or a pipe"
            )),
        };
        // Follow symbolic links: the file the link names is what gets replaced.
        let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if let Ok(m) = std::fs::metadata(&target) {
            let t = m.file_type();
            if t.is_dir() {
                return Err(refuse("a folder"));
            }
            if !t.is_file() {
                #[cfg(unix)]
                {
                    use std::os::unix::fs::FileTypeExt;
                    if t.is_block_device() {
                        return Err(refuse("a block device (a disk)"));
                    }
                    if t.is_socket() {
                        return Err(refuse("a socket"));
                    }
                }
                // A character device or a FIFO: write straight into it.
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&target)
                    .map_err(|source| PcapngError::Io {
                        path: path.display().to_string(),
                        source,
                    })?;
                return Ok(AtomicFile {
                    path: path.to_path_buf(),
                    tmp: None,
                    writer: Some(std::io::BufWriter::new(file)),
                    committed: false,
                });
            }
        }
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .map_or_else(|| "capture".into(), |n| n.to_string_lossy().into_owned());
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let file = std::fs::File::create(&tmp).map_err(|source| PcapngError::Io {
            // The folder is what refused, not the target.
            path: format!(
                "{} (a temporary file in {} first, renamed over it when complete)",
                path.display(),
                dir.display()
            ),
            source,
        })?;
        Ok(AtomicFile {
            path: target,
            tmp: Some(tmp),
            writer: Some(std::io::BufWriter::new(file)),
            committed: false,
        })
    }

    fn io(&self, source: std::io::Error) -> PcapngError {
        PcapngError::Io {
            path: self.path.display().to_string(),
            source,
        }
    }

    /// Flush, sync and rename over the target (in place: flush only).
    pub fn commit(mut self) -> Result<(), PcapngError> {
        let Some(w) = self.writer.take() else {
            return Ok(());
        };
        let file = w.into_inner().map_err(|e| self.io(e.into_error()))?;
        let Some(tmp) = self.tmp.clone() else {
            self.committed = true;
            return Ok(());
        };
        file.sync_all().map_err(|e| self.io(e))?;
        drop(file);
        std::fs::rename(&tmp, &self.path).map_err(|e| self.io(e))?;
        self.committed = true;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.writer.as_mut() {
            Some(w) => w.write(buf),
            None => Err(std::io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.as_mut().map_or(Ok(()), Write::flush)
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Not committed (an error on the way, or the commit itself failed): the temporary
        // file goes, whatever state its writer is in.
        drop(self.writer.take());
        if !self.committed {
            if let Some(tmp) = &self.tmp {
                let _ = std::fs::remove_file(tmp);
            }
        }
    }
}

/// Write a file atomically: `fill` writes into a temporary file in the same folder, which is
/// synced and renamed over `path` only if everything succeeded.
pub fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut AtomicFile) -> Result<(), PcapngError>,
) -> Result<(), PcapngError> {
    let mut f = AtomicFile::create(path)?;
    fill(&mut f).map_err(|e| match e {
        PcapngError::Write(source) => PcapngError::Io {
            path: path.display().to_string(),
            source,
        },
        other => other,
    })?;
    f.commit()
}

/// Save packets of a store (all, or the given 0-based indices) as pcapng, atomically.
pub fn save_store(
    store: &PacketStore,
    indices: Option<&[u32]>,
    path: &Path,
) -> Result<usize, PcapngError> {
    let mut written = 0;
    write_atomic(path, |w| {
        let mut sink = PcapngSink::new(w, store.interfaces(), None)?;
        let mut one = |i: usize| -> Result<(), PcapngError> {
            if let (Some(meta), Some(data)) = (store.meta(i), store.data(i)) {
                let comments = store.comments(meta.number);
                sink.write(
                    meta.interface,
                    meta.timestamp.ns,
                    data,
                    meta.wirelen,
                    comments,
                )?;
                written += 1;
            }
            Ok(())
        };
        match indices {
            Some(ix) => ix.iter().try_for_each(|&i| one(i as usize)),
            None => (0..store.len()).try_for_each(&mut one),
        }
    })?;
    Ok(written)
}

/// One packet read from a pcapng stream.
#[derive(Debug, Clone)]
pub struct StreamPacket {
    pub interface: u32,
    pub ts_ns: i64,
    pub data: Vec<u8>,
    pub wirelen: u32,
}

/// What a pcapng stream delivers, in order.
#[derive(Debug, Clone)]
pub enum StreamItem {
    /// A new interface (its index is its position among those seen so far).
    Interface(Interface),
    Packet(StreamPacket),
}

/// Read a pcapng byte stream (a pipe) block by block.
pub struct StreamReader<R: Read> {
    reader: PcapNgReader<R>,
    interfaces: usize,
}

impl<R: Read> StreamReader<R> {
    /// Read the section header. Fails if the stream is not pcapng.
    pub fn new(r: R) -> Result<Self, PcapngError> {
        let reader = PcapNgReader::new(r).map_err(|e| PcapngError::Read {
            offset: 0,
            message: e.to_string(),
        })?;
        Ok(StreamReader {
            reader,
            interfaces: 0,
        })
    }

    /// The next interface or packet; `None` at the end of the stream.
    pub fn next_item(&mut self) -> Option<Result<StreamItem, PcapngError>> {
        loop {
            let offset = self.reader.bytes_parsed();
            let block = match self.reader.next_block()? {
                Ok((b, _)) => b,
                Err(e) => {
                    return Some(Err(PcapngError::Read {
                        offset,
                        message: e.to_string(),
                    }))
                }
            };
            match block {
                Block::InterfaceDescription(idb) => {
                    let name = idb.options.iter().find_map(|o| match o {
                        InterfaceDescriptionOption::IfName(n) => Some(n.to_string()),
                        _ => None,
                    });
                    self.interfaces += 1;
                    return Some(Ok(StreamItem::Interface(Interface::live(
                        idb.linktype.into(),
                        name.as_deref().unwrap_or("?"),
                        idb.snaplen,
                    ))));
                }
                Block::EnhancedPacket(p) => {
                    return Some(Ok(StreamItem::Packet(StreamPacket {
                        interface: p.interface_id,
                        ts_ns: i64::try_from(p.timestamp.as_nanos()).unwrap_or(i64::MAX),
                        wirelen: p.original_len,
                        data: p.data.into_owned(),
                    })))
                }
                _ => continue,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sink_then_stream_reader_round_trip() {
        let ifs = [Interface::live(1, "lo", 262_144)];
        let mut sink = PcapngSink::new(Vec::new(), &ifs, Some("test")).unwrap();
        sink.write(0, 1_700_000_000_123_456_789, &[1, 2, 3, 4], 60, &[])
            .unwrap();
        sink.write(
            0,
            1_700_000_001_000_000_000,
            &[9; 100],
            100,
            &["note".into()],
        )
        .unwrap();
        let bytes = sink.into_inner();
        // Our own file reader agrees.
        let store = PacketStore::from_bytes(bytes.clone()).unwrap();
        assert_eq!(store.len(), 2);
        assert_eq!(
            store.meta(0).unwrap().timestamp.ns,
            1_700_000_000_123_456_789
        );
        assert_eq!(store.meta(0).unwrap().wirelen, 60);
        assert_eq!(store.comments(2), &["note".to_string()]);
        assert_eq!(store.interfaces()[0].name.as_deref(), Some("lo"));
        // And the stream reader.
        let mut r = StreamReader::new(&bytes[..]).unwrap();
        let mut items = Vec::new();
        while let Some(i) = r.next_item() {
            items.push(i.unwrap());
        }
        assert_eq!(items.len(), 3);
        assert!(matches!(&items[2], StreamItem::Packet(p) if p.data.len() == 100));
    }

    #[test]
    fn atomic_write_keeps_old_file_on_error() {
        let dir = std::env::temp_dir().join(format!("ls-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.pcapng");
        std::fs::write(&path, b"old").unwrap();
        let r = write_atomic(&path, |_| Err(PcapngError::Encode("boom".into())));
        assert!(r.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "temp file removed"
        );
        write_atomic(&path, |w| {
            w.write_all(b"new").map_err(|e| PcapngError::Io {
                path: "x".into(),
                source: e,
            })
        })
        .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
