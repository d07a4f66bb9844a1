//! The timeline: segments, datagrams and socket calls merged into one
//! ordered list of facts, each call attributed to its connection and
//! related to the segments around it.
//!
//! Pure code between `track` and `render`: frames and call events come in
//! with their times, [`Item`]s come out in time order. No pcap, no clock
//! read, nothing printed, no English: a relation is a [`Relation`]
//! (`Caused` a SYN, `ReturnedAfter` handshake step 3) and `render` says it.
//!
//! Packets are decoded and tracked as soon as they arrive (the tracker needs
//! them in capture order). Events from the lab programs arrive through
//! another door, a little earlier or later than the segments they caused,
//! so every item waits in a queue sorted by time before it is released,
//! as long as something dated before it could still arrive (a live
//! capture learns how long: see `hold` and [`Timeline::adaptive_hold`]).
//! That is what lets `connect() ...` come just before the SYN it caused.
//!
//! Two more sources join here (see [`Timeline::kernel`] and
//! [`Timeline::link`]): the kernel's own view (tracefs: any program's
//! calls, every TCP state change, the retransmissions and resets the
//! kernel made) and the link between the `twohost` hosts (what it dropped,
//! delayed, reordered, duplicated). A program's call seen both by its event
//! and by the kernel is shown once, from the event. When a segment is
//! released, the kernel's states of both its sockets and what the link did
//! to its frame are joined to it: where the kernel and the wire disagree,
//! or the link explains a retransmission, a typed fact is added to its
//! annotation ([`Note::Kernel`], [`Note::LinkDropped`]...).
//!
//! Everything fed from outside is bounded: calls dated far from the
//! capture's clock are rejected ([`MAX_EVENT_SKEW`]), at most
//! [`MAX_PENDING_CALLS`] wait at once (the rest are counted), and no push
//! or release walks past calls dated far away (see `pending`).

mod hold;
mod item;
mod kernel;
pub mod link;
mod pending;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

use crate::escape::escape_controls;
use crate::events::{CallEvent, Phase};
use crate::kernel::{self as kern, KernelFact, SockState};
use crate::track::{
    Annotation, ConnSummary, EnteredCall, KernelDiff, KernelView, Label, Note, Side, Step,
    TcpState, TrackConfig, Tracker,
};
use crate::wire::{self, DecodeError, LinkType, Packet, Segment, TcpFlags};

use hold::Hold;
pub use hold::{KERNEL_POLL, SENDER_IDLE};
pub use item::{
    Call, Conversation, End, How, Icmp, Item, KernelState, LinkItem, LinkTotals, Relation, Sent,
    SocketCall, Source, Spread, Stats, Totals, TraceTotals,
};
use kernel::KernelStore;
use link::LinkStore;
pub use link::{LinkEvent, LinkTcp, LinkWhat};
use pending::{pair, Pending};

/// Rows kept for the end-of-capture table; further connections are counted.
pub const MAX_TABLE_ROWS: usize = 1000;
/// A call event dated further than this from the capture's clock when it
/// arrives is rejected: a lab program stamps its events just before
/// sending them, so only a wrong clock or a forged event is that far off
/// (and a call dated in the future would wait for ever).
pub const MAX_EVENT_SKEW: Duration = Duration::from_secs(5);
/// Most calls waiting at once in a live capture: far more than lab programs
/// make in the longest hold; more are dropped and counted.
pub const MAX_PENDING_CALLS: usize = 10_000;
/// How many ended connections stay known for attributing late calls
/// (`close()` returning after the last ACK).
const RECENT_CONNECTIONS: usize = 256;
/// A live capture with the kernel's view holds items at most this long:
/// the kernel's records come a few milliseconds late (its reader drains
/// every 5 ms and waits 3 ms for the other CPUs), a call up to 150 ms
/// later while its socket is found; the hold learns which (see `hold`).
pub const KERNEL_HOLD: Duration = Duration::from_millis(400);
/// The state "after" the last segment of a connection seen so far is
/// looked for at most this long after it.
const AFTER_LAST: Duration = Duration::from_secs(1);
/// A segment's own effect on a socket of this machine (the receiver's
/// kernel taking it in) comes within this long of its capture.
const OWN_EFFECT: Duration = Duration::from_millis(1);
/// Most segments a send's bytes are followed through.
const MAX_SPREAD: u32 = 64;
/// Most processes remembered as having made a call (the kernel's view).
const MAX_PIDS: usize = 4096;
/// How many UDP flows (and UDP sockets of lab programs) stay known for
/// attributing calls and ICMP errors: UDP has no end, so the oldest are
/// forgotten first.
const RECENT_FLOWS: usize = 4096;

/// The running state of one capture's timeline.
pub struct Timeline {
    link: LinkType,
    tracker: Tracker,
    pending: Pending,
    /// After [`Timeline::close`]: the summaries of connections still open.
    tail: VecDeque<Item>,
    /// How long an item waits for events that belong before it (at most;
    /// see [`Timeline::adaptive_hold`]).
    hold: Hold,
    max_calls: usize,
    totals: Totals,
    /// Rejected by the events listener (malformed datagrams) and here
    /// (dated too far from the clock).
    rejected_by_listener: u64,
    rejected_by_clock: u64,
    summaries: Vec<ConnSummary>,
    more_connections: u64,
    /// Connection number and client of each address pair seen, for
    /// attributing calls.
    conns: HashMap<(SocketAddr, SocketAddr), (u64, SocketAddr)>,
    ended: VecDeque<(SocketAddr, SocketAddr)>,
    /// The latest released segments of each connection that could have
    /// made a waiting call return.
    wakers: HashMap<u64, Wakers>,
    /// The listening sockets of the lab programs, by (pid, address): a
    /// `close()` of one is not a connection's.
    listening: HashSet<(u32, SocketAddr)>,
    /// UDP flows seen and the lab programs' UDP sockets, for attributing
    /// `sendto()`, `recvfrom()`, `close()` and ICMP errors.
    udp: UdpFlows,
    newest: Duration,
    /// While an item is released: every packet dated up to this has been
    /// taken in (`None`: all of them, the input has ended). The kernel's
    /// records come on their own path and can be ahead of the packets: a
    /// state change after this time may be the work of a segment not seen
    /// yet.
    packets_in: Option<Duration>,
    /// Decode every header field too, keeping this many bytes of each
    /// packet for hex dumps (`-v`, `-x`, the web view); `None`: don't.
    pub headers: Option<usize>,
    /// The kernel's view, when it is on.
    kernel: Option<KernelSide>,
    links: LinkStore,
    /// The capture's own host's addresses: its segments from them were
    /// captured before the link, the others after it.
    local_ips: Vec<std::net::IpAddr>,
    /// The states shown after the latest released segment of each
    /// connection (after the kernel's and the link's facts were joined).
    shown: HashMap<u64, (TcpState, TcpState)>,
    /// Corrections to a connection's summary: (retransmissions that were
    /// not, segments that were out of order instead).
    fixes: HashMap<u64, (u64, u64)>,
}

