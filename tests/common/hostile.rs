//! Hostile captures, made on the fly (nothing big is committed): deflate bombs, floods of tiny
//! WebSocket frames, huge frames, a Socket.IO argument of megabytes, control characters in
//! event names, heads with too many headers, frames that claim more than arrives. Shared by
//! `tests/hostile.rs` and `examples/hostile.rs` (which writes them to disk for timing).

#![allow(dead_code)]

use std::io::Write;

/// A pcap file being written (microsecond timestamps, Ethernet).
pub struct Pcap {
    pub buf: Vec<u8>,
    usec: u64,
}

impl Pcap {
    pub fn new() -> Pcap {
        Pcap::with_link(1)
    }

    pub fn with_link(link: u32) -> Pcap {
        let mut buf = Vec::new();
        buf.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        buf.extend_from_slice(&2u16.to_le_bytes());
        buf.extend_from_slice(&4u16.to_le_bytes());
        buf.extend_from_slice(&0i32.to_le_bytes());
        buf.extend_from_slice(&0u32.to_le_bytes());
        buf.extend_from_slice(&(16u32 << 20).to_le_bytes()); // snaplen: the reader's maximum
        buf.extend_from_slice(&link.to_le_bytes());
        Pcap {
            buf,
            usec: 1_700_000_000_000_000,
        }
    }

    pub fn frame(&mut self, data: &[u8]) {
        self.frame_lens(data, data.len() as u32);
    }

    /// A record whose original length is `orig` (a lie when it is less than `data.len()`).
    pub fn frame_lens(&mut self, data: &[u8], orig: u32) {
        self.usec += 100;
        let b = &mut self.buf;
        b.extend_from_slice(&((self.usec / 1_000_000) as u32).to_le_bytes());
        b.extend_from_slice(&((self.usec % 1_000_000) as u32).to_le_bytes());
        b.extend_from_slice(&(data.len() as u32).to_le_bytes());
        b.extend_from_slice(&orig.to_le_bytes());
        b.extend_from_slice(data);
    }
}

fn sum16(data: &[u8], mut acc: u32) -> u32 {
    for c in data.chunks(2) {
        let w = if c.len() == 2 {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], 0])
        };
        acc += u32::from(w);
    }
    acc
}

fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

pub const SYN: u8 = 0x02;
pub const ACK: u8 = 0x10;
pub const PSH: u8 = 0x08;
pub const FIN: u8 = 0x01;

/// Ethernet + IPv4 + TCP with correct checksums.
#[allow(clippy::too_many_arguments)]
pub fn tcp_frame(
    src: [u8; 4],
    dst: [u8; 4],
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    let mut f = Vec::with_capacity(54 + payload.len());
    f.extend_from_slice(&[0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]);
    let total = (20 + 20 + payload.len()) as u16;
    let mut ip = vec![0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 6, 0, 0];
    ip[2..4].copy_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&src);
    ip.extend_from_slice(&dst);
    let c = fold(sum16(&ip, 0));
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    f.extend_from_slice(&ip);
    let mut tcp = Vec::with_capacity(20 + payload.len());
    tcp.extend_from_slice(&sport.to_be_bytes());
    tcp.extend_from_slice(&dport.to_be_bytes());
    tcp.extend_from_slice(&seq.to_be_bytes());
    tcp.extend_from_slice(&ack.to_be_bytes());
    tcp.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    tcp.extend_from_slice(payload);
    let mut pseudo = Vec::with_capacity(12);
    pseudo.extend_from_slice(&src);
    pseudo.extend_from_slice(&dst);
    pseudo.extend_from_slice(&[0, 6]);
    pseudo.extend_from_slice(&((20 + payload.len()) as u16).to_be_bytes());
    let c = fold(sum16(&tcp, sum16(&pseudo, 0)));
    tcp[16..18].copy_from_slice(&c.to_be_bytes());
    f.extend_from_slice(&tcp);
    f
}

/// One TCP connection: client `10.0.0.x:port` to server `10.0.1.1:3000`.
pub struct Tcp {
    client: [u8; 4],
    server: [u8; 4],
    cport: u16,
    sport: u16,
    seq: [u32; 2],
}

impl Tcp {
    pub fn new(n: u16) -> Tcp {
        Tcp {
            client: [10, 0, (n >> 8) as u8, (n & 0xff) as u8],
            server: [10, 1, 0, 1],
            cport: 40_000 + n,
            sport: 3000,
            seq: [1000, 5000],
        }
    }

