//! The layer stack (OSI and TCP/IP side by side, each row with its header or the reason it
//! has none) and the encapsulation strip (the frame as byte bands, outermost first).

use super::*;

/// Why an OSI row has no header of its own in this packet.
pub(super) fn empty_row_reason(osi: Osi, p: &Packet) -> String {
    let has = |pr: Protocol| p.layers.iter().any(|l| l.protocol == pr);
    match osi {
        Osi::Application => "No application data in this packet: it only carries control information of the layers below.".into(),
        Osi::Presentation => {
            if has(Protocol::WebSocket) {
                "No separate encoding here: the WebSocket payload is plain text or bytes (no compression).".into()
            } else {
                "No separate protocol here: data is used as it arrives; encoding (text, JSON, compression) is left to the application.".into()
            }
        }
        Osi::Session => {
            if has(Protocol::Tcp) {
                "Session: no separate protocol here; the TCP connection (and, above it, a WebSocket or Engine.IO session) plays this role.".into()
            } else {
                "Session: no separate protocol here; UDP keeps no session at all.".into()
            }
        }
        Osi::Transport => "No transport header: this packet is not TCP or UDP (or was cut before it).".into(),
        Osi::Network => "No network header: this frame does not carry IP.".into(),
        Osi::DataLink => "No link header in this capture (raw IP).".into(),
        Osi::Physical => String::new(),
    }
}

