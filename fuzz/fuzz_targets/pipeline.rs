//! The whole stream pipeline: arbitrary bytes as a capture file, then the flow pass (TCP
//! reassembly → HTTP → WebSocket → permessage-deflate → Engine.IO/Socket.IO, and DNS) and every
//! packet decoded in full, plus the one-pass streaming decoder.
#![no_main]

use layerscope::capture::{PacketStore, Reader};
use layerscope::engine::{Capture, Stream};
use layerscope::flow::FlowConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(store) = PacketStore::from_bytes(data.to_vec()) else { return };
    let cap = Capture::analyse(store, FlowConfig::default(), |_, _| {});
    // A packed message is parsed again from its packet: that must always work.
    for k in 0..cap.app.messages.len() as u32 {
        assert!(cap.message(k).is_some(), "message {k} cannot be built again");
    }
    for i in 0..cap.len() {
        let _ = cap.packet(i);
        let _ = cap.row(i);
    }
    if let Ok(mut r) = Reader::new(data) {
        let mut s = Stream::new();
        while let Some(p) = r.next_packet() {
            let _ = s.next(&p.meta, p.data, &p.comments, true, true);
        }
    }
});
