//! DNS (RFC 1035) over UDP, with every name, record and flag at its byte range.
//!
//! Hand-written rather than through a DNS crate because every field must keep its offset, and
//! names must be followed through compression pointers with a bound (a pointer loop is a known
//! malformed case: reported, never followed forever).

use crate::decode::Ctx;
use crate::model::Packet;
use crate::model::{count, Base, Protocol, Severity, Text, Value};

crate::field_def!(
    ID,
    "dns.id",
    "Transaction ID",
    Base::Hex(4),
    "Chosen by the asker; the response carries the same number so it can be matched (0 in mDNS multicast)."
);
crate::field_def!(
    FLAGS,
    "dns.flags",
    "Flags",
    Base::Hex(4),
    "Query or response, what kind, and how it went."
);
crate::field_def!(
    F_RESPONSE,
    "dns.flags.response",
    "Response",
    Base::None,
    "Set in a response, clear in a query."
);
crate::field_def!(
    F_OPCODE,
    "dns.flags.opcode",
    "Opcode",
    Base::Dec,
    "Kind of query, set by the asker and copied into the response: 0 standard query."
);
crate::field_def!(
    F_AA,
    "dns.flags.authoritative",
    "Authoritative",
    Base::None,
    "In a response: the server is an authority for the name asked about."
);
crate::field_def!(
    F_TC,
    "dns.flags.truncated",
    "Truncated",
    Base::None,
    "The message was too long for UDP and was cut short: ask again over TCP."
);
crate::field_def!(
    F_RD,
    "dns.flags.recdesired",
    "Recursion desired",
    Base::None,
    "Set by the asker: find the answer for me, asking other servers if needed; the response copies it."
);
crate::field_def!(
    F_RA,
    "dns.flags.recavail",
    "Recursion available",
    Base::None,
    "In a response: this server offers recursion (finds answers by asking other servers)."
);
crate::field_def!(
    F_Z,
    "dns.flags.z",
    "Z",
    Base::None,
    "Reserved: must be zero."
);
crate::field_def!(
    F_AD,
    "dns.flags.authenticated",
    "Answer authenticated",
    Base::None,
    "In a response: the server validated the data with DNSSEC; in a query: the asker wants to know this."
);
crate::field_def!(
    F_CD,
    "dns.flags.checkdisable",
    "Non-authenticated data",
    Base::None,
    "Checking disabled: the asker accepts data the server did not validate with DNSSEC; copied into the response."
);
crate::field_def!(
    F_RCODE,
    "dns.flags.rcode",
    "Reply code",
    Base::Dec,
    "0 no error, 3 no such name (NXDOMAIN), 2 server failure..."
);
crate::field_def!(
    QDCOUNT,
    "dns.count.queries",
    "Questions",
    Base::Dec,
    "Number of questions."
);
crate::field_def!(
    ANCOUNT,
    "dns.count.answers",
    "Answer RRs",
    Base::Dec,
    "Number of answer records."
);
crate::field_def!(
    NSCOUNT,
    "dns.count.auth_rr",
    "Authority RRs",
    Base::Dec,
    "Number of authority records (NS records of the zone's servers, or its SOA in a negative answer)."
);
crate::field_def!(
    ARCOUNT,
    "dns.count.add_rr",
    "Additional RRs",
    Base::Dec,
    "Number of extra records (such as the EDNS OPT record)."
);
crate::field_def!(
    QRY_NAME,
    "dns.qry.name",
    "Name",
    Base::None,
    "The name asked about."
);
crate::field_def!(
    QRY_TYPE,
    "dns.qry.type",
    "Type",
    Base::Dec,
    "What is asked for: 1 A (IPv4), 28 AAAA (IPv6), 5 CNAME, 15 MX, 16 TXT."
);
crate::field_def!(
    QRY_CLASS,
    "dns.qry.class",
    "Class",
    Base::Hex(4),
    "1 = IN (Internet); in mDNS the top bit (0x8001) asks for a unicast reply."
);
crate::field_def!(
    RESP_NAME,
    "dns.resp.name",
    "Name",
    Base::None,
    "The name this record is about."
);
crate::field_def!(
    RESP_TYPE,
    "dns.resp.type",
    "Type",
    Base::Dec,
    "Kind of record."
);
crate::field_def!(
    RESP_CLASS,
    "dns.resp.class",
    "Class",
    Base::Hex(4),
    "1 = IN (Internet); mDNS sets the top bit (0x8001) to flush caches; an EDNS OPT record holds its UDP payload size here."
);
crate::field_def!(
    RESP_TTL,
    "dns.resp.ttl",
    "Time to live",
    Base::Dec,
    "Seconds the record may be cached (0: use once, do not cache)."
);
crate::field_def!(
    RESP_LEN,
    "dns.resp.len",
    "Data length",
    Base::Dec,
    "Length of the record's data, in bytes."
);
crate::field_def!(
    A,
    "dns.a",
    "Address",
    Base::None,
    "An IPv4 address for the name."
);
crate::field_def!(
    AAAA,
    "dns.aaaa",
    "AAAA Address",
    Base::None,
    "An IPv6 address for the name."
);
crate::field_def!(
    CNAME,
    "dns.cname",
    "CNAME",
    Base::None,
    "The canonical name: the record's name is an alias of this one."
);
crate::field_def!(
    NS,
    "dns.ns",
    "Name server",
    Base::None,
    "A server responsible for the zone."
);
crate::field_def!(
    PTR,
    "dns.ptr.domain_name",
    "Domain name",
    Base::None,
    "A pointer to another name: the host name of an address (reverse lookup), or a service instance (DNS-SD)."
);
crate::field_def!(
    MX_PREF,
    "dns.mx.preference",
    "Preference",
    Base::Dec,
    "Lower is tried first."
);
crate::field_def!(
    MX,
    "dns.mx.mail_exchange",
    "Mail exchange",
    Base::None,
    "A mail server for the domain."
);
crate::field_def!(
    TXT,
    "dns.txt",
    "TXT",
    Base::None,
    "Free text attached to the name."
);
crate::field_def!(
    RDATA,
    "dns.data",
    "Data",
    Base::None,
    "Record data this decoder shows as bytes."
);

