//! The capture loop shared by a plain capture, `capture -- PROGRAM` and
//! `capture demo`: packets and socket-call events in, through the pure
//! [`Timeline`], rendered items out.
//!
//! Three threads besides this one: a reader copies packets out of the
//! source (the kernel's ring, or a file), another receives the lab
//! programs' events, and [`output`](super::output) writes standard output.
//! Everything between them is bounded: at most [`MAX_QUEUED_BYTES`] of
//! packets and events wait for the loop (a live capture counts what does
//! not fit as dropped and says so at the end, beside the kernel's drops;
//! a file is simply read more slowly), and at most 1 MiB of output waits
//! for the reader of standard output. So the loop never blocks for long:
//! Ctrl-C ends a capture within a second whatever the state of its input
//! and output, and a second Ctrl-C ends it at once.

use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::children::{Children, ProgramLine};
use super::output::Output;
use super::{CaptureError, Next, RawPacket, Source, Stats, Writer};
use crate::events::{self, CallEvent, Listener, MAX_EVENT_BYTES};
use crate::kernel::{self, Tracer};
use crate::render::json::JsonRender;
use crate::render::ladder::{LadderMode, LadderRender};
use crate::render::select::Only;
use crate::render::svg::SvgCollector;
use crate::render::text::TextRender;
use crate::render::verbose::{Detail, VerboseLines, KEEP_FOR_HEADERS};
use crate::render::{End, Item, Render, Style};
use crate::t;
use crate::timeline::link::{LinkEvent, MAX_LINK_EVENT_BYTES};
use crate::timeline::{Conversation, Timeline, KERNEL_HOLD, KERNEL_POLL};

/// The longest a live item waits for the socket-call events that belong
/// before it (events and packets come in through different sockets); the
/// timeline learns how much of it is needed, usually none or a few ms.
pub const LIVE_HOLD: Duration = Duration::from_millis(200);
/// How often the loop wakes when nothing happens (Ctrl-C, child exit).
const TICK: Duration = Duration::from_millis(50);
/// Added to the block timeout for the calls that wait for packets.
const PACKET_FLOOR_MARGIN: Duration = Duration::from_millis(5);
/// How soon the loop looks again when an event is on its way.
const INCOMING_POLL: Duration = Duration::from_millis(1);
/// Most bytes of packets (and events) waiting between the reader threads
/// and the loop: as much as the kernel's own buffer ([`super::BUFFER_BYTES`]),
/// so a burst is absorbed twice over, and memory stays bounded when the
/// loop cannot keep up (an output nobody reads, a slow terminal).
pub const MAX_QUEUED_BYTES: usize = 32 * 1024 * 1024;
/// A batch of packets handed over at once, at most about this big.
const BATCH_BYTES: usize = 256 * 1024;
/// What a batch costs besides its packets: its place in the channel and
/// the allocator's headers of its two buffers. In immediate mode a batch
/// often holds one small packet, and this is most of its memory.
const BATCH_OVERHEAD: usize = 256;
/// What one event counts for in [`MAX_QUEUED_BYTES`] (its strings included).
const EVENT_COST: usize = 512;
/// After Ctrl-C, how long the loop still draws what is already queued;
/// the rest is counted as dropped.
const STOP_DRAIN: Duration = Duration::from_millis(300);
/// Most events read from a `.events` sidecar (the rest are counted): a
/// long lecture's worth, about 40 MB in the timeline's index.
pub const MAX_SIDECAR_EVENTS: usize = 100_000;
/// The exit status of a capture stopped by a second Ctrl-C (128 + SIGINT,
/// as a shell reports a program killed by it).
pub const EXIT_INTERRUPTED_TWICE: i32 = 130;
/// Most kernel facts taken into the timeline per turn of the loop (the
/// rest wait in the tracer's bounded queue), so packets are never starved.
const KERNEL_FACTS_PER_TURN: usize = 20_000;

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
    /// Only this connection (or UDP flow), in every view.
    pub conn: Option<Conversation>,
    /// Draw the ladder and the SVG with time to scale: the time one
    /// terminal row stands for (the SVG draws 10 px for it).
    pub time_scale: Option<Duration>,
    /// Draw every segment in the SVG (otherwise runs of bulk data are
    /// condensed into one band).
    pub all_segments: bool,
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
    /// A live capture as root also reads the kernel's view (tracefs): any
    /// program's socket calls and the kernel's own TCP states
    /// (`--no-kernel` turns it off; off by default for the demo).
    pub kernel: bool,
    /// Receive the link emulator's events (`twohost up --events PATH`) on
    /// a Unix datagram socket made at this path.
    pub link_events: Option<PathBuf>,
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

/// Set by the first Ctrl-C (or SIGTERM) of the process, so that a caller
/// can wait on it after [`run`] returns (the browser view stays up until
/// Ctrl-C).
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// True once Ctrl-C or SIGTERM came (the handler is installed by [`run`]).
pub fn interrupted() -> &'static AtomicBool {
    &INTERRUPTED
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

/// What reading a sidecar did not keep.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sidecar {
    /// Events handed over.
    pub events: u64,
    /// Lines that are not a valid event (or over the size limit).
    pub rejected: u64,
    /// Valid events over [`MAX_SIDECAR_EVENTS`].
    pub dropped: u64,
}

