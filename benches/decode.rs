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
                    black_box(cap.app.messages.len())
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

criterion_group!(benches, bench);
criterion_main!(benches);
