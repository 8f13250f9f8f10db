//! The door of the LAN demo (`--listen-lan`): what keeps one student from breaking the
//! classroom server for everyone else.
//!
//! Why a door at all: with `--listen-lan` the WebSocket and Socket.IO servers listen on every
//! address of the teacher's computer, and anyone on the network can connect. A probe found
//! that ~1015 idle connections from one laptop exhausted the process's descriptors; `accept`
//! then failed and the old loop ended, leaving the demo serving nobody while it still said it
//! was serving. So:
//!
//! - the accept loop never ends on an error: it logs the error (once per burst), waits with a
//!   growing backoff (5 ms to 1 s) and accepts again; connections that close free descriptors;
//! - each address may hold [`Limits::per_address`] connections, the server
//!   [`Limits::max_open`] in all; past either, the connection is answered "503" and closed at
//!   once, so a flood holds no descriptors;
//! - a connection that sends nothing for [`Limits::idle`] is closed (browsers answer the
//!   servers' pings, so an open page is never idle);
//! - messages are limited in size ([`Limits::max_message`]) and rate ([`Limits::rate`] a
//!   second, bursts of [`Limits::burst`]): a broadcast chat multiplies every message by the
//!   number of students;
//! - the teacher can pause joins, kick an address (its connections close, it cannot come
//!   back until `admit`), and ask for a join code: a join without `code=` in its URL is
//!   refused (the code is shown on the teacher's screen in the address students type);
//! - every refusal and limit is counted and sent to the parent as a `# lan-status: {json}`
//!   line whenever it changes, which the window and `layerscope demo` show the teacher.

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// The LAN demo's limits (`layerscope demo --listen-lan` flags set some of them).
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Connections one address may hold at once (a browser tab uses one; a few tabs, a
    /// reload and a phone fit).
    pub per_address: u32,
    /// Connections the server holds at once, from everyone.
    pub max_open: u32,
    /// A connection that sends nothing for this long is closed.
    pub idle: Duration,
    /// Bytes of one message (WebSocket message, Socket.IO packet).
    pub max_message: usize,
    /// Messages a connection may send a second, on average...
    pub rate: u32,
    /// ...and at once.
    pub burst: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_address: 8,
            max_open: 256,
            idle: Duration::from_secs(120),
            max_message: 64 << 10,
            rate: 5,
            burst: 20,
        }
    }
}

/// How the LAN demo's door is set up.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LanOptions {
    pub limits: Limits,
    /// Joins must carry `code=<this>` in their URL.
    pub join_code: Option<String>,
    /// Listen on this port instead of the demo's usual one (0: any free port).
    pub port: Option<u16>,
    /// The Socket.IO page students get at `/` (see [`super::pages`]).
    pub page: super::pages::StudentPage,
}

/// What the door counted, as the teacher sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanStatus {
    /// Connections open now.
    pub open: u64,
    /// Connections let in since the start.
    pub joined: u64,
    pub refused_per_address: u64,
    pub refused_full: u64,
    pub refused_paused: u64,
    pub refused_kicked: u64,
    pub refused_code: u64,
    /// Connections closed for sending nothing for the idle time.
    pub idle_closed: u64,
    /// Messages dropped for coming too fast.
    pub rate_dropped: u64,
    /// Connections closed for a message over the size limit.
    pub too_big: u64,
    /// `accept` calls that failed (descriptors exhausted...), each retried.
    pub accept_errors: u64,
    pub kicked: u64,
    /// Joins are paused by the teacher.
    pub paused: bool,
    /// Open connections by address, busiest first.
    pub clients: Vec<(String, u32)>,
    /// Addresses kicked out for the rest of the demo.
    pub banned: Vec<String>,
    /// The join code, when one is asked for.
    pub join_code: Option<String>,
    /// The addresses students open (join code included), one per network address of this
    /// computer: the window and the terminal show the first as a QR code.
    #[serde(default)]
    pub urls: Vec<String>,
}

