//! WebSocket's layers, Info line and sentence for a frame the flow pass kept (and the message
//! it completes: joined from fragments, decompressed), built when its packet is shown
//! (`engine::app_layers::attach` calls [`message`] for each frame).

use crate::engine::app_layers::{derived, eio_sio, placement, Said, Shown};
use crate::flow::app::WsFrame;
use crate::model::{Base, Layer, Note, Packet, Protocol, Severity, Text, Value};
use crate::protocols::websocket::{
    close_code_name, frame_layer, opcode_name, WS_CLOSE_CODE, WS_CLOSE_REASON, WS_MASKED,
    WS_PAYLOAD, WS_PING, WS_PONG, WS_TEXT, WS_UNMASKED,
};
use std::sync::Arc;

crate::field_def!(
    WS_DECOMPRESSED,
    "websocket.payload.decompressed",
    "Decompressed message",
    Base::None,
    "The message after permessage-deflate decompression (layerscope's field)."
);
crate::field_def!(
    WS_COMPRESSED_LEN,
    "websocket.payload.compressed_length",
    "Compressed length",
    Base::Dec,
    "Length of the message's compressed payload (RFC 7692 permessage-deflate), as sent."
);
crate::field_def!(
    WS_PLAIN_LEN,
    "websocket.payload.decompressed_length",
    "Decompressed length",
    Base::Dec,
    "Bytes of the message after decompression."
);
crate::field_def!(
    WS_PAIR,
    "websocket.pair_in",
    "Answered in / answers packet",
    Base::Dec,
    "The pong for this ping (or the ping this pong answers); for a close, the other side's close."
);
crate::field_def!(
    WS_FRAGMENTS,
    "websocket.fragments_in",
    "Fragments in packets",
    Base::None,
    "The packets whose frames were joined into this message."
);
crate::field_def!(
    WS_UTF8,
    "websocket.payload.utf8_valid",
    "Valid UTF-8",
    Base::None,
    "A whole text message must be valid UTF-8 (RFC 6455 5.6); if not, the receiver fails the connection (8.1)."
);

