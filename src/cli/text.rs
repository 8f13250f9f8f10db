//! `layerscope decode --format text` on every core, with the output of a single reader.
//!
//! Why sharding by conversation: the one-pass decoder carries state from packet to packet
//! (conversations, sequence analysis, reassembly, HTTP/WebSocket/Socket.IO streams), so the
//! packets cannot simply be split into ranges. But all of that state belongs to one
//! conversation or another. Each worker therefore reads the whole file and keeps only the
//! conversations [`Flows::shard_of`](layerscope::flow::Flows::shard_of) gives it: a packet of
//! another worker's conversation stops decoding as soon as its transport header is read, which
//! costs a small part of a full decode. Packets of no conversation (ARP, ICMP...) are decoded by
//! every worker and printed by one. The sweeps that forget finished conversations happen at the
//! same packet counts in every worker, so each line is exactly the line a single reader prints
//! (`tests` below and `tests/streaming.rs` check this on the bundled captures).
//!
//! The main thread merges the workers' lines back into file order, chunk by chunk, through
//! the CLI's one ordered worker pipeline (`cli::lanes`, shared with jsonl).

use super::lanes::Lane;
use anyhow::Result;
use layerscope::capture::store::{Backing, ReleaseBehind};
use layerscope::capture::Reader;
use layerscope::engine::Stream;
use layerscope::output;
use std::io::Write;

/// Packets per chunk: a chunk of lines is ~130 KB.
const CHUNK: u64 = 1024;

/// Threads a text decode uses: every worker reads every packet, so more than a few cost more
/// than they save.
pub fn workers() -> u32 {
    std::thread::available_parallelism().map_or(1, |w| w.get().min(4) as u32)
}

/// One worker's lines for one chunk of packets.
#[derive(Default)]
struct Part {
    /// The lines, each ending with '\n'.
    text: String,
    /// For each line: the packet's index in the file and where its line ends in `text`.
    lines: Vec<(u64, u32)>,
    /// How far into the file this worker has read.
    position: usize,
}

/// Decode `bytes` to summary lines on `workers` threads and write them, in file order, to
/// `out`. `progress` is told how many bytes of the file are done. Returns the capture's error,
/// if it ended in one.
pub fn decode_text(
    bytes: &Backing,
    count: Option<u64>,
    workers: u32,
    out: &mut impl Write,
    mut progress: impl FnMut(usize),
) -> Result<Option<String>> {
    // Checked once here, so the workers' readers cannot fail to start.
    Reader::new(bytes).map_err(anyhow::Error::new)?;
    let workers = workers.max(1);
    let mut behind = ReleaseBehind::default();
    let work = |k: usize, lane: &Lane<Part>| work(bytes, count, (k as u32, workers), lane);
    std::thread::scope(|scope| {
        let (lanes, handles) = super::lanes::spawn(scope, workers as usize, "decode", &work)?;
        let mut heads = vec![0usize; lanes.len()];
        'chunks: loop {
            let mut parts = Vec::with_capacity(lanes.len());
            for w in 0..lanes.len() {
                match lanes.recv(w) {
                    Some(p) => parts.push(p),
                    None => break 'chunks, // every worker reads to the same end
                }
            }
            merge(&parts, &mut heads, out)?;
            let at = parts.iter().map(|p| p.position).min().unwrap_or(0);
            behind.reached(bytes, at);
            progress(at);
            for (w, p) in parts.into_iter().enumerate() {
                lanes.give_back(w, p);
            }
        }
        drop(lanes);
        let mut error = None;
        for h in handles {
            let e = h
                .join()
                .map_err(|_| anyhow::anyhow!("a decoding thread stopped unexpectedly"))?;
            error = error.or(e);
        }
        Ok(error)
    })
}

