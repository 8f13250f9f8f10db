//! Turning the flow pass's application messages into layers of the packet that completed them.
//!
//! Each protocol's `layers.rs` (`protocols::{http, websocket, socketio}`) builds the layers,
//! the Info text and the sentence of one message; this file gives them what they share —
//! where a message's bytes are (in the frame when the message lies in this one packet, in a
//! reassembled buffer otherwise), who sent it — and joins the messages of one packet into its
//! Protocol column, Info line and sentence.

use crate::flow::app::{Kind, Message};
use crate::flow::Conversation;
use crate::model::{Layer, Note, Packet, Protocol, Reassembled, Segment, Severity};
use std::sync::Arc;

/// Where a message's bytes came from, as model segments.
fn segments(m: &Message) -> Vec<Segment> {
    m.spans
        .iter()
        .map(|s| Segment {
            packet: u64::from(s.packet) + 1,
            frame_offset: s.frame_offset,
            data_offset: s.msg_offset,
            length: s.len,
        })
        .collect()
}

/// Where a message's bytes are, seen from packet `i`: in the frame (offset), or in a
/// reassembled buffer.
pub(crate) fn placement(
    m: &Message,
    bytes: &[u8],
    i: u32,
    what: &'static str,
) -> (usize, Option<Box<Reassembled>>) {
    let direct = m.spans.len() == 1 && m.spans[0].packet == i && bytes.len() as u64 == m.wire_len;
    if direct {
        return (m.spans[0].frame_offset as usize, None);
    }
    // A message read from this frame but not whole in it (cut by the snapshot length) gets
    // its own copy; a kept one shares its buffer.
    let own: Arc<[u8]> = if m.in_frame {
        Arc::from(bytes)
    } else {
        m.bytes.clone()
    };
    (0, derived(own, what, m))
}

/// A buffer of bytes derived from a message (reassembled, unmasked, decompressed).
pub(crate) fn derived(
    bytes: Arc<[u8]>,
    what: &'static str,
    m: &Message,
) -> Option<Box<Reassembled>> {
    Some(Box::new(Reassembled {
        bytes,
        segments: segments(m),
        what,
    }))
}

pub(crate) fn with_reassembled(mut l: Layer, r: &Option<Box<Reassembled>>) -> Layer {
    l.reassembled = r.clone();
    l
}

pub(crate) use crate::protocols::socketio::layers::eio_sio;

/// One message to turn into layers, with what every protocol's builder needs.
#[derive(Clone, Copy)]
pub(crate) struct Shown<'a> {
    pub(crate) m: &'a Message,
    /// Its wire bytes: re-read from the packet's frame, or the kept copy.
    pub(crate) bytes: &'a [u8],
    /// The packet it completes in (0-based).
    pub(crate) i: u32,
    /// Build field trees (a packet shown in full), or only the layers (a list row).
    pub(crate) fields: bool,
    pub(crate) wants_sentence: bool,
    /// "The client 10.0.0.1:40000" and "the server …" (empty when no sentence is wanted).
    pub(crate) sender: &'a str,
    pub(crate) receiver: &'a str,
}

/// What one message adds to its packet's Info line and sentence, and the Protocol column.
pub(crate) struct Said {
    pub(crate) protocol: &'static str,
    pub(crate) info: String,
    pub(crate) sentence: String,
}

fn who(conv: Option<&Conversation>, dir: u8) -> (String, String) {
    match conv {
        Some(c) if dir == 0 => (
            format!("The client {}", c.client),
            format!("the server {}", c.server),
        ),
        Some(c) => (
            format!("The server {}", c.server),
            format!("the client {}", c.client),
        ),
        None => ("One side".into(), "the other".into()),
    }
}

/// Messages of one packet decoded into layers; a packet completing more (a segment full of
/// 3-byte WebSocket frames completes thousands) shows these and counts the rest, so one
/// packet's field tree, Info line and jsonl stay bounded.
pub const MAX_MESSAGES_SHOWN: usize = 64;
/// Messages named in a packet's Info line and sentence.
const MAX_MESSAGES_SAID: usize = 8;

