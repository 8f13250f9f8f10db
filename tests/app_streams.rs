//! Application decoding on synthetic streams: frames made by tungstenite (the oracle), deflate
//! made by flate2, random segmentation (split at every byte), and hostile streams that must stay
//! within the limits and say so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use layerscope::flow::app::{AppConfig, AppPass, Kind, Message};
use layerscope::model::TransportInfo;
use proptest::prelude::*;
use tungstenite::protocol::frame::coding::{Control, Data, OpCode};
use tungstenite::protocol::frame::{Frame, FrameHeader};

/// A TCP connection fed segment by segment into an [`AppPass`].
struct Conn {
    app: AppPass,
    seq: [u32; 2],
    packet: u32,
}

impl Conn {
    fn new(config: AppConfig) -> Self {
        let mut c = Conn {
            app: AppPass::new(config),
            seq: [1000, 5000],
            packet: 0,
        };
        for dir in 0..2u8 {
            let t = TransportInfo {
                proto: 6,
                seq: c.seq[usize::from(dir)],
                flags: 0x02,
                ..Default::default()
            };
            c.app.on_tcp(0, dir, &t, c.packet, 0, &[]);
            c.packet += 1;
            c.seq[usize::from(dir)] += 1;
        }
        c
    }

    /// Send `bytes` from `dir` cut into segments at `cuts` (positions).
    fn send(&mut self, dir: u8, bytes: &[u8], cuts: &[usize]) {
        let mut points: Vec<usize> = cuts
            .iter()
            .copied()
            .filter(|&c| c > 0 && c < bytes.len())
            .collect();
        points.sort_unstable();
        points.dedup();
        let mut start = 0;
        for end in points.into_iter().chain(std::iter::once(bytes.len())) {
            let seg = &bytes[start..end];
            let t = TransportInfo {
                proto: 6,
                seq: self.seq[usize::from(dir)],
                flags: 0x18,
                payload_len: seg.len() as u32,
                payload_offset: 0,
                payload_captured: seg.len() as u32,
                ..Default::default()
            };
            self.app
                .on_tcp(0, dir, &t, self.packet, i64::from(self.packet) * 1000, seg);
            self.packet += 1;
            self.seq[usize::from(dir)] = self.seq[usize::from(dir)].wrapping_add(seg.len() as u32);
            start = end;
        }
    }

    fn handshake(&mut self, extensions: &str) {
        let req = b"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        self.send(0, req, &[]);
        let resp = format!("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n{extensions}\r\n");
        self.send(1, resp.as_bytes(), &[]);
    }

    /// Complete WebSocket messages (opcode, data) in order.
    fn messages(&self) -> Vec<(u8, Vec<u8>)> {
        ws_messages(self.app.messages.iter_full())
    }
}

/// The newest complete WebSocket message the pass produced.
fn last_ws_message(c: &Conn) -> layerscope::flow::app::WsMessage {
    c.app
        .messages
        .iter_full()
        .rev()
        .find_map(|m| match &m.kind {
            Kind::Ws(f) => f.message.clone(),
            _ => None,
        })
        .unwrap()
}

fn ws_messages<'a>(msgs: impl Iterator<Item = &'a Message>) -> Vec<(u8, Vec<u8>)> {
    msgs.filter_map(|m| match &m.kind {
        Kind::Ws(f) => f.message.as_ref().map(|wm| (wm.opcode, wm.data.to_vec())),
        _ => None,
    })
    .collect()
}

fn frame(op: OpCode, data: &[u8], fin: bool, mask: Option<[u8; 4]>, rsv1: bool) -> Vec<u8> {
    let header = FrameHeader {
        is_final: fin,
        rsv1,
        opcode: op,
        mask,
        ..FrameHeader::default()
    };
    let f = Frame::from_payload(header, data.to_vec().into());
    let mut out = Vec::new();
    f.format(&mut out).unwrap();
    out
}

#[derive(Debug, Clone)]
enum Msg {
    Text(String),
    Binary(Vec<u8>),
    /// Fragmented text with a ping between the fragments.
    Fragmented(String, usize),
}

