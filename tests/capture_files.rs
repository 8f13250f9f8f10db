//! Reading capture files: every format variant the shared captures provide, damaged files, and
//! pcapng features the public files lack (packet comments, obsolete packet blocks), built here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use layerscope::capture::{CaptureError, Format, PacketStore, Reader};
use layerscope::decode::decode;
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn open(name: &str) -> PacketStore {
    PacketStore::open(&data(name), |_, _| {}).unwrap()
}

#[test]
fn classic_pcap_both_byte_orders_and_resolutions() {
    let be = open("tcpdump-pptp-bigendian.pcap");
    assert_eq!(be.len(), 23);
    assert!(matches!(
        be.format(),
        Format::Pcap {
            big_endian: true,
            nanosecond: false,
            ..
        }
    ));
    assert!(be.error().is_none());
    let m = be.meta(0).unwrap();
    assert_eq!(m.timestamp.digits, 6);
    assert_eq!(m.link_type, 1);

    let ns = open("tcpdump-tcp-handshake-nano.pcap");
    assert_eq!(ns.len(), 3);
    assert!(matches!(
        ns.format(),
        Format::Pcap {
            big_endian: false,
            nanosecond: true,
            ..
        }
    ));
    let m = ns.meta(0).unwrap();
    assert_eq!(m.timestamp.digits, 9);
    assert_eq!(m.link_type, 113);
    // tshark: frame.time_epoch of packet 1 (from tests/golden).
    let golden = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden/tcpdump-tcp-handshake-nano.pcap.tsv"),
    )
    .unwrap();
    let ts_col = golden
        .lines()
        .next()
        .unwrap()
        .split('\t')
        .position(|c| c == "frame.time_epoch")
        .unwrap();
    let expected = golden
        .lines()
        .nth(1)
        .unwrap()
        .split('\t')
        .nth(ts_col)
        .unwrap();
    assert_eq!(m.timestamp.to_decimal(), expected);

    let modified = open("pcap-parser-modified-format.pcap");
    assert_eq!(modified.len(), 1);
    assert!(matches!(
        modified.format(),
        Format::Pcap { modified: true, .. }
    ));
    let p = decode(&modified.meta(0).unwrap(), modified.data(0).unwrap());
    assert_eq!(p.protocol, "ICMP");
}

#[test]
fn empty_capture_has_no_packets_and_no_error() {
    let s = open("tcpdump-empty.pcap");
    assert_eq!(s.len(), 0);
    assert!(s.error().is_none());
}

#[test]
fn pcapng_interfaces_sections_and_resolutions() {
    let s = open("zeek-pcapng-multi-interface.pcapng");
    assert_eq!(s.len(), 6);
    assert_eq!(s.interfaces().len(), 2);
    assert_eq!(s.interfaces()[0].name.as_deref(), Some("eth0"));
    assert_eq!(s.interfaces()[0].ts_digits, 9);
    assert_eq!(s.interfaces()[1].ts_digits, 6);
    assert_eq!(
        s.meta(0).unwrap().timestamp.to_decimal(),
        "1767663089.500330493"
    );
    assert_eq!(s.meta(2).unwrap().interface, 1);
    assert_eq!(
        s.meta(2).unwrap().timestamp.to_decimal(),
        "1767663437.111897"
    );

    let mixed = open("pcapngtest-le-test202-multi-shb-mixed-endian.pcapng");
    assert_eq!(mixed.len(), 8);
    assert_eq!(
        mixed.section_comments(),
        &["test202 SHB-0", "test202 SHB-1", "test202 SHB-2"]
    );
    let link_types: std::collections::BTreeSet<u32> = (0..mixed.len())
        .map(|i| mixed.meta(i).unwrap().link_type)
        .collect();
    assert_eq!(link_types, [0, 1].into_iter().collect());
    assert!(mixed.interfaces().iter().map(|i| i.section).max() == Some(2));

    let be = open("pcapngtest-be-test102-all-block-types.pcapng");
    assert_eq!(
        be.len(),
        5,
        "EPB and SPB packets; custom/NRB/ISB/DCB blocks skipped"
    );
    assert_eq!(be.section_comments(), &["test102"]);
    assert!(be.error().is_none());
}

