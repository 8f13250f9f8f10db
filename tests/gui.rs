//! The desktop app's behaviour through egui_kittest: widgets are found by their accessible
//! labels (AccessKit), no GPU or display needed.

#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use eframe::egui;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use layerscope::gui::{FileDialog, LayerscopeApp, Pick, Settings, Tab};
use layerscope::model::Protocol;
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The "open" dialog of the tests: hands out the paths it was given.
struct Fixed(Vec<PathBuf>);

impl FileDialog for Fixed {
    fn pick(&mut self, _start: Option<&Path>) -> Pick {
        self.0.pop().map_or(Pick::Cancelled, Pick::Chosen)
    }
}

fn harness(file: &str) -> Harness<'static, LayerscopeApp> {
    let mut app = LayerscopeApp::new(Settings::default(), Box::new(Fixed(vec![])));
    app.open_blocking(&data(file));
    assert!(app.capture.is_some(), "{:?}", app.error);
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .with_max_steps(16)
        .build_ui_state(|ui, app: &mut LayerscopeApp| app.ui(ui), app);
    h.run();
    h
}

#[test]
fn selecting_a_packet_fills_the_layer_stack_and_field_tree() {
    let mut h = harness("nodejs-socketio-chat-upgrade.pcap");
    h.get_by_label("Layers: OSI beside TCP/IP");
    h.get_by_label("7 Application");
    h.get_by_label("1 Physical");
    // Packet 146: a client's Socket.IO "chat message" with ack 0.
    h.state_mut().select(145);
    h.run();
    h.get_by_label_contains("Socket.IO: Socket.IO packet type: EVENT (2)");
    h.get_by_label_contains("Event name = chat message");
    h.get_by_label_contains("Masking key = ");
    // An empty OSI row says why.
    let p = h.state().detail.clone().unwrap();
    assert!(p.layers.iter().any(|l| l.protocol == Protocol::WebSocket));
}

#[test]
fn clicking_a_field_highlights_its_bytes() {
    let mut h = harness("zeek-http-get-gzip.pcap");
    h.state_mut().select(0);
    h.run();
    h.get_by_label("Destination port = 80").click_accesskit();
    h.run();
    assert_eq!(h.state().highlighted(), Some(36..38));
    // A flag highlights the byte(s) holding it.
    h.get_by_label_contains("Syn = Set").click_accesskit();
    h.run();
    assert_eq!(h.state().highlighted(), Some(46..48));
}

#[test]
fn replay_steps_packet_by_packet() {
    let mut h = harness("suricata-basic_websockets.pcap");
    h.state_mut().selected = None;
    h.get_by_label("Step ▶").click();
    h.run();
    assert!(h.state().replay.active);
    let pos = h.state().replay.position;
    assert_eq!(h.state().selected, Some(pos - 1));
    assert_eq!(
        h.state().visible.len(),
        pos,
        "only arrived packets are listed"
    );
    h.get_by_label("Step ▶").click();
    h.run();
    assert_eq!(h.state().replay.position, pos + 1);
    h.get_by_label("◀ Step").click();
    h.run();
    assert_eq!(h.state().replay.position, pos);
    // Space plays.
    h.key_press(egui::Key::Space);
    h.run_steps(3);
    assert!(h.state().replay.playing);
}

#[test]
fn replay_under_a_filter_lists_what_filtering_from_scratch_lists() {
    let mut h = harness("nodejs-socketio-chat-upgrade.pcap");
    h.state_mut().filter_text = "websocket || http".into();
    h.get_by_label("Apply").click();
    h.run();
    h.state_mut().selected = None;
    let check = |h: &mut Harness<'_, LayerscopeApp>| {
        let incremental = h.state().visible.clone();
        h.state_mut().refilter();
        assert_eq!(incremental, h.state().visible);
        assert!(incremental
            .iter()
            .all(|&i| (i as usize) < h.state().replay.position));
    };
    for _ in 0..60 {
        h.state_mut().step(1);
    }
    check(&mut h);
    assert!(!h.state().visible.is_empty());
    for _ in 0..25 {
        h.state_mut().step(-1);
    }
    check(&mut h);
    h.state_mut().step(40);
    check(&mut h);
    h.key_press(egui::Key::Space);
    h.run_steps(5);
    check(&mut h);
}

