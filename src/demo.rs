//! Built-in classroom demos: real servers and clients, real protocol libraries, real packets.
//!
//! Why real traffic and not canned bytes: the point of the demo is that nothing is staged —
//! tokio-tungstenite really upgrades the HTTP connection, socketioxide really broadcasts, and
//! the kernel really does the TCP handshake. The packets are captured live on loopback as they
//! happen and decoded by the same engine that opens files.
//!
//! How it runs without root and without a network: the app starts a child process of its own
//! binary (`layerscope __demo-child NAME`). The child first moves into a new user + network
//! namespace ([`crate::capture::sys::enter_private_network`]), where it owns a private loopback and may
//! capture on it; it starts the capture, runs the demo's servers and clients on that loopback,
//! and writes the captured packets as a pcapng stream to its stdout. The parent (the GUI, or
//! `layerscope demo`) reads that stream with [`DemoRun`] and shows packets as they arrive. If
//! user namespaces are disabled, the child says so and falls back to the host loopback, which
//! needs CAP_NET_RAW.
//!
//! Each demo narrates its steps on stderr (`# step@TIME: ...`, TIME in ns since 1970 on the
//! capture's clock, so a step can be matched to the packets that follow it). Steps are paced
//! (`--pace MS`) so a class can follow them, or wait for the teacher (`--teacher-steps`): then
//! each step starts only when the parent writes a line to the child's stdin (→ or PageDown in
//! the window, Enter in the terminal). The same stdin takes `pause`, `resume`, `auto` and
//! `pace MS`, which is how the window pauses a running demo.

use crate::capture::file::Interface;
use crate::capture::live::{LiveCapture, LiveCounters, LiveOptions, LivePacket};
use crate::capture::pcapng::{PcapngSink, StreamItem, StreamReader};
use std::io::{BufRead, Write};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use lan::{LanOptions, LanStatus};
pub use pages::StudentPage;

mod dns;
pub mod lan;
pub mod pages;
pub mod qr;
mod socketio;
mod tcp_udp;
mod websocket;

/// The demos.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DemoName {
    /// WebSocket: HTTP Upgrade, text/binary/fragmented messages, ping/pong, close handshake.
    Websocket,
    /// Socket.IO: three clients, two namespaces, broadcast, rooms, ack, binary, unhandled event.
    Socketio,
    /// The same message over TCP (handshake, data, teardown) and over UDP (one datagram each way).
    TcpVsUdp,
    /// DNS over UDP against a local responder: A, AAAA, TXT and NXDOMAIN.
    Dns,
}

impl DemoName {
    pub const ALL: [DemoName; 4] = [
        DemoName::Websocket,
        DemoName::Socketio,
        DemoName::TcpVsUdp,
        DemoName::Dns,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DemoName::Websocket => "websocket",
            DemoName::Socketio => "socketio",
            DemoName::TcpVsUdp => "tcp-vs-udp",
            DemoName::Dns => "dns",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    /// One sentence for the demo menu.
    pub fn describe(self) -> &'static str {
        match self {
            DemoName::Websocket => "A WebSocket client and server: the TCP handshake, the HTTP Upgrade and 101 answer, text and binary messages, a fragmented message, ping/pong and the close handshake.",
            DemoName::Socketio => "A Socket.IO server and three clients: namespaces, a chat message broadcast to everyone, a message to one client and to a room, acks, a binary attachment and an event nobody handles.",
            DemoName::TcpVsUdp => "The same short message sent over TCP (handshake, data, ACK, teardown) and over UDP (one datagram each way, no handshake).",
            DemoName::Dns => "DNS questions and answers over UDP: an A, an AAAA and a TXT record, and a name that does not exist (NXDOMAIN).",
        }
    }
}

/// Settings of a demo run.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Pause between steps.
    pub pace: Duration,
    /// Capture on the host loopback instead of a private namespace (needs CAP_NET_RAW).
    pub host_loopback: bool,
    /// WebSocket / Socket.IO demos: also serve a page on every address so students join
    /// from their browsers; runs on the host network, captures every interface and keeps
    /// serving until stopped (needs CAP_NET_RAW).
    pub listen_lan: bool,
    /// Each step waits for the teacher (a line on the child's stdin) instead of the pace.
    pub teacher_steps: bool,
    /// `--listen-lan`: the door's limits and join code (see [`lan`]).
    pub lan: LanOptions,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            pace: Duration::from_millis(400),
            host_loopback: false,
            listen_lan: false,
            teacher_steps: false,
            lan: LanOptions::default(),
        }
    }
}

