//! The reader thread: drains every CPU's `trace_pipe_raw` of both
//! instances, puts the records in time order, joins them into facts and
//! hands the facts over through a bounded queue.
//!
//! No `poll()` on the pipes: a reader waiting in poll makes the kernel wake
//! it for each event (with `buffer_percent` 0) or only when half a buffer
//! is full (the default). Draining every [`TICK`] costs the traced programs
//! nothing and keeps the delay small.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::{ErrorKind, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::Duration;

use super::decode::{record_id, Decoded, Decoder, Role, Wanted};
use super::facts::KernelFact;
use super::format::PageLayout;
use super::join::{Input, JoinStats, Joiner};
use super::procfs::ProcTable;
use super::ring::parse_page;
use super::tracefs::write_once;
use crate::sys::{clock_ns, Clock};

/// How often the pipes are drained (a live capture holds its packets at
/// least this long for the kernel's records: kept short).
pub const TICK: Duration = Duration::from_millis(5);
/// Records newer than this are left for the next round: another CPU may
/// still be writing one with an earlier time (a tracepoint writes its
/// record with preemption off, in microseconds).
const SETTLE_NS: u64 = 3_000_000;
/// Most records waiting to be put in order before the oldest are joined
/// regardless.
const MAX_WAITING: usize = 200_000;
/// Rounds between two notices of lost events (one second).
const LOST_EVERY: u64 = 1000 / TICK.as_millis() as u64;
/// More calls not shown than this in a second, and a thread is left out.
const NOISY_PER_SECOND: u32 = 2000;
/// Most threads left out at once (the filter stays short).
const MAX_EXCLUDED: usize = 64;
/// Pages read from one pipe per round before moving on to the next.
const MAX_PAGES_PER_ROUND: usize = 4096;

/// One CPU's pipe of one instance.
pub struct CpuPipe {
    pub file: File,
    pub cpu: usize,
    pub role: Role,
}

/// The trace clock, and how to turn its times into the pcap's.
#[derive(Clone, Copy, Debug)]
pub struct TraceClock {
    pub kind: Clock,
    /// realtime = trace time + this (ns).
    delta: i128,
}

impl TraceClock {
    /// Measure the difference now. `tai` differs from realtime by whole
    /// seconds (the TAI offset), so the sample is rounded and immune to
    /// jitter; `mono` is sampled with realtime read on both sides.
    pub fn new(kind: Clock) -> TraceClock {
        let mut c = TraceClock { kind, delta: 0 };
        c.resample();
        c
    }

    /// Follow the realtime clock if it was adjusted (`mono` only).
    pub fn resample(&mut self) {
        match self.kind {
            Clock::Tai => {
                let real = clock_ns(Clock::Realtime) as i128;
                let tai = clock_ns(Clock::Tai) as i128;
                let secs = ((real - tai) as f64 / 1e9).round() as i128;
                self.delta = secs * 1_000_000_000;
            }
            Clock::Monotonic => {
                let best = (0..3)
                    .map(|_| {
                        let a = clock_ns(Clock::Realtime) as i128;
                        let m = clock_ns(Clock::Monotonic) as i128;
                        let b = clock_ns(Clock::Realtime) as i128;
                        (b - a, (a + b) / 2 - m)
                    })
                    .min();
                if let Some((_, d)) = best {
                    self.delta = d;
                }
            }
            Clock::Realtime => self.delta = 0,
        }
    }

    /// Now, on the trace clock.
    pub fn now(&self) -> u64 {
        clock_ns(self.kind)
    }

    /// A trace time on the realtime clock, since the Unix epoch.
    pub fn to_real(self, ts: u64) -> Duration {
        let ns = (ts as i128 + self.delta).max(0) as u128;
        Duration::from_nanos(ns.min(u64::MAX as u128) as u64)
    }
}