/// What the timeline keeps of the kernel's view.
#[derive(Debug, Default)]
struct KernelSide {
    store: KernelStore,
    /// The ports it was asked about (empty: every socket).
    ports: Vec<u16>,
    /// Processes whose calls were shown: their listeners' states are too.
    pids: HashSet<u32>,
    /// Processes that narrate their own calls (lab programs sending
    /// events): the kernel's record of their calls only confirms them,
    /// and those they sum up (`3000 calls: ...`) are not shown again.
    narrators: HashSet<u32>,
    /// Every call of the followed programs is shown (`capture -- PROGRAM`);
    /// otherwise only those on the capture's conversations or ports.
    all_calls: bool,
    /// Lessons said once per connection: (conn, side, note id).
    said: HashSet<(u64, Side, &'static str)>,
}

impl Timeline {
    /// A timeline decoding frames of `link`, holding items back by `hold`.
    pub fn new(link: LinkType, hold: Duration) -> Timeline {
        Timeline {
            link,
            tracker: Tracker::new(TrackConfig::default()),
            pending: Pending::default(),
            tail: VecDeque::new(),
            hold: Hold::fixed(hold),
            max_calls: MAX_PENDING_CALLS,
            totals: Totals::default(),
            rejected_by_listener: 0,
            rejected_by_clock: 0,
            summaries: Vec::new(),
            more_connections: 0,
            conns: HashMap::new(),
            ended: VecDeque::new(),
            wakers: HashMap::new(),
            listening: HashSet::new(),
            udp: UdpFlows::default(),
            newest: Duration::ZERO,
            packets_in: None,
            headers: None,
            kernel: None,
            links: LinkStore::default(),
            local_ips: Vec::new(),
            shown: HashMap::new(),
            fixes: HashMap::new(),
        }
    }

    /// Join the kernel's view: its facts come through [`Timeline::kernel`].
    /// `ports`: the ports it traces (empty: all); `retransmits_traced`:
    /// its retransmission event is on, so a segment it did not report is
    /// not one.
    pub fn with_kernel(mut self, ports: Vec<u16>, retransmits_traced: bool) -> Timeline {
        let mut k = KernelSide {
            ports,
            ..KernelSide::default()
        };
        k.store.retransmits_traced = retransmits_traced;
        self.kernel = Some(k);
        self.hold.with_kernel();
        self.totals.tracing = Some(TraceTotals::default());
        self
    }

    /// The kernel follows only the programs capture runs: show all their
    /// calls, not only those on a conversation this capture saw.
    pub fn with_all_kernel_calls(mut self) -> Timeline {
        if let Some(k) = self.kernel.as_mut() {
            k.all_calls = true;
        }
        self
    }

    /// A live capture: hold an item only as long as something dated before
    /// it could still arrive (learned from the delays seen; at most the
    /// hold given to [`Timeline::new`]). See `hold` for how.
    pub fn adaptive_hold(mut self) -> Timeline {
        self.hold = std::mem::replace(&mut self.hold, Hold::fixed(Duration::ZERO)).adaptive();
        self
    }

    /// How long an item waits at `now` (the capture's clock).
    pub fn hold_at(&mut self, now: Duration) -> Duration {
        self.hold.at(now)
    }

    /// The longest an item waits.
    pub fn max_hold(&self) -> Duration {
        self.hold.max
    }

    /// An event was sent to the capture and not handed to the timeline
    /// yet (the loop saw it waiting on the events socket): until it is,
    /// items wait the longest hold.
    pub fn set_incoming(&mut self, yes: bool) {
        self.hold.incoming = yes;
    }

    /// The live source delivers packets up to `floor` late (no immediate
    /// mode: in blocks); calls wait at least that long for them.
    pub fn set_packet_floor(&mut self, floor: Duration) {
        self.hold.packet_floor(floor);
    }

    /// A batch of packets whose oldest is dated `t` arrived at `clock`:
    /// the delay teaches how long calls wait for packets.
    pub fn packets_arrived(&mut self, t: Duration, clock: Duration) {
        self.hold.packet(t, clock);
    }

    /// The kernel's view has nobody left to follow (the programs it
    /// followed ended): none of its records can come any more.
    pub fn kernel_finished(&mut self) {
        self.hold.kernel_finished();
    }

    /// How long from `now` until the earliest waiting item is due, if
    /// anything waits (the loop sleeps no longer than this).
    pub fn due_in(&mut self, now: Duration) -> Option<Duration> {
        let (front, side) = self.pending.front()?;
        let hold = if side {
            self.hold.side_at(now)
        } else {
            self.hold.at(now)
        };
        Some((front + hold).saturating_sub(now))
    }

    /// Let up to `n` calls wait at once (a file's sidecar is queued whole).
    pub fn with_call_limit(mut self, n: usize) -> Timeline {
        self.max_calls = n;
        self
    }

    /// Decode, track and queue one captured frame.
    pub fn packet(&mut self, t: Duration, data: &[u8]) {
        self.totals.packets += 1;
        self.newest = self.newest.max(t);
        let headers = self
            .headers
            .and_then(|keep| wire::detail::decode(self.link, data, keep))
            .map(std::sync::Arc::new);
        let item = match wire::decode(self.link, data) {
            Ok(Packet::Tcp(seg)) => {
                self.totals.tcp += 1;
                let ann = self.tracker.on_segment(t, &seg);
                if ann.conn.is_none() {
                    self.totals.untracked += 1;
                }
                Item::Segment {
                    t,
                    seg,
                    ann,
                    headers,
                }
            }
            Ok(Packet::Udp(d)) => {
                self.totals.udp += 1;
                let note = self.tracker.on_datagram(t, &d);
                Item::Datagram {
                    t,
                    d,
                    note,
                    headers,
                }
            }
            Ok(Packet::Other(what)) => {
                self.totals.other += 1;
                let icmp =
                    wire::icmp_error(self.link, data).map(|error| Icmp { error, about: None });
                Item::Other {
                    t,
                    what,
                    icmp,
                    headers,
                }
            }
            Err(err) => {
                match err {
                    DecodeError::Truncated { .. } => self.totals.truncated += 1,
                    DecodeError::Malformed { .. } => self.totals.malformed += 1,
                }
                Item::Bad { t, err }
            }
        };
        self.pending.push_wire(item);
        for s in self.tracker.take_finished() {
            self.pending.push_wire(Item::Connection(s));
        }
    }

