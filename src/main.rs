//! The `layerscope` command line. Errors become messages here (anyhow); the library below uses
//! typed errors (thiserror).
//!
//! Exit codes: 0 success; 1 the file could not be opened or is not a capture; 2 bad usage
//! (clap); 3 the capture is damaged — every packet before the damage was still printed.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use layerscope::capture::store::{map_file, Backing, Mapped, ReleaseBehind};
use layerscope::capture::{CaptureError, Reader};
use layerscope::engine::{Capture, Stream};
use layerscope::output;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The capture bundled with the binary, decoded when no arguments are given.
const SAMPLE: &[u8] = include_bytes!("../assets/socketio-chat.pcap");
const SAMPLE_NAME: &str = "assets/socketio-chat.pcap";

#[derive(Parser)]
#[command(
    name = "layerscope",
    version,
    about = "See every packet on the OSI and TCP/IP layers",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Memory a capture's decoded messages may keep, in MiB (default 256): decompressed
    /// and reassembled data past it is kept as 64 KiB previews, and the other budgets scale
    /// with it (see docs/robustness.md). For every command and the window.
    #[arg(long, global = true, value_name = "MIB", value_parser = clap::value_parser!(u32).range(16..=65536))]
    memory_budget: Option<u32>,
    /// Open this capture in the desktop app (no file: the bundled sample).
    file: Option<PathBuf>,
    /// Select this packet (1-based) when the window opens.
    #[arg(long)]
    packet: Option<u64>,
    /// Start on this view.
    #[arg(long, value_enum)]
    view: Option<View>,
    /// Start with this text size (1.0 to 2.5).
    #[arg(long)]
    text_size: Option<f32>,
    /// Start in the presenter layout (the sentence, the layers and the ladder, large).
    #[arg(long)]
    presenter: bool,
    /// The window's size in pixels, e.g. 1280x720.
    #[arg(long, value_parser = parse_size)]
    window_size: Option<[f32; 2]>,
    /// Open the window, render the chosen state (--packet, --view, --text-size), write it to
    /// this PNG and exit. Needs a display (Xvfb works).
    #[arg(long)]
    screenshot: Option<PathBuf>,
    /// Start this built-in demo when the window opens.
    #[cfg(feature = "gui")]
    #[arg(long, value_enum)]
    demo: Option<layerscope::capture::demo::DemoName>,
    /// With --demo websocket|socketio: students join from their browsers (see `demo
    /// --listen-lan`; needs CAP_NET_RAW).
    #[cfg(feature = "gui")]
    #[arg(long, requires = "demo")]
    listen_lan: bool,
    /// With --listen-lan: students need a 4-digit join code, shown on the demo banner.
    #[cfg(feature = "gui")]
    #[arg(long, requires = "listen_lan")]
    join_code: bool,
    /// With --listen-lan and the Socket.IO demo: the page students get (the official client
    /// library, or Socket.IO by hand with every byte readable).
    #[cfg(feature = "gui")]
    #[arg(long, value_enum, requires = "listen_lan")]
    student_page: Option<layerscope::capture::demo::StudentPage>,
    /// Start capturing on this interface when the window opens.
    #[cfg(feature = "gui")]
    #[arg(long)]
    live: Option<String>,
    /// Close the window after this many frames (smoke tests and screenshots).
    #[arg(long, hide = true)]
    exit_after_frames: Option<u64>,
    /// Print to stderr when the first packets are on screen and when the whole file is loaded
    /// (milliseconds since start, and the memory in use then): what `scripts/scale.sh` reads.
    #[arg(long)]
    timings: bool,
    #[arg(skip)]
    started: Option<std::time::Instant>,
}

#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
enum View {
    Details,
    Ladder,
    /// The ladder with every Socket.IO client at once (broadcasts fan out).
    Broadcast,
    /// A server's listening socket and one socket per accepted connection.
    Sockets,
    Glossary,
}

#[cfg(feature = "live")]
mod live_cli;
mod text_cli;

#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
enum Format {
    /// One summary line per packet, like `tshark -r`.
    Text,
    /// One JSON object per packet (see docs/json.md).
    Jsonl,
}

