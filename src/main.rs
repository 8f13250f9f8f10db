//! The `layerscope` command line. Errors become messages here (anyhow); the library below uses
//! typed errors (thiserror).
//!
//! Exit codes: 0 success; 1 the file could not be opened or is not a capture; 2 bad usage
//! (clap); 3 the capture is damaged — every packet before the damage was still printed.
//!
//! Each subcommand is one file in `src/cli/`; this file parses the arguments, runs one, and
//! turns its result into an exit code.

mod cli;

use cli::*;
use std::process::ExitCode;

/// Exit code for a damaged capture (packets before the damage were printed).
const EXIT_DAMAGED: u8 = 3;

fn main() -> ExitCode {
    let started = std::time::Instant::now();
    if let Some(first) = std::env::args().nth(1) {
        if let Some(meant) = misspelt_subcommand(&first) {
            eprintln!(
                "layerscope: error: '{first}' is neither a subcommand nor a file; did you mean '{meant}'?\n\nFor more information, try '--help'."
            );
            return ExitCode::from(2);
        }
    }
    let mut cli = Cli::parse();
    cli.started = Some(started);
    if let Some(mib) = cli.memory_budget {
        layerscope::flow::app::set_memory_budget(mib as usize);
    }
    let result = match cli.command {
        None => gui(cli),
        Some(Command::Decode {
            file,
            format,
            count,
        }) => with_input(&file, |f| decode_file(f, format, count)),
        Some(Command::Explain {
            file,
            packet,
            placement,
        }) => with_input(&file, |f| explain_file(f, packet, placement.into())),
        Some(Command::Streams { file }) => with_input(&file, streams_file),
        Some(Command::Follow { file, stream, udp }) => {
            with_input(&file, |f| follow_file(f, stream, udp))
        }
        #[cfg(feature = "live")]
        Some(Command::Interfaces { json }) => live::interfaces(json),
        #[cfg(feature = "live")]
        Some(Command::Capture {
            interface,
            write,
            count,
            duration,
            format,
        }) => live::capture(&interface, write.as_deref(), count, duration, format),
        #[cfg(feature = "demo")]
        Some(Command::Demo {
            name,
            write,
            repeat,
            format,
            run,
        }) => live::demo(name, write.as_deref(), repeat, format, run.options()),
        #[cfg(feature = "demo")]
        Some(Command::DemoChild { name, run }) => live::demo_child(name, run.options()),
        #[cfg(feature = "demo")]
        Some(Command::LanServer { name, lan }) => live::lan_server(name, &lan.options()),
    };
    match result {
        Ok(None) => ExitCode::SUCCESS,
        Ok(Some(damage)) => {
            eprintln!("layerscope: warning: {damage}");
            eprintln!("layerscope: every packet before the damage was decoded");
            ExitCode::from(EXIT_DAMAGED)
        }
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("layerscope: error: {}", error_text(&e));
            ExitCode::FAILURE
        }
    }
}
