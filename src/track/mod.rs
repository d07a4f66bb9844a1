//! Connection tracking: what each captured segment means in the life of its
//! TCP connection, in the words of the course.
//!
//! Pure code: segments come in with their capture time (a [`Duration`]
//! since the Unix epoch), annotations come out. No I/O, no clock reads.
//!
//! - [`Tracker`] keeps a table of connections keyed by the unordered
//!   4-tuple, numbers them 1, 2, 3... in order of first appearance, and
//!   returns an [`Annotation`] per segment: the [`Step`] (handshake 1/3,
//!   data, teardown 2...), each side's [`TcpState`] after the segment,
//!   Wireshark-style relative sequence numbers, [`Label`]s
//!   (retransmission, out-of-order, duplicate ACK, zero window...) and a
//!   typed [`Note`]: the facts, with their numbers, that [`crate::i18n`]
//!   turns into a sentence. No prose is written here.
//! - When a connection ends (teardown complete, reset, refused) its
//!   [`ConnSummary`] is handed out by [`Tracker::take_finished`] and the
//!   connection becomes a small tombstone for [`TrackConfig::time_wait`]
//!   of packet time (60 s, Linux's TIME-WAIT), so that a FIN sent again
//!   after a lost last ACK still belongs to it. Memory is bounded by
//!   [`TrackConfig::max_connections`] and [`TrackConfig::max_closed`];
//!   a handshake that never finishes ages out, so a SYN flood cannot keep
//!   later connections out of the table.
//! - UDP datagrams get a flow number and a [`UdpNote`].
//!
//! The capture point is not the endpoint: a segment seen here may still be
//! lost on its way. When a later segment proves that an earlier one did
//! not arrive (the SYN again after a SYN-ACK was seen), the annotation
//! says so and carries a [`Revision`] of the states shown before; a state
//! the wire cannot confirm yet is marked [`Inferred`].
//!
//! On loopback a segment is sent and received at the same instant, so the
//! states after each segment include both the sender's and the receiver's
//! transition of the RFC 9293 state diagram. For example the client is
//! ESTABLISHED after the SYN-ACK (it received it), and the active closer
//! enters TIME-WAIT when it receives the other side's FIN (step 3), as
//! RFC 9293 says; the ACK of step 4 then takes the other side to CLOSED.

mod classify;
mod conn;
mod grave;
pub mod note;
mod recency;
mod state;
mod udp;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use crate::wire::{Datagram, Segment, TcpFlags, TcpOptions};

pub use classify::{Dir, Handshake, Label, Side, Step, Teardown};
pub use note::{KernelDiff, LinkDrop, Note, UdpNote};

use crate::kernel::SockState;
pub use state::TcpState;

use conn::Conn;
use grave::Grave;
use recency::Recency;
use udp::UdpFlows;

/// Default for [`TrackConfig::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// Default for [`TrackConfig::max_closed`]: about 150 bytes each, so at
/// most some 10 MB however many connections a capture closes.
pub const DEFAULT_MAX_CLOSED: usize = 65_536;
/// Default for [`TrackConfig::time_wait`]: Linux keeps a socket in
/// TIME-WAIT for 60 s (2×MSL, `TCP_TIMEWAIT_LEN`).
pub const DEFAULT_TIME_WAIT: Duration = Duration::from_secs(60);
/// Default for [`TrackConfig::half_open_timeout`]: longer than Linux's
/// whole connect() attempt (`tcp_syn_retries` 6: 1 + 2 + ... + 64 = 127 s).
pub const DEFAULT_HALF_OPEN_TIMEOUT: Duration = Duration::from_secs(130);
/// Most close() calls waiting for their connection's next segment.
const MAX_PENDING_CALLS: usize = 4096;

/// Limits of the connection table. Time here is packet time: the tracker
/// reads no clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrackConfig {
    /// Most TCP connections (and, separately, UDP flows) kept at once.
    pub max_connections: usize,
    /// Most ended connections remembered for their late segments.
    pub max_closed: usize,
    /// How long an ended connection is remembered (TIME-WAIT).
    pub time_wait: Duration,
    /// How long a handshake that never finished is kept with no new segment.
    pub half_open_timeout: Duration,
}

