//! Property tests: packets built with etherparse's `PacketBuilder` (random addresses, ports,
//! flags, options, payloads, VLANs, IPv6) decode to the values they were built from, with good
//! checksums, and every field's byte range holds exactly the bytes of its value.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use etherparse::{PacketBuilder, TcpHeader, TcpOptionElement, VlanId};
use layerscope::decode::decode;
use layerscope::model::{FrameMeta, Packet, Timestamp, Value};
use proptest::prelude::*;

fn meta(len: usize) -> FrameMeta {
    FrameMeta {
        number: 1,
        timestamp: Timestamp { ns: 0, digits: 6 },
        caplen: len as u32,
        wirelen: len as u32,
        link_type: 1,
        interface: 0,
    }
}

fn u(p: &Packet, name: &str) -> Option<u64> {
    p.field(name).and_then(|f| f.value.as_u64())
}

fn all(p: &Packet, name: &str) -> Vec<u64> {
    p.fields_named(name)
        .filter_map(|f| f.value.as_u64())
        .collect()
}

fn b(p: &Packet, name: &str) -> Option<bool> {
    p.field(name).and_then(|f| f.value.as_bool())
}

#[derive(Debug, Clone)]
enum Net {
    V4([u8; 4], [u8; 4], u8),
    V6([u8; 16], [u8; 16], u8),
}

#[derive(Debug, Clone)]
struct Tcp {
    sp: u16,
    dp: u16,
    seq: u32,
    ack: u32,
    win: u16,
    flags: [bool; 8],
    mss: Option<u16>,
    ws: Option<u8>,
    sack_perm: bool,
    ts: Option<(u32, u32)>,
    sack: Option<(u32, u32)>,
}

fn net() -> impl Strategy<Value = Net> {
    prop_oneof![
        (any::<[u8; 4]>(), any::<[u8; 4]>(), any::<u8>()).prop_map(|(a, b, t)| Net::V4(a, b, t)),
        (any::<[u8; 16]>(), any::<[u8; 16]>(), any::<u8>()).prop_map(|(a, b, t)| Net::V6(a, b, t)),
    ]
}

fn tcp() -> impl Strategy<Value = Tcp> {
    (
        (
            any::<u16>(),
            any::<u16>(),
            any::<u32>(),
            any::<u32>(),
            any::<u16>(),
        ),
        any::<[bool; 8]>(),
        (
            proptest::option::of(any::<u16>()),
            proptest::option::of(0u8..15),
            any::<bool>(),
            proptest::option::of(any::<(u32, u32)>()),
            proptest::option::of(any::<(u32, u32)>()),
        ),
    )
        .prop_map(
            |((sp, dp, seq, ack, win), flags, (mss, ws, sack_perm, ts, sack))| Tcp {
                sp,
                dp,
                seq,
                ack,
                win,
                flags,
                mss,
                ws,
                sack_perm,
                ts,
                sack,
            },
        )
}

