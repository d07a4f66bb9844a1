//! The capture loop shared by a plain capture, `capture -- PROGRAM` and
//! `capture demo`: packets and socket-call events in, rendered items out.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::children::Children;
use super::session::Session;
use super::{Next, Source, Writer};
use crate::events::{self, CallEvent, Listener};
use crate::render::json::JsonRender;
use crate::render::ladder::LadderRender;
use crate::render::svg::SvgCollector;
use crate::render::text::TextRender;
use crate::render::{End, Item, Render, Style};

/// How long a live item waits for the socket-call events that belong
/// before it (events and packets come in through different sockets).
pub const LIVE_HOLD: Duration = Duration::from_millis(200);
/// How often the loop wakes when nothing happens (Ctrl-C, child exit).
const TICK: Duration = Duration::from_millis(50);

/// What to capture and how to show it (the binary fills this from flags).
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Live interface (ignored with `read`).
    pub interface: String,
    /// Read this pcap file instead of capturing.
    pub read: Option<PathBuf>,
    /// Also write packets here (and the events to `<file>.events`).
    pub write: Option<PathBuf>,
    /// Stop after this many packets.
    pub count: Option<u64>,
    /// BPF filter.
    pub filter: Option<String>,
    pub json: bool,
    /// Draw the ladder live instead of the annotated text.
    pub ladder: bool,
    /// Draw the whole ladder of each connection at the end, after the text.
    pub ladder_at_end: bool,
    /// Write the ladder as SVG here at the end.
    pub svg: Option<PathBuf>,
    /// Only this connection in the SVG.
    pub svg_conn: Option<u64>,
    /// After the children exit, keep capturing this long.
    pub grace: Duration,
    pub style: Style,
    /// Terminal width for the ladder.
    pub width: usize,
}

/// What the loop saw, for callers that check (the demo, tests).
#[derive(Debug)]
pub struct Outcome {
    pub end: End,
}

/// The sidecar file holding the socket-call events of a `-w` capture:
/// `lab3.pcap` → `lab3.pcap.events`, one JSON event per line.
pub fn events_path(pcap: &Path) -> PathBuf {
    let mut p = pcap.as_os_str().to_owned();
    p.push(".events");
    PathBuf::from(p)
}

/// Read the events sidecar of a pcap file, if there is one.
pub fn read_events(pcap: &Path) -> Result<Vec<CallEvent>> {
    let path = events_path(pcap);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(text
        .lines()
        .filter_map(|l| CallEvent::parse(l.as_bytes()).ok())
        .collect())
}

/// Several renderers fed with the same items.
pub struct Tee(pub Vec<Box<dyn Render>>);

impl Render for Tee {
    fn item(&mut self, item: &Item) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|r| r.item(item))
    }
    fn end(&mut self, end: &End) -> io::Result<()> {
        // Flush everyone first: renderers may share the terminal.
        self.flush()?;
        self.0.iter_mut().try_for_each(|r| r.end(end))
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|r| r.flush())
    }
}

/// What the person sees, built from the options.
fn renderers(opts: &Options, live: bool) -> Vec<Box<dyn Render>> {
    let stdout = BufWriter::with_capacity(64 * 1024, io::stdout());
    let mut out: Vec<Box<dyn Render>> = Vec::new();
    if opts.ladder_at_end && !opts.json && !opts.ladder {
        // First in the list so its diagrams come before the text's table.
        let mut ladder = LadderRender::new(io::stdout(), opts.style, opts.width, false);
        ladder.summary_table = false;
        out.push(Box::new(ladder));
    }
    if opts.json {
        out.push(Box::new(JsonRender::new(stdout)));
    } else if opts.ladder {
        out.push(Box::new(LadderRender::new(
            stdout, opts.style, opts.width, live,
        )));
    } else {
        out.push(Box::new(TextRender::new(stdout, opts.style)));
    }
    if let Some(path) = &opts.svg {
        out.push(Box::new(SvgCollector::new(path.clone(), opts.svg_conn)));
    }
    out
}

