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
//!   (retransmission, duplicate ACK, zero window...) and a note in plain
//!   words.
//! - When a connection ends (teardown complete, reset, refused) its
//!   [`ConnSummary`] is handed out by [`Tracker::take_finished`]; the entry
//!   stays for [`TrackConfig::linger`] of packet time so that late segments
//!   (the last ACK of TIME-WAIT, a stray RST) still find it, then it is
//!   freed. Memory is bounded by [`TrackConfig::max_connections`].
//! - UDP datagrams get a flow number and a note ([`DatagramNote`]).
//!
//! On loopback a segment is sent and received at the same instant, so the
//! states after each segment include both the sender's and the receiver's
//! transition of the RFC 9293 state diagram. For example the client is
//! ESTABLISHED after the SYN-ACK (it received it), and the active closer
//! enters TIME-WAIT when it receives the other side's FIN (step 3), as
//! RFC 9293 says; the ACK of step 4 then takes the other side to CLOSED.

mod classify;
mod conn;
mod notes;
mod seq;
mod state;
mod udp;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

use crate::wire::{Datagram, Segment, TcpFlags, TcpOptions};

pub use classify::{Dir, Handshake, Label, Side, Step, Teardown};
pub use state::TcpState;

use conn::Conn;
use udp::UdpFlows;

/// Default for [`TrackConfig::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// Default for [`TrackConfig::linger`].
pub const DEFAULT_LINGER: Duration = Duration::from_secs(2);

/// Limits of the connection table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrackConfig {
    /// Most TCP connections (and, separately, UDP flows) kept at once.
    pub max_connections: usize,
    /// How long (in packet time) an ended connection is kept for late segments.
    pub linger: Duration,
}

impl Default for TrackConfig {
    fn default() -> Self {
        TrackConfig {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            linger: DEFAULT_LINGER,
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
    /// The annotation in plain words, one or two short sentences.
    pub note: String,
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
    /// Payload bytes each side sent, not counting retransmissions and probes.
    pub bytes_c2s: u64,
    pub bytes_s2c: u64,
    /// Time from the (most recent) SYN to the ACK that completes the
    /// handshake (step 3), as seen at the capture point; `None` unless both
    /// were captured.
    pub handshake_rtt: Option<Duration>,
    /// Retransmitted segments (SYN, SYN-ACK, data, FIN), both directions.
    pub retransmissions: u64,
    /// Options of the client's SYN and of the server's SYN-ACK, if seen.
    pub syn_options: Option<TcpOptions>,
    pub synack_options: Option<TcpOptions>,
}

/// What one UDP datagram means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatagramNote {
    /// UDP flow number (1, 2, 3... by unordered 4-tuple).
    pub flow: u64,
    /// The annotation in plain words.
    pub note: String,
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
/// When `max_connections` entries are in the table, a new 4-tuple first
/// takes the place of the ended connection that has lingered longest; if
/// every entry is still live, the segment is not tracked (annotated with
/// `conn: None` and counted in [`Tracker::untracked`]). Live connections
/// are never evicted: a student would see one connection split in two.
#[derive(Debug)]
pub struct Tracker {
    cfg: TrackConfig,
    conns: HashMap<FlowKey, Conn>,
    next_conn: u64,
    /// Ended connections in the order they ended: (end time, key, number).
    lingering: VecDeque<(Duration, FlowKey, u64)>,
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
            next_conn: 1,
            lingering: VecDeque::new(),
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
                let was_ended = conn.ended_at().is_some();
                let annotation = conn.on_segment(t, seg);
                if !was_ended {
                    conclude(&mut self.finished, &mut self.lingering, key, conn);
                }
                return annotation;
            }
            // A new SYN: a new connection on the same 4-tuple (TIME-WAIT
            // reuse, or a retry after a refused or abandoned attempt).
            conn.end_replaced(t);
            conclude(&mut self.finished, &mut self.lingering, key, conn);
            self.conns.remove(&key);
        }
        if self.conns.len() >= self.cfg.max_connections && !self.evict_lingering() {
            self.untracked += 1;
            return untracked(seg, self.cfg.max_connections);
        }
        let id = self.next_conn;
        self.next_conn += 1;
        let mut conn = Conn::new(id, t, seg);
        let annotation = conn.on_segment(t, seg);
        conclude(&mut self.finished, &mut self.lingering, key, &mut conn);
        self.conns.insert(key, conn);
        annotation
    }

    /// Annotate one UDP datagram captured at `t`.
    pub fn on_datagram(&mut self, t: Duration, d: &Datagram) -> DatagramNote {
        self.expire(t);
        self.udp.on_datagram(t, d)
    }

    /// Summaries of the connections that ended (teardown complete, reset,
    /// refused) since the last call, in the order they ended. Each is
    /// taken when the connection ends; segments arriving during the linger
    /// are annotated but not added to it. Summaries wait here until taken:
    /// call this after every segment (or regularly) to keep memory bounded.
    pub fn take_finished(&mut self) -> Vec<ConnSummary> {
        std::mem::take(&mut self.finished)
    }

    /// End of capture: the summaries not taken yet, including every
    /// connection still open (teardown `Open`), by connection number. The
    /// table is emptied.
    pub fn finish(&mut self) -> Vec<ConnSummary> {
        let mut out = std::mem::take(&mut self.finished);
        out.extend(
            self.conns
                .drain()
                .filter(|(_, c)| !c.reported)
                .map(|(_, c)| c.summary()),
        );
        out.sort_by_key(|s| s.conn);
        self.lingering.clear();
        self.udp.clear();
        out
    }

    /// Free the ended connections whose linger is over at packet time
    /// `now`. Called by every `on_*`; call it when the capture is idle.
    pub fn expire(&mut self, now: Duration) {
        while let Some(&(ended, key, id)) = self.lingering.front() {
            if ended.saturating_add(self.cfg.linger) > now {
                break;
            }
            self.lingering.pop_front();
            if self.conns.get(&key).is_some_and(|c| c.id == id) {
                self.conns.remove(&key);
            }
        }
    }

    /// Segments not tracked because the table was full.
    pub fn untracked(&self) -> u64 {
        self.untracked
    }

    /// TCP connections in the table, lingering ones included.
    pub fn live_connections(&self) -> usize {
        self.conns.len()
    }

    /// UDP flows in the table.
    pub fn live_udp_flows(&self) -> usize {
        self.udp.len()
    }

    /// Make room by freeing the ended connection that has lingered longest.
    fn evict_lingering(&mut self) -> bool {
        while let Some((_, key, id)) = self.lingering.pop_front() {
            if self.conns.get(&key).is_some_and(|c| c.id == id) {
                self.conns.remove(&key);
                return true;
            }
        }
        false
    }
}

/// If `conn` has just ended, queue its summary and start its linger.
fn conclude(
    finished: &mut Vec<ConnSummary>,
    lingering: &mut VecDeque<(Duration, FlowKey, u64)>,
    key: FlowKey,
    conn: &mut Conn,
) {
    if let Some(ended) = conn.ended_at() {
        if !conn.reported {
            conn.reported = true;
            finished.push(conn.summary());
            lingering.push_back((ended, key, conn.id));
        }
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
        note: notes::untracked(max),
        client_state: TcpState::Closed,
        server_state: TcpState::Closed,
        handshake_step: None,
        teardown_step: None,
    }
}
