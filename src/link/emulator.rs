//! The running link: a thread in the middle namespace that reads every
//! frame arriving from a host's cable (an `AF_PACKET` socket on each veth
//! end there), passes it through the [`Pipeline`] of its direction, and
//! puts it on the other host's cable when it is due.
//!
//! The hosts are ports of a small switch: a frame goes to the port its
//! destination MAC address was last seen on, and to every other port when
//! it is broadcast or not seen yet. Each (from, to) pair of hosts has its
//! own pipeline, so each direction has its own queue, losses and delays.
//!
//! One thread does everything (`ppoll` with a nanosecond timeout for the
//! next frame due, `recvmmsg` for up to 64 frames at a time): forwarding is
//! a copy and a `send()` per frame, well above 100,000 frames a second on a
//! small machine (docs/performance.md, "The link emulator").

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::event::{FrameFacts, LinkEvent, What};
use super::model::{Class, Fate, Impairments, Pipeline, Released, Rng, Stats};
use crate::sys::linux::{self as sys, PacketSocket, BATCH};

/// The largest frame forwarded (jumbo frames included); longer ones are
/// counted and dropped.
pub const FRAME_MAX: usize = 16 * 1024;
/// Receive buffer of each packet socket: room for bursts.
const SOCKET_BUFFER: usize = 8 << 20;
/// Link events waiting to be sent, at most (dropped and counted beyond).
const EVENT_QUEUE: usize = 8192;
/// Longest sleep between two looks at the stop flag.
const TICK: Duration = Duration::from_millis(50);
/// Batches read from one port before looking at the others.
const BATCHES_PER_TURN: usize = 8;
/// MAC addresses remembered, at most (the table starts again when full).
const MAC_TABLE_MAX: usize = 1024;

/// One host's cable, as seen from the middle namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    /// The host at the other end: `alice`.
    pub host: String,
    /// The veth end in the middle namespace: `link-alice`.
    pub ifname: String,
}

/// What to start.
#[derive(Clone, Debug)]
pub struct LinkSpec {
    pub ports: Vec<Port>,
    /// The same impairments for every direction.
    pub impairments: Impairments,
    /// Send every event, as a datagram, to the Unix socket at this path.
    pub events: Option<PathBuf>,
    /// Seed of the random draws (losses, jitter, ...).
    pub seed: u64,
}

/// One direction's counts, and what it does now.
#[derive(Clone, Debug, PartialEq)]
pub struct DirectionStats {
    pub from: String,
    pub to: String,
    /// The settings in force in this direction.
    pub impairments: Impairments,
    pub stats: Stats,
    /// Frames of the [`Watch`]ed flow dropped, since the watch was set.
    pub watched_dropped: u64,
}

/// IP protocol number of TCP.
pub const IPPROTO_TCP: u8 = 6;
/// IP protocol number of UDP.
pub const IPPROTO_UDP: u8 = 17;

/// One flow whose drops the link counts apart from the rest: the frames
/// of IP protocol `proto` with `port` as their source or destination port.
/// The experiment watches its receiver's port, so that the last segments
/// of an earlier connection (a FIN sent again, its ACK) are not counted
/// among the drops of the run that follows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Watch {
    pub proto: u8,
    pub port: u16,
}

impl Watch {
    /// True when `frame` belongs to the watched flow.
    pub fn matches(&self, frame: &[u8]) -> bool {
        transport_ports(frame).is_some_and(|(proto, src, dst)| {
            proto == self.proto && (src == self.port || dst == self.port)
        })
    }
}

/// What the link has done so far, and what it does now.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub impairments: Impairments,
    pub directions: Vec<DirectionStats>,
    /// Frames the kernel dropped before we could read them (our socket
    /// buffer was full: the machine could not keep up).
    pub overrun: u64,
    /// Frames longer than [`FRAME_MAX`].
    pub too_long: u64,
    /// Frames the outgoing cable refused (its queue full).
    pub send_failed: u64,
    pub events_sent: u64,
    /// Events not sent: the queue was full or nobody listened.
    pub events_lost: u64,
}

