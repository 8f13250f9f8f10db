//! The layer stack (OSI and TCP/IP side by side, each row with its header or the reason it
//! has none) and the encapsulation strip (the frame as byte bands, outermost first).

use super::*;
use crate::model::{roles, Placement};

pub(super) fn key_fields(l: &Layer) -> String {
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

/// The signature view: OSI 7..1 beside TCP/IP, the packet's headers in their rows (innermost
/// on top where several share a row), and what plays a row's role when no header sits there.
pub fn layer_stack(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    ui.horizontal_wrapped(|ui| {
        ui.heading("Layers: OSI beside TCP/IP");
        let mut functional = app.settings.placement == Placement::Functional;
        if ui
            .checkbox(&mut functional, "Functional view")
            .on_hover_text("Off (the default): HTTP, WebSocket, Engine.IO and Socket.IO at OSI 7, as textbooks draw them. On: WebSocket framing at 5 and Engine.IO at 6, by the job each does (see docs/layers.md).")
            .changed()
        {
            app.settings.placement = if functional { Placement::Functional } else { Placement::Textbook };
        }
    });
    let Some(p) = app.detail.clone() else {
        ui.label("Select a packet.");
        return;
    };
    let placement = app.settings.placement;
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
            let here = roles::layers_in_row(&p, *osi, placement);
            ui.vertical(|ui| {
                for (li, l) in here {
                    let mut text = if l.protocol == Protocol::Frame {
                        format!(
                            "Frame: {} on the wire, {} captured, interface {} · A capture cannot see signals or cables: only when and how much arrived.",
                            crate::model::count(p.meta.wirelen, "byte"), p.meta.caplen, p.meta.interface
                        )
                    } else {
                        format!("{}: {}", l.protocol.short_name(), key_fields(l))
                    };
                    if let Some(c) = roles::container_of(&p, li) {
                        text.push_str(&format!("  (inside {})", p.layers[c].protocol.short_name()));
                    }
                    let r = ui.add(egui::Button::new(RichText::new(text).color(color(l.protocol))).frame(false).wrap());
                    let r = r.on_hover_text(l.protocol.placement_note_in(placement));
                    if r.clicked() {
                        app.selected_field = (!l.fields.is_empty()).then_some((li, 0));
                        app.tab = Tab::Details;
                    }
                }
                if let Some(note) = roles::row_note(&p, *osi, placement) {
                    ui.add(egui::Label::new(RichText::new(note).italics().weak()).wrap());
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
    let row_h = ui.text_style_height(&egui::TextStyle::Body) + 14.0;
    let payloads = roles::payloads(p);
    let bracket_h = ui.text_style_height(&egui::TextStyle::Small) + 10.0;
    let (rect, _) = ui.allocate_exact_size(
        Vec2::new(
            width,
            row_h * rows.len() as f32 + bracket_h * payloads.len() as f32,
        ),
        Sense::hover(),
    );
    let painter = ui.painter_at(rect);
    let font = egui::TextStyle::Small.resolve(ui.style());
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
            // The name where it fits, else its first letters; the sizes are listed below.
            let full = format!("{} {} B", l.protocol.short_name(), l.length);
            let g = painter.layout_no_wrap(full, font.clone(), Color32::BLACK);
            let g = if g.size().x + 4.0 <= w {
                g
            } else {
                painter.layout_no_wrap(
                    l.protocol.short_name().to_string(),
                    font.clone(),
                    Color32::BLACK,
                )
            };
            if g.size().x + 4.0 <= w {
                painter.galley(r.center() - g.size() / 2.0, g, Color32::BLACK);
            }
        }
    }
    // What is payload: a bracket under the bytes a header carries, saying what they carry.
    let text_color = ui.visuals().text_color();
    for (k, pl) in payloads.iter().enumerate() {
        let y = rect.top() + row_h * rows.len() as f32 + bracket_h * k as f32 + 3.0;
        let x0 = rect.left() + pl.range.start as f32 / total * width;
        let x1 = rect.left() + pl.range.end as f32 / total * width;
        let s = Stroke::new(1.5, color(pl.of));
        painter.line_segment([egui::pos2(x0, y), egui::pos2(x1, y)], s);
        painter.line_segment([egui::pos2(x0, y - 3.0), egui::pos2(x0, y + 3.0)], s);
        painter.line_segment([egui::pos2(x1, y - 3.0), egui::pos2(x1, y + 3.0)], s);
        let g = painter.layout_no_wrap(pl.describe(), font.clone(), text_color);
        let gx = (x0).min(rect.right() - g.size().x).max(rect.left());
        painter.galley(egui::pos2(gx, y + 2.0), g, text_color);
    }
    let sizes: Vec<String> = bands
        .iter()
        .map(|l| {
            let what = if l.osi() <= Osi::Transport {
                "header"
            } else {
                "message"
            };
            format!("{} {what} {} B", l.protocol.short_name(), l.length)
        })
        .collect();
    ui.add(egui::Label::new(sizes.join(" | ")).wrap());
}
