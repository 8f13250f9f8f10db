//! The desktop app: the packet list, the OSI/TCP-IP layer stack, the encapsulation strip, the
//! field tree beside the bytes, the ladder diagram, replay, filters and the glossary.
//!
//! Shape (after egui's demo app): [`LayerscopeApp`] holds what is persisted ([`Settings`]) apart
//! from runtime handles (the open capture, the loading thread). Long work — opening a capture —
//! runs on a named thread that reports progress through atomics and asks for a repaint; the UI
//! thread only draws. Views live in `views.rs`, each a function over the app state.

use eframe::egui;

pub mod glossary;
mod json_tree;
pub mod live;
mod views;

use crate::engine::filter::{self, Filter};
use crate::engine::Capture;
use crate::model::Packet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};

/// What is remembered between runs.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
#[serde(default)]
pub struct Settings {
    pub theme: Theme,
    /// 1.0 to 2.5 (classroom mode).
    pub font_scale: f32,
    pub recent: Vec<String>,
    pub last_folder: Option<String>,
    /// Height of the packet list, as a fraction of the window.
    pub list_fraction: f32,
    /// Memory cap of a live capture's packet store (MB); the oldest packets go beyond it.
    pub live_cap_mb: u32,
    /// Pause between demo steps (ms).
    pub demo_pace_ms: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            theme: Theme::Dark,
            font_scale: 1.0,
            recent: Vec::new(),
            last_folder: None,
            list_fraction: 0.35,
            live_cap_mb: 512,
            demo_pace_ms: 700,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Theme {
    Dark,
    Light,
    HighContrast,
}

/// Where "Open" gets a path from: the system's file dialog in the app, a fixed list in tests.
pub trait FileDialog: Send {
    fn pick(&mut self, start: Option<&Path>) -> Option<PathBuf>;
    /// Where to save (`name` is the suggested file name). No dialog: `None`.
    fn save(&mut self, _start: Option<&Path>, _name: &str) -> Option<PathBuf> {
        None
    }
}

/// The desktop's native file chooser, through rfd (the XDG desktop portal; rfd falls back to
/// zenity where no portal runs).
pub struct SystemDialog;

impl FileDialog for SystemDialog {
    fn pick(&mut self, start: Option<&Path>) -> Option<PathBuf> {
        let mut d = rfd::FileDialog::new()
            .set_title("Open a capture")
            .add_filter("Captures (pcap, pcapng)", &["pcap", "pcapng", "cap", "dmp"])
            .add_filter("All files", &["*"]);
        if let Some(s) = start {
            d = d.set_directory(s);
        }
        d.pick_file()
    }

    fn save(&mut self, start: Option<&Path>, name: &str) -> Option<PathBuf> {
        let mut d = rfd::FileDialog::new()
            .set_title("Save packets as pcapng")
            .set_file_name(name)
            .add_filter("pcapng", &["pcapng"]);
        if let Some(s) = start {
            d = d.set_directory(s);
        }
        d.save_file()
    }
}

/// Quick protocol toggles above the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Toggles {
    pub tcp: bool,
    pub udp: bool,
    pub http: bool,
    pub websocket: bool,
    pub socketio: bool,
    pub dns: bool,
    pub hide_bare_acks: bool,
}

/// Replay: packets "arrive" at their original pace, scaled.
#[derive(Debug, Clone)]
pub struct Replay {
    pub active: bool,
    pub playing: bool,
    pub speed: f32,
    /// Packets (0-based count) that have arrived.
    pub position: usize,
    /// Wall-clock seconds accumulated towards the next packet.
    carry: f64,
}

impl Default for Replay {
    fn default() -> Self {
        Replay {
            active: false,
            playing: false,
            speed: 1.0,
            position: 0,
            carry: 0.0,
        }
    }
}

/// Which tab the lower right shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Details,
    Ladder,
    Glossary,
}

struct Loading {
    path: PathBuf,
    done: Arc<AtomicU64>,
    total: Arc<AtomicU64>,
    rx: mpsc::Receiver<LoadMsg>,
    /// A preview (the first packets) is on screen while the rest loads.
    pub previewing: bool,
}

/// What the loading thread sends.
enum LoadMsg {
    /// The first packets of a big file, analysed on their own, shown while the rest loads.
    Preview(Capture),
    Done(Result<Capture, String>),
}

/// Files of at least this many bytes show their first packets while the rest loads...
pub const PREVIEW_FROM_BYTES: u64 = 8 << 20;
/// ...this many of them.
pub const PREVIEW_PACKETS: usize = 20_000;

