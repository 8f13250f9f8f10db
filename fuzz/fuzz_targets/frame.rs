//! The frame decoder for every supported link type: the first byte picks the link type, the
//! rest is the frame. Checks the model's invariants and renders every output format.
#![no_main]

use layerscope::decode::{decode, decode_opt, decode_summary, quick_flow_key, Declined, Options};
use layerscope::model::{FrameMeta, Timestamp};
use layerscope::output;
use libfuzzer_sys::fuzz_target;

const LINK_TYPES: [u32; 11] = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147];

/// Nothing a terminal would obey reaches the texts people read (summary, sentence, notes).
fn safe_to_show(p: &layerscope::model::Packet) {
    use layerscope::model::text::is_unsafe;
    assert!(!p.summary.contains(is_unsafe), "{:?}", p.summary);
    assert!(!p.sentence.contains(is_unsafe), "{:?}", p.sentence);
    assert!(p.summary.len() <= layerscope::model::MAX_SUMMARY + 3);
    for n in &p.notes {
        assert!(!n.text.contains(is_unsafe), "{:?}", n.text);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, frame)) = data.split_first() else {
        return;
    };
    let lt = LINK_TYPES[sel as usize % LINK_TYPES.len()];
    let wire = if sel & 0x80 != 0 {
        frame.len() as u32 + 100
    } else {
        frame.len() as u32
    };
    let meta = FrameMeta {
        number: 1,
        timestamp: Timestamp { ns: 0, digits: 6 },
        caplen: frame.len() as u32,
        wirelen: wire,
        link_type: lt,
        interface: 0,
    };
    let p = decode(&meta, frame);
    safe_to_show(&p);
    for l in &p.layers {
        assert!(l.offset as usize + l.length as usize <= frame.len().max(l.offset as usize));
        assert!((1..=7).contains(&l.osi().number()));
        assert!(l.fields.len() <= layerscope::model::MAX_FIELDS);
        for f in &l.fields {
            assert!(f.offset as usize + f.length as usize <= frame.len());
            let d = f.display();
            assert!(!d.contains(layerscope::model::text::is_unsafe), "{d:?}");
        }
    }
    // Where the quick key reader answers, the decoder's flow hook sees the same key.
    if let Some((src, dst, t)) = quick_flow_key(lt, frame) {
        let mut seen = None;
        let mut hook = |_: &FrameMeta, s, d, u: &layerscope::model::TransportInfo| {
            seen = Some((s, d, u.proto, u.src_port, u.dst_port));
            Err(Declined)
        };
        let _ = decode_opt(
            &meta,
            frame,
            Options {
                flow_hook: Some(&mut hook),
                ..Options::default()
            },
        );
        assert_eq!(seen, Some((src, dst, t.proto, t.src_port, t.dst_port)));
    }
    let row = decode_summary(&meta, frame);
    assert_eq!(row.summary, p.summary);
    let mut s = String::new();
    output::text_line(&mut s, &p, 0);
    let _ = output::explain(&p, frame, None);
    let mut v = Vec::new();
    output::write_json(&mut v, &p).unwrap();
    serde_json::from_slice::<serde_json::Value>(&v).expect("jsonl is valid JSON");
});