/// What the reader counted, handed back when it ends.
#[derive(Clone, Debug, Default)]
pub struct ReaderEnd {
    pub join: JoinStats,
    /// Pages that said events were lost before them.
    pub lost_pages: u64,
    /// Events the kernel said it lost (when it stored the number).
    pub lost_events: u64,
    /// Pages that ended early (a header pointing outside the page).
    pub corrupt_pages: u64,
    /// Events turned off because their records did not match the format.
    pub disabled: Vec<(String, String)>,
    /// Threads left out for flooding.
    pub quieted: u64,
}

/// Everything the thread owns.
pub struct Reader {
    pub pipes: Vec<CpuPipe>,
    pub decoders: HashMap<u16, Decoder>,
    pub layout: PageLayout,
    pub clock: TraceClock,
    pub joiner: Joiner<ProcTable>,
    pub tx: SyncSender<KernelFact>,
    pub dropped: Arc<AtomicU64>,
    /// Each event's `enable` file, to turn one off.
    pub enables: HashMap<Wanted, File>,
    /// The `enable` files of the exits of the calls that move data, not
    /// enabled while the send and receive lengths tell their results
    /// (`Sys::moves_data`): turned on if a length event is turned off.
    pub standby: Vec<File>,
    pub stop: Receiver<()>,
    /// Losses not told yet, per CPU: (pages, events counted).
    pub lost: HashMap<usize, (u64, u64)>,
    /// Following every process: the filter files of the busy events (sends,
    /// receives, closes) and their filters, to leave flooding threads out.
    pub quiet: HashMap<Wanted, (File, String)>,
    /// The threads left out now.
    pub excluded: BTreeSet<u32>,
}

struct Waiting {
    ts: u64,
    seq: u64,
    role: Role,
    rec: Decoded,
}

impl Reader {
    /// Run until told to stop, then drain what is left.
    pub fn run(mut self) -> ReaderEnd {
        let mut end = ReaderEnd::default();
        let mut waiting: Vec<Waiting> = Vec::new();
        let mut seq = 0u64;
        let mut page = vec![0u8; self.layout.page_size()];
        let mut rounds = 0u64;
        loop {
            let stopping = match self.stop.recv_timeout(TICK) {
                Ok(()) | Err(RecvTimeoutError::Disconnected) => true,
                Err(RecvTimeoutError::Timeout) => false,
            };
            rounds += 1;
            if rounds % 50 == 0 {
                self.clock.resample();
            }
            let now = self.clock.now();
            self.drain(&mut page, &mut waiting, &mut seq, &mut end);
            waiting.sort_by_key(|w| (w.ts, w.seq));
            let mark = if stopping {
                u64::MAX
            } else {
                now.saturating_sub(SETTLE_NS)
            };
            let mut ready = waiting.partition_point(|w| w.ts <= mark);
            if waiting.len() - ready > MAX_WAITING {
                ready = waiting.len() - MAX_WAITING;
            }
            for w in waiting.drain(..ready) {
                self.joiner.push(Input {
                    t: self.clock.to_real(w.ts),
                    role: w.role,
                    rec: w.rec,
                });
            }
            if stopping {
                self.joiner.finish();
            } else {
                self.joiner.tick(self.clock.to_real(mark));
            }
            if !stopping && rounds % LOST_EVERY == 0 {
                self.quieten(&mut end);
            }
            // Losses are told at most once a second, not page by page.
            if stopping || rounds % LOST_EVERY == 0 {
                let mut lost: Vec<(usize, (u64, u64))> = self.lost.drain().collect();
                lost.sort_unstable();
                for (cpu, (_, events)) in lost {
                    self.joiner.notice(KernelFact::Lost {
                        cpu,
                        events: (events > 0).then_some(events),
                    });
                }
            }
            self.send();
            if stopping {
                break;
            }
        }
        end.join = self.joiner.stats();
        end
    }