/// The app.
pub struct LayerscopeApp {
    pub settings: Settings,
    pub capture: Option<Arc<Capture>>,
    pub file_name: String,
    pub error: Option<String>,
    loading: Option<Loading>,
    pub dialog: Box<dyn FileDialog>,
    /// Packet indices shown in the list (after filters).
    pub visible: Vec<u32>,
    pub selected: Option<usize>,
    /// The selected packet, decoded in full (cached).
    pub detail: Option<Packet>,
    /// (layer, field) selected in the tree; highlights its bytes.
    pub selected_field: Option<(usize, usize)>,
    pub filter_text: String,
    pub filter_error: Option<String>,
    pub applied: Option<Filter>,
    pub toggles: Toggles,
    pub replay: Replay,
    pub tab: Tab,
    pub show_help: bool,
    pub glossary_result: Option<String>,
    pub follow_list: bool,
    /// The ladder shows every Socket.IO client at once.
    pub fan_out: bool,
    scroll_to: Option<usize>,
    focus_filter: bool,
    fullscreen: bool,
    /// Frame-time measurement for the UI benchmark (seconds of the last `ui` call).
    pub last_frame_secs: f64,
    /// Live capture and demos.
    pub live: live::LivePanel,
    /// Big-file preview: (minimum file size in bytes, packets shown while loading).
    pub preview: (u64, usize),
    /// The open file changed on disk (checked about once a second).
    pub file_warning: Option<String>,
    file_checked_at: f64,
}

impl Default for LayerscopeApp {
    fn default() -> Self {
        Self::new(Settings::default(), Box::new(SystemDialog))
    }
}

impl LayerscopeApp {
    pub fn new(settings: Settings, dialog: Box<dyn FileDialog>) -> Self {
        LayerscopeApp {
            settings,
            capture: None,
            file_name: String::new(),
            error: None,
            loading: None,
            dialog,
            visible: Vec::new(),
            selected: None,
            detail: None,
            selected_field: None,
            filter_text: String::new(),
            filter_error: None,
            applied: None,
            toggles: Toggles::default(),
            replay: Replay::default(),
            tab: Tab::Details,
            show_help: false,
            glossary_result: None,
            follow_list: true,
            fan_out: false,
            scroll_to: None,
            focus_filter: false,
            fullscreen: false,
            last_frame_secs: 0.0,
            live: live::LivePanel::default(),
            preview: (PREVIEW_FROM_BYTES, PREVIEW_PACKETS),
            file_warning: None,
            file_checked_at: 0.0,
        }
    }

    /// Open a capture on a background thread; `ctx` is asked to repaint as it progresses.
    pub fn open(&mut self, path: &Path, ctx: Option<&egui::Context>) {
        let done = Arc::new(AtomicU64::new(0));
        let total = Arc::new(AtomicU64::new(1));
        let (tx, rx) = mpsc::sync_channel(2);
        let (d, t) = (done.clone(), total.clone());
        let p = path.to_path_buf();
        let ctx = ctx.cloned();
        let (preview_from, preview_packets) = self.preview;
        let spawned = std::thread::Builder::new()
            .name("layerscope-open".into())
            .spawn(move || {
                let big = std::fs::metadata(&p).is_ok_and(|m| m.len() >= preview_from);
                if big {
                    if let Ok(store) = crate::capture::PacketStore::open_prefix(&p, preview_packets)
                    {
                        let cap =
                            Capture::analyse(store, crate::flow::FlowConfig::default(), |_, _| {});
                        let _ = tx.send(LoadMsg::Preview(cap));
                        if let Some(c) = &ctx {
                            c.request_repaint();
                        }
                    }
                }
                let r = Capture::open(&p, |a, b| {
                    d.store(a, Ordering::Relaxed);
                    t.store(b.max(1), Ordering::Relaxed);
                    if let Some(c) = &ctx {
                        c.request_repaint();
                    }
                })
                .map_err(|e| e.to_string());
                let _ = tx.send(LoadMsg::Done(r));
                if let Some(c) = &ctx {
                    c.request_repaint();
                }
            });
        if let Err(e) = spawned {
            self.error = Some(format!("cannot start loading: {e}"));
            return;
        }
        self.error = None;
        self.loading = Some(Loading {
            path: path.to_path_buf(),
            done,
            total,
            rx,
            previewing: false,
        });
        if let Some(dir) = path.parent() {
            self.settings.last_folder = Some(dir.display().to_string());
        }
        let s = path.display().to_string();
        self.settings.recent.retain(|r| *r != s);
        self.settings.recent.insert(0, s);
        self.settings.recent.truncate(8);
    }

