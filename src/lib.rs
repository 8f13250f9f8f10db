//! layerscope: makes the network stack visible.
//!
//! Data flows one way: [`capture`] finds frames in files (and later live sources), [`decode`]
//! turns one frame into a [`model::Packet`] layer stack (handing application payloads to
//! [`protocols`]), and the CLI and GUI only read the model.
//! See `docs/architecture.md`.

/// `say!(wanted, "...", args)`: a sentence formatted only when one is wanted (a list row or a
/// text line does not pay for naming the endpoints).
macro_rules! say {
    ($on:expr, $($fmt:tt)+) => {
        if $on {
            format!($($fmt)+)
        } else {
            String::new()
        }
    };
}

pub mod capture;
pub mod decode;
/// The built-in classroom demos: real servers and clients, captured live (Linux).
#[cfg(all(feature = "demo", target_os = "linux"))]
pub mod demo;
pub mod engine;
pub mod flow;
/// The desktop window (egui). Named `gui`, not `app`: "application" is a layer here.
#[cfg(feature = "gui")]
pub mod gui;
pub mod model;
pub mod output;
pub mod protocols;