/// Read the events sidecar of a pcap file, if there is one, handing each
/// event to `keep`: line by line (a line is at most an event datagram
/// long), at most [`MAX_SIDECAR_EVENTS`]. Lines may come in any order:
/// the timeline's index sorts them as they come in (once, in
/// O(n log n)), equal times in file order.
pub fn read_events(pcap: &Path, mut keep: impl FnMut(CallEvent)) -> Result<Sidecar> {
    let path = events_path(pcap);
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Sidecar::default()),
        Err(e) => {
            return Err(e)
                .with_context(|| t!("capture-err-cannot-read", path = path.display().to_string()))
        }
    };
    let context = || t!("capture-err-cannot-read", path = path.display().to_string());
    let mut r = BufReader::new(file);
    let mut side = Sidecar::default();
    let mut line = Vec::with_capacity(MAX_EVENT_BYTES + 2);
    loop {
        line.clear();
        let limit = MAX_EVENT_BYTES as u64 + 1;
        let n = (&mut r)
            .take(limit)
            .read_until(b'\n', &mut line)
            .with_context(context)?;
        if n == 0 {
            break;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        } else if line.len() > MAX_EVENT_BYTES {
            skip_line(&mut r).with_context(context)?;
            side.rejected += 1;
            continue;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match CallEvent::parse_recorded(&line) {
            Ok(ev) if side.events < MAX_SIDECAR_EVENTS as u64 => {
                side.events += 1;
                keep(ev);
            }
            Ok(_) => side.dropped += 1,
            Err(_) => side.rejected += 1,
        }
    }
    Ok(side)
}

/// Skip the rest of an over-long line without holding it in memory.
fn skip_line(r: &mut impl BufRead) -> io::Result<()> {
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        if let Some(i) = buf.iter().position(|&b| b == b'\n') {
            r.consume(i + 1);
            return Ok(());
        }
        let n = buf.len();
        r.consume(n);
    }
}

/// Several renderers fed with the same items.
pub struct Tee(pub Vec<Box<dyn Render>>);

impl Render for Tee {
    fn item(&mut self, item: &Item) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|r| r.item(item))
    }
    fn end(&mut self, end: &End) -> io::Result<()> {
        // Flush everyone first: renderers share the output.
        self.flush()?;
        self.0.iter_mut().try_for_each(|r| r.end(end))
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|r| r.flush())
    }
}

/// What the person sees, built from the options.
fn renderers(opts: &Options, live: bool, output: &Output) -> Vec<Box<dyn Render>> {
    let mut out: Vec<Box<dyn Render>> = Vec::new();
    if opts.ladder_at_end && !opts.json && !opts.ladder {
        // First in the list so its diagrams come before the text's table.
        let mut ladder =
            LadderRender::new(output.handle(), opts.style, opts.width, LadderMode::AtEnd)
                .time_scale(opts.time_scale);
        ladder.summary_table = false;
        out.push(Box::new(ladder));
    }
    if opts.json && opts.detail.any() {
        out.push(Box::new(JsonRender::new(output.handle()).with_headers()));
    } else if opts.json {
        out.push(Box::new(JsonRender::new(output.handle())));
    } else if opts.ladder {
        // Alone on the output, a file's diagrams can be drawn as their
        // connections end instead of all kept for the end.
        let mode = if live {
            LadderMode::Live
        } else {
            LadderMode::Stream
        };
        out.push(Box::new(
            LadderRender::new(output.handle(), opts.style, opts.width, mode)
                .time_scale(opts.time_scale),
        ));
    } else {
        let mut text = TextRender::new(output.handle(), opts.style);
        text.width = opts.width;
        if opts.detail.any() {
            // Each packet's header lines right after its own.
            let mut lines = VerboseLines::new(opts.detail, opts.width);
            text.after_item = Some(Box::new(move |item| lines.lines(item)));
        }
        out.push(Box::new(text));
    }
    if let Some(path) = &opts.svg {
        out.push(Box::new(
            SvgCollector::new(path.clone())
                .time_scale(opts.time_scale)
                .all_segments(opts.all_segments),
        ));
    }
    if let Some(feed) = &opts.web {
        out.push(Box::new(feed.render()));
    }
    // `--conn N`: every view sees only that connection or flow.
    if let Some(want) = opts.conn {
        return vec![Box::new(Only::new(Tee(out), want))];
    }
    out
}

