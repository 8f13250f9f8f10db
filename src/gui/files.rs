//! Open and save dialogs that always work.
//!
//! The desktop's own dialog comes first (rfd: the XDG desktop portal, else zenity or kdialog).
//! A school's locked-down desktop, a bare window manager or a remote session often has none
//! of them, and then rfd returns at once as if the user had cancelled: "Open…" would do
//! nothing. So when none is there, or the dialog comes back faster than a person can click,
//! layerscope opens its own file browser (egui_file) inside the window and says why.

use super::shots::Target;
use super::*;

/// What a dialog answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    Chosen(PathBuf),
    Cancelled,
    /// No dialog could be shown; why.
    Unavailable(String),
}

/// What a file is chosen for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    Open,
    SavePcapng { displayed_only: bool },
    SavePng(Target),
}

/// layerscope's own file browser, open in the window.
pub struct Browser {
    dialog: egui_file::FileDialog,
    purpose: Purpose,
}

/// Whether a program is on the PATH.
fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(name).is_file()))
}

/// Why the desktop's dialog cannot be shown here, if it cannot.
pub fn native_unavailable() -> Option<String> {
    if cfg!(not(target_os = "linux")) {
        return None;
    }
    let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    if !bus && !on_path("zenity") && !on_path("kdialog") {
        return Some(
            "this desktop has no file dialog (no desktop portal on a D-Bus session, no zenity or kdialog)"
                .into(),
        );
    }
    None
}

/// Run a native dialog; `None` from it within a moment means no dialog appeared.
pub fn native(f: impl FnOnce() -> Option<PathBuf>) -> Pick {
    if let Some(why) = native_unavailable() {
        return Pick::Unavailable(why);
    }
    let t = std::time::Instant::now();
    match f() {
        Some(p) => Pick::Chosen(p),
        None if t.elapsed() < std::time::Duration::from_millis(150) => Pick::Unavailable(
            "the desktop's file dialog did not open (no desktop portal, zenity or kdialog answered)"
                .into(),
        ),
        None => Pick::Cancelled,
    }
}

impl LayerscopeApp {
    /// Open layerscope's own file browser for `purpose`; `why` says why the desktop's is not
    /// used.
    pub(super) fn browse(&mut self, purpose: Purpose, why: &str) {
        let start = self
            .settings
            .last_folder
            .clone()
            .map(PathBuf::from)
            .or_else(|| std::env::current_dir().ok());
        let (mut d, title) = match &purpose {
            Purpose::Open => (
                egui_file::FileDialog::open_file().show_files_filter(Box::new(|p: &Path| {
                    p.extension().is_some_and(|e| {
                        let e = e.to_string_lossy().to_ascii_lowercase();
                        matches!(e.as_str(), "pcap" | "pcapng" | "cap" | "dmp")
                    })
                })),
                "Open a capture",
            ),
            Purpose::SavePcapng { displayed_only } => (
                egui_file::FileDialog::save_file().default_filename(if *displayed_only {
                    "displayed.pcapng"
                } else {
                    "capture.pcapng"
                }),
                "Save packets as pcapng",
            ),
            Purpose::SavePng(_) => (
                egui_file::FileDialog::save_file().default_filename("layerscope.png"),
                "Save the view as PNG",
            ),
        };
        if let Some(s) = start {
            d = d.initial_path(s);
        }
        let mut d = d
            .title(title)
            .id(egui::Id::unique("layerscope-file-browser"));
        d.open();
        self.notice = Some(format!("Using layerscope's own file browser: {why}."));
        self.browser = Some(Browser { dialog: d, purpose });
    }

    /// Show the file browser, if open, and act on its answer.
    pub(super) fn file_browser(&mut self, ctx: &egui::Context) {
        let Some(b) = &mut self.browser else { return };
        let state = b.dialog.show(ctx).state();
        match state {
            egui_file::State::Open => {}
            egui_file::State::Selected => {
                let path = b.dialog.path().map(Path::to_path_buf);
                let purpose = b.purpose.clone();
                self.browser = None;
                if let Some(p) = path {
                    self.chosen(purpose, p, ctx);
                }
            }
            egui_file::State::Cancelled | egui_file::State::Closed => self.browser = None,
        }
    }

    /// A file was chosen for `purpose`.
    pub(super) fn chosen(&mut self, purpose: Purpose, path: PathBuf, ctx: &egui::Context) {
        match purpose {
            Purpose::Open => self.open(&path, Some(ctx)),
            Purpose::SavePcapng { displayed_only } => {
                if let Err(e) = self.save_pcapng(&path, displayed_only) {
                    self.error = Some(format!("cannot save {}: {e}", path.display()));
                }
            }
            Purpose::SavePng(target) => self.request_screenshot(target, path, false),
        }
    }

    /// Ask where to save (the desktop's dialog, else our own), then act.
    pub(super) fn save_as(&mut self, purpose: Purpose, ctx: &egui::Context) {
        let start = self.settings.last_folder.clone().map(PathBuf::from);
        let name = match &purpose {
            Purpose::SavePcapng {
                displayed_only: true,
            } => "displayed.pcapng",
            Purpose::SavePcapng { .. } => "capture.pcapng",
            Purpose::SavePng(_) => "layerscope.png",
            Purpose::Open => "",
        };
        match self.dialog.save(start.as_deref(), name) {
            Pick::Chosen(p) => self.chosen(purpose, p, ctx),
            Pick::Cancelled => {}
            Pick::Unavailable(why) => self.browse(purpose, &why),
        }
    }
}
