//! UI frame time with many packets loaded: the median time of the app's `ui` call over 60
//! frames, driven by egui_kittest (no GPU). Run: `cargo bench --bench ui -- FILE` (default:
//! target/bench/big.pcap from scripts/bench-vs-tshark.sh, else the bundled sample).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use egui_kittest::Harness;
use layerscope::gui::{LayerscopeApp, Settings, SystemDialog};
use std::path::PathBuf;

fn main() {
    let arg = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let path = arg.map(PathBuf::from).unwrap_or_else(|| {
        let big = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench/big.pcap");
        if big.exists() {
            big
        } else {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/socketio-chat.pcap")
        }
    });
    let t = std::time::Instant::now();
    let mut app = LayerscopeApp::new(Settings::default(), Box::new(SystemDialog));
    app.open_blocking(&path);
    let load = t.elapsed();
    let n = app.capture.as_ref().map_or(0, |c| c.len());
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_ui_state(|ui, app: &mut LayerscopeApp| app.ui(ui), app);
    let mut times = Vec::new();
    for k in 0..60 {
        // Scroll through the list as a user would: select packets spread over the capture.
        h.state_mut().select((k * n / 60).min(n.saturating_sub(1)));
        h.step();
        times.push(h.state().last_frame_secs);
    }
    let (median, max) = spread(&mut times);
    println!(
        "{}: {n} packets, opened and analysed in {:.2} s; UI frame median {median:.2} ms, max {max:.2} ms",
        path.display(),
        load.as_secs_f64(),
    );
    // Replay near the end of the capture, playing at 10x (packets arrive every frame).
    h.state_mut().select(n.saturating_sub(5_000));
    h.state_mut().step(1);
    h.state_mut().settings.pace = layerscope::gui::Pace::CaptureTime { speed: 10.0 };
    h.state_mut().replay.playing = true;
    let mut times = Vec::new();
    for _ in 0..60 {
        h.step();
        times.push(h.state().last_frame_secs);
    }
    let (median, max) = spread(&mut times);
    let at = h.state().replay.position;
    println!("replay at packet {at}: UI frame median {median:.2} ms, max {max:.2} ms");
}

/// Median and maximum, in milliseconds.
fn spread(times: &mut [f64]) -> (f64, f64) {
    times.sort_by(|a, b| a.total_cmp(b));
    (times[times.len() / 2] * 1e3, times[times.len() - 1] * 1e3)
}
