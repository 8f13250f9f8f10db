//! The whole stream pipeline: arbitrary bytes as a capture file, then the flow pass (TCP
//! reassembly → HTTP → WebSocket → permessage-deflate → Engine.IO/Socket.IO, and DNS) and every
//! packet decoded in full, plus the one-pass streaming decoder, alone and sharded over two
//! workers (whose lines must be the single reader's).
#![no_main]

use layerscope::capture::{PacketStore, Reader};
use layerscope::engine::{Capture, Stream};
use layerscope::flow::FlowConfig;
use layerscope::output;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(store) = PacketStore::from_bytes(data.to_vec()) else {
        return;
    };
    let cap = Capture::analyse(store, FlowConfig::default(), |_, _| {});
    // A packed message is parsed again from its packet: that must always work.
    for k in 0..cap.messages().len() as u32 {
        assert!(
            cap.message(k).is_some(),
            "message {k} cannot be built again"
        );
    }
    for i in 0..cap.len() {
        if let Some(p) = cap.packet(i) {
            // Nothing a terminal would obey reaches the texts people read.
            use layerscope::model::text::is_unsafe;
            assert!(!p.summary.contains(is_unsafe), "{:?}", p.summary);
            assert!(!p.sentence.contains(is_unsafe), "{:?}", p.sentence);
            for n in &p.notes {
                assert!(!n.text.contains(is_unsafe), "{:?}", n.text);
            }
            for l in &p.layers {
                assert!(l.fields.len() <= layerscope::model::MAX_FIELDS);
                for f in &l.fields {
                    assert!(!f.display().contains(is_unsafe));
                }
            }
        }
        let _ = cap.row(i);
    }
    if let Ok(mut r) = Reader::new(data) {
        let mut s = Stream::new();
        while let Some(p) = r.next_packet() {
            let _ = s.next(&p.meta, p.data, &p.comments, true, true);
        }
    }
    // Summary lines: one reader, then two workers each keeping its conversations.
    let Ok(mut r) = Reader::new(data) else { return };
    let mut one = Vec::new();
    let mut s = Stream::new();
    while let Some(p) = r.next_packet() {
        let mut line = String::new();
        output::text_line(
            &mut line,
            &s.next(&p.meta, p.data, &p.comments, false, false),
            0,
        );
        one.push(line);
    }
    let mut two = vec![None; one.len()];
    for k in 0..2u32 {
        let Ok(mut r) = Reader::new(data) else { return };
        let mut s = Stream::new();
        let mut i = 0usize;
        while let Some(p) = r.next_packet() {
            let line = s
                .summary_in_shard(&p.meta, p.data, &p.comments, (k, 2))
                .printed_by(i as u64, (k, 2))
                .map(|p| {
                    let mut line = String::new();
                    output::text_line(&mut line, p, 0);
                    line
                });
            if let Some(line) = line {
                assert!(two[i].is_none(), "packet {i} printed by both workers");
                two[i] = Some(line);
            }
            i += 1;
        }
    }
    for (i, (a, b)) in one.iter().zip(&two).enumerate() {
        assert_eq!(Some(a), b.as_ref(), "packet {i}");
    }
});
