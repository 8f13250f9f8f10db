//! The live ring buffer: a memory cap for captures that run all day.
//!
//! Why a background rebuild: packet numbers, conversations and messages all index the store
//! from its first packet, so dropping old packets means analysing the kept ones again. Done on
//! the consumer's thread that would stall the window (and overflow the capture channel) for
//! the fraction of a second it takes; so the kept packets are copied (a memcpy), analysed on a
//! worker thread while new packets keep arriving in the old capture, and the fresh capture
//! takes over once it has caught up.
//!
//! The cap bounds the packet store's heap (bytes + index): eviction starts at two thirds of
//! the cap and keeps the newest half, so the old store plus the copy being analysed stay
//! within the cap.

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
    rebuild: Option<Rebuild>,
}

impl Ring {
    pub fn new(cap_bytes: usize) -> Self {
        Ring {
            cap_bytes,
            evicted: 0,
            rebuild: None,
        }
    }

    /// Whether an eviction is being prepared.
    pub fn rebuilding(&self) -> bool {
        self.rebuild.is_some()
    }

    /// Append a packet to `cap` (and to the rebuild in progress); start a rebuild when the
    /// store passes two thirds of the cap. Returns a replacement capture when a rebuild has
    /// finished (the caller swaps it in).
    pub fn push(&mut self, cap: &mut Capture, ts_ns: i64, data: &[u8], wirelen: u32, iface: u32) {
        cap.push(ts_ns, data, wirelen, iface);
        if let Some(r) = &mut self.rebuild {
            r.pending.push((ts_ns, data.to_vec(), wirelen, iface));
        } else if cap.store.heap_bytes() > self.cap_bytes / 3 * 2 {
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
                }
            }
        }
    }

    /// If the rebuild is done, the fresh capture with everything that arrived meanwhile.
    pub fn poll(&mut self) -> Option<Capture> {
        if !self.rebuild.as_ref()?.worker.is_finished() {
            return None;
        }
        let r = self.rebuild.take()?;
        let mut fresh = r.worker.join().ok()?;
        for (ts, d, w, i) in &r.pending {
            fresh.push(*ts, d, *w, *i);
        }
        self.evicted += r.dropping;
        Some(fresh)
    }
}
