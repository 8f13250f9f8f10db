//! `layerscope interfaces`, `capture` and `demo`: live sources on the command line.
//!
//! Packets from a live capture and from a demo child go through the same [`Printer`]: the
//! one-pass [`Stream`] decoder prints each as it arrives (text or jsonl), and `-w` writes
//! them to a pcapng file that replaces the target only when the run ends well.

use super::Format;
use anyhow::{Context, Result};
use layerscope::capture::file::Interface;
use layerscope::capture::live::{self, LiveCapture, LiveCounters, LiveOptions, LivePacket};
use layerscope::capture::pcapng::{AtomicFile, PcapngSink};
use layerscope::engine::Stream;
use layerscope::output;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn interfaces(json: bool) -> Result<Option<String>> {
    let list = live::interfaces();
    let mut out = std::io::stdout().lock();
    for i in &list {
        if json {
            serde_json::to_writer(&mut out, i)?;
            writeln!(out)?;
        } else {
            writeln!(
                out,
                "{:<12} {:<4} {:<9} {}",
                i.name,
                if i.up { "up" } else { "down" },
                if i.loopback { "loopback" } else { "" },
                i.addresses.join(", ")
            )?;
        }
    }
    if list.is_empty() {
        eprintln!("layerscope: no network interfaces found");
    }
    Ok(None)
}

/// Prints and/or saves packets as they arrive.
struct Printer {
    stream: Stream,
    format: Option<Format>,
    first_ts: Option<i64>,
    number: u64,
    sink: Option<PcapngSink<AtomicFile>>,
    /// Where the sink writes (for error messages).
    path: Option<std::path::PathBuf>,
    line: String,
}

impl Printer {
    fn new(format: Option<Format>, write: Option<&Path>, iface: &Interface) -> Result<Self> {
        let sink = match write {
            Some(p) => Some(PcapngSink::new(
                AtomicFile::create(p)?,
                std::slice::from_ref(iface),
                None,
            )?),
            None => None,
        };
        let format = match (format, write) {
            (Some(f), _) => Some(f),
            (None, None) => Some(Format::Text),
            (None, Some(_)) => None,
        };
        Ok(Printer {
            stream: Stream::new(),
            format,
            first_ts: None,
            number: 0,
            sink,
            path: write.map(Path::to_path_buf),
            line: String::new(),
        })
    }

    fn packet(&mut self, p: &LivePacket, link_type: u32) -> Result<()> {
        self.number += 1;
        if let Some(s) = &mut self.sink {
            let path = self.path.as_deref().unwrap_or(Path::new("?"));
            s.write(0, p.ts_ns, &p.data, p.wirelen, &[])
                .with_context(|| {
                    format!("cannot write {} (nothing was replaced)", path.display())
                })?;
        }
        let Some(format) = self.format else {
            return Ok(());
        };
        let meta = layerscope::model::FrameMeta {
            number: self.number,
            timestamp: layerscope::model::Timestamp {
                ns: p.ts_ns,
                digits: 9,
            },
            caplen: p.data.len() as u32,
            wirelen: p.wirelen,
            link_type,
            interface: 0,
        };
        let jsonl = format == Format::Jsonl;
        let d = self.stream.next(&meta, &p.data, &[], jsonl, jsonl);
        let mut out = std::io::stdout().lock();
        match format {
            Format::Text => {
                let first = *self.first_ts.get_or_insert(p.ts_ns);
                self.line.clear();
                output::text_line(&mut self.line, &d, first);
                self.line.push('\n');
                out.write_all(self.line.as_bytes())?;
            }
            Format::Jsonl => {
                output::write_json(&mut out, &d)?;
                out.write_all(b"\n")?;
            }
        }
        out.flush()?;
        Ok(())
    }

