//! The kernel as a second source of socket calls, and the source of the
//! kernel's own TCP states (Linux, root).
//!
//! socklab's own programs report their calls over the events socket; any
//! other program (a student's `python3 servidor.py`, `nc`, `curl`) is seen
//! here instead, from tracefs:
//!
//! - the socket system calls (`sys_enter_connect`, `sys_exit_accept4`...),
//! - `sock/sock_send_length` / `sock_recv_length` (each send and receive,
//!   with the kernel's socket),
//! - `sock/inet_sock_set_state` (every TCP state change, with addresses),
//! - `tcp/tcp_retransmit_skb`, `tcp_retransmit_synack`, `tcp_send_reset`,
//!   `tcp_receive_reset`,
//! - `sched/sched_process_exec` (a program's name changes),
//! - `task/task_newtask` (a new thread's process, known before the thread
//!   can exit and leave /proc).
//!
//! They are read from two private instances (`instances/socklab-...`, see
//! [`decode::Role`] for why two), never from the global one, with in-kernel
//! filters (ports, internet sockets, the followed pids) so a busy machine
//! does not flood them. The records are read raw ([`ring`]) and laid out by
//! each event's `format` file ([`mod@format`], [`decode`]), joined into facts
//! ([`join`]) and handed over through a bounded queue.
//!
//! ```no_run
//! use socklab::kernel::{Config, Follow, KernelFact, Tracer};
//! let mut t = match Tracer::open(&Config { ports: vec![5000], ..Config::default() }) {
//!     Ok(t) => t,
//!     Err(why) => { eprintln!("capture: note: {why}"); return; }
//! };
//! // ... drop root here if started with sudo; then:
//! while let Ok(fact) = t.facts().recv() {
//!     if let KernelFact::Call(c) = fact { println!("{} {}", c.prog, c.call.name()); }
//! #   break;
//! }
//! let report = t.stop(); // also done on drop
//! ```
//!
//! Clock: both instances use the `tai` trace clock (`mono` where the kernel
//! has no `tai`). `tai` is the realtime clock plus the TAI offset, a whole
//! number of seconds, so trace times are put on the pcap's realtime clock
//! exactly; `mono` is converted with an offset sampled every second.
//!
//! Lifecycle: the instances are removed by [`Tracer::stop`] (also on drop).
//! A root helper process removes them if this process dies without doing
//! it, or after it gave root back; and an instance left by a process that
//! is gone (pid and start time in its name) is removed by the next
//! [`Tracer::open`].

pub mod decode;
pub mod facts;
pub mod format;
pub mod join;
pub mod procfs;
#[cfg(target_os = "linux")]
mod reader;
pub mod returned;
pub mod ring;
#[cfg(target_os = "linux")]
pub mod tracefs;
#[cfg(target_os = "linux")]
mod tracer;

use std::fmt;

pub use facts::{
    errno_name, Call, How, KernelFact, Phase, Proto, Reset, Retransmit, SockId, SockState,
    SocketCall, StateChange,
};
pub use join::{JoinStats, HOLD};
/// How often the reader drains the kernel's buffers and hands facts over.
pub use reader::TICK;

/// Default bound of the fact queue.
pub const DEFAULT_QUEUE: usize = 65_536;
/// Default ring buffer per CPU and instance, in KB: about 200 ms of a
/// loopback connection storm, for a reader that a busy machine keeps
/// waiting. (Capped so that all buffers together stay under
/// [`MAX_BUFFERS_KB`].)
pub const DEFAULT_BUFFER_KB: u32 = 4096;
/// Most memory all ring buffers of a tracer may take, in KB.
pub const MAX_BUFFERS_KB: u32 = 64 * 1024;

/// Whose calls to follow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Follow {
    /// Every process (sockets matching [`Config::ports`]).
    Everyone,
    /// These processes and the children they start from now on.
    Pids(Vec<u32>),
    /// Every program the thread that calls [`Tracer::open`] starts from now
    /// on (`capture -- PROGRAM`): followed from their first instruction,
    /// so no call is missed. Our own calls are left out.
    OurChildren,
}

/// What to trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub follow: Follow,
    /// Only sockets with one of these local or remote ports (empty: all).
    pub ports: Vec<u16>,
    /// Bound of the fact queue; facts beyond it are counted and dropped.
    pub queue: usize,
    /// Kernel ring buffer per CPU and instance, in KB (at least 64; all of
    /// them together at most [`MAX_BUFFERS_KB`]).
    pub buffer_kb: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            follow: Follow::Everyone,
            ports: Vec::new(),
            queue: DEFAULT_QUEUE,
            buffer_kb: DEFAULT_BUFFER_KB,
        }
    }
}

/// Why the kernel's view is off. Its `Display` is one line saying why and
/// what still works; it is never a reason to stop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unavailable {
    /// Not Linux (macOS, BSD).
    NotLinux,
    /// Tracing needs root.
    NotRoot,
    /// No tracefs, and it could not be mounted.
    NoTracefs(String),
    /// A kernel without tracing instances (before 3.19).
    NoInstances,
    /// The kernel lacks an event the view cannot do without.
    MissingEvents(Vec<String>),
    /// Something else went wrong setting up.
    Failed(String),
}

