//! No subcommand: the desktop window on a file or the bundled sample (or, without a display,
//! the sample decoded to the terminal).
use super::*;

/// The capture bundled with the binary, decoded when no arguments are given.
pub const SAMPLE: &[u8] = include_bytes!("../../assets/socketio-chat.pcap");
pub const SAMPLE_NAME: &str = "assets/socketio-chat.pcap";

/// "1280x720" as a window size.
pub fn parse_size(s: &str) -> Result<[f32; 2], String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("'{s}' is not WIDTHxHEIGHT, e.g. 1280x720"))?;
    let n = |v: &str| {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|&n| (100..=16384).contains(&n))
            .map(|n| n as f32)
            .ok_or_else(|| format!("'{v}' is not a size in pixels (100 to 16384)"))
    };
    Ok([n(w)?, n(h)?])
}

/// The desktop app; without a display (or without the `gui` feature) the capture is decoded to
/// the terminal instead, with a word on why.
pub fn gui(cli: Cli) -> Result<Option<String>> {
    let has_display =
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    let file = cli.file.clone();
    #[cfg(feature = "gui")]
    if has_display {
        use layerscope::gui::{Launch, Tab};
        let launch = Launch {
            path: cli.file,
            packet: cli.packet,
            view: cli.view.map(|v| match v {
                View::Details => Tab::Details,
                View::Ladder | View::Broadcast => Tab::Ladder,
                View::Sockets => Tab::Sockets,
                View::Glossary => Tab::Glossary,
            }),
            font_scale: cli.text_size,
            fan_out: matches!(cli.view, Some(View::Broadcast)),
            exit_after_frames: cli.exit_after_frames,
            timings: cli.timings.then_some(cli.started).flatten(),
            demo: cli.demo,
            listen_lan: cli.listen_lan,
            join_code: cli.join_code,
            student_page: cli.student_page.unwrap_or_default(),
            live: cli.live,
            presenter: cli.presenter,
            window_size: cli.window_size,
            screenshot: cli.screenshot.clone(),
        };
        layerscope::gui::run(launch, SAMPLE, SAMPLE_NAME)
            .map_err(|e| anyhow::anyhow!("the window could not open: {e}"))?;
        return Ok(None);
    }
    if cli.screenshot.is_some() {
        anyhow::bail!(
            "--screenshot needs a display (run it under Xvfb: xvfb-run layerscope ... --screenshot OUT.png)"
        );
    }
    #[cfg(not(feature = "gui"))]
    let _ = (cli.packet, cli.view, cli.text_size, cli.exit_after_frames);
    #[cfg(not(feature = "gui"))]
    let _ = (cli.presenter, cli.window_size);
    #[cfg(not(feature = "gui"))]
    let _ = (cli.timings, cli.started);
    let why = if cfg!(feature = "gui") {
        "no display found"
    } else {
        "built without the `gui` feature"
    };
    let _ = has_display;
    match file {
        Some(f) => {
            eprintln!(
                "layerscope: {why}; decoding {} to the terminal",
                f.display()
            );
            decode_file(&f, Format::Text, None)
        }
        None => {
            eprintln!(
                "layerscope: {why}; decoding the bundled sample {SAMPLE_NAME} to the terminal"
            );
            decode_bytes(&Backing::Owned(SAMPLE.to_vec()), Format::Text, None)
        }
    }
}
