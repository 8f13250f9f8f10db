//! Live capture and the classroom demos, for real: packets captured on loopback while this test
//! sends known traffic, every demo run headless with `-w`, and a capture attempt without
//! CAP_NET_RAW. Tests that need a privilege or a tool say why they skip when it is missing;
//! `.ci/run` runs as root with tshark and setpriv installed, so CI runs them all.

#![cfg(all(feature = "demo", target_os = "linux"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use layerscope::capture::live::{LiveCapture, LiveOptions};
use layerscope::capture::sys::has_cap_net_raw;
use layerscope::engine::Capture;
use layerscope::model::Packet;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_layerscope"))
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("layerscope-live-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

fn skip(why: &str) {
    eprintln!("SKIPPED: {why}");
}

fn tool(name: &str) -> bool {
    Command::new(name).arg("--version").output().is_ok()
}

/// Decode every packet of a capture file (with its flow facts and application layers).
fn packets(path: &Path) -> Vec<Packet> {
    let cap = Capture::open(path, |_, _| {}).unwrap();
    (0..cap.len()).filter_map(|i| cap.packet(i)).collect()
}

fn values(ps: &[Packet], name: &str) -> Vec<String> {
    ps.iter()
        .flat_map(|p| {
            p.fields_named(name)
                .map(|f| f.display())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// tshark reads the file with nothing on stderr but its root warning.
fn tshark_reads_cleanly(path: &Path) -> Option<String> {
    if !tool("tshark") {
        skip("tshark not installed: the pcapng was only checked with layerscope");
        return None;
    }
    let o = Command::new("tshark").arg("-r").arg(path).output().unwrap();
    assert!(o.status.success(), "tshark failed on {}", path.display());
    let err = String::from_utf8_lossy(&o.stderr);
    let warnings: Vec<&str> = err
        .lines()
        .filter(|l| !l.contains("Running as user \"root\"") && !l.trim().is_empty())
        .collect();
    assert!(warnings.is_empty(), "tshark warned: {warnings:?}");
    Some(String::from_utf8_lossy(&o.stdout).into_owned())
}

#[test]
fn loopback_capture_sees_each_packet_once_and_whole() {
    if !has_cap_net_raw() {
        return skip(
            "no CAP_NET_RAW (run as root or setcap the test binary) for a live loopback capture",
        );
    }
    let mut cap = LiveCapture::start(&LiveOptions::new("lo"), Box::new(|| {})).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    // UDP datagrams of many sizes, up to one that needs a ~60 KiB loopback frame.
    let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = rx.local_addr().unwrap().port();
    let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let sizes: Vec<usize> = vec![1, 18, 100, 1400, 1500, 9000, 32_000, 60_000];
    for (k, &n) in sizes.iter().enumerate() {
        let mut payload = vec![b'.'; n];
        payload[0] = k as u8;
        tx.send_to(&payload, ("127.0.0.1", port)).unwrap();
    }
    // A TCP transfer of 300 KB: segments up to ~64 KiB on loopback.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let tport = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut got = Vec::new();
        std::io::Read::read_to_end(&mut s, &mut got).unwrap();
        got.len()
    });
    let total = 300_000;
    {
        let mut c = std::net::TcpStream::connect(("127.0.0.1", tport)).unwrap();
        c.write_all(&vec![b'x'; total]).unwrap();
    }
    assert_eq!(server.join().unwrap(), total);
    std::thread::sleep(Duration::from_millis(300));
    cap.stop();

    let mut udp_seen: BTreeMap<u8, usize> = BTreeMap::new();
    let mut tcp_bytes = 0u64;
    let mut syns = 0;
    let mut frame_no = 0;
    while let Ok(p) = cap.rx.try_recv() {
        frame_no += 1;
        assert_eq!(p.data.len() as u32, p.wirelen, "a frame was cut");
        let meta = layerscope::model::FrameMeta {
            number: frame_no,
            timestamp: layerscope::model::Timestamp {
                ns: p.ts_ns,
                digits: 9,
            },
            caplen: p.data.len() as u32,
            wirelen: p.wirelen,
            link_type: 1,
            interface: 0,
        };
        let d = layerscope::decode::decode(&meta, &p.data);
        let num = |n: &str| d.field(n).and_then(|f| f.value.as_u64());
        if num("udp.dstport") == Some(u64::from(port)) {
            let len = num("udp.length").unwrap() as usize - 8;
            let k = p.data[14 + 20 + 8];
            assert_eq!(
                len, sizes[k as usize],
                "datagram {k} decoded with the wrong length"
            );
            *udp_seen.entry(k).or_default() += 1;
        }
        if num("tcp.dstport") == Some(u64::from(tport)) {
            tcp_bytes += num("tcp.len").unwrap_or(0);
            if d.field("tcp.flags.syn").and_then(|f| f.value.as_u64()) == Some(1) {
                syns += 1;
            }
        }
    }
    assert_eq!(
        udp_seen.len(),
        sizes.len(),
        "every datagram captured: {udp_seen:?}"
    );
    assert!(
        udp_seen.values().all(|&c| c == 1),
        "each datagram once (loopback dedupe): {udp_seen:?}"
    );
    assert_eq!(syns, 1, "the SYN once");
    assert_eq!(tcp_bytes, total as u64, "every TCP payload byte once");
    let c = &cap.counters;
    assert_eq!(c.get(&c.channel_dropped), 0);
}

#[test]
fn cli_capture_writes_a_pcapng_that_tshark_and_layerscope_open() {
    if !has_cap_net_raw() {
        return skip("no CAP_NET_RAW for `layerscope capture`");
    }
    let out = tmp("cli-capture.pcapng");
    let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = rx.local_addr().unwrap().port();
    let mut child = bin()
        .args(["capture", "-i", "lo", "--duration", "1.5", "-w"])
        .arg(&out)
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    for i in 0..5u8 {
        tx.send_to(&[i; 64], ("127.0.0.1", port)).unwrap();
    }
    assert!(child.wait().unwrap().success());
    let ps = packets(&out);
    let ours = ps
        .iter()
        .filter(|p| p.field("udp.dstport").and_then(|f| f.value.as_u64()) == Some(u64::from(port)))
        .count();
    assert_eq!(ours, 5);
    if let Some(text) = tshark_reads_cleanly(&out) {
        assert!(
            text.lines()
                .filter(|l| l.contains(&format!("→ {port}")))
                .count()
                >= 5
        );
    }
}

#[test]
fn capture_without_cap_net_raw_says_what_to_do() {
    if !tool("setpriv") {
        return skip("setpriv (util-linux) not installed: cannot drop the capability in a child");
    }
    // Drop CAP_NET_RAW from the bounding set: even root then lacks it after exec.
    let o = Command::new("setpriv")
        .args(["--bounding-set=-net_raw", "--inh-caps=-net_raw"])
        .arg(env!("CARGO_BIN_EXE_layerscope"))
        .args(["capture", "-i", "lo", "-c", "1"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    if err.contains("setpriv:") {
        return skip(&format!(
            "setpriv could not drop the capability here: {err}"
        ));
    }
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    assert!(err.contains("CAP_NET_RAW"), "{err}");
    assert!(
        err.contains("setcap cap_net_raw,cap_net_admin=eip"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// Run one demo headless; `None` (skipped) when this machine can neither make a user
/// namespace nor capture on its own loopback.
fn run_demo(name: &str) -> Option<Vec<Packet>> {
    let out = tmp(&format!("{name}.pcapng"));
    let start = Instant::now();
    let o = bin()
        .args(["demo", name, "--pace", "10", "-w"])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    if !o.status.success() && err.contains("isolation: none") && !has_cap_net_raw() {
        skip(&format!(
            "demo {name}: no user namespaces and no CAP_NET_RAW here: {err}"
        ));
        return None;
    }
    assert!(o.status.success(), "demo {name} failed: {err}");
    assert!(
        err.contains("# isolation") || err.contains(">>"),
        "narration shown: {err}"
    );
    eprintln!("demo {name}: {:?}", start.elapsed());
    tshark_reads_cleanly(&out);
    Some(packets(&out))
}

#[test]
fn websocket_demo_shows_the_whole_conversation() {
    let Some(ps) = run_demo("websocket") else {
        return;
    };
    let flags: Vec<String> = values(&ps, "tcp.flags.str");
    assert!(!ps.is_empty());
    let syn = ps
        .iter()
        .filter(|p| p.field("tcp.flags.syn").and_then(|f| f.value.as_u64()) == Some(1))
        .count();
    assert_eq!(syn, 2, "SYN and SYN-ACK ({flags:?})");
    assert!(values(&ps, "http.response.code").contains(&"101".to_string()));
    let valid: Vec<bool> = ps
        .iter()
        .filter_map(|p| p.field("http.sec_websocket_accept.valid"))
        .map(|f| matches!(f.value, layerscope::model::Value::Bool(true)))
        .collect();
    assert_eq!(valid, vec![true], "the Sec-WebSocket-Accept checks out");
    let ops: Vec<u64> = ps
        .iter()
        .flat_map(|p| {
            p.fields_named("websocket.opcode")
                .filter_map(|f| f.value.as_u64())
                .collect::<Vec<_>>()
        })
        .collect();
    for op in [1, 2, 0, 9, 10, 8] {
        assert!(ops.contains(&op), "opcode {op} in {ops:?}");
    }
    assert!(values(&ps, "websocket.payload.close.status_code")
        .iter()
        .any(|c| c.contains("1000")));
    assert!(values(&ps, "websocket.payload.close.reason")
        .iter()
        .any(|r| r.contains("lesson over")));
    // Each side sends a FIN (a real network may retransmit one: count senders, not packets).
    let fin_senders: std::collections::BTreeSet<u64> = ps
        .iter()
        .filter(|p| p.field("tcp.flags.fin").and_then(|f| f.value.as_u64()) == Some(1))
        .filter_map(|p| p.field("tcp.srcport").and_then(|f| f.value.as_u64()))
        .collect();
    assert_eq!(fin_senders.len(), 2, "both sides close");
}

#[test]
fn socketio_demo_shows_events_acks_rooms_and_binary() {
    let Some(ps) = run_demo("socketio") else {
        return;
    };
    let events = values(&ps, "socketio.event");
    for e in [
        "welcome",
        "chat message",
        "join",
        "room news",
        "ping me",
        "upload",
        "unhandled message",
        "stats",
    ] {
        assert!(
            events.iter().any(|v| v.contains(e)),
            "event {e} in {events:?}"
        );
    }
    let chat = events.iter().filter(|v| v.contains("chat message")).count();
    assert_eq!(chat, 4, "one emit, three broadcast copies");
    let news = events.iter().filter(|v| v.contains("room news")).count();
    assert_eq!(news, 2, "only the two room members");
    let ns = values(&ps, "socketio.namespace");
    assert!(ns.iter().any(|n| n.contains("/admin")));
    let types: Vec<u64> = ps
        .iter()
        .flat_map(|p| {
            p.fields_named("socketio.type")
                .filter_map(|f| f.value.as_u64())
                .collect::<Vec<_>>()
        })
        .collect();
    for t in [0, 1, 2, 3, 5] {
        assert!(types.contains(&t), "socketio.type {t} in {types:?}");
    }
    assert!(
        !values(&ps, "socketio.ack_in").is_empty(),
        "the ack is paired with its event"
    );
    let unhandled = events
        .iter()
        .filter(|v| v.contains("unhandled message"))
        .count();
    assert_eq!(unhandled, 1, "sent once, nothing comes back");
}

#[test]
fn tcp_vs_udp_demo_shows_handshake_and_single_datagram() {
    let Some(ps) = run_demo("tcp-vs-udp") else {
        return;
    };
    let tcp = ps
        .iter()
        .filter(|p| p.field("tcp.srcport").is_some())
        .count();
    let udp = ps
        .iter()
        .filter(|p| p.field("udp.srcport").is_some())
        .count();
    assert!(tcp >= 8, "handshake + data + ACKs + teardown: {tcp}");
    assert_eq!(udp, 2, "one datagram each way");
    assert_eq!(
        values(&ps, "udp.length"),
        vec!["22".to_string(), "14".to_string()],
        "14-byte message, 6-byte answer"
    );
    assert_eq!(
        values(&ps, "tcp.len")
            .iter()
            .filter(|l| l.as_str() == "14")
            .count(),
        1,
        "the same message once over TCP"
    );
    // The narration says the teardown is the client's FIN, the server's FIN (which also
    // acknowledges it) and the client's last ACK: check the wire agrees.
    let fins: Vec<&Packet> = ps
        .iter()
        .filter(|p| {
            p.layers
                .iter()
                .filter_map(|l| l.field("tcp.flags.fin"))
                .any(|f| f.value.as_bool() == Some(true))
        })
        .collect();
    assert_eq!(fins.len(), 2, "one FIN each way");
    let acks_fin = fins[1]
        .layers
        .iter()
        .filter_map(|l| l.field("tcp.flags.ack"))
        .any(|f| f.value.as_bool() == Some(true));
    assert!(acks_fin, "the server's FIN acknowledges the client's");
}

#[test]
fn dns_demo_answers_a_aaaa_txt_and_nxdomain() {
    let Some(ps) = run_demo("dns") else { return };
    assert_eq!(ps.len(), 8);
    assert_eq!(values(&ps, "dns.a"), vec!["10.0.0.7".to_string()]);
    assert_eq!(values(&ps, "dns.aaaa"), vec!["fd00::7".to_string()]);
    assert!(values(&ps, "dns.txt")
        .iter()
        .any(|t| t.contains("layerscope DNS demo")));
    let rcodes = values(&ps, "dns.flags.rcode");
    assert!(
        rcodes
            .iter()
            .any(|r| r.contains('3') || r.contains("No such name")),
        "{rcodes:?}"
    );
    assert_eq!(
        values(&ps, "dns.response_to").len(),
        4,
        "each answer paired with its query"
    );
    // RFC 1035 4.1.1: RD is copied from the query into the response.
    let rd = values(&ps, "dns.flags.recdesired");
    assert_eq!(rd.len(), 8, "{rd:?}");
    assert!(
        rd.iter().all(|v| v == &rd[0]),
        "queries and responses agree: {rd:?}"
    );
}

#[test]
fn demo_child_runs_without_root_in_a_user_namespace() {
    if !tool("setpriv") {
        return skip("setpriv not installed: cannot run the demo as an unprivileged user");
    }
    let out = std::env::temp_dir().join(format!("layerscope-nobody-{}.pcapng", std::process::id()));
    let o = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_layerscope"))
        .args(["demo", "tcp-vs-udp", "--pace", "0", "-w"])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    if err.contains("setpriv:")
        || err.contains("Permission denied")
            && err.contains("os error 13")
            && !err.contains("isolation")
    {
        return skip(&format!("cannot run the binary as nobody here: {err}"));
    }
    if err.contains("isolation: none") {
        return skip(&format!(
            "user namespaces are disabled on this machine: {err}"
        ));
    }
    assert!(o.status.success(), "{err}");
    assert!(err.contains("UserAndNetNamespace"), "{err}");
    assert!(packets(&out).len() >= 10);
    let _ = std::fs::remove_file(out);
}

#[test]
fn listen_lan_serves_a_page_and_browsers_join_the_chat() {
    use std::io::{BufRead, Read};
    if !has_cap_net_raw() {
        return skip("no CAP_NET_RAW: --listen-lan captures on the host's interfaces");
    }
    let out = tmp("lan.pcapng");
    let mut child = bin()
        .args(["demo", "websocket", "--listen-lan", "--pace", "0", "-w"])
        .arg(&out)
        // Not the test's own stdout: a demo left behind by a failed assertion must not keep
        // the test harness's output open.
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    // Once the scripted part is over, the narration names the URL students open.
    let deadline = Instant::now() + Duration::from_secs(20);
    let url = loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                panic!("the demo announces its page")
            });
        if let Some(at) = line
            .find("students can join")
            .and_then(|_| line.find("http://"))
        {
            break line[at..].split_whitespace().next().unwrap().to_string();
        }
    };
    let port: u16 = url
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .parse()
        .unwrap();
    // A browser fetches the page...
    let mut page = String::new();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: classroom\r\n\r\n")
        .unwrap();
    s.read_to_string(&mut page).unwrap();
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(
        page.contains("new WebSocket("),
        "the page opens a WebSocket"
    );
    // ...and its script joins the chat.
    let (mut ws, _) = tungstenite::connect(format!("ws://127.0.0.1:{port}/chat")).unwrap();
    ws.send(tungstenite::Message::Text("hello from a student".into()))
        .unwrap();
    let reply = ws.read().unwrap();
    assert_eq!(reply.to_text().unwrap(), "echo: hello from a student");
    drop(ws);
    std::thread::sleep(Duration::from_millis(300));
    // The teacher presses Ctrl-C: the capture is saved.
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    assert!(child.wait().unwrap().success());
    let ps = packets(&out);
    let uris = values(&ps, "http.request.uri");
    assert!(
        uris.iter().any(|u| u == "/"),
        "the page request was captured: {uris:?}"
    );
    let texts = values(&ps, "websocket.payload.text");
    assert!(
        texts.iter().any(|t| t.contains("hello from a student")),
        "{texts:?}"
    );
}

#[test]
fn demo_on_the_host_loopback_works_with_privilege() {
    // The fallback when user namespaces are disabled: the same demo on the host's loopback.
    if !has_cap_net_raw() {
        return skip("no CAP_NET_RAW: the host-loopback fallback needs it");
    }
    let out = tmp("host-lo.pcapng");
    let o = bin()
        .args(["demo", "tcp-vs-udp", "--host-loopback", "--pace", "0", "-w"])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        !err.contains("isolation: UserAndNet"),
        "no namespace was made: {err}"
    );
    // Other traffic may share the host loopback: look for the demo's own datagram.
    let ps = packets(&out);
    let hello = ps
        .iter()
        .filter(|p| p.field("udp.length").and_then(|f| f.value.as_u64()) == Some(22))
        .count();
    assert!(hello >= 1, "the UDP message was captured");
}

#[test]
fn demo_loop_repeats_until_interrupted() {
    let out = tmp("loop.pcapng");
    let child = bin()
        .args(["demo", "dns", "--loop", "--pace", "0", "-w"])
        .arg(&out)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    if err.contains("isolation: none") && !has_cap_net_raw() {
        return skip("no user namespaces and no CAP_NET_RAW here");
    }
    assert!(o.status.success(), "{err}");
    let n = packets(&out).len();
    assert!(n >= 16, "at least two rounds of 8 DNS packets: {n}");
}

#[test]
fn teacher_steps_wait_for_the_teachers_key() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let out = tmp("teacher.pcapng");
    let mut child = bin()
        .args(["demo", "tcp-vs-udp", "--teacher-steps", "--pace", "0", "-w"])
        .arg(&out)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    let steps_within = |d: Duration| -> Vec<String> {
        let until = Instant::now() + d;
        let mut v = Vec::new();
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            match rx.recv_timeout(left) {
                Ok(l) if l.contains(">> TCP") || l.contains(">> UDP") => v.push(l),
                Ok(l) if l.contains("isolation: none") && !has_cap_net_raw() => {
                    return vec!["skip".into()]
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        v
    };
    let first = steps_within(Duration::from_secs(3));
    if first == ["skip"] {
        let _ = child.kill();
        let _ = child.wait();
        return skip("no user namespaces and no CAP_NET_RAW here");
    }
    assert_eq!(
        first.len(),
        1,
        "only the first step runs until a key: {first:?}"
    );
    assert!(child.try_wait().unwrap().is_none(), "the demo waits");
    // One key: exactly one more step.
    writeln!(stdin).unwrap();
    let second = steps_within(Duration::from_secs(2));
    assert_eq!(second.len(), 1, "one key, one step: {second:?}");
    // The rest.
    for _ in 0..6 {
        writeln!(stdin).unwrap();
    }
    drop(stdin);
    let rest = steps_within(Duration::from_secs(10));
    assert_eq!(rest.len(), 3, "{rest:?}");
    assert!(child.wait().unwrap().success());
}

#[test]
fn capture_count_reports_what_it_kept() {
    if !has_cap_net_raw() {
        return skip("capturing on lo needs CAP_NET_RAW (CI runs as root)");
    }
    // Traffic on loopback until the capture ends: more than the 5 asked for arrive.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sender = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let _ = s.send_to(b"count me", "127.0.0.1:9");
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let o = bin()
        .args(["capture", "-i", "lo", "-c", "5", "--duration", "20"])
        .output()
        .unwrap();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    sender.join().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 5);
    // "5 packets kept · 6 received · ..." (and, when more arrived, that they were not kept).
    assert!(err.contains("layerscope: 5 packets kept · "), "{err}");
}

/// `demo --listen-lan` on a terminal: the students' address as a QR code a phone can scan,
/// as the demo starts. Read back here with a QR reader, from what the terminal received.
#[test]
fn listen_lan_shows_the_address_as_a_qr_code_on_a_terminal() {
    if !has_cap_net_raw() {
        return skip("no CAP_NET_RAW: --listen-lan captures on the host's interfaces");
    }
    if !tool("script") {
        return skip("script (util-linux) not installed: no terminal to run the demo on");
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cmd = format!(
        "{} demo websocket --listen-lan --pace 0 --port {port} -w {}",
        env!("CARGO_BIN_EXE_layerscope"),
        tmp("qr.pcapng").display()
    );
    // `script` gives the demo a terminal; `timeout` stops it once it serves.
    let out = Command::new("timeout")
        .args(["-s", "INT", "8", "script", "-qfec", &cmd, "/dev/null"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    let Some(url) = text
        .lines()
        .find_map(|l| l.strip_prefix("layerscope: or scan this with a phone ("))
        .map(|u| u.trim_end_matches("):").to_string())
    else {
        return skip(&format!(
            "no network address here, so no address to show: {text}"
        ));
    };
    assert!(url.contains(&format!(":{port}/")), "{url}");
    let rows: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("layerscope: or scan this"))
        .skip(1)
        .take_while(|l| l.starts_with("\x1b[30;47m"))
        .collect();
    assert!(rows.len() > 10, "the QR code follows: {text}");
    let mut modules: Vec<Vec<bool>> = Vec::new();
    for r in rows {
        let r = r.replace("\x1b[30;47m", "").replace("\x1b[0m", "");
        modules.push(r.chars().map(|c| matches!(c, '█' | '▀')).collect());
        modules.push(r.chars().map(|c| matches!(c, '█' | '▄')).collect());
    }
    let (w, h, scale) = (modules[0].len(), modules.len(), 4);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w * scale, h * scale, |x, y| {
        if modules[y / scale][x / scale] {
            0
        } else {
            255
        }
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the terminal");
    assert_eq!(
        grids[0].decode().unwrap().1,
        url,
        "the phone reads the address"
    );
}
