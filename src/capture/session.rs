//! One capture session: packets and socket-call events in, items in time
//! order out to a renderer.
//!
//! Packets are decoded and tracked as soon as they arrive (the tracker needs
//! them in capture order). Events from the lab programs arrive on another
//! socket, a little earlier or later than the segments they caused, so every
//! item waits in a short queue ([`Session::hold`]) sorted by timestamp before
//! it is drawn. That is what lets `connect() ...` appear just before the SYN
//! it caused, even though the two came in through different doors.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::events::{CallEvent, Phase};
use crate::render::{Call, End, Item, Render, Totals};
use crate::track::{Annotation, ConnSummary, Side, Step, TrackConfig, Tracker};
use crate::wire::{self, DecodeError, LinkType, Packet};

use super::Stats;

/// Rows kept for the end-of-capture table; further connections are counted.
pub const MAX_TABLE_ROWS: usize = 1000;
/// How many ended connections stay known for attributing late calls
/// (`close()` returning after the last ACK).
const RECENT_CONNECTIONS: usize = 256;

/// The running state of one capture.
pub struct Session {
    link: LinkType,
    tracker: Tracker,
    queue: VecDeque<Item>,
    /// How long an item waits for events that belong before it.
    pub hold: Duration,
    totals: Totals,
    summaries: Vec<ConnSummary>,
    more_connections: u64,
    /// Connection number of each address pair seen, for attributing calls.
    conns: HashMap<(SocketAddr, SocketAddr), (u64, SocketAddr)>,
    ended: VecDeque<(SocketAddr, SocketAddr)>,
    /// What the latest drawn segment of each connection did, in words.
    last_step: HashMap<u64, String>,
    newest: Duration,
    /// Decode every header field too, keeping this many bytes of each
    /// packet for hex dumps (`-v`, `-x`, the web view); `None`: don't.
    pub headers: Option<usize>,
}

impl Session {
    /// A session decoding frames of `link`, holding items back by `hold`.
    pub fn new(link: LinkType, hold: Duration) -> Session {
        Session {
            link,
            tracker: Tracker::new(TrackConfig::default()),
            queue: VecDeque::new(),
            hold,
            totals: Totals::default(),
            summaries: Vec::new(),
            more_connections: 0,
            conns: HashMap::new(),
            ended: VecDeque::new(),
            last_step: HashMap::new(),
            newest: Duration::ZERO,
            headers: None,
        }
    }

