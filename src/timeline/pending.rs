//! The items waiting to be released, in time order, indexed so that a
//! call finds what follows it without walking the whole queue.
//!
//! Packets (and connection summaries) come from the capture in almost
//! exactly time order, so they wait in a sorted `VecDeque`: a push is a
//! push at the back. Everything else (calls, the kernel's state changes,
//! the link's events) comes through other doors, earlier or later, and a
//! `.events` sidecar arrives all at once: they wait in a `BTreeMap` by
//! time, so that no push or release ever walks past items dated far away.
//! Ties keep arrival order (a sequence number breaks them).
//!
//! The same call may come twice: from a lab program's event and from the
//! kernel's view. [`Pending::twin`] finds the other one (same process,
//! same call, same socket, close in time), waiting or just released, so
//! that it is shown once.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

use super::item::{Call, Item, SocketCall, Source};
use crate::events::Phase;

/// Where an item sorts: its time, then the order it arrived in.
pub(super) type Key = (Duration, u64);

/// Returns with a local address, by (pid, call, peer).
type ReturnKey = (u32, SocketCall, Option<SocketAddr>);
/// The unordered address pair of a connection or a UDP flow.
pub(super) type Pair = (SocketAddr, SocketAddr);

/// The unordered pair of `a` and `b`.
pub(super) fn pair(a: SocketAddr, b: SocketAddr) -> Pair {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

/// The pair a waiting segment or datagram travels between.
fn pair_of(item: &Item) -> Option<Pair> {
    match item {
        Item::Segment { seg, .. } => Some(pair(seg.src, seg.dst)),
        Item::Datagram { d, .. } => Some(pair(d.src, d.dst)),
        _ => None,
    }
}

/// Most waiting packets a call looks through for the segment it caused.
/// The segment normally follows within microseconds; the bound keeps a
/// flood of other packets from making every call cost the whole queue.
pub(super) const MAX_SCAN: usize = 10_000;
/// A program's event and the kernel's record of the same call are at most
/// this far apart (the event is stamped right before or after the call).
pub const TWIN_WINDOW: Duration = Duration::from_millis(100);
/// Released calls remembered for a twin that comes late.
const RECENT: usize = 512;

/// What is remembered of a released call, to know its twin.
#[derive(Debug)]
struct Released {
    t: Duration,
    source: Source,
    pid: u32,
    call: String,
    phase: Phase,
    local: Option<SocketAddr>,
    peer: Option<SocketAddr>,
}

#[derive(Debug, Default)]
pub(super) struct Pending {
    wire: VecDeque<(Key, Item)>,
    /// The waiting segments and datagrams of each address pair, in time
    /// order: what follows a segment on its own connection is found
    /// without walking the packets of every other (a connection storm
    /// keeps thousands waiting).
    by_pair: HashMap<Pair, VecDeque<Key>>,
    /// Calls, kernel state changes, link events.
    side: BTreeMap<Key, Item>,
    /// A `connect()` entry does not know its local address yet: its own
    /// return, still waiting, says it.
    returns: HashMap<ReturnKey, BTreeSet<Key>>,
    recent: VecDeque<Released>,
    /// How many of `recent` each (source, process) has: most calls have
    /// no twin to look for (a program that reports no events), and the
    /// 512 are not walked for them.
    recent_of: HashMap<(Source, u32), u32>,
    seq: u64,
    /// Calls from the events (a lab program's own) among `side`: while
    /// there are none, a kernel call has no twin to look for, and the
    /// search (a scan of every call within [`TWIN_WINDOW`], thousands in a
    /// connection storm) is skipped.
    events_waiting: usize,
}

/// Two records of one call: one from each source.
fn twins(
    a_source: Source,
    a: (u32, &str, Phase, Option<SocketAddr>, Option<SocketAddr>),
    b: &Call,
) -> bool {
    let fits = |x: Option<SocketAddr>, y: Option<SocketAddr>| x.is_none() || y.is_none() || x == y;
    a_source != b.source
        && a.0 == b.ev.pid
        && a.1 == b.call.name()
        && a.2 == b.ev.phase
        && fits(a.3, b.ev.local)
        && fits(a.4, b.ev.peer)
}

fn distance(a: Duration, b: Duration) -> Duration {
    if a > b {
        a - b
    } else {
        b - a
    }
}

impl Pending {
    fn key(&mut self, t: Duration) -> Key {
        self.seq += 1;
        (t, self.seq)
    }

    /// Queue a packet or a summary (sorted insert from the back: items
    /// nearly always arrive in order).
    pub(super) fn push_wire(&mut self, item: Item) {
        let key = self.key(item.t());
        if let Some(p) = pair_of(&item) {
            let keys = self.by_pair.entry(p).or_default();
            let mut i = keys.len();
            while i > 0 && keys[i - 1].0 > key.0 {
                i -= 1;
            }
            keys.insert(i, key);
        }
        let mut i = self.wire.len();
        while i > 0 && self.wire[i - 1].0 .0 > key.0 {
            i -= 1;
        }
        self.wire.insert(i, (key, item));
    }

    /// The waiting segments and datagrams between `a` and `b` (either
    /// way), in time order, at most [`MAX_SCAN`].
    pub(super) fn wire_of(&self, a: SocketAddr, b: SocketAddr) -> impl Iterator<Item = &Item> {
        self.by_pair
            .get(&pair(a, b))
            .into_iter()
            .flatten()
            .take(MAX_SCAN)
            .filter_map(|k| {
                let i = self.wire.binary_search_by_key(k, |(k, _)| *k).ok()?;
                Some(&self.wire[i].1)
            })
    }

    /// Queue a call, a kernel state change or a link event.
    pub(super) fn push_side(&mut self, item: Item) {
        let key = self.key(item.t());
        if let Item::Call(call) = &item {
            if let Some(rk) = return_key(call) {
                self.returns.entry(rk).or_default().insert(key);
            }
            if call.source == Source::Events {
                self.events_waiting += 1;
            }
        }
        self.side.insert(key, item);
    }

    /// Calls and other side items waiting.
    pub(super) fn side_len(&self) -> usize {
        self.side.len()
    }

    /// Where the waiting call that is `call`'s twin from the other source
    /// is (the nearest in time, and not already confirmed).
    fn twin_key(&self, call: &Call) -> Option<Key> {
        let t = call.ev.t;
        let lo = (t.saturating_sub(TWIN_WINDOW), 0);
        let hi = (t.saturating_add(TWIN_WINDOW), u64::MAX);
        let me = (
            call.ev.pid,
            call.call.name(),
            call.ev.phase,
            call.ev.local,
            call.ev.peer,
        );
        self.side
            .range(lo..=hi)
            .filter_map(|(k, it)| match it {
                Item::Call(c) if c.kernel.is_none() || c.source == Source::Kernel => {
                    twins(call.source, me, c).then_some((distance(c.ev.t, t), *k))
                }
                _ => None,
            })
            .min()
            .map(|(_, k)| k)
    }

    /// The waiting event that is the twin of the kernel's `call`.
    pub(super) fn event_twin(&mut self, call: &Call) -> Option<&mut Call> {
        if self.events_waiting == 0 {
            return None;
        }
        let key = self.twin_key(call)?;
        match self.side.get_mut(&key) {
            Some(Item::Call(c)) if c.source == Source::Events => Some(c),
            _ => None,
        }
    }

    /// Take the waiting kernel call that is the twin of the event `call`.
    pub(super) fn take_kernel_twin(&mut self, call: &Call) -> Option<Call> {
        let key = self.twin_key(call)?;
        if !matches!(self.side.get(&key), Some(Item::Call(c)) if c.source == Source::Kernel) {
            return None;
        }
        match self.side.remove(&key) {
            Some(Item::Call(c)) => {
                self.unindex(key, &c);
                Some(c)
            }
            _ => None,
        }
    }

    /// A call of the other source, released already, is `call`'s twin.
    pub(super) fn released_twin(&self, call: &Call) -> bool {
        let other = match call.source {
            Source::Events => Source::Kernel,
            Source::Kernel => Source::Events,
        };
        if !self.recent_of.contains_key(&(other, call.ev.pid)) {
            return false;
        }
        self.recent.iter().any(|r| {
            twins(r.source, (r.pid, &r.call, r.phase, r.local, r.peer), call)
                && distance(r.t, call.ev.t) <= TWIN_WINDOW
        })
    }

    /// Remember a released call for its late twin.
    pub(super) fn released(&mut self, call: &Call) {
        if self.recent.len() >= RECENT {
            if let Some(old) = self.recent.pop_front() {
                let k = (old.source, old.pid);
                if let Some(n) = self.recent_of.get_mut(&k) {
                    *n -= 1;
                    if *n == 0 {
                        self.recent_of.remove(&k);
                    }
                }
            }
        }
        *self
            .recent_of
            .entry((call.source, call.ev.pid))
            .or_default() += 1;
        self.recent.push_back(Released {
            t: call.ev.t,
            source: call.source,
            pid: call.ev.pid,
            call: call.call.name().to_string(),
            phase: call.ev.phase,
            local: call.ev.local,
            peer: call.ev.peer,
        });
    }

    /// The time of the earliest item waiting, and whether it is a side
    /// item (a call, a kernel's state, a link event) rather than a packet.
    pub(super) fn front(&self) -> Option<(Duration, bool)> {
        let w = self.wire.front().map(|(k, _)| *k);
        let c = self.side.first_key_value().map(|(k, _)| *k);
        match (w, c) {
            (Some(w), Some(c)) if c < w => Some((c.0, true)),
            (Some(w), _) => Some((w.0, false)),
            (None, Some(c)) => Some((c.0, true)),
            (None, None) => None,
        }
    }

    /// Take the earliest item.
    pub(super) fn pop(&mut self) -> Option<Item> {
        let w = self.wire.front().map(|(k, _)| *k);
        let c = self.side.first_key_value().map(|(k, _)| *k);
        let take_side = match (w, c) {
            (Some(w), Some(c)) => c < w,
            (None, Some(_)) => true,
            (_, None) => false,
        };
        if !take_side {
            let (key, item) = self.wire.pop_front()?;
            if let Some(p) = pair_of(&item) {
                if let Some(keys) = self.by_pair.get_mut(&p) {
                    // The earliest waiting item of its pair, as the
                    // earliest of all.
                    if let Some(i) = keys.iter().position(|k| *k == key) {
                        keys.remove(i);
                    }
                    if keys.is_empty() {
                        self.by_pair.remove(&p);
                    }
                }
            }
            return Some(item);
        }
        let (key, item) = self.side.pop_first()?;
        if let Item::Call(call) = &item {
            self.unindex(key, call);
        }
        Some(item)
    }

    /// `call` (at `key`) left `side`.
    fn unindex(&mut self, key: Key, call: &Call) {
        if call.source == Source::Events {
            self.events_waiting = self.events_waiting.saturating_sub(1);
        }
        if let Some(rk) = return_key(call) {
            if let Some(set) = self.returns.get_mut(&rk) {
                set.remove(&key);
                if set.is_empty() {
                    self.returns.remove(&rk);
                }
            }
        }
    }

    /// The packets waiting, in time order (all of them come after the item
    /// last popped), at most [`MAX_SCAN`].
    pub(super) fn wire(&self) -> impl Iterator<Item = &Item> {
        self.wire.iter().take(MAX_SCAN).map(|(_, item)| item)
    }

    /// The local address in the earliest waiting return of `call` made by
    /// `pid` towards `peer`.
    pub(super) fn return_local(
        &self,
        pid: u32,
        call: &SocketCall,
        peer: Option<SocketAddr>,
    ) -> Option<SocketAddr> {
        let key = self.returns.get(&(pid, call.clone(), peer))?.first()?;
        match self.side.get(key) {
            Some(Item::Call(c)) => c.ev.local,
            _ => None,
        }
    }
}

fn return_key(call: &Call) -> Option<ReturnKey> {
    (call.ev.phase == Phase::Return && call.ev.local.is_some())
        .then(|| (call.ev.pid, call.call.clone(), call.ev.peer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::CallEvent;

    fn call(source: Source, t_us: u64) -> Call {
        let mut c = Call::new(CallEvent {
            prog: "tcp_client".into(),
            name: None,
            pid: 42,
            call: "connect".into(),
            phase: Phase::Enter,
            local: None,
            peer: Some("127.0.0.1:5000".parse().unwrap()),
            result: String::new(),
            returned: None,
            t: Duration::from_micros(t_us),
            other_uid: None,
        });
        c.source = source;
        c
    }

    #[test]
    fn a_kernel_call_finds_its_waiting_event_twin_and_none_once_it_has_left() {
        let mut p = Pending::default();
        p.push_side(Item::Call(call(Source::Kernel, 900)));
        assert!(p.event_twin(&call(Source::Kernel, 1_000)).is_none());
        p.push_side(Item::Call(call(Source::Events, 1_010)));
        assert!(p.event_twin(&call(Source::Kernel, 1_000)).is_some());
        // Both leave; the count of waiting events follows.
        assert!(p.pop().is_some() && p.pop().is_some());
        assert_eq!(p.events_waiting, 0);
        p.push_side(Item::Call(call(Source::Kernel, 2_000)));
        assert!(p.event_twin(&call(Source::Kernel, 2_000)).is_none());
        // An event taken by its kernel twin's search is counted out too.
        p.push_side(Item::Call(call(Source::Events, 2_010)));
        assert_eq!(p.events_waiting, 1);
        assert!(p.take_kernel_twin(&call(Source::Events, 2_010)).is_some());
        assert_eq!(
            p.events_waiting, 1,
            "the kernel's call was taken, not the event"
        );
    }
}
