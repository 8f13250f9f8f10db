//! The views. Every view reads the same model (`Packet`, `Layer`, `Field`) and writes only
//! the selection, so selecting in one selects everywhere.

use super::{glossary, LayerscopeApp, Tab, Theme};
use crate::model::{osi_name, tcpip_name, Layer, Osi, Packet, Protocol, TcpIp};
use eframe::egui;
use egui::{Align2, Color32, FontId, RichText, Sense, Stroke, Vec2};
use egui_extras::{Column, TableBuilder};

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
            ui.selectable_value(&mut app.tab, Tab::Glossary, "Glossary");
        });
        ui.separator();
        match app.tab {
            Tab::Details => details(app, ui),
            Tab::Ladder => ladder(app, ui),
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
                    ui.label(p.source.to_string());
                });
                row.col(|ui| {
                    ui.label(p.destination.to_string());
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

/// Why an OSI row has no header of its own in this packet.
fn empty_row_reason(osi: Osi, p: &Packet) -> String {
    let has = |pr: Protocol| p.layers.iter().any(|l| l.protocol == pr);
    match osi {
        Osi::Application => "No application data in this packet: it only carries control information of the layers below.".into(),
        Osi::Presentation => {
            if has(Protocol::WebSocket) {
                "No separate encoding here: the WebSocket payload is plain text or bytes (no compression).".into()
            } else {
                "No separate protocol here: data is used as it arrives; encoding (text, JSON, compression) is left to the application.".into()
            }
        }
        Osi::Session => {
            if has(Protocol::Tcp) {
                "Session: no separate protocol here; the TCP connection (and, above it, a WebSocket or Engine.IO session) plays this role.".into()
            } else {
                "Session: no separate protocol here; UDP keeps no session at all.".into()
            }
        }
        Osi::Transport => "No transport header: this packet is not TCP or UDP (or was cut before it).".into(),
        Osi::Network => "No network header: this frame does not carry IP.".into(),
        Osi::DataLink => "No link header in this capture (raw IP).".into(),
        Osi::Physical => String::new(),
    }
}

fn key_fields(l: &Layer) -> String {
    let want: &[&str] = match l.protocol {
        Protocol::Frame => &["frame.len", "frame.time_epoch", "frame.interface_id"],
        Protocol::Ethernet => &["eth.src", "eth.dst", "eth.type"],
        Protocol::Ipv4 => &["ip.src", "ip.dst", "ip.ttl"],
        Protocol::Ipv6 => &["ipv6.src", "ipv6.dst", "ipv6.hlim"],
        Protocol::Tcp => &[
            "tcp.srcport",
            "tcp.dstport",
            "tcp.flags",
            "tcp.seq",
            "tcp.ack",
        ],
        Protocol::Udp => &["udp.srcport", "udp.dstport", "udp.length"],
        Protocol::Http => &[
            "http.request.method",
            "http.request.uri",
            "http.response.code",
        ],
        Protocol::WebSocket => &[
            "websocket.opcode",
            "websocket.fin",
            "websocket.mask",
            "websocket.payload.text",
        ],
        Protocol::EngineIo => &["engineio.type"],
        Protocol::SocketIo => &[
            "socketio.type",
            "socketio.namespace",
            "socketio.event",
            "socketio.ack_id",
        ],
        Protocol::Dns => &["dns.qry.name", "dns.a", "dns.flags.response"],
        _ => &[],
    };
    want.iter()
        .filter_map(|n| {
            l.field(n)
                .map(|f| format!("{}: {}", f.def.label, f.display()))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The signature view: OSI 7..1 beside TCP/IP, the packet's headers in their rows.
pub fn layer_stack(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    ui.heading("Layers: OSI beside TCP/IP");
    let Some(p) = app.detail.clone() else {
        ui.label("Select a packet.");
        return;
    };
    egui::Grid::new("layer-stack-grid").striped(true).num_columns(3).show(ui, |ui| {
        ui.strong("OSI");
        ui.strong("TCP/IP");
        ui.strong("In this packet");
        ui.end_row();
        for osi in Osi::ALL.iter().rev() {
            let n = osi.number();
            let tcpip = TcpIp::ALL.iter().copied().find(|t| t.osi_span().contains(&n)).unwrap_or(TcpIp::Application);
            ui.label(format!("{n} {}", osi_name(n)));
            let span = tcpip.osi_span();
            // A bracket: the TCP/IP layer's name on its top OSI row, a bar on the others.
            let text = if n == *span.end() {
                format!("[ {} (OSI {}-{})", tcpip_name(tcpip), span.start(), span.end())
            } else {
                "|".to_string()
            };
            ui.label(RichText::new(text).color(tcpip_color(tcpip))).on_hover_text(format!(
                "The TCP/IP {} layer covers OSI {}-{}",
                tcpip_name(tcpip),
                span.start(),
                span.end()
            ));
            let here: Vec<(usize, &Layer)> = p.layers.iter().enumerate().filter(|(_, l)| l.osi() == *osi).collect();
            ui.vertical(|ui| {
                if here.is_empty() {
                    ui.label(RichText::new(empty_row_reason(*osi, &p)).italics().weak());
                }
                for (li, l) in here {
                    let text = if l.protocol == Protocol::Frame {
                        format!(
                            "Frame: {} bytes on the wire, {} captured, interface {} · A capture cannot see signals or cables: only when and how much arrived.",
                            p.meta.wirelen, p.meta.caplen, p.meta.interface
                        )
                    } else {
                        plain(&format!("{}: {}", l.protocol.short_name(), key_fields(l)))
                    };
                    let r = ui.add(egui::Button::new(RichText::new(text).color(color(l.protocol))).frame(false));
                    let r = r.on_hover_text(l.protocol.placement_note());
                    if r.clicked() {
                        app.selected_field = (!l.fields.is_empty()).then_some((li, 0));
                        app.tab = Tab::Details;
                    }
                }
            });
            ui.end_row();
        }
    });
}

/// The frame as coloured byte bands, widths proportional to bytes.
pub fn encapsulation_strip(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    ui.heading("Encapsulation");
    let Some(p) = &app.detail else { return };
    let total = p.meta.caplen.max(1) as f32;
    let width = ui.available_width().max(100.0);
    // Headers one after another on the first row; what is carried inside a payload (Engine.IO
    // and Socket.IO inside a WebSocket frame) on the rows below, under the bytes it occupies.
    let bands: Vec<&Layer> = p
        .layers
        .iter()
        .skip(1)
        .filter(|l| l.reassembled.is_none() && l.length > 0)
        .collect();
    let mut rows: Vec<Vec<&Layer>> = vec![Vec::new()];
    let mut covered = 0u32;
    for l in &bands {
        if l.offset >= covered {
            rows[0].push(l);
            covered = l.offset + l.length;
        } else {
            let depth = rows
                .iter()
                .skip(1)
                .position(|r| r.iter().all(|o| o.offset + o.length <= l.offset))
                .map_or(rows.len(), |d| d + 1);
            if depth == rows.len() {
                rows.push(Vec::new());
            }
            rows[depth].push(l);
        }
    }
    let row_h = 36.0;
    let (rect, _) =
        ui.allocate_exact_size(Vec2::new(width, row_h * rows.len() as f32), Sense::hover());
    let painter = ui.painter_at(rect);
    for (k, row) in rows.iter().enumerate() {
        for l in row {
            let x0 = rect.left() + l.offset as f32 / total * width;
            let w = (l.length as f32 / total * width).max(2.0);
            let r = egui::Rect::from_min_size(
                egui::pos2(x0, rect.top() + row_h * k as f32),
                Vec2::new(w, row_h - 2.0),
            );
            painter.rect_filled(r, 2.0, color(l.protocol));
            painter.rect_stroke(
                r,
                2.0,
                Stroke::new(1.0, Color32::BLACK),
                egui::StrokeKind::Inside,
            );
            let label = format!("{} {} B", l.protocol.short_name(), l.length);
            if w > 40.0 {
                painter.text(
                    r.center(),
                    Align2::CENTER_CENTER,
                    label,
                    FontId::proportional(12.0),
                    Color32::BLACK,
                );
            }
        }
    }
    let sizes: Vec<String> = bands
        .iter()
        .map(|l| format!("{} {} B", l.protocol.short_name(), l.length))
        .collect();
    ui.label(sizes.join(" | "));
}

fn details(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let Some(p) = app.detail.clone() else {
        ui.label("Select a packet.");
        return;
    };
    let Some(cap) = app.capture.clone() else {
        return;
    };
    let data: Vec<u8> = app
        .selected
        .and_then(|i| cap.store.data(i))
        .map(|d| d.to_vec())
        .unwrap_or_default();
    egui::Panel::right("hex-panel")
        .resizable(true)
        .default_size(560.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical().id_salt("hex").show(ui, |ui| {
                hex_pane(app, ui, &p, &data);
                reassembled_pane(app, ui, &p);
            });
        });
    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::vertical()
            .id_salt("tree")
            .show(ui, |ui| field_tree(app, ui, &p));
    });
}

fn field_tree(app: &mut LayerscopeApp, ui: &mut egui::Ui, p: &Packet) {
    for n in &p.notes {
        ui.colored_label(
            Color32::from_rgb(240, 170, 60),
            format!("{:?}: {}", n.severity, n.text),
        );
    }
    for (li, l) in p.layers.iter().enumerate() {
        let title = format!(
            "{} — OSI {} ({}), TCP/IP {}",
            l.protocol.long_name(),
            l.osi().number(),
            osi_name(l.osi().number()),
            tcpip_name(l.tcpip())
        );
        egui::CollapsingHeader::new(RichText::new(title).color(color(l.protocol)))
            .id_salt(("layer", li))
            .default_open(l.osi() >= Osi::Transport)
            .show(ui, |ui| {
                for (fi, f) in l.fields.iter().enumerate() {
                    let selected = app.selected_field == Some((li, fi));
                    let text = plain(&format!(
                        "{}{} = {}",
                        "    ".repeat(f.depth as usize),
                        f.def.label,
                        f.display()
                    ));
                    let r = ui.selectable_label(selected, text);
                    let r = r.on_hover_text(format!(
                        "{}\n{}\nbytes {}..{}{}",
                        f.def.name,
                        f.def.explain,
                        f.offset,
                        f.offset + f.length,
                        f.bitmask
                            .map_or(String::new(), |b| format!(", bits 0x{b:x}"))
                    ));
                    if r.clicked() {
                        app.selected_field = Some((li, fi));
                    }
                    if f.def.name == "socketio.args" {
                        super::json_tree::args_tree(ui, (li, fi), &f.display());
                    }
                }
            });
    }
}

/// Which field (layer, index) covers byte `b` of the frame most specifically.
pub fn field_at(p: &Packet, b: usize) -> Option<(usize, usize)> {
    let mut best: Option<((usize, usize), u32)> = None;
    for (li, l) in p.layers.iter().enumerate().skip(1) {
        if l.reassembled.is_some() {
            continue;
        }
        for (fi, f) in l.fields.iter().enumerate() {
            if f.length > 0 && f.range().contains(&b) && best.is_none_or(|(_, len)| f.length <= len)
            {
                best = Some(((li, fi), f.length));
            }
        }
    }
    best.map(|b| b.0)
}

/// The byte range the selection highlights (frame bytes only).
pub fn highlighted(app: &LayerscopeApp, p: &Packet) -> Option<std::ops::Range<usize>> {
    let (li, fi) = app.selected_field?;
    let l = p.layers.get(li)?;
    if l.reassembled.is_some() {
        return None;
    }
    let f = l.fields.get(fi)?;
    Some(if f.length == 0 { l.range() } else { f.range() })
}

fn hex_pane(app: &mut LayerscopeApp, ui: &mut egui::Ui, p: &Packet, data: &[u8]) {
    ui.strong("Bytes of the frame");
    let owner = crate::output::byte_owners(p, data.len());
    let hi = highlighted(app, p);
    let clicked = hex_rows(
        ui,
        data,
        usize::MAX,
        |idx| {
            owner
                .get(idx)
                .copied()
                .flatten()
                .and_then(|li| p.layers.get(li))
                .map_or(Color32::GRAY, |l| color(l.protocol))
        },
        hi,
        true,
    );
    if let Some(b) = clicked {
        app.select_byte(b);
    }
}

fn reassembled_pane(app: &mut LayerscopeApp, ui: &mut egui::Ui, p: &Packet) {
    let mut seen = Vec::new();
    for (li, l) in p.layers.iter().enumerate() {
        let Some(r) = &l.reassembled else { continue };
        if seen.contains(&r.bytes.as_ptr()) {
            continue;
        }
        seen.push(r.bytes.as_ptr());
        ui.separator();
        let from: Vec<String> = r.segments.iter().map(|s| s.packet.to_string()).collect();
        ui.strong(format!(
            "{} — {} bytes, from packets {}",
            r.what,
            r.bytes.len(),
            from.join(", ")
        ));
        let hi = app
            .selected_field
            .filter(|(sl, _)| *sl == li)
            .and_then(|(_, fi)| l.fields.get(fi))
            .map(|f| f.range());
        hex_rows(ui, &r.bytes, 256, |_| color(l.protocol), hi, false);
    }
}

/// Hex rows (offset, 16 bytes, ASCII) of at most `max_rows` lines: each byte coloured by
/// `byte_color`, the `hi` range highlighted; with `clickable`, the byte clicked is returned.
fn hex_rows(
    ui: &mut egui::Ui,
    bytes: &[u8],
    max_rows: usize,
    byte_color: impl Fn(usize) -> Color32,
    hi: Option<std::ops::Range<usize>>,
    clickable: bool,
) -> Option<usize> {
    let mut clicked = None;
    let font = FontId::monospace(13.0);
    for (row, chunk) in bytes.chunks(16).take(max_rows).enumerate() {
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 3.0;
            ui.label(
                RichText::new(format!("{:04x}", row * 16))
                    .font(font.clone())
                    .weak(),
            );
            for (k, b) in chunk.iter().enumerate() {
                let idx = row * 16 + k;
                let mut t = RichText::new(format!("{b:02x}"))
                    .font(font.clone())
                    .color(byte_color(idx));
                if hi.as_ref().is_some_and(|h| h.contains(&idx)) {
                    t = t
                        .background_color(Color32::from_rgb(60, 60, 160))
                        .color(Color32::WHITE);
                }
                if clickable {
                    if ui.add(egui::Label::new(t).sense(Sense::click())).clicked() {
                        clicked = Some(idx);
                    }
                } else {
                    ui.label(t);
                }
            }
            let mut ascii = String::with_capacity(16);
            crate::output::push_ascii(&mut ascii, chunk);
            ui.label(RichText::new(ascii).font(font.clone()).weak());
        });
    }
    clicked
}

