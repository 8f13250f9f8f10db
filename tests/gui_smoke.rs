//! The real binary in a real window: start under Xvfb, open a capture, draw frames, quit
//! cleanly. Skipped (with the reason printed) where Xvfb is not installed; `.ci/run` installs it.

#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn the_app_opens_a_capture_and_quits_cleanly_under_xvfb() {
    if Command::new("Xvfb")
        .arg("-help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_err()
    {
        println!("skipping: Xvfb is not installed (apt-get install xvfb); .ci/run installs it");
        return;
    }
    let display = format!(":{}", 150 + std::process::id() % 50);
    let mut xvfb = Command::new("Xvfb")
        .args([
            display.as_str(),
            "-screen",
            "0",
            "1400x900x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the server's socket rather than a fixed time: on a busy machine Xvfb can take
    // more than a second and a half to start (seen once in CI).
    let socket = format!("/tmp/.X11-unix/X{}", &display[1..]);
    let waiting = Instant::now();
    while !std::path::Path::new(&socket).exists() && waiting.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/nodejs-socketio-chat-upgrade.pcap");
    let mut app = Command::new(env!("CARGO_BIN_EXE_layerscope"))
        .arg(&data)
        .args(["--packet", "146", "--exit-after-frames", "30"])
        .env("DISPLAY", &display)
        .env_remove("WAYLAND_DISPLAY")
        .env("LIBGL_ALWAYS_SOFTWARE", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = app.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > Duration::from_secs(90) {
            let _ = app.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = app.wait_with_output().unwrap();
    let _ = xvfb.kill();
    let _ = xvfb.wait();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let status = status.unwrap_or_else(|| panic!("the app did not quit within 90 s: {stderr}"));
    assert!(status.success(), "the app failed: {status:?}\n{stderr}");
}
