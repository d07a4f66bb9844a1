//! The bounded history of what the capture showed, shared between the
//! capture loop (which appends) and the browsers' event streams (which read
//! it from their own cursor and wait for more).
//!
//! One history for every browser, no queue per browser: memory is bounded by
//! the history's caps whatever the number of browsers or their speed. What
//! falls out of the history is counted, and a browser told how much it
//! missed.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// Most events kept (a lecture's conversations are a few hundred).
pub const MAX_EVENTS: usize = 10_000;
/// Most bytes of JSON kept (a segment with its headers is about 1.5 KB).
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

/// The events, numbered from 0 in the order they were pushed.
#[derive(Debug, Default)]
struct History {
    events: VecDeque<Arc<str>>,
    /// Number of the first event in `events`.
    first: u64,
    bytes: usize,
    /// Events that fell out of the history (the oldest first).
    dropped: u64,
    /// The capture is over: nothing more will come.
    ended: bool,
}

impl History {
    fn next(&self) -> u64 {
        self.first + self.events.len() as u64
    }
}

/// What a reader gets from [`Hub::read`].
#[derive(Debug, Default)]
pub struct Batch {
    /// New events, in order.
    pub events: Vec<Arc<str>>,
    /// Where the reader's cursor goes next.
    pub next: u64,
    /// Events the reader missed because they fell out of the history.
    pub missed: u64,
    /// The capture is over.
    pub ended: bool,
}

/// The shared history and the bell that rings when it grows.
#[derive(Debug, Default)]
pub struct Hub {
    history: Mutex<History>,
    grew: Condvar,
}

impl Hub {
    fn lock(&self) -> MutexGuard<'_, History> {
        // A reader that panicked cannot leave the history half-changed
        // (every change is a push or a pop), so a poisoned lock is still good.
        self.history.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Append one event (a JSON object), dropping the oldest beyond the caps.
    pub fn push(&self, event: &str) {
        let mut h = self.lock();
        h.bytes += event.len();
        h.events.push_back(Arc::from(event));
        while h.events.len() > MAX_EVENTS || (h.bytes > MAX_BYTES && h.events.len() > 1) {
            if let Some(old) = h.events.pop_front() {
                h.bytes -= old.len();
                h.first += 1;
                h.dropped += 1;
            }
        }
        drop(h);
        self.grew.notify_all();
    }

    /// The capture is over; readers learn it with their next batch.
    pub fn end(&self) {
        self.lock().ended = true;
        self.grew.notify_all();
    }

    /// The cursor of a reader that wants everything still kept, and how
    /// many earlier events are gone.
    pub fn start(&self) -> (u64, u64) {
        let h = self.lock();
        (h.first, h.dropped)
    }

    /// Events from `cursor` on; waits up to `wait` when there are none yet.
    pub fn read(&self, cursor: u64, wait: Duration) -> Batch {
        let mut h = self.lock();
        if cursor >= h.next() && !h.ended {
            h = self
                .grew
                .wait_timeout_while(h, wait, |h| cursor >= h.next() && !h.ended)
                .map(|(h, _)| h)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        let missed = h.first.saturating_sub(cursor);
        let from = cursor.max(h.first);
        let skip = usize::try_from(from - h.first).unwrap_or(usize::MAX);
        Batch {
            events: h.events.iter().skip(skip).cloned().collect(),
            next: h.next(),
            missed,
            ended: h.ended,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_get_what_they_have_not_seen() {
        let hub = Hub::default();
        hub.push("{\"a\":1}");
        hub.push("{\"a\":2}");
        let (cursor, dropped) = hub.start();
        assert_eq!((cursor, dropped), (0, 0));
        let b = hub.read(cursor, Duration::ZERO);
        assert_eq!(b.events.len(), 2);
        assert_eq!(b.next, 2);
        let b = hub.read(b.next, Duration::from_millis(1));
        assert!(b.events.is_empty() && !b.ended);
        hub.end();
        assert!(
            hub.read(2, Duration::from_secs(60)).ended,
            "no wait once ended"
        );
    }

    #[test]
    fn the_history_is_bounded_and_counts_what_it_dropped() {
        let hub = Hub::default();
        for i in 0..MAX_EVENTS + 5 {
            hub.push(&format!("{{\"n\":{i}}}"));
        }
        let (cursor, dropped) = hub.start();
        assert_eq!((cursor, dropped), (5, 5));
        let b = hub.read(0, Duration::ZERO);
        assert_eq!(b.missed, 5, "a reader at 0 missed the 5 dropped");
        assert_eq!(b.events.len(), MAX_EVENTS);
        assert_eq!(&*b.events[0], "{\"n\":5}");

        let big = "x".repeat(MAX_BYTES / 3 + 1);
        for _ in 0..4 {
            hub.push(&big);
        }
        let b = hub.read(0, Duration::ZERO);
        let bytes: usize = b.events.iter().map(|e| e.len()).sum();
        assert!(bytes <= MAX_BYTES, "{bytes} bytes kept");
    }

    #[test]
    fn a_waiting_reader_wakes_when_an_event_comes() {
        let hub = Arc::new(Hub::default());
        let reader = {
            let hub = hub.clone();
            std::thread::spawn(move || hub.read(0, Duration::from_secs(60)))
        };
        std::thread::sleep(Duration::from_millis(20));
        hub.push("{}");
        let b = reader.join().unwrap();
        assert_eq!(b.events.len(), 1);
    }
}