fn ladder(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let (Some(cap), Some(sel)) = (app.capture.clone(), app.selected) else {
        ui.label("Select a packet of a TCP or UDP conversation.");
        return;
    };
    let Some(ci) = cap.flows.conversation_index(sel) else {
        ui.label("This packet belongs to no TCP or UDP conversation.");
        return;
    };
    ui.checkbox(
        &mut app.fan_out,
        "Socket.IO view: the server and every client at once (shows broadcasts fanning out)",
    );
    if app.fan_out {
        fan_out(app, ui, &cap, sel);
        return;
    }
    let conv = &cap.flows.conversations[ci];
    ui.label(format!(
        "{} stream {}: client {} <-> server {} - {}",
        conv.proto_name(),
        conv.stream,
        conv.client,
        conv.server,
        conv.state.describe()
    ));
    let first = conv.first_packet.saturating_sub(1) as usize;
    let last = (conv.last_packet as usize).min(cap.len());
    let packets: Vec<usize> = (first..last)
        .filter(|&i| cap.flows.conversation_index(i) == Some(ci))
        .take(400)
        .collect();
    let row_h = 26.0;
    egui::ScrollArea::both().id_salt("ladder").show(ui, |ui| {
        let width = ui.available_width().max(500.0);
        let (rect, _) = ui.allocate_exact_size(
            Vec2::new(width, 40.0 + row_h * packets.len() as f32),
            Sense::hover(),
        );
        let painter = ui.painter_at(rect);
        let left = rect.left() + 150.0;
        let right = rect.right() - 60.0;
        let text_color = ui.visuals().text_color();
        lifeline(&painter, rect, left, "Client", 14.0, text_color);
        lifeline(&painter, rect, right, "Server", 14.0, text_color);
        let mut last_phase = "";
        let mut clicked = None;
        for (k, &i) in packets.iter().enumerate() {
            let Some(p) = cap.row(i) else { continue };
            let dir = cap.flows.facts(i).map_or(0, |f| f.dir);
            let y = rect.top() + 34.0 + row_h * k as f32;
            let (a, b) = if dir == 0 {
                (left, right)
            } else {
                (right, left)
            };
            let phase = phase_of(&p, last_phase);
            if phase != last_phase {
                painter.text(
                    egui::pos2(rect.left() + 4.0, y),
                    Align2::LEFT_CENTER,
                    phase,
                    FontId::proportional(12.0),
                    Color32::from_rgb(200, 200, 120),
                );
                last_phase = phase;
            }
            let c = color(protocol_of_column(p.protocol));
            let stroke = Stroke::new(if app.selected == Some(i) { 3.0 } else { 1.5 }, c);
            let (from, to) = (egui::pos2(a, y), egui::pos2(b, y + 8.0));
            painter.line_segment([from, to], stroke);
            let back = if b > a { -10.0 } else { 10.0 };
            painter.line_segment([to, egui::pos2(b + back, y + 3.0)], stroke);
            painter.line_segment([to, egui::pos2(b + back, y + 11.0)], stroke);
            let mid = egui::pos2((a + b) / 2.0, y - 7.0);
            let label = short_label(&p);
            painter.text(
                mid,
                Align2::CENTER_CENTER,
                plain(&format!("#{} {label}", p.meta.number)),
                FontId::proportional(12.0),
                text_color,
            );
            let hit = egui::Rect::from_min_max(
                egui::pos2(left.min(right), y - 12.0),
                egui::pos2(left.max(right), y + 10.0),
            );
            let resp = ui.interact(hit, ui.scope_id().with(("arrow", i)), Sense::click());
            if resp.clicked() {
                clicked = Some(i);
            }
        }
        if let Some(i) = clicked {
            app.select(i);
        }
    });
}

