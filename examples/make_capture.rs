//! Makes a big capture for scale tests (`scripts/scale.sh`): repeats the packets of a classic
//! pcap file until the output reaches the wanted size, shifting each copy's timestamps past the
//! previous copy so that time keeps moving forward (as in a long real capture). Never
//! committed: a 2 GB file is made in seconds.
//!
//! `cargo run --release --example make_capture -- SRC.pcap OUT.pcap SIZE_MB`

use std::io::{BufWriter, Write};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [src, out, size_mb] = args.as_slice() else {
        return Err("usage: make_capture SRC.pcap OUT.pcap SIZE_MB".into());
    };
    let want: u64 = size_mb.parse::<u64>()? << 20;
    let data = std::fs::read(src)?;
    let magic = data.get(..4).ok_or("source too short")?;
    // Little- or big-endian, microsecond or nanosecond magic (seconds are shifted either way).
    let le = match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => true,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => false,
        _ => return Err("the source must be a classic pcap file".into()),
    };
    let u32_at = |b: &[u8], at: usize| -> u32 {
        let x = [b[at], b[at + 1], b[at + 2], b[at + 3]];
        if le {
            u32::from_le_bytes(x)
        } else {
            u32::from_be_bytes(x)
        }
    };
    let put = |v: u32| if le { v.to_le_bytes() } else { v.to_be_bytes() };
    // Records: (offset, length including the 16-byte header).
    let mut records = Vec::new();
    let mut at = 24;
    while at + 16 <= data.len() {
        let caplen = u32_at(&data, at + 8) as usize;
        if at + 16 + caplen > data.len() {
            break;
        }
        records.push((at, 16 + caplen));
        at += 16 + caplen;
    }
    let (Some(first), Some(last)) = (records.first(), records.last()) else {
        return Err("the source has no packets".into());
    };
    let span_s = u64::from(u32_at(&data, last.0).saturating_sub(u32_at(&data, first.0))) + 1;
    let mut w = BufWriter::with_capacity(8 << 20, std::fs::File::create(out)?);
    w.write_all(&data[..24])?;
    let (mut written, mut packets, mut copy) = (24u64, 0u64, 0u64);
    while written < want {
        let shift = (copy * span_s) as u32;
        for &(off, len) in &records {
            let mut rec = data[off..off + len].to_vec();
            let ts = u32_at(&rec, 0).wrapping_add(shift);
            rec[..4].copy_from_slice(&put(ts));
            w.write_all(&rec)?;
            written += len as u64;
            packets += 1;
        }
        copy += 1;
    }
    w.flush()?;
    println!("{out}: {packets} packets, {written} bytes ({copy} copies of {src})");
    Ok(())
}