    /// Queue a socket call reported by a program. `clock` is the capture's
    /// clock when the event arrived (live captures); a call dated more
    /// than [`MAX_EVENT_SKEW`] away from it is rejected. Returns whether
    /// the call was kept.
    pub fn event(&mut self, ev: CallEvent, clock: Option<Duration>) -> bool {
        if let Some(now) = clock {
            let skew = if ev.t > now { ev.t - now } else { now - ev.t };
            if skew > MAX_EVENT_SKEW {
                self.rejected_by_clock += 1;
                self.sync_rejected();
                return false;
            }
            self.hold.event(ev.t, now);
        }
        if self.pending.side_len() >= self.max_calls {
            self.totals.events_dropped += 1;
            return false;
        }
        self.totals.events += 1;
        // A close() entered tells the tracker what the wire cannot yet show
        // (the closer is in FIN-WAIT-1 even while its FIN is still queued).
        if let (Phase::Enter, Some(call), Some(local), Some(peer)) =
            (ev.phase, EnteredCall::named(&ev.call), ev.local, ev.peer)
        {
            self.tracker.call_entered(local, peer, call, ev.t);
        }
        if let Some(k) = self.kernel.as_mut() {
            if k.narrators.len() < MAX_PIDS {
                k.narrators.insert(ev.pid);
            }
        }
        let mut call = Call::new(ev);
        if self.kernel.is_some() {
            // The kernel saw it first: shown once, from the event.
            if let Some(k) = self.pending.take_kernel_twin(&call) {
                call.kernel = k.kernel;
                self.count_confirmed(-1);
            } else if self.pending.released_twin(&call) {
                // Shown already from the kernel, too late for the event.
                return true;
            }
        }
        self.pending.push_side(Item::Call(call));
        true
    }

    /// One fact of the kernel's view that arrived at `clock` (a live
    /// capture: its delay teaches the hold).
    pub fn kernel_at(&mut self, fact: KernelFact, clock: Duration) {
        if let Some(t) = fact.t() {
            self.hold.kernel(t, clock);
        }
        self.kernel(fact);
    }

    /// One fact of the kernel's view (see [`Timeline::with_kernel`]).
    pub fn kernel(&mut self, fact: KernelFact) {
        let Some(k) = self.kernel.as_mut() else {
            return;
        };
        match fact {
            KernelFact::Call(c) => self.kernel_call(c),
            KernelFact::State(s) => {
                k.store.state(&s);
                if self.pending.side_len() < self.max_calls {
                    self.pending.push_side(Item::Kernel(KernelState {
                        change: s,
                        conn: None,
                        side: None,
                    }));
                } else if let Some(t) = self.totals.tracing.as_mut() {
                    t.dropped += 1;
                }
            }
            KernelFact::Retransmit(r) => k.store.retransmit(&r),
            KernelFact::Reset(r) => k.store.reset(&r),
            KernelFact::Lost { events, .. } => {
                if let Some(t) = self.totals.tracing.as_mut() {
                    t.lost += events.unwrap_or(0);
                }
            }
            KernelFact::Disabled { event, .. } => {
                if event.contains("retransmit_skb") {
                    k.store.retransmits_traced = false;
                }
            }
            KernelFact::Quieted { .. } => {}
        }
    }

    fn kernel_call(&mut self, c: kern::Call) {
        // Calls that return at once are shown by their return only (as the
        // lab programs narrate them).
        if c.phase == kern::Phase::Enter
            && matches!(
                c.call,
                SocketCall::Socket | SocketCall::Bind | SocketCall::Listen
            )
        {
            return;
        }
        let ev = CallEvent {
            prog: escape_controls(&c.prog, kern::facts::MAX_PROG),
            pid: c.pid,
            call: c.call.name().to_string(),
            phase: match c.phase {
                kern::Phase::Enter => Phase::Enter,
                kern::Phase::Return => Phase::Return,
            },
            local: c.local,
            peer: c.peer,
            result: String::new(),
            returned: None,
            t: c.t,
            other_uid: None,
            name: None,
        };
        let mut call = Call::new(ev);
        call.call = c.call.clone();
        call.source = Source::Kernel;
        call.kernel = Some(Box::new(c));
        // A lab program's own event of it is waiting: it carries the
        // narration, the kernel confirms it.
        if let Some(twin) = self.pending.event_twin(&call) {
            twin.kernel = call.kernel;
            self.count_confirmed(1);
            return;
        }
        if self.pending.released_twin(&call) {
            self.count_confirmed(1);
            return;
        }
        if self.pending.side_len() >= self.max_calls {
            if let Some(t) = self.totals.tracing.as_mut() {
                t.dropped += 1;
            }
            return;
        }
        if let Some(t) = self.totals.tracing.as_mut() {
            t.calls += 1;
        }
        self.pending.push_side(Item::Call(call));
    }

    /// A kernel call became a confirmation (`1`), or a confirmation's
    /// kernel call was shown before (`-1`: it was counted as a call).
    fn count_confirmed(&mut self, how: i32) {
        if let Some(t) = self.totals.tracing.as_mut() {
            t.confirmed += 1;
            if how < 0 {
                t.calls = t.calls.saturating_sub(1);
            }
        }
    }

    /// The addresses of the host this capture runs on (its interface's):
    /// the link's events are then joined on the right side of the link.
    pub fn set_local_addresses(&mut self, ips: Vec<std::net::IpAddr>) {
        self.local_ips = ips;
    }

    /// One event of the link between the hosts.
    pub fn link(&mut self, ev: LinkEvent) {
        let totals = self.totals.link.get_or_insert_with(LinkTotals::default);
        totals.events += 1;
        self.links.expire(ev.t);
        self.links.push(ev.clone());
        if self.pending.side_len() < self.max_calls {
            self.pending.push_side(Item::Link(LinkItem {
                ev,
                conn: None,
                seen: false,
            }));
        }
    }

    /// The running count of link datagrams that were not link events.
    pub fn set_rejected_link(&mut self, n: u64) {
        self.totals
            .link
            .get_or_insert_with(LinkTotals::default)
            .rejected = n;
    }

    /// What the kernel lost and what queues dropped on the way (the
    /// tracer's end-of-run report).
    pub fn set_kernel_losses(&mut self, lost: u64, dropped: u64) {
        if let Some(t) = self.totals.tracing.as_mut() {
            t.lost = t.lost.max(lost);
            t.dropped += dropped;
        }
    }

