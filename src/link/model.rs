//! What the cable does to the frames going one way, with time passed in:
//! pure, so every rule below is tested without a network.
//!
//! A frame that enters a [`Pipeline`] at time `now` goes through, in order:
//!
//! 1. the **queue** in front of the rate limit (`--rate`): if it already
//!    holds `queue` frames, the newcomer is dropped (tail drop, as a
//!    router does); otherwise it leaves the queue when the frames before
//!    it have been sent at the configured rate;
//! 2. **loss** (`--loss`): random, each frame on its own, or in bursts
//!    (`--burst`, a Gilbert–Elliott model); a lost frame still used its
//!    share of the bandwidth, as on a real wire;
//! 3. **delay** (`--delay`, `--jitter`): the time on the wire. Jitter never
//!    reorders: a frame waits for the one before it;
//! 4. **duplication** (`--duplicate`): a second copy right behind it;
//! 5. **reordering** (`--reorder`): the frame is held back until
//!    `reorder_gap` later frames have passed it (or [`HOLD_LIMIT`] after
//!    it was due, if none come).
//!
//! Link-control frames (ARP, IPv6 neighbour discovery and MLD) are queued
//! and delayed like the others but never lost, duplicated or reordered, so
//! that a lost ARP request never adds a second to a measurement and the
//! link's counts are counts of the hosts' own traffic.

use std::collections::VecDeque;
use std::time::Duration;

/// How long past its due time a frame held for reordering waits for later
/// frames to overtake it before it is sent anyway.
pub const HOLD_LIMIT: Duration = Duration::from_millis(20);
/// Frames in flight (on the "wire", after the queue) per direction, at
/// most: beyond, frames are dropped as [`DropReason::Overflow`]. Bounds
/// memory at a long delay and a high rate.
pub const MAX_IN_FLIGHT: usize = 100_000;
/// Bytes in flight per direction, at most (same purpose).
pub const MAX_IN_FLIGHT_BYTES: usize = 64 << 20;

/// A small, fast, seedable random generator (splitmix64): the link's draws
/// are reproducible with `--seed`, and no crate is needed for them.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p` (0 to 1).
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.uniform() < p
    }
}

/// What the cable does in one direction. All zero: a perfect cable.
#[derive(Clone, Debug, PartialEq)]
pub struct Impairments {
    /// One-way delay (the round trip is twice this).
    pub delay: Duration,
    /// Each frame's delay is drawn uniformly within `delay ± jitter`.
    pub jitter: Duration,
    /// Bits per second the cable carries, counting whole Ethernet frames;
    /// `None`: as fast as the machine forwards.
    pub rate_bps: Option<u64>,
    /// Frames the queue in front of the rate limit holds (tail drop beyond).
    pub queue: usize,
    /// Percentage of frames lost (0 to 100).
    pub loss_percent: f64,
    /// Mean length of a burst of losses, in frames: `None` for independent
    /// losses; with it, losses come in bursts averaging this length while
    /// the long-run share stays `loss_percent` (Gilbert–Elliott).
    pub burst: Option<f64>,
    /// Percentage of frames held back behind later ones (0 to 100).
    pub reorder_percent: f64,
    /// How many later frames overtake a held one.
    pub reorder_gap: u32,
    /// Percentage of frames sent twice (0 to 100).
    pub duplicate_percent: f64,
}

/// The queue of a router port, in frames: `--queue`'s default.
pub const DEFAULT_QUEUE: usize = 100;
/// How many later frames overtake a reordered one, by default.
pub const DEFAULT_REORDER_GAP: u32 = 2;

impl Default for Impairments {
    fn default() -> Self {
        Impairments {
            delay: Duration::ZERO,
            jitter: Duration::ZERO,
            rate_bps: None,
            queue: DEFAULT_QUEUE,
            loss_percent: 0.0,
            burst: None,
            reorder_percent: 0.0,
            reorder_gap: DEFAULT_REORDER_GAP,
            duplicate_percent: 0.0,
        }
    }
}

impl Impairments {
    /// True when the cable changes nothing.
    pub fn is_perfect(&self) -> bool {
        *self
            == Impairments {
                queue: self.queue,
                reorder_gap: self.reorder_gap,
                ..Impairments::default()
            }
    }

