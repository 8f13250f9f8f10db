//! The window in a classroom: at projector sizes (1280x720 and 1366x768 with text at 2x,
//! 1920x1080 at 2.5x) every pane is on screen with room to read, nothing overlaps; the list
//! behaves as in Wireshark; typing a filter never fires a shortcut; the presenter layout.
//! Driven with egui_kittest (AccessKit nodes), no display needed.

#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use eframe::egui;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use layerscope::gui::{LayerscopeApp, Pane, Pick, Settings, Tab};
use std::path::{Path, PathBuf};

fn chat() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/socketio-chat.pcap")
}

struct NoDialog;

impl layerscope::gui::FileDialog for NoDialog {
    fn pick(&mut self, _start: Option<&Path>) -> Pick {
        Pick::Cancelled
    }
}

/// A window of `size` pixels with text at `text`x, on the bundled chat, packet `packet`.
fn window(size: [f32; 2], text: f32, packet: usize) -> Harness<'static, LayerscopeApp> {
    let settings = Settings {
        font_scale: text,
        ..Settings::default()
    };
    let mut app = LayerscopeApp::new(settings, Box::new(NoDialog));
    app.open_blocking(&chat());
    app.select(packet - 1);
    let mut h = Harness::builder()
        .with_size(size)
        .with_max_steps(24)
        .build_ui_state(|ui, app: &mut LayerscopeApp| app.ui(ui), app);
    h.run();
    h.run();
    h
}

/// The screen in points (the text size zooms: 1280 px at 2x are 640 points).
fn screen(size: [f32; 2], text: f32) -> egui::Rect {
    egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(size[0] / text, size[1] / text))
}

fn on_screen(h: &Harness<'_, LayerscopeApp>, label: &str, screen: egui::Rect, what: &str) {
    let node = h
        .query_all_by_label_contains(label)
        .next()
        .unwrap_or_else(|| panic!("{what}: no node with '{label}'"));
    let r = node.rect();
    assert!(
        screen.expand(1.0).contains_rect(r),
        "{what}: '{label}' at {r:?} is not inside the window {screen:?}"
    );
    assert!(
        r.width() >= 20.0 && r.height() >= 8.0,
        "{what}: '{label}' is only {r:?}"
    );
}

fn on_screen_exact(h: &Harness<'_, LayerscopeApp>, label: &str, screen: egui::Rect, what: &str) {
    let node = h
        .query_all_by_label(label)
        .next()
        .unwrap_or_else(|| panic!("{what}: no node '{label}'"));
    let r = node.rect();
    assert!(
        screen.expand(1.0).contains_rect(r) && r.height() >= 8.0,
        "{what}: '{label}' at {r:?} is not inside the window {screen:?}"
    );
}

fn every_pane_fits(size: [f32; 2], text: f32) {
    let mut h = window(size, text, 146);
    let screen = screen(size, text);
    on_screen(
        &h,
        "emits Socket.IO event 'chat message'",
        screen,
        "the sentence",
    );
    on_screen(&h, "Destination", screen, "the packet list");
    on_screen(&h, "7 Application", screen, "the layer stack");
    on_screen(&h, "1 Physical", screen, "the layer stack");
    on_screen(
        &h,
        "TCP payload: 42 bytes, carries WebSocket",
        screen,
        "the strip",
    );
    on_screen(&h, "Frame", screen, "the fields");
    on_screen_exact(&h, "0000", screen, "the bytes");
    // The panes are side by side or stacked, never on top of each other.
    let panes = h.state().pane_rects().to_vec();
    for (i, (a, ra)) in panes.iter().enumerate() {
        assert!(
            screen.expand(1.0).contains_rect(*ra),
            "{a:?} {ra:?} off screen"
        );
        for (b, rb) in &panes[i + 1..] {
            let o = ra.intersect(*rb);
            assert!(
                o.width() <= 1.0 || o.height() <= 1.0,
                "{a:?} {ra:?} overlaps {b:?} {rb:?}"
            );
        }
    }
    assert!(panes.len() >= 4, "{panes:?}");
    // The presenter layout shows the sentence, the stack, the strip and the ladder.
    h.key_press(egui::Key::P);
    h.run();
    assert!(h.state().settings.presenter);
    assert_eq!(h.state().tab, Tab::Ladder);
    on_screen(
        &h,
        "emits Socket.IO event 'chat message'",
        screen,
        "presenter: sentence",
    );
    on_screen(&h, "7 Application", screen, "presenter: stack");
    on_screen(&h, "TCP payload: 42 bytes", screen, "presenter: strip");
    on_screen(&h, "#146", screen, "presenter: the ladder's arrow");
    h.key_press(egui::Key::Escape);
    h.run();
    assert!(!h.state().settings.presenter);
}

#[test]
fn every_pane_fits_at_1280x720_with_text_at_2x() {
    every_pane_fits([1280.0, 720.0], 2.0);
}

#[test]
fn every_pane_fits_at_1366x768_with_text_at_2x() {
    every_pane_fits([1366.0, 768.0], 2.0);
}

#[test]
fn every_pane_fits_at_1920x1080_with_text_at_2_5x() {
    every_pane_fits([1920.0, 1080.0], 2.5);
}