    /// Open a capture and wait for it (tests, and the first file given on the command line).
    pub fn open_blocking(&mut self, path: &Path) {
        self.open(path, None);
        while self.loading.is_some() {
            self.poll_loading();
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    /// Use an already analysed capture.
    pub fn set_capture(&mut self, cap: Capture, name: &str) {
        self.capture = Some(Arc::new(cap));
        self.file_name = name.to_string();
        self.selected = None;
        self.detail = None;
        self.selected_field = None;
        self.replay = Replay::default();
        self.refilter();
        if !self.visible.is_empty() {
            self.select(self.visible[0] as usize);
        }
    }

    /// Compare the open file with the version that was read; say so if it changed.
    pub fn check_file(&mut self) {
        self.file_warning = self.capture.as_ref().and_then(|c| {
            let change = c.store.file_change()?;
            Some(change.describe(&self.file_name, c.store.is_mapped()))
        });
    }

    /// Whether the first packets of a big file are on screen while the rest loads.
    pub fn previewing(&self) -> bool {
        self.loading.as_ref().is_some_and(|l| l.previewing)
    }

    /// Loading progress (0..=1), if a file is loading.
    pub fn loading_progress(&self) -> Option<f32> {
        self.loading.as_ref().map(|l| {
            l.done.load(Ordering::Relaxed) as f32 / l.total.load(Ordering::Relaxed).max(1) as f32
        })
    }

    /// Take what the loading thread has sent (one message per call; `ui` calls it every frame).
    pub fn poll_loading(&mut self) {
        let Some(l) = &self.loading else { return };
        let name = l
            .path
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().to_string());
        match l.rx.try_recv() {
            Ok(LoadMsg::Preview(cap)) => {
                let n = cap.len();
                self.set_capture(
                    cap,
                    &format!("{name} (first {n} packets; loading the rest…)"),
                );
                if let Some(l) = &mut self.loading {
                    l.previewing = true;
                }
            }
            Ok(LoadMsg::Done(Ok(cap))) => {
                let was_previewing = self.loading.as_ref().is_some_and(|l| l.previewing);
                let keep = self.selected.filter(|_| was_previewing);
                self.loading = None;
                self.set_capture(cap, &name);
                // The preview and the pass's working tables are gone: hand their pages back.
                crate::capture::sys::release_free_memory();
                // Same file, same numbering: what the user picked in the preview stays picked.
                if let Some(i) = keep {
                    self.selected = None;
                    self.select(i);
                }
            }
            Ok(LoadMsg::Done(Err(e))) => {
                self.error = Some(e);
                self.loading = None;
            }
            Err(mpsc::TryRecvError::Empty) => {}
            Err(mpsc::TryRecvError::Disconnected) => {
                self.error = Some("the loading thread stopped unexpectedly".into());
                self.loading = None;
            }
        }
    }

    /// Select packet `i` (0-based) everywhere.
    pub fn select(&mut self, i: usize) {
        if self.selected == Some(i) {
            return;
        }
        self.selected = Some(i);
        self.selected_field = None;
        self.detail = self.capture.as_ref().and_then(|c| c.packet(i));
        self.scroll_to = Some(i);
    }

    /// Apply the text filter (and the toggles). Returns the error text on bad syntax.
    pub fn apply_filter(&mut self) -> Option<String> {
        let t = self.filter_text.trim();
        if t.is_empty() {
            self.applied = None;
            self.filter_error = None;
        } else {
            match filter::parse(t) {
                Ok(f) => {
                    self.applied = Some(f);
                    self.filter_error = None;
                }
                Err(e) => {
                    self.filter_error = Some(e.to_string());
                }
            }
        }
        self.refilter();
        self.filter_error.clone()
    }

    fn toggle_filter(&self) -> Option<Filter> {
        let t = self.toggles;
        let mut names = Vec::new();
        for (on, n) in [
            (t.tcp, "tcp"),
            (t.udp, "udp"),
            (t.http, "http"),
            (t.websocket, "websocket"),
            (t.socketio, "socketio"),
            (t.dns, "dns"),
        ] {
            if on {
                names.push(n);
            }
        }
        if names.is_empty() {
            return None;
        }
        filter::parse(&names.join(" || ")).ok()
    }

    /// Recompute the visible rows.
    pub fn refilter(&mut self) {
        let Some(cap) = self.capture.clone() else {
            self.visible.clear();
            return;
        };
        let limit = if self.replay.active {
            self.replay.position.min(cap.len())
        } else {
            cap.len()
        };
        self.visible = self.filtered(0..limit);
    }

    /// The replay moved from position `from` to `self.replay.position`: add the rows it
    /// passed or drop the ones it went back over, instead of filtering the whole capture
    /// again (which, on every frame of a replay through millions of packets, would not keep
    /// up).
    fn replay_moved(&mut self, from: usize) {
        let to = self.replay.position;
        if to < from {
            let keep = self.visible.partition_point(|&v| (v as usize) < to);
            self.visible.truncate(keep);
        } else {
            let more = self.filtered(from..to);
            self.visible.extend(more);
        }
    }

    /// The packets of `range` that pass the filters, in order.
    fn filtered(&self, range: std::ops::Range<usize>) -> Vec<u32> {
        let Some(cap) = self.capture.clone() else {
            return Vec::new();
        };
        let range = range.start.min(cap.len())..range.end.min(cap.len());
        let text = self.applied.clone();
        let toggles = self.toggle_filter();
        let hide_acks = self.toggles.hide_bare_acks;
        let cheap = text.as_ref().is_none_or(|f| f.protocols_only())
            && toggles.as_ref().is_none_or(|f| f.protocols_only());
        range
            .filter(|&i| {
                if text.is_none() && toggles.is_none() && !hide_acks {
                    return true;
                }
                let p = if cheap { cap.row(i) } else { cap.packet(i) };
                let Some(p) = p else { return false };
                if hide_acks && is_bare_ack(&p) {
                    return false;
                }
                text.as_ref().is_none_or(|f| f.matches(&p))
                    && toggles.as_ref().is_none_or(|f| f.matches(&p))
            })
            .map(|i| i as u32)
            .collect()
    }

    /// Step the replay by `delta` packets (and start replay mode).
    pub fn step(&mut self, delta: isize) {
        let Some(cap) = &self.capture else { return };
        let was_active = self.replay.active;
        if !self.replay.active {
            self.replay.active = true;
            self.replay.position = self.selected.map_or(0, |s| s + 1);
        }
        let n = cap.len();
        let from = self.replay.position;
        let pos =
            (self.replay.position as isize + delta).clamp(1.min(n as isize), n as isize) as usize;
        self.replay.position = pos;
        if was_active {
            self.replay_moved(from);
        } else {
            self.refilter();
        }
        if pos > 0 {
            self.select(pos - 1);
        }
    }

    /// Advance a playing replay by `dt` seconds of wall time.
    pub fn advance(&mut self, dt: f64) {
        let Some(cap) = self.capture.clone() else {
            return;
        };
        if !(self.replay.active && self.replay.playing) {
            return;
        }
        self.replay.carry += dt * f64::from(self.replay.speed);
        let n = cap.len();
        let from = self.replay.position;
        let mut moved = false;
        while self.replay.position < n {
            let next_ts = cap
                .store
                .meta(self.replay.position)
                .map_or(0, |m| m.timestamp.ns);
            let prev_ts = if self.replay.position == 0 {
                next_ts
            } else {
                cap.store
                    .meta(self.replay.position - 1)
                    .map_or(next_ts, |m| m.timestamp.ns)
            };
            // Long silences in a capture are shortened to one second.
            let gap = ((next_ts - prev_ts).max(0) as f64 / 1e9).min(1.0);
            if self.replay.carry < gap {
                break;
            }
            self.replay.carry -= gap;
            self.replay.position += 1;
            moved = true;
        }
        if self.replay.position >= n {
            self.replay.playing = false;
        }
        if moved {
            self.replay_moved(from);
            if self.replay.position > 0 {
                self.select(self.replay.position - 1);
            }
        }
    }

    /// The whole UI (also what the kittest tests drive).
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let started = std::time::Instant::now();
        self.poll_loading();
        self.poll_live(std::time::Duration::from_millis(8));
        let now = ui.ctx().input(|i| i.time);
        if now - self.file_checked_at >= 1.0 {
            self.file_checked_at = now;
            self.check_file();
        }
        self.apply_style(ui.ctx());
        self.keyboard(ui.ctx());
        self.dropped_files(ui.ctx());
        if self.replay.playing {
            let dt = ui.ctx().input(|i| f64::from(i.stable_dt)).min(0.25);
            self.advance(dt);
            ui.ctx().request_repaint();
        }
        views::top_bar(self, ui);
        views::bottom_bar(self, ui);
        views::main_area(self, ui);
        views::help_window(self, ui);
        live::live_window(self, ui);
        self.last_frame_secs = started.elapsed().as_secs_f64();
    }

