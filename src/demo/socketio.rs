//! The Socket.IO demo: a socketioxide server and three clients speaking Engine.IO v4 /
//! Socket.IO v5 over tokio-tungstenite (no Rust Socket.IO client crate fits tokio 1.x and
//! tungstenite 0.30 cleanly, and speaking the text protocol by hand shows exactly what goes on
//! the wire).

use super::lan;
use super::{say, step_err, DemoError};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use socketioxide::extract::{AckSender, Data, SocketRef};
use socketioxide::SocketIo;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const PORT: u16 = 3000;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One client: a writer half and the text/binary messages its reader task received.
struct Client {
    name: &'static str,
    sink: std::sync::Arc<tokio::sync::Mutex<SplitSink<Ws, Message>>>,
    inbox: mpsc::UnboundedReceiver<Message>,
}

impl Client {
    async fn connect(name: &'static str, port: u16) -> Result<Self, DemoError> {
        let url = format!(
            "ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket{}",
            lan::code_query("&")
        );
        let (ws, _) = tokio_tungstenite::connect_async_with_config(url, None, true)
            .await
            .map_err(step_err)?;
        let (sink, stream) = ws.split();
        let sink = std::sync::Arc::new(tokio::sync::Mutex::new(sink));
        let (tx, inbox) = mpsc::unbounded_channel();
        tokio::spawn(read_loop(stream, sink.clone(), tx));
        let mut c = Client { name, sink, inbox };
        // Engine.IO open packet: 0{"sid":...,"pingInterval":...}
        c.expect(|t| t.starts_with('0')).await?;
        Ok(c)
    }

    async fn send(&self, text: String) -> Result<(), DemoError> {
        self.sink
            .lock()
            .await
            .send(Message::Text(text.into()))
            .await
            .map_err(step_err)
    }

    async fn send_binary(&self, bytes: Vec<u8>) -> Result<(), DemoError> {
        self.sink
            .lock()
            .await
            .send(Message::Binary(bytes.into()))
            .await
            .map_err(step_err)
    }

    /// Wait (up to 10 s: a busy classroom laptop, or CI, can be slow) for a text message
    /// matching `pred`.
    async fn expect(&mut self, pred: impl Fn(&str) -> bool) -> Result<String, DemoError> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let m = tokio::time::timeout_at(deadline, self.inbox.recv())
                .await
                .map_err(|_| step_err(format!("{}: expected message did not arrive", self.name)))?
                .ok_or_else(|| step_err(format!("{}: connection closed", self.name)))?;
            if let Message::Text(t) = m {
                if pred(t.as_str()) {
                    return Ok(t.to_string());
                }
            }
        }
    }

    async fn close(self) {
        let mut s = self.sink.lock().await;
        let _ = s.send(Message::Close(None)).await;
    }
}

async fn read_loop(
    mut stream: SplitStream<Ws>,
    sink: std::sync::Arc<tokio::sync::Mutex<SplitSink<Ws, Message>>>,
    tx: mpsc::UnboundedSender<Message>,
) {
    while let Some(Ok(m)) = stream.next().await {
        if matches!(&m, Message::Text(t) if t.as_str() == "2") {
            // Engine.IO heartbeat: answer ping with pong.
            let _ = sink.lock().await.send(Message::Text("3".into())).await;
            continue;
        }
        if tx.send(m).is_err() {
            break;
        }
    }
}

/// Messages over the rate limit are dropped here, per socket (see [`lan::Bucket`]).
static BUCKETS: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<String, lan::Bucket>>,
> = std::sync::LazyLock::new(Default::default);

/// Whether socket `s` may send one more event now (counted when not).
fn allowed(s: &SocketRef) -> bool {
    let door = lan::door();
    let Ok(mut b) = BUCKETS.lock() else {
        return true;
    };
    let ok = b
        .entry(s.id.to_string())
        .or_insert_with(|| lan::Bucket::new(&door.limits))
        .take();
    if !ok {
        door.count_rate_dropped();
    }
    ok
}