    fn finish(self, write: Option<&Path>) -> Result<()> {
        if let Some(s) = self.sink {
            s.into_inner().commit()?;
            if let Some(p) = write {
                eprintln!(
                    "layerscope: saved {} packets to {}",
                    self.number,
                    p.display()
                );
            }
        }
        Ok(())
    }
}

fn interrupted_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    // A second handler cannot be installed; then Ctrl-C simply ends the process.
    let _ = ctrlc::set_handler(move || f.store(true, Ordering::Relaxed));
    flag
}

/// The end-of-capture line: what was kept first (what the user asked for), then the
/// capture's counters. With `-c 5`, the capture thread may have received a packet or two more
/// before it stopped: those are said to be not kept, not counted as kept.
fn report(counters: &LiveCounters, kept: u64) {
    let received = counters.get(&counters.received);
    let extra = received.saturating_sub(kept);
    let mut line = format!(
        "layerscope: {} kept · {}",
        layerscope::model::count(kept, "packet"),
        counters.summary()
    );
    if extra > 0 {
        line.push_str(&format!(
            " · not kept: {} received after the last kept one",
            layerscope::model::count(extra, "packet")
        ));
    }
    eprintln!("{line}");
}

pub fn capture(
    interface: &str,
    write: Option<&Path>,
    count: Option<u64>,
    duration: Option<f64>,
    format: Option<Format>,
) -> Result<Option<String>> {
    let stop = interrupted_flag();
    let cap = LiveCapture::start(&LiveOptions::new(interface), Box::new(|| {}))?;
    let mut printer = Printer::new(format, write, &cap.interface)?;
    let link = cap.interface.link_type;
    let deadline = duration.map(|s| Instant::now() + Duration::from_secs_f64(s.max(0.0)));
    eprintln!("layerscope: capturing on {interface} (Ctrl-C to stop)");
    loop {
        if stop.load(Ordering::Relaxed)
            || deadline.is_some_and(|d| Instant::now() >= d)
            || count.is_some_and(|c| printer.number >= c)
        {
            break;
        }
        match cap.rx.recv_timeout(Duration::from_millis(50)) {
            Ok(p) => printer.packet(&p, link)?,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if !cap.is_running() {
                    break;
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let failure = cap.failure();
    report(&cap.counters, printer.number);
    drop(cap);
    printer.finish(write)?;
    if let Some(f) = failure {
        anyhow::bail!(f);
    }
    Ok(None)
}

#[cfg(feature = "demo")]
pub fn demo(
    name: layerscope::demo::DemoName,
    write: Option<&Path>,
    repeat: bool,
    format: Option<Format>,
    opts: layerscope::demo::DemoOptions,
) -> Result<Option<String>> {
    use layerscope::demo::DemoRun;
    let stop = interrupted_flag();
    let mut printer: Option<Printer> = None;
    // Teacher steps: each line typed on the terminal (Enter) starts the next step. With
    // --listen-lan, typed commands (`kick 10.0.0.5`, `pause-joins`, `resume-joins`,
    // `admit 10.0.0.5`) go to the LAN server's door.
    let teacher = opts.teacher_steps;
    let keys = (opts.teacher_steps || opts.listen_lan).then(|| {
        if teacher {
            eprintln!("layerscope: teacher steps: press Enter to start each step");
        }
        if opts.listen_lan {
            eprintln!("layerscope: LAN commands: pause-joins, resume-joins, kick ADDRESS, admit ADDRESS (then Enter)");
        }
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let _ = std::thread::Builder::new()
            .name("teacher-keys".into())
            .spawn(move || {
                for line in std::io::stdin().lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        rx
    });
    let mut lan_shown = None;
    let mut qr_shown = false;
    loop {
        let mut run = DemoRun::start(name, &opts, Arc::new(|| {}))?;
        let mut shown = 0;
        let show_steps = |run: &DemoRun, shown: &mut usize| {
            if let Ok(s) = run.steps.lock() {
                for l in &s[*shown..] {
                    eprintln!("  >> {}", l.text);
                }
                *shown = s.len();
            }
        };
        loop {
            show_steps(&run, &mut shown);
            if let Some(k) = &keys {
                while let Ok(line) = k.try_recv() {
                    if line.trim().is_empty() {
                        if teacher {
                            run.next_step();
                        }
                    } else {
                        run.command(&line);
                    }
                }
            }
            let now = run.lan_status();
            if now.is_some() && now != lan_shown {
                if let Some(st) = &now {
                    if !qr_shown && !st.urls.is_empty() {
                        qr_shown = true;
                        show_join_address(&st.urls);
                    }
                    eprintln!("  lan: {}", st.describe());
                }
                lan_shown = now;
            }
            match run.rx.recv_timeout(Duration::from_millis(20)) {
                Ok(p) => {
                    if printer.is_none() {
                        let iface = run
                            .interface
                            .lock()
                            .ok()
                            .and_then(|g| g.clone())
                            .unwrap_or_else(layerscope::demo::demo_interface);
                        printer = Some(Printer::new(format, write, &iface)?);
                    }
                    if let Some(pr) = printer.as_mut() {
                        pr.packet(&p, live::LINKTYPE_ETHERNET)?;
                    }
                }
                // The reader thread drops its sender at the end of the stream: `Disconnected`
                // comes only once every packet has been taken.
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            }
            if stop.load(Ordering::Relaxed) {
                run.stop();
                break;
            }
        }
        let waited = run.wait();
        show_steps(&run, &mut shown);
        let outcome = run.outcome.lock().ok().and_then(|o| o.clone());
        if let Some(Err(e)) = outcome {
            if !stop.load(Ordering::Relaxed) {
                anyhow::bail!("{e}");
            }
        }
        if !stop.load(Ordering::Relaxed) {
            waited
                .map_err(anyhow::Error::msg)
                .context("the demo failed")?;
        }
        if !repeat || stop.load(Ordering::Relaxed) {
            break;
        }
    }
    match printer {
        Some(p) => p.finish(write)?,
        None => anyhow::bail!("the demo captured no packets"),
    }
    Ok(None)
}

/// `--listen-lan`: where students join, as the demo starts; on a terminal also as a QR code
/// of the first address, so phones join by scanning it.
#[cfg(feature = "demo")]
fn show_join_address(urls: &[String]) {
    use std::io::IsTerminal;
    eprintln!("layerscope: students join at {}", urls.join("  "));
    if std::io::stderr().is_terminal() {
        if let Some(qr) = urls
            .first()
            .and_then(|u| layerscope::demo::qr::Qr::encode(u))
        {
            eprintln!("layerscope: or scan this with a phone ({}):", urls[0]);
            eprint!("{}", qr.terminal());
        }
    }
}

/// `__lan-server`: the LAN demo's servers alone (no capture, no namespace): the scripted
/// part, then serving on every address until killed. Teacher commands (`kick ADDR`,
/// `pause-joins`...) are read from stdin; the door's counts go to stderr.
#[cfg(feature = "demo")]
pub fn lan_server(
    name: layerscope::demo::DemoName,
    opts: &layerscope::demo::LanOptions,
) -> Result<Option<String>> {
    use layerscope::demo::{lan, run_traffic};
    lan::install(opts);
    std::thread::Builder::new()
        .name("lan-commands".into())
        .spawn(|| {
            for line in std::io::stdin().lines().map_while(Result::ok) {
                lan::door().command(&line);
            }
            // Whoever started this server is gone: stop serving.
            std::process::exit(0);
        })?;
    run_traffic(name, Duration::ZERO, true)?;
    Ok(None)
}

#[cfg(feature = "demo")]
pub fn demo_child(
    name: layerscope::demo::DemoName,
    opts: layerscope::demo::DemoOptions,
) -> Result<Option<String>> {
    layerscope::demo::child_main(name, &opts, std::io::stdout())?;
    Ok(None)
}