pub(super) fn key_fields(l: &Layer) -> String {
    let want: &[&str] = match l.protocol {
        Protocol::Frame => &["frame.len", "frame.time_epoch", "frame.interface_id"],
        Protocol::Ethernet => &["eth.src", "eth.dst", "eth.type"],
        Protocol::Ipv4 => &["ip.src", "ip.dst", "ip.ttl"],
        Protocol::Ipv6 => &["ipv6.src", "ipv6.dst", "ipv6.hlim"],
        Protocol::Tcp => &[
            "tcp.srcport",
            "tcp.dstport",
            "tcp.flags",
            "tcp.seq",
            "tcp.ack",
        ],
        Protocol::Udp => &["udp.srcport", "udp.dstport", "udp.length"],
        Protocol::Http => &[
            "http.request.method",
            "http.request.uri",
            "http.response.code",
        ],
        Protocol::WebSocket => &[
            "websocket.opcode",
            "websocket.fin",
            "websocket.mask",
            "websocket.payload.text",
        ],
        Protocol::EngineIo => &["engineio.type"],
        Protocol::SocketIo => &[
            "socketio.type",
            "socketio.namespace",
            "socketio.event",
            "socketio.ack_id",
        ],
        Protocol::Dns => &["dns.qry.name", "dns.a", "dns.flags.response"],
        _ => &[],
    };
    want.iter()
        .filter_map(|n| {
            l.field(n)
                .map(|f| format!("{}: {}", f.def.label, f.display()))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The signature view: OSI 7..1 beside TCP/IP, the packet's headers in their rows.
pub fn layer_stack(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    ui.heading("Layers: OSI beside TCP/IP");
    let Some(p) = app.detail.clone() else {
        ui.label("Select a packet.");
        return;
    };
    egui::Grid::new("layer-stack-grid").striped(true).num_columns(3).show(ui, |ui| {
        ui.strong("OSI");
        ui.strong("TCP/IP");
        ui.strong("In this packet");
        ui.end_row();
        for osi in Osi::ALL.iter().rev() {
            let n = osi.number();
            let tcpip = TcpIp::ALL.iter().copied().find(|t| t.osi_span().contains(&n)).unwrap_or(TcpIp::Application);
            ui.label(format!("{n} {}", osi_name(n)));
            let span = tcpip.osi_span();
            // A bracket: the TCP/IP layer's name on its top OSI row, a bar on the others.
            let text = if n == *span.end() {
                format!("[ {} (OSI {}-{})", tcpip_name(tcpip), span.start(), span.end())
            } else {
                "|".to_string()
            };
            ui.label(RichText::new(text).color(tcpip_color(tcpip))).on_hover_text(format!(
                "The TCP/IP {} layer covers OSI {}-{}",
                tcpip_name(tcpip),
                span.start(),
                span.end()
            ));
            let here: Vec<(usize, &Layer)> = p.layers.iter().enumerate().filter(|(_, l)| l.osi() == *osi).collect();
            ui.vertical(|ui| {
                if here.is_empty() {
                    ui.label(RichText::new(empty_row_reason(*osi, &p)).italics().weak());
                }
                for (li, l) in here {
                    let text = if l.protocol == Protocol::Frame {
                        format!(
                            "Frame: {} bytes on the wire, {} captured, interface {} · A capture cannot see signals or cables: only when and how much arrived.",
                            p.meta.wirelen, p.meta.caplen, p.meta.interface
                        )
                    } else {
                        plain(&format!("{}: {}", l.protocol.short_name(), key_fields(l)))
                    };
                    let r = ui.add(egui::Button::new(RichText::new(text).color(color(l.protocol))).frame(false));
                    let r = r.on_hover_text(l.protocol.placement_note());
                    if r.clicked() {
                        app.selected_field = (!l.fields.is_empty()).then_some((li, 0));
                        app.tab = Tab::Details;
                    }
                }
            });
            ui.end_row();
        }
    });
}

/// The frame as coloured byte bands, widths proportional to bytes.
pub fn encapsulation_strip(app: &mut LayerscopeApp, ui: &mut egui::Ui) {
    ui.heading("Encapsulation");
    let Some(p) = &app.detail else { return };
    let total = p.meta.caplen.max(1) as f32;
    let width = ui.available_width().max(100.0);
    // Headers one after another on the first row; what is carried inside a payload (Engine.IO
    // and Socket.IO inside a WebSocket frame) on the rows below, under the bytes it occupies.
    let bands: Vec<&Layer> = p
        .layers
        .iter()
        .skip(1)
        .filter(|l| l.reassembled.is_none() && l.length > 0)
        .collect();
    let mut rows: Vec<Vec<&Layer>> = vec![Vec::new()];
    let mut covered = 0u32;
    for l in &bands {
        if l.offset >= covered {
            rows[0].push(l);
            covered = l.offset + l.length;
        } else {
            let depth = rows
                .iter()
                .skip(1)
                .position(|r| r.iter().all(|o| o.offset + o.length <= l.offset))
                .map_or(rows.len(), |d| d + 1);
            if depth == rows.len() {
                rows.push(Vec::new());
            }
            rows[depth].push(l);
        }
    }
    let row_h = 36.0;
    let (rect, _) =
        ui.allocate_exact_size(Vec2::new(width, row_h * rows.len() as f32), Sense::hover());
    let painter = ui.painter_at(rect);
    for (k, row) in rows.iter().enumerate() {
        for l in row {
            let x0 = rect.left() + l.offset as f32 / total * width;
            let w = (l.length as f32 / total * width).max(2.0);
            let r = egui::Rect::from_min_size(
                egui::pos2(x0, rect.top() + row_h * k as f32),
                Vec2::new(w, row_h - 2.0),
            );
            painter.rect_filled(r, 2.0, color(l.protocol));
            painter.rect_stroke(
                r,
                2.0,
                Stroke::new(1.0, Color32::BLACK),
                egui::StrokeKind::Inside,
            );
            let label = format!("{} {} B", l.protocol.short_name(), l.length);
            if w > 40.0 {
                painter.text(
                    r.center(),
                    Align2::CENTER_CENTER,
                    label,
                    FontId::proportional(12.0),
                    Color32::BLACK,
                );
            }
        }
    }
    let sizes: Vec<String> = bands
        .iter()
        .map(|l| format!("{} {} B", l.protocol.short_name(), l.length))
        .collect();
    ui.label(sizes.join(" | "));
}
