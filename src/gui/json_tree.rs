//! Socket.IO arguments as a collapsible JSON tree: the structure an event carries, beside its
//! text in the field list.

use eframe::egui;

/// Socket.IO arguments as a collapsible JSON tree (what the event carries, structured).
pub fn args_tree(ui: &mut egui::Ui, id: (usize, usize), text: &str) {
    // A value cut at the field limit is no longer JSON, and a big one would be parsed on
    // every frame: no tree then (the field's text and the hex pane show it).
    if text.len() > MAX_TREE_TEXT {
        return;
    }
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    ui.indent(("args-tree", id), |ui| {
        egui::CollapsingHeader::new("Arguments as a JSON tree")
            .id_salt(("args", id))
            .default_open(true)
            .show(ui, |ui| match &v {
                serde_json::Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        json_node(
                            ui,
                            &format!("argument {}", i + 1),
                            item,
                            ui.scope_id().with(("args", id, i)),
                        );
                    }
                }
                other => json_node(ui, "arguments", other, ui.scope_id().with(("args", id))),
            });
    });
}

/// Arguments bigger than this get no tree.
const MAX_TREE_TEXT: usize = 16 << 10;
/// Children of one object or array shown; the rest are counted.
const MAX_CHILDREN: usize = 100;

fn json_node(ui: &mut egui::Ui, key: &str, v: &serde_json::Value, id: egui::Id) {
    use serde_json::Value as J;
    let kind = |v: &J| match v {
        J::Null => "null",
        J::Bool(_) => "boolean",
        J::Number(_) => "number",
        J::String(_) => "string",
        J::Array(_) => "array",
        J::Object(_) => "object",
    };
    match v {
        J::Object(map) => {
            egui::CollapsingHeader::new(format!("{key}: object ({} keys)", map.len()))
                .id_salt(id.with(key))
                .default_open(map.len() <= 8)
                .show(ui, |ui| {
                    for (k, child) in map.iter().take(MAX_CHILDREN) {
                        json_node(ui, k, child, id.with(key));
                    }
                    if map.len() > MAX_CHILDREN {
                        ui.label(format!("… {} more keys", map.len() - MAX_CHILDREN));
                    }
                });
        }
        J::Array(items) => {
            egui::CollapsingHeader::new(format!("{key}: array ({} items)", items.len()))
                .id_salt(id.with(key))
                .default_open(items.len() <= 8)
                .show(ui, |ui| {
                    for (i, child) in items.iter().enumerate().take(MAX_CHILDREN) {
                        json_node(ui, &format!("[{i}]"), child, id.with(key));
                    }
                    if items.len() > MAX_CHILDREN {
                        ui.label(format!("… {} more items", items.len() - MAX_CHILDREN));
                    }
                });
        }
        scalar => {
            ui.label(crate::gui::views::plain(&format!(
                "{key}: {scalar} ({})",
                kind(scalar)
            )));
        }
    }
}
