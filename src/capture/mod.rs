//! Packet sources: capture files now; live capture and demos produce the same [`RawPacket`]s.
//!
//! This module depends only on [`crate::model`]: a source knows how to find frames and their
//! metadata, never how to decode them.

pub mod file;
pub mod store;

pub use file::{CaptureError, Format, Interface, RawPacket, Reader};
pub use store::{IndexEntry, PacketStore};
