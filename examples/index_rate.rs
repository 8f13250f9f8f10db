//! How fast a capture file is indexed and how much index it costs: opens FILE the way the
//! app does (files above 512 MB memory-mapped) and prints packets per second and index heap
//! bytes per packet. Used by `scripts/scale.sh`.
//!
//! `cargo run --release --example index_rate -- FILE`

use layerscope::capture::PacketStore;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: index_rate FILE")?;
    let t = Instant::now();
    let store = PacketStore::open(std::path::Path::new(&path), |_, _| {})?;
    let secs = t.elapsed().as_secs_f64();
    let n = store.len();
    println!(
        "indexed {n} packets in {secs:.2} s: {:.2} M packets/s; index heap {:.1} bytes/packet",
        n as f64 / secs / 1e6,
        store.index_heap_bytes() as f64 / n.max(1) as f64
    );
    Ok(())
}
