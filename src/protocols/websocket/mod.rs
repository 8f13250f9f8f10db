//! WebSocket (RFC 6455) frames, hand-written so that every piece keeps its byte range and
//! reserved opcodes are kept rather than rejected.
//!
//! These functions are stateless: the flow pass finds frame boundaries in the reassembled
//! stream with [`parse_header`]; when a packet is shown, [`frame_layer`] turns the stored frame
//! bytes into fields. State (fragments, compression, pairing) lives in `flow::app`.

use crate::model::{Base, Layer, Protocol, Value};

pub(crate) mod layers;
mod stream;

crate::field_def!(
    WS_FIN,
    "websocket.fin",
    "Fin",
    Base::None,
    "Set on the last frame of a message; clear when more fragments follow."
);
crate::field_def!(
    WS_RSV,
    "websocket.rsv",
    "Reserved",
    Base::Hex(1),
    "Three bits for extensions, 0 unless one is negotiated; with permessage-deflate, RSV1 marks a compressed message."
);
crate::field_def!(
    WS_PMC,
    "websocket.pmc",
    "Per-message compressed",
    Base::None,
    "RSV1 under permessage-deflate: this message is compressed (set on its first frame only)."
);
crate::field_def!(
    WS_OPCODE,
    "websocket.opcode",
    "Opcode",
    Base::Dec,
    "What the frame carries: 0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong."
);
crate::field_def!(
    WS_MASK,
    "websocket.mask",
    "Mask",
    Base::None,
    "Set when the payload is masked: every client-to-server frame must be, no server-to-client frame may be."
);
crate::field_def!(
    WS_LEN,
    "websocket.payload_length",
    "Payload length",
    Base::Dec,
    "Length of the payload, or 126/127: the real length follows in 16 or 64 bits."
);
crate::field_def!(
    WS_LEN16,
    "websocket.payload_length_ext_16",
    "Extended payload length (16 bits)",
    Base::Dec,
    "The payload length when it is 126 to 65535 bytes."
);
crate::field_def!(
    WS_LEN64,
    "websocket.payload_length_ext_64",
    "Extended payload length (64 bits)",
    Base::Dec,
    "The payload length when it is over 65535 bytes."
);
crate::field_def!(WS_KEY, "websocket.masking_key", "Masking key", Base::None, "Four random bytes; payload byte i is XORed with key byte i mod 4. Not encryption (the key is in the frame): a script cannot choose the wire bytes, so cannot fake HTTP to poison proxy caches.");
crate::field_def!(
    WS_PAYLOAD,
    "websocket.payload",
    "Payload",
    Base::None,
    "The frame's payload as it was on the wire."
);
crate::field_def!(
    WS_MASKED,
    "websocket.masked_payload",
    "Masked payload",
    Base::None,
    "The payload as sent, still XORed with the masking key."
);
crate::field_def!(
    WS_UNMASKED,
    "websocket.payload_unmasked",
    "Unmasked payload",
    Base::None,
    "The payload after XOR with the masking key: payload[i] ^ key[i % 4] (layerscope's field)."
);
crate::field_def!(
    WS_TEXT,
    "websocket.payload.text",
    "Text",
    Base::None,
    "The text message as UTF-8 (its payload, joined from fragments and decompressed if needed)."
);
crate::field_def!(
    WS_CLOSE_CODE,
    "websocket.payload.close.status_code",
    "Close status code",
    Base::Dec,
    "Why the connection closes: 1000 normal, 1001 going away, 1009 message too big..."
);
crate::field_def!(
    WS_CLOSE_REASON,
    "websocket.payload.close.reason",
    "Close reason",
    Base::None,
    "Optional UTF-8 text after the code saying why; meant for debugging, not necessarily readable."
);
crate::field_def!(
    WS_PING,
    "websocket.payload.ping",
    "Ping payload",
    Base::None,
    "Data the pong must echo back."
);
crate::field_def!(
    WS_PONG,
    "websocket.payload.pong",
    "Pong payload",
    Base::None,
    "Echo of the ping's data (a pong may also be sent unsolicited, as a heartbeat)."
);
crate::field_def!(
    WS_CONT,
    "websocket.payload.continue",
    "Continuation payload",
    Base::None,
    "A later piece of a fragmented message."
);

