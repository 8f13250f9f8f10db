//! Makes a mixed capture for the speed benchmark (`scripts/bench.sh`): Socket.IO clients the
//! way python-socketio connects them (Engine.IO long-polling handshake, then the upgrade to
//! WebSocket with its probe), chatting with JSON arguments that the server rebroadcasts to
//! every client, beside the traffic around them on a real network — DNS lookups, plain HTTP
//! downloads, bulk TCP segments and their ACKs. About a third of the packets (32 %) carry a
//! Socket.IO event. Never committed: a 200 000-packet file is made in well under a second.
//!
//! `cargo run --release --example make_mixed -- OUT.pcap PACKETS`

use etherparse::PacketBuilder;
use std::io::{BufWriter, Write};

/// One TCP connection's two sequence numbers and its endpoints.
struct Tcp {
    client: ([u8; 4], u16),
    server: ([u8; 4], u16),
    seq: [u32; 2],
}

/// The capture being written: pcap records, one timestamp step apart.
struct Out<W: Write> {
    w: W,
    ns: u64,
    packets: u64,
}

impl<W: Write> Out<W> {
    fn frame(
        &mut self,
        b: etherparse::PacketBuilderStep<etherparse::TcpHeader>,
        payload: &[u8],
    ) -> std::io::Result<()> {
        let mut f = Vec::with_capacity(b.size(payload.len()));
        b.write(&mut f, payload).map_err(std::io::Error::other)?;
        self.record(&f)
    }

    fn record(&mut self, f: &[u8]) -> std::io::Result<()> {
        self.ns += 137_000;
        self.w
            .write_all(&((self.ns / 1_000_000_000) as u32).to_le_bytes())?;
        self.w
            .write_all(&((self.ns % 1_000_000_000 / 1000) as u32).to_le_bytes())?;
        self.w.write_all(&(f.len() as u32).to_le_bytes())?;
        self.w.write_all(&(f.len() as u32).to_le_bytes())?;
        self.w.write_all(f)?;
        self.packets += 1;
        Ok(())
    }

    /// A segment of `c` in direction `dir` (0 client → server) with these flags and data.
    fn seg(&mut self, c: &mut Tcp, dir: usize, flags: u8, data: &[u8]) -> std::io::Result<()> {
        let ((sa, sp), (da, dp)) = if dir == 0 {
            (c.client, c.server)
        } else {
            (c.server, c.client)
        };
        let mac = |a: [u8; 4]| [2, 0, a[0], a[1], a[2], a[3]];
        let mut b = PacketBuilder::ethernet2(mac(sa), mac(da))
            .ipv4(sa, da, 64)
            .tcp(sp, dp, c.seq[dir], 64240);
        if flags & 0x10 != 0 {
            b = b.ack(c.seq[1 - dir]);
        }
        if flags & 0x02 != 0 {
            b = b.syn();
        }
        if flags & 0x01 != 0 {
            b = b.fin();
        }
        if flags & 0x08 != 0 {
            b = b.psh();
        }
        self.frame(b, data)?;
        let len = data.len() as u32 + u32::from(flags & 0x03 != 0);
        c.seq[dir] = c.seq[dir].wrapping_add(len);
        Ok(())
    }

    fn open(&mut self, c: &mut Tcp) -> std::io::Result<()> {
        self.seg(c, 0, 0x02, &[])?;
        self.seg(c, 1, 0x12, &[])?;
        self.seg(c, 0, 0x10, &[])
    }

    /// `data` from `dir`, then the other side's ACK.
    fn send(&mut self, c: &mut Tcp, dir: usize, data: &[u8]) -> std::io::Result<()> {
        self.seg(c, dir, 0x18, data)?;
        self.seg(c, 1 - dir, 0x10, &[])
    }

    fn close(&mut self, c: &mut Tcp) -> std::io::Result<()> {
        self.seg(c, 0, 0x11, &[])?;
        self.seg(c, 1, 0x11, &[])?;
        self.seg(c, 0, 0x10, &[])
    }