#[test]
fn damaged_file_keeps_earlier_packets_and_names_the_offset() {
    let s = open("suricata-bug-6875-fuzz.pcap");
    assert_eq!(s.len(), 1);
    let e = s.error().unwrap();
    assert!(
        matches!(e, CaptureError::Damaged { offset: 228, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("byte 228"));
}

/// Every capture we have, and every one of its prefixes cut at many points, opens without panic
/// or hang; a cut file keeps the packets before the cut and names an offset inside the file.
#[test]
fn every_capture_and_its_truncations_open_without_panic() {
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")];
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/captures");
    if shared.is_dir() {
        for d in std::fs::read_dir(&shared).unwrap().flatten() {
            if d.path().is_dir() {
                dirs.push(d.path());
            }
        }
    } else {
        println!("skipping ../shared/captures: not present beside the checkout");
    }
    let mut files = 0;
    for dir in dirs {
        for f in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = f.path();
            let Some(ext) = p.extension().and_then(|e| e.to_str()) else {
                continue;
            };
            if ext != "pcap" && ext != "pcapng" {
                continue;
            }
            files += 1;
            let bytes = std::fs::read(&p).unwrap();
            let full = match PacketStore::from_bytes(bytes.clone()) {
                Ok(s) => s,
                Err(e) => panic!("{}: {e}", p.display()),
            };
            for i in 0..full.len() {
                let _ = decode(&full.meta(i).unwrap(), full.data(i).unwrap());
            }
            let step = (bytes.len() / 97).max(1);
            for cut in (0..bytes.len()).step_by(step) {
                match Reader::new(&bytes[..cut]) {
                    Err(_) => continue,
                    Ok(mut r) => {
                        let mut n = 0;
                        while r.next_packet().is_some() {
                            n += 1;
                            assert!(n <= full.len(), "{}: more packets after a cut", p.display());
                        }
                        if let Some(off) = r.error().and_then(|e| e.offset()) {
                            assert!(off as usize <= cut, "{}: offset past the end", p.display());
                        }
                    }
                }
            }
        }
    }
    assert!(files >= 40);
}

fn le32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

/// A pcapng section with one interface, an Enhanced Packet Block with a comment, and an
/// obsolete Packet Block (type 2).
fn pcapng_with_comment_and_obsolete_block() -> Vec<u8> {
    let mut f = Vec::new();
    // SHB
    le32(&mut f, 0x0A0D0D0A);
    le32(&mut f, 28);
    le32(&mut f, 0x1A2B3C4D);
    f.extend_from_slice(&[1, 0, 0, 0]);
    f.extend_from_slice(&[0xff; 8]);
    le32(&mut f, 28);
    // IDB: Ethernet, snaplen 0, no options
    le32(&mut f, 1);
    le32(&mut f, 20);
    f.extend_from_slice(&[1, 0, 0, 0]);
    le32(&mut f, 0);
    le32(&mut f, 20);
    let frame: Vec<u8> = [
        [0xffu8; 6].as_slice(),
        &[2, 0, 0, 0, 0, 1],
        &[0x88, 0xcc],
        &[0u8; 46],
    ]
    .concat();
    // EPB with opt_comment "hello" + opt_endofopt
    let comment = b"hello";
    let opts_len = 4 + 8 + 4;
    let blen = 32 + frame.len() + opts_len;
    le32(&mut f, 6);
    le32(&mut f, blen as u32);
    le32(&mut f, 0);
    le32(&mut f, 0);
    le32(&mut f, 1_000_000);
    le32(&mut f, frame.len() as u32);
    le32(&mut f, frame.len() as u32);
    f.extend_from_slice(&frame);
    f.extend_from_slice(&1u16.to_le_bytes());
    f.extend_from_slice(&(comment.len() as u16).to_le_bytes());
    f.extend_from_slice(comment);
    f.extend_from_slice(&[0, 0, 0]);
    f.extend_from_slice(&[0, 0, 0, 0]);
    le32(&mut f, blen as u32);
    // Obsolete packet block: if_id u16, drops u16, ts_high, ts_low, caplen, len, data
    let blen = 32 + frame.len();
    le32(&mut f, 2);
    le32(&mut f, blen as u32);
    f.extend_from_slice(&0u16.to_le_bytes());
    f.extend_from_slice(&0u16.to_le_bytes());
    le32(&mut f, 0);
    le32(&mut f, 2_000_000);
    le32(&mut f, frame.len() as u32);
    le32(&mut f, frame.len() as u32);
    f.extend_from_slice(&frame);
    le32(&mut f, blen as u32);
    f
}

#[test]
fn pcapng_packet_comments_and_obsolete_packet_blocks() {
    let s = PacketStore::from_bytes(pcapng_with_comment_and_obsolete_block()).unwrap();
    assert!(s.error().is_none(), "{:?}", s.error());
    assert_eq!(s.len(), 2);
    assert_eq!(s.comments(1), &["hello".to_string()]);
    assert_eq!(s.meta(0).unwrap().timestamp.to_decimal(), "1.000000");
    assert_eq!(s.meta(1).unwrap().timestamp.to_decimal(), "2.000000");
    let p = layerscope::decode::decode_with_comments(
        &s.meta(0).unwrap(),
        s.data(0).unwrap(),
        s.comments(1),
    );
    assert_eq!(
        p.field("frame.comment").map(|f| f.display()),
        Some("hello".into())
    );
}

#[test]
fn pcapng_block_whose_two_lengths_disagree_is_reported() {
    let mut f = pcapng_with_comment_and_obsolete_block();
    let n = f.len();
    f[n - 4] ^= 0x40; // trailing length of the last block
    let s = PacketStore::from_bytes(f).unwrap();
    assert_eq!(s.len(), 1);
    let e = s.error().unwrap();
    assert!(e.to_string().contains("two different lengths"), "{e}");
}

fn scratch_copy(name: &str, tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("layerscope-change-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::copy(data(name), &p).unwrap();
    p
}

/// Cut a file on disk to `len` bytes (as another program might while it is open).
fn cut(p: &Path, len: u64) {
    std::fs::OpenOptions::new()
        .write(true)
        .open(p)
        .unwrap()
        .set_len(len)
        .unwrap();
}

/// A file rewritten or cut on disk while it is open is reported, and reading on never crashes:
/// a read copy keeps every packet; a mapped file stops short of the new end (no SIGBUS).
#[test]
fn file_changed_on_disk_is_reported_not_a_crash() {
    use layerscope::capture::store::FileChange;
    // Read into memory (files up to 512 MB).
    let p = scratch_copy("nodejs-socketio-chat-upgrade.pcap", "read");
    let store = PacketStore::open(&p, |_, _| {}).unwrap();
    assert!(!store.is_mapped());
    assert_eq!(store.file_change(), None);
    let n = store.len();
    cut(&p, 100);
    let change = store.file_change().unwrap();
    assert!(
        matches!(change, FileChange::Shrunk { to: 100, .. }),
        "{change:?}"
    );
    assert!(change
        .describe("x.pcap", false)
        .contains("keeps showing the version it read"));
    assert_eq!(
        (0..n).filter(|&i| store.data(i).is_some()).count(),
        n,
        "the copy is whole"
    );

    // Memory-mapped (what files over 512 MB get).
    let p = scratch_copy("nodejs-socketio-chat-upgrade.pcap", "mapped");
    let store = PacketStore::open_mapped(&p, |_, _| {}).unwrap();
    assert!(store.is_mapped());
    cut(&p, 4096);
    let change = store.file_change().unwrap();
    assert!(change
        .describe("x.pcap", true)
        .contains("can no longer be shown"));
    // Touch every packet: the ones past the new end are refused instead of faulting.
    let readable: Vec<bool> = (0..n)
        .map(|i| store.data(i).map(|d| d.len()).is_some())
        .collect();
    assert!(readable[0]);
    assert!(!readable[n - 1]);
    let first_gone = readable.iter().position(|r| !r).unwrap();
    assert!(readable[first_gone..].iter().all(|r| !r));

    // Deleted.
    std::fs::remove_file(&p).unwrap();
    assert_eq!(store.file_change(), Some(FileChange::Gone));
}

/// A mapped file cut on disk *before* the store has noticed: reading past the new end must not
/// kill the process (SIGBUS). The guard puts zeros where the file's pages were; the next check
/// reports the cut.
#[cfg(all(feature = "live", target_os = "linux"))]
#[test]
fn reading_a_cut_mapped_file_before_the_check_does_not_crash() {
    use layerscope::capture::store::FileChange;
    use layerscope::capture::sys::map_guard;
    let p = scratch_copy("nodejs-socketio-chat-upgrade.pcap", "cut-unnoticed");
    let mut store = PacketStore::open_mapped(&p, |_, _| {}).unwrap();
    let n = store.len();
    let before: Vec<Vec<u8>> = (0..n).map(|i| store.data(i).unwrap().to_vec()).collect();
    // Drop the pages from this process so that the next reads go to the (now cut) file.
    store.passed(n);
    cut(&p, 4096);
    let faults = map_guard::faults();
    // No file_change() call yet: every packet is still "readable".
    let after: Vec<Vec<u8>> = (0..n).map(|i| store.data(i).unwrap().to_vec()).collect();
    assert_eq!(after[0], before[0], "the first page is still in the file");
    let last = &after[n - 1];
    assert!(
        last.iter().all(|&b| b == 0),
        "a page that is gone reads as zeros"
    );
    assert!(map_guard::faults() > faults, "the guard caught the faults");
    assert!(matches!(
        store.file_change(),
        Some(FileChange::Shrunk { to: 4096, .. })
    ));
}
