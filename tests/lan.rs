//! The LAN demo's door under load, on loopback: the WebSocket and Socket.IO servers of
//! `--listen-lan` run alone (`layerscope __lan-server`, no capture, so no privilege is
//! needed) under a descriptor limit of 64, one "student" opens hundreds of connections, and
//! another must still join. Every server is killed at the end of its test (self-stopping,
//! bounded: each wait has a deadline).

#![cfg(all(feature = "demo", target_os = "linux"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures_util::{SinkExt, StreamExt};
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::Message;

/// A `__lan-server` child under `ulimit -n 64`, killed on drop; its stderr lines collect.
struct Server {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    port: u16,
}

impl Server {
    fn start(demo: &str, extra: &[&str]) -> Server {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg("ulimit -n 64 && exec \"$0\" \"$@\"")
            .arg(env!("CARGO_BIN_EXE_layerscope"))
            .args(["__lan-server", demo, "--port", "0"])
            .args(extra)
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let err = child.stderr.take().unwrap();
        {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for l in BufReader::new(err).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push(l);
                }
            });
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        let port = loop {
            let found = lines.lock().unwrap().iter().find_map(|l| {
                l.strip_prefix("# lan: listening on port ")
                    .and_then(|p| p.trim().parse::<u16>().ok())
            });
            if let Some(p) = found {
                break p;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not start: {:?}",
                lines.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Server { child, lines, port }
    }

    fn command(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// The latest `# lan-status:` the server reported.
    fn status(&self) -> layerscope::demo::LanStatus {
        let lines = self.lines.lock().unwrap();
        lines
            .iter()
            .rev()
            .find_map(|l| l.strip_prefix("# lan-status: "))
            .map(|j| serde_json::from_str(j).unwrap())
            .unwrap_or_default()
    }

    /// Wait (up to 10 s) for a status that passes `ok`.
    fn wait_status(&self, ok: impl Fn(&layerscope::demo::LanStatus) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !ok(&self.status()) {
            assert!(
                Instant::now() < deadline,
                "status never came: {:?}",
                self.status()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP connection to the server from loopback address `from` (127.0.0.x: a different
/// "computer" to the server's door).
async fn connect_from(from: &str, port: u16) -> std::io::Result<TcpStream> {
    let s = TcpSocket::new_v4()?;
    s.bind(SocketAddr::new(from.parse().unwrap(), 0))?;
    s.connect(SocketAddr::from(([127, 0, 0, 1], port))).await
}

/// A flood: `n` idle connections from 127.0.0.9, held open.
async fn flood(n: usize, port: u16) -> Vec<TcpStream> {
    let mut v = Vec::new();
    for _ in 0..n {
        if let Ok(s) = connect_from("127.0.0.9", port).await {
            v.push(s);
        }
    }
    v
}

/// A student from `from` joins the WebSocket chat and gets their message echoed.
async fn ws_joins(from: &str, port: u16, path: &str) -> Result<(), String> {
    let tcp = connect_from(from, port).await.map_err(|e| e.to_string())?;
    let url = format!("ws://127.0.0.1:{port}{path}");
    let (mut ws, _) = tokio_tungstenite::client_async(url, tcp)
        .await
        .map_err(|e| e.to_string())?;
    ws.send(Message::Text("hello".into()))
        .await
        .map_err(|e| e.to_string())?;
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) if t.as_str() == "echo: hello" => return Ok(()),
            Some(Ok(_)) => {}
            other => return Err(format!("no echo: {other:?}")),
        }
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_flood_from_one_address_does_not_keep_others_out() {
    let server = Server::start("websocket", &[]);
    rt().block_on(async {
        // 300 connections against a limit of 64 descriptors: the per-address limit answers
        // all but 8 with 503 and closes them at once.
        let held = flood(300, server.port).await;
        assert!(
            held.len() > 64,
            "the flood should pass the descriptor limit"
        );
        tokio::time::timeout(
            Duration::from_secs(10),
            ws_joins("127.0.0.2", server.port, "/chat"),
        )
        .await
        .expect("a second student joins while the flood is held")
        .unwrap();
        drop(held);
    });
    server.wait_status(|s| s.refused_per_address >= 250);
    let s = server.status();
    assert!(
        s.describe().contains("over the per-address limit"),
        "{}",
        s.describe()
    );
}

#[test]
fn running_out_of_descriptors_does_not_stop_the_server() {
    // No per-address limit to help: the flood exhausts the 64 descriptors, `accept` fails
    // (EMFILE) and is retried; idle connections are closed after 1 s, so a new student gets
    // in while the flood is still held.
    let server = Server::start(
        "websocket",
        &[
            "--max-per-address",
            "100000",
            "--max-connections",
            "100000",
            "--idle-timeout",
            "1",
        ],
    );
    rt().block_on(async {
        let held = flood(120, server.port).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let joined = tokio::time::timeout(Duration::from_secs(60), async {
            loop {
                match ws_joins("127.0.0.2", server.port, "/chat").await {
                    Ok(()) => return,
                    Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
                }
            }
        })
        .await;
        assert!(
            joined.is_ok(),
            "a new student never got in: {:?}",
            server.status()
        );
        drop(held);
    });
    server.wait_status(|s| s.accept_errors > 0 && s.idle_closed > 0);
}

#[test]
fn the_teacher_kicks_pauses_and_asks_for_a_code() {
    let mut server = Server::start("websocket", &["--join-code", "4821"]);
    let port = server.port;
    let first = rt();
    first.block_on(async {
        assert!(
            ws_joins("127.0.0.2", port, "/chat").await.is_err(),
            "no code, no join"
        );
        ws_joins("127.0.0.2", port, "/chat?code=4821")
            .await
            .unwrap();
    });
    server.wait_status(|s| s.refused_code >= 1);
    // A student who stays connected, then is kicked.
    let (tx, rx) = std::sync::mpsc::channel();
    let stay = std::thread::spawn(move || {
        first.block_on(async move {
            let tcp = connect_from("127.0.0.3", port).await.unwrap();
            let url = format!("ws://127.0.0.1:{port}/chat?code=4821");
            let (mut ws, _) = tokio_tungstenite::client_async(url, tcp).await.unwrap();
            tx.send(()).unwrap();
            // Ends when the server closes the connection.
            tokio::time::timeout(Duration::from_secs(10), async {
                while let Some(Ok(_)) = ws.next().await {}
            })
            .await
            .is_ok()
        })
    });
    rx.recv_timeout(Duration::from_secs(10)).unwrap();
    server.wait_status(|s| s.clients.iter().any(|(a, _)| a == "127.0.0.3"));
    server.command("kick 127.0.0.3");
    assert!(stay.join().unwrap(), "the kicked connection was closed");
    server.wait_status(|s| s.kicked == 1 && s.banned == ["127.0.0.3"]);
    server.command("pause-joins");
    server.wait_status(|s| s.paused);
    rt().block_on(async {
        assert!(ws_joins("127.0.0.4", port, "/chat?code=4821")
            .await
            .is_err());
    });
    server.wait_status(|s| s.refused_paused >= 1);
    server.command("resume-joins");
    server.wait_status(|s| !s.paused);
    rt().block_on(async {
        ws_joins("127.0.0.4", port, "/chat?code=4821")
            .await
            .unwrap();
    });
}

#[test]
fn socketio_survives_a_flood_too() {
    let server = Server::start("socketio", &[]);
    rt().block_on(async {
        let held = flood(300, server.port).await;
        let tcp = connect_from("127.0.0.2", server.port).await.unwrap();
        let url = format!(
            "ws://127.0.0.1:{}/socket.io/?EIO=4&transport=websocket",
            server.port
        );
        let (mut ws, _) = tokio::time::timeout(
            Duration::from_secs(10),
            tokio_tungstenite::client_async(url, tcp),
        )
        .await
        .expect("the handshake finishes")
        .unwrap();
        // Engine.IO open, then Socket.IO CONNECT and the server's welcome.
        let first = ws.next().await.unwrap().unwrap();
        assert!(first.to_text().unwrap().starts_with('0'));
        ws.send(Message::Text("40".into())).await.unwrap();
        let joined = tokio::time::timeout(Duration::from_secs(10), async {
            while let Some(Ok(m)) = ws.next().await {
                if m.to_text().is_ok_and(|t| t.starts_with("40")) {
                    return true;
                }
            }
            false
        })
        .await
        .unwrap();
        assert!(joined);
        drop(held);
    });
    server.wait_status(|s| s.refused_per_address >= 250);
}

#[test]
fn messages_past_the_rate_are_dropped_and_counted() {
    let server = Server::start("websocket", &["--rate", "2"]);
    rt().block_on(async {
        let tcp = connect_from("127.0.0.2", server.port).await.unwrap();
        let url = format!("ws://127.0.0.1:{}/chat", server.port);
        let (mut ws, _) = tokio_tungstenite::client_async(url, tcp).await.unwrap();
        for i in 0..50 {
            ws.send(Message::Text(format!("m{i}").into()))
                .await
                .unwrap();
        }
        // Too big: closed with 1009.
        ws.send(Message::Text("x".repeat(100_000).into()))
            .await
            .unwrap();
        let closed = tokio::time::timeout(Duration::from_secs(10), async {
            while let Some(Ok(m)) = ws.next().await {
                if let Message::Close(Some(f)) = m {
                    return u16::from(f.code);
                }
            }
            0
        })
        .await
        .unwrap();
        assert_eq!(
            closed, 1009,
            "a message over the size limit closes with 1009"
        );
    });
    // A burst of 8 passes (rate 2, burst 4 × 2), the rest are dropped.
    server.wait_status(|s| s.rate_dropped >= 40 && s.too_big == 1);
}
