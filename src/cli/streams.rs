//! `layerscope streams`: the TCP and UDP conversations of a capture.
use super::*;

pub fn streams_file(path: &Path) -> Result<Option<String>> {
    let cap = open_capture(path)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    writeln!(
        out,
        "{:<5} {:>6} {:<44} {:<44} {:>8} {:>10} {:>8} {:>10} {:>11}  State",
        "Proto",
        "Stream",
        "Client",
        "Server",
        "Pkts C→S",
        "Bytes C→S",
        "Pkts S→C",
        "Bytes S→C",
        "Duration s",
    )?;
    for c in cap.conversations() {
        let state = if c.proto == 6 {
            let mut s = c.state.describe().to_string();
            if let Some(rtt) = c.irtt_ns {
                s.push_str(&format!(", handshake RTT {:.3} ms", rtt as f64 / 1e6));
            }
            s
        } else {
            "connectionless".to_string()
        };
        writeln!(
            out,
            "{:<5} {:>6} {:<44} {:<44} {:>8} {:>10} {:>8} {:>10} {:>11}  {}",
            c.proto_name(),
            c.stream,
            c.client.to_string(),
            c.server.to_string(),
            c.packets[0],
            c.bytes[0],
            c.packets[1],
            c.bytes[1],
            layerscope::model::format_seconds(c.duration_ns(), 6),
            state
        )?;
    }
    for line in cap.limits_report() {
        writeln!(out, "note: {line}")?;
    }
    out.flush()?;
    Ok(cap.store.error().map(|e| e.to_string()))
}
