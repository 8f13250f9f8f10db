//! Decode + summary throughput on real traffic, and the indexing pass.
//!
//! Run: `cargo bench --bench decode`. Figures go to docs/performance.md.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use layerscope::capture::PacketStore;
use layerscope::decode::{decode, decode_summary, decode_with};
use layerscope::model::FrameMeta;
use std::hint::black_box;
use std::path::Path;

fn load(names: &[&str]) -> Vec<(FrameMeta, Vec<u8>)> {
    let mut v = Vec::new();
    for n in names {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(n);
        let s = PacketStore::open(&p, |_, _| {}).unwrap();
        for i in 0..s.len() {
            v.push((s.meta(i).unwrap(), s.data(i).unwrap().to_vec()));
        }
    }
    v
}

fn bench(c: &mut Criterion) {
    let sets: [(&str, &[&str]); 3] = [
        ("socketio-loopback", &["nodejs-socketio-chat-upgrade.pcap"]),
        (
            "websocket-mix",
            &[
                "zeek-wstunnel-ssh.pcap",
                "suricata-basic_websockets.pcap",
                "zeek-jupyter-websocket.pcap",
            ],
        ),
        (
            "internet-mix",
            &[
                "zeek-http-get-gzip.pcap",
                "arkime-v6-http.pcap",
                "tcpdump-pptp-bigendian.pcap",
                "zeek-mdns.pcap",
                "crafted-l2l4.pcap",
            ],
        ),
    ];
    let mut g = c.benchmark_group("decode+summary");
    for (name, files) in sets {
        let pkts = load(files);
        g.throughput(Throughput::Elements(pkts.len() as u64));
        g.bench_function(format!("{name}/row"), |b| {
            b.iter(|| {
                for (m, d) in &pkts {
                    let p = decode_summary(m, d);
                    black_box(p.summary.len());
                }
            })
        });
        g.bench_function(format!("{name}/full-tree"), |b| {
            b.iter(|| {
                for (m, d) in &pkts {
                    let p = decode_with(m, d, &[], false);
                    black_box(p.layers.len());
                }
            })
        });
        g.bench_function(format!("{name}/full-tree+sentence"), |b| {
            b.iter(|| {
                for (m, d) in &pkts {
                    let p = decode(m, d);
                    black_box(p.sentence.len());
                }
            })
        });
    }
    g.finish();

    // Flow tracking + application decoding against plain L2-L4 decoding of the same packets
    // (issue 3's budget: at most 2x on WebSocket-heavy traffic).
    let mut g = c.benchmark_group("flow-overhead");
    for name in [
        "zeek-wstunnel-ssh.pcap",
        "nodejs-ws-deflate-large.pcap",
        "nodejs-socketio-chat-upgrade.pcap",
    ] {
        let bytes = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data")
                .join(name),
        )
        .unwrap();
        let store = PacketStore::from_bytes(bytes.clone()).unwrap();
        let n = store.len();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("{name}/l2-l4-rows"), |b| {
            b.iter(|| {
                for i in 0..n {
                    let p = decode_summary(&store.meta(i).unwrap(), store.data(i).unwrap());
                    black_box(p.summary.len());
                }
            })
        });
        g.bench_function(format!("{name}/flow+app-pass"), |b| {
            // The store (index) is built in setup: it belongs to the L2-L4 foundation.
            b.iter_batched(
                || PacketStore::from_bytes(bytes.clone()).unwrap(),
                |st| {
                    let cap = layerscope::engine::Capture::analyse(
                        st,
                        layerscope::flow::FlowConfig::default(),
                        |_, _| {},
                    );
                    black_box(cap.messages().len())
                },
                criterion::BatchSize::SmallInput,
            )
        });
    }
    g.finish();

    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/zeek-wstunnel-ssh.pcap"),
    )
    .unwrap();
    let mut g = c.benchmark_group("index");
    g.throughput(Throughput::Elements(258));
    g.bench_function("pcap-258-packets", |b| {
        b.iter(|| black_box(PacketStore::from_bytes(bytes.clone()).unwrap().len()))
    });
    g.finish();
}

