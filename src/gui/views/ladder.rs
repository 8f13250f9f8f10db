//! Ladder diagrams: one conversation's packets as arrows between client and server lanes
//! with its phases labelled, and the Socket.IO broadcast view with every client at once.
//!
//! Labels are real widgets placed over the drawing (`ui.put`), elided to the room they have
//! and complete in their tooltip: so they never overlap, and tests and screen readers find
//! them.

use super::*;
use crate::engine::phases::Phase;
use crate::engine::socketio_view::SocketIoView;

/// A label placed at `rect`, elided to fit, the whole text in its tooltip.
fn put_label(
    ui: &mut egui::Ui,
    rect: egui::Rect,
    text: RichText,
    tip: Option<String>,
) -> egui::Response {
    let r = ui.put(
        rect,
        egui::Label::new(text).truncate().sense(Sense::click()),
    );
    match tip {
        Some(t) => r.on_hover_text(t),
        None => r,
    }
}

/// The tag shown beside a Socket.IO packet: whom an emit went to, a client event nothing
/// answered, an ACK pair. With its tooltip.
fn sio_tags(view: &SocketIoView, i: usize) -> Vec<(String, String)> {
    let mut tags = Vec::new();
    for k in view.in_packet(i) {
        if let Some((a, _)) = view.audience(k) {
            tags.push((a.label(), a.explain()));
        } else if view.unanswered(k) {
            tags.push((
                "no reply: ignored (no handler?)".into(),
                "Nothing came back within 2 s: no acknowledgement and no event of the same name. Socket.IO ignores an event no handler listens for; a handler that answers nothing looks the same on the wire.".into(),
            ));
        }
        if let Some(o) = view.ack_partner(k) {
            let q = view.packets[o];
            let p = view.packets[k];
            let (label, tip) = if p.typ == 3 || p.typ == 6 {
                (
                    format!("ack of #{}", q.packet + 1),
                    format!("This ACK answers the event in packet {} (same ack id): the callback its sender passed to emit runs with these arguments.", q.packet + 1),
                )
            } else {
                (
                    format!("acked in #{}", q.packet + 1),
                    format!(
                        "The receiver answered this event with an ACK in packet {} (same ack id).",
                        q.packet + 1
                    ),
                )
            };
            tags.push((label, tip));
        }
    }
    tags
}

