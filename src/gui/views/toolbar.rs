//! The top of the window: one toolbar row that never wraps into a mess (what does not fit goes
//! into the "More" menu, measured each frame at the current text size), the filter row, the
//! demo's narration for the selected packet, and the packet's sentence.

use super::super::files::Purpose;
use super::super::shots::{Pane, Target};
use super::super::{Pace, Theme};
use super::*;

/// The toolbar's actions, in the order they appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    Open,
    Live,
    Back,
    Play,
    Forward,
    Phase,
    Message,
    Pace,
    ShowAll,
    Presenter,
    Help,
}

impl Act {
    fn label(self, app: &LayerscopeApp) -> String {
        match self {
            Act::Open => "Open…".into(),
            Act::Live => "Live & demos".into(),
            Act::Back => "◀ Step".into(),
            Act::Play => if app.replay.playing { "Pause" } else { "Play" }.into(),
            Act::Forward => "Step ▶".into(),
            Act::Phase => "Next phase".into(),
            Act::Message => "Next message".into(),
            Act::Pace => format!("Pace: {}", app.settings.pace.describe()),
            Act::ShowAll => "Show all".into(),
            Act::Presenter => if app.settings.presenter {
                "Analyst layout"
            } else {
                "Presenter"
            }
            .into(),
            Act::Help => "?".into(),
        }
    }

    fn tip(self) -> &'static str {
        match self {
            Act::Open => "Open a pcap or pcapng file (Ctrl+O)",
            Act::Live => "Capture live traffic, or run a built-in classroom demo (L)",
            Act::Back => "One shown packet back (←); starts the replay",
            Act::Play => "Replay the packets one by one at the pace you set (Space)",
            Act::Forward => "One shown packet forward (→); starts the replay",
            Act::Phase => "Jump to the next phase of this conversation: opening, upgrade, messages, closing (N)",
            Act::Message => "Jump to the next application message: HTTP, WebSocket, Socket.IO, DNS (M)",
            Act::Pace => "How fast Play goes: seconds per packet, or the capture's own timing",
            Act::ShowAll => "Leave the replay: every packet listed again",
            Act::Presenter => "The presenter layout: the sentence, the layers and the ladder, large (P)",
            Act::Help => "Keyboard shortcuts (?)",
        }
    }

    /// What fits first when the window is narrow.
    fn priority(self) -> u8 {
        match self {
            Act::Play => 0,
            Act::Forward => 1,
            Act::Back => 2,
            Act::Presenter => 3,
            Act::ShowAll => 4,
            Act::Phase => 5,
            Act::Help => 6,
            Act::Live => 7,
            Act::Open => 8,
            Act::Message => 9,
            Act::Pace => 10,
        }
    }
}

/// Carry out a toolbar button's action (at the end of the frame: `Action::Toolbar`).
pub fn run(app: &mut LayerscopeApp, act: Act, ctx: &egui::Context) {
    match act {
        Act::Open => app.open_dialog(ctx),
        Act::Live => app.live.open = !app.live.open,
        Act::Back => app.step(-1),
        Act::Play => app.toggle_play(),
        Act::Forward => app.step(1),
        Act::Phase => {
            if app.next_phase().is_none() {
                app.notice = Some("No later phase in this conversation.".into());
            }
        }
        Act::Message => {
            if !app.next_message() {
                app.notice = Some("No later application message.".into());
            }
        }
        Act::Pace => {}
        Act::ShowAll => {
            app.replay = Default::default();
            app.refilter();
        }
        Act::Presenter => app.set_presenter(!app.settings.presenter),
        Act::Help => app.show_help = !app.show_help,
    }
}

/// Width a button with `text` takes, spacing included.
fn button_width(ui: &egui::Ui, text: &str) -> f32 {
    let font = egui::TextStyle::Button.resolve(ui.style());
    let w = ui.fonts_mut(|f| {
        f.layout_no_wrap(text.to_string(), font, Color32::WHITE)
            .size()
            .x
    });
    w + 2.0 * ui.spacing().button_padding.x + ui.spacing().item_spacing.x
}

pub fn top_bar(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let ctx = ui.ctx().clone();
    // A small window (a projector at 2x) puts the filter on the toolbar's row and the
    // protocol toggles into "More": one row less above the panes.
    let compact = super::layers::compact(ui);
    egui::Panel::top("toolbar").show(ui, |ui| {
        if compact {
            ui.horizontal(|ui| {
                toolbar_row(app, ui, &ctx, true);
                filter_row(app, ui, true);
            });
        } else {
            ui.horizontal(|ui| toolbar_row(app, ui, &ctx, false));
            ui.horizontal(|ui| filter_row(app, ui, false));
        }
        if let Some(e) = &app.filter_error {
            ui.add(
                egui::Label::new(RichText::new(e).color(super::super::theme::current().error))
                    .wrap(),
            );
        }
        demo_banner(app, ui);
    });
    sentence(app, ui);
}

