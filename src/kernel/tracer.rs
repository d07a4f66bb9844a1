//! Opening, running and removing socklab's private tracing instances
//! (Linux). Everything that needs root happens in [`Tracer::open`], so a
//! capture started with sudo can give root back right after: the reader
//! keeps the descriptors it opened, and a small root helper
//! ([`Cleaner`]) removes the instances at the end if we no longer can.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::decode::{Decoder, Role, Sys, Wanted};
use super::format::{EventFormat, PageLayout};
use super::join::Joiner;
use super::procfs::ProcTable;
use super::reader::{CpuPipe, Reader, ReaderEnd, TraceClock};
use super::tracefs::{
    dir_present, find_root, open_nonblocking, read_value, remove_stale, start_time, write_once,
    write_value, Cleaner, InstanceName,
};
use super::{Config, CpuLoss, Follow, KernelFact, Report, Status, Unavailable};
use crate::sys::Clock;

/// Numbers the instances of this process (several tracers may run at once).
static NEXT_INSTANCE: AtomicU32 = AtomicU32::new(0);
/// More ports than this and the port filter is left to user space.
const MAX_FILTER_PORTS: usize = 32;

/// socklab's view of the kernel: two private tracing instances and the
/// thread that reads them. See the module documentation.
pub struct Tracer {
    facts: Receiver<KernelFact>,
    dirs: Vec<PathBuf>,
    tracing_on: Vec<File>,
    stats: Vec<(String, usize, File)>,
    pid_file: Option<File>,
    reader: Option<JoinHandle<ReaderEnd>>,
    stop_tx: Option<Sender<()>>,
    cleaner: Option<Cleaner>,
    dropped: Arc<AtomicU64>,
    status: Status,
    report: Option<Report>,
}

/// Removes half-made instances if `open` fails on the way.
struct Undo(Vec<PathBuf>);

impl Drop for Undo {
    fn drop(&mut self) {
        for d in &self.0 {
            let _ = std::fs::remove_dir(d);
        }
    }
}

