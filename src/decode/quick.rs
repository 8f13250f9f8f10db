//! The conversation a frame belongs to, read straight from its bytes.
//!
//! Why: a sharded reader (`decode --format text` on several cores) must know which worker
//! owns a packet before it decodes it, or every worker pays for decoding every packet up to
//! its transport header. For the common frame (Ethernet, IPv4, TCP or UDP, not a later
//! fragment) the addresses and ports are at fixed places; this reads them in a few
//! nanoseconds. For anything else it answers `None`, and the caller decodes to find out.
//!
//! The contract, checked by the tests below on every bundled capture and on mutated frames:
//! when this answers `Some`, the decoder calls its flow hook with exactly these addresses,
//! protocol and ports.

use crate::model::{Address, TransportInfo};

/// Source, destination and transport facts (protocol and ports only) of a frame, when they
/// are certain without decoding; `None` means "decode to find out".
pub fn quick_flow_key(link_type: u32, data: &[u8]) -> Option<(Address, Address, TransportInfo)> {
    if link_type != super::linktype::ETHERNET {
        return None;
    }
    // Ethernet II carrying IPv4, no VLAN tag.
    if data.len() < 14 || data[12..14] != [0x08, 0x00] {
        return None;
    }
    let ip = &data[14..];
    if ip.len() < 20 || ip[0] >> 4 != 4 {
        return None;
    }
    let ihl = usize::from(ip[0] & 0x0f) * 4;
    // A later fragment has no transport header; a first one does.
    let frag_offset = u16::from_be_bytes([ip[6], ip[7]]) & 0x1fff;
    if ihl < 20 || ip.len() < ihl || frag_offset != 0 {
        return None;
    }
    let proto = ip[9];
    let t = &ip[ihl..];
    let enough = match proto {
        // The decoder reads the TCP facts once 20 bytes with a valid data offset are there.
        6 => t.len() >= 20 && t[12] >> 4 >= 5,
        // And the UDP facts once the ports and length are.
        17 => t.len() >= 8,
        _ => false,
    };
    if !enough {
        return None;
    }
    let src = Address::Ipv4([ip[12], ip[13], ip[14], ip[15]]);
    let dst = Address::Ipv4([ip[16], ip[17], ip[18], ip[19]]);
    let info = TransportInfo {
        proto,
        src_port: u16::from_be_bytes([t[0], t[1]]),
        dst_port: u16::from_be_bytes([t[2], t[3]]),
        ..TransportInfo::default()
    };
    Some((src, dst, info))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Reader;
    use crate::decode::{decode_opt, Declined, Options};
    use crate::model::FrameMeta;
    use proptest::prelude::*;

    /// What the decoder gives its flow hook for this frame.
    fn hooked(meta: &FrameMeta, data: &[u8]) -> Option<(Address, Address, u8, u16, u16)> {
        let mut seen = None;
        let mut hook = |_: &FrameMeta, s, d, t: &TransportInfo| {
            seen = Some((s, d, t.proto, t.src_port, t.dst_port));
            Err(Declined)
        };
        let _ = decode_opt(
            meta,
            data,
            Options {
                flow_hook: Some(&mut hook),
                ..Options::default()
            },
        );
        seen
    }

    fn agrees(meta: &FrameMeta, data: &[u8]) {
        if let Some((s, d, t)) = quick_flow_key(meta.link_type, data) {
            assert_eq!(
                hooked(meta, data),
                Some((s, d, t.proto, t.src_port, t.dst_port)),
                "frame {}: {data:02x?}",
                meta.number
            );
        }
    }

    #[test]
    fn agrees_with_the_decoder_on_every_bundled_capture() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
        let (mut frames, mut quick) = (0, 0);
        for e in std::fs::read_dir(&dir).expect("tests/data") {
            let path = e.expect("entry").path();
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let Ok(mut r) = Reader::new(&bytes) else {
                continue;
            };
            while let Some(p) = r.next_packet() {
                frames += 1;
                quick += usize::from(quick_flow_key(p.meta.link_type, p.data).is_some());
                agrees(&p.meta, p.data);
            }
        }
        // Most bundled traffic is Ethernet/IPv4: the fast path must actually be taken.
        assert!(quick * 2 > frames, "{quick} of {frames} frames");
    }

    /// A TCP/IPv4 frame to mutate.
    fn frame() -> Vec<u8> {
        let mut f = vec![0u8; 14 + 20 + 20];
        f[12..14].copy_from_slice(&[0x08, 0x00]);
        f[14] = 0x45;
        f[16..18].copy_from_slice(&40u16.to_be_bytes());
        f[23] = 6;
        f[26..30].copy_from_slice(&[10, 0, 0, 1]);
        f[30..34].copy_from_slice(&[10, 0, 0, 2]);
        f[34..36].copy_from_slice(&1234u16.to_be_bytes());
        f[36..38].copy_from_slice(&80u16.to_be_bytes());
        f[46] = 0x50;
        f
    }

    proptest! {
        /// Damaged, cut and re-typed frames: whenever the quick path answers, the decoder
        /// agrees.
        #[test]
        fn agrees_on_mutated_frames(
            edits in proptest::collection::vec((0usize..80, any::<u8>()), 0..6),
            cut in 0usize..80,
            extra in 0usize..30,
            link in prop_oneof![Just(1u32), Just(0u32), Just(101u32), Just(113u32)],
        ) {
            let mut f = frame();
            f.extend(std::iter::repeat_n(0xab, extra));
            for (at, b) in edits {
                if let Some(x) = f.get_mut(at) {
                    *x = b;
                }
            }
            f.truncate(cut.max(1));
            let meta = FrameMeta {
                link_type: link,
                caplen: f.len() as u32,
                wirelen: f.len() as u32,
                ..FrameMeta::default()
            };
            agrees(&meta, &f);
        }
    }
}