/// Room the filter keeps on the toolbar's row in a small window.
fn inline_filter_width(ui: &egui::Ui) -> f32 {
    ui.text_style_height(&egui::TextStyle::Body) * 0.55 * 16.0 + button_width(ui, "Apply")
}

fn toolbar_row(app: &mut LayerscopeApp, ui: &mut egui::Ui, ctx: &egui::Context, inline: bool) {
    let mut acts = vec![Act::Open, Act::Live, Act::Back, Act::Play, Act::Forward];
    if app.replay.active {
        acts.push(Act::ShowAll);
    }
    acts.extend([
        Act::Phase,
        Act::Message,
        Act::Pace,
        Act::Presenter,
        Act::Help,
    ]);
    // Choose what fits, most important first; the rest goes into "More".
    let mut room = ui.available_width() - button_width(ui, "More ▾") - 4.0;
    if inline {
        room -= inline_filter_width(ui);
    }
    let mut by_priority = acts.clone();
    by_priority.sort_by_key(|a| a.priority());
    let mut shown = Vec::new();
    for a in by_priority {
        let w = button_width(ui, &a.label(app)) + if a == Act::Pace { 12.0 } else { 0.0 };
        if w <= room {
            room -= w;
            shown.push(a);
        }
    }
    {
        for &a in acts.iter().filter(|a| shown.contains(a)) {
            if a == Act::Pace {
                ui.menu_button(a.label(app), |ui| pace_menu(app, ui))
                    .response
                    .on_hover_text(a.tip());
                continue;
            }
            let b = egui::Button::new(a.label(app)).selected(
                (a == Act::Presenter && app.settings.presenter)
                    || (a == Act::Play && app.replay.playing),
            );
            if ui.add(b).on_hover_text(a.tip()).clicked() {
                app.act(Action::Toolbar(a));
            }
        }
        ui.menu_button("More ▾", |ui| {
            for &a in acts.iter().filter(|a| !shown.contains(a)) {
                if a == Act::Pace {
                    ui.menu_button(a.label(app), |ui| pace_menu(app, ui));
                } else if ui.button(a.label(app)).on_hover_text(a.tip()).clicked() {
                    app.act(Action::Toolbar(a));
                    ui.close();
                }
            }
            if inline {
                ui.separator();
                show_menu_items(app, ui);
            }
            more_menu(app, ui, ctx);
        })
        .response
        .on_hover_text("Files, pictures for slides, view settings");
    }
}

/// The protocol toggles and "Hide bare ACKs".
fn show_menu_items(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let before = app.toggles;
    ui.checkbox(&mut app.toggles.tcp, "TCP");
    ui.checkbox(&mut app.toggles.udp, "UDP");
    ui.checkbox(&mut app.toggles.http, "HTTP");
    ui.checkbox(&mut app.toggles.websocket, "WebSocket");
    ui.checkbox(&mut app.toggles.socketio, "Socket.IO");
    ui.checkbox(&mut app.toggles.dns, "DNS");
    ui.separator();
    ui.checkbox(&mut app.toggles.hide_bare_acks, "Hide bare ACKs");
    ui.checkbox(&mut app.settings.show_ports, "Ports with addresses")
        .on_hover_text(
            "On loopback every packet has the same addresses: the ports tell the sockets apart.",
        );
    if before != app.toggles {
        app.refilter();
    }
}

/// How fast Play goes.
fn pace_menu(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let (mut per_packet, mut speed) = match app.settings.pace {
        Pace::PerPacket { secs } => (Some(secs), 1.0),
        Pace::CaptureTime { speed } => (None, speed),
    };
    let mut secs = per_packet.unwrap_or(2.0);
    let mut by_packet = per_packet.is_some();
    ui.radio_value(
        &mut by_packet,
        true,
        "Seconds per packet (a class can follow)",
    );
    ui.add_enabled(
        by_packet,
        egui::Slider::new(&mut secs, 0.5..=10.0)
            .step_by(0.5)
            .suffix(" s"),
    );
    ui.radio_value(&mut by_packet, false, "The capture's own timing");
    ui.add_enabled(
        !by_packet,
        egui::Slider::new(&mut speed, 0.1..=10.0)
            .logarithmic(true)
            .prefix("×"),
    );
    per_packet = by_packet.then_some(secs);
    app.settings.pace = match per_packet {
        Some(secs) => Pace::PerPacket { secs },
        None => Pace::CaptureTime { speed },
    };
}