#[test]
fn filters_apply_and_bad_syntax_is_explained() {
    let mut h = harness("nodejs-socketio-chat-upgrade.pcap");
    let all = h.state().visible.len();
    h.state_mut().filter_text = "socketio.event == \"chat message\"".into();
    h.get_by_label("Apply").click();
    h.run();
    assert_eq!(
        h.state().visible.len(),
        4,
        "the emit and its three broadcasts"
    );
    h.state_mut().filter_text = "tcp.port ==".into();
    h.get_by_label("Apply").click();
    h.run();
    h.get_by_label_contains("filter error at character 11");
    assert_eq!(
        h.state().visible.len(),
        4,
        "a bad filter keeps the last good one"
    );
    h.get_by_label("Clear").click();
    h.run();
    assert_eq!(h.state().visible.len(), all);
    // Quick toggle, in the "Show" menu.
    h.get_by_label_contains("Show: all").click();
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::CheckBox, "DNS")
        .click();
    h.run();
    assert_eq!(h.state().visible.len(), 0);
}

#[test]
fn glossary_jumps_to_a_packet_or_says_why_not() {
    let mut h = harness("nodejs-socketio-chat-upgrade.pcap");
    h.get_by_label("Glossary").click();
    h.run();
    assert_eq!(h.state().tab, Tab::Glossary);
    h.get_by_label("Show me: WebSocket").click_accesskit();
    h.run();
    let p = h.state().detail.clone().unwrap();
    assert!(p.layers.iter().any(|l| l.protocol == Protocol::WebSocket));
    // "Show me" opens the view that shows the term best; the glossary is one click away.
    assert_eq!(h.state().tab, Tab::Details);
    h.get_by_label("Glossary").click();
    h.run();
    h.get_by_label("Show me: Broadcast").click_accesskit();
    h.run();
    assert_eq!(h.state().tab, Tab::Ladder);
    assert!(
        h.state().fan_out,
        "a broadcast shows best in the Socket.IO view"
    );
    h.get_by_label("Glossary").click();
    h.run();
    assert!(h
        .state()
        .detail
        .as_ref()
        .unwrap()
        .field("socketio.event")
        .is_some());
    // This capture has no UDP: the button is disabled and says why.
    h.get_by_label_contains("not in this capture: it needs a UDP datagram");
}