impl Snapshot {
    /// The counts of the direction `from` → `to` (zero if there is none).
    pub fn direction(&self, from: &str, to: &str) -> Stats {
        self.directions
            .iter()
            .find(|d| d.from == from && d.to == to)
            .map(|d| d.stats)
            .unwrap_or_default()
    }

    /// Frames of the watched flow dropped `from` → `to` (see [`Link::watch`]).
    pub fn watched_dropped(&self, from: &str, to: &str) -> u64 {
        self.directions
            .iter()
            .find(|d| d.from == from && d.to == to)
            .map_or(0, |d| d.watched_dropped)
    }
}

struct Shared {
    stop: AtomicBool,
    generation: AtomicU64,
    /// The last generation the forwarding thread has put in force.
    applied: AtomicU64,
    pending: Mutex<Impairments>,
    /// Directions set apart from `pending`: `(from, to)` hosts → settings.
    pending_each: Mutex<BTreeMap<(String, String), Impairments>>,
    /// The same handoff for the watched flow.
    watch_generation: AtomicU64,
    watch_applied: AtomicU64,
    pending_watch: Mutex<Option<Watch>>,
    /// Asks for a snapshot now ([`Link::fresh_snapshot`]), and the last
    /// such request the thread has answered.
    publish_generation: AtomicU64,
    published: AtomicU64,
    snapshot: Mutex<Snapshot>,
}

