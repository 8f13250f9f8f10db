//! The command line's arguments (clap): the subcommands and their flags.
use super::*;

#[derive(Parser)]
#[command(
    name = "layerscope",
    version,
    about = "See every packet on the OSI and TCP/IP layers",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Memory a capture's decoded messages may keep, in MiB (default 256): decompressed
    /// and reassembled data past it is kept as 64 KiB previews, and the other budgets scale
    /// with it (see docs/robustness.md). For every command and the window.
    #[arg(long, global = true, value_name = "MIB", value_parser = clap::value_parser!(u32).range(16..=65536))]
    pub memory_budget: Option<u32>,
    /// Open this capture in the desktop app (no file: the bundled sample).
    pub file: Option<PathBuf>,
    /// Select this packet (1-based) when the window opens.
    #[arg(long)]
    pub packet: Option<u64>,
    /// Start on this view.
    #[arg(long, value_enum)]
    pub view: Option<View>,
    /// Start with this text size (1.0 to 2.5).
    #[arg(long)]
    pub text_size: Option<f32>,
    /// Start in the presenter layout (the sentence, the layers and the ladder, large).
    #[arg(long)]
    pub presenter: bool,
    /// The window's size in pixels, e.g. 1280x720.
    #[arg(long, value_parser = parse_size)]
    pub window_size: Option<[f32; 2]>,
    /// Open the window, render the chosen state (--packet, --view, --text-size), write it to
    /// this PNG and exit. Needs a display (Xvfb works).
    #[arg(long)]
    pub screenshot: Option<PathBuf>,
    /// Start this built-in demo when the window opens.
    #[cfg(feature = "gui")]
    #[arg(long, value_enum)]
    pub demo: Option<layerscope::demo::DemoName>,
    /// With --demo websocket|socketio: students join from their browsers (see `demo
    /// --listen-lan`; needs CAP_NET_RAW).
    #[cfg(feature = "gui")]
    #[arg(long, requires = "demo")]
    pub listen_lan: bool,
    /// With --listen-lan: students need a 4-digit join code, shown on the demo banner.
    #[cfg(feature = "gui")]
    #[arg(long, requires = "listen_lan")]
    pub join_code: bool,
    /// With --listen-lan and the Socket.IO demo: the page students get (the official client
    /// library, or Socket.IO by hand with every byte readable).
    #[cfg(feature = "gui")]
    #[arg(long, value_enum, requires = "listen_lan")]
    pub student_page: Option<layerscope::demo::StudentPage>,
    /// Start capturing on this interface when the window opens.
    #[cfg(feature = "gui")]
    #[arg(long)]
    pub live: Option<String>,
    /// Close the window after this many frames (smoke tests and screenshots).
    #[arg(long, hide = true)]
    pub exit_after_frames: Option<u64>,
    /// Print to stderr when the first packets are on screen and when the whole file is loaded
    /// (milliseconds since start, and the memory in use then): what `scripts/scale.sh` reads.
    /// A developer's flag: not in `--help`.
    #[arg(long, hide = true)]
    pub timings: bool,
    #[arg(skip)]
    pub started: Option<std::time::Instant>,
}

#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
pub enum View {
    Details,
    Ladder,
    /// The ladder with every Socket.IO client at once (broadcasts fan out).
    Broadcast,
    /// A server's listening socket and one socket per accepted connection.
    Sockets,
    Glossary,
}

#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One summary line per packet, like `tshark -r`.
    Text,
    /// One JSON object per packet (see docs/json.md).
    Jsonl,
}

