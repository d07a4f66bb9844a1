//! How long a live item waits for what could still belong before it.
//!
//! A segment must wait only as long as a fact dated before it could still
//! be on its way: a lab program's event (stamped just before the call,
//! sent through another socket) or a record of the kernel's view (read
//! from tracefs a drain later). So the hold is learned, not fixed:
//!
//! - **Events.** While no lab program has reported a call for
//!   [`SENDER_IDLE`], nothing can precede a segment and it is released at
//!   once. (The capture loop also looks at the events socket before each
//!   release: an event already sent, not yet taken in, holds everything
//!   back to the maximum; see [`Hold::incoming`]. So a program's very
//!   first call, sent before any segment it causes, is never late.) While
//!   one is reporting, the hold is a high percentile of the delays seen
//!   between an event's stamp and its arrival, plus [`EVENT_MARGIN`].
//! - **The kernel's view.** Any process may open a socket at any time,
//!   and its first record comes only after the reader's next drain, so
//!   while the tracer runs the hold never falls below the reader's own
//!   delay ([`KERNEL_FLOOR`]); above that, the percentile of the delays
//!   seen in the last [`SENDER_IDLE`], plus [`KERNEL_MARGIN`]. (A call
//!   the kernel's joiner holds until its socket is known comes late by
//!   its own time, but no later than the record that made the socket
//!   known, which is what precedes a segment: such delays at a program's
//!   start are forgotten with the rest.) Once the tracer is known to have nobody
//!   left to follow (`capture -- PROGRAM` after its programs ended), no
//!   record can come and this part is zero.
//!
//! - **Packets.** A call must not be released before the packets dated
//!   before it: they too come late, by microseconds in immediate mode,
//!   by up to a block timeout (100 ms) without it. So calls and the other
//!   side items wait the percentile of the packets' delays seen, plus
//!   [`PACKET_MARGIN`], at least the floor the source was opened with.
//!
//! Every part is bounded by the fixed hold the timeline was made with
//! (the longest any source was ever seen to need). Pure: the clock comes
//! in with each call.

use std::collections::VecDeque;
use std::time::Duration;

/// A lab program that reported no call for this long is not sending: its
/// next event (stamped before the call it reports) arrives before the
/// segment it causes, and the loop's look at the events socket covers it.
pub const SENDER_IDLE: Duration = Duration::from_secs(2);
/// Added to the learned delay of events: a thread preempted between its
/// event's stamp and its send is late by a scheduler slice or so.
pub const EVENT_MARGIN: Duration = Duration::from_millis(4);
/// Added to the learned delay of the kernel's records.
pub const KERNEL_MARGIN: Duration = Duration::from_millis(3);
/// The kernel's records come at least this late: the reader leaves a
/// record for its next drain until it has settled
/// (`kernel::reader`'s `SETTLE_NS`, 3 ms), drains every
/// [`crate::kernel::reader::TICK`] (5 ms), and the loop takes what it
/// handed over every [`KERNEL_POLL`] (2 ms); plus [`KERNEL_MARGIN`].
pub const KERNEL_FLOOR: Duration = Duration::from_millis(3 + 5 + 2 + 3);
/// How often a live loop with the kernel's view takes the kernel's facts
/// (they come through their own queue, which does not wake the loop).
pub const KERNEL_POLL: Duration = Duration::from_millis(2);
/// Added to the learned delay of packets (for the items that wait for them).
pub const PACKET_MARGIN: Duration = Duration::from_millis(3);
/// Delays remembered per source: the percentile follows the recent ones.
const LAGS_KEPT: usize = 256;
/// The percentile of the remembered delays the hold covers.
const PERCENTILE: usize = 99;

/// The delays seen for one source, and when it last delivered.
#[derive(Debug, Default)]
pub(super) struct Lags {
    /// (the capture's clock when it arrived, its delay), oldest first.
    recent: VecDeque<(Duration, Duration)>,
    /// The percentile of `recent`, recomputed after a change.
    learned: Option<Duration>,
}