/// Write the parts' lines in packet order (each part's lines are already in order).
fn merge(parts: &[Part], heads: &mut [usize], out: &mut impl Write) -> std::io::Result<()> {
    heads.iter_mut().for_each(|h| *h = 0);
    loop {
        let mut best: Option<(usize, u64)> = None;
        for (w, p) in parts.iter().enumerate() {
            if let Some(&(i, _)) = p.lines.get(heads[w]) {
                if best.is_none_or(|(_, b)| i < b) {
                    best = Some((w, i));
                }
            }
        }
        let Some((w, first)) = best else {
            return Ok(());
        };
        let p = &parts[w];
        let k = heads[w];
        // Every packet has its line in exactly one part, so this part's lines for the packets
        // that follow go out in one piece.
        let mut run = k + 1;
        while p
            .lines
            .get(run)
            .is_some_and(|&(i, _)| i == first + (run - k) as u64)
        {
            run += 1;
        }
        let start = if k == 0 { 0 } else { p.lines[k - 1].1 as usize };
        let end = p.lines[run - 1].1 as usize;
        out.write_all(&p.text.as_bytes()[start..end])?;
        heads[w] = run;
    }
}

/// One worker: read every packet, decode this shard's, send a part per chunk.
fn work(
    bytes: &Backing,
    count: Option<u64>,
    shard: (u32, u32),
    lane: &Lane<Part>,
) -> Option<String> {
    let Ok(mut reader) = Reader::new(bytes) else {
        return None; // checked by the caller
    };
    let mut stream = Stream::new();
    let mut first_ts = None;
    let mut part = Part::default();
    let mut i = 0u64;
    while let Some(raw) = reader.next_packet() {
        if count.is_some_and(|c| i >= c) {
            break;
        }
        let first = *first_ts.get_or_insert(raw.meta.timestamp.ns);
        let step = stream.summary_in_shard(&raw.meta, raw.data, &raw.comments, shard);
        if let Some(p) = step.printed_by(i, shard) {
            output::text_line(&mut part.text, p, first);
            part.text.push('\n');
            part.lines.push((i, part.text.len() as u32));
        }
        i += 1;
        if i % CHUNK == 0 {
            part.position = reader.position();
            let mut next = lane.buffer();
            next.text.clear();
            next.lines.clear();
            if !lane.send(std::mem::replace(&mut part, next)) {
                return None; // the writer stopped (an error): stop too
            }
        }
    }
    part.position = reader.position();
    lane.send(part);
    if count.is_some_and(|c| i >= c) {
        return None;
    }
    reader.error().map(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(bytes: &[u8], workers: u32) -> String {
        let mut out = Vec::new();
        let backing = Backing::Owned(bytes.to_vec());
        decode_text(&backing, None, workers, &mut out, |_| {}).expect("decodes");
        String::from_utf8(out).expect("utf-8")
    }

    /// What one reader prints: `Stream::next` packet after packet.
    fn single(bytes: &[u8]) -> String {
        let mut reader = Reader::new(bytes).expect("a capture");
        let mut stream = Stream::new();
        let (mut out, mut first) = (String::new(), None);
        while let Some(raw) = reader.next_packet() {
            let p = stream.next(&raw.meta, raw.data, &raw.comments, false, false);
            output::text_line(&mut out, &p, *first.get_or_insert(raw.meta.timestamp.ns));
            out.push('\n');
        }
        out
    }

    /// Sharded output equals the single reader's on every bundled capture, for several
    /// worker counts (each count splits the conversations differently).
    #[test]
    fn any_number_of_workers_prints_the_same_lines() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
        let mut checked = 0;
        for e in std::fs::read_dir(&dir).expect("tests/data") {
            let path = e.expect("entry").path();
            let ext = path.extension().and_then(|x| x.to_str()).unwrap_or("");
            if !matches!(ext, "pcap" | "pcapng" | "cap") {
                continue;
            }
            let bytes = std::fs::read(&path).expect("read");
            let one = single(&bytes);
            for n in [1, 2, 3, 4] {
                assert_eq!(lines(&bytes, n), one, "{} with {n} workers", path.display());
            }
            checked += 1;
        }
        assert!(checked > 5, "only {checked} captures found");
    }
}