pub(super) fn ladder(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let (Some(cap), Some(sel)) = (app.capture.clone(), app.selected) else {
        ui.label("Select a packet of a TCP or UDP conversation.");
        return;
    };
    let Some(ci) = cap.conversation_index(sel) else {
        ui.label("This packet belongs to no TCP or UDP conversation.");
        return;
    };
    let compact = super::layers::compact(ui);
    let all = |ui: &mut egui::Ui, app: &mut LayerscopeApp| {
        ui.checkbox(&mut app.fan_out, "All Socket.IO clients")
            .on_hover_text("The server and every Socket.IO client at once: a broadcast fans out into one arrow per client");
    };
    if !compact {
        all(ui, app);
    }
    if app.fan_out {
        if compact {
            all(ui, app);
        }
        fan_out(app, ui, &cap, sel);
        return;
    }
    let conv = &cap.conversations()[ci];
    let view = cap.socketio();
    let client = view
        .client_of_conv(ci as u32)
        .map_or(String::new(), |c| format!(" ({})", view.client_name(c)));
    let head = format!(
        "{} stream {}: client {}{client} ⇄ server {} — {}",
        conv.proto_name(),
        conv.stream,
        conv.client,
        conv.server,
        conv.describe_state()
    );
    if compact {
        // One line: the switch and the conversation, the rest in the tooltip.
        ui.horizontal(|ui| {
            all(ui, app);
            ui.add(egui::Label::new(head.clone()).truncate())
                .on_hover_text(head);
        });
    } else {
        super::layers::lines(ui, RichText::new(head.clone()), 2).on_hover_text(head);
    }
    let first = conv.first_packet.saturating_sub(1) as usize;
    let last = (conv.last_packet as usize).min(cap.len());
    let packets: Vec<usize> = (first..last)
        .filter(|&i| cap.conversation_index(i) == Some(ci))
        .take(400)
        .collect();
    let text_h = ui.text_style_height(&egui::TextStyle::Body);
    let row_h = text_h * 1.7 + 4.0;
    // Scroll the selected arrow into view once each time the selection changes.
    // Bring the selected arrow to the middle once each time the selection changes (an
    // explicit offset: egui's scroll_to_rect would compete with the packet list's).
    let mut area = egui::ScrollArea::both().id_salt("ladder");
    if app.ladder_scrolled != app.selected {
        app.ladder_scrolled = app.selected;
        if let Some(k) = app
            .selected
            .and_then(|s| packets.iter().position(|&i| i == s))
        {
            let y = text_h * 2.0 + row_h * k as f32;
            area = area.vertical_scroll_offset((y - ui.available_height() / 2.0).max(0.0));
        }
    }
    area.show(ui, |ui| {
        let width = ui.available_width().max(220.0);
        let (rect, _) = ui.allocate_exact_size(
            Vec2::new(width, text_h * 2.0 + row_h * packets.len() as f32),
            Sense::hover(),
        );
        let painter = ui.painter_at(rect);
        // Columns: phase labels, the two lanes, tags on the right.
        let phase_w = (text_h * 6.0).min(width * 0.18);
        let tag_w = (text_h * 9.0).min(width * 0.25);
        let left = rect.left() + phase_w + 8.0;
        let right = rect.right() - tag_w - 8.0;
        let text_color = ui.visuals().text_color();
        lifeline(ui, &painter, rect, left, "Client", true, text_color);
        lifeline(ui, &painter, rect, right, "Server", true, text_color);
        let mut phase: Option<Phase> = None;
        let mut clicked = None;
        for (k, &i) in packets.iter().enumerate() {
            let Some(p) = cap.row(i) else { continue };
            let dir = cap.facts(i).map_or(0, |f| f.dir);
            let top = rect.top() + text_h * 2.0 + row_h * k as f32;
            let y = top + text_h + 2.0;
            let (a, b) = if dir == 0 {
                (left, right)
            } else {
                (right, left)
            };
            let now = cap.phase_of(i, &p, phase);
            if phase != Some(now) {
                let r = egui::Rect::from_min_size(
                    egui::pos2(rect.left() + 2.0, top),
                    Vec2::new(phase_w, text_h + 2.0),
                );
                put_label(
                    ui,
                    r,
                    RichText::new(now.label()).strong().color(phase_color(ui)),
                    Some(now.explain().into()),
                );
                phase = Some(now);
            }
            let c = column_color(p.protocol);
            let selected = app.selected == Some(i);
            let stroke = Stroke::new(if selected { 3.0 } else { 1.5 }, c);
            arrow(&painter, a, b, y, stroke);
            let label_rect = egui::Rect::from_min_max(
                egui::pos2(left.min(right) + 4.0, top),
                egui::pos2(left.max(right) - 4.0, top + text_h + 2.0),
            );
            let text = plain(&format!("#{} {}", p.meta.number, short_label(&p)));
            let text = if selected {
                RichText::new(text).strong()
            } else {
                RichText::new(text)
            };
            if put_label(ui, label_rect, text, None).clicked() {
                clicked = Some(i);
            }
            let tags = sio_tags(view, i);
            if !tags.is_empty() {
                let (t, tip): (Vec<String>, Vec<String>) = tags.into_iter().unzip();
                let r = egui::Rect::from_min_size(
                    egui::pos2(right + 8.0, top),
                    Vec2::new(tag_w, text_h + 2.0),
                );
                put_label(
                    ui,
                    r,
                    RichText::new(t.join(", ")).color(tag_color(ui)),
                    Some(tip.join("\n")),
                );
            }
            let hit = egui::Rect::from_min_max(
                egui::pos2(left.min(right), y - 4.0),
                egui::pos2(left.max(right), y + 8.0),
            );
            let resp = ui.interact(hit, ui.scope_id().with(("arrow", i)), Sense::click());
            if resp.clicked() {
                clicked = Some(i);
            }
        }
        if let Some(i) = clicked {
            app.act(Action::Select(i));
        }
    });
}

/// Colour of phase labels: readable on the theme's background.
fn phase_color(ui: &egui::Ui) -> Color32 {
    if ui.visuals().dark_mode {
        Color32::from_rgb(220, 210, 130)
    } else {
        Color32::from_rgb(110, 90, 0)
    }
}

/// Colour of Socket.IO tags.
fn tag_color(ui: &egui::Ui) -> Color32 {
    if ui.visuals().dark_mode {
        Color32::from_rgb(130, 200, 255)
    } else {
        Color32::from_rgb(0, 80, 160)
    }
}

