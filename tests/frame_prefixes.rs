//! Truncated frames: every prefix (length 0..=len) of real frames decodes without panic, and a
//! cut header is reported with the layer and byte where decoding stopped.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use layerscope::capture::PacketStore;
use layerscope::decode::decode;
use layerscope::model::FrameMeta;
use std::path::Path;

fn frames(name: &str) -> Vec<(FrameMeta, Vec<u8>)> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    let s = PacketStore::open(&p, |_, _| {}).unwrap();
    (0..s.len())
        .map(|i| (s.meta(i).unwrap(), s.data(i).unwrap().to_vec()))
        .collect()
}

#[test]
fn every_prefix_of_real_frames_decodes_and_reports_the_stop() {
    let files = [
        "crafted-l2l4.pcap",
        "zeek-http-get-gzip.pcap",
        "arkime-v6-http.pcap",
        "arkime-twovlan.pcap",
        "suricata-sll2-http.pcap",
        "suricata-websocket-ping-sll.pcap",
        "zeek-null-irc-353.pcap",
        "tcpdump-LINKTYPE_IPV6.pcap",
        "tcpdump-LINKTYPE_RAW_ipv4.pcap",
        "zeek-ipv6-fragmented-dns.pcap",
    ];
    let mut checked = 0;
    for name in files {
        for (meta, bytes) in frames(name).into_iter().take(12) {
            let full = decode(&meta, &bytes);
            for cut in 0..=bytes.len() {
                let mut m = meta;
                m.caplen = cut as u32;
                let p = decode(&m, &bytes[..cut]);
                checked += 1;
                assert!(!p.summary.is_empty());
                for l in &p.layers {
                    assert!(
                        l.offset as usize + l.length as usize <= cut.max(l.offset as usize),
                        "{name}: layer past the cut"
                    );
                    for f in &l.fields {
                        assert!(
                            f.offset as usize + f.length as usize <= cut,
                            "{name}: field {} past the cut at {cut}",
                            f.def.name
                        );
                    }
                }
                // Where a header of the full decode no longer fits, the cut is explained.
                let header_cut = full.layers.iter().skip(1).any(|l| {
                    l.protocol != layerscope::model::Protocol::Data
                        && (l.offset as usize) < cut
                        && cut < (l.offset + l.length) as usize
                });
                if header_cut {
                    let note = p.notes.iter().find(|n| n.kind == "truncated");
                    let note = note.unwrap_or_else(|| {
                        panic!("{name} cut at {cut}: no truncation note: {:?}", p.notes)
                    });
                    assert!(note.text.contains("byte"), "{}", note.text);
                }
            }
        }
    }
    assert!(checked > 5_000);
}