    /// The running count of event datagrams the listener ignored.
    pub fn set_rejected_events(&mut self, n: u64) {
        self.rejected_by_listener = n;
        self.sync_rejected();
    }

    fn sync_rejected(&mut self) {
        self.totals.events_rejected = self.rejected_by_listener + self.rejected_by_clock;
    }

    /// Count events dropped before they reached the timeline (a full queue).
    pub fn count_dropped_events(&mut self, n: u64) {
        self.totals.events_dropped += n;
    }

    /// Count packets the capture dropped before they reached the timeline
    /// (its queue was full).
    pub fn count_dropped_packets(&mut self, n: u64) {
        self.totals.capture_dropped += n;
    }

    /// The next item older than `now - hold`, attributed and ready to draw;
    /// with `now = None`, the next item whatever its time.
    pub fn pop(&mut self, now: Option<Duration>) -> Option<Item> {
        // Packets come in order: those up to the newest taken in are all
        // here, and so are those older than the packets' own delay.
        self.packets_in = now.map(|n| self.newest.max(n.saturating_sub(self.hold.side_at(n))));
        loop {
            if let Some(now) = now {
                let (front, side) = self.pending.front()?;
                let hold = if side {
                    self.hold.side_at(now)
                } else {
                    self.hold.at(now)
                };
                if front > now.saturating_sub(hold) {
                    return None;
                }
            }
            let mut item = match self.pending.pop() {
                Some(item) => item,
                None if now.is_none() => self.tail.pop_front()?,
                None => return None,
            };
            // Kernel states and link events of other sockets are left out.
            if self.prepare(&mut item) {
                return Some(item);
            }
        }
    }

    /// The newest timestamp seen on a packet (for releasing file captures).
    pub fn newest(&self) -> Duration {
        self.newest
    }

    /// No more input: the connections still open are summarized, after
    /// everything waiting, by connection number ([`Timeline::pop`] with
    /// `None` hands them out).
    pub fn close(&mut self) {
        self.tail
            .extend(self.tracker.finish().into_iter().map(Item::Connection));
    }

    /// What the kernel's view showed and lost so far, when it is on.
    pub fn trace_totals(&self) -> Option<TraceTotals> {
        self.totals.tracing.clone()
    }

    /// The end of the capture: every summary and the counters. Call after
    /// [`Timeline::close`] and popping everything.
    pub fn end(&mut self, kernel: Option<Stats>) -> End {
        self.totals.untracked = self.tracker.untracked();
        self.totals.kernel = kernel;
        let mut connections = std::mem::take(&mut self.summaries);
        connections.sort_by_key(|s| s.conn);
        End {
            connections,
            more_connections: self.more_connections,
            totals: self.totals.clone(),
        }
    }

    /// Update bookkeeping for an item about to be drawn; attribute calls;
    /// join the kernel's and the link's facts to segments. False for an
    /// item not to be drawn (a kernel state or link event about sockets
    /// this capture does not show).
    fn prepare(&mut self, item: &mut Item) -> bool {
        match item {
            Item::Segment { t, seg, ann, .. } => {
                if let Some(conn) = ann.conn {
                    // Insert, not or_insert: a new connection may reuse the
                    // address pair of one in TIME-WAIT, with a new number.
                    self.conns
                        .insert(pair(ann.client, ann.server), (conn, ann.client));
                    self.wakers
                        .entry(conn)
                        .or_default()
                        .saw(seg, ann.step, seg.dst == ann.client);
                    let before = self.shown.get(&conn).copied();
                    if !self.links.is_empty() {
                        self.join_link(*t, seg, ann, before);
                    }
                    if self.kernel.is_some() {
                        self.join_kernel(*t, seg, ann, before);
                    }
                    self.shown
                        .insert(conn, (ann.client_state, ann.server_state));
                }
            }
            Item::Connection(s) => {
                if let Some((not_resent, out_of_order)) = self.fixes.remove(&s.conn) {
                    s.retransmissions = s.retransmissions.saturating_sub(not_resent);
                    s.out_of_order += out_of_order;
                }
                let s = s.clone();
                self.remember_ended(&s);
                if self.summaries.len() < MAX_TABLE_ROWS {
                    self.summaries.push(s);
                } else {
                    self.more_connections += 1;
                }
            }
            Item::Call(call) => {
                self.attribute(call);
                if call.conn.is_none() {
                    self.listener(call);
                }
                if call.conn.is_none() && call.relation != Some(Relation::ClosesListener) {
                    self.attribute_udp(call);
                }
                if call.source == Source::Kernel && !self.kernel_call_shown(call) {
                    // Not remembered as shown: a lab program's event of it
                    // that comes late is still shown (the program narrates
                    // its calls, the kernel's record of them is left out).
                    return false;
                }
                if self.kernel.is_some() {
                    self.pending.released(call);
                }
            }
            Item::Kernel(k) => return self.attribute_state(k),
            Item::Link(l) => return self.attribute_link(l),
            Item::Datagram { d, note, .. } => self.udp.seen(d.src, d.dst, note.flow),
            Item::Other {
                icmp: Some(icmp), ..
            } => {
                let (src, dst) = (icmp.error.src, icmp.error.dst);
                icmp.about = match icmp.error.quoted {
                    wire::Quoted::Udp => self.udp.flow(src, dst).map(|(f, _)| Conversation::Udp(f)),
                    wire::Quoted::Tcp => self
                        .conns
                        .get(&pair(src, dst))
                        .map(|&(c, _)| Conversation::Tcp(c)),
                };
            }
            _ => {}
        }
        true
    }

    /// Whether a kernel call is drawn: every call of a followed program;
    /// otherwise one on a conversation of this capture or on its ports (the
    /// kernel sees every process's sockets, the capture only its filter's).
    fn kernel_call_shown(&mut self, call: &Call) -> bool {
        let Some(k) = self.kernel.as_mut() else {
            return false;
        };
        let on_port = |a: Option<SocketAddr>| a.is_some_and(|a| k.ports.contains(&a.port()));
        let shown = !k.narrators.contains(&call.ev.pid)
            && (k.all_calls
                || call.conversation().is_some()
                || on_port(call.ev.local)
                || on_port(call.ev.peer));
        if shown && k.pids.len() < MAX_PIDS {
            k.pids.insert(call.ev.pid);
        } else if !shown {
            if let Some(t) = self.totals.tracing.as_mut() {
                t.calls = t.calls.saturating_sub(1);
            }
        }
        shown
    }

