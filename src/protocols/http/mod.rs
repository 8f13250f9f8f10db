//! HTTP/1.1 message heads (httparse) and bodies, as layers with byte ranges.
//!
//! Stateless like the other decoders: the flow pass uses [`parse_head`] to find where a head
//! ends and how long its body is; [`http_layer`] turns stored message bytes into fields when a
//! packet is shown.

use crate::model::{Base, Layer, Protocol, Text, Value};

pub(crate) mod layers;
mod stream;

crate::field_def!(
    HTTP_REQUEST,
    "http.request",
    "Request",
    Base::None,
    "This is an HTTP request: a client asking a server for something."
);
crate::field_def!(
    HTTP_RESPONSE,
    "http.response",
    "Response",
    Base::None,
    "This is an HTTP response: the server's answer."
);
crate::field_def!(
    HTTP_METHOD,
    "http.request.method",
    "Method",
    Base::None,
    "What the client wants done: GET fetches a resource, POST sends data for the server to process."
);
crate::field_def!(
    HTTP_URI,
    "http.request.uri",
    "Request URI",
    Base::None,
    "Which resource on the server the request is about."
);
crate::field_def!(
    HTTP_REQ_VERSION,
    "http.request.version",
    "Request version",
    Base::None,
    "HTTP version the client speaks."
);
crate::field_def!(
    HTTP_RESP_VERSION,
    "http.response.version",
    "Response version",
    Base::None,
    "HTTP version the server answers in."
);
crate::field_def!(
    HTTP_CODE,
    "http.response.code",
    "Status code",
    Base::Dec,
    "The outcome: 200 OK, 101 Switching Protocols, 404 Not Found..."
);
crate::field_def!(
    HTTP_PHRASE,
    "http.response.phrase",
    "Response phrase",
    Base::None,
    "The status in words (only for humans; programs read the code)."
);
crate::field_def!(
    HTTP_REQ_LINE,
    "http.request.line",
    "Header line",
    Base::None,
    "One header of the request: a name, a colon, a value."
);
crate::field_def!(
    HTTP_RESP_LINE,
    "http.response.line",
    "Header line",
    Base::None,
    "One header of the response: a name, a colon, a value."
);
crate::field_def!(
    HTTP_HOST,
    "http.host",
    "Host",
    Base::None,
    "Which site the client wants (one server can host many)."
);
crate::field_def!(
    HTTP_UA,
    "http.user_agent",
    "User-Agent",
    Base::None,
    "The client program making the request."
);
crate::field_def!(
    HTTP_CONNECTION,
    "http.connection",
    "Connection",
    Base::None,
    "Options for this connection only, not forwarded by proxies: close, keep-alive, Upgrade."
);
crate::field_def!(
    HTTP_UPGRADE,
    "http.upgrade",
    "Upgrade",
    Base::None,
    "The protocols the client asks to switch this connection to, most preferred first (websocket)."
);
crate::field_def!(
    HTTP_UPGRADE_RESPONSE,
    "http.upgrade",
    "Upgrade",
    Base::None,
    "The protocol the server is switching this connection to (in a 101; elsewhere, ones it supports)."
);
crate::field_def!(
    HTTP_CONTENT_LENGTH,
    "http.content_length",
    "Content-Length",
    Base::Dec,
    "How many body bytes follow the head (a response to HEAD, or a 304, states a size but has no body)."
);
crate::field_def!(
    HTTP_CONTENT_TYPE,
    "http.content_type",
    "Content-Type",
    Base::None,
    "What kind of data the body is."
);
crate::field_def!(
    HTTP_TRANSFER_ENCODING,
    "http.transfer_encoding",
    "Transfer-Encoding",
    Base::None,
    "'chunked': the body comes in chunks, each preceded by its size in hex; a last chunk of size 0 ends it."
);
crate::field_def!(WS_KEY_HDR, "http.sec_websocket_key", "Sec-WebSocket-Key", Base::None, "A random 16-byte nonce, base64-encoded; the server proves it read this WebSocket handshake by transforming it.");
crate::field_def!(
    WS_ACCEPT_HDR,
    "http.sec_websocket_accept",
    "Sec-WebSocket-Accept",
    Base::None,
    "The server's proof: base64(SHA-1(the key text as sent + fixed GUID)); the key is not base64-decoded first."
);
crate::field_def!(
    WS_ACCEPT_EXPECTED,
    "http.sec_websocket_accept.expected",
    "Expected Sec-WebSocket-Accept",
    Base::None,
    "What the accept value must be for the client's key (computed by layerscope)."
);
crate::field_def!(
    WS_ACCEPT_OK,
    "http.sec_websocket_accept.valid",
    "Accept value correct",
    Base::None,
    "Whether the server's accept value matches the computation."
);
crate::field_def!(
    WS_VERSION_HDR,
    "http.sec_websocket_version",
    "Sec-WebSocket-Version",
    Base::None,
    "WebSocket protocol version (13)."
);
crate::field_def!(
    WS_PROTOCOL_HDR,
    "http.sec_websocket_protocol",
    "Sec-WebSocket-Protocol",
    Base::None,
    "Application subprotocol over WebSocket: the client lists those it accepts, the server echoes the one it picks."
);
crate::field_def!(
    WS_EXT_HDR,
    "http.sec_websocket_extensions",
    "Sec-WebSocket-Extensions",
    Base::None,
    "Extensions and their parameters, e.g. permessage-deflate (compression)."
);
crate::field_def!(
    HTTP_BODY,
    "http.file_data",
    "Body",
    Base::None,
    "The message body."
);
crate::field_def!(
    HTTP_CHUNK_SIZE,
    "http.chunk_size",
    "Chunk size",
    Base::Dec,
    "Size of this chunk's data in bytes, written in hex; a chunk-size of 0 marks the last chunk."
);
crate::field_def!(
    HTTP_REQUEST_IN,
    "http.request_in",
    "Request in packet",
    Base::Dec,
    "The packet with the request this response answers."
);
crate::field_def!(
    HTTP_RESPONSE_IN,
    "http.response_in",
    "Response in packet",
    Base::Dec,
    "The packet with the response to this request."
);

