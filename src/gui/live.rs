//! Live capture and the built-in demos in the window.
//!
//! Why packets are appended on the UI thread: the capture and the demo run on their own threads
//! (or process) and only hand raw packets over a bounded channel. Each frame drains that channel
//! for at most a few milliseconds (the rerun viewer's trick) and appends to the same
//! [`Capture`] a file would use, so every view works on live traffic unchanged and the window
//! never stalls, however fast packets come. What does not fit the channel is counted and shown.
//!
//! Why a ring buffer: a long classroom session must not fill the laptop's memory. When the
//! packet store passes the cap the user set, the oldest half is dropped (counted and shown) and
//! the newest half is analysed again into a fresh capture.

use super::LayerscopeApp;
use crate::capture::live::{
    self, InterfaceInfo, LiveCapture, LiveCounters, LiveOptions, LivePacket,
};
use crate::capture::pcapng;
use crate::demo::{DemoName, DemoOptions, DemoRun};
use crate::engine::Capture;
use eframe::egui::{self, RichText};
use std::path::Path;
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where live packets come from.
pub enum Source {
    Interface(LiveCapture),
    Demo(DemoRun),
}

/// A running (or finished) live session.
pub struct LiveSession {
    pub source: Source,
    /// What the title bar shows ("live: lo", "demo: websocket").
    pub title: String,
    pub started: Instant,
    /// The memory cap (ring buffer) and what it dropped.
    pub ring: crate::engine::ring::Ring,
    pub ended: bool,
    /// A demo whose steps wait for the teacher's key.
    pub teacher_steps: bool,
    /// A demo held before its next step.
    pub demo_paused: bool,
}

impl LiveSession {
    fn rx(&self) -> &Receiver<LivePacket> {
        match &self.source {
            Source::Interface(c) => &c.rx,
            Source::Demo(d) => &d.rx,
        }
    }

    pub fn counters(&self) -> &LiveCounters {
        match &self.source {
            Source::Interface(c) => &c.counters,
            Source::Demo(d) => &d.counters,
        }
    }

    /// Narration of a demo (empty for an interface capture).
    pub fn steps(&self) -> Vec<crate::demo::DemoStep> {
        match &self.source {
            Source::Demo(d) => d.steps.lock().map(|s| s.clone()).unwrap_or_default(),
            Source::Interface(_) => Vec::new(),
        }
    }

    pub fn paused(&self) -> bool {
        matches!(&self.source, Source::Interface(c) if c.is_paused())
    }

    /// A LAN demo's door: who is connected, what was refused.
    pub fn lan_status(&self) -> Option<crate::demo::LanStatus> {
        match &self.source {
            Source::Demo(d) => d.lan_status(),
            Source::Interface(_) => None,
        }
    }

    /// Whether this session is a demo.
    pub fn is_demo(&self) -> bool {
        matches!(self.source, Source::Demo(_))
    }

    fn demo(&mut self) -> Option<&mut DemoRun> {
        match &mut self.source {
            Source::Demo(d) if !self.ended => Some(d),
            _ => None,
        }
    }

    fn stop(&mut self) {
        match &mut self.source {
            Source::Interface(c) => c.stop(),
            Source::Demo(d) => d.stop(),
        }
    }
}

/// State of the live panel (runtime only; the cap and pace are in [`super::Settings`]).
#[derive(Default)]
pub struct LivePanel {
    pub open: bool,
    pub session: Option<LiveSession>,
    pub interfaces: Vec<InterfaceInfo>,
    pub chosen: Option<String>,
    /// Last message of the panel (saved file, error).
    pub status: Option<String>,
    /// WebSocket/Socket.IO demos also serve a page for students' browsers.
    pub listen_lan: bool,
    /// ...and students need a join code (shown in the demo banner) to join.
    pub join_code: bool,
    /// ...and get this Socket.IO page.
    pub student_page: crate::demo::StudentPage,
    /// The students' address is shown large, with its QR code.
    pub show_qr: bool,
}

fn wake(ctx: Option<&egui::Context>) -> Arc<dyn Fn() + Send + Sync> {
    let ctx = ctx.cloned();
    Arc::new(move || {
        if let Some(c) = &ctx {
            c.request_repaint();
        }
    })
}

impl LayerscopeApp {
    fn begin_live(&mut self, source: Source, title: String, iface: crate::capture::Interface) {
        if let Some(mut old) = self.live.session.take() {
            old.stop();
        }
        self.set_capture(Capture::live(vec![iface]), &title);
        self.follow_list = true;
        self.live.session = Some(LiveSession {
            source,
            title,
            started: Instant::now(),
            ring: crate::engine::ring::Ring::new(
                self.settings.live_cap_mb.max(1) as usize * 1024 * 1024,
            ),
            ended: false,
            teacher_steps: false,
            demo_paused: false,
        });
    }

