//! The items waiting to be released, in time order, indexed so that a
//! call finds what follows it without walking the whole queue.
//!
//! Packets (and connection summaries) come from the capture in almost
//! exactly time order, so they wait in a sorted `VecDeque`: a push is a
//! push at the back. Calls come through another door, earlier or later,
//! and a `.events` sidecar arrives all at once: they wait in a `BTreeMap`
//! by time, so that no push or release ever walks past calls dated far
//! away. Ties keep arrival order (a sequence number breaks them).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

use super::item::{Call, Item, SocketCall};
use crate::events::Phase;

/// Where an item sorts: its time, then the order it arrived in.
pub(super) type Key = (Duration, u64);

/// Returns with a local address, by (pid, call, peer).
type ReturnKey = (u32, SocketCall, Option<SocketAddr>);

/// Most waiting packets a call looks through for the segment it caused.
/// The segment normally follows within microseconds; the bound keeps a
/// flood of other packets from making every call cost the whole queue.
pub(super) const MAX_SCAN: usize = 10_000;

#[derive(Debug, Default)]
pub(super) struct Pending {
    wire: VecDeque<(Key, Item)>,
    calls: BTreeMap<Key, Call>,
    /// A `connect()` entry does not know its local address yet: its own
    /// return, still waiting, says it.
    returns: HashMap<ReturnKey, BTreeSet<Key>>,
    seq: u64,
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
        let mut i = self.wire.len();
        while i > 0 && self.wire[i - 1].0 .0 > key.0 {
            i -= 1;
        }
        self.wire.insert(i, (key, item));
    }

    /// Queue a call.
    pub(super) fn push_call(&mut self, call: Call) {
        let key = self.key(call.ev.t);
        if let Some(rk) = return_key(&call) {
            self.returns.entry(rk).or_default().insert(key);
        }
        self.calls.insert(key, call);
    }

    /// Calls waiting.
    pub(super) fn calls(&self) -> usize {
        self.calls.len()
    }

    /// The time of the earliest item waiting.
    pub(super) fn front_time(&self) -> Option<Duration> {
        let w = self.wire.front().map(|(k, _)| *k);
        let c = self.calls.first_key_value().map(|(k, _)| *k);
        match (w, c) {
            (Some(w), Some(c)) => Some(w.min(c).0),
            (w, c) => w.or(c).map(|k| k.0),
        }
    }

    /// Take the earliest item.
    pub(super) fn pop(&mut self) -> Option<Item> {
        let w = self.wire.front().map(|(k, _)| *k);
        let c = self.calls.first_key_value().map(|(k, _)| *k);
        let take_call = match (w, c) {
            (Some(w), Some(c)) => c < w,
            (None, Some(_)) => true,
            (_, None) => false,
        };
        if !take_call {
            return self.wire.pop_front().map(|(_, item)| item);
        }
        let (key, call) = self.calls.pop_first()?;
        if let Some(rk) = return_key(&call) {
            if let Some(set) = self.returns.get_mut(&rk) {
                set.remove(&key);
                if set.is_empty() {
                    self.returns.remove(&rk);
                }
            }
        }
        Some(Item::Call(call))
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
        self.calls.get(key).and_then(|c| c.ev.local)
    }
}

fn return_key(call: &Call) -> Option<ReturnKey> {
    (call.ev.phase == Phase::Return && call.ev.local.is_some())
        .then(|| (call.ev.pid, call.call.clone(), call.ev.peer))
}