/// Socket.IO traffic of every client around the selected packet: one lane for the server,
/// one per client connection, so a broadcast shows as one arrow per client.
fn fan_out(app: &mut LayerscopeApp, ui: &mut egui::Ui, cap: &crate::engine::Capture, sel: usize) {
    // One lane per client: per Engine.IO session (polling and WebSocket of one client share
    // it), else per connection.
    let lane_key = |c: usize| {
        cap.app
            .session_of(c as u32)
            .map_or(format!("conn {c}"), str::to_string)
    };
    let mut lanes: Vec<(String, u16)> = Vec::new();
    let mut convs: Vec<usize> = Vec::new();
    for m in cap.app.messages.records() {
        let c = m.conv as usize;
        if m.has_eio() && !convs.contains(&c) {
            convs.push(c);
            let key = lane_key(c);
            if !lanes.iter().any(|(k, _)| *k == key) {
                lanes.push((key, cap.flows.conversations[c].client.port));
            }
        }
    }
    if convs.is_empty() {
        ui.label("No Socket.IO traffic in this capture.");
        return;
    }
    let t0 = cap.store.meta(sel).map_or(0, |m| m.timestamp.ns);
    let window = 1_000_000_000;
    let mut lo = sel;
    while lo > 0
        && cap
            .store
            .meta(lo - 1)
            .is_some_and(|m| t0 - m.timestamp.ns < window)
    {
        lo -= 1;
    }
    let mut hi = sel;
    while hi + 1 < cap.len()
        && cap
            .store
            .meta(hi + 1)
            .is_some_and(|m| m.timestamp.ns - t0 < window)
    {
        hi += 1;
    }
    let packets: Vec<usize> = (lo..=hi)
        .filter(|&i| {
            cap.flows
                .conversation_index(i)
                .is_some_and(|c| convs.contains(&c))
        })
        .filter(|&i| cap.row(i).is_some_and(|p| p.protocol == "Socket.IO"))
        .take(300)
        .collect();
    ui.label(format!(
        "Socket.IO packets within a second of packet {}: {} clients (Engine.IO sessions)",
        sel + 1,
        lanes.len()
    ));
    let row_h = 24.0;
    egui::ScrollArea::both().id_salt("fan-out").show(ui, |ui| {
        let width = ui.available_width().max(600.0);
        let (rect, _) = ui.allocate_exact_size(
            Vec2::new(width, 40.0 + row_h * packets.len() as f32),
            Sense::hover(),
        );
        let painter = ui.painter_at(rect);
        let text_color = ui.visuals().text_color();
        let server_x = rect.left() + 80.0;
        let lane =
            |k: usize| server_x + 140.0 + (width - 260.0) * k as f32 / lanes.len().max(1) as f32;
        lifeline(&painter, rect, server_x, "Server", 14.0, text_color);
        for (k, (key, port)) in lanes.iter().enumerate() {
            let x = lane(k);
            let name: String = if key.starts_with("conn ") {
                format!(":{port}")
            } else {
                key.chars().take(8).collect()
            };
            lifeline(
                &painter,
                rect,
                x,
                &format!("client {name}"),
                13.0,
                text_color,
            );
        }
        let mut clicked = None;
        for (r, &i) in packets.iter().enumerate() {
            let (Some(p), Some(f), Some(c)) = (
                cap.row(i),
                cap.flows.facts(i),
                cap.flows.conversation_index(i),
            ) else {
                continue;
            };
            let key = lane_key(c);
            let Some(k) = lanes.iter().position(|(x, _)| *x == key) else {
                continue;
            };
            let y = rect.top() + 34.0 + row_h * r as f32;
            let (a, b) = if f.dir == 0 {
                (lane(k), server_x)
            } else {
                (server_x, lane(k))
            };
            let stroke = Stroke::new(
                if app.selected == Some(i) { 3.0 } else { 1.5 },
                color(Protocol::SocketIo),
            );
            let to = egui::pos2(b, y + 6.0);
            painter.line_segment([egui::pos2(a, y), to], stroke);
            let back = if b > a { -10.0 } else { 10.0 };
            painter.line_segment([to, egui::pos2(b + back, y + 1.0)], stroke);
            painter.line_segment([to, egui::pos2(b + back, y + 9.0)], stroke);
            let label: String = plain(&p.summary)
                .replace("WebSocket Text [FIN] [MASKED], ", "")
                .replace("WebSocket Text [FIN], ", "")
                .chars()
                .take(60)
                .collect();
            // Centred over its arrow, but kept inside the diagram: an arrow to the nearest
            // client is short and its label would otherwise run off the left edge.
            let galley = painter.layout_no_wrap(
                format!("#{} {label}", p.meta.number),
                FontId::proportional(11.0),
                text_color,
            );
            let w = galley.size().x;
            let left = ((a + b - w) / 2.0)
                .min(rect.right() - w - 2.0)
                .max(rect.left() + 2.0);
            painter.galley(
                egui::pos2(left, y - 6.0 - galley.size().y / 2.0),
                galley,
                text_color,
            );
            let hit = egui::Rect::from_min_max(
                egui::pos2(a.min(b), y - 10.0),
                egui::pos2(a.max(b), y + 10.0),
            );
            if ui
                .interact(hit, ui.scope_id().with(("fan", i)), Sense::click())
                .clicked()
            {
                clicked = Some(i);
            }
        }
        if let Some(i) = clicked {
            app.select(i);
        }
    });
}