impl Unavailable {
    /// Why, and what still works, in `lang` (`capture-kernel-unavailable-*`);
    /// the detail of `NoTracefs` and `Failed` is the system's own words.
    pub fn said_in(&self, lang: crate::i18n::Lang) -> String {
        use crate::i18n::Arg;
        let (id, args): (&str, Vec<(&str, Arg<'_>)>) = match self {
            Unavailable::NotLinux => ("capture-kernel-unavailable-not-linux", vec![]),
            Unavailable::NotRoot => ("capture-kernel-unavailable-not-root", vec![]),
            Unavailable::NoTracefs(why) => (
                "capture-kernel-unavailable-no-tracefs",
                vec![("why", why.into())],
            ),
            Unavailable::NoInstances => ("capture-kernel-unavailable-no-instances", vec![]),
            Unavailable::MissingEvents(ev) => (
                "capture-kernel-unavailable-missing-events",
                vec![("events", ev.join(", ").into())],
            ),
            Unavailable::Failed(why) => (
                "capture-kernel-unavailable-failed",
                vec![("why", why.into())],
            ),
        };
        let why = crate::i18n::tr_in(lang, id, &args);
        crate::i18n::tr_in(lang, "capture-kernel-unavailable", &[("why", why.into())])
    }
}

/// In the process's language.
impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.said_in(crate::i18n::lang()))
    }
}

/// What [`Tracer::open`] set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// The instances' names (under `instances/`).
    pub instances: Vec<String>,
    /// The trace clock: `tai` or `mono`.
    pub clock: &'static str,
    /// Events not used, and why (missing in this kernel, format not
    /// understood).
    pub disabled: Vec<(String, String)>,
    /// Stale instances of dead socklab processes removed on the way.
    pub removed_stale: Vec<String>,
    /// The root helper that removes the instances if we cannot.
    pub cleaner_pid: Option<u32>,
    /// Anything else worth a line (a filter the kernel refused).
    pub notes: Vec<String>,
}

/// One CPU buffer's losses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpuLoss {
    pub instance: String,
    pub cpu: usize,
    /// Events overwritten before they were read (`overrun` in `stats`).
    pub overrun: u64,
    /// Events refused because the buffer was full (`dropped events`).
    pub dropped: u64,
}

/// The end of a run: what was lost, and whether the instances are gone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub cpus: Vec<CpuLoss>,
    /// Facts dropped because the queue was full.
    pub queue_dropped: u64,
    /// Pages that said events were lost before them.
    pub lost_pages: u64,
    /// Events lost, when the kernel counted them in the page.
    pub lost_events: u64,
    /// Pages cut short by a header that pointed outside them.
    pub corrupt_pages: u64,
    /// Events not used or turned off, and why.
    pub disabled: Vec<(String, String)>,
    pub join: JoinStats,
    /// Threads left out of the busy events' filters for flooding them on
    /// ports nobody asked about ([`KernelFact::Quieted`]).
    pub quieted: u64,
    /// Both instances were removed.
    pub removed: bool,
}

impl Report {
    /// Events the kernel lost (its per-CPU `overrun` and `dropped events`).
    pub fn kernel_lost(&self) -> u64 {
        self.cpus.iter().map(|c| c.overrun + c.dropped).sum()
    }
}

#[cfg(target_os = "linux")]
pub use tracer::Tracer;

/// socklab's view of the kernel (Linux only; elsewhere
/// [`Tracer::open`] says [`Unavailable::NotLinux`]).
#[cfg(not(target_os = "linux"))]
pub struct Tracer {
    never: std::convert::Infallible,
}

#[cfg(not(target_os = "linux"))]
impl Tracer {
    /// Always [`Unavailable::NotLinux`] here.
    pub fn open(_cfg: &Config) -> Result<Tracer, Unavailable> {
        Err(Unavailable::NotLinux)
    }
    /// Never called: no tracer exists here.
    pub fn facts(&self) -> &std::sync::mpsc::Receiver<KernelFact> {
        match self.never {}
    }
    /// Never called: no tracer exists here.
    pub fn status(&self) -> &Status {
        match self.never {}
    }
    /// Never called: no tracer exists here.
    pub fn follow(&mut self, _pid: u32) -> std::io::Result<()> {
        match self.never {}
    }
    /// Never called: no tracer exists here.
    pub fn stop(&mut self) -> Report {
        match self.never {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailable_says_why_and_what_still_works_in_one_line() {
        for u in [
            Unavailable::NotLinux,
            Unavailable::NotRoot,
            Unavailable::NoTracefs("tracefs is not mounted".into()),
            Unavailable::NoInstances,
            Unavailable::MissingEvents(vec!["sock/inet_sock_set_state".into()]),
            Unavailable::Failed("x".into()),
        ] {
            let s = u.said_in(crate::i18n::Lang::En);
            assert!(!s.contains('\n'), "{s}");
            assert!(
                s.ends_with("the segments and the calls of socklab's own programs are still shown"),
                "{s}"
            );
            let pt = u.said_in(crate::i18n::Lang::PtBr);
            assert!(!pt.contains('\n') && pt != s, "{pt}");
            assert!(
                pt.ends_with("os segmentos e as chamadas dos programas do próprio socklab continuam aparecendo"),
                "{pt}"
            );
        }
        assert!(Unavailable::NotRoot.to_string().contains("sudo"));
    }
}
