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

/// Run a command on `file`, or on standard input when it is `-`: the capture piped in is
/// first copied to a temporary file (memory stays bounded whatever its size), then read as a
/// file is, so `cat F | layerscope decode -` prints exactly what `layerscope decode F` prints.
/// Messages name "standard input", not the temporary file.
pub fn with_input(
    file: &Path,
    run: impl FnOnce(&Path) -> Result<Option<String>>,
) -> Result<Option<String>> {
    if file != Path::new("-") {
        return run(file);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        anyhow::bail!(
            "`-` reads a capture from standard input, but it is a terminal: pipe one in \
             (`cat capture.pcap | layerscope decode -`, `tcpdump -w - | layerscope decode -`)"
        );
    }
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
        .with_context(|| format!("cannot copy standard input to {}", path.display()))?;
    let spool = Spooled(path);
    std::io::copy(&mut stdin.lock(), &mut f)
        .and_then(|_| f.flush())
        .with_context(|| format!("cannot copy standard input to {}", spool.0.display()))?;
    drop(f);
    let shown = spool.0.display().to_string();
    let rename = |t: String| t.replace(&shown, "standard input");
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
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} decoding [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    Some(bar)
}

pub fn capture_error(e: CaptureError) -> anyhow::Error {
    anyhow::Error::new(e)
}

/// Open and analyse a capture with a progress bar for big files.
pub fn open_capture(path: &Path) -> Result<Capture> {
    let bar = progress_bar(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0));
    let cap = Capture::open(path, |done, total| {
        if let Some(b) = &bar {
            b.set_length(total);
            b.set_position(done);
        }
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(cap)
}

#[cfg(test)]
mod tests {

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
