//! Teaching content is code: every statement a teacher's review corrected, pinned on the
//! capture and packet where it was seen (docs/teaching-content.md lists the sources).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use layerscope::engine::phases::Phase;
use layerscope::engine::Capture;
use layerscope::model::{Osi, Packet, Placement, Protocol};
use layerscope::output;
use std::path::{Path, PathBuf};

fn path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn open(rel: &str) -> Capture {
    Capture::open(&path(rel), |_, _| {}).expect(rel)
}

const CHAT: &str = "assets/socketio-chat.pcap";

/// `layerscope explain FILE --packet N`, in the given placement.
fn explain_in(cap: &Capture, number: usize, placement: Placement) -> String {
    let p = cap.packet(number - 1).expect("packet");
    output::explain_in(&p, cap.store.data(number - 1).unwrap(), None, placement)
}

fn explain(cap: &Capture, number: usize) -> String {
    explain_in(cap, number, Placement::Textbook)
}

fn packet(cap: &Capture, number: usize) -> Packet {
    cap.packet(number - 1).expect("packet")
}

fn explanation(p: &Packet, name: &str) -> &'static str {
    p.layers
        .iter()
        .find_map(|l| l.field(name))
        .unwrap_or_else(|| panic!("{name} missing"))
        .def
        .explain
}

#[test]
fn a_polling_get_is_no_upgrade_in_the_ladder() {
    // Item 1: #10 GET /socket.io/?EIO=4&transport=polling was labelled "upgrade".
    let cap = open(CHAT);
    let p = cap.row(9).unwrap();
    assert_eq!(cap.phase_of(9, &p, Some(Phase::Opening)), Phase::Messages);
    let p = cap.row(36).unwrap();
    assert_eq!(
        cap.phase_of(36, &p, Some(Phase::Opening)),
        Phase::Upgrade,
        "#37 asks for Upgrade: websocket"
    );
}

#[test]
fn a_udp_conversation_is_connectionless_not_open() {
    // Item 2: a UDP ladder said "already open when the capture started".
    let cap = open("tests/data/suricata-dns-google-a-aaaa-mx.pcap");
    let c = cap.conversations().iter().find(|c| c.proto == 17).unwrap();
    assert!(c.describe_state().starts_with("connectionless"));
    assert!(!c.describe_state().contains("open"));
}

#[test]
fn the_servers_connect_accepts_the_client_and_carries_its_sid() {
    // Item 3: #84 and #170 said "The server ... connects to the Socket.IO namespace".
    let cap = open(CHAT);
    for n in [84, 170] {
        let s = packet(&cap, n).sentence;
        assert!(!s.contains("connects to"), "#{n}: {s}");
        assert!(s.contains("accepts the client"), "#{n}: {s}");
        assert!(s.contains("sid"), "#{n}: {s}");
    }
    let s = packet(&cap, 168).sentence;
    assert!(
        s.contains("asks to join the Socket.IO namespace /quiz"),
        "{s}"
    );
}

#[test]
fn upgrade_in_a_response_is_what_the_server_switches_to() {
    // Item 4: http.upgrade on the 101 (#67) spoke of what the client wants.
    let cap = open(CHAT);
    let e = explanation(&packet(&cap, 67), "http.upgrade");
    assert!(!e.contains("client wants"), "{e}");
    assert!(e.contains("server"), "{e}");
    let e = explanation(&packet(&cap, 37), "http.upgrade");
    assert!(e.contains("client"), "{e}");
}

#[test]
fn the_teardown_narration_matches_three_segments() {
    // Item 6: the narration said "FIN, ACK, FIN, ACK"; the demo's capture shows the
    // client's FIN, the server's FIN+ACK and the last ACK (tests/live.rs checks the wire).
    let src = include_str!("../src/demo/tcp_udp.rs");
    assert!(!src.contains("FIN, ACK, FIN, ACK"));
    assert!(src.contains("the server's FIN, which also acknowledges the client's FIN"));
}

