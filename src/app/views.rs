//! The views. Every view reads the same model (`Packet`, `Layer`, `Field`) and writes only
//! the selection, so selecting in one selects everywhere.

use super::{glossary, LayerscopeApp, Tab, Theme};
use crate::model::{osi_name, tcpip_name, Layer, Osi, Packet, Protocol, TcpIp};
use eframe::egui;
use egui::{Color32, FontId, RichText, Sense, Stroke, Vec2};
use egui_extras::{Column, TableBuilder};

mod bytes;
mod ladder;
mod layers;
mod sockets;

use bytes::details;
pub use bytes::{field_at, highlighted};
use ladder::ladder;
pub use layers::{encapsulation_strip, layer_stack};

fn tcpip_color(t: TcpIp) -> Color32 {
    match t {
        TcpIp::Link => Color32::from_rgb(90, 140, 220),
        TcpIp::Internet => Color32::from_rgb(80, 180, 120),
        TcpIp::Transport => Color32::from_rgb(230, 150, 60),
        TcpIp::Application => Color32::from_rgb(230, 90, 140),
    }
}

/// The default fonts have no arrow glyph: draw "->" where the text has "→".
pub fn plain(s: &str) -> String {
    s.replace('→', "->")
        .replace('⇄', "<->")
        .replace('…', "...")
        .replace(['·', '−'], "-")
}

/// Colour of a protocol, shared by the list, the strip and the hex pane.
pub fn color(p: Protocol) -> Color32 {
    match p {
        Protocol::Frame => Color32::from_rgb(120, 120, 120),
        Protocol::Ethernet | Protocol::Vlan | Protocol::Sll | Protocol::Sll2 | Protocol::Null => {
            Color32::from_rgb(90, 140, 220)
        }
        Protocol::Arp => Color32::from_rgb(200, 200, 90),
        Protocol::Ipv4 | Protocol::Ipv6 => Color32::from_rgb(80, 180, 120),
        Protocol::Icmp | Protocol::Icmpv6 | Protocol::Igmp => Color32::from_rgb(180, 140, 220),
        Protocol::Tcp => Color32::from_rgb(230, 150, 60),
        Protocol::Udp => Color32::from_rgb(60, 190, 200),
        Protocol::Http => Color32::from_rgb(120, 200, 60),
        Protocol::WebSocket => Color32::from_rgb(230, 90, 140),
        Protocol::EngineIo => Color32::from_rgb(170, 110, 230),
        Protocol::SocketIo => Color32::from_rgb(240, 200, 40),
        Protocol::Dns => Color32::from_rgb(100, 160, 250),
        Protocol::Data => Color32::from_rgb(160, 160, 160),
    }
}

fn protocol_of_column(name: &str) -> Protocol {
    match name {
        "TCP" => Protocol::Tcp,
        "UDP" => Protocol::Udp,
        "HTTP" => Protocol::Http,
        "WebSocket" => Protocol::WebSocket,
        "Socket.IO" => Protocol::SocketIo,
        "Engine.IO" => Protocol::EngineIo,
        "DNS" => Protocol::Dns,
        "ARP" => Protocol::Arp,
        "ICMP" => Protocol::Icmp,
        "ICMPv6" => Protocol::Icmpv6,
        "IPv4" | "IP" => Protocol::Ipv4,
        "IPv6" => Protocol::Ipv6,
        _ => Protocol::Ethernet,
    }
}

