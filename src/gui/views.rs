//! The views. Every view reads the same model (`Packet`, `Layer`, `Field`) and writes only
//! the selection, so selecting in one selects everywhere.

use super::{glossary, Action, LayerscopeApp, Tab};
use crate::model::{osi_name, tcpip_name, Layer, Osi, Packet, Protocol, TcpIp};
use eframe::egui;
use egui::{Color32, RichText, Sense, Stroke, Vec2};
use egui_extras::{Column, TableBuilder};

mod bytes;
mod ladder;
mod layers;
mod layout;
mod sockets;
mod status;
mod toolbar;

use bytes::details;
pub use bytes::{field_at, highlighted};
use ladder::ladder;
pub use layers::{encapsulation_strip, layer_stack};
pub use layout::main_area;
pub use status::bottom_bar;
pub use toolbar::{join_contents, run, top_bar, Act};

fn tcpip_color(t: TcpIp) -> Color32 {
    super::theme::current().tcpip(t)
}

/// Characters of one label the window lays out: a 64 KiB field value or sentence would be
/// laid out (and wrapped) on every frame; the rest is left to the hex pane and the tooltip.
pub const MAX_LABEL: usize = 2048;

/// Text as the window writes it: control and direction characters escaped (packet text
/// normally is already, see `model::text::escape`), and bounded to [`MAX_LABEL`] bytes with
/// the size of what was left out.
pub fn plain(s: &str) -> String {
    let s = crate::model::escape(s);
    if s.len() <= MAX_LABEL {
        return s.into_owned();
    }
    let head = crate::model::text::prefix(&s, MAX_LABEL);
    format!(
        "{head}… (showing {} of {} KiB)",
        MAX_LABEL >> 10,
        s.len().div_ceil(1024)
    )
}

/// Colour of a protocol's text and lines, readable on the current theme (see `theme`).
pub fn color(p: Protocol) -> Color32 {
    super::theme::current().text(p)
}

/// Colour of a protocol's filled band (black labels read on it).
pub fn fill(p: Protocol) -> Color32 {
    super::theme::current().fill(p)
}

/// Colour of a Protocol-column name (plain text colour for a name no table row claims).
fn column_color(name: &str) -> Color32 {
    Protocol::from_column(name).map_or_else(|| super::theme::current().visuals.text_color(), color)
}

/// The packet list. A click anywhere in a row selects it: the cells' labels neither select
/// text nor take the click (Wireshark's habit); long text elides, its tooltip has all of it.
pub(super) fn packet_list(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    list(app, ui, true);
}

/// The presenter's strip: the same rows, no header.
pub(super) fn packet_list_strip(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    list(app, ui, false);
}

