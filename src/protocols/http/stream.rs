//! HTTP/1.1 in the application pass: heads and bodies (Content-Length, chunked), request and
//! response pairing, the WebSocket upgrade (`101 Switching Protocols` with its extensions),
//! and Engine.IO long-polling bodies split into their packets.

use crate::flow::app::*;
use crate::protocols::http::{self, Head, HeadParse};
use crate::protocols::socketio;

impl AppPass {
    pub(crate) fn http(&mut self, conv: u32, dir: u8, packet: u32, ts: i64) -> bool {
        let cfg = self.config;
        let Some(c) = self.convs.get_mut(conv) else {
            return false;
        };
        if dir == 0 && c.awaiting_upgrade {
            return false;
        }
        let b = &c.dirs[usize::from(dir)].buf;
        let request = !b.starts_with(b"HTTP/");
        let head = match http::parse_head(b, request) {
            HeadParse::Partial => {
                if b.len() > cfg.max_head {
                    c.mode = Mode::Opaque;
                    self.stats.streams_given_up += 1;
                    let note = format!("An HTTP head longer than {} starts here (no blank line ends it within that): decoding of this connection stopped.", crate::model::count(cfg.max_head, "byte"));
                    if let Some(p) = self.buffer_start(conv, dir) {
                        self.note_packet(p, note.clone());
                    }
                    self.note_last(conv, note);
                    return true;
                }
                return false;
            }
            HeadParse::Invalid(_) => {
                c.mode = Mode::Opaque;
                self.stats.streams_given_up += 1;
                return true;
            }
            HeadParse::Complete(h) => h,
        };
        // Body length.
        let body = if request {
            head.content_length.unwrap_or(0) as usize
        } else if head.code == 101
            || (100..200).contains(&head.code)
            || head.code == 204
            || head.code == 304
        {
            0
        } else if head.chunked {
            match chunked_len(&b[head.head_len..]) {
                Some(n) => n,
                None => return false,
            }
        } else {
            head.content_length
                .map_or(b.len() - head.head_len, |n| n as usize)
        };
        let total = head.head_len.saturating_add(body);
        if b.len() < total && total - head.head_len <= cfg.max_message {
            return false;
        }
        let have = total.min(b.len());
        let keep = cfg.max_message;
        if total > keep {
            self.stats.messages_cut += 1;
        }
        let wire_len = total as u64;
        let skip = total.saturating_sub(have) as u64;
        let (spans, bytes) = self.take(conv, dir, have, keep);
        let Some(c) = self.convs.get_mut(conv) else {
            return false;
        };
        c.dirs[usize::from(dir)].skip += skip;
        let idx = self.messages.next_index();
        let packet_done = spans.last().map_or(packet, |s| s.packet);
        // The message's parts; the head moves into it at the end.
        let (mut pair, mut pair_packet, mut client_key, mut eio) =
            (None, None, None, EioItems::new());
        if request {
            c.engineio |= c_uri_is_eio(&head);
            c.requests.push_back((idx, packet_done));
            if head.upgrade_websocket {
                c.awaiting_upgrade = true;
                c.upgrade_key = head.ws_key.clone();
            }
            if let Some(sid) = query_param(&head.uri, "sid") {
                c.session = Some(sid.clone());
                self.sessions.insert(conv, sid);
            }
        } else {
            if let Some((req, req_packet)) = c.requests.pop_front() {
                pair = Some(req);
                pair_packet = Some(req_packet);
                self.messages.set_pair(req, idx, packet_done);
            }
            if head.code == 101 && head.upgrade_websocket {
                client_key = c.upgrade_key.take();
                c.mode = Mode::WebSocket { heuristic: false };
                let ext = head
                    .ws_extensions
                    .clone()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                c.deflate = ext.contains("permessage-deflate");
                if c.deflate {
                    c.dirs[0].no_context_takeover = ext.contains("client_no_context_takeover");
                    c.dirs[1].no_context_takeover = ext.contains("server_no_context_takeover");
                    for d in &mut c.dirs {
                        d.inflater = Some(flate2::Decompress::new(false));
                    }
                }
            }
            if head.code != 101 || !head.upgrade_websocket {
                c.upgrade_key = None;
            }
            c.awaiting_upgrade = false;
        }
        // Engine.IO long-polling bodies: the session is known, or this message or an
        // earlier request of the connection asked for an Engine.IO URL (the streaming reader
        // has already dropped the request message itself).
        let is_eio = self.sessions.contains_key(&conv)
            || c.engineio
            || c_uri_is_eio(&head)
            || pair
                .and_then(|p| self.messages.rec(p))
                .is_some_and(|r| r.is_eio_request());
        if is_eio && bytes.len() > head.head_len {
            for (off, p) in socketio::split_polling(&bytes[head.head_len..]) {
                eio.push(EioItem {
                    offset: head.head_len + off,
                    len: p.len(),
                    binary: false,
                    sio: None,
                });
            }
        }
        self.add_message(Message {
            conv,
            dir,
            packet: packet_done,
            ts,
            spans,
            bytes,
            wire_len,
            kind: Kind::Http(Box::new(HttpMsg {
                head,
                pair,
                pair_packet,
                client_key,
                eio,
            })),
            notes: Vec::new(),
            in_frame: false,
        });
        true
    }
}

fn c_uri_is_eio(h: &Head) -> bool {
    h.uri.contains("EIO=")
}

fn query_param(uri: &str, name: &str) -> Option<String> {
    let q = uri.split_once('?')?.1;
    q.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// Length of a complete chunked body at the start of `b`, or `None` if incomplete.
fn chunked_len(b: &[u8]) -> Option<usize> {
    let mut pos = 0;
    loop {
        let line_end = b.get(pos..)?.windows(2).position(|w| w == b"\r\n")? + pos;
        let size_txt = std::str::from_utf8(&b[pos..line_end]).ok()?;
        let size = usize::from_str_radix(size_txt.split(';').next()?.trim(), 16).ok()?;
        pos = line_end + 2;
        if size == 0 {
            // Trailers end with an empty line.
            loop {
                let e = b.get(pos..)?.windows(2).position(|w| w == b"\r\n")? + pos;
                if e == pos {
                    return Some(pos + 2);
                }
                pos = e + 2;
            }
        }
        pos = pos.checked_add(size)?.checked_add(2)?;
        if pos > b.len() {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(crate) fn chunked_bodies() {
        assert_eq!(chunked_len(b"5\r\nhello\r\n0\r\n\r\nnext"), Some(15));
        assert_eq!(chunked_len(b"5\r\nhel"), None);
        assert_eq!(chunked_len(b"zz\r\n"), None);
    }

    #[test]
    pub(crate) fn query() {
        assert_eq!(
            query_param("/socket.io/?EIO=4&transport=websocket&sid=abc", "sid").as_deref(),
            Some("abc")
        );
    }
}
