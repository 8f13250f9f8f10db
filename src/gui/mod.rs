//! The desktop app: the packet list, the OSI/TCP-IP layer stack, the encapsulation strip, the
//! field tree beside the bytes, the ladder diagram, replay, filters and the glossary.
//!
//! Shape (after egui's demo app): [`LayerscopeApp`] holds what is persisted ([`Settings`]) apart
//! from runtime handles (the open capture, the loading thread). Long work — opening a capture —
//! runs on a named thread that reports progress through atomics and asks for a repaint; the UI
//! thread only draws. Views live in `views.rs`, each a function over the app state.
//!
//! The window is for a room: it is laid out in fractions of whatever size it has (a projector
//! at 1280x720 with text at 2x leaves 640x360 points), in an analyst layout (list, layers,
//! fields, bytes) or a presenter layout (the sentence, the layers and the ladder, the list
//! reduced to a strip). Keys follow Wireshark in the list (↑ ↓ PgUp PgDn Home End) and a
//! presentation clicker elsewhere (→ ← PageDown PageUp step); none fires while a text field has
//! the focus, and each is consumed before the widgets see it (a focused button must not also
//! take the Space that paused the replay).

use eframe::egui;

mod files;
pub mod glossary;
mod json_tree;
pub mod live;
mod replay;
mod shots;
pub mod theme;
mod views;
mod window;

pub use replay::Pace;
pub use shots::{Pane, Target};
pub use views::join_contents;
pub use window::{run, Launch};

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
    /// Demos wait for the teacher (→ / PageDown) before each step.
    pub demo_teacher_steps: bool,
    /// Where the OSI column puts the protocols above TCP/UDP (textbook by default).
    pub placement: crate::model::Placement,
    /// The packet list shows ports with the addresses (127.0.0.1:49278), so loopback rows
    /// tell their conversations apart.
    pub show_ports: bool,
    /// The presenter layout: the sentence, the layers and the ladder large, the list a strip.
    pub presenter: bool,
    /// How fast a replay goes: the capture's own timing scaled, or seconds per packet.
    pub pace: Pace,
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
            demo_teacher_steps: false,
            placement: crate::model::Placement::Textbook,
            show_ports: true,
            presenter: false,
            pace: Pace::PerPacket { secs: 2.0 },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Theme {
    Dark,
    Light,
    HighContrast,
}

pub use files::Pick;

/// Where "Open" and "Save" get a path from: the system's file dialog in the app, a fixed list
/// in tests. When it cannot show a dialog it says so (`Pick::Unavailable`), and the app opens
/// its own file browser instead.
pub trait FileDialog: Send {
    fn pick(&mut self, start: Option<&Path>) -> Pick;
    /// Where to save (`name` is the suggested file name).
    fn save(&mut self, _start: Option<&Path>, _name: &str) -> Pick {
        Pick::Unavailable("no save dialog here".into())
    }
}

/// The desktop's native file chooser, through rfd (the XDG desktop portal; rfd falls back to
/// zenity where no portal runs).
pub struct SystemDialog;

impl FileDialog for SystemDialog {
    fn pick(&mut self, start: Option<&Path>) -> Pick {
        let mut d = rfd::FileDialog::new()
            .set_title("Open a capture")
            .add_filter("Captures (pcap, pcapng)", &["pcap", "pcapng", "cap", "dmp"])
            .add_filter("All files", &["*"]);
        if let Some(s) = start {
            d = d.set_directory(s);
        }
        files::native(|| d.pick_file())
    }