/// A running link. Stop it with [`Link::stop`]; dropping it stops it too.
pub struct Link {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Link {
    /// Start the link in the network namespace `netns` (a `/run/netns/*`
    /// file): the thread joins it, opens its sockets, and only then does
    /// this return, so that a missing interface is an error here.
    pub fn start(netns: &Path, spec: LinkSpec) -> io::Result<Link> {
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            applied: AtomicU64::new(0),
            pending: Mutex::new(spec.impairments.clone()),
            pending_each: Mutex::new(BTreeMap::new()),
            watch_generation: AtomicU64::new(0),
            watch_applied: AtomicU64::new(0),
            pending_watch: Mutex::new(None),
            publish_generation: AtomicU64::new(0),
            published: AtomicU64::new(0),
            snapshot: Mutex::new(Snapshot {
                impairments: spec.impairments.clone(),
                ..Snapshot::default()
            }),
        });
        let ns = File::open(netns)?;
        let (ready_tx, ready_rx) = mpsc::channel::<io::Result<()>>();
        let inner = Arc::clone(&shared);
        let thread = thread::Builder::new().name("link".into()).spawn(move || {
            let opened = sys::setns(&ns, sys::NEW_NET).and_then(|()| {
                spec.ports
                    .iter()
                    .map(|p| PacketSocket::open(&p.ifname, SOCKET_BUFFER))
                    .collect::<io::Result<Vec<_>>>()
            });
            match opened {
                Ok(sockets) => {
                    let _ = ready_tx.send(Ok(()));
                    run(&inner, &spec, sockets)
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(io::Error::new(e.kind(), e.to_string())));
                    Err(e)
                }
            }
        })?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Link {
                shared,
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => Err(io::Error::other(crate::t!("twohost-link-thread-ended"))),
        }
    }

    /// Change the impairments of every direction: in force for every frame
    /// that arrives after this returns.
    pub fn set_impairments(&self, cfg: Impairments) {
        self.set_each(cfg, BTreeMap::new());
    }

    /// Change the impairments: `each` for the directions it names (`(from,
    /// to)` hosts), `all` for the others; in force for every frame that
    /// arrives after this returns.
    pub fn set_each(&self, all: Impairments, each: BTreeMap<(String, String), Impairments>) {
        *lock(&self.shared.pending) = all;
        *lock(&self.shared.pending_each) = each;
        let g = self.shared.generation.fetch_add(1, Ordering::SeqCst) + 1;
        self.wait_applied(&self.shared.applied, g);
    }

    /// Count the drops of flow `watch` apart (`None`: of no flow), from
    /// zero, for every frame that arrives after this returns.
    pub fn watch(&self, watch: Option<Watch>) {
        *lock(&self.shared.pending_watch) = watch;
        let g = self.shared.watch_generation.fetch_add(1, Ordering::SeqCst) + 1;
        self.wait_applied(&self.shared.watch_applied, g);
    }

    /// Wait until the thread has put generation `g` in force.
    fn wait_applied(&self, applied: &AtomicU64, g: u64) {
        // The thread looks before each batch of frames, and at least every TICK.
        let start = Instant::now();
        while applied.load(Ordering::SeqCst) < g
            && self.is_running()
            && start.elapsed() < Duration::from_secs(2)
        {
            thread::sleep(Duration::from_micros(200));
        }
    }

    /// What it has done so far (at most one loop turn old, a few µs to
    /// [`TICK`]).
    pub fn snapshot(&self) -> Snapshot {
        lock(&self.shared.snapshot).clone()
    }

    /// What it has done with every frame it has read before this call:
    /// the thread publishes at once instead of within its next [`TICK`]
    /// (which a busy machine can stretch), so that a count read at the
    /// end of a run is final.
    pub fn fresh_snapshot(&self) -> Snapshot {
        let g = self
            .shared
            .publish_generation
            .fetch_add(1, Ordering::SeqCst)
            + 1;
        self.wait_applied(&self.shared.published, g);
        self.snapshot()
    }

    /// True while the forwarding thread runs.
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Stop forwarding; the final counts.
    pub fn stop(mut self) -> io::Result<Snapshot> {
        self.halt()
    }

    fn halt(&mut self) -> io::Result<Snapshot> {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            match t.join() {
                Ok(r) => r?,
                Err(_) => return Err(io::Error::other(crate::t!("twohost-link-thread-panicked"))),
            }
        }
        Ok(self.snapshot())
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        let _ = self.halt();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The kind of frame, from its headers (cheap: a few byte reads).
pub fn classify(frame: &[u8]) -> Class {
    let mut at = 12;
    let ethertype = |at: usize| {
        frame
            .get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    };
    let mut ty = ethertype(at);
    if ty == Some(0x8100) {
        at += 4;
        ty = ethertype(at);
    }
    let ip = at + 2;
    match ty {
        Some(0x0800) => match frame.get(ip + 9) {
            // IGMP: multicast membership, the IPv4 cousin of MLD.
            Some(2) => Class::Control,
            Some(_) => Class::Data,
            None => Class::Control,
        },
        Some(0x86dd) => match frame.get(ip + 6) {
            // Hop-by-hop options come first in MLD reports.
            Some(0) => Class::Control,
            Some(58) => match frame.get(ip + 40) {
                // Router and neighbour discovery, redirects, MLD.
                Some(t) if (130..=143).contains(t) => Class::Control,
                _ => Class::Data,
            },
            Some(_) => Class::Data,
            None => Class::Control,
        },
        _ => Class::Control,
    }
}

/// The IP protocol and the source and destination ports of a TCP or UDP
/// frame (Ethernet, an optional VLAN tag, IPv4 or IPv6 without extension
/// headers); `None` for anything else, a fragment or a short frame.
pub fn transport_ports(frame: &[u8]) -> Option<(u8, u16, u16)> {
    let u16_at = |at: usize| {
        frame
            .get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    };
    let mut at = 12;
    if u16_at(at)? == 0x8100 {
        at += 4;
    }
    let ip = at + 2;
    let (proto, l4) = match u16_at(at)? {
        0x0800 => {
            let ihl = usize::from(frame.get(ip)? & 0x0f) * 4;
            // A fragment after the first carries no ports.
            if u16_at(ip + 6)? & 0x1fff != 0 || ihl < 20 {
                return None;
            }
            (*frame.get(ip + 9)?, ip + ihl)
        }
        0x86dd => (*frame.get(ip + 6)?, ip + 40),
        _ => return None,
    };
    if proto != IPPROTO_TCP && proto != IPPROTO_UDP {
        return None;
    }
    Some((proto, u16_at(l4)?, u16_at(l4 + 2)?))
}

/// Sends events from a thread of its own, so that forwarding never waits.
struct EventSink {
    tx: SyncSender<LinkEvent>,
    sent: Arc<AtomicU64>,
    lost: Arc<AtomicU64>,
}