/// What a complete head says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Head {
    pub request: bool,
    pub head_len: usize,
    pub method: String,
    pub uri: String,
    pub code: u16,
    pub reason: String,
    pub content_length: Option<u64>,
    pub chunked: bool,
    /// `Upgrade: websocket` (case-insensitive).
    pub upgrade_websocket: bool,
    pub ws_key: Option<String>,
    pub ws_accept: Option<String>,
    pub ws_extensions: Option<String>,
    pub ws_protocol: Option<String>,
}

/// Result of trying to read a head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadParse {
    Partial,
    Complete(Head),
    Invalid(String),
}

/// Does this look like the start of an HTTP request or response?
pub fn looks_like_http(b: &[u8], request: bool) -> bool {
    if request {
        const METHODS: [&[u8]; 9] = [
            b"GET ",
            b"POST ",
            b"PUT ",
            b"HEAD ",
            b"DELETE ",
            b"OPTIONS ",
            b"PATCH ",
            b"CONNECT ",
            b"TRACE ",
        ];
        METHODS
            .iter()
            .any(|m| b.starts_with(m) || (b.len() < m.len() && m.starts_with(b)))
    } else {
        b.starts_with(b"HTTP/1.") || (b.len() < 7 && b"HTTP/1.".starts_with(b))
    }
}

const MAX_HEADERS: usize = 64;

/// The headers a head's facts come from, in the order of [`header_values`]' answer.
const FACT_HEADERS: [&str; 7] = [
    "content-length",
    "transfer-encoding",
    "upgrade",
    "sec-websocket-key",
    "sec-websocket-accept",
    "sec-websocket-extensions",
    "sec-websocket-protocol",
];