/// A parsed frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    pub fin: bool,
    pub rsv: u8,
    pub opcode: u8,
    pub masked: bool,
    /// The 7-bit length field (0-125, 126, 127).
    pub len7: u8,
    pub payload_len: u64,
    pub mask: Option<[u8; 4]>,
    pub header_len: usize,
}

impl FrameHeader {
    pub fn is_control(&self) -> bool {
        self.opcode >= 8
    }
    /// Which length encoding was used.
    pub fn length_encoding(&self) -> &'static str {
        match self.len7 {
            126 => "16-bit extended",
            127 => "64-bit extended",
            _ => "7-bit",
        }
    }
}

/// Parse a frame header. `Err(n)`: at least `n` bytes are needed.
pub fn parse_header(b: &[u8]) -> Result<FrameHeader, usize> {
    if b.len() < 2 {
        return Err(2);
    }
    let fin = b[0] & 0x80 != 0;
    let rsv = (b[0] >> 4) & 0x7;
    let opcode = b[0] & 0x0f;
    let masked = b[1] & 0x80 != 0;
    let len7 = b[1] & 0x7f;
    let (payload_len, mut n) = match len7 {
        126 => {
            let x = b.get(2..4).ok_or(4usize)?;
            (u64::from(u16::from_be_bytes([x[0], x[1]])), 4)
        }
        127 => {
            let x = b.get(2..10).ok_or(10usize)?;
            let mut a = [0u8; 8];
            a.copy_from_slice(x);
            (u64::from_be_bytes(a), 10)
        }
        l => (u64::from(l), 2),
    };
    let mask = if masked {
        let k = b.get(n..n + 4).ok_or(n + 4)?;
        n += 4;
        Some([k[0], k[1], k[2], k[3]])
    } else {
        None
    };
    Ok(FrameHeader {
        fin,
        rsv,
        opcode,
        masked,
        len7,
        payload_len,
        mask,
        header_len: n,
    })
}

/// XOR `data` with the key, `start` bytes into the payload.
pub fn unmask(data: &[u8], key: [u8; 4], start: usize) -> Vec<u8> {
    let mut v = data.to_vec();
    let k = std::array::from_fn(|i| key[(start + i) % 4]);
    unmask_in_place(&mut v, k);
    v
}

/// Unmask (or copy) a payload straight into a shared buffer: one allocation, one pass.
pub fn unmask_shared(data: &[u8], key: Option<[u8; 4]>) -> std::sync::Arc<[u8]> {
    let mut shared: std::sync::Arc<[u8]> = std::sync::Arc::from(data);
    if let (Some(k), Some(buf)) = (key, std::sync::Arc::get_mut(&mut shared)) {
        unmask_in_place(buf, k);
    }
    shared
}

/// XOR with the masking key, eight bytes at a time.
pub fn unmask_in_place(buf: &mut [u8], key: [u8; 4]) {
    let k8 = u64::from_ne_bytes([
        key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3],
    ]);
    let mut chunks = buf.chunks_exact_mut(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        c.copy_from_slice(&(u64::from_ne_bytes(w) ^ k8).to_ne_bytes());
    }
    // The tail starts at a multiple of 8, so the key lines up again at its first byte.
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= key[i % 4];
    }
}

pub fn opcode_name(op: u8) -> &'static str {
    match op {
        0 => "Continuation",
        1 => "Text",
        2 => "Binary",
        8 => "Connection Close",
        9 => "Ping",
        10 => "Pong",
        3..=7 => "Reserved (non-control)",
        _ => "Reserved (control)",
    }
}