impl Lags {
    /// Something dated `t` arrived at `clock`.
    fn seen(&mut self, t: Duration, clock: Duration) {
        if self.recent.len() >= LAGS_KEPT {
            self.recent.pop_front();
        }
        self.recent.push_back((clock, clock.saturating_sub(t)));
        self.learned = None;
    }

    /// Forget what arrived [`SENDER_IDLE`] or more before `now`: a source
    /// quiet that long is not sending, and an old delay (a program's
    /// start, a busy moment) says nothing about the next one.
    fn expire(&mut self, now: Duration) {
        while self
            .recent
            .front()
            .is_some_and(|(at, _)| now.saturating_sub(*at) >= SENDER_IDLE)
        {
            self.recent.pop_front();
            self.learned = None;
        }
    }

    /// The [`PERCENTILE`] of the recent delays (zero with none).
    fn percentile(&mut self) -> Duration {
        if let Some(l) = self.learned {
            return l;
        }
        let mut v: Vec<Duration> = self.recent.iter().map(|(_, lag)| *lag).collect();
        let l = if v.is_empty() {
            Duration::ZERO
        } else {
            // The rank below which PERCENTILE % of the delays lie.
            let rank = (v.len() * PERCENTILE).div_ceil(100).clamp(1, v.len()) - 1;
            *v.select_nth_unstable(rank).1
        };
        self.learned = Some(l);
        l
    }

    /// Something arrived within [`SENDER_IDLE`] before `now`.
    fn active(&mut self, now: Duration) -> bool {
        self.expire(now);
        !self.recent.is_empty()
    }
}

/// The hold of a live capture, learned from the delays seen (see the
/// module's text); a fixed one for tests and files.
#[derive(Debug)]
pub(super) struct Hold {
    /// The longest an item ever waits.
    pub max: Duration,
    adaptive: bool,
    events: Lags,
    /// The kernel's view, while records can still come.
    kernel: Option<Lags>,
    /// An event was sent and not taken in yet: wait the maximum.
    pub incoming: bool,
    packets: Lags,
    /// Packets come at least this late (a source without immediate mode).
    packet_floor: Duration,
}

impl Hold {
    /// Always `max`.
    pub fn fixed(max: Duration) -> Hold {
        Hold {
            max,
            adaptive: false,
            events: Lags::default(),
            kernel: None,
            incoming: false,
            packets: Lags::default(),
            packet_floor: Duration::ZERO,
        }
    }

    /// Learned, at most `max`.
    pub fn adaptive(mut self) -> Hold {
        self.adaptive = true;
        self
    }

    /// The kernel's records can come (its view is on).
    pub fn with_kernel(&mut self) {
        self.kernel.get_or_insert_with(Lags::default);
    }

    /// The kernel's view has nobody left to follow: no record can come.
    pub fn kernel_finished(&mut self) {
        self.kernel = None;
    }

    /// The packet source delivers packets up to `floor` late.
    pub fn packet_floor(&mut self, floor: Duration) {
        self.packet_floor = floor;
    }

    /// A packet dated `t` arrived at `clock`.
    pub fn packet(&mut self, t: Duration, clock: Duration) {
        self.packets.seen(t, clock);
    }

    /// A lab program's event dated `t` arrived at `clock`.
    pub fn event(&mut self, t: Duration, clock: Duration) {
        self.events.seen(t, clock);
    }

    /// A kernel's record dated `t` arrived at `clock`.
    pub fn kernel(&mut self, t: Duration, clock: Duration) {
        if let Some(k) = self.kernel.as_mut() {
            k.seen(t, clock);
        }
    }

    /// How long a call (or another side item) waits at `now`: until the
    /// packets dated before it are in.
    pub fn side_at(&mut self, now: Duration) -> Duration {
        if !self.adaptive || self.incoming {
            return self.max;
        }
        let learned = if self.packets.active(now) {
            self.packets.percentile() + PACKET_MARGIN
        } else {
            Duration::ZERO
        };
        learned.max(self.packet_floor).min(self.max)
    }

