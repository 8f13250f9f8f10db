//! Write the hostile captures of `tests/common/hostile.rs` to a folder, full size, for timing
//! the release binary on them (docs/robustness.md):
//! `cargo run --release --example hostile -- target/hostile`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/hostile.rs"]
mod hostile;

fn main() {
    let dir = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/hostile".into()),
    );
    std::fs::create_dir_all(&dir).unwrap();
    let files: Vec<(&str, Vec<u8>)> = vec![
        (
            "deflate-bomb-300x15MiB.pcap",
            hostile::deflate_bomb(1, 300, 15 << 20),
        ),
        (
            "deflate-bomb-64conns.pcap",
            hostile::deflate_bomb(64, 10, 15 << 20),
        ),
        ("tiny-frames-10MB.pcap", hostile::tiny_frames(10 << 20)),
        ("tiny-frames-26MB.pcap", hostile::tiny_frames(26 << 20)),
        (
            "continuation-1M.pcap",
            hostile::continuation_flood(1_000_000),
        ),
        ("big-frame-4MiB.pcap", hostile::big_frame(4 << 20)),
        ("big-frame-16MiB.pcap", hostile::big_frame((16 << 20) - 64)),
        ("ipv6-pad1-16MiB.pcap", hostile::ipv6_pad1((16 << 20) - 64)),
        (
            "socketio-15MB-arg.pcap",
            hostile::socketio_big_arg(15_000_000),
        ),
        ("evil-event-name.pcap", hostile::evil_event_name()),
        ("http-65-headers.pcap", hostile::http_many_headers(65)),
        ("unfinished.pcap", hostile::unfinished_messages()),
    ];
    for (name, bytes) in files {
        let p = dir.join(name);
        std::fs::write(&p, &bytes).unwrap();
        println!("{:>12} {}", bytes.len(), p.display());
    }
}