/// A socket joining a namespace: refused (disconnected, counted) without the join code.
fn code_ok(s: &SocketRef) -> bool {
    let ok = lan::door().code_ok(&s.req_parts().uri.to_string());
    if !ok {
        let _ = s.clone().disconnect();
    }
    ok
}

/// Start the Socket.IO server on `listener` (accept loop on its own task).
fn server(listener: tokio::net::TcpListener) -> SocketIo {
    // Requests that are not Socket.IO get the students' pages in `--listen-lan` mode.
    let page = service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
        let found = super::pages::asset(true, lan::student_page(), &req.uri().to_string());
        let (status, kind, body) = match found {
            Some(a) => (200, a.content_type, a.body),
            None => (404, "text/plain; charset=utf-8", &b"not found"[..]),
        };
        hyper::Response::builder()
            .status(status)
            .header("content-type", kind)
            .header("cache-control", "no-store")
            .body(Full::new(hyper::body::Bytes::from_static(body)))
    });
    let door = lan::door();
    let max = door.limits.max_message as u64;
    let (svc, io) = SocketIo::builder()
        .max_payload(max)
        .build_with_inner_svc(page);
    let io2 = io.clone();
    io.ns("/", async move |s: SocketRef| {
        if !code_ok(&s) {
            return;
        }
        s.on_disconnect(async |s: SocketRef| {
            if let Ok(mut b) = BUCKETS.lock() {
                b.remove(&s.id.to_string());
            }
        });
        // To this client only.
        let _ = s.emit("welcome", &format!("hello, you are {}", s.id));
        let io = io2.clone();
        s.on(
            "chat message",
            async move |s: SocketRef, Data::<String>(msg)| {
                if allowed(&s) {
                    // To everyone, the sender included.
                    let _ = io.emit("chat message", &msg).await;
                }
            },
        );
        s.on("join", async |s: SocketRef, Data::<String>(room)| {
            if allowed(&s) && s.rooms().len() < 16 {
                s.join(room);
            }
        });
        let io = io2.clone();
        s.on(
            "announce",
            async move |s: SocketRef, Data::<String>(text)| {
                if allowed(&s) {
                    let _ = io.to("room1").emit("room news", &text).await;
                }
            },
        );
        s.on(
            "ping me",
            async |s: SocketRef, Data::<String>(_x), ack: AckSender| {
                if allowed(&s) {
                    let _ = ack.send(&"pong, from the server");
                }
            },
        );
        s.on(
            "upload",
            async |s: SocketRef, Data::<(String, bytes::Bytes)>((name, file))| {
                if allowed(&s) {
                    let _ = s.emit("upload received", &(name, file.len()));
                }
            },
        );
        // No handler for "unhandled message": it is received and nothing comes back.
    });
    io.ns("/admin", async |s: SocketRef| {
        if !code_ok(&s) {
            return;
        }
        s.on(
            "stats",
            async |s: SocketRef, Data::<serde_json::Value>(_q), ack: AckSender| {
                if allowed(&s) {
                    let _ = ack.send(&serde_json::json!({ "clients": 3 }));
                }
            },
        );
    });
    tokio::spawn(lan::accept_loop(listener, door, move |tcp, pass| {
        let svc = svc.clone();
        async move {
            let _pass = pass;
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tcp), svc)
                .with_upgrades()
                .await;
        }
    }));
    io
}