    /// A demo is running (not ended).
    pub fn demo_running(&self) -> bool {
        self.live
            .session
            .as_ref()
            .is_some_and(|s| s.is_demo() && !s.ended)
    }

    /// A running demo waits for the teacher to start each step.
    pub fn demo_waits_for_teacher(&self) -> bool {
        self.demo_running() && self.live.session.as_ref().is_some_and(|s| s.teacher_steps)
    }

    /// Teacher steps: start the demo's next step.
    pub fn demo_next_step(&mut self) {
        if let Some(d) = self.live.session.as_mut().and_then(LiveSession::demo) {
            d.next_step();
        }
    }

    /// `--listen-lan`: a command for the demo's door (`pause-joins`, `kick ADDR`...).
    pub fn demo_lan_command(&mut self, line: &str) {
        if let Some(d) = self.live.session.as_mut().and_then(LiveSession::demo) {
            d.command(line);
        }
    }

    /// Hold a running demo before its next step, or let it go on.
    pub fn toggle_demo_pause(&mut self) {
        if let Some(s) = self.live.session.as_mut() {
            let paused = !s.demo_paused;
            if let Some(d) = s.demo() {
                if d.set_paused(paused) {
                    s.demo_paused = paused;
                }
            }
        }
    }

    /// Switch a running demo between teacher steps and its pace.
    pub fn set_demo_teacher_steps(&mut self, on: bool) {
        self.settings.demo_teacher_steps = on;
        if let Some(s) = self.live.session.as_mut() {
            if let Some(d) = s.demo() {
                if d.set_teacher_steps(on) {
                    s.teacher_steps = on;
                }
            }
        }
    }

    /// Start capturing on an interface.
    pub fn start_capture(&mut self, name: &str, ctx: Option<&egui::Context>) {
        let w = wake(ctx);
        match LiveCapture::start(&LiveOptions::new(name), Box::new(move || w())) {
            Ok(c) => {
                let iface = c.interface.clone();
                self.begin_live(Source::Interface(c), format!("live: {name}"), iface);
                self.live.status = None;
            }
            Err(e) => self.live.status = Some(e.to_string()),
        }
    }

    /// Start a built-in demo.
    pub fn start_demo(&mut self, name: DemoName, ctx: Option<&egui::Context>) {
        let opts = DemoOptions {
            pace: Duration::from_millis(self.settings.demo_pace_ms),
            host_loopback: false,
            listen_lan: self.live.listen_lan
                && matches!(name, DemoName::Websocket | DemoName::Socketio),
            teacher_steps: self.settings.demo_teacher_steps,
            lan: crate::demo::LanOptions {
                join_code: self.live.join_code.then(crate::demo::lan::random_code),
                page: self.live.student_page,
                ..Default::default()
            },
        };
        match DemoRun::start(name, &opts, wake(ctx)) {
            Ok(d) => {
                let iface = crate::demo::demo_interface();
                self.begin_live(Source::Demo(d), format!("demo: {}", name.as_str()), iface);
                if let Some(s) = &mut self.live.session {
                    s.teacher_steps = opts.teacher_steps;
                }
                self.live.status = None;
            }
            Err(e) => self.live.status = Some(e.to_string()),
        }
    }

    /// Stop the live session (the packets stay, ready to inspect and save).
    pub fn stop_live(&mut self) {
        if let Some(s) = &mut self.live.session {
            s.stop();
        }
        self.poll_live(Duration::from_millis(50));
        self.end_live();
    }

    fn end_live(&mut self) {
        if let Some(s) = &mut self.live.session {
            if !s.ended {
                s.ended = true;
                if let Some(cap) = self.capture.as_mut().and_then(Arc::get_mut) {
                    cap.finish_live();
                }
                if let Source::Demo(d) = &mut s.source {
                    if let Err(e) = d.wait() {
                        self.live.status = Some(format!("the demo failed: {e}"));
                    }
                }
            }
        }
    }

