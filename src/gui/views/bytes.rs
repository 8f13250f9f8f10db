//! Details and bytes: the field tree next to the hex and ASCII pane, linked both ways (a
//! field highlights its bytes, a byte selects its field), and the reassembled-data pane.

use super::*;

pub(super) fn details(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let Some(p) = app.detail.clone() else {
        ui.label("Select a packet.");
        return;
    };
    let Some(cap) = app.capture.clone() else {
        return;
    };
    // The frame's bytes in place (a 16 MiB frame is not copied every frame).
    let data: &[u8] = app.selected.and_then(|i| cap.store.data(i)).unwrap_or(&[]);
    // Side by side when both fit (the hex pane needs about 40 characters for 8 bytes a row),
    // else the fields above the bytes; a draggable splitter between them, its place kept as a
    // fraction so it survives a change of text size.
    let ch = ui.text_style_height(&egui::TextStyle::Monospace) * 0.62;
    let area = ui.available_rect_before_wrap();
    let side_by_side = area.width() >= ch * 40.0 + ch * 30.0;
    let frac = app.details_split.clamp(0.2, 0.8);
    let handle = 6.0;
    let (first, second, bar) = if side_by_side {
        let x = area.left() + area.width() * frac;
        (
            egui::Rect::from_min_max(area.min, egui::pos2(x - handle / 2.0, area.bottom())),
            egui::Rect::from_min_max(egui::pos2(x + handle / 2.0, area.top()), area.max),
            egui::Rect::from_min_max(
                egui::pos2(x - handle / 2.0, area.top()),
                egui::pos2(x + handle / 2.0, area.bottom()),
            ),
        )
    } else {
        let y = area.top() + area.height() * frac;
        (
            egui::Rect::from_min_max(area.min, egui::pos2(area.right(), y - handle / 2.0)),
            egui::Rect::from_min_max(egui::pos2(area.left(), y + handle / 2.0), area.max),
            egui::Rect::from_min_max(
                egui::pos2(area.left(), y - handle / 2.0),
                egui::pos2(area.right(), y + handle / 2.0),
            ),
        )
    };
    let drag = ui.interact(bar, ui.scope_id().with("details-split"), Sense::drag());
    if let Some(pos) = drag.interact_pointer_pos().filter(|_| drag.dragged()) {
        app.details_split = if side_by_side {
            (pos.x - area.left()) / area.width().max(1.0)
        } else {
            (pos.y - area.top()) / area.height().max(1.0)
        }
        .clamp(0.2, 0.8);
    }
    let c = ui.visuals().widgets.inactive.fg_stroke.color;
    let mid = bar.center();
    let (a, b) = if side_by_side {
        (mid - Vec2::new(0.0, 14.0), mid + Vec2::new(0.0, 14.0))
    } else {
        (mid - Vec2::new(14.0, 0.0), mid + Vec2::new(14.0, 0.0))
    };
    ui.painter().line_segment([a, b], Stroke::new(4.0, c));
    if drag.hovered() || drag.dragged() {
        ui.ctx().set_cursor_icon(if side_by_side {
            egui::CursorIcon::ResizeHorizontal
        } else {
            egui::CursorIcon::ResizeVertical
        });
    }
    let mut fields = ui.new_child(
        egui::UiBuilder::new()
            .max_rect(first)
            .layout(egui::Layout::top_down(egui::Align::Min)),
    );
    fields.set_clip_rect(first.intersect(ui.clip_rect()));
    egui::ScrollArea::vertical()
        .id_salt("tree")
        .auto_shrink(false)
        .show(&mut fields, |ui| field_tree(app, ui, &p));
    let mut hex = ui.new_child(
        egui::UiBuilder::new()
            .max_rect(second)
            .layout(egui::Layout::top_down(egui::Align::Min)),
    );
    hex.set_clip_rect(second.intersect(ui.clip_rect()));
    hex_pane(app, &mut hex, &p, data);
    ui.allocate_rect(area, Sense::hover());
}