pub fn is_dns_port(p: u16) -> bool {
    matches!(p, 53 | 5353 | 5355)
}

pub fn type_name(t: u16) -> &'static str {
    match t {
        1 => "A",
        2 => "NS",
        5 => "CNAME",
        6 => "SOA",
        12 => "PTR",
        13 => "HINFO",
        15 => "MX",
        16 => "TXT",
        28 => "AAAA",
        33 => "SRV",
        41 => "OPT",
        47 => "NSEC",
        64 => "SVCB",
        65 => "HTTPS",
        255 => "ANY",
        _ => "Unknown",
    }
}

pub fn rcode_name(r: u16) -> &'static str {
    match r {
        0 => "No error",
        1 => "Format error",
        2 => "Server failure",
        3 => "No such name",
        4 => "Not implemented",
        5 => "Refused",
        _ => "Other",
    }
}

/// Read a (possibly compressed) name starting at `off` in the DNS message `m`. Returns the
/// name, the bytes it takes at `off`, or an error text.
pub fn read_name(m: &[u8], off: usize) -> Result<(String, usize), &'static str> {
    read_name_len(m, off).map_err(|(e, _)| e)
}

/// Like [`read_name`], but a broken name still says how many bytes it takes at `off` when
/// that is known (a pointer that loops is two bytes here), so decoding can go on after it.
pub fn read_name_len(
    m: &[u8],
    off: usize,
) -> Result<(String, usize), (&'static str, Option<usize>)> {
    let mut labels: Vec<String> = Vec::new();
    let mut pos = off;
    let mut len_here = None;
    let mut jumps = 0;
    let mut total = 0usize;
    loop {
        let Some(&l) = m.get(pos) else {
            return Err(("Name runs past the end of the message", len_here));
        };
        match l {
            0 => {
                if len_here.is_none() {
                    len_here = Some(pos + 1 - off);
                }
                break;
            }
            0xc0..=0xff => {
                let Some(&lo) = m.get(pos + 1) else {
                    return Err(("Compression pointer cut short", len_here));
                };
                if len_here.is_none() {
                    len_here = Some(pos + 2 - off);
                }
                jumps += 1;
                if jumps > 64 {
                    return Err(("Name contains a pointer that loops", len_here));
                }
                let target = (usize::from(l & 0x3f) << 8) | usize::from(lo);
                if target >= pos && jumps > 1 || target >= m.len() {
                    return Err(("Name contains a pointer that loops", len_here));
                }
                pos = target;
            }
            0x40..=0xbf => return Err(("Unknown label type", len_here)),
            n => {
                let n = usize::from(n);
                let Some(b) = m.get(pos + 1..pos + 1 + n) else {
                    return Err(("Label runs past the end of the message", len_here));
                };
                total += n + 1;
                if total > 255 {
                    return Err(("Name longer than 255 bytes", len_here));
                }
                labels.push(
                    b.iter()
                        .map(|&c| {
                            if c.is_ascii_graphic() {
                                c as char
                            } else {
                                '\\'
                            }
                        })
                        .collect(),
                );
                pos += 1 + n;
            }
        }
    }
    let name = if labels.is_empty() {
        "<Root>".to_string()
    } else {
        labels.join(".")
    };
    Ok((name, len_here.unwrap_or(1)))
}