    fn save(&mut self, start: Option<&Path>, name: &str) -> Pick {
        let png = name.ends_with(".png");
        let mut d = rfd::FileDialog::new()
            .set_title(if png {
                "Save the view as PNG"
            } else {
                "Save packets as pcapng"
            })
            .set_file_name(name)
            .add_filter(
                if png { "PNG picture" } else { "pcapng" },
                &[if png { "png" } else { "pcapng" }],
            );
        if let Some(s) = start {
            d = d.set_directory(s);
        }
        files::native(|| d.save_file())
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

/// Replay: packets "arrive" one by one, at the pace of [`Settings::pace`].
#[derive(Debug, Clone, Default)]
pub struct Replay {
    pub active: bool,
    pub playing: bool,
    /// Packets (0-based count) that have arrived.
    pub position: usize,
    /// Wall-clock seconds accumulated towards the next packet.
    carry: f64,
}

/// What a view asks the app to do. Views push actions while they draw
/// ([`LayerscopeApp::act`]); the app applies them when the frame ends, so every view of one
/// frame draws the same selection, filter and file (the command queue of rerun's viewer).
/// Keys are different: they are read before any view draws, and act at once.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Select packet `i` (0-based).
    Select(usize),
    /// Select a field (layer, field) of the selected packet, or none; then show `tab`.
    SelectField(Option<(usize, usize)>, Tab),
    /// Apply the filter as typed in the filter field.
    ApplyFilter,
    /// Replace the filter's text and apply it.
    Filter(String),
    /// Open a capture file.
    Open(PathBuf),
    /// A toolbar button: open, play, step, next phase, ...
    Toolbar(views::Act),
}

/// Which tab the lower right shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Details,
    Ladder,
    /// A server's listening socket and one socket per accepted client.
    Sockets,
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
    /// The selected packet, decoded in full once per selection; views share it (an `Arc`, so
    /// a view that needs it beside `&mut self` takes a reference count, not a copy).
    pub detail: Option<Arc<Packet>>,
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
    /// "Show me" answers for the open capture (made once per capture: the glossary lists
    /// every term every frame).
    glossary_found: Option<(usize, Vec<Option<glossary::Found>>)>,
    pub follow_list: bool,
    /// The ladder shows every Socket.IO client at once.
    pub fan_out: bool,
    /// Actions the views asked for in this frame, applied at its end.
    actions: Vec<Action>,
    /// The row the list brings into view, and for how many more frames (the layout may still
    /// be settling: a window resized at start, a panel that finds its size).
    scroll_to: Option<(usize, u8)>,
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
    /// A message for the status bar (a picture saved, the file browser used instead).
    pub notice: Option<String>,
    /// layerscope's own file browser, when the desktop has no dialog.
    browser: Option<files::Browser>,
    /// A picture asked for and not yet written.
    shot: Option<shots::ShotRequest>,
    /// Where each pane was drawn in the last frame (for pictures of one pane).
    panes: Vec<(shots::Pane, egui::Rect)>,
    /// Rows the packet list shows at once (PageUp/PageDown move by this many).
    pub list_page: usize,
    /// Where the splitter between the fields and the bytes sits (a fraction).
    details_split: f32,
    /// The packet the ladder last scrolled to (it scrolls again when the selection changes).
    ladder_scrolled: Option<usize>,
    /// The layout the packet list was last drawn in (a new one starts scrolled to the top).
    list_layout: i32,
    /// The list's height last frame (when it changes, the selected row is brought back).
    list_height: f32,
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
            glossary_found: None,
            follow_list: true,
            fan_out: false,
            actions: Vec::new(),
            scroll_to: None,
            focus_filter: false,
            fullscreen: false,
            last_frame_secs: 0.0,
            live: live::LivePanel::default(),
            preview: (PREVIEW_FROM_BYTES, PREVIEW_PACKETS),
            file_warning: None,
            file_checked_at: 0.0,
            notice: None,
            browser: None,
            shot: None,
            panes: Vec::new(),
            list_page: 10,
            details_split: 0.5,
            ladder_scrolled: None,
            list_layout: 0,
            list_height: 0.0,
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
                        // The preview lives beside the whole capture while that loads: it
                        // gets a small share of the memory budget (see robustness.md).
                        let cap = Capture::analyse_with(
                            store,
                            crate::flow::FlowConfig::default(),
                            crate::flow::app::AppConfig::preview(),
                            |_, _| {},
                        );
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
                // The Socket.IO semantics (who received each emit) read the whole capture:
                // made here, off the UI thread, so the first Socket.IO packet shown is quick.
                if let Ok(cap) = &r {
                    let _ = cap.socketio();
                }
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

    /// Where each pane was drawn in the last frame.
    pub fn pane_rects(&self) -> &[(Pane, egui::Rect)] {
        &self.panes
    }

    /// Whether a file is still loading.
    pub fn loading(&self) -> bool {
        self.loading.is_some()
    }

    /// Whether a picture was asked for and is not written yet.
    pub fn screenshot_pending(&self) -> bool {
        self.shot.is_some()
    }

