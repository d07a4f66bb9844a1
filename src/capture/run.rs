//! The capture loop shared by a plain capture, `capture -- PROGRAM` and
//! `capture demo`: packets and socket-call events in, rendered items out.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, Once};
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
use crate::render::verbose::{Detail, SharedOut, VerboseRender, KEEP_FOR_HEADERS};
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
    /// Deliver each packet the moment it arrives (for a person watching);
    /// otherwise in blocks of at most 100 ms, which survives floods.
    pub immediate: bool,
    /// `-v`, `-vv`, `-x`, `-X`: every header field in the text and JSON views.
    pub detail: Detail,
    /// `--web`: also feed the browser view.
    pub web: Option<crate::web::Feed>,
}

impl Options {
    /// How many bytes of each packet to keep with its decoded headers, when
    /// a view shows them.
    fn keep_headers(&self) -> Option<usize> {
        if self.detail.any() {
            Some(self.detail.keep())
        } else {
            self.web.is_some().then_some(KEEP_FOR_HEADERS)
        }
    }
}

/// Set once Ctrl-C or SIGTERM came, so that a caller can still wait on it
/// after [`run`] returns (the browser view stays up until Ctrl-C).
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// The stop flag of the run in progress, which the handler also sets.
static RUNNING: Mutex<Option<Arc<AtomicBool>>> = Mutex::new(None);

/// True once Ctrl-C or SIGTERM came (the handler is installed by [`run`]).
pub fn interrupted() -> &'static AtomicBool {
    &INTERRUPTED
}

/// A stop flag for one run, set by Ctrl-C or SIGTERM. There is one handler
/// for the whole process, installed on first use; the loop also sets the
/// flag itself to stop its helper threads, so it is not the Ctrl-C record.
fn stop_on_interrupt() -> Arc<AtomicBool> {
    static HANDLER: Once = Once::new();
    HANDLER.call_once(|| {
        // SIGINT and SIGTERM (ctrlc's "termination" feature) end the loop
        // cleanly: output flushed, summary printed, pcap file complete.
        let set = ctrlc::set_handler(|| {
            INTERRUPTED.store(true, Ordering::SeqCst);
            if let Some(stop) = RUNNING.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
                stop.store(true, Ordering::SeqCst);
            }
        });
        if let Err(e) = set {
            eprintln!("capture: note: Ctrl-C will not stop cleanly: {e}");
        }
    });
    let stop = Arc::new(AtomicBool::new(INTERRUPTED.load(Ordering::SeqCst)));
    *RUNNING.lock().unwrap_or_else(|e| e.into_inner()) = Some(stop.clone());
    stop
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
    if opts.json && opts.detail.any() {
        out.push(Box::new(JsonRender::new(stdout).with_headers()));
    } else if opts.json {
        out.push(Box::new(JsonRender::new(stdout)));
    } else if opts.ladder {
        out.push(Box::new(LadderRender::new(
            stdout, opts.style, opts.width, live,
        )));
    } else if opts.detail.any() {
        // The header lines go right after each packet's own lines, on the same stream.
        let shared = SharedOut::new(stdout);
        out.push(Box::new(TextRender::new(shared.clone(), opts.style)));
        out.push(Box::new(VerboseRender::new(
            shared,
            opts.detail,
            opts.width,
        )));
    } else {
        out.push(Box::new(TextRender::new(stdout, opts.style)));
    }
    if let Some(feed) = &opts.web {
        out.push(Box::new(feed.render()));
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
        None => Source::live(&opts.interface, opts.filter.as_deref(), opts.immediate)?,
    };
    let live = source.is_live();
    // Events from the lab programs (live captures only).
    let mut listener = None;
    if live {
        match Listener::bind(&events::socket_path()) {
            Ok(l) => listener = Some(l),
            Err(e) => eprintln!("capture: note: socket calls will not be shown: {e}"),
        }
    }

    if live {
        // Like tcpdump, say where we listen (on stderr, so JSON stays clean);
        // tests wait for this line before they send anything, so it comes
        // after the events socket is bound.
        eprintln!(
            "capture: listening on {} ({}), filter: {}",
            source.name(),
            source.link_type().name(),
            opts.filter.as_deref().unwrap_or("none")
        );
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
    session.headers = opts.keep_headers();
    if let Some(path) = &opts.read {
        for ev in read_events(path)? {
            session.event(ev);
        }
    }
    let mut render = Tee(renderers(opts, live));

    let stop = stop_on_interrupt();

    let mut read_error = None;
    let kernel = if live {
        let mut out = Output {
            session: &mut session,
            render: &mut render,
            writer: writer.as_mut(),
            events_out: events_out.as_mut(),
            seen: 0,
        };
        live_loop(opts, source, listener, &stop, children.as_mut(), &mut out)?
    } else {
        let mut seen: u64 = 0;
        loop {
            if stop.load(Ordering::SeqCst) || opts.count.is_some_and(|c| seen >= c) {
                break;
            }
            let next = match source.next_packet() {
                Ok(n) => n,
                Err(e) => {
                    // A file cut short: show what was read, then the error.
                    read_error = Some(e);
                    break;
                }
            };
            match next {
                Next::Packet(p, header) => {
                    seen += 1;
                    if let Some(w) = writer.as_mut() {
                        w.write(header, p.data);
                    }
                    session.packet(p.t, p.data);
                    session.release(Some(session.newest()), &mut render)?;
                }
                Next::Idle => continue,
                Next::End => break,
            }
        }
        None
    };

    if let Some(c) = children.as_mut() {
        c.finish()?;
    }
    let end = session.finish(kernel, &mut render)?;
    if let Some(k) = kernel {
        // On stderr like tcpdump's own counters, so they are seen even when
        // the output goes to a file or /dev/null.
        eprintln!(
            "capture: {} packets received by filter, {} dropped by kernel, {} dropped by interface",
            k.received, k.dropped, k.if_dropped
        );
    }
    if let Some(w) = writer.as_mut() {
        w.flush()?;
    }
    if let Some(f) = events_out.as_mut() {
        f.flush()?;
    }
    if let Some(e) = read_error {
        return Err(e.into());
    }
    Ok(Outcome { end })
}

