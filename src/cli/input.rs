//! Opening what a command reads: a capture file, or standard input (`-`); progress bars for
//! big files; errors as one line.
use super::*;

/// Standard input (`-` as the file), copied to a temporary file that goes when this does.
pub struct Spooled(PathBuf);

impl Drop for Spooled {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Run a command on `file`, or on standard input when it is `-`: the capture piped in (or a
/// pipe or device given by name) is first copied to a temporary file (memory stays bounded
/// whatever its size), then read as a file is, so `cat F | layerscope decode -` prints exactly
/// what `layerscope decode F` prints. Messages name "standard input" (or the pipe), not the
/// temporary file. A folder is refused with a message that says so.
pub fn with_input(
    file: &Path,
    run: impl FnOnce(&Path) -> Result<Option<String>>,
) -> Result<Option<String>> {
    let stdin = file == Path::new("-");
    let meta = if stdin {
        None
    } else {
        std::fs::metadata(file).ok()
    };
    if meta.as_ref().is_some_and(|m| m.is_dir()) {
        bail!(
            "{} is a folder, not a capture file (give a .pcap or .pcapng file in it)",
            file.display()
        );
    }
    // A regular file (or one that does not exist: `run` says so) is read where it is; a pipe
    // or a device (`/dev/stdin`, `<(tcpdump -w -)`) has no size to map, so it is copied first.
    if !stdin && meta.as_ref().is_none_or(|m| m.is_file()) {
        return run(file);
    }
    let (mut from, name): (Box<dyn std::io::Read>, String) = if stdin {
        let input = std::io::stdin();
        if input.is_terminal() {
            anyhow::bail!(
                "`-` reads a capture from standard input, but it is a terminal: pipe one in \
                 (`cat capture.pcap | layerscope decode -`, `tcpdump -w - | layerscope decode -`)"
            );
        }
        (Box::new(input.lock()), "standard input".to_string())
    } else {
        let f =
            std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
        if f.is_terminal() {
            bail!("{} is a terminal, not a capture", file.display());
        }
        (Box::new(f), file.display().to_string())
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let path = std::env::temp_dir().join(format!(
        "layerscope-stdin-{}-{nanos}.capture",
        std::process::id()
    ));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("cannot copy {name} to {}", path.display()))?;
    let spool = Spooled(path);
    std::io::copy(&mut from, &mut f)
        .and_then(|_| f.flush())
        .with_context(|| format!("cannot copy {name} to {}", spool.0.display()))?;
    drop(f);
    let shown = spool.0.display().to_string();
    let rename = |t: String| t.replace(&shown, &name);
    match run(&spool.0) {
        Ok(warning) => Ok(warning.map(rename)),
        Err(e) => Err(anyhow::anyhow!(rename(error_text(&e)))),
    }
}

/// An error and its causes on one line, each cause said once: a cause whose text an
/// earlier message already holds ("cannot save x: Read-only file system (os error 30)") is
/// not repeated after it.
pub fn error_text(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let t = cause.to_string();
        if t.is_empty() || out.contains(&t) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&t);
    }
    out
}

pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

pub fn open_bytes(path: &Path) -> Result<Backing> {
    let len = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    if len == 0 {
        return Ok(Backing::Owned(Vec::new()));
    }
    Ok(Backing::Mapped(Mapped::new(map_file(path).with_context(
        || format!("cannot read {}", path.display()),
    )?)))
}

pub fn progress_bar(total: u64) -> Option<indicatif::ProgressBar> {
    // Only for files that take more than a moment, and only on a terminal.
    if total < 32 * 1024 * 1024 || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(style(BYTES_TEMPLATE));
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    Some(bar)
}

/// Reading the file: bytes.
pub const BYTES_TEMPLATE: &str =
    "{spinner} decoding [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)";
/// The analysis that follows: packets, not bytes.
pub const PACKETS_TEMPLATE: &str =
    "{spinner} analysing [{bar:40}] {human_pos}/{human_len} packets ({eta} left)";

fn style(template: &str) -> indicatif::ProgressStyle {
    indicatif::ProgressStyle::with_template(template)
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ")
}

pub fn capture_error(e: CaptureError) -> anyhow::Error {
    anyhow::Error::new(e)
}

/// Open and analyse a capture with a progress bar for big files.
pub fn open_capture(path: &Path) -> Result<Capture> {
    let bar = progress_bar(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0));
    let show = |done: u64, total: u64| {
        if let Some(b) = &bar {
            b.set_length(total);
            b.set_position(done);
        }
    };
    // Two phases, each with its own unit: indexing the file (bytes), then the flow and
    // application passes (packets).
    let store = layerscope::capture::PacketStore::open(path, show)?;
    if let Some(b) = &bar {
        // Position, speed and time left start again: a new unit, a new count.
        b.reset();
        b.set_length(store.len() as u64);
        b.set_style(style(PACKETS_TEMPLATE));
    }
    let cap = Capture::analyse(store, layerscope::flow::FlowConfig::default(), show);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(cap)
}

#[cfg(test)]
mod tests {
    /// The analysis phase counts packets; only the reading phase counts bytes.
    #[test]
    fn each_phase_counts_in_its_own_unit() {
        assert!(super::BYTES_TEMPLATE.contains("{bytes}/{total_bytes}"));
        assert!(super::PACKETS_TEMPLATE.contains("packets"));
        assert!(!super::PACKETS_TEMPLATE.contains("bytes"));
        for t in [super::BYTES_TEMPLATE, super::PACKETS_TEMPLATE] {
            assert!(indicatif::ProgressStyle::with_template(t).is_ok(), "{t}");
        }
    }

    #[test]
    fn error_causes_are_said_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("cannot save out.pcapng: {0}")]
        struct Save(#[source] std::io::Error);
        let io = std::io::Error::other("Read-only file system (os error 30)");
        let e = anyhow::Error::new(Save(io)).context("capture stopped");
        assert_eq!(
            super::error_text(&e),
            "capture stopped: cannot save out.pcapng: Read-only file system (os error 30)"
        );
    }
}