    /// The connection (and side) of a kernel state change; false when it
    /// is about a socket this capture does not show.
    fn attribute_state(&mut self, k: &mut KernelState) -> bool {
        let Some(ks) = self.kernel.as_ref() else {
            return false;
        };
        let (local, peer) = ks.store.addresses(k.change.sock);
        if let (Some(local), Some(peer)) = (local, peer) {
            if let Some((conn, client)) = self.connection_of(local, peer) {
                k.conn = Some(conn);
                k.side = Some(if local == client {
                    Side::Client
                } else {
                    Side::Server
                });
            }
        }
        let wanted_port = |a: Option<SocketAddr>| {
            a.is_some_and(|a| !ks.ports.is_empty() && ks.ports.contains(&a.port()))
        };
        let keep = k.conn.is_some()
            || wanted_port(local)
            || wanted_port(peer)
            || k.change.pid.is_some_and(|p| ks.pids.contains(&p));
        if keep {
            if let Some(t) = self.totals.tracing.as_mut() {
                t.states += 1;
            }
        }
        keep
    }

    /// The connection of a link event's frame; false when this capture
    /// does not know it.
    fn attribute_link(&mut self, l: &mut LinkItem) -> bool {
        let (Some(src), Some(dst)) = (l.ev.src, l.ev.dst) else {
            return false;
        };
        let Some((conn, _)) = self.connection_of(src, dst) else {
            return false;
        };
        l.conn = Some(conn);
        l.seen = !matches!(l.ev.what, LinkWhat::Dropped(_)) || self.links.seen_before(&l.ev);
        if matches!(l.ev.what, LinkWhat::Dropped(_)) {
            if let Some(t) = self.totals.link.as_mut() {
                t.dropped += 1;
            }
        }
        true
    }

    /// The connection `a` ↔ `b` belongs to: one already drawn, or one of
    /// the segments waiting.
    fn connection_of(&self, a: SocketAddr, b: SocketAddr) -> Option<(u64, SocketAddr)> {
        if let Some(&c) = self.conns.get(&pair(a, b)) {
            return Some(c);
        }
        self.pending.wire_of(a, b).find_map(|it| match it {
            Item::Segment { ann, .. } => ann.conn.map(|c| (c, ann.client)),
            _ => None,
        })
    }

    /// What the link did to this segment's frame, and why it was sent
    /// again.
    fn join_link(
        &mut self,
        t: Duration,
        seg: &Segment,
        ann: &mut Annotation,
        before: Option<(TcpState, TcpState)>,
    ) {
        self.links.expire(t);
        let sent_here =
            (!self.local_ips.is_empty()).then(|| self.local_ips.contains(&seg.src.ip()));
        let j = self.links.join(t, seg, sent_here);
        if let Some(reason) = j.dropped {
            ann.labels.push(Label::LostOnLink);
            ann.extra.push(Note::LinkDropped { reason });
            // It never arrived: the receiver stays where it was.
            let receiver = ann.dir.sender().other();
            let was = match before {
                Some((c, s)) => match receiver {
                    Side::Client => c,
                    Side::Server => s,
                },
                None if ann.step == Step::Handshake1 => TcpState::Listen,
                None => ann.state(receiver),
            };
            ann.set_state(receiver, was);
            if ann.inferred.is_some_and(|i| i.side == receiver) {
                ann.inferred = None;
            }
        }
        if let Some((delay_us, queued_us)) = j.delayed {
            ann.extra.push(Note::LinkDelayed {
                delay_us,
                queued_us,
            });
        }
        if let Some(overtaken_by) = j.reordered {
            ann.extra.push(Note::LinkReordered { overtaken_by });
        }
        if j.duplicated {
            ann.extra.push(Note::LinkDuplicated { copy: j.copy });
            if j.copy && ann.labels.contains(&Label::Retransmission) {
                ann.labels.retain(|l| *l != Label::Retransmission);
                ann.labels.push(Label::LinkCopy);
                if let Some(conn) = ann.conn {
                    self.fixes.entry(conn).or_default().0 += 1;
                }
            }
        }
        if ann.labels.contains(&Label::Retransmission) {
            if let Some(ago) = self.links.original_dropped(t, seg, j.frame.as_ref()) {
                ann.extra.push(Note::LinkLostOriginal {
                    ago_us: ago.as_micros() as u64,
                });
            } else if let Some(ago) = self.links.ack_dropped(t, seg) {
                ann.extra.push(Note::LinkLostAck {
                    ago_us: ago.as_micros() as u64,
                });
            }
        }
    }

