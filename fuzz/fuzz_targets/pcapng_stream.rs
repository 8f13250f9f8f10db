//! The pcapng stream reader (a demo child's stdout, read through pcap-file) on arbitrary
//! bytes: it must end, error or deliver packets — never hang or panic.
#![no_main]

use layerscope::capture::pcapng::{StreamItem, StreamReader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut r) = StreamReader::new(data) else {
        return;
    };
    let mut n = 0usize;
    while let Some(item) = r.next_item() {
        n += 1;
        assert!(
            n <= data.len(),
            "more items than bytes: the reader must advance"
        );
        match item {
            Ok(StreamItem::Packet(p)) => assert!(p.data.len() <= data.len()),
            Ok(StreamItem::Interface(_)) => {}
            Err(_) => break,
        }
    }
});