/// Open the source, run the loop until the file ends, `-c` is reached,
/// Ctrl-C/SIGTERM arrives or the children are done, then print the summary.
pub fn run(opts: &Options, mut children: Option<Children>) -> Result<Outcome> {
    if children.is_some() && opts.read.is_some() {
        bail!("-r reads a file; it cannot run a program at the same time");
    }
    let mut source = match &opts.read {
        Some(path) => Source::file(path, opts.filter.as_deref())?,
        None => Source::live(&opts.interface, opts.filter.as_deref())?,
    };
    let live = source.is_live();
    if live {
        // Like tcpdump, say where we listen (on stderr, so JSON stays clean);
        // tests wait for this line before they send anything.
        eprintln!(
            "capture: listening on {} ({}), filter: {}",
            source.name(),
            source.link_type().name(),
            opts.filter.as_deref().unwrap_or("none")
        );
    }

    // Events from the lab programs (live captures only).
    let mut listener = None;
    if live {
        match Listener::bind(&events::socket_path()) {
            Ok(l) => listener = Some(l),
            Err(e) => eprintln!("capture: note: socket calls will not be shown: {e}"),
        }
    }

    // Root was needed only to open the capture: give it back now.
    if live {
        if let (Some(l), Some((uid, gid))) = (&listener, crate::sys::sudo_invoker()) {
            let _ = std::os::unix::fs::chown(l.path(), Some(uid), Some(gid));
        }
        match super::drop_sudo_privileges() {
            Ok(Some(uid)) => eprintln!(
                "capture: capture is open; now running as user {uid} (root dropped, as tcpdump -Z does)"
            ),
            Ok(None) => {}
            Err(e) => bail!("could not drop root privileges after opening the capture: {e}"),
        }
    }

    let mut writer: Option<Writer> = match &opts.write {
        Some(p) => Some(source.writer(p)?),
        None => None,
    };
    let mut events_out = match &opts.write {
        Some(p) if live => {
            let path = events_path(p);
            let f = std::fs::File::create(&path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Some(BufWriter::new(f))
        }
        _ => None,
    };

    let hold = if live { LIVE_HOLD } else { Duration::ZERO };
    let mut session = Session::new(source.link_type(), hold);
    if let Some(path) = &opts.read {
        for ev in read_events(path)? {
            session.event(ev);
        }
    }
    let mut render = Tee(renderers(opts, live));

    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        // SIGINT and SIGTERM (ctrlc's "termination" feature) end the loop
        // cleanly: output flushed, summary printed, pcap file complete.
        if let Err(e) = ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst)) {
            eprintln!("capture: note: Ctrl-C will not stop cleanly: {e}");
        }
    }

    if let Some(c) = children.as_mut() {
        c.start()?;
    }

    let mut seen: u64 = 0;
    let mut finished_at: Option<Instant> = None;
    let poll_fds: Vec<_> = [source.fd(), listener.as_ref().map(Listener::fd)]
        .into_iter()
        .flatten()
        .collect();

    'outer: loop {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        // Packets: everything available now.
        loop {
            if opts.count.is_some_and(|c| seen >= c) {
                break 'outer;
            }
            match source.next()? {
                Next::Packet(p, header) => {
                    seen += 1;
                    if let Some(w) = writer.as_mut() {
                        w.write(header, p.data);
                    }
                    session.packet(p.t, p.data);
                    if !live {
                        session.release(Some(session.newest()), &mut render)?;
                    }
                }
                Next::Idle => break,
                Next::End => break 'outer,
            }
        }
        if let Some(l) = listener.as_mut() {
            for ev in l.drain() {
                if let Some(f) = events_out.as_mut() {
                    f.write_all(&ev.to_bytes())?;
                    f.write_all(b"\n")?;
                }
                session.event(ev);
            }
            session.set_rejected_events(l.stats.rejected);
        }
        session.release(Some(events::now()), &mut render)?;
        render.flush()?;
        if let Some(w) = writer.as_mut() {
            w.flush()?;
        }
        // Running programs: stop a little after they (and their teardown) ended.
        if let Some(c) = children.as_mut() {
            if c.done() {
                let at = *finished_at.get_or_insert_with(Instant::now);
                if at.elapsed() >= opts.grace {
                    break;
                }
            }
        }
        crate::sys::poll_readable(&poll_fds, TICK)?;
    }

    if let Some(l) = listener.as_mut() {
        for ev in l.drain() {
            if let Some(f) = events_out.as_mut() {
                f.write_all(&ev.to_bytes())?;
                f.write_all(b"\n")?;
            }
            session.event(ev);
        }
        session.set_rejected_events(l.stats.rejected);
    }
    let kernel = source.stats();
    if let Some(c) = children.as_mut() {
        c.finish()?;
    }
    let end = session.finish(kernel, &mut render)?;
    if let Some(w) = writer.as_mut() {
        w.flush()?;
    }
    if let Some(f) = events_out.as_mut() {
        f.flush()?;
    }
    Ok(Outcome { end })
}
