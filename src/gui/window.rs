//! The native window around the app (eframe): how it starts ([`Launch`]), what it persists
//! between runs, the frame loop's start-up actions and `--timings`.

use super::*;

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
    pub demo: Option<crate::demo::DemoName>,
    /// ...serving a page students join from their browsers (`--listen-lan`), with a join
    /// code (`--join-code`).
    pub listen_lan: bool,
    pub join_code: bool,
    /// ...and this Socket.IO page (`--student-page`).
    pub student_page: crate::demo::StudentPage,
    /// Start capturing on this interface at once.
    pub live: Option<String>,
    /// Start in the presenter layout.
    pub presenter: bool,
    /// The window's size in pixels (`--window-size 1280x720`).
    pub window_size: Option<[f32; 2]>,
    /// Render the window once it shows the capture, write this PNG and exit (`--screenshot`).
    pub screenshot: Option<PathBuf>,
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
            self.app.live.listen_lan = self.launch.listen_lan;
            self.app.live.join_code = self.launch.join_code;
            self.app.live.student_page = self.launch.student_page;
            self.app.start_demo(d, Some(ui.ctx()));
        }
        if let Some(i) = self.launch.live.take() {
            self.app.start_capture(&i, Some(ui.ctx()));
            self.app.live.open = true;
        }
        self.app.ui(ui);
        self.report_timings();
        if self.app.capture.is_some() && !self.app.loading() {
            if let Some(n) = self.launch.packet.take() {
                self.app.select(n.saturating_sub(1) as usize);
            }
            if let Some(t) = self.launch.view.take() {
                self.app.tab = t;
                self.app.fan_out = self.launch.fan_out;
            }
            // A demo started with the window is pictured once it has run.
            if !self.app.demo_running() {
                if let Some(p) = self.launch.screenshot.take() {
                    self.app
                        .request_screenshot(super::shots::Target::Window, p, true);
                }
            }
        }
        self.frames += 1;
        if self
            .launch
            .exit_after_frames
            .is_some_and(|n| self.frames >= n && self.app.capture.is_some())
            && !self.app.screenshot_pending()
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
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("layerscope")
        .with_app_id("layerscope")
        .with_inner_size(launch.window_size.unwrap_or([1400.0, 900.0]))
        .with_drag_and_drop(true);
    match eframe::icon_data::from_png_bytes(include_bytes!("../../assets/layerscope.png")) {
        Ok(icon) => viewport = viewport.with_icon(icon),
        Err(e) => eprintln!("layerscope: the window icon could not be read: {e}"),
    }
    let options = eframe::NativeOptions {
        viewport,
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
            let presenter = launch.presenter;
            let mut app = LayerscopeApp::new(settings, Box::new(SystemDialog));
            if presenter {
                app.set_presenter(true);
            }
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
