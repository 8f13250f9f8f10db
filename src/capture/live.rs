//! Live capture with pnet: interface list, and a capture thread feeding a bounded channel.
//!
//! Why a thread and a bounded channel (as sniffnet does): pnet's `next()` blocks, and the
//! consumer (the GUI's frame loop, or the CLI printing lines) runs at its own pace. A bounded
//! channel keeps memory fixed when the consumer falls behind; a packet that does not fit is
//! counted in [`LiveCounters::channel_dropped`], never silently lost. The kernel's own drops
//! (its socket queue overflowing) are read from `PACKET_STATISTICS` and counted too, so every
//! place that can drop is shown to the user.
//!
//! The socket is our own (see [`super::sys`]): on loopback its filter drops the outgoing copy
//! of each packet, so every packet is seen once, as tcpdump shows it. pnet reads into a
//! 256 KiB buffer: loopback frames reach ~64 KiB and pnet's default 4 KiB buffer would cut
//! them without saying so. pnet gives no kernel timestamps, so packets are stamped on receipt.

use super::file::Interface;
use super::sys;
use pnet::datalink::{self, Channel, NetworkInterface};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

/// Link type pnet delivers on Linux (also on `lo`, whose frames carry zeroed MACs).
pub const LINKTYPE_ETHERNET: u32 = 1;
/// Read buffer per packet: larger than any loopback frame.
pub const READ_BUFFER: usize = sys::FILTER_SNAPLEN as usize;

/// One interface as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InterfaceInfo {
    pub name: String,
    pub index: u32,
    pub addresses: Vec<String>,
    pub mac: Option<String>,
    pub up: bool,
    pub running: bool,
    pub loopback: bool,
}

/// The machine's interfaces (loopback first, then by name).
pub fn interfaces() -> Vec<InterfaceInfo> {
    let mut v: Vec<InterfaceInfo> = datalink::interfaces()
        .into_iter()
        .map(|i| InterfaceInfo {
            addresses: i.ips.iter().map(ToString::to_string).collect(),
            mac: i.mac.map(|m| m.to_string()),
            up: i.is_up(),
            running: i.is_running(),
            loopback: i.is_loopback(),
            index: i.index,
            name: i.name,
        })
        .collect();
    v.sort_by(|a, b| b.loopback.cmp(&a.loopback).then(a.name.cmp(&b.name)));
    v
}

/// The loopback interface's name, if any.
pub fn loopback_name() -> Option<String> {
    interfaces()
        .into_iter()
        .find(|i| i.loopback)
        .map(|i| i.name)
}

/// Settings of one live capture.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    pub interface: String,
    /// Packets the channel holds before new ones are dropped (and counted).
    pub channel_capacity: usize,
    /// Kernel receive queue, bytes.
    pub kernel_buffer: usize,
    pub promiscuous: bool,
}

impl LiveOptions {
    pub fn new(interface: &str) -> Self {
        LiveOptions {
            interface: interface.to_string(),
            channel_capacity: 65_536,
            kernel_buffer: 32 << 20,
            promiscuous: false,
        }
    }
}

/// One captured packet.
#[derive(Debug, Clone)]
pub struct LivePacket {
    pub ts_ns: i64,
    pub data: Vec<u8>,
    pub wirelen: u32,
}

/// Counters shared with the capture thread.
#[derive(Debug, Default)]
pub struct LiveCounters {
    /// Packets read from the socket.
    pub received: AtomicU64,
    /// Packets the kernel dropped (its queue was full).
    pub kernel_dropped: AtomicU64,
    /// Packets dropped because the consumer's channel was full.
    pub channel_dropped: AtomicU64,
    /// Packets not kept while paused.
    pub paused_skipped: AtomicU64,
}

impl LiveCounters {
    pub fn get(&self, c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }

    /// One line for the user: what was received and every kind of drop.
    pub fn summary(&self) -> String {
        format!(
            "{} received · {} dropped by the kernel · {} dropped (app too slow) · {} skipped while paused",
            self.get(&self.received),
            self.get(&self.kernel_dropped),
            self.get(&self.channel_dropped),
            self.get(&self.paused_skipped)
        )
    }
}

/// Errors starting a live capture.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("no interface named {name:?} (available: {available})")]
    NoInterface { name: String, available: String },
    #[error(
        "capturing on {interface} needs the CAP_NET_RAW capability, which this process does not have.\n\
         Give it to the binary once (no need to run the app as root):\n    \
         sudo setcap cap_net_raw,cap_net_admin=eip {binary}\n\
         Files, replay and the built-in demos keep working without it."
    )]
    Permission { interface: String, binary: String },
    #[error("cannot capture on {interface}: {source}")]
    Io {
        interface: String,
        #[source]
        source: std::io::Error,
    },
}

/// The `setcap` target: this binary.
pub fn binary_path() -> String {
    std::env::current_exe()
        .map_or_else(|_| "path/to/layerscope".into(), |p| p.display().to_string())
}

