//! Packed messages (see `flow::messages`) are exact: on every bundled capture, each message
//! built again from its record and packet equals the message the pass made, and the packet
//! decodes (field trees, summaries) are identical with packing on and off.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use layerscope::engine::Capture;
use layerscope::flow::app::AppConfig;
use layerscope::flow::FlowConfig;
use std::path::Path;

fn open(path: &Path, pack: bool) -> Option<Capture> {
    let config = AppConfig {
        compact: true,
        pack,
        ..AppConfig::default()
    };
    Capture::open_with(path, FlowConfig::default(), config, |_, _| {}).ok()
}

#[test]
fn packed_messages_equal_the_full_ones() {
    let mut packed_total = 0;
    let mut paths: Vec<_> = std::fs::read_dir("tests/data")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "md"))
        .collect();
    paths.sort();
    for path in &paths {
        let (Some(packed), Some(full)) = (open(path, true), open(path, false)) else {
            continue; // files that do not open are tested elsewhere
        };
        let n = full.messages().len();
        assert_eq!(packed.messages().len(), n, "{}", path.display());
        assert_eq!(full.messages().full_count(), n, "{}", path.display());
        packed_total += n - packed.messages().full_count();
        for k in 0..n as u32 {
            let a = packed.message(k).map(|m| format!("{:?}", *m));
            let b = full.message(k).map(|m| format!("{:?}", *m));
            assert!(a.is_some(), "{} message {k} missing", path.display());
            assert_eq!(a, b, "{} message {k}", path.display());
        }
        for i in 0..full.len() {
            let a = packed.packet(i).map(|p| format!("{p:?}"));
            let b = full.packet(i).map(|p| format!("{p:?}"));
            assert_eq!(a, b, "{} packet {}", path.display(), i + 1);
        }
    }
    assert!(packed_total > 100, "only {packed_total} messages packed");
}
