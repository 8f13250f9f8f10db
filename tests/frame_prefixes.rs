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

/// The list-row decode (no field trees, no sentence) gives exactly the same columns, summary,
/// layers and notes as the full decode, for every packet we have.
#[test]
fn summary_decode_agrees_with_full_decode() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut n = 0;
    for f in std::fs::read_dir(dir).unwrap().flatten() {
        let name = f.file_name().into_string().unwrap();
        if !(name.ends_with(".pcap") || name.ends_with(".pcapng")) {
            continue;
        }
        for (meta, bytes) in frames(&name) {
            let full = decode(&meta, &bytes);
            let row = layerscope::decode::decode_summary(&meta, &bytes);
            assert_eq!(row.summary, full.summary, "{name} #{}", meta.number);
            assert_eq!(row.protocol, full.protocol);
            assert_eq!(row.source, full.source);
            assert_eq!(row.destination, full.destination);
            assert_eq!(row.notes.len(), full.notes.len());
            let shape = |p: &layerscope::model::Packet| {
                p.layers
                    .iter()
                    .map(|l| (l.protocol, l.offset, l.length))
                    .collect::<Vec<_>>()
            };
            assert_eq!(shape(&row), shape(&full), "{name} #{}", meta.number);
            assert!(row
                .layers
                .iter()
                .all(|l| l.fields.is_empty() && !l.has_fields()));
            assert!(row.sentence.is_empty() && !full.sentence.is_empty());
            n += 1;
        }
    }
    assert!(n > 1000);
}
