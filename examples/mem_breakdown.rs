//! Where the memory of an opened capture goes: opens a file the way the desktop app does
//! (`Capture::open`), then takes the analysis apart piece by piece under a counting allocator
//! and prints what each piece held. Used for `docs/performance.md`'s memory figures.
//!
//! `cargo run --release --example mem_breakdown -- FILE`

use layerscope::engine::Capture;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts sizes.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size(), Ordering::Relaxed);
        // SAFETY: same layout contract as our caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        // SAFETY: `p` came from `alloc` above with this layout.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new, Ordering::Relaxed);
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static A: Counting = Counting;

fn mb(b: usize) -> f64 {
    b as f64 / 1e6
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: mem_breakdown FILE")?;
    let base = LIVE.load(Ordering::Relaxed);
    let cap = Capture::open(std::path::Path::new(&path), |_, _| {})?;
    let total = LIVE.load(Ordering::Relaxed) - base;
    let n = cap.store.len();
    println!("{path}: {n} packets, heap after open {:.1} MB", mb(total));
    let mut last = LIVE.load(Ordering::Relaxed);
    let step = |what: &str, last: &mut usize| {
        let now = LIVE.load(Ordering::Relaxed);
        let freed = last.saturating_sub(now);
        println!(
            "  {what:<34} {:>8.1} MB  {:>6.1} B/packet",
            mb(freed),
            freed as f64 / n.max(1) as f64
        );
        *last = now;
    };
    let (store, mut flows, mut app) = cap.into_parts();
    let msgs = std::mem::take(&mut app.messages);
    println!(
        "  ({} messages, {} kept in full; records of {} B, full messages of {} B)",
        msgs.len(),
        msgs.full_count(),
        std::mem::size_of::<layerscope::flow::messages::Rec>(),
        std::mem::size_of::<layerscope::flow::app::Message>()
    );
    drop(msgs);
    step("messages", &mut last);
    let convs = std::mem::take(&mut flows.conversations);
    let nconv = convs.len();
    println!(
        "  ({} B per conversation, capacity {})",
        std::mem::size_of::<layerscope::flow::Conversation>(),
        convs.capacity()
    );
    drop(convs);
    step(&format!("{nconv} conversations"), &mut last);
    drop(app);
    step("rest of the application pass", &mut last);
    drop(flows);
    step("per-packet flow facts + index", &mut last);
    let raw = std::fs::metadata(&path)?.len() as usize;
    drop(store);
    step("packet store (bytes + index)", &mut last);
    println!("  (raw file {:.1} MB)", mb(raw));
    Ok(())
}
