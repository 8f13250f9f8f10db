//! Hostile captures against every command, each run in a child under a 4 GiB address-space
//! limit (a runaway aborts instead of taking the machine) with its peak resident memory
//! measured: every command must finish, exit cleanly, stay under 1 GiB resident, print a
//! bounded amount, and say what its limits cut. The captures are generated
//! (`tests/common/hostile.rs`), nothing big is committed. Full-size timings with the release
//! binary are in docs/robustness.md (`examples/hostile.rs` writes the files).

#![cfg(all(target_os = "linux", feature = "live"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]
// wait4 is the one way to read a child's own peak memory; see `run`.
#![allow(unsafe_code)]

#[path = "common/hostile.rs"]
mod hostile;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Resident memory no command may pass on any capture.
const MAX_RSS_KIB: u64 = 1 << 20;
/// Output no command may pass on these captures.
const MAX_OUTPUT: u64 = 256 << 20;

fn tmp(name: &str, bytes: &[u8]) -> PathBuf {
    let d = std::env::temp_dir().join(format!("layerscope-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let p = d.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// What a command did.
struct Run {
    status: i32,
    peak_kib: u64,
    out_len: u64,
    /// The first 4 MiB of its output.
    out: String,
    err: String,
    took: Duration,
}

/// Run `layerscope args...` under `ulimit -v 4 GiB`; its peak resident memory from wait4.
fn run(args: &[&str]) -> Run {
    let started = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 4194304 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_layerscope"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut total = 0u64;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match stdout.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    total += n as u64;
                    if kept.len() < (4 << 20) {
                        kept.extend_from_slice(&buf[..n]);
                    }
                }
            }
        }
        (kept, total)
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let pid = child.id() as libc::pid_t;
    // A watchdog: no case may take more than 5 minutes, even in a debug build.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    {
        let done = done.clone();
        std::thread::spawn(move || {
            let end = Instant::now() + Duration::from_secs(300);
            while Instant::now() < end {
                if done.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            // SAFETY: `pid` is our child, not yet reaped (the main thread is in wait4), so
            // the number cannot name another process.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        });
    }
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet waited for (std's `Child` is dropped without
    // waiting); `status` and `usage` are valid, writable locals.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(r, pid, "wait4 failed");
    std::mem::forget(child);
    let (kept, out_len) = reader.join().unwrap();
    let err = err_reader.join().unwrap();
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    Run {
        status: code,
        peak_kib: usage.ru_maxrss as u64,
        out_len,
        out: String::from_utf8_lossy(&kept).into_owned(),
        err,
        took: started.elapsed(),
    }
}

/// Run every command on `file`: it must succeed within the bounds. Returns the runs by name.
/// `explain` names packets to explain, counting from 1, or from the end when negative.
fn every_command(file: &Path, explain: &[i64]) -> Vec<(String, Run)> {
    let f = file.to_str().unwrap();
    let cmds: Vec<Vec<String>> = vec![
        vec!["decode".into(), f.into()],
        vec!["decode".into(), f.into(), "--format".into(), "jsonl".into()],
        vec!["streams".into(), f.into()],
        vec!["follow".into(), f.into(), "-s".into(), "0".into()],
    ];
    // `follow` needs a TCP stream 0.
    let tcp = run(&["streams", f])
        .out
        .lines()
        .any(|l| l.starts_with("TCP"));
    let mut runs: Vec<(String, Run)> = Vec::new();
    for k in 0..cmds.len() + explain.len() {
        let c = match cmds.get(k) {
            Some(c) if c[0] == "follow" && !tcp => continue,
            Some(c) => c.clone(),
            None => {
                let p = explain[k - cmds.len()];
                let packets = runs[0].1.out.lines().count() as i64;
                let n = if p < 0 { packets + 1 + p } else { p };
                vec!["explain".into(), f.into(), "-p".into(), n.to_string()]
            }
        };
        let args: Vec<&str> = c.iter().map(String::as_str).collect();
        let r = run(&args);
        let name = c.join(" ");
        assert_eq!(
            r.status,
            0,
            "`layerscope {name}` failed ({}): {}",
            r.status,
            r.err.lines().last().unwrap_or("")
        );
        assert!(
            r.peak_kib < MAX_RSS_KIB,
            "`layerscope {name}` peaked at {} MiB resident",
            r.peak_kib >> 10
        );
        assert!(
            r.out_len < MAX_OUTPUT,
            "`layerscope {name}` printed {} MiB",
            r.out_len >> 20
        );
        eprintln!(
            "{name}: {:.1} s, {} MiB peak, {} KiB out",
            r.took.as_secs_f64(),
            r.peak_kib >> 10,
            r.out_len >> 10
        );
        runs.push((name, r));
    }
    runs
}

fn find<'a>(runs: &'a [(String, Run)], prefix: &str) -> &'a Run {
    &runs
        .iter()
        .find(|(n, _)| n.starts_with(prefix))
        .unwrap_or_else(|| panic!("no run {prefix}"))
        .1
}

#[test]
fn a_deflate_bomb_is_bounded() {
    // 40 messages of 15 MiB each (~650 KB compressed): 600 MiB inflated if nothing stopped it.
    let f = tmp("bomb.pcap", &hostile::deflate_bomb(1, 40, 15 << 20));
    let runs = every_command(&f, &[-1]);
    let streams = find(&runs, "streams");
    assert!(
        streams
            .out
            .contains("left compressed: the decompression budget was spent"),
        "{}",
        streams.out
    );
    assert!(
        find(&runs, "decode").out.len() < 1 << 20,
        "text lines stay short"
    );
    let jsonl = find(&runs, &format!("decode {} --format", f.display()));
    assert!(
        jsonl.out.contains("decompression budget"),
        "the packets say it too"
    );
    // The budget is the user's to set.
    let small = run(&[
        "decode",
        f.to_str().unwrap(),
        "--format",
        "jsonl",
        "--memory-budget",
        "16",
    ]);
    assert_eq!(small.status, 0, "{}", small.err);
    assert!(
        small
            .out
            .contains("(16 MiB in all, 4 MiB per conversation)")
            && small.out.contains("(8 MiB a connection, 32 MiB in all)"),
        "{}",
        &small.out[..small.out.len().min(3000)]
    );
}

#[test]
fn tiny_frames_and_a_million_continuations_are_bounded() {
    let f = tmp("tiny.pcap", &hostile::tiny_frames(2 << 20));
    let runs = every_command(&f, &[-1]);
    assert!(find(&runs, "explain").out.contains("counted but not shown"));
    let f = tmp("cont.pcap", &hostile::continuation_flood(200_000));
    every_command(&f, &[-1]);
}

#[test]
fn big_frames_are_bounded() {
    let f = tmp("big.pcap", &hostile::big_frame(16 << 20));
    let runs = every_command(&f, &[1]);
    let explain = find(&runs, "explain");
    assert!(
        explain.out.contains("left out") && explain.out_len < 2 << 20,
        "the hex dump stops at 64 KiB"
    );
    let f = tmp("pad1.pcap", &hostile::ipv6_pad1(4 << 20));
    let runs = every_command(&f, &[1]);
    assert!(
        find(&runs, "explain")
            .out
            .contains("more are counted and not listed"),
        "{}",
        &find(&runs, "explain").out[..2000]
    );
}

#[test]
fn a_socketio_argument_of_15_mb_is_bounded() {
    let f = tmp("sio.pcap", &hostile::socketio_big_arg(15_000_000));
    let runs = every_command(&f, &[-1]);
    let explain = find(&runs, "explain");
    assert!(
        explain.out.contains("Socket.IO"),
        "{}",
        &explain.out[..2000]
    );
}

#[test]
fn packet_text_cannot_drive_a_terminal() {
    let f = tmp("evil.pcap", &hostile::evil_event_name());
    let runs = every_command(&f, &[9, 10]);
    for (name, r) in &runs {
        if name.contains("jsonl") {
            // JSON escapes control characters itself (\u001b).
            assert!(!r.out.contains('\u{1b}'), "{name}");
            continue;
        }
        for bad in ['\u{1b}', '\u{7}', '\u{202e}'] {
            assert!(
                !r.out.contains(bad),
                "`layerscope {name}` printed {bad:?}:\n{}",
                r.out
            );
        }
    }
    let text = find(&runs, "decode");
    assert!(text.out.contains("\\x1b]0;PWNED\\x07"), "{}", text.out);
    assert!(text.out.contains("\\u{202e}"), "{}", text.out);
}

#[test]
fn correctness_found_on_the_way() {
    // 65 headers: still HTTP (tshark decodes it).
    let f = tmp("headers.pcap", &hostile::http_many_headers(65));
    let r = run(&["decode", f.to_str().unwrap()]);
    let http = r.out.lines().filter(|l| l.contains("HTTP")).count();
    assert!(http >= 2, "{}", r.out);
    assert!(r.out.contains("GET /many"), "{}", r.out);

    // A frame that claims 2^63-1 bytes, a body that never completes: said on their packets.
    let f = tmp("unfinished.pcap", &hostile::unfinished_messages());
    let runs = every_command(&f, &[6, 13]);
    let ws = &runs.iter().find(|(n, _)| n.ends_with("-p 6")).unwrap().1;
    assert!(
        ws.out.contains("claims 9223372036854775807 bytes"),
        "{}",
        ws.out
    );
    let body = &runs.iter().find(|(n, _)| n.ends_with("-p 13")).unwrap().1;
    assert!(
        body.out
            .contains("its body is 100000 bytes long (Content-Length)"),
        "{}",
        body.out
    );

    // An HTTP head that never ends: said on the packet where it starts (packet 4).
    let f = tmp("endless.pcap", &hostile::endless_head());
    let r = run(&["explain", f.to_str().unwrap(), "-p", "4"]);
    assert!(
        r.out
            .contains("An HTTP head longer than 65536 bytes starts here"),
        "{}",
        r.out
    );

    // incl_len > orig_len: kept, with a note.
    let f = tmp("caplen.pcap", &hostile::caplen_over_origlen());
    let r = run(&["explain", f.to_str().unwrap(), "-p", "1"]);
    assert!(r.out.contains("more than the packet's length"), "{}", r.out);

    // pcapng if_tsresol with the high bit: 2^-20 s units.
    let f = tmp("tsresol.pcapng", &hostile::pcapng_binary_tsresol());
    let r = run(&["decode", f.to_str().unwrap(), "--format", "jsonl"]);
    assert!(r.out.contains("1700000000.5"), "{}", r.out);

    // A name resolution block without its end record: skipped, the packets after it read.
    let f = tmp("nrb.pcapng", &hostile::pcapng_nrb_without_end());
    let r = run(&["decode", f.to_str().unwrap()]);
    assert_eq!(r.status, 0, "{}", r.err);
    assert_eq!(r.out.lines().count(), 3, "{}", r.out);
    let r = run(&["explain", f.to_str().unwrap(), "-p", "2"]);
    assert!(r.out.contains("name resolution block"), "{}", r.out);
}