/// DNS in the UDP registry: ports 53 (DNS), 5353 (mDNS) and 5355 (LLMNR); queries and
/// responses paired by transaction id.
pub(crate) const UDP: super::UdpProtocol = super::UdpProtocol {
    protocol: Protocol::Dns,
    ports: &[53, 5353, 5355],
    heuristic: None,
    decode: dns,
    pairing: Some(super::Pairing {
        peek: |payload| peek(payload).map(|k| (u64::from(k.id), k.response)),
        attach: pair,
    }),
};

/// What the flow pass needs to pair queries and responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DnsKey {
    pub id: u16,
    pub response: bool,
}

/// Peek at a DNS header: id and QR bit, if the payload is long enough.
pub fn peek(payload: &[u8]) -> Option<DnsKey> {
    let b = payload.get(..12)?;
    Some(DnsKey {
        id: u16::from_be_bytes([b[0], b[1]]),
        response: b[2] & 0x80 != 0,
    })
}

/// Decode a DNS message at `off..end` of the frame into a layer.
pub(crate) fn dns(ctx: &mut Ctx<'_, '_>, off: usize, end: usize) -> bool {
    let d = ctx.data;
    let end = end.min(d.len());
    let Some(m) = d.get(off..end) else {
        return false;
    };
    if m.is_empty() {
        return false;
    }
    let mut h = ctx.hdr(Protocol::Dns, off, m.len());
    let id = h.num(&ID, off, 2).unwrap_or(0);
    let flags = h.num(&FLAGS, off + 2, 2).unwrap_or(0);
    let response = h.flag(&F_RESPONSE, off + 2, 2, 0x8000).unwrap_or(false);
    h.bits(&F_OPCODE, off + 2, 2, 0x7800);
    h.flag(&F_AA, off + 2, 2, 0x0400);
    h.flag(&F_TC, off + 2, 2, 0x0200);
    h.flag(&F_RD, off + 2, 2, 0x0100);
    h.flag(&F_RA, off + 2, 2, 0x0080);
    h.flag(&F_Z, off + 2, 2, 0x0040);
    h.flag(&F_AD, off + 2, 2, 0x0020);
    h.flag(&F_CD, off + 2, 2, 0x0010);
    let rcode = (flags & 0xf) as u16;
    if response {
        h.bits(&F_RCODE, off + 2, 2, 0x000f);
        h.layer.set_text(Text::Owned(
            format!("{} ({rcode})", rcode_name(rcode)).into(),
        ));
    }
    let qd = h.num(&QDCOUNT, off + 4, 2).unwrap_or(0);
    let an = h.num(&ANCOUNT, off + 6, 2).unwrap_or(0);
    let ns = h.num(&NSCOUNT, off + 8, 2).unwrap_or(0);
    let ar = h.num(&ARCOUNT, off + 10, 2).unwrap_or(0);
    let mut pos = 12;
    let mut problem: Option<String> = None;
    let mut questions: Vec<(String, u16)> = Vec::new();
    let mut answers: Vec<String> = Vec::new();
    for _ in 0..qd.min(256) {
        let named = match read_name_len(m, pos) {
            Ok(x) => Ok(x),
            Err((e, Some(n))) => {
                problem = Some(e.into());
                Ok((format!("<{e}>"), n))
            }
            Err((e, None)) => Err(e),
        };
        match named {
            Ok((name, n)) => {
                h.layer.push(&QRY_NAME, Value::str(&name), off + pos, n);
                pos += n;
                let (Some(t), Some(_c)) = (h.u(off + pos, 2), h.u(off + pos + 2, 2)) else {
                    problem = Some("question cut short".into());
                    break;
                };
                h.layer.push_text(
                    &QRY_TYPE,
                    Value::U64(t),
                    || format!("{} ({t})", type_name(t as u16)),
                    off + pos,
                    2,
                );
                h.num(&QRY_CLASS, off + pos + 2, 2);
                questions.push((name, t as u16));
                pos += 4;
            }
            Err(e) => {
                problem = Some(e.into());
                break;
            }
        }
    }
    let total_rr = (an + ns + ar).min(1024);
    let mut k = 0;
    if problem.is_some() {
        k = total_rr;
    }
    while problem.is_none() && k < total_rr {
        k += 1;
        match read_name(m, pos) {
            Ok((name, n)) => {
                h.layer.push(&RESP_NAME, Value::str(&name), off + pos, n);
                pos += n;
                let (Some(t), Some(_), Some(ttl), Some(len)) = (
                    h.u(off + pos, 2),
                    h.u(off + pos + 2, 2),
                    h.u(off + pos + 4, 4),
                    h.u(off + pos + 8, 2),
                ) else {
                    problem = Some("record cut short".into());
                    break;
                };
                let t = t as u16;
                h.layer.push_text(
                    &RESP_TYPE,
                    Value::U64(u64::from(t)),
                    || format!("{} ({t})", type_name(t)),
                    off + pos,
                    2,
                );
                h.num(&RESP_CLASS, off + pos + 2, 2);
                // In an OPT (EDNS) record these bytes are flags, not a time to live.
                if t != 41 {
                    h.layer.push(&RESP_TTL, Value::U64(ttl), off + pos + 4, 4);
                }
                h.layer.push(&RESP_LEN, Value::U64(len), off + pos + 8, 2);
                let rd = pos + 10;
                let len = len as usize;
                if m.len() < rd + len {
                    problem = Some("record data cut short".into());
                    break;
                }
                let data = &m[rd..rd + len];
                let doff = off + rd;
                match t {
                    1 if len == 4 => {
                        h.ipv4(&A, doff);
                        answers.push(format!(
                            "A {}",
                            std::net::Ipv4Addr::new(data[0], data[1], data[2], data[3])
                        ));
                    }
                    28 if len == 16 => {
                        if let Some(a) = h.ipv6(&AAAA, doff) {
                            answers.push(format!("AAAA {}", std::net::Ipv6Addr::from(a)));
                        }
                    }
                    2 | 5 | 12 => {
                        if let Ok((target, n)) = read_name(m, rd) {
                            let def = match t {
                                2 => &NS,
                                5 => &CNAME,
                                _ => &PTR,
                            };
                            h.layer.push(def, Value::str(&target), doff, n.min(len));
                            answers.push(format!("{} {target}", type_name(t)));
                        }
                    }
                    15 if len >= 3 => {
                        h.num(&MX_PREF, doff, 2);
                        if let Ok((target, n)) = read_name(m, rd + 2) {
                            h.layer
                                .push(&MX, Value::str(&target), doff + 2, n.min(len - 2));
                            answers.push(format!("MX {target}"));
                        }
                    }
                    16 => {
                        let mut i = 0;
                        while i < len {
                            let l = usize::from(data[i]);
                            let s = data.get(i + 1..(i + 1 + l).min(len)).unwrap_or(&[]);
                            let txt = String::from_utf8_lossy(s).to_string();
                            h.layer.push(&TXT, Value::str(&txt), doff + i + 1, s.len());
                            answers.push(format!(
                                "TXT \"{}\"",
                                txt.chars().take(40).collect::<String>()
                            ));
                            i += 1 + l;
                        }
                    }
                    _ if len > 0 => {
                        h.bytes(&RDATA, doff, len);
                    }
                    _ => {}
                }
                pos = rd + len;
            }
            Err(e) => problem = Some(e.into()),
        }
    }
    ctx.push(h);
    if m.len() < 12 {
        if ctx.complete {
            problem = Some(format!(
                "message of {} is shorter than the 12-byte DNS header",
                count(m.len(), "byte")
            ));
        } else {
            ctx.truncated(Protocol::Dns, off, 12);
            problem = None;
        }
    }
    if let (Some(p), false) = (&problem, ctx.complete) {
        ctx.note(
            Severity::Warning,
            crate::model::NoteKind::Truncated,
            Protocol::Dns,
            off + pos,
            format!(
                "Decoding stopped at DNS (byte {}): {p}; the capture kept only part of the frame.",
                off + pos
            ),
        );
    } else if let Some(p) = &problem {
        ctx.note(
            Severity::Warning,
            crate::model::NoteKind::Malformed,
            Protocol::Dns,
            off + pos,
            format!("DNS: {p}."),
        );
    }
    let q = questions
        .iter()
        .map(|(n, t)| format!("{} {n}", type_name(*t)))
        .collect::<Vec<_>>()
        .join(" ");
    let summary = if response {
        let mut s = format!("Standard query response 0x{id:04x}");
        if rcode != 0 {
            s.push_str(&format!(" {}", rcode_name(rcode)));
        }
        if !q.is_empty() {
            s.push(' ');
            s.push_str(&q);
        }
        for a in answers.iter().take(6) {
            s.push(' ');
            s.push_str(a);
        }
        s
    } else {
        format!("Standard query 0x{id:04x} {q}")
    };
    let net = ctx.net;
    let answers_txt = answers.join(", ");
    ctx.set_summary("DNS", summary, || {
        let (a, b) = net.map_or((String::new(), String::new()), |n| {
            (n.src_string(), n.dst_string())
        });
        let names = questions
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        // mDNS (RFC 6762) goes to a multicast group, not to one DNS server.
        let mdns = b == "224.0.0.251" || b == "ff02::fb";
        if response {
            if rcode == 3 {
                format!("{a} tells {b}: there is no such name as {names} (NXDOMAIN).")
            } else if answers_txt.is_empty() {
                let records = if an == 0 {
                    "no answer records".to_string()
                } else {
                    count(an, "answer record").to_string()
                };
                // mDNS responses repeat no question (RFC 6762 section 6).
                let about = if names.is_empty() {
                    String::new()
                } else {
                    format!("'s DNS question about {names}")
                };
                format!("{a} answers {b}{about}, with {records} ({}).", rcode_name(rcode))
            } else if names.is_empty() && mdns {
                format!("{a} announces to every host on the local link (mDNS, {b}): {answers_txt}.")
            } else if names.is_empty() {
                format!("{a} answers {b}: {answers_txt}.")
            } else {
                format!("{a} answers {b}: {names} → {answers_txt}.")
            }
        } else if mdns {
            format!("{a} asks every host on the local link (mDNS, {b}): who has the records for {names}?")
        } else {
            format!("{a} asks the DNS server {b}: what is the address (or record) for {names}?")
        }
    });
    true
}

