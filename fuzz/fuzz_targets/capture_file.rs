//! The pcap/pcapng read loop on arbitrary bytes, then every packet decoded both ways.
#![no_main]

use layerscope::capture::Reader;
use layerscope::decode::{decode_summary, decode_with};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut r) = Reader::new(data) else { return };
    let mut n = 0usize;
    while let Some(p) = r.next_packet() {
        n += 1;
        assert!(
            n <= data.len(),
            "more packets than bytes: the loop must advance"
        );
        let full = decode_with(&p.meta, p.data, &p.comments, true);
        let row = decode_summary(&p.meta, p.data);
        assert_eq!(full.summary, row.summary);
    }
    if let Some(off) = r.error().and_then(|e| e.offset()) {
        assert!(off as usize <= data.len());
    }
});