    /// How long a packet waits at `now`: until the calls and the kernel's
    /// records dated before it are in.
    pub fn at(&mut self, now: Duration) -> Duration {
        if !self.adaptive || self.incoming {
            return self.max;
        }
        let mut h = Duration::ZERO;
        if self.events.active(now) {
            h = h.max(self.events.percentile() + EVENT_MARGIN);
        }
        if let Some(k) = self.kernel.as_mut() {
            let learned = if k.active(now) {
                k.percentile() + KERNEL_MARGIN
            } else {
                Duration::ZERO
            };
            h = h.max(KERNEL_FLOOR.max(learned));
        }
        h.min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_fixed_hold_is_always_its_maximum() {
        let mut h = Hold::fixed(ms(200));
        assert_eq!(h.at(ms(5)), ms(200));
        h.event(ms(1), ms(2));
        assert_eq!(h.at(ms(5)), ms(200));
    }

    #[test]
    fn with_no_sender_nothing_waits_and_a_sender_brings_its_learned_delay() {
        let mut h = Hold::fixed(ms(200)).adaptive();
        assert_eq!(h.at(ms(10_000)), Duration::ZERO, "nobody reports calls");
        // Events 1 ms late, one 3 ms late: the hold covers the worst of
        // a few, plus the margin.
        for i in 0..50 {
            h.event(ms(10_000 + i * 20), ms(10_001 + i * 20));
        }
        h.event(ms(11_000), ms(11_003));
        assert_eq!(h.at(ms(11_003)), ms(3) + EVENT_MARGIN);
        // The sender went quiet: released at once again.
        assert_eq!(h.at(ms(11_003) + SENDER_IDLE), Duration::ZERO);
    }

    #[test]
    fn the_percentile_leaves_out_a_rare_outlier_but_the_maximum_bounds_all() {
        let mut h = Hold::fixed(ms(200)).adaptive();
        for i in 0..255 {
            h.event(ms(i), ms(i + 1));
        }
        // One event in 256 came 500 ms late: the 99th percentile is 1 ms.
        h.event(ms(300), ms(800));
        assert_eq!(h.at(ms(800)), ms(1) + EVENT_MARGIN);
        // Four in 256 are more than the percentile leaves out: they count,
        // bounded by the maximum.
        h.event(ms(301), ms(801));
        h.event(ms(302), ms(802));
        h.event(ms(303), ms(803));
        assert_eq!(h.at(ms(803)), ms(200));
    }

    #[test]
    fn an_event_on_its_way_holds_everything_to_the_maximum() {
        let mut h = Hold::fixed(ms(200)).adaptive();
        h.incoming = true;
        assert_eq!(h.at(ms(1_000)), ms(200));
        h.incoming = false;
        assert_eq!(h.at(ms(1_000)), Duration::ZERO);
    }

    #[test]
    fn calls_wait_for_the_packets_learned_delay_and_the_sources_floor() {
        let mut h = Hold::fixed(ms(200)).adaptive();
        assert_eq!(h.side_at(ms(1_000)), Duration::ZERO);
        h.packet(ms(1_000), ms(1_002));
        assert_eq!(h.side_at(ms(1_002)), ms(2) + PACKET_MARGIN);
        // Without immediate mode, blocks of packets come 100 ms late.
        h.packet_floor(ms(103));
        assert_eq!(h.side_at(ms(1_002)), ms(103));
        h.packet(ms(1_000), ms(1_500));
        assert_eq!(h.side_at(ms(1_500)), ms(200), "bounded by the maximum");
    }

    #[test]
    fn the_kernels_view_never_holds_less_than_its_readers_delay_until_it_ends() {
        let mut h = Hold::fixed(ms(400)).adaptive();
        h.with_kernel();
        assert_eq!(h.at(ms(1_000)), KERNEL_FLOOR, "no record yet, one may come");
        h.kernel(ms(1_000), ms(1_030));
        assert_eq!(h.at(ms(1_030)), ms(30) + KERNEL_MARGIN);
        // Quiet since: back to the reader's own delay.
        assert_eq!(h.at(ms(1_030) + SENDER_IDLE), KERNEL_FLOOR);
        h.kernel_finished();
        assert_eq!(h.at(ms(1_030)), Duration::ZERO);
    }
}
