//! The Info line and sentence of Engine.IO and Socket.IO packets (inside an HTTP polling body
//! or a WebSocket message), and their layers: built when a packet is shown, from the messages
//! the flow pass kept (`engine::app_layers::attach` calls it for each Engine.IO packet).

use crate::engine::app_layers::Said;
use crate::flow::app::EioItem;
use crate::model::{Packet, Reassembled};
use crate::protocols::socketio::{self, eio_layer, sio_layer};

/// Engine.IO (and Socket.IO inside it) for one packet of `data` at `base`.
pub(crate) fn eio_sio(
    p: &mut Packet,
    data: &[u8],
    base: usize,
    e: &EioItem,
    re: &Option<Box<Reassembled>>,
    fields: bool,
    (sender, dir): (&str, u8),
) -> Option<Said> {
    // The sender is left empty when no sentence is wanted.
    let wants_sentence = !sender.is_empty();
    if e.binary {
        let mut l = socketio::binary_layer(data.len(), base);
        l.reassembled = re.clone();
        p.layers.push(l);
        return Some(Said {
            protocol: "Socket.IO",
            info: format!(
                "Socket.IO binary attachment ({})",
                crate::model::count(data.len(), "byte")
            ),
            sentence: say!(wants_sentence, "{sender} sends the binary attachment of a Socket.IO packet ({}) as its own WebSocket message.", crate::model::count(data.len(), "byte")),
        });
    }
    let (mut el, t) = eio_layer(data, base, fields)?;
    el.reassembled = re.clone();
    if !fields {
        el.fields.clear();
    }
    p.layers.push(el);
    if t != 4 {
        let (info, sentence) = match t {
            0 => ("Engine.IO open".to_string(), say!(wants_sentence, "{sender} accepts the connection and opens the Engine.IO session: the open packet's JSON gives the session id (sid), the possible upgrades, pingInterval and pingTimeout.")),
            1 => ("Engine.IO close".into(), say!(wants_sentence, "{sender} closes the Engine.IO session.")),
            2 => (
                format!("Engine.IO ping{}", if data.get(1..) == Some(&b"probe"[..]) { " probe" } else { "" }),
                if data.get(1..) == Some(&b"probe"[..]) { say!(wants_sentence, "{sender} tests the new WebSocket transport before switching to it (Engine.IO ping \"probe\"); the server must answer with pong \"probe\".") } else { say!(wants_sentence, "{sender} checks the session is alive (Engine.IO heartbeat ping, sent every pingInterval); a pong must come back within pingTimeout.") },
            ),
            3 => (
                format!("Engine.IO pong{}", if data.get(1..) == Some(&b"probe"[..]) { " probe" } else { "" }),
                if data.get(1..) == Some(&b"probe"[..]) { say!(wants_sentence, "{sender} answers the probe (Engine.IO pong \"probe\"): the WebSocket works, so the client can now send upgrade (5).") } else { say!(wants_sentence, "{sender} answers the Engine.IO ping (heartbeat pong).") },
            ),
            5 => ("Engine.IO upgrade".into(), say!(wants_sentence, "{sender} switches the session from HTTP long-polling to this WebSocket (Engine.IO upgrade).")),
            _ => ("Engine.IO noop".into(), say!(wants_sentence, "{sender} sends an Engine.IO noop to answer the pending polling GET, so long-polling ends cleanly during the upgrade.")),
        };
        return Some(Said {
            protocol: "Engine.IO",
            info,
            sentence,
        });
    }
    let (mut sl, s) = sio_layer(&data[1..], base + 1, e.sio(), fields)?;
    sl.reassembled = re.clone();
    if !fields {
        sl.fields.clear();
    }
    p.layers.push(sl);
    let ns = &s.namespace;
    let ack = s.ack_id.as_ref().map(|a| a.0);
    let args = s.args_text().unwrap_or_default();
    // The first 80 characters.
    let short_args = args
        .char_indices()
        .nth(80)
        .map_or(&args[..], |(i, _)| &args[..i]);
    let (info, sentence) = match s.typ {
        // Socket.IO v5 "Connection to a namespace": the client's CONNECT asks to join, the
        // server's CONNECT accepts and carries the client's Socket.IO session id.
        0 => (
            format!("Socket.IO CONNECT {ns}"),
            if dir == 1 {
                say!(
                    wants_sentence,
                    "{sender} accepts the client into the Socket.IO namespace {ns}; its CONNECT carries the client's Socket.IO session id (sid)."
                )
            } else {
                say!(
                    wants_sentence,
                    "{sender} asks to join the Socket.IO namespace {ns} (the server answers with CONNECT and a sid, or CONNECT_ERROR)."
                )
            },
        ),
        1 => (
            format!("Socket.IO DISCONNECT {ns}"),
            say!(
                wants_sentence,
                "{sender} ends the connection to the Socket.IO namespace {ns} (no answer is expected)."
            ),
        ),
        2 | 5 => {
            let ev = s.event().unwrap_or("?");
            let bin = if s.typ == 5 {
                format!(
                    " with {}",
                    crate::model::count(
                        s.attachments.as_ref().map_or(0, |a| a.0),
                        "binary attachment"
                    )
                )
            } else {
                String::new()
            };
            let ack_txt = ack.map_or(String::new(), |a| {
                format!(" and asks for an acknowledgement (ack id {a})")
            });
            let unanswered = if ack.is_some() && e.sio().ack_in.is_none() {
                " (no answer captured)"
            } else {
                ""
            };
            let mut info = String::with_capacity(32 + ev.len() + short_args.len());
            info.push_str("Socket.IO ");
            info.push_str(crate::protocols::socketio::sio_type_name(s.typ));
            info.push_str(" \"");
            info.push_str(ev);
            info.push_str("\" ");
            info.push_str(short_args);
            if let Some(a) = ack {
                info.push_str(" ack=");
                info.push_str(itoa::Buffer::new().format(a));
            }
            (
                info,
                say!(
                    wants_sentence,
                    "{sender} emits Socket.IO event '{ev}' on {ns}{ack_txt}{bin}{unanswered}."
                ),
            )
        }
        3 | 6 => {
            // An ACK without an id is malformed: say so instead of showing "ack 0".
            let a = ack.map_or("(no id)".to_string(), |a| a.to_string());
            let of = e.sio().ack_of.map_or(String::new(), |(n, ns)| {
                format!(" (sent in packet {n}), {:.1} ms later", ns as f64 / 1e6)
            });
            (
                format!(
                    "Socket.IO {} {a} {short_args}",
                    crate::protocols::socketio::sio_type_name(s.typ)
                ),
                say!(
                    wants_sentence,
                    "{sender} acknowledges the event with ack id {a}{of}: the callback its sender passed to emit runs with these arguments."
                ),
            )
        }
        4 => (
            format!("Socket.IO CONNECT_ERROR {ns}"),
            say!(
                wants_sentence,
                "{sender} refuses the connection to namespace {ns}: {short_args}."
            ),
        ),
        _ => (
            "Socket.IO".into(),
            say!(wants_sentence, "{sender} sends a Socket.IO packet."),
        ),
    };
    Some(Said {
        protocol: "Socket.IO",
        info,
        sentence,
    })
}