#[test]
fn the_third_segment_completes_the_handshake() {
    // Item 7: #3 only said it "has received everything before byte 1".
    let cap = open(CHAT);
    let s = packet(&cap, 3).sentence;
    assert!(s.contains("completes the three-way handshake"), "{s}");
    // A later bare ACK is just an acknowledgement.
    let s = packet(&cap, 11).sentence;
    assert!(!s.contains("handshake"), "{s}");
}

#[test]
fn a_plain_tcp_packet_names_no_websocket_session() {
    // Item 8: the Session row on every plain TCP packet mentioned WebSocket and Engine.IO.
    let cap = open(CHAT);
    let text = explain(&cap, 1);
    let session = text
        .lines()
        .skip_while(|l| !l.starts_with("5 Session"))
        .nth(1)
        .unwrap();
    assert!(session.contains("TCP connection itself"), "{session}");
    assert!(
        !session.contains("WebSocket") && !session.contains("Engine.IO"),
        "{session}"
    );
}

#[test]
fn loopback_checksums_are_not_left_for_a_network_card() {
    // Item 9: every loopback packet said the checksum was "left for the network card".
    let cap = open(CHAT);
    let p = packet(&cap, 1);
    let note = p.notes.iter().find(|n| n.kind == "checksum").unwrap();
    assert!(!note.text.contains("network card"), "{}", note.text);
    assert!(note.text.contains("loopback"), "{}", note.text);
    // Off loopback the offload explanation stays.
    let cap = open("tests/data/zeek-http-get-gzip.pcap");
    for i in 0..cap.len() {
        let p = cap.packet(i).unwrap();
        for n in p.notes.iter().filter(|n| n.kind == "checksum") {
            assert!(!n.text.contains("loopback there"), "{}", n.text);
        }
    }
}

#[test]
fn a_syns_sequence_number_is_the_isn() {
    // Item 10: tcp.seq_raw on a SYN said "the first data byte in this segment".
    let cap = open(CHAT);
    let e = explanation(&packet(&cap, 1), "tcp.seq_raw");
    assert!(e.contains("SYN") && e.contains("ISN"), "{e}");
}

#[test]
fn the_final_fragment_completes_its_message() {
    // Item 12: "the next piece" on the final fragment.
    let cap = open("tests/data/suricata-websocket-control-frag.pcap");
    let mut finals = 0;
    for i in 0..cap.len() {
        let p = cap.packet(i).unwrap();
        let fin = p
            .layers
            .iter()
            .filter(|l| l.protocol == Protocol::WebSocket)
            .any(|l| {
                l.field("websocket.opcode").and_then(|f| f.value.as_u64()) == Some(0)
                    && l.field("websocket.fin").and_then(|f| f.value.as_bool()) == Some(true)
            });
        if fin {
            finals += 1;
            assert!(
                !p.sentence.contains("the next piece"),
                "#{}: {}",
                i + 1,
                p.sentence
            );
            assert!(
                p.sentence.contains("complete"),
                "#{}: {}",
                i + 1,
                p.sentence
            );
        }
    }
    assert!(finals > 0, "the capture has a final continuation frame");
}

#[test]
fn ipv4s_second_byte_is_the_differentiated_services_field() {
    // Item 12: ip.dsfield was called "Traffic class" (IPv6's term).
    let cap = open(CHAT);
    let p = packet(&cap, 1);
    let f = p.layers.iter().find_map(|l| l.field("ip.dsfield")).unwrap();
    assert!(
        f.def.label.contains("Differentiated Services"),
        "{}",
        f.def.label
    );
    assert!(
        !f.def.explain.contains("Traffic class"),
        "{}",
        f.def.explain
    );
}