    /// The Gilbert–Elliott transition probabilities for `loss_percent` and
    /// `burst`: (good → bad, bad → good). The bad state loses every frame,
    /// the good state none; the share of time in the bad state is the loss.
    pub fn burst_transitions(&self) -> Option<(f64, f64)> {
        let b = self.burst?;
        let loss = self.loss_percent / 100.0;
        let bad_to_good = 1.0 / b;
        if loss >= 1.0 {
            return Some((1.0, 0.0));
        }
        Some(((loss * bad_to_good / (1.0 - loss)).min(1.0), bad_to_good))
    }
}

/// What kind of frame, for the rules above.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// IP traffic of the hosts: every rule applies.
    Data,
    /// ARP, IPv6 neighbour discovery, MLD: queued and delayed only.
    Control,
}

/// Why a frame was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// Random loss (`--loss`).
    Random,
    /// Inside a burst of losses (`--burst`).
    Burst,
    /// The queue in front of the rate limit was full.
    QueueFull,
    /// More than [`MAX_IN_FLIGHT`] frames (or bytes) on the wire.
    Overflow,
}

impl DropReason {
    /// A short name, as in the link's events (`"reason"`).
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::Random => "random loss",
            DropReason::Burst => "burst loss",
            DropReason::QueueFull => "queue full",
            DropReason::Overflow => "too many frames in flight",
        }
    }
}

/// What [`Pipeline::ingress`] decided for a frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fate {
    Dropped(DropReason),
    /// On its way; it leaves after `delay` (queueing included), plus the
    /// reordering hold if `held`.
    Scheduled {
        delay: Duration,
        queued: Duration,
        duplicated: bool,
        held: bool,
    },
}

/// A frame leaving the cable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Released<T> {
    pub frame: T,
    /// The frame's number in this direction (from 0, in arrival order).
    pub id: u64,
    /// The second copy of a duplicated frame.
    pub copy: bool,
    /// For a frame held for reordering: how many later frames left before it.
    pub overtaken_by: Option<u64>,
}

#[derive(Debug)]
struct Scheduled<T> {
    release: Duration,
    frame: T,
    len: usize,
    id: u64,
    copy: bool,
    /// A data frame (link-control frames never count as overtaking).
    data: bool,
}

#[derive(Debug)]
struct Held<T> {
    frame: T,
    id: u64,
    /// When it would have left, had it not been held.
    due: Duration,
    /// Its due time has come: from now on, later frames leaving pass it.
    armed: bool,
    /// Later data frames (by arrival) that left while it waited.
    passed: u64,
}

/// What one direction of the cable has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Frames that came in.
    pub received: u64,
    /// Frames that went out (duplicates included).
    pub forwarded: u64,
    pub dropped_random: u64,
    pub dropped_burst: u64,
    pub dropped_queue: u64,
    pub dropped_overflow: u64,
    /// Extra copies sent.
    pub duplicated: u64,
    /// Frames that left after at least one later frame.
    pub reordered: u64,
    /// Frames that spent any time in the queue or on the wire.
    pub delayed: u64,
}

impl Stats {
    /// Frames dropped for any reason.
    pub fn dropped(&self) -> u64 {
        self.dropped_random + self.dropped_burst + self.dropped_queue + self.dropped_overflow
    }

    /// The sum of two directions (or of two snapshots' differences).
    pub fn plus(&self, o: &Stats) -> Stats {
        Stats {
            received: self.received + o.received,
            forwarded: self.forwarded + o.forwarded,
            dropped_random: self.dropped_random + o.dropped_random,
            dropped_burst: self.dropped_burst + o.dropped_burst,
            dropped_queue: self.dropped_queue + o.dropped_queue,
            dropped_overflow: self.dropped_overflow + o.dropped_overflow,
            duplicated: self.duplicated + o.duplicated,
            reordered: self.reordered + o.reordered,
            delayed: self.delayed + o.delayed,
        }
    }
}

/// One direction of the cable.
#[derive(Debug)]
pub struct Pipeline<T> {
    cfg: Impairments,
    /// Gilbert–Elliott: in the bad state.
    bad: bool,
    /// When the rate limit has sent everything accepted so far.
    busy_until: Duration,
    /// Departure times of the frames still in the queue, oldest first.
    queue: VecDeque<Duration>,
    /// Release time of the last frame scheduled (jitter keeps order).
    last_release: Duration,
    wire: VecDeque<Scheduled<T>>,
    wire_bytes: usize,
    held: Vec<Held<T>>,
    next_id: u64,
    stats: Stats,
}

