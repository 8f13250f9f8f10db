//! The floor for `scripts/bench.sh`: a bare pcap-parser read loop over a capture file that
//! only counts packets and bytes. Nothing can read a capture faster than this, so decoders
//! are measured against it.
//!
//! `cargo run --release --example read_floor -- FILE`

use pcap_parser::{PcapBlockOwned, PcapError};

enum Step {
    Consume(usize),
    Refill,
    Done,
    Fail(String),
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: read_floor FILE")?;
    let file = std::fs::File::open(&path)?;
    let mut reader = pcap_parser::create_reader(1 << 20, file)?;
    let (mut packets, mut bytes) = (0u64, 0u64);
    loop {
        // Decide inside the match (the block borrows the reader's buffer), act after it.
        let step = match reader.next() {
            Ok((offset, block)) => {
                let caplen = match block {
                    PcapBlockOwned::Legacy(b) => Some(b.caplen),
                    PcapBlockOwned::NG(pcap_parser::Block::EnhancedPacket(b)) => Some(b.caplen),
                    _ => None,
                };
                if let Some(c) = caplen {
                    packets += 1;
                    bytes += u64::from(c);
                }
                Step::Consume(offset)
            }
            Err(PcapError::Eof) => Step::Done,
            Err(PcapError::Incomplete(_)) => Step::Refill,
            Err(e) => Step::Fail(format!("{path}: {e:?}")),
        };
        match step {
            Step::Consume(n) => reader.consume(n),
            Step::Refill => reader.refill().map_err(|e| format!("{path}: {e:?}"))?,
            Step::Done => break,
            Step::Fail(e) => return Err(e.into()),
        }
    }
    println!("{packets} packets, {bytes} bytes");
    Ok(())
}