crate::field_def!(
    DNS_RESPONSE_IN,
    "dns.response_in",
    "Response in packet",
    Base::Dec,
    "The packet with the response to this query."
);
crate::field_def!(
    DNS_RESPONSE_TO,
    "dns.response_to",
    "Request in packet",
    Base::Dec,
    "The packet with the query this response answers."
);
crate::field_def!(
    DNS_TIME,
    "dns.time",
    "Time",
    Base::None,
    "Time between the query and this response."
);

/// Add the query/response pairing to a DNS packet: `other` is the other packet's number,
/// `latency` the time since the query (None on the query itself).
pub fn pair(p: &mut Packet, other: u64, latency: Option<i64>, sentences: bool) {
    let Some(l) = p.layers.iter_mut().find(|l| l.protocol == Protocol::Dns) else {
        return;
    };
    let off = l.offset as usize;
    match latency {
        None => l.push(&DNS_RESPONSE_IN, Value::U64(other), off, 0),
        Some(ns) => {
            l.push(&DNS_RESPONSE_TO, Value::U64(other), off, 0);
            l.push(&DNS_TIME, Value::Time { ns, digits: 9 }, off, 0);
            l.set_text(Text::Owned(format!("{:.3} ms", ns as f64 / 1e6).into()));
            if sentences {
                p.sentence.push_str(&format!(
                    " The response came {:.1} ms after the query (packet {other}).",
                    ns as f64 / 1e6
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_loops() {
        // "a.b" then a pointer back to it.
        let m = [0u8; 12]
            .iter()
            .copied()
            .chain([1, b'a', 1, b'b', 0, 0xc0, 12])
            .collect::<Vec<u8>>();
        assert_eq!(read_name(&m, 12), Ok(("a.b".into(), 5)));
        assert_eq!(read_name(&m, 17), Ok(("a.b".into(), 2)));
        let looped = [0u8; 12]
            .iter()
            .copied()
            .chain([0xc0, 12])
            .collect::<Vec<u8>>();
        assert!(read_name(&looped, 12).is_err());
    }
}