impl Tracer {
    /// Create the instances, enable the events with their filters, start
    /// reading. Needs root; anything missing gives a reason, not an error.
    pub fn open(cfg: &Config) -> Result<Tracer, Unavailable> {
        if !crate::sys::is_root() {
            return Err(Unavailable::NotRoot);
        }
        let root = find_root(true).map_err(Unavailable::NoTracefs)?;
        if !root.join("instances").is_dir() {
            return Err(Unavailable::NoInstances);
        }
        let removed_stale = remove_stale(&root);
        let mut notes = Vec::new();
        let layout = match read_value(&root.join("events/header_page"))
            .map_err(|e| e.to_string())
            .and_then(|t| PageLayout::parse(&t).map_err(|e| e.to_string()))
        {
            Ok(l) => l,
            Err(why) => {
                notes.push(crate::t!("capture-kernel-header-page", why = why));
                PageLayout::DEFAULT
            }
        };
        let following = cfg.follow != Follow::Everyone;

        // Which events this kernel has, in a shape we understand.
        let mut decoders: HashMap<u16, Decoder> = HashMap::new();
        let mut wanted_ok: Vec<Wanted> = Vec::new();
        let mut disabled: Vec<(String, String)> = Vec::new();
        for w in Wanted::all() {
            if let Wanted::Enter(s) | Wanted::Exit(s) = w {
                if s.only_when_following() && !following {
                    continue;
                }
            }
            let path = root.join("events").join(w.path()).join("format");
            let dec = read_value(&path)
                .map_err(|_| "not in this kernel".to_string())
                .and_then(|t| EventFormat::parse(&t).map_err(|e| e.to_string()))
                .and_then(|f| Decoder::new(w, &f).map_err(|e| e.to_string()));
            match dec {
                Ok(d) => {
                    decoders.insert(d.id, d);
                    wanted_ok.push(w);
                }
                Err(why) => {
                    if w.essential() {
                        return Err(Unavailable::MissingEvents(vec![format!(
                            "{}: {why}",
                            w.path()
                        )]));
                    }
                    disabled.push((w.path(), why));
                }
            }
        }

        // The two instances, uniquely named.
        let pid = std::process::id();
        let start = start_time(pid).unwrap_or(0);
        let mut dirs = Vec::new();
        for role in [Role::Calls, Role::Tcp] {
            loop {
                let n = NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed);
                let name = InstanceName::format(pid, start, n, role);
                let dir = root.join("instances").join(&name);
                match std::fs::create_dir(&dir) {
                    Ok(()) => {
                        dirs.push(dir);
                        break;
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                    Err(e) => {
                        drop(Undo(dirs));
                        return Err(if e.kind() == std::io::ErrorKind::PermissionDenied {
                            Unavailable::NotRoot
                        } else {
                            Unavailable::Failed(crate::t!(
                                "capture-kernel-cannot-create-instance",
                                error = e.to_string()
                            ))
                        });
                    }
                }
            }
        }
        let undo = Undo(dirs.clone());
        let cleaner = Cleaner::spawn(&dirs).ok();
        let fail = |what: &str, e: std::io::Error| {
            Unavailable::Failed(crate::t!(
                "capture-kernel-cannot-set-up",
                what = what,
                error = e.to_string()
            ))
        };

        // The same clock in both, one we can put on the pcap's clock.
        let mut clock = Clock::Tai;
        for d in &dirs {
            write_value(&d.join("tracing_on"), "0").map_err(|e| fail("tracing_on", e))?;
            if clock == Clock::Tai && write_value(&d.join("trace_clock"), "tai").is_err() {
                clock = Clock::Monotonic;
            }
        }
        let ncpu = cpus(&dirs[0]).len().max(1) as u32;
        let kb = cfg
            .buffer_kb
            .min(super::MAX_BUFFERS_KB / (2 * ncpu))
            .max(64)
            .to_string();
        for d in &dirs {
            let name = if clock == Clock::Tai { "tai" } else { "mono" };
            write_value(&d.join("trace_clock"), name).map_err(|e| fail("trace_clock", e))?;
            write_value(&d.join("buffer_size_kb"), &kb).map_err(|e| fail("buffer_size_kb", e))?;
        }
        let (calls, tcp) = (&dirs[0], &dirs[1]);

        // Follow programs: the pid filter of the calls instance, and its
        // children with event-fork.
        let own_tid = thread_id().unwrap_or(pid);
        // The thread that follows itself, so that the programs it starts
        // are followed from their first instruction, leaves its own calls
        // out in the kernel (its writes of the output would be traced,
        // and make more). Otherwise no call filter at all: a filter that
        // passes costs each record about 30 ns more than none (bench/
        // tracepoint_cost.sh), and our own process's few records are
        // dropped by the joiner.
        let me = (cfg.follow == Follow::OurChildren).then_some(own_tid);
        let pid_file = if following {
            write_value(&calls.join("options/event-fork"), "1")
                .map_err(|e| fail("event-fork", e))?;
            let mut f = OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(calls.join("set_event_pid"))
                .map_err(|e| fail("set_event_pid", e))?;
            if let Follow::Pids(pids) = &cfg.follow {
                for p in pids {
                    write_once(&mut f, &p.to_string()).map_err(|e| fail("set_event_pid", e))?;
                }
            }
            Some(f)
        } else {
            None
        };

        // Filters, then enable: the send and receive lengths first, for
        // while both are on, the exits of the calls that move data are
        // kept on standby (filtered, not enabled: see `Sys::moves_data`),
        // and enabled only if a length event is turned off later.
        wanted_ok.sort_by_key(|w| !w.is_length());
        let mut enables: HashMap<Wanted, File> = HashMap::new();
        let mut standby: Vec<File> = Vec::new();
        let mut quiet: HashMap<Wanted, (File, String)> = HashMap::new();
        for &w in &wanted_ok {
            let lengths_on = enables.keys().filter(|l| l.is_length()).count() == 2;
            let dir = match w.role() {
                Role::Calls => calls,
                Role::Tcp => tcp,
            };
            let ev = dir.join("events").join(w.path());
            let filter = filter_for(w, &cfg.ports, me);
            if let Some(filter) = &filter {
                if let Err(e) = write_value(&ev.join("filter"), filter) {
                    notes.push(format!(
                        "{}: filter {filter:?} refused ({e}); unfiltered",
                        w.path()
                    ));
                }
            }
            if !following && busy(w) {
                if let Ok(f) = OpenOptions::new().write(true).open(ev.join("filter")) {
                    quiet.insert(w, (f, filter.clone().unwrap_or_default()));
                }
            }
            if lengths_on && matches!(w, Wanted::Exit(s) if s.moves_data()) {
                // (One that cannot be kept aside is enabled now.)
                if let Ok(f) = OpenOptions::new().write(true).open(ev.join("enable")) {
                    standby.push(f);
                    continue;
                }
            }
            match write_value(&ev.join("enable"), "1") {
                Ok(()) => {
                    if let Ok(f) = OpenOptions::new().write(true).open(ev.join("enable")) {
                        enables.insert(w, f);
                    }
                }
                Err(e) => {
                    if w.essential() {
                        return Err(Unavailable::MissingEvents(vec![format!(
                            "{}: {e}",
                            w.path()
                        )]));
                    }
                    decoders.retain(|_, d| d.wanted != w);
                    disabled.push((w.path(), format!("cannot enable: {e}")));
                }
            }
        }
        let lengths_end_calls = !standby.is_empty();
        let traced_calls = decoders
            .values()
            .any(|d| matches!(d.wanted, Wanted::Enter(_)));
        if !traced_calls {
            notes.push(
                "this kernel has no system call events: sends and receives are seen, \
                 connect/accept/close are not"
                    .into(),
            );
        }

        // Everything to read later, opened now (before root is given back).
        let mut pipes = Vec::new();
        let mut stats = Vec::new();
        for (d, role) in [(calls, Role::Calls), (tcp, Role::Tcp)] {
            let name = d
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            for cpu in cpus(d) {
                let pc = d.join("per_cpu").join(format!("cpu{cpu}"));
                let file = open_nonblocking(&pc.join("trace_pipe_raw"))
                    .map_err(|e| fail("trace_pipe_raw", e))?;
                pipes.push(CpuPipe { file, cpu, role });
                if let Ok(f) = File::open(pc.join("stats")) {
                    stats.push((name.clone(), cpu, f));
                }
            }
        }
        let mut tracing_on = Vec::new();
        for d in &dirs {
            let f = OpenOptions::new()
                .write(true)
                .open(d.join("tracing_on"))
                .map_err(|e| fail("tracing_on", e))?;
            tracing_on.push(f);
        }

        // The reader starts before we follow ourselves, so that its own
        // reads are never traced.
        let (tx, facts) = mpsc::sync_channel(cfg.queue.max(16));
        let (stop_tx, stop) = mpsc::channel();
        let dropped = Arc::new(AtomicU64::new(0));
        let reader = Reader {
            pipes,
            decoders,
            layout,
            clock: TraceClock::new(clock),
            joiner: {
                let mut j = Joiner::new(ProcTable::new(), pid, cfg.ports.clone());
                j.set_lengths_end_calls(lengths_end_calls);
                j
            },
            standby,
            tx,
            dropped: dropped.clone(),
            enables,
            stop,
            lost: HashMap::new(),
            quiet,
            excluded: Default::default(),
        };
        let handle = std::thread::Builder::new()
            .name("socklab-kernel".into())
            .spawn(move || reader.run())
            .map_err(|e| {
                Unavailable::Failed(crate::t!(
                    "capture-kernel-cannot-start-reader",
                    error = e.to_string()
                ))
            })?;
        let mut t = Tracer {
            facts,
            dirs: dirs.clone(),
            tracing_on,
            stats,
            pid_file,
            reader: Some(handle),
            stop_tx: Some(stop_tx),
            cleaner,
            dropped,
            status: Status {
                instances: dirs
                    .iter()
                    .filter_map(|d| d.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .collect(),
                clock: if clock == Clock::Tai { "tai" } else { "mono" },
                disabled,
                removed_stale,
                cleaner_pid: None,
                notes,
            },
            report: None,
        };
        t.status.cleaner_pid = t.cleaner.as_ref().map(Cleaner::pid);
        std::mem::forget(undo);
        if cfg.follow == Follow::OurChildren {
            if let Err(e) = t.follow(own_tid) {
                return Err(Unavailable::Failed(crate::t!(
                    "capture-kernel-cannot-follow",
                    error = e.to_string()
                )));
            }
        }
        for f in &mut t.tracing_on {
            if let Err(e) = write_once(f, "1") {
                return Err(Unavailable::Failed(crate::t!(
                    "capture-kernel-cannot-start",
                    error = e.to_string()
                )));
            }
        }
        Ok(t)
    }

    /// The facts, as the reader produces them (roughly in time order; a
    /// call may be held up to [`super::HOLD`] while its socket is found).
    pub fn facts(&self) -> &Receiver<KernelFact> {
        &self.facts
    }

    /// What was set up, and what is missing.
    pub fn status(&self) -> &Status {
        &self.status
    }

    /// Follow one more process (and its future children). Only when
    /// following programs ([`Follow::Pids`] or [`Follow::OurChildren`]);
    /// works after root was given back.
    pub fn follow(&mut self, pid: u32) -> std::io::Result<()> {
        match self.pid_file.as_mut() {
            Some(f) => write_once(f, &pid.to_string()),
            None => Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "this tracer follows every process",
            )),
        }
    }

    /// Stop tracing, let the reader finish, remove the instances. The facts
    /// still queued can be read afterwards. Calling it again returns the
    /// same report.
    pub fn stop(&mut self) -> Report {
        if let Some(r) = &self.report {
            return r.clone();
        }
        for f in &mut self.tracing_on {
            let _ = write_once(f, "0");
        }
        if let Some(tx) = self.stop_tx.take() {
            let _ = tx.send(());
        }
        let end = self
            .reader
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        let mut cpus = Vec::new();
        for (instance, cpu, f) in &mut self.stats {
            let mut text = String::new();
            if f.seek(SeekFrom::Start(0)).is_ok() && f.take(4096).read_to_string(&mut text).is_ok()
            {
                cpus.push(CpuLoss {
                    instance: instance.clone(),
                    cpu: *cpu,
                    overrun: stat_line(&text, "overrun"),
                    dropped: stat_line(&text, "dropped events"),
                });
            }
        }
        // Close every descriptor on the instances, or removing them fails.
        self.stats.clear();
        self.tracing_on.clear();
        self.pid_file = None;
        let removed = self.remove_instances();
        let mut disabled = self.status.disabled.clone();
        disabled.extend(end.disabled.iter().cloned());
        let report = Report {
            cpus,
            queue_dropped: self.dropped.load(Ordering::Relaxed),
            lost_pages: end.lost_pages,
            lost_events: end.lost_events,
            corrupt_pages: end.corrupt_pages,
            disabled,
            join: end.join,
            quieted: end.quieted,
            removed,
        };
        self.report = Some(report.clone());
        report
    }

    fn remove_instances(&mut self) -> bool {
        for d in &self.dirs {
            // EBUSY while the kernel finishes closing a pipe: try again.
            for _ in 0..20 {
                if std::fs::remove_dir(d).is_ok() || dir_present(d) == Some(false) {
                    break;
                }
                if !crate::sys::is_root() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        // Root given back, or still busy: the helper (still root) does it,
        // and says whether it could.
        let helper_ok = self.cleaner.take().map(Cleaner::finish);
        let seen: Vec<Option<bool>> = self.dirs.iter().map(|d| dir_present(d)).collect();
        if seen.iter().all(|s| *s == Some(false)) {
            return true;
        }
        // Where we may not look, the helper's word is all we have.
        seen.iter().all(|s| *s != Some(true)) && helper_ok == Some(true)
    }
}

impl Drop for Tracer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The filter of each event: ports for the TCP events, internet sockets
/// for the lengths, descriptors above 2 for `read`/`write`, and never the
/// calls of thread `me` when we follow ourselves.
fn filter_for(w: Wanted, ports: &[u16], me: Option<u32>) -> Option<String> {
    let port_expr = (!ports.is_empty() && ports.len() <= MAX_FILTER_PORTS).then(|| {
        let alts: Vec<String> = ports
            .iter()
            .map(|p| format!("sport == {p} || dport == {p}"))
            .collect();
        format!("({})", alts.join(" || "))
    });
    match w {
        Wanted::SetState => Some(match port_expr {
            Some(p) => format!("protocol == 6 && {p}"),
            None => "protocol == 6".into(),
        }),
        Wanted::Retransmit | Wanted::RetransmitSynack | Wanted::ReceiveReset => port_expr,
        Wanted::SendLength | Wanted::RecvLength => {
            Some("(family == 2 || family == 10) && (protocol == 6 || protocol == 17)".into())
        }
        Wanted::Enter(s) | Wanted::Exit(s) => {
            let mut parts: Vec<String> = me
                .map(|t| format!("common_pid != {t}"))
                .into_iter()
                .collect();
            if matches!(s, Sys::Read | Sys::Write) && matches!(w, Wanted::Enter(_)) {
                parts.push("fd > 2".into());
            }
            (!parts.is_empty()).then(|| parts.join(" && "))
        }
        Wanted::SendReset | Wanted::Exec | Wanted::NewTask => None,
    }
}

/// The events every busy program makes all day (sends, receives, closes):
/// when following every process, a thread flooding them on other ports is
/// left out of their filters.
fn busy(w: Wanted) -> bool {
    match w {
        Wanted::Enter(s) | Wanted::Exit(s) => matches!(
            s,
            Sys::SendTo
                | Sys::SendMsg
                | Sys::RecvFrom
                | Sys::RecvMsg
                | Sys::Close
                | Sys::Shutdown
                | Sys::Read
                | Sys::Write
        ),
        w => w.is_length(),
    }
}

/// `overrun: 12` -> 12.
fn stat_line(text: &str, key: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// The CPUs an instance has a buffer for.
fn cpus(instance: &Path) -> Vec<usize> {
    let mut v: Vec<usize> = std::fs::read_dir(instance.join("per_cpu"))
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.strip_prefix("cpu")?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    v.sort_unstable();
    v
}

/// This thread's id, from /proc/thread-self (`PID/task/TID`).
fn thread_id() -> Option<u32> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_say_ports_and_leave_us_out_only_when_we_follow_ourselves() {
        assert_eq!(
            filter_for(Wanted::SetState, &[5000], Some(7)).unwrap(),
            "protocol == 6 && (sport == 5000 || dport == 5000)"
        );
        assert_eq!(
            filter_for(Wanted::SetState, &[], Some(7)).unwrap(),
            "protocol == 6"
        );
        assert_eq!(
            filter_for(Wanted::Retransmit, &[1, 2], Some(7)).unwrap(),
            "(sport == 1 || dport == 1 || sport == 2 || dport == 2)"
        );
        assert_eq!(filter_for(Wanted::Retransmit, &[], Some(7)), None);
        assert_eq!(
            filter_for(Wanted::Enter(Sys::Write), &[], Some(7)).unwrap(),
            "common_pid != 7 && fd > 2"
        );
        assert_eq!(
            filter_for(Wanted::Exit(Sys::Write), &[], Some(7)).unwrap(),
            "common_pid != 7"
        );
        // Following every process: no filter on the calls but the
        // terminal's descriptors.
        assert_eq!(filter_for(Wanted::Enter(Sys::Connect), &[5000], None), None);
        assert_eq!(filter_for(Wanted::Exit(Sys::Accept4), &[], None), None);
        assert_eq!(
            filter_for(Wanted::Enter(Sys::Write), &[], None).unwrap(),
            "fd > 2"
        );
        assert_eq!(
            filter_for(Wanted::Enter(Sys::Close), &[], Some(7)).unwrap(),
            "common_pid != 7"
        );
        let many: Vec<u16> = (1..=40).collect();
        assert_eq!(
            filter_for(Wanted::SetState, &many, Some(7)).unwrap(),
            "protocol == 6"
        );
    }

    #[test]
    fn stats_lines_are_read() {
        let text = "entries: 777\noverrun: 12\ncommit overrun: 0\ndropped events: 3\n";
        assert_eq!(stat_line(text, "overrun"), 12);
        assert_eq!(stat_line(text, "dropped events"), 3);
        assert_eq!(stat_line(text, "nothing"), 0);
    }

    #[test]
    fn our_thread_id_is_found() {
        let tid = thread_id().unwrap();
        assert!(std::path::Path::new(&format!("/proc/self/task/{tid}")).exists());
    }
}