#[test]
fn classroom_keys_and_open_dialog() {
    let mut app = LayerscopeApp::new(
        Settings::default(),
        Box::new(Fixed(vec![data("crafted-l2l4.pcap")])),
    );
    app.open_blocking(&data("zeek-http-get-gzip.pcap"));
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .with_max_steps(16)
        .build_ui_state(|ui, app: &mut LayerscopeApp| app.ui(ui), app);
    h.run();
    h.key_press(egui::Key::F2);
    h.run();
    assert_eq!(h.state().settings.font_scale, 2.0);
    // At 2x the toolbar keeps "Open…" in "More"; Ctrl+O opens it from anywhere.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::O);
    h.run();
    for _ in 0..500 {
        h.run_steps(1);
        if h.state().file_name == "crafted-l2l4.pcap" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(h.state().file_name, "crafted-l2l4.pcap");
    assert_eq!(
        h.state().settings.recent.first().map(String::as_str),
        Some(data("crafted-l2l4.pcap").to_str().unwrap())
    );
}

/// The live window runs a real demo: packets arrive in the list while it plays, the demo's
/// narration shows, and the result saves as pcapng (all, or only the displayed packets).
#[cfg(target_os = "linux")]
#[test]
fn live_window_runs_a_demo_and_saves_it() {
    // The demo runs in a child process of the real binary.
    std::env::set_var("LAYERSCOPE_BIN", env!("CARGO_BIN_EXE_layerscope"));
    let out =
        std::env::temp_dir().join(format!("layerscope-gui-demo-{}.pcapng", std::process::id()));
    let settings = Settings {
        demo_pace_ms: 10,
        ..Settings::default()
    };
    let app = LayerscopeApp::new(settings, Box::new(Fixed(vec![])));
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .with_max_steps(16)
        .build_ui_state(|ui, app: &mut LayerscopeApp| app.ui(ui), app);
    h.run();
    h.get_by_label("Live & demos").click_accesskit();
    h.run();
    assert!(h.state().live.open, "the button opens the live window");
    h.get_by_label("Run dns").click();
    h.run();
    let start = std::time::Instant::now();
    while h.state().live.session.as_ref().is_some_and(|s| !s.ended) {
        assert!(start.elapsed().as_secs() < 30, "demo did not finish");
        std::thread::sleep(std::time::Duration::from_millis(20));
        h.step();
    }
    h.run();
    let st = h.state();
    let status = st.live.status.clone().unwrap_or_default();
    if status.contains("isolation: none") || status.contains("CAP_NET_RAW") {
        eprintln!("SKIPPED: no user namespaces and no CAP_NET_RAW here: {status}");
        return;
    }
    assert_eq!(st.capture.as_ref().map(|c| c.len()), Some(8), "{status}");
    assert_eq!(st.visible.len(), 8);
    let steps = st.live.session.as_ref().unwrap().steps();
    assert!(
        steps
            .iter()
            .any(|s| s.text.contains("NXDOMAIN") || s.text.contains("does not exist")),
        "{steps:?}"
    );
    assert!(
        h.query_all_by_label_contains("8 received · 0 dropped by the kernel")
            .count()
            >= 1
    );
    // Save only the answers.
    let app = h.state_mut();
    app.filter_text = "dns.flags.response == 1".into();
    assert_eq!(app.apply_filter(), None);
    assert_eq!(app.visible.len(), 4);
    assert_eq!(app.save_pcapng(&out, true), Ok(4));
    let saved = layerscope::engine::Capture::open(&out, |_, _| {}).unwrap();
    assert_eq!(saved.len(), 4);
    assert_eq!(app.save_pcapng(&out, false), Ok(8));
    // A save that cannot happen says so and leaves the earlier file alone.
    let bad = Path::new("/nonexistent-folder/x.pcapng");
    assert!(app.save_pcapng(bad, false).is_err());
    assert!(app.live.status.clone().unwrap().contains("save failed"));
    assert_eq!(
        layerscope::engine::Capture::open(&out, |_, _| {})
            .unwrap()
            .len(),
        8
    );
    let _ = std::fs::remove_file(out);
}

/// A big file shows its first packets while the rest is still loading, and the full capture
/// replaces them (keeping the selection) when it is ready.
#[test]
fn big_file_shows_its_first_packets_while_loading() {
    let mut app = LayerscopeApp::new(Settings::default(), Box::new(Fixed(vec![])));
    // Treat every file as big, and preview 10 packets.
    app.preview = (0, 10);
    app.open(&data("nodejs-socketio-chat-upgrade.pcap"), None);
    let start = std::time::Instant::now();
    let wait = |app: &mut LayerscopeApp, done: &dyn Fn(&LayerscopeApp) -> bool| {
        while !done(app) {
            assert!(start.elapsed().as_secs() < 10);
            std::thread::sleep(std::time::Duration::from_millis(2));
            app.poll_loading();
        }
    };
    wait(&mut app, &|a| a.capture.is_some());
    // The first message is always the preview.
    assert_eq!(app.capture.as_ref().unwrap().len(), 10);
    assert!(app.previewing());
    assert!(app.file_name.contains("first 10 packets"));
    app.select(4);
    // The window shows it, and says the rest is coming.
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .with_max_steps(16)
        .build_ui_state(|ui, app: &mut LayerscopeApp| app.ui(ui), app);
    h.step();
    let app = h.state_mut();
    wait(app, &|a| !a.previewing() && a.loading_progress().is_none());
    assert_eq!(app.capture.as_ref().unwrap().len(), 199);
    assert_eq!(app.selected, Some(4), "the pick made in the preview stays");
    assert_eq!(app.file_name, "nodejs-socketio-chat-upgrade.pcap");
}

/// Socket.IO arguments also show as a JSON tree (structure, not just text).
#[test]
fn socketio_arguments_show_as_a_json_tree() {
    let mut h = harness("nodejs-socketio-chat-upgrade.pcap");
    // Packet 146: a client's "chat message" event.
    h.state_mut().select(145);
    h.run();
    h.get_by_label("Arguments as a JSON tree");
    h.get_by_label_contains("argument 1: ");
}

/// Another program cuts the open file: the window says so and keeps working.
#[test]
fn a_file_cut_on_disk_is_reported_in_the_window() {
    let dir = std::env::temp_dir().join(format!("layerscope-gui-cut-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("chat.pcap");
    std::fs::copy(data("nodejs-socketio-chat-upgrade.pcap"), &p).unwrap();
    let mut app = LayerscopeApp::new(Settings::default(), Box::new(Fixed(vec![])));
    app.open_blocking(&p);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(10)
        .unwrap();
    app.check_file();
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .with_max_steps(16)
        .build_ui_state(|ui, app: &mut LayerscopeApp| app.ui(ui), app);
    h.run();
    h.get_by_label_contains("chat.pcap shrank on disk after it was opened");
    // Every packet still decodes from the copy that was read.
    h.state_mut().select(198);
    h.run();
    assert!(h.state().detail.is_some());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn broadcast_view_marks_each_kind_of_emit_and_the_unhandled_event() {
    // The bundled capture (tests/data keeps the same file): a broadcast (#148), a room emit
    // (#165), a private emit (#163) and an event nobody handles (#157).
    let mut h = harness("nodejs-socketio-chat-upgrade.pcap");
    h.state_mut().select(147);
    h.state_mut().tab = Tab::Ladder;
    h.state_mut().fan_out = true;
    h.run();
    for tag in [
        "to all (3)",
        "to a room (2 of 3)",
        "to one socket",
        "no reply: ignored (no handler?)",
        "acked in #153",
        "ack of #146",
    ] {
        assert!(
            h.query_all_by_label_contains(tag).next().is_some(),
            "{tag} is shown"
        );
    }
    // Clients are named in order of connection.
    for c in ["client 1", "client 2", "client 3"] {
        h.get_by_label(c);
    }
}

#[test]
fn sockets_view_lists_the_listening_socket_and_a_socket_per_client() {
    let mut h = harness("nodejs-socketio-chat-upgrade.pcap");
    h.state_mut().select(0);
    h.state_mut().tab = Tab::Sockets;
    h.run();
    h.get_by_label_contains("Listening socket 127.0.0.1:3000");
    // 14 TCP connections: each client's long-polling requests and its WebSocket.
    h.get_by_label_contains("14 connections to this listening socket, 14 accepted");
    for c in [
        "client 1: 5 sockets",
        "client 2: 5 sockets",
        "client 3: 4 sockets",
    ] {
        h.get_by_label_contains(c);
    }
    // A click on a socket selects its first packet.
    h.get_by_label_contains("socket 127.0.0.1:49308")
        .click_accesskit();
    h.run();
    assert_eq!(
        h.state().selected,
        Some(26),
        "#27 opens client 1's WebSocket connection"
    );
}

/// `--listen-lan`: the join window shows the students' address large, its QR code big
/// enough to scan from the back of a room, and the computer's other addresses.
#[test]
fn join_window_shows_the_address_and_its_qr_code() {
    let urls = vec![
        "http://192.0.2.7:3000/?code=4821".to_string(),
        "http://10.0.0.2:3000/?code=4821".to_string(),
    ];
    let mut h = Harness::builder()
        .with_size([1280.0, 720.0])
        .build_ui(move |ui| layerscope::gui::join_contents(ui, &urls));
    h.run();
    h.get_by_label("http://192.0.2.7:3000/?code=4821");
    h.get_by_label("or http://10.0.0.2:3000/?code=4821");
    let qr = h.get_by_label("QR code of http://192.0.2.7:3000/?code=4821");
    let r = qr.rect();
    assert!(
        r.width() >= 300.0 && (r.width() - r.height()).abs() < 0.5,
        "{r:?}"
    );
}

/// Views ask for actions; the app applies them when the frame ends, in order, and draws the
/// next frame with the result (so no view of a frame draws another selection than the rest).
#[test]
fn actions_apply_at_the_end_of_the_frame_in_order() {
    use layerscope::gui::Action;
    let mut h = harness("nodejs-socketio-chat-upgrade.pcap");
    let before = h.state().selected;
    h.state_mut().act(Action::Select(145));
    h.state_mut().act(Action::Filter("socketio".into()));
    // Asked for, not yet done.
    assert_eq!(h.state().selected, before);
    assert!(h.state().applied.is_none());
    h.step();
    assert_eq!(h.state().selected, Some(145));
    assert!(h.state().applied.is_some(), "the filter was applied");
    let p = h
        .state()
        .detail
        .clone()
        .expect("the selected packet, decoded");
    assert_eq!(p.meta.number, 146);
    // The frames after it draw the new selection.
    h.run();
    h.get_by_label_contains("Event name = chat message");
}