/// Open the source, run the loop until the file ends, `-c` is reached,
/// Ctrl-C/SIGTERM arrives or the children are done, then print the summary.
pub fn run(opts: &Options, mut children: Option<Children>) -> Result<Outcome> {
    if children.is_some() && opts.read.is_some() {
        bail!("{}", t!("capture-err-read-and-run"));
    }
    let source = match &opts.read {
        Some(path) => Source::file(path, opts.filter.as_deref())?,
        None => Source::live(&opts.interface, opts.filter.as_deref(), opts.immediate)?,
    };
    let live = source.is_live();
    // The kernel's view needs root too: its files are opened now, while we
    // still have it (the tracer keeps reading them as the user).
    // What it says is printed with the listening line, once the events
    // socket is bound (a test waits for the first line to know that).
    let (mut tracer, kernel_lines) = if live && opts.kernel {
        open_tracer(opts, children.is_some())
    } else {
        (None, Vec::new())
    };
    // Root was needed only to open the source: give it back now, before
    // anything is created or written (events socket, -w, --svg), so that
    // all of it is the user's and nothing is done as root through a path.
    match super::drop_sudo_privileges() {
        Ok(Some(uid)) => eprintln!("{}", t!("capture-as-user", uid = uid)),
        Ok(None) => {}
        Err(e) => bail!("{}", t!("capture-err-drop-root", error = e.to_string())),
    }
    // Events from the lab programs (live captures only).
    let mut listener = None;
    if live {
        match Listener::bind_default() {
            Ok(l) => listener = Some(l),
            Err(e) => eprintln!("{}", t!("capture-no-calls", error = e.to_string())),
        }
    }

    // The link's events: a socket of ours, made now (as the user).
    let link = match (&opts.link_events, live) {
        (Some(path), true) => Some(LinkSocket::bind(path)?),
        (Some(_), false) => {
            bail!("{}", t!("capture-err-link-events-file"))
        }
        (None, _) => None,
    };
    let link_file = link.as_ref().map(|l| l.file.clone());
    for line in &kernel_lines {
        eprintln!("{line}");
    }
    if live {
        // Like tcpdump, say where we listen (on stderr, so JSON stays clean);
        // tests wait for this line before they send anything, so it comes
        // after the events socket is bound.
        let none = t!("capture-filter-none");
        eprintln!(
            "{}",
            t!(
                "capture-listening",
                source = source.name(),
                link = source.link_type().name(),
                filter = opts.filter.as_deref().unwrap_or(&none)
            )
        );
    }

    let writer: Option<Writer> = match &opts.write {
        Some(p) => Some(source.writer(p)?),
        None => None,
    };
    let events_out = match &opts.write {
        Some(p) if live => {
            let path = events_path(p);
            let f = std::fs::File::create(&path).with_context(|| {
                t!(
                    "capture-demo-cannot-write",
                    path = path.display().to_string()
                )
            })?;
            Some(BufWriter::new(f))
        }
        _ => None,
    };

    let hold = match (live, &tracer) {
        // The kernel's records come later than the packets they explain.
        (true, Some(_)) => KERNEL_HOLD,
        (true, None) => LIVE_HOLD,
        (false, _) => Duration::ZERO,
    };
    let mut timeline = Timeline::new(source.link_type(), hold);
    if live {
        timeline = timeline.adaptive_hold();
        if !opts.immediate {
            // Packets come in blocks, at most one block timeout late: a
            // call waits for those dated before it.
            let block = Duration::from_millis(super::BLOCK_TIMEOUT_MS as u64);
            timeline.set_packet_floor(block + PACKET_FLOOR_MARGIN);
        }
    }
    timeline.headers = opts.keep_headers();
    // Which side of a link each segment was sent from, and which sockets
    // the kernel's view sees on this host rather than across a link.
    if opts.link_events.is_some() || tracer.is_some() {
        timeline.set_local_addresses(interface_addresses(&opts.interface));
    }
    if let Some(t) = &tracer {
        let retransmits = !t
            .status()
            .disabled
            .iter()
            .any(|(ev, _)| ev.contains("tcp_retransmit_skb"));
        timeline = timeline.with_kernel(kernel_ports(opts), retransmits);
        if children.is_some() {
            timeline = timeline.with_all_kernel_calls();
        }
    }
    if let Some(path) = &opts.read {
        // A file's events are all there at once: they wait in the
        // timeline's index until the packets' time reaches them.
        timeline = timeline.with_call_limit(MAX_SIDECAR_EVENTS);
        let side = read_events(path, |ev| {
            timeline.event(ev, None);
        })?;
        timeline.set_rejected_events(side.rejected);
        timeline.count_dropped_events(side.dropped);
    }

    let interrupted = Arc::new(AtomicBool::new(false));
    on_ctrl_c(interrupted.clone());
    let output = Output::start(interrupted.clone());
    // A script that asks for it (the demo): its programs' output among
    // the capture's lines, in time order, instead of apart on stderr.
    let programs = match children.as_mut() {
        Some(c) if c.wants_lines() && !opts.json => {
            let (tx, rx) = mpsc::sync_channel(super::children::MAX_WAITING_LINES);
            c.send_lines_to(tx);
            Some(Programs {
                rx,
                waiting: std::collections::VecDeque::new(),
                out: output.handle(),
                style: opts.style,
            })
        }
        _ => None,
    };
    let mut sink = Sink {
        timeline,
        render: Tee(renderers(opts, live, &output)),
        writer,
        events_out,
        seen: 0,
        count: opts.count,
        live,
        programs,
        tracer: tracer.take(),
    };
    let queue = Arc::new(Queue::default());
    let quit = Arc::new(AtomicBool::new(false));
    let feed = Feed::start(source, listener, link, &quit, &queue);

    if let Some(c) = children.as_mut() {
        c.start()?;
    }
    let looped = main_loop(
        opts,
        &feed,
        &mut sink,
        children.as_mut(),
        &interrupted,
        &queue,
    );
    // Stop the helpers; a live capture takes every packet they still hold
    // (a capture loses no packet it could have decoded), unless Ctrl-C
    // asked to be quick.
    quit.store(true, Ordering::SeqCst);
    let drained = match looped {
        Ok(ended) => sink
            .drain(&feed, ended, &interrupted, &queue)
            .map(|()| ended),
        Err(e) => Err(e),
    };
    let (kernel, read_error) = feed.finish(matches!(drained, Ok(Ended::Input)));
    if let Some(file) = &link_file {
        // The receiving thread removes it too; it may not have ended yet.
        file.remove();
    }
    sink.timeline
        .count_dropped_packets(queue.dropped_packets.load(Ordering::SeqCst));
    sink.timeline
        .count_dropped_events(queue.dropped_events.load(Ordering::SeqCst));
    let capture_dropped = queue.dropped_packets.load(Ordering::SeqCst);
    // The kernel's last records (the teardown's states) are read after
    // its tracing stopped; its instances are removed here.
    let trace_report = sink.stop_tracer();

    let shown = drained.and_then(|_| {
        if let Some(c) = children.as_mut() {
            c.finish().map_err(io::Error::other)?;
        }
        sink.timeline.close();
        sink.release(None)?;
        let end = sink.timeline.end(kernel);
        sink.render.end(&end)?;
        Ok(end)
    });
    let shown = shown.and_then(|end| {
        drop(sink.render);
        // Its handle on the output too: the output ends when all are gone.
        drop(sink.programs.take());
        output.finish().map(|()| end)
    });
    if let Some(k) = kernel {
        // On stderr like tcpdump's own counters, so they are seen even when
        // the output goes to a file or /dev/null.
        let mut line = t!(
            "capture-kernel-counters",
            received = k.received,
            dropped = k.dropped,
            if_dropped = k.if_dropped
        );
        if capture_dropped > 0 {
            line.push_str(&t!("capture-dropped-by-capture", n = capture_dropped));
        }
        eprintln!("{line}");
    }
    if let Some(r) = &trace_report {
        eprintln!("{}", trace_line(r, &sink.timeline));
    }
    if let Some(w) = sink.writer.as_mut() {
        w.flush()?;
    }
    if let Some(f) = sink.events_out.as_mut() {
        f.flush()?;
    }
    let end = shown?;
    if let Some(e) = read_error {
        return Err(e.into());
    }
    Ok(Outcome { end })
}

