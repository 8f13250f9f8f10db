//! The WebSocket demo: a tokio-tungstenite chat server and a scripted client on loopback
//! (and, with `--listen-lan`, a page that lets browsers on the LAN join the chat).

use super::lan::{self, Watched};
use super::{say, step_err, DemoError};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::{CloseFrame, Frame};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

/// Port the demo server prefers (any free port if taken).
pub const PORT: u16 = 8765;

/// Bind `port` (any free port if taken) on loopback, or on every address for `lan`.
pub(super) async fn bind_on(port: u16, lan: bool) -> Result<TcpListener, DemoError> {
    let host = if lan { "0.0.0.0" } else { "127.0.0.1" };
    match TcpListener::bind((host, port)).await {
        Ok(l) => Ok(l),
        Err(_) => TcpListener::bind((host, 0)).await.map_err(step_err),
    }
}

pub(super) async fn bind(port: u16) -> Result<TcpListener, DemoError> {
    bind_on(port, false).await
}

/// A connection's request head, peeked (not consumed, so tungstenite still reads the whole
/// handshake): up to 4 KiB, or what arrived within half a second.
async fn peek_head(tcp: &TcpStream) -> String {
    let mut buf = vec![0u8; 4096];
    for _ in 0..50 {
        let Ok(n) = tcp.peek(&mut buf).await else {
            return String::new();
        };
        let head = String::from_utf8_lossy(&buf[..n]);
        if head.contains("\r\n\r\n") || n == buf.len() || n == 0 {
            return head.into_owned();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// Answer a plain HTTP request with `page` (for browsers in `--listen-lan` mode).
async fn serve_page(mut tcp: Watched, status: &str, page: &[u8], kind: &str) {
    let mut buf = vec![0u8; 8192];
    let _ = tcp.read(&mut buf).await;
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        page.len()
    );
    let _ = tcp.write_all(head.as_bytes()).await;
    let _ = tcp.write_all(page).await;
    let _ = tcp.shutdown().await;
}

/// The server: each text message is echoed to its sender and sent on to every other client
/// (a chat room, so browsers joining over the LAN see each other). The door
/// ([`lan::accept_loop`]) limits who gets in; here each connection is held to the message
/// size and rate limits and pinged every 30 s (a browser's pong keeps an open page from
/// counting as idle).
async fn serve(listener: TcpListener) {
    let (room, _) = broadcast::channel::<(u64, String)>(256);
    let door = lan::door();
    let limits = door.limits.clone();
    let config = WebSocketConfig::default()
        .max_message_size(Some(limits.max_message))
        .max_frame_size(Some(limits.max_message));
    let next_id = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let d = door.clone();
    lan::accept_loop(listener, door, move |tcp, pass| {
        let id = next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let room = room.clone();
        let door = d.clone();
        let limits = limits.clone();
        async move {
            let _pass = pass;
            let head = peek_head(tcp.get_ref()).await;
            let target = head.split_whitespace().nth(1).unwrap_or("").to_string();
            if !head.to_ascii_lowercase().contains("upgrade: websocket") {
                return match super::pages::asset(false, lan::student_page(), &target) {
                    Some(a) => serve_page(tcp, "200 OK", a.body, a.content_type).await,
                    None => serve_page(tcp, "404 Not Found", b"not found", "text/plain; charset=utf-8").await,
                };
            }
            if !door.code_ok(&target) {
                return serve_page(
                    tcp,
                    "403 Forbidden",
                    b"This chat needs the join code: open the address shown on the teacher's screen.",
                    "text/plain; charset=utf-8",
                )
                .await;
            }
            // The students' page asks (hello=1) to be told its client number first.
            let hello = target
                .split_once('?')
                .is_some_and(|(_, q)| q.split('&').any(|kv| kv == "hello=1"));
            let Ok(ws) = tokio_tungstenite::accept_async_with_config(tcp, Some(config)).await
            else {
                return;
            };
            let (mut tx, mut rx) = ws.split();
            if hello && tx.send(Message::Text(format!("you are client {id}").into())).await.is_err() {
                return;
            }
            let mut others = room.subscribe();
            let mut bucket = lan::Bucket::new(&limits);
            let mut was_dropping = false;
            let mut ping = tokio::time::interval(Duration::from_secs(30));
            ping.tick().await;
            loop {
                tokio::select! {
                    msg = rx.next() => {
                        let msg = match msg {
                            Some(Ok(m)) => m,
                            Some(Err(tokio_tungstenite::tungstenite::Error::Capacity(_))) => {
                                door.count_too_big();
                                let _ = tx
                                    .send(Message::Close(Some(CloseFrame {
                                        code: CloseCode::Size,
                                        reason: "message too big for the classroom demo".into(),
                                    })))
                                    .await;
                                break;
                            }
                            _ => break,
                        };
                        let counts = matches!(msg, Message::Text(_) | Message::Binary(_));
                        if counts && !bucket.take() {
                            door.count_rate_dropped();
                            if !was_dropping {
                                was_dropping = true;
                                let note = Message::Text("(slow down: messages sent too fast are not passed on)".into());
                                if tx.send(note).await.is_err() {
                                    break;
                                }
                            }
                            continue;
                        }
                        if counts {
                            was_dropping = false;
                        }
                        let reply = match msg {
                            Message::Text(t) => {
                                let _ = room.send((id, t.to_string()));
                                Some(Message::Text(format!("echo: {t}").into()))
                            }
                            Message::Binary(b) => Some(Message::Binary(b)),
                            // tungstenite queues the answering close frame; a flush sends it.
                            Message::Close(_) => {
                                let _ = tx.flush().await;
                                None
                            }
                            _ => None,
                        };
                        if let Some(r) = reply {
                            if tx.send(r).await.is_err() {
                                break;
                            }
                        }
                    }
                    other = others.recv() => {
                        if let Ok((from, text)) = other {
                            let m = Message::Text(format!("client {from}: {text}").into());
                            if from != id && tx.send(m).await.is_err() {
                                break;
                            }
                        }
                    }
                    _ = ping.tick() => {
                        if tx.send(Message::Ping(Vec::new().into())).await.is_err() {
                            break;
                        }
                    }
                }
            }
        }
    })
    .await;
}

pub(super) async fn run(lan: bool) -> Result<(), DemoError> {
    let listener = bind_on(lan::port_or(PORT), lan).await?;
    let port = listener.local_addr().map_err(step_err)?.port();
    let server = tokio::spawn(serve(listener));
    if lan {
        super::announce_lan(port, "/");
    }

    say(&format!(
        "client opens a TCP connection to 127.0.0.1:{port} and asks to upgrade HTTP to WebSocket"
    ));
    let url = format!("ws://127.0.0.1:{port}/chat{}", lan::code_query("?"));
    // No Nagle: each frame leaves in its own segment, as a class expects to see it.
    let (mut ws, resp) = tokio_tungstenite::connect_async_with_config(url, None, true)
        .await
        .map_err(step_err)?;
    say(&format!(
        "server answered {} Switching Protocols: the connection now speaks WebSocket",
        resp.status().as_u16()
    ));
    super::step_pause().await;

    say("client sends a text message (masked, as every client frame must be); the server answers \"echo: ...\" unmasked, as every server frame must be");
    ws.send(Message::Text("Hello, server!".into()))
        .await
        .map_err(step_err)?;
    let _ = ws.next().await;
    super::step_pause().await;

    say("client sends a binary message; the server echoes it back");
    ws.send(Message::Binary(
        vec![0x00, 0x01, 0x02, 0x03, 0xfe, 0xff].into(),
    ))
    .await
    .map_err(step_err)?;
    let _ = ws.next().await;
    super::step_pause().await;

    say("client sends one text message in three frames: text with FIN=0, continuation with FIN=0, continuation with FIN=1");
    let parts = [
        ("This message ", Data::Text, false),
        ("arrives in ", Data::Continue, false),
        ("three frames.", Data::Continue, true),
    ];
    for (text, op, fin) in parts {
        ws.send(Message::Frame(Frame::message(text, OpCode::Data(op), fin)))
            .await
            .map_err(step_err)?;
    }
    let _ = ws.next().await;
    super::step_pause().await;

    say("client sends a ping; the server's WebSocket library answers with a pong carrying the same data");
    ws.send(Message::Ping("are you there?".as_bytes().to_vec().into()))
        .await
        .map_err(step_err)?;
    let _ = ws.next().await;
    super::step_pause().await;

    say("client starts the close handshake: code 1000 (normal), reason \"lesson over\"");
    ws.close(Some(CloseFrame {
        code: CloseCode::Normal,
        reason: "lesson over".into(),
    }))
    .await
    .map_err(step_err)?;
    while let Some(Ok(_)) = ws.next().await {}
    drop(ws);
    say("both sides sent a close frame; the TCP connection closes (FIN and ACK from each side)");
    if lan {
        super::serve_lan(port, "/", "WebSocket chat").await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.abort();
    Ok(())
}
