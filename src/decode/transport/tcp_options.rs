//! TCP options (RFC 9293 3.2, RFC 7323, RFC 2018): MSS, window scale, SACK, timestamps and the
//! rest, each as fields with their byte ranges, and the Info-line text Wireshark shows.

use super::*;

/// `sack_base`: SACK edges are shown relative to it in the summary (the peer's first sequence
/// number, as Wireshark does), 0 without flow facts.
pub(super) fn tcp_options(
    h: &mut Hdr<'_>,
    start: usize,
    end: usize,
    summary: &mut String,
    sack_base: u32,
) {
    let mut i = start;
    while i < end {
        let Some(kind) = h.u(i, 1) else { break };
        h.layer.push(&TCP_OPT_KIND, Value::U64(kind), i, 1);
        h.nest(1);
        match kind {
            0 => {
                // Everything after an end-of-list is padding; Wireshark shows each byte as EOL.
                h.layer.push(&TCP_OPT_EOL, Value::None, i, 1);
                h.nest(2);
                i += 1;
                continue;
            }
            1 => {
                h.layer.push(&TCP_OPT_NOP, Value::None, i, 1);
                h.nest(2);
                i += 1;
                continue;
            }
            _ => {}
        }
        let Some(len) = h.u(i + 1, 1) else { break };
        let len = len as usize;
        h.layer.push(&TCP_OPT_LEN, Value::U64(len as u64), i + 1, 1);
        h.nest(2);
        if len < 2 || i + len > end {
            break;
        }
        option_body(h, (kind, i, len), summary, sack_base);
        i += len;
    }
}

/// The fields of one option after its kind and length (RFC 9293 §3.2: MSS; RFC 7323: window
/// scale, timestamps; RFC 2018: SACK), and its part of the Info line. `(kind, at, len)`.
fn option_body(
    h: &mut Hdr<'_>,
    (kind, i, len): (u64, usize, usize),
    summary: &mut String,
    sack_base: u32,
) {
    match (kind, len) {
        (2, 4) => {
            if let Some(v) = h.num(&TCP_OPT_MSS, i + 2, 2) {
                h.nest(2);
                kv(summary, " MSS=", v);
            }
        }
        (3, 3) => {
            if let Some(v) = h.num(&TCP_OPT_WS_SHIFT, i + 2, 1) {
                h.nest(2);
                let mult = 1u64 << v.min(14);
                h.layer.push_text(
                    &TCP_OPT_WS_MULT,
                    Value::U64(mult),
                    || format!("{mult} (2^{v})"),
                    i + 2,
                    1,
                );
                h.nest(2);
                kv(summary, " WS=", mult);
            }
        }
        (4, 2) => {
            h.layer.push(&TCP_OPT_SACK_PERM, Value::None, i, 2);
            h.nest(2);
            summary.push_str(" SACK_PERM");
        }
        (5, l) if l >= 10 && (l - 2) % 8 == 0 => {
            let mut j = i + 2;
            while j + 8 <= i + len {
                let le = h.num(&TCP_OPT_SACK_LE, j, 4);
                h.nest(2);
                let re = h.num(&TCP_OPT_SACK_RE, j + 4, 4);
                h.nest(2);
                if let (Some(le), Some(re)) = (le, re) {
                    kv(
                        summary,
                        " SLE=",
                        u64::from((le as u32).wrapping_sub(sack_base)),
                    );
                    kv(
                        summary,
                        " SRE=",
                        u64::from((re as u32).wrapping_sub(sack_base)),
                    );
                }
                j += 8;
            }
        }
        (8, 10) => {
            let v = h.num(&TCP_OPT_TSVAL, i + 2, 4);
            h.nest(2);
            let e = h.num(&TCP_OPT_TSECR, i + 6, 4);
            h.nest(2);
            if let (Some(v), Some(e)) = (v, e) {
                kv(summary, " TSval=", v);
                kv(summary, " TSecr=", e);
            }
        }
        _ => {
            if len > 2 {
                h.bytes(&TCP_OPT_DATA, i + 2, len - 2);
                h.nest(2);
            }
        }
    }
}

/// The window-scale shift in a TCP option list, if present.
pub(super) fn wscale_option(opts: &[u8]) -> Option<u8> {
    let mut i = 0;
    while i < opts.len() {
        match opts[i] {
            0 => return None,
            1 => i += 1,
            kind => {
                let len = usize::from(*opts.get(i + 1)?);
                if len < 2 {
                    return None;
                }
                if kind == 3 && len == 3 {
                    return opts.get(i + 2).copied();
                }
                i += len;
            }
        }
    }
    None
}
