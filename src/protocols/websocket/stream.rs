//! WebSocket frames in the application pass: headers, unmasking (straight from the stream
//! buffer when the frame lies whole in one packet), fragments joined into messages,
//! permessage-deflate with a bounded output, ping/pong and close pairs, and the notes RFC 6455
//! asks for (unmasked client frames, oversized control frames, reserved opcodes).

use crate::flow::app::*;
use crate::protocols::websocket;
use std::sync::Arc;

impl AppPass {
    pub(crate) fn websocket(
        &mut self,
        conv: u32,
        dir: u8,
        packet: u32,
        ts: i64,
        heuristic: bool,
    ) -> bool {
        let cfg = self.config;
        let Some(c) = self.convs.get_mut(conv) else {
            return false;
        };
        let b = &c.dirs[usize::from(dir)].buf;
        let h = match websocket::parse_header(b) {
            Ok(h) => h,
            Err(_) => return false,
        };
        let total = (h.header_len as u64).saturating_add(h.payload_len);
        let keep = cfg.max_message;
        let cut = total > keep as u64;
        if !cut && (b.len() as u64) < total {
            return false;
        }
        if cut && b.len() < keep {
            let db = &mut c.dirs[usize::from(dir)];
            if !db.noted_big {
                db.noted_big = true;
                let start = db.origins.first().map_or(packet, |o| o.1.packet);
                self.note_packet(start, format!(
                    "The WebSocket frame that starts here claims {} of payload, more than the {} this decoder keeps of a message: the first {} are decoded once they arrive, the rest is skipped.",
                    crate::model::count(h.payload_len, "byte"),
                    crate::model::count(keep, "byte"),
                    crate::model::count(keep.saturating_sub(h.header_len), "byte")
                ));
            }
            return false;
        }
        let have = (total.min(b.len() as u64)) as usize;
        let skip = total - have as u64;
        // A frame lying whole in one packet needs no copy of its wire bytes: unmask straight
        // from the buffer, and let the engine re-read the frame from the capture.
        let origins = &c.dirs[usize::from(dir)].origins;
        let whole = !cut
            && cfg.compact
            && origins.first().is_some_and(|o| o.0 == 0)
            && origins.get(1).map_or(b.len(), |x| x.0) >= have;
        let direct_payload: Option<Arc<[u8]>> =
            whole.then(|| websocket::unmask_shared(&b[h.header_len.min(have)..have], h.mask));
        let (spans, bytes) = self.take_with(conv, dir, have, keep, !whole);
        let packet_done = spans.last().map_or(packet, |s| s.packet);
        let Some(c) = self.convs.get_mut(conv) else {
            return false;
        };
        let db = &mut c.dirs[usize::from(dir)];
        db.skip += skip;
        db.noted_big = false;
        let idx = self.messages.next_index();
        let mut notes = Vec::new();
        if cut {
            self.stats.messages_cut += 1;
            notes.push(format!(
                "The frame claims {} payload bytes; only the first {} are kept (limit), the rest is skipped.",
                h.payload_len,
                keep.saturating_sub(h.header_len)
            ));
        }
        let payload: Arc<[u8]> = match direct_payload {
            Some(p) => p,
            None => websocket::unmask_shared(bytes.get(h.header_len..).unwrap_or(&[]), h.mask),
        };
        if h.is_control() && (h.payload_len > 125 || !h.fin) {
            notes.push("Control frames must have FIN set and at most 125 payload bytes (RFC 6455 5.5): this one breaks the rule.".into());
        }
        if dir == 0 && !h.masked {
            notes.push(
                "A client frame without a mask: RFC 6455 requires clients to mask every frame."
                    .into(),
            );
        }
        if dir == 1 && h.masked {
            notes.push("A server frame with a mask: servers must not mask.".into());
        }
        let mut message = None;
        let mut pair = None;
        match h.opcode {
            0..=2 => {
                let compressed_flag = h.rsv & 0x4 != 0;
                if h.opcode != 0 {
                    if db.frag.is_some() {
                        notes.push(
                            "A new message started before the previous fragmented one finished."
                                .into(),
                        );
                    }
                    db.frag = Some((
                        h.opcode,
                        compressed_flag,
                        Vec::new(),
                        FramePackets::new(),
                        cut,
                    ));
                } else if db.frag.is_none() {
                    notes.push("A continuation frame with no message to continue (the start was not captured).".into());
                }
                // A message in a single frame is its payload: no gathering copy.
                let single = h.opcode != 0 && h.fin;
                if let Some((_, _, data, frames, was_cut)) = db.frag.as_mut() {
                    if single {
                    } else if data.len() + payload.len() <= keep {
                        data.extend_from_slice(&payload);
                    } else {
                        *was_cut = true;
                    }
                    *was_cut |= cut;
                    frames.push(packet_done);
                }
                if h.fin {
                    if let Some((op, compressed, data, frames, was_cut)) = db.frag.take() {
                        let mut m = WsMessage {
                            opcode: op,
                            data: self.messages.empty(),
                            compressed,
                            inflate_error: None,
                            inflate_cut: false,
                            frames,
                            utf8_ok: true,
                            eio: EioItems::new(),
                        };
                        let mut out = data;
                        if single && (compressed || was_cut) {
                            out = payload.to_vec();
                        }
                        if compressed {
                            if heuristic || !c.deflate {
                                m.inflate_error = Some("cannot decompress: the capture starts after the connection began, so the compression settings and the shared dictionary are unknown".into());
                            } else if let Some(why) = &db.inflate_broken {
                                m.inflate_error = Some(why.clone());
                            } else if was_cut {
                                m.inflate_error = Some(
                                    "cannot decompress: the message was cut at the size limit"
                                        .into(),
                                );
                                db.inflate_broken = Some("cannot decompress: an earlier message was cut, so the shared compression context is lost".into());
                            } else {
                                let budget = cfg
                                    .max_inflate_per_conv
                                    .saturating_sub(db.inflated)
                                    .min(cfg.max_inflate_total.saturating_sub(self.inflated_total));
                                let limit = cfg.max_inflate.min(budget);
                                let spent = format!(
                                    "not decompressed: this capture's decompression budget ({} MiB a connection, {} MiB in all) is spent, so this and later compressed messages of the connection are shown compressed",
                                    cfg.max_inflate_per_conv >> 20,
                                    cfg.max_inflate_total >> 20
                                );
                                let r = if limit == 0 {
                                    Err(None)
                                } else {
                                    inflate(db, &out, limit).map_err(Some)
                                };
                                match r {
                                    Err(None) => {
                                        self.stats.inflate_budget += 1;
                                        m.inflate_error = Some(spent.clone());
                                        db.inflate_broken = Some(spent);
                                    }
                                    Ok((plain, cut_inflate)) => {
                                        db.inflated += plain.len();
                                        self.inflated_total += plain.len();
                                        if cut_inflate && limit < cfg.max_inflate {
                                            m.inflate_cut = true;
                                            self.stats.inflate_budget += 1;
                                            db.inflate_broken = Some(spent);
                                        } else if cut_inflate {
                                            m.inflate_cut = true;
                                            self.stats.inflate_cut += 1;
                                            db.inflate_broken = Some("cannot decompress: an earlier message exceeded the decompression limit, so the shared context is lost".into());
                                        }
                                        out = plain;
                                    }
                                    Err(Some(e)) => {
                                        m.inflate_error = Some(format!("cannot decompress: {e}"));
                                        db.inflate_broken = Some("cannot decompress: an earlier message failed to decompress, so the shared context is lost".into());
                                    }
                                }
                            }
                        }
                        let plain: &[u8] = if single && !compressed {
                            &payload
                        } else {
                            &out
                        };
                        if op == 1 && m.inflate_error.is_none() {
                            m.utf8_ok =
                                std::str::from_utf8(plain).is_ok() || m.inflate_cut || was_cut;
                        }
                        if !c.engineio && op == 1 && heuristic && plain.starts_with(b"0{\"sid\"") {
                            c.engineio = true;
                        }
                        // A single uncompressed frame: its payload is the message.
                        m.data = if m.frames.len() == 1 && !compressed && !was_cut {
                            payload.clone()
                        } else {
                            Arc::from(out)
                        };
                        if m.inflate_error.is_none() && c.engineio {
                            m.eio.push(EioItem {
                                offset: 0,
                                len: m.data.len(),
                                binary: op == 2,
                                sio: None,
                            });
                        }
                        message = Some(m);
                    }
                }
            }
            9 => c.pings[usize::from(dir)].push_back((idx, packet_done)),
            10 => {
                if let Some(p) = c.pings[usize::from(1 - dir)].pop_front() {
                    pair = Some(p);
                }
            }
            8 => match c.close {
                Some((d0, first, first_packet)) if d0 != dir => pair = Some((first, first_packet)),
                None => c.close = Some((dir, idx, packet_done)),
                _ => {}
            },
            _ => notes.push(format!("Reserved opcode {}: kept as is.", h.opcode)),
        }
        let first_ws = !c.ws_seen;
        c.ws_seen = true;
        if heuristic && first_ws {
            notes.push(
                "WebSocket recognised from the frames themselves: the handshake was not captured."
                    .into(),
            );
        }
        if let Some((p, _)) = pair {
            self.messages.set_pair(p, idx, packet_done);
        }
        self.add_message(Message {
            conv,
            dir,
            packet: packet_done,
            ts,
            spans,
            bytes,
            wire_len: total,
            kind: Kind::Ws(WsFrame {
                header: h,
                heuristic,
                payload,
                message,
                pair: pair.map(|x| x.0),
                pair_packet: pair.map(|x| x.1),
            }),
            notes,
            in_frame: false,
        });
        true
    }
}

