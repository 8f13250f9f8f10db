//! The status bar: messages first (errors, warnings, what was saved), each on its own line and
//! wrapped so none is cut; then one line of counts and the colour legend, elided when narrow.

use super::*;

pub fn bottom_bar(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let pal = super::super::theme::current();
    egui::Panel::bottom("status").show(ui, |ui| {
        let mut dismiss = false;
        if let Some(e) = &app.error {
            ui.horizontal(|ui| {
                if ui.small_button("✕").on_hover_text("Dismiss").clicked() {
                    dismiss = true;
                }
                ui.add(
                    egui::Label::new(RichText::new(format!("Error: {e}")).color(pal.error)).wrap(),
                );
            });
        }
        if dismiss {
            app.error = None;
        }
        if let Some(w) = &app.file_warning {
            ui.add(egui::Label::new(RichText::new(w).color(pal.warn)).wrap());
        }
        let mut dismiss = false;
        if let Some(n) = &app.notice {
            ui.horizontal(|ui| {
                if ui.small_button("✕").on_hover_text("Dismiss").clicked() {
                    dismiss = true;
                }
                ui.add(egui::Label::new(n.as_str()).wrap());
            });
        }
        if dismiss {
            app.notice = None;
        }
        if let Some(cap) = &app.capture {
            if let Some(e) = cap.store.error() {
                ui.add(
                    egui::Label::new(
                        RichText::new(format!("File damaged: {e} (earlier packets kept)"))
                            .color(pal.warn),
                    )
                    .wrap(),
                );
            }
            for line in cap.limits_report() {
                ui.add(egui::Label::new(RichText::new(line).color(pal.warn)).wrap());
            }
        }
        ui.horizontal(|ui| {
            if let Some(pr) = app.loading_progress() {
                ui.add(
                    egui::ProgressBar::new(pr)
                        .desired_width(ui.available_width().min(160.0))
                        .show_percentage(),
                );
                ui.label(if app.previewing() {
                    "Loading… the first packets are shown"
                } else {
                    "Loading…"
                });
            }
            let mut stop = false;
            if let Some(s) = &app.live.session {
                if !s.ended {
                    ui.label(RichText::new("LIVE").strong().color(pal.error));
                    if ui
                        .small_button("Stop")
                        .on_hover_text("Stop the live capture or demo")
                        .clicked()
                    {
                        stop = true;
                    }
                }
                let mut counts = s.counters().summary();
                if s.ring.evicted > 0 {
                    counts.push_str(&format!(
                        " · {} dropped (memory cap)",
                        crate::model::count(s.ring.evicted, "oldest packet")
                    ));
                }
                ui.add(egui::Label::new(counts).truncate());
            }
            if stop {
                app.stop_live();
            }
            let mut line = app.file_name.clone();
            if let Some(cap) = &app.capture {
                line.push_str(&format!(
                    " · {}, {} shown, {}",
                    crate::model::count(cap.len(), "packet"),
                    app.visible.len(),
                    crate::model::count(cap.conversations().len(), "conversation")
                ));
            }
            let legend: Vec<Protocol> = Protocol::legend().collect();
            let font = egui::TextStyle::Body.resolve(ui.style());
            let gap = ui.spacing().item_spacing.x;
            let legend_w: f32 = legend
                .iter()
                .map(|p| {
                    ui.fonts_mut(|f| {
                        f.layout_no_wrap(p.short_name().into(), font.clone(), Color32::WHITE)
                            .size()
                            .x
                    }) + gap
                })
                .sum();
            let room = ui.available_width();
            let show_legend = room - legend_w >= room * 0.4;
            let text_w = if show_legend {
                room - legend_w - gap
            } else {
                room * 0.8
            };
            ui.allocate_ui(
                Vec2::new(text_w, ui.text_style_height(&egui::TextStyle::Body)),
                |ui| {
                    ui.set_width(text_w);
                    ui.add(egui::Label::new(line).truncate());
                },
            );
            if show_legend {
                for &p in &legend {
                    ui.label(RichText::new(p.short_name()).color(color(p)));
                }
            } else {
                ui.label("Colours").on_hover_ui(|ui| {
                    for &p in &legend {
                        ui.label(RichText::new(p.short_name()).color(color(p)));
                    }
                });
            }
        });
    });
}
