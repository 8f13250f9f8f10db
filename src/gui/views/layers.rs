//! The layer stack (OSI and TCP/IP side by side, each row with its header or the reason it
//! has none) and the encapsulation strip (the frame as byte bands, outermost first).

use super::*;
use crate::model::{roles, Placement};

pub(super) fn key_fields(l: &Layer) -> String {
    let want = l.protocol.key_fields();
    want.iter()
        .filter_map(|n| {
            l.field(n)
                .map(|f| format!("{}: {}", f.def.label, f.display()))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Whether the window is small (a projector at 2x text): panes use single lines that elide,
/// with the whole text in the tooltip.
pub(super) fn compact(ui: &egui::Ui) -> bool {
    let r = ui.ctx().content_rect();
    r.width() < 900.0 || r.height() < 520.0
}

/// Text that wraps to at most `rows` lines, then ends with "…" (the tooltip has all of it).
pub(super) fn lines(ui: &mut egui::Ui, text: RichText, rows: usize) -> egui::Response {
    let mut job = egui::text::LayoutJob::default();
    let style = ui.style().clone();
    text.append_to(
        &mut job,
        &style,
        egui::FontSelection::Default,
        egui::Align::LEFT,
    );
    job.wrap = egui::text::TextWrapping {
        max_width: ui.available_width(),
        max_rows: rows,
        break_anywhere: false,
        overflow_character: Some('…'),
    };
    ui.add(egui::Label::new(job).selectable(false))
}

/// The signature view: OSI 7..1 beside TCP/IP, the packet's headers in their rows (innermost
/// on top where several share a row), and what plays a row's role when no header sits there.
pub fn layer_stack(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let compact = compact(ui);
    if !compact {
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
    }
    let Some(p) = app.detail.clone() else {
        ui.label("Select a packet.");
        return;
    };
    let placement = app.settings.placement;
    let body = ui.text_style_height(&egui::TextStyle::Body);
    let ch = body * 0.55;
    let osi_w = ch * 13.5;
    let tcp_w = ch * if compact { 8.5 } else { 11.0 };
    let width = ui.available_width();
    let stripe = ui.visuals().faint_bg_color;
    if !compact {
        ui.horizontal(|ui| {
            ui.add_sized(
                [osi_w, body],
                egui::Label::new(RichText::new("OSI").strong()),
            );
            ui.add_sized(
                [tcp_w, body],
                egui::Label::new(RichText::new("TCP/IP").strong()),
            );
            ui.label(RichText::new("In this packet").strong());
        });
    }
    for (k, osi) in Osi::ALL.iter().rev().enumerate() {
        let n = osi.number();
        let tcpip = TcpIp::ALL
            .iter()
            .copied()
            .find(|t| t.osi_span().contains(&n))
            .unwrap_or(TcpIp::Application);
        let span = tcpip.osi_span();
        let top = ui.cursor().top();
        let bg = ui.painter().add(egui::Shape::Noop);
        let r = ui.horizontal(|ui| {
            ui.set_min_width(width);
            ui.add_sized([osi_w, body], egui::Label::new(format!("{n} {}", osi_name(n))).truncate());
            // The TCP/IP layer: a coloured bar down its OSI rows, its name on the top one.
            let name = if n == *span.end() { tcpip_name(tcpip) } else { "" };
            let t = RichText::new(name).color(tcpip_color(tcpip)).strong();
            let t = if compact { t.size(body * 0.75) } else { t };
            let tr = ui.add_sized([tcp_w, body], egui::Label::new(t).truncate());
            tr.on_hover_text(format!(
                "The TCP/IP {} layer covers OSI {}-{}",
                tcpip_name(tcpip),
                span.start(),
                span.end()
            ));
            ui.vertical(|ui| {
                let here = roles::layers_in_row(&p, *osi, placement);
                if compact && here.len() > 1 {
                    // One line: the innermost first, each inside the next.
                    let names: Vec<&str> = here.iter().map(|(_, l)| l.protocol.short_name()).collect();
                    let text = names.join(" in ");
                    let tip: Vec<String> = here
                        .iter()
                        .map(|(_, l)| format!("{}: {}", l.protocol.short_name(), key_fields(l)))
                        .collect();
                    let c = color(here[0].1.protocol);
                    let r = ui.add(egui::Label::new(RichText::new(text).color(c)).truncate().sense(Sense::click()));
                    if r.on_hover_text(tip.join("\n")).clicked() {
                        let field = (!here[0].1.fields.is_empty()).then_some((here[0].0, 0));
                        app.act(Action::SelectField(field, Tab::Details));
                    }
                    return;
                }
                for (li, l) in here {
                    let mut text = if l.protocol == Protocol::Frame {
                        format!(
                            "Frame: {} on the wire, {} captured, interface {} · a capture cannot see signals or cables, only when and how much arrived",
                            crate::model::count(p.meta.wirelen, "byte"), p.meta.caplen, p.meta.interface
                        )
                    } else {
                        format!("{}: {}", l.protocol.short_name(), key_fields(l))
                    };
                    if let Some(c) = roles::container_of(&p, li) {
                        text.push_str(&format!("  (inside {})", p.layers[c].protocol.short_name()));
                    }
                    let t = RichText::new(text.clone()).color(color(l.protocol));
                    let r = if compact {
                        ui.add(egui::Label::new(t).truncate().sense(Sense::click()))
                    } else {
                        ui.add(egui::Label::new(t).wrap().sense(Sense::click()))
                    };
                    let r = r.on_hover_text(format!("{text}\n\n{}", l.protocol.placement_note_in(placement)));
                    if r.clicked() {
                        let field = (!l.fields.is_empty()).then_some((li, 0));
                        app.act(Action::SelectField(field, Tab::Details));
                    }
                }
                if let Some(note) = roles::row_note(&p, *osi, placement) {
                    // Where room is short, the role itself, without its heading.
                    let shown = if compact {
                        note.split_once("): ").map_or(note.as_str(), |(_, rest)| rest)
                    } else {
                        note.as_str()
                    };
                    let t = RichText::new(shown).italics().weak();
                    let r = lines(ui, t, if compact { 1 } else { 4 });
                    r.on_hover_text(note.clone());
                }
            });
        });
        let rect =
            egui::Rect::from_min_max(egui::pos2(r.response.rect.left(), top), r.response.rect.max);
        if k % 2 == 1 {
            ui.painter()
                .set(bg, egui::Shape::rect_filled(rect, 0.0, stripe));
        }
        // The bar of the TCP/IP layer, drawn beside its name column.
        let bar = egui::Rect::from_min_size(
            egui::pos2(
                rect.left() + osi_w + ui.spacing().item_spacing.x - 5.0,
                rect.top(),
            ),
            Vec2::new(3.0, rect.height()),
        );
        ui.painter().rect_filled(bar, 0.0, tcpip_color(tcpip));
    }
}

/// The frame as coloured byte bands, widths proportional to bytes.
pub fn encapsulation_strip(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let compact = compact(ui);
    if !compact {
        ui.heading("Encapsulation");
    }
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
    let small = ui.text_style_height(&egui::TextStyle::Small);
    // Room is short on a projector at 2x: the headers' row keeps its height, the rows of what
    // a payload carries get thinner, the brackets lose their words (they follow as one line).
    let row_h = small + if compact { 8.0 } else { 14.0 };
    let payloads = roles::payloads(p);
    let bracket_h = if compact { 0.0 } else { small + 10.0 };
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
            painter.rect_filled(r, 2.0, fill(l.protocol));
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
    for (k, pl) in payloads.iter().enumerate().filter(|_| !compact) {
        let y = rect.top() + row_h * rows.len() as f32 + bracket_h * k as f32 + 3.0;
        let x0 = rect.left() + pl.range.start as f32 / total * width;
        let x1 = rect.left() + pl.range.end as f32 / total * width;
        let s = Stroke::new(1.5, color(pl.of));
        painter.line_segment([egui::pos2(x0, y), egui::pos2(x1, y)], s);
        painter.line_segment([egui::pos2(x0, y - 3.0), egui::pos2(x0, y + 3.0)], s);
        painter.line_segment([egui::pos2(x1, y - 3.0), egui::pos2(x1, y + 3.0)], s);
        if !compact {
            let g = painter.layout_no_wrap(pl.describe(), font.clone(), text_color);
            let gx = (x0).min(rect.right() - g.size().x).max(rect.left());
            painter.galley(egui::pos2(gx, y + 2.0), g, text_color);
        }
    }
    if compact {
        let text: Vec<String> = payloads.iter().map(|pl| pl.describe()).collect();
        let line = text.join(" · ");
        ui.add(egui::Label::new(RichText::new(line.clone()).small()).truncate())
            .on_hover_text(line);
        return;
    }
    let sizes: Vec<String> = bands
        .iter()
        .map(|l| {
            // The unit each protocol names itself by: a WebSocket frame (a message may span
            // several), an Engine.IO or Socket.IO packet, an HTTP or DNS message.
            let what = match l.protocol {
                _ if l.osi() <= Osi::Transport => "header",
                Protocol::WebSocket => "frame",
                Protocol::EngineIo | Protocol::SocketIo => "packet",
                Protocol::Data => "payload",
                _ => "message",
            };
            format!("{} {what} {} B", l.protocol.short_name(), l.length)
        })
        .collect();
    ui.add(egui::Label::new(sizes.join(" | ")).wrap());
}
