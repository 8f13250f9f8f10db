//! A SYN flood: a million half-open flows, each a new conversation. The pass must finish,
//! stay within its stated memory bound and say what it limited. Its own test binary, so the
//! memory it measures is its own.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use layerscope::capture::PacketStore;
use layerscope::engine::Capture;
use layerscope::flow::FlowConfig;

fn rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

/// A pcap of `n` SYNs from distinct (address, port) pairs to one server.
fn syn_flood(n: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity(24 + n as usize * 70);
    v.extend_from_slice(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]);
    v.extend_from_slice(&[0; 8]);
    v.extend_from_slice(&65535u32.to_le_bytes());
    v.extend_from_slice(&1u32.to_le_bytes());
    for i in 0..n {
        let mut f = [0u8; 54];
        f[12] = 0x08; // IPv4
        let ip = &mut f[14..34];
        ip[0] = 0x45;
        ip[2..4].copy_from_slice(&40u16.to_be_bytes());
        ip[8] = 64;
        ip[9] = 6;
        ip[12..16].copy_from_slice(&[10, (i >> 16) as u8, (i >> 8) as u8, i as u8]);
        ip[16..20].copy_from_slice(&[192, 0, 2, 1]);
        let tcp = &mut f[34..54];
        tcp[0..2].copy_from_slice(&(1024 + (i % 60_000) as u16).to_be_bytes());
        tcp[2..4].copy_from_slice(&80u16.to_be_bytes());
        tcp[4..8].copy_from_slice(&i.wrapping_mul(2_654_435_761).to_be_bytes());
        tcp[12] = 0x50;
        tcp[13] = 0x02; // SYN
        tcp[14..16].copy_from_slice(&64240u16.to_be_bytes());
        v.extend_from_slice(&(i / 1000).to_le_bytes());
        v.extend_from_slice(&((i % 1000) * 1000).to_le_bytes());
        v.extend_from_slice(&54u32.to_le_bytes());
        v.extend_from_slice(&54u32.to_le_bytes());
        v.extend_from_slice(&f);
    }
    v
}

#[test]
fn a_million_half_open_flows_stay_bounded_and_are_reported() {
    const N: u32 = 1_000_000;
    let bytes = syn_flood(N);
    let store = PacketStore::from_bytes(bytes).unwrap();
    assert_eq!(store.len(), N as usize);
    let before = rss_mb();
    let config = FlowConfig::default();
    let limit = config.max_conversations;
    let cap = Capture::analyse(store, config, |_, _| {});
    let grown = rss_mb().saturating_sub(before);
    let tracked = cap.conversations().len();
    assert_eq!(tracked, limit.min(N as usize));
    if (N as usize) > limit {
        assert!(cap.flow_stats().untracked_conversations > 0);
        assert!(
            cap.limits_report()
                .iter()
                .any(|l| l.contains("conversation")),
            "{:?}",
            cap.limits_report()
        );
    }
    assert!(cap.messages().is_empty(), "SYNs carry no application data");
    // The stated bound (docs/robustness.md): 450 bytes per tracked conversation plus 32 per
    // packet, on top of the capture's own bytes.
    let bound = (tracked * 450 + N as usize * 32) / (1 << 20);
    eprintln!("SYN flood: {tracked} conversations tracked, analysis grew RSS by {grown} MB (bound {bound} MB)");
    assert!(
        grown as usize <= bound,
        "grew {grown} MB > bound {bound} MB"
    );
    // Every packet still decodes with its flow facts.
    let p = cap.packet(N as usize - 1).unwrap();
    assert!(p.field("tcp.flags.syn").is_some());
}
