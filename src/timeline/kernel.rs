//! The kernel's own view, kept beside the wire: every TCP state change of
//! every traced socket, the retransmissions and resets the kernel says it
//! made, and the questions the timeline asks of them when it releases a
//! segment ("what state was the client's socket really in after this
//! segment?", "did the kernel really send this again?").
//!
//! Time is the only join between a segment and a state change, and the two
//! clocks are the same (the tracer puts its records on the pcap's realtime
//! clock). A segment is stamped when it is captured: the sender's state
//! change that caused it comes just before, the receiver's change it
//! causes just after. So the state "after" a segment is the one in force
//! before the connection's next segment, except that a change a process
//! made by a call (close(), shutdown()) just before that next segment,
//! which it sent, belongs to the next one. pcap stamps carry
//! microseconds: times are compared in whole microseconds.
//!
//! Memory is bounded: at most [`MAX_SOCKS`] sockets (the oldest forgotten
//! first), [`MAX_CHANGES`] changes each, [`MAX_MARKS`] retransmissions and
//! resets waiting.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

use crate::kernel::{Reset, Retransmit, SockId, SockState, StateChange};
use crate::track::TcpState;

/// Most sockets remembered.
pub const MAX_SOCKS: usize = 16_384;
/// Most state changes kept per socket (a TCP socket makes about six).
const MAX_CHANGES: usize = 32;
/// Most retransmissions and resets waiting to be matched.
const MAX_MARKS: usize = 8192;
/// A call's state change at most this long before the segment it caused
/// belongs to that segment, not to the one before.
pub const CALL_LEAD: Duration = Duration::from_millis(5);
/// The kernel reports a retransmission (or a reset) after the segment went
/// to the device: at most this much after the capture, or a little before
/// it (rounding to microseconds).
const MARK_AFTER: Duration = Duration::from_millis(50);
const MARK_BEFORE: Duration = Duration::from_millis(2);
/// How far past the next segment a state change still counts as made
/// by this one (see [`KernelStore::entered_near`]).
pub const AGREE_SLACK: Duration = Duration::from_micros(200);

#[derive(Debug, Default)]
struct Sock {
    local: Option<SocketAddr>,
    peer: Option<SocketAddr>,
    indexed: bool,
    /// (time, old, new, made by a process's call)
    changes: Vec<(Duration, SockState, SockState, bool)>,
}

/// One side's state as the kernel had it at some moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct At {
    pub state: SockState,
    /// The state before it, and when it changed.
    pub before: SockState,
    pub since: Duration,
}

#[derive(Debug)]
struct Mark {
    t: Duration,
    local: Option<SocketAddr>,
    peer: Option<SocketAddr>,
    used: bool,
}

/// The kernel's view, as the timeline keeps it.
#[derive(Debug, Default)]
pub(super) struct KernelStore {
    socks: HashMap<SockId, Sock>,
    /// (local, peer) -> the sockets that had these addresses, oldest first.
    by_tuple: HashMap<(SocketAddr, SocketAddr), Vec<SockId>>,
    order: VecDeque<SockId>,
    retransmits: VecDeque<Mark>,
    resets: VecDeque<Mark>,
    /// Whether the kernel reports retransmissions at all (its event on):
    /// only then can a segment be said *not* to be one.
    pub retransmits_traced: bool,
}

impl KernelStore {
    /// A state change.
    pub fn state(&mut self, c: &StateChange) {
        if !self.socks.contains_key(&c.sock) {
            while self.socks.len() >= MAX_SOCKS {
                let Some(old) = self.order.pop_front() else {
                    break;
                };
                self.forget(old);
            }
            self.order.push_back(c.sock);
        }
        let s = self.socks.entry(c.sock).or_default();
        s.local = c.local.or(s.local);
        s.peer = c.peer.or(s.peer);
        if s.changes.len() < MAX_CHANGES {
            s.changes.push((c.t, c.old, c.new, c.pid.is_some()));
        }
        if let (false, Some(l), Some(p)) = (s.indexed, s.local, s.peer) {
            s.indexed = true;
            self.by_tuple.entry((l, p)).or_default().push(c.sock);
        }
    }

    fn forget(&mut self, id: SockId) {
        if let Some(s) = self.socks.remove(&id) {
            if let (true, Some(l), Some(p)) = (s.indexed, s.local, s.peer) {
                if let Some(v) = self.by_tuple.get_mut(&(l, p)) {
                    v.retain(|x| *x != id);
                    if v.is_empty() {
                        self.by_tuple.remove(&(l, p));
                    }
                }
            }
        }
    }

    /// The addresses the kernel gave a socket (learned from any change).
    pub fn addresses(&self, id: SockId) -> (Option<SocketAddr>, Option<SocketAddr>) {
        self.socks
            .get(&id)
            .map_or((None, None), |s| (s.local, s.peer))
    }

