//! HTTP's layer, Info line and sentence for a message the flow pass kept, built when its
//! packet is shown (`engine::app_layers::attach` calls [`message`] for each HTTP message).

use crate::engine::app_layers::{eio_sio, placement, with_reassembled, Said, Shown};
use crate::flow::app::HttpMsg;
use crate::model::{Layer, Packet, Protocol};
use crate::protocols::http::{http_layer, HttpContext};
use crate::protocols::websocket;

/// Add the layer of HTTP message `s.m` (and the Engine.IO packets of a polling body) to `p`.
pub(crate) fn message(p: &mut Packet, s: &Shown<'_>, h: &HttpMsg, said: &mut Vec<Said>) {
    let Shown {
        m,
        bytes,
        i,
        fields,
        wants_sentence,
        sender,
        receiver,
    } = *s;
    let (base, re) = placement(m, bytes, i, "reassembled TCP");
    let pair_packet = h.pair_packet.map(|x| u64::from(x) + 1);
    let ctx = HttpContext {
        pair_packet,
        client_key: h.client_key.clone(),
    };
    if fields {
        if let Some(l) = http_layer(bytes, base, &ctx) {
            p.layers.push(with_reassembled(l, &re));
        }
    } else {
        p.layers
            .push(Layer::without_fields(Protocol::Http, base, bytes.len()));
    }
    let line = crate::protocols::http::summary(bytes);
    let sentence = if h.head.request {
        if h.head.upgrade_websocket {
            say!(wants_sentence, "{sender} asks {receiver} to switch this TCP connection to WebSocket (HTTP {} with Upgrade: websocket).", h.head.method)
        } else {
            // Engine.IO long-polling (Engine.IO v4, "HTTP long-polling"): what the
            // request is for.
            let polling = if !h.head.uri.contains("transport=polling") {
                ""
            } else if h.head.method == "POST" {
                " (Engine.IO long-polling: its body carries the client's packets)"
            } else if h.head.uri.contains("sid=") {
                " (Engine.IO long-polling: the server answers it once it has packets for the client)"
            } else {
                " (Engine.IO handshake: the server answers with the open packet)"
            };
            say!(
                wants_sentence,
                "{sender} sends an HTTP {} request for {} to {receiver}{polling}.",
                h.head.method,
                h.head.uri
            )
        }
    } else if h.head.code == 101 {
        let proof = match (&h.client_key, &h.head.ws_accept) {
            (Some(k), Some(a)) if websocket::accept_key(k) == *a => {
                "; its Sec-WebSocket-Accept proves it read the client's key"
            }
            (Some(_), Some(_)) => {
                "; but its Sec-WebSocket-Accept does not match the client's key, so the client must fail the connection"
            }
            _ => "",
        };
        if h.head.upgrade_websocket {
            say!(wants_sentence, "{sender} agrees: 101 Switching Protocols. From now on this TCP connection carries WebSocket frames{proof}.")
        } else {
            say!(wants_sentence, "{sender} agrees: 101 Switching Protocols. From now on this TCP connection carries the protocol named in its Upgrade header.")
        }
    } else {
        say!(
            wants_sentence,
            "{sender} answers {receiver}: {}.",
            format!("{} {}", h.head.code, h.head.reason).trim_end()
        )
    };
    said.push(Said {
        protocol: "HTTP",
        info: line,
        sentence,
    });
    // Engine.IO packets of a long-polling body.
    for e in &h.eio {
        let data = bytes.get(e.offset..e.offset + e.len).unwrap_or(&[]);
        if let Some(s) = eio_sio(p, data, base + e.offset, e, &re, fields, (sender, m.dir)) {
            said.push(s);
        }
    }
}
