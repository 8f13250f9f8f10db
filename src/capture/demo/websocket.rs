//! The WebSocket demo: a tokio-tungstenite chat server and a scripted client on loopback
//! (and, with `--listen-lan`, a page that lets browsers on the LAN join the chat).

use super::{say, step_err, DemoError};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::{CloseFrame, Frame};
use tokio_tungstenite::tungstenite::Message;

/// Port the demo server prefers (any free port if taken).
pub const PORT: u16 = 8765;

/// The page students open in `--listen-lan` mode.
const PAGE: &str = include_str!("../../../assets/lan/websocket.html");

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

/// Whether a connection's first request asks to upgrade to WebSocket (peeked, not consumed,
/// so tungstenite still reads the whole handshake).
async fn wants_websocket(tcp: &TcpStream) -> bool {
    let mut buf = vec![0u8; 4096];
    for _ in 0..50 {
        let Ok(n) = tcp.peek(&mut buf).await else {
            return false;
        };
        let head = String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase();
        if head.contains("\r\n\r\n") || n == buf.len() || n == 0 {
            return head.contains("upgrade: websocket");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

/// Answer a plain HTTP request with the page (for browsers in `--listen-lan` mode).
async fn serve_page(mut tcp: TcpStream, page: &str) {
    let mut buf = vec![0u8; 8192];
    let _ = tcp.read(&mut buf).await;
    let resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
        page.len()
    );
    let _ = tcp.write_all(resp.as_bytes()).await;
    let _ = tcp.shutdown().await;
}

/// The server: each text message is echoed to its sender and sent on to every other client
/// (a chat room, so browsers joining over the LAN see each other).
async fn serve(listener: TcpListener) {
    let (room, _) = broadcast::channel::<(u64, String)>(256);
    let mut next_id = 0u64;
    while let Ok((tcp, _)) = listener.accept().await {
        next_id += 1;
        let id = next_id;
        let room = room.clone();
        tokio::spawn(async move {
            let _ = tcp.set_nodelay(true);
            if !wants_websocket(&tcp).await {
                return serve_page(tcp, PAGE).await;
            }
            let Ok(ws) = tokio_tungstenite::accept_async(tcp).await else {
                return;
            };
            let (mut tx, mut rx) = ws.split();
            let mut others = room.subscribe();
            loop {
                tokio::select! {
                    msg = rx.next() => {
                        let Some(Ok(msg)) = msg else { break };
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
                }
            }
        });
    }
}

pub(super) async fn run(lan: bool) -> Result<(), DemoError> {
    let listener = bind_on(PORT, lan).await?;
    let port = listener.local_addr().map_err(step_err)?.port();
    let server = tokio::spawn(serve(listener));

    say(&format!(
        "client opens a TCP connection to 127.0.0.1:{port} and asks to upgrade HTTP to WebSocket"
    ));
    let url = format!("ws://127.0.0.1:{port}/chat");
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