/// RFC 6455 section 7.4.1 status codes and section 7.4.2 ranges.
pub fn close_code_name(code: u16) -> &'static str {
    match code {
        0..=999 => "not used",
        1000 => "normal closure",
        1001 => "going away",
        1002 => "protocol error",
        1003 => "unsupported data",
        1004 => "reserved",
        1005 => "no status received (reserved: must not be sent)",
        1006 => "abnormal closure (reserved: must not be sent)",
        1007 => "invalid frame payload data",
        1008 => "policy violation",
        1009 => "message too big",
        1010 => "mandatory extension",
        1011 => "internal server error",
        1012..=1014 | 1016..=2999 => "reserved for WebSocket and its extensions",
        1015 => "TLS handshake failure (reserved: must not be sent)",
        3000..=3999 => "for libraries, frameworks and applications (registered with IANA)",
        4000..=4999 => "private use by the application",
        _ => "unknown",
    }
}

/// The GUID of RFC 6455 section 1.3.
pub const WS_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + GUID)).
pub fn accept_key(key: &str) -> String {
    use base64::Engine as _;
    use sha1::Digest as _;
    let mut h = sha1::Sha1::new();
    h.update(key.trim().as_bytes());
    h.update(WS_GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(h.finalize())
}

/// Build a WebSocket layer from a frame's parsed header. `base` maps frame-relative offsets to
/// the layer's byte space (frame offset in the packet, or 0 in a reassembled buffer);
/// `stored_payload` is how many payload bytes the layer covers.
pub fn frame_layer(base: usize, h: &FrameHeader, stored_payload: usize) -> Layer {
    let mut l = Layer::new(Protocol::WebSocket, base, h.header_len + stored_payload);
    l.push_bits(&WS_FIN, Value::Bool(h.fin), base, 1, 0x80);
    l.push_bits(&WS_RSV, Value::U64(u64::from(h.rsv)), base, 1, 0x70);
    if h.rsv & 0x4 != 0 {
        l.push_bits(&WS_PMC, Value::Bool(true), base, 1, 0x40);
    }
    l.push_bits(&WS_OPCODE, Value::U64(u64::from(h.opcode)), base, 1, 0x0f);
    l.set_text(crate::model::Text::Owned(
        format!("{} ({})", opcode_name(h.opcode), h.opcode).into(),
    ));
    l.push_bits(&WS_MASK, Value::Bool(h.masked), base + 1, 1, 0x80);
    l.push_bits(&WS_LEN, Value::U64(u64::from(h.len7)), base + 1, 1, 0x7f);
    l.set_text(crate::model::Text::Owned(
        format!("{} ({} length)", h.len7, h.length_encoding()).into(),
    ));
    for f in &mut l.fields {
        f.depth = 0;
    }
    match h.len7 {
        126 => l.push(&WS_LEN16, Value::U64(h.payload_len), base + 2, 2),
        127 => l.push(&WS_LEN64, Value::U64(h.payload_len), base + 2, 8),
        _ => {}
    }
    if let Some(k) = h.mask {
        l.push(&WS_KEY, Value::bytes(&k), base + h.header_len - 4, 4);
    }
    l
}

#[cfg(test)]
mod unmask_tests {
    use super::*;

    #[test]
    fn word_unmask_matches_the_byte_rule() {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        for len in 0..40 {
            let data: Vec<u8> = (0..len as u8).map(|b| b.wrapping_mul(31)).collect();
            let want: Vec<u8> = data
                .iter()
                .enumerate()
                .map(|(i, b)| b ^ key[i % 4])
                .collect();
            assert_eq!(&*unmask_shared(&data, Some(key)), &want[..], "len {len}");
            for start in 0..4 {
                let want: Vec<u8> = data
                    .iter()
                    .enumerate()
                    .map(|(i, b)| b ^ key[(start + i) % 4])
                    .collect();
                assert_eq!(unmask(&data, key, start), want, "len {len} start {start}");
            }
        }
    }
}