/// The first value of each of [`FACT_HEADERS`] (trimmed), in one pass over the headers.
fn header_values(headers: &[httparse::Header<'_>]) -> [Option<String>; 7] {
    let mut found: [Option<&[u8]>; 7] = [None; 7];
    // httparse fills the array from the front; the rest keep an empty name.
    for h in headers.iter().take_while(|h| !h.name.is_empty()) {
        for (slot, name) in found.iter_mut().zip(FACT_HEADERS) {
            if slot.is_none() && h.name.len() == name.len() && h.name.eq_ignore_ascii_case(name) {
                *slot = Some(h.value);
                break;
            }
        }
    }
    found.map(|v| v.map(|v| String::from_utf8_lossy(v).trim().to_string()))
}

/// Parse a request or response head from the start of `b`.
pub fn parse_head(b: &[u8], request: bool) -> HeadParse {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    match parse_head_in(b, request, &mut headers) {
        // More headers than the usual array holds (RFC 9110 sets no limit; tshark decodes
        // such heads): again with room for every line of the head.
        HeadParse::Invalid(_) if too_many_headers(b, request) => {
            let lines = b.windows(2).filter(|w| w == b"\r\n").count() + 1;
            let mut more = vec![httparse::EMPTY_HEADER; lines];
            parse_head_in(b, request, &mut more)
        }
        other => other,
    }
}

/// Whether httparse stops at `b` only for want of header slots.
fn too_many_headers(b: &[u8], request: bool) -> bool {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let e = if request {
        httparse::Request::new(&mut headers).parse(b).err()
    } else {
        httparse::Response::new(&mut headers).parse(b).err()
    };
    e == Some(httparse::Error::TooManyHeaders)
}

fn parse_head_in<'h, 'b: 'h>(
    b: &'b [u8],
    request: bool,
    headers: &'h mut [httparse::Header<'b>],
) -> HeadParse {
    let mut head = Head {
        request,
        ..Head::default()
    };
    let status = if request {
        let mut r = httparse::Request::new(headers);
        match r.parse(b) {
            Ok(httparse::Status::Complete(n)) => {
                head.method = r.method.unwrap_or("").to_string();
                head.uri = r.path.unwrap_or("").to_string();
                head.head_len = n;
                Ok(Some(r.headers))
            }
            Ok(httparse::Status::Partial) => Ok(None),
            Err(e) => Err(e),
        }
    } else {
        let mut r = httparse::Response::new(headers);
        match r.parse(b) {
            Ok(httparse::Status::Complete(n)) => {
                head.code = r.code.unwrap_or(0);
                head.reason = r.reason.unwrap_or("").to_string();
                head.head_len = n;
                Ok(Some(r.headers))
            }
            Ok(httparse::Status::Partial) => Ok(None),
            Err(e) => Err(e),
        }
    };
    match status {
        Ok(None) => HeadParse::Partial,
        Err(e) => HeadParse::Invalid(format!("not a valid HTTP head: {e}")),
        Ok(Some(headers)) => {
            let [length, encoding, upgrade, key, accept, extensions, protocol] =
                header_values(headers);
            head.content_length = length.and_then(|v| v.parse().ok());
            head.chunked = encoding.is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
            head.upgrade_websocket = upgrade.is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
            head.ws_key = key;
            head.ws_accept = accept;
            head.ws_extensions = extensions;
            head.ws_protocol = protocol;
            HeadParse::Complete(head)
        }
    }
}

/// Extra facts about an HTTP message that need context (pairing, the client's key).
#[derive(Debug, Clone, Default)]
pub struct HttpContext {
    /// For a response: the request's packet number; for a request: the response's.
    pub pair_packet: Option<u64>,
    /// For a 101 response: the client's Sec-WebSocket-Key.
    pub client_key: Option<String>,
}