    fn seg(&mut self, p: &mut Pcap, dir: usize, flags: u8, payload: &[u8]) {
        let (src, dst, sp, dp) = if dir == 0 {
            (self.client, self.server, self.cport, self.sport)
        } else {
            (self.server, self.client, self.sport, self.cport)
        };
        let f = tcp_frame(
            src,
            dst,
            sp,
            dp,
            self.seq[dir],
            self.seq[1 - dir],
            flags,
            payload,
        );
        p.frame(&f);
        self.seq[dir] = self.seq[dir].wrapping_add(payload.len() as u32);
        if flags & (SYN | FIN) != 0 {
            self.seq[dir] = self.seq[dir].wrapping_add(1);
        }
    }

    pub fn handshake(&mut self, p: &mut Pcap) {
        self.seg(p, 0, SYN, &[]);
        self.seg(p, 1, SYN | ACK, &[]);
        self.seg(p, 0, ACK, &[]);
    }

    /// `bytes` from `dir` (0 client, 1 server) in segments of at most 1448 bytes.
    pub fn send(&mut self, p: &mut Pcap, dir: usize, bytes: &[u8]) {
        for c in bytes.chunks(1448) {
            self.seg(p, dir, ACK | PSH, c);
        }
    }

    /// The WebSocket upgrade of an Engine.IO connection, with permessage-deflate if asked.
    pub fn upgrade(&mut self, p: &mut Pcap, deflate: bool) {
        let ext = if deflate {
            "Sec-WebSocket-Extensions: permessage-deflate\r\n"
        } else {
            ""
        };
        let req = format!(
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 10.1.0.1:3000\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{ext}\r\n"
        );
        self.send(p, 0, req.as_bytes());
        let resp = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n{ext}\r\n"
        );
        self.send(p, 1, resp.as_bytes());
    }
}

/// A WebSocket frame (a mask makes it a client frame).
pub fn ws_frame(
    fin: bool,
    rsv1: bool,
    opcode: u8,
    mask: Option<[u8; 4]>,
    payload: &[u8],
) -> Vec<u8> {
    let mut f = Vec::with_capacity(payload.len() + 14);
    f.push(u8::from(fin) << 7 | u8::from(rsv1) << 6 | opcode);
    let m = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => f.push(m | n as u8),
        n if n < 65536 => {
            f.push(m | 126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            f.push(m | 127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    match mask {
        Some(k) => {
            f.extend_from_slice(&k);
            f.extend(payload.iter().enumerate().map(|(i, b)| b ^ k[i % 4]));
        }
        None => f.extend_from_slice(payload),
    }
    f
}

/// permessage-deflate's payload for `data`: raw deflate, sync-flushed, without the final
/// `00 00 ff ff` (RFC 7692 7.2.1).
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.flush().unwrap();
    let mut out = e.get_ref().clone();
    if out.ends_with(&[0, 0, 0xff, 0xff]) {
        out.truncate(out.len() - 4);
    }
    out
}

/// `conns` Engine.IO connections whose server sends `msgs` compressed text messages, each
/// inflating to `inflated` bytes of "a" (a deflate bomb: ~1000:1).
pub fn deflate_bomb(conns: u16, msgs: usize, inflated: usize) -> Vec<u8> {
    let plain = vec![b'a'; inflated];
    let z = deflate(&plain);
    let frame = ws_frame(true, true, 1, None, &z);
    let mut p = Pcap::new();
    for c in 0..conns {
        let mut t = Tcp::new(c + 1);
        t.handshake(&mut p);
        t.upgrade(&mut p, true);
        for _ in 0..msgs {
            t.send(&mut p, 1, &frame);
        }
    }
    p.buf
}

/// A server sending `total` bytes of 3-byte WebSocket frames ("a" each).
pub fn tiny_frames(total: usize) -> Vec<u8> {
    let mut p = Pcap::new();
    let mut t = Tcp::new(1);
    t.handshake(&mut p);
    t.upgrade(&mut p, false);
    let one = ws_frame(true, false, 1, None, b"a");
    let seg: Vec<u8> = one.iter().copied().cycle().take(1446).collect();
    let mut sent = 0;
    while sent < total {
        t.send(&mut p, 1, &seg);
        sent += seg.len();
    }
    p.buf
}

/// One message of `n` + 1 frames: a text frame without FIN, `n` one-byte continuations, the
/// last with FIN.
pub fn continuation_flood(n: usize) -> Vec<u8> {
    let mut p = Pcap::new();
    let mut t = Tcp::new(1);
    t.handshake(&mut p);
    t.upgrade(&mut p, false);
    let mut bytes = ws_frame(false, false, 1, None, b"a");
    let cont = ws_frame(false, false, 0, None, b"a");
    for _ in 0..n {
        bytes.extend_from_slice(&cont);
    }
    bytes.extend_from_slice(&ws_frame(true, false, 0, None, b"a"));
    t.send(&mut p, 1, &bytes);
    p.buf
}

/// One Ethernet frame of `size` bytes with an EtherType nobody decodes.
pub fn big_frame(size: usize) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5];
    f.resize(size, 0x5a);
    let mut p = Pcap::new();
    p.frame(&f);
    p.buf
}