/// Ctrl-C (or SIGTERM) once: end cleanly, output flushed, summary printed,
/// pcap file complete. Twice: end at once.
fn on_ctrl_c(interrupted: Arc<AtomicBool>) {
    let presses = AtomicUsize::new(0);
    let handler = move || {
        if presses.fetch_add(1, Ordering::SeqCst) > 0 {
            std::process::exit(EXIT_INTERRUPTED_TWICE);
        }
        interrupted.store(true, Ordering::SeqCst);
        INTERRUPTED.store(true, Ordering::SeqCst);
    };
    if let Err(e) = ctrlc::set_handler(handler) {
        eprintln!("{}", t!("capture-no-ctrl-c", error = e.to_string()));
    }
}

/// Where a packet of a [`Batch`] is.
struct Meta {
    t: Duration,
    /// Where its bytes end in [`Batch::data`] (they start where the
    /// previous packet's end).
    end: usize,
    wire_len: u32,
}

/// Packets copied out of the source, in one buffer.
#[derive(Default)]
struct Batch {
    data: Vec<u8>,
    packets: Vec<Meta>,
    /// What it counts for in the queue's budget (given back when taken).
    charged: usize,
}

impl Batch {
    fn push(&mut self, p: &RawPacket<'_>) {
        self.data.extend_from_slice(p.data);
        self.packets.push(Meta {
            t: p.t,
            end: self.data.len(),
            wire_len: p.wire_len,
        });
    }

    /// The memory it holds (capacities, not lengths: that is what the
    /// budget bounds).
    fn cost(&self) -> usize {
        self.data.capacity()
            + self.packets.capacity() * std::mem::size_of::<Meta>()
            + BATCH_OVERHEAD
    }

    fn full(&self) -> bool {
        self.data.len() >= BATCH_BYTES
    }

    /// (time, captured bytes, length on the wire) of each packet.
    fn iter(&self) -> impl Iterator<Item = (Duration, &[u8], u32)> {
        let mut start = 0;
        self.packets.iter().map(move |m| {
            let data = &self.data[start..m.end];
            start = m.end;
            (m.t, data, m.wire_len)
        })
    }
}

/// What the helper threads hand to the loop.
enum Input {
    Packets(Batch),
    Events {
        evs: Vec<CallEvent>,
        /// The capture's clock when they arrived.
        received: Duration,
        /// The running count of rejected event datagrams.
        rejected: u64,
        charged: usize,
    },
    /// The link's events.
    Link {
        evs: Vec<LinkEvent>,
        /// The running count of datagrams that were not link events.
        rejected: u64,
        charged: usize,
    },
}

/// The budget of what waits between a live capture's helpers and the loop.
#[derive(Default)]
struct Queue {
    bytes: AtomicUsize,
    dropped_packets: AtomicU64,
    dropped_events: AtomicU64,
    /// The events receiver holds events it took off the socket and has
    /// not handed over yet (see [`Feed::events_incoming`]).
    events_in_hand: AtomicBool,
}

impl Queue {
    /// Take `cost` bytes of the budget, if there is room.
    fn reserve(&self, cost: usize) -> bool {
        self.bytes
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| {
                (b + cost <= MAX_QUEUED_BYTES).then_some(b + cost)
            })
            .is_ok()
    }

    /// The loop took something: give its bytes back.
    fn taken(&self, charged: usize) {
        self.bytes.fetch_sub(charged, Ordering::SeqCst);
    }

    /// Hand packets over, or count them dropped when the queue is full.
    /// False when the loop is gone.
    fn offer_packets(&self, tx: &mpsc::Sender<Input>, mut batch: Batch) -> bool {
        let cost = batch.cost();
        if !self.reserve(cost) {
            self.dropped_packets
                .fetch_add(batch.packets.len() as u64, Ordering::SeqCst);
            return true;
        }
        batch.charged = cost;
        tx.send(Input::Packets(batch)).is_ok()
    }
}

/// What [`Feed::next`] found.
enum Got {
    Input(Input),
    /// Nothing within the wait.
    Nothing,
    /// Every input is done (the end of a file, or the live helpers gone).
    Finished,
}

/// The helper threads and what they hand over.
struct Feed {
    /// Live: packets and events, bounded by the [`Queue`]'s budget.
    rx: Option<mpsc::Receiver<Input>>,
    /// A file: packets, one batch at a time.
    handoff: Option<Arc<Handoff>>,
    live: Option<JoinHandle<Result<Option<Stats>, CaptureError>>>,
    events: Option<JoinHandle<()>>,
    /// The events socket (owned by its receiver, open until it ends).
    events_fd: Option<std::os::fd::RawFd>,
}

impl Feed {
    /// Start the reader (and, live, the events receiver).
    fn start(
        source: Source,
        listener: Option<Listener>,
        link: Option<LinkSocket>,
        quit: &Arc<AtomicBool>,
        queue: &Arc<Queue>,
    ) -> Feed {
        if !source.is_live() {
            let handoff = Arc::new(Handoff::default());
            {
                let handoff = handoff.clone();
                // Never joined: it may be blocked reading a FIFO whose
                // writer stalled, and is then left to the process exit.
                std::thread::spawn(move || read_file(source, &handoff));
            }
            return Feed {
                rx: None,
                handoff: Some(handoff),
                live: None,
                events: None,
                events_fd: None,
            };
        }
        // Unbounded as a channel, bounded by the queue's byte budget.
        let (tx, rx) = mpsc::channel::<Input>();
        let reader = {
            let tx = tx.clone();
            let (quit, queue) = (quit.clone(), queue.clone());
            std::thread::spawn(move || read_live(source, tx, &quit, &queue))
        };
        let events_fd = listener.as_ref().map(Listener::fd);
        let events = listener.map(|l| {
            let tx = tx.clone();
            let (quit, queue) = (quit.clone(), queue.clone());
            std::thread::spawn(move || receive_events(l, tx, &quit, &queue))
        });
        // Never joined: it ends with the loop's receiver (or the process).
        if let Some(link) = link {
            let tx = tx.clone();
            let (quit, queue) = (quit.clone(), queue.clone());
            std::thread::spawn(move || link.receive(tx, &quit, &queue));
        }
        Feed {
            rx: Some(rx),
            handoff: None,
            live: Some(reader),
            events,
            events_fd,
        }
    }

