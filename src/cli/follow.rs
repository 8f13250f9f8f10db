//! `layerscope follow`: one conversation, like `tshark -z follow`, messages decoded.
use super::*;

pub fn follow_file(path: &Path, stream: u32, udp: bool) -> Result<Option<String>> {
    let cap = open_capture(path)?;
    let proto = if udp { 17 } else { 6 };
    let Some(ci) = cap
        .conversations()
        .iter()
        .position(|c| c.proto == proto && c.stream == stream)
    else {
        bail!(
            "{} has no {} stream {stream} (see `layerscope streams`)",
            path.display(),
            if udp { "UDP" } else { "TCP" }
        );
    };
    let c = &cap.conversations()[ci];
    let mut out = BufWriter::new(std::io::stdout().lock());
    let rule = "=".repeat(70);
    writeln!(out, "{rule}")?;
    writeln!(out, "Follow: {} stream {stream}", c.proto_name())?;
    writeln!(out, "Node 0 (client): {}", c.client)?;
    writeln!(out, "Node 1 (server): {}", c.server)?;
    if c.proto == 6 {
        writeln!(out, "State: {}", c.state.describe())?;
    }
    writeln!(out, "{rule}")?;
    let first = c.first_packet.saturating_sub(1) as usize;
    let last = c.last_packet as usize;
    for i in first..last.min(cap.len()) {
        if cap.conversation_index(i) != Some(ci) {
            continue;
        }
        let Some(p) = cap.packet(i) else { continue };
        let dir = cap.facts(i).map_or(0, |f| f.dir);
        let arrow = if dir == 0 {
            "client → server"
        } else {
            "server → client"
        };
        let indent = if dir == 0 { "" } else { "        " };
        let msgs = cap.messages_at(i);
        let payload = p.transport.map_or(0, |t| t.payload_len);
        if !msgs.is_empty() {
            writeln!(out, "{indent}[{} {arrow}] {}", p.meta.number, p.summary)?;
            for l in p.layers.iter().filter(|l| {
                matches!(
                    l.protocol,
                    layerscope::model::Protocol::WebSocket | layerscope::model::Protocol::SocketIo
                )
            }) {
                for f in &l.fields {
                    if matches!(
                        f.def.name,
                        "websocket.payload.text"
                            | "websocket.payload.decompressed"
                            | "socketio.args"
                            | "websocket.payload.close.reason"
                    ) {
                        writeln!(out, "{indent}    {} = {}", f.def.name, f.display())?;
                    }
                }
            }
        } else if payload > 0 && cap.reassembled_in(i).is_empty() {
            writeln!(
                out,
                "{indent}[{} {arrow}] {}",
                p.meta.number,
                layerscope::model::count(payload, "byte")
            )?;
            if let (Some(t), Some(data)) = (p.transport, cap.store.data(i)) {
                let bytes = data.get(t.payload_range()).unwrap_or(&[]);
                let text: String = bytes
                    .iter()
                    .map(|&b| {
                        if b == b'\n' || b.is_ascii_graphic() || b == b' ' {
                            b as char
                        } else {
                            '.'
                        }
                    })
                    .collect();
                for line in text.lines().take(40) {
                    writeln!(out, "{indent}    {line}")?;
                }
            }
        } else if c.proto == 6 && p.summary.contains('[') && payload == 0 {
            let flags = p
                .summary
                .split('[')
                .nth(1)
                .and_then(|x| x.split(']').next())
                .unwrap_or("");
            if flags.contains("SYN") || flags.contains("FIN") || flags.contains("RST") {
                writeln!(out, "{indent}[{} {arrow}] TCP {flags}", p.meta.number)?;
            }
        }
    }
    writeln!(out, "{rule}")?;
    out.flush()?;
    Ok(None)
}