fn build(
    src: [u8; 6],
    dst: [u8; 6],
    vlans: &[u16],
    net: &Net,
    tcp: Option<&Tcp>,
    udp: (u16, u16),
    payload: &[u8],
) -> Vec<u8> {
    let eth = PacketBuilder::ethernet2(src, dst);
    macro_rules! finish {
        ($ip:expr) => {{
            let ip = $ip;
            let mut out = Vec::new();
            match tcp {
                Some(t) => {
                    let mut h = TcpHeader::new(t.sp, t.dp, t.seq, t.win);
                    h.acknowledgment_number = t.ack;
                    h.fin = t.flags[0];
                    h.syn = t.flags[1];
                    h.rst = t.flags[2];
                    h.psh = t.flags[3];
                    h.ack = t.flags[4];
                    h.urg = t.flags[5];
                    h.ece = t.flags[6];
                    h.cwr = t.flags[7];
                    let mut opts = vec![];
                    if let Some(m) = t.mss {
                        opts.push(TcpOptionElement::MaximumSegmentSize(m));
                    }
                    if t.sack_perm {
                        opts.push(TcpOptionElement::SelectiveAcknowledgementPermitted);
                    }
                    if let Some((v, e)) = t.ts {
                        opts.push(TcpOptionElement::Timestamp(v, e));
                    }
                    if let Some(w) = t.ws {
                        opts.push(TcpOptionElement::Noop);
                        opts.push(TcpOptionElement::WindowScale(w));
                    }
                    if let Some((l, r)) = t.sack {
                        opts.push(TcpOptionElement::SelectiveAcknowledgement(
                            (l, r),
                            [None; 3],
                        ));
                    }
                    h.set_options(&opts).unwrap();
                    ip.tcp_header(h).write(&mut out, payload).unwrap();
                }
                None => ip.udp(udp.0, udp.1).write(&mut out, payload).unwrap(),
            }
            out
        }};
    }
    macro_rules! with_net {
        ($step:expr) => {
            match net {
                Net::V4(s, d, t) => finish!($step.ipv4(*s, *d, *t)),
                Net::V6(s, d, t) => finish!($step.ipv6(*s, *d, *t)),
            }
        };
    }
    match vlans {
        [] => with_net!(eth),
        [a] => with_net!(eth.single_vlan(VlanId::try_new(*a).unwrap())),
        [a, b, ..] => {
            with_net!(eth.double_vlan(VlanId::try_new(*a).unwrap(), VlanId::try_new(*b).unwrap()))
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn built_packets_decode_to_their_values(
        src in any::<[u8; 6]>(),
        dst in any::<[u8; 6]>(),
        vlans in proptest::collection::vec(0u16..4096, 0..=2),
        net in net(),
        tcp in proptest::option::of(tcp()),
        udp in any::<(u16, u16)>(),
        payload in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let frame = build(src, dst, &vlans, &net, tcp.as_ref(), udp, &payload);
        let p = decode(&meta(frame.len()), &frame);
        prop_assert_eq!(&p.field("eth.src").unwrap().value, &Value::Mac(src));
        prop_assert_eq!(&p.field("eth.dst").unwrap().value, &Value::Mac(dst));
        prop_assert_eq!(all(&p, "vlan.id"), vlans.iter().map(|&v| u64::from(v)).collect::<Vec<_>>());
        match &net {
            Net::V4(s, d, t) => {
                prop_assert_eq!(&p.field("ip.src").unwrap().value, &Value::Ipv4(*s));
                prop_assert_eq!(&p.field("ip.dst").unwrap().value, &Value::Ipv4(*d));
                prop_assert_eq!(u(&p, "ip.ttl"), Some(u64::from(*t)));
                prop_assert_eq!(u(&p, "ip.checksum.status"), Some(1));
            }
            Net::V6(s, d, t) => {
                prop_assert_eq!(&p.field("ipv6.src").unwrap().value, &Value::Ipv6(*s));
                prop_assert_eq!(&p.field("ipv6.dst").unwrap().value, &Value::Ipv6(*d));
                prop_assert_eq!(u(&p, "ipv6.hlim"), Some(u64::from(*t)));
            }
        }
        let loopback_like = match &net {
            Net::V4(s, d, _) => s[0] == 127 && d[0] == 127,
            Net::V6(s, d, _) => s == d && *s == std::net::Ipv6Addr::LOCALHOST.octets(),
        };
        match &tcp {
            Some(t) => {
                prop_assert_eq!(u(&p, "tcp.srcport"), Some(u64::from(t.sp)));
                prop_assert_eq!(u(&p, "tcp.dstport"), Some(u64::from(t.dp)));
                prop_assert_eq!(u(&p, "tcp.seq_raw"), Some(u64::from(t.seq)));
                prop_assert_eq!(u(&p, "tcp.ack_raw"), Some(u64::from(t.ack)));
                prop_assert_eq!(u(&p, "tcp.window_size_value"), Some(u64::from(t.win)));
                let names = ["tcp.flags.fin", "tcp.flags.syn", "tcp.flags.reset", "tcp.flags.push",
                    "tcp.flags.ack", "tcp.flags.urg", "tcp.flags.ece", "tcp.flags.cwr"];
                for (n, f) in names.iter().zip(t.flags) {
                    prop_assert_eq!(b(&p, n), Some(f), "{}", n);
                }
                prop_assert_eq!(u(&p, "tcp.options.mss_val"), t.mss.map(u64::from));
                prop_assert_eq!(u(&p, "tcp.options.wscale.shift"), t.ws.map(u64::from));
                prop_assert_eq!(p.field("tcp.options.sack_perm").is_some(), t.sack_perm);
                prop_assert_eq!(u(&p, "tcp.options.timestamp.tsval"), t.ts.map(|x| u64::from(x.0)));
                prop_assert_eq!(u(&p, "tcp.options.timestamp.tsecr"), t.ts.map(|x| u64::from(x.1)));
                prop_assert_eq!(u(&p, "tcp.options.sack_le"), t.sack.map(|x| u64::from(x.0)));
                prop_assert_eq!(u(&p, "tcp.options.sack_re"), t.sack.map(|x| u64::from(x.1)));
                prop_assert_eq!(u(&p, "tcp.len"), Some(payload.len() as u64));
                if !loopback_like {
                    prop_assert_eq!(u(&p, "tcp.checksum.status"), Some(1));
                }
                prop_assert_eq!(p.protocol, "TCP");
            }
            None => {
                prop_assert_eq!(u(&p, "udp.srcport"), Some(u64::from(udp.0)));
                prop_assert_eq!(u(&p, "udp.dstport"), Some(u64::from(udp.1)));
                prop_assert_eq!(u(&p, "udp.length"), Some(8 + payload.len() as u64));
                if !loopback_like {
                    prop_assert!(matches!(u(&p, "udp.checksum.status"), Some(1) | Some(3)));
                }
            }
        }
        // UDP on a DNS port is read as DNS (as Wireshark does, even when it is not valid DNS);
        // any other payload is shown as data.
        let dns_port = tcp.is_none()
            && (layerscope::protocols::dns::is_dns_port(udp.0)
                || layerscope::protocols::dns::is_dns_port(udp.1));
        if payload.is_empty() {
            prop_assert!(p.field("data.data").is_none());
        } else if dns_port {
            let l = p.layers.iter().find(|l| l.protocol == layerscope::model::Protocol::Dns);
            prop_assert!(l.is_some(), "no DNS layer on a DNS port");
            prop_assert_eq!(l.map(|l| l.length as usize), Some(payload.len()));
        } else {
            prop_assert_eq!(&p.field("data.data").unwrap().value, &Value::bytes(&payload));
        }
        // Every numeric or address field's range holds its value's bytes.
        for l in &p.layers {
            for f in &l.fields {
                let bytes = &frame[f.range()];
                match (&f.value, f.bitmask) {
                    (Value::U64(v), None) if f.length > 0 && f.length <= 8 && matches!(f.text, layerscope::model::Text::Auto | layerscope::model::Text::Num(_)) && f.def.name != "tcp.options.wscale.multiplier" => {
                        let raw = bytes.iter().fold(0u64, |a, &x| (a << 8) | u64::from(x));
                        prop_assert_eq!(raw, *v, "{} range", f.def.name);
                    }
                    (Value::Mac(m), _) => prop_assert_eq!(bytes, m.as_slice()),
                    (Value::Ipv4(a), _) => prop_assert_eq!(bytes, a.as_slice()),
                    (Value::Ipv6(a), _) => prop_assert_eq!(bytes, a.as_slice()),
                    _ => {}
                }
            }
        }
    }
}