impl LanStatus {
    /// One line for the teacher's terminal.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{} from {}",
            crate::model::count(self.open, "connection"),
            crate::model::count_irregular(self.clients.len(), "address", "addresses")
        );
        if self.paused {
            s.push_str(", joins paused");
        }
        let mut refused = Vec::new();
        for (n, why) in [
            (self.refused_per_address, "over the per-address limit"),
            (self.refused_full, "server full"),
            (self.refused_paused, "joins paused"),
            (self.refused_kicked, "kicked address"),
            (self.refused_code, "wrong or missing join code"),
        ] {
            if n > 0 {
                refused.push(format!("{n} {why}"));
            }
        }
        if !refused.is_empty() {
            s.push_str(&format!("; refused: {}", refused.join(", ")));
        }
        let mut closed = Vec::new();
        for (n, why) in [
            (self.idle_closed, "idle"),
            (self.too_big, "message too big"),
            (self.kicked, "kicked"),
        ] {
            if n > 0 {
                closed.push(format!("{n} {why}"));
            }
        }
        if !closed.is_empty() {
            s.push_str(&format!("; closed: {}", closed.join(", ")));
        }
        if self.rate_dropped > 0 {
            s.push_str(&format!(
                "; {} dropped for coming too fast",
                crate::model::count(self.rate_dropped, "message")
            ));
        }
        if self.accept_errors > 0 {
            s.push_str(&format!(
                "; {} failed and retried",
                crate::model::count(self.accept_errors, "accept")
            ));
        }
        s
    }
}

/// Why the door refused a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    PerAddress,
    Full,
    Paused,
    Kicked,
}

#[derive(Default)]
struct Inner {
    by_addr: HashMap<IpAddr, u32>,
    conns: HashMap<u64, (IpAddr, Arc<Notify>)>,
    banned: HashSet<IpAddr>,
    next: u64,
    open: u32,
}

#[derive(Default)]
struct Counters {
    joined: AtomicU64,
    refused_per_address: AtomicU64,
    refused_full: AtomicU64,
    refused_paused: AtomicU64,
    refused_kicked: AtomicU64,
    refused_code: AtomicU64,
    idle_closed: AtomicU64,
    rate_dropped: AtomicU64,
    too_big: AtomicU64,
    accept_errors: AtomicU64,
    kicked: AtomicU64,
}

/// The door: who is in, what was refused, the teacher's switches.
pub struct Doorman {
    pub limits: Limits,
    join_code: Option<String>,
    paused: AtomicBool,
    /// The addresses students open, set when the demo starts serving.
    urls: Mutex<Vec<String>>,
    inner: Mutex<Inner>,
    c: Counters,
}

/// A connection let in: holds its place until dropped. `kill` fires when the teacher kicks
/// its address.
pub struct Pass {
    door: Arc<Doorman>,
    id: u64,
    addr: IpAddr,
    pub kill: Arc<Notify>,
}

impl Drop for Pass {
    fn drop(&mut self) {
        if let Ok(mut g) = self.door.inner.lock() {
            g.conns.remove(&self.id);
            g.open = g.open.saturating_sub(1);
            if let Some(n) = g.by_addr.get_mut(&self.addr) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    g.by_addr.remove(&self.addr);
                }
            }
        }
    }
}

/// The demo's own scripted clients (127.0.0.1, ::1): never paused out.
fn is_the_demo(a: IpAddr) -> bool {
    a == IpAddr::from([127, 0, 0, 1]) || a == IpAddr::from(std::net::Ipv6Addr::LOCALHOST)
}

static DOOR: OnceLock<Arc<Doorman>> = OnceLock::new();

/// The process's door (the demo child serves one LAN demo), set up by [`install`].
pub fn door() -> Arc<Doorman> {
    DOOR.get_or_init(|| Arc::new(Doorman::new(Limits::default(), None)))
        .clone()
}

static PORT: OnceLock<u16> = OnceLock::new();
static PAGE: OnceLock<super::pages::StudentPage> = OnceLock::new();

/// Set up the process's door once, before the servers start.
pub fn install(o: &LanOptions) {
    let _ = DOOR.set(Arc::new(Doorman::new(
        o.limits.clone(),
        o.join_code.clone(),
    )));
    if let Some(p) = o.port {
        let _ = PORT.set(p);
    }
    let _ = PAGE.set(o.page);
}

/// The Socket.IO page students get at `/`.
pub fn student_page() -> super::pages::StudentPage {
    PAGE.get().copied().unwrap_or_default()
}

/// The port to listen on: the one asked for (`--port`), else the demo's own.
pub fn port_or(default: u16) -> u16 {
    PORT.get().copied().unwrap_or(default)
}

/// `?code=4821` (with `sep` first) when a join code is asked for, else nothing: what the
/// demo's own clients and the addresses shown to students carry.
pub fn code_query(sep: &str) -> String {
    door()
        .join_code()
        .map_or(String::new(), |c| format!("{sep}code={c}"))
}

impl Doorman {
    pub fn new(limits: Limits, join_code: Option<String>) -> Self {
        Doorman {
            limits,
            join_code: join_code.filter(|c| !c.is_empty()),
            paused: AtomicBool::new(false),
            urls: Mutex::new(Vec::new()),
            inner: Mutex::new(Inner::default()),
            c: Counters::default(),
        }
    }

