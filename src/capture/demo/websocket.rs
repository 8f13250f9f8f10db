//! The WebSocket demo: a tokio-tungstenite echo server and client on loopback.

use super::{say, step_err, DemoError};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::{CloseFrame, Frame};
use tokio_tungstenite::tungstenite::Message;

/// Port the demo server prefers (any free port if taken).
pub const PORT: u16 = 8765;

pub(super) async fn bind(port: u16) -> Result<TcpListener, DemoError> {
    match TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => Ok(l),
        Err(_) => TcpListener::bind(("127.0.0.1", 0)).await.map_err(step_err),
    }
}

pub(super) async fn run(pace: Duration) -> Result<(), DemoError> {
    let listener = bind(PORT).await?;
    let port = listener.local_addr().map_err(step_err)?.port();
    let server = tokio::spawn(async move {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        let _ = tcp.set_nodelay(true);
        let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
            return;
        };
        while let Some(Ok(msg)) = ws.next().await {
            let reply = match msg {
                Message::Text(t) => Some(Message::Text(format!("echo: {t}").into())),
                Message::Binary(b) => Some(Message::Binary(b)),
                // tungstenite queues the answering close frame; reading on sends it.
                Message::Close(_) => None,
                _ => None,
            };
            if let Some(r) = reply {
                if ws.send(r).await.is_err() {
                    break;
                }
            }
        }
    });

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
    tokio::time::sleep(pace).await;

    say("client sends a text message (masked, as every client frame must be)");
    ws.send(Message::Text("Hello, server!".into()))
        .await
        .map_err(step_err)?;
    let _ = ws.next().await;
    tokio::time::sleep(pace).await;

    say("client sends a binary message");
    ws.send(Message::Binary(
        vec![0x00, 0x01, 0x02, 0x03, 0xfe, 0xff].into(),
    ))
    .await
    .map_err(step_err)?;
    let _ = ws.next().await;
    tokio::time::sleep(pace).await;

    say("client sends one text message in three fragments (FIN=0, continuation, FIN=1)");
    ws.send(Message::Frame(Frame::message(
        "This message ",
        OpCode::Data(Data::Text),
        false,
    )))
    .await
    .map_err(step_err)?;
    ws.send(Message::Frame(Frame::message(
        "arrives in ",
        OpCode::Data(Data::Continue),
        false,
    )))
    .await
    .map_err(step_err)?;
    ws.send(Message::Frame(Frame::message(
        "three frames.",
        OpCode::Data(Data::Continue),
        true,
    )))
    .await
    .map_err(step_err)?;
    let _ = ws.next().await;
    tokio::time::sleep(pace).await;

    say("client sends a ping; the server's WebSocket library answers with a pong");
    ws.send(Message::Ping("are you there?".as_bytes().to_vec().into()))
        .await
        .map_err(step_err)?;
    let _ = ws.next().await;
    tokio::time::sleep(pace).await;

    say("client starts the close handshake: code 1000 (normal), reason \"lesson over\"");
    ws.close(Some(CloseFrame {
        code: CloseCode::Normal,
        reason: "lesson over".into(),
    }))
    .await
    .map_err(step_err)?;
    while let Some(Ok(_)) = ws.next().await {}
    say("both sides sent a close frame; TCP closes with FIN/ACK");
    let _ = tokio::time::timeout(Duration::from_secs(2), server).await;
    Ok(())
}