/// permessage-deflate (RFC 7692): raw deflate, the message plus `00 00 ff ff`, output bounded.
fn inflate(db: &mut DirBuf, data: &[u8], limit: usize) -> Result<(Vec<u8>, bool), String> {
    let reset = db.no_context_takeover;
    let d = db
        .inflater
        .get_or_insert_with(|| flate2::Decompress::new(false));
    if reset {
        d.reset(false);
    }
    let mut input = Vec::with_capacity(data.len() + 4);
    input.extend_from_slice(data);
    input.extend_from_slice(&[0, 0, 0xff, 0xff]);
    let mut out: Vec<u8> = Vec::new();
    let mut pos = 0;
    loop {
        if out.len() >= limit {
            return Ok((out, true));
        }
        let room = (limit - out.len()).min(out.len().max(1 << 16));
        out.reserve(room);
        let (bi, bo) = (d.total_in(), d.total_out());
        let st = d
            .decompress_vec(&input[pos..], &mut out, flate2::FlushDecompress::Sync)
            .map_err(|e| e.to_string())?;
        pos += (d.total_in() - bi) as usize;
        if st == flate2::Status::StreamEnd {
            break;
        }
        if pos >= input.len() && out.len() < out.capacity() {
            break;
        }
        if d.total_in() == bi && d.total_out() == bo {
            break;
        }
    }
    Ok((out, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(crate) fn deflate_bomb_is_cut() {
        use flate2::write::DeflateEncoder;
        use std::io::Write;
        let mut enc = DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..64 {
            enc.write_all(&zeros).unwrap();
        }
        let mut c = enc.finish().unwrap();
        // permessage-deflate strips the final empty block marker; keep the stream as is.
        c.truncate(c.len());
        let mut db = DirBuf::default();
        let (out, cut) = inflate(&mut db, &c, 1 << 20).unwrap();
        assert!(cut);
        assert!(out.len() <= 2 << 20, "{}", out.len());
    }
}