    /// Decode, track and queue one captured frame.
    pub fn packet(&mut self, t: Duration, data: &[u8]) {
        self.totals.packets += 1;
        self.newest = self.newest.max(t);
        let headers = self
            .headers
            .and_then(|keep| wire::detail::decode(self.link, data, keep))
            .map(Arc::new);
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
                Item::Other { t, what, headers }
            }
            Err(err) => {
                match err {
                    DecodeError::Truncated { .. } => self.totals.truncated += 1,
                    DecodeError::Malformed { .. } => self.totals.malformed += 1,
                }
                Item::Bad { t, err }
            }
        };
        self.push(item);
        for s in self.tracker.take_finished() {
            self.push(Item::Connection(s));
        }
    }

    /// Queue a socket call reported by a lab program.
    pub fn event(&mut self, ev: CallEvent) {
        self.totals.events += 1;
        self.push(Item::Call(Call {
            ev,
            conn: None,
            relation: String::new(),
            side: None,
            ends: None,
        }));
    }

    /// Count event datagrams that were ignored.
    pub fn set_rejected_events(&mut self, n: u64) {
        self.totals.events_rejected = n;
    }

    /// Insert keeping the queue sorted by time (items mostly arrive in order,
    /// so this is a push at the back).
    fn push(&mut self, item: Item) {
        let t = item.t();
        let mut i = self.queue.len();
        while i > 0 && self.queue[i - 1].t() > t {
            i -= 1;
        }
        self.queue.insert(i, item);
    }

    /// Draw every item older than `now - hold`; with `now = None`, all of them.
    pub fn release(&mut self, now: Option<Duration>, out: &mut dyn Render) -> io::Result<()> {
        let limit = now.map(|n| n.saturating_sub(self.hold));
        while let Some(front) = self.queue.front() {
            if let Some(limit) = limit {
                if front.t() > limit {
                    break;
                }
            }
            let Some(mut item) = self.queue.pop_front() else {
                break;
            };
            self.prepare(&mut item);
            out.item(&item)?;
        }
        Ok(())
    }

    /// Free the connections whose linger time has passed, by the clock
    /// (live captures call this when idle, when no packet moves time on).
    pub fn expire(&mut self, now: Duration) {
        self.tracker.expire(now);
    }

    /// The newest timestamp seen on a packet (for releasing file captures).
    pub fn newest(&self) -> Duration {
        self.newest
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
                    self.last_step.insert(conn, step_phrase(ann));
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
            Item::Call(call) => self.attribute(call),
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
    /// segments around it.
    fn attribute(&mut self, call: &mut Call) {
        let ev = &call.ev;
        let peer = ev.peer;
        // connect() enter has no local address yet: its own return says it.
        let local = ev.local.or_else(|| {
            self.queue.iter().find_map(|it| match it {
                Item::Call(c)
                    if c.ev.pid == ev.pid
                        && c.ev.call == ev.call
                        && c.ev.phase == Phase::Return
                        && c.ev.peer == peer =>
                {
                    c.ev.local
                }
                _ => None,
            })
        });
        // A refused connect() never learns its local address: its SYN is
        // the first one to that peer after the call.
        let local = local.or_else(|| {
            (ev.call == "connect" && ev.phase == Phase::Enter)
                .then(|| {
                    self.queue.iter().find_map(|it| match it {
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
        let ev = &call.ev;
        match ev.phase {
            _ if ev.sends() => {
                // The first segment this socket sends after the call.
                let next = self.queue.iter().find_map(|it| match it {
                    Item::Segment { seg, ann, .. } if seg.src == local && seg.dst == peer => {
                        Some((
                            seg.flags.label(),
                            seg.payload_len,
                            ann.conn.map(|c| (c, ann.client)),
                        ))
                    }
                    Item::Datagram { d, .. } if d.src == local && d.dst == peer => {
                        Some(("UDP datagram".to_string(), d.payload_len, None))
                    }
                    _ => None,
                });
                if let Some((label, len, conn)) = next {
                    if let (None, Some((conn, client))) = (call.conn, conn) {
                        assign(call, conn, client, local, peer);
                    }
                    call.relation = if len > 0 {
                        format!("-> {label} ({len} bytes)")
                    } else {
                        format!("-> {label}")
                    };
                }
            }
            _ if ev.waited() => {
                if let Some(step) = call.conn.and_then(|c| self.last_step.get(&c)) {
                    call.relation = format!("returned after {step}");
                }
            }
            _ => {}
        }
    }

    /// End of capture: draw everything left, then the summaries and counters.
    pub fn finish(&mut self, kernel: Option<Stats>, out: &mut dyn Render) -> io::Result<End> {
        self.release(None, out)?;
        let mut rest = self.tracker.finish();
        rest.sort_by_key(|s| s.conn);
        for s in rest {
            let mut item = Item::Connection(s);
            self.prepare(&mut item);
            out.item(&item)?;
        }
        self.totals.untracked = self.tracker.untracked();
        self.totals.kernel = kernel;
        let mut connections = std::mem::take(&mut self.summaries);
        connections.sort_by_key(|s| s.conn);
        let end = End {
            connections,
            more_connections: self.more_connections,
            totals: self.totals.clone(),
        };
        out.end(&end)?;
        Ok(end)
    }
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

/// What a segment did, as a call's relation names it.
fn step_phrase(ann: &Annotation) -> String {
    match ann.step {
        Step::Handshake1 => "handshake step 1/3 (SYN)".into(),
        Step::Handshake2 => "handshake step 2/3 (SYN-ACK)".into(),
        Step::Handshake3 => "handshake step 3/3 (ACK)".into(),
        Step::Teardown1 => "teardown step 1 (FIN)".into(),
        Step::Teardown2 => "teardown step 2 (ACK of the FIN)".into(),
        Step::Teardown3 => "teardown step 3 (FIN)".into(),
        Step::Teardown4 => "teardown step 4 (last ACK)".into(),
        Step::Reset => "a reset (RST)".into(),
        Step::Data => "data arrived".into(),
        Step::Ack => "an ACK".into(),
        Step::Retransmission => "a retransmission".into(),
        Step::Other => "a segment".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::CallEvent;
    use crate::render::Item;
    use crate::wire::{build, TcpFlags};

    /// Collects what the session draws.
    #[derive(Default)]
    struct Collect(Vec<Item>);

    impl Render for Collect {
        fn item(&mut self, item: &Item) -> io::Result<()> {
            self.0.push(item.clone());
            Ok(())
        }
        fn end(&mut self, _: &End) -> io::Result<()> {
            Ok(())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_call_on_a_reused_address_pair_belongs_to_the_new_connection() {
        let c = "127.0.0.1:40000".parse().unwrap();
        let s = "127.0.0.1:5000".parse().unwrap();
        let frame =
            |seq, flags| build::ethernet(&build::tcp_v4(c, s, seq, 0, flags, 100, &[], &[]));
        let ms = Duration::from_millis;
        let mut session = Session::new(LinkType::Ethernet, Duration::ZERO);
        let mut out = Collect::default();
        // Connection 1: a SYN answered by nothing, then connection 2 on the
        // same pair with another ISN (a new connection number).
        session.packet(ms(1_000), &frame(100, TcpFlags::SYN));
        session.release(None, &mut out).unwrap();
        session.packet(ms(9_000), &frame(900_000, TcpFlags::SYN));
        session.event(CallEvent {
            prog: "tcp_client".into(),
            pid: 1,
            call: "send".into(),
            phase: Phase::Return,
            local: Some(c.into()),
            peer: Some(s.into()),
            result: "ok".into(),
            t: ms(9_001),
        });
        session.release(None, &mut out).unwrap();
        let conns: Vec<_> = out
            .0
            .iter()
            .filter_map(|i| match i {
                Item::Segment { ann, .. } => ann.conn,
                _ => None,
            })
            .collect();
        assert_eq!(conns.len(), 2);
        assert_ne!(conns[0], conns[1], "the second SYN opens a new connection");
        let call = out.0.iter().find_map(|i| match i {
            Item::Call(c) => Some(c.conn),
            _ => None,
        });
        assert_eq!(call, Some(Some(conns[1])));
    }
}