    /// Set the addresses students open (reported in [`LanStatus::urls`]).
    pub fn set_urls(&self, urls: Vec<String>) {
        if let Ok(mut u) = self.urls.lock() {
            *u = urls;
        }
    }

    /// Let a connection from `addr` in, or say why not (counted).
    pub fn admit(self: &Arc<Self>, addr: IpAddr) -> Result<Pass, Refused> {
        let Ok(mut g) = self.inner.lock() else {
            return Err(Refused::Full);
        };
        let refused = if g.banned.contains(&addr) {
            Some((Refused::Kicked, &self.c.refused_kicked))
        } else if self.paused.load(Ordering::SeqCst) && !is_the_demo(addr) {
            Some((Refused::Paused, &self.c.refused_paused))
        } else if g.open >= self.limits.max_open {
            Some((Refused::Full, &self.c.refused_full))
        } else if g.by_addr.get(&addr).copied().unwrap_or(0) >= self.limits.per_address {
            Some((Refused::PerAddress, &self.c.refused_per_address))
        } else {
            None
        };
        if let Some((why, n)) = refused {
            n.fetch_add(1, Ordering::Relaxed);
            return Err(why);
        }
        g.next += 1;
        let id = g.next;
        let kill = Arc::new(Notify::new());
        g.conns.insert(id, (addr, kill.clone()));
        *g.by_addr.entry(addr).or_default() += 1;
        g.open += 1;
        self.c.joined.fetch_add(1, Ordering::Relaxed);
        Ok(Pass {
            door: self.clone(),
            id,
            addr,
            kill,
        })
    }

    /// Whether a join's URL (path and query) carries the join code, when one is asked for
    /// (counted when it does not).
    pub fn code_ok(&self, uri: &str) -> bool {
        let Some(code) = &self.join_code else {
            return true;
        };
        let query = uri.split_once('?').map_or("", |(_, q)| q);
        let ok = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .any(|(k, v)| k == "code" && v == code);
        if !ok {
            self.c.refused_code.fetch_add(1, Ordering::Relaxed);
        }
        ok
    }

    pub fn join_code(&self) -> Option<&str> {
        self.join_code.as_deref()
    }

    pub fn set_paused(&self, paused: bool) {
        self.paused.store(paused, Ordering::SeqCst);
    }

    /// Close every connection from `addr` and refuse it from now on. Returns how many were
    /// closed.
    pub fn kick(&self, addr: IpAddr) -> usize {
        let Ok(mut g) = self.inner.lock() else {
            return 0;
        };
        g.banned.insert(addr);
        let mut n = 0;
        for (a, kill) in g.conns.values() {
            if *a == addr {
                kill.notify_one();
                n += 1;
            }
        }
        self.c.kicked.fetch_add(n as u64, Ordering::Relaxed);
        n
    }

    /// Let a kicked address back in.
    pub fn unban(&self, addr: IpAddr) {
        if let Ok(mut g) = self.inner.lock() {
            g.banned.remove(&addr);
        }
    }

    pub fn count_idle(&self) {
        self.c.idle_closed.fetch_add(1, Ordering::Relaxed);
    }

    pub fn count_rate_dropped(&self) {
        self.c.rate_dropped.fetch_add(1, Ordering::Relaxed);
    }

    pub fn count_too_big(&self) {
        self.c.too_big.fetch_add(1, Ordering::Relaxed);
    }

