//! Which entry of a table was touched longest ago, in O(1) amortised time.
//!
//! Every touch appends `(stamp, key)` to a queue and the table entry keeps
//! its latest stamp; an older copy of the same key stays in the queue and is
//! recognised as stale (its stamp is no longer the entry's) when it reaches
//! the front. When stale copies outnumber the live entries the queue is
//! rebuilt, so its length stays within a small multiple of the table's.
//! This replaces a scan of the whole table on every eviction (10,000 UDP
//! flows made each new flow cost 10,000 comparisons).

use std::collections::VecDeque;

/// Stale copies tolerated beyond twice the live entries before a rebuild.
const SLACK: usize = 64;

/// Keys in the order they were last touched.
#[derive(Debug)]
pub(super) struct Recency<K> {
    queue: VecDeque<(u64, K)>,
    next: u64,
}

impl<K: Copy> Recency<K> {
    pub(super) fn new() -> Recency<K> {
        Recency {
            queue: VecDeque::new(),
            next: 0,
        }
    }

    /// `key` was just used: its new stamp, to keep in the table entry.
    pub(super) fn touch(&mut self, key: K) -> u64 {
        let stamp = self.next;
        self.next += 1;
        self.queue.push_back((stamp, key));
        stamp
    }

    /// The key touched longest ago that is still current (`stamp_of(key)`
    /// is the stamp it was queued with), without removing it.
    pub(super) fn oldest(&mut self, stamp_of: impl Fn(&K) -> Option<u64>) -> Option<K> {
        while let Some(&(stamp, key)) = self.queue.front() {
            if stamp_of(&key) == Some(stamp) {
                return Some(key);
            }
            self.queue.pop_front();
        }
        None
    }

    /// Forget the front entry (after [`Recency::oldest`] returned it).
    pub(super) fn pop(&mut self) {
        self.queue.pop_front();
    }

    /// Drop stale copies once they outnumber the `live` entries.
    pub(super) fn compact(&mut self, live: usize, stamp_of: impl Fn(&K) -> Option<u64>) {
        if self.queue.len() > 2 * live + SLACK {
            self.queue
                .retain(|(stamp, key)| stamp_of(key) == Some(*stamp));
        }
    }

    /// Forget everything.
    pub(super) fn clear(&mut self) {
        self.queue.clear();
    }

    /// Queue length, stale copies included (for tests of the bound).
    #[cfg(test)]
    pub(super) fn queued(&self) -> usize {
        self.queue.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn the_oldest_is_the_least_recently_touched_and_the_queue_stays_small() {
        let mut table: HashMap<u32, u64> = HashMap::new();
        let mut r = Recency::new();
        for k in 0..3 {
            table.insert(k, r.touch(k));
        }
        // Touch 0 again: 1 is now the oldest.
        table.insert(0, r.touch(0));
        assert_eq!(r.oldest(|k| table.get(k).copied()), Some(1));
        r.pop();
        table.remove(&1);
        assert_eq!(r.oldest(|k| table.get(k).copied()), Some(2));

        // A million touches of three keys: stale copies are dropped.
        for i in 0..1_000_000u32 {
            let k = i % 3;
            table.insert(k, r.touch(k));
            r.compact(table.len(), |k| table.get(k).copied());
        }
        assert!(r.queued() <= 2 * table.len() + SLACK + 1, "{}", r.queued());
    }
}