impl<T: Clone> Pipeline<T> {
    /// A direction with these impairments.
    pub fn new(cfg: Impairments) -> Pipeline<T> {
        Pipeline {
            cfg,
            bad: false,
            busy_until: Duration::ZERO,
            queue: VecDeque::new(),
            last_release: Duration::ZERO,
            wire: VecDeque::new(),
            wire_bytes: 0,
            held: Vec::new(),
            next_id: 0,
            stats: Stats::default(),
        }
    }

    /// The impairments in force.
    pub fn config(&self) -> &Impairments {
        &self.cfg
    }

    /// Change the impairments; frames already on their way keep their times.
    pub fn set_config(&mut self, cfg: Impairments) {
        if cfg.burst.is_none() {
            self.bad = false;
        }
        self.cfg = cfg;
    }

    /// What it has done so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The id the next frame will get.
    pub fn next_id(&self) -> u64 {
        self.next_id
    }

    /// A frame of `len` bytes arrives at `now`. Returns its id and fate.
    pub fn ingress(
        &mut self,
        now: Duration,
        frame: T,
        len: usize,
        class: Class,
        rng: &mut Rng,
    ) -> (u64, Fate) {
        let id = self.next_id;
        self.next_id += 1;
        self.stats.received += 1;
        let data = class == Class::Data;

        // 1. The queue in front of the rate limit.
        let mut depart = now;
        if let Some(rate) = self.cfg.rate_bps.filter(|r| *r > 0) {
            while self.queue.front().is_some_and(|d| *d <= now) {
                self.queue.pop_front();
            }
            if self.queue.len() >= self.cfg.queue.max(1) {
                self.stats.dropped_queue += 1;
                return (id, Fate::Dropped(DropReason::QueueFull));
            }
            let tx = Duration::from_secs_f64(len as f64 * 8.0 / rate as f64);
            depart = self.busy_until.max(now) + tx;
            self.busy_until = depart;
            self.queue.push_back(depart);
        }

        // 2. Loss on the wire.
        if data {
            if let Some((to_bad, to_good)) = self.cfg.burst_transitions() {
                self.bad = if self.bad {
                    !rng.chance(to_good)
                } else {
                    rng.chance(to_bad)
                };
                if self.bad {
                    self.stats.dropped_burst += 1;
                    return (id, Fate::Dropped(DropReason::Burst));
                }
            } else if self.cfg.loss_percent >= 100.0 || rng.chance(self.cfg.loss_percent / 100.0) {
                self.stats.dropped_random += 1;
                return (id, Fate::Dropped(DropReason::Random));
            }
        }

        if self.wire.len() + self.held.len() >= MAX_IN_FLIGHT
            || self.wire_bytes + len > MAX_IN_FLIGHT_BYTES
        {
            self.stats.dropped_overflow += 1;
            return (id, Fate::Dropped(DropReason::Overflow));
        }

        // 3. The time on the wire; jitter never reorders.
        let mut wire_delay = self.cfg.delay.as_secs_f64();
        if !self.cfg.jitter.is_zero() {
            wire_delay += (rng.uniform() * 2.0 - 1.0) * self.cfg.jitter.as_secs_f64();
        }
        let release =
            (depart + Duration::from_secs_f64(wire_delay.max(0.0))).max(self.last_release);
        self.last_release = release;
        let queued = depart - now;
        let delay = release - now;
        if !delay.is_zero() {
            self.stats.delayed += 1;
        }

        // 4 and 5.
        let duplicated = data && rng.chance(self.cfg.duplicate_percent / 100.0);
        // A duplicated frame is never held too: its copy would arrive on
        // time and the original, late, would be a duplicate rather than a
        // reordering, and the link's counts would no longer be exactly what
        // the receiver sees.
        let held = data && !duplicated && rng.chance(self.cfg.reorder_percent / 100.0);
        if duplicated {
            self.stats.duplicated += 1;
        }
        let copy = duplicated.then(|| frame.clone());
        if held {
            self.held.push(Held {
                frame,
                id,
                due: release,
                armed: false,
                passed: 0,
            });
        } else {
            self.schedule(release, frame, len, id, false, data);
        }
        if let Some(copy) = copy {
            self.schedule(release, copy, len, id, true, data);
        }
        (
            id,
            Fate::Scheduled {
                delay,
                queued,
                duplicated,
                held,
            },
        )
    }