pub fn top_bar(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    egui::Panel::top("toolbar").show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            if ui
                .button("Open…")
                .on_hover_text("Open a pcap or pcapng file (Ctrl+O)")
                .clicked()
            {
                let ctx = ui.ctx().clone();
                app.open_dialog(&ctx);
            }
            ui.menu_button("Recent", |ui| {
                let recent = app.settings.recent.clone();
                if recent.is_empty() {
                    ui.label("No recent files");
                }
                for r in recent {
                    if ui.button(&r).clicked() {
                        let ctx = ui.ctx().clone();
                        app.open(std::path::Path::new(&r), Some(&ctx));
                        ui.close();
                    }
                }
            });
            if ui
                .button("Live & demos")
                .on_hover_text("Capture live traffic, or run a built-in classroom demo (L)")
                .clicked()
            {
                app.live.open = !app.live.open;
            }
            ui.separator();
            ui.label(RichText::new(&app.file_name).strong());
            if let Some(s) = &app.live.session {
                if !s.ended {
                    ui.colored_label(
                        Color32::from_rgb(230, 70, 70),
                        RichText::new("LIVE").strong(),
                    );
                    if ui
                        .button("Stop")
                        .on_hover_text("Stop the live capture or demo")
                        .clicked()
                    {
                        app.stop_live();
                    }
                }
            }
            ui.separator();
            // Replay.
            let play_label = if app.replay.playing { "Pause" } else { "Play" };
            if ui
                .button(play_label)
                .on_hover_text("Replay the capture at its own pace (Space)")
                .clicked()
            {
                app.toggle_play();
            }
            if ui
                .button("Step back")
                .on_hover_text("One packet back (←)")
                .clicked()
            {
                app.step(-1);
            }
            if ui
                .button("Step forward")
                .on_hover_text("One packet forward (→)")
                .clicked()
            {
                app.step(1);
            }
            ui.add(
                egui::Slider::new(&mut app.replay.speed, 0.1..=10.0)
                    .logarithmic(true)
                    .text("speed ×"),
            );
            if let Some(cap) = app.capture.clone() {
                if app.replay.active {
                    let mut pos = app.replay.position;
                    let r = ui.add(egui::Slider::new(&mut pos, 0..=cap.len()).text("timeline"));
                    if r.changed() {
                        let from = app.replay.position;
                        app.replay.position = pos;
                        app.replay_moved(from);
                        if pos > 0 {
                            app.select(pos - 1);
                        }
                    }
                    if ui
                        .button("Show all")
                        .on_hover_text("Leave replay: every packet listed")
                        .clicked()
                    {
                        app.replay = Default::default();
                        app.refilter();
                    }
                }
            }
            ui.separator();
            egui::ComboBox::from_label("Theme")
                .selected_text(match app.settings.theme {
                    Theme::Dark => "Dark",
                    Theme::Light => "Light",
                    Theme::HighContrast => "High contrast",
                })
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut app.settings.theme, Theme::Dark, "Dark");
                    ui.selectable_value(&mut app.settings.theme, Theme::Light, "Light");
                    ui.selectable_value(
                        &mut app.settings.theme,
                        Theme::HighContrast,
                        "High contrast",
                    );
                });
            ui.add(
                egui::Slider::new(&mut app.settings.font_scale, 1.0..=2.5).text("Text size (F2)"),
            );
            if ui
                .button("?")
                .on_hover_text("Keyboard shortcuts (?)")
                .clicked()
            {
                app.show_help = true;
            }
        });
        // Filters.
        ui.horizontal_wrapped(|ui| {
            let before = app.toggles;
            ui.label("Show:");
            ui.checkbox(&mut app.toggles.tcp, "TCP");
            ui.checkbox(&mut app.toggles.udp, "UDP");
            ui.checkbox(&mut app.toggles.http, "HTTP");
            ui.checkbox(&mut app.toggles.websocket, "WebSocket");
            ui.checkbox(&mut app.toggles.socketio, "Socket.IO");
            ui.checkbox(&mut app.toggles.dns, "DNS");
            ui.checkbox(&mut app.toggles.hide_bare_acks, "Hide bare ACKs");
            ui.checkbox(&mut app.settings.show_ports, "Ports")
                .on_hover_text("Show the port with each address (127.0.0.1:49278): on loopback every packet has the same addresses, the ports tell the sockets apart.");
            if before != app.toggles {
                app.refilter();
            }
            ui.separator();
            let edit = egui::TextEdit::singleline(&mut app.filter_text)
                .hint_text("Filter, e.g. tcp.port == 3000 && websocket")
                .desired_width(360.0);
            let r = ui.add(edit).labelled_by(ui.label("Display filter").id);
            if app.take_focus_filter() {
                r.request_focus();
            }
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button("Apply").clicked() || enter {
                app.apply_filter();
            }
            if ui.button("Clear").clicked() {
                app.filter_text.clear();
                app.apply_filter();
            }
            if let Some(e) = &app.filter_error {
                ui.colored_label(Color32::from_rgb(240, 80, 80), e);
            }
        });
        // A demo narrates its steps: the latest one, large.
        if let Some(step) = app
            .live
            .session
            .as_ref()
            .and_then(|s| s.steps().into_iter().rfind(|l| !l.starts_with('#')))
        {
            ui.label(RichText::new(format!("Demo: {step}")).size(20.0).strong());
        }
        // Lesson mode: the current packet's sentence, large.
        if let Some(p) = &app.detail {
            if app.replay.active || app.settings.font_scale > 1.4 {
                ui.label(RichText::new(plain(&p.sentence)).size(22.0));
            } else {
                ui.label(RichText::new(plain(&p.sentence)).italics());
            }
        }
    });
}