    /// The socket `local` ↔ `peer` that existed at `t`: the newest one
    /// whose first change is before `t`.
    fn sock_at(&self, local: SocketAddr, peer: SocketAddr, t: Duration) -> Option<&Sock> {
        self.by_tuple
            .get(&(local, peer))?
            .iter()
            .rev()
            .filter_map(|id| self.socks.get(id))
            .find(|s| s.changes.first().is_some_and(|c| us(c.0) < us(t)))
    }

    /// The kernel knows a socket `local` ↔ `peer` at `t`.
    pub fn knows(&self, local: SocketAddr, peer: SocketAddr, t: Duration) -> bool {
        self.sock_at(local, peer, t).is_some()
    }

    /// The state of the socket `local` ↔ `peer` just before `until`; a
    /// change made by a call at or after `call_from` is left out (it
    /// belongs to the next segment).
    pub fn state_before(
        &self,
        local: SocketAddr,
        peer: SocketAddr,
        until: Duration,
        call_from: Option<Duration>,
    ) -> Option<At> {
        let s = self.sock_at(local, peer, until)?;
        let mut at = None;
        for &(t, old, new, by_call) in &s.changes {
            if us(t) >= us(until) {
                break;
            }
            if by_call && call_from.is_some_and(|from| t >= from) {
                break;
            }
            at = Some(At {
                state: new,
                before: old,
                since: t,
            });
        }
        at
    }

    /// The kernel's socket `local` ↔ `peer` entered the wire's state `wire`
    /// between `from` and a little after `until` ([`AGREE_SLACK`]): on
    /// loopback a receiver's change and the next segment share a
    /// microsecond, in either order, and that is agreement, not a lesson.
    pub fn entered_near(
        &self,
        local: SocketAddr,
        peer: SocketAddr,
        from: Duration,
        until: Duration,
        wire: TcpState,
    ) -> Option<SockState> {
        let s = self.sock_at(local, peer, until)?;
        let last = until + AGREE_SLACK;
        s.changes
            .iter()
            .find(|c| c.0 >= from && c.0 <= last && same(c.2, wire))
            .map(|c| c.2)
    }

    /// The first change a call made on `local` ↔ `peer` after `after`
    /// (and before `until`).
    pub fn first_call_change(
        &self,
        local: SocketAddr,
        peer: SocketAddr,
        after: Duration,
        until: Duration,
    ) -> Option<Duration> {
        let s = self.sock_at(local, peer, until)?;
        s.changes
            .iter()
            .find(|c| c.3 && c.0 > after && us(c.0) < us(until))
            .map(|c| c.0)
    }

    /// The kernel said it resent something.
    pub fn retransmit(&mut self, r: &Retransmit) {
        push_mark(&mut self.retransmits, r.t, r.local, r.peer);
    }

    /// The kernel said it sent (or received) a RST; only sent ones confirm
    /// a segment.
    pub fn reset(&mut self, r: &Reset) {
        if r.sent {
            push_mark(&mut self.resets, r.t, r.local, r.peer);
        }
    }

    /// Take the retransmission of `src` → `dst` the kernel reported around
    /// capture time `t`.
    pub fn take_retransmit(&mut self, src: SocketAddr, dst: SocketAddr, t: Duration) -> bool {
        take_mark(&mut self.retransmits, src, dst, t)
    }

    /// Take the RST of `src` → `dst` the kernel said it sent around `t`.
    pub fn take_reset(&mut self, src: SocketAddr, dst: SocketAddr, t: Duration) -> bool {
        take_mark(&mut self.resets, src, dst, t)
    }

    /// Forget marks older than `t` (released segments never want them).
    pub fn expire_marks(&mut self, t: Duration) {
        for q in [&mut self.retransmits, &mut self.resets] {
            while q.front().is_some_and(|m| m.t + MARK_AFTER + MARK_AFTER < t) {
                q.pop_front();
            }
        }
    }
}

fn push_mark(
    q: &mut VecDeque<Mark>,
    t: Duration,
    local: Option<SocketAddr>,
    peer: Option<SocketAddr>,
) {
    if q.len() >= MAX_MARKS {
        q.pop_front();
    }
    q.push_back(Mark {
        t,
        local,
        peer,
        used: false,
    });
}

fn take_mark(q: &mut VecDeque<Mark>, src: SocketAddr, dst: SocketAddr, t: Duration) -> bool {
    let found = q.iter_mut().find(|m| {
        !m.used
            && m.local == Some(src)
            && m.peer == Some(dst)
            && m.t + MARK_BEFORE >= t
            && m.t <= t + MARK_AFTER
    });
    match found {
        Some(m) => {
            m.used = true;
            true
        }
        None => false,
    }
}