pub(super) fn field_tree(app: &mut LayerscopeApp, ui: &mut egui::Ui, p: &Packet) {
    let compact = super::layers::compact(ui);
    let warn = super::super::theme::current().warn;
    let notes = |ui: &mut egui::Ui| {
        for n in &p.notes {
            let text = format!("{:?}: {}", n.severity, n.text);
            let t = RichText::new(text.clone()).color(warn);
            super::layers::lines(ui, t, 6).on_hover_text(text);
        }
    };
    if compact && !p.notes.is_empty() {
        // Where room is short the notes fold away behind one line.
        egui::CollapsingHeader::new(
            RichText::new(format!("Notes ({})", p.notes.len())).color(warn),
        )
        .id_salt("notes")
        .default_open(false)
        .show(ui, notes);
    } else {
        notes(ui);
    }
    let placement = app.settings.placement;
    for (li, l) in p.layers.iter().enumerate() {
        let osi = l.osi_in(placement).number();
        let title = if compact {
            format!(
                "{} — OSI {osi}, {}",
                l.protocol.short_name(),
                tcpip_name(l.tcpip())
            )
        } else {
            format!(
                "{} — OSI {} ({}), TCP/IP {}",
                l.protocol.long_name(),
                osi,
                osi_name(osi),
                tcpip_name(l.tcpip())
            )
        };
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
                    let b = egui::Button::selectable(selected, text);
                    let r = ui.add(if compact { b.truncate() } else { b.wrap() });
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
                        app.act(Action::SelectField(Some((li, fi)), app.tab));
                    }
                    if f.def.name == "socketio.args" {
                        crate::gui::json_tree::args_tree(ui, (li, fi), &f.display());
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

pub(super) fn hex_pane(app: &mut LayerscopeApp, ui: &mut egui::Ui, p: &Packet, data: &[u8]) {
    let compact = super::layers::compact(ui);
    if !compact {
        ui.strong("Bytes of the frame");
    }
    // What is header and what is payload, in words (the strip above says it where room is
    // short).
    let pls = crate::model::roles::payloads(p);
    if let Some(first) = pls.first().filter(|_| !compact) {
        ui.add(
            egui::Label::new(
                RichText::new(format!(
                    "Headers: bytes 0-{} · {}",
                    first.range.start.saturating_sub(1),
                    pls.iter()
                        .map(|pl| format!(
                            "{} (bytes {}-{})",
                            pl.describe(),
                            pl.range.start,
                            pl.range.end.saturating_sub(1)
                        ))
                        .collect::<Vec<_>>()
                        .join(" · ")
                ))
                .small(),
            )
            .wrap(),
        );
    }
    let hi = highlighted(app, p);
    let clicked = hex_rows(
        ui,
        data,
        |idx| {
            crate::output::byte_owner(p, idx)
                .and_then(|li| p.layers.get(li))
                .map_or(Color32::GRAY, |l| color(l.protocol))
        },
        hi,
        true,
        "hex",
    );
    if let Some(b) = clicked {
        app.select_byte(b);
    }
    reassembled_pane(app, ui, p);
}

pub(super) fn reassembled_pane(app: &mut LayerscopeApp, ui: &mut egui::Ui, p: &Packet) {
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
        hex_rows(
            ui,
            &r.bytes,
            |_| color(l.protocol),
            hi,
            false,
            ("reassembled", li),
        );
    }
}

/// Hex rows (offset, bytes, ASCII), as many bytes a row as the pane's width allows (16, 8 or
/// 4), only the rows in view laid out: each byte coloured by `byte_color`, the `hi` range
/// highlighted; with `clickable`, the byte clicked is returned.
pub(super) fn hex_rows(
    ui: &mut egui::Ui,
    bytes: &[u8],
    byte_color: impl Fn(usize) -> Color32,
    hi: Option<std::ops::Range<usize>>,
    clickable: bool,
    id: impl std::hash::Hash + std::fmt::Debug,
) -> Option<usize> {
    let mut clicked = None;
    let font = egui::TextStyle::Monospace.resolve(ui.style());
    let ch = ui.fonts_mut(|f| f.glyph_width(&font, '0')).max(1.0);
    let spacing = 3.0;
    // offset (4) + per byte (2 digits + space) + gap + ASCII (1 a byte)
    let per_byte = ch * 3.0 + spacing + ch;
    let fixed = ch * 5.0 + spacing * 2.0;
    let width = ui.available_width();
    let per_row = [16usize, 8, 4]
        .into_iter()
        .find(|&n| fixed + per_byte * n as f32 <= width)
        .unwrap_or(4);
    let rows = bytes.len().div_ceil(per_row);
    let row_h = ui.text_style_height(&egui::TextStyle::Monospace) + ui.spacing().item_spacing.y;
    let hi_bg = ui.visuals().selection.bg_fill;
    let hi_fg = ui.visuals().selection.stroke.color;
    let selected_row = hi.as_ref().map(|h| h.start / per_row);
    let mut area = egui::ScrollArea::both()
        .id_salt(id)
        .auto_shrink([false, true]);
    if let Some(r) = selected_row {
        // Bring the highlighted bytes into view when the selection changes.
        let key = ui.scope_id().with(("hex-hi", r));
        if ui.ctx().data_mut(|d| d.get_temp::<bool>(key).is_none()) {
            ui.ctx().data_mut(|d| d.insert_temp(key, true));
            area = area.vertical_scroll_offset((r as f32 * row_h - row_h * 2.0).max(0.0));
        }
    }
    area.show_rows(ui, row_h, rows, |ui, range| {
        for row in range {
            let start = row * per_row;
            let chunk = &bytes[start..(start + per_row).min(bytes.len())];
            ui.horizontal(|ui| {
                ui.spacing_mut().item_spacing.x = spacing;
                ui.label(
                    RichText::new(format!("{start:04x}"))
                        .font(font.clone())
                        .weak(),
                );
                for (k, b) in chunk.iter().enumerate() {
                    let idx = start + k;
                    let mut t = RichText::new(format!("{b:02x}"))
                        .font(font.clone())
                        .color(byte_color(idx));
                    if hi.as_ref().is_some_and(|h| h.contains(&idx)) {
                        t = t.background_color(hi_bg).color(hi_fg);
                    }
                    let l = egui::Label::new(t).selectable(false);
                    if clickable {
                        if ui.add(l.sense(Sense::click())).clicked() {
                            clicked = Some(idx);
                        }
                    } else {
                        ui.add(l);
                    }
                }
                let mut ascii = String::with_capacity(per_row);
                crate::output::push_ascii(&mut ascii, chunk);
                ui.add(
                    egui::Label::new(RichText::new(ascii).font(font.clone()).weak())
                        .selectable(false),
                );
            });
        }
    });
    clicked
}