    /// Read every page waiting in every pipe.
    fn drain(
        &mut self,
        page: &mut [u8],
        waiting: &mut Vec<Waiting>,
        seq: &mut u64,
        end: &mut ReaderEnd,
    ) {
        for i in 0..self.pipes.len() {
            for _ in 0..MAX_PAGES_PER_ROUND {
                let n = match self.pipes[i].file.read(page) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(_) => break,
                };
                let (cpu, role) = (self.pipes[i].cpu, self.pipes[i].role);
                let mut bad: Vec<(u16, String)> = Vec::new();
                let decoders = &self.decoders;
                let info = parse_page(&page[..n], &self.layout, |r| {
                    let Some(id) = record_id(r.data) else {
                        return;
                    };
                    let Some(dec) = decoders.get(&id) else {
                        return;
                    };
                    match dec.decode(r.data) {
                        Ok(rec) => {
                            *seq += 1;
                            waiting.push(Waiting {
                                ts: r.ts,
                                seq: *seq,
                                role,
                                rec,
                            });
                        }
                        Err(e) => {
                            if !bad.iter().any(|(b, _)| *b == id) {
                                bad.push((id, e.to_string()));
                            }
                        }
                    }
                });
                if info.missed {
                    end.lost_pages += 1;
                    end.lost_events += info.missed_count;
                    let l = self.lost.entry(cpu).or_default();
                    l.0 += 1;
                    l.1 += info.missed_count;
                }
                if info.corrupt {
                    end.corrupt_pages += 1;
                }
                for (id, why) in bad {
                    self.disable(id, why, end);
                }
            }
        }
    }

    /// Once a second: leave out, in the kernel, the threads that made more
    /// than [`NOISY_PER_SECOND`] calls nobody asked about (another program's
    /// flood on other ports), and take back any that made a call worth
    /// showing. Their opening calls (socket, connect, accept...) are never
    /// left out, so a quieted program that starts a conversation on our
    /// ports is noticed.
    fn quieten(&mut self, end: &mut ReaderEnd) {
        if self.quiet.is_empty() {
            return;
        }
        let wanted = self.joiner.take_wanted();
        let noisy = self.joiner.noisy(NOISY_PER_SECOND);
        let mut changed = false;
        for t in &wanted {
            changed |= self.excluded.remove(t);
        }
        for t in noisy {
            if self.excluded.len() < MAX_EXCLUDED && !wanted.contains(&t) && self.excluded.insert(t)
            {
                changed = true;
                end.quieted += 1;
                let (pid, prog) = self.joiner.who(t);
                self.joiner
                    .notice(KernelFact::Quieted { tid: t, pid, prog });
            }
        }
        if !changed {
            return;
        }
        let excluded: Vec<String> = self
            .excluded
            .iter()
            .map(|t| format!("common_pid != {t}"))
            .collect();
        for (file, base) in self.quiet.values_mut() {
            let mut parts: Vec<String> = Vec::new();
            if !base.is_empty() {
                parts.push(format!("({base})"));
            }
            parts.extend(excluded.iter().cloned());
            // "0" clears a filter.
            let filter = if parts.is_empty() {
                "0".to_string()
            } else {
                parts.join(" && ")
            };
            let _ = write_once(file, &filter);
        }
    }

    /// A record did not match its format: say so once and turn the event
    /// off, so that one odd event cannot spoil the rest.
    fn disable(&mut self, id: u16, why: String, end: &mut ReaderEnd) {
        let Some(dec) = self.decoders.remove(&id) else {
            return;
        };
        let event = dec.wanted.path();
        if let Some(f) = self.enables.get_mut(&dec.wanted) {
            let _ = write_once(f, "0");
        }
        end.disabled.push((event.clone(), why.clone()));
        self.joiner.notice(KernelFact::Disabled { event, why });
        if dec.wanted.is_length() {
            // The calls' own exits tell their results from now on.
            for mut f in self.standby.drain(..) {
                let _ = write_once(&mut f, "1");
            }
            self.joiner.set_lengths_end_calls(false);
        }
    }

    fn send(&mut self) {
        for f in self.joiner.drain() {
            match self.tx.try_send(f) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                    self.dropped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }
}