    fn apply_style(&self, ctx: &egui::Context) {
        let mut v = match self.settings.theme {
            Theme::Light => egui::Visuals::light(),
            _ => egui::Visuals::dark(),
        };
        if self.settings.theme == Theme::HighContrast {
            v.override_text_color = Some(egui::Color32::WHITE);
            v.panel_fill = egui::Color32::BLACK;
            v.window_fill = egui::Color32::BLACK;
            v.extreme_bg_color = egui::Color32::BLACK;
            v.selection.bg_fill = egui::Color32::from_rgb(0, 90, 200);
        }
        ctx.set_visuals(v);
        let z = self.settings.font_scale.clamp(1.0, 2.5);
        if (ctx.zoom_factor() - z).abs() > 1e-3 {
            ctx.set_zoom_factor(z);
        }
    }

    fn keyboard(&mut self, ctx: &egui::Context) {
        use egui::Key;
        let typing = ctx.egui_wants_keyboard_input();
        let (space, left, right, open, find, f11, help, big) = ctx.input(|i| {
            (
                i.key_pressed(Key::Space),
                i.key_pressed(Key::ArrowLeft),
                i.key_pressed(Key::ArrowRight),
                i.modifiers.command && i.key_pressed(Key::O),
                i.modifiers.command && i.key_pressed(Key::F),
                i.key_pressed(Key::F11),
                i.key_pressed(Key::Questionmark) || i.key_pressed(Key::F1),
                i.key_pressed(Key::F2),
            )
        });
        let live_key = ctx.input(|i| i.key_pressed(Key::L));
        if open {
            self.open_dialog(ctx);
        }
        if find {
            self.focus_filter = true;
        }
        if f11 {
            self.fullscreen = !self.fullscreen;
            ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(self.fullscreen));
        }
        if big {
            self.settings.font_scale = if self.settings.font_scale < 1.5 {
                2.0
            } else {
                1.0
            };
        }
        if typing {
            return;
        }
        if help {
            self.show_help = !self.show_help;
        }
        if live_key {
            self.live.open = !self.live.open;
        }
        if space {
            self.toggle_play();
        }
        if left {
            self.step(-1);
        }
        if right {
            self.step(1);
        }
    }

    pub fn toggle_play(&mut self) {
        if !self.replay.active {
            self.replay.active = true;
            self.replay.position = 0;
            self.refilter();
        }
        if let Some(cap) = &self.capture {
            if self.replay.position >= cap.len() {
                self.replay.position = 0;
                self.refilter();
            }
        }
        self.replay.playing = !self.replay.playing;
    }

    pub fn open_dialog(&mut self, ctx: &egui::Context) {
        let start = self.settings.last_folder.clone().map(PathBuf::from);
        if let Some(p) = self.dialog.pick(start.as_deref()) {
            self.open(&p, Some(ctx));
        }
    }

    fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped = ctx.input(|i| i.raw.dropped_files.clone());
        if let Some(p) = dropped.first().map(|f| f.path().to_path_buf()) {
            self.open(&p, Some(ctx));
        }
    }

    /// Select the most specific field covering frame byte `b` (a click in the hex pane).
    pub fn select_byte(&mut self, b: usize) {
        if let Some(p) = &self.detail {
            self.selected_field = views::field_at(p, b);
        }
    }

    /// The frame bytes the selected field highlights in the hex pane.
    pub fn highlighted(&self) -> Option<std::ops::Range<usize>> {
        views::highlighted(self, self.detail.as_ref()?)
    }

    fn take_scroll(&mut self) -> Option<usize> {
        self.scroll_to.take()
    }

    fn take_focus_filter(&mut self) -> bool {
        std::mem::take(&mut self.focus_filter)
    }
}

