//! The engine joins the pieces: a capture's packet store, the one flow pass over it, and
//! on-demand decoding of any packet with its flow facts.
//!
//! The CLI and the GUI talk only to [`Capture`]: `row(i)` for a list line (no field tree, no
//! sentence), `packet(i)` for everything about one packet.

use crate::capture::store::OpenError;
use crate::capture::PacketStore;
use crate::decode::{decode_opt, Options};
use crate::flow::{FlowConfig, Flows};
use crate::model::Packet;
use std::path::Path;

/// An opened, analysed capture.
pub struct Capture {
    pub store: PacketStore,
    pub flows: Flows,
}

impl Capture {
    /// Open, index and analyse a capture file. `progress(done, total)` reports indexing (bytes)
    /// and then the flow pass (packets), each from 0 to its total.
    pub fn open(path: &Path, mut progress: impl FnMut(u64, u64)) -> Result<Self, OpenError> {
        let store = PacketStore::open(path, &mut progress)?;
        Ok(Self::analyse(store, FlowConfig::default(), progress))
    }

    /// Run the flow pass over an opened store.
    pub fn analyse(
        store: PacketStore,
        config: FlowConfig,
        mut progress: impl FnMut(u64, u64),
    ) -> Self {
        let mut flows = Flows::new(config);
        let n = store.len();
        for i in 0..n {
            if let (Some(meta), Some(data)) = (store.meta(i), store.data(i)) {
                let mut hook =
                    |m: &crate::model::FrameMeta, s, d, t: &crate::model::TransportInfo| {
                        flows.observe(m, s, d, t)
                    };
                let _ = decode_opt(
                    &meta,
                    data,
                    Options {
                        flow_hook: Some(&mut hook),
                        ..Options::default()
                    },
                );
            }
            if i % 65_536 == 0 {
                progress(i as u64, n as u64);
            }
        }
        flows.finish(n);
        progress(n as u64, n as u64);
        Capture { store, flows }
    }

    pub fn len(&self) -> usize {
        self.store.len()
    }

    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    fn decode(&self, i: usize, sentences: bool, fields: bool) -> Option<Packet> {
        let meta = self.store.meta(i)?;
        let data = self.store.data(i)?;
        Some(decode_opt(
            &meta,
            data,
            Options {
                comments: self.store.comments(meta.number),
                sentences,
                fields,
                flow: self.flows.facts(i),
                flow_hook: None,
            },
        ))
    }

    /// Packet `i` (0-based) for a list row: columns, Info line, layers, notes.
    pub fn row(&self, i: usize) -> Option<Packet> {
        self.decode(i, false, false)
    }

    /// Packet `i` (0-based) in full: field trees, flow fields, sentence.
    pub fn packet(&self, i: usize) -> Option<Packet> {
        self.decode(i, true, true)
    }

    /// Packet `i` in full but without the sentence (jsonl without sentences is not offered;
    /// this is for tests and benchmarks).
    pub fn packet_fields(&self, i: usize) -> Option<Packet> {
        self.decode(i, false, true)
    }
}