/// A packet copied out of the kernel's ring by the reader thread.
struct OwnedPacket {
    t: Duration,
    data: Vec<u8>,
    wire_len: u32,
}

/// What the helper threads hand to the main loop.
enum Input {
    Packets(Vec<OwnedPacket>),
    /// Events, and the running count of rejected event datagrams.
    Events(Vec<CallEvent>, u64),
}

/// Where packets and events go in the main loop.
struct Output<'a> {
    session: &'a mut Session,
    render: &'a mut Tee,
    writer: Option<&'a mut Writer>,
    events_out: Option<&'a mut BufWriter<std::fs::File>>,
    seen: u64,
}

impl Output<'_> {
    fn input(&mut self, input: Input, count: Option<u64>) -> io::Result<()> {
        match input {
            Input::Packets(batch) => {
                for p in batch {
                    if count.is_some_and(|c| self.seen >= c) {
                        break;
                    }
                    self.seen += 1;
                    if let Some(w) = self.writer.as_mut() {
                        w.write(&pcap_header(p.t, p.data.len(), p.wire_len), &p.data);
                    }
                    self.session.packet(p.t, &p.data);
                }
            }
            Input::Events(evs, rejected) => {
                for ev in evs {
                    if let Some(f) = self.events_out.as_mut() {
                        f.write_all(&ev.to_bytes())?;
                        f.write_all(b"\n")?;
                    }
                    self.session.event(ev);
                }
                self.session.set_rejected_events(rejected);
            }
        }
        Ok(())
    }
}

fn pcap_header(t: Duration, caplen: usize, len: u32) -> pcap::PacketHeader {
    pcap::PacketHeader {
        ts: libc::timeval {
            tv_sec: t.as_secs() as libc::time_t,
            tv_usec: t.subsec_micros() as libc::suseconds_t,
        },
        caplen: caplen as u32,
        len,
    }
}