impl EventSink {
    fn start(path: PathBuf) -> io::Result<EventSink> {
        let (tx, rx) = mpsc::sync_channel::<LinkEvent>(EVENT_QUEUE);
        let sent = Arc::new(AtomicU64::new(0));
        let lost = Arc::new(AtomicU64::new(0));
        let (s, l) = (Arc::clone(&sent), Arc::clone(&lost));
        let socket = UnixDatagram::unbound()?;
        socket.set_nonblocking(true)?;
        thread::Builder::new()
            .name("link-events".into())
            .spawn(move || {
                for event in rx {
                    match socket.send_to(&event.to_datagram(), &path) {
                        Ok(_) => s.fetch_add(1, Ordering::Relaxed),
                        // Nobody listening yet, or a full receiver: the
                        // event is lost, the link goes on.
                        Err(_) => l.fetch_add(1, Ordering::Relaxed),
                    };
                }
            })?;
        Ok(EventSink { tx, sent, lost })
    }

    fn send(&self, event: LinkEvent) {
        if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) = self.tx.try_send(event)
        {
            self.lost.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Where a frame received on a port goes.
struct Switch {
    macs: HashMap<[u8; 6], usize>,
    ports: usize,
}

impl Switch {
    fn targets(&mut self, from: usize, frame: &[u8], out: &mut Vec<usize>) {
        out.clear();
        if frame.len() < 14 {
            return;
        }
        let mut src = [0u8; 6];
        src.copy_from_slice(&frame[6..12]);
        if src[0] & 1 == 0 {
            if self.macs.len() >= MAC_TABLE_MAX && !self.macs.contains_key(&src) {
                self.macs.clear();
            }
            self.macs.insert(src, from);
        }
        let mut dst = [0u8; 6];
        dst.copy_from_slice(&frame[0..6]);
        match self.macs.get(&dst) {
            Some(&port) if dst[0] & 1 == 0 => {
                if port != from {
                    out.push(port);
                }
            }
            _ => out.extend((0..self.ports).filter(|p| *p != from)),
        }
    }
}

struct Clock {
    start: Instant,
    epoch: f64,
}

impl Clock {
    fn new() -> Clock {
        let start = Instant::now();
        let epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        Clock { start, epoch }
    }

    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn wall(&self, at: Duration) -> f64 {
        self.epoch + at.as_secs_f64()
    }
}

/// A frame on its way, with what its events need.
#[derive(Clone)]
struct InFlight {
    bytes: Vec<u8>,
}

fn run(shared: &Shared, spec: &LinkSpec, sockets: Vec<PacketSocket>) -> io::Result<()> {
    let n = sockets.len();
    let events = match &spec.events {
        Some(path) => Some(EventSink::start(path.clone())?),
        None => None,
    };
    let mut pipelines: Vec<Vec<Option<Pipeline<InFlight>>>> = (0..n)
        .map(|from| {
            (0..n)
                .map(|to| (from != to).then(|| Pipeline::new(spec.impairments.clone())))
                .collect()
        })
        .collect();
    let mut rng = Rng::new(spec.seed);
    let mut switch = Switch {
        macs: HashMap::new(),
        ports: n,
    };
    let clock = Clock::new();
    let fds: Vec<_> = sockets.iter().map(PacketSocket::raw_fd).collect();
    let mut bufs: Vec<Vec<u8>> = (0..BATCH).map(|_| vec![0u8; FRAME_MAX]).collect();
    let mut lens = [0usize; BATCH];
    let mut targets = Vec::new();
    let mut released: Vec<Released<InFlight>> = Vec::new();
    let mut generation = 0;
    let mut impairments = spec.impairments.clone();
    let mut watch_generation = 0;
    let mut watch: Option<Watch> = None;
    // Drops of the watched flow, [from][to].
    let mut watched = vec![vec![0u64; n]; n];
    let (mut overrun, mut too_long, mut send_failed) = (0u64, 0u64, 0u64);
    let mut last_publish = Instant::now();

    let mut release_all = |pipelines: &mut Vec<Vec<Option<Pipeline<InFlight>>>>,
                           now: Duration,
                           send_failed: &mut u64| {
        for (from, row) in pipelines.iter_mut().enumerate() {
            for (to, p) in row.iter_mut().enumerate() {
                let Some(p) = p else { continue };
                p.release(now, &mut released);
                if released.is_empty() {
                    continue;
                }
                let frames: Vec<&[u8]> =
                    released.iter().map(|r| r.frame.bytes.as_slice()).collect();
                let took = sockets[to].send_batch(&frames).unwrap_or(0);
                *send_failed += (frames.len() - took) as u64;
                for r in released.drain(..) {
                    if let (Some(sink), Some(k)) = (&events, r.overtaken_by) {
                        if k > 0 {
                            sink.send(LinkEvent {
                                t: clock.wall(now),
                                what: What::Reordered { overtaken_by: k },
                                from: spec.ports[from].host.clone(),
                                to: spec.ports[to].host.clone(),
                                id: r.id,
                                frame_len: r.frame.bytes.len(),
                                facts: FrameFacts::of(&r.frame.bytes),
                            });
                        }
                    }
                }
            }
        }
    };

    publish(
        shared,
        spec,
        &pipelines,
        &watched,
        &impairments,
        (0, 0, 0),
        events.as_ref(),
    );
    let mut apply = |pipelines: &mut Vec<Vec<Option<Pipeline<InFlight>>>>,
                     impairments: &mut Impairments| {
        let g = shared.generation.load(Ordering::SeqCst);
        if g != generation {
            generation = g;
            *impairments = lock(&shared.pending).clone();
            let each = lock(&shared.pending_each).clone();
            for (from, row) in pipelines.iter_mut().enumerate() {
                for (to, p) in row.iter_mut().enumerate() {
                    let Some(p) = p else { continue };
                    let key = (spec.ports[from].host.clone(), spec.ports[to].host.clone());
                    p.set_config(each.get(&key).unwrap_or(impairments).clone());
                }
            }
            shared.applied.store(g, Ordering::SeqCst);
        }
    };
    let mut apply_watch = |watch: &mut Option<Watch>, watched: &mut Vec<Vec<u64>>| {
        let g = shared.watch_generation.load(Ordering::SeqCst);
        if g != watch_generation {
            watch_generation = g;
            *watch = *lock(&shared.pending_watch);
            watched.iter_mut().flatten().for_each(|c| *c = 0);
            shared.watch_applied.store(g, Ordering::SeqCst);
        }
    };
    while !shared.stop.load(Ordering::SeqCst) {
        apply(&mut pipelines, &mut impairments);
        apply_watch(&mut watch, &mut watched);
        release_all(&mut pipelines, clock.now(), &mut send_failed);

        let next = pipelines
            .iter()
            .flatten()
            .flatten()
            .filter_map(Pipeline::next_wakeup)
            .min();
        let timeout = next
            .map_or(TICK, |t| t.saturating_sub(clock.now()))
            .min(TICK);
        let readable = sys::ppoll_readable(&fds, Some(timeout))?;
        // A change made while we slept applies to the frames that woke us.
        apply(&mut pipelines, &mut impairments);
        apply_watch(&mut watch, &mut watched);

        for (from, ready) in readable.iter().enumerate() {
            if !ready {
                continue;
            }
            // A few batches per port per turn, so that a flood on one cable
            // never starves the other, the releases, or the stop flag.
            for _ in 0..BATCHES_PER_TURN {
                let got = sockets[from].recv_batch(&mut bufs, &mut lens)?;
                let now = clock.now();
                for i in 0..got {
                    let len = lens[i];
                    if len > FRAME_MAX {
                        too_long += 1;
                        continue;
                    }
                    let frame = &bufs[i][..len];
                    switch.targets(from, frame, &mut targets);
                    let class = classify(frame);
                    for &to in &targets {
                        let Some(p) = pipelines[from][to].as_mut() else {
                            continue;
                        };
                        let (id, fate) = p.ingress(
                            now,
                            InFlight {
                                bytes: frame.to_vec(),
                            },
                            len,
                            class,
                            &mut rng,
                        );
                        if let (Fate::Dropped(_), Some(w)) = (fate, &watch) {
                            if w.matches(frame) {
                                watched[from][to] += 1;
                            }
                        }
                        if let Some(sink) = &events {
                            report(sink, &clock, now, spec, from, to, id, frame, fate);
                        }
                    }
                }
                if got > 0 {
                    release_all(&mut pipelines, clock.now(), &mut send_failed);
                }
                if got < BATCH {
                    break;
                }
            }
        }

        let asked = shared.publish_generation.load(Ordering::SeqCst);
        if last_publish.elapsed() >= Duration::from_millis(5)
            || next.is_none()
            || asked != shared.published.load(Ordering::SeqCst)
        {
            last_publish = Instant::now();
            for s in &sockets {
                overrun += s.take_drops().unwrap_or(0);
            }
            publish(
                shared,
                spec,
                &pipelines,
                &watched,
                &impairments,
                (overrun, too_long, send_failed),
                events.as_ref(),
            );
            shared.published.store(asked, Ordering::SeqCst);
        }
    }
    for s in &sockets {
        overrun += s.take_drops().unwrap_or(0);
    }
    publish(
        shared,
        spec,
        &pipelines,
        &watched,
        &impairments,
        (overrun, too_long, send_failed),
        events.as_ref(),
    );
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn report(
    sink: &EventSink,
    clock: &Clock,
    now: Duration,
    spec: &LinkSpec,
    from: usize,
    to: usize,
    id: u64,
    frame: &[u8],
    fate: Fate,
) {
    let event = |what| LinkEvent {
        t: clock.wall(now),
        what,
        from: spec.ports[from].host.clone(),
        to: spec.ports[to].host.clone(),
        id,
        frame_len: frame.len(),
        facts: FrameFacts::of(frame),
    };
    match fate {
        Fate::Dropped(reason) => sink.send(event(What::Dropped(reason))),
        Fate::Scheduled {
            delay,
            queued,
            duplicated,
            ..
        } => {
            if !delay.is_zero() {
                sink.send(event(What::Delayed {
                    delay_us: delay.as_micros() as u64,
                    queued_us: queued.as_micros() as u64,
                }));
            }
            if duplicated {
                sink.send(event(What::Duplicated));
            }
        }
    }
}

fn publish(
    shared: &Shared,
    spec: &LinkSpec,
    pipelines: &[Vec<Option<Pipeline<InFlight>>>],
    watched: &[Vec<u64>],
    impairments: &Impairments,
    (overrun, too_long, send_failed): (u64, u64, u64),
    events: Option<&EventSink>,
) {
    let mut directions = Vec::new();
    for (from, row) in pipelines.iter().enumerate() {
        for (to, p) in row.iter().enumerate() {
            if let Some(p) = p {
                directions.push(DirectionStats {
                    from: spec.ports[from].host.clone(),
                    to: spec.ports[to].host.clone(),
                    impairments: p.config().clone(),
                    stats: p.stats(),
                    watched_dropped: watched[from][to],
                });
            }
        }
    }
    let mut snap = lock(&shared.snapshot);
    *snap = Snapshot {
        impairments: impairments.clone(),
        directions,
        overrun,
        too_long,
        send_failed,
        events_sent: events.map_or(0, |e| e.sent.load(Ordering::Relaxed)),
        events_lost: events.map_or(0, |e| e.lost.load(Ordering::Relaxed)),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(dst: [u8; 6], src: [u8; 6], ethertype: u16, rest: &[u8]) -> Vec<u8> {
        let mut f = dst.to_vec();
        f.extend_from_slice(&src);
        f.extend_from_slice(&ethertype.to_be_bytes());
        f.extend_from_slice(rest);
        f
    }

    #[test]
    fn a_watch_sees_its_flow_by_protocol_and_port() {
        let a = [2, 0, 0, 0, 0, 1];
        // IPv4 header (IHL 5, not a fragment) then UDP ports 41000 -> 5005.
        let mut v4 = vec![0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 17, 0, 0];
        v4.extend_from_slice(&[10, 203, 7, 1, 10, 203, 7, 2]);
        v4.extend_from_slice(&41000u16.to_be_bytes());
        v4.extend_from_slice(&5005u16.to_be_bytes());
        v4.extend_from_slice(&[0, 8, 0, 0]);
        let udp = frame(a, a, 0x0800, &v4);
        assert_eq!(transport_ports(&udp), Some((IPPROTO_UDP, 41000, 5005)));
        let to_5005 = Watch {
            proto: IPPROTO_UDP,
            port: 5005,
        };
        assert!(to_5005.matches(&udp), "the destination port");
        assert!(
            Watch {
                port: 41000,
                ..to_5005
            }
            .matches(&udp),
            "the source port"
        );
        assert!(
            !Watch {
                port: 5006,
                ..to_5005
            }
            .matches(&udp),
            "another flow"
        );
        assert!(
            !Watch {
                proto: IPPROTO_TCP,
                ..to_5005
            }
            .matches(&udp),
            "the same port of the other protocol"
        );
        // A later fragment (offset 185) carries no ports.
        let mut frag = v4.clone();
        frag[6] = 0;
        frag[7] = 185;
        assert_eq!(transport_ports(&frame(a, a, 0x0800, &frag)), None);
        // IPv6, next header TCP, ports 5005 -> 33000.
        let mut v6 = vec![0x60, 0, 0, 0, 0, 20, 6, 64];
        v6.extend_from_slice(&[0; 32]);
        v6.extend_from_slice(&5005u16.to_be_bytes());
        v6.extend_from_slice(&33000u16.to_be_bytes());
        assert_eq!(
            transport_ports(&frame(a, a, 0x86dd, &v6)),
            Some((IPPROTO_TCP, 5005, 33000))
        );
        assert_eq!(transport_ports(&frame(a, a, 0x0806, &[0; 28])), None, "ARP");
        assert_eq!(transport_ports(&udp[..30]), None, "cut short");
    }

    #[test]
    fn arp_nd_and_mld_are_control_ip_traffic_is_data() {
        let b = [0xff; 6];
        let a = [2, 0, 0, 0, 0, 1];
        assert_eq!(
            classify(&frame(b, a, 0x0806, &[0; 28])),
            Class::Control,
            "ARP"
        );
        let mut v4 = [0u8; 20];
        v4[9] = 17; // UDP
        assert_eq!(classify(&frame(a, a, 0x0800, &v4)), Class::Data);
        v4[9] = 2; // IGMP
        assert_eq!(classify(&frame(a, a, 0x0800, &v4)), Class::Control);
        let mut v6 = [0u8; 48];
        v6[6] = 58; // ICMPv6
        v6[40] = 135; // neighbour solicitation
        assert_eq!(classify(&frame(a, a, 0x86dd, &v6)), Class::Control);
        v6[40] = 128; // echo request: the hosts' own traffic
        assert_eq!(classify(&frame(a, a, 0x86dd, &v6)), Class::Data);
        v6[6] = 6; // TCP
        assert_eq!(classify(&frame(a, a, 0x86dd, &v6)), Class::Data);
        assert_eq!(classify(&[1, 2]), Class::Control, "a runt");
    }

    #[test]
    fn the_switch_learns_where_each_host_is() {
        let (a, b) = ([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]);
        let mut s = Switch {
            macs: HashMap::new(),
            ports: 3,
        };
        let mut out = Vec::new();
        // Unknown destination: flooded to the two other ports.
        s.targets(0, &frame(b, a, 0x0800, &[]), &mut out);
        assert_eq!(out, [1, 2]);
        // b answers from port 1: now a is known on port 0.
        s.targets(1, &frame(a, b, 0x0800, &[]), &mut out);
        assert_eq!(out, [0]);
        s.targets(0, &frame(b, a, 0x0800, &[]), &mut out);
        assert_eq!(out, [1]);
        // Broadcast always floods.
        s.targets(0, &frame([0xff; 6], a, 0x0806, &[]), &mut out);
        assert_eq!(out, [1, 2]);
    }
}
