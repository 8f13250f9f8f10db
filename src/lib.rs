//! layerscope: makes the network stack visible.
//!
//! Data flows one way: [`capture`] finds frames in files (and later live sources), [`decode`]
//! turns one frame into a [`model::Packet`] layer stack, and the CLI and GUI only read the model.
//! See `docs/architecture.md`.

#[cfg(feature = "gui")]
pub mod app;
pub mod capture;
pub mod decode;
pub mod engine;
pub mod flow;
pub mod model;
pub mod output;