/// A TCP segment that only acknowledges (no data, no SYN/FIN/RST).
pub fn is_bare_ack(p: &Packet) -> bool {
    p.transport
        .is_some_and(|t| t.proto == 6 && t.payload_len == 0 && t.flags & 0x07 == 0)
        && p.layers
            .last()
            .is_some_and(|l| l.protocol == crate::model::Protocol::Tcp)
}

/// How the window starts.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    /// Capture to open (`None`: the bundled sample).
    pub path: Option<PathBuf>,
    /// Packet to select once loaded (1-based).
    pub packet: Option<u64>,
    /// Tab to show.
    pub view: Option<Tab>,
    /// Text size to start with.
    pub font_scale: Option<f32>,
    /// Start the ladder in its all-clients Socket.IO view.
    pub fan_out: bool,
    /// Close the window after this many frames (smoke tests, screenshots).
    pub exit_after_frames: Option<u64>,
    /// Print load timings to stderr, counted from this instant (`--timings`).
    pub timings: Option<std::time::Instant>,
    /// Start this demo at once.
    pub demo: Option<crate::capture::demo::DemoName>,
    /// Start capturing on this interface at once.
    pub live: Option<String>,
}

/// eframe wrapper: persistence and the window.
struct EframeApp {
    app: LayerscopeApp,
    launch: Launch,
    frames: u64,
    /// `--timings`: (first rows reported, full load reported).
    reported: (bool, bool),
}