impl Default for TrackConfig {
    fn default() -> Self {
        TrackConfig {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_closed: DEFAULT_MAX_CLOSED,
            time_wait: DEFAULT_TIME_WAIT,
            half_open_timeout: DEFAULT_HALF_OPEN_TIMEOUT,
        }
    }
}

/// What one TCP segment means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Annotation {
    /// Connection number (1, 2, 3... in order of first appearance); `None`
    /// when the table was full and the segment is not tracked.
    pub conn: Option<u64>,
    /// The side that sent the SYN (if the SYN was missed: the receiver of
    /// the SYN-ACK; otherwise the side with the higher, ephemeral port).
    pub client: SocketAddr,
    /// The other side.
    pub server: SocketAddr,
    /// Which way this segment goes.
    pub dir: Dir,
    /// What this segment does in the connection's life.
    pub step: Step,
    /// Sequence number relative to this direction's ISN (the SYN's seq, so
    /// the first data byte is 1); if the SYN was missed, the first byte seen
    /// is 1 (Wireshark). Absolute when untracked.
    pub rel_seq: u32,
    /// Acknowledgement number relative to the other direction's base; 0 if
    /// the ACK flag is not set. Absolute when untracked.
    pub rel_ack: u32,
    /// What else is worth pointing out.
    pub labels: Vec<Label>,
    /// What the segment is, as a fact ([`crate::i18n`] makes the sentence).
    pub note: Note,
    /// Facts added to it, in order (the ACK in a data segment completes the
    /// handshake, the window is 0, a state shown earlier did not happen...).
    pub extra: Vec<Note>,
    /// The client's state after this segment (`Closed` when untracked).
    pub client_state: TcpState,
    /// The server's state after this segment (`Closed` when untracked).
    pub server_state: TcpState,
    /// 1, 2 or 3 when the segment does that step of the handshake (also
    /// for a retransmitted SYN or SYN-ACK, or data that completes it).
    pub handshake_step: Option<u8>,
    /// 1 to 4 when the segment does that step of the teardown (by role:
    /// 1 first FIN, 2 its ACK, 3 the other FIN, 4 its ACK). A FIN-ACK that
    /// also acknowledges the first FIN is step 3.
    pub teardown_step: Option<u8>,
    /// A state this annotation shows that the wire cannot confirm yet; the
    /// named side's answer confirms it or comes with a [`Revision`].
    pub inferred: Option<Inferred>,
    /// This segment is that answer: the inferred state shown before for its
    /// sender is now settled (confirmed, or revised by `revisions`).
    pub settles: bool,
    /// States shown on earlier segments of this connection that this
    /// segment proves did not happen.
    pub revisions: Vec<Revision>,
    /// The kernel's own view of this segment, when capture traces the
    /// kernel (filled in by the timeline, not by the tracker).
    pub kernel: Option<KernelView>,
}

/// What the kernel's own tracing says about one segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelView {
    /// The kernel's state of each side's socket after this segment;
    /// `None` where the kernel has no full socket for it (a server before
    /// handshake step 3 keeps only a request socket; a side on another
    /// machine; a port not traced).
    pub client: Option<SockState>,
    pub server: Option<SockState>,
    /// For a retransmission or a reset: whether the kernel says it sent
    /// it (`None` for other segments, or when its events are missing).
    pub confirmed: Option<bool>,
}

/// A state shown for `side` that only a later segment can confirm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inferred {
    pub side: Side,
    pub state: TcpState,
    /// What would make it certain.
    pub until: Until,
}

/// What confirms an [`Inferred`] state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Until {
    /// The server's answer to the SYN: a SYN-ACK confirms SYN-RECEIVED; an
    /// RST means there was no socket; no answer, that the SYN was dropped.
    SynAnswered,
    /// That side's ACK of this FIN confirms CLOSE-WAIT; a FIN of its own
    /// that does not acknowledge it means both FINs crossed.
    FinAcked,
}

