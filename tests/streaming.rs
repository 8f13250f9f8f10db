//! The one-pass streaming decoder (`layerscope decode`) keeps bounded memory however long the
//! capture: conversations that are over are forgotten and their slots reused, while stream
//! numbers keep counting as in the two-pass reader.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use layerscope::capture::Reader;
use layerscope::engine::Stream;
use layerscope::model::Value;

/// A pcap of `n` short TCP connections, one a second: a SYN from the client, a RST back.
fn connections(n: u32) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]);
    v.extend_from_slice(&[0; 8]);
    v.extend_from_slice(&65535u32.to_le_bytes());
    v.extend_from_slice(&1u32.to_le_bytes());
    for i in 0..n {
        let client = [10, (i >> 16) as u8, (i >> 8) as u8, i as u8];
        let server = [192, 0, 2, 1];
        let cport = 1024 + (i % 60_000) as u16;
        for (k, from_client) in [true, false].into_iter().enumerate() {
            let mut f = [0u8; 54];
            f[12] = 0x08;
            let ip = &mut f[14..34];
            ip[0] = 0x45;
            ip[2..4].copy_from_slice(&40u16.to_be_bytes());
            ip[8] = 64;
            ip[9] = 6;
            let (src, dst) = if from_client {
                (client, server)
            } else {
                (server, client)
            };
            ip[12..16].copy_from_slice(&src);
            ip[16..20].copy_from_slice(&dst);
            let tcp = &mut f[34..54];
            let (sp, dp) = if from_client {
                (cport, 80)
            } else {
                (80, cport)
            };
            tcp[0..2].copy_from_slice(&sp.to_be_bytes());
            tcp[2..4].copy_from_slice(&dp.to_be_bytes());
            tcp[4..8].copy_from_slice(&i.wrapping_mul(2_654_435_761).to_be_bytes());
            tcp[12] = 0x50;
            tcp[13] = if from_client { 0x02 } else { 0x14 }; // SYN; RST+ACK
            tcp[14..16].copy_from_slice(&64240u16.to_be_bytes());
            v.extend_from_slice(&i.to_le_bytes());
            v.extend_from_slice(&(k as u32 * 1000).to_le_bytes());
            v.extend_from_slice(&54u32.to_le_bytes());
            v.extend_from_slice(&54u32.to_le_bytes());
            v.extend_from_slice(&f);
        }
    }
    v
}

#[test]
fn streaming_forgets_finished_conversations_and_keeps_numbering() {
    const N: u32 = 200_000;
    let bytes = connections(N);
    let mut r = Reader::new(&bytes).unwrap();
    let mut s = Stream::new();
    let mut last_stream = None;
    let mut most_held = 0;
    while let Some(p) = r.next_packet() {
        let d = s.next(&p.meta, p.data, &p.comments, false, true);
        if let Some(Value::U64(n)) = d.field("tcp.stream").map(|f| f.value.clone()) {
            last_stream = Some(n);
        }
        most_held = most_held.max(s.conversations_held().0);
    }
    let (held, retired) = s.conversations_held();
    // Without forgetting, the table would hold all 200 000.
    assert!(most_held <= 40_000, "held up to {most_held} conversations");
    assert!(
        held <= 40_000 && retired >= 150_000,
        "{held} held, {retired} retired"
    );
    assert_eq!(
        last_stream,
        Some(u64::from(N) - 1),
        "stream numbers keep counting"
    );
}

/// On the Socket.IO captures, the one-pass reader's Info lines equal the two-pass reader's:
/// nothing it prints needs a later packet (the Engine.IO open answer in a polling response is
/// recognised from the connection's earlier request, not from a message it has dropped).
#[test]
fn one_pass_summaries_match_two_pass_on_socketio() {
    use layerscope::engine::Capture;
    use layerscope::flow::FlowConfig;
    for name in [
        "nodejs-socketio-chat-upgrade.pcap",
        "nodejs-socketio-chat-websocket.pcap",
    ] {
        let path = std::path::Path::new("tests/data").join(name);
        let bytes = std::fs::read(&path).unwrap();
        let cap = Capture::analyse(
            layerscope::capture::PacketStore::from_bytes(bytes.clone()).unwrap(),
            FlowConfig::default(),
            |_, _| {},
        );
        let mut r = Reader::new(&bytes).unwrap();
        let mut s = Stream::new();
        let mut i = 0;
        while let Some(p) = r.next_packet() {
            let one = s.next(&p.meta, p.data, &p.comments, false, false);
            let two = cap.row(i).unwrap();
            assert_eq!(one.summary, two.summary, "{name} packet {}", i + 1);
            i += 1;
        }
    }
}