/// Add the layer of WebSocket frame `s.m` (and of the message it completes, and the
/// Engine.IO packets inside) to `p`.
pub(crate) fn message(p: &mut Packet, s: &Shown<'_>, f: &WsFrame, said: &mut Vec<Said>) {
    let Shown {
        m,
        bytes,
        i,
        fields,
        wants_sentence,
        sender,
        receiver,
    } = *s;
    let h0 = &f.header;
    let payload: Arc<[u8]> = if m.in_frame {
        let wire = bytes.get(h0.header_len..).unwrap_or(&[]);
        match h0.mask {
            Some(k) => Arc::from(crate::protocols::websocket::unmask(wire, k, 0)),
            None => Arc::from(wire),
        }
    } else {
        f.payload.clone()
    };
    let (base, re) = placement(m, bytes, i, "reassembled TCP");
    let h = &f.header;
    let mut l = if fields {
        frame_layer(base, h, bytes.len().saturating_sub(h.header_len))
    } else {
        Layer::without_fields(Protocol::WebSocket, base, bytes.len())
    };
    l.reassembled = re.clone();
    let pstart = base + h.header_len;
    let wire_payload = bytes.get(h.header_len..).unwrap_or(&[]);
    if fields {
        if h.masked {
            l.push(
                &WS_MASKED,
                Value::bytes(wire_payload),
                pstart,
                wire_payload.len(),
            );
            l.push(&WS_UNMASKED, Value::bytes(&payload), pstart, payload.len());
            if let (Some(k), Some(&b0), Some(&u0)) = (h.mask, wire_payload.first(), payload.first())
            {
                l.set_text(Text::Owned(
                    format!(
                        "{} (first byte: 0x{b0:02x} XOR key 0x{:02x} = 0x{u0:02x}{})",
                        crate::model::hex_colon(
                            &payload[..payload.len().min(crate::model::DISPLAY_BYTES)]
                        ),
                        k[0],
                        if u0.is_ascii_graphic() {
                            format!(" '{}'", u0 as char)
                        } else {
                            String::new()
                        }
                    )
                    .into(),
                ));
            }
        } else if !wire_payload.is_empty() {
            l.push(
                &WS_PAYLOAD,
                Value::bytes(wire_payload),
                pstart,
                wire_payload.len(),
            );
        }
        match h.opcode {
            8 if payload.len() >= 2 => {
                let code = u16::from_be_bytes([payload[0], payload[1]]);
                l.push(&WS_CLOSE_CODE, Value::U64(u64::from(code)), pstart, 2);
                l.set_text(Text::Owned(
                    format!("{code} ({})", close_code_name(code)).into(),
                ));
                if payload.len() > 2 {
                    l.push(
                        &WS_CLOSE_REASON,
                        Value::str(&String::from_utf8_lossy(&payload[2..])),
                        pstart + 2,
                        payload.len() - 2,
                    );
                }
            }
            9 => l.push(&WS_PING, Value::bytes(&payload), pstart, payload.len()),
            10 => l.push(&WS_PONG, Value::bytes(&payload), pstart, payload.len()),
            _ => {}
        }
        if let Some(pp) = f.pair_packet {
            l.push(&WS_PAIR, Value::U64(u64::from(pp) + 1), base, 0);
        }
    }
    let mut info = String::with_capacity(64);
    info.push_str("WebSocket ");
    info.push_str(opcode_name(h.opcode));
    if h.fin {
        info.push_str(" [FIN]");
    }
    if h.masked {
        info.push_str(" [MASKED]");
    }
    let mut sentence = match h.opcode {
        8 => {
            let why = if payload.len() >= 2 {
                let code = u16::from_be_bytes([payload[0], payload[1]]);
                let reason = String::from_utf8_lossy(&payload[2..]).to_string();
                format!(
                    ": {code} {}{}",
                    close_code_name(code),
                    if reason.is_empty() {
                        String::new()
                    } else {
                        format!(" (\"{reason}\")")
                    }
                )
            } else {
                " (no status code)".into()
            };
            if f.pair_packet.is_some_and(|pp| pp < m.packet) {
                say!(wants_sentence, "{sender} answers the Close frame{why}; the WebSocket closing handshake is complete and the TCP connection must now close (normally the server closes it first).")
            } else {
                say!(wants_sentence, "{sender} starts the WebSocket closing handshake{why}; the other side must answer with its own Close frame.")
            }
        }
        9 => say!(
            wants_sentence,
            "{sender} pings {receiver}: 'are you still there?' (WebSocket ping)."
        ),
        10 => {
            if f.pair_packet.is_some() {
                say!(
                    wants_sentence,
                    "{sender} answers the ping (WebSocket pong)."
                )
            } else {
                say!(
                    wants_sentence,
                    "{sender} sends a WebSocket pong that answers no captured ping (an unsolicited pong is a one-way heartbeat)."
                )
            }
        }
        0 => {
            if h.fin {
                say!(
                    wants_sentence,
                    "{sender} sends the last piece of a fragmented WebSocket message (continuation frame, FIN set): the message is complete."
                )
            } else {
                say!(
                    wants_sentence,
                    "{sender} sends the next piece of a fragmented WebSocket message (continuation frame, FIN not set: more pieces follow)."
                )
            }
        }
        1 | 2 if !h.fin => {
            say!(wants_sentence,
            "{sender} starts a fragmented WebSocket message: this first piece has FIN not set, continuation frames follow."
        )
        }
        1 | 2 => say!(
            wants_sentence,
            "{sender} sends {receiver} a WebSocket {} message of {}.",
            if h.opcode == 1 { "text" } else { "binary" },
            crate::model::count(h.payload_len, "byte")
        ),
        _ => say!(
            wants_sentence,
            "{sender} sends a WebSocket frame with reserved opcode {} ({}): unless an extension defines it, the receiver must fail the connection.",
            h.opcode,
            crate::model::count(h.payload_len, "byte")
        ),
    };
    if let Some(wm) = &f.message {
        let data: Arc<[u8]> = if m.in_frame && wm.frames.len() == 1 && !wm.compressed {
            payload.clone()
        } else {
            wm.data.clone()
        };
        let mut extra: Vec<Layer> = Vec::new();
        let frag = wm.frames.len() > 1;
        let data_re = if frag || wm.compressed {
            derived(
                data.clone(),
                if wm.compressed {
                    "decompressed message"
                } else {
                    "unmasked message joined from fragments"
                },
                m,
            )
        } else {
            None
        };
        // Where the message data sits: the frame payload (same positions, masking is
        // byte for byte), or a derived buffer.
        let dbase = if data_re.is_some() { 0 } else { pstart };
        if fields {
            if frag {
                let pkts: Vec<String> = wm.frames.iter().map(|x| (x + 1).to_string()).collect();
                l.push(&WS_FRAGMENTS, Value::str(&pkts.join(", ")), base, 0);
            }
            if wm.compressed {
                l.push(
                    &WS_COMPRESSED_LEN,
                    Value::U64(payload.len() as u64),
                    pstart,
                    payload.len(),
                );
                match &wm.inflate_error {
                    Some(e) => {
                        l.push(&WS_DECOMPRESSED, Value::None, pstart, 0);
                        l.set_text(Text::Owned(e.clone().into()));
                    }
                    None => {
                        l.push(&WS_PLAIN_LEN, Value::U64(data.len() as u64), pstart, 0);
                        let mut dl = Layer::new(Protocol::WebSocket, 0, data.len());
                        dl.reassembled = data_re.clone();
                        let txt = String::from_utf8_lossy(&data).to_string();
                        dl.push(&WS_DECOMPRESSED, Value::Str(txt.into()), 0, data.len());
                        // The decompressed bytes are not in the frame:
                        // their own layer, over a derived buffer.
                        extra.push(dl);
                    }
                }
            }
            if wm.opcode == 1 && wm.inflate_error.is_none() {
                l.push(
                    &WS_TEXT,
                    Value::Str(String::from_utf8_lossy(&data).into()),
                    dbase,
                    if data_re.is_some() { 0 } else { data.len() },
                );
                l.push(&WS_UTF8, Value::Bool(wm.utf8_ok), dbase, 0);
            }
        }
        if wm.inflate_cut {
            p.notes.push(Note {
                severity: Severity::Warning,
                kind: crate::model::NoteKind::Limit,
                protocol: Some("websocket"),
                offset: None,
                text: "Decompression stopped at the size limit (a deflate bomb or a very big message): the rest is not shown.".into(),
            });
        }
        if let Some(e) = &wm.inflate_error {
            p.notes.push(Note {
                severity: Severity::Info,
                kind: crate::model::NoteKind::Application,
                protocol: Some("websocket"),
                offset: None,
                text: e.clone().into(),
            });
        }
        if !wm.utf8_ok {
            p.notes.push(Note {
                severity: Severity::Warning,
                kind: crate::model::NoteKind::Malformed,
                protocol: Some("websocket"),
                offset: None,
                text: "A text message that is not valid UTF-8: RFC 6455 requires UTF-8 in text messages, and the receiver must fail the connection."
                    .into(),
            });
        }
        if frag {
            info.push_str(&format!(
                " (message of {})",
                crate::model::count(wm.frames.len(), "fragment")
            ));
        }
        if wm.compressed {
            info.push_str(" [COMPRESSED]");
            sentence = if wm.inflate_error.is_some() {
                say!(wants_sentence, "{sender} sends {receiver} a compressed WebSocket message ({} on the wire, permessage-deflate) that cannot be decompressed here (see the note).", crate::model::count(payload.len(), "byte"))
            } else {
                say!(wants_sentence, "{sender} sends {receiver} a compressed WebSocket message: {} on the wire, {} after permessage-deflate decompression.", crate::model::count(payload.len(), "byte"), crate::model::count(data.len(), "byte"))
            };
        }
        p.layers.push(l);
        p.layers.extend(extra);
        said.push(Said {
            protocol: "WebSocket",
            info,
            sentence,
        });
        for e in &wm.eio {
            let data = data.get(e.offset..e.offset + e.len).unwrap_or(&[]);
            if let Some(s) = eio_sio(
                p,
                data,
                dbase + e.offset,
                e,
                &data_re,
                fields,
                (sender, m.dir),
            ) {
                said.push(s);
            }
        }
        return;
    }
    p.layers.push(l);
    said.push(Said {
        protocol: "WebSocket",
        info,
        sentence,
    });
}