/// Files, pictures and view settings.
fn more_menu(app: &mut LayerscopeApp, ui: &mut egui::Ui, ctx: &egui::Context) {
    ui.separator();
    ui.menu_button("Recent files", |ui| {
        let recent = app.settings.recent.clone();
        if recent.is_empty() {
            ui.label("No recent files");
        }
        for r in recent {
            if ui.button(&r).clicked() {
                app.act(Action::Open(r.into()));
                ui.close();
            }
        }
    });
    if app.capture.is_some() {
        if ui.button("Save packets as pcapng…").clicked() {
            app.save_as(
                Purpose::SavePcapng {
                    displayed_only: false,
                },
                ctx,
            );
            ui.close();
        }
        if ui.button("Save displayed packets…").clicked() {
            app.save_as(
                Purpose::SavePcapng {
                    displayed_only: true,
                },
                ctx,
            );
            ui.close();
        }
    }
    ui.menu_button("Save view as PNG", |ui| {
        if ui.button("The whole window…").clicked() {
            app.save_as(Purpose::SavePng(Target::Window), ctx);
            ui.close();
        }
        for p in Pane::ALL {
            if ui.button(format!("Only {}…", p.name())).clicked() {
                app.save_as(Purpose::SavePng(Target::Pane(p)), ctx);
                ui.close();
            }
        }
    });
    ui.separator();
    ui.menu_button("Theme", |ui| {
        ui.radio_value(&mut app.settings.theme, Theme::Dark, "Dark");
        ui.radio_value(&mut app.settings.theme, Theme::Light, "Light (projectors)");
        ui.radio_value(
            &mut app.settings.theme,
            Theme::HighContrast,
            "High contrast",
        );
    });
    ui.menu_button("Text size (F2)", |ui| {
        for z in [1.0f32, 1.5, 2.0, 2.5] {
            ui.radio_value(&mut app.settings.font_scale, z, format!("{z}x"));
        }
    });
    ui.checkbox(&mut app.settings.presenter, "Presenter layout (P)");
    let mut functional = app.settings.placement == crate::model::Placement::Functional;
    if ui
        .checkbox(
            &mut functional,
            "Functional OSI view (WebSocket at 5, Engine.IO at 6)",
        )
        .changed()
    {
        app.settings.placement = if functional {
            crate::model::Placement::Functional
        } else {
            crate::model::Placement::Textbook
        };
    }
    ui.checkbox(&mut app.settings.show_ports, "Ports with addresses");
    if ui.button("Keyboard shortcuts (?)").clicked() {
        app.show_help = true;
        ui.close();
    }
}

