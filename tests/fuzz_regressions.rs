//! Inputs the fuzzers found that once crashed a decoder; each must now decode without panic.
//! Files in `tests/regressions/`: `crash-*` from the `capture_file` target are whole capture
//! files; `frame-*` from the `frame` target are one link-type selector byte plus a frame.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use layerscope::capture::Reader;
use layerscope::decode::{decode, decode_summary};
use layerscope::model::{FrameMeta, Timestamp};
use std::path::Path;

const LINK_TYPES: [u32; 11] = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147];

#[test]
fn fuzz_findings_decode_without_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut n = 0;
    for f in std::fs::read_dir(dir).unwrap().flatten() {
        let name = f.file_name().into_string().unwrap();
        let bytes = std::fs::read(f.path()).unwrap();
        if name.starts_with("frame-") {
            let Some((&sel, frame)) = bytes.split_first() else {
                continue;
            };
            let meta = FrameMeta {
                number: 1,
                timestamp: Timestamp { ns: 0, digits: 6 },
                caplen: frame.len() as u32,
                wirelen: if sel & 0x80 != 0 {
                    frame.len() as u32 + 100
                } else {
                    frame.len() as u32
                },
                link_type: LINK_TYPES[sel as usize % LINK_TYPES.len()],
                interface: 0,
            };
            assert_eq!(
                decode(&meta, frame).summary,
                decode_summary(&meta, frame).summary
            );
        } else if let Ok(mut r) = Reader::new(&bytes) {
            while let Some(p) = r.next_packet() {
                let _ = decode(&p.meta, p.data);
            }
        }
        n += 1;
    }
    assert!(n >= 2, "regression inputs missing");
}