/// Wait (up to 10 s) until `n` sockets of the main namespace are in `room`.
async fn in_room(io: &SocketIo, room: &'static str, n: usize) -> Result<(), DemoError> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while io.within(room).sockets().len() < n {
        if tokio::time::Instant::now() >= deadline {
            return Err(step_err(format!(
                "the server did not put {n} clients in {room}"
            )));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

pub(super) async fn run(lan: bool) -> Result<(), DemoError> {
    let listener = super::websocket::bind_on(lan::port_or(PORT), lan).await?;
    let port = listener.local_addr().map_err(step_err)?.port();
    let io = server(listener);
    if lan {
        super::announce_lan(port, "/");
    }

    say(&format!("three clients (alice, bob, carol) open WebSocket connections to the Socket.IO server on port {port}; the server opens each Engine.IO session (0{{\"sid\":...}})"));
    let mut alice = Client::connect("alice", port).await?;
    let mut bob = Client::connect("bob", port).await?;
    let mut carol = Client::connect("carol", port).await?;
    super::step_pause().await;

    say("each client asks to join the main namespace \"/\" (CONNECT, 40); the server accepts with a CONNECT carrying the socket's id (40{\"sid\":...}) and greets each one privately");
    for c in [&mut alice, &mut bob, &mut carol] {
        c.send("40".into()).await?;
        c.expect(|t| t.starts_with("40")).await?;
        c.expect(|t| t.starts_with("42[\"welcome\"")).await?;
    }
    super::step_pause().await;

    say("alice also joins a second namespace, \"/admin\", over the same WebSocket (40/admin,)");
    alice.send("40/admin,".into()).await?;
    alice.expect(|t| t.starts_with("40/admin,")).await?;
    super::step_pause().await;

    say("bob and carol ask to join the room \"room1\" with an ordinary event (42[\"join\",...]): rooms exist only on the server");
    bob.send(r#"42["join","room1"]"#.into()).await?;
    carol.send(r#"42["join","room1"]"#.into()).await?;
    // Nothing comes back on the wire for a join; the server handles each on its own task, so
    // on a busy machine alice could announce before carol is in the room: wait until both are.
    in_room(&io, "room1", 2).await?;
    super::step_pause().await;

    say("alice emits \"chat message\"; the server broadcasts it to every client, alice included");
    alice
        .send(r#"42["chat message","hello everyone!"]"#.into())
        .await?;
    for c in [&mut alice, &mut bob, &mut carol] {
        c.expect(|t| t.starts_with("42[\"chat message\"")).await?;
    }
    super::step_pause().await;

    say("alice asks the server to announce to room1: only bob and carol receive \"room news\"");
    alice
        .send(r#"42["announce","quiz in 5 minutes"]"#.into())
        .await?;
    bob.expect(|t| t.starts_with("42[\"room news\"")).await?;
    carol.expect(|t| t.starts_with("42[\"room news\"")).await?;
    super::step_pause().await;

    say("alice emits \"ping me\" (an application event, not an Engine.IO ping) with ack id 1 (421[...]); the server answers with ACK 1 (431[...])");
    alice
        .send(r#"421["ping me","are you there?"]"#.into())
        .await?;
    alice.expect(|t| t.starts_with("431")).await?;
    super::step_pause().await;

    say("alice asks /admin for stats with ack id 2 (42/admin,2[...]); the ACK comes back on /admin with the same id");
    alice.send(r#"42/admin,2["stats",{}]"#.into()).await?;
    alice.expect(|t| t.starts_with("43/admin,2")).await?;
    super::step_pause().await;

    say("bob uploads a file: a BINARY_EVENT (451-) whose JSON holds a placeholder ({\"_placeholder\":true,\"num\":0}), then the bytes themselves in a binary frame");
    bob.send(r#"451-["upload","notes.bin",{"_placeholder":true,"num":0}]"#.into())
        .await?;
    bob.send_binary(vec![0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03])
        .await?;
    let _ = bob
        .expect(|t| t.starts_with("42[\"upload received\""))
        .await;
    super::step_pause().await;

    say("carol emits \"unhandled message\": no handler listens for it, so nothing comes back");
    carol
        .send(r#"42["unhandled message","is anybody listening?"]"#.into())
        .await?;
    super::step_pause().await;

    say("everyone leaves \"/\" with Socket.IO DISCONNECT (41, no reply expected), then the WebSocket close handshake");
    for c in [&alice, &bob, &carol] {
        c.send("41".into()).await?;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    for c in [alice, bob, carol] {
        c.close().await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    if lan {
        super::serve_lan(port, "/", "Socket.IO chat").await;
    }
    Ok(())
}