fn filter_row(app: &mut LayerscopeApp, ui: &mut egui::Ui, inline: bool) {
    if !inline {
        let shown = [
            (app.toggles.tcp, "TCP"),
            (app.toggles.udp, "UDP"),
            (app.toggles.http, "HTTP"),
            (app.toggles.websocket, "WebSocket"),
            (app.toggles.socketio, "Socket.IO"),
            (app.toggles.dns, "DNS"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>();
        let mut label = format!(
            "Show: {}",
            if shown.is_empty() {
                "all".into()
            } else {
                shown.join(", ")
            }
        );
        if app.toggles.hide_bare_acks {
            label.push_str(", no bare ACKs");
        }
        label.push_str(" ▾");
        ui.menu_button(label, |ui| show_menu_items(app, ui))
            .response
            .on_hover_text("Quick filters by protocol; hide the bare acknowledgements");
    }
    let buttons = button_width(ui, "Apply")
        + if inline {
            0.0
        } else {
            button_width(ui, "Clear")
        };
    let edit_w = (ui.available_width() - buttons - 8.0).max(60.0);
    let edit = egui::TextEdit::singleline(&mut app.filter_text)
        .hint_text(if inline {
            "Filter (Ctrl+F)"
        } else {
            "Display filter, e.g. tcp.port == 3000 && websocket (Ctrl+F)"
        })
        .desired_width(edit_w);
    let r = ui.add(edit);
    let r = r.on_hover_text(
        "Display filter (Wireshark's names: tcp.port, websocket, socketio.event …); Enter applies",
    );
    if app.take_focus_filter() {
        r.request_focus();
    }
    let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    if ui.button("Apply").clicked() || enter {
        app.act(Action::ApplyFilter);
    }
    if !inline && ui.button("Clear").clicked() {
        app.act(Action::Filter(String::new()));
    }
}

/// A running (or finished) demo: the step that belongs to the selected packet, large, with
/// the teacher's controls.
fn demo_banner(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let Some(session) = &app.live.session else {
        return;
    };
    let steps: Vec<_> = session
        .steps()
        .into_iter()
        .filter(|s| s.is_step())
        .collect();
    if steps.is_empty() && !session.is_demo() {
        return;
    }
    let running = !session.ended;
    let teacher = session.teacher_steps;
    let paused = session.demo_paused;
    let sel_ts = app
        .selected
        .and_then(|i| app.capture.as_ref()?.store.meta(i))
        .map(|m| m.timestamp.ns);
    // The step whose time is the last one at or before the selected packet's.
    let k = crate::demo::step_at(&steps, sel_ts);
    ui.horizontal_wrapped(|ui| {
        let big = ui.text_style_height(&egui::TextStyle::Body) * 1.25;
        match k {
            Some(k) => {
                ui.label(
                    RichText::new(format!("Demo step {} of {}:", k + 1, steps.len()))
                        .size(big)
                        .strong(),
                );
                ui.add(egui::Label::new(RichText::new(&steps[k].text).size(big)).wrap());
            }
            None if running => {
                ui.label(RichText::new("Demo: starting…").size(big));
            }
            None => {}
        }
    });
    ui.horizontal(|ui| {
        let go_to_step = |app: &mut LayerscopeApp, k: usize| {
            let ts = steps.get(k).and_then(|s| s.ts_ns);
            if let (Some(ts), Some(cap)) = (ts, app.capture.clone()) {
                let first = (0..cap.len())
                    .find(|&i| cap.store.meta(i).is_some_and(|m| m.timestamp.ns >= ts));
                if let Some(i) = first {
                    app.go_to(i);
                }
            }
        };
        if let Some(k) = k {
            if ui
                .add_enabled(k > 0, egui::Button::new("◀ Step before"))
                .clicked()
            {
                go_to_step(app, k - 1);
            }
            if ui
                .add_enabled(k + 1 < steps.len(), egui::Button::new("Step after ▶"))
                .clicked()
            {
                go_to_step(app, k + 1);
            }
        }
        if running {
            if teacher {
                if ui
                    .button("Start next step ▶")
                    .on_hover_text(
                        "The demo waits for you: → or PageDown (a clicker) starts its next step",
                    )
                    .clicked()
                {
                    app.demo_next_step();
                }
            } else if ui
                .button(if paused { "Resume demo" } else { "Pause demo" })
                .on_hover_text("Hold the demo before its next step (Space)")
                .clicked()
            {
                app.toggle_demo_pause();
            }
            let mut t = teacher;
            if ui
                .checkbox(&mut t, "Teacher steps")
                .on_hover_text("Each step waits for → or PageDown")
                .changed()
            {
                app.set_demo_teacher_steps(t);
            }
        }
    });
    if let Some(lan) = app.live.session.as_ref().and_then(|s| s.lan_status()) {
        lan_row(app, ui, &lan, running);
        if app.live.show_qr && !lan.urls.is_empty() {
            join_window(app, ui.ctx(), &lan.urls);
        }
    }
}

/// `--listen-lan`: the students' side of the door, for the teacher: the join code, who is
/// connected, what was refused, and the switches (pause joins, kick an address).
fn lan_row(
    app: &mut LayerscopeApp,
    ui: &mut egui::Ui,
    lan: &crate::demo::LanStatus,
    running: bool,
) {
    ui.horizontal_wrapped(|ui| {
        if let Some(code) = &lan.join_code {
            let big = ui.text_style_height(&egui::TextStyle::Body) * 1.25;
            ui.label(RichText::new(format!("Join code: {code}")).size(big).strong());
        }
        ui.label(format!("Students: {}", lan.describe()));
        if !running {
            return;
        }
        if ui
            .button(if lan.paused {
                "Let students join"
            } else {
                "Pause joins"
            })
            .on_hover_text("New connections from other computers are refused while joins are paused; those already in stay")
            .clicked()
        {
            app.demo_lan_command(if lan.paused {
                "resume-joins"
            } else {
                "pause-joins"
            });
        }
        if !lan.urls.is_empty()
            && ui
                .add(egui::Button::new("Address + QR").selected(app.live.show_qr))
                .on_hover_text("Show the address students open, large, with a QR code their phones can scan")
                .clicked()
        {
            app.live.show_qr = !app.live.show_qr;
        }
        if !lan.clients.is_empty() || !lan.banned.is_empty() {
            ui.menu_button("Kick…", |ui| {
                for (addr, n) in &lan.clients {
                    if ui
                        .button(format!("Kick {addr} ({})", crate::model::count(*n, "connection")))
                        .clicked()
                    {
                        app.demo_lan_command(&format!("kick {addr}"));
                        ui.close();
                    }
                }
                for addr in &lan.banned {
                    if ui.button(format!("Let {addr} back in")).clicked() {
                        app.demo_lan_command(&format!("admit {addr}"));
                        ui.close();
                    }
                }
            });
        }
    });
}

/// The students' address as a window of its own for the projector: the address in large
/// type, its QR code, and the other addresses of this computer.
fn join_window(app: &mut LayerscopeApp, ctx: &egui::Context, urls: &[String]) {
    let mut open = app.live.show_qr;
    egui::Window::new("Students join here")
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .pivot(egui::Align2::CENTER_CENTER)
        .default_pos(ctx.content_rect().center())
        .show(ctx, |ui| join_contents(ui, urls));
    app.live.show_qr = open;
}

/// What the join window shows (see [`join_window`]).
pub fn join_contents(ui: &mut egui::Ui, urls: &[String]) {
    let Some(first) = urls.first() else { return };
    let body = ui.text_style_height(&egui::TextStyle::Body);
    ui.label(RichText::new(first).size(body * 1.5).strong());
    let screen = ui.ctx().content_rect();
    if let Some(qr) = crate::demo::qr::Qr::encode(first) {
        let side = (screen.height() * 0.55)
            .min(screen.width() * 0.45)
            .max(120.0);
        qr_code(ui, &qr, side, first);
    }
    for u in &urls[1..] {
        ui.label(format!("or {u}"));
    }
    ui.label(
        "Scan it with a phone's camera, or type the address into a browser on the same network.",
    );
}

/// A QR code, black on white with its quiet zone, about `side` points square (whole points
/// per module, so the modules stay sharp).
pub fn qr_code(
    ui: &mut egui::Ui,
    qr: &crate::demo::qr::Qr,
    side: f32,
    text: &str,
) -> egui::Response {
    use crate::demo::qr::QUIET;
    let n = qr.width + 2 * QUIET;
    let module = (side / n as f32).floor().max(2.0);
    let (rect, resp) = ui.allocate_exact_size(Vec2::splat(module * n as f32), Sense::hover());
    let painter = ui.painter_at(rect);
    let min = egui::emath::GuiRounding::round_to_pixels(rect.min, ui.pixels_per_point());
    painter.rect_filled(rect, 0.0, Color32::WHITE);
    for y in 0..qr.width {
        // Runs of dark modules as one rectangle each.
        let mut x = 0;
        while x < qr.width {
            if !qr.dark(x, y) {
                x += 1;
                continue;
            }
            let start = x;
            while x < qr.width && qr.dark(x, y) {
                x += 1;
            }
            let at = min + Vec2::new((start + QUIET) as f32, (y + QUIET) as f32) * module;
            painter.rect_filled(
                egui::Rect::from_min_size(at, Vec2::new((x - start) as f32, 1.0) * module),
                0.0,
                Color32::BLACK,
            );
        }
    }
    let label = format!("QR code of {text}");
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &label));
    resp
}

