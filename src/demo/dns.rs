//! The DNS demo: a local responder (simple-dns) answering A, AAAA, TXT and NXDOMAIN.

use super::{say, step_err, DemoError};
use simple_dns::rdata::{RData, A, AAAA, TXT};
use simple_dns::{
    Name, Packet, PacketFlag, Question, ResourceRecord, CLASS, QCLASS, QTYPE, RCODE, TYPE,
};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;
use tokio::net::UdpSocket;

/// The zone the responder knows.
pub const ZONE: &str = "classroom.test";
pub const A_ADDR: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 7);
pub const AAAA_ADDR: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 7);
pub const TXT_TEXT: &str = "hello from the layerscope DNS demo";

/// Build the answer to one query (`None` if it is not a query we can parse).
pub fn answer(query: &[u8]) -> Option<Vec<u8>> {
    let q = Packet::parse(query).ok()?;
    let mut reply = Packet::new_reply(q.id());
    reply.set_flags(PacketFlag::AUTHORITATIVE_ANSWER);
    // RFC 1035 section 4.1.1: RD "may be set in a query and is copied into the response".
    if q.has_flags(PacketFlag::RECURSION_DESIRED) {
        reply.set_flags(PacketFlag::RECURSION_DESIRED);
    }
    let mut known = false;
    for question in &q.questions {
        reply.questions.push(question.clone());
        let name = question.qname.to_string();
        if !name.eq_ignore_ascii_case(&format!("www.{ZONE}")) {
            continue;
        }
        known = true;
        let rdata = match question.qtype {
            QTYPE::TYPE(TYPE::A) => RData::A(A::from(A_ADDR)),
            QTYPE::TYPE(TYPE::AAAA) => RData::AAAA(AAAA::from(AAAA_ADDR)),
            QTYPE::TYPE(TYPE::TXT) => RData::TXT(TXT::new().with_string(TXT_TEXT).ok()?),
            _ => continue,
        };
        reply.answers.push(ResourceRecord::new(
            question.qname.clone(),
            CLASS::IN,
            300,
            rdata,
        ));
    }
    if !known {
        *reply.rcode_mut() = RCODE::NameError;
    }
    reply.build_bytes_vec_compressed().ok()
}

fn query(id: u16, name: &str, ty: TYPE) -> Option<Vec<u8>> {
    let mut p = Packet::new_query(id);
    p.set_flags(PacketFlag::RECURSION_DESIRED);
    p.questions.push(Question::new(
        Name::new(name).ok()?,
        QTYPE::TYPE(ty),
        QCLASS::CLASS(CLASS::IN),
        false,
    ));
    p.build_bytes_vec().ok()
}

pub(super) async fn run() -> Result<(), DemoError> {
    let server = match UdpSocket::bind(("127.0.0.1", 53)).await {
        Ok(s) => s,
        Err(_) => UdpSocket::bind(("127.0.0.1", 5353))
            .await
            .map_err(step_err)?,
    };
    let port = server.local_addr().map_err(step_err)?.port();
    let responder = tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        while let Ok((n, from)) = server.recv_from(&mut buf).await {
            if let Some(a) = answer(&buf[..n]) {
                let _ = server.send_to(&a, from).await;
            }
        }
    });
    let client = UdpSocket::bind(("127.0.0.1", 0)).await.map_err(step_err)?;
    let www = format!("www.{ZONE}");
    let steps = [
        (0x1001, www.as_str(), TYPE::A, "an A record (IPv4 address)"),
        (
            0x1002,
            www.as_str(),
            TYPE::AAAA,
            "an AAAA record (IPv6 address)",
        ),
        (0x1003, www.as_str(), TYPE::TXT, "a TXT record (free text)"),
    ];
    let missing = format!("nosuchhost.{ZONE}");
    let all = steps.into_iter().chain(std::iter::once((
        0x1004,
        missing.as_str(),
        TYPE::A,
        "a name that does not exist",
    )));
    for (id, name, ty, what) in all {
        say(&format!(
            "the client asks for {what}: {name} (transaction ID 0x{id:04x}, UDP port {port})"
        ));
        let q = query(id, name, ty).ok_or_else(|| step_err("cannot build the query"))?;
        client
            .send_to(&q, ("127.0.0.1", port))
            .await
            .map_err(step_err)?;
        let mut buf = [0u8; 1500];
        let _ = tokio::time::timeout(Duration::from_secs(2), client.recv_from(&mut buf))
            .await
            .map_err(|_| step_err("no DNS answer within 2 s"))?
            .map_err(step_err)?;
        super::step_pause().await;
    }
    say("every response carries its query's transaction ID: that is how the client pairs them");
    responder.abort();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responder_answers_and_refuses() {
        let a = answer(&query(7, "www.classroom.test", TYPE::A).unwrap()).unwrap();
        let p = Packet::parse(&a).unwrap();
        assert_eq!(p.id(), 7);
        assert_eq!(p.answers.len(), 1);
        assert!(
            p.has_flags(PacketFlag::RECURSION_DESIRED),
            "RD is copied from the query into the response (RFC 1035 section 4.1.1)"
        );
        let n = answer(&query(8, "nope.classroom.test", TYPE::A).unwrap()).unwrap();
        let p = Packet::parse(&n).unwrap();
        assert_eq!(p.rcode(), RCODE::NameError);
        assert!(answer(b"").is_none(), "an empty datagram is not a query");
    }
}