    /// An event was sent that the loop has not got yet: it waits on the
    /// events socket, or the receiver holds it. Look before releasing:
    /// an event sent before a segment was made (a lab program sends it
    /// before the call) is then never released after that segment,
    /// whatever the hold. (The socket first, then the receiver's hand,
    /// then the channel: an event is always in one of them.)
    fn events_incoming(&self, queue: &Queue) -> bool {
        let Some(fd) = self.events_fd else {
            return false;
        };
        let waiting = crate::sys::poll_readable(&[fd], Duration::ZERO)
            .map(|r| r.first().copied().unwrap_or(false))
            .unwrap_or(false);
        waiting || queue.events_in_hand.load(Ordering::SeqCst)
    }

    /// The next input, waiting at most `wait`.
    fn next(&self, wait: Duration) -> Got {
        if let Some(h) = &self.handoff {
            return h.take(wait);
        }
        match self.rx.as_ref().map(|rx| rx.recv_timeout(wait)) {
            Some(Ok(input)) => Got::Input(input),
            Some(Err(mpsc::RecvTimeoutError::Timeout)) => Got::Nothing,
            Some(Err(mpsc::RecvTimeoutError::Disconnected)) | None => Got::Finished,
        }
    }

    /// An input already waiting (live), without waiting.
    fn try_next(&self) -> Option<Input> {
        self.rx.as_ref()?.try_recv().ok()
    }

    /// Wait for the live helpers and take the kernel's counters, and the
    /// reader's error (a file's only when it reached its end).
    fn finish(self, reached_end: bool) -> (Option<Stats>, Option<CaptureError>) {
        let Feed {
            rx,
            handoff,
            live,
            events,
            ..
        } = self;
        drop(rx);
        if let Some(h) = events {
            let _ = h.join();
        }
        if let Some(h) = handoff {
            let result = h.close();
            return (None, result.and_then(Result::err).filter(|_| reached_end));
        }
        match live.map(JoinHandle::join) {
            Some(Ok(Ok(stats))) => (stats, None),
            Some(Ok(Err(e))) => (None, Some(e)),
            Some(Err(_)) => (None, Some(CaptureError::Read(t!("capture-reader-stopped")))),
            None => (None, None),
        }
    }
}

/// Where a file's reader leaves packets for the loop: one batch, filled a
/// packet at a time and taken whole. The loop takes whatever has been read
/// whenever it is ready, so a file that grows slowly (a FIFO fed by
/// `tcpdump -U -w -`) is shown as it comes, and the reader waits while a
/// full batch has not been taken (a file is read no faster than shown).
#[derive(Default)]
struct Handoff {
    state: std::sync::Mutex<HandoffState>,
    /// Signalled when a packet or the end arrives.
    ready: std::sync::Condvar,
    /// Signalled when the batch was taken, or the loop is gone.
    room: std::sync::Condvar,
}

#[derive(Default)]
struct HandoffState {
    batch: Batch,
    /// The reader's end: the file's end, or a read error.
    finished: Option<Result<(), CaptureError>>,
    /// The loop is gone.
    closed: bool,
}

