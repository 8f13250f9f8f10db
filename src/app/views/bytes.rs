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

pub(super) fn field_tree(app: &mut LayerscopeApp, ui: &mut egui::Ui, p: &Packet) {
    for n in &p.notes {
        ui.colored_label(
            Color32::from_rgb(240, 170, 60),
            format!("{:?}: {}", n.severity, n.text),
        );
    }
    let placement = app.settings.placement;
    for (li, l) in p.layers.iter().enumerate() {
        let osi = l.osi_in(placement).number();
        let title = format!(
            "{} — OSI {} ({}), TCP/IP {}",
            l.protocol.long_name(),
            osi,
            osi_name(osi),
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
                        crate::app::json_tree::args_tree(ui, (li, fi), &f.display());
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
    ui.strong("Bytes of the frame");
    // What is header and what is payload, in words.
    let pls = crate::model::roles::payloads(p);
    if let Some(first) = pls.first() {
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
        hex_rows(ui, &r.bytes, 256, |_| color(l.protocol), hi, false);
    }
}

/// Hex rows (offset, 16 bytes, ASCII) of at most `max_rows` lines: each byte coloured by
/// `byte_color`, the `hi` range highlighted; with `clickable`, the byte clicked is returned.
pub(super) fn hex_rows(
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