#[derive(Subcommand)]
enum Command {
    /// Decode every packet of a capture file.
    Decode {
        /// Capture file (pcap or pcapng); `-` reads one from standard input.
        file: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Stop after this many packets.
        #[arg(long, short = 'c')]
        count: Option<u64>,
    },
    /// List TCP and UDP conversations with handshake state, packets, bytes and duration.
    Streams {
        /// Capture file (pcap or pcapng); `-` reads one from standard input.
        file: PathBuf,
    },
    /// Print one conversation like `tshark -z follow`, with HTTP, WebSocket messages and
    /// Socket.IO events decoded.
    Follow {
        /// Capture file (pcap or pcapng); `-` reads one from standard input.
        file: PathBuf,
        /// Stream number, as `layerscope streams` lists it (tcp.stream / udp.stream).
        #[arg(long, short = 's')]
        stream: u32,
        /// Follow a UDP stream instead of a TCP one.
        #[arg(long)]
        udp: bool,
    },
    /// List network interfaces (name, addresses, up/down, loopback) for `capture -i`.
    #[cfg(feature = "live")]
    Interfaces {
        /// One JSON object per interface.
        #[arg(long)]
        json: bool,
    },
    /// Capture live traffic (needs CAP_NET_RAW; see the message if it is missing).
    #[cfg(feature = "live")]
    Capture {
        /// Interface to capture on (`layerscope interfaces` lists them).
        #[arg(long, short = 'i')]
        interface: String,
        /// Save the packets as pcapng (written atomically when the capture ends).
        #[arg(long, short = 'w')]
        write: Option<PathBuf>,
        /// Stop after this many packets.
        #[arg(long, short = 'c')]
        count: Option<u64>,
        /// Stop after this many seconds.
        #[arg(long)]
        duration: Option<f64>,
        /// Print each packet (default: text, unless -w is given).
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// Run a built-in classroom demo: real traffic on a private loopback, captured live.
    #[cfg(feature = "demo")]
    Demo {
        #[arg(value_enum)]
        name: layerscope::capture::demo::DemoName,
        /// Save the captured packets as pcapng.
        #[arg(long, short = 'w')]
        write: Option<PathBuf>,
        /// Milliseconds between steps.
        #[arg(long, default_value_t = 400)]
        pace: u64,
        /// Run the demo again and again until interrupted.
        #[arg(long = "loop")]
        repeat: bool,
        /// Print each packet (default: text, unless -w is given).
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Capture on the host loopback, not a private namespace (needs CAP_NET_RAW).
        #[arg(long)]
        host_loopback: bool,
        /// websocket/socketio: also serve a web page on every address so students join from
        /// their own browsers (captures every interface; needs CAP_NET_RAW; off by default).
        #[arg(long)]
        listen_lan: bool,
        /// Wait for Enter before each narrated step (the teacher paces the demo).
        #[arg(long)]
        teacher_steps: bool,
        #[command(flatten)]
        lan: LanArgs,
    },
    /// The demo's child process (isolates itself, captures, writes pcapng to stdout).
    #[cfg(feature = "demo")]
    #[command(name = "__demo-child", hide = true)]
    DemoChild {
        #[arg(value_enum)]
        name: layerscope::capture::demo::DemoName,
        #[arg(long, default_value_t = 400)]
        pace: u64,
        #[arg(long)]
        host_loopback: bool,
        #[arg(long)]
        listen_lan: bool,
        #[arg(long)]
        teacher_steps: bool,
        #[command(flatten)]
        lan: LanArgs,
    },
    /// The LAN demo's server alone, without a capture (tests load it on loopback).
    #[cfg(feature = "demo")]
    #[command(name = "__lan-server", hide = true)]
    LanServer {
        #[arg(value_enum)]
        name: layerscope::capture::demo::DemoName,
        #[command(flatten)]
        lan: LanArgs,
    },
    /// Explain one packet layer by layer, with every field and a marked hex dump.
    Explain {
        /// Capture file (pcap or pcapng); `-` reads one from standard input.
        file: PathBuf,
        /// Packet number, counting from 1 as tshark does.
        #[arg(long, short = 'p')]
        packet: u64,
        /// Where the OSI column puts WebSocket and Engine.IO: `textbook` (everything above
        /// TCP/UDP at 7, the default) or `functional` (WebSocket framing at 5, Engine.IO at 6).
        /// See docs/layers.md.
        #[arg(long, value_enum, default_value_t = PlacementArg::Textbook)]
        placement: PlacementArg,
    },
}

/// The LAN demo's door (`--listen-lan`): see `capture::demo::lan`.
#[cfg(feature = "demo")]
#[derive(clap::Args, Clone, Debug)]
struct LanArgs {
    /// --listen-lan: students must join with this code in the address (`?code=4821`, shown on
    /// the teacher's screen); without a value, a random 4-digit code.
    #[arg(long, num_args = 0..=1, default_missing_value = "random")]
    join_code: Option<String>,
    /// --listen-lan: connections one address may hold.
    #[arg(long, default_value_t = 8)]
    max_per_address: u32,
    /// --listen-lan: connections the server holds in all.
    #[arg(long, default_value_t = 256)]
    max_connections: u32,
    /// --listen-lan: seconds a connection may send nothing before it is closed.
    #[arg(long, default_value_t = 120)]
    idle_timeout: u64,
    /// --listen-lan: messages a second one connection may send (bursts of 4 times as many).
    #[arg(long, default_value_t = 5)]
    rate: u32,
    /// --listen-lan: the port to listen on (0: any free port).
    #[arg(long)]
    port: Option<u16>,
    /// --listen-lan, Socket.IO demo: the page students get: the official client library
    /// (polling, then the upgrade to WebSocket) or Socket.IO by hand, every byte readable.
    #[arg(long, value_enum, default_value_t = layerscope::capture::demo::StudentPage::Library)]
    student_page: layerscope::capture::demo::StudentPage,
}

#[cfg(feature = "demo")]
impl LanArgs {
    fn options(&self) -> layerscope::capture::demo::LanOptions {
        use layerscope::capture::demo::lan;
        lan::LanOptions {
            limits: lan::Limits {
                per_address: self.max_per_address.max(1),
                max_open: self.max_connections.max(1),
                idle: std::time::Duration::from_secs(self.idle_timeout.max(1)),
                rate: self.rate.max(1),
                burst: self.rate.max(1).saturating_mul(4),
                ..lan::Limits::default()
            },
            join_code: self.join_code.as_ref().map(|c| {
                if c == "random" {
                    lan::random_code()
                } else {
                    c.clone()
                }
            }),
            port: self.port,
            page: self.student_page,
        }
    }
}

#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
enum PlacementArg {
    Textbook,
    Functional,
}

impl From<PlacementArg> for layerscope::model::Placement {
    fn from(p: PlacementArg) -> Self {
        match p {
            PlacementArg::Textbook => layerscope::model::Placement::Textbook,
            PlacementArg::Functional => layerscope::model::Placement::Functional,
        }
    }
}

/// Exit code for a damaged capture (packets before the damage were printed).
const EXIT_DAMAGED: u8 = 3;

fn main() -> ExitCode {
    let started = std::time::Instant::now();
    let mut cli = Cli::parse();
    cli.started = Some(started);
    if let Some(mib) = cli.memory_budget {
        layerscope::flow::app::set_memory_budget(mib as usize);
    }
    let result = match cli.command {
        None => gui(cli),
        Some(Command::Decode {
            file,
            format,
            count,
        }) => with_input(&file, |f| decode_file(f, format, count)),
        Some(Command::Explain {
            file,
            packet,
            placement,
        }) => with_input(&file, |f| explain_file(f, packet, placement.into())),
        Some(Command::Streams { file }) => with_input(&file, streams_file),
        Some(Command::Follow { file, stream, udp }) => {
            with_input(&file, |f| follow_file(f, stream, udp))
        }
        #[cfg(feature = "live")]
        Some(Command::Interfaces { json }) => live_cli::interfaces(json),
        #[cfg(feature = "live")]
        Some(Command::Capture {
            interface,
            write,
            count,
            duration,
            format,
        }) => live_cli::capture(&interface, write.as_deref(), count, duration, format),
        #[cfg(feature = "demo")]
        Some(Command::Demo {
            name,
            write,
            pace,
            repeat,
            format,
            host_loopback,
            listen_lan,
            teacher_steps,
            lan,
        }) => live_cli::demo(
            name,
            write.as_deref(),
            repeat,
            format,
            layerscope::capture::demo::DemoOptions {
                pace: std::time::Duration::from_millis(pace),
                host_loopback,
                listen_lan,
                teacher_steps,
                lan: lan.options(),
            },
        ),
        #[cfg(feature = "demo")]
        Some(Command::DemoChild {
            name,
            pace,
            host_loopback,
            listen_lan,
            teacher_steps,
            lan,
        }) => live_cli::demo_child(
            name,
            layerscope::capture::demo::DemoOptions {
                pace: std::time::Duration::from_millis(pace),
                host_loopback,
                listen_lan,
                teacher_steps,
                lan: lan.options(),
            },
        ),
        #[cfg(feature = "demo")]
        Some(Command::LanServer { name, lan }) => live_cli::lan_server(name, &lan.options()),
    };
    match result {
        Ok(None) => ExitCode::SUCCESS,
        Ok(Some(damage)) => {
            eprintln!("layerscope: warning: {damage}");
            eprintln!("layerscope: every packet before the damage was decoded");
            ExitCode::from(EXIT_DAMAGED)
        }
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("layerscope: error: {}", error_text(&e));
            ExitCode::FAILURE
        }
    }
}

