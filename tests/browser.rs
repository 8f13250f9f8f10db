//! The students' pages of `--listen-lan` in a real browser: Chromium, driven through
//! chromedriver (WebDriver, with fantoccini), opens the pages as students do — three students
//! chat through the official Socket.IO client and the teacher's capture holds their packets;
//! markup typed into a message stays text on every page; the WebSocket page sends, gets its
//! echo and closes with a reason; a phone-sized screen keeps the input and the log usable;
//! after the server restarts, each page says it is disconnected and joins again on Reconnect.
//!
//! Where Chromium or chromedriver is missing, the browser tests say so and skip; `.ci/run`
//! installs Debian's `chromium` and `chromium-driver`. The capture test also needs
//! CAP_NET_RAW (`--listen-lan` captures on the host's interfaces), which CI has (root). The
//! other tests run the servers alone (`layerscope __lan-server`, no capture, no privilege).
//! The tests take turns: each starts its own chromedriver and browsers, and two cores are
//! not enough for several classrooms at once.

#![cfg(all(feature = "demo", target_os = "linux"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]
// kill(2) of the processes these tests start (each block says so).
#![allow(unsafe_code)]

use fantoccini::{Client, ClientBuilder, Locator};
use layerscope::demo::pages;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn skip(why: &str) {
    eprintln!("SKIPPED: {why}");
}

