//! The subcommands of the `layerscope` binary, one file each, over the library's API.
//! Errors become messages here (anyhow); the library below uses typed errors (thiserror).

pub use anyhow::{bail, Context, Result};
pub use clap::{Parser, Subcommand, ValueEnum};
pub use layerscope::capture::store::{map_file, Backing, Mapped, ReleaseBehind};
pub use layerscope::capture::{CaptureError, Reader};
pub use layerscope::engine::{Capture, Stream};
pub use layerscope::output;
pub use std::io::{BufWriter, IsTerminal, Write};
pub use std::path::{Path, PathBuf};

mod args;
mod decode;
mod explain;
mod follow;
mod input;
mod lanes;
#[cfg(feature = "live")]
pub mod live;
mod streams;
pub mod text;
mod window;

pub use args::*;
pub use decode::*;
pub use explain::*;
pub use follow::*;
pub use input::*;
pub use streams::*;
pub use window::*;