#[test]
fn a_click_on_a_rows_text_selects_it_and_the_arrow_keys_move() {
    let mut h = window([1400.0, 900.0], 1.0, 12);
    // Packet 11's Info text (not the blank part of its row).
    h.get_by_label_contains("3000 → 49278 [ACK] Seq=1 Ack=151")
        .click();
    h.run();
    assert_eq!(h.state().selected, Some(10));
    // Packet 10's Info text, then its Time text.
    h.get_by_label_contains("GET /socket.io/?EIO=4&transport=polling&t=19i2paw4")
        .click();
    h.run();
    assert_eq!(h.state().selected, Some(9), "the Info text of #10");
    h.get_by_label("0.001048").click();
    h.run();
    assert_eq!(h.state().selected, Some(3), "the Time text of #4");
    h.key_press(egui::Key::ArrowDown);
    h.run();
    assert_eq!(h.state().selected, Some(4), "↓ moves down");
    h.key_press(egui::Key::ArrowUp);
    h.key_press(egui::Key::ArrowUp);
    h.run();
    assert_eq!(h.state().selected, Some(2), "↑ moves up");
    h.key_press(egui::Key::End);
    h.run();
    assert_eq!(h.state().selected, Some(198));
    h.key_press(egui::Key::Home);
    h.run();
    assert_eq!(h.state().selected, Some(0));
    h.key_press(egui::Key::PageDown);
    h.run();
    assert!(h.state().selected.unwrap() >= 3, "a page down");
    // → outside replay moves like ↓ and does not start the replay.
    let at = h.state().selected.unwrap();
    h.key_press(egui::Key::ArrowRight);
    h.run();
    assert_eq!(h.state().selected, Some(at + 1));
    assert!(!h.state().replay.active);
    assert_eq!(h.state().visible.len(), 199, "every packet still listed");
}

#[test]
fn typing_a_filter_fires_no_shortcut() {
    let mut h = window([1400.0, 900.0], 1.0, 1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    h.run();
    // Space, P, N, L and arrows go into the text field, not to the window.
    for t in ["tcp ", "&& ", "P", "N", "L"] {
        h.event(egui::Event::Text(t.into()));
        h.key_press(egui::Key::Space);
        h.run();
    }
    h.key_press(egui::Key::ArrowRight);
    h.run();
    let app = h.state();
    assert!(
        !app.replay.active && !app.replay.playing,
        "Space did not play"
    );
    assert!(!app.settings.presenter && !app.live.open);
    assert!(app.filter_text.starts_with("tcp "), "{:?}", app.filter_text);
    assert_eq!(
        app.selected,
        Some(0),
        "→ moved the text cursor, not the list"
    );
}

#[test]
fn stepping_and_playing_honour_the_filter() {
    let mut h = window([1400.0, 900.0], 1.0, 1);
    h.state_mut().filter_text = "socketio".into();
    assert_eq!(h.state_mut().apply_filter(), None);
    h.state_mut().selected = None;
    let shown = h.state().visible.clone();
    for (k, &want) in shown.iter().take(4).enumerate() {
        h.state_mut().step(1);
        h.run();
        assert_eq!(
            h.state().selected,
            Some(want as usize),
            "step {k} lands on the next Socket.IO packet"
        );
    }
    // Bare ACKs hidden: Play at a pace of seconds per packet visits shown packets only.
    let mut h = window([1400.0, 900.0], 1.0, 1);
    h.state_mut().toggles.hide_bare_acks = true;
    h.state_mut().refilter();
    h.state_mut().settings.pace = layerscope::gui::Pace::PerPacket { secs: 0.5 };
    h.state_mut().toggle_play();
    for _ in 0..6 {
        h.state_mut().advance(0.5);
        let sel = h.state().selected.unwrap();
        let p = h.state().capture.as_ref().unwrap().row(sel).unwrap();
        assert!(
            !layerscope::gui::is_bare_ack(&p),
            "#{} is a bare ACK",
            sel + 1
        );
    }
    assert_eq!(h.state().visible.len(), 6, "one packet a half second");
}

#[test]
fn next_phase_and_next_message_jump() {
    let mut h = window([1400.0, 900.0], 1.0, 27);
    // #27 opens client 1's WebSocket connection: its next phase is the upgrade (#37).
    h.key_press(egui::Key::N);
    h.run();
    assert_eq!(h.state().selected, Some(36));
    h.key_press(egui::Key::N);
    h.run();
    assert_eq!(h.state().selected, Some(145), "messages start with #146");
    // The next application message after #146.
    h.key_press(egui::Key::M);
    h.run();
    assert_eq!(h.state().selected, Some(147));
}

#[test]
fn every_pane_has_a_picture_rect_for_slides() {
    let h = window([1280.0, 720.0], 2.0, 146);
    let panes: Vec<Pane> = h.state().pane_rects().iter().map(|(p, _)| *p).collect();
    for p in Pane::ALL {
        assert!(panes.contains(&p), "{p:?} in {panes:?}");
    }
}

/// A desktop without a file dialog: "Open" falls back to layerscope's own browser and says
/// why, instead of doing nothing.
struct NoDesktopDialog;

impl layerscope::gui::FileDialog for NoDesktopDialog {
    fn pick(&mut self, _start: Option<&Path>) -> Pick {
        Pick::Unavailable("no desktop portal, zenity or kdialog".into())
    }
}

#[test]
fn open_falls_back_to_the_apps_own_file_browser() {
    let mut app = LayerscopeApp::new(Settings::default(), Box::new(NoDesktopDialog));
    app.open_blocking(&chat());
    // egui_file's own text fields carry no accessible name: its widgets, not ours.
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .with_max_steps(24)
        .with_accessibility_check(false)
        .build_ui_state(|ui, app: &mut LayerscopeApp| app.ui(ui), app);
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::O);
    h.run();
    assert!(
        h.state()
            .notice
            .as_deref()
            .is_some_and(|n| n.contains("own file browser") && n.contains("no desktop portal")),
        "{:?}",
        h.state().notice
    );
    // The browser is a window of the app, with its own Open and Cancel.
    h.get_by_label_contains("Open a capture");
    h.get_by_label("Cancel").click();
    h.run();
    assert!(
        h.query_by_label_contains("Open a capture").is_none(),
        "cancelled and closed"
    );
}