/// An arrow from lane `a` to lane `b` at height `y`.
fn arrow(painter: &egui::Painter, a: f32, b: f32, y: f32, stroke: Stroke) {
    let to = egui::pos2(b, y + 6.0);
    painter.line_segment([egui::pos2(a, y), to], stroke);
    let back = if b > a { -10.0 } else { 10.0 };
    painter.line_segment([to, egui::pos2(b + back, y + 1.0)], stroke);
    painter.line_segment([to, egui::pos2(b + back, y + 9.0)], stroke);
}

/// Socket.IO traffic of every client around the selected packet: one lane for the server,
/// one per client ("client 1", "client 2", … in order of connection), so a broadcast shows
/// as one arrow per client, each emit tagged with whom it went to.
pub(super) fn fan_out(
    app: &mut LayerscopeApp,
    ui: &mut egui::Ui,
    cap: &crate::engine::Capture,
    sel: usize,
) {
    let view = cap.socketio();
    if view.packets.is_empty() {
        ui.label("No Socket.IO traffic in this capture.");
        return;
    }
    let t0 = cap.store.meta(sel).map_or(0, |m| m.timestamp.ns);
    let window = 1_000_000_000;
    // Socket.IO packets within a second of the selection, at most 300, one row per packet.
    let start = view.packets.partition_point(|p| t0 - p.ts > window);
    let mut rows: Vec<usize> = Vec::new();
    for (k, p) in view.packets.iter().enumerate().skip(start) {
        if p.ts - t0 > window || rows.len() >= 300 {
            break;
        }
        if rows
            .last()
            .is_none_or(|&last| view.packets[last].packet != p.packet)
        {
            rows.push(k);
        }
    }
    let head = format!(
        "Socket.IO packets within a second of packet {}: {} in the capture, numbered in order of connection. Tags say whom each server emit went to, as inferred from the copies on the wire.",
        sel + 1,
        crate::model::count(view.clients.len(), "client")
    );
    let head_rows = if super::layers::compact(ui) { 1 } else { 2 };
    super::layers::lines(ui, RichText::new(head.clone()), head_rows).on_hover_text(head);
    if view.skipped > 0 {
        ui.colored_label(
            Color32::from_rgb(240, 160, 60),
            format!(
                "{} not analysed (more than {} in this capture)",
                crate::model::count(view.skipped, "Socket.IO packet"),
                crate::engine::socketio_view::MAX_PACKETS
            ),
        );
    }
    let lanes = view.clients.len().max(1);
    let text_h = ui.text_style_height(&egui::TextStyle::Body);
    let row_h = text_h * 1.7 + 4.0;
    let mut clicked = None;
    let mut area = egui::ScrollArea::both().id_salt("fan-out");
    if app.ladder_scrolled != app.selected {
        app.ladder_scrolled = app.selected;
        let sel = app.selected.unwrap_or(usize::MAX) as u32;
        if let Some(r) = rows.iter().position(|&k| view.packets[k].packet == sel) {
            let y = text_h * 2.5 + row_h * r as f32;
            area = area.vertical_scroll_offset((y - ui.available_height() / 2.0).max(0.0));
        }
    }
    area.show(ui, |ui| {
        let width = ui.available_width().max(240.0);
        let (rect, _) = ui.allocate_exact_size(
            Vec2::new(width, text_h * 2.5 + row_h * rows.len() as f32),
            Sense::hover(),
        );
        let painter = ui.painter_at(rect);
        let text_color = ui.visuals().text_color();
        let tag_w = (text_h * 9.0).min(width * 0.25);
        let server_x = rect.left() + text_h * 3.0;
        let lanes_right = rect.right() - tag_w - 12.0;
        let lane = |k: u32| server_x + (lanes_right - server_x) * (k as f32 + 1.0) / lanes as f32;
        lifeline(ui, &painter, rect, server_x, "Server", true, text_color);
        for (k, c) in view.clients.iter().enumerate() {
            let x = lane(k as u32);
            let r = lifeline(
                ui,
                &painter,
                rect,
                x,
                &view.client_name(k as u32),
                false,
                text_color,
            );
            let mut tip = format!(
                "Engine.IO session id (sid): {}",
                c.sid.as_deref().unwrap_or("not captured")
            );
            for (ns, sid) in &c.sockets {
                tip.push_str(&format!("\nSocket.IO socket in namespace {ns}: {sid}"));
            }
            tip.push_str(&format!("\nFirst seen in packet {}", c.first_packet + 1));
            r.on_hover_text(tip);
        }
        // Event/ACK pairs on screen, drawn as brackets on the client's lane.
        let mut row_of: Vec<(usize, f32)> = Vec::new();
        for (r, &k) in rows.iter().enumerate() {
            let p = view.packets[k];
            let top = rect.top() + text_h * 2.5 + row_h * r as f32;
            let y = top + text_h + 2.0;
            row_of.push((k, y));
            let x = lane(p.client);
            let (a, b) = if p.dir == 0 {
                (x, server_x)
            } else {
                (server_x, x)
            };
            let selected = app.selected == Some(p.packet as usize);
            arrow(
                &painter,
                a,
                b,
                y,
                Stroke::new(if selected { 3.0 } else { 1.5 }, color(Protocol::SocketIo)),
            );
            let Some(row) = cap.row(p.packet as usize) else {
                continue;
            };
            let label: String = plain(&row.summary)
                .replace("WebSocket Text [FIN] [MASKED], ", "")
                .replace("WebSocket Text [FIN], ", "");
            let label_rect = egui::Rect::from_min_max(
                egui::pos2(a.min(b) + 4.0, top),
                egui::pos2(
                    a.max(b).max(a.min(b) + text_h * 8.0).min(lanes_right) - 2.0,
                    top + text_h + 2.0,
                ),
            );
            let text = format!("#{} {label}", p.packet + 1);
            let text = if selected {
                RichText::new(text).strong()
            } else {
                RichText::new(text)
            };
            if put_label(ui, label_rect, text, None).clicked() {
                clicked = Some(p.packet as usize);
            }
            let hit = egui::Rect::from_min_max(
                egui::pos2(a.min(b), y - 4.0),
                egui::pos2(a.max(b), y + 8.0),
            );
            if ui
                .interact(hit, ui.scope_id().with(("fan", k)), Sense::click())
                .clicked()
            {
                clicked = Some(p.packet as usize);
            }

            let tags = sio_tags(view, p.packet as usize);
            if !tags.is_empty() {
                let (t, tip): (Vec<String>, Vec<String>) = tags.into_iter().unzip();
                let r = egui::Rect::from_min_size(
                    egui::pos2(lanes_right + 8.0, top),
                    Vec2::new(tag_w, text_h + 2.0),
                );
                put_label(
                    ui,
                    r,
                    RichText::new(t.join(", ")).color(tag_color(ui)),
                    Some(tip.join("\n")),
                );
            }
        }
        // ACK pairs: a thin bracket beside the client's lane joining the event and its ACK.
        for &(e, a) in &view.ack_pairs {
            let (Some(&(_, ye)), Some(&(_, ya))) = (
                row_of.iter().find(|(k, _)| *k == e as usize),
                row_of.iter().find(|(k, _)| *k == a as usize),
            ) else {
                continue;
            };
            let x = lane(view.packets[e as usize].client) + 6.0;
            let s = Stroke::new(1.0, tag_color(ui));
            painter.line_segment([egui::pos2(x, ye), egui::pos2(x + 8.0, ye)], s);
            painter.line_segment([egui::pos2(x + 8.0, ye), egui::pos2(x + 8.0, ya + 6.0)], s);
            painter.line_segment([egui::pos2(x + 8.0, ya + 6.0), egui::pos2(x, ya + 6.0)], s);
        }
    });
    if let Some(i) = clicked {
        app.act(Action::Select(i));
    }
}

pub(super) fn short_label(p: &Packet) -> String {
    let s = &p.summary;
    match s.find(" [") {
        Some(i) if p.protocol == Protocol::Tcp.short_name() => {
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
    }
}

/// One actor of a ladder diagram: its name on top (a label, so it can have a tooltip) and
/// its vertical time line below. A main actor (client/server) gets a thicker line.
pub(super) fn lifeline(
    ui: &mut egui::Ui,
    painter: &egui::Painter,
    rect: egui::Rect,
    x: f32,
    label: &str,
    main: bool,
    color: Color32,
) -> egui::Response {
    let h = ui.text_style_height(&egui::TextStyle::Body);
    let w = h * 6.0;
    let r =
        egui::Rect::from_center_size(egui::pos2(x, rect.top() + h * 0.6), Vec2::new(w, h + 2.0));
    let text = RichText::new(label).color(color);
    let resp = ui.put(
        r,
        egui::Label::new(if main { text.strong() } else { text }).truncate(),
    );
    painter.line_segment(
        [
            egui::pos2(x, rect.top() + h * 1.3),
            egui::pos2(x, rect.bottom()),
        ],
        Stroke::new(if main { 2.0 } else { 1.0 }, Color32::GRAY),
    );
    resp
}