impl EframeApp {
    /// `--timings`: report the first frame with packets in the list, and the first frame
    /// after the whole file is loaded.
    fn report_timings(&mut self) {
        let Some(t0) = self.launch.timings else {
            return;
        };
        let ms = t0.elapsed().as_secs_f64() * 1e3;
        let n = self.app.capture.as_ref().map_or(0, |c| c.len());
        if !self.reported.0 && !self.app.visible.is_empty() {
            self.reported.0 = true;
            eprintln!("timings: first {n} packets on screen after {ms:.0} ms");
        }
        if !self.reported.1 && self.app.capture.is_some() && self.app.loading.is_none() {
            self.reported.1 = true;
            let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            let mb = |key: &str| {
                status
                    .lines()
                    .find(|l| l.starts_with(key))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                    .map_or("unknown".to_string(), |kb| format!("{} MB", kb / 1024))
            };
            eprintln!(
                "timings: all {n} packets loaded after {ms:.0} ms; resident memory {}, peak {}",
                mb("VmRSS:"),
                mb("VmHWM:")
            );
        }
    }
}

impl eframe::App for EframeApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        if let Some(d) = self.launch.demo.take() {
            self.app.start_demo(d, Some(ui.ctx()));
        }
        if let Some(i) = self.launch.live.take() {
            self.app.start_capture(&i, Some(ui.ctx()));
            self.app.live.open = true;
        }
        self.app.ui(ui);
        self.report_timings();
        if self.app.capture.is_some() {
            if let Some(n) = self.launch.packet.take() {
                self.app.select(n.saturating_sub(1) as usize);
            }
            if let Some(t) = self.launch.view.take() {
                self.app.tab = t;
                self.app.fan_out = self.launch.fan_out;
            }
        }
        self.frames += 1;
        if self
            .launch
            .exit_after_frames
            .is_some_and(|n| self.frames >= n && self.app.capture.is_some())
        {
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
        if self.launch.exit_after_frames.is_some() {
            ui.ctx().request_repaint();
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.app.settings);
    }
}

/// Run the desktop app, opening `path` (or the bundled sample bytes when `None`).
pub fn run(launch: Launch, sample: &'static [u8], sample_name: &str) -> Result<(), String> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("layerscope")
            .with_inner_size([1400.0, 900.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    let name = sample_name.to_string();
    eframe::run_native(
        "layerscope",
        options,
        Box::new(move |cc| {
            let mut settings: Settings = cc
                .storage
                .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
                .unwrap_or_default();
            if let Some(f) = launch.font_scale {
                settings.font_scale = f.clamp(1.0, 2.5);
            }
            let mut app = LayerscopeApp::new(settings, Box::new(SystemDialog));
            match launch.path.clone() {
                Some(p) => app.open(&p, Some(&cc.egui_ctx)),
                None => match crate::capture::PacketStore::from_bytes(sample.to_vec()) {
                    Ok(store) => {
                        let cap =
                            Capture::analyse(store, crate::flow::FlowConfig::default(), |_, _| {});
                        app.set_capture(cap, &name);
                    }
                    Err(e) => app.error = Some(e.to_string()),
                },
            }
            Ok(Box::new(EframeApp {
                app,
                launch,
                frames: 0,
                reported: (false, false),
            }))
        }),
    )
    .map_err(|e| e.to_string())
}