impl Handoff {
    fn lock(&self) -> std::sync::MutexGuard<'_, HandoffState> {
        // Nothing panics while holding it; a poisoned state is still valid.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Add a packet (reader). False when the loop is gone.
    fn push(&self, p: &RawPacket<'_>) -> bool {
        let mut s = self.lock();
        while s.batch.full() && !s.closed {
            s = self.room.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        if s.closed {
            return false;
        }
        // The loop waits only for an empty batch: wake it for the first
        // packet, not for every one (a notify is a futex syscall each).
        let was_empty = s.batch.packets.is_empty();
        s.batch.push(p);
        if was_empty {
            self.ready.notify_one();
        }
        true
    }

    /// The reader is done.
    fn finish(&self, result: Result<(), CaptureError>) {
        self.lock().finished = Some(result);
        self.ready.notify_one();
    }

    /// Take what was read, waiting at most `wait` for something (loop).
    fn take(&self, wait: Duration) -> Got {
        let mut s = self.lock();
        if s.batch.packets.is_empty() && s.finished.is_none() {
            s = self
                .ready
                .wait_timeout(s, wait)
                .map(|(s, _)| s)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        if !s.batch.packets.is_empty() {
            let batch = std::mem::take(&mut s.batch);
            self.room.notify_one();
            return Got::Input(Input::Packets(batch));
        }
        if s.finished.is_some() {
            return Got::Finished;
        }
        Got::Nothing
    }

    /// The loop is gone: let the reader go, and take its end if it came.
    fn close(&self) -> Option<Result<(), CaptureError>> {
        let mut s = self.lock();
        s.closed = true;
        self.room.notify_one();
        s.finished.take()
    }
}

/// A live reader: empties the kernel's ring as fast as it can, so that a
/// flood is not dropped by the kernel while the loop decodes and prints;
/// what the loop cannot take is dropped here, and counted.
fn read_live(
    mut source: Source,
    tx: mpsc::Sender<Input>,
    quit: &AtomicBool,
    queue: &Queue,
) -> Result<Option<Stats>, CaptureError> {
    let fds: Vec<_> = source.fd().into_iter().collect();
    // After the stop, keep reading for two block timeouts: without
    // immediate mode the kernel hands over the last packets only when
    // their block times out, and they must not be lost.
    let linger = 2 * Duration::from_millis(super::BLOCK_TIMEOUT_MS as u64);
    let mut stopped_at: Option<Instant> = None;
    loop {
        if quit.load(Ordering::SeqCst)
            && stopped_at.get_or_insert_with(Instant::now).elapsed() > linger
        {
            break;
        }
        let mut batch = Batch::default();
        while let Next::Packet(p, _) = source.next_packet()? {
            batch.push(&p);
            if batch.full() && !queue.offer_packets(&tx, std::mem::take(&mut batch)) {
                return Ok(source.stats());
            }
        }
        if !batch.packets.is_empty() && !queue.offer_packets(&tx, batch) {
            break;
        }
        let _ = crate::sys::poll_readable(&fds, TICK);
    }
    Ok(source.stats())
}

/// A file's reader: every packet into the handoff, then the end.
fn read_file(mut source: Source, handoff: &Handoff) {
    let result = loop {
        match source.next_packet() {
            Ok(Next::Packet(p, _)) => {
                if !handoff.push(&p) {
                    return;
                }
            }
            Ok(Next::Idle) => {}
            Ok(Next::End) => break Ok(()),
            // A file cut short: what was read is shown, then the error.
            Err(e) => break Err(e),
        }
    };
    handoff.finish(result);
}

/// Receive the lab programs' events until told to quit.
fn receive_events(mut l: Listener, tx: mpsc::Sender<Input>, quit: &AtomicBool, queue: &Queue) {
    let fd = [l.fd()];
    let mut rejected = 0;
    loop {
        let quitting = quit.load(Ordering::SeqCst);
        if !quitting {
            let _ = crate::sys::poll_readable(&fd, TICK);
        }
        queue.events_in_hand.store(true, Ordering::SeqCst);
        let evs = l.drain();
        if evs.is_empty() && l.stats.rejected == rejected {
            queue.events_in_hand.store(false, Ordering::SeqCst);
        } else {
            rejected = l.stats.rejected;
            let received = events::now();
            let cost = evs.len() * EVENT_COST;
            let input = if queue.reserve(cost) {
                Input::Events {
                    evs,
                    received,
                    rejected,
                    charged: cost,
                }
            } else {
                queue
                    .dropped_events
                    .fetch_add(evs.len() as u64, Ordering::SeqCst);
                Input::Events {
                    evs: Vec::new(),
                    received,
                    rejected,
                    charged: 0,
                }
            };
            let sent = tx.send(input).is_ok();
            queue.events_in_hand.store(false, Ordering::SeqCst);
            if !sent {
                break;
            }
        }
        if quitting {
            break;
        }
    }
    // The listener is dropped here: its socket file is removed.
}

/// Why the loop ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ended {
    /// Every input is done (the end of a file).
    Input,
    /// `-c` reached, the programs done, or Ctrl-C.
    Stopped,
}

/// Where packets and events go in the loop.
struct Sink {
    timeline: Timeline,
    render: Tee,
    writer: Option<Writer>,
    events_out: Option<BufWriter<std::fs::File>>,
    seen: u64,
    count: Option<u64>,
    live: bool,
    /// The programs' own output, printed in its place (the demo).
    programs: Option<Programs>,
    /// The kernel's view, when it is on.
    tracer: Option<Tracer>,
}

/// The lines the programs printed, waiting for their place among the
/// items: each is printed just before the first item that happened after
/// it (items wait for their events, at most [`LIVE_HOLD`]; so do these
/// lines).
struct Programs {
    rx: mpsc::Receiver<ProgramLine>,
    waiting: std::collections::VecDeque<ProgramLine>,
    out: super::output::Stdout,
    style: Style,
}

impl Programs {
    /// Print the lines read before `until` (all with `None`). The
    /// renderers' buffers are flushed first, so the order holds.
    fn print(&mut self, until: Option<Duration>, render: &mut Tee) -> io::Result<()> {
        self.waiting.extend(self.rx.try_iter());
        let due = |l: &ProgramLine| until.map_or(true, |u| l.t <= u);
        if !self.waiting.front().is_some_and(due) {
            return Ok(());
        }
        render.flush()?;
        while let Some(line) = self.waiting.front() {
            if !due(line) {
                break;
            }
            let shown = line.display();
            writeln!(
                self.out,
                "{}",
                self.style.paint(&shown, colored::Color::Magenta)
            )?;
            self.waiting.pop_front();
        }
        self.out.flush()
    }
}

impl Sink {
    /// `-c` is reached.
    fn done(&self) -> bool {
        self.count.is_some_and(|c| self.seen >= c)
    }

    /// Take what the kernel's view has ready (at most a bounded batch).
    fn kernel_facts(&mut self) {
        let Some(t) = self.tracer.as_ref() else {
            return;
        };
        let now = events::now();
        for fact in t.facts().try_iter().take(KERNEL_FACTS_PER_TURN) {
            self.timeline.kernel_at(fact, now);
        }
    }

    /// Stop the kernel's view: tracing off, instances removed, the facts
    /// still queued taken. Its report, if it was on.
    fn stop_tracer(&mut self) -> Option<kernel::Report> {
        let mut t = self.tracer.take()?;
        let report = t.stop();
        for fact in t.facts().try_iter() {
            self.timeline.kernel(fact);
        }
        self.timeline
            .set_kernel_losses(report.kernel_lost(), report.queue_dropped);
        if !report.removed {
            eprintln!("{}", t!("capture-kernel-not-removed"));
        }
        Some(report)
    }