/// A live capture: one thread empties the kernel's ring as fast as it can
/// (so that a flood is not dropped while we decode and print), another
/// receives the lab programs' events, and this thread decodes, tracks and
/// renders what they hand over.
fn live_loop(
    opts: &Options,
    mut source: Source,
    listener: Option<Listener>,
    stop: &Arc<AtomicBool>,
    mut children: Option<&mut Children>,
    out: &mut Output<'_>,
) -> Result<Option<super::Stats>> {
    let (tx, rx) = mpsc::channel::<Input>();
    let reader = {
        let tx = tx.clone();
        let stop = stop.clone();
        std::thread::spawn(
            move || -> Result<Option<super::Stats>, super::CaptureError> {
                let fds: Vec<_> = source.fd().into_iter().collect();
                // After the stop, keep reading for two block timeouts: without
                // immediate mode the kernel hands over the last packets only
                // when their block times out, and they must not be lost.
                let linger = 2 * Duration::from_millis(super::BLOCK_TIMEOUT_MS as u64);
                let mut stopped_at: Option<Instant> = None;
                loop {
                    if stop.load(Ordering::SeqCst)
                        && stopped_at.get_or_insert_with(Instant::now).elapsed() > linger
                    {
                        break;
                    }
                    let mut batch = Vec::new();
                    while let Next::Packet(p, _) = source.next_packet()? {
                        batch.push(OwnedPacket {
                            t: p.t,
                            data: p.data.to_vec(),
                            wire_len: p.wire_len,
                        });
                    }
                    if !batch.is_empty() && tx.send(Input::Packets(batch)).is_err() {
                        break;
                    }
                    let _ = crate::sys::poll_readable(&fds, TICK);
                }
                Ok(source.stats())
            },
        )
    };
    let events = listener.map(|mut l| {
        let tx = tx.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let fd = [l.fd()];
            while !stop.load(Ordering::SeqCst) {
                let _ = crate::sys::poll_readable(&fd, TICK);
                let evs = l.drain();
                if (!evs.is_empty() || l.stats.rejected > 0)
                    && tx.send(Input::Events(evs, l.stats.rejected)).is_err()
                {
                    break;
                }
            }
            let evs = l.drain();
            let _ = tx.send(Input::Events(evs, l.stats.rejected));
            // The listener is dropped here: its socket file is removed.
        })
    });
    drop(tx);

    if let Some(c) = children.as_mut() {
        c.start()?;
    }
    let mut finished_at: Option<Instant> = None;
    loop {
        match rx.recv_timeout(TICK) {
            Ok(input) => out.input(input, opts.count)?,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        // Take whatever else is already waiting before drawing.
        while let Ok(input) = rx.try_recv() {
            out.input(input, opts.count)?;
        }
        let now = events::now();
        out.session.release(Some(now), out.render)?;
        out.session.expire(now);
        out.render.flush()?;
        if let Some(w) = out.writer.as_mut() {
            w.flush()?;
        }
        if opts.count.is_some_and(|c| out.seen >= c) {
            break;
        }
        // Running programs: stop a little after they (and their teardown) ended.
        if let Some(c) = children.as_ref() {
            if c.done() {
                let at = *finished_at.get_or_insert_with(Instant::now);
                if at.elapsed() >= opts.grace {
                    break;
                }
            }
        }
        if stop.load(Ordering::SeqCst) {
            break;
        }
    }
    // Stop the helpers and take every packet they still hold: a capture
    // loses no packet it could have decoded.
    stop.store(true, Ordering::SeqCst);
    while let Ok(input) = rx.recv() {
        out.input(input, opts.count)?;
    }
    if let Some(h) = events {
        let _ = h.join();
    }
    let stats = reader
        .join()
        .map_err(|_| anyhow::anyhow!("the packet reader thread panicked"))??;
    Ok(stats)
}
