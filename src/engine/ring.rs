//! The live ring buffer: a memory cap for captures that run all day.
//!
//! Why a background rebuild: packet numbers, conversations and messages all index the store
//! from its first packet, so dropping old packets means analysing the kept ones again. Done on
//! the consumer's thread that would stall the window (and overflow the capture channel) for
//! the fraction of a second it takes; so the kept packets are copied (a memcpy), analysed on a
//! worker thread while new packets keep arriving in the old capture, and the fresh capture
//! takes over once it has caught up.
//!
//! The cap bounds everything the capture holds for its packets (store bytes and index, flow
//! tables, messages; [`Capture::heap_bytes`]): eviction starts at two thirds of the cap and
//! keeps the newest half, so the old capture plus the copy being analysed stay about within
//! the cap.

use super::Capture;
use std::thread::JoinHandle;

/// A rebuild in progress.
struct Rebuild {
    worker: JoinHandle<Capture>,
    /// Packets that arrived meanwhile: (ts_ns, data, wirelen, interface).
    pending: Vec<(i64, Vec<u8>, u32, u32)>,
    /// Packets dropped from the front by this rebuild.
    dropping: u64,
}

/// Ring-buffer bookkeeping beside a live [`Capture`].
pub struct Ring {
    pub cap_bytes: usize,
    /// Packets dropped from the front so far.
    pub evicted: u64,
    /// How many times a fresh capture replaced the old one (views re-read it when it changes).
    pub swaps: u64,
    rebuild: Option<Rebuild>,
}

impl Ring {
    pub fn new(cap_bytes: usize) -> Self {
        Ring {
            cap_bytes,
            evicted: 0,
            swaps: 0,
            rebuild: None,
        }
    }

    /// Whether an eviction is being prepared.
    pub fn rebuilding(&self) -> bool {
        self.rebuild.is_some()
    }

    /// Append a packet to `cap` (and to the rebuild in progress); start a rebuild when the
    /// capture passes two thirds of the cap. If it reaches the cap while a rebuild is still
    /// running, wait for the rebuild and swap it into `cap` (`swaps` counts every swap).
    pub fn push(&mut self, cap: &mut Capture, ts_ns: i64, data: &[u8], wirelen: u32, iface: u32) {
        cap.push(ts_ns, data, wirelen, iface);
        if let Some(r) = &mut self.rebuild {
            r.pending.push((ts_ns, data.to_vec(), wirelen, iface));
            if cap.heap_bytes() > self.cap_bytes {
                // Packets come faster than the rebuild: wait for it rather than pass the cap.
                if let Some(fresh) = self.finish() {
                    *cap = fresh;
                }
            }
        } else if cap.heap_bytes() > self.cap_bytes / 3 * 2 {
            let from = cap.len() / 2;
            let store = cap.copy_newest(from);
            let spawned = std::thread::Builder::new()
                .name("ring-rebuild".into())
                .spawn(move || Capture::analyse_live(store));
            match spawned {
                Ok(worker) => {
                    self.rebuild = Some(Rebuild {
                        worker,
                        pending: Vec::new(),
                        dropping: from as u64,
                    });
                }
                // No thread: rebuild here (the UI stalls briefly, nothing is lost).
                Err(_) => {
                    *cap = Capture::analyse_live(cap.copy_newest(from));
                    self.evicted += from as u64;
                    self.swaps += 1;
                }
            }
        }
    }

    /// If the rebuild is done, the fresh capture with everything that arrived meanwhile.
    pub fn poll(&mut self) -> Option<Capture> {
        if !self.rebuild.as_ref()?.worker.is_finished() {
            return None;
        }
        self.finish()
    }

    /// Wait for the rebuild and return the fresh capture with what arrived meanwhile.
    fn finish(&mut self) -> Option<Capture> {
        let r = self.rebuild.take()?;
        let mut fresh = r.worker.join().ok()?;
        for (ts, d, w, i) in &r.pending {
            fresh.push(*ts, d, *w, *i);
        }
        self.evicted += r.dropping;
        self.swaps += 1;
        Some(fresh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Interface;

    /// An Ethernet/IPv4/UDP frame with a 64-byte payload.
    fn udp_frame(i: u32) -> Vec<u8> {
        let mut f = vec![0u8; 14 + 20 + 8 + 64];
        f[12] = 0x08;
        f[14] = 0x45;
        f[16..18].copy_from_slice(&((20 + 8 + 64) as u16).to_be_bytes());
        f[22] = 64;
        f[23] = 17;
        f[26..30].copy_from_slice(&[127, 0, 0, 1]);
        f[30..34].copy_from_slice(&[127, 0, 0, 1]);
        f[34..36].copy_from_slice(&(40_000 + (i % 7) as u16).to_be_bytes());
        f[36..38].copy_from_slice(&9_999u16.to_be_bytes());
        f[38..40].copy_from_slice(&72u16.to_be_bytes());
        f
    }

    #[test]
    fn the_cap_evicts_the_oldest_and_keeps_numbering_whole() {
        const N: u32 = 400_000;
        let cap_bytes = 16 << 20;
        let mut ring = Ring::new(cap_bytes);
        let mut cap = Capture::live(vec![Interface::live(1, "lo", 262_144)]);
        let mut peak = 0;
        for i in 0..N {
            let f = udp_frame(i);
            ring.push(&mut cap, i64::from(i) * 1000, &f, f.len() as u32, 0);
            if let Some(fresh) = ring.poll() {
                cap = fresh;
            }
            peak = peak.max(cap.heap_bytes());
        }
        // Let the last rebuild land.
        while ring.rebuilding() {
            std::thread::sleep(std::time::Duration::from_millis(5));
            if let Some(fresh) = ring.poll() {
                cap = fresh;
            }
        }
        assert!(
            ring.evicted > 0,
            "the cap was reached and the oldest packets dropped"
        );
        assert_eq!(
            ring.evicted + cap.len() as u64,
            u64::from(N),
            "nothing lost but what was evicted"
        );
        assert!(
            peak <= cap_bytes,
            "held {peak} bytes for a {cap_bytes}-byte cap"
        );
        // The newest packet is the last one pushed, and it still decodes with its flow facts.
        let last = cap.len() - 1;
        assert_eq!(
            cap.store.meta(last).unwrap().timestamp.ns,
            i64::from(N - 1) * 1000
        );
        assert!(cap.packet(last).unwrap().field("udp.stream").is_some());
    }
}
