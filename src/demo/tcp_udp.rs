//! The TCP-vs-UDP demo: one message over each, for comparison.

use super::{say, step_err, DemoError};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UdpSocket;

pub const TCP_PORT: u16 = 7000;
pub const UDP_PORT: u16 = 7001;
const MESSAGE: &[u8] = b"Hello, layers!";

pub(super) async fn run() -> Result<(), DemoError> {
    let listener = super::websocket::bind(TCP_PORT).await?;
    let tcp_port = listener.local_addr().map_err(step_err)?.port();
    let server = tokio::spawn(async move {
        if let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 256];
            if let Ok(n) = s.read(&mut buf).await {
                if n > 0 {
                    let _ = s.write_all(b"got it").await;
                }
            }
            let mut rest = Vec::new();
            let _ = s.read_to_end(&mut rest).await;
        }
    });
    say(&format!(
        "TCP: the client connects to port {tcp_port}: SYN, SYN-ACK, ACK (the three-way handshake)"
    ));
    let mut c = tokio::net::TcpStream::connect(("127.0.0.1", tcp_port))
        .await
        .map_err(step_err)?;
    super::step_pause().await;
    say("TCP: the client sends the message and the server answers \"got it\"; each side acknowledges the bytes it received (ACK)");
    c.write_all(MESSAGE).await.map_err(step_err)?;
    let mut buf = [0u8; 64];
    let _ = c.read(&mut buf).await.map_err(step_err)?;
    super::step_pause().await;
    say("TCP: the client closes (the teardown): the client's FIN; the server's FIN, which also acknowledges the client's FIN; the client's last ACK (four segments when the server sends its ACK before its FIN)");
    c.shutdown().await.map_err(step_err)?;
    drop(c);
    let _ = tokio::time::timeout(Duration::from_secs(2), server).await;
    super::step_pause().await;

    let server = UdpSocket::bind(("127.0.0.1", UDP_PORT))
        .await
        .or(Err(()))
        .or_else(|()| std::net::UdpSocket::bind(("127.0.0.1", 0)).and_then(UdpSocket::from_std))
        .map_err(step_err)?;
    let udp_port = server.local_addr().map_err(step_err)?.port();
    let client = UdpSocket::bind(("127.0.0.1", 0)).await.map_err(step_err)?;
    say(&format!("UDP: the same message in one datagram to port {udp_port}: no handshake, no acknowledgement"));
    client
        .send_to(MESSAGE, ("127.0.0.1", udp_port))
        .await
        .map_err(step_err)?;
    let mut buf = [0u8; 256];
    let (_, from) = server.recv_from(&mut buf).await.map_err(step_err)?;
    super::step_pause().await;
    say("UDP: the server answers with one datagram of its own; nothing to open or close");
    server.send_to(b"got it", from).await.map_err(step_err)?;
    let _ = tokio::time::timeout(Duration::from_secs(1), client.recv_from(&mut buf)).await;
    Ok(())
}