/// Build the HTTP layer for a message whose bytes are `msg` (head + stored body), placed at
/// `base` in the layer's byte space.
pub fn http_layer(msg: &[u8], base: usize, ctx: &HttpContext) -> Option<Layer> {
    let request = !msg.starts_with(b"HTTP/");
    let HeadParse::Complete(head) = parse_head(msg, request) else {
        return None;
    };
    let mut l = Layer::new(Protocol::Http, base, msg.len());
    l.push(
        if request {
            &HTTP_REQUEST
        } else {
            &HTTP_RESPONSE
        },
        Value::Bool(true),
        base,
        0,
    );
    // First line: method/URI/version or version/code/phrase, with their ranges.
    let line_end = msg
        .windows(2)
        .position(|w| w == b"\r\n")
        .unwrap_or(msg.len());
    let line = &msg[..line_end];
    let parts: Vec<(usize, &[u8])> = split_spaces(line, 3);
    if request {
        for (i, (off, part)) in parts.iter().enumerate() {
            let def = match i {
                0 => &HTTP_METHOD,
                1 => &HTTP_URI,
                _ => &HTTP_REQ_VERSION,
            };
            l.push(
                def,
                Value::str(&String::from_utf8_lossy(part)),
                base + off,
                part.len(),
            );
        }
    } else {
        for (i, (off, part)) in parts.iter().enumerate() {
            match i {
                0 => l.push(
                    &HTTP_RESP_VERSION,
                    Value::str(&String::from_utf8_lossy(part)),
                    base + off,
                    part.len(),
                ),
                1 => {
                    l.push(
                        &HTTP_CODE,
                        Value::U64(u64::from(head.code)),
                        base + off,
                        part.len(),
                    );
                }
                _ => {
                    let rest = &line[*off..];
                    l.push(
                        &HTTP_PHRASE,
                        Value::str(&String::from_utf8_lossy(rest)),
                        base + off,
                        rest.len(),
                    );
                }
            }
        }
    }
    // Header lines.
    let mut pos = line_end + 2;
    let end = head.head_len.saturating_sub(2);
    while pos < end {
        let Some(rel) = msg[pos..end]
            .windows(2)
            .position(|w| w == b"\r\n")
            .or(Some(end - pos))
        else {
            break;
        };
        let hl = &msg[pos..pos + rel];
        let text = String::from_utf8_lossy(hl).to_string();
        l.push(
            if request {
                &HTTP_REQ_LINE
            } else {
                &HTTP_RESP_LINE
            },
            Value::str(&text),
            base + pos,
            hl.len(),
        );
        if let Some(colon) = hl.iter().position(|&c| c == b':') {
            let name = String::from_utf8_lossy(&hl[..colon]).to_ascii_lowercase();
            let vstart = colon + 1 + hl[colon + 1..].iter().take_while(|c| **c == b' ').count();
            let value = String::from_utf8_lossy(&hl[vstart..]).trim().to_string();
            let voff = base + pos + vstart;
            let vlen = hl.len() - vstart;
            // Upgrade means "I offer" in a request and "I switch to" in a response.
            let upgrade_def = if request {
                &HTTP_UPGRADE
            } else {
                &HTTP_UPGRADE_RESPONSE
            };
            let def = match name.as_str() {
                "host" => Some(&HTTP_HOST),
                "user-agent" => Some(&HTTP_UA),
                "connection" => Some(&HTTP_CONNECTION),
                "upgrade" => Some(upgrade_def),
                "content-type" => Some(&HTTP_CONTENT_TYPE),
                "transfer-encoding" => Some(&HTTP_TRANSFER_ENCODING),
                "sec-websocket-key" => Some(&WS_KEY_HDR),
                "sec-websocket-accept" => Some(&WS_ACCEPT_HDR),
                "sec-websocket-version" => Some(&WS_VERSION_HDR),
                "sec-websocket-protocol" => Some(&WS_PROTOCOL_HDR),
                "sec-websocket-extensions" => Some(&WS_EXT_HDR),
                _ => None,
            };
            if let Some(def) = def {
                l.push(def, Value::str(&value), voff, vlen);
                l.nest(1);
            }
            if name == "content-length" {
                if let Ok(n) = value.parse::<u64>() {
                    l.push(&HTTP_CONTENT_LENGTH, Value::U64(n), voff, vlen);
                    l.nest(1);
                }
            }
            if name == "sec-websocket-accept" {
                if let Some(key) = &ctx.client_key {
                    let expected = super::websocket::accept_key(key);
                    let ok = expected == value;
                    l.push_text(
                        &WS_ACCEPT_EXPECTED,
                        Value::str(&expected),
                        || {
                            format!(
                                "{expected} = base64(SHA-1(\"{key}\" + \"{}\"))",
                                super::websocket::WS_GUID
                            )
                        },
                        voff,
                        vlen,
                    );
                    l.nest(2);
                    l.push(&WS_ACCEPT_OK, Value::Bool(ok), voff, vlen);
                    l.set_text(Text::Owned(
                        if ok {
                            "Correct: the server understood the WebSocket handshake"
                        } else {
                            "WRONG: a real client would refuse this connection"
                        }
                        .into(),
                    ));
                    l.nest(2);
                }
            }
        }
        pos += rel + 2;
    }
    if let Some(p) = ctx.pair_packet {
        l.push(
            if request {
                &HTTP_RESPONSE_IN
            } else {
                &HTTP_REQUEST_IN
            },
            Value::U64(p),
            base,
            0,
        );
    }
    if msg.len() > head.head_len {
        l.push(
            &HTTP_BODY,
            Value::bytes(&msg[head.head_len..]),
            base + head.head_len,
            msg.len() - head.head_len,
        );
        if let Ok(t) = std::str::from_utf8(&msg[head.head_len..]) {
            l.set_text(Text::Owned(t.chars().take(200).collect::<String>().into()));
        }
    }
    Some(l)
}

fn split_spaces(line: &[u8], max: usize) -> Vec<(usize, &[u8])> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &c) in line.iter().enumerate() {
        if c == b' ' && out.len() + 1 < max {
            out.push((start, &line[start..i]));
            start = i + 1;
        }
    }
    out.push((start, &line[start..]));
    out
}

/// The Info line of a head ("GET /chat HTTP/1.1", "HTTP/1.1 101 Switching Protocols").
pub fn summary(msg: &[u8]) -> String {
    let end = msg
        .windows(2)
        .position(|w| w == b"\r\n")
        .unwrap_or(msg.len().min(200));
    String::from_utf8_lossy(&msg[..end]).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6455_accept_example() {
        // RFC 6455 section 1.3.
        assert_eq!(
            crate::protocols::websocket::accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn head_parse() {
        let req = b"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
        let HeadParse::Complete(h) = parse_head(req, true) else {
            panic!()
        };
        assert!(h.upgrade_websocket);
        assert_eq!(h.head_len, req.len());
        assert_eq!(parse_head(&req[..20], true), HeadParse::Partial);
        let l = http_layer(req, 10, &HttpContext::default()).unwrap();
        let uri = l.field("http.request.uri").unwrap();
        assert_eq!((uri.offset, uri.length), (14, 5));
        assert_eq!(l.field("http.host").unwrap().display(), "x");
    }
}