    fn udp(
        &mut self,
        src: ([u8; 4], u16),
        dst: ([u8; 4], u16),
        data: &[u8],
    ) -> std::io::Result<()> {
        let mac = |a: [u8; 4]| [2, 0, a[0], a[1], a[2], a[3]];
        let b = PacketBuilder::ethernet2(mac(src.0), mac(dst.0))
            .ipv4(src.0, dst.0, 64)
            .udp(src.1, dst.1);
        let mut f = Vec::with_capacity(b.size(data.len()));
        b.write(&mut f, data).map_err(std::io::Error::other)?;
        self.record(&f)
    }
}

/// A WebSocket frame: FIN, `opcode`, masked with `key` when the client sends it.
fn ws(opcode: u8, payload: &[u8], key: Option<[u8; 4]>) -> Vec<u8> {
    let mut f = vec![0x80 | opcode];
    let m = if key.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => f.push(m | n as u8),
        n => {
            f.push(m | 126);
            f.extend((n as u16).to_be_bytes());
        }
    }
    match key {
        Some(k) => {
            f.extend(k);
            f.extend(payload.iter().enumerate().map(|(i, b)| b ^ k[i % 4]));
        }
        None => f.extend(payload),
    }
    f
}

fn http_response(status: &str, headers: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A DNS query for `name` (A) and its response with one address.
fn dns(id: u16, name: &str, answer: Option<[u8; 4]>) -> Vec<u8> {
    let mut m = id.to_be_bytes().to_vec();
    m.extend(if answer.is_some() {
        [0x81, 0x80]
    } else {
        [0x01, 0x00]
    });
    m.extend([0, 1, 0, u8::from(answer.is_some()), 0, 0, 0, 0]);
    for part in name.split('.') {
        m.push(part.len() as u8);
        m.extend(part.as_bytes());
    }
    m.extend([0, 0, 1, 0, 1]);
    if let Some(a) = answer {
        m.extend([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
        m.extend(a);
    }
    m
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out, packets] = args.as_slice() else {
        return Err("usage: make_mixed OUT.pcap PACKETS".into());
    };
    let want: u64 = packets.parse()?;
    let mut o = Out {
        w: BufWriter::new(std::fs::File::create(out)?),
        ns: 1_700_000_000_000_000_000,
        packets: 0,
    };
    o.w.write_all(&0xa1b2_c3d4u32.to_le_bytes())?;
    o.w.write_all(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0])?;
    o.w.write_all(&65535u32.to_le_bytes())?;
    o.w.write_all(&1u32.to_le_bytes())?;
    let server = [10, 0, 0, 1];
    let mut room = 0u32;
    while o.packets < want {
        room += 1;
        // A room of four python-socketio clients: polling handshake, upgrade, probe.
        let mut clients = Vec::new();
        for k in 0..4u8 {
            let addr = [10, 0, (room % 200) as u8 + 1, k + 2];
            let port = 40000 + (room % 20000) as u16;
            let sid = format!("s{room:06}x{k}AAAAAAAAAAA");
            let mut poll = Tcp {
                client: (addr, port),
                server: (server, 5000),
                seq: [1000, 9000],
            };
            o.open(&mut poll)?;
            o.send(&mut poll, 0, b"GET /socket.io/?transport=polling&EIO=4&t=1700000000.123 HTTP/1.1\r\nHost: 10.0.0.1:5000\r\nUser-Agent: python-requests/2.31.0\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n")?;
            let open = format!("0{{\"sid\":\"{sid}\",\"upgrades\":[\"websocket\"],\"pingTimeout\":20000,\"pingInterval\":25000,\"maxPayload\":1000000}}");
            o.send(
                &mut poll,
                1,
                &http_response(
                    "200 OK",
                    "Content-Type: text/plain; charset=UTF-8\r\n",
                    &open,
                ),
            )?;
            let post = format!("POST /socket.io/?transport=polling&EIO=4&sid={sid} HTTP/1.1\r\nHost: 10.0.0.1:5000\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: 2\r\n\r\n40");
            o.send(&mut poll, 0, post.as_bytes())?;
            o.send(
                &mut poll,
                1,
                &http_response("200 OK", "Content-Type: text/html; charset=UTF-8\r\n", "ok"),
            )?;
            let get = format!("GET /socket.io/?transport=polling&EIO=4&sid={sid} HTTP/1.1\r\nHost: 10.0.0.1:5000\r\n\r\n");
            o.send(&mut poll, 0, get.as_bytes())?;
            let connected = format!("40{{\"sid\":\"n{room:06}x{k}\"}}");
            o.send(
                &mut poll,
                1,
                &http_response(
                    "200 OK",
                    "Content-Type: text/plain; charset=UTF-8\r\n",
                    &connected,
                ),
            )?;
            let mut c = Tcp {
                client: (addr, port + 1),
                server: (server, 5000),
                seq: [5000, 70000],
            };
            o.open(&mut c)?;
            let key = "dGhlIHNhbXBsZSBub25jZQ==";
            let up = format!("GET /socket.io/?transport=websocket&EIO=4&sid={sid} HTTP/1.1\r\nHost: 10.0.0.1:5000\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n");
            o.send(&mut c, 0, up.as_bytes())?;
            let accept = layerscope::protocols::websocket::accept_key(key);
            let ok = format!("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n");
            o.send(&mut c, 1, ok.as_bytes())?;
            let mask = [0x12, 0x34, 0x56, k];
            o.send(&mut c, 0, &ws(1, b"2probe", Some(mask)))?;
            o.send(&mut c, 1, &ws(1, b"3probe", None))?;
            o.send(&mut c, 0, &ws(1, b"5", Some(mask)))?;
            o.close(&mut poll)?;
            clients.push((c, mask));
        }
        // Each client emits; the server rebroadcasts to all four (acks carry no data).
        for round in 0..20u32 {
            for k in 0..clients.len() {
                let text = format!(
                    "42[\"chat message\",{{\"user\":\"student{k}\",\"text\":\"answer {round} in room {room}\",\"n\":{round},\"tags\":[\"a\",\"b\"]}}]"
                );
                let (c, mask) = &mut clients[k];
                let mask = *mask;
                o.send(c, 0, &ws(1, text.as_bytes(), Some(mask)))?;
                for (c, _) in clients.iter_mut() {
                    o.send(c, 1, &ws(1, text.as_bytes(), None))?;
                }
            }
            if round % 3 != 2 {
                continue;
            }
            // Around them: a DNS lookup, a plain download, bulk data with its ACKs.
            let who = ([10, 0, 9, 9], 50000 + (round as u16));
            let id = (room as u16).wrapping_mul(7).wrapping_add(round as u16);
            o.udp(
                who,
                ([10, 0, 0, 53], 53),
                &dns(id, "classroom.example.org", None),
            )?;
            o.udp(
                ([10, 0, 0, 53], 53),
                who,
                &dns(id, "classroom.example.org", Some([93, 184, 216, 34])),
            )?;
            let mut web = Tcp {
                client: ([10, 0, 9, 9], 30000 + (room % 30000) as u16),
                server: ([93, 184, 216, 34], 80),
                seq: [1, 1],
            };
            o.open(&mut web)?;
            o.send(
                &mut web,
                0,
                b"GET /notes.html HTTP/1.1\r\nHost: classroom.example.org\r\n\r\n",
            )?;
            o.send(
                &mut web,
                1,
                &http_response(
                    "200 OK",
                    "Content-Type: text/html\r\n",
                    &"<p>notes</p>".repeat(40),
                ),
            )?;
            o.close(&mut web)?;
            let mut bulk = Tcp {
                client: ([10, 0, 9, 10], 31000 + (room % 30000) as u16),
                server: ([10, 0, 0, 7], 9000),
                seq: [1, 1],
            };
            o.open(&mut bulk)?;
            for _ in 0..4 {
                o.send(&mut bulk, 1, &[0x5a; 1448])?;
            }
            o.close(&mut bulk)?;
            // Heartbeat.
            for (c, mask) in clients.iter_mut() {
                let mask = *mask;
                o.send(c, 1, &ws(1, b"2", None))?;
                o.send(c, 0, &ws(1, b"3", Some(mask)))?;
            }
        }
        for (c, mask) in clients.iter_mut() {
            let mask = *mask;
            o.send(c, 0, &ws(8, &[0x03, 0xe8], Some(mask)))?;
            o.send(c, 1, &ws(8, &[0x03, 0xe8], None))?;
            o.close(c)?;
        }
    }
    o.w.flush()?;
    eprintln!("{out}: {} packets", o.packets);
    Ok(())
}