/// Whole microseconds: a pcap stamp's resolution.
fn us(t: Duration) -> u128 {
    t.as_micros()
}

/// The kernel's state and the wire's name the same thing.
pub(super) fn same(k: SockState, w: TcpState) -> bool {
    matches!(
        (k, w),
        (SockState::Established, TcpState::Established)
            | (SockState::SynSent, TcpState::SynSent)
            | (SockState::SynReceived, TcpState::SynReceived)
            | (SockState::FinWait1, TcpState::FinWait1)
            | (SockState::FinWait2, TcpState::FinWait2)
            | (SockState::TimeWait, TcpState::TimeWait)
            | (SockState::Closed, TcpState::Closed)
            | (SockState::CloseWait, TcpState::CloseWait)
            | (SockState::LastAck, TcpState::LastAck)
            | (SockState::Listen, TcpState::Listen)
            | (SockState::Closing, TcpState::Closing)
    )
}

/// States the wire cannot be compared with.
pub(super) fn comparable(k: SockState) -> bool {
    !matches!(k, SockState::NewSynReceived | SockState::Unknown(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn change(sock: u32, t_us: u64, old: SockState, new: SockState, by_call: bool) -> StateChange {
        StateChange {
            t: Duration::from_micros(t_us),
            sock: SockId(sock),
            old,
            new,
            local: (t_us > 100).then(|| a("127.0.0.1:40000")),
            peer: Some(a("127.0.0.1:5000")),
            pid: by_call.then_some(7),
            prog: None,
        }
    }

    #[test]
    fn states_are_found_by_address_and_time_and_a_calls_change_waits_for_its_segment() {
        let mut k = KernelStore::default();
        let (c, s) = (a("127.0.0.1:40000"), a("127.0.0.1:5000"));
        // connect(): SYN-SENT before the port is known.
        k.state(&change(1, 100, SockState::Closed, SockState::SynSent, true));
        k.state(&change(
            1,
            200,
            SockState::SynSent,
            SockState::Established,
            false,
        ));
        k.state(&change(
            1,
            900,
            SockState::Established,
            SockState::FinWait1,
            true,
        ));
        assert!(k.knows(c, s, Duration::from_micros(150)));
        assert!(!k.knows(c, s, Duration::from_micros(50)));
        let at = |until, call_from| k.state_before(c, s, Duration::from_micros(until), call_from);
        assert_eq!(at(150, None).unwrap().state, SockState::SynSent);
        // The same microsecond is not "before".
        assert_eq!(at(200, None).unwrap().state, SockState::SynSent);
        assert_eq!(at(201, None).unwrap().state, SockState::Established);
        assert_eq!(at(1000, None).unwrap().state, SockState::FinWait1);
        // close()'s change is left to the FIN it caused.
        let from = k.first_call_change(
            c,
            s,
            Duration::from_micros(300),
            Duration::from_micros(1000),
        );
        assert_eq!(from, Some(Duration::from_micros(900)));
        assert_eq!(at(1000, from).unwrap().state, SockState::Established);
        assert_eq!(
            k.state_before(s, c, Duration::from_micros(1000), None),
            None
        );
        // ESTABLISHED was entered in the microsecond of the next segment:
        // the wire's ESTABLISHED after the SYN-ACK agrees with it.
        let us = Duration::from_micros;
        let est = TcpState::Established;
        assert_eq!(
            k.entered_near(c, s, us(150), us(200), est),
            Some(SockState::Established)
        );
        // ...but not a change long after, nor one into another state.
        assert_eq!(
            k.entered_near(c, s, us(150), us(190), TcpState::FinWait1),
            None
        );
        assert_eq!(
            k.entered_near(c, s, us(1), us(500), TcpState::FinWait1),
            None
        );
    }

    #[test]
    fn marks_are_taken_once_near_their_segment() {
        let mut k = KernelStore::default();
        let (c, s) = (a("127.0.0.1:40000"), a("127.0.0.1:5000"));
        k.retransmit(&Retransmit {
            t: Duration::from_millis(1000),
            sock: None,
            state: None,
            synack: false,
            local: Some(c),
            peer: Some(s),
        });
        assert!(!k.take_retransmit(s, c, Duration::from_millis(1000)));
        assert!(!k.take_retransmit(c, s, Duration::from_millis(900)));
        assert!(k.take_retransmit(c, s, Duration::from_micros(999_990)));
        assert!(!k.take_retransmit(c, s, Duration::from_micros(999_990)));
        assert!(same(SockState::TimeWait, TcpState::TimeWait));
        assert!(!same(SockState::Closed, TcpState::TimeWait));
    }
}