pub fn bottom_bar(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    egui::Panel::bottom("status").show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            if let Some(pr) = app.loading_progress() {
                ui.add(
                    egui::ProgressBar::new(pr)
                        .desired_width(200.0)
                        .show_percentage(),
                );
                ui.label(if app.previewing() {
                    "Loading… the first packets are already shown"
                } else {
                    "Loading…"
                });
            }
            if let Some(e) = &app.error {
                ui.colored_label(Color32::from_rgb(240, 80, 80), format!("Error: {e}"));
            }
            if let Some(w) = &app.file_warning {
                ui.colored_label(Color32::from_rgb(240, 160, 60), w);
            }
            if let Some(s) = &app.live.session {
                ui.label(s.counters().summary());
                if s.ring.evicted > 0 {
                    ui.colored_label(
                        Color32::from_rgb(240, 160, 60),
                        format!("{} oldest packets dropped (memory cap)", s.ring.evicted),
                    );
                }
            }
            if let Some(cap) = &app.capture {
                ui.label(format!(
                    "{} packets, {} shown, {} conversations",
                    cap.len(),
                    app.visible.len(),
                    cap.flows.conversations.len()
                ));
                if let Some(e) = cap.store.error() {
                    ui.colored_label(
                        Color32::from_rgb(240, 160, 60),
                        format!("File damaged: {e} (earlier packets kept)"),
                    );
                }
                for line in cap.limits_report() {
                    ui.colored_label(Color32::from_rgb(240, 160, 60), line);
                }
            }
            ui.label("Legend:");
            for p in [
                Protocol::Tcp,
                Protocol::Udp,
                Protocol::Http,
                Protocol::WebSocket,
                Protocol::EngineIo,
                Protocol::SocketIo,
                Protocol::Dns,
                Protocol::Arp,
                Protocol::Icmp,
            ] {
                ui.colored_label(color(p), p.short_name());
            }
        });
    });
}

pub fn main_area(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let h = ui.available_height();
    egui::Panel::top("packet-list")
        .resizable(true)
        .default_size(h * app.settings.list_fraction)
        .show(ui, |ui| {
            packet_list(app, ui);
            // Keep the panel's height while the list is short (a live capture starts empty);
            // a long list fills whatever height the user dragged the panel to.
            let want = h * app.settings.list_fraction;
            let used = ui.min_rect().height();
            if app.visible.len() < 8 && used < want {
                ui.allocate_space(egui::vec2(ui.available_width(), want - used));
            }
        });
    egui::Panel::left("layer-stack")
        .resizable(true)
        .default_size(520.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("stack-scroll")
                .show(ui, |ui| {
                    layer_stack(app, ui);
                    ui.add_space(8.0);
                    encapsulation_strip(app, ui);
                    // Keep the default width while nothing is selected yet (live start).
                    if app.detail.is_none() {
                        ui.set_min_width(480.0);
                    }
                });
        });
    egui::CentralPanel::default().show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.selectable_value(&mut app.tab, Tab::Details, "Fields and bytes");
            ui.selectable_value(&mut app.tab, Tab::Ladder, "Ladder diagram");
            ui.selectable_value(&mut app.tab, Tab::Sockets, "Sockets");
            ui.selectable_value(&mut app.tab, Tab::Glossary, "Glossary");
        });
        ui.separator();
        match app.tab {
            Tab::Details => details(app, ui),
            Tab::Ladder => ladder(app, ui),
            Tab::Sockets => sockets::sockets_view(app, ui),
            Tab::Glossary => glossary_view(app, ui),
        }
    });
}