/// One narrated step, as the parent received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoStep {
    /// When the child said it (ns since 1970, the capture's clock); `None` for messages that
    /// are not steps (isolation, warnings).
    pub ts_ns: Option<i64>,
    pub text: String,
}

impl DemoStep {
    /// Parse one line of the child's stderr.
    pub fn parse(line: &str) -> DemoStep {
        if let Some(rest) = line.strip_prefix("# step@") {
            if let Some((ts, text)) = rest.split_once(": ") {
                if let Ok(ts) = ts.parse() {
                    return DemoStep {
                        ts_ns: Some(ts),
                        text: crate::model::escape(text).into_owned(),
                    };
                }
            }
        }
        let text = crate::model::escape(line.strip_prefix("# step: ").unwrap_or(line)).into_owned();
        DemoStep { ts_ns: None, text }
    }

    /// A narrated step (not an isolation note or warning).
    pub fn is_step(&self) -> bool {
        self.ts_ns.is_some()
    }
}

/// Which of `steps` (narrated steps, in order) a packet captured at `ts_ns` belongs to: the
/// last step said at or before it. With no packet, the latest step. What the window's demo
/// banner shows for the selected packet, also when the teacher steps back.
pub fn step_at(steps: &[DemoStep], ts_ns: Option<i64>) -> Option<usize> {
    match ts_ns {
        Some(t) => steps
            .iter()
            .rposition(|s| s.ts_ns.is_some_and(|st| st <= t)),
        None => steps.len().checked_sub(1),
    }
}

/// The pacing of the child's steps: the pace, or the teacher's key; paused or not. Set from
/// the command line and changed by lines on stdin (see the module docs).
struct Gate {
    teacher: std::sync::atomic::AtomicBool,
    paused: std::sync::atomic::AtomicBool,
    /// Steps the teacher released and no step has used yet.
    released: std::sync::atomic::AtomicU32,
    pace_ms: std::sync::atomic::AtomicU64,
}

static GATE: Gate = Gate {
    teacher: std::sync::atomic::AtomicBool::new(false),
    paused: std::sync::atomic::AtomicBool::new(false),
    released: std::sync::atomic::AtomicU32::new(0),
    pace_ms: std::sync::atomic::AtomicU64::new(400),
};

/// Apply one control line from the parent.
fn gate_command(line: &str) {
    let line = line.trim();
    match line {
        "" | "next" => {
            GATE.released.fetch_add(1, Ordering::SeqCst);
        }
        "pause" => GATE.paused.store(true, Ordering::SeqCst),
        "resume" => GATE.paused.store(false, Ordering::SeqCst),
        "teacher" => GATE.teacher.store(true, Ordering::SeqCst),
        "auto" => GATE.teacher.store(false, Ordering::SeqCst),
        _ if lan::door().command(line) => {}
        _ => {
            if let Some(ms) = line.strip_prefix("pace ").and_then(|m| m.parse().ok()) {
                GATE.pace_ms.store(ms, Ordering::SeqCst);
            }
        }
    }
}

/// Wait between two steps: the pace (while not paused), or until the teacher releases the
/// next step.
pub(crate) async fn step_pause() {
    let tick = Duration::from_millis(20);
    let mut waited = Duration::ZERO;
    loop {
        if GATE.teacher.load(Ordering::SeqCst) {
            let took = GATE
                .released
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if took {
                return;
            }
        } else if !GATE.paused.load(Ordering::SeqCst) {
            let want = Duration::from_millis(GATE.pace_ms.load(Ordering::SeqCst));
            if waited >= want {
                return;
            }
            waited += tick;
        }
        tokio::time::sleep(tick).await;
    }
}

/// Errors of a demo.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{0}")]
    Setup(String),
    #[error("demo step failed: {0}")]
    Step(String),
}

pub(crate) fn step_err(e: impl std::fmt::Display) -> DemoError {
    DemoError::Step(e.to_string())
}

