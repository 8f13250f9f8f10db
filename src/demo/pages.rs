//! The students' pages of `--listen-lan`: which file answers which path.
//!
//! Why two Socket.IO pages: the "library" page uses the official Socket.IO client
//! (vendored in `assets/lan/vendor/`, so a classroom without internet still gets it), and the
//! teacher's capture shows what students will meet in their own apps — the Engine.IO polling
//! handshake, the upgrade probe `2probe`/`3probe`, `5`, then events over the WebSocket. The
//! "bytes" page speaks Socket.IO by hand over a bare WebSocket, short enough to read whole,
//! so every byte on the wire is one the class can point at in the page's source. The teacher
//! picks which one `/` serves (`--student-page`); both stay reachable by name.
//!
//! Every page shares `page.js` (log, raw-packet list, state, Reconnect) and `explain.js`
//! (the one-line explanation of each packet, with the same Info text the teacher's window
//! shows for it). Everything is compiled into the binary: the demo serves no file from disk.

/// Which Socket.IO page students get at `/`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum StudentPage {
    /// The official Socket.IO client library: polling, then the upgrade to WebSocket.
    #[default]
    Library,
    /// Socket.IO written by hand over a bare WebSocket: every byte readable in the page.
    Bytes,
}

impl StudentPage {
    pub fn as_str(self) -> &'static str {
        match self {
            StudentPage::Library => "library",
            StudentPage::Bytes => "bytes",
        }
    }
}

/// A file the demo serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    pub content_type: &'static str,
    pub body: &'static [u8],
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// The official client, as vendored (see `assets/lan/vendor/socket.io-client/README.md`).
pub const SOCKET_IO_CLIENT: &[u8] =
    include_bytes!("../../assets/lan/vendor/socket.io-client/socket.io.min.js");
/// Its licence, served beside it.
pub const SOCKET_IO_CLIENT_LICENSE: &[u8] =
    include_bytes!("../../assets/lan/vendor/socket.io-client/LICENSE");

const LIBRARY_PAGE: &[u8] = include_bytes!("../../assets/lan/socketio-client.html");
const BYTES_PAGE: &[u8] = include_bytes!("../../assets/lan/socketio.html");
const WEBSOCKET_PAGE: &[u8] = include_bytes!("../../assets/lan/websocket.html");
const PAGE_JS: &[u8] = include_bytes!("../../assets/lan/page.js");
const EXPLAIN_JS: &[u8] = include_bytes!("../../assets/lan/explain.js");
const PAGE_CSS: &[u8] = include_bytes!("../../assets/lan/page.css");

/// What answers `target` (a request target; the query is ignored) on the WebSocket demo's
/// server (`socketio` false) or the Socket.IO demo's, whose `/` is `page`.
pub fn asset(socketio: bool, page: StudentPage, target: &str) -> Option<Asset> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    let html = |body| {
        Some(Asset {
            content_type: HTML,
            body,
        })
    };
    let js = |body| {
        Some(Asset {
            content_type: JS,
            body,
        })
    };
    match (socketio, path) {
        (_, "/page.js") => js(PAGE_JS),
        (_, "/explain.js") => js(EXPLAIN_JS),
        (_, "/page.css") => Some(Asset {
            content_type: "text/css; charset=utf-8",
            body: PAGE_CSS,
        }),
        (false, "/" | "/index.html" | "/chat") => html(WEBSOCKET_PAGE),
        (true, "/" | "/index.html") => html(match page {
            StudentPage::Library => LIBRARY_PAGE,
            StudentPage::Bytes => BYTES_PAGE,
        }),
        (true, "/library") => html(LIBRARY_PAGE),
        (true, "/bytes") => html(BYTES_PAGE),
        (true, "/vendor/socket.io.min.js") => js(SOCKET_IO_CLIENT),
        (true, "/vendor/socket.io-client/LICENSE") => Some(Asset {
            content_type: "text/plain; charset=utf-8",
            body: SOCKET_IO_CLIENT_LICENSE,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let root = |p| asset(true, p, "/?code=1234").map(|a| a.body);
        assert_eq!(root(StudentPage::Library), Some(LIBRARY_PAGE));
        assert_eq!(root(StudentPage::Bytes), Some(BYTES_PAGE));
        assert_eq!(
            asset(false, StudentPage::Library, "/").map(|a| a.body),
            Some(WEBSOCKET_PAGE)
        );
        assert_eq!(
            asset(true, StudentPage::Bytes, "/library").map(|a| a.body),
            Some(LIBRARY_PAGE)
        );
        // The WebSocket demo serves no Socket.IO client.
        assert!(asset(false, StudentPage::Library, "/vendor/socket.io.min.js").is_none());
        assert!(asset(true, StudentPage::Library, "/../Cargo.toml").is_none());
        let js = asset(true, StudentPage::Library, "/vendor/socket.io.min.js").unwrap();
        assert!(js.content_type.starts_with("text/javascript"));
    }

    /// Every script and stylesheet a page names is served.
    #[test]
    fn pages_name_only_served_files() {
        for (socketio, page) in [(true, "/library"), (true, "/bytes"), (false, "/")] {
            let body = asset(socketio, StudentPage::Library, page).unwrap().body;
            let text = std::str::from_utf8(body).unwrap();
            for attr in ["src=\"", "href=\""] {
                for part in text.split(attr).skip(1) {
                    let url = part.split('"').next().unwrap();
                    assert!(
                        asset(socketio, StudentPage::Library, url).is_some(),
                        "{page} names {url}, which is not served"
                    );
                }
            }
        }
    }
}