/// Fields only the two-pass reader can fill: they point forward, to a packet the one-pass
/// reader has not read yet (docs/json.md, "One pass").
const FORWARD_ONLY: &[&str] = &[
    // Known once the whole conversation is read (Wireshark fills them in its second pass).
    "tcp.completeness",
    "tcp.analysis.initial_rtt",
    // A segment whose message ends in a later packet.
    "tcp.reassembled_in",
    "http.response_in",
    "dns.response_in",
    "socketio.ack_in",
    "socketio.attachment_in",
    // A ping's pong (a pong's ping is known: same name), a fragment's last fragment.
    "websocket.pair_in",
    "websocket.fragments_in",
];

/// Every field of `p` as `name=value`, in order.
fn fields(p: &layerscope::model::Packet) -> Vec<String> {
    p.layers
        .iter()
        .flat_map(|l| l.fields.iter())
        .map(|f| format!("{}={}", f.def.name, f.display()))
        .collect()
}

/// Every capture file under `dir`, in its subfolders too, in name order.
fn captures_in(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                todo.push(path);
            } else if matches!(
                path.extension().and_then(|x| x.to_str()),
                Some("pcap" | "pcapng" | "cap")
            ) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// On every capture in tests/data (and ../shared/captures when present), the one-pass reader (files over 1 GiB, live capture, the
/// demos' jsonl) and the two-pass reader (`decode --format jsonl`) decode every packet the
/// same: the same Info line, and the same fields, except those that point forward to a
/// packet the one pass has not read yet.
#[test]
fn one_pass_decodes_as_two_pass_on_every_capture() {
    use layerscope::engine::Capture;
    use layerscope::flow::FlowConfig;
    let mut compared = 0;
    let mut dns_pairs = 0;
    let mut paths = captures_in(std::path::Path::new("tests/data"));
    // The real public captures beside the project (../shared/captures), when this checkout
    // has them: every one of them, malformed ones included.
    let shared = std::path::Path::new("../shared/captures");
    if shared.is_dir() {
        paths.extend(captures_in(shared));
    } else {
        eprintln!("../shared/captures is not here: comparing tests/data only");
    }
    for path in paths {
        let bytes = std::fs::read(&path).unwrap();
        let Ok(store) = layerscope::capture::PacketStore::from_bytes(bytes.clone()) else {
            continue;
        };
        let cap = Capture::analyse(store, FlowConfig::default(), |_, _| {});
        let Ok(mut r) = Reader::new(&bytes) else {
            continue;
        };
        let mut s = Stream::new();
        let mut i = 0;
        while let Some(raw) = r.next_packet() {
            let one = s.next(&raw.meta, raw.data, &raw.comments, true, true);
            let Some(two) = cap.packet(i) else { break };
            let name = path.display();
            // The Info of a segment whose message ends later says so only in two passes.
            let info = two
                .summary
                .strip_suffix(" [TCP segment of a reassembled PDU]")
                .unwrap_or(&two.summary);
            assert_eq!(one.summary, info, "{name} packet {}", i + 1);
            let forward = |f: &String| FORWARD_ONLY.iter().any(|n| f.starts_with(&format!("{n}=")));
            let a: Vec<String> = fields(&one).into_iter().filter(|f| !forward(f)).collect();
            let b: Vec<String> = fields(&two).into_iter().filter(|f| !forward(f)).collect();
            if a != b {
                let only = |x: &[String], y: &[String]| -> Vec<String> {
                    x.iter().filter(|f| !y.contains(f)).cloned().collect()
                };
                panic!(
                    "{name} packet {}: one pass only {:?}; two passes only {:?}",
                    i + 1,
                    only(&a, &b),
                    only(&b, &a)
                );
            }
            dns_pairs += a
                .iter()
                .filter(|f| f.starts_with("dns.response_to="))
                .count();
            compared += 1;
            i += 1;
        }
    }
    assert!(compared > 1000, "{compared} packets compared");
    assert!(
        dns_pairs > 0,
        "the one pass pairs DNS responses with their queries"
    );
}