    /// The kernel's states of both sockets after this segment, compared
    /// with the wire's; its word on retransmissions and resets.
    fn join_kernel(
        &mut self,
        t: Duration,
        seg: &Segment,
        ann: &mut Annotation,
        before: Option<(TcpState, TcpState)>,
    ) {
        let Some(conn) = ann.conn else {
            return;
        };
        // The state "after" this segment: before the connection's next one.
        // The next segment of this connection: its time, its sender, and
        // whether it acknowledges this one (then its sender got it,
        // whatever the kernel's records seem to say).
        let this_end = seg.seq_end();
        let next_full = self
            .pending
            .wire_of(seg.src, seg.dst)
            .find_map(|it| match it {
                Item::Segment { t, seg: s, .. } => Some((
                    *t,
                    s.src,
                    s.flags.has(TcpFlags::ACK)
                        && s.ack.is_at_or_after(this_end)
                        && seg.seq_len() > 0,
                )),
                _ => None,
            });
        let next = next_full.map(|(n, src, _)| (n, src));
        let acked_by = next_full.and_then(|(_, src, acks)| acks.then_some(src));
        // With no next segment seen, the state after this one is looked
        // for no later than the packets taken in: a later change may be
        // the work of a segment still on its way (packets in blocks, the
        // kernel's records ahead of them), and that connection's last
        // state would be shown beside its handshake.
        let seen_until = self
            .packets_in
            .map_or(t + AFTER_LAST, |p| p.max(t + OWN_EFFECT));
        let until = next.map_or(seen_until, |(n, _)| n).min(t + AFTER_LAST);
        // A side whose socket is on another host than the capture's (the
        // other host of a lab network, behind the link's delay) sends its
        // segments before this wire sees them and takes them in after:
        // its kernel is out of step with this wire by the link's delay.
        let local_ips = &self.local_ips;
        let away = |a: SocketAddr| {
            !local_ips.is_empty() && !a.ip().is_loopback() && !local_ips.contains(&a.ip())
        };
        let Some(k) = self.kernel.as_mut() else {
            return;
        };
        let (client, server) = (ann.client, ann.server);
        let at = |side: Side| -> Option<kernel::At> {
            let (me, other) = match side {
                Side::Client => (client, server),
                Side::Server => (server, client),
            };
            // A call's change just before the next segment, which this
            // side sent, belongs to that segment.
            let call_from = next
                .filter(|(n, src)| *src == me && n.saturating_sub(t) > Duration::ZERO)
                .and_then(|(n, _)| {
                    k.store
                        .first_call_change(me, other, t, n)
                        .filter(|c| n.saturating_sub(*c) <= kernel::CALL_LEAD)
                });
            k.store.state_before(me, other, until, call_from)
        };
        let (kc, ks) = (at(Side::Client), at(Side::Server));
        let mut view = KernelView {
            client: kc.map(|a| a.state),
            server: ks.map(|a| a.state),
            confirmed: None,
        };
        let sender = ann.dir.sender();
        for (side, at) in [(Side::Client, kc), (Side::Server, ks)] {
            let Some(at) = at else { continue };
            let wire = ann.state(side);
            // A connection's socket in LISTEN is the listener's clone
            // before the handshake made it a socket of its own.
            if !kernel::comparable(at.state)
                || at.state == SockState::Listen
                || kernel::same(at.state, wire)
            {
                continue;
            }
            let (me, other) = match side {
                Side::Client => (client, server),
                Side::Server => (server, client),
            };
            if let Some(entered) = k.store.entered_near(me, other, t, until, wire) {
                // Agreement: the kernel's view says so too.
                match side {
                    Side::Client => view.client = Some(entered),
                    Side::Server => view.server = Some(entered),
                }
                continue;
            }
            let wire_before = before.map(|(c, s)| match side {
                Side::Client => c,
                Side::Server => s,
            });
            let why = differs(at, wire, wire_before, side != sender, t);
            if away(me) && why != KernelDiff::TimeWaitMiniSocket {
                // Its state is shown as the kernel had it; only what its
                // kernel did for certain is told as a lesson (the
                // mini-socket), not what it seems to have done too early
                // (a FIN "queued" that was on the link) or not yet (a
                // segment "never got" that was still on its way).
                continue;
            }
            // A FIN queued behind data is told beside that data, a segment
            // this side sends: not beside the peer's ACK that happens to
            // reach it first.
            if matches!(why, KernelDiff::FinQueued { .. }) && side != sender {
                continue;
            }
            // "Never got it" is false when this side's next segment
            // acknowledges it: the kernel's record of the change was only
            // dated late (a loaded machine, two clocks).
            if why == KernelDiff::NotReceived && acked_by == Some(me) {
                continue;
            }
            let note = Note::Kernel {
                side,
                kernel: at.state,
                why,
            };
            if k.said.insert((conn, side, note.id())) {
                ann.extra.push(note);
            }
        }
        // Retransmissions and resets: did the kernel really send them?
        if ann.labels.contains(&Label::Retransmission) {
            if k.store.take_retransmit(seg.src, seg.dst, t) {
                view.confirmed = Some(true);
                ann.labels.push(Label::KernelConfirmed);
            } else if k.store.retransmits_traced && k.store.knows(seg.src, seg.dst, t) {
                view.confirmed = Some(false);
                not_resent(ann, &mut self.fixes);
            }
        } else if seg.flags.has(TcpFlags::RST) && k.store.take_reset(seg.src, seg.dst, t) {
            view.confirmed = Some(true);
            ann.labels.push(Label::KernelConfirmed);
        }
        k.store.expire_marks(t);
        ann.kernel = Some(view);
    }

    fn remember_ended(&mut self, s: &ConnSummary) {
        self.wakers.remove(&s.conn);
        self.shown.remove(&s.conn);
        if let Some(k) = self.kernel.as_mut() {
            k.said.retain(|(c, _, _)| *c != s.conn);
        }
        self.ended.push_back(pair(s.client, s.server));
        while self.ended.len() > RECENT_CONNECTIONS {
            if let Some(k) = self.ended.pop_front() {
                // Forget it only if no newer connection reused the pair.
                if self.conns.get(&k).is_some_and(|(c, _)| *c <= s.conn) {
                    self.conns.remove(&k);
                }
            }
        }
    }

    /// Find the connection a call belongs to and how it relates to the
    /// segments around it. Everything still waiting comes after it.
    fn attribute(&mut self, call: &mut Call) {
        let ev = &call.ev;
        let peer = ev.peer;
        // connect() enter has no local address yet: its own return says it.
        let local = ev
            .local
            .or_else(|| self.pending.return_local(ev.pid, &call.call, peer));
        // A refused connect() never learns its local address: its SYN is
        // the first one to that peer after the call.
        let local = local.or_else(|| {
            (call.call == SocketCall::Connect && ev.phase == crate::events::Phase::Enter)
                .then(|| {
                    self.pending.wire().find_map(|it| match it {
                        Item::Segment { t, seg, .. }
                            if *t >= ev.t && seg.is_syn() && Some(seg.dst) == peer =>
                        {
                            Some(seg.src)
                        }
                        _ => None,
                    })
                })
                .flatten()
        });
        let (Some(local), Some(peer)) = (local, peer) else {
            return;
        };
        if let Some(&(conn, client)) = self.conns.get(&pair(local, peer)) {
            assign(call, conn, client, local, peer);
        }
        if call.sends() {
            // The first segment this socket sends after the call (for a
            // kernel's send, the first that carries its bytes: a pure ACK
            // may go out in between).
            let skip_acks = call.source == Source::Kernel && call.call.moves_bytes();
            let next = self.pending.wire_of(local, peer).find_map(|it| match it {
                Item::Segment { seg, ann, .. }
                    if seg.src == local
                        && seg.dst == peer
                        && !(skip_acks
                            && seg.payload_len == 0
                            && !seg.flags.has(TcpFlags::FIN)) =>
                {
                    Some((
                        Sent::Segment {
                            flags: seg.flags,
                            len: seg.payload_len,
                        },
                        ann.conn.map(|c| (c, ann.client)),
                    ))
                }
                Item::Datagram { d, .. } if d.src == local && d.dst == peer => {
                    Some((Sent::Datagram { len: d.payload_len }, None))
                }
                _ => None,
            });
            if let Some((sent, conn)) = next {
                if let (None, Some((conn, client))) = (call.conn, conn) {
                    assign(call, conn, client, local, peer);
                }
                call.relation = Some(Relation::Caused(sent));
                if matches!(sent, Sent::Segment { .. }) {
                    call.spread = self.spread(call, local, peer);
                }
            }
        } else if call.waited() {
            let woke = call
                .conn
                .and_then(|c| self.wakers.get(&c))
                .and_then(|w| w.of(call, call.side?));
            if let Some(step) = woke {
                call.relation = Some(Relation::ReturnedAfter(step));
            }
        }
    }
}

impl Timeline {
    /// How many segments the bytes of a kernel's `send()` entry went out
    /// in, when more than one.
    fn spread(&self, call: &Call, local: SocketAddr, peer: SocketAddr) -> Option<Spread> {
        let k = call.kernel.as_ref()?;
        if !call.call.moves_bytes() || call.ev.phase != Phase::Enter {
            return None;
        }
        let want = k.bytes.filter(|b| *b > 0)?;
        let (mut got, mut segments) = (0u64, 0u32);
        for it in self.pending.wire_of(local, peer) {
            if let Item::Segment { seg, ann, .. } = it {
                if seg.src == local && seg.dst == peer && seg.payload_len > 0 {
                    if ann.labels.contains(&Label::Retransmission) {
                        continue;
                    }
                    got += u64::from(seg.payload_len);
                    segments += 1;
                    if got >= want || segments >= MAX_SPREAD {
                        break;
                    }
                }
            }
        }
        (segments > 1 && got == want).then_some(Spread {
            segments,
            bytes: want,
        })
    }