/// On the earlier segments of the connection, `side` was shown in `shown`
/// (from the latest segment that put it there on): it was really in
/// `really`. [`TcpState::NoSocket`] applies to the whole connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Revision {
    pub side: Side,
    pub shown: TcpState,
    pub really: TcpState,
}

impl Annotation {
    /// The note, then the facts added to it.
    pub fn notes(&self) -> impl Iterator<Item = &Note> {
        std::iter::once(&self.note).chain(self.extra.iter())
    }

    /// The state of `side` after this segment.
    pub fn state(&self, side: Side) -> TcpState {
        match side {
            Side::Client => self.client_state,
            Side::Server => self.server_state,
        }
    }

    /// Set the state of `side` (a renderer applying a [`Revision`]).
    pub fn set_state(&mut self, side: Side, state: TcpState) {
        match side {
            Side::Client => self.client_state = state,
            Side::Server => self.server_state = state,
        }
    }
}

/// The story of one connection, handed out when it ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnSummary {
    /// Connection number, as in [`Annotation::conn`].
    pub conn: u64,
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub handshake: Handshake,
    /// `Open` if it had not ended; `Reset` for a refused connection too.
    pub teardown: Teardown,
    /// The side that sent the first FIN, or the RST if no FIN came first.
    pub closed_by: Option<Side>,
    /// Data flowed after the first FIN, from the other side.
    pub half_close: bool,
    /// Capture time of the first and the last segment.
    pub first: Duration,
    pub last: Duration,
    /// Segments in both directions, and in each (retransmissions included).
    pub segments: u64,
    pub segments_c2s: u64,
    pub segments_s2c: u64,
    /// Payload bytes each side sent, each byte counted once: not counting
    /// retransmissions and probes.
    pub bytes_c2s: u64,
    pub bytes_s2c: u64,
    /// Time from the (most recent) SYN to the ACK that completes the
    /// handshake (step 3), as seen at the capture point; `None` unless both
    /// were captured.
    pub handshake_rtt: Option<Duration>,
    /// Retransmitted segments (SYN, SYN-ACK, data, FIN), both directions.
    pub retransmissions: u64,
    /// Duplicate ACKs, both directions.
    pub dup_acks: u64,
    /// Segments that arrived after later ones (labelled `out-of-order`).
    pub out_of_order: u64,
    /// Options of the client's SYN and of the server's SYN-ACK, if seen.
    pub syn_options: Option<TcpOptions>,
    pub synack_options: Option<TcpOptions>,
}

/// What one UDP datagram means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatagramNote {
    /// UDP flow number (1, 2, 3... by unordered 4-tuple).
    pub flow: u64,
    /// What the datagram is, as a fact.
    pub note: UdpNote,
}

/// A socket call whose entry changes a connection's state before the
/// wire shows it (see [`Tracker::call_entered`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnteredCall {
    /// close(): the kernel is FIN-WAIT-1 (or LAST-ACK) at once, even while
    /// its FIN waits behind data still queued.
    Close,
}

impl EnteredCall {
    /// The call with this C name, if it is one of these.
    pub fn named(name: &str) -> Option<EnteredCall> {
        (name == "close").then_some(EnteredCall::Close)
    }
}

/// An unordered 4-tuple: both directions of a connection share it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct FlowKey(SocketAddr, SocketAddr);

impl FlowKey {
    fn new(a: SocketAddr, b: SocketAddr) -> FlowKey {
        if a <= b {
            FlowKey(a, b)
        } else {
            FlowKey(b, a)
        }
    }
}

