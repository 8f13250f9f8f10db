//! Socket.IO arguments as a collapsible JSON tree: the structure an event carries, beside its
//! text in the field list.

use eframe::egui;

/// Socket.IO arguments as a collapsible JSON tree (what the event carries, structured).
pub fn args_tree(ui: &mut egui::Ui, id: (usize, usize), text: &str) {
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
                    for (k, child) in map {
                        json_node(ui, k, child, id.with(key));
                    }
                });
        }
        J::Array(items) => {
            egui::CollapsingHeader::new(format!("{key}: array ({} items)", items.len()))
                .id_salt(id.with(key))
                .default_open(items.len() <= 8)
                .show(ui, |ui| {
                    for (i, child) in items.iter().enumerate() {
                        json_node(ui, &format!("[{i}]"), child, id.with(key));
                    }
                });
        }
        scalar => {
            ui.label(format!("{key}: {scalar} ({})", kind(scalar)));
        }
    }
}