/// Add the layers of the messages completed in packet `i` to `p`.
pub fn attach(
    frame: &[u8],
    p: &mut Packet,
    i: u32,
    msgs: &[std::borrow::Cow<'_, Message>],
    conv: Option<&Conversation>,
    fields: bool,
    unkept: u32,
) {
    if msgs.is_empty() {
        return;
    }
    let mut said: Vec<Said> = Vec::new();
    // The TCP payload is now explained by the application layers.
    p.layers.retain(|l| l.protocol != Protocol::Data);
    // Sentences are kept only when the packet has one or is shown in full (see the end):
    // a list row or a text line does not pay for naming the endpoints in them.
    let wants_sentence = !p.sentence.is_empty() || fields;
    // Messages the flow pass counted and did not keep (see `flow::app::MAX_MESSAGES_PER_PACKET`)
    // are in the count too.
    let total = msgs.len() + unkept as usize;
    let more = total.saturating_sub(MAX_MESSAGES_SHOWN.min(msgs.len()));
    if more > 0 {
        p.notes.push(Note {
            severity: Severity::Info,
            kind: crate::model::NoteKind::Limit,
            protocol: None,
            offset: None,
            text: format!(
                "This packet completes {}: the first {} are decoded here, the other {more} are counted but not shown.",
                crate::model::count(total, "message"),
                MAX_MESSAGES_SHOWN.min(msgs.len())
            )
            .into(),
        });
    }
    for m in &msgs[..msgs.len().min(MAX_MESSAGES_SHOWN)] {
        let (sender, receiver) = if wants_sentence {
            who(conv, m.dir)
        } else {
            (String::new(), String::new())
        };
        // Messages kept without copies are re-read from this packet's frame.
        let bytes = m.wire_bytes(frame);
        for n in &m.notes {
            p.notes.push(Note {
                severity: Severity::Warning,
                kind: crate::model::NoteKind::Application,
                protocol: None,
                offset: None,
                text: n.clone().into(),
            });
        }
        let shown = Shown {
            m,
            bytes,
            i,
            fields,
            wants_sentence,
            sender: &sender,
            receiver: &receiver,
        };
        match &m.kind {
            Kind::Http(h) => crate::protocols::http::layers::message(p, &shown, h, &mut said),
            Kind::Ws(f) => crate::protocols::websocket::layers::message(p, &shown, f, &mut said),
        }
    }
    // The innermost message decides the columns; several messages share the Info line.
    if let Some(last) = said
        .iter()
        .rev()
        .find(|s| s.protocol == Protocol::SocketIo.short_name())
        .or(said.last())
    {
        p.protocol = last.protocol;
    }
    p.summary.clear();
    for (k, s) in said.iter().take(MAX_MESSAGES_SAID).enumerate() {
        if k > 0 {
            p.summary.push_str(", ");
        }
        p.summary.push_str(&s.info);
    }
    let unsaid = total.saturating_sub(MAX_MESSAGES_SAID);
    if unsaid > 0 {
        p.summary.push_str(&format!(", … {unsaid} more"));
    }
    if wants_sentence {
        let best: Vec<&str> = said
            .iter()
            .filter(|s| s.protocol == Protocol::SocketIo.short_name())
            .map(|s| s.sentence.as_str())
            .collect();
        let chosen: Vec<&str> = if best.is_empty() {
            said.iter().map(|s| s.sentence.as_str()).collect()
        } else {
            best
        };
        let mut sentence = chosen
            .iter()
            .take(MAX_MESSAGES_SAID)
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        if unsaid > 0 {
            sentence.push_str(&format!(
                " This packet carries {} more.",
                crate::model::count(unsaid, "message")
            ));
        }
        p.sentence = sentence;
    }
    p.tidy();
}