/// An error and its causes on one line, each cause said once: a cause whose text an
/// earlier message already holds ("cannot save x: Read-only file system (os error 30)") is
/// not repeated after it.
/// Standard input (`-` as the file), copied to a temporary file that goes when this does.
struct Spooled(PathBuf);

impl Drop for Spooled {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Run a command on `file`, or on standard input when it is `-`: the capture piped in is
/// first copied to a temporary file (memory stays bounded whatever its size), then read as a
/// file is, so `cat F | layerscope decode -` prints exactly what `layerscope decode F` prints.
/// Messages name "standard input", not the temporary file.
fn with_input(
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

fn error_text(e: &anyhow::Error) -> String {
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

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn open_bytes(path: &Path) -> Result<Backing> {
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

/// Files up to this size are decoded to jsonl in two passes (every pair, in both directions,
/// is known: a request points to its response); bigger ones stream in one pass.
const TWO_PASS_MAX: u64 = 1 << 30;

fn decode_file(path: &Path, format: Format, count: Option<u64>) -> Result<Option<String>> {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if format == Format::Jsonl && size <= TWO_PASS_MAX {
        return jsonl_two_pass(path, count);
    }
    let bytes = open_bytes(path)?;
    decode_bytes(&bytes, format, count).with_context(|| format!("{}", path.display()))
}

fn jsonl_two_pass(path: &Path, count: Option<u64>) -> Result<Option<String>> {
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
/// from each worker in turn, which is the file's order. Each worker runs at most two chunks
/// ahead, so memory stays a few chunks whatever the file size.
fn write_in_parallel(
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
    std::thread::scope(|scope| {
        let render = &render;
        // Per worker: rendered chunks one way, written buffers back for reuse (a chunk of
        // jsonl is megabytes: fresh buffers would cost page faults and regrowth copies).
        let lanes: Vec<_> = (0..workers)
            .map(|w| {
                let (tx, rx) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(2);
                let (back_tx, back_rx) = std::sync::mpsc::channel::<Vec<u8>>();
                std::thread::Builder::new()
                    .name(format!("render-{w}"))
                    .spawn_scoped(scope, move || {
                        for k in (w..chunks).step_by(workers) {
                            let mut buf = back_rx.try_recv().unwrap_or_default();
                            buf.clear();
                            let r = render(range(k), &mut buf).map(|()| buf);
                            if tx.send(r).is_err() {
                                return; // the writer stopped (an error): stop too
                            }
                        }
                    })
                    .map(|_| (rx, back_tx))
            })
            .collect::<std::io::Result<_>>()?;
        for k in 0..chunks {
            let (rx, back) = &lanes[k % workers];
            let buf = rx
                .recv()
                .map_err(|_| anyhow::anyhow!("a rendering thread stopped unexpectedly"))??;
            out.write_all(&buf)?;
            let _ = back.send(buf); // the worker may have finished: then it is just dropped
        }
        Ok(())
    })
}

/// Stream-decode a capture: memory stays bounded whatever the file size (nothing is indexed).
/// Text runs on every core (see `text_cli`); jsonl from here is for files too big for two
/// passes, and runs in one.
fn decode_bytes(bytes: &Backing, format: Format, count: Option<u64>) -> Result<Option<String>> {
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let bar = progress_bar(bytes.len() as u64);
    let error = match format {
        Format::Text => text_cli::decode_text(bytes, count, text_cli::workers(), &mut out, |at| {
            if let Some(b) = &bar {
                b.set_position(at as u64);
            }
        })?,
        Format::Jsonl => jsonl_one_pass(bytes, count, &mut out, bar.as_ref())?,
    };
    out.flush()?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(error)
}

fn jsonl_one_pass(
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

fn progress_bar(total: u64) -> Option<indicatif::ProgressBar> {
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

fn capture_error(e: CaptureError) -> anyhow::Error {
    anyhow::Error::new(e)
}

/// Open and analyse a capture with a progress bar for big files.
fn open_capture(path: &Path) -> Result<Capture> {
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

fn explain_file(
    path: &Path,
    number: u64,
    placement: layerscope::model::Placement,
) -> Result<Option<String>> {
    if number == 0 {
        bail!("packet numbers start at 1");
    }
    let cap = open_capture(path)?;
    let i = (number - 1) as usize;
    let (Some(p), Some(data)) = (cap.packet(i), cap.store.data(i)) else {
        let damage = cap
            .store
            .error()
            .map_or(String::new(), |e| format!(" (reading stopped early: {e})"));
        bail!(
            "{} has {}; there is no packet {number}{damage}",
            path.display(),
            layerscope::model::count(cap.len(), "packet")
        );
    };
    let iface = cap
        .store
        .interfaces()
        .get(p.meta.interface as usize)
        .and_then(|i| i.name.as_deref());
    let text = output::explain_in(&p, data, iface, placement);
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(None)
}

fn streams_file(path: &Path) -> Result<Option<String>> {
    let cap = open_capture(path)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    writeln!(
        out,
        "{:<5} {:>6} {:<44} {:<44} {:>8} {:>10} {:>8} {:>10} {:>11}  State",
        "Proto",
        "Stream",
        "Client",
        "Server",
        "Pkts C→S",
        "Bytes C→S",
        "Pkts S→C",
        "Bytes S→C",
        "Duration s",
    )?;
    for c in &cap.flows.conversations {
        let state = if c.proto == 6 {
            let mut s = c.state.describe().to_string();
            if let Some(rtt) = c.irtt_ns {
                s.push_str(&format!(", handshake RTT {:.3} ms", rtt as f64 / 1e6));
            }
            s
        } else {
            "connectionless".to_string()
        };
        writeln!(
            out,
            "{:<5} {:>6} {:<44} {:<44} {:>8} {:>10} {:>8} {:>10} {:>11}  {}",
            c.proto_name(),
            c.stream,
            c.client.to_string(),
            c.server.to_string(),
            c.packets[0],
            c.bytes[0],
            c.packets[1],
            c.bytes[1],
            layerscope::model::format_seconds(c.duration_ns(), 6),
            state
        )?;
    }
    for line in cap.limits_report() {
        writeln!(out, "note: {line}")?;
    }
    out.flush()?;
    Ok(cap.store.error().map(|e| e.to_string()))
}

fn follow_file(path: &Path, stream: u32, udp: bool) -> Result<Option<String>> {
    let cap = open_capture(path)?;
    let proto = if udp { 17 } else { 6 };
    let Some(ci) = cap
        .flows
        .conversations
        .iter()
        .position(|c| c.proto == proto && c.stream == stream)
    else {
        bail!(
            "{} has no {} stream {stream} (see `layerscope streams`)",
            path.display(),
            if udp { "UDP" } else { "TCP" }
        );
    };
    let c = &cap.flows.conversations[ci];
    let mut out = BufWriter::new(std::io::stdout().lock());
    let rule = "=".repeat(70);
    writeln!(out, "{rule}")?;
    writeln!(out, "Follow: {} stream {stream}", c.proto_name())?;
    writeln!(out, "Node 0 (client): {}", c.client)?;
    writeln!(out, "Node 1 (server): {}", c.server)?;
    if c.proto == 6 {
        writeln!(out, "State: {}", c.state.describe())?;
    }
    writeln!(out, "{rule}")?;
    let first = c.first_packet.saturating_sub(1) as usize;
    let last = c.last_packet as usize;
    for i in first..last.min(cap.len()) {
        if cap.flows.conversation_index(i) != Some(ci) {
            continue;
        }
        let Some(p) = cap.packet(i) else { continue };
        let dir = cap.flows.facts(i).map_or(0, |f| f.dir);
        let arrow = if dir == 0 {
            "client → server"
        } else {
            "server → client"
        };
        let indent = if dir == 0 { "" } else { "        " };
        let msgs = cap.messages_at(i);
        let payload = p.transport.map_or(0, |t| t.payload_len);
        if !msgs.is_empty() {
            writeln!(out, "{indent}[{} {arrow}] {}", p.meta.number, p.summary)?;
            for l in p.layers.iter().filter(|l| {
                matches!(
                    l.protocol,
                    layerscope::model::Protocol::WebSocket | layerscope::model::Protocol::SocketIo
                )
            }) {
                for f in &l.fields {
                    if matches!(
                        f.def.name,
                        "websocket.payload.text"
                            | "websocket.payload.decompressed"
                            | "socketio.args"
                            | "websocket.payload.close.reason"
                    ) {
                        writeln!(out, "{indent}    {} = {}", f.def.name, f.display())?;
                    }
                }
            }
        } else if payload > 0 && cap.reassembled_in(i).is_empty() {
            writeln!(
                out,
                "{indent}[{} {arrow}] {}",
                p.meta.number,
                layerscope::model::count(payload, "byte")
            )?;
            if let (Some(t), Some(data)) = (p.transport, cap.store.data(i)) {
                let bytes = data.get(t.payload_range()).unwrap_or(&[]);
                let text: String = bytes
                    .iter()
                    .map(|&b| {
                        if b == b'\n' || b.is_ascii_graphic() || b == b' ' {
                            b as char
                        } else {
                            '.'
                        }
                    })
                    .collect();
                for line in text.lines().take(40) {
                    writeln!(out, "{indent}    {line}")?;
                }
            }
        } else if c.proto == 6 && p.summary.contains('[') && payload == 0 {
            let flags = p
                .summary
                .split('[')
                .nth(1)
                .and_then(|x| x.split(']').next())
                .unwrap_or("");
            if flags.contains("SYN") || flags.contains("FIN") || flags.contains("RST") {
                writeln!(out, "{indent}[{} {arrow}] TCP {flags}", p.meta.number)?;
            }
        }
    }
    writeln!(out, "{rule}")?;
    out.flush()?;
    Ok(None)
}

/// "1280x720" as a window size.
fn parse_size(s: &str) -> Result<[f32; 2], String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("'{s}' is not WIDTHxHEIGHT, e.g. 1280x720"))?;
    let n = |v: &str| {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|&n| (100..=16384).contains(&n))
            .map(|n| n as f32)
            .ok_or_else(|| format!("'{v}' is not a size in pixels (100 to 16384)"))
    };
    Ok([n(w)?, n(h)?])
}

/// The desktop app; without a display (or without the `gui` feature) the capture is decoded to
/// the terminal instead, with a word on why.
fn gui(cli: Cli) -> Result<Option<String>> {
    let has_display =
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    let file = cli.file.clone();
    #[cfg(feature = "gui")]
    if has_display {
        use layerscope::app::{Launch, Tab};
        let launch = Launch {
            path: cli.file,
            packet: cli.packet,
            view: cli.view.map(|v| match v {
                View::Details => Tab::Details,
                View::Ladder | View::Broadcast => Tab::Ladder,
                View::Sockets => Tab::Sockets,
                View::Glossary => Tab::Glossary,
            }),
            font_scale: cli.text_size,
            fan_out: matches!(cli.view, Some(View::Broadcast)),
            exit_after_frames: cli.exit_after_frames,
            timings: cli.timings.then_some(cli.started).flatten(),
            demo: cli.demo,
            listen_lan: cli.listen_lan,
            join_code: cli.join_code,
            student_page: cli.student_page.unwrap_or_default(),
            live: cli.live,
            presenter: cli.presenter,
            window_size: cli.window_size,
            screenshot: cli.screenshot.clone(),
        };
        layerscope::app::run(launch, SAMPLE, SAMPLE_NAME)
            .map_err(|e| anyhow::anyhow!("the window could not open: {e}"))?;
        return Ok(None);
    }
    if cli.screenshot.is_some() {
        anyhow::bail!(
            "--screenshot needs a display (run it under Xvfb: xvfb-run layerscope ... --screenshot OUT.png)"
        );
    }
    #[cfg(not(feature = "gui"))]
    let _ = (cli.packet, cli.view, cli.text_size, cli.exit_after_frames);
    #[cfg(not(feature = "gui"))]
    let _ = (cli.presenter, cli.window_size);
    #[cfg(not(feature = "gui"))]
    let _ = (cli.timings, cli.started);
    let why = if cfg!(feature = "gui") {
        "no display found"
    } else {
        "built without the `gui` feature"
    };
    let _ = has_display;
    match file {
        Some(f) => {
            eprintln!(
                "layerscope: {why}; decoding {} to the terminal",
                f.display()
            );
            decode_file(&f, Format::Text, None)
        }
        None => {
            eprintln!(
                "layerscope: {why}; decoding the bundled sample {SAMPLE_NAME} to the terminal"
            );
            decode_bytes(&Backing::Owned(SAMPLE.to_vec()), Format::Text, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::write_in_parallel;
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
