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
//! so every item waits [`Timeline::hold`] in a queue sorted by time before
//! it is released. That is what lets `connect() ...` come just before the
//! SYN it caused. The kernel's own view of the calls (tracefs) will be a
//! second source of call events joining here.
//!
//! Everything fed from outside is bounded: calls dated far from the
//! capture's clock are rejected ([`MAX_EVENT_SKEW`]), at most
//! [`MAX_PENDING_CALLS`] wait at once (the rest are counted), and no push
//! or release walks past calls dated far away (see `pending`).

mod item;
mod pending;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

use crate::events::{CallEvent, Phase};
use crate::track::{ConnSummary, EnteredCall, Side, TrackConfig, Tracker};
use crate::wire::{self, DecodeError, LinkType, Packet};

pub use item::{Call, Conversation, End, Icmp, Item, Relation, Sent, SocketCall, Stats, Totals};
use pending::Pending;

/// Rows kept for the end-of-capture table; further connections are counted.
pub const MAX_TABLE_ROWS: usize = 1000;
/// A call event dated further than this from the capture's clock when it
/// arrives is rejected: a lab program stamps its events just before
/// sending them, so only a wrong clock or a forged event is that far off
/// (and a call dated in the future would wait for ever).
pub const MAX_EVENT_SKEW: Duration = Duration::from_secs(5);
/// Most calls waiting at once in a live capture: far more than lab programs
/// make in [`Timeline::hold`]; more are dropped and counted.
pub const MAX_PENDING_CALLS: usize = 10_000;
/// How many ended connections stay known for attributing late calls
/// (`close()` returning after the last ACK).
const RECENT_CONNECTIONS: usize = 256;
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
    /// How long an item waits for events that belong before it.
    pub hold: Duration,
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
    /// What the latest released segment of each connection did.
    last_step: HashMap<u64, crate::track::Step>,
    /// The listening sockets of the lab programs, by (pid, address): a
    /// `close()` of one is not a connection's.
    listening: HashSet<(u32, SocketAddr)>,
    /// UDP flows seen and the lab programs' UDP sockets, for attributing
    /// `sendto()`, `recvfrom()`, `close()` and ICMP errors.
    udp: UdpFlows,
    newest: Duration,
    /// Decode every header field too, keeping this many bytes of each
    /// packet for hex dumps (`-v`, `-x`, the web view); `None`: don't.
    pub headers: Option<usize>,
}

impl Timeline {
    /// A timeline decoding frames of `link`, holding items back by `hold`.
    pub fn new(link: LinkType, hold: Duration) -> Timeline {
        Timeline {
            link,
            tracker: Tracker::new(TrackConfig::default()),
            pending: Pending::default(),
            tail: VecDeque::new(),
            hold,
            max_calls: MAX_PENDING_CALLS,
            totals: Totals::default(),
            rejected_by_listener: 0,
            rejected_by_clock: 0,
            summaries: Vec::new(),
            more_connections: 0,
            conns: HashMap::new(),
            ended: VecDeque::new(),
            last_step: HashMap::new(),
            listening: HashSet::new(),
            udp: UdpFlows::default(),
            newest: Duration::ZERO,
            headers: None,
        }
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
        }
        if self.pending.calls() >= self.max_calls {
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
        self.pending.push_call(Call::new(ev));
        true
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
        if let Some(now) = now {
            let limit = now.saturating_sub(self.hold);
            if self.pending.front_time()? > limit {
                return None;
            }
        }
        let mut item = match self.pending.pop() {
            Some(item) => item,
            None if now.is_none() => self.tail.pop_front()?,
            None => return None,
        };
        self.prepare(&mut item);
        Some(item)
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

    /// Update bookkeeping for an item about to be drawn; attribute calls.
    fn prepare(&mut self, item: &mut Item) {
        match item {
            Item::Segment { ann, .. } => {
                if let Some(conn) = ann.conn {
                    // Insert, not or_insert: a new connection may reuse the
                    // address pair of one in TIME-WAIT, with a new number.
                    self.conns
                        .insert(key(ann.client, ann.server), (conn, ann.client));
                    self.last_step.insert(conn, ann.step);
                }
            }
            Item::Connection(s) => {
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
            }
            Item::Datagram { d, note, .. } => self.udp.seen(d.src, d.dst, note.flow),
            Item::Other {
                icmp: Some(icmp), ..
            } => {
                let (src, dst) = (icmp.error.src, icmp.error.dst);
                icmp.about = match icmp.error.quoted {
                    wire::Quoted::Udp => self.udp.flow(src, dst).map(|(f, _)| Conversation::Udp(f)),
                    wire::Quoted::Tcp => self
                        .conns
                        .get(&key(src, dst))
                        .map(|&(c, _)| Conversation::Tcp(c)),
                };
            }
            _ => {}
        }
    }

    fn remember_ended(&mut self, s: &ConnSummary) {
        self.last_step.remove(&s.conn);
        self.ended.push_back(key(s.client, s.server));
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
        if let Some(&(conn, client)) = self.conns.get(&key(local, peer)) {
            assign(call, conn, client, local, peer);
        }
        if call.sends() {
            // The first segment this socket sends after the call.
            let next = self.pending.wire().find_map(|it| match it {
                Item::Segment { seg, ann, .. } if seg.src == local && seg.dst == peer => Some((
                    Sent::Segment {
                        flags: seg.flags,
                        len: seg.payload_len,
                    },
                    ann.conn.map(|c| (c, ann.client)),
                )),
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
            }
        } else if call.waited() {
            if let Some(step) = call.conn.and_then(|c| self.last_step.get(&c)) {
                call.relation = Some(Relation::ReturnedAfter(*step));
            }
        }
    }
}

impl Timeline {
    /// Remember the sockets programs listen on, and say so when one is
    /// closed (`tcp_server --once` closes its listener right after
    /// `accept()`: that close is not the connection's).
    fn listener(&mut self, call: &mut Call) {
        let ev = &call.ev;
        let (Some(local), None) = (ev.local, ev.peer) else {
            return;
        };
        match (&call.call, ev.phase) {
            (SocketCall::Listen, crate::events::Phase::Return) if ev.result.starts_with("ok") => {
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
        self.by_pair.insert(key(src, dst), flow);
        self.ends.insert(flow, (src, dst));
        self.order.push_back(flow);
        while self.order.len() > RECENT_FLOWS {
            if let Some(old) = self.order.pop_front() {
                if let Some((a, b)) = self.ends.remove(&old) {
                    self.by_pair.remove(&key(a, b));
                }
            }
        }
    }

    /// The flow between `a` and `b`, and its (first sender, receiver).
    fn flow(&self, a: SocketAddr, b: SocketAddr) -> Option<(u64, (SocketAddr, SocketAddr))> {
        let flow = *self.by_pair.get(&key(a, b))?;
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

/// The unordered address pair of a connection.
fn key(a: SocketAddr, b: SocketAddr) -> (SocketAddr, SocketAddr) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
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