    /// Remember the sockets programs listen on, and say so when one is
    /// closed (`tcp_server --once` closes its listener right after
    /// `accept()`: that close is not the connection's).
    fn listener(&mut self, call: &mut Call) {
        let ev = &call.ev;
        let (Some(local), None) = (ev.local, ev.peer) else {
            return;
        };
        // The kernel's record says it by its errno, an event by its result.
        let ok = match (call.source, call.kernel.as_deref()) {
            (Source::Kernel, Some(k)) => k.errno.is_none(),
            _ => ev.result.starts_with("ok"),
        };
        match (&call.call, ev.phase) {
            (SocketCall::Listen, crate::events::Phase::Return) if ok => {
                if self.listening.len() >= RECENT_FLOWS {
                    // Bounded: a program that listens this often is not a lab.
                    self.listening.clear();
                }
                self.listening.insert((ev.pid, local));
            }
            (SocketCall::Close, crate::events::Phase::Enter)
                if self.listening.contains(&(ev.pid, local)) =>
            {
                call.relation = Some(Relation::ClosesListener);
            }
            (SocketCall::Close, crate::events::Phase::Return) => {
                self.listening.remove(&(ev.pid, local));
            }
            _ => {}
        }
    }

    /// Find the UDP flow of a call that no TCP connection claimed:
    /// `sendto()` by the datagram it sends, `recvfrom()` by the one it
    /// received (or, waiting, the next one to its socket), and any later
    /// call on a socket already seen on a flow (`close()`).
    fn attribute_udp(&mut self, call: &mut Call) {
        let ev = &call.ev;
        let udp_call = matches!(call.call, SocketCall::Sendto | SocketCall::Recvfrom);
        // sendto() enters before its socket has a port: its return says it.
        let local = ev
            .local
            .or_else(|| self.pending.return_local(ev.pid, &call.call, ev.peer));
        // The flow, and its ends if it is not known yet (its first
        // datagram is still waiting to be released).
        let mut found: Option<(u64, Option<(SocketAddr, SocketAddr)>)> = None;
        let mut sent = None;
        if udp_call {
            if let (Some(local), Some(peer)) = (local, ev.peer) {
                found = self.udp.flow_of_socket(local, peer).map(|f| (f, None));
            }
            if ev.phase == crate::events::Phase::Enter {
                // What the call is about to send, or (recvfrom waiting)
                // the next datagram to arrive on its socket.
                let sending = call.call == SocketCall::Sendto;
                let next = self
                    .pending
                    .wire()
                    .find_map(|it| match it {
                        Item::Datagram { t, d, note, .. } if *t >= ev.t => {
                            let (mine, other) = if sending {
                                (d.src, d.dst)
                            } else {
                                (d.dst, d.src)
                            };
                            let ours = local.map_or(sending, |l| same_end(l, mine));
                            (ours && ev.peer.map_or(true, |p| p == other)).then_some((
                                note.flow,
                                Some((d.src, d.dst)),
                                d.payload_len,
                            ))
                        }
                        _ => None,
                    })
                    .map(|(flow, first, len)| {
                        if sending {
                            sent = Some(Sent::Datagram { len });
                        }
                        (flow, first)
                    });
                found = found.or(next);
            }
        }
        if found.is_none() {
            found = local
                .and_then(|l| self.udp.socket(ev.pid, l))
                .map(|f| (f, None));
        }
        let Some((flow, first)) = found else {
            return;
        };
        let Some((left, right)) = self.udp.ends(flow).or(first) else {
            return;
        };
        call.flow = Some(flow);
        call.ends = Some((left, right));
        if let Some(sent) = sent {
            call.relation.get_or_insert(Relation::Caused(sent));
        }
        call.side = Some(match local {
            Some(l) if same_end(l, left) => Side::Client,
            Some(_) => Side::Server,
            // sendto() entering with no port yet: the side it sends to is
            // the other one.
            None if ev.peer == Some(right) => Side::Client,
            None => Side::Server,
        });
        if let Some(l) = local {
            if udp_call {
                self.udp.remember_socket(ev.pid, l, flow);
            }
        }
    }
}

/// UDP flows by address, and the lab programs' UDP sockets, bounded: the
/// oldest are forgotten past [`RECENT_FLOWS`].
#[derive(Debug, Default)]
struct UdpFlows {
    /// Flow number and (first sender, receiver) by unordered address pair.
    by_pair: HashMap<(SocketAddr, SocketAddr), u64>,
    ends: HashMap<u64, (SocketAddr, SocketAddr)>,
    /// Flows in the order they were first seen (the oldest go first).
    order: VecDeque<u64>,
    /// The last flow each program's socket (pid, port) was seen on.
    sockets: HashMap<(u32, u16), u64>,
    socket_order: VecDeque<(u32, u16)>,
}

impl UdpFlows {
    /// A datagram of `flow` went from `src` to `dst`.
    fn seen(&mut self, src: SocketAddr, dst: SocketAddr, flow: u64) {
        if self.ends.contains_key(&flow) {
            return;
        }
        self.by_pair.insert(pair(src, dst), flow);
        self.ends.insert(flow, (src, dst));
        self.order.push_back(flow);
        while self.order.len() > RECENT_FLOWS {
            if let Some(old) = self.order.pop_front() {
                if let Some((a, b)) = self.ends.remove(&old) {
                    self.by_pair.remove(&pair(a, b));
                }
            }
        }
    }

    /// The flow between `a` and `b`, and its (first sender, receiver).
    fn flow(&self, a: SocketAddr, b: SocketAddr) -> Option<(u64, (SocketAddr, SocketAddr))> {
        let flow = *self.by_pair.get(&pair(a, b))?;
        Some((flow, *self.ends.get(&flow)?))
    }