fn list(app: &mut LayerscopeApp, ui: &mut egui::Ui, with_header: bool) {
    let Some(cap) = app.capture.clone() else {
        ui.centered_and_justified(|ui| {
            ui.label("Open a capture (Ctrl+O) or drop a file here.");
        });
        return;
    };
    ui.style_mut().interaction.selectable_labels = false;
    let first_ts = cap.store.meta(0).map_or(0, |m| m.timestamp.ns);
    let scroll_to = app
        .take_scroll()
        // `visible` is in packet order: a binary search, not a scan of millions of rows.
        .and_then(|i| app.visible.binary_search(&(i as u32)).ok());
    let mut clicked: Option<usize> = None;
    let mut filter_conv: Option<String> = None;
    let text_h = ui.text_style_height(&egui::TextStyle::Body);
    let row_h = text_h + 4.0;
    let header_h = if with_header { text_h + 4.0 } else { 0.0 };
    app.list_page = ((ui.available_height() - header_h) / row_h)
        .floor()
        .max(1.0) as usize;
    let visible = &app.visible;
    let selected = app.selected;
    let ports = app.settings.show_ports;
    // Column widths in characters of the current text size (they scale with F2). A narrow
    // window drops Time and Length so that Info keeps at least a third of the width.
    let ch = text_h * 0.55;
    let addr = if ports { 16.0 } else { 11.0 };
    let width = ui.available_width();
    // The list fills the panel it is given (and no more): the panel's size is the teacher's.
    let body_h = (ui.available_height() - header_h).max(row_h);
    let full = ch * (6.0 + 9.0 + 2.0 * addr + 9.5 + 5.5);
    let narrow = full > width * 0.66;
    let mut table = TableBuilder::new(ui)
        .id_salt("packets")
        .striped(true)
        .sense(Sense::click())
        .column(Column::initial(ch * 6.0).at_least(ch * 4.0).clip(true));
    if !narrow {
        table = table.column(Column::initial(ch * 9.0).at_least(ch * 5.0).clip(true));
    }
    table = table
        .column(Column::initial(ch * addr).at_least(ch * 6.0).clip(true))
        .column(Column::initial(ch * addr).at_least(ch * 6.0).clip(true))
        .column(Column::initial(ch * 9.5).at_least(ch * 5.0).clip(true));
    if !narrow {
        table = table.column(Column::initial(ch * 5.5).at_least(ch * 4.0).clip(true));
    }
    let mut table = table
        .column(Column::remainder().at_least(ch * 10.0).clip(true))
        .min_scrolled_height(0.0)
        .max_scroll_height(body_h)
        .auto_shrink([false, true])
        // Jump to the selected row as Wireshark does (and as a picture taken now shows it).
        .animate_scrolling(false);
    if let Some(r) = scroll_to {
        table = table.scroll_to_row(r, None);
    }
    let cell = |ui: &mut egui::Ui, t: RichText| {
        ui.add(egui::Label::new(t).truncate().selectable(false));
    };
    let headers = |mut header: egui_extras::TableRow<'_, '_>| {
        for t in [
            "No.",
            "Time",
            "Source",
            "Destination",
            "Protocol",
            "Length",
            "Info",
        ] {
            if narrow && (t == "Time" || t == "Length") {
                continue;
            }
            header.col(|ui| {
                ui.add(egui::Label::new(RichText::new(t).strong()).truncate());
            });
        }
    };
    let body = |body: egui_extras::TableBody<'_>| {
        body.rows(row_h, visible.len(), |mut row| {
            let i = visible[row.index()] as usize;
            let Some(p) = cap.row(i) else { return };
            row.set_selected(selected == Some(i));
            let c = column_color(p.protocol);
            row.col(|ui| {
                // The protocol's colour as a bar, the number in the body colour: both
                // readable on every row background.
                let r = ui.max_rect();
                ui.painter().rect_filled(
                    egui::Rect::from_min_size(r.min, Vec2::new(4.0, r.height())),
                    0.0,
                    c,
                );
                ui.horizontal(|ui| {
                    ui.add_space(6.0);
                    cell(ui, RichText::new(p.meta.number.to_string()));
                });
            });
            if !narrow {
                row.col(|ui| {
                    cell(
                        ui,
                        RichText::new(crate::model::format_seconds(
                            p.meta.timestamp.ns - first_ts,
                            6,
                        )),
                    );
                });
            }
            row.col(|ui| cell(ui, RichText::new(endpoint(&p, true, ports))));
            row.col(|ui| cell(ui, RichText::new(endpoint(&p, false, ports))));
            row.col(|ui| cell(ui, RichText::new(p.protocol).color(c)));
            if !narrow {
                row.col(|ui| cell(ui, RichText::new(p.meta.wirelen.to_string())));
            }
            row.col(|ui| cell(ui, RichText::new(plain(&p.summary))));
            let r = row.response();
            if r.clicked() {
                clicked = Some(i);
            }
            r.context_menu(|ui| {
                if let Some(f) = cap.facts(i) {
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
    };
    if with_header {
        table.header(header_h, headers).body(body);
    } else {
        table.body(body);
    }
    if let Some(i) = clicked {
        app.act(Action::Select(i));
    }
    if let Some(f) = filter_conv {
        app.act(Action::Filter(f));
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

pub(super) fn glossary_view(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
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
                        app.act(Action::Filter(String::new()));
                        app.act(Action::Select(f.packet));
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

/// The keys, as `?` shows them (the README lists the same).
pub const KEYS: &[(&str, &str)] = &[
    (
        "↑ ↓ PgUp PgDn Home End",
        "move in the packet list (as in Wireshark)",
    ),
    (
        "→ ←",
        "next / previous packet of the list; in replay, step the replay",
    ),
    (
        "Space",
        "play / pause the replay (pause / resume a running demo)",
    ),
    (
        "N",
        "next phase of the conversation (opening, upgrade, messages, closing)",
    ),
    (
        "M",
        "next application message (HTTP, WebSocket, Socket.IO, DNS)",
    ),
    ("P", "presenter layout on / off (Esc leaves it)"),
    (
        "PageDown PageUp",
        "in the presenter layout: next / previous (a clicker's keys)",
    ),
    (
        "→ or PageDown",
        "a demo in teacher steps: start its next step",
    ),
    (
        "Ctrl+F",
        "type a display filter (no other key acts while you type)",
    ),
    ("Ctrl+O", "open a capture"),
    ("F2", "text size: 1x, 2x, 2.5x"),
    ("F11", "full screen"),
    ("L", "live capture and classroom demos"),
    ("? or F1", "this help"),
];

pub fn help_window(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let mut open = app.show_help;
    egui::Window::new("Keyboard shortcuts")
        .open(&mut open)
        .max_height(ui.ctx().content_rect().height() * 0.8)
        .vscroll(true)
        .show(ui.ctx(), |ui| {
            egui::Grid::new("keys").striped(true).show(ui, |ui| {
                for (k, what) in KEYS {
                    ui.strong(*k);
                    ui.add(egui::Label::new(*what).wrap());
                    ui.end_row();
                }
            });
        });
    app.show_help = open;
}
