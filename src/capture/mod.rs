//! Packet sources: capture files, live capture (pnet) and the built-in demos.
//!
//! This module depends only on [`crate::model`]: a source knows how to find frames and their
//! metadata, never how to decode them.

#[cfg(all(feature = "demo", target_os = "linux"))]
pub mod demo;
pub mod file;
#[cfg(all(feature = "live", target_os = "linux"))]
pub mod live;
pub mod pcapng;
pub mod store;
#[cfg(all(feature = "live", target_os = "linux"))]
pub mod sys;

pub use file::{CaptureError, Format, Interface, RawPacket, Reader};
pub use store::{IndexEntry, PacketStore};