    /// Append waiting live packets, spending at most `budget`. Returns how many were added.
    pub fn poll_live(&mut self, budget: Duration) -> usize {
        let cap_bytes = self.settings.live_cap_mb.max(1) as usize * 1024 * 1024;
        let Some(session) = &mut self.live.session else {
            return 0;
        };
        if session.ended {
            return 0;
        }
        session.ring.cap_bytes = cap_bytes;
        let start = Instant::now();
        let mut added = 0;
        let mut replaced = false;
        if let Some(fresh) = session.ring.poll() {
            self.capture = Some(Arc::new(fresh));
            replaced = true;
        }
        let before = self.capture.as_ref().map_or(0, |c| c.len());
        let swaps = session.ring.swaps;
        // The source's sender is dropped when its thread ends: `Disconnected` means every
        // packet it sent has been taken.
        let mut finished = false;
        if let Some(cap) = self.capture.as_mut().and_then(Arc::get_mut) {
            while start.elapsed() < budget {
                match session.rx().try_recv() {
                    Ok(p) => {
                        session.ring.push(cap, p.ts_ns, &p.data, p.wirelen, 0);
                        added += 1;
                    }
                    Err(std::sync::mpsc::TryRecvError::Empty) => break,
                    Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                        finished = true;
                        break;
                    }
                }
            }
        }
        // A swap inside `push` (the cap was reached mid-rebuild) renumbers too.
        replaced |= session.ring.swaps != swaps;
        if replaced {
            self.selected = None;
            self.detail = None;
            self.refilter();
        } else if added > 0 {
            let Some(cap) = self.capture.clone() else {
                return added;
            };
            let from = before.min(cap.len());
            if self.applied.is_none()
                && self.toggle_filter().is_none()
                && !self.toggles.hide_bare_acks
                && !self.replay.active
            {
                self.visible.extend((from..cap.len()).map(|i| i as u32));
            } else {
                self.refilter();
            }
        }
        if (added > 0 || replaced) && self.follow_list && !self.replay.active {
            if let Some(&last) = self.visible.last() {
                self.select(last as usize);
            }
        }
        if finished {
            self.end_live();
        }
        added
    }

    /// Heap the live capture holds for its packets (what the memory cap counts).
    pub fn live_store_bytes(&self) -> usize {
        self.capture.as_ref().map_or(0, |c| c.heap_bytes())
    }

    /// Save all packets, or only the displayed ones, as pcapng (atomically).
    pub fn save_pcapng(&mut self, path: &Path, displayed_only: bool) -> Result<usize, String> {
        let Some(cap) = &self.capture else {
            return Err("nothing to save".into());
        };
        let idx = displayed_only.then(|| self.visible.clone());
        let r = pcapng::save_store(&cap.store, idx.as_deref(), path).map_err(|e| e.to_string());
        self.live.status = Some(match &r {
            Ok(n) => format!(
                "saved {} to {}",
                crate::model::count(*n, "packet"),
                path.display()
            ),
            Err(e) => format!("save failed: {e} (nothing was overwritten)"),
        });
        r
    }

    fn save_dialog(&mut self, displayed_only: bool, ctx: &egui::Context) {
        self.save_as(super::files::Purpose::SavePcapng { displayed_only }, ctx);
    }
}

/// The "Live & demos" window.
pub fn live_window(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let mut open = app.live.open;
    let screen = ui.ctx().content_rect();
    egui::Window::new("Live capture and demos")
        .open(&mut open)
        .default_width((screen.width() * 0.6).min(560.0))
        .max_height(screen.height() * 0.85)
        .vscroll(true)
        .show(ui.ctx(), |ui| live_panel(app, ui));
    app.live.open = open;
}