    fn input(&mut self, input: Input, queue: &Queue) -> io::Result<()> {
        match input {
            Input::Packets(batch) => {
                queue.taken(batch.charged);
                if let (true, Some(first)) = (self.live, batch.packets.first()) {
                    // The oldest of the batch says how late packets come.
                    self.timeline.packets_arrived(first.t, events::now());
                }
                for (t, data, wire_len) in batch.iter() {
                    if self.done() {
                        break;
                    }
                    self.seen += 1;
                    if let Some(w) = self.writer.as_mut() {
                        w.write(&pcap_header(t, data.len(), wire_len), data);
                    }
                    self.timeline.packet(t, data);
                    if !self.live {
                        // A file: its packets' time is the clock.
                        let newest = self.timeline.newest();
                        self.release(Some(newest))?;
                    }
                }
            }
            Input::Events {
                evs,
                received,
                rejected,
                charged,
            } => {
                queue.taken(charged);
                for ev in evs {
                    let line = self.events_out.is_some().then(|| ev.to_bytes());
                    if self.timeline.event(ev, Some(received)) {
                        if let (Some(f), Some(line)) = (self.events_out.as_mut(), line) {
                            f.write_all(&line)?;
                            f.write_all(b"\n")?;
                        }
                    }
                }
                self.timeline.set_rejected_events(rejected);
            }
            Input::Link {
                evs,
                rejected,
                charged,
            } => {
                queue.taken(charged);
                for ev in evs {
                    self.timeline.link(ev);
                }
                self.timeline.set_rejected_link(rejected);
            }
        }
        Ok(())
    }

    /// Draw what the timeline releases at `now` (everything with `None`).
    fn release(&mut self, now: Option<Duration>) -> io::Result<()> {
        while let Some(item) = self.timeline.pop(now) {
            if let Some(p) = self.programs.as_mut() {
                p.print(Some(item.t()), &mut self.render)?;
            }
            self.render.item(&item)?;
        }
        if let Some(p) = self.programs.as_mut() {
            let until = now.map(|n| n.saturating_sub(self.timeline.hold_at(n)));
            p.print(until, &mut self.render)?;
        }
        Ok(())
    }

