//! The Sockets view: a server's listening socket and the socket it made for each client it
//! accepted, with the packets of each.
//!
//! Why a view of its own: the seed defines a socket as what a server "listens" on and says
//! "when a new client makes a connection a new socket is created for that client". A capture
//! shows exactly that, once the connections are grouped by the server's address and port:
//! one listening socket (seen only through the SYNs that reach it), and one connection per
//! accepted client, each named by four numbers. A UDP server, by contrast, answers every
//! client from one socket.

use super::*;

/// The server endpoint the view is about: the selected packet's server, else the busiest.
fn server_of(
    cap: &crate::engine::Capture,
    sel: Option<usize>,
) -> Option<(u8, crate::flow::Endpoint)> {
    if let Some(c) = sel.and_then(|i| cap.conversation_of(i)) {
        return Some((c.proto, c.server));
    }
    let mut best: Vec<((u8, crate::flow::Endpoint), usize)> = Vec::new();
    for c in cap.conversations() {
        match best.iter_mut().find(|(k, _)| *k == (c.proto, c.server)) {
            Some((_, n)) => *n += 1,
            None => best.push(((c.proto, c.server), 1)),
        }
    }
    best.into_iter().max_by_key(|(_, n)| *n).map(|(k, _)| k)
}

pub(super) fn sockets_view(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    let Some(cap) = app.capture.clone() else {
        ui.label("Open a capture.");
        return;
    };
    let Some((proto, server)) = server_of(&cap, app.selected) else {
        ui.label("This capture has no TCP or UDP conversation: no sockets to show.");
        return;
    };
    let convs: Vec<usize> = cap
        .conversations()
        .iter()
        .enumerate()
        .filter(|(_, c)| c.proto == proto && c.server == server)
        .map(|(i, _)| i)
        .take(2_000)
        .collect();
    let view = cap.socketio();
    let mut clicked = None;
    let compact = super::layers::compact(ui);
    // Where room is short the explanations keep two lines each; the tooltip has all of it.
    let para = |ui: &mut egui::Ui, text: String| {
        let rows = if compact { 2 } else { 8 };
        super::layers::lines(ui, RichText::new(text.clone()), rows).on_hover_text(text);
    };
    let title = |ui: &mut egui::Ui, text: String| {
        if compact {
            ui.add(egui::Label::new(RichText::new(text).strong()).truncate());
        } else {
            ui.heading(text);
        }
    };
    egui::ScrollArea::vertical().id_salt("sockets").show(ui, |ui| {
        if proto == 17 {
            title(ui, format!("UDP socket {server}"));
            para(ui, format!(
                "A UDP server has no connections: this one socket receives the datagrams of every client ({} seen) and answers each from it. There is no handshake and no new socket per client.",
                crate::model::count_irregular(
                    convs.len(),
                    "client address and port",
                    "client addresses and ports"
                )
            ));
        } else {
            title(ui, format!("Sockets of the server {server} (TCP)"));
            para(
                ui,
                format!(
                    "Listening socket {server}: the server bound it to port {} and waits there (passive open). It sends no packets of its own; each SYN that reaches it asks for a connection, and for every connection it accepts (one client may open several) the server gets a new socket, named by both ends (client address and port, server address and port).",
                    server.port
                ),
            );
            // Accepted: the server answered the SYN (RFC 9293 3.5); the others were refused,
            // unanswered, or already open when the capture started.
            let accepted = convs
                .iter()
                .filter(|&&c| cap.conversations()[c].syn_ack.is_some())
                .count();
            ui.add(egui::Label::new(RichText::new(format!(
                "{} to this listening socket, {accepted} accepted (answered with SYN-ACK) in the capture:",
                crate::model::count(convs.len(), "connection")
            )).strong()));
        }
        ui.separator();
        // Group by client where Socket.IO says which connections are one client's.
        let mut groups: Vec<(Option<u32>, Vec<usize>)> = Vec::new();
        for &ci in &convs {
            let key = view.client_of_conv(ci as u32);
            match groups.iter_mut().find(|(k, _)| key.is_some() && *k == key) {
                Some((_, v)) => v.push(ci),
                None => groups.push((key, vec![ci])),
            }
        }
        for (client, list) in groups {
            if let Some(c) = client {
                let info = &view.clients[c as usize];
                let sid = info.sid.as_deref().unwrap_or("not captured");
                ui.label(RichText::new(format!(
                    "{}: {} (Engine.IO session {sid})",
                    view.client_name(c),
                    crate::model::count(list.len(), "socket")
                )).strong().color(color(Protocol::SocketIo)))
                .on_hover_text("Engine.IO gives each client one session id; its WebSocket and its HTTP long-polling requests travel on different TCP connections, so on different sockets of the server.");
            }
            for ci in list {
                let c = &cap.conversations()[ci];
                let what = carried(&cap, ci);
                let opened = c.syn.map_or("already open when the capture started".to_string(), |s| format!("opened by the SYN in #{s}"));
                let closed = match (c.fin, c.rst) {
                    (_, Some(r)) => format!(", reset in #{r}"),
                    ([Some(a), Some(b)], _) => format!(", closed (FIN #{} and #{})", a.min(b), a.max(b)),
                    _ => String::new(),
                };
                let text = format!(
                    "socket {} ⇄ {} · {}.stream {} · {}{} · {}{}",
                    c.client,
                    c.server,
                    c.proto_name().to_lowercase(),
                    c.stream,
                    opened,
                    closed,
                    crate::model::count(c.packets[0] + c.packets[1], "packet"),
                    what.map_or(String::new(), |w| format!(" · {w}"))
                );
                let first = c.first_packet.saturating_sub(1) as usize;
                let selected = app.selected.and_then(|s| cap.conversation_index(s)) == Some(ci);
                let r = ui.add(egui::Button::selectable(selected, plain(&text)).wrap());
                let r = r.on_hover_text(format!(
                    "Click: select its first packet (#{}). The four numbers {} and {} name this connection; the listening socket {} stays open for the next client.",
                    first + 1, c.client, c.server, c.server
                ));
                if r.clicked() {
                    clicked = Some(first);
                }
            }
            ui.add_space(4.0);
        }
    });
    if let Some(i) = clicked {
        app.act(Action::Select(i));
    }
}

/// What a connection carried, in a few words.
fn carried(cap: &crate::engine::Capture, ci: usize) -> Option<&'static str> {
    let recs = cap.messages().records();
    let mine = || recs.iter().filter(|m| m.conv as usize == ci);
    let ws = mine().any(|m| m.is_ws());
    let eio = mine().any(|m| m.has_eio() || m.is_eio_request());
    let http = mine().any(|m| !m.is_ws());
    match (ws, eio, http) {
        (true, true, _) => Some("WebSocket carrying Engine.IO/Socket.IO"),
        (true, false, _) => Some("WebSocket"),
        (false, true, _) => Some("HTTP long-polling (Engine.IO)"),
        (false, false, true) => Some("HTTP"),
        _ => None,
    }
}