/// Narration: one line per step on stderr, read by the parent, stamped with the time on the
/// capture's clock so the parent can tell which packets belong to the step.
pub(crate) fn say(line: &str) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    eprintln!("# step@{now}: {line}");
}

/// A line for the parent that is not a step (`# lan: ...`, `# lan-status: {...}`).
pub(crate) fn say_raw(line: &str) {
    eprintln!("{line}");
}

/// `--listen-lan`, as the demo starts: the addresses students open (one per network address
/// of this computer, join code included), put in the door's status (the window and the
/// terminal show the first as a QR code), and the door's reports from now on (see [`lan`]).
/// Students may join at once; the scripted clients run first.
pub(crate) fn announce_lan(port: u16, path: &str) {
    let addrs: Vec<String> = crate::capture::live::interfaces()
        .into_iter()
        .filter(|i| !i.loopback && i.up)
        .flat_map(|i| i.addresses)
        .filter_map(|a| a.split('/').next().map(str::to_string))
        .filter(|a| !a.contains(':'))
        .collect();
    let code = lan::code_query("?");
    let urls = addrs
        .iter()
        .map(|a| format!("http://{a}:{port}{path}{code}"))
        .collect();
    lan::door().set_urls(urls);
    tokio::spawn(lan::report(lan::door()));
}

/// `--listen-lan`, after the scripted part: tell the teacher where students connect, then
/// serve until stopped.
pub(crate) async fn serve_lan(port: u16, path: &str, what: &str) {
    let urls = lan::door().status().urls;
    let code = lan::code_query("?");
    let shown = if urls.is_empty() {
        format!("http://<this computer's address>:{port}{path}{code} (no network address found)")
    } else {
        urls.join("  ")
    };
    say(&format!(
        "the scripted part is over; students can join the {what} from their browsers: {shown}"
    ));
    if let Some(c) = lan::door().join_code() {
        say(&format!("join code: {c} (joins without it are refused)"));
    }
    say_raw(&format!("# lan: listening on port {port}"));
    say("serving until you stop the demo (Ctrl-C, or Stop in the window)");
    std::future::pending::<()>().await;
}

