//! `layerscope decode`: every packet of a capture, as text lines (like `tshark -r`) or jsonl.
use super::*;

/// Files up to this size are decoded to jsonl in two passes (every pair, in both directions,
/// is known: a request points to its response); bigger ones stream in one pass.
pub const TWO_PASS_MAX: u64 = 1 << 30;

pub fn decode_file(path: &Path, format: Format, count: Option<u64>) -> Result<Option<String>> {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if format == Format::Jsonl && size <= TWO_PASS_MAX {
        return jsonl_two_pass(path, count);
    }
    let bytes = open_bytes(path)?;
    decode_bytes(&bytes, format, count).with_context(|| format!("{}", path.display()))
}

pub fn jsonl_two_pass(path: &Path, count: Option<u64>) -> Result<Option<String>> {
    let cap = open_capture(path)?;
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let n = count.map_or(cap.len(), |c| (c as usize).min(cap.len()));
    let workers = std::thread::available_parallelism().map_or(1, |w| w.get().min(8));
    write_in_parallel(&mut out, n, workers, |range, buf| {
        for i in range {
            if let Some(p) = cap.packet(i) {
                output::push_json(buf, &p);
                buf.push(b'\n');
            }
        }
        Ok(())
    })?;
    out.flush()?;
    if count.is_some_and(|c| c as usize <= cap.len()) {
        return Ok(None);
    }
    Ok(cap.store.error().map(|e| e.to_string()))
}

/// Render packets `0..n` on `workers` threads and write them in order. After the analysis,
/// each packet decodes on its own (the capture is read-only), so the chunks are independent:
/// worker `w` renders chunks `w`, `w + workers`, ... into buffers, and this thread takes one
/// from each worker in turn, which is the file's order (`cli::lanes`).
pub fn write_in_parallel(
    out: &mut impl Write,
    n: usize,
    workers: usize,
    render: impl Fn(std::ops::Range<usize>, &mut Vec<u8>) -> std::io::Result<()> + Sync,
) -> Result<()> {
    // Small enough that a chunk of big packets (64 messages of field trees each) stays some
    // megabytes, not gigabytes; big enough to keep the workers busy.
    const CHUNK: usize = 256;
    let chunks = n.div_ceil(CHUNK);
    let range = |k: usize| k * CHUNK..((k + 1) * CHUNK).min(n);
    if workers <= 1 || chunks <= 1 {
        let mut buf = Vec::new();
        for k in 0..chunks {
            buf.clear();
            render(range(k), &mut buf)?;
            out.write_all(&buf)?;
        }
        return Ok(());
    }
    let work = |w: usize, lane: &super::lanes::Lane<Vec<u8>>| -> std::io::Result<()> {
        for k in (w..chunks).step_by(workers) {
            let mut buf = lane.buffer();
            buf.clear();
            render(range(k), &mut buf)?;
            if !lane.send(buf) {
                break; // the writer stopped (an error): stop too
            }
        }
        Ok(())
    };
    std::thread::scope(|scope| {
        let (lanes, handles) = super::lanes::spawn(scope, workers, "render", &work)?;
        for k in 0..chunks {
            let Some(buf) = lanes.recv(k % workers) else {
                break; // that worker failed: its error is joined below
            };
            out.write_all(&buf)?;
            lanes.give_back(k % workers, buf);
        }
        drop(lanes);
        for h in handles {
            h.join()
                .map_err(|_| anyhow::anyhow!("a rendering thread stopped unexpectedly"))??;
        }
        Ok(())
    })
}

/// Stream-decode a capture: memory stays bounded whatever the file size (nothing is indexed).
/// Text runs on every core (see `cli::text`); jsonl from here is for files too big for two
/// passes, and runs in one.
pub fn decode_bytes(bytes: &Backing, format: Format, count: Option<u64>) -> Result<Option<String>> {
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let bar = progress_bar(bytes.len() as u64);
    let error = match format {
        Format::Text => {
            super::text::decode_text(bytes, count, super::text::workers(), &mut out, |at| {
                if let Some(b) = &bar {
                    b.set_position(at as u64);
                }
            })?
        }
        Format::Jsonl => jsonl_one_pass(bytes, count, &mut out, bar.as_ref())?,
    };
    out.flush()?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(error)
}

pub fn jsonl_one_pass(
    bytes: &Backing,
    count: Option<u64>,
    out: &mut impl Write,
    bar: Option<&indicatif::ProgressBar>,
) -> Result<Option<String>> {
    // The file is read once, front to back: pages behind the reader leave memory.
    let mut behind = ReleaseBehind::default();
    let mut reader = Reader::new(bytes).map_err(capture_error)?;
    let mut jbuf = Vec::new();
    let mut n = 0u64;
    let mut stream = Stream::new();
    while let Some(raw) = reader.next_packet() {
        if count.is_some_and(|c| n >= c) {
            return Ok(None);
        }
        n += 1;
        // One pass: conversations, reassembly and application decoding run as we go.
        let p = stream.next(&raw.meta, raw.data, &raw.comments, true, true);
        jbuf.clear();
        output::push_json(&mut jbuf, &p);
        jbuf.push(b'\n');
        out.write_all(&jbuf)?;
        if n % 8192 == 0 {
            behind.reached(bytes, reader.position());
            if let Some(b) = bar {
                b.set_position(reader.position() as u64);
            }
        }
    }
    Ok(reader.error().map(|e| e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn parallel_rendering_keeps_the_order() {
        let render = |r: std::ops::Range<usize>, buf: &mut Vec<u8>| -> std::io::Result<()> {
            for i in r {
                writeln!(buf, "{i}")?;
            }
            Ok(())
        };
        let mut one = Vec::new();
        write_in_parallel(&mut one, 10_007, 1, render).unwrap();
        for workers in [2, 3, 8] {
            let mut many = Vec::new();
            write_in_parallel(&mut many, 10_007, workers, render).unwrap();
            assert_eq!(many, one, "{workers} workers");
        }
        let expected: String = (0..10_007).map(|i| format!("{i}\n")).collect();
        assert_eq!(String::from_utf8(one).unwrap(), expected);
    }
}
