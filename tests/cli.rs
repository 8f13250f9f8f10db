//! The command line as a user runs it: output shapes, the jsonl contract, errors and exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_layerscope"))
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn decode_text_is_one_line_per_packet() {
    let o = run(&["decode", data("crafted-l2l4.pcap").to_str().unwrap()]);
    assert!(o.status.success());
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 16);
    assert!(
        lines[0].contains(
            "192.0.2.1 → 198.51.100.7 ICMP 65 Echo (ping) request  id=0x1c2b, seq=1/256, ttl=64"
        ),
        "{}",
        lines[0]
    );
    assert!(lines[2].contains("Who has 198.51.100.7? Tell 192.0.2.1"));
    assert!(
        lines[8].contains(
            "50001 → 80 [SYN] Seq=0 Win=64240 Len=0 MSS=1460 SACK_PERM TSval=12345 TSecr=0 WS=128"
        ),
        "{}",
        lines[8]
    );
}

#[test]
fn count_limits_output() {
    let o = run(&[
        "decode",
        "--count",
        "3",
        data("zeek-http-get-gzip.pcap").to_str().unwrap(),
    ]);
    assert!(o.status.success());
    assert_eq!(stdout(&o).lines().count(), 3);
}

#[test]
fn jsonl_follows_the_contract() {
    let o = run(&[
        "decode",
        "--format",
        "jsonl",
        data("zeek-pcapng-multi-interface.pcapng").to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let out = stdout(&o);
    let packets: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(packets.len(), 6);
    for (i, p) in packets.iter().enumerate() {
        assert_eq!(p["number"], i as u64 + 1);
        for key in [
            "timestamp",
            "caplen",
            "wirelen",
            "link_type",
            "interface",
            "summary",
            "sentence",
            "layers",
            "notes",
        ] {
            assert!(p.get(key).is_some(), "missing {key}");
        }
        for l in p["layers"].as_array().unwrap() {
            for key in ["protocol", "osi", "tcpip", "offset", "length", "fields"] {
                assert!(l.get(key).is_some(), "layer missing {key}");
            }
            let osi = l["osi"].as_u64().unwrap();
            assert!((1..=7).contains(&osi));
            assert!(["link", "internet", "transport", "application"]
                .contains(&l["tcpip"].as_str().unwrap()));
            for f in l["fields"].as_array().unwrap() {
                for key in ["name", "value", "display", "offset", "length"] {
                    assert!(f.get(key).is_some(), "field missing {key}");
                }
            }
        }
    }
    // Nanosecond interface keeps nine digits, the microsecond one six: timestamps are numbers.
    let raw_first = out.lines().next().unwrap();
    assert!(
        raw_first.contains("\"timestamp\":1767663089.500330493"),
        "{raw_first}"
    );
    assert!(out
        .lines()
        .nth(2)
        .unwrap()
        .contains("\"timestamp\":1767663437.111897,"));
    assert_eq!(packets[2]["interface"], 1);
    // Ports are numbers, addresses text, flags carry a bit mask.
    let udp = packets[0]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["protocol"] == "udp")
        .unwrap();
    let port = udp["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "udp.srcport")
        .unwrap();
    assert!(port["value"].is_u64());
    let ip = packets[0]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["protocol"] == "ip")
        .unwrap();
    let src = ip["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "ip.src")
        .unwrap();
    assert!(src["value"].is_string());
    let df = ip["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "ip.flags.df")
        .unwrap();
    assert_eq!(df["bitmask"], 0x4000);
    assert_eq!(ip["osi"], 3);
    assert_eq!(ip["tcpip"], "internet");
}

#[test]
fn explain_shows_layers_fields_and_marked_hex() {
    let o = run(&[
        "explain",
        data("zeek-http-get-gzip.pcap").to_str().unwrap(),
        "--packet",
        "1",
    ]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.contains("4 Transport"));
    assert!(out.contains("Transmission Control Protocol — OSI 4 (Transport), TCP/IP Transport"));
    assert!(out.contains("tcp.options.mss_val"));
    assert!(out.contains("Legend: A = Ethernet [0..14)"));
    assert!(out.contains("asks"));
}

#[test]
fn missing_and_bad_files_exit_1_with_a_message() {
    let o = run(&["decode", "/nonexistent/x.pcap"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/x.pcap"));

    let junk = std::env::temp_dir().join(format!("layerscope-junk-{}.pcap", std::process::id()));
    std::fs::write(&junk, b"this is not a capture file").unwrap();
    let o = run(&["decode", junk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a pcap or pcapng file"));
    let _ = std::fs::remove_file(junk);

    let o = run(&[
        "explain",
        data("crafted-l2l4.pcap").to_str().unwrap(),
        "--packet",
        "99",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("has 16 packets"));
}

#[test]
fn damaged_file_prints_what_it_can_and_exits_3() {
    let o = run(&[
        "decode",
        data("suricata-bug-6875-fuzz.pcap").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(stdout(&o).lines().count(), 1);
    assert!(String::from_utf8_lossy(&o.stderr).contains("damaged at byte 228"));
}

#[test]
fn bad_usage_exits_2() {
    assert_eq!(run(&["decode"]).status.code(), Some(2));
    assert_eq!(run(&["explain", "x.pcap"]).status.code(), Some(2));
}

#[test]
fn jsonl_is_valid_json_for_every_test_capture() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut n = 0;
    for f in std::fs::read_dir(dir).unwrap().flatten() {
        let p = f.path();
        if !p.extension().is_some_and(|e| e == "pcap" || e == "pcapng") {
            continue;
        }
        let o = run(&["decode", "--format", "jsonl", p.to_str().unwrap()]);
        assert!(
            matches!(o.status.code(), Some(0) | Some(3)),
            "{}",
            p.display()
        );
        for line in stdout(&o).lines() {
            let v: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}: invalid JSON ({e}): {line}", p.display()));
            assert!(v["layers"].as_array().is_some_and(|l| !l.is_empty()));
            assert!(!v["sentence"].as_str().unwrap_or("").is_empty());
            n += 1;
        }
    }
    assert!(n > 1000);
}

#[test]
fn index_costs_at_most_48_bytes_per_packet() {
    let s =
        layerscope::capture::PacketStore::open(&data("zeek-wstunnel-ssh.pcap"), |_, _| {}).unwrap();
    assert_eq!(s.len(), 258);
    assert!(
        s.index_heap_bytes() <= 48 * s.len(),
        "{} bytes",
        s.index_heap_bytes()
    );
}

#[test]
fn streams_lists_conversations_with_state() {
    let o = run(&["streams", data("zeek-http-get-gzip.pcap").to_str().unwrap()]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out
        .lines()
        .next()
        .unwrap()
        .starts_with("Proto Stream Client"));
    assert!(out.contains("closed (FIN both ways)"), "{out}");
    assert!(out.contains("handshake RTT"));
}

#[test]
fn follow_shows_websocket_and_socketio_messages() {
    let o = run(&[
        "follow",
        data("nodejs-socketio-chat-upgrade.pcap").to_str().unwrap(),
        "--stream",
        "4",
    ]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.contains("HTTP/1.1 101 Switching Protocols"));
    assert!(out.contains("Socket.IO EVENT \"chat message\""));
    assert!(
        out.contains("websocket.payload.text = 420[\"chat message\",\"hello everyone\"]"),
        "{out}"
    );
    let o = run(&[
        "follow",
        data("nodejs-socketio-chat-upgrade.pcap").to_str().unwrap(),
        "--stream",
        "99",
    ]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn jsonl_carries_application_layers_and_reassembly_pointers() {
    let o = run(&[
        "decode",
        "--format",
        "jsonl",
        data("nodejs-ws-deflate-large.pcap").to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let packets: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let fields = |p: &serde_json::Value, name: &str| -> Vec<serde_json::Value> {
        p["layers"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|l| l["fields"].as_array().unwrap().clone())
            .filter(|f| f["name"] == name)
            .map(|f| f["value"].clone())
            .collect()
    };
    // Every TCP packet has its stream.
    assert!(packets
        .iter()
        .filter(|p| !fields(p, "tcp.srcport").is_empty())
        .all(|p| !fields(p, "tcp.stream").is_empty()));
    // The 100 000-byte binary message spans many segments: reported once, on the last one,
    // with its bytes in a reassembled buffer; the others point to it.
    let big: Vec<&serde_json::Value> = packets
        .iter()
        .filter(|p| {
            p["layers"].as_array().unwrap().iter().any(|l| {
                l["protocol"] == "websocket"
                    && l["data_source"] == "reassembled TCP"
                    && l["data_length"].as_u64().unwrap_or(0) > 50_000
            })
        })
        .collect();
    assert!(!big.is_empty());
    let completing = big[0]["number"].as_u64().unwrap();
    let pointing: Vec<u64> = packets
        .iter()
        .flat_map(|p| fields(p, "tcp.reassembled_in"))
        .filter_map(|v| v.as_u64())
        .collect();
    assert!(pointing.contains(&completing));
    // Decompressed text is there.
    assert!(packets
        .iter()
        .any(|p| fields(p, "websocket.payload.decompressed")
            .iter()
            .any(|v| v == "hello from node")));
}

/// `args` with `-` for the file, the capture at `path` piped into standard input.
fn run_piped(args: &[&str], path: &Path) -> Output {
    bin()
        .args(args)
        .stdin(std::fs::File::open(path).unwrap())
        .output()
        .unwrap()
}

/// `cat F | layerscope decode -` prints what `layerscope decode F` prints, text and jsonl, on
/// every capture in tests/data (damaged ones included: the same warnings, naming "standard
/// input" for the file); `streams -`, `follow -` and `explain -` too.
#[test]
fn standard_input_decodes_as_the_file_does() {
    let mut files = 0;
    for e in std::fs::read_dir(data("")).unwrap() {
        let path = e.unwrap().path();
        if !matches!(
            path.extension().and_then(|x| x.to_str()),
            Some("pcap" | "pcapng")
        ) {
            continue;
        }
        let p = path.to_str().unwrap();
        for format in ["text", "jsonl"] {
            let file = run(&["decode", p, "--format", format]);
            let piped = run_piped(&["decode", "-", "--format", format], &path);
            assert_eq!(
                stdout(&piped),
                stdout(&file),
                "{p} {format}: the same packets"
            );
            assert_eq!(piped.status.code(), file.status.code(), "{p} {format}");
            let err = String::from_utf8_lossy(&file.stderr).replace(p, "standard input");
            assert_eq!(String::from_utf8_lossy(&piped.stderr), err, "{p} {format}");
        }
        files += 1;
    }
    assert!(files > 30);
    let chat = data("nodejs-socketio-chat-upgrade.pcap");
    let c: &'static str = chat.to_str().unwrap().to_string().leak();
    for args in [
        vec!["streams", "FILE"],
        vec!["follow", "FILE", "--stream", "1"],
        vec!["explain", "FILE", "--packet", "20"],
    ] {
        let with = |f: &'static str| -> Vec<&'static str> {
            args.iter()
                .map(|a| if *a == "FILE" { f } else { *a })
                .collect()
        };
        let file = run(&with(c));
        let piped = run_piped(&with("-"), &chat);
        assert!(file.status.success() && piped.status.success(), "{args:?}");
        assert_eq!(
            stdout(&piped),
            stdout(&file).replace(c, "standard input"),
            "{args:?}"
        );
    }
    // Nothing piped in: a clear message, not a wait.
    let o = bin()
        .args(["decode", "-"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("standard input"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A folder is refused with a message that says so; a pipe given by name (`/dev/stdin`) is
/// read like `-`.
#[test]
fn folders_are_refused_and_pipes_by_name_are_read() {
    let o = run(&["decode", data("").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("is a folder, not a capture file"), "{err}");
    let f = data("crafted-l2l4.pcap");
    // A real pipe: /dev/stdin is then a FIFO, with no size to map.
    let mut cat = Command::new("cat")
        .arg(&f)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let piped = bin()
        .args(["decode", "/dev/stdin"])
        .stdin(cat.stdout.take().unwrap())
        .output()
        .unwrap();
    cat.wait().unwrap();
    assert!(
        piped.status.success(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    assert_eq!(
        stdout(&piped),
        stdout(&run(&["decode", f.to_str().unwrap()]))
    );
}

/// A mistyped subcommand is named, not taken for the window's file.
#[test]
fn a_mistyped_subcommand_gets_a_suggestion() {
    let o = run(&["decod", data("crafted-l2l4.pcap").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("'decod' is neither a subcommand nor a file; did you mean 'decode'?"),
        "{err}"
    );
}