/// Run one demo's traffic on 127.0.0.1 (servers and clients), paced. With `lan`, the
/// WebSocket and Socket.IO servers listen on every address and keep serving afterwards.
pub fn run_traffic(name: DemoName, pace: Duration, lan: bool) -> Result<(), DemoError> {
    if lan && !matches!(name, DemoName::Websocket | DemoName::Socketio) {
        return Err(DemoError::Setup(
            "--listen-lan is for the websocket and socketio demos".into(),
        ));
    }
    GATE.pace_ms.store(
        u64::try_from(pace.as_millis()).unwrap_or(u64::MAX),
        Ordering::SeqCst,
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| DemoError::Setup(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async move {
        match name {
            DemoName::Websocket => websocket::run(lan).await,
            DemoName::Socketio => socketio::run(lan).await,
            DemoName::TcpVsUdp => tcp_udp::run().await,
            DemoName::Dns => dns::run().await,
        }
    })
}

/// The demo child's whole life (`layerscope __demo-child NAME`): isolate, capture, run the
/// traffic, write pcapng to `out`. Must be called before any other thread starts.
pub fn child_main(
    name: DemoName,
    opts: &DemoOptions,
    out: impl Write + Send + 'static,
) -> Result<(), DemoError> {
    GATE.teacher.store(opts.teacher_steps, Ordering::SeqCst);
    lan::install(&opts.lan);
    if !opts.host_loopback && !opts.listen_lan {
        match crate::capture::sys::enter_private_network() {
            Ok(how) => eprintln!("# isolation: {how:?}: a private loopback only this demo uses"),
            Err(why) => eprintln!(
                "# isolation: none ({why}); falling back to the host loopback, which needs CAP_NET_RAW"
            ),
        }
    }
    // On the LAN, browsers arrive on the real interfaces: capture them all.
    let lo = if opts.listen_lan {
        "any".to_string()
    } else {
        crate::capture::live::loopback_name().unwrap_or_else(|| "lo".into())
    };
    let mut live = LiveCapture::start(&LiveOptions::new(&lo), Box::new(|| {}))
        .map_err(|e| DemoError::Setup(e.to_string()))?;
    let iface = live.interface.clone();
    let rx = std::mem::replace(&mut live.rx, std::sync::mpsc::sync_channel(1).1);
    let writer = std::thread::Builder::new()
        .name("demo-writer".into())
        .spawn(move || -> Result<(), String> {
            let mut sink = PcapngSink::new(
                std::io::BufWriter::new(out),
                &[iface],
                Some("layerscope demo"),
            )
            .map_err(|e| e.to_string())?;
            sink.get_mut().flush().map_err(|e| e.to_string())?;
            while let Ok(p) = rx.recv() {
                sink.write(0, p.ts_ns, &p.data, p.wirelen, &[])
                    .map_err(|e| e.to_string())?;
                while let Ok(p) = rx.try_recv() {
                    sink.write(0, p.ts_ns, &p.data, p.wirelen, &[])
                        .map_err(|e| e.to_string())?;
                }
                sink.get_mut().flush().map_err(|e| e.to_string())?;
            }
            sink.get_mut().flush().map_err(|e| e.to_string())
        })
        .map_err(|e| DemoError::Setup(e.to_string()))?;
    // The parent's control lines (next step, pause, resume); EOF when it sends none. A LAN
    // demo serves until stopped: EOF there means the parent (the window, `demo`) is gone, and
    // nobody is left to stop it, so it stops itself.
    let serves_forever = opts.listen_lan;
    std::thread::Builder::new()
        .name("demo-control".into())
        .spawn(move || {
            for line in std::io::stdin().lock().lines().map_while(Result::ok) {
                gate_command(&line);
            }
            if serves_forever {
                std::process::exit(0);
            }
        })
        .map_err(|e| DemoError::Setup(e.to_string()))?;
    // Give the capture a moment to be reading before the first SYN.
    std::thread::sleep(Duration::from_millis(50));
    let traffic = run_traffic(name, opts.pace, opts.listen_lan);
    // Let the last packets (FIN/ACK) arrive.
    std::thread::sleep(Duration::from_millis(200));
    live.stop();
    let drops = live.counters.get(&live.counters.channel_dropped)
        + live.counters.get(&live.counters.kernel_dropped);
    drop(live);
    let written = writer
        .join()
        .map_err(|_| DemoError::Setup("the pcapng writer thread panicked".into()))?;
    if drops > 0 {
        eprintln!(
            "# warning: the demo capture dropped {}",
            crate::model::count(drops, "packet")
        );
    }
    traffic?;
    written.map_err(DemoError::Setup)
}

/// The interface a demo captures on, as its pcapng stream describes it (the loopback).
pub fn demo_interface() -> Interface {
    Interface::live(
        crate::capture::live::LINKTYPE_ETHERNET,
        "lo",
        crate::capture::sys::FILTER_SNAPLEN,
    )
}

/// Where the demo child binary is: `LAYERSCOPE_BIN` if set (tests), else this executable.
pub fn child_binary() -> std::path::PathBuf {
    std::env::var_os("LAYERSCOPE_BIN")
        .map(Into::into)
        .or_else(|| std::env::current_exe().ok())
        .unwrap_or_else(|| "layerscope".into())
}

/// A demo running in a child process, seen as a live packet source: packets arrive on `rx`
/// as the child captures them; narration lines collect in `steps`.
pub struct DemoRun {
    pub name: DemoName,
    pub rx: Receiver<LivePacket>,
    pub counters: Arc<LiveCounters>,
    pub interface: Arc<Mutex<Option<Interface>>>,
    /// Narration and warnings from the child, in order.
    pub steps: Arc<Mutex<Vec<DemoStep>>>,
    /// Set when the stream ends: `Ok` or the child's error.
    pub outcome: Arc<Mutex<Option<Result<(), String>>>>,
    /// `--listen-lan`: the door's latest counts (who is connected, what was refused).
    pub lan: Arc<Mutex<Option<LanStatus>>>,
    child: Option<Child>,
    /// The child's stdin: control lines (next step, pause, resume).
    control: Option<std::process::ChildStdin>,
}

impl DemoRun {
    /// Start the child. `wake` is called when packets or steps arrive.
    pub fn start(
        name: DemoName,
        opts: &DemoOptions,
        wake: Arc<dyn Fn() + Send + Sync>,
    ) -> Result<Self, DemoError> {
        let mut cmd = Command::new(child_binary());
        cmd.arg("__demo-child")
            .arg(name.as_str())
            .arg("--pace")
            .arg(opts.pace.as_millis().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if opts.host_loopback {
            cmd.arg("--host-loopback");
        }
        if opts.listen_lan {
            cmd.arg("--listen-lan");
        }
        if opts.teacher_steps {
            cmd.arg("--teacher-steps");
        }
        let l = &opts.lan;
        cmd.arg("--max-per-address")
            .arg(l.limits.per_address.to_string())
            .arg("--max-connections")
            .arg(l.limits.max_open.to_string())
            .arg("--idle-timeout")
            .arg(l.limits.idle.as_secs().max(1).to_string())
            .arg("--rate")
            .arg(l.limits.rate.to_string());
        if let Some(c) = &l.join_code {
            cmd.arg(format!("--join-code={c}"));
        }
        if let Some(p) = l.port {
            cmd.arg("--port").arg(p.to_string());
        }
        cmd.arg("--student-page").arg(l.page.as_str());
        let mut child = cmd.spawn().map_err(|e| {
            DemoError::Setup(format!("cannot start {}: {e}", child_binary().display()))
        })?;
        let control = child.stdin.take();
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| DemoError::Setup("no stdout".into()))?;
        let stderr = child
            .stderr
            .take()
            .ok_or_else(|| DemoError::Setup("no stderr".into()))?;
        let (tx, rx) = std::sync::mpsc::sync_channel(65_536);
        let counters = Arc::new(LiveCounters::default());
        let interface = Arc::new(Mutex::new(None));
        let steps = Arc::new(Mutex::new(Vec::new()));
        let outcome = Arc::new(Mutex::new(None));
        let lan_status = Arc::new(Mutex::new(None));
        {
            let steps = steps.clone();
            let lan_status = lan_status.clone();
            let wake = wake.clone();
            std::thread::Builder::new()
                .name("demo-narration".into())
                .spawn(move || {
                    for line in std::io::BufReader::new(stderr)
                        .lines()
                        .map_while(Result::ok)
                    {
                        if let Some(j) = line.strip_prefix("# lan-status: ") {
                            if let (Ok(st), Ok(mut g)) =
                                (serde_json::from_str::<LanStatus>(j), lan_status.lock())
                            {
                                *g = Some(st);
                            }
                        } else if let Ok(mut s) = steps.lock() {
                            s.push(DemoStep::parse(&line));
                        }
                        wake();
                    }
                })
                .map_err(|e| DemoError::Setup(e.to_string()))?;
        }
        {
            let counters = counters.clone();
            let interface = interface.clone();
            let outcome = outcome.clone();
            std::thread::Builder::new()
                .name("demo-reader".into())
                .spawn(move || {
                    let r = (|| -> Result<(), String> {
                        let mut reader = StreamReader::new(stdout).map_err(|e| {
                            format!("the demo produced no capture ({e}); see its messages")
                        })?;
                        while let Some(item) = reader.next_item() {
                            match item.map_err(|e| e.to_string())? {
                                StreamItem::Interface(i) => {
                                    if let Ok(mut g) = interface.lock() {
                                        g.get_or_insert(i);
                                    }
                                }
                                StreamItem::Packet(p) => {
                                    counters.received.fetch_add(1, Ordering::Relaxed);
                                    let lp = LivePacket {
                                        ts_ns: p.ts_ns,
                                        data: p.data,
                                        wirelen: p.wirelen,
                                    };
                                    match tx.try_send(lp) {
                                        Ok(()) => {}
                                        Err(TrySendError::Full(_)) => {
                                            counters
                                                .channel_dropped
                                                .fetch_add(1, Ordering::Relaxed);
                                        }
                                        Err(TrySendError::Disconnected(_)) => return Ok(()),
                                    }
                                    wake();
                                }
                            }
                        }
                        Ok(())
                    })();
                    if let Ok(mut o) = outcome.lock() {
                        *o = Some(r);
                    }
                    wake();
                })
                .map_err(|e| DemoError::Setup(e.to_string()))?;
        }
        Ok(DemoRun {
            name,
            rx,
            counters,
            interface,
            steps,
            outcome,
            lan: lan_status,
            child: Some(child),
            control,
        })
    }

    /// Send one control line to the child (see the module docs). False when it is gone.
    fn control(&mut self, line: &str) -> bool {
        let Some(c) = self.control.as_mut() else {
            return false;
        };
        let ok = writeln!(c, "{line}").and_then(|()| c.flush()).is_ok();
        if !ok {
            self.control = None;
        }
        ok
    }

    /// Teacher steps: start the next narrated step.
    pub fn next_step(&mut self) -> bool {
        self.control("next")
    }

    /// Hold the demo before its next step, or let it go on.
    pub fn set_paused(&mut self, paused: bool) -> bool {
        self.control(if paused { "pause" } else { "resume" })
    }

    /// Switch between the teacher's key and the pace.
    pub fn set_teacher_steps(&mut self, on: bool) -> bool {
        self.control(if on { "teacher" } else { "auto" })
    }

    /// `--listen-lan`: stop or let in new joins.
    pub fn set_joins_paused(&mut self, paused: bool) -> bool {
        self.control(if paused {
            "pause-joins"
        } else {
            "resume-joins"
        })
    }

    /// `--listen-lan`: close every connection from `addr` and keep it out.
    pub fn kick(&mut self, addr: &str) -> bool {
        self.control(&format!("kick {addr}"))
    }

    /// `--listen-lan`: let a kicked address back in.
    pub fn admit(&mut self, addr: &str) -> bool {
        self.control(&format!("admit {addr}"))
    }

    /// `--listen-lan`: the door's latest counts.
    pub fn lan_status(&self) -> Option<LanStatus> {
        self.lan.lock().ok().and_then(|g| g.clone())
    }

    /// Send a teacher's typed command (`kick 10.0.0.5`, `pause-joins`, `next`...) on.
    pub fn command(&mut self, line: &str) -> bool {
        self.control(line.trim())
    }

    /// Change the pause between steps (ms).
    pub fn set_pace(&mut self, ms: u64) -> bool {
        self.control(&format!("pace {ms}"))
    }

    /// Whether the child's packet stream has ended.
    pub fn finished(&self) -> bool {
        self.outcome.lock().is_ok_and(|o| o.is_some())
    }

    /// Wait for the child to exit; its exit status as an error message if it failed.
    pub fn wait(&mut self) -> Result<(), String> {
        let Some(mut c) = self.child.take() else {
            return Ok(());
        };
        let status = c.wait().map_err(|e| e.to_string())?;
        // Let the narration thread read the last lines.
        std::thread::sleep(Duration::from_millis(20));
        if status.success() {
            Ok(())
        } else {
            let steps = self.steps.lock().map(|s| s.clone()).unwrap_or_default();
            let last = steps
                .iter()
                .rev()
                .map(|s| &s.text)
                .find(|l| l.starts_with("layerscope: error") || l.contains("error"))
                .cloned()
                .unwrap_or_else(|| format!("demo exited with {status}"));
            Err(last)
        }
    }

    /// Stop the child early.
    pub fn stop(&mut self) {
        if let Some(c) = self.child.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
        self.child = None;
    }
}

impl Drop for DemoRun {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod step_tests {
    use super::*;

    #[test]
    fn a_packet_belongs_to_the_last_step_said_before_it() {
        let steps: Vec<DemoStep> = ["# step@100: one", "# step@200: two", "# step@300: three"]
            .iter()
            .map(|l| DemoStep::parse(l))
            .collect();
        assert_eq!(steps[1].text, "two");
        assert!(DemoStep::parse("# isolation: none").ts_ns.is_none());
        assert_eq!(step_at(&steps, Some(250)), Some(1));
        assert_eq!(step_at(&steps, Some(300)), Some(2));
        // Stepping back to an early packet shows the early step, not the latest.
        assert_eq!(step_at(&steps, Some(120)), Some(0));
        assert_eq!(step_at(&steps, Some(50)), None, "before the first step");
        assert_eq!(step_at(&steps, None), Some(2));
    }
}
