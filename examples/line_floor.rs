//! A second floor for `scripts/bench.sh`: the read loop of `read_floor.rs`, plus the least a
//! one-line-per-packet summary must do: slice Ethernet/IP/TCP/UDP with etherparse and write a
//! short tshark-like line ("7 0.001172 127.0.0.1 → 127.0.0.1 TCP 74 49292 → 3000 [SYN]
//! Seq=963447806 Ack=0 Win=65495 Len=0").
//!
//! It keeps no conversations (so sequence numbers are absolute), reads no TCP options and no
//! application layer, and formats with `itoa`. No real summary can do less, so the ratio
//! between this and the bare read loop says how close to the read loop any decoder can get.
//!
//! `cargo run --release --example line_floor -- FILE > /dev/null`

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
    let path = std::env::args().nth(1).ok_or("usage: line_floor FILE")?;
    let file = std::fs::File::open(&path)?;
    let mut reader = pcap_parser::create_reader(1 << 20, file)?;
    let mut out = std::io::stdout().lock();
    let mut line = Vec::with_capacity(1 << 16);
    let mut number = 0u64;
    loop {
        let step = match reader.next() {
            Ok((offset, block)) => {
                if let PcapBlockOwned::Legacy(b) = block {
                    number += 1;
                    summary(&mut line, number, b.ts_sec, b.ts_usec, b.data);
                    if line.len() > 60_000 {
                        out.write_all(&line)?;
                        line.clear();
                    }
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
            line.extend_from_slice(b" TCP ");
            num(line, data.len());
            line.push(b' ');
            num(line, t.source_port());
            line.extend_from_slice(" → ".as_bytes());
            num(line, t.destination_port());
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
            line.extend_from_slice(b" UDP ");
            num(line, data.len());
            line.push(b' ');
            num(line, u.source_port());
            line.extend_from_slice(" → ".as_bytes());
            num(line, u.destination_port());
            line.extend_from_slice(b" Len=");
            num(line, u.payload().len());
        }
        _ => line.extend_from_slice(b" other"),
    }
    line.push(b'\n');
}

fn ipv4(line: &mut Vec<u8>, a: [u8; 4]) {
    for (i, b) in a.iter().enumerate() {
        if i > 0 {
            line.push(b'.');
        }
        num(line, *b);
    }
}