    fn schedule(
        &mut self,
        release: Duration,
        frame: T,
        len: usize,
        id: u64,
        copy: bool,
        data: bool,
    ) {
        self.wire_bytes += len;
        self.wire.push_back(Scheduled {
            release,
            frame,
            len,
            id,
            copy,
            data,
        });
    }

    /// Frame `id` leaves: it passes every waiting held frame that arrived
    /// before it.
    fn passing(&mut self, id: u64) {
        for h in &mut self.held {
            if h.armed && h.id < id {
                h.passed += 1;
            }
        }
    }

    /// Move every frame due at `now` to `out`, in the order they leave.
    pub fn release(&mut self, now: Duration, out: &mut Vec<Released<T>>) {
        let gap = u64::from(self.cfg.reorder_gap.max(1));
        loop {
            for h in &mut self.held {
                if !h.armed && h.due <= now {
                    h.armed = true;
                }
            }
            // A held frame passed by enough later ones, or waiting too long.
            if let Some(i) = self
                .held
                .iter()
                .position(|h| h.armed && (h.passed >= gap || h.due + HOLD_LIMIT <= now))
            {
                let h = self.held.remove(i);
                if h.passed > 0 {
                    self.stats.reordered += 1;
                }
                self.passing(h.id);
                self.stats.forwarded += 1;
                out.push(Released {
                    frame: h.frame,
                    id: h.id,
                    copy: false,
                    overtaken_by: Some(h.passed),
                });
                continue;
            }
            match self.wire.front() {
                Some(s) if s.release <= now => {
                    let Some(s) = self.wire.pop_front() else {
                        break;
                    };
                    self.wire_bytes -= s.len;
                    // A copy is a duplicate, not news: it passes nobody.
                    if s.data && !s.copy {
                        self.passing(s.id);
                    }
                    self.stats.forwarded += 1;
                    out.push(Released {
                        frame: s.frame,
                        id: s.id,
                        copy: s.copy,
                        overtaken_by: None,
                    });
                }
                _ => break,
            }
        }
    }