fn msg() -> impl Strategy<Value = Msg> {
    prop_oneof![
        "[a-zA-Z0-9 é€]{0,300}".prop_map(Msg::Text),
        proptest::collection::vec(any::<u8>(), 0..70_000).prop_map(Msg::Binary),
        ("[a-z]{2,200}", 1usize..5).prop_map(|(s, n)| Msg::Fragmented(s, n)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Frames made by tungstenite, client (masked) and server (unmasked), any segmentation:
    /// the same messages come out, control frames interleaved in fragments included.
    #[test]
    fn tungstenite_frames_decode_back(msgs in proptest::collection::vec(msg(), 1..6), cuts in proptest::collection::vec(0usize..80_000, 0..30), client in any::<bool>(), key in any::<[u8; 4]>()) {
        let dir = u8::from(!client);
        let mask = client.then_some(key);
        let mut bytes = Vec::new();
        let mut expected = Vec::new();
        for m in &msgs {
            match m {
                Msg::Text(s) => {
                    bytes.extend(frame(OpCode::Data(Data::Text), s.as_bytes(), true, mask, false));
                    expected.push((1u8, s.as_bytes().to_vec()));
                }
                Msg::Binary(b) => {
                    bytes.extend(frame(OpCode::Data(Data::Binary), b, true, mask, false));
                    expected.push((2u8, b.clone()));
                }
                Msg::Fragmented(s, n) => {
                    let parts: Vec<&[u8]> = s.as_bytes().chunks(s.len().div_ceil(*n).max(1)).collect();
                    for (i, p) in parts.iter().enumerate() {
                        let op = if i == 0 { OpCode::Data(Data::Text) } else { OpCode::Data(Data::Continue) };
                        bytes.extend(frame(op, p, i + 1 == parts.len(), mask, false));
                        if i == 0 {
                            bytes.extend(frame(OpCode::Control(Control::Ping), b"hi", true, mask, false));
                        }
                    }
                    expected.push((1u8, s.as_bytes().to_vec()));
                }
            }
        }
        let mut c = Conn::new(AppConfig::default());
        c.handshake("");
        c.send(dir, &bytes, &cuts);
        prop_assert_eq!(c.messages(), expected);
    }

    /// permessage-deflate: messages compressed with flate2 (context taken over between them)
    /// decompress to the originals, split anywhere.
    #[test]
    fn deflate_messages_decompress(texts in proptest::collection::vec("[a-c ]{1,400}", 1..6), cuts in proptest::collection::vec(0usize..3000, 0..20)) {
        let mut comp = flate2::Compress::new(flate2::Compression::default(), false);
        let mut bytes = Vec::new();
        for t in &texts {
            let mut out = Vec::with_capacity(t.len() * 2 + 256);
            comp.compress_vec(t.as_bytes(), &mut out, flate2::FlushCompress::Sync).unwrap();
            // RFC 7692: drop the trailing 00 00 ff ff of the sync flush.
            prop_assert!(out.ends_with(&[0, 0, 0xff, 0xff]));
            out.truncate(out.len() - 4);
            bytes.extend(frame(OpCode::Data(Data::Text), &out, true, None, true));
        }
        let mut c = Conn::new(AppConfig::default());
        c.handshake("Sec-WebSocket-Extensions: permessage-deflate\r\n");
        c.send(1, &bytes, &cuts);
        let got = c.messages();
        let want: Vec<(u8, Vec<u8>)> = texts.iter().map(|t| (1u8, t.as_bytes().to_vec())).collect();
        prop_assert_eq!(got, want);
    }
}

/// The same stream split at every single byte gives the same messages.
#[test]
fn split_at_every_byte() {
    let mut bytes = frame(
        OpCode::Data(Data::Text),
        b"hello",
        true,
        Some([1, 2, 3, 4]),
        false,
    );
    bytes.extend(frame(
        OpCode::Data(Data::Binary),
        &[7; 300],
        true,
        Some([9, 9, 9, 9]),
        false,
    ));
    bytes.extend(frame(
        OpCode::Control(Control::Close),
        &[3, 232],
        true,
        Some([0, 0, 0, 1]),
        false,
    ));
    let cuts: Vec<usize> = (1..bytes.len()).collect();
    let mut c = Conn::new(AppConfig::default());
    c.handshake("");
    c.send(0, &bytes, &cuts);
    assert_eq!(
        c.messages(),
        vec![(1, b"hello".to_vec()), (2, vec![7; 300])]
    );
    let close = c
        .app
        .messages
        .iter_full()
        .find(|m| matches!(&m.kind, Kind::Ws(f) if f.header.opcode == 8))
        .unwrap();
    assert_eq!(
        close.spans.len(),
        8,
        "an 8-byte close frame split at every byte comes from 8 packets: {:?}",
        close.spans
    );
}

#[test]
fn deflate_bomb_is_cut_at_the_limit_and_said() {
    // 1 MiB of zeros, compressed with a full flush so the block stands alone; 1024 copies of
    // it are a valid stream that inflates to 1 GiB.
    let mut comp = flate2::Compress::new(flate2::Compression::best(), false);
    let mut block = Vec::with_capacity(1 << 16);
    comp.compress_vec(&vec![0u8; 1 << 20], &mut block, flate2::FlushCompress::Full)
        .unwrap();
    assert!(block.ends_with(&[0, 0, 0xff, 0xff]));
    let mut out = Vec::new();
    for _ in 0..1024 {
        out.extend_from_slice(&block);
    }
    out.truncate(out.len() - 4);
    assert!(
        out.len() < 1_100_000,
        "1 GiB of zeros compresses to about 1 MB: {}",
        out.len()
    );
    let config = AppConfig {
        max_inflate: 8 << 20,
        ..AppConfig::default()
    };
    let mut c = Conn::new(config);
    c.handshake("Sec-WebSocket-Extensions: permessage-deflate\r\n");
    c.send(
        1,
        &frame(OpCode::Data(Data::Text), &out, true, None, true),
        &[],
    );
    let m = last_ws_message(&c);
    assert!(m.inflate_cut, "the cut is reported");
    assert!(m.data.len() <= 16 << 20, "output bounded: {}", m.data.len());
    assert_eq!(c.app.stats.inflate_cut, 1);
    // The next compressed message cannot use the lost context: said, not garbage.
    c.send(
        1,
        &frame(
            OpCode::Data(Data::Text),
            &[0x4b, 0x04, 0x00],
            true,
            None,
            true,
        ),
        &[],
    );
    let next = last_ws_message(&c);
    assert!(next.inflate_error.unwrap().contains("cannot decompress"));
}

#[test]
fn frame_claiming_2_pow_63_bytes_is_kept_bounded() {
    let mut bytes = vec![0x82, 127];
    bytes.extend_from_slice(&(1u64 << 63).to_be_bytes());
    bytes.extend_from_slice(&[0xaa; 4096]);
    let config = AppConfig {
        max_message: 1024,
        ..AppConfig::default()
    };
    let mut c = Conn::new(config);
    c.handshake("");
    c.send(1, &bytes, &[100, 2000]);
    let m = c
        .app
        .messages
        .iter_full()
        .rev()
        .find(|m| matches!(m.kind, Kind::Ws(_)))
        .unwrap();
    assert!(m.bytes.len() <= 1024);
    assert_eq!(m.wire_len, 10 + (1u64 << 63));
    assert!(
        m.notes
            .iter()
            .any(|n| n.contains("claims 9223372036854775808")),
        "{:?}",
        m.notes
    );
    assert_eq!(c.app.stats.messages_cut, 1);
    assert!(
        c.app.buffered() < 8192,
        "nothing piles up: {}",
        c.app.buffered()
    );
}

#[test]
fn http_head_that_never_ends_stops_decoding_and_says_so() {
    let mut c = Conn::new(AppConfig::default());
    let mut head = b"GET / HTTP/1.1\r\n".to_vec();
    while head.len() < 200_000 {
        head.extend_from_slice(b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    }
    c.send(0, &head, &(1..200).map(|i| i * 1000).collect::<Vec<_>>());
    assert_eq!(c.app.stats.streams_given_up, 1);
    assert!(
        c.app.buffered() < 128 << 10,
        "buffer bounded: {}",
        c.app.buffered()
    );
}

#[test]
fn a_gap_in_the_sequence_is_skipped_and_counted() {
    let mut c = Conn::new(AppConfig::default());
    c.handshake("");
    let a = frame(OpCode::Data(Data::Text), b"first", true, None, false);
    let b = frame(OpCode::Data(Data::Text), b"second", true, None, false);
    c.send(1, &a, &[]);
    // Lose 100 bytes: advance the sequence number without sending them.
    c.seq[1] += 100;
    c.send(1, &b, &[]);
    c.app.finish();
    assert_eq!(c.app.stats.gaps, 1);
    assert_eq!(c.app.stats.gap_bytes, 100);
    let msgs = c.messages();
    assert_eq!(msgs.first(), Some(&(1, b"first".to_vec())));
    assert_eq!(msgs.last(), Some(&(1, b"second".to_vec())));
}

#[test]
fn overlapping_retransmission_with_different_bytes_is_reported() {
    let mut c = Conn::new(AppConfig::default());
    c.handshake("");
    let a = frame(
        OpCode::Data(Data::Text),
        b"original text",
        true,
        None,
        false,
    );
    c.send(1, &a, &[]);
    c.seq[1] -= a.len() as u32;
    let forged = frame(
        OpCode::Data(Data::Text),
        b"ORIGINAL TEXT",
        true,
        None,
        false,
    );
    c.send(1, &forged, &[]);
    assert_eq!(c.app.stats.conflicting_overlaps, 1);
    assert_eq!(c.messages(), vec![(1, b"original text".to_vec())]);
}
