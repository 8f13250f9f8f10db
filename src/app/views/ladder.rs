//! Ladder diagrams: one conversation's packets as arrows between client and server lanes
//! with its phases labelled, and the Socket.IO fan-out view with every client at once.

use super::*;

pub(super) fn ladder(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
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
pub(super) fn fan_out(
    app: &mut LayerscopeApp,
    ui: &mut egui::Ui,
    cap: &crate::engine::Capture,
    sel: usize,
) {
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
pub(super) fn phase_of(p: &Packet, current: &'static str) -> &'static str {
    let t = p.transport;
    if t.is_some_and(|t| t.proto == 6 && t.syn()) {
        return "opening";
    }
    if t.is_some_and(|t| t.fin() || t.rst()) || p.summary.contains("Connection Close") {
        return "closing";
    }
    if crate::app::is_bare_ack(p) {
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

pub(super) fn short_label(p: &Packet) -> String {
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

/// One actor of a ladder diagram: its name on top and its vertical time line below.
/// The larger label size marks a main actor (client/server) and gets a thicker line.
pub(super) fn lifeline(
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