    /// After the loop: a live capture's helpers still hold the last packets
    /// (they stop within two block timeouts). After Ctrl-C they are drawn
    /// for at most [`STOP_DRAIN`], and the rest counted as dropped.
    fn drain(
        &mut self,
        feed: &Feed,
        ended: Ended,
        interrupted: &AtomicBool,
        queue: &Queue,
    ) -> io::Result<()> {
        if !self.live || ended == Ended::Input {
            return Ok(());
        }
        let start = Instant::now();
        loop {
            match feed.next(TICK) {
                Got::Input(input) => {
                    if interrupted.load(Ordering::SeqCst) && start.elapsed() > STOP_DRAIN {
                        discard(input, queue);
                    } else {
                        self.input(input, queue)?;
                    }
                }
                Got::Nothing => {}
                Got::Finished => return Ok(()),
            }
            self.kernel_facts();
        }
    }
}

/// Count what is thrown away unseen.
fn discard(input: Input, queue: &Queue) {
    match input {
        Input::Packets(batch) => {
            queue.taken(batch.charged);
            queue
                .dropped_packets
                .fetch_add(batch.packets.len() as u64, Ordering::SeqCst);
        }
        Input::Events { evs, charged, .. } => {
            queue.taken(charged);
            queue
                .dropped_events
                .fetch_add(evs.len() as u64, Ordering::SeqCst);
        }
        Input::Link { charged, .. } => queue.taken(charged),
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

/// The loop: take what the helpers hand over, feed the timeline, draw what
/// it releases; end with the file, `-c`, the programs, or Ctrl-C.
fn main_loop(
    opts: &Options,
    feed: &Feed,
    sink: &mut Sink,
    children: Option<&mut Children>,
    interrupted: &AtomicBool,
    queue: &Queue,
) -> io::Result<Ended> {
    let mut finished_at: Option<Instant> = None;
    let mut kernel_done = false;
    let mut wait = TICK;
    loop {
        match feed.next(wait) {
            Got::Input(input) => sink.input(input, queue)?,
            Got::Nothing => {}
            Got::Finished => return Ok(Ended::Input),
        }
        if sink.live {
            // Take whatever else is already waiting before drawing, and
            // look for events on their way only once the channel was
            // found empty (see Feed::events_incoming).
            let mut incoming = false;
            while !interrupted.load(Ordering::SeqCst) && !sink.done() {
                incoming = feed.events_incoming(queue);
                match feed.try_next() {
                    Some(input) => sink.input(input, queue)?,
                    None => break,
                }
            }
            sink.kernel_facts();
            sink.timeline.set_incoming(incoming);
            let now = events::now();
            sink.release(Some(now))?;
            sink.render.flush()?;
            if let Some(w) = sink.writer.as_mut() {
                w.flush().map_err(io::Error::other)?;
            }
            // Wake when the next item is due (or an event on its way has
            // arrived), and often enough to take the kernel's records.
            wait = sink
                .timeline
                .due_in(events::now())
                .unwrap_or(TICK)
                .min(TICK);
            if incoming {
                wait = wait.min(INCOMING_POLL);
            }
            if sink.tracer.is_some() && !kernel_done {
                wait = wait.min(KERNEL_POLL);
            }
        }
        if sink.done() || interrupted.load(Ordering::SeqCst) {
            return Ok(Ended::Stopped);
        }
        // Running programs: stop a little after they (and their teardown) ended.
        if let Some(c) = children.as_ref() {
            if c.done() {
                let at = *finished_at.get_or_insert_with(Instant::now);
                // The kernel followed only them: once their last records
                // are in, none can come.
                if !kernel_done && at.elapsed() >= KERNEL_HOLD {
                    kernel_done = true;
                    sink.timeline.kernel_finished();
                }
                if at.elapsed() >= opts.grace {
                    return Ok(Ended::Stopped);
                }
            }
        }
    }
}

/// Open the kernel's view for a live capture: following the programs it
/// runs (and their children) when it runs some, else every process on the
/// filter's ports. When it cannot, one line says why and what still works.
/// The lines to print come back with it.
fn open_tracer(opts: &Options, runs_programs: bool) -> (Option<Tracer>, Vec<String>) {
    let cfg = kernel::Config {
        follow: if runs_programs {
            kernel::Follow::OurChildren
        } else {
            kernel::Follow::Everyone
        },
        ports: kernel_ports(opts),
        ..kernel::Config::default()
    };
    match Tracer::open(&cfg) {
        Ok(t) => {
            let s = t.status();
            let mut lines = vec![t!("capture-kernel-on", instances = s.instances.join(", "))];
            if !s.removed_stale.is_empty() {
                lines.push(t!(
                    "capture-kernel-stale-removed",
                    instances = s.removed_stale.join(", ")
                ));
            }
            (Some(t), lines)
        }
        Err(why) => (None, vec![t!("capture-kernel-off", why = why.to_string())]),
    }
}

/// The ports the kernel's view is limited to: `--port`, or the `port N`
/// terms of a filter that only ever selects (a `not` in it could mean
/// any port: then every socket).
pub fn kernel_ports(opts: &Options) -> Vec<u16> {
    opts.filter.as_deref().map(filter_ports).unwrap_or_default()
}

/// The ports named by `port N` (`tcp port N`, `src port N`...) in a BPF
/// filter; none when it has a negation.
pub fn filter_ports(filter: &str) -> Vec<u16> {
    let words: Vec<&str> = filter
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .collect();
    if words.iter().any(|w| *w == "not" || w.starts_with('!')) {
        return Vec::new();
    }
    let mut ports: Vec<u16> = words
        .windows(2)
        .filter(|w| w[0] == "port")
        .filter_map(|w| w[1].parse().ok())
        .collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// The kernel's view's end line: what it showed and what it lost.
fn trace_line(r: &kernel::Report, timeline: &Timeline) -> String {
    let totals = timeline.trace_totals().unwrap_or_default();
    t!(
        "capture-kernel-end",
        calls = totals.calls,
        confirmed = totals.confirmed,
        states = totals.states,
        lost = r.kernel_lost(),
        dropped = totals.dropped,
        removed = if r.removed { "yes" } else { "no" }
    )
}

/// The socket the link emulator sends its events to (`--link-events`),
/// removed when capture ends.
struct LinkSocket {
    sock: std::os::unix::net::UnixDatagram,
    /// What bind() made: only that is removed.
    file: crate::events::SocketFile,
}

impl LinkSocket {
    /// Make the socket. Binding creates its file and fails if anything is
    /// at the path already, so nothing another user prepared is used.
    fn bind(path: &Path) -> Result<LinkSocket> {
        let failed = |e: io::Error| {
            anyhow::anyhow!(
                "{}",
                t!(
                    "capture-err-link-socket",
                    path = path.display().to_string(),
                    error = e.to_string(),
                    in_use = if e.kind() == io::ErrorKind::AddrInUse {
                        "yes"
                    } else {
                        "no"
                    }
                )
            )
        };
        let sock = std::os::unix::net::UnixDatagram::bind(path).map_err(failed)?;
        sock.set_nonblocking(true).map_err(failed)?;
        Ok(LinkSocket {
            sock,
            file: crate::events::SocketFile::created(path),
        })
    }

    /// Receive events until told to quit: each datagram parsed on its
    /// own, the bad ones counted, all of it within the queue's budget.
    fn receive(self, tx: mpsc::Sender<Input>, quit: &AtomicBool, queue: &Queue) {
        use std::os::fd::AsRawFd;
        let fd = [self.sock.as_raw_fd()];
        let mut buf = vec![0u8; MAX_LINK_EVENT_BYTES + 1];
        let mut rejected = 0u64;
        while !quit.load(Ordering::SeqCst) {
            let _ = crate::sys::poll_readable(&fd, TICK);
            let mut evs = Vec::new();
            let before = rejected;
            while evs.len() < 4096 {
                match self.sock.recv(&mut buf) {
                    Ok(n) => match LinkEvent::parse(&buf[..n]) {
                        Ok(ev) => evs.push(ev),
                        Err(_) => rejected += 1,
                    },
                    Err(_) => break,
                }
            }
            if evs.is_empty() && rejected == before {
                continue;
            }
            let cost = evs.len() * EVENT_COST;
            let charged = if queue.reserve(cost) {
                cost
            } else {
                rejected += evs.len() as u64;
                evs.clear();
                0
            };
            let input = Input::Link {
                evs,
                rejected,
                charged,
            };
            if tx.send(input).is_err() {
                break;
            }
        }
    }
}

impl Drop for LinkSocket {
    fn drop(&mut self) {
        self.file.remove();
    }
}

/// The IP addresses of a live interface (for the link's events: which
/// frames this host sent); none when it cannot be listed.
fn interface_addresses(name: &str) -> Vec<std::net::IpAddr> {
    pcap::Device::list()
        .unwrap_or_default()
        .into_iter()
        .find(|d| d.name == name)
        .map(|d| d.addresses.into_iter().map(|a| a.addr).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod kernel_tests {
    use super::filter_ports;

    #[test]
    fn the_kernel_is_asked_about_the_filters_ports_only_when_it_only_selects() {
        assert_eq!(filter_ports("tcp port 5000 or udp port 5000"), vec![5000]);
        assert_eq!(filter_ports("(tcp port 7) and (port 5000)"), vec![7, 5000]);
        assert_eq!(filter_ports("host 127.0.0.1"), Vec::<u16>::new());
        assert_eq!(filter_ports("not port 22"), Vec::<u16>::new());
        assert_eq!(filter_ports("port 99999"), Vec::<u16>::new());
    }
}