/// The connection table: annotates segments, hands out summaries.
///
/// When `max_connections` live entries are in the table, a new 4-tuple
/// takes the place of the handshake that has been waiting longest (a SYN
/// flood cannot lock real connections out); if every entry is an open
/// connection, the segment is not tracked (annotated with `conn: None`
/// and counted in [`Tracker::untracked`]). Open connections are never
/// evicted: a student would see one connection split in two. Ended
/// connections leave the table at once and are remembered as small
/// tombstones for [`TrackConfig::time_wait`] of packet time.
#[derive(Debug)]
pub struct Tracker {
    cfg: TrackConfig,
    conns: HashMap<FlowKey, Conn>,
    /// Unfinished handshakes, oldest first.
    half_open: Recency<FlowKey>,
    /// Ended connections, for their late segments.
    graves: HashMap<FlowKey, Grave>,
    /// Tombstones in the order they were made (or their TIME-WAIT restarted).
    grave_order: Recency<FlowKey>,
    /// No tombstone expires before this packet time, as long as none is
    /// added, removed or restarted (then it is zero again): `expire` then
    /// skips looking up the oldest one for every segment.
    graves_quiet_until: Duration,
    /// close() calls entered, waiting for their connection's next segment:
    /// (time of the call, the caller's address).
    calls: HashMap<FlowKey, Vec<(Duration, SocketAddr)>>,
    pending_calls: usize,
    next_conn: u64,
    /// Summaries not yet taken.
    finished: Vec<ConnSummary>,
    untracked: u64,
    udp: UdpFlows,
}

impl Default for Tracker {
    fn default() -> Self {
        Tracker::new(TrackConfig::default())
    }
}

impl Tracker {
    /// An empty table with these limits.
    pub fn new(cfg: TrackConfig) -> Self {
        Tracker {
            cfg,
            conns: HashMap::new(),
            half_open: Recency::new(),
            graves: HashMap::new(),
            grave_order: Recency::new(),
            graves_quiet_until: Duration::ZERO,
            calls: HashMap::new(),
            pending_calls: 0,
            next_conn: 1,
            finished: Vec::new(),
            untracked: 0,
            udp: UdpFlows::new(cfg.max_connections),
        }
    }

    /// Annotate one TCP segment captured at `t`.
    pub fn on_segment(&mut self, t: Duration, seg: &Segment) -> Annotation {
        self.expire(t);
        let key = FlowKey::new(seg.src, seg.dst);
        if let Some(conn) = self.conns.get_mut(&key) {
            if !conn.is_replaced_by(seg) {
                apply_calls(&mut self.calls, &mut self.pending_calls, key, t, conn);
                let annotation = conn.on_segment(t, seg);
                if conn.ended_at().is_none() && !conn.is_half_open() {
                    // Nearly every segment: an established connection stays
                    // one ([`Tracker::settle`]'s last case, without looking
                    // the connection up again).
                    conn.half_open_stamp = None;
                } else {
                    self.settle(key);
                }
                return annotation;
            }
            // A new SYN: a new connection on the same 4-tuple (a retry after
            // a refused or abandoned attempt).
            conn.end_now(t);
            self.drop_conn(key);
        } else if let Some(grave) = self.graves.get_mut(&key) {
            if !grave.is_replaced_by(seg) {
                let (annotation, restart) = grave.on_segment(seg);
                if restart {
                    // A FIN again restarts TIME-WAIT on the side that answers it.
                    grave.until = t.saturating_add(self.cfg.time_wait);
                    grave.stamp = self.grave_order.touch(key);
                    self.graves_quiet_until = Duration::ZERO;
                }
                return annotation;
            }
            // A new SYN while the old connection is in TIME-WAIT (reuse).
            self.graves.remove(&key);
            self.graves_quiet_until = Duration::ZERO;
        }
        if self.conns.len() >= self.cfg.max_connections && !self.evict_half_open(t) {
            self.untracked += 1;
            return untracked(seg, self.cfg.max_connections);
        }
        let id = self.next_conn;
        self.next_conn += 1;
        let mut conn = Conn::new(id, t, seg);
        apply_calls(&mut self.calls, &mut self.pending_calls, key, t, &mut conn);
        let annotation = conn.on_segment(t, seg);
        self.conns.insert(key, conn);
        self.settle(key);
        annotation
    }

