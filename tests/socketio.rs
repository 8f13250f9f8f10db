//! Socket.IO on the two Node.js captures (socket.io 4 server, three clients; see
//! `tests/data/SOURCES.md`): every Engine.IO and Socket.IO packet, in order, with namespace,
//! event, ack id, arguments, ACK pairing and binary attachments. The expected lists in
//! `tests/expected/` were checked by hand against the generator script's scenario
//! (`../shared/captures/generators/sio.js`): three clients connect over polling and upgrade
//! (2probe/3probe/5), a broadcast "chat message" with ack 0 answered {"ok":true}, a whisper,
//! an event nobody handles (no answer), a binary "file" with one attachment answered with its
//! size (5), a room emit to the even seats, the /quiz namespace with an ack, then disconnects.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use layerscope::engine::Capture;
use layerscope::model::Protocol;
use std::path::Path;

fn events(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    let cap = Capture::open(&p, |_, _| {}).unwrap();
    let mut out = String::new();
    for i in 0..cap.len() {
        let p = cap.packet(i).unwrap();
        for l in p
            .layers
            .iter()
            .filter(|l| matches!(l.protocol, Protocol::EngineIo | Protocol::SocketIo))
        {
            let fields: Vec<String> = l
                .fields
                .iter()
                .filter(|f| !matches!(f.def.name, "engineio.data"))
                .map(|f| format!("{}={}", f.def.name, f.display()))
                .collect();
            out.push_str(&format!("{} {}\n", p.meta.number, fields.join(" ")));
        }
    }
    out
}

fn check(capture: &str, expected: &str) {
    let got = events(capture);
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/expected")
        .join(expected);
    if std::env::var("LAYERSCOPE_BLESS").is_ok() {
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap();
    if got != want {
        for (g, w) in got.lines().zip(want.lines()) {
            if g != w {
                panic!("{capture}: first difference\n got: {g}\nwant: {w}");
            }
        }
        panic!(
            "{capture}: {} lines, expected {}",
            got.lines().count(),
            want.lines().count()
        );
    }
}

#[test]
fn socketio_over_polling_then_websocket() {
    check(
        "nodejs-socketio-chat-upgrade.pcap",
        "socketio-chat-upgrade.txt",
    );
}

#[test]
fn socketio_over_websocket_only() {
    check(
        "nodejs-socketio-chat-websocket.pcap",
        "socketio-chat-websocket.txt",
    );
}

#[test]
fn acks_pair_with_their_events_and_attachments_join() {
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/nodejs-socketio-chat-upgrade.pcap");
    let cap = Capture::open(&p, |_, _| {}).unwrap();
    // Packet 153: the server's ACK 0 answers the "chat message" emitted in packet 146.
    let ack = cap.packet(152).unwrap();
    assert_eq!(
        ack.field("socketio.ack_of").and_then(|f| f.value.as_u64()),
        Some(146)
    );
    assert!(
        ack.sentence
            .contains("acknowledges the event with ack id 0 (sent in packet 146), 1.3 ms later"),
        "{}",
        ack.sentence
    );
    let ev = cap.packet(145).unwrap();
    assert_eq!(
        ev.field("socketio.ack_in").and_then(|f| f.value.as_u64()),
        Some(153)
    );
    assert!(
        ev.sentence.contains(
            "emits Socket.IO event 'chat message' on / and asks for an acknowledgement (ack id 0)"
        ),
        "{}",
        ev.sentence
    );
    // Packet 159: BINARY_EVENT "file" with one attachment, carried by packet 161.
    let bin = cap.packet(158).unwrap();
    assert_eq!(
        bin.field("socketio.attachments")
            .and_then(|f| f.value.as_u64()),
        Some(1)
    );
    assert_eq!(
        bin.field("socketio.attachment_in")
            .and_then(|f| f.value.as_u64()),
        Some(161)
    );
    // The unhandled event: sent, nothing comes back.
    let lonely = cap.packet(156).unwrap();
    assert_eq!(
        lonely.field("socketio.event").map(|f| f.display()),
        Some("event nobody handles".into())
    );
    assert!(lonely.field("socketio.ack_in").is_none());
}