/// The selected packet's sentence: large when the class is watching (presenter layout,
/// classroom text size, replay), at most a few lines, the rest scrolls.
fn sentence(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let Some(p) = &app.detail else { return };
    let text = plain(&p.sentence);
    if text.is_empty() {
        return;
    }
    let body = ui.text_style_height(&egui::TextStyle::Body);
    let compact = super::layers::compact(ui);
    let large = app.settings.presenter || app.replay.active || app.settings.font_scale > 1.4;
    // Already 2x on a projector: the body size is large; bigger only where there is room.
    let size = if app.settings.presenter {
        body * if compact { 1.25 } else { 1.5 }
    } else if large && !compact {
        body * 1.2
    } else {
        body
    };
    let lines = if compact {
        if app.settings.presenter {
            3.0
        } else {
            2.0
        }
    } else {
        4.0
    };
    let r = egui::Panel::top("sentence")
        .resizable(false)
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("sentence-scroll")
                // Whole lines only: a line cut in half is a clipped word.
                .max_height({
                    let font = egui::FontId::proportional(size);
                    let row = ui.fonts_mut(|f| f.row_height(&font));
                    row * lines + ui.spacing().item_spacing.y
                })
                .show(ui, |ui| {
                    let t = RichText::new(text).size(size);
                    ui.add(egui::Label::new(if large { t } else { t.italics() }).wrap());
                });
        });
    app.pane_at(Pane::Sentence, r.response.rect);
}
