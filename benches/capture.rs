//! Sustained loopback capture rate, and memory under the ring-buffer cap.
//!
//! Not a criterion bench: a capture rate is a property of a whole running system (a sender, the
//! kernel, the capture thread, the consumer), so this runs one for a fixed time and reports:
//! packets/s received by the capture thread, packets/s appended to the analysed capture (the
//! GUI's path: decode + conversations + application layers), the drops at each stage (kernel
//! socket, channel, ring buffer) and the process's peak RSS.
//!
//! Needs CAP_NET_RAW (root in CI). Settings from the environment:
//! `SOAK_SECS` (default 10), `RATE` packets/s to offer (default 0 = as fast as possible),
//! `CAP_MB` ring-buffer cap (default 64), `PAYLOAD` bytes per datagram (default 64).
//!
//! `cargo bench --bench capture` · `SOAK_SECS=60 RATE=250000 cargo bench --bench capture`

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: failing loudly is right

use layerscope::capture::live::{LiveCapture, LiveOptions};
use layerscope::engine::Capture;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.split_whitespace().next().and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

const BATCH: usize = 64;

/// Send `count` copies of `buf` on a connected socket with one `sendmmsg` call (the
/// generator must be cheaper than the capture it measures; both share 2 cores here).
#[allow(unsafe_code)]
fn send_batch(s: &std::net::UdpSocket, buf: &[u8], count: usize) -> usize {
    use std::os::fd::AsRawFd;
    let mut iov: Vec<libc::iovec> = (0..count)
        .map(|_| libc::iovec {
            iov_base: buf.as_ptr() as *mut libc::c_void,
            iov_len: buf.len(),
        })
        .collect();
    // SAFETY: mmsghdr is plain old data; all-zero is valid (no name, no control data).
    let mut msgs: Vec<libc::mmsghdr> = (0..count).map(|_| unsafe { std::mem::zeroed() }).collect();
    for (m, v) in msgs.iter_mut().zip(iov.iter_mut()) {
        m.msg_hdr.msg_iov = v;
        m.msg_hdr.msg_iovlen = 1;
    }
    // SAFETY: `msgs` and the `iov` entries they point to (and `buf`, read-only) live until
    // the call returns; the socket is connected, so no address is needed.
    let r = unsafe { libc::sendmmsg(s.as_raw_fd(), msgs.as_mut_ptr(), count as u32, 0) };
    usize::try_from(r).unwrap_or(0)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    if !layerscope::capture::sys::has_cap_net_raw() {
        eprintln!("SKIPPED: the capture benchmark needs CAP_NET_RAW (run as root)");
        return;
    }
    let secs = env("SOAK_SECS", 10);
    let rate = env("RATE", 0);
    let cap_mb = env("CAP_MB", 64);
    let payload = env("PAYLOAD", 64) as usize;

    // Nobody reads this socket: its queue overflows and the kernel drops there, but the
    // packet socket sees every datagram before UDP delivery, so that does not matter here.
    let rx_sock = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = rx_sock.local_addr().expect("addr").port();
    let stop = Arc::new(AtomicBool::new(false));

    let baseline_rss = rss_kb("VmRSS:") / 1024;
    let mut cap = LiveCapture::start(&LiveOptions::new("lo"), Box::new(|| {})).expect("capture");
    let sent = Arc::new(AtomicU64::new(0));
    let sender = {
        let stop = stop.clone();
        let sent = sent.clone();
        std::thread::spawn(move || {
            let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
            s.connect(("127.0.0.1", port)).expect("connect");
            let buf = vec![b'x'; payload];
            let start = Instant::now();
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let mut batch = BATCH;
                if rate > 0 {
                    let due = (start.elapsed().as_secs_f64() * rate as f64) as u64;
                    if n >= due {
                        std::thread::sleep(Duration::from_micros(200));
                        continue;
                    }
                    batch = batch.min((due - n) as usize);
                }
                n += send_batch(&s, &buf, batch) as u64;
                sent.store(n, Ordering::Relaxed);
            }
            sent.store(n, Ordering::Relaxed);
        })
    };

    // The consumer: the GUI's path, with its ring buffer.
    let cap_bytes = cap_mb as usize * 1024 * 1024;
    let mut capture = Capture::live(vec![cap.interface.clone()]);
    let mut appended = 0u64;
    let mut ring = layerscope::engine::ring::Ring::new(cap_bytes);
    let mut peak_store = 0usize;
    let start = Instant::now();
    let mut last_report = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        match cap.rx.recv_timeout(Duration::from_millis(50)) {
            Ok(p) => {
                // The GUI's path: append, with the ring buffer's background rebuilds.
                ring.push(&mut capture, p.ts_ns, &p.data, p.wirelen, 0);
                appended += 1;
                if let Some(fresh) = ring.poll() {
                    capture = fresh;
                }
                peak_store = peak_store.max(capture.heap_bytes());
            }
            Err(_) => continue,
        }
        if last_report.elapsed() >= Duration::from_secs(5) {
            let c = &cap.counters;
            eprintln!(
                "  t={:>3.0}s appended {:>10} ({:>7.0}/s) · kernel drops {} · channel drops {} · RSS {} MB",
                start.elapsed().as_secs_f64(),
                appended,
                appended as f64 / start.elapsed().as_secs_f64(),
                c.get(&c.kernel_dropped),
                c.get(&c.channel_dropped),
                rss_kb("VmRSS:") / 1024
            );
            last_report = Instant::now();
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let _ = sender.join();
    cap.stop();
    drop(rx_sock);
    let c = &cap.counters;
    let received = c.get(&c.received);
    println!(
        "loopback capture, {secs} s, {payload}-byte UDP payloads, offered rate {}",
        if rate == 0 {
            "max".to_string()
        } else {
            format!("{rate}/s")
        }
    );
    println!(
        "  sent by the generator : {:>10} ({:.0}/s)",
        sent.load(Ordering::Relaxed),
        sent.load(Ordering::Relaxed) as f64 / elapsed
    );
    println!(
        "  received (capture)    : {:>10} ({:.0}/s)",
        received,
        received as f64 / elapsed
    );
    println!(
        "  appended + analysed   : {:>10} ({:.0}/s)",
        appended,
        appended as f64 / elapsed
    );
    println!("  kernel drops          : {:>10}", c.get(&c.kernel_dropped));
    println!(
        "  channel drops (app)   : {:>10}",
        c.get(&c.channel_dropped)
    );
    println!(
        "  ring-buffer evictions : {} (cap {cap_mb} MB, peak held by the capture {:.1} MB)",
        ring.evicted,
        peak_store as f64 / 1e6
    );
    println!(
        "  peak RSS              : {} MB ({} MB before the capture started)",
        rss_kb("VmHWM:") / 1024,
        baseline_rss
    );
}