    fn count_accept_error(&self) {
        self.c.accept_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// What the door counted so far.
    pub fn status(&self) -> LanStatus {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let (open, mut clients, mut banned) = match self.inner.lock() {
            Ok(g) => (
                u64::from(g.open),
                g.by_addr
                    .iter()
                    .map(|(a, n)| (a.to_string(), *n))
                    .collect::<Vec<_>>(),
                g.banned.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
            ),
            Err(_) => (0, Vec::new(), Vec::new()),
        };
        clients.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        banned.sort();
        LanStatus {
            open,
            joined: get(&self.c.joined),
            refused_per_address: get(&self.c.refused_per_address),
            refused_full: get(&self.c.refused_full),
            refused_paused: get(&self.c.refused_paused),
            refused_kicked: get(&self.c.refused_kicked),
            refused_code: get(&self.c.refused_code),
            idle_closed: get(&self.c.idle_closed),
            rate_dropped: get(&self.c.rate_dropped),
            too_big: get(&self.c.too_big),
            accept_errors: get(&self.c.accept_errors),
            kicked: get(&self.c.kicked),
            paused: self.paused.load(Ordering::SeqCst),
            clients,
            banned,
            join_code: self.join_code.clone(),
            urls: self.urls.lock().map(|u| u.clone()).unwrap_or_default(),
        }
    }

    /// Apply a teacher's command (`pause-joins`, `resume-joins`, `kick ADDR`, `admit ADDR`);
    /// false when `line` is not one.
    pub fn command(&self, line: &str) -> bool {
        let line = line.trim();
        match line {
            "pause-joins" => self.set_paused(true),
            "resume-joins" => self.set_paused(false),
            _ => {
                if let Some(a) = line.strip_prefix("kick ") {
                    if let Ok(a) = a.trim().parse() {
                        self.kick(a);
                    }
                } else if let Some(a) = line.strip_prefix("admit ") {
                    if let Ok(a) = a.trim().parse() {
                        self.unban(a);
                    }
                } else {
                    return false;
                }
            }
        }
        true
    }
}

/// A token bucket: [`Limits::rate`] messages a second, bursts of [`Limits::burst`].
pub struct Bucket {
    tokens: f64,
    at: Instant,
    rate: f64,
    burst: f64,
}

impl Bucket {
    pub fn new(l: &Limits) -> Self {
        Bucket {
            tokens: f64::from(l.burst),
            at: Instant::now(),
            rate: f64::from(l.rate),
            burst: f64::from(l.burst),
        }
    }