    /// Switch to the presenter layout (which shows the ladder beside the layers) or back.
    pub fn set_presenter(&mut self, on: bool) {
        self.settings.presenter = on;
        if on && matches!(self.tab, Tab::Details | Tab::Glossary) {
            self.tab = Tab::Ladder;
        }
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

    /// "Show me" for every glossary term, for the open capture (cached).
    pub fn glossary_found(&mut self) -> &[Option<glossary::Found>] {
        let key = self
            .capture
            .as_ref()
            .map_or(0, |c| Arc::as_ptr(c) as usize ^ c.len());
        if self.glossary_found.as_ref().is_none_or(|(k, _)| *k != key) {
            let found = match &self.capture {
                Some(c) => glossary::TERMS
                    .iter()
                    .map(|t| glossary::show_me(c, t.name))
                    .collect(),
                None => Vec::new(),
            };
            self.glossary_found = Some((key, found));
        }
        self.glossary_found.as_ref().map_or(&[], |(_, v)| v)
    }

    /// Select packet `i` (0-based) everywhere.
    pub fn select(&mut self, i: usize) {
        if self.selected == Some(i) {
            return;
        }
        self.selected = Some(i);
        self.selected_field = None;
        self.detail = self
            .capture
            .as_ref()
            .and_then(|c| c.packet(i))
            .map(Arc::new);
        self.scroll_to = Some((i, 3));
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
        install_fonts(ui.ctx());
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
        self.apply_actions(ui.ctx());
        self.file_browser(ui.ctx());
        self.take_screenshot(ui.ctx());
        self.last_frame_secs = started.elapsed().as_secs_f64();
    }

    /// Ask for `a`, applied when this frame's views have all drawn.
    pub fn act(&mut self, a: Action) {
        self.actions.push(a);
    }

    /// Apply the actions the views asked for, in order, and draw again with the result.
    fn apply_actions(&mut self, ctx: &egui::Context) {
        if self.actions.is_empty() {
            return;
        }
        for a in std::mem::take(&mut self.actions) {
            match a {
                Action::Select(i) => self.select(i),
                Action::SelectField(f, tab) => {
                    self.selected_field = f;
                    self.tab = tab;
                }
                Action::ApplyFilter => {
                    self.apply_filter();
                }
                Action::Filter(text) => {
                    self.filter_text = text;
                    self.apply_filter();
                }
                Action::Open(path) => self.open(&path, Some(ctx)),
                Action::Toolbar(act) => views::run(self, act, ctx),
            }
        }
        ctx.request_repaint();
    }

    fn apply_style(&self, ctx: &egui::Context) {
        theme::set_current(self.settings.theme);
        let pal = theme::palette(self.settings.theme);
        if ctx.global_style().visuals != pal.visuals {
            ctx.set_visuals(pal.visuals.clone());
        }
        let z = self.settings.font_scale.clamp(1.0, 2.5);
        if (ctx.zoom_factor() - z).abs() > 1e-3 {
            ctx.set_zoom_factor(z);
        }
    }

    /// Keyboard shortcuts. Keys a shortcut uses are consumed, so a focused button or the
    /// list's scroll area does not act on them too; none fires while a text field has focus
    /// (`?` in help and the README list them).
    fn keyboard(&mut self, ctx: &egui::Context) {
        use egui::{Key, Modifiers};
        let take = |m: Modifiers, k: Key| ctx.input_mut(|i| i.consume_key(m, k));
        let cmd = Modifiers::COMMAND;
        if take(cmd, Key::O) {
            self.open_dialog(ctx);
        }
        if take(cmd, Key::F) {
            self.focus_filter = true;
        }
        if take(Modifiers::NONE, Key::F11) {
            self.fullscreen = !self.fullscreen;
            ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(self.fullscreen));
        }
        if take(Modifiers::NONE, Key::F2) {
            // Classroom sizes: 1x, 2x, 2.5x and round again.
            let f = self.settings.font_scale;
            self.settings.font_scale = if f < 1.5 {
                2.0
            } else if f < 2.25 {
                2.5
            } else {
                1.0
            };
        }
        if take(Modifiers::NONE, Key::F1) {
            self.show_help = !self.show_help;
        }
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        let none = Modifiers::NONE;
        if take(none, Key::Questionmark) || take(Modifiers::SHIFT, Key::Questionmark) {
            self.show_help = !self.show_help;
        }
        if take(none, Key::L) {
            self.live.open = !self.live.open;
        }
        if take(none, Key::P) {
            self.set_presenter(!self.settings.presenter);
        }
        if self.settings.presenter && take(none, Key::Escape) {
            self.set_presenter(false);
        }
        if take(none, Key::Space) {
            if self.demo_running() {
                self.toggle_demo_pause();
            } else {
                self.toggle_play();
            }
        }
        if take(none, Key::N) {
            self.next_phase();
        }
        if take(none, Key::M) {
            self.next_message();
        }
        // A presentation clicker sends PageDown/PageUp (or →/←): in the presenter layout they
        // step; in the list they page, as in Wireshark.
        let clicker = self.settings.presenter;
        let (fwd, back) = (
            take(none, Key::ArrowRight) || (clicker && take(none, Key::PageDown)),
            take(none, Key::ArrowLeft) || (clicker && take(none, Key::PageUp)),
        );
        if fwd {
            if self.demo_waits_for_teacher() {
                self.demo_next_step();
            } else if self.replay.active {
                self.step(1);
            } else {
                self.move_selection(1);
            }
        }
        if back {
            if self.replay.active {
                self.step(-1);
            } else {
                self.move_selection(-1);
            }
        }
        let page = self.list_page.max(1) as isize;
        if take(none, Key::ArrowDown) {
            self.move_selection(1);
        }
        if take(none, Key::ArrowUp) {
            self.move_selection(-1);
        }
        if take(none, Key::PageDown) {
            self.move_selection(page);
        }
        if take(none, Key::PageUp) {
            self.move_selection(-page);
        }
        if take(none, Key::Home) {
            self.select_edge(false);
        }
        if take(none, Key::End) {
            self.select_edge(true);
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
        match self.dialog.pick(start.as_deref()) {
            Pick::Chosen(p) => self.open(&p, Some(ctx)),
            Pick::Cancelled => {}
            Pick::Unavailable(why) => self.browse(files::Purpose::Open, &why),
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

    /// The list is drawn in a new layout (text size, window size, presenter): bring the
    /// selected row into view again.
    pub(super) fn list_layout_changed(&mut self, key: i32) {
        if self.list_layout != key {
            self.list_layout = key;
            if self.scroll_to.is_none() {
                self.scroll_to = self.selected.map(|i| (i, 3));
            }
        }
    }

    /// The list's panel has this height now; if it changed (the window settled, a splitter
    /// moved) keep the selected row in view.
    pub(super) fn list_height_is(&mut self, h: f32) {
        if (h - self.list_height).abs() > 0.5 {
            self.list_height = h;
            if self.scroll_to.is_none() {
                self.scroll_to = self.selected.map(|i| (i, 1));
            }
        }
    }

    fn take_scroll(&mut self) -> Option<usize> {
        let (i, left) = self.scroll_to?;
        self.scroll_to = (left > 1).then(|| (i, left - 1));
        Some(i)
    }

    fn take_focus_filter(&mut self) -> bool {
        std::mem::take(&mut self.focus_filter)
    }
}

/// Add DejaVu Sans behind egui's default font: it has the arrows and symbols (→ ← ⇄ ✓) the
/// default font lacks, so the window writes what the CLI writes. Done once per context.
fn install_fonts(ctx: &egui::Context) {
    let id = egui::Id::unique("layerscope-fonts");
    if ctx.data(|d| d.get_temp::<bool>(id)).is_some() {
        return;
    }
    ctx.data_mut(|d| d.insert_temp(id, true));
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert(
        "dejavu".into(),
        Arc::new(egui::FontData::from_static(include_bytes!(
            "../../assets/fonts/DejaVuSans.ttf"
        ))),
    );
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts
            .families
            .entry(family)
            .or_default()
            .push("dejavu".into());
    }
    ctx.set_fonts(fonts);
}

/// A TCP segment that only acknowledges (no data, no SYN/FIN/RST).
pub fn is_bare_ack(p: &Packet) -> bool {
    p.transport
        .is_some_and(|t| t.proto == 6 && t.payload_len == 0 && t.flags & 0x07 == 0)
        && p.layers
            .last()
            .is_some_and(|l| l.protocol == crate::model::Protocol::Tcp)
}
