//! The floors for `scripts/bench.sh`.
//!
//! - `read_floor FILE`: a bare pcap-parser read loop over a capture file that only counts
//!   packets and bytes. Nothing can read a capture faster than this, so decoders are measured
//!   against it.
//! - `read_floor --line FILE`: the same loop plus the least a one-line-per-packet summary must
//!   do: slice Ethernet/IP/TCP/UDP with etherparse and write a short tshark-like line to stdout
//!   ("7 1795666151.623867 127.0.0.1 → 127.0.0.1 TCP 74 49292 → 3000 [SYN] Seq=963447806
//!   Ack=0 Win=65495 Len=0"). It keeps no conversations (so sequence numbers are absolute),
//!   reads no TCP options and no application layer, and formats with `itoa`. No real summary
//!   can do less, so its ratio to the bare loop says how close to the loop any decoder can get.
//!
//! `cargo run --release --example read_floor -- [--line] FILE > /dev/null`

use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use pcap_parser::{PcapBlockOwned, PcapError};
use std::io::Write;

enum Step {
    Consume(usize),
    Refill,
    Done,
    Fail(String),
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let lines = args.first().is_some_and(|a| a == "--line");
    if lines {
        args.remove(0);
    }
    let path = args
        .first()
        .ok_or("usage: read_floor [--line] FILE")?
        .clone();
    let file = std::fs::File::open(&path)?;
    let mut reader = pcap_parser::create_reader(1 << 20, file)?;
    let mut out = std::io::stdout().lock();
    let mut line = Vec::with_capacity(1 << 16);
    let (mut packets, mut bytes) = (0u64, 0u64);
    loop {
        // Decide inside the match (the block borrows the reader's buffer), act after it.
        let step = match reader.next() {
            Ok((offset, block)) => {
                let caplen = match block {
                    PcapBlockOwned::Legacy(b) => {
                        if lines {
                            summary(&mut line, packets + 1, b.ts_sec, b.ts_usec, b.data);
                        }
                        Some(b.caplen)
                    }
                    PcapBlockOwned::NG(pcap_parser::Block::EnhancedPacket(b)) => Some(b.caplen),
                    _ => None,
                };
                if let Some(c) = caplen {
                    packets += 1;
                    bytes += u64::from(c);
                }
                if line.len() > 60_000 {
                    out.write_all(&line)?;
                    line.clear();
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
    out.write_all(&line)?;
    if !lines {
        println!("{packets} packets, {bytes} bytes");
    }
    Ok(())
}

fn num(line: &mut Vec<u8>, n: impl itoa::Integer) {
    line.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

fn summary(line: &mut Vec<u8>, number: u64, sec: u32, usec: u32, data: &[u8]) {
    num(line, number);
    line.push(b' ');
    num(line, sec);
    line.push(b'.');
    let mut frac = itoa::Buffer::new();
    let frac = frac.format(usec).as_bytes();
    line.extend(std::iter::repeat_n(b'0', 6usize.saturating_sub(frac.len())));
    line.extend_from_slice(frac);
    let Ok(p) = SlicedPacket::from_ethernet(data) else {
        line.extend_from_slice(b" malformed\n");
        return;
    };
    if let Some(NetSlice::Ipv4(ip)) = &p.net {
        let h = ip.header();
        line.push(b' ');
        ipv4(line, h.source());
        line.extend_from_slice(" → ".as_bytes());
        ipv4(line, h.destination());
    }
    match &p.transport {
        Some(TransportSlice::Tcp(t)) => {
            ports(
                line,
                "TCP",
                data.len(),
                t.source_port(),
                t.destination_port(),
            );
            line.extend_from_slice(b" [");
            let flags = [
                (t.syn(), "SYN"),
                (t.fin(), "FIN"),
                (t.rst(), "RST"),
                (t.psh(), "PSH"),
                (t.ack(), "ACK"),
            ];
            let mut first = true;
            for (on, name) in flags {
                if on {
                    if !first {
                        line.extend_from_slice(b", ");
                    }
                    line.extend_from_slice(name.as_bytes());
                    first = false;
                }
            }
            line.extend_from_slice(b"] Seq=");
            num(line, t.sequence_number());
            line.extend_from_slice(b" Ack=");
            num(line, t.acknowledgment_number());
            line.extend_from_slice(b" Win=");
            num(line, t.window_size());
            line.extend_from_slice(b" Len=");
            num(line, t.payload().len());
        }
        Some(TransportSlice::Udp(u)) => {
            ports(
                line,
                "UDP",
                data.len(),
                u.source_port(),
                u.destination_port(),
            );
            line.extend_from_slice(b" Len=");
            num(line, u.payload().len());
        }
        _ => line.extend_from_slice(b" other"),
    }
    line.push(b'\n');
}

/// " TCP 74 49292 → 3000": protocol, frame length, ports.
fn ports(line: &mut Vec<u8>, proto: &str, len: usize, src: u16, dst: u16) {
    line.push(b' ');
    line.extend_from_slice(proto.as_bytes());
    line.push(b' ');
    num(line, len);
    line.push(b' ');
    num(line, src);
    line.extend_from_slice(" → ".as_bytes());
    num(line, dst);
}

fn ipv4(line: &mut Vec<u8>, a: [u8; 4]) {
    for (i, b) in a.iter().enumerate() {
        if i > 0 {
            line.push(b'.');
        }
        num(line, *b);
    }
}