/// The stream parsers one by one: TCP reassembly, HTTP heads, WebSocket headers, unmasking
/// and permessage-deflate inflation, Engine.IO/Socket.IO parsing.
fn parsers(c: &mut Criterion) {
    use layerscope::flow::reasm::{DirReasm, Limits};
    use layerscope::protocols::{http, socketio, websocket};

    let mut g = c.benchmark_group("parsers");
    // 1000 full-size segments, every tenth pair swapped (out of order), as reassembly sees them.
    let seg = vec![0x61u8; 1448];
    let mut order: Vec<u32> = (0..1000).collect();
    for k in (0..1000).step_by(10) {
        order.swap(k, k + 1);
    }
    g.throughput(Throughput::Bytes(1448 * 1000));
    g.bench_function("tcp-reassembly/1000x1448B", |b| {
        let limits = Limits::default();
        b.iter(|| {
            let mut r = DirReasm::default();
            let mut events = Vec::new();
            let mut delivered = 0usize;
            r.syn_seen(999);
            for &k in &order {
                r.push(
                    &limits,
                    1000 + k * 1448,
                    false,
                    k,
                    54,
                    &seg,
                    &mut events,
                    &mut |_, b| delivered += b.len(),
                );
            }
            black_box(delivered)
        })
    });
    let head = b"GET /socket.io/?EIO=4&transport=polling&t=OzT1n5N&sid=Bd2fY7xJw2v HTTP/1.1\r\nHost: localhost:3000\r\nUser-Agent: Mozilla/5.0\r\nAccept: */*\r\nConnection: keep-alive\r\nReferer: http://localhost:3000/\r\nCookie: io=Bd2fY7xJw2v\r\n\r\n";
    g.throughput(Throughput::Elements(1));
    g.bench_function("http-head", |b| {
        b.iter(|| black_box(http::parse_head(black_box(head), true)))
    });
    let frame = [0x81u8, 0x9a, 1, 2, 3, 4, 0x35, 0x32, 0x58, 0x26, 0x62, 0x6a];
    g.bench_function("websocket-header", |b| {
        b.iter(|| black_box(websocket::parse_header(black_box(&frame))))
    });
    let mut buf = vec![0x5au8; 64 << 10];
    g.throughput(Throughput::Bytes(64 << 10));
    g.bench_function("websocket-unmask/64KiB", |b| {
        b.iter(|| websocket::unmask_in_place(black_box(&mut buf), [1, 2, 3, 4]))
    });
    // permessage-deflate: raw deflate of a 100 KB JSON-like message, inflated the way the
    // application pass does (flate2 with zlib-rs, sync flush after the 00 00 ff ff tail).
    let pattern = br#"{"user":"ada","msg":"hello"}"#;
    let plain: Vec<u8> = (0..100_000).map(|i| pattern[i % pattern.len()]).collect();
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, &plain).unwrap();
    let mut packed = enc.finish().unwrap();
    packed.extend_from_slice(&[0, 0, 0xff, 0xff]);
    g.throughput(Throughput::Bytes(plain.len() as u64));
    g.bench_function("websocket-inflate/100KB", |b| {
        b.iter(|| {
            let mut d = flate2::Decompress::new(false);
            let mut out = Vec::with_capacity(128 << 10);
            d.decompress_vec(&packed, &mut out, flate2::FlushDecompress::Sync)
                .unwrap();
            black_box(out.len())
        })
    });
    let sio = br#"42["chat message",{"user":"ada","text":"hello, class","room":"lesson-1"}]"#;
    g.throughput(Throughput::Elements(1));
    g.bench_function("socketio-parse", |b| {
        b.iter(|| {
            let (_, d) = socketio::parse_eio(black_box(sio)).unwrap();
            black_box(socketio::parse_sio(d))
        })
    });
    g.bench_function("socketio-layers", |b| {
        let ctx = socketio::SioContext::default();
        b.iter(|| {
            let (_, d) = socketio::parse_eio(black_box(sio)).unwrap();
            black_box(socketio::sio_layer(&d[0..], 1, &ctx, true))
        })
    });
    g.finish();
}

criterion_group!(benches, bench, parsers);
criterion_main!(benches);