fn packet_list(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let Some(cap) = app.capture.clone() else {
        ui.centered_and_justified(|ui| {
            ui.label("Open a capture (Ctrl+O) or drop a file here.");
        });
        return;
    };
    let first_ts = cap.store.meta(0).map_or(0, |m| m.timestamp.ns);
    let scroll_to = app
        .take_scroll()
        // `visible` is in packet order: a binary search, not a scan of millions of rows.
        .and_then(|i| app.visible.binary_search(&(i as u32)).ok());
    let mut clicked: Option<usize> = None;
    let mut filter_conv: Option<String> = None;
    let row_h = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
    let visible = &app.visible;
    let selected = app.selected;
    let ports = app.settings.show_ports;
    let mut table = TableBuilder::new(ui)
        .id_salt("packets")
        .striped(true)
        .sense(Sense::click())
        .column(Column::initial(60.0))
        .column(Column::initial(90.0))
        .column(Column::initial(150.0))
        .column(Column::initial(150.0))
        .column(Column::initial(80.0))
        .column(Column::initial(55.0))
        .column(Column::remainder())
        .min_scrolled_height(0.0);
    if let Some(r) = scroll_to {
        table = table.scroll_to_row(r, None);
    }
    table
        .header(20.0, |mut header| {
            for t in [
                "No.",
                "Time",
                "Source",
                "Destination",
                "Protocol",
                "Length",
                "Info",
            ] {
                header.col(|ui| {
                    ui.strong(t);
                });
            }
        })
        .body(|body| {
            body.rows(row_h, visible.len(), |mut row| {
                let i = visible[row.index()] as usize;
                let Some(p) = cap.row(i) else { return };
                row.set_selected(selected == Some(i));
                let c = color(protocol_of_column(p.protocol));
                row.col(|ui| {
                    ui.painter()
                        .rect_filled(ui.max_rect(), 0.0, c.gamma_multiply(0.35));
                    ui.label(p.meta.number.to_string());
                });
                row.col(|ui| {
                    ui.label(crate::model::format_seconds(
                        p.meta.timestamp.ns - first_ts,
                        6,
                    ));
                });
                row.col(|ui| {
                    ui.add(egui::Label::new(endpoint(&p, true, ports)).truncate());
                });
                row.col(|ui| {
                    ui.add(egui::Label::new(endpoint(&p, false, ports)).truncate());
                });
                row.col(|ui| {
                    ui.colored_label(c, p.protocol);
                });
                row.col(|ui| {
                    ui.label(p.meta.wirelen.to_string());
                });
                row.col(|ui| {
                    ui.add(egui::Label::new(plain(&p.summary)).truncate());
                });
                let r = row.response();
                if r.clicked() {
                    clicked = Some(i);
                }
                r.context_menu(|ui| {
                    if let Some(f) = cap.flows.facts(i) {
                        let proto = if p.transport.is_some_and(|t| t.proto == 17) {
                            "udp"
                        } else {
                            "tcp"
                        };
                        if ui.button("Filter on this conversation").clicked() {
                            filter_conv = Some(format!("{proto}.stream == {}", f.stream));
                            ui.close();
                        }
                    }
                });
            });
        });
    if let Some(i) = clicked {
        app.select(i);
    }
    if let Some(f) = filter_conv {
        app.filter_text = f;
        app.apply_filter();
    }
}

/// A row's source or destination: the address, with the port when `ports` and the packet
/// has one ("127.0.0.1:49278", "[::1]:3000").
fn endpoint(p: &Packet, src: bool, ports: bool) -> String {
    let a = if src { &p.source } else { &p.destination };
    match p.transport {
        Some(t) if ports && (t.proto == 6 || t.proto == 17) => {
            let port = if src { t.src_port } else { t.dst_port };
            match a {
                crate::model::Address::Ipv6(_) => format!("[{a}]:{port}"),
                _ => format!("{a}:{port}"),
            }
        }
        _ => a.to_string(),
    }
}

fn glossary_view(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let found = app.glossary_found().to_vec();
    egui::ScrollArea::vertical()
        .id_salt("glossary")
        .show(ui, |ui| {
            if let Some(r) = &app.glossary_result {
                ui.add(egui::Label::new(RichText::new(r).strong()).wrap());
            }
            for (k, t) in glossary::TERMS.iter().enumerate() {
                ui.horizontal_wrapped(|ui| {
                    ui.strong(t.name);
                    ui.label(t.definition);
                });
                let f = found.get(k).cloned().flatten();
                let button = ui.add_enabled(
                    f.is_some(),
                    egui::Button::new(format!("Show me: {}", t.name)),
                );
                if f.is_none() {
                    ui.label(
                        RichText::new(format!("(not in this capture: it needs {})", t.looks_for))
                            .weak(),
                    );
                }
                if button.clicked() {
                    if let Some(f) = f {
                        app.replay = Default::default();
                        app.filter_text.clear();
                        app.apply_filter();
                        app.select(f.packet);
                        app.tab = f.tab;
                        app.fan_out = f.fan_out;
                        let mut msg = format!("{}: packet {} shows it.", t.name, f.packet + 1);
                        if let Some(n) = f.note {
                            msg = format!("{} {n}", msg);
                        }
                        app.glossary_result = Some(msg);
                    }
                }
                ui.separator();
            }
        });
}

pub fn help_window(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let mut open = app.show_help;
    egui::Window::new("Keyboard shortcuts")
        .open(&mut open)
        .show(ui.ctx(), |ui| {
            for (k, what) in [
                ("Space", "play / pause the replay"),
                ("Left / Right", "one packet back / forward"),
                ("Ctrl+O", "open a capture"),
                ("Ctrl+F", "type a display filter"),
                ("F2", "classroom text size on / off"),
                ("F11", "full screen"),
                ("L", "live capture and classroom demos"),
                ("? or F1", "this help"),
            ] {
                ui.horizontal(|ui| {
                    ui.strong(k);
                    ui.label(what);
                });
            }
        });
    app.show_help = open;
}