/// A running capture. Dropping it stops the thread.
pub struct LiveCapture {
    pub rx: Receiver<LivePacket>,
    pub counters: Arc<LiveCounters>,
    /// The interface as a capture-file interface (for the store and for saving).
    pub interface: Interface,
    stop: Arc<AtomicBool>,
    paused: Arc<AtomicBool>,
    /// Set by the thread if reading failed.
    pub error: Arc<Mutex<Option<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl LiveCapture {
    /// Open the interface and start the capture thread. `wake` is called (at most every few
    /// milliseconds) when packets are waiting, e.g. to ask the GUI for a repaint.
    pub fn start(opts: &LiveOptions, wake: Box<dyn Fn() + Send>) -> Result<Self, LiveError> {
        let all = datalink::interfaces();
        let lo_index = all.iter().find(|i| i.is_loopback()).map(|i| i.index);
        let any = (opts.interface == "any").then(|| NetworkInterface {
            name: "any".into(),
            description: "every interface".into(),
            index: 0,
            mac: None,
            ips: Vec::new(),
            flags: 0,
        });
        let found = all.iter().find(|i| i.name == opts.interface).cloned();
        let Some(iface) = found.or(any) else {
            return Err(LiveError::NoInterface {
                name: opts.interface.clone(),
                available: all
                    .iter()
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        let io_err = |source: std::io::Error| {
            if source.kind() == std::io::ErrorKind::PermissionDenied {
                LiveError::Permission {
                    interface: opts.interface.clone(),
                    binary: binary_path(),
                }
            } else {
                LiveError::Io {
                    interface: opts.interface.clone(),
                    source,
                }
            }
        };
        // Loopback (alone or within "any") shows each packet leaving and arriving: keep one.
        let dedupe = if iface.is_loopback() || iface.index == 0 {
            lo_index
        } else {
            None
        };
        let fd = sys::open_packet_socket(dedupe, opts.kernel_buffer).map_err(io_err)?;
        let config = datalink::Config {
            read_buffer_size: READ_BUFFER,
            read_timeout: Some(Duration::from_millis(100)),
            socket_fd: Some(fd),
            promiscuous: opts.promiscuous,
            ..datalink::Config::default()
        };
        let rx_chan = match datalink::channel(&iface, config).map_err(io_err)? {
            Channel::Ethernet(_tx, rx) => rx,
            _ => {
                return Err(LiveError::Io {
                    interface: opts.interface.clone(),
                    source: std::io::Error::other("pnet returned an unknown channel type"),
                })
            }
        };
        let (tx, rx) = std::sync::mpsc::sync_channel(opts.channel_capacity.max(1));
        let counters = Arc::new(LiveCounters::default());
        let stop = Arc::new(AtomicBool::new(false));
        let paused = Arc::new(AtomicBool::new(false));
        let error = Arc::new(Mutex::new(None));
        let worker = Worker {
            rx: rx_chan,
            fd,
            tx,
            counters: counters.clone(),
            stop: stop.clone(),
            paused: paused.clone(),
            error: error.clone(),
            wake,
        };
        let thread = std::thread::Builder::new()
            .name(format!("capture-{}", iface.name))
            .spawn(move || worker.run())
            .map_err(io_err)?;
        Ok(LiveCapture {
            rx,
            counters,
            interface: interface_of(&iface),
            stop,
            paused,
            error,
            thread: Some(thread),
        })
    }

    pub fn set_paused(&self, p: bool) {
        self.paused.store(p, Ordering::Relaxed);
    }

    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::Relaxed)
    }

    /// Whether the capture thread is still reading.
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// The thread's read error, if it stopped on one.
    pub fn failure(&self) -> Option<String> {
        self.error.lock().ok().and_then(|e| e.clone())
    }

    /// Stop the thread and wait for it (at most one read timeout).
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for LiveCapture {
    fn drop(&mut self) {
        self.stop();
    }
}

fn interface_of(i: &NetworkInterface) -> Interface {
    let mut f = Interface::live(LINKTYPE_ETHERNET, &i.name, sys::FILTER_SNAPLEN);
    if i.is_loopback() {
        f.description = Some("loopback (outgoing copies filtered: each packet once)".into());
    } else if i.index == 0 {
        f.description = Some("every interface (loopback's outgoing copies filtered)".into());
    }
    f
}

struct Worker {
    rx: Box<dyn datalink::DataLinkReceiver>,
    fd: i32,
    tx: SyncSender<LivePacket>,
    counters: Arc<LiveCounters>,
    stop: Arc<AtomicBool>,
    paused: Arc<AtomicBool>,
    error: Arc<Mutex<Option<String>>>,
    wake: Box<dyn Fn() + Send>,
}

impl Worker {
    fn run(mut self) {
        let mut last_wake = Instant::now();
        let mut last_stats = Instant::now();
        let mut pending_wake = false;
        while !self.stop.load(Ordering::Relaxed) {
            match self.rx.next() {
                Ok(frame) => {
                    let ts_ns = SystemTime::now()
                        .duration_since(SystemTime::UNIX_EPOCH)
                        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
                    self.counters.received.fetch_add(1, Ordering::Relaxed);
                    if self.paused.load(Ordering::Relaxed) {
                        self.counters.paused_skipped.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    let p = LivePacket {
                        ts_ns,
                        wirelen: frame.len() as u32,
                        data: frame.to_vec(),
                    };
                    match self.tx.try_send(p) {
                        Ok(()) => pending_wake = true,
                        Err(TrySendError::Full(_)) => {
                            self.counters
                                .channel_dropped
                                .fetch_add(1, Ordering::Relaxed);
                        }
                        Err(TrySendError::Disconnected(_)) => break,
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    if let Ok(mut g) = self.error.lock() {
                        *g = Some(format!("capture stopped: {e}"));
                    }
                    (self.wake)();
                    break;
                }
            }
            if pending_wake && last_wake.elapsed() >= Duration::from_millis(5) {
                (self.wake)();
                pending_wake = false;
                last_wake = Instant::now();
            }
            if last_stats.elapsed() >= Duration::from_millis(250) {
                self.read_kernel_stats();
                last_stats = Instant::now();
            }
        }
        self.read_kernel_stats();
        (self.wake)();
    }

    fn read_kernel_stats(&self) {
        if let Some((_, drops)) = sys::packet_stats(self.fd) {
            self.counters
                .kernel_dropped
                .fetch_add(drops, Ordering::Relaxed);
        }
    }
}