    /// Take one message's token; false when the sender is over the rate.
    pub fn take(&mut self) -> bool {
        let now = Instant::now();
        let dt = now.duration_since(self.at).as_secs_f64();
        self.at = now;
        self.tokens = (self.tokens + dt * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// A clock of a connection's last received byte, for the idle timeout.
#[derive(Clone)]
pub struct Activity(Arc<(Instant, AtomicU64)>);

impl Default for Activity {
    fn default() -> Self {
        Activity(Arc::new((Instant::now(), AtomicU64::new(0))))
    }
}

impl Activity {
    pub fn touch(&self) {
        let ms = self.0 .0.elapsed().as_millis() as u64;
        self.0 .1.store(ms, Ordering::Relaxed);
    }

    fn quiet_for(&self) -> Duration {
        let now = self.0 .0.elapsed().as_millis() as u64;
        Duration::from_millis(now.saturating_sub(self.0 .1.load(Ordering::Relaxed)))
    }

    /// Return once nothing was received for `idle`.
    pub async fn idle(&self, idle: Duration) {
        loop {
            let quiet = self.quiet_for();
            if quiet >= idle {
                return;
            }
            tokio::time::sleep(idle - quiet + Duration::from_millis(10)).await;
        }
    }
}

/// A TCP stream that stamps its [`Activity`] on every read (so the idle timeout sees bytes
/// from a client whatever protocol the connection speaks).
pub struct Watched {
    inner: TcpStream,
    seen: Activity,
}

impl Watched {
    pub fn new(inner: TcpStream, seen: Activity) -> Self {
        Watched { inner, seen }
    }

    pub fn get_ref(&self) -> &TcpStream {
        &self.inner
    }
}

impl tokio::io::AsyncRead for Watched {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.seen.touch();
        }
        r
    }
}

impl tokio::io::AsyncWrite for Watched {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Accept connections on `listener` for as long as the demo runs: each one the door lets in
/// runs `handle` on its own task, until it ends, its address is kicked or it goes idle; the
/// others are answered 503 and closed. Errors of `accept` (EMFILE when descriptors run out,
/// ECONNABORTED...) are counted, said once per burst, and retried after a backoff: they never
/// end the loop.
pub async fn accept_loop<F, Fut>(listener: TcpListener, door: Arc<Doorman>, handle: F)
where
    F: Fn(Watched, Pass) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let mut backoff = Duration::from_millis(5);
    let mut failing = false;
    loop {
        match listener.accept().await {
            Ok((tcp, peer)) => {
                if failing {
                    super::say_raw("# lan: accepting connections again");
                    failing = false;
                }
                backoff = Duration::from_millis(5);
                let _ = tcp.set_nodelay(true);
                match door.admit(peer.ip()) {
                    Ok(pass) => {
                        let seen = Activity::default();
                        let idle = door.limits.idle;
                        let kill = pass.kill.clone();
                        let door = door.clone();
                        let work = handle(Watched::new(tcp, seen.clone()), pass);
                        tokio::spawn(async move {
                            tokio::select! {
                                () = work => {}
                                () = kill.notified() => {}
                                () = seen.idle(idle) => door.count_idle(),
                            }
                        });
                    }
                    Err(why) => refuse(&tcp, why),
                }
            }
            Err(e) => {
                door.count_accept_error();
                if !failing {
                    super::say_raw(&format!(
                        "# lan: accepting a connection failed ({e}); retrying (the server keeps running)"
                    ));
                    failing = true;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
    }
}

/// Say why, in one HTTP answer a browser shows, without waiting for the client (a flood must
/// not hold descriptors), and close.
fn refuse(tcp: &TcpStream, why: Refused) {
    let text = match why {
        Refused::PerAddress => "Too many connections from your computer: close some tabs.",
        Refused::Full => "The classroom server is full.",
        Refused::Paused => "The teacher has paused joining for now.",
        Refused::Kicked => "The teacher has closed this computer's connections.",
    };
    let resp = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
    let _ = tcp.try_write(resp.as_bytes());
}

/// Send the parent a `# lan-status:` line each time the counts change (checked every
/// 500 ms), for as long as the demo runs.
pub async fn report(door: Arc<Doorman>) {
    let mut last = None;
    loop {
        let s = door.status();
        if last.as_ref() != Some(&s) {
            if let Ok(j) = serde_json::to_string(&s) {
                super::say_raw(&format!("# lan-status: {j}"));
            }
            last = Some(s);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// A join code of four digits, for `--join-code` without a value.
pub fn random_code() -> String {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
        ^ std::process::id().rotate_left(13);
    format!("{:04}", seed % 10_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn one_address_cannot_take_every_place() {
        let d = Arc::new(Doorman::new(
            Limits {
                per_address: 2,
                max_open: 3,
                ..Limits::default()
            },
            None,
        ));
        let a = d.admit(ip("10.0.0.5")).unwrap();
        let _b = d.admit(ip("10.0.0.5")).unwrap();
        assert_eq!(d.admit(ip("10.0.0.5")).err(), Some(Refused::PerAddress));
        let _c = d.admit(ip("10.0.0.6")).unwrap();
        assert_eq!(d.admit(ip("10.0.0.7")).err(), Some(Refused::Full));
        drop(a);
        assert!(
            d.admit(ip("10.0.0.5")).is_ok(),
            "a closed connection frees its place"
        );
        let s = d.status();
        assert_eq!((s.refused_per_address, s.refused_full, s.joined), (1, 1, 4));
        assert!(
            s.describe().contains("1 over the per-address limit"),
            "{}",
            s.describe()
        );
    }

    #[test]
    fn the_teacher_pauses_kicks_and_asks_for_a_code() {
        let d = Arc::new(Doorman::new(Limits::default(), Some("4821".into())));
        let p = d.admit(ip("10.0.0.5")).unwrap();
        assert!(d.command("kick 10.0.0.5"));
        // The kicked connection's task is told to stop; the address stays out.
        let waiter = p.kill.clone();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(1), waiter.notified())
                .await
                .expect("kick wakes the connection");
        });
        assert_eq!(d.admit(ip("10.0.0.5")).err(), Some(Refused::Kicked));
        assert!(d.command("admit 10.0.0.5"));
        assert!(d.admit(ip("10.0.0.5")).is_ok());
        assert!(d.command("pause-joins"));
        assert_eq!(d.admit(ip("10.0.0.9")).err(), Some(Refused::Paused));
        assert!(d.admit(ip("127.0.0.1")).is_ok(), "the demo's own clients");
        assert!(d.command("resume-joins"));
        assert!(!d.command("next"));
        assert!(d.code_ok("/socket.io/?EIO=4&transport=websocket&code=4821"));
        assert!(!d.code_ok("/socket.io/?EIO=4&transport=websocket"));
        assert!(!d.code_ok("/chat?code=4822"));
        let s = d.status();
        assert_eq!(
            (s.kicked, s.refused_kicked, s.refused_paused, s.refused_code),
            (1, 1, 1, 2)
        );
        assert_eq!(s.join_code.as_deref(), Some("4821"));
    }

    #[test]
    fn buckets_allow_bursts_then_the_rate() {
        let mut b = Bucket::new(&Limits {
            rate: 1,
            burst: 3,
            ..Limits::default()
        });
        assert!(b.take() && b.take() && b.take());
        assert!(!b.take(), "the burst is spent");
    }

    #[test]
    fn status_lines_round_trip() {
        let s = LanStatus {
            open: 2,
            clients: vec![("10.0.0.5".into(), 2)],
            ..LanStatus::default()
        };
        let j = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<LanStatus>(&j).unwrap(), s);
        assert_eq!(random_code().len(), 4);
    }
}