#[derive(Subcommand)]
pub enum Command {
    /// Decode every packet of a capture file.
    Decode {
        /// Capture file (pcap or pcapng); `-` reads one from standard input.
        file: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Stop after this many packets.
        #[arg(long, short = 'c')]
        count: Option<u64>,
    },
    /// List TCP and UDP conversations with handshake state, packets, bytes and duration.
    Streams {
        /// Capture file (pcap or pcapng); `-` reads one from standard input.
        file: PathBuf,
    },
    /// Print one conversation like `tshark -z follow`, with HTTP, WebSocket messages and
    /// Socket.IO events decoded.
    Follow {
        /// Capture file (pcap or pcapng); `-` reads one from standard input.
        file: PathBuf,
        /// Stream number, as `layerscope streams` lists it (tcp.stream / udp.stream).
        #[arg(long, short = 's')]
        stream: u32,
        /// Follow a UDP stream instead of a TCP one.
        #[arg(long)]
        udp: bool,
    },
    /// List network interfaces (name, addresses, up/down, loopback) for `capture -i`.
    #[cfg(feature = "live")]
    Interfaces {
        /// One JSON object per interface.
        #[arg(long)]
        json: bool,
    },
    /// Capture live traffic (needs CAP_NET_RAW; see the message if it is missing).
    #[cfg(feature = "live")]
    Capture {
        /// Interface to capture on (`layerscope interfaces` lists them).
        #[arg(long, short = 'i')]
        interface: String,
        /// Save the packets as pcapng (written atomically when the capture ends).
        #[arg(long, short = 'w')]
        write: Option<PathBuf>,
        /// Stop after this many packets.
        #[arg(long, short = 'c')]
        count: Option<u64>,
        /// Stop after this many seconds.
        #[arg(long)]
        duration: Option<f64>,
        /// Print each packet (default: text, unless -w is given).
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// Run a built-in classroom demo: real traffic on a private loopback, captured live.
    #[cfg(feature = "demo")]
    Demo {
        #[arg(value_enum)]
        name: layerscope::demo::DemoName,
        /// Save the captured packets as pcapng.
        #[arg(long, short = 'w')]
        write: Option<PathBuf>,
        /// Run the demo again and again until interrupted.
        #[arg(long = "loop")]
        repeat: bool,
        /// Print each packet (default: text, unless -w is given).
        #[arg(long, value_enum)]
        format: Option<Format>,
        #[command(flatten)]
        run: DemoRunArgs,
    },
    /// The demo's child process (isolates itself, captures, writes pcapng to stdout).
    #[cfg(feature = "demo")]
    #[command(name = "__demo-child", hide = true)]
    DemoChild {
        #[arg(value_enum)]
        name: layerscope::demo::DemoName,
        #[command(flatten)]
        run: DemoRunArgs,
    },
    /// The LAN demo's server alone, without a capture (tests load it on loopback).
    #[cfg(feature = "demo")]
    #[command(name = "__lan-server", hide = true)]
    LanServer {
        #[arg(value_enum)]
        name: layerscope::demo::DemoName,
        #[command(flatten)]
        lan: LanArgs,
    },
    /// Explain one packet layer by layer, with every field and a marked hex dump.
    Explain {
        /// Capture file (pcap or pcapng); `-` reads one from standard input.
        file: PathBuf,
        /// Packet number, counting from 1 as tshark does.
        #[arg(long, short = 'p')]
        packet: u64,
        /// Where the OSI column puts WebSocket and Engine.IO: `textbook` (everything above
        /// TCP/UDP at 7, the default) or `functional` (WebSocket framing at 5, Engine.IO at 6).
        /// See docs/layers.md.
        #[arg(long, value_enum, default_value_t = PlacementArg::Textbook)]
        placement: PlacementArg,
    },
}

/// How a demo runs: what `demo` passes on to its child process (`__demo-child`).
#[cfg(feature = "demo")]
#[derive(clap::Args, Clone, Debug)]
pub struct DemoRunArgs {
    /// Milliseconds between steps.
    #[arg(long, default_value_t = 400)]
    pub pace: u64,
    /// Capture on the host loopback, not a private namespace (needs CAP_NET_RAW).
    #[arg(long)]
    pub host_loopback: bool,
    /// websocket/socketio: also serve a web page on every address so students join from
    /// their own browsers (captures every interface; needs CAP_NET_RAW; off by default).
    #[arg(long)]
    pub listen_lan: bool,
    /// Wait for Enter before each narrated step (the teacher paces the demo).
    #[arg(long)]
    pub teacher_steps: bool,
    #[command(flatten)]
    pub lan: LanArgs,
}

#[cfg(feature = "demo")]
impl DemoRunArgs {
    pub fn options(&self) -> layerscope::demo::DemoOptions {
        layerscope::demo::DemoOptions {
            pace: std::time::Duration::from_millis(self.pace),
            host_loopback: self.host_loopback,
            listen_lan: self.listen_lan,
            teacher_steps: self.teacher_steps,
            lan: self.lan.options(),
        }
    }
}

/// The LAN demo's door (`--listen-lan`): see `demo::lan`.
#[cfg(feature = "demo")]
#[derive(clap::Args, Clone, Debug)]
pub struct LanArgs {
    /// --listen-lan: students must join with this code in the address (`?code=4821`, shown on
    /// the teacher's screen); without a value, a random 4-digit code.
    #[arg(long, num_args = 0..=1, default_missing_value = "random")]
    pub join_code: Option<String>,
    /// --listen-lan: connections one address may hold.
    #[arg(long, default_value_t = 8)]
    pub max_per_address: u32,
    /// --listen-lan: connections the server holds in all.
    #[arg(long, default_value_t = 256)]
    pub max_connections: u32,
    /// --listen-lan: seconds a connection may send nothing before it is closed.
    #[arg(long, default_value_t = 120)]
    pub idle_timeout: u64,
    /// --listen-lan: messages a second one connection may send (bursts of 4 times as many).
    #[arg(long, default_value_t = 5)]
    pub rate: u32,
    /// --listen-lan: the port to listen on (0: any free port).
    #[arg(long)]
    pub port: Option<u16>,
    /// --listen-lan, Socket.IO demo: the page students get: the official client library
    /// (polling, then the upgrade to WebSocket) or Socket.IO by hand, every byte readable.
    #[arg(long, value_enum, default_value_t = layerscope::demo::StudentPage::Library)]
    pub student_page: layerscope::demo::StudentPage,
}

#[cfg(feature = "demo")]
impl LanArgs {
    pub fn options(&self) -> layerscope::demo::LanOptions {
        use layerscope::demo::lan;
        lan::LanOptions {
            limits: lan::Limits {
                per_address: self.max_per_address.max(1),
                max_open: self.max_connections.max(1),
                idle: std::time::Duration::from_secs(self.idle_timeout.max(1)),
                rate: self.rate.max(1),
                burst: self.rate.max(1).saturating_mul(4),
                ..lan::Limits::default()
            },
            join_code: self.join_code.as_ref().map(|c| {
                if c == "random" {
                    lan::random_code()
                } else {
                    c.clone()
                }
            }),
            port: self.port,
            page: self.student_page,
        }
    }
}

#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
pub enum PlacementArg {
    Textbook,
    Functional,
}

impl From<PlacementArg> for layerscope::model::Placement {
    fn from(p: PlacementArg) -> Self {
        match p {
            PlacementArg::Textbook => layerscope::model::Placement::Textbook,
            PlacementArg::Functional => layerscope::model::Placement::Functional,
        }
    }
}

/// `layerscope decod x.pcap`: the first argument is not a subcommand, not an option and not a
/// file, but a subcommand's name mistyped. Clap would take it for the window's FILE and say
/// "the subcommand 'x.pcap' cannot be used with '[FILE]'"; this finds the subcommand meant
/// (at most two letters off), so the message can name it.
pub fn misspelt_subcommand(first: &str) -> Option<String> {
    use clap::CommandFactory;
    if first.starts_with('-') || Path::new(first).exists() {
        return None;
    }
    let cmd = Cli::command();
    let names: Vec<&str> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name())
        .collect();
    if names.contains(&first) {
        return None;
    }
    names
        .into_iter()
        .map(|n| (edit_distance(first, n), n))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, n)| n.to_string())
}

/// Levenshtein distance (letters inserted, removed or changed).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(here + 1);
            prev = here;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistyped_subcommand_is_recognised() {
        assert_eq!(misspelt_subcommand("decod").as_deref(), Some("decode"));
        assert_eq!(misspelt_subcommand("streems").as_deref(), Some("streams"));
        assert_eq!(misspelt_subcommand("folow").as_deref(), Some("follow"));
        assert_eq!(misspelt_subcommand("decode"), None);
        assert_eq!(misspelt_subcommand("--help"), None);
        assert_eq!(misspelt_subcommand("capture.pcap"), None);
        assert_eq!(misspelt_subcommand("Cargo.toml"), None, "an existing file");
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