/// The first of `names` on the PATH (or in /usr/bin).
fn program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    dirs.push("/usr/bin".into());
    names
        .iter()
        .flat_map(|n| dirs.iter().map(move |d| d.join(n)))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("layerscope-browser-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

/// A chromedriver in its own process group (the browsers it starts go with it on drop).
struct Driver {
    child: Child,
    port: u16,
    chromium: PathBuf,
}

impl Driver {
    /// `Err` (the reason to skip) when Chromium or chromedriver is not installed.
    fn start() -> Result<Driver, String> {
        let chromium = program(&["chromium", "chromium-browser", "google-chrome"])
            .ok_or("Chromium is not installed (Debian: apt install chromium chromium-driver)")?;
        let driver = program(&["chromedriver"])
            .ok_or("chromedriver is not installed (Debian: apt install chromium-driver)")?;
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start chromedriver: {e}"))?;
        let d = Driver {
            child,
            port,
            chromium,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(d)
    }

    /// A new browser (its own Chromium); `phone`: a 360x740 screen, as a phone shows pages.
    async fn browser(&self, phone: bool) -> Client {
        let mut args = vec![
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ];
        if !phone {
            args.push("--window-size=1024,768");
        }
        let mut opts = json!({ "binary": self.chromium, "args": args });
        if phone {
            opts["mobileEmulation"] =
                json!({ "deviceMetrics": { "width": 360, "height": 740, "pixelRatio": 2.0 } });
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), opts);
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("chromedriver starts a Chromium session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the process group this test started; no memory is involved.
        unsafe {
            libc::kill(-(self.child.id() as i32), libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

/// A layerscope process (`__lan-server NAME`, or `demo NAME --listen-lan -w FILE`) whose stderr
/// lines collect; killed on drop.
struct Server {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn spawn(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_layerscope"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
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
        Server { child, lines }
    }

    /// The LAN demo's servers alone on `port` (with `extra` flags), ready for students.
    fn lan_with(demo: &str, port: u16, extra: &[&str]) -> Server {
        let p = port.to_string();
        let mut args = vec![
            "__lan-server",
            demo,
            "--port",
            &p,
            "--max-per-address",
            "64",
        ];
        args.extend_from_slice(extra);
        let s = Server::spawn(&args);
        s.wait_for(|l| l == format!("# lan: listening on port {port}"));
        s
    }

    fn lan(demo: &str, port: u16) -> Server {
        Server::lan_with(demo, port, &[])
    }

    /// The first line `pred` accepts (30 s at most).
    fn wait_for(&self, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(l) = self.lines.lock().unwrap().iter().find(|l| pred(l)) {
                return l.clone();
            }
            assert!(
                Instant::now() < deadline,
                "the server did not say what was expected: {:?}",
                self.lines.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Evaluate `js` (an expression) until it is truthy; its value. Fails with `what` and the
/// page's text after 30 s.
async fn until(c: &Client, js: &str, what: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let v = c
            .execute(&format!("return ({js});"), vec![])
            .await
            .unwrap_or(Value::Null);
        let truthy = match &v {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Number(n) => n.as_f64() != Some(0.0),
            Value::String(s) => !s.is_empty(),
            Value::Array(a) => !a.is_empty(),
            Value::Object(_) => true,
        };
        if truthy {
            return v;
        }
        if Instant::now() > deadline {
            let text = c
                .execute("return document.body.innerText;", vec![])
                .await
                .unwrap_or(Value::Null);
            panic!("{what}: not so after 30 s; the page says {text}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

const CONNECTED: &str = "document.getElementById('state').dataset.connected === 'yes'";

fn log_has(text: &str) -> String {
    format!(
        "Array.from(document.querySelectorAll('#log li')).some((li) => li.textContent.includes({}))",
        json!(text)
    )
}

/// Type `text` and press the page's send button.
async fn say(c: &Client, text: &str) {
    c.find(Locator::Id("msg"))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
    c.find(Locator::Id("send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn click(c: &Client, id: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// The page's raw-packet list, newest last: (direction, transport line, wire, info).
async fn frames(c: &Client) -> Vec<(String, String, String, String)> {
    let v = c
        .execute(
            "return Array.from(document.querySelectorAll('#frames li')).reverse().map((li) => \
             [li.className, li.querySelector('.wire').textContent, li.dataset.wire, li.dataset.info]);",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

/// With LAYERSCOPE_BROWSER_SHOTS=DIR, a picture of the page as DIR/NAME.png (to look at).
async fn shot(c: &Client, name: &str) {
    if let Some(dir) = std::env::var_os("LAYERSCOPE_BROWSER_SHOTS") {
        let png = c.screenshot().await.unwrap();
        std::fs::write(Path::new(&dir).join(format!("{name}.png")), png).unwrap();
    }
}

/// The three students' pages: the library and bytes pages of the Socket.IO server on `sio`,
/// the page of the WebSocket server on `ws`.
fn pages(sio: u16, ws: u16) -> [String; 3] {
    [
        format!("http://127.0.0.1:{sio}/library"),
        format!("http://127.0.0.1:{sio}/bytes"),
        format!("http://127.0.0.1:{ws}/"),
    ]
}

fn text_of(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

#[test]
fn vendored_client_is_the_recorded_version_with_its_licence() {
    use sha1::Digest;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/lan/vendor/socket.io-client");
    let js = std::fs::read(dir.join("socket.io.min.js")).unwrap();
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let licence = std::fs::read_to_string(dir.join("LICENSE")).unwrap();
    let version = readme
        .lines()
        .find_map(|l| l.strip_prefix("- version: "))
        .expect("the README records the version");
    let head = String::from_utf8_lossy(&js[..200]).to_string();
    assert!(
        head.contains(&format!("Socket.IO v{version}")),
        "the file's banner names version {version}: {head}"
    );
    assert!(licence.contains("The MIT License") && licence.contains("Socket.IO contributors"));
    let sha: String = sha1::Sha1::digest(&js)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(
        readme.contains(&format!("sha1 of socket.io.min.js: {sha}")),
        "the file is the one recorded (sha1 {sha})"
    );
    // What the demo serves is this file, and its licence beside it.
    assert_eq!(pages::SOCKET_IO_CLIENT, &js[..]);
    assert_eq!(pages::SOCKET_IO_CLIENT_LICENSE, licence.as_bytes());
}

/// Three students on the official client's page: they join (polling, then the upgrade), one
/// emits, all three show the message; the page's raw packets carry the Info the teacher's
/// window shows; the teacher's capture holds the polling handshake, the probe, the upgrade
/// and the events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_students_chat_through_the_client_library_and_the_capture_shows_it() {
    let _turn = ONE_AT_A_TIME.lock().await;
    if !layerscope::capture::sys::has_cap_net_raw() {
        return skip("no CAP_NET_RAW: --listen-lan captures on the host's interfaces");
    }
    let driver = match Driver::start() {
        Ok(d) => d,
        Err(why) => return skip(&why),
    };
    let port = free_port();
    let out = tmp("students.pcapng");
    let p = port.to_string();
    let mut demo = Server::spawn(&[
        "demo",
        "socketio",
        "--listen-lan",
        "--pace",
        "0",
        "--port",
        &p,
        "--max-per-address",
        "64",
        "-w",
        out.to_str().unwrap(),
    ]);
    // The narration names the addresses students open: the LAN one, as printed.
    let said = demo.wait_for(|l| l.contains("students can join"));
    let url = said
        .split_whitespace()
        .find(|w| w.starts_with("http://") && !w.contains('<'))
        .map_or(format!("http://127.0.0.1:{port}/"), str::to_string);
    assert!(url.contains(&format!(":{port}/")), "{said}");

    let students = [
        driver.browser(false).await,
        driver.browser(false).await,
        driver.browser(false).await,
    ];
    for s in &students {
        s.goto(&url).await.unwrap();
    }
    for s in &students {
        until(s, CONNECTED, "the student joined").await;
        until(
            s,
            "document.getElementById('who').textContent.includes('over websocket')",
            "the client library upgraded to WebSocket",
        )
        .await;
    }
    let who = text_of(
        &students[0]
            .execute("return document.getElementById('who').textContent;", vec![])
            .await
            .unwrap(),
    );
    assert!(
        who.starts_with("You are socket ") && who.contains(" in the namespace /"),
        "{who}"
    );
    click(&students[0], "raw").await;
    // A fourth student, on the hand-written page (same server, `/bytes`), also hears it.
    let by_hand = driver.browser(false).await;
    by_hand
        .goto(&format!("{}bytes", url.split('?').next().unwrap()))
        .await
        .unwrap();
    until(&by_hand, CONNECTED, "the student on the bytes page joined").await;
    click(&by_hand, "raw").await;
    say(&students[0], "hello from the browser").await;
    for s in students.iter().chain([&by_hand]) {
        until(
            s,
            &log_has("chat message: \"hello from the browser\""),
            "every student shows the broadcast",
        )
        .await;
    }
    let by_hand_seen = frames(&by_hand).await;
    by_hand.close().await.unwrap();
    let seen = frames(&students[0]).await;
    shot(&students[0], "library-raw").await;
    assert!(
        students[0]
            .find(Locator::Id("frames-box"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap(),
        "the raw packets show when the box is ticked"
    );
    for s in students {
        s.close().await.unwrap();
    }
    drop(driver);

    // The teacher stops the demo (Ctrl-C): the capture is saved.
    // SAFETY: kill(2) on the demo this test started.
    unsafe {
        libc::kill(demo.child.id() as i32, libc::SIGINT);
    }
    assert!(demo.child.wait().unwrap().success());
    let cap = layerscope::engine::Capture::open(&out, |_, _| {}).unwrap();
    let ps: Vec<_> = (0..cap.len()).filter_map(|i| cap.packet(i)).collect();
    let infos: Vec<&str> = ps.iter().map(|p| p.summary.as_str()).collect();
    let count = |needle: &str| infos.iter().filter(|i| i.contains(needle)).count();

    // The library's way in: an Engine.IO handshake over HTTP long-polling...
    let uris: Vec<String> = ps
        .iter()
        .flat_map(|p| {
            p.fields_named("http.request.uri")
                .map(|f| f.display())
                .collect::<Vec<_>>()
        })
        .collect();
    let handshakes = uris
        .iter()
        .filter(|u| u.contains("transport=polling") && !u.contains("sid="))
        .count();
    assert!(handshakes >= 3, "three polling handshakes: {uris:?}");
    assert!(count("HTTP/1.1 200 OK, Engine.IO open") >= 3, "{infos:#?}");
    assert!(
        count("Socket.IO CONNECT /") >= 6,
        "CONNECT asked and accepted: {infos:#?}"
    );
    // ...then the WebSocket: probe, answer, upgrade (the scripted clients never probe).
    assert!(count("Engine.IO ping probe") >= 3, "{infos:#?}");
    assert!(count("Engine.IO pong probe") >= 3, "{infos:#?}");
    assert!(count("Engine.IO upgrade") >= 3, "{infos:#?}");
    // The student's emit (masked: from a browser) and the server's broadcast to all three.
    let event = "Socket.IO EVENT \"chat message\" [\"hello from the browser\"]";
    assert_eq!(count(&format!("[MASKED], {event}")), 1, "{infos:#?}");
    assert_eq!(count(&format!("[FIN], {event}")), 4, "{infos:#?}");

    // Every packet the pages listed is in the capture with the same Info.
    assert!(seen.len() >= 8, "the page listed its packets: {seen:#?}");
    assert!(by_hand_seen.len() >= 4, "{by_hand_seen:#?}");
    for (dir, line, wire, info) in seen.iter().chain(&by_hand_seen) {
        assert!(
            infos.iter().any(|i| i.contains(info.as_str())),
            "the page's `{info}` ({dir}: {line}) is the teacher's Info of a captured packet"
        );
        assert!(!wire.is_empty());
    }
    let wires: Vec<&str> = seen.iter().map(|f| f.2.as_str()).collect();
    for w in ["2probe", "3probe", "5", "40"] {
        assert!(wires.contains(&w), "the page listed {w}: {wires:?}");
    }
    assert!(
        seen.iter().any(|f| f.0 == "out"
            && f.1.contains("(websocket)")
            && f.2.starts_with("42[\"chat message\"")),
        "{seen:#?}"
    );
}

/// Markup typed into a message is shown as text on every page: nothing runs, no element is
/// made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markup_in_a_message_stays_text_on_every_page() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let driver = match Driver::start() {
        Ok(d) => d,
        Err(why) => return skip(&why),
    };
    let (sio, ws) = (free_port(), free_port());
    let _a = Server::lan("socketio", sio);
    let _b = Server::lan("websocket", ws);
    let nasty = [
        "<img src=x onerror=window.pwned=1>",
        "<script>window.pwned=2</script>",
        "<b onmouseover=window.pwned=3>bold?</b>",
    ];
    let c = driver.browser(false).await;
    for url in pages(sio, ws) {
        c.goto(&url).await.unwrap();
        until(&c, CONNECTED, &format!("{url}: joined")).await;
        click(&c, "raw").await;
        for m in nasty {
            say(&c, m).await;
            until(
                &c,
                &log_has(m),
                &format!("{url}: the message shows as text"),
            )
            .await;
        }
        let made = c
            .execute(
                "return document.querySelectorAll('#log *:not(li), #frames img, #frames script, #frames b').length;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(made, json!(0), "{url}: no element was made from a message");
        let ran = c
            .execute("return window.pwned === undefined;", vec![])
            .await
            .unwrap();
        assert_eq!(ran, json!(true), "{url}: no script ran");
    }
    c.close().await.unwrap();
}

/// The WebSocket page: its client number, a message and its echo, then Leave closes with
/// code 1000 and a reason, which the server's Close frame carries back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_page_sends_gets_the_echo_and_closes_with_a_reason() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let driver = match Driver::start() {
        Ok(d) => d,
        Err(why) => return skip(&why),
    };
    let port = free_port();
    let _server = Server::lan("websocket", port);
    let c = driver.browser(false).await;
    c.goto(&format!("http://127.0.0.1:{port}/")).await.unwrap();
    until(&c, CONNECTED, "joined").await;
    until(
        &c,
        "/^You are client \\d+ on /.test(document.getElementById('who').textContent)",
        "the page shows its client number",
    )
    .await;
    click(&c, "raw").await;
    say(&c, "hi there").await;
    until(&c, &log_has("echo: hi there"), "the echo").await;
    click(&c, "leave").await;
    let state = until(
        &c,
        "document.getElementById('state').dataset.connected === 'no' && document.getElementById('state').textContent",
        "closed",
    )
    .await;
    assert_eq!(
        text_of(&state),
        "closed (code 1000, reason \"student left\")",
        "the close code and reason"
    );
    shot(&c, "websocket-closed").await;
    let seen = frames(&c).await;
    let infos: Vec<&str> = seen.iter().map(|f| f.3.as_str()).collect();
    assert_eq!(
        infos,
        [
            "WebSocket Text [FIN]",
            "WebSocket Text [FIN] [MASKED]",
            "WebSocket Text [FIN]",
            "WebSocket Connection Close [FIN] [MASKED]",
            "WebSocket Connection Close [FIN]",
        ],
        "{seen:#?}"
    );
    c.close().await.unwrap();
}

/// On a 360x740 phone screen: no sideways scrolling, the input and its button fully on
/// screen and wide enough to type in, and the log readable after many messages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_sized_page_keeps_the_input_and_the_log_usable() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let driver = match Driver::start() {
        Ok(d) => d,
        Err(why) => return skip(&why),
    };
    let (sio, ws) = (free_port(), free_port());
    let _a = Server::lan("socketio", sio);
    let _b = Server::lan("websocket", ws);
    let c = driver.browser(true).await;
    for url in pages(sio, ws) {
        c.goto(&url).await.unwrap();
        until(&c, CONNECTED, &format!("{url}: joined")).await;
        click(&c, "raw").await;
        for i in 0..8 {
            say(
                &c,
                &format!("message {i} with a rather long word: {}", "x".repeat(60)),
            )
            .await;
        }
        until(
            &c,
            &log_has("message 7 with"),
            &format!("{url}: the last message"),
        )
        .await;
        let v = c
            .execute(
                "const r = (id) => document.getElementById(id).getBoundingClientRect(); \
                 const first = document.querySelector('#log li').getBoundingClientRect(); \
                 return { w: innerWidth, h: innerHeight, scroll: document.documentElement.scrollWidth, \
                   input: [r('msg').left, r('msg').right, r('msg').bottom, r('msg').width], \
                   send: [r('send').left, r('send').right, r('send').bottom], \
                   log: [first.top, first.bottom], font: parseFloat(getComputedStyle(document.getElementById('msg')).fontSize) };",
                vec![],
            )
            .await
            .unwrap();
        shot(&c, &format!("phone{}", url.rsplit('/').next().unwrap())).await;
        let f = |k: &str, i: usize| v[k][i].as_f64().unwrap();
        let (w, h) = (v["w"].as_f64().unwrap(), v["h"].as_f64().unwrap());
        assert_eq!((w, h), (360.0, 740.0), "{url}: the phone's viewport");
        assert!(
            v["scroll"].as_f64().unwrap() <= w,
            "{url}: no sideways scrolling: {v}"
        );
        assert!(
            f("input", 0) >= 0.0 && f("input", 1) <= w,
            "{url}: input on screen: {v}"
        );
        assert!(
            f("input", 3) >= 150.0,
            "{url}: input wide enough to type in: {v}"
        );
        assert!(f("input", 2) <= h, "{url}: input above the fold: {v}");
        assert!(
            f("send", 0) >= 0.0 && f("send", 1) <= w && f("send", 2) <= h,
            "{url}: send button on screen: {v}"
        );
        assert!(
            f("log", 0) < h,
            "{url}: the newest message is on screen: {v}"
        );
        assert!(
            v["font"].as_f64().unwrap() >= 16.0,
            "{url}: 16 px text (no zoom on focus): {v}"
        );
    }
    c.close().await.unwrap();
}

/// The server goes away and comes back on the same port: every page says it is
/// disconnected, offers Reconnect, and joins again when the student presses it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_server_restart_each_page_reconnects_when_asked() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let driver = match Driver::start() {
        Ok(d) => d,
        Err(why) => return skip(&why),
    };
    let c = driver.browser(false).await;
    for (demo, path, echo) in [
        ("socketio", "/library", "chat message: \"back again\""),
        ("socketio", "/bytes", "chat message: \"back again\""),
        ("websocket", "/", "echo: back again"),
    ] {
        let port = free_port();
        let mut server = Server::lan(demo, port);
        c.goto(&format!("http://127.0.0.1:{port}{path}"))
            .await
            .unwrap();
        until(&c, CONNECTED, &format!("{path}: joined")).await;
        server.kill();
        let state = until(
            &c,
            "document.getElementById('state').dataset.connected === 'no' && document.getElementById('state').textContent",
            &format!("{path}: the page notices"),
        )
        .await;
        assert!(text_of(&state).contains("disconnected"), "{path}: {state}");
        assert!(
            c.find(Locator::Id("reconnect"))
                .await
                .unwrap()
                .is_displayed()
                .await
                .unwrap(),
            "{path}: Reconnect is offered"
        );
        let _again = Server::lan(demo, port);
        click(&c, "reconnect").await;
        until(&c, CONNECTED, &format!("{path}: joined again")).await;
        say(&c, "back again").await;
        until(&c, &log_has(echo), &format!("{path}: the chat works again")).await;
    }
    c.close().await.unwrap();
}

/// `--join-code`: a page opened without the code says why it is not in (the code), and the
/// address with the code joins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_join_code_is_explained_and_the_code_lets_the_student_in() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let driver = match Driver::start() {
        Ok(d) => d,
        Err(why) => return skip(&why),
    };
    let (sio, ws) = (free_port(), free_port());
    let _a = Server::lan_with("socketio", sio, &["--join-code", "4821"]);
    let _b = Server::lan_with("websocket", ws, &["--join-code", "4821"]);
    let c = driver.browser(false).await;
    for base in pages(sio, ws) {
        c.goto(&base).await.unwrap();
        let state = until(
            &c,
            // Not the "connecting…" every page shows (also with `connected` "no") before it
            // hears back: the refusal's own text.
            "(s => s.dataset.connected === 'no' && !s.textContent.startsWith('connecting') && s.textContent)(document.getElementById('state'))",
            &format!("{base}: refused"),
        )
        .await;
        assert!(text_of(&state).contains("?code="), "{base}: {state}");
        c.goto(&format!("{base}?code=4821")).await.unwrap();
        until(&c, CONNECTED, &format!("{base}: joined with the code")).await;
    }
    c.close().await.unwrap();
}