    fn ends(&self, flow: u64) -> Option<(SocketAddr, SocketAddr)> {
        self.ends.get(&flow).copied()
    }

    /// The flow of a socket at `local` (maybe bound to 0.0.0.0) talking
    /// to `peer`.
    fn flow_of_socket(&self, local: SocketAddr, peer: SocketAddr) -> Option<u64> {
        if !local.ip().is_unspecified() {
            return self.flow(local, peer).map(|(f, _)| f);
        }
        // Bound to every address: the flow's own end has the same port,
        // and the address the kernel chose (on loopback, the peer's).
        let guess = SocketAddr::new(peer.ip(), local.port());
        self.flow(guess, peer).map(|(f, _)| f)
    }

    fn remember_socket(&mut self, pid: u32, local: SocketAddr, flow: u64) {
        let k = (pid, local.port());
        if self.sockets.insert(k, flow).is_none() {
            self.socket_order.push_back(k);
            while self.socket_order.len() > RECENT_FLOWS {
                if let Some(old) = self.socket_order.pop_front() {
                    self.sockets.remove(&old);
                }
            }
        }
    }

    /// The flow a program's socket at `local` was last seen on.
    fn socket(&self, pid: u32, local: SocketAddr) -> Option<u64> {
        let flow = *self.sockets.get(&(pid, local.port()))?;
        self.ends.contains_key(&flow).then_some(flow)
    }
}

/// A socket at `local` (possibly bound to every address) is the end `seen`
/// on the wire.
fn same_end(local: SocketAddr, seen: SocketAddr) -> bool {
    local.port() == seen.port() && (local.ip() == seen.ip() || local.ip().is_unspecified())
}

/// How the kernel's state `at` of a side differs from the wire's `wire`
/// (`wire_before`: the wire's state of it before this segment; `received`:
/// the side received this segment).
fn differs(
    at: kernel::At,
    wire: TcpState,
    wire_before: Option<TcpState>,
    received: bool,
    t: Duration,
) -> KernelDiff {
    let closing = matches!(
        at.before,
        SockState::FinWait1 | SockState::FinWait2 | SockState::Closing | SockState::TimeWait
    );
    if wire == TcpState::TimeWait && at.state == SockState::Closed && closing {
        return KernelDiff::TimeWaitMiniSocket;
    }
    if matches!(at.state, SockState::FinWait1 | SockState::LastAck)
        && matches!(wire, TcpState::Established | TcpState::CloseWait)
    {
        return KernelDiff::FinQueued {
            ago_us: t.saturating_sub(at.since).as_micros() as u64,
        };
    }
    if received && wire_before.is_some_and(|b| b != wire && kernel::same(at.state, b)) {
        return KernelDiff::NotReceived;
    }
    KernelDiff::Other
}

/// The capture called it a retransmission; the kernel never sent it again.
fn not_resent(ann: &mut Annotation, fixes: &mut HashMap<u64, (u64, u64)>) {
    use crate::track::note::{Resent, Why};
    let from = ann.dir.sender();
    ann.labels.retain(|l| *l != Label::Retransmission);
    let conn = ann.conn.unwrap_or_default();
    match ann.note {
        Note::Retransmission {
            what:
                Resent::Data {
                    rel_seq,
                    len,
                    why: Why::FirstCopyNotSeen,
                },
            ..
        } => {
            // New bytes after later ones: out of order.
            ann.note = Note::OutOfOrder { from, len, rel_seq };
            ann.step = Step::Data;
            ann.labels.push(Label::OutOfOrder);
            ann.extra.push(Note::KernelNotResent { from, len, rel_seq });
            let f = fixes.entry(conn).or_default();
            f.0 += 1;
            f.1 += 1;
        }
        _ => {
            ann.extra.push(Note::KernelCopy { from });
            fixes.entry(conn).or_default().0 += 1;
        }
    }
}

/// The latest released segments of a connection that could have made a
/// waiting call return: `accept()` and `connect()` return when the
/// handshake completes (or a reset refuses it); `recv()` when data, a FIN
/// or a reset arrives at its own socket. A pure ACK, or a segment the
/// call's own socket sent, never woke it, even when it went out in between
/// (the ACK of the very data the `recv()` returns): naming it would say
/// something false. A `recv()` that returned bytes was woken by data, even
/// when the FIN came too before it ran; one that returned 0 or an error, by
/// the FIN or the reset.
#[derive(Clone, Copy, Debug, Default)]
struct Wakers {
    handshake: Option<Step>,
    to_client: Arrivals,
    to_server: Arrivals,
}

/// What arrived at one side's socket: the latest of each kind.
#[derive(Clone, Copy, Debug, Default)]
struct Arrivals {
    /// The latest of either kind.
    latest: Option<Step>,
    /// The latest that carried data.
    data: Option<Step>,
    /// The latest FIN or reset.
    end: Option<Step>,
}

impl Wakers {
    fn saw(&mut self, seg: &Segment, step: Step, to_client: bool) {
        if matches!(
            step,
            Step::Handshake1 | Step::Handshake2 | Step::Handshake3 | Step::Reset
        ) {
            self.handshake = Some(step);
        }
        let ends = seg.flags.has(TcpFlags::FIN) || seg.flags.has(TcpFlags::RST);
        let (data, end) = match step {
            Step::Data => (true, false),
            Step::Teardown1 | Step::Teardown3 | Step::Reset => (seg.payload_len > 0, true),
            Step::Retransmission => (seg.payload_len > 0, ends),
            _ => (false, false),
        };
        if !(data || end) {
            return;
        }
        let a = if to_client {
            &mut self.to_client
        } else {
            &mut self.to_server
        };
        a.latest = Some(step);
        if data {
            a.data = Some(step);
        }
        if end {
            a.end = Some(step);
        }
    }

    fn of(&self, call: &Call, side: Side) -> Option<Step> {
        if matches!(call.call, SocketCall::Accept | SocketCall::Connect) {
            return self.handshake;
        }
        let a = match side {
            Side::Client => &self.to_client,
            Side::Server => &self.to_server,
        };
        match call.got_data() {
            Some(true) => a.data.or(a.end),
            Some(false) => a.end.or(a.data),
            None => a.latest,
        }
    }
}

/// Attribute a call made on socket `local` ↔ `peer` to connection `conn`
/// whose client is `client`.
fn assign(call: &mut Call, conn: u64, client: SocketAddr, local: SocketAddr, peer: SocketAddr) {
    call.conn = Some(conn);
    if local == client {
        call.side = Some(Side::Client);
        call.ends = Some((local, peer));
    } else {
        call.side = Some(Side::Server);
        call.ends = Some((peer, local));
    }
}