#[test]
fn no_count_reads_one_bytes_anywhere() {
    // Item 12: "1 bytes". Every sentence, note and explain text of every bundled capture.
    let bad = [
        " 1 bytes",
        "(1 bytes)",
        " 1 packets",
        " 1 segments",
        " 1 conversations",
        " 1 clients",
        "copys",
        "addresss",
    ];
    let mut files: Vec<PathBuf> = std::fs::read_dir(path("tests/data"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
        .collect();
    files.push(path(CHAT));
    files.sort();
    let mut seen = 0;
    for f in files {
        let Ok(cap) = Capture::open(&f, |_, _| {}) else {
            continue;
        };
        for i in 0..cap.len().min(300) {
            let (Some(p), Some(d)) = (cap.packet(i), cap.store.data(i)) else {
                continue;
            };
            let text = output::explain(&p, d, None);
            for b in bad {
                assert!(
                    !text.contains(b),
                    "{} #{}: '{b}' in\n{text}",
                    f.display(),
                    i + 1
                );
            }
            seen += 1;
        }
    }
    assert!(seen > 1000, "{seen} packets explained");
}

#[test]
fn a_small_binary_websocket_message_is_application_data() {
    // Item 13: a 4-byte binary message said "No application data in this packet".
    let cap = open("tests/data/zeek-http-websocket-echo.pcap");
    for placement in [Placement::Textbook, Placement::Functional] {
        let text = explain_in(&cap, 9, placement);
        assert!(
            !text.contains("No application data"),
            "{placement:?}\n{text}"
        );
    }
    let text = explain_in(&cap, 9, Placement::Functional);
    assert!(text.contains("4 bytes"), "{text}");
}

#[test]
fn websocket_engineio_socketio_http_and_dns_sit_at_osi_7_by_default() {
    // Item 14 and the placement policy (docs/layers.md).
    for (p, osi) in [
        (Protocol::Http, 7),
        (Protocol::WebSocket, 7),
        (Protocol::EngineIo, 7),
        (Protocol::SocketIo, 7),
        (Protocol::Dns, 7),
        (Protocol::Tcp, 4),
    ] {
        assert_eq!(p.osi().number(), osi, "{p:?}");
    }
    assert_eq!(
        Protocol::WebSocket.osi_in(Placement::Functional),
        Osi::Session
    );
    assert_eq!(
        Protocol::EngineIo.osi_in(Placement::Functional),
        Osi::Presentation
    );
    // In the stack, Engine.IO is drawn inside the HTTP body of a polling request, and the
    // rows 5 and 6 say which function plays their role.
    let cap = open(CHAT);
    let text = explain(&cap, 35);
    let app = text
        .lines()
        .find(|l| l.starts_with("7 Application"))
        .unwrap();
    assert!(app.contains("Engine.IO [302..314) inside HTTP"), "{app}");
    let text = explain(&cap, 146);
    assert!(text.contains("Masking is not presentation"), "{text}");
    assert!(
        text.contains("Payload:  TCP payload: 42 bytes, carries WebSocket"),
        "{text}"
    );
}

#[test]
fn show_me_finds_the_upgrade_for_handshake_and_a_websocket_emit() {
    // Item 5 and "what to build" 6, through the same searches the glossary uses.
    let cap = open(CHAT);
    assert!(cap.is_upgrade(36), "#37 is the upgrade request");
    let v = cap.socketio();
    let emit = v
        .packets
        .iter()
        .find(|p| p.dir == 0 && matches!(p.typ, 2 | 5))
        .unwrap();
    assert_eq!(
        emit.packet + 1,
        146,
        "the first client event on a WebSocket"
    );
}

/// The students' pages (assets/lan/explain.js) say what docs/teaching-content.md records,
/// checked against the Engine.IO v4 / Socket.IO v5 documents and RFC 6455: the v4 heartbeat
/// (the server pings, the browser answers), the probe's expected answer, the server's CONNECT
/// carrying the socket id, masking by the browser only.
#[test]
fn students_pages_explain_as_recorded() {
    let js = include_str!("../assets/lan/explain.js");
    let doc = include_str!("../docs/teaching-content.md");
    for said in [
        "the answer must be pong \"probe\"",
        "The server checks you are still there (Engine.IO heartbeat ping, sent every pingInterval); your browser must answer with a pong within pingTimeout.",
        "its CONNECT carries your socket id (sid).",
        "The server answers the pending long-polling GET with a noop, so polling ends cleanly during the upgrade.",
        "masked, as every frame from a browser must be.",
        "unmasked, as every frame from a server must be.",
        "the server must answer with its own Close frame, then TCP closes.",
    ] {
        assert!(js.contains(said), "explain.js says: {said}");
        assert!(doc.contains(said), "docs/teaching-content.md records: {said}");
    }
}