/// The phase a packet starts (bare acknowledgements continue the current one).
fn phase_of(p: &Packet, current: &'static str) -> &'static str {
    let t = p.transport;
    if t.is_some_and(|t| t.proto == 6 && t.syn()) {
        return "opening";
    }
    if t.is_some_and(|t| t.fin() || t.rst()) || p.summary.contains("Connection Close") {
        return "closing";
    }
    if super::is_bare_ack(p) {
        return current;
    }
    if current == "closing" {
        return current;
    }
    if p.protocol == "HTTP" && current != "messages" {
        return "upgrade";
    }
    "messages"
}

fn short_label(p: &Packet) -> String {
    let s = &p.summary;
    let s = match s.find(" [") {
        Some(i) if p.protocol == "TCP" => {
            let flags = s[i + 2..].split(']').next().unwrap_or("");
            let seq = s
                .split("Seq=")
                .nth(1)
                .and_then(|x| x.split(' ').next())
                .unwrap_or("");
            let ack = s.split("Ack=").nth(1).and_then(|x| x.split(' ').next());
            match ack {
                Some(a) => format!("{flags} seq={seq} ack={a}"),
                None => format!("{flags} seq={seq}"),
            }
        }
        _ => s.clone(),
    };
    s.chars().take(70).collect()
}

fn glossary_view(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let cap = app.capture.clone();
    egui::ScrollArea::vertical()
        .id_salt("glossary")
        .show(ui, |ui| {
            if let Some(r) = &app.glossary_result {
                ui.colored_label(Color32::from_rgb(200, 200, 120), r);
            }
            for t in glossary::TERMS {
                ui.horizontal_wrapped(|ui| {
                    ui.strong(t.name);
                    ui.label(t.definition);
                });
                let found = cap.as_ref().and_then(|c| glossary::show_me(c, t.name));
                let button = ui.add_enabled(
                    found.is_some(),
                    egui::Button::new(format!("Show me: {}", t.name)),
                );
                let button = if found.is_none() {
                    button.on_disabled_hover_text(format!("This capture has no {}.", t.looks_for))
                } else {
                    button
                };
                if found.is_none() {
                    ui.label(
                        RichText::new(format!("(not in this capture: it has no {})", t.looks_for))
                            .weak(),
                    );
                }
                if button.clicked() {
                    if let Some(i) = found {
                        app.replay = Default::default();
                        app.filter_text.clear();
                        app.apply_filter();
                        app.select(i);
                        app.glossary_result =
                            Some(format!("{}: packet {} shows it.", t.name, i + 1));
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

/// One actor of a ladder diagram: its name on top and its vertical time line below.
/// The larger label size marks a main actor (client/server) and gets a thicker line.
fn lifeline(
    painter: &egui::Painter,
    rect: egui::Rect,
    x: f32,
    label: &str,
    size: f32,
    color: Color32,
) {
    painter.text(
        egui::pos2(x, rect.top() + 10.0),
        Align2::CENTER_CENTER,
        label,
        FontId::proportional(size),
        color,
    );
    let width = if size >= 14.0 { 2.0 } else { 1.0 };
    painter.line_segment(
        [
            egui::pos2(x, rect.top() + 20.0),
            egui::pos2(x, rect.bottom()),
        ],
        Stroke::new(width, Color32::GRAY),
    );
}
