//! The one ordered worker pipeline of the CLI: worker threads each produce their output in
//! order, chunk by chunk, and one writer takes the chunks back in the file's order.
//!
//! Why one: both parallel decoders need the same plumbing — a bounded channel per worker
//! (a worker runs at most [`AHEAD`] chunks ahead, so memory stays a few chunks whatever the
//! file size), written buffers sent back for reuse (a chunk of jsonl is megabytes: fresh
//! buffers would cost page faults and regrowth copies), and a stop when the writer fails.
//! What differs is only who renders which packets: jsonl renders independent ranges of an
//! indexed capture (`cli::decode`), text shards the conversations of a one-pass read
//! (`cli::text`).

use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::thread::{Scope, ScopedJoinHandle};

/// Chunks a worker may have rendered that the writer has not taken yet.
pub const AHEAD: usize = 2;

/// A worker's end of its lane.
pub struct Lane<T> {
    tx: SyncSender<T>,
    back: Receiver<T>,
}

impl<T: Default> Lane<T> {
    /// A buffer to render the next chunk into: one the writer gave back, or a new one.
    pub fn buffer(&self) -> T {
        self.back.try_recv().unwrap_or_default()
    }

    /// Hand a rendered chunk to the writer; false if the writer stopped (then stop too).
    pub fn send(&self, chunk: T) -> bool {
        self.tx.send(chunk).is_ok()
    }
}

/// The writer's ends of every lane.
pub struct Lanes<T> {
    lanes: Vec<(Receiver<T>, Sender<T>)>,
}

impl<T> Lanes<T> {
    /// The next chunk of worker `w`, waiting for it; None once that worker has finished.
    pub fn recv(&self, w: usize) -> Option<T> {
        self.lanes.get(w)?.0.recv().ok()
    }

    /// Give a written chunk's buffer back to worker `w` for reuse.
    pub fn give_back(&self, w: usize, chunk: T) {
        if let Some((_, back)) = self.lanes.get(w) {
            let _ = back.send(chunk); // the worker may have finished: then it is dropped
        }
    }

    pub fn len(&self) -> usize {
        self.lanes.len()
    }
}

/// Start `workers` threads named `name-0`, `name-1`, ... in `scope`, each running
/// `work(w, lane)`, and return the writer's ends and the threads (to join for their results).
pub fn spawn<'scope, T, R, F>(
    scope: &'scope Scope<'scope, '_>,
    workers: usize,
    name: &str,
    work: &'scope F,
) -> std::io::Result<(Lanes<T>, Vec<ScopedJoinHandle<'scope, R>>)>
where
    T: Send + 'scope,
    R: Send + 'scope,
    F: Fn(usize, &Lane<T>) -> R + Sync,
{
    let mut lanes = Vec::with_capacity(workers);
    let mut handles = Vec::with_capacity(workers);
    for w in 0..workers {
        let (tx, rx) = sync_channel::<T>(AHEAD);
        let (back_tx, back) = channel::<T>();
        let lane = Lane { tx, back };
        handles.push(
            std::thread::Builder::new()
                .name(format!("{name}-{w}"))
                .spawn_scoped(scope, move || work(w, &lane))?,
        );
        lanes.push((rx, back_tx));
    }
    Ok((Lanes { lanes }, handles))
}