fn live_panel(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let ctx = ui.ctx().clone();
    ui.heading("Demos");
    ui.label("Real servers and clients on a private loopback, captured as they talk. No network or root needed.");
    ui.add(
        egui::Slider::new(&mut app.settings.demo_pace_ms, 0..=10_000)
            .step_by(100.0)
            .text("ms between steps"),
    );
    let mut teacher = app.settings.demo_teacher_steps;
    if ui
        .checkbox(
            &mut teacher,
            "Teacher steps: each step waits for → or PageDown (a clicker)",
        )
        .changed()
    {
        app.set_demo_teacher_steps(teacher);
    }
    ui.checkbox(
        &mut app.live.listen_lan,
        "Let students join from their browsers (WebSocket and Socket.IO demos serve a page on the LAN; needs CAP_NET_RAW)",
    );
    ui.add_enabled(
        app.live.listen_lan,
        egui::Checkbox::new(
            &mut app.live.join_code,
            "Students need a join code (shown on the demo banner)",
        ),
    );
    ui.add_enabled_ui(app.live.listen_lan, |ui| {
        use crate::demo::StudentPage;
        ui.horizontal_wrapped(|ui| {
            ui.label("Socket.IO page for students:");
            ui.radio_value(
                &mut app.live.student_page,
                StudentPage::Library,
                "the Socket.IO client library",
            )
            .on_hover_text("What students' own apps do: HTTP long-polling first, then the upgrade probe (2probe, 3probe) and the switch to WebSocket (5)");
            ui.radio_value(
                &mut app.live.student_page,
                StudentPage::Bytes,
                "by hand, every byte readable",
            )
            .on_hover_text("A short page that speaks Socket.IO over a bare WebSocket: every frame on the wire is one line of the page's source");
        });
    });
    for d in DemoName::ALL {
        // Wrapped: a description wider than the window goes on under its button.
        ui.horizontal_wrapped(|ui| {
            if ui
                .button(format!("Run {}", d.as_str()))
                .on_hover_text(d.describe())
                .clicked()
            {
                app.start_demo(d, Some(&ctx));
            }
            ui.label(RichText::new(d.describe()).small());
        });
    }
    ui.separator();
    ui.heading("Capture on an interface");
    if app.live.interfaces.is_empty() || ui.button("Refresh interfaces").clicked() {
        app.live.interfaces = live::interfaces();
    }
    let allowed = crate::capture::sys::has_cap_net_raw();
    if !allowed {
        ui.colored_label(
            super::theme::current().warn,
            format!(
                "Capturing needs CAP_NET_RAW. Give it to this program once (no need to run it as root):\n    sudo setcap cap_net_raw,cap_net_admin=eip {}\nFiles, replay and the demos work without it.",
                live::binary_path()
            ),
        );
    }
    egui::Grid::new("interfaces").striped(true).show(ui, |ui| {
        for i in app.live.interfaces.clone() {
            let label = format!("{}{}", i.name, if i.loopback { " (loopback)" } else { "" });
            ui.radio_value(&mut app.live.chosen, Some(i.name.clone()), label);
            ui.label(if i.up { "up" } else { "down" });
            ui.label(i.addresses.join(", "));
            ui.end_row();
        }
    });
    let chosen = app
        .live
        .chosen
        .clone()
        .or_else(|| app.live.interfaces.first().map(|i| i.name.clone()));
    ui.horizontal(|ui| {
        let start = ui.add_enabled(
            allowed && chosen.is_some(),
            egui::Button::new("Start capture"),
        );
        let start = if allowed {
            start
        } else {
            start.on_disabled_hover_text("needs CAP_NET_RAW (see above)")
        };
        if start.clicked() {
            if let Some(c) = &chosen {
                app.start_capture(c, Some(&ctx));
            }
        }
    });
    ui.add(
        egui::Slider::new(&mut app.settings.live_cap_mb, 16..=4096)
            .logarithmic(true)
            .text("MB memory cap (oldest packets dropped beyond it)"),
    );
    ui.separator();
    session_controls(app, ui);
}

/// Pause/stop, counters, the cap, and saving.
pub fn session_controls(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let store = app.live_store_bytes();
    let cap_mb = app.settings.live_cap_mb;
    if let Some(s) = &app.live.session {
        let running = !s.ended;
        ui.label(
            RichText::new(format!(
                "{} — {}",
                s.title,
                if running { "running" } else { "stopped" }
            ))
            .strong(),
        );
        ui.label(s.counters().summary());
        ui.label(format!(
            "{:.1} MB of {} MB cap in use · {} dropped by the ring buffer, oldest first",
            store as f64 / 1e6,
            cap_mb,
            crate::model::count(s.ring.evicted, "packet")
        ));
        let is_iface = matches!(s.source, Source::Interface(_));
        let paused = s.paused();
        let mut pause = false;
        let mut stop = false;
        ui.horizontal(|ui| {
            if running && is_iface && ui.button(if paused { "Resume" } else { "Pause" }).clicked() {
                pause = true;
            }
            if running && ui.button("Stop").clicked() {
                stop = true;
            }
        });
        if pause {
            if let Some(LiveSession {
                source: Source::Interface(c),
                ..
            }) = &app.live.session
            {
                c.set_paused(!paused);
            }
        }
        if stop {
            app.stop_live();
        }
    }
    if app.capture.is_some() {
        ui.horizontal(|ui| {
            if ui.button("Save as pcapng…").clicked() {
                app.save_dialog(false, ui.ctx());
            }
            if ui.button("Save displayed packets…").clicked() {
                app.save_dialog(true, ui.ctx());
            }
        });
    }
    if let Some(m) = &app.live.status {
        ui.label(m);
    }
}