    /// Annotate one UDP datagram captured at `t`.
    pub fn on_datagram(&mut self, t: Duration, d: &Datagram) -> DatagramNote {
        self.expire(t);
        self.udp.on_datagram(d)
    }

    /// A lab program entered `call` on its socket `local` ↔ `peer` at `t`
    /// (a socket call event). The state change is applied when the
    /// connection's next segment at or after `t` is annotated, so events
    /// may come before or after the packets around them (a `-r` capture
    /// reads all its events first). Calls for 4-tuples that never show a
    /// segment are bounded in number; beyond that, new ones are ignored.
    pub fn call_entered(
        &mut self,
        local: SocketAddr,
        peer: SocketAddr,
        call: EnteredCall,
        t: Duration,
    ) {
        match call {
            EnteredCall::Close => {
                if self.pending_calls >= MAX_PENDING_CALLS {
                    return;
                }
                self.pending_calls += 1;
                self.calls
                    .entry(FlowKey::new(local, peer))
                    .or_default()
                    .push((t, local));
            }
        }
    }

    /// Summaries of the connections that ended (teardown complete, reset,
    /// refused, replaced, aged out) since the last call, in the order they
    /// ended. Later segments of an ended connection are annotated but not
    /// added to it. Summaries wait here until taken: call this after every
    /// segment (or regularly) to keep memory bounded.
    pub fn take_finished(&mut self) -> Vec<ConnSummary> {
        std::mem::take(&mut self.finished)
    }

    /// End of capture: the summaries not taken yet, including every
    /// connection still open (teardown `Open`), by connection number. The
    /// table is emptied.
    pub fn finish(&mut self) -> Vec<ConnSummary> {
        let mut out = std::mem::take(&mut self.finished);
        out.extend(self.conns.drain().map(|(_, c)| c.summary()));
        out.sort_by_key(|s| s.conn);
        self.half_open.clear();
        self.graves.clear();
        self.grave_order.clear();
        self.graves_quiet_until = Duration::ZERO;
        self.calls.clear();
        self.pending_calls = 0;
        self.udp.clear();
        out
    }

    /// Segments not tracked because the table was full.
    pub fn untracked(&self) -> u64 {
        self.untracked
    }

    /// TCP connections in the table that have not ended.
    pub fn live_connections(&self) -> usize {
        self.conns.len()
    }

    /// Ended TCP connections still remembered (tombstones).
    pub fn closed_connections(&self) -> usize {
        self.graves.len()
    }

    /// UDP flows in the table.
    pub fn live_udp_flows(&self) -> usize {
        self.udp.len()
    }

    /// After a segment of `key`: bury the connection if it ended, keep its
    /// place in the half-open queue if its handshake is still unfinished.
    fn settle(&mut self, key: FlowKey) {
        let Some(conn) = self.conns.get_mut(&key) else {
            return;
        };
        if let Some(ended) = conn.ended_at() {
            self.finished.push(conn.summary());
            let mut grave = conn.grave(ended.saturating_add(self.cfg.time_wait));
            self.conns.remove(&key);
            self.graves_quiet_until = Duration::ZERO;
            if self.cfg.max_closed == 0 {
                return;
            }
            while self.graves.len() >= self.cfg.max_closed {
                let graves = &self.graves;
                let Some(old) = self.grave_order.oldest(|k| graves.get(k).map(|g| g.stamp)) else {
                    break;
                };
                self.grave_order.pop();
                self.graves.remove(&old);
            }
            grave.stamp = self.grave_order.touch(key);
            self.graves.insert(key, grave);
            let graves = &self.graves;
            self.grave_order
                .compact(graves.len(), |k| graves.get(k).map(|g| g.stamp));
        } else if conn.is_half_open() {
            conn.half_open_stamp = Some(self.half_open.touch(key));
            let conns = &self.conns;
            self.half_open.compact(conns.len(), |k| {
                conns.get(k).and_then(|c| c.half_open_stamp)
            });
        } else {
            conn.half_open_stamp = None;
        }
    }