/// One frame of `size` bytes: IPv6 whose extension headers (destination options, 2048 bytes
/// each) are all Pad1 options.
pub fn ipv6_pad1(size: usize) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x86, 0xdd];
    let body = size.saturating_sub(14 + 40);
    let n = body / 2048;
    f.extend_from_slice(&[0x60, 0, 0, 0]);
    f.extend_from_slice(&(body.min(65535) as u16).to_be_bytes());
    f.push(60); // destination options
    f.push(64);
    f.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    f.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    for k in 0..n {
        let next = if k + 1 == n { 59 } else { 60 };
        f.push(next);
        f.push(255); // (255 + 1) * 8 = 2048 bytes
        f.extend(std::iter::repeat_n(0u8, 2046)); // Pad1, Pad1, ...
    }
    let mut p = Pcap::new();
    p.frame(&f);
    p.buf
}

/// A Socket.IO session over WebSocket, up to the client joining "/" (Engine.IO open,
/// CONNECT and its answer): the capture and the connection, to go on with.
fn socketio_session() -> (Pcap, Tcp) {
    let mut p = Pcap::new();
    let mut t = Tcp::new(1);
    t.handshake(&mut p);
    t.upgrade(&mut p, false);
    let open = br#"0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
    t.send(&mut p, 1, &ws_frame(true, false, 1, None, open));
    t.send(
        &mut p,
        0,
        &ws_frame(true, false, 1, Some([1, 2, 3, 4]), b"40"),
    );
    t.send(
        &mut p,
        1,
        &ws_frame(true, false, 1, None, br#"40{"sid":"xyz"}"#),
    );
    (p, t)
}

/// A server emitting one Socket.IO event whose argument is a string of `size` bytes.
pub fn socketio_big_arg(size: usize) -> Vec<u8> {
    let (mut p, mut t) = socketio_session();
    let mut msg = br#"42["big",""#.to_vec();
    msg.extend(std::iter::repeat_n(b'x', size));
    msg.extend_from_slice(br#""]"#);
    t.send(&mut p, 1, &ws_frame(true, false, 1, None, &msg));
    p.buf
}

/// A client emitting an event whose name is terminal control codes (set the title, clear
/// the screen) and a right-to-left override.
pub fn evil_event_name() -> Vec<u8> {
    let (mut p, mut t) = socketio_session();
    // JSON escapes: the decoder unescapes them into the event name itself.
    let evil = "42[\"\\u001b]0;PWNED\\u0007\\u001b[2J\u{202e}gnp.exe\",\"\\u001b[31mred\\u0007\"]";
    t.send(
        &mut p,
        0,
        &ws_frame(true, false, 1, Some([9, 8, 7, 6]), evil.as_bytes()),
    );
    // A close frame whose reason is control codes too.
    let mut close = 1000u16.to_be_bytes().to_vec();
    close.extend_from_slice(b"\x1b]0;bye\x07");
    t.send(&mut p, 1, &ws_frame(true, false, 8, None, &close));
    p.buf
}

/// An HTTP request and response with `n` headers each.
pub fn http_many_headers(n: usize) -> Vec<u8> {
    let mut p = Pcap::new();
    let mut t = Tcp::new(1);
    t.handshake(&mut p);
    let mut req = String::from("GET /many HTTP/1.1\r\nHost: example\r\n");
    for i in 0..n {
        req.push_str(&format!("X-Header-{i}: {i}\r\n"));
    }
    req.push_str("\r\n");
    t.send(&mut p, 0, req.as_bytes());
    let mut resp = String::from("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n");
    for i in 0..n {
        resp.push_str(&format!("X-Header-{i}: {i}\r\n"));
    }
    resp.push_str("\r\nok");
    t.send(&mut p, 1, resp.as_bytes());
    p.buf
}

/// A WebSocket frame that claims 2^63 - 1 bytes of payload, then a little of it; and an HTTP
/// response whose body never completes on a second connection.
pub fn unfinished_messages() -> Vec<u8> {
    let mut p = Pcap::new();
    let mut t = Tcp::new(1);
    t.handshake(&mut p);
    t.upgrade(&mut p, false);
    let mut f = vec![0x82, 127];
    f.extend_from_slice(&(i64::MAX as u64).to_be_bytes());
    f.extend_from_slice(&[0u8; 3000]);
    t.send(&mut p, 1, &f);
    let mut h = Tcp::new(2);
    h.handshake(&mut p);
    h.send(&mut p, 0, b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    h.send(
        &mut p,
        1,
        b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nonly the start of the body",
    );
    p.buf
}

/// An HTTP request head that never ends: 70 000 bytes of headers and no blank line.
pub fn endless_head() -> Vec<u8> {
    let mut p = Pcap::new();
    let mut t = Tcp::new(1);
    t.handshake(&mut p);
    let mut req = String::from("GET /endless HTTP/1.1\r\n");
    while req.len() < 70_000 {
        req.push_str(
            "X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
        );
    }
    t.send(&mut p, 0, req.as_bytes());
    p.buf
}

/// A pcap record whose captured length (60) is more than its original length (40).
pub fn caplen_over_origlen() -> Vec<u8> {
    let mut p = Pcap::new();
    let f = tcp_frame([10, 0, 0, 1], [10, 0, 0, 2], 1, 2, 0, 0, SYN, &[0; 6]);
    p.frame_lens(&f, 40);
    p.buf
}

fn pcapng_block(kind: u32, body: &[u8]) -> Vec<u8> {
    let mut body = body.to_vec();
    while body.len() % 4 != 0 {
        body.push(0);
    }
    let len = (12 + body.len()) as u32;
    let mut b = kind.to_le_bytes().to_vec();
    b.extend_from_slice(&len.to_le_bytes());
    b.extend_from_slice(&body);
    b.extend_from_slice(&len.to_le_bytes());
    b
}

fn pcapng_header() -> Vec<u8> {
    let mut shb = 0x1a2b_3c4du32.to_le_bytes().to_vec();
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    pcapng_block(0x0a0d_0d0a, &shb)
}

fn pcapng_idb(tsresol: Option<u8>) -> Vec<u8> {
    let mut idb = 1u16.to_le_bytes().to_vec();
    idb.extend_from_slice(&0u16.to_le_bytes());
    idb.extend_from_slice(&0u32.to_le_bytes());
    if let Some(r) = tsresol {
        idb.extend_from_slice(&9u16.to_le_bytes());
        idb.extend_from_slice(&1u16.to_le_bytes());
        idb.extend_from_slice(&[r, 0, 0, 0]);
        idb.extend_from_slice(&[0, 0, 0, 0]);
    }
    pcapng_block(1, &idb)
}

fn pcapng_epb(units: u64, data: &[u8]) -> Vec<u8> {
    let mut epb = 0u32.to_le_bytes().to_vec();
    epb.extend_from_slice(&((units >> 32) as u32).to_le_bytes());
    epb.extend_from_slice(&(units as u32).to_le_bytes());
    epb.extend_from_slice(&(data.len() as u32).to_le_bytes());
    epb.extend_from_slice(&(data.len() as u32).to_le_bytes());
    epb.extend_from_slice(data);
    pcapng_block(6, &epb)
}

/// pcapng with a binary timestamp resolution (2^-20 s): one packet at 1700000000.5 s.
pub fn pcapng_binary_tsresol() -> Vec<u8> {
    let f = tcp_frame([10, 0, 0, 1], [10, 0, 0, 2], 1, 2, 0, 0, SYN, &[]);
    let mut b = pcapng_header();
    b.extend(pcapng_idb(Some(0x80 | 20)));
    let units = 1_700_000_000u64 * (1 << 20) + (1 << 19);
    b.extend(pcapng_epb(units, &f));
    b
}

/// pcapng with a packet, a name resolution block without its end record, then two packets.
pub fn pcapng_nrb_without_end() -> Vec<u8> {
    let f = tcp_frame([10, 0, 0, 1], [10, 0, 0, 2], 1, 2, 0, 0, SYN, &[]);
    let mut b = pcapng_header();
    b.extend(pcapng_idb(None));
    b.extend(pcapng_epb(1_700_000_000_000_000, &f));
    // One IPv4 record (type 1, 4-byte address + "host\0"), and no end-of-records record.
    let mut nrb = 1u16.to_le_bytes().to_vec();
    nrb.extend_from_slice(&9u16.to_le_bytes());
    nrb.extend_from_slice(&[10, 0, 0, 1]);
    nrb.extend_from_slice(b"host\0");
    nrb.extend_from_slice(&[0, 0, 0]);
    b.extend(pcapng_block(4, &nrb));
    b.extend(pcapng_epb(1_700_000_000_000_100, &f));
    b.extend(pcapng_epb(1_700_000_000_000_200, &f));
    b
}