    /// When [`Pipeline::release`] next has something to do, if ever.
    pub fn next_wakeup(&self) -> Option<Duration> {
        let wire = self.wire.front().map(|s| s.release);
        let held = self
            .held
            .iter()
            .map(|h| if h.armed { h.due + HOLD_LIMIT } else { h.due })
            .min();
        match (wire, held) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Frames in the queue, on the wire or held.
    pub fn in_flight(&self) -> usize {
        self.wire.len() + self.held.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Feed frames 0..n at the given times; release everything up to `until`
    /// in 100 µs steps; the ids in the order they left, with their times.
    fn run(
        cfg: Impairments,
        arrivals: &[(Duration, usize)],
        until: Duration,
        seed: u64,
    ) -> (Vec<(u64, Duration, bool)>, Stats) {
        let mut p: Pipeline<u64> = Pipeline::new(cfg);
        let mut rng = Rng::new(seed);
        let mut out = Vec::new();
        let mut left = Vec::new();
        let mut next = 0;
        let step = Duration::from_micros(100);
        let mut now = Duration::ZERO;
        while now <= until {
            while next < arrivals.len() && arrivals[next].0 <= now {
                let id = next as u64;
                p.ingress(now, id, arrivals[next].1, Class::Data, &mut rng);
                next += 1;
            }
            p.release(now, &mut out);
            for r in out.drain(..) {
                left.push((r.frame, now, r.copy));
            }
            now += step;
        }
        (left, p.stats())
    }

    fn at_once(n: usize, len: usize) -> Vec<(Duration, usize)> {
        (0..n).map(|_| (Duration::ZERO, len)).collect()
    }

    #[test]
    fn a_perfect_cable_forwards_everything_at_once_in_order() {
        let cfg = Impairments::default();
        assert!(cfg.is_perfect());
        let (left, stats) = run(cfg, &at_once(5, 100), ms(1), 1);
        let ids: Vec<u64> = left.iter().map(|l| l.0).collect();
        assert_eq!(ids, [0, 1, 2, 3, 4]);
        assert!(left.iter().all(|l| l.1 == Duration::ZERO));
        assert_eq!(stats.forwarded, 5);
        assert_eq!(stats.delayed, 0);
    }

    #[test]
    fn delay_holds_each_frame_for_its_time() {
        let cfg = Impairments {
            delay: ms(50),
            ..Impairments::default()
        };
        let (left, stats) = run(cfg, &[(ms(0), 100), (ms(10), 100)], ms(100), 1);
        assert_eq!(left, [(0, ms(50), false), (1, ms(60), false)]);
        assert_eq!(stats.delayed, 2);
    }

    #[test]
    fn jitter_stays_within_its_bounds_and_never_reorders() {
        let cfg = Impairments {
            delay: ms(20),
            jitter: ms(5),
            ..Impairments::default()
        };
        let arrivals: Vec<_> = (0..200).map(|i| (ms(i * 10), 100)).collect();
        let (left, _) = run(cfg, &arrivals, ms(2100), 7);
        assert_eq!(left.len(), 200);
        let mut delays = Vec::new();
        for (i, (id, t, _)) in left.iter().enumerate() {
            assert_eq!(*id, i as u64, "in order");
            let d = *t - ms(*id * 10);
            assert!(
                d >= ms(15) && d <= ms(25) + Duration::from_micros(100),
                "{d:?}"
            );
            delays.push(d);
        }
        assert!(delays.iter().min() < Some(&ms(17)) && delays.iter().max() > Some(&ms(23)));
    }

    #[test]
    fn the_rate_spaces_frames_by_their_transmission_time() {
        // 1250 bytes at 1 Mbit/s take 10 ms each.
        let cfg = Impairments {
            rate_bps: Some(1_000_000),
            ..Impairments::default()
        };
        let (left, _) = run(cfg, &at_once(4, 1250), ms(100), 1);
        let times: Vec<Duration> = left.iter().map(|l| l.1).collect();
        assert_eq!(times, [ms(10), ms(20), ms(30), ms(40)]);
    }

    #[test]
    fn a_full_queue_drops_the_newcomers() {
        let cfg = Impairments {
            rate_bps: Some(1_000_000),
            queue: 3,
            ..Impairments::default()
        };
        let (left, stats) = run(cfg, &at_once(10, 1250), ms(200), 1);
        assert_eq!(left.iter().map(|l| l.0).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(stats.dropped_queue, 7);
        assert_eq!(stats.dropped(), 7);
        // Once the queue drained, there is room again.
        let arrivals = [(ms(0), 1250), (ms(0), 1250), (ms(0), 1250), (ms(35), 1250)];
        let (left, _) = run(
            Impairments {
                rate_bps: Some(1_000_000),
                queue: 3,
                ..Impairments::default()
            },
            &arrivals,
            ms(200),
            1,
        );
        assert_eq!(left.len(), 4);
    }

    #[test]
    fn random_loss_matches_its_rate_and_spares_control_frames() {
        let mut p: Pipeline<u32> = Pipeline::new(Impairments {
            loss_percent: 10.0,
            ..Impairments::default()
        });
        let mut rng = Rng::new(42);
        let n = 100_000;
        for i in 0..n {
            p.ingress(Duration::ZERO, i, 100, Class::Data, &mut rng);
        }
        let lost = p.stats().dropped_random as f64 / n as f64;
        // 10 % ± 4 standard deviations (0.095 %).
        assert!((lost - 0.10).abs() < 0.004, "{lost}");
        let before = p.stats().dropped();
        for i in 0..1000 {
            p.ingress(Duration::ZERO, i, 60, Class::Control, &mut rng);
        }
        assert_eq!(p.stats().dropped(), before, "ARP and ND are never lost");
        let all: Pipeline<u32> = Pipeline::new(Impairments {
            loss_percent: 100.0,
            ..Impairments::default()
        });
        let mut all = all;
        for i in 0..100 {
            all.ingress(Duration::ZERO, i, 100, Class::Data, &mut rng);
        }
        assert_eq!(all.stats().dropped_random, 100);
    }

    #[test]
    fn burst_loss_keeps_the_share_and_the_mean_burst_length() {
        let cfg = Impairments {
            loss_percent: 5.0,
            burst: Some(4.0),
            ..Impairments::default()
        };
        let (to_bad, to_good) = cfg.burst_transitions().unwrap();
        assert!((to_good - 0.25).abs() < 1e-12);
        assert!((to_bad - 0.05 * 0.25 / 0.95).abs() < 1e-12);
        let mut p: Pipeline<u32> = Pipeline::new(cfg);
        let mut rng = Rng::new(9);
        let n = 200_000;
        let (mut bursts, mut in_burst) = (0u64, false);
        for i in 0..n {
            let (_, fate) = p.ingress(Duration::ZERO, i, 100, Class::Data, &mut rng);
            let lost = matches!(fate, Fate::Dropped(DropReason::Burst));
            if lost && !in_burst {
                bursts += 1;
            }
            in_burst = lost;
        }
        let lost = p.stats().dropped_burst;
        let share = lost as f64 / n as f64;
        let mean = lost as f64 / bursts as f64;
        assert!((share - 0.05).abs() < 0.006, "share {share}");
        assert!((mean - 4.0).abs() < 0.4, "mean burst {mean}");
    }

    #[test]
    fn duplication_sends_a_second_copy_right_behind() {
        let cfg = Impairments {
            duplicate_percent: 100.0,
            ..Impairments::default()
        };
        let (left, stats) = run(cfg, &at_once(2, 100), ms(1), 1);
        assert_eq!(
            left.iter().map(|l| (l.0, l.2)).collect::<Vec<_>>(),
            [(0, false), (0, true), (1, false), (1, true)]
        );
        assert_eq!(stats.duplicated, 2);
        assert_eq!(stats.forwarded, 4);
    }

    #[test]
    fn a_reordered_frame_leaves_behind_two_later_ones() {
        // Hold only frame 1 (the draw is forced by feeding it alone with
        // 100 %, the others with 0 %).
        let mut p: Pipeline<u64> = Pipeline::new(Impairments::default());
        let mut rng = Rng::new(1);
        let mut out = Vec::new();
        let held = Impairments {
            reorder_percent: 100.0,
            ..Impairments::default()
        };
        for id in 0..5u64 {
            let cfg = if id == 1 {
                held.clone()
            } else {
                Impairments::default()
            };
            p.set_config(cfg);
            p.ingress(ms(id), id, 100, Class::Data, &mut rng);
            p.release(ms(id), &mut out);
        }
        let order: Vec<u64> = out.iter().map(|r| r.frame).collect();
        assert_eq!(order, [0, 2, 3, 1, 4]);
        assert_eq!(out[3].overtaken_by, Some(2));
        assert_eq!(p.stats().reordered, 1);
    }

    #[test]
    fn a_copy_of_an_earlier_frame_does_not_count_as_overtaking() {
        // Frame 0 duplicated, frame 1 held, due at the same instant as 0's
        // copy: only frames that arrived after 1 may pass it.
        let mut p: Pipeline<u64> = Pipeline::new(Impairments::default());
        let mut rng = Rng::new(1);
        let mut out = Vec::new();
        p.set_config(Impairments {
            duplicate_percent: 100.0,
            ..Impairments::default()
        });
        p.ingress(ms(0), 0, 100, Class::Data, &mut rng);
        p.set_config(Impairments {
            reorder_percent: 100.0,
            ..Impairments::default()
        });
        p.ingress(ms(0), 1, 100, Class::Data, &mut rng);
        p.release(ms(0), &mut out);
        assert_eq!(out.len(), 2, "0 and its copy left; 1 waits");
        p.release(HOLD_LIMIT, &mut out);
        assert_eq!(out[2].overtaken_by, Some(0));
        assert_eq!(p.stats().reordered, 0, "the receiver saw 0, 0, 1: in order");
    }

    #[test]
    fn a_held_frame_with_nobody_behind_it_leaves_after_the_hold_limit() {
        let cfg = Impairments {
            reorder_percent: 100.0,
            ..Impairments::default()
        };
        let mut p: Pipeline<u64> = Pipeline::new(cfg);
        let mut rng = Rng::new(1);
        let mut out = Vec::new();
        p.ingress(Duration::ZERO, 7, 100, Class::Data, &mut rng);
        p.release(Duration::ZERO, &mut out);
        assert!(out.is_empty());
        assert_eq!(p.next_wakeup(), Some(HOLD_LIMIT));
        p.release(HOLD_LIMIT, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].overtaken_by, Some(0));
        assert_eq!(p.stats().reordered, 0, "nothing passed it: not reordered");
    }

    #[test]
    fn memory_is_bounded_whatever_arrives() {
        let cfg = Impairments {
            delay: Duration::from_secs(60),
            ..Impairments::default()
        };
        let mut p: Pipeline<()> = Pipeline::new(cfg);
        let mut rng = Rng::new(1);
        for _ in 0..MAX_IN_FLIGHT + 10 {
            p.ingress(Duration::ZERO, (), 60, Class::Data, &mut rng);
        }
        assert_eq!(p.in_flight(), MAX_IN_FLIGHT);
        assert_eq!(p.stats().dropped_overflow, 10);
    }
}