    /// Remove a connection from the table, handing out its summary.
    fn drop_conn(&mut self, key: FlowKey) {
        if let Some(conn) = self.conns.remove(&key) {
            self.finished.push(conn.summary());
        }
    }

    /// Free what packet time `now` has made old: tombstones past TIME-WAIT
    /// and handshakes silent for longer than the half-open timeout.
    fn expire(&mut self, now: Duration) {
        while now >= self.graves_quiet_until {
            let graves = &self.graves;
            let Some(key) = self.grave_order.oldest(|k| graves.get(k).map(|g| g.stamp)) else {
                break;
            };
            if let Some(until) = self.graves.get(&key).map(|g| g.until).filter(|&u| u > now) {
                self.graves_quiet_until = until;
                break;
            }
            self.grave_order.pop();
            self.graves.remove(&key);
        }
        loop {
            let conns = &self.conns;
            let Some(key) = self
                .half_open
                .oldest(|k| conns.get(k).and_then(|c| c.half_open_stamp))
            else {
                break;
            };
            let timeout = self.cfg.half_open_timeout;
            if self
                .conns
                .get(&key)
                .is_some_and(|c| c.last.saturating_add(timeout) > now)
            {
                break;
            }
            self.half_open.pop();
            if let Some(conn) = self.conns.get_mut(&key) {
                conn.end_now(now);
            }
            self.drop_conn(key);
        }
    }

    /// Make room by ending the handshake that has waited longest.
    fn evict_half_open(&mut self, now: Duration) -> bool {
        let conns = &self.conns;
        let Some(key) = self
            .half_open
            .oldest(|k| conns.get(k).and_then(|c| c.half_open_stamp))
        else {
            return false;
        };
        self.half_open.pop();
        if let Some(conn) = self.conns.get_mut(&key) {
            conn.end_now(now);
        }
        self.drop_conn(key);
        true
    }
}

/// Apply the close() calls entered on `key` up to packet time `t` to
/// `conn`; calls older than the connection belong to an earlier one.
fn apply_calls(
    calls: &mut HashMap<FlowKey, Vec<(Duration, SocketAddr)>>,
    pending: &mut usize,
    key: FlowKey,
    t: Duration,
    conn: &mut Conn,
) {
    if calls.is_empty() {
        return;
    }
    let Some(list) = calls.get_mut(&key) else {
        return;
    };
    let before = list.len();
    list.retain(|&(at, local)| {
        if at > t {
            return true;
        }
        if at >= conn.first() {
            if let Some(side) = conn.side_of(local) {
                conn.close_entered(side);
            }
        }
        false
    });
    *pending -= before - list.len();
    if list.is_empty() {
        calls.remove(&key);
    }
}

/// The annotation of a segment the table has no room for.
fn untracked(seg: &Segment, max: usize) -> Annotation {
    let syn = seg.flags.has(TcpFlags::SYN);
    let ack = seg.flags.has(TcpFlags::ACK);
    let (client, server) = match (syn, ack) {
        (true, false) => (seg.src, seg.dst),
        (true, true) => (seg.dst, seg.src),
        _ => conn::guess_client(seg.src, seg.dst),
    };
    Annotation {
        conn: None,
        client,
        server,
        dir: if seg.src == client && seg.dst == server {
            Dir::C2S
        } else {
            Dir::S2C
        },
        step: Step::Other,
        rel_seq: seg.seq.0,
        rel_ack: if ack { seg.ack.0 } else { 0 },
        labels: Vec::new(),
        note: Note::Untracked { max },
        extra: Vec::new(),
        client_state: TcpState::Closed,
        server_state: TcpState::Closed,
        handshake_step: None,
        teardown_step: None,
        inferred: None,
        settles: false,
        revisions: Vec::new(),
        kernel: None,
    }
}
