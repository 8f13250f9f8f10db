//! Packet sources: capture files and live capture (pnet); the built-in demos that capture
//! their own traffic are in `crate::demo`.
//!
//! This module depends only on [`crate::model`]: a source knows how to find frames and their
//! metadata, never how to decode them.

pub mod file;
#[cfg(all(feature = "live", target_os = "linux"))]
pub mod live;
pub mod pcapng;
pub mod store;
#[cfg(all(feature = "live", target_os = "linux"))]
pub mod sys;

pub use file::{CaptureError, Format, Interface, RawPacket, Reader};
pub use store::{IndexEntry, PacketStore};
