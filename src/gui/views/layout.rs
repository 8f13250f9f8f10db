//! Where the panes go, in fractions of the window, so a 640x360-point projector (1280x720 at
//! text size 2) shows the same panes as a 1920x1080 monitor.
//!
//! Analyst layout: the packet list on top, the layer stack and encapsulation strip on the
//! left, the fields and bytes (or the ladder, sockets, glossary) on the right. Presenter
//! layout: the list shrinks to a strip of three rows around the selection, the layer stack and
//! strip on the left, the ladder on the right; the sentence above is large.
//!
//! Why fractions and not egui's remembered sizes: a splitter dragged at text size 1 keeps its
//! width in points, and at text size 2.5 that width would push the neighbours off the window
//! (the fields pane shrank to 70 px). Each panel's size is bounded by fractions of what is
//! there now; inside those bounds the user's drag is kept. Splitters carry a visible grip.

use super::super::shots::Pane;
use super::*;

/// Draw a grip on the edge a resizable panel shares with its neighbour, so a splitter is
/// visible before it is hovered.
fn grip(ui: &egui::Ui, rect: egui::Rect, vertical_edge: bool) {
    let c = ui.visuals().widgets.inactive.fg_stroke.color;
    // On the panels' own layer, painted after them: above their contents, below windows.
    let painter = ui.ctx().layer_painter(egui::LayerId::background());
    let (a, b) = if vertical_edge {
        let x = rect.right();
        let y = rect.center().y;
        (egui::pos2(x, y - 14.0), egui::pos2(x, y + 14.0))
    } else {
        let y = rect.bottom();
        let x = rect.center().x;
        (egui::pos2(x - 14.0, y), egui::pos2(x + 14.0, y))
    };
    painter.line_segment([a, b], Stroke::new(4.0, c));
}

pub fn main_area(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    if app.settings.presenter {
        presenter(app, ui);
    } else {
        analyst(app, ui);
    }
}

/// Height of `rows` list rows plus the header.
fn list_height(ui: &egui::Ui, rows: f32) -> f32 {
    let h = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
    h * (rows + 1.0) + 8.0
}

/// Panel ids carry the text size in effect and the window's size (in steps of 64 points): a
/// size dragged at one text or window size is not forced on another, where it could squeeze
/// its neighbours (each starts again from its fraction of the window).
fn panel_id(name: &'static str, ui: &egui::Ui) -> (&'static str, i32, i32, i32) {
    let r = ui.ctx().content_rect();
    (
        name,
        (ui.ctx().zoom_factor() * 10.0).round() as i32,
        (r.width() / 64.0) as i32,
        (r.height() / 64.0) as i32,
    )
}

fn analyst(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let h = ui.available_height();
    let compact = super::layers::compact(ui);
    let min_list = list_height(ui, 3.0).min(h * 0.45);
    let default = if compact {
        min_list
    } else {
        h * app.settings.list_fraction.min(0.35)
    };
    let r = egui::Panel::top(panel_id("packet-list", ui))
        .resizable(true)
        .default_size(default)
        .size_range(min_list..=(h * 0.6).max(min_list))
        .show(ui, |ui| {
            super::packet_list(app, ui);
            // Keep the panel's height while the list is short (a live capture starts empty).
            let want = ui.available_height();
            if app.visible.len() < 3 && want > 0.0 {
                ui.allocate_space(egui::vec2(ui.available_width(), want));
            }
        });
    app.pane_at(Pane::List, r.response.rect);
    app.list_height_is(r.response.rect.height());
    grip(ui, r.response.rect, false);
    // A small window (a projector at 2x) moves the encapsulation strip above the fields, so
    // the layer stack's seven rows fit on their own.
    stack_panel(
        app,
        ui,
        "layer-stack",
        if compact { 0.5 } else { 0.42 },
        0.3,
        compact,
    );
    let r = egui::CentralPanel::default().show(ui, |ui| {
        tabs(app, ui, compact);
        match app.tab {
            Tab::Details => {
                if compact {
                    encapsulation_strip(app, ui);
                }
                details(app, ui)
            }
            Tab::Ladder => ladder(app, ui),
            Tab::Sockets => super::sockets::sockets_view(app, ui),
            Tab::Glossary => super::glossary_view(app, ui),
        }
    });
    app.pane_at(Pane::Details, r.response.rect);
}

/// The left panel: the layer stack, and the encapsulation strip under it where there is room
/// (a compact window draws the strip on the right). `default` and `min` are fractions of the
/// width.
fn stack_panel(
    app: &mut LayerscopeApp,
    ui: &mut egui::Ui,
    name: &'static str,
    default: f32,
    min: f32,
    compact: bool,
) {
    let w = ui.available_width();
    let r = egui::Panel::left(panel_id(name, ui))
        .resizable(true)
        .default_size(w * default)
        .size_range((w * min)..=(w * 0.65))
        .show(ui, |ui| {
            egui::ScrollArea::vertical().id_salt(name).show(ui, |ui| {
                layer_stack(app, ui);
                if !compact {
                    ui.add_space(6.0);
                    encapsulation_strip(app, ui);
                }
            });
        });
    app.pane_at(Pane::Layers, r.response.rect);
    grip(ui, r.response.rect, true);
}

fn tabs(app: &mut LayerscopeApp, ui: &mut egui::Ui, compact: bool) {
    ui.horizontal_wrapped(|ui| {
        for (t, name) in [
            (
                Tab::Details,
                if compact {
                    "Fields"
                } else {
                    "Fields and bytes"
                },
            ),
            (Tab::Ladder, "Ladder"),
            (Tab::Sockets, "Sockets"),
            (Tab::Glossary, "Glossary"),
        ] {
            ui.selectable_value(&mut app.tab, t, name);
        }
    });
    ui.separator();
}

/// What the class looks at: the sentence (above), the layers and the strip, and the ladder;
/// the list reduced to a strip of rows around the selection (no header).
fn presenter(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let compact = super::layers::compact(ui);
    let rows = if compact { 2.0 } else { 3.0 };
    let id = panel_id("packet-strip", ui);
    app.list_layout_changed(!(id.1 ^ (id.2 << 10) ^ (id.3 << 20)));
    let r = egui::Panel::top(id)
        .resizable(false)
        .exact_size(list_height(ui, rows - 1.0))
        .show(ui, |ui| super::packet_list_strip(app, ui));
    app.pane_at(Pane::List, r.response.rect);
    stack_panel(app, ui, "presenter-stack", 0.5, 0.35, compact);
    let r = egui::CentralPanel::default().show(ui, |ui| {
        if compact {
            encapsulation_strip(app, ui);
        }
        ui.horizontal_wrapped(|ui| {
            for (t, name) in [
                (Tab::Ladder, "Ladder"),
                (Tab::Sockets, "Sockets"),
                (
                    Tab::Details,
                    if compact {
                        "Fields"
                    } else {
                        "Fields and bytes"
                    },
                ),
            ] {
                ui.selectable_value(&mut app.tab, t, name);
            }
        });
        ui.separator();
        match app.tab {
            Tab::Details => details(app, ui),
            Tab::Sockets => super::sockets::sockets_view(app, ui),
            _ => ladder(app, ui),
        }
    });
    app.pane_at(Pane::Details, r.response.rect);
}
